#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The desktop adapter on a real data directory.

use client_session_actor::{Error, Event, Payload};
use client_session_desktop::{DataLocation, DesktopError, DesktopOptions, DesktopTracker};
use client_session_store_sled::StoreError;

fn screen() -> Event {
    Event::new(Payload::structured("main", "t"))
}

#[tokio::test]
async fn a_second_run_keeps_the_user_and_starts_a_new_session() {
    let dir = tempfile::tempdir().unwrap();
    let first = DesktopTracker::open(DesktopOptions::at_path(dir.path()))
        .await
        .unwrap();
    let a = first.handle().track(screen()).await.unwrap().event.unwrap();
    assert!(first.background().await.unwrap().is_some());
    assert!(first.foreground().await.unwrap().is_some());
    first.shutdown().await.unwrap();

    let second = DesktopTracker::open(DesktopOptions::at_path(dir.path()))
        .await
        .unwrap();
    let b = second
        .handle()
        .track(screen())
        .await
        .unwrap()
        .event
        .unwrap();
    assert_eq!(b.client_session.user_id, a.client_session.user_id);
    assert_eq!(b.client_session.session_index, 2);
    assert_eq!(
        b.client_session.previous_session_id,
        Some(a.client_session.session_id)
    );
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_database_held_by_another_tracker_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let _running = DesktopTracker::open(DesktopOptions::at_path(dir.path()))
        .await
        .unwrap();
    match DesktopTracker::open(DesktopOptions::at_path(dir.path())).await {
        Err(DesktopError::Session(Error::Store(e))) => {
            assert!(matches!(*e, StoreError::Locked { .. }), "{e}")
        }
        other => panic!("expected Locked, got {other:?}"),
    }
}

#[test]
fn app_location_is_under_the_platform_data_dir() {
    let path = DataLocation::App("com.example.app".into())
        .resolve()
        .unwrap();
    assert!(
        path.ends_with("com.example.app/client-session"),
        "{}",
        path.display()
    );
}
