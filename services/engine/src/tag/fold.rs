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
    /// Original byte offsets of quotation marks (`"` « » “ ” „) and of
    /// paragraph breaks (`\n` starting a whitespace run with two or more
    /// line breaks, as `'\u{2029}'`), in text order.
    pub(crate) marks: Vec<(usize, char)>,
    /// Every word start of the folded text: the offset after each space,
    /// in order, recorded while folding so key finding need not scan for
    /// spaces. Empty when the folded text is longer than `u32::MAX` bytes
    /// (callers then scan, see [`Folded::word_starts`]).
    starts: Vec<u32>,
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
        self.refold_with::<true>(text);
    }

    /// [`Folded::refold`]; without `RUNS`, every character goes through the
    /// general path (the reference the run copying is tested against).
    fn refold_with<const RUNS: bool>(&mut self, text: &str) {
        let mut out = std::mem::take(&mut self.text);
        out.clear();
        out.reserve(text.len() + 16);
        self.breaks.clear();
        self.marks.clear();
        self.starts.clear();
        self.breaks.push((0, 0));
        let mut newlines = 0u32;
        // The folded text starts with a space: every word start follows one.
        self.space(&mut out);
        let mut delta: isize = 1;
        self.breaks.push((1, 0));
        let mut prev = Prev::Space;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                i += 1;
                if b.is_ascii_alphanumeric() {
                    let digit = b.is_ascii_digit();
                    if prev.needs_space_before(digit) {
                        self.space(&mut out);
                        self.sync(&mut delta, out.len(), i - 1);
                    }
                    out.push(char::from(b.to_ascii_lowercase()));
                    prev = if digit { Prev::Digit } else { Prev::Word };
                    if RUNS {
                        i = copy_plain_run::<true>(&mut out, &mut self.starts, text, i, &mut prev);
                    }
                    newlines = 0;
                    continue;
                } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
                    if b == b'\n' {
                        newlines += 1;
                        if newlines == 2 {
                            self.marks.push((i - 1, '\u{2029}'));
                        }
                    }
                    if prev == Prev::Space {
                        self.sync(&mut delta, out.len(), i);
                    } else {
                        self.space(&mut out);
                        prev = Prev::Space;
                    }
                } else {
                    let c = char::from(b);
                    if c == '"' {
                        self.marks.push((i - 1, c));
                    }
                    out.push(c);
                    prev = prev.after_punct(c);
                }
                if b.is_ascii_graphic() {
                    newlines = 0;
                }
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
                let c = char::from_u32(folded).unwrap_or('\u{FFFD}');
                if is_word(c) {
                    if prev.needs_space_before(false) {
                        self.space(&mut out);
                        self.sync(&mut delta, out.len(), i);
                    }
                    prev = Prev::Word;
                } else {
                    prev = prev.after_punct(c);
                }
                out.push(c);
                newlines = 0;
                i += 2;
                if RUNS && is_word(c) {
                    i = copy_plain_run::<false>(&mut out, &mut self.starts, text, i, &mut prev);
                }
                continue;
            }
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            let start = i;
            i += c.len_utf8();
            let last = out.as_bytes().last().copied();
            if matches!(c, '«' | '»' | '“' | '”' | '„') {
                self.marks.push((start, c));
            }
            let fold = fold_char(c, last);
            if !matches!(fold, Fold::Space | Fold::Remove) {
                newlines = 0;
            }
            match fold {
                Fold::Space => {
                    if prev != Prev::Space {
                        self.space(&mut out);
                        prev = Prev::Space;
                    }
                }
                Fold::Remove => {}
                Fold::One(f) => {
                    self.emit(&mut out, &mut prev, &mut delta, start, std::iter::once(f))
                }
                Fold::Str(s) => self.emit(&mut out, &mut prev, &mut delta, start, s.chars()),
                Fold::Lower => self.emit(&mut out, &mut prev, &mut delta, start, c.to_lowercase()),
            }
            self.sync(&mut delta, out.len(), i);
        }
        if u32::try_from(out.len()).is_err() {
            self.starts.clear();
        }
        self.text = out;
    }

    /// Appends a space to `out` and records the word start after it.
    #[inline(always)]
    fn space(&mut self, out: &mut String) {
        out.push(' ');
        self.starts.push(out.len() as u32);
    }

    /// The word starts of the folded text (every offset after a space), in
    /// order; `None` when they were not recorded (a text too long for
    /// `u32` offsets).
    pub(crate) fn word_starts(&self) -> Option<&[u32]> {
        (!self.starts.is_empty()).then_some(&self.starts[..])
    }

    fn emit(
        &mut self,
        out: &mut String,
        prev: &mut Prev,
        delta: &mut isize,
        orig: usize,
        chars: impl Iterator<Item = char>,
    ) {
        for c in chars {
            if is_word(c) {
                let digit = c.is_ascii_digit();
                if prev.needs_space_before(digit) {
                    self.space(out);
                    self.sync(delta, out.len(), orig);
                }
                *prev = if digit { Prev::Digit } else { Prev::Word };
            } else {
                *prev = prev.after_punct(c);
            }
            out.push(c);
        }
    }

    /// The folded offset of original offset `o` (a character boundary of
    /// the original), rounded to the start of the folded unit it falls in.
    pub(crate) fn to_folded(&self, o: usize) -> usize {
        let k = self.breaks.partition_point(|&(_, bo)| bo <= o);
        let (fo, bo) = self.breaks[k.saturating_sub(1)];
        let next_fo = self.breaks.get(k).map_or(usize::MAX, |b| b.0);
        (fo + (o - bo)).min(next_fo).min(self.text.len())
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

/// Copies the plain run of `text` from `i` (see [`plain_run_end`]),
/// which follows a word character, lowercased, and returns its end.
#[inline(always)]
fn copy_plain_run<const ASCII: bool>(
    out: &mut String,
    starts: &mut Vec<u32>,
    text: &str,
    i: usize,
    prev: &mut Prev,
) -> usize {
    // Folded offset = original offset + `shift` inside the run.
    let shift = (out.len() as u32).wrapping_sub(i as u32);
    let (end, last) = plain_run_end::<ASCII>(text.as_bytes(), i, |space| {
        starts.push((space as u32).wrapping_add(shift).wrapping_add(1));
    });
    if end > i {
        let from = out.len();
        out.push_str(&text[i..end]);
        out[from..].make_ascii_lowercase();
        *prev = match last {
            b' ' => Prev::Space,
            b'0'..=b'9' => Prev::Digit,
            _ => Prev::Word,
        };
    }
    end
}

/// ASCII letters and digits, by byte (a table: faster than the range
/// tests in the run loop).
static ALNUM: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    t
};

