//! Issue 10, private storage: the data directory holds a persistent identifier, so on Unix it
//! is `0700` and every file in it `0600`, checkpoints and kept-aside copies included, whatever
//! the umask; a looser existing directory is tightened at open; a clear leaves the new user's
//! files owner-only and nothing of the old user.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use client_session_store::{Durability, SessionStore};
use client_session_store_sled::{SledDatabase, CHECKPOINT_DIR, USER_ID_FILE};

mod fixtures;
use fixtures::session_at;

/// Every entry under `dir` (not following symlinks), `dir` first.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut all = vec![dir.to_owned()];
    if fs::symlink_metadata(dir).unwrap().is_dir() {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            all.extend(tree(&entry));
        }
    }
    all
}

/// Checks every entry's mode, and what each file is: the user-id file holds `user` (and only
/// it), each checkpoint is a fixed-size image, every other file is sled's or a kept-aside
/// copy. Returns the files it saw, relative to `dir`.
fn check_tree(dir: &Path, user: &str) -> Vec<String> {
    let mut files = Vec::new();
    for path in tree(dir) {
        let meta = fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        let name = path.strip_prefix(dir).unwrap().display().to_string();
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{name}/ is {mode:o}");
            continue;
        }
        assert!(meta.is_file(), "{name}: only files and directories here");
        assert_eq!(mode, 0o600, "{name} is {mode:o}");
        let bytes = fs::read(&path).unwrap();
        if name == USER_ID_FILE {
            assert_eq!(String::from_utf8(bytes).unwrap().trim(), user);
        } else if name.starts_with(CHECKPOINT_DIR) {
            assert!(!bytes.is_empty(), "{name} is an empty checkpoint");
        } else {
            assert!(
                name.starts_with("sessions") || name.contains(".damaged-"),
                "{name}: a file this store does not make"
            );
        }
        files.push(name);
    }
    files
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn every_entry_is_owner_only_after_a_run_damage_and_a_loose_directory() {
    let root = tempfile::tempdir().unwrap();
    // Make it as a permissive app would: umask-style 0755 parents.
    set_mode(root.path(), 0o755);
    let dir = root.path().join("app/client-session");

    // A run: two namespaces, a new session (durable), a buffered save, a suspension, a close.
    let user = {
        let db = SledDatabase::open(&dir).unwrap();
        for namespace in [
            "default",
            "a-namespace-long-enough-to-take-a-hashed-checkpoint-slot-of-its-own-here",
        ] {
            let mut store = db.store(namespace);
            store.open(0).await.unwrap();
            store
                .save(&session_at(1, 1), 1, Durability::Durable)
                .await
                .unwrap();
            store
                .save(&session_at(1, 2), 2, Durability::Buffered)
                .await
                .unwrap();
            store.suspend(&session_at(1, 2), 3).await.unwrap();
            store.close(&session_at(1, 3), 4).await.unwrap();
        }
        db.user_id().to_string()
    };
    let after_run = check_tree(&dir, &user);
    assert!(after_run.iter().any(|f| f == USER_ID_FILE), "{after_run:?}");
    assert!(
        after_run
            .iter()
            .filter(|f| f.starts_with(CHECKPOINT_DIR))
            .count()
            >= 2,
        "{after_run:?}"
    );
    assert!(
        after_run.iter().any(|f| f.starts_with("sessions")),
        "{after_run:?}"
    );

    // Damage: the user-id file is garbage; it is kept aside (a new user starts), and the copy
    // is owner-only too.
    fs::write(dir.join(USER_ID_FILE), b"not a user id").unwrap();
    let user = {
        let db = SledDatabase::open(&dir).unwrap();
        db.user_id().to_string()
    };
    let after_damage = check_tree(&dir, &user);
    assert!(
        after_damage
            .iter()
            .any(|f| f.starts_with(&format!("{USER_ID_FILE}.damaged-"))),
        "{after_damage:?}"
    );

    // A directory left loose (an older version, a copy, a permissive umask): tightened at open.
    for path in tree(&dir) {
        let meta = fs::symlink_metadata(&path).unwrap();
        set_mode(&path, if meta.is_dir() { 0o755 } else { 0o644 });
    }
    fs::write(dir.join("sessions/planted"), b"x").unwrap();
    set_mode(&dir.join("sessions/planted"), 0o666);
    drop(SledDatabase::open(&dir).unwrap());
    check_tree(&dir, &user);

    // A clear: the new user's files are owner-only too, and nothing of the old user is left
    // (check_tree accepts only the new user id in the user-id file, and no kept-aside copy
    // survives a clear).
    let old_user = user;
    let user = {
        let db = SledDatabase::open(&dir).unwrap();
        let mut store = db.store("default");
        store.open(5).await.unwrap();
        store
            .save(&session_at(2, 1), 6, Durability::Durable)
            .await
            .unwrap();
        store.clear_user_data(7).await.unwrap();
        store
            .save(&session_at(1, 1), 8, Durability::Durable)
            .await
            .unwrap();
        db.user_id().to_string()
    };
    assert_ne!(user, old_user);
    let after_clear = check_tree(&dir, &user);
    assert!(
        !after_clear.iter().any(|f| f.contains(".damaged-")),
        "kept-aside copies are deleted by a clear: {after_clear:?}"
    );
    for file in &after_clear {
        let bytes = fs::read(dir.join(file)).unwrap();
        assert!(
            !bytes
                .windows(old_user.len())
                .any(|w| w == old_user.as_bytes()),
            "{file} still holds the old user id"
        );
    }
    assert_eq!(
        fs::metadata(root.path().join("app"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o777 & !umask(),
        "parents are the app's, left as made"
    );
}

/// The process's umask, seen in the mode of a directory made with the default mode.
fn umask() -> u32 {
    let probe = tempfile::tempdir().unwrap();
    let made = probe.path().join("probe");
    fs::create_dir(&made).unwrap();
    0o777 & !(fs::metadata(&made).unwrap().permissions().mode() & 0o777)
}
