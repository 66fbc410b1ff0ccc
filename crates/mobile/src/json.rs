//! Events and sessions as JSON: what crosses the JNI and C boundaries.

use std::borrow::Cow;

use client_session_actor::Event;
use client_session_core::{ClientSession, Payload, TrackedEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::MobileError;

/// An event to track, as JSON. `type` names the event; the other keys are its fields, in the
/// names of Snowplow's Android tracker (`ScreenView(name)`, `Structured(category, action)`,
/// `SelfDescribing(schema, data)`). `eventId` (a UUID) and `timestamp` (Unix ms, the `dtm`) are
/// optional: by default a fresh UUID and the clock when the call is made.
///
/// ```json
/// {"type": "screen_view", "name": "home"}
/// {"type": "structured", "category": "shop", "action": "add", "label": "sku", "property": "p", "value": 2.5}
/// {"type": "self_describing", "schema": "iglu:com.acme/like/jsonschema/1-0-0", "data": {"id": 1}}
/// {"type": "page_view", "url": "https://example.test/"}
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventInput<'a> {
    #[serde(rename = "type")]
    kind: Kind,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    label: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    property: Option<Cow<'a, str>>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(borrow, default)]
    schema: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(default)]
    data: Option<Value>,
    #[serde(borrow, default)]
    event_id: Option<Cow<'a, str>>,
    #[serde(default)]
    timestamp: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    ScreenView,
    Structured,
    SelfDescribing,
    PageView,
}

impl<'a> EventInput<'a> {
    /// Parses event JSON (borrowing its strings where it can: this runs on the caller's thread).
    ///
    /// # Errors
    /// [`MobileError::InvalidEvent`] for malformed JSON, an unknown `type` or key, a missing
    /// required field or one that belongs to another type, or an `eventId` that is not a UUID.
    pub fn parse(json: &'a str) -> Result<Self, MobileError> {
        serde_json::from_str(json).map_err(|e| MobileError::InvalidEvent(e.to_string()))
    }

    /// The event for the actor.
    ///
    /// # Errors
    /// As [`parse`](Self::parse), for what the JSON grammar cannot check.
    pub fn into_event(mut self) -> Result<Event, MobileError> {
        let event_id = self.event_id.take();
        let timestamp = self.timestamp;
        let mut event = Event::new(self.into_payload()?);
        if let Some(id) = &event_id {
            event = event
                .with_id_str(id)
                .map_err(|e| MobileError::InvalidEvent(e.to_string()))?;
        }
        if let Some(ms) = timestamp {
            event = event.with_timestamp_ms(ms);
        }
        Ok(event)
    }

    /// The payload, taking the parsed strings: serde gives a `Cow` inside an `Option` as
    /// `Owned` (it borrows only a bare `Cow`), so moving it out saves a copy per field.
    fn into_payload(self) -> Result<Payload, MobileError> {
        let kind = self.kind;
        let foreign = |present: bool, field: &str| {
            if present {
                Err(MobileError::InvalidEvent(format!(
                    "`{field}` is not a field of a {} event",
                    kind.name()
                )))
            } else {
                Ok(())
            }
        };
        let required = |value: Option<Cow<'a, str>>, field: &str| {
            value.map(Cow::into_owned).ok_or_else(|| {
                MobileError::InvalidEvent(format!("a {} event needs `{field}`", kind.name()))
            })
        };
        foreign(self.url.is_some() && !matches!(kind, Kind::PageView), "url")?;
        let structured_fields = self.category.is_some()
            || self.action.is_some()
            || self.label.is_some()
            || self.property.is_some()
            || self.value.is_some();
        match kind {
            Kind::ScreenView => {
                foreign(structured_fields, "category/action/label/property/value")?;
                foreign(self.schema.is_some() || self.data.is_some(), "schema/data")?;
                Payload::screen_view(required(self.name, "name")?)
                    .map_err(|e| MobileError::InvalidEvent(e.to_string()))
            }
            Kind::Structured => {
                foreign(self.name.is_some(), "name")?;
                foreign(self.schema.is_some() || self.data.is_some(), "schema/data")?;
                Ok(Payload::Structured {
                    category: required(self.category, "category")?,
                    action: required(self.action, "action")?,
                    label: self.label.map(Cow::into_owned),
                    property: self.property.map(Cow::into_owned),
                    value: self.value,
                })
            }
            Kind::PageView => {
                foreign(self.name.is_some(), "name")?;
                foreign(structured_fields, "category/action/label/property/value")?;
                foreign(self.schema.is_some() || self.data.is_some(), "schema/data")?;
                Ok(Payload::PageView {
                    url: required(self.url, "url")?,
                })
            }
            Kind::SelfDescribing => {
                foreign(self.name.is_some(), "name")?;
                foreign(structured_fields, "category/action/label/property/value")?;
                Ok(Payload::SelfDescribing {
                    schema: required(self.schema, "schema")?,
                    data: self.data.ok_or_else(|| {
                        MobileError::InvalidEvent("a self_describing event needs `data`".into())
                    })?,
                })
            }
        }
    }
}

