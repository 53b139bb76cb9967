//! Turning the caller's input into text: a string passes through; raw bytes
//! are decoded on the strongest evidence available (BOM, then the declared
//! WHATWG label, then UTF-8 validity, then detection with chardetng).
//! Invalid sequences become U+FFFD and are reported as edits, or refused in
//! strict mode. This module repairs nothing inside the text.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

use super::{Edit, EditKind};
use crate::{EngineError, Span};

/// What the caller sent.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// Text that is already Unicode.
    Text(&'a str),
    /// Bytes in some encoding, with an optional WHATWG label.
    Bytes {
        /// The raw bytes.
        bytes: &'a [u8],
        /// The declared charset label, if any.
        charset_label: Option<&'a str>,
    },
}

impl Input<'_> {
    /// Length of the input in bytes.
    pub fn len(&self) -> usize {
        match self {
            Input::Text(t) => t.len(),
            Input::Bytes { bytes, .. } => bytes.len(),
        }
    }

    /// True when the input has no content.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// On what evidence the encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// The input was text; nothing was decoded.
    Text,
    /// A byte order mark.
    Bom,
    /// The caller's charset label.
    Declared,
    /// Detection, because the bytes were not valid UTF-8.
    Detected,
    /// The bytes were valid UTF-8 and nothing was declared.
    Utf8,
}

/// How the input was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingInfo {
    /// WHATWG name of the encoding, e.g. `UTF-8`.
    pub name: &'static str,
    /// Why that encoding.
    pub evidence: Evidence,
    /// Invalid sequences replaced with U+FFFD.
    pub replaced_sequences: usize,
}

/// Decoded text plus what decoding did to it.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// How it was decoded.
    pub encoding: EncodingInfo,
    /// Replacements of invalid sequences: input spans are byte ranges of the
    /// raw input, output spans byte ranges of `text`.
    pub edits: Vec<Edit>,
    align: Alignment,
}

/// How offsets of the decoded text map back to the raw input.
#[derive(Debug, Clone)]
enum Alignment {
    /// Raw offset = decoded offset + n (text input, UTF-8 with or without BOM).
    Shift(usize),
    /// Raw offset of every decoded byte offset `0..=text.len()`.
    Table(Vec<u32>),
}

impl Decoded<'_> {
    /// The raw-input byte offset of a decoded-text offset (for offsets inside
    /// a character or a replacement, the start of the raw sequence).
    pub fn raw_offset(&self, decoded: usize) -> usize {
        match &self.align {
            Alignment::Shift(n) => decoded + n,
            Alignment::Table(t) => t
                .get(decoded)
                .or_else(|| t.last())
                .map_or(decoded, |&r| r as usize),
        }
    }
}

/// Decodes the input. With `strict`, an invalid byte sequence is an error
/// instead of a reported replacement.
pub fn decode(input: Input<'_>, strict: bool) -> Result<Decoded<'_>, EngineError> {
    let (bytes, label) = match input {
        Input::Text(text) => {
            return Ok(Decoded {
                text: Cow::Borrowed(text),
                encoding: EncodingInfo {
                    name: UTF_8.name(),
                    evidence: Evidence::Text,
                    replaced_sequences: 0,
                },
                edits: Vec::new(),
                align: Alignment::Shift(0),
            });
        }
        Input::Bytes {
            bytes,
            charset_label,
        } => (
            bytes,
            charset_label.map(str::trim).filter(|l| !l.is_empty()),
        ),
    };
    let declared =
        match label {
            Some(l) => Some(Encoding::for_label(l.as_bytes()).ok_or_else(|| {
                EngineError::UnknownCharset {
                    label: l.to_owned(),
                }
            })?),
            None => None,
        };
    let (encoding, evidence, body) = if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        (enc, Evidence::Bom, &bytes[bom_len..])
    } else if let Some(enc) = declared {
        (enc, Evidence::Declared, bytes)
    } else if std::str::from_utf8(bytes).is_ok() {
        (UTF_8, Evidence::Utf8, bytes)
    } else {
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        det.feed(bytes, true);
        (
            det.guess(None, chardetng::Utf8Detection::Deny),
            Evidence::Detected,
            bytes,
        )
    };
    let offset = bytes.len() - body.len();
    if encoding == UTF_8 {
        if let Ok(text) = std::str::from_utf8(body) {
            return Ok(Decoded {
                text: Cow::Borrowed(text),
                encoding: EncodingInfo {
                    name: UTF_8.name(),
                    evidence,
                    replaced_sequences: 0,
                },
                edits: Vec::new(),
                align: Alignment::Shift(offset),
            });
        }
        return decode_utf8_lossy(body, offset, evidence, strict);
    }
    decode_legacy(encoding, body, offset, evidence, strict)
}

fn decode_utf8_lossy(
    body: &[u8],
    offset: usize,
    evidence: Evidence,
    strict: bool,
) -> Result<Decoded<'static>, EngineError> {
    let mut text = String::with_capacity(body.len() + 8);
    let mut edits = Vec::new();
    let mut table: Vec<u32> = Vec::with_capacity(body.len() + 8);
    for chunk in body.utf8_chunks() {
        let start_in = offset + (chunk.valid().as_ptr() as usize - body.as_ptr() as usize);
        text.push_str(chunk.valid());
        table.extend((0..chunk.valid().len()).map(|k| (start_in + k) as u32));
        let bad = chunk.invalid();
        if !bad.is_empty() {
            let bad_start = start_in + chunk.valid().len();
            if strict {
                return Err(EngineError::InvalidBytes {
                    encoding: UTF_8.name(),
                    offset: bad_start,
                });
            }
            let out = text.len();
            text.push('\u{FFFD}');
            table.extend([bad_start as u32; 3]);
            edits.push(Edit {
                input: Span::new(bad_start, bad_start + bad.len()),
                output: Span::new(out, text.len()),
                kind: EditKind::DecodeError,
                reason: Cow::Borrowed("invalid utf-8 sequence replaced"),
            });
        }
    }
    Ok(Decoded {
        text: Cow::Owned(text),
        encoding: EncodingInfo {
            name: UTF_8.name(),
            evidence,
            replaced_sequences: edits.len(),
        },
        edits,
        align: Alignment::Table({
            table.push((offset + body.len()) as u32);
            table
        }),
    })
}

