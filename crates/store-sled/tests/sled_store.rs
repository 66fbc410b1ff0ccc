//! The sled store's guarantees, each on a real database in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report

use std::fs;
use std::path::Path;

use client_session_core::{PersistedSession, PreviousRun};
use client_session_store::record::{self, Decoded};
use client_session_store::{Durability, SessionStore, StoreError};
use client_session_store_sled::{SledDatabase, CHECKPOINT_DIR, USER_ID_FILE};
use client_session_suite::support::raw_sled;

mod fixtures;
use fixtures::session_at;

/// Session `index` at event 4: `wrong_typed_record_is_absent_and_user_survives` rewrites its `"eventIndex":4`.
fn state(index: u32) -> PersistedSession {
    session_at(index, 4)
}

#[tokio::test]
async fn state_and_clean_marker_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let user = {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("default");
        let opened = store.open(0).await.unwrap();
        assert_eq!(opened.state, None);
        store
            .save(&state(1), 0, Durability::Buffered)
            .await
            .unwrap();
        store.close(&state(2), 0).await.unwrap();
        opened.user_id
    };
    let db = SledDatabase::open(dir.path()).unwrap();
    let opened = db.store("default").open(0).await.unwrap();
    assert_eq!(opened.user_id, user);
    assert_eq!(opened.state, Some(state(2)));
    assert_eq!(opened.previous_run, PreviousRun::Clean);
    drop(db);
    let db = SledDatabase::open(dir.path()).unwrap();
    let opened = db.store("default").open(0).await.unwrap();
    assert_eq!(
        opened.previous_run,
        PreviousRun::Unclean,
        "the previous open was never closed: an unclean shutdown"
    );
    assert_eq!(opened.state, Some(state(2)));
}

#[tokio::test]
async fn durable_save_is_on_disk_without_close() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("default");
        store.open(0).await.unwrap();
        store.save(&state(7), 0, Durability::Durable).await.unwrap();
    }
    let db = SledDatabase::open(dir.path()).unwrap();
    assert_eq!(
        db.store("default").open(0).await.unwrap().state,
        Some(state(7))
    );
}

/// Copies the tree at `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What a crash would leave of `dir` now, with the store still open: a copy of its files as
/// written so far. sled keeps unflushed writes in its own buffers, so they are not in it.
fn crash_image(dir: &Path) -> tempfile::TempDir {
    let image = tempfile::tempdir().unwrap();
    copy_tree(dir, image.path());
    image
}

async fn reopen(dir: &Path) -> (PreviousRun, Option<PersistedSession>) {
    let db = SledDatabase::open(dir).unwrap();
    let opened = db.store("default").open(0).await.unwrap();
    (opened.previous_run, opened.state)
}

#[tokio::test]
async fn a_process_killed_after_a_suspension_shut_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("default");
        store.open(0).await.unwrap();
        store.save(&state(1), 0, Durability::Durable).await.unwrap();
        store
            .save(&session_at(1, 5), 0, Durability::Buffered)
            .await
            .unwrap();
        store.suspend(&session_at(1, 6), 0).await.unwrap();
        let image = crash_image(dir.path());
        assert_eq!(
            reopen(image.path()).await,
            (PreviousRun::Clean, Some(session_at(1, 6))),
            "on disk when suspend returns"
        );
        // Dropped without a close.
    }
    assert_eq!(
        reopen(dir.path()).await,
        (PreviousRun::Clean, Some(session_at(1, 6)))
    );
}

