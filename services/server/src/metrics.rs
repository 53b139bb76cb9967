//! Prometheus metrics of the server and the tiny HTTP endpoint that exposes them.
//!
//! [`Metrics`] owns every counter, gauge and histogram the server reports; [`serve`] answers
//! `GET /metrics` with the Prometheus text exposition format (version 0.0.4) on its own port
//! (`--metrics-listen`, off when unset).
//!
//! # Names
//! The gRPC families use the names dashboards already know from go-grpc-prometheus:
//! `grpc_server_started_total`, `grpc_server_handled_total` (with `grpc_code` spelled as Go
//! spells it: `OK`, `InvalidArgument`, `Canceled`, ...) and the histogram
//! `grpc_server_handling_seconds`, all labelled `grpc_service`, `grpc_method`, `grpc_type`.
//! Like go-grpc-prometheus after `InitializeMetrics`, every RPC of `textstance.v1.TextService`
//! is exported from the start with zero counts, so `rate()` works before the first call.
//! Our own families start with `textstance_`.
//!
//! # Example
//! ```
//! use std::time::Duration;
//! use textstance_server::metrics::Metrics;
//!
//! let metrics = Metrics::new();
//! metrics.started("AnalyzeText");
//! {
//!     let _guard = metrics.in_flight();
//!     metrics.document(1500);
//!     metrics.cues("hedge", 2);
//! }
//! metrics.handled("AnalyzeText", tonic::Code::Ok, Duration::from_micros(180));
//! let text = metrics.encode();
//! assert!(text.contains(r#"grpc_server_handled_total{grpc_service="textstance.v1.TextService",grpc_method="AnalyzeText",grpc_type="unary",grpc_code="OK"} 1"#));
//! ```
//!
//! # Design positions
//! - **Cheap hot path.** Recording is a few relaxed atomic adds. Label sets are preallocated:
//!   per method an array indexed by status code and a fixed bucket array. Label values that are
//!   not known in advance (edit kinds, cue categories, unexpected method names) claim one of a
//!   fixed number of slots the first time they are seen (a short mutex, once per value); later
//!   lookups are lock-free scans of a few `OnceLock`s. When the slots run out, further values are
//!   counted under the label value `other`, so cardinality is bounded.
//! - **No payload in labels.** Labels carry only method names, status codes, edit kinds, cue
//!   categories and the lexicon version and hash: never document text or ids.
//! - **Buckets.** go-grpc-prometheus lets users choose buckets; ours run from 100 µs to 10 s
//!   because most calls finish well under the Go default's first bucket of 5 ms.
//! - **HTTP.** The endpoint is a hand-written HTTP/1.1 responder (no extra dependencies): one
//!   request per connection, `Connection: close`, request heads over 8 KiB refused, at most
//!   [`MAX_CONNECTIONS`] concurrent scrapes, each bounded by a timeout. It won't do TLS,
//!   keep-alive or compression.

use std::fmt::Write as _;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The gRPC service every method label belongs to.
pub const SERVICE: &str = "textstance.v1.TextService";

/// The RPCs of [`SERVICE`] with their go-grpc-prometheus `grpc_type`, exported from the start.
pub const METHODS: [(&str, &str); 7] = [
    ("NormalizeText", "unary"),
    ("SegmentText", "unary"),
    ("TagText", "unary"),
    ("AnalyzeText", "unary"),
    ("BatchAnalyzeTexts", "unary"),
    ("StreamAnalyzeText", "bidi_stream"),
    ("ListLexicons", "unary"),
];

/// The most scrape connections served at once; more are closed on accept.
pub const MAX_CONNECTIONS: usize = 32;

/// Label value used once a family has no free slot left.
const OTHER: &str = "other";
/// Slots for method names (the 7 known ones plus unexpected names).
const METHOD_SLOTS: usize = 16;
/// Slots for edit kinds and cue categories.
const LABEL_SLOTS: usize = 32;
/// Largest accepted HTTP request head.
const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// Most bytes read and discarded after a response while waiting for the client to close.
const MAX_LINGER_BYTES: usize = 64 * 1024;
/// Time budget of one scrape connection, from accept to the last byte written.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// gRPC status code names as go-grpc-prometheus writes them, indexed by code number.
const CODE_NAMES: [&str; 17] = [
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
];

/// Histogram upper bounds in nanoseconds, and the same bounds as `le` label values.
const BUCKETS: [(u64, &str); 16] = [
    (100_000, "0.0001"),
    (250_000, "0.00025"),
    (500_000, "0.0005"),
    (1_000_000, "0.001"),
    (2_500_000, "0.0025"),
    (5_000_000, "0.005"),
    (10_000_000, "0.01"),
    (25_000_000, "0.025"),
    (50_000_000, "0.05"),
    (100_000_000, "0.1"),
    (250_000_000, "0.25"),
    (500_000_000, "0.5"),
    (1_000_000_000, "1"),
    (2_500_000_000, "2.5"),
    (5_000_000_000, "5"),
    (10_000_000_000, "10"),
];

