#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Damage on disk: random byte flips, random overwrites and truncations of the sled files, a
//! damaged or hand-edited `user-id` file, and records from other format versions. Opening never
//! panics, never changes the user silently, and gives back either a state that was really
//! written or a logged recovery with the state absent; the store keeps working afterwards.
//!
//! The damage comes from a small seeded PRNG; the seed is printed (shown when a test fails) and
//! `CLIENT_SESSION_CORRUPTION_SEED=<seed>` replays it.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use client_session_core::{PersistedSession, PreviousRun, SessionRecord, UserId};
use client_session_store::record;
use client_session_store::{Durability, Opened, SessionStore};
use client_session_store_sled::{SledDatabase, USER_ID_FILE};
use client_session_suite::support::{raw_sled, SeededRng};
use uuid::Uuid;

mod logs;
use logs::{with_logs, Logs};

// ---------------------------------------------------------------------------------------------
// Helpers: the states a test writes (the log capture is in `logs/`).

/// A distinct, valid state for every `n`.
fn state(n: u32) -> PersistedSession {
    // As a tracker writes them: a new session every third write (its first, flushed save),
    // events counting within it.
    let session = u128::from(n / 3);
    PersistedSession {
        session: Some(SessionRecord {
            session_id: Uuid::from_u128(0x5e55_0000 + session),
            session_index: 1 + n / 3,
            previous_session_id: (n >= 3).then(|| Uuid::from_u128(0x5e55_0000 + session - 1)),
            first_event_id: Uuid::from_u128(0xe0e0_0000 + session),
            first_event_timestamp_ms: 1_700_000_000_000 + i64::from(n / 3) * 1000,
            event_index: n % 3 + 1,
            last_update_ms: 1_700_000_000_500 + i64::from(n) * 1000,
        }),
        new_session_requested: n % 4 == 1,
        anonymous: (n / 3) % 2 == 1,
    }
}

/// What the store resumes from when the database lost what was handed out: the checkpoint
/// of the last new session, with a new session requested.
fn resumed(checkpoint: PersistedSession) -> PersistedSession {
    PersistedSession {
        new_session_requested: true,
        ..checkpoint
    }
}

/// What a data directory holds before it is damaged.
struct Filled {
    user_file: Vec<u8>,
    user: UserId,
    /// Every state ever written, in order.
    written: Vec<PersistedSession>,
    /// The last state, when the tracker closed cleanly (the clean marker is set).
    closed: Option<PersistedSession>,
    /// The state of the last flushed save (a new session's first event): the checkpoint.
    checkpoint: PersistedSession,
}

/// A tracker's life on `dir`: open, `writes` saves (the first durable), then a clean close or
/// none. Two namespaces, so the database holds more than one record.
fn fill(dir: &Path, writes: u32, close: bool) -> Filled {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = SledDatabase::open(dir).unwrap();
        let mut store = db.store("default");
        let mut other = db.store("other");
        store.open(0).await.unwrap();
        other.open(0).await.unwrap();
        let mut written = Vec::new();
        for n in 0..writes {
            store
                .save(
                    &state(n),
                    0,
                    if n % 3 == 0 {
                        Durability::Durable
                    } else {
                        Durability::Buffered
                    },
                )
                .await
                .unwrap();
            other
                .save(&state(100 + n), 0, Durability::Buffered)
                .await
                .unwrap();
            written.push(state(n));
        }
        let closed = close.then(|| state(writes - 1));
        if let Some(last) = &closed {
            store.close(last, 0).await.unwrap();
        }
        other.close(&state(100 + writes), 0).await.unwrap();
        let user = db.user_id();
        drop((store, other, db));
        Filled {
            user_file: fs::read(dir.join(USER_ID_FILE)).unwrap(),
            user,
            written,
            closed,
            checkpoint: state((writes - 1) / 3 * 3),
        }
    })
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[derive(Debug, Clone, Copy)]
enum Damage {
    /// XOR a few random bytes with random non-zero values.
    Flip,
    /// Overwrite a random range with random bytes.
    Overwrite,
    /// Cut the file at a random offset.
    Truncate,
}

