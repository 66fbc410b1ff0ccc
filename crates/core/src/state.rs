//! The session state machine (spec A2 with the choices of B).

use uuid::Uuid;

use crate::config::Config;
use crate::entity::{ClientSession, LifecycleEntity, StorageMechanism, MAX_INDEX};
use crate::event::{EventStamp, Payload, TrackedEvent};
use crate::model::{Durability, SessionModel};
use crate::timestamp::UtcMillis;
use crate::user_id::UserId;

/// One session as it is persisted. A session only ever starts at an event, so it always has a
/// first event.
///
/// No serde here on purpose: each store owns its encoding (`client_session_store::record`),
/// so changing this type cannot silently change a format on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session's id.
    pub session_id: Uuid,
    /// 1 for the installation's first session.
    pub session_index: u32,
    /// The session before this one (kept even under anonymisation; only the emitted copy hides it).
    pub previous_session_id: Option<Uuid>,
    /// Id of the session's first event.
    pub first_event_id: Uuid,
    /// `dtm` of the session's first event, Unix ms.
    pub first_event_timestamp_ms: i64,
    /// Events in the session so far.
    pub event_index: u32,
    /// Wall clock of the last event that updated the session (frozen while paused), Unix ms.
    pub last_update_ms: i64,
}

/// Everything persisted per namespace (spec B2), except the format version, which belongs to
/// the store's encoding, and the user id, which is kept once per installation.
///
/// Never persisted: the background flag, pause and the lifecycle indexes. Like
/// [`SessionRecord`], it has no serde: the stores own their encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersistedSession {
    /// The current session, `None` before the installation's first event.
    pub session: Option<SessionRecord>,
    /// A new session was asked for and starts at the next event.
    pub new_session_requested: bool,
    /// Whether the current session was started under anonymisation.
    pub anonymous: bool,
}

/// What a mobile store knows about how the previous tracker on its namespace ended: the input
/// that decides whether a stored session may go on after a restart (spec A2.7, B2).
///
/// Stores without runs report none: cookies, where a page load is the restart, belong to the
/// web rule set, whose start reads the cookies alone ([`WebCookies`](crate::WebCookies)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviousRun {
    /// The previous tracker closed the store (its last state is on disk): the stored session may
    /// continue, with `continue_session_on_restart`.
    Clean,
    /// The previous tracker died (a crash, `kill -9`) or its state cannot be proven newest: the
    /// next event starts a new session, so no `(sessionId, eventIndex)` pair repeats.
    Unclean,
}

/// What a mobile store hands the actor when a tracker starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The installation's user id: made once, never changed by a damaged session record.
    pub user_id: UserId,
    /// The stored session, `None` when there is none or it could not be read.
    pub state: Option<PersistedSession>,
    /// How the previous tracker on this namespace ended.
    pub previous_run: PreviousRun,
}

/// What a mobile store reports before a batch when the installation's user was forgotten
/// (spec B mobile, `clear_user_data`): by this tracker, or by a tracker of another namespace on
/// the same storage. The store then holds no session for anyone, and this is the new user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgotten {
    /// The installation's new user id.
    pub user_id: UserId,
}

impl PreviousRun {
    /// What a store that keeps a clean-shutdown marker reports for it.
    #[must_use]
    pub const fn from_clean_marker(clean: bool) -> Self {
        if clean {
            Self::Clean
        } else {
            Self::Unclean
        }
    }
}

impl PersistedSession {
    /// Checks the limits the schema puts on what the record would emit.
    ///
    /// # Errors
    /// Names the first field out of range; a store treats such a record as absent.
    pub fn validate(&self) -> Result<(), &'static str> {
        if let Some(s) = &self.session {
            if s.session_index == 0 || s.session_index > MAX_INDEX {
                return Err("sessionIndex");
            }
            // A session starts at an event, so a stored one has had at least one; continuing a
            // record at 0 would hand out eventIndex 1 a second time.
            if s.event_index == 0 || s.event_index > MAX_INDEX {
                return Err("eventIndex");
            }
        }
        Ok(())
    }
}

/// What the tracker can say about itself at any moment, masked like everything that leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The entity of the current session as its last event carried it; `None` before the first event.
    pub session: Option<ClientSession>,
    /// A new session was requested and starts at the next event (android#709: make it visible).
    pub new_session_pending: bool,
    /// The app is in the background.
    pub in_background: bool,
    /// Timeout checks are paused.
    pub paused: bool,
    /// Anonymisation is on.
    pub anonymous: bool,
    /// Foreground transitions in this process.
    pub foreground_index: u32,
    /// Background transitions in this process.
    pub background_index: u32,
}

