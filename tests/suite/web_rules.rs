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
