//! `textstance.v1.TextService`: validates requests, runs the engine, and
//! converts results.
//!
//! Scheduling: a document (or batch) up to `--blocking-threshold-bytes`
//! runs inline on the async worker, which is cheaper than a thread hop for
//! the common small call; larger ones run on tokio's blocking pool so they
//! never stall small calls. Every request has a [`Deadline`]: the earlier
//! of the caller's `grpc-timeout` and `--request-timeout`. A result that is
//! not ready by then is answered with DEADLINE_EXCEEDED (the blocking work
//! runs to completion in the background; the engine has no cancellation
//! points).
//!
//! Streams: one task per stream reads a request, analyzes it, and sends the
//! response into a channel of `--stream-buffer` slots. When the caller reads
//! slowly the channel fills, the task stops reading, and HTTP/2 flow control
//! pushes back on the sender, so a stream holds at most that many responses
//! plus one request in memory. A bad item gets a response carrying an
//! [`ItemError`](pb::ItemError) (fields under `request.`) and the stream
//! goes on; a message that cannot be decoded, or the caller's deadline,
//! ends the stream with that status.

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use textstance_engine::OffsetUnit;
use textstance_engine::tag::LexiconVersion;
use textstance_engine::{self as engine, Analysis, AnalyzeOptions, Features, Lexicons};
use textstance_proto::pb::text_service_server::TextService;
use textstance_proto::{Encoded, pb};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use crate::config::Config;
use crate::convert::{self, Doc};
use crate::encode;
use crate::lexicons::LexiconStore;
use crate::limits::{CallContext, Deadline};
use crate::metrics::Metrics;
use crate::status::{self, ApiError};

/// The TextService implementation.
#[derive(Debug, Clone)]
pub struct TextServiceImpl {
    config: Arc<Config>,
    lexicons: Arc<LexiconStore>,
    metrics: Arc<Metrics>,
}

/// What a synchronous job needs: a lexicon snapshot and the limits.
#[derive(Clone)]
struct Job {
    lexicons: Arc<Lexicons>,
    metrics: Arc<Metrics>,
    max_document_bytes: usize,
}

/// The path of field `name` under `prefix` (borrowed when there is no
/// prefix, as in unary calls: no allocation on the success path).
fn field<'n>(prefix: &str, name: &'n str) -> Cow<'n, str> {
    if prefix.is_empty() {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{prefix}.{name}"))
    }
}

impl Job {
    fn analyze<'r>(
        &self,
        doc: &Doc<'r>,
        features: Features,
        options: engine::NormalizeOptions,
        doc_field: &str,
    ) -> Result<Analysis<'r>, ApiError> {
        let opts = AnalyzeOptions {
            features,
            normalize: options,
            language: doc.language,
        };
        let a = engine::analyze(doc.input, &opts, &self.lexicons)
            .map_err(|e| status::engine_error(&e, doc_field))?;
        self.observe(doc, &a);
        Ok(a)
    }

    fn observe(&self, doc: &Doc<'_>, a: &Analysis<'_>) {
        self.metrics.document(doc.len());
        let mut kinds: Vec<(&'static str, u64)> = Vec::new();
        for e in &a.edits {
            let name = e.kind.name();
            match kinds.iter_mut().find(|(k, _)| *k == name) {
                Some((_, n)) => *n += 1,
                None => kinds.push((name, 1)),
            }
        }
        for (k, n) in kinds {
            self.metrics.edits(k, n);
        }
        if let Some(t) = &a.tagged {
            let mut counts = [0u64; 3];
            for c in &t.cues {
                counts[c.category as usize] += 1;
            }
            for (c, n) in [
                engine::Category::Hedge,
                engine::Category::Pessimism,
                engine::Category::Booster,
            ]
            .into_iter()
            .zip(counts)
            {
                if n > 0 {
                    self.metrics.cues(c.name(), n);
                }
            }
        }
    }

    /// AnalyzeText on one request whose fields live under `prefix`; `respond`
    /// turns the analysis into the caller's result.
    fn analyze_request_with<T>(
        &self,
        req: &pb::AnalyzeTextRequest,
        prefix: &str,
        respond: impl FnOnce(&Analysis<'_>, &Doc<'_>, OffsetUnit, &LexiconVersion) -> T,
    ) -> Result<T, ApiError> {
        let doc_field = field(prefix, "document");
        let doc = convert::document(req.document.as_ref(), &doc_field, self.max_document_bytes)?;
        let unit = convert::offset_unit(req.offset_unit, &field(prefix, "offset_unit"))?;
        let options = convert::normalize_options(
            req.normalize_options.as_ref(),
            &field(prefix, "normalize_options"),
        )?;
        let a = self.analyze(
            &doc,
            convert::features(req.features.as_ref()),
            options,
            &doc_field,
        )?;
        Ok(respond(&a, &doc, unit, self.lexicons.version()))
    }

    /// The checks of [`Job::analyze_request_with`] that need no engine run.
    fn precheck(&self, req: &pb::AnalyzeTextRequest, prefix: &str) -> Result<(), ApiError> {
        convert::document(
            req.document.as_ref(),
            &field(prefix, "document"),
            self.max_document_bytes,
        )?;
        convert::offset_unit(req.offset_unit, &field(prefix, "offset_unit"))?;
        convert::normalize_options(
            req.normalize_options.as_ref(),
            &field(prefix, "normalize_options"),
        )?;
        Ok(())
    }
}

