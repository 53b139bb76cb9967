//! AnalyzeText, BatchAnalyzeTexts and StreamAnalyzeText results written as
//! protobuf bytes straight from an engine [`Analysis`], with no prost
//! structs in between.
//!
//! Building the `pb::AnalysisResult` of a 1.5 KB paragraph (two strings per
//! cue), having prost encode it (prost measures each nested message again
//! at every level above it) and dropping it cost more server CPU than the
//! HTTP/2 work of the call; writing the bytes directly costs a fraction of
//! that (README, Performance). The bytes are exactly prost's encoding of
//! what [`convert::analysis`] and [`convert::analysis_result`] build: the
//! same helpers choose every value, fields go in field-number order, proto3
//! defaults are left out, and the tests compare the two byte for byte.
//!
//! It does not validate anything: requests are checked before the engine
//! runs.

use prost::encoding::encoded_len_varint;
use textstance_engine::tag::LexiconVersion;
use textstance_engine::{Analysis, OffsetUnit};
use textstance_proto::{Encoded, pb};

use crate::convert::{self, Doc, SpanMaps};

/// The AnalyzeText response for analysis `a` of `doc`.
pub fn analyze_text_response(
    a: &Analysis<'_>,
    doc: &Doc<'_>,
    unit: OffsetUnit,
    version: &LexiconVersion,
) -> Encoded<pb::AnalyzeTextResponse> {
    let mut out = Vec::with_capacity(size_hint(a, doc));
    // AnalyzeTextResponse.result = 1
    message(&mut out, 1, |out| {
        analysis_result(out, a, doc, unit, version)
    });
    Encoded::from_bytes(out)
}

/// A StreamAnalyzeText response carrying the result for analysis `a` of
/// `doc`, the stream's item number `sequence`.
pub fn stream_response(
    sequence: u64,
    a: &Analysis<'_>,
    doc: &Doc<'_>,
    unit: OffsetUnit,
    version: &LexiconVersion,
) -> Encoded<pb::StreamAnalyzeTextResponse> {
    let mut out = Vec::with_capacity(size_hint(a, doc) + doc.id.len());
    // StreamAnalyzeTextResponse: id = 1, sequence = 2, result = 3
    string(&mut out, 1, doc.id);
    uint(&mut out, 2, sequence);
    message(&mut out, 3, |out| {
        analysis_result(out, a, doc, unit, version)
    });
    Encoded::from_bytes(out)
}

/// Builds a BatchAnalyzeTexts response one result at a time.
#[derive(Debug, Default)]
pub struct BatchWriter {
    out: Vec<u8>,
}

impl BatchWriter {
    /// Appends the response for analysis `a` of `doc`.
    pub fn push(
        &mut self,
        a: &Analysis<'_>,
        doc: &Doc<'_>,
        unit: OffsetUnit,
        version: &LexiconVersion,
    ) {
        self.out.reserve(size_hint(a, doc));
        // BatchAnalyzeTextsResponse.responses = 1, AnalyzeTextResponse.result = 1
        message(&mut self.out, 1, |out| {
            message(out, 1, |out| analysis_result(out, a, doc, unit, version));
        });
    }

    /// The response.
    pub fn finish(self) -> Encoded<pb::BatchAnalyzeTextsResponse> {
        Encoded::from_bytes(self.out)
    }
}

/// A first guess at the encoded size, so most results need no regrowth.
fn size_hint(a: &Analysis<'_>, doc: &Doc<'_>) -> usize {
    let cues = a.tagged.as_ref().map_or(0, |t| t.cues.len());
    let text = if a.text_differs_from_input(doc.is_text()) {
        a.text.len()
    } else {
        0
    };
    256 + doc.id.len() + text + 40 * a.sentences.len() + 56 * cues + 48 * a.edits.len()
}

