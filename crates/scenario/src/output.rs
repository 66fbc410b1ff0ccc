//! One line of scenario output (spec Part C).

use std::collections::BTreeMap;

use client_session_core::{ClientSession, Payload, Screen, ScreenSummary, TrackedEvent};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// One emitted event, serialised in the field order Part C fixes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputLine {
    /// 0-based index of the step that emitted the event.
    pub step: usize,
    /// The step's `at_ms` (for the live driver: ms since the process started).
    pub at_ms: i64,
    /// The event's name.
    pub event: &'static str,
    /// The event id.
    pub event_id: Uuid,
    /// The event's device timestamp, Unix ms.
    pub dtm: i64,
    /// The entity attached, `null` when none is.
    pub client_session: Option<ClientSession>,
    /// Mobile only, and only for `screen_view`, `screen_end`, `list_item_view` and
    /// `scroll_changed`: the event's self-describing data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Mobile only: the screen entities, each `null` when not attached.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub screens: Option<ScreenEntities>,
    /// Web only: the cookie jar after the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookies: Option<BTreeMap<String, String>>,
}

/// A mobile line's `screen` and `screen_summary`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScreenEntities {
    /// The `screen` entity's data.
    pub screen: Option<Screen>,
    /// The `screen_summary` entity's data.
    pub screen_summary: Option<ScreenSummary>,
}

impl OutputLine {
    /// The mobile line for `event`, emitted by step `step` at `at_ms`.
    #[must_use]
    pub fn new(step: usize, at_ms: i64, event: &TrackedEvent) -> Self {
        Self {
            step,
            at_ms,
            event: event.payload.name(),
            event_id: event.stamp.id,
            dtm: event.stamp.dtm_ms,
            client_session: Some(event.client_session.clone()),
            data: screen_event_data(&event.payload),
            screens: Some(ScreenEntities {
                screen: event.screen.clone(),
                screen_summary: event.screen_summary,
            }),
            cookies: None,
        }
    }

    /// The same line as the web writes it: the cookie jar after the event instead of the
    /// screen fields.
    #[must_use]
    pub fn on_the_web(self, cookies: BTreeMap<String, String>) -> Self {
        Self {
            data: None,
            screens: None,
            cookies: Some(cookies),
            ..self
        }
    }

    /// The line as one line of compact JSON.
    ///
    /// # Errors
    /// serde_json's error if the line cannot be serialised. None is known for these plain
    /// fields, but an empty line printed in its place would hide a broken event from every
    /// reader, so the caller is told.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// The data of the events whose data a mobile line shows (Part C).
fn screen_event_data(payload: &Payload) -> Option<Value> {
    let data = match payload {
        Payload::ScreenView(view) => serde_json::to_value(view),
        Payload::ScreenEnd => Ok(Value::Object(serde_json::Map::new())),
        Payload::ListItemView(item) => serde_json::to_value(item),
        Payload::ScrollChanged(scroll) => serde_json::to_value(scroll),
        _ => return None,
    };
    // These plain structs always serialise; were one not to, the line says so by `null`
    // rather than by a missing key.
    Some(data.unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;
    use client_session_core::{EventStamp, Payload, SessionState, StorageMechanism, UserId};

    #[test]
    fn a_line_is_one_line_of_json_in_the_order_of_part_c() {
        let mut state = SessionState::start(
            client_session_core::Config::default(),
            UserId::from_uuid(Uuid::from_u128(1)),
            StorageMechanism::LocalStorage,
            None,
            client_session_core::PreviousRun::Clean,
        );
        let stamp = EventStamp {
            id: Uuid::from_u128(2),
            dtm_ms: 1_700_000_000_000,
        };
        let event = state.track(
            stamp.dtm_ms,
            stamp,
            Payload::screen_view("home").unwrap(),
            || Uuid::from_u128(3),
        );
        let json = OutputLine::new(4, 5, &event).to_json().unwrap();
        assert!(!json.contains('\n'), "{json}");
        assert!(
            json.starts_with(
                r#"{"step":4,"at_ms":5,"event":"screen_view","event_id":"00000000-0000-0000-0000-000000000002","dtm":1700000000000,"client_session":{"userId":"00000000-0000-0000-0000-000000000001","sessionId":"00000000-0000-0000-0000-000000000003","sessionIndex":1,"#
            ),
            "{json}"
        );
    }
}
