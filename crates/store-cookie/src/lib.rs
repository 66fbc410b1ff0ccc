//! The web session store: the cookies Snowplow's JavaScript tracker (4.x) keeps its session in
//! (spec A3, B2 "Web storage"), `_sp_id.<hash>` and `_sp_ses.<hash>`.
//!
//! No I/O of its own, no clock, no runtime, so it builds for `wasm32` on its own:
//! - [`CookieStore`] is the `SessionStore` over a jar: it reads both cookies at open and before
//!   every batch, and writes both back after each decision, reporting `COOKIE_1`; its
//!   [`CookieOptions`] are the JavaScript tracker's cookie domain, path and name prefix;
//! - [`SpId`] is the `_sp_id` codec (A3.2): the core's [`WebSession`] decoded strictly and
//!   encoded byte for byte as the JavaScript tracker writes it; [`CookieNames`] gives the two cookies' names (A3.1);
//! - [`CookieJar`] is a synchronous jar that takes the time as an argument, because the
//!   browser's `document.cookie` is synchronous; [`NativeJar`] is the in-memory RFC 6265 jar for
//!   tests and the CLI, and [`SharedJar`] lets a test play other tabs on the store's jar.
//!
//! The session rules stay in `client-session-core` (`WebState`, `WebRules`): this crate only
//! reads, encodes, decodes and writes.

pub mod jar;
mod names;
mod sp_id;
mod store;

pub use jar::{
    expires_after, format_expires, parse_expires, AttributeError, CookieAttributes, CookieJar,
    DateError, JarError, NativeJar, Page, SameSite, SetCookie, SharedJar,
};
pub use names::{domain_hash, CookieNames, DEFAULT_PREFIX};
pub use sp_id::{FieldProblem, SpId, SpIdError, SpIdField, FIELD_COUNT};
pub use store::{CookieOptions, CookieStore};

/// The typed `_sp_id` fields and the cookie time rules belong to the core (the session rules
/// decide them); re-exported so the store's users find them beside the codec.
pub use client_session_core::{unix_seconds_rounded, UserId, WebSession};
