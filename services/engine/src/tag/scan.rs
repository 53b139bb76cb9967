//! Finding automaton keys in a folded text without scanning every byte.
//!
//! Owns [`KeyMatcher`]: the keys of one automaton (main or group terms) split
//! in two sets.
//! - Word-start keys (every pattern without a leading `*`) are stored
//!   without their leading space in an *anchored* automaton (a trie: no
//!   failure transitions). It is walked from every word start of the folded
//!   text (every byte after a space; folding records them, so the whole
//!   text need not be scanned for spaces) and the walk stops at the first dead
//!   state, so most words cost one or two transitions instead of an
//!   unanchored scan of every byte. Every key that starts at a word start is
//!   reported, shorter ones included (each match state on the walk is
//!   reported, not just the longest), so no valid match is lost.
//! - Glued keys (`*n't`) can start anywhere: an ordinary unanchored
//!   overlapping Aho-Corasick search (with its prefilter, the keys are
//!   rare) over the range.
//!
//! It does not verify patterns: callers check the whole pattern at each key
//! occurrence it reports.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, MatchKind};

use super::fold::spaces8;

/// The anchored automaton: a contiguous NFA, whose compact states keep
/// walks in cache (measured faster than a DFA here, and quicker to build).
type Trie = aho_corasick::nfa::contiguous::NFA;

/// Keys of one automaton and the payload of each, searched at word starts
/// (and anywhere for glued keys).
#[derive(Debug)]
pub(crate) struct KeyMatcher {
    trie: Trie,
    /// Which word starts can begin a word-start key.
    filter: StartFilter,
    /// Payload index of each pattern of `trie`.
    trie_keys: Vec<u32>,
    /// Unanchored automaton of the glued keys; `None` when there are none.
    glued: Option<AhoCorasick>,
    /// Payload index of each pattern of `glued`.
    glued_keys: Vec<u32>,
}

/// Where a key occurrence starts and ends, and which payload it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyHit {
    /// Byte offset of the first byte of the key (for a word-start key, the
    /// word start, after the space).
    pub(crate) start: usize,
    /// Byte offset after the key.
    pub(crate) end: usize,
    /// The payload index given to [`KeyMatcher::build`].
    pub(crate) key: u32,
}

impl KeyMatcher {
    /// Builds a matcher of `keys`: each is `(text, payload)`; a text that
    /// starts with a space is a word-start key, any other is glued.
    pub(crate) fn build<'a>(
        keys: impl IntoIterator<Item = (&'a str, u32)>,
    ) -> Result<KeyMatcher, String> {
        let mut anchored: Vec<&[u8]> = Vec::new();
        let mut trie_keys = Vec::new();
        let mut glued: Vec<&[u8]> = Vec::new();
        let mut glued_keys = Vec::new();
        for (text, payload) in keys {
            match text.strip_prefix(' ') {
                Some(word) if !word.is_empty() => {
                    anchored.push(word.as_bytes());
                    trie_keys.push(payload);
                }
                Some(_) => return Err("empty key".to_owned()),
                None if text.is_empty() => return Err("empty key".to_owned()),
                None => {
                    glued.push(text.as_bytes());
                    glued_keys.push(payload);
                }
            }
        }
        let trie = aho_corasick::nfa::contiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&anchored)
            .map_err(|e| e.to_string())?;
        let glued = if glued.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&glued)
                    .map_err(|e| e.to_string())?,
            )
        };
        let filter = StartFilter::new(&trie, &anchored);
        Ok(KeyMatcher {
            trie,
            filter,
            trie_keys,
            glued,
            glued_keys,
        })
    }

    /// Heap memory of the automata and tables, in bytes.
    pub(crate) fn memory_usage(&self) -> usize {
        let trie = self.trie.memory_usage();
        trie + self.glued.as_ref().map_or(0, AhoCorasick::memory_usage)
            + (self.trie_keys.capacity() + self.glued_keys.capacity()) * 4
            + self.filter.memory_usage()
    }

    /// Calls `hit` for every key occurrence that starts at `q` and ends at
    /// `b` at the latest: a word-start key when `q` follows a space, or a
    /// glued key.
    pub(crate) fn find_at(&self, f: &str, q: usize, b: usize, mut hit: impl FnMut(KeyHit)) {
        let b = b.min(f.len());
        if q == 0 || q > b || !f.is_char_boundary(q) {
            return;
        }
        let bytes = &f.as_bytes()[..b];
        if bytes[q - 1] == b' ' {
            walk_word_start(
                &self.trie,
                &self.filter,
                &self.trie_keys,
                bytes,
                q,
                &mut hit,
            );
        }
        if let Some(g) = &self.glued {
            let mut b = b;
            while !f.is_char_boundary(b) {
                b += 1;
            }
            let input = aho_corasick::Input::new(f).range(q..b);
            for m in g.find_overlapping_iter(input) {
                if m.start() == q {
                    hit(KeyHit {
                        start: q,
                        end: m.end(),
                        key: self.glued_keys[m.pattern().as_usize()],
                    });
                }
            }
        }
    }

    /// Calls `hit` for every key occurrence lying inside `f[a..b]`, a
    /// word-start key counting its leading space (so its word starts at
    /// `a + 1` or later). Word-start keys come in start order, then glued
    /// keys in the order of their ends.
    pub(crate) fn find(&self, f: &str, a: usize, b: usize, mut hit: impl FnMut(KeyHit)) {
        let b = b.min(f.len());
        if a >= b {
            return;
        }
        walk_word_starts(
            &self.trie,
            &self.filter,
            &self.trie_keys,
            f.as_bytes(),
            a,
            b,
            &mut hit,
        );
        self.find_glued(f, a, b, hit);
    }

    /// [`KeyMatcher::find`] over the whole of `f`, given its word starts
    /// (every offset after a space, in order), which saves scanning for
    /// them.
    pub(crate) fn find_from_starts(&self, f: &str, starts: &[u32], mut hit: impl FnMut(KeyHit)) {
        let bytes = f.as_bytes();
        for &q in starts {
            walk_word_start(
                &self.trie,
                &self.filter,
                &self.trie_keys,
                bytes,
                q as usize,
                &mut hit,
            );
        }
        self.find_glued(f, 0, f.len(), hit);
    }

    /// The glued keys of [`KeyMatcher::find`].
    fn find_glued(&self, f: &str, a: usize, b: usize, mut hit: impl FnMut(KeyHit)) {
        if let Some(g) = &self.glued {
            let mut a = a;
            while !f.is_char_boundary(a) {
                a -= 1;
            }
            let mut b = b;
            while !f.is_char_boundary(b) {
                b += 1;
            }
            let input = aho_corasick::Input::new(f).range(a..b);
            for m in g.find_overlapping_iter(input) {
                hit(KeyHit {
                    start: m.start(),
                    end: m.end(),
                    key: self.glued_keys[m.pattern().as_usize()],
                });
            }
        }
    }
}

