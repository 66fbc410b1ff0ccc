//! The iOS adapter's C ABI (`platforms/ios`, crate `client-session-ios`) from C: its header,
//! its C tests and its scenario driver.
//!
//! - `c-header [--check]`: the header `include/client_session.h` from cbindgen, pinned at
//!   [`CBINDGEN_VERSION`] and installed once into `~/.cache/cbindgen-<version>` (cbindgen is
//!   MPL-2.0, so it is a tool here, never a dependency). `--check` fails when the checked-in
//!   header differs from what the sources generate.
//! - `c-test [--valgrind]`: builds `libclient_session_ios.a`, compiles `tests/abi_tests.c` and
//!   `tests/driver.c` with gcc against it, runs the ABI tests, the driver on
//!   `tests/driver_smoke.script` against `tests/driver_smoke.expected`, and every mobile
//!   scenario of the shared suite through the driver, checked as the suite checks a backend.
//! - `replay-c --out DIR [--valgrind] FILE…`: scenario files through the driver
//!   ([`mobile_driver`](crate::mobile_driver) writes the script and reads the lines back).
//! - `c-driver [--valgrind]`: the driver on a protocol script read from stdin (see
//!   `tests/driver.c`), for trying it by hand.
//! - `c-bench`: a release build's cost of one `cs_tracker_track` call on the caller's thread
//!   next to an empty C call and a bare wake-up of a parked thread (`tests/track_cost.c`), and
//!   the library's sizes, stripped. A measurement, not part of `ci`.
//!
//! `--valgrind` runs each C program under `valgrind --leak-check=full --error-exitcode=1` with
//! `tests/valgrind.supp` (possibly-lost blocks that statics and live threads point into), so any
//! memory error or leak fails the step.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::{debian, mobile_driver, proc, Ctx};

/// The cbindgen the header is generated with; a new version may format it differently, so it is
/// pinned, and changing it means regenerating the header.
pub const CBINDGEN_VERSION: &str = "0.29.4";

const CRATE: &str = "client-session-ios";
const PLATFORM_DIR: &str = "platforms/ios";
const HEADER: &str = "include/client_session.h";

/// Regenerates the header.
pub fn header(ctx: &Ctx) -> Result<()> {
    let header = ctx.root.join(PLATFORM_DIR).join(HEADER);
    run_cbindgen(ctx, &header)
}

/// Fails when the checked-in header is not what the sources generate. It changes nothing:
/// cbindgen's own `--verify` would rewrite the header it finds different.
pub fn header_check(ctx: &Ctx) -> Result<()> {
    let out = target_dir(ctx).join("c");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let generated = out.join("client_session.h");
    run_cbindgen(ctx, &generated)?;
    let checked_in = ctx.root.join(PLATFORM_DIR).join(HEADER);
    let read = |path: &Path| {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    };
    if read(&checked_in)? != read(&generated)? {
        bail!(
            "{} is not what cbindgen makes of the sources ({}): run `cargo xtask c-header` and \
             commit the header",
            checked_in.display(),
            generated.display()
        );
    }
    println!("{HEADER} is up to date");
    Ok(())
}

fn run_cbindgen(ctx: &Ctx, output: &Path) -> Result<()> {
    let cbindgen = ensure_cbindgen(ctx)?;
    let mut cmd = Command::new(cbindgen);
    cmd.current_dir(ctx.root.join(PLATFORM_DIR))
        .args(["--config", "cbindgen.toml", "--crate", CRATE, "--output"])
        .arg(output);
    proc::run(cmd)
}

/// `cbindgen` at [`CBINDGEN_VERSION`], installing it into `~/.cache/cbindgen-<version>` first
/// when it is not there.
fn ensure_cbindgen(ctx: &Ctx) -> Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set: cannot cache cbindgen")?;
    let root = PathBuf::from(home)
        .join(".cache")
        .join(format!("cbindgen-{CBINDGEN_VERSION}"));
    let bin = root.join("bin").join("cbindgen");
    let version = |bin: &Path| {
        let mut cmd = Command::new(bin);
        cmd.arg("--version");
        proc::stdout_of(cmd).and_then(|out| out.split_whitespace().nth(1).map(str::to_owned))
    };
    if version(&bin).as_deref() == Some(CBINDGEN_VERSION) {
        return Ok(bin);
    }
    println!(
        "installing cbindgen {CBINDGEN_VERSION} into {} (once per version)",
        root.display()
    );
    let mut install = ctx.cargo(["install", "cbindgen", "--locked", "--version"]);
    install.arg(CBINDGEN_VERSION).arg("--root").arg(&root);
    proc::run(install).context("installing cbindgen")?;
    match version(&bin) {
        Some(found) if found == CBINDGEN_VERSION => Ok(bin),
        found => bail!(
            "cbindgen in {} reports {found:?}, not {CBINDGEN_VERSION}",
            bin.display()
        ),
    }
}

