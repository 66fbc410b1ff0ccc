//! The shared cross-platform suite: the scenario files in `scenarios/<platform>/` and the one
//! routine that checks a launcher against all of them.
//!
//! Each scenario `NN-name.json` (spec Part C) has its expected output, written by hand from the
//! spec, beside it in `NN-name.expected.jsonl` (symbolic form: one JSON line per event). A
//! backend passes when, for every scenario (every file under `scenarios/` runs; a file that does
//! not pair up fails the suite), its output matches symbolically and every entity it emits is
//! valid under the official Iglu schema ([`iglu`]) and the schema facts. A new store or platform
//! adapter joins the suite by calling [`check_backend`] with a [`Launcher`] constructor, nothing
//! else.

pub mod fuzz_checks;
pub mod iglu;
pub mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use client_session_scenario::{parse, run, schema, symbolic, Launcher, Platform, Scenario};
use serde_json::Value;

use crate::iglu::ClientSessionSchema;

/// The platform folders under `scenarios/` and the rule set of each. Every backend of the suite
/// (the memory store, the sled store, the desktop adapter) runs the mobile rules, so `mobile` is
/// the only one: a folder for another platform fails the suite until a backend runs it.
pub const PLATFORMS: &[(&str, Platform)] = &[("mobile", Platform::Mobile)];

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

/// The folder of every scenario: `tests/scenarios`.
#[must_use]
pub fn scenarios_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every case of the suite: every scenario under [`scenarios_root`].
///
/// # Errors
/// Every problem found; see [`load_cases_in`].
pub fn load_cases() -> Result<Vec<Case>, String> {
    load_cases_in(&scenarios_root())
}

