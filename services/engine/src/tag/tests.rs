//! Table-driven tests per phenomenon, properties against a naive reference
//! matcher, and the fuzz body.

use proptest::prelude::*;

use super::engine::{RawMatch, TERM_WINDOW, TermSet, not_after_window, raw_matches, term_matches};
use super::fold::Folded;
use super::lexicon::{GroupRef, Kind};
use super::pattern::{Elem, Pattern};
use super::*;
use crate::segment::segment;

fn lex() -> &'static Lexicons {
    static LEX: std::sync::OnceLock<Lexicons> = std::sync::OnceLock::new();
    LEX.get_or_init(|| Lexicons::embedded().expect("embedded lexicons compile"))
}

fn cues_of(text: &str, lang: Lang, lexicons: &Lexicons) -> Vec<(Category, String)> {
    let t = tag(text, &segment(text, lang), lang, lexicons);
    t.cues
        .iter()
        .map(|c| (c.category, text[c.span.start..c.span.end].to_owned()))
        .collect()
}

const H: Category = Category::Hedge;
const P: Category = Category::Pessimism;
const B: Category = Category::Booster;

/// One row: phenomenon, language, text, expected cues (all categories).
type Row = (
    &'static str,
    Lang,
    &'static str,
    &'static [(Category, &'static str)],
);

