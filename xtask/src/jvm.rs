//! The Android adapter (`platforms/android`) on the JVM: `cargo xtask jvm-test`,
//! `cargo xtask replay-jvm` and `cargo xtask jvm-bench`.
//!
//! Each builds the adapter's `cdylib` (`libclient_session_android.so` for this machine),
//! compiles the Java API (`platforms/android/java/`, at Java 8's level, as Android apps compile
//! it) and the JVM test sources (`platforms/android/tests/java/`) into `target/jvm/classes/`,
//! and runs `java -Djava.library.path=…` on them. What needs the Android SDK
//! (`platforms/android/java-android/`) is never compiled here. A missing `javac` or `java` is
//! installed from Debian's `openjdk-17-jdk-headless`.
//!
//! - `jvm-test`: the Java test program (`dev.clientsession.TrackerTest`) under `-Xcheck:jni`,
//!   failing on any JNI warning, then every mobile scenario of the shared suite through the
//!   JVM driver, checked against the suite's expected output and the Iglu schema.
//! - `replay-jvm --out DIR [FILE…]`: the scenario files (default: every mobile scenario)
//!   through the JVM driver (`dev.clientsession.driver.Driver`, one JVM for all files), written
//!   to `DIR/<stem>.jsonl` as `client-session replay` prints them.
//! - `jvm-bench`: a release build's cost of one `track` call on the caller's thread, in bursts
//!   and one call every 200 µs, next to an empty JNI call and bare wake-ups of a parked thread
//!   (`dev.clientsession.TrackCost`), and the stripped `.so` size. A measurement, not part of
//!   `ci`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{debian, mobile_driver, proc, Ctx};

/// The Debian package that provides `javac` and `java`.
const JDK_PACKAGE: &str = "openjdk-17-jdk-headless";
/// The adapter's crate and the library file it builds.
const CRATE: &str = "client-session-android";
const LIBRARY: &str = "libclient_session_android.so";
/// Java sources: the API an app ships, and the JVM tests with the driver.
const API_SOURCES: &str = "platforms/android/java";
const TEST_SOURCES: &str = "platforms/android/tests/java";
/// The main classes.
const TEST_MAIN: &str = "dev.clientsession.TrackerTest";
const DRIVER_MAIN: &str = "dev.clientsession.driver.Driver";
const BENCH_MAIN: &str = "dev.clientsession.TrackCost";
/// What HotSpot's `-Xcheck:jni` prints for a misuse it tolerates (an unchecked exception, a
/// local reference overflow): a test run showing one fails.
const JNI_WARNINGS: &[&str] = &["WARNING in native method", "WARNING: JNI"];

/// The adapter built for this machine and its Java classes compiled.
struct Built {
    /// The folder holding `libclient_session_android.so`.
    library_dir: PathBuf,
    /// The compiled API, tests and driver.
    classes: PathBuf,
}

impl Built {
    /// `java` running `main` on the classes and the library; `check_jni` adds `-Xcheck:jni`.
    fn java(&self, main: &str, check_jni: bool) -> Command {
        let mut java = Command::new("java");
        if check_jni {
            java.arg("-Xcheck:jni");
        }
        java.arg(format!(
            "-Djava.library.path={}",
            self.library_dir.display()
        ))
        .arg("-cp")
        .arg(&self.classes)
        .arg(main);
        java
    }
}

/// `cargo xtask jvm-test`: the Java test program, then the shared suite's mobile scenarios
/// through the JVM driver, checked.
pub fn test(ctx: &Ctx) -> Result<()> {
    let built = build(ctx, false)?;
    run_checking_jni(built.java(TEST_MAIN, true))
        .context("the Java tests of the Android adapter failed (see their output above)")?;
    let files = mobile_driver::mobile_scenarios(&ctx.root)?;
    let out = ctx.root.join("target/jvm/replay");
    let replayed = mobile_driver::replay(built.java(DRIVER_MAIN, true), &files, &out)?;
    mobile_driver::verify(&replayed)
}

/// `cargo xtask replay-jvm --out DIR [FILE…]`, with `args` after the task's name.
pub fn replay(ctx: &Ctx) -> Result<()> {
    let (out, files) = replay_args(&ctx.args)?;
    let files = if files.is_empty() {
        mobile_driver::mobile_scenarios(&ctx.root)?
    } else {
        files
    };
    let built = build(ctx, false)?;
    mobile_driver::replay(built.java(DRIVER_MAIN, false), &files, &out)?;
    println!("{} file(s) replayed into {}", files.len(), out.display());
    Ok(())
}

/// `--out DIR` and the files, in any order; paths made absolute (the driver runs elsewhere).
fn replay_args(args: &[String]) -> Result<(PathBuf, Vec<PathBuf>)> {
    let mut out = None;
    let mut files = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--out" {
            let dir = args.next().context("--out needs a directory")?;
            out = Some(absolute(Path::new(dir))?);
        } else if arg.starts_with("--") {
            bail!("replay-jvm: unknown option {arg} (usage: replay-jvm --out DIR [FILE…])");
        } else {
            files.push(absolute(Path::new(arg))?);
        }
    }
    let out = out.context("replay-jvm needs --out DIR (usage: replay-jvm --out DIR [FILE…])")?;
    Ok((out, files))
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("the absolute path of {}", path.display()))
}

