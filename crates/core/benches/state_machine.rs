//! The state machine alone: one event's session decision and entity, and serialising an
//! event's contexts. `cargo bench -p client-session-core`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use client_session_core::{
    Config, EventStamp, Payload, PersistedSession, PreviousRun, SessionRecord, SessionState,
    StorageMechanism, UserId,
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

fn ids(c: &mut Criterion) {
    // What a session id or event id costs (uuid's fast-rng), for comparison with the above.
    c.bench_function("Uuid::new_v4", |b| b.iter(|| black_box(Uuid::new_v4())));
}

criterion_group!(benches, transition, contexts, ids);
criterion_main!(benches);
