//! The rule-based scanner for English and Russian.
//!
//! One forward pass over the bytes, in three levels:
//! 1. *runs*: stretches of lines cut at blank lines, at lines that start a
//!    list item, a bullet or a Russian dialogue dash, and at TASS datelines;
//! 2. *units*: a run whose last character ends a sentence is one unit
//!    (single newlines inside it are errant line breaks); a run without final
//!    punctuation is a list of lines, one unit each;
//! 3. *sentences*: inside a unit, a terminator (`.`, `!`, `?`, `…` with the
//!    closing quotes and brackets after it) ends a sentence when the next word
//!    starts one; abbreviation classes from [`super::lists`] decide for `.`.
//!
//! Every look-around is bounded by a constant or shares a cursor that only
//! moves forward, so the whole pass is linear in the text.

use super::lists::{self, AbbrevClass, Lists};
use super::{Sentence, SentenceKind};
use crate::{Lang, Span};

/// Longest token before a period that is checked against the lists.
const TOKEN_WINDOW: usize = 48;
/// How far a no-space split (`word.Word`) looks for URL or e-mail signs.
const URL_WINDOW: usize = 256;
/// Longest «…» quotation whose inner terminators are suppressed.
const QUOTE_WINDOW: usize = 1000;
/// How far ahead the next inline list marker is looked for.
const MARKER_WINDOW: usize = 400;
/// How far a TASS dateline may reach into its line.
const DATELINE_WINDOW: usize = 160;

/// Words a hard-wrapped line may end with but a headline does not.
const HEADLINE_STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "by", "for", "from",
    "with", "as", "that", "than", "into", "over", "under", "about", "after", "before", "is", "are",
    "was", "were", "и", "или", "а", "но", "в", "во", "на", "с", "со", "к", "ко", "по", "из", "за",
    "от", "до", "для", "о", "об", "у", "при", "что", "как", "не",
];

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunEnd {
    /// A blank line follows.
    Blank,
    /// A list item, bullet or dialogue line follows.
    Marker,
    /// A dateline follows.
    Dateline,
    /// The text ends.
    Eof,
}

/// An inline list marker expected later on the current line.
#[derive(Debug, Clone, Copy)]
struct Expected {
    /// Where the marker starts.
    pos: usize,
}

pub(crate) fn segment(text: &str, lang: Lang, out: &mut Vec<Sentence>) {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        lang,
        lists: lists::for_lang(lang),
        out,
        close_from: 0,
        close_at: None,
        // Nothing searched yet: the first lookup is stale.
        special_from: usize::MAX,
        special_at: None,
    };
    s.run_all();
}

struct Scanner<'t, 'o> {
    text: &'t str,
    bytes: &'t [u8],
    lang: Lang,
    lists: &'static Lists,
    out: &'o mut Vec<Sentence>,
    /// The search for the next `»` has covered `..close_from`.
    close_from: usize,
    /// The next `»` at or after the last search start, if any.
    close_at: Option<usize>,
    /// The search for the next lead byte `0xC2` (« ») or `0xE2` (… ‼ •)
    /// has covered `special_from..`, up to and including `special_at`.
    special_from: usize,
    /// The next such byte at or after `special_from`, if any.
    special_at: Option<usize>,
}

impl Scanner<'_, '_> {
    fn run_all(&mut self) {
        let len = self.bytes.len();
        let mut pos = 0;
        loop {
            let start = self.skip_ws(pos, len);
            if start >= len {
                return;
            }
            let (end, next, why) = self.run_end(start);
            self.run(start, end, why);
            pos = next;
        }
    }

    /// Finds where the run starting at `start` ends: returns the end of its
    /// last line, where to continue, and why it ended.
    fn run_end(&self, start: usize) -> (usize, usize, RunEnd) {
        let len = self.bytes.len();
        let mut i = start;
        loop {
            let Some(nl) = find_byte(self.bytes, b'\n', i, len) else {
                return (len, len, RunEnd::Eof);
            };
            let line = nl + 1;
            let mut k = line;
            while k < len && matches!(self.bytes[k], b' ' | b'\t' | b'\r' | 0x0B | 0x0C) {
                k += 1;
            }
            if k >= len {
                return (nl, len, RunEnd::Eof);
            }
            if self.bytes[k] == b'\n' {
                return (nl, k, RunEnd::Blank);
            }
            if self.line_marker(k, len).is_some() {
                return (nl, k, RunEnd::Marker);
            }
            if self.dateline(k).is_some() {
                return (nl, k, RunEnd::Dateline);
            }
            i = line;
        }
    }

