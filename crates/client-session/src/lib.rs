//! Snowplow's mobile session model for Rust apps, in one dependency.
//!
//! Every event an app tracks gets a `client_session` entity (user id, session id and index,
//! previous session id, first event id and time, event index, storage mechanism) that is what
//! Snowplow's Android and iOS trackers send, so the events load into the same warehouse models.
//!
//! - **A desktop app** opens a [`DesktopTracker`] in its data directory. Sessions persist in
//!   sled and survive crashes without ever repeating a `(sessionId, eventIndex)` pair; window
//!   focus and minimise are [`foreground`](DesktopTracker::foreground) and
//!   [`background`](DesktopTracker::background).
//! - **Any other executor** (a UI thread behind FFI, the browser) starts a [`SessionActor`] with
//!   a store ([`MemoryStorage`], or its own [`store::SessionStore`]) and a [`Clock`], and spawns
//!   the actor's [`run`](SessionActor::run) future where it likes.
//!
//! Either way the app tracks through a cloneable [`SessionHandle`], gets each [`TrackedEvent`]
//! with its contexts back, and can [`subscribe`](SessionHandle::subscribe) to new sessions.
//!
//! ```
//! use client_session::{DesktopOptions, DesktopTracker, Event, Payload};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let options = DesktopOptions::for_app("com.example.notes"); // the platform's data folder
//! #   let dir = tempfile::tempdir()?;
//! #   let options = DesktopOptions::at_path(dir.path()); // a doctest keeps out of $HOME
//!     let tracker = DesktopTracker::open(options).await?;
//!     let event = tracker.handle().track(Event::new(Payload::screen_view("home"))).await?;
//!     assert_eq!(event.client_session.session_index, 1);
//!     println!("{}", serde_json::to_string(&event.contexts())?); // the `co` field
//!     tracker.shutdown().await?; // persisted and marked clean
//!     Ok(())
//! }
//! ```
//!
//! This crate only re-exports. The rules live in `client-session-core`, the actor in
//! `client-session-actor`, the stores in `client-session-store` and `client-session-store-sled`,
//! the desktop adapter in `client-session-desktop` (the workspace's `ARCHITECTURE.md` maps them).
//! The README says which `[dependencies]` lines an app needs; its code samples are compiled and
//! run as this crate's doctests.

// The desktop tracker: what a desktop app opens.
#[cfg(not(target_arch = "wasm32"))]
pub use client_session_desktop::{DataLocation, DesktopError, DesktopOptions, DesktopTracker};

// Tracking: the handle, what goes in and what comes back.
pub use client_session_actor::{
    ClientSession, Error, Event, Payload, SessionHandle, SessionSubscription, Snapshot,
    TrackedEvent,
};
pub use client_session_core::EventStamp;

// Configuration.
pub use client_session_core::{Config, Timeout};

// The actor itself, for executors other than the desktop tracker's tokio runtime.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use client_session_actor::SystemClock;
pub use client_session_actor::{Clock, EventSink, ManualClock, SessionActor};

// The memory store and the store's error.
pub use client_session_store::{MemoryStorage, StoreError};

pub mod store {
    //! What a storage backend implements, for apps that keep sessions somewhere of their own
    //! (Android's `SharedPreferences`, the browser's `localStorage`).
    //!
    //! A store serves one namespace: [`SessionStore::open`] hands the actor the user id, the
    //! stored session and how the previous run ended ([`PreviousRun`]); [`SessionStore::save`]
    //! and [`SessionStore::close`] keep what it gives back, with the tracker's time. [`record`]
    //! is the versioned byte encoding that byte-oriented backends share, so every backend reads
    //! every other's records.

    pub use client_session_core::{PersistedSession, PreviousRun, StorageMechanism, UserId};
    pub use client_session_store::{
        record, Durability, Loaded, MaybeSend, MemoryStorage, MemoryStore, Opened, SessionStore,
        StoreError,
    };
}

/// The README's code samples, compiled and run as doctests against this crate so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
