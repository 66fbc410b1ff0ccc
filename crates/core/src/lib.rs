//! The session models of Snowplow's mobile and web trackers as pure state machines.
//!
//! This crate decides, for every tracked event, which session it belongs to and builds the
//! `client_session` entity that Snowplow's Android and iOS trackers would attach to it
//! (spec A2 with the project's choices in B, [`SessionState`]), or on the web the JavaScript
//! tracker over its cookies (spec A3, [`WebRules`]). Beside the session rules it keeps the
//! screens (spec A5, [`ScreenState`]): the current screen, its `screen` entity, screen
//! engagement's `screen_end` and `screen_summary`; [`TrackerState`] runs both in order. It is
//! the one place where session and screen rules live; the actor, the stores and every
//! platform adapter only feed it inputs.
//!
//! **It never does I/O, never reads the clock and never generates randomness on its own:** the
//! caller passes the time (`now_ms`), the event's id and timestamp, and a function that makes a
//! fresh session id. That keeps it deterministic, testable and buildable for `wasm32`. (The
//! [`Clock`] seam is defined here so stores and the actor share it; the state machine never
//! calls it.)
//!
//! ```
//! use client_session_core::{
//!     Config, EventStamp, Payload, PreviousRun, SessionState, StorageMechanism, UserId,
//! };
//! use uuid::Uuid;
//!
//! let user = UserId::from_uuid(Uuid::new_v4());
//! let mut state = SessionState::start(Config::default(), user, StorageMechanism::LocalStorage, None, PreviousRun::Clean);
//! let stamp = EventStamp { id: Uuid::new_v4(), dtm_ms: 1_700_000_000_000 };
//! let event = state.track(1_700_000_000_000, stamp, Payload::screen_view("home")?, Uuid::new_v4);
//! assert_eq!(event.client_session.session_index, 1);
//! assert_eq!(event.client_session.event_index, Some(1));
//! assert_eq!(event.client_session.first_event_id, Some(stamp.id));
//! # Ok::<(), client_session_core::ScreenError>(())
//! ```

mod clock;
mod config;
mod entity;
mod event;
mod model;
mod screen;
mod state;
mod timestamp;
mod tracker_state;
mod user_id;
mod web;
mod web_state;

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use clock::SystemClock;
pub use clock::{Clock, ManualClock};
pub use config::{Config, Timeout};
pub use entity::{
    ClientSession, LifecycleEntity, SelfDescribing, StorageMechanism,
    APPLICATION_BACKGROUND_SCHEMA, APPLICATION_FOREGROUND_SCHEMA, APPLICATION_LIFECYCLE_SCHEMA,
    CLIENT_SESSION_SCHEMA, CONTEXTS_SCHEMA, MAX_INDEX,
};
pub use event::{EventStamp, Payload, TrackedEvent};
pub use model::{Durability, SessionModel};
pub use screen::{
    parse_screen_id, ListItemView, Screen, ScreenConfig, ScreenEnd, ScreenError, ScreenState,
    ScreenSummary, ScreenView, ScreenViewFields, ScrollChanged, ScrollFields,
    LIST_ITEM_VIEW_SCHEMA, SCREEN_END_SCHEMA, SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA,
    SCREEN_VIEW_SCHEMA, SCROLL_CHANGED_SCHEMA,
};
pub use state::{
    Forgotten, Opened, PersistedSession, PreviousRun, SessionRecord, SessionState, Snapshot,
};
pub use timestamp::{format_rfc3339_millis, UtcMillis};
pub use tracker_state::{Tracked, TrackerState};
pub use user_id::UserId;
pub use web::{
    expires_after, unix_seconds_rounded, SessionCookieExpiry, WebConfig, WebCookies, WebRules,
    WebSession, WebTracked, WebWrite, ID_COOKIE_LIFETIME_S,
};
pub use web_state::WebState;
