//! The C ABI: every exported function, turning pointers into Rust values and back.
//!
//! The only module with unsafe code. Every entry point runs its body in [`guard`], so a panic
//! never unwinds into C and every failure sets the thread's last error.

use std::ffi::{c_char, c_void, CStr, CString};
use std::path::Path;
use std::time::Duration;

use client_session_mobile::{Listener, MobileTracker};

use crate::status::{guard, last_error, CsStatus, Failure, InCallback};

/// The size of the buffer `cs_tracker_track` writes an event id into: 36 characters (a
/// lower-case UUID, `8-4-4-4-12` hexadecimal digits) and the terminating NUL.
pub const CS_EVENT_ID_SIZE: usize = 37;

/// A tracker: opaque, made by `cs_tracker_create`, released by `cs_tracker_free`. Every call
/// taking one may be made from any thread, at the same time as others.
pub struct CsTracker {
    inner: MobileTracker,
}

/// A callback that receives JSON: `json` is `len` bytes of UTF-8, also NUL-terminated, valid
/// only during the call (copy what you keep). Called on the library's thread with the user data
/// given at creation, one call at a time, in order. Keep it quick (hand the JSON to a queue):
/// the tracker processes nothing else meanwhile. It may call any function of this library
/// except the blocking ones (`cs_tracker_flush` and `cs_tracker_free` return
/// `CS_STATUS_IN_CALLBACK` there). It must return normally: no `longjmp` out of it, no C++
/// exception through it.
pub type CsJsonCallback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, json: *const c_char, len: usize)>;

/// Creates a tracker for `tracker_namespace` keeping its state in the directory `data_dir`
/// (created if needed; on iOS a folder under Application Support), configured by `config_json`,
/// and stores it in `*out_tracker`. Returns at once: the store is opened on the library's own
/// thread, and calls made meanwhile are processed in order once it is open (a store that cannot
/// be opened fails the calls that follow with `CS_STATUS_SESSION`).
///
/// `config_json` uses the names of Snowplow's Android tracker, every key optional, an unknown
/// key an error; `""` is the default configuration:
/// `{"foregroundTimeout": 1800, "backgroundTimeout": 1800, "continueSessionOnRestart": false,
/// "lifecycleAutotracking": true, "userAnonymisation": false, "screenContext": true,
/// "screenEngagementAutotracking": true}` (timeouts in whole seconds). `screenContext` attaches
/// the `screen` entity to every event while a screen is current; `screenEngagementAutotracking`
/// sends a `screen_end` with the `screen_summary` entity before each later screen view, adds
/// the summary to the lifecycle events, and folds list item views and scrolls into the summary
/// instead of sending them. Its `test` key is for tests only, never for an app: `{"test":
/// {"clockMs": <unix ms>, "storeDelayMs": <ms>}}` (a manual clock, moved by
/// `cs_tracker_set_test_time`; a slow store).
///
/// `on_event` receives every tracked event, the app's and the tracker's own (lifecycle events,
/// `screen_end`), in order once persisted: `{"event": "screen_view", "eventId": "…", "dtm":
/// <unix ms>, "ue_pr": {"schema": "iglu:…/screen_view/jsonschema/1-0-0", "data": {"name":
/// "home", "id": "…"}}, "co": {contexts JSON}}`. `ue_pr` is the self-describing event of the
/// tracker protocol, present for every self-describing event (screen, list, scroll, lifecycle
/// and the app's own; absent for structured events and page views); `co` holds the
/// `client_session` entity, the lifecycle entity, and `screen` and `screen_summary` when
/// attached. `on_session` receives each new session (the `client_session` entity's data) just
/// before the event that started it. Either may be NULL (not called).
///
/// Errors: `CS_STATUS_NULL_POINTER` (a string or `out_tracker`), `CS_STATUS_INVALID_UTF8`,
/// `CS_STATUS_INVALID_CONFIG`, `CS_STATUS_THREAD`. On any error `*out_tracker` is set to NULL
/// (when `out_tracker` is not NULL) and nothing needs freeing.
///
/// # Safety
/// The strings must be NULL or NUL-terminated and readable; `out_tracker` NULL or writable.
/// The user data pointers are handed to the callbacks on the library's thread, until
/// `cs_tracker_free` returns `CS_STATUS_OK`: what they point to must be usable from that thread
/// until then.
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the C signature: two callbacks with their user data
pub unsafe extern "C" fn cs_tracker_create(
    tracker_namespace: *const c_char,
    data_dir: *const c_char,
    config_json: *const c_char,
    on_event: CsJsonCallback,
    event_user_data: *mut c_void,
    on_session: CsJsonCallback,
    session_user_data: *mut c_void,
    out_tracker: *mut *mut CsTracker,
) -> CsStatus {
    guard("cs_tracker_create", || {
        if out_tracker.is_null() {
            return Err(null("out_tracker"));
        }
        // SAFETY: `out_tracker` is not NULL and the caller promises it is writable.
        unsafe { out_tracker.write(std::ptr::null_mut()) };
        // SAFETY: the caller promises each is NULL or a readable NUL-terminated string.
        let (namespace, dir, config) = unsafe {
            (
                str_arg(tracker_namespace, "tracker_namespace")?,
                str_arg(data_dir, "data_dir")?,
                str_arg(config_json, "config_json")?,
            )
        };
        let listener = Callbacks {
            on_event: Callback {
                function: on_event,
                user_data: event_user_data,
            },
            on_session: Callback {
                function: on_session,
                user_data: session_user_data,
            },
            text: Vec::new(),
        };
        let inner = MobileTracker::create(namespace, Path::new(dir), config, Box::new(listener))?;
        let tracker = Box::into_raw(Box::new(CsTracker { inner }));
        // SAFETY: checked not NULL above; the caller promises it is writable.
        unsafe { out_tracker.write(tracker) };
        Ok(())
    })
}