    fn run(&mut self, start: usize, end: usize, why: RunEnd) {
        let mut start = start;
        if let Some(d) = self.dateline(start) {
            self.emit(start, d, SentenceKind::Dateline);
            start = self.skip_ws(d, end);
            if start >= end {
                return;
            }
        }
        let last = self.text[start..end].trim_end();
        let multi_line = memchr::memchr(b'\n', last.as_bytes()).is_some();
        if multi_line
            && ends_sentence(last)
            && let Some(nl) = find_byte(self.bytes, b'\n', start, end)
            && self.headline_line(start, nl, start + last.len())
        {
            self.emit(start, nl, SentenceKind::Headline);
            let rest = self.skip_ws(nl, end);
            return self.run(rest, end, why);
        }
        if !multi_line || ends_sentence(last) {
            let before = self.out.len();
            self.unit(start, start + last.len());
            // A lone line without final punctuation above a blank line or a
            // dateline is a headline.
            if !multi_line
                && self.out.len() == before + 1
                && matches!(why, RunEnd::Blank | RunEnd::Dateline)
                && !ends_sentence(last)
                && let Some(s) = self.out.last_mut()
                && s.kind == SentenceKind::Sentence
            {
                s.kind = SentenceKind::Headline;
            }
        } else {
            // No final punctuation: the lines are items of their own.
            let stop = start + last.len();
            let mut line = start;
            while line < stop {
                let nl = find_byte(self.bytes, b'\n', line, stop).unwrap_or(stop);
                let a = self.skip_ws(line, nl);
                let b = a + self.text[a..nl].trim_end().len();
                if a < b {
                    self.unit(a, b);
                }
                line = nl + 1;
            }
        }
    }

