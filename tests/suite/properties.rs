#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Properties of the state machine over random step sequences (restarts and clock jumps
//! included): whether each event starts a session is what spec A2.3 says (judged by the test's
//! own statement of the rule, [`SpecA23`], never by the code's decision), session index rises
//! by one per new session, the event index counts events since the last rotation, the previous
//! session id names the session before, ids are lower case and every entity is valid under the
//! official Iglu schema and the schema facts. With screens (spec A5, B mobile "Screens"): every
//! event the tracker's rules send, for screen views with any fields, list items and scrolls at
//! the schemas' extremes, lifecycle flips and any gaps, has its data, `screen` and
//! `screen_summary` valid under their official Iglu schemas.

use client_session_core::{
    Config, EventStamp, ListItemView, Payload, PersistedSession, PreviousRun, ScreenError,
    ScreenView, ScrollChanged, SessionState, StorageMechanism, TrackedEvent, TrackerState, UserId,
};
use client_session_scenario::schema::check_client_session;
use client_session_scenario::OutputLine;
use client_session_suite::iglu::{validate_line, IgluSchema, Schema};
use client_session_suite::support::any_config;
use proptest::prelude::*;
use uuid::Uuid;

fn user() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0x0123_4567_89ab_4cde_8f01_2345_6789_abcd))
}

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

/// How the clock moves before a step.
#[derive(Debug, Clone)]
enum Gap {
    /// By this many ms (negative: the clock goes back).
    Ms(i64),
    /// To the last update plus a timeout (the background one or not) plus `offset` ms: the
    /// boundary A2.3 draws, which random gaps would almost never hit.
    Timeout { background: bool, offset: i64 },
}

fn step() -> impl Strategy<Value = (Gap, Step)> {
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
    // Mostly forward gaps around the timeouts, often exactly at one, sometimes going back.
    let gap = prop_oneof![
        6 => (0i64..200_000).prop_map(Gap::Ms),
        3 => (any::<bool>(), -1i64..=1).prop_map(|(background, offset)| Gap::Timeout { background, offset }),
        1 => (-100_000i64..0).prop_map(Gap::Ms),
    ];
    (gap, op)
}

/// Spec A2.3, with the choices of B, stated here from the spec's text and independently of the
/// code: the oracle for whether an event starts a session. It never asks the state machine.
struct SpecA23 {
    config: Config,
    /// `lastUpdate` of the current session; `None` while there is no previous state.
    last_update_ms: Option<i64>,
    /// The "new session" flag (A2.7): set by a request, a change of anonymisation, a restart.
    new_session_flag: bool,
    in_background: bool,
    paused: bool,
    anonymous: bool,
    /// The anonymisation the current session started under (B2: a restart with another
    /// setting starts a new session).
    session_anonymous: bool,
}

impl SpecA23 {
    fn start(config: Config) -> Self {
        Self {
            config,
            last_update_ms: None,
            new_session_flag: false,
            in_background: false,
            paused: false,
            anonymous: config.anonymous,
            session_anonymous: config.anonymous,
        }
    }

    /// A2.3: a new session starts when the flag is set, there is no previous state, the clock
    /// went back (`now < lastUpdate`) or `now - lastUpdate > timeout` (strictly, in ms), the
    /// timeout being the background one in the background. B: pause suspends only the two
    /// clock checks.
    fn starts_session(&self, now_ms: i64) -> bool {
        let Some(last) = self.last_update_ms else {
            return true;
        };
        if self.new_session_flag {
            return true;
        }
        if self.paused {
            return false;
        }
        let timeout = if self.in_background {
            self.config.background_timeout
        } else {
            self.config.foreground_timeout
        };
        let timeout_ms = i128::from(timeout.as_secs()) * 1000;
        now_ms < last || i128::from(now_ms) - i128::from(last) > timeout_ms
    }

    /// An event at `now_ms`: whether it starts a session. A2.6: `lastUpdate = now` unless
    /// paused; B: a session's start counts as its last update even while paused.
    fn event(&mut self, now_ms: i64) -> bool {
        let starts = self.starts_session(now_ms);
        if starts {
            self.new_session_flag = false;
            self.session_anonymous = self.anonymous;
        }
        if starts || !self.paused {
            self.last_update_ms = Some(now_ms);
        }
        starts
    }

