//! What both benchmarks of the mobile tracker share.

use std::hint::black_box;

use client_session_mobile::Listener;

/// A listener that only touches what it is given, as a quick app listener would.
pub struct Discard;

impl Listener for Discard {
    fn on_event(&mut self, event_json: &str) {
        black_box(event_json);
    }
    fn on_session(&mut self, session_json: &str) {
        black_box(session_json);
    }
}
