//! The sled database of one data directory, and a store per namespace on it.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use client_session_core::{PersistedSession, StorageMechanism};
use client_session_store::record::{self, Decoded};
use client_session_store::{Opened, SessionStore, StoreError};
use uuid::Uuid;

use crate::files::move_aside;
use crate::watch::CheckpointWatch;
use crate::{checkpoint, layout, quiet_panic, user_id};

/// The directory of the sled database inside the data directory.
const DB_DIR: &str = "sessions";
/// An SDK keeps a few small records: a large page cache would only cost the app memory.
const CACHE_BYTES: u64 = 1024 * 1024;
/// How long a reopen waits for sled's I/O threads to let go of a database this process closed.
const OWN_RELEASE_WAIT: Duration = Duration::from_secs(2);

/// One installation's data directory, open: the user id and the sled database shared by every
/// namespace. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SledDatabase {
    data_dir: PathBuf,
    db_path: PathBuf,
    db: sled::Db,
    user_id: Uuid,
    /// Alive while any handle on this database is: see [`OpenedHere`].
    token: Arc<()>,
}

impl SledDatabase {
    /// Opens (creating if needed) the data directory `dir`.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process has the database open,
    /// [`StoreError::Io`] when the directory cannot be created or read, and
    /// [`StoreError::Database`] when even a fresh database cannot be opened. A damaged database
    /// is not an error: it is moved aside (`sessions.damaged-<ms>-<n>`), logged, and replaced.
    /// So is anything of the wrong type where `sessions/`, its files, `checkpoints/` or
    /// `user-id` belong (a file for a directory, a directory or a device for a file).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let db_path = dir.join(DB_DIR);
        let key = fs::canonicalize(dir)
            .unwrap_or_else(|_| dir.to_owned())
            .join(DB_DIR);
        let (db, token) = OpenedHere::open(&db_path, key)?;
        layout::keep_dir(
            &dir.join(checkpoint::CHECKPOINT_DIR),
            "checkpoint directory",
        )?;
        let user_id = user_id::load_or_create(dir)?;
        Ok(Self {
            data_dir: dir.to_owned(),
            db_path,
            db,
            user_id,
            token,
        })
    }

    /// The installation's user id.
    #[must_use]
    pub fn user_id(&self) -> Uuid {
        self.user_id
    }

    /// A store for `namespace`. Namespaces keep separate sessions and share the user id.
    /// Each namespace must have at most one tracker at a time.
    #[must_use]
    pub fn store(&self, namespace: &str) -> SledStore {
        SledStore {
            db: self.db.clone(),
            data_dir: self.data_dir.clone(),
            db_path: self.db_path.clone(),
            user_id: self.user_id,
            keys: Keys::new(namespace),
            checkpoint_watch: CheckpointWatch::default(),
            _token: Arc::clone(&self.token),
        }
    }

    /// Every namespace's stored record, decoded.
    ///
    /// # Errors
    /// [`StoreError::Database`] when sled cannot read the database.
    pub fn namespaces(&self) -> Result<BTreeMap<String, Decoded>, StoreError> {
        let mut out = BTreeMap::new();
        for entry in self.db.scan_prefix(Keys::SESSION) {
            let (key, value) = entry.map_err(|e| database_error(&self.db_path, &e))?;
            let namespace = String::from_utf8_lossy(&key[Keys::SESSION.len()..]).into_owned();
            out.insert(namespace, record::decode(&value));
        }
        Ok(out)
    }

    /// Total bytes the database takes on disk.
    ///
    /// # Errors
    /// [`StoreError::Database`] when sled cannot tell.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db
            .size_on_disk()
            .map_err(|e| database_error(&self.db_path, &e))
    }
}

/// One namespace of a [`SledDatabase`].
#[derive(Debug)]
pub struct SledStore {
    db: sled::Db,
    data_dir: PathBuf,
    db_path: PathBuf,
    user_id: Uuid,
    keys: Keys,
    checkpoint_watch: CheckpointWatch,
    _token: Arc<()>,
}

