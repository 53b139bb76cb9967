//! The chain of text repairs. Each pass maps a text to a new text plus edits
//! against its input, or returns `None` when it changed nothing; the chain
//! composes the edits.
//!
//! The text is repaired line by line (a line keeps its `\n`), and the chain
//! repeats on a line until it stops changing, as ftfy's `fix_text` does, so
//! a repair that exposes another (an entity inside mojibake) is finished.

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, is_nfc_quick, is_nfkc_quick};

use super::mojibake::{self, PassOutput};
use super::{Edit, EditKind, NormalizeOptions, Profile, UnicodeForm, compose};
use super::{cyrillic, diacritics, entities};
use crate::Span;

/// Runs every enabled pass over `text`.
pub(super) fn run<'a>(text: Cow<'a, str>, options: &NormalizeOptions) -> (Cow<'a, str>, Vec<Edit>) {
    if is_clean_fast(&text, options) {
        return (text, Vec::new());
    }
    let ftfy_html = options.profile == Profile::Ftfy;
    let mut html_ok =
        options.fix_html_entities && (ftfy_html || !entities::looks_like_markup(&text));
    let mut out = String::new();
    let mut edits: Vec<Edit> = Vec::new();
    let mut changed = false;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if ftfy_html && line.contains('<') {
            html_ok = false;
        }
        let (fixed, line_edits) = run_line(line, options, html_ok);
        if !line_edits.is_empty() {
            changed = true;
            let base_in = at;
            let base_out = out.len();
            edits.extend(line_edits.into_iter().map(|mut e| {
                e.input = Span::new(e.input.start + base_in, e.input.end + base_in);
                e.output = Span::new(e.output.start + base_out, e.output.end + base_out);
                e
            }));
        }
        out.push_str(&fixed);
        at += line.len();
    }
    if changed {
        (Cow::Owned(out), edits)
    } else {
        (text, Vec::new())
    }
}

/// Pure ASCII with no entity, control character or CR needs nothing.
fn is_clean_fast(text: &str, options: &NormalizeOptions) -> bool {
    let b = text.as_bytes();
    if !b.is_ascii() {
        return false;
    }
    let amp = options.fix_html_entities;
    let quotes = options.uncurl_quotes; // ASCII has no curly quotes
    let _ = quotes;
    !b.iter()
        .any(|&c| (c < 0x20 && c != b'\n' && c != b'\t') || c == 0x7F || (amp && c == b'&'))
}

fn run_line<'a>(line: &'a str, o: &NormalizeOptions, html_ok: bool) -> (Cow<'a, str>, Vec<Edit>) {
    let mut text: Cow<'a, str> = Cow::Borrowed(line);
    let mut edits: Vec<Edit> = Vec::new();
    let cfg = mojibake::Config {
        infer_lost_bytes: o.infer_lost_bytes,
    };
    for _ in 0..4 {
        let before = edits.len();
        let mut round_changed = false;
        let mut step = |text: &mut Cow<'a, str>, out: PassOutput| {
            if let Some((next, e)) = out {
                if next != **text {
                    edits = if edits.is_empty() {
                        e
                    } else {
                        compose(&edits, &e)
                    };
                    *text = Cow::Owned(next);
                    round_changed = true;
                }
            }
        };
        if html_ok {
            let out = entities::unescape(&text);
            step(&mut text, out);
        }
        if o.fix_mojibake {
            let out = mojibake::fix_encoding(&text, cfg);
            step(&mut text, out);
            let out = cyrillic::fix(&text);
            step(&mut text, out);
            let out = mojibake::fix_c1_controls(&text);
            step(&mut text, out);
        }
        if o.split_ligatures {
            let out = map_chars(&text, ligature, EditKind::Ligature, "latin ligature split");
            step(&mut text, out);
        }
        if o.fix_character_width {
            let out = map_chars(
                &text,
                width,
                EditKind::Width,
                "full-width or half-width form",
            );
            step(&mut text, out);
        }
        if o.uncurl_quotes {
            let out = map_chars(&text, uncurl, EditKind::Quote, "curly quote straightened");
            step(&mut text, out);
        }
        if o.normalize_line_breaks {
            let out = line_breaks(&text);
            step(&mut text, out);
        }
        if o.replace_noncharacters {
            let out = map_chars(
                &text,
                nonchar,
                EditKind::Noncharacter,
                "noncharacter replaced",
            );
            step(&mut text, out);
        }
        if o.remove_control_chars {
            let out = control_chars(&text);
            step(&mut text, out);
        }
        if o.remove_stray_boms {
            let out = map_chars(
                &text,
                |c| (c == '\u{FEFF}').then_some(""),
                EditKind::StrayBom,
                "byte order mark inside the text",
            );
            step(&mut text, out);
        }
        if o.unicode_form != UnicodeForm::None {
            let out = unicode_form(&text, o.unicode_form);
            step(&mut text, out);
        }
        if o.restore_diacritics {
            let out = diacritics::restore(&text);
            step(&mut text, out);
        }
        let _ = before;
        if !round_changed {
            break;
        }
    }
    (text, edits)
}

