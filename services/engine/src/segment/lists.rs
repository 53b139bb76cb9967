//! Per-language word lists of the segmenter: abbreviations with their
//! class, and the capitalized words that may follow an abbreviation without
//! starting a sentence. The lists are plain files in `data/`, embedded with
//! `include_str!` and parsed once on first use.
//!
//! It owns parsing and lookup only; the decisions that use the classes live
//! in `rules`.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use crate::Lang;

/// How an abbreviation behaves before the next word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AbbrevClass {
    /// Never ends a sentence (titles, "vs.", "e.g.", Russian "г.").
    Prefix,
    /// Never ends a sentence before a digit; otherwise [`AbbrevClass::Plain`].
    Number,
    /// Ends a sentence before a capitalized word that is not a follower.
    Plain,
    /// Like `Plain`, with extra care for time zones and short openings.
    Time,
    /// `Prefix` before a name ("St. Petersburg"), `Plain` after a
    /// capitalized word or a number ("Main St.").
    Street,
}

/// The lists of one language.
#[derive(Debug, Default)]
pub(crate) struct Lists {
    abbreviations: HashMap<String, AbbrevClass, FastHash>,
    followers: HashSet<String, FastHash>,
    /// Longest abbreviation in bytes: longer tokens are not looked up.
    pub(crate) longest: usize,
}

impl Lists {
    /// The class of `word` (already lower-cased, without its final period).
    pub(crate) fn class(&self, word: &str) -> Option<AbbrevClass> {
        self.abbreviations.get(word).copied()
    }

    /// True when `word` (lower-cased) may follow an abbreviation mid-sentence.
    pub(crate) fn is_follower(&self, word: &str) -> bool {
        self.followers.contains(word)
    }
}

/// A small multiply-rotate hash (FxHash style): the keys are our own short
/// words, so flooding resistance is not needed and SipHash is slow here.
type FastHash = BuildHasherDefault<WordHasher>;

#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// A malformed line of a list file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListError {
    pub(crate) file: &'static str,
    pub(crate) line: usize,
    pub(crate) reason: String,
}

/// Parses an abbreviation file and a follower file. Malformed lines are
/// skipped and reported; the embedded files are checked by a unit test.
pub(crate) fn parse(
    abbrev_name: &'static str,
    abbrev_text: &str,
    follow_name: &'static str,
    follow_text: &str,
) -> (Lists, Vec<ListError>) {
    let mut lists = Lists::default();
    let mut errors = Vec::new();
    for (n, line) in content_lines(abbrev_text) {
        let mut fields = line.split_whitespace();
        let (Some(word), Some(class), None) = (fields.next(), fields.next(), fields.next()) else {
            errors.push(ListError {
                file: abbrev_name,
                line: n,
                reason: format!("expected `entry class`, got {line:?}"),
            });
            continue;
        };
        let class = match class {
            "prefix" => AbbrevClass::Prefix,
            "number" => AbbrevClass::Number,
            "plain" => AbbrevClass::Plain,
            "time" => AbbrevClass::Time,
            "street" => AbbrevClass::Street,
            other => {
                errors.push(ListError {
                    file: abbrev_name,
                    line: n,
                    reason: format!("unknown class {other:?}"),
                });
                continue;
            }
        };
        let word = word.to_lowercase();
        if word.ends_with('.') {
            errors.push(ListError {
                file: abbrev_name,
                line: n,
                reason: format!("entry {word:?} must not end with its period"),
            });
            continue;
        }
        lists.longest = lists.longest.max(word.len());
        if lists.abbreviations.insert(word.clone(), class).is_some() {
            errors.push(ListError {
                file: abbrev_name,
                line: n,
                reason: format!("duplicate entry {word:?}"),
            });
        }
    }
    for (n, line) in content_lines(follow_text) {
        if line.split_whitespace().count() != 1 {
            errors.push(ListError {
                file: follow_name,
                line: n,
                reason: format!("expected one word, got {line:?}"),
            });
            continue;
        }
        if !lists.followers.insert(line.to_lowercase()) {
            errors.push(ListError {
                file: follow_name,
                line: n,
                reason: format!("duplicate word {line:?}"),
            });
        }
    }
    (lists, errors)
}

fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or("").trim()))
        .filter(|(_, l)| !l.is_empty())
}

const EN_ABBREV: &str = include_str!("data/en_abbreviations.txt");
const EN_FOLLOW: &str = include_str!("data/en_followers.txt");
const RU_ABBREV: &str = include_str!("data/ru_abbreviations.txt");
const RU_FOLLOW: &str = include_str!("data/ru_followers.txt");

pub(crate) fn parse_embedded(lang: Lang) -> (Lists, Vec<ListError>) {
    match lang {
        Lang::Ru => parse(
            "ru_abbreviations.txt",
            RU_ABBREV,
            "ru_followers.txt",
            RU_FOLLOW,
        ),
        _ => parse(
            "en_abbreviations.txt",
            EN_ABBREV,
            "en_followers.txt",
            EN_FOLLOW,
        ),
    }
}

static EN: LazyLock<Lists> = LazyLock::new(|| parse_embedded(Lang::En).0);
static RU: LazyLock<Lists> = LazyLock::new(|| parse_embedded(Lang::Ru).0);

/// The lists for `lang`; languages without their own use the English ones.
pub(crate) fn for_lang(lang: Lang) -> &'static Lists {
    match lang {
        Lang::Ru => &RU,
        _ => &EN,
    }
}