/// Walks the anchored automaton `ac` from every byte after a space in
/// `bytes[a..b]`, reporting every key that ends on the walk (up to `b`).
#[inline(always)]
fn walk_word_starts<A: Automaton>(
    ac: &A,
    filter: &StartFilter,
    payload: &[u32],
    bytes: &[u8],
    a: usize,
    b: usize,
    hit: &mut impl FnMut(KeyHit),
) {
    let bytes = &bytes[..b];
    let mut base = a;
    while base < bytes.len() {
        // Spaces of the next 8 bytes, as the high bit of each byte of `m`.
        let mut m = match bytes.get(base..base + 8) {
            Some(w) => {
                let mut arr = [0u8; 8];
                arr.copy_from_slice(w);
                spaces8(u64::from_le_bytes(arr))
            }
            None => bytes[base..]
                .iter()
                .enumerate()
                .filter(|(_, x)| **x == b' ')
                .fold(0u64, |m, (k, _)| m | 0x80 << (8 * k)),
        };
        while m != 0 {
            let q = base + (m.trailing_zeros() / 8) as usize + 1;
            m &= m - 1;
            walk_word_start(ac, filter, payload, bytes, q, hit);
        }
        base += 8;
    }
}

/// Walks the anchored automaton from word start `q`, unless the start
/// filter rules every key out, and reports every key that ends on the walk.
#[inline(always)]
fn walk_word_start<A: Automaton>(
    ac: &A,
    filter: &StartFilter,
    payload: &[u32],
    bytes: &[u8],
    q: usize,
    hit: &mut impl FnMut(KeyHit),
) {
    match filter.start(bytes, q) {
        Start::None => {}
        Start::Root => walk(ac, filter.root, payload, bytes, q, q, hit),
        Start::After(sid, n) => walk(ac, sid, payload, bytes, q, q + n, hit),
    }
}

/// Walks the anchored automaton from state `sid`, reached from word start
/// `q` by `bytes[q..from]`, and reports every key that ends at `from` or
/// later on the walk.
#[inline(always)]
fn walk<A: Automaton>(
    ac: &A,
    mut sid: StateID,
    payload: &[u32],
    bytes: &[u8],
    q: usize,
    from: usize,
    hit: &mut impl FnMut(KeyHit),
) {
    let mut report = |sid: StateID, end: usize| {
        for k in 0..ac.match_len(sid) {
            let pid = ac.match_pattern(sid, k);
            // A match state also lists keys that are suffixes of the path
            // (copied from failure states): only keys starting at `q`
            // count here.
            if ac.pattern_len(pid) == end - q {
                hit(KeyHit {
                    start: q,
                    end,
                    key: payload[pid.as_usize()],
                });
            }
        }
    };
    if from > q && ac.is_match(sid) {
        report(sid, from);
    }
    for (i, &byte) in bytes.iter().enumerate().skip(from) {
        sid = ac.next_state(Anchored::Yes, sid, byte);
        if ac.is_special(sid) {
            if ac.is_dead(sid) {
                return;
            }
            if ac.is_match(sid) {
                report(sid, i + 1);
            }
        }
    }
}