/// The end of the run of `b` from `i` that folding copies unchanged but
/// for ASCII case, when it follows a word character: ASCII letters and
/// digits, lower-case Cyrillic `а..я` (not `ё`), single spaces, and `, `
/// and `. ` (8 bytes at a time when `ASCII`: the run started with an
/// ASCII letter). No space is inserted and the offset delta stays
/// the same inside such a run (the spacing rule only adds a space between
/// punctuation and a word character). Also returns the run's last byte (0
/// when empty), never `,` or `.` (a space follows them in the run).
#[inline(always)]
fn plain_run_end<const ASCII: bool>(
    b: &[u8],
    mut j: usize,
    mut space_at: impl FnMut(usize),
) -> (usize, u8) {
    let mut last = 0u8;
    'blocks: loop {
        // ASCII letters, digits and single spaces: in a run that started
        // with an ASCII letter, 8 bytes at a time up to the first other
        // byte (no mispredicted branch per word), then byte by byte.
        let k = j;
        while ASCII && let Some(w) = b.get(j..j + 8) {
            let w = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
            let (stop, spaces) = not_plain8(w, b.get(j.wrapping_sub(1)) == Some(&b' '));
            // The spaces before the first stop belong to the run.
            let before_stop = (stop & stop.wrapping_neg()).wrapping_sub(1);
            let mut spaces = spaces & before_stop;
            while spaces != 0 {
                space_at(j + (spaces.trailing_zeros() / 8) as usize);
                spaces &= spaces - 1;
            }
            if stop != 0 {
                j += (stop.trailing_zeros() / 8) as usize;
                break;
            }
            j += 8;
        }
        while let Some(&c) = b.get(j) {
            if c >= 0x80 {
                break;
            }
            if !ALNUM[usize::from(c)] {
                if c == b' ' {
                    if b.get(j.wrapping_sub(1)) == Some(&b' ') {
                        break;
                    }
                    space_at(j);
                } else if !(matches!(c, b',' | b'.') && b.get(j + 1) == Some(&b' ')) {
                    break;
                }
                if ASCII {
                    // A byte the block test stopped at but the run takes
                    // (a `, ` split across two blocks): back to blocks, so
                    // the rest of the run is not read byte by byte.
                    j += 1;
                    last = c;
                    continue 'blocks;
                }
            }
            j += 1;
        }
        if j > k {
            last = b[j - 1];
        }
        // Lower-case Cyrillic letters, two bytes each.
        let k = j;
        while let Some(&[x, y]) = b.get(j..j + 2) {
            if is_lower_cyrillic(x, y) {
                j += 2;
            } else {
                break;
            }
        }
        if j == k {
            return (j, last);
        }
        last = b'a';
    }
}

