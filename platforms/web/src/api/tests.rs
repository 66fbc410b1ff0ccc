use std::sync::Arc;

use client_session_actor::{Event, ManualClock, SessionActor};
use client_session_core::{
    EventStamp, SessionModel, StorageMechanism, TrackerState, WebCookies, WebState,
    LIST_ITEM_VIEW_SCHEMA, SCREEN_END_SCHEMA, SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA,
    SCREEN_VIEW_SCHEMA, SCROLL_CHANGED_SCHEMA,
};
use client_session_store_cookie::{CookieStore, NativeJar, Page, SharedJar};
use serde_json::json;
use uuid::Uuid;

use super::*;

fn message(result: Result<impl std::fmt::Debug, ApiError>) -> String {
    result.expect_err("the call must reject").to_string()
}

#[test]
fn new_tracker_takes_the_javascript_trackers_defaults() {
    for none in [Value::Null, json!({})] {
        let options = tracker_options(&none, Some("www.example.test")).unwrap();
        assert_eq!(
            options,
            TrackerOptions {
                namespace: "sp".into(),
                cookie_domain: "www.example.test".into(),
                cookie_name: "_sp_".into(),
                session_cookie_timeout: 1800,
                anonymous_tracking: false,
                screen_context: true,
                screen_engagement: true,
                ignored: vec![],
            }
        );
        let config = options.config();
        assert_eq!(config.session_timeout.as_secs(), 1800);
        assert!(!config.anonymous);
        assert!(config.screen_context && config.screen_engagement);
    }
    // fixupDomain: a trailing dot is dropped from the host before hashing.
    let options = tracker_options(&Value::Null, Some("example.test.")).unwrap();
    assert_eq!(options.cookie_domain, "example.test");
    assert_eq!(options.cookie_options().names().id, "_sp_id.8e5d");
}

#[test]
fn new_tracker_reads_every_option() {
    let options = tracker_options(
        &json!({
            "namespace": "web",
            "cookieDomain": "example.test",
            "cookieName": "_acme_",
            "sessionCookieTimeout": 2,
            "anonymousTracking": { "withSessionTracking": true },
            "screenContext": false,
            "screenEngagementAutotracking": false,
            "appId": "shop",
            "encodeBase64": false,
        }),
        Some("www.example.test"),
    )
    .unwrap();
    assert_eq!(options.namespace, "web");
    assert_eq!(options.cookie_domain, "example.test");
    assert_eq!(options.session_cookie_timeout, 2);
    assert!(options.anonymous_tracking);
    assert_eq!(options.ignored, ["appId", "encodeBase64"]);
    let cookies = options.cookie_options();
    assert_eq!(cookies.prefix, "_acme_");
    assert_eq!(cookies.path, "/");
    assert_eq!(cookies.names().ses, "_acme_ses.8e5d");
    let config = options.config();
    assert_eq!(config.session_timeout.as_secs(), 2);
    assert!(config.anonymous);
    assert!(!config.screen_context);
    assert!(!config.screen_engagement);
    assert_eq!(
        options.to_json(),
        json!({
            "namespace": "web",
            "cookieDomain": "example.test",
            "cookieName": "_acme_",
            "sessionCookieTimeout": 2,
            "anonymousTracking": { "withSessionTracking": true },
            "screenContext": false,
            "screenEngagementAutotracking": false,
            "cookieNames": { "id": "_acme_id.8e5d", "ses": "_acme_ses.8e5d" },
        })
    );
    // A timeout of 0 (a browser-session `_sp_ses`) and the largest one are taken.
    for secs in [0, u64::from(u32::MAX)] {
        let options =
            tracker_options(&json!({ "sessionCookieTimeout": secs }), Some("a.test")).unwrap();
        assert_eq!(u64::from(options.session_cookie_timeout), secs);
    }
}

