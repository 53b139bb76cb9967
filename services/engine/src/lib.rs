//! textstance-engine: turns messy text into clean, segmented, stance-tagged
//! text. Pure and synchronous: no I/O, no async runtime, no protobuf.
//!
//! Three stages, each usable alone or through [`analyze`]:
//! - [`repair`]: decode bytes (BOM, declared label, detection) and repair
//!   mojibake, entities, controls and Unicode form, reporting every [`Edit`];
//! - [`segment`]: sentences of English and Russian news copy;
//! - [`tag`]: hedge, pessimism and booster cues from compiled [`Lexicons`].
//!
//! Offsets are byte spans ([`Span`]) into one named text; [`OffsetMapper`]
//! converts them to UTF-16 or code points for callers that need that.
//!
//! ```
//! use textstance_engine::{AnalyzeOptions, Input, Lexicons, analyze};
//!
//! let lexicons = Lexicons::embedded().expect("built-in lexicons compile");
//! let text = "Itâ€™s probably too early. There is little reason for optimism.";
//! let a = analyze(Input::Text(text), &AnalyzeOptions::default(), &lexicons).unwrap();
//! assert!(a.text.starts_with("It’s probably"));
//! assert_eq!(a.sentences.len(), 2);
//! assert_eq!(a.tagged.unwrap().cues.len(), 2);
//! ```

pub mod error;
pub mod language;
pub mod offsets;
pub mod pipeline;
pub mod repair;
pub mod segment;
pub mod tag;

pub use error::EngineError;
pub use language::{Lang, Language};
pub use offsets::{OffsetMapper, OffsetUnit, Span};
pub use pipeline::{Analysis, AnalyzeOptions, Features, analyze, analyze_untagged};
pub use repair::{
    Edit, EditKind, EncodingInfo, Evidence, Input, NormalizeOptions, Normalized, Profile,
    UnicodeForm, normalize,
};
pub use segment::{Sentence, SentenceKind};
pub use tag::{Category, Cue, LexiconError, LexiconSource, Lexicons, Scores, Tagged};

#[cfg(test)]
mod tests {
    #[test]
    fn shared_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Lexicons>();
        assert_send_sync::<crate::Analysis<'static>>();
        assert_send_sync::<crate::EngineError>();
    }
}
