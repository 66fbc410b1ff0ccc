//! The sled database of one data directory, and a store per namespace on it.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use client_session_core::{
    Forgotten, PersistedSession, PreviousRun, SessionState, StorageMechanism, UserId,
};
use client_session_store::record::{self, Decoded};
use client_session_store::{Durability, Loaded, Opened, SessionStore, StoreError};
use uuid::Uuid;

use crate::checkpoint::{self, Checkpoint, CheckpointFile, SledView};
use crate::files::move_aside;
use crate::{forget, layout, private, quiet_panic, user_id};

/// The directory of the sled database inside the data directory.
pub(crate) const DB_DIR: &str = "sessions";
/// An SDK keeps a few small records: a large page cache would only cost the app memory.
const CACHE_BYTES: u64 = 1024 * 1024;
/// How long a reopen waits for sled's I/O threads to let go of a database this process closed.
const OWN_RELEASE_WAIT: Duration = Duration::from_secs(2);

/// One installation's data directory, open: the user id and the sled database shared by every
/// namespace. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SledDatabase {
    data_dir: PathBuf,
    shared: Arc<Mutex<Shared>>,
    /// Alive while any handle on this database is: see [`OpenedHere`].
    token: Arc<()>,
}

/// What the namespaces of one data directory share in this process, behind one lock, so that
/// a store's whole write (sled and its checkpoint) and a forgetting never interleave.
#[derive(Debug)]
struct Shared {
    engine: Engine,
    /// The installation's user id, as on disk.
    user_id: UserId,
    /// How many times the user was forgotten here (`clear_user_data`). A store that last
    /// looked at an earlier count holds a forgotten user's state: it never writes it, and its
    /// next `load` tells its tracker of the new user.
    forgettings: u64,
}

impl Shared {
    /// Forgets the user in `data_dir`, whose marker [`forget::begin`] wrote: closes sled,
    /// deletes, makes the new user id, opens a fresh database; returns the new user. A step
    /// that fails is logged and leaves the marker for the next open to finish, and this
    /// process goes on with a new user all the same: the old one is never handed out again.
    fn forget(&mut self, data_dir: &Path) -> UserId {
        self.engine.close();
        let user_id = forget::finish(data_dir).unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not finish deleting the user data; the next start finishes it");
            UserId::from_uuid(Uuid::new_v4())
        });
        if let Err(e) = self.engine.reopen() {
            tracing::error!(error = %e, "cannot open the fresh session database; the next write tries again");
        }
        self.user_id = user_id;
        self.forgettings += 1;
        user_id
    }
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    // A panic elsewhere while holding the lock leaves plain data that is still whole.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
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
    ///
    /// A `clear_user_data` that a process ending in its middle left unfinished (its
    /// `forgetting` marker is there) is finished first, before anything is read; when it
    /// cannot be, this fails with [`StoreError::Io`] rather than hand out the old user.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = dir.as_ref();
        // Owner-only when made here; an existing one is tightened once the store is open.
        private::create_dir(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let db_path = dir.join(DB_DIR);
        let key = fs::canonicalize(dir)
            .unwrap_or_else(|_| dir.to_owned())
            .join(DB_DIR);
        if forget::pending(dir)? {
            // Before sled opens what may be a database deleted halfway. Another process never
            // holds a directory whose marker is there, except while it is clearing the user
            // data itself (sled's lock is dropped then): two processes on one data directory
            // are refused by that lock alone.
            if OpenedHere::held_here(&key) {
                return Err(StoreError::Locked { path: db_path });
            }
            tracing::warn!(path = %dir.display(), "clearing the user data was interrupted (the process ended during it); finishing it before anything is read");
            forget::finish(dir)?;
        }
        let (engine, token) = Engine::open(&db_path, key)?;
        layout::keep_dir(
            &dir.join(checkpoint::CHECKPOINT_DIR),
            "checkpoint directory",
        )?;
        let user_id = user_id::load_or_create(dir)?;
        private::tighten_logged(dir, true);
        Ok(Self {
            data_dir: dir.to_owned(),
            shared: Arc::new(Mutex::new(Shared {
                engine,
                user_id,
                forgettings: 0,
            })),
            token,
        })
    }

    /// The installation's user id (a new one after a `clear_user_data`).
    #[must_use]
    pub fn user_id(&self) -> UserId {
        lock(&self.shared).user_id
    }

    /// A store for `namespace`. Namespaces keep separate sessions and share the user id.
    /// Each namespace must have at most one tracker at a time.
    #[must_use]
    pub fn store(&self, namespace: &str) -> SledStore {
        SledStore {
            shared: Arc::clone(&self.shared),
            data_dir: self.data_dir.clone(),
            keys: Keys::new(namespace),
            checkpoint: None,
            checkpoint_behind: false,
            generation: 0,
            suspended: false,
            forgettings: 0,
            _token: Arc::clone(&self.token),
        }
    }

    /// Every namespace's stored record, decoded; none while sled cannot run in this process
    /// (a clock before 1970).
    ///
    /// # Errors
    /// [`StoreError::Database`] when sled cannot read the database.
    pub fn namespaces(&self) -> Result<BTreeMap<String, Decoded>, StoreError> {
        let entries = lock(&self.shared).engine.run(|db| {
            db.scan_prefix(Keys::SESSION)
                .collect::<sled::Result<Vec<_>>>()
        })?;
        let mut out = BTreeMap::new();
        for (key, value) in entries.unwrap_or_default() {
            let namespace = String::from_utf8_lossy(&key[Keys::SESSION.len()..]).into_owned();
            out.insert(namespace, record::decode(&value));
        }
        Ok(out)
    }

    /// Total bytes the database takes on disk; 0 while sled cannot run in this process.
    ///
    /// # Errors
    /// [`StoreError::Database`] when sled cannot tell.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(lock(&self.shared)
            .engine
            .run(sled::Db::size_on_disk)?
            .unwrap_or(0))
    }
}

