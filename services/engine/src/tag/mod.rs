//! Stance tagging: hedge, pessimism and booster cues from Aho-Corasick
//! lexicons, negation-aware, for English and Russian.
//!
//! [`Lexicons`] compiles lexicon sources (plain text, format in
//! `lexicons/README.md`) once into one key automaton per language (walked
//! only from word starts, so most words cost a table probe); it is
//! immutable and `Send + Sync`, so a server shares it behind an `Arc` and
//! swaps the `Arc` on reload. [`tag`] finds the cues of a text whose
//! sentences are already known and scores them. For lexicon authors,
//! [`check`] validates a set of sources (all errors, duplicates, shadowed
//! entries) and [`Lexicons::explain`] shows what every entry did on a text.
//!
//! ```
//! use textstance_engine::{Lang, Lexicons, segment::segment, tag::{Category, tag}};
//!
//! let lex = Lexicons::embedded().expect("built-in lexicons compile");
//! let text = "There is no reason for optimism. Talks will probably resume.";
//! let tagged = tag(text, &segment(text, Lang::En), Lang::En, &lex);
//! let cats: Vec<_> = tagged.cues.iter().map(|c| (c.category, &text[c.span.start..c.span.end])).collect();
//! assert_eq!(cats, [(Category::Pessimism, "no reason for optimism"), (Category::Hedge, "probably")]);
//! assert!(tagged.document_scores.pessimism > 0.0);
//! ```
//!
//! Design positions: matching runs on a folded view (case, Latin
//! diacritics, `ё`, apostrophes, hyphens, whitespace) and every span maps
//! back to the caller's text as a byte range. The engine reads no files and
//! watches nothing: loading a directory and reloading belong to the
//! server/CLI, which call [`Lexicons::compile`]. No function panics on any
//! input text.

mod engine;
mod fold;
mod lexicon;
mod pattern;
mod scan;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

pub use lexicon::{
    LexiconError, LexiconInfo, LexiconSource, LexiconVersion, Lexicons, embedded_sources,
};

use crate::{Lang, Sentence, Span};

/// The stance a cue expresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Lowers commitment.
    Hedge,
    /// Negative outlook.
    Pessimism,
    /// Raises commitment.
    Booster,
}

impl Category {
    /// Lower-case name: `hedge`, `pessimism`, `booster`.
    pub fn name(self) -> &'static str {
        match self {
            Category::Hedge => "hedge",
            Category::Pessimism => "pessimism",
            Category::Booster => "booster",
        }
    }

    /// Parses a lower-case name.
    pub fn from_name(name: &str) -> Option<Category> {
        match name {
            "hedge" => Some(Category::Hedge),
            "pessimism" => Some(Category::Pessimism),
            "booster" => Some(Category::Booster),
            _ => None,
        }
    }
}

/// One cue found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// Byte span in the tagged text. For a cue produced by negation it
    /// starts at the negator ("no reason for optimism").
    pub span: Span,
    /// The stance.
    pub category: Category,
    /// Stable id of the lexicon entry.
    pub entry_id: Arc<str>,
    /// Index of the sentence holding the cue's start.
    pub sentence_index: usize,
    /// True inside a direct quotation (“…”, „…“, «…», "…").
    pub in_quotation: bool,
    /// The entry's weight.
    pub weight: f32,
    /// True when a negation produced this category.
    pub negated: bool,
}

/// Stance strengths, each in `[0, 1)`; see [`tag`] for the formula.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Hedging strength.
    pub hedge: f64,
    /// Pessimism strength.
    pub pessimism: f64,
    /// Booster strength.
    pub booster: f64,
}

/// Cues and scores of one text.
#[derive(Debug, Clone, Default)]
pub struct Tagged {
    /// Cues ordered by start, end, category.
    pub cues: Vec<Cue>,
    /// Scores per sentence, aligned with the sentences given to [`tag`].
    pub sentence_scores: Vec<Scores>,
    /// Scores of the whole text.
    pub document_scores: Scores,
}

/// Weight factor of a cue inside a direct quotation: a quoted speaker's
/// stance counts half towards the writer's scores.
pub const QUOTATION_FACTOR: f64 = 0.5;

