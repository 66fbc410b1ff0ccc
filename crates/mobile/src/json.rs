//! Events and sessions as JSON: what crosses the JNI and C boundaries.

use std::borrow::Cow;

use client_session_actor::Event;
use client_session_core::{
    ClientSession, ListItemView, Payload, ScreenView, ScreenViewFields, ScrollChanged,
    ScrollFields, TrackedEvent,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::MobileError;

/// An event to track, as JSON. `type` names the event; the other keys are its fields, in the
/// names of Snowplow's Android tracker (`ScreenView(name)`, `Structured(category, action)`,
/// `SelfDescribing(schema, data)`, `ListItemView(index, itemsCount)`, `ScrollChanged(…)`), in
/// camel case. `eventId` (a UUID) and `timestamp` (Unix ms, the `dtm`) are optional: by default
/// a fresh UUID and the clock when the call is made.
///
/// ```json
/// {"type": "screen_view", "name": "home"}
/// {"type": "screen_view", "name": "home", "id": "<uuid>", "screenType": "feed", "previousName": "a",
///  "previousId": "<uuid>", "previousType": "t", "transitionType": "push"}
/// {"type": "list_item_view", "index": 3, "itemsCount": 40}
/// {"type": "scroll_changed", "xOffset": 0, "yOffset": 120, "viewWidth": 400, "viewHeight": 800,
///  "contentWidth": 400, "contentHeight": 9000}
/// {"type": "structured", "category": "shop", "action": "add", "label": "sku", "property": "p", "value": 2.5}
/// {"type": "self_describing", "schema": "iglu:com.acme/like/jsonschema/1-0-0", "data": {"id": 1}}
/// {"type": "page_view", "url": "https://example.test/"}
/// ```
///
/// A screen view needs only `name` (the screen's own type is `screenType`: `type` names the
/// event); `id` is the screen's id (a random one when not given), the `previous*` fields are
/// filled from the current screen where not given. A list item view needs `index`
/// (`itemsCount` optional); every key of a scroll is optional. The values must be within the
/// `com.snowplowanalytics.mobile` schemas' ranges: indexes and counts 0 to 65535, offsets
/// ±2147483647, sizes 0 to 2147483647.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EventInput<'a> {
    #[serde(rename = "type")]
    kind: Kind,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    screen_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    previous_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    previous_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    previous_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    transition_type: Option<Cow<'a, str>>,
    #[serde(default)]
    index: Option<i64>,
    #[serde(default)]
    items_count: Option<i64>,
    #[serde(default)]
    x_offset: Option<i64>,
    #[serde(default)]
    y_offset: Option<i64>,
    #[serde(default)]
    view_width: Option<i64>,
    #[serde(default)]
    view_height: Option<i64>,
    #[serde(default)]
    content_width: Option<i64>,
    #[serde(default)]
    content_height: Option<i64>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    ScreenView,
    ListItemView,
    ScrollChanged,
    Structured,
    SelfDescribing,
    PageView,
}

impl<'a> EventInput<'a> {
    /// Parses event JSON (borrowing its strings where it can: this runs on the caller's thread).
    ///
    /// # Errors
    /// [`MobileError::InvalidEvent`] for malformed JSON, an unknown `type` or key, or a number
    /// where a string is expected (or the reverse).
    pub fn parse(json: &'a str) -> Result<Self, MobileError> {
        serde_json::from_str(json).map_err(|e| MobileError::InvalidEvent(e.to_string()))
    }

    /// The event for the actor.
    ///
    /// # Errors
    /// [`MobileError::InvalidEvent`] for what the JSON grammar cannot check: a missing required
    /// field or one that belongs to another type, an `eventId` that is not a UUID, and a screen
    /// event the schemas would reject (an empty `name`, an `id` or `previousId` that is not a
    /// UUID, a number out of its range), with the core's [`ScreenError`](client_session_core::ScreenError) message.
    pub fn into_event(mut self) -> Result<Event, MobileError> {
        let event_id = self.event_id.take();
        let timestamp = self.timestamp;
        let mut event = Event::new(self.into_payload()?);
        if let Some(id) = &event_id {
            event = event.with_id_str(id).map_err(invalid)?;
        }
        if let Some(ms) = timestamp {
            event = event.with_timestamp_ms(ms);
        }
        Ok(event)
    }

