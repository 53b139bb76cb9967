//! The single-byte codecs that UTF-8 gets misread as, with sloppy decoding
//! (undefined bytes pass through as the Latin-1 character of the same
//! number), and a UTF-8 decoder that also accepts CESU-8 surrogate pairs and
//! the overlong `C0 80` for NUL, as text that went through Java or MySQL has.
//!
//! Owns: byte tables, "which codecs can encode this character", the
//! character clues of UTF-8 lead and continuation bytes. Won't: decide
//! whether a repair is wanted.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::tables;

/// One single-byte codec.
#[derive(Debug)]
pub(super) struct Codec {
    /// Lower-case name used in edit reasons, e.g. `windows-1252`.
    pub(super) name: &'static str,
    table: &'static [u16; 128],
    /// Sloppy codecs encode U+FFFD as byte 0x1A (the SUBSTITUTE control),
    /// so lost bytes can be recognised in the re-encoded bytes.
    pub(super) sloppy: bool,
}

impl Codec {
    /// The character byte `b` decodes to.
    pub(super) fn decode(&self, b: u8) -> char {
        if b < 0x80 {
            if self.sloppy && b == 0x1A {
                return '\u{FFFD}';
            }
            return b as char;
        }
        char::from_u32(u32::from(self.table[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}')
    }
}

/// Index of codecs, in the order whole-text repair tries them.
pub(super) const LATIN_1: usize = 0;
/// windows-1252 (sloppy).
pub(super) const WINDOWS_1252: usize = 1;
/// windows-1251 (sloppy).
pub(super) const WINDOWS_1251: usize = 2;
/// KOI8-R.
pub(super) const KOI8_R: usize = 10;

/// Every codec. The first ten are the ones ftfy tries, in its order; KOI8-R
/// comes last.
pub(super) static CODECS: [Codec; 11] = [
    Codec {
        name: "latin-1",
        table: &tables::LATIN_1,
        sloppy: false,
    },
    Codec {
        name: "windows-1252",
        table: &tables::WINDOWS_1252,
        sloppy: true,
    },
    Codec {
        name: "windows-1251",
        table: &tables::WINDOWS_1251,
        sloppy: true,
    },
    Codec {
        name: "windows-1250",
        table: &tables::WINDOWS_1250,
        sloppy: true,
    },
    Codec {
        name: "windows-1253",
        table: &tables::WINDOWS_1253,
        sloppy: true,
    },
    Codec {
        name: "windows-1254",
        table: &tables::WINDOWS_1254,
        sloppy: true,
    },
    Codec {
        name: "windows-1257",
        table: &tables::WINDOWS_1257,
        sloppy: true,
    },
    Codec {
        name: "iso-8859-2",
        table: &tables::ISO_8859_2,
        sloppy: false,
    },
    Codec {
        name: "mac-roman",
        table: &tables::MAC_ROMAN,
        sloppy: false,
    },
    Codec {
        name: "cp437",
        table: &tables::CP437,
        sloppy: false,
    },
    Codec {
        name: "koi8-r",
        table: &tables::KOI8_R,
        sloppy: false,
    },
];

/// Bit of [`clues`]: the character stands for a lead byte of a 2-byte
/// UTF-8 sequence (0xC2..=0xDF) in a Latin-like codec.
pub(super) const LEAD2: u8 = 1;
/// Lead byte of a 3-byte sequence (0xE0..=0xEF).
pub(super) const LEAD3: u8 = 2;
/// Lead byte of a 4-byte sequence (0xF0, 0xF3).
pub(super) const LEAD4: u8 = 4;
/// Continuation byte (0x80..=0xBF).
pub(super) const CONT: u8 = 8;
/// Continuation byte that does not usually stand for itself next to
/// mojibake (no spaces, dashes, quotes, bullets or ellipses).
pub(super) const CONT_STRICT: u8 = 16;

/// Characters below this code point are looked up in flat tables.
const FLAT: usize = 0x2600;

struct Index {
    /// Per non-ASCII character: bit i set when codec i can encode it, and the
    /// byte per codec. Flat below [`FLAT`], hashed above.
    enc_flat: Vec<(u16, [u8; 11])>,
    enc: HashMap<char, (u16, [u8; 11])>,
    clues_flat: Vec<u8>,
    clues: HashMap<char, u8>,
}

impl Index {
    #[inline]
    fn enc(&self, c: char) -> Option<&(u16, [u8; 11])> {
        let u = c as usize;
        if u < FLAT {
            let e = &self.enc_flat[u];
            return (e.0 != 0).then_some(e);
        }
        self.enc.get(&c)
    }
}

#[inline]
fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut enc: HashMap<char, (u16, [u8; 11])> = HashMap::new();
        for (i, codec) in CODECS.iter().enumerate() {
            for b in 0x80..=0xFFu8 {
                let c = codec.decode(b);
                let e = enc.entry(c).or_insert((0, [0; 11]));
                if e.0 & (1 << i) == 0 {
                    e.0 |= 1 << i;
                    e.1[i] = b;
                }
            }
            if codec.sloppy {
                let e = enc.entry('\u{FFFD}').or_insert((0, [0; 11]));
                e.0 |= 1 << i;
                e.1[i] = 0x1A;
            }
        }
        // Clues come from the Latin-like codecs that mojibake mostly uses.
        let mut clues: HashMap<char, u8> = HashMap::new();
        for codec in &CODECS[..7] {
            for b in 0x80..=0xFFu8 {
                let c = codec.decode(b);
                let bit = match b {
                    0x80..=0xBF => {
                        let loose = matches!(
                            c,
                            '\u{a0}'
                                | '–'
                                | '—'
                                | '―'
                                | '‘'
                                | '’'
                                | '‚'
                                | '“'
                                | '”'
                                | '„'
                                | '•'
                                | '…'
                        );
                        if loose { CONT } else { CONT | CONT_STRICT }
                    }
                    0xC2..=0xDF if c.is_alphabetic() || c == '×' => LEAD2,
                    0xE0..=0xEF if c.is_alphabetic() => LEAD3,
                    0xF0 | 0xF3 if c.is_alphabetic() => LEAD4,
                    _ => 0,
                };
                *clues.entry(c).or_insert(0) |= bit;
            }
        }
        // U+0080..U+00BF stand for themselves in Latin-1.
        for u in 0x80..=0xBFu32 {
            if let Some(c) = char::from_u32(u) {
                *clues.entry(c).or_insert(0) |= CONT | CONT_STRICT;
            }
        }
        clues.insert(' ', CONT);
        let mut enc_flat = vec![(0u16, [0u8; 11]); FLAT];
        let mut clues_flat = vec![0u8; FLAT];
        enc.retain(|&c, e| {
            if (c as usize) < FLAT {
                enc_flat[c as usize] = *e;
                false
            } else {
                true
            }
        });
        clues.retain(|&c, v| {
            if (c as usize) < FLAT {
                clues_flat[c as usize] = *v;
                false
            } else {
                true
            }
        });
        Index {
            enc_flat,
            enc,
            clues_flat,
            clues,
        }
    })
}