/// Finds the cues of `text`, whose sentences are `sentences`, with the
/// lexicon of `lang` (no cues for a language without a lexicon).
///
/// Scores, per category `c`, with `w(q)` the cue weight times
/// [`QUOTATION_FACTOR`] when quoted:
/// - sentence: `1 - exp(-Σ w)` over the sentence's cues of `c`;
/// - document: `1 - exp(-Σ w / sqrt(max(1, n)))` over all cues of `c`,
///   `n` the number of sentences, so longer texts need proportionally more
///   cues (between a sum and a mean; comparable across documents).
pub fn tag(text: &str, sentences: &[Sentence], lang: Lang, lexicons: &Lexicons) -> Tagged {
    thread_local! {
        static SCRATCH: std::cell::RefCell<(fold::Folded, engine::Scratch, Vec<Span>)> =
            std::cell::RefCell::default();
    }
    let mut cues = Vec::new();
    if let Some(lex) = lexicons.lang(lang) {
        SCRATCH.with(|scratch| {
            let mut guard = scratch.borrow_mut();
            let (folded, raws, spans) = &mut *guard;
            folded.refold(text);
            spans.clear();
            spans.extend(sentences.iter().map(|s| s.span));
            engine::run(lex, text, folded, spans, raws, &mut cues, None);
            // Do not keep a huge buffer alive after a huge text.
            if folded.text.capacity() > 1 << 22 {
                *folded = fold::Folded::default();
                *raws = engine::Scratch::default();
            }
        });
        if sentences.is_empty() {
            for c in &mut cues {
                c.sentence_index = 0;
            }
        }
    }
    score(cues, sentences.len())
}

fn score(cues: Vec<Cue>, n_sentences: usize) -> Tagged {
    // Raw weight sums per sentence, squashed in place afterwards (one
    // allocation per text).
    let mut sentence_scores = vec![Scores::default(); n_sentences];
    let mut doc = [0f64; 3];
    for cue in &cues {
        let k = cue.category as usize;
        let q = if cue.in_quotation {
            QUOTATION_FACTOR
        } else {
            1.0
        };
        let w = f64::from(cue.weight) * q;
        if let Some(s) = sentence_scores.get_mut(cue.sentence_index) {
            match cue.category {
                Category::Hedge => s.hedge += w,
                Category::Pessimism => s.pessimism += w,
                Category::Booster => s.booster += w,
            }
        }
        doc[k] += w;
    }
    let squash = |x: f64| if x == 0.0 { 0.0 } else { 1.0 - (-x).exp() };
    let to_scores = |s: [f64; 3], n: f64| Scores {
        hedge: squash(s[0] / n),
        pessimism: squash(s[1] / n),
        booster: squash(s[2] / n),
    };
    for s in &mut sentence_scores {
        *s = to_scores([s.hedge, s.pessimism, s.booster], 1.0);
    }
    let n = (n_sentences.max(1) as f64).sqrt();
    Tagged {
        sentence_scores,
        document_scores: to_scores(doc, n),
        cues,
    }
}

/// What happened to one entry match, for [`Lexicons::explain`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// Became a cue (possibly re-categorized by negation).
    Emitted {
        /// The cue's category.
        category: Category,
        /// True when produced by negation.
        negated: bool,
        /// The cue's span (starts at the negator when negated).
        span: Span,
    },
    /// Suppressed by a blocker.
    Blocked {
        /// The blocker's id.
        by: Arc<str>,
        /// The blocker's span.
        span: Span,
    },
    /// Dropped by a homograph filter.
    Filtered {
        /// Why.
        reason: Arc<str>,
    },
    /// Removed by a negator in scope.
    NegatedAway {
        /// The negator's id.
        by: Arc<str>,
    },
    /// A latent entry without a negator: emits nothing.
    Unnegated,
    /// A longer (or preferred) cue of the same category overlaps it.
    Overlapped {
        /// The winner's id.
        by: Arc<str>,
    },
    /// A rule entry (negator, contrast word, blocker, group term) that
    /// other entries use.
    Rule,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Emitted {
                category,
                negated,
                span,
            } => write!(
                f,
                "emitted {}{} at {}..{}",
                category.name(),
                if *negated { " (by negation)" } else { "" },
                span.start,
                span.end
            ),
            Outcome::Blocked { by, span } => {
                write!(f, "blocked by {by} at {}..{}", span.start, span.end)
            }
            Outcome::Filtered { reason } => write!(f, "filtered: {reason}"),
            Outcome::NegatedAway { by } => write!(f, "negated away by {by}"),
            Outcome::Unnegated => write!(f, "latent, no negator in scope"),
            Outcome::Overlapped { by } => write!(f, "overlapped by {by}"),
            Outcome::Rule => write!(f, "rule"),
        }
    }
}

