//! Sentence segmentation for English and Russian news copy.
//!
//! [`segment`] returns sentence spans: byte ranges into the given text, in
//! order, non-overlapping, trimmed of surrounding whitespace, and together
//! covering every non-whitespace character. It runs in linear time.

use crate::{Lang, Span};

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SentenceKind {
    /// An ordinary sentence.
    Sentence,
    /// A line without final punctuation above a blank line.
    Headline,
    /// A dateline standing alone.
    Dateline,
    /// An item of a list.
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

const ABBREVIATIONS_EN: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "st", "jr", "sr", "vs", "no",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc",
    "corp", "ltd", "co", "etc", "e.g", "i.e", "u.s", "u.n", "u.k", "a.m", "p.m",
];
const ABBREVIATIONS_RU: &[&str] = &[
    "т.е", "т.д", "т.п", "г", "гг", "им", "ул", "млрд", "млн", "тыс", "руб", "см", "т.к",
];

/// Splits `text` into sentences with the rules of `lang`.
pub fn segment(text: &str, lang: Lang) -> Vec<Sentence> {
    let mut out = Vec::new();
    segment_into(text, lang, &mut out);
    out
}

/// Like [`segment`], reusing `out`'s allocation. `out` is cleared first.
pub fn segment_into(text: &str, lang: Lang, out: &mut Vec<Sentence>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // paragraph break
        if b == b'\n' {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t' || bytes[j] == b'\r') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'\n' {
                push(text, start, i, SentenceKind::Headline, out);
                start = j;
                i = j;
                continue;
            }
        }
        if matches!(b, b'.' | b'!' | b'?') {
            let mut end = i + 1;
            while end < bytes.len()
                && matches!(bytes[end], b'.' | b'!' | b'?' | b'"' | b')' | b'\'')
            {
                end += 1;
            }
            if end >= bytes.len() || bytes[end].is_ascii_whitespace() {
                let next = text[end..].trim_start();
                let starts_upper = next
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_numeric() || "\"«“(".contains(c));
                if b != b'.' || (starts_upper && !is_abbreviation(text, start, i, lang)) {
                    push(text, start, end, SentenceKind::Sentence, out);
                    start = end;
                }
            }
            i = end;
            continue;
        }
        i += 1;
    }
    push(text, start, text.len(), SentenceKind::Sentence, out);
    // A segment that ends with terminal punctuation is a sentence, whatever
    // split it off.
    for s in out.iter_mut() {
        if s.kind == SentenceKind::Headline
            && text[s.span.start..s.span.end].ends_with(['.', '!', '?'])
        {
            s.kind = SentenceKind::Sentence;
        }
    }
}

fn push(text: &str, start: usize, end: usize, kind: SentenceKind, out: &mut Vec<Sentence>) {
    let piece = &text[start..end];
    let trimmed = piece.trim();
    if trimmed.is_empty() {
        return;
    }
    let s = start + (piece.len() - piece.trim_start().len());
    out.push(Sentence {
        span: Span::new(s, s + trimmed.len()),
        kind,
    });
}

fn is_abbreviation(text: &str, start: usize, dot: usize, lang: Lang) -> bool {
    let word_start = text[start..dot]
        .rfind(|c: char| c.is_whitespace() || c == '(')
        .map_or(start, |p| start + p + 1);
    let word = text[word_start..dot].to_lowercase();
    if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
        return true; // an initial
    }
    let list = match lang {
        Lang::Ru => ABBREVIATIONS_RU,
        _ => ABBREVIATIONS_EN,
    };
    list.contains(&word.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str, lang: Lang) -> Vec<&str> {
        segment(text, lang)
            .iter()
            .map(|s| &text[s.span.start..s.span.end])
            .collect()
    }

    #[test]
    fn table() {
        let cases: &[(&str, Lang, &[&str])] = &[
            (
                "Hello world. How are you?",
                Lang::En,
                &["Hello world.", "How are you?"],
            ),
            (
                "Mr. Smith arrived. He left.",
                Lang::En,
                &["Mr. Smith arrived.", "He left."],
            ),
            (
                "Talks stall\n\nDiplomats met on Monday.",
                Lang::En,
                &["Talks stall", "Diplomats met on Monday."],
            ),
            (
                "Встреча прошла в г. Москве. Стороны договорились.",
                Lang::Ru,
                &["Встреча прошла в г. Москве.", "Стороны договорились."],
            ),
        ];
        for (text, lang, want) in cases {
            assert_eq!(sentences(text, *lang), *want, "{text}");
        }
    }
}
