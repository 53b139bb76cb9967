//! The measuring loop: `concurrency` workers, each a closed loop over one
//! connection, sharing one atomic call counter.
//!
//! A worker claims call number `k` with one `fetch_add`, waits until the load
//! schedule says `k` is due (if there is a schedule), makes the call with the
//! pre-encoded bytes and records the latency in its own [`Recorder`]. Nothing
//! on this path takes a lock; per call it allocates only what tonic needs
//! (header map, `grpc-timeout`), plus error strings on failure and rendered
//! values of templated metadata (`{{.RequestNumber}}`).
//! Latency runs from just before the call to its end (for streams: the last
//! response and the trailers), as in ghz; the wait for a due time is not
//! counted. Worker `i` uses connection `i mod connections`.
//!
//! With a duration, no call starts after the deadline; calls in flight then
//! finish and are counted. With `max-duration`, the same, and the run's end
//! reason is `timeout`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::connect::Conn;
use bytes::Bytes;
use tonic::client::Grpc;
use tonic::{Request, Status};

use crate::codec::RawCodec;
use crate::config::{Settings, Stop};
use crate::report::{EndReason, Recorder};
use crate::schedule::Pacer;
use crate::schema::{CallKind, CallPlan};
use crate::template::{CallVars, MetadataPlan};

/// What the loop produced.
#[derive(Debug)]
pub struct Outcome {
    /// Merged results of all workers.
    pub recorder: Recorder,
    /// Wall time from the first call to the end of the last.
    pub total: Duration,
    /// Why the run ended.
    pub end_reason: EndReason,
}

struct Shared {
    next: AtomicU64,
    total: Option<u64>,
    deadline: Option<Instant>,
    start: Instant,
    pacer: Option<Pacer>,
    skip_first: u64,
    timeout: Option<Duration>,
    metadata: MetadataPlan,
    plan: CallPlan,
    messages: Arc<[Bytes]>,
}

/// Runs the load over `channels` and returns the merged results.
pub async fn run_load(
    channels: &[Conn],
    plan: CallPlan,
    settings: &Settings,
    metadata: MetadataPlan,
) -> Outcome {
    let start = Instant::now();
    let (total, deadline) = match settings.stop {
        Stop::Total {
            total,
            max_duration,
        } => (Some(total), max_duration.map(|d| start + d)),
        Stop::Duration(d) => (None, Some(start + d)),
    };
    let messages: Arc<[Bytes]> = plan.messages.clone().into();
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        total,
        deadline,
        start,
        pacer: Pacer::new(&settings.load),
        skip_first: settings.skip_first,
        timeout: settings.timeout,
        metadata,
        plan,
        messages,
    });
    let mut workers = Vec::with_capacity(settings.concurrency);
    for i in 0..settings.concurrency {
        let conn = i % channels.len();
        let channel = channels[conn].clone();
        let id = match &settings.name {
            Some(name) => format!("{name}:g{i}c{conn}"),
            None => format!("g{i}c{conn}"),
        };
        workers.push(tokio::spawn(worker(Arc::clone(&shared), channel, id)));
    }
    let mut recorder = Recorder::new();
    for w in workers {
        // A worker only ends by returning its recorder; a panic is a bug and
        // loses that worker's results, which the count then shows.
        if let Ok(r) = w.await {
            recorder.merge(r);
        }
    }
    let elapsed = start.elapsed();
    let end_reason = match settings.stop {
        Stop::Total { total, .. } if shared.next.load(Ordering::Relaxed) < total => {
            EndReason::Timeout
        }
        _ => EndReason::Normal,
    };
    Outcome {
        recorder,
        total: elapsed,
        end_reason,
    }
}