/// Index into [`CODE_NAMES`]; codes outside the table count as `Unknown`.
fn code_index(code: tonic::Code) -> usize {
    usize::try_from(i32::from(code))
        .ok()
        .filter(|&i| i < CODE_NAMES.len())
        .unwrap_or(2)
}

/// Counters of one method: started, handled per code, and its latency histogram.
#[derive(Debug, Default)]
struct MethodStats {
    started: AtomicU64,
    handled: [AtomicU64; CODE_NAMES.len()],
    /// Non-cumulative bucket counts; the last one is the `+Inf` overflow.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

/// One label value and its preallocated value; the key is set once, under the claim lock.
#[derive(Debug)]
struct Slot<T> {
    key: OnceLock<&'static str>,
    value: T,
}

/// A bounded family of label values: lock-free lookup, a short lock once per new value.
#[derive(Debug)]
struct Family<T> {
    slots: Box<[Slot<T>]>,
    other: T,
    claim: Mutex<()>,
}

impl<T: Default> Family<T> {
    fn with_capacity(capacity: usize) -> Self {
        Family {
            slots: (0..capacity)
                .map(|_| Slot {
                    key: OnceLock::new(),
                    value: T::default(),
                })
                .collect(),
            other: T::default(),
            claim: Mutex::new(()),
        }
    }

    /// The value for `key`, claiming a slot on first sight (or `other` when full).
    fn get(&self, key: &'static str) -> &T {
        for slot in self.slots.iter() {
            match slot.key.get() {
                Some(k) if *k == key => return &slot.value,
                Some(_) => {}
                // Slots are claimed in order: the first empty one ends the claimed ones.
                None => break,
            }
        }
        self.claim(key)
    }

    #[cold]
    fn claim(&self, key: &'static str) -> &T {
        let _guard = self.claim.lock().unwrap_or_else(PoisonError::into_inner);
        for slot in self.slots.iter() {
            match slot.key.get() {
                Some(k) if *k == key => return &slot.value,
                Some(_) => {}
                None => {
                    // Only this thread sets keys (we hold the claim lock), so `set` succeeds.
                    let _ = slot.key.set(key);
                    return &slot.value;
                }
            }
        }
        &self.other
    }

    /// Claimed label values with their values, in claim order, then `other` if it was used.
    fn entries(&self, other_used: impl Fn(&T) -> bool) -> impl Iterator<Item = (&'static str, &T)> {
        let claimed = self
            .slots
            .iter()
            .map_while(|slot| slot.key.get().map(|k| (*k, &slot.value)));
        let other = other_used(&self.other).then_some((OTHER, &self.other));
        claimed.chain(other)
    }
}

/// All metrics of one server process. Share it as `Arc<Metrics>`; every method takes `&self`.
#[derive(Debug)]
pub struct Metrics {
    methods: Family<MethodStats>,
    in_flight: Arc<AtomicI64>,
    shed: AtomicU64,
    documents: AtomicU64,
    bytes: AtomicU64,
    edits: Family<AtomicU64>,
    cues: Family<AtomicU64>,
    lexicon: Mutex<Option<(String, String)>>,
    lexicon_reload_failures: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Keeps `textstance_calls_in_flight` raised while alive; dropping it lowers the gauge.
#[derive(Debug)]
#[must_use = "the call counts as in flight only while the guard is alive"]
pub struct InFlightGuard {
    gauge: Arc<AtomicI64>,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.gauge.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Empty metrics with every [`METHODS`] entry registered at zero.
    pub fn new() -> Metrics {
        let methods = Family::with_capacity(METHOD_SLOTS);
        for (name, _) in METHODS {
            methods.get(name);
        }
        Metrics {
            methods,
            in_flight: Arc::new(AtomicI64::new(0)),
            shed: AtomicU64::new(0),
            documents: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            edits: Family::with_capacity(LABEL_SLOTS),
            cues: Family::with_capacity(LABEL_SLOTS),
            lexicon: Mutex::new(None),
            lexicon_reload_failures: AtomicU64::new(0),
        }
    }

