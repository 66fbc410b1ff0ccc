//! Repository chores for the client-session workspace, run as `cargo xtask <task>`.
//!
//! `cargo xtask ci` is the whole CI run (`.ci/run` calls nothing else): the format check, the
//! build, the tests (the Iglu schema check of every emitted entity among them), clippy,
//! cargo-deny, cargo-machete (no unused dependency) and the wasm32 build of each crate that runs
//! in the browser, one crate at a time. Each step prints a `==> step` header, and the run stops at the
//! first failing step with a non-zero exit. `cargo xtask machete` and `cargo xtask wasm` run one of
//! those checks on its own. In the browser (headless Chromium, installed when missing):
//! `cargo xtask browser` runs the shared suite's web scenarios inside wasm, `cargo xtask web-test`
//! the web adapter's tests on the real `document.cookie`, and `cargo xtask interop` the web
//! package next to Snowplow's JavaScript tracker and the example page; `ci` runs all three.
//! The iOS C ABI: `cargo xtask c-header [--check]` (its cbindgen header) and `cargo xtask c-test
//! [--valgrind]` (its C tests and C driver); `ci` checks the header and runs the tests under valgrind.
//! On the JVM: `cargo xtask jvm-test` runs the Android adapter's Java tests and the shared
//! suite's mobile scenarios through its Java API (`ci` runs it too), and
//! `cargo xtask replay-jvm --out DIR FILE…` replays scenario files through it. Measurements,
//! not part of `ci`: `cargo xtask c-bench` and `cargo xtask jvm-bench`, the cost of one `track`
//! call on the caller's thread through each binding, and the libraries' sizes.
//!
//! This crate only orchestrates commands: it never edits the workspace's sources, and it installs
//! only tools that are missing (cargo-deny, cargo-machete, Debian's wasm toolchain,
//! wasm-bindgen-cli, Chromium and chromedriver, cbindgen, a JDK).

mod browser;
mod c_abi;
mod debian;
mod interop;
mod jvm;
mod mobile_driver;
mod proc;
mod rss;
mod wasm;
mod wasm_bindgen;
mod web;

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context, Result};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  ci       the whole CI run: fmt, build, test, clippy, deny, machete, c-header --check,
           c-test --valgrind, jvm-test, wasm, browser, web-test, web, interop (what .ci/run
           calls)
  machete  fail on a dependency no crate uses (cargo-machete)
  wasm     build each browser crate on its own for wasm32-unknown-unknown
  browser  every web scenario of the shared suite inside wasm, in headless Chromium
           (installs chromium, chromium-driver and wasm-bindgen-cli when missing)
  rss      measure the memory of the desktop example and of an idle `client-session run`
           (release builds; a measurement, not part of ci)
  web      build the browser package (client-session-web) into target/web/pkg/ and print its
           size; `web --serve` then serves examples/web-page with it on 127.0.0.1
  web-test run the browser tests of client-session-web in headless Chromium
  interop  the web package next to Snowplow's JavaScript tracker in headless Chromium, the
           example page, and their timings (needs Node.js 20+ and npm)
  c-header regenerate platforms/ios/include/client_session.h with cbindgen (installed when
           missing); `c-header --check` fails when the checked-in header differs
  c-test   the iOS C ABI's tests from C (gcc), the C driver's smoke script and every mobile
           scenario of the shared suite through the C driver, checked against the suite;
           `c-test --valgrind` runs them under valgrind, failing on any memory error or leak
  c-driver the C driver on a mobile driver protocol script read from stdin (`--valgrind` too)
  c-bench  the cost of one `cs_tracker_track` call on the caller's thread (release, C), in bursts
           and one call every 200 us, next to an empty C call and a wake-up of a parked thread,
           and the stripped library sizes (a measurement, not part of ci)
  replay-c --out DIR [--valgrind] FILE...
           Part C mobile scenario files through the C ABI (one C driver run for all), writing
           DIR/<stem>.jsonl as `client-session replay` prints them
  jvm-test the Android adapter's Java tests (under -Xcheck:jni) and every mobile scenario of the
           shared suite through its Java API, on the JVM (installs a JDK when missing)
  jvm-bench
           the cost of one `track` call on the caller's thread through JNI (release), in bursts
           and one call every 200 us, next to an empty JNI call and a wake-up of a parked thread,
           and the stripped .so size (a measurement, not part of ci)
  replay-jvm --out DIR [FILE...]
           Part C mobile scenario files (default: all of the suite's) through the Java API, in
           one JVM, writing DIR/<stem>.jsonl as `client-session replay` prints them";

/// What the tasks share: where the workspace is and which cargo to run.
pub struct Ctx {
    /// The workspace root (the folder holding the root `Cargo.toml`).
    pub root: PathBuf,
    /// The cargo that runs this task (cargo sets `CARGO` for `cargo run`), else `cargo` from PATH.
    pub cargo: OsString,
    /// The words after the task's name, for a task that takes arguments (`replay-c`).
    pub args: Vec<String>,
}

impl Ctx {
    fn new(args: &[String]) -> Result<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .context("xtask's manifest folder has no parent folder")?
            .to_path_buf();
        let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        Ok(Self {
            root,
            cargo,
            args: args.iter().skip(1).cloned().collect(),
        })
    }

    /// A `cargo` command run from the workspace root.
    pub fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = Command::new(&self.cargo);
        cmd.args(args).current_dir(&self.root);
        cmd
    }
}

