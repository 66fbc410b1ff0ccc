//! The `Expires` date: IMF-fixdate (`Wed, 01 Dec 2027 11:00:00 GMT`) to and from Unix seconds.
//!
//! This is the form JavaScript's `Date.prototype.toUTCString()` gives, which the JavaScript
//! tracker writes. Years outside 0000–9999 follow ECMA-262's rule for that method: at least four
//! digits, a `-` before negative years (`-0001` is 2 BCE's astronomical year -1). JavaScript dates
//! stop at ±8.64e15 ms; the same form is extended here to every `i64` second, so formatting never
//! fails and parsing inverts it exactly. The calendar is the proleptic Gregorian one, as in
//! JavaScript, computed with civil-from-days arithmetic (no date crate for a few lines).

use std::fmt::Write as _;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const SECONDS_PER_DAY: i64 = 86_400;
/// More year digits than this cannot name a year an `i64` second reaches (about 2.9e11).
const MAX_YEAR_DIGITS: usize = 15;

/// Why an `Expires` date is not an IMF-fixdate this module accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// The text does not have the shape `Www, DD Mmm YYYY hh:mm:ss GMT`.
    #[error("not an IMF-fixdate (`Wed, 01 Dec 2027 11:00:00 GMT`): {0:?}")]
    Shape(String),
    /// The weekday is not one of `Sun`…`Sat`.
    #[error("unknown weekday {0:?}")]
    Weekday(String),
    /// The month is not one of `Jan`…`Dec`.
    #[error("unknown month {0:?}")]
    Month(String),
    /// The day does not exist in that month and year.
    #[error("day {day} does not exist in month {month} of year {year}")]
    Day {
        /// The day of the month as written.
        day: u32,
        /// The month, 1 to 12.
        month: u32,
        /// The year.
        year: i64,
    },
    /// Hours above 23, minutes or seconds above 59 (no leap seconds, as in JavaScript).
    #[error("time of day {0:?} out of range")]
    Time(String),
    /// The date is before or after what an `i64` of Unix seconds can hold.
    #[error("the date is outside the range of i64 Unix seconds")]
    OutOfRange,
    /// The weekday does not match the date: a typo somewhere, so the date is not trusted.
    #[error("the date falls on {actual}, not {written}")]
    WeekdayMismatch {
        /// The weekday as written.
        written: String,
        /// The weekday of the written date.
        actual: &'static str,
    },
}

/// Formats Unix seconds as an IMF-fixdate, exactly as JavaScript's `toUTCString()` does within
/// its range (`0` gives `Thu, 01 Jan 1970 00:00:00 GMT`).
pub fn format_expires(unix_s: i64) -> String {
    let days = unix_s.div_euclid(SECONDS_PER_DAY);
    let secs = unix_s.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let mut out = String::with_capacity(29);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[weekday(days)],
        day,
        MONTHS[(month - 1) as usize],
        year_text(year),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    out
}

/// Parses an IMF-fixdate into Unix seconds: the inverse of [`format_expires`].
///
/// Strict, unlike a browser's lenient cookie-date parser: the exact shape, a weekday that matches
/// the date, and real days and times. Month and weekday names are matched without regard to case.
pub fn parse_expires(text: &str) -> Result<i64, DateError> {
    let shape = || DateError::Shape(text.to_owned());
    let rest = text.strip_suffix(" GMT").ok_or_else(shape)?;
    let (weekday_text, rest) = rest.split_once(", ").ok_or_else(shape)?;
    let mut parts = rest.split(' ');
    let (Some(day_text), Some(month_text), Some(year_text), Some(time_text), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(shape());
    };

    let written_weekday = WEEKDAYS
        .iter()
        .position(|w| w.eq_ignore_ascii_case(weekday_text))
        .ok_or_else(|| DateError::Weekday(weekday_text.to_owned()))?;
    let day = fixed_digits(day_text, 2).ok_or_else(shape)?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_text))
        .ok_or_else(|| DateError::Month(month_text.to_owned()))?;
    let month = month as u32 + 1;
    let year = parse_year(year_text).ok_or_else(shape)?;
    let (hh, mm, ss) = parse_time(time_text).ok_or_else(shape)?;
    if hh > 23 || mm > 59 || ss > 59 {
        return Err(DateError::Time(time_text.to_owned()));
    }
    // A year beyond i64 cannot be in range; it is only carried this far to name it in the error.
    let year_i64 = i64::try_from(year).map_err(|_| DateError::OutOfRange)?;
    if day == 0 || day > days_in_month(year, month) {
        return Err(DateError::Day {
            day,
            month,
            year: year_i64,
        });
    }

    let days = days_from_civil(year, month, day);
    let seconds = days * i128::from(SECONDS_PER_DAY)
        + i128::from(hh) * 3600
        + i128::from(mm) * 60
        + i128::from(ss);
    let seconds = i64::try_from(seconds).map_err(|_| DateError::OutOfRange)?;
    // In range, so `days` fits an i64 too.
    let actual = weekday(seconds.div_euclid(SECONDS_PER_DAY));
    if actual != written_weekday {
        return Err(DateError::WeekdayMismatch {
            written: weekday_text.to_owned(),
            actual: WEEKDAYS[actual],
        });
    }
    Ok(seconds)
}

