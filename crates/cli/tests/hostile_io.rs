#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! `client-session` under hostile input and a stdout nobody reads: every good line is still
//! processed, bad lines exit 2 at the end, a dead stdout exits 1, and in every case the tracker
//! shuts down cleanly, which the next `run --continue-session-on-restart` proves by continuing
//! the same session.
#![cfg(unix)]

use std::fs::File;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

mod support;
use support::{cli, command, feed, lines, scenario, stderr, Live, CONTINUE};

const TRACK: &[u8] = support::TRACK.as_bytes();

fn session(line: &Value) -> (String, u64) {
    let cs = &line["client_session"];
    (
        cs["sessionId"].as_str().unwrap().to_owned(),
        cs["eventIndex"].as_u64().unwrap(),
    )
}

/// One `run --continue-session-on-restart` tracking one event: the session it lands in.
fn next_continued(dir: &str) -> (String, u64) {
    let out = cli(&["run", "--data-dir", dir, CONTINUE], TRACK);
    assert!(out.status.success(), "{}", stderr(&out));
    session(&lines(&out)[0])
}

fn assert_no_panic(out: &Output) {
    assert_ne!(out.status.code(), Some(101), "{}", stderr(out));
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

#[test]
fn a_refused_line_exits_2_after_a_clean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for bad in [&b"{\"op\":\"explode\"}\n"[..], b"{\"op\":\"restart\"}\n"] {
        let input = [TRACK, bad, TRACK].concat();
        let out = cli(&["run", "--data-dir", d, CONTINUE], &input);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("line 2: field `op`"),
            "{}",
            stderr(&out)
        );
        assert_eq!(lines(&out).len(), 2, "both good lines are processed");
    }
    // Four events in two runs, then the fifth continues the same session: both ended cleanly.
    let first = cli(&["run", "--data-dir", d, CONTINUE], b"");
    assert!(first.status.success(), "{}", stderr(&first));
    let (_, index) = next_continued(d);
    assert_eq!(index, 5);
}

#[test]
fn a_line_that_is_not_utf8_is_a_bad_line_and_the_rest_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let input = [TRACK, b"\xff\xfe\n", TRACK, TRACK].concat();
    let out = cli(&["run", "--data-dir", d, CONTINUE], &input);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 2: not UTF-8"),
        "{}",
        stderr(&out)
    );
    let printed = lines(&out);
    assert_eq!(
        printed
            .iter()
            .map(|l| l["step"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [0, 2, 3]
    );
    let (id, index) = session(&printed[2]);
    assert_eq!(index, 3);
    assert_eq!(
        next_continued(d),
        (id, 4),
        "a clean shutdown lets the session continue"
    );
}

/// Peak resident memory of a live process, in bytes.
#[cfg(target_os = "linux")]
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[cfg(target_os = "linux")]
#[test]
fn a_huge_line_is_rejected_without_being_held_in_memory() {
    const HUGE: usize = 96 << 20;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // Live reads stderr all along: unbounded echo into an unread pipe would block the process.
    let mut child = Live::run(dir.path(), &[CONTINUE]);
    // A valid step whose event name is 96 MiB: without a bound it is read, parsed and echoed.
    let mut huge = b"{\"op\":\"track\",\"event\":\"".to_vec();
    huge.resize(huge.len() + HUGE, b'x');
    huge.extend_from_slice(b"\"}\n");
    child.send(TRACK);
    child.send(&huge);
    child.send(TRACK);
    drop(huge);
    // Two printed lines: the huge one has been read past, and the process is still alive.
    let printed: Vec<Value> = (0..2).map(|_| child.next_line()).collect();
    let peak = peak_rss(child.id());
    let (status, err) = child.finish();
    assert!(
        peak < 64 << 20,
        "peak RSS {peak} bytes for a {HUGE}-byte line"
    );
    assert!(err.len() < 4096, "{} bytes on stderr", err.len());
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("line 2: longer than"), "{err}");
    assert_eq!(printed[1]["step"], 2);
    let (id, index) = session(&printed[1]);
    assert_eq!(next_continued(d), (id, index + 1));
}

