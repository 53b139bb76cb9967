//! Fuzz target for `segment::segment`: arbitrary bytes, read as lossy UTF-8,
//! segmented as English, Russian and the fallback; the span invariants must
//! hold. The body is `segment::fuzz_check`, also run by a property test.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    textstance_engine::segment::fuzz_check(data);
});
