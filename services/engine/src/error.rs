//! Typed errors of the engine. Each variant knows which request field it
//! concerns and a stable machine-readable reason, so adapters (the gRPC server,
//! the CLI) can report it precisely without parsing messages.

/// Everything the engine can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The document has no content at all.
    #[error("document is empty")]
    EmptyDocument,
    /// The charset label is not a WHATWG encoding label.
    #[error("unknown charset label {label:?}")]
    UnknownCharset {
        /// The label as given.
        label: String,
    },
    /// Strict decoding met an invalid byte sequence.
    #[error("invalid {encoding} byte sequence at byte {offset}")]
    InvalidBytes {
        /// The encoding the bytes were decoded as.
        encoding: &'static str,
        /// Byte offset of the first invalid sequence in the raw input.
        offset: usize,
    },
}

impl EngineError {
    /// A stable, upper-case reason code such as `UNKNOWN_CHARSET`.
    pub fn reason(&self) -> &'static str {
        match self {
            EngineError::EmptyDocument => "EMPTY_DOCUMENT",
            EngineError::UnknownCharset { .. } => "UNKNOWN_CHARSET",
            EngineError::InvalidBytes { .. } => "INVALID_BYTES",
        }
    }

    /// The document field the error is about, as named in the API
    /// (`text`, `raw_content`, `charset_label`), when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            EngineError::EmptyDocument => Some("content"),
            EngineError::UnknownCharset { .. } => Some("charset_label"),
            EngineError::InvalidBytes { .. } => Some("raw_content"),
        }
    }

    /// True when the caller's input caused the error (as opposed to a fault).
    pub fn is_caller_error(&self) -> bool {
        true
    }
}
