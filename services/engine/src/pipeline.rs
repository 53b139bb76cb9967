//! The whole analysis in one call: decode, optionally repair, segment, tag.
//! Every stage runs on the output of the one before, so all spans in an
//! [`Analysis`] index [`Analysis::text`].

use std::borrow::Cow;

use crate::repair::{self, EncodingInfo, Input, NormalizeOptions, Normalized};
use crate::segment::{self, Sentence};
use crate::tag::{self, Lexicons, Tagged};
use crate::{EngineError, Language};

/// Which stages run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Features {
    /// Repair the text (decoding always happens).
    pub normalize: bool,
    /// Report sentences.
    pub segment: bool,
    /// Report cues and scores (sentences are computed for them in any case).
    pub tag: bool,
}

impl Features {
    /// Every stage.
    pub const ALL: Features = Features {
        normalize: true,
        segment: true,
        tag: true,
    };
}

impl Default for Features {
    fn default() -> Self {
        Features::ALL
    }
}

/// Options of [`analyze`].
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions<'a> {
    /// Which stages run.
    pub features: Features,
    /// Which repairs the normalize stage makes.
    pub normalize: NormalizeOptions,
    /// The caller's language code; detected when `None` or empty.
    pub language: Option<&'a str>,
}

/// The outcome of [`analyze`]. All spans index `text`.
#[derive(Debug, Clone)]
pub struct Analysis<'a> {
    /// The text every span indexes: the input text when nothing changed it.
    pub text: Cow<'a, str>,
    /// Edits from the input to `text` (decoding replacements included).
    pub edits: Vec<repair::Edit>,
    /// How the input was decoded.
    pub encoding: EncodingInfo,
    /// The language used.
    pub language: Language,
    /// Sentences, when segment or tag ran.
    pub sentences: Vec<Sentence>,
    /// Cues and scores, when tag ran.
    pub tagged: Option<Tagged>,
}

impl Analysis<'_> {
    /// True when `text` differs from the caller's text (or the input was
    /// bytes that needed decoding).
    pub fn text_differs_from_input(&self, input_was_text: bool) -> bool {
        !input_was_text || !self.edits.is_empty()
    }
}

/// Runs the stages `options.features` chooses on `input`.
pub fn analyze<'a>(
    input: Input<'a>,
    options: &AnalyzeOptions<'_>,
    lexicons: &Lexicons,
) -> Result<Analysis<'a>, EngineError> {
    run(input, options, Some(lexicons))
}

/// Runs the stages `options.features` chooses on `input`, except tagging,
/// which needs lexicons: `tagged` is always `None`. For callers that only
/// normalize or segment and should not compile lexicons for it.
pub fn analyze_untagged<'a>(
    input: Input<'a>,
    options: &AnalyzeOptions<'_>,
) -> Result<Analysis<'a>, EngineError> {
    run(input, options, None)
}

fn run<'a>(
    input: Input<'a>,
    options: &AnalyzeOptions<'_>,
    lexicons: Option<&Lexicons>,
) -> Result<Analysis<'a>, EngineError> {
    if input.is_empty() {
        return Err(EngineError::EmptyDocument);
    }
    let Normalized {
        text,
        edits,
        encoding,
    } = if options.features.normalize {
        repair::normalize(input, &options.normalize)?
    } else {
        let d = repair::decode(input, options.normalize.strict_decoding)?;
        Normalized {
            text: d.text,
            edits: d.edits,
            encoding: d.encoding,
        }
    };
    let language = Language::resolve(options.language, &text);
    let want_sentences = options.features.segment || options.features.tag;
    let sentences = if want_sentences {
        segment::segment(&text, language.lang)
    } else {
        Vec::new()
    };
    let tagged = lexicons
        .filter(|_| options.features.tag)
        .map(|l| tag::tag(&text, &sentences, language.lang, l));
    Ok(Analysis {
        text,
        edits,
        encoding,
        language,
        sentences,
        tagged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untagged_matches_analyze_except_tags() {
        let lex = Lexicons::embedded().expect("embedded lexicons");
        let cases = [
            (
                "Itâ€™s probably late. There is little reason for optimism.",
                None,
            ),
            (
                "Вероятно, переговоры затянутся. Оснований для оптимизма мало.",
                Some("ru"),
            ),
        ];
        for (text, lang) in cases {
            let options = AnalyzeOptions {
                language: lang,
                ..AnalyzeOptions::default()
            };
            let full = analyze(Input::Text(text), &options, &lex).expect("analyze");
            let bare = analyze_untagged(Input::Text(text), &options).expect("untagged");
            assert!(full.tagged.is_some_and(|t| !t.cues.is_empty()), "{text}");
            assert!(bare.tagged.is_none());
            assert_eq!(bare.text, full.text);
            assert_eq!(bare.edits, full.edits);
            assert_eq!(bare.language, full.language);
            assert_eq!(bare.sentences, full.sentences);
        }
    }
}
