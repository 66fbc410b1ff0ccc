#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The actor's contract (spec B2 "Actor API"), on the memory store and on store doubles.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use client_session_actor::{Error, Event, ManualClock, SessionActor, SessionHandle};
use client_session_core::{
    Config, LifecycleEntity, Payload, PersistedSession, PreviousRun, SessionState,
    StorageMechanism, UserId, WebCookies, WebSession, WebState, WebWrite,
};
use client_session_store::{Durability, Loaded, MemoryStorage, Opened, SessionStore, StoreError};
use tokio::task::JoinHandle;
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;

async fn start_on<S: SessionStore>(
    store: S,
    config: Config,
) -> (SessionHandle, ManualClock, JoinHandle<()>) {
    let clock = ManualClock::new(T0);
    let (handle, actor) = SessionActor::start(config, store, Arc::new(clock.clone()))
        .await
        .unwrap();
    (handle, clock, tokio::spawn(actor.run()))
}

fn screen() -> Event {
    Event::new(Payload::structured("home", "t"))
}

#[tokio::test]
async fn tracked_events_carry_stamp_and_lifecycle_entity() {
    let (handle, clock, _task) =
        start_on(MemoryStorage::new().store("ns"), Config::default()).await;
    clock.advance(5);
    let e = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(e.stamp.dtm_ms, T0 + 5);
    assert_eq!(e.client_session.first_event_id, Some(e.stamp.id));
    assert_eq!(
        e.lifecycle,
        Some(LifecycleEntity {
            is_visible: true,
            index: 0
        })
    );
    let bg = handle.background().await.unwrap().unwrap();
    assert_eq!(
        bg.payload,
        Payload::ApplicationBackground {
            background_index: 1
        }
    );
    assert_eq!(bg.client_session.event_index, Some(2));
    assert!(handle.background().await.unwrap().is_none());
    let fg = handle.foreground().await.unwrap().unwrap();
    assert_eq!(
        fg.lifecycle,
        Some(LifecycleEntity {
            is_visible: true,
            index: 1
        })
    );
}

