//! The `textstance.v1` protobuf API: generated messages and tonic stubs.
//!
//! This crate owns nothing but the schema. `pb` holds the generated code for
//! `proto/textstance/v1/*.proto`; [`FILE_DESCRIPTOR_SET`] is the encoded
//! descriptor set that servers hand to gRPC reflection. Logic lives in
//! `textstance-engine` (text processing) and `textstance-server` (adapter).

#[rustfmt::skip]
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic, clippy::unwrap_used)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/textstance.v1.rs"));
}

/// Generated messages, enums and the `TextService` client and server.
pub mod pb {
    pub use super::generated::*;
}

/// Encoded `google.protobuf.FileDescriptorSet` of the `textstance.v1` files,
/// for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/textstance_descriptor.bin"));
