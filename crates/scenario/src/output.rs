//! One line of scenario output (spec Part C).

use std::collections::BTreeMap;

use client_session_core::{ClientSession, TrackedEvent};
use serde::Serialize;
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
    /// Web only: the cookie jar after the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookies: Option<BTreeMap<String, String>>,
}

impl OutputLine {
    /// The line for `event`, emitted by step `step` at `at_ms`.
    #[must_use]
    pub fn new(step: usize, at_ms: i64, event: &TrackedEvent) -> Self {
        Self {
            step,
            at_ms,
            event: event.payload.name(),
            event_id: event.stamp.id,
            dtm: event.stamp.dtm_ms,
            client_session: Some(event.client_session.clone()),
            cookies: None,
        }
    }

    /// The line as one line of compact JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Plain structs of strings, numbers and UUIDs always serialise.
        serde_json::to_string(self).unwrap_or_default()
    }
}
