//! The persisted record's byte encoding: JSON with a format version.
//!
//! ```json
//! {"version":1,"session":{"sessionId":"…","sessionIndex":2,…},"newSessionRequested":false,"anonymous":false}
//! ```
//! The record's shape is owned here ([`RecordV1`]), not derived from the core's
//! [`PersistedSession`]: the core's types may change (the web model, say) without changing what
//! is on disk. A new shape is a new `RecordV<n>` and a version bump, on purpose.
//!
//! Decoding never fails loudly: a record is either usable, from a newer format (kept aside by
//! the store so a downgrade destroys nothing) or unreadable (logged and treated as absent).

use client_session_core::{PersistedSession, SessionRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

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

/// Format 1 of the persisted record, without its `version` key: the fields of spec B2, in the
/// order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordV1 {
    /// The current session, `null` before the installation's first event.
    pub session: Option<SessionV1>,
    /// A new session was asked for and starts at the next event.
    pub new_session_requested: bool,
    /// Whether the current session was started under anonymisation.
    pub anonymous: bool,
}

/// One session in format 1. Every field is required: a mobile session always has a first event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionV1 {
    /// The session's id.
    pub session_id: Uuid,
    /// 1 for the installation's first session.
    pub session_index: u32,
    /// The session before this one.
    pub previous_session_id: Option<Uuid>,
    /// Id of the session's first event.
    pub first_event_id: Uuid,
    /// `dtm` of the session's first event, Unix ms.
    pub first_event_timestamp_ms: i64,
    /// Events in the session so far.
    pub event_index: u32,
    /// Wall clock of the last event that updated the session, Unix ms.
    pub last_update_ms: i64,
}

impl From<&PersistedSession> for RecordV1 {
    fn from(state: &PersistedSession) -> Self {
        Self {
            session: state.session.map(|s| SessionV1 {
                session_id: s.session_id,
                session_index: s.session_index,
                previous_session_id: s.previous_session_id,
                first_event_id: s.first_event_id,
                first_event_timestamp_ms: s.first_event_timestamp_ms,
                event_index: s.event_index,
                last_update_ms: s.last_update_ms,
            }),
            new_session_requested: state.new_session_requested,
            anonymous: state.anonymous,
        }
    }
}

impl From<RecordV1> for PersistedSession {
    fn from(record: RecordV1) -> Self {
        Self {
            session: record.session.map(|s| SessionRecord {
                session_id: s.session_id,
                session_index: s.session_index,
                previous_session_id: s.previous_session_id,
                first_event_id: s.first_event_id,
                first_event_timestamp_ms: s.first_event_timestamp_ms,
                event_index: s.event_index,
                last_update_ms: s.last_update_ms,
            }),
            new_session_requested: record.new_session_requested,
            anonymous: record.anonymous,
        }
    }
}

/// Encodes `state` with the current format version.
///
/// # Errors
/// [`StoreError::Encode`] if serde cannot serialise the record (it holds only integers, ids and
/// booleans, so this would be a bug; it is reported rather than written as an empty record).
pub fn encode(state: &PersistedSession) -> Result<Vec<u8>, StoreError> {
    #[derive(Serialize)]
    struct Envelope {
        version: u64,
        #[serde(flatten)]
        record: RecordV1,
    }
    serde_json::to_vec(&Envelope {
        version: FORMAT_VERSION,
        record: RecordV1::from(state),
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
    match serde_json::from_value::<RecordV1>(value) {
        Ok(record) => {
            let state = PersistedSession::from(record);
            match state.validate() {
                Ok(()) => Decoded::Current(state),
                Err(field) => Decoded::Unreadable(format!("{field} out of range")),
            }
        }
        Err(e) => Decoded::Unreadable(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Written by the tracker before the record type moved into the store (`client-session run`
    /// then read from the data directory's checkpoint file): format 1 as it is on disk.
    const V1_ON_DISK: &[u8] = br#"{"version":1,"session":{"sessionId":"c8158b29-e2a1-4b04-9cc7-040a2e9f1dbf","sessionIndex":2,"previousSessionId":"97a70fcb-5d94-43b8-8e42-e9b02ce7335b","firstEventId":"4951a848-0f9d-485e-a102-bffde5e833e1","firstEventTimestampMs":1796127261348,"eventIndex":2,"lastUpdateMs":1796127261349},"newSessionRequested":false,"anonymous":false}"#;
    /// The same, before the installation's first event, after a new-session request.
    const V1_EMPTY_ON_DISK: &[u8] =
        br#"{"version":1,"session":null,"newSessionRequested":true,"anonymous":false}"#;

    fn id(text: &str) -> Uuid {
        Uuid::parse_str(text).unwrap()
    }

    #[test]
    fn format_1_as_written_on_disk_reads_and_writes_back_to_the_same_bytes() {
        let expected = PersistedSession {
            session: Some(SessionRecord {
                session_id: id("c8158b29-e2a1-4b04-9cc7-040a2e9f1dbf"),
                session_index: 2,
                previous_session_id: Some(id("97a70fcb-5d94-43b8-8e42-e9b02ce7335b")),
                first_event_id: id("4951a848-0f9d-485e-a102-bffde5e833e1"),
                first_event_timestamp_ms: 1_796_127_261_348,
                event_index: 2,
                last_update_ms: 1_796_127_261_349,
            }),
            new_session_requested: false,
            anonymous: false,
        };
        assert_eq!(decode(V1_ON_DISK), Decoded::Current(expected));
        assert_eq!(encode(&expected).unwrap(), V1_ON_DISK);

        let empty = PersistedSession {
            session: None,
            new_session_requested: true,
            anonymous: false,
        };
        assert_eq!(decode(V1_EMPTY_ON_DISK), Decoded::Current(empty));
        assert_eq!(encode(&empty).unwrap(), V1_EMPTY_ON_DISK);
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