    /// Every event field present, with the type it belongs to: a field of another type is an
    /// error, not ignored (an app that sets `index` on a screen view has a bug to hear about).
    fn fields(&self) -> [(Kind, &'static str, bool); 23] {
        [
            (Kind::ScreenView, "name", self.name.is_some()),
            (Kind::ScreenView, "id", self.id.is_some()),
            (Kind::ScreenView, "screenType", self.screen_type.is_some()),
            (
                Kind::ScreenView,
                "previousName",
                self.previous_name.is_some(),
            ),
            (Kind::ScreenView, "previousId", self.previous_id.is_some()),
            (
                Kind::ScreenView,
                "previousType",
                self.previous_type.is_some(),
            ),
            (
                Kind::ScreenView,
                "transitionType",
                self.transition_type.is_some(),
            ),
            (Kind::ListItemView, "index", self.index.is_some()),
            (Kind::ListItemView, "itemsCount", self.items_count.is_some()),
            (Kind::ScrollChanged, "xOffset", self.x_offset.is_some()),
            (Kind::ScrollChanged, "yOffset", self.y_offset.is_some()),
            (Kind::ScrollChanged, "viewWidth", self.view_width.is_some()),
            (
                Kind::ScrollChanged,
                "viewHeight",
                self.view_height.is_some(),
            ),
            (
                Kind::ScrollChanged,
                "contentWidth",
                self.content_width.is_some(),
            ),
            (
                Kind::ScrollChanged,
                "contentHeight",
                self.content_height.is_some(),
            ),
            (Kind::Structured, "category", self.category.is_some()),
            (Kind::Structured, "action", self.action.is_some()),
            (Kind::Structured, "label", self.label.is_some()),
            (Kind::Structured, "property", self.property.is_some()),
            (Kind::Structured, "value", self.value.is_some()),
            (Kind::SelfDescribing, "schema", self.schema.is_some()),
            (Kind::SelfDescribing, "data", self.data.is_some()),
            (Kind::PageView, "url", self.url.is_some()),
        ]
    }

    /// The payload, taking the parsed strings: serde gives a `Cow` inside an `Option` as
    /// `Owned` (it borrows only a bare `Cow`), so moving it out saves a copy per field.
    fn into_payload(self) -> Result<Payload, MobileError> {
        let kind = self.kind;
        if let Some((_, field, _)) = self
            .fields()
            .into_iter()
            .find(|&(owner, _, present)| present && owner != kind)
        {
            return Err(MobileError::InvalidEvent(format!(
                "`{field}` is not a field of a {} event",
                kind.name()
            )));
        }
        let required = |value: Option<Cow<'a, str>>, field: &str| {
            value.map(Cow::into_owned).ok_or_else(|| {
                MobileError::InvalidEvent(format!("a {} event needs `{field}`", kind.name()))
            })
        };
        let owned = |value: Option<Cow<'a, str>>| value.map(Cow::into_owned);
        match kind {
            Kind::ScreenView => {
                let name = required(self.name, "name")?;
                let fields = ScreenViewFields {
                    name: &name,
                    id: self.id.as_deref(),
                    screen_type: self.screen_type.as_deref(),
                    previous_name: self.previous_name.as_deref(),
                    previous_id: self.previous_id.as_deref(),
                    previous_type: self.previous_type.as_deref(),
                    transition_type: self.transition_type.as_deref(),
                };
                ScreenView::from_fields(fields)
                    .map(Payload::ScreenView)
                    .map_err(invalid)
            }
            Kind::ListItemView => {
                let index = self.index.ok_or_else(|| {
                    MobileError::InvalidEvent("a list_item_view event needs `index`".into())
                })?;
                ListItemView::new(index, self.items_count)
                    .map(Payload::ListItemView)
                    .map_err(invalid)
            }
            Kind::ScrollChanged => ScrollChanged::from_fields(ScrollFields {
                x_offset: self.x_offset,
                y_offset: self.y_offset,
                view_width: self.view_width,
                view_height: self.view_height,
                content_width: self.content_width,
                content_height: self.content_height,
            })
            .map(Payload::ScrollChanged)
            .map_err(invalid),
            Kind::Structured => Ok(Payload::Structured {
                category: required(self.category, "category")?,
                action: required(self.action, "action")?,
                label: owned(self.label),
                property: owned(self.property),
                value: self.value,
            }),
            Kind::PageView => Ok(Payload::PageView {
                url: required(self.url, "url")?,
            }),
            Kind::SelfDescribing => Ok(Payload::SelfDescribing {
                schema: required(self.schema, "schema")?,
                data: self.data.ok_or_else(|| {
                    MobileError::InvalidEvent("a self_describing event needs `data`".into())
                })?,
            }),
        }
    }
}

