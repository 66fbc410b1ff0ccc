//! The tracker a binding holds: the actor on the library's own thread.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use client_session_actor::{
    Clock, Error, EventSink, Mailbox, ManualClock, SessionActor, SessionHandle, SystemClock,
    TrackedEvent,
};
use client_session_core::{ClientSession, Config};
use client_session_store::StoreError;
use client_session_store_sled::SledDatabase;
use uuid::Uuid;

use crate::delay::Delayed;
use crate::json::{event_json, session_json, EventInput};
use crate::{MobileError, TrackerConfig};

/// Where a tracker's events and new sessions go: called on the library's thread, in order,
/// once each event's batch is persisted. Keep it quick (hand the JSON to an emitter's queue):
/// the tracker processes nothing else meanwhile. A panic in it is caught and logged.
pub trait Listener: Send + 'static {
    /// A tracked event, as [`event_json`]: every event, tracked by the app or emitted by the
    /// tracker (lifecycle events), in order.
    fn on_event(&mut self, event_json: &str);
    /// A new session started, as [`session_json`]; called just before the event that started
    /// it reaches [`on_event`](Self::on_event).
    fn on_session(&mut self, session_json: &str);
}

/// A tracker on sled in an app's data directory, run by a thread the library owns. Every
/// method but [`flush`](Self::flush) and [`wait_closed`](Self::wait_closed) returns at once,
/// whatever the store is doing, and may be called from any thread.
pub struct MobileTracker {
    handle: SessionHandle,
    test_clock: Option<ManualClock>,
    closed: AtomicBool,
    done: Latch,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for MobileTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MobileTracker")
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl MobileTracker {
    /// Starts a tracker for `namespace` on the data directory `data_dir` (created if needed),
    /// configured by `config_json` ([`TrackerConfig`]). Returns at once: the library's thread
    /// opens the store, and calls made meanwhile are processed in order once it is open. A
    /// tracker created while another on the same directory and namespace is still closing
    /// opens after that one has released the store.
    ///
    /// # Errors
    /// [`MobileError::InvalidConfig`], or [`MobileError::Thread`] when no thread can be started.
    /// A store that cannot be opened is reported by the calls that follow
    /// ([`MobileError::Session`]) and logged.
    pub fn create(
        namespace: &str,
        data_dir: &Path,
        config_json: &str,
        listener: Box<dyn Listener>,
    ) -> Result<Self, MobileError> {
        let config = TrackerConfig::parse(config_json)?;
        let test = config.test.unwrap_or_default();
        let test_clock = test.clock_ms.map(ManualClock::new);
        let clock: Arc<dyn Clock> = match &test_clock {
            Some(clock) => Arc::new(clock.clone()),
            None => Arc::new(SystemClock),
        };
        let (handle, mailbox) = SessionActor::<Delayed>::mailbox(clock);
        let dir = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_owned());
        let done = Latch::default();
        let previous = Latch::register(&dir, namespace, &done);
        let opening = Opening {
            dir,
            namespace: namespace.to_owned(),
            config: config.session_config(),
            delay: test.store_delay_ms.map(Duration::from_millis),
            listener,
            previous,
            done: done.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("client-session".into())
            .spawn(move || opening.run(mailbox))
            .map_err(|e| MobileError::Thread(e.to_string()))?;
        Ok(Self {
            handle,
            test_clock,
            closed: AtomicBool::new(false),
            done,
            thread: Mutex::new(Some(thread)),
        })
    }

    fn open_handle(&self) -> Result<&SessionHandle, MobileError> {
        if self.closed.load(Ordering::Acquire) {
            Err(MobileError::Closed)
        } else {
            Ok(&self.handle)
        }
    }

    /// Tracks an event given as JSON ([`EventInput`]); returns its event id at once. The event
    /// reaches the listener once persisted. A screen view that ends a screen (screen engagement
    /// on) reaches it as two events, that screen's `screen_end` (an id of its own) first; a
    /// list item view or scroll folded into the screen summary reaches it as nothing.
    ///
    /// # Errors
    /// [`MobileError::InvalidEvent`], [`MobileError::Closed`], or [`MobileError::Session`]
    /// when the store could not be opened.
    pub fn track_json(&self, event_json: &str) -> Result<Uuid, MobileError> {
        let handle = self.open_handle()?;
        let event = EventInput::parse(event_json)?.into_event()?;
        Ok(handle.track_nowait(event)?.id)
    }

    /// The app came to the foreground (Android `ON_START`, iOS `didBecomeActive`).
    ///
    /// # Errors
    /// [`MobileError::Closed`], or [`MobileError::Session`] when the store could not be opened.
    pub fn foreground(&self) -> Result<(), MobileError> {
        Ok(self.open_handle()?.foreground_nowait()?)
    }

    /// The app went to the background (Android `ON_STOP`, iOS `didEnterBackground`).
    ///
    /// # Errors
    /// As [`foreground`](Self::foreground).
    pub fn background(&self) -> Result<(), MobileError> {
        Ok(self.open_handle()?.background_nowait()?)
    }

    /// Starts a new session at the next event (Android `startNewSession`).
    ///
    /// # Errors
    /// As [`foreground`](Self::foreground).
    pub fn start_new_session(&self) -> Result<(), MobileError> {
        Ok(self.open_handle()?.new_session_nowait()?)
    }

    /// Suspends the session timeout checks.
    ///
    /// # Errors
    /// As [`foreground`](Self::foreground).
    pub fn pause(&self) -> Result<(), MobileError> {
        Ok(self.open_handle()?.pause_nowait()?)
    }

    /// Resumes the session timeout checks.
    ///
    /// # Errors
    /// As [`foreground`](Self::foreground).
    pub fn resume(&self) -> Result<(), MobileError> {
        Ok(self.open_handle()?.resume_nowait()?)
    }

    /// Turns user anonymisation on or off (`userAnonymisation`).
    ///
    /// # Errors
    /// As [`foreground`](Self::foreground).
    pub fn set_anonymous(&self, anonymous: bool) -> Result<(), MobileError> {
        Ok(self.open_handle()?.set_anonymous_nowait(anonymous)?)
    }

    /// Forgets the user, as the JavaScript tracker's `clearUserData()` does (spec B mobile):
    /// the user id, every namespace's stored session and checkpoint, and every copy kept
    /// aside after damage are deleted from the data directory on the library's thread, and a
    /// new user id is made; the next event starts session 1 of the new user with no previous
    /// session. Pending requests, pause, anonymisation and the lifecycle state are kept.
    /// Trackers of other namespaces on the same directory adopt the new user at their next
    /// call. In order with every other call; a failure to begin (nothing deleted, the user
    /// kept) is logged.
    ///
    /// # Errors
    /// As [`foreground`](Self::foreground).
    pub fn clear_user_data(&self) -> Result<(), MobileError> {
        Ok(self.open_handle()?.clear_user_data_nowait()?)
    }

    /// The current session as of its start (masked under anonymisation), as the listener's
    /// `on_session` gave it; `None` before the first session and after
    /// [`clear_user_data`](Self::clear_user_data), until the new user's first. Never waits: it reads what the
    /// library's thread last published.
    ///
    /// # Errors
    /// [`MobileError::Closed`].
    pub fn session(&self) -> Result<Option<ClientSession>, MobileError> {
        Ok(self.open_handle()?.subscribe().latest())
    }

    /// [`session`](Self::session) as [`session_json`], or `null`.
    ///
    /// # Errors
    /// [`MobileError::Closed`].
    pub fn session_json(&self) -> Result<String, MobileError> {
        Ok(self
            .session()?
            .map_or_else(|| "null".to_owned(), |s| session_json(&s)))
    }

    /// Test only: sets the test clock (see [`TestOptions::clock_ms`](crate::TestOptions)).
    ///
    /// # Errors
    /// [`MobileError::NoTestClock`] on a tracker created without one; [`MobileError::Closed`].
    pub fn set_test_time_ms(&self, ms: i64) -> Result<(), MobileError> {
        self.open_handle()?;
        let clock = self.test_clock.as_ref().ok_or(MobileError::NoTestClock)?;
        clock.set(ms);
        Ok(())
    }

    /// Blocks until every call made before it is processed, persisted and delivered to the
    /// listener, or `timeout` passes. It waits on storage: never call it on a UI thread.
    ///
    /// # Errors
    /// [`MobileError::Thread`] on timeout or when called inside an async runtime;
    /// [`MobileError::Closed`]; [`MobileError::Session`] when the store could not be opened.
    pub fn flush(&self, timeout: Duration) -> Result<(), MobileError> {
        let handle = self.open_handle()?;
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(MobileError::Thread(
                "flush blocks; it cannot be called inside an async runtime".into(),
            ));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| MobileError::Thread(e.to_string()))?;
        runtime
            .block_on(async { tokio::time::timeout(timeout, handle.flush()).await })
            .map_err(|_| MobileError::Thread(format!("flush timed out after {timeout:?}")))?
            .map_err(MobileError::from)
    }