/// Builds a new text from `text` by replacing some spans, in order.
pub(super) struct Rewriter<'t> {
    text: &'t str,
    out: String,
    at: usize,
    edits: Vec<Edit>,
}

impl<'t> Rewriter<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Rewriter {
            text,
            out: String::new(),
            at: 0,
            edits: Vec::new(),
        }
    }

    /// Replaces `span` (at or after the previous one) with `with`.
    pub(super) fn replace(
        &mut self,
        span: Span,
        with: &str,
        kind: EditKind,
        reason: Cow<'static, str>,
    ) {
        if self.out.capacity() == 0 {
            self.out.reserve(self.text.len() + 16);
        }
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

    /// Replaces `text[s..e]` with `with`, whose edits against that slice
    /// are `sub`.
    pub(super) fn splice(&mut self, s: usize, e: usize, with: &str, sub: &[Edit]) {
        if self.out.capacity() == 0 {
            self.out.reserve(self.text.len() + 16);
        }
        self.out.push_str(&self.text[self.at..s]);
        let base = self.out.len();
        self.out.push_str(with);
        self.edits.extend(sub.iter().map(|x| Edit {
            input: Span::new(x.input.start + s, x.input.end + s),
            output: Span::new(x.output.start + base, x.output.end + base),
            kind: x.kind,
            reason: x.reason.clone(),
        }));
        self.at = e;
    }

    pub(super) fn finish(mut self) -> PassOutput {
        if self.edits.is_empty() {
            return None;
        }
        self.out.push_str(&self.text[self.at..]);
        Some((self.out, self.edits))
    }
}

/// Replaces single characters by `f`'s answer.
fn map_chars(
    text: &str,
    f: impl Fn(char) -> Option<&'static str>,
    kind: EditKind,
    reason: &'static str,
) -> PassOutput {
    if text.is_ascii() {
        return None;
    }
    let mut rw = Rewriter::new(text);
    for (i, c) in text.char_indices() {
        if c.is_ascii() {
            continue;
        }
        if let Some(r) = f(c) {
            rw.replace(
                Span::new(i, i + c.len_utf8()),
                r,
                kind,
                Cow::Borrowed(reason),
            );
        }
    }
    rw.finish()
}

fn ligature(c: char) -> Option<&'static str> {
    Some(match c {
        'Ĳ' => "IJ",
        'ĳ' => "ij",
        'ŉ' => "\u{2bc}n",
        'Ǳ' => "DZ",
        'ǲ' => "Dz",
        'ǳ' => "dz",
        'Ǆ' => "DŽ",
        'ǅ' => "Dž",
        'ǆ' => "dž",
        'Ǉ' => "LJ",
        'ǈ' => "Lj",
        'ǉ' => "lj",
        'Ǌ' => "NJ",
        'ǋ' => "Nj",
        'ǌ' => "nj",
        'ﬀ' => "ff",
        'ﬁ' => "fi",
        'ﬂ' => "fl",
        'ﬃ' => "ffi",
        'ﬄ' => "ffl",
        'ﬅ' => "ſt",
        'ﬆ' => "st",
        _ => return None,
    })
}

/// Full-width ASCII variants (U+FF01..U+FF5E) and U+3000 become standard
/// width; half-width katakana, hangul and symbols (U+FF61..U+FFEE) become
/// their standard forms.
fn width(c: char) -> Option<&'static str> {
    let u = c as u32;
    if u == 0x3000 {
        return Some(" ");
    }
    if (0xFF01..=0xFF5E).contains(&u) {
        return ascii_str((u - 0xFF01 + 0x21) as u8);
    }
    if (0xFF5F..=0xFFEF).contains(&u) {
        return half_width(c);
    }
    None
}