    /// A headline above a single line break: the first line of a run, short,
    /// without terminal punctuation, not ending in a function word, and
    /// clearly shorter than the capitalized line below it (hard-wrapped
    /// prose has lines of even length).
    fn headline_line(&self, start: usize, nl: usize, end: usize) -> bool {
        let line = self.text[start..nl].trim_end();
        let chars = line.chars().count();
        if chars > 100 || line.contains(['.', '!', '?', '…', ';']) {
            return false;
        }
        if !line
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        {
            return false;
        }
        if !line
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '"' | '»' | '”' | ')'))
        {
            return false;
        }
        let last_word = line.rsplit(char::is_whitespace).next().unwrap_or("");
        if HEADLINE_STOPWORDS.contains(&lowercase(last_word).as_str()) {
            return false;
        }
        let next = self.skip_ws(nl, end);
        if !self.char_at(next).is_some_and(char::is_uppercase) {
            return false;
        }
        let next_end = find_byte(self.bytes, b'\n', next, end).unwrap_or(end);
        let next_chars = self.text[next..next_end].trim_end().chars().count();
        next_chars * 2 >= chars * 3
    }

    /// Segments one unit `[a, b)`: `a` is not whitespace, single newlines
    /// inside are spaces.
    fn unit(&mut self, a: usize, b: usize) {
        self.close_from = a;
        self.close_at = None;
        let mut quote_until = 0usize;
        let mut seg = a;
        let (mut i, mut kind, mut expected) = self.begin(seg, b, true, None);
        loop {
            let limit = expected.map_or(b, |m| m.pos);
            let Some(j) = self.find_interesting(i, limit) else {
                if let Some(m) = expected {
                    self.emit(seg, m.pos, kind);
                    seg = m.pos;
                    (i, kind, expected) = self.begin(seg, b, false, expected);
                    continue;
                }
                break;
            };
            let lead = self.bytes[j];
            // Only a 0xE2 lead byte starts one of … ‼ ⁇ ⁈ ⁉ or a bullet.
            let c = if lead == 0xE2 { self.char_at(j) } else { None };
            if matches!(lead, b'.' | b'!' | b'?') || is_ellipsis(c) || is_double_mark(c) {
                match self.terminator(j, seg, b, quote_until) {
                    Ok(e) => {
                        self.emit(seg, e, kind);
                        seg = self.after_boundary(e, b);
                        if seg >= b {
                            return;
                        }
                        (i, kind, expected) = self.begin(seg, b, false, expected);
                    }
                    Err(next) => i = next,
                }
            } else if lead == 0xC2 && self.bytes.get(j + 1) == Some(&0xAB) {
                // «: suppress inner terminators if it closes soon enough.
                if j >= quote_until
                    && let Some(close) = self.next_close(j + 2, b)
                    && close - j <= QUOTE_WINDOW
                {
                    quote_until = close;
                }
                i = j + 2;
            } else if is_bullet(c) && j > seg && j >= quote_until && self.ws_before(j) {
                self.emit(seg, j, kind);
                seg = j;
                (i, kind, expected) = self.begin(seg, b, false, None);
            } else {
                i = j + if lead == 0xE2 { 3 } else { 1 };
            }
        }
        self.emit(seg, b, kind);
    }

    /// Where the next segment starts after a boundary at `e`; a TASS
    /// dateline there is emitted as a segment of its own.
    fn after_boundary(&mut self, e: usize, b: usize) -> usize {
        let seg = self.skip_ws(e, b);
        if let Some(d) = self.dateline(seg)
            && d <= b
        {
            self.emit(seg, d, SentenceKind::Dateline);
            return self.skip_ws(d, b);
        }
        seg
    }

    /// Starts a segment at `seg`: recognizes a list marker or bullet and
    /// returns where scanning resumes, the segment's kind and the next
    /// expected inline marker.
    fn begin(
        &self,
        seg: usize,
        b: usize,
        line_start: bool,
        expected: Option<Expected>,
    ) -> (usize, SentenceKind, Option<Expected>) {
        // Enumerators and bullets start an item at any segment start; a dash
        // or asterisk only at a line start.
        if let Some(m) = self.line_marker(seg, b)
            && (line_start || !m.dash)
        {
            let next = m
                .next
                .as_deref()
                .and_then(|pat| self.find_marker(pat, m.end, b));
            return (m.end, m.kind, next.map(|pos| Expected { pos }));
        }
        let keep = expected.filter(|m| m.pos > seg);
        (seg, SentenceKind::Sentence, keep)
    }

    /// Searches the rest of the line (within [`MARKER_WINDOW`]) for the
    /// inline list marker `pat`, preceded and followed by whitespace.
    fn find_marker(&self, pat: &str, from: usize, b: usize) -> Option<usize> {
        // Items of an inline list are short: a bounded window keeps repeated
        // misses ("1. 1. 1. ...") linear overall.
        let mut hi = b.min(from + MARKER_WINDOW);
        while !self.text.is_char_boundary(hi) {
            hi -= 1;
        }
        let line_end = find_byte(self.bytes, b'\n', from, hi).unwrap_or(hi);
        let hay = &self.text[from..line_end];
        let mut off = 0;
        while let Some(p) = hay[off..].find(pat) {
            let at = from + off + p;
            let after = at + pat.len();
            if self.ws_before(at) && (after >= b || is_ws_byte(self.bytes[after])) {
                return Some(at);
            }
            off += p + pat.len();
        }
        None
    }

    /// Decides whether the terminator at `j` ends a sentence: `Ok(end)` with
    /// the end of the sentence (after closing quotes and brackets), or
    /// `Err(resume)` with where to continue scanning.
    fn terminator(
        &self,
        j: usize,
        seg: usize,
        b: usize,
        quote_until: usize,
    ) -> Result<usize, usize> {
        let bytes = self.bytes;
        let mut k = j;
        let (mut dots, mut strong, mut ellipsis, mut closed) = (0usize, false, false, false);
        loop {
            let t0 = k;
            while k < b {
                match bytes[k] {
                    b'.' => dots += 1,
                    b'!' | b'?' => strong = true,
                    0xE2 => {
                        let c = self.char_at(k);
                        if is_ellipsis(c) {
                            ellipsis = true;
                        } else if is_double_mark(c) {
                            strong = true;
                        } else {
                            break;
                        }
                        k += 2;
                    }
                    _ => break,
                }
                k += 1;
            }
            if t0 == j && j > 0 && bytes[j - 1] == b'[' && k < b && bytes[k] == b']' {
                // "[...]" marks an omission, not an end.
                return Err(k + 1);
            }
            if k == t0 && closed {
                break;
            }
            let c0 = k;
            while k < b {
                match self.char_at(k) {
                    Some(c @ ('"' | '\'' | ')' | ']' | '»' | '”' | '’')) => k += c.len_utf8(),
                    _ => break,
                }
            }
            if k == c0 {
                break;
            }
            closed = true;
        }
        let e = k;
        if e <= quote_until {
            return Err(e.max(j + 1));
        }
        if e >= b {
            return Err(e);
        }
        let Some(after) = self.char_at(e) else {
            return Err(e);
        };
        if !after.is_whitespace() {
            if dots == 1 && !strong && !ellipsis && !closed && self.no_space_split(j, e, seg) {
                return Ok(e);
            }
            return Err(e);
        }
        let n = self.skip_ws(e, b);
        if n >= b {
            return Err(e);
        }
        if dots == 1
            && !strong
            && !ellipsis
            && !closed
            && self.period_before_spaced_ellipsis(j, e, b)
        {
            return Ok(e);
        }
        if !self.starts_sentence(n, b) {
            return Err(e);
        }
        if strong || ellipsis || dots >= 2 || closed {
            return Ok(e);
        }
        // a lone '.' followed by whitespace and a possible sentence start
        let chain = self.spaced_dots_back(j, seg);
        if chain >= 4 {
            return Ok(e);
        }
        if chain >= 2 {
            return Err(e);
        }
        if self.period_ends_sentence(j, seg, n, b) {
            Ok(e)
        } else {
            Err(e)
        }
    }

    /// True when the text at `n` can start a sentence: not a lower-case
    /// letter, not continuing punctuation, not a dash before a lower-case
    /// word (Russian direct speech: «…?» — спросил он).
    fn starts_sentence(&self, n: usize, b: usize) -> bool {
        let Some(c) = self.char_at(n) else {
            return false;
        };
        if c.is_lowercase() {
            return false;
        }
        match c {
            ',' | ';' | ':' | '.' | '!' | '?' | ')' | ']' | '»' | '”' | '’' | '…' | '%' => {
                false
            }
            '-' | '–' | '—' => {
                let m = self.skip_ws(n + c.len_utf8(), b);
                !self.char_at(m).is_some_and(char::is_lowercase)
            }
            _ => true,
        }
    }

    /// The abbreviation rules for a period at `j` followed by whitespace and
    /// a possible sentence start at `n`.
    fn period_ends_sentence(&self, j: usize, seg: usize, n: usize, b: usize) -> bool {
        let Some(ts) = self.token_start(j, seg) else {
            return true;
        };
        let tok = &self.text[ts..j];
        let Some(last) = tok.chars().next_back() else {
            return true;
        };
        if last.is_ascii_digit() {
            return true;
        }
        let mut chars = tok.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && c.is_uppercase()
        {
            // An initial, except the English pronoun after a lower-case
            // word: "you and I. Did you ...".
            return self.lang == Lang::En
                && c == 'I'
                && self.prev_word_is(ts, seg, char::is_lowercase);
        }
        let next_is_digit = self.char_at(n).is_some_and(|c| c.is_ascii_digit());
        let class = if tok.len() <= self.lists.longest {
            let mut buf = [0u8; 32];
            match buf.get_mut(..tok.len()).filter(|_| tok.is_ascii()) {
                Some(b) => {
                    b.copy_from_slice(tok.as_bytes());
                    b.make_ascii_lowercase();
                    // ASCII stays valid UTF-8 when lower-cased
                    std::str::from_utf8(b)
                        .ok()
                        .and_then(|w| self.lists.class(w))
                }
                None => self.lists.class(&lowercase(tok)),
            }
        } else {
            None
        };
        match class {
            Some(AbbrevClass::Prefix) => return false,
            Some(AbbrevClass::Street) => {
                let after_name =
                    self.prev_word_is(ts, seg, |c| c.is_uppercase() || c.is_ascii_digit());
                return after_name && self.plain_ends(n, b, false);
            }
            Some(AbbrevClass::Number) if next_is_digit => return false,
            Some(AbbrevClass::Number | AbbrevClass::Plain) => return self.plain_ends(n, b, false),
            Some(AbbrevClass::Time) => return self.time_ends(seg, ts, n, b),
            None => {}
        }
        if tok.chars().nth(1).is_none() {
            return true; // a single lower-case letter or symbol
        }
        if is_dotted_acronym(tok) {
            // Russian "Л.Н." is a pair of initials; English "U.S." an acronym.
            if self.lang == Lang::Ru && tok.split('.').all(|p| p.chars().all(char::is_uppercase)) {
                return false;
            }
            return self.plain_ends(n, b, true);
        }
        true
    }

    /// A plain abbreviation ends a sentence unless the next word is a
    /// follower (or, after a dotted acronym, an all-caps word).
    fn plain_ends(&self, n: usize, b: usize, acronym: bool) -> bool {
        let Some((w, _)) = self.word_at(n, b) else {
            return true;
        };
        let word = &self.text[w.start..w.end];
        if acronym && word.chars().count() >= 2 && word.chars().all(|c| c.is_uppercase()) {
            return false;
        }
        !self.lists.is_follower(&lowercase(word))
    }

    /// "a.m."/"p.m.": not before a time zone or "<Word> time", not after a
    /// short opening ("At 5 a.m. Mr. Smith ..."), otherwise plain.
    fn time_ends(&self, seg: usize, ts: usize, n: usize, b: usize) -> bool {
        if let Some((w, after)) = self.word_at(n, b) {
            let word = lowercase(&self.text[w.start..w.end]);
            if self.lists.is_follower(&word) {
                return false;
            }
            let m = self.skip_ws(after, b);
            if m > after
                && let Some((w2, _)) = self.word_at(m, b)
                && &self.text[w2.start..w2.end] == "time"
            {
                return false;
            }
        }
        if ts - seg <= TOKEN_WINDOW && self.text[seg..ts].split_whitespace().count() <= 2 {
            return false;
        }
        true
    }

    /// The word (letters, digits, inner hyphens and apostrophes) starting at
    /// `n` after opening quotes and brackets, and the byte after it; bounded.
    fn word_at(&self, n: usize, b: usize) -> Option<(Span, usize)> {
        let mut i = n;
        while let Some(c) = self.char_at(i) {
            if i >= b || !matches!(c, '"' | '\'' | '(' | '[' | '«' | '“' | '‘') {
                break;
            }
            i += c.len_utf8();
        }
        let start = i;
        let stop = b.min(start + TOKEN_WINDOW);
        while i < stop {
            let Some(c) = self.char_at(i) else { break };
            if c.is_alphanumeric() || ((c == '-' || c == '\'') && i > start) {
                i += c.len_utf8();
            } else {
                break;
            }
        }
        (i > start).then_some((Span::new(start, i), i))
    }

    /// Where the token ending at `j` starts (after whitespace and opening
    /// punctuation), or `None` when it is longer than the window.
    fn token_start(&self, j: usize, seg: usize) -> Option<usize> {
        let floor = self.ceil_boundary(seg.max(j.saturating_sub(TOKEN_WINDOW)));
        let mut i = j;
        while i > floor {
            let b = self.bytes[i - 1];
            if b < 0x80 {
                if b.is_ascii_whitespace()
                    || b == 0x0B
                    || matches!(b, b'(' | b'[' | b'"' | b'\'' | b'/')
                {
                    return Some(i);
                }
                i -= 1;
                continue;
            }
            let Some(c) = self.text[floor..i].chars().next_back() else {
                break;
            };
            if c.is_whitespace() || matches!(c, '(' | '[' | '"' | '\'' | '«' | '“' | '‘' | '/')
            {
                return Some(i);
            }
            i -= c.len_utf8();
        }
        (i == seg).then_some(i)
    }

    /// True when the word before `ts` starts with a character that passes
    /// `test`.
    fn prev_word_is(&self, ts: usize, seg: usize, test: impl Fn(char) -> bool) -> bool {
        let floor = self.ceil_boundary(seg.max(ts.saturating_sub(TOKEN_WINDOW)));
        let before = self.text[floor..ts].trim_end();
        before
            .rsplit(char::is_whitespace)
            .next()
            .and_then(|w| w.chars().next())
            .is_some_and(test)
    }

    /// "Tuesday.Mr." and "1,000.That": a period between a word and a
    /// capitalized word with no space ends a sentence, unless the token is
    /// part of a URL, an e-mail address or an abbreviation.
    fn no_space_split(&self, j: usize, e: usize, seg: usize) -> bool {
        let Some(next) = self.char_at(e) else {
            return false;
        };
        if !next.is_uppercase() {
            return false;
        }
        if !self
            .char_at(e + next.len_utf8())
            .is_some_and(char::is_lowercase)
        {
            return false;
        }
        // the word before: at least two letters, or digits
        let Some(ts) = self.token_start(j, seg) else {
            return false;
        };
        let tok = &self.text[ts..j];
        let word: &str = tok.rsplit(['.', '@', ':', '/']).next().unwrap_or(tok);
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let ends_ok = word
            .chars()
            .next_back()
            .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit());
        if !ends_ok || (letters < 2 && !word.chars().all(|c| c.is_ascii_digit() || c == ',')) {
            return false;
        }
        if word.len() <= self.lists.longest && self.lists.class(&lowercase(word)).is_some() {
            return false;
        }
        // URL or e-mail signs in the surrounding token
        let lo = self.ceil_boundary(ts.saturating_sub(URL_WINDOW).max(seg));
        let hi = self.ceil_boundary((e + URL_WINDOW).min(self.bytes.len()));
        let a = self.text[lo..ts]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(lo, |(i, c)| lo + i + c.len_utf8());
        let z = self.text[e..hi]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map_or(hi, |(i, _)| e + i);
        if (a == lo && lo > seg) || z == hi && hi < self.bytes.len() {
            return false; // a very long token: treat as a URL
        }
        !self.bytes[a..z]
            .iter()
            .any(|&c| matches!(c, b'@' | b'/' | b':' | b'_' | b'=' | b'&'))
            && !self.text[a..z].contains("www.")
    }

    /// "words. . . . Next": a period on a word followed by a spaced
    /// three-dot ellipsis and a sentence start ends the sentence; the
    /// ellipsis opens the next one.
    fn period_before_spaced_ellipsis(&self, j: usize, e: usize, b: usize) -> bool {
        if j == 0 || is_ws_byte(self.bytes[j - 1]) || self.bytes[j - 1] == b'.' {
            return false;
        }
        let pat = b". . .";
        if !self.bytes.get(e).is_some_and(|&c| is_ws_byte(c))
            || self.bytes.get(e + 1..e + 1 + pat.len()) != Some(pat)
        {
            return false;
        }
        let after = e + 1 + pat.len();
        if after >= b || !is_ws_byte(self.bytes[after]) {
            return false;
        }
        let n = self.skip_ws(after, b);
        n < b && self.starts_sentence(n, b) && self.char_at(n).is_some_and(char::is_uppercase)
    }

    /// Counts a chain of spaced periods ". . ." ending at `j`; bounded.
    fn spaced_dots_back(&self, j: usize, seg: usize) -> usize {
        let mut count = 1;
        let mut k = j;
        while count < 16
            && k >= seg + 2
            && is_ws_byte(self.bytes[k - 1])
            && self.bytes[k - 2] == b'.'
        {
            count += 1;
            k -= 2;
        }
        // "word. . . ." — the first period belongs to the word's sentence.
        if count > 1 && k > seg && !is_ws_byte(self.bytes[k - 1]) {
            count -= 1;
        }
        count
    }

    /// The next `»` at or after `from` inside `[.., b)`, with a cursor that
    /// only moves forward.
    fn next_close(&mut self, from: usize, b: usize) -> Option<usize> {
        if let Some(p) = self.close_at
            && p >= from
        {
            return Some(p);
        }
        let start = from.max(self.close_from);
        let hay = &self.bytes[start.min(b)..b];
        let found = hay
            .windows(2)
            .position(|w| w == [0xC2, 0xBB])
            .map(|p| start + p);
        self.close_from = found.map_or(b, |p| p + 2);
        self.close_at = found;
        found
    }

    /// A list marker at `p`: a bullet, a dash or asterisk at a line start, or
    /// an enumerator ("1.", "2)", "3.)", "a.", "b)").
    fn line_marker(&self, p: usize, b: usize) -> Option<Marker> {
        let c = self.char_at(p)?;
        let mut i = p;
        let mut bullet = false;
        if is_bullet(Some(c)) {
            bullet = true;
            i += c.len_utf8();
            while i < b && matches!(self.bytes[i], b' ' | b'\t') {
                i += 1;
            }
        } else if matches!(c, '-' | '*' | '+' | '–' | '—') {
            let after = p + c.len_utf8();
            if after < b && matches!(self.bytes[after], b' ' | b'\t') {
                let kind = if self.lang == Lang::Ru && matches!(c, '–' | '—') {
                    SentenceKind::Sentence // direct speech, not a list
                } else {
                    SentenceKind::ListItem
                };
                return Some(Marker {
                    end: after,
                    kind,
                    next: None,
                    dash: true,
                });
            }
            return None;
        }
        if let Some((end, next)) = self.enumerator(i, b) {
            return Some(Marker {
                end,
                kind: SentenceKind::ListItem,
                next: if bullet { None } else { Some(next) },
                dash: false,
            });
        }
        bullet.then_some(Marker {
            end: i,
            kind: SentenceKind::ListItem,
            next: None,
            dash: false,
        })
    }

    /// "12." / "12)" / "12.)" / "a." / "b)" followed by whitespace; returns
    /// its end and the text of the next marker in sequence.
    fn enumerator(&self, i: usize, b: usize) -> Option<(usize, String)> {
        let bytes = self.bytes;
        let mut k = i;
        while k < b && k - i < 3 && bytes[k].is_ascii_digit() {
            k += 1;
        }
        let letter = if k > i {
            if k - i > 2 {
                return None;
            }
            None
        } else {
            let c = self.char_at(i)?;
            if !c.is_alphabetic() {
                return None;
            }
            k = i + c.len_utf8();
            // "a." only in lower case: "A. Smith" is an initial.
            if c.is_uppercase() && bytes.get(k) == Some(&b'.') {
                return None;
            }
            Some(c)
        };
        let punct_start = k;
        if k < b && bytes[k] == b'.' {
            k += 1;
            if k < b && bytes[k] == b')' {
                k += 1;
            }
        } else if k < b && bytes[k] == b')' {
            k += 1;
        } else {
            return None;
        }
        if k >= b || !is_ws_byte(bytes[k]) {
            return None;
        }
        let punct = &self.text[punct_start..k];
        let next = match letter {
            Some(c) => format!("{}{punct}", char::from_u32(c as u32 + 1)?),
            None => {
                let n: u32 = self.text[i..punct_start].parse().ok()?;
                format!("{}{punct}", n + 1)
            }
        };
        Some((k, next))
    }

    /// A TASS-style dateline at `p`: "CITY, Month D. /AGENCY/." — an all-caps
    /// first word, a comma, then ". /" and a short slash-delimited credit on
    /// the same line. Returns its end (after the final period, if any).
    fn dateline(&self, p: usize) -> Option<usize> {
        let bytes = self.bytes;
        let len = bytes.len();
        let first = self.char_at(p)?;
        if !first.is_uppercase() {
            return None;
        }
        // the first word is all caps (dots and hyphens allowed: "ST. PETERSBURG");
        // checked first, as this runs at every sentence start
        let mut letters = 0;
        for c in self.text[p..].chars().take(40) {
            if c == ' ' || c == ',' {
                break;
            }
            if c.is_uppercase() {
                letters += 1;
            } else if c != '.' && c != '-' {
                return None;
            }
        }
        if letters < 2 {
            return None;
        }
        let mut window = len.min(p + DATELINE_WINDOW);
        while !self.text.is_char_boundary(window) {
            window -= 1;
        }
        let line_end = find_byte(bytes, b'\n', p, window).unwrap_or(window);
        let head = &self.text.get(p..line_end)?;
        let slash = head.find(". /")?;
        if !head[..slash].contains(',') {
            return None;
        }
        let open = slash + 2;
        let close = head[open + 1..].find('/')? + open + 1;
        if close == open + 1 {
            return None;
        }
        let mut end = p + close + 1;
        if end < len && bytes[end] == b'.' {
            end += 1;
        }
        // the dateline must end a word: "/TASS/.The" is something else
        (end >= len || self.char_at(end).is_some_and(char::is_whitespace)).then_some(end)
    }

    fn emit(&mut self, s: usize, e: usize, kind: SentenceKind) {
        let piece = &self.text[s..e];
        let trimmed = piece.trim();
        if trimmed.is_empty() {
            return;
        }
        let start = s + (piece.len() - piece.trim_start().len());
        self.out.push(Sentence {
            span: Span::new(start, start + trimmed.len()),
            kind,
        });
    }

    /// The first byte in `i..limit` the sentence scan stops at: `.`, `!`,
    /// `?`, or the lead byte `0xC2` / `0xE2` of « » … ‼ • and kin. The lead
    /// bytes are found with a cursor that only moves forward (units are
    /// scanned in text order), so the whole scan stays linear.
    fn find_interesting(&mut self, i: usize, limit: usize) -> Option<usize> {
        let limit = limit.min(self.bytes.len());
        if i >= limit {
            return None;
        }
        let stale = i < self.special_from || self.special_at.is_some_and(|p| p < i);
        if stale {
            self.special_from = i;
            self.special_at = memchr::memchr2(0xC2, 0xE2, &self.bytes[i..]).map(|p| i + p);
        }
        let stop = self.special_at.map_or(limit, |p| p.min(limit));
        memchr::memchr3(b'.', b'!', b'?', &self.bytes[i..stop])
            .map(|p| i + p)
            .or(self.special_at.filter(|&p| p < limit))
    }

    fn skip_ws(&self, i: usize, b: usize) -> usize {
        let b = b.min(self.bytes.len());
        if i >= b {
            return i;
        }
        let mut i = i;
        while i < b && is_ws_byte(self.bytes[i]) {
            i += 1;
        }
        if i >= b || self.bytes[i] < 0x80 {
            return i;
        }
        let rest = &self.text[i..b];
        i + (rest.len() - rest.trim_start().len())
    }

    fn ws_before(&self, at: usize) -> bool {
        at == 0
            || self.text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace)
    }

    /// The first character boundary at or after `i`.
    fn ceil_boundary(&self, mut i: usize) -> usize {
        while i < self.bytes.len() && !self.text.is_char_boundary(i) {
            i += 1;
        }
        i
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.text.get(i..)?.chars().next()
    }
}

