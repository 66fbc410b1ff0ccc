//! The JavaScript API: module-level functions on one tracker per page.
//!
//! Every function returns a Promise and never throws: its argument is checked (by [`api`]) before
//! anything else, and a bad one, or a call with no tracker running, rejects with an `Error`
//! whose message names the call and the field. The work itself goes to the actor through its
//! handle; the actor runs on the page's event loop.
//!
//! The tracker is made by `newTracker` and ended by `shutdown`, after which `newTracker` may
//! make another. Calls made while `newTracker` has not finished wait for it, so a page may call
//! `trackPageView()` without awaiting `newTracker(…)` first, as with the JavaScript tracker.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use client_session_actor::{
    ClientSession, Error, Event, Payload, SessionActor, SessionHandle, SessionSubscription,
};
use client_session_store_cookie::CookieStore;
use js_sys::{Function, Promise, Reflect, JSON};
use serde_json::Value;
use tokio::sync::oneshot;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, spawn_local};
use web_sys::console;

use crate::api::{self, ApiError, TrackerOptions};
use crate::clock::DateNowClock;
use crate::jar::DocumentJar;
use crate::{console as logs, js_text};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** `newTracker`'s options; unset ones take the JavaScript tracker's defaults. */
export interface TrackerOptions {
  /** The tracker's name (default "sp"). One tracker runs per page. */
  namespace?: string;
  /** The cookie domain, hashed into the cookie names and written as their Domain (default: the page's host name). */
  cookieDomain?: string;
  /** The cookie names' prefix (default "_sp_"). */
  cookieName?: string;
  /** Seconds the session cookie lives after the last event (default 1800; 0: the browser session). */
  sessionCookieTimeout?: number;
  /** Anonymous tracking with session tracking; full anonymous tracking (true) is refused (default false). */
  anonymousTracking?: false | { withSessionTracking: true };
  /** The screen entity on every event while a screen is current (default true). */
  screenContext?: boolean;
  /** Screen engagement: a screen_end with the screen_summary before each later screen view, list item and scroll events folded into the summary instead of sent (default true). */
  screenEngagementAutotracking?: boolean;
}

/** What `newTracker` resolves to: the options in force and the two cookies' names. */
export interface TrackerInfo {
  namespace: string;
  cookieDomain: string;
  cookieName: string;
  sessionCookieTimeout: number;
  anonymousTracking: false | { withSessionTracking: true };
  screenContext: boolean;
  screenEngagementAutotracking: boolean;
  cookieNames: { id: string; ses: string };
}

/** The client_session entity (iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2). */
export interface ClientSession {
  userId: string;
  sessionId: string;
  sessionIndex: number;
  previousSessionId: string | null;
  storageMechanism: string;
  firstEventId: string | null;
  firstEventTimestamp: string | null;
  eventIndex: number | null;
}

/** A self-describing JSON: an Iglu schema URI and its data. */
export interface SelfDescribingJson {
  schema: string;
  data: Record<string, unknown>;
}

/** One event as sent: what a `track…` call resolves to. */
export interface TrackedEvent {
  /** The event's name. */
  event: "page_view" | "structured" | "self_describing" | "screen_view" | "screen_end" | "list_item_view" | "scroll_changed";
  eventId: string;
  /** The device timestamp, Unix milliseconds. */
  dtm: number;
  clientSession: ClientSession;
  /** The tracker protocol's `co` JSON string: client_session, then screen and screen_summary where they apply. */
  contexts: string;
  /** A self-describing event's `{ schema, data }` (what the protocol's `ue_pr` wraps); null for page views and structured events. */
  selfDescribingEvent: SelfDescribingJson | null;
}

/** What `trackScreenView` resolves to: the screen view, and the screen_end sent just before it (with the same dtm) when a screen ended. */
export interface TrackedScreenView extends TrackedEvent {
  screenEnd: TrackedEvent | null;
}

/** What `getSession` resolves to: the session the cookies hold now. */
export interface SessionInfo {
  clientSession: ClientSession | null;
  /** Whether the next event starts a new session (the session cookie is gone). */
  newSessionPending: boolean;
}

