//! The actor task: owns the state machine and the store, processes messages in batches.

use std::sync::{Arc, OnceLock};

use client_session_core::{
    ClientSession, Config, Durability, EventStamp, Payload, SessionModel, Snapshot, Tracked,
    TrackedEvent, TrackerState, MAX_INDEX,
};
use client_session_store::{CurrentOf, Loaded, SessionStore, StoredBy};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::handle::SessionHandle;
use crate::sink::EventSink;
use crate::{Clock, Error};

/// What handles ask of the actor. Every request carries its reply channel.
pub(crate) enum Message {
    /// `reply` is `None` for the non-blocking calls: the event then reaches the app through
    /// the sink only.
    Track {
        stamp: EventStamp,
        payload: Payload,
        reply: Option<oneshot::Sender<Tracked>>,
    },
    SetBackground {
        in_background: bool,
        reply: Option<oneshot::Sender<Option<TrackedEvent>>>,
    },
    NewSession {
        reply: DoneReply,
    },
    Pause {
        reply: DoneReply,
    },
    Resume {
        reply: DoneReply,
    },
    SetAnonymous {
        anonymous: bool,
        reply: DoneReply,
    },
    /// Forget the user (spec B mobile): a batch boundary, since the store's work is I/O.
    ClearUserData {
        reply: ClearReply,
    },
    /// Answered once everything queued before it is processed and its events delivered.
    Flush {
        reply: DoneReply,
    },
    Snapshot {
        reply: oneshot::Sender<Snapshot>,
    },
    Shutdown {
        reply: ShutdownReply,
    },
}

type ShutdownReply = oneshot::Sender<Result<(), Error>>;

/// `None` for the never-blocking forms: nobody waits for the answer.
type DoneReply = Option<oneshot::Sender<()>>;

/// `None` for the never-blocking form, whose failure is only logged.
type ClearReply = Option<oneshot::Sender<Result<(), Error>>>;

/// An outcome held back until the batch that produced it is persisted: then tracked events go
/// to the sink, in order, and replies to their callers.
enum Reply {
    Tracked(Option<oneshot::Sender<Tracked>>, Tracked),
    Lifecycle(
        Option<oneshot::Sender<Option<TrackedEvent>>>,
        Option<TrackedEvent>,
    ),
    Done(DoneReply),
    Cleared(ClearReply, Result<(), Error>),
    Snapshot(oneshot::Sender<Snapshot>, Snapshot),
}

impl Reply {
    fn send(self, sink: &mut Option<Box<dyn EventSink>>) {
        let mut deliver = |event: &TrackedEvent| {
            if let Some(sink) = sink.as_mut() {
                sink.deliver(event);
            }
        };
        // The caller may have stopped waiting; its event is tracked all the same.
        let _ = match self {
            Self::Tracked(tx, tracked) => {
                tracked.iter().for_each(&mut deliver);
                tx.map_or(Ok(()), |tx| tx.send(tracked).map_err(drop))
            }
            Self::Lifecycle(tx, event) => {
                event.iter().for_each(&mut deliver);
                tx.map_or(Ok(()), |tx| tx.send(event).map_err(drop))
            }
            Self::Done(tx) => tx.map_or(Ok(()), |tx| tx.send(()).map_err(drop)),
            Self::Cleared(tx, result) => tx.map_or(Ok(()), |tx| tx.send(result).map_err(drop)),
            Self::Snapshot(tx, snapshot) => tx.send(snapshot).map_err(drop),
        };
    }
}

/// What handles sent before their actor exists: from [`SessionActor::mailbox`], given to
/// [`SessionActor::open`].
pub struct Mailbox {
    inbox: mpsc::UnboundedReceiver<Message>,
    sessions: watch::Sender<Option<ClientSession>>,
    clock: Arc<dyn Clock>,
    failure: Arc<OnceLock<Error>>,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("queued", &self.inbox.len())
            .finish_non_exhaustive()
    }
}

impl Mailbox {
    /// No actor will ever serve these handles (their store could not be opened): every call
    /// on them fails with `error` from now on. Returns `error`, for the caller to report too.
    pub fn fail(mut self, error: Error) -> Error {
        // Only the first failure is kept; a mailbox fails once.
        let _ = self.failure.set(error.clone());
        self.inbox.close();
        let mut dropped = 0_usize;
        while self.inbox.try_recv().is_ok() {
            dropped += 1;
        }
        tracing::error!(error = %error, dropped, "the session store could not be opened; the tracker stops and the calls queued meanwhile are dropped");
        error
    }
}

