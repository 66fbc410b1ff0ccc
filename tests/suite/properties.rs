#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Properties of the state machine over random step sequences (restarts and clock jumps
//! included): session index never decreases and rises by one per new session, the event index
//! counts events since the last rotation, the previous session id names the session before,
//! ids are lower case and every entity satisfies the schema facts.

use client_session_core::{
    EventStamp, Payload, PersistedSession, SessionState, StorageMechanism, TrackedEvent,
};
use client_session_scenario::schema::check_client_session;
use client_session_suite::support::any_config;
use proptest::prelude::*;
use uuid::Uuid;

const USER: Uuid = Uuid::from_u128(0x0123_4567_89ab_4cde_8f01_2345_6789_abcd);

#[derive(Debug, Clone)]
enum Step {
    Track,
    Background,
    Foreground,
    NewSession,
    Pause,
    Resume,
    Anonymous(bool),
    Restart { clean: bool },
}

fn step() -> impl Strategy<Value = (i64, Step)> {
    let op = prop_oneof![
        6 => Just(Step::Track),
        2 => Just(Step::Background),
        2 => Just(Step::Foreground),
        1 => Just(Step::NewSession),
        1 => Just(Step::Pause),
        1 => Just(Step::Resume),
        1 => any::<bool>().prop_map(Step::Anonymous),
        1 => any::<bool>().prop_map(|clean| Step::Restart { clean }),
    ];
    // Mostly forward gaps around the timeouts, sometimes the clock going back.
    let gap = prop_oneof![8 => 0i64..200_000, 1 => -100_000i64..0];
    (gap, op)
}

/// What the checker remembers about the real (unmasked) session so far.
#[derive(Default)]
struct Seen {
    session: Option<(Uuid, u32)>,
    events_in_session: u32,
}

impl Seen {
    fn check(&mut self, event: &TrackedEvent, state: &SessionState) -> Result<(), TestCaseError> {
        let json = serde_json::to_value(&event.client_session).unwrap();
        prop_assert_eq!(check_client_session(&json), Ok(()), "{}", json);
        let stored: PersistedSession = *state.persisted();
        let real = stored.session.unwrap();
        let entity = &event.client_session;
        prop_assert_eq!(entity.session_id, real.session_id);
        if event.starts_session {
            let (previous_id, previous_index) = self
                .session
                .map_or((None, 0), |(id, index)| (Some(id), index));
            prop_assert_eq!(
                real.session_index,
                previous_index + 1,
                "index rises by one per new session"
            );
            prop_assert_eq!(
                real.previous_session_id,
                previous_id,
                "previous names the session before"
            );
            prop_assert_eq!(entity.first_event_id, Some(event.stamp.id));
            self.events_in_session = 0;
        } else {
            prop_assert_eq!(
                Some(real.session_id),
                self.session.map(|s| s.0),
                "no new session, same id"
            );
        }
        self.events_in_session += 1;
        prop_assert_eq!(
            entity.event_index,
            Some(self.events_in_session),
            "eventIndex counts events since rotation"
        );
        if state.snapshot().anonymous {
            prop_assert_eq!(entity.user_id, Uuid::nil());
            prop_assert_eq!(entity.previous_session_id, None);
        } else {
            prop_assert_eq!(entity.user_id, USER);
            prop_assert_eq!(entity.previous_session_id, real.previous_session_id);
        }
        self.session = Some((real.session_id, real.session_index));
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn session_invariants_hold_for_any_sequence(config in any_config(), steps in prop::collection::vec(step(), 1..80)) {
        let mut now = 1_700_000_000_000i64;
        let mut next = 1u128;
        let mut fresh = || { next += 1; Uuid::from_u128(next << 64 | 0x4000_8000_0000_0000) };
        let mut state = SessionState::start(config, USER, StorageMechanism::LocalStorage, None, true);
        let mut seen = Seen::default();
        for (gap, op) in steps {
            now += gap;
            let stamp = EventStamp { id: fresh(), dtm_ms: now };
            let session_id = fresh();
            let emitted = match op {
                Step::Track => Some(state.track(now, stamp, Payload::screen_view("p"), || session_id)),
                Step::Background => state.background(now, stamp, || session_id),
                Step::Foreground => state.foreground(now, stamp, || session_id),
                Step::NewSession => { state.request_new_session(); None }
                Step::Pause => { state.pause(); None }
                Step::Resume => { state.resume(); None }
                Step::Anonymous(value) => { state.set_anonymous(value); None }
                Step::Restart { clean } => {
                    let stored = *state.persisted();
                    state = SessionState::start(config, USER, StorageMechanism::LocalStorage, Some(stored), clean);
                    None
                }
            };
            if let Some(event) = emitted {
                seen.check(&event, &state)?;
            }
        }
    }

    #[test]
    fn a_restart_never_repeats_a_session_event_pair_unless_it_continues_cleanly(
        config in any_config(), before in 1usize..5, gap in 0i64..10_000, clean in any::<bool>()
    ) {
        let mut state = SessionState::start(config, USER, StorageMechanism::LocalStorage, None, true);
        let mut last = None;
        for i in 0..before {
            let stamp = EventStamp { id: Uuid::new_v4(), dtm_ms: i as i64 };
            last = Some(state.track(i as i64, stamp, Payload::screen_view("p"), Uuid::new_v4));
        }
        let last = last.unwrap();
        let mut restarted = SessionState::start(config, USER, StorageMechanism::LocalStorage, Some(*state.persisted()), clean);
        let now = before as i64 + gap;
        let next = restarted.track(now, EventStamp { id: Uuid::new_v4(), dtm_ms: now }, Payload::screen_view("p"), Uuid::new_v4);
        if next.client_session.session_id == last.client_session.session_id {
            prop_assert!(clean && config.continue_session_on_restart);
            prop_assert_eq!(next.client_session.event_index, last.client_session.event_index.map(|i| i + 1));
        }
    }
}
