//! The web rule set as the actor runs it: [`WebRules`] over the cookies as last read or written.
//!
//! Nothing here outlives a batch that matters: the actor reads the cookies before every batch
//! ([`SessionModel::reload`]), decides on them and writes back what was decided, so other tabs
//! and the JavaScript tracker are followed exactly (spec B2 "Web storage"). Between the read and
//! the write this state holds the cookies as this tracker's own decisions left them, so several
//! events in one batch are decided as if each had read what the one before it wrote.
//!
//! The one decision that outlives its batch is one the jar refused to write: while the cookies
//! read next still hold the `_sp_id` it was decided on (nobody else wrote since), it stays the
//! state and is written again with the next batch. Deciding on the stale cookies instead would
//! hand out the refused decision's `(sessionId, eventIndex)` pairs a second time, and a jar
//! that refuses every write would make every event a new user.

use uuid::Uuid;

use crate::config::Config;
use crate::entity::{ClientSession, StorageMechanism};
use crate::event::{EventStamp, Payload, TrackedEvent};
use crate::model::{Durability, SessionModel};
use crate::state::Snapshot;
use crate::web::{WebConfig, WebCookies, WebRules, WebWrite};

/// A web tracker's state: the rules with the anonymisation in force, and the cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebState {
    rules: WebRules,
    /// What the cookies said at the last read.
    read: WebCookies,
    /// This tracker's last decision since that read: what the store must write. Its `_sp_ses`
    /// expiry, not the read, then says whether the session cookie is still there.
    written: Option<WebWrite>,
}

impl WebState {
    /// The cookies as a decision at `now_ms` sees them: the last write if there was one since
    /// the read (its `_sp_ses` live until its expiry second), else the read.
    fn cookies_at(&self, now_ms: i64) -> WebCookies {
        match &self.written {
            Some(write) => WebCookies {
                id: Some(write.id),
                session_cookie: write.session_cookie_expires.is_live_at(now_ms),
            },
            None => self.read,
        }
    }

    /// Keeps a decision; returns the session it started, if it started one.
    fn decided(&mut self, write: WebWrite) -> Option<ClientSession> {
        self.written = Some(write);
        write
            .starts_session
            .then(|| write.id.client_session(self.rules.config.anonymous))
    }
}

impl SessionModel for WebState {
    /// The two cookies, read at the page load.
    type Opened = WebCookies;
    /// The two cookies, read before each batch.
    type Current = WebCookies;
    /// Both cookies as a decision writes them.
    type Stored = WebWrite;

    /// The page load (A3.5): without `_sp_ses` a session starts at once. `storage_mechanism`
    /// is not consulted: the web entity always says `COOKIE_1` (A3.7).
    fn start(
        config: Config,
        _storage_mechanism: StorageMechanism,
        opened: WebCookies,
        now_ms: i64,
        new_id: impl FnMut() -> Uuid,
    ) -> Self {
        let rules = WebRules::new(WebConfig::from(&config));
        let write = rules.start(opened, now_ms, new_id);
        Self {
            rules,
            read: opened,
            written: Some(write),
        }
    }

    /// Both cookies are written at the page load, before any event (A3.5).
    fn writes_at_start(&self) -> bool {
        true
    }

    /// The cookies read now are the state, unless the jar refused our last decision and their
    /// `_sp_id` is still the one that decision was made on: then only our write is missing
    /// from them, and the decision stays (see the module notes).
    fn reload(&mut self, current: WebCookies, _now_ms: i64, last_write_kept: bool) {
        let refused = !last_write_kept && self.written.is_some();
        let untouched = current.id == self.read.id;
        self.read = current;
        if !(refused && untouched) {
            self.written = None;
        }
    }