/// The task that owns a tracker's session state and store. Start it with
/// [`SessionActor::start`], then spawn [`SessionActor::run`] on the platform's executor.
///
/// It runs the rule set its store keeps (`S::Model`): the mobile rules on memory and sled, the
/// web rules on cookies.
pub struct SessionActor<S: SessionStore> {
    /// The store's session rule set with the screen machine.
    state: TrackerState<S::Model>,
    store: S,
    clock: Arc<dyn Clock>,
    inbox: mpsc::UnboundedReceiver<Message>,
    sessions: watch::Sender<Option<ClientSession>>,
    /// What the store holds, so unchanged batches cost no write.
    saved: Option<StoredBy<S>>,
    /// Where every emitted event goes, in order, once persisted.
    sink: Option<Box<dyn EventSink>>,
    /// The last save failed (logged once until one succeeds).
    save_failing: bool,
    /// The last read before a batch failed (logged once until one succeeds).
    load_failing: bool,
    /// The stay in the background the app was in after the last batch
    /// ([`SessionModel::background_stay`]; `None` in the foreground), so a new one is noticed.
    background_stay: Option<u32>,
    /// The store holds a clean marker set by a suspension (or may, if it failed): the next
    /// write must clear it, durably, before anything of its batch leaves.
    suspended: bool,
}

impl<S: SessionStore> SessionActor<S> {
    /// Opens `store`, starts the session state on what it holds (spec B2; on the web the page
    /// load of A3.5, whose cookies are written here, before any event) and returns a handle
    /// and the actor: [`mailbox`](Self::mailbox) and [`open`](Self::open) in one step, for a
    /// caller that may wait for the store.
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot be opened (for instance, locked by another process).
    pub async fn start(
        config: Config,
        store: S,
        clock: Arc<dyn Clock>,
    ) -> Result<(SessionHandle, Self), Error> {
        let (handle, mailbox) = Self::mailbox(clock);
        Ok((handle, Self::open(config, store, mailbox).await?))
    }

    /// A handle usable at once, before any store is open, and the [`Mailbox`] that keeps what
    /// it sends, in order, until [`open`](Self::open) gives it to an actor. A UI thread gets
    /// its handle without waiting for storage (opening sled can wait seconds on a stale lock).
    #[must_use]
    pub fn mailbox(clock: Arc<dyn Clock>) -> (SessionHandle, Mailbox) {
        let (tx, inbox) = mpsc::unbounded_channel();
        let (sessions, session_rx) = watch::channel(None);
        let failure = Arc::new(OnceLock::new());
        let handle = SessionHandle {
            tx,
            clock: Arc::clone(&clock),
            sessions: session_rx,
            failure: Arc::clone(&failure),
        };
        let mailbox = Mailbox {
            inbox,
            sessions,
            clock,
            failure,
        };
        (handle, mailbox)
    }

    /// Opens `store` for the handles of `mailbox` and starts the session state on what it
    /// holds. Messages sent meanwhile wait in the mailbox and are processed in order by
    /// [`run`](Self::run).
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot be opened. Every handle then fails with that
    /// error from now on, and what they sent is dropped unprocessed (logged).
    pub async fn open(config: Config, mut store: S, mailbox: Mailbox) -> Result<Self, Error> {
        let now_ms = mailbox.clock.now_ms();
        let opened = match store.open(now_ms).await {
            Ok(opened) => opened,
            Err(e) => return Err(mailbox.fail(e.into())),
        };
        let Mailbox {
            inbox,
            sessions,
            clock,
            failure: _,
        } = mailbox;
        let state = TrackerState::<S::Model>::start(
            config,
            store.storage_mechanism(),
            opened,
            now_ms,
            Uuid::new_v4,
        );
        // The session the tracker starts with is no news: subscribers hear of sessions that
        // start later (as when the handle is made after the store is open).
        let initial = state.session().snapshot().session;
        sessions.send_if_modified(|session| {
            *session = initial;
            false
        });
        let mut actor = Self {
            // A start that must write at once counts as unsaved; any other is what the store
            // holds until the first change.
            saved: if state.session().writes_at_start() {
                None
            } else {
                state.session().stored()
            },
            background_stay: state.session().background_stay(),
            state,
            store,
            clock,
            inbox,
            sessions,
            sink: None,
            save_failing: false,
            load_failing: false,
            suspended: false,
        };
        actor.persist(&mut Vec::new()).await;
        Ok(actor)
    }