#[test]
fn new_tracker_rejects_each_bad_option_by_name() {
    let host = Some("example.test");
    let cases = [
        (json!(5), "newTracker: the argument must be an object { namespace, cookieDomain, … }"),
        (json!({ "namespace": "" }), "newTracker: namespace must be a non-empty string"),
        (json!({ "namespace": 1 }), "newTracker: namespace must be a non-empty string"),
        (json!({ "cookieDomain": "" }), "newTracker: cookieDomain must be a non-empty string"),
        (
            json!({ "cookieDomain": "a.test; Secure" }),
            "newTracker: cookieDomain must be a domain name (no spaces, ';' or ',', at most 1024 bytes)",
        ),
        (
            json!({ "cookieDomain": "a".repeat(1025) }),
            "newTracker: cookieDomain must be a domain name (no spaces, ';' or ',', at most 1024 bytes)",
        ),
        (json!({ "cookieName": false }), "newTracker: cookieName must be a non-empty string"),
        (
            json!({ "cookieName": "_sp=" }),
            "newTracker: cookieName must be a cookie name prefix without spaces, ';', ',' or '='",
        ),
        (
            json!({ "sessionCookieTimeout": -1 }),
            "newTracker: sessionCookieTimeout must be a whole number of seconds from 0 to 4294967295",
        ),
        (
            json!({ "sessionCookieTimeout": 1.5 }),
            "newTracker: sessionCookieTimeout must be a whole number of seconds from 0 to 4294967295",
        ),
        (
            json!({ "sessionCookieTimeout": 4_294_967_296_u64 }),
            "newTracker: sessionCookieTimeout must be a whole number of seconds from 0 to 4294967295",
        ),
        (
            json!({ "sessionCookieTimeout": "1800" }),
            "newTracker: sessionCookieTimeout must be a whole number of seconds from 0 to 4294967295",
        ),
        (json!({ "screenContext": "no" }), "newTracker: screenContext must be true or false"),
        (
            json!({ "screenEngagementAutotracking": 0 }),
            "newTracker: screenEngagementAutotracking must be true or false",
        ),
    ];
    for (options, expected) in cases {
        assert_eq!(
            message(tracker_options(&options, host)),
            expected,
            "{options}"
        );
    }
    // Full anonymous tracking, or anything but false and { withSessionTracking: true }.
    for anonymous in [
        json!(true),
        json!({ "withSessionTracking": false }),
        json!({}),
        json!("yes"),
    ] {
        let text = message(tracker_options(
            &json!({ "anonymousTracking": anonymous }),
            host,
        ));
        assert!(
            text.starts_with(
                "newTracker: anonymousTracking must be false or { withSessionTracking: true }"
            ),
            "{text}"
        );
    }
    // No host to default to.
    for host in [None, Some(""), Some(".")] {
        assert_eq!(
            message(tracker_options(&json!({}), host)),
            "newTracker: cookieDomain must be given on a page without a host name (a file: URL)"
        );
    }
}

#[test]
fn null_options_are_unset() {
    let options = tracker_options(
        &json!({
            "cookieName": null, "sessionCookieTimeout": null, "anonymousTracking": null,
            "screenContext": null, "screenEngagementAutotracking": null,
        }),
        Some("a.test"),
    )
    .unwrap();
    assert_eq!(options.cookie_name, "_sp_");
    assert_eq!(options.session_cookie_timeout, 1800);
    assert!(!options.anonymous_tracking);
    assert!(options.screen_context && options.screen_engagement);
}

#[test]
fn a_page_view_is_of_the_page_url_with_an_optional_title() {
    let url = "https://www.example.test/pricing";
    for argument in [
        Value::Null,
        json!({}),
        json!({ "title": "Pricing" }),
        json!({ "title": null }),
    ] {
        assert_eq!(
            page_view(&argument, url).unwrap(),
            Payload::PageView { url: url.into() }
        );
    }
    assert_eq!(
        message(page_view(&json!({ "title": 3 }), url)),
        "trackPageView: title must be a string"
    );
    assert_eq!(
        message(page_view(&json!("Pricing"), url)),
        "trackPageView: the argument must be an object { title }"
    );
}

