#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Concurrent use and shutdown under load, on the memory store and on the sled store: many
//! handles tracking at once on a 2-worker runtime (and threads outside it tracking without
//! waiting) get unique, gapless event indexes in one session whose count is the number of
//! events tracked; a shutdown in the middle of it keeps every event whose `track` returned `Ok`,
//! refuses every later call at once, and leaves the clean marker set; and a steady stream of
//! events does not hold back the replies to the events before it.

use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};

use client_session_actor::{
    Clock, Error, Event, ManualClock, SessionActor, SessionHandle, TrackedEvent,
};
use client_session_core::{Config, Payload, PersistedSession, PreviousRun};
use client_session_store::{MemoryStorage, SessionStore};
use client_session_store_sled::SledDatabase;
use tokio::task::JoinHandle;
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;
const HANDLES: usize = 8;

fn screen() -> Event {
    Event::new(Payload::structured("home", "t"))
}

/// A clock that never moves: with the default configuration every event is in one session.
async fn start_on<S: SessionStore>(
    store: S,
    sink: Option<tokio::sync::mpsc::UnboundedSender<TrackedEvent>>,
) -> (SessionHandle, JoinHandle<()>) {
    let clock = ManualClock::new(T0);
    let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(clock))
        .await
        .unwrap();
    let actor = match sink {
        Some(sink) => actor.with_sink(sink),
        None => actor,
    };
    (handle, tokio::spawn(actor.run()))
}

/// Polls `future` once: `Ready` means it finished without waiting for anything.
fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let mut future = pin!(future);
    future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
}

/// Checks that `seen` event indexes (all of one session) are exactly `1..=n`.
fn assert_unique_and_gapless(seen: &[u32], n: usize) {
    let mut marks = vec![false; n + 1];
    for &index in seen {
        let index = index as usize;
        assert!(
            (1..=n).contains(&index),
            "eventIndex {index} outside 1..={n}"
        );
        assert!(!marks[index], "eventIndex {index} handed out twice");
        marks[index] = true;
    }
    assert_eq!(seen.len(), n, "one index per event");
}

/// `HANDLES` tasks on clones of `handle`, each awaiting `per_handle` tracks. Checks what they
/// got back and returns the session id.
async fn track_from_every_handle(handle: &SessionHandle, per_handle: u32) -> Uuid {
    let tasks: Vec<JoinHandle<Vec<(Uuid, u32)>>> = (0..HANDLES)
        .map(|_| {
            let h = handle.clone();
            tokio::spawn(async move {
                let mut got = Vec::with_capacity(per_handle as usize);
                for _ in 0..per_handle {
                    let e = h.track(screen()).await.unwrap().event.unwrap();
                    got.push((
                        e.client_session.session_id,
                        e.client_session.event_index.unwrap(),
                    ));
                }
                got
            })
        })
        .collect();
    let mut session = None;
    let mut all = Vec::with_capacity(HANDLES * per_handle as usize);
    for task in tasks {
        let got = task.await.unwrap();
        // One caller's events are processed in the order it tracked them.
        assert!(
            got.windows(2).all(|w| w[0].1 < w[1].1),
            "one handle's indexes rise"
        );
        for (id, index) in got {
            assert_eq!(
                *session.get_or_insert(id),
                id,
                "one session: the clock never moves"
            );
            all.push(index);
        }
    }
    assert_unique_and_gapless(&all, HANDLES * per_handle as usize);
    let snapshot = handle.snapshot().await.unwrap().session.unwrap();
    assert_eq!(snapshot.event_index, Some(HANDLES as u32 * per_handle));
    session.unwrap()
}

async fn concurrent_on_memory(per_handle: u32) {
    let storage = MemoryStorage::new();
    let (handle, task) = start_on(storage.store("ns"), None).await;
    let session = track_from_every_handle(&handle, per_handle).await;
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let stored = storage.stored("ns").unwrap().session.unwrap();
    assert_eq!(stored.session_id, session);
    assert_eq!(stored.session_index, 1);
    assert_eq!(stored.event_index, HANDLES as u32 * per_handle);
}

/// Reopens a sled data directory as the next process would: the stored state and the marker.
async fn reopen(dir: &Path) -> (Option<PersistedSession>, bool) {
    let db = SledDatabase::open(dir).unwrap();
    let opened = db.store("default").open(0).await.unwrap();
    (opened.state, opened.previous_run == PreviousRun::Clean)
}

async fn concurrent_on_sled(per_handle: u32) {
    let dir = tempfile::tempdir().unwrap();
    let db = SledDatabase::open(dir.path()).unwrap();
    let (handle, task) = start_on(db.store("default"), None).await;
    drop(db);
    let session = track_from_every_handle(&handle, per_handle).await;
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let (state, clean) = reopen(dir.path()).await;
    let stored = state.unwrap().session.unwrap();
    assert!(clean);
    assert_eq!(stored.session_id, session);
    assert_eq!(stored.event_index, HANDLES as u32 * per_handle);
}

