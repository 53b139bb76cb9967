//! The one output model of the CLI: serde structs built either from engine
//! results (embedded mode) or from protobuf responses (server mode), so both
//! modes print the same JSON and the same terminal view.
//!
//! Every span in an [`Output`] is already in the unit the user chose. Engine
//! spans are byte ranges and are converted with `OffsetMapper`; server spans
//! arrive in the requested unit and are converted back to bytes (with
//! [`UnitIndex`]) only to cut sentence strings out of the text.

use serde::Serialize;
use serde_json::value::RawValue;
use textstance_engine::{self as engine};
use textstance_proto::pb;

use crate::fastjson::FastMapper;

/// Which command produced an output; decides which fields are present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Stage {
    /// `{"id","text","edits"}`.
    Normalize,
    /// `{"id","sentences","spans","kinds","language"}`.
    Segment,
    /// `{"id","tags","language"}`.
    Tag,
    /// Everything, plus scores and the lexicon version.
    Analyze,
}

impl Stage {
    /// The engine stages this command runs.
    pub(crate) fn features(self) -> engine::Features {
        match self {
            Stage::Normalize => engine::Features {
                normalize: true,
                segment: false,
                tag: false,
            },
            Stage::Segment => engine::Features {
                normalize: false,
                segment: true,
                tag: false,
            },
            Stage::Tag => engine::Features {
                normalize: false,
                segment: false,
                tag: true,
            },
            Stage::Analyze => engine::Features::ALL,
        }
    }

    fn has_edits(self) -> bool {
        matches!(self, Stage::Normalize | Stage::Analyze)
    }
    fn has_sentences(self) -> bool {
        matches!(self, Stage::Segment | Stage::Analyze)
    }
    pub(crate) fn has_tags(self) -> bool {
        matches!(self, Stage::Tag | Stage::Analyze)
    }
    fn has_language(self) -> bool {
        !matches!(self, Stage::Normalize)
    }
    /// Normalize and analyze always print the text their spans index;
    /// segment and tag only when it is not the caller's own text (decoded
    /// bytes).
    fn always_text(self) -> bool {
        matches!(self, Stage::Normalize | Stage::Analyze)
    }
}

/// The `--offsets` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum Offsets {
    /// UTF-8 bytes.
    #[default]
    Utf8,
    /// UTF-16 code units.
    Utf16,
    /// Unicode code points.
    Codepoints,
}

impl Offsets {
    /// The engine's unit.
    #[cfg(test)]
    pub(crate) fn engine(self) -> engine::OffsetUnit {
        use engine::OffsetUnit;
        match self {
            Offsets::Utf8 => OffsetUnit::Utf8,
            Offsets::Utf16 => OffsetUnit::Utf16,
            Offsets::Codepoints => OffsetUnit::CodePoint,
        }
    }

    /// The API's unit.
    pub(crate) fn pb(self) -> pb::OffsetUnit {
        match self {
            Offsets::Utf8 => pb::OffsetUnit::Utf8,
            Offsets::Utf16 => pb::OffsetUnit::Utf16,
            Offsets::Codepoints => pb::OffsetUnit::CodePoint,
        }
    }
}

/// One edit: `[begin, end)` of the input and of the output text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct EditOut<'a> {
    /// `mojibake`, `html_entity`, ... (the engine's `EditKind::name`).
    pub(crate) kind: &'static str,
    /// Why, in words.
    pub(crate) reason: &'a str,
    /// Span in the input (bytes of the raw input when it was bytes).
    pub(crate) input: [u64; 2],
    /// Span in `text`.
    pub(crate) output: [u64; 2],
}

/// One stance cue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TagOut<'a> {
    /// `hedge`, `pessimism` or `booster`.
    pub(crate) category: &'static str,
    /// Start offset.
    pub(crate) start: u64,
    /// End offset (exclusive).
    pub(crate) end: u64,
    /// The matched text.
    pub(crate) text: &'a str,
    /// The lexicon entry's stable id.
    pub(crate) entry_id: &'a str,
    /// Inside a direct quotation.
    pub(crate) in_quotation: bool,
    /// Produced by a negation.
    pub(crate) negated: bool,
}

/// Stance strengths.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct ScoresOut {
    /// Hedging strength.
    pub(crate) hedge: f64,
    /// Pessimism strength.
    pub(crate) pessimism: f64,
    /// Booster strength.
    pub(crate) booster: f64,
}

