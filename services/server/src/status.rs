//! The one place where failures become gRPC statuses.
//!
//! Caller mistakes become INVALID_ARGUMENT with a `google.rpc.BadRequest`
//! naming the field (a path from the request root, e.g.
//! `requests[3].document.raw_content`) and a `google.rpc.ErrorInfo` whose
//! `reason` is a stable code (domain [`DOMAIN`]). Overload, drain and
//! deadlines get their own codes. Messages never quote document text.
//!
//! [`ApiError`] is the server's error value: it converts to a
//! [`tonic::Status`] for unary calls and to an
//! [`ItemError`](textstance_proto::pb::ItemError) for a stream item, so both
//! carry the same code, reason and violations.

use std::collections::HashMap;

use textstance_engine::EngineError;
use textstance_proto::pb;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `ErrorInfo.domain` of every error this server produces.
pub const DOMAIN: &str = "textstance";

/// Stable reason codes that are not engine reasons.
pub mod reason {
    /// A document is larger than `--max-document-bytes`.
    pub const DOCUMENT_TOO_LARGE: &str = "DOCUMENT_TOO_LARGE";
    /// A batch has more requests than `--max-batch-size`.
    pub const BATCH_TOO_LARGE: &str = "BATCH_TOO_LARGE";
    /// The request has no document (or no content).
    pub const EMPTY_DOCUMENT: &str = "EMPTY_DOCUMENT";
    /// An enum field holds a value this server does not know.
    pub const UNKNOWN_ENUM_VALUE: &str = "UNKNOWN_ENUM_VALUE";
    /// The process-wide concurrency limit is reached.
    pub const OVERLOADED: &str = "OVERLOADED";
    /// The server is shutting down.
    pub const DRAINING: &str = "DRAINING";
    /// The caller's deadline (`grpc-timeout`) passed.
    pub const CALLER_DEADLINE: &str = "CALLER_DEADLINE";
    /// The server's per-request time budget (`--request-timeout`) passed.
    pub const TIME_BUDGET: &str = "TIME_BUDGET_EXCEEDED";
    /// An internal fault; details are in the server log.
    pub const INTERNAL: &str = "INTERNAL";
}

/// A failure to report to the caller: code, message, reason and the bad
/// fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The gRPC code.
    pub code: Code,
    /// A message for humans; never contains document text.
    pub message: String,
    /// The `ErrorInfo.reason`.
    pub reason: &'static str,
    /// `(field path, description)` pairs for the `BadRequest`.
    pub violations: Vec<(String, String)>,
}

impl ApiError {
    fn invalid(field: String, reason: &'static str, message: String) -> ApiError {
        ApiError {
            code: Code::InvalidArgument,
            violations: vec![(field, message.clone())],
            message,
            reason,
        }
    }

    /// The same error with every field path prefixed, e.g. `requests[3].`.
    pub fn within(mut self, prefix: &str) -> ApiError {
        for (field, _) in &mut self.violations {
            *field = join(prefix, field);
        }
        self
    }

    /// The gRPC status, with `ErrorInfo` and (when there are violations)
    /// `BadRequest` details.
    pub fn to_status(&self) -> Status {
        let mut details = ErrorDetails::new();
        details.set_error_info(self.reason, DOMAIN, HashMap::<String, String>::new());
        for (field, description) in &self.violations {
            details.add_bad_request_violation(field.clone(), description.clone());
        }
        Status::with_error_details(self.code, self.message.clone(), details)
    }

    /// The error of one stream item.
    pub fn to_item_error(&self) -> pb::ItemError {
        pb::ItemError {
            code: self.code as i32,
            message: self.message.clone(),
            reason: self.reason.to_owned(),
            field_violations: self
                .violations
                .iter()
                .map(|(field, description)| pb::FieldViolation {
                    field: field.clone(),
                    description: description.clone(),
                })
                .collect(),
        }
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        e.to_status()
    }
}

fn join(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{field}"),
    }
}

/// Maps an engine error about the document at `field_prefix` (e.g.
/// `document` or `requests[2].document`) to a gRPC status.
pub fn from_engine(err: &EngineError, field_prefix: &str) -> Status {
    engine_error(err, field_prefix).to_status()
}

/// [`from_engine`] as an [`ApiError`], for stream items and prefixing.
pub fn engine_error(err: &EngineError, field_prefix: &str) -> ApiError {
    let field = join(field_prefix, err.field().unwrap_or(""));
    if err.is_caller_error() {
        ApiError::invalid(field, err.reason(), err.to_string())
    } else {
        tracing::error!(error = %err, "engine fault");
        internal()
    }
}