#[test]
fn a_self_describing_event_needs_an_iglu_schema_and_object_data() {
    let payload = self_describing_event(&json!({
        "event": { "schema": "iglu:com.acme/signup/jsonschema/1-0-0", "data": { "plan": "pro" } }
    }))
    .unwrap();
    assert_eq!(
        payload,
        Payload::SelfDescribing {
            schema: "iglu:com.acme/signup/jsonschema/1-0-0".into(),
            data: json!({ "plan": "pro" }),
        }
    );
    let cases = [
        (Value::Null, "trackSelfDescribingEvent: needs an argument { event: { schema, data } }"),
        (json!({}), "trackSelfDescribingEvent: event must be an object { schema, data }"),
        (json!({ "event": "x" }), "trackSelfDescribingEvent: event must be an object { schema, data }"),
        (
            json!({ "event": { "data": {} } }),
            "trackSelfDescribingEvent: event.schema must be an Iglu URI such as iglu:com.acme/signup/jsonschema/1-0-0",
        ),
        (
            json!({ "event": { "schema": "iglu:com.acme/signup/jsonschema/1-0-0" } }),
            "trackSelfDescribingEvent: event.data must be an object",
        ),
        (
            json!({ "event": { "schema": "iglu:com.acme/signup/jsonschema/1-0-0", "data": [1] } }),
            "trackSelfDescribingEvent: event.data must be an object",
        ),
    ];
    for (argument, expected) in cases {
        assert_eq!(
            message(self_describing_event(&argument)),
            expected,
            "{argument}"
        );
    }
    for schema in [
        "com.acme/signup/jsonschema/1-0-0",
        "iglu:com.acme/signup/jsonschema/1-0",
        "iglu:com.acme/signup/jsonschema/1-0-x",
        "iglu:com.acme//jsonschema/1-0-0",
        "iglu:com.acme/signup/jsonschema/1-0-0/extra",
    ] {
        let argument = json!({ "event": { "schema": schema, "data": {} } });
        assert!(self_describing_event(&argument).is_err(), "{schema}");
    }
}

#[test]
fn a_struct_event_needs_category_and_action() {
    let payload = struct_event(&json!({
        "category": "shop", "action": "add", "label": "sku-1", "property": "red", "value": 2.5
    }))
    .unwrap();
    assert_eq!(
        payload,
        Payload::Structured {
            category: "shop".into(),
            action: "add".into(),
            label: Some("sku-1".into()),
            property: Some("red".into()),
            value: Some(2.5),
        }
    );
    assert_eq!(
        struct_event(&json!({ "category": "shop", "action": "add", "label": null })).unwrap(),
        Payload::structured("shop", "add")
    );
    let cases = [
        (
            Value::Null,
            "trackStructEvent: needs an argument { category, action, … }",
        ),
        (
            json!([]),
            "trackStructEvent: the argument must be an object { category, action, … }",
        ),
        (
            json!({ "action": "add" }),
            "trackStructEvent: category must be a non-empty string",
        ),
        (
            json!({ "category": "", "action": "add" }),
            "trackStructEvent: category must be a non-empty string",
        ),
        (
            json!({ "category": "shop" }),
            "trackStructEvent: action must be a non-empty string",
        ),
        (
            json!({ "category": "shop", "action": "add", "label": 1 }),
            "trackStructEvent: label must be a string",
        ),
        (
            json!({ "category": "shop", "action": "add", "property": {} }),
            "trackStructEvent: property must be a string",
        ),
        (
            json!({ "category": "shop", "action": "add", "value": "2" }),
            "trackStructEvent: value must be a number",
        ),
    ];
    for (argument, expected) in cases {
        assert_eq!(message(struct_event(&argument)), expected, "{argument}");
    }
    assert_eq!(
        ApiError::not_finite(TRACK_STRUCT_EVENT, "value").to_string(),
        "trackStructEvent: value must be a finite number"
    );
    assert_eq!(
        ApiError::no_tracker(TRACK_PAGE_VIEW).to_string(),
        "trackPageView: no tracker is running: call newTracker first"
    );
}

/// A web event as the actor hands it out: after a page load that started a session.
fn web_event() -> TrackedEvent {
    let mut ids = (1..).map(Uuid::from_u128);
    let mut state = <WebState as SessionModel>::start(
        Config::default(),
        StorageMechanism::Cookie1,
        WebCookies::default(),
        1_700_000_000_000,
        || ids.next().unwrap_or_default(),
    );
    let stamp = EventStamp {
        id: Uuid::from_u128(0xE1),
        dtm_ms: 1_700_000_000_123,
    };
    state.track(
        1_700_000_000_123,
        stamp,
        Payload::structured("shop", "add"),
        || ids.next().unwrap_or_default(),
    )
}

