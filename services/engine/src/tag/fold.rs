//! The folded view of a text that lexicons match against, with an offset map
//! back to the original.
//!
//! Folding: Unicode lowercase; Latin diacritics stripped (`naïve` → `naive`,
//! also a combining mark after an ASCII letter); `ё` → `е`; curly apostrophes
//! and primes → `'`; hyphen variants → `-`; every run of whitespace (NBSP,
//! thin and other Unicode spaces, tabs, line breaks) → one space; soft
//! hyphens and zero-width characters removed. Lexicon patterns go through
//! the same function, so `don’t` in a text matches `don't` in a file.
//!
//! It does not fold quotes, dashes or letters of other scripts beyond
//! lowercase, and it does not normalize to NFC (the repair stage does).
//!
//! The offset map is sparse: a list of breakpoints `(folded, original)`
//! where the byte delta between the two texts changes. Between breakpoints
//! bytes correspond one to one. Offsets asked for are always character
//! boundaries of the folded text.

/// A folded text and its map back to the original.
#[derive(Debug, Default, Clone)]
pub(crate) struct Folded {
    /// The folded text.
    pub(crate) text: String,
    /// `(folded, original)` byte offsets where the delta changes, sorted,
    /// starting with `(0, 0)`.
    breaks: Vec<(usize, usize)>,
}

impl Folded {
    /// Folds `text`.
    pub(crate) fn new(text: &str) -> Folded {
        let mut f = Folded::default();
        f.refold(text);
        f
    }

    /// Folds `text` into `self`, reusing its buffers.
    pub(crate) fn refold(&mut self, text: &str) {
        let mut out = std::mem::take(&mut self.text).into_bytes();
        out.clear();
        out.reserve(text.len());
        self.breaks.clear();
        self.breaks.push((0, 0));
        let bytes = text.as_bytes();
        let mut delta: isize = 0;
        let mut prev_space = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
                    if prev_space {
                        i += 1;
                        self.sync(&mut delta, out.len(), i);
                        continue;
                    }
                    out.push(b' ');
                    prev_space = true;
                } else {
                    out.push(b.to_ascii_lowercase());
                    prev_space = false;
                }
                i += 1;
                continue;
            }
            // Cyrillic fast path: two-byte sequences D0/D1 xx.
            if (b == 0xD0 || b == 0xD1) && i + 1 < bytes.len() {
                let b1 = bytes[i + 1];
                let cp = ((u32::from(b) & 0x1F) << 6) | (u32::from(b1) & 0x3F);
                let folded = match cp {
                    0x0401 | 0x0451 => 0x0435,
                    0x0410..=0x042F => cp + 0x20,
                    0x0400..=0x040F => cp + 0x50,
                    _ => cp,
                };
                push_char(&mut out, folded);
                prev_space = false;
                i += 2;
                continue;
            }
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            let len = c.len_utf8();
            i += len;
            match fold_char(c, out.last().copied()) {
                Fold::Space => {
                    if !prev_space {
                        out.push(b' ');
                        prev_space = true;
                    }
                }
                Fold::Remove => {}
                Fold::One(f) => {
                    push_char(&mut out, f as u32);
                    prev_space = false;
                }
                Fold::Str(s) => {
                    out.extend_from_slice(s.as_bytes());
                    prev_space = false;
                }
                Fold::Lower => {
                    for l in c.to_lowercase() {
                        push_char(&mut out, l as u32);
                    }
                    prev_space = false;
                }
            }
            self.sync(&mut delta, out.len(), i);
        }
        // Every push above wrote whole UTF-8 sequences of valid scalar values.
        self.text = String::from_utf8(out).unwrap_or_else(|e| {
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        });
    }

    #[inline]
    fn sync(&mut self, delta: &mut isize, folded: usize, orig: usize) {
        let d = folded as isize - orig as isize;
        if d != *delta {
            *delta = d;
            match self.breaks.last_mut() {
                Some(last) if last.0 == folded => last.1 = orig,
                _ => self.breaks.push((folded, orig)),
            }
        }
    }

    /// The original byte offset of folded offset `f` (a character boundary
    /// of the folded text).
    pub(crate) fn to_original(&self, f: usize) -> usize {
        let k = self.breaks.partition_point(|&(fo, _)| fo <= f);
        let (fo, bo) = self.breaks[k.saturating_sub(1)];
        bo + (f - fo)
    }
}

