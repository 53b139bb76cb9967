//! HTML character references in plain text: `&eacute;`, `&#233;`,
//! `&#xE9;`, and all-caps spellings of lower-case names (`&EACUTE;`).
//!
//! Only references that end in `;` are decoded (so `this&not that` stays),
//! and only when the text is not itself markup: the caller decides with
//! [`looks_like_markup`] (the ftfy profile instead stops at the first `<`).

use std::borrow::Cow;

use super::entities_table::ENTITIES;
use super::mojibake::PassOutput;
use super::passes::Rewriter;
use super::{EditKind, codecs};
use crate::Span;

/// True when the text holds something that looks like a tag (`<p`, `</`,
/// `<!`): entities there are markup, not damage.
pub(super) fn looks_like_markup(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
}

fn lookup(name: &str) -> Option<&'static str> {
    ENTITIES
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| ENTITIES[i].1)
}

/// Decodes a numeric reference body (`233`, `xE9`) the way HTML does:
/// out-of-range and surrogate numbers become U+FFFD, windows-1252 numbers
/// 0x80..0x9F their windows-1252 characters, other controls nothing.
fn numeric(body: &str) -> Option<Cow<'static, str>> {
    let n = if let Some(hex) = body.strip_prefix(['x', 'X']) {
        u32::from_str_radix(hex, 16).ok()
    } else {
        body.parse::<u32>().ok()
    };
    let n = match n {
        Some(n) => n,
        // Too many digits to fit: out of range.
        None if body
            .trim_start_matches(['x', 'X'])
            .bytes()
            .all(|b| b.is_ascii_hexdigit()) =>
        {
            return Some(Cow::Borrowed("\u{FFFD}"));
        }
        None => return None,
    };
    if (0x80..=0x9F).contains(&n) {
        let c = codecs::CODECS[codecs::WINDOWS_1252].decode(n as u8);
        return Some(Cow::Owned(c.to_string()));
    }
    if n == 0 || (0xD800..=0xDFFF).contains(&n) || n > 0x10FFFF {
        return Some(Cow::Borrowed("\u{FFFD}"));
    }
    let invalid = matches!(n, 0x1..=0x8 | 0xB | 0xE..=0x1F | 0x7F | 0xFDD0..=0xFDEF)
        || (n & 0xFFFE == 0xFFFE);
    if invalid {
        return Some(Cow::Borrowed(""));
    }
    char::from_u32(n).map(|c| Cow::Owned(c.to_string()))
}

/// Decodes every character reference of the form `&name;` or `&#num;`.
pub(super) fn unescape(text: &str) -> PassOutput {
    if !text.contains('&') {
        return None;
    }
    let b = text.as_bytes();
    let mut rw = Rewriter::new(text);
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'&' {
            i += 1;
            continue;
        }
        let numeric_ref = b.get(i + 1) == Some(&b'#');
        let body_start = i + 1 + usize::from(numeric_ref);
        let mut j = body_start;
        while j < b.len() && j - body_start < 24 && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        if j == body_start || b.get(j) != Some(&b';') {
            i += 1;
            continue;
        }
        let body = &text[body_start..j];
        let rep: Option<Cow<'static, str>> = if numeric_ref {
            numeric(body)
        } else {
            lookup(body).map(Cow::Borrowed)
        };
        match rep {
            Some(r) => {
                rw.replace(
                    Span::new(i, j + 1),
                    &r,
                    EditKind::HtmlEntity,
                    Cow::Borrowed("html entity"),
                );
                i = j + 1;
            }
            None => i += 1,
        }
    }
    rw.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_table_driven() {
        let cases = [
            ("caf&eacute;", Some("café")),
            ("&#233;t&#xE9;", Some("été")),
            ("P&EACUTE;REZ", Some("PÉREZ")),
            ("&#150;", Some("–")),
            ("a &amp b", None),
            ("this&not that", None),
            ("&bogus;", None),
            ("&lt;p&gt;", Some("<p>")),
        ];
        for (input, want) in cases {
            let got = unescape(input).map(|(s, _)| s);
            assert_eq!(got.as_deref(), want, "{input}");
        }
        assert!(looks_like_markup("<p>caf&eacute;</p>"));
        assert!(!looks_like_markup("a < b &amp; c"));
    }
}
