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
use client_session_core::{PersistedSession, PreviousRun, StorageMechanism, UserId};

pub use memory::{MemoryStorage, MemoryStore};

/// What a store hands the actor when a tracker starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The installation's user id: made once, never changed by a damaged session record.
    pub user_id: UserId,
    /// The stored session, `None` when there is none or it could not be read.
    pub state: Option<PersistedSession>,
    /// How the previous tracker on this namespace ended: [`PreviousRun::Clean`] after a clean
    /// shutdown, [`PreviousRun::Unclean`] after one that died (a crash, `kill -9`), and
    /// [`PreviousRun::NotApplicable`] for stores without runs (cookies: a page load is the
    /// restart, and the stored session is live state).
    pub previous_run: PreviousRun,
}

/// What [`SessionStore::load`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// Nothing outside this tracker can have changed the store since it last read or wrote it
    /// (a store only this tracker writes: memory, sled). The tracker goes on with what it has.
    Unchanged,
    /// What the store holds now, which others may have rewritten (cookies shared with other
    /// tabs and the JavaScript tracker).
    Current {
        /// The user id the store holds now.
        user_id: UserId,
        /// The stored session, `None` when there is none (expired, deleted) or it is unreadable.
        state: Option<PersistedSession>,
    },
}

/// How far [`SessionStore::save`] must take a write before it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// On stable storage before `save` returns: the batch started a session, whose first entity
    /// must not leave the tracker before it is kept.
    Durable,
    /// May still be buffered; a crash can lose it (the next start then sees an unclean previous
    /// run and rotates the session).
    Buffered,
}

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
/// The actor owns its store and calls it in this order: [`open`](Self::open) once, then for
/// every batch [`load`](Self::load) before it and [`save`](Self::save) after it (when the state
/// changed), then [`close`](Self::close) at a clean shutdown. Implementations on `wasm32` need not be `Send`.
#[cfg_attr(target_arch = "wasm32", async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait)]
pub trait SessionStore: MaybeSend + 'static {
    /// What the entity's `storageMechanism` reports for this store.
    fn storage_mechanism(&self) -> StorageMechanism;

    /// Reads the user id (making it on first use), the stored session and the clean marker,
    /// then durably clears the marker, so that a process that dies from here on is seen as
    /// an unclean shutdown.
    async fn open(&mut self) -> Result<Opened, StoreError>;

    /// Reads the store again before the tracker decides a batch, at the tracker's clock
    /// `now_ms` (a store whose records expire needs it). Read, decide and write form one step:
    /// the actor calls `load`, applies the batch and calls [`save`](Self::save), and nothing
    /// else of this tracker touches the store in between.
    ///
    /// The default is for stores only this tracker writes: [`Loaded::Unchanged`], without I/O.
    async fn load(&mut self, now_ms: i64) -> Result<Loaded, StoreError> {
        let _ = now_ms;
        Ok(Loaded::Unchanged)
    }

    /// Keeps `state`, as far as `durability` asks. `now_ms` is the tracker's clock at the
    /// write (Unix ms), for stores whose records expire (a cookie's `Expires`); stores that do
    /// not need it ignore it.
    async fn save(
        &mut self,
        state: &PersistedSession,
        now_ms: i64,
        durability: Durability,
    ) -> Result<(), StoreError>;

    /// Keeps `state`, sets the clean marker and makes both durable. `now_ms` as for
    /// [`save`](Self::save).
    async fn close(&mut self, state: &PersistedSession, now_ms: i64) -> Result<(), StoreError>;
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