/// Tracks an event given as JSON and, when `out_id` is not NULL, writes its event id there (36
/// characters and a NUL) at once; the event reaches `on_event` once persisted. The JSON names
/// its type and the fields of Snowplow's Android tracker events, in camel case:
/// `{"type": "screen_view", "name": "home", "id": "<uuid>", "screenType": "feed",
/// "previousName": "a", "previousId": "<uuid>", "previousType": "t", "transitionType": "push"}`
/// (all but `name` optional; the screen's own type is `screenType`, as `type` names the event;
/// `id` is a random UUID when not given, the `previous*` fields are filled from the current
/// screen where not given),
/// `{"type": "list_item_view", "index": 3, "itemsCount": 40}` (`itemsCount` optional),
/// `{"type": "scroll_changed", "xOffset": 0, "yOffset": 120, "viewWidth": 400, "viewHeight":
/// 800, "contentWidth": 400, "contentHeight": 9000}` (all optional),
/// `{"type": "structured", "category": "shop", "action": "add", "label": "sku", "property":
/// "p", "value": 2.5}` (label, property and value optional),
/// `{"type": "self_describing", "schema": "iglu:com.acme/like/jsonschema/1-0-0", "data": {…}}`,
/// `{"type": "page_view", "url": "https://…"}`; each may also give `"eventId"` (a UUID) and
/// `"timestamp"` (Unix ms).
///
/// With screen engagement on, a screen view after the first reaches `on_event` as two events:
/// the ending screen's `screen_end` (its own event id, the screen view's `dtm`, the `screen`
/// and `screen_summary` entities of the screen that ends) first, then the screen view, whose id
/// `out_id` holds. A list item view or scroll folded into the summary reaches `on_event` as
/// nothing (`out_id` still holds an id).
///
/// Errors: `CS_STATUS_NULL_POINTER` (`tracker` or `event_json`), `CS_STATUS_INVALID_UTF8`,
/// `CS_STATUS_INVALID_EVENT` (malformed JSON, an unknown type or key, a missing field or one of
/// another type, an empty screen `name`, an `id` or `previousId` that is not a hyphenated UUID,
/// an index or count outside 0 to 65535, an offset outside ±2147483647, a size outside 0 to
/// 2147483647), `CS_STATUS_CLOSED`, `CS_STATUS_SESSION`. On an error `out_id` holds the empty
/// string and nothing is tracked.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed; `event_json` NULL or a readable
/// NUL-terminated string; `out_id` NULL or writable for `CS_EVENT_ID_SIZE` (37) bytes.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_track(
    tracker: *const CsTracker,
    event_json: *const c_char,
    out_id: *mut c_char,
) -> CsStatus {
    guard("cs_tracker_track", || {
        if !out_id.is_null() {
            // SAFETY: not NULL; the caller promises `CS_EVENT_ID_SIZE` writable bytes.
            unsafe { out_id.write(0) };
        }
        // SAFETY: the caller promises NULL or a live tracker, and NULL or a readable C string.
        let (tracker, json) =
            unsafe { (tracker_arg(tracker)?, str_arg(event_json, "event_json")?) };
        let id = tracker.inner.track_json(json)?;
        if !out_id.is_null() {
            let mut text = [0_u8; CS_EVENT_ID_SIZE];
            id.hyphenated()
                .encode_lower(&mut text[..CS_EVENT_ID_SIZE - 1]);
            // SAFETY: `out_id` is not NULL and the caller promises `CS_EVENT_ID_SIZE` writable
            // bytes, which cannot overlap our local array.
            unsafe {
                std::ptr::copy_nonoverlapping(text.as_ptr(), out_id.cast::<u8>(), text.len());
            }
        }
        Ok(())
    })
}

