//! The streaming helper: documents in, results out in the same order, over
//! `StreamAnalyzeText` with a bounded number of requests in flight, resumed
//! on another endpoint when a stream breaks.
//!
//! A feeder task pulls the caller's documents only while fewer than
//! `stream_window` await their response, so memory stays constant however
//! long the input is, and a slow reader slows the feeder down. A driver task
//! runs the call: every document sent is kept until its response arrives.
//! When the stream fails with `UNAVAILABLE` or in transport (a replica went
//! away), the driver opens a new stream, on the next endpoint in rotation,
//! and sends the unanswered documents again before the rest; the RPC is pure,
//! so a document answered twice is harmless. Resumption follows the retry
//! policy: at most `max_attempts - 1` failures in a row without a response in
//! between, each after a backoff and taking a token from the retry budget.
//! Responses keep the order of the documents; `sequence` counts across
//! resumptions. A missing response is an error.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_stream::Stream;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::{CallOptions, Client, ClientError, pb};

type Item = Result<pb::StreamAnalyzeTextResponse, ClientError>;

/// Results of [`Client::analyze_stream`], one per document, in order. Each
/// item is the server's per-document response: `outcome` holds either the
/// result or that document's own error (the stream goes on after it).
/// Dropping it stops the call.
#[derive(Debug)]
pub struct AnalyzeStream {
    rx: mpsc::Receiver<Item>,
    tasks: Vec<JoinHandle<()>>,
}

