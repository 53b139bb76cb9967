//! Logs and per-call records.
//!
//! [`init`] installs the subscriber (text or JSON lines on stderr, filtered
//! by `--log-level`); only the binary calls it. [`CallRecord`] is one call's
//! span: method, request id (the caller's `x-request-id`, or a generated
//! one, echoed in the response headers), sizes, status code and duration.
//! It emits one `rpc finished` event when the response body is done and
//! feeds the call metrics. Document text is never logged: handlers record
//! sizes and counts only.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use http::HeaderValue;
use tonic::Code;
use tracing::field::Empty;

use crate::config::{Config, LogFormat};
use crate::metrics::{InFlightGuard, Metrics};

/// The metadata key of the request id.
pub const REQUEST_ID: &str = "x-request-id";

/// Installs the global subscriber described by `config`.
pub fn init(config: &Config) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn generate_request_id() -> String {
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let prefix = *PREFIX.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or(0);
        nanos ^ std::process::id().rotate_left(16)
    });
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    format!("{prefix:08x}-{n:012x}")
}

/// One call's span, timing and outcome; finished on drop.
pub struct CallRecord {
    span: tracing::Span,
    method: Option<&'static str>,
    request_id: Option<HeaderValue>,
    started: Instant,
    code: Option<Code>,
    bytes_out: usize,
    metrics: Arc<Metrics>,
    _in_flight: Option<InFlightGuard>,
}

impl CallRecord {
    /// Starts the record of `req`; `method` is the TextService method, or
    /// `None` for other services (health, reflection), which are logged at
    /// debug level and not counted in the call metrics.
    pub fn start<B>(
        req: &http::Request<B>,
        method: Option<&'static str>,
        metrics: Arc<Metrics>,
    ) -> CallRecord {
        // Health and reflection calls (the empty-call baseline, probes) get
        // no generated id: they echo the caller's id only.
        let request_id = req
            .headers()
            .get(REQUEST_ID)
            .filter(|v| !v.is_empty() && v.len() <= 128)
            .cloned()
            .or_else(|| {
                method.map(|_| {
                    HeaderValue::from_str(&generate_request_id())
                        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
                })
            });
        let rid = request_id
            .as_ref()
            .map_or("-", |v| v.to_str().unwrap_or("(binary)"));
        // Health and reflection calls get a debug span, so probes and the
        // empty-call baseline cost no formatting at the default level.
        let span = if method.is_some() {
            tracing::info_span!(
                "rpc",
                rpc = %req.uri().path(),
                request_id = %rid,
                doc_bytes = Empty,
                documents = Empty,
            )
        } else {
            tracing::debug_span!(
                "rpc",
                rpc = %req.uri().path(),
                request_id = %rid,
                doc_bytes = Empty,
                documents = Empty,
            )
        };
        let in_flight = method.map(|m| {
            metrics.started(m);
            metrics.in_flight()
        });
        CallRecord {
            span,
            method,
            request_id,
            started: Instant::now(),
            code: None,
            bytes_out: 0,
            metrics,
            _in_flight: in_flight,
        }
    }

    /// The call's span.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Sets the final status code.
    pub fn set_code(&mut self, code: Code) {
        self.code = Some(code);
    }

    /// Counts response bytes.
    pub fn add_bytes_out(&mut self, n: usize) {
        self.bytes_out += n;
    }

    /// Echoes the request id in the response headers (generated for
    /// TextService calls that came without one).
    pub fn stamp<B>(&self, resp: &mut http::Response<B>) {
        if let Some(id) = &self.request_id {
            // Unique per call: HPACK would add each one to the dynamic
            // table and evict reusable entries; sent as never-indexed.
            let mut id = id.clone();
            id.set_sensitive(true);
            resp.headers_mut().insert(REQUEST_ID, id);
        }
    }
}

impl Drop for CallRecord {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        // A body dropped before its trailers means the caller went away.
        let code = self.code.unwrap_or(Code::Cancelled);
        let _enter = self.span.enter();
        let duration_us = elapsed.as_micros() as u64;
        match self.method {
            Some(m) => {
                self.metrics.handled(m, code, elapsed);
                if matches!(code, Code::Internal | Code::Unknown | Code::DataLoss) {
                    tracing::warn!(code = ?code, duration_us, bytes_out = self.bytes_out, "rpc finished");
                } else {
                    tracing::info!(code = ?code, duration_us, bytes_out = self.bytes_out, "rpc finished");
                }
            }
            None => {
                tracing::debug!(code = ?code, duration_us, bytes_out = self.bytes_out, "rpc finished");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_echoed() {
        let a = generate_request_id();
        let b = generate_request_id();
        assert_ne!(a, b);
        let metrics = Arc::new(Metrics::new());
        let req = http::Request::builder()
            .uri("/textstance.v1.TextService/AnalyzeText")
            .header(REQUEST_ID, "abc-123")
            .body(())
            .expect("valid request");
        let rec = CallRecord::start(&req, Some("AnalyzeText"), metrics);
        let mut resp = http::Response::new(());
        rec.stamp(&mut resp);
        assert_eq!(resp.headers()[REQUEST_ID], "abc-123");
        // Never indexed by HPACK: ids are unique per call.
        assert!(resp.headers()[REQUEST_ID].is_sensitive());
    }
}
