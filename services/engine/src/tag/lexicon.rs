//! Lexicon sources, their compilation into automata, and matching.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use sha2::{Digest, Sha256};

use super::{Category, Cue};
use crate::{Lang, Span};

/// One lexicon file's name and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconSource {
    /// File name, used in error messages.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// A lexicon that failed to compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LexiconError {
    /// A line could not be parsed.
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
    #[error("cannot build automaton for {file}: {reason}")]
    Build {
        /// The source's name.
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
    /// Declared version.
    pub version: String,
    /// Hex SHA-256 of the contents.
    pub content_hash: String,
}

/// Description of one compiled lexicon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconInfo {
    /// Name (the file stem).
    pub name: String,
    /// Language code.
    pub language: String,
    /// Entry counts per category.
    pub categories: Vec<(Category, usize)>,
    /// Negation and blocker rules.
    pub rule_count: usize,
    /// Version and hash.
    pub version: LexiconVersion,
}

#[derive(Debug)]
struct Entry {
    id: Arc<str>,
    category: Category,
    weight: f32,
}

#[derive(Debug)]
struct LangLexicon {
    lang: Lang,
    automaton: AhoCorasick,
    entries: Vec<Entry>,
    info: LexiconInfo,
}

/// Compiled lexicons for every language, immutable and shareable.
#[derive(Debug)]
pub struct Lexicons {
    langs: Vec<LangLexicon>,
    version: LexiconVersion,
}

const EMBEDDED: &[(&str, &str)] = &[
    ("en.lex", include_str!("../../lexicons/en.lex")),
    ("ru.lex", include_str!("../../lexicons/ru.lex")),
];

impl Lexicons {
    /// The default lexicons built into the binary.
    pub fn embedded() -> Result<Lexicons, LexiconError> {
        Lexicons::compile(EMBEDDED.iter().map(|(n, t)| LexiconSource {
            name: (*n).to_owned(),
            text: (*t).to_owned(),
        }))
    }

    /// Compiles lexicon sources.
    pub fn compile(
        sources: impl IntoIterator<Item = LexiconSource>,
    ) -> Result<Lexicons, LexiconError> {
        let mut sources: Vec<LexiconSource> = sources.into_iter().collect();
        if sources.is_empty() {
            return Err(LexiconError::Empty);
        }
        sources.sort_by(|a, b| a.name.cmp(&b.name));
        let mut set_hash = Sha256::new();
        let mut versions = Vec::new();
        let mut langs = Vec::new();
        for src in &sources {
            set_hash.update(src.name.as_bytes());
            set_hash.update([0]);
            set_hash.update(src.text.as_bytes());
            set_hash.update([0]);
            let lex = compile_one(src)?;
            versions.push(lex.info.version.version.clone());
            langs.push(lex);
        }
        versions.dedup();
        Ok(Lexicons {
            langs,
            version: LexiconVersion {
                version: versions.join("+"),
                content_hash: hex(&set_hash.finalize()),
            },
        })
    }

    /// Version and hash of the whole set.
    pub fn version(&self) -> &LexiconVersion {
        &self.version
    }

    /// Description of each lexicon.
    pub fn info(&self) -> impl Iterator<Item = &LexiconInfo> {
        self.langs.iter().map(|l| &l.info)
    }

    pub(super) fn find(&self, text: &str, lang: Lang) -> Vec<Cue> {
        let Some(lex) = self.langs.iter().find(|l| l.lang == lang) else {
            return Vec::new();
        };
        let (folded, map) = fold(text);
        let mut cues = Vec::new();
        for m in lex.automaton.find_overlapping_iter(folded.as_str()) {
            let (s, e) = (m.start(), m.end());
            let before = folded[..s].chars().next_back();
            let after = folded[e..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let entry = &lex.entries[m.pattern().as_usize()];
            cues.push(Cue {
                span: Span::new(map[s], map[e]),
                category: entry.category,
                entry_id: entry.id.clone(),
                sentence_index: 0,
                in_quotation: false,
                weight: entry.weight,
                negated: false,
            });
        }
        cues.sort_by_key(|c| (c.span.start, std::cmp::Reverse(c.span.end)));
        cues
    }
}

/// Lower-cases `text`; `map[i]` is the original byte offset of folded byte
/// `i` (with one extra entry for the end).
fn fold(text: &str) -> (String, Vec<usize>) {
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        for l in c.to_lowercase() {
            let l = if l == 'ё' { 'е' } else { l };
            for _ in 0..l.len_utf8() {
                map.push(i);
            }
            folded.push(l);
        }
    }
    map.push(text.len());
    (folded, map)
}

