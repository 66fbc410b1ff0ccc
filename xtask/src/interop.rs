//! `cargo xtask interop`: the web package next to Snowplow's JavaScript tracker in headless
//! Chromium (issue 8), and the example page.
//!
//! The test itself is the node script `platforms/web/interop/interop.mjs` (its README says what it
//! checks); this task gets it what it needs: Node.js and npm (checked, not installed: Debian's
//! `nodejs` is older than playwright-core allows), the pinned npm packages (`npm ci`, from the
//! committed lock file), the package in `target/web/pkg/` (built by the `web` step before this
//! one) and Debian's `chromium` (installed when missing). Not part of `ci` yet.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{browser, proc, Ctx};

/// The oldest Node.js major version playwright-core 1.65 runs on.
const NODE_MAJOR_MIN: u32 = 20;

/// `platforms/web/interop/`, the script and its npm packages.
fn interop_dir(ctx: &Ctx) -> PathBuf {
    ctx.root.join("platforms").join("web").join("interop")
}

/// The major version in `node --version`'s output (`v20.20.2` gives 20).
fn node_major(version: &str) -> Option<u32> {
    version
        .trim()
        .strip_prefix('v')?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Checks that `node` (at least [`NODE_MAJOR_MIN`]) and `npm` run, with a message that says what
/// to install when they do not.
fn require_node() -> Result<()> {
    let hint = format!(
        "the interop test needs Node.js {NODE_MAJOR_MIN} or newer with npm on PATH \
         (https://nodejs.org; Debian's own nodejs package is older)"
    );
    let version = proc::stdout_of(version_of("node"))
        .with_context(|| format!("`node --version` did not run: {hint}"))?;
    match node_major(&version) {
        Some(major) if major >= NODE_MAJOR_MIN => {}
        _ => bail!("node is {}: {hint}", version.trim()),
    }
    if proc::stdout_of(version_of("npm")).is_none() {
        bail!("`npm --version` did not run: {hint}");
    }
    Ok(())
}

fn version_of(tool: &str) -> Command {
    let mut cmd = Command::new(tool);
    cmd.arg("--version");
    cmd
}

/// Runs the interop test: `npm ci`, then `node interop.mjs` on the package the `web` step built.
pub fn run(ctx: &Ctx) -> Result<()> {
    require_node()?;
    let dir = interop_dir(ctx);
    let pkg = ctx.root.join("target").join("web").join("pkg");
    if !pkg.join("client_session_web.js").exists() {
        bail!(
            "the web package is not in {}: `cargo xtask web` builds it",
            pkg.display()
        );
    }
    browser::ensure_chromium("the interop test")?;

    let mut npm = Command::new("npm");
    npm.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir);
    proc::run(npm).context(
        "npm could not install the interop test's packages (the npm registry must be reachable)",
    )?;

    let mut node = Command::new("node");
    node.arg("interop.mjs").current_dir(&dir);
    proc::run(node).context("the interop test failed (its output above says which check)")
}

#[cfg(test)]
mod tests {
    use super::node_major;

    #[test]
    fn node_major_reads_the_major_version() {
        assert_eq!(node_major("v20.20.2\n"), Some(20));
        assert_eq!(node_major("v9.0.0"), Some(9));
        assert_eq!(node_major("20.1.0"), None);
        assert_eq!(node_major("vx.1"), None);
    }
}
