//! The matching core: raw matches from the automaton, then blockers,
//! filters, negation and overlap resolution, mapped back to the original
//! text. Shared by [`super::tag`] and [`super::Lexicons::explain`].
//!
//! Order of rules (documented in `lexicons/README.md`):
//! 1. every entry match is found (every key occurrence at a word start by
//!    an anchored walk, glued keys anywhere — see `scan` — and each
//!    candidate verified: word boundaries, stems, gaps);
//! 2. blockers suppress the entries of the kinds they list whose span lies
//!    inside theirs (negators too, with `blocks=negator`);
//! 3. filters drop homographs (`proper`, `not-before`, `not-after`,
//!    `not-in-sentence`);
//! 4. the nearest negator before a cue, in scope, applies the cue's
//!    negation action;
//! 5. per category, overlapping cues resolve to the longest (then higher
//!    `prio`, higher weight, earlier entry).

use super::fold::{Folded, is_word};
use super::lexicon::{GroupRef, KeyPair, Kind, LangLexicon, NegAction};
use super::pattern::{is_hard_stop, word_char_at};
use super::scan::{KeyHit, KeyMatcher};
use super::{Category, Cue, Explanation, Outcome};
use crate::Span;

/// One verified match of an entry, in folded offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RawMatch {
    pub(crate) start: usize,
    pub(crate) entry: u32,
    pub(crate) end: usize,
}

/// Every verified match of every entry except group terms on folded text
/// `f`: for each entry and start, the shortest match. Sorted by start,
/// entry.
pub(crate) fn raw_matches(lex: &LangLexicon, folded: &Folded, out: &mut Vec<RawMatch>) {
    out.clear();
    // Every key occurrence at a word start (anchored walks) and every glued
    // key occurrence (see `scan`), each verified as a whole pattern.
    let f = folded.text.as_str();
    let keys = &lex.keys;
    match folded.word_starts() {
        Some(starts) => lex
            .automaton
            .find_from_starts(f, starts, |h| push_verified(lex, keys, f, h, out)),
        None => scan(&lex.automaton, keys, lex, f, 0, f.len(), out),
    }
    out.sort_unstable();
    out.dedup_by_key(|r| (r.start, r.entry));
}

/// Which group terms a search looks for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TermSet {
    /// Every group's.
    All,
    /// Only those of the groups some `not-in-sentence` names, searched with
    /// their own automaton.
    InSentence,
}

/// The group-term matches of `set` whose key lies in `f[a..b]` (verified
/// against the whole of `f`), appended to `out`, sorted and deduplicated.
pub(crate) fn term_matches(
    lex: &LangLexicon,
    set: TermSet,
    f: &str,
    (a, b): (usize, usize),
    out: &mut Vec<RawMatch>,
) {
    let (automaton, keys) = match set {
        TermSet::All => (&lex.term_automaton, &lex.term_keys),
        TermSet::InSentence => (&lex.sentence_term_automaton, &lex.sentence_term_keys),
    };
    let from = out.len();
    scan(automaton, keys, lex, f, a, b, out);
    sort_dedup_tail(out, from);
}

/// How far before a cue `not-after` looks for a term of group `g` ending
/// right there: the longest term and the space before it when every term
/// of the group is a literal, else [`TERM_WINDOW`].
pub(crate) fn not_after_window(lex: &LangLexicon, g: u16) -> usize {
    lex.group_spans
        .get(usize::from(g))
        .copied()
        .flatten()
        .map_or(TERM_WINDOW, |n| (n + 1).min(TERM_WINDOW))
}

/// The group-term matches starting at `q` whose key ends at `b` at the
/// latest, appended to `out`, sorted and deduplicated.
fn term_matches_at(lex: &LangLexicon, f: &str, q: usize, b: usize, out: &mut Vec<RawMatch>) {
    let from = out.len();
    let keys = &lex.term_keys;
    lex.term_automaton
        .find_at(f, q, b, |h| push_verified(lex, keys, f, h, out));
    sort_dedup_tail(out, from);
}

