//! Lexicon patterns: parsing the pattern syntax and matching a pattern at a
//! position of a folded text.
//!
//! A pattern is a sequence of elements separated by spaces:
//! - `word` or `two words` — literal text (folded like the input);
//! - `stem*` — a word that starts with `stem` (the match extends to the end
//!   of the word);
//! - `verb~` — English inflection: `verb`, `verbs`, `verbed`, `verbing`
//!   (with the usual `-e` and `-y` spelling changes);
//! - `(a|b c|d*)` — alternatives, each literal, stem or inflection;
//! - `[n]` or `[m-n]` — a gap of `m..=n` words (default `m` = 0);
//!   punctuation other than `. ! ? ; :` may sit in a gap;
//! - `#num` — a number (a word starting with a digit).
//!
//! A pattern starts at a word start: in the folded text, right after a
//! space (folding puts a space before every word that follows punctuation,
//! except inside `don't`, `по-видимому`, `3.5`). A leading `*` (`*n't`)
//! drops that condition. Literal elements that follow each other must be separated by
//! exactly one space in the folded text (any whitespace run in the input).
//! The first element must be literal, stem or alternatives: it is the
//! Aho-Corasick key.
//!
//! Matching semantics: a pattern matches at `start` when `start` is a word
//! start (unless glued) and the elements match in order; of all the ways to
//! match, the one with the smallest end wins.

use super::fold::{fold_str, is_lower_cyrillic, is_word};

/// One alternative of a word element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Alt {
    /// Folded text.
    pub(crate) text: String,
    /// True when the word may continue after `text`.
    pub(crate) stem: bool,
    /// The first 8 bytes of `text` (fewer when shorter, zero padded) as a
    /// little-endian `u64`, and the mask of those bytes: compared with a
    /// text in one step.
    head: u64,
    mask: u64,
}

impl Alt {
    fn new(text: String, stem: bool) -> Alt {
        let head = text
            .bytes()
            .take(8)
            .rev()
            .fold(0u64, |w, b| w << 8 | u64::from(b));
        let mask = u64::MAX
            .checked_shr(64 - 8 * text.len().min(8) as u32)
            .unwrap_or(0);
        Alt {
            text,
            stem,
            head,
            mask,
        }
    }

    /// True when `t` starts with this alternative's text; `w` is
    /// [`head_of`] `t`.
    #[inline(always)]
    fn is_prefix_of(&self, t: &[u8], w: Option<u64>) -> bool {
        let p = self.text.as_bytes();
        match w {
            Some(w) => w & self.mask == self.head && (p.len() <= 8 || t[8..].starts_with(&p[8..])),
            None => t.starts_with(p),
        }
    }
}

