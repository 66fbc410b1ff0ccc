//! `cargo xtask browser`: the shared suite's web scenarios inside wasm, in headless Chromium.
//!
//! Builds the suite crate's `browser` test for `wasm32-unknown-unknown` (whichever route
//! [`Toolchain`] finds) and runs it with `wasm-bindgen-test-runner`, which drives Debian's
//! Chromium through chromedriver. Installs what is missing: Chromium and chromedriver (Debian's
//! `chromium` and `chromium-driver`), and `wasm-bindgen-cli` at the version `Cargo.lock` pins.
//! A failing browser test fails the task (the runner exits non-zero).

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::wasm::Toolchain;
use crate::{debian, proc, wasm_bindgen, Ctx};

/// Where Debian's packages put the browser and its driver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The packages that provide them.
const BROWSER_PACKAGES: &[&str] = &["chromium", "chromium-driver"];

/// The crate holding the shared suite, and its test that runs in the browser.
const SUITE: &str = "client-session-suite";
const TEST: &str = "browser";

/// Runs the suite's `browser` test in headless Chromium.
pub fn run(ctx: &Ctx) -> Result<()> {
    ensure_browser()?;
    let toolchain = Toolchain::ensure()?;
    let bin = wasm_bindgen::ensure_cli(ctx)?;
    let runner = bin.join("wasm-bindgen-test-runner");
    if !runner.is_file() {
        bail!(
            "{} is missing although wasm-bindgen-cli is installed there",
            runner.display()
        );
    }
    let mut test = toolchain.cargo(ctx, "test", SUITE);
    test.args(["--test", TEST])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner)
        .env("CHROMEDRIVER", CHROMEDRIVER);
    proc::run(test).with_context(|| {
        format!("the suite's `{TEST}` test failed in headless Chromium (see its output above)")
    })
}

/// Makes sure Chromium and chromedriver are installed, installing Debian's packages when not.
fn ensure_browser() -> Result<()> {
    let missing = || -> Vec<&str> {
        [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .filter(|path| !Path::new(path).exists())
            .collect()
    };
    let before = missing();
    if before.is_empty() {
        return Ok(());
    }
    println!(
        "{} not found: installing Debian's {}",
        before.join(" and "),
        BROWSER_PACKAGES.join(" ")
    );
    debian::install(BROWSER_PACKAGES, "running the suite in headless Chromium")?;
    let after = missing();
    if !after.is_empty() {
        bail!(
            "{} still missing after installing Debian's {}",
            after.join(" and "),
            BROWSER_PACKAGES.join(" ")
        );
    }
    Ok(())
}
