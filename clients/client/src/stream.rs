//! The streaming helper: documents in, results out in the same order, over
//! one `StreamAnalyzeText` call with a bounded number of requests in flight.
//!
//! A feeder task pulls the caller's documents only while fewer than
//! `stream_window` requests await their response, so memory stays constant
//! however long the input is, and a slow reader slows the feeder down. The
//! helper checks that responses come back in request order (by `sequence`)
//! and that none is missing at the end. Streams are not retried.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::sync::{Semaphore, mpsc};
use tokio_stream::Stream;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use crate::{CallOptions, Client, ClientError, pb};

/// Results of [`Client::analyze_stream`], one per document, in order. Each
/// item is the server's per-document response: `outcome` holds either the
/// result or that document's own error (the stream goes on after it).
#[derive(Debug)]
pub struct AnalyzeStream {
    inner: tonic::Streaming<pb::StreamAnalyzeTextResponse>,
    permits: Arc<Semaphore>,
    sent: Arc<AtomicU64>,
    feeder_done: Arc<AtomicBool>,
    received: u64,
    finished: bool,
}

impl Stream for AnalyzeStream {
    type Item = Result<pb::StreamAnalyzeTextResponse, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(item))) => {
                self.permits.add_permits(1);
                if item.sequence != self.received {
                    self.finished = true;
                    let want = self.received;
                    return Poll::Ready(Some(Err(ClientError::Protocol(format!(
                        "response sequence {} where {want} was expected",
                        item.sequence
                    )))));
                }
                self.received += 1;
                Poll::Ready(Some(Ok(item)))
            }
            Poll::Ready(Some(Err(status))) => {
                self.finished = true;
                Poll::Ready(Some(Err(ClientError::from_status(status))))
            }
            Poll::Ready(None) => {
                self.finished = true;
                let sent = self.sent.load(Ordering::Acquire);
                if !self.feeder_done.load(Ordering::Acquire) || sent != self.received {
                    return Poll::Ready(Some(Err(ClientError::Protocol(format!(
                        "stream ended after {} responses for {sent} requests",
                        self.received
                    )))));
                }
                Poll::Ready(None)
            }
        }
    }
}

impl Client {
    /// Analyzes a stream of documents over one `StreamAnalyzeText` call and
    /// yields one response per document, in order. At most the builder's
    /// `stream_window` documents are in flight. Must run inside a Tokio
    /// runtime (the documents are fed by a spawned task).
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
    /// bounds the whole stream.
    pub async fn analyze_stream_with<S>(
        &self,
        documents: S,
        options: &CallOptions,
    ) -> Result<AnalyzeStream, ClientError>
    where
        S: Stream<Item = pb::AnalyzeTextRequest> + Send + 'static,
    {
        let window = self.settings.stream_window;
        let permits = Arc::new(Semaphore::new(window));
        let sent = Arc::new(AtomicU64::new(0));
        let feeder_done = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel(window);
        {
            let permits = permits.clone();
            let sent = sent.clone();
            let feeder_done = feeder_done.clone();
            tokio::spawn(async move {
                let mut documents = std::pin::pin!(documents);
                while let Some(doc) = documents.next().await {
                    let Ok(permit) = permits.acquire().await else {
                        return;
                    };
                    permit.forget();
                    let item = pb::StreamAnalyzeTextRequest { request: Some(doc) };
                    if tx.send(item).await.is_err() {
                        // The call ended; the reader reports why.
                        return;
                    }
                    sent.fetch_add(1, Ordering::Release);
                }
                feeder_done.store(true, Ordering::Release);
            });
        }
        let mut req = tonic::Request::new(ReceiverStream::new(rx));
        options.apply(&mut req)?;
        if let Some(t) = options.timeout {
            req.set_timeout(t);
        }
        let mut raw = self.raw();
        let inner = raw
            .stream_analyze_text(req)
            .await
            .map_err(ClientError::from_status)?
            .into_inner();
        Ok(AnalyzeStream {
            inner,
            permits,
            sent,
            feeder_done,
            received: 0,
            finished: false,
        })
    }
}