fn decode_legacy(
    encoding: &'static Encoding,
    body: &[u8],
    offset: usize,
    evidence: Evidence,
    strict: bool,
) -> Result<Decoded<'static>, EngineError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(body.len())
        .unwrap_or(body.len().saturating_mul(3).saturating_add(16));
    let mut text = String::with_capacity(cap);
    let mut table: Vec<u32> = Vec::with_capacity(cap + 1);
    let mut edits = Vec::new();
    // Feed one byte at a time so every decoded character knows the raw
    // bytes it came from.
    let mut pos = 0;
    let mut char_start = 0;
    while pos < body.len() {
        let last = pos + 1 == body.len();
        let before = text.len();
        let (result, read) =
            decoder.decode_to_string_without_replacement(&body[pos..pos + 1], &mut text, last);
        pos += read;
        table.extend(std::iter::repeat_n(
            (offset + char_start) as u32,
            text.len() - before,
        ));
        match result {
            encoding_rs::DecoderResult::InputEmpty => {
                if text.len() > before {
                    char_start = pos;
                }
            }
            encoding_rs::DecoderResult::OutputFull => {
                text.reserve(16);
                table.reserve(16);
            }
            encoding_rs::DecoderResult::Malformed(bad, pending) => {
                let end = pos - pending as usize;
                let start = end.saturating_sub(bad as usize);
                if strict {
                    return Err(EngineError::InvalidBytes {
                        encoding: encoding.name(),
                        offset: offset + start,
                    });
                }
                let out = text.len();
                text.push('\u{FFFD}');
                table.extend([(offset + start) as u32; 3]);
                edits.push(Edit {
                    input: Span::new(offset + start, offset + end),
                    output: Span::new(out, text.len()),
                    kind: EditKind::DecodeError,
                    reason: Cow::Owned(format!(
                        "invalid {} sequence replaced",
                        encoding.name().to_ascii_lowercase()
                    )),
                });
                char_start = end;
            }
        }
    }
    table.push((offset + body.len()) as u32);
    Ok(Decoded {
        text: Cow::Owned(text),
        encoding: EncodingInfo {
            name: encoding.name(),
            evidence,
            replaced_sequences: edits.len(),
        },
        edits,
        align: Alignment::Table(table),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<'a>(b: &'a [u8], label: Option<&'a str>) -> Input<'a> {
        Input::Bytes {
            bytes: b,
            charset_label: label,
        }
    }

    #[test]
    fn evidence_order() {
        type Case<'a> = (&'a [u8], Option<&'a str>, &'a str, Evidence, &'a str);
        let cases: &[Case<'_>] = &[
            (
                b"\xEF\xBB\xBFhi",
                Some("windows-1251"),
                "UTF-8",
                Evidence::Bom,
                "hi",
            ),
            (b"\xFF\xFEh\0i\0", None, "UTF-16LE", Evidence::Bom, "hi"),
            (b"\xFE\xFF\0h\0i", None, "UTF-16BE", Evidence::Bom, "hi"),
            (
                b"\xcf\xf0\xe8\xe2\xe5\xf2",
                Some("windows-1251"),
                "windows-1251",
                Evidence::Declared,
                "Привет",
            ),
            ("naïve".as_bytes(), None, "UTF-8", Evidence::Utf8, "naïve"),
        ];
        for (raw, label, name, evidence, text) in cases {
            let d = decode(bytes(raw, *label), false).expect("decodes");
            assert_eq!(
                (d.encoding.name, d.encoding.evidence, &*d.text),
                (*name, *evidence, *text)
            );
        }
    }

    #[test]
    fn detects_cyrillic_single_byte() {
        let raw = encoding_rs::WINDOWS_1251
            .encode("Рынок акций вырос на фоне новостей о переговорах в Женеве.")
            .0;
        let d = decode(bytes(&raw, None), false).expect("decodes");
        assert_eq!(d.encoding.evidence, Evidence::Detected);
        assert_eq!(d.encoding.name, "windows-1251");
        assert!(d.text.starts_with("Рынок"));
    }

    #[test]
    fn invalid_utf8_replaced_and_reported_or_refused() {
        let d = decode(bytes(b"ab\xFFcd", Some("utf-8")), false).expect("lossy");
        assert_eq!(d.text, "ab\u{FFFD}cd");
        assert_eq!(d.edits.len(), 1);
        assert_eq!(d.edits[0].input, Span::new(2, 3));
        assert_eq!(d.edits[0].output, Span::new(2, 5));
        let e = decode(bytes(b"ab\xFFcd", Some("utf-8")), true).expect_err("strict");
        assert_eq!(
            e,
            EngineError::InvalidBytes {
                encoding: "UTF-8",
                offset: 2
            }
        );
    }

    #[test]
    fn unknown_label_is_typed_error() {
        let e = decode(bytes(b"x", Some("klingon-8")), false).expect_err("unknown");
        assert_eq!(e.reason(), "UNKNOWN_CHARSET");
    }
}
