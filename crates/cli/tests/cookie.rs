#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! `client-session cookie decode` (issue 7): an `_sp_id` value's fields as one JSON object, or
//! exit 2 naming what is malformed (spec Part D).

use std::process::Output;

use serde_json::{json, Value};

mod support;
use support::{cli, lines, stderr};

const USER: &str = "2d5b2a1c-6e0f-4b8e-9a3d-1f2e3d4c5b6a";
const SESSION: &str = "a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b";
const PREVIOUS: &str = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
const EVENT: &str = "11111111-2222-4333-8444-555555555555";

fn decode(value: &str) -> Output {
    cli(&["cookie", "decode", value], "")
}

/// The one object a successful run printed.
fn decoded(value: &str) -> Value {
    let out = decode(value);
    assert!(out.status.success(), "{value:?}: {}", stderr(&out));
    let mut printed = lines(&out);
    assert_eq!(printed.len(), 1, "one object per run");
    printed.remove(0)
}

/// A run that must fail as bad input: exit 2, nothing on stdout; its stderr.
fn refused(value: &str) -> String {
    let out = decode(value);
    assert_eq!(out.status.code(), Some(2), "{value:?}: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "{value:?} printed something");
    stderr(&out)
}

#[test]
fn a_full_cookie_prints_every_field_in_cookie_order() {
    // A second session whose first event has been tracked: every field filled.
    let value = format!(
        "{USER}.1700000000.2.1700003600.1700001000.{SESSION}.{PREVIOUS}.{EVENT}.1700003600123.1"
    );
    let out = decode(&value);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = json!({
        "domainUserId": USER,
        "createTs": 1_700_000_000u64,
        "visitCount": 2,
        "nowTs": 1_700_003_600u64,
        "lastVisitTs": 1_700_001_000u64,
        "sessionId": SESSION,
        "previousSessionId": PREVIOUS,
        "firstEventId": EVENT,
        "firstEventTs": 1_700_003_600_123u64,
        "eventIndex": 1,
    });
    // Exactly one line, keys in A3.2 order.
    assert_eq!(text, format!("{expected}\n"));
}

#[test]
fn empty_fields_print_as_null() {
    // A3.5: the first page load writes no lastVisitTs, previous session or first event yet.
    let got = decoded(&format!("{USER}.1700000001.1.1700000001..{SESSION}....0"));
    assert_eq!(
        got,
        json!({
            "domainUserId": USER,
            "createTs": 1_700_000_001u64,
            "visitCount": 1,
            "nowTs": 1_700_000_001u64,
            "lastVisitTs": null,
            "sessionId": SESSION,
            "previousSessionId": null,
            "firstEventId": null,
            "firstEventTs": null,
            "eventIndex": 0,
        })
    );
    // A3.9: anonymous session tracking leaves the user empty.
    let got = decoded(&format!(".1700000001.1.1700000001..{SESSION}....0"));
    assert_eq!(got["domainUserId"], Value::Null);
}

#[test]
fn a_16_hex_user_from_an_older_tracker_is_printed_as_written() {
    let got = decoded(&format!(
        "3e8f0b1a2c4d5e6f.1700000000.3.1700000000.1699990000.{SESSION}.{PREVIOUS}...0"
    ));
    assert_eq!(got["domainUserId"], "3e8f0b1a2c4d5e6f");
    assert_eq!(got["visitCount"], 3);
}

#[test]
fn a_wrong_field_count_exits_2_with_the_count() {
    let err = refused("");
    assert!(err.contains("_sp_id has 1 field(s), not 10"), "{err}");
    let err = refused(&format!(
        "{USER}.1700000000.2.1700003600.1700001000.{SESSION}"
    ));
    assert!(err.contains("_sp_id has 6 field(s), not 10"), "{err}");
    let err = refused("..........");
    assert!(err.contains("has 11 field(s)"), "{err}");
}

#[test]
fn a_malformed_field_exits_2_naming_it() {
    let err = refused(&format!(
        "{USER}.1700000000.2.1700003600.1700001000.not-a-uuid....0"
    ));
    assert!(
        err.contains(r#"field 5 `sessionId` is not a UUID: "not-a-uuid""#),
        "{err}"
    );
    let err = refused(&format!("{USER}.1700000000.x.1700003600..{SESSION}....0"));
    assert!(err.contains("`visitCount` is not a number"), "{err}");
    let err = refused(&format!("DEF.1700000000.1.1700003600..{SESSION}....0"));
    assert!(err.contains("`domainUserId` is neither"), "{err}");
    let err = refused(".........");
    assert!(err.contains("`createTs` is empty"), "{err}");
}

#[test]
fn a_value_starting_with_a_hyphen_is_a_value_not_an_option() {
    // clap's own usage errors also exit 2; the codec's message shows the value reached it.
    let err = refused(&format!("-1.1700000000.1.1700003600..{SESSION}....0"));
    assert!(err.contains("`domainUserId` is neither"), "{err}");
    let err = refused(&format!(".-5.1.1700003600..{SESSION}....0"));
    assert!(err.contains("`createTs` is negative"), "{err}");
}

#[test]
fn huge_and_non_ascii_values_exit_2_without_a_panic() {
    let err = refused(&format!(
        "{USER}.1700000000.99999999999999999999.1700003600..{SESSION}....0"
    ));
    assert!(err.contains("`visitCount` is out of range"), "{err}");
    let err = refused(&format!("{USER}.１７.1.1700003600..{SESSION}....0"));
    assert!(err.contains("`createTs` is not a number"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