    /// Closes the tracker without waiting: what was called before is still processed,
    /// persisted and delivered, then the store is closed cleanly on the library's thread.
    /// Every later call fails with [`MobileError::Closed`].
    ///
    /// # Errors
    /// [`MobileError::Closed`] when already closed.
    pub fn close(&self) -> Result<(), MobileError> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Err(MobileError::Closed);
        }
        // An actor that never opened (its store failed) has nothing to close.
        let _ = self.handle.shutdown_nowait();
        Ok(())
    }

    /// Blocks until the library's thread has ended (after [`close`](Self::close)) and its
    /// store is released, or `timeout` passes.
    ///
    /// # Errors
    /// [`MobileError::Thread`] on timeout.
    pub fn wait_closed(&self, timeout: Duration) -> Result<(), MobileError> {
        if !self.done.wait(timeout) {
            return Err(MobileError::Thread(format!(
                "the tracker's thread did not end within {timeout:?}"
            )));
        }
        if let Some(thread) = lock(&self.thread).take() {
            // The thread has released everything (the latch is its last act); a panic in it
            // was already reported by the calls that saw the actor gone.
            let _ = thread.join();
        }
        Ok(())
    }
}

/// What the library's thread needs to open the store and run the actor.
struct Opening {
    dir: PathBuf,
    namespace: String,
    config: Config,
    delay: Option<Duration>,
    listener: Box<dyn Listener>,
    previous: Option<Latch>,
    done: Latch,
}