/// One entry match on a text and its fate.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The entry's id.
    pub entry_id: Arc<str>,
    /// The entry's kind: `hedge`, `pessimism`, `booster`, `latent`,
    /// `negator`, `contrast`, `block` or `group:NAME`.
    pub kind: String,
    /// The matched byte span in the text.
    pub span: Span,
    /// The matched text.
    pub matched: String,
    /// Where the entry is defined: `file:line`.
    pub source: String,
    /// What happened to the match.
    pub outcome: Outcome,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}..{} {:?} {} [{}] ({}): {}",
            self.span.start,
            self.span.end,
            self.matched,
            self.entry_id,
            self.kind,
            self.source,
            self.outcome
        )
    }
}

impl Lexicons {
    /// Every entry match on `text` (segmented with the rules of `lang`) and
    /// what happened to it: emitted, blocked (by which blocker), filtered
    /// (which homograph rule), negated away, overlapped, or a rule. In text
    /// order. Empty for a language without a lexicon.
    pub fn explain(&self, text: &str, lang: Lang) -> Vec<Explanation> {
        if self.lang(lang).is_none() {
            return Vec::new();
        }
        self.explain_sentences(text, &crate::segment::segment(text, lang), lang)
    }

    /// Like [`Lexicons::explain`] with sentences already known (the same
    /// ones given to [`tag`], so the two agree).
    pub fn explain_sentences(
        &self,
        text: &str,
        sentences: &[Sentence],
        lang: Lang,
    ) -> Vec<Explanation> {
        let Some(lex) = self.lang(lang) else {
            return Vec::new();
        };
        let folded = fold::Folded::new(text);
        let spans: Vec<Span> = sentences.iter().map(|s| s.span).collect();
        let mut cues = Vec::new();
        let mut out = Vec::new();
        engine::run(
            lex,
            text,
            &folded,
            &spans,
            &mut engine::Scratch::default(),
            &mut cues,
            Some(&mut out),
        );
        out
    }
}

/// A warning found by [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIssue {
    /// The source holding the entry.
    pub file: String,
    /// Its 1-based line.
    pub line: usize,
    /// The entry's id.
    pub entry_id: String,
    /// What kind of problem.
    pub kind: IssueKind,
    /// Human-readable detail naming the other entry and its `file:line`.
    pub message: String,
}

/// Kinds of [`CheckIssue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IssueKind {
    /// Same pattern as an earlier entry.
    Duplicate,
    /// On its own text another entry of the same category wins the overlap.
    Shadowed,
    /// On its own text a blocker suppresses it.
    Blocked,
    /// It does not even match its own text (e.g. a filter rejects it).
    NeverMatches,
}

impl fmt::Display for CheckIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = match self.kind {
            IssueKind::Duplicate => "duplicate",
            IssueKind::Shadowed => "shadowed",
            IssueKind::Blocked => "blocked",
            IssueKind::NeverMatches => "never matches",
        };
        write!(
            f,
            "{}:{}: {k}: {} {}",
            self.file, self.line, self.entry_id, self.message
        )
    }
}

/// The result of [`check`].
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Errors: the set would be rejected by [`Lexicons::compile`].
    pub errors: Vec<LexiconError>,
    /// Warnings: the set compiles, but these entries are redundant or dead.
    pub issues: Vec<CheckIssue>,
    /// Entries per language (`code`, count) when the set compiles.
    pub entries: Vec<(String, usize)>,
    /// Version and hash when the set compiles.
    pub version: Option<LexiconVersion>,
}

