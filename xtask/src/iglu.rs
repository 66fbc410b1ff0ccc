//! `cargo xtask iglu`: every `client_session` entity the CLI emits for the mobile scenarios must be
//! valid against the official Iglu schema `client_session` 1-0-2.
//!
//! The schemas are read where they live (`../shared/iglu/schemas` beside the workspace, or the
//! folder named by `IGLU_SCHEMAS`), never copied into the project. Validation is done by
//! `xtask/iglu_validate.py` with Python's `jsonschema` and format checking on, so `uuid` and
//! `date-time` are checked as an Iglu validator would.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::{proc, Ctx, Outcome};

/// The schema's path under the schemas folder.
const SCHEMA: &str = "com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2";

/// The Python packages the validator needs; `rfc3339-validator` is what makes `jsonschema`'s
/// format checker check `date-time` at all.
const PY_PACKAGES: &[&str] = &["jsonschema", "rfc3339-validator"];

/// Replays each mobile scenario with the CLI and validates the entities it prints.
pub fn check(ctx: &Ctx) -> Result<Outcome> {
    let schemas = match env::var_os("IGLU_SCHEMAS").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if !dir.is_dir() {
                bail!("IGLU_SCHEMAS={} is not a folder", dir.display());
            }
            dir
        }
        None => {
            let dir = ctx.root.join("../shared/iglu/schemas");
            if !dir.is_dir() {
                return Ok(Outcome::Skipped(format!(
                    "no Iglu schemas at {} and IGLU_SCHEMAS is not set",
                    dir.display()
                )));
            }
            dir
        }
    };
    let schema = schemas.join(SCHEMA);
    if !schema.is_file() {
        bail!("schema {} not found", schema.display());
    }
    println!("schema: {}", schema.display());

    ensure_python_packages()?;

    let scenario_dir = ctx.root.join("tests/scenarios/mobile");
    let scenarios = scenarios_in(&scenario_dir)?;
    if scenarios.is_empty() {
        bail!("no scenarios (*.json) in {}", scenario_dir.display());
    }

    // One output file per scenario, so that an invalid entity is reported with its scenario.
    let out_dir = ctx.root.join("target/xtask-iglu");
    if out_dir.exists() {
        fs::remove_dir_all(&out_dir)
            .with_context(|| format!("could not clear {}", out_dir.display()))?;
    }
    fs::create_dir_all(&out_dir)
        .with_context(|| format!("could not create {}", out_dir.display()))?;

    println!(
        "replaying {} scenarios from {} with client-session-cli",
        scenarios.len(),
        scenario_dir.display()
    );
    let mut outputs = Vec::with_capacity(scenarios.len());
    for scenario in &scenarios {
        let mut cmd = ctx.cargo([
            "run",
            "--quiet",
            "--locked",
            "-p",
            "client-session-cli",
            "--",
        ]);
        cmd.arg("replay").arg(scenario);
        let line = proc::describe(&cmd);
        let out = cmd
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("could not start `{line}`"))?;
        if !out.status.success() {
            bail!("`{line}` failed ({})", out.status);
        }
        let stem = scenario
            .file_stem()
            .context("scenario path without a file name")?;
        let out_file = out_dir.join(stem).with_extension("jsonl");
        fs::write(&out_file, &out.stdout)
            .with_context(|| format!("could not write {}", out_file.display()))?;
        outputs.push(out_file);
    }

    let mut validate = Command::new("python3");
    validate
        .current_dir(&ctx.root)
        .arg(ctx.root.join("xtask/iglu_validate.py"))
        .arg("--schema")
        .arg(&schema)
        .args(&outputs);
    // The validator prints its own summary; listing every output file would drown it.
    println!(
        "$ python3 xtask/iglu_validate.py --schema {} {}/*.jsonl",
        schema.display(),
        out_dir.display()
    );
    let status = validate
        .status()
        .context("could not start python3 xtask/iglu_validate.py")?;
    if !status.success() {
        bail!(
            "Iglu validation failed ({status}); the replay outputs are in {}",
            out_dir.display()
        );
    }
    Ok(Outcome::Passed)
}

/// The `*.json` files in `dir`, sorted (the `*.expected.jsonl` files beside them are not inputs).
fn scenarios_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Makes sure `python3` can import `jsonschema` and `rfc3339_validator`, installing them with pip
/// when it cannot.
fn ensure_python_packages() -> Result<()> {
    let mut version = Command::new("python3");
    version.arg("--version");
    if !proc::succeeds(version) {
        bail!(
            "python3 not found: the Iglu check needs Python 3 with pip (Debian: apt-get install \
             python3 python3-pip)"
        );
    }
    let imports = || {
        let mut cmd = Command::new("python3");
        cmd.args(["-c", "import jsonschema, rfc3339_validator"]);
        cmd
    };
    if proc::succeeds(imports()) {
        return Ok(());
    }
    println!(
        "python3 lacks {}: installing with pip",
        PY_PACKAGES.join(" and ")
    );
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--quiet"])
        .args(PY_PACKAGES);
    proc::run(pip).with_context(|| {
        format!(
            "could not install {0} for python3; install them by hand \
             (python3 -m pip install {0}) and run again",
            PY_PACKAGES.join(" ")
        )
    })?;
    if !proc::succeeds(imports()) {
        bail!(
            "pip installed {} but python3 still cannot import them",
            PY_PACKAGES.join(" ")
        );
    }
    Ok(())
}
