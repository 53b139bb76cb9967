//! textstance-server: the gRPC adapter around `textstance-engine`.
//!
//! It owns transport concerns only: configuration ([`config`]), request
//! checks and pb ↔ engine conversion ([`convert`]), the error model
//! ([`status`]), admission control and deadlines ([`limits`]), health
//! ([`health`]), reflection ([`reflection`]), the lexicons in service and
//! their reload ([`lexicons`]), logs ([`telemetry`]) and [`metrics`];
//! [`entry`] is the `textstance-server` process itself. Text
//! processing is the engine's; this crate never looks inside a document
//! beyond its size.
//!
//! [`run`] serves until a shutdown future resolves; [`Server`] does the same
//! with a [`Handle`] for tests and for the binary's signal handling
//! (SIGHUP reload). Shutdown sequence, once `shutdown` resolves:
//! 1. health reports NOT_SERVING (except `liveness`), [`Phase::NotServing`];
//! 2. after `--drain-delay`, new TextService calls get UNAVAILABLE, the
//!    listener closes, health `Watch` streams end, [`Phase::Draining`];
//! 3. calls in flight finish; the whole sequence is cut off
//!    `--shutdown-grace` after the signal, [`Phase::Stopped`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use textstance_server::{config::Config, run};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(run(listener, Config::default(), async {
//!     let _ = stopped.await;
//! }));
//! // ... call it ...
//! let _ = stop.send(());
//! server.await??;
//! # Ok(()) }
//! ```

pub mod config;
pub mod convert;
pub mod encode;
pub mod entry;
pub mod health;
pub mod lexicons;
pub mod limits;
pub mod metrics;
pub mod reflection;
pub mod service;
pub mod status;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use textstance_proto::pb::text_service_server::TextServiceServer;
use textstance_wire::Corked;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tonic::codec::CompressionEncoding;
use tonic::transport::server::TcpIncoming;

use crate::config::Config;
use crate::health::HealthState;
use crate::lexicons::{LexiconStore, ReloadError, ReloadOutcome};
use crate::limits::{CallLayer, Limits};
use crate::metrics::Metrics;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The configuration is inconsistent.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The initial lexicons did not load.
    #[error("cannot load lexicons: {0}")]
    Lexicons(#[from] ReloadError),
    /// The metrics listener could not be bound.
    #[error("cannot bind metrics listener {addr}: {source}")]
    MetricsBind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The reflection descriptors are invalid (a build problem).
    #[error("reflection setup failed: {0}")]
    Reflection(String),
    /// The transport failed.
    #[error("transport error: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Where the server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Accepting and serving calls.
    Serving,
    /// Shutdown signalled: health says NOT_SERVING, calls are still served
    /// during `--drain-delay`.
    NotServing,
    /// New calls get UNAVAILABLE; calls in flight finish.
    Draining,
    /// Stopped.
    Stopped,
}

/// Shared state of a running server, for tests and signal handlers.
#[derive(Debug, Clone)]
pub struct Handle {
    lexicons: Arc<LexiconStore>,
    limits: Arc<Limits>,
    metrics: Arc<Metrics>,
    health: Arc<HealthState>,
    phase: watch::Receiver<Phase>,
    metrics_addr: Arc<OnceLock<SocketAddr>>,
}

impl Handle {
    /// Reloads the lexicon directory now (what SIGHUP does). Blocking file
    /// I/O and compilation run on the blocking pool.
    pub async fn reload(&self) -> Result<ReloadOutcome, ReloadError> {
        let store = self.lexicons.clone();
        match tokio::task::spawn_blocking(move || store.reload()).await {
            Ok(r) => r,
            Err(e) => Err(ReloadError::Io {
                dir: self.lexicons.dir().map(Into::into).unwrap_or_default(),
                source: std::io::Error::other(e.to_string()),
            }),
        }
    }

    /// The lexicon store.
    pub fn lexicons(&self) -> &Arc<LexiconStore> {
        &self.lexicons
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// TextService calls in flight now.
    pub fn in_flight(&self) -> usize {
        self.limits.in_flight()
    }

    /// The health state.
    pub fn health(&self) -> &Arc<HealthState> {
        &self.health
    }

    /// A receiver of the server's [`Phase`].
    pub fn phase(&self) -> watch::Receiver<Phase> {
        self.phase.clone()
    }

    /// The bound metrics address, once serving with `--metrics-listen`.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr.get().copied()
    }
}

/// A configured server, not yet serving.
#[derive(Debug)]
pub struct Server {
    config: Arc<Config>,
    handle: Handle,
    phase_tx: watch::Sender<Phase>,
}

impl Server {
    /// Validates `config` and loads the lexicons.
    pub fn new(config: Config) -> Result<Server, ServeError> {
        config.validate()?;
        let metrics = Arc::new(Metrics::new());
        let lexicons = Arc::new(LexiconStore::load(
            config.lexicon_dir.as_deref(),
            metrics.clone(),
        )?);
        let (phase_tx, phase) = watch::channel(Phase::Serving);
        let handle = Handle {
            lexicons,
            limits: Arc::new(Limits::new(config.max_concurrency)),
            metrics,
            health: Arc::new(HealthState::new()),
            phase,
            metrics_addr: Arc::new(OnceLock::new()),
        };
        Ok(Server {
            config: Arc::new(config),
            handle,
            phase_tx,
        })
    }

