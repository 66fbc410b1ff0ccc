use client_session_core::{EventStamp, SessionModel, StorageMechanism, WebCookies, WebState};
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
                ignored: vec![],
            }
        );
        let config = options.config();
        assert_eq!(config.session_timeout.as_secs(), 1800);
        assert!(!config.anonymous);
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
    assert_eq!(
        options.to_json(),
        json!({
            "namespace": "web",
            "cookieDomain": "example.test",
            "cookieName": "_acme_",
            "sessionCookieTimeout": 2,
            "anonymousTracking": { "withSessionTracking": true },
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
        &json!({ "cookieName": null, "sessionCookieTimeout": null, "anonymousTracking": null }),
        Some("a.test"),
    )
    .unwrap();
    assert_eq!(options.cookie_name, "_sp_");
    assert_eq!(options.session_cookie_timeout, 1800);
    assert!(!options.anonymous_tracking);
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
