#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! `client-session inspect` is read-only: it reports what a data directory holds, damage
//! included, and never changes a byte of it (issue 6, defect 6).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod support;
use support::{cli, command, stderr, Live, TRACK};

/// One entry of a directory tree: its path, its type and its contents (a link's target).
type Entry = (PathBuf, &'static str, Vec<u8>);

fn snapshot(dir: &Path) -> Vec<Entry> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let relative = path.strip_prefix(root).unwrap().to_owned();
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.is_symlink() {
            let target = fs::read_link(&path).unwrap();
            out.push((
                relative,
                "link",
                target.into_os_string().into_encoded_bytes(),
            ));
        } else if meta.is_dir() {
            out.push((relative, "dir", Vec::new()));
            walk(root, &path, out);
        } else {
            out.push((relative, "file", fs::read(&path).unwrap()));
        }
    }
}

fn run(dir: &Path, stdin: &str) -> Output {
    let out = cli(&["run", "--data-dir", dir.to_str().unwrap()], stdin);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

/// The first event line a `run` printed.
fn first_event(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

fn inspect_command(dir: &Path) -> Command {
    let mut command = command(&["inspect", "--data-dir", dir.to_str().unwrap()]);
    command.stdin(Stdio::null());
    command
}

/// Runs `inspect` on `dir`, checks that the tree is byte for byte what it was, and returns the
/// printed JSON.
fn inspect_unchanged(dir: &Path) -> Value {
    let before = snapshot(dir);
    let out = inspect_command(dir)
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let after = snapshot(dir);
    let changed: Vec<_> = before
        .iter()
        .filter(|entry| !after.contains(entry))
        .chain(after.iter().filter(|entry| !before.contains(entry)))
        .map(|(path, kind, _)| format!("{} ({kind})", path.display()))
        .collect();
    assert!(
        changed.is_empty(),
        "inspect changed the data directory: {changed:?}"
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A data directory after one `run` on the default namespace, and the event it printed.
fn used_dir() -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    let event = first_event(&run(dir.path(), TRACK));
    (dir, event)
}

fn sled_files(dir: &Path) -> Vec<PathBuf> {
    snapshot(&dir.join("sessions"))
        .into_iter()
        .filter(|(_, kind, _)| *kind == "file")
        .map(|(path, _, _)| dir.join("sessions").join(path))
        .collect()
}

fn assert_database_damaged(found: &Value, user: &Value) {
    assert_eq!(found["database"]["status"], "damaged", "{found:#}");
    assert!(
        !found["database"]["reason"].as_str().unwrap().is_empty(),
        "{found:#}"
    );
    assert_eq!(found["namespaces"], serde_json::json!({}), "{found:#}");
    assert_eq!(&found["userId"], user, "the user id is not in the database");
}

#[test]
fn an_empty_directory_stays_empty_and_is_reported_empty() {
    let dir = tempfile::tempdir().unwrap();
    let found = inspect_unchanged(dir.path());
    assert_eq!(found["userId"], Value::Null);
    assert_eq!(found["userIdFile"]["status"], "absent");
    assert_eq!(found["database"]["status"], "absent");
    assert_eq!(found["namespaces"], serde_json::json!({}));
    assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn a_used_directory_is_read_without_a_change() {
    let (dir, event) = used_dir();
    let found = inspect_unchanged(dir.path());
    let cs = &event["client_session"];
    assert_eq!(found["userId"], cs["userId"]);
    assert_eq!(found["userIdFile"]["status"], "ok");
    assert_eq!(found["database"]["status"], "ok");
    let stored = &found["namespaces"]["default"];
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["session"]["sessionId"], cs["sessionId"]);
    assert_eq!(stored["session"]["eventIndex"], 1);
    let checkpoints: Vec<&Value> = found["checkpoints"].as_object().unwrap().values().collect();
    assert_eq!(checkpoints.len(), 1, "{found:#}");
    assert_eq!(checkpoints[0]["namespace"], "default");
    assert_eq!(
        checkpoints[0]["record"]["session"]["sessionId"],
        cs["sessionId"]
    );
}

#[test]
fn a_database_of_garbage_is_reported_damaged_and_left_in_place() {
    let (dir, event) = used_dir();
    for file in sled_files(dir.path()) {
        fs::write(file, vec![0xA5; 4096]).unwrap();
    }
    let found = inspect_unchanged(dir.path());
    assert_database_damaged(&found, &event["client_session"]["userId"]);
    assert_eq!(found["keptAside"], serde_json::json!([]));
}

#[test]
fn a_truncated_database_is_reported_damaged_and_left_in_place() {
    let (dir, event) = used_dir();
    for file in sled_files(dir.path()) {
        let len = fs::metadata(&file).unwrap().len();
        fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .unwrap()
            .set_len(len / 3)
            .unwrap();
    }
    let found = inspect_unchanged(dir.path());
    assert_database_damaged(&found, &event["client_session"]["userId"]);
}

#[test]
fn a_damaged_user_id_is_reported_and_left_in_place() {
    let (dir, event) = used_dir();
    fs::write(dir.path().join("user-id"), b"\x00\xffnot a uuid").unwrap();
    let found = inspect_unchanged(dir.path());
    assert_eq!(found["userId"], Value::Null);
    assert_eq!(found["userIdFile"]["status"], "damaged");
    assert_eq!(found["userIdFile"]["reason"], "holds no UUID");
    assert_eq!(found["database"]["status"], "ok");
    assert_eq!(
        found["namespaces"]["default"]["session"]["sessionId"],
        event["client_session"]["sessionId"]
    );
}

#[test]
fn a_directory_held_by_a_running_tracker_is_reported_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let mut tracker = Live::run(dir.path(), &[]);
    tracker.send(TRACK);
    // One printed event: the tracker has the database open and waits for more input.
    let line = tracker.read_line().unwrap_or_default();
    assert!(line.contains("\"event\":\"structured\""), "{line}");

    let out = inspect_command(dir.path())
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(tracker.finish().0.success());

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is in use by a running tracker"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one plain line: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_closed_stdout_is_an_error_not_a_panic() {
    let (dir, _) = used_dir();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = inspect_command(dir.path()).stdout(writer).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_full_disk_on_stdout_is_an_error_not_a_panic() {
    let (dir, _) = used_dir();
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = inspect_command(dir.path()).stdout(full).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
