//! Events as the tracker sees them: what the app tracks and what comes back with its contexts.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::entity::{
    ClientSession, ContextsRef, LifecycleEntity, SelfDescribing, APPLICATION_BACKGROUND_SCHEMA,
    APPLICATION_FOREGROUND_SCHEMA,
};
use crate::screen::{
    ListItemView, Screen, ScreenError, ScreenSummary, ScreenView, ScrollChanged,
    LIST_ITEM_VIEW_SCHEMA, SCREEN_END_SCHEMA, SCREEN_VIEW_SCHEMA, SCROLL_CHANGED_SCHEMA,
};

/// The identity of one event, fixed when it is tracked: its id and its device timestamp
/// (`dtm`, Unix ms). Knowing both before the session is decided is what lets the
/// `firstEventId` of a new session name this very event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventStamp {
    /// The event id (lower case when serialised).
    pub id: Uuid,
    /// The device-created timestamp in Unix milliseconds.
    pub dtm_ms: i64,
}

/// What an event says, independent of sessions.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A screen view (`screen_view` 1-0-0); the tracker fills its id and previous fields.
    ScreenView(ScreenView),
    /// Sent by the tracker before a screen view when a screen was current and screen
    /// engagement is on (`screen_end` 1-0-0, data `{}`).
    ScreenEnd,
    /// A list item shown (`list_item_view` 1-0-0): with screen engagement on it only updates
    /// the screen summary and is not sent.
    ListItemView(ListItemView),
    /// A scroll (`scroll_changed` 1-0-0): with screen engagement on it only updates the screen
    /// summary and is not sent.
    ScrollChanged(ScrollChanged),
    /// A structured event.
    Structured {
        /// Category.
        category: String,
        /// Action.
        action: String,
        /// Optional label.
        label: Option<String>,
        /// Optional property.
        property: Option<String>,
        /// Optional value.
        value: Option<f64>,
    },
    /// A self-describing event with any schema.
    SelfDescribing {
        /// The Iglu URI of `data`'s schema.
        schema: String,
        /// The event's data.
        data: Value,
    },
    /// A page view (a web event; mobile tracks it like any other event).
    PageView {
        /// The page URL.
        url: String,
    },
    /// Emitted by the tracker when the app comes to the foreground.
    ApplicationForeground {
        /// 1 for the process's first foreground transition.
        foreground_index: u32,
    },
    /// Emitted by the tracker when the app goes to the background.
    ApplicationBackground {
        /// 1 for the process's first background transition.
        background_index: u32,
    },
}

impl Payload {
    /// A screen view named `name`, with no other field set.
    ///
    /// # Errors
    /// [`ScreenError::EmptyName`].
    pub fn screen_view(name: impl Into<std::sync::Arc<str>>) -> Result<Self, ScreenError> {
        ScreenView::new(name).map(Self::ScreenView)
    }

    /// A structured event with only category and action.
    pub fn structured(category: impl Into<String>, action: impl Into<String>) -> Self {
        Self::Structured {
            category: category.into(),
            action: action.into(),
            label: None,
            property: None,
            value: None,
        }
    }

