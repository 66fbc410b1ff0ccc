//! A read-only look at a data directory: what it holds, damage included, without changing it.
//!
//! [`SledDatabase::open`](crate::SledDatabase::open) repairs what it finds (it creates the user
//! id, moves a damaged database aside), and sled writes to a database as it opens it. So
//! [`inspect`] never opens anything in the data directory for writing: it reads the user id
//! file, checks sled's lock, copies `sessions/` into a temporary directory and opens the copy.
//! Damage is reported as data, never repaired.

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::io;
use std::path::Path;

use client_session_core::UserId;
use client_session_store::record::{self, Decoded};
use client_session_store::StoreError;

use crate::checkpoint::{self, Parsed};
use crate::database::{self, OpenFailure};
use crate::files::read_at_most;
use crate::{quiet_panic, user_id, CHECKPOINT_DIR, USER_ID_FILE};

/// How much of a long namespace's name `inspect` reads back from its checkpoint slot.
const NAMESPACE_SHOWN: usize = 1 << 20;

/// A user id file holds 37 bytes; reading much more than that only costs memory.
/// sled nests its files two levels deep; anything far deeper is not a sled database.
const COPY_DEPTH_LIMIT: usize = 8;

/// What [`inspect`] found in a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The user id file.
    pub user_id: UserIdFile,
    /// The sled database (`sessions/`) and the records in it.
    pub database: DatabaseView,
    /// Every file under `checkpoints/`, by file name.
    pub checkpoints: BTreeMap<String, CheckpointView>,
    /// Entries of the data directory that an earlier open moved aside as damaged
    /// (`sessions.damaged-…`, `user-id.damaged-…`), by name.
    pub kept_aside: Vec<String>,
}

/// The state of the user id file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserIdFile {
    /// It holds this user id.
    Present(UserId),
    /// There is none yet: the next tracker makes one.
    Absent,
    /// It cannot be used (the next tracker moves it aside and makes a new user); why.
    Damaged(String),
}

/// The state of the sled database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseView {
    /// There is no `sessions/` yet.
    Absent,
    /// sled cannot read it (the next tracker moves it aside and starts a fresh one); why.
    Damaged(String),
    /// sled reads it: every namespace's stored record, decoded.
    Readable(BTreeMap<String, Decoded>),
}

/// One file under `checkpoints/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointView {
    /// The namespace it belongs to, when the database names one whose checkpoint this is.
    pub namespace: Option<String>,
    /// Its record, decoded; `Unreadable` also when the file cannot be read.
    pub record: Decoded,
    /// The run that wrote it (`None` for the first checkpoint format, which had none).
    pub generation: Option<u64>,
    /// Whether that run closed cleanly (`None` for the first format).
    pub clean: Option<bool>,
}

/// Reads the data directory `dir` without changing it: no file is created, written, moved or
/// removed there. Damage is part of the answer, not an error.
///
/// # Errors
/// [`StoreError::Locked`] when a tracker holds the database: its files are changing, so a copy
/// would be torn. [`StoreError::Io`] when `dir` is not a directory, something in it cannot be
/// read for a reason other than damage (permissions), or the temporary copy cannot be made.
pub fn inspect(dir: impl AsRef<Path>) -> Result<Inspection, StoreError> {
    let dir = dir.as_ref();
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Io { path, source }
    };
    let meta = fs::metadata(dir).map_err(io_error(dir))?;
    if !meta.is_dir() {
        return Err(io_error(dir)(io::Error::new(
            io::ErrorKind::NotADirectory,
            "not a data directory",
        )));
    }
    let user_id = read_user_id(&dir.join(USER_ID_FILE))?;
    let database = read_database(&dir.join(database::DB_DIR))?;
    let checkpoints = read_checkpoints(dir, &database)?;
    let kept_aside = kept_aside(dir)?;
    Ok(Inspection {
        user_id,
        database,
        checkpoints,
        kept_aside,
    })
}

