//! Any bytes in: no panic, valid UTF-8 out, spans in bounds, edits replay,
//! repair idempotent. The checks live in the engine
//! (`textstance_engine::repair::fuzzing::check`) so a proptest runs them too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    textstance_engine::repair::fuzzing::check(data);
});
