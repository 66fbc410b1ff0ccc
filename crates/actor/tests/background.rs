#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! Mobile durability at background (spec B2): a batch in which the app went to the background
//! suspends the store (state durable, clean marker set) before anything of it leaves; the next
//! write clears the marker, durably, before anything of its batch leaves. A process killed in
//! the background is then a clean shutdown, and one killed after a later event is not.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use client_session_actor::{Event, ManualClock, SessionActor, SessionHandle, TrackedEvent};
use client_session_core::{Config, Payload, PersistedSession, SessionState, StorageMechanism};
use client_session_store::{
    Durability, MemoryStorage, MemoryStore, Opened, SessionStore, StoreError,
};
use tokio::task::JoinHandle;

const T0: i64 = 1_700_000_000_000;

/// What reached the store and the sink, in one order.
type Log = Arc<Mutex<Vec<String>>>;

/// The memory store, logging each write into the log the sink writes to as well.
struct LoggingStore {
    inner: MemoryStore,
    log: Log,
}

#[async_trait]
impl SessionStore for LoggingStore {
    type Model = SessionState;

    fn storage_mechanism(&self) -> StorageMechanism {
        self.inner.storage_mechanism()
    }
    async fn open(&mut self, now_ms: i64) -> Result<Opened, StoreError> {
        let opened = self.inner.open(now_ms).await?;
        self.log
            .lock()
            .unwrap()
            .push(format!("open {:?}", opened.previous_run));
        Ok(opened)
    }
    async fn save(
        &mut self,
        state: &PersistedSession,
        now_ms: i64,
        durability: Durability,
    ) -> Result<(), StoreError> {
        self.log
            .lock()
            .unwrap()
            .push(format!("save {durability:?}"));
        self.inner.save(state, now_ms, durability).await
    }
    async fn suspend(&mut self, state: &PersistedSession, now_ms: i64) -> Result<(), StoreError> {
        self.log.lock().unwrap().push("suspend".to_owned());
        self.inner.suspend(state, now_ms).await
    }
    async fn close(&mut self, state: &PersistedSession, now_ms: i64) -> Result<(), StoreError> {
        self.log.lock().unwrap().push("close".to_owned());
        self.inner.close(state, now_ms).await
    }
}

/// A tracker on `storage`'s namespace `ns`, its writes and deliveries logged in `log`.
async fn start(
    storage: &MemoryStorage,
    config: Config,
    log: &Log,
) -> (SessionHandle, JoinHandle<()>) {
    let store = LoggingStore {
        inner: storage.store("ns"),
        log: Arc::clone(log),
    };
    let clock = ManualClock::new(T0);
    let (handle, actor) = SessionActor::start(config, store, Arc::new(clock))
        .await
        .unwrap();
    let sink_log = Arc::clone(log);
    let sink = move |event: &TrackedEvent| {
        sink_log
            .lock()
            .unwrap()
            .push(format!("deliver {}", event.payload.name()));
    };
    (handle, tokio::spawn(actor.with_sink(sink).run()))
}

/// The log since the last call.
fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

fn screen() -> Event {
    Event::new(Payload::structured("home", "t"))
}

/// Ends the process without a shutdown: the actor's future is dropped, nothing is closed.
async fn kill(task: JoinHandle<()>) {
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn background_marks_the_shutdown_clean_before_it_returns_and_the_next_event_clears_it_first()
{
    let storage = MemoryStorage::new();
    let log = Log::default();
    let (handle, _task) = start(&storage, Config::default(), &log).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        take(&log),
        ["open Unclean", "save Durable", "deliver structured"]
    );

    handle.background().await.unwrap().unwrap();
    assert_eq!(
        take(&log),
        ["suspend", "deliver application_background"],
        "suspended before the event leaves"
    );
    handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        take(&log),
        ["save Durable", "deliver structured"],
        "the marker is cleared, durably, before the next event leaves"
    );
    handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        take(&log),
        ["deliver structured", "save Buffered"],
        "then writes are buffered again"
    );
    let snapshot = handle.snapshot().await.unwrap();
    assert!(snapshot.in_background);
    assert!(
        take(&log).is_empty(),
        "a batch without a flip writes nothing"
    );
}