#[test]
fn rejected_values_are_not_echoed_whole() {
    let big = "e".repeat(4 << 20);
    // replay reads the whole scenario, so every place a value is quoted is reachable.
    let cases = [
        format!(
            r#"{{"name":"n","platform":"mobile","start_ms":0,"steps":[{{"at_ms":0,"op":"track","event":"{big}"}}]}}"#
        ),
        format!(
            r#"{{"name":"n","platform":"mobile","start_ms":0,"steps":[{{"at_ms":0,"op":"{big}"}}]}}"#
        ),
        format!(r#"{{"name":"n","platform":"{big}","start_ms":0,"steps":[]}}"#),
        format!(
            r#"{{"name":"n","platform":"mobile","start_ms":0,"steps":[{{"at_ms":0,"op":"pause","{big}":1}}]}}"#
        ),
    ];
    for scenario in &cases {
        let out = cli(&["replay", "-"], scenario.as_bytes());
        assert_eq!(out.status.code(), Some(2), "{}", &stderr(&out)[..200]);
        assert!(
            out.stderr.len() < 1024,
            "{} bytes on stderr",
            out.stderr.len()
        );
        assert!(
            stderr(&out).contains(&format!("({} bytes)", big.len())),
            "{}",
            stderr(&out)
        );
    }
    // run: a value under the line limit is parsed, rejected and cut too.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let line = format!("{{\"op\":\"track\",\"event\":\"{}\"}}\n", &big[..512 << 10]);
    let out = cli(&["run", "--data-dir", d], line.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.len() < 1024,
        "{} bytes on stderr",
        out.stderr.len()
    );
    assert!(stderr(&out).contains("line 1: field `event`: unknown event \"eeee"));
}

/// A stdout that fails on the first write.
#[derive(Clone, Copy, Debug)]
enum DeadStdout {
    /// A pipe whose read end the test closed.
    ClosedPipe,
    /// `/dev/full`: every write fails with ENOSPC.
    #[cfg(target_os = "linux")]
    DevFull,
}

/// Spawns `command` with a dead stdout.
fn spawn_with(mut command: Command, stdout: DeadStdout) -> Child {
    match stdout {
        DeadStdout::ClosedPipe => {
            let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
            drop(child.stdout.take());
            child
        }
        #[cfg(target_os = "linux")]
        DeadStdout::DevFull => command
            .stdout(File::create("/dev/full").unwrap())
            .spawn()
            .unwrap(),
    }
}

/// What a dead stdout must give: exit 1, "cannot write to stdout", no panic.
fn assert_reports_dead_stdout(out: &Output, what: &str) {
    assert_no_panic(out);
    assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(out));
    assert!(
        stderr(out).contains("cannot write to stdout"),
        "{}",
        stderr(out)
    );
}

/// `run` with a stdout that fails on the first write: exit 1, "cannot write to stdout", no panic,
/// and a clean shutdown (the event it tracked is counted by the next run, in the same session).
fn run_with_dead_stdout(stdout: DeadStdout) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (id, _) = next_continued(d);
    let child = spawn_with(command(&["run", "--data-dir", d, CONTINUE]), stdout);
    let out = feed(child, TRACK.repeat(3));
    assert_reports_dead_stdout(&out, "run");
    // Run 1 gave eventIndex 1, the dead-stdout run tracked 2 and stopped reading.
    assert_eq!(next_continued(d), (id, 3));
}

/// `replay` and `bench` with a stdout that fails on the first write: exit 1, no panic.
fn replay_and_bench_with_dead_stdout(stdout: DeadStdout) {
    let scenario = scenario("01-first-event-ever.json");
    let commands: [&[&str]; 2] = [
        &["replay", &scenario],
        &["bench", "--events", "10", "--handles", "1"],
    ];
    for args in commands {
        let out = feed(spawn_with(command(args), stdout), b"");
        assert_reports_dead_stdout(&out, &format!("{args:?}"));
    }
}

#[test]
fn run_with_a_closed_pipe_shuts_down_cleanly_and_exits_1() {
    run_with_dead_stdout(DeadStdout::ClosedPipe);
}

#[cfg(target_os = "linux")]
#[test]
fn run_with_stdout_on_dev_full_shuts_down_cleanly_and_exits_1() {
    run_with_dead_stdout(DeadStdout::DevFull);
}

#[test]
fn replay_and_bench_report_a_closed_pipe_without_panicking() {
    replay_and_bench_with_dead_stdout(DeadStdout::ClosedPipe);
}

#[cfg(target_os = "linux")]
#[test]
fn replay_and_bench_report_dev_full_without_panicking() {
    replay_and_bench_with_dead_stdout(DeadStdout::DevFull);
}