/// How raw bytes were decoded (absent for text input).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct EncodingOut<'a> {
    /// WHATWG name.
    pub(crate) name: &'a str,
    /// `bom`, `declared`, `detected` or `utf8`.
    pub(crate) evidence: &'static str,
    /// Invalid sequences replaced with U+FFFD.
    pub(crate) replaced_sequences: u64,
}

/// Lexicon set version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct VersionOut<'a> {
    /// Declared version.
    pub(crate) version: &'a str,
    /// Hex SHA-256 of the contents.
    pub(crate) content_hash: &'a str,
}

/// The result of one document, for every command.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Output<'a> {
    /// The caller's id, echoed verbatim.
    pub(crate) id: &'a RawValue,
    /// The text spans index (see [`Stage`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) text: Option<&'a str>,
    /// Not printed: when set, `text` may need JSON escapes only inside the
    /// output spans (bytes) of these edits; the rest was copied from input
    /// text that needed none (a JSON string read without escapes).
    #[serde(skip)]
    pub(crate) text_escapes_within: Option<&'a [engine::Edit]>,
    /// Not printed: when set, `text` as a JSON string body (escapes, no
    /// quotes) exactly as serde_json writes it, copied instead.
    #[serde(skip)]
    pub(crate) text_json: Option<&'a str>,
    /// Edits from the input to `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) edits: Option<Vec<EditOut<'a>>>,
    /// Sentence strings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sentences: Option<Vec<&'a str>>,
    /// Sentence spans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) spans: Option<Vec<[u64; 2]>>,
    /// Sentence kinds: `sentence`, `headline`, `dateline`, `list_item`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kinds: Option<Vec<&'static str>>,
    /// Stance cues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tags: Option<Vec<TagOut<'a>>>,
    /// Document scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) scores: Option<ScoresOut>,
    /// Scores per sentence, aligned with `sentences`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sentence_scores: Option<Vec<ScoresOut>>,
    /// The language code used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) language: Option<&'a str>,
    /// How raw bytes were decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) encoding: Option<EncodingOut<'a>>,
    /// The lexicons used (analyze).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lexicon_version: Option<VersionOut<'a>>,
}

/// A server response that cannot be turned into output.
#[derive(Debug, thiserror::Error)]
#[error("bad response: {0}")]
pub(crate) struct ModelError(String);

fn sentence_kind(k: engine::SentenceKind) -> &'static str {
    match k {
        engine::SentenceKind::Sentence => "sentence",
        engine::SentenceKind::Headline => "headline",
        engine::SentenceKind::Dateline => "dateline",
        engine::SentenceKind::ListItem => "list_item",
    }
}

fn evidence_name(e: engine::Evidence) -> &'static str {
    match e {
        engine::Evidence::Text => "text",
        engine::Evidence::Bom => "bom",
        engine::Evidence::Declared => "declared",
        engine::Evidence::Detected => "detected",
        engine::Evidence::Utf8 => "utf8",
    }
}

fn scores(s: &engine::Scores) -> ScoresOut {
    ScoresOut {
        hedge: s.hedge,
        pessimism: s.pessimism,
        booster: s.booster,
    }
}

/// What the caller sent to the engine, for mapping edit input spans.
#[derive(Debug, Clone, Copy)]
pub(crate) enum InputRef<'a> {
    /// A string: edit input spans index it.
    Text(&'a str),
    /// Raw bytes: edit input spans count bytes, whatever the unit.
    Bytes,
}

