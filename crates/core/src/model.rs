//! The seam between the actor and a rule set: what the actor asks of the session rules, whichever
//! platform's they are.
//!
//! Two rule sets implement it: [`SessionState`](crate::SessionState), the mobile rules (spec A2
//! with B), whose store only this tracker writes and which knows how the previous run ended; and
//! [`WebState`](crate::WebState), the JavaScript tracker's rules over its two cookies (spec A3,
//! B2 "Web storage"), which other tabs and trackers rewrite between our events. A store names
//! the rule set it keeps (`SessionStore::Model`), so a cookie store can only ever run the web
//! rules and a sled store only the mobile ones.

use std::fmt::Debug;

use uuid::Uuid;

use crate::config::Config;
use crate::entity::{ClientSession, StorageMechanism};
use crate::event::{EventStamp, Payload, TrackedEvent};
use crate::state::Snapshot;

/// How far a store must take a write before it returns; the rule set decides it for each write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Kept before anything of the batch leaves the tracker: on stable storage for a disk store
    /// (the batch started a session, whose first entity must not be handed out before it is
    /// kept), written before the replies for a store others read (cookies).
    Durable,
    /// May still be buffered, and written after the batch's replies; a crash can lose it (the
    /// next start then sees an unclean previous run and rotates the session).
    Buffered,
}

/// A rule set the session actor runs. Every method is pure: the time, the event's stamp and a
/// maker of fresh ids are arguments, and `new_id` is called only when a rule needs a new id (a
/// session, or on the web a user).
pub trait SessionModel: Sized + Send + 'static {
    /// What the store reads when a tracker starts.
    type Opened: Send;
    /// What the store reads again before each batch when others may have rewritten it: the
    /// cookies on the web; on mobile, whose store only this tracker writes, only the news that
    /// the user was forgotten ([`Forgotten`](crate::Forgotten)).
    type Current: Send;
    /// What the store keeps.
    type Stored: Clone + PartialEq + Debug + Send + Sync + 'static;

    /// Starts a tracker (an app launch, a page load) on what the store read at `now_ms`.
    fn start(
        config: Config,
        storage_mechanism: StorageMechanism,
        opened: Self::Opened,
        now_ms: i64,
        new_id: impl FnMut() -> Uuid,
    ) -> Self;

    /// Whether what [`start`](Self::start) decided must be written at once, before any event
    /// (a page load writes both cookies, A3.5), rather than with the first batch that changes it.
    fn writes_at_start(&self) -> bool;

    /// Adopts what the store holds now, read before a batch at `now_ms` or reported by its
    /// `clear_user_data` (the mobile user forgotten: [`Forgotten`](crate::Forgotten)). `last_write_kept`
    /// says whether the store took this tracker's last write (`false` after a write it
    /// refused): the read then lacks that decision, and the rule set may keep it over the read
    /// so that it is written again rather than decided a second time.
    fn reload(&mut self, current: Self::Current, now_ms: i64, last_write_kept: bool);

    /// Decides the session of one event and returns it with its entities.
    fn track(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        payload: Payload,
        new_id: impl FnMut() -> Uuid,
    ) -> TrackedEvent;

    /// The app moved to the background (`true`) or the foreground; the lifecycle event it
    /// emitted, if any. The web has no such transitions.
    fn set_background(
        &mut self,
        in_background: bool,
        now_ms: i64,
        stamp: EventStamp,
        new_id: impl FnMut() -> Uuid,
    ) -> Option<TrackedEvent>;

    /// Which of this run's stays in the background the app is in: `Some(n)` during the `n`th
    /// (mobile, counted as `backgroundIndex` is, whether or not a lifecycle event was emitted),
    /// `None` in the foreground and on the web, which has no background. The actor makes the
    /// state durable and marks the shutdown clean when a new stay begins, since mobile systems
    /// end backgrounded apps without warning (spec B2 "Mobile durability at background").
    fn background_stay(&self) -> Option<u32>;

    /// The app asked for a new session. Returns the session when one started at once (the
    /// web, A3.8), `None` when it starts at the next event (mobile, A2.7).
    fn new_session(&mut self, now_ms: i64, new_id: impl FnMut() -> Uuid) -> Option<ClientSession>;

    /// Suspends the timeout checks (mobile; nothing on the web).
    fn pause(&mut self);

    /// Resumes the timeout checks (mobile; nothing on the web).
    fn resume(&mut self);

    /// Turns anonymisation on or off. Returns the session when one started at once.
    fn set_anonymous(
        &mut self,
        anonymous: bool,
        now_ms: i64,
        new_id: impl FnMut() -> Uuid,
    ) -> Option<ClientSession>;

    /// The current state, masked under anonymisation.
    fn snapshot(&self) -> Snapshot;

    /// What the store must keep now; `None` when there is nothing to write (the web, before
    /// any decision since the cookies were last read).
    fn stored(&self) -> Option<Self::Stored>;

    /// How far the write of `next` must go, after `held` (what the store holds, if known).
    fn durability(held: Option<&Self::Stored>, next: &Self::Stored) -> Durability;
}