/// The in-memory session state: the persisted part plus what lives only in this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    config: Config,
    user_id: UserId,
    storage_mechanism: StorageMechanism,
    persisted: PersistedSession,
    anonymous: bool,
    in_background: bool,
    paused: bool,
    foreground_index: u32,
    background_index: u32,
}

impl SessionState {
    /// Starts a tracker (app launch) from what the store held.
    ///
    /// `previous_run` is what the store knows of how the previous tracker ended. The first
    /// event starts a new session unless the previous run was [`PreviousRun::Clean`],
    /// `continue_session_on_restart` is set and the stored session had the same anonymisation
    /// as `config.anonymous` (spec A2.7, B2): so no `(sessionId, eventIndex)` pair is ever
    /// handed out twice.
    #[must_use]
    pub fn start(
        config: Config,
        user_id: UserId,
        storage_mechanism: StorageMechanism,
        stored: Option<PersistedSession>,
        previous_run: PreviousRun,
    ) -> Self {
        let mut persisted = stored.unwrap_or(PersistedSession {
            anonymous: config.anonymous,
            ..PersistedSession::default()
        });
        if persisted.session.is_some() {
            let continues = previous_run == PreviousRun::Clean
                && config.continue_session_on_restart
                && persisted.anonymous == config.anonymous;
            persisted.new_session_requested |= !continues;
        }
        Self {
            config,
            user_id,
            storage_mechanism,
            persisted,
            anonymous: config.anonymous,
            in_background: false,
            paused: false,
            foreground_index: 0,
            background_index: 0,
        }
    }

    /// Decides the session of an event and returns the event with its entities (spec A2.2-6).
    ///
    /// `now_ms` is the wall clock at processing time; `new_session_id` is called only when a
    /// session starts.
    pub fn track(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        payload: Payload,
        new_session_id: impl FnOnce() -> Uuid,
    ) -> TrackedEvent {
        let starts_session = self.session_expired(now_ms);
        let mut session = match self.persisted.session {
            Some(session) if !starts_session => session,
            previous => {
                // An anonymous session is never linked to what follows it (B mobile, A4): its
                // events carried its id, so naming it would join them to the user afterwards.
                let previous = previous.map(|record| (record, !self.persisted.anonymous));
                self.persisted.new_session_requested = false;
                self.persisted.anonymous = self.anonymous;
                first_record(previous, now_ms, stamp, new_session_id())
            }
        };
        session.event_index = session.event_index.saturating_add(1).min(MAX_INDEX);
        if !self.paused {
            session.last_update_ms = now_ms;
        }
        self.persisted.session = Some(session);
        TrackedEvent {
            stamp,
            client_session: self.entity_of(session),
            lifecycle: self.lifecycle_entity(&payload),
            payload,
            starts_session,
            screen: None,
            screen_summary: None,
        }
    }

    /// The app came to the foreground. Emits `application_foreground` when lifecycle events
    /// are on; the event is judged before the state flips, so with the background timeout
    /// (spec A2.8). Does nothing when already in the foreground.
    pub fn foreground(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        new_session_id: impl FnOnce() -> Uuid,
    ) -> Option<TrackedEvent> {
        self.set_background(false, now_ms, stamp, new_session_id)
    }

    /// The app went to the background. Emits `application_background` when lifecycle events
    /// are on, judged with the foreground timeout (spec A2.8). Does nothing when already in the
    /// background.
    pub fn background(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        new_session_id: impl FnOnce() -> Uuid,
    ) -> Option<TrackedEvent> {
        self.set_background(true, now_ms, stamp, new_session_id)
    }

    /// A lifecycle transition: counts it, tracks its event (if lifecycle events are on) while
    /// the old state still decides the timeout, then flips the state. No change, no event.
    pub fn set_background(
        &mut self,
        in_background: bool,
        now_ms: i64,
        stamp: EventStamp,
        new_session_id: impl FnOnce() -> Uuid,
    ) -> Option<TrackedEvent> {
        if self.in_background == in_background {
            return None;
        }
        let payload = if in_background {
            self.background_index = self.background_index.saturating_add(1).min(MAX_INDEX);
            Payload::ApplicationBackground {
                background_index: self.background_index,
            }
        } else {
            self.foreground_index = self.foreground_index.saturating_add(1).min(MAX_INDEX);
            Payload::ApplicationForeground {
                foreground_index: self.foreground_index,
            }
        };
        let event = self
            .config
            .lifecycle_events
            .then(|| self.track(now_ms, stamp, payload, new_session_id));
        self.in_background = in_background;
        event
    }

    /// Asks for a new session; it starts at the next event (spec A2.7), even while paused.
    pub fn request_new_session(&mut self) {
        self.persisted.new_session_requested = true;
    }