    /// Sends every event this tracker emits (tracked by any handle, awaited or not, and the
    /// lifecycle events) to `sink`, in processing order, once its batch is persisted. This is
    /// how events tracked with [`SessionHandle::track_nowait`] reach the app.
    #[must_use]
    pub fn with_sink(mut self, sink: impl EventSink) -> Self {
        self.sink = Some(Box::new(sink));
        self
    }

    /// Runs until [`SessionHandle::shutdown`] or until the last handle is dropped; both end
    /// with a clean close of the store. Dropping this future instead (a runtime shutting down)
    /// is an unclean shutdown.
    pub async fn run(mut self) {
        let mut replies = Vec::new();
        let mut shutdowns = Vec::new();
        while let Some(first) = self.inbox.recv().await {
            // Callers woken by the last batch's replies are ready to send again; yielding once
            // lets them, so batches (and store writes) hold several events instead of one.
            if self.inbox.is_empty() {
                yield_once().await;
            }
            // What is queued now joins this batch: one store write for all of it. Only that: a
            // steady stream arriving meanwhile must not hold back this batch's replies.
            let queued = self.inbox.len();
            self.reload().await;
            self.handle(first, &mut replies, &mut shutdowns).await;
            for _ in 0..queued {
                match self.inbox.try_recv() {
                    Ok(message) => self.handle(message, &mut replies, &mut shutdowns).await,
                    Err(_) => break,
                }
            }
            if shutdowns.is_empty() {
                self.persist(&mut replies).await;
                continue;
            }
            // Refuse new messages, but finish those already sent: their callers saw `send` succeed.
            self.inbox.close();
            while let Ok(message) = self.inbox.try_recv() {
                self.handle(message, &mut replies, &mut shutdowns).await;
            }
            self.persist(&mut replies).await;
            let result = self.close().await.map_err(Error::from);
            for reply in shutdowns {
                // The caller may have stopped waiting; the shutdown happened all the same.
                let _ = reply.send(result.clone());
            }
            return;
        }
        // Every handle is gone: nobody can be told about a failure, so it is only logged.
        let _ = self.close().await;
    }

    /// Applies one message; its reply waits in `replies` (or `shutdowns`) until the batch is
    /// persisted. Only `clear_user_data` awaits the store here, and it ends the batch so far.
    async fn handle(
        &mut self,
        message: Message,
        replies: &mut Vec<Reply>,
        shutdowns: &mut Vec<ShutdownReply>,
    ) {
        match message {
            Message::Track {
                stamp,
                payload,
                reply,
            } => {
                let now = self.clock.now_ms();
                let tracked = self.state.track(now, stamp, payload, Uuid::new_v4);
                tracked.iter().for_each(|e| self.announce_event(e));
                replies.push(Reply::Tracked(reply, tracked));
            }
            Message::SetBackground {
                in_background,
                reply,
            } => {
                let now = self.clock.now_ms();
                // Lifecycle events are stamped by the actor, when it processes the transition.
                let stamp = EventStamp {
                    id: Uuid::new_v4(),
                    dtm_ms: now,
                };
                let event = self
                    .state
                    .set_background(in_background, now, stamp, Uuid::new_v4);
                event.iter().for_each(|e| self.announce_event(e));
                replies.push(Reply::Lifecycle(reply, event));
            }
            Message::NewSession { reply } => {
                let now = self.clock.now_ms();
                if let Some(started) = self.state.session_mut().new_session(now, Uuid::new_v4) {
                    self.announce(&started);
                }
                replies.push(Reply::Done(reply));
            }
            Message::Pause { reply } => {
                self.state.session_mut().pause();
                replies.push(Reply::Done(reply));
            }
            Message::Resume { reply } => {
                self.state.session_mut().resume();
                replies.push(Reply::Done(reply));
            }
            Message::SetAnonymous { anonymous, reply } => {
                let now = self.clock.now_ms();
                if let Some(started) =
                    self.state
                        .session_mut()
                        .set_anonymous(anonymous, now, Uuid::new_v4)
                {
                    self.announce(&started);
                }
                replies.push(Reply::Done(reply));
            }
            Message::ClearUserData { reply } => {
                // What came before belongs to the user being forgotten: persisted and answered
                // first, so that what follows is decided for the new user alone.
                self.persist(replies).await;
                let result = self.clear_user_data().await;
                replies.push(Reply::Cleared(reply, result));
            }
            Message::Flush { reply } => replies.push(Reply::Done(reply)),
            Message::Snapshot { reply } => {
                replies.push(Reply::Snapshot(reply, self.state.session().snapshot()))
            }
            Message::Shutdown { reply } => shutdowns.push(reply),
        }
    }