/// The clue bits of `c`.
#[inline]
pub(super) fn clues(c: char) -> u8 {
    if c == ' ' {
        return CONT;
    }
    if c.is_ascii() {
        return 0;
    }
    let idx = index();
    match idx.clues_flat.get(c as usize) {
        Some(&v) => v,
        None => idx.clues.get(&c).copied().unwrap_or(0),
    }
}

/// The sloppy codecs, by bit.
const SLOPPY: u16 = {
    let mut m = 0;
    let mut i = 0;
    while i < CODECS.len() {
        if CODECS[i].sloppy {
            m |= 1 << i;
        }
        i += 1;
    }
    m
};

/// The clue tables, fetched once for many [`Clues::at`] lookups.
#[derive(Clone, Copy)]
pub(super) struct Clues(&'static Index);

impl Clues {
    /// The tables (built on first use).
    #[inline]
    pub(super) fn get() -> Clues {
        Clues(index())
    }

    /// The clue bits and the length of the character of `text` at byte
    /// `i` (a character boundary).
    #[inline(always)]
    pub(super) fn at(self, text: &str, i: usize) -> Option<(u8, usize)> {
        let b = text.as_bytes();
        let x = *b.get(i)?;
        if x < 0x80 {
            return Some((if x == b' ' { CONT } else { 0 }, 1));
        }
        if x < 0xE0 {
            let u = (usize::from(x & 0x1F) << 6) | usize::from(b.get(i + 1)? & 0x3F);
            return Some((self.0.clues_flat.get(u).copied().unwrap_or(0), 2));
        }
        let c = text.get(i..)?.chars().next()?;
        Some((clues(c), c.len_utf8()))
    }
}

/// Bit set of codecs (by index) that can encode every character of `text`,
/// restricted to `mask`.
pub(super) fn encodable_mask(text: &str, mut mask: u16) -> u16 {
    let idx = index();
    for c in text.chars() {
        if mask == 0 {
            break;
        }
        if c.is_ascii() {
            if c == '\u{1a}' {
                mask &= !SLOPPY;
            }
            continue;
        }
        mask &= idx.enc(c).map_or(0, |e| e.0);
    }
    mask
}

/// The byte `c` encodes to in codec `i`.
pub(super) fn encode_char(c: char, i: usize) -> Option<u8> {
    if c.is_ascii() {
        return Some(c as u8);
    }
    let e = index().enc(c)?;
    (e.0 & (1 << i) != 0).then_some(e.1[i])
}

/// What [`encode_into`] saw on the way, so callers can skip checks that
/// cannot match.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct EncodeHints {
    /// A space right after bytes that could begin a UTF-8 sequence whose
    /// 0xA0 became that space (the only places where `altered_at` in
    /// `mojibake` can match).
    pub(super) maybe_altered: bool,
    /// A 0x1A byte, or a `?` up to three bytes after a byte of 0xC2 or more.
    pub(super) maybe_lost: bool,
}