const TABLE: &[Row] = &[
    // literal, stem, inflection
    (
        "literal",
        Lang::En,
        "Talks will probably resume.",
        &[(H, "probably")],
    ),
    (
        "word boundary",
        Lang::En,
        "Improbably, the vote passed.",
        &[],
    ),
    (
        "stem ru",
        Lang::Ru,
        "Стороны оказались в тупике.",
        &[(P, "тупике")],
    ),
    (
        "stem ru adj",
        Lang::Ru,
        "Это тупиковая ситуация.",
        &[(P, "тупиковая")],
    ),
    (
        "stem word start",
        Lang::Ru,
        "Наступил вступительный этап.",
        &[],
    ),
    (
        "inflection -ed",
        Lang::En,
        "The talks stalled in May.",
        &[(P, "stalled")],
    ),
    (
        "inflection -s",
        Lang::En,
        "The truce seems fragile.",
        &[(H, "seems")],
    ),
    // gaps
    (
        "gap",
        Lang::En,
        "It would be, frankly, naive to expect change.",
        &[(P, "would be, frankly, naive to")],
    ),
    (
        "gap too long",
        Lang::En,
        "It would be one two three four naive.",
        &[],
    ),
    (
        "gap ru",
        Lang::Ru,
        "Наивно было бы ожидать прорыва.",
        &[(P, "Наивно было бы ожидать")],
    ),
    (
        "gap stops at period",
        Lang::En,
        "It would be. Naive to expect.",
        &[(P, "Naive to expect")],
    ),
    // surface noise
    (
        "case",
        Lang::En,
        "TALKS WILL PROBABLY RESUME.",
        &[(H, "PROBABLY")],
    ),
    (
        "diacritics",
        Lang::En,
        "It is naïve to expect a deal.",
        &[(P, "naïve to expect")],
    ),
    ("yo", Lang::Ru, "Процесс зашёл в тупик.", &[(P, "тупик")]),
    (
        "apostrophe",
        Lang::En,
        "They won’t rule out strikes.",
        &[(H, "won’t rule out")],
    ),
    (
        "nbsp",
        Lang::En,
        "There is little\u{00A0}reason for optimism.",
        &[(P, "little\u{00A0}reason for optimism")],
    ),
    (
        "thin space",
        Lang::En,
        "little\u{2009}reason for optimism",
        &[(P, "little\u{2009}reason for optimism")],
    ),
    (
        "line break",
        Lang::En,
        "little reason for\n  optimism",
        &[(P, "little reason for\n  optimism")],
    ),
    (
        "hyphen variant",
        Lang::En,
        "They hit a dead\u{2011}end.",
        &[(P, "dead\u{2011}end")],
    ),
    (
        "hyphen ru",
        Lang::Ru,
        "Он, ПО\u{2010}ВИДИМОМУ, прав.",
        &[(H, "ПО\u{2010}ВИДИМОМУ")],
    ),
    (
        "soft hyphen",
        Lang::En,
        "The talks are dead\u{00AD}locked.",
        &[(P, "dead\u{00AD}locked")],
    ),
    // negation and scope
    (
        "no reason for optimism",
        Lang::En,
        "There is no reason for optimism.",
        &[(P, "no reason for optimism")],
    ),
    (
        "no reason for pessimism",
        Lang::En,
        "There is no reason for pessimism.",
        &[],
    ),
    (
        "not impossible",
        Lang::En,
        "A deal is not impossible.",
        &[(H, "not impossible")],
    ),
    (
        "no doubt",
        Lang::En,
        "There is no doubt about it.",
        &[(B, "no doubt")],
    ),
    (
        "no reason to doubt",
        Lang::En,
        "There is no reason to doubt it.",
        &[(B, "no reason to doubt")],
    ),
    ("not pessimistic", Lang::En, "He is not pessimistic.", &[]),
    (
        "far from hopeless",
        Lang::En,
        "It is far from hopeless.",
        &[],
    ),
    (
        "negated hope",
        Lang::En,
        "There is little hope of a deal.",
        &[(P, "little hope")],
    ),
    (
        "scope ends at comma",
        Lang::En,
        "No, optimism is growing.",
        &[],
    ),
    (
        "scope ends at but",
        Lang::En,
        "Not now but optimism is growing.",
        &[],
    ),
    (
        "scope window",
        Lang::En,
        "No one in the capital city expressed optimism.",
        &[],
    ),
    (
        "not only blocks negation",
        Lang::En,
        "Not only optimism is growing.",
        &[],
    ),
    (
        "negated booster",
        Lang::En,
        "It is not clearly a win.",
        &[(H, "not clearly")],
    ),
    (
        "ru net osnovaniy",
        Lang::Ru,
        "Оснований для оптимизма нет.",
        &[(P, "Оснований для оптимизма нет")],
    ),
    (
        "ru pessimism negated",
        Lang::Ru,
        "Поводов для пессимизма нет.",
        &[],
    ),
    (
        "ru ne isklyucheno",
        Lang::Ru,
        "Не исключено, что он уйдет.",
        &[(H, "Не исключено")],
    ),
    (
        "ru net somneniy",
        Lang::Ru,
        "Нет сомнений, что он прав.",
        &[(B, "Нет сомнений")],
    ),
    (
        "ru scope ends at no",
        Lang::Ru,
        "Не сейчас, но оптимизм растет.",
        &[],
    ),
    // homographs
    ("May month", Lang::En, "Elections are due on May 9.", &[]),
    ("May name", Lang::En, "Theresa May spoke.", &[]),
    (
        "May title case",
        Lang::En,
        "The report by May was leaked.",
        &[],
    ),
    (
        "May sentence start",
        Lang::En,
        "May the talks succeed.",
        &[(H, "May")],
    ),
    ("MAY dateline", Lang::En, "MAY 9 - Troops paraded.", &[]),
    ("may modal", Lang::En, "Prices may rise.", &[(H, "may")]),
    ("might noun", Lang::En, "Its military might grew.", &[]),
    (
        "might modal",
        Lang::En,
        "Prices might rise.",
        &[(H, "might")],
    ),
    ("can ability", Lang::En, "The army can deploy quickly.", &[]),
    (
        "could past",
        Lang::En,
        "Last year they could travel freely.",
        &[],
    ),
    (
        "could past ago",
        Lang::En,
        "Years ago they could travel.",
        &[],
    ),
    (
        "could epistemic",
        Lang::En,
        "The crisis could spread.",
        &[(H, "could")],
    ),
    ("could not", Lang::En, "He could not attend.", &[]),
    ("about number", Lang::En, "About 300 people came.", &[]),
    ("around number", Lang::En, "Around 40 states signed.", &[]),
    ("if", Lang::En, "If talks fail, war follows.", &[]),
    ("whether", Lang::En, "Whether talks fail is open.", &[]),
    (
        "possible idiom",
        Lang::En,
        "Leave as soon as possible.",
        &[],
    ),
    // overlaps across categories
    (
        "overlap",
        Lang::En,
        "Talks are unlikely to produce a breakthrough.",
        &[(H, "unlikely"), (P, "unlikely to produce a breakthrough")],
    ),
    (
        "overlap ru",
        Lang::Ru,
        "Вряд ли удастся договориться.",
        &[(H, "Вряд ли"), (P, "Вряд ли удастся")],
    ),
    // belief
    (
        "first person",
        Lang::En,
        "I think it will pass.",
        &[(H, "I think")],
    ),
    (
        "third person",
        Lang::En,
        "Moscow believes it will pass.",
        &[],
    ),
    (
        "impersonal",
        Lang::En,
        "It is believed that he fled.",
        &[(H, "It is believed")],
    ),
    (
        "ru first person",
        Lang::Ru,
        "Я думаю, он прав.",
        &[(H, "думаю")],
    ),
    (
        "ru third person",
        Lang::Ru,
        "Аналитики полагают, что он прав.",
        &[],
    ),
    // plain negative facts
    (
        "negative fact",
        Lang::En,
        "Ten people died in the crash.",
        &[],
    ),
    ("would", Lang::En, "He said he would come.", &[]),
];

