//! What the Android (JNI) and iOS (C ABI) adapters share: one tracker API made for a UI thread.
//!
//! A [`MobileTracker`] runs the shared session actor on a thread the library owns, with sled in
//! the app's data directory. Every call returns without waiting on storage: the handle exists
//! before the store is open, every call goes through the actor's one ordered queue, and events
//! reach the app's [`Listener`] on the library's thread, in order, once persisted. Input and
//! output are JSON, so each binding only moves strings across its boundary:
//!
//! - the configuration: [`TrackerConfig`], in the Android tracker's names;
//! - an event to track: [`EventInput`] (`{"type": "screen_view", "name": "home"}`);
//! - a tracked event: [`event_json`] (its name, id, `dtm`, the self-describing `ue_pr` and the
//!   `co` contexts);
//! - a session: the `client_session` entity's data.
//!
//! ```
//! use client_session_mobile::{Listener, MobileTracker};
//!
//! struct Print;
//! impl Listener for Print {
//!     fn on_event(&mut self, event_json: &str) { println!("{event_json}") }
//!     fn on_session(&mut self, session_json: &str) { println!("{session_json}") }
//! }
//!
//! let dir = tempfile::tempdir().unwrap();
//! let tracker = MobileTracker::create("app", dir.path(), r#"{"foregroundTimeout": 600}"#, Box::new(Print)).unwrap();
//! let id = tracker.track_json(r#"{"type": "screen_view", "name": "home"}"#).unwrap();
//! assert_eq!(id.to_string().len(), 36);
//! tracker.background().unwrap();
//! tracker.close().unwrap();
//! tracker.wait_closed(std::time::Duration::from_secs(10)).unwrap();
//! ```

mod config;
mod delay;
mod json;
mod tracker;

pub use config::{TestOptions, TrackerConfig};
pub use json::{event_json, session_json, EventInput};
pub use tracker::{Listener, MobileTracker};

/// Why a call failed. Each binding turns it into its platform's error (a Java exception, a C
/// status code and message).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MobileError {
    /// The configuration JSON is malformed or names an unknown key.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The event JSON is malformed, of an unknown type, or misses or misplaces a field.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// The tracker was closed; nothing more can be done with it.
    #[error("the tracker is closed")]
    Closed,
    /// The session actor failed: its store could not be opened, or it has shut down.
    #[error(transparent)]
    Session(#[from] client_session_actor::Error),
    /// The test clock was set on a tracker created without one.
    #[error("this tracker was created without a test clock")]
    NoTestClock,
    /// The library's thread could not be started, or did not end in time.
    #[error("the tracker's thread: {0}")]
    Thread(String),
}