fn sort_dedup_tail(out: &mut Vec<RawMatch>, from: usize) {
    out[from..].sort_unstable();
    let mut w = from;
    for r in from..out.len() {
        if w == from || (out[w - 1].start, out[w - 1].entry) != (out[r].start, out[r].entry) {
            out[w] = out[r];
            w += 1;
        }
    }
    out.truncate(w);
}

fn scan(
    km: &KeyMatcher,
    keys: &[Vec<KeyPair>],
    lex: &LangLexicon,
    f: &str,
    a: usize,
    b: usize,
    out: &mut Vec<RawMatch>,
) {
    km.find(f, a, b, |h| push_verified(lex, keys, f, h, out));
}

/// Verifies every entry alternative keyed by `h` at its start.
#[inline]
fn push_verified(
    lex: &LangLexicon,
    keys: &[Vec<KeyPair>],
    f: &str,
    h: KeyHit,
    out: &mut Vec<RawMatch>,
) {
    for p in &keys[h.key as usize] {
        let end = if p.literal {
            // `h.start` is a word start (or the pattern is glued).
            (!word_char_at(f, h.end)).then_some(h.end)
        } else {
            let e = &lex.entries[p.entry as usize];
            e.pattern.verify(f, usize::from(p.alt), h.start)
        };
        if let Some(end) = end {
            out.push(RawMatch {
                start: h.start,
                entry: p.entry,
                end,
            });
        }
    }
}

/// Buffers of [`run`], reused between calls.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    raws: Vec<RawMatch>,
    blockers: Vec<RawMatch>,
    negators: Vec<(RawMatch, bool)>,
    live_negators: Vec<RawMatch>,
    contrasts: Vec<usize>,
    terms: TermScratch,
    cands: Vec<Cand>,
    order: Vec<usize>,
    emitted: Vec<usize>,
    /// Quotation regions and the stack of [`quotation_regions`].
    quotes: (Vec<(usize, usize)>, Vec<char>),
    /// Accepted `(start, end, entry)` per category, sorted by start.
    accepted: [Vec<(usize, usize, u32)>; 3],
}

/// A cue candidate going through the rules.
#[derive(Debug)]
struct Cand {
    raw: RawMatch,
    category: Option<Category>,
    start: usize,
    negated: bool,
    outcome: Option<Verdict>,
}

/// What happened to a candidate, with entries by index and spans in
/// folded offsets: no allocation or reference count on the tagging path.
/// Turned into an [`Outcome`] only when explaining.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    Emitted {
        category: Category,
        negated: bool,
        span: Span,
    },
    /// By blocker entry `by`, whose folded span is `span`.
    Blocked {
        by: u32,
        span: (usize, usize),
    },
    Filtered(FilterReason),
    NegatedAway {
        by: u32,
    },
    Unnegated,
    Overlapped {
        by: u32,
    },
}

/// Why a homograph filter dropped a match.
#[derive(Debug, Clone, Copy)]
enum FilterReason {
    /// Capitalized inside a sentence.
    Proper,
    /// Followed by a term of the group.
    Before(GroupRef),
    /// Preceded by a term of the group.
    After(GroupRef),
    /// A term of the group in the same sentence.
    InSentence(GroupRef),
}

