#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The wall clock misbehaving, through the actor with a manual clock (spec A2.3, A2.9, B2
//! "Limits"): jumps backwards and forwards by hours, jumps while paused, and the smallest and
//! largest timeouts. `dtm` follows the clock as it reads when an event is tracked.

use std::sync::Arc;

use client_session_actor::{Event, ManualClock, SessionActor, SessionHandle, TrackedEvent};
use client_session_core::{Config, Payload, Timeout};
use client_session_store::MemoryStorage;
use tokio::task::JoinHandle;
use uuid::Uuid;

const T0: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

async fn start(config: Config) -> (SessionHandle, ManualClock, JoinHandle<()>) {
    let clock = ManualClock::new(T0);
    let store = MemoryStorage::new().store("ns");
    let (handle, actor) = SessionActor::start(config, store, Arc::new(clock.clone()))
        .await
        .unwrap();
    (handle, clock, tokio::spawn(actor.run()))
}

fn timeouts(foreground_s: u32, background_s: u32) -> Config {
    Config {
        foreground_timeout: Timeout::from_secs(foreground_s),
        background_timeout: Timeout::from_secs(background_s),
        ..Config::default()
    }
}

async fn track(handle: &SessionHandle) -> TrackedEvent {
    handle
        .track(Event::new(Payload::structured("s", "t")))
        .await
        .unwrap()
        .event
        .unwrap()
}

/// Asserts `next` continues `previous`'s session with the next event index.
fn same_session(previous: &TrackedEvent, next: &TrackedEvent) {
    assert!(!next.starts_session, "{next:?}");
    let (p, n) = (&previous.client_session, &next.client_session);
    assert_eq!(n.session_id, p.session_id);
    assert_eq!(n.session_index, p.session_index);
    assert_eq!(n.event_index, p.event_index.map(|i| i + 1));
}

/// Asserts `next` starts the session after `previous`'s, with `next` as its first event.
fn new_session(previous: &TrackedEvent, next: &TrackedEvent) {
    assert!(next.starts_session, "{next:?}");
    let (p, n) = (&previous.client_session, &next.client_session);
    assert_ne!(n.session_id, p.session_id);
    assert_eq!(n.session_index, p.session_index + 1);
    assert_eq!(n.previous_session_id, Some(p.session_id));
    assert_eq!(n.event_index, Some(1));
    assert_eq!(n.first_event_id, Some(next.stamp.id));
    assert_eq!(n.first_event_timestamp.unwrap().0, next.stamp.dtm_ms);
}

#[tokio::test]
async fn the_clock_jumping_back_by_hours_starts_a_new_session() {
    let (handle, clock, _task) = start(Config::default()).await;
    let first = track(&handle).await;
    clock.advance(-3 * HOUR);
    let back = track(&handle).await;
    new_session(&first, &back);
    // dtm follows the clock as it now reads, and so does the new session's first timestamp.
    assert_eq!(back.stamp.dtm_ms, T0 - 3 * HOUR);
    assert_eq!(
        serde_json::to_value(&back.client_session).unwrap()["firstEventTimestamp"],
        "2023-11-14T19:13:20.000Z"
    );
    // From there, time runs normally again: the new session is measured from the jumped clock.
    clock.advance(1_800_000);
    let later = track(&handle).await;
    same_session(&back, &later);
    assert_eq!(later.stamp.dtm_ms, T0 - 3 * HOUR + 1_800_000);
    // Back to the original time: 1.5 hours after the last event, more than the timeout.
    clock.set(T0);
    let returned = track(&handle).await;
    new_session(&later, &returned);
}

#[tokio::test]
async fn one_millisecond_back_is_already_a_new_session() {
    let (handle, clock, _task) = start(Config::default()).await;
    let first = track(&handle).await;
    let same = track(&handle).await;
    same_session(&first, &same);
    clock.advance(-1);
    let back = track(&handle).await;
    new_session(&same, &back);
    assert_eq!(back.stamp.dtm_ms, T0 - 1);
}

#[tokio::test]
async fn the_clock_jumping_forward_by_hours_starts_a_new_session_past_the_timeout() {
    let (handle, clock, _task) = start(timeouts(2 * 3600, 3600)).await;
    let first = track(&handle).await;
    // Exactly the foreground timeout: the same session (strictly greater ends it).
    clock.advance(2 * HOUR);
    let at_timeout = track(&handle).await;
    same_session(&first, &at_timeout);
    assert_eq!(at_timeout.stamp.dtm_ms, T0 + 2 * HOUR);
    clock.advance(2 * HOUR + 1);
    let past = track(&handle).await;
    new_session(&at_timeout, &past);
    // In the background the background timeout applies: an hour and a millisecond is past it.
    let bg = handle.background().await.unwrap().unwrap();
    same_session(&past, &bg);
    clock.advance(HOUR);
    let in_bg = track(&handle).await;
    same_session(&bg, &in_bg);
    clock.advance(HOUR + 1);
    let fg = handle.foreground().await.unwrap().unwrap();
    // The foreground event is judged with the background timeout (spec A2.8).
    new_session(&in_bg, &fg);
    // Lifecycle events are stamped by the actor with its clock.
    assert_eq!(fg.stamp.dtm_ms, T0 + 6 * HOUR + 2);
    // A jump of days is the same as one past the timeout by a millisecond.
    clock.advance(30 * 24 * HOUR);
    let month = track(&handle).await;
    new_session(&fg, &month);
    assert_eq!(month.stamp.dtm_ms, T0 + 6 * HOUR + 2 + 30 * 24 * HOUR);
}

