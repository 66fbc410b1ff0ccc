//! The cookie store attacked from outside: through the real actor on a manual clock (a
//! current-thread runtime, so the actor's logs reach this thread's subscriber), and directly
//! through [`SessionStore`].
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use client_session_actor::{Event, ManualClock, SessionActor, SessionHandle};
use client_session_core::{
    ClientSession, Config, Payload, Timeout, UserId, WebConfig, WebRules, WebSession,
};
use client_session_store::{Durability, SessionStore, StoreError};
use uuid::Uuid;

use super::*;
use crate::jar::{NativeJar, Page, SharedJar};

/// 2023-11-14T22:13:20.600Z: not a whole second, so rounding and flooring differ.
const T0: i64 = 1_700_000_000_600;
const ID: &str = "_sp_id.8e5d";
const SES: &str = "_sp_ses.8e5d";
const DOMAIN: &str = "example.test";
/// A user id planted in hostile cookies: it must never reach a log line or an entity.
const SECRET_USER: &str = "5ec7e700-0000-4000-8000-5ec7e7000001";
const THEIR_SESSION: &str = "7e7e7e7e-0000-4000-8000-000000000001";

// --- Harness -----------------------------------------------------------------------------------

/// Log lines captured on this thread, at DEBUG and above: `LEVEL message=… field=value …`.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<String>>>);

impl Logs {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    fn at(&self, level: &str) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.starts_with(level))
            .collect()
    }

    /// Fails when any captured line holds `secret`.
    fn assert_never_logged(&self, secret: &str) {
        for line in self.lines() {
            assert!(
                !line.contains(secret),
                "a log line holds {secret:?}: {line}"
            );
        }
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
        *metadata.level() <= tracing::Level::DEBUG
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

/// Runs `test` on a current-thread runtime with this thread's logs captured.
fn run<T>(test: impl std::future::Future<Output = T>) -> (T, Logs) {
    let logs = Logs::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let out = tracing::subscriber::with_default(logs.clone(), || runtime.block_on(test));
    (out, logs)
}

fn config(timeout_s: u32) -> Config {
    Config {
        session_timeout: Timeout::from_secs(timeout_s),
        ..Config::default()
    }
}

/// A web tracker on `store`, its actor spawned on the current runtime.
async fn start<J: CookieJar + Send + 'static>(
    store: CookieStore<J>,
    clock: &ManualClock,
    config: Config,
) -> (SessionHandle, tokio::task::JoinHandle<()>) {
    let (handle, actor) = SessionActor::start(config, store, Arc::new(clock.clone()))
        .await
        .unwrap();
    (handle, tokio::spawn(actor.run()))
}

async fn track(handle: &SessionHandle) -> ClientSession {
    handle
        .track(Event::new(Payload::structured("s", "t")))
        .await
        .unwrap()
        .event
        .unwrap()
        .client_session
}

async fn stop(handle: SessionHandle, task: tokio::task::JoinHandle<()>) {
    handle.shutdown().await.unwrap();
    task.await.unwrap();
}

fn native(host: &str) -> SharedJar<NativeJar> {
    SharedJar::new(NativeJar::new(Page::https(host)))
}

fn store_on<J: CookieJar>(jar: J) -> CookieStore<J> {
    CookieStore::new(jar, CookieOptions::for_domain(DOMAIN))
}

/// Writes a cookie as another tab or the JavaScript tracker would (A3.4), `ttl_s` from `now_ms`.
fn plant(jar: &mut impl CookieJar, name: &str, value: &str, ttl_s: i64, now_ms: i64) {
    let attrs = CookieOptions::for_domain(DOMAIN).attributes(Some(expires_after(now_ms, ttl_s)));
    jar.set(name, value, &attrs, now_ms).unwrap();
}

/// The `_sp_id` the JavaScript tracker would hold for [`SECRET_USER`] in its third session,
/// two events in.
fn their_session() -> WebSession {
    WebSession {
        domain_user_id: UserId::parse(SECRET_USER),
        create_ts: 1_690_000_000,
        visit_count: 3,
        now_ts: 1_700_000_000,
        last_visit_ts: Some(1_699_000_000),
        session_id: Uuid::parse_str(THEIR_SESSION).unwrap(),
        previous_session_id: Some(Uuid::from_u128(0x7e01)),
        first_event_id: Some(Uuid::from_u128(0x7e02)),
        first_event_ts: Some(1_699_999_999_000),
        event_index: 2,
    }
}

