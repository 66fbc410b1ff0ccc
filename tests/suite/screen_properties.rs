#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Properties of the screen rules over random sequences of screen views, list and scroll
//! events, plain events, lifecycle flips and session requests (spec A5, B "Screens", B2
//! "Screen details"), judged by the test's own bookkeeping, never by the code's state:
//! - a `screen_end` is sent exactly when a screen view follows another with engagement on,
//!   right before it, with its timestamp, the ending screen and that screen's time split by app
//!   state (the test's own account of every interval, the clock only moving forward);
//! - a view's previous fields name the screen before it, key by key;
//! - every sent event carries the current screen (context on), and nothing else carries a
//!   summary but `screen_end` and the lifecycle events;
//! - folded list and scroll events send nothing and are never counted: `eventIndex` grows by
//!   one per sent event within a session.

use client_session_core::{
    Config, EventStamp, ListItemView, Opened, Payload, PreviousRun, ScreenView, ScrollChanged,
    SessionState, StorageMechanism, TrackedEvent, TrackerState, UserId,
};
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Step {
    Screen { typed: bool, previous_name: bool },
    ListItem(u16),
    Scroll(i32, u32),
    Plain,
    Background,
    Foreground,
    NewSession,
}

fn step() -> impl Strategy<Value = (i64, Step)> {
    let op = prop_oneof![
        4 => (any::<bool>(), any::<bool>()).prop_map(|(typed, previous_name)| Step::Screen { typed, previous_name }),
        2 => any::<u16>().prop_map(Step::ListItem),
        2 => (-5_000i32..5_000, 0u32..3_000).prop_map(|(y, h)| Step::Scroll(y, h)),
        3 => Just(Step::Plain),
        1 => Just(Step::Background),
        1 => Just(Step::Foreground),
        1 => Just(Step::NewSession),
    ];
    // Forward only, sometimes past the 60 s timeout, sometimes in the same millisecond.
    let gap = prop_oneof![4 => 0i64..5_000, 1 => 55_000i64..65_000, 1 => Just(0i64)];
    (gap, op)
}

/// The test's account of the current screen: its id, name, type, and the milliseconds spent
/// on it in each app state.
#[derive(Debug, Clone)]
struct Shown {
    id: Uuid,
    name: String,
    screen_type: Option<String>,
    foreground_ms: u64,
    background_ms: u64,
}

