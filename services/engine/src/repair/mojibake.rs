//! Mojibake: UTF-8 that was decoded as a single-byte code page (one layer or
//! several), undone.
//!
//! One step (`one_step_ungated`) works like this, and [`fix_encoding`] repeats it
//! until the text stops changing (each layer of damage takes one step):
//! 1. ASCII text, and text in which [`is_bad`] finds no juxtaposition typical
//!    of mojibake, is left alone. This gate is what keeps Catalan `l·l`,
//!    `×` in maths, names with `Â`, Greek or correct Russian untouched.
//! 2. Whole text: the first codec (in a fixed order) that can encode every
//!    character and whose bytes decode as UTF-8 wins. Before decoding, spaces
//!    that stand for a lost byte 0xA0 are put back where only that makes the
//!    bytes valid UTF-8, and sequences with a byte lost to U+FFFD (encoded as
//!    0x1A by the sloppy codecs) become U+FFFD, or the inferred character
//!    when the lost byte is certain enough.
//! 3. Segments: maximal runs that look like UTF-8 bytes in disguise (a lead
//!    character followed by the right number of continuation characters) and
//!    that are bad on their own are repaired alone, so damage inside good
//!    text is fixed without touching the rest.
//! 4. Text that is Latin-1 but holds C1 controls is re-read as windows-1252.
//!
//! Every change is reported as edits at character granularity.

use std::borrow::Cow;

use super::chars::{is_bad, is_bad_inside_word};
use super::codecs::{
    self, CODECS, CONT, CONT_STRICT, LATIN_1, LEAD2, LEAD3, LEAD4, Tracked, WINDOWS_1252,
};
use super::{Edit, EditKind, compose};
use crate::Span;

/// A pass result: new text plus edits against the pass input.
pub(super) type PassOutput = Option<(String, Vec<Edit>)>;

/// Settings of the encoding repair.
#[derive(Debug, Clone, Copy)]
pub(super) struct Config {
    /// Infer a lost byte when only one character fits (else U+FFFD).
    pub(super) infer_lost_bytes: bool,
}

const FTFY_CODECS: usize = 10;
const MAC_ROMAN: usize = 8;

/// Repairs mojibake until the text stops changing (at most 8 layers).
pub(super) fn fix_encoding(text: &str, cfg: Config) -> PassOutput {
    fix_layers(text, cfg, false).0
}

/// [`fix_encoding`] for text already known to be non-ASCII and bad.
pub(super) fn fix_encoding_bad(text: &str, cfg: Config) -> PassOutput {
    fix_layers(text, cfg, true).0
}

/// [`fix_encoding_bad`], also telling whether the result was found not bad
/// (the last layer stopped because [`is_bad`] saw nothing), so the caller
/// need not ask again.
pub(super) fn fix_encoding_bad_checked(text: &str, cfg: Config) -> (PassOutput, bool) {
    fix_layers(text, cfg, true)
}

fn fix_layers(text: &str, cfg: Config, known_bad: bool) -> (PassOutput, bool) {
    let mut cur: Cow<'_, str> = Cow::Borrowed(text);
    let mut edits: Vec<Edit> = Vec::new();
    let mut clean = false;
    for layer in 0..8 {
        let step = if layer == 0 && known_bad {
            one_step_ungated(&cur, cfg)
        } else if cur.is_ascii() || !is_bad(&cur) {
            // The gate of a step, answered here to remember the answer.
            clean = true;
            None
        } else {
            one_step_ungated(&cur, cfg)
        };
        match step {
            Some((next, e)) if !e.is_empty() => {
                edits = if edits.is_empty() {
                    e
                } else {
                    compose(&edits, &e)
                };
                cur = Cow::Owned(next);
            }
            _ => break,
        }
    }
    match cur {
        Cow::Owned(s) if !edits.is_empty() => (Some((s, edits)), clean),
        _ => (None, clean),
    }
}

