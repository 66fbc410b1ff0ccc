#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! `clear_user_data` through the actor (spec B mobile): the next event starts session 1 of a
//! new user with no previous session, in call order with every other call, awaited or not;
//! trackers of other namespaces on the same storage adopt the new user at their next call; a
//! store that cannot begin keeps the user, and the caller hears why.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use client_session_actor::{Error, Event, ManualClock, SessionActor, SessionHandle, TrackedEvent};
use client_session_core::{
    Config, Forgotten, Payload, PersistedSession, PreviousRun, SessionState, StorageMechanism,
    Timeout, UserId,
};
use client_session_store::{Durability, Loaded, MemoryStorage, Opened, SessionStore, StoreError};
use client_session_store_sled::SledDatabase;
use tokio::task::JoinHandle;
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;

async fn start_on<S: SessionStore>(
    store: S,
    config: Config,
    clock: &ManualClock,
) -> (SessionHandle, JoinHandle<()>) {
    let (handle, actor) = SessionActor::start(config, store, Arc::new(clock.clone()))
        .await
        .unwrap();
    (handle, tokio::spawn(actor.run()))
}

fn screen() -> Event {
    Event::new(Payload::structured("home", "t"))
}

fn short_timeouts() -> Config {
    Config {
        foreground_timeout: Timeout::from_secs(10),
        background_timeout: Timeout::from_secs(10),
        ..Config::default()
    }
}

#[tokio::test]
async fn the_next_event_starts_the_new_users_first_session() {
    let storage = MemoryStorage::new();
    let clock = ManualClock::new(T0);
    let (handle, _task) = start_on(storage.store("ns"), short_timeouts(), &clock).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    clock.advance(10_001);
    let old = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(old.client_session.session_index, 2);
    let old_user = storage.user_id().unwrap();

    let mut sessions = handle.subscribe();
    assert_eq!(
        sessions.latest().map(|s| s.session_id),
        Some(old.client_session.session_id)
    );
    handle.clear_user_data().await.unwrap();
    assert_eq!(
        sessions.latest(),
        None,
        "the old user's session is no one's latest"
    );
    let new_user = storage.user_id().unwrap();
    assert_ne!(new_user, old_user);
    assert_eq!(
        storage.stored("ns"),
        None,
        "deleted, and nothing written back"
    );
    assert_eq!(handle.snapshot().await.unwrap().session, None);

    clock.advance(1);
    let next = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        sessions.next().await.map(|s| s.session_id),
        Some(next.client_session.session_id),
        "subscribers hear of the new user's first session"
    );
    assert!(next.starts_session);
    assert_eq!(next.client_session.user_id, new_user);
    assert_eq!(next.client_session.session_index, 1);
    assert_eq!(next.client_session.previous_session_id, None);
    assert_eq!(next.client_session.event_index, Some(1));
    assert_eq!(
        storage.stored("ns").unwrap().session.unwrap().session_id,
        next.client_session.session_id
    );
}

#[tokio::test]
async fn pending_requests_pause_and_lifecycle_are_kept() {
    let storage = MemoryStorage::new();
    let clock = ManualClock::new(T0);
    let (handle, _task) = start_on(storage.store("ns"), short_timeouts(), &clock).await;
    handle.track(screen()).await.unwrap().event.unwrap();
    handle.background().await.unwrap();
    handle.pause().await.unwrap();
    handle.new_session().await.unwrap();
    handle.clear_user_data().await.unwrap();
    let snapshot = handle.snapshot().await.unwrap();
    assert!(snapshot.paused && snapshot.in_background && snapshot.new_session_pending);
    assert_eq!(snapshot.background_index, 1);
    clock.advance(60_000);
    let next = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(next.client_session.session_index, 1);
    assert_eq!(
        next.lifecycle.map(|l| (l.is_visible, l.index)),
        Some((false, 1))
    );
    clock.advance(60_000);
    assert!(
        !handle
            .track(screen())
            .await
            .unwrap()
            .event
            .unwrap()
            .starts_session,
        "still paused"
    );
}