fn read_user_id(path: &Path) -> Result<UserIdFile, StoreError> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(UserIdFile::Absent),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_owned(),
                source,
            })
        }
    };
    // Only a regular file is opened: reading a FIFO or a device could block or never end.
    if !meta.is_file() {
        return Ok(UserIdFile::Damaged(format!(
            "not a regular file ({})",
            kind(&meta)
        )));
    }
    let bytes = read_at_most(path, user_id::MAX_BYTES).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(match user_id::parse(&bytes) {
        Some(id) => UserIdFile::Present(id),
        None => UserIdFile::Damaged("holds no UUID".to_owned()),
    })
}

fn read_database(db_dir: &Path) -> Result<DatabaseView, StoreError> {
    let meta = match fs::metadata(db_dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(DatabaseView::Absent),
        Err(source) => {
            return Err(StoreError::Io {
                path: db_dir.to_owned(),
                source,
            })
        }
    };
    if !meta.is_dir() {
        return Ok(DatabaseView::Damaged(format!(
            "{} is not a directory ({})",
            database::DB_DIR,
            kind(&meta)
        )));
    }
    ensure_unlocked(db_dir)?;
    let copy = tempfile::Builder::new()
        .prefix("client-session-inspect-")
        .tempdir()
        .map_err(|source| StoreError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let copied = copy.path().join(database::DB_DIR);
    if let Err(reason) = copy_tree(db_dir, &copied, 0)? {
        return Ok(DatabaseView::Damaged(reason));
    }
    // A tracker that started during the copy may have torn it: say so rather than report damage.
    ensure_unlocked(db_dir)?;
    let view = read_copy(&copied);
    if let Err(e) = copy.close() {
        tracing::warn!(error = %e, "cannot remove the temporary copy of the session database");
    }
    Ok(view)
}

/// sled holds an exclusive `flock` on `sessions/db` while it has the database open; a shared
/// lock that we can take (and drop at once) means no tracker has it.
fn ensure_unlocked(db_dir: &Path) -> Result<(), StoreError> {
    let lock_file = db_dir.join("db");
    match fs::metadata(&lock_file) {
        Ok(meta) if meta.is_file() => {}
        // No database file (or a damaged one that no sled can have locked): nothing holds it.
        _ => return Ok(()),
    }
    let file = File::open(&lock_file).map_err(|source| StoreError::Io {
        path: lock_file.clone(),
        source,
    })?;
    match file.try_lock_shared() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
            path: db_dir.to_owned(),
        }),
        Err(TryLockError::Error(e)) => {
            // Some file systems have no locks; the copy is still worth reading.
            tracing::warn!(path = %lock_file.display(), error = %e, "cannot check whether a tracker holds the database");
            Ok(())
        }
    }
}

/// Copies the directory `from` to `to`, following symbolic links, so that sled can open the
/// copy. `Ok(Err(reason))` when the tree holds something no sled database holds.
fn copy_tree(from: &Path, to: &Path, depth: usize) -> Result<Result<(), String>, StoreError> {
    if depth > COPY_DEPTH_LIMIT {
        return Ok(Err(format!("{} is nested too deep", from.display())));
    }
    fs::create_dir(to).map_err(|source| StoreError::Io {
        path: to.to_owned(),
        source,
    })?;
    let read_error = |source| StoreError::Io {
        path: from.to_owned(),
        source,
    };
    for entry in fs::read_dir(from).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let meta = match fs::metadata(&source) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Err(format!("{} is a dangling link", source.display())))
            }
            Err(source_error) => {
                return Err(StoreError::Io {
                    path: source,
                    source: source_error,
                })
            }
        };
        if meta.is_dir() {
            if let Err(reason) = copy_tree(&source, &target, depth + 1)? {
                return Ok(Err(reason));
            }
        } else if meta.is_file() {
            fs::copy(&source, &target).map_err(|e| StoreError::Io {
                path: source.clone(),
                source: e,
            })?;
        } else {
            return Ok(Err(format!(
                "{} is not a file or directory ({})",
                source.display(),
                kind(&meta)
            )));
        }
    }
    Ok(Ok(()))
}

