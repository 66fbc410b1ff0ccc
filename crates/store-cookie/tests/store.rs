#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! The cookie store through the actor, for what the scenarios cannot see (their lines hold
//! cookie values only): the attributes it writes, and its recoveries with what they log, for a
//! jar that refuses our cookies and for a malformed `_sp_id`.

use std::sync::{Arc, Mutex};

use client_session_actor::{Clock, Event, ManualClock, SessionActor, SessionHandle, TrackedEvent};
use client_session_core::{Config, Payload, Timeout};
use client_session_store_cookie::{
    CookieJar, CookieOptions, CookieStore, NativeJar, Page, SameSite, SharedJar,
};
use tokio::task::JoinHandle;

const T0: i64 = 1_700_000_000_000;

/// Log lines at WARN and above, captured on this thread (`#[tokio::test]` runs the actor here).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<String>>>);

impl Logs {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl tracing::Subscriber for Logs {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::WARN
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = event.metadata().level().to_string();
        event.record(&mut Fields(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

async fn start(jar: &SharedJar<NativeJar>, clock: &ManualClock) -> (SessionHandle, JoinHandle<()>) {
    start_with(Config::default(), jar, clock).await
}

async fn start_with(
    config: Config,
    jar: &SharedJar<NativeJar>,
    clock: &ManualClock,
) -> (SessionHandle, JoinHandle<()>) {
    let store = CookieStore::new(jar.clone(), CookieOptions::for_domain("example.test"));
    let (handle, actor) = SessionActor::start(config, store, Arc::new(clock.clone()))
        .await
        .unwrap();
    (handle, tokio::spawn(actor.run()))
}

async fn page_view(handle: &SessionHandle) -> TrackedEvent {
    let url = "https://www.example.test/".to_owned();
    handle
        .track(Event::new(Payload::PageView { url }))
        .await
        .unwrap()
}

/// A jar that refuses our cookies (here a page on `http:`, where `Secure` cookies cannot be
/// set) leaves every batch with no cookie to read: each awaited event starts a fresh identity,
/// tracking goes on, and the failure is logged once, naming the cookie but not its value.
#[tokio::test]
async fn a_jar_that_refuses_our_cookies_gives_a_fresh_identity_per_batch_and_a_log() {
    let logs = Logs::default();
    let _capture = tracing::subscriber::set_default(logs.clone());
    let jar = SharedJar::new(NativeJar::new(Page::new("www.example.test", "/", false)));
    let clock = ManualClock::new(T0);
    let (handle, task) = start(&jar, &clock).await;

    let first = page_view(&handle).await;
    clock.advance(1_000);
    let second = page_view(&handle).await;

    for event in [&first, &second] {
        assert!(event.starts_session);
        assert_eq!(event.client_session.session_index, 1);
        assert_eq!(event.client_session.event_index, Some(1));
    }
    assert_ne!(first.client_session.user_id, second.client_session.user_id);
    assert_ne!(
        first.client_session.session_id,
        second.client_session.session_id
    );
    assert!(jar.with(|jar| jar.visible(clock.now_ms()).is_empty()));

    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let lines = logs.lines();
    let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("ERROR")).collect();
    assert_eq!(errors.len(), 1, "logged once, not per batch: {lines:?}");
    assert!(
        errors[0].contains("_sp_id.8e5d") && errors[0].contains("is Secure but the page is not"),
        "{errors:?}"
    );
    for event in [&first, &second] {
        let user = event.client_session.user_id.to_string();
        assert!(!lines.iter().any(|l| l.contains(&user)), "{lines:?}");
    }
}

/// A malformed `_sp_id` is logged as a warning naming the cookie and the field, never with its
/// value, and the event starts a fresh identity.
#[tokio::test]
async fn a_malformed_sp_id_is_logged_without_its_value_and_replaced() {
    let logs = Logs::default();
    let _capture = tracing::subscriber::set_default(logs.clone());
    let jar = SharedJar::new(NativeJar::new(Page::https("www.example.test")));
    let clock = ManualClock::new(T0);
    let (handle, task) = start(&jar, &clock).await;
    let before = page_view(&handle).await;

    // Someone else writes an `_sp_id` whose session id is not a UUID.
    let user = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let value = format!("{user}.1699900000.3.1700000010.1699950000.not-a-uuid....4");
    jar.clone()
        .write_cookie(
            &format!("_sp_id.8e5d={value}; Path=/; Domain=example.test; Secure"),
            clock.now_ms(),
        )
        .unwrap();
    clock.advance(1_000);
    let after = page_view(&handle).await;

    assert!(after.starts_session);
    assert_eq!(after.client_session.session_index, 1);
    assert_ne!(after.client_session.user_id, before.client_session.user_id);
    assert_ne!(after.client_session.user_id.to_string(), user);

    handle.shutdown().await.unwrap();
    task.await.unwrap();
    let lines = logs.lines();
    let warnings: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("WARN") && l.contains("malformed identity cookie"))
        .collect();
    assert_eq!(warnings.len(), 1, "{lines:?}");
    assert!(
        warnings[0].contains("_sp_id.8e5d") && warnings[0].contains("sessionId"),
        "{warnings:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains(user) || l.contains("not-a-uuid")),
        "{lines:?}"
    );
}

/// A3.4: both cookies on the cookie domain (not host-only) and path `/`, `SameSite=Lax`,
/// `Secure`, and `Expires` at whole seconds: two years for `_sp_id`, the session timeout for
/// `_sp_ses`, from a page load half a second into a second.
#[tokio::test]
async fn the_page_load_writes_both_cookies_with_the_js_tracker_attributes() {
    let jar = SharedJar::new(NativeJar::new(Page::https("www.example.test")));
    let clock = ManualClock::new(T0 + 500);
    let (handle, task) = start(&jar, &clock).await;
    jar.with(|jar| {
        assert_eq!(
            jar.expiry_ms("_sp_id.8e5d", "example.test", "/", T0),
            Some(Some(1_763_072_000_000)),
            "2023-11-14T22:13:20.5Z plus 63072000 s, floored to the second"
        );
        assert_eq!(
            jar.expiry_ms("_sp_ses.8e5d", "example.test", "/", T0),
            Some(Some(1_700_001_800_000))
        );
        for name in ["_sp_id.8e5d", "_sp_ses.8e5d"] {
            assert_eq!(
                jar.same_site(name, "example.test", "/"),
                Some(SameSite::Lax)
            );
        }
    });
    // Domain=example.test: another host of the site sees them; Secure: an http page does not.
    let other = jar.clone();
    other.with(|jar| jar.set_page(Page::https("shop.example.test")));
    assert!(other.get("_sp_id.8e5d", T0).unwrap().is_some());
    other.with(|jar| jar.set_page(Page::new("shop.example.test", "/", false)));
    assert_eq!(other.get("_sp_id.8e5d", T0).unwrap(), None);
    assert_eq!(other.get("_sp_ses.8e5d", T0).unwrap(), None);
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}

/// A session timeout of 0 writes `_sp_ses` without `Expires`, as the JavaScript tracker does.
#[tokio::test]
async fn a_timeout_of_zero_writes_a_browser_session_cookie() {
    let jar = SharedJar::new(NativeJar::new(Page::https("www.example.test")));
    let clock = ManualClock::new(T0);
    let config = Config {
        session_timeout: Timeout::from_secs(0),
        ..Config::default()
    };
    let (handle, task) = start_with(config, &jar, &clock).await;
    page_view(&handle).await;
    assert_eq!(
        jar.with(|jar| jar.expiry_ms("_sp_ses.8e5d", "example.test", "/", T0)),
        Some(None)
    );
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}
