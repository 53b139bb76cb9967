//! Character classes for mojibake detection, and the "is this text bad?"
//! test built on them.
//!
//! Mojibake made from UTF-8 read as a single-byte code page uses only a few
//! hundred characters, and it puts them next to each other in ways real text
//! rarely does: an accented lower-case letter followed by a currency sign, a
//! box-drawing piece glued to a quotation mark, `Ã` followed by `©`. The
//! classes below sort those characters by the role they play in real text;
//! [`is_bad`] looks for juxtapositions of classes that real text avoids.
//! This follows the approach ftfy published (category juxtaposition rather
//! than dictionaries), written anew as a table-free scan over windows of up
//! to four characters, with no backtracking.
//!
//! What it won't do: decide what the text should have been. It only says
//! "worth trying a repair"; [`super::mojibake`] decides whether one fits.

/// Characters common in real text that also occur in mojibake.
pub(super) const COMMON: u16 = 1 << 0;
/// C1 controls U+0080..U+009F.
pub(super) const C1: u16 = 1 << 1;
/// Characters almost only seen in mojibake.
pub(super) const BAD: u16 = 1 << 2;
/// Legal signs.
pub(super) const LAW: u16 = 1 << 3;
/// Currency signs.
pub(super) const CURRENCY: u16 = 1 << 4;
/// Punctuation that opens something.
pub(super) const START: u16 = 1 << 5;
/// Punctuation that closes something.
pub(super) const END: u16 = 1 << 6;
/// Numeric and mathematical signs.
pub(super) const NUMERIC: u16 = 1 << 7;
/// Letters kaomoji faces are made of.
pub(super) const KAOMOJI: u16 = 1 << 8;
/// Upper-case accented Latin letters.
pub(super) const UPPER_ACC: u16 = 1 << 9;
/// Lower-case accented Latin letters.
pub(super) const LOWER_ACC: u16 = 1 << 10;
/// Upper-case Greek and Cyrillic letters (and thorn).
pub(super) const UPPER_COMMON: u16 = 1 << 11;
/// Lower-case Greek and Cyrillic letters.
pub(super) const LOWER_COMMON: u16 = 1 << 12;
/// Box-drawing and block characters.
pub(super) const BOX: u16 = 1 << 13;

/// Not a class: set in [`TWO_BYTE`] for characters [`is_trigger`] accepts.
const TRIGGER: u16 = 1 << 15;

/// Class bits (and [`TRIGGER`]) of U+0000..U+07FF.
static TWO_BYTE: [u16; 0x800] = {
    let mut t = [0u16; 0x800];
    let mut u = 0x80;
    while u < 0x800 {
        let c = class_of(u as u32);
        t[u] = if trigger_of(u as u32, c) {
            c | TRIGGER
        } else {
            c
        };
        u += 1;
    }
    t
};

/// First code point of [`PUNCTUATION`].
const PUNCT_BASE: u32 = 0x2000;

/// Class bits (and [`TRIGGER`]) of U+2000..U+21FF: general punctuation
/// (curly quotes, dashes), currency signs and letter-like symbols.
static PUNCTUATION: [u16; 0x200] = {
    let mut t = [0u16; 0x200];
    let mut k = 0;
    while k < 0x200 {
        let u = PUNCT_BASE + k as u32;
        let c = class_of(u);
        t[k] = if trigger_of(u, c) { c | TRIGGER } else { c };
        k += 1;
    }
    t
};

/// The class bits of `c` (0 for ASCII and for characters that never occur
/// in mojibake).
#[inline]
pub(super) fn class(c: char) -> u16 {
    let u = c as u32;
    if u < 0x800 {
        return TWO_BYTE[u as usize] & !TRIGGER;
    }
    if let Some(&t) = PUNCTUATION.get(u.wrapping_sub(PUNCT_BASE) as usize) {
        return t & !TRIGGER;
    }
    class_of(u)
}

