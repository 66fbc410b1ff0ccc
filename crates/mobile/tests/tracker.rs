#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The tracker the Android and iOS bindings share, through its JSON API.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use client_session_mobile::{Listener, MobileError, MobileTracker};
use client_session_suite::iglu::{validate_contexts, validate_self_describing};
use serde_json::Value;

const T0: i64 = 1_700_000_000_000;
const WAIT: Duration = Duration::from_secs(30);

/// What a listener heard, in order: `("event" | "session", json)`; and every event that
/// broke its official Iglu schemas, with why (checked in the listener, reported when read).
#[derive(Clone, Default)]
struct Heard(
    Arc<Mutex<Vec<(&'static str, Value)>>>,
    Arc<Mutex<Vec<String>>>,
);

impl Heard {
    /// Fails the test if an event heard so far was not schema-valid.
    fn all_valid(&self) {
        let invalid = self.1.lock().unwrap();
        assert!(invalid.is_empty(), "{}", invalid.join("\n"));
    }
    fn events(&self) -> Vec<Value> {
        self.all_valid();
        let heard = self.0.lock().unwrap();
        heard
            .iter()
            .filter(|(kind, _)| *kind == "event")
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn all(&self) -> Vec<(&'static str, Value)> {
        self.all_valid();
        self.0.lock().unwrap().clone()
    }
}

impl Listener for Heard {
    fn on_event(&mut self, event_json: &str) {
        let event: Value = serde_json::from_str(event_json).unwrap();
        // Its `co` entities and `ue_pr` against the suite's official schemas; not a panic
        // here, on the library's thread, but a report when the test reads what it heard.
        let valid = validate_contexts(&event["co"]).and_then(|()| match event.get("ue_pr") {
            Some(ue_pr) if !ue_pr.is_null() => validate_self_describing(ue_pr),
            _ => Ok(()),
        });
        if let Err(why) = valid {
            self.1.lock().unwrap().push(format!("{event_json}: {why}"));
        }
        self.0.lock().unwrap().push(("event", event));
    }
    fn on_session(&mut self, session_json: &str) {
        self.0
            .lock()
            .unwrap()
            .push(("session", serde_json::from_str(session_json).unwrap()));
    }
}

fn create(dir: &std::path::Path, config: &str) -> (MobileTracker, Heard) {
    let heard = Heard::default();
    let tracker = MobileTracker::create("app", dir, config, Box::new(heard.clone())).unwrap();
    (tracker, heard)
}

fn session_of(event: &Value) -> &Value {
    let entities = event["co"]["data"].as_array().unwrap();
    &entities
        .iter()
        .find(|e| e["schema"].as_str().unwrap().contains("/client_session/"))
        .unwrap()["data"]
}

/// The listener's schema check can fail: an event whose `screen` entity has no id is reported
/// when the test reads what it heard.
#[test]
#[should_panic(expected = "rejected by")]
fn the_listener_reports_an_event_that_breaks_its_schemas() {
    let mut heard = Heard::default();
    heard.on_event(
        r#"{"event":"structured","eventId":"e","dtm":1,"co":{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[{"schema":"iglu:com.snowplowanalytics.mobile/screen/jsonschema/1-0-0","data":{"name":"home"}}]}}"#,
    );
    let _ = heard.events();
}

/// A plain event: one line each (a screen view after the first also sends a `screen_end`).
const SCREEN: &str = r#"{"type":"structured","category":"screen","action":"home"}"#;

#[test]
fn events_reach_the_listener_in_order_with_their_ids_and_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let (tracker, heard) = create(dir.path(), &format!(r#"{{"test":{{"clockMs":{T0}}}}}"#));
    let first = tracker.track_json(SCREEN).unwrap();
    tracker.set_test_time_ms(T0 + 1000).unwrap();
    let second = tracker
        .track_json(r#"{"type":"structured","category":"c","action":"a"}"#)
        .unwrap();
    tracker.background().unwrap();
    tracker.flush(WAIT).unwrap();
    let all = heard.all();
    let kinds: Vec<_> = all.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, ["session", "event", "event", "event"]);
    let events = heard.events();
    assert_eq!(events[0]["eventId"], first.to_string());
    assert_eq!(events[0]["event"], "structured");
    assert_eq!(events[0]["dtm"], T0);
    assert_eq!(events[1]["eventId"], second.to_string());
    assert_eq!(events[1]["dtm"], T0 + 1000);
    assert_eq!(events[2]["event"], "application_background");
    assert_eq!(
        &all[0].1,
        session_of(&events[0]),
        "on_session gives the entity"
    );
    let indexes: Vec<_> = events
        .iter()
        .map(|e| session_of(e)["eventIndex"].clone())
        .collect();
    assert_eq!(indexes, [1, 2, 3]);
    let session: Value = serde_json::from_str(&tracker.session_json().unwrap()).unwrap();
    assert_eq!(session["sessionId"], session_of(&events[0])["sessionId"]);
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

/// `clear_user_data` (B mobile): in order with the calls around it, the next event is session 1
/// of a new user, on this tracker and on another namespace's tracker on the same directory;
/// the old user id is nowhere under the directory afterwards.
#[test]
fn clear_user_data_makes_a_new_user_for_every_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(r#"{{"test":{{"clockMs":{T0}}}}}"#);
    let (tracker, heard) = create(dir.path(), &config);
    let other_heard = Heard::default();
    let other =
        MobileTracker::create("other", dir.path(), &config, Box::new(other_heard.clone())).unwrap();
    tracker.track_json(SCREEN).unwrap();
    tracker.start_new_session().unwrap();
    tracker.track_json(SCREEN).unwrap();
    other.track_json(SCREEN).unwrap();
    other.flush(WAIT).unwrap();
    tracker.clear_user_data().unwrap();
    tracker.track_json(SCREEN).unwrap();
    tracker.flush(WAIT).unwrap();
    assert_eq!(tracker.session().unwrap().unwrap().session_index, 1);
    other.track_json(SCREEN).unwrap();
    other.flush(WAIT).unwrap();

    let sessions: Vec<Value> = heard
        .events()
        .iter()
        .map(|e| session_of(e).clone())
        .collect();
    let old_user = sessions[0]["userId"].clone();
    assert_eq!(sessions[1]["sessionIndex"], 2);
    assert_eq!(sessions[1]["userId"], old_user);
    let new = &sessions[2];
    assert_ne!(new["userId"], old_user);
    assert_eq!(new["sessionIndex"], 1);
    assert_eq!(new["previousSessionId"], Value::Null);
    let others: Vec<Value> = other_heard
        .events()
        .iter()
        .map(|e| session_of(e).clone())
        .collect();
    assert_eq!(others[0]["userId"], old_user);
    assert_eq!(others[1]["userId"], new["userId"]);
    assert_eq!(others[1]["sessionIndex"], 1);
    assert_eq!(others[1]["previousSessionId"], Value::Null);
    for t in [&tracker, &other] {
        t.close().unwrap();
        t.wait_closed(WAIT).unwrap();
    }
    let old_ids: Vec<String> = sessions[..2]
        .iter()
        .chain(&others[..1])
        .flat_map(|s| {
            ["userId", "sessionId", "firstEventId"].map(|k| s[k].as_str().unwrap().to_owned())
        })
        .collect();
    let left = files_containing(dir.path(), &old_ids);
    assert!(left.is_empty(), "old ids left on disk: {left:?}");
}

/// Every file under `dir` that holds one of `needles`.
fn files_containing(dir: &std::path::Path, needles: &[String]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if std::fs::symlink_metadata(&path).unwrap().is_dir() {
            found.extend(files_containing(&path, needles));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if needles
            .iter()
            .any(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()))
        {
            found.push(path);
        }
    }
    found
}

/// A UI thread never waits for storage: with every store operation taking 300 ms, the calls
/// (the first ones made while the store is still opening) return long before one operation
/// could end. The figures are printed; the bound asserted is far above them and far below
/// the delay, so the test fails only if a call waits on the store.
#[test]
fn calls_return_at_once_while_the_store_is_slow() {
    let dir = tempfile::tempdir().unwrap();
    let (tracker, heard) = create(dir.path(), r#"{"test":{"storeDelayMs":300}}"#);
    let mut slowest = Duration::ZERO;
    for _ in 0..50 {
        let started = Instant::now();
        tracker.track_json(SCREEN).unwrap();
        tracker.background().unwrap();
        tracker.foreground().unwrap();
        slowest = slowest.max(started.elapsed());
    }
    println!("slowest of 50 (track, background, foreground) while the store is slow: {slowest:?}");
    assert!(slowest < Duration::from_millis(100), "{slowest:?}");
    tracker.flush(WAIT).unwrap();
    assert_eq!(heard.events().len(), 150);
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

#[test]
fn eight_threads_at_once_get_every_event_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let (tracker, heard) = create(dir.path(), "");
    let tracker = Arc::new(tracker);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let tracker = Arc::clone(&tracker);
            std::thread::spawn(move || {
                (0..250)
                    .map(|n| {
                        if n % 50 == 0 {
                            tracker.pause().unwrap();
                            tracker.resume().unwrap();
                        }
                        tracker
                            .track_json(&format!(
                                r#"{{"type":"structured","category":"c","action":"t{i}"}}"#
                            ))
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .map(|id| id.to_string())
        .collect();
    tracker.flush(WAIT).unwrap();
    let events = heard.events();
    let indexes: Vec<u64> = events
        .iter()
        .map(|e| session_of(e)["eventIndex"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, (1..=2000).collect::<Vec<_>>());
    let mut heard_ids: Vec<String> = events
        .iter()
        .map(|e| e["eventId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    heard_ids.sort();
    assert_eq!(ids, heard_ids);
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

#[test]
fn calls_after_close_are_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let (tracker, _heard) = create(dir.path(), "");
    tracker.track_json(SCREEN).unwrap();
    tracker.close().unwrap();
    assert!(matches!(tracker.close(), Err(MobileError::Closed)));
    assert!(matches!(
        tracker.track_json(SCREEN),
        Err(MobileError::Closed)
    ));
    assert!(matches!(tracker.background(), Err(MobileError::Closed)));
    assert!(matches!(
        tracker.set_anonymous(true),
        Err(MobileError::Closed)
    ));
    assert!(matches!(tracker.session(), Err(MobileError::Closed)));
    assert!(matches!(tracker.flush(WAIT), Err(MobileError::Closed)));
    assert!(matches!(
        tracker.set_test_time_ms(1),
        Err(MobileError::Closed)
    ));
    tracker.wait_closed(WAIT).unwrap();
    assert!(matches!(
        tracker.start_new_session(),
        Err(MobileError::Closed)
    ));
}

#[test]
fn bad_input_is_a_typed_error_and_tracking_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        MobileTracker::create("app", dir.path(), "{", Box::new(Heard::default())),
        Err(MobileError::InvalidConfig(_))
    ));
    let (tracker, heard) = create(dir.path(), "");
    assert!(matches!(
        tracker.track_json("{"),
        Err(MobileError::InvalidEvent(_))
    ));
    assert!(matches!(
        tracker.set_test_time_ms(1),
        Err(MobileError::NoTestClock)
    ));
    tracker.track_json(SCREEN).unwrap();
    tracker.flush(WAIT).unwrap();
    assert_eq!(heard.events().len(), 1);
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

/// A listener that panics is logged; the tracker goes on and later events still arrive.
#[test]
fn a_panicking_listener_does_not_stop_the_tracker() {
    struct Panics(Arc<Mutex<usize>>);
    impl Listener for Panics {
        fn on_event(&mut self, _: &str) {
            *self.0.lock().unwrap() += 1;
            panic!("the app's listener fails");
        }
        fn on_session(&mut self, _: &str) {}
    }
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(Mutex::new(0));
    let tracker =
        MobileTracker::create("app", dir.path(), "", Box::new(Panics(Arc::clone(&calls)))).unwrap();
    for _ in 0..3 {
        tracker.track_json(SCREEN).unwrap();
        tracker.flush(WAIT).unwrap();
    }
    assert_eq!(*calls.lock().unwrap(), 3);
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

/// A restart: a tracker created while the last one on the same directory and namespace is
/// still closing opens once that one has released the store, and continues its session.
#[test]
fn a_new_tracker_on_the_same_namespace_opens_after_the_last_one_closed() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"{"continueSessionOnRestart":true,"test":{"storeDelayMs":50}}"#;
    let (first, heard_first) = create(dir.path(), config);
    first.track_json(SCREEN).unwrap();
    first.close().unwrap();
    let (second, heard_second) = create(dir.path(), config);
    second.track_json(SCREEN).unwrap();
    second.flush(WAIT).unwrap();
    let a = session_of(&heard_first.events()[0]).clone();
    let b = session_of(&heard_second.events()[0]).clone();
    assert_eq!(a["sessionId"], b["sessionId"]);
    assert_eq!(b["eventIndex"], 2);
    // Another namespace on the same directory runs beside it, with the same user.
    let heard_other = Heard::default();
    let other =
        MobileTracker::create("other", dir.path(), "", Box::new(heard_other.clone())).unwrap();
    other.track_json(SCREEN).unwrap();
    other.flush(WAIT).unwrap();
    let c = session_of(&heard_other.events()[0]).clone();
    assert_eq!(c["userId"], a["userId"]);
    assert_ne!(c["sessionId"], a["sessionId"]);
    for tracker in [first, second, other] {
        let _ = tracker.close();
        tracker.wait_closed(WAIT).unwrap();
    }
}

/// A data directory that cannot be made: every call reports the store's error.
#[test]
fn a_store_that_cannot_open_fails_the_calls_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let (tracker, _heard) = create(&file.join("data"), "");
    assert!(matches!(tracker.flush(WAIT), Err(MobileError::Session(_))));
    assert!(matches!(
        tracker.track_json(SCREEN),
        Err(MobileError::Session(_))
    ));
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

/// Copies a data directory as it is on disk now, while its tracker still runs: what a process
/// killed at this moment leaves.
fn crash_image(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            crash_image(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Spec B2 "Mobile durability at background": a phone kills a backgrounded app without a
/// clean shutdown; once `background` is processed the session can be continued, and once a
/// later event is, it cannot.
#[test]
fn an_app_killed_in_the_background_continues_its_session() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let config = r#"{"continueSessionOnRestart":true}"#;
    let (tracker, heard) = create(&live, config);
    tracker.track_json(SCREEN).unwrap();
    tracker.background().unwrap();
    tracker.flush(WAIT).unwrap();
    crash_image(&live, &dir.path().join("killed-in-background"));
    tracker.track_json(SCREEN).unwrap();
    tracker.flush(WAIT).unwrap();
    crash_image(&live, &dir.path().join("killed-after-an-event"));
    let before = session_of(&heard.events()[0]).clone();

    let (continued, heard_continued) = create(&dir.path().join("killed-in-background"), config);
    continued.track_json(SCREEN).unwrap();
    continued.flush(WAIT).unwrap();
    let after = session_of(&heard_continued.events()[0]).clone();
    assert_eq!(after["sessionId"], before["sessionId"]);
    assert_eq!(
        after["eventIndex"], 3,
        "after the event and application_background"
    );

    let (rotated, heard_rotated) = create(&dir.path().join("killed-after-an-event"), config);
    rotated.track_json(SCREEN).unwrap();
    rotated.flush(WAIT).unwrap();
    let after = session_of(&heard_rotated.events()[0]).clone();
    assert_eq!(after["previousSessionId"], before["sessionId"]);
    assert_eq!(after["sessionIndex"], 2);
    for tracker in [tracker, continued, rotated] {
        tracker.close().unwrap();
        tracker.wait_closed(WAIT).unwrap();
    }
}

/// The data of the entity with `schema` among an event's `co` contexts, or `null`.
fn entity(event: &Value, schema: &str) -> Value {
    event["co"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["schema"] == schema)
        .map_or(Value::Null, |e| e["data"].clone())
}

/// A second screen view reaches the listener as two events, the first screen's `screen_end`
/// with its summary and then the view; list item views and scrolls in between are folded into
/// that summary and reach the listener as nothing (spec B mobile "Screens").
#[test]
fn screens_reach_the_listener_with_their_end_and_summary() {
    use client_session_core::{SCREEN_END_SCHEMA, SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA};
    let dir = tempfile::tempdir().unwrap();
    let (tracker, heard) = create(dir.path(), &format!(r#"{{"test":{{"clockMs":{T0}}}}}"#));
    let home_id = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
    let first = tracker
        .track_json(&format!(
            r#"{{"type":"screen_view","name":"home","id":"{}","screenType":"feed"}}"#,
            home_id.to_uppercase()
        ))
        .unwrap();
    // The tracker's clock when it processes a call judges sessions and times screens: each
    // step is processed before the clock moves on.
    tracker.flush(WAIT).unwrap();
    tracker.set_test_time_ms(T0 + 1500).unwrap();
    tracker
        .track_json(r#"{"type":"list_item_view","index":3,"itemsCount":40}"#)
        .unwrap();
    tracker
        .track_json(r#"{"type":"list_item_view","index":1}"#)
        .unwrap();
    tracker
        .track_json(
            r#"{"type":"scroll_changed","yOffset":100,"viewHeight":800,"contentHeight":9000}"#,
        )
        .unwrap();
    tracker.flush(WAIT).unwrap();
    tracker.set_test_time_ms(T0 + 2500).unwrap();
    let second = tracker
        .track_json(r#"{"type":"screen_view","name":"cart","transitionType":"push"}"#)
        .unwrap();
    tracker.flush(WAIT).unwrap();

    let all = heard.all();
    let kinds: Vec<_> = all
        .iter()
        .map(|(kind, json)| json["event"].as_str().unwrap_or(kind).to_owned())
        .collect();
    assert_eq!(
        kinds,
        ["session", "screen_view", "screen_end", "screen_view"]
    );
    let events = heard.events();
    let home = serde_json::json!({"name": "home", "id": home_id, "type": "feed"});

    assert_eq!(events[0]["eventId"], first.to_string());
    assert_eq!(events[0]["ue_pr"]["data"], home);
    assert_eq!(entity(&events[0], SCREEN_SCHEMA), home);
    assert_eq!(entity(&events[0], SCREEN_SUMMARY_SCHEMA), Value::Null);

    let end = &events[1];
    assert_ne!(end["eventId"], first.to_string());
    assert_ne!(end["eventId"], second.to_string());
    assert_eq!(end["dtm"], T0 + 2500, "the screen view's dtm");
    assert_eq!(
        end["ue_pr"],
        serde_json::json!({"schema": SCREEN_END_SCHEMA, "data": {}})
    );
    assert_eq!(entity(end, SCREEN_SCHEMA), home, "the screen that ends");
    assert_eq!(
        entity(end, SCREEN_SUMMARY_SCHEMA),
        serde_json::json!({"foreground_sec": 2.5, "background_sec": 0, "last_item_index": 3,
            "items_count": 40, "min_y_offset": 100, "max_y_offset": 900, "content_height": 9000})
    );
    assert_eq!(session_of(end)["eventIndex"], 2);

    let view = &events[2];
    assert_eq!(view["eventId"], second.to_string());
    assert_eq!(view["dtm"], T0 + 2500);
    let cart = entity(view, SCREEN_SCHEMA);
    assert_eq!(cart["name"], "cart");
    assert_eq!(
        view["ue_pr"]["data"],
        serde_json::json!({"name": "cart", "id": cart["id"], "previousName": "home",
            "previousId": home_id, "previousType": "feed", "transitionType": "push"})
    );
    assert_eq!(entity(view, SCREEN_SUMMARY_SCHEMA), Value::Null);
    assert_eq!(session_of(view)["eventIndex"], 3);

    // The lifecycle events carry the current screen's summary.
    tracker.set_test_time_ms(T0 + 4000).unwrap();
    tracker.background().unwrap();
    tracker.flush(WAIT).unwrap();
    let background = heard.events().pop().unwrap();
    assert_eq!(background["event"], "application_background");
    assert_eq!(entity(&background, SCREEN_SCHEMA), cart);
    assert_eq!(
        entity(&background, SCREEN_SUMMARY_SCHEMA),
        serde_json::json!({"foreground_sec": 1.5, "background_sec": 0})
    );
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

/// `screenContext` and `screenEngagementAutotracking` off: no `screen` entity, no
/// `screen_end`, and list item views and scrolls are sent as events of their own.
#[test]
fn the_screen_keys_turn_the_entity_and_engagement_off() {
    use client_session_core::{SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA};
    let dir = tempfile::tempdir().unwrap();
    let (tracker, heard) = create(
        dir.path(),
        &format!(
            r#"{{"screenContext":false,"screenEngagementAutotracking":false,"test":{{"clockMs":{T0}}}}}"#
        ),
    );
    for event in [
        r#"{"type":"screen_view","name":"home"}"#,
        r#"{"type":"list_item_view","index":3}"#,
        r#"{"type":"scroll_changed","xOffset":-4}"#,
        r#"{"type":"screen_view","name":"cart"}"#,
    ] {
        tracker.track_json(event).unwrap();
    }
    tracker.flush(WAIT).unwrap();
    let events = heard.events();
    let kinds: Vec<_> = events.iter().map(|e| e["event"].clone()).collect();
    assert_eq!(
        kinds,
        [
            "screen_view",
            "list_item_view",
            "scroll_changed",
            "screen_view"
        ]
    );
    assert_eq!(events[1]["ue_pr"]["data"], serde_json::json!({"index": 3}));
    assert_eq!(
        events[2]["ue_pr"]["data"],
        serde_json::json!({"x_offset": -4})
    );
    assert_eq!(events[3]["ue_pr"]["data"]["previousName"], "home");
    for event in &events {
        assert_eq!(entity(event, SCREEN_SCHEMA), Value::Null, "{event}");
        assert_eq!(entity(event, SCREEN_SUMMARY_SCHEMA), Value::Null, "{event}");
    }
    // The summary is off too: none on the lifecycle event.
    tracker.background().unwrap();
    tracker.flush(WAIT).unwrap();
    let background = heard.events().pop().unwrap();
    assert_eq!(background["event"], "application_background");
    assert_eq!(entity(&background, SCREEN_SUMMARY_SCHEMA), Value::Null);
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}

/// A bad screen event is refused on the caller's thread and tracks nothing.
#[test]
fn bad_screen_input_is_refused_and_tracks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (tracker, heard) = create(dir.path(), "");
    for bad in [
        r#"{"type":"screen_view","name":""}"#,
        r#"{"type":"screen_view","name":"a","previousId":"nope"}"#,
        r#"{"type":"list_item_view","index":65536}"#,
        r#"{"type":"scroll_changed","viewWidth":-1}"#,
        r#"{"type":"structured","category":"c","action":"a","name":"home"}"#,
    ] {
        match tracker.track_json(bad) {
            Err(MobileError::InvalidEvent(message)) => assert!(!message.is_empty()),
            other => panic!("{bad}: {other:?}"),
        }
    }
    tracker.track_json(SCREEN).unwrap();
    tracker.flush(WAIT).unwrap();
    assert_eq!(heard.events().len(), 1);
    tracker.close().unwrap();
    tracker.wait_closed(WAIT).unwrap();
}
