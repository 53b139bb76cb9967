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
use super::{chars, cyrillic, diacritics, entities};
use crate::Span;

/// Runs every enabled pass over `text`.
pub(super) fn run<'a>(text: Cow<'a, str>, options: &NormalizeOptions) -> (Cow<'a, str>, Vec<Edit>) {
    let ftfy_html = options.profile == Profile::Ftfy;
    let mut html_ok = options.fix_html_entities;
    // Whether the text is markup is asked only once a line has an `&`.
    let mut markup_checked = ftfy_html;
    let mut out: Option<String> = None;
    let mut edits: Vec<Edit> = Vec::new();
    let mut at = 0;
    let mut rest: &str = &text;
    while !rest.is_empty() {
        // Lines of plain printable ASCII need no pass: copied in bulk.
        let (plain, looked) = plain_lines(rest.as_bytes());
        if plain > 0 {
            if let Some(out) = out.as_mut() {
                out.push_str(&rest[..plain]);
            }
            at += plain;
            rest = &rest[plain..];
            continue;
        }
        // `flags` describe the line without its break.
        // The first `looked` bytes are plain ASCII, which sets no flag.
        let (flags, len, pending) = scan_or_suspect(rest, looked, options.fix_mojibake);
        let (line, tail) = rest.split_at(len);
        rest = tail;
        let body_len = line.len() - break_len(line);
        let (body, brk) = line.split_at(body_len);
        if ftfy_html && flags.lt {
            html_ok = false;
        }
        if flags.amp && html_ok && !markup_checked {
            markup_checked = true;
            html_ok = !entities::looks_like_markup(&text);
        }
        if flags.is_boring(options, html_ok)
            && (brk.is_empty() || brk == "\n" || !options.normalize_line_breaks)
        {
            if let Some(out) = out.as_mut() {
                out.push_str(line);
            }
            at += line.len();
            continue;
        }
        // Repair the line without its break, so a line means the same
        // before and after breaks are normalized (repair stays idempotent).
        let (mut fixed, mut line_edits) = run_line(body, flags, pending, options, html_ok);
        if !brk.is_empty() {
            let reason = match brk {
                "\n" => None,
                "\r\n" => Some("crlf line break"),
                "\r" => Some("cr line break"),
                "\u{2028}" => Some("u+2028 line separator"),
                _ => Some("u+2029 paragraph separator"),
            };
            match reason.filter(|_| options.normalize_line_breaks) {
                Some(reason) => {
                    let mut f = fixed.into_owned();
                    let o = f.len();
                    f.push('\n');
                    line_edits.push(Edit {
                        input: Span::new(body_len, line.len()),
                        output: Span::new(o, o + 1),
                        kind: EditKind::LineBreak,
                        reason: Cow::Borrowed(reason),
                    });
                    fixed = Cow::Owned(f);
                }
                None => {
                    if !line_edits.is_empty() {
                        let mut f = fixed.into_owned();
                        f.push_str(brk);
                        fixed = Cow::Owned(f);
                    }
                }
            }
        }
        if !line_edits.is_empty() {
            if out.is_none() && at == 0 && rest.is_empty() {
                // The text is this one line: its repair is the result, with
                // edits already indexing the text.
                return (Cow::Owned(fixed.into_owned()), line_edits);
            }
            let out = out.get_or_insert_with(|| {
                let mut s = String::with_capacity(text.len() + text.len() / 8 + 16);
                s.push_str(&text[..at]);
                s
            });
            let base_in = at;
            let base_out = out.len();
            edits.extend(line_edits.into_iter().map(|mut e| {
                e.input = Span::new(e.input.start + base_in, e.input.end + base_in);
                e.output = Span::new(e.output.start + base_out, e.output.end + base_out);
                e
            }));
            out.push_str(&fixed);
        } else if let Some(out) = out.as_mut() {
            out.push_str(line);
        }
        at += line.len();
    }
    match out {
        Some(out) => (Cow::Owned(out), edits),
        None => (text, Vec::new()),
    }
}

/// Scans the line at the start of `rest` from byte `looked` (plain ASCII
/// before): its flags and length, as [`Flags::scan_line_with`] gives them.
///
/// With `mojibake`, the scan may stop early, where the text so far already
/// calls for the mojibake test ([`Flags::scan_resumable`]), when the rest
/// of the line holds no `&` or `<` (so no flag that the passes before that
/// test or the markup rules read can change): the flags are then those of
/// the text so far, with the state to finish the scan from (`Some`).
/// Damaged lines are mostly repaired whole, after which the repaired text
/// is scanned anew, so their first scan is mostly saved.
fn scan_or_suspect(rest: &str, looked: usize, mojibake: bool) -> (Flags, usize, Option<ScanState>) {
    if !mojibake {
        let (f, len) = Flags::scan_line_with::<true>(rest, true, looked);
        return (f, len, None);
    }
    let mut st = ScanState::at(looked);
    if let Some((f, len)) = Flags::scan_resumable::<true, true>(rest, true, &mut st) {
        return (f, len, None);
    }
    let b = rest.as_bytes();
    let from = st.i;
    // The line ends at the first LF, CR (CRLF) or U+2028/U+2029 from here
    // (the scan saw none before).
    let mut end = memchr::memchr2(b'\n', b'\r', &b[from..]).map_or(b.len(), |k| from + k);
    for sep in ["\u{2028}", "\u{2029}"] {
        if let Some(k) = memchr::memmem::find(&b[from..end], sep.as_bytes()) {
            end = from + k;
        }
    }
    let len = match b.get(end) {
        None => end,
        Some(b'\n') => end + 1,
        Some(b'\r') => end + if b.get(end + 1) == Some(&b'\n') { 2 } else { 1 },
        Some(_) => end + 3,
    };
    let f = st.flags();
    if f.amp || memchr::memchr2(b'&', b'<', &b[from..end]).is_some() {
        let (f, len) = Flags::scan_resumable::<true, false>(rest, true, &mut st)
            .unwrap_or_else(|| (st.flags(), rest.len()));
        return (f, len, None);
    }
    (f, len, Some(st))
}

