//! One tracker's rules: a session rule set and the screen machine, in the order that makes an
//! event (spec A5, B mobile "Screens").
//!
//! The screen machine goes first: it decides which events are sent (a list or scroll event
//! folded into the summary is not), adds the `screen_end` before a screen view, and fills the
//! screen view's fields. Only then are the sent events judged by the session rules, one after
//! the other, so an event that is not sent is never judged and never counted (A4), and a
//! `screen_end` after a long idle is the first event of the new session.

use uuid::Uuid;

use crate::config::Config;
use crate::entity::StorageMechanism;
use crate::event::{EventStamp, Payload, TrackedEvent};
use crate::model::SessionModel;
use crate::screen::ScreenState;

/// What one tracked event became: at most a `screen_end` and the event itself, in the order
/// they are sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    /// The `screen_end` sent before a screen view (boxed: only a screen view has one, and
    /// every plain event's `Tracked` would otherwise carry room for two events).
    pub screen_end: Option<Box<TrackedEvent>>,
    /// The event, unless it was folded into the screen summary.
    pub event: Option<TrackedEvent>,
}

impl Tracked {
    /// The events to send, in order.
    pub fn iter(&self) -> impl Iterator<Item = &TrackedEvent> {
        self.screen_end
            .as_deref()
            .into_iter()
            .chain(self.event.as_ref())
    }
}

impl IntoIterator for Tracked {
    type Item = TrackedEvent;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<TrackedEvent>, std::option::IntoIter<TrackedEvent>>;

    fn into_iter(self) -> Self::IntoIter {
        self.screen_end
            .map(|end| *end)
            .into_iter()
            .chain(self.event)
    }
}

/// A session rule set `M` with the screen machine. Everything but tracking and the app's
/// lifecycle is the session rules' alone ([`session`](Self::session),
/// [`session_mut`](Self::session_mut)): new sessions, pause, anonymisation and forgetting
/// the user leave the screen as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerState<M> {
    session: M,
    screens: ScreenState,
}

impl<M: SessionModel> TrackerState<M> {
    /// Starts a tracker with no current screen (screens live in memory only).
    pub fn start(
        config: Config,
        storage_mechanism: StorageMechanism,
        opened: M::Opened,
        now_ms: i64,
        new_id: impl FnMut() -> Uuid,
    ) -> Self {
        Self::new(
            M::start(config, storage_mechanism, opened, now_ms, new_id),
            config,
        )
    }

    /// `session` with no current screen.
    pub fn new(session: M, config: Config) -> Self {
        Self {
            session,
            screens: ScreenState::new(config.screens()),
        }
    }

    /// Tracks one event at `now_ms` (the clock that judges sessions and times screens).
    /// `new_id` makes the ids the rules need: a session's, a screen's the app did not give,
    /// a `screen_end`'s event id.
    pub fn track(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        payload: Payload,
        mut new_id: impl FnMut() -> Uuid,
    ) -> Tracked {
        let in_background = self.session.background_stay().is_some();
        match payload {
            Payload::ScreenView(mut view) => {
                let ending = self
                    .screens
                    .view(&mut view, in_background, now_ms, &mut new_id);
                let screen_end = ending.map(|ending| {
                    // Sent just before the screen view, with its timestamp (A5.3).
                    let end_stamp = EventStamp {
                        id: new_id(),
                        dtm_ms: stamp.dtm_ms,
                    };
                    let mut event =
                        self.session
                            .track(now_ms, end_stamp, Payload::ScreenEnd, &mut new_id);
                    event.screen = ending.screen;
                    event.screen_summary = Some(ending.summary);
                    Box::new(event)
                });
                let event = self.judge(now_ms, stamp, Payload::ScreenView(view), new_id);
                Tracked {
                    screen_end,
                    event: Some(event),
                }
            }
            Payload::ListItemView(item) if !self.screens.list_item(item) => Tracked {
                screen_end: None,
                event: None,
            },
            Payload::ScrollChanged(scroll) if !self.screens.scroll(scroll) => Tracked {
                screen_end: None,
                event: None,
            },
            payload => Tracked {
                screen_end: None,
                event: Some(self.judge(now_ms, stamp, payload, new_id)),
            },
        }
    }

    /// The app moved to the background (`true`) or the foreground. A real change brings the
    /// screen summary up to date first, the time going to the state the app was in, whether
    /// or not a lifecycle event is sent; a sent one carries the summary.
    pub fn set_background(
        &mut self,
        in_background: bool,
        now_ms: i64,
        stamp: EventStamp,
        new_id: impl FnMut() -> Uuid,
    ) -> Option<TrackedEvent> {
        let was_in_background = self.session.background_stay().is_some();
        let event = self
            .session
            .set_background(in_background, now_ms, stamp, new_id);
        // Only the session rules know whether this was a change (the web has no background).
        if self.session.background_stay().is_some() != was_in_background {
            self.screens.app_state_changed(was_in_background, now_ms);
        }
        event.map(|mut event| {
            event.screen = self.screens.entity();
            event.screen_summary = self.screens.summary();
            event
        })
    }