#[test]
fn phenomena_table() {
    let mut failures = Vec::new();
    for (name, lang, text, want) in TABLE {
        let got = cues_of(text, *lang, lex());
        let want: Vec<(Category, String)> =
            want.iter().map(|(c, s)| (*c, (*s).to_owned())).collect();
        if got != want {
            failures.push(format!(
                "{name}: {text:?}\n   got  {got:?}\n   want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn quotation_flag() {
    let cases: &[(&str, Lang, &[bool])] = &[
        (
            "“It would be naive to expect progress,” he said.",
            Lang::En,
            &[true],
        ),
        (
            "\"It is probably over,\" he said. It probably is.",
            Lang::En,
            &[true, false],
        ),
        (
            "«Переговоры зашли в тупик», — сказал он. Тупик очевиден.",
            Lang::Ru,
            &[true, false],
        ),
        (
            "„Вероятно“, — ответил он. Вероятно.",
            Lang::Ru,
            &[true, false],
        ),
        (
            "“Unclosed quote probably\n\nParagraph probably.",
            Lang::En,
            &[true, false],
        ),
    ];
    for (text, lang, want) in cases {
        let t = tag(text, &segment(text, *lang), *lang, lex());
        let got: Vec<bool> = t.cues.iter().map(|c| c.in_quotation).collect();
        assert_eq!(&got, want, "{text}");
    }
}

#[test]
fn scores_rank_and_follow_formula() {
    let text = "Talks will probably resume. There is no reason for optimism. The sky is blue.";
    let sents = segment(text, Lang::En);
    let t = tag(text, &sents, Lang::En, lex());
    assert_eq!(t.sentence_scores.len(), 3);
    let w_h = f64::from(t.cues[0].weight);
    assert!((t.sentence_scores[0].hedge - (1.0 - (-w_h).exp())).abs() < 1e-9);
    assert_eq!(t.sentence_scores[2], Scores::default());
    let w_p = f64::from(t.cues[1].weight);
    let doc = 1.0 - (-(w_p / 3f64.sqrt())).exp();
    assert!((t.document_scores.pessimism - doc).abs() < 1e-9);
    // more pessimism ranks higher
    let gloomy = "The talks are deadlocked. There is no reason for optimism. It is a dead end.";
    let g = tag(gloomy, &segment(gloomy, Lang::En), Lang::En, lex());
    assert!(g.document_scores.pessimism > t.document_scores.pessimism);
    // quoted cues count half
    let q = "\"It is a stalemate,\" he said.";
    let plain = "It is a stalemate, he said.";
    let sq = tag(q, &segment(q, Lang::En), Lang::En, lex())
        .document_scores
        .pessimism;
    let sp = tag(plain, &segment(plain, Lang::En), Lang::En, lex())
        .document_scores
        .pessimism;
    assert!(sq < sp && sq > 0.0);
}

#[test]
fn no_lexicon_for_other_languages() {
    let t = tag("probably", &[], Lang::Other, lex());
    assert!(t.cues.is_empty());
    assert_eq!(t.document_scores, Scores::default());
}

#[test]
fn lexicons_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Lexicons>();
    assert_send_sync::<Tagged>();
    assert_send_sync::<Explanation>();
    assert_send_sync::<CheckReport>();
}

#[test]
fn broken_files_are_rejected_with_file_line_reason() {
    let cases: &[(&str, &str)] = &[
        (
            "@version 1\n@language en\nhedge\tx\tabc\tprobably\n",
            "x.lex:3: weight \"abc\" is not a number in 0..=10",
        ),
        (
            "@version 1\n@language en\n\nhedgy x 1 probably\n",
            "x.lex:4: unknown kind \"hedgy\" (hedge, pessimism, booster, latent, negator, contrast, block)",
        ),
        (
            "@version 1\n@language en\nhedge x 1 would be [9] naive\n",
            "x.lex:3: bad gap [9]: need m <= n <= 8",
        ),
        (
            "@version 1\n@language en\nhedge x 1 (a|b\n",
            "x.lex:3: unclosed '(' in pattern \"(a|b\"",
        ),
        (
            "@version 1\n@language en\nhedge x 1 may {not-before=nope}\n",
            "x.lex:3: unknown group \"nope\"",
        ),
        (
            "@version 1\n@language en\nhedge x 1 may {frobnicate}\n",
            "x.lex:3: unknown option \"frobnicate\"",
        ),
        (
            "@version 1\n@language en\nhedge x 1 a\nhedge x 1 b\n",
            "x.lex:4: duplicate id x (first at x.lex:3)",
        ),
        ("@version 1\nhedge x 1 a\n", "x.lex:1: missing @language"),
        ("@language en\nhedge x 1 a\n", "x.lex:1: missing @version"),
        (
            "@version 1\n@language fr\n",
            "x.lex:2: unsupported language \"fr\" (en, ru)",
        ),
        (
            "@version 1\n@language en\n@colour red\n",
            "x.lex:3: unknown directive @colour",
        ),
    ];
    for (text, want) in cases {
        let e = Lexicons::compile([LexiconSource::new("x.lex", *text)]).expect_err(text);
        assert_eq!(e.to_string(), *want);
    }
    assert_eq!(
        Lexicons::compile(Vec::<LexiconSource>::new())
            .expect_err("empty")
            .to_string(),
        "no lexicon sources"
    );
}

#[test]
fn check_reports_all_errors_duplicates_and_shadowing() {
    let bad = [LexiconSource::new(
        "a.lex",
        "@version 1\n@language en\nhedge a 1 (x\nhedge b z y\n",
    )];
    let r = check(&bad);
    assert!(!r.is_ok());
    let msgs: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].starts_with("a.lex:3:") && msgs[1].starts_with("a.lex:4:"));

    let src = [
        LexiconSource::new(
            "h.lex",
            "@version 1\n@language en\nhedge h.prob 1 probably\nhedge h.prob2 1 probably\nhedge h.stem 1 probabl*\nhedge h.may 1 may\n",
        ),
        LexiconSource::new(
            "r.lex",
            "@version 1\n@language en\nblock r.blk - may day {blocks=hedge}\nhedge h.mayday 1 may day\n",
        ),
    ];
    let r = check(&src);
    assert!(r.is_ok(), "{:?}", r.errors);
    let got: Vec<String> = r.issues.iter().map(ToString::to_string).collect();
    assert!(
        got.iter().any(|m| m
            .starts_with("h.lex:4: duplicate: h.prob2 has the same pattern as h.prob (h.lex:3)")),
        "{got:?}"
    );
    assert!(
        got.iter().any(
            |m| m.starts_with("h.lex:3: shadowed: h.prob is covered by h.stem")
                && m.ends_with("(h.lex:5)")
        ),
        "{got:?}"
    );
    assert!(
        got.iter().any(
            |m| m.starts_with("r.lex:4: blocked: h.mayday is blocked by r.blk")
                && m.ends_with("(r.lex:3)")
        ),
        "{got:?}"
    );
    assert!(r.version.is_some());
}

#[test]
fn default_lexicons_check_clean() {
    let r = check(&embedded_sources());
    assert!(r.is_ok(), "{:?}", r.errors);
    let issues: Vec<String> = r.issues.iter().map(ToString::to_string).collect();
    assert!(issues.is_empty(), "{}", issues.join("\n"));
}

#[test]
fn explain_says_why() {
    let ex = lex().explain("Theresa May met him in May. Prices may rise.", Lang::En);
    let may: Vec<&Explanation> = ex.iter().filter(|e| &*e.entry_id == "en.h.may").collect();
    assert_eq!(may.len(), 3);
    assert!(
        matches!(&may[0].outcome, Outcome::Blocked { by, .. } if &**by == "en.blk.theresa_may")
    );
    assert!(
        matches!(&may[1].outcome, Outcome::Filtered { .. }),
        "{}",
        may[1]
    );
    assert!(matches!(
        &may[2].outcome,
        Outcome::Emitted {
            category: Category::Hedge,
            ..
        }
    ));
    assert!(may[2].source.starts_with("en/hedge.lex:"));
    let ex = lex().explain("There is no reason for pessimism.", Lang::En);
    assert!(ex.iter().any(|e| &*e.entry_id == "en.p.pessimism"
        && matches!(
            &e.outcome,
            Outcome::Blocked { .. } | Outcome::NegatedAway { .. }
        )));
}

#[test]
fn version_and_hash_reported() {
    let l = lex();
    assert_eq!(l.version().version, "1.1.0");
    assert_eq!(l.version().content_hash.len(), 64);
    let infos: Vec<&LexiconInfo> = l.info().collect();
    assert_eq!(infos.len(), 2);
    for i in infos {
        assert_eq!(i.files.len(), 4);
        assert!(i.memory_bytes > 0 && i.memory_bytes < 20 << 20);
        assert!(i.categories.iter().all(|(_, n)| *n > 0));
    }
    let again = Lexicons::embedded().expect("compiles");
    assert_eq!(again.version(), l.version());
}

// ---------------------------------------------------------------- reference

/// A naive matcher written from the pattern semantics, independent of the
/// automaton: every character position, every entry, every way through the
/// elements; the shortest end per (entry, start).
fn reference(lex: &super::lexicon::LangLexicon, f: &str) -> Vec<RawMatch> {
    let chars: Vec<(usize, char)> = f.char_indices().collect();
    let n = chars.len();
    let pos_of = |ci: usize| chars.get(ci).map_or(f.len(), |c| c.0);
    let is_w = |ci: usize| chars.get(ci).is_some_and(|c| c.1.is_alphanumeric());
    let stop = |c: char| ".!?;:…".contains(c);
    // all char indices where `lit` occurs at ci
    let lit_at = |ci: usize, lit: &str| -> Option<usize> {
        let mut k = ci;
        for lc in lit.chars() {
            if chars.get(k).map(|c| c.1) != Some(lc) {
                return None;
            }
            k += 1;
        }
        Some(k)
    };
    fn ends(
        elems: &[Elem],
        i: usize,
        ci: usize,
        after_gap: bool,
        ctx: &dyn Fn(usize, bool) -> Vec<usize>,
        word: &dyn Fn(&Elem, usize) -> Vec<usize>,
        skip_word: &dyn Fn(usize) -> Option<usize>,
    ) -> Vec<usize> {
        if i == elems.len() {
            return vec![ci];
        }
        let mut out = Vec::new();
        match &elems[i] {
            Elem::Gap { min, max } => {
                let mut p = Some(ci);
                for k in 0..=*max {
                    let Some(pp) = p else { break };
                    if k >= *min {
                        out.extend(ends(elems, i + 1, pp, true, ctx, word, skip_word));
                    }
                    p = skip_word(pp);
                }
            }
            e => {
                for q in ctx(ci, after_gap) {
                    for end in word(e, q) {
                        out.extend(ends(elems, i + 1, end, false, ctx, word, skip_word));
                    }
                }
            }
        }
        out
    }
    // where the next element may start after position ci
    let ctx = |ci: usize, after_gap: bool| -> Vec<usize> {
        if !after_gap {
            return if chars.get(ci).map(|c| c.1) == Some(' ') {
                vec![ci + 1]
            } else {
                vec![]
            };
        }
        let mut k = ci;
        while k < n && !is_w(k) {
            if stop(chars[k].1) {
                return vec![];
            }
            k += 1;
        }
        if k > ci && k < n { vec![k] } else { vec![] }
    };
    let word = |e: &Elem, q: usize| -> Vec<usize> {
        match e {
            Elem::Words(alts) => alts
                .iter()
                .filter_map(|a| {
                    let mut k = lit_at(q, &a.text)?;
                    if a.stem {
                        while is_w(k) {
                            k += 1;
                        }
                        Some(k)
                    } else if is_w(k) {
                        None
                    } else {
                        Some(k)
                    }
                })
                .collect(),
            Elem::Num => {
                if !chars.get(q).is_some_and(|c| c.1.is_ascii_digit()) {
                    return vec![];
                }
                let mut k = q;
                loop {
                    while chars.get(k).is_some_and(|c| c.1.is_ascii_alphanumeric()) {
                        k += 1;
                    }
                    if chars.get(k).is_some_and(|c| c.1 == '.' || c.1 == ',')
                        && chars.get(k + 1).is_some_and(|c| c.1.is_ascii_digit())
                    {
                        k += 1;
                        continue;
                    }
                    break;
                }
                vec![k]
            }
            Elem::Gap { .. } => vec![],
        }
    };
    let skip_word = |ci: usize| -> Option<usize> {
        let q = *ctx(ci, true).first()?;
        let mut k = q;
        while is_w(k) {
            k += 1;
        }
        Some(k)
    };
    let mut out = Vec::new();
    for ci in 0..n {
        for (ei, e) in lex.entries.iter().enumerate() {
            let p: &Pattern = &e.pattern;
            let word_start = ci > 0 && chars[ci - 1].1 == ' ';
            if !p.glued && !word_start {
                continue;
            }
            let all = ends(
                &p.elems,
                0,
                ci,
                false,
                &|c, g| if c == ci && !g { vec![ci] } else { ctx(c, g) },
                &word,
                &skip_word,
            );
            if let Some(min) = all.into_iter().min() {
                out.push(RawMatch {
                    start: pos_of(ci),
                    entry: ei as u32,
                    end: pos_of(min),
                });
            }
        }
    }
    out.sort_unstable();
    out
}

/// Main-automaton and group-term matches over the whole text.
fn all_matches(l: &super::lexicon::LangLexicon, folded: &Folded) -> Vec<RawMatch> {
    let f = folded.text.as_str();
    let mut got = Vec::new();
    raw_matches(l, folded, &mut got);
    term_matches(l, TermSet::All, f, (0, f.len()), &mut got);
    got.sort_unstable();
    got
}

const PROP_LEXICON: &str = "@version 1\n@language en\n\
hedge a 1 probably\n\
hedge b 1 prob*\n\
hedge c 1 seem~\n\
hedge d 1 would be [0-2] naive to\n\
hedge e 1 (no|little) reason for (optimism|hope*)\n\
hedge f 1 reason for\n\
hedge g 1 *n't\n\
hedge h 1 may #num\n\
hedge i 1 be [1-2] naive\n\
hedge j 1 naive to (expect~|hope)\n\
hedge k 1 naïve\n\
hedge l 1 a [0-1] a a\n\
pessimism m 1 a a\n\
negator n - no\n\
block o - little reason {blocks=hedge}\n\
@group g: reason; no reason; be [0-1] naive\n";

fn words() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "probably",
        "probable",
        "PROBABLY",
        "improbably",
        "seem",
        "seems",
        "seemed",
        "seeming",
        "would",
        "be",
        "naive",
        "naïve",
        "NAÏVE",
        "to",
        "expect",
        "expected",
        "hope",
        "hopes",
        "no",
        "little",
        "reason",
        "for",
        "optimism",
        "don't",
        "don’t",
        "may",
        "May",
        "9",
        "3.5",
        "a",
        "x",
        ",",
        ".",
        ";",
        "—",
        "\u{00A0}",
        "\n",
        "  ",
        "'",
        "ё",
        "é",
        "\u{0301}",
        "-",
        "\u{00AD}",
        "ñ",
        "12a",
    ])
    .prop_map(str::to_owned)
}

