//! Which language's rules apply to a text: the caller's code when given,
//! otherwise a script count (Cyrillic letters mean Russian, Latin mean
//! English). It does not try to tell Ukrainian from Russian or German from
//! English; such texts get the closest rules or the generic fallback.

/// A language the engine has rules for, or `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English rules and lexicon.
    En,
    /// Russian rules and lexicon.
    Ru,
    /// No specific rules: generic segmentation, no lexicon.
    Other,
}

impl Lang {
    /// The BCP 47 code: `en`, `ru`, or `und`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Other => "und",
        }
    }

    /// The language of a BCP 47 code; only the primary subtag counts
    /// (`en-GB` is English). Unknown codes are [`Lang::Other`].
    pub fn from_code(code: &str) -> Lang {
        let primary = code.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else if primary.eq_ignore_ascii_case("ru") {
            Lang::Ru
        } else {
            Lang::Other
        }
    }
}

/// The language a document was processed as, and whether it was detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// The rules used.
    pub lang: Lang,
    /// The code reported to callers: the caller's own code (trimmed) when
    /// given, otherwise the detected language's code.
    pub code: String,
    /// True when detected rather than given.
    pub detected: bool,
}

impl Language {
    /// Resolves a caller's optional code, detecting from `text` when it is
    /// empty.
    pub fn resolve(code: Option<&str>, text: &str) -> Language {
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Language {
                lang: Lang::from_code(c),
                code: c.to_ascii_lowercase(),
                detected: false,
            },
            None => {
                let lang = detect(text);
                Language {
                    lang,
                    code: lang.code().to_owned(),
                    detected: true,
                }
            }
        }
    }
}

/// How many bytes of a text detection looks at.
const DETECT_WINDOW: usize = 4096;

/// Detects English or Russian by counting Latin and Cyrillic letters in the
/// first few kilobytes. Text with neither is [`Lang::Other`].
pub fn detect(text: &str) -> Lang {
    let mut end = text.len().min(DETECT_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let (latin, cyrillic, other) = count_scripts(&text[..end]);
    if (cyrillic == 0 && latin == 0) || other > latin + cyrillic {
        Lang::Other
    } else if cyrillic * 2 >= latin {
        Lang::Ru
    } else {
        Lang::En
    }
}

/// The high bit of each byte of a word.
const HI: u64 = 0x8080_8080_8080_8080;

/// Latin letters (ASCII and U+00C0..U+024F), Cyrillic letters (U+0400..
/// U+04FF) and other alphabetic characters in `text`. Runs of ASCII are
/// counted 32 bytes at a time, eight bytes to a word (see
/// [`ascii_letters8`]); other characters are decoded one by one.
fn count_scripts(text: &str) -> (usize, usize, usize) {
    const BLOCK: usize = 32;
    let b = text.as_bytes();
    let (mut latin, mut cyrillic, mut other) = (0usize, 0usize, 0usize);
    let ascii_letter = |x: u8| usize::from((x | 0x20).wrapping_sub(b'a') < 26);
    let word = |k: usize| u64::from_le_bytes(b[k..k + 8].try_into().unwrap_or([0x80; 8]));
    let mut i = 0;
    while i < b.len() {
        if i + BLOCK <= b.len() {
            let w = [word(i), word(i + 8), word(i + 16), word(i + 24)];
            if (w[0] | w[1] | w[2] | w[3]) & HI == 0 {
                latin += w.iter().map(|&x| ascii_letters8(x)).sum::<usize>();
                i += BLOCK;
                continue;
            }
        }
        let x = b[i];
        if x < 0x80 {
            latin += ascii_letter(x);
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        match script(c) {
            Script::Latin => latin += 1,
            Script::Cyrillic => cyrillic += 1,
            Script::Other => other += 1,
            Script::None => {}
        }
    }
    (latin, cyrillic, other)
}

/// ASCII letters among the eight ASCII bytes of `w` (high bits clear).
/// Each byte is lower-cased by setting bit 5, then tested against `a..=z`
/// by adding offsets that carry into its high bit; no byte can carry into
/// the next, since none exceeds 0x7F + 0x1F.
fn ascii_letters8(w: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let lower = w | (ONES * 0x20);
    let at_least_a = lower + ONES * u64::from(0x80 - b'a');
    let past_z = lower + ONES * u64::from(0x80 - b'z' - 1);
    let letters = (at_least_a & !past_z & HI) >> 7;
    // One bit per letter byte: the product's top byte is their sum.
    (letters.wrapping_mul(ONES) >> 56) as usize
}

/// What [`detect`] counts a character as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// ASCII letters and U+00C0..U+024F.
    Latin,
    /// U+0400..U+04FF.
    Cyrillic,
    /// Any other alphabetic character.
    Other,
    /// Not a letter.
    None,
}

fn script(c: char) -> Script {
    if c.is_ascii_alphabetic() || ('\u{C0}'..='\u{24F}').contains(&c) {
        Script::Latin
    } else if ('\u{400}'..='\u{4FF}').contains(&c) {
        Script::Cyrillic
    } else if c.is_alphabetic() {
        Script::Other
    } else {
        Script::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_script() {
        let cases = [
            ("The talks will probably resume.", Lang::En),
            ("Переговоры, вероятно, возобновятся.", Lang::Ru),
            ("Глава МИД РФ прибыл в Geneva.", Lang::Ru),
            ("東京で会議が開かれた。", Lang::Other),
            ("12345 !!!", Lang::Other),
            ("", Lang::Other),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text), want, "{text}");
        }
    }

    /// Counting [`script`] one character at a time: what the block counter
    /// must agree with.
    fn count_scripts_by_char(text: &str) -> (usize, usize, usize) {
        let count = |s: Script| text.chars().filter(|&c| script(c) == s).count();
        (
            count(Script::Latin),
            count(Script::Cyrillic),
            count(Script::Other),
        )
    }

    #[test]
    fn ascii_letters8_counts_every_byte_value() {
        for x in 0u8..0x80 {
            let want = usize::from(x.is_ascii_alphabetic());
            for k in 0..8 {
                // `x` at byte k among bytes of its neighbours, '@' and '['.
                let mut bytes = [b'@', b'[', b'@', b'[', b'@', b'[', b'@', b'['];
                bytes[k] = x;
                assert_eq!(
                    ascii_letters8(u64::from_le_bytes(bytes)),
                    want,
                    "{x:#x} at {k}"
                );
            }
            assert_eq!(
                ascii_letters8(u64::from_le_bytes([x; 8])),
                8 * want,
                "{x:#x}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn block_count_equals_char_count(
            text in "([a-zA-Z0-9 .,@`\\[{~]{0,40}|[À-ɏЀ-ӿ東京αβ’«»—]{0,8}){0,12}"
        ) {
            proptest::prop_assert_eq!(count_scripts(&text), count_scripts_by_char(&text));
        }
    }

    #[test]
    fn given_code_wins() {
        let l = Language::resolve(Some("en-GB"), "Привет");
        assert_eq!(
            (l.lang, l.code.as_str(), l.detected),
            (Lang::En, "en-gb", false)
        );
        let l = Language::resolve(Some(" "), "Привет");
        assert_eq!((l.lang, l.detected), (Lang::Ru, true));
        assert_eq!(Lang::from_code("de"), Lang::Other);
    }
}
