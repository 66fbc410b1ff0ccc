//! Checks that a web scenario's expected output is well formed before any backend runs it.
//!
//! The cookie store runs these files and must match them, but a backend and a file can share a
//! mistake. So this module also holds each file to everything that can be checked without
//! running: the shape of spec Part C's lines in the symbolic form, one line per `track` step with
//! that step's time and event, the `_sp_id` value's ten fields (A3.2), and the entity read from
//! the cookie exactly as A3.7 says. A hand-written mistake in a derivation then fails on the file
//! itself, whatever a backend does.

use std::collections::BTreeSet;

use client_session_scenario::{Op, Scenario};
use client_session_store_cookie::CookieNames;
use serde_json::{Map, Value};

/// The zero UUID that anonymous tracking sends as `userId` (A3.9).
const NIL: &str = "00000000-0000-0000-0000-000000000000";
const LINE_KEYS: [&str; 7] = [
    "step",
    "at_ms",
    "event",
    "event_id",
    "dtm",
    "client_session",
    "cookies",
];

/// Checks a web scenario's expected lines; see the module documentation.
///
/// # Errors
/// The first problem, naming the 1-based line.
pub fn check_web_expected(scenario: &Scenario, lines: &[Value]) -> Result<(), String> {
    let tracks: Vec<(usize, &'static str)> = scenario
        .steps
        .iter()
        .enumerate()
        .filter_map(|(index, step)| match &step.op {
            Op::Track(payload) => Some((index, payload.name())),
            _ => None,
        })
        .collect();
    if lines.len() != tracks.len() {
        return Err(format!(
            "{} lines for {} track steps (on the web every tracked event is one line)",
            lines.len(),
            tracks.len()
        ));
    }
    let names = CookieNames::for_domain(&scenario.config.cookie_domain);
    let others: BTreeSet<&str> = scenario
        .steps
        .iter()
        .filter_map(|step| match &step.op {
            Op::SetCookie(cookie) => Some(cookie.name.as_str()),
            _ => None,
        })
        .collect();
    let mut symbols = Symbols::default();
    for (n, (line, &(index, event))) in lines.iter().zip(&tracks).enumerate() {
        let step = &scenario.steps[index];
        let dtm = scenario
            .start_ms
            .saturating_add(step.clock_ms.unwrap_or(step.at_ms));
        check_line(
            line,
            &Expect {
                step: index,
                at_ms: step.at_ms,
                event,
                dtm,
                anonymous: anonymous_at(scenario, index),
                names: &names,
                others: &others,
            },
            &mut symbols,
        )
        .map_err(|e| format!("line {}: {e}", n + 1))?;
    }
    Ok(())
}

/// Whether anonymous tracking is on at step `index`: the last `anonymous` step before it, else
/// the configuration.
fn anonymous_at(scenario: &Scenario, index: usize) -> bool {
    scenario.steps[..index]
        .iter()
        .rev()
        .find_map(|step| match step.op {
            Op::Anonymous(value) => Some(value),
            _ => None,
        })
        .unwrap_or(scenario.config.session.anonymous)
}

/// What one line must say.
struct Expect<'a> {
    step: usize,
    at_ms: i64,
    event: &'static str,
    dtm: i64,
    anonymous: bool,
    names: &'a CookieNames,
    others: &'a BTreeSet<&'a str>,
}

fn keys_in_order(object: &Map<String, Value>, keys: &[&str], what: &str) -> Result<(), String> {
    let found: Vec<&str> = object.keys().map(String::as_str).collect();
    if found == keys {
        Ok(())
    } else {
        Err(format!("{what} keys {found:?}, expected {keys:?}"))
    }
}