impl Kind {
    const fn name(self) -> &'static str {
        match self {
            Self::ScreenView => "screen_view",
            Self::Structured => "structured",
            Self::SelfDescribing => "self_describing",
            Self::PageView => "page_view",
        }
    }
}

/// A tracked event as the listener receives it: `event` (the event's name, as in the scenario
/// format: `screen_view`, `application_background`, …), `eventId`, `dtm` (Unix ms) and `co`,
/// the `contexts` JSON the tracker protocol sends (`client_session`, and the lifecycle entity
/// when lifecycle events are on).
///
/// ```
/// # use client_session_core::*;
/// # let mut state = SessionState::start(Config::default(), UserId::from_uuid(uuid::Uuid::nil()), StorageMechanism::LocalStorage, None, PreviousRun::Clean);
/// # let event = state.track(0, EventStamp { id: uuid::Uuid::nil(), dtm_ms: 7 }, Payload::screen_view("home").unwrap(), uuid::Uuid::nil);
/// let json = client_session_mobile::event_json(&event);
/// assert!(json.starts_with(r#"{"event":"screen_view","eventId":"00000000-0000-0000-0000-000000000000","dtm":7,"co":{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1""#));
/// ```
#[must_use]
pub fn event_json(event: &TrackedEvent) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<C> {
        event: &'static str,
        event_id: Uuid,
        dtm: i64,
        co: C,
    }
    let out = Out {
        event: event.payload.name(),
        event_id: event.stamp.id,
        dtm: event.stamp.dtm_ms,
        co: event.contexts(),
    };
    to_json(&out)
}

/// A session as the session getter and listener give it: the `client_session` entity's data.
#[must_use]
pub fn session_json(session: &ClientSession) -> String {
    to_json(session)
}

/// Serialises plain data. These types hold strings, numbers and UUIDs only, which
/// serde_json always serialises; an empty object stands in should that ever change, and is
/// logged.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        tracing::error!(error = %e, "could not serialise an event or session");
        "{}".to_owned()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn event(json: &str) -> Result<Event, MobileError> {
        EventInput::parse(json)?.into_event()
    }

    #[test]
    fn each_type_becomes_its_payload() {
        assert_eq!(
            event(r#"{"type":"screen_view","name":"home"}"#)
                .unwrap()
                .payload,
            Payload::screen_view("home").unwrap()
        );
        assert_eq!(
            event(r#"{"type":"structured","category":"c","action":"a","label":"l","property":"p","value":2.5}"#)
                .unwrap()
                .payload,
            Payload::Structured {
                category: "c".into(),
                action: "a".into(),
                label: Some("l".into()),
                property: Some("p".into()),
                value: Some(2.5)
            }
        );
        let sd = event(
            r#"{"type":"self_describing","schema":"iglu:a/b/jsonschema/1-0-0","data":{"x":[1]}}"#,
        )
        .unwrap();
        assert_eq!(
            sd.payload,
            Payload::SelfDescribing {
                schema: "iglu:a/b/jsonschema/1-0-0".into(),
                data: serde_json::json!({"x": [1]})
            }
        );
        assert_eq!(
            event(r#"{"type":"page_view","url":"https://x.test/"}"#)
                .unwrap()
                .payload,
            Payload::PageView {
                url: "https://x.test/".into()
            }
        );
        let e = event(r#"{"type":"screen_view","name":"a\"b","eventId":"6F9619FF-8B86-D011-B42D-00C04FC964FF","timestamp":-5}"#)
            .unwrap();
        assert_eq!(e.payload, Payload::screen_view("a\"b").unwrap());
        assert_eq!(
            e.id.unwrap().to_string(),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
        assert_eq!(e.timestamp_ms, Some(-5));
    }

    #[test]
    fn bad_events_are_typed_errors() {
        for bad in [
            "",
            "{",
            "null",
            r#"{"name":"home"}"#,
            r#"{"type":"page_vue","url":"x"}"#,
            r#"{"type":"screen_view"}"#,
            r#"{"type":"screen_view","name":1}"#,
            r#"{"type":"screen_view","name":"a","category":"c"}"#,
            r#"{"type":"screen_view","name":"a","extra":1}"#,
            r#"{"type":"structured","category":"c"}"#,
            r#"{"type":"structured","category":"c","action":"a","value":"1"}"#,
            r#"{"type":"self_describing","schema":"s"}"#,
            r#"{"type":"self_describing","data":{}}"#,
            r#"{"type":"screen_view","name":"a","eventId":"nope"}"#,
            r#"{"type":"screen_view","name":"a","timestamp":1.5}"#,
            r#"{"type":"page_view"}"#,
            r#"{"type":"screen_view","name":"a","url":"u"}"#,
        ] {
            assert!(
                matches!(event(bad), Err(MobileError::InvalidEvent(_))),
                "{bad:?}: {:?}",
                event(bad)
            );
        }
    }
}
