//! `textstance lexicons`: list the lexicons in service (embedded or from the
//! server), `check DIR` for lexicon authors, `explain "TEXT"`.
//!
//! `check` and `explain` always run locally: they are authoring tools for
//! lexicon files, not calls to a server.
//!
//! - [`check`] runs the engine's `tag::check`: every parse error as
//!   `file:line: reason`, plus duplicate, shadowed, blocked and dead entries.
//! - [`explain`] runs the tagger and the engine's `Lexicons::explain` on the
//!   same sentences: the cues kept, and every other match with what happened
//!   to it (blocked, filtered, negated away, overlapped, latent, rule).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use textstance_engine::{self as engine, Lexicons};
use textstance_proto::pb;

use crate::embedded;

/// One lexicon, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct LexiconOut {
    /// Name (file stem).
    pub(crate) name: String,
    /// Language code.
    pub(crate) language: String,
    /// Entries per category.
    pub(crate) categories: BTreeMap<String, u64>,
    /// Negation and blocker rules.
    pub(crate) rule_count: u64,
    /// Declared version.
    pub(crate) version: String,
    /// Hex SHA-256.
    pub(crate) content_hash: String,
}

/// The lexicon set, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct LexiconsOut {
    /// Version of the whole set.
    pub(crate) version: String,
    /// Hash of the whole set.
    pub(crate) content_hash: String,
    /// Each lexicon.
    pub(crate) lexicons: Vec<LexiconOut>,
}

impl LexiconsOut {
    /// From compiled lexicons.
    pub(crate) fn from_engine(l: &Lexicons) -> Self {
        LexiconsOut {
            version: l.version().version.clone(),
            content_hash: l.version().content_hash.clone(),
            lexicons: l
                .info()
                .map(|i| LexiconOut {
                    name: i.name.clone(),
                    language: i.language.clone(),
                    categories: i
                        .categories
                        .iter()
                        .map(|(c, n)| (c.name().to_owned(), *n as u64))
                        .collect(),
                    rule_count: i.rule_count as u64,
                    version: i.version.version.clone(),
                    content_hash: i.version.content_hash.clone(),
                })
                .collect(),
        }
    }

    /// From a ListLexicons response.
    pub(crate) fn from_pb(r: &pb::ListLexiconsResponse) -> Self {
        let v = r.lexicon_version.clone().unwrap_or_default();
        LexiconsOut {
            version: v.version,
            content_hash: v.content_hash,
            lexicons: r
                .lexicons
                .iter()
                .map(|i| {
                    let v = i.lexicon_version.clone().unwrap_or_default();
                    LexiconOut {
                        name: i.name.clone(),
                        language: i.language_code.clone(),
                        categories: i
                            .categories
                            .iter()
                            .map(|c| {
                                let name = match pb::CueCategory::try_from(c.category) {
                                    Ok(pb::CueCategory::Hedge) => "hedge",
                                    Ok(pb::CueCategory::Pessimism) => "pessimism",
                                    Ok(pb::CueCategory::Booster) => "booster",
                                    _ => "unspecified",
                                };
                                (name.to_owned(), u64::from(c.entry_count))
                            })
                            .collect(),
                        rule_count: u64::from(i.rule_count),
                        version: v.version,
                        content_hash: v.content_hash,
                    }
                })
                .collect(),
        }
    }

    /// The terminal view.
    pub(crate) fn render(&self, w: &mut impl Write) -> std::io::Result<()> {
        writeln!(w, "lexicon set {} ({})", self.version, self.content_hash)?;
        for l in &self.lexicons {
            let cats: Vec<String> = l
                .categories
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            writeln!(
                w,
                "  {:<8} {:<4} {}  rules {}  version {}  {}",
                l.name,
                l.language,
                cats.join(", "),
                l.rule_count,
                l.version,
                l.content_hash
            )?;
        }
        Ok(())
    }
}

/// The result of `lexicons check DIR`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CheckOut {
    /// The directory checked.
    pub(crate) dir: String,
    /// True when every file compiled.
    pub(crate) ok: bool,
    /// `file:line: reason` of the error, when not ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The compiled set, when ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lexicons: Option<LexiconsOut>,
    /// Duplicate, shadowed, blocked and dead entries (`file:line: kind: ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) findings: Option<Vec<String>>,
}

