//! Playing a scenario through a real actor on a simulated clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Clock, Error, Event, ManualClock, SessionHandle, Tracked};
use client_session_core::Config;

use crate::format::{Op, Platform, Scenario, SetCookie};
use crate::output::OutputLine;

/// How a store or platform adapter starts and stops a tracker for the runner. This is the seam
/// every backend plugs into: the suite runs the same scenarios through each launcher.
#[async_trait(?Send)]
pub trait Launcher {
    /// The platform whose scenarios this launcher plays: the rule set of its store.
    fn platform(&self) -> Platform;

    /// Starts a tracker (app launch, page load) on this launcher's storage, reading time from
    /// `clock`.
    async fn launch(
        &mut self,
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<SessionHandle, Error>;

    /// Shuts the tracker down cleanly and waits until its storage is released, so the next
    /// `launch` can open it again (a scenario's `restart`).
    async fn stop(&mut self, handle: SessionHandle) -> Result<(), Error>;

    /// Someone else writes a cookie at `now_ms` (a `set_cookie` step: another tab, the
    /// JavaScript tracker). The default, for launchers without a cookie jar, does nothing, as
    /// `set_cookie` does on mobile.
    ///
    /// # Errors
    /// The jar refused the cookie, in words.
    fn set_cookie(&mut self, cookie: &SetCookie, now_ms: i64) -> Result<(), String> {
        let _ = (cookie, now_ms);
        Ok(())
    }

    /// The cookies the page sees at `now_ms`, name to value, for a web line's `cookies`;
    /// `None` (the default) for launchers without a jar.
    fn cookies(&self, now_ms: i64) -> Option<BTreeMap<String, String>> {
        let _ = now_ms;
        None
    }
}

/// Why a scenario could not be played.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The tracker failed (its store, usually).
    #[error("tracker error at step {step:?}: {source}")]
    Tracker {
        /// The step being played, `None` at launch.
        step: Option<usize>,
        /// The error.
        source: Error,
    },
    /// This launcher plays another platform's scenarios.
    #[error("this launcher plays {launcher:?} scenarios, not {scenario:?}")]
    WrongPlatform {
        /// The scenario's platform.
        scenario: Platform,
        /// The launcher's.
        launcher: Platform,
    },
    /// A `set_cookie` step's cookie was refused by the jar.
    #[error("set_cookie at step {step}: {message}")]
    SetCookie {
        /// The step.
        step: usize,
        /// Why.
        message: String,
    },
}

/// Plays `scenario`, calling `emit` with each output line as it is produced (on the web with
/// the cookies the page sees after the step).
///
/// # Errors
/// [`RunError::WrongPlatform`] for a scenario of another platform than the launcher's,
/// [`RunError::Tracker`] when the tracker fails, [`RunError::SetCookie`] for a cookie the jar
/// refuses.
pub async fn run<L: Launcher>(
    scenario: &Scenario,
    launcher: &mut L,
    mut emit: impl FnMut(OutputLine),
) -> Result<(), RunError> {
    if scenario.platform != launcher.platform() {
        return Err(RunError::WrongPlatform {
            scenario: scenario.platform,
            launcher: launcher.platform(),
        });
    }
    let clock = ManualClock::new(scenario.start_ms);
    let config = scenario.config.session;
    let mut handle = launcher
        .launch(config, Arc::new(clock.clone()))
        .await
        .map_err(|source| RunError::Tracker { step: None, source })?;
    for (index, step) in scenario.steps.iter().enumerate() {
        let fail = |source| RunError::Tracker {
            step: Some(index),
            source,
        };
        let now_ms = scenario
            .start_ms
            .saturating_add(step.clock_ms.unwrap_or(step.at_ms));
        clock.set(now_ms);
        let emitted: Tracked = match &step.op {
            Op::Restart => {
                launcher.stop(handle).await.map_err(fail)?;
                handle = launcher
                    .launch(config, Arc::new(clock.clone()))
                    .await
                    .map_err(fail)?;
                NOTHING
            }
            Op::SetCookie(cookie) => {
                launcher
                    .set_cookie(cookie, now_ms)
                    .map_err(|message| RunError::SetCookie {
                        step: index,
                        message,
                    })?;
                NOTHING
            }
            op => apply(&handle, op.clone()).await.map_err(fail)?,
        };
        for event in emitted.iter() {
            let line = OutputLine::new(index, step.at_ms, event);
            emit(match scenario.platform {
                Platform::Mobile => line,
                Platform::Web => line.on_the_web(launcher.cookies(now_ms).unwrap_or_default()),
            });
        }
    }
    launcher
        .stop(handle)
        .await
        .map_err(|source| RunError::Tracker { step: None, source })
}