/// `pb::AnalysisResult`, field by field.
fn analysis_result(
    out: &mut Vec<u8>,
    a: &Analysis<'_>,
    doc: &Doc<'_>,
    unit: OffsetUnit,
    version: &LexiconVersion,
) {
    let text: &str = &a.text;
    let tagged = a.tagged.as_ref();
    let maps = SpanMaps::new(a, doc, unit);
    let spans = &maps.output;
    string(out, 1, doc.id);
    if a.text_differs_from_input(doc.is_text()) {
        // `optional string`: present even when empty.
        bytes_field(out, 2, text.as_bytes());
    }
    message(out, 3, |out| {
        let e = &a.encoding;
        string(out, 1, e.name);
        int32(out, 2, convert::evidence(e.evidence) as i32);
        uint(out, 3, e.replaced_sequences as u64);
    });
    for e in &a.edits {
        message(out, 4, |out| {
            let (input, original) = maps.edit_input(e, doc);
            span(out, 1, input);
            span(out, 2, spans.span(e.output));
            int32(out, 3, convert::edit_kind(e.kind) as i32);
            string(out, 4, &e.reason);
            string(out, 5, &original);
        });
    }
    message(out, 5, |out| {
        string(out, 1, &a.language.code);
        boolean(out, 2, a.language.detected);
    });
    for (i, s) in a.sentences.iter().enumerate() {
        message(out, 6, |out| {
            span(out, 1, spans.span(s.span));
            int32(out, 2, convert::sentence_kind(s.kind) as i32);
            if let Some(sc) = tagged.and_then(|t| t.sentence_scores.get(i)) {
                message(out, 3, |out| scores(out, sc));
            }
        });
    }
    if let Some(t) = tagged {
        for c in &t.cues {
            message(out, 7, |out| {
                span(out, 1, spans.span(c.span));
                int32(out, 2, convert::category(c.category) as i32);
                string(out, 3, &c.entry_id);
                uint(out, 4, u64::from(convert::cue_sentence_index(c)));
                boolean(out, 5, c.in_quotation);
                double(out, 6, f64::from(c.weight));
                boolean(out, 7, c.negated);
                string(out, 8, c.span.get(text).unwrap_or_default());
            });
        }
        message(out, 8, |out| scores(out, &t.document_scores));
    }
    message(out, 9, |out| {
        string(out, 1, &version.version);
        string(out, 2, &version.content_hash);
    });
    int32(out, 10, convert::unit_to_pb(unit));
}

fn scores(out: &mut Vec<u8>, s: &textstance_engine::Scores) {
    double(out, 1, s.hedge);
    double(out, 2, s.pessimism);
    double(out, 3, s.booster);
}

/// A `Span` message field (at most 22 bytes, so its length is one byte).
fn span(out: &mut Vec<u8>, field: u32, s: pb::Span) {
    let uint_len = |v: u64| if v == 0 { 0 } else { 1 + encoded_len_varint(v) };
    key(out, field, LEN);
    out.push((uint_len(s.begin) + uint_len(s.end)) as u8);
    uint(out, 1, s.begin);
    uint(out, 2, s.end);
}

// Wire types.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;

/// `v` as a varint. Written here, inlined, rather than through prost's
/// `encode_varint`/`encode_key` (an out-of-line loop): with prost's, writing
/// the bench paragraph's response took 10.0k instructions instead of 7.9k.
#[inline]
fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn key(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    varint(out, u64::from(field << 3 | wire_type));
}

/// A `uint64`/`uint32` field, left out when 0.
#[inline]
fn uint(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        key(out, field, VARINT);
        varint(out, v);
    }
}

/// An `int32` or enum field, left out when 0 (negative values take ten
/// bytes, as protobuf sign-extends them).
#[inline]
fn int32(out: &mut Vec<u8>, field: u32, v: i32) {
    if v != 0 {
        key(out, field, VARINT);
        varint(out, i64::from(v) as u64);
    }
}

/// A `bool` field, left out when false.
#[inline]
fn boolean(out: &mut Vec<u8>, field: u32, v: bool) {
    if v {
        key(out, field, VARINT);
        out.push(1);
    }
}