fn ascii_str(b: u8) -> Option<&'static str> {
    const ASCII: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    let i = usize::from(b).checked_sub(0x20)?;
    ASCII.get(i..i + 1)
}

fn half_width(c: char) -> Option<&'static str> {
    // NFKC of the half-width and remaining full-width block, precomputed
    // lazily into static strings.
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static MAP: OnceLock<HashMap<char, &'static str>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m = HashMap::new();
        for u in 0xFF5Fu32..=0xFFEF {
            if let Some(ch) = char::from_u32(u) {
                let s: String = std::iter::once(ch).nfkc().collect();
                if s.chars().ne(std::iter::once(ch)) {
                    m.insert(ch, &*Box::leak(s.into_boxed_str()));
                }
            }
        }
        m
    });
    map.get(&c).copied()
}

fn uncurl(c: char) -> Option<&'static str> {
    match c {
        '\u{2bc}' | '\u{2018}'..='\u{201b}' => Some("'"),
        '\u{201c}'..='\u{201f}' => Some("\""),
        _ => None,
    }
}

/// U+FFFE, U+FFFF, U+FDD0..U+FDEF and the last two code points of every
/// plane are noncharacters; lone surrogates from a lossy UTF-16 decode are
/// already U+FFFD.
fn nonchar(c: char) -> Option<&'static str> {
    let u = c as u32;
    ((0xFDD0..=0xFDEF).contains(&u) || u & 0xFFFE == 0xFFFE).then_some("\u{FFFD}")
}

/// CRLF, CR, U+2028, U+2029 and NEL become LF.
fn line_breaks(text: &str) -> PassOutput {
    if !text.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}']) {
        return None;
    }
    let mut rw = Rewriter::new(text);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (end, reason) = if bytes[i] == b'\r' {
            if bytes.get(i + 1) == Some(&b'\n') {
                (i + 2, "crlf line break")
            } else {
                (i + 1, "cr line break")
            }
        } else if text[i..].starts_with('\u{2028}') {
            (i + 3, "u+2028 line separator")
        } else if text[i..].starts_with('\u{2029}') {
            (i + 3, "u+2029 paragraph separator")
        } else if text[i..].starts_with('\u{85}') {
            (i + 2, "u+0085 next line")
        } else {
            i += 1;
            continue;
        };
        rw.replace(
            Span::new(i, end),
            "\n",
            EditKind::LineBreak,
            Cow::Borrowed(reason),
        );
        i = end;
    }
    rw.finish()
}

fn is_removed_control(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{e}'..='\u{1f}' | '\u{7f}' | '\u{206a}'..='\u{206f}' | '\u{fff9}'..='\u{fffc}')
}

/// Removes terminal escape sequences (`ESC [ ... letter`), NUL and control
/// characters other than tab, LF, FF and CR.
fn control_chars(text: &str) -> PassOutput {
    if !text.contains(is_removed_control) {
        return None;
    }
    let mut rw = Rewriter::new(text);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == 0x1B && bytes.get(i + 1) == Some(&b'[') {
            let mut j = i + 2;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';') {
                j += 1;
            }
            if j < bytes.len() && bytes[j].is_ascii_alphabetic() {
                rw.replace(
                    Span::new(i, j + 1),
                    "",
                    EditKind::ControlChar,
                    Cow::Borrowed("terminal escape removed"),
                );
                i = j + 1;
                continue;
            }
        }
        if c < 0x80 {
            if is_removed_control(c as char) {
                let reason = if c == 0 {
                    "nul removed"
                } else {
                    "control character removed"
                };
                rw.replace(
                    Span::new(i, i + 1),
                    "",
                    EditKind::ControlChar,
                    Cow::Borrowed(reason),
                );
            }
            i += 1;
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
        if is_removed_control(ch) {
            rw.replace(
                Span::new(i, i + ch.len_utf8()),
                "",
                EditKind::ControlChar,
                Cow::Borrowed("format control removed"),
            );
        }
        i += ch.len_utf8();
    }
    rw.finish()
}

/// NFC or NFKC, applied per run of non-ASCII characters with the character
/// before it (no composition takes an ASCII second character).
fn unicode_form(text: &str, form: UnicodeForm) -> PassOutput {
    if text.is_ascii() {
        return None;
    }
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
