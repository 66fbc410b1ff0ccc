//! The sled store: a save per batch, with and without flush, and with many namespaces in one
//! database. `cargo bench -p client-session-store-sled`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use client_session_core::{PersistedSession, SessionRecord};
use client_session_store::{Durability, SessionStore};
use client_session_store_sled::SledDatabase;
use criterion::{criterion_group, criterion_main, Criterion};
use uuid::Uuid;

fn state(event_index: u32) -> PersistedSession {
    PersistedSession {
        session: Some(SessionRecord {
            session_id: Uuid::from_u128(1),
            session_index: 3,
            previous_session_id: Some(Uuid::from_u128(2)),
            first_event_id: Uuid::from_u128(3),
            first_event_timestamp_ms: 1_700_000_000_000,
            event_index,
            last_update_ms: 1_700_000_000_000,
        }),
        ..PersistedSession::default()
    }
}

fn saves(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("sled save");
    // Namespaces sharing one database: the cost of a save as the tree grows.
    for namespaces in [1usize, 10, 100, 1000] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = SledDatabase::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let mut stores: Vec<_> = (0..namespaces)
            .map(|i| db.store(&format!("ns{i}")))
            .collect();
        runtime.block_on(async {
            for store in &mut stores {
                store.open(0).await.unwrap_or_else(|e| panic!("{e}"));
                store
                    .save(&state(1), 0, Durability::Buffered)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        });
        let store = &mut stores[0];
        let mut n = 0;
        group.bench_function(format!("save, {namespaces} namespaces"), |b| {
            b.iter(|| {
                n += 1;
                runtime
                    .block_on(store.save(black_box(&state(n)), 0, Durability::Buffered))
                    .unwrap_or_else(|e| panic!("{e}"));
            });
        });
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = SledDatabase::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let mut store = db.store("default");
    runtime
        .block_on(store.open(0))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    group.bench_function("save with flush (a new session's first event)", |b| {
        b.iter(|| {
            n += 1;
            runtime
                .block_on(store.save(black_box(&state(n)), 0, Durability::Durable))
                .unwrap_or_else(|e| panic!("{e}"));
        });
    });
    group.finish();
}

criterion_group!(benches, saves);
criterion_main!(benches);
