//! The iOS adapter: the mobile tracker ([`client_session_mobile::MobileTracker`]) behind a C
//! ABI that Swift imports as the module `ClientSession`.
//!
//! The crate only moves strings across the boundary and maps errors to status codes: the
//! session rules, the store and the event JSON are the shared crates'. It builds as a static
//! library (`libclient_session_ios.a`, what an app links), a shared library and a Rust crate.
//! The header `include/client_session.h` is generated from this crate by cbindgen
//! (`cargo xtask c-header`) and checked in; `include/module.modulemap` makes it a Swift module.
//!
//! - [`cs_tracker_create`] returns a [`CsTracker`] at once; the library's own thread opens sled
//!   in the data directory and runs the session actor.
//! - [`cs_tracker_track`] takes event JSON and writes the event id into a caller's buffer of
//!   [`CS_EVENT_ID_SIZE`] bytes at once; every tracked event reaches the event callback, in
//!   order, on the library's thread, once persisted. New sessions reach the session callback.
//! - `foreground`, `background`, `start_new_session`, `pause`, `resume`, `set_anonymous` never
//!   wait; [`cs_tracker_session`] returns the current session as a string freed by
//!   [`cs_string_free`].
//! - [`cs_tracker_flush`] and [`cs_tracker_free`] block (never on the UI thread, never in a
//!   callback); [`cs_tracker_close`] does not.
//! - Each call returns a [`CsStatus`]; on failure [`cs_last_error`] gives the message, per
//!   thread. NULL pointers, invalid UTF-8, invalid JSON and calls after close are reported so;
//!   a panic is caught at the boundary (`CS_STATUS_PANIC`, with the default `panic = "unwind"`).
//!   Using a tracker after [`cs_tracker_free`] is the one error that cannot be detected.
//!
//! The C tests (`tests/abi_tests.c`, `cargo xtask c-test [--valgrind]`) and the shared
//! scenarios through the C driver (`tests/driver.c`, `cargo xtask replay-c`) exercise it from
//! C; `platforms/ios/README.md` says how to build for `aarch64-apple-ios` and embed it.

#[allow(unsafe_code)]
mod ffi;
mod status;

pub use ffi::{
    cs_last_error, cs_status_name, cs_string_free, cs_tracker_background, cs_tracker_close,
    cs_tracker_create, cs_tracker_flush, cs_tracker_foreground, cs_tracker_free, cs_tracker_pause,
    cs_tracker_resume, cs_tracker_session, cs_tracker_set_anonymous, cs_tracker_set_test_time,
    cs_tracker_start_new_session, cs_tracker_track, CsJsonCallback, CsTracker, CS_EVENT_ID_SIZE,
};
pub use status::CsStatus;