#[test]
fn a_tracked_event_resolves_to_its_id_dtm_entity_and_co_json() {
    let event = web_event();
    let result = tracked(TRACK_STRUCT_EVENT, &event).unwrap();
    assert_eq!(result["event"], "structured");
    assert_eq!(result["selfDescribingEvent"], Value::Null);
    assert_eq!(result["eventId"], "00000000-0000-0000-0000-0000000000e1");
    assert_eq!(result["dtm"], 1_700_000_000_123_i64);
    let entity = &result["clientSession"];
    assert_eq!(entity["eventIndex"], 1);
    assert_eq!(entity["sessionIndex"], 1);
    assert_eq!(entity["storageMechanism"], "COOKIE_1");
    assert_eq!(
        entity["firstEventId"],
        "00000000-0000-0000-0000-0000000000e1"
    );
    assert_eq!(entity.as_object().map(Map::len), Some(8));
    // `contexts` is the `co` string: the contexts wrapper around the same entity.
    let co: Value = serde_json::from_str(result["contexts"].as_str().unwrap()).unwrap();
    assert_eq!(
        co,
        json!({
            "schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1",
            "data": [{
                "schema": "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2",
                "data": entity,
            }],
        })
    );
}

#[test]
fn get_session_resolves_to_the_entity_or_null() {
    let event = web_event();
    let snapshot = Snapshot {
        session: Some(event.client_session.clone()),
        new_session_pending: false,
        in_background: false,
        paused: false,
        anonymous: false,
        foreground_index: 0,
        background_index: 0,
    };
    let result = session(&snapshot).unwrap();
    assert_eq!(
        result,
        json!({
            "clientSession": client_session(GET_SESSION, &event.client_session).unwrap(),
            "newSessionPending": false,
        })
    );
    let empty = Snapshot {
        session: None,
        new_session_pending: true,
        ..snapshot
    };
    assert_eq!(
        session(&empty).unwrap(),
        json!({ "clientSession": null, "newSessionPending": true })
    );
}

#[test]
fn a_screen_view_takes_every_field_and_checks_ids_with_the_core() {
    let payload = screen_view(&json!({
        "name": "cart",
        "id": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        "type": "form",
        "previousName": "home",
        "previousId": "00000000-0000-0000-0000-0000000000aa",
        "previousType": "feed",
        "transitionType": "push",
        "unknown": 1,
    }))
    .unwrap();
    let expected = ScreenView::new("cart")
        .unwrap()
        .with_id(Uuid::from_u128(0x6f96_19ff_8b86_d011_b42d_00c0_4fc9_64ff))
        .with_type("form")
        .with_previous_name("home")
        .with_previous_id(Uuid::from_u128(0xaa))
        .with_previous_type("feed")
        .with_transition_type("push");
    assert_eq!(payload, Payload::ScreenView(expected));
    // Only the name is needed; null is unset.
    assert_eq!(
        screen_view(&json!({ "name": "home", "id": null, "type": null })).unwrap(),
        Payload::screen_view("home").unwrap()
    );
    let cases = [
        (Value::Null, "trackScreenView: needs an argument { name, id, type, … }"),
        (json!("home"), "trackScreenView: the argument must be an object { name, id, type, … }"),
        // The core's ScreenError messages.
        (json!({}), "trackScreenView: a screen view needs a non-empty name"),
        (json!({ "name": "" }), "trackScreenView: a screen view needs a non-empty name"),
        (
            json!({ "name": "a", "id": "nope" }),
            "trackScreenView: `id` must be a UUID, not \"nope\"",
        ),
        (
            json!({ "name": "a", "previousId": "6f9619ff8b86d011b42d00c04fc964ff" }),
            "trackScreenView: `previousId` must be a UUID, not \"6f9619ff8b86d011b42d00c04fc964ff\"",
        ),
        // Types, checked here.
        (json!({ "name": 5 }), "trackScreenView: name must be a string"),
        (json!({ "name": "a", "id": 5 }), "trackScreenView: id must be a string"),
        (json!({ "name": "a", "type": true }), "trackScreenView: type must be a string"),
        (json!({ "name": "a", "previousName": [] }), "trackScreenView: previousName must be a string"),
        (json!({ "name": "a", "previousType": {} }), "trackScreenView: previousType must be a string"),
        (json!({ "name": "a", "transitionType": 1 }), "trackScreenView: transitionType must be a string"),
    ];
    for (argument, expected) in cases {
        assert_eq!(message(screen_view(&argument)), expected, "{argument}");
    }
}