/// True when a space after `before` could stand for a byte 0xA0 of a UTF-8
/// sequence: every such pattern has a byte of 0x80 or more right before
/// the space and starts at a lead byte one to three bytes back.
fn may_precede_lost_a0(before: &[u8]) -> bool {
    let n = before.len();
    let back = |k: usize| n.checked_sub(k).map(|j| before[j]);
    let Some(p1) = back(1).filter(|&p| p >= 0x80) else {
        return false;
    };
    matches!(
        p1,
        0xC2 | 0xC3 | 0xC5 | 0xCE | 0xD0 | 0xD9 | 0xE2 | 0xE3 | 0xF0
    ) || matches!(back(2), Some(0xE0..=0xE3 | 0xF0))
        || back(3) == Some(0xF0)
}

/// Appends byte `b` to `out`, noting what [`EncodeHints`] asks for.
#[inline]
fn push_noting(out: &mut Vec<u8>, b: u8, hints: &mut EncodeHints) {
    match b {
        b' ' => hints.maybe_altered |= may_precede_lost_a0(out),
        b'?' => {
            let from = out.len().saturating_sub(3);
            hints.maybe_lost |= out[from..].iter().any(|&p| p >= 0xC2);
        }
        0x1A => hints.maybe_lost = true,
        _ => {}
    }
    out.push(b);
}

/// Appends `text` encoded with codec `i` to `out`; `None` when a
/// character does not fit.
fn encode_append(text: &str, i: usize, out: &mut Vec<u8>, hints: &mut EncodeHints) -> Option<()> {
    let idx = index();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if let Some(end) = ascii_run_end(bytes, at) {
            push_ascii(out, &bytes[at..end], hints);
            at = end;
            continue;
        }
        let c = text[at..].chars().next()?;
        at += c.len_utf8();
        let b = if c.is_ascii() {
            c as u8
        } else {
            match idx.enc(c) {
                Some(e) if e.0 & (1 << i) != 0 => e.1[i],
                _ => return None,
            }
        };
        push_noting(out, b, hints);
    }
    Some(())
}

/// Encodes `text` with codec `i` into `out` (cleared first); `None` when a
/// character does not fit.
pub(super) fn encode_into(text: &str, i: usize, out: &mut Vec<u8>) -> Option<EncodeHints> {
    out.clear();
    out.reserve(text.len());
    let mut hints = EncodeHints::default();
    encode_append(text, i, out, &mut hints)?;
    Some(hints)
}