/// Length of the leading lines of `b` made only of printable ASCII and
/// tabs, each ending in LF or at the end of `b` (no pass changes those);
/// when that is 0, also how many bytes of the first line are such ASCII.
fn plain_lines(b: &[u8]) -> (usize, usize) {
    let mut plain = 0;
    let mut i = 0;
    loop {
        i = skip_plain_ascii(b, i);
        match b.get(i) {
            None => return (i, 0),
            Some(b'\n') => {
                i += 1;
                plain = i;
            }
            Some(&x) if x < 0x80 && !ASCII_SPECIAL[usize::from(x)] => i += 1,
            Some(_) if plain == 0 => return (0, i),
            Some(_) => return (plain, 0),
        }
    }
}

/// Length of the line break that ends `line` (0 when none).
fn break_len(line: &str) -> usize {
    if line.ends_with("\r\n") {
        2
    } else if line.ends_with(['\n', '\r']) {
        1
    } else if line.ends_with(['\u{2028}', '\u{2029}']) {
        3
    } else {
        0
    }
}

/// Bytes that need a look in [`Flags::scan`]: controls, `&`, `?`, `<`, DEL.
const ASCII_SPECIAL: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 0x20 {
        t[i] = i != 0x0A && i != 0x09;
        i += 1;
    }
    t[b'&' as usize] = true;
    t[b'?' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'<' as usize] = true;
    t[0x7F] = true;
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The top bit of every zero byte of `w` set, and maybe of bytes after the
/// first zero one (a borrow): the lowest set bit is exact.
#[inline]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// Skips plain printable ASCII (no control, DEL, `&`, `?`,
/// `<` or non-ASCII byte) from `i`; returns the first index that needs a
/// look (or a point in the last 7 bytes of `b`).
#[inline]
fn skip_plain_ascii(b: &[u8], mut i: usize) -> usize {
    // One word of 8 first (text dense in other bytes stops there), then
    // 32 bytes at a time with comparisons the compiler vectorizes, then
    // words of 8.
    match b.get(i..i + 8).map(special_bytes) {
        Some(0) => i += 8,
        Some(m) => return i + (m.trailing_zeros() / 8) as usize,
        None => return i,
    }
    while let Some(chunk) = b.get(i..i + 32) {
        let special = chunk.iter().fold(false, |acc, &x| {
            acc | !(0x20..0x7F).contains(&x) | (x == b'&') | (x == b'?') | (x == b'<')
        });
        if special {
            break;
        }
        i += 32;
    }
    while let Some(chunk) = b.get(i..i + 8) {
        let m = special_bytes(chunk);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// Marks the bytes of the 8 of `chunk` that are a control, DEL, `&`, `?`,
/// `<` or non-ASCII: 0 when there is none, else the lowest set bit is the
/// top bit of the first such byte.
#[inline]
fn special_bytes(chunk: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(chunk);
    let w = u64::from_le_bytes(a);
    (w & HIGHS)
        // a byte below 0x20: subtracting 0x20 borrows into its top bit
        | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS)
        | zero_bytes(w ^ (ONES * u64::from(b'&')))
        | zero_bytes(w ^ (ONES * u64::from(b'?')))
        | zero_bytes(w ^ (ONES * u64::from(b'<')))
        | zero_bytes(w ^ (ONES * 0x7F))
}

/// Skips ASCII from `i`: returns the index of the first non-ASCII byte
/// (or the length of `b`).
#[inline]
pub(super) fn skip_ascii(b: &[u8], i: usize) -> usize {
    let Some(rest) = b.get(i..) else {
        return b.len();
    };
    // The first non-ASCII byte of an 8-byte word, if any.
    let high = |w: &[u8]| {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let high = u64::from_le_bytes(a) & HIGHS;
        (high != 0).then(|| (high.trailing_zeros() / 8) as usize)
    };
    // One word first (short runs end there), then blocks of 32 bytes the
    // compiler vectorizes, then words, then bytes.
    let mut at = 0;
    if let Some(w) = rest.get(..8) {
        if let Some(k) = high(w) {
            return i + k;
        }
        at = 8;
    }
    for block in rest[at..].chunks_exact(32) {
        if block.iter().fold(0u8, |acc, &x| acc | x) >= 0x80 {
            break;
        }
        at += 32;
    }
    for w in rest[at..].chunks_exact(8) {
        if let Some(k) = high(w) {
            return i + at + k;
        }
        at += 8;
    }
    at += rest[at..].iter().take_while(|&&x| x < 0x80).count();
    i + at
}

/// Skips, 32 bytes at a time, text made only of plain ASCII (as
/// [`skip_plain_ascii`] means it, tabs included) and Russian letters
/// (U+0410..U+044F) from `i`, a character boundary of UTF-8 `b`; with
/// `WIDE`, also `ё`, `Ё`, `–` and `—` (which set no flag in
/// [`Flags::scan_line`] and are no [`super::chars::is_bad`] trigger), and
/// with `QUOTES` also `«` and `»` (no flag either, but triggers).
/// Returns where it stopped (a character boundary) and the upper- and
/// lower-case Russian letters passed. The caller goes on byte by byte.
#[inline]
pub(super) fn skip_russian<const WIDE: bool, const QUOTES: bool>(
    b: &[u8],
    mut i: usize,
) -> (usize, usize, usize) {
    let (mut up, mut lo) = (0usize, 0usize);
    while let Some(w) = b.get(i..i + 34) {
        // Stop before a character the block holds only in part.
        let adv = if w[31] >= 0xC0 {
            31
        } else if WIDE && w[30] >= 0xE0 {
            30
        } else {
            32
        };
        // In UTF-8 read from a character boundary, every continuation byte
        // belongs to a lead byte before it in the block; when all leads are
        // those of accepted characters, so are all continuation bytes.
        // Written without early exit so the compiler vectorizes it.
        let (mut bad, mut cyr, mut upper) = (0u8, 0u8, 0u8);
        for k in 0..32 {
            let (x, y, z) = (w[k], w[k + 1], w[k + 2]);
            let plain = (x.wrapping_sub(0x20) < 0x5F) & (x != b'&') & (x != b'?') & (x != b'<')
                | (x == b'\t');
            let cont = (x as i8) < -0x40;
            let (d0, d1, hi) = (x == 0xD0, x == 0xD1, y >= 0x90);
            let letter = (d0 & hi) | (d1 & !hi);
            let other = WIDE
                & ((d0 & (y == 0x81))
                    | (d1 & (y == 0x91))
                    | (QUOTES & (x == 0xC2) & ((y | 0x10) == 0xBB))
                    | ((x == 0xE2) & (y == 0x80) & (z.wrapping_sub(0x93) < 2)));
            bad |= u8::from(!(plain | cont | letter | other));
            cyr += u8::from(letter);
            upper += u8::from(d0 & hi & (y < 0xB0));
        }
        if bad != 0 {
            break;
        }
        if adv == 31 {
            // The lead in the last byte is counted with the next block.
            let (x, y) = (w[31], w[32]);
            let letter = (x == 0xD0 && y >= 0x90) || (x == 0xD1 && y < 0x90);
            cyr -= u8::from(letter);
            upper -= u8::from(x == 0xD0 && (0x90..0xB0).contains(&y));
        }
        up += usize::from(upper);
        lo += usize::from(cyr - upper);
        i += adv;
    }
    (i, up, lo)
}

/// Where [`Flags::scan_resumable`] stopped, to go on from there.
#[derive(Debug, Default, Clone, Copy)]
struct ScanState {
    f: Flags,
    bits: u16,
    i: usize,
    run: usize,
    retry_blocks_at: usize,
    prev_class: bool,
}

impl ScanState {
    /// A scan from byte `from` (preceded by plain ASCII only).
    fn at(from: usize) -> ScanState {
        ScanState {
            i: from,
            ..ScanState::default()
        }
    }

    /// The flags of the text scanned so far.
    fn flags(&self) -> Flags {
        self.f.with_bits(self.bits)
    }
}

/// What one scan of a line found; passes whose characters are absent are
/// skipped, and a line with nothing to do is copied as it is.
#[derive(Debug, Default, Clone, Copy)]
struct Flags {
    amp: bool,
    lt: bool,
    non_ascii: bool,
    /// A non-ASCII character other than Russian letters and common
    /// typographic punctuation.
    other: bool,
    /// Punctuation NFKC would change (no-break space, ellipsis, numero).
    nfkc_punct: bool,
    /// `?` between two letters (a lost diacritic, perhaps).
    q_in_word: bool,
    c1: bool,
    ligature: bool,
    width: bool,
    curly: bool,
    line_break: bool,
    nonchar: bool,
    control: bool,
    bom: bool,
    maybe_denormal: bool,
    mark: bool,
    /// Box-drawing characters (UTF-8 read as KOI8-R).
    boxes: bool,
    /// Longest run of characters windows-1252 gives for windows-1251 letters.
    latin1_run: usize,
    cyr_upper: usize,
    cyr_lower: usize,
    /// A C1 control, `Ã`, `Â`, `Œ`, `œ`, a character U+0400..U+047F, or
    /// two adjacent characters that both have a mojibake class: without
    /// one, no rule of [`chars::is_bad`] can fire (each needs one of them).
    maybe_bad: bool,
}

impl Flags {
    fn scan(text: &str) -> Flags {
        Flags::scan_line(text, false).0
    }

    /// Folds the bits of [`TWO_BYTE`] entries seen into the flags.
    fn with_bits(mut self, bits: u16) -> Flags {
        self.other |= bits & T_OTHER != 0;
        self.nfkc_punct |= bits & T_NFKC != 0;
        self.c1 |= bits & T_C1 != 0;
        self.line_break |= bits & T_BREAK != 0;
        self.ligature |= bits & T_LIGATURE != 0;
        self.mark |= bits & T_MARK != 0;
        self.curly |= bits & T_CURLY != 0;
        self.maybe_denormal |= bits & T_DENORMAL != 0;
        self.maybe_bad |= bits & T_SUSPECT != 0;
        self
    }

    fn scan_line(text: &str, stop_at_break: bool) -> (Flags, usize) {
        Flags::scan_line_with::<true>(text, stop_at_break, 0)
    }

    /// Scans `text`, up to and including the first line break when
    /// `stop_at_break`; returns the flags and the length scanned. When
    /// stopping at a break, the flags describe the text before the break
    /// (the break itself sets none).
    ///
    /// `FAST` takes table-driven shortcuts for two-byte characters; without
    /// it every character takes the general path (tests compare the two).
    ///
    /// Scanning starts at byte `from`, which the caller has seen to be
    /// preceded only by plain printable ASCII and tabs (they set no flag).
    fn scan_line_with<const FAST: bool>(
        text: &str,
        stop_at_break: bool,
        from: usize,
    ) -> (Flags, usize) {
        let mut st = ScanState::at(from);
        // Without `SUSPECT` the scan always runs to its end.
        Flags::scan_resumable::<FAST, false>(text, stop_at_break, &mut st)
            .unwrap_or_else(|| (st.flags(), text.len()))
    }

    /// [`Flags::scan_line_with`] from the state `st`. With `SUSPECT`, it
    /// stops before a non-ASCII character once the flags say the text so
    /// far is non-ASCII `other` text and `maybe_bad`, and returns `None`,
    /// `st` holding where it stopped (no line break lies before): the
    /// caller may then try a mojibake repair without the rest of the
    /// flags, and finish the scan from `st` if it still needs them.
    fn scan_resumable<const FAST: bool, const SUSPECT: bool>(
        text: &str,
        stop_at_break: bool,
        st: &mut ScanState,
    ) -> Option<(Flags, usize)> {
        let mut f = st.f;
        let mut bits = st.bits;
        let b = text.as_bytes();
        let n = b.len();
        let mut i = st.i.min(n);
        let mut run = st.run;
        let mut retry_blocks_at = st.retry_blocks_at;
        // Whether the character before has a mojibake class.
        let mut prev_class = st.prev_class;
        while i < n {
            let x = b[i];
            if SUSPECT
                && x >= 0x80
                && (f.other || bits & T_OTHER != 0)
                && (f.maybe_bad || bits & T_SUSPECT != 0)
            {
                *st = ScanState {
                    f,
                    bits,
                    i,
                    run,
                    retry_blocks_at,
                    prev_class,
                };
                return None;
            }
            if x < 0x80 {
                run = 0;
                prev_class = false;
                if !ASCII_SPECIAL[usize::from(x)] {
                    i = skip_plain_ascii(b, i + 1);
                    continue;
                }
                {
                    match x {
                        b'&' => f.amp = true,
                        b'<' => f.lt = true,
                        b'?' => {
                            f.q_in_word |= text[..i]
                                .chars()
                                .next_back()
                                .is_some_and(char::is_alphabetic)
                                && text[i + 1..]
                                    .chars()
                                    .next()
                                    .is_some_and(char::is_alphabetic);
                        }
                        b'\n' => {
                            if stop_at_break {
                                return Some((f.with_bits(bits), i + 1));
                            }
                        }
                        b'\r' => {
                            if stop_at_break {
                                let end = if b.get(i + 1) == Some(&b'\n') {
                                    i + 2
                                } else {
                                    i + 1
                                };
                                return Some((f.with_bits(bits), end));
                            }
                            f.line_break = true;
                        }
                        0x0C => {}
                        _ => f.control = true,
                    }
                }
                i += 1;
                continue;
            }
            f.non_ascii = true;
            if FAST && (x == 0xD0 || x == 0xD1) {
                // U+0400..U+047F: the line may be bad, and which
                // characters are next to each other no longer matters.
                f.maybe_bad = true;
                // Russian letters (U+0410..U+044F: D0 90..BF, D1 80..8F)
                // and the plain ASCII between them, in a tight loop.
                // Blocks first, unless one failed within the last 32
                // bytes (text that mixes in other letters, as mojibake
                // does, would try a block at every Russian letter).
                let (mut j, mut up, mut lo) = if i >= retry_blocks_at {
                    skip_russian::<true, true>(b, i)
                } else {
                    (i, 0, 0)
                };
                retry_blocks_at = j + 32;
                while j + 1 < n {
                    let (x, y) = (b[j], b[j + 1]);
                    if x == 0xD0 && y >= 0x90 {
                        if y < 0xB0 {
                            up += 1;
                        } else {
                            lo += 1;
                        }
                        j += 2;
                    } else if x == 0xD1 && y < 0x90 {
                        lo += 1;
                        j += 2;
                    } else if x < 0x80 && !ASCII_SPECIAL[usize::from(x)] {
                        j += 1;
                    } else {
                        break;
                    }
                }
                if j > i {
                    f.cyr_upper += up;
                    f.cyr_lower += lo;
                    run = 0;
                    i = j;
                    continue;
                }
            }
            if FAST && x < 0xE0 {
                let t = TWO_BYTE[(usize::from(x & 0x1F) << 6) | usize::from(b[i + 1] & 0x3F)];
                i += 2;
                bits |= t;
                let class = t & T_CLASS != 0;
                f.maybe_bad |= class && prev_class;
                prev_class = class;
                f.cyr_upper += usize::from(t & T_CYR_UPPER != 0);
                f.cyr_lower += usize::from(t & T_CYR_LOWER != 0);
                if t & T_RUN != 0 {
                    run += 1;
                    f.latin1_run = f.latin1_run.max(run);
                } else {
                    run = 0;
                }
                continue;
            }
            if FAST && x == 0xE2 && b[i + 1] < 0x88 {
                // U+2000..U+21FF (curly quotes, dashes, the euro sign)
                // from a table, but for the breaks and format controls.
                let u = 0x2000 | (u32::from(b[i + 1] & 0x07) << 6) | u32::from(b[i + 2] & 0x3F);
                if !matches!(u, 0x2028 | 0x2029 | 0x206A..=0x206F) {
                    let t = PUNCT_BITS[(u - 0x2000) as usize];
                    i += 3;
                    bits |= t;
                    let class = t & T_CLASS != 0;
                    f.maybe_bad |= class && prev_class;
                    prev_class = class;
                    run = 0;
                    continue;
                }
            }
            // Decode one character of valid UTF-8 by hand.
            let (u, len) = if x < 0xE0 {
                ((u32::from(x & 0x1F) << 6) | u32::from(b[i + 1] & 0x3F), 2)
            } else if x < 0xF0 {
                (
                    (u32::from(x & 0x0F) << 12)
                        | (u32::from(b[i + 1] & 0x3F) << 6)
                        | u32::from(b[i + 2] & 0x3F),
                    3,
                )
            } else {
                (
                    (u32::from(x & 0x07) << 18)
                        | (u32::from(b[i + 1] & 0x3F) << 12)
                        | (u32::from(b[i + 2] & 0x3F) << 6)
                        | u32::from(b[i + 3] & 0x3F),
                    4,
                )
            };
            i += len;
            if stop_at_break && (u == 0x2028 || u == 0x2029) {
                return Some((f.with_bits(bits), i));
            }
            let class = char::from_u32(u).map_or(0, chars::class) != 0;
            f.maybe_bad |= (class && prev_class) || suspect(u);
            prev_class = class;
            if (0x0410..=0x044F).contains(&u) {
                run = 0;
                if u < 0x0430 {
                    f.cyr_upper += 1;
                } else {
                    f.cyr_lower += 1;
                }
                continue;
            }
            if ((0xC0..=0xFF).contains(&u) && u != 0xD7 && u != 0xF7) || u == 0xA8 || u == 0xB8 {
                run += 1;
                f.latin1_run = f.latin1_run.max(run);
            } else {
                run = 0;
            }
            match u {
                0x0401 | 0x0451 | 0xAB | 0xBB | 0x2014 | 0x2013 | 0x2022 => {}
                0xA0 | 0x2026 | 0x2116 => f.nfkc_punct = true,
                0x2018..=0x201F => f.curly = true,
                _ => {
                    f.other = true;
                    match u {
                        0x80..=0x9F => {
                            f.c1 = true;
                            f.line_break |= u == 0x85;
                        }
                        0xA1..=0x2FF => {
                            f.ligature |=
                                matches!(u, 0x132 | 0x133 | 0x149 | 0x1C4..=0x1CC | 0x1F1..=0x1F3);
                            f.mark |= u == 0xB7;
                            f.curly |= u == 0x2BC;
                        }
                        0x2028 | 0x2029 => f.line_break = true,
                        0x206A..=0x206F | 0xFFF9..=0xFFFC => f.control = true,
                        0x2500..=0x25A0 => f.boxes = true,
                        0xFEFF => f.bom = true,
                        0xFFFD => f.mark = true,
                        0xFB00..=0xFB06 => f.ligature = true,
                        0x3000 | 0xFF01..=0xFFEF => f.width = true,
                        0xFDD0..=0xFDEF => f.nonchar = true,
                        _ => {}
                    }
                    f.nonchar |= u & 0xFFFE == 0xFFFE;
                    f.maybe_denormal |= may_denormalize(u);
                }
            }
        }
        Some((f.with_bits(bits), n))
    }

    fn many_capitals(&self) -> bool {
        self.cyr_upper >= 4 && self.cyr_upper * 3 >= self.cyr_upper + self.cyr_lower
    }

    /// True when no pass can change the line.
    fn is_boring(&self, o: &NormalizeOptions, html: bool) -> bool {
        !(self.other
            || self.control
            || self.line_break
            || (html && self.amp)
            || (o.restore_diacritics && self.q_in_word)
            || (o.unicode_form == UnicodeForm::Nfkc && self.nfkc_punct)
            || (o.uncurl_quotes && self.curly)
            || (o.fix_mojibake && self.many_capitals()))
    }
}

const T_OTHER: u16 = 1;
const T_NFKC: u16 = 1 << 1;
const T_C1: u16 = 1 << 2;
const T_BREAK: u16 = 1 << 3;
const T_LIGATURE: u16 = 1 << 4;
const T_MARK: u16 = 1 << 5;
const T_CURLY: u16 = 1 << 6;
const T_DENORMAL: u16 = 1 << 7;
const T_RUN: u16 = 1 << 8;
const T_CYR_UPPER: u16 = 1 << 9;
const T_CYR_LOWER: u16 = 1 << 10;
const T_CLASS: u16 = 1 << 11;
const T_SUSPECT: u16 = 1 << 12;

/// Characters that let [`chars::is_bad`] fire without a classified
/// neighbour, or whose neighbours the fast scan does not follow.
const fn suspect(u: u32) -> bool {
    matches!(u, 0x80..=0x9F | 0xC2 | 0xC3 | 0x152 | 0x153 | 0x400..=0x47F)
}

/// What [`Flags::scan_line`] notes for each two-byte character (U+0080 to
/// U+07FF), the same as its general path.
static TWO_BYTE: [u16; 0x800] = {
    let mut t = [0u16; 0x800];
    let mut u = 0x80;
    while u < 0x800 {
        t[u] = two_byte_bits(u as u32);
        u += 1;
    }
    t
};

/// What [`Flags::scan_line`] notes for U+2000..U+21FF, the same as its
/// general path (U+2028, U+2029 and U+206A..U+206F take that path).
static PUNCT_BITS: [u16; 0x200] = {
    let mut t = [0u16; 0x200];
    let mut k = 0;
    while k < 0x200 {
        let u = 0x2000 + k as u32;
        let mut bits = 0;
        if chars::class_of(u) != 0 {
            bits |= T_CLASS;
        }
        match u {
            0x2014 | 0x2013 | 0x2022 => {}
            0x2026 | 0x2116 => bits |= T_NFKC,
            0x2018..=0x201F => bits |= T_CURLY,
            _ => {
                bits |= T_OTHER;
                if may_denormalize(u) {
                    bits |= T_DENORMAL;
                }
            }
        }
        t[k] = bits;
        k += 1;
    }
    t
};

const fn two_byte_bits(u: u32) -> u16 {
    let mut t = 0;
    if chars::class_of(u) != 0 {
        t |= T_CLASS;
    }
    if suspect(u) {
        t |= T_SUSPECT;
    }
    if u >= 0x0410 && u <= 0x044F {
        return t | if u < 0x0430 { T_CYR_UPPER } else { T_CYR_LOWER };
    }
    if (u >= 0xC0 && u <= 0xFF && u != 0xD7 && u != 0xF7) || u == 0xA8 || u == 0xB8 {
        t |= T_RUN;
    }
    match u {
        0x0401 | 0x0451 | 0xAB | 0xBB => {}
        0xA0 => t |= T_NFKC,
        _ => {
            t |= T_OTHER;
            if u <= 0x9F {
                t |= T_C1;
                if u == 0x85 {
                    t |= T_BREAK;
                }
            } else if u <= 0x2FF {
                if matches!(u, 0x132 | 0x133 | 0x149 | 0x1C4..=0x1CC | 0x1F1..=0x1F3) {
                    t |= T_LIGATURE;
                }
                if u == 0xB7 {
                    t |= T_MARK;
                }
                if u == 0x2BC {
                    t |= T_CURLY;
                }
            }
            if may_denormalize(u) {
                t |= T_DENORMAL;
            }
        }
    }
    t
}

/// False for characters that can never make text non-NFC: below U+0300,
/// Cyrillic letters, and blocks of punctuation and symbols where every character
/// is its own NFC form and does not combine (a unit test checks every one).
/// True for the rest, which [`unicode_form`] then checks properly.
#[inline]
const fn may_denormalize(u: u32) -> bool {
    !matches!(
        u,
        0..=0x02FF
            | 0x0400..=0x0482
            | 0x048A..=0x04FF
            | 0x2010..=0x2027
            | 0x2030..=0x205E
            | 0x20A0..=0x20C0
            | 0x2100..=0x2125
            | 0x2212
            | 0x2500..=0x25FF
            | 0xFFFD
    )
}

/// Repairs one line (without its break). `flags` describe it, or with
/// `pending` only its text up to where [`scan_or_suspect`] stopped; the
/// scan is then finished from `pending` if the mojibake test does not
/// repair the line.
fn run_line<'a>(
    line: &'a str,
    flags: Flags,
    mut pending: Option<ScanState>,
    o: &NormalizeOptions,
    html_ok: bool,
) -> (Cow<'a, str>, Vec<Edit>) {
    let mut text: Cow<'a, str> = Cow::Borrowed(line);
    let mut edits: Vec<Edit> = Vec::new();
    let cfg = mojibake::Config {
        infer_lost_bytes: o.infer_lost_bytes,
    };
    let mut f = flags;
    // Set when the text was found not bad and has since changed only in
    // ways that cannot make it bad (quotes straightened, line breaks).
    let mut not_bad = false;
    for _ in 0..4 {
        // Another round runs when a repair changed the text (line breaks
        // excepted: lines are already split at every kind of break), as a
        // repair can expose further damage.
        let mut round_changed = false;
        // Takes a pass's output: its text, and its edits composed after
        // the ones so far.
        macro_rules! accept {
            ($next:expr, $e:expr) => {
                edits = if edits.is_empty() {
                    $e
                } else {
                    compose(&edits, &$e)
                };
                text = Cow::Owned($next);
            };
        }
        macro_rules! pass {
            ($cond:expr, $call:expr) => {
                if $cond {
                    if let Some((next, e)) = $call {
                        accept!(next, e);
                        round_changed = true;
                        not_bad = false;
                        f = Flags::scan(&text);
                    }
                }
            };
        }
        // For passes that only replace the characters `$field` flags with
        // ASCII (so no rescan is needed, and text that was not bad stays
        // not bad).
        macro_rules! pass_light {
            ($cond:expr, $call:expr, $field:ident, $sensitive:expr) => {
                if $cond {
                    if let Some((next, e)) = $call {
                        accept!(next, e);
                        round_changed |= $sensitive;
                        f.$field = false;
                    }
                }
            };
        }
        pass!(html_ok && f.amp, entities::unescape(&text));
        if o.fix_mojibake {
            let mut rescanned = false;
            if f.other && !not_bad {
                if f.maybe_bad && chars::is_bad(&text) {
                    let (fixed, clean) = mojibake::fix_encoding_bad_checked(&text, cfg);
                    if let Some((next, e)) = fixed {
                        accept!(next, e);
                        round_changed = true;
                        // The repaired text was found not bad already.
                        not_bad = clean;
                        f = Flags::scan(&text);
                        rescanned = true;
                    }
                } else {
                    not_bad = true;
                }
            }
            if let Some(mut st) = pending.take()
                && !rescanned
                && matches!(text, Cow::Borrowed(_))
            {
                // Still the line whose scan stopped early: finish it.
                f = Flags::scan_resumable::<true, false>(&text, true, &mut st)
                    .map_or_else(|| st.flags(), |(f, _)| f);
            }
            pass!(
                f.boxes || f.latin1_run >= 3 || f.many_capitals(),
                cyrillic::fix(&text, f.boxes, f.latin1_run >= 3, f.many_capitals())
            );
            pass!(f.c1, mojibake::fix_c1_controls(&text));
        }
        pass!(
            o.split_ligatures && f.ligature,
            map_chars(&text, ligature, EditKind::Ligature, "latin ligature split")
        );
        pass!(
            o.fix_character_width && f.width,
            map_chars(
                &text,
                width,
                EditKind::Width,
                "full-width or half-width form"
            )
        );
        pass_light!(
            o.uncurl_quotes && f.curly,
            map_chars(&text, uncurl, EditKind::Quote, "curly quote straightened"),
            curly,
            true
        );
        pass_light!(
            o.normalize_line_breaks && f.line_break,
            line_breaks(&text),
            line_break,
            false
        );
        pass!(
            o.replace_noncharacters && f.nonchar,
            map_chars(
                &text,
                nonchar,
                EditKind::Noncharacter,
                "noncharacter replaced"
            )
        );
        pass!(o.remove_control_chars && f.control, control_chars(&text));
        pass!(
            o.remove_stray_boms && f.bom,
            map_chars(
                &text,
                |c| (c == '\u{FEFF}').then_some(""),
                EditKind::StrayBom,
                "byte order mark inside the text",
            )
        );
        pass!(
            o.unicode_form != UnicodeForm::None
                && (f.maybe_denormal || (o.unicode_form == UnicodeForm::Nfkc && f.non_ascii)),
            unicode_form(&text, o.unicode_form)
        );
        pass!(
            o.restore_diacritics && (f.mark || f.q_in_word),
            diacritics::restore(&text)
        );
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
            self.edits.reserve(8);
        }
        self.out.push_str(&self.text[self.at..span.start]);
        let start = self.out.len();
        match with.as_bytes() {
            // Mostly one ASCII byte (a straightened quote): no copy call.
            &[b] if b.is_ascii() => self.out.push(char::from(b)),
            _ => self.out.push_str(with),
        }
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
    let mut rw = Rewriter::new(text);
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] < 0x80 {
            i = skip_ascii(b, i + 1);
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if let Some(r) = f(c) {
            rw.replace(
                Span::new(i, i + c.len_utf8()),
                r,
                kind,
                Cow::Borrowed(reason),
            );
        }
        i += c.len_utf8();
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
        } else if bytes[i..].starts_with("\u{2028}".as_bytes()) {
            (i + 3, "u+2028 line separator")
        } else if bytes[i..].starts_with("\u{2029}".as_bytes()) {
            (i + 3, "u+2029 paragraph separator")
        } else if bytes[i..].starts_with("\u{85}".as_bytes()) {
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

#[cfg(test)]
mod tests {
    use unicode_normalization::IsNormalized;
    use unicode_normalization::char::canonical_combining_class;

    use super::*;

    #[test]
    fn characters_never_denormal_are_nfc_and_do_not_combine() {
        let mut skipped = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if may_denormalize(c as u32) {
                continue;
            }
            skipped += 1;
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
        }
        assert!(skipped > 1000);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Long runs of Russian text with the characters the block skip
        /// accepts, and some it does not, at every alignment.
        #[test]
        fn block_skip_agrees_with_the_general_path(
            text in crate::repair::texts_from(
                "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ \
                 ,.%1«»—–\t?&<\u{2212}°ѐѝ€é\n",
                0..120,
            ),
        ) {
            for stop in [false, true] {
                let fast = Flags::scan_line_with::<true>(&text, stop, 0);
                let slow = Flags::scan_line_with::<false>(&text, stop, 0);
                proptest::prop_assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{:?}", text);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// `maybe_bad` is a safe gate: text it leaves out is never bad.
        #[test]
        fn texts_not_maybe_bad_are_not_bad(
            text in crate::repair::texts_from(
                "ab Z.,!?\u{a0}é©ÃÂ€™œŒ“”‘’«»°Ð\u{85}\u{9d}ВГРСЂўяЖ√π±×²ØÙ¢£Äâàµβ€ā·–—ôüÅ†\u{2122}\u{2202}╔═",
                0..16,
            ),
        ) {
            let f = Flags::scan(&text);
            proptest::prop_assert!(f.maybe_bad || !chars::is_bad(&text), "{:?}", text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// A scan that stops where the mojibake test is due, finished
        /// later from its state, gives the flags and line length of one
        /// whole scan; it stops only with `other`, `maybe_bad` and no `&`
        /// in the line, and no `<` after where it stopped.
        #[test]
        fn scan_stopped_and_finished_agrees_with_one_scan(
            text in crate::repair::texts_from(
                "ab ?&<\n\r\u{2028}\u{2029}\u{85}é©ÃÂ€™œ“”«»°−Ð\u{9d}ВГРСЂўяЖ√×ØâàµβЁё—·\u{fffd}╔",
                0..48,
            ),
            looked in 0usize..4,
        ) {
            let looked = text.bytes().take(looked).take_while(|&x| x.is_ascii_graphic() && x != b'&'
                && x != b'?' && x != b'<').count();
            let whole = Flags::scan_line_with::<true>(&text, true, looked);
            let (f, len, pending) = scan_or_suspect(&text, looked, true);
            proptest::prop_assert_eq!(len, whole.1);
            let got = match pending {
                None => f,
                Some(mut st) => {
                    proptest::prop_assert!(f.other && f.maybe_bad && !f.amp);
                    let line = &text[..len];
                    proptest::prop_assert!(!line.contains('&'));
                    proptest::prop_assert!(f.lt || !line.contains('<'));
                    let body = &line[..len - break_len(line)];
                    Flags::scan_resumable::<true, false>(body, true, &mut st)
                        .map_or_else(|| st.flags(), |(f, _)| f)
                }
            };
            proptest::prop_assert_eq!(format!("{got:?}"), format!("{:?}", whole.0));
        }
    }

    #[test]
    fn ascii_skip_stops_at_the_first_non_ascii_byte() {
        for len in 0..80 {
            for at in 0..=len {
                let mut b = vec![b'a'; len];
                if at < len {
                    b[at] = 0xC3;
                }
                for from in 0..=len {
                    let want = if at < len && at >= from {
                        at
                    } else {
                        len.max(from)
                    };
                    assert_eq!(skip_ascii(&b, from), want, "{len} {at} {from}");
                }
            }
        }
    }

    #[test]
    fn table_driven_scan_agrees_with_the_general_path() {
        let mut texts = Vec::new();
        for c in (0x80..0x800u32)
            .chain(0x2000..0x2200)
            .filter_map(char::from_u32)
        {
            texts.push(format!("{c}"));
            texts.push(format!("a{c}{c}{c} b"));
            texts.push(format!("\u{d0}{c}\u{d1}\u{be}\u{b5}x"));
            texts.push(format!(
                "\u{41f}\u{440}\u{438} {c}\u{432}\u{435}\u{442}, \u{43c}\u{438}\u{440}\n"
            ));
        }
        texts.push("Привет, мир! ПРИВЕТ Ёлка ёж\u{2028}x".to_owned());
        for t in &texts {
            for stop in [false, true] {
                let fast = Flags::scan_line_with::<true>(t, stop, 0);
                let slow = Flags::scan_line_with::<false>(t, stop, 0);
                assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{t:?}");
            }
        }
    }

    #[test]
    fn plain_lines_stop_before_any_line_a_pass_may_change() {
        for (text, want) in [
            ("", 0),
            ("plain", 5),
            ("plain\tline\nnext\n", 16),
            ("one\ntwo & three\n", 4),
            ("one\ncaf\u{e9}\n", 4),
            ("a long enough plain line of text\nwhat?\n", 33),
            ("crlf\r\n", 0),
            ("x\n\u{0}\n", 2),
            ("<b>\n", 0),
            ("plain words, then what? and a curly \u{2019}\n", 0),
            ("many plain words before a tab\tand a \u{0} nul\r\n", 0),
        ] {
            let (plain, looked) = plain_lines(text.as_bytes());
            assert_eq!(plain, want, "{text:?}");
            if plain == 0 {
                // A scan from where plain_lines stopped sees the same line.
                let whole = Flags::scan_line(text, true);
                let rest = Flags::scan_line_with::<true>(text, true, looked);
                assert_eq!(format!("{whole:?}"), format!("{rest:?}"), "{text:?}");
            }
        }
    }

    #[test]
    fn line_flags_leave_out_the_break() {
        let o = NormalizeOptions::default();
        for (text, boring_body) in [
            ("plain\n", true),
            ("plain\r\n", true),
            ("plain\r", true),
            ("plain\u{2028}", true),
            ("plain\u{2029}next", true),
            ("caf\u{e9}\r\n", false),
            ("a\u{0}b\n", false),
        ] {
            let (f, len) = Flags::scan_line(text, true);
            assert_eq!(f.is_boring(&o, true), boring_body, "{text:?}");
            assert!(!f.line_break, "{text:?}");
            assert!(len <= text.len());
        }
    }
}
