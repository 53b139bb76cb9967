//! Seed-like stories: every hedge and pessimism cue the stance guide implies
//! is tagged, and nothing more. Each story in `tests/data/stance/stories/`
//! has a `.expected` file: one `category<TAB>text` line per cue, in text
//! order (boosters are not listed and not checked).

use textstance_engine::segment::segment;
use textstance_engine::tag::{Category, tag};
use textstance_engine::{Lang, Lexicons};

const STORIES: &[(&str, Lang, &str, &str)] = &[
    (
        "en-talks",
        Lang::En,
        include_str!("../../../tests/data/stance/stories/en-talks.txt"),
        include_str!("../../../tests/data/stance/stories/en-talks.expected"),
    ),
    (
        "en-markets",
        Lang::En,
        include_str!("../../../tests/data/stance/stories/en-markets.txt"),
        include_str!("../../../tests/data/stance/stories/en-markets.expected"),
    ),
    (
        "ru-talks",
        Lang::Ru,
        include_str!("../../../tests/data/stance/stories/ru-talks.txt"),
        include_str!("../../../tests/data/stance/stories/ru-talks.expected"),
    ),
    (
        "ru-economy",
        Lang::Ru,
        include_str!("../../../tests/data/stance/stories/ru-economy.txt"),
        include_str!("../../../tests/data/stance/stories/ru-economy.expected"),
    ),
];

#[test]
fn stories_get_exactly_the_expected_cues() {
    let lex = Lexicons::embedded().expect("default lexicons compile");
    let mut failures = Vec::new();
    for (name, lang, text, expected) in STORIES {
        let want: Vec<String> = expected
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let got: Vec<String> = tag(text, &segment(text, *lang), *lang, &lex)
            .cues
            .iter()
            .filter(|c| c.category != Category::Booster)
            .map(|c| format!("{}\t{}", c.category.name(), &text[c.span.start..c.span.end]))
            .collect();
        if got != want {
            failures.push(format!("{name}:\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
