#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Every scenario against every native backend: the memory store, the sled store and the
//! desktop adapter. Each backend supplies only a launcher; the shared runner
//! (`client_session_suite::check_backend`) runs every scenario file and validates every entity
//! against the official Iglu schema.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, SessionHandle};
use client_session_core::Config;
use client_session_desktop::{DesktopError, DesktopOptions, DesktopTracker};
use client_session_scenario::{Launcher, MemoryLauncher, SledLauncher};
use client_session_suite::{check_backend, Case};

/// Runs the whole suite (every scenario file, the official schema) on launchers from `make`.
async fn suite<L: Launcher>(backend: &str, make: impl FnMut(&Case) -> L) {
    if let Err(report) = check_backend(backend, make).await {
        panic!("{report}");
    }
}

#[tokio::test]
async fn mobile_scenarios_on_the_memory_store() {
    suite("memory", |_| MemoryLauncher::new("default")).await;
}

#[tokio::test]
async fn mobile_scenarios_on_the_sled_store() {
    let root = tempfile::tempdir().unwrap();
    let mut n = 0;
    suite("sled", |_| {
        n += 1;
        SledLauncher::new(root.path().join(n.to_string()), "default")
    })
    .await;
}

/// The desktop adapter as the suite sees it: open on a data directory, shut down on stop.
struct DesktopLauncher {
    dir: PathBuf,
    running: Option<DesktopTracker>,
}

#[async_trait(?Send)]
impl Launcher for DesktopLauncher {
    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        let options = DesktopOptions {
            config,
            clock,
            ..DesktopOptions::at_path(&self.dir)
        };
        let tracker = DesktopTracker::open(options).await.map_err(|e| match e {
            DesktopError::Session(e) => e,
            other => panic!("{other}"),
        })?;
        let handle = tracker.handle().clone();
        self.running = Some(tracker);
        Ok(handle)
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        drop(handle);
        match self.running.take() {
            Some(tracker) => tracker.shutdown().await.map_err(|e| match e {
                DesktopError::Session(e) => e,
                other => panic!("{other}"),
            }),
            None => Ok(()),
        }
    }
}

#[tokio::test]
async fn mobile_scenarios_on_the_desktop_adapter() {
    let root = tempfile::tempdir().unwrap();
    let mut n = 0;
    suite("desktop", |_| {
        n += 1;
        DesktopLauncher {
            dir: root.path().join(n.to_string()),
            running: None,
        }
    })
    .await;
}
