//! What only a browser can show, in headless Chromium (`cargo xtask web-test`): the cookies as
//! Chromium stores them from `document.cookie`, a short `sessionCookieTimeout` expiring on the
//! browser's own clock, and the JavaScript API end to end, screens included.
//!
//! wasm-bindgen-test serves the page from `http://127.0.0.1:<port>/`, which Chromium treats as
//! secure, so the `Secure` cookies are kept; the cookie domain must be the page's host, so
//! every tracker here is given `cookieDomain: location.hostname`. All tests share one page (and
//! run one after another): each uses its own `cookieName` prefix, and each that starts the
//! page's one tracker first shuts down whatever an earlier failing test left running.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use client_session_store_cookie::{CookieJar, CookieOptions};
use client_session_web::{
    cookie_value, get_session, new_session, new_tracker, on_session_change, shutdown,
    track_list_item_view, track_page_view, track_screen_view, track_scroll_changed,
    track_self_describing_event, track_struct_event, DocumentJar,
};
use js_sys::{Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn window() -> web_sys::Window {
    web_sys::window().expect("a page")
}

fn host() -> String {
    window().location().hostname().expect("a host name")
}

fn document_cookie() -> String {
    window()
        .document()
        .expect("a document")
        .dyn_into::<web_sys::HtmlDocument>()
        .expect("an HTML document")
        .cookie()
        .expect("readable cookies")
}

/// Waits `ms` on a JavaScript timer: real time passes, for the browser's cookie clock too.
async fn sleep(ms: i32) {
    let timer = Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("a timer");
    });
    JsFuture::from(timer).await.expect("the timer fires");
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON")
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).expect("an object")
}

