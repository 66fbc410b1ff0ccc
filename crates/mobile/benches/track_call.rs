//! The cost of one `track_json` call on the caller's thread (a UI thread behind JNI or the C
//! ABI), parsing included, on a real tracker (sled in a temporary directory, its thread
//! processing meanwhile), next to its parts measured in the same run: parsing the event JSON,
//! making a UUID v4, and a bare unbounded-channel send. `cargo bench -p client-session-mobile`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;
use std::time::Duration;

use client_session_mobile::{EventInput, MobileTracker};
use criterion::{criterion_group, criterion_main, Criterion};

const EVENT: &str =
    r#"{"type":"structured","category":"shop","action":"add","label":"sku-1","value":2.5}"#;

mod support;
use support::Discard;

fn track_call(c: &mut Criterion) {
    let mut group = c.benchmark_group("caller's thread");
    group.bench_function("parse the event JSON", |b| {
        b.iter(|| black_box(EventInput::parse(black_box(EVENT)).and_then(EventInput::into_event)))
    });
    group.bench_function("uuid v4", |b| b.iter(|| black_box(uuid::Uuid::new_v4())));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<[u64; 8]>();
    // Drained on a thread of its own, as the tracker's queue is.
    let drain = std::thread::spawn(move || {
        let mut rx = rx;
        while rx.blocking_recv().is_some() {}
    });
    group.bench_function("bare unbounded channel send", |b| {
        b.iter(|| black_box(tx.send(black_box([1; 8]))))
    });
    drop(tx);
    let _ = drain.join();

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let tracker = MobileTracker::create("bench", dir.path(), "", Box::new(Discard))
        .unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("track_json (sled, library thread running)", |b| {
        b.iter(|| black_box(tracker.track_json(black_box(EVENT))))
    });
    group.finish();
    let _ = tracker.close();
    let _ = tracker.wait_closed(Duration::from_secs(60));
}

criterion_group!(benches, track_call);
criterion_main!(benches);
