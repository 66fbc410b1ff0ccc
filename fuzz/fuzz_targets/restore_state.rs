//! `cargo +nightly fuzz run restore_state`: the check is `client_session_suite::fuzz_checks::restore_state`,
//! which the stable replay of `fuzz/regressions/restore_state/` runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = client_session_suite::fuzz_checks::restore_state(data) {
        panic!("restore_state: {violation}");
    }
});
