//! Reading input: whole files (or stdin) as documents, or JSON lines
//! `{"id","text","lang"?}` read one at a time with a reused buffer, so a
//! 1 GB input takes constant memory.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Deref;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;
use serde_json::value::RawValue;

/// An id: borrowed from the input line, or made up (line number, path).
#[derive(Debug)]
pub(crate) enum Id<'a> {
    /// Verbatim from the input.
    Borrowed(&'a RawValue),
    /// Made by us.
    Owned(Box<RawValue>),
}

impl Deref for Id<'_> {
    type Target = RawValue;
    fn deref(&self) -> &RawValue {
        match self {
            Id::Borrowed(r) => r,
            Id::Owned(b) => b,
        }
    }
}

impl Id<'_> {
    /// An owned copy of the JSON value.
    pub(crate) fn boxed(&self) -> Box<RawValue> {
        self.deref().to_owned()
    }

    /// A JSON string id.
    pub(crate) fn string(s: &str) -> Id<'static> {
        let json = serde_json::to_string(s).unwrap_or_else(|_| "null".to_owned());
        Id::Owned(RawValue::from_string(json).unwrap_or_else(|_| null()))
    }

    /// A JSON number id.
    pub(crate) fn number(n: u64) -> Id<'static> {
        Id::Owned(RawValue::from_string(n.to_string()).unwrap_or_else(|_| null()))
    }
}

fn null() -> Box<RawValue> {
    serde_json::from_str("null").unwrap_or_else(|_| unreachable!("null is valid json"))
}

/// One input line.
#[derive(Debug, Deserialize)]
pub(crate) struct InLine<'a> {
    /// The caller's id, any JSON value.
    #[serde(borrow, default)]
    pub(crate) id: Option<&'a RawValue>,
    /// The document.
    #[serde(borrow)]
    pub(crate) text: Cow<'a, str>,
    /// Optional language hint.
    #[serde(borrow, default)]
    pub(crate) lang: Option<Cow<'a, str>>,
}

/// A parsed input line, or why it could not be parsed.
#[derive(Debug)]
pub(crate) enum Parsed<'a> {
    /// A request.
    Doc {
        /// Its id.
        id: Id<'a>,
        /// Its text.
        text: Cow<'a, str>,
        /// Its language hint.
        lang: Option<Cow<'a, str>>,
        /// The text's JSON string body (between the quotes) when it holds
        /// escapes written exactly as serde_json writes them, so output of
        /// the unchanged text can copy it.
        text_json: Option<&'a str>,
    },
    /// A line that is not a request.
    Bad {
        /// The line number as id.
        id: Id<'static>,
        /// The parse error.
        message: String,
    },
}

/// Parses line number `n` (1-based). Blank lines give `None`.
pub(crate) fn parse_line(line: &[u8], n: u64) -> Option<Parsed<'_>> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    // One vectorized UTF-8 check of the whole line; serde_json then parses
    // the checked text without validating each string again.
    let parsed = match simdutf8::basic::from_utf8(line) {
        Ok(text) => match parse_plain(text) {
            Some((id, PlainText::Plain(text))) => {
                return Some(Parsed::Doc {
                    id: id.map_or_else(|| Id::number(n), Id::Borrowed),
                    text: Cow::Borrowed(text),
                    lang: None,
                    text_json: None,
                });
            }
            Some((id, PlainText::Escaped(raw, text))) => {
                return Some(Parsed::Doc {
                    id: id.map_or_else(|| Id::number(n), Id::Borrowed),
                    text: Cow::Owned(text),
                    lang: None,
                    text_json: Some(raw),
                });
            }
            None => serde_json::from_str::<InLine<'_>>(text),
        },
        Err(_) => serde_json::from_slice::<InLine<'_>>(line),
    };
    Some(match parsed {
        Ok(l) => Parsed::Doc {
            id: l.id.map_or_else(|| Id::number(n), Id::Borrowed),
            text: l.text,
            lang: l.lang,
            text_json: None,
        },
        Err(e) => Parsed::Bad {
            id: Id::number(n),
            message: format!("line {n}: {e}"),
        },
    })
}

