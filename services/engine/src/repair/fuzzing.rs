//! Invariants of [`normalize`] on arbitrary input, shared
//! by the cargo-fuzz target (`fuzz/fuzz_targets/normalize.rs`) and a
//! proptest, so CI checks them even without a nightly toolchain.
//!
//! [`check`] panics when an invariant breaks: that is its job. It is not
//! meant for production callers.

use super::{Input, NormalizeOptions, Profile, apply, normalize};

const LABELS: [Option<&str>; 8] = [
    None,
    None,
    Some("utf-8"),
    Some("windows-1251"),
    Some("koi8-r"),
    Some("utf-16le"),
    Some("shift_jis"),
    Some("no-such-charset"),
];

/// Runs normalize on `data` (as raw bytes with a label chosen by the first
/// byte, and as lossily decoded text) and panics if the output or the edits
/// break an invariant: edits sorted, non-overlapping and in bounds, output
/// spans on character boundaries, edits replaying to the output for text
/// input, and normalization idempotent.
pub fn check(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let profile = if sel & 1 == 0 {
        Profile::Default
    } else {
        Profile::Ftfy
    };
    let mut options = NormalizeOptions::for_profile(profile);
    options.strict_decoding = sel & 0x80 != 0;
    let label = LABELS[usize::from((sel >> 1) & 7)];

    // Raw bytes.
    let input = Input::Bytes {
        bytes: body,
        charset_label: label,
    };
    if let Ok(n) = normalize(input, &options) {
        let mut last_in = 0;
        let mut last_out = 0;
        for e in &n.edits {
            assert!(e.input.start <= e.input.end, "input span reversed: {e:?}");
            assert!(e.input.end <= body.len(), "input span out of bounds: {e:?}");
            assert!(e.input.start >= last_in, "input spans out of order: {e:?}");
            assert!(
                e.output.start >= last_out,
                "output spans out of order: {e:?}"
            );
            assert!(
                e.output.get(&n.text).is_some(),
                "output span off text: {e:?}"
            );
            last_in = e.input.end;
            last_out = e.output.end;
        }
    }

    // Text.
    let text = String::from_utf8_lossy(body);
    if text.is_empty() {
        return;
    }
    let n = normalize(Input::Text(&text), &options).expect("text input is never refused");
    let replayed = apply(&text, &n.edits, &n.text);
    assert_eq!(
        replayed.as_deref(),
        Some(&*n.text),
        "edits do not replay for {text:?}: {:?}",
        n.edits
    );
    if !n.text.is_empty() {
        let again = normalize(Input::Text(&n.text), &options).expect("text input");
        assert_eq!(again.text, n.text, "not idempotent for {text:?}");
    }
}