/// One layer of repair (see the module docs) for text that [`is_bad`];
/// [`fix_layers`] asks that first.
fn one_step_ungated(text: &str, cfg: Config) -> PassOutput {
    let mut bytes = Vec::new();
    let (mask, first_hints) = codecs::encode_first(text, (1 << FTFY_CODECS) - 1, &mut bytes);
    let first = mask.trailing_zeros() as usize;
    for (i, codec) in CODECS.iter().enumerate().take(FTFY_CODECS) {
        if mask & (1 << i) == 0 {
            continue;
        }
        // Cheap rejection first: bytes that neither a lost 0xA0 nor a lost
        // byte could have altered must already be UTF-8.
        let hints = if i == first {
            first_hints
        } else {
            let Some(hints) = codecs::encode_into(text, i, &mut bytes) else {
                continue;
            };
            hints
        };
        let may_alter = (i != MAC_ROMAN && hints.maybe_altered && has_altered_utf8(&bytes))
            || (codec.sloppy && hints.maybe_lost);
        if !may_alter {
            // The bytes stand as they are: one byte per character of `text`.
            // (A SIMD check and a copy cost less than std's check.)
            if let Ok(out) = simdutf8::basic::from_utf8(&bytes) {
                match transcode_utf8(text, out, codec.name) {
                    Some(done) => return Some(done),
                    None => continue,
                }
            }
            if !codecs::is_utf8_variant(&bytes) {
                continue;
            }
            if let Some(out) = transcode(text, &bytes, None, codec.name, false, &[]) {
                return Some(out);
            }
            continue;
        }
        if stops_for_good(&bytes) {
            continue;
        }
        if let Some(out) = transcode_altered(text, i, std::mem::take(&mut bytes), cfg) {
            return Some(out);
        }
    }
    if let Some(out) = decode_inconsistent(text, cfg) {
        return Some(out);
    }
    if mask & (1 << LATIN_1) != 0 {
        // Latin-1 text holding C1 controls: it was windows-1252.
        // Every character is below U+0100: its Latin-1 byte is its number.
        if !text
            .chars()
            .any(|c| matches!(c as u32, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
        {
            let mut rw = super::passes::Rewriter::new(text);
            for (at, c) in text.char_indices() {
                if ('\u{80}'..='\u{9f}').contains(&c) {
                    let (d, why) = c1_choice(text, at, c, "windows-1252 read as latin-1");
                    let mut buf = [0u8; 4];
                    rw.replace(
                        Span::new(at, at + c.len_utf8()),
                        d.encode_utf8(&mut buf),
                        EditKind::C1Control,
                        Cow::Borrowed(why),
                    );
                }
            }
            if let Some(out) = rw.finish() {
                return Some(out);
            }
        }
    }
    fix_c1_controls(text)
}

/// `bytes`, the encoding of `text` by codec `i`, with bytes 0xA0 lost to
/// spaces put back and sequences with a lost byte replaced, decoded.
fn transcode_altered(text: &str, i: usize, bytes: Vec<u8>, cfg: Config) -> PassOutput {
    let codec = &CODECS[i];
    let mut t = Tracked::from_encoded(text, bytes);
    let mut a0 = false;
    if i != MAC_ROMAN && has_altered_utf8(&t.bytes) {
        let before = t.bytes.len();
        let changed = restore_byte_a0(&mut t);
        a0 = changed || before != t.bytes.len();
    }
    let mut lossy = Vec::new();
    if codec.sloppy {
        lossy = replace_lossy(&mut t, cfg.infer_lost_bytes);
    }
    transcode(text, &t.bytes, Some(&t.src), codec.name, a0, &lossy)
}

/// True when [`transcode_altered`] must fail on `bytes`, found without
/// building its tracking: the UTF-8 decoder (CESU-8 and `C0 80` too) stops
/// at some sequence, and the repairs cannot change the bytes it looked at.
/// Everything before the first stop decodes, so every pattern the repairs
/// rewrite (a lead byte with a space, `?` or 0x1A after it, or `C3` and a
/// space, after which a byte is inserted) starts at or after it; only a
/// lone 0x1A can come before, and it becomes a whole sequence. When no
/// pattern starts among the bytes the decoder looked at, and no space,
/// `?` or 0x1A is among them or right after, the decoder stops there
/// again.
fn stops_for_good(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x80 {
            i = super::passes::skip_ascii(bytes, i + 1);
            continue;
        }
        match codecs::decode_variant_at(bytes, i) {
            Some((_, n)) => i += n,
            None => {
                // How many bytes the decoder looks at from a lead.
                let look = match bytes[i] {
                    0xED => 6,
                    0xF0..=0xF4 => 4,
                    0xE0..=0xEF => 3,
                    0xC0..=0xDF => 2,
                    _ => 1,
                };
                let end = (i + look).min(bytes.len());
                let near = &bytes[i..(end + 1).min(bytes.len())];
                if near.iter().any(|&b| matches!(b, b' ' | b'?' | 0x1A)) {
                    return false;
                }
                return !(i..end).any(|q| {
                    altered_at(bytes, q).is_some()
                        || lossy_at(bytes, q).is_some()
                        || (bytes[q] == 0xC3 && bytes.get(q + 1) == Some(&b' '))
                });
            }
        }
    }
    false
}

/// C1 controls become the windows-1252 characters of the same byte (bytes
/// windows-1252 leaves undefined stay as they are).
pub(super) fn fix_c1_controls(text: &str) -> PassOutput {
    if !text.contains(|c: char| ('\u{80}'..='\u{9f}').contains(&c)) {
        return None;
    }
    let mut rw = super::passes::Rewriter::new(text);
    for (at, c) in text.char_indices() {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            let (d, why) = c1_choice(text, at, c, "c1 control from windows-1252");
            if d != c {
                let mut buf = [0u8; 4];
                rw.replace(
                    Span::new(at, at + c.len_utf8()),
                    d.encode_utf8(&mut buf),
                    EditKind::C1Control,
                    Cow::Borrowed(why),
                );
            }
        }
    }
    rw.finish()
}