    /// Tells subscribers about the session an event started, if it started one.
    fn announce_event(&self, event: &TrackedEvent) {
        if event.starts_session {
            self.announce(&event.client_session);
        }
    }

    /// Tells subscribers about a new session (spec A2.13).
    fn announce(&self, entity: &ClientSession) {
        // No ids in logs, at any level (issue 10): the index says enough to follow a run.
        tracing::debug!(session_index = entity.session_index, "new session");
        if entity.session_index == MAX_INDEX {
            tracing::warn!("sessionIndex reached its maximum {MAX_INDEX} and stays there");
        }
        self.sessions.send_replace(Some(entity.clone()));
    }

    /// Starts a batch: reads the store again, so the batch is decided on what it holds now
    /// when others may write it too (cookies). A store only this tracker writes answers
    /// [`Loaded::Unchanged`] without I/O. A failed read is logged and the batch goes on with
    /// the state in memory: tracking never stops for storage. The rule set is told whether the
    /// store took the last write, so a refused one is retried rather than decided again.
    async fn reload(&mut self) {
        let now_ms = self.clock.now_ms();
        let loaded = self.store.load(now_ms).await;
        if loaded.is_ok() && std::mem::take(&mut self.load_failing) {
            tracing::info!("the session store can be read again");
        }
        match loaded {
            Ok(Loaded::Unchanged) => {}
            Ok(Loaded::Current(current)) => self.adopt(current, now_ms),
            // A blocked jar fails every batch: only the first failure of a run is a warning.
            Err(e) if self.load_failing => {
                tracing::debug!(error = %e, "still cannot read the session store")
            }
            Err(e) => {
                self.load_failing = true;
                tracing::warn!(error = %e, "could not read the session store before a batch; going on with the state in memory")
            }
        }
    }

    /// Takes what the store holds now (read before a batch, or what is left after a
    /// `clear_user_data`) into the rule set.
    fn adopt(&mut self, current: CurrentOf<S>, now_ms: i64) {
        let before = self.state.session().stored();
        let kept = self.saved == before;
        self.state.session_mut().reload(current, now_ms, kept);
        let after = self.state.session().stored();
        // What the store holds, so a batch that changes nothing writes nothing; but a
        // refused decision the rule set kept over the read is still to be written.
        if kept || after != before {
            self.saved = after;
        }
        // A session the tracker no longer has (its user was forgotten) is no one's latest: the
        // watch forgets it too, without waking subscribers, who hear of the next new session.
        if self.state.session().snapshot().session.is_none() {
            self.sessions.send_if_modified(|session| {
                *session = None;
                false
            });
        }
    }