export interface PageViewEvent { title?: string | null }
export interface SelfDescribingEvent { event: { schema: string; data: Record<string, unknown> } }
export interface StructuredEvent {
  category: string;
  action: string;
  label?: string | null;
  property?: string | null;
  value?: number | null;
}
/** A screen view (iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0). Unset previous fields are filled from the current screen. */
export interface ScreenViewEvent {
  /** The screen's name, non-empty. */
  name: string;
  /** The screen's id, a UUID (default: a random one). */
  id?: string | null;
  type?: string | null;
  previousName?: string | null;
  /** A UUID. */
  previousId?: string | null;
  previousType?: string | null;
  transitionType?: string | null;
}
/** A list item shown: whole numbers from 0 to 65535. */
export interface ListItemViewEvent {
  index: number;
  itemsCount?: number | null;
}
/** A scroll position and sizes, each optional: offsets within ±2147483647, sizes from 0 to 2147483647. */
export interface ScrollChangedEvent {
  xOffset?: number | null;
  yOffset?: number | null;
  viewWidth?: number | null;
  viewHeight?: number | null;
  contentWidth?: number | null;
  contentHeight?: number | null;
}
"#;

/// The page's tracker, as the calls share it.
#[derive(Clone)]
struct Tracker {
    handle: SessionHandle,
    listeners: Rc<RefCell<Listeners>>,
}

/// `onSessionChange` callbacks, each with the id its unsubscribe function removes.
#[derive(Default)]
struct Listeners {
    next_id: u64,
    callbacks: Vec<(u64, Function)>,
}

/// Where the page's one tracker stands.
enum Slot {
    Empty,
    /// `newTracker` is running; the calls made meanwhile wait here for its outcome.
    Starting(Vec<oneshot::Sender<Option<Tracker>>>),
    Running(Tracker),
}

thread_local! {
    static SLOT: RefCell<Slot> = const { RefCell::new(Slot::Empty) };
}

/// The tracker a call works on, as found when the call was made.
enum Found {
    Ready(Tracker),
    Starting(oneshot::Receiver<Option<Tracker>>),
}

/// The tracker for `call`, found at once (so a call made before `newTracker` rejects even if
/// `newTracker` follows before the Promise runs).
fn find(call: &'static str) -> Result<Found, ApiError> {
    SLOT.with_borrow_mut(|slot| match slot {
        Slot::Empty => Err(ApiError::no_tracker(call)),
        Slot::Starting(waiting) => {
            let (tx, rx) = oneshot::channel();
            waiting.push(tx);
            Ok(Found::Starting(rx))
        }
        Slot::Running(tracker) => Ok(Found::Ready(tracker.clone())),
    })
}

impl Found {
    /// The tracker, once `newTracker` has finished.
    async fn ready(self, call: &'static str) -> Result<Tracker, ApiError> {
        match self {
            Found::Ready(tracker) => Ok(tracker),
            Found::Starting(rx) => rx.await.ok().flatten().ok_or_else(|| {
                ApiError::new(
                    call,
                    "the tracker did not start (see newTracker's rejection)",
                )
            }),
        }
    }
}

/// Runs `work` as a Promise that rejects with an `Error` carrying the [`ApiError`]'s message.
fn promise(work: impl Future<Output = Result<JsValue, ApiError>> + 'static) -> Promise {
    future_to_promise(async move {
        work.await
            .map_err(|error| js_sys::Error::new(&error.to_string()).into())
    })
}

/// The call's argument as JSON (`null` when missing), after checking `numbers` for NaN and
/// infinities, which `JSON.stringify` would make `null` (unset) without a word.
fn read_argument(
    call: &'static str,
    argument: &JsValue,
    numbers: &[&str],
) -> Result<Value, ApiError> {
    if argument.is_undefined() || argument.is_null() {
        return Ok(Value::Null);
    }
    if argument.is_object() {
        for &field in numbers {
            let number = Reflect::get(argument, &JsValue::from_str(field))
                .ok()
                .and_then(|value| value.as_f64());
            if number.is_some_and(|n| !n.is_finite()) {
                return Err(ApiError::not_finite(call, field));
            }
        }
    }
    let text = JSON::stringify(argument)
        .map_err(|e| ApiError::new(call, format!("the argument is not JSON: {}", js_text(&e))))?;
    // `JSON.stringify` gives `undefined` for a function or a symbol: not an object either.
    let text = text.as_string().unwrap_or_else(|| "\"\"".to_owned());
    serde_json::from_str(&text)
        .map_err(|e| ApiError::new(call, format!("the argument is not JSON: {e}")))
}

/// A JSON result as a JavaScript value.
fn to_js(call: &'static str, value: &Value) -> Result<JsValue, ApiError> {
    JSON::parse(&value.to_string())
        .map_err(|e| ApiError::new(call, format!("could not build the result: {}", js_text(&e))))
}

