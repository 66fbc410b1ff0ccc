//! Snowplow's mobile and web session models for Rust apps, in one dependency.
//!
//! Every event an app tracks gets a `client_session` entity (user id, session id and index,
//! previous session id, first event id and time, event index, storage mechanism) that is what
//! Snowplow's Android and iOS trackers send, or on the web what the JavaScript tracker sends, so
//! the events load into the same warehouse models.
//!
//! - **A desktop app** opens a [`DesktopTracker`] in its data directory. Sessions persist in
//!   sled and survive crashes without ever repeating a `(sessionId, eventIndex)` pair; window
//!   focus and minimise are [`foreground`](DesktopTracker::foreground) and
//!   [`background`](DesktopTracker::background).
//! - **Any other executor** (a UI thread behind FFI, the browser) starts a [`SessionActor`] with
//!   a store ([`MemoryStorage`], or its own [`store::SessionStore`]) and a [`Clock`], and spawns
//!   the actor's [`run`](SessionActor::run) future where it likes.
//! - **The web** uses the same actor on a [`web::CookieStore`]: the JavaScript tracker's two
//!   cookies in a cookie jar, shared with any JavaScript tracker on the site. The store decides
//!   the rule set: the mobile rules on memory and sled, the web rules on cookies.
//!
//! Either way the app tracks through a cloneable [`SessionHandle`], gets each [`TrackedEvent`]
//! with its contexts back, and can [`subscribe`](SessionHandle::subscribe) to new sessions.
//!
//! ```
//! use client_session::{DesktopOptions, DesktopTracker, ScreenView};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let options = DesktopOptions::for_app("com.example.notes"); // the platform's data folder
//! #   let dir = tempfile::tempdir()?;
//! #   let options = DesktopOptions::at_path(dir.path()); // a doctest keeps out of $HOME
//!     let tracker = DesktopTracker::open(options).await?;
//!     let sent = tracker.handle().screen_view(ScreenView::new("home")?).await?;
//!     let event = sent.event.ok_or("a screen view is always sent")?;
//!     assert_eq!(event.client_session.session_index, 1);
//!     println!("{}", serde_json::to_string(&event.contexts())?); // the `co` field
//!     tracker.shutdown().await?; // persisted and marked clean
//!     Ok(())
//! }
//! ```
//!
//! This crate only re-exports. The rules live in `client-session-core`, the actor in
//! `client-session-actor`, the stores in `client-session-store`, `client-session-store-sled` and
//! `client-session-store-cookie`, the desktop adapter in `client-session-desktop` (the
//! workspace's `ARCHITECTURE.md` maps them). The README says which `[dependencies]` lines an app
//! needs; its code samples are compiled and run as this crate's doctests.

// The desktop tracker: what a desktop app opens.
#[cfg(not(target_arch = "wasm32"))]
pub use client_session_desktop::{DataLocation, DesktopError, DesktopOptions, DesktopTracker};

// Tracking: the handle, what goes in and what comes back.
pub use client_session_actor::{
    ClientSession, Error, Event, Payload, SessionHandle, SessionSubscription, Snapshot, Tracked,
    TrackedEvent,
};
pub use client_session_core::EventStamp;

// Screens (spec A5): what a screen view, a list item and a scroll say, and the entities.
pub use client_session_core::{
    ListItemView, Screen, ScreenError, ScreenSummary, ScreenView, ScrollChanged,
};

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
    //! A store serves one namespace and names the rule set whose state it keeps
    //! ([`SessionStore::Model`], a [`SessionModel`]): the mobile [`SessionState`] for memory and
    //! sled, the web [`WebState`](crate::web::WebState) for cookies. The actor runs that rule
    //! set. [`SessionStore::open`] hands the actor what a starting tracker reads ([`OpenedBy`]:
    //! for the mobile rules an [`Opened`], the user id, the stored session and how the previous
    //! run ended, [`PreviousRun`]); [`SessionStore::load`] reads again before every batch
    //! ([`Loaded::Unchanged`] without I/O for a store only this tracker writes, else
    //! [`Loaded::Current`] with [`CurrentOf`]); [`SessionStore::save`] and
    //! [`SessionStore::close`] keep what it gives back ([`StoredBy`]), with the tracker's time
    //! and, for `save`, the [`Durability`] the rule set asks. [`SessionStore::clear_user_data`]
    //! forgets the user (a mobile store deletes it and every namespace's state, and answers
    //! [`Forgotten`] with the new user, which it also reports to the other namespaces' trackers
    //! at their next `load`). [`record`] is the versioned byte
    //! encoding of the mobile state that byte-oriented backends share, so every backend reads
    //! every other's records.

    pub use client_session_core::{
        Durability, Forgotten, Opened, PersistedSession, PreviousRun, SessionModel, SessionRecord,
        SessionState, StorageMechanism, UserId,
    };
    pub use client_session_store::{
        record, CurrentOf, Loaded, MaybeSend, MemoryStorage, MemoryStore, OpenedBy, SessionStore,
        StoreError, StoredBy,
    };
}

pub mod web {
    //! The web session model: Snowplow's JavaScript tracker (4.x) keeps its session in two
    //! cookies, `_sp_id.<hash>` and `_sp_ses.<hash>`, and a tracker on a [`CookieStore`] reads
    //! and writes the same two, so pages running either tracker on one site share one user and
    //! one session.
    //!
    //! Start a [`SessionActor`](crate::SessionActor) on a [`CookieStore`] over a [`CookieJar`]
    //! (the browser's `document.cookie`, or [`NativeJar`], an in-memory RFC 6265 jar; a
    //! [`SharedJar`] lets a test or a second tracker use the same jar) with the JavaScript
    //! tracker's cookie domain, path and prefix ([`CookieOptions`]); the actor then runs the
    //! web rules ([`WebState`] over [`WebRules`]). The README's "The web" has an example.
    //!
    //! The rest is for integrations: a jar of one's own implements [`CookieJar`] (with
    //! [`CookieAttributes`] and [`SameSite`]) and reports [`JarError`]s; [`CookieNames`] gives the
    //! two cookies' names, [`SpId`] encodes and decodes `_sp_id` (a [`WebSession`], or an
    //! [`SpIdError`] naming the malformed field); [`WebCookies`] is what the rules read and
    //! [`WebWrite`] what they decide to write.

    pub use client_session_core::{WebCookies, WebRules, WebSession, WebState, WebWrite};
    pub use client_session_store_cookie::{
        CookieAttributes, CookieJar, CookieNames, CookieOptions, CookieStore, JarError, NativeJar,
        Page, SameSite, SharedJar, SpId, SpIdError,
    };
}

/// The README's code samples, compiled and run as doctests against this crate so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