#[tokio::test]
async fn the_save_after_a_suspension_clears_the_marker_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("default");
        store.open(0).await.unwrap();
        store.suspend(&session_at(1, 6), 0).await.unwrap();
        store
            .save(&session_at(1, 7), 0, Durability::Buffered)
            .await
            .unwrap();
        let image = crash_image(dir.path());
        assert_eq!(
            reopen(image.path()).await,
            (PreviousRun::Unclean, Some(session_at(1, 7))),
            "cleared on disk when the save returns, though it was asked for a buffered write"
        );
        // A later buffered save is no longer forced (nothing to check on disk), and a second
        // suspension marks the newest state.
        store
            .save(&session_at(1, 8), 0, Durability::Buffered)
            .await
            .unwrap();
        store.suspend(&session_at(1, 9), 0).await.unwrap();
    }
    assert_eq!(
        reopen(dir.path()).await,
        (PreviousRun::Clean, Some(session_at(1, 9)))
    );
    {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("default");
        store.open(0).await.unwrap();
        store.suspend(&session_at(1, 10), 0).await.unwrap();
        store
            .save(&session_at(1, 11), 0, Durability::Buffered)
            .await
            .unwrap();
    }
    assert_eq!(
        reopen(dir.path()).await,
        (PreviousRun::Unclean, Some(session_at(1, 11))),
        "killed after the save that followed a suspension"
    );
}

#[tokio::test]
async fn the_save_after_a_suspension_is_unclean_when_either_copy_lost_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = SledDatabase::open(dir.path()).unwrap();
    let mut store = db.store("default");
    store.open(0).await.unwrap();
    store.suspend(&session_at(1, 6), 0).await.unwrap();
    let suspended = crash_image(dir.path());
    store
        .save(&session_at(1, 7), 0, Durability::Buffered)
        .await
        .unwrap();
    for lost in [CHECKPOINT_DIR, "sessions"] {
        // Everything of the save but its write to `lost`.
        let image = crash_image(dir.path());
        fs::remove_dir_all(image.path().join(lost)).unwrap();
        copy_tree(&suspended.path().join(lost), &image.path().join(lost));
        let (previous_run, _) = reopen(image.path()).await;
        assert_eq!(previous_run, PreviousRun::Unclean, "{lost} lost the save");
    }
}

#[tokio::test]
async fn a_close_after_a_suspension_is_a_clean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("default");
        store.open(0).await.unwrap();
        store.suspend(&session_at(1, 2), 0).await.unwrap();
        store
            .save(&session_at(1, 3), 0, Durability::Buffered)
            .await
            .unwrap();
        store.close(&session_at(1, 4), 0).await.unwrap();
    }
    assert_eq!(
        reopen(dir.path()).await,
        (PreviousRun::Clean, Some(session_at(1, 4)))
    );
}

#[tokio::test]
async fn namespaces_keep_separate_sessions_and_share_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let db = SledDatabase::open(dir.path()).unwrap();
    let mut a = db.store("a");
    let mut b = db.store("b");
    assert_eq!(
        a.open(0).await.unwrap().user_id,
        b.open(0).await.unwrap().user_id
    );
    a.save(&state(1), 0, Durability::Buffered).await.unwrap();
    b.save(&state(5), 0, Durability::Buffered).await.unwrap();
    let all = db.namespaces().unwrap();
    assert_eq!(all["a"], Decoded::Current(state(1)));
    assert_eq!(all["b"], Decoded::Current(state(5)));
}

async fn put_raw(dir: &Path, bytes: &[u8]) {
    // Write a record as an older or newer build would, through sled itself.
    let db = raw_sled(dir);
    db.insert(b"session/default", bytes).unwrap();
    db.flush().unwrap();
}