/// The ABI tests and the driver's smoke script, natively.
pub fn test(ctx: &Ctx) -> Result<()> {
    run_tests(ctx, false)
}

/// The ABI tests and the driver's smoke script under valgrind.
pub fn test_valgrind(ctx: &Ctx) -> Result<()> {
    run_tests(ctx, true)
}

fn run_tests(ctx: &Ctx, valgrind: bool) -> Result<()> {
    let programs = build(ctx, valgrind)?;
    proc::run(under(ctx, valgrind, &programs.abi_tests)).context("the C ABI tests failed")?;
    smoke(ctx, valgrind, &programs.driver)?;
    let files = mobile_driver::mobile_scenarios(&ctx.root)?;
    let out = target_dir(ctx).join("c").join("replay");
    let replayed = mobile_driver::replay(under(ctx, valgrind, &programs.driver), &files, &out)
        .context("replaying the shared suite's mobile scenarios through the C driver")?;
    mobile_driver::verify(&replayed)
}

/// `replay-c --out DIR [--valgrind] FILE…`: the files through one run of the C driver, each
/// file's Part C lines into `DIR/<stem>.jsonl`.
pub fn replay(ctx: &Ctx) -> Result<()> {
    const USAGE: &str = "usage: cargo xtask replay-c --out DIR [--valgrind] FILE...";
    let mut out = None;
    let mut valgrind = false;
    let mut files = Vec::new();
    let mut args = ctx.args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = Some(args.next().context(USAGE)?),
            "--valgrind" => valgrind = true,
            option if option.starts_with("--") => bail!("unknown option {option}; {USAGE}"),
            file => files.push(PathBuf::from(file)),
        }
    }
    let out = std::path::absolute(out.context(USAGE)?).context("the --out directory")?;
    if files.is_empty() {
        bail!("no scenario file; {USAGE}");
    }
    let replayed = mobile_driver::replay(driver(ctx, valgrind)?, &files, &out)?;
    for output in &replayed {
        println!("{}: {} lines", output.file.display(), output.lines.len());
    }
    println!("written to {}", out.display());
    Ok(())
}

/// The driver on the script read from this process's stdin, its lines on stdout.
pub fn driver_stdin(ctx: &Ctx) -> Result<()> {
    proc::run(driver(ctx, false)?)
}

/// [`driver_stdin`] under valgrind.
pub fn driver_stdin_valgrind(ctx: &Ctx) -> Result<()> {
    proc::run(driver(ctx, true)?)
}

/// `cargo xtask c-bench`: `tests/track_cost.c` at `-O2` against the release `.a` (what an iOS
/// app links), run, then the sizes of the release `.so` and `.a`, as built and stripped (a
/// stripped copy each: all symbols for the `.so`, debug information only for the `.a`, which
/// must keep its symbols to be linked).
pub fn bench(ctx: &Ctx) -> Result<()> {
    ensure_tool("gcc", "gcc", "compiling the C benchmark")?;
    let (library, native_libs) = build_library(ctx, Profile::Release)?;
    let out = target_dir(ctx).join("c");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let program = out.join("track_cost");
    let source = ctx
        .root
        .join(PLATFORM_DIR)
        .join("tests")
        .join("track_cost.c");
    compile_c(ctx, &source, &library, &native_libs, &program, &["-O2"])?;
    proc::run(Command::new(&program)).context("the C benchmark failed")?;

    let shared = library.with_file_name("libclient_session_ios.so");
    let size = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| m.len())
            .with_context(|| format!("reading {}", path.display()))
    };
    for (built, strip_option) in [(&shared, "--strip-all"), (&library, "--strip-debug")] {
        let name = built
            .file_name()
            .context("the library path has no file name")?;
        let stripped = out.join(name);
        let mut strip = Command::new("strip");
        strip.arg(strip_option).arg("-o").arg(&stripped).arg(built);
        proc::run(strip).context("stripping the library (binutils' strip)")?;
        println!(
            "{} (x86_64 release): {} bytes, {} bytes after strip {strip_option}",
            name.to_string_lossy(),
            size(built)?,
            size(&stripped)?
        );
    }
    Ok(())
}