/// One CI step; `Ok` when it passed.
type StepFn = fn(&Ctx) -> Result<()>;

const CI_STEPS: &[(&str, StepFn)] = &[
    ("fmt", fmt),
    ("build", build),
    ("test", test),
    ("clippy", clippy),
    ("deny", deny),
    ("machete", machete),
    ("c-header", c_abi::header_check),
    ("c-test", c_abi::test_valgrind),
    ("jvm-test", jvm::test),
    ("wasm", wasm::check),
    ("browser", browser::run),
    ("web-test", web::test),
    ("web", web::build),
    ("interop", interop::run),
];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let steps: &[(&str, StepFn)] = match words[..] {
        ["ci"] => CI_STEPS,
        ["wasm"] => &[("wasm", wasm::check)],
        ["browser"] => &[("browser", browser::run)],
        ["machete"] => &[("machete", machete)],
        ["rss"] => &[("rss", rss::measure)],
        ["web"] => &[("web", web::build)],
        ["web", "--serve"] => &[("web", web::build), ("serve", web::serve)],
        ["web-test"] => &[("web-test", web::test)],
        ["interop"] => &[("web", web::build), ("interop", interop::run)],
        ["c-header"] => &[("c-header", c_abi::header)],
        ["c-header", "--check"] => &[("c-header", c_abi::header_check)],
        ["c-test"] => &[("c-test", c_abi::test)],
        ["c-test", "--valgrind"] => &[("c-test", c_abi::test_valgrind)],
        ["c-driver"] => &[("c-driver", c_abi::driver_stdin)],
        ["c-driver", "--valgrind"] => &[("c-driver", c_abi::driver_stdin_valgrind)],
        ["c-bench"] => &[("c-bench", c_abi::bench)],
        ["replay-c", ..] => &[("replay-c", c_abi::replay)],
        ["jvm-test"] => &[("jvm-test", jvm::test)],
        ["jvm-bench"] => &[("jvm-bench", jvm::bench)],
        ["replay-jvm", ..] => &[("replay-jvm", jvm::replay)],
        [] | ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("xtask: unknown task {args:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Errors are printed as their chain of causes only: a backtrace (RUST_BACKTRACE is often set)
    // would bury the failing command's own output.
    match Ctx::new(&args).and_then(|ctx| run_steps(&ctx, steps)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs `steps` in order with a header each, stops at the first failure, then prints a summary.
fn run_steps(ctx: &Ctx, steps: &[(&str, StepFn)]) -> Result<()> {
    let started = Instant::now();
    let mut done: Vec<String> = Vec::new();
    for (i, (name, step)) in steps.iter().enumerate() {
        println!("\n==> [{}/{}] {name}", i + 1, steps.len());
        let step_started = Instant::now();
        match step(ctx) {
            Ok(()) => {
                let secs = step_started.elapsed().as_secs();
                println!("==> {name}: ok ({secs}s)");
                done.push(format!("{name} ok"));
            }
            Err(err) => {
                println!(
                    "\n==> FAILED at step {name} after {}s (before it: {})",
                    started.elapsed().as_secs(),
                    if done.is_empty() {
                        "nothing".to_string()
                    } else {
                        done.join(", ")
                    }
                );
                return Err(err.context(format!("step `{name}` failed")));
            }
        }
    }
    println!(
        "\n==> all {} steps done in {}s: {}",
        steps.len(),
        started.elapsed().as_secs(),
        done.join(", ")
    );
    Ok(())
}

fn fmt(ctx: &Ctx) -> Result<()> {
    proc::run(ctx.cargo(["fmt", "--all", "--", "--check"]))?;
    Ok(())
}

fn build(ctx: &Ctx) -> Result<()> {
    proc::run(ctx.cargo(["build", "--workspace", "--all-targets", "--locked"]))?;
    Ok(())
}

/// What the tests run besides cargo: `faketime` (a clock before 1970, issue 6 defect 8) and
/// `mkfs.ext4` (a small disk to fill, defect 2; mounting it needs root, as CI has).
const TEST_TOOLS: &[(&str, &str)] = &[
    ("/usr/bin/faketime", "faketime"),
    ("/sbin/mkfs.ext4", "e2fsprogs"),
];

fn test(ctx: &Ctx) -> Result<()> {
    let missing: Vec<&str> = TEST_TOOLS
        .iter()
        .filter(|(tool, _)| !Path::new(tool).exists())
        .map(|(_, package)| *package)
        .collect();
    if !missing.is_empty() {
        debian::install(&missing, "the test step")?;
    }
    proc::run(ctx.cargo(["test", "--workspace", "--locked"]))?;
    Ok(())
}

fn clippy(ctx: &Ctx) -> Result<()> {
    proc::run(ctx.cargo([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    Ok(())
}

/// The cargo-deny major version `deny.toml` is written for.
const CARGO_DENY_VERSION: &str = "^0.20";

fn deny(ctx: &Ctx) -> Result<()> {
    ensure_cargo_tool(ctx, "deny", CARGO_DENY_VERSION, || {
        ctx.cargo(["deny", "--version"])
    })?;
    // No `advisories`: the advisory database cannot be downloaded on the CI machines.
    proc::run(ctx.cargo(["deny", "check", "licenses", "bans", "sources"]))?;
    Ok(())
}

/// The cargo-machete version the step installs; the check reads only manifests and sources, so
/// any later 0.9 finds the same.
const CARGO_MACHETE_VERSION: &str = "^0.9";

/// Fails when a manifest lists a dependency that its crate's sources never name.
///
/// It reads only manifests and sources. Not `--with-metadata`: that runs `cargo metadata` in every
/// workspace it finds, which rewrites `fuzz/Cargo.lock` (a workspace of its own, locked only when
/// fuzzing) and may need the network. What that flag adds, a library name other than the
/// package's (beyond `-` for `_`), no dependency here has. A dependency used where machete cannot
/// see it (a doctest) belongs in `[package.metadata.cargo-machete] ignored`, with the reason.
fn machete(ctx: &Ctx) -> Result<()> {
    ensure_cargo_tool(ctx, "machete", CARGO_MACHETE_VERSION, || {
        machete_cmd(ctx, &["--version"])
    })?;
    proc::run(machete_cmd(ctx, &[])).context(
        "a crate lists a dependency it does not use: remove it, or, when only a doctest uses \
             it, list it in that crate's [package.metadata.cargo-machete] ignored with the reason",
    )?;
    Ok(())
}

/// `cargo machete ARGS` from the workspace root.
///
/// cargo-machete tells `cargo machete` from a direct `cargo-machete` call by `CARGO` being set
/// without `CARGO_PKG_NAME`; `cargo run` sets both for xtask, so without this it would read
/// `machete` as a path to analyse.
fn machete_cmd(ctx: &Ctx, args: &[&str]) -> Command {
    let mut cmd = ctx.cargo(["machete"]);
    cmd.args(args).env_remove("CARGO_PKG_NAME");
    cmd
}

/// Makes sure the cargo subcommand `cargo <tool>` runs, installing crate `cargo-<tool>` at
/// `version` when it does not, and prints its version. `version_cmd` makes the
/// `cargo <tool> --version` command: whether it succeeds is how a missing tool is told apart.
fn ensure_cargo_tool(
    ctx: &Ctx,
    tool: &str,
    version: &str,
    version_cmd: impl Fn() -> Command,
) -> Result<()> {
    let krate = format!("cargo-{tool}");
    if !proc::succeeds(version_cmd()) {
        println!(
            "{krate} is not installed: installing it (cargo install {krate} --locked --version \
             {version}; a few minutes, once per machine)"
        );
        proc::run(ctx.cargo(["install", &krate, "--locked", "--version", version]))
            .with_context(|| format!("could not install {krate}"))?;
        if !proc::succeeds(version_cmd()) {
            bail!(
                "{krate} was installed but `cargo {tool} --version` still fails: is cargo's bin \
                 folder ($CARGO_HOME/bin, usually ~/.cargo/bin) on PATH?"
            );
        }
    }
    proc::run(version_cmd())
}
