//! `cargo xtask rss`: the memory an app pays for the tracker, measured on release builds.
//!
//! - the desktop example, whole process, peak RSS (GNU time's `%M`), on a fresh data directory
//!   and again on the same one (a restart);
//! - `client-session run` idling with a session: RSS and peak (`VmRSS`, `VmHWM` from /proc)
//!   one second after its first event, and again after 10,000 more events and a second of idle.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::{proc, Ctx};

pub fn measure(ctx: &Ctx) -> Result<()> {
    proc::run(ctx.cargo([
        "build",
        "--release",
        "--locked",
        "-p",
        "client-session-cli",
        "-p",
        "client-session-example-desktop",
    ]))?;
    let release = ctx.root.join("target/release");
    let scratch = std::env::temp_dir().join(format!("client-session-rss-{}", std::process::id()));
    let result = measure_in(&release, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let report = result?;
    println!("{report}");
    Ok(())
}

fn measure_in(release: &Path, scratch: &Path) -> Result<String> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        bail!("/usr/bin/time (GNU time) is missing: apt-get install time");
    }
    let example = release.join("desktop-app");
    let example_dir = scratch.join("example");
    let mut example_kib = Vec::new();
    for _ in 0..2 {
        let out = Command::new(time)
            .args(["-f", "%M"])
            .arg(&example)
            .arg("--data-dir")
            .arg(&example_dir)
            .output()
            .context("running the desktop example")?;
        if !out.status.success() {
            bail!(
                "the desktop example failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kib: u64 = stderr
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .parse()
            .context("reading GNU time's %M")?;
        example_kib.push(kib);
    }

    let mut child = Command::new(release.join("client-session"))
        .arg("run")
        .arg("--data-dir")
        .arg(scratch.join("run"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting client-session run")?;
    let pid = child.id();
    let mut stdin = child.stdin.take().context("no stdin")?;
    let mut stdout = BufReader::new(child.stdout.take().context("no stdout")?);
    let mut line = String::new();
    stdin.write_all(b"{\"op\":\"track\",\"event\":\"screen_view\"}\n")?;
    stdout.read_line(&mut line)?;
    std::thread::sleep(Duration::from_secs(1));
    let after_first = status_kib(pid)?;
    // One line in, one line out: writing all first would fill both pipes and deadlock.
    for _ in 0..10_000 {
        stdin.write_all(b"{\"op\":\"track\",\"event\":\"structured\"}\n")?;
        stdin.flush()?;
        line.clear();
        stdout.read_line(&mut line)?;
    }
    std::thread::sleep(Duration::from_secs(1));
    let after_many = status_kib(pid)?;
    drop(stdin);
    child.wait()?;
    Ok(format!(
        "{{\"desktop_example_peak_kib\":{{\"first_run\":{},\"second_run\":{}}},\
          \"cli_run_idle_kib\":{{\"after_first_event\":{{\"rss\":{},\"peak\":{}}},\
          \"after_10001_events\":{{\"rss\":{},\"peak\":{}}}}}}}",
        example_kib[0], example_kib[1], after_first.0, after_first.1, after_many.0, after_many.1
    ))
}

/// `(VmRSS, VmHWM)` of a process, in KiB.
fn status_kib(pid: u32) -> Result<(u64, u64)> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc status")?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("no {name} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}