#[test]
fn list_and_scroll_events_take_whole_numbers_in_the_schemas_ranges() {
    assert_eq!(
        list_item_view(&json!({ "index": 3, "itemsCount": 40 })).unwrap(),
        Payload::ListItemView(ListItemView::new(3, Some(40)).unwrap())
    );
    assert_eq!(
        list_item_view(&json!({ "index": 65_535, "itemsCount": null })).unwrap(),
        Payload::ListItemView(ListItemView::new(65_535, None).unwrap())
    );
    let cases = [
        (
            Value::Null,
            "trackListItemView: needs an argument { index, itemsCount }",
        ),
        (
            json!([1]),
            "trackListItemView: the argument must be an object { index, itemsCount }",
        ),
        (
            json!({ "itemsCount": 4 }),
            "trackListItemView: index must be a whole number",
        ),
        (
            json!({ "index": 1.5 }),
            "trackListItemView: index must be a whole number",
        ),
        (
            json!({ "index": "3" }),
            "trackListItemView: index must be a whole number",
        ),
        (
            json!({ "index": 1, "itemsCount": 2.5 }),
            "trackListItemView: itemsCount must be a whole number",
        ),
        (
            json!({ "index": -1 }),
            "trackListItemView: `index` must be from 0 to 65535, not -1",
        ),
        (
            json!({ "index": 1, "itemsCount": 65_536 }),
            "trackListItemView: `items_count` must be from 0 to 65535, not 65536",
        ),
        // Past i64, held at its bound: still out of range, never wrapped into it.
        (
            json!({ "index": 1e20 }),
            "trackListItemView: `index` must be from 0 to 65535, not 9223372036854775807",
        ),
        (
            json!({ "index": u64::MAX }),
            "trackListItemView: `index` must be from 0 to 65535, not 9223372036854775807",
        ),
    ];
    for (argument, expected) in cases {
        assert_eq!(message(list_item_view(&argument)), expected, "{argument}");
    }

    // Every scroll field is optional, offsets may be negative.
    for none in [Value::Null, json!({}), json!({ "xOffset": null })] {
        assert_eq!(
            scroll_changed(&none).unwrap(),
            Payload::ScrollChanged(ScrollChanged::default())
        );
    }
    let full = ScrollChanged::default()
        .with_x_offset(-5)
        .and_then(|s| s.with_y_offset(-2_147_483_647))
        .and_then(|s| s.with_view_width(400))
        .and_then(|s| s.with_view_height(800))
        .and_then(|s| s.with_content_width(0))
        .and_then(|s| s.with_content_height(2_147_483_647))
        .unwrap();
    assert_eq!(
        scroll_changed(&json!({
            "xOffset": -5, "yOffset": -2_147_483_647, "viewWidth": 400, "viewHeight": 800,
            "contentWidth": 0, "contentHeight": 2_147_483_647,
        }))
        .unwrap(),
        Payload::ScrollChanged(full)
    );
    let cases = [
        (json!(7), "trackScrollChanged: the argument must be an object { xOffset, yOffset, viewWidth, … }"),
        (json!({ "yOffset": 0.5 }), "trackScrollChanged: yOffset must be a whole number"),
        (json!({ "contentHeight": "9" }), "trackScrollChanged: contentHeight must be a whole number"),
        (
            json!({ "viewWidth": -1 }),
            "trackScrollChanged: `view_width` must be from 0 to 2147483647, not -1",
        ),
        (
            json!({ "xOffset": -2_147_483_648_i64 }),
            "trackScrollChanged: `x_offset` must be from -2147483647 to 2147483647, not -2147483648",
        ),
        (
            json!({ "contentWidth": 2_147_483_648_i64 }),
            "trackScrollChanged: `content_width` must be from 0 to 2147483647, not 2147483648",
        ),
    ];
    for (argument, expected) in cases {
        assert_eq!(message(scroll_changed(&argument)), expected, "{argument}");
    }
}

/// One page's tracker state (the screen machine and the web rules, as the actor runs them)
/// with numbered ids, fed through the API's checks and results.
struct Screens {
    state: TrackerState<WebState>,
    next_id: u128,
}

impl Screens {
    /// A page load with `newTracker(options)`.
    fn load(options: Value) -> Self {
        let config = tracker_options(&options, Some("example.test"))
            .unwrap()
            .config();
        let mut next_id = 0;
        let state = TrackerState::start(
            config,
            StorageMechanism::Cookie1,
            WebCookies::default(),
            T0,
            || {
                next_id += 1;
                Uuid::from_u128(next_id)
            },
        );
        Self { state, next_id }
    }

