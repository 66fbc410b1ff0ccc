//! Events as the tracker sees them: what the app tracks and what comes back with its contexts.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::entity::{
    ClientSession, ContextsRef, LifecycleEntity, SelfDescribing, APPLICATION_BACKGROUND_SCHEMA,
    APPLICATION_FOREGROUND_SCHEMA,
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
    /// A screen view.
    ScreenView {
        /// The screen's name.
        name: String,
    },
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
    /// A screen view named `name`.
    pub fn screen_view(name: impl Into<String>) -> Self {
        Self::ScreenView { name: name.into() }
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

    /// The event's name as the scenario format writes it (`screen_view`, `structured`,
    /// `self_describing`, `page_view`, `application_foreground`, `application_background`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::ScreenView { .. } => "screen_view",
            Self::Structured { .. } => "structured",
            Self::SelfDescribing { .. } => "self_describing",
            Self::PageView { .. } => "page_view",
            Self::ApplicationForeground { .. } => "application_foreground",
            Self::ApplicationBackground { .. } => "application_background",
        }
    }

    /// The self-describing form of a lifecycle event (`ue_pr`), `None` for other events.
    #[must_use]
    pub fn lifecycle_json(&self) -> Option<Value> {
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
        let value = match *self {
            Self::ApplicationForeground { foreground_index } => {
                serde_json::to_value(SelfDescribing {
                    schema: APPLICATION_FOREGROUND_SCHEMA,
                    data: Foreground { foreground_index },
                })
            }
            Self::ApplicationBackground { background_index } => {
                serde_json::to_value(SelfDescribing {
                    schema: APPLICATION_BACKGROUND_SCHEMA,
                    data: Background { background_index },
                })
            }
            _ => return None,
        };
        value.ok()
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
    /// let event = state.track(0, stamp, Payload::screen_view("home"), uuid::Uuid::new_v4);
    /// let json = serde_json::to_string(&event.contexts()).unwrap();
    /// assert!(json.starts_with(r#"{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2""#));
    /// ```
    #[must_use]
    pub fn contexts(&self) -> impl Serialize + '_ {
        ContextsRef {
            client_session: &self.client_session,
            lifecycle: self.lifecycle.as_ref(),
        }
    }
}
