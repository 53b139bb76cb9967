//! Lexicon sources and their compilation: parsing the file format (see
//! `lexicons/README.md`), merging the files of one language, and building
//! one key matcher per language (an anchored Aho-Corasick trie walked at
//! word starts, see `scan`), plus one for group terms.
//!
//! Compilation validates everything once: a bad line is rejected with
//! `file:line: reason`, and the result is immutable and `Send + Sync`, so
//! a server can share it behind an `Arc` and swap it on reload.

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::Category;
use super::pattern::Pattern;
use super::scan::KeyMatcher;
use crate::Lang;

/// One lexicon file's name and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconSource {
    /// File name (a path relative to the lexicon directory), used in error
    /// messages and reports.
    pub name: String,
    /// The file's text.
    pub text: String,
}

impl LexiconSource {
    /// A source from a name and a text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> LexiconSource {
        LexiconSource {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// A lexicon that failed to compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LexiconError {
    /// A line is wrong.
    #[error("{file}:{line}: {reason}")]
    Parse {
        /// The source's name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The automaton could not be built.
    #[error("{file}:0: cannot build automaton: {reason}")]
    Build {
        /// The language's first source name.
        file: String,
        /// The builder's message.
        reason: String,
    },
    /// No source was given.
    #[error("no lexicon sources")]
    Empty,
}

/// Version and content hash of a lexicon or a set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LexiconVersion {
    /// Declared version(s): the distinct `@version` values, sorted, joined
    /// with `+`.
    pub version: String,
    /// Hex SHA-256 over the sources (sorted by name; name, NUL, text, NUL).
    pub content_hash: String,
}

/// Description of the compiled lexicon of one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconInfo {
    /// Name: the language code (all files of a language form one lexicon).
    pub name: String,
    /// Language code.
    pub language: String,
    /// Entry counts per output category.
    pub categories: Vec<(Category, usize)>,
    /// Rule entries: negators, contrast words, blockers, latent entries and
    /// group terms.
    pub rule_count: usize,
    /// Version and hash of this language's sources.
    pub version: LexiconVersion,
    /// The source names of this language.
    pub files: Vec<String>,
    /// Estimated heap memory of the compiled lexicon, in bytes (automaton
    /// plus tables).
    pub memory_bytes: usize,
}

/// What an entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// Emits a cue.
    Cue(Category),
    /// Emits nothing unless negated (`optimism`, `doubt`).
    Latent,
    /// Opens a negation scope.
    Negator,
    /// Ends negation scopes (`but`, `однако`).
    Contrast,
    /// Suppresses the entries inside its span.
    Block,
    /// A member of a named group used by filters.
    Term(u16),
}

/// What negation does to a cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NegAction {
    /// Unchanged.
    Keep,
    /// Removed.
    Drop,
    /// Becomes this category (span extended to the negator).
    To(Category),
}

/// A reference to a group in a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum GroupRef {
    /// A named group.
    Named(u16),
    /// Any number.
    Num,
}

/// Bits of [`Opts::blocks`].
pub(crate) const BLOCK_HEDGE: u8 = 1;
pub(crate) const BLOCK_PESSIMISM: u8 = 2;
pub(crate) const BLOCK_BOOSTER: u8 = 4;
pub(crate) const BLOCK_LATENT: u8 = 8;
pub(crate) const BLOCK_NEGATOR: u8 = 16;

/// Entry options.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Opts {
    pub(crate) neg: Option<NegAction>,
    pub(crate) proper: bool,
    pub(crate) not_before: Vec<GroupRef>,
    pub(crate) not_after: Vec<GroupRef>,
    pub(crate) not_in_sentence: Vec<GroupRef>,
    pub(crate) blocks: u8,
    pub(crate) prio: i32,
}

/// One compiled entry.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) id: Arc<str>,
    pub(crate) kind: Kind,
    pub(crate) weight: f32,
    pub(crate) pattern: Pattern,
    pub(crate) opts: Opts,
    /// Index into [`LangLexicon::files`].
    pub(crate) file: usize,
    pub(crate) line: usize,
}