/// The character a C1 control at `at` stood for: its windows-1252 reading,
/// except inside a word, where a windows-1252 symbol (`tur’stico`,
/// `Coatl‡n`) is implausible and the Mac-Roman reading is a letter
/// (`turístico`, `Coatlán`). An apostrophe stays an apostrophe where a
/// clitic (`don’t`, `it’ll`) or an elision (`l’`, `dell’`) explains it.
fn c1_choice(text: &str, at: usize, c: char, why: &'static str) -> (char, &'static str) {
    let byte = c as u32 as u8;
    let d = CODECS[WINDOWS_1252].decode(byte);
    let before: &str = {
        let head = &text[..at];
        let n = head
            .chars()
            .rev()
            .take_while(char::is_ascii_alphabetic)
            .count();
        &head[head.len() - n..]
    };
    let after: &str = {
        let tail = &text[at + c.len_utf8()..];
        let n = tail.chars().take_while(char::is_ascii_alphabetic).count();
        &tail[..n]
    };
    // Dashes, ellipses and bullets glued between words are common style.
    if before.is_empty()
        || after.is_empty()
        || d.is_alphabetic()
        || matches!(d, '…' | '–' | '—' | '•')
    {
        return (d, why);
    }
    let mac = CODECS[MAC_ROMAN].decode(byte);
    if !mac.is_alphabetic() {
        return (d, why);
    }
    if matches!(d, '\u{2019}' | '\u{2018}') {
        let a = after.to_ascii_lowercase();
        let b = before.to_ascii_lowercase();
        let clitic = matches!(a.as_str(), "s" | "t" | "d" | "m" | "ll" | "re" | "ve");
        let elision = b.len() <= 2
            || matches!(
                b.as_str(),
                "dell" | "dall" | "nell" | "all" | "sull" | "quell" | "tutt" | "nessun" | "buon"
            );
        if clitic || elision {
            return (d, why);
        }
    }
    (mac, "mac-roman read as latin-1")
}

fn is_cont_a0(b: u8) -> bool {
    matches!(b, 0x80..=0x84 | 0x86..=0x9F | 0xA1..=0xBF)
}

/// Length of a sequence at `i` that would be UTF-8 if a space were 0xA0.
fn altered_at(b: &[u8], i: usize) -> Option<usize> {
    let g = |k: usize| b.get(i + k).copied();
    let x = g(0)?;
    let cont = |v: Option<u8>| v.is_some_and(|v| (0x80..=0xBF).contains(&v));
    if matches!(x, 0xC2 | 0xC3 | 0xC5 | 0xCE | 0xD0 | 0xD9) && g(1) == Some(b' ') {
        return Some(2);
    }
    if matches!(x, 0xE2 | 0xE3) && g(1) == Some(b' ') && g(2).is_some_and(is_cont_a0) {
        return Some(3);
    }
    if (0xE0..=0xE3).contains(&x) && g(1).is_some_and(is_cont_a0) && g(2) == Some(b' ') {
        return Some(3);
    }
    if x == 0xF0 {
        let sp = |k: usize| g(k) == Some(b' ');
        if (sp(1) && cont(g(2)) && cont(g(3)))
            || (cont(g(1)) && sp(2) && cont(g(3)))
            || (cont(g(1)) && cont(g(2)) && sp(3))
        {
            return Some(4);
        }
    }
    None
}

fn has_altered_utf8(b: &[u8]) -> bool {
    // Every pattern has a space within its first four bytes.
    // ... and a byte of 0x80 or more right before that space.
    b.iter().enumerate().any(|(i, &x)| {
        x == b' '
            && i > 0
            && b[i - 1] >= 0x80
            && (i.saturating_sub(3)..i).any(|s| altered_at(b, s).is_some())
    })
}