impl TextServiceImpl {
    /// A service over the given lexicons and limits.
    pub fn new(config: Arc<Config>, lexicons: Arc<LexiconStore>, metrics: Arc<Metrics>) -> Self {
        TextServiceImpl {
            config,
            lexicons,
            metrics,
        }
    }

    fn job(&self) -> Job {
        Job {
            lexicons: self.lexicons.current(),
            metrics: self.metrics.clone(),
            max_document_bytes: self.config.max_document_bytes,
        }
    }

    fn deadline<T>(&self, req: &Request<T>) -> Deadline {
        Deadline::new(
            req.extensions().get::<CallContext>(),
            Instant::now(),
            self.config.request_timeout,
        )
    }

    /// SegmentText and TagText: the document as given (raw bytes decoded,
    /// not repaired), segmented and, with `tag`, tagged; `respond` builds the
    /// response.
    async fn as_given<T: Send + 'static>(
        &self,
        deadline: Deadline,
        document: Option<pb::Document>,
        offset_unit: i32,
        tag: bool,
        respond: impl FnOnce(convert::Converted, &Doc<'_>, &Analysis<'_>, &Job) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let job = self.job();
        let size = doc_len(&document);
        tracing::Span::current().record("doc_bytes", size);
        self.run(size, deadline, move || {
            let doc = convert::document(document.as_ref(), "document", job.max_document_bytes)?;
            let unit = convert::offset_unit(offset_unit, "offset_unit")?;
            let features = Features {
                normalize: false,
                segment: true,
                tag,
            };
            let a = job.analyze(&doc, features, Default::default(), "document")?;
            let c = convert::analysis(&a, &doc, unit);
            Ok(respond(c, &doc, &a, &job))
        })
        .await
    }

    /// Runs `job` inline or on the blocking pool, within `deadline`.
    async fn run<T: Send + 'static>(
        &self,
        size: usize,
        deadline: Deadline,
        job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        if deadline.expired() {
            return Err(deadline.error());
        }
        let result = if size <= self.config.blocking_threshold_bytes {
            match std::panic::catch_unwind(AssertUnwindSafe(job)) {
                Ok(r) => r,
                Err(_) => {
                    tracing::error!("analysis panicked");
                    Err(status::internal())
                }
            }
        } else {
            match tokio::time::timeout_at(deadline.at, tokio::task::spawn_blocking(job)).await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "analysis task failed");
                    Err(status::internal())
                }
                Err(_) => return Err(deadline.error()),
            }
        };
        match result {
            Ok(_) if deadline.expired() => Err(deadline.error()),
            r => r,
        }
    }
}

