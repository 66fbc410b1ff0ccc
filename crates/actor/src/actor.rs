//! The actor task: owns the state machine and the store, processes messages in batches.

use std::sync::Arc;

use client_session_core::{
    ClientSession, Config, EventStamp, Payload, PersistedSession, PreviousRun, SessionState,
    Snapshot, TrackedEvent, MAX_INDEX,
};
use client_session_store::{Durability, Loaded, SessionStore};
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
        reply: Option<oneshot::Sender<TrackedEvent>>,
    },
    SetBackground {
        in_background: bool,
        reply: Option<oneshot::Sender<Option<TrackedEvent>>>,
    },
    NewSession {
        reply: oneshot::Sender<()>,
    },
    Pause {
        reply: oneshot::Sender<()>,
    },
    Resume {
        reply: oneshot::Sender<()>,
    },
    SetAnonymous {
        anonymous: bool,
        reply: oneshot::Sender<()>,
    },
    Snapshot {
        reply: oneshot::Sender<Snapshot>,
    },
    Shutdown {
        reply: ShutdownReply,
    },
}

type ShutdownReply = oneshot::Sender<Result<(), Error>>;

/// An outcome held back until the batch that produced it is persisted: then tracked events go
/// to the sink, in order, and replies to their callers.
enum Reply {
    Tracked(Option<oneshot::Sender<TrackedEvent>>, TrackedEvent),
    Lifecycle(
        Option<oneshot::Sender<Option<TrackedEvent>>>,
        Option<TrackedEvent>,
    ),
    Done(oneshot::Sender<()>),
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
            Self::Tracked(tx, event) => {
                deliver(&event);
                tx.map_or(Ok(()), |tx| tx.send(event).map_err(drop))
            }
            Self::Lifecycle(tx, event) => {
                event.iter().for_each(&mut deliver);
                tx.map_or(Ok(()), |tx| tx.send(event).map_err(drop))
            }
            Self::Done(tx) => tx.send(()).map_err(drop),
            Self::Snapshot(tx, snapshot) => tx.send(snapshot).map_err(drop),
        };
    }
}

/// The task that owns a tracker's session state and store. Start it with
/// [`SessionActor::start`], then spawn [`SessionActor::run`] on the platform's executor.
pub struct SessionActor<S: SessionStore> {
    state: SessionState,
    store: S,
    clock: Arc<dyn Clock>,
    inbox: mpsc::UnboundedReceiver<Message>,
    sessions: watch::Sender<Option<ClientSession>>,
    /// What the store holds, so unchanged batches cost no write.
    saved: Option<PersistedSession>,
    /// Where every emitted event goes, in order, once persisted.
    sink: Option<Box<dyn EventSink>>,
    /// The last save failed (logged once until one succeeds).
    save_failing: bool,
}

