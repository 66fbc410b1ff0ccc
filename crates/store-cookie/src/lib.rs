//! The cookies Snowplow's JavaScript tracker (4.x) keeps its session in, for the web session
//! model (spec A3, B2 "Web storage").
//!
//! Plain encoding only: no I/O, no clock, no runtime, so it builds for `wasm32` on its own.
//! [`SpId`] is the `_sp_id` value (A3.2), decoded strictly and encoded byte for byte as the
//! JavaScript tracker writes it; [`CookieNames`] gives the two cookies' names (A3.1).
//! The session rules stay in `client-session-core`.

mod names;
mod sp_id;

pub use names::{domain_hash, CookieNames, DEFAULT_PREFIX};
pub use sp_id::{
    unix_seconds_rounded, DomainUserId, FieldProblem, SpId, SpIdError, SpIdField, FIELD_COUNT,
};
