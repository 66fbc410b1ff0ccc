#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! What the sled store promises when the database loses what a run wrote: no
//! `(sessionId, eventIndex)` pair and no `sessionIndex` is ever handed out twice, in either
//! restart mode. End to end, through `client-session run`, as an app would see it:
//!
//! - sled losing or damaging any suffix of what a run appended (issue 6, defect 1);
//! - a clock before 1970, where sled itself cannot start (defect 8; needs `faketime`).
//!
//! The full-disk cases are in `full_disk.rs`.
#![cfg(unix)]

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::{feed, lines, stderr, wrapped, CONTINUE, TRACK};

/// What one entity says about its session.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    session_id: String,
    session_index: u64,
    previous: Option<String>,
    event_index: u64,
}

fn run(dir: &Path, continue_session: bool, events: usize, wrapper: &[&str]) -> (Vec<Seen>, Output) {
    let mut args = vec!["run", "--data-dir", dir.to_str().unwrap()];
    if continue_session {
        args.push(CONTINUE);
    }
    let out = feed(
        wrapped(wrapper, &args).spawn().unwrap(),
        TRACK.repeat(events),
    );
    let seen = lines(&out)
        .iter()
        .map(|v| {
            let cs = &v["client_session"];
            Seen {
                session_id: cs["sessionId"].as_str().unwrap().to_owned(),
                session_index: cs["sessionIndex"].as_u64().unwrap(),
                previous: cs["previousSessionId"].as_str().map(str::to_owned),
                event_index: cs["eventIndex"].as_u64().unwrap(),
            }
        })
        .collect();
    (seen, out)
}

/// Every entity ever handed out in a data directory, checked as it arrives: no pair twice,
/// each session id with one index, each index with one session id, indexes never going back,
/// and each new session naming the one before.
#[derive(Default)]
struct Ledger {
    pairs: HashMap<(String, u64), String>,
    index_of: HashMap<String, u64>,
    id_of: HashMap<u64, String>,
    last: Option<Seen>,
}

impl Ledger {
    fn record(&mut self, seen: &[Seen], context: &str) {
        for s in seen {
            let pair = (s.session_id.clone(), s.event_index);
            if let Some(first) = self.pairs.insert(pair, context.to_owned()) {
                panic!("{context}: {s:?} repeats a pair first handed out in {first}");
            }
            let index = *self
                .index_of
                .entry(s.session_id.clone())
                .or_insert(s.session_index);
            assert_eq!(index, s.session_index, "{context}: {s:?} changed its index");
            let id = self
                .id_of
                .entry(s.session_index)
                .or_insert(s.session_id.clone());
            assert_eq!(
                *id, s.session_id,
                "{context}: sessionIndex {} handed out twice",
                s.session_index
            );
            if let Some(last) = &self.last {
                if last.session_id != s.session_id {
                    assert_eq!(
                        s.session_index,
                        last.session_index + 1,
                        "{context}: {s:?} after {last:?}"
                    );
                    assert_eq!(
                        s.previous.as_ref(),
                        Some(&last.session_id),
                        "{context}: {s:?}"
                    );
                } else {
                    assert!(
                        s.event_index > last.event_index,
                        "{context}: {s:?} after {last:?}"
                    );
                }
            }
            self.last = Some(s.clone());
        }
    }
}