/// In one pass: the codecs of `mask` that can encode every character of
/// `text` (as [`encodable_mask`]), and `text` encoded into `out` with the
/// first of them (lowest index) when there is one.
pub(super) fn encode_first(text: &str, mut mask: u16, out: &mut Vec<u8>) -> (u16, EncodeHints) {
    out.clear();
    out.reserve(text.len());
    let idx = index();
    let mut hints = EncodeHints::default();
    let mut cur = mask.trailing_zeros() as usize;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if mask == 0 {
            break;
        }
        if let Some(end) = ascii_run_end(bytes, at) {
            push_ascii(out, &bytes[at..end], &mut hints);
            at = end;
            continue;
        }
        // Two- and three-byte characters of the flat table that the codec
        // being written encodes, in a tight loop (most mojibake is made of
        // them). Their bytes are 0x80 or more, which note no hint. Any
        // other character is left to the general step below.
        while let Some(&x) = bytes.get(at) {
            let (u, len) = if (0xC2..0xE0).contains(&x) {
                let y = bytes.get(at + 1).map_or(0, |&y| y & 0x3F);
                ((usize::from(x & 0x1F) << 6) | usize::from(y), 2)
            } else if (0xE0..0xF0).contains(&x) {
                let y = bytes.get(at + 1).map_or(0, |&y| y & 0x3F);
                let z = bytes.get(at + 2).map_or(0, |&z| z & 0x3F);
                (
                    (usize::from(x & 0x0F) << 12) | (usize::from(y) << 6) | usize::from(z),
                    3,
                )
            } else {
                break;
            };
            let Some(e) = idx.enc_flat.get(u) else {
                break;
            };
            let m = mask & e.0;
            if m & (1 << cur) == 0 {
                break;
            }
            mask = m;
            out.push(e.1[cur]);
            at += len;
        }
        if at >= bytes.len() {
            break;
        }
        if let Some(end) = ascii_run_end(bytes, at) {
            push_ascii(out, &bytes[at..end], &mut hints);
            at = end;
            continue;
        }
        // Two- and three-byte characters are decoded here (valid UTF-8).
        let x = bytes[at];
        let (c, len) = match x {
            0xC0..=0xDF if at + 1 < bytes.len() => (
                char::from_u32((u32::from(x & 0x1F) << 6) | u32::from(bytes[at + 1] & 0x3F)),
                2,
            ),
            0xE0..=0xEF if at + 2 < bytes.len() => (
                char::from_u32(
                    (u32::from(x & 0x0F) << 12)
                        | (u32::from(bytes[at + 1] & 0x3F) << 6)
                        | u32::from(bytes[at + 2] & 0x3F),
                ),
                3,
            ),
            _ => {
                let c = text[at..].chars().next();
                (c, c.map_or(1, char::len_utf8))
            }
        };
        let Some(c) = c else {
            break;
        };
        let entry = if c.is_ascii() {
            if c == '\u{1a}' {
                mask &= !SLOPPY;
            }
            None
        } else {
            let e = idx.enc(c);
            mask &= e.map_or(0, |e| e.0);
            e
        };
        if mask == 0 {
            break;
        }
        if mask & (1 << cur) == 0 {
            // The codec being written cannot encode `c`: start over with
            // the next one for the text so far.
            cur = mask.trailing_zeros() as usize;
            out.clear();
            hints = EncodeHints::default();
            if encode_append(&text[..at], cur, out, &mut hints).is_none() {
                // Cannot happen (every codec left in `mask` encoded the text
                // so far); answer the slow way all the same.
                let mask = encodable_mask(text, mask);
                let first = mask.trailing_zeros() as usize;
                let hints = encode_into(text, first, out).unwrap_or_default();
                return (mask, hints);
            }
        }
        let b = match entry {
            Some(e) => e.1[cur],
            None => c as u8,
        };
        if b >= 0x80 {
            // Not a byte `push_noting` looks at.
            out.push(b);
        } else {
            push_noting(out, b, &mut hints);
        }
        at += len;
    }
    (mask, hints)
}

