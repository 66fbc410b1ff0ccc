#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! One ordered queue for every call, usable before the store is open (issue 9): what a UI
//! thread needs from the actor.

use std::sync::Arc;

use async_trait::async_trait;
use client_session_actor::{Error, Event, ManualClock, SessionActor, TrackedEvent};
use client_session_core::{Config, Payload, PersistedSession, SessionState, StorageMechanism};
use client_session_store::{Durability, MemoryStorage, Opened, SessionStore, StoreError};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

const T0: i64 = 1_700_000_000_000;

fn screen() -> Event {
    Event::new(Payload::structured("home", "t"))
}

fn drain(rx: &mut UnboundedReceiver<TrackedEvent>) -> Vec<TrackedEvent> {
    let mut events = Vec::new();
    while let Ok(event) = rx.try_recv() {
        events.push(event);
    }
    events
}

/// The never-blocking form of every call goes through the one queue, in call order: a session
/// asked for between two events starts exactly at the second, whatever the executor does.
#[tokio::test]
async fn every_nowait_call_keeps_its_place_in_the_queue() {
    let clock = ManualClock::new(T0);
    let (tx, mut rx) = unbounded_channel();
    let (handle, actor) = SessionActor::start(
        Config::default(),
        MemoryStorage::new().store("ns"),
        Arc::new(clock),
    )
    .await
    .unwrap();
    let task = tokio::spawn(actor.with_sink(tx).run());
    handle.track_nowait(screen()).unwrap();
    handle.new_session_nowait().unwrap();
    handle.track_nowait(screen()).unwrap();
    handle.set_anonymous_nowait(true).unwrap();
    handle.track_nowait(screen()).unwrap();
    handle.set_anonymous_nowait(false).unwrap();
    handle.pause_nowait().unwrap();
    handle.resume_nowait().unwrap();
    handle.track_nowait(screen()).unwrap();
    handle.flush().await.unwrap();
    let events = drain(&mut rx);
    let indexes: Vec<_> = events
        .iter()
        .map(|e| e.client_session.session_index)
        .collect();
    assert_eq!(
        indexes,
        [1, 2, 3, 4],
        "each request starts the next event's session"
    );
    assert!(events.iter().all(|e| e.starts_session));
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}

/// The handle exists before the store is open; what it sends meanwhile is processed in order
/// once the store is open, with the clock of that moment deciding sessions.
#[tokio::test]
async fn calls_made_before_the_store_opens_are_kept_in_order() {
    let clock = ManualClock::new(T0);
    let storage = MemoryStorage::new();
    let (handle, mailbox) =
        SessionActor::<client_session_store::MemoryStore>::mailbox(Arc::new(clock.clone()));
    let stamps: Vec<_> = (0..5)
        .map(|_| handle.track_nowait(screen()).unwrap())
        .collect();
    handle.background_nowait().unwrap();
    handle.new_session_nowait().unwrap();
    let later = handle.track_nowait(screen()).unwrap();
    assert!(handle.subscribe().latest().is_none(), "nothing is open yet");

    let (tx, mut rx) = unbounded_channel();
    let actor = SessionActor::open(Config::default(), storage.store("ns"), mailbox)
        .await
        .unwrap()
        .with_sink(tx);
    let task = tokio::spawn(actor.run());
    handle.flush().await.unwrap();
    let events = drain(&mut rx);
    let names: Vec<_> = events.iter().map(|e| e.payload.name()).collect();
    assert_eq!(
        names,
        [
            "structured",
            "structured",
            "structured",
            "structured",
            "structured",
            "application_background",
            "structured"
        ]
    );
    for (event, stamp) in events.iter().zip(&stamps) {
        assert_eq!(event.stamp, *stamp);
    }
    assert_eq!(events[6].stamp, later);
    assert_eq!(events[6].client_session.session_index, 2);
    assert_eq!(
        handle.subscribe().latest().unwrap().session_index,
        2,
        "the session getter sees what was processed"
    );
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}

