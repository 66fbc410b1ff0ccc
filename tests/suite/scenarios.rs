#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Every mobile scenario against every native backend: the memory store, the sled store and
//! the desktop adapter. Each backend supplies only a launcher.

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
