//! Running the `client-session` binary from the CLI tests: one-shot runs with their whole
//! output, and live runs fed and read line by line.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses its own part

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::thread::JoinHandle;

use serde_json::Value;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_client-session");
/// One input line that tracks one event.
pub const TRACK: &str = "{\"op\":\"track\",\"event\":\"structured\"}\n";
/// The flag that continues the session across a clean restart.
pub const CONTINUE: &str = "--continue-session-on-restart";

/// The path of scenario `name` in the shared mobile suite.
pub fn scenario(name: &str) -> String {
    format!(
        "{}/../../tests/scenarios/mobile/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// `client-session ARGS` with stdin, stdout and stderr piped.
pub fn command(args: &[&str]) -> Command {
    wrapped(&[], args)
}

/// `WRAPPER… client-session ARGS` (e.g. `faketime <time>`), with stdin, stdout and stderr piped.
pub fn wrapped(wrapper: &[&str], args: &[&str]) -> Command {
    let (program, before) = match wrapper.split_first() {
        Some((program, rest)) => (*program, rest),
        None => (BIN, &[][..]),
    };
    let mut command = Command::new(program);
    command.args(before);
    if !wrapper.is_empty() {
        command.arg(BIN);
    }
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Feeds `input` to a spawned child and waits for its whole output. The input is written from
/// a thread, so a child that prints while it reads never blocks the test. A child that stops
/// reading early may close its stdin before everything is written; that is not this helper's
/// failure to report.
pub fn feed(mut child: Child, input: impl AsRef<[u8]>) -> Output {
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn({
        let input = input.as_ref().to_vec();
        move || {
            let _ = stdin.write_all(&input);
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// `client-session ARGS` fed `input`: its whole output once it has exited.
pub fn cli(args: &[&str], input: impl AsRef<[u8]>) -> Output {
    feed(command(args).spawn().unwrap(), input)
}

/// Every line a run printed, parsed.
pub fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What a run wrote to stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A running `client-session`, fed and read as it goes.
pub struct Live {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Read all along: a child that logs a lot must never block on a full stderr pipe.
    stderr: JoinHandle<String>,
}

impl Live {
    /// `client-session run --data-dir DIR EXTRA…`.
    pub fn run(dir: &Path, extra: &[&str]) -> Self {
        let mut command = command(&["run", "--data-dir", dir.to_str().unwrap()]);
        command.args(extra);
        Self::spawn(&mut command)
    }

    /// Spawns `command` with all three streams piped.
    pub fn spawn(command: &mut Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = err.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        Self {
            child,
            stdin,
            stdout,
            stderr,
        }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Writes `input` to the child's stdin and flushes it.
    pub fn send(&mut self, input: impl AsRef<[u8]>) {
        let stdin = self.stdin.as_mut().expect("stdin is still open");
        stdin.write_all(input.as_ref()).unwrap();
        stdin.flush().unwrap();
    }

    /// The next printed line, its newline included; `None` once stdout is closed.
    pub fn read_line(&mut self) -> Option<String> {
        let mut line = String::new();
        (self.stdout.read_line(&mut line).unwrap() > 0).then_some(line)
    }

    /// The next printed line, parsed.
    pub fn next_line(&mut self) -> Value {
        let line = self.read_line().unwrap_or_default();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
    }

    /// Tracks one event and returns its `client_session`. The reply of a batch comes after
    /// the write of the batch before, so a second track proves the first one's write ended.
    pub fn track(&mut self) -> Value {
        self.send(TRACK);
        self.next_line()["client_session"].clone()
    }

    /// Everything printed from here until stdout closes (when the child exits or dies).
    pub fn read_rest(&mut self) -> String {
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        rest
    }

    /// Closes stdin: the end of input.
    pub fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// SIGKILL: no shutdown. A no-op when the child has already exited.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
    }

    /// SIGKILL, then waits: all of stderr.
    pub fn killed(mut self) -> String {
        self.kill();
        self.finish().1
    }

    /// Closes stdin and waits: the exit status and all of stderr.
    pub fn finish(mut self) -> (ExitStatus, String) {
        self.close_stdin();
        let status = self.child.wait().unwrap();
        (status, self.stderr.join().unwrap())
    }
}