#[tokio::test]
async fn newer_format_is_kept_aside_and_treated_as_absent() {
    let dir = tempfile::tempdir().unwrap();
    let user = SledDatabase::open(dir.path()).unwrap().user_id();
    put_raw(dir.path(), br#"{"version":9,"future":"field"}"#).await;
    let db = SledDatabase::open(dir.path()).unwrap();
    let mut store = db.store("default");
    let opened = store.open(0).await.unwrap();
    assert_eq!(opened.state, None);
    assert_eq!(opened.user_id, user);
    store.save(&state(1), 0, Durability::Durable).await.unwrap();
    drop(store);
    drop(db);
    let raw = raw_sled(dir.path());
    let aside: Vec<_> = raw
        .scan_prefix(b"aside/default/v9/")
        .map(|e| e.unwrap().1)
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(&aside[0][..], br#"{"version":9,"future":"field"}"#);
}

#[tokio::test]
async fn wrong_typed_record_is_absent_and_user_survives() {
    let dir = tempfile::tempdir().unwrap();
    let user = SledDatabase::open(dir.path()).unwrap().user_id();
    let bad = String::from_utf8(record::encode(&state(3)).unwrap())
        .unwrap()
        .replace("\"eventIndex\":4", "\"eventIndex\":\"4\"");
    put_raw(dir.path(), bad.as_bytes()).await;
    let db = SledDatabase::open(dir.path()).unwrap();
    let opened = db.store("default").open(0).await.unwrap();
    assert_eq!(opened.state, None);
    assert_eq!(opened.user_id, user);
}

#[test]
fn second_open_of_a_held_database_is_a_typed_lock_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let _held = SledDatabase::open(dir.path()).unwrap();
    match SledDatabase::open(dir.path()) {
        Err(StoreError::Locked { path }) => {
            assert_eq!(path, dir.path().join("sessions"));
            let message = StoreError::Locked { path }.to_string();
            assert!(
                message.contains(&dir.path().display().to_string()),
                "{message}"
            );
        }
        other => panic!("expected Locked, got {other:?}"),
    }
}

fn damage(dir: &Path, how: impl Fn(&Path)) {
    for entry in walk(&dir.join("sessions")) {
        how(&entry);
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn damaged_database_is_moved_aside(how: impl Fn(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let user = {
        let db = SledDatabase::open(dir.path()).unwrap();
        let mut store = db.store("default");
        store.open(0).await.unwrap();
        store.close(&state(3), 0).await.unwrap();
        db.user_id()
    };
    damage(dir.path(), how);
    let db = SledDatabase::open(dir.path()).expect("a damaged database never stops the app");
    assert_eq!(db.user_id(), user, "the user id is not in the database");
    let opened = db.store("default").open(0).await.unwrap();
    assert_eq!(
        (opened.state, opened.previous_run),
        (Some(state(3)), PreviousRun::Clean),
        "the clean close's checkpoint is the state the damaged database lost"
    );
    let moved = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("sessions.damaged-")
        });
    assert!(moved, "the damaged directory is kept aside for inspection");
    assert_eq!(
        fs::read_to_string(dir.path().join(USER_ID_FILE))
            .unwrap()
            .trim(),
        user.to_string()
    );
}

#[tokio::test]
async fn garbage_files_never_panic_or_change_the_user() {
    damaged_database_is_moved_aside(|file| fs::write(file, vec![0xA5; 4096]).unwrap()).await;
}

#[tokio::test]
async fn truncated_files_never_panic_or_change_the_user() {
    damaged_database_is_moved_aside(|file| {
        let len = fs::metadata(file).unwrap().len();
        fs::OpenOptions::new()
            .write(true)
            .open(file)
            .unwrap()
            .set_len(len / 3)
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_file_where_the_database_directory_should_be_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("sessions"), b"not a directory").unwrap();
    let db = SledDatabase::open(dir.path()).expect("a wrong-typed database never stops the app");
    assert!(db.namespaces().unwrap().is_empty());
    assert!(dir.path().join("sessions").is_dir());
    let kept: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("sessions.damaged-")
        })
        .map(|e| fs::read(e.path()).unwrap())
        .collect();
    assert_eq!(kept, [b"not a directory"], "the file is kept aside");
}

/// sled #1289: after this process closes a database, sled's I/O threads can keep its lock for a
/// moment. A raw sled handle released 100 ms later stands in for them: the reopen must wait for
/// it, not report our own database as locked.
#[test]
fn reopening_waits_for_our_own_lingering_lock() {
    let dir = tempfile::tempdir().unwrap();
    drop(SledDatabase::open(dir.path()).unwrap());
    let lingering = raw_sled(dir.path());
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(lingering);
    });
    let reopened = SledDatabase::open(dir.path());
    releaser.join().unwrap();
    assert!(reopened.is_ok(), "{:?}", reopened.err());
}
