//! Method descriptors and call data: where the schema comes from, and the
//! JSON data encoded once into protobuf bytes.
//!
//! The schema comes from a `.proto` file compiled at run time with protox, or
//! from the server's reflection service (`grpc.reflection.v1`, then
//! `v1alpha`), as ghz does it. If reflection is not served, the built-in
//! `textstance.v1` descriptors are used, with a warning. The
//! `grpc.health.v1.Health` descriptors are always at hand, so the empty-call
//! baseline works with any proto file. JSON is mapped to protobuf by
//! prost-reflect's serde support (protobuf JSON mapping: lowerCamelCase or
//! original field names, unknown fields rejected).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::connect::Conn;
use bytes::Bytes;
use http::uri::PathAndQuery;
use prost::Message as _;
use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage, MethodDescriptor};
use prost_types::{FileDescriptorProto, FileDescriptorSet};
use serde_json::Value;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::{Code, Request, Status};

/// Why the schema or the call data could not be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// protox could not compile the proto file.
    #[error("cannot compile {path}: {detail}")]
    Compile {
        /// The proto file.
        path: PathBuf,
        /// The compiler's message.
        detail: String,
    },
    /// Reflection returned descriptors that do not form a valid pool.
    #[error("invalid descriptors: {0}")]
    Descriptors(String),
    /// The service or method is not in the schema.
    #[error("{0}")]
    NotFound(String),
    /// The call data does not match the request message.
    #[error("call data does not fit {message}: {detail}")]
    Data {
        /// The request message type.
        message: String,
        /// The mapping error.
        detail: String,
    },
    /// A metadata key or value is not valid in HTTP/2 headers.
    #[error("invalid metadata {key:?}: {detail}")]
    Metadata {
        /// The key.
        key: String,
        /// What is wrong.
        detail: String,
    },
}

/// The shape of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// One request, one response.
    Unary,
    /// A stream of requests, one response.
    ClientStreaming,
    /// One request, a stream of responses.
    ServerStreaming,
    /// Streams both ways.
    Bidi,
}

/// Everything a worker needs to make the call, prepared once.
#[derive(Debug, Clone)]
pub struct CallPlan {
    /// `/package.Service/Method`.
    pub path: PathAndQuery,
    /// The method's shape.
    pub kind: CallKind,
    /// Encoded request messages. Unary and server-streaming calls take one
    /// per call, round-robin; streaming-request calls send them all.
    pub messages: Vec<Bytes>,
}

impl CallPlan {
    /// Request bytes sent by call number `k` (protobuf bodies, without framing).
    pub fn bytes_for_call(&self, k: u64) -> u64 {
        match self.kind {
            CallKind::Unary | CallKind::ServerStreaming => {
                let i = (k % self.messages.len().max(1) as u64) as usize;
                self.messages.get(i).map_or(0, |m| m.len() as u64)
            }
            CallKind::ClientStreaming | CallKind::Bidi => {
                self.messages.iter().map(|m| m.len() as u64).sum()
            }
        }
    }
}

/// Compiles a proto file with protox. As in ghz, the file's directory and the
/// working directory are import paths after the given ones.
pub fn compile_proto(
    proto: &Path,
    import_paths: &[PathBuf],
) -> Result<DescriptorPool, SchemaError> {
    let err = |detail: String| SchemaError::Compile {
        path: proto.to_owned(),
        detail,
    };
    let mut includes: Vec<PathBuf> = import_paths.to_vec();
    match proto.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => includes.push(dir.to_owned()),
        _ => {}
    }
    includes.push(PathBuf::from("."));
    let mut compiler = protox::Compiler::new(includes).map_err(|e| err(e.to_string()))?;
    compiler.include_imports(true);
    compiler.open_file(proto).map_err(|e| err(e.to_string()))?;
    Ok(compiler.descriptor_pool())
}

/// The built-in schema: `textstance.v1` plus `grpc.health.v1`.
pub fn builtin_pool() -> Result<DescriptorPool, SchemaError> {
    let mut pool = DescriptorPool::new();
    pool.decode_file_descriptor_set(textstance_proto::FILE_DESCRIPTOR_SET)
        .map_err(|e| SchemaError::Descriptors(e.to_string()))?;
    add_health(&mut pool)?;
    Ok(pool)
}

