//! What a user can configure, with the reference trackers' defaults.

use crate::screen::ScreenConfig;

/// A session timeout: whole seconds from 0 to `u32::MAX`, compared in milliseconds.
///
/// A gap *strictly greater* than the timeout starts a new session, so `Timeout::from_secs(0)`
/// rotates on any gap of 1 ms or more and keeps the session for events in the same millisecond.
///
/// ```
/// use client_session_core::Timeout;
/// assert_eq!(Timeout::from_secs(1800).as_millis(), 1_800_000);
/// assert_eq!(Timeout::default(), Timeout::from_secs(1800));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timeout(u32);

impl Timeout {
    /// A timeout of `secs` seconds.
    #[must_use]
    pub const fn from_secs(secs: u32) -> Self {
        Self(secs)
    }

    /// The timeout in whole seconds.
    #[must_use]
    pub const fn as_secs(self) -> u32 {
        self.0
    }

    /// The timeout in milliseconds (never overflows: `u32::MAX` s fits a `u64` in ms).
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0 as u64 * 1000
    }
}

impl Default for Timeout {
    /// 1800 s, the Android, iOS and JavaScript default.
    fn default() -> Self {
        Self(1800)
    }
}

/// Tracker configuration. `Config::default()` is the reference trackers' configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Inactivity that ends a session while the app is in the foreground (default 1800 s).
    pub foreground_timeout: Timeout,
    /// Inactivity that ends a session while the app is in the background (default 1800 s).
    pub background_timeout: Timeout,
    /// Whether foreground/background transitions emit `application_foreground` /
    /// `application_background` events and events carry the lifecycle entity (default on).
    pub lifecycle_events: bool,
    /// Whether a restart continues the stored session while its timeout has not passed
    /// (default off: every start begins a new session at its first event).
    pub continue_session_on_restart: bool,
    /// Whether the tracker starts with user anonymisation on (default off).
    pub anonymous: bool,
    /// The web's `sessionCookieTimeout`: how long `_sp_ses` lives after the last event or page
    /// load (default 1800 s; 0 makes it a browser-session cookie, as in the JavaScript
    /// tracker). The mobile rules use the foreground and background timeouts instead.
    pub session_timeout: Timeout,
    /// Whether every event carries the `screen` entity while a screen is current (Android's
    /// `screenContext`, default on).
    pub screen_context: bool,
    /// Screen engagement (Android's `screenEngagementAutotracking`, default on): a
    /// `screen_end` with the `screen_summary` before each later screen view, the summary on
    /// lifecycle events, and list and scroll events folded into the summary instead of sent.
    pub screen_engagement: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            foreground_timeout: Timeout::default(),
            background_timeout: Timeout::default(),
            lifecycle_events: true,
            continue_session_on_restart: false,
            anonymous: false,
            session_timeout: Timeout::default(),
            screen_context: true,
            screen_engagement: true,
        }
    }
}

impl Config {
    /// The timeout in force: the background timeout while in the background (spec A2.3).
    #[must_use]
    pub const fn timeout(&self, in_background: bool) -> Timeout {
        if in_background {
            self.background_timeout
        } else {
            self.foreground_timeout
        }
    }

    /// The screen features this configuration turns on.
    #[must_use]
    pub const fn screens(&self) -> ScreenConfig {
        ScreenConfig {
            context: self.screen_context,
            engagement: self.screen_engagement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_reference_defaults() {
        let c = Config::default();
        assert_eq!(c.foreground_timeout.as_secs(), 1800);
        assert_eq!(c.background_timeout.as_secs(), 1800);
        assert!(c.lifecycle_events);
        assert!(!c.continue_session_on_restart);
        assert!(!c.anonymous);
        assert_eq!(c.session_timeout.as_secs(), 1800);
        assert!(c.screen_context);
        assert!(c.screen_engagement);
    }

    #[test]
    fn largest_timeout_does_not_overflow() {
        assert_eq!(Timeout::from_secs(u32::MAX).as_millis(), 4_294_967_295_000);
    }
}
