#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Every mobile scenario against every native backend: the memory store, the sled store and
//! the desktop adapter. Each backend supplies only a launcher.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, SessionHandle};
use client_session_core::Config;
use client_session_desktop::{DesktopError, DesktopOptions, DesktopTracker};
use client_session_scenario::{Launcher, MemoryLauncher, SledLauncher};
use client_session_suite::{load_cases, play, verify, Case};

/// Runs every case on a fresh launcher from `make` and fails listing every case that differs.
async fn suite<L: Launcher>(backend: &str, mut make: impl FnMut(&Case) -> L) {
    let cases = load_cases("mobile").unwrap();
    assert!(
        cases.len() >= 30,
        "the suite has {} mobile scenarios",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let mut launcher = make(case);
        match play(case, &mut launcher).await {
            Ok(actual) => failures.extend(verify(case, &actual).err()),
            Err(e) => failures.push(format!("{}: {e}", case.path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{backend}: {} of {} scenarios failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
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