/// A handle made before the store opened hears of new sessions, not of the stored one the
/// tracker starts with.
#[tokio::test]
async fn the_stored_session_is_not_announced_as_new() {
    let clock = ManualClock::new(T0);
    let storage = MemoryStorage::new();
    let (handle, actor) = SessionActor::start(
        Config {
            continue_session_on_restart: true,
            ..Config::default()
        },
        storage.store("ns"),
        Arc::new(clock.clone()),
    )
    .await
    .unwrap();
    let task = tokio::spawn(actor.run());
    let first = handle.track(screen()).await.unwrap().event.unwrap();
    handle.shutdown().await.unwrap();
    task.await.unwrap();

    let (handle, mailbox) =
        SessionActor::<client_session_store::MemoryStore>::mailbox(Arc::new(clock.clone()));
    let mut sessions = handle.subscribe();
    let actor = SessionActor::open(
        Config {
            continue_session_on_restart: true,
            ..Config::default()
        },
        storage.store("ns"),
        mailbox,
    )
    .await
    .unwrap();
    let task = tokio::spawn(actor.run());
    handle.flush().await.unwrap();
    assert_eq!(
        sessions.latest().map(|s| s.session_id),
        Some(first.client_session.session_id)
    );
    clock.advance(1_800_001);
    let next = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        sessions.next().await.map(|s| s.session_id),
        Some(next.client_session.session_id),
        "the first news is the session that started, not the restored one"
    );
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}

/// A store that cannot be opened.
struct Unopenable;

#[async_trait]
impl SessionStore for Unopenable {
    type Model = SessionState;

    fn storage_mechanism(&self) -> StorageMechanism {
        StorageMechanism::LocalStorage
    }
    async fn open(&mut self, _: i64) -> Result<Opened, StoreError> {
        Err(StoreError::Locked {
            path: "/locked".into(),
        })
    }
    async fn save(
        &mut self,
        _: &PersistedSession,
        _: i64,
        _: Durability,
    ) -> Result<(), StoreError> {
        unreachable!("never opened")
    }
    async fn close(&mut self, _: &PersistedSession, _: i64) -> Result<(), StoreError> {
        unreachable!("never opened")
    }
}

fn is_locked(result: Result<impl std::fmt::Debug, Error>) -> bool {
    match result {
        Err(Error::Store(e)) => matches!(*e, StoreError::Locked { .. }),
        _ => false,
    }
}

/// When the store cannot be opened, every call on the handle (made before or after) reports
/// that error rather than a bare "shut down".
#[tokio::test]
async fn a_store_that_fails_to_open_fails_every_call_with_its_error() {
    let (handle, mailbox) = SessionActor::<Unopenable>::mailbox(Arc::new(ManualClock::new(T0)));
    handle.track_nowait(screen()).unwrap();
    let waiting = {
        let handle = handle.clone();
        tokio::spawn(async move { handle.flush().await })
    };
    tokio::task::yield_now().await;
    let opened = SessionActor::open(Config::default(), Unopenable, mailbox).await;
    assert!(is_locked(opened.map(|_| ())));
    assert!(is_locked(waiting.await.unwrap()));
    assert!(is_locked(handle.track_nowait(screen())));
    assert!(is_locked(handle.track(screen()).await));
    assert!(is_locked(handle.new_session_nowait()));
    assert!(is_locked(handle.snapshot().await));
}

/// `shutdown_nowait` returns at once; what was sent before it is still processed, persisted
/// and delivered, and the next start finds a clean shutdown.
#[tokio::test]
async fn shutdown_nowait_finishes_what_was_sent_before_it() {
    let clock = ManualClock::new(T0);
    let storage = MemoryStorage::new();
    let config = Config {
        continue_session_on_restart: true,
        ..Config::default()
    };
    let (tx, mut rx) = unbounded_channel();
    let (handle, actor) = SessionActor::start(config, storage.store("ns"), Arc::new(clock.clone()))
        .await
        .unwrap();
    let task = tokio::spawn(actor.with_sink(tx).run());
    handle.track_nowait(screen()).unwrap();
    handle.track_nowait(screen()).unwrap();
    handle.shutdown_nowait().unwrap();
    task.await.unwrap();
    assert!(matches!(
        handle.track_nowait(screen()),
        Err(Error::ShutDown)
    ));
    let delivered = drain(&mut rx);
    assert_eq!(delivered.len(), 2);
    assert_eq!(delivered[1].client_session.event_index, Some(2));

    let (handle, actor) = SessionActor::start(config, storage.store("ns"), Arc::new(clock))
        .await
        .unwrap();
    let task = tokio::spawn(actor.run());
    let next = handle.track(screen()).await.unwrap().event.unwrap();
    assert_eq!(
        next.client_session.session_id, delivered[0].client_session.session_id,
        "a clean shutdown: continue mode continues the session"
    );
    assert_eq!(next.client_session.event_index, Some(3));
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}