fn check_line(line: &Value, expect: &Expect<'_>, symbols: &mut Symbols) -> Result<(), String> {
    let object = line.as_object().ok_or("not a JSON object")?;
    keys_in_order(object, &LINE_KEYS, "line")?;
    let same = |key: &str, want: Value| -> Result<(), String> {
        if object[key] == want {
            Ok(())
        } else {
            Err(format!("`{key}` is {}, expected {want}", object[key]))
        }
    };
    same("step", expect.step.into())?;
    same("at_ms", expect.at_ms.into())?;
    same("event", expect.event.into())?;
    same("dtm", expect.dtm.into())?;
    let event_id = symbols.id(&object["event_id"], "event_id")?;
    let cookies = object["cookies"]
        .as_object()
        .ok_or("`cookies` is not an object")?;
    for (name, value) in cookies {
        if name != &expect.names.id
            && name != &expect.names.ses
            && !expect.others.contains(name.as_str())
        {
            return Err(format!("cookie {name} is neither ours nor set by a step"));
        }
        if !value.is_string() {
            return Err(format!("cookie {name} has a value that is not a string"));
        }
    }
    if cookies.get(&expect.names.ses).and_then(Value::as_str) != Some("*") {
        return Err(format!("after an event {} must be `*`", expect.names.ses));
    }
    let id_value = cookies
        .get(&expect.names.id)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("after an event {} must be set", expect.names.id))?;
    let entity = object["client_session"]
        .as_object()
        .ok_or("`client_session` must be an object: on the web every event carries it")?;
    keys_in_order(
        entity,
        &client_session_scenario::schema::KEYS,
        "client_session",
    )?;
    let user = entity["userId"]
        .as_str()
        .ok_or("`userId` is not a string")?;
    if user != NIL && !is_sixteen_hex(user) {
        symbols.id(&entity["userId"], "userId")?;
    }
    let session = symbols.id(&entity["sessionId"], "sessionId")?;
    let previous = symbols.optional_id(&entity["previousSessionId"], "previousSessionId")?;
    let first = symbols.optional_id(&entity["firstEventId"], "firstEventId")?;
    let fields: Vec<&str> = id_value.split('.').collect();
    let [f_user, f_create, f_visits, f_now, f_last, f_session, f_previous, f_first, f_first_ts, f_index] =
        <[&str; 10]>::try_from(fields.as_slice())
            .map_err(|_| format!("{} has {} fields, not 10", expect.names.id, fields.len()))?;
    let cookie = |what: &str| format!("{} field {what}", expect.names.id);
    if !f_user.is_empty() && !is_sixteen_hex(f_user) {
        symbols.id(&Value::from(f_user), &cookie("domainUserId"))?;
    }
    symbols.id(&Value::from(f_session), &cookie("sessionId"))?;
    if !f_previous.is_empty() {
        symbols.id(&Value::from(f_previous), &cookie("previousSessionId"))?;
    }
    if !f_first.is_empty() {
        symbols.id(&Value::from(f_first), &cookie("firstEventId"))?;
    }
    for (value, what) in [
        (f_create, "createTs"),
        (f_visits, "visitCount"),
        (f_now, "nowTs"),
        (f_index, "eventIndex"),
    ] {
        number(value).ok_or_else(|| format!("{} is {value:?}, not a number", cookie(what)))?;
    }
    if !f_last.is_empty() {
        number(f_last).ok_or_else(|| format!("{} is {f_last:?}", cookie("lastVisitTs")))?;
    }
    // A3.3: nowTs is the event's time as Math.round(ms / 1000).
    let now_ts = (expect.dtm + 500).div_euclid(1000);
    if number(f_now) != Some(now_ts) {
        return Err(format!(
            "{} is {f_now}, expected {now_ts} (Math.round(dtm / 1000))",
            cookie("nowTs")
        ));
    }
    // A3.7: the entity is read from the cookie.
    let want_user = if expect.anonymous { NIL } else { f_user };
    if user != want_user || (expect.anonymous && !f_user.is_empty()) {
        return Err(format!(
            "userId {user} against domainUserId {f_user:?} (A3.7, A3.9)"
        ));
    }
    if session != f_session {
        return Err(format!(
            "sessionId {session} against the cookie's {f_session}"
        ));
    }
    if entity["sessionIndex"].as_i64() != number(f_visits) || number(f_visits) < Some(1) {
        return Err(format!(
            "sessionIndex {} against visitCount {f_visits}",
            entity["sessionIndex"]
        ));
    }
    let want_previous = if expect.anonymous || f_previous.is_empty() {
        None
    } else {
        Some(f_previous)
    };
    if previous.as_deref() != want_previous || (expect.anonymous && !f_previous.is_empty()) {
        return Err(format!(
            "previousSessionId {previous:?} against the cookie's {f_previous:?} (A3.7, A3.9)"
        ));
    }
    if entity["storageMechanism"] != "COOKIE_1" {
        return Err("storageMechanism must be COOKIE_1".into());
    }
    if first.as_deref() != Some(f_first) {
        return Err(format!(
            "firstEventId {first:?} against the cookie's {f_first:?} (after an event it is set)"
        ));
    }
    let first_ts = number(f_first_ts)
        .ok_or_else(|| format!("{} is {f_first_ts:?}", cookie("firstEventTs")))?;
    if entity["firstEventTimestamp"].as_str() != Some(iso_ms(first_ts).as_str()) {
        return Err(format!(
            "firstEventTimestamp {} against the cookie's {f_first_ts} ms ({})",
            entity["firstEventTimestamp"],
            iso_ms(first_ts)
        ));
    }
    let index = number(f_index);
    if entity["eventIndex"].as_i64() != index || index < Some(1) {
        return Err(format!(
            "eventIndex {} against the cookie's {f_index}",
            entity["eventIndex"]
        ));
    }
    // A3.6: the first event of a session is its own firstEventId, at its own dtm.
    if index == Some(1) && (f_first != event_id || first_ts != expect.dtm) {
        return Err("the first event of a session must be its firstEventId at its dtm".into());
    }
    Ok(())
}

