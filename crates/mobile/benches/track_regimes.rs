//! The cost of one `track_json` call on the caller's thread in the two regimes the bindings'
//! benchmarks measure (`cargo xtask c-bench`, `cargo xtask jvm-bench`), at the Rust level, with
//! the same method, so the three can be read side by side (docs/BENCHMARKS.md, issue 9):
//!
//! - burst: calls back to back, rounds taking turns with a bare unbounded-channel send (the
//!   queue's own cost); the best and the median round reported;
//! - sparse: one call every 200 µs, the caller spinning in between, so the library's thread is
//!   parked when the call comes; each call timed alone, the median and the 99th percentile
//!   reported, next to two bare wake-ups of a parked thread in the same run: a tokio unbounded
//!   send to a thread blocked on the receiver (the mechanism of the tracker's queue) and a
//!   `Condvar` notify to a waiting thread (what the C benchmark uses).
//!
//! `cargo bench -p client-session-mobile --bench track_regimes`. Prints the figures; asserts
//! nothing (speed is never asserted). `track_call` is the criterion benchmark of the parts.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use client_session_mobile::MobileTracker;

const SCREEN: &str = r#"{"type":"screen_view","name":"home"}"#;
const STRUCTURED: &str =
    r#"{"type":"structured","category":"shop","action":"add","label":"sku-1","value":2.5}"#;
const WARMUP: usize = 50_000;
const ROUNDS: usize = 5;
const BURST_CALLS: usize = 200_000;
const SPARSE_CALLS: usize = 10_000;
const GAP: Duration = Duration::from_micros(200);
const WAIT: Duration = Duration::from_secs(120);

mod support;
use support::Discard;

/// One thing timed: its name, and whether it tracks (the tracker is flushed after its rounds).
struct Kind<'a> {
    name: &'static str,
    call: Box<dyn FnMut() + 'a>,
    tracks: bool,
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let dir = tempfile::tempdir().unwrap();
    let tracker = MobileTracker::create("bench", dir.path(), "", Box::new(Discard)).unwrap();
    let track = |json: &'static str| {
        let tracker = &tracker;
        move || {
            black_box(tracker.track_json(black_box(json)).unwrap());
        }
    };

    // The bare queue: the tracker's queue is a tokio unbounded channel drained by its thread.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<[u64; 8]>();
    let drain = std::thread::spawn(move || {
        let mut rx = rx;
        while rx.blocking_recv().is_some() {}
    });
    let condvar = Arc::new((Mutex::new((0_u64, false)), Condvar::new()));
    let waiter = {
        let condvar = Arc::clone(&condvar);
        std::thread::spawn(move || {
            let (lock, changed) = &*condvar;
            let mut state = lock.lock().unwrap();
            let mut seen = state.0;
            while !state.1 {
                state = changed.wait_while(state, |s| s.0 == seen && !s.1).unwrap();
                seen = state.0;
            }
        })
    };
    let notify = || {
        let (lock, changed) = &*condvar;
        lock.lock().unwrap().0 += 1;
        changed.notify_one();
    };

    let warm = (track(SCREEN), track(STRUCTURED));
    for _ in 0..WARMUP {
        warm.0();
        warm.1();
        tx.send(black_box([1; 8])).unwrap();
        notify();
    }
    tracker.flush(WAIT).unwrap();

    let mut burst_kinds = vec![
        Kind {
            name: "bare unbounded channel send",
            call: Box::new(|| tx.send(black_box([1; 8])).unwrap()),
            tracks: false,
        },
        Kind {
            name: "track_json, screen_view",
            call: Box::new(track(SCREEN)),
            tracks: true,
        },
        Kind {
            name: "track_json, structured",
            call: Box::new(track(STRUCTURED)),
            tracks: true,
        },
    ];
    burst(&tracker, &mut burst_kinds);
    drop(burst_kinds);

    let mut sparse_kinds = vec![
        Kind {
            name: "nothing (the two clock reads)",
            call: Box::new(|| {}),
            tracks: false,
        },
        Kind {
            name: "tokio send to a parked receiver",
            call: Box::new(|| tx.send(black_box([1; 8])).unwrap()),
            tracks: false,
        },
        Kind {
            name: "condvar notify to a parked thread",
            call: Box::new(notify),
            tracks: false,
        },
        Kind {
            name: "track_json, screen_view",
            call: Box::new(track(SCREEN)),
            tracks: true,
        },
        Kind {
            name: "track_json, structured",
            call: Box::new(track(STRUCTURED)),
            tracks: true,
        },
    ];
    sparse(&mut sparse_kinds);
    drop(sparse_kinds);

    drop(tx);
    drain.join().unwrap();
    {
        let (lock, changed) = &*condvar;
        lock.lock().unwrap().1 = true;
        changed.notify_one();
    }
    waiter.join().unwrap();
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

fn burst(tracker: &MobileTracker, kinds: &mut [Kind<'_>]) {
    let mut per_call = vec![Vec::with_capacity(ROUNDS); kinds.len()];
    for _ in 0..ROUNDS {
        for (kind, times) in kinds.iter_mut().zip(&mut per_call) {
            let start = Instant::now();
            for _ in 0..BURST_CALLS {
                (kind.call)();
            }
            times.push(start.elapsed().as_secs_f64() * 1e9 / BURST_CALLS as f64);
            if kind.tracks {
                // The next round starts with the library's thread idle, as the first did.
                tracker.flush(WAIT).unwrap();
            }
        }
    }
    println!(
        "burst: calls back to back, {ROUNDS} rounds of {BURST_CALLS} calls each, ns per call \
         (best round, median round; ratio of the best to the bare send's best)"
    );
    let mut baseline = 0.0;
    for (i, (kind, times)) in kinds.iter().zip(&mut per_call).enumerate() {
        times.sort_by(f64::total_cmp);
        let best = times[0];
        print!("  {:<40} {best:9.1} {:9.1}", kind.name, times[ROUNDS / 2]);
        if i == 0 {
            baseline = best;
        } else {
            print!("   {:7.1}x", best / baseline);
        }
        println!();
    }
}

fn sparse(kinds: &mut [Kind<'_>]) {
    let mut times = vec![Vec::with_capacity(SPARSE_CALLS); kinds.len()];
    let mut next = Instant::now() + GAP;
    for _ in 0..SPARSE_CALLS {
        for (kind, times) in kinds.iter_mut().zip(&mut times) {
            while Instant::now() < next {
                std::hint::spin_loop();
            }
            let start = Instant::now();
            (kind.call)();
            let end = Instant::now();
            times.push(end - start);
            next = end + GAP;
        }
    }
    println!(
        "sparse: one call every {} us (the caller spinning in between), {SPARSE_CALLS} calls \
         each, each timed alone, ns per call (median, 99th percentile; ratio of the median to \
         the tokio send's)",
        GAP.as_micros()
    );
    let mut baseline = None;
    for (kind, times) in kinds.iter().zip(&mut times) {
        times.sort();
        let median = times[SPARSE_CALLS / 2].as_nanos();
        let p99 = times[SPARSE_CALLS * 99 / 100].as_nanos();
        print!("  {:<40} {median:9} {p99:9}", kind.name);
        if kind.name.starts_with("tokio") {
            baseline = Some(median);
        }
        if let (true, Some(baseline)) = (kind.tracks, baseline) {
            print!("   {:7.2}x", median as f64 / baseline as f64);
        }
        println!();
    }
}
