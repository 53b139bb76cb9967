//! Admission control and per-call context: the tower layer every call
//! passes before tonic routes it.
//!
//! For `textstance.v1.TextService` calls the layer
//! - refuses new calls with UNAVAILABLE (reason `DRAINING`) once the server
//!   drains;
//! - sheds load with RESOURCE_EXHAUSTED (reason `OVERLOADED`) when the
//!   process-wide count of calls in flight is at `--max-concurrency` (a
//!   lock-free counter; a stream counts as one call for its whole life);
//! - records the arrival time and the caller's `grpc-timeout` as a
//!   [`CallContext`] request extension, from which handlers derive their
//!   [`Deadline`];
//! - answers DEADLINE_EXCEEDED (reason `CALLER_DEADLINE`) itself when the
//!   caller's deadline passes before the response starts, including while
//!   the request body is still arriving. Tonic's own timer would answer
//!   CANCELLED; ours is set 1 ms earlier so it wins.
//!
//! Health and reflection calls pass untouched, so probes are never shed.
//! Every call, of any service, gets a tracing span and a request id (see
//! [`crate::telemetry`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Instant;
use tonic::Code;

use crate::metrics::Metrics;
use crate::status::{self, ApiError};
use crate::telemetry::CallRecord;

/// The path prefix of TextService methods.
const TEXT_SERVICE_PREFIX: &str = "/textstance.v1.TextService/";

/// The TextService's methods, as static names for metrics.
const METHODS: [&str; 7] = [
    "NormalizeText",
    "SegmentText",
    "TagText",
    "AnalyzeText",
    "BatchAnalyzeTexts",
    "StreamAnalyzeText",
    "ListLexicons",
];

/// Process-wide admission state.
#[derive(Debug)]
pub struct Limits {
    max_in_flight: usize,
    in_flight: AtomicUsize,
    draining: AtomicBool,
}

impl Limits {
    /// Admits at most `max_in_flight` TextService calls at once.
    pub fn new(max_in_flight: usize) -> Limits {
        Limits {
            max_in_flight,
            in_flight: AtomicUsize::new(0),
            draining: AtomicBool::new(false),
        }
    }

    /// TextService calls in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// From now on new TextService calls get UNAVAILABLE.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Release);
    }

    /// True once draining started.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    fn try_admit(self: &Arc<Self>) -> Result<Permit, ApiError> {
        if self.is_draining() {
            return Err(status::draining());
        }
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        if before >= self.max_in_flight {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(status::overloaded(self.max_in_flight));
        }
        Ok(Permit {
            limits: self.clone(),
        })
    }
}

/// One admitted call; releases its slot when dropped.
#[derive(Debug)]
pub(crate) struct Permit {
    limits: Arc<Limits>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.limits.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What the layer learned about a call, for its handler.
#[derive(Debug, Clone, Copy)]
pub struct CallContext {
    /// When the call's headers arrived.
    pub arrived: Instant,
    /// The caller's `grpc-timeout`, if sent.
    pub caller_timeout: Option<Duration>,
}

/// When a request must be done, and whose limit that is.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// The instant.
    pub at: Instant,
    /// True when it is the caller's deadline, false for the time budget.
    pub caller: bool,
}

/// Tonic's own `grpc-timeout` timer (outside this layer) answers CANCELLED.
/// Ending our work this much before the caller's deadline lets our
/// DEADLINE_EXCEEDED reach the caller first.
const CALLER_DEADLINE_MARGIN: Duration = Duration::from_millis(1);

impl Deadline {
    /// The earlier of the caller's deadline and `budget` from `start`.
    pub fn new(ctx: Option<&CallContext>, start: Instant, budget: Duration) -> Deadline {
        let own = Deadline {
            at: start + budget,
            caller: false,
        };
        let Some(ctx) = ctx else { return own };
        match ctx.caller_timeout {
            Some(t) => {
                let at = ctx.arrived + t.saturating_sub(CALLER_DEADLINE_MARGIN);
                if at <= own.at {
                    Deadline { at, caller: true }
                } else {
                    own
                }
            }
            None => own,
        }
    }

    /// True when the instant has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.at
    }

    /// The error to answer when it passed.
    pub fn error(&self) -> ApiError {
        status::deadline(self.caller)
    }
}

