//! The web adapter: the session actor in the browser, on the cookie store over
//! `document.cookie`, behind a JavaScript API named after Snowplow's JavaScript tracker's.
//!
//! It maps only the platform's seams; the web rules stay in `client-session-core` and the
//! cookies' names, values and attributes in `client-session-store-cookie`:
//! - the jar is [`DocumentJar`] over `document.cookie`, read again before every batch (spec B2
//!   "Web storage"); a write the browser silently refuses is read back and reported, so the
//!   actor's handling of refused writes applies;
//! - the clock is `Date.now()` ([`clock`]);
//! - the actor runs on the page's event loop (`wasm_bindgen_futures::spawn_local`).
//!
//! In the browser (`wasm32`) the crate exports, through `wasm-bindgen --target web` (`cargo
//! xtask web` builds the ES module into `target/web/pkg/`), one tracker per page:
//! `newTracker(options)`, `trackPageView({ title })`, `trackSelfDescribingEvent({ event: {
//! schema, data } })`, `trackStructEvent({ category, action, label, property, value })`,
//! `trackScreenView({ name, id, type, previousName, previousId, previousType, transitionType
//! })`, `trackListItemView({ index, itemsCount })`, `trackScrollChanged({ xOffset, yOffset,
//! viewWidth, viewHeight, contentWidth, contentHeight })`, `newSession()`, `getSession()`,
//! `onSessionChange(callback)` and `shutdown()`. Every call returns a Promise and never
//! throws: bad input rejects it with an `Error` naming the field or carrying the core's
//! `ScreenError` message ([`api`] holds every check, as plain Rust).
//!
//! Screens (spec A5) are the core's: the screen state lives in the page's actor, in memory,
//! as the JavaScript tracker's screen tracking plugin keeps it, so a reload forgets the
//! current screen (no `screen_end` for it) while the session goes on in the cookies.
//!
//! Natively the crate builds the plain parts only (the checks, the `document.cookie` parsing
//! and the jar over any [`DocumentCookie`]), so the workspace's native build and tests cover
//! them.

pub mod api;
pub mod clock;
mod jar;

#[cfg(target_arch = "wasm32")]
mod console;
#[cfg(target_arch = "wasm32")]
mod exports;

pub use jar::{cookie_pairs, cookie_value, DocumentCookie, DocumentJar};

#[cfg(target_arch = "wasm32")]
pub use clock::DateNowClock;
#[cfg(target_arch = "wasm32")]
pub use exports::{
    get_session, new_session, new_tracker, on_session_change, shutdown, track_list_item_view,
    track_page_view, track_screen_view, track_scroll_changed, track_self_describing_event,
    track_struct_event,
};

/// A JavaScript error or thrown value as text: an `Error`'s name and message, else its string
/// form. For messages only (never a cookie value: browsers put none in their errors).
#[cfg(target_arch = "wasm32")]
fn js_text(value: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => format!("{}: {}", error.name(), error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}
