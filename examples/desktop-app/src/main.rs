//! A desktop app simulation: the README's first command.
//!
//! It opens a tracker on sled in `./client-session-data` (or `--data-dir DIR`), tracks a screen
//! view, a list and a scroll on it and a click, goes to the background and back as a minimised
//! window would, opens a second screen (whose `screen_end` for the first carries the
//! `screen_summary`), and prints every event with its contexts as JSON. Run it twice: the second run keeps the user
//! and, because a restart starts a new session (unless `--continue-session-on-restart`), shows
//! session 2 with `previousSessionId` naming session 1.
//!
//! It depends on the `client-session` facade only, as an app would.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use client_session::{
    Config, DesktopOptions, DesktopTracker, Event, ListItemView, Payload, ScreenView,
    ScrollChanged, Tracked, TrackedEvent,
};
use serde_json::json;

const USAGE: &str = "\
Usage: desktop-app [--data-dir DIR] [--continue-session-on-restart]

Simulates a desktop app: tracks screen views and a click, minimises and restores its window,
and prints each event with its contexts as a JSON line. Run it twice to see what a restart does.

Options:
  --data-dir DIR                 where the tracker keeps its state (default ./client-session-data)
  --continue-session-on-restart  continue the stored session after a clean exit
  -h, --help                     print this help
";

/// What the command line asks for.
enum Command {
    Help,
    Run { data_dir: PathBuf, config: Config },
}

/// Reads the arguments after the program name; `Err` names what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut data_dir = PathBuf::from("client-session-data");
    let mut config = Config::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-h" | "--help") => return Ok(Command::Help),
            Some("--data-dir") => {
                data_dir = args.next().ok_or("--data-dir needs a directory")?.into();
            }
            Some("--continue-session-on-restart") => config.continue_session_on_restart = true,
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    Ok(Command::Run { data_dir, config })
}

fn main() -> ExitCode {
    let (data_dir, config) = match parse_args(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        // 2, as for any command-line tool given a usage it does not know.
        Err(message) => {
            eprint!("desktop-app: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        Ok(Command::Run { data_dir, config }) => (data_dir, config),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter("warn")
        .init();
    match simulate(data_dir, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("desktop-app: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The app's life: open, track, minimise, restore, track, exit.
#[tokio::main(flavor = "current_thread")]
async fn simulate(data_dir: PathBuf, config: Config) -> anyhow::Result<()> {
    let options = DesktopOptions {
        config,
        ..DesktopOptions::at_path(&data_dir)
    };
    let tracker = DesktopTracker::open(options)
        .await
        .context("opening the session store")?;
    let handle = tracker.handle().clone();
    eprintln!("# data dir {}", tracker.data_dir().display());

    show_all(
        "app opened on the home screen",
        handle
            .screen_view(ScreenView::new("home")?.with_type("feed"))
            .await?,
    )?;
    // Screen engagement folds these into the home screen's summary: nothing is sent now.
    handle
        .list_item_view(ListItemView::new(12, Some(40))?)
        .await?;
    handle
        .scroll_changed(
            ScrollChanged::default()
                .with_y_offset(1_200)?
                .with_view_height(800)?
                .with_content_height(9_000)?,
        )
        .await?;
    show_all(
        "button clicked",
        handle
            .track(Event::new(Payload::structured("ui", "click")))
            .await?,
    )?;
    if let Some(event) = tracker.background().await? {
        show("window minimised", &event)?;
    }
    if let Some(event) = tracker.foreground().await? {
        show("window restored", &event)?;
    }
    // The screen view ends "home" first: its `screen_end` carries the summary.
    show_all(
        "settings opened",
        handle.screen_view(ScreenView::new("settings")?).await?,
    )?;

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

/// Prints every event a call sent, in order.
fn show_all(what: &str, tracked: Tracked) -> anyhow::Result<()> {
    tracked.iter().try_for_each(|event| show(what, event))
}

/// Prints one event as a JSON line: what happened, the event, its self-describing form
/// (`ue_pr`) and its contexts.
fn show(what: &str, event: &TrackedEvent) -> anyhow::Result<()> {
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
        "ue_pr": event.payload.self_describing_json(),
        "co": serde_json::to_value(event.contexts()).context("serialising the contexts")?,
    });
    // Field order is kept (serde_json's preserve_order), so the entity reads as trackers send it.
    println!("{line}");
    Ok(())
}