/// The request has no document: field `field` (e.g. `document`).
pub fn missing_document(field: &str) -> ApiError {
    ApiError::invalid(
        field.to_owned(),
        reason::EMPTY_DOCUMENT,
        "document is missing".to_owned(),
    )
}

/// A document over the size limit.
pub fn document_too_large(field: &str, size: usize, limit: usize) -> ApiError {
    ApiError::invalid(
        field.to_owned(),
        reason::DOCUMENT_TOO_LARGE,
        format!("document is {size} bytes, the limit is {limit}"),
    )
}

/// A batch over the size limit (field `requests`).
pub fn batch_too_large(len: usize, limit: usize) -> ApiError {
    ApiError::invalid(
        "requests".to_owned(),
        reason::BATCH_TOO_LARGE,
        format!("batch has {len} requests, the limit is {limit}"),
    )
}

/// An enum field with an unknown value.
pub fn unknown_enum(field: &str, value: i32) -> ApiError {
    ApiError::invalid(
        field.to_owned(),
        reason::UNKNOWN_ENUM_VALUE,
        format!("unknown enum value {value}"),
    )
}

/// Load shed: the process-wide concurrency limit is reached.
pub fn overloaded(limit: usize) -> ApiError {
    ApiError {
        code: Code::ResourceExhausted,
        message: format!("server is at its limit of {limit} calls in flight; retry later"),
        reason: reason::OVERLOADED,
        violations: Vec::new(),
    }
}

/// The server is draining.
pub fn draining() -> ApiError {
    ApiError {
        code: Code::Unavailable,
        message: "server is shutting down".to_owned(),
        reason: reason::DRAINING,
        violations: Vec::new(),
    }
}

/// A deadline passed; `caller` tells the caller's deadline from the
/// server's own time budget.
pub fn deadline(caller: bool) -> ApiError {
    let (message, reason) = if caller {
        ("the caller's deadline passed", reason::CALLER_DEADLINE)
    } else {
        (
            "the request exceeded the server's time budget",
            reason::TIME_BUDGET,
        )
    };
    ApiError {
        code: Code::DeadlineExceeded,
        message: message.to_owned(),
        reason,
        violations: Vec::new(),
    }
}

/// A fault of ours: a generic message; the detail goes to the log.
pub fn internal() -> ApiError {
    ApiError {
        code: Code::Internal,
        message: "internal error".to_owned(),
        reason: reason::INTERNAL,
        violations: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_map_to_fields() {
        let cases = [
            (
                EngineError::EmptyDocument,
                "document",
                "document.content",
                "EMPTY_DOCUMENT",
            ),
            (
                EngineError::UnknownCharset {
                    label: "klingon".into(),
                },
                "requests[3].document",
                "requests[3].document.charset_label",
                "UNKNOWN_CHARSET",
            ),
            (
                EngineError::InvalidBytes {
                    encoding: "UTF-8",
                    offset: 4,
                },
                "request.document",
                "request.document.raw_content",
                "INVALID_BYTES",
            ),
        ];
        for (err, prefix, field, reason) in cases {
            let e = engine_error(&err, prefix);
            assert_eq!(e.code, Code::InvalidArgument);
            assert_eq!(e.reason, reason);
            assert_eq!(e.violations[0].0, field);
            let status = from_engine(&err, prefix);
            let details = status.get_error_details();
            let br = details.bad_request().expect("bad request detail");
            assert_eq!(br.field_violations[0].field, field);
            let info = details.error_info().expect("error info");
            assert_eq!(
                (info.reason.as_str(), info.domain.as_str()),
                (reason, DOMAIN)
            );
        }
    }

    #[test]
    fn prefixes_and_item_errors() {
        let e = document_too_large("document.text", 10, 5).within("requests[7]");
        assert_eq!(e.violations[0].0, "requests[7].document.text");
        let item = e.to_item_error();
        assert_eq!(item.code, Code::InvalidArgument as i32);
        assert_eq!(item.reason, "DOCUMENT_TOO_LARGE");
        assert_eq!(item.field_violations[0].field, "requests[7].document.text");
        assert_eq!(overloaded(4).to_status().code(), Code::ResourceExhausted);
        assert_eq!(draining().to_status().code(), Code::Unavailable);
        assert_eq!(deadline(true).to_status().code(), Code::DeadlineExceeded);
    }
}