/// [`class`] of code point `u`, computed (tables are built from it).
pub(super) const fn class_of(u: u32) -> u16 {
    if u < 0x80 {
        return 0;
    }
    if u >= 0x0410 && u <= 0x044F {
        return if u < 0x0430 {
            UPPER_COMMON
        } else {
            LOWER_COMMON
        };
    }
    match u {
        0x80..=0x9F => C1,
        0xA0 | 0xAD | 0xB7 | 0xB4 => COMMON,
        0xA6 | 0xA4 | 0xA8 | 0xAC | 0xAF | 0xB8 | 0xAA | 0xBA => BAD,
        0xB6 | 0xA7 => LAW,
        0xA2 | 0xA3 | 0xA5 => CURRENCY,
        0xA1 | 0xAB | 0xBF | 0xA9 => START,
        0xAE | 0xBB => END,
        0xB2 | 0xB3 | 0xB9 | 0xB1 | 0xBC..=0xBE | 0xD7 | 0xB5 | 0xF7 => NUMERIC,
        0xB0 => KAOMOJI,
        0xD2..=0xD6 | 0xD9..=0xDC | 0xF2..=0xF6 | 0xF8..=0xFC => {
            let mut k = KAOMOJI;
            if u == 0xD8 || u == 0xDC {
                k |= UPPER_ACC;
            }
            if u == 0xFC {
                k |= LOWER_ACC;
            }
            k
        }
        0xC0..=0xD1 | 0xD8 | 0xDD => UPPER_ACC,
        0xDE => UPPER_COMMON,
        0xDF..=0xF1 => LOWER_ACC,
        0x0102 | 0x0100 | 0x0104 | 0x0106 | 0x010C | 0x010E | 0x0110 | 0x0118 | 0x011A | 0x0112
        | 0x0116 | 0x011E | 0x0122 | 0x0130 | 0x012A | 0x0136 | 0x0139 | 0x013D | 0x0141
        | 0x013B | 0x0143 | 0x0147 | 0x0145 | 0x0152 | 0x0158 | 0x015A | 0x015E | 0x0160
        | 0x0162 | 0x0164 | 0x016E | 0x0170 | 0x0178 | 0x0179 | 0x017B | 0x017D | 0x0490 => {
            UPPER_ACC
        }
        0x0150 | 0x014C | 0x016A | 0x0172 => KAOMOJI,
        0x0103 | 0x0105 | 0x0101 | 0x0107 | 0x010D | 0x010F | 0x0111 | 0x0119 | 0x011B | 0x0113
        | 0x0117 | 0x011F | 0x0123 | 0x012F | 0x012B | 0x0137 | 0x013A | 0x013E | 0x0142
        | 0x013C | 0x0153 | 0x0155 | 0x015B | 0x015F | 0x0161 | 0x0165 | 0x017A | 0x017C
        | 0x017E | 0x0491 | 0xFB01 | 0xFB02 => LOWER_ACC,
        0x0192 | 0x02C6 | 0x02C7 | 0x02D8 | 0x02DB | 0x02DC | 0x2020 | 0x2021 | 0x2030 | 0x2310
        | 0x25CA | 0xFFFD => BAD,
        0x2013 | 0x2014 | 0x2015 | 0x2026 | 0x2019 => COMMON,
        0x20A7 | 0x20AC => CURRENCY,
        0x0384 | 0x0385 | 0x2018 | 0x201A | 0x201C | 0x201E | 0x2022 | 0x2039 | 0xF8FF => START,
        0x02DD | 0x201D | 0x203A | 0x2122 => END,
        0x2044 | 0x2202 | 0x2206 | 0x220F | 0x2211 | 0x221A | 0x221E | 0x2229 | 0x222B | 0x2248
        | 0x2260 | 0x2261 | 0x2264 | 0x2265 | 0x2116 => NUMERIC,
        0x0391..=0x03A9
        | 0x0386
        | 0x0388
        | 0x0389
        | 0x038A
        | 0x038C
        | 0x038E
        | 0x038F
        | 0x03AA
        | 0x03AB
        | 0x0401..=0x042F => UPPER_COMMON,
        0x03B1..=0x03C9 | 0x03AC | 0x03AD | 0x03AE | 0x03AF | 0x03B0 | 0x0430..=0x045F => {
            LOWER_COMMON
        }
        0x2502
        | 0x250C
        | 0x2510
        | 0x2518
        | 0x251C
        | 0x2524
        | 0x252C
        | 0x253C
        | 0x2550..=0x256C
        | 0x2580
        | 0x2584
        | 0x2588
        | 0x258C
        | 0x2590..=0x2593 => BOX,
        _ => 0,
    }
}