/// One namespace of a [`SledDatabase`].
#[derive(Debug)]
pub struct SledStore {
    shared: Arc<Mutex<Shared>>,
    data_dir: PathBuf,
    keys: Keys,
    /// Opened by [`SessionStore::open`].
    checkpoint: Option<CheckpointFile>,
    /// The last checkpoint write failed: the next save writes it (durably) again.
    checkpoint_behind: bool,
    /// This run's generation (see the `checkpoint` module).
    generation: u64,
    /// [`SessionStore::suspend`] set the clean marker (or may have, if it failed): the next
    /// save clears it, durably, under a new generation (see [`SessionStore::save`] below).
    suspended: bool,
    /// The database's count of forgettings when this store last looked (see [`Shared`]).
    forgettings: u64,
    _token: Arc<()>,
}

impl SledStore {
    /// What sled holds for this namespace; keeps what it cannot use under another key so
    /// nothing is destroyed.
    fn read_sled(&self, engine: &mut Engine) -> Result<SledView, StoreError> {
        let keys = &self.keys;
        let read = engine.run(|db| {
            Ok((
                db.get(&keys.session)?,
                db.get(&keys.generation)?,
                db.remove(&keys.clean)?.is_some(),
            ))
        })?;
        let Some((record, generation, clean)) = read else {
            return Ok(SledView::default());
        };
        let generation = match generation.as_deref().map(<[u8; 8]>::try_from) {
            None => 0,
            Some(Ok(bytes)) => u64::from_be_bytes(bytes),
            Some(Err(_)) => {
                tracing::error!(namespace = %keys.namespace, "the stored run generation is malformed; reading it as 0");
                0
            }
        };
        let state = match record {
            None => None,
            Some(bytes) => self.decode_or_keep_aside(engine, &bytes)?,
        };
        Ok(SledView {
            state,
            generation,
            clean,
        })
    }

    fn decode_or_keep_aside(
        &self,
        engine: &mut Engine,
        bytes: &[u8],
    ) -> Result<Option<PersistedSession>, StoreError> {
        let aside = match record::decode(bytes) {
            Decoded::Current(state) => return Ok(Some(state)),
            Decoded::Newer(version) => {
                tracing::warn!(namespace = %self.keys.namespace, version, "stored session is from a newer format; keeping it aside and starting fresh");
                self.keys.aside(&format!("v{version}"))
            }
            Decoded::Unreadable(reason) => {
                tracing::error!(namespace = %self.keys.namespace, %reason, "stored session is unreadable; keeping it aside and starting fresh");
                self.keys.aside("unreadable")
            }
        };
        engine.run(|db| db.insert(aside, bytes))?;
        Ok(None)
    }

