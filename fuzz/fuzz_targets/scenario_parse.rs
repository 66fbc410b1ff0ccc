//! `cargo +nightly fuzz run scenario_parse`: the check is `client_session_suite::fuzz_checks::scenario_parse`,
//! which the stable replay of `fuzz/regressions/scenario_parse/` runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(violation) = client_session_suite::fuzz_checks::scenario_parse(data) {
        panic!("scenario_parse: {violation}");
    }
});