/// Ids 1, 2, 3… for the rules when a test calls them directly.
fn counter() -> impl FnMut() -> Uuid {
    let mut n = 0u128;
    move || {
        n += 1;
        Uuid::from_u128(n)
    }
}

/// A jar that records every write it is asked for, then passes it on.
#[derive(Clone)]
struct Recording<J> {
    inner: J,
    writes: Arc<Mutex<Vec<(String, String, CookieAttributes)>>>,
}

impl<J> Recording<J> {
    fn new(inner: J) -> Self {
        Self {
            inner,
            writes: Arc::default(),
        }
    }

    fn take(&self) -> Vec<(String, String, CookieAttributes)> {
        std::mem::take(&mut *self.writes.lock().unwrap())
    }
}

impl<J: CookieJar> CookieJar for Recording<J> {
    fn get(&self, name: &str, now_ms: i64) -> Result<Option<String>, JarError> {
        self.inner.get(name, now_ms)
    }

    fn set(
        &mut self,
        name: &str,
        value: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError> {
        self.writes
            .lock()
            .unwrap()
            .push((name.to_owned(), value.to_owned(), attributes.clone()));
        self.inner.set(name, value, attributes, now_ms)
    }
}

/// A jar with no rules at all (no size limit, no expiry, no domains): it hands the store any
/// value, as a hostile or broken `document.cookie` could.
#[derive(Clone, Default)]
struct Loose(Arc<Mutex<BTreeMap<String, String>>>);

impl Loose {
    fn with(cookies: &[(&str, &str)]) -> Self {
        let jar = Self::default();
        for (name, value) in cookies {
            jar.0
                .lock()
                .unwrap()
                .insert((*name).to_owned(), (*value).to_owned());
        }
        jar
    }

    fn value(&self, name: &str) -> Option<String> {
        self.0.lock().unwrap().get(name).cloned()
    }
}

impl CookieJar for Loose {
    fn get(&self, name: &str, _now_ms: i64) -> Result<Option<String>, JarError> {
        Ok(self.value(name))
    }

    fn set(
        &mut self,
        name: &str,
        value: &str,
        _attributes: &CookieAttributes,
        _now_ms: i64,
    ) -> Result<(), JarError> {
        self.0
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
        Ok(())
    }
}

// --- Names and attributes (A3.1, A3.2, A3.3, A3.4) ---------------------------------------------

#[test]
fn another_prefix_and_path_name_both_cookies_and_write_the_js_attributes() {
    // A page under /blog on www.example.test, its tracker configured with cookieName "_my_",
    // cookiePath "/blog" and cookieDomain "example.test".
    let jar = SharedJar::new(NativeJar::new(Page::new(
        "www.example.test",
        "/blog/post",
        true,
    )));
    let recording = Recording::new(jar.clone());
    let options = CookieOptions {
        domain: DOMAIN.to_owned(),
        path: "/blog".to_owned(),
        prefix: "_my_".to_owned(),
    };
    let store = CookieStore::new(recording.clone(), options);
    // sha1("example.test/blog") = e7bc…
    assert_eq!(store.names().id, "_my_id.e7bc");
    assert_eq!(store.names().ses, "_my_ses.e7bc");

    let clock = ManualClock::new(T0);
    let ((), _logs) = run(async {
        let (handle, task) = start(store, &clock, config(1800)).await;
        let written = recording.take();
        let names: Vec<&str> = written.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["_my_id.e7bc", "_my_ses.e7bc"], "A3.5: both at load");
        // T0 + 2 years = 1763072000.6 s, written whole: Thu, 13 Nov 2025 22:13:20 GMT.
        assert_eq!(
            written[0].2.to_string(),
            "Expires=Thu, 13 Nov 2025 22:13:20 GMT; Path=/blog; Domain=example.test; SameSite=Lax; Secure"
        );
        // T0 + 1800 s = 1700001800.6 s: Tue, 14 Nov 2023 22:43:20 GMT.
        assert_eq!(
            written[1].2.to_string(),
            "Expires=Tue, 14 Nov 2023 22:43:20 GMT; Path=/blog; Domain=example.test; SameSite=Lax; Secure"
        );
        assert_eq!(written[1].1, "*");
        assert!(SpId::decode(&written[0].1).is_ok());

        // What the jar kept: a domain cookie for example.test under /blog.
        jar.with(|jar| {
            assert_eq!(
                jar.expiry_ms("_my_id.e7bc", DOMAIN, "/blog", T0),
                Some(Some(1_763_072_000_000))
            );
            assert_eq!(
                jar.expiry_ms("_my_ses.e7bc", DOMAIN, "/blog", T0),
                Some(Some(1_700_001_800_000))
            );
            for name in ["_my_id.e7bc", "_my_ses.e7bc"] {
                assert_eq!(jar.same_site(name, DOMAIN, "/blog"), Some(SameSite::Lax));
            }
        });

        // An event refreshes both, `_sp_ses` from the event's time.
        clock.set(T0 + 10_000);
        track(&handle).await;
        let written = recording.take();
        assert_eq!(written.len(), 2);
        assert!(written[0]
            .2
            .to_string()
            .starts_with("Expires=Thu, 13 Nov 2025 22:13:30 GMT;"));
        assert_eq!(written[1].2.expires_s, Some(1_700_001_810));
        stop(handle, task).await;
    });