    /// Starts this tracker's run on the namespace: what an open does, and what a store does
    /// again after the user was forgotten (its namespace then holds nothing).
    fn start_run(&mut self, shared: &mut Shared) -> Result<Opened, StoreError> {
        self.forgettings = shared.forgettings;
        self.suspended = false;
        self.checkpoint_behind = false;
        // Before anything can fail: a checkpoint still open on a forgotten user's file must
        // not be written again.
        let (checkpoint, found) = CheckpointFile::open(&self.data_dir, &self.keys.namespace);
        self.checkpoint = Some(checkpoint);
        let sled = self.read_sled(&mut shared.engine)?;
        let resume = checkpoint::reconcile(&self.keys.namespace, sled, found);
        self.generation = resume.generation.saturating_add(1);
        let generation = self.generation.to_be_bytes();
        // Durable before any event: from here on, a run that dies is seen as unclean.
        shared.engine.run(|db| {
            db.insert(&self.keys.generation, &generation)?;
            db.flush()
        })?;
        let state = resume.state.unwrap_or_default();
        // Without it the protection is weaker, not gone: the database's generation now shows
        // that an older checkpoint is stale. Logged inside.
        let _ = self.write_checkpoint(&state, false);
        if resume.state.is_some() && !resume.clean_shutdown {
            tracing::info!(namespace = %self.keys.namespace, "the previous tracker did not shut down cleanly; the next event starts a new session");
        }
        Ok(Opened {
            user_id: shared.user_id,
            state: resume.state,
            previous_run: PreviousRun::from_clean_marker(resume.clean_shutdown),
        })
    }

    /// Whether the user was forgotten since this store last looked: what it holds is then the
    /// forgotten user's, and is never written.
    fn behind(&self, shared: &Shared) -> bool {
        shared.forgettings != self.forgettings
    }

    /// Writes the checkpoint of this run. A failure is logged once until a write succeeds
    /// again; the next save retries it.
    fn write_checkpoint(
        &mut self,
        state: &PersistedSession,
        clean: bool,
    ) -> Result<(), StoreError> {
        let Some(file) = &mut self.checkpoint else {
            return Ok(());
        };
        let checkpoint = Checkpoint {
            generation: self.generation,
            clean,
            state: *state,
        };
        match file.write(&checkpoint, true) {
            Ok(()) => {
                if std::mem::take(&mut self.checkpoint_behind) {
                    tracing::warn!(namespace = %self.keys.namespace, "the session checkpoint is written again: numbering is guarded again");
                }
                Ok(())
            }
            Err(e) => {
                if !std::mem::replace(&mut self.checkpoint_behind, true) {
                    tracing::error!(namespace = %self.keys.namespace, error = %e, "cannot write the session checkpoint: if the database also loses its newest records, numbering is not guarded; retrying with every save");
                }
                Err(e)
            }
        }
    }
}