/// The actor's error for `call`.
fn actor_error(call: &'static str, error: &Error) -> ApiError {
    match error {
        Error::ShutDown => ApiError::new(call, "the tracker has shut down"),
        other => ApiError::new(call, other.to_string()),
    }
}

/// `location.hostname`, the default cookie domain.
fn page_host() -> Option<String> {
    web_sys::window().and_then(|window| window.location().hostname().ok())
}

/// `location.href`, the URL of a page view.
fn page_url() -> String {
    web_sys::window()
        .and_then(|window| window.location().href().ok())
        .unwrap_or_default()
}

/// Starts the page's tracker: the page load reads both cookies and writes them at once (A3.5).
/// Resolves to the options in force and the two cookies' names (`TrackerInfo`).
///
/// Rejects for a bad option, when a tracker already runs (call `shutdown()` first), and outside
/// a page (a worker has no `document.cookie`). Options it does not use (the JavaScript tracker's
/// emitter options, say) are listed in a console warning and ignored.
#[wasm_bindgen(js_name = newTracker, unchecked_return_type = "Promise<TrackerInfo>")]
pub fn new_tracker(
    #[wasm_bindgen(unchecked_optional_param_type = "TrackerOptions")] options: Option<JsValue>,
) -> Promise {
    const CALL: &str = api::NEW_TRACKER;
    logs::install();
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let checked = read_argument(CALL, &options, &["sessionCookieTimeout"])
        .and_then(|options| api::tracker_options(&options, page_host().as_deref()))
        .and_then(|options| {
            SLOT.with_borrow_mut(|slot| match slot {
                Slot::Empty => {
                    *slot = Slot::Starting(Vec::new());
                    Ok(options)
                }
                _ => Err(ApiError::new(
                    CALL,
                    "a tracker is already running on this page: call shutdown() first",
                )),
            })
        });
    promise(async move {
        let options = checked?;
        if !options.ignored.is_empty() {
            console::warn_1(&JsValue::from_str(&format!(
                "newTracker: ignoring options this tracker does not use: {}",
                options.ignored.join(", ")
            )));
        }
        let started = start(&options).await;
        let waiting = SLOT.with_borrow_mut(|slot| {
            let next = match &started {
                Ok(tracker) => Slot::Running(tracker.clone()),
                Err(_) => Slot::Empty,
            };
            match std::mem::replace(slot, next) {
                Slot::Starting(waiting) => waiting,
                _ => Vec::new(),
            }
        });
        for waiter in waiting {
            // A caller that stopped waiting needs nothing.
            let _ = waiter.send(started.as_ref().ok().cloned());
        }
        started?;
        to_js(CALL, &options.to_json())
    })
}

async fn start(options: &TrackerOptions) -> Result<Tracker, ApiError> {
    const CALL: &str = api::NEW_TRACKER;
    let jar = DocumentJar::from_page().map_err(|e| ApiError::new(CALL, e.to_string()))?;
    let store = CookieStore::new(jar, options.cookie_options());
    let (handle, actor) = SessionActor::start(options.config(), store, Arc::new(DateNowClock))
        .await
        .map_err(|e| ApiError::new(CALL, format!("the tracker could not start: {e}")))?;
    spawn_local(actor.run());
    let listeners = Rc::new(RefCell::new(Listeners::default()));
    spawn_local(notify(handle.subscribe(), Rc::clone(&listeners)));
    Ok(Tracker { handle, listeners })
}

/// Calls the `onSessionChange` callbacks with each session this tracker starts, until the
/// actor ends. A callback that throws is logged and the others still run.
async fn notify(mut sessions: SessionSubscription, listeners: Rc<RefCell<Listeners>>) {
    while let Some(session) = sessions.next().await {
        // Cloned out first: a callback may subscribe or unsubscribe while it runs.
        let callbacks: Vec<Function> = listeners
            .borrow()
            .callbacks
            .iter()
            .map(|(_, callback)| callback.clone())
            .collect();
        for callback in callbacks {
            let Ok(entity) = session_value(&session) else {
                continue;
            };
            if let Err(thrown) = callback.call1(&JsValue::NULL, &entity) {
                console::error_2(
                    &JsValue::from_str("onSessionChange: a callback threw (the tracker goes on):"),
                    &thrown,
                );
            }
        }
    }
}

fn session_value(session: &ClientSession) -> Result<JsValue, ApiError> {
    let value = api::client_session(api::ON_SESSION_CHANGE, session)?;
    to_js(api::ON_SESSION_CHANGE, &value)
}

