//! The shared cross-platform suite: the scenario files in `scenarios/<platform>/` and the one
//! routine that checks a launcher against all of them.
//!
//! Each scenario `NN-name.json` (spec Part C) has its expected output, written by hand from the
//! spec, beside it in `NN-name.expected.jsonl` (symbolic form: one JSON line per event). The
//! files are embedded at compile time ([`embedded`], made by `build.rs`), so the suite needs no
//! file system at run time and can run in a browser (`wasm32`) on the same files. A backend
//! passes when, for every scenario of its platform (every file under `scenarios/` is loaded; a
//! file that does not pair up fails the suite), its output matches symbolically and every entity
//! it emits, entity or event data, is valid under its official Iglu schema ([`iglu`]), and every
//! `client_session` entity under the schema facts. A new store
//! or platform adapter joins the suite by calling [`check_backend`] with its platform and a
//! [`Launcher`] constructor, nothing else.
//!
//! Web expected files are also checked on their own when loaded ([`check_web_expected`]: each
//! line well formed in the symbolic form, its entity and cookies consistent with spec A3), so a
//! hand-derivation slip is caught by the file, not only by a backend disagreeing with it.

#[cfg(not(target_arch = "wasm32"))]
pub mod fuzz_checks;
pub mod iglu;
#[cfg(not(target_arch = "wasm32"))]
pub mod support;
pub mod web_expected;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use client_session_scenario::{parse, run, schema, symbolic, Launcher, Platform, Scenario};
use serde_json::Value;

use crate::iglu::IgluSchema;
pub use crate::web_expected::check_web_expected;

/// The scenario tree as compiled in: see `build.rs`.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/scenario_files.rs"));
}

/// The platform folders under `scenarios/` and the rule set of each. Every backend runs the
/// scenarios of its platform: the memory store, the sled store and the desktop adapter the
/// mobile ones, the cookie store the web ones. A folder not listed here fails the suite.
pub const PLATFORMS: &[(&str, Platform)] = &[("mobile", Platform::Mobile), ("web", Platform::Web)];

/// One scenario file with its expected symbolic output.
#[derive(Debug)]
pub struct Case {
    /// The file, for messages (`scenarios/<platform>/NN-name.json`).
    pub path: PathBuf,
    /// The parsed scenario.
    pub scenario: Scenario,
    /// The expected output lines, in symbolic form.
    pub expected: Vec<Value>,
}

/// One entry of a scenario tree: its path below `scenarios/` (`/`-separated) and its bytes, or
/// `None` for a folder.
pub type Entry<'a> = (&'a str, Option<&'a [u8]>);

/// Every case of the suite: every scenario compiled in from `scenarios/` ([`embedded`]).
///
/// # Errors
/// Every problem found; see [`load_cases_from`].
pub fn load_cases() -> Result<Vec<Case>, String> {
    load_cases_from(embedded::ENTRIES)
}