fn damage(file: &Path, how: Damage, rng: &mut SeededRng) -> String {
    let mut bytes = fs::read(file).unwrap();
    let len = bytes.len();
    let what = match how {
        Damage::Flip if len > 0 => {
            let mut at = Vec::new();
            for _ in 0..=rng.below(3) {
                let i = rng.index(len);
                bytes[i] ^= u8::try_from(1 + rng.below(255)).unwrap();
                at.push(i);
            }
            format!("flipped bytes {at:?}")
        }
        Damage::Overwrite if len > 0 => {
            let start = rng.index(len);
            let n = 1 + rng.index((len - start).min(64));
            for b in &mut bytes[start..start + n] {
                *b = u8::try_from(rng.below(256)).unwrap();
            }
            format!("overwrote {n} bytes at {start}")
        }
        Damage::Truncate => {
            let at = rng.index(len + 1);
            bytes.truncate(at);
            format!("truncated to {at} of {len} bytes")
        }
        _ => "nothing (empty file)".to_owned(),
    };
    fs::write(file, bytes).unwrap();
    format!("{}: {what}", file.display())
}

// ---------------------------------------------------------------------------------------------
// Random damage to the sled files.

/// The outcome of one damaged open, for the summary.
#[derive(Debug, Default)]
struct Tally {
    intact: usize,
    earlier: usize,
    resumed: usize,
}

/// Opens a damaged `dir` and checks everything; returns how it went.
fn reopen_and_check(dir: &Path, filled: &Filled, what: &str, tally: &mut Tally) {
    let logs = Logs::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        with_logs(&logs, |runtime| {
            runtime.block_on(async {
                let db = SledDatabase::open(dir)
                    .unwrap_or_else(|e| panic!("a damaged database never stops the app: {e}"));
                let mut store = db.store("default");
                let opened = store
                    .open(0)
                    .await
                    .unwrap_or_else(|e| panic!("reading the damaged record: {e}"));
                // The store keeps working after the recovery: a write survives a clean reopen.
                store.close(&state(999), 0).await.unwrap();
                let user = db.user_id();
                drop((store, db));
                let db = SledDatabase::open(dir).unwrap();
                let again = db.store("default").open(0).await.unwrap();
                (opened, user, again)
            })
        })
    }));
    let (opened, user, again): (Opened, UserId, Opened) = match outcome {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{what}: panicked: {message}\nlogs: {:?}", logs.lines());
        }
    };
    let context = || format!("{what}\nlogs: {:?}", logs.lines());
    assert_eq!(user, filled.user, "the user changed: {}", context());
    assert_eq!(opened.user_id, filled.user, "{}", context());
    assert_eq!(
        fs::read(dir.join(USER_ID_FILE)).unwrap(),
        filled.user_file,
        "the user-id file changed: {}",
        context()
    );
    assert_eq!(again.state, Some(state(999)), "{}", context());
    assert_eq!(again.previous_run, PreviousRun::Clean, "{}", context());
    // Every flushed save left a checkpoint, so a state always comes back, and its numbering
    // never falls below the last new session handed out.
    let state = opened
        .state
        .unwrap_or_else(|| panic!("no state although a checkpoint exists: {}", context()));
    let was_resumed = state == resumed(filled.checkpoint);
    assert!(
        filled.written.contains(&state) || was_resumed,
        "a state that was never written came back: {state:?}\n{}",
        context()
    );
    let index = |s: &PersistedSession| s.session.map_or(0, |r| r.session_index);
    assert!(
        index(&state) >= index(&filled.checkpoint),
        "session numbering went back: {state:?}\n{}",
        context()
    );
    if opened.previous_run == PreviousRun::Clean && Some(state) != filled.closed {
        // The marker belongs to the last state: with an older one, the next event must rotate,
        // or a continued session would repeat (sessionId, eventIndex) pairs.
        assert!(
            state.new_session_requested,
            "clean marker with an older state that would continue: {}",
            context()
        );
    }
    if was_resumed {
        assert!(
            logs.lines().iter().any(|l| l.contains("checkpoint")),
            "resuming from the checkpoint is logged: {}",
            context()
        );
        tally.resumed += 1;
    } else if Some(&state) == filled.written.last() {
        tally.intact += 1;
    } else {
        tally.earlier += 1;
    }
}