/// Adds `grpc.health.v1` to a pool that lacks it.
pub fn add_health(pool: &mut DescriptorPool) -> Result<(), SchemaError> {
    if pool.get_service_by_name("grpc.health.v1.Health").is_none() {
        pool.decode_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .map_err(|e| SchemaError::Descriptors(e.to_string()))?;
    }
    Ok(())
}

/// Builds a metadata map from string pairs.
pub fn metadata_map(pairs: &BTreeMap<String, String>) -> Result<MetadataMap, SchemaError> {
    let mut map = MetadataMap::new();
    for (k, v) in pairs {
        let err = |detail: String| SchemaError::Metadata {
            key: k.clone(),
            detail,
        };
        let key = MetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
            .map_err(|e| err(e.to_string()))?;
        let value = MetadataValue::try_from(v.as_str()).map_err(|e| err(e.to_string()))?;
        map.insert(key, value);
    }
    Ok(map)
}

/// Which reflection protocol answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReflectionVersion {
    /// `grpc.reflection.v1`.
    V1,
    /// `grpc.reflection.v1alpha`.
    V1Alpha,
}

macro_rules! reflection_fetch {
    ($name:ident, $module:path) => {
        /// Fetches the file defining `symbol` and, transitively, its imports.
        async fn $name(
            channel: Conn,
            metadata: &MetadataMap,
            symbol: &str,
        ) -> Result<Vec<FileDescriptorProto>, Status> {
            use r::server_reflection_request::MessageRequest;
            use r::server_reflection_response::MessageResponse;
            use $module as r;
            let mut client = r::server_reflection_client::ServerReflectionClient::new(channel);
            let mut files: Vec<FileDescriptorProto> = Vec::new();
            let mut seen: HashSet<String> = HashSet::new();
            let mut pending = vec![MessageRequest::FileContainingSymbol(symbol.to_owned())];
            while let Some(message) = pending.pop() {
                let request = r::ServerReflectionRequest {
                    host: String::new(),
                    message_request: Some(message),
                };
                let mut request = Request::new(tokio_stream::once(request));
                *request.metadata_mut() = metadata.clone();
                let mut responses = client.server_reflection_info(request).await?.into_inner();
                while let Some(response) = responses.message().await? {
                    match response.message_response {
                        Some(MessageResponse::FileDescriptorResponse(found)) => {
                            for encoded in found.file_descriptor_proto {
                                let file = FileDescriptorProto::decode(encoded.as_slice())
                                    .map_err(|e| Status::internal(e.to_string()))?;
                                if !seen.insert(file.name().to_owned()) {
                                    continue;
                                }
                                for dep in &file.dependency {
                                    if !seen.contains(dep) {
                                        pending.push(MessageRequest::FileByFilename(dep.clone()));
                                    }
                                }
                                files.push(file);
                            }
                        }
                        Some(MessageResponse::ErrorResponse(e)) => {
                            return Err(Status::new(Code::from(e.error_code), e.error_message));
                        }
                        _ => {}
                    }
                }
                pending.retain(|m| match m {
                    MessageRequest::FileByFilename(name) => !seen.contains(name),
                    _ => true,
                });
            }
            Ok(files)
        }
    };
}

reflection_fetch!(fetch_v1, tonic_reflection::pb::v1);
reflection_fetch!(fetch_v1alpha, tonic_reflection::pb::v1alpha);

/// Asks the server's reflection service for the schema of `service`:
/// `grpc.reflection.v1` first, `v1alpha` if v1 is unimplemented.
pub async fn reflect_pool(
    channel: Conn,
    metadata: &MetadataMap,
    service: &str,
) -> Result<(DescriptorPool, ReflectionVersion), Status> {
    let (files, version) = match fetch_v1(channel.clone(), metadata, service).await {
        Ok(files) => (files, ReflectionVersion::V1),
        Err(status) if status.code() == Code::Unimplemented => (
            fetch_v1alpha(channel, metadata, service).await?,
            ReflectionVersion::V1Alpha,
        ),
        Err(status) => return Err(status),
    };
    let pool = DescriptorPool::from_file_descriptor_set(FileDescriptorSet { file: files })
        .map_err(|e| Status::internal(format!("reflection returned invalid descriptors: {e}")))?;
    Ok((pool, version))
}

