//! The sled launcher: native only, as sled is.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, SessionHandle};
use client_session_core::Config;
use client_session_store_sled::SledDatabase;

use super::{spawn, stop, ActorTask};
use crate::format::Platform;

/// Starts trackers on a sled data directory, reopening the database at every launch.
#[derive(Debug)]
pub struct SledLauncher {
    dir: PathBuf,
    namespace: String,
    task: Option<ActorTask>,
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
    fn platform(&self) -> Platform {
        Platform::Mobile
    }

    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        // `stop` waited for the previous actor task to end, so its database handle is dropped;
        // if sled's I/O threads still hold the lock a moment (sled #1289),
        // `SledDatabase::open` waits for this process's own release.
        let db = SledDatabase::open(&self.dir)?;
        spawn(config, db.store(&self.namespace), clock, &mut self.task).await
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        stop(handle, &mut self.task).await
    }
}