/// Parses a `grpc-timeout` value: up to 8 digits and a unit (H, M, S, m, u,
/// n).
pub fn parse_grpc_timeout(v: &str) -> Option<Duration> {
    if v.len() < 2 || v.len() > 9 {
        return None;
    }
    let (digits, unit) = v.split_at(v.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// The tower layer; see the module docs.
#[derive(Debug, Clone)]
pub struct CallLayer {
    limits: Arc<Limits>,
    metrics: Arc<Metrics>,
}

impl CallLayer {
    /// A layer admitting calls against `limits` and counting into `metrics`.
    pub fn new(limits: Arc<Limits>, metrics: Arc<Metrics>) -> CallLayer {
        CallLayer { limits, metrics }
    }
}

impl<S> tower::Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> CallService<S> {
        CallService {
            inner,
            limits: self.limits.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`CallLayer`] wraps around the routes.
#[derive(Debug, Clone)]
pub struct CallService<S> {
    inner: S,
    limits: Arc<Limits>,
    metrics: Arc<Metrics>,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for CallService<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + Unpin + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<ReqBody>) -> Self::Future {
        let arrived = Instant::now();
        let path = req.uri().path();
        let method = path
            .strip_prefix(TEXT_SERVICE_PREFIX)
            .and_then(|m| METHODS.iter().find(|k| **k == m).copied());
        let mut record = CallRecord::start(&req, method, self.metrics.clone());
        // Swap in the clone that was polled ready (tower's contract).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);

        let permit = match method {
            None => None,
            Some(_) => match self.limits.try_admit() {
                Ok(p) => Some(p),
                Err(e) => {
                    if e.code == Code::ResourceExhausted {
                        self.metrics.shed();
                    }
                    record.set_code(e.code);
                    let mut resp = e.to_status().into_http::<tonic::body::Body>();
                    record.stamp(&mut resp);
                    drop(record);
                    return Box::pin(std::future::ready(Ok(resp)));
                }
            },
        };
        let caller_timeout = req
            .headers()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout);
        req.extensions_mut().insert(CallContext {
            arrived,
            caller_timeout,
        });
        let span = record.span().clone();
        // The caller's deadline is enforced here, around the whole call
        // (request body included), so the caller gets DEADLINE_EXCEEDED
        // rather than tonic's CANCELLED.
        let caller_deadline = caller_timeout
            .map(|t| arrived + t.saturating_sub(CALLER_DEADLINE_MARGIN))
            .filter(|_| method.is_some());
        Box::pin(async move {
            let fut = tracing::Instrument::instrument(inner.call(req), span);
            let resp = match caller_deadline {
                None => fut.await?,
                Some(at) => match tokio::time::timeout_at(at, fut).await {
                    Ok(r) => r?,
                    Err(_) => {
                        let e = status::deadline(true);
                        record.set_code(e.code);
                        let mut resp = e.to_status().into_http::<tonic::body::Body>();
                        record.stamp(&mut resp);
                        return Ok(resp);
                    }
                },
            };
            let mut resp = resp;
            record.stamp(&mut resp);
            if let Some(code) = resp
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<i32>().ok())
            {
                record.set_code(Code::from_i32(code));
            }
            Ok(resp.map(|body| {
                tonic::body::Body::new(CallBody {
                    inner: body,
                    _permit: permit,
                    record,
                })
            }))
        })
    }
}

/// A response body that keeps the call's slot and record until the body is
/// done, and reads the final `grpc-status` from the trailers.
struct CallBody<B> {
    inner: B,
    _permit: Option<Permit>,
    record: CallRecord,
}

impl<B> Body for CallBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(trailers) = frame.trailers_ref() {
                if let Some(code) = trailers
                    .get("grpc-status")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i32>().ok())
                {
                    this.record.set_code(Code::from_i32(code));
                }
            } else if let Some(data) = frame.data_ref() {
                this.record.add_bytes_out(data.len());
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts() {
        let cases = [
            ("1S", Some(Duration::from_secs(1))),
            ("250m", Some(Duration::from_millis(250))),
            ("2H", Some(Duration::from_secs(7200))),
            ("5u", Some(Duration::from_micros(5))),
            ("99999999n", Some(Duration::from_nanos(99_999_999))),
            ("123456789S", None),
            ("S", None),
            ("10x", None),
            ("", None),
        ];
        for (v, want) in cases {
            assert_eq!(parse_grpc_timeout(v), want, "{v}");
        }
    }

    #[test]
    fn admission_counts_and_sheds() {
        let l = Arc::new(Limits::new(2));
        let a = l.try_admit().expect("first");
        let _b = l.try_admit().expect("second");
        let e = l.try_admit().expect_err("third is shed");
        assert_eq!(e.code, Code::ResourceExhausted);
        drop(a);
        assert_eq!(l.in_flight(), 1);
        let _c = l.try_admit().expect("slot freed");
        l.start_draining();
        assert_eq!(l.try_admit().expect_err("draining").code, Code::Unavailable);
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_is_the_earlier_limit() {
        let now = Instant::now();
        let budget = Duration::from_secs(10);
        let d = Deadline::new(None, now, budget);
        assert!(!d.caller && d.at == now + budget);
        let ctx = CallContext {
            arrived: now,
            caller_timeout: Some(Duration::from_millis(50)),
        };
        let d = Deadline::new(Some(&ctx), now, budget);
        assert!(d.caller && d.at == now + Duration::from_millis(49));
        assert!(!d.expired());
        tokio::time::advance(Duration::from_millis(49)).await;
        assert!(d.expired());
        assert_eq!(d.error().code, Code::DeadlineExceeded);
    }
}