/// The C driver of the mobile driver protocol (issue 9), built, as a command to spawn with the
/// script on its stdin: under valgrind when `valgrind` (then a leak or memory error makes it exit
/// with status 1).
fn driver(ctx: &Ctx, valgrind: bool) -> Result<Command> {
    let programs = build(ctx, valgrind)?;
    Ok(under(ctx, valgrind, &programs.driver))
}

/// The C programs, compiled.
struct Programs {
    abi_tests: PathBuf,
    driver: PathBuf,
}

/// Builds the static library and compiles the C programs against it, after checking that gcc
/// (and valgrind when asked for) is there.
fn build(ctx: &Ctx, valgrind: bool) -> Result<Programs> {
    ensure_tool("gcc", "gcc", "compiling the C tests and driver")?;
    if valgrind {
        ensure_tool("valgrind", "valgrind", "`--valgrind`")?;
    }
    let (library, native_libs) = build_library(ctx, Profile::Debug)?;
    let out = target_dir(ctx).join("c");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let tests_dir = ctx.root.join(PLATFORM_DIR).join("tests");
    let compile = |name: &str| -> Result<PathBuf> {
        let program = out.join(name);
        let source = tests_dir.join(format!("{name}.c"));
        compile_c(
            ctx,
            &source,
            &library,
            &native_libs,
            &program,
            &["-g", "-O1"],
        )?;
        Ok(program)
    };
    Ok(Programs {
        abi_tests: compile("abi_tests")?,
        driver: compile("driver")?,
    })
}

/// Compiles the C program `source` with gcc against the static `library` (strict C11, every
/// warning an error, with `optimisation`'s flags) into `program`.
fn compile_c(
    ctx: &Ctx,
    source: &Path,
    library: &Path,
    native_libs: &[String],
    program: &Path,
    optimisation: &[&str],
) -> Result<()> {
    let mut gcc = Command::new("gcc");
    gcc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .args(optimisation)
        .arg("-pthread")
        .arg("-I")
        .arg(ctx.root.join(PLATFORM_DIR).join("include"))
        .arg(source)
        .arg(library)
        .args(native_libs)
        .arg("-o")
        .arg(program);
    proc::run(gcc).with_context(|| format!("compiling {}", source.display()))
}

/// Which cargo profile the library is built with.
#[derive(Clone, Copy)]
enum Profile {
    /// The tests' (as the workspace's other test builds).
    Debug,
    /// What an app ships, for `c-bench`.
    Release,
}

impl Profile {
    /// The folder under `target/` that holds what it builds.
    const fn dir(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Release => "release",
        }
    }
}

/// Builds `libclient_session_ios.a` (and the `.so` beside it) in `profile` and returns the
/// `.a` with the system libraries it needs at link time, as rustc prints them
/// (`-lpthread -ldl -lm …`).
fn build_library(ctx: &Ctx, profile: Profile) -> Result<(PathBuf, Vec<String>)> {
    let mut cmd = ctx.cargo(["rustc", "-p", CRATE, "--lib", "--locked"]);
    if let Profile::Release = profile {
        cmd.arg("--release");
    }
    cmd.args(["--", "--print", "native-static-libs"]);
    println!("$ {}", proc::describe(&cmd));
    // stderr is read for rustc's note (cargo repeats it when the library is already built).
    let output = cmd
        .stderr(Stdio::piped())
        .output()
        .context("could not start cargo")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        eprint!("{stderr}");
        bail!("building {CRATE} failed ({})", output.status);
    }
    let native_libs: Vec<String> = stderr
        .lines()
        .find_map(|line| line.split_once("native-static-libs:"))
        .map(|(_, libs)| libs.split_whitespace().map(str::to_owned).collect())
        .with_context(|| {
            format!("rustc printed no native-static-libs for {CRATE}; its output:\n{stderr}")
        })?;
    let library = target_dir(ctx)
        .join(profile.dir())
        .join("libclient_session_ios.a");
    if !library.is_file() {
        bail!("{} is missing after the build", library.display());
    }
    Ok((library, native_libs))
}

fn target_dir(ctx: &Ctx) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from)
}