/// The high bit of each byte of `w` (8 bytes, little-endian) that is not
/// an ASCII letter, digit or single space (a space after a space;
/// `after_space`: the byte before `w` is a space), or a `,` or `.` with a
/// space after it in `w` (folding copies `, ` and `. ` unchanged whatever
/// comes before). Branch-free, so runs of words cost no mispredicted
/// branch per word. Also returns the high bit of each space (as
/// [`spaces8`]), for the word starts.
#[inline(always)]
fn not_plain8(w: u64, after_space: bool) -> (u64, u64) {
    const HI: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    // 7-bit lanes: the sums below never carry into the next byte.
    let x = w & !HI;
    let in_range = |v: u64, lo: u8, hi: u8| {
        (v + ONES * u64::from(0x80 - lo)) & !(v + ONES * u64::from(0x80 - hi - 1)) & HI
    };
    let letters = in_range(x | (ONES * 0x20), b'a', b'z');
    let digits = in_range(x, b'0', b'9');
    let spaces = in_range(x, b' ', b' ') & !w;
    let doubled = spaces & ((spaces << 8) | (u64::from(after_space) << 7));
    let stops = (in_range(x, b',', b',') | in_range(x, b'.', b'.')) & (spaces >> 8) & !w;
    (
        (!(letters | digits | spaces | stops) | doubled | w) & HI,
        spaces,
    )
}

/// True when bytes `x`, `y` are a lower-case Cyrillic letter `а..я`
/// (`D0 B0..BF`, `D1 80..8F`; not `ё`), as folding leaves them.
#[inline(always)]
pub(crate) fn is_lower_cyrillic(x: u8, y: u8) -> bool {
    (x == 0xD0 && (0xB0..=0xBF).contains(&y)) || (x == 0xD1 && (0x80..=0x8F).contains(&y))
}

/// The high bit of each byte of `w` that is a space, exactly (no carries
/// between bytes).
#[inline(always)]
pub(crate) fn spaces8(w: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = w ^ 0x2020_2020_2020_2020;
    // High bit set for every non-zero byte of `x`.
    let nonzero = ((x & LOW7) + LOW7) | x;
    !nonzero & !LOW7
}

