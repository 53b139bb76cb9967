//! [`Encoded`]: a message of type `M` carried as its protobuf encoding.
//!
//! The server stubs answer the three analysis calls with it, so a
//! server can write the response bytes itself, straight from its own data,
//! instead of building prost structs and having prost encode them (prost
//! measures every nested message again at each level of nesting). The
//! bytes go on the wire as they are; whoever builds them vouches that they
//! are a valid encoding of `M`. Clients are unaffected: they decode `M`.
//!
//! It does not check the bytes against `M`'s schema.

use std::fmt;
use std::marker::PhantomData;

use prost::bytes::{Buf, BufMut, Bytes};
use prost::encoding::{
    DecodeContext, WireType, bytes, check_wire_type, encode_key, encode_varint, fixed32, fixed64,
    uint64,
};
use prost::{DecodeError, Message};

/// The protobuf encoding of a message of type `M`.
pub struct Encoded<M> {
    bytes: Bytes,
    _message: PhantomData<fn() -> M>,
}

impl<M> Encoded<M> {
    /// Wraps bytes that are an encoding of an `M` (unchecked).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Encoded<M> {
        Encoded {
            bytes: bytes.into(),
            _message: PhantomData,
        }
    }

    /// The encoding.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

impl<M: Message> Encoded<M> {
    /// Encodes `message`.
    pub fn new(message: &M) -> Encoded<M> {
        Encoded::from_bytes(message.encode_to_vec())
    }
}

impl<M: Message + Default> Encoded<M> {
    /// Decodes the bytes as an `M`.
    pub fn decode(&self) -> Result<M, DecodeError> {
        M::decode(self.bytes.clone())
    }
}

impl<M> Default for Encoded<M> {
    fn default() -> Self {
        Encoded::from_bytes(Bytes::new())
    }
}

impl<M> Clone for Encoded<M> {
    fn clone(&self) -> Self {
        Encoded::from_bytes(self.bytes.clone())
    }
}

impl<M> PartialEq for Encoded<M> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl<M> fmt::Debug for Encoded<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoded")
            .field("message", &std::any::type_name::<M>())
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl<M> Message for Encoded<M> {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.bytes);
    }

    /// Keeps each field, in order, so a canonical encoding decodes and
    /// encodes back to the same bytes (groups, unused in proto3, are
    /// refused).
    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        // Back to a Vec without a copy when the bytes are not shared.
        let mut out = Vec::from(std::mem::take(&mut self.bytes));
        let kept = out.len();
        let field = append_field(tag, wire_type, buf, ctx, &mut out);
        if field.is_err() {
            out.truncate(kept);
        }
        self.bytes = out.into();
        field
    }

    fn encoded_len(&self) -> usize {
        self.bytes.len()
    }

    fn clear(&mut self) {
        self.bytes = Bytes::new();
    }
}

/// Decodes one field's value from `buf` and appends the field to `out`.
fn append_field(
    tag: u32,
    wire_type: WireType,
    buf: &mut impl Buf,
    ctx: DecodeContext,
    out: &mut Vec<u8>,
) -> Result<(), DecodeError> {
    encode_key(tag, wire_type, out);
    match wire_type {
        WireType::Varint => {
            let mut v = 0u64;
            uint64::merge(wire_type, &mut v, buf, ctx)?;
            encode_varint(v, out);
        }
        WireType::SixtyFourBit => {
            let mut v = 0u64;
            fixed64::merge(wire_type, &mut v, buf, ctx)?;
            out.put_u64_le(v);
        }
        WireType::ThirtyTwoBit => {
            let mut v = 0u32;
            fixed32::merge(wire_type, &mut v, buf, ctx)?;
            out.put_u32_le(v);
        }
        WireType::LengthDelimited => {
            let mut v: Vec<u8> = Vec::new();
            bytes::merge(wire_type, &mut v, buf, ctx)?;
            encode_varint(v.len() as u64, out);
            out.extend_from_slice(&v);
        }
        // Always an error: a group is not a length-delimited field.
        WireType::StartGroup | WireType::EndGroup => {
            check_wire_type(WireType::LengthDelimited, wire_type)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;

    fn sample() -> pb::AnalyzeTextResponse {
        pb::AnalyzeTextResponse {
            result: Some(pb::AnalysisResult {
                id: "doc-1".into(),
                text: Some(String::new()),
                cues: vec![pb::Cue {
                    span: Some(pb::Span { begin: 3, end: 300 }),
                    category: 2,
                    entry_id: "en.h.may".into(),
                    weight: -0.5,
                    in_quotation: true,
                    ..Default::default()
                }],
                offset_unit: 2,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn encodes_as_the_message_would() {
        let msg = sample();
        let e = Encoded::new(&msg);
        assert_eq!(e.encode_to_vec(), msg.encode_to_vec());
        assert_eq!(e.encoded_len(), msg.encoded_len());
        assert_eq!(e.decode().ok(), Some(msg));
    }

    #[test]
    fn decoding_keeps_every_field_as_it_came() {
        // Every wire type but groups: varint, length-delimited, fixed64
        // (a double) and fixed32 (written by hand: no such field here).
        let mut bytes = sample().encode_to_vec();
        encode_key(99, WireType::ThirtyTwoBit, &mut bytes);
        bytes.extend_from_slice(&[1, 2, 3, 4]);
        let e = Encoded::<pb::AnalyzeTextResponse>::decode_from(&bytes);
        assert_eq!(e.map(|e| e.bytes().to_vec()).ok(), Some(bytes));
    }

    #[test]
    fn refuses_groups_and_truncation() {
        let mut group = Vec::new();
        encode_key(5, WireType::StartGroup, &mut group);
        let truncated = &sample().encode_to_vec()[..10];
        for bad in [&group[..], truncated] {
            assert!(Encoded::<pb::AnalyzeTextResponse>::decode_from(bad).is_err());
        }
    }

    impl<M> Encoded<M> {
        fn decode_from(bytes: &[u8]) -> Result<Self, DecodeError> {
            <Self as Message>::decode(bytes)
        }
    }
}
