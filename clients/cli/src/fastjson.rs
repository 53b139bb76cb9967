//! Hand-rolled compact JSON for the `--jsonl` hot path: writes an
//! [`Output`] into a byte buffer exactly as `serde_json::to_writer` would
//! (same key order, same escapes, same number formatting), and maps byte
//! offsets to code points / UTF-16 units by counting bytes in bulk.
//!
//! It owns only speed: the field set and order come from [`Output`]; rare
//! fields (tags, scores, encoding, lexicon version) are delegated to
//! serde_json. It won't pretty-print (`--json` keeps serde_json).

use serde::Serialize;

use crate::model::{EditOut, Offsets, Output};

/// What `serde_json` writes for a byte: 0 for itself, `u` for `\u00XX`,
/// or the letter after the backslash.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0A] = b'n';
    t[0x0C] = b'f';
    t[0x0D] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// True when some byte of `chunk` is `"`, `\\` or below 0x20. Written
/// without early exit so the compiler vectorizes it.
#[inline]
fn chunk_needs_escape(chunk: &[u8; 32]) -> bool {
    let mut any = 0u8;
    for &c in chunk {
        any |= u8::from(c < 0x20) | u8::from(c == b'"') | u8::from(c == b'\\');
    }
    any != 0
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The same test on 8 bytes at once (exact: no false negatives, and a
/// false positive only costs the byte loop).
#[inline]
fn word_needs_escape(w: u64) -> bool {
    let has_zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let below_space = w.wrapping_sub(LO * 0x20) & !w & HI;
    (below_space | has_zero(w ^ (LO * u64::from(b'"'))) | has_zero(w ^ (LO * u64::from(b'\\'))))
        != 0
}

/// Appends `s` as a JSON string, quotes included.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    write_escaped(out, s.as_bytes());
    out.push(b'"');
}

/// [`write_str`] for a `s` that needs escapes only inside the output spans
/// of `edits` (in order): the bytes outside them are copied unchecked.
/// Sparse edits are escaped span by span; dense ones (a repaired line has
/// one per word) as one stretch from the first span to the last, whose
/// unedited bytes need no escape, so both write the same. Falls back to
/// [`write_str`] when the spans are out of order or bounds.
pub(crate) fn write_str_escaping_within(
    out: &mut Vec<u8>,
    s: &str,
    edits: &[textstance_engine::Edit],
) {
    let b = s.as_bytes();
    let ordered = edits
        .windows(2)
        .all(|w| w[0].output.end <= w[1].output.start)
        && edits
            .iter()
            .all(|e| e.output.start <= e.output.end && e.output.end <= b.len());
    if !ordered {
        return write_str(out, s);
    }
    out.reserve(b.len() + 2);
    out.push(b'"');
    let (lo, hi) = match (edits.first(), edits.last()) {
        (Some(f), Some(l)) => (f.output.start, l.output.end),
        _ => (b.len(), b.len()),
    };
    if edits.len() * DENSE_EDIT_BYTES >= hi - lo {
        debug_assert!(
            !b[..lo]
                .iter()
                .chain(&b[hi..])
                .any(|&c| ESCAPE[usize::from(c)] != 0),
            "unedited text needs no escape"
        );
        out.extend_from_slice(&b[..lo]);
        write_escaped(out, &b[lo..hi]);
        out.extend_from_slice(&b[hi..]);
        out.push(b'"');
        return;
    }
    let mut at = 0;
    for e in edits {
        let between = &b[at..e.output.start];
        debug_assert!(
            !between.iter().any(|&c| ESCAPE[usize::from(c)] != 0),
            "unedited text needs no escape"
        );
        out.extend_from_slice(between);
        write_escaped(out, &b[e.output.start..e.output.end]);
        at = e.output.end;
    }
    debug_assert!(!b[at..].iter().any(|&c| ESCAPE[usize::from(c)] != 0));
    out.extend_from_slice(&b[at..]);
    out.push(b'"');
}

/// Edits at least this dense (one per so many bytes from the first to the
/// last) are escaped as one stretch (measured on the speed kit's corpus:
/// quote fixes in English are sparser, mojibake fixed word by word denser).
const DENSE_EDIT_BYTES: usize = 32;

/// Appends the bytes of a string escaped as JSON, without quotes.
fn write_escaped(out: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(chunk) = b.get(i..i + 32).and_then(|c| <&[u8; 32]>::try_from(c).ok())
            && !chunk_needs_escape(chunk)
        {
            i += 32;
            continue;
        }
        if let Some(w) = b.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok())
            && !word_needs_escape(u64::from_le_bytes(w))
        {
            i += 8;
            continue;
        }
        let c = b[i];
        let e = ESCAPE[c as usize];
        if e == 0 {
            i += 1;
            continue;
        }
        out.extend_from_slice(&b[run..i]);
        if e == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c >> 4) as usize],
                HEX[(c & 0xF) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', e]);
        }
        i += 1;
        run = i;
    }
    out.extend_from_slice(&b[run..]);
}

