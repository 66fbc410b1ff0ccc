//! The native session store: sled 0.34 for the session records, small files beside it.
//!
//! One data directory holds one installation:
//!
//! ```text
//! DATA_DIR/user-id       the installation's user id, written once, atomically
//! DATA_DIR/sessions/     the sled database: per namespace a record, a clean marker, a run generation
//! DATA_DIR/checkpoints/  per namespace, a second copy of its state in two fixed slots:
//!                        `ns-<hex of the namespace>` up to 64 bytes, longer ones in a slot
//!                        folder `nh-<hash>-<n>/` that also holds the full namespace
//! DATA_DIR/forgetting    only while `clear_user_data` deletes the user (or after a process
//!                        ended during it: the next open finishes it first)
//! ```
//!
//! Guarantees (spec B2):
//! - the user id never changes because of a damaged record or database;
//! - the record is written after every batch and flushed, with its checkpoint, before the first
//!   entity of a new session is handed out; a run that dies is seen as unclean at the next open;
//! - a suspension (a mobile app went to the background) is a clean close that keeps the store
//!   open: a run that dies from there on is seen as clean, until the next save clears the
//!   marker again, durably, under a new run generation;
//! - sled losing or damaging any part of what a run wrote, or refusing writes after a full
//!   disk, never hands out a `(sessionId, eventIndex)` pair or a `sessionIndex` twice: the
//!   checkpoint and the run generations decide what to resume (the `checkpoint` module), and
//!   sled is reopened after a failed write;
//! - on a clock before 1970, where sled cannot start, the checkpoints alone keep the state;
//! - a damaged database, and anything of the wrong type where the store expects a file or a
//!   directory, is moved aside (`<name>.damaged-<ms>-<n>`, contents kept), logged and replaced;
//!   a sled panic on damaged files is caught without printing anything but the log line;
//! - no part of a namespace is ever used as a path, so any namespace stays inside the data
//!   directory and has its own checkpoint;
//! - a database held by another process is a typed [`StoreError::Locked`] naming the path;
//! - `clear_user_data` (spec B mobile) deletes, and does not move aside, the user id, the
//!   database (every namespace's record, and the records kept aside in it), the checkpoints and
//!   every copy kept aside after damage, then makes a new user id. It is the one time the store
//!   destroys anything and the user id changes on purpose. A marker written first makes it
//!   all or nothing across a crash: killed before the marker is on disk, the old user is whole;
//!   after, the next open finishes the deletion before it reads anything. Other namespaces'
//!   stores of the same process never write their forgotten state, and their trackers adopt
//!   the new user at their next batch.
//!
//! [`inspect()`] reads a data directory without repairing or changing anything in it.
//!
//! ```no_run
//! use client_session_store::SessionStore;
//! use client_session_store_sled::SledDatabase;
//! # async fn demo() -> Result<(), client_session_store::StoreError> {
//! let db = SledDatabase::open("./client-session-data")?;
//! let mut store = db.store("default");
//! let opened = store.open(0).await?;
//! println!("user {} stored {:?}", opened.user_id, opened.state);
//! # Ok(()) }
//! ```

mod checkpoint;
mod database;
mod files;
mod forget;
mod inspect;
mod layout;
mod private;
mod quiet_panic;
mod user_id;

pub use checkpoint::CHECKPOINT_DIR;
pub use client_session_store::StoreError;
pub use database::{SledDatabase, SledStore};
pub use forget::FORGETTING_FILE;
pub use inspect::{inspect, CheckpointView, DatabaseView, Inspection, UserIdFile};
pub use user_id::USER_ID_FILE;
