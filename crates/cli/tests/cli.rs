#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The `client-session` binary's contract (spec Part D), run as a real process.

use serde_json::Value;

mod support;
use support::{cli, lines, scenario, stderr};

#[test]
fn replay_prints_part_c_lines_in_field_order() {
    let out = cli(
        &[
            "replay",
            &scenario("10-application-foreground-judged-with-background-timeout.json"),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"step":0,"at_ms":0,"event":"screen_view","event_id":""#),
        "{first}"
    );
    assert!(
        first.contains(r#","dtm":1700000000000,"client_session":{"userId":""#),
        "{first}"
    );
    // Mobile lines end with the screen fields: the screen view's data, then the entities.
    assert!(
        first.contains(r#"},"data":{"name":"screen","id":""#)
            && first.contains(r#"},"screen":{"name":"screen","id":""#)
            && first.ends_with(r#"},"screen_summary":null}"#),
        "{first}"
    );
    // Two screen views: the second ends the first with a `screen_end` (spec A5.3).
    assert_eq!(lines(&out).len(), 5);
}

#[test]
fn replay_reads_stdin() {
    let text = std::fs::read_to_string(scenario("01-first-event-ever.json")).unwrap();
    let out = cli(&["replay", "-"], &text);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lines(&out).len(), 1);
}

#[test]
fn bad_scenarios_exit_2_naming_step_and_field_and_print_nothing() {
    let big_cookie = format!(
        r#"{{"name":"x","platform":"web","start_ms":0,"steps":[{{"at_ms":0,"op":"track","event":"page_view"}},{{"at_ms":1,"op":"set_cookie","name":"_sp_id.8e5d","value":"{}"}}]}}"#,
        "1".repeat(5000)
    );
    let cases: [(&str, &str); 6] = [
        ("{not json", "malformed JSON"),
        (
            r#"{"name":"x","platform":"mobile","start_ms":0,"steps":[{"at_ms":0,"op":"track","event":"screen_view"},{"at_ms":0,"op":"fly"}]}"#,
            "step 1, field `op`: unknown op \"fly\"",
        ),
        (
            r#"{"name":"x","platform":"mobile","start_ms":0,"steps":[{"at_ms":0,"op":"track"}]}"#,
            "step 0, field `event`: missing",
        ),
        (
            r#"{"name":"x","platform":"mobile","start_ms":0,"steps":[{"at_ms":5,"op":"track","event":"screen_view"},{"at_ms":4,"op":"pause"}]}"#,
            "step 1, field `at_ms`: decreases",
        ),
        (
            r#"{"name":"x","platform":"mobile","start_ms":0,"steps":[],"config":{"foreground_timeout_s":"1"}}"#,
            "field `config.foreground_timeout_s`",
        ),
        // A cookie the jar would refuse at step 1: refused before step 0 runs.
        (
            &big_cookie,
            "step 1, field `value`: name and value are 5011 bytes together",
        ),
    ];
    for (input, message) in cases {
        let out = cli(&["replay", "-"], input);
        assert_eq!(out.status.code(), Some(2), "{input}");
        assert!(out.stdout.is_empty(), "nothing printed for {input}");
        assert!(stderr(&out).contains(message), "{input}: {}", stderr(&out));
    }
    let out = cli(
        &[
            "replay",
            "--store",
            "sled",
            &scenario("01-first-event-ever.json"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--store sled needs --data-dir"));
    let out = cli(&["replay", "/no/such/scenario.json"], "");
    assert_eq!(out.status.code(), Some(2));
}

/// Issue 7's "done when": `client-session replay` on every file in `tests/scenarios/web/`
/// prints its expected output (symbolically: ids are random), whatever `--store` says (on the
/// web the cookie jar is the store; `--store cookies` names it) and writing nothing to a
/// `--data-dir`.
#[test]
fn replay_prints_every_web_scenarios_expected_output_whatever_the_store() {
    let cases = client_session_suite::load_cases().unwrap_or_else(|e| panic!("{e}"));
    let web: Vec<_> = cases
        .iter()
        .filter(|case| case.scenario.platform == client_session_scenario::Platform::Web)
        .collect();
    assert!(web.len() >= 24, "{} web scenarios", web.len());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("unused");
    for (n, case) in web.iter().enumerate() {
        let file = format!(
            "{}/../../tests/{}",
            env!("CARGO_MANIFEST_DIR"),
            case.path.display()
        );
        let store: &[&str] = match n % 3 {
            0 => &[],
            1 => &["--store", "cookies"],
            _ => &["--store", "sled", "--data-dir", d.to_str().unwrap()],
        };
        let out = cli(&[&["replay"], store, &[file.as_str()]].concat(), "");
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let printed = client_session_scenario::symbolic::symbolize(&lines(&out));
        assert_eq!(printed, case.expected, "{file}");
        for line in lines(&out) {
            assert!(
                line.get("cookies").is_some(),
                "{file}: a web line has cookies"
            );
        }
    }
    assert!(!d.exists(), "--data-dir is not used for web scenarios");
}

/// The cookie store has only the web rules: a mobile scenario on it is bad input, refused
/// before anything is printed.
#[test]
fn replay_refuses_a_mobile_scenario_on_cookies_with_exit_2() {
    let file = scenario("01-first-event-ever.json");
    for extra in [&[][..], &["--data-dir", "/nonexistent/unused"][..]] {
        let args = [
            &["replay", "--store", "cookies"][..],
            extra,
            &[file.as_str()],
        ]
        .concat();
        let out = cli(&args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}: nothing printed");
        assert!(
            stderr(&out).contains("--store cookies applies only to web scenarios"),
            "{}",
            stderr(&out)
        );
    }
}

/// `bench --store cookies` measures the web rules on the cookie store next to its echo
/// baseline; `--data-dir` belongs to sled alone.
#[test]
fn bench_runs_on_cookies_and_refuses_a_data_dir_without_sled() {
    let out = cli(
        &[
            "bench",
            "--store",
            "cookies",
            "--events",
            "40",
            "--handles",
            "2",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["store"], "cookies");
    assert_eq!(report["events"], 40);
    assert!(report["events_per_s"].as_f64().unwrap() > 0.0, "{report}");
    assert!(report["baseline"]["events_per_s"].as_f64().unwrap() > 0.0);
    assert!(report["ratio_to_baseline"]["p50"].as_f64().unwrap() > 0.0);
    assert!(report.get("store_bytes_after").is_none(), "{report}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("unused");
    for store in ["cookies", "memory"] {
        let out = cli(
            &[
                "bench",
                "--store",
                store,
                "--data-dir",
                d.to_str().unwrap(),
                "--events",
                "10",
            ],
            "",
        );
        assert_eq!(out.status.code(), Some(2), "{store}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--data-dir applies only to --store sled"),
            "{store}: {}",
            stderr(&out)
        );
    }
    assert!(!d.exists());
}

#[test]
fn replay_on_sled_carries_the_session_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let file = scenario("01-first-event-ever.json");
    let first = lines(&cli(
        &["replay", "--store", "sled", "--data-dir", d, &file],
        "",
    ));
    let second = lines(&cli(
        &["replay", "--store", "sled", "--data-dir", d, &file],
        "",
    ));
    let (a, b) = (&first[0]["client_session"], &second[0]["client_session"]);
    assert_eq!(a["userId"], b["userId"]);
    assert_eq!(b["sessionIndex"], 2);
    assert_eq!(b["previousSessionId"], a["sessionId"]);
}

#[test]
fn a_locked_store_exits_1_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let _held = client_session_store_sled::SledDatabase::open(dir.path()).unwrap();
    let d = dir.path().to_str().unwrap();
    let out = cli(
        &[
            "replay",
            "--store",
            "sled",
            "--data-dir",
            d,
            &scenario("01-first-event-ever.json"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("locked") && stderr(&out).contains(d),
        "{}",
        stderr(&out)
    );
    let out = cli(&["run", "--data-dir", d], "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn run_reports_bad_lines_with_their_number_goes_on_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let input = "{\"op\":\"track\",\"event\":\"screen_view\"}\nnot json\n{\"op\":\"restart\"}\n{\"op\":\"track\"}\n{\"op\":\"jump\"}\n{\"op\":\"background\"}\n";
    let out = cli(&["run", "--data-dir", d], input);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("line 2: malformed JSON"), "{err}");
    assert!(err.contains("line 3: field `op`: restart"), "{err}");
    assert!(err.contains("line 4: field `event`: missing"), "{err}");
    assert!(err.contains("line 5: field `op`: unknown op"), "{err}");
    let out = lines(&out);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["step"], 0);
    assert_eq!(out[1]["step"], 5);
    assert_eq!(out[1]["event"], "application_background");
    assert_eq!(out[1]["client_session"]["eventIndex"], 2);
}

#[test]
fn inspect_prints_user_and_namespaces() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let tracked = lines(&cli(
        &["run", "--data-dir", d, "--namespace", "app"],
        "{\"op\":\"track\",\"event\":\"page_view\"}\n",
    ));
    let out = cli(&["inspect", "--data-dir", d], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["userId"], tracked[0]["client_session"]["userId"]);
    let state = &value["namespaces"]["app"];
    assert_eq!(state["version"], 1);
    assert_eq!(
        state["session"]["sessionId"],
        tracked[0]["client_session"]["sessionId"]
    );
    assert_eq!(state["session"]["eventIndex"], 1);
    let missing = cli(&["inspect", "--data-dir", &format!("{d}/nope")], "");
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn a_clean_restart_with_continue_keeps_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let track = "{\"op\":\"track\",\"event\":\"screen_view\"}\n";
    let first = lines(&cli(
        &["run", "--data-dir", d, "--continue-session-on-restart"],
        track,
    ));
    let second = lines(&cli(
        &["run", "--data-dir", d, "--continue-session-on-restart"],
        track,
    ));
    assert_eq!(
        second[0]["client_session"]["sessionId"],
        first[0]["client_session"]["sessionId"]
    );
    assert_eq!(second[0]["client_session"]["eventIndex"], 2);
}