    /// Suspends the timeout and clock checks; `lastUpdate` stays where it is (spec A2.9).
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Resumes the checks; the next event is judged against the `lastUpdate` frozen at pause.
    pub fn resume(&mut self) {
        self.paused = false;
    }

    /// Turns anonymisation on or off. A change starts a new session at the next event; setting
    /// the current value changes nothing. Returns whether anything changed.
    pub fn set_anonymous(&mut self, anonymous: bool) -> bool {
        if anonymous == self.anonymous {
            return false;
        }
        self.anonymous = anonymous;
        self.persisted.new_session_requested = true;
        true
    }

    /// Forgets the user (spec B mobile, `clear_user_data`): from now on the tracker is
    /// `user_id`'s, with no session at all, so the next event starts session 1 with no previous
    /// session. This is the one way session numbering goes back, on purpose: nothing of the old
    /// user may be carried over, not even its session count. A pending new-session request, a
    /// runtime change of anonymisation, pause and the lifecycle state (background flag and
    /// indexes) are the app's, not the user's, and are kept.
    pub fn forget_user(&mut self, user_id: UserId) {
        self.user_id = user_id;
        self.persisted.session = None;
        // What a store without a session holds: the anonymisation the next session starts
        // under.
        self.persisted.anonymous = self.anonymous;
    }

    /// What the store must keep.
    #[must_use]
    pub fn persisted(&self) -> &PersistedSession {
        &self.persisted
    }

    /// The configuration this tracker runs with.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current state, masked under anonymisation.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            session: self.persisted.session.map(|s| self.entity_of(s)),
            new_session_pending: self.persisted.session.is_none()
                || self.persisted.new_session_requested,
            in_background: self.in_background,
            paused: self.paused,
            anonymous: self.anonymous,
            foreground_index: self.foreground_index,
            background_index: self.background_index,
        }
    }

    /// Spec A2.3 with B's pause rule: a request or a missing session always rotates; the clock
    /// checks only run while not paused.
    fn session_expired(&self, now_ms: i64) -> bool {
        let Some(session) = &self.persisted.session else {
            return true;
        };
        if self.persisted.new_session_requested {
            return true;
        }
        if self.paused {
            return false;
        }
        let timeout = self.config.timeout(self.in_background).as_millis();
        now_ms < session.last_update_ms || now_ms.abs_diff(session.last_update_ms) > timeout
    }

    fn entity_of(&self, session: SessionRecord) -> ClientSession {
        let entity = ClientSession {
            user_id: self.user_id,
            session_id: session.session_id,
            session_index: session.session_index,
            previous_session_id: session.previous_session_id,
            storage_mechanism: self.storage_mechanism,
            first_event_id: Some(session.first_event_id),
            first_event_timestamp: Some(UtcMillis(session.first_event_timestamp_ms)),
            event_index: Some(session.event_index),
        };
        if self.anonymous {
            entity.anonymised()
        } else {
            entity
        }
    }

    /// The lifecycle entity for an event (spec B2): a lifecycle event describes the state it
    /// moves to, any other event the current state.
    fn lifecycle_entity(&self, payload: &Payload) -> Option<LifecycleEntity> {
        if !self.config.lifecycle_events {
            return None;
        }
        Some(match *payload {
            Payload::ApplicationForeground { foreground_index } => LifecycleEntity {
                is_visible: true,
                index: foreground_index,
            },
            Payload::ApplicationBackground { background_index } => LifecycleEntity {
                is_visible: false,
                index: background_index,
            },
            _ if self.in_background => LifecycleEntity {
                is_visible: false,
                index: self.background_index,
            },
            _ => LifecycleEntity {
                is_visible: true,
                index: self.foreground_index,
            },
        })
    }
}

/// The mobile rule set as the actor runs it. Its store only this tracker writes, so what it
/// reads before a batch is news of a forgotten user alone ([`Forgotten`]), and nothing starts
/// before an event.
impl SessionModel for SessionState {
    type Opened = Opened;
    type Current = Forgotten;
    type Stored = PersistedSession;

    fn start(
        config: Config,
        storage_mechanism: StorageMechanism,
        opened: Opened,
        _now_ms: i64,
        _new_id: impl FnMut() -> Uuid,
    ) -> Self {
        Self::start(
            config,
            opened.user_id,
            storage_mechanism,
            opened.state,
            opened.previous_run,
        )
    }

    fn writes_at_start(&self) -> bool {
        false
    }

    /// The user was forgotten since the last batch (this tracker's `clear_user_data`, or
    /// another namespace's on the same storage): the rest of the state is this tracker's own.
    fn reload(&mut self, current: Forgotten, _now_ms: i64, _last_write_kept: bool) {
        self.forget_user(current.user_id);
    }