#[test]
fn random_damage_to_the_sled_files_never_panics_changes_the_user_or_invents_a_state() {
    let (mut rng, seed) = SeededRng::from_env_or_clock("CLIENT_SESSION_CORRUPTION_SEED");
    eprintln!("seed {seed} (CLIENT_SESSION_CORRUPTION_SEED={seed} replays it)");
    let root = tempfile::tempdir().unwrap();
    let mut tally = Tally::default();
    for round in 0..45 {
        let dir = root.path().join(round.to_string());
        let writes = 1 + u32::try_from(rng.below(6)).unwrap();
        let filled = fill(&dir, writes, rng.below(3) != 0);
        let files = files_under(&dir.join("sessions"));
        let how = [Damage::Flip, Damage::Overwrite, Damage::Truncate][round % 3];
        let mut what = format!("seed {seed}, round {round}, {writes} writes:");
        // Usually one file, sometimes every file.
        let every = rng.below(4) == 0;
        let target = rng.index(files.len());
        for (i, file) in files.iter().enumerate() {
            if every || i == target {
                what.push_str(&format!("\n  {}", damage(file, how, &mut rng)));
            }
        }
        reopen_and_check(&dir, &filled, &what, &mut tally);
    }
    eprintln!("{tally:?}");
}

// ---------------------------------------------------------------------------------------------
// The user-id file, damaged or edited by hand.

const UPPER: &str = "6F9619FF-8B86-4011-B42D-00C04FC964FF";

fn aside_user_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("user-id.damaged-")
        })
        .collect();
    files.sort();
    files
}

/// Opens `dir` whose user-id file holds `contents`; returns the user and the logs.
fn open_with_user_file(dir: &Path, contents: &[u8]) -> (UserId, Vec<String>) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(USER_ID_FILE), contents).unwrap();
    let logs = Logs::default();
    let user = with_logs(&logs, |_| SledDatabase::open(dir).unwrap().user_id());
    (user, logs.lines())
}

/// What the implementation does, case by case: only a hyphenated UUID (any case, surrounded by
/// any whitespace) is the user; anything else is moved aside with a logged error and a new user
/// is made, written in the canonical form.
#[test]
fn a_user_id_file_that_holds_no_uuid_is_moved_aside_and_a_new_user_made() {
    let cases: &[&[u8]] = &[
        b"",
        b"\n",
        b"\x00\xffgarbage",
        b"not a uuid at all, but 36 chars long",
        b"6f9619ff8b864011b42d00c04fc964ff",
        b"{6f9619ff-8b86-4011-b42d-00c04fc964ff}",
        b"urn:uuid:6f9619ff-8b86-4011-b42d-00c04fc964ff",
        b"6f9619ff-8b86-4011-b42d-00c04fc964f",
        b"6f9619ff-8b86-4011-b42d-00c04fc964ffa",
        b"6f9619ff-8b86-4011-b42d 00c04fc964ff",
        b"6f9619ff-8b86-4011-b42d-00c04fc964ff\n6f9619ff-8b86-4011-b42d-00c04fc964fe\n",
        b"6f9619ff-8b86-4011-b42d-00c04fc964ff x",
        b"\xef\xbb\xbf6f9619ff-8b86-4011-b42d-00c04fc964ff", // a UTF-8 byte-order mark
    ];
    let root = tempfile::tempdir().unwrap();
    for (i, contents) in cases.iter().enumerate() {
        let dir = root.path().join(i.to_string());
        let shown = String::from_utf8_lossy(contents);
        let (user, logs) = open_with_user_file(&dir, contents);
        assert_ne!(
            user.to_string(),
            "6f9619ff-8b86-4011-b42d-00c04fc964ff",
            "{shown:?}"
        );
        assert_eq!(
            user.as_uuid().unwrap().get_version_num(),
            4,
            "a fresh v4 id for {shown:?}"
        );
        assert!(
            logs.iter()
                .any(|l| l.starts_with("ERROR") && l.contains("user id")),
            "logged: {shown:?}: {logs:?}"
        );
        assert_eq!(
            fs::read_to_string(dir.join(USER_ID_FILE)).unwrap(),
            format!("{user}\n"),
            "{shown:?}"
        );
        let aside = aside_user_files(&dir);
        assert_eq!(aside.len(), 1, "{shown:?}");
        assert_eq!(
            fs::read(&aside[0]).unwrap(),
            *contents,
            "old contents kept: {shown:?}"
        );
        // The new user is kept from now on.
        assert_eq!(
            SledDatabase::open(&dir).unwrap().user_id(),
            user,
            "{shown:?}"
        );
    }
}

