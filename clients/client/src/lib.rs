//! textstance-client: a typed async client for the `textstance.v1` gRPC API,
//! with client-side balancing and retries.
//!
//! - [`ClientBuilder`] takes a target (`http://host:port`, `host:port`,
//!   `dns:///host:port`, `ipv4:a:p,b:p`), timeouts, compression, message
//!   size and a [`RetryPolicy`], then `connect().await` or `connect_lazy()`.
//! - [`Client`] has one typed method per RPC, a `_with` variant taking
//!   [`CallOptions`] (per-call timeout, `x-request-id`, metadata), a
//!   streaming helper ([`Client::analyze_stream`]) and
//!   [`Client::health_check`].
//! - Calls go round-robin to healthy endpoints ([`balance`] explains the
//!   ejection rules); unary calls that fail with `UNAVAILABLE` or in
//!   transport are retried with jittered exponential backoff under a
//!   [`RetryBudget`].
//! - [`ClientError`] keeps transport failures apart from server statuses
//!   and decodes `ErrorInfo` reasons and `BadRequest` field violations.
//! - [`Client::channel`] exposes the balancing as a `tower::Service` for raw
//!   calls (load generators).
//!
//! ```no_run
//! # async fn demo() -> Result<(), textstance_client::ClientError> {
//! use textstance_client::{ClientBuilder, pb};
//!
//! let client = ClientBuilder::new("dns:///textstance-headless:50051").connect().await?;
//! let resp = client
//!     .analyze_text(pb::AnalyzeTextRequest {
//!         document: Some(pb::Document {
//!             content: Some(pb::document::Content::Text("It may rain.".into())),
//!             ..Default::default()
//!         }),
//!         ..Default::default()
//!     })
//!     .await?;
//! println!("{} cues", resp.result.map_or(0, |r| r.cues.len()));
//! # Ok(()) }
//! ```
//!
//! Design positions: no TLS; a broken stream is resumed on another endpoint
//! by replaying its unanswered documents (at most `stream_window`); the
//! client never logs document text.

pub mod balance;
mod builder;
mod error;
mod retry;
mod stream;
mod target;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

pub use balance::{BalancedChannel, EndpointStats};
pub use builder::{ClientBuilder, Compression};
pub use error::{ClientError, FieldViolation, RpcStatus};
pub use retry::{RetryBudget, RetryPolicy};
pub use stream::AnalyzeStream;
pub use target::Target;
pub use textstance_proto::pb;
pub use tonic::Code;
pub use tonic_health::pb::health_check_response::ServingStatus as HealthStatus;

use balance::Pool;
use builder::Settings;
use pb::text_service_client::TextServiceClient;

/// Per-call options: deadline and metadata.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Deadline of this call, retries included; overrides the builder's
    /// request timeout.
    pub timeout: Option<Duration>,
    /// Sent as `x-request-id`; the server generates one when absent.
    pub request_id: Option<String>,
    /// Further ASCII metadata pairs.
    pub metadata: Vec<(String, String)>,
}

impl CallOptions {
    /// Options with a deadline.
    pub fn with_timeout(timeout: Duration) -> Self {
        CallOptions {
            timeout: Some(timeout),
            ..CallOptions::default()
        }
    }

    /// Sets `x-request-id`.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    fn apply<T>(&self, req: &mut tonic::Request<T>) -> Result<(), ClientError> {
        let md = req.metadata_mut();
        let pairs = self
            .request_id
            .iter()
            .map(|v| ("x-request-id", v.as_str()))
            .chain(self.metadata.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (k, v) in pairs {
            let key: AsciiMetadataKey = k.parse().map_err(|_| ClientError::InvalidMetadata {
                key: k.to_owned(),
                reason: "not a valid ASCII metadata key".to_owned(),
            })?;
            let value: AsciiMetadataValue =
                v.parse().map_err(|_| ClientError::InvalidMetadata {
                    key: k.to_owned(),
                    reason: "value is not visible ASCII".to_owned(),
                })?;
            md.insert(key, value);
        }
        Ok(())
    }
}

/// A textstance client. Cheap to clone; clones share connections, endpoint
/// health and the retry budget.
#[derive(Debug, Clone)]
pub struct Client {
    pool: Arc<Pool>,
    settings: Arc<Settings>,
    budget: Arc<RetryBudget>,
    raw: TextServiceClient<BalancedChannel>,
}