    /// One event (A3.6). Web events carry no lifecycle entity.
    fn track(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        payload: Payload,
        new_id: impl FnMut() -> Uuid,
    ) -> TrackedEvent {
        let tracked = self
            .rules
            .track(self.cookies_at(now_ms), now_ms, stamp, new_id);
        self.written = Some(tracked.write);
        TrackedEvent {
            stamp,
            payload,
            client_session: tracked.client_session,
            lifecycle: None,
            starts_session: tracked.write.starts_session,
            screen: None,
            screen_summary: None,
        }
    }

    /// A page has no foreground and background (spec Part C): nothing happens.
    fn set_background(
        &mut self,
        _in_background: bool,
        _now_ms: i64,
        _stamp: EventStamp,
        _new_id: impl FnMut() -> Uuid,
    ) -> Option<TrackedEvent> {
        None
    }

    /// A page has no background.
    fn background_stay(&self) -> Option<u32> {
        None
    }

    /// `newSession()` (A3.8): rotates at once and writes both cookies.
    fn new_session(&mut self, now_ms: i64, new_id: impl FnMut() -> Uuid) -> Option<ClientSession> {
        let write = self
            .rules
            .new_session(self.cookies_at(now_ms), now_ms, new_id);
        self.decided(write)
    }

    /// The JavaScript tracker has no pause.
    fn pause(&mut self) {}

    /// The JavaScript tracker has no pause.
    fn resume(&mut self) {}

    /// As the JavaScript tracker 4.x: `enableAnonymousTracking` writes nothing (the next write
    /// leaves the user and previous session out, A3.9); `disableAnonymousTracking` runs the
    /// page-load step again (`initializeIdsAndCookies`: a user id for the cookie, `_sp_ses`
    /// refreshed, or a new session if it is gone). Setting the value in force does nothing.
    fn set_anonymous(
        &mut self,
        anonymous: bool,
        now_ms: i64,
        new_id: impl FnMut() -> Uuid,
    ) -> Option<ClientSession> {
        if anonymous == self.rules.config.anonymous {
            return None;
        }
        self.rules.config.anonymous = anonymous;
        if anonymous {
            return None;
        }
        let write = self.rules.start(self.cookies_at(now_ms), now_ms, new_id);
        self.decided(write)
    }

    /// The session as the cookies hold it (after a page load that started one: `eventIndex` 0
    /// and no first event). `new_session_pending` says what the last read or write showed: no
    /// `_sp_id`, or no `_sp_ses`. A page has no background, pause or lifecycle indexes.
    fn snapshot(&self) -> Snapshot {
        let cookies = match &self.written {
            Some(write) => WebCookies {
                id: Some(write.id),
                session_cookie: true,
            },
            None => self.read,
        };
        let anonymous = self.rules.config.anonymous;
        Snapshot {
            session: cookies.id.map(|id| id.client_session(anonymous)),
            new_session_pending: cookies.id.is_none() || !cookies.session_cookie,
            in_background: false,
            paused: false,
            anonymous,
            foreground_index: 0,
            background_index: 0,
        }
    }

    fn stored(&self) -> Option<WebWrite> {
        self.written
    }

