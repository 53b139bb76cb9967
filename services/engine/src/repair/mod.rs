//! Normalize: decode the input and repair it, reporting every change.
//!
//! [`normalize`] runs [`decode()`] and then a chain of text passes chosen by
//! [`NormalizeOptions`] (start from [`NormalizeOptions::for_profile`]). Each
//! pass reports [`Edit`]s against its own input; the chain [`compose`]s them
//! so the result's edits index the caller's input (bytes of raw input, even
//! for legacy encodings and UTF-16, or the given text) and the normalized
//! text. [`apply`] replays them. Clean text takes a fast path and is returned
//! borrowed, with no edits.
//!
//! Files: `decode` (bytes to text), `mojibake` + `chars` + `codecs` +
//! `tables` (UTF-8 misread as a single-byte code page), `cyrillic` (Russian
//! mix-ups scored for plausibility), `entities`, `diacritics` (lost accents
//! from a word list), `passes` (the chain, line by line), `edits` (the edit
//! algebra), `fuzzing` (invariants shared by the fuzz target and a
//! proptest). See `README.md` beside this file for what is repaired, how
//! detection stays precise and measured results.
//!
//! Won't: guess an encoding for text that is already Unicode and reads
//! well, repair words outside its lists, or change text the options leave
//! alone. Never panics on any input (fuzzed).

mod chars;
mod codecs;
mod cyrillic;
mod decode;
mod diacritics;
mod edits;
mod entities;
mod entities_table;
pub mod fuzzing;
mod mojibake;
mod passes;
mod tables;
#[cfg(test)]
mod tests;

/// Texts whose characters are drawn from `alphabet`, `len` characters
/// long: the inputs of the repair passes' property tests.
#[cfg(test)]
fn texts_from(
    alphabet: &str,
    len: std::ops::Range<usize>,
) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::strategy::Strategy;
    let chars: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), len)
        .prop_map(|v| v.into_iter().collect())
}

use std::borrow::Cow;

pub use decode::{Decoded, EncodingInfo, Evidence, Input, decode};
pub use edits::{Edit, EditKind, apply, compose};

use crate::EngineError;

/// A named set of repair choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Safe for news: repairs damage, keeps typographic quotes.
    #[default]
    Default,
    /// The choices of ftfy 6's `fix_text` defaults.
    Ftfy,
}

/// The Unicode normalization form of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnicodeForm {
    /// Canonical composition.
    Nfc,
    /// Compatibility composition.
    Nfkc,
    /// Leave the form as it is.
    None,
}

/// Which repairs run. Start from [`NormalizeOptions::for_profile`] and
/// override single switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NormalizeOptions {
    /// The profile the switches started from.
    pub profile: Profile,
    /// Repair mojibake.
    pub fix_mojibake: bool,
    /// Decode HTML entities when the text is not markup.
    pub fix_html_entities: bool,
    /// Remove control characters and NUL.
    pub remove_control_chars: bool,
    /// Remove byte order marks inside the text.
    pub remove_stray_boms: bool,
    /// Replace lone surrogates and noncharacters.
    pub replace_noncharacters: bool,
    /// CRLF, CR and U+2028 become LF.
    pub normalize_line_breaks: bool,
    /// The output's Unicode normalization form.
    pub unicode_form: UnicodeForm,
    /// Straighten curly quotes.
    pub uncurl_quotes: bool,
    /// Split Latin ligatures.
    pub split_ligatures: bool,
    /// Full-width and half-width forms become standard width.
    pub fix_character_width: bool,
    /// Restore diacritics lost to `·`, `?` or U+FFFD.
    pub restore_diacritics: bool,
    /// Refuse invalid byte sequences instead of replacing them.
    pub strict_decoding: bool,
    /// In mojibake with a lost byte, put back the one character that fits
    /// (`â€�` → `”`) instead of U+FFFD.
    pub infer_lost_bytes: bool,
}

impl NormalizeOptions {
    /// The switches of a profile.
    pub fn for_profile(profile: Profile) -> Self {
        let ftfy = profile == Profile::Ftfy;
        NormalizeOptions {
            profile,
            fix_mojibake: true,
            fix_html_entities: true,
            remove_control_chars: true,
            remove_stray_boms: true,
            replace_noncharacters: true,
            normalize_line_breaks: true,
            unicode_form: UnicodeForm::Nfc,
            uncurl_quotes: ftfy,
            split_ligatures: ftfy,
            fix_character_width: ftfy,
            restore_diacritics: !ftfy,
            strict_decoding: false,
            infer_lost_bytes: !ftfy,
        }
    }
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions::for_profile(Profile::Default)
    }
}

/// The outcome of [`normalize`].
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    /// The normalized text; borrowed from the input when nothing changed.
    pub text: Cow<'a, str>,
    /// Every change, in order: input spans index the caller's input, output
    /// spans index `text`.
    pub edits: Vec<Edit>,
    /// How the input was decoded.
    pub encoding: EncodingInfo,
}

impl Normalized<'_> {
    /// True when the text differs from the input text (always true for
    /// decoded bytes that had edits).
    pub fn changed(&self) -> bool {
        !self.edits.is_empty()
    }
}

/// Decodes and repairs `input` as `options` say.
pub fn normalize<'a>(
    input: Input<'a>,
    options: &NormalizeOptions,
) -> Result<Normalized<'a>, EngineError> {
    if input.is_empty() {
        return Err(EngineError::EmptyDocument);
    }
    let mut decoded = decode(input, options.strict_decoding)?;
    let aligned = !matches!(decoded.encoding.evidence, Evidence::Text);
    let (text, repair_edits) = passes::run(std::mem::take(&mut decoded.text), options);
    let edits = if !aligned {
        repair_edits
    } else {
        // Decode edits index raw bytes; repair edits index the decoded text,
        // which maps back to raw bytes through the decode alignment.
        edits::compose_mapped(&decoded.edits, &repair_edits, &mut |pos, _| {
            decoded.raw_offset(pos)
        })
    };
    let encoding = decoded.encoding;
    Ok(Normalized {
        text,
        edits,
        encoding,
    })
}
