use std::sync::{Arc, Mutex, MutexGuard};

use client_session_actor::{Clock, Event, ManualClock, Payload, SessionActor};
use client_session_core::{Config, Timeout};
use client_session_store_cookie::{
    CookieAttributes, CookieJar, CookieOptions, CookieStore, JarError, NativeJar, Page, SharedJar,
};

use super::*;

/// 2023-11-14T22:13:20.000Z.
const T0: i64 = 1_700_000_000_000;

#[test]
fn pairs_come_in_document_order_with_values_as_stored() {
    let pairs: Vec<_> = cookie_pairs("a=1; b=x=y; nameless; c=").collect();
    assert_eq!(
        pairs,
        vec![("a", "1"), ("b", "x=y"), ("", "nameless"), ("c", "")]
    );
    assert_eq!(cookie_pairs("").count(), 0);
}

#[test]
fn the_first_cookie_of_a_name_wins() {
    let cookies = "_sp_ses.8e5d=first; other=1; _sp_ses.8e5d=second";
    assert_eq!(cookie_value(cookies, "_sp_ses.8e5d"), Some("first"));
    assert_eq!(cookie_value(cookies, "other"), Some("1"));
    assert_eq!(cookie_value(cookies, "missing"), None);
}

#[test]
fn a_name_matches_whole_never_as_a_prefix_or_suffix() {
    let cookies = "x_sp_id.8e5d=no; _sp_id.8e5dx=no; _sp_id.8e5d=yes";
    assert_eq!(cookie_value(cookies, "_sp_id.8e5d"), Some("yes"));
    // A nameless cookie is never read under a name.
    assert_eq!(cookie_value("_sp_id.8e5d", "_sp_id.8e5d"), None);
}

/// `document.cookie` as a browser behaves: an RFC 6265 jar behind it on the page's clock,
/// assignments it refuses dropped without a word, and every assignment recorded.
struct Browser {
    jar: Arc<Mutex<NativeJar>>,
    clock: ManualClock,
    assigned: Mutex<Vec<String>>,
    blocked: bool,
}

impl Browser {
    fn on(page: Page) -> Self {
        Self::with_clock(page, ManualClock::new(T0))
    }

    fn with_clock(page: Page, clock: ManualClock) -> Self {
        Self {
            jar: Arc::new(Mutex::new(NativeJar::new(page))),
            clock,
            assigned: Mutex::new(Vec::new()),
            blocked: false,
        }
    }

    fn jar(&self) -> MutexGuard<'_, NativeJar> {
        self.jar.lock().unwrap()
    }

    fn assigned(&self) -> Vec<String> {
        self.assigned.lock().unwrap().clone()
    }
}

impl DocumentCookie for Browser {
    fn read(&self) -> Result<String, JarError> {
        if self.blocked {
            return Err(JarError::Unavailable("SecurityError".to_owned()));
        }
        Ok(self.jar().document_cookie(self.clock.now_ms()))
    }

    fn assign(&self, text: &str) -> Result<(), JarError> {
        self.assigned.lock().unwrap().push(text.to_owned());
        // A browser ignores what it refuses.
        let _ = self.jar().write(text, self.clock.now_ms());
        Ok(())
    }
}

fn attributes(domain: &str, expires_s: Option<i64>) -> CookieAttributes {
    CookieOptions::for_domain(domain).attributes(expires_s)
}

#[test]
fn a_write_assigns_what_the_javascript_tracker_assigns() {
    let mut jar = DocumentJar::new(Browser::on(Page::https("www.example.test")));
    let attrs = attributes("example.test", Some(T0 / 1000 + 1800));
    jar.set("_sp_ses.8e5d", "*", &attrs, T0).unwrap();
    assert_eq!(
        jar.document().assigned(),
        [
            "_sp_ses.8e5d=*; Expires=Tue, 14 Nov 2023 22:43:20 GMT; Path=/; Domain=example.test; \
          SameSite=Lax; Secure"
        ]
    );
    assert_eq!(jar.get("_sp_ses.8e5d", T0).unwrap().as_deref(), Some("*"));
}