impl Verdict {
    fn outcome(self, lex: &LangLexicon, folded: &Folded) -> Outcome {
        let id = |e: u32| lex.entries[e as usize].id.clone();
        match self {
            Verdict::Emitted {
                category,
                negated,
                span,
            } => Outcome::Emitted {
                category,
                negated,
                span,
            },
            Verdict::Blocked { by, span: (s, e) } => Outcome::Blocked {
                by: id(by),
                span: Span::new(folded.to_original(s), folded.to_original(e)),
            },
            Verdict::Filtered(r) => Outcome::Filtered {
                reason: match r {
                    FilterReason::Proper => {
                        "capitalized inside a sentence: a name or a month".to_owned()
                    }
                    FilterReason::Before(g) => format!("followed by {}", group_label(lex, g)),
                    FilterReason::After(g) => format!("preceded by {}", group_label(lex, g)),
                    FilterReason::InSentence(g) => {
                        format!("{} in the same sentence", group_label(lex, g))
                    }
                }
                .into(),
            },
            Verdict::NegatedAway { by } => Outcome::NegatedAway { by: id(by) },
            Verdict::Unnegated => Outcome::Unnegated,
            Verdict::Overlapped { by } => Outcome::Overlapped { by: id(by) },
        }
    }
}

/// Runs the rules on `text` (folded as `folded`), whose sentences are
/// `sentences` (original byte spans; empty means one sentence). Appends
/// cues to `cues`; with `explain`, also describes every match.
pub(crate) fn run(
    lex: &LangLexicon,
    text: &str,
    folded: &Folded,
    sentences: &[Span],
    scratch: &mut Scratch,
    cues: &mut Vec<Cue>,
    explain: Option<&mut Vec<Explanation>>,
) {
    let f = folded.text.as_str();
    let Scratch {
        raws,
        blockers,
        negators,
        live_negators,
        contrasts,
        terms,
        cands,
        order,
        emitted,
        quotes,
        accepted,
    } = scratch;
    raw_matches(lex, folded, raws);
    let raws: &[RawMatch] = raws;
    for v in [&mut *blockers, &mut *live_negators] {
        v.clear();
    }
    negators.clear();
    contrasts.clear();
    terms.sentence = None;
    cands.clear();
    order.clear();
    emitted.clear();
    if raws.is_empty() {
        return;
    }
    let whole = [Span::new(0, text.len())];
    let sentences = if sentences.is_empty() {
        &whole[..]
    } else {
        sentences
    };

    for r in raws {
        let e = &lex.entries[r.entry as usize];
        match e.kind {
            Kind::Block => blockers.push(*r),
            Kind::Negator => negators.push((*r, false)),
            Kind::Contrast => contrasts.push(r.start),
            Kind::Term(_) => {}
            Kind::Cue(c) => cands.push(Cand {
                raw: *r,
                category: Some(c),
                start: r.start,
                negated: false,
                outcome: None,
            }),
            Kind::Latent => cands.push(Cand {
                raw: *r,
                category: None,
                start: r.start,
                negated: false,
                outcome: None,
            }),
        }
    }
    if cands.is_empty() && explain.is_none() {
        return;
    }

    // 2. blockers (sweep in start order; raws are sorted by start).
    if !blockers.is_empty() {
        let mut best: [(usize, u32, usize); 5] = [(0, 0, usize::MAX); 5]; // (end, entry, start)
        let mut bi = 0;
        let check = |r: &RawMatch, bit: u8, best: &mut [(usize, u32, usize); 5], bi: &mut usize| {
            while *bi < blockers.len() && blockers[*bi].start <= r.start {
                let b = blockers[*bi];
                let mask = lex.entries[b.entry as usize].opts.blocks;
                for (k, slot) in best.iter_mut().enumerate() {
                    if mask & (1 << k) != 0 && (slot.2 == usize::MAX || b.end > slot.0) {
                        *slot = (b.end, b.entry, b.start);
                    }
                }
                *bi += 1;
            }
            let k = bit.trailing_zeros() as usize;
            let slot = best.get(k)?;
            (slot.2 != usize::MAX && slot.0 >= r.end).then_some((slot.1, slot.2, slot.0))
        };
        // negators and candidates interleaved in start order
        let mut ni = 0;
        let mut ci = 0;
        while ni < negators.len() || ci < cands.len() {
            let take_neg = ci >= cands.len()
                || (ni < negators.len() && negators[ni].0.start <= cands[ci].raw.start);
            if take_neg {
                let r = negators[ni].0;
                let bit = lex.entries[r.entry as usize].block_bit();
                if check(&r, bit, &mut best, &mut bi).is_some() {
                    negators[ni].1 = true;
                }
                ni += 1;
            } else {
                let r = cands[ci].raw;
                let bit = lex.entries[r.entry as usize].block_bit();
                if let Some((by, bs, be)) = check(&r, bit, &mut best, &mut bi) {
                    cands[ci].outcome = Some(Verdict::Blocked { by, span: (bs, be) });
                }
                ci += 1;
            }
        }
    }
    live_negators.extend(negators.iter().filter(|n| !n.1).map(|n| n.0));
    live_negators.sort_unstable_by_key(|r| (r.end, r.start));
    let negators: &[RawMatch] = live_negators;

    // 3. filters, 4. negation
    let sentence_of = |o: usize| {
        sentences
            .partition_point(|s| s.end <= o)
            .min(sentences.len() - 1)
    };
    for c in cands.iter_mut() {
        if c.outcome.is_some() {
            continue;
        }
        let e = &lex.entries[c.raw.entry as usize];
        if let Some(reason) = filter(lex, e, c.raw, text, folded, sentences, &sentence_of, terms) {
            c.outcome = Some(Verdict::Filtered(reason));
            continue;
        }
        let k = negators.partition_point(|n| n.end <= c.raw.start);
        let neg = k
            .checked_sub(1)
            .map(|i| negators[i])
            .filter(|n| in_scope(f, n.end, c.raw.start, lex.negation_window, contrasts));
        match (neg, e.neg_action()) {
            (Some(n), NegAction::Drop) => {
                c.outcome = Some(Verdict::NegatedAway { by: n.entry });
            }
            (Some(n), NegAction::To(cat)) => {
                c.category = Some(cat);
                c.start = n.start;
                c.negated = true;
            }
            (Some(_), NegAction::Keep) | (None, _) => {
                if c.category.is_none() {
                    c.outcome = Some(Verdict::Unnegated);
                }
            }
        }
    }

    // 5. overlaps: longest first, per category.
    order.extend((0..cands.len()).filter(|&i| cands[i].outcome.is_none()));
    // The index breaks the last ties: a total order, so an unstable sort
    // (no allocation) gives the stable result. Lazy comparisons: most
    // pairs differ in length, and the entries are looked up only for ties.
    order.sort_unstable_by(|&a, &b| {
        let (ca, cb) = (&cands[a], &cands[b]);
        (cb.raw.end - cb.start)
            .cmp(&(ca.raw.end - ca.start))
            .then_with(|| {
                let (ea, eb) = (
                    &lex.entries[ca.raw.entry as usize],
                    &lex.entries[cb.raw.entry as usize],
                );
                eb.opts
                    .prio
                    .cmp(&ea.opts.prio)
                    .then(eb.weight.total_cmp(&ea.weight))
            })
            .then_with(|| ca.raw.entry.cmp(&cb.raw.entry))
            .then_with(|| ca.start.cmp(&cb.start))
            .then_with(|| a.cmp(&b))
    });
    for a in accepted.iter_mut() {
        a.clear();
    }

    for &i in order.iter() {
        let c = &cands[i];
        let Some(cat) = c.category else { continue };
        let acc = &mut accepted[cat as usize];
        let (s, e) = (c.start, c.raw.end);
        // `acc` holds disjoint spans sorted by start: only the last one
        // starting before `e` can overlap.
        let k = acc.partition_point(|a| a.0 < e);
        let clash = k
            .checked_sub(1)
            .map(|j| acc[j])
            .filter(|a| a.1 > s)
            .map(|a| a.2);
        if let Some(by) = clash {
            cands[i].outcome = Some(Verdict::Overlapped { by });
            continue;
        }
        let at = acc.partition_point(|a| a.0 < s);
        acc.insert(at, (s, e, c.raw.entry));
        emitted.push(i);
    }
    if emitted.is_empty() && explain.is_none() {
        return;
    }
    // Quotations matter only up to the last cue.
    let last_start = emitted
        .iter()
        .map(|&i| cands[i].start)
        .max()
        .map_or(0, |s| folded.to_original(s));
    let (quotes, stack) = quotes;
    quotation_regions(&folded.marks, text.len(), last_start, quotes, stack);
    let quotes: &[(usize, usize)] = quotes;
    let first_new = cues.len();
    cues.reserve(emitted.len());
    for &i in emitted.iter() {
        let c = &mut cands[i];
        let e = &lex.entries[c.raw.entry as usize];
        let Some(cat) = c.category else { continue };
        let span = Span::new(folded.to_original(c.start), folded.to_original(c.raw.end));
        c.outcome = Some(Verdict::Emitted {
            category: cat,
            negated: c.negated,
            span,
        });
        cues.push(Cue {
            span,
            category: cat,
            entry_id: e.id.clone(),
            sentence_index: sentence_of(span.start),
            in_quotation: in_regions(quotes, span.start),
            weight: e.weight,
            negated: c.negated,
        });
    }
    // Same-category cues never overlap: the key is unique.
    cues[first_new..].sort_unstable_by_key(|c| (c.span.start, c.span.end, c.category));

    if let Some(out) = explain {
        let mut ci = 0;
        for r in raws {
            let e = &lex.entries[r.entry as usize];
            let span = Span::new(folded.to_original(r.start), folded.to_original(r.end));
            let outcome = match e.kind {
                Kind::Cue(_) | Kind::Latent => {
                    let c = &cands[ci];
                    ci += 1;
                    c.outcome
                        .map_or(Outcome::Unnegated, |v| v.outcome(lex, folded))
                }
                Kind::Negator => {
                    if negators.iter().any(|n| n == r) {
                        Outcome::Rule
                    } else {
                        Outcome::Filtered {
                            reason: "negator inside a blocker".into(),
                        }
                    }
                }
                _ => Outcome::Rule,
            };
            out.push(Explanation {
                entry_id: e.id.clone(),
                kind: kind_name(lex, e.kind),
                span,
                matched: text.get(span.start..span.end).unwrap_or("").to_owned(),
                source: format!("{}:{}", lex.files[e.file], e.line),
                outcome,
            });
        }
    }
}