const ACCENTED: u16 = UPPER_ACC | LOWER_ACC;
const PUNCT: u16 = START | END;

fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn in_set(c: char, set: &str) -> bool {
    set.contains(c)
}

/// Characters around which a bad juxtaposition can occur: every rule below
/// involves at least one of them within its first four characters. Plain
/// Cyrillic and Greek letters and common punctuation are not triggers, so
/// clean Russian text is scanned at memory speed.
#[inline]
fn is_trigger(c: char) -> bool {
    let u = c as u32;
    if u < 0x800 {
        return TWO_BYTE[u as usize] & TRIGGER != 0;
    }
    if let Some(&t) = PUNCTUATION.get(u.wrapping_sub(PUNCT_BASE) as usize) {
        return t & TRIGGER != 0;
    }
    trigger_of(u, class_of(u))
}

/// [`is_trigger`] for code point `u` of class `class`.
const fn trigger_of(u: u32, class: u16) -> bool {
    if u < 0x80 || (u >= 0x0410 && u <= 0x044F) {
        return false;
    }
    // Cyrillic letters outside Russian's alphabet stand for continuation
    // bytes in windows-1251 mojibake (`Ђ`, `Ї`, `ѓ`); `ё`/`Ё` are Russian.
    let rare_cyrillic =
        matches!(u, 0x0400 | 0x0402..=0x040F | 0x0450 | 0x0452..=0x045F | 0x0490 | 0x0491);
    rare_cyrillic || class & !(COMMON | UPPER_COMMON | LOWER_COMMON) != 0
}

/// True when `text` holds a juxtaposition of characters that is far more
/// likely to be mojibake than intended.
pub(super) fn is_bad(text: &str) -> bool {
    is_bad_with::<true>(text)
}

/// [`is_bad`]; `SKIP` passes over Russian text in blocks (tests compare it
/// with the character-by-character walk).
fn is_bad_with<const SKIP: bool>(text: &str) -> bool {
    let b = text.as_bytes();
    // Start of the last window evaluated, so overlapping triggers do not
    // evaluate a window twice.
    let mut evaluated: Option<usize> = None;
    let mut i = 0;
    let mut retry_at = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            i = super::passes::skip_ascii(b, i + 1);
            continue;
        }
        if SKIP && (x == 0xD0 || x == 0xD1) && i >= retry_at {
            // Russian letters and ASCII between them hold no trigger (the
            // wide blocks, which also pass `ё` and dashes, measured slower
            // here).
            let (j, _, _) = super::passes::skip_russian::<false, false>(b, i);
            // The block from `j` holds something else: go on character
            // by character through it.
            retry_at = j + 32;
            if j > i {
                i = j;
                continue;
            }
        }
        if x < 0xE0 {
            // Two-byte characters that are no trigger (Russian letters,
            // most accented letters) are passed over without decoding.
            let u =
                (usize::from(x & 0x1F) << 6) | usize::from(b.get(i + 1).map_or(0, |y| y & 0x3F));
            if TWO_BYTE[u] & TRIGGER == 0 {
                i += 2;
                if u == 0x451 || u == 0x401 {
                    // `ё`/`Ё` in Russian text: blocks may pay again.
                    retry_at = 0;
                }
                continue;
            }
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if matches!(c, '«' | '»' | '–' | '—') {
            // Russian punctuation ended the block, not mojibake: try
            // blocks again from the next Russian letter.
            retry_at = 0;
        }
        if is_trigger(c) {
            // Windows start at the trigger or up to three characters before.
            let mut starts = [i; 4];
            let mut n = 1;
            for (j, _) in text[..i].char_indices().rev().take(3) {
                starts[n] = j;
                n += 1;
            }
            for &s in starts[..n].iter().rev() {
                if evaluated.is_some_and(|d| s <= d) {
                    continue;
                }
                evaluated = Some(s);
                if window_at(text, s) {
                    return true;
                }
            }
        }
        i += c.len_utf8();
    }
    false
}

