#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Every scenario against every native backend: the memory store, the sled store and the
//! desktop adapter run the mobile files; the cookie store over the native jar runs the web
//! files. Each backend supplies only a launcher; the shared runner
//! (`client_session_suite::check_backend`) runs every scenario file of its platform and
//! validates every entity and event data object against its official Iglu schema.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, SessionHandle};
use client_session_core::Config;
use client_session_desktop::{DesktopError, DesktopOptions, DesktopTracker};
use client_session_scenario::Platform;
use client_session_scenario::{Launcher, MemoryLauncher, SledLauncher, WebLauncher};
use client_session_suite::{
    check_backend, load_cases, play, report_for_a_wrong_web_expected_line, verify, Case,
};
use serde_json::{json, Value};

/// Runs every mobile scenario file on launchers from `make`, against the official schemas.
async fn suite<L: Launcher>(backend: &str, make: impl FnMut(&Case) -> L) {
    if let Err(report) = check_backend(backend, Platform::Mobile, make).await {
        panic!("{report}");
    }
}

#[tokio::test]
async fn mobile_scenarios_on_the_memory_store() {
    suite("memory", |_| MemoryLauncher::new("default")).await;
}

#[tokio::test]
async fn mobile_scenarios_on_the_sled_store() {
    let root = tempfile::tempdir().unwrap();
    let mut n = 0;
    suite("sled", |_| {
        n += 1;
        SledLauncher::new(root.path().join(n.to_string()), "default")
    })
    .await;
}

/// The desktop adapter as the suite sees it: open on a data directory, shut down on stop.
struct DesktopLauncher {
    dir: PathBuf,
    running: Option<DesktopTracker>,
}

#[async_trait(?Send)]
impl Launcher for DesktopLauncher {
    fn platform(&self) -> Platform {
        Platform::Mobile
    }

    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error> {
        let options = DesktopOptions {
            config,
            clock,
            ..DesktopOptions::at_path(&self.dir)
        };
        let tracker = DesktopTracker::open(options).await.map_err(|e| match e {
            DesktopError::Session(e) => e,
            other => panic!("{other}"),
        })?;
        let handle = tracker.handle().clone();
        self.running = Some(tracker);
        Ok(handle)
    }

    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error> {
        drop(handle);
        match self.running.take() {
            Some(tracker) => tracker.shutdown().await.map_err(|e| match e {
                DesktopError::Session(e) => e,
                other => panic!("{other}"),
            }),
            None => Ok(()),
        }
    }
}

#[tokio::test]
async fn mobile_scenarios_on_the_desktop_adapter() {
    let root = tempfile::tempdir().unwrap();
    let mut n = 0;
    suite("desktop", |_| {
        n += 1;
        DesktopLauncher {
            dir: root.path().join(n.to_string()),
            running: None,
        }
    })
    .await;
}

#[tokio::test]
async fn web_scenarios_on_the_cookie_store() {
    let web = load_cases()
        .unwrap_or_else(|report| panic!("{report}"))
        .iter()
        .filter(|case| case.scenario.platform == Platform::Web)
        .count();
    assert!(
        web >= 24,
        "issue 7 asks for at least 24 web scenarios, found {web}"
    );
    if let Err(report) = check_backend("cookies", Platform::Web, |case| {
        WebLauncher::for_scenario(&case.scenario)
    })
    .await
    {
        panic!("{report}");
    }
}

/// The check can fail: an expected file with one derivation error (session 2 written as 3) no
/// longer matches what the cookie store gives, and the report names the file and line.
#[tokio::test]
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

/// The check can fail on what screens add: mobile scenario 02 as the memory store plays it
/// passes, and each screen object in it broken in turn fails against its own schema (a summary
/// with a negative `foreground_sec`, `screen_end` data that is not empty, a screen without id,
/// screen view data whose id is not a UUID), the report naming the file, the line and the key.
#[tokio::test]
async fn a_broken_screen_object_fails_the_check() {
    let case = load_cases()
        .unwrap()
        .into_iter()
        .find(|case| {
            case.path
                .ends_with("02-event-index-counts-within-session.json")
        })
        .unwrap();
    let actual = play(&case, &mut MemoryLauncher::new("default"))
        .await
        .unwrap();
    verify(&case, &actual).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(actual[2]["event"], "screen_end");
    assert_eq!(actual[3]["event"], "screen_view");
    // The line, the key, and what breaks the object under it.
    type Break = (usize, &'static str, fn(&mut Value));
    let breaks: [Break; 4] = [
        (2, "screen_summary", |summary| {
            summary["foreground_sec"] = json!(-1);
        }),
        (2, "data", |data| data["name"] = json!("screen")),
        (3, "screen", |screen| {
            screen.as_object_mut().unwrap().remove("id");
        }),
        (3, "data", |data| data["id"] = json!("screen-2")),
    ];
    for (line, key, break_it) in breaks {
        let mut broken = actual.clone();
        break_it(&mut broken[line][key]);
        let report = verify(&case, &broken).unwrap_err();
        assert!(
            report.starts_with(&format!(
                "02-event-index-counts-within-session.json: line {line}: `{key}` "
            )),
            "{report}"
        );
    }
}

/// A launcher plays only its own platform's scenarios.
#[tokio::test]
async fn a_launcher_refuses_another_platforms_scenario() {
    let cases = load_cases().unwrap();
    let web = cases
        .iter()
        .find(|case| case.scenario.platform == Platform::Web)
        .unwrap();
    let mobile = cases
        .iter()
        .find(|case| case.scenario.platform == Platform::Mobile)
        .unwrap();
    let on_memory = play(web, &mut MemoryLauncher::new("default")).await;
    assert!(on_memory
        .unwrap_err()
        .contains("plays Mobile scenarios, not Web"));
    let on_cookies = play(mobile, &mut WebLauncher::new("example.test")).await;
    assert!(on_cookies
        .unwrap_err()
        .contains("plays Web scenarios, not Mobile"));
}
