//! The web session store: the two cookies the Snowplow JavaScript tracker 4.x keeps
//! (`_sp_id.<hash>`, `_sp_ses.<hash>`, spec A3), kept in a [`CookieJar`].
//!
//! The jar is synchronous and takes the time as an argument, because the browser's
//! `document.cookie` is synchronous and the crate builds for `wasm32` with no runtime;
//! [`NativeJar`] is the in-memory RFC 6265 jar for tests and the CLI's replay of web scenarios.

pub mod jar;

pub use jar::{
    expires_after, format_expires, parse_expires, AttributeError, CookieAttributes, CookieJar,
    DateError, JarError, NativeJar, Page, SameSite, SetCookie,
};