/// End of the run of ASCII other than 0x1A starting at `at` (such bytes
/// stand for themselves in every codec), or `None` when there is none.
#[inline]
fn ascii_run_end(bytes: &[u8], at: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let x = *bytes.get(at)?;
    if x >= 0x80 || x == 0x1A {
        return None;
    }
    // Eight bytes a step: the top bit of each byte of 0x80 or more, and of
    // each 0x1A (a zero after the xor; a borrow can only mark bytes after
    // the first one, so the lowest mark is exact).
    let mut i = at + 1;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        let w = u64::from_le_bytes(a);
        let v = w ^ (ONES * 0x1A);
        let m = (w & HIGHS) | (v.wrapping_sub(ONES) & !v & HIGHS);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    Some(
        bytes[i..]
            .iter()
            .position(|&y| y >= 0x80 || y == 0x1A)
            .map_or(bytes.len(), |p| i + p),
    )
}

/// Appends a run of ASCII without 0x1A as [`push_noting`] would byte by
/// byte: past its first three bytes, the bytes before a space or a `?`
/// are ASCII, which notes nothing.
#[inline]
fn push_ascii(out: &mut Vec<u8>, run: &[u8], hints: &mut EncodeHints) {
    let head = run.len().min(3);
    for &b in &run[..head] {
        push_noting(out, b, hints);
    }
    out.extend_from_slice(&run[head..]);
}

/// True when `bytes` are UTF-8, CESU-8 surrogate pairs and `C0 80`
/// included.
pub(super) fn is_utf8_variant(bytes: &[u8]) -> bool {
    if std::str::from_utf8(bytes).is_ok() {
        return true;
    }
    let mut i = 0;
    while i < bytes.len() {
        match decode_variant_at(bytes, i) {
            Some((_, n)) => i += n,
            None => return false,
        }
    }
    true
}

/// Bytes with, per byte, the input span it came from.
#[derive(Debug, Default, Clone)]
pub(super) struct Tracked {
    pub(super) bytes: Vec<u8>,
    /// `(start, end)` of the input character each byte came from.
    pub(super) src: Vec<(u32, u32)>,
}

impl Tracked {
    /// Tracks `bytes`, the encoding of `text` by a single-byte codec (one
    /// byte per character), taking them over.
    pub(super) fn from_encoded(text: &str, bytes: Vec<u8>) -> Tracked {
        let mut src = Vec::with_capacity(bytes.len());
        src.extend(
            text.char_indices()
                .map(|(at, c)| (at as u32, (at + c.len_utf8()) as u32)),
        );
        Tracked { bytes, src }
    }
}

