//! RFC 3339 timestamps as every Snowplow tracker writes them: UTC with milliseconds.

use std::fmt;

use serde::{Serialize, Serializer};

/// A Unix time in milliseconds that serialises as `2023-11-14T22:13:20.000Z`.
///
/// Times outside the years 0000-9999 cannot be written in RFC 3339; they are clamped to the
/// nearest representable instant so the entity always validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcMillis(pub i64);

/// -62167219200000 ms is 0000-01-01T00:00:00.000Z.
const MIN_MS: i64 = -62_167_219_200_000;
/// 253402300799999 ms is 9999-12-31T23:59:59.999Z.
const MAX_MS: i64 = 253_402_300_799_999;

/// Formats Unix milliseconds as RFC 3339 UTC with milliseconds.
///
/// ```
/// assert_eq!(client_session_core::format_rfc3339_millis(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
/// ```
#[must_use]
pub fn format_rfc3339_millis(ms: i64) -> String {
    UtcMillis(ms).to_string()
}

impl UtcMillis {
    /// The 24 ASCII bytes of `YYYY-MM-DDTHH:MM:SS.mmmZ`. Written digit by digit: every event
    /// carries one or two, and `write!` with padding cost several times as much.
    fn rfc3339(self) -> [u8; 24] {
        let ms = self.0.clamp(MIN_MS, MAX_MS);
        let days = ms.div_euclid(86_400_000);
        let ms_of_day = ms.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let secs = ms_of_day / 1000;
        let mut out = *b"0000-00-00T00:00:00.000Z";
        // Clamped to the years 0000-9999, so every field fits its width.
        for (at, width, value) in [
            (0, 4, year),
            (5, 2, month),
            (8, 2, day),
            (11, 2, secs / 3600),
            (14, 2, secs / 60 % 60),
            (17, 2, secs % 60),
            (20, 3, ms_of_day % 1000),
        ] {
            let mut rest = value;
            for i in (at..at + width).rev() {
                // A digit 0-9: the cast cannot truncate.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let digit = (rest % 10) as u8;
                out[i] = b'0' + digit;
                rest /= 10;
            }
        }
        out
    }
}

impl fmt::Display for UtcMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.rfc3339();
        f.write_str(std::str::from_utf8(&bytes).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for UtcMillis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self.rfc3339();
        match std::str::from_utf8(&bytes) {
            Ok(text) => serializer.serialize_str(text),
            // ASCII digits and separators only; the arm satisfies the type.
            Err(_) => serializer.collect_str(self),
        }
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_rfc3339_millis(1_700_000_000_000),
            "2023-11-14T22:13:20.000Z"
        );
        assert_eq!(
            format_rfc3339_millis(1_700_000_433_007),
            "2023-11-14T22:20:33.007Z"
        );
        assert_eq!(
            format_rfc3339_millis(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_rfc3339_millis(4_102_444_799_999),
            "2099-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn out_of_range_instants_clamp_to_valid_rfc3339() {
        assert_eq!(format_rfc3339_millis(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339_millis(i64::MIN), "0000-01-01T00:00:00.000Z");
    }

    /// Round trip through an independent day count: the formatted date, read back by
    /// counting days with the leap-year rule, gives the same instant.
    fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let is_leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mut days = 0;
        if y >= 1970 {
            for year in 1970..y {
                days += if is_leap(year) { 366 } else { 365 };
            }
        } else {
            for year in y..1970 {
                days -= if is_leap(year) { 366 } else { 365 };
            }
        }
        for month in 1..m {
            days += month_days[(month - 1) as usize] + i64::from(month == 2 && is_leap(y));
        }
        days + d - 1
    }

    proptest! {
        #[test]
        fn parses_back_to_the_same_instant(ms in -2_208_988_800_000i64..4_102_444_800_000) {
            let s = format_rfc3339_millis(ms);
            prop_assert_eq!(s.len(), 24);
            let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
            let days = days_from_civil(n(0..4), n(5..7), n(8..10));
            let back = days * 86_400_000 + n(11..13) * 3_600_000 + n(14..16) * 60_000 + n(17..19) * 1000 + n(20..23);
            prop_assert_eq!(back, ms);
        }
    }
}