    /// The event's name as the scenario format writes it (`screen_view`, `screen_end`,
    /// `list_item_view`, `scroll_changed`, `structured`, `self_describing`, `page_view`,
    /// `application_foreground`, `application_background`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::ScreenView(_) => "screen_view",
            Self::ScreenEnd => "screen_end",
            Self::ListItemView(_) => "list_item_view",
            Self::ScrollChanged(_) => "scroll_changed",
            Self::Structured { .. } => "structured",
            Self::SelfDescribing { .. } => "self_describing",
            Self::PageView { .. } => "page_view",
            Self::ApplicationForeground { .. } => "application_foreground",
            Self::ApplicationBackground { .. } => "application_background",
        }
    }

    /// The event as a self-describing JSON `{"schema", "data"}` (the content of the tracker
    /// protocol's `ue_pr`), for every self-describing event: the app's own, the lifecycle and
    /// the screen events. `None` for structured events and page views.
    ///
    /// ```
    /// use client_session_core::Payload;
    /// let json = Payload::screen_view("home")?.self_describing_json().unwrap();
    /// assert_eq!(json["schema"], "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0");
    /// assert_eq!(json["data"]["name"], "home");
    /// assert!(Payload::structured("a", "b").self_describing_json().is_none());
    /// # Ok::<(), client_session_core::ScreenError>(())
    /// ```
    #[must_use]
    pub fn self_describing_json(&self) -> Option<Value> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Foreground {
            foreground_index: u32,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Background {
            background_index: u32,
        }
        #[derive(Serialize)]
        struct Empty {}
        fn wrap<T: Serialize>(schema: &'static str, data: T) -> Option<Value> {
            serde_json::to_value(SelfDescribing { schema, data }).ok()
        }
        match self {
            Self::SelfDescribing { schema, data } => {
                Some(serde_json::json!({"schema": schema, "data": data}))
            }
            Self::ApplicationForeground { foreground_index } => wrap(
                APPLICATION_FOREGROUND_SCHEMA,
                Foreground {
                    foreground_index: *foreground_index,
                },
            ),
            Self::ApplicationBackground { background_index } => wrap(
                APPLICATION_BACKGROUND_SCHEMA,
                Background {
                    background_index: *background_index,
                },
            ),
            Self::ScreenView(view) => wrap(SCREEN_VIEW_SCHEMA, view),
            Self::ScreenEnd => wrap(SCREEN_END_SCHEMA, Empty {}),
            Self::ListItemView(item) => wrap(LIST_ITEM_VIEW_SCHEMA, item),
            Self::ScrollChanged(scroll) => wrap(SCROLL_CHANGED_SCHEMA, scroll),
            Self::Structured { .. } | Self::PageView { .. } => None,
        }
    }
}

/// An event after the session was decided: its stamp, its payload and its entities.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedEvent {
    /// Id and `dtm`.
    pub stamp: EventStamp,
    /// What the event says.
    pub payload: Payload,
    /// The `client_session` entity, already masked under anonymisation.
    pub client_session: ClientSession,
    /// The lifecycle entity, when lifecycle events are on.
    pub lifecycle: Option<LifecycleEntity>,
    /// The `screen` entity: the current screen (a screen view's own), when one is current and
    /// the entity is on; for a `screen_end`, the screen that ends.
    pub screen: Option<Screen>,
    /// The `screen_summary` entity, on `screen_end` and on the lifecycle events while a screen
    /// is current and screen engagement is on.
    pub screen_summary: Option<ScreenSummary>,
    /// Whether this event started a new session.
    pub starts_session: bool,
}

impl TrackedEvent {
    /// The event's entities in the `contexts/1-0-1` wrapper, ready for the tracker protocol's
    /// `co` field (or base64 in `cx`).
    ///
    /// ```
    /// # use client_session_core::*;
    /// # let mut state = SessionState::start(Config::default(), client_session_core::UserId::from_uuid(uuid::Uuid::new_v4()), StorageMechanism::LocalStorage, None, client_session_core::PreviousRun::Clean);
    /// # let stamp = EventStamp { id: uuid::Uuid::new_v4(), dtm_ms: 0 };
    /// let event = state.track(0, stamp, Payload::screen_view("home").unwrap(), uuid::Uuid::new_v4);
    /// let json = serde_json::to_string(&event.contexts()).unwrap();
    /// assert!(json.starts_with(r#"{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2""#));
    /// ```
    #[must_use]
    pub fn contexts(&self) -> impl Serialize + '_ {
        ContextsRef {
            client_session: &self.client_session,
            lifecycle: self.lifecycle.as_ref(),
            screen: self.screen.as_ref(),
            screen_summary: self.screen_summary.as_ref(),
        }
    }
}
