//! A desktop app simulation: the README's first command.
//!
//! It opens a tracker on sled in `./client-session-data` (or `--data-dir DIR`), tracks a few
//! screen views and a click, goes to the background and back as a minimised window would, and
//! prints every event with its contexts as JSON. Run it twice: the second run keeps the user
//! and, because a restart starts a new session (unless `--continue-session-on-restart`), shows
//! session 2 with `previousSessionId` naming session 1.

use std::path::PathBuf;

use anyhow::{bail, Context};
use client_session_actor::{Event, Payload, TrackedEvent};
use client_session_core::Config;
use client_session_desktop::{DesktopOptions, DesktopTracker};
use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter("warn")
        .init();
    let mut data_dir = PathBuf::from("client-session-data");
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => data_dir = args.next().context("--data-dir needs a directory")?.into(),
            "--continue-session-on-restart" => config.continue_session_on_restart = true,
            other => bail!(
                "unknown argument {other:?} (use --data-dir DIR, --continue-session-on-restart)"
            ),
        }
    }

    let options = DesktopOptions {
        config,
        ..DesktopOptions::at_path(&data_dir)
    };
    let tracker = DesktopTracker::open(options)
        .await
        .context("opening the session store")?;
    let handle = tracker.handle().clone();
    eprintln!("# data dir {}", tracker.data_dir().display());

    show(
        "app opened on the home screen",
        &handle
            .track(Event::new(Payload::screen_view("home")))
            .await?,
    );
    show(
        "button clicked",
        &handle
            .track(Event::new(Payload::structured("ui", "click")))
            .await?,
    );
    if let Some(event) = tracker.background().await? {
        show("window minimised", &event);
    }
    if let Some(event) = tracker.foreground().await? {
        show("window restored", &event);
    }
    show(
        "settings opened",
        &handle
            .track(Event::new(Payload::screen_view("settings")))
            .await?,
    );

    let snapshot = handle.snapshot().await?;
    if let Some(session) = snapshot.session {
        eprintln!(
            "# user {} is in session {} (index {}); run again to see what a restart does",
            session.user_id, session.session_id, session.session_index
        );
    }
    tracker.shutdown().await.context("persisting the session")?;
    Ok(())
}

/// Prints one event as a JSON line: what happened, the event, and its contexts.
fn show(what: &str, event: &TrackedEvent) {
    if event.starts_session {
        let cs = &event.client_session;
        match cs.previous_session_id {
            Some(previous) => eprintln!(
                "# new session {} (index {}), previous {previous}",
                cs.session_id, cs.session_index
            ),
            None => eprintln!("# first session {} of user {}", cs.session_id, cs.user_id),
        }
    }
    let line = json!({
        "what": what,
        "event": event.payload.name(),
        "eventId": event.stamp.id,
        "dtm": event.stamp.dtm_ms,
        "ue_pr": event.payload.lifecycle_json(),
        "co": serde_json::to_value(event.contexts()).unwrap_or_default(),
    });
    // Field order is kept (serde_json's preserve_order), so the entity reads as trackers send it.
    println!("{line}");
}
