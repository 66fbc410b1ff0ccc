//! The native session store: sled 0.34 for the session records, a small file for the user.
//!
//! One data directory holds one installation:
//!
//! ```text
//! DATA_DIR/user-id       the installation's user id, written once, atomically
//! DATA_DIR/sessions/     the sled database: one record and one clean marker per namespace
//! DATA_DIR/checkpoints/  per namespace, the record as of its last new session (see below):
//!                        `ns-<hex of the namespace>` up to 64 bytes, longer ones in a slot
//!                        `nh-<hash>-<n>/` that also holds the full namespace
//! ```
//!
//! No part of a namespace is ever used as a path, so any namespace (`/`, `..`, NUL, any
//! Unicode, any length) stays inside the data directory and has its own checkpoint.
//!
//! Guarantees (spec B2): the user id never changes because of a damaged record or database;
//! the record is written after every event or batch and flushed before the first entity of a
//! new session is handed out, so a crash never repeats a session id or index; the clean marker
//! tells the next start whether this process died. A checkpoint of each new session, outside
//! the database, catches sled silently losing a damaged log tail: numbering resumes from it. A
//! damaged database directory is moved
//! aside and a fresh one opened (sled can panic on damaged files, so opening is guarded, and
//! such a panic prints nothing but the log line); so is anything of the wrong type where the
//! store expects a file or a directory, e.g. a directory named `user-id` or a file named
//! `sessions`. Everything moved aside keeps its contents under `<name>.damaged-<ms>-<n>`. A
//! checkpoint that cannot be written is logged at error level once per store. A database held
//! by another process is a typed [`StoreError::Locked`] naming the path.
//!
//! ```no_run
//! use client_session_store::SessionStore;
//! use client_session_store_sled::SledDatabase;
//! # async fn demo() -> Result<(), client_session_store::StoreError> {
//! let db = SledDatabase::open("./client-session-data")?;
//! let mut store = db.store("default");
//! let opened = store.open().await?;
//! println!("user {} stored {:?}", opened.user_id, opened.state);
//! # Ok(()) }
//! ```

mod checkpoint;
mod database;
mod files;
mod layout;
mod quiet_panic;
mod user_id;
mod watch;

pub use checkpoint::CHECKPOINT_DIR;
pub use client_session_store::StoreError;
pub use database::{SledDatabase, SledStore};
pub use user_id::USER_ID_FILE;