// sled's calls are synchronous and short (a tree operation; a flush is one fsync), so they run
// in place instead of taking a blocking-pool thread for each event.
#[async_trait]
impl SessionStore for SledStore {
    type Model = SessionState;

    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::LocalStorage
    }

    async fn open(&mut self, _now_ms: i64) -> Result<Opened, StoreError> {
        let shared = Arc::clone(&self.shared);
        let mut shared = lock(&shared);
        self.start_run(&mut shared)
    }

    /// [`Loaded::Unchanged`] without I/O, unless another namespace's tracker cleared the user
    /// data since this one last looked: then this namespace starts a new run on the fresh
    /// database, as an open does, and its tracker hears of the new user.
    async fn load(&mut self, _now_ms: i64) -> Result<Loaded<Forgotten>, StoreError> {
        let shared = Arc::clone(&self.shared);
        let mut shared = lock(&shared);
        if !self.behind(&shared) {
            return Ok(Loaded::Unchanged);
        }
        let user_id = shared.user_id;
        // The news matters more than the new run: a tracker that missed it would write the
        // forgotten user's sessions into the fresh database.
        if let Err(e) = self.start_run(&mut shared) {
            tracing::error!(namespace = %self.keys.namespace, error = %e, "the user data was cleared, and this namespace cannot start afresh on the new database; its next write tries again");
        }
        // The fresh database's files are sled's, made with the umask's mode.
        private::tighten_logged(&self.data_dir, false);
        Ok(Loaded::Current(Forgotten { user_id }))
    }

    /// After a [`suspend`](SessionStore::suspend), this save ends the suspended run as an open
    /// starts one: a new generation, written with the record, and the clean marker removed,
    /// flushed, then checkpointed unclean. Were either copy's write lost, the other is then of a
    /// later generation than the clean checkpoint, and [`checkpoint::reconcile`] trusts the
    /// later one: the next open never takes the suspended state for the last one.
    async fn save(
        &mut self,
        state: &PersistedSession,
        _now_ms: i64,
        durability: Durability,
    ) -> Result<(), StoreError> {
        let shared = Arc::clone(&self.shared);
        let mut shared = lock(&shared);
        if self.behind(&shared) {
            // A forgotten user's state, decided before this tracker heard of it: the next
            // `load` tells it.
            return Ok(());
        }
        let engine = &mut shared.engine;
        let resuming = self.suspended;
        if resuming {
            self.generation = self.generation.saturating_add(1);
        }
        let durable = durability == Durability::Durable || resuming;
        let encoded = record::encode(state)?;
        let generation = self.generation.to_be_bytes();
        let written = engine.run(|db| {
            db.insert(&self.keys.session, encoded)?;
            if resuming {
                db.insert(&self.keys.generation, &generation)?;
                db.remove(&self.keys.clean)?;
            }
            if durable {
                db.flush()?;
            }
            Ok(())
        });
        let degraded = matches!(written, Ok(None));
        // A new session (durable) is checkpointed even when sled failed: then the checkpoint
        // is the only copy, which is what makes it survive a full disk.
        if durable || degraded || self.checkpoint_behind {
            let checkpointed = self.write_checkpoint(state, false);
            if degraded {
                // Without sled the checkpoint holds the only marker.
                self.suspended &= checkpointed.is_err();
                return checkpointed;
            }
        }
        // Once sled has the new generation unmarked, a lost checkpoint write is only stale. A
        // failed write clears the marker again next save.
        self.suspended &= written.is_err();
        written.map(drop)
    }

    async fn suspend(&mut self, state: &PersistedSession, _now_ms: i64) -> Result<(), StoreError> {
        // Set before writing: a failed write may still have set the marker.
        self.suspended = true;
        self.mark_clean(state)
    }

    async fn close(&mut self, state: &PersistedSession, _now_ms: i64) -> Result<(), StoreError> {
        self.mark_clean(state)
    }

    /// Writes the `forgetting` marker (an error here leaves the user whole), then closes sled
    /// and deletes the user id, the database (every namespace's record and what it kept aside),
    /// the checkpoints and every copy kept aside after damage; makes the new user id, removes
    /// the marker and starts this namespace afresh. Other namespaces' stores of this process
    /// hear of it at their next `load`, and never write what they held before it.
    async fn clear_user_data(&mut self, _now_ms: i64) -> Result<Loaded<Forgotten>, StoreError> {
        let shared = Arc::clone(&self.shared);
        let mut shared = lock(&shared);
        forget::begin(&self.data_dir)?;
        let user_id = shared.forget(&self.data_dir);
        if let Err(e) = self.start_run(&mut shared) {
            tracing::error!(namespace = %self.keys.namespace, error = %e, "the user data was cleared, and this namespace cannot start afresh on the new database; its next write tries again");
        }
        // The fresh database's files are sled's, made with the umask's mode.
        private::tighten_logged(&self.data_dir, false);
        Ok(Loaded::Current(Forgotten { user_id }))
    }
}

impl SledStore {
    /// Keeps `state` durably as this run's last, with the clean marker: a clean close, or a
    /// suspension that the next save undoes.
    fn mark_clean(&mut self, state: &PersistedSession) -> Result<(), StoreError> {
        let shared = Arc::clone(&self.shared);
        let mut shared = lock(&shared);
        if self.behind(&shared) {
            // A forgotten user's state: nothing of it is written (see `save`).
            return Ok(());
        }
        let encoded = record::encode(state)?;
        let written = shared.engine.run(|db| {
            db.insert(&self.keys.session, encoded)?;
            db.insert(&self.keys.clean, b"1")?;
            db.flush()
        });
        // After sled: a crash between the two leaves an unclean checkpoint, so the next run
        // rotates the session rather than trusting a half-finished close.
        let checkpointed = self.write_checkpoint(state, true);
        // sled makes files of its own as it goes, with the umask's mode.
        private::tighten_logged(&self.data_dir, false);
        match written {
            Ok(Some(_)) => Ok(()),
            Ok(None) => checkpointed,
            Err(e) => Err(e),
        }
    }
}

/// The keys of one namespace.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    namespace: String,
    session: Vec<u8>,
    clean: Vec<u8>,
    generation: Vec<u8>,
}

impl Keys {
    pub(crate) const SESSION: &'static [u8] = b"session/";
    const CLEAN: &'static [u8] = b"clean/";
    const ASIDE: &'static [u8] = b"aside/";
    const GENERATION: &'static [u8] = b"generation/";