    /// A handle to the server's state.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Serves on `listener` until `shutdown` resolves, then drains (see the
    /// crate docs).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), ServeError> {
        let Server {
            config,
            handle,
            phase_tx,
        } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let stopped = move || {
            let mut rx = stop_rx.clone();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        };

        let metrics_task = match config.metrics_listen {
            Some(addr) => {
                let l = TcpListener::bind(addr)
                    .await
                    .map_err(|source| ServeError::MetricsBind { addr, source })?;
                if let Ok(a) = l.local_addr() {
                    let _ = handle.metrics_addr.set(a);
                    tracing::info!(addr = %a, "metrics listening");
                }
                Some(tokio::spawn(metrics::serve(
                    l,
                    handle.metrics.clone(),
                    stopped(),
                )))
            }
            None => None,
        };
        let poller = handle.lexicons.dir().is_some().then(|| {
            tokio::spawn(poll_lexicons(
                handle.lexicons.clone(),
                config.lexicon_poll_interval,
                stopped(),
            ))
        });

        let max = config.max_message_bytes;
        let text = TextServiceServer::new(service::TextServiceImpl::new(
            config.clone(),
            handle.lexicons.clone(),
            handle.metrics.clone(),
        ))
        .accept_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Zstd)
        .send_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Zstd)
        .max_decoding_message_size(max)
        .max_encoding_message_size(max);
        let health = health::service(handle.health.clone())
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Zstd);
        let refl_v1 = reflection::v1().map_err(|e| ServeError::Reflection(format!("{e:?}")))?;
        let refl_v1alpha =
            reflection::v1alpha().map_err(|e| ServeError::Reflection(format!("{e:?}")))?;

        let local = listener.local_addr().ok();
        let incoming = TcpIncoming::from(listener)
            .with_nodelay(Some(true))
            .with_keepalive(Some(Duration::from_secs(60)));
        // Write coalescing: see textstance-wire.
        let coalesce = config.write_coalescing;
        let incoming = tokio_stream::StreamExt::map(incoming, move |conn| {
            conn.map(|tcp| Corked::new(tcp, coalesce))
        });
        let mut builder = tonic::transport::Server::builder()
            .initial_stream_window_size(1 << 20)
            .initial_connection_window_size(4 << 20)
            .max_concurrent_streams(1024)
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)))
            .layer(CallLayer::new(
                handle.limits.clone(),
                handle.metrics.clone(),
            ));
        let router = builder
            .add_service(text)
            .add_service(health)
            .add_service(refl_v1)
            .add_service(refl_v1alpha);
        if let Some(a) = local {
            tracing::info!(addr = %a, lexicons = %handle.lexicons.current().version().version, "serving");
        }

        // The drain sequence: it is tonic's shutdown signal, so the listener
        // closes when it resolves.
        let drain_delay = config.drain_delay;
        let h = handle.clone();
        let ptx = phase_tx.clone();
        let signal = async move {
            shutdown.await;
            h.health.set_not_ready();
            ptx.send_replace(Phase::NotServing);
            tracing::info!(drain_delay = ?drain_delay, in_flight = h.limits.in_flight(), "shutdown: health NOT_SERVING");
            tokio::time::sleep(drain_delay).await;
            h.limits.start_draining();
            h.health.close_watches();
            ptx.send_replace(Phase::Draining);
            tracing::info!(
                in_flight = h.limits.in_flight(),
                "shutdown: refusing new calls, draining"
            );
        };
        let serve = router.serve_with_incoming_shutdown(incoming, signal);
        let mut phase = handle.phase();
        let grace = config.shutdown_grace;
        let cutoff = async move {
            let _ = phase.wait_for(|p| *p >= Phase::NotServing).await;
            tokio::time::sleep(grace).await;
        };
        let result = tokio::select! {
            r = serve => r.map_err(ServeError::from),
            () = cutoff => {
                tracing::warn!(in_flight = handle.limits.in_flight(), "shutdown grace expired; abandoning calls in flight");
                Ok(())
            }
        };
        handle.health.set_dead();
        let _ = stop_tx.send(true);
        if let Some(p) = poller {
            let _ = p.await;
        }
        if let Some(m) = metrics_task {
            let _ = m.await;
        }
        phase_tx.send_replace(Phase::Stopped);
        tracing::info!("stopped");
        result
    }
}

async fn poll_lexicons(
    store: Arc<LexiconStore>,
    every: Duration,
    stopped: impl Future<Output = ()>,
) {
    tokio::pin!(stopped);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            () = &mut stopped => return,
            _ = tick.tick() => {}
        }
        let s = store.clone();
        // Errors are logged and counted by the store.
        let _ = tokio::task::spawn_blocking(move || s.poll()).await;
    }
}

/// Serves `config` on `listener` until `shutdown` resolves, then drains.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    Server::new(config)?.serve(listener, shutdown).await
}