async fn worker(shared: Arc<Shared>, channel: Conn, worker_id: String) -> Recorder {
    let mut grpc = Grpc::new(channel);
    let mut ctx = CallCtx {
        worker_id,
        buf: String::new(),
    };
    let mut recorder = Recorder::new();
    loop {
        let k = shared.next.fetch_add(1, Ordering::Relaxed);
        if shared.total.is_some_and(|total| k >= total) {
            break;
        }
        if let Some(pacer) = &shared.pacer {
            let due = shared.start + pacer.due(k);
            if shared.deadline.is_some_and(|d| due >= d) {
                // Give the number back: `next` then counts calls started,
                // which tells a max-duration stop from a completed total.
                shared.next.fetch_sub(1, Ordering::Relaxed);
                break;
            }
            tokio::time::sleep_until(due.into()).await;
        }
        if shared.deadline.is_some_and(|d| Instant::now() >= d) {
            shared.next.fetch_sub(1, Ordering::Relaxed);
            break;
        }
        let began = Instant::now();
        let result = call(&mut grpc, &shared, k, &mut ctx).await;
        let latency = began.elapsed();
        if k < shared.skip_first {
            continue;
        }
        match result {
            Ok(()) => recorder.record_ok(latency, shared.plan.bytes_for_call(k)),
            Err(status) => recorder.record_error(latency, &status),
        }
    }
    recorder
}

/// Per-worker state for building requests.
struct CallCtx {
    worker_id: String,
    buf: String,
}

fn request<T>(body: T, shared: &Shared, k: u64, ctx: &mut CallCtx) -> Request<T> {
    let mut req = Request::new(body);
    let md = &shared.metadata;
    if !md.fixed.is_empty() {
        *req.metadata_mut() = md.fixed.clone();
    }
    for (key, template) in &md.per_call {
        let vars = CallVars {
            k,
            worker_id: &ctx.worker_id,
        };
        template.render(vars, &mut ctx.buf);
        // Rendered from valid text and decimal numbers; a value that is
        // still not a valid header value is left out.
        if let Ok(value) = tonic::metadata::MetadataValue::try_from(ctx.buf.as_str()) {
            req.metadata_mut().insert(key.clone(), value);
        }
    }
    if let Some(t) = shared.timeout {
        req.set_timeout(t);
    }
    req
}

/// The request stream of a streaming call: every message, in order.
fn message_stream(
    messages: &Arc<[Bytes]>,
) -> impl tokio_stream::Stream<Item = Bytes> + Send + 'static {
    let messages = Arc::clone(messages);
    tokio_stream::iter((0..messages.len()).map(move |i| messages[i].clone()))
}

async fn call(
    grpc: &mut Grpc<Conn>,
    shared: &Shared,
    k: u64,
    ctx: &mut CallCtx,
) -> Result<(), Status> {
    let exchange = async {
        grpc.ready()
            .await
            .map_err(|e| Status::unavailable(crate::connect::error_chain(&*e)))?;
        let path = shared.plan.path.clone();
        match shared.plan.kind {
            CallKind::Unary => {
                let i = (k % shared.messages.len() as u64) as usize;
                let req = request(shared.messages[i].clone(), shared, k, ctx);
                grpc.unary(req, path, RawCodec).await.map(|_| ())
            }
            CallKind::ServerStreaming => {
                let i = (k % shared.messages.len() as u64) as usize;
                let req = request(shared.messages[i].clone(), shared, k, ctx);
                let mut responses = grpc
                    .server_streaming(req, path, RawCodec)
                    .await?
                    .into_inner();
                while responses.message().await?.is_some() {}
                Ok(())
            }
            CallKind::ClientStreaming => {
                let req = request(message_stream(&shared.messages), shared, k, ctx);
                grpc.client_streaming(req, path, RawCodec).await.map(|_| ())
            }
            CallKind::Bidi => {
                let req = request(message_stream(&shared.messages), shared, k, ctx);
                let mut responses = grpc.streaming(req, path, RawCodec).await?.into_inner();
                while responses.message().await?.is_some() {}
                Ok(())
            }
        }
    };
    match shared.timeout {
        Some(t) => tokio::time::timeout(t, exchange)
            .await
            .unwrap_or_else(|_| Err(Status::deadline_exceeded("context deadline exceeded"))),
        None => exchange.await,
    }
}