/// The app came to the foreground: call it from `UIApplication.didBecomeActiveNotification`.
///
/// Errors: `CS_STATUS_NULL_POINTER`, `CS_STATUS_CLOSED`, `CS_STATUS_SESSION`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_foreground(tracker: *const CsTracker) -> CsStatus {
    guard("cs_tracker_foreground", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }.inner.foreground()?)
    })
}

/// The app went to the background: call it from `UIApplication.didEnterBackgroundNotification`.
/// The state is then stored durably, so a session can continue after iOS ends the app.
///
/// Errors: as `cs_tracker_foreground`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_background(tracker: *const CsTracker) -> CsStatus {
    guard("cs_tracker_background", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }.inner.background()?)
    })
}

/// Starts a new session at the next event (the Android tracker's `startNewSession`).
///
/// Errors: as `cs_tracker_foreground`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_start_new_session(tracker: *const CsTracker) -> CsStatus {
    guard("cs_tracker_start_new_session", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }.inner.start_new_session()?)
    })
}

/// Forgets the user, as the JavaScript tracker's `clearUserData()` does: the user id, every
/// namespace's stored session and checkpoint, and every copy kept aside after damage are
/// deleted from the data directory (on the library's thread, in order with every other call),
/// and a new user id is made; the next event starts session 1 of the new user with no previous
/// session. Pending requests, pause, anonymisation and the lifecycle state are kept. Returns at
/// once; a failure to begin (nothing deleted, the user kept) is logged.
///
/// Errors: as `cs_tracker_foreground`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_clear_user_data(tracker: *const CsTracker) -> CsStatus {
    guard("cs_tracker_clear_user_data", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }.inner.clear_user_data()?)
    })
}

/// Suspends the session timeout checks until `cs_tracker_resume`.
///
/// Errors: as `cs_tracker_foreground`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_pause(tracker: *const CsTracker) -> CsStatus {
    guard("cs_tracker_pause", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }.inner.pause()?)
    })
}

/// Resumes the session timeout checks.
///
/// Errors: as `cs_tracker_foreground`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_resume(tracker: *const CsTracker) -> CsStatus {
    guard("cs_tracker_resume", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }.inner.resume()?)
    })
}

/// Turns user anonymisation on or off (`userAnonymisation`): while on, the events' session
/// entity holds no user id and no previous session.
///
/// Errors: as `cs_tracker_foreground`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_set_anonymous(
    tracker: *const CsTracker,
    anonymous: bool,
) -> CsStatus {
    guard("cs_tracker_set_anonymous", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }
            .inner
            .set_anonymous(anonymous)?)
    })
}

