//! A copy of each namespace's record as of its last new session, kept outside the database.
//!
//! sled can lose a damaged log tail without reporting it: the database then opens with an older
//! record, or none. Session ids and indexes were handed out from the lost part, so starting from
//! what sled returns would number a session again. Every flushed save (the first event of a new
//! session) also writes this checkpoint, atomically; at open, a record older than the checkpoint
//! is logged as lost and the tracker resumes from the checkpoint, starting a new session, so
//! the numbering goes on and `previousSessionId` names the last session handed out.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use client_session_core::PersistedSession;
use client_session_store::record::{self, Decoded};
use client_session_store::StoreError;

use crate::files::write_atomically;

/// The folder of the checkpoints in the data directory.
pub const CHECKPOINT_DIR: &str = "checkpoints";

/// The checkpoint file of `namespace` (hex-encoded: a namespace may hold any character).
pub(crate) fn path(data_dir: &Path, namespace: &str) -> PathBuf {
    let name: String = namespace.bytes().map(|b| format!("{b:02x}")).collect();
    data_dir.join(CHECKPOINT_DIR).join(format!("ns-{name}"))
}

/// Keeps `state` as the namespace's checkpoint.
pub(crate) fn write(
    data_dir: &Path,
    namespace: &str,
    state: &PersistedSession,
) -> Result<(), StoreError> {
    let path = path(data_dir, namespace);
    let io_error = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io_error)?;
    }
    write_atomically(&path, &record::encode(state)).map_err(io_error)
}

/// The namespace's checkpoint; `None` when there is none or it cannot be read (logged).
pub(crate) fn read(data_dir: &Path, namespace: &str) -> Option<PersistedSession> {
    let path = path(data_dir, namespace);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read the session checkpoint");
            return None;
        }
    };
    match record::decode(&bytes) {
        Decoded::Current(state) => Some(state),
        Decoded::Newer(version) => {
            tracing::warn!(path = %path.display(), version, "the session checkpoint is from a newer format; ignoring it");
            None
        }
        Decoded::Unreadable(reason) => {
            tracing::warn!(path = %path.display(), %reason, "the session checkpoint is unreadable; ignoring it");
            None
        }
    }
}

/// What to resume from: the database's record, unless the checkpoint shows that the database
/// lost sessions that were handed out. Then the checkpoint, with a new session requested.
pub(crate) fn reconcile(
    namespace: &str,
    stored: Option<PersistedSession>,
    checkpoint: Option<PersistedSession>,
) -> Option<PersistedSession> {
    let Some(checkpointed) = checkpoint.and_then(|c| c.session) else {
        return stored;
    };
    let current = stored.and_then(|s| s.session);
    let lost = match current {
        None => true,
        Some(s) => {
            s.session_index < checkpointed.session_index
                || (s.session_index == checkpointed.session_index
                    && s.session_id != checkpointed.session_id)
        }
    };
    if !lost {
        return stored;
    }
    tracing::error!(
        namespace,
        database_index = current.map(|s| s.session_index),
        checkpoint_index = checkpointed.session_index,
        "the session database lost sessions that were handed out (damaged or rolled back); resuming from the checkpoint with a new session"
    );
    Some(PersistedSession {
        session: Some(checkpointed),
        new_session_requested: true,
        anonymous: checkpoint.is_some_and(|c| c.anonymous),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use client_session_core::SessionRecord;
    use uuid::Uuid;

    fn at(index: u32, id: u128) -> PersistedSession {
        PersistedSession {
            session: Some(SessionRecord {
                session_id: Uuid::from_u128(id),
                session_index: index,
                previous_session_id: None,
                first_event_id: Uuid::from_u128(id + 100),
                first_event_timestamp_ms: 0,
                event_index: 1,
                last_update_ms: 0,
            }),
            new_session_requested: false,
            anonymous: false,
        }
    }

    #[test]
    fn the_database_wins_when_it_is_as_new_or_newer() {
        assert_eq!(
            reconcile("ns", Some(at(3, 3)), Some(at(3, 3))),
            Some(at(3, 3))
        );
        assert_eq!(
            reconcile("ns", Some(at(4, 4)), Some(at(3, 3))),
            Some(at(4, 4))
        );
        assert_eq!(reconcile("ns", Some(at(4, 4)), None), Some(at(4, 4)));
        assert_eq!(reconcile("ns", None, None), None);
    }

    #[test]
    fn a_lost_or_older_record_resumes_from_the_checkpoint_with_a_new_session() {
        let resumed = PersistedSession {
            new_session_requested: true,
            ..at(3, 3)
        };
        assert_eq!(reconcile("ns", None, Some(at(3, 3))), Some(resumed));
        assert_eq!(
            reconcile("ns", Some(at(2, 2)), Some(at(3, 3))),
            Some(resumed)
        );
        assert_eq!(
            reconcile("ns", Some(PersistedSession::default()), Some(at(3, 3))),
            Some(resumed)
        );
        assert_eq!(
            reconcile("ns", Some(at(3, 9)), Some(at(3, 3))),
            Some(resumed),
            "same index, other id"
        );
    }

    #[test]
    fn namespaces_map_to_safe_file_names() {
        let p = path(Path::new("/d"), "a/b c");
        assert_eq!(p, Path::new("/d/checkpoints/ns-612f622063"));
    }
}