/// The two digits of every number below 100.
static DIGITS2: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Appends a decimal integer.
pub(crate) fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    // Offsets are mostly short: fixed-length appends of digit pairs from a
    // table, no copy call.
    let pair = |k: u64| DIGITS2[(k % 100) as usize];
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    if n < 100 {
        out.extend_from_slice(&pair(n));
        return;
    }
    if n < 1000 {
        let [a, b] = pair(n);
        out.extend_from_slice(&[b'0' + (n / 100) as u8, a, b]);
        return;
    }
    if n < 10000 {
        let [a, b] = pair(n / 100);
        let [c, d] = pair(n);
        out.extend_from_slice(&[a, b, c, d]);
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn write_pair(out: &mut Vec<u8>, [a, b]: [u64; 2]) {
    out.push(b'[');
    write_u64(out, a);
    out.push(b',');
    write_u64(out, b);
    out.push(b']');
}

fn key(out: &mut Vec<u8>, first: &mut bool, k: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\":");
}

fn list<T>(out: &mut Vec<u8>, items: &[T], mut f: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        f(out, x);
    }
    out.push(b']');
}

fn serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing into a Vec cannot fail, and our types serialize infallibly.
    if serde_json::to_writer(&mut *out, v).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// String equality, trying the address first (kinds and most reasons are
/// the same static strings).
#[inline]
fn same(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

/// Writes an edit; `prev` is the kind and reason of the previous edit of
/// the list and where its `{"kind":…,"reason":…,"input":` prefix sits in
/// `out`, copied again when they are the same (they mostly are).
fn write_edit<'e>(
    out: &mut Vec<u8>,
    e: &EditOut<'e>,
    prev: &mut Option<(&'static str, &'e str, std::ops::Range<usize>)>,
) {
    let start = out.len();
    match prev {
        Some((kind, reason, at)) if same(kind, e.kind) && same(reason, e.reason) => {
            out.extend_from_within(at.clone());
        }
        _ => {
            out.extend_from_slice(b"{\"kind\":");
            write_str(out, e.kind);
            out.extend_from_slice(b",\"reason\":");
            write_str(out, e.reason);
            out.extend_from_slice(b",\"input\":");
            *prev = Some((e.kind, e.reason, start..out.len()));
        }
    }
    write_pair(out, e.input);
    out.extend_from_slice(b",\"output\":");
    write_pair(out, e.output);
    out.push(b'}');
}

/// Appends `o` as one compact JSON object (no newline), byte-identical to
/// `serde_json::to_writer(o)`.
pub(crate) fn write_output(out: &mut Vec<u8>, o: &Output<'_>) {
    let mut first = true;
    out.push(b'{');
    key(out, &mut first, "id");
    out.extend_from_slice(o.id.get().as_bytes());
    if let Some(t) = o.text {
        key(out, &mut first, "text");
        match (o.text_json, o.text_escapes_within) {
            (Some(json), _) => {
                out.reserve(json.len() + 2);
                out.push(b'"');
                out.extend_from_slice(json.as_bytes());
                out.push(b'"');
            }
            (None, Some(edits)) => write_str_escaping_within(out, t, edits),
            (None, None) => write_str(out, t),
        }
    }
    if let Some(e) = &o.edits {
        key(out, &mut first, "edits");
        let mut prev = None;
        list(out, e, |out, e| write_edit(out, e, &mut prev));
    }
    if let Some(s) = &o.sentences {
        key(out, &mut first, "sentences");
        list(out, s, |out, s| write_str(out, s));
    }
    if let Some(s) = &o.spans {
        key(out, &mut first, "spans");
        list(out, s, |out, p| write_pair(out, *p));
    }
    if let Some(k) = &o.kinds {
        key(out, &mut first, "kinds");
        list(out, k, |out, k| write_str(out, k));
    }
    if let Some(t) = &o.tags {
        key(out, &mut first, "tags");
        serde(out, t);
    }
    if let Some(s) = &o.scores {
        key(out, &mut first, "scores");
        serde(out, s);
    }
    if let Some(s) = &o.sentence_scores {
        key(out, &mut first, "sentence_scores");
        serde(out, s);
    }
    if let Some(l) = o.language {
        key(out, &mut first, "language");
        write_str(out, l);
    }
    if let Some(e) = &o.encoding {
        key(out, &mut first, "encoding");
        serde(out, e);
    }
    if let Some(v) = &o.lexicon_version {
        key(out, &mut first, "lexicon_version");
        serde(out, v);
    }
    out.push(b'}');
}

