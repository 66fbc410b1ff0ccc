//! `cargo xtask wasm`: each crate that runs in the browser must build for `wasm32-unknown-unknown`
//! on its own.
//!
//! One cargo invocation per crate: built together, cargo unifies their features, and a crate that
//! lacks one (uuid's `js` for wasm32, say) builds only because a neighbour enables it. An app that
//! depends on that crate alone would not build.
//!
//! With rustup's wasm32 target installed this is a plain `cargo build --target`. The rustup
//! toolchain on the project's machines has no wasm32 standard library and cannot download one, so
//! otherwise the check uses Debian's packaged Rust (`rustc-web`) with its standard library source
//! and `-Zbuild-std`, installing those packages when they are missing
//! (`../shared/recipes/wasm-in-chromium.md`).

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{debian, proc, Ctx};

const TARGET: &str = "wasm32-unknown-unknown";

/// The platform-agnostic crates, and the facade (which leaves the desktop tracker out there):
/// each must build for the browser alone.
const CRATES: &[&str] = &[
    "client-session-core",
    "client-session-store",
    "client-session-store-cookie",
    "client-session-actor",
    "client-session-scenario",
    "client-session",
];

/// Debian's wasm-capable toolchain; `lld-22` must be named (`rust-web-llvm` links
/// `/usr/bin/rust-lld` to it without depending on it).
const DEBIAN_PACKAGES: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "rust-web-llvm",
    "lld-22",
];

/// Builds each of [`CRATES`] alone for [`TARGET`] by whichever route this machine allows.
pub fn check(ctx: &Ctx) -> Result<()> {
    let toolchain = Toolchain::ensure()?;
    for krate in CRATES {
        proc::run(toolchain.cargo(ctx, "build", krate))
            .with_context(|| format!("{krate} does not build for {TARGET} on its own"))?;
    }
    Ok(())
}

/// How this machine builds for [`TARGET`]: rustup's target, or Debian's rustc-web with the
/// standard library built from source (the recipe's route where rustup cannot download).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolchain {
    /// `rustup target add wasm32-unknown-unknown` is installed: plain cargo.
    Rustup,
    /// Debian's `rustc-web` and `-Zbuild-std`, into `target-wasm/`.
    Debian,
}

impl Toolchain {
    /// The route this machine has, installing Debian's packages when rustup has no wasm32
    /// standard library and they are missing.
    pub fn ensure() -> Result<Self> {
        if rustup_has_target() {
            println!("rustup has {TARGET} installed: plain cargo");
            return Ok(Self::Rustup);
        }
        println!(
            "rustup has no {TARGET} standard library: building with Debian's rustc-web and \
             -Zbuild-std (`rustup target add {TARGET}` is the simpler route where it can download)"
        );
        let missing = debian_missing();
        if !missing.is_empty() {
            println!("missing: {}", missing.join("; "));
            debian::install(DEBIAN_PACKAGES, "building for wasm32 (or `rustup target add wasm32-unknown-unknown` where rustup can download)")?;
            let still = debian_missing();
            if !still.is_empty() {
                bail!(
                    "Debian's wasm toolchain is still incomplete after installing {}: {}",
                    DEBIAN_PACKAGES.join(" "),
                    still.join("; ")
                );
            }
        }
        Ok(Self::Debian)
    }

    /// `cargo <subcommand> --release --locked --target wasm32-unknown-unknown -p <krate>` on this
    /// route (`subcommand` is `build` or `test`); add arguments after it as needed.
    pub fn cargo(self, ctx: &Ctx, subcommand: &str, krate: &str) -> Command {
        let mut cmd = match self {
            Self::Rustup => ctx.cargo([subcommand]),
            Self::Debian => {
                let mut cmd = Command::new("/usr/bin/cargo");
                cmd.current_dir(&ctx.root)
                    .env("RUSTC", "/usr/bin/rustc")
                    .env("RUSTDOC", "/usr/bin/rustdoc")
                    .env("RUSTC_BOOTSTRAP", "1")
                    .arg(subcommand);
                cmd
            }
        };
        cmd.env("CARGO_TARGET_DIR", self.target_dir(ctx)).args([
            "--release",
            "--locked",
            "--target",
            TARGET,
        ]);
        if self == Self::Debian {
            cmd.arg("-Zbuild-std=std,panic_abort");
        }
        cmd.args(["-p", krate]);
        cmd
    }

    /// Where this route's wasm builds go: `target-wasm/`, apart from the native `target/`.
    pub fn target_dir(self, ctx: &Ctx) -> std::path::PathBuf {
        ctx.root.join("target-wasm")
    }

    /// The folder a crate's release `.wasm` lands in.
    pub fn out_dir(self, ctx: &Ctx) -> std::path::PathBuf {
        self.target_dir(ctx).join(TARGET).join("release")
    }
}

/// Whether `rustup target list --installed` lists [`TARGET`]; false when rustup is absent.
fn rustup_has_target() -> bool {
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "list", "--installed"]);
    proc::stdout_of(cmd).is_some_and(|out| out.lines().any(|l| l.trim() == TARGET))
}

/// What the Debian route lacks on this machine, one description per missing piece.
fn debian_missing() -> Vec<String> {
    let mut missing = Vec::new();
    for tool in [
        "/usr/bin/rustc",
        "/usr/bin/rustdoc",
        "/usr/bin/cargo",
        "/usr/bin/rust-lld",
    ] {
        // `exists` follows symlinks, so a dangling rust-lld (lld-22 absent) counts as missing.
        if !Path::new(tool).exists() {
            missing.push(format!("{tool} not found"));
        }
    }
    if Path::new("/usr/bin/rustc").exists() {
        let mut cmd = Command::new("/usr/bin/rustc");
        cmd.arg("-V");
        match proc::stdout_of(cmd)
            .as_deref()
            .and_then(|v| v.split_whitespace().nth(1).map(str::to_owned))
        {
            Some(version) => {
                let std_src = format!("/usr/src/rustc-{version}/library/std");
                if !Path::new(&std_src).is_dir() {
                    missing.push(format!("{std_src} (standard library source) not found"));
                }
            }
            None => missing.push("`/usr/bin/rustc -V` failed".to_owned()),
        }
    }
    missing
}
