//! The chain of text repairs. Each pass maps a text to a new text plus edits
//! against its input, or returns `None` when it changed nothing.

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, is_nfc_quick, is_nfkc_quick};

use super::{Edit, EditKind, NormalizeOptions, UnicodeForm, compose};
use crate::Span;

type PassOutput = Option<(String, Vec<Edit>)>;

/// Runs every enabled pass over `text`.
pub(super) fn run<'a>(text: Cow<'a, str>, options: &NormalizeOptions) -> (Cow<'a, str>, Vec<Edit>) {
    let mut text = text;
    let mut edits: Vec<Edit> = Vec::new();
    let mut step = |text: &mut Cow<'a, str>, out: PassOutput| {
        if let Some((next, e)) = out {
            edits = if edits.is_empty() {
                e
            } else {
                compose(&edits, &e)
            };
            *text = Cow::Owned(next);
        }
    };
    if options.fix_mojibake {
        let out = mojibake(&text);
        step(&mut text, out);
    }
    if options.normalize_line_breaks {
        let out = line_breaks(&text);
        step(&mut text, out);
    }
    if options.unicode_form != UnicodeForm::None {
        let out = unicode_form(&text, options.unicode_form);
        step(&mut text, out);
    }
    (text, edits)
}

/// Builds a new text from `text` by replacing some spans.
struct Rewriter<'t> {
    text: &'t str,
    out: String,
    at: usize,
    edits: Vec<Edit>,
}

impl<'t> Rewriter<'t> {
    fn new(text: &'t str) -> Self {
        Rewriter {
            text,
            out: String::with_capacity(text.len()),
            at: 0,
            edits: Vec::new(),
        }
    }

    fn replace(&mut self, span: Span, with: &str, kind: EditKind, reason: Cow<'static, str>) {
        self.out.push_str(&self.text[self.at..span.start]);
        let start = self.out.len();
        self.out.push_str(with);
        self.edits.push(Edit {
            input: span,
            output: Span::new(start, self.out.len()),
            kind,
            reason,
        });
        self.at = span.end;
    }

    fn finish(mut self) -> PassOutput {
        if self.edits.is_empty() {
            return None;
        }
        self.out.push_str(&self.text[self.at..]);
        Some((self.out, self.edits))
    }
}

/// UTF-8 read as windows-1252: runs of characters that windows-1252 can
/// encode, which re-encoded form valid UTF-8 with at least one multi-byte
/// sequence, are decoded back.
fn mojibake(text: &str) -> PassOutput {
    if text.is_ascii() {
        return None;
    }
    let mut rw = Rewriter::new(text);
    let mut run_start: Option<usize> = None;
    let mut buf = Vec::new();
    let flush = |rw: &mut Rewriter<'_>, start: usize, end: usize, buf: &mut Vec<u8>| {
        let run = &text[start..end];
        buf.clear();
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(run);
        if unmappable || bytes.is_ascii() {
            return;
        }
        buf.extend_from_slice(&bytes);
        if let Ok(fixed) = std::str::from_utf8(buf) {
            if fixed != run {
                rw.replace(
                    Span::new(start, end),
                    fixed,
                    EditKind::Mojibake,
                    Cow::Borrowed("utf-8 read as windows-1252"),
                );
            }
        }
    };
    for (i, c) in text.char_indices() {
        let encodable = c.is_ascii() || is_cp1252_high(c);
        match (encodable && !c.is_ascii_whitespace(), run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                flush(&mut rw, s, i, &mut buf);
                run_start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = run_start {
        flush(&mut rw, s, text.len(), &mut buf);
    }
    rw.finish()
}

fn is_cp1252_high(c: char) -> bool {
    let mut tmp = [0u8; 4];
    let s = c.encode_utf8(&mut tmp);
    let (_, _, unmappable) = encoding_rs::WINDOWS_1252.encode(s);
    !c.is_ascii() && !unmappable
}

/// CRLF, CR and U+2028 become LF.
fn line_breaks(text: &str) -> PassOutput {
    if !text.contains(['\r', '\u{2028}']) {
        return None;
    }
    let mut rw = Rewriter::new(text);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' {
            let end = if bytes.get(i + 1) == Some(&b'\n') {
                i + 2
            } else {
                i + 1
            };
            let reason = if end == i + 2 {
                "crlf line break"
            } else {
                "cr line break"
            };
            rw.replace(
                Span::new(i, end),
                "\n",
                EditKind::LineBreak,
                Cow::Borrowed(reason),
            );
            i = end;
        } else if text[i..].starts_with('\u{2028}') {
            rw.replace(
                Span::new(i, i + 3),
                "\n",
                EditKind::LineBreak,
                Cow::Borrowed("u+2028 line separator"),
            );
            i += 3;
        } else {
            i += 1;
        }
    }
    rw.finish()
}

/// NFC or NFKC, applied per run of non-ASCII characters with the character
/// before it (no composition takes an ASCII second character).
fn unicode_form(text: &str, form: UnicodeForm) -> PassOutput {
    let quick = match form {
        UnicodeForm::Nfc => is_nfc_quick(text.chars()),
        UnicodeForm::Nfkc => is_nfkc_quick(text.chars()),
        UnicodeForm::None => return None,
    };
    if quick == unicode_normalization::IsNormalized::Yes {
        return None;
    }
    let mut rw = Rewriter::new(text);
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<usize> = None;
    let mut scratch = String::new();
    while let Some((i, c)) = chars.next() {
        if c.is_ascii() {
            prev = Some(i);
            continue;
        }
        let start = prev.unwrap_or(i);
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_ascii() {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        let chunk = &text[start..end];
        scratch.clear();
        match form {
            UnicodeForm::Nfc => scratch.extend(chunk.nfc()),
            _ => scratch.extend(chunk.nfkc()),
        }
        if scratch != chunk {
            let reason = if form == UnicodeForm::Nfc {
                "nfc"
            } else {
                "nfkc"
            };
            rw.replace(
                Span::new(start, end),
                &scratch,
                EditKind::UnicodeForm,
                Cow::Borrowed(reason),
            );
        }
        prev = None;
    }
    rw.finish()
}

#[cfg(test)]
mod tests {
    use super::super::{NormalizeOptions, apply};
    use super::*;

    #[test]
    fn repairs_and_explains() {
        let cases = [
            (
                "It\u{e2}\u{20ac}\u{2122}s fine",
                "It\u{2019}s fine",
                EditKind::Mojibake,
            ),
            ("Ð\u{a0}Ñ‹Ð½Ð¾Ðº", "Рынок", EditKind::Mojibake),
            ("a\r\nb", "a\nb", EditKind::LineBreak),
            ("cafe\u{301}", "caf\u{e9}", EditKind::UnicodeForm),
        ];
        for (input, want, kind) in cases {
            let (out, edits) = run(Cow::Borrowed(input), &NormalizeOptions::default());
            assert_eq!(out, want, "{input:?}");
            assert!(edits.iter().any(|e| e.kind == kind), "{input:?}: {edits:?}");
            assert_eq!(apply(input, &edits, &out).as_deref(), Some(want));
        }
    }

    #[test]
    fn clean_text_untouched() {
        for input in [
            "plain ascii",
            "Привет, мир",
            "naïve café",
            "l·l",
            "3 × 4",
            "東京 😀",
        ] {
            let (out, edits) = run(Cow::Borrowed(input), &NormalizeOptions::default());
            assert!(matches!(out, Cow::Borrowed(_)), "{input}");
            assert!(edits.is_empty(), "{input}: {edits:?}");
        }
    }
}