/// The never-blocking form keeps its place among the never-blocking tracks: what was tracked
/// before it is the old user's, what comes after the new user's.
#[tokio::test]
async fn nowait_clear_keeps_its_place_in_the_queue() {
    let storage = MemoryStorage::new();
    let clock = ManualClock::new(T0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<TrackedEvent>();
    let (handle, actor) =
        SessionActor::start(Config::default(), storage.store("ns"), Arc::new(clock))
            .await
            .unwrap();
    let task = tokio::spawn(actor.with_sink(tx).run());
    for _ in 0..3 {
        handle.track_nowait(screen()).unwrap();
    }
    handle.clear_user_data_nowait().unwrap();
    for _ in 0..2 {
        handle.track_nowait(screen()).unwrap();
    }
    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let mut delivered = Vec::new();
    while let Ok(event) = rx.try_recv() {
        delivered.push(event.client_session);
    }
    assert_eq!(delivered.len(), 5);
    let new_user = storage.user_id().unwrap();
    for (i, entity) in delivered.iter().enumerate() {
        assert_eq!(entity.user_id == new_user, i >= 3, "event {i}");
        assert_eq!(entity.session_index, 1, "event {i}");
    }
    assert_ne!(delivered[2].session_id, delivered[3].session_id);
    assert_eq!(delivered[3].previous_session_id, None);
    let indexes: Vec<_> = delivered.iter().map(|e| e.event_index.unwrap()).collect();
    assert_eq!(indexes, [1, 2, 3, 1, 2]);
}

/// Other namespaces on the same storage: their trackers adopt the new user at their next
/// call, start session 1 with no previous session, and never write the old user's state back.
async fn other_namespaces_hear_of_it<S: SessionStore<Model = SessionState>>(
    a: S,
    b: S,
    held: impl Fn() -> Option<Uuid>,
) {
    let clock = ManualClock::new(T0);
    let (a, _ta) = start_on(a, short_timeouts(), &clock).await;
    let (b, tb) = start_on(b, short_timeouts(), &clock).await;
    a.track(screen()).await.unwrap().event.unwrap();
    b.track(screen()).await.unwrap().event.unwrap();
    clock.advance(10_001);
    let old_b = b.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(old_b.client_session.session_index, 2);

    a.clear_user_data().await.unwrap();
    assert_eq!(held(), None, "b's record is deleted too");
    b.flush().await.unwrap();
    assert_eq!(
        b.subscribe().latest(),
        None,
        "b heard of it at its next call"
    );
    clock.advance(1);
    let next_b = b.track(screen()).await.unwrap().event.unwrap();
    let next_a = a.track(screen()).await.unwrap().event.unwrap();
    assert_ne!(next_b.client_session.user_id, old_b.client_session.user_id);
    assert_eq!(next_b.client_session.user_id, next_a.client_session.user_id);
    assert!(next_b.starts_session);
    assert_eq!(next_b.client_session.session_index, 1);
    assert_eq!(next_b.client_session.previous_session_id, None);
    assert_eq!(held(), Some(next_b.client_session.session_id));
    b.shutdown().await.unwrap();
    tb.await.unwrap();
    assert_eq!(held(), Some(next_b.client_session.session_id));
}

#[tokio::test]
async fn other_namespaces_on_memory_hear_of_it_at_their_next_call() {
    let storage = MemoryStorage::new();
    let view = storage.clone();
    other_namespaces_hear_of_it(storage.store("a"), storage.store("b"), move || {
        view.stored("b")
            .and_then(|s| s.session)
            .map(|s| s.session_id)
    })
    .await;
}

#[tokio::test]
async fn other_namespaces_on_sled_hear_of_it_at_their_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let db = SledDatabase::open(dir.path()).unwrap();
    let view = db.clone();
    other_namespaces_hear_of_it(db.store("a"), db.store("b"), move || {
        let records = view.namespaces().unwrap();
        match records.get("b") {
            Some(client_session_store::record::Decoded::Current(state)) => {
                state.session.map(|s| s.session_id)
            }
            _ => None,
        }
    })
    .await;
}

/// A store whose `clear_user_data` fails before it begins.
#[derive(Default)]
struct CannotClear {
    saved: Arc<Mutex<Vec<PersistedSession>>>,
}

#[async_trait]
impl SessionStore for CannotClear {
    type Model = SessionState;

    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::LocalStorage
    }
    async fn open(&mut self, _: i64) -> Result<Opened, StoreError> {
        Ok(Opened {
            user_id: UserId::from_uuid(Uuid::from_u128(7)),
            state: None,
            previous_run: PreviousRun::Unclean,
        })
    }
    async fn save(
        &mut self,
        state: &PersistedSession,
        _: i64,
        _: Durability,
    ) -> Result<(), StoreError> {
        self.saved.lock().unwrap().push(*state);
        Ok(())
    }
    async fn close(&mut self, _: &PersistedSession, _: i64) -> Result<(), StoreError> {
        Ok(())
    }
    async fn clear_user_data(&mut self, _: i64) -> Result<Loaded<Forgotten>, StoreError> {
        Err(StoreError::Io {
            path: "/data/forgetting".into(),
            source: std::io::Error::other("read-only file system"),
        })
    }
}

#[tokio::test]
async fn a_store_that_cannot_begin_keeps_the_user_and_says_why() {
    let store = CannotClear::default();
    let saved = Arc::clone(&store.saved);
    let clock = ManualClock::new(T0);
    let (handle, _task) = start_on(store, Config::default(), &clock).await;
    let first = handle.track(screen()).await.unwrap().event.unwrap();
    match handle.clear_user_data().await {
        Err(Error::Store(e)) => assert!(matches!(*e, StoreError::Io { .. })),
        other => panic!("expected the store's error, got {other:?}"),
    }
    let next = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(next.client_session.user_id, first.client_session.user_id);
    assert_eq!(
        next.client_session.session_id,
        first.client_session.session_id
    );
    assert_eq!(next.client_session.event_index, Some(2));
    // The batch before the clear was persisted before the store was asked.
    assert!(saved.lock().unwrap().iter().any(|s| s.session.is_some()));
}
