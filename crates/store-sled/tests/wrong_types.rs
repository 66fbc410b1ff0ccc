//! Something of the wrong type where the store expects a file or a directory is damage: it is
//! moved aside under a `.damaged-` name, logged at error level, and a fresh one is made, so
//! every later start works. The user id is kept unless it was the wrong thing itself. Also: a
//! checkpoint that cannot be written is logged once, and a sled panic that is caught prints
//! nothing but our log line.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use client_session_core::UserId;
use client_session_store::{Durability, SessionStore};
use client_session_store_sled::{SledDatabase, CHECKPOINT_DIR, USER_ID_FILE};

mod fixtures;
use fixtures::{runtime, start_and_close, state};
mod logs;
use logs::{with_logs, Logs};

/// A tracker's life on `dir`: a new session (a durable save, so a checkpoint), a clean close.
fn track(dir: &Path, index: u32) -> UserId {
    runtime().block_on(async {
        let db = SledDatabase::open(dir).expect("the directory opens");
        start_and_close(&db, "default", index).await;
        db.user_id()
    })
}

/// Entries of `dir` whose name starts with `<name>.damaged-`.
fn asides(dir: &Path, name: &str) -> Vec<PathBuf> {
    let prefix = format!("{name}.damaged-");
    let mut found: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Opens `dir` three times, each a full tracker life, and returns the user ids; the first
/// open's log lines too.
fn three_runs(dir: &Path) -> (Vec<UserId>, Vec<String>) {
    let logs = Logs::default();
    let first = with_logs(&logs, |_| track(dir, 5));
    let users = vec![first, track(dir, 6), track(dir, 7)];
    (users, logs.lines())
}

fn logged_error(logs: &[String], about: &str) -> bool {
    logs.iter()
        .any(|l| l.starts_with("ERROR") && l.contains(about))
}

#[test]
fn a_directory_where_the_user_id_should_be_is_moved_aside_and_a_new_user_made() {
    let dir = tempfile::tempdir().unwrap();
    let old_user = track(dir.path(), 1);
    let user_file = dir.path().join(USER_ID_FILE);
    fs::remove_file(&user_file).unwrap();
    fs::create_dir(&user_file).unwrap();
    fs::write(user_file.join("kept"), b"what was inside").unwrap();

    let (users, logs) = three_runs(dir.path());
    assert_ne!(users[0], old_user, "the user id was the damaged thing");
    assert_eq!(users, [users[0]; 3], "one new user, then kept: {logs:?}");
    assert!(logged_error(&logs, "user id"), "{logs:?}");
    let aside = asides(dir.path(), USER_ID_FILE);
    assert_eq!(aside.len(), 1, "moved aside once: {aside:?}");
    assert_eq!(fs::read(aside[0].join("kept")).unwrap(), b"what was inside");
    assert!(user_file.is_file());
}

#[test]
fn a_file_where_the_database_directory_should_be_is_moved_aside_on_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let user = track(dir.path(), 1);
    fs::remove_dir_all(dir.path().join("sessions")).unwrap();
    fs::write(dir.path().join("sessions"), b"not a directory").unwrap();

    let (users, logs) = three_runs(dir.path());
    assert_eq!(users, [user; 3], "{logs:?}");
    assert!(logged_error(&logs, "damaged"), "{logs:?}");
    let aside = asides(dir.path(), "sessions");
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(fs::read(&aside[0]).unwrap(), b"not a directory");
    assert!(dir.path().join("sessions").is_dir());
}

#[test]
fn a_file_where_the_checkpoint_directory_should_be_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let user = track(dir.path(), 1);
    let checkpoints = dir.path().join(CHECKPOINT_DIR);
    fs::remove_dir_all(&checkpoints).unwrap();
    fs::write(&checkpoints, b"not a directory").unwrap();

    let (users, logs) = three_runs(dir.path());
    assert_eq!(users, [user; 3], "{logs:?}");
    assert!(logged_error(&logs, "checkpoint"), "{logs:?}");
    let aside = asides(dir.path(), CHECKPOINT_DIR);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(fs::read(&aside[0]).unwrap(), b"not a directory");
    assert_eq!(
        fs::read_dir(&checkpoints).unwrap().count(),
        1,
        "checkpoints are written again"
    );
}