    // Who sees them: the page's site under /blog, securely; not the root path, not plain
    // http, not another site.
    let at = T0 + 10_000;
    let sees = |page: Page| {
        jar.with(|jar| {
            jar.set_page(page);
            jar.visible(at)
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(
        sees(Page::new("shop.example.test", "/blog", true)),
        ["_my_id.e7bc", "_my_ses.e7bc"],
        "Domain=example.test: every subdomain"
    );
    assert!(
        sees(Page::new("www.example.test", "/", true)).is_empty(),
        "Path"
    );
    assert!(
        sees(Page::new("www.example.test", "/blog", false)).is_empty(),
        "Secure"
    );
    assert!(
        sees(Page::new("other.test", "/blog", true)).is_empty(),
        "Domain"
    );
}

#[test]
fn a_timeout_of_0_writes_sp_ses_without_expires_and_sp_id_still_for_two_years() {
    let jar = native(DOMAIN);
    let recording = Recording::new(jar.clone());
    let clock = ManualClock::new(T0);
    run(async {
        let (handle, task) = start(store_on(recording.clone()), &clock, config(0)).await;
        let written = recording.take();
        assert_eq!(written[0].2.expires_s, Some(1_763_072_000));
        assert_eq!(
            written[1].2.to_string(),
            "Path=/; Domain=example.test; SameSite=Lax; Secure",
            "no Expires: a browser-session cookie"
        );
        jar.with(|jar| {
            assert_eq!(jar.expiry_ms(SES, DOMAIN, "/", T0), Some(None));
            assert_eq!(
                jar.expiry_ms(ID, DOMAIN, "/", T0),
                Some(Some(1_763_072_000_000))
            );
        });
        stop(handle, task).await;
    });
}

// --- Malformed and empty values (B2) -----------------------------------------------------------

/// `_sp_id` values no JavaScript tracker 4.x writes, each holding [`SECRET_USER`] where it has
/// room for it.
fn malformed_ids() -> Vec<(&'static str, String)> {
    let good = SpId::encode(&their_session());
    let fields: Vec<&str> = good.split('.').collect();
    let with_field = |i: usize, value: &str| {
        let mut f = fields.clone();
        f[i] = value;
        f.join(".")
    };
    vec![
        ("three fields", format!("{SECRET_USER}.1690000000.3")),
        ("eleven fields", format!("{good}.1")),
        (
            "a bad sessionId",
            with_field(5, "7e7e7e7e-0000-4000-8000-00000000000g"),
        ),
        (
            "an upper-case user",
            with_field(0, &SECRET_USER.to_ascii_uppercase()),
        ),
        (
            "7 fields, before 3.10",
            format!("{SECRET_USER}.1690000000.3.1700000000.1699000000.{THEIR_SESSION}.1"),
        ),
        (
            "junk that is not UTF-8 text once decoded",
            format!("%FF%FE{SECRET_USER}\u{fffd}\u{fffd}.ÿþ.%00"),
        ),
        ("a negative count", with_field(2, "-3")),
        ("5 KB", format!("{SECRET_USER}.{}.3", "1".repeat(5 * 1024))),
        (
            "5 KB in a number field",
            with_field(9, &"9".repeat(5 * 1024)),
        ),
    ]
}

#[test]
fn a_malformed_sp_id_at_page_load_is_a_fresh_identity_logged_without_its_value() {
    for (what, value) in malformed_ids() {
        // A jar with no limits, so even the 5 KB values reach the decoder.
        let jar = Loose::with(&[(ID, value.as_str()), (SES, "*")]);
        let clock = ManualClock::new(T0);
        let (entity, logs) = run(async {
            let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
            let entity = track(&handle).await;
            stop(handle, task).await;
            entity
        });
        assert_ne!(entity.user_id.as_str(), SECRET_USER, "{what}: half used");
        assert_ne!(entity.session_id.to_string(), THEIR_SESSION, "{what}");
        assert_eq!(
            (
                entity.session_index,
                entity.event_index,
                entity.previous_session_id
            ),
            (1, Some(1), None),
            "{what}: a fresh identity's first session"
        );
        let replaced = SpId::decode(&jar.value(ID).unwrap()).unwrap();
        assert_eq!(replaced.domain_user_id, Some(entity.user_id), "{what}");

        logs.assert_never_logged(&value);
        logs.assert_never_logged(SECRET_USER);
        logs.assert_never_logged(&SECRET_USER.to_ascii_uppercase());
        logs.assert_never_logged("5ec7e700");
        let warnings = logs.at("WARN");
        assert_eq!(warnings.len(), 1, "{what}: {warnings:?}");
        assert!(warnings[0].contains(ID), "{what}: names the cookie");
    }
}

#[test]
fn a_malformed_sp_id_between_events_is_a_fresh_identity_too() {
    let jar = native(DOMAIN);
    let clock = ManualClock::new(T0);
    let ((before, after), logs) = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let before = track(&handle).await;
        clock.set(T0 + 1_000);
        // Another tab writes a pre-3.10 cookie; `_sp_ses` is live.
        let old = format!("{SECRET_USER}.1690000000.3.1700000000.1699000000.{THEIR_SESSION}.1");
        plant(&mut jar.clone(), ID, &old, 63_072_000, T0 + 1_000);
        clock.set(T0 + 2_000);
        let after = track(&handle).await;
        stop(handle, task).await;
        (before, after)
    });
    assert_ne!(
        after.user_id, before.user_id,
        "a fresh identity: a new user"
    );
    assert_ne!(after.user_id.as_str(), SECRET_USER);
    assert_eq!((after.session_index, after.event_index), (1, Some(1)));
    assert_eq!(after.previous_session_id, None);
    assert_eq!(logs.at("WARN").len(), 1, "{:?}", logs.lines());
    logs.assert_never_logged(SECRET_USER);
    logs.assert_never_logged(before.user_id.as_str());
    logs.assert_never_logged(after.user_id.as_str());
}

#[test]
fn a_5_kb_sp_id_is_refused_by_the_jar_and_the_tracker_starts_fresh() {
    let mut jar = native(DOMAIN);
    let big = format!("{SECRET_USER}.{}", "1".repeat(5 * 1024));
    let attrs = CookieOptions::for_domain(DOMAIN).attributes(Some(expires_after(T0, 3600)));
    assert!(matches!(
        jar.set(ID, &big, &attrs, T0),
        Err(JarError::TooLarge { .. })
    ));
    plant(&mut jar, SES, "*", 1800, T0);
    let clock = ManualClock::new(T0);
    let (entity, logs) = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let entity = track(&handle).await;
        stop(handle, task).await;
        entity
    });
    assert_eq!((entity.session_index, entity.event_index), (1, Some(1)));
    assert!(logs.at("WARN").is_empty(), "nothing malformed was read");
}

