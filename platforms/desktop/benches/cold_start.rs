//! Cold start: open the sled data directory, restore, return the first entity (including its
//! flush to disk). `cargo bench -p client-session-desktop`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::time::{Duration, Instant};

use client_session_actor::{Event, Payload};
use client_session_desktop::{DesktopOptions, DesktopTracker};
use criterion::{criterion_group, criterion_main, Criterion};

fn cold_start(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // A database that already has a user and a session, as at an app's second launch.
    runtime.block_on(async {
        let tracker = DesktopTracker::open(DesktopOptions::at_path(dir.path()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tracker
            .handle()
            .track(Event::new(Payload::structured("setup", "t")))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tracker.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
    });
    let mut group = c.benchmark_group("cold start");
    group.sample_size(30);
    group.bench_function("open sled, restore, first entity", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                runtime.block_on(async {
                    let started = Instant::now();
                    let tracker = DesktopTracker::open(DesktopOptions::at_path(dir.path()))
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                    let event = tracker
                        .handle()
                        .track(Event::new(Payload::structured("home", "t")))
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                    total += started.elapsed();
                    assert!(event.event.is_some_and(|e| e.starts_session));
                    // Shutting down is not part of a start.
                    tracker.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
                });
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, cold_start);
criterion_main!(benches);