/// The first 8 bytes of `t` as a little-endian `u64`, when it has them.
#[inline(always)]
fn head_of(t: &[u8]) -> Option<u64> {
    t.get(..8)
        .map(|w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
}

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Elem {
    /// One of several literal or stem alternatives.
    Words(Vec<Alt>),
    /// `min..=max` skipped words.
    Gap { min: u8, max: u8 },
    /// A number.
    Num,
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Pattern {
    /// No word-start boundary before the first element.
    pub(crate) glued: bool,
    /// The elements; the first is always [`Elem::Words`].
    pub(crate) elems: Vec<Elem>,
    /// Per element, the [`lead`] signatures of its alternatives (empty for
    /// other elements): a word whose signature is not in the set cannot
    /// match, checked before comparing alternatives.
    leads: Vec<[u64; 4]>,
    /// Per element with at least [`BY_BYTE_MIN`] alternatives, their
    /// indices sorted by text (so grouped by first byte); empty otherwise.
    /// A word is compared only with the alternatives of its first byte.
    by_byte: Vec<Box<[u16]>>,
}

/// Fewer alternatives than this are compared one by one.
const BY_BYTE_MIN: usize = 12;

/// Largest gap a pattern may declare.
pub(crate) const MAX_GAP: u8 = 8;

impl Pattern {
    /// Parses pattern syntax; the error says what is wrong.
    pub(crate) fn parse(src: &str) -> Result<Pattern, String> {
        let mut s = src.trim();
        let mut glued = false;
        if let Some(rest) = s.strip_prefix('*') {
            glued = true;
            s = rest;
        }
        let mut elems: Vec<Elem> = Vec::new();
        let mut pending: Vec<String> = Vec::new(); // literal words awaiting merge
        let flush = |pending: &mut Vec<String>, elems: &mut Vec<Elem>| {
            if !pending.is_empty() {
                elems.push(Elem::Words(vec![Alt::new(
                    fold_str(&pending.join(" ")),
                    false,
                )]));
                pending.clear();
            }
        };
        let mut rest = s;
        while !rest.is_empty() {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            if let Some(r) = rest.strip_prefix('(') {
                let close = r
                    .find(')')
                    .ok_or_else(|| format!("unclosed '(' in pattern {src:?}"))?;
                flush(&mut pending, &mut elems);
                let mut alts = Vec::new();
                for a in r[..close].split('|') {
                    let a = a.trim();
                    if a.is_empty() {
                        return Err(format!("empty alternative in pattern {src:?}"));
                    }
                    alts.extend(parse_word(a)?);
                }
                elems.push(Elem::Words(alts));
                rest = &r[close + 1..];
                if rest.starts_with(|c: char| !c.is_whitespace()) {
                    return Err(format!("expected a space after ')' in pattern {src:?}"));
                }
                continue;
            }
            if let Some(r) = rest.strip_prefix('[') {
                let close = r
                    .find(']')
                    .ok_or_else(|| format!("unclosed '[' in pattern {src:?}"))?;
                flush(&mut pending, &mut elems);
                let spec = &r[..close];
                let (min, max) = match spec.split_once('-') {
                    Some((a, b)) => (a.trim().parse::<u8>(), b.trim().parse::<u8>()),
                    None => (Ok(0), spec.trim().parse::<u8>()),
                };
                let (Ok(min), Ok(max)) = (min, max) else {
                    return Err(format!("bad gap [{spec}]: expected [n] or [m-n]"));
                };
                if min > max || max > MAX_GAP {
                    return Err(format!("bad gap [{spec}]: need m <= n <= {MAX_GAP}"));
                }
                if elems.is_empty() {
                    return Err("a pattern cannot start with a gap".to_owned());
                }
                if matches!(elems.last(), Some(Elem::Gap { .. })) {
                    return Err("two gaps in a row".to_owned());
                }
                elems.push(Elem::Gap { min, max });
                rest = &r[close + 1..];
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            rest = &rest[end..];
            if word.contains(['(', ')', '[', ']', '|']) {
                return Err(format!("stray bracket or '|' in word {word:?}"));
            }
            if word == "#num" {
                flush(&mut pending, &mut elems);
                if elems.is_empty() {
                    return Err("a pattern cannot start with #num".to_owned());
                }
                elems.push(Elem::Num);
                continue;
            }
            if word.ends_with('*') || word.ends_with('~') {
                flush(&mut pending, &mut elems);
                elems.push(Elem::Words(parse_word(word)?));
            } else {
                pending.push(word.to_owned());
            }
        }
        flush(&mut pending, &mut elems);
        // Merge a literal run into a following stem so the key is longer:
        // not needed for correctness, kept simple.
        match elems.first() {
            None => return Err("empty pattern".to_owned()),
            Some(Elem::Words(alts)) => {
                if alts.iter().any(|a| a.text.is_empty()) {
                    return Err("the first word of a pattern cannot be empty".to_owned());
                }
            }
            Some(_) => return Err("a pattern must start with a word".to_owned()),
        }
        if matches!(elems.last(), Some(Elem::Gap { .. })) {
            return Err("a pattern cannot end with a gap".to_owned());
        }
        for e in &elems {
            if let Elem::Words(alts) = e {
                for a in alts {
                    if a.text.starts_with(' ') || a.text.ends_with(' ') || a.text.is_empty() {
                        return Err(format!("empty or space-padded word in pattern {src:?}"));
                    }
                }
            }
        }
        let leads = elems
            .iter()
            .map(|e| {
                let mut set = [0u64; 4];
                if let Elem::Words(alts) = e {
                    for a in alts {
                        let l = usize::from(lead(a.text.as_bytes()));
                        set[l >> 6] |= 1 << (l & 63);
                    }
                }
                set
            })
            .collect();
        let by_byte = elems
            .iter()
            .map(|e| match e {
                Elem::Words(alts) if alts.len() >= BY_BYTE_MIN && alts.len() < 1 << 16 => {
                    let mut order: Vec<u16> = (0..alts.len() as u16).collect();
                    order.sort_by(|&a, &b| {
                        alts[usize::from(a)].text.cmp(&alts[usize::from(b)].text)
                    });
                    order.into_boxed_slice()
                }
                _ => Box::default(),
            })
            .collect();
        Ok(Pattern {
            glued,
            elems,
            leads,
            by_byte,
        })
    }

    /// A text that the pattern matches in full: first alternatives, stems
    /// bare, gaps empty, numbers `1`. Used by the lexicon check.
    pub(crate) fn sample(&self) -> String {
        let mut out = String::new();
        for e in &self.elems {
            match e {
                Elem::Words(alts) => {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(&alts[0].text);
                }
                Elem::Gap { min, .. } => {
                    for _ in 0..*min {
                        out.push_str(" x");
                    }
                }
                Elem::Num => out.push_str(" 1"),
            }
        }
        out
    }

    /// The end of the shortest match whose first element's alternative `alt`
    /// was found by the automaton at `start..key_end` of `text`.
    /// Every key holds the whole text of its alternative, so the caller
    /// guarantees that `text[start..]` starts with it (not compared again
    /// in release builds).
    #[inline]
    pub(crate) fn verify(&self, text: &str, alt: usize, start: usize) -> Option<usize> {
        if !self.glued && !boundary_before(text, start) {
            return None;
        }
        let Elem::Words(alts) = &self.elems[0] else {
            return None;
        };
        let a = alts.get(alt)?;
        // The caller found the key, of which `a.text` is a prefix: checked
        // again only in debug builds.
        debug_assert!(text.as_bytes()[start..].starts_with(a.text.as_bytes()));
        if !text.is_char_boundary(start + a.text.len()) {
            return None;
        }
        let end = word_end(text, start + a.text.len(), a.stem)?;
        seq(self, 1, text, end, At::Space)
    }

    /// The automaton keys of alternative `alt` of the first element: its
    /// text after a space (unless glued), and when it is a literal (not a
    /// stem) followed directly by another word element, one key per
    /// alternative of that element ("i think", "would be" instead of "i",
    /// "would"), so the automaton does not fire on every common word that
    /// starts a pattern. A key is always a prefix of every match it stands
    /// for; `verify` checks the whole pattern.
    pub(crate) fn keys(&self, alt: &Alt) -> Vec<String> {
        let base = if self.glued {
            alt.text.clone()
        } else {
            format!(" {}", alt.text)
        };
        match self.elems.get(1) {
            Some(Elem::Words(next)) if !alt.stem && next.len() <= 64 => {
                next.iter().map(|n| format!("{base} {}", n.text)).collect()
            }
            _ => vec![base],
        }
    }
}

/// Expands one word or alternative: `w`, `w*`, `w~`, or a multi-word
/// literal.
fn parse_word(w: &str) -> Result<Vec<Alt>, String> {
    if let Some(stem) = w.strip_suffix('*') {
        let text = fold_str(stem);
        if text.is_empty() || text.contains(' ') && text.ends_with(' ') {
            return Err(format!("empty stem in {w:?}"));
        }
        return Ok(vec![Alt::new(text, true)]);
    }
    if let Some(base) = w.strip_suffix('~') {
        let base = fold_str(base);
        if base.is_empty() || base.contains(' ') {
            return Err(format!("'~' needs one word, got {w:?}"));
        }
        return Ok(inflections(&base)
            .into_iter()
            .map(|text| Alt::new(text, false))
            .collect());
    }
    let text = fold_str(w);
    if text.is_empty() {
        return Err(format!("empty word {w:?}"));
    }
    Ok(vec![Alt::new(text, false)])
}

/// English inflected forms of a base: -s, -ed, -ing with the common
/// spelling rules (final -e dropped, consonant + y → ies/ied).
pub(crate) fn inflections(base: &str) -> Vec<String> {
    let mut v = vec![base.to_owned()];
    let chars: Vec<char> = base.chars().collect();
    let last = chars.last().copied().unwrap_or(' ');
    let before_last = chars.len().checked_sub(2).map(|i| chars[i]);
    let vowel = |c: char| "aeiou".contains(c);
    if last == 'e' {
        let stem = &base[..base.len() - 1];
        v.push(format!("{base}s"));
        v.push(format!("{base}d"));
        v.push(format!("{stem}ing"));
    } else if last == 'y' && before_last.is_some_and(|c| !vowel(c)) {
        let stem = &base[..base.len() - 1];
        v.push(format!("{stem}ies"));
        v.push(format!("{stem}ied"));
        v.push(format!("{base}ing"));
    } else if matches!(last, 's' | 'x' | 'z' | 'h') {
        v.push(format!("{base}es"));
        v.push(format!("{base}ed"));
        v.push(format!("{base}ing"));
    } else {
        v.push(format!("{base}s"));
        v.push(format!("{base}ed"));
        v.push(format!("{base}ing"));
    }
    v
}

#[inline]
fn char_at(text: &str, i: usize) -> Option<char> {
    text[i..].chars().next()
}

/// True when `i` starts a word: right after a space (the folded text
/// starts with one, and folding puts one before every word start).
#[inline]
pub(crate) fn boundary_before(text: &str, i: usize) -> bool {
    i > 0 && text.as_bytes().get(i - 1) == Some(&b' ')
}

/// The end of a word element found up to `end`: for a stem, the end of the
/// word; otherwise `end` itself when no word character follows.
#[inline]
fn word_end(text: &str, end: usize, stem: bool) -> Option<usize> {
    if stem {
        Some(word_chars_end(text, end))
    } else if word_char_at(text, end) {
        None
    } else {
        Some(end)
    }
}

/// True when a word character starts at `i` of `text` (a character
/// boundary); ASCII without decoding.
#[inline]
pub(crate) fn word_char_at(text: &str, i: usize) -> bool {
    match text.as_bytes().get(i) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
        Some(_) => text
            .get(i..)
            .and_then(|t| t.chars().next())
            .is_some_and(is_word),
    }
}

/// A byte summarizing the first character of `t`: an ASCII byte itself,
/// otherwise 128 + the low bit of the lead byte and the low 6 bits of the
/// next (all Cyrillic letters differ).
#[inline]
fn lead(t: &[u8]) -> u8 {
    match t {
        [b0, ..] if *b0 < 0x80 => *b0,
        [b0, b1, ..] => 0x80 | (b0 & 1) << 6 | (b1 & 0x3F),
        _ => 0x80,
    }
}

/// The end of the run of word characters starting at `i` (ASCII and
/// lower-case Cyrillic without decoding characters).
#[inline]
fn word_chars_end(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let mut j = i;
    loop {
        match b.get(j) {
            Some(c) if c.is_ascii_alphanumeric() => j += 1,
            Some(c) if c.is_ascii() => return j,
            None => return j,
            Some(&x) if b.get(j + 1).is_some_and(|&y| is_lower_cyrillic(x, y)) => j += 2,
            Some(_) => {
                let tail = &text[j..];
                return j + tail.find(|c: char| !is_word(c)).unwrap_or(tail.len());
            }
        }
    }
}

/// Characters that stop a gap or a negation scope.
#[inline]
pub(crate) fn is_hard_stop(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | ':' | '…')
}

/// Skips separators (non-word characters other than hard stops) from `p`;
/// `None` when none were skipped or a hard stop or the end was reached.
fn skip_separators(text: &str, p: usize) -> Option<usize> {
    // Most often one space, then a word.
    let b = text.as_bytes();
    if b.get(p) == Some(&b' ') && b.get(p + 1).is_some_and(u8::is_ascii_alphanumeric) {
        return Some(p + 1);
    }
    let tail = &text[p..];
    let n = tail.find(|c: char| is_word(c) || is_hard_stop(c))?;
    if n == 0 || is_hard_stop(char_at(tail, n)?) {
        return None;
    }
    Some(p + n)
}

/// Where the next word element of a pattern may start, relative to the
/// end `p` of the previous element.
#[derive(Clone, Copy)]
enum At {
    /// After exactly one space at `p`.
    Space,
    /// After a gap: where [`skip_separators`] from `p` leads (computed
    /// by the gap already; `None` when it leads nowhere).
    Gap(Option<usize>),
}

/// Smallest end of `elems[i..]` matched from `p` (the end of the previous
/// element), the next word starting as `at` says.
fn seq(pat: &Pattern, i: usize, text: &str, p: usize, at: At) -> Option<usize> {
    let elems = &pat.elems;
    let Some(elem) = elems.get(i) else {
        return Some(p);
    };
    let word_start = |p: usize| -> Option<usize> {
        match at {
            At::Gap(q) => q,
            At::Space if text.as_bytes().get(p) == Some(&b' ') => Some(p + 1),
            At::Space => None,
        }
    };
    match elem {
        Elem::Words(alts) => {
            let q = word_start(p)?;
            let tail = &text.as_bytes()[q..];
            let l = usize::from(lead(tail));
            if pat.leads[i][l >> 6] & (1 << (l & 63)) == 0 {
                return None;
            }
            let w = head_of(tail);
            let mut best: Option<usize> = None;
            let mut try_alt = |a: &Alt| {
                if let Some(e) = word_end(text, q + a.text.len(), a.stem)
                    && let Some(e) = seq(pat, i + 1, text, e, At::Space)
                {
                    best = Some(best.map_or(e, |b| b.min(e)));
                }
            };
            let order = &pat.by_byte[i];
            if order.is_empty() {
                for a in alts {
                    if a.is_prefix_of(tail, w) {
                        try_alt(a);
                    }
                }
            } else {
                // Only the alternatives that start with the word's first byte.
                let first = *tail.first()?;
                let first_of = |k: u16| alts[usize::from(k)].text.as_bytes()[0];
                let from = order.partition_point(|&k| first_of(k) < first);
                for &k in &order[from..] {
                    let a = &alts[usize::from(k)];
                    if a.text.as_bytes()[0] != first {
                        break;
                    }
                    if a.is_prefix_of(tail, w) {
                        try_alt(a);
                    }
                }
            }
            best
        }
        Elem::Num => {
            let q = word_start(p)?;
            if !text.as_bytes().get(q).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            let e = number_end(text, q);
            seq(pat, i + 1, text, e, At::Space)
        }
        Elem::Gap { min, max } => {
            let mut best: Option<usize> = None;
            let mut pos = p;
            // When words follow the gap, the word after each skipped one is
            // checked against their first characters here, before a call.
            let next_leads = match elems.get(i + 1) {
                Some(Elem::Words(_)) => pat.leads.get(i + 1),
                _ => None,
            };
            for k in 0..=*max {
                let q = skip_separators(text, pos);
                let worth = match (next_leads, q) {
                    (Some(set), Some(q)) => {
                        let l = usize::from(lead(&text.as_bytes()[q..]));
                        set[l >> 6] & (1 << (l & 63)) != 0
                    }
                    (Some(_), None) => false,
                    (None, _) => true,
                };
                if k >= *min
                    && worth
                    && let Some(e) = seq(pat, i + 1, text, pos, At::Gap(q))
                {
                    best = Some(best.map_or(e, |b| b.min(e)));
                }
                if k == *max {
                    break;
                }
                // skip one more word
                let Some(q) = q else {
                    break;
                };
                pos = word_end(text, q, true)?;
            }
            best
        }
    }
}

/// End of the number starting at `q`: word characters, with `.` or `,`
/// allowed between digits.
pub(crate) fn number_end(text: &str, q: usize) -> usize {
    let b = text.as_bytes();
    let mut e = q;
    loop {
        while e < b.len() && (b[e].is_ascii_alphanumeric()) {
            e += 1;
        }
        if e + 1 < b.len() && matches!(b[e], b'.' | b',') && b[e + 1].is_ascii_digit() {
            e += 1;
            continue;
        }
        break;
    }
    // a number followed by non-ASCII letters (e.g. "5-й" is fine, "5й") ends there
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pat: &str, text: &str) -> Option<(usize, usize)> {
        let p = Pattern::parse(pat).expect("pattern parses");
        let f = super::super::fold::Folded::new(text).text;
        let Elem::Words(alts) = &p.elems[0] else {
            panic!("first element")
        };
        let mut best: Option<(usize, usize)> = None;
        for (ai, a) in alts.iter().enumerate() {
            for (s, _) in f.match_indices(a.text.as_str()) {
                if let Some(e) = p.verify(&f, ai, s)
                    && best.is_none_or(|b| (s, e) < b)
                {
                    best = Some((s, e));
                }
            }
        }
        best
    }

    #[test]
    fn pattern_table() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("probably", "it will probably rain", Some("probably")),
            ("probably", "improbably", None),
            ("probably", "probablyx", None),
            ("тупик*", "зашли в тупике", Some("тупике")),
            ("тупик*", "вступик", None),
            ("seem~", "it seemed so", Some("seemed")),
            ("seem~", "it seemingly", None),
            ("believe~", "widely believed", Some("believed")),
            ("imply~", "this implies", Some("implies")),
            (
                "would be [0-3] naive to expect",
                "would be, frankly, naive to expect",
                Some("would be, frankly, naive to expect"),
            ),
            (
                "would be [0-1] naive to expect",
                "would be very frankly naive to expect",
                None,
            ),
            (
                "would be [0-3] naive to expect",
                "would be. naive to expect",
                None,
            ),
            (
                "(little|no) reason for optimism",
                "no reason for optimism",
                Some("no reason for optimism"),
            ),
            ("in may #num", "in may 9", Some("in may 9")),
            ("in may #num", "in may nine", None),
            ("*n't", "don't", Some("n't")),
            ("no reason", "no  reason", Some("no reason")),
            ("no reason", "no, reason", None),
            (
                "наивно [0-2] ожидать",
                "наивно было бы ожидать",
                Some("наивно было бы ожидать"),
            ),
        ];
        for (pat, text, want) in cases {
            let f = super::super::fold::Folded::new(text).text;
            let got = m(pat, text).map(|(s, e)| f[s..e].to_owned());
            assert_eq!(got.as_deref(), *want, "{pat:?} on {text:?}");
        }
    }

    #[test]
    fn bad_patterns_rejected() {
        for p in [
            "",
            "[2] x",
            "x [2]",
            "x [3-1] y",
            "(a|b",
            "x [9] y",
            "#num x",
            "a [1] [2] b",
            "(a||b)",
        ] {
            assert!(Pattern::parse(p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn inflection_forms() {
        assert_eq!(
            inflections("suggest"),
            ["suggest", "suggests", "suggested", "suggesting"]
        );
        assert_eq!(inflections("hope"), ["hope", "hopes", "hoped", "hoping"]);
    }

    proptest::proptest! {
        /// The one-step prefix test agrees with `starts_with`, for texts
        /// and alternatives shorter and longer than 8 bytes.
        #[test]
        fn is_prefix_of_agrees_with_starts_with(
            alt in "[abя]{1,11}",
            keep in 0usize..12,
            rest in "[abя ]{0,14}",
        ) {
            let a = Alt::new(alt.clone(), false);
            // Often a long shared beginning, then anything.
            let tail: String = alt.chars().take(keep).chain(rest.chars()).collect();
            let t = tail.as_bytes();
            proptest::prop_assert_eq!(a.is_prefix_of(t, head_of(t)), t.starts_with(alt.as_bytes()));
            let joined = format!("{alt}{tail}");
            let t = joined.as_bytes();
            proptest::prop_assert!(a.is_prefix_of(t, head_of(t)));
        }

        /// Comparing a word only with the alternatives of its first byte
        /// (elements of many alternatives) finds what comparing it with
        /// every alternative finds.
        #[test]
        fn by_byte_agrees_with_every_alternative(
            words in proptest::collection::vec(
                proptest::sample::select(&[
                    "deal", "talks", "is", "was", "looks", "looked", "seem", "seemed",
                    "appears", "remains", "remote", "distant", "elusive", "out", "of",
                    "reach", "the", "a", "very", "still", "s", "ss", ",", ".",
                ][..]),
                0..14,
            ),
            gap in 0u8..4,
        ) {
            let src = format!(
                "(deal|talks) [0-{gap}] (look~|seem~|appear~|remain~|is|are|was|were) \
                 [0-2] (remote|distant|elusive|out of reach|s*|still)"
            );
            let fast = Pattern::parse(&src).expect("pattern parses");
            proptest::prop_assert!(fast.by_byte.iter().any(|o| !o.is_empty()));
            let mut slow = fast.clone();
            slow.by_byte.iter_mut().for_each(|o| *o = Box::default());
            let text = super::super::fold::Folded::new(&words.join(" ")).text;
            for start in (0..text.len()).filter(|&i| boundary_before(&text, i)) {
                for alt in 0..2 {
                    let Elem::Words(alts) = &fast.elems[0] else { unreachable!() };
                    if text[start..].starts_with(alts[alt].text.as_str()) {
                        proptest::prop_assert_eq!(
                            fast.verify(&text, alt, start),
                            slow.verify(&text, alt, start)
                        );
                    }
                }
            }
        }
    }
}
