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
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The packages that provide them.
const BROWSER_PACKAGES: &[&str] = &["chromium", "chromium-driver"];

/// The crate holding the shared suite, and its test that runs in the browser.
const SUITE: &str = "client-session-suite";
const TEST: &str = "browser";

/// Runs the suite's `browser` test in headless Chromium.
pub fn run(ctx: &Ctx) -> Result<()> {
    wasm_test(ctx, SUITE, TEST, None)
}

/// Builds `krate`'s test `test` for wasm32 and runs it in headless Chromium through
/// `wasm-bindgen-test-runner` and chromedriver, installing what is missing first. `timeout_s`
/// raises the runner's limit for the whole run (tests that wait on purpose). A failing test
/// fails the task (the runner exits non-zero).
pub fn wasm_test(ctx: &Ctx, krate: &str, test: &str, timeout_s: Option<u32>) -> Result<()> {
    ensure_chromium(&format!("the browser tests of {krate}"))?;
    let toolchain = Toolchain::ensure()?;
    let bin = wasm_bindgen::ensure_cli(ctx)?;
    let runner = bin.join("wasm-bindgen-test-runner");
    if !runner.is_file() {
        bail!(
            "{} is missing although wasm-bindgen-cli is installed there",
            runner.display()
        );
    }
    let mut cargo = toolchain.cargo(ctx, "test", krate);
    cargo
        .args(["--test", test])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner)
        .env("CHROMEDRIVER", CHROMEDRIVER);
    if let Some(secs) = timeout_s {
        cargo.env("WASM_BINDGEN_TEST_TIMEOUT", secs.to_string());
    }
    proc::run(cargo).with_context(|| {
        format!("{krate}'s `{test}` test failed in headless Chromium (see its output above)")
    })
}

/// Makes sure Chromium and chromedriver are installed, installing Debian's packages when not;
/// `needed_by` names what needs them in the messages.
pub fn ensure_chromium(needed_by: &str) -> Result<()> {
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
    debian::install(BROWSER_PACKAGES, needed_by)?;
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