/// Builds the output of an engine analysis; `edits`: list the edits (when
/// the stage has them).
pub(crate) fn from_engine<'a>(
    stage: Stage,
    edits: bool,
    id: &'a RawValue,
    input: InputRef<'a>,
    analysis: &'a engine::Analysis<'_>,
    lexicons: Option<&'a engine::Lexicons>,
    unit: Offsets,
) -> Output<'a> {
    let text: &'a str = &analysis.text;
    let decoded = analysis.encoding.evidence != engine::Evidence::Text;
    let mut out = empty(id);
    out.text = (stage.always_text() || decoded).then_some(text);
    let edits = edits && stage.has_edits();
    if edits && analysis.edits.is_empty() {
        // No offsets to map: the mappers (which look the texts over) are
        // not built.
        out.edits = Some(Vec::new());
    } else if edits {
        let mut in_map = match input {
            InputRef::Text(t) => Some(FastMapper::new(t, unit)),
            InputRef::Bytes => None,
        };
        let mut out_map = FastMapper::new(text, unit);
        out.edits = Some(
            analysis
                .edits
                .iter()
                .map(|e| EditOut {
                    kind: e.kind.name(),
                    reason: &e.reason,
                    input: match in_map.as_mut() {
                        Some(m) => m.map_span(e.input),
                        None => [e.input.start as u64, e.input.end as u64],
                    },
                    output: out_map.map_span(e.output),
                })
                .collect(),
        );
    }
    if stage.has_sentences() {
        let mut m = FastMapper::new(text, unit);
        let s = &analysis.sentences;
        out.sentences = Some(s.iter().map(|s| s.span.get(text).unwrap_or("")).collect());
        out.spans = Some(s.iter().map(|s| m.map_span(s.span)).collect());
        out.kinds = Some(s.iter().map(|s| sentence_kind(s.kind)).collect());
    }
    if stage.has_tags() {
        let mut m = FastMapper::new(text, unit);
        let cues = analysis.tagged.as_ref().map_or(&[][..], |t| &t.cues[..]);
        out.tags = Some(
            cues.iter()
                .map(|c| {
                    let [start, end] = m.map_span(c.span);
                    TagOut {
                        category: c.category.name(),
                        start,
                        end,
                        text: c.span.get(text).unwrap_or(""),
                        entry_id: &c.entry_id,
                        in_quotation: c.in_quotation,
                        negated: c.negated,
                    }
                })
                .collect(),
        );
    }
    if stage == Stage::Analyze {
        if let Some(t) = &analysis.tagged {
            out.scores = Some(scores(&t.document_scores));
            out.sentence_scores = Some(t.sentence_scores.iter().map(scores).collect());
        }
        out.lexicon_version = lexicons.map(|l| {
            let v = l.version();
            VersionOut {
                version: &v.version,
                content_hash: &v.content_hash,
            }
        });
    }
    if stage.has_language() {
        out.language = Some(&analysis.language.code);
    }
    if decoded {
        out.encoding = Some(EncodingOut {
            name: analysis.encoding.name,
            evidence: evidence_name(analysis.encoding.evidence),
            replaced_sequences: analysis.encoding.replaced_sequences as u64,
        });
    }
    out
}

fn empty(id: &RawValue) -> Output<'_> {
    Output {
        id,
        text: None,
        text_escapes_within: None,
        text_json: None,
        edits: None,
        sentences: None,
        spans: None,
        kinds: None,
        tags: None,
        scores: None,
        sentence_scores: None,
        language: None,
        encoding: None,
        lexicon_version: None,
    }
}

/// The parts of any server response, borrowed.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PbParts<'a> {
    /// The text spans index, when the server returned one.
    pub(crate) text: Option<&'a str>,
    /// Edits.
    pub(crate) edits: &'a [pb::Edit],
    /// Encoding.
    pub(crate) encoding: Option<&'a pb::EncodingInfo>,
    /// Language.
    pub(crate) language: Option<&'a pb::Language>,
    /// Sentences.
    pub(crate) sentences: &'a [pb::Sentence],
    /// Cues.
    pub(crate) cues: &'a [pb::Cue],
    /// Document scores.
    pub(crate) document_scores: Option<&'a pb::StanceScores>,
    /// Lexicon version.
    pub(crate) lexicon_version: Option<&'a pb::LexiconVersion>,
}

impl<'a> PbParts<'a> {
    /// Parts of an AnalyzeText result (also used for streams and batches).
    pub(crate) fn analysis(r: &'a pb::AnalysisResult) -> Self {
        PbParts {
            text: r.text.as_deref(),
            edits: &r.edits,
            encoding: r.encoding.as_ref(),
            language: r.language.as_ref(),
            sentences: &r.sentences,
            cues: &r.cues,
            document_scores: r.document_scores.as_ref(),
            lexicon_version: r.lexicon_version.as_ref(),
        }
    }

