//! [`ClientBuilder`]: target, timeouts, compression, message size, retries,
//! balancing knobs; `connect().await` or `connect_lazy()`.

use std::sync::Arc;
use std::time::Duration;

use tonic::codec::CompressionEncoding;

use crate::balance::{self, BalancedChannel, Pool, Slot};
use crate::retry::{RetryBudget, RetryPolicy};
use crate::target::Target;
use crate::{Client, ClientError};

/// Request compression (responses in either encoding are always accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

impl std::str::FromStr for Compression {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "gzip" => Ok(Compression::Gzip),
            "zstd" => Ok(Compression::Zstd),
            other => Err(format!("unknown compression {other:?} (gzip or zstd)")),
        }
    }
}

impl Compression {
    pub(crate) fn encoding(self) -> CompressionEncoding {
        match self {
            Compression::Gzip => CompressionEncoding::Gzip,
            Compression::Zstd => CompressionEncoding::Zstd,
        }
    }
}

/// Validated settings shared by every clone of a client.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) compression: Option<Compression>,
    pub(crate) max_message_size: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) keep_alive: Option<Duration>,
    pub(crate) ejection_base: Duration,
    pub(crate) ejection_max: Duration,
    pub(crate) resolve_interval: Duration,
    pub(crate) min_resolve_interval: Duration,
    pub(crate) stream_window: usize,
    pub(crate) write_coalescing: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Some(Duration::from_secs(30)),
            compression: None,
            max_message_size: 16 * 1024 * 1024,
            retry: RetryPolicy::default(),
            keep_alive: None,
            ejection_base: Duration::from_millis(250),
            ejection_max: Duration::from_secs(10),
            resolve_interval: Duration::from_secs(30),
            min_resolve_interval: Duration::from_secs(1),
            stream_window: 64,
            write_coalescing: true,
        }
    }
}

/// Builds a [`Client`].
///
/// ```no_run
/// # async fn demo() -> Result<(), textstance_client::ClientError> {
/// use std::time::Duration;
/// use textstance_client::{ClientBuilder, Compression};
///
/// let client = ClientBuilder::new("ipv4:127.0.0.1:50051,127.0.0.2:50051")
///     .connect_timeout(Duration::from_secs(2))
///     .request_timeout(Duration::from_secs(10))
///     .compression(Compression::Zstd)
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    target: String,
    settings: Settings,
}

impl ClientBuilder {
    /// A builder for `target`: `http://host:port`, `host:port`,
    /// `dns:///host:port` or `ipv4:addr:port,...` (see [`Target`]).
    pub fn new(target: impl Into<String>) -> Self {
        ClientBuilder {
            target: target.into(),
            settings: Settings::default(),
        }
    }

