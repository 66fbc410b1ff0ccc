#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The real actor on the sled store against the pure state machine: random step sequences
//! (tracks with caller-given ids and timestamps, lifecycle, new session, pause, resume,
//! anonymisation, clearing the user data, clean restarts, the clock moving forwards and
//! sometimes back) must emit the
//! same events with the same entities, and leave the same snapshot after every step. Every
//! event the actor emits is also checked against the schema facts and the official Iglu schemas.
//!
//! Session ids (and lifecycle event ids) are random in the actor and the user is the data
//! directory's, so both outputs are compared in the symbolic form of spec Part C: each distinct
//! id is numbered by first appearance, on each side.

use std::sync::Arc;

use client_session_actor::{Event, ManualClock, SessionHandle, Snapshot, TrackedEvent};
use client_session_core::{
    Config, EventStamp, Payload, PreviousRun, SessionState, StorageMechanism, UserId,
};
use client_session_scenario::schema::check_client_session;
use client_session_scenario::{symbolic, Launcher, OutputLine, SledLauncher};
use client_session_suite::iglu::validate_line;
use client_session_suite::support::any_config;
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;
/// The model's first user; the actor's is whatever the data directory made.
fn user() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x0123_4567_89ab_4cde_8f01_2345_6789_abcd))
}

#[derive(Debug, Clone)]
enum Op {
    /// A screen view with this event id and `dtm`.
    Track {
        id: Uuid,
        dtm_ms: i64,
    },
    Background,
    Foreground,
    NewSession,
    Pause,
    Resume,
    Anonymous(bool),
    /// Forget the user: a new one, with no session.
    ClearUserData,
    /// A clean shutdown and a new start on the same data directory.
    Restart,
}

#[derive(Debug, Clone)]
struct Step {
    /// How far the wall clock moves before the step (negative: backwards).
    gap_ms: i64,
    op: Op,
}

fn step() -> impl Strategy<Value = Step> {
    let dtm = prop_oneof![
        8 => -86_400_000i64..86_400_000, // relative to the clock: a device a day off either way
        1 => any::<i64>().prop_map(|ms| ms.wrapping_sub(T0)), // anything at all
    ];
    let op = prop_oneof![
        8 => (any::<u128>(), dtm).prop_map(|(id, dtm_ms)| Op::Track {
            id: uuid::Builder::from_random_bytes(id.to_le_bytes()).into_uuid(),
            dtm_ms,
        }),
        2 => Just(Op::Background),
        2 => Just(Op::Foreground),
        1 => Just(Op::NewSession),
        1 => Just(Op::Pause),
        1 => Just(Op::Resume),
        1 => any::<bool>().prop_map(Op::Anonymous),
        1 => Just(Op::ClearUserData),
        1 => Just(Op::Restart),
    ];
    // Mostly forward around the timeouts, sometimes back, now and then hours either way.
    let gap = prop_oneof![
        12 => 0i64..200_000,
        2 => -100_000i64..0,
        1 => -10_800_000i64..10_800_000,
    ];
    (gap, op).prop_map(|(gap_ms, op)| Step { gap_ms, op })
}

/// An emitted event as one comparable line: the Part C line plus the lifecycle entity and the
/// lifecycle event's data.
fn event_line(step: usize, at_ms: i64, event: &TrackedEvent) -> Value {
    let mut line = serde_json::to_value(OutputLine::new(step, at_ms, event)).unwrap();
    line["lifecycle"] = serde_json::to_value(event.lifecycle).unwrap();
    line["lifecycle_event"] = event.payload.self_describing_json().unwrap_or(Value::Null);
    line["starts_session"] = json!(event.starts_session);
    line
}

/// The snapshot after a step, as a line whose entity is numbered like the events'.
fn snapshot_line(step: usize, snapshot: &Snapshot) -> Value {
    json!({
        "step": step,
        "client_session": snapshot.session,
        "new_session_pending": snapshot.new_session_pending,
        "in_background": snapshot.in_background,
        "paused": snapshot.paused,
        "anonymous": snapshot.anonymous,
        "foreground_index": snapshot.foreground_index,
        "background_index": snapshot.background_index,
    })
}

/// The pure state machine, driven as the actor drives it.
struct Model {
    config: Config,
    state: SessionState,
    /// The installation's user (a new one after each clear).
    user: UserId,
    next_id: u128,
}

impl Model {
    fn new(config: Config) -> Self {
        Self {
            config,
            state: SessionState::start(
                config,
                user(),
                StorageMechanism::LocalStorage,
                None,
                PreviousRun::Clean,
            ),
            user: user(),
            next_id: 0,
        }
    }

    /// A fresh id, distinct from every caller-given one (those have random v4 bits).
    fn fresh(&mut self) -> Uuid {
        self.next_id += 1;
        Uuid::from_u128(0xffff_0000_0000_0000_0000_0000_0000_0000 | self.next_id)
    }

