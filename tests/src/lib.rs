//! The shared cross-platform suite: the scenario files in `scenarios/<platform>/` and the one
//! routine that checks a launcher against all of them.
//!
//! Each scenario `NN-name.json` (spec Part C) has its expected output, written by hand from the
//! spec, beside it in `NN-name.expected.jsonl` (symbolic form: one JSON line per event). A
//! backend passes when, for every scenario, its output matches symbolically and every entity it
//! emits satisfies the schema facts. A new store or platform adapter joins the suite by
//! supplying a [`Launcher`] constructor, nothing else.

pub mod fuzz_checks;
pub mod support;

use std::fs;
use std::path::{Path, PathBuf};

use client_session_scenario::{parse, run, schema, symbolic, Launcher, Scenario};
use serde_json::Value;

/// One scenario file with its expected symbolic output.
#[derive(Debug)]
pub struct Case {
    /// The file, for messages.
    pub path: PathBuf,
    /// The parsed scenario.
    pub scenario: Scenario,
    /// The expected output lines, in symbolic form.
    pub expected: Vec<Value>,
}

/// The folder of the scenarios of one platform (`mobile`, `web`).
#[must_use]
pub fn scenario_dir(platform: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(platform)
}

/// Every case of `platform`, sorted by file name.
///
/// # Errors
/// A message naming the file that is missing, unreadable or invalid.
pub fn load_cases(platform: &str) -> Result<Vec<Case>, String> {
    let dir = scenario_dir(platform);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let scenario = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let expected_path = path.with_extension("expected.jsonl");
            let expected_text = fs::read_to_string(&expected_path)
                .map_err(|e| format!("{}: {e}", expected_path.display()))?;
            let expected = expected_text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    serde_json::from_str(l).map_err(|e| format!("{}: {e}", expected_path.display()))
                })
                .collect::<Result<_, _>>()?;
            Ok(Case {
                path,
                scenario,
                expected,
            })
        })
        .collect()
}

/// Plays `case` on a launcher and returns its output as JSON lines (not yet symbolic).
///
/// # Errors
/// The tracker's error, as text.
pub async fn play<L: Launcher>(case: &Case, launcher: &mut L) -> Result<Vec<Value>, String> {
    let mut lines = Vec::new();
    run(&case.scenario, launcher, |line| {
        lines.push(serde_json::to_value(&line).unwrap_or(Value::Null))
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok(lines)
}

/// Checks one case's actual output: schema facts for every entity, then the symbolic match.
///
/// # Errors
/// A report naming the file, the first differing line, and both versions of it.
pub fn verify(case: &Case, actual: &[Value]) -> Result<(), String> {
    let name = case
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    for (i, line) in actual.iter().enumerate() {
        if let Some(entity) = line.get("client_session").filter(|e| !e.is_null()) {
            schema::check_client_session(entity)
                .map_err(|e| format!("{name}: line {i}: entity invalid: {e}"))?;
        }
    }
    let symbolic = symbolic::symbolize(actual);
    if symbolic == case.expected {
        return Ok(());
    }
    let differing = symbolic
        .iter()
        .zip(&case.expected)
        .position(|(a, e)| a != e)
        .unwrap_or(symbolic.len().min(case.expected.len()));
    let show = |lines: &[Value]| {
        lines
            .get(differing)
            .map_or_else(|| "(none)".to_owned(), Value::to_string)
    };
    Err(format!(
        "{name} ({}): {} lines, expected {}; first difference at line {differing}:\n  actual:   {}\n  expected: {}",
        case.scenario.name,
        symbolic.len(),
        case.expected.len(),
        show(&symbolic),
        show(&case.expected)
    ))
}