#[tokio::test]
async fn caller_given_ids_and_timestamps_are_kept() {
    let (handle, _clock, _task) =
        start_on(MemoryStorage::new().store("ns"), Config::default()).await;
    let event = screen()
        .with_id_str("6F9619FF-8B86-D011-B42D-00C04FC964FF")
        .unwrap()
        .with_timestamp_ms(42);
    let e = handle.track(event).await.unwrap().event.unwrap();
    assert_eq!(
        e.stamp.id.to_string(),
        "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    );
    assert_eq!(e.stamp.dtm_ms, 42);
    let json = serde_json::to_string(&e.contexts()).unwrap();
    assert!(
        json.contains("\"firstEventId\":\"6f9619ff-8b86-d011-b42d-00c04fc964ff\""),
        "{json}"
    );
    assert!(matches!(
        screen().with_id_str("6f9619ff8b86d011b42d00c04fc964ff"),
        Err(Error::InvalidEventId(_))
    ));
}

#[tokio::test]
async fn the_actor_clock_at_processing_decides_the_session() {
    let (handle, clock, _task) =
        start_on(MemoryStorage::new().store("ns"), Config::default()).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    clock.advance(1_800_001);
    // An old dtm does not keep the session alive: the clock at processing time decides.
    let e = handle
        .track(screen().with_timestamp_ms(T0))
        .await
        .unwrap()
        .event
        .unwrap();
    assert_eq!(e.client_session.session_index, 2);
    assert_eq!(e.client_session.first_event_timestamp.unwrap().0, T0);
}

#[tokio::test]
async fn calls_after_shutdown_fail_promptly_on_every_clone() {
    let storage = MemoryStorage::new();
    let (handle, _clock, task) = start_on(storage.store("ns"), Config::default()).await;
    let other = handle.clone();
    handle.track(screen()).await.unwrap().event.unwrap();
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    assert!(matches!(other.track(screen()).await, Err(Error::ShutDown)));
    assert!(matches!(other.snapshot().await, Err(Error::ShutDown)));
    assert!(matches!(other.shutdown().await, Err(Error::ShutDown)));
    let reopened = storage.store("ns").open(0).await.unwrap();
    assert_eq!(reopened.previous_run, PreviousRun::Clean);
    assert_eq!(reopened.state.unwrap().session.unwrap().event_index, 1);
}

#[tokio::test]
async fn dropping_every_handle_closes_cleanly() {
    let storage = MemoryStorage::new();
    let (handle, _clock, task) = start_on(storage.store("ns"), Config::default()).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    let subscription = handle.subscribe();
    drop(handle);
    task.await.unwrap();
    drop(subscription);
    assert_eq!(
        storage.store("ns").open(0).await.unwrap().previous_run,
        PreviousRun::Clean
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_everything_sent_before_it() {
    let storage = MemoryStorage::new();
    let (handle, _clock, task) = start_on(storage.store("ns"), Config::default()).await;
    let senders: Vec<_> = (0..8)
        .map(|_| {
            let h = handle.clone();
            tokio::spawn(async move {
                let mut ok = 0u32;
                for _ in 0..500 {
                    if h.track(screen()).await.is_ok() {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    // Shut down mid-stream: once some events are in, while the rest are still being sent.
    while handle
        .snapshot()
        .await
        .unwrap()
        .session
        .and_then(|s| s.event_index)
        .unwrap_or(0)
        < 100
    {
        tokio::task::yield_now().await;
    }
    handle.shutdown().await.unwrap();
    let mut ok = 0;
    for s in senders {
        ok += s.await.unwrap();
    }
    task.await.unwrap();
    let stored = storage.stored("ns").unwrap().session.unwrap();
    assert_eq!(
        stored.event_index, ok,
        "every Ok track is in the persisted state, and nothing else"
    );
    assert!(
        ok < 8 * 500,
        "the shutdown came mid-stream, so some calls were refused"
    );
}

#[tokio::test]
async fn subscription_yields_new_sessions_and_ends_with_the_actor() {
    let (handle, clock, task) = start_on(MemoryStorage::new().store("ns"), Config::default()).await;
    let mut sub = handle.subscribe();
    assert_eq!(sub.latest(), None);
    let first = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        sub.next().await.unwrap().session_id,
        first.client_session.session_id
    );
    handle.track(screen()).await.unwrap().event.unwrap();
    handle.new_session().await.unwrap();
    handle.track(screen()).await.unwrap().event.unwrap();
    clock.advance(1_800_001);
    let third = handle.track(screen()).await.unwrap().event.unwrap();
    // Latest value: a slow subscriber skips to the newest session.
    let seen = sub.next().await.unwrap();
    assert_eq!(seen.session_id, third.client_session.session_id);
    assert_eq!(seen.session_index, 3);
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    assert_eq!(sub.next().await, None);
}

#[tokio::test]
async fn everything_that_leaves_is_masked_under_anonymisation() {
    let (handle, _clock, _task) =
        start_on(MemoryStorage::new().store("ns"), Config::default()).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    let mut sub = handle.subscribe();
    handle.set_anonymous(true).await.unwrap();
    let snap = handle.snapshot().await.unwrap();
    assert!(snap.new_session_pending);
    assert_eq!(snap.session.unwrap().user_id, UserId::ANONYMOUS);
    let e = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(e.client_session.user_id, UserId::ANONYMOUS);
    assert_eq!(e.client_session.previous_session_id, None);
    let announced = sub.next().await.unwrap();
    assert_eq!(announced.user_id, UserId::ANONYMOUS);
    assert_eq!(announced.previous_session_id, None);
}

#[tokio::test]
async fn pause_and_new_session_show_in_the_snapshot() {
    let (handle, _clock, _task) =
        start_on(MemoryStorage::new().store("ns"), Config::default()).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    handle.pause().await.unwrap();
    handle.new_session().await.unwrap();
    let snap = handle.snapshot().await.unwrap();
    assert!(snap.paused && snap.new_session_pending);
    handle.resume().await.unwrap();
    assert!(!handle.snapshot().await.unwrap().paused);
}

/// One write: the session written and whether it was forced to disk.
type Write = (Option<Uuid>, bool);

/// Records every write, and can be told to fail.
#[derive(Clone, Default)]
struct RecordingStore {
    log: Arc<Mutex<Vec<Write>>>,
    /// The `now_ms` of every save and close, in order.
    times: Arc<Mutex<Vec<i64>>>,
    fail: Arc<Mutex<bool>>,
    fail_open: bool,
}

fn io_error() -> StoreError {
    StoreError::Io {
        path: "/dev/full".into(),
        source: std::io::Error::other("disk full"),
    }
}

#[async_trait]
impl SessionStore for RecordingStore {
    type Model = SessionState;

    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::LocalStorage
    }
    async fn open(&mut self, _: i64) -> Result<Opened, StoreError> {
        if self.fail_open {
            return Err(StoreError::Locked {
                path: "/locked".into(),
            });
        }
        Ok(Opened {
            user_id: UserId::from_uuid(Uuid::from_u128(7)),
            state: None,
            previous_run: PreviousRun::Unclean,
        })
    }
    async fn save(
        &mut self,
        state: &PersistedSession,
        now_ms: i64,
        durability: Durability,
    ) -> Result<(), StoreError> {
        if *self.fail.lock().unwrap() {
            return Err(io_error());
        }
        self.times.lock().unwrap().push(now_ms);
        self.log.lock().unwrap().push((
            state.session.map(|s| s.session_id),
            durability == Durability::Durable,
        ));
        Ok(())
    }
    async fn close(&mut self, _: &PersistedSession, now_ms: i64) -> Result<(), StoreError> {
        self.times.lock().unwrap().push(now_ms);
        if *self.fail.lock().unwrap() {
            return Err(io_error());
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_new_session_is_flushed_before_its_first_entity_is_returned() {
    let store = RecordingStore::default();
    let log = Arc::clone(&store.log);
    let (handle, _clock, _task) = start_on(store, Config::default()).await;
    let first = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        log.lock().unwrap().last(),
        Some(&(Some(first.client_session.session_id), true))
    );
    handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        log.lock().unwrap().last(),
        Some(&(Some(first.client_session.session_id), false)),
        "later events are not forced to disk"
    );
    let writes = log.lock().unwrap().len();
    handle.snapshot().await.unwrap();
    assert_eq!(
        log.lock().unwrap().len(),
        writes,
        "a batch that changes nothing writes nothing"
    );
}

#[tokio::test]
async fn the_store_is_given_the_clock_time_of_each_write() {
    let store = RecordingStore::default();
    let times = Arc::clone(&store.times);
    let (handle, clock, task) = start_on(store, Config::default()).await;
    clock.set(T0 + 1_500);
    handle.track(screen()).await.unwrap().event.unwrap();
    clock.set(T0 + 2_750);
    handle.track(screen()).await.unwrap().event.unwrap();
    clock.set(T0 + 9_001);
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    assert_eq!(*times.lock().unwrap(), [T0 + 1_500, T0 + 2_750, T0 + 9_001]);
}

#[tokio::test]
async fn a_failing_store_keeps_tracking_and_reports_at_shutdown() {
    let store = RecordingStore::default();
    let fail = Arc::clone(&store.fail);
    let (handle, _clock, task) = start_on(store, Config::default()).await;
    *fail.lock().unwrap() = true;
    let e = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(e.client_session.event_index, Some(1));
    assert_eq!(
        handle
            .track(screen())
            .await
            .unwrap()
            .event
            .unwrap()
            .client_session
            .event_index,
        Some(2)
    );
    match handle.shutdown().await {
        Err(Error::Store(e)) => assert!(matches!(*e, StoreError::Io { .. })),
        other => panic!("expected a store error, got {other:?}"),
    }
    task.await.unwrap();
}

#[tokio::test]
async fn a_store_that_cannot_open_is_a_typed_error() {
    let clock = ManualClock::new(T0);
    let store = RecordingStore {
        fail_open: true,
        ..RecordingStore::default()
    };
    match SessionActor::start(Config::default(), store, Arc::new(clock)).await {
        Err(Error::Store(e)) => assert!(matches!(*e, StoreError::Locked { .. })),
        Err(e) => panic!("expected a store error, got {e:?}"),
        Ok(_) => panic!("expected a store error"),
    }
}

#[tokio::test]
async fn nowait_events_reach_the_sink_in_tracking_order() {
    let clock = ManualClock::new(T0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let store = MemoryStorage::new().store("ns");
    let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(clock))
        .await
        .unwrap();
    let task = tokio::spawn(actor.with_sink(tx).run());
    let mut stamps = Vec::new();
    for i in 0..50 {
        stamps.push(handle.track_nowait(screen()).unwrap());
        if i == 10 {
            handle.background_nowait().unwrap();
            handle.foreground_nowait().unwrap();
        }
    }
    let awaited = handle.track(screen()).await.unwrap().event.unwrap();
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let mut delivered = Vec::new();
    while let Ok(event) = rx.try_recv() {
        delivered.push(event);
    }
    assert_eq!(delivered.len(), 53, "50 nowait, 2 lifecycle, 1 awaited");
    assert_eq!(delivered[11].payload.name(), "application_background");
    assert_eq!(delivered[12].payload.name(), "application_foreground");
    let tracked: Vec<_> = delivered
        .iter()
        .filter(|e| e.payload.name() == "structured")
        .collect();
    for (event, stamp) in tracked.iter().zip(&stamps) {
        assert_eq!(
            event.stamp, *stamp,
            "in tracking order, with the stamp the caller got"
        );
    }
    assert_eq!(tracked.last().unwrap().stamp, awaited.stamp);
    let indexes: Vec<_> = delivered
        .iter()
        .map(|e| e.client_session.event_index.unwrap())
        .collect();
    assert_eq!(indexes, (1..=53).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_sink_sees_a_new_session_only_after_it_is_flushed() {
    let store = RecordingStore::default();
    let log = Arc::clone(&store.log);
    let clock = ManualClock::new(T0);
    let (handle, actor) = SessionActor::start(Config::default(), store, Arc::new(clock))
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_in_sink = Arc::clone(&seen);
    let task = tokio::spawn(
        actor
            .with_sink(move |event: &client_session_actor::TrackedEvent| {
                let flushed = log
                    .lock()
                    .unwrap()
                    .contains(&(Some(event.client_session.session_id), true));
                seen_in_sink
                    .lock()
                    .unwrap()
                    .push((event.starts_session, flushed));
            })
            .run(),
    );
    handle.track_nowait(screen()).unwrap();
    handle.track_nowait(screen()).unwrap();
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![(true, true), (false, true)]);
}

#[tokio::test]
async fn nowait_calls_after_shutdown_fail_at_once() {
    let (handle, _clock, task) =
        start_on(MemoryStorage::new().store("ns"), Config::default()).await;
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    assert!(matches!(
        handle.track_nowait(screen()),
        Err(Error::ShutDown)
    ));
    assert!(matches!(handle.background_nowait(), Err(Error::ShutDown)));
}

/// A store others write too (as cookies are), with the web rules: what they wrote is handed
/// over at the next `load`, and every `load`'s time is recorded.
#[derive(Clone, Default)]
struct SharedStore {
    outside: Arc<Mutex<Option<WebCookies>>>,
    loads: Arc<Mutex<Vec<i64>>>,
    saved: Arc<Mutex<Option<WebWrite>>>,
}

#[async_trait]
impl SessionStore for SharedStore {
    type Model = WebState;

    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::Cookie1
    }
    async fn open(&mut self, _: i64) -> Result<WebCookies, StoreError> {
        Ok(WebCookies::default())
    }
    async fn load(&mut self, now_ms: i64) -> Result<Loaded<WebCookies>, StoreError> {
        self.loads.lock().unwrap().push(now_ms);
        let saved = *self.saved.lock().unwrap();
        let outside = self.outside.lock().unwrap().take();
        // What someone else wrote, else what we wrote last.
        Ok(Loaded::Current(outside.unwrap_or(WebCookies {
            id: saved.map(|w| w.id),
            session_cookie: saved.is_some(),
        })))
    }
    async fn save(&mut self, state: &WebWrite, _: i64, _: Durability) -> Result<(), StoreError> {
        *self.saved.lock().unwrap() = Some(*state);
        Ok(())
    }
    async fn close(&mut self, _: &WebWrite, _: i64) -> Result<(), StoreError> {
        Ok(())
    }
}

#[tokio::test]
async fn each_batch_is_decided_on_what_the_store_holds_now() {
    let store = SharedStore::default();
    let (outside, loads, saved) = (
        Arc::clone(&store.outside),
        Arc::clone(&store.loads),
        Arc::clone(&store.saved),
    );
    let (handle, clock, task) = start_on(store, Config::default()).await;
    assert!(
        saved.lock().unwrap().is_some(),
        "the page load wrote the cookies before any event"
    );
    let ours = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(ours.client_session.event_index, Some(1));

    // Another writer (a JavaScript tracker in another tab) moved on to its own session.
    clock.advance(1_000);
    let their_user = UserId::parse("0123456789abcdef").unwrap();
    let theirs = WebSession {
        visit_count: 4,
        event_index: 5,
        ..WebSession::first(T0, Some(their_user), Uuid::from_u128(0x7e1))
    };
    *outside.lock().unwrap() = Some(WebCookies {
        id: Some(theirs),
        session_cookie: true,
    });
    clock.advance(500);
    let next = handle.track(screen()).await.unwrap().event.unwrap();
    assert!(!next.starts_session, "their session is live: it goes on");
    assert_eq!(next.client_session.session_id, Uuid::from_u128(0x7e1));
    assert_eq!(next.client_session.session_index, 4);
    assert_eq!(next.client_session.event_index, Some(6));
    assert_eq!(next.client_session.user_id, their_user);
    assert_eq!(
        saved.lock().unwrap().map(|w| w.id.event_index),
        Some(6),
        "read, decide, write: the write follows the read"
    );

    // `_sp_ses` expired or was deleted: the next event starts the next session at once.
    *outside.lock().unwrap() = Some(WebCookies {
        id: Some(theirs),
        session_cookie: false,
    });
    let rotated = handle.track(screen()).await.unwrap().event.unwrap();
    assert!(rotated.starts_session);
    assert_eq!(rotated.client_session.session_index, 5);
    assert_eq!(
        rotated.client_session.previous_session_id,
        Some(Uuid::from_u128(0x7e1))
    );

    // Both cookies are gone: a fresh identity.
    *outside.lock().unwrap() = Some(WebCookies::default());
    let fresh = handle.track(screen()).await.unwrap().event.unwrap();
    assert!(fresh.starts_session);
    assert_eq!(fresh.client_session.session_index, 1);

    handle.shutdown().await.unwrap();
    task.await.unwrap();
    assert_eq!(
        loads.lock().unwrap()[..3],
        [T0, T0 + 1_500, T0 + 1_500],
        "one load before each batch, at the clock's time"
    );
}

/// On the web a session starts without an event (the page load, `newSession()`): subscribers
/// see it at once, with `eventIndex` 0 and no first event, and the cookies are written before
/// `new_session` returns.
#[tokio::test]
async fn web_sessions_that_start_without_an_event_reach_subscribers_at_once() {
    let store = SharedStore::default();
    let saved = Arc::clone(&store.saved);
    let (handle, clock, task) = start_on(store, Config::default()).await;
    let mut sessions = handle.subscribe();
    let loaded = sessions.latest().expect("the page load started session 1");
    assert_eq!(loaded.session_index, 1);
    assert_eq!(loaded.event_index, Some(0));
    assert_eq!(loaded.first_event_id, None);
    clock.advance(10);
    handle.new_session().await.unwrap();
    let next = sessions.latest().unwrap();
    assert_eq!(next.session_index, 2);
    assert_eq!(next.previous_session_id, Some(loaded.session_id));
    assert_eq!(next.event_index, Some(0));
    assert_eq!(
        saved.lock().unwrap().map(|w| w.id.session_id),
        Some(next.session_id),
        "written before new_session returned"
    );
    assert_eq!(
        sessions.next().await.map(|s| s.session_id),
        Some(next.session_id)
    );
    let snapshot = handle.snapshot().await.unwrap();
    assert_eq!(
        snapshot.session.map(|s| s.session_id),
        Some(next.session_id)
    );
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}