    /// Parts of a NormalizeText result.
    pub(crate) fn normalize(r: &'a pb::NormalizeResult) -> Self {
        PbParts {
            text: Some(&r.text),
            edits: &r.edits,
            encoding: r.encoding.as_ref(),
            ..PbParts::default()
        }
    }

    /// Parts of a SegmentText response.
    pub(crate) fn segment(r: &'a pb::SegmentTextResponse) -> Self {
        PbParts {
            text: r.text.as_deref(),
            encoding: r.encoding.as_ref(),
            language: r.language.as_ref(),
            sentences: &r.sentences,
            ..PbParts::default()
        }
    }

    /// Parts of a TagText response.
    pub(crate) fn tag(r: &'a pb::TagTextResponse) -> Self {
        PbParts {
            text: r.text.as_deref(),
            encoding: r.encoding.as_ref(),
            language: r.language.as_ref(),
            sentences: &r.sentences,
            cues: &r.cues,
            document_scores: r.document_scores.as_ref(),
            lexicon_version: r.lexicon_version.as_ref(),
            ..PbParts::default()
        }
    }
}

fn pb_kind(k: i32) -> &'static str {
    match pb::SentenceKind::try_from(k).unwrap_or(pb::SentenceKind::Unspecified) {
        pb::SentenceKind::Headline => "headline",
        pb::SentenceKind::Dateline => "dateline",
        pb::SentenceKind::ListItem => "list_item",
        pb::SentenceKind::Sentence | pb::SentenceKind::Unspecified => "sentence",
    }
}

fn pb_edit_kind(k: i32) -> &'static str {
    use pb::EditKind as K;
    match K::try_from(k).unwrap_or(K::Unspecified) {
        K::Unspecified => "unspecified",
        K::DecodeError => "decode_error",
        K::Mojibake => "mojibake",
        K::LostByte => "lost_byte",
        K::C1Control => "c1_control",
        K::HtmlEntity => "html_entity",
        K::ControlChar => "control_char",
        K::StrayBom => "stray_bom",
        K::Noncharacter => "noncharacter",
        K::LineBreak => "line_break",
        K::UnicodeForm => "unicode_form",
        K::Quote => "quote",
        K::Ligature => "ligature",
        K::Width => "width",
        K::Diacritic => "diacritic",
    }
}

fn pb_category(c: i32) -> &'static str {
    match pb::CueCategory::try_from(c).unwrap_or(pb::CueCategory::Unspecified) {
        pb::CueCategory::Hedge => "hedge",
        pb::CueCategory::Pessimism => "pessimism",
        pb::CueCategory::Booster => "booster",
        pb::CueCategory::Unspecified => "unspecified",
    }
}

fn pb_evidence(e: i32) -> Option<&'static str> {
    use pb::EncodingEvidence as E;
    match E::try_from(e).unwrap_or(E::Unspecified) {
        E::Unspecified | E::Text => None,
        E::Bom => Some("bom"),
        E::Declared => Some("declared"),
        E::Detected => Some("detected"),
        E::Utf8 => Some("utf8"),
    }
}

fn pb_scores(s: &pb::StanceScores) -> ScoresOut {
    ScoresOut {
        hedge: s.hedge,
        pessimism: s.pessimism,
        booster: s.booster,
    }
}

fn span_of(s: Option<&pb::Span>) -> [u64; 2] {
    s.map_or([0, 0], |s| [s.begin, s.end])
}