fn compile_one(src: &LexiconSource) -> Result<LangLexicon, LexiconError> {
    let err = |line: usize, reason: String| LexiconError::Parse {
        file: src.name.clone(),
        line,
        reason,
    };
    let mut version = String::new();
    let mut language = String::new();
    let mut entries = Vec::new();
    let mut patterns = Vec::new();
    for (n, raw) in src.text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('@') {
            let (key, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            match key {
                "version" => version = value.trim().to_owned(),
                "language" => language = value.trim().to_owned(),
                other => return Err(err(n + 1, format!("unknown directive @{other}"))),
            }
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [cat, id, weight, phrase] = fields[..] else {
            return Err(err(
                n + 1,
                format!("expected 4 tab-separated fields, found {}", fields.len()),
            ));
        };
        let category = Category::from_name(cat)
            .ok_or_else(|| err(n + 1, format!("unknown category {cat:?}")))?;
        let weight: f32 = weight
            .parse()
            .map_err(|_| err(n + 1, format!("weight {weight:?} is not a number")))?;
        entries.push(Entry {
            id: Arc::from(id),
            category,
            weight,
        });
        patterns.push(fold(phrase).0);
    }
    if language.is_empty() {
        return Err(err(1, "missing @language".to_owned()));
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .map_err(|e| LexiconError::Build {
            file: src.name.clone(),
            reason: e.to_string(),
        })?;
    let mut counts: Vec<(Category, usize)> = Vec::new();
    for e in &entries {
        match counts.iter_mut().find(|(c, _)| *c == e.category) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.category, 1)),
        }
    }
    counts.sort();
    let name = src
        .name
        .rsplit_once('.')
        .map_or(src.name.as_str(), |(s, _)| s)
        .to_owned();
    Ok(LangLexicon {
        lang: Lang::from_code(&language),
        automaton,
        entries,
        info: LexiconInfo {
            name,
            language,
            categories: counts,
            rule_count: 0,
            version: LexiconVersion {
                version,
                content_hash: hex(&Sha256::digest(src.text.as_bytes())),
            },
        },
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::segment;

    #[test]
    fn embedded_compiles_and_tags() {
        let lex = Lexicons::embedded().expect("embedded lexicons compile");
        let cases: &[(&str, Lang, &[&str])] = &[
            (
                "The talks will PROBABLY resume.",
                Lang::En,
                &["en.hedge.probably"],
            ),
            (
                "There is little reason for optimism.",
                Lang::En,
                &["en.pess.little_reason_for_optimism"],
            ),
            ("Improbably, nothing.", Lang::En, &[]),
            (
                "Переговоры зашли в тупик, вероятно.",
                Lang::Ru,
                &["ru.pess.tupik", "ru.hedge.veroyatno"],
            ),
        ];
        for (text, lang, want) in cases {
            let sents = segment(text, *lang);
            let got: Vec<String> = super::super::tag(text, &sents, *lang, &lex)
                .cues
                .iter()
                .map(|c| c.entry_id.to_string())
                .collect();
            assert_eq!(got, *want, "{text}");
        }
    }

    #[test]
    fn broken_file_names_file_and_line() {
        let e = Lexicons::compile([LexiconSource {
            name: "x.lex".into(),
            text: "@language en\nhedge\tid\tabc\tprobably\n".into(),
        }])
        .expect_err("bad weight");
        assert_eq!(e.to_string(), "x.lex:2: weight \"abc\" is not a number");
    }
}