fn text(value: &JsValue, key: &str) -> String {
    get(value, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

fn number(value: &JsValue, key: &str) -> f64 {
    get(value, key)
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number"))
}

async fn resolved(promise: Promise) -> JsValue {
    match JsFuture::from(promise).await {
        Ok(value) => value,
        Err(error) => panic!("rejected: {}", rejection(error)),
    }
}

/// The message of the `Error` a Promise rejected with.
async fn rejected(promise: Promise) -> String {
    match JsFuture::from(promise).await {
        Ok(value) => panic!("resolved instead of rejecting: {value:?}"),
        Err(error) => rejection(error),
    }
}

fn rejection(error: JsValue) -> String {
    let error = error
        .dyn_into::<js_sys::Error>()
        .expect("a rejection is an Error");
    String::from(error.message())
}

/// Shuts down a tracker an earlier (failed) test may have left running.
async fn no_tracker() {
    let _ = JsFuture::from(shutdown()).await;
}

/// A new tracker on this page's host with `cookieName` `prefix` and more `options` (JSON
/// members, or empty).
async fn tracker(prefix: &str, options: &str) -> JsValue {
    no_tracker().await;
    let separator = if options.is_empty() { "" } else { ", " };
    resolved(new_tracker(Some(json(&format!(
        r#"{{"cookieDomain": "{}", "cookieName": "{prefix}"{separator}{options}}}"#,
        host()
    )))))
    .await
}

/// Chromium's record of a cookie from the Cookie Store API (`cookieStore.get`): its domain,
/// path, expiry, SameSite and Secure as stored, which `document.cookie` does not show.
async fn stored(name: &str) -> JsValue {
    let store = get(&window().into(), "cookieStore");
    let lookup: Function = get(&store, "get").dyn_into().expect("cookieStore.get");
    let promise: Promise = lookup
        .call1(&store, &JsValue::from_str(name))
        .expect("cookieStore.get runs")
        .dyn_into()
        .expect("a Promise");
    JsFuture::from(promise)
        .await
        .expect("cookieStore.get resolves")
}

#[wasm_bindgen_test]
async fn the_cookies_are_stored_with_the_javascript_trackers_names_and_attributes() {
    let info = tracker("_attr_", r#""sessionCookieTimeout": 60"#).await;
    let names = get(&info, "cookieNames");
    let (id, ses) = (text(&names, "id"), text(&names, "ses"));
    assert!(
        id.starts_with("_attr_id.") && id.len() == "_attr_id.".len() + 4,
        "{id}"
    );
    assert_eq!(ses, id.replace("_attr_id.", "_attr_ses."));
    let before = js_sys::Date::now();

    // The page load wrote both cookies before any event (A3.5).
    let cookies = document_cookie();
    assert_eq!(cookie_value(&cookies, &ses), Some("*"), "{cookies}");
    let session = resolved(get_session()).await;
    let entity = get(&session, "clientSession");
    let id_value = cookie_value(&cookies, &id)
        .expect("the identity cookie")
        .to_owned();
    let fields: Vec<&str> = id_value.split('.').collect();
    assert_eq!(fields.len(), 10, "{id_value}");
    assert_eq!(fields[0], text(&entity, "userId"));
    assert_eq!(fields[5], text(&entity, "sessionId"));
    assert_eq!(fields[9], "0");

    for name in [&id, &ses] {
        let cookie = stored(name).await;
        assert!(!cookie.is_null(), "Chromium has no {name}");
        assert_eq!(text(&cookie, "path"), "/", "{name}");
        assert_eq!(text(&cookie, "sameSite"), "lax", "{name}");
        assert_eq!(get(&cookie, "secure").as_bool(), Some(true), "{name}");
        // `Domain=<host>` on an IP address (the test server's 127.0.0.1): Chromium keeps the
        // cookie host-only, which the Cookie Store API shows as domain null; on a host name the
        // cookie is a domain cookie for it.
        let domain = get(&cookie, "domain");
        if host().parse::<std::net::IpAddr>().is_ok() {
            assert!(domain.is_null(), "{name}: domain {domain:?}");
        } else {
            assert_eq!(domain.as_string(), Some(host()), "{name}");
        }
    }
    // `Expires` is a whole second (toUTCString), 60 s after the page load.
    let ses_expires = number(&stored(&ses).await, "expires");
    assert_eq!(ses_expires % 1000.0, 0.0);
    assert!(
        ses_expires > before + 58_000.0 && ses_expires <= before + 60_000.0,
        "{ses_expires} vs {before}"
    );
    // `_sp_id` asks 2 years; Chromium caps every expiry at 400 days.
    let id_expires = number(&stored(&id).await, "expires");
    let days = (id_expires - before) / 86_400_000.0;
    assert!((399.9..=400.0).contains(&days), "{days} days");

    // An event rewrites both: `_sp_id` now holds it.
    let event = resolved(track_page_view(None)).await;
    let after = cookie_value(&document_cookie(), &id)
        .expect("the identity cookie")
        .to_owned();
    let fields: Vec<&str> = after.split('.').collect();
    assert_eq!(fields[7], text(&event, "eventId"));
    assert_eq!(fields[9], "1");
    resolved(shutdown()).await;
}

#[wasm_bindgen_test]
async fn a_write_the_browser_refuses_is_an_error_and_one_it_keeps_reads_back() {
    let mut jar = DocumentJar::from_page().expect("a page");
    let now = js_sys::Date::now() as i64;
    let refused = CookieOptions::for_domain("not-this-host.example").attributes(None);
    let err = jar
        .set("_refused_", "x", &refused, now)
        .expect_err("Chromium drops a cookie for another domain");
    assert!(err.to_string().contains("_refused_"), "{err}");
    assert_eq!(jar.get("_refused_", now).expect("readable"), None);

    let kept = CookieOptions::for_domain(&host()).attributes(Some(now / 1000 + 60));
    jar.set("_kept_", "v1", &kept, now).expect("kept");
    assert_eq!(
        jar.get("_kept_", now).expect("readable").as_deref(),
        Some("v1")
    );
    jar.remove("_kept_", &kept, now).expect("removed");
    assert_eq!(cookie_value(&document_cookie(), "_kept_"), None);
}

#[wasm_bindgen_test]
async fn a_short_session_cookie_timeout_really_expires() {
    let info = tracker("_exp_", r#""sessionCookieTimeout": 2"#).await;
    let ses = text(&get(&info, "cookieNames"), "ses");
    let first = get(&resolved(track_page_view(None)).await, "clientSession");

    // Within the timeout: the same session. (`_sp_ses` written at t expires at the whole second
    // floor(t / 1000) + 2, so more than 1 s later.)
    sleep(500).await;
    let second = get(&resolved(track_page_view(None)).await, "clientSession");
    assert_eq!(text(&second, "sessionId"), text(&first, "sessionId"));
    assert_eq!(
        number(&second, "eventIndex"),
        number(&first, "eventIndex") + 1.0
    );
    assert_eq!(cookie_value(&document_cookie(), &ses), Some("*"));

    // Past it: Chromium itself has dropped `_sp_ses`, and the next event starts a new session.
    sleep(2_100).await;
    assert_eq!(cookie_value(&document_cookie(), &ses), None);
    let pending = resolved(get_session()).await;
    assert_eq!(get(&pending, "newSessionPending").as_bool(), Some(true));
    let third = get(&resolved(track_page_view(None)).await, "clientSession");
    assert_ne!(text(&third, "sessionId"), text(&second, "sessionId"));
    assert_eq!(
        text(&third, "previousSessionId"),
        text(&second, "sessionId")
    );
    assert_eq!(
        number(&third, "sessionIndex"),
        number(&second, "sessionIndex") + 1.0
    );
    assert_eq!(number(&third, "eventIndex"), 1.0);
    assert_eq!(text(&third, "userId"), text(&second, "userId"));
    assert_eq!(cookie_value(&document_cookie(), &ses), Some("*"));
    resolved(shutdown()).await;
}

#[wasm_bindgen_test]
async fn the_javascript_api_tracks_and_reports_sessions() {
    tracker("_api_", "").await;
    let started = js_sys::Date::now();
    let page_view = resolved(track_page_view(Some(json(r#"{"title": "Home"}"#)))).await;
    let entity = get(&page_view, "clientSession");
    assert_eq!(text(&page_view, "eventId").len(), 36);
    let dtm = number(&page_view, "dtm");
    assert!(dtm >= started && dtm <= js_sys::Date::now(), "{dtm}");
    assert_eq!(number(&entity, "eventIndex"), 1.0);
    assert_eq!(text(&entity, "storageMechanism"), "COOKIE_1");
    assert_eq!(text(&entity, "firstEventId"), text(&page_view, "eventId"));
    let co = JSON::parse(&text(&page_view, "contexts")).expect("contexts is JSON");
    assert_eq!(
        text(&co, "schema"),
        "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
    );
    let first_context = js_sys::Array::from(&get(&co, "data")).get(0);
    assert_eq!(
        text(&first_context, "schema"),
        "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2"
    );
    assert_eq!(
        JSON::stringify(&get(&first_context, "data")).ok(),
        JSON::stringify(&entity).ok()
    );

    let structured = resolved(track_struct_event(json(
        r#"{"category": "shop", "action": "add", "label": "sku-1", "value": 2}"#,
    )))
    .await;
    assert_eq!(
        number(&get(&structured, "clientSession"), "eventIndex"),
        2.0
    );
    let described = resolved(track_self_describing_event(json(
        r#"{"event": {"schema": "iglu:com.acme/signup/jsonschema/1-0-0", "data": {"plan": "pro"}}}"#,
    )))
    .await;
    let described = get(&described, "clientSession");
    assert_eq!(number(&described, "eventIndex"), 3.0);
    let session = resolved(get_session()).await;
    assert_eq!(
        JSON::stringify(&get(&session, "clientSession")).ok(),
        JSON::stringify(&described).ok()
    );
    assert_eq!(get(&session, "newSessionPending").as_bool(), Some(false));

    // A callback that throws is logged and stops neither the tracker nor the other callbacks.
    let throwing = Function::new_no_args("throw new Error('a listener failed')");
    resolved(on_session_change(throwing.into())).await;
    let seen: Rc<RefCell<Vec<JsValue>>> = Rc::default();
    let record = {
        let seen = Rc::clone(&seen);
        Closure::<dyn FnMut(JsValue)>::new(move |session| seen.borrow_mut().push(session))
    };
    let unsubscribe: Function = resolved(on_session_change(record.as_ref().clone()))
        .await
        .dyn_into()
        .expect("onSessionChange resolves to a function");

    resolved(new_session()).await;
    for _ in 0..100 {
        if !seen.borrow().is_empty() {
            break;
        }
        sleep(10).await;
    }
    let announced = seen
        .borrow()
        .first()
        .cloned()
        .expect("the new session is announced");
    assert_eq!(
        number(&announced, "sessionIndex"),
        number(&entity, "sessionIndex") + 1.0
    );
    assert_eq!(
        text(&announced, "previousSessionId"),
        text(&entity, "sessionId")
    );
    let next = get(&resolved(track_page_view(None)).await, "clientSession");
    assert_eq!(text(&next, "sessionId"), text(&announced, "sessionId"));
    assert_eq!(number(&next, "eventIndex"), 1.0);

    unsubscribe.call0(&JsValue::NULL).expect("unsubscribes");
    resolved(new_session()).await;
    sleep(50).await;
    assert_eq!(
        seen.borrow().len(),
        1,
        "an unsubscribed callback was called"
    );

    resolved(shutdown()).await;
    assert_eq!(
        rejected(track_page_view(None)).await,
        "trackPageView: no tracker is running: call newTracker first"
    );
}

#[wasm_bindgen_test]
async fn bad_input_rejects_with_an_error_naming_the_field() {
    no_tracker().await;
    assert_eq!(
        rejected(track_page_view(None)).await,
        "trackPageView: no tracker is running: call newTracker first"
    );
    assert_eq!(
        rejected(new_tracker(Some(json(r#"{"sessionCookieTimeout": -1}"#)))).await,
        "newTracker: sessionCookieTimeout must be a whole number of seconds from 0 to 4294967295"
    );
    let nan = Object::new();
    Reflect::set(&nan, &"sessionCookieTimeout".into(), &f64::NAN.into()).expect("set");
    assert_eq!(
        rejected(new_tracker(Some(nan.into()))).await,
        "newTracker: sessionCookieTimeout must be a finite number"
    );

    tracker("_bad_", "").await;
    assert_eq!(
        rejected(new_tracker(None)).await,
        "newTracker: a tracker is already running on this page: call shutdown() first"
    );
    assert_eq!(
        rejected(track_struct_event(json(
            r#"{"category": "", "action": "add"}"#
        )))
        .await,
        "trackStructEvent: category must be a non-empty string"
    );
    assert_eq!(
        rejected(track_struct_event(JsValue::UNDEFINED)).await,
        "trackStructEvent: needs an argument { category, action, … }"
    );
    let infinite = json(r#"{"category": "shop", "action": "add"}"#);
    Reflect::set(&infinite, &"value".into(), &f64::INFINITY.into()).expect("set");
    assert_eq!(
        rejected(track_struct_event(infinite)).await,
        "trackStructEvent: value must be a finite number"
    );
    assert_eq!(
        rejected(track_self_describing_event(json(
            r#"{"event": {"schema": "acme", "data": {}}}"#
        )))
        .await,
        "trackSelfDescribingEvent: event.schema must be an Iglu URI such as \
         iglu:com.acme/signup/jsonschema/1-0-0"
    );
    assert_eq!(
        rejected(on_session_change(JsValue::from(5))).await,
        "onSessionChange: callback must be a function"
    );
    // None of it disturbed the tracker.
    let event = resolved(track_page_view(None)).await;
    assert_eq!(number(&get(&event, "clientSession"), "eventIndex"), 1.0);
    resolved(shutdown()).await;
    assert_eq!(
        rejected(shutdown()).await,
        "shutdown: no tracker is running: call newTracker first"
    );
}

/// The `(schema, data)` of each entity in a result's `contexts` (the `co` string), in order.
fn entities(result: &JsValue) -> Vec<(String, JsValue)> {
    let co = JSON::parse(&text(result, "contexts")).expect("contexts is JSON");
    js_sys::Array::from(&get(&co, "data"))
        .iter()
        .map(|entity| (text(&entity, "schema"), get(&entity, "data")))
        .collect()
}

fn schema_names(result: &JsValue) -> Vec<String> {
    entities(result)
        .into_iter()
        .map(|(schema, _)| {
            let name = schema.split('/').nth(1).unwrap_or_default();
            name.to_owned()
        })
        .collect()
}

fn entity(result: &JsValue, name: &str) -> JsValue {
    entities(result)
        .into_iter()
        .find(|(schema, _)| schema.split('/').nth(1) == Some(name))
        .map(|(_, data)| data)
        .unwrap_or_else(|| panic!("no {name} entity"))
}

fn stringify(value: &JsValue) -> String {
    JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn screen_views_end_the_screen_before_them_and_fold_list_and_scroll() {
    let info = tracker("_scr_", "").await;
    assert_eq!(get(&info, "screenContext").as_bool(), Some(true));
    assert_eq!(
        get(&info, "screenEngagementAutotracking").as_bool(),
        Some(true)
    );

    // The first screen view: its own screen, its data in selfDescribingEvent, no screen_end.
    let home = resolved(track_screen_view(json(
        r#"{"name": "home", "type": "feed"}"#,
    )))
    .await;
    assert_eq!(text(&home, "event"), "screen_view");
    assert!(get(&home, "screenEnd").is_null());
    let data = get(&get(&home, "selfDescribingEvent"), "data");
    let home_id = text(&data, "id");
    assert_eq!(
        stringify(&data),
        format!(r#"{{"name":"home","id":"{home_id}","type":"feed"}}"#)
    );
    assert_eq!(
        text(&get(&home, "selfDescribingEvent"), "schema"),
        "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0"
    );
    assert_eq!(schema_names(&home), ["client_session", "screen"]);
    assert_eq!(text(&entity(&home, "screen"), "id"), home_id);

    // List items and scrolls are folded into the summary: nothing sent, nothing counted.
    let item = resolved(track_list_item_view(json(
        r#"{"index": 12, "itemsCount": 40}"#,
    )))
    .await;
    assert!(item.is_null(), "{item:?}");
    let scroll = resolved(track_scroll_changed(Some(json(
        r#"{"yOffset": 300, "viewHeight": 700, "contentHeight": 4000}"#,
    ))))
    .await;
    assert!(scroll.is_null(), "{scroll:?}");

    // Any other event carries the current screen.
    let click = resolved(track_struct_event(json(
        r#"{"category": "ui", "action": "click"}"#,
    )))
    .await;
    assert_eq!(schema_names(&click), ["client_session", "screen"]);
    assert!(get(&click, "selfDescribingEvent").is_null());
    assert_eq!(number(&get(&click, "clientSession"), "eventIndex"), 2.0);

    sleep(50).await;
    let cart = resolved(track_screen_view(json(r#"{"name": "cart"}"#))).await;
    let end = get(&cart, "screenEnd");
    assert_eq!(text(&end, "event"), "screen_end");
    // The screen_end went first: the index before the view's, with the view's dtm.
    assert_eq!(number(&get(&end, "clientSession"), "eventIndex"), 3.0);
    assert_eq!(number(&get(&cart, "clientSession"), "eventIndex"), 4.0);
    assert_eq!(number(&end, "dtm"), number(&cart, "dtm"));
    assert_ne!(text(&end, "eventId"), text(&cart, "eventId"));
    assert_eq!(
        schema_names(&end),
        ["client_session", "screen", "screen_summary"]
    );
    assert_eq!(text(&entity(&end, "screen"), "name"), "home");
    let summary = entity(&end, "screen_summary");
    assert!(
        number(&summary, "foreground_sec") >= 0.05,
        "{}",
        stringify(&summary)
    );
    assert_eq!(number(&summary, "background_sec"), 0.0);
    assert_eq!(number(&summary, "last_item_index"), 12.0);
    assert_eq!(number(&summary, "items_count"), 40.0);
    assert_eq!(number(&summary, "min_y_offset"), 300.0);
    assert_eq!(number(&summary, "max_y_offset"), 1000.0);
    assert_eq!(number(&summary, "content_height"), 4000.0);
    // The view names the screen it replaced.
    let data = get(&get(&cart, "selfDescribingEvent"), "data");
    assert_eq!(text(&data, "previousName"), "home");
    assert_eq!(text(&data, "previousId"), home_id);
    assert_eq!(text(&data, "previousType"), "feed");
    let session_id = text(&get(&cart, "clientSession"), "sessionId");

    // A reload is a new tracker on the page (shutdown, then newTracker): the screen was in the
    // old one's memory only, the session is in the cookies.
    resolved(shutdown()).await;
    tracker("_scr_", "").await;
    let after = resolved(track_screen_view(json(r#"{"name": "cart"}"#))).await;
    assert!(get(&after, "screenEnd").is_null());
    assert!(get(
        &get(&get(&after, "selfDescribingEvent"), "data"),
        "previousName"
    )
    .is_undefined());
    assert_eq!(text(&get(&after, "clientSession"), "sessionId"), session_id);
    assert_eq!(number(&get(&after, "clientSession"), "eventIndex"), 5.0);
    resolved(shutdown()).await;
}

#[wasm_bindgen_test]
async fn with_screen_engagement_off_list_and_scroll_events_are_sent() {
    let info = tracker(
        "_eng_",
        r#""screenEngagementAutotracking": false, "screenContext": false"#,
    )
    .await;
    assert_eq!(get(&info, "screenContext").as_bool(), Some(false));
    assert_eq!(
        get(&info, "screenEngagementAutotracking").as_bool(),
        Some(false)
    );
    let home = resolved(track_screen_view(json(r#"{"name": "home"}"#))).await;
    assert_eq!(schema_names(&home), ["client_session"]);
    let item = resolved(track_list_item_view(json(r#"{"index": 3}"#))).await;
    assert_eq!(text(&item, "event"), "list_item_view");
    assert_eq!(
        stringify(&get(&item, "selfDescribingEvent")),
        r#"{"schema":"iglu:com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0","data":{"index":3}}"#
    );
    assert_eq!(number(&get(&item, "clientSession"), "eventIndex"), 2.0);
    let scroll = resolved(track_scroll_changed(None)).await;
    assert_eq!(text(&scroll, "event"), "scroll_changed");
    assert_eq!(
        stringify(&get(&get(&scroll, "selfDescribingEvent"), "data")),
        "{}"
    );
    let next = resolved(track_screen_view(json(r#"{"name": "cart"}"#))).await;
    assert!(get(&next, "screenEnd").is_null());
    assert_eq!(number(&get(&next, "clientSession"), "eventIndex"), 4.0);
    resolved(shutdown()).await;
}

#[wasm_bindgen_test]
async fn bad_screen_input_rejects_with_the_cores_message() {
    tracker("_sbad_", "").await;
    assert_eq!(
        rejected(track_screen_view(json(r#"{"name": ""}"#))).await,
        "trackScreenView: a screen view needs a non-empty name"
    );
    assert_eq!(
        rejected(track_screen_view(JsValue::UNDEFINED)).await,
        "trackScreenView: needs an argument { name, id, type, … }"
    );
    assert_eq!(
        rejected(track_screen_view(json(r#"{"name": "a", "id": "nope"}"#))).await,
        "trackScreenView: `id` must be a UUID, not \"nope\""
    );
    assert_eq!(
        rejected(track_list_item_view(json(r#"{"index": -1}"#))).await,
        "trackListItemView: `index` must be from 0 to 65535, not -1"
    );
    assert_eq!(
        rejected(track_list_item_view(json(r#"{"index": 1.5}"#))).await,
        "trackListItemView: index must be a whole number"
    );
    let nan = json(r#"{"index": 1}"#);
    Reflect::set(&nan, &"itemsCount".into(), &f64::NAN.into()).expect("set");
    assert_eq!(
        rejected(track_list_item_view(nan)).await,
        "trackListItemView: itemsCount must be a finite number"
    );
    let infinite = Object::new();
    Reflect::set(&infinite, &"viewWidth".into(), &f64::INFINITY.into()).expect("set");
    assert_eq!(
        rejected(track_scroll_changed(Some(infinite.into()))).await,
        "trackScrollChanged: viewWidth must be a finite number"
    );
    assert_eq!(
        rejected(new_tracker(Some(json(r#"{"screenContext": 1}"#)))).await,
        "newTracker: screenContext must be true or false"
    );
    // None of it disturbed the tracker or made a screen current.
    let view = resolved(track_screen_view(json(r#"{"name": "ok"}"#))).await;
    assert!(get(&view, "screenEnd").is_null());
    assert_eq!(number(&get(&view, "clientSession"), "eventIndex"), 1.0);
    resolved(shutdown()).await;
}
