//! A copy of each namespace's record as of its last new session, kept outside the database.
//!
//! sled can lose a damaged log tail without reporting it: the database then opens with an older
//! record, or none. Session ids and indexes were handed out from the lost part, so starting from
//! what sled returns would number a session again. Every flushed save (the first event of a new
//! session) also writes this checkpoint, atomically; at open, a record older than the checkpoint
//! is logged as lost and the tracker resumes from the checkpoint, starting a new session, so
//! the numbering goes on and `previousSessionId` names the last session handed out.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use client_session_core::PersistedSession;
use client_session_store::record::{self, Decoded};
use client_session_store::StoreError;

use crate::files::write_atomically;

/// The folder of the checkpoints in the data directory.
pub const CHECKPOINT_DIR: &str = "checkpoints";

/// Namespaces up to this many bytes get a file named after them, `ns-<hex>`: at most 135
/// bytes with the `.tmp` of an atomic write, under every common file system's name limit
/// (eCryptfs allows 143). Longer ones get a slot, see [`path`].
const NAMED_MAX_BYTES: usize = 64;
/// How many namespaces sharing one name hash are told apart; more is an error.
const MAX_SLOTS: u32 = 1000;
/// In a slot: the namespace it belongs to, and its checkpoint.
const SLOT_NAMESPACE: &str = "namespace";
const SLOT_CHECKPOINT: &str = "checkpoint";

/// The checkpoint file of `namespace`. A namespace may hold any bytes (`/`, `..`, NUL, any
/// Unicode), so no part of it is ever used as a path: a short one is hex-encoded,
/// `checkpoints/ns-<hex>`. A longer one would make too long a file name, so it lives in a slot
/// directory `checkpoints/nh-<hash>-<n>/` that also holds the full namespace: a slot is used
/// only by the namespace written in it, so two namespaces with the same hash never share a
/// checkpoint. This only reads: the slot is the one holding `namespace`, or else a free one
/// ([`claim`] makes it).
pub(crate) fn path(data_dir: &Path, namespace: &str) -> PathBuf {
    let dir = data_dir.join(CHECKPOINT_DIR);
    if let Some(name) = short_name(namespace) {
        return dir.join(name);
    }
    for slot in slots(&dir, namespace) {
        match fs::read(slot.join(SLOT_NAMESPACE)) {
            Ok(owner) if owner == namespace.as_bytes() => return slot.join(SLOT_CHECKPOINT),
            // A slot without a name was never written to: ours or not, it holds no checkpoint.
            Err(e) if e.kind() == io::ErrorKind::NotFound && !slot.exists() => {
                return slot.join(SLOT_CHECKPOINT)
            }
            _ => {}
        }
    }
    dir.join(format!("nh-{:016x}-full", fnv1a(namespace.as_bytes())))
}

/// Makes the place of `namespace`'s checkpoint, claiming a slot for a long namespace (see
/// [`path`]), and returns the checkpoint's path.
pub(crate) fn claim(data_dir: &Path, namespace: &str) -> io::Result<PathBuf> {
    let dir = data_dir.join(CHECKPOINT_DIR);
    if let Some(name) = short_name(namespace) {
        fs::create_dir_all(&dir)?;
        return Ok(dir.join(name));
    }
    for slot in slots(&dir, namespace) {
        fs::create_dir_all(&slot)?;
        let name = slot.join(SLOT_NAMESPACE);
        // `create_new`: of two namespaces racing for one slot, exactly one gets it.
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&name)
        {
            Ok(mut file) => {
                file.write_all(namespace.as_bytes())?;
                file.sync_all()?;
                fs::File::open(&slot)?.sync_all()?;
                return Ok(slot.join(SLOT_CHECKPOINT));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if fs::read(&name)? == namespace.as_bytes() {
                    return Ok(slot.join(SLOT_CHECKPOINT));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "{MAX_SLOTS} other namespaces share this namespace's hash"
    )))
}

fn short_name(namespace: &str) -> Option<String> {
    (namespace.len() <= NAMED_MAX_BYTES).then(|| {
        let hex: String = namespace.bytes().map(|b| format!("{b:02x}")).collect();
        format!("ns-{hex}")
    })
}

fn slots<'a>(dir: &'a Path, namespace: &str) -> impl Iterator<Item = PathBuf> + 'a {
    let hash = fnv1a(namespace.as_bytes());
    (0..MAX_SLOTS).map(move |n| dir.join(format!("nh-{hash:016x}-{n}")))
}

/// FNV-1a, 64 bits: stable across builds and platforms (std's hasher is not), and only a
/// first guess: the slot's namespace file decides.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Keeps `state` as the namespace's checkpoint.
pub(crate) fn write(
    data_dir: &Path,
    namespace: &str,
    state: &PersistedSession,
) -> Result<(), StoreError> {
    let path = claim(data_dir, namespace).map_err(|source| StoreError::Io {
        path: data_dir.join(CHECKPOINT_DIR),
        source,
    })?;
    write_atomically(&path, &record::encode(state))
        .map_err(|source| StoreError::Io { path, source })
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
    fn a_long_namespace_skips_a_slot_another_namespace_holds() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(NAMED_MAX_BYTES + 1);
        let hash = fnv1a(long.as_bytes());
        // Another namespace with the same hash took the first slot.
        let taken = dir
            .path()
            .join(CHECKPOINT_DIR)
            .join(format!("nh-{hash:016x}-0"));
        fs::create_dir_all(&taken).unwrap();
        fs::write(taken.join(SLOT_NAMESPACE), b"someone else").unwrap();
        fs::write(taken.join(SLOT_CHECKPOINT), record::encode(&at(9, 9))).unwrap();

        assert_eq!(
            read(dir.path(), &long),
            None,
            "not someone else's checkpoint"
        );
        write(dir.path(), &long, &at(3, 3)).unwrap();
        let ours = path(dir.path(), &long);
        assert_eq!(
            ours.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy(),
            format!("nh-{hash:016x}-1")
        );
        assert_eq!(read(dir.path(), &long), Some(at(3, 3)));
        assert_eq!(
            claim(dir.path(), &long).unwrap(),
            ours,
            "claimed once, then found"
        );
        assert_eq!(
            fs::read(taken.join(SLOT_CHECKPOINT)).unwrap(),
            record::encode(&at(9, 9))
        );
    }

    #[test]
    fn the_name_hash_is_stable() {
        // FNV-1a test vectors: a checkpoint written by one build is found by the next.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn namespaces_map_to_safe_file_names() {
        let p = path(Path::new("/d"), "a/b c");
        assert_eq!(p, Path::new("/d/checkpoints/ns-612f622063"));
    }
}
