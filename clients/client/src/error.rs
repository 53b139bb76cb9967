//! [`ClientError`]: what can go wrong on the client side, with transport
//! failures kept apart from statuses the server sent.
//!
//! A server status is decoded once, with tonic-types' `StatusExt`, into an
//! [`RpcStatus`] that exposes the code, the message, the `google.rpc.ErrorInfo`
//! reason and the `google.rpc.BadRequest` field violations. A failure that
//! never reached a server (connection refused, reset, no endpoint) is
//! [`ClientError::Transport`], whatever code tonic guessed for it.

use std::fmt;
use std::time::Duration;

use tonic::Code;
use tonic_types::StatusExt;

use crate::balance::EndpointError;

/// One bad field of a request, from a `google.rpc.BadRequest` detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field path, e.g. `requests[3].document.raw_content`.
    pub field: String,
    /// What is wrong with it.
    pub description: String,
}

/// A status the server sent, with its details decoded.
#[derive(Debug)]
pub struct RpcStatus {
    code: Code,
    message: String,
    reason: Option<String>,
    domain: Option<String>,
    field_violations: Vec<FieldViolation>,
    status: tonic::Status,
}

impl RpcStatus {
    /// Decodes the details of `status`. Details that fail to decode are
    /// ignored; the code and message are always kept.
    pub fn from_status(status: tonic::Status) -> RpcStatus {
        let details = status.check_error_details().unwrap_or_default();
        let (reason, domain) = match details.error_info() {
            Some(info) => (Some(info.reason.clone()), Some(info.domain.clone())),
            None => (None, None),
        };
        let field_violations = details
            .bad_request()
            .map(|br| {
                br.field_violations
                    .iter()
                    .map(|v| FieldViolation {
                        field: v.field.clone(),
                        description: v.description.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        RpcStatus {
            code: status.code(),
            message: status.message().to_owned(),
            reason: reason.filter(|r| !r.is_empty()),
            domain: domain.filter(|d| !d.is_empty()),
            field_violations,
            status,
        }
    }

    /// The gRPC code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The server's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `google.rpc.ErrorInfo` reason, such as `DOCUMENT_TOO_LARGE`.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// The `google.rpc.ErrorInfo` domain.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The `google.rpc.BadRequest` field violations, in the server's order.
    pub fn field_violations(&self) -> &[FieldViolation] {
        &self.field_violations
    }

    /// The raw status, for anything not decoded here (metadata, other details).
    pub fn status(&self) -> &tonic::Status {
        &self.status
    }
}

impl fmt::Display for RpcStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)?;
        if let Some(reason) = &self.reason {
            write!(f, " [{reason}]")?;
        }
        for v in &self.field_violations {
            write!(f, "; {}: {}", v.field, v.description)?;
        }
        Ok(())
    }
}

/// Everything a [`Client`](crate::Client) call or builder can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The target string could not be parsed.
    #[error("invalid target {target:?}: {reason}")]
    InvalidTarget {
        /// The target as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A metadata key or value given for a call is not valid gRPC metadata.
    #[error("invalid metadata {key:?}: {reason}")]
    InvalidMetadata {
        /// The key as given.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `dns:` target's host name could not be resolved.
    #[error("cannot resolve {host:?}: {reason}")]
    Resolve {
        /// The host and port being resolved.
        host: String,
        /// The resolver's message.
        reason: String,
    },
    /// The call never got an answer from a server: no endpoint, connection
    /// refused or reset, protocol failure.
    #[error("transport failure{}: {message}", endpoint.as_deref().map(|e| format!(" at {e}")).unwrap_or_default())]
    Transport {
        /// The endpoint the call was sent to, when one was picked.
        endpoint: Option<String>,
        /// What went wrong.
        message: String,
    },
    /// The server answered with a non-OK status.
    #[error("{0}")]
    Status(Box<RpcStatus>),
    /// The call's deadline passed on the client side (all attempts included).
    #[error("deadline of {timeout:?} exceeded")]
    DeadlineExceeded {
        /// The per-call timeout that expired (zero when unknown).
        timeout: Duration,
    },
    /// A stream answered out of order or with the wrong number of items.
    #[error("stream protocol violation: {0}")]
    Protocol(String),
}

impl ClientError {
    /// Classifies a status returned by tonic: one it synthesized from an
    /// error below it (it carries a source) is a transport failure; one the
    /// server sent is [`ClientError::Status`].
    pub fn from_status(status: tonic::Status) -> ClientError {
        if let Some(source) = std::error::Error::source(&status) {
            let mut endpoint = None;
            let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(source);
            while let Some(e) = cur {
                if e.is::<tonic::TimeoutExpired>() {
                    // The channel enforced our own grpc-timeout.
                    return ClientError::DeadlineExceeded {
                        timeout: Duration::ZERO,
                    };
                }
                if let Some(ep) = e.downcast_ref::<EndpointError>() {
                    endpoint = Some(ep.endpoint().to_owned());
                }
                if let Some(ClientError::Transport { endpoint, message }) =
                    e.downcast_ref::<ClientError>()
                {
                    return ClientError::Transport {
                        endpoint: endpoint.clone(),
                        message: message.clone(),
                    };
                }
                cur = e.source();
            }
            let mut message = status.message().to_owned();
            if message.is_empty() {
                message = source.to_string();
            }
            return ClientError::Transport { endpoint, message };
        }
        ClientError::Status(Box::new(RpcStatus::from_status(status)))
    }

    /// The gRPC code this error amounts to: the server's code for
    /// [`ClientError::Status`], `UNAVAILABLE` for transport failures,
    /// `DEADLINE_EXCEEDED` for a client-side deadline, `INVALID_ARGUMENT` for
    /// bad targets and metadata, `INTERNAL` for protocol violations.
    pub fn code(&self) -> Code {
        match self {
            ClientError::Status(s) => s.code(),
            ClientError::Transport { .. } | ClientError::Resolve { .. } => Code::Unavailable,
            ClientError::DeadlineExceeded { .. } => Code::DeadlineExceeded,
            ClientError::InvalidTarget { .. } | ClientError::InvalidMetadata { .. } => {
                Code::InvalidArgument
            }
            ClientError::Protocol(_) => Code::Internal,
        }
    }

    /// True when the call never reached a server (or no server could be
    /// found): the CLI maps this to exit code 69.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            ClientError::Transport { .. } | ClientError::Resolve { .. }
        )
    }