#[inline]
fn push_char(out: &mut Vec<u8>, cp: u32) {
    let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

enum Fold {
    Space,
    Remove,
    One(char),
    Str(&'static str),
    Lower,
}

fn fold_char(c: char, prev: Option<u8>) -> Fold {
    match c {
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Fold::Remove,
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '\u{00B4}' => {
            Fold::One('\'')
        }
        '\u{2010}'..='\u{2012}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => Fold::One('-'),
        '\u{0300}'..='\u{036F}' => {
            if prev.is_some_and(|b| b.is_ascii_alphabetic()) {
                Fold::Remove
            } else {
                Fold::One(c)
            }
        }
        c if c.is_whitespace() => Fold::Space,
        '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => fold_latin(c),
        _ => Fold::Lower,
    }
}

fn fold_latin(c: char) -> Fold {
    match c {
        'ß' => return Fold::Str("ss"),
        'Æ' | 'æ' => return Fold::Str("ae"),
        'Œ' | 'œ' => return Fold::Str("oe"),
        'Ø' | 'ø' => return Fold::One('o'),
        'Ł' | 'ł' => return Fold::One('l'),
        'Đ' | 'đ' => return Fold::One('d'),
        _ => {}
    }
    let mut base = None;
    let mut ok = true;
    unicode_normalization::char::decompose_canonical(c, |d| {
        if base.is_none() {
            base = Some(d);
        } else if !('\u{0300}'..='\u{036F}').contains(&d) {
            ok = false;
        }
    });
    match base {
        Some(b) if ok && b.is_ascii_alphabetic() => Fold::One(b.to_ascii_lowercase()),
        _ => Fold::Lower,
    }
}

/// True for characters that make up words: Unicode alphanumerics.
#[inline]
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric()
    }
}

/// Folds a lexicon pattern fragment (no offset map needed).
pub(crate) fn fold_str(s: &str) -> String {
    Folded::new(s).text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folding_table() {
        let cases: &[(&str, &str)] = &[
            ("PROBABLY", "probably"),
            ("Naïve", "naive"),
            ("nai\u{0308}ve", "naive"),
            ("Всё ЁЖ", "все еж"),
            ("don’t", "don't"),
            ("a\u{00A0}\u{2009} b", "a b"),
            ("a\n\n  b", "a b"),
            ("non\u{2011}stop", "non-stop"),
            ("soft\u{00AD}ware", "software"),
            ("Straße", "strasse"),
            ("Ǆ", "ǆ"),
            ("ПО-ВИДИМОМУ", "по-видимому"),
            ("Ѐ", "ѐ"),
        ];
        for (input, want) in cases {
            assert_eq!(fold_str(input), *want, "{input:?}");
        }
    }

    #[test]
    fn offsets_map_back() {
        let text = "A  Naïve\u{00A0}plan — Всё";
        let f = Folded::new(text);
        assert_eq!(f.text, "a naive plan — все");
        let start = f.text.find("naive").expect("present");
        let o = f.to_original(start);
        let e = f.to_original(start + 5);
        assert_eq!(&text[o..e], "Naïve");
        let s2 = f.text.find("все").expect("present");
        assert_eq!(&text[f.to_original(s2)..f.to_original(s2 + "все".len())], "Всё");
    }

    proptest! {
        #[test]
        fn map_is_monotone_and_in_bounds(s in "[a-zA-ZäÄёЁ \u{00A0}\u{2019}\u{00AD}\u{0301}\n-]{0,40}") {
            let f = Folded::new(&s);
            let mut last = 0;
            for (i, _) in f.text.char_indices().chain(std::iter::once((f.text.len(), ' '))) {
                let o = f.to_original(i);
                prop_assert!(o <= s.len());
                prop_assert!(s.is_char_boundary(o));
                prop_assert!(o >= last);
                last = o;
            }
            prop_assert_eq!(f.to_original(f.text.len()), s.len());
        }
    }
}