#[test]
fn an_empty_sp_ses_counts_as_missing_and_an_empty_sp_id_is_none_without_a_warning() {
    let theirs = SpId::encode(&their_session());
    let (read, logs) = run(async {
        let mut read = Vec::new();
        for ses in ["*", "", "0"] {
            let mut store = store_on(Loose::with(&[(ID, theirs.as_str()), (SES, ses)]));
            read.push(store.open(T0).await.unwrap());
        }
        let mut store = store_on(Loose::with(&[(ID, ""), (SES, "*")]));
        read.push(
            store
                .load(T0)
                .await
                .map(|loaded| match loaded {
                    client_session_store::Loaded::Current(c) => c,
                    client_session_store::Loaded::Unchanged => {
                        panic!("cookies are read every batch")
                    }
                })
                .unwrap(),
        );
        read
    });
    assert_eq!(read[0].id, Some(their_session()));
    assert!(read[0].session_cookie, "`*`");
    assert!(
        !read[1].session_cookie,
        "empty is falsy in the JavaScript tracker"
    );
    assert!(
        read[2].session_cookie,
        "\"0\" is a non-empty string: truthy"
    );
    assert_eq!(read[3].id, None);
    assert!(read[3].session_cookie);
    assert!(logs.lines().is_empty(), "{:?}", logs.lines());

    // Through the actor: an empty `_sp_ses` next to their cookie rotates at the page load.
    let jar = Loose::with(&[(ID, theirs.as_str()), (SES, "")]);
    let clock = ManualClock::new(T0);
    let (entity, _) = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let entity = track(&handle).await;
        stop(handle, task).await;
        entity
    });
    assert_eq!(entity.user_id.as_str(), SECRET_USER);
    assert_eq!(entity.session_index, 4);
    assert_eq!(
        entity.previous_session_id,
        Some(Uuid::parse_str(THEIR_SESSION).unwrap())
    );
    assert_eq!(entity.event_index, Some(1));
}