/// One decoded character and the byte range it came from.
#[cfg(test)]
#[derive(Debug, Clone, Copy)]
pub(super) struct DecodedChar {
    pub(super) c: char,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// The character of a CESU-8 surrogate pair (`ED A0..AF xx ED B0..BF xx`)
/// starting at `i`, if there is one.
#[inline]
fn cesu_pair_at(bytes: &[u8], i: usize) -> Option<char> {
    let s = bytes.get(i..i + 6)?;
    let pair = s[0] == 0xED
        && (0xA0..=0xAF).contains(&s[1])
        && (0x80..=0xBF).contains(&s[2])
        && s[3] == 0xED
        && (0xB0..=0xBF).contains(&s[4])
        && (0x80..=0xBF).contains(&s[5]);
    if !pair {
        return None;
    }
    let hi = 0xD000 | (u32::from(s[1] & 0x3F) << 6) | u32::from(s[2] & 0x3F);
    let lo = 0xD000 | (u32::from(s[4] & 0x3F) << 6) | u32::from(s[5] & 0x3F);
    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
}

/// Decodes the character at `i` as UTF-8, also accepting CESU-8 surrogate
/// pairs and `C0 80` (as text that went through Java or MySQL has);
/// returns it and its length in bytes, or `None` when the sequence is
/// invalid.
#[inline]
pub(super) fn decode_variant_at(bytes: &[u8], i: usize) -> Option<(char, usize)> {
    let x = *bytes.get(i)?;
    let len = match x {
        0x00..=0x7F => return Some((char::from(x), 1)),
        0xC0 => return (bytes.get(i + 1) == Some(&0x80)).then_some(('\0', 2)),
        0xED => {
            if let Some(c) = cesu_pair_at(bytes, i) {
                return Some((c, 6));
            }
            3
        }
        0xC2..=0xDF => {
            let y = *bytes.get(i + 1)?;
            if y & 0xC0 != 0x80 {
                return None;
            }
            let u = (u32::from(x & 0x1F) << 6) | u32::from(y & 0x3F);
            return Some((char::from_u32(u)?, 2));
        }
        0xE0..=0xEF => {
            let (y, z) = (*bytes.get(i + 1)?, *bytes.get(i + 2)?);
            let y_ok = match x {
                0xE0 => (0xA0..=0xBF).contains(&y),
                _ => y & 0xC0 == 0x80,
            };
            if !y_ok || z & 0xC0 != 0x80 {
                return None;
            }
            let u = (u32::from(x & 0x0F) << 12) | (u32::from(y & 0x3F) << 6) | u32::from(z & 0x3F);
            // `char::from_u32` refuses the surrogates ED A0..BF would make.
            return Some((char::from_u32(u)?, 3));
        }
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(bytes.get(i..i + len)?)
        .ok()?
        .chars()
        .next()?;
    Some((c, len))
}

/// Decodes UTF-8, also accepting CESU-8 surrogate pairs and `C0 80`.
/// Returns `None` at the first invalid sequence. The reference that
/// [`decode_variant_at`] is tested against.
#[cfg(test)]
pub(super) fn decode_utf8_variants(bytes: &[u8]) -> Option<Vec<DecodedChar>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Plain UTF-8 up to the next byte that can start a variant sequence.
        let end = bytes[i..]
            .iter()
            .position(|&b| b == 0xC0 || b == 0xED)
            .map_or(bytes.len(), |p| i + p);
        if end > i {
            let s = std::str::from_utf8(&bytes[i..end]).ok()?;
            out.extend(s.char_indices().map(|(k, c)| DecodedChar {
                c,
                start: i + k,
                end: i + k + c.len_utf8(),
            }));
            i = end;
            continue;
        }
        if bytes[i] == 0xC0 {
            if bytes.get(i + 1) != Some(&0x80) {
                return None;
            }
            out.push(DecodedChar {
                c: '\0',
                start: i,
                end: i + 2,
            });
            i += 2;
            continue;
        }
        // 0xED: a CESU-8 surrogate pair, or an ordinary 3-byte character.
        if let Some(c) = cesu_pair_at(bytes, i) {
            out.push(DecodedChar {
                c,
                start: i,
                end: i + 6,
            });
            i += 6;
            continue;
        }
        let c = std::str::from_utf8(bytes.get(i..i + 3)?)
            .ok()?
            .chars()
            .next()?;
        out.push(DecodedChar {
            c,
            start: i,
            end: i + 3,
        });
        i += 3;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_round_trip() {
        for (i, codec) in CODECS.iter().enumerate() {
            for b in 0x80..=0xFFu8 {
                let c = codec.decode(b);
                let back = encode_char(c, i).expect("decoded chars encode");
                assert_eq!(codec.decode(back), c, "{} {b:#x}", codec.name);
            }
        }
    }

    #[test]
    fn one_character_decoding_agrees_with_the_whole() {
        let cases: [&[u8]; 22] = [
            b"\xe0\xa0\x80",
            b"\xe0\x9f\xbf",
            b"\xed\x9f\xbf\xed\xa0\x80",
            b"\xed\xa0\x80",
            b"\xef\xbf\xbf\xee\x80\x80",
            b"\xf0\x90\x80\x80\xf0\x8f\xbf\xbf",
            b"\xc2\x80\xdf\xbf",
            b"\xc2\xc0",
            b"\xe2\x82\x20",
            b"\xe1\x80",
            b"plain",
            "caf\u{e9} \u{2019} \u{1f600}".as_bytes(),
            b"a\xed\xa0\xbd\xed\xb8\x8dz",
            b"\xed\xa0\xbd",
            b"\xed\x9f\xbf",
            b"x\xc0\x80y",
            b"\xc0\x81",
            b"\xff",
            b"\xc3",
            b"\xe2\x80",
            b"\xf4\x90\x80\x80",
            b"\xe0\x80\x80",
        ];
        for bytes in cases {
            let whole = decode_utf8_variants(bytes)
                .map(|v| v.iter().map(|d| (d.c, d.end - d.start)).collect::<Vec<_>>());
            let mut one = Some(Vec::new());
            let mut i = 0;
            while i < bytes.len() {
                match decode_variant_at(bytes, i) {
                    Some((c, n)) => {
                        if let Some(v) = one.as_mut() {
                            v.push((c, n));
                        }
                        i += n;
                    }
                    None => {
                        one = None;
                        break;
                    }
                }
            }
            assert_eq!(whole, one, "{bytes:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The tight loop over flat-table characters in [`encode_first`]
        /// gives what encoding character by character gives.
        #[test]
        fn encode_first_agrees_with_mask_then_encode(
            t in crate::repair::texts_from(
                "ab ?\u{1a}\u{a0}\u{e9}\u{c3}\u{a9}\u{c2}\u{d0}\u{d1}\u{2018}\u{2019}\u{201c}\u{20ac}\
                 \u{2122}\u{2116}\u{424}\u{439}\u{452}\u{3b1}\u{2500}\u{2593}\u{fffd}\u{4e2d}\u{81}\u{153}",
                0..40,
            ),
            all in 1u16..(1 << 11),
        ) {
            let mut out = Vec::new();
            let (mask, hints) = encode_first(&t, all, &mut out);
            proptest::prop_assert_eq!(mask, encodable_mask(&t, all));
            if mask != 0 {
                let mut want = Vec::new();
                let want_hints = encode_into(&t, mask.trailing_zeros() as usize, &mut want);
                proptest::prop_assert_eq!(&out, &want);
                proptest::prop_assert_eq!(format!("{:?}", Some(hints)), format!("{want_hints:?}"));
            }
        }
    }

    #[test]
    fn ascii_runs_end_at_the_first_high_or_substitute_byte() {
        for len in 0..40 {
            for at in 0..len {
                for stop in [0x80u8, 0x1A, 0xC3, 0x19, 0x1B, 0x9A] {
                    let mut b = vec![b'a'; len];
                    b[at] = stop;
                    if at > 0 {
                        b[at - 1] = 0x01;
                    }
                    for from in 0..=len {
                        let want = b.get(from).and_then(|&x| {
                            (x < 0x80 && x != 0x1A).then(|| {
                                b[from + 1..]
                                    .iter()
                                    .position(|&y| y >= 0x80 || y == 0x1A)
                                    .map_or(len, |p| from + 1 + p)
                            })
                        });
                        assert_eq!(ascii_run_end(&b, from), want, "{b:?} {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn encoding_with_the_first_codec_agrees_with_mask_then_encode() {
        let texts = [
            "plain ascii",
            "caf\u{e9} \u{e2}\u{20ac}\u{2122}s",
            "\u{d0}\u{bf}\u{d1}\u{80}\u{20ac} ?",
            "\u{2500}\u{2502} \u{439}",
            "\u{3b1}\u{3b2} \u{20ac}",
            "x\u{1a}\u{e9}",
            "\u{fffd}\u{c3} \u{e9}?",
            "\u{4e2d}",
            "\u{e9}\u{20ac}\u{424}",
            "\u{e9}\u{2116}",
            "long plain run? then \u{c3}\u{a9} and \u{c3} ?x \u{1a}\u{1a} more words here",
            "\u{c3}?? a\u{e2}\u{20ac} ?\u{1a} \u{fffd} end",
        ];
        for t in texts {
            let all = (1u16 << 10) - 1;
            let mut out = Vec::new();
            let (mask, hints) = encode_first(t, all, &mut out);
            assert_eq!(mask, encodable_mask(t, all), "{t:?}");
            if mask != 0 {
                let mut want = Vec::new();
                let want_hints = encode_into(t, mask.trailing_zeros() as usize, &mut want);
                assert_eq!(out, want, "{t:?}");
                assert_eq!(
                    format!("{:?}", Some(hints)),
                    format!("{want_hints:?}"),
                    "{t:?}"
                );
            }
        }
    }

    #[test]
    fn cesu_pairs_decode() {
        let d = decode_utf8_variants(b"a\xed\xa0\xbd\xed\xb8\x8dz").expect("cesu");
        let s: String = d.iter().map(|d| d.c).collect();
        assert_eq!(s, "a😍z");
        assert!(decode_utf8_variants(b"\xed\xa0\xbd").is_none());
        assert!(decode_utf8_variants(b"\xff").is_none());
    }
}
