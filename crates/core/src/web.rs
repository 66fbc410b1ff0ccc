//! The web session model (spec A3, B "web", B2 "Web storage"): the JavaScript tracker's rules
//! over its two cookies, as a pure state machine beside the mobile one.
//!
//! On the web the cookies *are* the state: other tabs and the JavaScript tracker rewrite them
//! between our events, so nothing is kept here between decisions. Each operation takes what
//! the cookies say now ([`WebCookies`]), the time and an id maker, and returns what to write
//! back ([`WebWrite`]). The caller reads, calls and writes in one synchronous step.
//!
//! Facts taken from the JavaScript tracker 4.x (`browser-tracker-core`, `tracker/index.ts` and
//! `tracker/id_cookie.ts`) where A3 leaves a detail open:
//! - **First visit** (no `_sp_id`): the tracker parses "no cookie" as a cookie-less identity
//!   with `visitCount` 1 and starts its session without the cookie branch of
//!   `startNewIdCookieSession`, so the first session has `visitCount` 1, **no `lastVisitTs`**
//!   and no `previousSessionId`; `createTs = nowTs`. It is [`WebSession::first`].
//! - **Page load** (`initializeIdsAndCookies`) writes both cookies with `eventIndex` 0 and empty
//!   first-event fields when it starts a session, and otherwise refreshes `nowTs` and
//!   `_sp_ses` of the session it continues; it also gives a cookie without a domain user id one
//!   (unless anonymous).
//! - **A new session** (`startNewIdCookieSession`): `previousSessionId = sessionId`,
//!   `lastVisitTs` = the *old* `nowTs` (the last activity of the session that ends; `nowTs` is
//!   updated afterwards), `visitCount + 1`, a new `sessionId`, `eventIndex` 0, first-event
//!   fields cleared. `newSession()` does exactly this at once, whatever `_sp_ses` says, then
//!   sets `nowTs` and writes both cookies; the next event is the new session's first event.
//! - **Timeout 0**: the cookie helper writes `Expires` only for a non-zero lifetime, so
//!   `sessionCookieTimeout: 0` makes `_sp_ses` a browser-session cookie: the session then lasts
//!   until the browser closes ([`SessionCookieExpiry::EndOfBrowserSession`]). This project
//!   does the same, so both trackers on a site keep one session; it differs from the mobile
//!   reading of a 0 timeout (spec "Limits": any gap ends the session), which cookies cannot
//!   express without disagreeing with the JavaScript tracker.
//! - **The clock going back**: the JavaScript tracker compares no times; only `_sp_ses` ends a
//!   session, and the browser judges its expiry by its own clock at each read. So a clock set
//!   back before `_sp_ses` expires continues the session, `nowTs` goes back with the clock, and
//!   the `_sp_ses` written then expires counted from the earlier time. Whether an `_sp_ses`
//!   that had already expired comes back when the clock returns to before its expiry is the
//!   browser's matter (whether it evicted the cookie meanwhile); these rules only see whether
//!   it is there. Times before 1970 are written as 0 (below).
//!
//! Where this model differs from the JavaScript tracker, on purpose:
//! - With no (or a malformed) `_sp_id` at an event or at `new_session`, the JavaScript tracker
//!   goes on with ids it remembers in the page's memory. This model has no memory between
//!   decisions, so it starts a fresh identity (a new user, session 1): what a page load would
//!   do with the same cookies. A malformed `_sp_id` is never half used (B2). (The one memory
//!   is the actor's state's: a decision the jar refused to write stays until written or
//!   overtaken by another writer, see `WebState`.)
//! - An `_sp_id` without a domain user id (written under anonymous tracking) read while not
//!   anonymous gets a new user id at an event too, not only at page load, so the entity always
//!   has a valid `userId`.
//! - Counters saturate at [`MAX_INDEX`], and times before 1970 are written as 0, because the
//!   cookie holds no negative number (the JavaScript tracker would write `-1` and never read it
//!   back as a number).

use uuid::Uuid;

use crate::config::{Config, Timeout};
use crate::entity::{ClientSession, StorageMechanism, MAX_INDEX};
use crate::event::EventStamp;
use crate::timestamp::UtcMillis;
use crate::user_id::UserId;

/// The `_sp_id` cookie's lifetime (A3.2): 2 years, in seconds, refreshed at every write.
pub const ID_COOKIE_LIFETIME_S: i64 = 63_072_000;