    /// Time allowed to open one connection (default 5 s). Also bounds how
    /// long a call waits for a first DNS resolution.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.settings.connect_timeout = d;
        self
    }

    /// Default deadline of each call, all retries included (default 30 s);
    /// sent to the server as `grpc-timeout`. [`CallOptions`](crate::CallOptions)
    /// can override it per call.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.settings.request_timeout = Some(d);
        self
    }

    /// No default deadline.
    pub fn no_request_timeout(mut self) -> Self {
        self.settings.request_timeout = None;
        self
    }

    /// Compress requests (default: none). gzip and zstd responses are always
    /// accepted.
    pub fn compression(mut self, c: Compression) -> Self {
        self.settings.compression = Some(c);
        self
    }

    /// Largest message sent or received, in bytes (default 16 MiB).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.settings.max_message_size = bytes;
        self
    }

    /// The retry policy of unary calls (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.settings.retry = p;
        self
    }

    /// Coalesce each connection's writes (default: on): a request's frames,
    /// and those of concurrent calls, share one system call (see
    /// `textstance-wire`). Off writes every frame as h2 hands it over.
    pub fn write_coalescing(mut self, on: bool) -> Self {
        self.settings.write_coalescing = on;
        self
    }

    /// HTTP/2 keep-alive pings at this interval (default: off), so a dead
    /// peer is noticed without a call.
    pub fn keep_alive(mut self, d: Duration) -> Self {
        self.settings.keep_alive = Some(d);
        self
    }

    /// How long a failing endpoint is skipped: `base * 2^(n-1)` after its
    /// n-th consecutive failure, at most `max` (defaults 250 ms and 10 s).
    pub fn ejection(mut self, base: Duration, max: Duration) -> Self {
        self.settings.ejection_base = base;
        self.settings.ejection_max = max.max(base);
        self
    }

    /// Re-resolution of `dns:` targets: every `interval`, and after a
    /// failure but at most once per `min_interval` (defaults 30 s and 1 s).
    pub fn resolve_interval(mut self, interval: Duration, min_interval: Duration) -> Self {
        self.settings.resolve_interval = interval;
        self.settings.min_resolve_interval = min_interval;
        self
    }

    /// Requests a stream may have in flight without a response (default 64).
    pub fn stream_window(mut self, n: usize) -> Self {
        self.settings.stream_window = n.max(1);
        self
    }

    /// Resolves the target and opens a connection to every endpoint. Fails
    /// when none can be reached; endpoints that cannot start out ejected and
    /// are retried later. Must run inside a Tokio runtime.
    pub async fn connect(self) -> Result<Client, ClientError> {
        let target = Target::parse(&self.target)?;
        let settings = Arc::new(self.settings);
        let (addresses, dns) = match &target {
            Target::Single(a) => (vec![a.clone()], None),
            Target::Static(list) => (list.iter().map(ToString::to_string).collect(), None),
            Target::Dns(name) => (balance::resolve(name).await?, Some(name.clone())),
        };
        let pool = Arc::new(Pool::new(settings.clone(), dns.is_some()));
        let mut slots = Vec::with_capacity(addresses.len());
        let mut attempts = Vec::with_capacity(addresses.len());
        for a in addresses {
            let ep = pool.endpoint(&a)?;
            let connector = pool.connector();
            attempts.push((
                a,
                tokio::spawn(async move { ep.connect_with_connector(connector).await }),
            ));
        }
        let mut last_err = None;
        let mut failed = Vec::new();
        for (a, handle) in attempts {
            match handle.await {
                Ok(Ok(channel)) => slots.push(Arc::new(Slot::new(a, channel))),
                Ok(Err(e)) => {
                    last_err = Some(ClientError::Transport {
                        endpoint: Some(a.clone()),
                        message: source_chain(&e),
                    });
                    failed.push(a);
                }
                Err(e) => {
                    last_err = Some(ClientError::Transport {
                        endpoint: Some(a.clone()),
                        message: e.to_string(),
                    });
                    failed.push(a);
                }
            }
        }
        if slots.is_empty() {
            return Err(last_err.unwrap_or_else(|| ClientError::Transport {
                endpoint: None,
                message: "no endpoint".to_owned(),
            }));
        }
        for a in failed {
            let slot = Arc::new(pool.lazy_slot(a)?);
            slot.eject_now(&pool);
            slots.push(slot);
        }
        slots.sort_by(|a, b| a.address.cmp(&b.address));
        pool.install(slots);
        if let Some(name) = dns {
            balance::spawn_resolver(&pool, name, false);
        }
        Ok(Client::from_pool(pool, settings))
    }

    /// Builds the client without any I/O: connections open on first use and
    /// `dns:` names resolve in the background. Fails only on a bad target.
    /// Must be called inside a Tokio runtime.
    pub fn connect_lazy(self) -> Result<Client, ClientError> {
        let target = Target::parse(&self.target)?;
        let settings = Arc::new(self.settings);
        let pool = Arc::new(Pool::new(
            settings.clone(),
            matches!(target, Target::Dns(_)),
        ));
        match target {
            Target::Single(a) => pool.install(vec![Arc::new(pool.lazy_slot(a)?)]),
            Target::Static(list) => {
                let mut slots = Vec::with_capacity(list.len());
                for a in list {
                    slots.push(Arc::new(pool.lazy_slot(a.to_string())?));
                }
                pool.install(slots);
            }
            Target::Dns(name) => balance::spawn_resolver(&pool, name, true),
        }
        Ok(Client::from_pool(pool, settings))
    }
}

fn source_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

pub(crate) fn make_budget(settings: &Settings) -> RetryBudget {
    RetryBudget::new(&settings.retry)
}

pub(crate) fn channel_of(pool: &Arc<Pool>) -> BalancedChannel {
    BalancedChannel { pool: pool.clone() }
}
