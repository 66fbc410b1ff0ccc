//! The desktop adapter: Snowplow sessions for a desktop app, persisted with sled.
//!
//! It only maps the desktop onto the shared session actor: the data directory (the platform's
//! per-user data folder, or a path you give), the system clock, and the window's focus or
//! minimise as foreground and background. Session rules live in `client-session-core`.
//!
//! ```no_run
//! use client_session_desktop::{DesktopOptions, DesktopTracker};
//! use client_session_actor::ScreenView;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let tracker = DesktopTracker::open(DesktopOptions::for_app("com.example.notes")).await?;
//! let sent = tracker.handle().screen_view(ScreenView::new("editor")?).await?;
//! for event in sent.iter() {
//!     println!("{}", serde_json::to_string(&event.contexts())?);
//! }
//! tracker.background().await?; // window minimised
//! tracker.foreground().await?; // window focused again
//! tracker.shutdown().await?;   // on exit: persisted, marked clean
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use client_session_actor::{Clock, SessionActor, SessionHandle, SystemClock, TrackedEvent};
use client_session_core::Config;
use client_session_store_sled::SledDatabase;
use tokio::task::JoinHandle;

/// Where the data directory is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataLocation {
    /// `<platform data dir>/<app id>/client-session`: `~/.local/share` on Linux,
    /// `~/Library/Application Support` on macOS, `%APPDATA%` on Windows.
    App(String),
    /// This directory, as it is.
    Path(PathBuf),
}

impl DataLocation {
    /// The directory this location names.
    ///
    /// # Errors
    /// [`DesktopError::NoDataDir`] when the platform has no per-user data folder.
    pub fn resolve(&self) -> Result<PathBuf, DesktopError> {
        self.resolve_in(&|name| std::env::var_os(name))
    }

    /// [`resolve`](Self::resolve) against the environment `env` (tests inject one).
    fn resolve_in(
        &self,
        env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<PathBuf, DesktopError> {
        match self {
            Self::Path(path) => Ok(path.clone()),
            Self::App(app) => platform_data_dir(env)
                .map(|dir| dir.join(app).join("client-session"))
                .ok_or(DesktopError::NoDataDir),
        }
    }
}

/// The per-user data folder, from the environment as each platform defines it: `%APPDATA%` on
/// Windows, `$HOME/Library/Application Support` on macOS, `$XDG_DATA_HOME` (when absolute) or
/// `$HOME/.local/share` elsewhere. `env` reads a variable (injected so tests need not change the
/// process environment).
fn platform_data_dir(env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| env(name).map(PathBuf::from).filter(|p| p.is_absolute());
    if cfg!(windows) {
        absolute("APPDATA")
    } else if cfg!(target_os = "macos") {
        absolute("HOME").map(|home| home.join("Library/Application Support"))
    } else {
        absolute("XDG_DATA_HOME").or_else(|| absolute("HOME").map(|home| home.join(".local/share")))
    }
}

/// How to open a desktop tracker. Start from [`DesktopOptions::for_app`] or
/// [`DesktopOptions::at_path`] and change the public fields as needed.
#[derive(Clone)]
pub struct DesktopOptions {
    /// Where the data directory is.
    pub location: DataLocation,
    /// The tracker's namespace; several namespaces share one database and one user.
    pub namespace: String,
    /// Session configuration (reference defaults).
    pub config: Config,
    /// The wall clock (the system clock unless a test injects another).
    pub clock: Arc<dyn Clock>,
}

impl DesktopOptions {
    /// Options for the app `app_id` in the platform's data folder, namespace `default`.
    #[must_use]
    pub fn for_app(app_id: &str) -> Self {
        Self::with_location(DataLocation::App(app_id.to_owned()))
    }

    /// Options for a data directory at `path`, namespace `default`.
    #[must_use]
    pub fn at_path(path: impl Into<PathBuf>) -> Self {
        Self::with_location(DataLocation::Path(path.into()))
    }