/// `program`, under valgrind when `valgrind`.
fn under(ctx: &Ctx, valgrind: bool, program: &Path) -> Command {
    if !valgrind {
        return Command::new(program);
    }
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--leak-check=full",
        "--error-exitcode=1",
        "--num-callers=40",
        // Valgrind runs one thread at a time and, by default, lets the running one keep the
        // CPU. sled's lazy statics spin on an atomic while another thread initialises them,
        // so the spinning thread kept the CPU for 30-70 s at a tracker's first store open
        // here (a callgrind profile: 88% of instructions in that compare-and-swap) and over
        // 120 s on a slower CI machine, where a flush timed out. Fair scheduling hands the
        // CPU round in turn: the same open takes 2 s. Natively threads run in parallel and
        // the spin lasts microseconds.
        "--fair-sched=yes",
    ])
    .arg(format!(
        "--suppressions={}",
        ctx.root
            .join(PLATFORM_DIR)
            .join("tests")
            .join("valgrind.supp")
            .display()
    ))
    .arg(program);
    cmd
}

/// Installs Debian's `package` when `program --version` does not run.
fn ensure_tool(program: &str, package: &str, needed_by: &str) -> Result<()> {
    let runs = || {
        let mut cmd = Command::new(program);
        cmd.arg("--version");
        proc::succeeds(cmd)
    };
    if runs() {
        return Ok(());
    }
    println!("{program} is not installed; {needed_by} needs it");
    debian::install(&[package], needed_by)?;
    if !runs() {
        bail!("{program} still does not run after installing Debian's {package}");
    }
    Ok(())
}

/// Runs the driver on `tests/driver_smoke.script` (every command, good and bad, across a
/// restart) and compares its output, in the shape [`shape`] gives, with
/// `tests/driver_smoke.expected`.
fn smoke(ctx: &Ctx, valgrind: bool, driver: &Path) -> Result<()> {
    let tests_dir = ctx.root.join(PLATFORM_DIR).join("tests");
    let read = |name: &str| {
        let path = tests_dir.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let data_dir = target_dir(ctx)
        .join("c")
        .join(format!("smoke-{}", std::process::id()));
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)
            .with_context(|| format!("removing {}", data_dir.display()))?;
    }
    let script = read("driver_smoke.script")?.replace("$DIR", &data_dir.display().to_string());
    let expected = read("driver_smoke.expected")?;
    let mut cmd = under(ctx, valgrind, driver);
    println!("$ {} < driver_smoke.script", proc::describe(&cmd));
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start the driver")?;
    // Written from another thread, so that a driver blocked on a full stdout cannot stall us.
    let writer = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || std::io::Write::write_all(&mut stdin, script.as_bytes()))
    });
    let output = child.wait_with_output().context("waiting for the driver")?;
    if let Some(writer) = writer {
        match writer.join() {
            Ok(written) => written.context("writing the script to the driver")?,
            Err(_) => bail!("the thread writing the script to the driver panicked"),
        }
    }
    let _ = std::fs::remove_dir_all(&data_dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        print!("{stdout}");
        bail!("the driver failed ({})", output.status);
    }
    let got: Vec<String> = stdout.lines().map(shape).collect();
    let want: Vec<&str> = expected.lines().collect();
    if got != want {
        println!("driver output:\n{stdout}");
        let first = got
            .iter()
            .zip(&want)
            .position(|(g, w)| g != w)
            .unwrap_or(got.len().min(want.len()));
        bail!(
            "the driver's output differs from driver_smoke.expected at line {}: got {:?}, \
             expected {:?} ({} lines, expected {})",
            first + 1,
            got.get(first),
            want.get(first),
            got.len(),
            want.len()
        );
    }
    println!("driver smoke script: {} lines as expected", got.len());
    Ok(())
}

/// A driver line without what changes from run to run: `event <name>` for an event, `session`
/// for a session, the first three words of an error (its command and status, or the start of
/// an unknown line), other lines whole.
fn shape(line: &str) -> String {
    if let Some(json) = line.strip_prefix("event ") {
        let name = json
            .strip_prefix("{\"event\":\"")
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("?");
        format!("event {name}")
    } else if line.starts_with("session {") {
        "session".to_owned()
    } else if line.starts_with("error ") {
        line.split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
            .trim_end()
            .to_owned()
    } else {
        line.to_owned()
    }
}