#[test]
fn a_write_the_browser_drops_is_an_error_without_the_value() {
    // A page on another site cannot set a cookie for example.test.
    let mut jar = DocumentJar::new(Browser::on(Page::https("www.other.test")));
    let err = jar
        .set(
            "_sp_id.8e5d",
            "secret-user-id",
            &attributes("example.test", None),
            T0,
        )
        .unwrap_err();
    assert!(matches!(err, JarError::Unavailable(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("_sp_id.8e5d"), "{text}");
    assert!(!text.contains("secret-user-id"), "{text}");

    // Secure from a page that is not secure.
    let mut jar = DocumentJar::new(Browser::on(Page::new("example.test", "/", false)));
    assert!(jar
        .set("_sp_ses.8e5d", "*", &attributes("example.test", None), T0)
        .is_err());
}

#[test]
fn a_write_shadowed_by_a_longer_path_counts_as_not_kept() {
    let browser = Browser::on(Page::new("example.test", "/blog/post", true));
    browser
        .jar()
        .write("_sp_ses.8e5d=theirs; Path=/blog", T0)
        .unwrap();
    let mut jar = DocumentJar::new(browser);
    // Ours is stored at Path=/, but every read of the page sees theirs first.
    assert!(jar
        .set("_sp_ses.8e5d", "*", &attributes("example.test", None), T0)
        .is_err());
    assert_eq!(
        jar.get("_sp_ses.8e5d", T0).unwrap().as_deref(),
        Some("theirs")
    );
}

#[test]
fn a_deletion_is_assigned_and_not_checked() {
    let mut jar = DocumentJar::new(Browser::on(Page::https("example.test")));
    let attrs = attributes("example.test", None);
    jar.set("_sp_ses.8e5d", "*", &attrs, T0).unwrap();
    jar.remove("_sp_ses.8e5d", &attrs, T0).unwrap();
    assert_eq!(jar.get("_sp_ses.8e5d", T0).unwrap(), None);
    assert!(jar.document().assigned()[1].starts_with("_sp_ses.8e5d=; Expires=Thu, 01 Jan 1970"));
}

#[test]
fn a_blocked_document_cookie_is_an_unavailable_jar() {
    let mut browser = Browser::on(Page::https("example.test"));
    browser.blocked = true;
    let jar = DocumentJar::new(browser);
    assert!(matches!(
        jar.get("_sp_id.8e5d", T0),
        Err(JarError::Unavailable(_))
    ));
}

/// The actor on the cookie store over this jar decides and writes what it does over the
/// store's own jar: the adapter maps the seam and changes nothing of the rules.
#[tokio::test]
async fn the_actor_over_document_cookie_follows_the_rules_as_over_a_native_jar() {
    let config = Config {
        session_timeout: Timeout::from_secs(2),
        ..Config::default()
    };
    let options = CookieOptions::for_domain("example.test");
    let page = Page::https("www.example.test");

    let clock = ManualClock::new(T0);
    let store = CookieStore::new(
        DocumentJar::new(Browser::with_clock(page.clone(), clock.clone())),
        options.clone(),
    );
    let browser_jar = Arc::clone(&store.jar().document().jar);
    let (handle, actor) = SessionActor::start(config, store, Arc::new(clock.clone()))
        .await
        .unwrap();
    let task = tokio::spawn(actor.run());

    let native = SharedJar::new(NativeJar::new(page));
    let native_store = CookieStore::new(native.clone(), options);
    let (native_handle, native_actor) =
        SessionActor::start(config, native_store, Arc::new(clock.clone()))
            .await
            .unwrap();
    let native_task = tokio::spawn(native_actor.run());

    let mut sessions = Vec::new();
    for gap_ms in [0, 1_000, 2_500, 10] {
        clock.advance(gap_ms);
        let event = || Event::new(Payload::structured("s", "t"));
        let ours = handle
            .track(event())
            .await
            .unwrap()
            .event
            .unwrap()
            .client_session;
        let theirs = native_handle
            .track(event())
            .await
            .unwrap()
            .event
            .unwrap()
            .client_session;
        assert_eq!(
            (ours.session_index, ours.event_index),
            (theirs.session_index, theirs.event_index)
        );
        sessions.push((ours.session_index, ours.event_index));
    }
    // 2.5 s is more than the 2 s timeout: the third event starts the second session.
    assert_eq!(
        sessions,
        [(1, Some(1)), (1, Some(2)), (2, Some(1)), (2, Some(2))]
    );
    // Both jars hold the same two cookies, `_sp_ses` expiring at the same second.
    let now = clock.now_ms();
    let names: Vec<String> = browser_jar
        .lock()
        .unwrap()
        .visible(now)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let native_names: Vec<String> = native
        .with(|jar| jar.visible(now))
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["_sp_id.8e5d", "_sp_ses.8e5d"]);
    assert_eq!(names, native_names);
    let ses_expiry = |jar: &NativeJar| jar.expiry_ms("_sp_ses.8e5d", "example.test", "/", now);
    assert_eq!(
        ses_expiry(&browser_jar.lock().unwrap()),
        native.with(|jar| ses_expiry(jar))
    );
    handle.shutdown().await.unwrap();
    native_handle.shutdown().await.unwrap();
    task.await.unwrap();
    native_task.await.unwrap();
}