/// A recognized list marker.
struct Marker {
    end: usize,
    kind: SentenceKind,
    next: Option<String>,
    /// A dash or asterisk: a marker only at a line start.
    dash: bool,
}

/// True when `s` (trimmed) ends with sentence-final punctuation, looking
/// through closing quotes and brackets.
fn ends_sentence(s: &str) -> bool {
    s.trim_end_matches(['"', '\'', ')', ']', '»', '”', '’'])
        .ends_with(['.', '!', '?', '…', '‼', '⁇', '⁈', '⁉'])
}

/// Letters separated by single periods: "U.S", "e.g", "т.е", "U.S.A".
fn is_dotted_acronym(tok: &str) -> bool {
    let mut parts = 0;
    for part in tok.split('.') {
        let n = part.chars().count();
        if n == 0 || n > 2 || !part.chars().all(char::is_alphabetic) {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

fn is_ellipsis(c: Option<char>) -> bool {
    c == Some('…')
}

fn is_double_mark(c: Option<char>) -> bool {
    matches!(c, Some('‼' | '⁇' | '⁈' | '⁉'))
}

fn is_bullet(c: Option<char>) -> bool {
    matches!(
        c,
        Some('•' | '‣' | '⁃' | '◦' | '▪' | '●' | '■' | '▫' | '◾')
    )
}

fn is_ws_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The first `needle` in `bytes[from..to]`.
fn find_byte(bytes: &[u8], needle: u8, from: usize, to: usize) -> Option<usize> {
    let hay = bytes.get(from..to.min(bytes.len()))?;
    memchr::memchr(needle, hay).map(|p| from + p)
}