fn kind_name(lex: &LangLexicon, k: Kind) -> String {
    match k {
        Kind::Cue(c) => c.name().to_owned(),
        Kind::Latent => "latent".to_owned(),
        Kind::Negator => "negator".to_owned(),
        Kind::Contrast => "contrast".to_owned(),
        Kind::Block => "block".to_owned(),
        Kind::Term(g) => format!(
            "group:{}",
            lex.groups.get(usize::from(g)).map_or("?", String::as_str)
        ),
    }
}

/// Why a homograph filter drops the match, or `None`.
#[allow(clippy::too_many_arguments)]
fn filter(
    lex: &LangLexicon,
    e: &super::lexicon::Entry,
    r: RawMatch,
    text: &str,
    folded: &Folded,
    sentences: &[Span],
    sentence_of: &dyn Fn(usize) -> usize,
    terms: &mut TermScratch,
) -> Option<FilterReason> {
    let f = folded.text.as_str();
    let o = &e.opts;
    if o.proper {
        let os = folded.to_original(r.start);
        let mut chars = text[os..].chars();
        let first = chars.next();
        let second = chars.next();
        if first.is_some_and(char::is_uppercase)
            && second.is_some_and(char::is_lowercase)
            && !sentence_initial(text, os, sentences[sentence_of(os)].start)
        {
            return Some(FilterReason::Proper);
        }
    }
    for g in &o.not_before {
        let q = r.end + f[r.end..].bytes().take_while(|&b| b == b' ').count();
        if q == r.end && !matches!(g, GroupRef::Num) {
            continue;
        }
        let hit = match g {
            GroupRef::Num => q > r.end && f.as_bytes().get(q).is_some_and(u8::is_ascii_digit),
            GroupRef::Named(id) => {
                terms.found.clear();
                term_matches_at(lex, f, q, q + TERM_WINDOW, &mut terms.found);
                terms
                    .found
                    .iter()
                    .any(|r| lex.entries[r.entry as usize].kind == Kind::Term(*id))
            }
        };
        if hit {
            return Some(FilterReason::Before(*g));
        }
    }
    for g in &o.not_after {
        let p = r.start
            - f[..r.start]
                .bytes()
                .rev()
                .take_while(|&b| b == b' ')
                .count();
        let hit = match g {
            GroupRef::Num => {
                p < r.start
                    && f[..p]
                        .bytes()
                        .next_back()
                        .is_some_and(|b| b.is_ascii_digit())
            }
            GroupRef::Named(id) => {
                let window = not_after_window(lex, *id);
                terms_near(
                    lex,
                    f,
                    (p.saturating_sub(window), p),
                    (TermSet::All, TermEnd::End),
                    terms,
                );
                terms.near.iter().any(|&(g, e)| g == *id && e == p)
            }
        };
        if hit {
            return Some(FilterReason::After(*g));
        }
    }
    if !o.not_in_sentence.is_empty() {
        let os = folded.to_original(r.start);
        let sent = sentences[sentence_of(os)];
        // Terms of this sentence only (searched once per sentence).
        let (fa, fb) = (folded.to_folded(sent.start), folded.to_folded(sent.end));
        if terms.sentence != Some(fa) {
            let span = (fa.saturating_sub(1), fb);
            terms_near(lex, f, span, (TermSet::InSentence, TermEnd::Start), terms);
            terms.near.retain(|&(_, s)| s >= fa && s < fb.max(fa + 1));
            std::mem::swap(&mut terms.near, &mut terms.in_sentence);
            terms.sentence = Some(fa);
        }
        let in_sentence: &[(u16, usize)] = &terms.in_sentence;
        for g in &o.not_in_sentence {
            let hit = match g {
                GroupRef::Num => text[sent.start..sent.end]
                    .bytes()
                    .any(|b| b.is_ascii_digit()),
                GroupRef::Named(id) => in_sentence.iter().any(|&(tg, _)| tg == *id),
            };
            if hit {
                return Some(FilterReason::InSentence(*g));
            }
        }
    }
    None
}