impl CheckReport {
    /// True when there are no errors (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Validates lexicon sources for authors: every parse error (not just the
/// first), duplicate patterns, and entries shadowed or blocked by other
/// entries on their own sample text. A `CheckReport` with no errors means
/// [`Lexicons::compile`] accepts the same sources.
pub fn check(sources: &[LexiconSource]) -> CheckReport {
    let mut report = CheckReport::default();
    let lexicons = match lexicon::parse_all(sources) {
        Err(errors) => {
            report.errors = errors;
            return report;
        }
        Ok(_) => match Lexicons::compile(sources.iter().cloned()) {
            Ok(l) => l,
            Err(e) => {
                report.errors.push(e);
                return report;
            }
        },
    };
    report.version = Some(lexicons.version().clone());
    for lex in &lexicons.langs {
        report
            .entries
            .push((lex.info.language.clone(), lex.entries.len()));
        let mut seen: std::collections::HashMap<(&pattern::Pattern, &lexicon::Opts), usize> =
            std::collections::HashMap::new();
        for (i, e) in lex.entries.iter().enumerate() {
            if matches!(e.kind, lexicon::Kind::Term(_)) {
                continue;
            }
            if let Some(&j) = seen.get(&(&e.pattern, &e.opts)) {
                let first = &lex.entries[j];
                report.issues.push(CheckIssue {
                    file: lex.files[e.file].clone(),
                    line: e.line,
                    entry_id: e.id.to_string(),
                    kind: IssueKind::Duplicate,
                    message: format!(
                        "has the same pattern as {} ({}:{}){}",
                        first.id,
                        lex.files[first.file],
                        first.line,
                        if first.kind == e.kind {
                            ""
                        } else {
                            " with another kind"
                        }
                    ),
                });
                continue;
            }
            seen.insert((&e.pattern, &e.opts), i);
            if !matches!(e.kind, lexicon::Kind::Cue(_) | lexicon::Kind::Latent) {
                continue;
            }
            let sample = e.pattern.sample();
            let folded = fold::Folded::new(&sample);
            let mut cues = Vec::new();
            let mut ex = Vec::new();
            engine::run(
                lex,
                &sample,
                &folded,
                &[],
                &mut engine::Scratch::default(),
                &mut cues,
                Some(&mut ex),
            );
            let own = ex
                .iter()
                .find(|x| *x.entry_id == *e.id && x.span.start == 0);
            // Another entry of the same kind covering the whole sample makes
            // this one redundant even when this one wins the tie.
            let covering = own.and_then(|o| {
                ex.iter().find(|x| {
                    *x.entry_id != *e.id
                        && x.kind == o.kind
                        && lex
                            .entries
                            .iter()
                            .find(|y| *y.id == *x.entry_id)
                            .is_some_and(|y| y.pattern != e.pattern)
                        && x.span.start <= o.span.start
                        && x.span.end >= o.span.end
                })
            });
            let (kind, message, by) = match (own.map(|x| &x.outcome), covering) {
                (None, _) => (
                    IssueKind::NeverMatches,
                    format!("does not match its own sample {sample:?}"),
                    None,
                ),
                (Some(Outcome::Blocked { by, .. }), _) => (
                    IssueKind::Blocked,
                    format!("is blocked by {by} on {sample:?}"),
                    Some(by.clone()),
                ),
                (Some(Outcome::Overlapped { by }), _) => (
                    IssueKind::Shadowed,
                    format!("loses to {by} on {sample:?}"),
                    Some(by.clone()),
                ),
                (Some(_), Some(c)) => (
                    IssueKind::Shadowed,
                    format!("is covered by {} on {sample:?}", c.entry_id),
                    Some(c.entry_id.clone()),
                ),
                (Some(_), None) => continue,
            };
            let by_src = |id: &str| {
                lex.entries
                    .iter()
                    .find(|x| &*x.id == id)
                    .map(|x| format!(" ({}:{})", lex.files[x.file], x.line))
                    .unwrap_or_default()
            };
            let suffix = by.map(|b| by_src(&b)).unwrap_or_default();
            report.issues.push(CheckIssue {
                file: lex.files[e.file].clone(),
                line: e.line,
                entry_id: e.id.to_string(),
                kind,
                message: message + &suffix,
            });
        }
    }
    report
}

/// The fuzz target's body, public so that the cargo-fuzz target and a
/// proptest share it. The first byte picks the mode: even bytes tag the
/// rest (as lossy UTF-8) in English or Russian with the default lexicons
/// and check invariants; odd bytes compile the rest as a lexicon source
/// and, when it compiles, tag a fixed text with it. Panics on a violated
/// invariant, never on input.
#[doc(hidden)]
pub fn fuzz_tag(data: &[u8]) {
    use std::sync::OnceLock;
    static DEFAULT: OnceLock<Option<Lexicons>> = OnceLock::new();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if mode % 2 == 0 {
        let Some(lex) = DEFAULT.get_or_init(|| Lexicons::embedded().ok()) else {
            return;
        };
        let lang = if mode % 4 == 0 { Lang::En } else { Lang::Ru };
        let sentences = simple_sentences(&text);
        let t = tag(&text, &sentences, lang, lex);
        check_tagged(&text, &sentences, &t);
        let ex = lex.explain_sentences(&text, &sentences, lang);
        for e in &ex {
            assert!(text.get(e.span.start..e.span.end).is_some(), "explain span");
        }
        let emitted = ex
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Emitted { .. }))
            .count();
        assert_eq!(emitted, t.cues.len(), "explain and tag agree");
    } else {
        let src = LexiconSource::new("fuzz.lex", format!("@version 1\n@language en\n{text}"));
        let report = check(std::slice::from_ref(&src));
        match Lexicons::compile([src]) {
            Ok(lex) => {
                assert!(report.is_ok(), "check and compile agree");
                let sample = "It would be naive to expect no progress, probably.";
                let s = simple_sentences(sample);
                let t = tag(sample, &s, Lang::En, &lex);
                check_tagged(sample, &s, &t);
            }
            Err(e) => {
                assert!(!report.is_ok(), "check and compile agree");
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

/// Sentences split after `.`, `!`, `?` and line breaks: the fuzz body's own
/// splitter, so that it exercises the tagger alone.
fn simple_sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if matches!(b, b'.' | b'!' | b'?' | b'\n') || i + 1 == text.len() {
            if i + 1 > start {
                out.push(Sentence {
                    span: Span::new(start, i + 1),
                    kind: crate::segment::SentenceKind::Sentence,
                });
            }
            start = i + 1;
        }
    }
    out
}

fn check_tagged(text: &str, sentences: &[Sentence], t: &Tagged) {
    assert_eq!(t.sentence_scores.len(), sentences.len());
    let mut prev = (0, 0);
    for c in &t.cues {
        assert!(c.span.start < c.span.end, "non-empty cue");
        assert!(
            text.get(c.span.start..c.span.end).is_some(),
            "cue on char boundaries"
        );
        assert!((c.span.start, c.span.end) >= prev, "cues ordered");
        prev = (c.span.start, c.span.end);
        assert!(sentences.is_empty() || c.sentence_index < sentences.len());
    }
    for cat in [Category::Hedge, Category::Pessimism, Category::Booster] {
        let spans: Vec<Span> = t
            .cues
            .iter()
            .filter(|c| c.category == cat)
            .map(|c| c.span)
            .collect();
        for w in spans.windows(2) {
            assert!(w[0].end <= w[1].start, "same-category cues do not overlap");
        }
    }
    for s in t
        .sentence_scores
        .iter()
        .chain(std::iter::once(&t.document_scores))
    {
        for v in [s.hedge, s.pessimism, s.booster] {
            assert!((0.0..1.0).contains(&v), "score in [0, 1)");
        }
    }
}

impl Lexicons {
    /// Folds `text` and returns the number of verified entry matches (before
    /// blockers, filters and negation). For benches that split the cost of
    /// [`tag`] into stages; not a stable API.
    #[doc(hidden)]
    pub fn count_raw_matches(&self, text: &str, lang: Lang) -> usize {
        let Some(lex) = self.lang(lang) else {
            return 0;
        };
        let folded = fold::Folded::new(text);
        let mut raws = Vec::new();
        engine::raw_matches(lex, &folded, &mut raws);
        raws.len()
    }

    /// Folds `text` and returns the folded length. For benches; not a
    /// stable API.
    #[doc(hidden)]
    pub fn fold_len(text: &str) -> usize {
        fold::Folded::new(text).text.len()
    }
}