#[tokio::test]
async fn a_jump_back_while_paused_keeps_the_session_until_resumed() {
    let (handle, clock, _task) = start(Config::default()).await;
    let first = track(&handle).await;
    handle.pause().await.unwrap();
    clock.advance(-5 * HOUR);
    let paused = track(&handle).await;
    same_session(&first, &paused);
    assert_eq!(
        paused.stamp.dtm_ms,
        T0 - 5 * HOUR,
        "dtm follows the clock, paused or not"
    );
    // Forward again, by more than the timeout, still paused: no check, no new session.
    clock.set(T0 + 2 * HOUR);
    let still = track(&handle).await;
    same_session(&paused, &still);
    // lastUpdate stayed at T0 while paused, so back at T0 - 1 h after resuming the clock is
    // behind it: a new session (spec A2.9: the first event after resuming can time out).
    handle.resume().await.unwrap();
    clock.set(T0 - HOUR);
    let resumed = track(&handle).await;
    new_session(&still, &resumed);
}

#[tokio::test]
async fn after_resuming_the_frozen_last_update_decides() {
    let (handle, clock, _task) = start(Config::default()).await;
    let first = track(&handle).await;
    handle.pause().await.unwrap();
    clock.advance(-HOUR);
    let paused = track(&handle).await;
    same_session(&first, &paused);
    handle.resume().await.unwrap();
    // Back at T0 + 30 min: exactly the timeout after the frozen lastUpdate (T0), not behind it.
    clock.set(T0 + 1_800_000);
    let resumed = track(&handle).await;
    same_session(&paused, &resumed);
}

#[tokio::test]
async fn a_zero_timeout_keeps_only_events_of_the_same_millisecond_together() {
    let (handle, clock, _task) = start(timeouts(0, 0)).await;
    let first = track(&handle).await;
    let same_ms = track(&handle).await;
    same_session(&first, &same_ms);
    clock.advance(1);
    let next_ms = track(&handle).await;
    new_session(&same_ms, &next_ms);
    // Lifecycle events too, in either state.
    let bg = handle.background().await.unwrap().unwrap();
    same_session(&next_ms, &bg);
    clock.advance(1);
    let fg = handle.foreground().await.unwrap().unwrap();
    new_session(&bg, &fg);
    // A jump back is a new session with any timeout.
    clock.advance(-1);
    let back = track(&handle).await;
    new_session(&fg, &back);
}

#[tokio::test]
async fn the_largest_timeout_lasts_136_years_and_a_millisecond_more_ends_it() {
    let max_ms = i64::from(u32::MAX) * 1000;
    let (handle, clock, _task) = start(timeouts(u32::MAX, u32::MAX)).await;
    let first = track(&handle).await;
    clock.advance(max_ms);
    let at_max = track(&handle).await;
    same_session(&first, &at_max);
    assert_eq!(at_max.stamp.dtm_ms, T0 + max_ms);
    handle.background().await.unwrap().unwrap();
    clock.advance(max_ms);
    let bg_at_max = track(&handle).await;
    assert!(!bg_at_max.starts_session);
    clock.advance(max_ms + 1);
    let past = track(&handle).await;
    new_session(&bg_at_max, &past);
    // Backwards is still a new session, however large the timeout.
    clock.advance(-1);
    let back = track(&handle).await;
    new_session(&past, &back);
}

/// The clock at its extremes (a device set to 1969, or absurdly far ahead): no panic, a new
/// session each jump, and a timestamp that stays RFC 3339.
#[tokio::test]
async fn the_clock_at_its_extremes_never_panics() {
    let (handle, clock, _task) = start(Config::default()).await;
    let mut last = track(&handle).await;
    for at in [-1, i64::MIN, i64::MAX, 0, T0] {
        clock.set(at);
        let next = track(&handle).await;
        new_session(&last, &next);
        assert_eq!(next.stamp.dtm_ms, at);
        let json = serde_json::to_value(&next.client_session).unwrap();
        let text = json["firstEventTimestamp"].as_str().unwrap().to_owned();
        assert!(
            text.len() == 24 && text.ends_with('Z') && text.as_bytes()[10] == b'T',
            "{at}: {text}"
        );
        last = next;
    }
    assert_eq!(last.client_session.session_index, 6);
}

#[tokio::test]
async fn caller_given_timestamps_are_kept_while_the_actor_clock_decides() {
    let (handle, clock, _task) = start(Config::default()).await;
    let first = track(&handle).await;
    clock.advance(-2 * HOUR);
    // A dtm from before the jump does not hide it: the actor's clock went back.
    let id = Uuid::new_v4();
    let e = handle
        .track(
            Event::new(Payload::structured("s", "t"))
                .with_id(id)
                .with_timestamp_ms(T0 + 5),
        )
        .await
        .unwrap()
        .event
        .unwrap();
    new_session(&first, &e);
    assert_eq!(e.stamp.dtm_ms, T0 + 5);
    assert_eq!(e.client_session.first_event_id, Some(id));
    assert_eq!(e.client_session.first_event_timestamp.unwrap().0, T0 + 5);
}
