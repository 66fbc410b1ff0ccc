//! The wire shapes: the `client_session` entity, the lifecycle entity and the
//! self-describing wrappers, serialised exactly as Snowplow's trackers send them.

use serde::{Serialize, Serializer};
use uuid::Uuid;

use crate::screen::{Screen, ScreenSummary, SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA};
use crate::timestamp::UtcMillis;
use crate::user_id::UserId;

/// Schema of the `client_session` entity this crate produces.
pub const CLIENT_SESSION_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2";
/// Schema of the array wrapper that carries an event's entities (tracker protocol `co`/`cx`).
pub const CONTEXTS_SCHEMA: &str = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1";
/// Schema of the `application_foreground` event.
pub const APPLICATION_FOREGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_foreground/jsonschema/1-0-0";
/// Schema of the `application_background` event.
pub const APPLICATION_BACKGROUND_SCHEMA: &str =
    "iglu:com.snowplowanalytics.snowplow/application_background/jsonschema/1-0-0";
/// Schema of the lifecycle entity attached to events when lifecycle tracking is on.
pub const APPLICATION_LIFECYCLE_SCHEMA: &str =
    "iglu:com.snowplowanalytics.mobile/application_lifecycle/jsonschema/1-0-0";

/// Largest value the schemas allow for `sessionIndex`, `eventIndex` and the lifecycle indexes;
/// counters saturate here instead of overflowing.
pub const MAX_INDEX: u32 = 2_147_483_647;

/// Where the session state is kept, as the entity's `storageMechanism` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StorageMechanism {
    /// What Android and iOS report; used here for the memory and sled stores.
    LocalStorage,
    /// First-party cookies, as the JavaScript tracker reports them.
    #[serde(rename = "COOKIE_1")]
    Cookie1,
}

/// The `client_session` entity (schema 1-0-2).
///
/// All eight keys are always serialised, `null` where empty, ids in lower case, in the order
/// Snowplow's trackers write them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSession {
    /// The installation's user id (mobile) or the `_sp_id` domain user id as written (web, which
    /// may be 16 hex characters from an older JavaScript tracker), or the zero UUID under
    /// anonymisation.
    pub user_id: UserId,
    /// The current session's id.
    pub session_id: Uuid,
    /// 1 for the installation's first session, then one more per new session.
    pub session_index: u32,
    /// The session before this one, `None` for the first session and under anonymisation.
    pub previous_session_id: Option<Uuid>,
    /// Where the state is kept.
    pub storage_mechanism: StorageMechanism,
    /// Id of the session's first event.
    pub first_event_id: Option<Uuid>,
    /// Timestamp (`dtm`) of the session's first event.
    pub first_event_timestamp: Option<UtcMillis>,
    /// 1 for the session's first event, then one more per event.
    pub event_index: Option<u32>,
}

impl ClientSession {
    /// The copy that may leave the tracker under anonymisation (spec A2.10): the user and the
    /// link to the previous session are hidden, everything else is kept.
    #[must_use]
    pub fn anonymised(mut self) -> Self {
        self.user_id = UserId::ANONYMOUS;
        self.previous_session_id = None;
        self
    }
}

/// The `application_lifecycle` entity: whether the app is visible and the index of the
/// transition that made it so (0 before the first transition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleEntity {
    /// `true` in the foreground.
    pub is_visible: bool,
    /// The foreground index while visible, the background index otherwise.
    pub index: u32,
}

/// A self-describing JSON value: `{"schema": …, "data": …}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfDescribing<T> {
    /// The Iglu URI of `data`'s schema.
    pub schema: &'static str,
    /// The payload.
    pub data: T,
}

/// Serialises as `{"schema": "…contexts/jsonschema/1-0-1", "data": [entities…]}`.
pub(crate) struct ContextsRef<'a> {
    pub client_session: &'a ClientSession,
    pub lifecycle: Option<&'a LifecycleEntity>,
    pub screen: Option<&'a Screen>,
    pub screen_summary: Option<&'a ScreenSummary>,
}