/// Opens the copy with sled and reads every namespace's record. sled can panic on damaged files
/// while reading as well as while opening, so the whole read is guarded.
fn read_copy(copied: &Path) -> DatabaseView {
    let db = match database::try_open(copied) {
        Ok(db) => db,
        Err(OpenFailure::Damaged(reason)) => return DatabaseView::Damaged(reason),
        // The copy is ours alone: an I/O error opening it comes from what was copied (a
        // directory where sled wants its file, say).
        Err(OpenFailure::Io(e)) => return DatabaseView::Damaged(e.to_string()),
        Err(OpenFailure::Locked) => {
            return DatabaseView::Damaged("sled could not lock a private copy".to_owned())
        }
    };
    let scanned = quiet_panic::catch(move || {
        let mut out = BTreeMap::new();
        for entry in db.scan_prefix(database::Keys::SESSION) {
            let (key, value) = entry.map_err(|e| e.to_string())?;
            let namespace =
                String::from_utf8_lossy(&key[database::Keys::SESSION.len()..]).into_owned();
            out.insert(namespace, record::decode(&value));
        }
        drop(db);
        Ok::<_, String>(out)
    });
    match scanned {
        Ok(Ok(namespaces)) => DatabaseView::Readable(namespaces),
        Ok(Err(reason)) => DatabaseView::Damaged(reason),
        Err(panic) => DatabaseView::Damaged(format!("sled panicked: {panic}")),
    }
}

fn read_checkpoints(
    dir: &Path,
    database: &DatabaseView,
) -> Result<BTreeMap<String, CheckpointView>, StoreError> {
    let checkpoint_dir = dir.join(CHECKPOINT_DIR);
    let entries = match fs::read_dir(&checkpoint_dir) {
        Ok(entries) => entries,
        // Absent, or a file where the folder should be: either way there are no checkpoints.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(BTreeMap::new())
        }
        Err(source) => {
            return Err(StoreError::Io {
                path: checkpoint_dir,
                source,
            })
        }
    };
    let owners: BTreeMap<_, _> = match database {
        DatabaseView::Readable(namespaces) => namespaces
            .keys()
            .map(|ns| (checkpoint::path(dir, ns), ns.clone()))
            .collect(),
        DatabaseView::Absent | DatabaseView::Damaged(_) => BTreeMap::new(),
    };
    let mut out = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|source| StoreError::Io {
            path: checkpoint_dir.clone(),
            source,
        })?;
        let mut path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // A long namespace's checkpoint lives in a slot folder that also names the namespace.
        let mut namespace = owners.get(&path).cloned();
        if name.starts_with("nh-") && fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            namespace = read_at_most(&path.join(checkpoint::SLOT_NAMESPACE), NAMESPACE_SHOWN)
                .ok()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
            path = path.join(checkpoint::SLOT_CHECKPOINT);
        }
        let (record, run) = read_checkpoint(&path);
        let view = CheckpointView {
            namespace,
            record,
            generation: run.map(|(generation, _)| generation),
            clean: run.map(|(_, clean)| clean),
        };
        out.insert(name, view);
    }
    Ok(out)
}