// --- A jar that refuses writes -----------------------------------------------------------------

#[test]
fn a_cookie_domain_the_page_cannot_set_fails_save_with_a_cookie_error() {
    let jar = native("other.test");
    let mut store = store_on(jar.clone());
    let write = WebRules::new(WebConfig::default()).start(Default::default(), T0, counter());
    let (result, _) = run(store.save(&write, T0, Durability::Durable));
    match result {
        Err(StoreError::Cookie { name, message }) => {
            assert_eq!(name, ID);
            assert!(message.contains("other.test"), "{message}");
            assert!(!message.contains(&SpId::encode(&write.id)), "{message}");
        }
        other => panic!("expected a cookie error, got {other:?}"),
    }
    assert!(jar.with(|jar| jar.visible(T0)).is_empty());
}

#[test]
fn through_the_actor_a_refusing_jar_keeps_tracking_and_logs_the_failure_once() {
    let jar = native("other.test");
    let clock = ManualClock::new(T0);
    let (entities, logs) = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let mut entities = Vec::new();
        for i in 0..3 {
            clock.set(T0 + i * 1_000);
            entities.push(track(&handle).await);
        }
        stop(handle, task).await;
        entities
    });
    // Nothing reaches the jar, and nobody else writes there: the page load's decision stays
    // the state, in memory, and every batch tries to write it again. One user and one session
    // counting on, as the JavaScript tracker goes on with the ids it remembers.
    let session = entities[0].session_id;
    for (i, entity) in (1..).zip(&entities) {
        assert_eq!(entity.storage_mechanism, StorageMechanism::Cookie1);
        assert_eq!((entity.session_id, entity.event_index), (session, Some(i)));
        assert_eq!(entity.user_id, entities[0].user_id);
        assert_eq!(entity.session_index, 1);
    }
    assert!(entities[0].first_event_id.is_some() && entities[0].first_event_timestamp.is_some());
    let errors = logs.at("ERROR");
    assert_eq!(errors.len(), 1, "the first failure of a run: {errors:?}");
    assert!(errors[0].contains("could not persist"), "{}", errors[0]);
    assert!(errors[0].contains(ID), "{}", errors[0]);
    for entity in &entities {
        logs.assert_never_logged(entity.user_id.as_str());
    }
    assert!(jar.with(|jar| jar.visible(T0 + 2_000)).is_empty());
}

// --- Close ---------------------------------------------------------------------------------