impl Serialize for ContextsRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Entities<'a>(&'a ContextsRef<'a>);
        impl Serialize for Entities<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let len = 1
                    + usize::from(self.0.lifecycle.is_some())
                    + usize::from(self.0.screen.is_some())
                    + usize::from(self.0.screen_summary.is_some());
                let mut seq = serializer.serialize_seq(Some(len))?;
                seq.serialize_element(&SelfDescribing {
                    schema: CLIENT_SESSION_SCHEMA,
                    data: self.0.client_session,
                })?;
                if let Some(lifecycle) = self.0.lifecycle {
                    seq.serialize_element(&SelfDescribing {
                        schema: APPLICATION_LIFECYCLE_SCHEMA,
                        data: lifecycle,
                    })?;
                }
                if let Some(screen) = self.0.screen {
                    seq.serialize_element(&SelfDescribing {
                        schema: SCREEN_SCHEMA,
                        data: screen,
                    })?;
                }
                if let Some(summary) = self.0.screen_summary {
                    seq.serialize_element(&SelfDescribing {
                        schema: SCREEN_SUMMARY_SCHEMA,
                        data: summary,
                    })?;
                }
                seq.end()
            }
        }
        SelfDescribing {
            schema: CONTEXTS_SCHEMA,
            data: Entities(self),
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity() -> ClientSession {
        ClientSession {
            user_id: Uuid::from_u128(0xA1).into(),
            session_id: Uuid::from_u128(0xB2),
            session_index: 2,
            previous_session_id: Some(Uuid::from_u128(0xC3)),
            storage_mechanism: StorageMechanism::LocalStorage,
            first_event_id: Some(Uuid::from_u128(0xD4)),
            first_event_timestamp: Some(UtcMillis(1_700_000_000_000)),
            event_index: Some(1),
        }
    }

    #[test]
    fn serialises_every_key_in_reference_order() {
        let json = serde_json::to_string(&entity()).unwrap();
        assert_eq!(
            json,
            "{\"userId\":\"00000000-0000-0000-0000-0000000000a1\",\
             \"sessionId\":\"00000000-0000-0000-0000-0000000000b2\",\
             \"sessionIndex\":2,\
             \"previousSessionId\":\"00000000-0000-0000-0000-0000000000c3\",\
             \"storageMechanism\":\"LOCAL_STORAGE\",\
             \"firstEventId\":\"00000000-0000-0000-0000-0000000000d4\",\
             \"firstEventTimestamp\":\"2023-11-14T22:13:20.000Z\",\
             \"eventIndex\":1}"
        );
    }

    #[test]
    fn empty_fields_are_null_not_missing() {
        let mut e = entity();
        e.previous_session_id = None;
        e.first_event_id = None;
        e.first_event_timestamp = None;
        e.event_index = None;
        let value = serde_json::to_value(&e).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.len(), 8);
        for key in [
            "previousSessionId",
            "firstEventId",
            "firstEventTimestamp",
            "eventIndex",
        ] {
            assert!(object[key].is_null(), "{key}");
        }
    }

    #[test]
    fn anonymised_copy_hides_user_and_previous_session_only() {
        let a = entity().anonymised();
        assert_eq!(a.user_id, UserId::ANONYMOUS);
        assert_eq!(a.previous_session_id, None);
        assert_eq!(a.session_id, entity().session_id);
        assert_eq!(a.first_event_id, entity().first_event_id);
    }

    #[test]
    fn storage_mechanisms_use_schema_names() {
        assert_eq!(
            serde_json::to_string(&StorageMechanism::LocalStorage).unwrap(),
            "\"LOCAL_STORAGE\""
        );
        assert_eq!(
            serde_json::to_string(&StorageMechanism::Cookie1).unwrap(),
            "\"COOKIE_1\""
        );
    }

    #[test]
    fn contexts_wrap_entities_in_the_array_schema() {
        let e = entity();
        let lifecycle = LifecycleEntity {
            is_visible: false,
            index: 3,
        };
        let value = serde_json::to_value(ContextsRef {
            client_session: &e,
            lifecycle: Some(&lifecycle),
            screen: None,
            screen_summary: None,
        })
        .unwrap();
        assert_eq!(value["schema"], CONTEXTS_SCHEMA);
        assert_eq!(value["data"][0]["schema"], CLIENT_SESSION_SCHEMA);
        assert_eq!(value["data"][0]["data"]["sessionIndex"], 2);
        assert_eq!(value["data"][1]["schema"], APPLICATION_LIFECYCLE_SCHEMA);
        assert_eq!(
            value["data"][1]["data"],
            serde_json::json!({"isVisible": false, "index": 3})
        );
        let without = serde_json::to_value(ContextsRef {
            client_session: &e,
            lifecycle: None,
            screen: None,
            screen_summary: None,
        })
        .unwrap();
        assert_eq!(without["data"].as_array().unwrap().len(), 1);
    }
}