const T0: i64 = 1_700_000_000_000;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn screens_follow_the_rules(
        engagement in any::<bool>(),
        context in any::<bool>(),
        lifecycle in any::<bool>(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let config = Config {
            foreground_timeout: client_session_core::Timeout::from_secs(60),
            background_timeout: client_session_core::Timeout::from_secs(60),
            lifecycle_events: lifecycle,
            screen_context: context,
            screen_engagement: engagement,
            ..Config::default()
        };
        let opened = Opened {
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            state: None,
            previous_run: PreviousRun::Clean,
        };
        let mut next_id = 1_000u128;
        let mut fresh = move || { next_id += 1; Uuid::from_u128(next_id) };
        let mut state: TrackerState<SessionState> =
            TrackerState::start(config, StorageMechanism::LocalStorage, opened, T0, &mut fresh);
        let mut now = T0;
        let mut shown: Option<Shown> = None;
        let mut in_background = false;
        let mut last_session: Option<(Uuid, u32)> = None;
        for (n, (gap, step)) in steps.into_iter().enumerate() {
            // The time since the last step, in the state the app was in during it.
            if let Some(shown) = shown.as_mut() {
                let elapsed = u64::try_from(gap).unwrap();
                if in_background { shown.background_ms += elapsed } else { shown.foreground_ms += elapsed }
            }
            now += gap;
            let stamp = EventStamp { id: fresh(), dtm_ms: now };
            let mut sent: Vec<TrackedEvent> = Vec::new();
            match &step {
                Step::Screen { typed, previous_name } => {
                    let mut view = ScreenView::new(format!("s{n}")).unwrap();
                    if *typed { view = view.with_type(format!("t{n}")); }
                    if *previous_name { view = view.with_previous_name("given"); }
                    let tracked = state.track(now, stamp, Payload::ScreenView(view), &mut fresh);
                    let ending = shown.take();
                    match (&tracked.screen_end, &ending) {
                        (Some(end), Some(ended)) => {
                            prop_assert!(engagement, "a screen_end with engagement off");
                            prop_assert_eq!(end.stamp.dtm_ms, now);
                            prop_assert_eq!(end.payload.name(), "screen_end");
                            let summary = end.screen_summary.unwrap();
                            prop_assert_eq!(
                                (summary.foreground_ms(), summary.background_ms()),
                                (ended.foreground_ms, ended.background_ms)
                            );
                            match &end.screen {
                                Some(screen) => {
                                    prop_assert!(context);
                                    prop_assert_eq!(screen.id, ended.id);
                                }
                                None => prop_assert!(!context),
                            }
                        }
                        (None, Some(_)) => prop_assert!(!engagement, "no screen_end with engagement on"),
                        (Some(_), None) => prop_assert!(false, "a screen_end with no current screen"),
                        (None, None) => {}
                    }
                    let event = tracked.event.clone().unwrap();
                    let Payload::ScreenView(view) = &event.payload else { panic!("{:?}", event.payload) };
                    let id = view.id().unwrap();
                    match &ending {
                        Some(ended) => {
                            let expected_name = if *previous_name { "given" } else { ended.name.as_str() };
                            prop_assert_eq!(view.previous_name(), Some(expected_name));
                            prop_assert_eq!(view.previous_id(), Some(ended.id));
                            prop_assert_eq!(view.previous_type(), ended.screen_type.as_deref());
                        }
                        None => {
                            prop_assert_eq!(view.previous_id(), None);
                            prop_assert_eq!(view.previous_type(), None);
                            prop_assert_eq!(view.previous_name(), previous_name.then_some("given"));
                        }
                    }
                    shown = Some(Shown {
                        id,
                        name: view.name().to_owned(),
                        screen_type: view.screen_type().map(str::to_owned),
                        foreground_ms: 0,
                        background_ms: 0,
                    });
                    sent.extend(tracked);
                }
                Step::ListItem(index) => {
                    let item = ListItemView::new(i64::from(*index), None).unwrap();
                    let tracked = state.track(now, stamp, Payload::ListItemView(item), &mut fresh);
                    prop_assert_eq!(tracked.iter().count(), usize::from(!engagement));
                    sent.extend(tracked);
                }
                Step::Scroll(y, height) => {
                    let scroll = ScrollChanged::default()
                        .with_y_offset(i64::from(*y)).unwrap()
                        .with_view_height(i64::from(*height)).unwrap();
                    let tracked = state.track(now, stamp, Payload::ScrollChanged(scroll), &mut fresh);
                    prop_assert_eq!(tracked.iter().count(), usize::from(!engagement));
                    sent.extend(tracked);
                }
                Step::Plain => {
                    let tracked = state.track(now, stamp, Payload::structured("c", "a"), &mut fresh);
                    prop_assert!(tracked.screen_end.is_none());
                    sent.extend(tracked);
                }
                Step::Background | Step::Foreground => {
                    let to_background = matches!(step, Step::Background);
                    let event = state.set_background(to_background, now, stamp, &mut fresh);
                    let flipped = to_background != in_background;
                    prop_assert_eq!(event.is_some(), flipped && lifecycle);
                    if let Some(event) = &event {
                        match (&event.screen_summary, &shown) {
                            (Some(summary), Some(shown)) => {
                                prop_assert!(engagement);
                                prop_assert_eq!(
                                    (summary.foreground_ms(), summary.background_ms()),
                                    (shown.foreground_ms, shown.background_ms)
                                );
                            }
                            (None, Some(_)) => prop_assert!(!engagement),
                            (Some(_), None) => prop_assert!(false, "a summary with no screen"),
                            (None, None) => {}
                        }
                    }
                    in_background = to_background;
                    sent.extend(event);
                }
                Step::NewSession => state.session_mut().request_new_session(),
            }
            for event in &sent {
                // The current screen on every sent event (a screen_end's is the ending one,
                // checked above).
                if event.payload.name() != "screen_end" {
                    let expected = shown.as_ref().filter(|_| context).map(|s| s.id);
                    prop_assert_eq!(event.screen.as_ref().map(|s| s.id), expected);
                    let lifecycle_event = matches!(event.payload, Payload::ApplicationBackground { .. } | Payload::ApplicationForeground { .. });
                    if !lifecycle_event {
                        prop_assert!(event.screen_summary.is_none());
                    }
                }
                // One more per sent event within a session; a new session starts at 1.
                let cs = &event.client_session;
                let index = cs.event_index.unwrap();
                match last_session {
                    Some((session, last)) if session == cs.session_id => prop_assert_eq!(index, last + 1),
                    _ => prop_assert_eq!(index, 1),
                }
                last_session = Some((cs.session_id, index));
            }
        }
    }
}