/// ECMA-262's year form: a `-` for negative years, at least four digits.
fn year_text(year: i64) -> String {
    let sign = if year < 0 { "-" } else { "" };
    format!("{sign}{:04}", year.unsigned_abs())
}

/// The inverse of [`year_text`]: four or more digits with an optional `-` (never `-0000`, and
/// no leading zeros beyond four digits, so each year has one spelling).
fn parse_year(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    if digits.len() < 4
        || digits.len() > MAX_YEAR_DIGITS
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 4 && digits.starts_with('0'))
    {
        return None;
    }
    let value: i128 = digits.parse().ok()?;
    match (negative, value) {
        (true, 0) => None,
        (true, v) => Some(-v),
        (false, v) => Some(v),
    }
}

fn parse_time(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split(':');
    let (Some(h), Some(m), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some((
        fixed_digits(h, 2)?,
        fixed_digits(m, 2)?,
        fixed_digits(s, 2)?,
    ))
}

/// Exactly `width` ASCII digits.
fn fixed_digits(text: &str, width: usize) -> Option<u32> {
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// 0 = Sunday; 1970-01-01 (day 0) was a Thursday.
fn weekday(days: i64) -> usize {
    // rem_euclid(7) is 0..=6, so the cast cannot truncate.
    (days.rem_euclid(7) as usize + 4) % 7
}

fn is_leap(year: i128) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

fn days_in_month(year: i128, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// (year, month 1–12, day 1–31) of a count of days since 1970-01-01, after Howard Hinnant's
/// `civil_from_days`, in eras of 400 years (146097 days) so it holds for every `i64`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // i64::MIN / 86400 plus this offset is far from overflow.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365, from March 1
    let mp = (5 * doy + 2) / 153; // 0..=11, March first
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a valid date; i128 so any parsed year is safe before the range check.
fn days_from_civil(year: i128, month: u32, day: u32) -> i128 {
    let year = year - i128::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i128::from(if month > 2 { month - 3 } else { month + 9 });
    let doy = (153 * mp + 2) / 5 + i128::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates_match_javascript_to_utc_string() {
        // Values from `new Date(ms).toUTCString()`.
        let cases: &[(i64, &str)] = &[
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
            (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
            (1_827_659_600, "Wed, 01 Dec 2027 11:13:20 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
            (-2_208_988_800, "Mon, 01 Jan 1900 00:00:00 GMT"),
            (-62_167_219_200, "Sat, 01 Jan 0000 00:00:00 GMT"),
            (-62_198_755_200, "Fri, 01 Jan -0001 00:00:00 GMT"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
            (253_402_300_800, "Sat, 01 Jan 10000 00:00:00 GMT"),
            // JavaScript's last date, 8.64e15 ms.
            (8_640_000_000_000, "Sat, 13 Sep 275760 00:00:00 GMT"),
            (-8_640_000_000_000, "Tue, 20 Apr -271821 00:00:00 GMT"),
        ];
        for &(secs, text) in cases {
            assert_eq!(format_expires(secs), text, "format {secs}");
            assert_eq!(parse_expires(text), Ok(secs), "parse {text}");
        }
    }

    #[test]
    fn the_i64_extremes_round_trip() {
        for secs in [i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX] {
            let text = format_expires(secs);
            assert_eq!(parse_expires(&text), Ok(secs), "{text}");
        }
        assert_eq!(
            format_expires(i64::MAX),
            "Sun, 04 Dec 292277026596 15:30:07 GMT"
        );
    }

    #[test]
    fn one_second_past_the_i64_extremes_is_out_of_range() {
        assert_eq!(
            parse_expires("Sun, 04 Dec 292277026596 15:30:08 GMT"),
            Err(DateError::OutOfRange)
        );
        let min = format_expires(i64::MIN);
        assert_eq!(min, "Sun, 27 Jan -292277022657 08:29:52 GMT");
        assert_eq!(
            parse_expires("Sun, 27 Jan -292277022657 08:29:51 GMT"),
            Err(DateError::OutOfRange)
        );
        // A year with the most digits the parser reads, far beyond i64 seconds.
        assert_eq!(
            parse_expires("Mon, 01 Jan 999999999999999 00:00:00 GMT"),
            Err(DateError::OutOfRange)
        );
    }

    #[test]
    fn malformed_dates_are_typed_errors() {
        let shape = |s: &str| Err(DateError::Shape(s.to_owned()));
        for text in [
            "",
            "GMT",
            "Wed, 01 Dec 2027 11:00:00",
            "Wed, 01 Dec 2027 11:00:00 UTC",
            "Wed 01 Dec 2027 11:00:00 GMT",
            "Wed, 1 Dec 2027 11:00:00 GMT",
            "Wed, 01 Dec 27 11:00:00 GMT",
            "Wed, 01 Dec 02027 11:00:00 GMT",
            "Wed, 01 Dec +2027 11:00:00 GMT",
            "Sat, 01 Jan -0000 00:00:00 GMT",
            "Wed, 01 Dec 2027 11:00 GMT",
            "Wed, 01 Dec 2027 11:00:00:00 GMT",
            "Wed, 01 Dec 2027  11:00:00 GMT",
            "Wed, 01 Dec 2027 1a:00:00 GMT",
            "Wed, 01 Dec 2027 +1:00:00 GMT",
            "Wed, 01 Dec 1234567890123456 11:00:00 GMT",
            "Wed, 01 Dec 2027 11:00:00 GMT ",
            "Wed, 01 Dec 2027 11:00:00 GMT\u{0}",
            "Wed, ٠١ Dec 2027 11:00:00 GMT",
        ] {
            assert_eq!(parse_expires(text), shape(text), "{text:?}");
        }
        assert_eq!(
            parse_expires("Wen, 01 Dec 2027 11:00:00 GMT"),
            Err(DateError::Weekday("Wen".into()))
        );
        assert_eq!(
            parse_expires("Wed, 01 Dez 2027 11:00:00 GMT"),
            Err(DateError::Month("Dez".into()))
        );
        assert_eq!(
            parse_expires("Thu, 29 Feb 2100 00:00:00 GMT"),
            Err(DateError::Day {
                day: 29,
                month: 2,
                year: 2100
            })
        );
        assert_eq!(
            parse_expires("Wed, 00 Dec 2027 11:00:00 GMT"),
            Err(DateError::Day {
                day: 0,
                month: 12,
                year: 2027
            })
        );
        assert_eq!(
            parse_expires("Wed, 01 Dec 2027 24:00:00 GMT"),
            Err(DateError::Time("24:00:00".into()))
        );
        assert_eq!(
            parse_expires("Wed, 01 Dec 2027 23:59:60 GMT"),
            Err(DateError::Time("23:59:60".into()))
        );
        assert_eq!(
            parse_expires("Thu, 01 Dec 2027 11:00:00 GMT"),
            Err(DateError::WeekdayMismatch {
                written: "Thu".into(),
                actual: "Wed"
            })
        );
    }

    #[test]
    fn names_are_matched_without_case() {
        assert_eq!(
            parse_expires("wed, 01 DEC 2027 11:00:00 GMT"),
            parse_expires("Wed, 01 Dec 2027 11:00:00 GMT")
        );
    }

    proptest! {
        #[test]
        fn every_i64_second_round_trips(secs in any::<i64>()) {
            prop_assert_eq!(parse_expires(&format_expires(secs)), Ok(secs));
        }

        #[test]
        fn seconds_around_now_and_1970_round_trip(secs in -5_000_000_000_i64..5_000_000_000) {
            let text = format_expires(secs);
            prop_assert_eq!(text.len(), 29);
            prop_assert_eq!(parse_expires(&text), Ok(secs));
        }

        #[test]
        fn whatever_parses_is_the_canonical_form(text in "[A-Za-z0-9 ,:+-]{0,40}") {
            // Never panics; and one spelling per second, up to the case of the names.
            if let Ok(secs) = parse_expires(&text) {
                prop_assert!(format_expires(secs).eq_ignore_ascii_case(&text), "{}", text);
            }
        }

        #[test]
        fn near_misses_of_a_valid_date_parse_back_to_it_or_fail(secs in any::<i64>(), at in 0_usize..29, byte in any::<u8>()) {
            let mut text = format_expires(secs).into_bytes();
            let at = at % text.len();
            text[at] = byte;
            if let Ok(text) = String::from_utf8(text) {
                if let Ok(parsed) = parse_expires(&text) {
                    prop_assert!(format_expires(parsed).eq_ignore_ascii_case(&text), "{}", text);
                }
            }
        }
    }
}