/// The web session: the ten fields of the `_sp_id` cookie as typed data (spec A3.2), in cookie
/// order. The rules here decide it; the cookie store only encodes, decodes and keeps it.
///
/// Fields the JavaScript tracker may leave empty are `Option`s. Times are as the cookie holds
/// them: Unix seconds, except `first_event_ts` (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WebSession {
    /// Field 0, `domainUserId`: the user, as written (a UUID, or 16 hex characters from an older
    /// JavaScript tracker). `None` under anonymous tracking with session tracking (A3.9).
    pub domain_user_id: Option<UserId>,
    /// Field 1, `createTs`: Unix seconds when the identity was made.
    pub create_ts: u64,
    /// Field 2, `visitCount`: the session index (1 for the first session).
    pub visit_count: u32,
    /// Field 3, `nowTs`: Unix seconds of the latest event, page load or new session.
    pub now_ts: u64,
    /// Field 4, `lastVisitTs`: the previous session's last `nowTs`; `None` in the first session.
    pub last_visit_ts: Option<u64>,
    /// Field 5, `sessionId`.
    pub session_id: Uuid,
    /// Field 6, `previousSessionId`: `None` in the first session and under anonymous tracking.
    pub previous_session_id: Option<Uuid>,
    /// Field 7, `firstEventId`: the session's first event; `None` until it is tracked.
    pub first_event_id: Option<Uuid>,
    /// Field 8, `firstEventTs`: Unix **milliseconds** of the first event's `dtm`; `None` until it
    /// is tracked.
    pub first_event_ts: Option<u64>,
    /// Field 9, `eventIndex`: events tracked in the session so far (0 right after it starts).
    pub event_index: u32,
}

impl WebSession {
    /// A fresh identity's first session at `now_ms`, before any event: `visitCount` 1, no
    /// `lastVisitTs`, no previous session (see the module notes), `createTs = nowTs`. The user
    /// is `None` under anonymous tracking.
    #[must_use]
    pub fn first(now_ms: i64, user: Option<UserId>, session_id: Uuid) -> Self {
        let now = cookie_seconds(now_ms);
        Self {
            domain_user_id: user,
            create_ts: now,
            visit_count: 1,
            now_ts: now,
            last_visit_ts: None,
            session_id,
            previous_session_id: None,
            first_event_id: None,
            first_event_ts: None,
            event_index: 0,
        }
    }

    /// Starts the next session at once (A3.5, `startNewIdCookieSession`): the current session
    /// becomes the previous one, its last `nowTs` becomes `lastVisitTs`, `visitCount` + 1
    /// (saturating at [`MAX_INDEX`]), `eventIndex` 0, no first event yet. `nowTs` is left for
    /// the caller to set, as the JavaScript tracker does.
    fn rotate(&mut self, session_id: Uuid) {
        self.previous_session_id = Some(self.session_id);
        self.last_visit_ts = Some(self.now_ts);
        self.visit_count = self.visit_count.saturating_add(1).min(MAX_INDEX);
        self.session_id = session_id;
        self.event_index = 0;
        self.first_event_id = None;
        self.first_event_ts = None;
    }

    /// The `client_session` entity of this state (A3.7): `sessionIndex = visitCount`, the
    /// previous session `null` when empty, `storageMechanism` `COOKIE_1`, all eight keys.
    /// Under anonymous tracking the user is the zero UUID and the previous session `null`
    /// (A3.9). Counters above the schema's maximum (a hand-made cookie) are sent as the maximum.
    #[must_use]
    pub fn client_session(&self, anonymous: bool) -> ClientSession {
        let entity = ClientSession {
            user_id: self.domain_user_id.unwrap_or(UserId::ANONYMOUS),
            session_id: self.session_id,
            session_index: self.visit_count.min(MAX_INDEX),
            previous_session_id: self.previous_session_id,
            storage_mechanism: StorageMechanism::Cookie1,
            first_event_id: self.first_event_id,
            first_event_timestamp: self
                .first_event_ts
                .map(|ms| UtcMillis(i64::try_from(ms).unwrap_or(i64::MAX))),
            event_index: Some(self.event_index.min(MAX_INDEX)),
        };
        if anonymous {
            entity.anonymised()
        } else {
            entity
        }
    }
}

/// The web configuration the rules need (the cookie domain, path and prefix are the cookie
/// store's options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebConfig {
    /// `sessionCookieTimeout`: the `_sp_ses` lifetime (default 1800 s). 0 makes `_sp_ses` a
    /// browser-session cookie, as in the JavaScript tracker.
    pub session_timeout: Timeout,
    /// Anonymous tracking with session tracking (A3.9): no domain user id and no previous
    /// session id in the cookie, the zero UUID and no previous session in the entity. (Full
    /// anonymous tracking writes no cookie and sends no entity; it never reaches these rules.)
    pub anonymous: bool,
}

impl From<&Config> for WebConfig {
    /// The web part of a tracker's configuration: `session_timeout` and `anonymous`.
    fn from(config: &Config) -> Self {
        Self {
            session_timeout: config.session_timeout,
            anonymous: config.anonymous,
        }
    }
}

