//! The handle apps hold: cloneable, cheap, usable from any task.

use std::sync::{Arc, OnceLock};

use client_session_core::{
    ClientSession, EventStamp, ListItemView, Payload, ScreenView, ScrollChanged, Snapshot, Tracked,
    TrackedEvent,
};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::actor::Message;
use crate::{Clock, Error};

/// An event to track: its payload and, optionally, the id and timestamp the app chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// What the event says.
    pub payload: Payload,
    /// The event id; a fresh UUID v4 when `None`.
    pub id: Option<Uuid>,
    /// The device timestamp (`dtm`) in Unix ms; the clock at tracking time when `None`.
    pub timestamp_ms: Option<i64>,
}

impl Event {
    /// An event with a generated id and timestamp.
    #[must_use]
    pub fn new(payload: Payload) -> Self {
        Self {
            payload,
            id: None,
            timestamp_ms: None,
        }
    }

    /// Sets the event id.
    #[must_use]
    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the event id from text: a UUID in any case (it is written in lower case).
    ///
    /// # Errors
    /// [`Error::InvalidEventId`] for anything that is not a UUID.
    ///
    /// ```
    /// # use client_session_actor::{Event, Payload};
    /// let e = Event::new(Payload::structured("c", "a")).with_id_str("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap();
    /// assert_eq!(e.id.unwrap().to_string(), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
    /// assert!(Event::new(Payload::structured("c", "a")).with_id_str("nope").is_err());
    /// ```
    pub fn with_id_str(self, id: &str) -> Result<Self, Error> {
        // Only the hyphenated form: the entity's schema requires it, so accept nothing looser.
        let parsed = (id.len() == 36)
            .then(|| Uuid::parse_str(id).ok())
            .flatten()
            .ok_or_else(|| Error::InvalidEventId(id.to_owned()))?;
        Ok(self.with_id(parsed))
    }

    /// Sets the device timestamp (Unix ms).
    #[must_use]
    pub fn with_timestamp_ms(mut self, ms: i64) -> Self {
        self.timestamp_ms = Some(ms);
        self
    }
}

/// A cloneable handle on a running [`SessionActor`](crate::SessionActor). Every method returns
/// [`Error::ShutDown`] promptly once the actor is gone.
#[derive(Clone)]
pub struct SessionHandle {
    pub(crate) tx: mpsc::UnboundedSender<Message>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sessions: watch::Receiver<Option<ClientSession>>,
    /// Set when the store could not be opened: the error every call then returns.
    pub(crate) failure: Arc<OnceLock<Error>>,
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionHandle")
            .field("closed", &self.tx.is_closed())
            .finish_non_exhaustive()
    }
}