#[test]
fn an_upper_case_user_id_is_accepted_and_emitted_in_lower_case() {
    let dir = tempfile::tempdir().unwrap();
    let (user, logs) = open_with_user_file(dir.path(), format!("{UPPER}\n").as_bytes());
    assert_eq!(user.to_string(), UPPER.to_lowercase());
    assert!(logs.is_empty(), "{logs:?}");
    assert!(aside_user_files(dir.path()).is_empty());
    // The file is left as the user wrote it.
    assert_eq!(
        fs::read_to_string(dir.path().join(USER_ID_FILE)).unwrap(),
        format!("{UPPER}\n")
    );
}

#[test]
fn whitespace_around_a_user_id_is_accepted() {
    for contents in [
        "6f9619ff-8b86-4011-b42d-00c04fc964ff",
        "  6f9619ff-8b86-4011-b42d-00c04fc964ff  ",
        "\t6f9619ff-8b86-4011-b42d-00c04fc964ff\r\n\n\n",
        "\n\n6f9619ff-8b86-4011-b42d-00c04fc964ff",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (user, logs) = open_with_user_file(dir.path(), contents.as_bytes());
        assert_eq!(
            user.to_string(),
            "6f9619ff-8b86-4011-b42d-00c04fc964ff",
            "{contents:?}"
        );
        assert!(logs.is_empty(), "{contents:?}: {logs:?}");
        assert_eq!(
            fs::read_to_string(dir.path().join(USER_ID_FILE)).unwrap(),
            contents
        );
    }
}

/// The nil UUID is what anonymised entities carry: as a user id it would make identified events
/// look anonymous, so a file holding it is damaged: kept aside, logged, replaced.
#[test]
fn a_nil_user_id_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let nil = b"00000000-0000-0000-0000-000000000000\n";
    let (user, logs) = open_with_user_file(dir.path(), nil);
    assert_ne!(user, UserId::ANONYMOUS);
    assert!(!logs.is_empty(), "the replacement is logged");
    let kept: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("user-id.damaged-")
        })
        .map(|e| fs::read(e.path()).unwrap())
        .collect();
    assert_eq!(kept, vec![nil.to_vec()]);
}