/// What the folded text ended with, for the word-start spacing rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prev {
    Space,
    Word,
    Digit,
    /// `-` or `'` right after a word character: joins two words.
    Joiner,
    /// `.` or `,` right after a digit: joins two digits.
    DigitJoiner,
    Other,
}

impl Prev {
    #[inline]
    fn needs_space_before(self, digit: bool) -> bool {
        match self {
            Prev::Space | Prev::Word | Prev::Digit | Prev::Joiner => false,
            Prev::DigitJoiner => !digit,
            Prev::Other => true,
        }
    }

    #[inline]
    fn after_punct(self, c: char) -> Prev {
        match (c, self) {
            ('-' | '\'', Prev::Word | Prev::Digit) => Prev::Joiner,
            ('.' | ',', Prev::Digit) => Prev::DigitJoiner,
            _ => Prev::Other,
        }
    }
}

#[derive(Clone, Copy)]
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
        // punctuation and symbols without case: no table lookup
        '\u{00A1}'..='\u{00BF}' | '\u{2013}'..='\u{205F}' | '\u{20A0}'..='\u{20CF}' => Fold::One(c),
        '\u{2500}'..='\u{25FF}' => Fold::One(c), // box drawing, blocks, shapes
        '\u{00C0}'..='\u{00FF}' => LATIN1[(u32::from(c) - 0xC0) as usize],
        '\u{0100}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => fold_latin(c),
        _ => Fold::Lower,
    }
}

/// [`fold_latin`] of U+00C0..=U+00FF, computed once (the most frequent
/// letters of Western mojibake).
static LATIN1: std::sync::LazyLock<[Fold; 64]> = std::sync::LazyLock::new(|| {
    std::array::from_fn(|k| match char::from_u32(0xC0 + k as u32).map(fold_latin) {
        Some(Fold::Lower) => {
            let c = char::from_u32(0xC0 + k as u32).unwrap_or(' ');
            match (c.to_lowercase().next(), c.to_lowercase().nth(1)) {
                (Some(l), None) => Fold::One(l),
                _ => Fold::Lower,
            }
        }
        Some(f) => f,
        None => Fold::Lower,
    })
});

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
    } else if matches!(c, '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{04FF}') {
        true // Cyrillic letters, without the table lookup
    } else if matches!(c, '\u{00A0}'..='\u{00BF}') {
        // symbols and punctuation, but for a few letters and numbers
        matches!(c, 'ª' | '²' | '³' | 'µ' | '¹' | 'º' | '¼' | '½' | '¾')
    } else if matches!(c, '\u{2000}'..='\u{206F}' | '\u{2500}'..='\u{25FF}') {
        false // punctuation, spaces, box drawing
    } else if matches!(c, '\u{00C0}'..='\u{00FF}') {
        c != '×' && c != '÷' // Latin-1 letters
    } else {
        c.is_alphanumeric()
    }
}