/// Builds the output of a server response. `request_text` is the text the
/// caller sent (absent for raw bytes); spans index the response's text when
/// it has one, otherwise the request's.
pub(crate) fn from_pb<'a>(
    stage: Stage,
    edits: bool,
    id: &'a RawValue,
    request_text: Option<&'a str>,
    parts: PbParts<'a>,
    unit: Offsets,
) -> Result<Output<'a>, ModelError> {
    let text = parts
        .text
        .or(request_text)
        .ok_or_else(|| ModelError("no text to index".to_owned()))?;
    let decoded = parts.encoding.and_then(|e| pb_evidence(e.evidence));
    let mut out = empty(id);
    out.text = (stage.always_text() || decoded.is_some()).then_some(text);
    if edits && stage.has_edits() {
        out.edits = Some(
            parts
                .edits
                .iter()
                .map(|e| EditOut {
                    kind: pb_edit_kind(e.kind),
                    reason: &e.reason,
                    input: span_of(e.input_span.as_ref()),
                    output: span_of(e.output_span.as_ref()),
                })
                .collect(),
        );
    }
    if stage.has_sentences() {
        let mut idx = UnitIndex::new(text, unit);
        let mut sentences = Vec::with_capacity(parts.sentences.len());
        for s in parts.sentences {
            let [b, e] = span_of(s.span.as_ref());
            sentences.push(idx.slice(b, e)?);
        }
        out.sentences = Some(sentences);
        out.spans = Some(
            parts
                .sentences
                .iter()
                .map(|s| span_of(s.span.as_ref()))
                .collect(),
        );
        out.kinds = Some(parts.sentences.iter().map(|s| pb_kind(s.kind)).collect());
    }
    if stage.has_tags() {
        let mut idx = UnitIndex::new(text, unit);
        let mut tags = Vec::with_capacity(parts.cues.len());
        for c in parts.cues {
            let [start, end] = span_of(c.span.as_ref());
            let cut = if c.text.is_empty() {
                idx.slice(start, end)?
            } else {
                &c.text
            };
            tags.push(TagOut {
                category: pb_category(c.category),
                start,
                end,
                text: cut,
                entry_id: &c.entry_id,
                in_quotation: c.in_quotation,
                negated: c.negated,
            });
        }
        out.tags = Some(tags);
    }
    if stage == Stage::Analyze {
        out.scores = parts.document_scores.map(pb_scores);
        out.sentence_scores = Some(
            parts
                .sentences
                .iter()
                .map(|s| {
                    s.scores.as_ref().map_or(
                        ScoresOut {
                            hedge: 0.0,
                            pessimism: 0.0,
                            booster: 0.0,
                        },
                        pb_scores,
                    )
                })
                .collect(),
        );
        out.lexicon_version = parts.lexicon_version.map(|v| VersionOut {
            version: &v.version,
            content_hash: &v.content_hash,
        });
    }
    if stage.has_language() {
        out.language = parts.language.map(|l| l.code.as_str());
    }
    if let (Some(evidence), Some(e)) = (decoded, parts.encoding) {
        out.encoding = Some(EncodingOut {
            name: &e.name,
            evidence,
            replaced_sequences: e.replaced_sequences,
        });
    }
    Ok(out)
}

/// Converts offsets in a unit back to byte offsets of one text; linear for
/// offsets asked in increasing order.
#[derive(Debug)]
pub(crate) struct UnitIndex<'t> {
    text: &'t str,
    unit: Offsets,
    byte: usize,
    units: u64,
}

impl<'t> UnitIndex<'t> {
    /// An index over `text`.
    pub(crate) fn new(text: &'t str, unit: Offsets) -> Self {
        UnitIndex {
            text,
            unit,
            byte: 0,
            units: 0,
        }
    }

    /// The byte offset of unit offset `u`, or `None` when it is past the end
    /// or inside a character.
    pub(crate) fn byte_of(&mut self, u: u64) -> Option<usize> {
        if self.unit == Offsets::Utf8 {
            let b = usize::try_from(u).ok()?;
            return self.text.is_char_boundary(b).then_some(b);
        }
        if u < self.units {
            self.byte = 0;
            self.units = 0;
        }
        while self.units < u {
            let c = self.text[self.byte..].chars().next()?;
            let w = match self.unit {
                Offsets::Utf16 => c.len_utf16() as u64,
                _ => 1,
            };
            if self.units + w > u {
                return None;
            }
            self.units += w;
            self.byte += c.len_utf8();
        }
        Some(self.byte)
    }

    /// The text between two unit offsets.
    pub(crate) fn slice(&mut self, begin: u64, end: u64) -> Result<&'t str, ModelError> {
        let bad = || ModelError(format!("span [{begin}, {end}) does not fit the text"));
        let b = self.byte_of(begin).ok_or_else(bad)?;
        let e = self.byte_of(end).ok_or_else(bad)?;
        self.text.get(b..e).ok_or_else(bad)
    }
}

/// A processing error printed in place of a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ErrorOut {
    /// gRPC code name, e.g. `INVALID_ARGUMENT`.
    pub(crate) code: String,
    /// For humans.
    pub(crate) message: String,
    /// Machine-readable reason, e.g. `EMPTY_DOCUMENT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    /// Bad fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) field_violations: Vec<FieldOut>,
}