    /// Forgets the user (spec B mobile, `clear_user_data`): the store deletes it and every
    /// namespace's state and makes a new user, durably, then the rule set adopts what is left.
    /// A store that could not begin keeps the user whole: the rule set then keeps it too, and
    /// the caller hears why.
    async fn clear_user_data(&mut self) -> Result<(), Error> {
        let now_ms = self.clock.now_ms();
        match self.store.clear_user_data(now_ms).await {
            Ok(Loaded::Unchanged) => Ok(()),
            Ok(Loaded::Current(current)) => {
                self.adopt(current, now_ms);
                tracing::info!(
                    "the user data was cleared: the next event starts a new user's first session"
                );
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "could not clear the user data; the user is kept");
                Err(e.into())
            }
        }
    }

    /// Ends a batch: persists its state and hands out its outcomes. The rule set says how far
    /// each write must go ([`SessionModel::durability`]): a durable write (a batch in which a
    /// mobile session started, every cookie write) is made before anything leaves. A buffered
    /// one follows the replies: it is not forced to disk anyway, so a crash could lose it
    /// either way, and callers need not wait for it.
    ///
    /// A batch in which a mobile app went to the background suspends the store instead, before
    /// anything leaves (spec B2 "Mobile durability at background"): the state durable and the
    /// shutdown marked clean, so that `background()` returns only once a process killed in the
    /// background would continue exactly there. The next write is then durable, before its
    /// batch's replies: it clears the marker, and an event the marked state lacks must not
    /// leave while a kill would still continue from that state.
    async fn persist(&mut self, replies: &mut Vec<Reply>) {
        if self.entered_background() {
            self.suspend().await;
            for reply in replies.drain(..) {
                reply.send(&mut self.sink);
            }
            return;
        }
        let write = self
            .state
            .session()
            .stored()
            .filter(|state| self.saved.as_ref() != Some(state))
            .map(|state| {
                let durability = if self.suspended {
                    Durability::Durable
                } else {
                    S::Model::durability(self.saved.as_ref(), &state)
                };
                (state, durability)
            });
        if let Some((state, Durability::Durable)) = &write {
            self.save(state.clone(), Durability::Durable).await;
        }
        for reply in replies.drain(..) {
            reply.send(&mut self.sink);
        }
        if let Some((state, Durability::Buffered)) = write {
            self.save(state, Durability::Buffered).await;
        }
    }

    async fn save(&mut self, state: StoredBy<S>, durability: Durability) {
        let now_ms = self.clock.now_ms();
        let result = self.store.save(&state, now_ms, durability).await;
        // A store that took the write has cleared a suspension's marker with it.
        if self.written(state, result) {
            self.suspended = false;
        }
    }

    /// Whether the app began a new stay in the background since the last batch (a real flip,
    /// whether or not it emitted an event); remembers the stay it is in.
    fn entered_background(&mut self) -> bool {
        let stay = self.state.session().background_stay();
        let entered = stay.is_some() && stay != self.background_stay;
        self.background_stay = stay;
        entered
    }

    /// Keeps the state durably with the clean marker set ([`SessionStore::suspend`]), even
    /// when it has not changed: the marker is what a kill in the background leaves behind.
    async fn suspend(&mut self) {
        let Some(state) = self.state.session().stored().or_else(|| self.saved.clone()) else {
            return;
        };
        let now_ms = self.clock.now_ms();
        // Even a failed suspension may have set the marker: the next write clears it.
        self.suspended = true;
        let result = self.store.suspend(&state, now_ms).await;
        self.written(state, result);
    }

    /// Records the outcome of writing `state`: what the store holds, or the failure, logged.
    /// Returns whether the store took it.
    fn written(
        &mut self,
        state: StoredBy<S>,
        result: Result<(), client_session_store::StoreError>,
    ) -> bool {
        match result {
            Ok(()) => {
                if std::mem::take(&mut self.save_failing) {
                    tracing::info!("the session state is persisted again");
                }
                self.saved = Some(state);
                true
            }
            // The events stay tracked; the next batch tries the write again. A full disk fails
            // every batch, so only the first failure of a run of them is an error.
            Err(e) if self.save_failing => {
                tracing::debug!(error = %e, "still cannot persist the session state");
                false
            }
            Err(e) => {
                self.save_failing = true;
                tracing::error!(error = %e, "could not persist the session state; tracking goes on and every batch retries");
                false
            }
        }
    }

    async fn close(&mut self) -> Result<(), client_session_store::StoreError> {
        let now_ms = self.clock.now_ms();
        // Nothing decided since the last read and nothing saved (a web tracker whose cookies
        // someone else wrote last): there is nothing of ours to keep.
        let Some(state) = self.state.session().stored().or_else(|| self.saved.clone()) else {
            return Ok(());
        };
        let result = self.store.close(&state, now_ms).await;
        if let Err(e) = &result {
            tracing::error!(error = %e, "could not persist the session state at shutdown");
        }
        result
    }
}

/// Gives the executor one turn, on any executor (tokio natively, the browser's on wasm).
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}