impl TextServiceImpl {
    /// Starts the task that answers one stream; see the module docs for the
    /// buffering. The task reads the next request only after the previous
    /// response found room in the returned channel.
    pub fn stream_worker<S>(
        &self,
        mut inbound: S,
        call: Option<CallContext>,
    ) -> mpsc::Receiver<Result<Encoded<pb::StreamAnalyzeTextResponse>, Status>>
    where
        S: Stream<Item = Result<pb::StreamAnalyzeTextRequest, Status>> + Send + Unpin + 'static,
    {
        let (tx, rx) = mpsc::channel(self.config.stream_buffer);
        let this = self.clone();
        let task = async move {
            let mut sequence = 0u64;
            let mut bytes = 0usize;
            loop {
                let item = tokio::select! {
                    item = inbound.next() => item,
                    () = tx.closed() => break,
                };
                let item = match item {
                    Some(Ok(item)) => item,
                    None => break,
                    Some(Err(status)) => {
                        let _ = tx.send(Err(status)).await;
                        break;
                    }
                };
                let deadline =
                    Deadline::new(call.as_ref(), Instant::now(), this.config.request_timeout);
                let id = item
                    .request
                    .as_ref()
                    .and_then(|r| r.document.as_ref())
                    .map(|d| d.id.clone())
                    .unwrap_or_default();
                let size = item.request.as_ref().map_or(0, |r| doc_len(&r.document));
                bytes += size;
                let job = this.job();
                let outcome = this
                    .run(size, deadline, move || match &item.request {
                        Some(r) => job.analyze_request_with(r, "request", |a, doc, unit, v| {
                            encode::stream_response(sequence, a, doc, unit, v)
                        }),
                        None => Err(status::missing_document("request")),
                    })
                    .await;
                let resp = match outcome {
                    Ok(resp) => resp,
                    Err(e) if e.code == tonic::Code::DeadlineExceeded && deadline.caller => {
                        let _ = tx.send(Err(e.to_status())).await;
                        break;
                    }
                    Err(e) => Encoded::new(&pb::StreamAnalyzeTextResponse {
                        id,
                        sequence,
                        outcome: Some(pb::stream_analyze_text_response::Outcome::Error(
                            e.to_item_error(),
                        )),
                    }),
                };
                if tx.send(Ok(resp)).await.is_err() {
                    break;
                }
                sequence += 1;
            }
            let span = tracing::Span::current();
            span.record("documents", sequence);
            span.record("doc_bytes", bytes);
        };
        tokio::spawn(task.instrument(tracing::Span::current()));
        rx
    }
}

fn doc_len(d: &Option<pb::Document>) -> usize {
    convert::document_len(d.as_ref())
}

#[tonic::async_trait]
impl TextService for TextServiceImpl {
    async fn normalize_text(
        &self,
        request: Request<pb::NormalizeTextRequest>,
    ) -> Result<Response<pb::NormalizeTextResponse>, Status> {
        let deadline = self.deadline(&request);
        let req = request.into_inner();
        let job = self.job();
        let size = doc_len(&req.document);
        tracing::Span::current().record("doc_bytes", size);
        let resp = self
            .run(size, deadline, move || {
                let doc =
                    convert::document(req.document.as_ref(), "document", job.max_document_bytes)?;
                let unit = convert::offset_unit(req.offset_unit, "offset_unit")?;
                let options = convert::normalize_options(req.options.as_ref(), "options")?;
                let features = Features {
                    normalize: true,
                    segment: false,
                    tag: false,
                };
                let a = job.analyze(&doc, features, options, "document")?;
                let c = convert::analysis(&a, &doc, unit);
                Ok(pb::NormalizeTextResponse {
                    result: Some(convert::normalize_result(c, &a, &doc)),
                })
            })
            .await?;
        Ok(Response::new(resp))
    }

    async fn segment_text(
        &self,
        request: Request<pb::SegmentTextRequest>,
    ) -> Result<Response<pb::SegmentTextResponse>, Status> {
        let deadline = self.deadline(&request);
        let req = request.into_inner();
        let resp = self
            .as_given(
                deadline,
                req.document,
                req.offset_unit,
                false,
                |c, doc, a, _| convert::segment_response(c, doc, a),
            )
            .await?;
        Ok(Response::new(resp))
    }

    async fn tag_text(
        &self,
        request: Request<pb::TagTextRequest>,
    ) -> Result<Response<pb::TagTextResponse>, Status> {
        let deadline = self.deadline(&request);
        let req = request.into_inner();
        let resp = self
            .as_given(
                deadline,
                req.document,
                req.offset_unit,
                true,
                |c, doc, a, job| convert::tag_response(c, doc, a, job.lexicons.version()),
            )
            .await?;
        Ok(Response::new(resp))
    }