/// Buffers of the group-term filters, reused between cues and calls.
#[derive(Debug, Default)]
pub(crate) struct TermScratch {
    /// Raw term matches of the last search.
    found: Vec<RawMatch>,
    /// `(group, position)` of the last [`terms_near`].
    near: Vec<(u16, usize)>,
    /// Folded start of the sentence whose terms `in_sentence` holds.
    sentence: Option<usize>,
    /// `(group, start)` of the terms of that sentence.
    in_sentence: Vec<(u16, usize)>,
}

/// How far around a cue `not-before` and `not-after` look for a group
/// term, in bytes of folded text: terms used there must be shorter.
pub(crate) const TERM_WINDOW: usize = 96;

/// Which end of a group term [`terms_near`] reports.
#[derive(Clone, Copy)]
enum TermEnd {
    Start,
    End,
}

/// Group terms of `set` found in `f[a..b]`, as `(group, position)` with the
/// position of the chosen end, into `terms.near`.
fn terms_near(
    lex: &LangLexicon,
    f: &str,
    (a, b): (usize, usize),
    (set, at): (TermSet, TermEnd),
    terms: &mut TermScratch,
) {
    let TermScratch { found, near, .. } = terms;
    found.clear();
    term_matches(lex, set, f, (a, b), found);
    near.clear();
    near.extend(
        found
            .iter()
            .filter_map(|r| match lex.entries[r.entry as usize].kind {
                Kind::Term(g) => Some((
                    g,
                    match at {
                        TermEnd::Start => r.start,
                        TermEnd::End => r.end,
                    },
                )),
                _ => None,
            }),
    );
}