/// Puts back bytes 0xA0 that became spaces. Returns true when a byte changed.
fn restore_byte_a0(t: &mut Tracked) -> bool {
    let mut changed = false;
    // `Ã ` standing for `à` before a word (not before `s `, or the
    // Portuguese `àquele` family, which keep their own space).
    let mut i = 0;
    while i + 1 < t.bytes.len() {
        if t.bytes[i] == 0xC3 && t.bytes[i + 1] == b' ' {
            let rest = &t.bytes[i + 2..];
            let keep = rest.first() == Some(&b' ')
                || rest.starts_with(b"quele")
                || rest.starts_with(b"quela")
                || rest.starts_with(b"quilo")
                || rest.starts_with(b"s ");
            if !keep {
                let src = t.src[i];
                t.bytes.insert(i + 1, 0xA0);
                t.src.insert(i + 1, src);
                changed = true;
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    let mut i = 0;
    while i < t.bytes.len() {
        if let Some(n) = altered_at(&t.bytes, i) {
            for b in &mut t.bytes[i..i + n] {
                if *b == b' ' {
                    *b = 0xA0;
                    changed = true;
                }
            }
            i += n;
        } else {
            i += 1;
        }
    }
    changed
}

fn lossy_at(b: &[u8], i: usize) -> Option<usize> {
    let g = |k: usize| b.get(i + k).copied();
    let x = g(0)?;
    let sub = |v: Option<u8>| v == Some(0x1A);
    let q = |v: Option<u8>| matches!(v, Some(0x1A | b'?'));
    let sc = |v: Option<u8>| v.is_some_and(|v| v == 0x1A || (0x80..=0xBF).contains(&v));
    let qc =
        |v: Option<u8>| v.is_some_and(|v| v == 0x1A || v == b'?' || (0x80..=0xBF).contains(&v));
    let inr = |v: Option<u8>, lo: u8, hi: u8| v.is_some_and(|v| (lo..=hi).contains(&v));
    if (0xC2..=0xDF).contains(&x) && sub(g(1)) {
        return Some(2);
    }
    if (0xC2..=0xC3).contains(&x) && g(1) == Some(b'?') {
        return Some(2);
    }
    if x == 0xED {
        // A CESU-8 pair with one continuation byte lost in either half.
        if inr(g(1), 0xA0, 0xAF)
            && g(3) == Some(0xED)
            && inr(g(4), 0xB0, 0xBF)
            && ((q(g(2)) && qc(g(5))) || (qc(g(2)) && q(g(5))))
        {
            return Some(6);
        }
    }
    if (0xE0..=0xEF).contains(&x) && ((q(g(1)) && sc(g(2))) || (sc(g(1)) && q(g(2)))) {
        return Some(3);
    }
    if (0xF0..=0xF4).contains(&x)
        && ((q(g(1)) && sc(g(2)) && sc(g(3)))
            || (sc(g(1)) && q(g(2)) && sc(g(3)))
            || (sc(g(1)) && sc(g(2)) && q(g(3))))
    {
        return Some(4);
    }
    if x == 0x1A {
        return Some(1);
    }
    None
}

/// True when `b` has a 0x1A, or a `?` up to three bytes after a lead byte:
/// the only places [`lossy_at`] can match.
fn may_have_lost_bytes(b: &[u8]) -> bool {
    b.iter().enumerate().any(|(i, &x)| {
        x == 0x1A || (x == b'?' && i > 0 && b[i.saturating_sub(3)..i].iter().any(|&p| p >= 0xC2))
    })
}

/// Replaces UTF-8 sequences with a lost byte by U+FFFD (or, with `infer`,
/// by the one character that fits). Returns the byte ranges (in the new
/// bytes) that were produced this way.
fn replace_lossy(t: &mut Tracked, infer: bool) -> Vec<(usize, usize)> {
    if !may_have_lost_bytes(&t.bytes) {
        return Vec::new();
    }
    let mut out = Tracked::default();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < t.bytes.len() {
        if let Some(n) = lossy_at(&t.bytes, i) {
            let seq = &t.bytes[i..i + n];
            let rep: &[u8] = match infer.then(|| infer_lost(seq, &t.bytes, i)).flatten() {
                Some(r) => r,
                None => "\u{FFFD}".as_bytes(),
            };
            let start = out.bytes.len();
            for (k, &b) in rep.iter().enumerate() {
                out.bytes.push(b);
                let from = if k + 1 == rep.len() { i + n - 1 } else { i };
                out.src.push(t.src[from]);
            }
            ranges.push((start, out.bytes.len()));
            i += n;
        } else {
            out.bytes.push(t.bytes[i]);
            out.src.push(t.src[i]);
            i += 1;
        }
    }
    *t = out;
    ranges
}

/// The bytes a lossy sequence stood for, when one answer is far more likely
/// than any other:
/// - `E2 80 ?` after windows-1252 lost one of its five undefined bytes is
///   U+201D (the others are rare format characters);
/// - `D1 ?` is `с`, `э` or `я` (the other two are not Russian), and `D0 ?`
///   is `А`, `Н` or `Ё`: the letter is chosen only when it makes common
///   Russian letter pairs with *both* neighbours and no other candidate
///   does (`ру?ский` → `русский`); otherwise U+FFFD.
fn infer_lost(seq: &[u8], bytes: &[u8], at: usize) -> Option<&'static [u8]> {
    const LOWER: [&[u8]; 3] = ["с".as_bytes(), "э".as_bytes(), "я".as_bytes()];
    const UPPER: [&[u8]; 3] = ["А".as_bytes(), "Н".as_bytes(), "Ё".as_bytes()];
    let candidates = match seq {
        [0xE2, 0x80, 0x1A] => return Some("\u{201D}".as_bytes()),
        [0xD1, 0x1A] => LOWER,
        [0xD0, 0x1A] => UPPER,
        _ => return None,
    };
    let letter = |b: Option<&[u8]>| -> Option<char> {
        let b = b?;
        let c = std::str::from_utf8(b).ok()?.chars().next()?;
        ('\u{0400}'..='\u{04FF}').contains(&c).then_some(c)
    };
    let prev = letter(at.checked_sub(2).and_then(|p| bytes.get(p..at)))?;
    let next = letter(bytes.get(at + 2..at + 4))?;
    let mut best: Option<&'static [u8]> = None;
    let mut best_hits = 0;
    let mut tie = false;
    for cand in candidates {
        let c = std::str::from_utf8(cand).ok()?.chars().next()?;
        let hits = usize::from(super::cyrillic::common_pair(prev, c))
            + usize::from(super::cyrillic::common_pair(c, next));
        if hits > best_hits {
            best = Some(cand);
            best_hits = hits;
            tie = false;
        } else if hits == best_hits {
            tie = true;
        }
    }
    (best_hits == 2 && !tie).then_some(best).flatten()
}

/// Decodes `bytes` as UTF-8 and reports per-character edits against
/// `text`; `None` when the bytes are not UTF-8. `src` gives, per byte, the
/// span of `text` it came from; `None` means byte k came from character k.
fn transcode(
    text: &str,
    bytes: &[u8],
    src: Option<&[(u32, u32)]>,
    codec: &str,
    a0: bool,
    lossy: &[(usize, usize)],
) -> PassOutput {
    let reasons = reasons(codec);
    let reason: Cow<'static, str> = Cow::Borrowed(if a0 { reasons.1 } else { reasons.0 });
    let lost_reason: Cow<'static, str> = Cow::Borrowed(reasons.2);
    let mut out = String::with_capacity(text.len());
    let mut edits: Vec<Edit> = Vec::new();
    let mut copied = 0usize; // input offset consumed so far
    // Without `src`: the offset in `text` of character `k`.
    let mut tpos = 0usize;
    let tb = text.as_bytes();
    let advance = |chars: usize, tpos: &mut usize| {
        for _ in 0..chars {
            *tpos += match tb.get(*tpos).copied().unwrap_or(0) {
                0x00..=0x7F => 1,
                0x80..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
        }
    };
    let mut k = 0;
    while k < bytes.len() {
        let x = bytes[k];
        if x < 0x80 && x != 0x1A {
            // ASCII maps to itself in every codec, and a run of it comes
            // from a run of the same characters in `text`.
            let m = bytes[k..]
                .iter()
                .position(|&b| b >= 0x80 || b == 0x1A)
                .map_or(bytes.len(), |p| k + p);
            let run = std::str::from_utf8(&bytes[k..m]).ok()?;
            out.push_str(run);
            copied = match src {
                Some(src) => src[m - 1].1 as usize,
                None => {
                    tpos += m - k;
                    tpos
                }
            };
            k = m;
            continue;
        }
        let (c, n) = codecs::decode_variant_at(bytes, k)?;
        let (ds, de) = (k, k + n);
        k = de;
        let (start, end) = match src {
            Some(src) => (src[ds].0 as usize, src[de - 1].1 as usize),
            None => {
                let s = tpos;
                advance(n, &mut tpos);
                (s, tpos)
            }
        };
        let start = start.max(copied);
        let end = end.max(start);
        let is_lossy = !lossy.is_empty() && lossy.iter().any(|&(s, e)| ds < e && s < de);
        let mut buf = [0u8; 4];
        let ch: &str = c.encode_utf8(&mut buf);
        let same = end - start == ch.len() && text[start..].starts_with(c);
        if !is_lossy && same {
            out.push_str(ch);
            copied = end;
            continue;
        }
        let o = out.len();
        out.push_str(ch);
        let (kind, why) = if is_lossy {
            (EditKind::LostByte, lost_reason.clone())
        } else {
            (EditKind::Mojibake, reason.clone())
        };
        match edits.last_mut() {
            Some(last)
                if last.input.end == start
                    && last.output.end == o
                    && (start == end || last.kind == kind) =>
            {
                last.input.end = end;
                last.output.end = out.len();
            }
            _ => edits.push(Edit {
                input: Span::new(start, end),
                output: Span::new(o, out.len()),
                kind,
                reason: why,
            }),
        }
        copied = end;
    }
    out.push_str(&text[copied..]);
    if edits.is_empty() {
        return None;
    }
    Some((out, edits))
}

/// [`transcode`] for bytes that are valid UTF-8 (`out`), one byte per
/// character of `text`, with no byte lost or restored (so no U+FFFD became
/// 0x1A: every ASCII byte is an ASCII character of `text`, and every other
/// byte a non-ASCII one): a copy of `out` is the output when there is an
/// edit, else `None`. Every non-ASCII character of `out` stands for two or
/// more characters of `text`, so it always differs from its input, and a
/// run of them without ASCII between is one edit, as [`transcode`] reports
/// it; it came from the run of non-ASCII characters at the same place in
/// `text`.
fn transcode_utf8(text: &str, out: &str, codec: &str) -> PassOutput {
    let reason: Cow<'static, str> = Cow::Borrowed(reasons(codec).0);
    let tb = text.as_bytes();
    let b = out.as_bytes();
    // About one edit per word: room for them up front, not grown edit by
    // edit.
    let mut edits: Vec<Edit> = Vec::with_capacity(b.len() / 16 + 1);
    // Byte `k` of `out` came from the character of `text` at `tpos`.
    let (mut k, mut tpos) = (0usize, 0usize);
    while k < b.len() {
        if b[k] < 0x80 {
            let m = super::passes::skip_ascii(b, k + 1);
            tpos += m - k;
            k = m;
            continue;
        }
        let (start, o) = (tpos, k);
        k = skip_non_ascii(b, k);
        tpos = skip_non_ascii(tb, tpos);
        edits.push(Edit {
            input: Span::new(start, tpos),
            output: Span::new(o, k),
            kind: EditKind::Mojibake,
            reason: reason.clone(),
        });
    }
    (!edits.is_empty()).then(|| (out.to_owned(), edits))
}

/// The index of the first ASCII byte of `b` from `i` (or the length).
fn skip_non_ascii(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        let ascii = !u64::from_le_bytes(a) & 0x8080_8080_8080_8080;
        if ascii != 0 {
            return i + (ascii.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(|&x| x >= 0x80) {
        i += 1;
    }
    i.min(b.len())
}

/// Edit reasons per codec: plain, with a lost no-break space, with a lost
/// byte.
fn reasons(codec: &str) -> (&'static str, &'static str, &'static str) {
    macro_rules! r {
        ($name:literal) => {
            (
                concat!("utf-8 read as ", $name),
                concat!("utf-8 read as ", $name, ", no-break space lost"),
                concat!("utf-8 read as ", $name, ", a byte lost"),
            )
        };
    }
    match codec {
        "latin-1" => r!("latin-1"),
        "windows-1252" => r!("windows-1252"),
        "windows-1251" => r!("windows-1251"),
        "windows-1250" => r!("windows-1250"),
        "windows-1253" => r!("windows-1253"),
        "windows-1254" => r!("windows-1254"),
        "windows-1257" => r!("windows-1257"),
        "iso-8859-2" => r!("iso-8859-2"),
        "mac-roman" => r!("mac-roman"),
        "cp437" => r!("cp437"),
        _ => r!("a single-byte code page"),
    }
}

/// Finds runs that look like UTF-8 read as a single-byte codec. Unless
/// `relaxed`, a run may not start right after a continuation character, so
/// a few characters inside a larger garble are not "fixed" alone.
fn utf8_runs(text: &str, relaxed: bool) -> Vec<(usize, usize)> {
    const LEAD: u8 = LEAD2 | LEAD3 | LEAD4;
    let b = text.as_bytes();
    let clues = codecs::Clues::get();
    let at = |i: usize| clues.at(text, i);
    // End of `k` continuation characters from byte `i`, and the clue bits
    // of the last one.
    let conts = |mut i: usize, k: usize| -> Option<(usize, u8)> {
        let mut last = 0;
        for _ in 0..k {
            let (cl, n) = at(i)?;
            if cl & CONT == 0 {
                return None;
            }
            last = cl;
            i += n;
        }
        Some((i, last))
    };
    let mut runs = Vec::new();
    let mut p = 0;
    // Clue bits of the character before `p` (ASCII other than the space
    // has none, and the space is no strict continuation).
    let mut prev = 0u8;
    while p < b.len() {
        if b[p] < 0x80 {
            // No ASCII character is a lead.
            p = super::passes::skip_ascii(b, p + 1);
            prev = 0;
            continue;
        }
        let Some((cl, len)) = at(p) else {
            break;
        };
        if cl & LEAD == 0 || (!relaxed && prev & CONT_STRICT != 0) {
            prev = cl;
            p += len;
            continue;
        }
        let mut q = p;
        let mut last = cl;
        let mut here = Some((cl, len));
        while let Some((qc, qlen)) = here {
            let unit = if qc & LEAD2 != 0
                && let Some(u) = conts(q + qlen, 1)
            {
                u
            } else if qc & LEAD3 != 0
                && let Some(u) = conts(q + qlen, 2)
            {
                u
            } else if qc & LEAD4 != 0
                && let Some(u) = conts(q + qlen, 3)
            {
                u
            } else {
                break;
            };
            (q, last) = unit;
            here = at(q);
        }
        if q > p {
            runs.push((p, q));
            prev = last;
            p = q;
        } else {
            prev = cl;
            p += len;
        }
    }
    runs
}

/// [`utf8_runs`] over a vector of every character: the reference the
/// cursor version is tested against.
#[cfg(test)]
fn utf8_runs_reference(text: &str, relaxed: bool) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char, u8)> = text
        .char_indices()
        .map(|(i, c)| (i, c, codecs::clues(c)))
        .collect();
    let mut runs = Vec::new();
    let mut p = 0;
    while p < chars.len() {
        if chars[p].2 & (LEAD2 | LEAD3 | LEAD4) == 0
            || (!relaxed && p > 0 && chars[p - 1].2 & CONT_STRICT != 0)
        {
            p += 1;
            continue;
        }
        let mut q = p;
        loop {
            let unit = |need: usize, k: usize| -> bool {
                (1..=need).all(|j| chars.get(k + j).is_some_and(|x| x.2 & CONT != 0))
            };
            let Some(&(_, _, cl)) = chars.get(q) else {
                break;
            };
            let n = if cl & LEAD2 != 0 && unit(1, q) {
                2
            } else if cl & LEAD3 != 0 && unit(2, q) {
                3
            } else if cl & LEAD4 != 0 && unit(3, q) {
                4
            } else {
                0
            };
            if n == 0 {
                break;
            }
            q += n;
        }
        if q > p {
            let end = chars.get(q).map_or(text.len(), |x| x.0);
            runs.push((chars[p].0, end));
            p = q;
        } else {
            p += 1;
        }
    }
    runs
}

/// A writing system other than Latin, for the "mojibake of script X inside
/// text in script X" rule.
fn script(c: char) -> Option<u8> {
    Some(match c as u32 {
        0x0370..=0x03FF => 1,
        0x0400..=0x04FF => 2,
        0x0590..=0x05FF => 3,
        0x0600..=0x06FF => 4,
        0x0900..=0x097F => 5,
        0x0E00..=0x0E7F => 6,
        0x3040..=0x30FF | 0x4E00..=0x9FFF => 7,
        0xAC00..=0xD7AF => 8,
        _ => return None,
    })
}

/// True when `fixed` is made of one non-Latin script (plus spaces and
/// ASCII punctuation) that `context` also uses.
fn same_script_as_context(fixed: &str, context: impl Iterator<Item = char>) -> bool {
    let mut want: Option<u8> = None;
    for c in fixed.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            continue;
        }
        let Some(s) = script(c) else {
            return false;
        };
        if want.is_some_and(|w| w != s) {
            return false;
        }
        want = Some(s);
    }
    want.is_some_and(|w| context.into_iter().any(|c| script(c) == Some(w)))
}

/// `text[s..e]` widened by one character on each side.
fn with_neighbours(text: &str, s: usize, e: usize) -> &str {
    let start = text[..s].char_indices().next_back().map_or(s, |(i, _)| i);
    let end = text[e..].chars().next().map_or(e, |c| e + c.len_utf8());
    &text[start..end]
}

fn inconsistent_pass(text: &str, cfg: Config, relaxed: bool) -> PassOutput {
    let runs = utf8_runs(text, relaxed);
    if runs.is_empty() {
        return None;
    }
    let mut rw = super::passes::Rewriter::new(text);
    for &(s, e) in &runs {
        let sub = &text[s..e];
        if sub.len() >= text.len() {
            continue;
        }
        let bad = is_bad(sub);
        if bad || (!relaxed && is_bad_inside_word(with_neighbours(text, s, e))) {
            let layers = if bad {
                fix_encoding_bad(sub, cfg)
            } else {
                fix_encoding(sub, cfg)
            };
            if let Some((fixed, sub_edits)) = layers {
                rw.splice(s, e, &fixed, &sub_edits);
            } else if let Some((fixed, sub_edits)) = one_step_ungated(sub, cfg) {
                // Bad only with its neighbours (`naГЇve`): one layer.
                rw.splice(s, e, &fixed, &sub_edits);
            }
        } else if !relaxed && e - s >= 4 {
            // Not bad on its own, but it decodes to the script the rest of
            // the text is written in (`Ù Ù Ù¡` → `٠٠١` next to Arabic).
            if let Some((fixed, sub_edits)) = one_step_ungated(sub, cfg) {
                let context = text[..s].chars().chain(text[e..].chars());
                if same_script_as_context(&fixed, context) {
                    rw.splice(s, e, &fixed, &sub_edits);
                }
            }
        }
    }
    rw.finish()
}

fn decode_inconsistent(text: &str, cfg: Config) -> PassOutput {
    if let Some(out) = inconsistent_pass(text, cfg, false) {
        return Some(out);
    }
    // Mojibake nested in mojibake (`â\x80â\x80\x9c`): fix runs inside the
    // garble too, but keep the result only if it leads to clean text.
    let (first, e1) = inconsistent_pass(text, cfg, true)?;
    let (last, edits) = match fix_encoding(&first, cfg) {
        Some((t, e2)) => (t, compose(&e1, &e2)),
        None => (first, e1),
    };
    (!is_bad(&last)).then_some((last, edits))
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use super::*;

    fn fix(text: &str) -> String {
        let cfg = Config {
            infer_lost_bytes: false,
        };
        match fix_encoding(text, cfg) {
            Some((out, edits)) => {
                assert_eq!(apply(text, &edits, &out).as_deref(), Some(out.as_str()));
                out
            }
            None => text.to_owned(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        #[test]
        fn runs_agree_with_the_reference(
            text in crate::repair::texts_from(
                "ab Ã©â€™œ\u{9d}\u{85}Ð°Ñ‹Â\u{a0}·?\u{FFFD}Ð\u{90}рГЇВЂ×²ðŸ˜€é¢¬Åƒ\u{81}",
                0..40,
            ),
            relaxed in proptest::prelude::any::<bool>(),
        ) {
            proptest::prop_assert_eq!(
                utf8_runs(&text, relaxed),
                utf8_runs_reference(&text, relaxed)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The shortcut that skips [`transcode_altered`] only skips what
        /// would fail.
        #[test]
        fn stops_for_good_only_where_the_repair_fails(
            text in crate::repair::texts_from(
                "ab ?\u{1a}\u{fffd}ÃÂâ€™œ©é\u{a0}Ð°Ñ‹РСЃЂ×ðŸ˜ÅƒÎ¿\u{81}\u{9d}í\u{ad}¡",
                0..24,
            ),
            infer in proptest::prelude::any::<bool>(),
        ) {
            let cfg = Config { infer_lost_bytes: infer };
            for (i, codec) in CODECS.iter().enumerate().take(FTFY_CODECS) {
                let mut bytes = Vec::new();
                if codecs::encode_into(&text, i, &mut bytes).is_none() {
                    continue;
                }
                if stops_for_good(&bytes) {
                    proptest::prop_assert!(
                        transcode_altered(&text, i, bytes, cfg).is_none(),
                        "{:?} with {}", text, codec.name
                    );
                }
            }
        }
    }

    #[test]
    fn utf8_transcode_agrees_with_the_general_one() {
        let cases = [
            ("cafÃ©", WINDOWS_1252),
            ("Ð¿Ñ€Ð¸Ð²ÐµÑ‚, Ð¼Ð¸Ñ€ and plain", WINDOWS_1252),
            ("Ã©Ã©x Ã¨", LATIN_1),
            ("РїСЂРёРІРµС‚ РјРёСЂ", codecs::WINDOWS_1251),
            ("all ascii", WINDOWS_1252),
            ("â€œquotedâ€\u{9d}", LATIN_1),
            ("ðŸ˜€ smile", WINDOWS_1252),
        ];
        let mut fast_ones = 0;
        for (text, codec) in cases {
            let mut bytes = Vec::new();
            let Some(_) = codecs::encode_into(text, codec, &mut bytes) else {
                continue;
            };
            let name = CODECS[codec].name;
            let general = transcode(text, &bytes, None, name, false, &[]);
            let fast = match String::from_utf8(bytes) {
                Ok(out) => transcode_utf8(text, &out, name),
                Err(_) => continue,
            };
            fast_ones += 1;
            assert_eq!(format!("{fast:?}"), format!("{general:?}"), "{text:?}");
        }
        assert!(fast_ones >= 5, "{fast_ones}");
    }

    #[test]
    fn layers_and_segments() {
        let cases = [
            ("cafÃ©", "café"),
            ("doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t", "doesn\u{2019}t"),
            ("Рынок Ð°ÐºÑ†Ð¸Ð¹ вырос", "Рынок акций вырос"),
            ("voilÃ  le", "voilà le"),
            ("a\u{85}b", "a…b"),
        ];
        for (input, want) in cases {
            assert_eq!(fix(input), want, "{input:?}");
        }
    }
}