/// Every case under `root`, sorted by path, with the whole tree checked so that no file is
/// silently left out: `root` holds only the folders of [`PLATFORMS`]; each holds only pairs of
/// a scenario `NN-name.json` and its expected output `NN-name.expected.jsonl`, and each scenario
/// declares its folder's platform. At least one case must exist.
///
/// # Errors
/// Every problem at once, one per line, each naming its file: anything else in the tree, an
/// expected file without its scenario or a scenario without its expected file, and a file that
/// is unreadable or invalid.
pub fn load_cases_in(root: &Path) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    match sorted_entries(root) {
        Err(e) => problems.push(e),
        Ok(entries) => {
            for path in entries {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                match PLATFORMS.iter().find(|(folder, _)| *folder == name) {
                    Some(&(_, platform)) if path.is_dir() => {
                        load_platform(&path, platform, &mut cases, &mut problems);
                    }
                    _ => problems.push(format!(
                        "{}: not a platform folder the suite runs ({})",
                        path.display(),
                        PLATFORMS
                            .iter()
                            .map(|(folder, _)| *folder)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
        }
    }
    if cases.is_empty() && problems.is_empty() {
        problems.push(format!("{}: no scenarios", root.display()));
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(problems.join("\n"))
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut paths = fs::read_dir(dir)
        .and_then(|entries| {
            entries
                .map(|entry| entry.map(|e| e.path()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    paths.sort();
    Ok(paths)
}

const SCENARIO: &str = ".json";
const EXPECTED: &str = ".expected.jsonl";

/// The cases of one platform folder; what does not pair up goes to `problems`.
fn load_platform(
    dir: &Path,
    platform: Platform,
    cases: &mut Vec<Case>,
    problems: &mut Vec<String>,
) {
    let entries = match sorted_entries(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(e),
    };
    let mut scenarios = BTreeSet::new();
    let mut expected = BTreeSet::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !path.is_file() {
            problems.push(format!("{}: not a scenario file", path.display()));
        } else if let Some(stem) = name.strip_suffix(EXPECTED) {
            expected.insert(stem.to_owned());
        } else if let Some(stem) = name.strip_suffix(SCENARIO) {
            scenarios.insert(stem.to_owned());
        } else {
            problems.push(format!(
                "{}: neither a scenario (NN-name{SCENARIO}) nor an expected output (NN-name{EXPECTED})",
                path.display()
            ));
        }
    }
    for stem in expected.difference(&scenarios) {
        problems.push(format!(
            "{}: an expected output without its scenario {stem}{SCENARIO}",
            dir.join(format!("{stem}{EXPECTED}")).display()
        ));
    }
    for stem in &scenarios {
        let path = dir.join(format!("{stem}{SCENARIO}"));
        if !expected.contains(stem) {
            problems.push(format!(
                "{}: a scenario without its expected output {stem}{EXPECTED}",
                path.display()
            ));
            continue;
        }
        match load_case(path, &dir.join(format!("{stem}{EXPECTED}"))) {
            Ok(case) if case.scenario.platform == platform => cases.push(case),
            Ok(case) => problems.push(format!(
                "{}: platform {:?} in a folder of {platform:?} scenarios",
                case.path.display(),
                case.scenario.platform
            )),
            Err(e) => problems.push(e),
        }
    }
}

fn load_case(path: PathBuf, expected_path: &Path) -> Result<Case, String> {
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let scenario = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let expected_text = fs::read_to_string(expected_path)
        .map_err(|e| format!("{}: {e}", expected_path.display()))?;
    let expected = expected_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{}: {e}", expected_path.display())))
        .collect::<Result<_, _>>()?;
    Ok(Case {
        path,
        scenario,
        expected,
    })
}

/// The shared runner: plays every case of the suite on a fresh launcher from `make` and checks
/// each output with [`verify`] (the official Iglu schema included). A backend joins the suite by
/// calling this with its launcher.
///
/// # Errors
/// The missing or broken schema or scenario tree, or every case that failed, each with why.
pub async fn check_backend<L: Launcher>(
    backend: &str,
    mut make: impl FnMut(&Case) -> L,
) -> Result<(), String> {
    let iglu = ClientSessionSchema::official()?;
    let cases = load_cases()?;
    let mut failures = Vec::new();
    for case in &cases {
        let mut launcher = make(case);
        match play(case, &mut launcher).await {
            Ok(actual) => failures.extend(verify(case, &actual, iglu).err()),
            Err(e) => failures.push(format!("{}: {e}", case.path.display())),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{backend}: {} of {} scenarios failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        ))
    }
}

/// Plays `case` on a launcher and returns its output as JSON lines (not yet symbolic).
///
/// # Errors
/// The tracker's error, or a line that does not serialise, as text.
pub async fn play<L: Launcher>(case: &Case, launcher: &mut L) -> Result<Vec<Value>, String> {
    let mut lines = Vec::new();
    run(&case.scenario, launcher, |line| {
        lines.push(serde_json::to_value(&line));
    })
    .await
    .map_err(|e| e.to_string())?;
    lines
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("an output line does not serialise: {e}"))
}

/// Checks one case's actual output: every entity against the official schema `iglu` and the
/// project's schema facts, then the symbolic match.
///
/// # Errors
/// A report naming the file and the invalid entity, or the first differing line and both
/// versions of it.
pub fn verify(case: &Case, actual: &[Value], iglu: &ClientSessionSchema) -> Result<(), String> {
    let name = case
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    for (i, line) in actual.iter().enumerate() {
        if let Some(entity) = line.get("client_session").filter(|e| !e.is_null()) {
            iglu.validate(entity)
                .map_err(|e| format!("{name}: line {i}: entity {entity} {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO_TEXT: &str = r#"{"name": "n", "platform": "mobile", "start_ms": 0,
        "steps": [{"at_ms": 0, "op": "track", "event": "screen_view"}]}"#;

    /// A scenario tree with one good pair in `mobile/`, plus `extra` files (path, content).
    fn tree(extra: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let mobile = root.path().join("mobile");
        fs::create_dir(&mobile).unwrap();
        fs::write(mobile.join("01-a.json"), SCENARIO_TEXT).unwrap();
        fs::write(mobile.join("01-a.expected.jsonl"), "{}\n").unwrap();
        for (path, content) in extra {
            let path = root.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        root
    }

    fn problems(extra: &[(&str, &str)]) -> String {
        let root = tree(extra);
        load_cases_in(root.path()).unwrap_err()
    }

    #[test]
    fn every_pair_loads() {
        let root = tree(&[
            ("mobile/02-b.json", SCENARIO_TEXT),
            ("mobile/02-b.expected.jsonl", ""),
        ]);
        let cases = load_cases_in(root.path()).unwrap();
        let names: Vec<_> = cases
            .iter()
            .map(|c| c.path.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["01-a.json", "02-b.json"]);
        assert_eq!(cases[0].expected, [serde_json::json!({})]);
    }

    #[test]
    fn an_expected_file_without_its_scenario_is_an_error() {
        let message = problems(&[("mobile/02-b.expected.jsonl", "")]);
        assert!(
            message.contains("02-b.expected.jsonl: an expected output without its scenario"),
            "{message}"
        );
    }

    #[test]
    fn a_scenario_without_its_expected_file_is_an_error() {
        let message = problems(&[("mobile/02-b.json", SCENARIO_TEXT)]);
        assert!(
            message.contains("02-b.json: a scenario without its expected output"),
            "{message}"
        );
    }

    #[test]
    fn any_other_file_or_folder_is_an_error() {
        for (extra, says) in [
            ("mobile/notes.txt", "notes.txt: neither a scenario"),
            ("mobile/sub/01-a.json", "sub: not a scenario file"),
            (
                "web/01-a.json",
                "web: not a platform folder the suite runs (mobile)",
            ),
            ("README.md", "README.md: not a platform folder"),
        ] {
            let message = problems(&[(extra, "")]);
            assert!(message.contains(says), "{extra}: {message}");
        }
    }

    #[test]
    fn a_scenario_of_another_platform_is_an_error() {
        let web = SCENARIO_TEXT.replace("mobile", "web");
        let message = problems(&[
            ("mobile/02-b.json", &web),
            ("mobile/02-b.expected.jsonl", ""),
        ]);
        assert!(
            message.contains("02-b.json: platform Web in a folder of Mobile scenarios"),
            "{message}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let message = problems(&[
            ("mobile/02-b.expected.jsonl", ""),
            ("mobile/03-c.json", SCENARIO_TEXT),
        ]);
        assert_eq!(message.lines().count(), 2, "{message}");
    }

    #[test]
    fn an_empty_tree_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        assert!(load_cases_in(root.path())
            .unwrap_err()
            .contains("no scenarios"));
    }
}