impl SledStore {
    fn flush(&self) -> Result<(), StoreError> {
        self.db
            .flush()
            .map(drop)
            .map_err(|e| database_error(&self.db_path, &e))
    }

    fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), StoreError> {
        self.db
            .insert(key, value)
            .map(drop)
            .map_err(|e| database_error(&self.db_path, &e))
    }

    /// Reads the record; keeps what it cannot use under another key so nothing is destroyed.
    fn read_state(&self) -> Result<Option<PersistedSession>, StoreError> {
        let Some(bytes) = self
            .db
            .get(&self.keys.session)
            .map_err(|e| database_error(&self.db_path, &e))?
        else {
            return Ok(None);
        };
        match record::decode(&bytes) {
            Decoded::Current(state) => Ok(Some(state)),
            Decoded::Newer(version) => {
                tracing::warn!(namespace = %self.keys.namespace, version, "stored session is from a newer format; keeping it aside and starting fresh");
                self.insert(&self.keys.aside(&format!("v{version}")), &bytes)?;
                Ok(None)
            }
            Decoded::Unreadable(reason) => {
                tracing::error!(namespace = %self.keys.namespace, %reason, "stored session is unreadable; keeping it aside and starting fresh");
                self.insert(&self.keys.aside("unreadable"), &bytes)?;
                Ok(None)
            }
        }
    }
}

// sled's calls are synchronous and short (a tree operation; a flush is one fsync), so they run
// in place instead of taking a blocking-pool thread for each event.
#[async_trait]
impl SessionStore for SledStore {
    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::LocalStorage
    }

    async fn open(&mut self) -> Result<Opened, StoreError> {
        let namespace = &self.keys.namespace;
        let state = checkpoint::reconcile(
            namespace,
            self.read_state()?,
            checkpoint::read(&self.data_dir, namespace),
        );
        let clean_shutdown = self
            .db
            .remove(&self.keys.clean)
            .map_err(|e| database_error(&self.db_path, &e))?
            .is_some();
        self.flush()?;
        Ok(Opened {
            user_id: self.user_id,
            state,
            clean_shutdown,
        })
    }

    async fn save(&mut self, state: &PersistedSession, durable: bool) -> Result<(), StoreError> {
        self.insert(&self.keys.session, &record::encode(state))?;
        if durable {
            self.flush()?;
            // After the flush: a crash between the two leaves the database ahead, never behind.
            // The state is durable either way; a failed checkpoint is logged once, not per batch.
            let written = checkpoint::write(&self.data_dir, &self.keys.namespace, state);
            self.checkpoint_watch.report(&self.keys.namespace, written);
        }
        Ok(())
    }

    async fn close(&mut self, state: &PersistedSession) -> Result<(), StoreError> {
        self.insert(&self.keys.session, &record::encode(state))?;
        self.insert(&self.keys.clean, b"1")?;
        self.flush()
    }
}

/// The keys of one namespace.
#[derive(Debug, Clone)]
struct Keys {
    namespace: String,
    session: Vec<u8>,
    clean: Vec<u8>,
}

impl Keys {
    const SESSION: &'static [u8] = b"session/";
    const CLEAN: &'static [u8] = b"clean/";
    const ASIDE: &'static [u8] = b"aside/";

    fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            session: [Self::SESSION, namespace.as_bytes()].concat(),
            clean: [Self::CLEAN, namespace.as_bytes()].concat(),
        }
    }

    fn aside(&self, why: &str) -> Vec<u8> {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        [
            Self::ASIDE,
            self.namespace.as_bytes(),
            format!("/{why}/{ms}").as_bytes(),
        ]
        .concat()
    }
}