    fn track(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        payload: Payload,
        new_id: impl FnMut() -> Uuid,
    ) -> TrackedEvent {
        Self::track(self, now_ms, stamp, payload, new_id)
    }

    fn set_background(
        &mut self,
        in_background: bool,
        now_ms: i64,
        stamp: EventStamp,
        new_id: impl FnMut() -> Uuid,
    ) -> Option<TrackedEvent> {
        Self::set_background(self, in_background, now_ms, stamp, new_id)
    }

    /// The background index only grows while the app goes back and forth, so each stay has its
    /// own (it stops at `MAX_INDEX`, as the index does, after 2^31 - 1 stays in one run).
    fn background_stay(&self) -> Option<u32> {
        self.in_background.then_some(self.background_index)
    }

    fn new_session(
        &mut self,
        _now_ms: i64,
        _new_id: impl FnMut() -> Uuid,
    ) -> Option<ClientSession> {
        self.request_new_session();
        None
    }

    fn pause(&mut self) {
        Self::pause(self);
    }

    fn resume(&mut self) {
        Self::resume(self);
    }

    fn set_anonymous(
        &mut self,
        anonymous: bool,
        _now_ms: i64,
        _new_id: impl FnMut() -> Uuid,
    ) -> Option<ClientSession> {
        Self::set_anonymous(self, anonymous);
        None
    }

    fn snapshot(&self) -> Snapshot {
        Self::snapshot(self)
    }

    fn stored(&self) -> Option<PersistedSession> {
        Some(self.persisted)
    }

    /// A write that carries a new session is durable before its first entity leaves; any other
    /// is buffered, and written after the replies.
    fn durability(held: Option<&PersistedSession>, next: &PersistedSession) -> Durability {
        let session_id = |p: &PersistedSession| p.session.map(|s| s.session_id);
        if held.and_then(session_id) == session_id(next) {
            Durability::Buffered
        } else {
            Durability::Durable
        }
    }
}

