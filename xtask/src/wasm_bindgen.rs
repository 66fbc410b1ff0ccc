//! The wasm-bindgen command-line tools (`wasm-bindgen`, `wasm-bindgen-test-runner`), whose
//! version must equal the `wasm-bindgen` crate's in `Cargo.lock` exactly.
//!
//! They are installed once per version into `~/.cache/wbg-<version>` (cargo install, about
//! 100 s) and reused from there; nothing is installed when they are already on the machine.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{proc, Ctx};

/// The folder holding `wasm-bindgen` and `wasm-bindgen-test-runner` of the version `Cargo.lock`
/// pins, installing them there first when they are missing.
pub fn ensure_cli(ctx: &Ctx) -> Result<PathBuf> {
    let version = locked_version(ctx)?;
    let home =
        std::env::var_os("HOME").context("HOME is not set: cannot cache wasm-bindgen-cli")?;
    let root = PathBuf::from(home)
        .join(".cache")
        .join(format!("wbg-{version}"));
    let bin = root.join("bin");
    if installed_version(&bin).as_deref() == Some(version.as_str()) {
        return Ok(bin);
    }
    println!(
        "installing wasm-bindgen-cli {version} into {} (once per version)",
        root.display()
    );
    // No `--locked`: the CLI's own lock file pins crates this registry mirror lacks.
    let mut install = ctx.cargo(["install", "wasm-bindgen-cli", "--version"]);
    install.arg(&version).arg("--root").arg(&root);
    proc::run(install).context("installing wasm-bindgen-cli")?;
    match installed_version(&bin) {
        Some(found) if found == version => Ok(bin),
        found => bail!(
            "wasm-bindgen-cli in {} reports {found:?}, not {version}",
            bin.display()
        ),
    }
}

/// The `wasm-bindgen` crate's version in `Cargo.lock`.
fn locked_version(ctx: &Ctx) -> Result<String> {
    let lock = std::fs::read_to_string(ctx.root.join("Cargo.lock"))
        .context("reading Cargo.lock for the wasm-bindgen version")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_owned());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package: no crate of the workspace uses it")
}

/// The version `bin/wasm-bindgen --version` reports (`wasm-bindgen 0.2.x`), if it runs.
fn installed_version(bin: &std::path::Path) -> Option<String> {
    let mut cmd = Command::new(bin.join("wasm-bindgen"));
    cmd.arg("--version");
    proc::stdout_of(cmd)?
        .split_whitespace()
        .nth(1)
        .map(str::to_owned)
}