#[test]
fn shutdown_writes_nothing_so_another_tabs_later_cookies_survive() {
    let jar = native(DOMAIN);
    let recording = Recording::new(jar.clone());
    let clock = ManualClock::new(T0);
    let theirs = SpId::encode(&their_session());
    run(async {
        let (handle, task) = start(store_on(recording.clone()), &clock, config(1800)).await;
        track(&handle).await;
        // Another tab's event after our last one.
        clock.set(T0 + 1_000);
        plant(&mut jar.clone(), ID, &theirs, 63_072_000, T0 + 1_000);
        plant(&mut jar.clone(), SES, "theirs", 1800, T0 + 1_000);
        recording.take();
        clock.set(T0 + 2_000);
        stop(handle, task).await;
    });
    assert!(recording.take().is_empty(), "no write at shutdown");
    assert_eq!(jar.get(ID, T0 + 2_000).unwrap(), Some(theirs.clone()));
    assert_eq!(jar.get(SES, T0 + 2_000).unwrap().as_deref(), Some("theirs"));

    // The same when the last handle is dropped instead of shut down.
    run(async {
        let (handle, task) = start(store_on(recording.clone()), &clock, config(1800)).await;
        track(&handle).await;
        plant(&mut jar.clone(), ID, &theirs, 63_072_000, T0 + 2_000);
        recording.take();
        drop(handle);
        task.await.unwrap();
    });
    assert!(recording.take().is_empty(), "no write when the handles go");
    assert_eq!(jar.get(ID, T0 + 2_000).unwrap(), Some(theirs.clone()));

    // And `close` itself, called directly.
    let write = WebRules::new(WebConfig::default()).start(Default::default(), T0, counter());
    let mut store = store_on(recording.clone());
    let (closed, _) = run(store.close(&write, T0 + 3_000));
    closed.unwrap();
    assert!(recording.take().is_empty());
    assert_eq!(jar.get(ID, T0 + 3_000).unwrap(), Some(theirs));
}

// --- The clock going backwards -------------------------------------------------------------

/// The JavaScript tracker compares no times: a session ends when the browser drops `_sp_ses`,
/// and the browser judges that expiry by its own clock at each read. So a clock that goes back
/// before `_sp_ses` expires continues the session (the cookie is still there), `nowTs` simply
/// goes back, and the `_sp_ses` written then expires counted from the earlier time. Nothing
/// panics and every entity stays valid, down to times before 1970 (first-event time `null`,
/// the cookie's seconds 0) and up to the end of `i64`.
#[test]
fn the_clock_going_backwards_is_followed_without_judging_and_never_panics() {
    let jar = native(DOMAIN);
    let clock = ManualClock::new(T0);
    let (seen, logs) = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let mut seen = Vec::new();
        seen.push(track(&handle).await);
        // An hour back: `_sp_ses` (expiring at T0 + 1800 s) is there, the session goes on.
        clock.set(T0 - 3_600_000);
        seen.push(track(&handle).await);
        let id = jar.get(ID, T0 - 3_600_000).unwrap().unwrap();
        assert_eq!(SpId::decode(&id).unwrap().now_ts, 1_699_996_401);
        // Back to T0 + 1 s: the `_sp_ses` written an hour earlier expired at T0 - 1800 s.
        clock.set(T0 + 1_000);
        seen.push(track(&handle).await);
        // Before 1970, a new session there, and the end of `i64` both ways.
        clock.set(-5_000);
        seen.push(track(&handle).await);
        handle.new_session().await.unwrap();
        seen.push(track(&handle).await);
        for at in [i64::MIN, i64::MAX, i64::MIN] {
            clock.set(at);
            seen.push(track(&handle).await);
        }
        stop(handle, task).await;
        seen
    });
    let sessions: Vec<(u32, Option<u32>)> = seen
        .iter()
        .map(|e| (e.session_index, e.event_index))
        .collect();
    assert_eq!(
        sessions,
        [
            (1, Some(1)),
            (1, Some(2)),
            (2, Some(1)),
            (2, Some(2)),
            (3, Some(1)),
            // At i64::MIN the `_sp_ses` written at -5 s is still there.
            (3, Some(2)),
            // At i64::MAX even the two-year `_sp_id` written at i64::MIN has expired: a fresh
            // identity, as a browser would drop the cookie; back at i64::MIN both cookies
            // written at i64::MAX are there.
            (1, Some(1)),
            (1, Some(2)),
        ]
    );
    assert_eq!(seen[2].previous_session_id, Some(seen[0].session_id));
    assert_eq!(seen[4].first_event_timestamp, None, "a dtm before 1970");
    assert!(seen[4].first_event_id.is_some());
    assert_eq!(
        seen[6]
            .first_event_timestamp
            .map(|t| t.to_string())
            .as_deref(),
        Some("9999-12-31T23:59:59.999Z"),
        "clamped to what RFC 3339 can write"
    );
    for (i, entity) in seen.iter().enumerate() {
        let user = if i < 6 { &seen[0] } else { &seen[6] }.user_id;
        assert_eq!(entity.user_id, user, "event {i}");
        assert!(UserId::parse(entity.user_id.as_str()).is_some());
    }
    assert_ne!(seen[6].user_id, seen[0].user_id);
    assert!(
        logs.at("WARN").is_empty() && logs.at("ERROR").is_empty(),
        "{:?}",
        logs.lines()
    );
}