fn texts() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            words(),
            prop::sample::select(vec![" ", "", ", ", "  ", "\n"]),
        ),
        0..24,
    )
    .prop_map(|v| v.into_iter().map(|(w, s)| w + s).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn automaton_equals_naive_reference(text in texts()) {
        let lexicons = Lexicons::compile([LexiconSource::new("p.lex", PROP_LEXICON)]).expect("compiles");
        let l = lexicons.lang(Lang::En).expect("en");
        let folded = Folded::new(&text);
        let got = all_matches(l, &folded);
        let want = reference(l, &folded.text);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn default_lexicon_matches_reference(text in "[a-zA-Zа-яА-ЯёЁ .,'’\u{00A0}-]{0,60}") {
        for lang in [Lang::En, Lang::Ru] {
            let l = lex().lang(lang).expect("lexicon");
            let folded = Folded::new(&text);
            prop_assert_eq!(all_matches(l, &folded), reference(l, &folded.text));
        }
    }

    #[test]
    fn fuzz_body_holds_on_random_bytes(data in prop::collection::vec(any::<u8>(), 0..200)) {
        fuzz_tag(&data);
    }

    #[test]
    fn fuzz_body_holds_on_lexicon_words(text in texts()) {
        let mut data = vec![0u8];
        data.extend_from_slice(text.as_bytes());
        fuzz_tag(&data);
        data[0] = 1;
        fuzz_tag(&data);
    }
}

#[test]
fn reference_agrees_on_phrase_table() {
    // Deterministic sanity check of the reference itself.
    let lexicons =
        Lexicons::compile([LexiconSource::new("p.lex", PROP_LEXICON)]).expect("compiles");
    let l = lexicons.lang(Lang::En).expect("en");
    let f = Folded::new("it would be, frankly, naive to expect probably").text;
    let r = reference(l, &f);
    let ids: Vec<&str> = r.iter().map(|m| &*l.entries[m.entry as usize].id).collect();
    assert_eq!(ids, ["d", "i", "@g.2", "j", "k", "a", "b"]);
}

/// Words of the default English groups and around them, for the two
/// properties below.
fn group_texts() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(vec![
                "in",
                "on",
                "of",
                "mid",
                "mid-",
                "during",
                "the",
                "its",
                "military",
                "may",
                "might",
                "could",
                "last",
                "week",
                "weeks",
                "ago",
                "in 1990",
                "in 20",
                "at the time",
                "back then",
                "monday",
                "morning",
                "yesterday",
                "earlier this year",
                "x",
                "9",
                "sheer",
                "naval",
                "time",
                "past",
            ]),
            prop::sample::select(vec![" ", ", ", ". ", "-", "  "]),
        ),
        0..30,
    )
    .prop_map(|v| v.into_iter().map(|(w, s)| w.to_owned() + s).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// `not-after` searches only `not_after_window` bytes: for every group
    /// and every position, the terms of the group ending there are the ones
    /// the full window finds.
    #[test]
    fn not_after_window_finds_every_term_ending_there(text in group_texts()) {
        for lang in [Lang::En, Lang::Ru] {
            let l = lex().lang(lang).expect("lexicon");
            let f = Folded::new(&text).text;
            for g in 0..l.groups.len() as u16 {
                let ending = |window: usize, p: usize| -> Vec<RawMatch> {
                    let mut out = Vec::new();
                    term_matches(l, TermSet::All, &f, (p.saturating_sub(window), p), &mut out);
                    out.retain(|r| r.end == p && l.entries[r.entry as usize].kind == Kind::Term(g));
                    out
                };
                for p in (0..=f.len()).filter(|&p| f.is_char_boundary(p)) {
                    prop_assert_eq!(
                        ending(not_after_window(l, g), p),
                        ending(TERM_WINDOW, p),
                        "group {} at {} in {:?}", g, p, f
                    );
                }
            }
        }
    }

    /// The sentence automaton finds exactly the terms of the groups some
    /// `not-in-sentence` names.
    #[test]
    fn sentence_terms_are_those_groups_terms(text in group_texts()) {
        for lang in [Lang::En, Lang::Ru] {
            let l = lex().lang(lang).expect("lexicon");
            let f = Folded::new(&text).text;
            let named: Vec<u16> = l
                .entries
                .iter()
                .flat_map(|e| e.opts.not_in_sentence.iter())
                .filter_map(|g| match g {
                    GroupRef::Named(i) => Some(*i),
                    GroupRef::Num => None,
                })
                .collect();
            let mut want = Vec::new();
            term_matches(l, TermSet::All, &f, (0, f.len()), &mut want);
            want.retain(|r| matches!(l.entries[r.entry as usize].kind, Kind::Term(g) if named.contains(&g)));
            let mut got = Vec::new();
            term_matches(l, TermSet::InSentence, &f, (0, f.len()), &mut got);
            prop_assert_eq!(got, want);
        }
    }
}
