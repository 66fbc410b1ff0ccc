#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Mobile durability at background (spec B2), end to end: `client-session run` on a sled data
//! directory, killed with SIGKILL as Android and iOS end backgrounded apps. Once the
//! `application_background` line is printed, the state is durable and the shutdown marked
//! clean, so with `--continue-session-on-restart` the next process continues the session; an
//! event after the background clears the mark first, so a kill after it rotates the session.
//! Without continue mode every restart rotates, as the spec says. No `(sessionId, eventIndex)`
//! pair is ever printed twice.
#![cfg(unix)]

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

mod support;
use support::{Live, CONTINUE};

const BACKGROUND: &str = "{\"op\":\"background\"}\n";
const FOREGROUND: &str = "{\"op\":\"foreground\"}\n";

/// Every entity printed in one data directory, checked as it comes.
#[derive(Default)]
struct Printed {
    pairs: HashSet<(String, u64)>,
}

impl Printed {
    /// Sends `step` and returns the `client_session` of the line it printed, which must be
    /// `event`'s.
    fn step(&mut self, child: &mut Live, step: &str, event: &str) -> Value {
        child.send(step);
        let line = child.next_line();
        assert_eq!(line["event"], event, "{line}");
        let cs = line["client_session"].clone();
        let pair = (
            cs["sessionId"].as_str().unwrap().to_owned(),
            cs["eventIndex"].as_u64().unwrap(),
        );
        assert!(self.pairs.insert(pair), "printed twice: {line}");
        cs
    }

    fn track(&mut self, child: &mut Live) -> Value {
        self.step(child, support::TRACK, "structured")
    }

    fn background(&mut self, child: &mut Live) -> Value {
        self.step(child, BACKGROUND, "application_background")
    }
}

fn run(dir: &Path, continue_session: bool) -> Live {
    Live::run(dir, if continue_session { &[CONTINUE] } else { &[] })
}

/// A process that tracks, goes to the background and is killed there, three times over.
/// Returns the `client_session` of each process's first event.
fn killed_in_the_background(continue_session: bool) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut printed = Printed::default();
    let mut firsts = Vec::new();
    let mut last_background: Option<Value> = None;
    for _ in 0..3 {
        let mut child = run(dir.path(), continue_session);
        let first = printed.track(&mut child);
        if let Some(before) = &last_background {
            if continue_session {
                assert_eq!(first["sessionId"], before["sessionId"], "{first}");
                assert_eq!(
                    first["eventIndex"].as_u64(),
                    before["eventIndex"].as_u64().map(|i| i + 1),
                    "{first}"
                );
            } else {
                assert_eq!(first["previousSessionId"], before["sessionId"], "{first}");
                assert_eq!(first["eventIndex"], 1, "{first}");
            }
        }
        printed.track(&mut child);
        last_background = Some(printed.background(&mut child));
        child.killed(); // SIGKILL after the background line: no shutdown
        firsts.push(first);
    }
    firsts
}

#[test]
fn with_continue_a_process_killed_in_the_background_continues_its_session() {
    let firsts = killed_in_the_background(true);
    let ids: HashSet<_> = firsts.iter().map(|cs| cs["sessionId"].clone()).collect();
    assert_eq!(ids.len(), 1, "one session across the kills: {firsts:?}");
}

#[test]
fn without_continue_a_process_killed_in_the_background_starts_a_new_session() {
    let firsts = killed_in_the_background(false);
    let ids: HashSet<_> = firsts.iter().map(|cs| cs["sessionId"].clone()).collect();
    assert_eq!(ids.len(), 3, "a new session at each restart: {firsts:?}");
}

/// Track, background, then `after` (printed), SIGKILL: the next process's event starts a new
/// session after the old one, whatever the restart mode.
fn killed_after_an_event_that_followed_the_background(after: &str, event: &str) {
    for continue_session in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let mut printed = Printed::default();
        let mut child = run(dir.path(), continue_session);
        let old = printed.track(&mut child);
        printed.background(&mut child);
        printed.step(&mut child, after, event);
        child.killed();

        let mut child = run(dir.path(), continue_session);
        let next = printed.track(&mut child);
        let context = format!("{event}, continue {continue_session}: {next}");
        assert_eq!(next["previousSessionId"], old["sessionId"], "{context}");
        assert_eq!(next["eventIndex"], 1, "{context}");
        let (status, err) = child.finish();
        assert!(status.success(), "{context}\n{err}");
    }
}

#[test]
fn a_process_killed_after_a_foreground_rotates() {
    killed_after_an_event_that_followed_the_background(FOREGROUND, "application_foreground");
}

#[test]
fn a_process_killed_after_a_track_in_the_background_rotates() {
    killed_after_an_event_that_followed_the_background(support::TRACK, "structured");
}
