//! The tracker's logs and panics on the browser console.
//!
//! The actor and the cookie store log with `tracing` (a refused cookie write, a malformed
//! `_sp_id`); in a page nobody would see them without this. Info and above go to
//! `console.info`, `console.warn` and `console.error`, as `target: message key=value…`.

use std::fmt::Write as _;
use std::sync::Once;

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use wasm_bindgen::JsValue;
use web_sys::console;

/// Sends `tracing` events and panics to the console, once per page; a subscriber the page's
/// other Rust code installed first is kept.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another global subscriber already set is fine: the logs go there instead.
        let _ = tracing::subscriber::set_global_default(Console);
        std::panic::set_hook(Box::new(|info| {
            console::error_1(&JsValue::from_str(&format!(
                "client-session-web panicked: {info}"
            )));
        }));
    });
}

/// A `tracing` subscriber that writes each event to the console and keeps no spans.
struct Console;

impl Subscriber for Console {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::INFO
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::INFO)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut line = Line(format!("{}:", metadata.target()));
        event.record(&mut line);
        let text = JsValue::from_str(&line.0);
        match *metadata.level() {
            Level::ERROR => console::error_1(&text),
            Level::WARN => console::warn_1(&text),
            _ => console::info_1(&text),
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// An event's fields as one line: the message, then `key=value` for the others.
struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // Writing to a String cannot fail.
        let _ = if field.name() == "message" {
            write!(self.0, " {value:?}")
        } else {
            write!(self.0, " {}={value:?}", field.name())
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = if field.name() == "message" {
            write!(self.0, " {value}")
        } else {
            write!(self.0, " {}={value}", field.name())
        };
    }
}