    /// The session rules.
    pub fn session(&self) -> &M {
        &self.session
    }

    /// The session rules, for what does not touch screens.
    pub fn session_mut(&mut self) -> &mut M {
        &mut self.session
    }

    /// The screen machine.
    pub fn screens(&self) -> &ScreenState {
        &self.screens
    }

    /// An event the screen machine lets through, judged by the session rules, with the
    /// current screen (a screen view's own, already made current).
    fn judge(
        &mut self,
        now_ms: i64,
        stamp: EventStamp,
        payload: Payload,
        new_id: impl FnMut() -> Uuid,
    ) -> TrackedEvent {
        let mut event = self.session.track(now_ms, stamp, payload, new_id);
        event.screen = self.screens.entity();
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Timeout;
    use crate::screen::{ListItemView, ScreenView};
    use crate::state::{Opened, PreviousRun, SessionState};
    use crate::user_id::UserId;
    use crate::web_state::WebState;

    const T0: i64 = 1_700_000_000_000;

    struct Rig {
        state: TrackerState<SessionState>,
        next: u128,
    }

    impl Rig {
        fn new(config: Config) -> Self {
            let opened = Opened {
                user_id: UserId::from_uuid(Uuid::from_u128(u128::MAX)),
                state: None,
                previous_run: PreviousRun::Clean,
            };
            let mut next = 1_000;
            let state =
                TrackerState::start(config, StorageMechanism::LocalStorage, opened, T0, || {
                    next += 1;
                    Uuid::from_u128(next)
                });
            Self { state, next: 1 }
        }

        fn id(&mut self) -> Uuid {
            self.next += 1;
            Uuid::from_u128(self.next)
        }

        fn track(&mut self, at: i64, payload: Payload) -> Tracked {
            let stamp = EventStamp {
                id: self.id(),
                dtm_ms: T0 + at,
            };
            let mut ids = self.next * 100;
            let tracked = self.state.track(T0 + at, stamp, payload, || {
                ids += 1;
                Uuid::from_u128(ids)
            });
            self.next += 1;
            tracked
        }

        fn screen(&mut self, at: i64, name: &str) -> Tracked {
            self.track(at, Payload::screen_view(name).unwrap())
        }

        fn set_background(&mut self, in_background: bool, at: i64) -> Option<TrackedEvent> {
            let stamp = EventStamp {
                id: self.id(),
                dtm_ms: T0 + at,
            };
            self.state
                .set_background(in_background, T0 + at, stamp, || Uuid::from_u128(7))
        }
    }

    fn index(event: &TrackedEvent) -> Option<u32> {
        event.client_session.event_index
    }

    #[test]
    fn a_screen_end_goes_first_with_the_screen_views_timestamp_and_is_counted() {
        let mut rig = Rig::new(Config::default());
        let first = rig.screen(0, "a");
        assert!(first.screen_end.is_none());
        let a = first.event.unwrap();
        let a_screen = a.screen.clone().unwrap();
        let second = rig.screen(4_000, "b");
        let end = second.screen_end.as_ref().unwrap();
        let b = second.event.as_ref().unwrap();
        assert_eq!(end.payload, Payload::ScreenEnd);
        assert_eq!(end.stamp.dtm_ms, b.stamp.dtm_ms);
        assert_ne!(end.stamp.id, b.stamp.id);
        assert_eq!(end.screen.as_ref(), Some(&a_screen));
        assert_eq!(end.screen_summary.unwrap().foreground_ms(), 4_000);
        assert_eq!((index(end), index(b)), (Some(2), Some(3)));
        assert_ne!(b.screen.as_ref().unwrap().id, a_screen.id);
        assert_eq!(b.screen_summary, None);
        let names: Vec<_> = second.iter().map(|e| e.payload.name()).collect();
        assert_eq!(names, ["screen_end", "screen_view"]);
    }

    #[test]
    fn after_a_long_idle_the_screen_end_starts_the_new_session() {
        let mut rig = Rig::new(Config {
            foreground_timeout: Timeout::from_secs(60),
            ..Config::default()
        });
        let a = rig.screen(0, "a").event.unwrap();
        let second = rig.screen(61_000, "b");
        let end = second.screen_end.unwrap();
        let b = second.event.unwrap();
        assert!(end.starts_session);
        assert!(!b.starts_session);
        assert_eq!(end.client_session.session_index, 2);
        assert_eq!(end.client_session.first_event_id, Some(end.stamp.id));
        assert_eq!(b.client_session.session_id, end.client_session.session_id);
        assert_eq!(
            end.client_session.previous_session_id,
            Some(a.client_session.session_id)
        );
        assert_eq!(end.screen_summary.unwrap().foreground_ms(), 61_000);
    }

    #[test]
    fn a_folded_list_item_is_never_judged_nor_counted() {
        let mut rig = Rig::new(Config {
            foreground_timeout: Timeout::from_secs(60),
            ..Config::default()
        });
        // Before any event, not even the first session starts for it.
        let early = rig.track(
            0,
            Payload::ListItemView(ListItemView::new(1, None).unwrap()),
        );
        assert_eq!(early.iter().count(), 0);
        assert!(rig.state.session().snapshot().session.is_none());
        rig.screen(10, "a");
        let item = rig.track(
            100_000,
            Payload::ListItemView(ListItemView::new(4, Some(9)).unwrap()),
        );
        assert_eq!(item.iter().count(), 0);
        // Not judged: the idle list item did not rotate the session or move lastUpdate.
        let next = rig
            .track(100_001, Payload::structured("c", "a"))
            .event
            .unwrap();
        assert_eq!(next.client_session.session_index, 2);
        let end = rig.screen(100_002, "b").screen_end.unwrap();
        assert_eq!(end.screen_summary.unwrap().last_item_index(), Some(4));
    }

    #[test]
    fn with_engagement_off_list_items_are_events_with_the_screen() {
        let mut rig = Rig::new(Config {
            screen_engagement: false,
            ..Config::default()
        });
        rig.screen(0, "a");
        let item = rig
            .track(
                5,
                Payload::ListItemView(ListItemView::new(4, None).unwrap()),
            )
            .event
            .unwrap();
        assert_eq!(index(&item), Some(2));
        assert_eq!(&*item.screen.unwrap().name, "a");
        assert!(item.screen_summary.is_none());
        assert!(rig.screen(10, "b").screen_end.is_none());
    }

    #[test]
    fn lifecycle_events_carry_the_summary_and_each_interval_goes_to_the_state_it_was_in() {
        let mut rig = Rig::new(Config::default());
        rig.screen(0, "a");
        let background = rig.set_background(true, 3_000).unwrap();
        let summary = background.screen_summary.unwrap();
        assert_eq!(
            (summary.foreground_ms(), summary.background_ms()),
            (3_000, 0)
        );
        assert_eq!(&*background.screen.unwrap().name, "a");
        let foreground = rig.set_background(false, 10_000).unwrap();
        let summary = foreground.screen_summary.unwrap();
        assert_eq!(
            (summary.foreground_ms(), summary.background_ms()),
            (3_000, 7_000)
        );
        // Other events carry the screen but no summary.
        let other = rig
            .track(11_000, Payload::structured("c", "a"))
            .event
            .unwrap();
        assert!(other.screen.is_some() && other.screen_summary.is_none());
        let end = rig.screen(12_500, "b").screen_end.unwrap();
        let summary = end.screen_summary.unwrap();
        assert_eq!(
            (summary.foreground_ms(), summary.background_ms()),
            (5_500, 7_000)
        );
    }

    #[test]
    fn without_lifecycle_events_a_flip_still_splits_the_time() {
        let mut rig = Rig::new(Config {
            lifecycle_events: false,
            ..Config::default()
        });
        rig.screen(0, "a");
        assert!(rig.set_background(true, 2_000).is_none());
        // A repeated background is no flip: nothing moves.
        assert!(rig.set_background(true, 3_000).is_none());
        assert!(rig.set_background(false, 5_000).is_none());
        let end = rig.screen(6_000, "b").screen_end.unwrap();
        let summary = end.screen_summary.unwrap();
        assert_eq!(
            (summary.foreground_ms(), summary.background_ms()),
            (3_000, 3_000)
        );
    }

    #[test]
    fn a_new_session_keeps_the_screen() {
        let mut rig = Rig::new(Config::default());
        let a = rig.screen(0, "a").event.unwrap();
        rig.state.session_mut().request_new_session();
        let next = rig.track(1, Payload::structured("c", "a")).event.unwrap();
        assert!(next.starts_session);
        assert_eq!(next.screen, a.screen);
    }

    #[test]
    fn the_web_keeps_screens_in_the_foreground() {
        let mut next = 0;
        let mut state: TrackerState<WebState> = TrackerState::start(
            Config::default(),
            StorageMechanism::Cookie1,
            crate::web::WebCookies::default(),
            T0,
            || {
                next += 1;
                Uuid::from_u128(next)
            },
        );
        let stamp = |n: u128, at: i64| EventStamp {
            id: Uuid::from_u128(1_000 + n),
            dtm_ms: T0 + at,
        };
        state.track(
            T0,
            stamp(1, 0),
            Payload::screen_view("a").unwrap(),
            Uuid::new_v4,
        );
        assert!(state
            .set_background(true, T0 + 500, stamp(2, 500), Uuid::new_v4)
            .is_none());
        let tracked = state.track(
            T0 + 2_000,
            stamp(3, 2_000),
            Payload::ScreenView(ScreenView::new("b").unwrap()),
            Uuid::new_v4,
        );
        let summary = tracked.screen_end.unwrap().screen_summary.unwrap();
        assert_eq!(
            (summary.foreground_ms(), summary.background_ms()),
            (2_000, 0)
        );
    }
}
