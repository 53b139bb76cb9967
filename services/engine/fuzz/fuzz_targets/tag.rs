//! Fuzzes stance tagging: arbitrary text with the default lexicons (tag and
//! explain agree, spans in bounds and ordered, scores in range), and
//! arbitrary lexicon sources (compile and check agree, never panic). The
//! body is `textstance_engine::tag::fuzz_tag`, which a proptest also runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    textstance_engine::tag::fuzz_tag(data);
});