/// True when one of the juxtapositions this crate adds to the published
/// set (mojibake glued inside a Latin word) occurs in `text`. Used on a
/// segment together with its neighbours.
pub(super) fn is_bad_inside_word(text: &str) -> bool {
    let mut it = text.chars();
    let mut w = [it.next(), it.next(), it.next(), it.next()];
    while let Some(a) = w[0] {
        if extra_rules(a, w[1], w[2], w[3]) {
            return true;
        }
        w = [w[1], w[2], w[3], it.next()];
    }
    false
}

fn window_at(text: &str, s: usize) -> bool {
    let mut it = text[s..].chars();
    let Some(a) = it.next() else {
        return false;
    };
    let b = it.next();
    let ca = class(a);
    // The first test of `window_is_bad`, on two characters only: most
    // windows end here. With an unclassified second character, the one
    // rule left is a lower-case letter, whitespace, then `Ã`/`Â` and a
    // space.
    let class_b = b.map_or(0, class);
    if class_b == 0 && ca & C1 == 0 && !matches!(a, 'Œ' | 'œ' | 'Ã' | 'Â') {
        return b.is_some_and(is_py_space)
            && a.is_ascii_lowercase()
            && matches!(it.next(), Some('Ã' | 'Â'))
            && it.next() == Some(' ');
    }
    // Cyrillic and Greek letters start few windows that can be bad (the
    // rules that can fire are written out here; a table test holds them to
    // the reference): a lower-case one only before an upper-case accented
    // letter (and `вЂ`, `β€…`); an upper-case one only in the `ВГРС` and
    // `ΒΓΞΟ` rules (and the long `Г` one).
    if ca == LOWER_COMMON && a != 'β' {
        return class_b & UPPER_ACC != 0 || (a == 'в' && b == Some('Ђ'));
    }
    if ca == UPPER_COMMON {
        let odd_second = class_b & (C1 | BAD | PUNCT | CURRENCY) != 0;
        match a {
            'В' | 'Р' | 'С' => {
                return (odd_second || matches!(b, Some('°' | 'µ')))
                    && matches!(it.next(), Some('В' | 'Г' | 'Р' | 'С'));
            }
            'Β' | 'Γ' | 'Ξ' | 'Ο' => {
                return (odd_second || b == Some('°'))
                    && matches!(it.next(), Some('Β' | 'Γ' | 'Ξ' | 'Ο'));
            }
            'Г' => {}
            _ => return false,
        }
    }
    // Opening and closing punctuation (`«`, `»`, `“`, `”`, ...) likewise.
    if ca == START && a != '‚' {
        return class_b & (BAD | BOX) != 0;
    }
    if ca == END {
        let c = it.next();
        let cc = c.map_or(0, class);
        return class_b & (BAD | UPPER_ACC | LOWER_ACC | CURRENCY | BOX) != 0
            || (class_b & START != 0 && cc & NUMERIC != 0)
            || (b == Some('Â') && (c == Some(' ') || cc & PUNCT != 0));
    }
    // Characters are decoded only as far as some rule looks: four, or
    // seven after `Г`; the one before only for `Â`.
    let mut w: [Option<char>; 7] = [None; 7];
    w[0] = Some(a);
    w[1] = b;
    let far = if a == 'Г' { 7 } else { 4 };
    for slot in w[2..far].iter_mut() {
        *slot = it.next();
    }
    let prev = if a == 'Â' {
        text[..s].chars().next_back()
    } else {
        None
    };
    window_is_bad(prev, a, ca, &w[1..], s == 0)
}

