//! Where emitted events go when nobody awaits them.

use client_session_core::TrackedEvent;
use client_session_store::MaybeSend;

/// Receives every event a tracker emits, in order, on the actor's task, after the batch that
/// produced it is persisted. Keep it quick (hand the event to an emitter queue): the actor
/// processes nothing else meanwhile.
///
/// Closures are sinks:
///
/// ```
/// use client_session_actor::{EventSink, TrackedEvent};
/// fn takes(_: impl EventSink) {}
/// takes(|event: &TrackedEvent| println!("{}", event.client_session.session_index));
/// ```
pub trait EventSink: MaybeSend + 'static {
    /// Takes one emitted event.
    fn deliver(&mut self, event: &TrackedEvent);
}

impl<F> EventSink for F
where
    F: FnMut(&TrackedEvent) + MaybeSend + 'static,
{
    fn deliver(&mut self, event: &TrackedEvent) {
        self(event);
    }
}

/// A tokio channel is a sink: the app receives owned events on the other end.
impl EventSink for tokio::sync::mpsc::UnboundedSender<TrackedEvent> {
    fn deliver(&mut self, event: &TrackedEvent) {
        // A receiver that is gone no longer wants events; tracking goes on regardless.
        let _ = self.send(event.clone());
    }
}
