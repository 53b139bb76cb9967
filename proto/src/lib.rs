//! The `textstance.v1` protobuf API: generated messages and tonic stubs.
//!
//! This crate owns nothing but the schema. `pb` holds the generated code for
//! `proto/textstance/v1/*.proto`; [`FILE_DESCRIPTOR_SET`] is the encoded
//! descriptor set that servers hand to gRPC reflection. Logic lives in
//! `textstance-engine` (text processing) and `textstance-server` (adapter).
//!
//! In the server stubs (`pb::text_service_server`), AnalyzeText,
//! BatchAnalyzeTexts and StreamAnalyzeText answer with [`Encoded`]
//! responses, which a server may build from bytes it wrote itself
//! ([`Encoded::new`] encodes a message). The client stubs and every message
//! are prost's, unchanged.

#[rustfmt::skip]
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic, clippy::unwrap_used)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/textstance.v1.rs"));
}

#[rustfmt::skip]
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic, clippy::unwrap_used)]
mod generated_server {
    include!(concat!(env!("OUT_DIR"), "/server/textstance.v1.rs"));
}

mod encoded;

pub use encoded::Encoded;

/// Generated messages, enums and the `TextService` client and server.
pub mod pb {
    pub use super::generated::*;
    pub use super::generated_server::text_service_server;
}

/// Encoded `google.protobuf.FileDescriptorSet` of the `textstance.v1` files,
/// for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/textstance_descriptor.bin"));