fn database_error(path: &Path, e: &sled::Error) -> StoreError {
    StoreError::Database {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// The databases this process has opened, by canonical path. A live token means a handle is
/// still in use here, so a second open is refused as `Locked` like any other holder. A dead one
/// means this process closed it, and sled's I/O thread pool may still hold the file and its lock
/// for a moment (sled #1289): only then does a reopen wait, briefly, for the lock.
struct OpenedHere;

impl OpenedHere {
    fn registry() -> &'static Mutex<HashMap<PathBuf, Weak<()>>> {
        static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, Weak<()>>>> = OnceLock::new();
        REGISTRY.get_or_init(Mutex::default)
    }

    fn released_here(key: &Path) -> bool {
        let registry = Self::registry()
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        registry
            .get(key)
            .is_some_and(|token| token.strong_count() == 0)
    }

    fn open(db_path: &Path, key: PathBuf) -> Result<(sled::Db, Arc<()>), StoreError> {
        let deadline = Instant::now() + OWN_RELEASE_WAIT;
        let db = loop {
            match open_guarded(db_path) {
                Err(StoreError::Locked { .. })
                    if Self::released_here(&key) && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(2));
                }
                other => break other?,
            }
        };
        let token = Arc::new(());
        Self::registry()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, Arc::downgrade(&token));
        Ok((db, token))
    }
}

/// Why one attempt to open sled failed.
enum OpenFailure {
    Locked,
    Io(io::Error),
    Damaged(String),
}

/// Opens sled at `path`, moving a damaged database aside and starting a fresh one. A database
/// whose files have the wrong type (a file for the directory, a directory or a device for its
/// log) is damaged too: sled would fail on it at every start.
fn open_guarded(path: &Path) -> Result<sled::Db, StoreError> {
    let io_error = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let wrong_type = layout::database_wrong_type(path).map_err(io_error)?;
    let reason = match wrong_type.map_or_else(|| try_open(path), |r| Err(OpenFailure::Damaged(r))) {
        Ok(db) => return Ok(db),
        Err(OpenFailure::Locked) => {
            return Err(StoreError::Locked {
                path: path.to_owned(),
            })
        }
        Err(OpenFailure::Io(source)) => return Err(io_error(source)),
        Err(OpenFailure::Damaged(reason)) => reason,
    };
    let aside = move_aside(path).map_err(io_error)?;
    tracing::error!(path = %path.display(), aside = %aside.display(), %reason, "session database is damaged; moving it aside and starting a fresh one (the user id is kept)");
    match try_open(path) {
        Ok(db) => Ok(db),
        Err(OpenFailure::Locked) => Err(StoreError::Locked {
            path: path.to_owned(),
        }),
        Err(OpenFailure::Io(source)) => Err(io_error(source)),
        Err(OpenFailure::Damaged(message)) => Err(StoreError::Database {
            path: path.to_owned(),
            message,
        }),
    }
}

fn try_open(path: &Path) -> Result<sled::Db, OpenFailure> {
    let config = sled::Config::new().path(path).cache_capacity(CACHE_BYTES);
    // sled 0.34 can panic on damaged files (sled #1155, #1387, #1527); a panic here means
    // damage, and it is caught without printing: the log line above reports it.
    match quiet_panic::catch(|| config.open()) {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(sled::Error::Io(e))) if is_lock_error(&e) => Err(OpenFailure::Locked),
        Ok(Err(sled::Error::Io(e)))
            if matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
            ) =>
        {
            Err(OpenFailure::Damaged(e.to_string()))
        }
        Ok(Err(sled::Error::Io(e))) => Err(OpenFailure::Io(e)),
        Ok(Err(other)) => Err(OpenFailure::Damaged(other.to_string())),
        Err(panic) => Err(OpenFailure::Damaged(format!("sled panicked: {panic}"))),
    }
}

/// sled reports a held `flock` as an `Other` I/O error with this text (sled 0.34 `config.rs`).
fn is_lock_error(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock || e.to_string().contains("could not acquire lock")
}
