//! The fallback for languages without rules of their own: Unicode sentence
//! boundaries (UAX #29, from `unicode-segmentation`), then abbreviation
//! suppression — a boundary right after a known prefix abbreviation (English
//! and Russian lists), an abbreviation before a number ("No. 5") or a single
//! capital letter (an initial) is dropped.
//!
//! It does not know headlines, datelines or lists beyond what UAX #29 gives
//! (a break after every line break).

use unicode_segmentation::UnicodeSegmentation;

use super::lists::{self, AbbrevClass};
use super::{Sentence, SentenceKind};
use crate::{Lang, Span};

pub(crate) fn segment(text: &str, out: &mut Vec<Sentence>) {
    let mut start = 0;
    for (at, piece) in text.split_sentence_bound_indices() {
        let end = at + piece.len();
        if end < text.len() && suppressed(piece, &text[end..]) {
            continue;
        }
        push(text, start, end, out);
        start = end;
    }
    push(text, start, text.len(), out);
}

/// True when the boundary after `piece` falls right after an abbreviation.
fn suppressed(piece: &str, rest: &str) -> bool {
    // UAX #29 puts line breaks at the end of a piece: those stay boundaries.
    if piece.ends_with(['\n', '\r', '\u{2029}', '\u{85}']) {
        return false;
    }
    let body = piece.trim_end();
    let Some(stem) = body.strip_suffix('.') else {
        return false;
    };
    let token = stem
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '«' | '“'))
        .next()
        .unwrap_or("");
    let mut chars = token.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase();
    }
    let lower = token.to_lowercase();
    let next_digit = rest.trim_start().starts_with(|c: char| c.is_ascii_digit());
    [Lang::En, Lang::Ru]
        .into_iter()
        .any(|l| match lists::for_lang(l).class(&lower) {
            Some(AbbrevClass::Prefix) => true,
            Some(AbbrevClass::Number) => next_digit,
            _ => false,
        })
}

fn push(text: &str, s: usize, e: usize, out: &mut Vec<Sentence>) {
    let piece = &text[s..e];
    let trimmed = piece.trim();
    if trimmed.is_empty() {
        return;
    }
    let start = s + (piece.len() - piece.trim_start().len());
    out.push(Sentence {
        span: Span::new(start, start + trimmed.len()),
        kind: SentenceKind::Sentence,
    });
}
