//! Making the connections of a run: one function, so the transport can be
//! swapped (e.g. for `textstance-client`'s balancing builder) in one place.
//!
//! For a plain `host:port` target, [`make_channels`] opens `n` independent
//! HTTP/2 connections (one tonic [`Channel`] each) with TCP_NODELAY, and waits
//! until every one is connected, as ghz dials before it starts the clock.
//! Plaintext only: there is no TLS support.
//!
//! Everything else names the connection type [`Conn`] only, so moving to
//! `textstance-client` (balancing over `dns:///host:port` or
//! `ipv4:a:p,b:p`) means: set `Conn = textstance_client::BalancedChannel` and
//! build each of the `n` with
//! `ClientBuilder::new(host).connect_timeout(t).connect().await?.channel()`.

use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

/// The connection type the runner drives: anything `tonic::client::Grpc` can
/// call through.
pub type Conn = Channel;

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The target is not a valid `host:port` or URI.
    #[error("invalid target {target:?}: {source}")]
    Target {
        /// The target.
        target: String,
        /// The parse error.
        source: tonic::transport::Error,
    },
    /// Connecting failed or timed out.
    #[error("cannot connect to {target}: {detail}")]
    Connect {
        /// The target.
        target: String,
        /// What went wrong.
        detail: String,
    },
}

/// Builds the endpoint URI for a ghz host (`host:port`, or a full
/// `http://host:port`).
fn endpoint(host: &str, connect_timeout: Duration) -> Result<Endpoint, ConnectError> {
    let uri = if host.contains("://") {
        host.to_owned()
    } else {
        format!("http://{host}")
    };
    Ok(Endpoint::from_shared(uri)
        .map_err(|source| ConnectError::Target {
            target: host.to_owned(),
            source,
        })?
        .tcp_nodelay(true)
        .connect_timeout(connect_timeout)
        // Large windows: batch and stream calls carry megabytes.
        .initial_stream_window_size(Some(4 << 20))
        .initial_connection_window_size(Some(8 << 20)))
}

/// Opens `n` connections to `host` and returns one channel per connection.
pub async fn make_channels(
    host: &str,
    n: usize,
    connect_timeout: Duration,
) -> Result<Vec<Conn>, ConnectError> {
    let endpoint = endpoint(host, connect_timeout)?;
    let mut channels = Vec::with_capacity(n);
    for _ in 0..n {
        let connect = endpoint.connect();
        let channel = tokio::time::timeout(connect_timeout, connect)
            .await
            .map_err(|_| ConnectError::Connect {
                target: host.to_owned(),
                detail: format!("timed out after {connect_timeout:?}"),
            })?
            .map_err(|e| ConnectError::Connect {
                target: host.to_owned(),
                detail: error_chain(&e),
            })?;
        channels.push(channel);
    }
    Ok(channels)
}

/// An error with its sources, `a: b: c`.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