/// Where to start walking at a word start, decided before touching the
/// automaton.
enum Start {
    /// No key starts here.
    None,
    /// Walk from the start state.
    Root,
    /// Walk from this state, reached by the given number of bytes at the
    /// word start.
    After(StateID, usize),
}

/// A cheap test of whether a key can start at a word start, and a jump
/// over the first bytes of the walk. First, an exact bit set of the first
/// 2 bytes of every key turns most words away in one lookup. Then keys
/// shorter than 4 bytes are looked
/// up by their first 2 bytes (an exact bit set; a 1-byte key sets every
/// second byte); keys of 4 to 7 bytes by their first 4 bytes and longer
/// keys by their first 8 ([`Prefixes`]: a hashed bit set, then a hash
/// table giving the automaton state after those bytes). The 8-byte level
/// keeps common word beginnings (Russian `на`, `по`, `пр` are 4 bytes)
/// from starting walks that only long keys could continue. False positives
/// only cost a lookup or a walk; there are no false negatives.
#[derive(Debug)]
struct StartFilter {
    /// The anchored start state.
    root: StateID,
    /// Bit `b0 << 8 | b1` for every key (any length) that starts with those
    /// bytes: most word starts fail this one test.
    first2: Box<[u64]>,
    /// Bit `b0 << 8 | b1` for keys shorter than 4 bytes.
    short: Box<[u64]>,
    /// First 4 bytes of the keys of 4 to 7 bytes.
    mid: Prefixes<4>,
    /// First 8 bytes of the keys of 8 bytes or more.
    long: Prefixes<8>,
}

impl StartFilter {
    fn new<A: Automaton>(ac: &A, keys: &[&[u8]]) -> StartFilter {
        let root = ac.start_state(Anchored::Yes).unwrap_or(StateID::ZERO);
        let mut short = vec![0u64; BIT_WORDS].into_boxed_slice();
        let mut first2 = vec![0u64; BIT_WORDS].into_boxed_slice();
        let mut mid = Vec::new();
        let mut long = Vec::new();
        for k in keys {
            match **k {
                [] => {}
                [b0] => {
                    for b1 in 0..=255usize {
                        set_bit(&mut short, usize::from(b0) << 8 | b1);
                        set_bit(&mut first2, usize::from(b0) << 8 | b1);
                    }
                }
                [b0, b1] | [b0, b1, _] => {
                    set_bit(&mut short, usize::from(b0) << 8 | usize::from(b1))
                }
                _ if k.len() < 8 => mid.push(&k[..4]),
                _ => long.push(&k[..8]),
            }
            if let [b0, b1, ..] = **k {
                set_bit(&mut first2, usize::from(b0) << 8 | usize::from(b1));
            }
        }
        StartFilter {
            root,
            first2,
            short,
            mid: Prefixes::new(ac, root, &mid),
            long: Prefixes::new(ac, root, &long),
        }
    }

    /// Heap bytes.
    fn memory_usage(&self) -> usize {
        (self.first2.len() + self.short.len()) * 8
            + self.mid.memory_usage()
            + self.long.memory_usage()
    }

