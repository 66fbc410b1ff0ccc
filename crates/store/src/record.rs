//! The persisted record's byte encoding: JSON with a format version.
//!
//! ```json
//! {"version":1,"session":{"sessionId":"…","sessionIndex":2,…},"newSessionRequested":false,"anonymous":false}
//! ```
//! Decoding never fails loudly: a record is either usable, from a newer format (kept aside by
//! the store so a downgrade destroys nothing) or unreadable (logged and treated as absent).

use client_session_core::PersistedSession;
use serde::Serialize;
use serde_json::Value;

use crate::StoreError;

/// The format version this build writes.
pub const FORMAT_VERSION: u64 = 1;

/// The result of reading a stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A record of this format.
    Current(PersistedSession),
    /// A record written by a newer build; its version.
    Newer(u64),
    /// Not a record this or any build wrote; why.
    Unreadable(String),
}

/// Encodes `state` with the current format version.
///
/// # Errors
/// [`StoreError::Encode`] if serde cannot serialise the record (it holds only integers, ids and
/// booleans, so this would be a bug; it is reported rather than written as an empty record).
pub fn encode(state: &PersistedSession) -> Result<Vec<u8>, StoreError> {
    #[derive(Serialize)]
    struct Envelope<'a> {
        version: u64,
        #[serde(flatten)]
        state: &'a PersistedSession,
    }
    serde_json::to_vec(&Envelope {
        version: FORMAT_VERSION,
        state,
    })
    .map_err(|e| StoreError::Encode {
        message: e.to_string(),
    })
}

/// Decodes a stored record.
#[must_use]
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => return Decoded::Unreadable(format!("not JSON: {e}")),
    };
    let Some(object) = value.as_object_mut() else {
        return Decoded::Unreadable("not a JSON object".into());
    };
    let version = match object.remove("version").as_ref().map(Value::as_u64) {
        Some(Some(v)) => v,
        _ => return Decoded::Unreadable("no integer \"version\"".into()),
    };
    if version > FORMAT_VERSION {
        return Decoded::Newer(version);
    }
    if version < FORMAT_VERSION {
        return Decoded::Unreadable(format!("unknown format version {version}"));
    }
    match serde_json::from_value::<PersistedSession>(value) {
        Ok(state) => match state.validate() {
            Ok(()) => Decoded::Current(state),
            Err(field) => Decoded::Unreadable(format!("{field} out of range")),
        },
        Err(e) => Decoded::Unreadable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use client_session_core::SessionRecord;
    use uuid::Uuid;

    fn state() -> PersistedSession {
        PersistedSession {
            session: Some(SessionRecord {
                session_id: Uuid::from_u128(1),
                session_index: 3,
                previous_session_id: Some(Uuid::from_u128(2)),
                first_event_id: Uuid::from_u128(3),
                first_event_timestamp_ms: 1_700_000_000_000,
                event_index: 7,
                last_update_ms: 1_700_000_001_000,
            }),
            new_session_requested: true,
            anonymous: false,
        }
    }

    #[test]
    fn round_trips() {
        assert_eq!(
            decode(&encode(&state()).unwrap()),
            Decoded::Current(state())
        );
        let empty = PersistedSession::default();
        assert_eq!(decode(&encode(&empty).unwrap()), Decoded::Current(empty));
    }

    #[test]
    fn writes_the_version_first() {
        let text = String::from_utf8(encode(&state()).unwrap()).unwrap();
        assert!(
            text.starts_with("{\"version\":1,\"session\":{\"sessionId\":"),
            "{text}"
        );
    }

    #[test]
    fn newer_versions_are_recognised() {
        assert_eq!(
            decode(br#"{"version":2,"whatever":true}"#),
            Decoded::Newer(2)
        );
    }

    #[test]
    fn wrong_types_and_garbage_are_unreadable() {
        let cases: &[&[u8]] = &[
            b"",
            b"\xff\xfe",
            b"[]",
            b"{}",
            br#"{"version":"1"}"#,
            br#"{"version":0,"session":null,"newSessionRequested":false,"anonymous":false}"#,
            br#"{"version":1,"session":{"sessionId":7},"newSessionRequested":false,"anonymous":false}"#,
            br#"{"version":1,"session":null,"newSessionRequested":"no","anonymous":false}"#,
            br#"{"version":1,"session":null,"newSessionRequested":false,"anonymous":false,"extra":1}"#,
        ];
        for bytes in cases {
            assert!(
                matches!(decode(bytes), Decoded::Unreadable(_)),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn out_of_range_index_is_unreadable() {
        let text = String::from_utf8(encode(&state()).unwrap())
            .unwrap()
            .replace("\"sessionIndex\":3", "\"sessionIndex\":2147483648");
        assert!(
            matches!(decode(text.as_bytes()), Decoded::Unreadable(m) if m.contains("sessionIndex"))
        );
    }
}