/// Tracks `payload` on the page's tracker for `call`, resolving to what was sent
/// ([`api::track_result`]: the event, a screen view's `screenEnd`, or `null` when the event was
/// folded into the screen summary).
fn track(call: &'static str, checked: Result<Payload, ApiError>) -> Promise {
    let found = checked.and_then(|payload| Ok((payload, find(call)?)));
    promise(async move {
        let (payload, found) = found?;
        let tracker = found.ready(call).await?;
        let sent = tracker
            .handle
            .track(Event::new(payload))
            .await
            .map_err(|e| actor_error(call, &e))?;
        to_js(call, &api::track_result(call, &sent)?)
    })
}

/// Tracks a page view of `location.href`. `title` is checked (a string) but not kept.
#[wasm_bindgen(js_name = trackPageView, unchecked_return_type = "Promise<TrackedEvent>")]
pub fn track_page_view(
    #[wasm_bindgen(unchecked_optional_param_type = "PageViewEvent")] event: Option<JsValue>,
) -> Promise {
    const CALL: &str = api::TRACK_PAGE_VIEW;
    let event = event.unwrap_or(JsValue::UNDEFINED);
    track(
        CALL,
        read_argument(CALL, &event, &[]).and_then(|event| api::page_view(&event, &page_url())),
    )
}

/// Tracks a self-describing event `{ event: { schema, data } }`.
#[wasm_bindgen(js_name = trackSelfDescribingEvent, unchecked_return_type = "Promise<TrackedEvent>")]
pub fn track_self_describing_event(
    #[wasm_bindgen(unchecked_param_type = "SelfDescribingEvent")] event: JsValue,
) -> Promise {
    const CALL: &str = api::TRACK_SELF_DESCRIBING_EVENT;
    track(
        CALL,
        read_argument(CALL, &event, &[]).and_then(|event| api::self_describing_event(&event)),
    )
}

/// Tracks a structured event `{ category, action, label, property, value }`.
#[wasm_bindgen(js_name = trackStructEvent, unchecked_return_type = "Promise<TrackedEvent>")]
pub fn track_struct_event(
    #[wasm_bindgen(unchecked_param_type = "StructuredEvent")] event: JsValue,
) -> Promise {
    const CALL: &str = api::TRACK_STRUCT_EVENT;
    track(
        CALL,
        read_argument(CALL, &event, &["value"]).and_then(|event| api::struct_event(&event)),
    )
}

/// Tracks a screen view `{ name, id, type, previousName, previousId, previousType,
/// transitionType }`. The screen becomes the page's current screen, kept in memory only, as
/// the JavaScript tracker's screen tracking plugin keeps it: a reload (or `shutdown()` and a
/// new tracker) forgets it. With screen engagement on, a screen that was current ends first:
/// its `screen_end` is sent before the view and resolved with it as `screenEnd`.
#[wasm_bindgen(js_name = trackScreenView, unchecked_return_type = "Promise<TrackedScreenView>")]
pub fn track_screen_view(
    #[wasm_bindgen(unchecked_param_type = "ScreenViewEvent")] event: JsValue,
) -> Promise {
    const CALL: &str = api::TRACK_SCREEN_VIEW;
    track(
        CALL,
        read_argument(CALL, &event, &[]).and_then(|event| api::screen_view(&event)),
    )
}

/// Tracks a list item shown, `{ index, itemsCount }`. With screen engagement on it updates
/// the current screen's summary and is not sent: the Promise resolves to `null`.
#[wasm_bindgen(js_name = trackListItemView, unchecked_return_type = "Promise<TrackedEvent | null>")]
pub fn track_list_item_view(
    #[wasm_bindgen(unchecked_param_type = "ListItemViewEvent")] event: JsValue,
) -> Promise {
    const CALL: &str = api::TRACK_LIST_ITEM_VIEW;
    track(
        CALL,
        read_argument(CALL, &event, api::LIST_ITEM_VIEW_NUMBERS)
            .and_then(|event| api::list_item_view(&event)),
    )
}

