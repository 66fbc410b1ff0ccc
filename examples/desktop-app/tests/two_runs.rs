#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The example as a user runs it: twice on the same data directory.

use std::process::Command;

use serde_json::Value;

fn run(dir: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_desktop-app"))
        .arg("--data-dir")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn session(line: &Value) -> &Value {
    &line["co"]["data"][0]["data"]
}

#[test]
fn second_run_keeps_the_user_and_starts_session_two() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), &[]);
    assert_eq!(
        first.len(),
        6,
        "a screen view, a click, background, foreground, a screen_end and a screen view"
    );
    assert_eq!(first[2]["event"], "application_background");
    assert_eq!(first[2]["ue_pr"]["data"]["backgroundIndex"], 1);
    assert_eq!(
        first[3]["co"]["data"][1]["data"],
        serde_json::json!({"isVisible": true, "index": 1})
    );
    // The second screen view ends the first: its summary holds the list and the scroll.
    assert_eq!(first[4]["event"], "screen_end");
    let entities = first[4]["co"]["data"].as_array().unwrap();
    let summary = entities
        .iter()
        .find(|e| e["schema"].as_str().unwrap().contains("/screen_summary/"))
        .unwrap();
    assert_eq!(summary["data"]["last_item_index"], 12);
    assert_eq!(summary["data"]["max_y_offset"], 2000);
    let screen = entities
        .iter()
        .find(|e| e["schema"].as_str().unwrap().contains("/screen/"))
        .unwrap();
    assert_eq!(screen["data"]["name"], "home");
    assert_eq!(first[5]["ue_pr"]["data"]["previousName"], "home");
    assert_eq!(first[5]["ue_pr"]["data"]["previousType"], "feed");
    assert_eq!(session(&first[5])["eventIndex"], 6);
    let second = run(dir.path(), &[]);
    assert_eq!(session(&second[0])["userId"], session(&first[0])["userId"]);
    assert_eq!(session(&second[0])["sessionIndex"], 2);
    assert_eq!(
        session(&second[0])["previousSessionId"],
        session(&first[0])["sessionId"]
    );
    let third = run(dir.path(), &["--continue-session-on-restart"]);
    assert_eq!(
        session(&third[0])["sessionId"],
        session(&second[0])["sessionId"],
        "continues after a clean exit"
    );
    assert_eq!(session(&third[0])["eventIndex"], 7);
}