impl Stream for AnalyzeStream {
    type Item = Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for AnalyzeStream {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Client {
    /// Analyzes a stream of documents and yields one response per document,
    /// in order. At most the builder's `stream_window` documents are in
    /// flight. Must run inside a Tokio runtime (tasks feed and drive the
    /// call). Fails here only on bad metadata; call failures arrive as items.
    pub async fn analyze_stream<S>(&self, documents: S) -> Result<AnalyzeStream, ClientError>
    where
        S: Stream<Item = pb::AnalyzeTextRequest> + Send + 'static,
    {
        self.analyze_stream_with(documents, &CallOptions::default())
            .await
    }

    /// [`Client::analyze_stream`] over an iterator.
    pub async fn analyze_iter<I>(&self, documents: I) -> Result<AnalyzeStream, ClientError>
    where
        I: IntoIterator<Item = pb::AnalyzeTextRequest>,
        I::IntoIter: Send + 'static,
    {
        self.analyze_stream(tokio_stream::iter(documents)).await
    }

    /// [`Client::analyze_stream`] with metadata; `options.timeout`, when set,
    /// bounds each stream attempt.
    pub async fn analyze_stream_with<S>(
        &self,
        documents: S,
        options: &CallOptions,
    ) -> Result<AnalyzeStream, ClientError>
    where
        S: Stream<Item = pb::AnalyzeTextRequest> + Send + 'static,
    {
        // Validate metadata once, up front.
        options.apply(&mut tonic::Request::new(()))?;
        let window = self.settings.stream_window;
        let permits = Arc::new(Semaphore::new(window));
        let (doc_tx, doc_rx) = mpsc::channel(window);
        let feeder = {
            let permits = permits.clone();
            tokio::spawn(async move {
                let mut documents = std::pin::pin!(documents);
                while let Some(doc) = documents.next().await {
                    let Ok(permit) = permits.acquire().await else {
                        return;
                    };
                    permit.forget();
                    if doc_tx.send(doc).await.is_err() {
                        return;
                    }
                }
                // Dropping doc_tx tells the driver the input ended.
            })
        };
        let (out_tx, out_rx) = mpsc::channel(window);
        let driver = Driver {
            client: self.clone(),
            options: options.clone(),
            permits,
            docs: Arc::new(tokio::sync::Mutex::new(doc_rx)),
            unacked: Arc::default(),
            out: out_tx,
            delivered: 0,
        };
        let driver = tokio::spawn(driver.run());
        Ok(AnalyzeStream {
            rx: out_rx,
            tasks: vec![feeder, driver],
        })
    }
}

/// Documents sent and not yet answered, in send order.
type Unacked = Arc<Mutex<(VecDeque<pb::AnalyzeTextRequest>, bool)>>;

struct Driver {
    client: Client,
    options: CallOptions,
    permits: Arc<Semaphore>,
    /// The feeder's documents, shared by the forwarders of each attempt.
    docs: Arc<tokio::sync::Mutex<mpsc::Receiver<pb::AnalyzeTextRequest>>>,
    /// Unanswered documents, and whether the input has ended.
    unacked: Unacked,
    out: mpsc::Sender<Item>,
    delivered: u64,
}

enum Attempt {
    Done,
    Failed(ClientError, bool),
}

impl Driver {
    async fn run(mut self) {
        let policy = self.client.settings.retry.clone();
        self.client.budget.deposit();
        let mut failures = 0u32;
        loop {
            match self.attempt().await {
                Attempt::Done => return,
                Attempt::Failed(err, progressed) => {
                    let (pending, ended) = {
                        let g = self.lock();
                        (g.0.len(), g.1)
                    };
                    if ended && pending == 0 {
                        // Every document was answered; how the call ended
                        // afterwards does not matter.
                        return;
                    }
                    if progressed {
                        failures = 0;
                    }
                    failures += 1;
                    if !err.is_retryable()
                        || failures >= policy.max_attempts
                        || !self.client.budget.try_withdraw()
                    {
                        let _ = self.out.send(Err(err)).await;
                        return;
                    }
                    tracing::debug!(error = %err, "resuming stream");
                    tokio::time::sleep(policy.backoff(failures)).await;
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (VecDeque<pb::AnalyzeTextRequest>, bool)> {
        self.unacked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One stream call: replays the unanswered documents, then forwards new
    /// ones, and delivers responses until the stream ends or breaks.
    async fn attempt(&mut self) -> Attempt {
        let window = self.client.settings.stream_window;
        let (att_tx, att_rx) = mpsc::channel(window + 1);
        for doc in self.lock().0.iter() {
            // Capacity is window + 1 and at most `window` are unanswered.
            let _ = att_tx.try_send(pb::StreamAnalyzeTextRequest {
                request: Some(doc.clone()),
            });
        }
        let forwarder = {
            let docs = self.docs.clone();
            let unacked = self.unacked.clone();
            tokio::spawn(async move {
                let mut docs = docs.lock().await;
                while let Some(doc) = docs.recv().await {
                    // Recorded before sending: an abort after this point
                    // leaves the document to the next attempt's replay.
                    unacked
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                        .push_back(doc.clone());
                    let item = pb::StreamAnalyzeTextRequest { request: Some(doc) };
                    if att_tx.send(item).await.is_err() {
                        return;
                    }
                }
                unacked.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
            })
        };
        let result = self.deliver(att_rx).await;
        forwarder.abort();
        // Wait until it is gone, so the next attempt's replay sees every
        // document it took.
        let _ = forwarder.await;
        result
    }

    async fn deliver(&mut self, requests: mpsc::Receiver<pb::StreamAnalyzeTextRequest>) -> Attempt {
        let mut req = tonic::Request::new(ReceiverStream::new(requests));
        if let Err(e) = self.options.apply(&mut req) {
            return Attempt::Failed(e, false);
        }
        if let Some(t) = self.options.timeout {
            req.set_timeout(t);
        }
        let mut raw = self.client.raw();
        let mut responses = match raw.stream_analyze_text(req).await {
            Ok(r) => r.into_inner(),
            Err(status) => return Attempt::Failed(ClientError::from_status(status), false),
        };
        let mut received = 0u64;
        loop {
            match responses.next().await {
                Some(Ok(mut item)) => {
                    if item.sequence != received {
                        let err = ClientError::Protocol(format!(
                            "response sequence {} where {received} was expected",
                            item.sequence
                        ));
                        return Attempt::Failed(err, received > 0);
                    }
                    if self.lock().0.pop_front().is_none() {
                        let err = ClientError::Protocol("more responses than requests".into());
                        return Attempt::Failed(err, received > 0);
                    }
                    received += 1;
                    item.sequence = self.delivered;
                    self.delivered += 1;
                    self.permits.add_permits(1);
                    if self.out.send(Ok(item)).await.is_err() {
                        // The caller dropped the stream.
                        return Attempt::Done;
                    }
                }
                Some(Err(status)) => {
                    return Attempt::Failed(ClientError::from_status(status), received > 0);
                }
                None => {
                    let (pending, ended) = {
                        let g = self.lock();
                        (g.0.len(), g.1)
                    };
                    if ended && pending == 0 {
                        return Attempt::Done;
                    }
                    let err = ClientError::Protocol(format!(
                        "stream ended with {pending} documents unanswered"
                    ));
                    return Attempt::Failed(err, received > 0);
                }
            }
        }
    }
}