/// Tracks a scroll, `{ xOffset, yOffset, viewWidth, viewHeight, contentWidth, contentHeight }`
/// (each optional). With screen engagement on it updates the current screen's summary and is
/// not sent: the Promise resolves to `null`.
#[wasm_bindgen(js_name = trackScrollChanged, unchecked_return_type = "Promise<TrackedEvent | null>")]
pub fn track_scroll_changed(
    #[wasm_bindgen(unchecked_optional_param_type = "ScrollChangedEvent")] event: Option<JsValue>,
) -> Promise {
    const CALL: &str = api::TRACK_SCROLL_CHANGED;
    let event = event.unwrap_or(JsValue::UNDEFINED);
    track(
        CALL,
        read_argument(CALL, &event, api::SCROLL_CHANGED_NUMBERS)
            .and_then(|event| api::scroll_changed(&event)),
    )
}

/// Starts a new session at once and writes both cookies (A3.8); resolves when they are written.
#[wasm_bindgen(js_name = newSession, unchecked_return_type = "Promise<void>")]
pub fn new_session() -> Promise {
    const CALL: &str = api::NEW_SESSION;
    let found = find(CALL);
    promise(async move {
        let tracker = found?.ready(CALL).await?;
        tracker
            .handle
            .new_session()
            .await
            .map_err(|e| actor_error(CALL, &e))?;
        Ok(JsValue::UNDEFINED)
    })
}

/// The session the cookies hold now (read again first, so another tab's or the JavaScript
/// tracker's writes show): `{ clientSession, newSessionPending }`.
#[wasm_bindgen(js_name = getSession, unchecked_return_type = "Promise<SessionInfo>")]
pub fn get_session() -> Promise {
    const CALL: &str = api::GET_SESSION;
    let found = find(CALL);
    promise(async move {
        let tracker = found?.ready(CALL).await?;
        let snapshot = tracker
            .handle
            .snapshot()
            .await
            .map_err(|e| actor_error(CALL, &e))?;
        to_js(CALL, &api::session(&snapshot)?)
    })
}

/// Calls `callback(clientSession)` for each session this tracker starts from now on (by an
/// event after the timeout, `newSession()`, or leaving anonymous tracking; not the page load's,
/// which `newTracker` has already made). Several sessions started before the callback runs are
/// reported as the newest only. Resolves to a function that unsubscribes. A callback that
/// throws is logged on the console and stops nothing.
#[wasm_bindgen(js_name = onSessionChange, unchecked_return_type = "Promise<() => void>")]
pub fn on_session_change(
    #[wasm_bindgen(unchecked_param_type = "(clientSession: ClientSession) => void")]
    callback: JsValue,
) -> Promise {
    const CALL: &str = api::ON_SESSION_CHANGE;
    let checked = callback
        .dyn_into::<Function>()
        .map_err(|_| ApiError::field(CALL, "callback", "must be a function"))
        .and_then(|callback| Ok((callback, find(CALL)?)));
    promise(async move {
        let (callback, found) = checked?;
        let tracker = found.ready(CALL).await?;
        let id = {
            let mut listeners = tracker.listeners.borrow_mut();
            let id = listeners.next_id;
            listeners.next_id += 1;
            listeners.callbacks.push((id, callback));
            id
        };
        let listeners = Rc::clone(&tracker.listeners);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            listeners
                .borrow_mut()
                .callbacks
                .retain(|(other, _)| *other != id);
        });
        Ok(unsubscribe.into_js_value())
    })
}

/// Ends the tracker: what was called before it is finished, nothing more is written (every
/// event wrote its cookies already), and `newTracker` may start another. Calls made after it
/// reject.
#[wasm_bindgen(unchecked_return_type = "Promise<void>")]
pub fn shutdown() -> Promise {
    const CALL: &str = api::SHUTDOWN;
    // Taken at once, so `shutdown(); newTracker(…)` starts a new tracker.
    let found = SLOT.with_borrow_mut(|slot| {
        if let Slot::Starting(waiting) = slot {
            let (tx, rx) = oneshot::channel();
            waiting.push(tx);
            return Ok(Found::Starting(rx));
        }
        match std::mem::replace(slot, Slot::Empty) {
            Slot::Running(tracker) => Ok(Found::Ready(tracker)),
            _ => Err(ApiError::no_tracker(CALL)),
        }
    });
    promise(async move {
        let tracker = found?.ready(CALL).await?;
        // A tracker that was still starting is in the slot now: take it out.
        SLOT.with_borrow_mut(|slot| {
            if matches!(slot, Slot::Running(t) if Rc::ptr_eq(&t.listeners, &tracker.listeners)) {
                *slot = Slot::Empty;
            }
        });
        tracker
            .handle
            .shutdown()
            .await
            .map_err(|e| actor_error(CALL, &e))?;
        Ok(JsValue::UNDEFINED)
    })
}
