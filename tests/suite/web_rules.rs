#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The rules-level check of every web scenario: each file in `scenarios/web/` played through
//! the core's web rules, the `_sp_id` codec and the native cookie jar alone
//! (`client_session_suite::web_rules`), its entities validated against the official Iglu
//! schema, and its output compared symbolically with the expected file.
//!
//! This cross-checks the rules against the hand-derived scenarios before any backend runs them;
//! it is not the web backend (the actor over a cookie store, issue 7), which will run the same
//! files through `check_backend`.

use client_session_scenario::Platform;
use client_session_suite::iglu::ClientSessionSchema;
use client_session_suite::web_rules::replay_web_rules;
use client_session_suite::{load_cases, verify};

#[test]
fn every_web_scenario_matches_the_web_rules() {
    let iglu = ClientSessionSchema::official().unwrap_or_else(|e| panic!("{e}"));
    let cases = load_cases().unwrap_or_else(|report| panic!("{report}"));
    let web: Vec<_> = cases
        .iter()
        .filter(|case| case.scenario.platform == Platform::Web)
        .collect();
    assert!(web.len() >= 24, "only {} web scenarios", web.len());
    let failures: Vec<String> = web
        .iter()
        .filter_map(|case| {
            let result = replay_web_rules(&case.scenario)
                .map_err(|e| format!("{}: {e}", case.path.display()))
                .and_then(|actual| verify(case, &actual, iglu));
            result.err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} web scenarios differ from the web rules:\n{}",
        failures.len(),
        web.len(),
        failures.join("\n\n")
    );
}

/// The check can fail: an expected file with one derivation error (session 2 written as 3) no
/// longer matches the replay, and the report names the file.
#[test]
fn a_wrong_expected_line_fails_the_check() {
    let iglu = ClientSessionSchema::official().unwrap_or_else(|e| panic!("{e}"));
    let mut case = load_cases()
        .unwrap()
        .into_iter()
        .find(|case| case.path.ends_with("05-gap-equal-to-timeout-rotates.json"))
        .unwrap();
    let actual = replay_web_rules(&case.scenario).unwrap();
    verify(&case, &actual, iglu).unwrap();
    case.expected[1]["client_session"]["sessionIndex"] = 3.into();
    let report = verify(&case, &actual, iglu).unwrap_err();
    assert!(
        report.contains("05-gap-equal-to-timeout-rotates.json") && report.contains("line 1"),
        "{report}"
    );
}

/// Only web scenarios are replayed here.
#[test]
fn a_mobile_scenario_is_refused() {
    let case = load_cases()
        .unwrap()
        .into_iter()
        .find(|case| case.scenario.platform == Platform::Mobile)
        .unwrap();
    assert_eq!(
        replay_web_rules(&case.scenario).unwrap_err(),
        "not a web scenario"
    );
}

/// `anonymous: false` runs the page-load step again, as `disableAnonymousTracking` does: the
/// cookie gets a user id and `_sp_ses` is refreshed at that time, so an event 1800 s after the
/// first event but only 1000 s after the switch continues the session, now identified.
#[test]
fn leaving_anonymous_tracking_refreshes_the_session_like_a_page_load() {
    let scenario = client_session_scenario::parse(
        r#"{"name":"n","platform":"web","start_ms":1700000000000,"config":{"anonymous":true},
            "steps":[{"at_ms":0,"op":"track","event":"page_view"},
                     {"at_ms":800000,"op":"anonymous","value":false},
                     {"at_ms":1800000,"op":"track","event":"page_view"}]}"#,
    )
    .unwrap();
    let lines = replay_web_rules(&scenario).unwrap();
    assert_eq!(lines.len(), 2);
    let entity = |i: usize, key: &str| lines[i]["client_session"][key].clone();
    assert_eq!(entity(0, "userId"), "00000000-0000-0000-0000-000000000000");
    assert_eq!(entity(1, "sessionId"), entity(0, "sessionId"));
    assert_eq!(entity(1, "eventIndex"), 2);
    let user = entity(1, "userId");
    assert!(
        user.as_str()
            .is_some_and(client_session_scenario::symbolic::is_lower_uuid)
            && user != entity(0, "userId"),
        "{user}"
    );
    let cookie = lines[1]["cookies"]["_sp_id.8e5d"].as_str().unwrap();
    assert!(cookie.starts_with(user.as_str().unwrap()), "{cookie}");
}