/// One bad field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FieldOut {
    /// Field path.
    pub(crate) field: String,
    /// What is wrong.
    pub(crate) description: String,
}

/// `{"id", "error"}`: a document that failed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorLine<'a> {
    /// The caller's id.
    pub(crate) id: &'a RawValue,
    /// Why it failed.
    pub(crate) error: ErrorOut,
}

impl ErrorOut {
    /// From an engine error (always the caller's input).
    pub(crate) fn from_engine(e: &engine::EngineError) -> Self {
        ErrorOut {
            code: "INVALID_ARGUMENT".to_owned(),
            message: e.to_string(),
            reason: Some(e.reason().to_owned()),
            field_violations: e
                .field()
                .map(|f| FieldOut {
                    field: format!("document.{f}"),
                    description: e.to_string(),
                })
                .into_iter()
                .collect(),
        }
    }

    /// From a stream item's error.
    pub(crate) fn from_item(e: &pb::ItemError) -> Self {
        ErrorOut {
            code: code_name(tonic::Code::from_i32(e.code)),
            message: e.message.clone(),
            reason: (!e.reason.is_empty()).then(|| e.reason.clone()),
            field_violations: e
                .field_violations
                .iter()
                .map(|v| FieldOut {
                    field: document_field(&v.field),
                    description: v.description.clone(),
                })
                .collect(),
        }
    }

    /// From a client error.
    pub(crate) fn from_client(e: &textstance_client::ClientError) -> Self {
        ErrorOut {
            code: code_name(e.code()),
            message: e
                .rpc_status()
                .map_or_else(|| e.to_string(), |s| s.message().to_owned()),
            reason: e.reason().map(str::to_owned),
            field_violations: e
                .field_violations()
                .iter()
                .map(|v| FieldOut {
                    field: document_field(&v.field),
                    description: v.description.clone(),
                })
                .collect(),
        }
    }

    /// An input line that is not a valid request.
    pub(crate) fn bad_line(message: String) -> Self {
        ErrorOut {
            code: "INVALID_ARGUMENT".to_owned(),
            message,
            reason: Some("BAD_INPUT_LINE".to_owned()),
            field_violations: Vec::new(),
        }
    }
}

/// A field path relative to the document: the server names the request
/// (`request.document.content`, `requests[3].document.content`); each
/// printed error already belongs to one document, so both modes print
/// `document.content`.
pub(crate) fn document_field(path: &str) -> String {
    match path.find("document.") {
        Some(i) if i == 0 || path[..i].ends_with('.') => path[i..].to_owned(),
        _ => path.to_owned(),
    }
}