    fn apply(&mut self, now: i64, op: &Op) -> Option<TrackedEvent> {
        let session_id = self.fresh();
        match *op {
            Op::Track { id, dtm_ms } => {
                let stamp = EventStamp {
                    id,
                    dtm_ms: now.saturating_add(dtm_ms),
                };
                Some(
                    self.state
                        .track(now, stamp, Payload::structured("p", "t"), || session_id),
                )
            }
            Op::Background | Op::Foreground => {
                let stamp = EventStamp {
                    id: self.fresh(),
                    dtm_ms: now,
                };
                self.state
                    .set_background(matches!(op, Op::Background), now, stamp, || session_id)
            }
            Op::NewSession => {
                self.state.request_new_session();
                None
            }
            Op::Pause => {
                self.state.pause();
                None
            }
            Op::Resume => {
                self.state.resume();
                None
            }
            Op::Anonymous(value) => {
                self.state.set_anonymous(value);
                None
            }
            Op::ClearUserData => {
                self.user = UserId::from_uuid(self.fresh());
                self.state.forget_user(self.user);
                None
            }
            Op::Restart => {
                let stored = *self.state.persisted();
                self.state = SessionState::start(
                    self.config,
                    self.user,
                    StorageMechanism::LocalStorage,
                    Some(stored),
                    PreviousRun::Clean,
                );
                None
            }
        }
    }
}

/// Plays `steps` through the actor on a fresh sled data directory; returns its lines.
async fn through_the_actor(config: Config, steps: &[Step]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut launcher = SledLauncher::new(dir.path(), "default");
    let clock = ManualClock::new(T0);
    let mut handle: SessionHandle = launcher
        .launch(config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let mut now = T0;
    let mut lines = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        now = now.saturating_add(step.gap_ms);
        clock.set(now);
        let emitted = match step.op {
            Op::Track { id, dtm_ms } => {
                handle
                    .track(
                        Event::new(Payload::structured("p", "t"))
                            .with_id(id)
                            .with_timestamp_ms(now.saturating_add(dtm_ms)),
                    )
                    .await
                    .unwrap()
                    .event
            }
            Op::Background => handle.background().await.unwrap(),
            Op::Foreground => handle.foreground().await.unwrap(),
            Op::NewSession => handle.new_session().await.map(|()| None).unwrap(),
            Op::Pause => handle.pause().await.map(|()| None).unwrap(),
            Op::Resume => handle.resume().await.map(|()| None).unwrap(),
            Op::Anonymous(value) => handle.set_anonymous(value).await.map(|()| None).unwrap(),
            Op::ClearUserData => handle.clear_user_data().await.map(|()| None).unwrap(),
            Op::Restart => {
                launcher.stop(handle).await.unwrap();
                handle = launcher
                    .launch(config, Arc::new(clock.clone()))
                    .await
                    .unwrap();
                None
            }
        };
        if let Some(event) = emitted {
            lines.push(event_line(i, now - T0, &event));
        }
        lines.push(snapshot_line(i, &handle.snapshot().await.unwrap()));
    }
    launcher.stop(handle).await.unwrap();
    lines
}

fn through_the_model(config: Config, steps: &[Step]) -> Vec<Value> {
    let mut model = Model::new(config);
    let mut now = T0;
    let mut lines = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        now = now.saturating_add(step.gap_ms);
        if let Some(event) = model.apply(now, &step.op) {
            lines.push(event_line(i, now - T0, &event));
        }
        lines.push(snapshot_line(i, &model.state.snapshot()));
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_actor_on_sled_emits_what_the_state_machine_says(
        config in any_config(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        // A restart and an event at the end, so what was persisted is always put to use.
        let mut steps = steps;
        steps.push(Step { gap_ms: 1, op: Op::Restart });
        steps.push(Step { gap_ms: 1, op: Op::Track { id: Uuid::from_u128(0xe0e0), dtm_ms: 0 } });
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let actual = runtime.block_on(through_the_actor(config, &steps));
        for line in &actual {
            if line.get("event").is_some() {
                prop_assert_eq!(check_client_session(&line["client_session"]), Ok(()), "{}", line);
                prop_assert_eq!(validate_line(line), Ok(()), "{}", line);
            }
        }
        let expected = through_the_model(config, &steps);
        let (actual, expected) = (symbolic::symbolize(&actual), symbolic::symbolize(&expected));
        if let Some(at) = (0..actual.len().max(expected.len())).find(|&i| actual.get(i) != expected.get(i)) {
            let show = |lines: &[Value]| lines.get(at).map_or_else(|| "(none)".to_owned(), Value::to_string);
            prop_assert!(
                false,
                "line {} differs (step {}):\n  actor: {}\n  model: {}",
                at,
                expected.get(at).or(actual.get(at)).map_or(Value::Null, |l| l["step"].clone()),
                show(&actual),
                show(&expected)
            );
        }
    }
}