/// What the two cookies say at the moment of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebCookies {
    /// The `_sp_id` value, decoded; `None` when it is missing or malformed (the store logs a
    /// malformed one), which makes a fresh identity.
    pub id: Option<WebSession>,
    /// Whether `_sp_ses` is present (not expired). Its value does not matter.
    pub session_cookie: bool,
}

/// When `_sp_ses` expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionCookieExpiry {
    /// At this Unix second (`Expires` is written at whole seconds).
    At(i64),
    /// No `Expires`: a browser-session cookie (a timeout of 0, as the JavaScript tracker writes it).
    EndOfBrowserSession,
}

impl SessionCookieExpiry {
    /// The expiry of an `_sp_ses` written at `now_ms` with `timeout` (B2):
    /// `floor((now_ms + 1000 T) / 1000)`, or none for a timeout of 0.
    #[must_use]
    pub fn after(now_ms: i64, timeout: Timeout) -> Self {
        match timeout.as_secs() {
            0 => Self::EndOfBrowserSession,
            secs => Self::At(expires_after(now_ms, i64::from(secs))),
        }
    }

    /// Whether the cookie is still there at `now_ms`, as a browser sees it: gone from the
    /// moment the clock reaches its expiry second.
    #[must_use]
    pub fn is_live_at(self, now_ms: i64) -> bool {
        match self {
            Self::At(secs) => i128::from(now_ms) < i128::from(secs) * 1000,
            Self::EndOfBrowserSession => true,
        }
    }
}

/// What to write back after a decision: both cookies, always (A3.3, A3.5, A3.6, A3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebWrite {
    /// The new `_sp_id` value (its lifetime is [`ID_COOKIE_LIFETIME_S`]).
    pub id: WebSession,
    /// When the rewritten `_sp_ses` expires.
    pub session_cookie_expires: SessionCookieExpiry,
    /// Whether this decision started a session (a fresh identity or a rotation).
    pub starts_session: bool,
}

/// The outcome of tracking one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebTracked {
    /// What to write back.
    pub write: WebWrite,
    /// The event's `client_session` entity (A3.7).
    pub client_session: ClientSession,
}

/// The web rule set (spec A3). Stateless: every operation decides from the cookies it is given.
///
/// Every operation takes `new_id`, which makes a UUID v4; it is called for a fresh identity's
/// user (first, unless anonymous) and for a new session's id, and never otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebRules {
    /// The configuration.
    pub config: WebConfig,
}

impl WebRules {
    /// The rules with `config`.
    #[must_use]
    pub const fn new(config: WebConfig) -> Self {
        Self { config }
    }

    /// Page load / tracker start (A3.5): without `_sp_ses` a new session starts at once, with
    /// `eventIndex` 0 and no first event; with it the session continues. Either way `nowTs` is
    /// set and both cookies are written, before any event.
    pub fn start(
        &self,
        cookies: WebCookies,
        now_ms: i64,
        new_id: impl FnMut() -> Uuid,
    ) -> WebWrite {
        let (session, starts_session) = self.current(cookies, now_ms, new_id);
        self.write(session, now_ms, starts_session)
    }

    /// One event (A3.6): a new session first if `_sp_ses` is missing; then `nowTs`; the first
    /// event's id and `dtm` when `eventIndex` is 0; `eventIndex` + 1; both cookies written. The
    /// entity is built from the cookie so written (A3.7, A3.9).
    pub fn track(
        &self,
        cookies: WebCookies,
        now_ms: i64,
        stamp: EventStamp,
        new_id: impl FnMut() -> Uuid,
    ) -> WebTracked {
        let (mut session, starts_session) = self.current(cookies, now_ms, new_id);
        if session.event_index == 0 {
            session.first_event_id = Some(stamp.id);
            session.first_event_ts = u64::try_from(stamp.dtm_ms).ok();
        }
        session.event_index = session.event_index.saturating_add(1).min(MAX_INDEX);
        let write = self.write(session, now_ms, starts_session);
        WebTracked {
            client_session: write.id.client_session(self.config.anonymous),
            write,
        }
    }

    /// `newSession()` (A3.8): rotates at once, whatever `_sp_ses` says, and writes both cookies.
    /// The next event is the new session's first.
    pub fn new_session(
        &self,
        cookies: WebCookies,
        now_ms: i64,
        mut new_id: impl FnMut() -> Uuid,
    ) -> WebWrite {
        let session = match cookies.id {
            Some(mut session) => {
                self.fill_user(&mut session, &mut new_id);
                session.rotate(new_id());
                session
            }
            None => self.fresh(now_ms, &mut new_id),
        };
        self.write(session, now_ms, true)
    }

    /// The session an operation works on: a fresh identity without an `_sp_id`, the next
    /// session when `_sp_ses` is gone, else the cookie's.
    fn current(
        &self,
        cookies: WebCookies,
        now_ms: i64,
        mut new_id: impl FnMut() -> Uuid,
    ) -> (WebSession, bool) {
        match cookies.id {
            None => (self.fresh(now_ms, &mut new_id), true),
            Some(mut session) => {
                self.fill_user(&mut session, &mut new_id);
                if cookies.session_cookie {
                    (session, false)
                } else {
                    session.rotate(new_id());
                    (session, true)
                }
            }
        }
    }