/// Byte offsets of one text to code points or UTF-16 units, by counting
/// bytes in bulk. Same results as `textstance_engine::OffsetMapper` (an
/// offset inside a character counts that character as not reached; past
/// the end maps to the end), any order, linear for increasing offsets.
#[derive(Debug, Clone)]
pub(crate) struct FastMapper<'t> {
    text: &'t str,
    unit: Offsets,
    byte: usize,
    units: usize,
}

/// Code points in `bytes` (every byte that is not a UTF-8 continuation byte
/// starts one), plus one per 4-byte lead (>= 0xF0) when `utf16` (those take
/// two UTF-16 units). Eight bytes per step: each byte lane holds its own
/// count, summed across lanes before any lane can overflow.
fn count_units(bytes: &[u8], utf16: bool) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    let lane = |w: u64| {
        // a lead or ASCII byte: bit 7 clear, or bit 6 set
        let starts = ((!w >> 7) | (w >> 6)) & LO;
        let four = (w >> 4) & (w >> 5) & (w >> 6) & (w >> 7) & LO;
        starts + if utf16 { four } else { 0 }
    };
    let mut words = bytes.chunks_exact(8);
    let mut n = 0usize;
    loop {
        // at most 2 per lane per word: 127 words cannot overflow a lane
        let mut acc = 0u64;
        let mut taken = 0;
        for w in words.by_ref().take(127) {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            acc += lane(u64::from_le_bytes(a));
            taken += 1;
        }
        // bytes to 16-bit lanes, then the four lanes summed in the top one
        let pairs = (acc & 0x00FF_00FF_00FF_00FF) + ((acc >> 8) & 0x00FF_00FF_00FF_00FF);
        n += (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
        if taken < 127 {
            break;
        }
    }
    for &b in words.remainder() {
        n += usize::from((b as i8) >= -0x40) + usize::from(utf16 && b >= 0xF0);
    }
    n
}

impl<'t> FastMapper<'t> {
    /// A mapper over `text`. In ASCII text every unit is one byte, so
    /// offsets map to themselves.
    pub(crate) fn new(text: &'t str, unit: Offsets) -> Self {
        let unit = if unit != Offsets::Utf8 && text.is_ascii() {
            Offsets::Utf8
        } else {
            unit
        };
        FastMapper {
            text,
            unit,
            byte: 0,
            units: 0,
        }
    }

    /// The offset of byte `byte`.
    #[inline]
    pub(crate) fn map(&mut self, byte: usize) -> usize {
        let mut byte = byte.min(self.text.len());
        if self.unit == Offsets::Utf8 {
            return byte;
        }
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        if byte < self.byte {
            self.byte = 0;
            self.units = 0;
        }
        let gap = &self.text.as_bytes()[self.byte..byte];
        let n = count_units(gap, self.unit == Offsets::Utf16);
        self.units += n;
        self.byte = byte;
        self.units
    }

