//! `cargo +nightly fuzz run sled_open`: the check is `client_session_suite::fuzz_checks::sled_open`,
//! which the stable replay of `fuzz/regressions/sled_open/` runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // libfuzzer-sys's panic hook aborts on every panic, even one caught inside. Opening sled
        // is guarded by `catch_unwind` by design (sled can panic on damaged files), so restore
        // the default hook: a panic that escapes the check still aborts the run (libfuzzer-sys
        // aborts when the closure unwinds), a caught one is the documented recovery.
        drop(std::panic::take_hook());
    },
    |data: &[u8]| {
        if let Err(violation) = client_session_suite::fuzz_checks::sled_open(data) {
            panic!("sled_open: {violation}");
        }
    }
);