/// Symbols in the order of first appearance: the next new one must be `U<n+1>`.
#[derive(Default)]
struct Symbols {
    seen: BTreeSet<u64>,
}

impl Symbols {
    fn id(&mut self, value: &Value, what: &str) -> Result<String, String> {
        let text = value
            .as_str()
            .ok_or_else(|| format!("`{what}` is {value}, not a symbol"))?;
        let number = text
            .strip_prefix('U')
            .filter(|digits| !digits.starts_with('0'))
            .and_then(|digits| digits.parse::<u64>().ok())
            .ok_or_else(|| format!("`{what}` is {text:?}, not a symbol U1, U2, …"))?;
        if !self.seen.contains(&number) {
            let next = self.seen.len() as u64 + 1;
            if number != next {
                return Err(format!("`{what}` is the new symbol {text}, expected U{next} (numbered in order of first appearance)"));
            }
            self.seen.insert(number);
        }
        Ok(text.to_owned())
    }

    fn optional_id(&mut self, value: &Value, what: &str) -> Result<Option<String>, String> {
        if value.is_null() {
            Ok(None)
        } else {
            self.id(value, what).map(Some)
        }
    }
}

fn is_sixteen_hex(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A cookie number as the JavaScript tracker writes it: decimal digits, no leading zero.
fn number(s: &str) -> Option<i64> {
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    s.parse().ok()
}

/// Unix milliseconds as JavaScript's `toISOString()` writes them: `2023-11-14T22:13:20.000Z`.
fn iso_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"{"name": "n", "platform": "web", "start_ms": 1700000000000,
        "steps": [{"at_ms": 0, "op": "track", "event": "page_view"},
                  {"at_ms": 500, "op": "set_cookie", "name": "other", "value": "x"},
                  {"at_ms": 1800499, "op": "track", "event": "structured"}]}"#;
    const GOOD: [&str; 2] = [
        r#"{"step":0,"at_ms":0,"event":"page_view","event_id":"U1","dtm":1700000000000,"client_session":{"userId":"U2","sessionId":"U3","sessionIndex":1,"previousSessionId":null,"storageMechanism":"COOKIE_1","firstEventId":"U1","firstEventTimestamp":"2023-11-14T22:13:20.000Z","eventIndex":1},"cookies":{"_sp_id.8e5d":"U2.1700000000.1.1700000000..U3..U1.1700000000000.1","_sp_ses.8e5d":"*"}}"#,
        r#"{"step":2,"at_ms":1800499,"event":"structured","event_id":"U4","dtm":1700001800499,"client_session":{"userId":"U2","sessionId":"U5","sessionIndex":2,"previousSessionId":"U3","storageMechanism":"COOKIE_1","firstEventId":"U4","firstEventTimestamp":"2023-11-14T22:43:20.499Z","eventIndex":1},"cookies":{"_sp_id.8e5d":"U2.1700000000.2.1700001800.1700000000.U5.U3.U4.1700001800499.1","_sp_ses.8e5d":"*","other":"x"}}"#,
    ];

    fn check(second: &str) -> Result<(), String> {
        let scenario = client_session_scenario::parse(SCENARIO).unwrap();
        let lines: Vec<Value> = [GOOD[0], second]
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        check_web_expected(&scenario, &lines)
    }

    #[test]
    fn a_consistent_output_passes() {
        assert_eq!(check(GOOD[1]), Ok(()));
    }

    #[test]
    fn each_inconsistency_is_caught() {
        for (from, to, says) in [
            (
                "1700001800.1700000000",
                "1700001801.1700000000",
                "nowTs is 1700001801, expected 1700001800",
            ),
            (
                r#""sessionIndex":2"#,
                r#""sessionIndex":3"#,
                "sessionIndex 3 against visitCount 2",
            ),
            (
                "U3.U4.1700001800499",
                "U6.U4.1700001800499",
                "previousSessionId Some(\"U3\") against the cookie's \"U6\"",
            ),
            (
                r#""event_id":"U4""#,
                r#""event_id":"U9""#,
                "`event_id` is the new symbol U9, expected U4",
            ),
            (
                r#""previousSessionId":"U3""#,
                r#""previousSessionId":null"#,
                "previousSessionId None",
            ),
            ("20.499Z", "20.000Z", "firstEventTimestamp"),
            (r#""_sp_ses.8e5d":"*","#, "", "_sp_ses.8e5d must be `*`"),
            (
                r#""other":"x""#,
                r#""other":"x","stray":"y""#,
                "cookie stray is neither ours nor set by a step",
            ),
            (".U4.1700001800499.1", ".U4.1700001800499", "has 9 fields"),
            (r#""step":2"#, r#""step":1"#, "`step` is 1, expected 2"),
            (r#""dtm":1700001800499"#, r#""dtm":1700001800500"#, "`dtm`"),
            (
                r#""storageMechanism":"COOKIE_1""#,
                r#""storageMechanism":"LOCAL_STORAGE""#,
                "COOKIE_1",
            ),
            ("U4.1700001800499.1", "U1.1700001800499.1", "firstEventId"),
        ] {
            let bad = GOOD[1].replacen(from, to, 1);
            assert_ne!(bad, GOOD[1], "{from} not found");
            let message = check(&bad).unwrap_err();
            assert!(
                message.starts_with("line 2: ") && message.contains(says),
                "{from} -> {to}: {message}"
            );
        }
    }

    /// An `anonymous` step changes what the lines after it must say: the same identified
    /// output fails once anonymous tracking was switched on before the second event.
    #[test]
    fn anonymous_steps_apply_to_the_events_after_them() {
        let switched = SCENARIO.replace(
            r#"{"at_ms": 500, "op": "set_cookie", "name": "other", "value": "x"}"#,
            r#"{"at_ms": 500, "op": "set_cookie", "name": "other", "value": "x"},
               {"at_ms": 600, "op": "anonymous", "value": true}"#,
        );
        let scenario = client_session_scenario::parse(&switched).unwrap();
        let lines: Vec<Value> = GOOD
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|mut line| {
                if line["step"] == 2 {
                    line["step"] = 3.into();
                }
                line
            })
            .collect();
        let report = check_web_expected(&scenario, &lines).unwrap_err();
        assert!(report.starts_with("line 2: userId"), "{report}");
        assert!(!anonymous_at(&scenario, 1));
        assert!(anonymous_at(&scenario, 3));
    }

    #[test]
    fn one_line_per_track_step() {
        let scenario = client_session_scenario::parse(SCENARIO).unwrap();
        let one: Vec<Value> = vec![serde_json::from_str(GOOD[0]).unwrap()];
        assert_eq!(
            check_web_expected(&scenario, &one).unwrap_err(),
            "1 lines for 2 track steps (on the web every tracked event is one line)"
        );
    }

    #[test]
    fn iso_matches_javascript() {
        assert_eq!(iso_ms(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(iso_ms(1_700_000_000_500), "2023-11-14T22:13:20.500Z");
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_ms(951_782_400_001), "2000-02-29T00:00:00.001Z");
    }

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(number("1700000000"), Some(1_700_000_000));
        assert_eq!(number("0"), Some(0));
        assert_eq!(number("01"), None);
        assert_eq!(number(""), None);
        assert_eq!(number("-1"), None);
    }
}
