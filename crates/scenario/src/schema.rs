//! The facts of the `client_session` 1-0-2 schema (spec A1), written out so every emitted
//! entity is checked without a schema engine, plus this project's stricter rules (spec B):
//! all eight keys present, every id in lower case, timestamps UTC with milliseconds.
//! CI additionally validates against the official schema files when they are present.

use client_session_core::UserId;
use serde_json::{Map, Value};

use crate::symbolic::is_lower_uuid;

const STORAGE_MECHANISMS: [&str; 5] = [
    "SQLITE",
    "COOKIE_1",
    "COOKIE_3",
    "LOCAL_STORAGE",
    "FLASH_LSO",
];
/// The entity's keys, in the order every tracker writes them.
pub const KEYS: [&str; 8] = [
    "userId",
    "sessionId",
    "sessionIndex",
    "previousSessionId",
    "storageMechanism",
    "firstEventId",
    "firstEventTimestamp",
    "eventIndex",
];
const MAX: u64 = 2_147_483_647;

/// Checks one `client_session` entity's data.
///
/// # Errors
/// The first violated fact, naming the key.
///
/// ```
/// use serde_json::json;
/// use client_session_scenario::schema::check_client_session;
/// let mut e = json!({"userId": "00000000-0000-0000-0000-000000000000", "sessionId": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
///     "sessionIndex": 1, "previousSessionId": null, "storageMechanism": "LOCAL_STORAGE",
///     "firstEventId": null, "firstEventTimestamp": "2023-11-14T22:13:20.000Z", "eventIndex": 1});
/// assert_eq!(check_client_session(&e), Ok(()));
/// e["sessionIndex"] = json!(-1);
/// assert!(check_client_session(&e).is_err());
/// ```
pub fn check_client_session(entity: &Value) -> Result<(), String> {
    let object = entity.as_object().ok_or("the entity is not an object")?;
    if let Some(extra) = object.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "{extra}: not in the schema (additionalProperties is false)"
        ));
    }
    if let Some(missing) = KEYS.iter().find(|k| !object.contains_key(**k)) {
        return Err(format!(
            "{missing}: missing (all eight keys are always present)"
        ));
    }
    let user = string(object, "userId")?;
    // The same rule the tracker's own `UserId` keeps, so the two cannot drift apart.
    if UserId::parse(user).is_none() {
        return Err(format!(
            "userId: {user:?} matches neither a lower-case UUID nor 16 hex digits"
        ));
    }
    let session = string(object, "sessionId")?;
    if !is_lower_uuid(session) {
        return Err(format!("sessionId: {session:?} is not a lower-case UUID"));
    }
    for key in ["previousSessionId", "firstEventId"] {
        match &object[key] {
            Value::Null => {}
            Value::String(s) if is_lower_uuid(s) => {}
            other => {
                return Err(format!(
                    "{key}: {other} is neither null nor a lower-case UUID"
                ))
            }
        }
    }
    match object["sessionIndex"].as_u64() {
        Some(n) if n <= MAX => {}
        _ => {
            return Err(format!(
                "sessionIndex: {} is not an integer in 0..={MAX}",
                object["sessionIndex"]
            ))
        }
    }
    match &object["eventIndex"] {
        Value::Null => {}
        v if v.as_u64().is_some_and(|n| n <= MAX) => {}
        other => {
            return Err(format!(
                "eventIndex: {other} is neither null nor an integer in 0..={MAX}"
            ))
        }
    }
    let mechanism = string(object, "storageMechanism")?;
    if !STORAGE_MECHANISMS.contains(&mechanism) {
        return Err(format!(
            "storageMechanism: {mechanism:?} is not one of {STORAGE_MECHANISMS:?}"
        ));
    }
    match &object["firstEventTimestamp"] {
        Value::Null => {}
        Value::String(s) if is_utc_millis(s) => {}
        other => {
            return Err(format!(
                "firstEventTimestamp: {other} is not an RFC 3339 UTC time with milliseconds"
            ))
        }
    }
    Ok(())
}

fn string<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    object[key]
        .as_str()
        .ok_or_else(|| format!("{key}: {} is not a string", object[key]))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` with every field in range (day checked against the month).
#[must_use]
pub fn is_utc_millis(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 24 {
        return false;
    }
    let layout_ok = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        10 => *c == b'T',
        13 | 16 => *c == b':',
        19 => *c == b'.',
        23 => *c == b'Z',
        _ => c.is_ascii_digit(),
    });
    if !layout_ok {
        return false;
    }
    let n = |from: usize, to: usize| s[from..to].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = (n(0, 4), n(5, 7), n(8, 10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day) && n(11, 13) < 24 && n(14, 16) < 60 && n(17, 19) < 60
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({"userId": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "sessionId": "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
               "sessionIndex": 2, "previousSessionId": "cccccccc-cccc-4ccc-8ccc-cccccccccccc",
               "storageMechanism": "LOCAL_STORAGE", "firstEventId": "dddddddd-dddd-4ddd-8ddd-dddddddddddd",
               "firstEventTimestamp": "2024-02-29T23:59:59.999Z", "eventIndex": 2147483647})
    }

    #[test]
    fn accepts_a_valid_entity_and_sixteen_hex_user() {
        assert_eq!(check_client_session(&valid()), Ok(()));
        let mut e = valid();
        e["userId"] = json!("0123456789abcdef");
        assert_eq!(check_client_session(&e), Ok(()));
    }

    #[test]
    fn rejects_each_violation() {
        let violations = [
            ("userId", json!("AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA")),
            ("sessionId", json!("not-a-uuid")),
            ("sessionIndex", json!(2147483648u64)),
            ("sessionIndex", json!(1.5)),
            ("eventIndex", json!(-1)),
            ("previousSessionId", json!("")),
            (
                "firstEventId",
                json!("DDDDDDDD-DDDD-4DDD-8DDD-DDDDDDDDDDDD"),
            ),
            ("storageMechanism", json!("SLED")),
            ("firstEventTimestamp", json!("2023-02-29T00:00:00.000Z")),
            ("firstEventTimestamp", json!("2023-11-14T22:13:20Z")),
            (
                "firstEventTimestamp",
                json!("2023-11-14T22:13:20.000+00:00"),
            ),
        ];
        for (key, value) in violations {
            let mut e = valid();
            e[key] = value.clone();
            let err = check_client_session(&e).unwrap_err();
            assert!(err.starts_with(key), "{key}={value}: {err}");
        }
        let mut e = valid();
        e.as_object_mut().unwrap().remove("eventIndex");
        assert!(check_client_session(&e)
            .unwrap_err()
            .starts_with("eventIndex"));
        let mut e = valid();
        e["extra"] = json!(1);
        assert!(check_client_session(&e).unwrap_err().starts_with("extra"));
    }
}
