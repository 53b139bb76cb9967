//! gRPC server reflection, v1 and v1alpha (grpcurl 1.8 speaks only v1alpha),
//! over our descriptor set plus those of `grpc.health.v1` and
//! `google.rpc` (so tools can list Health and decode `BadRequest` details).

use tonic_reflection::server::{Builder, Error, v1, v1alpha};

fn builder() -> Builder<'static> {
    Builder::configure()
        .register_encoded_file_descriptor_set(textstance_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
}

/// The `grpc.reflection.v1` service.
pub fn v1() -> Result<v1::ServerReflectionServer<impl v1::ServerReflection>, Error> {
    builder().build_v1()
}

/// The `grpc.reflection.v1alpha` service.
pub fn v1alpha() -> Result<v1alpha::ServerReflectionServer<impl v1alpha::ServerReflection>, Error> {
    builder().build_v1alpha()
}
