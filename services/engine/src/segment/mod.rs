//! Sentence segmentation for English and Russian news copy.
//!
//! [`segment`] returns sentence spans: byte ranges into the given text, in
//! order, non-overlapping, trimmed of surrounding whitespace, and together
//! covering every non-whitespace character. It runs in linear time: every
//! look-around is bounded or shares a forward-only cursor.
//!
//! English and Russian get hand-written rules (module `rules`): abbreviation
//! classes from plain data lists in `data/`, initials, numbers, clock times,
//! ellipses, quotes and brackets after a terminator, `«…»` quotations, lists
//! and bullets, URLs and e-mail addresses, headlines, paragraphs and TASS
//! datelines. Other languages get Unicode sentence boundaries (UAX #29) with
//! abbreviation suppression (module `fallback`).
//!
//! Datelines: a TASS dateline (`GENEVA, January 9. /TASS/.`) is a segment of
//! its own ([`SentenceKind::Dateline`]); a Reuters dateline
//! (`GENEVA (Reuters) - ...`) has no terminator of its own and stays the
//! start of the first sentence.
//!
//! It does not use model weights, does not detect the language (pass the
//! resolved [`Lang`]), and never changes the text.
//!
//! ```
//! use textstance_engine::{Lang, segment::{segment, SentenceKind}};
//!
//! let text = "GENEVA, January 9. /TASS/. Talks resumed at 3 p.m. Moscow time. \
//!             They ended in the U.S. Demand rose.";
//! let got: Vec<&str> = segment(text, Lang::En)
//!     .iter()
//!     .map(|s| &text[s.span.start..s.span.end])
//!     .collect();
//! assert_eq!(got, [
//!     "GENEVA, January 9. /TASS/.",
//!     "Talks resumed at 3 p.m. Moscow time.",
//!     "They ended in the U.S.",
//!     "Demand rose.",
//! ]);
//! assert_eq!(segment(text, Lang::En)[0].kind, SentenceKind::Dateline);
//! ```

mod fallback;
mod lists;
mod rules;
#[cfg(test)]
mod tests;

use crate::{Lang, Span};

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SentenceKind {
    /// An ordinary sentence.
    Sentence,
    /// A line without final punctuation above a blank line (or a dateline).
    Headline,
    /// A TASS-style dateline standing alone.
    Dateline,
    /// An item of a list: after a bullet, a dash at a line start, or an
    /// enumerator ("1.", "2)", "a.").
    ListItem,
}

/// One segment of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sentence {
    /// Byte span, without surrounding whitespace.
    pub span: Span,
    /// What kind of segment.
    pub kind: SentenceKind,
}

/// Splits `text` into sentences with the rules of `lang`.
pub fn segment(text: &str, lang: Lang) -> Vec<Sentence> {
    // News sentences run 100-200 bytes: room for most without regrowth.
    let mut out = Vec::with_capacity(text.len() / 96 + 4);
    segment_into(text, lang, &mut out);
    out
}

/// Like [`segment`], reusing `out`'s allocation. `out` is cleared first.
pub fn segment_into(text: &str, lang: Lang, out: &mut Vec<Sentence>) {
    out.clear();
    match lang {
        Lang::En | Lang::Ru => rules::segment(text, lang, out),
        Lang::Other => fallback::segment(text, out),
    }
}

/// Checks the span invariants of [`segment`] on arbitrary bytes (read as
/// lossy UTF-8) for every language, panicking on a violation. The body of
/// the fuzz target `segment`, also run by a property test.
#[doc(hidden)]
pub fn fuzz_check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for lang in [Lang::En, Lang::Ru, Lang::Other] {
        let got = segment(&text, lang);
        if let Err(e) = check_spans(&text, &got) {
            panic!("{lang:?}: {e} in {text:?}");
        }
    }
}

/// The span invariants: in bounds, on character boundaries, non-empty,
/// trimmed, ordered, non-overlapping, and covering all non-whitespace.
#[doc(hidden)]
pub fn check_spans(text: &str, got: &[Sentence]) -> Result<(), String> {
    let mut prev = 0;
    for s in got {
        let Some(piece) = s.span.get(text) else {
            return Err(format!(
                "span {:?} out of bounds or off a char boundary",
                s.span
            ));
        };
        if piece.is_empty() || piece.trim() != piece {
            return Err(format!("span {:?} empty or untrimmed: {piece:?}", s.span));
        }
        if s.span.start < prev {
            return Err(format!("span {:?} overlaps or is out of order", s.span));
        }
        if !text[prev..s.span.start].trim().is_empty() {
            return Err(format!("non-whitespace before span {:?} left out", s.span));
        }
        prev = s.span.end;
    }
    if !text[prev..].trim().is_empty() {
        return Err("non-whitespace at the end left out".to_owned());
    }
    Ok(())
}