fn group_label(lex: &LangLexicon, g: GroupRef) -> String {
    match g {
        GroupRef::Num => "a number".to_owned(),
        GroupRef::Named(i) => format!(
            "group {}",
            lex.groups.get(usize::from(i)).map_or("?", String::as_str)
        ),
    }
}

/// True when only opening punctuation and spaces separate `o` from the
/// start of its sentence or from sentence-final punctuation.
fn sentence_initial(text: &str, o: usize, sentence_start: usize) -> bool {
    let mut p = o;
    for c in text[..o].chars().rev() {
        if p <= sentence_start {
            return true;
        }
        if c.is_whitespace() || "\"'“„«(‘[—–-".contains(c) {
            p -= c.len_utf8();
            continue;
        }
        return ".!?…:\n".contains(c);
    }
    true
}

/// True when a negation ending at `from` reaches a cue starting at `to`:
/// at most `window` words between, no clause punctuation, no contrast
/// word.
fn in_scope(f: &str, from: usize, to: usize, window: usize, contrasts: &[usize]) -> bool {
    let gap = &f[from..to];
    let mut words = 0;
    let mut in_word = false;
    for c in gap.chars() {
        if is_word(c) {
            if !in_word {
                words += 1;
                if words > window {
                    // Out of reach: no need to scan the rest of the gap.
                    return false;
                }
                in_word = true;
            }
        } else {
            in_word = false;
            if is_hard_stop(c)
                || matches!(c, ',' | '(' | ')' | '"' | '“' | '”' | '«' | '»' | '—' | '–')
            {
                return false;
            }
        }
    }
    if words > window {
        return false;
    }
    let k = contrasts.partition_point(|&s| s < from);
    contrasts.get(k).is_none_or(|&s| s >= to)
}