    fn fresh(&self, now_ms: i64, new_id: &mut impl FnMut() -> Uuid) -> WebSession {
        let user = (!self.config.anonymous).then(|| UserId::from_uuid(new_id()));
        WebSession::first(now_ms, user, new_id())
    }

    /// `initializeDomainUserId`: a cookie without a user gets one, unless anonymous.
    fn fill_user(&self, session: &mut WebSession, new_id: &mut impl FnMut() -> Uuid) {
        if session.domain_user_id.is_none() && !self.config.anonymous {
            session.domain_user_id = Some(UserId::from_uuid(new_id()));
        }
    }

    /// Sets `nowTs`, applies what anonymous tracking leaves out of the cookie
    /// (`serializeIdCookie`), and dates `_sp_ses`.
    fn write(&self, mut session: WebSession, now_ms: i64, starts_session: bool) -> WebWrite {
        session.now_ts = cookie_seconds(now_ms);
        if self.config.anonymous {
            session.domain_user_id = None;
            session.previous_session_id = None;
        }
        WebWrite {
            id: session,
            session_cookie_expires: SessionCookieExpiry::after(now_ms, self.config.session_timeout),
            starts_session,
        }
    }
}

/// Unix seconds as the JavaScript tracker writes `createTs`, `nowTs` and `lastVisitTs` from a
/// time in Unix milliseconds: `Math.round(ms / 1000)` (`parseIdCookie`,
/// `updateNowTsInIdCookie`).
///
/// `Math.round` rounds to the nearest integer and a half towards +∞, so 1 500 ms gives 2,
/// 1 499 ms gives 1, −1 500 ms gives −1 and −1 501 ms gives −2. Computed in integers, which
/// equals the JavaScript double arithmetic for every time a `Date` can hold (|ms| ≤ 8.64e15)
/// and never overflows beyond it.
#[must_use]
pub fn unix_seconds_rounded(ms: i64) -> i64 {
    let seconds = ms.div_euclid(1000);
    if ms.rem_euclid(1000) >= 500 {
        seconds + 1
    } else {
        seconds
    }
}

/// The `Expires` second the JavaScript tracker writes for a lifetime of `ttl_s` seconds from
/// `now_ms`: `new Date(now + ttl * 1000).toUTCString()`, that is `floor((now_ms + 1000 ttl_s) /
/// 1000)`. A `ttl_s` of 0 or less gives a second no later than now, which deletes the cookie
/// (how the tracker deletes, and what a scenario's `set_cookie` with `max_age_s <= 0` means).
/// Saturates at the ends of `i64`.
#[must_use]
pub fn expires_after(now_ms: i64, ttl_s: i64) -> i64 {
    let at_ms = i128::from(now_ms) + i128::from(ttl_s) * 1000;
    let secs = at_ms.div_euclid(1000);
    i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX })
}