    /// `call` with `argument` (checked by `check`) at `at_ms` after the page load: what its
    /// Promise resolves to.
    fn call(
        &mut self,
        call: &'static str,
        check: fn(&Value) -> Result<Payload, ApiError>,
        at_ms: i64,
        argument: Value,
    ) -> Value {
        let payload = check(&argument).unwrap();
        self.next_id += 1;
        let stamp = EventStamp {
            id: Uuid::from_u128(0xE000 + self.next_id),
            dtm_ms: T0 + at_ms,
        };
        let next_id = &mut self.next_id;
        let sent = self.state.track(T0 + at_ms, stamp, payload, || {
            *next_id += 1;
            Uuid::from_u128(*next_id)
        });
        track_result(call, &sent).unwrap()
    }

    fn view(&mut self, at_ms: i64, argument: Value) -> Value {
        self.call(TRACK_SCREEN_VIEW, screen_view, at_ms, argument)
    }

    fn item(&mut self, at_ms: i64, argument: Value) -> Value {
        self.call(TRACK_LIST_ITEM_VIEW, list_item_view, at_ms, argument)
    }

    fn scroll(&mut self, at_ms: i64, argument: Value) -> Value {
        self.call(TRACK_SCROLL_CHANGED, scroll_changed, at_ms, argument)
    }

    fn structured(&mut self, at_ms: i64) -> Value {
        self.call(
            TRACK_STRUCT_EVENT,
            struct_event,
            at_ms,
            json!({ "category": "c", "action": "a" }),
        )
    }
}

/// 2023-11-14T22:13:20.000Z.
const T0: i64 = 1_700_000_000_000;

/// A result's `co` entities as `(schema, data)`, in order.
fn entities(result: &Value) -> Vec<(String, Value)> {
    let text = result["contexts"].as_str().expect("contexts is a string");
    let co: Value = serde_json::from_str(text).unwrap();
    co["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entity| {
            (
                entity["schema"].as_str().unwrap().to_owned(),
                entity["data"].clone(),
            )
        })
        .collect()
}

fn schemas(result: &Value) -> Vec<String> {
    entities(result)
        .into_iter()
        .map(|(schema, _)| schema)
        .collect()
}

/// The data of the entity with `schema` in a result's `co`.
fn entity(result: &Value, schema: &str) -> Value {
    entities(result)
        .into_iter()
        .find(|(s, _)| s == schema)
        .map(|(_, data)| data)
        .unwrap_or_else(|| panic!("no {schema} in {result}"))
}

const CLIENT_SESSION: &str = "iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2";

fn event_index(result: &Value) -> &Value {
    &result["clientSession"]["eventIndex"]
}

#[test]
fn the_first_screen_view_resolves_with_its_data_and_screen_entity_and_no_screen_end() {
    let mut page = Screens::load(Value::Null);
    let view = page.view(0, json!({ "name": "home", "type": "feed" }));
    assert_eq!(view["event"], "screen_view");
    assert_eq!(view["screenEnd"], Value::Null);
    assert_eq!(event_index(&view), 1);
    let id = view["selfDescribingEvent"]["data"]["id"]
        .as_str()
        .expect("the tracker gave the screen an id")
        .to_owned();
    assert_eq!(id.len(), 36);
    // No previous fields: no screen was current.
    assert_eq!(
        view["selfDescribingEvent"],
        json!({ "schema": SCREEN_VIEW_SCHEMA, "data": { "name": "home", "id": id, "type": "feed" } })
    );
    assert_eq!(schemas(&view), [CLIENT_SESSION, SCREEN_SCHEMA]);
    let screen = json!({ "name": "home", "id": id, "type": "feed" });
    assert_eq!(entity(&view, SCREEN_SCHEMA), screen);

    // Every later event carries the screen; a structured one has no ue_pr and no screenEnd.
    let later = page.structured(100);
    assert_eq!(later["event"], "structured");
    assert_eq!(later["selfDescribingEvent"], Value::Null);
    assert!(later.get("screenEnd").is_none(), "{later}");
    assert_eq!(schemas(&later), [CLIENT_SESSION, SCREEN_SCHEMA]);
    assert_eq!(entity(&later, SCREEN_SCHEMA), screen);
    assert_eq!(event_index(&later), 2);
}

