//! Where session state lives between events and across restarts.
//!
//! [`SessionStore`] is the one seam between the session actor and a storage backend. A store
//! serves one namespace; it hands the actor the installation's user id, the stored session
//! and how the previous process ended ([`PreviousRun`]), and it keeps what the actor gives it
//! back. This crate has the trait, the versioned record encoding every byte-oriented backend
//! shares ([`record`]) and the [`MemoryStore`]; `client-session-store-sled` is the native
//! backend. It builds for `wasm32`, where stores may hold `!Send` JavaScript values.

mod memory;
pub mod record;

use std::path::PathBuf;

use async_trait::async_trait;
use client_session_core::StorageMechanism;
pub use client_session_core::{Durability, Forgotten, Opened, PreviousRun, SessionModel};

pub use memory::{MemoryStorage, MemoryStore};

/// What [`SessionStore::load`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded<T> {
    /// Nothing outside this tracker can have changed the store since it last read or wrote it
    /// (a store only this tracker writes: memory, sled). The tracker goes on with what it has.
    Unchanged,
    /// What the store holds now, which others may have rewritten (cookies shared with other
    /// tabs and the JavaScript tracker).
    Current(T),
}

/// What the store of `S` reads at open: its rule set's [`SessionModel::Opened`].
pub type OpenedBy<S> = <<S as SessionStore>::Model as SessionModel>::Opened;
/// What the store of `S` reads before a batch: its rule set's [`SessionModel::Current`].
pub type CurrentOf<S> = <<S as SessionStore>::Model as SessionModel>::Current;
/// What the store of `S` keeps: its rule set's [`SessionModel::Stored`].
pub type StoredBy<S> = <<S as SessionStore>::Model as SessionModel>::Stored;

/// Errors a store reports. Unreadable records are not errors: they are logged and treated as
/// absent, so the app keeps tracking.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the database.
    #[error("the session database at {path} is locked by another process")]
    Locked {
        /// The database directory.
        path: PathBuf,
    },
    /// The file system refused an operation.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A record could not be encoded for storage.
    #[error("cannot encode the session record: {message}")]
    Encode {
        /// What the encoder said.
        message: String,
    },
    /// The cookie jar refused to read or write a cookie (a browser that blocks cookies, a
    /// cookie domain the page cannot set, a value too large).
    #[error("cookie {name}: {message}")]
    Cookie {
        /// The cookie's name.
        name: String,
        /// What the jar said.
        message: String,
    },
    /// The database engine reported an error.
    #[error("database error on {path}: {message}")]
    Database {
        /// The database directory.
        path: PathBuf,
        /// What the engine said.
        message: String,
    },
}

/// A session store for one namespace.
///
/// A store keeps the state of one rule set ([`Model`](Self::Model)): the mobile
/// [`SessionState`](client_session_core::SessionState) for memory and sled, the web
/// [`WebState`](client_session_core::WebState) for cookies. The actor owns its store and calls it
/// in this order: [`open`](Self::open) once, then for every batch [`load`](Self::load) before
/// it and [`save`](Self::save) after it (when the state changed), or
/// [`suspend`](Self::suspend) after a batch in which a mobile app went to the background, then
/// [`close`](Self::close) at a clean shutdown. Implementations on `wasm32` need not be `Send`.
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
pub trait SessionStore: MaybeSend + 'static {
    /// The rule set whose state this store keeps.
    type Model: SessionModel;

    /// What the entity's `storageMechanism` reports for this store.
    fn storage_mechanism(&self) -> StorageMechanism;

    /// Reads what a starting tracker needs at the tracker's clock `now_ms`. A mobile store
    /// first finishes a `clear_user_data` that a process ending in its middle left unfinished,
    /// so no part of the old user comes back; it then reads the user id (making it on first
    /// use), the stored session and the clean marker, and durably clears the marker, so that a
    /// process that dies from here on is seen as an unclean shutdown. A cookie store reads both
    /// cookies.
    async fn open(&mut self, now_ms: i64) -> Result<OpenedBy<Self>, StoreError>;

    /// Reads the store again before the tracker decides a batch, at the tracker's clock
    /// `now_ms` (cookies expire). Read, decide and write form one step: the actor calls `load`,
    /// applies the batch and calls [`save`](Self::save), and nothing else of this tracker
    /// touches the store in between.
    ///
    /// The default is for stores only this tracker writes: [`Loaded::Unchanged`], without I/O.
    /// A mobile store shared by namespaces reports [`Forgotten`] once after another
    /// namespace's tracker cleared the user data (spec B mobile, `clear_user_data`).
    async fn load(&mut self, now_ms: i64) -> Result<Loaded<CurrentOf<Self>>, StoreError> {
        let _ = now_ms;
        Ok(Loaded::Unchanged)
    }

    /// Keeps `state`, as far as `durability` asks. `now_ms` is the tracker's clock at the
    /// write (Unix ms), for stores whose records expire (a cookie's `Expires`); stores that do
    /// not need it ignore it. After a [`suspend`](Self::suspend), a store with a clean marker
    /// clears it in this save and makes that durable, whatever `durability` says.
    async fn save(
        &mut self,
        state: &StoredBy<Self>,
        now_ms: i64,
        durability: Durability,
    ) -> Result<(), StoreError>;

    /// The app went to the background, where Android and iOS end processes without warning
    /// (spec B2 "Mobile durability at background"): keeps `state` durably and sets the clean
    /// marker, as [`close`](Self::close) does, but the store stays open. A process killed from
    /// here on counts as a clean shutdown, so a later event must not be handed out until the
    /// next [`save`](Self::save) has cleared the marker again (durably: a state the marked one
    /// lacks would otherwise be continued, and its pairs repeated). `now_ms` as for `save`.
    ///
    /// The default, for stores with no marker (cookies), is a durable save.
    async fn suspend(&mut self, state: &StoredBy<Self>, now_ms: i64) -> Result<(), StoreError> {
        self.save(state, now_ms, Durability::Durable).await
    }

    /// Forgets the installation's user (spec B mobile, `clear_user_data`): deletes, not moves
    /// aside, its user id, every namespace's stored state and whatever the store ever kept of
    /// them, makes a new user id and returns what the store holds now, for the tracker to adopt
    /// as after a [`load`](Self::load): a mobile store answers [`Forgotten`] with the new user.
    /// It returns once that is durable; a process that ends in the middle leaves either the old
    /// user whole or a marker that the next [`open`](Self::open) finishes before reading
    /// anything. Other namespaces' stores on the same storage must not write their forgotten
    /// state afterwards: they report [`Forgotten`] at their next `load`.
    ///
    /// The default, for stores that keep no user to forget (cookies, for now), changes nothing
    /// and answers [`Loaded::Unchanged`].
    ///
    /// # Errors
    /// When nothing was forgotten (the store could not even begin): the user is kept whole.
    async fn clear_user_data(
        &mut self,
        now_ms: i64,
    ) -> Result<Loaded<CurrentOf<Self>>, StoreError> {
        let _ = now_ms;
        Ok(Loaded::Unchanged)
    }

    /// A clean shutdown: keeps `state`, sets the clean marker and makes both durable (a store
    /// without runs, such as cookies, has nothing left to do). `now_ms` as for
    /// [`save`](Self::save).
    async fn close(&mut self, state: &StoredBy<Self>, now_ms: i64) -> Result<(), StoreError>;
}

/// `Send` on native targets, where the actor runs on a multi-threaded runtime; nothing on
/// `wasm32`, where stores hold JavaScript values and the actor runs on the page's thread.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}
/// `Send` on native targets; nothing on `wasm32`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}