    /// Both ends of a span, as a pair.
    #[inline]
    pub(crate) fn map_span(&mut self, s: textstance_engine::Span) -> [u64; 2] {
        let a = self.map(s.start);
        let b = self.map(s.end);
        [a as u64, b as u64]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;
    use textstance_engine::{OffsetMapper, Span};

    const TRICKY: &[&str] = &[
        "",
        "plain ascii text that is longer than eight bytes",
        "quote \" and backslash \\ inside",
        "\"\\\"\\",
        "controls \u{0}\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1f} end",
        "del \u{7f} and U+2028 \u{2028} U+2029 \u{2029}",
        "emoji 😀👍🏽 and flags 🇷🇺",
        "Кириллица: «Привет», — сказал он.\n",
        "ends with escape\n",
        "\u{1f}",
        "mixed é\"ж\\😀\u{0}x",
    ];

    #[test]
    fn strings_match_serde_json() {
        for s in TRICKY {
            let mut got = Vec::new();
            write_str(&mut got, s);
            let want = serde_json::to_vec(s).expect("serializes");
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "{s:?}"
            );
        }
        // every single byte value below 0x80, alone and in a long run
        for c in 0u8..0x80 {
            let s = String::from(c as char);
            let mut cases = vec![s.clone(), format!("abcdefghij{s}klmnopq{s}")];
            // inside and across the 32-byte blocks of the fast path
            for at in [0, 1, 31, 32, 33, 63, 64, 69] {
                let mut t = "a".repeat(70);
                t.insert_str(at, &s);
                cases.push(t);
                let mut t = "é".repeat(35);
                t.insert_str(at / 2 * 2, &s);
                cases.push(t);
            }
            for t in cases {
                let mut got = Vec::new();
                write_str(&mut got, &t);
                assert_eq!(got, serde_json::to_vec(&t).expect("serializes"), "{c:#x}");
            }
        }
    }

