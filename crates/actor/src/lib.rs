//! The session actor: the one owner of a tracker's session state and store.
//!
//! [`SessionActor::start`] opens the store and restores the state; it returns a cloneable
//! [`SessionHandle`] and the actor, whose [`run`](SessionActor::run) future the platform
//! spawns on its own executor (`tokio::spawn` natively, `wasm_bindgen_futures::spawn_local` in
//! the browser). The actor needs only tokio's `sync` channels, so it runs anywhere.
//!
//! A UI thread that must not wait for storage takes [`SessionActor::mailbox`] instead: a handle
//! at once, and a [`Mailbox`] that keeps its calls, in order, until [`SessionActor::open`] has
//! opened the store (on the platform's own thread).
//!
//! Handles send messages over one unbounded channel, in call order, and await replies on
//! oneshots. Every call also has a never-blocking `*_nowait` form that goes through the same
//! queue; events then reach the app through an [`EventSink`].
//! The actor processes what is queued as one batch and writes the store once per batch. A
//! batch in which a session started is flushed to disk before any of its replies, so an entity
//! that starts a session is never handed out before it is durable; other batches reply first
//! and write after, since that write is not forced to disk either way. A batch in which a
//! mobile app went to the background suspends the store before its replies (the state durable,
//! the shutdown marked clean: Android and iOS kill backgrounded apps without warning), and the
//! next write is flushed before its replies, clearing the mark (spec B2).
//!
//! ```
//! use std::sync::Arc;
//! use client_session_actor::{Event, ManualClock, SessionActor};
//! use client_session_core::{Config, Payload};
//! use client_session_store::MemoryStorage;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let clock = ManualClock::new(1_700_000_000_000);
//! let store = MemoryStorage::new().store("default");
//! let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(clock.clone())).await.unwrap();
//! let task = tokio::spawn(actor.run());
//!
//! let home = handle.track(Event::new(Payload::screen_view("home").unwrap())).await.unwrap();
//! assert_eq!(home.event.unwrap().client_session.session_index, 1);
//! clock.advance(1_800_001);
//! // The next screen view ends "home" first: that `screen_end` starts session 2.
//! let later = handle.track(Event::new(Payload::screen_view("cart").unwrap())).await.unwrap();
//! let end = later.screen_end.unwrap();
//! assert_eq!(end.client_session.session_index, 2);
//! assert_eq!(&*end.screen.unwrap().name, "home");
//!
//! handle.shutdown().await.unwrap();
//! task.await.unwrap();
//! # });
//! ```

mod actor;
mod handle;
mod sink;

pub use actor::{Mailbox, SessionActor};
// The clock seam lives in the core (stores need it too); re-exported here so the actor's
// paths keep working.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use client_session_core::SystemClock;
pub use client_session_core::{Clock, ManualClock};
pub use handle::{Event, SessionHandle, SessionSubscription};
pub use sink::EventSink;

pub use client_session_core::{
    ClientSession, ListItemView, Payload, ScreenView, ScrollChanged, Snapshot, Tracked,
    TrackedEvent,
};

/// Errors a [`SessionHandle`] returns. Cheap to clone, so one failure can answer every
/// caller waiting on it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The actor has shut down (explicitly, or because its task ended).
    #[error("the session actor has shut down")]
    ShutDown,
    /// The store failed while the tracker was starting or shutting down.
    #[error(transparent)]
    Store(std::sync::Arc<client_session_store::StoreError>),
    /// A caller-given event id is not a UUID.
    #[error("event id {0:?} is not a UUID")]
    InvalidEventId(String),
}

impl From<client_session_store::StoreError> for Error {
    fn from(e: client_session_store::StoreError) -> Self {
        Self::Store(std::sync::Arc::new(e))
    }
}