/// A small deterministic generator: the seed is printed, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Run 1 and run 2 track three events each; `damage` then hits what run 2 appended to
/// `sessions/db` (given its length after run 1 and after run 2); run 3 tracks two more.
fn lost_suffix_trial(continue_session: bool, damage: &dyn Fn(&Path, u64, u64) -> String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions/db");
    let mut ledger = Ledger::default();
    let (seen, out) = run(dir.path(), continue_session, 3, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    ledger.record(&seen, "run 1");
    let run_1_bytes = fs::read(&db).unwrap();
    let after_run_1 = u64::try_from(run_1_bytes.len()).unwrap();
    let (seen, out) = run(dir.path(), continue_session, 3, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    ledger.record(&seen, "run 2");
    let after_run_2 = appended_end(&run_1_bytes, &fs::read(&db).unwrap());
    assert!(
        after_run_2 > after_run_1,
        "run 2 appended nothing to the log"
    );
    let what = damage(&db, after_run_1, after_run_2);
    let (seen, out) = run(dir.path(), continue_session, 2, &[]);
    assert_eq!(seen.len(), 2, "{what}: {}", stderr(&out));
    ledger.record(&seen, &format!("run 3 after {what}"));
    if continue_session && seen[0].session_index == 1 {
        // Continued: then it must be exactly where run 2 stopped.
        assert_eq!(seen[0].event_index, 7, "{what}");
    }
}

/// Where what run 2 appended ends: the first 256 zero bytes past run 1's end. sled pads the
/// file to a whole segment (with a few bytes at its very end), and damage in the padding would
/// hit nothing run 2 wrote.
fn appended_end(before: &[u8], after: &[u8]) -> u64 {
    let end = (before.len()..after.len())
        .find(|&i| after[i..].iter().take(256).all(|b| *b == 0))
        .unwrap_or(after.len());
    u64::try_from(end).unwrap()
}

fn truncate(db: &Path, to: u64) {
    fs::OpenOptions::new()
        .write(true)
        .open(db)
        .unwrap()
        .set_len(to)
        .unwrap();
}

fn flip_bit(db: &Path, byte: u64, bit: u64) {
    let mut bytes = fs::read(db).unwrap();
    bytes[usize::try_from(byte).unwrap()] ^= 1 << bit;
    fs::write(db, bytes).unwrap();
}

/// Defect 1: sled dropping what a clean run 2 appended made run 3 continue from run 1's record
/// and hand out eventIndex 4 and 5 again.
#[test]
fn a_lost_log_tail_never_repeats_a_pair_in_either_restart_mode() {
    let seed = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(std::process::id());
    println!("seed {seed}");
    let mut rng = Rng(seed);
    for continue_session in [true, false] {
        lost_suffix_trial(continue_session, &|db, run_1, _| {
            truncate(db, run_1);
            format!("truncating to run 1's length {run_1}")
        });
        let trials = if continue_session { 9 } else { 3 };
        for _ in 0..trials {
            let cut = rng.below(u64::MAX);
            lost_suffix_trial(continue_session, &|db, run_1, run_2| {
                let to = run_1 + cut % (run_2 - run_1);
                truncate(db, to);
                format!("truncating to {to} (run 1 {run_1}, run 2 {run_2})")
            });
        }
    }
}

#[test]
fn a_damaged_log_tail_never_repeats_a_pair_in_either_restart_mode() {
    let seed = 0x2545_f491_4f6c_dd1d_u64 ^ u64::from(std::process::id());
    println!("seed {seed}");
    let mut rng = Rng(seed);
    for (continue_session, trials) in [(true, 40), (false, 10)] {
        for trial in 0..trials {
            let (pick, bit) = (rng.below(u64::MAX), rng.below(8));
            lost_suffix_trial(continue_session, &|db, run_1, run_2| {
                // Half the flips hit run 2's first message (its open clearing the clean
                // marker): losing it is what made the old store continue from run 1.
                let span = if trial % 2 == 0 { 32 } else { run_2 - run_1 };
                let byte = run_1 + pick % span.min(run_2 - run_1);
                flip_bit(db, byte, bit);
                format!("flipping bit {bit} of byte {byte} (run 1 {run_1}, run 2 {run_2})")
            });
        }
    }
}

/// Defect 8: sled 0.34 panics when the clock is before 1970, so `run` died. The store now keeps
/// the sessions in its checkpoint files alone, and sled takes over when the clock is back.
#[test]
fn a_clock_before_1970_tracks_and_keeps_the_session() {
    assert!(
        Command::new("faketime").arg("--version").output().is_ok(),
        "this test needs faketime (Debian package `faketime`); `cargo xtask ci` installs it"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::default();
    // A minute apart: each faked process starts at its own time, and the second must not be
    // earlier than the first (a clock going back starts a new session, spec A2.3).
    for (run_number, time, expected_first_index) in
        [(1, "1969-12-31 23:58:00", 1), (2, "1969-12-31 23:59:00", 3)]
    {
        let (seen, out) = run(dir.path(), true, 2, &["faketime", time]);
        assert!(out.status.success(), "run {run_number}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        assert_eq!(seen.len(), 2, "{}", stderr(&out));
        assert_eq!(
            seen[0].session_index, 1,
            "run {run_number} continues the session"
        );
        assert_eq!(
            seen[0].event_index, expected_first_index,
            "run {run_number}"
        );
        ledger.record(&seen, &format!("run {run_number} before 1970"));
    }
    // The real clock: decades later, so the session times out, numbered on from before 1970.
    let (seen, out) = run(dir.path(), true, 1, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    ledger.record(&seen, "run 3 on the real clock");
    assert_eq!(seen[0].session_index, 2);
}
