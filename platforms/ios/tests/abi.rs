#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
#![allow(unsafe_code)] // the C ABI, called as C calls it
//! The extern functions called directly from Rust, as a C caller would. The C tests
//! (`tests/abi_tests.c`, `cargo xtask c-test`) are the fuller check; these run with `cargo test`.

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;
use std::sync::Mutex;

use client_session_ios::*;
use serde_json::Value;

const WAIT_MS: u64 = 30_000;

/// What the callbacks heard, in order: `("event" | "session", json)`.
#[derive(Default)]
struct Heard(Mutex<Vec<(&'static str, String)>>);

unsafe extern "C" fn on_event(user_data: *mut c_void, json: *const c_char, len: usize) {
    // SAFETY: `user_data` is the `Heard` the test keeps alive until the tracker is freed;
    // `json` is `len` bytes of UTF-8 (the library's contract), also NUL-terminated.
    let (heard, text) = unsafe { (&*user_data.cast::<Heard>(), CStr::from_ptr(json)) };
    let text = text.to_str().unwrap();
    assert_eq!(text.len(), len);
    heard.0.lock().unwrap().push(("event", text.to_owned()));
}

unsafe extern "C" fn on_session(user_data: *mut c_void, json: *const c_char, len: usize) {
    // SAFETY: as in `on_event`.
    let (heard, text) = unsafe { (&*user_data.cast::<Heard>(), CStr::from_ptr(json)) };
    assert_eq!(text.to_bytes().len(), len);
    heard
        .0
        .lock()
        .unwrap()
        .push(("session", text.to_str().unwrap().to_owned()));
}

fn c(text: &str) -> CString {
    CString::new(text).unwrap()
}

fn last_error() -> String {
    // SAFETY: never NULL, NUL-terminated, valid until the next call on this thread.
    unsafe { CStr::from_ptr(cs_last_error()) }
        .to_str()
        .unwrap()
        .to_owned()
}

fn create(dir: &std::path::Path, config: &str, heard: &Heard) -> *mut CsTracker {
    let (namespace, dir, config) = (c("app"), c(dir.to_str().unwrap()), c(config));
    let mut tracker = ptr::null_mut();
    let user_data = ptr::from_ref(heard).cast_mut().cast::<c_void>();
    // SAFETY: valid C strings; `heard` outlives the tracker (each test frees it first).
    let status = unsafe {
        cs_tracker_create(
            namespace.as_ptr(),
            dir.as_ptr(),
            config.as_ptr(),
            Some(on_event),
            user_data,
            Some(on_session),
            user_data,
            &mut tracker,
        )
    };
    assert_eq!(status, CsStatus::Ok, "{}", last_error());
    assert!(!tracker.is_null());
    tracker
}

#[test]
fn an_event_id_comes_back_at_once_and_the_event_reaches_the_callback() {
    let dir = tempfile::tempdir().unwrap();
    let heard = Heard::default();
    let t = create(dir.path(), r#"{"test":{"clockMs":1700000000000}}"#, &heard);
    let event = c(r#"{"type":"screen_view","name":"home"}"#);
    let mut id = [1 as c_char; CS_EVENT_ID_SIZE];
    // SAFETY: a live tracker, a C string and a buffer of CS_EVENT_ID_SIZE bytes.
    unsafe {
        assert_eq!(
            cs_tracker_track(t, event.as_ptr(), id.as_mut_ptr()),
            CsStatus::Ok
        );
        assert_eq!(cs_tracker_flush(t, WAIT_MS), CsStatus::Ok);
    }
    // SAFETY: the library wrote 36 characters and a NUL.
    let id = unsafe { CStr::from_ptr(id.as_ptr()) }.to_str().unwrap();
    assert_eq!(id.len(), 36);
    let all = heard.0.lock().unwrap().clone();
    let kinds: Vec<_> = all.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(kinds, ["session", "event"]);
    let event: Value = serde_json::from_str(&all[1].1).unwrap();
    assert_eq!(event["eventId"], id);
    assert_eq!(event["dtm"], 1_700_000_000_000_i64);

    let mut session = ptr::null_mut();
    // SAFETY: a live tracker and a writable pointer; the string is freed once.
    unsafe {
        assert_eq!(cs_tracker_session(t, &mut session), CsStatus::Ok);
        assert_eq!(CStr::from_ptr(session).to_str().unwrap(), all[0].1);
        cs_string_free(session);
        assert_eq!(cs_tracker_free(t, WAIT_MS), CsStatus::Ok);
    }
}

#[test]
fn bad_input_and_calls_after_close_are_statuses_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let heard = Heard::default();
    let t = create(dir.path(), "", &heard);
    let invalid_utf8 = [0x61_u8, 0xff, 0];
    let mut json = ptr::null_mut();
    // SAFETY: a live tracker (until freed at the end), C strings or NULL.
    unsafe {
        assert_eq!(
            cs_tracker_track(ptr::null(), c("{}").as_ptr(), ptr::null_mut()),
            CsStatus::NullPointer
        );
        assert_eq!(last_error(), "cs_tracker_track: `tracker` is NULL");
        assert_eq!(
            cs_tracker_track(t, invalid_utf8.as_ptr().cast(), ptr::null_mut()),
            CsStatus::InvalidUtf8
        );
        assert!(last_error().contains("`event_json` is not UTF-8"));
        assert_eq!(
            cs_tracker_track(t, c(r#"{"type":"screen_view"}"#).as_ptr(), ptr::null_mut()),
            CsStatus::InvalidEvent
        );
        assert_eq!(cs_tracker_set_test_time(t, 5), CsStatus::NoTestClock);
        assert_eq!(cs_tracker_close(t), CsStatus::Ok);
        assert_eq!(cs_tracker_close(t), CsStatus::Closed);
        assert_eq!(cs_tracker_pause(t), CsStatus::Closed);
        assert_eq!(cs_tracker_session(t, &mut json), CsStatus::Closed);
        assert!(json.is_null());
        assert_eq!(last_error(), "cs_tracker_session: the tracker is closed");
        assert_eq!(cs_tracker_free(t, WAIT_MS), CsStatus::Ok);
        assert_eq!(cs_tracker_free(ptr::null_mut(), WAIT_MS), CsStatus::Ok);
    }
    for code in [0, 5, 11] {
        // SAFETY: a static C string.
        let name = unsafe { CStr::from_ptr(cs_status_name(code)) };
        assert!(name.to_str().unwrap().starts_with("CS_STATUS_"));
    }
    // SAFETY: a static C string.
    let unknown = unsafe { CStr::from_ptr(cs_status_name(99)) };
    assert_eq!(unknown.to_str().unwrap(), "CS_STATUS_UNKNOWN");
    assert!(heard.0.lock().unwrap().is_empty());
}

/// A callback that flushes (a blocking call) is refused at once instead of waiting for itself.
#[test]
fn a_blocking_call_inside_a_callback_is_refused() {
    struct Reentry {
        tracker: *const CsTracker,
        statuses: Mutex<Vec<CsStatus>>,
    }
    unsafe extern "C" fn flush_inside(user_data: *mut c_void, _: *const c_char, _: usize) {
        // SAFETY: the `Reentry` the test keeps alive until the tracker is freed.
        let reentry = unsafe { &*user_data.cast::<Reentry>() };
        // SAFETY: the tracker is live while its callbacks run.
        let status = unsafe { cs_tracker_flush(reentry.tracker, WAIT_MS) };
        reentry.statuses.lock().unwrap().push(status);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut reentry = Reentry {
        tracker: ptr::null(),
        statuses: Mutex::new(Vec::new()),
    };
    let (namespace, path) = (c("app"), c(dir.path().to_str().unwrap()));
    let mut t = ptr::null_mut();
    let user_data = ptr::from_mut(&mut reentry).cast::<c_void>();
    // SAFETY: C strings; `reentry` outlives the tracker; its `tracker` is set before any event
    // is tracked, so before any callback.
    unsafe {
        assert_eq!(
            cs_tracker_create(
                namespace.as_ptr(),
                path.as_ptr(),
                c("").as_ptr(),
                Some(flush_inside),
                user_data,
                None,
                ptr::null_mut(),
                &mut t,
            ),
            CsStatus::Ok
        );
        (*user_data.cast::<Reentry>()).tracker = t;
        let event = c(r#"{"type":"structured","category":"c","action":"a"}"#);
        assert_eq!(
            cs_tracker_track(t, event.as_ptr(), ptr::null_mut()),
            CsStatus::Ok
        );
        assert_eq!(cs_tracker_flush(t, WAIT_MS), CsStatus::Ok);
        assert_eq!(cs_tracker_free(t, WAIT_MS), CsStatus::Ok);
    }
    assert_eq!(
        *reentry.statuses.lock().unwrap(),
        [CsStatus::InCallback],
        "one event, one refused flush"
    );
}
