#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! `clear_user_data` (spec B mobile) end to end: `client-session run` on a sled data directory
//! forgets the user, and a process killed with SIGKILL at a random moment of it leaves either
//! the old user whole or the user forgotten, never a mix: the next process either goes on with
//! the old user (a new session after the old ones, as after any kill) or starts session 1 of a
//! new user with no previous session, and then no file under the data directory holds a byte
//! of the old user id or of the old sessions' ids, copies kept aside after damage included.
//! Once the event after the clear is printed, the new user is the one on disk.
//!
//! The kill moments come from a small seeded PRNG. The seed is printed (and shown when a test
//! fails); set `CLIENT_SESSION_FORGET_SEED=<seed>` to replay the same choices.
#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::time::Duration;

use client_session_suite::support::{files_containing, SeededRng};
use serde_json::Value;

mod support;
use support::{Live, TRACK};

const CLEAR: &str = "{\"op\":\"clear_user_data\"}\n";
const NEW_SESSION: &str = "{\"op\":\"new_session\"}\n";

/// The ids an entity names, as text.
fn ids(cs: &Value) -> Vec<String> {
    ["userId", "sessionId", "previousSessionId", "firstEventId"]
        .iter()
        .filter_map(|key| cs[key].as_str().map(str::to_owned))
        .collect()
}

/// The old user's life: two sessions over two processes, then copies kept aside after damage
/// that hold its ids (as an earlier start would have left them). Returns the last entity and
/// every id that must go.
fn old_user(dir: &Path) -> (Value, Vec<String>) {
    let mut child = Live::run(dir, &[]);
    let first = child.track();
    child.send(NEW_SESSION);
    let second = child.track();
    let (status, err) = child.finish();
    assert!(status.success(), "{err}");
    let mut old_ids: Vec<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    let user = first["userId"].as_str().unwrap();
    fs::write(
        dir.join("user-id.damaged-1700000000000-0"),
        format!("{user}\n"),
    )
    .unwrap();
    let aside = dir.join("sessions.damaged-1700000000000-0");
    fs::create_dir(&aside).unwrap();
    fs::write(aside.join("db"), second.to_string()).unwrap();
    let mut child = Live::run(dir, &[]);
    let last = child.track();
    assert_eq!(last["userId"], user, "{last}");
    old_ids.extend(ids(&last));
    child.send(TRACK);
    // Read so that the old user's whole state is on disk before the clear is sent.
    child.next_line();
    let (status, err) = child.finish();
    assert!(status.success(), "{err}");
    (last, old_ids)
}

/// How one kill came out.
#[derive(Debug, Default)]
struct Outcomes {
    old_user_kept: usize,
    forgotten: usize,
    interrupted: usize,
}

/// One series: the old user, then a process that clears and tracks, killed `delay` after the
/// clear was sent, then the next process, checked.
fn kill_during_a_clear(delay: Duration, outcomes: &mut Outcomes) {
    let dir = tempfile::tempdir().unwrap();
    let (last, old_ids) = old_user(dir.path());
    let old = last["userId"].as_str().unwrap().to_owned();

    let mut child = Live::run(dir.path(), &[]);
    let before = child.track();
    assert_eq!(before["userId"], old.as_str(), "{before}");
    child.send(format!("{CLEAR}{TRACK}"));
    std::thread::sleep(delay);
    child.kill();
    // What it printed after the clear, if anything: the event after it.
    let printed: Vec<Value> = child
        .read_rest()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let _ = child.finish();
    if dir.path().join("forgetting").exists() {
        outcomes.interrupted += 1;
    }

    let mut next = Live::run(dir.path(), &[]);
    let cs = next.track();
    let (status, err) = next.finish();
    assert!(status.success(), "{err}");
    let context = format!("killed {delay:?} after the clear; then {cs}; printed {printed:?}");
    if cs["userId"] == old.as_str() {
        outcomes.old_user_kept += 1;
        assert!(
            printed.is_empty(),
            "the new user's event was printed: {context}"
        );
        // The old user whole: its numbering goes on, linked to its last session.
        assert_eq!(
            cs["sessionIndex"].as_u64(),
            before["sessionIndex"].as_u64().map(|i| i + 1),
            "{context}"
        );
        assert_eq!(cs["previousSessionId"], before["sessionId"], "{context}");
    } else {
        outcomes.forgotten += 1;
        if let Some(after) = printed.first() {
            // The clear returned before this was printed: this user is the one on disk.
            let after = &after["client_session"];
            assert_eq!(cs["userId"], after["userId"], "{context}");
            assert_eq!(cs["sessionIndex"], 2, "{context}");
            assert_eq!(cs["previousSessionId"], after["sessionId"], "{context}");
        } else if cs["sessionIndex"] == 2 {
            // The new user's first event was decided (and its session made durable) but the
            // kill came before it was printed: that is the session named here, not an old one.
            let previous = cs["previousSessionId"].as_str().unwrap_or_default();
            assert!(
                !previous.is_empty() && !old_ids.iter().any(|id| id == previous),
                "{context}"
            );
        } else {
            assert_eq!(cs["sessionIndex"], 1, "{context}");
            assert_eq!(cs["previousSessionId"], Value::Null, "{context}");
        }
        let left = files_containing(dir.path(), &old_ids);
        assert!(left.is_empty(), "old ids left on disk: {left:?}; {context}");
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            names
                .iter()
                .all(|n| !n.contains(".damaged-") && n != "forgetting"),
            "{names:?}; {context}"
        );
    }
}

#[test]
fn a_process_killed_while_it_forgets_the_user_leaves_it_whole_or_gone() {
    let (mut rng, seed) = SeededRng::from_env_or_clock("CLIENT_SESSION_FORGET_SEED");
    println!("CLIENT_SESSION_FORGET_SEED={seed}");
    let mut outcomes = Outcomes::default();
    // Most kills land within the few milliseconds the forgetting takes (here: before the
    // marker, during the deletion, after it), some later, a few long after.
    for round in 0..24 {
        let delay = match round % 6 {
            5 => Duration::from_millis(200),
            4 => Duration::from_micros(rng.below(25_000)),
            _ => Duration::from_micros(rng.below(4_000)),
        };
        kill_during_a_clear(delay, &mut outcomes);
    }
    println!("{outcomes:?} (seed {seed})");
    assert!(
        outcomes.forgotten > 0,
        "no kill came after the clear: {outcomes:?}"
    );
}

/// Without a kill: the clear through `run`, and the new user is the one the next run reads.
#[test]
fn run_forgets_the_user_and_the_next_run_keeps_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let (last, old_ids) = old_user(dir.path());
    let mut child = Live::run(dir.path(), &[]);
    child.track();
    child.send(CLEAR);
    let after = child.track();
    assert_ne!(after["userId"], last["userId"], "{after}");
    assert_eq!(after["sessionIndex"], 1, "{after}");
    assert_eq!(after["previousSessionId"], Value::Null, "{after}");
    let (status, err) = child.finish();
    assert!(status.success(), "{err}");
    assert!(
        !err.contains(last["userId"].as_str().unwrap()),
        "the log names the user: {err}"
    );
    let left = files_containing(dir.path(), &old_ids);
    assert!(left.is_empty(), "old ids left on disk: {left:?}");
    let mut next = Live::run(dir.path(), &[]);
    let cs = next.track();
    assert_eq!(cs["userId"], after["userId"], "{cs}");
    assert_eq!(cs["sessionIndex"], 2, "{cs}");
    assert_eq!(cs["previousSessionId"], after["sessionId"], "{cs}");
    assert!(next.finish().0.success());
}