/// The checkpoint's record, and its generation and clean flag when its format has them.
fn read_checkpoint(path: &Path) -> (Decoded, Option<(u64, bool)>) {
    let bytes = match fs::metadata(path) {
        Ok(meta) if meta.is_file() => match read_at_most(path, checkpoint::MAX_FILE_BYTES) {
            Ok(bytes) => bytes,
            Err(e) => return (Decoded::Unreadable(format!("cannot read: {e}")), None),
        },
        Ok(meta) => {
            let why = format!("not a regular file ({})", kind(&meta));
            return (Decoded::Unreadable(why), None);
        }
        Err(e) => return (Decoded::Unreadable(format!("cannot read: {e}")), None),
    };
    match checkpoint::parse(&bytes) {
        Parsed::Slot { checkpoint, .. } => (
            Decoded::Current(checkpoint.state),
            Some((checkpoint.generation, checkpoint.clean)),
        ),
        Parsed::FirstFormat(decoded) => (decoded, None),
        Parsed::NoWholeSlot => (
            Decoded::Unreadable("both slots torn or foreign".to_owned()),
            None,
        ),
    }
}

fn kept_aside(dir: &Path) -> Result<Vec<String>, StoreError> {
    let io_error = |source| StoreError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error)? {
        let name = entry.map_err(io_error)?.file_name();
        let name = name.to_string_lossy();
        if name.contains(".damaged-") {
            out.push(name.into_owned());
        }
    }
    out.sort();
    Ok(out)
}

