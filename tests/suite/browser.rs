//! Every web scenario of the shared suite inside wasm, in headless Chromium (issue 8, "Tests in
//! the browser"): the same embedded files as the native suite, the same actor and cookie store
//! over an in-memory jar ([`WebLauncher`]), the same manual clock (the runner's), and every
//! entity and event data object validated against its official Iglu schema (embedded at build
//! time, as there is no file system here).
//!
//! Run with `cargo xtask browser` (`wasm-bindgen-test-runner` and chromedriver). Natively this
//! file compiles to an empty test binary.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report

use client_session_scenario::{Platform, WebLauncher};
use client_session_suite::iglu::{validate_line, IgluSchema, Schema};
use client_session_suite::{
    check_backend, load_cases, play, report_for_a_wrong_web_expected_line, Case,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The web cases of the embedded suite.
fn web_cases() -> Vec<Case> {
    load_cases()
        .unwrap_or_else(|report| panic!("{report}"))
        .into_iter()
        .filter(|case| case.scenario.platform == Platform::Web)
        .collect()
}

/// The case whose file name ends with `file`.
fn case(file: &str) -> Case {
    web_cases()
        .into_iter()
        .find(|case| case.path.ends_with(file))
        .unwrap_or_else(|| panic!("no web scenario {file}"))
}

#[wasm_bindgen_test]
async fn every_web_scenario_runs_in_wasm() {
    let web = web_cases().len();
    assert!(web >= 31, "the suite had 31 web scenarios, found {web}");
    let mut launched = 0;
    if let Err(report) = check_backend("cookies-in-wasm", Platform::Web, |case| {
        launched += 1;
        WebLauncher::for_scenario(&case.scenario)
    })
    .await
    {
        panic!("{report}");
    }
    assert_eq!(launched, web, "not every web scenario was played");
}

/// The check can fail inside wasm: an expected file with one derivation error (session 2 written
/// as 3) no longer matches what the cookie store gives, and the report names the file and line.
#[wasm_bindgen_test]
async fn a_wrong_web_expected_line_fails_the_check() {
    let report =
        report_for_a_wrong_web_expected_line(|case| WebLauncher::for_scenario(&case.scenario))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.contains("05-gap-equal-to-timeout-rotates.json") && report.contains("line 1"),
        "{report}"
    );
}

/// The embedded schema really validates inside wasm: an entity the tracker emitted passes, and
/// the same entity with an empty `sessionId` (the `uuid` format) or an upper-case `userId` (the
/// schema's pattern, so the regex engine) is rejected, naming the field and the schema.
#[wasm_bindgen_test]
async fn the_official_schema_rejects_a_bad_entity_inside_wasm() {
    let iglu = IgluSchema::official(Schema::ClientSession).unwrap_or_else(|e| panic!("{e}"));
    let case = case("01-first-visit-event-at-page-load.json");
    let actual = play(&case, &mut WebLauncher::for_scenario(&case.scenario))
        .await
        .unwrap();
    let entity = actual[0]["client_session"].clone();
    iglu.validate(&entity).unwrap();
    for (field, bad) in [
        ("sessionId", ""),
        ("userId", "0F8E2D6C-5A3B-4C1D-9E7F-123456789ABC"),
    ] {
        let mut broken = entity.clone();
        broken[field] = bad.into();
        let report = iglu.validate(&broken).unwrap_err();
        assert!(
            report.contains(&format!("/{field}")) && report.contains(Schema::ClientSession.place()),
            "{report}"
        );
    }
}

/// The screen schemas are embedded and validate inside wasm too: a mobile screen view line passes
/// whole, and a summary with a negative `foreground_sec`, a screen without `id` and scroll data
/// with a string offset are each rejected, the report naming the key and the schema.
#[wasm_bindgen_test]
async fn the_screen_schemas_reject_bad_objects_inside_wasm() {
    IgluSchema::all_official().unwrap_or_else(|e| panic!("{e}"));
    let case = case("01-first-visit-event-at-page-load.json");
    let actual = play(&case, &mut WebLauncher::for_scenario(&case.scenario))
        .await
        .unwrap();
    let id = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
    let line = serde_json::json!({
        "event": "screen_view",
        "client_session": actual[0]["client_session"],
        "data": {"name": "home", "id": id, "previousName": "a"},
        "screen": {"name": "home", "id": id},
        "screen_summary": {"foreground_sec": 1.5, "background_sec": 0},
    });
    validate_line(&line).unwrap_or_else(|e| panic!("{e}"));
    let scroll = |data: serde_json::Value| serde_json::json!({"event": "scroll_changed", "client_session": null, "data": data});
    validate_line(&scroll(serde_json::json!({"y_offset": -120}))).unwrap();
    let mut summary = line.clone();
    summary["screen_summary"]["foreground_sec"] = (-1).into();
    let mut screen = line.clone();
    screen["screen"] = serde_json::json!({"name": "home"});
    for (key, schema, broken) in [
        ("screen_summary", Schema::ScreenSummary, summary),
        ("screen", Schema::Screen, screen),
        (
            "data",
            Schema::ScrollChanged,
            scroll(serde_json::json!({"y_offset": "120"})),
        ),
    ] {
        let report = validate_line(&broken).unwrap_err();
        assert!(
            report.starts_with(&format!("`{key}` ")) && report.contains(schema.place()),
            "{report}"
        );
    }
}
