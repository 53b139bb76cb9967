//! Prometheus metrics: a minimal stand-in with the final API.
//!
//! The real implementation (go-grpc-prometheus names, histograms, per-kind
//! counters) is written separately and replaces this file at merge time; the
//! handlers only depend on the method signatures below. This version keeps
//! a few lock-free totals so the endpoint already serves something true.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Process metrics, shared as `Arc<Metrics>`.
#[derive(Debug, Default)]
pub struct Metrics {
    started: AtomicU64,
    handled: AtomicU64,
    in_flight: Arc<AtomicI64>,
    shed: AtomicU64,
    documents: AtomicU64,
    bytes: AtomicU64,
    edits: AtomicU64,
    cues: AtomicU64,
    reload_failures: AtomicU64,
}

/// Keeps the in-flight gauge raised until dropped.
#[derive(Debug)]
pub struct InFlightGuard {
    gauge: Arc<AtomicI64>,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.gauge.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// A call of `method` started.
    pub fn started(&self, _method: &'static str) {
        self.started.fetch_add(1, Ordering::Relaxed);
    }

    /// A call of `method` finished with `code` after `elapsed`.
    pub fn handled(&self, _method: &'static str, _code: tonic::Code, _elapsed: Duration) {
        self.handled.fetch_add(1, Ordering::Relaxed);
    }

    /// Raises the in-flight gauge until the guard drops.
    pub fn in_flight(&self) -> InFlightGuard {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlightGuard {
            gauge: self.in_flight.clone(),
        }
    }

    /// A call was shed for load.
    pub fn shed(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    /// A document of `bytes` bytes was processed.
    pub fn document(&self, bytes: usize) {
        self.documents.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// `n` edits of `kind` were made.
    pub fn edits(&self, _kind: &'static str, n: u64) {
        self.edits.fetch_add(n, Ordering::Relaxed);
    }

    /// `n` cues of `category` were found.
    pub fn cues(&self, _category: &'static str, n: u64) {
        self.cues.fetch_add(n, Ordering::Relaxed);
    }

    /// Lexicons of `version` and `hash` are now in service.
    pub fn lexicon_loaded(&self, _version: &str, _hash: &str) {}

    /// A lexicon reload failed.
    pub fn lexicon_reload_failed(&self) {
        self.reload_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "# TYPE grpc_server_started_total counter\ngrpc_server_started_total {}\n\
             # TYPE grpc_server_handled_total counter\ngrpc_server_handled_total {}\n\
             # TYPE textstance_calls_in_flight gauge\ntextstance_calls_in_flight {}\n\
             # TYPE textstance_calls_shed_total counter\ntextstance_calls_shed_total {}\n\
             # TYPE textstance_documents_total counter\ntextstance_documents_total {}\n\
             # TYPE textstance_document_bytes_total counter\ntextstance_document_bytes_total {}\n\
             # TYPE textstance_edits_total counter\ntextstance_edits_total {}\n\
             # TYPE textstance_cues_total counter\ntextstance_cues_total {}\n\
             # TYPE textstance_lexicon_reload_failures_total counter\ntextstance_lexicon_reload_failures_total {}\n",
            g(&self.started),
            g(&self.handled),
            self.in_flight.load(Ordering::Relaxed),
            g(&self.shed),
            g(&self.documents),
            g(&self.bytes),
            g(&self.edits),
            g(&self.cues),
            g(&self.reload_failures),
        )
    }
}

/// Serves `GET /metrics` (any path) over HTTP/1.1 on `listener` until
/// `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let (mut sock, _) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => accepted?,
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 16 * 1024 {
                match sock.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let body = metrics.encode();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(body.as_bytes()).await;
            let _ = sock.shutdown().await;
        });
    }
}