/// A jar whose writes can be switched off and on again (a browser that blocks cookies for a
/// while), over a native jar.
#[derive(Clone)]
struct Flaky {
    inner: SharedJar<NativeJar>,
    refusing: Arc<Mutex<bool>>,
}

impl Flaky {
    fn new() -> Self {
        Self {
            inner: native(DOMAIN),
            refusing: Arc::default(),
        }
    }

    fn refuse(&self, refusing: bool) {
        *self.refusing.lock().unwrap() = refusing;
    }
}

impl CookieJar for Flaky {
    fn get(&self, name: &str, now_ms: i64) -> Result<Option<String>, JarError> {
        self.inner.get(name, now_ms)
    }

    fn set(
        &mut self,
        name: &str,
        value: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError> {
        if *self.refusing.lock().unwrap() {
            return Err(JarError::Unavailable("blocked for a while".to_owned()));
        }
        self.inner.set(name, value, attributes, now_ms)
    }
}

/// ARCHITECTURE's one exception to durability: a store that fails the write goes on tracking
/// and the write is retried next batch. On the web the next batch first reads the cookies
/// again, and they still hold what was there before the refused write: deciding on them would
/// hand out the refused events' `(sessionId, eventIndex)` pairs a second time.
#[test]
fn a_refused_write_is_not_undone_by_the_next_read_and_no_pair_repeats() {
    let jar = Flaky::new();
    let clock = ManualClock::new(T0);
    let (seen, logs) = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let mut seen = vec![track(&handle).await];
        jar.refuse(true);
        for at in [1_000, 2_000] {
            clock.set(T0 + at);
            seen.push(track(&handle).await);
        }
        // Writable again: the next batch writes what the refused ones decided, and goes on.
        jar.refuse(false);
        clock.set(T0 + 3_000);
        handle.snapshot().await.unwrap();
        let written = SpId::decode(&jar.inner.get(ID, T0 + 3_000).unwrap().unwrap()).unwrap();
        assert_eq!(
            written.event_index, 3,
            "the refused decisions, written by the retry"
        );
        clock.set(T0 + 4_000);
        seen.push(track(&handle).await);
        stop(handle, task).await;
        seen
    });
    let pairs: Vec<(Uuid, Option<u32>)> =
        seen.iter().map(|e| (e.session_id, e.event_index)).collect();
    let session = seen[0].session_id;
    assert_eq!(
        pairs,
        [1, 2, 3, 4].map(|i| (session, Some(i))),
        "one session counting on through the refused writes"
    );
    assert!(seen.iter().all(|e| e.user_id == seen[0].user_id));
    assert_eq!(logs.at("ERROR").len(), 1, "{:?}", logs.lines());
    assert!(
        logs.at("INFO")
            .iter()
            .any(|l| l.contains("persisted again")),
        "{:?}",
        logs.lines()
    );
}

