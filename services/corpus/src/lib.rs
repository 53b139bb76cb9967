//! A deterministic corpus of English and Russian news-like documents for
//! benches and corpus-wide tests.
//!
//! [`generate`] builds documents from templates written for this project
//! (headlines, datelines, quotes, abbreviations, hedges and pessimism cues),
//! driven by a seeded SplitMix64 generator, so the same seed and size always
//! give byte-identical output on every machine. [`Options::damaged_share`]
//! of the documents (15% by default) get one kind of damage that wire copy
//! shows: mojibake of several codecs, HTML entities, lost diacritics, C1
//! controls, CRLF line breaks. The clean text of a damaged document is kept
//! beside it, so tests can check a repair.
//!
//! It does no I/O and is not shipped in any binary.
//!
//! ```
//! let docs = textstance_corpus::generate(&textstance_corpus::Options::with_size(20_000));
//! assert!(docs.iter().map(|d| d.text.len()).sum::<usize>() >= 20_000);
//! assert_eq!(docs, textstance_corpus::generate(&textstance_corpus::Options::with_size(20_000)));
//! ```

mod templates;

use std::fmt;

/// How to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Seed of the generator.
    pub seed: u64,
    /// Stop once the documents' texts reach this many bytes in total.
    pub target_bytes: usize,
    /// Share of documents that get damage, in `[0, 1]`.
    pub damaged_share: f64,
    /// Share of Russian documents, in `[0, 1]`.
    pub russian_share: f64,
}

impl Options {
    /// The bench corpus's settings: seed 1, 15% damaged, 40% Russian.
    pub fn with_size(target_bytes: usize) -> Options {
        Options {
            seed: 1,
            target_bytes,
            damaged_share: 0.15,
            russian_share: 0.4,
        }
    }

    /// The same settings with no damage at all.
    pub fn clean(target_bytes: usize) -> Options {
        Options {
            damaged_share: 0.0,
            ..Options::with_size(target_bytes)
        }
    }
}

/// The kinds of damage a document can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Damage {
    /// The whole text as UTF-8 decoded as windows-1252.
    Utf8AsWindows1252,
    /// One sentence as UTF-8 decoded as windows-1252, the rest clean.
    Utf8AsWindows1252Segment,
    /// The whole text as UTF-8 decoded as windows-1251.
    Utf8AsWindows1251,
    /// The whole text as UTF-8 decoded as KOI8-R.
    Utf8AsKoi8R,
    /// Punctuation and letters written as HTML entities.
    HtmlEntities,
    /// Letters with diacritics replaced by `·`, `?` or U+FFFD.
    LostDiacritics,
    /// Quotes and dashes as the C1 controls windows-1252 bytes become in
    /// Latin-1.
    C1Controls,
    /// CRLF line breaks.
    Crlf,
}

impl Damage {
    const ALL: [Damage; 8] = [
        Damage::Utf8AsWindows1252,
        Damage::Utf8AsWindows1252Segment,
        Damage::Utf8AsWindows1251,
        Damage::Utf8AsKoi8R,
        Damage::HtmlEntities,
        Damage::LostDiacritics,
        Damage::C1Controls,
        Damage::Crlf,
    ];
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Damage::Utf8AsWindows1252 => "utf-8 as windows-1252",
            Damage::Utf8AsWindows1252Segment => "utf-8 as windows-1252 (one sentence)",
            Damage::Utf8AsWindows1251 => "utf-8 as windows-1251",
            Damage::Utf8AsKoi8R => "utf-8 as koi8-r",
            Damage::HtmlEntities => "html entities",
            Damage::LostDiacritics => "lost diacritics",
            Damage::C1Controls => "c1 controls",
            Damage::Crlf => "crlf",
        };
        f.write_str(s)
    }
}

/// One generated document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// `en-17`, `ru-18`, ...: language and position.
    pub id: String,
    /// `en` or `ru`.
    pub lang: &'static str,
    /// The text as a caller would send it (damaged or not).
    pub text: String,
    /// The text before damage; equal to `text` for clean documents.
    pub clean: String,
    /// The damage applied, if any.
    pub damage: Option<Damage>,
}

/// Generates documents until their texts reach `options.target_bytes`.
pub fn generate(options: &Options) -> Vec<Document> {
    let mut rng = Rng(options.seed);
    let mut docs = Vec::new();
    let mut total = 0;
    while total < options.target_bytes {
        let ru = rng.chance(options.russian_share);
        let lang = if ru { "ru" } else { "en" };
        let clean = if ru {
            templates::russian_story(&mut rng)
        } else {
            templates::english_story(&mut rng)
        };
        let damage = rng
            .chance(options.damaged_share)
            .then(|| Damage::ALL[rng.below(Damage::ALL.len())]);
        let text = match damage {
            Some(d) => damage_text(&clean, d, &mut rng),
            None => clean.clone(),
        };
        // Some damage kinds find nothing to damage in some stories.
        let damage = damage.filter(|_| text != clean);
        total += text.len();
        docs.push(Document {
            id: format!("{lang}-{}", docs.len()),
            lang,
            text,
            clean,
            damage,
        });
    }
    docs
}