/// Stores in `*out_json` the current session as `on_session` last gave it (the
/// `client_session` entity's data, masked under anonymisation), or `null` before the first
/// session: a new string the caller frees with `cs_string_free`. Never waits.
///
/// Errors: `CS_STATUS_NULL_POINTER` (`tracker` or `out_json`), `CS_STATUS_CLOSED`. On an error
/// `*out_json` is set to NULL (when `out_json` is not NULL).
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_session(
    tracker: *const CsTracker,
    out_json: *mut *mut c_char,
) -> CsStatus {
    guard("cs_tracker_session", || {
        if out_json.is_null() {
            return Err(null("out_json"));
        }
        // SAFETY: not NULL; the caller promises it is writable.
        unsafe { out_json.write(std::ptr::null_mut()) };
        // SAFETY: the caller promises NULL or a live tracker.
        let json = unsafe { tracker_arg(tracker)? }.inner.session_json()?;
        let text =
            CString::new(json).map_err(|e| Failure::new(CsStatus::Internal, e.to_string()))?;
        // SAFETY: checked not NULL above; the caller promises it is writable.
        unsafe { out_json.write(text.into_raw()) };
        Ok(())
    })
}

/// TEST ONLY, never in an app: sets the test clock of a tracker created with
/// `{"test": {"clockMs": …}}` to `unix_ms`. This is how the shared scenarios' simulated time
/// reaches the library. Unlike the other calls it still works after `cs_tracker_close`.
///
/// Errors: `CS_STATUS_NULL_POINTER`, `CS_STATUS_NO_TEST_CLOCK`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_set_test_time(
    tracker: *const CsTracker,
    unix_ms: i64,
) -> CsStatus {
    guard("cs_tracker_set_test_time", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }
            .inner
            .set_test_time_ms(unix_ms)?)
    })
}

/// BLOCKS until every call made before it is processed, persisted and delivered to the
/// callbacks, or `timeout_ms` passes. It waits on storage: never call it on the UI thread (an
/// app rarely needs it; tests and a clean exit do).
///
/// Errors: `CS_STATUS_NULL_POINTER`, `CS_STATUS_CLOSED`, `CS_STATUS_SESSION`,
/// `CS_STATUS_THREAD` (the timeout passed), `CS_STATUS_IN_CALLBACK`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_flush(tracker: *const CsTracker, timeout_ms: u64) -> CsStatus {
    guard("cs_tracker_flush", || {
        InCallback::refuse_blocking()?;
        // SAFETY: the caller promises NULL or a live tracker.
        let tracker = unsafe { tracker_arg(tracker)? };
        Ok(tracker.inner.flush(Duration::from_millis(timeout_ms))?)
    })
}

/// Closes the tracker without waiting: what was called before is still processed, persisted and
/// delivered, then the store is closed cleanly on the library's thread. Every later call but
/// `cs_tracker_free` returns `CS_STATUS_CLOSED`.
///
/// Errors: `CS_STATUS_NULL_POINTER`, `CS_STATUS_CLOSED` (already closed).
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_close(tracker: *const CsTracker) -> CsStatus {
    guard("cs_tracker_close", || {
        // SAFETY: the caller promises NULL or a live tracker.
        Ok(unsafe { tracker_arg(tracker)? }.inner.close()?)
    })
}

/// Closes the tracker if it is not closed, BLOCKS until the library's thread has delivered
/// everything and released the store (at most `timeout_ms`), then frees the tracker. After
/// `CS_STATUS_OK` the pointer is gone: using it again is undefined behaviour, the one this
/// library cannot detect. NULL is accepted and does nothing.
///
/// Errors: `CS_STATUS_THREAD` (the timeout passed: nothing was freed, the callbacks may still be
/// called, call it again later), `CS_STATUS_IN_CALLBACK`.
///
/// # Safety
/// `tracker` must be NULL or a tracker not yet freed, and no other thread may use it during or
/// after this call.
#[no_mangle]
pub unsafe extern "C" fn cs_tracker_free(tracker: *mut CsTracker, timeout_ms: u64) -> CsStatus {
    guard("cs_tracker_free", || {
        if tracker.is_null() {
            return Ok(());
        }
        InCallback::refuse_blocking()?;
        // SAFETY: not NULL; the caller promises a live tracker.
        let live = unsafe { &*tracker };
        // Already closed is fine: freeing is what remains to do.
        let _ = live.inner.close();
        live.inner.wait_closed(Duration::from_millis(timeout_ms))?;
        // SAFETY: made by `Box::into_raw` in `cs_tracker_create`, not freed yet (the caller's
        // promise), and no longer used by anyone (the caller's promise; its thread has ended).
        drop(unsafe { Box::from_raw(tracker) });
        Ok(())
    })
}