/// Every damaged user-id file is kept for inspection, not only the latest: a second damage in
/// the same process (or a later process that happens to get the same pid, as in a container
/// where the app is always pid 1) must not overwrite the first one's copy.
#[test]
fn every_damaged_user_id_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    open_with_user_file(dir.path(), b"first damage");
    open_with_user_file(dir.path(), b"second damage");
    let kept: Vec<Vec<u8>> = aside_user_files(dir.path())
        .iter()
        .map(|p| fs::read(p).unwrap())
        .collect();
    assert!(
        kept.contains(&b"first damage".to_vec()) && kept.contains(&b"second damage".to_vec()),
        "kept aside: {:?}",
        kept.iter()
            .map(|k| String::from_utf8_lossy(k))
            .collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------------------------
// Records of other format versions.

/// Writes `bytes` as the record of `default` (after a clean close, so the marker is set), opens
/// the store, and returns what it saw, its logs, and the keys kept aside afterwards.
/// What opening a store on a planted record gave: the store's view, the logs, the keys kept
/// aside (with their bytes) and the user.
type Planted = (Opened, Vec<String>, Vec<(String, Vec<u8>)>, UserId);

fn open_with_record(bytes: &[u8]) -> Planted {
    let dir = tempfile::tempdir().unwrap();
    let filled = fill(dir.path(), 2, true);
    {
        let raw = raw_sled(dir.path());
        raw.insert(b"session/default", bytes).unwrap();
        raw.flush().unwrap();
    }
    let logs = Logs::default();
    let (opened, user) = with_logs(&logs, |runtime| {
        runtime.block_on(async {
            let db = SledDatabase::open(dir.path()).unwrap();
            let mut store = db.store("default");
            let opened = store.open(0).await.unwrap();
            // The store goes on: the next write replaces the record, the copy aside stays.
            store.close(&state(7), 0).await.unwrap();
            (opened, db.user_id())
        })
    });
    assert_eq!(user, filled.user);
    let raw = raw_sled(dir.path());
    assert_eq!(
        raw.get(b"session/default").unwrap().as_deref(),
        Some(&record::encode(&state(7)).unwrap()[..])
    );
    let aside = raw
        .scan_prefix(b"aside/")
        .map(|e| {
            let (k, v) = e.unwrap();
            (String::from_utf8_lossy(&k).into_owned(), v.to_vec())
        })
        .collect();
    (opened, logs.lines(), aside, filled.user)
}

#[test]
fn a_record_from_a_far_future_version_is_kept_aside_and_treated_as_absent() {
    let bytes = br#"{"version":18446744073709551615,"session":"whatever it is now"}"#;
    let (opened, logs, aside, user) = open_with_record(bytes);
    assert_eq!(
        opened.state,
        Some(state(1)),
        "the last run closed cleanly, so its checkpoint is its final state"
    );
    assert_eq!(opened.user_id, user);
    assert_eq!(
        opened.previous_run,
        PreviousRun::Clean,
        "the marker is about the process, not the record"
    );
    assert!(
        logs.iter()
            .any(|l| l.starts_with("WARN") && l.contains("newer")),
        "{logs:?}"
    );
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(
        aside[0]
            .0
            .starts_with("aside/default/v18446744073709551615/"),
        "{aside:?}"
    );
    assert_eq!(aside[0].1, bytes);
}

/// A version beyond `u64` is not a version this or any build wrote: unreadable, kept aside.
#[test]
fn a_version_beyond_u64_is_unreadable_and_kept_aside() {
    let bytes = br#"{"version":184467440737095516160,"session":null}"#;
    let (opened, logs, aside, _) = open_with_record(bytes);
    assert_eq!(opened.state, Some(state(1)), "the clean checkpoint");
    assert!(
        logs.iter()
            .any(|l| l.starts_with("ERROR") && l.contains("unreadable")),
        "{logs:?}"
    );
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(
        aside[0].0.starts_with("aside/default/unreadable/"),
        "{aside:?}"
    );
    assert_eq!(aside[0].1, bytes);
}

/// Version 1 with fields version 1 does not have: not this format, so unreadable (logged,
/// kept aside, absent), never half-read.
#[test]
fn a_version_1_record_with_unknown_fields_is_unreadable_and_kept_aside() {
    let good = String::from_utf8(record::encode(&state(3)).unwrap()).unwrap();
    let cases = [
        good.replacen('{', r#"{"futureField":true,"#, 1),
        good.replace(r#""eventIndex":1"#, r#""eventIndex":1,"eventCount":1"#),
    ];
    for bytes in cases {
        assert_ne!(bytes, good);
        let (opened, logs, aside, user) = open_with_record(bytes.as_bytes());
        assert_eq!(
            opened.state,
            Some(state(1)),
            "the clean checkpoint: {bytes}"
        );
        assert_eq!(opened.user_id, user);
        assert!(
            logs.iter()
                .any(|l| l.starts_with("ERROR") && l.contains("unreadable")),
            "{bytes}: {logs:?}"
        );
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert!(
            aside[0].0.starts_with("aside/default/unreadable/"),
            "{aside:?}"
        );
        assert_eq!(aside[0].1, bytes.as_bytes());
    }
}
