//! `client-session run`: a live tracker on the desktop adapter, driven by stdin.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use client_session_actor::SystemClock;
use client_session_core::Config;
use client_session_desktop::{DataLocation, DesktopOptions, DesktopTracker};
use client_session_scenario::{apply, parse_step, Op, OutputLine};

use crate::{print_line, runtime, Failure};

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
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| Failure::Other(format!("cannot read stdin: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let op = match serde_json::from_str(&line)
            .map_err(|e| format!("malformed JSON: {e}"))
            .and_then(|value| {
                parse_step(&value, index, false)
                    .map_err(|e| format!("field `{}`: {}", e.field, e.message))
            }) {
            Ok(step) if step.op == Op::Restart => {
                eprintln!("line {}: field `op`: restart is not available in run: a real restart is a new process", index + 1);
                continue;
            }
            Ok(step) => step.op,
            Err(message) => {
                eprintln!("line {}: {message}", index + 1);
                continue;
            }
        };
        // `restart` was refused above.
        let emitted = runtime.block_on(apply(&handle, op));
        if let Some(event) = emitted.map_err(|e| Failure::Other(e.to_string()))? {
            let at_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            print_line(&OutputLine::new(index, at_ms, &event))?;
        }
    }
    drop(handle);
    runtime
        .block_on(tracker.shutdown())
        .map_err(|e| Failure::Other(e.to_string()))
}