    /// Where to walk from at word start `q` (keys end by `bytes.len()`).
    #[inline(always)]
    fn start(&self, bytes: &[u8], q: usize) -> Start {
        let Some(&[b0, b1, b2, b3]) = bytes.get(q..q + 4) else {
            return Start::Root;
        };
        let two = usize::from(b0) << 8 | usize::from(b1);
        if !get_bit(&self.first2, two) {
            return Start::None;
        }
        if get_bit(&self.short, two) {
            return Start::Root;
        }
        if let Some(sid) = self
            .mid
            .get(u64::from(u32::from_le_bytes([b0, b1, b2, b3])))
        {
            return Start::After(sid, 4);
        }
        match bytes
            .get(q..q + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
        {
            Some(w) => match self.long.get(u64::from_le_bytes(w)) {
                Some(sid) => Start::After(sid, 8),
                None => Start::None,
            },
            // Too short for a long key.
            None => Start::None,
        }
    }
}

/// Bits of the hashed bit sets (64 Ki bits, 8 KiB).
const BITS: u32 = 16;
const BIT_WORDS: usize = 1 << (BITS - 6);

#[inline(always)]
fn set_bit(v: &mut [u64], bit: usize) {
    v[bit >> 6] |= 1 << (bit & 63);
}

#[inline(always)]
fn get_bit(v: &[u64], bit: usize) -> bool {
    v[bit >> 6] & (1 << (bit & 63)) != 0
}

/// The `N`-byte prefixes of a set of keys (`N` ≤ 8, read as a
/// little-endian `u64`): a hashed bit set, then an open-addressing table
/// of the prefix and the anchored automaton's state after it.
#[derive(Debug)]
struct Prefixes<const N: usize> {
    bits: Box<[u64]>,
    table: Box<[Option<(u64, StateID)>]>,
}

impl<const N: usize> Prefixes<N> {
    fn new<A: Automaton>(ac: &A, root: StateID, prefixes: &[&[u8]]) -> Prefixes<N> {
        let mut words: Vec<u64> = prefixes
            .iter()
            .map(|p| p.iter().rev().fold(0u64, |w, &b| w << 8 | u64::from(b)))
            .collect();
        words.sort_unstable();
        words.dedup();
        let mut bits = vec![0u64; BIT_WORDS].into_boxed_slice();
        let size = (words.len() * 2).next_power_of_two().max(16);
        let mut table = vec![None; size].into_boxed_slice();
        for w in words {
            set_bit(&mut bits, Self::hash(w));
            let sid = w.to_le_bytes()[..N]
                .iter()
                .fold(root, |sid, &b| ac.next_state(Anchored::Yes, sid, b));
            let mut i = Self::hash(w) & (size - 1);
            while table[i].is_some() {
                i = (i + 1) & (size - 1);
            }
            table[i] = Some((w, sid));
        }
        Prefixes { bits, table }
    }

    fn memory_usage(&self) -> usize {
        self.bits.len() * 8 + self.table.len() * std::mem::size_of::<Option<(u64, StateID)>>()
    }

    #[inline(always)]
    fn hash(w: u64) -> usize {
        (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS)) as usize
    }

    /// The state after prefix `w`, when it is the prefix of a key.
    #[inline(always)]
    fn get(&self, w: u64) -> Option<StateID> {
        let h = Self::hash(w);
        if !get_bit(&self.bits, h) {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut i = h & mask;
        while let Some((k, sid)) = self.table[i] {
            if k == w {
                return Some(sid);
            }
            i = (i + 1) & mask;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spaces_table() {
        let cases: &[(&[u8; 8], u64)] = &[
            (b"        ", 0x8080_8080_8080_8080),
            (b"abcdefgh", 0),
            (b" a!\x00\xff\xa0x ", 0x8000_0000_0000_0080),
            (b"\x20\x21\x1f\xa0\x60\x00\x20\x20", 0x8080_0000_0000_0080),
        ];
        for (w, want) in cases {
            assert_eq!(spaces8(u64::from_le_bytes(**w)), *want, "{w:?}");
        }
    }

    /// Every occurrence of every key, found by comparing at every offset.
    fn naive(keys: &[&str], f: &str, a: usize, b: usize) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        for (k, key) in keys.iter().enumerate() {
            for s in a..b {
                if f.as_bytes()[s..b].starts_with(key.as_bytes()) {
                    let start = if key.starts_with(' ') { s + 1 } else { s };
                    out.push((start, s + key.len(), k as u32));
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn found(m: &KeyMatcher, f: &str, a: usize, b: usize) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        m.find(f, a, b, |h| out.push((h.start, h.end, h.key)));
        out.sort_unstable();
        out
    }

    proptest! {
        #[test]
        fn finds_every_key_occurrence(
            pieces in prop::collection::vec(
                prop::sample::select(
                    &["a", "b", "n", "o", "é", "'", "-", " ", " ", "no", "bbbb", "abba", " obba", "oooo"][..],
                ),
                0..30,
            ),
            a in 0usize..68,
            b in 0usize..68,
        ) {
            // Pieces of keys and noise, so that long keys occur too.
            let text = pieces.concat();
            let keys = [
                " a", " ab", " a b", " b", " no", " no a", " é", "n'", "'", " bbbbb",
                " no a bab", " bbbbbbbb", " abba no", " éé a",
                // Words starting `o` take the 4-byte and 8-byte levels of
                // the start filter (no key shorter than 4 bytes starts `o`).
                " obba", " obba o", " obba obba", " oooooooo", " oo-oo obba",
            ];
            let m = KeyMatcher::build(
                keys.iter().enumerate().map(|(i, k)| (*k, i as u32)),
            ).expect("builds");
            let f = format!(" {text}");
            let b = b.min(f.len());
            let a = a.min(b);
            // Ranges on character boundaries, as callers use them.
            prop_assume!(f.is_char_boundary(a) && f.is_char_boundary(b));
            prop_assert_eq!(found(&m, &f, a, b), naive(&keys, &f, a, b));
        }
    }
}