/// 800,000 events through one actor: about 3 s in debug on 2 cores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_handles_tracking_100_000_events_each_on_the_memory_store() {
    concurrent_on_memory(100_000).await;
}

/// 800,000 events through one actor, a sled write per batch: about 10 s in debug on 2 cores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_handles_tracking_100_000_events_each_on_the_sled_store() {
    concurrent_on_sled(100_000).await;
}

/// Threads outside the runtime tracking without waiting: every event reaches the sink once,
/// in processing order (indexes rise), and each thread's events in the order it tracked them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_tracking_without_waiting_reach_the_sink_in_order() {
    const PER_THREAD: usize = 10_000;
    let (sink, mut events) = tokio::sync::mpsc::unbounded_channel();
    let storage = MemoryStorage::new();
    let (handle, task) = start_on(storage.store("ns"), Some(sink)).await;
    let threads: Vec<_> = (0..HANDLES)
        .map(|_| {
            let h = handle.clone();
            std::thread::spawn(move || {
                (0..PER_THREAD)
                    .map(|_| h.track_nowait(screen()).unwrap().id)
                    .collect::<Vec<Uuid>>()
            })
        })
        .collect();
    let sent: Vec<Vec<Uuid>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let mut delivered = Vec::new();
    while let Some(e) = events.recv().await {
        delivered.push(e);
    }
    assert_eq!(delivered.len(), HANDLES * PER_THREAD);
    let indexes: Vec<u32> = delivered
        .iter()
        .map(|e| e.client_session.event_index.unwrap())
        .collect();
    assert!(
        indexes.windows(2).all(|w| w[0] < w[1]),
        "the sink sees processing order"
    );
    assert_unique_and_gapless(&indexes, HANDLES * PER_THREAD);
    let position: std::collections::HashMap<Uuid, usize> = delivered
        .iter()
        .enumerate()
        .map(|(i, e)| (e.stamp.id, i))
        .collect();
    for ids in sent {
        let at: Vec<usize> = ids.iter().map(|id| position[id]).collect();
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "one thread's events stay in order"
        );
    }
    let stored = storage.stored("ns").unwrap().session.unwrap();
    assert_eq!(stored.event_index as usize, HANDLES * PER_THREAD);
}

/// What one caller saw before the shutdown stopped it.
#[derive(Debug, Default)]
struct Caller {
    /// Event indexes of the calls that returned `Ok` (lifecycle calls that emitted included).
    ok: Vec<u32>,
    /// Whether the caller was stopped by `Error::ShutDown` (and not by running out of work).
    refused: bool,
}

/// Several tasks (one of them moving the app between foreground and background) and threads
/// outside the runtime tracking without waiting, all on the sled store; `shutdown()` in the
/// middle of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_under_load_on_sled_keeps_every_ok_event_and_refuses_the_rest() {
    const LIMIT: usize = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let db = SledDatabase::open(dir.path()).unwrap();
    let (sink, mut sunk) = tokio::sync::mpsc::unbounded_channel();
    let (handle, task) = start_on(db.store("default"), Some(sink)).await;
    drop(db);
    let tasks: Vec<JoinHandle<Caller>> = (0..6)
        .map(|n| {
            let h = handle.clone();
            tokio::spawn(async move {
                let mut caller = Caller::default();
                for i in 0..LIMIT {
                    let result = if n == 0 && i % 2 == 0 {
                        h.background().await
                    } else if n == 0 {
                        h.foreground().await
                    } else {
                        h.track(screen()).await.map(|t| t.event)
                    };
                    match result {
                        Ok(emitted) => caller
                            .ok
                            .extend(emitted.and_then(|e| e.client_session.event_index)),
                        Err(Error::ShutDown) => {
                            caller.refused = true;
                            break;
                        }
                        Err(e) => panic!("only ShutDown may refuse a call: {e}"),
                    }
                }
                caller
            })
        })
        .collect();
    let threads: Vec<std::thread::JoinHandle<(usize, bool)>> = (0..2)
        .map(|_| {
            let h = handle.clone();
            std::thread::spawn(move || {
                for i in 0..LIMIT {
                    match h.track_nowait(screen()) {
                        Ok(_) => {}
                        Err(Error::ShutDown) => return (i, true),
                        Err(e) => panic!("only ShutDown may refuse a call: {e}"),
                    }
                    if i % 64 == 0 {
                        std::thread::yield_now();
                    }
                }
                (LIMIT, false)
            })
        })
        .collect();
    // Shut down mid-stream: once some events are in, while the callers are still going.
    let mut seen = 0;
    while seen < 2_000 {
        seen = handle
            .snapshot()
            .await
            .unwrap()
            .session
            .and_then(|s| s.event_index)
            .unwrap_or(0);
        tokio::task::yield_now().await;
    }
    handle.shutdown().await.unwrap();
    // Every later call fails at once, on every clone, without waiting for anything.
    for h in [&handle, &handle.clone()] {
        assert!(matches!(
            poll_once(h.track(screen())),
            Poll::Ready(Err(Error::ShutDown))
        ));
        assert!(matches!(
            poll_once(h.background()),
            Poll::Ready(Err(Error::ShutDown))
        ));
        assert!(matches!(
            poll_once(h.snapshot()),
            Poll::Ready(Err(Error::ShutDown))
        ));
        assert!(matches!(
            poll_once(h.shutdown()),
            Poll::Ready(Err(Error::ShutDown))
        ));
        assert!(matches!(h.track_nowait(screen()), Err(Error::ShutDown)));
    }
    let mut ok: Vec<u32> = Vec::new();
    for t in tasks {
        let caller = t.await.unwrap();
        assert!(
            caller.refused,
            "the shutdown came mid-stream, so every task was refused"
        );
        ok.extend(caller.ok);
    }
    let mut queued = 0;
    for t in threads {
        let (sent, refused) = t.join().unwrap();
        assert!(
            refused,
            "the shutdown came mid-stream, so every thread was refused"
        );
        queued += sent;
    }
    task.await.unwrap();
    let mut delivered = Vec::new();
    while let Some(e) = sunk.recv().await {
        delivered.push(e.client_session.event_index.unwrap());
    }
    let total = ok.len() + queued;
    // The sink saw every event once: the awaited ones and the queued ones, all of them.
    assert_eq!(
        delivered.len(),
        total,
        "{} awaited Ok, {queued} queued",
        ok.len()
    );
    assert_unique_and_gapless(&delivered, total);
    let (state, clean) = reopen(dir.path()).await;
    assert!(clean, "shutdown sets the clean marker");
    let stored = state.unwrap().session.unwrap();
    assert_eq!(stored.session_index, 1);
    assert_eq!(
        stored.event_index as usize, total,
        "every Ok call is in the persisted state, and nothing else"
    );
}