/// [`window_at`] decoding every character any rule may look at: the
/// reference its shortcuts are tested against.
#[cfg(test)]
fn window_at_reference(text: &str, s: usize) -> bool {
    let mut it = text[s..].chars();
    let Some(a) = it.next() else {
        return false;
    };
    let mut w: [Option<char>; 7] = [None; 7];
    w[0] = Some(a);
    for slot in w[1..].iter_mut() {
        *slot = it.next();
    }
    let prev = text[..s].chars().next_back();
    window_is_bad(prev, a, class(a), &w[1..], s == 0)
}

fn window_is_bad(prev: Option<char>, a: char, ca: u16, rest: &[Option<char>], first: bool) -> bool {
    let b = rest[0];
    let c = rest[1];
    let d = rest[2];
    let cb = b.map_or(0, class);
    // Every rule needs a classified second character, except those starting
    // with a C1 control, `Œ`/`œ`, `Ã`/`Â`, or a letter before whitespace.
    if cb == 0 && ca & C1 == 0 && !matches!(a, 'Œ' | 'œ' | 'Ã' | 'Â') && !b.is_some_and(is_py_space)
    {
        return false;
    }
    let cc = c.map_or(0, class);
    if ca & C1 != 0 {
        return true;
    }
    let strong = BAD | ACCENTED | BOX | PUNCT | CURRENCY | NUMERIC | LAW;
    if ca & strong != 0 && cb & BAD != 0 {
        return true;
    }
    if a.is_ascii_alphabetic() && cb & (LOWER_COMMON | UPPER_COMMON) != 0 && cc & BAD != 0 {
        return true;
    }
    if ca & BAD != 0 && cb & (ACCENTED | BOX | PUNCT | CURRENCY | NUMERIC | LAW) != 0 {
        return true;
    }
    if ca & (LOWER_ACC | LOWER_COMMON | BOX | END | CURRENCY | NUMERIC) != 0 && cb & UPPER_ACC != 0
    {
        return true;
    }
    if ca & (BOX | END | CURRENCY | NUMERIC) != 0 && cb & LOWER_ACC != 0 {
        return true;
    }
    if ca & (LOWER_ACC | BOX | END) != 0 && cb & CURRENCY != 0 {
        return true;
    }
    if is_py_space(a) && cb & UPPER_ACC != 0 && cc & CURRENCY != 0 {
        return true;
    }
    if ca & (UPPER_ACC | BOX) != 0 && cb & (NUMERIC | LAW) != 0 {
        return true;
    }
    if ca & (ACCENTED | BOX | CURRENCY | END) != 0 && cb & START != 0 && cc & NUMERIC != 0 {
        return true;
    }
    if ca & (ACCENTED | CURRENCY | NUMERIC | BOX | LAW) != 0 && cb & END != 0 && cc & START != 0 {
        return true;
    }
    if ca & (CURRENCY | NUMERIC | BOX) != 0 && cb & START != 0 {
        return true;
    }
    if a.is_ascii_lowercase() && cb & UPPER_ACC != 0 && cc & (START | CURRENCY) != 0 {
        return true;
    }
    if ca & BOX != 0 && cb & KAOMOJI != 0 {
        return true;
    }
    if ca & (ACCENTED | CURRENCY | NUMERIC | PUNCT | LAW) != 0 && cb & BOX != 0 {
        return true;
    }
    if ca & BOX != 0 && cb & END != 0 {
        return true;
    }
    if ca & ACCENTED != 0 && cb & PUNCT != 0 && c.is_some_and(is_word) {
        return true;
    }
    if matches!(a, 'Œ' | 'œ') && b.is_some_and(|b| !b.is_ascii_alphabetic()) {
        return true;
    }
    if ca & UPPER_ACC != 0 && b == Some('°') {
        return true;
    }
    // Our addition: `Â` + no-break space after a capital letter is more
    // likely a real `Â` (romanised names in capitals) than mojibake.
    let caps_a_circ = a == 'Â' && b == Some('\u{a0}') && prev.is_some_and(char::is_uppercase);
    if matches!(a, 'Â' | 'Ã' | 'Î' | 'Ð')
        && !caps_a_circ
        && b.is_some_and(|b| in_set(b, "€œŠš¢£Ÿž\u{a0}\u{ad}®©°·»–—´") || class(b) & PUNCT != 0)
    {
        return true;
    }
    if a == '×' && matches!(b, Some('²' | '³')) {
        return true;
    }
    if matches!(a, 'Ø' | 'Ù') {
        let arabic_second = |x: Option<char>| {
            x.is_some_and(|x| {
                class(x) & (COMMON | CURRENCY | BAD | NUMERIC | START) != 0 || in_set(x, "ŸŠ®°µ»")
            })
        };
        if arabic_second(b) && matches!(c, Some('Ø' | 'Ù')) && arabic_second(d) {
            return true;
        }
    }
    if a == 'à' && matches!(b, Some('²' | 'µ' | '¹' | '¼' | '½' | '¾')) {
        return true;
    }
    if a == '√' && b.is_some_and(|b| in_set(b, "±∂†≠®™´≤≥¥µø")) {
        return true;
    }
    if a == '≈' && matches!(b, Some('°' | '¢')) {
        return true;
    }
    if a == '‚' {
        if b == Some('Ä') && c.is_some_and(|c| in_set(c, "ìîïòôúùû†°¢π")) {
            return true;
        }
        if matches!(b, Some('â' | 'ó')) && matches!(c, Some('à' | 'ä' | '°' | 'ê')) {
            return true;
        }
    }
    if a == 'в' && b == Some('Ђ') {
        return true;
    }
    if matches!(a, 'В' | 'Г' | 'Р' | 'С')
        && (cb & (C1 | BAD | PUNCT | CURRENCY) != 0 || matches!(b, Some('°' | 'µ')))
        && matches!(c, Some('В' | 'Г' | 'Р' | 'С'))
    {
        return true;
    }
    if a == 'Г'
        && b == Some('ў')
        && c == Some('В')
        && d == Some('Ђ')
        && rest[3] == Some('В')
        && rest[4].is_some_and(|e| e != '\n')
        && rest[5].is_some_and(|e| e.is_ascii_alphabetic() || e == ' ')
    {
        return true;
    }
    if a == 'Ã' && matches!(b, Some('\u{a0}' | '¡')) {
        return true;
    }
    if a.is_ascii_lowercase() {
        if matches!(b, Some('Ã' | 'Â')) && c == Some(' ') {
            return true;
        }
        if b.is_some_and(is_py_space) && matches!(c, Some('Ã' | 'Â')) && d == Some(' ') {
            return true;
        }
    }
    if first && matches!(a, 'Ã' | 'Â') && b == Some(' ') {
        return true;
    }
    if (matches!(a, 'a'..='z' | '.' | ',' | '?' | '!') || ca & END != 0)
        && b == Some('Â')
        && (c == Some(' ') || cc & PUNCT != 0)
    {
        return true;
    }
    if a == 'β' && b == Some('€') && c.is_some_and(|c| in_set(c, "™\u{a0}Ά\u{ad}®°")) {
        return true;
    }
    if matches!(a, 'Β' | 'Γ' | 'Ξ' | 'Ο')
        && (cb & (C1 | BAD | PUNCT | CURRENCY) != 0 || b == Some('°'))
        && matches!(c, Some('Β' | 'Γ' | 'Ξ' | 'Ο'))
    {
        return true;
    }
    if a == 'ā' && b == Some('€') {
        return true;
    }
    extra_rules(a, b, c, d)
}