    /// Counts an RPC that started (`grpc_server_started_total`). `method` is the RPC name,
    /// e.g. `"AnalyzeText"`.
    pub fn started(&self, method: &'static str) {
        self.methods
            .get(method)
            .started
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an RPC that finished with `code` after `elapsed` (`grpc_server_handled_total` and
    /// `grpc_server_handling_seconds`).
    pub fn handled(&self, method: &'static str, code: tonic::Code, elapsed: Duration) {
        let stats = self.methods.get(method);
        stats.handled[code_index(code)].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BUCKETS
            .iter()
            .position(|&(bound, _)| nanos <= bound)
            .unwrap_or(BUCKETS.len());
        stats.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        stats.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Raises `textstance_calls_in_flight` until the returned guard is dropped.
    pub fn in_flight(&self) -> InFlightGuard {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlightGuard {
            gauge: Arc::clone(&self.in_flight),
        }
    }

    /// Counts a call refused by load shedding (`textstance_calls_shed_total`).
    pub fn shed(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one document of `bytes` input bytes (`textstance_documents_total`,
    /// `textstance_bytes_processed_total`).
    pub fn document(&self, bytes: usize) {
        self.documents.fetch_add(1, Ordering::Relaxed);
        self.bytes
            .fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Adds `n` edits of `kind` (an engine edit kind name such as `"mojibake"`).
    pub fn edits(&self, kind: &'static str, n: u64) {
        if n > 0 {
            self.edits.get(kind).fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Adds `n` cues of `category` (`"hedge"`, `"pessimism"`, `"booster"`).
    pub fn cues(&self, category: &'static str, n: u64) {
        if n > 0 {
            self.cues.get(category).fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Records the lexicon set now in service (`textstance_lexicon_info`, one series).
    pub fn lexicon_loaded(&self, version: &str, hash: &str) {
        let mut lexicon = self.lexicon.lock().unwrap_or_else(PoisonError::into_inner);
        *lexicon = Some((version.to_owned(), hash.to_owned()));
    }

    /// Counts a lexicon reload that failed; the previous lexicons stay in service.
    pub fn lexicon_reload_failed(&self) {
        self.lexicon_reload_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The current values in the Prometheus text exposition format, version 0.0.4.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(32 * 1024);
        let methods: Vec<(&'static str, &MethodStats)> = self
            .methods
            .entries(|s| {
                s.started.load(Ordering::Relaxed) > 0
                    || s.buckets.iter().any(|b| b.load(Ordering::Relaxed) > 0)
            })
            .collect();

        header(
            &mut out,
            "grpc_server_started_total",
            "counter",
            "RPCs the server began to handle.",
        );
        for &(method, stats) in &methods {
            out.push_str("grpc_server_started_total");
            method_labels(&mut out, method, None);
            value_u64(&mut out, stats.started.load(Ordering::Relaxed));
        }

        header(
            &mut out,
            "grpc_server_handled_total",
            "counter",
            "RPCs the server finished, by status code.",
        );
        for &(method, stats) in &methods {
            for (code, count) in CODE_NAMES.iter().zip(&stats.handled) {
                out.push_str("grpc_server_handled_total");
                method_labels(&mut out, method, Some(("grpc_code", code)));
                value_u64(&mut out, count.load(Ordering::Relaxed));
            }
        }

        header(
            &mut out,
            "grpc_server_handling_seconds",
            "histogram",
            "Seconds from the start of an RPC to its status, as seen by the server.",
        );
        for &(method, stats) in &methods {
            // Load each bucket once so buckets, +Inf and _count agree within one scrape.
            let counts: Vec<u64> = stats
                .buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect();
            let mut cumulative = 0u64;
            for (&(_, le), count) in BUCKETS.iter().zip(&counts) {
                cumulative += count;
                out.push_str("grpc_server_handling_seconds_bucket");
                method_labels(&mut out, method, Some(("le", le)));
                value_u64(&mut out, cumulative);
            }
            cumulative += counts.last().copied().unwrap_or(0);
            out.push_str("grpc_server_handling_seconds_bucket");
            method_labels(&mut out, method, Some(("le", "+Inf")));
            value_u64(&mut out, cumulative);
            out.push_str("grpc_server_handling_seconds_sum");
            method_labels(&mut out, method, None);
            // Display for f64 never uses exponent notation; Prometheus parses either.
            let seconds = stats.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, " {seconds}");
            out.push_str("grpc_server_handling_seconds_count");
            method_labels(&mut out, method, None);
            value_u64(&mut out, cumulative);
        }

        scalar(
            &mut out,
            "textstance_bytes_processed_total",
            "counter",
            "Input bytes of all documents processed.",
            self.bytes.load(Ordering::Relaxed),
        );
        scalar(
            &mut out,
            "textstance_documents_total",
            "counter",
            "Documents processed, counting each item of a batch or stream.",
            self.documents.load(Ordering::Relaxed),
        );
        labelled(
            &mut out,
            "textstance_edits_total",
            "Edits made by normalization, by kind.",
            "kind",
            &self.edits,
        );
        labelled(
            &mut out,
            "textstance_cues_total",
            "Stance cues found, by category.",
            "category",
            &self.cues,
        );
        scalar(
            &mut out,
            "textstance_calls_shed_total",
            "counter",
            "Calls refused with RESOURCE_EXHAUSTED by load shedding.",
            self.shed.load(Ordering::Relaxed),
        );
        header(
            &mut out,
            "textstance_calls_in_flight",
            "gauge",
            "Calls being handled now.",
        );
        let _ = writeln!(
            out,
            "textstance_calls_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        header(
            &mut out,
            "textstance_lexicon_info",
            "gauge",
            "The lexicon set in service: always 1, labelled with its version and content hash.",
        );
        let lexicon = self
            .lexicon
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some((version, hash)) = lexicon {
            out.push_str("textstance_lexicon_info{version=\"");
            escape_label(&mut out, &version);
            out.push_str("\",hash=\"");
            escape_label(&mut out, &hash);
            out.push_str("\"} 1\n");
        }
        scalar(
            &mut out,
            "textstance_lexicon_reload_failures_total",
            "counter",
            "Lexicon reloads that failed; the previous lexicons stayed in service.",
            self.lexicon_reload_failures.load(Ordering::Relaxed),
        );
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn scalar(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    header(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

fn labelled(out: &mut String, name: &str, help: &str, label: &str, family: &Family<AtomicU64>) {
    header(out, name, "counter", help);
    for (key, count) in family.entries(|c| c.load(Ordering::Relaxed) > 0) {
        let _ = write!(out, "{name}{{{label}=\"");
        escape_label(out, key);
        let _ = writeln!(out, "\"}} {}", count.load(Ordering::Relaxed));
    }
}

fn value_u64(out: &mut String, value: u64) {
    let _ = writeln!(out, " {value}");
}

/// Writes `{grpc_service=..,grpc_method=..,grpc_type=..[,extra]}`.
fn method_labels(out: &mut String, method: &str, extra: Option<(&str, &str)>) {
    let kind = METHODS
        .iter()
        .find(|(name, _)| *name == method)
        .map_or("unary", |(_, kind)| *kind);
    out.push_str("{grpc_service=\"");
    out.push_str(SERVICE);
    out.push_str("\",grpc_method=\"");
    escape_label(out, method);
    out.push_str("\",grpc_type=\"");
    out.push_str(kind);
    if let Some((label, value)) = extra {
        let _ = write!(out, "\",{label}=\"");
        escape_label(out, value);
    }
    out.push_str("\"}");
}

/// Escapes a label value as the text format requires: `\\`, `\"` and `\n`.
fn escape_label(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Serves `GET /metrics` (and `HEAD`) on `listener` until `shutdown` resolves.
///
/// Each connection carries one request and is closed after the response. Accept errors (for
/// example running out of file descriptors) are logged and retried after a short pause, so this
/// returns `Ok(())` once `shutdown` resolves; open scrapes are then cancelled.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    if connections.len() >= MAX_CONNECTIONS {
                        tracing::debug!("metrics: too many scrapes at once, closing a connection");
                        continue;
                    }
                    let metrics = Arc::clone(&metrics);
                    connections.spawn(async move {
                        match tokio::time::timeout(CONNECTION_TIMEOUT, respond(stream, &metrics)).await {
                            Ok(Ok(())) => {}
                            Ok(Err(error)) => tracing::debug!(%error, "metrics: scrape connection failed"),
                            Err(_) => tracing::debug!("metrics: scrape connection timed out"),
                        }
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    connections.shutdown().await;
    Ok(())
}

/// Reads one request head from `stream` and writes the response.
async fn respond(mut stream: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let complete = loop {
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            break true;
        }
        if head.len() > MAX_REQUEST_HEAD {
            break false;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            // The peer closed before finishing its request head: nothing to answer.
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
    };
    let response = if complete {
        route(&head, metrics)
    } else {
        Response::text(
            "431 Request Header Fields Too Large",
            "request head too large\n",
        )
    };
    let mut bytes = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    if let Some(allow) = response.allow {
        let _ = write!(bytes, "Allow: {allow}\r\n");
    }
    bytes.push_str("\r\n");
    stream.write_all(bytes.as_bytes()).await?;
    if !response.head_only {
        stream.write_all(response.body.as_bytes()).await?;
    }
    stream.shutdown().await?;
    // Lingering close: read what the client still sends (bounded) until it closes, so closing
    // with unread input does not reset the connection before the client read the response.
    let mut drained = 0usize;
    while drained < MAX_LINGER_BYTES {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
    Ok(())
}

/// A response before framing.
#[derive(Debug)]
struct Response {
    status: &'static str,
    content_type: &'static str,
    body: String,
    allow: Option<&'static str>,
    head_only: bool,
}

impl Response {
    fn text(status: &'static str, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.to_owned(),
            allow: None,
            head_only: false,
        }
    }
}

/// Chooses the response for a complete request head.
fn route(head: &[u8], metrics: &Metrics) -> Response {
    let request_line = head
        .split(|&b| b == b'\n')
        .next()
        .and_then(|line| std::str::from_utf8(line).ok())
        .unwrap_or("");
    let mut parts = request_line.split_ascii_whitespace();
    let (method, target) = match (parts.next(), parts.next(), parts.next()) {
        (Some(method), Some(target), Some(version)) if version.starts_with("HTTP/1.") => {
            (method, target)
        }
        _ => return Response::text("400 Bad Request", "bad request line\n"),
    };
    let path = target.split('?').next().unwrap_or(target);
    if path != "/metrics" {
        return Response::text("404 Not Found", "not found; metrics are at /metrics\n");
    }
    match method {
        "GET" | "HEAD" => Response {
            status: "200 OK",
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: metrics.encode(),
            allow: None,
            head_only: method == "HEAD",
        },
        _ => Response {
            allow: Some("GET, HEAD"),
            ..Response::text("405 Method Not Allowed", "method not allowed\n")
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;

    /// One parsed sample line.
    #[derive(Debug, Clone, PartialEq)]
    struct Sample {
        name: String,
        labels: BTreeMap<String, String>,
        value: f64,
    }

    /// A strict-enough parser of the text format: every line must be a comment or a sample,
    /// every sample's family must have been declared by a preceding `# TYPE`.
    fn parse(text: &str) -> (Vec<Sample>, HashMap<String, String>) {
        let mut samples = Vec::new();
        let mut types = HashMap::new();
        assert!(text.ends_with('\n'), "exposition must end with a newline");
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("TYPE has a kind");
                assert!(
                    types.insert(name.to_owned(), kind.to_owned()).is_none(),
                    "family {name} declared twice"
                );
                continue;
            }
            if line.starts_with("# HELP ") {
                continue;
            }
            assert!(
                !line.starts_with('#') && !line.is_empty(),
                "stray line {line:?}"
            );
            let (series, value) = line.rsplit_once(' ').expect("sample has a value");
            let value: f64 = value.parse().expect("value is a number");
            let (name, labels) = match series.split_once('{') {
                None => (series.to_owned(), BTreeMap::new()),
                Some((name, rest)) => {
                    let body = rest.strip_suffix('}').expect("labels close");
                    (name.to_owned(), parse_labels(body))
                }
            };
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "bad metric name {name}"
            );
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| {
                    name.strip_suffix(s)
                        .filter(|f| types.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(&name);
            assert!(
                types.contains_key(family),
                "{name} has no TYPE line before it"
            );
            samples.push(Sample {
                name,
                labels,
                value,
            });
        }
        (samples, types)
    }

    fn parse_labels(body: &str) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::new();
        let mut chars = body.chars().peekable();
        while chars.peek().is_some() {
            let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
            assert_eq!(chars.next(), Some('"'), "label value opens with a quote");
            let mut value = String::new();
            loop {
                match chars.next().expect("label value closes") {
                    '\\' => match chars.next() {
                        Some('n') => value.push('\n'),
                        Some(c @ ('\\' | '"')) => value.push(c),
                        other => panic!("bad escape {other:?}"),
                    },
                    '"' => break,
                    c => value.push(c),
                }
            }
            assert!(labels.insert(key, value).is_none(), "duplicate label");
            if chars.peek() == Some(&',') {
                chars.next();
            }
        }
        labels
    }

    /// The value of the one sample with `name` whose labels include all of `want`.
    fn value(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> Option<f64> {
        let found: Vec<&Sample> = samples
            .iter()
            .filter(|s| {
                s.name == name
                    && want
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect();
        assert!(found.len() <= 1, "{name} {want:?} matched {found:?}");
        found.first().map(|s| s.value)
    }

    #[test]
    fn metrics_are_send_and_sync_and_guard_is_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Metrics>();
        check::<InFlightGuard>();
    }

    #[test]
    fn fresh_metrics_export_every_method_at_zero() {
        let (samples, types) = parse(&Metrics::new().encode());
        let expected_types = [
            ("grpc_server_started_total", "counter"),
            ("grpc_server_handled_total", "counter"),
            ("grpc_server_handling_seconds", "histogram"),
            ("textstance_bytes_processed_total", "counter"),
            ("textstance_documents_total", "counter"),
            ("textstance_edits_total", "counter"),
            ("textstance_cues_total", "counter"),
            ("textstance_calls_shed_total", "counter"),
            ("textstance_calls_in_flight", "gauge"),
            ("textstance_lexicon_info", "gauge"),
            ("textstance_lexicon_reload_failures_total", "counter"),
        ];
        assert_eq!(types.len(), expected_types.len());
        for (name, kind) in expected_types {
            assert_eq!(types.get(name).map(String::as_str), Some(kind), "{name}");
        }
        for (method, kind) in METHODS {
            let labels = [
                ("grpc_service", SERVICE),
                ("grpc_method", method),
                ("grpc_type", kind),
            ];
            assert_eq!(
                value(&samples, "grpc_server_started_total", &labels),
                Some(0.0)
            );
            for code in CODE_NAMES {
                let mut with_code = labels.to_vec();
                with_code.push(("grpc_code", code));
                assert_eq!(
                    value(&samples, "grpc_server_handled_total", &with_code),
                    Some(0.0),
                    "{method} {code}"
                );
            }
            let buckets = samples
                .iter()
                .filter(|s| {
                    s.name == "grpc_server_handling_seconds_bucket"
                        && s.labels["grpc_method"] == method
                })
                .count();
            assert_eq!(buckets, BUCKETS.len() + 1, "{method}");
        }
        // Labelled families with nothing recorded have no series; the info gauge waits for a load.
        for name in [
            "textstance_edits_total",
            "textstance_cues_total",
            "textstance_lexicon_info",
        ] {
            assert!(samples.iter().all(|s| s.name != name), "{name}");
        }
        for name in [
            "textstance_bytes_processed_total",
            "textstance_documents_total",
            "textstance_calls_shed_total",
            "textstance_calls_in_flight",
            "textstance_lexicon_reload_failures_total",
        ] {
            assert_eq!(value(&samples, name, &[]), Some(0.0), "{name}");
        }
    }

    #[test]
    fn handled_calls_land_in_their_code_and_bucket() {
        // (method, code, elapsed)
        let calls: &[(&'static str, tonic::Code, Duration)] = &[
            ("AnalyzeText", tonic::Code::Ok, Duration::from_micros(80)),
            ("AnalyzeText", tonic::Code::Ok, Duration::from_micros(100)),
            ("AnalyzeText", tonic::Code::Ok, Duration::from_micros(101)),
            (
                "AnalyzeText",
                tonic::Code::InvalidArgument,
                Duration::from_millis(3),
            ),
            (
                "AnalyzeText",
                tonic::Code::Cancelled,
                Duration::from_secs(11),
            ),
            (
                "StreamAnalyzeText",
                tonic::Code::Ok,
                Duration::from_millis(700),
            ),
            (
                "BatchAnalyzeTexts",
                tonic::Code::ResourceExhausted,
                Duration::ZERO,
            ),
            (
                "NormalizeText",
                tonic::Code::DeadlineExceeded,
                Duration::from_millis(5),
            ),
        ];
        let metrics = Metrics::new();
        for &(method, code, elapsed) in calls {
            metrics.started(method);
            metrics.handled(method, code, elapsed);
        }
        let (samples, _) = parse(&metrics.encode());
        let m = |method| [("grpc_method", method)];
        assert_eq!(
            value(&samples, "grpc_server_started_total", &m("AnalyzeText")),
            Some(5.0)
        );
        assert_eq!(
            value(&samples, "grpc_server_started_total", &m("TagText")),
            Some(0.0)
        );

        // (method, grpc_type, grpc_code, count)
        let handled = [
            ("AnalyzeText", "unary", "OK", 3.0),
            ("AnalyzeText", "unary", "InvalidArgument", 1.0),
            ("AnalyzeText", "unary", "Canceled", 1.0),
            ("AnalyzeText", "unary", "Unavailable", 0.0),
            ("StreamAnalyzeText", "bidi_stream", "OK", 1.0),
            ("BatchAnalyzeTexts", "unary", "ResourceExhausted", 1.0),
            ("NormalizeText", "unary", "DeadlineExceeded", 1.0),
        ];
        for (method, kind, code, count) in handled {
            let labels = [
                ("grpc_service", SERVICE),
                ("grpc_method", method),
                ("grpc_type", kind),
                ("grpc_code", code),
            ];
            assert_eq!(
                value(&samples, "grpc_server_handled_total", &labels),
                Some(count),
                "{method} {code}"
            );
        }

        // AnalyzeText: 80 µs and 100 µs fall in le=0.0001 (bounds are inclusive), 101 µs in
        // 0.00025, 3 ms in 0.005, 11 s only in +Inf. (le, cumulative count)
        let buckets = [
            ("0.0001", 2.0),
            ("0.00025", 3.0),
            ("0.0025", 3.0),
            ("0.005", 4.0),
            ("10", 4.0),
            ("+Inf", 5.0),
        ];
        for (le, count) in buckets {
            let labels = [("grpc_method", "AnalyzeText"), ("le", le)];
            assert_eq!(
                value(&samples, "grpc_server_handling_seconds_bucket", &labels),
                Some(count),
                "le={le}"
            );
        }
        assert_eq!(
            value(
                &samples,
                "grpc_server_handling_seconds_count",
                &m("AnalyzeText")
            ),
            Some(5.0)
        );
        let sum = value(
            &samples,
            "grpc_server_handling_seconds_sum",
            &m("AnalyzeText"),
        )
        .expect("sum present");
        assert!((sum - 11.003281).abs() < 1e-9, "sum {sum}");
        assert_eq!(
            value(
                &samples,
                "grpc_server_handling_seconds_bucket",
                &[("grpc_method", "StreamAnalyzeText"), ("le", "0.5")]
            ),
            Some(0.0)
        );
        assert_eq!(
            value(
                &samples,
                "grpc_server_handling_seconds_bucket",
                &[("grpc_method", "StreamAnalyzeText"), ("le", "1")]
            ),
            Some(1.0)
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_count() {
        let metrics = Metrics::new();
        for micros in (0..2000u64).map(|i| i * i * 7 % 3_000_000) {
            metrics.handled("TagText", tonic::Code::Ok, Duration::from_micros(micros));
        }
        let (samples, _) = parse(&metrics.encode());
        let buckets: Vec<&Sample> = samples
            .iter()
            .filter(|s| {
                s.name == "grpc_server_handling_seconds_bucket"
                    && s.labels["grpc_method"] == "TagText"
            })
            .collect();
        let les: Vec<&str> = buckets.iter().map(|s| s.labels["le"].as_str()).collect();
        let mut expected: Vec<&str> = BUCKETS.iter().map(|&(_, le)| le).collect();
        expected.push("+Inf");
        assert_eq!(les, expected);
        assert!(buckets.windows(2).all(|w| w[0].value <= w[1].value));
        let bounds: Vec<f64> = BUCKETS
            .iter()
            .map(|&(nanos, le)| {
                let parsed: f64 = le.parse().expect("le parses");
                assert!((parsed * 1e9 - nanos as f64).abs() < 1.0, "{le} vs {nanos}");
                parsed
            })
            .collect();
        assert!(bounds.windows(2).all(|w| w[0] < w[1]));
        let total = buckets.last().map(|s| s.value);
        assert_eq!(total, Some(2000.0));
        assert_eq!(
            value(
                &samples,
                "grpc_server_handling_seconds_count",
                &[("grpc_method", "TagText")]
            ),
            total
        );
    }

    #[test]
    fn every_code_has_its_go_name() {
        // (tonic code, go-grpc-prometheus name)
        let table = [
            (tonic::Code::Ok, "OK"),
            (tonic::Code::Cancelled, "Canceled"),
            (tonic::Code::Unknown, "Unknown"),
            (tonic::Code::InvalidArgument, "InvalidArgument"),
            (tonic::Code::DeadlineExceeded, "DeadlineExceeded"),
            (tonic::Code::NotFound, "NotFound"),
            (tonic::Code::AlreadyExists, "AlreadyExists"),
            (tonic::Code::PermissionDenied, "PermissionDenied"),
            (tonic::Code::ResourceExhausted, "ResourceExhausted"),
            (tonic::Code::FailedPrecondition, "FailedPrecondition"),
            (tonic::Code::Aborted, "Aborted"),
            (tonic::Code::OutOfRange, "OutOfRange"),
            (tonic::Code::Unimplemented, "Unimplemented"),
            (tonic::Code::Internal, "Internal"),
            (tonic::Code::Unavailable, "Unavailable"),
            (tonic::Code::DataLoss, "DataLoss"),
            (tonic::Code::Unauthenticated, "Unauthenticated"),
        ];
        for (code, name) in table {
            assert_eq!(CODE_NAMES[code_index(code)], name);
        }
    }

    /// (name, labels, value)
    type Expected = (&'static str, &'static [(&'static str, &'static str)], f64);

    #[test]
    fn textstance_counters_and_gauges() {
        let metrics = Metrics::new();
        let outer = metrics.in_flight();
        let inner = metrics.in_flight();
        metrics.document(1500);
        metrics.document(0);
        metrics.document(25);
        metrics.edits("mojibake", 3);
        metrics.edits("html_entity", 1);
        metrics.edits("mojibake", 2);
        metrics.edits("quote", 0);
        metrics.cues("hedge", 4);
        metrics.cues("booster", 1);
        metrics.shed();
        metrics.shed();
        metrics.lexicon_reload_failed();
        let (samples, _) = parse(&metrics.encode());
        // (name, labels, value)
        let expected: &[Expected] = &[
            ("textstance_calls_in_flight", &[], 2.0),
            ("textstance_documents_total", &[], 3.0),
            ("textstance_bytes_processed_total", &[], 1525.0),
            ("textstance_edits_total", &[("kind", "mojibake")], 5.0),
            ("textstance_edits_total", &[("kind", "html_entity")], 1.0),
            ("textstance_cues_total", &[("category", "hedge")], 4.0),
            ("textstance_cues_total", &[("category", "booster")], 1.0),
            ("textstance_calls_shed_total", &[], 2.0),
            ("textstance_lexicon_reload_failures_total", &[], 1.0),
        ];
        for &(name, labels, want) in expected {
            assert_eq!(
                value(&samples, name, labels),
                Some(want),
                "{name} {labels:?}"
            );
        }
        assert_eq!(
            value(&samples, "textstance_edits_total", &[("kind", "quote")]),
            None
        );
        assert_eq!(
            value(
                &samples,
                "textstance_cues_total",
                &[("category", "pessimism")]
            ),
            None
        );
        drop(inner);
        drop(outer);
        let (samples, _) = parse(&metrics.encode());
        assert_eq!(
            value(&samples, "textstance_calls_in_flight", &[]),
            Some(0.0)
        );
    }

    #[test]
    fn lexicon_info_keeps_one_series_and_escapes_labels() {
        let metrics = Metrics::new();
        metrics.lexicon_loaded("0.1.0", "aaaa");
        metrics.lexicon_loaded("0.2.0 \"beta\"\\x\nnext", "bbbb");
        let (samples, _) = parse(&metrics.encode());
        let info: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.name == "textstance_lexicon_info")
            .collect();
        assert_eq!(info.len(), 1);
        assert_eq!(info[0].labels["version"], "0.2.0 \"beta\"\\x\nnext");
        assert_eq!(info[0].labels["hash"], "bbbb");
        assert_eq!(info[0].value, 1.0);
    }

    #[test]
    fn unexpected_labels_are_bounded() {
        let metrics = Metrics::new();
        // Unknown methods are counted too, as unary, until the method slots run out.
        metrics.started("Frobnicate");
        metrics.handled("Frobnicate", tonic::Code::Unimplemented, Duration::ZERO);
        let kinds: Vec<&'static str> = (0..LABEL_SLOTS + 5)
            .map(|i| &*Box::leak(format!("kind{i}").into_boxed_str()))
            .collect();
        for kind in &kinds {
            metrics.edits(kind, 1);
        }
        let (samples, _) = parse(&metrics.encode());
        assert_eq!(
            value(
                &samples,
                "grpc_server_handled_total",
                &[
                    ("grpc_method", "Frobnicate"),
                    ("grpc_type", "unary"),
                    ("grpc_code", "Unimplemented")
                ]
            ),
            Some(1.0)
        );
        let edit_series = samples
            .iter()
            .filter(|s| s.name == "textstance_edits_total")
            .count();
        assert_eq!(edit_series, LABEL_SLOTS + 1);
        assert_eq!(
            value(&samples, "textstance_edits_total", &[("kind", "kind0")]),
            Some(1.0)
        );
        assert_eq!(
            value(&samples, "textstance_edits_total", &[("kind", OTHER)]),
            Some(5.0)
        );
    }

    #[test]
    fn concurrent_recording_loses_nothing() {
        let metrics = Arc::new(Metrics::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let metrics = Arc::clone(&metrics);
                std::thread::spawn(move || {
                    let kind: &'static str = ["a", "b", "c", "d"][t];
                    for _ in 0..1000 {
                        metrics.started("SegmentText");
                        metrics.edits(kind, 1);
                        metrics.handled("SegmentText", tonic::Code::Ok, Duration::from_micros(1));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("recording thread");
        }
        let (samples, _) = parse(&metrics.encode());
        let m = [("grpc_method", "SegmentText")];
        assert_eq!(
            value(&samples, "grpc_server_started_total", &m),
            Some(4000.0)
        );
        assert_eq!(
            value(&samples, "grpc_server_handling_seconds_count", &m),
            Some(4000.0)
        );
        for kind in ["a", "b", "c", "d"] {
            assert_eq!(
                value(&samples, "textstance_edits_total", &[("kind", kind)]),
                Some(1000.0)
            );
        }
    }

    /// Sends `request` raw and returns the whole response.
    async fn http(addr: std::net::SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        response
    }

    #[tokio::test]
    async fn endpoint_serves_metrics_and_stops_on_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let metrics = Arc::new(Metrics::new());
        metrics.started("ListLexicons");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, Arc::clone(&metrics), async move {
            let _ = stopped.await;
        }));

        let ok = http(
            addr,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        )
        .await;
        let (head, body) = ok.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"));
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        let (samples, _) = parse(body);
        assert_eq!(
            value(
                &samples,
                "grpc_server_started_total",
                &[("grpc_method", "ListLexicons")]
            ),
            Some(1.0)
        );

        // (request, expected status line)
        let cases = [
            ("GET /metrics?name[]=x HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK"),
            ("HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK"),
            ("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"),
            (
                "POST /metrics HTTP/1.1\r\n\r\n",
                "HTTP/1.1 405 Method Not Allowed",
            ),
            ("nonsense\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        ];
        for (request, status) in cases {
            let response = http(addr, request).await;
            assert!(response.starts_with(status), "{request:?} -> {response:?}");
        }
        let head_only = http(addr, "HEAD /metrics HTTP/1.1\r\n\r\n").await;
        assert!(head_only.ends_with("\r\n\r\n"), "HEAD has no body");
        let too_big = format!("GET /metrics HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(10_000));
        assert!(http(addr, &too_big).await.starts_with("HTTP/1.1 431"));

        stop.send(()).expect("server still running");
        server.await.expect("serve task").expect("serve result");
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "listener closed after shutdown"
        );
    }
}