#[test]
fn a_second_screen_view_resolves_with_the_screen_end_first_and_its_summary() {
    let mut page = Screens::load(Value::Null);
    let home = page.view(0, json!({ "name": "home", "type": "feed" }));
    let home_screen = entity(&home, SCREEN_SCHEMA);
    // Folded into the summary: nothing sent, nothing counted.
    for (at, index) in [(100, 3), (200, 10), (300, 7)] {
        let item = page.item(at, json!({ "index": index, "itemsCount": 40 }));
        assert_eq!(item, Value::Null);
    }
    for y in [100, 20] {
        let scroll = page.scroll(
            400,
            json!({ "yOffset": y, "viewHeight": 800, "contentHeight": 5000 }),
        );
        assert_eq!(scroll, Value::Null);
    }

    let cart = page.view(2_500, json!({ "name": "cart" }));
    let end = &cart["screenEnd"];
    assert_eq!(end["event"], "screen_end");
    assert_eq!(
        end["selfDescribingEvent"],
        json!({ "schema": SCREEN_END_SCHEMA, "data": {} })
    );
    // Sent first: the index before the view's, the view's dtm, an id of its own.
    assert_eq!(event_index(end), 2);
    assert_eq!(event_index(&cart), 3);
    assert_eq!(end["dtm"], cart["dtm"]);
    assert_eq!(end["dtm"], T0 + 2_500);
    assert_ne!(end["eventId"], cart["eventId"]);
    assert_eq!(
        end["clientSession"]["sessionId"],
        cart["clientSession"]["sessionId"]
    );
    // The ending screen and its summary: 2.5 s on it, the list and scroll extremes.
    assert_eq!(
        schemas(end),
        [CLIENT_SESSION, SCREEN_SCHEMA, SCREEN_SUMMARY_SCHEMA]
    );
    assert_eq!(entity(end, SCREEN_SCHEMA), home_screen);
    assert_eq!(
        entity(end, SCREEN_SUMMARY_SCHEMA),
        json!({
            "foreground_sec": 2.5,
            "background_sec": 0,
            "last_item_index": 10,
            "items_count": 40,
            "min_y_offset": 20,
            "max_y_offset": 900,
            "content_height": 5000,
        })
    );
    // The view names the screen it replaced, and carries its own.
    let data = &cart["selfDescribingEvent"]["data"];
    assert_eq!(data["previousName"], "home");
    assert_eq!(data["previousId"], home_screen["id"]);
    assert_eq!(data["previousType"], "feed");
    assert_eq!(schemas(&cart), [CLIENT_SESSION, SCREEN_SCHEMA]);
    assert_eq!(entity(&cart, SCREEN_SCHEMA)["name"], "cart");
    assert_eq!(entity(&cart, SCREEN_SCHEMA)["id"], data["id"]);
    // A screen_end does not carry one of its own.
    assert!(end.get("screenEnd").is_none(), "{end}");
}

#[test]
fn previous_fields_the_page_gives_are_kept_key_by_key() {
    let mut page = Screens::load(Value::Null);
    page.view(
        0,
        json!({ "name": "home", "id": "00000000-0000-0000-0000-0000000000AB", "type": "feed" }),
    );
    let next = page.view(
        10,
        json!({
            "name": "article",
            "id": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
            "previousName": "deep-link",
            "transitionType": "push",
        }),
    );
    assert_eq!(
        next["selfDescribingEvent"]["data"],
        json!({
            "name": "article",
            "id": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
            "previousName": "deep-link",
            "previousId": "00000000-0000-0000-0000-0000000000ab",
            "previousType": "feed",
            "transitionType": "push",
        })
    );
    assert_eq!(
        entity(&next, SCREEN_SCHEMA),
        json!({ "name": "article", "id": "6f9619ff-8b86-d011-b42d-00c04fc964ff" })
    );
    assert_eq!(
        entity(&next["screenEnd"], SCREEN_SCHEMA)["id"],
        "00000000-0000-0000-0000-0000000000ab"
    );
}

