//! One awaited `track` round trip through the actor (memory store), next to a bare
//! mpsc + oneshot echo, both on a current-thread runtime: no worker wake-ups, so the
//! difference is the tracker's own work per event. `cargo bench -p client-session-actor`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::sync::Arc;

use client_session_actor::{Event, Payload, SessionActor, SystemClock};
use client_session_core::Config;
use client_session_store::MemoryStorage;
use criterion::{criterion_group, criterion_main, Criterion};
use tokio::sync::{mpsc, oneshot};

fn round_trips(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("round trip, current-thread runtime");

    let (tx, mut rx) = mpsc::unbounded_channel::<(u64, oneshot::Sender<u64>)>();
    runtime.spawn(async move {
        while let Some((n, reply)) = rx.recv().await {
            let _ = reply.send(n);
        }
    });
    group.bench_function("bare mpsc + oneshot echo", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let (reply, response) = oneshot::channel();
                let _ = tx.send((1, reply));
                black_box(response.await.unwrap_or_default())
            })
        });
    });

    let handle = runtime.block_on(async {
        let store = MemoryStorage::new().store("bench");
        let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(SystemClock))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(actor.run());
        handle
    });
    group.bench_function("track (memory store)", |b| {
        b.iter(|| {
            runtime.block_on(async {
                black_box(
                    handle
                        .track(Event::new(Payload::structured("bench", "t")))
                        .await,
                )
            })
        });
    });
    group.finish();
}

criterion_group!(benches, round_trips);
criterion_main!(benches);