/// `sessions/db` replaced by `make`: a wrong-typed database file.
fn database_file_replaced(make: impl Fn(&Path)) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let user = track(dir.path(), 1);
    let db_file = dir.path().join("sessions").join("db");
    fs::remove_file(&db_file).unwrap();
    make(&db_file);

    let (users, logs) = three_runs(dir.path());
    assert_eq!(users, [user; 3], "{logs:?}");
    assert!(logged_error(&logs, "damaged"), "{logs:?}");
    let aside = asides(dir.path(), "sessions");
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(dir.path().join("sessions").join("db").is_file());
    (dir, aside)
}

#[test]
fn a_directory_where_the_database_file_should_be_is_moved_aside() {
    let (_dir, aside) = database_file_replaced(|db| {
        fs::create_dir(db).unwrap();
        fs::write(db.join("kept"), b"inside").unwrap();
    });
    assert_eq!(
        fs::read(aside[0].join("db").join("kept")).unwrap(),
        b"inside"
    );
}

#[cfg(unix)]
#[test]
fn a_database_file_that_links_to_dev_null_is_moved_aside() {
    let (_dir, aside) = database_file_replaced(|db| {
        std::os::unix::fs::symlink("/dev/null", db).unwrap();
    });
    let link = aside[0].join("db");
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("/dev/null"));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device(),
        "the link is moved, never what it points to"
    );
}

/// A directory where a namespace's checkpoint file belongs would fail every checkpoint write
/// for good: it is moved aside, and the next run's checkpoint guards the numbering again.
#[test]
fn a_directory_where_a_checkpoint_file_should_be_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    track(dir.path(), 3);
    let checkpoints = dir.path().join(CHECKPOINT_DIR);
    let file = fs::read_dir(&checkpoints).unwrap().next().unwrap().unwrap();
    let name = file.file_name().to_string_lossy().into_owned();
    fs::remove_file(file.path()).unwrap();
    fs::create_dir_all(file.path().join("inside")).unwrap();
    let (_, logs) = three_runs(dir.path());
    assert!(logged_error(&logs, "not a file"), "{logs:?}");
    assert_eq!(asides(&checkpoints, &name).len(), 1);
    assert!(
        asides(&checkpoints, &name)[0].join("inside").is_dir(),
        "kept whole"
    );
    // The checkpoint works again: without the database, run 7's session comes back from it.
    fs::remove_dir_all(dir.path().join("sessions")).unwrap();
    let opened = runtime().block_on(async {
        let db = SledDatabase::open(dir.path()).unwrap();
        db.store("default").open(0).await.unwrap()
    });
    assert_eq!(opened.state, Some(state(7)));
}

/// A giant file planted where a small one belongs (here sparse, 64 GiB) is read no further
/// than any file the store writes there: it is damage, moved aside at once, never loaded.
#[test]
fn giant_user_id_and_checkpoint_files_are_not_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let user = track(dir.path(), 3);
    let checkpoint = fs::read_dir(dir.path().join(CHECKPOINT_DIR))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for giant in [dir.path().join(USER_ID_FILE), checkpoint] {
        fs::File::create(&giant).unwrap().set_len(64 << 30).unwrap();
    }
    let (users, logs) = three_runs(dir.path());
    assert_ne!(users[0], user, "a giant user-id file holds no UUID");
    assert!(users.iter().all(|u| *u == users[0]), "{users:?}");
    assert!(logged_error(&logs, "holds no UUID"), "{logs:?}");
    assert_eq!(asides(dir.path(), USER_ID_FILE).len(), 1);
}