    fn new(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            session: [Self::SESSION, namespace.as_bytes()].concat(),
            clean: [Self::CLEAN, namespace.as_bytes()].concat(),
            generation: [Self::GENERATION, namespace.as_bytes()].concat(),
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

/// The sled handle of one data directory, shared by its namespaces.
///
/// sled refuses every write after one I/O error (its "global error", reset only by a new start;
/// a full disk is enough), so a failed operation drops the handle and the next one opens the
/// database again: sled's recovery then cuts what the failed write tore, and the caller writes
/// its whole record again.
#[derive(Debug)]
struct Engine {
    db_path: PathBuf,
    /// `None` after a failure until the next operation reopens it, or for good when
    /// `unavailable`.
    db: Option<sled::Db>,
    /// sled cannot run in this process: its `Config` panics on a clock before 1970. The
    /// checkpoint files alone keep the state then.
    unavailable: bool,
}

impl Engine {
    fn open(db_path: &Path, key: PathBuf) -> Result<(Self, Arc<()>), StoreError> {
        let mut engine = Self {
            db_path: db_path.to_owned(),
            db: None,
            unavailable: false,
        };
        if SystemTime::now().duration_since(UNIX_EPOCH).is_err() {
            // sled 0.34 names its temporary files by the clock and panics before 1970.
            tracing::error!(path = %db_path.display(), "the system clock is before 1970, where sled cannot start; keeping sessions in the checkpoint files only");
            engine.unavailable = true;
            return Ok((engine, OpenedHere::register(key)));
        }
        let (db, token) = OpenedHere::open(db_path, key)?;
        engine.db = Some(db);
        Ok((engine, token))
    }

    /// Closes the database and waits, briefly, until sled's own threads have let go of its
    /// files (sled #1289), so that none of them writes into the directory after it is
    /// deleted: `clear_user_data` deletes it.
    fn close(&mut self) {
        if self.unavailable {
            return;
        }
        drop(self.db.take());
        // sled holds an exclusive lock on its log file while any of its threads has it open
        // (on Linux, macOS and Windows; elsewhere there is no lock, and nothing to wait for).
        let Ok(log) = File::open(self.db_path.join("db")) else {
            return;
        };
        let deadline = Instant::now() + OWN_RELEASE_WAIT;
        loop {
            match log.try_lock() {
                Ok(()) => return,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(TryLockError::WouldBlock) => {
                    tracing::warn!(path = %self.db_path.display(), "sled still holds the session database it closed; going on");
                    return;
                }
                // A file system without locks: nothing to wait for.
                Err(TryLockError::Error(_)) => return,
            }
        }
    }

    /// Opens the database again after [`close`](Self::close).
    fn reopen(&mut self) -> Result<(), StoreError> {
        if !self.unavailable && self.db.is_none() {
            self.db = Some(OpenedHere::reopen(&self.db_path)?);
        }
        Ok(())
    }

    /// Runs `op` on the database, reopening it first after a failure; `None` when sled cannot
    /// run in this process.
    fn run<T>(
        &mut self,
        op: impl FnOnce(&sled::Db) -> sled::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        let engine = self;
        if engine.unavailable {
            return Ok(None);
        }
        let db = match engine.db.take() {
            Some(db) => db,
            None => {
                let db = OpenedHere::reopen(&engine.db_path)?;
                tracing::info!(path = %engine.db_path.display(), "the session database is open again after a failed write");
                db
            }
        };
        match op(&db) {
            Ok(value) => {
                engine.db = Some(db);
                Ok(Some(value))
            }
            // Dropped, so that the next operation starts sled afresh.
            Err(e) => Err(database_error(&engine.db_path, &e)),
        }
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

    /// Whether a handle of this process still uses the database at `key`.
    fn held_here(key: &Path) -> bool {
        let registry = Self::registry()
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        registry
            .get(key)
            .is_some_and(|token| token.strong_count() > 0)
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
        let db = Self::open_waiting(db_path, || Self::released_here(&key))?;
        Ok((db, Self::register(key)))
    }

    /// Opens `db_path`, waiting briefly on a lock while `ours()` says this process released it.
    fn open_waiting(db_path: &Path, ours: impl Fn() -> bool) -> Result<sled::Db, StoreError> {
        let deadline = Instant::now() + OWN_RELEASE_WAIT;
        loop {
            match open_guarded(db_path) {
                Err(StoreError::Locked { .. }) if ours() && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                other => return other,
            }
        }
    }

    /// Marks the database at `key` as in use here until the returned token is dropped.
    fn register(key: PathBuf) -> Arc<()> {
        let token = Arc::new(());
        Self::registry()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, Arc::downgrade(&token));
        token
    }

    /// Opens again a database this process just dropped after a failure: sled's I/O threads
    /// may still hold its lock for a moment.
    fn reopen(db_path: &Path) -> Result<sled::Db, StoreError> {
        Self::open_waiting(db_path, || true)
    }
}

/// Why one attempt to open sled failed.
pub(crate) enum OpenFailure {
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

pub(crate) fn try_open(path: &Path) -> Result<sled::Db, OpenFailure> {
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