impl<S: SessionStore> SessionActor<S> {
    /// Opens `store`, restores the session state (spec B2) and returns a handle and the actor.
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot be opened (for instance, locked by another process).
    pub async fn start(
        config: Config,
        mut store: S,
        clock: Arc<dyn Clock>,
    ) -> Result<(SessionHandle, Self), Error> {
        let opened = store.open().await?;
        if opened.state.is_some() && opened.previous_run == PreviousRun::Unclean {
            tracing::info!("the previous tracker did not shut down cleanly; the next event starts a new session");
        }
        let state = SessionState::start(
            config,
            opened.user_id,
            store.storage_mechanism(),
            opened.state,
            opened.previous_run,
        );
        let (tx, inbox) = mpsc::unbounded_channel();
        let (sessions, session_rx) = watch::channel(state.snapshot().session);
        let handle = SessionHandle {
            tx,
            clock: Arc::clone(&clock),
            sessions: session_rx,
        };
        let actor = Self {
            saved: opened.state,
            state,
            store,
            clock,
            inbox,
            sessions,
            sink: None,
            save_failing: false,
        };
        Ok((handle, actor))
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
            self.handle(first, &mut replies, &mut shutdowns);
            for _ in 0..queued {
                match self.inbox.try_recv() {
                    Ok(message) => self.handle(message, &mut replies, &mut shutdowns),
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
                self.handle(message, &mut replies, &mut shutdowns);
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

    /// Applies one message; its reply waits in `replies` (or `shutdowns`) until the batch is persisted.
    fn handle(
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
                let event = self.state.track(now, stamp, payload, Uuid::new_v4);
                self.announce(&event);
                replies.push(Reply::Tracked(reply, event));
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
                event.iter().for_each(|e| self.announce(e));
                replies.push(Reply::Lifecycle(reply, event));
            }
            Message::NewSession { reply } => {
                self.state.request_new_session();
                replies.push(Reply::Done(reply));
            }
            Message::Pause { reply } => {
                self.state.pause();
                replies.push(Reply::Done(reply));
            }
            Message::Resume { reply } => {
                self.state.resume();
                replies.push(Reply::Done(reply));
            }
            Message::SetAnonymous { anonymous, reply } => {
                self.state.set_anonymous(anonymous);
                replies.push(Reply::Done(reply));
            }
            Message::Snapshot { reply } => {
                replies.push(Reply::Snapshot(reply, self.state.snapshot()))
            }
            Message::Shutdown { reply } => shutdowns.push(reply),
        }
    }

    /// Tells subscribers about a new session (spec A2.13).
    fn announce(&self, event: &TrackedEvent) {
        if !event.starts_session {
            return;
        }
        let entity = &event.client_session;
        tracing::debug!(session_id = %entity.session_id, session_index = entity.session_index, "new session");
        if entity.session_index == MAX_INDEX {
            tracing::warn!("sessionIndex reached its maximum {MAX_INDEX} and stays there");
        }
        self.sessions.send_replace(Some(entity.clone()));
    }

    /// Starts a batch: reads the store again, so the batch is decided on what it holds now
    /// when others may write it too (cookies). A store only this tracker writes answers
    /// [`Loaded::Unchanged`] without I/O. A failed read is logged and the batch goes on with
    /// the state in memory: tracking never stops for storage.
    async fn reload(&mut self) {
        let now_ms = self.clock.now_ms();
        match self.store.load(now_ms).await {
            Ok(Loaded::Unchanged) => {}
            Ok(Loaded::Current { user_id, state }) => {
                self.state.reload(user_id, state);
                // What the store holds: a batch that changes nothing writes nothing.
                self.saved = state;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the session store before a batch; going on with the state in memory")
            }
        }
    }

    /// Ends a batch: persists its state and hands out its outcomes. A batch in which a session
    /// started is flushed to disk before anything leaves. Otherwise the replies go first: the
    /// write that follows is not forced to disk anyway, so a crash could lose it either way,
    /// and callers need not wait for it.
    async fn persist(&mut self, replies: &mut Vec<Reply>) {
        let state = *self.state.persisted();
        let changed = self.saved != Some(state);
        let session_started = self.saved.and_then(|s| s.session).map(|s| s.session_id)
            != state.session.map(|s| s.session_id);
        if changed && session_started {
            self.save(state, Durability::Durable).await;
        }
        for reply in replies.drain(..) {
            reply.send(&mut self.sink);
        }
        if changed && !session_started {
            self.save(state, Durability::Buffered).await;
        }
    }

    async fn save(&mut self, state: PersistedSession, durability: Durability) {
        let now_ms = self.clock.now_ms();
        match self.store.save(&state, now_ms, durability).await {
            Ok(()) => {
                if std::mem::take(&mut self.save_failing) {
                    tracing::info!("the session state is persisted again");
                }
                self.saved = Some(state);
            }
            // The events stay tracked; the next batch tries the write again. A full disk fails
            // every batch, so only the first failure of a run of them is an error.
            Err(e) if self.save_failing => {
                tracing::debug!(error = %e, "still cannot persist the session state")
            }
            Err(e) => {
                self.save_failing = true;
                tracing::error!(error = %e, "could not persist the session state; tracking goes on and every batch retries")
            }
        }
    }

    async fn close(&mut self) -> Result<(), client_session_store::StoreError> {
        let now_ms = self.clock.now_ms();
        let result = self.store.close(self.state.persisted(), now_ms).await;
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