/// What a step that sends nothing returns.
const NOTHING: Tracked = Tracked {
    screen_end: None,
    event: None,
};

/// Performs a step's op on a running tracker and returns the events it sent, if any. The one
/// mapping from the scenario format to the handle, used by `run` and by the CLI's live driver.
/// `Restart` is not a call on a handle (it ends the tracker), nor is `SetCookie` (a write into
/// the launcher's jar): callers deal with both first, and here they do nothing.
///
/// # Errors
/// The handle's error (the tracker has shut down, or its store could not clear the user data).
pub async fn apply(handle: &SessionHandle, op: Op) -> Result<Tracked, Error> {
    let lifecycle = |event| Tracked {
        screen_end: None,
        event,
    };
    match op {
        Op::Track(payload) => handle.track(Event::new(payload)).await,
        Op::Background => handle.background().await.map(lifecycle),
        Op::Foreground => handle.foreground().await.map(lifecycle),
        Op::NewSession => handle.new_session().await.map(|()| NOTHING),
        Op::Pause => handle.pause().await.map(|()| NOTHING),
        Op::Resume => handle.resume().await.map(|()| NOTHING),
        Op::Anonymous(value) => handle.set_anonymous(value).await.map(|()| NOTHING),
        Op::ClearUserData => handle.clear_user_data().await.map(|()| NOTHING),
        Op::Restart | Op::SetCookie(_) => Ok(NOTHING),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{parse, MemoryLauncher, WebLauncher};

    /// The lines `launcher` plays for the scenario `text`.
    async fn play(text: &str, launcher: &mut impl Launcher) -> Vec<OutputLine> {
        let scenario = parse(text).unwrap();
        let mut lines = Vec::new();
        run(&scenario, launcher, |line| lines.push(line))
            .await
            .unwrap();
        lines
    }

    /// Part C: on mobile `set_cookie` does nothing; it neither emits a line nor changes the
    /// session of the events around it.
    #[tokio::test]
    async fn set_cookie_does_nothing_on_mobile() {
        let lines = play(
            r#"{"name":"n","platform":"mobile","start_ms":1700000000000,"steps":[
                {"at_ms":0,"op":"track","event":"structured"},
                {"at_ms":1,"op":"set_cookie","name":"_sp_ses.8e5d","value":"*","max_age_s":0},
                {"at_ms":2,"op":"track","event":"structured"}]}"#,
            &mut MemoryLauncher::new("default"),
        )
        .await;
        assert_eq!(lines.iter().map(|l| l.step).collect::<Vec<_>>(), [0, 2]);
        let session = |i: usize| lines[i].client_session.as_ref().unwrap().session_id;
        assert_eq!(session(0), session(1));
    }

    /// Part C: on the web `clear_user_data` does nothing for now; the page keeps its user,
    /// its session and its cookies.
    #[tokio::test]
    async fn clear_user_data_does_nothing_on_the_web() {
        let lines = play(
            r#"{"name":"n","platform":"web","start_ms":1700000000000,"steps":[
                {"at_ms":0,"op":"track","event":"page_view"},
                {"at_ms":1,"op":"clear_user_data"},
                {"at_ms":2,"op":"track","event":"page_view"}]}"#,
            &mut WebLauncher::new("example.test"),
        )
        .await;
        assert_eq!(lines.iter().map(|l| l.step).collect::<Vec<_>>(), [0, 2]);
        let entity = |i: usize| lines[i].client_session.clone().unwrap();
        assert_eq!(entity(0).user_id, entity(1).user_id);
        assert_eq!(entity(0).session_id, entity(1).session_id);
        assert_eq!(entity(1).event_index, Some(2));
    }

    /// B mobile: a new user, whose first session starts at the next event.
    #[tokio::test]
    async fn clear_user_data_starts_a_new_user_on_mobile() {
        let lines = play(
            r#"{"name":"n","platform":"mobile","start_ms":1700000000000,"steps":[
                {"at_ms":0,"op":"track","event":"structured"},
                {"at_ms":1,"op":"new_session"},
                {"at_ms":2,"op":"track","event":"structured"},
                {"at_ms":3,"op":"clear_user_data"},
                {"at_ms":4,"op":"track","event":"structured"}]}"#,
            &mut MemoryLauncher::new("default"),
        )
        .await;
        let entity = |i: usize| lines[i].client_session.clone().unwrap();
        assert_eq!(entity(1).session_index, 2);
        assert_ne!(entity(2).user_id, entity(1).user_id);
        assert_eq!(entity(2).session_index, 1);
        assert_eq!(entity(2).previous_session_id, None);
    }
}
