//! The native launchers: the memory store and the sled store, each actor on a tokio task.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, SessionActor, SessionHandle};
use client_session_core::Config;
use client_session_store::{MemoryStorage, SessionStore};
use client_session_store_sled::SledDatabase;
use tokio::task::JoinHandle;

/// Starts trackers on one [`MemoryStorage`]: a restart finds what the last tracker left, as it
/// would on a device.
#[derive(Debug, Default)]
pub struct MemoryLauncher {
    /// The storage every launch uses.
    pub storage: MemoryStorage,
    namespace: String,
    task: Option<JoinHandle<()>>,
}

impl MemoryLauncher {
    /// A launcher on fresh storage for `namespace`.
    #[must_use]
    pub fn new(namespace: &str) -> Self {
        Self {
            storage: MemoryStorage::new(),
            namespace: namespace.to_owned(),
            task: None,
        }
    }
}

#[async_trait(?Send)]
impl crate::Launcher for MemoryLauncher {
    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        spawn(
            config,
            self.storage.store(&self.namespace),
            clock,
            &mut self.task,
        )
        .await
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        stop(handle, &mut self.task).await
    }
}

/// Starts trackers on a sled data directory, reopening the database at every launch.
#[derive(Debug)]
pub struct SledLauncher {
    dir: PathBuf,
    namespace: String,
    task: Option<JoinHandle<()>>,
}

impl SledLauncher {
    /// A launcher on the data directory `dir` (used as it is: an existing session carries over).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>, namespace: &str) -> Self {
        Self {
            dir: dir.into(),
            namespace: namespace.to_owned(),
            task: None,
        }
    }
}

#[async_trait(?Send)]
impl crate::Launcher for SledLauncher {
    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        // `stop` joined the previous actor task, so its database handle is dropped; if sled's
        // I/O threads still hold the lock a moment (sled #1289), `SledDatabase::open` waits
        // for this process's own release.
        let db = SledDatabase::open(&self.dir)?;
        spawn(config, db.store(&self.namespace), clock, &mut self.task).await
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        stop(handle, &mut self.task).await
    }
}

async fn spawn<S: SessionStore>(
    config: Config,
    store: S,
    clock: Arc<dyn Clock>,
    task: &mut Option<JoinHandle<()>>,
) -> Result<SessionHandle, Error> {
    let (handle, actor) = SessionActor::start(config, store, clock).await?;
    *task = Some(tokio::spawn(actor.run()));
    Ok(handle)
}

async fn stop(handle: SessionHandle, task: &mut Option<JoinHandle<()>>) -> Result<(), Error> {
    let result = handle.shutdown().await;
    drop(handle);
    if let Some(task) = task.take() {
        // The task only ends by returning; a join error would mean it panicked, and then the
        // shutdown above already failed with `ShutDown`.
        let _ = task.await;
    }
    result
}