    /// Always before the replies: another tracker on the page must never see an event whose
    /// cookies are not written yet (B2: read, decide and write are one step).
    fn durability(_held: Option<&WebWrite>, _next: &WebWrite) -> Durability {
        Durability::Durable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Timeout;
    use crate::web::{SessionCookieExpiry, WebSession};
    use crate::UserId;

    /// 2023-11-14T22:13:20.000Z.
    const T0: i64 = 1_700_000_000_000;

    struct Ids(u128);

    impl Ids {
        fn next(&mut self) -> Uuid {
            self.0 += 1;
            Uuid::from_u128(self.0)
        }
    }

    fn config(timeout_s: u32) -> Config {
        Config {
            session_timeout: Timeout::from_secs(timeout_s),
            ..Config::default()
        }
    }

    fn start(opened: WebCookies, timeout_s: u32, ids: &mut Ids) -> WebState {
        <WebState as SessionModel>::start(
            config(timeout_s),
            StorageMechanism::Cookie1,
            opened,
            T0,
            || ids.next(),
        )
    }

    fn stamp(n: u128, dtm_ms: i64) -> EventStamp {
        EventStamp {
            id: Uuid::from_u128(0xE000 + n),
            dtm_ms,
        }
    }

    fn track(state: &mut WebState, at: i64, ids: &mut Ids) -> TrackedEvent {
        SessionModel::track(
            state,
            T0 + at,
            stamp(1, T0 + at),
            Payload::screen_view("s").unwrap(),
            || ids.next(),
        )
    }

    #[test]
    fn a_page_load_decides_and_must_write_at_once() {
        let mut ids = Ids(0);
        let state = start(WebCookies::default(), 1800, &mut ids);
        assert!(state.writes_at_start());
        let written = state.stored().expect("the page load writes both cookies");
        assert!(written.starts_session);
        assert_eq!(written.id.event_index, 0);
        let snapshot = state.snapshot();
        assert_eq!(snapshot.session.map(|s| s.event_index), Some(Some(0)));
        assert!(!snapshot.new_session_pending);
    }

    #[test]
    fn events_of_one_batch_see_the_write_before_them_and_its_expiry() {
        let mut ids = Ids(0);
        let mut state = start(WebCookies::default(), 2, &mut ids);
        let first = track(&mut state, 0, &mut ids);
        assert!(!first.starts_session, "the page load started it");
        assert_eq!(first.client_session.event_index, Some(1));
        let second = track(&mut state, 1_999, &mut ids);
        assert_eq!(second.client_session.event_index, Some(2));
        // Written at T0 + 1.999 s with 2 s: `_sp_ses` expires at T0 + 3 s exactly.
        assert_eq!(
            state.stored().map(|w| w.session_cookie_expires),
            Some(SessionCookieExpiry::At((T0 + 3_000) / 1000))
        );
        let third = track(&mut state, 3_000, &mut ids);
        assert!(third.starts_session, "gone at its expiry second");
        assert_eq!(third.client_session.session_index, 2);
    }

    #[test]
    fn a_reload_replaces_what_this_tracker_wrote_and_writes_nothing_until_a_decision() {
        let mut ids = Ids(0);
        let mut state = start(WebCookies::default(), 1800, &mut ids);
        track(&mut state, 0, &mut ids);
        let theirs = WebSession {
            visit_count: 7,
            event_index: 3,
            ..WebSession::first(
                T0,
                Some(UserId::parse("0123456789abcdef").unwrap()),
                Uuid::from_u128(0x7e),
            )
        };
        state.reload(
            WebCookies {
                id: Some(theirs),
                session_cookie: true,
            },
            T0 + 10,
            true,
        );
        assert_eq!(state.stored(), None);
        let e = track(&mut state, 20, &mut ids);
        assert!(!e.starts_session);
        assert_eq!(e.client_session.session_id, Uuid::from_u128(0x7e));
        assert_eq!(e.client_session.session_index, 7);
        assert_eq!(e.client_session.event_index, Some(4));
        state.reload(
            WebCookies {
                id: Some(theirs),
                session_cookie: false,
            },
            T0 + 30,
            true,
        );
        let rotated = track(&mut state, 40, &mut ids);
        assert!(rotated.starts_session);
        assert_eq!(rotated.client_session.session_index, 8);
        assert_eq!(
            rotated.client_session.previous_session_id,
            Some(Uuid::from_u128(0x7e))
        );
    }

    #[test]
    fn a_refused_decision_outlives_a_read_that_lacks_it_and_only_that() {
        let mut ids = Ids(0);
        let mut state = start(WebCookies::default(), 1800, &mut ids);
        let load = state.stored().unwrap();
        // The jar refused the page load's write: it still holds nothing.
        state.reload(WebCookies::default(), T0 + 1, false);
        assert_eq!(state.stored(), Some(load), "still to be written");
        let e = track(&mut state, 2, &mut ids);
        assert_eq!(e.client_session.session_id, load.id.session_id);
        assert_eq!(e.client_session.event_index, Some(1));
        // Refused again, then written: the next read shows it, and it is the state.
        state.reload(WebCookies::default(), T0 + 3, false);
        let second = track(&mut state, 4, &mut ids);
        assert_eq!(second.client_session.event_index, Some(2));
        let ours = state.stored().unwrap();
        let written = WebCookies {
            id: Some(ours.id),
            session_cookie: true,
        };
        state.reload(written, T0 + 5, true);
        assert_eq!(state.stored(), None, "nothing left to write");
        // A refused decision gives way to another writer's `_sp_id`.
        track(&mut state, 6, &mut ids);
        let theirs = WebSession {
            event_index: 9,
            ..ours.id
        };
        let other = WebCookies {
            id: Some(theirs),
            session_cookie: true,
        };
        state.reload(other, T0 + 7, false);
        assert_eq!(state.stored(), None);
        assert_eq!(
            track(&mut state, 8, &mut ids).client_session.event_index,
            Some(10)
        );
        // And a decision the jar took is never kept over a read, even one that looks older
        // (another tab wrote the previous value back).
        state.reload(other, T0 + 9, true);
        assert_eq!(state.stored(), None);
    }

    #[test]
    fn new_session_starts_at_once_and_is_returned() {
        let mut ids = Ids(0);
        let mut state = start(WebCookies::default(), 1800, &mut ids);
        let first = track(&mut state, 0, &mut ids);
        let started = state
            .new_session(T0 + 5, || ids.next())
            .expect("A3.8: at once");
        assert_eq!(started.session_index, 2);
        assert_eq!(started.event_index, Some(0));
        assert_eq!(
            started.previous_session_id,
            Some(first.client_session.session_id)
        );
    }

    #[test]
    fn switching_anonymisation_off_reruns_the_page_load_and_on_writes_nothing() {
        let mut ids = Ids(0);
        let mut state = start(WebCookies::default(), 1800, &mut ids);
        track(&mut state, 0, &mut ids);
        state.reload(state.cookies_at(T0), T0, true);
        assert_eq!(state.set_anonymous(false, T0, || ids.next()), None);
        assert_eq!(state.stored(), None, "the value in force: nothing");
        assert_eq!(state.set_anonymous(true, T0, || ids.next()), None);
        assert_eq!(
            state.stored(),
            None,
            "enableAnonymousTracking writes nothing"
        );
        let anonymous = track(&mut state, 1, &mut ids);
        assert_eq!(anonymous.client_session.user_id, UserId::ANONYMOUS);
        assert_eq!(state.stored().and_then(|w| w.id.domain_user_id), None);
        state.reload(state.cookies_at(T0 + 1), T0 + 1, true);
        assert_eq!(state.set_anonymous(false, T0 + 2, || ids.next()), None);
        let written = state.stored().expect("disableAnonymousTracking writes");
        assert!(written.id.domain_user_id.is_some(), "a user id again");
        assert!(!written.starts_session, "`_sp_ses` was live");
    }

    #[test]
    fn a_page_has_no_lifecycle_and_no_pause() {
        let mut ids = Ids(0);
        let mut state = start(WebCookies::default(), 1800, &mut ids);
        assert_eq!(
            state.set_background(true, T0, stamp(2, T0), || ids.next()),
            None
        );
        state.pause();
        let snapshot = state.snapshot();
        assert!(!snapshot.paused && !snapshot.in_background);
        let e = track(&mut state, 1, &mut ids);
        assert_eq!(e.lifecycle, None);
    }

    #[test]
    fn every_web_write_goes_before_the_replies() {
        let mut ids = Ids(0);
        let state = start(WebCookies::default(), 1800, &mut ids);
        let write = state.stored().unwrap();
        assert_eq!(
            WebState::durability(Some(&write), &write),
            Durability::Durable
        );
        assert_eq!(WebState::durability(None, &write), Durability::Durable);
    }
}