/// Finds the method in the pool.
pub fn find_method(
    pool: &DescriptorPool,
    service: &str,
    method: &str,
) -> Result<MethodDescriptor, SchemaError> {
    let svc = pool
        .get_service_by_name(service)
        .ok_or_else(|| SchemaError::NotFound(format!("service {service} is not in the schema")))?;
    svc.methods().find(|m| m.name() == method).ok_or_else(|| {
        SchemaError::NotFound(format!("method {method} is not in service {service}"))
    })
}

/// Encodes the call data for `method`: an object is one message, an array is
/// one message per element.
pub fn plan(method: &MethodDescriptor, data: &Value) -> Result<CallPlan, SchemaError> {
    let input = method.input();
    let options = DeserializeOptions::new();
    let encode = |value: &Value| -> Result<Bytes, SchemaError> {
        let message = DynamicMessage::deserialize_with_options(input.clone(), value, &options)
            .map_err(|e| SchemaError::Data {
                message: input.full_name().to_owned(),
                detail: e.to_string(),
            })?;
        Ok(Bytes::from(message.encode_to_vec()))
    };
    let messages = match data {
        Value::Array(items) => items.iter().map(encode).collect::<Result<Vec<_>, _>>()?,
        other => vec![encode(other)?],
    };
    let kind = match (method.is_client_streaming(), method.is_server_streaming()) {
        (false, false) => CallKind::Unary,
        (true, false) => CallKind::ClientStreaming,
        (false, true) => CallKind::ServerStreaming,
        (true, true) => CallKind::Bidi,
    };
    let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
    let path = PathAndQuery::try_from(path.as_str())
        .map_err(|e| SchemaError::NotFound(format!("bad method path {path:?}: {e}")))?;
    Ok(CallPlan {
        path,
        kind,
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_object_and_array_data() {
        let pool = builtin_pool().expect("builtin descriptors");
        let method =
            find_method(&pool, "textstance.v1.TextService", "AnalyzeText").expect("method");
        let one = plan(&method, &json!({"document": {"text": "Hello."}})).expect("encodes");
        assert_eq!(one.kind, CallKind::Unary);
        assert_eq!(one.messages.len(), 1);
        assert_eq!(one.path.as_str(), "/textstance.v1.TextService/AnalyzeText");
        // The bytes decode back to the same request.
        let decoded = textstance_proto::pb::AnalyzeTextRequest::decode(one.messages[0].clone())
            .expect("decodes");
        let text = decoded.document.and_then(|d| d.content);
        assert_eq!(
            text,
            Some(textstance_proto::pb::document::Content::Text(
                "Hello.".to_owned()
            ))
        );

        let stream =
            find_method(&pool, "textstance.v1.TextService", "StreamAnalyzeText").expect("method");
        let many = plan(
            &stream,
            &json!([{"request": {"document": {"text": "a"}}}, {"request": {"document": {"text": "bb"}}}]),
        )
        .expect("encodes");
        assert_eq!(many.kind, CallKind::Bidi);
        assert_eq!(many.messages.len(), 2);
        assert_eq!(
            many.bytes_for_call(7),
            many.messages.iter().map(|m| m.len() as u64).sum::<u64>()
        );
    }

    #[test]
    fn rejects_unknown_fields_and_methods() {
        let pool = builtin_pool().expect("builtin descriptors");
        let method =
            find_method(&pool, "textstance.v1.TextService", "AnalyzeText").expect("method");
        assert!(matches!(
            plan(&method, &json!({"nope": 1})),
            Err(SchemaError::Data { .. })
        ));
        assert!(find_method(&pool, "textstance.v1.TextService", "Nope").is_err());
        assert!(find_method(&pool, "x.Y", "Z").is_err());
        let health = find_method(&pool, "grpc.health.v1.Health", "Check").expect("health");
        assert_eq!(
            plan(&health, &json!({})).expect("empty").messages[0].len(),
            0
        );
    }

    #[test]
    fn builds_metadata() {
        let mut pairs = BTreeMap::new();
        pairs.insert("X-Run".to_owned(), "7".to_owned());
        let map = metadata_map(&pairs).expect("valid");
        assert_eq!(map.get("x-run").and_then(|v| v.to_str().ok()), Some("7"));
        pairs.insert("bad key".to_owned(), "v".to_owned());
        assert!(metadata_map(&pairs).is_err());
    }
}