/// A checkpoint write that fails does not fail the save (the database has the state), and it
/// is logged at error level once per store, not once per batch, although every save retries
/// it; once a write works again, that is logged too.
#[test]
fn a_checkpoint_that_cannot_be_written_is_logged_once() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = dir.path().join(CHECKPOINT_DIR);
    let logs = Logs::default();
    let count = |logs: &Logs| {
        logs.lines()
            .iter()
            .filter(|l| l.starts_with("ERROR") && l.contains("cannot write the session checkpoint"))
            .count()
    };
    with_logs(&logs, |runtime| {
        runtime.block_on(async {
            let db = SledDatabase::open(dir.path()).unwrap();
            // A file where the directory belongs, after the database checked its layout:
            // every checkpoint write fails, whoever runs the test (root ignores permissions).
            fs::write(&checkpoints, b"in the way").unwrap();
            let mut store = db.store("default");
            store.open(0).await.unwrap();
            for index in 1..6 {
                store
                    .save(&state(index), 0, Durability::Durable)
                    .await
                    .unwrap();
                store
                    .save(&state(index), 0, Durability::Buffered)
                    .await
                    .unwrap();
            }
            assert_eq!(count(&logs), 1, "{:?}", logs.lines());
            fs::remove_file(&checkpoints).unwrap();
            store
                .save(&state(6), 0, Durability::Buffered)
                .await
                .unwrap();
            assert!(
                logs.lines()
                    .iter()
                    .any(|l| l.starts_with("WARN") && l.contains("checkpoint is written again")),
                "the next save, even an unforced one, writes it and says so: {:?}",
                logs.lines()
            );
            assert!(
                checkpoints.is_dir(),
                "the checkpoint exists again after the first save that could write it"
            );
            // Another store on the same directory meets the same failure: its own report.
            fs::remove_dir_all(&checkpoints).unwrap();
            fs::write(&checkpoints, b"in the way").unwrap();
            let mut other = db.store("other");
            other.open(0).await.unwrap();
            other.save(&state(1), 0, Durability::Durable).await.unwrap();
            other.save(&state(2), 0, Durability::Durable).await.unwrap();
            assert_eq!(count(&logs), 2, "{:?}", logs.lines());
        });
    });
}

// ---------------------------------------------------------------------------------------------
// A caught sled panic is silent: checked in a child process, whose stderr is all there is.

const CHILD_DIR: &str = "CLIENT_SESSION_TEST_PANIC_DIR";

/// crc32 (IEEE), as sled checks its snapshot files.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A database directory holding only a snapshot whose checksum is right but whose stable
/// position is negative: sled 0.34 panics on it (`TryFromIntError` in `recovered_coords`), in
/// release builds too.
fn plant_a_panicking_database(dir: &Path) {
    let sessions = dir.join("sessions");
    fs::create_dir_all(&sessions).unwrap();
    // stable_lsn Some(-1) (kept as is when negative), active_segment Some(0) (shifted to 1),
    // no pages.
    let mut body = (-1_i64).to_le_bytes().to_vec();
    body.push(1);
    let mut file = body.clone();
    file.extend_from_slice(&(body.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32(&body).to_le_bytes());
    fs::write(sessions.join("snap.0000000000000000"), file).unwrap();
}

/// Prints every log line to stderr, as an app's subscriber would.
struct Stderr;

impl tracing::Subscriber for Stderr {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let logs = Logs::default();
        tracing::Subscriber::event(&logs, event);
        for line in logs.lines() {
            eprintln!("LOG {line}");
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// The child's part of [`a_caught_sled_panic_prints_only_our_log_line`]: run only by it.
#[test]
#[ignore = "run as a child process by a_caught_sled_panic_prints_only_our_log_line"]
fn child_opens_a_database_that_makes_sled_panic() {
    let dir = PathBuf::from(std::env::var_os(CHILD_DIR).expect("run by the parent test"));
    tracing::subscriber::with_default(Stderr, || {
        let db = SledDatabase::open(&dir).expect("a panicking database is moved aside");
        eprintln!("CHILD opened, user {}", db.user_id());
    });
    // A panic anywhere else still reaches the hook that was there before.
    #[allow(clippy::panic)] // the panic is the point
    let other = std::panic::catch_unwind(|| panic!("a panic outside the store"));
    assert!(other.is_err());
}

#[test]
fn a_caught_sled_panic_prints_only_our_log_line() {
    let dir = tempfile::tempdir().unwrap();
    plant_a_panicking_database(dir.path());
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_opens_a_database_that_makes_sled_panic",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("CHILD opened"), "{stderr}");
    // The sled panic happened, and was logged as damage by us.
    let ours: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("LOG ERROR") && l.contains("sled panicked"))
        .collect();
    assert_eq!(ours.len(), 1, "{stderr}");
    // Nothing else about it: no default panic message, no backtrace.
    let panics: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("panicked at"))
        .collect();
    assert_eq!(
        panics.len(),
        1,
        "only the unguarded panic is printed: {stderr}"
    );
    assert!(
        stderr.contains("a panic outside the store"),
        "other panics still reach the previous hook: {stderr}"
    );
    assert_eq!(
        stderr.matches("TryFromIntError").count(),
        1,
        "sled's message is in our log line only: {stderr}"
    );
    // One backtrace at most: the unguarded panic's (RUST_BACKTRACE=1).
    assert!(stderr.matches("stack backtrace").count() <= 1, "{stderr}");
    assert_eq!(asides(dir.path(), "sessions").len(), 1, "{stderr}");
}
