//! Every namespace gets its own checkpoint, whatever its length or its characters, and no
//! namespace ever names a path outside the data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report

use std::fs;
use std::path::{Path, PathBuf};

use client_session_core::PreviousRun;
use client_session_store::SessionStore;
use client_session_store_sled::{SledDatabase, CHECKPOINT_DIR};

mod fixtures;
use fixtures::{runtime, start_and_close};

/// Starts session `index` (a durable save: the checkpoint) in each namespace, then closes.
fn start_sessions(dir: &Path, namespaces: &[(String, u32)]) {
    runtime().block_on(async {
        let db = SledDatabase::open(dir).unwrap();
        for (namespace, index) in namespaces {
            start_and_close(&db, namespace, *index).await;
        }
    });
}

/// What each namespace resumes from after the database is gone (`rm -rf sessions`).
fn resumed_without_the_database(dir: &Path, namespaces: &[(String, u32)]) -> Vec<Option<u32>> {
    fs::remove_dir_all(dir.join("sessions")).unwrap();
    runtime().block_on(async {
        let db = SledDatabase::open(dir).unwrap();
        let mut out = Vec::new();
        for (namespace, _) in namespaces {
            let opened = db.store(namespace).open(0).await.unwrap();
            let state = opened.state.expect("the checkpoint is found");
            // The clean close's checkpoint is that run's exact final state.
            assert_eq!(opened.previous_run, PreviousRun::Clean, "{namespace:?}");
            assert!(!state.new_session_requested, "{namespace:?}");
            out.push(state.session.map(|s| s.session_index));
        }
        out
    })
}

fn every_path_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        out.push(path.clone());
        if fs::symlink_metadata(&path).unwrap().is_dir() {
            out.extend(every_path_under(&path));
        }
    }
    out
}

fn numbered(names: &[String]) -> Vec<(String, u32)> {
    names.iter().cloned().zip(10..).collect()
}

/// Before, a namespace over ~126 bytes made a checkpoint file name too long for the file
/// system: no checkpoint, and after losing the database `sessionIndex` started again at 1.
#[test]
fn a_long_namespace_is_protected_by_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = vec![
        "n".repeat(64),
        "n".repeat(65),
        "n".repeat(127),
        "n".repeat(300),
        "é".repeat(2000),
        "n".repeat(70_000),
    ];
    let namespaces = numbered(&names);
    start_sessions(dir.path(), &namespaces);
    let expected: Vec<_> = namespaces.iter().map(|(_, i)| Some(*i)).collect();
    assert_eq!(
        resumed_without_the_database(dir.path(), &namespaces),
        expected
    );
}

/// Two namespaces that differ only past any prefix a file name could hold still have their
/// own checkpoints.
#[test]
fn long_namespaces_with_a_common_prefix_keep_separate_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = "p".repeat(500);
    let names = vec![
        format!("{prefix}a"),
        format!("{prefix}b"),
        prefix.clone(),
        format!("{prefix}ab"),
    ];
    let namespaces = numbered(&names);
    start_sessions(dir.path(), &namespaces);
    assert_eq!(
        resumed_without_the_database(dir.path(), &namespaces),
        [Some(10), Some(11), Some(12), Some(13)]
    );
}

/// Namespaces that look like paths, or hold NUL or any Unicode, only ever make files inside
/// the data directory, and each has its own checkpoint.
#[test]
fn namespaces_never_reach_outside_the_data_directory() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let long_escape = "../".repeat(100);
    let names: Vec<String> = vec![
        String::new(),
        ".".into(),
        "..".into(),
        "../escaped".into(),
        long_escape.clone(),
        format!("{long_escape}escaped"),
        "/".into(),
        "/tmp/escaped".into(),
        "a/b".into(),
        "a\\..\\b".into(),
        "nul\0byte".into(),
        "\0".into(),
        "ünïcødé".into(),
        "名前空間/../..".into(),
        "🙂".repeat(100),
        "CON".into(),
        "con".into(),
    ];
    let namespaces = numbered(&names);
    start_sessions(&data, &namespaces);

    // Nothing beside the data directory, nothing named after a namespace inside it.
    let beside: Vec<_> = fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["data"]);
    for path in every_path_under(&data) {
        let relative = path.strip_prefix(&data).unwrap();
        let name = relative.to_string_lossy();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-./_".contains(c)),
            "{name:?}"
        );
        assert!(
            !relative.components().any(|c| c.as_os_str() == ".."),
            "{name:?}"
        );
    }
    assert!(!Path::new("/tmp/escaped").exists());
    assert!(!root.path().join("escaped").exists());

    // One checkpoint each: no two namespaces share one.
    let checkpoints = data.join(CHECKPOINT_DIR);
    assert_eq!(fs::read_dir(&checkpoints).unwrap().count(), names.len());
    let expected: Vec<_> = namespaces.iter().map(|(_, i)| Some(*i)).collect();
    assert_eq!(resumed_without_the_database(&data, &namespaces), expected);
}