/// The text of a line [`parse_plain`] reads.
#[derive(Debug)]
enum PlainText<'a> {
    /// A string without escapes, borrowed.
    Plain(&'a str),
    /// A string whose escapes are all written as serde_json writes them:
    /// its JSON body (between the quotes) and the text it stands for.
    Escaped(&'a str, String),
}

/// The common line `{"id": "…", "text": "…"}` (or `{"text": "…"}`) whose
/// id holds no escape and whose text holds none or only escapes as
/// serde_json writes them, read without serde: the id and the text exactly
/// as serde would give them (the id's JSON, the text borrowed when it can
/// be). `None` for any other line, which serde then reads (and reports
/// on).
fn parse_plain(line: &str) -> Option<(Option<&RawValue>, PlainText<'_>)> {
    let b = line.as_bytes();
    let ws = |mut i: usize| {
        while b
            .get(i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            i += 1;
        }
        i
    };
    // A string without escapes or controls from the quote at `i`: its
    // contents' range.
    let string = |i: usize| -> Option<(usize, usize)> {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let end = i + 1 + memchr::memchr2(b'"', b'\\', &b[i + 1..])?;
        let body = &b[i + 1..end];
        (b[end] == b'"' && !has_control(body)).then_some((i + 1, end))
    };
    // A key spelled exactly `name` (quotes included in `name`), compared
    // in place.
    let key = |i: usize, name: &[u8]| -> Option<usize> {
        if !b.get(i..)?.starts_with(name) {
            return None;
        }
        let i = ws(i + name.len());
        (b.get(i) == Some(&b':')).then(|| ws(i + 1))
    };
    let mut i = ws(0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = ws(i + 1);
    let mut id = None;
    if let Some(v) = key(i, br#""id""#) {
        // Ids are short: looked at byte by byte rather than searched.
        if b.get(v) != Some(&b'"') {
            return None;
        }
        let s = v + 1;
        let e = s + b
            .get(s..)?
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        if b[e] != b'"' {
            return None;
        }
        id = Some(serde_json::from_str::<&RawValue>(&line[s - 1..e + 1]).ok()?);
        i = ws(e + 1);
        if b.get(i) != Some(&b',') {
            return None;
        }
        i = ws(i + 1);
    }
    let v = key(i, br#""text""#)?;
    // The text: without escapes, or up to its closing quote past them.
    let (s, e, escaped) = match string(v) {
        Some((s, e)) => (s, e, false),
        None => {
            if b.get(v) != Some(&b'"') {
                return None;
            }
            let mut k = v + 1;
            loop {
                let p = k + memchr::memchr2(b'"', b'\\', b.get(k..)?)?;
                if b[p] == b'"' {
                    break (v + 1, p, true);
                }
                k = p + 2;
            }
        }
    };
    i = ws(e + 1);
    if b.get(i) != Some(&b'}') || ws(i + 1) != b.len() {
        return None;
    }
    let raw = &line[s..e];
    if !escaped {
        return Some((id, PlainText::Plain(raw)));
    }
    let text = unescape_canonical(raw)?;
    Some((id, PlainText::Escaped(raw, text)))
}

/// The text of a JSON string body whose escapes are all as serde_json
/// writes them (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and `\u00xx` in
/// lower-case hex for the other controls) and which holds no raw control;
/// `None` for any other body.
fn unescape_canonical(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    if has_control(b) {
        return None;
    }
    let hex = |x: u8| match x {
        b'0'..=b'9' => Some(x - b'0'),
        b'a'..=b'f' => Some(x - b'a' + 10),
        _ => None,
    };
    let mut out = String::with_capacity(b.len());
    let mut k = 0;
    while let Some(p) = b.get(k..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let p = k + p;
        out.push_str(raw.get(k..p)?);
        let (c, len) = match *b.get(p + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let h = b.get(p + 2..p + 6)?;
                if h[0] != b'0' || h[1] != b'0' {
                    return None;
                }
                let v = (hex(h[2])? << 4) | hex(h[3])?;
                if v >= 0x20 || matches!(v, 0x08 | 0x09 | 0x0A | 0x0C | 0x0D) {
                    return None;
                }
                (char::from(v), 6)
            }
            _ => return None,
        };
        out.push(c);
        k = p + len;
    }
    out.push_str(raw.get(k..)?);
    Some(out)
}

/// True when some byte is a control character (below 0x20), which a JSON
/// string may not hold raw. Blocks of 32 without early exit, so the
/// compiler vectorizes them.
fn has_control(b: &[u8]) -> bool {
    let mut blocks = b.chunks_exact(32);
    for block in blocks.by_ref() {
        if block.iter().fold(false, |acc, &c| acc | (c < 0x20)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&c| c < 0x20)
}

/// Where documents come from: files, or stdin when none (or `-`) is given.
#[derive(Debug, Clone)]
pub(crate) struct Sources(Vec<PathBuf>);

impl Sources {
    /// The given paths; stdin when empty.
    pub(crate) fn new(paths: &[PathBuf]) -> Self {
        if paths.is_empty() {
            Sources(vec![PathBuf::from("-")])
        } else {
            Sources(paths.to_vec())
        }
    }

    /// The paths (`-` is stdin).
    pub(crate) fn paths(&self) -> &[PathBuf] {
        &self.0
    }
}

/// Opens a path, `-` being stdin.
pub(crate) fn open(path: &Path) -> anyhow::Result<Box<dyn Read + Send>> {
    if path == Path::new("-") {
        Ok(Box::new(io::stdin()))
    } else {
        let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Box::new(f))
    }
}

/// Reads a whole document.
pub(crate) fn read_all(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    open(path)?
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(buf)
}

/// Calls `f(line, line_number)` for every line of every source. A line
/// that sits whole in the read buffer is passed in place; only a line split
/// across reads is copied (into one reused buffer). Stops at the first error
/// `f` returns.
pub(crate) fn for_each_line(
    sources: &Sources,
    mut f: impl FnMut(&[u8], u64) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut partial = Vec::with_capacity(1 << 16);
    let mut n = 0u64;
    for path in sources.paths() {
        let mut r = BufReader::with_capacity(1 << 20, open(path)?);
        loop {
            let avail = match r.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", path.display()));
                }
            };
            if avail.is_empty() {
                break;
            }
            let Some(p) = memchr::memchr(b'\n', avail) else {
                partial.extend_from_slice(avail);
                let used = avail.len();
                r.consume(used);
                continue;
            };
            n += 1;
            if partial.is_empty() {
                f(&avail[..=p], n)?;
            } else {
                partial.extend_from_slice(&avail[..=p]);
                f(&partial, n)?;
                partial.clear();
            }
            r.consume(p + 1);
        }
        if !partial.is_empty() {
            n += 1;
            f(&partial, n)?;
            partial.clear();
        }
    }
    Ok(())
}