/// `INVALID_ARGUMENT` style name of a code.
pub(crate) fn code_name(c: tonic::Code) -> String {
    let mut out = String::new();
    for (i, ch) in format!("{c:?}").chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use textstance_engine::OffsetMapper;

    fn id(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).expect("valid json")
    }

    #[test]
    fn field_paths_are_document_relative() {
        let cases = [
            ("request.document.content", "document.content"),
            (
                "requests[3].document.charset_label",
                "document.charset_label",
            ),
            ("document.text", "document.text"),
            ("requests", "requests"),
            ("mydocument.x", "mydocument.x"),
        ];
        for (path, want) in cases {
            assert_eq!(document_field(path), want, "{path}");
        }
    }

    #[test]
    fn code_names() {
        let cases = [
            (tonic::Code::InvalidArgument, "INVALID_ARGUMENT"),
            (tonic::Code::Unavailable, "UNAVAILABLE"),
            (tonic::Code::DeadlineExceeded, "DEADLINE_EXCEEDED"),
            (tonic::Code::Ok, "OK"),
        ];
        for (c, want) in cases {
            assert_eq!(code_name(c), want);
        }
    }

    #[test]
    fn unit_index_round_trips_engine_mapper() {
        let text = "aé😀e\u{301} Привет 👍🏽!";
        for unit in [Offsets::Utf8, Offsets::Utf16, Offsets::Codepoints] {
            let mut fwd = OffsetMapper::new(text, unit.engine());
            let mut back = UnitIndex::new(text, unit);
            for (b, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let u = fwd.map(b) as u64;
                assert_eq!(back.byte_of(u), Some(b), "{unit:?} byte {b}");
            }
        }
        // Inside a surrogate pair or past the end.
        let mut i = UnitIndex::new("a😀", Offsets::Utf16);
        assert_eq!(i.byte_of(2), None);
        assert_eq!(i.byte_of(3), Some(5));
        assert_eq!(i.byte_of(4), None);
        let mut i = UnitIndex::new("жж", Offsets::Utf8);
        assert_eq!(i.byte_of(1), None);
    }

    fn span(b: u64, e: u64) -> Option<pb::Span> {
        Some(pb::Span { begin: b, end: e })
    }

    /// Hand-built responses in each unit give the same strings.
    #[test]
    fn pb_segment_and_tag_in_each_unit() {
        // "Привет 😀 мир." | "It may rain."
        let text = "Привет 😀 мир. It may rain.";
        let cases: &[(Offsets, [u64; 4], [u64; 2])] = &[
            // sentence 1, sentence 2, cue "may"
            (Offsets::Utf8, [0, 25, 26, 38], [29, 32]),
            (Offsets::Utf16, [0, 14, 15, 27], [18, 21]),
            (Offsets::Codepoints, [0, 13, 14, 26], [17, 20]),
        ];
        for (unit, s, c) in cases {
            let resp = pb::TagTextResponse {
                id: "x".into(),
                language: Some(pb::Language {
                    code: "ru".into(),
                    detected: true,
                }),
                sentences: vec![
                    pb::Sentence {
                        span: span(s[0], s[1]),
                        kind: pb::SentenceKind::Sentence as i32,
                        scores: None,
                    },
                    pb::Sentence {
                        span: span(s[2], s[3]),
                        kind: pb::SentenceKind::Headline as i32,
                        scores: None,
                    },
                ],
                cues: vec![pb::Cue {
                    span: span(c[0], c[1]),
                    category: pb::CueCategory::Hedge as i32,
                    entry_id: "en.hedge.may".into(),
                    text: String::new(),
                    ..Default::default()
                }],
                ..Default::default()
            };
            let rid = id("\"x\"");
            let seg = pb::SegmentTextResponse {
                sentences: resp.sentences.clone(),
                language: resp.language.clone(),
                ..Default::default()
            };
            let out = from_pb(
                Stage::Segment,
                true,
                &rid,
                Some(text),
                PbParts::segment(&seg),
                *unit,
            )
            .expect("fits");
            assert_eq!(
                out.sentences.as_deref(),
                Some(&["Привет 😀 мир.", "It may rain."][..]),
                "{unit:?}"
            );
            assert_eq!(out.kinds.as_deref(), Some(&["sentence", "headline"][..]));
            assert_eq!(out.text, None, "segment does not echo the caller's text");
            let json = serde_json::to_string(&out).expect("json");
            assert_eq!(
                json,
                format!(
                    r#"{{"id":"x","sentences":["Привет 😀 мир.","It may rain."],"spans":[[{},{}],[{},{}]],"kinds":["sentence","headline"],"language":"ru"}}"#,
                    s[0], s[1], s[2], s[3]
                )
            );
            let out = from_pb(
                Stage::Tag,
                true,
                &rid,
                Some(text),
                PbParts::tag(&resp),
                *unit,
            )
            .expect("fits");
            let tags = out.tags.expect("tags");
            assert_eq!(tags.len(), 1);
            assert_eq!(tags[0].text, "may", "{unit:?}");
            assert_eq!([tags[0].start, tags[0].end], *c);
            assert_eq!(tags[0].category, "hedge");
        }
    }

    #[test]
    fn pb_span_outside_text_is_an_error() {
        let rid = id("1");
        let seg = pb::SegmentTextResponse {
            sentences: vec![pb::Sentence {
                span: span(0, 99),
                ..Default::default()
            }],
            ..Default::default()
        };
        let err = from_pb(
            Stage::Segment,
            true,
            &rid,
            Some("short"),
            PbParts::segment(&seg),
            Offsets::Utf8,
        );
        assert!(err.is_err());
    }

    /// The engine path and a pb response carrying the same facts print the
    /// same JSON.
    #[test]
    fn engine_and_pb_outputs_agree() {
        let lex = engine::Lexicons::embedded().expect("embedded lexicons");
        let text = "Itâ€™s probably too early, he said. There is little reason for optimism 😀.";
        for unit in [Offsets::Utf8, Offsets::Utf16, Offsets::Codepoints] {
            let a = engine::analyze(
                engine::Input::Text(text),
                &engine::AnalyzeOptions::default(),
                &lex,
            )
            .expect("analyze");
            let rid = id("7");
            let e_out = from_engine(
                Stage::Analyze,
                true,
                &rid,
                InputRef::Text(text),
                &a,
                Some(&lex),
                unit,
            );
            // Build the pb result a server would send, by hand from the engine facts.
            let mut in_m = OffsetMapper::new(text, unit.engine());
            let mut out_m = OffsetMapper::new(&a.text, unit.engine());
            let sp = |m: &mut OffsetMapper<'_>, s: engine::Span| {
                let (b, e) = m.map_span(s);
                span(b as u64, e as u64)
            };
            let tagged = a.tagged.as_ref().expect("tagged");
            let r = pb::AnalysisResult {
                id: "7".into(),
                text: Some(a.text.to_string()),
                encoding: Some(pb::EncodingInfo {
                    name: "UTF-8".into(),
                    evidence: pb::EncodingEvidence::Text as i32,
                    replaced_sequences: 0,
                }),
                edits: a
                    .edits
                    .iter()
                    .map(|e| pb::Edit {
                        input_span: sp(&mut in_m, e.input),
                        output_span: sp(&mut out_m, e.output),
                        kind: pb::EditKind::from_str_name(&format!(
                            "EDIT_KIND_{}",
                            e.kind.name().to_ascii_uppercase()
                        ))
                        .map_or(0, |k| k as i32),
                        reason: e.reason.to_string(),
                        original: String::new(),
                    })
                    .collect(),
                language: Some(pb::Language {
                    code: a.language.code.clone(),
                    detected: a.language.detected,
                }),
                sentences: {
                    let mut m = OffsetMapper::new(&a.text, unit.engine());
                    a.sentences
                        .iter()
                        .zip(&tagged.sentence_scores)
                        .map(|(s, sc)| pb::Sentence {
                            span: sp(&mut m, s.span),
                            kind: match s.kind {
                                engine::SentenceKind::Sentence => pb::SentenceKind::Sentence,
                                engine::SentenceKind::Headline => pb::SentenceKind::Headline,
                                engine::SentenceKind::Dateline => pb::SentenceKind::Dateline,
                                engine::SentenceKind::ListItem => pb::SentenceKind::ListItem,
                            } as i32,
                            scores: Some(pb::StanceScores {
                                hedge: sc.hedge,
                                pessimism: sc.pessimism,
                                booster: sc.booster,
                            }),
                        })
                        .collect()
                },
                cues: {
                    let mut m = OffsetMapper::new(&a.text, unit.engine());
                    tagged
                        .cues
                        .iter()
                        .map(|c| pb::Cue {
                            span: sp(&mut m, c.span),
                            category: pb::CueCategory::from_str_name(&format!(
                                "CUE_CATEGORY_{}",
                                c.category.name().to_ascii_uppercase()
                            ))
                            .map_or(0, |k| k as i32),
                            entry_id: c.entry_id.to_string(),
                            sentence_index: c.sentence_index as u32,
                            in_quotation: c.in_quotation,
                            weight: f64::from(c.weight),
                            negated: c.negated,
                            text: c.span.get(&a.text).unwrap_or("").to_owned(),
                        })
                        .collect()
                },
                document_scores: Some(pb::StanceScores {
                    hedge: tagged.document_scores.hedge,
                    pessimism: tagged.document_scores.pessimism,
                    booster: tagged.document_scores.booster,
                }),
                lexicon_version: Some(pb::LexiconVersion {
                    version: lex.version().version.clone(),
                    content_hash: lex.version().content_hash.clone(),
                }),
                offset_unit: unit.pb() as i32,
            };
            let p_out = from_pb(
                Stage::Analyze,
                true,
                &rid,
                Some(text),
                PbParts::analysis(&r),
                unit,
            )
            .expect("fits");
            assert_eq!(
                serde_json::to_string(&e_out).expect("json"),
                serde_json::to_string(&p_out).expect("json"),
                "{unit:?}"
            );
            assert!(!e_out.edits.as_ref().expect("edits").is_empty());
        }
    }
}
