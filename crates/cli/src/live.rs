//! `client-session run`: a live tracker on the desktop adapter, driven by stdin.
//!
//! Each line is judged alone. A bad one (not UTF-8, longer than [`MAX_LINE_BYTES`], not JSON,
//! not a valid step, `restart`) is named on stderr with its 1-based number and skipped; the run
//! goes on and exits 2 at the end. Whatever stops the run early (stdout closed or full, stdin
//! failing, the tracker failing) ends reading, and the tracker is still shut down cleanly, so the
//! next run does not mistake it for a crash.

use std::io::{BufRead, ErrorKind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use client_session_actor::{SessionHandle, SystemClock};
use client_session_core::Config;
use client_session_desktop::{DataLocation, DesktopOptions, DesktopTracker};
use client_session_scenario::{apply, parse_step, Op, OutputLine};
use tokio::runtime::Runtime;

use crate::{print_line, report, runtime, Failure};

/// The longest line read as a step. A step is under 200 bytes; the bound keeps a hostile line
/// from being held in memory (or echoed) whole: the rest of it is read past, not kept.
const MAX_LINE_BYTES: usize = 1 << 20;

pub(crate) fn run(data_dir: PathBuf, namespace: String, config: Config) -> Result<(), Failure> {
    let started = Instant::now();
    let runtime = runtime()?;
    let options = DesktopOptions {
        location: DataLocation::Path(data_dir),
        namespace,
        config,
        clock: Arc::new(SystemClock),
    };
    let tracker = runtime
        .block_on(DesktopTracker::open(options))
        .map_err(|e| Failure::Other(e.to_string()))?;
    let handle = tracker.handle().clone();
    let fed = feed(&runtime, &handle, std::io::stdin().lock(), started);
    drop(handle);
    let shutdown = runtime.block_on(tracker.shutdown());
    match (fed, shutdown) {
        (Err(Failure::Other(stopped)), Err(e)) => Err(Failure::Other(format!(
            "{stopped}; then the shutdown failed too: {e}"
        ))),
        (Err(failure), _) => Err(failure),
        (Ok(_), Err(e)) => Err(Failure::Other(e.to_string())),
        (Ok(0), Ok(())) => Ok(()),
        (Ok(rejected), Ok(())) => Err(Failure::BadInput(format!(
            "{rejected} bad line(s) skipped (named above); every other line was processed"
        ))),
    }
}

/// Feeds every line of `input` to the tracker and prints what it emits. Returns how many lines
/// were rejected, or the failure that stopped reading.
fn feed(
    runtime: &Runtime,
    handle: &SessionHandle,
    input: impl BufRead,
    started: Instant,
) -> Result<usize, Failure> {
    let mut lines = Lines::new(input, MAX_LINE_BYTES);
    let mut rejected = 0;
    let mut index = 0;
    while let Some(line) = lines
        .next_line()
        .map_err(|e| Failure::Other(format!("cannot read stdin after line {index}: {e}")))?
    {
        match step(line, index) {
            Ok(None) => {}
            Ok(Some(op)) => {
                let emitted = runtime
                    .block_on(apply(handle, op))
                    .map_err(|e| Failure::Other(e.to_string()))?;
                for event in emitted.iter() {
                    let at_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                    print_line(&OutputLine::new(index, at_ms, event))?;
                }
            }
            Err(message) => {
                rejected += 1;
                report(&format!("line {}: {message}", index + 1));
            }
        }
        index += 1;
    }
    Ok(rejected)
}

/// The op on one line, `None` for a blank line, or what is wrong with it.
fn step(line: Line<'_>, index: usize) -> Result<Option<Op>, String> {
    let bytes = match line {
        Line::TooLong { bytes } => {
            return Err(format!(
                "longer than {MAX_LINE_BYTES} bytes ({bytes} bytes), skipped"
            ))
        }
        Line::Bytes(bytes) => bytes,
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 (byte {} is invalid)", e.valid_up_to() + 1))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let step = parse_step(&value, index, false)
        .map_err(|e| format!("field `{}`: {}", e.field, e.message))?;
    if step.op == Op::Restart {
        return Err(
            "field `op`: restart is not available in run: a real restart is a new process".into(),
        );
    }
    Ok(Some(step.op))
}

/// One line of input, without its `\n` (or `\r\n`).
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    /// A line within the limit, as it came (not necessarily UTF-8).
    Bytes(&'a [u8]),
    /// A line over the limit, read past: only its length is known.
    TooLong { bytes: u64 },
}

/// Splits a byte stream into lines, keeping at most `limit` bytes of any one line.
struct Lines<R> {
    input: R,
    line: Vec<u8>,
    limit: usize,
}

impl<R: BufRead> Lines<R> {
    fn new(input: R, limit: usize) -> Self {
        Self {
            input,
            line: Vec::new(),
            limit,
        }
    }

    /// The next line, or `None` at the end of input. A last line without `\n` counts.
    fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.line.clear();
        let mut bytes: u64 = 0;
        let mut read_any = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            read_any = true;
            let newline = available.iter().position(|&b| b == b'\n');
            let part = &available[..newline.unwrap_or(available.len())];
            bytes += part.len() as u64;
            if bytes <= self.limit as u64 {
                self.line.extend_from_slice(part);
            } else {
                // Over the limit: drop what was kept and read on to the newline.
                self.line = Vec::new();
            }
            let used = newline.map_or(part.len(), |at| at + 1);
            self.input.consume(used);
            if newline.is_some() {
                break;
            }
        }
        if !read_any {
            return Ok(None);
        }
        if bytes > self.limit as u64 {
            return Ok(Some(Line::TooLong { bytes }));
        }
        let line = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
        Ok(Some(Line::Bytes(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], limit: usize, capacity: usize) -> Vec<Result<Vec<u8>, u64>> {
        let reader = std::io::BufReader::with_capacity(capacity, input);
        let mut lines = Lines::new(reader, limit);
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().unwrap() {
            out.push(match line {
                Line::Bytes(b) => Ok(b.to_vec()),
                Line::TooLong { bytes } => Err(bytes),
            });
        }
        out
    }

    #[test]
    fn lines_are_split_on_newlines_and_bounded() {
        // A small buffer makes lines cross refills.
        for capacity in [1, 3, 64] {
            let got = all(b"ab\r\n\n\xff\xfe\n0123456789\nxyz", 8, capacity);
            assert_eq!(
                got,
                [
                    Ok(b"ab".to_vec()),
                    Ok(vec![]),
                    Ok(b"\xff\xfe".to_vec()),
                    Err(10),
                    Ok(b"xyz".to_vec()),
                ],
                "capacity {capacity}"
            );
        }
        assert_eq!(all(b"", 8, 4), Vec::<Result<Vec<u8>, u64>>::new());
        assert_eq!(all(b"12345678\n", 8, 4), [Ok(b"12345678".to_vec())]);
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let err = |line| step(line, 0).unwrap_err();
        assert!(err(Line::Bytes(b"\xff")).starts_with("not UTF-8"));
        assert!(err(Line::TooLong { bytes: 5 << 20 }).contains("(5242880 bytes)"));
        assert!(err(Line::Bytes(b"{")).starts_with("malformed JSON"));
        assert!(err(Line::Bytes(br#"{"op":"restart"}"#)).starts_with("field `op`: restart"));
        assert_eq!(step(Line::Bytes(b" \t"), 0), Ok(None));
        assert_eq!(
            step(Line::Bytes(br#"{"op":"pause"}"#), 0),
            Ok(Some(Op::Pause))
        );
    }
}
