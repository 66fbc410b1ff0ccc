//! The browser's wall clock, `Date.now()`, as the core's [`Clock`](client_session_core::Clock).
//!
//! `SystemTime::now()` panics on `wasm32-unknown-unknown`; the page's clock is also the one the
//! browser expires cookies by, which is what the web rules must agree with.

/// Unix milliseconds from a `Date.now()` value: whole already, but a JavaScript number; one
/// beyond `i64` saturates and NaN (never returned by a browser) reads as 0.
#[must_use]
pub fn unix_ms(date_now: f64) -> i64 {
    // `as` saturates at the ends of i64 and maps NaN to 0.
    date_now.floor() as i64
}

/// `Date.now()`.
#[cfg(target_arch = "wasm32")]
#[derive(Debug, Clone, Copy, Default)]
pub struct DateNowClock;

#[cfg(target_arch = "wasm32")]
impl client_session_core::Clock for DateNowClock {
    fn now_ms(&self) -> i64 {
        unix_ms(js_sys::Date::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_now_values_become_unix_milliseconds() {
        assert_eq!(unix_ms(1_700_000_000_123.0), 1_700_000_000_123);
        assert_eq!(unix_ms(-1.5), -2);
        assert_eq!(unix_ms(f64::NAN), 0);
        assert_eq!(unix_ms(1e300), i64::MAX);
    }
}