/// The record of a session that starts at `stamp`'s event (spec A2.4-5). A session's start
/// counts as its last update, even while paused.
/// The record of a new session after `previous`, the last session and whether it may be named
/// as this one's `previousSessionId` (not when it was anonymous); numbering goes on either way.
fn first_record(
    previous: Option<(SessionRecord, bool)>,
    now_ms: i64,
    stamp: EventStamp,
    session_id: Uuid,
) -> SessionRecord {
    SessionRecord {
        session_id,
        session_index: previous
            .map_or(1, |(p, _)| p.session_index.saturating_add(1).min(MAX_INDEX)),
        previous_session_id: previous.and_then(|(p, linked)| linked.then_some(p.session_id)),
        first_event_id: stamp.id,
        first_event_timestamp_ms: stamp.dtm_ms,
        event_index: 0,
        last_update_ms: now_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Timeout;

    const T0: i64 = 1_700_000_000_000;
    fn user() -> UserId {
        UserId::from_uuid(Uuid::from_u128(0x1111))
    }

    /// Drives a state machine with sequential ids so tests can name them.
    struct Rig {
        state: SessionState,
        next_id: u128,
    }

    impl Rig {
        fn new(config: Config) -> Self {
            Self::restored(config, None, PreviousRun::Clean)
        }
        fn restored(
            config: Config,
            stored: Option<PersistedSession>,
            previous_run: PreviousRun,
        ) -> Self {
            Self {
                state: SessionState::start(
                    config,
                    user(),
                    StorageMechanism::LocalStorage,
                    stored,
                    previous_run,
                ),
                next_id: 0x1000,
            }
        }
        fn id(&mut self) -> Uuid {
            self.next_id += 1;
            Uuid::from_u128(self.next_id)
        }
        fn stamp(&mut self, at: i64) -> EventStamp {
            EventStamp {
                id: self.id(),
                dtm_ms: T0 + at,
            }
        }
        fn track(&mut self, at: i64) -> TrackedEvent {
            let stamp = self.stamp(at);
            let sid = self.id();
            self.state.track(
                T0 + at,
                stamp,
                Payload::screen_view("s").unwrap(),
                move || sid,
            )
        }
        fn background(&mut self, at: i64) -> Option<TrackedEvent> {
            let stamp = self.stamp(at);
            let sid = self.id();
            self.state.background(T0 + at, stamp, move || sid)
        }
        fn foreground(&mut self, at: i64) -> Option<TrackedEvent> {
            let stamp = self.stamp(at);
            let sid = self.id();
            self.state.foreground(T0 + at, stamp, move || sid)
        }
    }

    fn secs(fg: u32, bg: u32) -> Config {
        Config {
            foreground_timeout: Timeout::from_secs(fg),
            background_timeout: Timeout::from_secs(bg),
            ..Config::default()
        }
    }

    #[test]
    fn first_event_starts_session_one() {
        let mut rig = Rig::new(Config::default());
        let e = rig.track(0);
        let cs = &e.client_session;
        assert!(e.starts_session);
        assert_eq!(cs.user_id, user());
        assert_eq!(cs.session_index, 1);
        assert_eq!(cs.previous_session_id, None);
        assert_eq!(cs.first_event_id, Some(e.stamp.id));
        assert_eq!(cs.first_event_timestamp, Some(UtcMillis(T0)));
        assert_eq!(cs.event_index, Some(1));
        assert_eq!(cs.storage_mechanism, StorageMechanism::LocalStorage);
    }

    #[test]
    fn events_count_within_a_session() {
        let mut rig = Rig::new(Config::default());
        let first = rig.track(0);
        let second = rig.track(1000);
        let third = rig.track(2000);
        assert!(!second.starts_session);
        assert_eq!(third.client_session.event_index, Some(3));
        assert_eq!(
            third.client_session.session_id,
            first.client_session.session_id
        );
        assert_eq!(third.client_session.first_event_id, Some(first.stamp.id));
    }

    #[test]
    fn timeout_is_strictly_greater_in_milliseconds() {
        let mut rig = Rig::new(secs(10, 10));
        let a = rig.track(0);
        let b = rig.track(10_000);
        assert_eq!(a.client_session.session_id, b.client_session.session_id);
        let c = rig.track(20_001);
        assert!(c.starts_session);
        assert_eq!(c.client_session.session_index, 2);
        assert_eq!(
            c.client_session.previous_session_id,
            Some(a.client_session.session_id)
        );
        assert_eq!(c.client_session.event_index, Some(1));
        assert_eq!(c.client_session.first_event_id, Some(c.stamp.id));
    }

    #[test]
    fn zero_timeout_rotates_on_any_gap() {
        let mut rig = Rig::new(secs(0, 0));
        rig.track(0);
        assert!(!rig.track(0).starts_session);
        assert!(rig.track(1).starts_session);
    }

    #[test]
    fn largest_timeout_never_expires() {
        let mut rig = Rig::new(secs(u32::MAX, u32::MAX));
        rig.track(0);
        assert!(!rig.track(4_294_967_295_000).starts_session);
        assert!(rig.track(2 * 4_294_967_295_000 + 1).starts_session);
    }

    #[test]
    fn clock_going_backwards_starts_a_new_session() {
        let mut rig = Rig::new(Config::default());
        rig.track(5000);
        assert!(rig.track(4999).starts_session);
    }

    #[test]
    fn background_timeout_applies_in_background() {
        let mut rig = Rig::new(secs(100, 10));
        rig.track(0);
        rig.background(1000);
        assert!(!rig.track(11_000).starts_session);
        assert!(rig.track(21_001).starts_session);
    }

    #[test]
    fn background_event_is_judged_with_foreground_timeout() {
        let mut rig = Rig::new(secs(100, 10));
        rig.track(0);
        // 50 s > background timeout but < foreground timeout: the background event is still
        // judged as a foreground event.
        let bg = rig.background(50_000).unwrap();
        assert!(!bg.starts_session);
        assert_eq!(
            bg.payload,
            Payload::ApplicationBackground {
                background_index: 1
            }
        );
        assert_eq!(
            bg.lifecycle,
            Some(LifecycleEntity {
                is_visible: false,
                index: 1
            })
        );
    }

    #[test]
    fn foreground_event_is_judged_with_background_timeout() {
        let mut rig = Rig::new(secs(100, 10));
        rig.track(0);
        rig.background(1000);
        let fg = rig.foreground(12_000).unwrap();
        assert!(
            fg.starts_session,
            "11 s in the background > 10 s background timeout"
        );
        assert_eq!(
            fg.lifecycle,
            Some(LifecycleEntity {
                is_visible: true,
                index: 1
            })
        );
    }

    #[test]
    fn repeated_transitions_do_nothing() {
        let mut rig = Rig::new(Config::default());
        assert!(rig.foreground(0).is_none(), "apps start in the foreground");
        assert!(rig.background(1).is_some());
        assert!(rig.background(2).is_none());
        assert_eq!(rig.state.snapshot().background_index, 1);
        assert!(rig.foreground(3).is_some());
        assert_eq!(rig.state.snapshot().foreground_index, 1);
    }

    #[test]
    fn each_stay_in_the_background_is_numbered_even_without_lifecycle_events() {
        let mut rig = Rig::new(Config {
            lifecycle_events: false,
            ..Config::default()
        });
        let stay = |rig: &Rig| SessionModel::background_stay(&rig.state);
        assert_eq!(stay(&rig), None, "apps start in the foreground");
        rig.background(1);
        assert_eq!(stay(&rig), Some(1));
        rig.background(2);
        assert_eq!(
            stay(&rig),
            Some(1),
            "a repeated background is the same stay"
        );
        rig.foreground(3);
        assert_eq!(stay(&rig), None);
        rig.background(4);
        assert_eq!(stay(&rig), Some(2));
    }

    #[test]
    fn lifecycle_flag_only_decides_emission() {
        let mut rig = Rig::new(Config {
            lifecycle_events: false,
            ..secs(100, 10)
        });
        let e = rig.track(0);
        assert_eq!(e.lifecycle, None);
        assert!(rig.background(1000).is_none());
        assert!(rig.state.snapshot().in_background);
        assert!(
            rig.track(12_000).starts_session,
            "background timeout is in force"
        );
    }

    #[test]
    fn other_events_carry_the_current_lifecycle_state() {
        let mut rig = Rig::new(Config::default());
        assert_eq!(
            rig.track(0).lifecycle,
            Some(LifecycleEntity {
                is_visible: true,
                index: 0
            })
        );
        rig.background(1);
        assert_eq!(
            rig.track(2).lifecycle,
            Some(LifecycleEntity {
                is_visible: false,
                index: 1
            })
        );
        rig.foreground(3);
        assert_eq!(
            rig.track(4).lifecycle,
            Some(LifecycleEntity {
                is_visible: true,
                index: 1
            })
        );
    }

    #[test]
    fn new_session_request_rotates_at_next_event_and_is_visible() {
        let mut rig = Rig::new(Config::default());
        rig.track(0);
        rig.state.request_new_session();
        rig.state.request_new_session();
        assert!(rig.state.snapshot().new_session_pending);
        assert!(rig.state.persisted().new_session_requested);
        let e = rig.track(1);
        assert!(e.starts_session);
        assert_eq!(e.client_session.session_index, 2);
        assert!(
            !rig.track(2).starts_session,
            "two requests give one rotation"
        );
    }

    #[test]
    fn pause_freezes_last_update_and_still_counts_events() {
        let mut rig = Rig::new(secs(10, 10));
        rig.track(0);
        rig.state.pause();
        let e = rig.track(60_000);
        assert!(!e.starts_session);
        assert_eq!(e.client_session.event_index, Some(2));
        assert!(!rig.track(1).starts_session, "no clock check while paused");
        assert_eq!(rig.state.persisted().session.unwrap().last_update_ms, T0);
        rig.state.resume();
        assert!(
            rig.track(60_001).starts_session,
            "judged against the frozen lastUpdate"
        );
    }

    #[test]
    fn explicit_requests_apply_while_paused() {
        let mut rig = Rig::new(Config::default());
        rig.state.pause();
        assert!(
            rig.track(0).starts_session,
            "no stored state: a session starts even while paused"
        );
        rig.state.request_new_session();
        let e = rig.track(1);
        assert!(e.starts_session);
        assert_eq!(
            rig.state.persisted().session.unwrap().last_update_ms,
            T0 + 1,
            "a start counts as an update"
        );
    }

    #[test]
    fn foreground_does_not_resume() {
        let mut rig = Rig::new(Config::default());
        rig.state.pause();
        rig.background(0);
        rig.foreground(1);
        assert!(rig.state.snapshot().paused);
    }

    #[test]
    fn anonymisation_masks_emitted_copy_only() {
        let mut rig = Rig::new(Config::default());
        let first = rig.track(0);
        assert!(rig.state.set_anonymous(true));
        let anon = rig.track(1);
        assert!(anon.starts_session);
        assert_eq!(anon.client_session.user_id, UserId::ANONYMOUS);
        assert_eq!(anon.client_session.previous_session_id, None);
        let stored = rig.state.persisted();
        assert!(stored.anonymous);
        assert_eq!(
            stored.session.unwrap().previous_session_id,
            Some(first.client_session.session_id)
        );
        assert_eq!(
            rig.state.snapshot().session.unwrap().user_id,
            UserId::ANONYMOUS
        );
        assert!(!rig.state.set_anonymous(true), "same value changes nothing");
        assert!(!rig.track(2).starts_session);
        assert!(rig.state.set_anonymous(false));
        let back = rig.track(3);
        assert_eq!(back.client_session.user_id, user());
        assert_eq!(
            back.client_session.previous_session_id, None,
            "B mobile: an anonymous session is never linked to the user afterwards"
        );
        assert_eq!(back.client_session.session_index, 3, "numbering goes on");
    }

    /// B mobile (A4): a session after an anonymous one names no previous session, however it
    /// starts (a timeout, a new-session request, a change of anonymisation, a restart), and it
    /// is the stored record that holds nothing, not only the masked copy. A session after an
    /// identified one names it as before.
    #[test]
    fn no_session_names_an_anonymous_one_as_its_previous() {
        let config = Config {
            anonymous: true,
            ..Config::default()
        };
        let mut rig = Rig::new(config);
        let first = rig.track(0);
        rig.state.request_new_session();
        let second = rig.track(2);
        assert_eq!(second.client_session.session_index, 2);
        let stored = rig.state.persisted().session.unwrap();
        assert_eq!(stored.previous_session_id, None, "{stored:?}");
        assert!(rig.state.set_anonymous(false));
        let identified = rig.track(3);
        assert_eq!(identified.client_session.previous_session_id, None);
        assert_ne!(
            identified.client_session.session_id,
            first.client_session.session_id
        );
        rig.state.request_new_session();
        let next = rig.track(5);
        assert_eq!(
            next.client_session.previous_session_id,
            Some(identified.client_session.session_id),
            "identified sessions are still linked"
        );
        assert_eq!(next.client_session.session_index, 4);

        // A restart configured identified, after an anonymous session was stored.
        let mut anonymous = Rig::new(config);
        anonymous.track(0);
        let persisted = *anonymous.state.persisted();
        let mut rig = Rig::restored(Config::default(), Some(persisted), PreviousRun::Clean);
        let after = rig.track(1);
        assert!(after.starts_session);
        assert_eq!(after.client_session.previous_session_id, None);
        assert_eq!(after.client_session.session_index, 2);
    }

    fn other_user() -> UserId {
        UserId::from_uuid(Uuid::from_u128(0x2222))
    }

    /// B mobile, `clear_user_data`: the next event starts session 1 of the new user with no
    /// previous session, whatever the old user's numbering was.
    #[test]
    fn a_forgotten_user_leaves_nothing_to_the_next_session() {
        let mut rig = Rig::new(secs(10, 10));
        rig.track(0);
        rig.track(20_001);
        let old = rig.track(20_002);
        assert_eq!(old.client_session.session_index, 2);
        rig.state.forget_user(other_user());
        assert_eq!(rig.state.persisted().session, None);
        assert_eq!(rig.state.snapshot().session, None);
        let next = rig.track(20_003);
        assert!(next.starts_session, "a gap of 1 ms, yet the session is new");
        assert_eq!(next.client_session.user_id, other_user());
        assert_eq!(next.client_session.session_index, 1);
        assert_eq!(next.client_session.previous_session_id, None);
        assert_eq!(next.client_session.event_index, Some(1));
        assert_eq!(next.client_session.first_event_id, Some(next.stamp.id));
        assert_ne!(
            next.client_session.session_id,
            old.client_session.session_id
        );
        assert!(
            !rig.track(20_004).starts_session,
            "then it goes on as usual"
        );
    }

    /// B mobile, `clear_user_data`: pending requests, pause, anonymisation and the lifecycle
    /// state belong to the app and are kept; only the user and its sessions go.
    #[test]
    fn forgetting_keeps_the_apps_own_state() {
        let mut rig = Rig::new(secs(10, 10));
        rig.track(0);
        rig.background(1);
        rig.foreground(2);
        rig.background(3);
        rig.state.pause();
        rig.state.request_new_session();
        assert!(rig.state.set_anonymous(true));
        rig.state.forget_user(other_user());
        let snapshot = rig.state.snapshot();
        assert!(snapshot.paused && snapshot.in_background && snapshot.anonymous);
        assert!(snapshot.new_session_pending);
        assert!(rig.state.persisted().new_session_requested);
        assert!(
            rig.state.persisted().anonymous,
            "the next session starts anonymous"
        );
        assert_eq!(
            (snapshot.foreground_index, snapshot.background_index),
            (1, 2)
        );
        let next = rig.track(60_000);
        assert_eq!(next.client_session.session_index, 1);
        assert_eq!(next.client_session.user_id, UserId::ANONYMOUS);
        assert_eq!(
            next.lifecycle,
            Some(LifecycleEntity {
                is_visible: false,
                index: 2
            })
        );
        assert!(
            !rig.state.persisted().new_session_requested,
            "the request is used up"
        );
        // Still paused: no clock check, so a long gap keeps the session.
        assert!(!rig.track(600_000).starts_session);
        assert!(rig.state.set_anonymous(false));
        let identified = rig.track(600_001);
        assert_eq!(identified.client_session.user_id, other_user());
        assert_eq!(identified.client_session.session_index, 2);
    }

    /// The actor learns of a forgotten user through `reload` (its own `clear_user_data`, or
    /// another namespace's on the same storage).
    #[test]
    fn reload_with_news_of_a_forgotten_user_forgets_it() {
        let mut rig = Rig::new(Config::default());
        rig.track(0);
        SessionModel::reload(
            &mut rig.state,
            Forgotten {
                user_id: other_user(),
            },
            1,
            true,
        );
        let next = rig.track(2);
        assert_eq!(next.client_session.user_id, other_user());
        assert_eq!(next.client_session.session_index, 1);
        assert_eq!(next.client_session.previous_session_id, None);
    }

    fn stored_after(config: Config, at: i64) -> PersistedSession {
        let mut rig = Rig::new(config);
        rig.track(at);
        *rig.state.persisted()
    }

    #[test]
    fn restart_without_continue_rotates() {
        let stored = stored_after(Config::default(), 0);
        let mut rig = Rig::restored(Config::default(), Some(stored), PreviousRun::Clean);
        let e = rig.track(1);
        assert!(e.starts_session);
        assert_eq!(e.client_session.session_index, 2);
        assert_eq!(
            e.client_session.previous_session_id,
            Some(stored.session.unwrap().session_id)
        );
    }

    #[test]
    fn clean_restart_with_continue_keeps_session_within_timeout() {
        let config = Config {
            continue_session_on_restart: true,
            ..secs(10, 10)
        };
        let stored = stored_after(config, 0);
        let mut rig = Rig::restored(config, Some(stored), PreviousRun::Clean);
        assert!(!rig.state.snapshot().new_session_pending);
        let e = rig.track(10_000);
        assert!(!e.starts_session);
        assert_eq!(e.client_session.event_index, Some(2));
        let mut late = Rig::restored(config, Some(stored), PreviousRun::Clean);
        assert!(late.track(10_001).starts_session);
    }

    #[test]
    fn unclean_restart_with_continue_rotates() {
        let config = Config {
            continue_session_on_restart: true,
            ..Config::default()
        };
        let stored = stored_after(config, 0);
        let mut rig = Rig::restored(config, Some(stored), PreviousRun::Unclean);
        assert!(rig.track(1).starts_session);
    }

    #[test]
    fn restart_with_other_anonymisation_rotates() {
        let config = Config {
            continue_session_on_restart: true,
            ..Config::default()
        };
        let stored = stored_after(config, 0);
        let mut rig = Rig::restored(
            Config {
                anonymous: true,
                ..config
            },
            Some(stored),
            PreviousRun::Clean,
        );
        let e = rig.track(1);
        assert!(e.starts_session);
        assert_eq!(e.client_session.user_id, UserId::ANONYMOUS);
    }

    #[test]
    fn pending_request_survives_restart() {
        let config = Config {
            continue_session_on_restart: true,
            ..Config::default()
        };
        let mut rig = Rig::new(config);
        rig.track(0);
        rig.state.request_new_session();
        let stored = *rig.state.persisted();
        let mut restarted = Rig::restored(config, Some(stored), PreviousRun::Clean);
        assert!(restarted.track(1).starts_session);
    }

    #[test]
    fn idle_start_does_not_time_out_a_session_that_never_had_an_event() {
        let mut rig = Rig::new(secs(10, 10));
        let e = rig.track(3_600_000);
        assert_eq!(e.client_session.session_index, 1);
        assert_eq!(e.client_session.previous_session_id, None);
    }

    #[test]
    fn indexes_saturate() {
        let stored = PersistedSession {
            session: Some(SessionRecord {
                session_id: Uuid::from_u128(1),
                session_index: MAX_INDEX,
                previous_session_id: None,
                first_event_id: Uuid::from_u128(2),
                first_event_timestamp_ms: T0,
                event_index: MAX_INDEX,
                last_update_ms: T0,
            }),
            ..PersistedSession::default()
        };
        let config = Config {
            continue_session_on_restart: true,
            ..Config::default()
        };
        let mut rig = Rig::restored(config, Some(stored), PreviousRun::Clean);
        assert_eq!(rig.track(0).client_session.event_index, Some(MAX_INDEX));
        rig.state.request_new_session();
        assert_eq!(rig.track(1).client_session.session_index, MAX_INDEX);
    }

    #[test]
    fn validate_rejects_out_of_range_indexes() {
        let mut stored = stored_after(Config::default(), 0);
        assert_eq!(stored.validate(), Ok(()));
        stored.session.as_mut().unwrap().session_index = MAX_INDEX + 1;
        assert_eq!(stored.validate(), Err("sessionIndex"));
        let mut stored = stored_after(Config::default(), 0);
        stored.session.as_mut().unwrap().event_index = 0;
        assert_eq!(stored.validate(), Err("eventIndex"));
    }
}