macro_rules! unary {
    ($(#[$doc:meta])* $name:ident, $with:ident, $req:ty, $resp:ty) => {
        $(#[$doc])*
        pub async fn $name(&self, request: $req) -> Result<$resp, ClientError> {
            self.$with(request, &CallOptions::default()).await
        }

        #[doc = concat!("[`Client::", stringify!($name), "`] with per-call options.")]
        pub async fn $with(&self, request: $req, options: &CallOptions) -> Result<$resp, ClientError> {
            self.unary(request, options, |mut c, r| async move { c.$name(r).await }).await
        }
    };
}

impl Client {
    fn from_pool(pool: Arc<Pool>, settings: Arc<Settings>) -> Client {
        let mut raw = TextServiceClient::new(builder::channel_of(&pool))
            .max_decoding_message_size(settings.max_message_size)
            .max_encoding_message_size(settings.max_message_size)
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
            .accept_compressed(tonic::codec::CompressionEncoding::Zstd);
        if let Some(c) = settings.compression {
            raw = raw.send_compressed(c.encoding());
        }
        Client {
            budget: Arc::new(builder::make_budget(&settings)),
            pool,
            settings,
            raw,
        }
    }

    /// The balancing channel, a `tower::Service` usable with
    /// `tonic::client::Grpc` or any generated client. It does not retry.
    pub fn channel(&self) -> BalancedChannel {
        builder::channel_of(&self.pool)
    }

    /// The generated client over [`Client::channel`], with this client's
    /// compression and message limits but without retries or deadlines.
    pub fn raw(&self) -> TextServiceClient<BalancedChannel> {
        self.raw.clone()
    }

    /// Per-endpoint state: address, health, calls and failures.
    pub fn endpoint_stats(&self) -> Vec<EndpointStats> {
        self.pool.stats()
    }

    /// Retry tokens left in the budget.
    pub fn retry_tokens(&self) -> f64 {
        self.budget.tokens()
    }

    unary!(
        /// NormalizeText: decode and repair one document.
        normalize_text, normalize_text_with, pb::NormalizeTextRequest, pb::NormalizeTextResponse
    );
    unary!(
        /// SegmentText: sentences of one document, without repair.
        segment_text, segment_text_with, pb::SegmentTextRequest, pb::SegmentTextResponse
    );
    unary!(
        /// TagText: stance cues of one document, without repair.
        tag_text, tag_text_with, pb::TagTextRequest, pb::TagTextResponse
    );
    unary!(
        /// AnalyzeText: the stages chosen in `features`.
        analyze_text, analyze_text_with, pb::AnalyzeTextRequest, pb::AnalyzeTextResponse
    );
    unary!(
        /// BatchAnalyzeTexts: several documents, validated atomically.
        batch_analyze_texts, batch_analyze_texts_with, pb::BatchAnalyzeTextsRequest,
        pb::BatchAnalyzeTextsResponse
    );
    unary!(
        /// ListLexicons: the lexicons in service.
        list_lexicons, list_lexicons_with, pb::ListLexiconsRequest, pb::ListLexiconsResponse
    );

    /// Runs one unary call with deadline, metadata and retries.
    async fn unary<Req, Resp, F, Fut>(
        &self,
        request: Req,
        options: &CallOptions,
        call: F,
    ) -> Result<Resp, ClientError>
    where
        Req: Clone,
        F: Fn(TextServiceClient<BalancedChannel>, tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<Resp>, tonic::Status>>,
    {
        let timeout = options.timeout.or(self.settings.request_timeout);
        let deadline = timeout.map(|t| Instant::now() + t);
        let policy = &self.settings.retry;
        self.budget.deposit();
        let mut attempt = 1u32;
        loop {
            let mut req = tonic::Request::new(request.clone());
            options.apply(&mut req)?;
            let result = match (deadline, timeout) {
                (Some(d), Some(t)) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(ClientError::DeadlineExceeded { timeout: t });
                    }
                    req.set_timeout(left);
                    match tokio::time::timeout(left, call(self.raw.clone(), req)).await {
                        Ok(r) => r,
                        Err(_) => return Err(ClientError::DeadlineExceeded { timeout: t }),
                    }
                }
                _ => call(self.raw.clone(), req).await,
            };
            let err = match result {
                Ok(resp) => return Ok(resp.into_inner()),
                Err(status) => match ClientError::from_status(status) {
                    ClientError::DeadlineExceeded { .. } => {
                        return Err(ClientError::DeadlineExceeded {
                            timeout: timeout.unwrap_or_default(),
                        });
                    }
                    other => other,
                },
            };
            if !err.is_retryable() || attempt >= policy.max_attempts {
                return Err(err);
            }
            let delay = policy.backoff(attempt);
            if deadline.is_some_and(|d| Instant::now() + delay >= d) {
                return Err(err);
            }
            if !self.budget.try_withdraw() {
                tracing::debug!("retry budget exhausted");
                return Err(err);
            }
            tracing::debug!(attempt, ?delay, error = %err, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// grpc.health.v1 Check of `service` ("" for the whole server) on the
    /// next endpoint in rotation, with the default deadline; no retries.
    pub async fn health_check(&self, service: &str) -> Result<ServingStatus, ClientError> {
        let mut client = HealthClient::new(self.channel());
        let req = self.health_request(service);
        self.health_call(client.check(req)).await
    }

    /// grpc.health.v1 Check of `service` on every endpoint, in address order.
    pub async fn health_check_each(
        &self,
        service: &str,
    ) -> Vec<(String, Result<ServingStatus, ClientError>)> {
        let mut out = Vec::new();
        for slot in self.pool.slots().iter() {
            let mut client = HealthClient::new(slot.channel.clone());
            let req = self.health_request(service);
            let r = self.health_call(client.check(req)).await;
            out.push((slot.address.clone(), r));
        }
        out
    }

    fn health_request(&self, service: &str) -> tonic::Request<HealthCheckRequest> {
        let mut req = tonic::Request::new(HealthCheckRequest {
            service: service.to_owned(),
        });
        if let Some(t) = self.settings.request_timeout {
            req.set_timeout(t);
        }
        req
    }

    async fn health_call(
        &self,
        fut: impl Future<Output = Result<tonic::Response<HealthCheckResponse>, tonic::Status>>,
    ) -> Result<ServingStatus, ClientError> {
        let result = match self.settings.request_timeout {
            Some(t) => tokio::time::timeout(t, fut)
                .await
                .map_err(|_| ClientError::DeadlineExceeded { timeout: t })?,
            None => fut.await,
        };
        match result {
            Ok(resp) => Ok(resp.into_inner().status()),
            Err(status) => Err(ClientError::from_status(status)),
        }
    }
}