/// `lexicons check DIR`.
pub(crate) fn check(dir: &Path) -> anyhow::Result<CheckOut> {
    let sources = embedded::read_lexicon_dir(dir)?;
    let report = engine::tag::check(&sources);
    let findings = Some(report.issues.iter().map(ToString::to_string).collect());
    Ok(if report.is_ok() {
        // check() accepting the set means compile() does too.
        let compiled =
            Lexicons::compile(sources).map_err(|e| anyhow::anyhow!("lexicon error: {e}"))?;
        CheckOut {
            dir: dir.display().to_string(),
            ok: true,
            error: None,
            lexicons: Some(LexiconsOut::from_engine(&compiled)),
            findings,
        }
    } else {
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        CheckOut {
            dir: dir.display().to_string(),
            ok: false,
            error: Some(errors.join("\n")),
            lexicons: None,
            findings,
        }
    })
}

/// One matched entry in `explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct MatchOut {
    /// The lexicon entry.
    pub(crate) entry_id: String,
    /// Its category.
    pub(crate) category: &'static str,
    /// Byte offsets into the text.
    pub(crate) start: u64,
    /// End (exclusive).
    pub(crate) end: u64,
    /// The matched text.
    pub(crate) text: String,
    /// Produced by a negation.
    pub(crate) negated: bool,
    /// Inside a direct quotation.
    pub(crate) in_quotation: bool,
    /// The sentence it is in.
    pub(crate) sentence_index: u64,
}

/// The result of `lexicons explain "TEXT"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ExplainOut {
    /// The language used.
    pub(crate) language: String,
    /// Cues the tagger kept.
    pub(crate) matched: Vec<MatchOut>,
    /// Every match that did not become a cue, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) blocked: Option<Vec<String>>,
}

/// `lexicons explain "TEXT"` (spans in UTF-8 bytes of TEXT).
pub(crate) fn explain(lexicons: &Lexicons, text: &str, lang: Option<&str>) -> ExplainOut {
    let language = engine::Language::resolve(lang, text);
    let sentences = engine::segment::segment(text, language.lang);
    let tagged = engine::tag::tag(text, &sentences, language.lang, lexicons);
    let blocked = Some(
        lexicons
            .explain_sentences(text, &sentences, language.lang)
            .into_iter()
            .filter(|e| !matches!(e.outcome, engine::tag::Outcome::Emitted { .. }))
            .map(|e| e.to_string())
            .collect(),
    );
    ExplainOut {
        language: language.code.clone(),
        matched: tagged
            .cues
            .iter()
            .map(|c| MatchOut {
                entry_id: c.entry_id.to_string(),
                category: c.category.name(),
                start: c.span.start as u64,
                end: c.span.end as u64,
                text: c.span.get(text).unwrap_or("").to_owned(),
                negated: c.negated,
                in_quotation: c.in_quotation,
                sentence_index: c.sentence_index as u64,
            })
            .collect(),
        blocked,
    }
}

impl CheckOut {
    /// The terminal view.
    pub(crate) fn render(&self, w: &mut impl Write) -> std::io::Result<()> {
        match (&self.error, &self.lexicons) {
            (Some(e), _) => writeln!(w, "{}: error: {e}", self.dir)?,
            (None, Some(l)) => {
                writeln!(w, "{}: ok", self.dir)?;
                l.render(w)?;
            }
            (None, None) => writeln!(w, "{}: ok", self.dir)?,
        }
        match &self.findings {
            Some(f) if f.is_empty() => writeln!(w, "no duplicate or shadowed entries")?,
            Some(f) => {
                for line in f {
                    writeln!(w, "  {line}")?;
                }
            }
            None => {}
        }
        Ok(())
    }
}

impl ExplainOut {
    /// The terminal view.
    pub(crate) fn render(&self, w: &mut impl Write) -> std::io::Result<()> {
        writeln!(w, "language {}", self.language)?;
        writeln!(w, "matched ({}):", self.matched.len())?;
        for m in &self.matched {
            let mut flags = String::new();
            if m.negated {
                flags.push_str(" negated");
            }
            if m.in_quotation {
                flags.push_str(" quoted");
            }
            writeln!(
                w,
                "  {:<9} [{},{})  {:?}  {}  sentence {}{}",
                m.category, m.start, m.end, m.text, m.entry_id, m.sentence_index, flags
            )?;
        }
        if let Some(b) = &self.blocked {
            writeln!(w, "not kept ({}):", b.len())?;
            for line in b {
                writeln!(w, "  {line}")?;
            }
        }
        Ok(())
    }
}
