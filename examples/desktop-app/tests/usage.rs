#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The example's command line: `--help` answers, a wrong argument is a usage error (exit 2).

use std::process::{Command, Output};

/// Runs the example in a fresh working directory, so a run that starts tracking shows up as a
/// `client-session-data` directory there.
fn run(args: &[&str]) -> (Output, tempfile::TempDir) {
    let cwd = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_desktop-app"))
        .args(args)
        .current_dir(cwd.path())
        .output()
        .unwrap();
    (out, cwd)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn help_prints_the_usage_and_exits_0_without_tracking() {
    for flag in ["--help", "-h"] {
        let (out, cwd) = run(&["--continue-session-on-restart", flag]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", text(&out.stderr));
        assert!(stdout.starts_with("Usage: desktop-app"), "{flag}: {stdout}");
        for option in [
            "--data-dir DIR",
            "--continue-session-on-restart",
            "-h, --help",
        ] {
            assert!(stdout.contains(option), "{flag} omits {option}: {stdout}");
        }
        assert_eq!(text(&out.stderr), "", "{flag}");
        assert!(
            !cwd.path().join("client-session-data").exists(),
            "{flag} started tracking"
        );
    }
}

#[test]
fn an_unknown_argument_exits_2_with_the_usage() {
    let (out, cwd) = run(&["--continue"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown argument \"--continue\""),
        "{stderr}"
    );
    assert!(stderr.contains("Usage: desktop-app"), "{stderr}");
    assert_eq!(text(&out.stdout), "", "nothing tracked, nothing printed");
    assert!(!cwd.path().join("client-session-data").exists());
}

#[test]
fn a_data_dir_without_a_directory_exits_2_with_the_usage() {
    let (out, _cwd) = run(&["--data-dir"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--data-dir needs a directory"), "{stderr}");
    assert!(stderr.contains("Usage: desktop-app"), "{stderr}");
}