/// Every case in `entries` (a scenario tree as [`embedded::ENTRIES`] lists it), sorted by path,
/// with the whole tree checked so that no file is silently left out: the top holds only the
/// folders of [`PLATFORMS`]; each holds only pairs of a scenario `NN-name.json` and its expected
/// output `NN-name.expected.jsonl`, and each scenario declares its folder's platform. Web cases
/// are checked further by [`check_web_expected`]. At least one case must exist.
///
/// # Errors
/// Every problem at once, one per line, each naming its file: anything else in the tree, an
/// expected file without its scenario or a scenario without its expected file, and a file that
/// is not UTF-8 or invalid.
pub fn load_cases_from(entries: &[Entry<'_>]) -> Result<Vec<Case>, String> {
    let root = Path::new("scenarios");
    let mut sorted: Vec<Entry<'_>> = entries.to_vec();
    sorted.sort_by_key(|&(path, _)| path);
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for &(top, content) in sorted.iter().filter(|(path, _)| !path.contains('/')) {
        match PLATFORMS.iter().find(|(folder, _)| *folder == top) {
            Some(&(_, platform)) if content.is_none() => {
                let prefix = format!("{top}/");
                let inside: Vec<Entry<'_>> = sorted
                    .iter()
                    .filter_map(|&(path, content)| {
                        path.strip_prefix(&prefix).map(|name| (name, content))
                    })
                    .collect();
                load_platform(
                    &root.join(top),
                    platform,
                    &inside,
                    &mut cases,
                    &mut problems,
                );
            }
            _ => problems.push(format!(
                "{}: not a platform folder the suite knows ({})",
                root.join(top).display(),
                PLATFORMS
                    .iter()
                    .map(|(folder, _)| *folder)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
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

const SCENARIO: &str = ".json";
const EXPECTED: &str = ".expected.jsonl";

/// The cases of one platform folder (`entries` named relative to it); what does not pair up
/// goes to `problems`.
fn load_platform(
    dir: &Path,
    platform: Platform,
    entries: &[Entry<'_>],
    cases: &mut Vec<Case>,
    problems: &mut Vec<String>,
) {
    let mut scenarios = std::collections::BTreeMap::new();
    let mut expected = std::collections::BTreeMap::new();
    for &(name, content) in entries {
        let path = dir.join(name);
        match content {
            None => problems.push(format!("{}: not a scenario file", path.display())),
            Some(_) if name.contains('/') => {
                problems.push(format!("{}: not a scenario file", path.display()));
            }
            Some(bytes) => {
                if let Some(stem) = name.strip_suffix(EXPECTED) {
                    expected.insert(stem.to_owned(), bytes);
                } else if let Some(stem) = name.strip_suffix(SCENARIO) {
                    scenarios.insert(stem.to_owned(), bytes);
                } else {
                    problems.push(format!(
                        "{}: neither a scenario (NN-name{SCENARIO}) nor an expected output (NN-name{EXPECTED})",
                        path.display()
                    ));
                }
            }
        }
    }
    let stems: BTreeSet<&String> = scenarios.keys().collect();
    for stem in expected.keys().filter(|stem| !stems.contains(stem)) {
        problems.push(format!(
            "{}: an expected output without its scenario {stem}{SCENARIO}",
            dir.join(format!("{stem}{EXPECTED}")).display()
        ));
    }
    for (stem, text) in &scenarios {
        let path = dir.join(format!("{stem}{SCENARIO}"));
        let Some(expected_text) = expected.get(stem) else {
            problems.push(format!(
                "{}: a scenario without its expected output {stem}{EXPECTED}",
                path.display()
            ));
            continue;
        };
        let expected_path = dir.join(format!("{stem}{EXPECTED}"));
        match load_case(path, text, &expected_path, expected_text) {
            Ok(case) if case.scenario.platform != platform => problems.push(format!(
                "{}: platform {:?} in a folder of {platform:?} scenarios",
                case.path.display(),
                case.scenario.platform
            )),
            Ok(case) if platform == Platform::Web => {
                match check_web_expected(&case.scenario, &case.expected) {
                    Ok(()) => cases.push(case),
                    Err(e) => problems.push(format!("{}: {e}", expected_path.display())),
                }
            }
            Ok(case) => cases.push(case),
            Err(e) => problems.push(e),
        }
    }
}

fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))
}

fn load_case(
    path: PathBuf,
    text: &[u8],
    expected_path: &Path,
    expected_text: &[u8],
) -> Result<Case, String> {
    let scenario = parse(utf8(&path, text)?).map_err(|e| format!("{}: {e}", path.display()))?;
    let expected = utf8(expected_path, expected_text)?
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("{}: line {}: {e}", expected_path.display(), n + 1))
        })
        .collect::<Result<_, _>>()?;
    Ok(Case {
        path,
        scenario,
        expected,
    })
}

/// The shared runner: plays every case of `platform` on a fresh launcher from `make` and checks
/// each output with [`verify`] (the official Iglu schemas included). A backend joins the suite
/// by calling this with its platform and launcher.
///
/// # Errors
/// A missing or broken schema or scenario tree, no case of `platform`, or every case that
/// failed, each with why.
pub async fn check_backend<L: Launcher>(
    backend: &str,
    platform: Platform,
    mut make: impl FnMut(&Case) -> L,
) -> Result<(), String> {
    IgluSchema::all_official()?;
    let cases: Vec<Case> = load_cases()?
        .into_iter()
        .filter(|case| case.scenario.platform == platform)
        .collect();
    if cases.is_empty() {
        return Err(format!("{backend}: no {platform:?} scenarios"));
    }
    let mut failures = Vec::new();
    for case in &cases {
        let mut launcher = make(case);
        match play(case, &mut launcher).await {
            Ok(actual) => failures.extend(verify(case, &actual).err()),
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

/// That the check can fail on a backend: plays web scenario 05 on a launcher from `make`, checks
/// it passes, then writes one derivation error into its expected output (session 2 as 3) and
/// returns the report, which must name the file and the line. The native suite and the browser
/// suite both call it.
///
/// # Errors
/// The scenario is missing, fails to play, or does not pass before the error is written in.
pub async fn report_for_a_wrong_web_expected_line<L: Launcher>(
    make: impl FnOnce(&Case) -> L,
) -> Result<String, String> {
    const FILE: &str = "05-gap-equal-to-timeout-rotates.json";
    let mut case = load_cases()?
        .into_iter()
        .find(|case| case.path.ends_with(FILE))
        .ok_or_else(|| format!("no web scenario {FILE}"))?;
    let actual = play(&case, &mut make(&case)).await?;
    verify(&case, &actual)?;
    case.expected[1]["client_session"]["sessionIndex"] = 3.into();
    match verify(&case, &actual) {
        Ok(()) => Err("a wrong expected line passed the check".to_owned()),
        Err(report) => Ok(report),
    }
}

/// Checks one case's actual output: every line's entities and event data against their official
/// schemas ([`iglu::validate_line`]) and each `client_session` against the project's schema
/// facts, then the symbolic match.
///
/// # Errors
/// A report naming the file, the line and the invalid object, or the first differing line and
/// both versions of it.
pub fn verify(case: &Case, actual: &[Value]) -> Result<(), String> {
    let name = case
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    for (i, line) in actual.iter().enumerate() {
        iglu::validate_line(line).map_err(|e| format!("{name}: line {i}: {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO_TEXT: &str = r#"{"name": "n", "platform": "mobile", "start_ms": 0,
        "steps": [{"at_ms": 0, "op": "track", "event": "screen_view"}]}"#;

    /// A scenario tree with one good pair in `mobile/`, plus `extra` entries (a `None` content is
    /// a folder).
    fn tree<'a>(extra: &[(&'a str, Option<&'a str>)]) -> Vec<Entry<'a>> {
        let mut entries: Vec<Entry<'a>> = vec![
            ("mobile", None),
            ("mobile/01-a.json", Some(SCENARIO_TEXT.as_bytes())),
            ("mobile/01-a.expected.jsonl", Some(b"{}\n")),
        ];
        entries.extend(extra.iter().map(|&(p, c)| (p, c.map(str::as_bytes))));
        entries
    }

    fn problems(extra: &[(&str, Option<&str>)]) -> String {
        load_cases_from(&tree(extra)).unwrap_err()
    }

    #[test]
    fn every_pair_loads() {
        let cases = load_cases_from(&tree(&[
            ("mobile/02-b.json", Some(SCENARIO_TEXT)),
            ("mobile/02-b.expected.jsonl", Some("")),
        ]))
        .unwrap();
        let names: Vec<_> = cases
            .iter()
            .map(|c| c.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["scenarios/mobile/01-a.json", "scenarios/mobile/02-b.json"]
        );
        assert_eq!(cases[0].expected, [serde_json::json!({})]);
    }

    #[test]
    fn an_expected_file_without_its_scenario_is_an_error() {
        let message = problems(&[("mobile/02-b.expected.jsonl", Some(""))]);
        assert!(
            message.contains("02-b.expected.jsonl: an expected output without its scenario"),
            "{message}"
        );
    }

    #[test]
    fn a_scenario_without_its_expected_file_is_an_error() {
        let message = problems(&[("mobile/02-b.json", Some(SCENARIO_TEXT))]);
        assert!(
            message.contains("02-b.json: a scenario without its expected output"),
            "{message}"
        );
    }

    #[test]
    fn any_other_file_or_folder_is_an_error() {
        for (extra, says) in [
            (
                &[("mobile/notes.txt", Some(""))][..],
                "notes.txt: neither a scenario",
            ),
            (
                &[("mobile/sub", None), ("mobile/sub/01-a.json", Some(""))][..],
                "sub: not a scenario file",
            ),
            (
                &[("tv", None), ("tv/01-a.json", Some(""))][..],
                "tv: not a platform folder the suite knows (mobile, web)",
            ),
            (
                &[("README.md", Some(""))][..],
                "README.md: not a platform folder",
            ),
            (&[("web", Some(""))][..], "web: not a platform folder"),
        ] {
            let message = problems(extra);
            assert!(message.contains(says), "{extra:?}: {message}");
        }
    }

    #[test]
    fn a_file_that_is_not_utf8_is_an_error() {
        let mut entries = tree(&[("mobile/02-b.expected.jsonl", Some(""))]);
        entries.push(("mobile/02-b.json", Some(&[0xff, 0xfe])));
        let message = load_cases_from(&entries).unwrap_err();
        assert!(message.contains("02-b.json: not UTF-8"), "{message}");
    }

    #[test]
    fn a_scenario_of_another_platform_is_an_error() {
        let web = SCENARIO_TEXT.replace("mobile", "web");
        let message = problems(&[
            ("mobile/02-b.json", Some(&web)),
            ("mobile/02-b.expected.jsonl", Some("")),
        ]);
        assert!(
            message.contains("02-b.json: platform Web in a folder of Mobile scenarios"),
            "{message}"
        );
    }

    #[test]
    fn a_broken_web_expected_file_is_an_error() {
        let web = r#"{"name": "n", "platform": "web", "start_ms": 0,
            "steps": [{"at_ms": 0, "op": "track", "event": "page_view"}]}"#;
        let message = problems(&[
            ("web", None),
            ("web/01-a.json", Some(web)),
            ("web/01-a.expected.jsonl", Some("")),
        ]);
        assert!(
            message.contains("scenarios/web/01-a.expected.jsonl: 0 lines for 1 track steps"),
            "{message}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let message = problems(&[
            ("mobile/02-b.expected.jsonl", Some("")),
            ("mobile/03-c.json", Some(SCENARIO_TEXT)),
        ]);
        assert_eq!(message.lines().count(), 2, "{message}");
    }

    #[test]
    fn an_empty_tree_is_an_error() {
        assert!(load_cases_from(&[]).unwrap_err().contains("no scenarios"));
    }

    #[test]
    fn the_embedded_tree_is_the_scenarios_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let on_disk = std::fs::read_dir(root.join("mobile")).unwrap().count()
            + std::fs::read_dir(root.join("web")).unwrap().count()
            + std::fs::read_dir(&root).unwrap().count();
        assert_eq!(embedded::ENTRIES.len(), on_disk);
    }
}