/// Frees a string this library returned (`cs_tracker_session`). NULL does nothing.
///
/// # Safety
/// `text` must be NULL or a string from this library not yet freed; not `free()`'s to take.
#[no_mangle]
pub unsafe extern "C" fn cs_string_free(text: *mut c_char) {
    let _ = guard("cs_string_free", || {
        if !text.is_null() {
            // SAFETY: made by `CString::into_raw` in this library and not freed yet (the
            // caller's promise).
            drop(unsafe { CString::from_raw(text) });
        }
        Ok(())
    });
}

/// The message of the last call that failed on this thread (`""` if none), UTF-8. Valid until
/// the next call into this library on this thread; copy it to keep it. Never NULL.
#[no_mangle]
pub extern "C" fn cs_last_error() -> *const c_char {
    last_error()
}

/// The name of a status code (`"CS_STATUS_CLOSED"`), or `"CS_STATUS_UNKNOWN"` for a number that
/// is no status. A static string: never freed, never NULL.
#[no_mangle]
pub extern "C" fn cs_status_name(status: i32) -> *const c_char {
    CsStatus::from_code(status)
        .map_or(c"CS_STATUS_UNKNOWN", CsStatus::name)
        .as_ptr()
}

/// The app's two callbacks, as the tracker's listener.
struct Callbacks {
    on_event: Callback,
    on_session: Callback,
    /// The JSON with a NUL after it, reused from call to call.
    text: Vec<u8>,
}

impl Listener for Callbacks {
    fn on_event(&mut self, event_json: &str) {
        self.on_event.call(event_json, &mut self.text);
    }

    fn on_session(&mut self, session_json: &str) {
        self.on_session.call(session_json, &mut self.text);
    }
}

/// A C callback with its user data.
struct Callback {
    function: CsJsonCallback,
    user_data: *mut c_void,
}

// SAFETY: the user data only travels to the library's thread and is used there alone (one
// callback at a time); `cs_tracker_create` documents that it must be usable from that thread.
unsafe impl Send for Callback {}

impl Callback {
    fn call(&self, json: &str, text: &mut Vec<u8>) {
        let Some(function) = self.function else {
            return;
        };
        text.clear();
        text.extend_from_slice(json.as_bytes());
        text.push(0);
        let _inside = InCallback::enter();
        // SAFETY: the app gave this function for this user data (`cs_tracker_create`'s
        // contract); `text` is `json.len()` bytes of UTF-8 and a NUL, alive during the call.
        unsafe { function(self.user_data, text.as_ptr().cast(), json.len()) };
    }
}

fn null(name: &str) -> Failure {
    Failure::new(CsStatus::NullPointer, format!("`{name}` is NULL"))
}

/// A C string argument as `&str`.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string readable for `'a`.
unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: not NULL; NUL-terminated and readable for `'a` (the caller's promise).
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map_err(|e| Failure::new(CsStatus::InvalidUtf8, format!("`{name}` is not UTF-8: {e}")))
}

/// A tracker argument as a reference.
///
/// # Safety
/// `ptr` must be NULL or a tracker from `cs_tracker_create` that is not freed during `'a`.
unsafe fn tracker_arg<'a>(ptr: *const CsTracker) -> Result<&'a CsTracker, Failure> {
    // SAFETY: NULL or a live tracker (the caller's promise); `as_ref` checks NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| null("tracker"))
}