/// The documents' texts joined by blank lines: one big text.
pub fn joined(docs: &[Document]) -> String {
    let mut s = String::with_capacity(docs.iter().map(|d| d.text.len() + 2).sum());
    for d in docs {
        s.push_str(&d.text);
        s.push_str("\n\n");
    }
    s
}

/// Applies one kind of damage to a clean text.
pub fn damage_text(clean: &str, damage: Damage, rng: &mut Rng) -> String {
    match damage {
        Damage::Utf8AsWindows1252 => misdecode(clean, encoding_rs::WINDOWS_1252),
        Damage::Utf8AsWindows1251 => misdecode(clean, encoding_rs::WINDOWS_1251),
        Damage::Utf8AsKoi8R => misdecode(clean, encoding_rs::KOI8_R),
        Damage::Utf8AsWindows1252Segment => {
            // Damage the first sentence that has a non-ASCII character.
            let mut out = String::with_capacity(clean.len() * 2);
            let mut done = false;
            for piece in clean.split_inclusive(". ") {
                if !done && !piece.is_ascii() {
                    out.push_str(&misdecode(piece, encoding_rs::WINDOWS_1252));
                    done = true;
                } else {
                    out.push_str(piece);
                }
            }
            out
        }
        Damage::HtmlEntities => {
            let mut out = String::with_capacity(clean.len() + 64);
            for c in clean.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '\u{2019}' => out.push_str("&rsquo;"),
                    '\u{201C}' => out.push_str("&ldquo;"),
                    '\u{201D}' => out.push_str("&rdquo;"),
                    '\u{2014}' => out.push_str("&mdash;"),
                    '\u{A0}' => out.push_str("&nbsp;"),
                    '«' => out.push_str("&laquo;"),
                    '»' => out.push_str("&raquo;"),
                    'é' => out.push_str("&eacute;"),
                    c if !c.is_ascii() && rng.chance(0.05) => {
                        out.push_str(&format!("&#{};", u32::from(c)));
                    }
                    c => out.push(c),
                }
            }
            out
        }
        Damage::LostDiacritics => {
            let marks = ['·', '?', '\u{FFFD}'];
            let mark = marks[rng.below(marks.len())];
            clean
                .chars()
                .map(|c| {
                    if matches!(c, 'à'..='ÿ' | 'À'..='Þ' | 'ą' | 'ń' | 'ł' | 'ś' | 'ż' | 'č' | 'š' | 'ž')
                        && c != '×'
                        && c != '÷'
                    {
                        mark
                    } else {
                        c
                    }
                })
                .collect()
        }
        Damage::C1Controls => clean
            .chars()
            .map(|c| match c {
                '\u{2019}' => '\u{92}',
                '\u{201C}' => '\u{93}',
                '\u{201D}' => '\u{94}',
                '\u{2014}' => '\u{97}',
                c => c,
            })
            .collect(),
        Damage::Crlf => clean.replace('\n', "\r\n"),
    }
}

/// UTF-8 bytes of `text` decoded as `encoding`.
fn misdecode(text: &str, encoding: &'static encoding_rs::Encoding) -> String {
    encoding
        .decode_without_bom_handling(text.as_bytes())
        .0
        .into_owned()
}

/// SplitMix64: tiny, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }

    /// One item of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_sized_and_mixed() {
        let opts = Options::with_size(200_000);
        let a = generate(&opts);
        assert_eq!(a, generate(&opts));
        let total: usize = a.iter().map(|d| d.text.len()).sum();
        assert!((200_000..210_000).contains(&total), "{total}");
        let damaged = a.iter().filter(|d| d.damage.is_some()).count() as f64 / a.len() as f64;
        assert!((0.08..0.25).contains(&damaged), "damaged share {damaged}");
        let ru = a.iter().filter(|d| d.lang == "ru").count() as f64 / a.len() as f64;
        assert!((0.25..0.55).contains(&ru), "russian share {ru}");
        for d in &a {
            assert_eq!(d.damage.is_none(), d.text == d.clean, "{}", d.id);
        }
    }

    #[test]
    fn clean_option_has_no_damage() {
        assert!(
            generate(&Options::clean(50_000))
                .iter()
                .all(|d| d.damage.is_none())
        );
    }

    #[test]
    fn damage_kinds_change_text() {
        let clean = "Mr. Dupont\u{2019}s naïve plan \u{2014} «Рынок» & café.\nNext line.";
        let mut rng = Rng(7);
        for d in Damage::ALL {
            let out = damage_text(clean, d, &mut rng);
            assert_ne!(out, clean, "{d}");
        }
        assert_eq!(
            damage_text("Рынок", Damage::Utf8AsWindows1252, &mut rng),
            "Ð\u{a0}Ñ‹Ð½Ð¾Ðº"
        );
    }
}