    async fn analyze_text(
        &self,
        request: Request<pb::AnalyzeTextRequest>,
    ) -> Result<Response<Encoded<pb::AnalyzeTextResponse>>, Status> {
        let deadline = self.deadline(&request);
        let req = request.into_inner();
        let job = self.job();
        let size = doc_len(&req.document);
        tracing::Span::current().record("doc_bytes", size);
        let response = self
            .run(size, deadline, move || {
                job.analyze_request_with(&req, "", encode::analyze_text_response)
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn batch_analyze_texts(
        &self,
        request: Request<pb::BatchAnalyzeTextsRequest>,
    ) -> Result<Response<Encoded<pb::BatchAnalyzeTextsResponse>>, Status> {
        let deadline = self.deadline(&request);
        let req = request.into_inner();
        let max = self.config.max_batch_size;
        if req.requests.len() > max {
            return Err(status::batch_too_large(req.requests.len(), max).into());
        }
        let job = self.job();
        // Cheap checks of every item first, so a bad last item fails the
        // batch before any engine work.
        for (i, r) in req.requests.iter().enumerate() {
            job.precheck(r, &format!("requests[{i}]"))?;
        }
        tracing::Span::current().record("documents", req.requests.len());
        let size = req.requests.iter().map(|r| doc_len(&r.document)).sum();
        tracing::Span::current().record("doc_bytes", size);
        let resp = self
            .run(size, deadline, move || {
                let mut responses = encode::BatchWriter::default();
                for (i, r) in req.requests.iter().enumerate() {
                    if deadline.expired() {
                        return Err(deadline.error());
                    }
                    job.analyze_request_with(r, &format!("requests[{i}]"), |a, doc, unit, v| {
                        responses.push(a, doc, unit, v);
                    })?;
                }
                Ok(responses.finish())
            })
            .await?;
        Ok(Response::new(resp))
    }

    type StreamAnalyzeTextStream =
        ReceiverStream<Result<Encoded<pb::StreamAnalyzeTextResponse>, Status>>;

    async fn stream_analyze_text(
        &self,
        request: Request<Streaming<pb::StreamAnalyzeTextRequest>>,
    ) -> Result<Response<Self::StreamAnalyzeTextStream>, Status> {
        let call = request.extensions().get::<CallContext>().copied();
        let rx = self.stream_worker(request.into_inner(), call);
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn list_lexicons(
        &self,
        _request: Request<pb::ListLexiconsRequest>,
    ) -> Result<Response<pb::ListLexiconsResponse>, Status> {
        Ok(Response::new(convert::list_lexicons(
            &self.lexicons.current(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn service(stream_buffer: usize) -> TextServiceImpl {
        let metrics = Arc::new(Metrics::new());
        let lexicons = Arc::new(LexiconStore::load(None, metrics.clone()).expect("embedded"));
        let config = Config {
            stream_buffer,
            ..Config::default()
        };
        TextServiceImpl::new(Arc::new(config), lexicons, metrics)
    }

    fn item(i: usize) -> Result<pb::StreamAnalyzeTextRequest, Status> {
        Ok(pb::StreamAnalyzeTextRequest {
            request: Some(pb::AnalyzeTextRequest {
                document: Some(pb::Document {
                    content: Some(pb::document::Content::Text(format!(
                        "Item {i} will probably pass."
                    ))),
                    id: i.to_string(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        })
    }

    /// With the clock paused, sleeping returns only once every other task is
    /// idle: a deterministic "wait until the worker is stuck".
    async fn settle() {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_bounds_what_the_stream_buffers() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let p = pulled.clone();
        // An endless, eager request stream that counts what the worker takes.
        let inbound = tokio_stream::iter(0..).map(move |i| {
            p.fetch_add(1, Ordering::SeqCst);
            item(i)
        });
        let buffer = 3;
        let mut rx = service(buffer).stream_worker(Box::pin(inbound), None);
        settle().await;
        // `buffer` answers wait in the channel; one more is computed and
        // waits for room. Nothing else was read.
        assert_eq!(pulled.load(Ordering::SeqCst), buffer + 1);
        for expect in 0..5u64 {
            let r = rx.recv().await.expect("open").expect("ok");
            assert_eq!(r.decode().expect("decodes").sequence, expect);
            settle().await;
            assert_eq!(pulled.load(Ordering::SeqCst), buffer + 2 + expect as usize);
        }
        drop(rx);
        settle().await;
        let after = pulled.load(Ordering::SeqCst);
        settle().await;
        assert_eq!(
            pulled.load(Ordering::SeqCst),
            after,
            "the worker stops with the reader"
        );
    }

    #[tokio::test]
    async fn engine_panics_become_internal_on_both_paths() {
        let svc = service(4);
        let deadline = Deadline::new(None, Instant::now(), Duration::from_secs(10));
        for size in [1, svc.config.blocking_threshold_bytes + 1] {
            let r: Result<(), ApiError> = svc
                .run(size, deadline, || panic!("simulated engine panic"))
                .await;
            let e = r.expect_err("a panic is an error");
            assert_eq!(
                (e.code, e.reason),
                (tonic::Code::Internal, "INTERNAL"),
                "size {size}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn late_results_become_deadline_exceeded() {
        let svc = service(4);
        let deadline = Deadline::new(None, Instant::now(), Duration::from_millis(5));
        tokio::time::advance(Duration::from_millis(6)).await;
        let r = svc.run(1, deadline, || Ok(())).await;
        assert_eq!(r.expect_err("late").reason, "TIME_BUDGET_EXCEEDED");
    }
}
