//! Stance tagging: hedge, pessimism and booster cues from Aho-Corasick
//! lexicons.
//!
//! [`Lexicons`] compiles lexicon sources (plain text, see the README's
//! "Lexicon format") once into shareable automata; [`tag`] finds cues in a
//! text whose sentences are already known and scores them. The engine reads
//! no files: callers pass sources, or use [`Lexicons::embedded`].

mod lexicon;

use std::sync::Arc;

pub use lexicon::{LexiconError, LexiconInfo, LexiconSource, LexiconVersion, Lexicons};

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
    /// Byte span in the tagged text.
    pub span: Span,
    /// The stance.
    pub category: Category,
    /// Stable id of the lexicon entry.
    pub entry_id: Arc<str>,
    /// Index of the sentence holding the cue.
    pub sentence_index: usize,
    /// True inside a direct quotation.
    pub in_quotation: bool,
    /// The entry's weight.
    pub weight: f32,
    /// True when a negation produced this category.
    pub negated: bool,
}

/// Stance strengths, each in `[0, 1)`.
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
    /// Cues in text order.
    pub cues: Vec<Cue>,
    /// Scores per sentence, aligned with the sentences given to [`tag`].
    pub sentence_scores: Vec<Scores>,
    /// Scores of the whole text.
    pub document_scores: Scores,
}

/// Finds the cues of `text`, whose sentences are `sentences`, with the
/// lexicon of `lang` (no cues for a language without a lexicon).
pub fn tag(text: &str, sentences: &[Sentence], lang: Lang, lexicons: &Lexicons) -> Tagged {
    let mut cues = lexicons.find(text, lang);
    let mut si = 0;
    for cue in &mut cues {
        while si + 1 < sentences.len() && sentences[si].span.end <= cue.span.start {
            si += 1;
        }
        cue.sentence_index = si;
    }
    let mut sentence_sums = vec![[0f64; 3]; sentences.len()];
    let mut doc = [0f64; 3];
    for cue in &cues {
        let k = cue.category as usize;
        if let Some(s) = sentence_sums.get_mut(cue.sentence_index) {
            s[k] += f64::from(cue.weight);
        }
        doc[k] += f64::from(cue.weight);
    }
    let squash = |x: f64| 1.0 - (-x).exp();
    let to_scores = |s: [f64; 3], n: f64| Scores {
        hedge: squash(s[0] / n),
        pessimism: squash(s[1] / n),
        booster: squash(s[2] / n),
    };
    let n_sent = (sentences.len().max(1)) as f64;
    Tagged {
        sentence_scores: sentence_sums
            .into_iter()
            .map(|s| to_scores(s, 1.0))
            .collect(),
        document_scores: to_scores(doc, n_sent.sqrt()),
        cues,
    }
}
