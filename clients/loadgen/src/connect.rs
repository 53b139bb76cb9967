//! Making the connections of a run: one function, so the transport can be
//! swapped in one place.
//!
//! Connections come from `textstance-client`: [`make_channels`] builds `n`
//! independent clients for the target and keeps each one's balancing channel
//! ([`Conn`]). For a plain `host:port` that is `n` HTTP/2 connections
//! (TCP_NODELAY, hyper's default windows); for `dns:///host:port` or
//! `ipv4:a:p,b:p` each of the `n` balances round-robin over every endpoint,
//! as grpc-go's `round_robin` does for ghz. Every client connects before the
//! clock starts, as ghz dials first. Plaintext only: there is no TLS.
//! Retries are not involved: the raw channel does not retry.

use std::time::Duration;

use textstance_client::ClientBuilder;

/// The connection type the runner drives: anything `tonic::client::Grpc` can
/// call through.
pub type Conn = textstance_client::BalancedChannel;

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The target is not a valid `host:port`, `dns:///` or `ipv4:` target.
    #[error("invalid target {target:?}: {reason}")]
    Target {
        /// The target.
        target: String,
        /// Why it is invalid.
        reason: String,
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

/// Opens `n` clients to `target` and returns the channel of each.
pub async fn make_channels(
    target: &str,
    n: usize,
    connect_timeout: Duration,
) -> Result<Vec<Conn>, ConnectError> {
    let mut channels = Vec::with_capacity(n);
    for _ in 0..n {
        let connect = ClientBuilder::new(target)
            .connect_timeout(connect_timeout)
            .no_request_timeout()
            .connect();
        let client = tokio::time::timeout(connect_timeout, connect)
            .await
            .map_err(|_| ConnectError::Connect {
                target: target.to_owned(),
                detail: format!("timed out after {connect_timeout:?}"),
            })?
            .map_err(|e| match e {
                textstance_client::ClientError::InvalidTarget { reason, .. } => {
                    ConnectError::Target {
                        target: target.to_owned(),
                        reason,
                    }
                }
                other => ConnectError::Connect {
                    target: target.to_owned(),
                    detail: error_chain(&other),
                },
            })?;
        channels.push(client.channel());
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