fn kind(meta: &fs::Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_file() {
        "a file"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SledDatabase;
    use client_session_core::{PersistedSession, SessionRecord};
    use client_session_store::{Durability, SessionStore};
    use std::path::PathBuf;
    use uuid::Uuid;

    /// Every path under `dir` with its type and contents.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, String, Vec<u8>)> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                out.push((path.clone(), "dir".into(), Vec::new()));
                out.extend(snapshot(&path));
            } else if meta.is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.push((
                    path,
                    "link".into(),
                    target.into_os_string().into_encoded_bytes(),
                ));
            } else {
                let contents = fs::read(&path).unwrap();
                out.push((path, "file".into(), contents));
            }
        }
        out.sort();
        out
    }

    fn state() -> PersistedSession {
        PersistedSession {
            session: Some(SessionRecord {
                session_id: Uuid::from_u128(7),
                session_index: 2,
                previous_session_id: None,
                first_event_id: Uuid::from_u128(8),
                first_event_timestamp_ms: 0,
                event_index: 3,
                last_update_ms: 0,
            }),
            new_session_requested: false,
            anonymous: false,
        }
    }

    fn filled() -> (tempfile::TempDir, UserId) {
        let dir = tempfile::tempdir().unwrap();
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("app");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            store.open(0).await.unwrap();
            store.save(&state(), 0, Durability::Durable).await.unwrap();
            store.close(&state(), 0).await.unwrap();
        });
        let user = db.user_id();
        drop(store);
        drop(db);
        wait_for_release(dir.path());
        (dir, user)
    }

    /// sled #1289: its I/O threads may hold the lock a moment after the last handle is gone.
    fn wait_for_release(dir: &Path) {
        let lock = File::open(dir.join("sessions").join("db")).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while lock.try_lock().is_err() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Inspects `dir` and checks that it did not change a byte.
    fn inspect_unchanged(dir: &Path) -> Result<Inspection, StoreError> {
        let before = snapshot(dir);
        let result = inspect(dir);
        assert_eq!(snapshot(dir), before, "inspect changed the directory");
        result
    }

    #[test]
    fn an_empty_directory_is_reported_empty_and_left_empty() {
        let dir = tempfile::tempdir().unwrap();
        let found = inspect_unchanged(dir.path()).unwrap();
        assert_eq!(found.user_id, UserIdFile::Absent);
        assert_eq!(found.database, DatabaseView::Absent);
        assert!(found.checkpoints.is_empty());
        assert!(found.kept_aside.is_empty());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_used_directory_shows_its_user_records_and_checkpoints() {
        let (dir, user) = filled();
        let found = inspect_unchanged(dir.path()).unwrap();
        assert_eq!(found.user_id, UserIdFile::Present(user));
        assert_eq!(
            found.database,
            DatabaseView::Readable(BTreeMap::from([(
                "app".to_owned(),
                Decoded::Current(state())
            )]))
        );
        let checkpoint = checkpoint::path(dir.path(), "app");
        let name = checkpoint
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            found.checkpoints,
            BTreeMap::from([(
                name,
                CheckpointView {
                    namespace: Some("app".to_owned()),
                    record: Decoded::Current(state()),
                    generation: Some(1),
                    clean: Some(true),
                }
            )])
        );
    }

    #[test]
    fn a_long_namespace_checkpoint_is_shown_with_its_namespace() {
        let dir = tempfile::tempdir().unwrap();
        let long = "n".repeat(300);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let db = SledDatabase::open(dir.path()).unwrap();
                let mut store = db.store(&long);
                store.open(0).await.unwrap();
                store.save(&state(), 0, Durability::Durable).await.unwrap();
                store.close(&state(), 0).await.unwrap();
            });
        wait_for_release(dir.path());
        let found = inspect_unchanged(dir.path()).unwrap();
        let views: Vec<_> = found.checkpoints.values().collect();
        assert_eq!(
            views,
            [&CheckpointView {
                namespace: Some(long),
                record: Decoded::Current(state()),
                generation: Some(1),
                clean: Some(true),
            }]
        );
    }

    #[test]
    fn a_database_held_in_this_process_is_locked() {
        let (dir, _) = filled();
        let held = SledDatabase::open(dir.path()).unwrap();
        match inspect(dir.path()) {
            Err(StoreError::Locked { path }) => assert_eq!(path, dir.path().join("sessions")),
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(held);
    }

    #[test]
    fn a_damaged_database_is_reported_with_the_reason_and_kept() {
        let (dir, user) = filled();
        for name in ["conf", "db"] {
            fs::write(dir.path().join("sessions").join(name), vec![0xA5; 4096]).unwrap();
        }
        let found = inspect_unchanged(dir.path()).unwrap();
        assert_eq!(found.user_id, UserIdFile::Present(user));
        match found.database {
            DatabaseView::Damaged(reason) => assert!(!reason.is_empty()),
            other => panic!("expected Damaged, got {other:?}"),
        }
        // Without a database the checkpoint names no namespace, but it is still shown.
        let only: Vec<_> = found.checkpoints.values().collect();
        assert_eq!(
            only,
            [&CheckpointView {
                namespace: None,
                record: Decoded::Current(state()),
                generation: Some(1),
                clean: Some(true),
            }]
        );
    }

    #[test]
    fn wrong_file_types_are_damage_not_errors() {
        let (dir, _) = filled();
        let db_file = dir.path().join("sessions").join("db");
        fs::remove_file(&db_file).unwrap();
        std::os::unix::fs::symlink("/dev/null", &db_file).unwrap();
        fs::remove_file(dir.path().join(USER_ID_FILE)).unwrap();
        fs::create_dir(dir.path().join(USER_ID_FILE)).unwrap();
        let found = inspect_unchanged(dir.path()).unwrap();
        assert!(
            matches!(&found.user_id, UserIdFile::Damaged(r) if r.contains("directory")),
            "{:?}",
            found.user_id
        );
        assert!(
            matches!(&found.database, DatabaseView::Damaged(r) if r.contains("special file")),
            "{:?}",
            found.database
        );
    }

    #[test]
    fn a_user_id_without_a_uuid_is_damaged_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(USER_ID_FILE), b"\x00garbage").unwrap();
        fs::write(dir.path().join("user-id.damaged-1-0"), b"old").unwrap();
        let found = inspect_unchanged(dir.path()).unwrap();
        assert_eq!(
            found.user_id,
            UserIdFile::Damaged("holds no UUID".to_owned())
        );
        assert_eq!(found.kept_aside, ["user-id.damaged-1-0"]);
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        assert!(matches!(inspect(&missing), Err(StoreError::Io { path, .. }) if path == missing));
        assert!(!missing.exists());
    }
}