/// A `double` field, left out when it equals 0 (so -0.0 too, as prost).
#[inline]
fn double(out: &mut Vec<u8>, field: u32, v: f64) {
    if v != 0.0 {
        key(out, field, FIXED64);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// A `string` field, left out when empty.
#[inline]
fn string(out: &mut Vec<u8>, field: u32, s: &str) {
    if !s.is_empty() {
        bytes_field(out, field, s.as_bytes());
    }
}

/// A length-delimited field holding `b`, written even when empty.
#[inline]
fn bytes_field(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    key(out, field, LEN);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A message field (written even when empty, as a present sub-message is):
/// `body` writes the fields after a one-byte length, which is widened in
/// place when the body turns out 128 bytes or longer.
#[inline]
fn message(out: &mut Vec<u8>, field: u32, body: impl FnOnce(&mut Vec<u8>)) {
    key(out, field, LEN);
    let at = out.len();
    out.push(0);
    body(out);
    let len = out.len() - at - 1;
    if len < 0x80 {
        out[at] = len as u8;
    } else {
        let mut prefix = Vec::with_capacity(10);
        varint(&mut prefix, len as u64);
        out.splice(at..=at, prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;
    use textstance_engine::{AnalyzeOptions, Features, Input, Lexicons, NormalizeOptions};

    fn lexicons() -> Lexicons {
        match Lexicons::embedded() {
            Ok(l) => l,
            Err(e) => panic!("embedded lexicons: {e}"),
        }
    }

    /// What prost encodes for the same analysis, through `convert`.
    fn via_prost(a: &Analysis<'_>, doc: &Doc<'_>, unit: OffsetUnit, v: &LexiconVersion) -> Vec<u8> {
        let c = convert::analysis(a, doc, unit);
        pb::AnalyzeTextResponse {
            result: Some(convert::analysis_result(c, doc.id, v)),
        }
        .encode_to_vec()
    }

    fn check(input: Input<'_>, id: &str, features: Features, lexicons: &Lexicons) {
        let opts = AnalyzeOptions {
            features,
            normalize: NormalizeOptions::default(),
            language: None,
        };
        let a = match textstance_engine::analyze(input, &opts, lexicons) {
            Ok(a) => a,
            // Answered with an error status, not a result.
            Err(textstance_engine::EngineError::EmptyDocument) if input.is_empty() => return,
            Err(e) => panic!("analyze {id}: {e}"),
        };
        let doc = Doc {
            input,
            id,
            language: None,
        };
        let v = lexicons.version();
        let mut batch = BatchWriter::default();
        let mut want_batch = pb::BatchAnalyzeTextsResponse::default();
        let units = [OffsetUnit::Utf8, OffsetUnit::Utf16, OffsetUnit::CodePoint];
        for (sequence, unit) in (0u64..).zip(units) {
            let want = via_prost(&a, &doc, unit, v);
            let got = analyze_text_response(&a, &doc, unit, v);
            assert_eq!(
                got.bytes().as_ref(),
                &want[..],
                "{id} {unit:?} {features:?}"
            );
            batch.push(&a, &doc, unit, v);
            let one = pb::AnalyzeTextResponse::decode(&want[..]).unwrap_or_default();
            let want_stream = pb::StreamAnalyzeTextResponse {
                id: id.to_owned(),
                sequence,
                outcome: one
                    .result
                    .clone()
                    .map(pb::stream_analyze_text_response::Outcome::Result),
            };
            let got = stream_response(sequence, &a, &doc, unit, v);
            assert_eq!(
                got.bytes().as_ref(),
                &want_stream.encode_to_vec()[..],
                "{id} {unit:?} stream"
            );
            want_batch.responses.push(one);
        }
        assert_eq!(
            batch.finish().bytes().as_ref(),
            &want_batch.encode_to_vec()[..],
            "{id} batch"
        );
    }

    #[test]
    fn bytes_equal_prost_encoding_of_converted_results() {
        let lex = lexicons();
        let long = "Officials said the plan could probably fail. ".repeat(40);
        let texts: Vec<(&str, String)> = vec![
            ("empty", String::new()),
            ("spaces", " \n ".into()),
            ("plain", "It is unlikely that talks resume.".into()),
            ("negated", "It is not certain that talks resume.".into()),
            ("long", long),
            (
                "damaged",
                "TASS â€” The talks have failed to fulfill its commitments. \
                 It would be naïve to expect progress &amp; there is little reason for optimism."
                    .into(),
            ),
            (
                "russian",
                "МОСКВА, 5 марта /ТАСС/. Вероятно, переговоры не возобновятся. \
                 «Оснований для оптимизма мало», — сказал он."
                    .into(),
            ),
            (
                "quoted and negated",
                "\"There is no reason for optimism,\" he said.\n\nHEADLINE\n\n- one item\n".into(),
            ),
        ];
        let all = Features {
            normalize: true,
            segment: true,
            tag: true,
        };
        let untagged = Features {
            normalize: true,
            segment: true,
            tag: false,
        };
        let raw_only = Features {
            normalize: false,
            segment: false,
            tag: false,
        };
        for (id, t) in &texts {
            for f in [all, untagged, raw_only] {
                check(Input::Text(t), id, f, &lex);
            }
        }
        // Raw bytes: a charset, a BOM, and bytes that do not decode.
        let cp1251: &[u8] =
            b"\xcc\xce\xd1\xca\xc2\xc0. \xc2\xe5\xf0\xee\xff\xf2\xed\xee, \xed\xe5\xf2.";
        let raws: [(&str, &[u8], Option<&str>); 3] = [
            ("cp1251", cp1251, Some("windows-1251")),
            ("bom", b"\xef\xbb\xbfIt may rain.", None),
            (
                "bad utf-8",
                b"Talks \xff\xfe probably failed.",
                Some("utf-8"),
            ),
        ];
        for (id, bytes, charset) in raws {
            check(
                Input::Bytes {
                    bytes,
                    charset_label: charset,
                },
                id,
                all,
                &lex,
            );
        }
    }

    proptest::proptest! {
        /// Any text, any features: the same bytes as prost.
        #[test]
        fn any_text_encodes_as_prost_does(
            t in "[a-zA-Zа-яА-Я0-9 .,;:!?\"'«»()\n&;é\u{00A0}\u{2019}-]{0,300}",
            tag in proptest::bool::ANY,
        ) {
            let features = Features { normalize: true, segment: true, tag };
            check(Input::Text(&t), "p", features, &LEX);
        }
    }

    static LEX: std::sync::LazyLock<Lexicons> = std::sync::LazyLock::new(lexicons);

    #[test]
    fn scalars_encode_as_prost_does() {
        for v in [0.0, -0.0, 1.5, -2.25, f64::MIN_POSITIVE, f64::INFINITY] {
            let mut out = Vec::new();
            double(&mut out, 1, v);
            let want = pb::StanceScores {
                hedge: v,
                ..Default::default()
            };
            assert_eq!(out, want.encode_to_vec(), "{v}");
        }
        for v in [0, 1, 127, 128, -1, i32::MIN, i32::MAX] {
            let mut out = Vec::new();
            int32(&mut out, 2, v);
            let want = pb::Sentence {
                kind: v,
                ..Default::default()
            };
            assert_eq!(out, want.encode_to_vec(), "{v}");
        }
        for v in [0, 1, 300, u32::MAX] {
            let mut out = Vec::new();
            uint(&mut out, 4, u64::from(v));
            boolean(&mut out, 5, v % 2 == 1);
            string(&mut out, 8, &"x".repeat(v as usize % 200));
            let want = pb::Cue {
                sentence_index: v,
                in_quotation: v % 2 == 1,
                text: "x".repeat(v as usize % 200),
                ..Default::default()
            };
            assert_eq!(out, want.encode_to_vec(), "{v}");
        }
    }

    #[test]
    fn spans_encode_as_prost_does() {
        for v in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            for s in [pb::Span { begin: v, end: v }, pb::Span { begin: 0, end: v }] {
                let mut out = Vec::new();
                span(&mut out, 2, s);
                let want = pb::Edit {
                    output_span: Some(s),
                    ..Default::default()
                };
                assert_eq!(out, want.encode_to_vec(), "{s:?}");
            }
        }
    }

    #[test]
    fn long_messages_widen_their_length_prefix() {
        for n in [0usize, 1, 126, 127, 128, 129, 16_383, 16_384, 300_000] {
            let mut out = vec![9u8];
            message(&mut out, 3, |out| out.extend(std::iter::repeat_n(7u8, n)));
            let mut prefix = Vec::new();
            prost::encoding::encode_varint(n as u64, &mut prefix);
            assert_eq!(out[..2], [9, 3 << 3 | 2], "n = {n}");
            assert_eq!(&out[2..2 + prefix.len()], &prefix[..], "n = {n}");
            assert!(out[2 + prefix.len()..].iter().all(|&b| b == 7), "n = {n}");
            assert_eq!(out.len(), 2 + prefix.len() + n);
        }
    }
}