/// `cargo xtask jvm-bench`: a release build's per-call cost on the caller's thread, and the
/// library's size stripped.
pub fn bench(ctx: &Ctx) -> Result<()> {
    let built = build(ctx, true)?;
    proc::run(built.java(BENCH_MAIN, false))?;
    let library = built.library_dir.join(LIBRARY);
    let stripped = ctx.root.join("target/jvm").join(LIBRARY);
    let mut strip = Command::new("strip");
    strip.arg("-o").arg(&stripped).arg(&library);
    proc::run(strip).context("stripping the library (binutils' strip)")?;
    let size = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| m.len())
            .with_context(|| format!("reading {}", path.display()))
    };
    println!(
        "{LIBRARY} (x86_64 release): {} bytes, {} bytes stripped",
        size(&library)?,
        size(&stripped)?
    );
    Ok(())
}

/// Builds the library (`release` or debug) and compiles the Java sources, installing a JDK
/// first when missing.
fn build(ctx: &Ctx, release: bool) -> Result<Built> {
    ensure_jdk()?;
    let mut cargo = ctx.cargo(["build", "-p", CRATE]);
    if release {
        cargo.arg("--release");
    }
    proc::run(cargo)?;
    let library_dir = ctx
        .root
        .join("target")
        .join(if release { "release" } else { "debug" });
    if !library_dir.join(LIBRARY).is_file() {
        bail!(
            "{} is missing after building {CRATE}",
            library_dir.join(LIBRARY).display()
        );
    }
    let classes = ctx.root.join("target/jvm/classes");
    if classes.exists() {
        std::fs::remove_dir_all(&classes)
            .with_context(|| format!("clearing {}", classes.display()))?;
    }
    // The API at Java 8's level, as an Android app compiles it (`-options` only silences the
    // notice that 8 is old); then the tests against it.
    javac(
        &["--release", "8", "-Xlint:all,-options"],
        &ctx.root.join(API_SOURCES),
        &classes,
    )?;
    javac(
        &[
            "--release",
            "17",
            "-Xlint:all",
            "-cp",
            &classes.to_string_lossy(),
        ],
        &ctx.root.join(TEST_SOURCES),
        &classes,
    )?;
    Ok(Built {
        library_dir,
        classes,
    })
}

/// `javac -Werror` on every `.java` file under `sources`, into `classes`.
fn javac(options: &[&str], sources: &Path, classes: &Path) -> Result<()> {
    let mut files = Vec::new();
    java_files(sources, &mut files)?;
    if files.is_empty() {
        bail!("no Java sources under {}", sources.display());
    }
    files.sort();
    let mut javac = Command::new("javac");
    javac
        .args(options)
        .args(["-Werror", "-encoding", "UTF-8", "-d"])
        .arg(classes)
        .args(&files);
    proc::run(javac)
}

fn java_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.is_dir() {
            java_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "java") {
            files.push(path);
        }
    }
    Ok(())
}

/// Runs `cmd`, shows its output, and fails when it fails or prints a JNI warning.
fn run_checking_jni(mut cmd: Command) -> Result<()> {
    let line = proc::describe(&cmd);
    println!("$ {line}");
    let output = cmd
        .output()
        .with_context(|| format!("could not start `{line}`"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    if !output.status.success() {
        bail!("`{line}` failed ({})", output.status);
    }
    let all = format!("{stdout}{stderr}");
    let warnings = jni_warnings(&all);
    if !warnings.is_empty() {
        bail!(
            "-Xcheck:jni reported a misuse of JNI:\n  {}",
            warnings.join("\n  ")
        );
    }
    Ok(())
}

/// The lines of `output` that are `-Xcheck:jni` warnings.
fn jni_warnings(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|line| JNI_WARNINGS.iter().any(|w| line.contains(w)))
        .collect()
}

/// Makes sure `javac` and `java` run, installing Debian's JDK when not.
fn ensure_jdk() -> Result<()> {
    let runs = |tool: &str| {
        let mut cmd = Command::new(tool);
        cmd.arg("-version");
        proc::succeeds(cmd)
    };
    let missing = || -> Vec<&str> { ["javac", "java"].into_iter().filter(|t| !runs(t)).collect() };
    let before = missing();
    if before.is_empty() {
        return Ok(());
    }
    println!(
        "{} not found: installing Debian's {JDK_PACKAGE}",
        before.join(" and ")
    );
    debian::install(&[JDK_PACKAGE], "the JVM tests of the Android adapter")?;
    let after = missing();
    if !after.is_empty() {
        bail!(
            "{} still missing after installing Debian's {JDK_PACKAGE}: is it on PATH?",
            after.join(" and ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn replay_arguments_need_out_and_take_files_in_any_order() {
        let (out, files) = replay_args(&strings(&["a.json", "--out", "/o", "/b.json"])).unwrap();
        assert_eq!(out, Path::new("/o"));
        assert_eq!(files.len(), 2);
        assert!(files[0].is_absolute() && files[0].ends_with("a.json"));
        assert_eq!(files[1], Path::new("/b.json"));
        assert!(replay_args(&strings(&["a.json"])).is_err());
        assert!(replay_args(&strings(&["--out"])).is_err());
        assert!(replay_args(&strings(&["--out", "/o", "--valgrind"])).is_err());
        let (_, none) = replay_args(&strings(&["--out", "/o"])).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn jni_warnings_are_found_among_other_output() {
        let output = "ok a\nWARNING in native method: JNI call made without checking exceptions when required to from CallObjectMethod\nok b\nWARNING: JNI local refs: 33, exceeds capacity: 32\n";
        assert_eq!(jni_warnings(output).len(), 2);
        assert!(jni_warnings("ok a\n12 tests passed\n").is_empty());
    }
}