    fn with_location(location: DataLocation) -> Self {
        Self {
            location,
            namespace: "default".into(),
            config: Config::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Errors of the desktop adapter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DesktopError {
    /// The platform has no per-user data folder; give a path instead.
    #[error("this platform has no per-user data directory; use DataLocation::Path")]
    NoDataDir,
    /// The session actor or its store failed.
    #[error(transparent)]
    Session(#[from] client_session_actor::Error),
    /// A task of the tracker panicked (a bug, here or in sled); the message is the panic's.
    #[error("the tracker's {task} panicked: {message}")]
    Panicked {
        /// Which task: `opening the data directory` or `session actor`.
        task: &'static str,
        /// The panic's message, when it had one.
        message: String,
    },
}

impl DesktopError {
    /// What a task's `JoinError` means: a panic is reported as one; a task that was cancelled
    /// (only when the runtime shuts down under it) as the actor being shut down.
    fn from_join(task: &'static str, error: tokio::task::JoinError) -> Self {
        match error.try_into_panic() {
            Ok(panic) => {
                let message = panic_message(panic.as_ref());
                tracing::error!(task, %message, "a task of the desktop tracker panicked");
                Self::Panicked { task, message }
            }
            Err(_) => Self::Session(client_session_actor::Error::ShutDown),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Runs `work` on tokio's blocking pool, reporting a panic in it as [`DesktopError::Panicked`].
async fn blocking<T: Send + 'static>(
    task: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, DesktopError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DesktopError::from_join(task, e))
}

impl From<client_session_store_sled::StoreError> for DesktopError {
    fn from(e: client_session_store_sled::StoreError) -> Self {
        Self::Session(e.into())
    }
}

const OPEN_TASK: &str = "opening the data directory";
const ACTOR_TASK: &str = "session actor";

/// A running desktop tracker: the actor on the caller's tokio runtime.
#[derive(Debug)]
pub struct DesktopTracker {
    handle: SessionHandle,
    task: JoinHandle<()>,
    data_dir: PathBuf,
}

impl DesktopTracker {
    /// Opens the data directory and starts the actor on the current tokio runtime.
    ///
    /// # Errors
    /// [`DesktopError::NoDataDir`], or the store's error (for instance
    /// [`StoreError::Locked`](client_session_store_sled::StoreError::Locked) when another process
    /// of the app holds the database), or [`DesktopError::Panicked`] when opening panicked.
    pub async fn open(options: DesktopOptions) -> Result<Self, DesktopError> {
        let data_dir = options.location.resolve()?;
        let dir = data_dir.clone();
        // Opening syncs files to disk: keep it off the async worker threads.
        let db = blocking(OPEN_TASK, move || SledDatabase::open(dir)).await??;
        let store = db.store(&options.namespace);
        let (handle, actor) = SessionActor::start(options.config, store, options.clock).await?;
        let task = tokio::spawn(actor.run());
        tracing::debug!(data_dir = %data_dir.display(), "desktop tracker started");
        Ok(Self {
            handle,
            task,
            data_dir,
        })
    }

    /// The handle to track events with; clone it freely.
    #[must_use]
    pub fn handle(&self) -> &SessionHandle {
        &self.handle
    }

    /// The data directory in use.
    #[must_use]
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// The window gained focus or was restored.
    ///
    /// # Errors
    /// [`client_session_actor::Error::ShutDown`] after shutdown.
    pub async fn foreground(&self) -> Result<Option<TrackedEvent>, DesktopError> {
        Ok(self.handle.foreground().await?)
    }

    /// The window was minimised or lost focus. Returns once the state is on disk and the
    /// shutdown marked clean, as mobile systems may end the process from here on (spec B2).
    ///
    /// # Errors
    /// [`client_session_actor::Error::ShutDown`] after shutdown.
    pub async fn background(&self) -> Result<Option<TrackedEvent>, DesktopError> {
        Ok(self.handle.background().await?)
    }

    /// Persists, marks the shutdown clean and waits until the database is released.
    ///
    /// # Errors
    /// The store's error when the final write failed, or [`DesktopError::Panicked`] when the
    /// actor's task panicked (then the handle only saw its channel close).
    pub async fn shutdown(self) -> Result<(), DesktopError> {
        let result = self.handle.shutdown().await;
        drop(self.handle);
        // Waiting for the task releases the database; a panic in it is the real cause of any
        // error the handle saw.
        self.task
            .await
            .map_err(|e| DesktopError::from_join(ACTOR_TASK, e))?;
        Ok(result?)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn xdg_data_home_wins_when_absolute() {
        let vars = [("XDG_DATA_HOME", "/data"), ("HOME", "/home/u")];
        assert_eq!(platform_data_dir(&env(&vars)), Some(PathBuf::from("/data")));
    }

    #[test]
    fn falls_back_to_home_local_share() {
        let vars = [("XDG_DATA_HOME", "relative/dir"), ("HOME", "/home/u")];
        assert_eq!(
            platform_data_dir(&env(&vars)),
            Some(PathBuf::from("/home/u/.local/share"))
        );
        assert_eq!(
            platform_data_dir(&env(&[("HOME", "/home/u")])),
            Some(PathBuf::from("/home/u/.local/share"))
        );
    }

    #[test]
    fn no_home_is_no_data_dir() {
        assert_eq!(platform_data_dir(&env(&[])), None);
        let app = DataLocation::App("x".into());
        assert!(matches!(
            app.resolve_in(&env(&[])),
            Err(DesktopError::NoDataDir)
        ));
        // A relative HOME is no home either: the data must not land in the working directory.
        assert!(matches!(
            app.resolve_in(&env(&[("HOME", "home/u")])),
            Err(DesktopError::NoDataDir)
        ));
    }

    #[test]
    fn an_app_resolves_under_the_data_dir_and_a_path_as_given() {
        let vars = [("HOME", "/home/u")];
        assert_eq!(
            DataLocation::App("com.example.notes".into())
                .resolve_in(&env(&vars))
                .unwrap(),
            PathBuf::from("/home/u/.local/share/com.example.notes/client-session")
        );
        assert_eq!(
            DataLocation::Path("rel/dir".into())
                .resolve_in(&env(&[]))
                .unwrap(),
            PathBuf::from("rel/dir")
        );
    }

    #[tokio::test]
    async fn a_panic_while_opening_is_reported_as_a_panic() {
        let result: Result<(), _> = blocking(OPEN_TASK, || panic!("sled exploded")).await;
        match result {
            Err(DesktopError::Panicked { task, message }) => {
                assert_eq!(task, OPEN_TASK);
                assert_eq!(message, "sled exploded");
            }
            other => panic!("expected Panicked, got {other:?}"),
        }
        assert_eq!(blocking(OPEN_TASK, || 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_panicked_actor_task_is_reported_at_shutdown() {
        let store = client_session_store::MemoryStorage::new().store("default");
        let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(SystemClock))
            .await
            .unwrap();
        tokio::spawn(actor.run());
        let tracker = DesktopTracker {
            handle,
            // Stands in for an actor task that panicked while the handle still worked.
            task: tokio::spawn(async { panic!("actor bug {}", 42) }),
            data_dir: PathBuf::new(),
        };
        match tracker.shutdown().await {
            Err(DesktopError::Panicked { task, message }) => {
                assert_eq!(task, ACTOR_TASK);
                assert_eq!(message, "actor bug 42");
            }
            other => panic!("expected Panicked, got {other:?}"),
        }
    }
}