    /// A2.8 with B: no change, no event; otherwise the lifecycle event (when lifecycle events
    /// are on) is judged before the state flips, and the state flips either way.
    fn lifecycle(&mut self, to_background: bool, now_ms: i64) -> Option<bool> {
        if self.in_background == to_background {
            return None;
        }
        let judged = self.config.lifecycle_events.then(|| self.event(now_ms));
        self.in_background = to_background;
        judged
    }

    /// B: setting the value anonymisation already has changes nothing.
    fn set_anonymous(&mut self, anonymous: bool) {
        if anonymous != self.anonymous {
            self.anonymous = anonymous;
            self.new_session_flag = true;
        }
    }

    /// A2.7 and B2: a start sets the flag unless `continue_session_on_restart`, the previous
    /// process shut down cleanly and the stored session had the configured anonymisation. A
    /// pending request survives; pause, background and runtime anonymisation do not.
    fn restart(&mut self, clean: bool) {
        let continues = self.config.continue_session_on_restart
            && clean
            && self.session_anonymous == self.config.anonymous;
        if self.last_update_ms.is_some() && !continues {
            self.new_session_flag = true;
        }
        self.anonymous = self.config.anonymous;
        self.in_background = false;
        self.paused = false;
    }
}

/// What the checker remembers about the real (unmasked) session so far.
#[derive(Default)]
struct Seen {
    /// The current session's id, index and whether it is anonymous.
    session: Option<(Uuid, u32, bool)>,
    events_in_session: u32,
}

