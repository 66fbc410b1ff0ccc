//! The state machine alone: one event's session decision and entity, the screen machine's
//! step, and serialising an event's contexts. `cargo bench -p client-session-core`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use client_session_core::{
    Config, EventStamp, ListItemView, Payload, PersistedSession, PreviousRun, ScreenConfig,
    ScreenState, ScreenView, ScrollChanged, SessionRecord, SessionState, StorageMechanism,
    TrackerState, UserId,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;

/// A tracker whose session already has `events` events.
fn state_at(events: u32) -> SessionState {
    let stored = PersistedSession {
        session: Some(SessionRecord {
            session_id: Uuid::from_u128(1),
            session_index: 3,
            previous_session_id: Some(Uuid::from_u128(2)),
            first_event_id: Uuid::from_u128(3),
            first_event_timestamp_ms: T0,
            event_index: events,
            last_update_ms: T0,
        }),
        ..PersistedSession::default()
    };
    let config = Config {
        continue_session_on_restart: true,
        ..Config::default()
    };
    SessionState::start(
        config,
        UserId::from_uuid(Uuid::from_u128(4)),
        StorageMechanism::LocalStorage,
        Some(stored),
        PreviousRun::Clean,
    )
}

fn transition(c: &mut Criterion) {
    let mut group = c.benchmark_group("transition");
    // Cost per event does not depend on how many events the session already has.
    for events in [1u32, 1_000, 1_000_000] {
        group.bench_function(format!("track, session at event {events}"), |b| {
            b.iter_batched_ref(
                || state_at(events),
                |state| {
                    let stamp = EventStamp {
                        id: Uuid::from_u128(9),
                        dtm_ms: T0,
                    };
                    black_box(state.track(
                        black_box(T0 + 1),
                        stamp,
                        Payload::ApplicationForeground {
                            foreground_index: 1,
                        },
                        || Uuid::from_u128(10),
                    ))
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.bench_function("track starting a new session", |b| {
        b.iter_batched_ref(
            || {
                let mut state = state_at(5);
                state.request_new_session();
                state
            },
            |state| {
                let stamp = EventStamp {
                    id: Uuid::from_u128(9),
                    dtm_ms: T0,
                };
                black_box(state.track(
                    T0 + 1,
                    stamp,
                    Payload::ApplicationForeground {
                        foreground_index: 1,
                    },
                    || Uuid::from_u128(10),
                ))
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn contexts(c: &mut Criterion) {
    let mut state = state_at(41);
    let stamp = EventStamp {
        id: Uuid::from_u128(9),
        dtm_ms: T0,
    };
    let event = state.track(T0, stamp, Payload::structured("ui", "click"), || {
        Uuid::from_u128(10)
    });
    let mut buffer = Vec::with_capacity(1024);
    c.bench_function("serialise contexts (client_session + lifecycle)", |b| {
        b.iter(|| {
            buffer.clear();
            serde_json::to_writer(&mut buffer, &black_box(&event).contexts()).unwrap_or_default();
            black_box(buffer.len())
        });
    });
    c.bench_function("serialise contexts into a new String", |b| {
        b.iter(|| {
            black_box(serde_json::to_string(&black_box(&event).contexts()).unwrap_or_default())
        });
    });
}

/// The screen machine's step per event (issue 11 target: under 50 ns), next to the session
/// decision above: a screen view replacing the current screen (its previous fields, the
/// summary brought up to date for the `screen_end`, the new current screen), a list item
/// folded into the summary, and the entity a plain event takes.
fn screens(c: &mut Criterion) {
    let mut group = c.benchmark_group("screen step");
    let config = ScreenConfig {
        context: true,
        engagement: true,
    };
    let mut shown = ScreenState::new(config);
    let mut first = screen_view("home");
    shown.view(&mut first, false, T0, || Uuid::from_u128(1));
    let next = screen_view("detail");
    group.bench_function("screen view replacing the current screen", |b| {
        b.iter_batched_ref(
            || (shown.clone(), next.clone()),
            |(state, view)| {
                black_box(state.view(view, false, black_box(T0 + 5_000), || Uuid::from_u128(2)))
            },
            BatchSize::SmallInput,
        );
    });
    let item = ListItemView::new(12, Some(40)).unwrap_or_default();
    group.bench_function("list item folded into the summary", |b| {
        b.iter(|| black_box(shown.list_item(black_box(item))));
    });
    group.bench_function("screen entity for a plain event", |b| {
        b.iter(|| black_box(black_box(&shown).entity()));
    });
    group.finish();
}

fn screen_view(name: &str) -> ScreenView {
    match ScreenView::new(name) {
        Ok(view) => view.with_type("feed"),
        Err(e) => panic!("{e}"),
    }
}

/// Serialising the contexts of the fullest event (issue 11 target: under 1.5 µs): a
/// `screen_end` with client_session, the lifecycle entity, the screen and a summary holding
/// every list and scroll key.
fn screen_contexts(c: &mut Criterion) {
    let mut tracker = TrackerState::new(state_at(41), Config::default());
    let stamp = |n: u128| EventStamp {
        id: Uuid::from_u128(n),
        dtm_ms: T0,
    };
    let _ = tracker.track(
        T0,
        stamp(1),
        Payload::ScreenView(screen_view("home")),
        || Uuid::from_u128(2),
    );
    let _ = tracker.track(
        T0 + 10,
        stamp(3),
        Payload::ListItemView(ListItemView::new(12, Some(40)).unwrap_or_default()),
        || Uuid::from_u128(4),
    );
    let scroll = ScrollChanged::default()
        .with_x_offset(0)
        .and_then(|s| s.with_y_offset(1_200))
        .and_then(|s| s.with_view_width(400))
        .and_then(|s| s.with_view_height(800))
        .and_then(|s| s.with_content_width(400))
        .and_then(|s| s.with_content_height(9_000))
        .unwrap_or_default();
    let _ = tracker.track(T0 + 20, stamp(5), Payload::ScrollChanged(scroll), || {
        Uuid::from_u128(6)
    });
    let tracked = tracker.track(
        T0 + 65_432,
        stamp(7),
        Payload::ScreenView(screen_view("detail")),
        || Uuid::from_u128(8),
    );
    let Some(end) = tracked.screen_end else {
        panic!("a second screen view ends the first")
    };
    let mut buffer = Vec::with_capacity(2048);
    c.bench_function(
        "serialise contexts (client_session + lifecycle + screen + screen_summary)",
        |b| {
            b.iter(|| {
                buffer.clear();
                serde_json::to_writer(&mut buffer, &black_box(&end).contexts()).unwrap_or_default();
                black_box(buffer.len())
            });
        },
    );
}

fn ids(c: &mut Criterion) {
    // What a session id or event id costs (uuid's fast-rng), for comparison with the above.
    c.bench_function("Uuid::new_v4", |b| b.iter(|| black_box(Uuid::new_v4())));
}

criterion_group!(benches, transition, contexts, screens, screen_contexts, ids);
criterion_main!(benches);