/// Folds a lexicon pattern fragment (no offset map, no leading space).
pub(crate) fn fold_str(s: &str) -> String {
    let mut t = Folded::new(s).text;
    t.remove(0);
    t
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
            ("«не»", "« не»"),
            ("talks.probably", "talks. probably"),
            ("(probably", "( probably"),
            ("3.5 1,000", "3.5 1,000"),
            ("x—y", "x— y"),
            ("по-видимому don't", "по-видимому don't"),
        ];
        for (input, want) in cases {
            assert_eq!(fold_str(input), *want, "{input:?}");
        }
    }

    #[test]
    fn fast_paths_agree_with_unicode_tables() {
        for c in ('\u{0}'..='\u{3000}').chain('\u{1E00}'..='\u{1EFF}') {
            assert_eq!(is_word(c), c.is_alphanumeric(), "{c:?}");
        }
        let text = |f: Fold, c: char| -> String {
            match f {
                Fold::One(x) => x.to_string(),
                Fold::Str(s) => s.to_owned(),
                Fold::Lower => c.to_lowercase().collect(),
                Fold::Space => " ".to_owned(),
                Fold::Remove => String::new(),
            }
        };
        for c in '\u{00C0}'..='\u{00FF}' {
            let k = (u32::from(c) - 0xC0) as usize;
            assert_eq!(text(LATIN1[k], c), text(fold_latin(c), c), "{c:?}");
        }
    }

    #[test]
    fn offsets_map_back() {
        let text = "A  Naïve\u{00A0}plan — Всё";
        let f = Folded::new(text);
        assert_eq!(f.text, " a naive plan — все");
        let start = f.text.find("naive").expect("present");
        let o = f.to_original(start);
        let e = f.to_original(start + 5);
        assert_eq!(&text[o..e], "Naïve");
        let s2 = f.text.find("все").expect("present");
        assert_eq!(
            &text[f.to_original(s2)..f.to_original(s2 + "все".len())],
            "Всё"
        );
    }

    /// Folding `s` with plain runs copied in bulk gives exactly what the
    /// character by character path gives: text, offset map and marks.
    fn runs_agree(s: &str) -> Result<(), TestCaseError> {
        let mut fast = Folded::default();
        fast.refold_with::<true>(s);
        let mut slow = Folded::default();
        slow.refold_with::<false>(s);
        prop_assert_eq!(&fast.text, &slow.text);
        prop_assert_eq!(&fast.breaks, &slow.breaks);
        prop_assert_eq!(&fast.marks, &slow.marks);
        // Both record every word start: every offset after a space.
        let spaces: Vec<u32> = (0..fast.text.len())
            .filter(|&i| fast.text.as_bytes()[i] == b' ')
            .map(|i| i as u32 + 1)
            .collect();
        prop_assert_eq!(fast.word_starts(), Some(&spaces[..]));
        prop_assert_eq!(slow.word_starts(), Some(&spaces[..]));
        Ok(())
    }

    proptest! {
        /// Copying plain runs in bulk gives exactly what the character by
        /// character path gives: text, offset map, marks and word starts.
        #[test]
        fn runs_agree_with_the_general_path(s in "[a-zA-Z09 .,'\"(«»äÄёЁаяАЯрР\u{00A0}\u{2019}\u{0301}\n\t-]{0,60}") {
            runs_agree(&s)?;
        }

        /// The same on text made of words and separators, where plain
        /// runs are long enough for the 8-byte steps.
        #[test]
        fn long_runs_agree_with_the_general_path(
            pieces in prop::collection::vec(
                prop::sample::select(&[
                    "talks", "Were", "STALLED", "2024", " ", " ", " ", "  ", ", ", ". ", ",", ".",
                    "3.5", "don't", "well-known", "(", "«", "»", "\"", "’", "\n", "\n\n",
                    "переговоры", "Зашли", "ё", "é", "—", "a", "b.c",
                ][..]),
                0..40,
            ),
        ) {
            let s = pieces.concat();
            runs_agree(&s)?;
        }

        #[test]
        fn not_plain8_agrees_with_bytes(
            w in prop::array::uniform8(prop::sample::select(&b" aZz09AM@[`{/:,.\x7f\xd0\xb0\xa0\xac\xae\t"[..])),
            after_space: bool,
        ) {
            let mut prev = if after_space { b' ' } else { b'a' };
            let mut want = 0u64;
            for (k, &c) in w.iter().enumerate() {
                let stop_then_space = matches!(c, b',' | b'.') && w.get(k + 1) == Some(&b' ');
                if !(c.is_ascii_alphanumeric() || (c == b' ' && prev != b' ') || stop_then_space) {
                    want |= 0x80 << (8 * k);
                }
                prev = c;
            }
            let (stop, spaces) = not_plain8(u64::from_le_bytes(w), after_space);
            prop_assert_eq!(stop, want, "{:?}", w);
            prop_assert_eq!(spaces, spaces8(u64::from_le_bytes(w)), "{:?}", w);
        }

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