impl Entry {
    /// The bit of this entry in a blocker's mask.
    pub(crate) fn block_bit(&self) -> u8 {
        match self.kind {
            Kind::Cue(Category::Hedge) => BLOCK_HEDGE,
            Kind::Cue(Category::Pessimism) => BLOCK_PESSIMISM,
            Kind::Cue(Category::Booster) => BLOCK_BOOSTER,
            Kind::Latent => BLOCK_LATENT,
            Kind::Negator => BLOCK_NEGATOR,
            _ => 0,
        }
    }

    /// The negation action, with the defaults per kind.
    pub(crate) fn neg_action(&self) -> NegAction {
        self.opts.neg.unwrap_or(match self.kind {
            Kind::Cue(Category::Hedge) => NegAction::Keep,
            Kind::Cue(Category::Booster) => NegAction::To(Category::Hedge),
            _ => NegAction::Drop,
        })
    }
}

/// The compiled lexicon of one language.
#[derive(Debug)]
pub(crate) struct LangLexicon {
    pub(crate) lang: Lang,
    pub(crate) automaton: KeyMatcher,
    /// For each automaton key: the `(entry, alternative)` pairs keyed by
    /// it.
    pub(crate) keys: Vec<Vec<KeyPair>>,
    /// Automaton of the group terms, searched on demand by filters.
    pub(crate) term_automaton: KeyMatcher,
    /// Like `keys`, for `term_automaton`.
    pub(crate) term_keys: Vec<Vec<KeyPair>>,
    /// The terms of the groups some `not-in-sentence` names, alone: a
    /// sentence is searched for those only.
    pub(crate) sentence_term_automaton: KeyMatcher,
    /// Like `keys`, for `sentence_term_automaton`.
    pub(crate) sentence_term_keys: Vec<Vec<KeyPair>>,
    pub(crate) entries: Vec<Entry>,
    pub(crate) groups: Vec<String>,
    /// For each group: the longest match of its terms in folded bytes when
    /// every term is one literal (a match is then exactly its key), else
    /// `None`. Bounds the window a `not-after` search needs.
    pub(crate) group_spans: Vec<Option<usize>>,
    pub(crate) negation_window: usize,
    pub(crate) files: Vec<String>,
    pub(crate) info: LexiconInfo,
}

/// Compiled lexicons for every language, immutable and shareable.
#[derive(Debug)]
pub struct Lexicons {
    pub(crate) langs: Vec<LangLexicon>,
    version: LexiconVersion,
}

macro_rules! embedded {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../lexicons/", $path)))),*]
    };
}

/// The default lexicon files, embedded in the binary.
pub(crate) const EMBEDDED: &[(&str, &str)] = embedded![
    "en/hedge.lex",
    "en/pessimism.lex",
    "en/booster.lex",
    "en/rules.lex",
    "ru/hedge.lex",
    "ru/pessimism.lex",
    "ru/booster.lex",
    "ru/rules.lex",
];

/// Negation window used when a language sets none (words between the
/// negator and the cue).
pub(crate) const DEFAULT_NEGATION_WINDOW: usize = 4;

impl Lexicons {
    /// The default lexicons built into the binary (`lexicons/` in the
    /// crate).
    pub fn embedded() -> Result<Lexicons, LexiconError> {
        Lexicons::compile(embedded_sources())
    }

    /// Compiles lexicon sources. Files with the same `@language` form one
    /// lexicon; the first error is returned (use [`super::check`] for all of
    /// them).
    pub fn compile(
        sources: impl IntoIterator<Item = LexiconSource>,
    ) -> Result<Lexicons, LexiconError> {
        let mut sources: Vec<LexiconSource> = sources.into_iter().collect();
        if sources.is_empty() {
            return Err(LexiconError::Empty);
        }
        sources.sort_by(|a, b| a.name.cmp(&b.name));
        let parsed = parse_all(&sources).map_err(|mut errs| errs.swap_remove(0))?;
        let mut langs = Vec::new();
        for p in parsed {
            langs.push(p.build()?);
        }
        let mut versions: Vec<String> = langs
            .iter()
            .flat_map(|l| l.info.version.version.split('+').map(str::to_owned))
            .collect();
        versions.sort();
        versions.dedup();
        Ok(Lexicons {
            langs,
            version: LexiconVersion {
                version: versions.join("+"),
                content_hash: hash_sources(sources.iter()),
            },
        })
    }