/// Calls `f(block, lines)` with blocks of whole lines of every source, in
/// order: each block is about `block_bytes` long (longer when a line is),
/// every line in it ends with `\n` (one is added to a last line without),
/// and `lines` counts them. `get()` supplies the (empty) block buffers, so
/// the caller can recycle them. Stops at the first error `f` returns.
pub(crate) fn for_each_block(
    sources: &Sources,
    block_bytes: usize,
    mut get: impl FnMut() -> Vec<u8>,
    mut f: impl FnMut(Vec<u8>, u64) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let block_bytes = block_bytes.max(1);
    let mut block = get();
    // `block[..clean]` is known to hold no `\n`.
    let mut clean = 0;
    for path in sources.paths() {
        let mut r = open(path)?;
        loop {
            // `block` holds a partial line (no `\n`) at most: fill it up.
            let have = block.len();
            // always room to read into: 0 bytes read means end of file
            let want = have.max(block_bytes) + (block_bytes / 4).max(4096);
            block.resize(want, 0);
            let got = loop {
                match r.read(&mut block[have..]) {
                    Ok(g) => break g,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot read {}", path.display()));
                    }
                }
            };
            block.truncate(have + got);
            if got == 0 {
                break;
            }
            if block.len() < block_bytes {
                continue;
            }
            let found = block[clean..].iter().rposition(|&b| b == b'\n');
            if let Some(last) = found.map(|p| p + clean) {
                let mut next = get();
                next.extend_from_slice(&block[last + 1..]);
                block.truncate(last + 1);
                let full = std::mem::replace(&mut block, next);
                let lines = full.iter().filter(|&&b| b == b'\n').count() as u64;
                f(full, lines)?;
            }
            clean = block.len();
        }
        if block.last().is_some_and(|&b| b != b'\n') {
            block.push(b'\n');
        }
        clean = 0;
    }
    if !block.is_empty() {
        let lines = block.iter().filter(|&&b| b == b'\n').count() as u64;
        f(block, lines)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines() {
        type Want<'a> = Option<(&'a str, &'a str, Option<&'a str>)>;
        let cases: &[(&str, Want<'_>)] = &[
            (r#"{"id":"a","text":"x"}"#, Some((r#""a""#, "x", None))),
            (
                r#"{"id":7,"text":"é\n","lang":"ru"}"#,
                Some(("7", "é\n", Some("ru"))),
            ),
            (r#"{"text":"no id"}"#, Some(("3", "no id", None))),
            (
                r#"{"id":{"k":[1]},"text":""}"#,
                Some((r#"{"k":[1]}"#, "", None)),
            ),
        ];
        for (line, want) in cases {
            match (parse_line(line.as_bytes(), 3), want) {
                (Some(Parsed::Doc { id, text, lang, .. }), Some((wid, wtext, wlang))) => {
                    assert_eq!(id.get(), *wid);
                    assert_eq!(text, *wtext);
                    assert_eq!(lang.as_deref(), *wlang);
                }
                (got, want) => panic!("{line}: got {got:?}, want {want:?}"),
            }
        }
        assert!(parse_line(b"  \n", 1).is_none());
        assert!(matches!(
            parse_line(b"{\"id\":1}", 4),
            Some(Parsed::Bad { .. })
        ));
        assert!(matches!(parse_line(b"nope", 4), Some(Parsed::Bad { .. })));
    }

    /// Lines come out whole and numbered, including lines longer than the
    /// read buffer and a last line without `\n`.
    #[test]
    fn lines_are_whole_across_reads() {
        let dir = std::env::temp_dir().join(format!("textstance-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let huge = "y".repeat(3 << 20);
        let text = format!("a\n{huge}\nb\n\n{huge}{huge}\nlast");
        let p = dir.join("lines.jsonl");
        std::fs::write(&p, &text).expect("write");
        let mut got: Vec<(u64, Vec<u8>)> = Vec::new();
        for_each_line(&Sources::new(&[p]), |line, n| {
            got.push((n, line.to_vec()));
            Ok(())
        })
        .expect("lines");
        let want: Vec<(u64, Vec<u8>)> = (1..)
            .zip(text.as_bytes().split_inclusive(|&b| b == b'\n'))
            .map(|(n, l)| (n, l.to_vec()))
            .collect();
        assert_eq!(got.len(), want.len());
        assert!(got == want, "lines differ");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn blocks_are_the_lines() {
        let dir = std::env::temp_dir().join(format!("textstance-blocks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let long = "x".repeat(5000);
        let files: &[String] = &[
            "a\nbb\n\nccc".to_owned(),
            String::new(),
            format!("{long}\nd\n{long}{long}"),
            "e\n".to_owned(),
        ];
        let paths: Vec<PathBuf> = files
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let p = dir.join(format!("{i}.jsonl"));
                std::fs::write(&p, text).expect("write");
                p
            })
            .collect();
        let sources = Sources::new(&paths);
        let mut want = Vec::new();
        for_each_line(&sources, |line, _| {
            want.extend_from_slice(line);
            if !line.ends_with(b"\n") {
                want.push(b'\n');
            }
            Ok(())
        })
        .expect("lines");
        let want_lines = want.iter().filter(|&&b| b == b'\n').count() as u64;
        for size in [1, 3, 64, 4096, 1 << 20] {
            let mut got = Vec::new();
            let mut lines = 0;
            for_each_block(&sources, size, Vec::new, |block, n| {
                assert!(block.ends_with(b"\n"), "block of whole lines");
                got.extend_from_slice(&block);
                lines += n;
                Ok(())
            })
            .expect("blocks");
            assert_eq!(got, want, "block size {size}");
            assert_eq!(lines, want_lines, "block size {size}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The shortcut reads every line it takes as serde does, and leaves
    /// the others to serde.
    #[test]
    fn plain_lines_read_as_serde_does() {
        let mut lines: Vec<String> = [
            r#"{"id": "d1", "text": "plain"}"#,
            r#"{"id":"d1","text":"plain"}"#,
            "{\"id\": \"d1\", \"text\": \"caf\u{e9} \u{201c}q\u{201d}\"}\n",
            r#"  { "text" : "no id" }  "#,
            r#"{"id": "d1", "text": ""}"#,
            r#"{"id": 7, "text": "number id"}"#,
            r#"{"id": "a\"b", "text": "escaped id"}"#,
            r#"{"id": "d1", "text": "esc\"aped"}"#,
            r#"{"id": "d1", "text": "tab\tescape"}"#,
            "{\"id\": \"d1\", \"text\": \"raw\u{1}control\"}",
            "{\"id\": \"d1\", \"text\": \"raw\ttab\"}",
            r#"{"id": "d1", "text": "x", "lang": "ru"}"#,
            r#"{"text": "x", "id": "d1"}"#,
            r#"{"id": "d1", "text": "x"} trailing"#,
            r#"{"id": "d1", "text": "x""#,
            r#"{"id": "d1" "text": "x"}"#,
            r#"{"id": "d1", "txt": "x"}"#,
            r#"{"id": "d1", "text": "x",}"#,
            r#"["id", "text"]"#,
            r#"{"id": "d1", "text": "all \" \\ \b \f \n \r \t \u0001 \u001f of them"}"#,
            r#"{"id": "d1", "text": "\u001F upper-case hex"}"#,
            r#"{"id": "d1", "text": "\u0009 tab as \\u"}"#,
            r#"{"id": "d1", "text": "\u00e9 letter as \\u"}"#,
            r#"{"id": "d1", "text": "\/ solidus"}"#,
            r#"{"id": "d1", "text": "\x bad escape"}"#,
            r#"{"id": "d1", "text": "ends in \\"}"#,
            r#"{"id": "d1", "text": "cut \u00"}"#,
            "{\"id\": \"d1\", \"text\": \"esc\\\"aped and raw\u{1}control\"}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // Lines cut and spliced at every place, from a few seeds.
        let seeds = [
            r#"{"id": "d1", "text": "ab\"c"}"#,
            r#"{"text":"x y"}"#,
            r#"{"id":"d","text":"q\\\"\u0007\n"}"#,
        ];
        for seed in seeds {
            for k in 0..seed.len() {
                lines.push(seed[..k].to_owned());
                lines.push(format!("{}{}", &seed[..k], &seed[k + 1..]));
                lines.push(format!("{} {}", &seed[..k], &seed[k..]));
            }
        }
        let (mut fast_ones, mut escaped_ones) = (0, 0);
        for line in &lines {
            let serde = serde_json::from_str::<InLine<'_>>(line);
            // A line left to serde is read or refused by it as before.
            if let Some((id, text)) = parse_plain(line) {
                fast_ones += 1;
                let l = serde.unwrap_or_else(|e| panic!("{line:?}: serde says {e}"));
                assert_eq!(id.map(RawValue::get), l.id.map(RawValue::get), "{line:?}");
                match text {
                    PlainText::Plain(text) => {
                        assert!(matches!(l.text, Cow::Borrowed(t) if t == text), "{line:?}");
                    }
                    PlainText::Escaped(raw, text) => {
                        escaped_ones += 1;
                        assert_eq!(l.text, text, "{line:?}");
                        // serde_json writes the text back as it was read.
                        let json = serde_json::to_string(&text).expect("serializes");
                        assert_eq!(json, format!("\"{raw}\""), "{line:?}");
                    }
                }
                assert!(l.lang.is_none(), "{line:?}");
            }
        }
        // The plain shapes at the top take the shortcut.
        for line in &lines[..5] {
            assert!(parse_plain(line).is_some(), "{line:?}");
        }
        assert!(fast_ones >= 8, "{fast_ones}");
        assert!(escaped_ones >= 4, "{escaped_ones}");
    }

    #[test]
    fn ids() {
        assert_eq!(Id::string("a\"b").get(), r#""a\"b""#);
        assert_eq!(Id::number(12).get(), "12");
    }
}