/// A rejected field (a screen rule's [`ScreenError`](client_session_core::ScreenError), a bad `eventId`) as the binding's error.
fn invalid(error: impl std::fmt::Display) -> MobileError {
    MobileError::InvalidEvent(error.to_string())
}

impl Kind {
    const fn name(self) -> &'static str {
        match self {
            Self::ScreenView => "screen_view",
            Self::ListItemView => "list_item_view",
            Self::ScrollChanged => "scroll_changed",
            Self::Structured => "structured",
            Self::SelfDescribing => "self_describing",
            Self::PageView => "page_view",
        }
    }
}

/// A tracked event as the listener receives it: `event` (the event's name, as in the scenario
/// format: `screen_view`, `screen_end`, `application_background`, …), `eventId`, `dtm` (Unix
/// ms), `ue_pr`, the self-describing `{"schema", "data"}` of every self-describing event
/// (screen, list, scroll, lifecycle and the app's own; absent for structured events and page
/// views), and `co`, the `contexts` JSON the tracker protocol sends (`client_session`, the
/// lifecycle entity when lifecycle events are on, `screen` while a screen is current and
/// `screen_summary` on `screen_end` and the lifecycle events).
///
/// ```
/// # use client_session_core::*;
/// # let mut state = SessionState::start(Config::default(), UserId::from_uuid(uuid::Uuid::nil()), StorageMechanism::LocalStorage, None, PreviousRun::Clean);
/// # let event = state.track(0, EventStamp { id: uuid::Uuid::nil(), dtm_ms: 7 }, Payload::screen_view("home").unwrap(), uuid::Uuid::nil);
/// let json = client_session_mobile::event_json(&event);
/// assert!(json.starts_with(concat!(
///     r#"{"event":"screen_view","eventId":"00000000-0000-0000-0000-000000000000","dtm":7,"#,
///     r#""ue_pr":{"schema":"iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0","data":{"name":"home"}},"#,
///     r#""co":{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1""#
/// )));
/// ```
#[must_use]
pub fn event_json(event: &TrackedEvent) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<C> {
        event: &'static str,
        event_id: Uuid,
        dtm: i64,
        #[serde(rename = "ue_pr", skip_serializing_if = "Option::is_none")]
        ue_pr: Option<Value>,
        co: C,
    }
    let out = Out {
        event: event.payload.name(),
        event_id: event.stamp.id,
        dtm: event.stamp.dtm_ms,
        ue_pr: event.payload.self_describing_json(),
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
    use client_session_core::ScreenError;

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
    fn screen_events_take_every_field() {
        let view = event(
            r#"{"type":"screen_view","name":"home","id":"6F9619FF-8B86-D011-B42D-00C04FC964FF",
                "screenType":"feed","previousName":"a","previousId":"00000000-0000-0000-0000-00000000000a",
                "previousType":"t","transitionType":"push"}"#,
        )
        .unwrap();
        let expected = ScreenView::new("home")
            .unwrap()
            .with_id_str("6f9619ff-8b86-d011-b42d-00c04fc964ff")
            .unwrap()
            .with_type("feed")
            .with_previous_name("a")
            .with_previous_id(Uuid::from_u128(10))
            .with_previous_type("t")
            .with_transition_type("push");
        assert_eq!(view.payload, Payload::ScreenView(expected));

        assert_eq!(
            event(r#"{"type":"list_item_view","index":3,"itemsCount":40}"#)
                .unwrap()
                .payload,
            Payload::ListItemView(ListItemView::new(3, Some(40)).unwrap())
        );
        assert_eq!(
            event(r#"{"type":"list_item_view","index":65535}"#)
                .unwrap()
                .payload,
            Payload::ListItemView(ListItemView::new(65_535, None).unwrap())
        );
        let scroll = ScrollChanged::default()
            .with_x_offset(-2_147_483_647)
            .unwrap()
            .with_y_offset(120)
            .unwrap()
            .with_view_width(400)
            .unwrap()
            .with_view_height(800)
            .unwrap()
            .with_content_width(0)
            .unwrap()
            .with_content_height(2_147_483_647)
            .unwrap();
        assert_eq!(
            event(
                r#"{"type":"scroll_changed","xOffset":-2147483647,"yOffset":120,"viewWidth":400,
                    "viewHeight":800,"contentWidth":0,"contentHeight":2147483647}"#
            )
            .unwrap()
            .payload,
            Payload::ScrollChanged(scroll)
        );
        assert_eq!(
            event(r#"{"type":"scroll_changed"}"#).unwrap().payload,
            Payload::ScrollChanged(ScrollChanged::default())
        );
        let e = event(
            r#"{"type":"list_item_view","index":0,"eventId":"00000000-0000-0000-0000-000000000001","timestamp":9}"#,
        )
        .unwrap();
        assert_eq!(e.id, Some(Uuid::from_u128(1)));
        assert_eq!(e.timestamp_ms, Some(9));
    }

    /// The message of a rejected screen event is the core's, so every binding says the same.
    #[test]
    fn bad_screen_input_is_the_cores_error() {
        let cases: [(&str, ScreenError); 12] = [
            (
                r#"{"type":"screen_view","name":""}"#,
                ScreenView::new("").unwrap_err(),
            ),
            (
                r#"{"type":"screen_view","name":"a","id":"nope"}"#,
                ScreenView::new("a")
                    .unwrap()
                    .with_id_str("nope")
                    .unwrap_err(),
            ),
            (
                // A UUID without its hyphens is not the form the schema asks for.
                r#"{"type":"screen_view","name":"a","id":"6f9619ff8b86d011b42d00c04fc964ff"}"#,
                ScreenView::new("a")
                    .unwrap()
                    .with_id_str("6f9619ff8b86d011b42d00c04fc964ff")
                    .unwrap_err(),
            ),
            (
                r#"{"type":"screen_view","name":"a","previousId":"x"}"#,
                ScreenView::new("a")
                    .unwrap()
                    .with_previous_id_str("x")
                    .unwrap_err(),
            ),
            (
                r#"{"type":"list_item_view","index":-1}"#,
                ListItemView::new(-1, None).unwrap_err(),
            ),
            (
                r#"{"type":"list_item_view","index":65536,"itemsCount":1}"#,
                ListItemView::new(65_536, Some(1)).unwrap_err(),
            ),
            (
                r#"{"type":"list_item_view","index":1,"itemsCount":65536}"#,
                ListItemView::new(1, Some(65_536)).unwrap_err(),
            ),
            (
                r#"{"type":"scroll_changed","xOffset":2147483648}"#,
                ScrollChanged::default()
                    .with_x_offset(2_147_483_648)
                    .unwrap_err(),
            ),
            (
                r#"{"type":"scroll_changed","yOffset":-2147483648}"#,
                ScrollChanged::default()
                    .with_y_offset(-2_147_483_648)
                    .unwrap_err(),
            ),
            (
                r#"{"type":"scroll_changed","yOffset":1,"viewWidth":-1}"#,
                ScrollChanged::default().with_view_width(-1).unwrap_err(),
            ),
            (
                r#"{"type":"scroll_changed","viewHeight":-5}"#,
                ScrollChanged::default().with_view_height(-5).unwrap_err(),
            ),
            (
                r#"{"type":"scroll_changed","contentWidth":1,"contentHeight":2147483648}"#,
                ScrollChanged::default()
                    .with_content_height(2_147_483_648)
                    .unwrap_err(),
            ),
        ];
        for (json, expected) in cases {
            match event(json) {
                Err(MobileError::InvalidEvent(message)) => {
                    assert_eq!(message, expected.to_string(), "{json}");
                }
                other => panic!("{json}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_field_of_another_type_is_named_in_the_error() {
        for (json, field, kind) in [
            (
                r#"{"type":"structured","category":"c","action":"a","screenType":"x"}"#,
                "screenType",
                "structured",
            ),
            (
                r#"{"type":"structured","category":"c","action":"a","id":"00000000-0000-0000-0000-000000000001"}"#,
                "id",
                "structured",
            ),
            (
                r#"{"type":"page_view","url":"u","transitionType":"push"}"#,
                "transitionType",
                "page_view",
            ),
            (
                r#"{"type":"screen_view","name":"a","index":1}"#,
                "index",
                "screen_view",
            ),
            (
                r#"{"type":"screen_view","name":"a","yOffset":1}"#,
                "yOffset",
                "screen_view",
            ),
            (
                r#"{"type":"list_item_view","index":1,"name":"a"}"#,
                "name",
                "list_item_view",
            ),
            (
                r#"{"type":"list_item_view","index":1,"contentHeight":1}"#,
                "contentHeight",
                "list_item_view",
            ),
            (
                r#"{"type":"scroll_changed","itemsCount":1}"#,
                "itemsCount",
                "scroll_changed",
            ),
            (
                r#"{"type":"scroll_changed","category":"c"}"#,
                "category",
                "scroll_changed",
            ),
            (
                r#"{"type":"self_describing","schema":"s","data":{},"previousName":"p"}"#,
                "previousName",
                "self_describing",
            ),
            (
                r#"{"type":"list_item_view","index":1,"schema":"s"}"#,
                "schema",
                "list_item_view",
            ),
        ] {
            match event(json) {
                Err(MobileError::InvalidEvent(message)) => assert_eq!(
                    message,
                    format!("`{field}` is not a field of a {kind} event"),
                    "{json}"
                ),
                other => panic!("{json}: {other:?}"),
            }
        }
    }

    #[test]
    fn ue_pr_is_the_self_describing_json_of_self_describing_events_only() {
        let mut state = client_session_core::SessionState::start(
            client_session_core::Config::default(),
            client_session_core::UserId::from_uuid(Uuid::from_u128(1)),
            client_session_core::StorageMechanism::LocalStorage,
            None,
            client_session_core::PreviousRun::Clean,
        );
        let mut dtm = 0;
        let mut out = |payload: Payload| {
            dtm += 1;
            let stamp = client_session_core::EventStamp {
                id: Uuid::from_u128(2),
                dtm_ms: dtm,
            };
            let tracked = state.track(dtm, stamp, payload, || Uuid::from_u128(3));
            serde_json::from_str::<Value>(&event_json(&tracked)).unwrap()
        };
        for payload in [
            Payload::ScreenView(
                ScreenView::new("home")
                    .unwrap()
                    .with_id(Uuid::from_u128(4))
                    .with_type("feed"),
            ),
            Payload::ScreenEnd,
            Payload::ListItemView(ListItemView::new(3, Some(40)).unwrap()),
            Payload::ScrollChanged(ScrollChanged::default().with_y_offset(5).unwrap()),
            Payload::SelfDescribing {
                schema: "iglu:com.acme/like/jsonschema/1-0-0".into(),
                data: serde_json::json!({"id": 1}),
            },
            Payload::ApplicationBackground {
                background_index: 1,
            },
        ] {
            let json = out(payload.clone());
            assert_eq!(json["event"], payload.name());
            assert_eq!(
                Some(&json["ue_pr"]),
                payload.self_describing_json().as_ref(),
                "{json}"
            );
            let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            assert_eq!(keys, ["co", "dtm", "event", "eventId", "ue_pr"], "{json}");
        }
        assert_eq!(
            out(Payload::screen_view("a").unwrap())["ue_pr"]["data"],
            serde_json::json!({"name": "a"})
        );
        assert_eq!(
            out(Payload::ScreenEnd)["ue_pr"],
            serde_json::json!({"schema": client_session_core::SCREEN_END_SCHEMA, "data": {}})
        );
        for payload in [
            Payload::structured("c", "a"),
            Payload::PageView { url: "u".into() },
        ] {
            let json = out(payload);
            assert!(json.get("ue_pr").is_none(), "{json}");
            assert!(json.get("co").is_some(), "{json}");
        }
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
            r#"{"type":"screen_view","screenType":"feed"}"#,
            r#"{"type":"screen_view","name":"a","screen_type":"feed"}"#,
            r#"{"type":"screen_view","name":"a","id":7}"#,
            r#"{"type":"list_item_view"}"#,
            r#"{"type":"list_item_view","itemsCount":3}"#,
            r#"{"type":"list_item_view","index":1.5}"#,
            r#"{"type":"list_item_view","index":"1"}"#,
            r#"{"type":"list_item_view","index":99999999999999999999}"#,
            r#"{"type":"scroll_changed","x_offset":1}"#,
            r#"{"type":"scroll_changed","xOffset":null,"extra":1}"#,
            r#"{"type":"screen_end"}"#,
            r#"{"type":"application_background"}"#,
        ] {
            assert!(
                matches!(event(bad), Err(MobileError::InvalidEvent(_))),
                "{bad:?}: {:?}",
                event(bad)
            );
        }
    }
}