    /// Version and hash of the whole set.
    pub fn version(&self) -> &LexiconVersion {
        &self.version
    }

    /// Description of each language's lexicon.
    pub fn info(&self) -> impl Iterator<Item = &LexiconInfo> {
        self.langs.iter().map(|l| &l.info)
    }

    /// Estimated heap memory of all compiled lexicons, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.langs.iter().map(|l| l.info.memory_bytes).sum()
    }

    pub(crate) fn lang(&self, lang: Lang) -> Option<&LangLexicon> {
        self.langs.iter().find(|l| l.lang == lang)
    }
}

/// The embedded default sources, e.g. to write them out as a starting point
/// for a lexicon directory.
pub fn embedded_sources() -> Vec<LexiconSource> {
    EMBEDDED
        .iter()
        .map(|(n, t)| LexiconSource::new(*n, *t))
        .collect()
}

fn hash_sources<'a>(sources: impl Iterator<Item = &'a LexiconSource>) -> String {
    let mut h = Sha256::new();
    for s in sources {
        h.update(s.name.as_bytes());
        h.update([0]);
        h.update(s.text.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())
}

/// One parsed entry before group resolution.
#[derive(Debug)]
pub(crate) struct RawEntry {
    pub(crate) id: String,
    pub(crate) kind: RawKind,
    pub(crate) weight: f32,
    pub(crate) pattern: Pattern,
    pub(crate) opts: RawOpts,
    pub(crate) file: usize,
    pub(crate) line: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum RawKind {
    Kind(Kind),
    Term(String),
}

#[derive(Debug, Default)]
pub(crate) struct RawOpts {
    neg: Option<NegAction>,
    proper: bool,
    not_before: Vec<String>,
    not_after: Vec<String>,
    not_in_sentence: Vec<String>,
    blocks: Option<u8>,
    prio: i32,
}

/// The parsed sources of one language.
#[derive(Debug)]
pub(crate) struct ParsedLang {
    pub(crate) language: String,
    pub(crate) files: Vec<String>,
    pub(crate) texts: Vec<String>,
    pub(crate) versions: Vec<String>,
    pub(crate) entries: Vec<RawEntry>,
    pub(crate) negation_window: Option<usize>,
}

/// Parses every source, grouping by language; returns every error found.
pub(crate) fn parse_all(sources: &[LexiconSource]) -> Result<Vec<ParsedLang>, Vec<LexiconError>> {
    let mut langs: Vec<ParsedLang> = Vec::new();
    let mut errors = Vec::new();
    for src in sources {
        let err = |line: usize, reason: String| LexiconError::Parse {
            file: src.name.clone(),
            line,
            reason,
        };
        let mut version: Option<String> = None;
        let mut lang_idx: Option<usize> = None;
        let mut first_entry_line = 0;
        let mut bad_language = false;
        for (n, raw) in src.text.lines().enumerate() {
            let ln = n + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('@') {
                let (key, value) = rest
                    .split_once(char::is_whitespace)
                    .map_or((rest, ""), |(k, v)| (k, v.trim()));
                match key {
                    "version" => {
                        if value.is_empty() || value.contains(char::is_whitespace) {
                            errors.push(err(ln, "@version needs one word".to_owned()));
                        }
                        version = Some(value.to_owned());
                    }
                    "language" => {
                        if lang_idx.is_some() {
                            errors.push(err(ln, "@language given twice".to_owned()));
                            continue;
                        }
                        if Lang::from_code(value) == Lang::Other {
                            errors
                                .push(err(ln, format!("unsupported language {value:?} (en, ru)")));
                            bad_language = true;
                            continue;
                        }
                        let code = value.to_ascii_lowercase();
                        let idx = match langs.iter().position(|l| l.language == code) {
                            Some(i) => i,
                            None => {
                                langs.push(ParsedLang {
                                    language: code,
                                    files: Vec::new(),
                                    texts: Vec::new(),
                                    versions: Vec::new(),
                                    entries: Vec::new(),
                                    negation_window: None,
                                });
                                langs.len() - 1
                            }
                        };
                        langs[idx].files.push(src.name.clone());
                        langs[idx].texts.push(src.text.clone());
                        lang_idx = Some(idx);
                    }
                    "group" => {
                        let Some(li) = lang_idx else {
                            errors.push(err(ln, "@group before @language".to_owned()));
                            continue;
                        };
                        let Some((name, members)) = value.split_once(':') else {
                            errors
                                .push(err(ln, "expected @group NAME: pattern; pattern".to_owned()));
                            continue;
                        };
                        let name = name.trim();
                        if !valid_name(name) {
                            errors.push(err(ln, format!("bad group name {name:?}")));
                            continue;
                        }
                        let file = langs[li].files.len() - 1;
                        for (k, m) in members.split(';').enumerate() {
                            let m = m.trim();
                            if m.is_empty() {
                                continue;
                            }
                            match Pattern::parse(m) {
                                Ok(pattern) => langs[li].entries.push(RawEntry {
                                    id: format!("@{name}.{k}"),
                                    kind: RawKind::Term(name.to_owned()),
                                    weight: 0.0,
                                    pattern,
                                    opts: RawOpts::default(),
                                    file,
                                    line: ln,
                                }),
                                Err(e) => errors.push(err(ln, format!("group {name}: {e}"))),
                            }
                        }
                    }
                    "negation-window" => {
                        let Some(li) = lang_idx else {
                            errors.push(err(ln, "@negation-window before @language".to_owned()));
                            continue;
                        };
                        match value.parse::<usize>() {
                            Ok(v) if v <= 12 => langs[li].negation_window = Some(v),
                            _ => errors.push(err(
                                ln,
                                format!("@negation-window {value:?}: expected 0..=12"),
                            )),
                        }
                    }
                    other => errors.push(err(ln, format!("unknown directive @{other}"))),
                }
                continue;
            }
            let Some(li) = lang_idx else {
                errors.push(err(ln, "entry before @language".to_owned()));
                continue;
            };
            if first_entry_line == 0 {
                first_entry_line = ln;
            }
            let file = langs[li].files.len() - 1;
            match parse_entry(line) {
                Ok(mut e) => {
                    e.file = file;
                    e.line = ln;
                    langs[li].entries.push(e);
                }
                Err(reason) => errors.push(err(ln, reason)),
            }
        }
        match (&version, lang_idx) {
            (None, _) => errors.push(err(1, "missing @version".to_owned())),
            (_, None) if bad_language => {}
            (_, None) => errors.push(err(1, "missing @language".to_owned())),
            (Some(v), Some(li)) => langs[li].versions.push(v.clone()),
        }
    }
    // Duplicate ids within a language.
    for l in &langs {
        let mut seen: HashMap<&str, &RawEntry> = HashMap::new();
        for e in &l.entries {
            if matches!(e.kind, RawKind::Term(_)) {
                continue;
            }
            if let Some(first) = seen.insert(e.id.as_str(), e) {
                errors.push(LexiconError::Parse {
                    file: l.files[e.file].clone(),
                    line: e.line,
                    reason: format!(
                        "duplicate id {} (first at {}:{})",
                        e.id, l.files[first.file], first.line
                    ),
                });
            }
        }
    }
    // Group references must resolve.
    for l in &langs {
        let names: Vec<&str> = l
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                RawKind::Term(n) => Some(n.as_str()),
                RawKind::Kind(_) => None,
            })
            .collect();
        for e in &l.entries {
            for g in e
                .opts
                .not_before
                .iter()
                .chain(&e.opts.not_after)
                .chain(&e.opts.not_in_sentence)
            {
                if g != "#num" && !names.contains(&g.as_str()) {
                    errors.push(LexiconError::Parse {
                        file: l.files[e.file].clone(),
                        line: e.line,
                        reason: format!("unknown group {g:?}"),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(langs)
    } else {
        errors.sort_by(|a, b| match (a, b) {
            (
                LexiconError::Parse {
                    file: fa, line: la, ..
                },
                LexiconError::Parse {
                    file: fb, line: lb, ..
                },
            ) => (fa, la).cmp(&(fb, lb)),
            _ => std::cmp::Ordering::Equal,
        });
        Err(errors)
    }
}

fn split_field(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Parses `KIND ID WEIGHT PATTERN [{OPTIONS}]`.
fn parse_entry(line: &str) -> Result<RawEntry, String> {
    let (k, r) = split_field(line);
    let (i, r) = split_field(r);
    let (w, r) = split_field(r);
    if w.is_empty() {
        return Err("expected KIND ID WEIGHT PATTERN".to_owned());
    }
    let mut pattern_src = r.trim();
    if !valid_name(i) {
        return Err(format!("bad id {i:?}: use letters, digits, '_', '-', '.'"));
    }
    let kind = match k {
        "hedge" => Kind::Cue(Category::Hedge),
        "pessimism" => Kind::Cue(Category::Pessimism),
        "booster" => Kind::Cue(Category::Booster),
        "latent" => Kind::Latent,
        "negator" => Kind::Negator,
        "contrast" => Kind::Contrast,
        "block" => Kind::Block,
        other => {
            return Err(format!(
                "unknown kind {other:?} (hedge, pessimism, booster, latent, negator, contrast, block)"
            ));
        }
    };
    let weight = if w == "-" {
        0.0
    } else {
        match w.parse::<f32>() {
            Ok(v) if v.is_finite() && (0.0..=10.0).contains(&v) => v,
            _ => return Err(format!("weight {w:?} is not a number in 0..=10")),
        }
    };
    let mut opts = RawOpts::default();
    if let Some(open) = pattern_src.rfind('{') {
        let Some(body) = pattern_src[open + 1..].strip_suffix('}') else {
            return Err("options must end the line: {...}".to_owned());
        };
        opts = parse_opts(body)?;
        pattern_src = pattern_src[..open].trim();
    }
    if pattern_src.is_empty() {
        return Err("missing pattern".to_owned());
    }
    let pattern = Pattern::parse(pattern_src)?;
    if opts.blocks.is_some() && kind != Kind::Block {
        return Err("blocks= is only for block entries".to_owned());
    }
    Ok(RawEntry {
        id: i.to_owned(),
        kind: RawKind::Kind(kind),
        weight,
        pattern,
        opts,
        file: 0,
        line: 0,
    })
}

fn parse_opts(body: &str) -> Result<RawOpts, String> {
    let mut o = RawOpts::default();
    for item in body.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (k, v) = item
            .split_once('=')
            .map_or((item, ""), |(k, v)| (k.trim(), v.trim()));
        let list = || -> Vec<String> {
            v.split('|')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        match k {
            "neg" => {
                o.neg = Some(match v {
                    "keep" => NegAction::Keep,
                    "drop" => NegAction::Drop,
                    other => NegAction::To(Category::from_name(other).ok_or_else(|| {
                        format!("neg={other:?}: expected keep, drop, hedge, pessimism or booster")
                    })?),
                });
            }
            "proper" if v.is_empty() => o.proper = true,
            "not-before" => o.not_before.extend(list()),
            "not-after" => o.not_after.extend(list()),
            "not-in-sentence" => o.not_in_sentence.extend(list()),
            "blocks" => {
                let mut mask = 0;
                for t in list() {
                    mask |= match t.as_str() {
                        "hedge" => BLOCK_HEDGE,
                        "pessimism" => BLOCK_PESSIMISM,
                        "booster" => BLOCK_BOOSTER,
                        "latent" => BLOCK_LATENT,
                        "negator" => BLOCK_NEGATOR,
                        other => return Err(format!("blocks: unknown target {other:?}")),
                    };
                }
                o.blocks = Some(mask);
            }
            "prio" => {
                o.prio = v
                    .parse()
                    .map_err(|_| format!("prio={v:?} is not an integer"))?;
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(o)
}

impl ParsedLang {
    /// Resolves groups and builds the automaton.
    pub(crate) fn build(self) -> Result<LangLexicon, LexiconError> {
        let mut groups: Vec<String> = Vec::new();
        for e in &self.entries {
            if let RawKind::Term(n) = &e.kind
                && !groups.contains(n)
            {
                groups.push(n.clone());
            }
        }
        let gref = |s: &String| -> GroupRef {
            if s == "#num" {
                GroupRef::Num
            } else {
                let i = groups.iter().position(|g| g == s).unwrap_or(0);
                GroupRef::Named(i as u16)
            }
        };
        let mut entries = Vec::with_capacity(self.entries.len());
        // Main automaton: cues, latent entries, negators, contrast words,
        // blockers. Group terms get their own, searched only on demand.
        let mut main = KeySet::default();
        let mut terms = KeySet::default();
        let mut sentence_terms = KeySet::default();
        let in_sentence_groups: Vec<bool> = groups
            .iter()
            .map(|g| {
                self.entries
                    .iter()
                    .any(|e| e.opts.not_in_sentence.contains(g))
            })
            .collect();
        let mut group_spans: Vec<Option<usize>> = vec![Some(0); groups.len()];
        for (ei, e) in self.entries.into_iter().enumerate() {
            let kind = match &e.kind {
                RawKind::Kind(k) => *k,
                RawKind::Term(n) => {
                    Kind::Term(groups.iter().position(|g| g == n).unwrap_or(0) as u16)
                }
            };
            if let Some(super::pattern::Elem::Words(alts)) = e.pattern.elems.first() {
                for (ai, a) in alts.iter().enumerate() {
                    // Non-glued keys carry the space before the word start, so
                    // the automaton only reports word starts.
                    let set = if matches!(kind, Kind::Term(_)) {
                        &mut terms
                    } else {
                        &mut main
                    };
                    let whole = (e.pattern.elems.len() == 1 && !a.stem)
                        .then(|| e.pattern.keys(a))
                        .and_then(|k| k.into_iter().next());
                    if let Kind::Term(g) = kind
                        && let Some(span) = group_spans.get_mut(usize::from(g))
                    {
                        // A whole-pattern literal has one key: its text.
                        *span = match (*span, &whole) {
                            (Some(n), Some(_)) => Some(n.max(a.text.len())),
                            _ => None,
                        };
                    }
                    let in_sentence = matches!(kind, Kind::Term(g)
                        if in_sentence_groups.get(usize::from(g)) == Some(&true));
                    for key in e.pattern.keys(a) {
                        // The key is the whole pattern: only the word end
                        // is left to check.
                        let literal = whole.as_ref() == Some(&key);
                        let pair = KeyPair {
                            entry: ei as u32,
                            alt: ai as u16,
                            literal,
                        };
                        if in_sentence {
                            sentence_terms.add(key.clone(), pair);
                        }
                        set.add(key, pair);
                    }
                }
            }
            let opts = Opts {
                neg: e.opts.neg,
                proper: e.opts.proper,
                not_before: e.opts.not_before.iter().map(gref).collect(),
                not_after: e.opts.not_after.iter().map(gref).collect(),
                not_in_sentence: e.opts.not_in_sentence.iter().map(gref).collect(),
                blocks: e
                    .opts
                    .blocks
                    .unwrap_or(BLOCK_HEDGE | BLOCK_PESSIMISM | BLOCK_BOOSTER | BLOCK_LATENT),
                prio: e.opts.prio,
            };
            entries.push(Entry {
                id: Arc::from(e.id.as_str()),
                kind,
                weight: e.weight,
                pattern: e.pattern,
                opts,
                file: e.file,
                line: e.line,
            });
        }
        let file = self.files.first().cloned().unwrap_or_default();
        let automaton = main.build(&file)?;
        let term_automaton = terms.build(&file)?;
        let sentence_term_automaton = sentence_terms.build(&file)?;
        let keys = main.entries;
        let term_keys = terms.entries;
        let sentence_term_keys = sentence_terms.entries;
        let mut counts: Vec<(Category, usize)> = Vec::new();
        let mut rules = 0;
        for e in &entries {
            match e.kind {
                Kind::Cue(c) => match counts.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((c, 1)),
                },
                _ => rules += 1,
            }
        }
        counts.sort();
        let mut versions = self.versions.clone();
        versions.sort();
        versions.dedup();
        let mut srcs: Vec<LexiconSource> = self
            .files
            .iter()
            .zip(&self.texts)
            .map(|(n, t)| LexiconSource::new(n.clone(), t.clone()))
            .collect();
        srcs.sort_by(|a, b| a.name.cmp(&b.name));
        let memory_bytes = automaton.memory_usage()
            + term_automaton.memory_usage()
            + sentence_term_automaton.memory_usage()
            + keys
                .iter()
                .chain(&term_keys)
                .chain(&sentence_term_keys)
                .map(|k| 24 + k.capacity() * 8)
                .sum::<usize>()
            + entries
                .iter()
                .map(|e| {
                    std::mem::size_of::<Entry>()
                        + e.id.len()
                        + e.pattern
                            .elems
                            .iter()
                            .map(|el| match el {
                                super::pattern::Elem::Words(a) => {
                                    a.iter().map(|x| 32 + x.text.len()).sum::<usize>() + 48
                                }
                                _ => 48,
                            })
                            .sum::<usize>()
                })
                .sum::<usize>();
        let lang = Lang::from_code(&self.language);
        let info = LexiconInfo {
            name: self.language.clone(),
            language: self.language.clone(),
            categories: counts,
            rule_count: rules,
            version: LexiconVersion {
                version: versions.join("+"),
                content_hash: hash_sources(srcs.iter()),
            },
            files: self.files.clone(),
            memory_bytes,
        };
        Ok(LangLexicon {
            lang,
            automaton,
            keys,
            term_automaton,
            term_keys,
            sentence_term_automaton,
            sentence_term_keys,
            entries,
            groups,
            group_spans,
            negation_window: self.negation_window.unwrap_or(DEFAULT_NEGATION_WINDOW),
            files: self.files,
            info,
        })
    }
}

/// One entry alternative that an automaton key stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyPair {
    /// Entry index.
    pub(crate) entry: u32,
    /// Alternative of the entry's first element.
    pub(crate) alt: u16,
    /// The key is the entry's whole pattern (one literal element): a key
    /// occurrence matches when no word character follows it.
    pub(crate) literal: bool,
}

/// Distinct automaton keys and the `(entry, alternative)` pairs of each.
#[derive(Default)]
struct KeySet {
    index: HashMap<String, usize>,
    texts: Vec<String>,
    entries: Vec<Vec<KeyPair>>,
}

impl KeySet {
    fn add(&mut self, key: String, pair: KeyPair) {
        let k = match self.index.get(&key) {
            Some(&k) => k,
            None => {
                self.index.insert(key.clone(), self.texts.len());
                self.texts.push(key);
                self.entries.push(Vec::new());
                self.texts.len() - 1
            }
        };
        if !self.entries[k].contains(&pair) {
            self.entries[k].push(pair);
        }
    }

    fn build(&self, file: &str) -> Result<KeyMatcher, LexiconError> {
        KeyMatcher::build(
            self.texts
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_str(), i as u32)),
        )
        .map_err(|reason| LexiconError::Build {
            file: file.to_owned(),
            reason,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