#[test]
fn with_engagement_off_list_and_scroll_events_are_sent_and_no_screen_ends() {
    let mut page = Screens::load(json!({ "screenEngagementAutotracking": false }));
    // Before any screen view, too.
    let early = page.item(0, json!({ "index": 0 }));
    assert_eq!(early["event"], "list_item_view");
    assert_eq!(schemas(&early), [CLIENT_SESSION]);
    page.view(10, json!({ "name": "home" }));
    let item = page.item(20, json!({ "index": 3, "itemsCount": 40 }));
    assert_eq!(item["event"], "list_item_view");
    assert_eq!(
        item["selfDescribingEvent"],
        json!({ "schema": LIST_ITEM_VIEW_SCHEMA, "data": { "index": 3, "items_count": 40 } })
    );
    assert_eq!(schemas(&item), [CLIENT_SESSION, SCREEN_SCHEMA]);
    assert_eq!(event_index(&item), 3);
    let scroll = page.scroll(30, json!({ "xOffset": -4, "viewWidth": 400 }));
    assert_eq!(
        scroll["selfDescribingEvent"],
        json!({ "schema": SCROLL_CHANGED_SCHEMA, "data": { "x_offset": -4, "view_width": 400 } })
    );
    assert_eq!(event_index(&scroll), 4);
    let next = page.view(40, json!({ "name": "cart" }));
    assert_eq!(next["screenEnd"], Value::Null);
    assert_eq!(event_index(&next), 5);
    // The previous fields do not depend on engagement.
    assert_eq!(next["selfDescribingEvent"]["data"]["previousName"], "home");
}

#[test]
fn with_the_screen_context_off_no_event_carries_the_screen_entity() {
    let mut page = Screens::load(json!({ "screenContext": false }));
    let home = page.view(0, json!({ "name": "home" }));
    assert_eq!(schemas(&home), [CLIENT_SESSION]);
    assert_eq!(schemas(&page.structured(10)), [CLIENT_SESSION]);
    let cart = page.view(1_000, json!({ "name": "cart" }));
    assert_eq!(schemas(&cart), [CLIENT_SESSION]);
    // Engagement is still on: the screen_end has its summary, without the screen entity.
    assert_eq!(
        schemas(&cart["screenEnd"]),
        [CLIENT_SESSION, SCREEN_SUMMARY_SCHEMA]
    );
    assert_eq!(
        cart["selfDescribingEvent"]["data"]["previousId"],
        home["selfDescribingEvent"]["data"]["id"]
    );
}

/// A page reload is a new tracker on the same cookies: the session goes on in them, the
/// screen, kept in the old page's memory only, is gone (spec B2 "Screen details": a restart
/// drops the current screen and its summary, with no `screen_end`).
#[tokio::test]
async fn a_page_reload_forgets_the_screen_and_keeps_the_session() {
    let jar = SharedJar::new(NativeJar::new(Page::https("www.example.test")));
    let clock = ManualClock::new(T0);
    let options = tracker_options(&json!({ "cookieDomain": "example.test" }), None).unwrap();
    let load = || async {
        let store = CookieStore::new(jar.clone(), options.cookie_options());
        let (handle, actor) = SessionActor::start(options.config(), store, Arc::new(clock.clone()))
            .await
            .unwrap();
        (handle, tokio::spawn(actor.run()))
    };
    let view = |handle: client_session_actor::SessionHandle, name: &'static str| async move {
        let payload = screen_view(&json!({ "name": name })).unwrap();
        let sent = handle.track(Event::new(payload)).await.unwrap();
        track_result(TRACK_SCREEN_VIEW, &sent).unwrap()
    };

    let (handle, task) = load().await;
    view(handle.clone(), "home").await;
    clock.advance(1_000);
    let cart = view(handle.clone(), "cart").await;
    assert_eq!(cart["screenEnd"]["event"], "screen_end");
    handle.shutdown().await.unwrap();
    task.await.unwrap();

    clock.advance(1_000);
    let (handle, task) = load().await;
    let after = view(handle.clone(), "cart").await;
    assert_eq!(after["screenEnd"], Value::Null);
    let data = after["selfDescribingEvent"]["data"].as_object().unwrap();
    assert_eq!(
        data.keys().collect::<Vec<_>>(),
        ["name", "id"],
        "no previous fields after a reload: {after}"
    );
    assert_eq!(
        after["clientSession"]["sessionId"],
        cart["clientSession"]["sessionId"]
    );
    assert_eq!(event_index(&after), 4);
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}