    #[test]
    fn escaping_within_edits_matches_serde_json() {
        use textstance_engine::{Input, NormalizeOptions, Profile, normalize};
        // Inputs as a JSON string without escapes could hold them: no
        // quote, backslash or control; repairs bring those in.
        let inputs = [
            "\u{201c}quoted\u{201d} and \u{2018}single\u{2019}",
            "a&#10;b &quot;q&quot; back&#92;slash tab&#9;x",
            "caf\u{c3}\u{a9} \u{201c}x\u{201d}",
            "nothing to do",
            "\u{201c}",
        ];
        for text in inputs {
            for profile in [Profile::Ftfy, Profile::Default] {
                let n = normalize(Input::Text(text), &NormalizeOptions::for_profile(profile))
                    .expect("normalizes");
                let mut got = Vec::new();
                write_str_escaping_within(&mut got, &n.text, &n.edits);
                let want = serde_json::to_vec(&*n.text).expect("serializes");
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want),
                    "{text:?}"
                );
            }
        }
        // Spans out of order fall back to escaping everything.
        let e = |s: usize, t: usize| textstance_engine::Edit {
            input: Span::new(s, t),
            output: Span::new(s, t),
            kind: textstance_engine::EditKind::Quote,
            reason: "test".into(),
        };
        let mut got = Vec::new();
        write_str_escaping_within(&mut got, "a\"b\"c", &[e(3, 4), e(1, 2)]);
        assert_eq!(got, serde_json::to_vec("a\"b\"c").expect("serializes"));
        // Dense edits (one stretch) and sparse ones (span by span).
        let long = format!("\"{}\\\u{1}{}\"", "x".repeat(40), "y".repeat(80));
        let quotes = [0, 41, 42, long.len() - 1];
        for edits in [
            quotes.iter().map(|&q| e(q, q + 1)).collect::<Vec<_>>(),
            vec![e(0, 1), e(41, 43), e(long.len() - 1, long.len())],
        ] {
            let mut got = Vec::new();
            write_str_escaping_within(&mut got, &long, &edits);
            assert_eq!(got, serde_json::to_vec(&long).expect("serializes"));
        }
    }

    #[test]
    fn numbers_match() {
        for n in [
            0u64,
            1,
            9,
            10,
            99,
            100,
            999,
            1000,
            9999,
            10000,
            12345,
            105,
            507,
            1009,
            4321,
            7050,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut got = Vec::new();
            write_u64(&mut got, n);
            assert_eq!(got, n.to_string().into_bytes());
        }
    }

    #[test]
    fn outputs_match_serde_json() {
        let id = RawValue::from_string(r#"{"k":[1,"x"]}"#.to_owned()).expect("valid");
        let edit = |kind, reason, at: u64| EditOut {
            kind,
            reason,
            input: [at, at + 4],
            output: [at, at + 2],
        };
        // Runs of edits with the same kind and reason, and changes of either.
        let edits = vec![
            edit("mojibake", "cp1252 \"double\"\n", 0),
            edit("mojibake", "cp1252 \"double\"\n", 7),
            edit("quote", "cp1252 \"double\"\n", 99),
            edit("quote", "curly", 1234),
            edit("quote", "curly", 12345),
            edit("mojibake", "curly", 123_456),
        ];
        let mut o = crate::model::Output {
            id: &id,
            text: Some(TRICKY[4]),
            text_escapes_within: None,
            text_json: None,
            edits: Some(edits),
            sentences: Some(TRICKY.to_vec()),
            spans: Some(vec![[0, 3], [3, 99]]),
            kinds: Some(vec!["sentence", "list_item"]),
            tags: Some(vec![crate::model::TagOut {
                category: "hedge",
                start: 1,
                end: 2,
                text: "may\"",
                entry_id: "en.may",
                in_quotation: true,
                negated: false,
            }]),
            scores: Some(crate::model::ScoresOut {
                hedge: 0.1,
                pessimism: 1.0 / 3.0,
                booster: 0.0,
            }),
            sentence_scores: Some(vec![]),
            language: Some("ru"),
            encoding: Some(crate::model::EncodingOut {
                name: "windows-1251",
                evidence: "detected",
                replaced_sequences: 3,
            }),
            lexicon_version: Some(crate::model::VersionOut {
                version: "1",
                content_hash: "ab",
            }),
        };
        let check = |o: &crate::model::Output<'_>| {
            let mut got = Vec::new();
            write_output(&mut got, o);
            let want = serde_json::to_vec(o).expect("serializes");
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want)
            );
        };
        check(&o);
        o.text = None;
        o.edits = Some(vec![]);
        o.tags = None;
        o.scores = None;
        o.sentence_scores = None;
        o.encoding = None;
        check(&o);
        o.edits = None;
        o.sentences = None;
        o.spans = None;
        o.kinds = None;
        o.language = None;
        o.lexicon_version = None;
        check(&o);
    }

    #[test]
    fn unit_count_matches_byte_loop() {
        let long = "aéя😀\u{10FFFF}".repeat(400);
        for text in [
            "",
            "abc",
            "😀😀😀😀😀😀😀😀😀",
            long.as_str(),
            &"я".repeat(2000),
        ] {
            let b = text.as_bytes();
            for end in [0, 1, 7, 8, 9, 1015, 1016, 1017, b.len() / 2, b.len()] {
                let end = end.min(b.len());
                let gap = &b[..end];
                let cps = gap.iter().filter(|&&x| (x as i8) >= -0x40).count();
                let fours = gap.iter().filter(|&&x| x >= 0xF0).count();
                assert_eq!(count_units(gap, false), cps, "{end}");
                assert_eq!(count_units(gap, true), cps + fours, "{end}");
            }
        }
    }

    #[test]
    fn mapper_matches_engine() {
        let short = "aéя😀e\u{301}!\u{2028}Ж";
        let long = format!("{}{}", short.repeat(40), "z".repeat(300));
        // a 4-byte lead after a long ASCII run (2 UTF-16 units at the end of a block)
        let edge = format!("{}😀{}😀", "y".repeat(126), "y".repeat(253));
        for text in [short, long.as_str(), edge.as_str(), "plain ASCII. Two."] {
            for (unit, eu) in [
                (Offsets::Utf8, textstance_engine::OffsetUnit::Utf8),
                (Offsets::Utf16, textstance_engine::OffsetUnit::Utf16),
                (
                    Offsets::Codepoints,
                    textstance_engine::OffsetUnit::CodePoint,
                ),
            ] {
                let mut fast = FastMapper::new(text, unit);
                let mut slow = OffsetMapper::new(text, eu);
                // increasing, every byte (boundaries and inside characters), past end
                let order: Vec<usize> = (0..=text.len() + 2).chain((0..text.len()).rev()).collect();
                for b in order {
                    assert_eq!(fast.map(b), slow.map(b), "{unit:?} at {b}");
                }
                // gaps on both sides of the short-gap path
                for step in [5, 15, 16, 17, 40] {
                    let mut fast = FastMapper::new(text, unit);
                    let mut slow = OffsetMapper::new(text, eu);
                    for b in (0..=text.len()).step_by(step) {
                        assert_eq!(fast.map(b), slow.map(b), "{unit:?} at {b} by {step}");
                    }
                }
                let s = Span::new(1, 9);
                let (a, b) = OffsetMapper::new(text, eu).map_span(s);
                assert_eq!(fast.map_span(s), [a as u64, b as u64]);
            }
        }
    }
}