/// A cookie's seconds field: rounded as the JavaScript tracker rounds, 0 before 1970 (the
/// cookie holds no negative number).
fn cookie_seconds(now_ms: i64) -> u64 {
    u64::try_from(unix_seconds_rounded(now_ms)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 2023-11-14T22:13:20.600Z: not a whole second, so rounding and flooring differ.
    const T0: i64 = 1_700_000_000_600;
    const MIN: i64 = 60_000;

    /// Ids 1, 2, 3… in the order the rules ask for them.
    struct Ids(u128);

    impl Ids {
        fn new() -> Self {
            Self(0)
        }
        fn next(&mut self) -> Uuid {
            self.0 += 1;
            Uuid::from_u128(self.0)
        }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn stamp(n: u128, dtm_ms: i64) -> EventStamp {
        EventStamp {
            id: Uuid::from_u128(0xE000 + n),
            dtm_ms,
        }
    }

    fn rules(timeout_s: u32, anonymous: bool) -> WebRules {
        WebRules::new(WebConfig {
            session_timeout: Timeout::from_secs(timeout_s),
            anonymous,
        })
    }

    /// What a page sees after `write`: the cookie, and `_sp_ses` if it is still live at `at_ms`.
    fn seen(write: &WebWrite, at_ms: i64) -> WebCookies {
        WebCookies {
            id: Some(write.id),
            session_cookie: write.session_cookie_expires.is_live_at(at_ms),
        }
    }

    fn none() -> WebCookies {
        WebCookies::default()
    }

    /// An identified user's second session, two events in, last active at `T0` (rounded).
    fn second_session() -> WebSession {
        WebSession {
            domain_user_id: Some(UserId::from_uuid(id(0xA))),
            create_ts: 1_699_000_000,
            visit_count: 2,
            now_ts: 1_700_000_001,
            last_visit_ts: Some(1_699_500_000),
            session_id: id(0xB),
            previous_session_id: Some(id(0xC)),
            first_event_id: Some(id(0xD)),
            first_event_ts: Some(1_699_999_000_000),
            event_index: 2,
        }
    }

    // A3.5: page load.

    #[test]
    fn a3_5_first_page_load_writes_session_one_before_any_event() {
        let mut ids = Ids::new();
        let w = rules(1800, false).start(none(), T0, || ids.next());
        assert!(w.starts_session);
        assert_eq!(
            w.id,
            WebSession {
                domain_user_id: Some(UserId::from_uuid(id(1))),
                create_ts: 1_700_000_001,
                visit_count: 1,
                now_ts: 1_700_000_001,
                last_visit_ts: None,
                session_id: id(2),
                previous_session_id: None,
                first_event_id: None,
                first_event_ts: None,
                event_index: 0,
            }
        );
        assert_eq!(
            w.session_cookie_expires,
            SessionCookieExpiry::At(1_700_001_800)
        );
    }

    #[test]
    fn a3_5_page_load_without_sp_ses_rotates_at_once() {
        let cookies = WebCookies {
            id: Some(second_session()),
            session_cookie: false,
        };
        let at = T0 + 40 * MIN;
        let w = rules(1800, false).start(cookies, at, || id(0x51));
        assert!(w.starts_session);
        let old = second_session();
        assert_eq!(w.id.visit_count, 3);
        assert_eq!(w.id.session_id, id(0x51));
        assert_eq!(w.id.previous_session_id, Some(old.session_id));
        assert_eq!(w.id.last_visit_ts, Some(old.now_ts), "the old nowTs");
        assert_eq!(w.id.now_ts, 1_700_002_401);
        assert_eq!(w.id.event_index, 0);
        assert_eq!((w.id.first_event_id, w.id.first_event_ts), (None, None));
        assert_eq!(w.id.domain_user_id, old.domain_user_id);
        assert_eq!(w.id.create_ts, old.create_ts);
    }

    #[test]
    fn a3_5_page_load_with_sp_ses_continues_and_refreshes_both_cookies() {
        let cookies = WebCookies {
            id: Some(second_session()),
            session_cookie: true,
        };
        let w = rules(1800, false).start(cookies, T0 + 10 * MIN, || {
            panic!("no id is made when the session continues")
        });
        assert!(!w.starts_session);
        assert_eq!(
            w.id,
            WebSession {
                now_ts: 1_700_000_601,
                ..second_session()
            }
        );
        assert_eq!(
            w.session_cookie_expires,
            SessionCookieExpiry::At(1_700_002_400)
        );
    }

    #[test]
    fn a3_5_a_cookie_without_a_user_gets_one_at_page_load() {
        let cookies = WebCookies {
            id: Some(WebSession {
                domain_user_id: None,
                ..second_session()
            }),
            session_cookie: true,
        };
        let w = rules(1800, false).start(cookies, T0, || id(0x77));
        assert_eq!(w.id.domain_user_id, Some(UserId::from_uuid(id(0x77))));
        assert_eq!(w.id.session_id, second_session().session_id);
    }

    // A3.6: events.

    #[test]
    fn a3_6_first_event_after_page_load_fills_the_first_event_fields() {
        let mut ids = Ids::new();
        let r = rules(1800, false);
        let load = r.start(none(), T0, || ids.next());
        let e = r.track(
            seen(&load, T0 + 5_000),
            T0 + 5_000,
            stamp(1, T0 + 4_990),
            || ids.next(),
        );
        assert!(!e.write.starts_session, "page load started it");
        assert_eq!(e.write.id.session_id, load.id.session_id);
        assert_eq!(e.write.id.first_event_id, Some(stamp(1, 0).id));
        assert_eq!(e.write.id.first_event_ts, Some(1_700_000_005_590));
        assert_eq!(e.write.id.event_index, 1);
        assert_eq!(e.write.id.now_ts, 1_700_000_006);
        assert_eq!(
            e.write.session_cookie_expires,
            SessionCookieExpiry::At(1_700_001_805)
        );
        // The next event keeps the first event and counts on.
        let at = T0 + 6_000;
        let e2 = r.track(seen(&e.write, at), at, stamp(2, at), || ids.next());
        assert_eq!(e2.write.id.first_event_id, Some(stamp(1, 0).id));
        assert_eq!(e2.write.id.first_event_ts, Some(1_700_000_005_590));
        assert_eq!(e2.write.id.event_index, 2);
        assert_eq!(ids.0, 2, "only the page load made ids");
    }

    #[test]
    fn a3_6_an_event_without_sp_ses_starts_the_next_session_first() {
        let cookies = WebCookies {
            id: Some(second_session()),
            session_cookie: false,
        };
        let at = T0 + 31 * MIN;
        let e = rules(1800, false).track(cookies, at, stamp(9, at), || id(0x52));
        assert!(e.write.starts_session);
        assert_eq!(e.write.id.session_id, id(0x52));
        assert_eq!(e.write.id.visit_count, 3);
        assert_eq!(
            e.write.id.previous_session_id,
            Some(second_session().session_id)
        );
        assert_eq!(e.write.id.last_visit_ts, Some(second_session().now_ts));
        assert_eq!(e.write.id.first_event_id, Some(stamp(9, 0).id));
        assert_eq!(e.write.id.first_event_ts, Some(at as u64));
        assert_eq!(e.write.id.event_index, 1);
    }

    #[test]
    fn a3_6_an_event_with_sp_ses_continues_even_after_a_long_gap() {
        // Only `_sp_ses` ends a session on the web: the cookie's own times are not a clock.
        let cookies = WebCookies {
            id: Some(second_session()),
            session_cookie: true,
        };
        let at = T0 + 600 * MIN;
        let e = rules(1800, false).track(cookies, at, stamp(3, at), || {
            panic!("the session continues")
        });
        assert!(!e.write.starts_session);
        assert_eq!(e.write.id.session_id, second_session().session_id);
        assert_eq!(e.write.id.event_index, 3);
        assert_eq!(e.write.id.first_event_id, second_session().first_event_id);
    }

    #[test]
    fn a3_6_no_sp_id_at_an_event_is_a_fresh_identity() {
        let mut ids = Ids::new();
        let e = rules(1800, false).track(
            WebCookies {
                id: None,
                session_cookie: true,
            },
            T0,
            stamp(1, T0),
            || ids.next(),
        );
        assert!(e.write.starts_session);
        assert_eq!(e.write.id.domain_user_id, Some(UserId::from_uuid(id(1))));
        assert_eq!(e.write.id.session_id, id(2));
        assert_eq!(e.write.id.visit_count, 1);
        assert_eq!(e.write.id.create_ts, 1_700_000_001);
        assert_eq!(e.write.id.event_index, 1);
    }

    #[test]
    fn a3_6_event_index_saturates_at_the_schema_maximum() {
        let cookies = WebCookies {
            id: Some(WebSession {
                event_index: MAX_INDEX,
                visit_count: u32::MAX,
                ..second_session()
            }),
            session_cookie: true,
        };
        let e = rules(1800, false).track(cookies, T0, stamp(1, T0), Uuid::nil);
        assert_eq!(e.write.id.event_index, MAX_INDEX);
        assert_eq!(e.client_session.event_index, Some(MAX_INDEX));
        assert_eq!(e.client_session.session_index, MAX_INDEX);
    }

    // A3.7: the entity.

    #[test]
    fn a3_7_the_entity_is_the_cookie_with_cookie_1_and_all_eight_keys() {
        let cookies = WebCookies {
            id: Some(second_session()),
            session_cookie: true,
        };
        let e = rules(1800, false).track(cookies, T0, stamp(1, T0), Uuid::nil);
        let json = serde_json::to_value(&e.client_session).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "userId": "00000000-0000-0000-0000-00000000000a",
                "sessionId": "00000000-0000-0000-0000-00000000000b",
                "sessionIndex": 2,
                "previousSessionId": "00000000-0000-0000-0000-00000000000c",
                "storageMechanism": "COOKIE_1",
                "firstEventId": "00000000-0000-0000-0000-00000000000d",
                "firstEventTimestamp": "2023-11-14T21:56:40.000Z",
                "eventIndex": 3,
            })
        );
    }

    #[test]
    fn a3_7_empty_fields_are_null_in_the_entity() {
        let mut ids = Ids::new();
        let w = rules(1800, false).start(none(), T0, || ids.next());
        let json = serde_json::to_value(w.id.client_session(false)).unwrap();
        assert_eq!(json.as_object().unwrap().len(), 8);
        assert_eq!(json["previousSessionId"], serde_json::Value::Null);
        assert_eq!(json["firstEventId"], serde_json::Value::Null);
        assert_eq!(json["firstEventTimestamp"], serde_json::Value::Null);
        assert_eq!(json["eventIndex"], 0);
        assert_eq!(json["sessionIndex"], 1);
    }

    // A3.8: new session.

    #[test]
    fn a3_8_new_session_rotates_at_once_even_with_a_live_sp_ses() {
        let cookies = WebCookies {
            id: Some(second_session()),
            session_cookie: true,
        };
        let at = T0 + MIN;
        let r = rules(1800, false);
        let w = r.new_session(cookies, at, || id(0x53));
        assert!(w.starts_session);
        assert_eq!(w.id.session_id, id(0x53));
        assert_eq!(w.id.visit_count, 3);
        assert_eq!(w.id.previous_session_id, Some(id(0xB)));
        assert_eq!(w.id.last_visit_ts, Some(second_session().now_ts));
        assert_eq!(w.id.now_ts, 1_700_000_061);
        assert_eq!((w.id.event_index, w.id.first_event_id), (0, None));
        assert_eq!(w.id.first_event_ts, None);
        assert_eq!(
            w.session_cookie_expires,
            SessionCookieExpiry::At(1_700_001_860)
        );
        // The next event is the new session's first; it does not rotate again.
        let e = r.track(seen(&w, at + 1), at + 1, stamp(4, at + 1), || {
            panic!("no second rotation")
        });
        assert!(!e.write.starts_session);
        assert_eq!(e.client_session.session_id, id(0x53));
        assert_eq!(e.client_session.first_event_id, Some(stamp(4, 0).id));
        assert_eq!(e.client_session.event_index, Some(1));
    }

    #[test]
    fn a3_8_new_session_without_sp_id_makes_a_fresh_identity() {
        let mut ids = Ids::new();
        let w = rules(1800, false).new_session(none(), T0, || ids.next());
        assert_eq!(
            w.id,
            WebSession::first(T0, Some(UserId::from_uuid(id(1))), id(2))
        );
    }

    // A3.9: anonymous tracking with session tracking.

    #[test]
    fn a3_9_anonymous_writes_no_user_and_no_previous_session() {
        let mut ids = Ids::new();
        let r = rules(1800, true);
        let load = r.start(none(), T0, || ids.next());
        assert_eq!(load.id.domain_user_id, None);
        assert_eq!(load.id.session_id, id(1), "no user id was made");
        let at = T0 + 31 * MIN;
        let e = r.track(seen(&load, at), at, stamp(1, at), || ids.next());
        assert!(e.write.starts_session);
        assert_eq!(e.write.id.visit_count, 2);
        assert_eq!(e.write.id.domain_user_id, None);
        assert_eq!(e.write.id.previous_session_id, None, "not written");
        assert_eq!(e.client_session.user_id, UserId::ANONYMOUS);
        assert_eq!(e.client_session.previous_session_id, None);
        assert_eq!(e.client_session.session_id, id(2));
    }

    #[test]
    fn a3_9_anonymous_blanks_an_identified_cookie_and_keeps_its_session() {
        let cookies = WebCookies {
            id: Some(second_session()),
            session_cookie: true,
        };
        let e = rules(1800, true).track(cookies, T0, stamp(1, T0), || {
            panic!("no user id and no session under anonymous tracking here")
        });
        assert_eq!(e.write.id.domain_user_id, None);
        assert_eq!(e.write.id.previous_session_id, None);
        assert_eq!(e.write.id.session_id, second_session().session_id);
        assert_eq!(e.client_session.user_id, UserId::ANONYMOUS);
        assert_eq!(e.client_session.previous_session_id, None);
        assert_eq!(e.client_session.event_index, Some(3));
    }

    // B2 "Web storage".

    #[test]
    fn b2_sp_ses_expires_at_the_whole_second() {
        // Written at T0 = …000.600 s with 1800 s: Expires …1800 s, i.e. 600 ms before T0 + T.
        let expiry = SessionCookieExpiry::after(T0, Timeout::from_secs(1800));
        assert_eq!(expiry, SessionCookieExpiry::At(1_700_001_800));
        let timeout_ms = 1_800_000;
        assert!(expiry.is_live_at(T0 + timeout_ms - 601));
        assert!(
            !expiry.is_live_at(T0 + timeout_ms - 600),
            "gone at the expiry second"
        );
        assert!(
            !expiry.is_live_at(T0 + timeout_ms),
            "a gap equal to the timeout"
        );
        // On a whole second the gap equal to the timeout is the first that ends the session.
        let whole = SessionCookieExpiry::after(1_700_000_000_000, Timeout::from_secs(1800));
        assert!(whole.is_live_at(1_700_000_000_000 + timeout_ms - 1));
        assert!(!whole.is_live_at(1_700_000_000_000 + timeout_ms));
    }

    #[test]
    fn b2_a_gap_a_few_ms_under_the_timeout_already_starts_a_new_session() {
        let mut ids = Ids::new();
        let r = rules(1800, false);
        let first = r.track(none(), T0, stamp(1, T0), || ids.next());
        let session = first.write.id.session_id;
        // 1 ms before the whole-second expiry: the same session.
        let at = T0 + 1_800_000 - 601;
        let kept = r.track(seen(&first.write, at), at, stamp(2, at), || ids.next());
        assert!(!kept.write.starts_session);
        assert_eq!(kept.write.id.session_id, session);
        // From `kept` (…1799.999 s, Expires …3599 s): 1800 s - 999 ms later it is gone.
        let at2 = at + 1_800_000 - 999;
        let rotated = r.track(seen(&kept.write, at2), at2, stamp(3, at2), || ids.next());
        assert!(rotated.write.starts_session);
        assert_eq!(rotated.write.id.previous_session_id, Some(session));
        // And a gap exactly equal to the timeout from a whole second.
        let at3 = 1_800_000_000_000;
        let w = r.track(none(), at3, stamp(4, at3), || ids.next());
        let at4 = at3 + 1_800_000;
        let next = r.track(seen(&w.write, at4), at4, stamp(5, at4), || ids.next());
        assert!(next.write.starts_session);
    }

    #[test]
    fn b2_a_16_hex_user_id_is_kept_as_written() {
        let old = UserId::parse("0f1e2d3c4b5a6978").unwrap();
        let cookies = WebCookies {
            id: Some(WebSession {
                domain_user_id: Some(old),
                ..second_session()
            }),
            session_cookie: false,
        };
        let e = rules(1800, false).track(cookies, T0, stamp(1, T0), || id(0x54));
        assert_eq!(e.write.id.domain_user_id, Some(old));
        assert_eq!(e.client_session.user_id.as_str(), "0f1e2d3c4b5a6978");
        assert_eq!(
            serde_json::to_value(&e.client_session).unwrap()["userId"],
            "0f1e2d3c4b5a6978"
        );
    }

    #[test]
    fn b2_timeout_0_makes_sp_ses_a_browser_session_cookie() {
        let mut ids = Ids::new();
        let r = rules(0, false);
        let load = r.start(none(), T0, || ids.next());
        assert_eq!(
            load.session_cookie_expires,
            SessionCookieExpiry::EndOfBrowserSession
        );
        // As with the JavaScript tracker, the session lasts while the browser keeps the cookie.
        let at = T0 + 600 * MIN;
        let e = r.track(seen(&load, at), at, stamp(1, at), || ids.next());
        assert!(!e.write.starts_session);
        assert_eq!(e.write.id.session_id, load.id.session_id);
        assert_eq!(
            e.write.session_cookie_expires,
            SessionCookieExpiry::EndOfBrowserSession
        );
    }

    #[test]
    fn b2_negative_times_are_written_as_zero_and_no_first_event_time() {
        let e = rules(1800, false).track(none(), -1_501, stamp(1, -5), || id(1));
        assert_eq!((e.write.id.create_ts, e.write.id.now_ts), (0, 0));
        assert_eq!(e.write.id.first_event_ts, None);
        assert_eq!(
            e.write.session_cookie_expires,
            SessionCookieExpiry::At(1798)
        );
    }

    #[test]
    fn rounding_is_math_round_of_ms_over_1000() {
        // Math.round: nearest, a half towards +∞.
        for (ms, s) in [
            (0, 0),
            (499, 0),
            (500, 1),
            (1_499, 1),
            (1_500, 2),
            (1_700_000_000_499, 1_700_000_000),
            (1_700_000_000_500, 1_700_000_001),
            (-1, 0),
            (-499, 0),
            (-500, 0),
            (-501, -1),
            (-1_500, -1),
            (-1_501, -2),
            (i64::MAX, i64::MAX / 1000 + 1),
            (i64::MIN, i64::MIN / 1000 - 1),
        ] {
            assert_eq!(unix_seconds_rounded(ms), s, "{ms} ms");
        }
    }

    #[test]
    fn expiry_is_the_floor_and_saturates() {
        assert_eq!(expires_after(1_999, 1), 2);
        assert_eq!(expires_after(-1, 0), -1);
        assert_eq!(expires_after(i64::MAX, i64::MAX), i64::MAX);
        assert_eq!(expires_after(i64::MIN, i64::MIN), i64::MIN);
    }

    /// ECMAScript `Math.round(ms / 1000)` in doubles, as the JavaScript engine computes it.
    fn js_math_round_seconds(ms: i64) -> i64 {
        let x = ms as f64 / 1000.0;
        let floor = x.floor();
        (if x - floor >= 0.5 { floor + 1.0 } else { floor }) as i64
    }

    /// What a JavaScript `Date` can hold, in ms either side of the epoch.
    const JS_DATE_LIMIT: i64 = 8_640_000_000_000_000;

    proptest! {
        #[test]
        fn rounding_matches_javascript_for_every_date(ms in -JS_DATE_LIMIT..=JS_DATE_LIMIT) {
            prop_assert_eq!(unix_seconds_rounded(ms), js_math_round_seconds(ms));
        }

        #[test]
        fn rounding_matches_javascript_at_every_half(s in -JS_DATE_LIMIT / 1000..JS_DATE_LIMIT / 1000, off in prop_oneof![Just(499i64), Just(500), Just(501)]) {
            let ms = s * 1000 + off;
            prop_assert_eq!(unix_seconds_rounded(ms), js_math_round_seconds(ms));
        }
    }
}
