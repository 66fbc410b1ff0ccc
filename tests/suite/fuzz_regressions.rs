#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Replays the fuzzers' kept inputs on stable: every file under `fuzz/regressions/<target>/`
//! goes through the same check function its `cargo fuzz` target calls
//! (`client_session_suite::fuzz_checks`). Crashes the fuzzers found stay here once fixed, with a
//! few inputs that reach deep into each target, so CI needs neither nightly nor cargo-fuzz.

use std::collections::BTreeSet;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use client_session_suite::fuzz_checks::{self, TARGETS};

fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no regression inputs", dir.display());
    files
}

/// Runs every kept input of `target`; fails listing each input that violates a property or
/// panics, and unless the inputs reach at least `min_paths` different outcomes.
fn replay(target: &str, min_paths: usize) {
    let check = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, check)| *check)
        .unwrap_or_else(|| panic!("no check for {target}"));
    let mut failures = Vec::new();
    let mut paths = BTreeSet::new();
    for file in regressions(target) {
        let bytes = fs::read(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match catch_unwind(AssertUnwindSafe(|| check(&bytes))) {
            Ok(Ok(path)) => {
                println!("{target}/{name}: {path}");
                paths.insert(path);
            }
            Ok(Err(violation)) => failures.push(format!("{name}: {violation}")),
            Err(_) => failures.push(format!("{name}: panicked (message above)")),
        }
    }
    assert!(
        failures.is_empty(),
        "{target}: {} kept input(s) fail:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    assert!(
        paths.len() >= min_paths,
        "{target}: the kept inputs reach only {paths:?}; keep inputs that go deeper"
    );
}

#[test]
fn scenario_parse_regressions() {
    replay("scenario_parse", 3);
}

#[test]
fn restore_state_regressions() {
    replay("restore_state", 3);
}

#[test]
fn sled_open_regressions() {
    replay("sled_open", 2);
}

#[test]
fn every_regression_folder_has_a_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    for entry in fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            fuzz_checks::TARGETS
                .iter()
                .any(|(target, _)| *target == name),
            "fuzz/regressions/{name} has no check function in fuzz_checks::TARGETS"
        );
    }
}
