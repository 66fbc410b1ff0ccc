//! `track_nowait` of a screen view, which the tracker turns into two events (the `screen_end`
//! of the screen it replaces, then the view), next to a plain event measured in the same run
//! (issue 11's target: under 2x). Memory store, current-thread runtime, a sink that counts.
//! Two figures per kind: the caller's side alone (stamp and queue, what a UI thread pays), and
//! the whole of it (the calls, then the actor deciding, persisting and delivering every event).
//! `cargo bench -p client-session-actor --bench screen_view`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use client_session_actor::{Event, Payload, ScreenView, SessionActor, SessionHandle, SystemClock};
use client_session_core::{Config, TrackedEvent};
use client_session_store::MemoryStorage;
use criterion::{criterion_group, criterion_main, Criterion};
use tokio::runtime::Runtime;

/// Calls per measured batch: enough that the flush at its end is a small share.
const BATCH: u32 = 100;

fn start(runtime: &Runtime) -> (SessionHandle, Arc<AtomicU64>) {
    let delivered = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&delivered);
    let handle = runtime.block_on(async {
        let store = MemoryStorage::new().store("bench");
        let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(SystemClock))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let actor = actor.with_sink(move |_: &TrackedEvent| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        // A current-thread runtime: the actor runs only inside `block_on`, as a binding's
        // library thread runs it, so the caller-side figure has no processing in it.
        tokio::spawn(actor.run());
        handle
    });
    (handle, delivered)
}

fn plain() -> Event {
    Event::new(Payload::structured("bench", "tap"))
}

fn screen(n: u32) -> Event {
    let name = if n.is_multiple_of(2) {
        "home"
    } else {
        "detail"
    };
    match ScreenView::new(name) {
        Ok(view) => Event::new(Payload::ScreenView(view.with_type("feed"))),
        Err(e) => panic!("{e}"),
    }
}

/// Times `BATCH` calls of `event` per iteration: the calls alone when `whole` is false (the
/// processing then happens untimed), or the calls and the flush that processes them.
fn measure(
    runtime: &Runtime,
    handle: &SessionHandle,
    event: fn(u32) -> Event,
    whole: bool,
    iters: u64,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let started = Instant::now();
        for n in 0..BATCH {
            black_box(
                handle
                    .track_nowait(event(n))
                    .unwrap_or_else(|e| panic!("{e}")),
            );
        }
        if !whole {
            total += started.elapsed();
        }
        runtime
            .block_on(handle.flush())
            .unwrap_or_else(|e| panic!("{e}"));
        if whole {
            total += started.elapsed();
        }
    }
    total
}

fn track_nowait(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (handle, delivered) = start(&runtime);
    let mut group = c.benchmark_group(format!("track_nowait, batches of {BATCH}"));
    for (name, event) in [
        ("plain event", (|_| plain()) as fn(u32) -> Event),
        ("screen view (two events)", screen as fn(u32) -> Event),
    ] {
        for whole in [false, true] {
            let what = if whole {
                "calls + processing"
            } else {
                "caller side"
            };
            group.bench_function(format!("{name}: {what}"), |b| {
                b.iter_custom(|iters| measure(&runtime, &handle, event, whole, iters));
            });
        }
    }
    group.finish();
    // Each screen view after the first is two events: the sink saw them.
    black_box(delivered.load(Ordering::Relaxed));
}

criterion_group!(benches, track_nowait);
criterion_main!(benches);