impl SessionHandle {
    /// Tracks an event: stamps it (id and `dtm`) now, on the caller's side, then waits for the
    /// actor to decide its session. Returns what was sent, with the entities: the event, and
    /// before a screen view the `screen_end` of the screen it replaces; nothing for a list or
    /// scroll event that screen engagement folded into the summary.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn track(&self, event: Event) -> Result<Tracked, Error> {
        let stamp = self.stamp(&event);
        self.request(|reply| Message::Track {
            stamp,
            payload: event.payload,
            reply: Some(reply),
        })
        .await
    }

    /// Tracks an event without waiting: stamps it on the caller's thread, queues it and
    /// returns its stamp at once. Never blocks, so it suits callers outside the async runtime
    /// (a UI thread behind JNI, the C ABI or JavaScript). The event, with its entities, reaches
    /// the app through the actor's [`EventSink`](crate::EventSink), in tracking order.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn track_nowait(&self, event: Event) -> Result<EventStamp, Error> {
        let stamp = self.stamp(&event);
        self.send(Message::Track {
            stamp,
            payload: event.payload,
            reply: None,
        })?;
        Ok(stamp)
    }

    /// Tracks a screen view (spec A5): [`track`](Self::track) of [`Payload::ScreenView`].
    ///
    /// ```
    /// # async fn demo(handle: client_session_actor::SessionHandle) -> Result<(), Box<dyn std::error::Error>> {
    /// use client_session_actor::ScreenView;
    /// let sent = handle.screen_view(ScreenView::new("checkout")?.with_type("form")).await?;
    /// let view = sent.event.expect("a screen view is always sent");
    /// assert_eq!(&*view.screen.unwrap().name, "checkout");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn screen_view(&self, view: ScreenView) -> Result<Tracked, Error> {
        self.track(Event::new(Payload::ScreenView(view))).await
    }

    /// [`screen_view`](Self::screen_view) without waiting, as [`track_nowait`](Self::track_nowait).
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn screen_view_nowait(&self, view: ScreenView) -> Result<EventStamp, Error> {
        self.track_nowait(Event::new(Payload::ScreenView(view)))
    }

    /// A list item was shown: with screen engagement on it updates the screen summary and is
    /// not sent; with it off it is a `list_item_view` event.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn list_item_view(&self, item: ListItemView) -> Result<Tracked, Error> {
        self.track(Event::new(Payload::ListItemView(item))).await
    }

    /// [`list_item_view`](Self::list_item_view) without waiting.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn list_item_view_nowait(&self, item: ListItemView) -> Result<EventStamp, Error> {
        self.track_nowait(Event::new(Payload::ListItemView(item)))
    }

    /// A scroll view scrolled: with screen engagement on it updates the screen summary and is
    /// not sent; with it off it is a `scroll_changed` event.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn scroll_changed(&self, scroll: ScrollChanged) -> Result<Tracked, Error> {
        self.track(Event::new(Payload::ScrollChanged(scroll))).await
    }

    /// [`scroll_changed`](Self::scroll_changed) without waiting.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn scroll_changed_nowait(&self, scroll: ScrollChanged) -> Result<EventStamp, Error> {
        self.track_nowait(Event::new(Payload::ScrollChanged(scroll)))
    }

    /// The app came to the foreground (window focus, `ON_START`). Returns the
    /// `application_foreground` event when one was emitted.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn foreground(&self) -> Result<Option<TrackedEvent>, Error> {
        self.set_background(false).await
    }

    /// The app went to the background (minimised, `ON_STOP`). Returns the
    /// `application_background` event when one was emitted. On mobile it returns once the
    /// state is durable with the shutdown marked clean (spec B2), so a process killed in the
    /// background can continue its session.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn background(&self) -> Result<Option<TrackedEvent>, Error> {
        self.set_background(true).await
    }

    /// [`foreground`](Self::foreground) without waiting, for a platform's lifecycle callback
    /// that must not block; the event goes to the sink.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn foreground_nowait(&self) -> Result<(), Error> {
        self.send(Message::SetBackground {
            in_background: false,
            reply: None,
        })
    }

    /// [`background`](Self::background) without waiting; the event goes to the sink.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn background_nowait(&self) -> Result<(), Error> {
        self.send(Message::SetBackground {
            in_background: true,
            reply: None,
        })
    }

    async fn set_background(&self, in_background: bool) -> Result<Option<TrackedEvent>, Error> {
        self.request(|reply| Message::SetBackground {
            in_background,
            reply: Some(reply),
        })
        .await
    }

    fn stamp(&self, event: &Event) -> EventStamp {
        EventStamp {
            id: event.id.unwrap_or_else(Uuid::new_v4),
            dtm_ms: event.timestamp_ms.unwrap_or_else(|| self.clock.now_ms()),
        }
    }

    /// Asks for a new session. On mobile it starts at the next event, and
    /// [`snapshot`](Self::snapshot) shows it as pending until then (A2.7); on the web it starts
    /// at once and its cookies are written before this returns (A3.8).
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn new_session(&self) -> Result<(), Error> {
        self.request(|reply| Message::NewSession { reply: Some(reply) })
            .await
    }

    /// [`new_session`](Self::new_session) without waiting, in order with every other call.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn new_session_nowait(&self) -> Result<(), Error> {
        self.send(Message::NewSession { reply: None })
    }

    /// Suspends the timeout checks until [`resume`](Self::resume).
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn pause(&self) -> Result<(), Error> {
        self.request(|reply| Message::Pause { reply: Some(reply) })
            .await
    }

    /// [`pause`](Self::pause) without waiting, in order with every other call.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn pause_nowait(&self) -> Result<(), Error> {
        self.send(Message::Pause { reply: None })
    }

    /// Resumes the timeout checks.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn resume(&self) -> Result<(), Error> {
        self.request(|reply| Message::Resume { reply: Some(reply) })
            .await
    }

    /// [`resume`](Self::resume) without waiting, in order with every other call.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn resume_nowait(&self) -> Result<(), Error> {
        self.send(Message::Resume { reply: None })
    }

    /// Turns user anonymisation on or off. On mobile a change starts a new session at the next
    /// event; on the web it follows the JavaScript tracker (switching it off re-runs the page
    /// load's cookie step, switching it on changes what the next write leaves out).
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn set_anonymous(&self, anonymous: bool) -> Result<(), Error> {
        self.request(|reply| Message::SetAnonymous {
            anonymous,
            reply: Some(reply),
        })
        .await
    }

    /// [`set_anonymous`](Self::set_anonymous) without waiting, in order with every other call.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn set_anonymous_nowait(&self, anonymous: bool) -> Result<(), Error> {
        self.send(Message::SetAnonymous {
            anonymous,
            reply: None,
        })
    }

    /// Forgets the user, as the JavaScript tracker's `clearUserData()` does (spec B mobile):
    /// the stored user id, every namespace's stored session and checkpoint, and every copy the
    /// store kept aside after damage are deleted from disk, and a new user id is made. The next
    /// event starts session 1 of the new user, with no previous session. Pending requests,
    /// pause, anonymisation and the lifecycle state are kept. Everything called before it
    /// belongs to the old user and is delivered first; it returns once the forgetting is
    /// durable. Trackers of other namespaces on the same storage adopt the new user at their
    /// next call. On the web it does nothing for now.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone; [`Error::Store`] when the store could not
    /// begin (nothing was deleted, and the user is kept).
    pub async fn clear_user_data(&self) -> Result<(), Error> {
        self.request(|reply| Message::ClearUserData { reply: Some(reply) })
            .await?
    }

    /// [`clear_user_data`](Self::clear_user_data) without waiting, in order with every other
    /// call; a failure is logged.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub fn clear_user_data_nowait(&self) -> Result<(), Error> {
        self.send(Message::ClearUserData { reply: None })
    }

    /// Waits until every call made before it (by any clone, in the order the calls were made)
    /// is processed, persisted as its batch requires, and its events delivered to the sink.
    /// Not for a UI thread: it waits on storage. Before the store is open it waits for that too.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone; [`Error::Store`] when the store could not
    /// be opened.
    pub async fn flush(&self) -> Result<(), Error> {
        self.request(|reply| Message::Flush { reply: Some(reply) })
            .await
    }

    /// Asks for a clean shutdown without waiting: everything sent before it is processed,
    /// persisted and delivered, then the store is closed and the actor ends. Calls after it
    /// fail with [`Error::ShutDown`]. A failure of the final write is logged.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor was already gone.
    pub fn shutdown_nowait(&self) -> Result<(), Error> {
        let (reply, _ignored) = oneshot::channel();
        self.send(Message::Shutdown { reply })
    }

    /// The tracker's current state, masked under anonymisation.
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor is gone.
    pub async fn snapshot(&self) -> Result<Snapshot, Error> {
        self.request(|reply| Message::Snapshot { reply }).await
    }

    /// Subscribes to new sessions. Latest-value semantics: a slow subscriber may skip to the
    /// newest session but is never cut off.
    #[must_use]
    pub fn subscribe(&self) -> SessionSubscription {
        let mut receiver = self.sessions.clone();
        receiver.borrow_and_update();
        SessionSubscription { receiver }
    }

    /// Processes everything queued before it, persists, marks the shutdown clean and stops the
    /// actor. Every call after it (on any clone) fails with [`Error::ShutDown`].
    ///
    /// # Errors
    /// [`Error::ShutDown`] when the actor was already gone; [`Error::Store`] when the final
    /// write failed (the state of the last batch may then be lost, and the next start treats
    /// the shutdown as unclean).
    pub async fn shutdown(&self) -> Result<(), Error> {
        self.request(|reply| Message::Shutdown { reply }).await?
    }

    async fn request<T>(
        &self,
        message: impl FnOnce(oneshot::Sender<T>) -> Message,
    ) -> Result<T, Error> {
        let (reply, response) = oneshot::channel();
        self.send(message(reply))?;
        response.await.map_err(|_| self.gone())
    }

    fn send(&self, message: Message) -> Result<(), Error> {
        self.tx.send(message).map_err(|_| self.gone())
    }

    /// Why nobody answers: the store could not be opened, or the actor has shut down.
    fn gone(&self) -> Error {
        self.failure.get().cloned().unwrap_or(Error::ShutDown)
    }
}

/// New sessions as they start (spec A2.13), from [`SessionHandle::subscribe`].
#[derive(Debug, Clone)]
pub struct SessionSubscription {
    receiver: watch::Receiver<Option<ClientSession>>,
}

impl SessionSubscription {
    /// Waits for the next new session and returns its entity (masked under anonymisation);
    /// `None` once the actor has ended.
    pub async fn next(&mut self) -> Option<ClientSession> {
        self.receiver.changed().await.ok()?;
        self.receiver.borrow_and_update().clone()
    }

    /// The entity of the newest session seen so far, without waiting; `None` before the first,
    /// and again once the tracker no longer has it (after `clear_user_data`, until the new
    /// user's first session).
    #[must_use]
    pub fn latest(&self) -> Option<ClientSession> {
        self.receiver.borrow().clone()
    }
}