impl Opening {
    fn run(self, mailbox: Mailbox) {
        let Self {
            dir,
            namespace,
            config,
            delay,
            listener,
            previous,
            done,
        } = self;
        // Set however this thread ends, so the next tracker on this namespace can open.
        let _release = Release(done);
        if let Some(previous) = previous {
            previous.wait_forever();
        }
        let runtime = match tokio::runtime::Builder::new_current_thread().build() {
            Ok(runtime) => runtime,
            Err(source) => {
                mailbox.fail(StoreError::Io { path: dir, source }.into());
                return;
            }
        };
        runtime.block_on(async move {
            let database = match shared_database(&dir) {
                Ok(database) => database,
                Err(e) => {
                    mailbox.fail(e.into());
                    return;
                }
            };
            let store = Delayed {
                inner: database.store(&namespace),
                delay,
            };
            // A failure is logged by the mailbox and reported by every call.
            if let Ok(actor) = SessionActor::open(config, store, mailbox).await {
                actor.with_sink(ListenerSink(listener)).run().await;
            }
        });
    }
}

/// The listener as the actor's sink, catching its panics.
struct ListenerSink(Box<dyn Listener>);

impl EventSink for ListenerSink {
    fn deliver(&mut self, event: &TrackedEvent) {
        let listener = &mut self.0;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if event.starts_session {
                listener.on_session(&session_json(&event.client_session));
            }
            listener.on_event(&event_json(event));
        }));
        if outcome.is_err() {
            tracing::error!("the app's event listener panicked; the tracker goes on");
        }
    }
}

/// One open database per data directory in this process, shared by its namespaces' trackers:
/// sled allows one per process, and reopening one can fail while the last is still being
/// dropped.
fn shared_database(dir: &Path) -> Result<Arc<SledDatabase>, StoreError> {
    static DATABASES: Mutex<Vec<(PathBuf, Weak<SledDatabase>)>> = Mutex::new(Vec::new());
    let mut databases = lock(&DATABASES);
    databases.retain(|(_, db)| db.strong_count() > 0);
    if let Some(db) = databases
        .iter()
        .find(|(path, _)| path == dir)
        .and_then(|(_, db)| db.upgrade())
    {
        return Ok(db);
    }
    let db = Arc::new(SledDatabase::open(dir)?);
    databases.push((dir.to_owned(), Arc::downgrade(&db)));
    Ok(db)
}

/// Set once, when a tracker's thread has ended and released its store.
#[derive(Clone, Default)]
struct Latch(Arc<(Mutex<bool>, Condvar)>);

impl Latch {
    /// Makes `latch` the one the next tracker on `dir` and `namespace` waits for; returns the
    /// one this tracker must wait for.
    fn register(dir: &Path, namespace: &str, latch: &Self) -> Option<Self> {
        static CLOSING: Mutex<Option<HashMap<(PathBuf, String), Latch>>> = Mutex::new(None);
        let mut closing = lock(&CLOSING);
        let map = closing.get_or_insert_with(HashMap::new);
        map.retain(|_, latch| !latch.is_set());
        map.insert((dir.to_owned(), namespace.to_owned()), latch.clone())
    }

    fn set(&self) {
        let (done, changed) = &*self.0;
        *lock(done) = true;
        changed.notify_all();
    }

    fn is_set(&self) -> bool {
        *lock(&self.0 .0)
    }

    /// Whether it was set within `timeout`.
    fn wait(&self, timeout: Duration) -> bool {
        let (done, changed) = &*self.0;
        let guard = lock(done);
        let (guard, _) = changed
            .wait_timeout_while(guard, timeout, |done| !*done)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }

    fn wait_forever(&self) {
        let (done, changed) = &*self.0;
        let guard = lock(done);
        drop(
            changed
                .wait_while(guard, |done| !*done)
                .unwrap_or_else(PoisonError::into_inner),
        );
    }
}

/// Sets its latch when dropped, panicking or not.
struct Release(Latch);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// A lock whose holder panicked holds plain data that is still whole: use it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl From<StoreError> for MobileError {
    fn from(e: StoreError) -> Self {
        Self::Session(Error::from(e))
    }
}