/// While our write is refused another tab may still write: then its cookies are the state.
#[test]
fn a_refused_write_gives_way_to_another_tabs_write() {
    let jar = Flaky::new();
    let clock = ManualClock::new(T0);
    let theirs = SpId::encode(&their_session());
    let seen = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let mut seen = vec![track(&handle).await];
        jar.refuse(true);
        clock.set(T0 + 1_000);
        seen.push(track(&handle).await);
        // The other tab writes past our block (its page is not blocked).
        plant(&mut jar.inner.clone(), ID, &theirs, 63_072_000, T0 + 1_500);
        plant(&mut jar.inner.clone(), SES, "*", 1800, T0 + 1_500);
        clock.set(T0 + 2_000);
        seen.push(track(&handle).await);
        stop(handle, task).await;
        seen
    })
    .0;
    assert_eq!(seen[2].user_id.as_str(), SECRET_USER);
    assert_eq!(seen[2].session_id.to_string(), THEIR_SESSION);
    assert_eq!(seen[2].event_index, Some(3), "their cookie's 2, plus ours");
}

// --- Two tabs --------------------------------------------------------------------------------

/// Spec B "web": pages on one site share one user and one session through the cookies. Two
/// trackers of this project on one jar (two tabs), their events interleaved, count one
/// session's events between them, and a page load in either continues it.
#[test]
fn two_tabs_on_one_jar_share_one_session_and_never_repeat_a_pair() {
    let jar = native(DOMAIN);
    let clock = ManualClock::new(T0);
    let (seen, _) = run(async {
        let (a, task_a) = start(store_on(jar.clone()), &clock, config(1800)).await;
        clock.set(T0 + 100);
        let (b, task_b) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let mut seen = Vec::new();
        for i in 1..=6 {
            clock.set(T0 + i * 1_000);
            seen.push(track(if i % 3 == 0 { &b } else { &a }).await);
        }
        // Tab A reloads; tab B's event then goes on from A's page load.
        stop(a, task_a).await;
        clock.set(T0 + 7_000);
        let (a, task_a) = start(store_on(jar.clone()), &clock, config(1800)).await;
        clock.set(T0 + 8_000);
        seen.push(track(&b).await);
        seen.push(track(&a).await);
        stop(a, task_a).await;
        stop(b, task_b).await;
        seen
    });
    let session = seen[0].session_id;
    for (i, entity) in (1..).zip(&seen) {
        assert_eq!((entity.session_id, entity.event_index), (session, Some(i)));
        assert_eq!(entity.user_id, seen[0].user_id);
        assert_eq!(entity.session_index, 1);
    }
}

/// A jar that can never be read (a browser blocking `document.cookie`), whose writes are kept.
#[derive(Clone)]
struct Unreadable(SharedJar<NativeJar>);

impl CookieJar for Unreadable {
    fn get(&self, _name: &str, _now_ms: i64) -> Result<Option<String>, JarError> {
        Err(JarError::Unavailable("cookies are blocked".to_owned()))
    }

    fn set(
        &mut self,
        name: &str,
        value: &str,
        attributes: &CookieAttributes,
        now_ms: i64,
    ) -> Result<(), JarError> {
        self.0.set(name, value, attributes, now_ms)
    }
}

/// A page whose cookies cannot be read still tracks: the page load starts a fresh identity, the
/// tracker goes on with it in memory (one session, counting on), and the failed reads are
/// logged once (a warning at the page load, one for the run of failed batch reads).
#[test]
fn a_jar_that_cannot_be_read_still_tracks_one_session_and_logs_once() {
    let jar = Unreadable(native(DOMAIN));
    let clock = ManualClock::new(T0);
    let (entities, logs) = run(async {
        let (handle, task) = start(store_on(jar.clone()), &clock, config(1800)).await;
        let mut entities = Vec::new();
        for i in 0..3 {
            clock.set(T0 + i * 1_000);
            entities.push(track(&handle).await);
        }
        stop(handle, task).await;
        entities
    });
    for (i, entity) in (1..).zip(&entities) {
        assert_eq!(entity.session_id, entities[0].session_id);
        assert_eq!(entity.user_id, entities[0].user_id);
        assert_eq!((entity.session_index, entity.event_index), (1, Some(i)));
    }
    let warnings = logs.at("WARN");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("at page load"), "{warnings:?}");
    assert!(warnings[1].contains("before a batch"), "{warnings:?}");
    // What it wrote is the session it tracked.
    let written = jar.0.get(ID, T0 + 2_000).unwrap().unwrap();
    assert!(
        written.contains(&entities[0].session_id.to_string()),
        "{written}"
    );
}