/// Byte ranges of direct quotations: “…”, „…“, «…», "…" (‘…’ is not
/// used: it clashes with apostrophes). An unclosed quotation ends at the
/// next paragraph break (a blank line) or at the end of the text. Works on
/// the marks the folding pass collected, so it costs nothing per byte.
/// Marks after `limit` are not read: the regions are exact for offsets up
/// to `limit` (one still open there ends at the end of the text). The
/// regions go to `regions`; `stack` is a buffer.
pub(crate) fn quotation_regions(
    marks: &[(usize, char)],
    text_len: usize,
    limit: usize,
    regions: &mut Vec<(usize, usize)>,
    stack: &mut Vec<char>,
) {
    regions.clear();
    stack.clear();
    let mut open_at = 0;
    for &(i, c) in marks {
        if i > limit {
            break;
        }
        if c == '\u{2029}' {
            if !stack.is_empty() {
                regions.push((open_at, i));
                stack.clear();
            }
            continue;
        }
        if stack.last() == Some(&c) {
            stack.pop();
            if stack.is_empty() {
                regions.push((open_at, i + c.len_utf8()));
            }
        } else if let Some(cl) = match c {
            '“' => Some('”'),
            '„' => Some('“'),
            '«' => Some('»'),
            '"' => Some('"'),
            _ => None,
        } {
            if stack.is_empty() {
                open_at = i;
            }
            stack.push(cl);
        }
    }
    if !stack.is_empty() {
        regions.push((open_at, text_len));
    }
}

fn in_regions(regions: &[(usize, usize)], o: usize) -> bool {
    let k = regions.partition_point(|r| r.1 <= o);
    regions.get(k).is_some_and(|r| r.0 <= o)
}