#[tokio::test]
async fn background_without_a_lifecycle_event_suspends_too() {
    let storage = MemoryStorage::new();
    let log = Log::default();
    let config = Config {
        lifecycle_events: false,
        ..Config::default()
    };
    let (handle, _task) = start(&storage, config, &log).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    take(&log);
    assert_eq!(handle.background().await.unwrap(), None);
    assert_eq!(
        take(&log),
        ["suspend"],
        "the state did not change, the marker did"
    );
    assert_eq!(handle.background().await.unwrap(), None);
    assert!(take(&log).is_empty(), "still the same stay");
    handle.foreground().await.unwrap();
    assert!(take(&log).is_empty(), "nothing to write, nothing left");
    handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(take(&log), ["save Durable", "deliver structured"]);
}

#[tokio::test]
async fn a_new_stay_within_one_batch_suspends_again() {
    let storage = MemoryStorage::new();
    let log = Log::default();
    let (handle, _task) = start(&storage, Config::default(), &log).await;
    handle.background().await.unwrap();
    handle.track(screen()).await.unwrap().event.unwrap();
    take(&log);
    // Queued together (the test's runtime runs the actor only once this task waits): the
    // batch starts and ends in the background, in another stay.
    handle.foreground_nowait().unwrap();
    handle.background_nowait().unwrap();
    handle.snapshot().await.unwrap();
    assert_eq!(
        take(&log),
        [
            "suspend",
            "deliver application_foreground",
            "deliver application_background"
        ]
    );
}

#[tokio::test]
async fn a_process_killed_in_the_background_continues_its_session() {
    let storage = MemoryStorage::new();
    let log = Log::default();
    let config = Config {
        continue_session_on_restart: true,
        ..Config::default()
    };
    let (handle, task) = start(&storage, config, &log).await;
    let first = handle.track(screen()).await.unwrap().event.unwrap();
    handle.background().await.unwrap();
    kill(task).await;
    // Twice: the second life goes to the background again after its first event cleared the
    // marker that the first life left.
    for life in 2..=3 {
        take(&log);
        let (handle, task) = start(&storage, config, &log).await;
        assert_eq!(take(&log), ["open Clean"], "life {life}");
        let next = handle.track(screen()).await.unwrap().event.unwrap();
        assert_eq!(
            next.client_session.session_id, first.client_session.session_id,
            "life {life}"
        );
        assert_eq!(
            next.client_session.event_index,
            Some(2 * life - 1),
            "life {life}: after the events of the lives before, background events included"
        );
        handle.background().await.unwrap();
        kill(task).await;
    }
}

#[tokio::test]
async fn without_continue_a_process_killed_in_the_background_rotates_as_any_restart() {
    let storage = MemoryStorage::new();
    let log = Log::default();
    let (handle, task) = start(&storage, Config::default(), &log).await;
    let first = handle.track(screen()).await.unwrap().event.unwrap();
    handle.background().await.unwrap();
    kill(task).await;
    take(&log);
    let (handle, _task) = start(&storage, Config::default(), &log).await;
    assert_eq!(
        take(&log),
        ["open Clean"],
        "a clean shutdown, which without continue_session_on_restart still rotates"
    );
    let next = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        next.client_session.previous_session_id,
        Some(first.client_session.session_id)
    );
    assert_eq!(next.client_session.event_index, Some(1));
}

#[tokio::test]
async fn a_process_killed_after_an_event_that_followed_the_background_rotates() {
    for then in ["track", "foreground"] {
        let storage = MemoryStorage::new();
        let log = Log::default();
        let config = Config {
            continue_session_on_restart: true,
            ..Config::default()
        };
        let (handle, task) = start(&storage, config, &log).await;
        let first = handle.track(screen()).await.unwrap().event.unwrap();
        handle.background().await.unwrap();
        let last = match then {
            "track" => handle.track(screen()).await.unwrap().event.unwrap(),
            _ => handle.foreground().await.unwrap().unwrap(),
        };
        assert_eq!(last.client_session.event_index, Some(3), "{then}");
        kill(task).await;
        take(&log);

        let (handle, _task) = start(&storage, config, &log).await;
        assert_eq!(take(&log), ["open Unclean"], "{then}");
        let next = handle.track(screen()).await.unwrap().event.unwrap();
        assert_eq!(
            next.client_session.previous_session_id,
            Some(first.client_session.session_id),
            "{then}: a new session after an unclean shutdown"
        );
        assert_eq!(next.client_session.event_index, Some(1), "{then}");
    }
}