    /// The decoded server status, when the server sent one.
    pub fn rpc_status(&self) -> Option<&RpcStatus> {
        match self {
            ClientError::Status(s) => Some(s),
            _ => None,
        }
    }

    /// The `ErrorInfo` reason of a server status, such as `UNKNOWN_CHARSET`.
    pub fn reason(&self) -> Option<&str> {
        self.rpc_status().and_then(RpcStatus::reason)
    }

    /// The `BadRequest` field violations of a server status (empty otherwise).
    pub fn field_violations(&self) -> &[FieldViolation] {
        self.rpc_status()
            .map(RpcStatus::field_violations)
            .unwrap_or(&[])
    }

    /// True when retrying may succeed: a transport failure or `UNAVAILABLE`.
    /// (Every textstance RPC is a pure function, so a retry is always safe.)
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Transport { .. } => true,
            ClientError::Status(s) => s.code() == Code::Unavailable,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::ErrorDetails;

    #[test]
    fn decodes_reason_and_violations() {
        let mut details = ErrorDetails::with_error_info(
            "UNKNOWN_CHARSET",
            "textstance.v1",
            std::collections::HashMap::new(),
        );
        details.add_bad_request_violation("document.charset_label", "not a WHATWG label");
        let status = tonic::Status::with_error_details(Code::InvalidArgument, "bad label", details);
        let err = ClientError::from_status(status);
        assert!(!err.is_transport());
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(err.reason(), Some("UNKNOWN_CHARSET"));
        assert_eq!(
            err.field_violations(),
            &[FieldViolation {
                field: "document.charset_label".into(),
                description: "not a WHATWG label".into()
            }]
        );
        assert!(!err.is_retryable());
        let shown = err.to_string();
        assert!(shown.contains("UNKNOWN_CHARSET"), "{shown}");
        assert!(shown.contains("document.charset_label"), "{shown}");
    }

    #[test]
    fn plain_status_has_no_details() {
        let err = ClientError::from_status(tonic::Status::unavailable("draining"));
        assert_eq!(err.code(), Code::Unavailable);
        assert!(err.is_retryable());
        assert!(!err.is_transport());
        assert_eq!(err.reason(), None);
        assert!(err.field_violations().is_empty());
    }

    #[test]
    fn status_with_source_is_transport() {
        let inner: Box<dyn std::error::Error + Send + Sync> = Box::new(EndpointError::new(
            "127.0.0.1:1".into(),
            "connection refused".into(),
        ));
        let status = tonic::Status::from_error(inner);
        let err = ClientError::from_status(status);
        assert!(err.is_transport(), "{err:?}");
        assert_eq!(err.code(), Code::Unavailable);
        match err {
            ClientError::Transport { endpoint, .. } => {
                assert_eq!(endpoint.as_deref(), Some("127.0.0.1:1"));
            }
            other => panic!("not transport: {other:?}"),
        }
    }
}
