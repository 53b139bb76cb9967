//! Table-driven cases per phenomenon and property tests for the segmenter.

use proptest::prelude::*;

use super::*;

fn sentences(text: &str, lang: Lang) -> Vec<&str> {
    segment(text, lang)
        .iter()
        .map(|s| &text[s.span.start..s.span.end])
        .collect()
}

#[test]
fn smoke() {
    let text = "Hello world. How are you?";
    assert_eq!(sentences(text, Lang::En), ["Hello world.", "How are you?"]);
}
