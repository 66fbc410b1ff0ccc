//! The configuration JSON, in the Android tracker's names (`SessionConfiguration`,
//! `TrackerConfiguration`).

use client_session_core::{Config, Timeout};
use serde::Deserialize;

use crate::MobileError;

/// A tracker's configuration. Every key is optional and has the reference default; an unknown
/// key is an error (a typo must not silently keep a default).
///
/// ```
/// # use client_session_mobile::TrackerConfig;
/// let config = TrackerConfig::parse(r#"{"foregroundTimeout": 600, "lifecycleAutotracking": false}"#).unwrap();
/// assert_eq!(config.session_config().foreground_timeout.as_secs(), 600);
/// assert!(TrackerConfig::parse(r#"{"foregroundTimeOut": 600}"#).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrackerConfig {
    /// `SessionConfiguration.foregroundTimeout`, whole seconds (default 1800).
    pub foreground_timeout: Option<u32>,
    /// `SessionConfiguration.backgroundTimeout`, whole seconds (default 1800).
    pub background_timeout: Option<u32>,
    /// `SessionConfiguration.continueSessionOnRestart` (default false).
    pub continue_session_on_restart: Option<bool>,
    /// `TrackerConfiguration.lifecycleAutotracking`: emit `application_foreground` and
    /// `application_background` events (default true).
    pub lifecycle_autotracking: Option<bool>,
    /// `TrackerConfiguration.userAnonymisation` (default false).
    pub user_anonymisation: Option<bool>,
    /// `TrackerConfiguration.screenContext`: attach the `screen` entity to every event while a
    /// screen is current (default true).
    pub screen_context: Option<bool>,
    /// `TrackerConfiguration.screenEngagementAutotracking`: a `screen_end` with the
    /// `screen_summary` before each later screen view, the summary on lifecycle events, and
    /// list item views and scrolls folded into the summary instead of sent (default true).
    pub screen_engagement_autotracking: Option<bool>,
    /// Test only: never set by an app.
    pub test: Option<TestOptions>,
}

/// Test-only knobs, under the configuration's `test` key. An app never sets them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TestOptions {
    /// Use a manual clock starting at this Unix ms instead of the system clock; move it with
    /// [`MobileTracker::set_test_time_ms`](crate::MobileTracker::set_test_time_ms). This is how
    /// the shared scenarios' simulated time reaches the library.
    pub clock_ms: Option<i64>,
    /// Make every store operation (open, save, close) take this long first: a slow disk, to
    /// show that calls still return at once.
    pub store_delay_ms: Option<u64>,
}

impl TrackerConfig {
    /// Parses the configuration JSON; an empty string is the default configuration.
    ///
    /// # Errors
    /// [`MobileError::InvalidConfig`] for malformed JSON, an unknown key or a value of the
    /// wrong type or range (timeouts are whole seconds from 0 to 4294967295).
    pub fn parse(json: &str) -> Result<Self, MobileError> {
        if json.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_str(json).map_err(|e| MobileError::InvalidConfig(e.to_string()))
    }

    /// The session rules' configuration.
    #[must_use]
    pub fn session_config(&self) -> Config {
        let defaults = Config::default();
        Config {
            foreground_timeout: self
                .foreground_timeout
                .map_or(defaults.foreground_timeout, Timeout::from_secs),
            background_timeout: self
                .background_timeout
                .map_or(defaults.background_timeout, Timeout::from_secs),
            lifecycle_events: self
                .lifecycle_autotracking
                .unwrap_or(defaults.lifecycle_events),
            continue_session_on_restart: self
                .continue_session_on_restart
                .unwrap_or(defaults.continue_session_on_restart),
            anonymous: self.user_anonymisation.unwrap_or(defaults.anonymous),
            screen_context: self.screen_context.unwrap_or(defaults.screen_context),
            screen_engagement: self
                .screen_engagement_autotracking
                .unwrap_or(defaults.screen_engagement),
            ..defaults
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_key_reaches_the_session_config() {
        let c = TrackerConfig::parse(
            r#"{"foregroundTimeout":10,"backgroundTimeout":0,"continueSessionOnRestart":true,
                "lifecycleAutotracking":false,"userAnonymisation":true,"screenContext":false,
                "screenEngagementAutotracking":false,"test":{"clockMs":5,"storeDelayMs":2}}"#,
        )
        .unwrap();
        let s = c.session_config();
        assert_eq!(s.foreground_timeout.as_secs(), 10);
        assert_eq!(s.background_timeout.as_secs(), 0);
        assert!(s.continue_session_on_restart && !s.lifecycle_events && s.anonymous);
        assert!(!s.screen_context && !s.screen_engagement);
        // Each screen key on its own, so neither can stand in for the other.
        let only = |json: &str| TrackerConfig::parse(json).unwrap().session_config();
        let context_off = only(r#"{"screenContext":false}"#);
        assert!(!context_off.screen_context && context_off.screen_engagement);
        let engagement_off = only(r#"{"screenEngagementAutotracking":false}"#);
        assert!(engagement_off.screen_context && !engagement_off.screen_engagement);
        let both_on = only(r#"{"screenContext":true,"screenEngagementAutotracking":true}"#);
        assert_eq!(both_on, Config::default());
        assert_eq!(c.test.unwrap().clock_ms, Some(5));
        assert_eq!(c.test.unwrap().store_delay_ms, Some(2));
        assert_eq!(
            TrackerConfig::parse("").unwrap().session_config(),
            Config::default()
        );
        assert_eq!(
            TrackerConfig::parse("{}").unwrap().session_config(),
            Config::default()
        );
    }

    #[test]
    fn bad_configuration_is_a_typed_error() {
        for bad in [
            "{",
            "[]",
            r#"{"foregroundTimeout":-1}"#,
            r#"{"foregroundTimeout":4294967296}"#,
            r#"{"foregroundTimeout":1.5}"#,
            r#"{"foregroundTimeout":"10"}"#,
            r#"{"unknown":1}"#,
            r#"{"test":{"clock":1}}"#,
            r#"{"screenContext":1}"#,
            r#"{"screenEngagementAutotracking":"true"}"#,
            r#"{"screenEngagement":false}"#,
        ] {
            assert!(
                matches!(
                    TrackerConfig::parse(bad),
                    Err(MobileError::InvalidConfig(_))
                ),
                "{bad}"
            );
        }
    }
}