impl Seen {
    /// Checks an emitted event that the spec says `starts` a session or not; `new_id` is the id
    /// the state machine was offered for a new session.
    fn check(
        &mut self,
        event: &TrackedEvent,
        state: &SessionState,
        spec: &SpecA23,
        starts: bool,
        new_id: Uuid,
    ) -> Result<(), TestCaseError> {
        let json = serde_json::to_value(&event.client_session).unwrap();
        prop_assert_eq!(check_client_session(&json), Ok(()), "{}", json);
        prop_assert_eq!(
            IgluSchema::official(Schema::ClientSession)
                .unwrap()
                .validate(&json),
            Ok(())
        );
        prop_assert_eq!(
            event.starts_session,
            starts,
            "A2.3 says this event {} a session",
            if starts { "starts" } else { "does not start" }
        );
        let stored: PersistedSession = *state.persisted();
        let real = stored.session.unwrap();
        let entity = &event.client_session;
        prop_assert_eq!(entity.session_id, real.session_id);
        prop_assert_eq!(
            real.session_id == new_id,
            starts,
            "the offered id is used exactly when a session starts"
        );
        if starts {
            let (previous_id, previous_index) =
                self.session.map_or((None, 0), |(id, index, anonymous)| {
                    ((!anonymous).then_some(id), index)
                });
            prop_assert_eq!(
                real.session_index,
                previous_index + 1,
                "index rises by one per new session"
            );
            prop_assert_eq!(
                real.previous_session_id,
                previous_id,
                "previous names the session before, unless it was anonymous (B mobile, A4)"
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
        if spec.anonymous {
            prop_assert_eq!(entity.user_id, UserId::ANONYMOUS);
            prop_assert_eq!(entity.previous_session_id, None);
        } else {
            prop_assert_eq!(entity.user_id, user());
            prop_assert_eq!(entity.previous_session_id, real.previous_session_id);
        }
        self.session = Some((real.session_id, real.session_index, spec.anonymous));
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
        let mut state = SessionState::start(config, user(), StorageMechanism::LocalStorage, None, PreviousRun::Clean);
        let mut spec = SpecA23::start(config);
        let mut seen = Seen::default();
        for (gap, op) in steps {
            now = match gap {
                Gap::Ms(ms) => now + ms,
                Gap::Timeout { background, offset } => {
                    let timeout = if background { config.background_timeout } else { config.foreground_timeout };
                    spec.last_update_ms.map_or(now, |last| last + i64::from(timeout.as_secs()) * 1000 + offset)
                }
            };
            let stamp = EventStamp { id: fresh(), dtm_ms: now };
            let session_id = fresh();
            let (emitted, judged) = match op {
                Step::Track => (
                    Some(state.track(now, stamp, Payload::structured("p", "t"), || session_id)),
                    Some(spec.event(now)),
                ),
                Step::Background => (state.background(now, stamp, || session_id), spec.lifecycle(true, now)),
                Step::Foreground => (state.foreground(now, stamp, || session_id), spec.lifecycle(false, now)),
                Step::NewSession => { state.request_new_session(); spec.new_session_flag = true; (None, None) }
                Step::Pause => { state.pause(); spec.paused = true; (None, None) }
                Step::Resume => { state.resume(); spec.paused = false; (None, None) }
                Step::Anonymous(value) => { state.set_anonymous(value); spec.set_anonymous(value); (None, None) }
                Step::Restart { clean } => {
                    let stored = *state.persisted();
                    state = SessionState::start(config, user(), StorageMechanism::LocalStorage, Some(stored), PreviousRun::from_clean_marker(clean));
                    spec.restart(clean);
                    (None, None)
                }
            };
            match (emitted, judged) {
                (Some(event), Some(starts)) => seen.check(&event, &state, &spec, starts, session_id)?,
                (None, None) => {}
                (emitted, judged) => prop_assert!(
                    false,
                    "{:?} at {}: emitted {:?}, but the spec says {}",
                    op, now, emitted.map(|e| e.payload.name()),
                    if judged.is_some() { "an event" } else { "nothing" }
                ),
            }
        }
    }

    #[test]
    fn a_restart_never_repeats_a_session_event_pair_unless_it_continues_cleanly(
        config in any_config(), before in 1usize..5, gap in 0i64..10_000, clean in any::<bool>()
    ) {
        let mut state = SessionState::start(config, user(), StorageMechanism::LocalStorage, None, PreviousRun::Clean);
        let mut last = None;
        for i in 0..before {
            let stamp = EventStamp { id: Uuid::new_v4(), dtm_ms: i as i64 };
            last = Some(state.track(i as i64, stamp, Payload::structured("p", "t"), Uuid::new_v4));
        }
        let last = last.unwrap();
        let mut restarted = SessionState::start(config, user(), StorageMechanism::LocalStorage, Some(*state.persisted()), PreviousRun::from_clean_marker(clean));
        let now = before as i64 + gap;
        let next = restarted.track(now, EventStamp { id: Uuid::new_v4(), dtm_ms: now }, Payload::structured("p", "t"), Uuid::new_v4);
        if next.client_session.session_id == last.client_session.session_id {
            prop_assert!(clean && config.continue_session_on_restart);
            prop_assert_eq!(next.client_session.event_index, last.client_session.event_index.map(|i| i + 1));
        }
    }
}

/// A screen step: what the app tracks about its screens, or a lifecycle flip, or a plain event.
#[derive(Debug, Clone)]
enum ScreenStep {
    /// A screen view built from these fields (ids as numbers, written as UUIDs).
    View {
        name: String,
        id: Option<u128>,
        previous_id: Option<u128>,
        /// `type`, `previousName`, `previousType`, `transitionType`.
        texts: [Option<String>; 4],
    },
    Item {
        index: i64,
        items_count: Option<i64>,
    },
    /// Offsets x and y, view width and height, content width and height.
    Scroll([Option<i64>; 6]),
    Background(bool),
    Structured,
}

/// A schema's offset (`min` -2147483647) or size (`min` 0), up to 2147483647, often at an end
/// of its range.
fn pixels(min: i64) -> impl Strategy<Value = Option<i64>> {
    const MAX: i64 = 2_147_483_647;
    prop::option::of(prop_oneof![
        2 => min..=MAX,
        1 => Just(min),
        1 => Just(MAX),
        1 => min.max(-10)..10,
    ])
}

fn screen_step() -> impl Strategy<Value = ScreenStep> {
    let text = || prop::option::of("\\PC{0,6}");
    let view = (
        "\\PC{1,6}",
        prop::option::of(any::<u128>()),
        prop::option::of(any::<u128>()),
        [text(), text(), text(), text()],
    )
        .prop_map(|(name, id, previous_id, texts)| ScreenStep::View {
            name,
            id,
            previous_id,
            texts,
        });
    let count = || prop_oneof![0i64..=65_535, Just(65_535)];
    let item = (count(), prop::option::of(count()))
        .prop_map(|(index, items_count)| ScreenStep::Item { index, items_count });
    let offset = || pixels(-2_147_483_647);
    let size = || pixels(0);
    let scroll = [offset(), offset(), size(), size(), size(), size()].prop_map(ScreenStep::Scroll);
    prop_oneof![
        3 => view,
        2 => item,
        2 => scroll,
        2 => any::<bool>().prop_map(ScreenStep::Background),
        1 => Just(ScreenStep::Structured),
    ]
}

/// The payload of a screen step, built with the core's checked builders; `None` for a lifecycle
/// flip.
fn screen_payload(step: &ScreenStep) -> Option<Payload> {
    type Setter<T, V> = fn(T, V) -> Result<T, ScreenError>;
    let payload = match step {
        ScreenStep::View {
            name,
            id,
            previous_id,
            texts,
        } => {
            let mut view = ScreenView::new(name.clone()).unwrap();
            if let Some(id) = id {
                view = view.with_id(Uuid::from_u128(*id));
            }
            if let Some(id) = previous_id {
                view = view.with_previous_id(Uuid::from_u128(*id));
            }
            let setters: [fn(ScreenView, String) -> ScreenView; 4] = [
                ScreenView::with_type,
                ScreenView::with_previous_name,
                ScreenView::with_previous_type,
                ScreenView::with_transition_type,
            ];
            for (text, set) in texts.iter().zip(setters) {
                if let Some(text) = text {
                    view = set(view, text.clone());
                }
            }
            Payload::ScreenView(view)
        }
        ScreenStep::Item { index, items_count } => {
            Payload::ListItemView(ListItemView::new(*index, *items_count).unwrap())
        }
        ScreenStep::Scroll(values) => {
            let setters: [Setter<ScrollChanged, i64>; 6] = [
                ScrollChanged::with_x_offset,
                ScrollChanged::with_y_offset,
                ScrollChanged::with_view_width,
                ScrollChanged::with_view_height,
                ScrollChanged::with_content_width,
                ScrollChanged::with_content_height,
            ];
            let mut scroll = ScrollChanged::default();
            for (value, set) in values.iter().zip(setters) {
                if let Some(value) = value {
                    scroll = set(scroll, *value).unwrap();
                }
            }
            Payload::ScrollChanged(scroll)
        }
        ScreenStep::Structured => Payload::structured("p", "t"),
        ScreenStep::Background(_) => return None,
    };
    Some(payload)
}

/// How the clock moves before a screen step: mostly seconds, sometimes back, now and then far
/// past the 2147483647 s a summary's schema allows.
fn screen_gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..100_000,
        1 => -100_000i64..0,
        1 => 0i64..i64::MAX / 64,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the app does with its screens, every event sent is valid: each one through
    /// [`validate_line`] as the scenario output writes it (its data, `screen`, `screen_summary`
    /// and `client_session`).
    #[test]
    fn every_screen_event_sent_is_valid_under_its_schemas(
        config in any_config(),
        context in any::<bool>(),
        engagement in any::<bool>(),
        steps in prop::collection::vec((screen_gap(), screen_step()), 1..60),
    ) {
        let config = Config { screen_context: context, screen_engagement: engagement, ..config };
        let mut now = 1_700_000_000_000i64;
        let mut next = 1u128;
        let mut fresh = || { next += 1; Uuid::from_u128(next << 64 | 0x4000_8000_0000_0000) };
        let session = SessionState::start(config, user(), StorageMechanism::LocalStorage, None, PreviousRun::Clean);
        let mut state = TrackerState::new(session, config);
        let mut sent = Vec::new();
        for (i, (gap, step)) in steps.iter().enumerate() {
            now = now.saturating_add(*gap);
            let stamp = EventStamp { id: fresh(), dtm_ms: now };
            match (screen_payload(step), step) {
                (Some(payload), _) => {
                    sent.extend(state.track(now, stamp, payload, &mut fresh).into_iter().map(|e| (i, e)));
                }
                (None, ScreenStep::Background(background)) => {
                    sent.extend(state.set_background(*background, now, stamp, &mut fresh).map(|e| (i, e)));
                }
                (None, other) => prop_assert!(false, "no payload for {:?}", other),
            }
        }
        for (step, event) in &sent {
            let line = serde_json::to_value(OutputLine::new(*step, 0, event)).unwrap();
            prop_assert_eq!(validate_line(&line), Ok(()), "step {}: {}", step, line);
        }
    }
}
