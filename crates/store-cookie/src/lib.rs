//! The cookies Snowplow's JavaScript tracker (4.x) keeps its session in, for the web session
//! model (spec A3, B2 "Web storage"): `_sp_id.<hash>` and `_sp_ses.<hash>`.
//!
//! No I/O, no clock, no runtime, so it builds for `wasm32` on its own:
//! - [`SpId`] is the `_sp_id` codec (A3.2): the core's [`WebSession`] decoded strictly and
//!   encoded byte for byte as the JavaScript tracker writes it; [`CookieNames`] gives the two cookies' names (A3.1);
//! - [`CookieJar`] is a synchronous jar that takes the time as an argument, because the
//!   browser's `document.cookie` is synchronous; [`NativeJar`] is the in-memory RFC 6265 jar for
//!   tests and the CLI.
//!
//! The session rules stay in `client-session-core`; the store over a jar comes with them.

pub mod jar;
mod names;
mod sp_id;

pub use jar::{
    expires_after, format_expires, parse_expires, AttributeError, CookieAttributes, CookieJar,
    DateError, JarError, NativeJar, Page, SameSite, SetCookie,
};
pub use names::{domain_hash, CookieNames, DEFAULT_PREFIX};
pub use sp_id::{FieldProblem, SpId, SpIdError, SpIdField, FIELD_COUNT};

/// The typed `_sp_id` fields and the cookie time rules belong to the core (the session rules
/// decide them); re-exported so the store's users find them beside the codec.
pub use client_session_core::{unix_seconds_rounded, UserId, WebSession};