/// A clock that holds the actor inside its first batch until released, counting readings: the
/// actor reads it once at start, once as each batch begins and once per event it processes
/// (events here carry their own timestamps, so handles never read it). The gate is the second
/// reading, the first batch's.
#[derive(Default)]
struct GateClock {
    readings: AtomicUsize,
    state: Mutex<Gate>,
    changed: Condvar,
}

#[derive(Default)]
struct Gate {
    entered: bool,
    released: bool,
}

impl GateClock {
    fn wait_until_entered(&self) {
        let mut gate = self.state.lock().unwrap();
        while !gate.entered {
            gate = self.changed.wait(gate).unwrap();
        }
    }

    fn release(&self) {
        self.state.lock().unwrap().released = true;
        self.changed.notify_all();
    }
}

impl Clock for GateClock {
    fn now_ms(&self) -> i64 {
        if self.readings.fetch_add(1, Ordering::SeqCst) == 1 {
            let mut gate = self.state.lock().unwrap();
            gate.entered = true;
            self.changed.notify_all();
            while !gate.released {
                gate = self.changed.wait(gate).unwrap();
            }
        }
        T0
    }
}

/// Events that arrive while a batch is being processed wait for the next batch: a steady
/// stream from other threads must not hold back the replies, the sink and the store write of
/// the events already processed (nor a shutdown) until the stream pauses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steady_stream_does_not_hold_back_the_events_before_it() {
    const LATER: usize = 100_000;
    let clock = Arc::new(GateClock::default());
    let delivered_at = Arc::new(Mutex::new(None));
    let marker = Uuid::new_v4();
    let (handle, actor) = SessionActor::start(
        Config::default(),
        MemoryStorage::new().store("ns"),
        Arc::clone(&clock) as Arc<dyn Clock>,
    )
    .await
    .unwrap();
    let sink = {
        let (clock, delivered_at) = (Arc::clone(&clock), Arc::clone(&delivered_at));
        move |event: &TrackedEvent| {
            if event.stamp.id == marker {
                // Readings so far = events the actor processed before handing this one out.
                *delivered_at.lock().unwrap() = Some(clock.readings.load(Ordering::SeqCst));
            }
        }
    };
    let task = tokio::spawn(actor.with_sink(sink).run());
    let event = |id: Uuid| screen().with_id(id).with_timestamp_ms(T0);
    // The awaited event starts a batch; the actor is held inside it while more events arrive.
    let mut awaited = pin!(handle.track(event(marker)));
    assert!(poll_once(awaited.as_mut()).is_pending());
    let gate = Arc::clone(&clock);
    tokio::task::spawn_blocking(move || gate.wait_until_entered())
        .await
        .unwrap();
    for _ in 0..LATER {
        handle.track_nowait(event(Uuid::new_v4())).unwrap();
    }
    clock.release();
    let answered = awaited.await.unwrap();
    assert_eq!(answered.event.unwrap().client_session.event_index, Some(1));
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let at = delivered_at.lock().unwrap().unwrap();
    assert!(
        at < LATER / 2,
        "the first event was handed out only after the actor had processed {at} events, \
         {} of them sent after its batch had started",
        at - 1
    );
}