/// Mac-Roman characters of bytes 0x80..=0xBF (continuation bytes).
const MAC_CONT: &str = "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø";

/// Juxtapositions we add to the published set: mojibake glued inside a
/// Latin word.
fn extra_rules(a: char, b: Option<char>, c: Option<char>, d: Option<char>) -> bool {
    if !a.is_ascii_alphabetic() {
        return false;
    }
    // `pi√π`: Mac-Roman `√` + continuation right after a letter (in maths
    // `√π` follows a space, a digit or an operator).
    if b == Some('√') && c.is_some_and(|c| MAC_CONT.contains(c)) {
        return true;
    }
    // `mГ©dicament`, `naГЇve`: a windows-1251 reading of a Latin-1 letter
    // inside a Latin word (a Cyrillic capital followed by a character that
    // stands for a UTF-8 continuation byte, then a Latin letter).
    if matches!(b, Some('В' | 'Г' | 'Р' | 'С'))
        && c.is_some_and(|c| {
            matches!(
                super::codecs::encode_char(c, super::codecs::WINDOWS_1251),
                Some(0x80..=0xBF)
            )
        })
        && d.is_some_and(|d| d.is_ascii_alphabetic())
    {
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Long Russian text with triggers and mojibake in places.
        #[test]
        fn block_skip_finds_what_the_walk_finds(
            text in crate::repair::texts_from(
                "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ \
                 ёЁ«»–—,.1ВГРСЂўїѓ°Ã©Â\u{a0}€‚",
                0..160,
            ),
        ) {
            proptest::prop_assert_eq!(is_bad_with::<true>(&text), is_bad_with::<false>(&text), "{:?}", text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        #[test]
        fn windows_agree_with_the_reference(
            text in crate::repair::texts_from(
                "ab Z.,!?\n\u{a0}Ã©Â€™œŒ“”«»°ÐÑ\u{85}\u{9d}ВГРСЂўяЖ√π±×²ØÙ¢£ÄâàµβΒ€ā·–ôüÅ\
                 вЂаЁёΓΞΟΑγÞÀØ™",
                0..24,
            ),
        ) {
            for (s, _) in text.char_indices() {
                proptest::prop_assert_eq!(
                    window_at(&text, s),
                    window_at_reference(&text, s),
                    "{:?} at {}", text, s
                );
            }
        }
    }

    /// Windows starting at a Cyrillic or Greek letter or at opening or
    /// closing punctuation (which take shortcuts) against the reference,
    /// for every such character followed by characters of every class and
    /// those some rule names.
    #[test]
    fn letter_windows_agree_with_the_reference() {
        let mut seen = std::collections::HashSet::new();
        let mut others: Vec<char> = (0x80..0x2600u32)
            .filter(|&u| seen.insert(class_of(u)))
            .filter_map(char::from_u32)
            .collect();
        others.extend("ЂЁ€°µ²¢ВГРСΒΓΞΟвβ ’aZ.\u{a0}\nÃÂ™Ά\u{ad}®".chars());
        let mut letters = 0;
        for u in 0..0x11000u32 {
            let Some(a) = char::from_u32(u) else {
                continue;
            };
            if !matches!(class_of(u), LOWER_COMMON | UPPER_COMMON | START | END) {
                continue;
            }
            letters += 1;
            for &b in &others {
                for c in ['В', 'Р', 'Β', 'Ο', '™', 'a', ' ', '²', '“', '»', 'Â', '¢'] {
                    let text = format!("x{a}{b}{c}Ђ");
                    assert_eq!(
                        window_at(&text, 1),
                        window_at_reference(&text, 1),
                        "{text:?}"
                    );
                }
            }
        }
        assert!(letters > 150, "{letters}");
    }

    #[test]
    fn tables_agree_with_the_rules() {
        for u in 0..0x11000u32 {
            let Some(c) = char::from_u32(u) else {
                continue;
            };
            assert_eq!(class(c), class_of(u), "{u:#x}");
            assert_eq!(is_trigger(c), trigger_of(u, class_of(u)), "{u:#x}");
        }
    }

    #[test]
    fn bad_and_good() {
        let cases = [
            ("cafÃ©", true),
            ("Itâ€™s", true),
            ("naïve café", false),
            ("Привет, мир", false),
            ("col·lecció", false),
            ("3 × 4 = 12", false),
            ("l’été", false),
            ("a\u{85}b", true),
            ("╨┐╤Ç╨░", true),
            ("plain", false),
        ];
        for (text, bad) in cases {
            assert_eq!(is_bad(text), bad, "{text:?}");
        }
    }
}
