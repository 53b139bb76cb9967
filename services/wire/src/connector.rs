//! [`CorkedConnector`]: plain TCP connections (no Nagle delay) wrapped in
//! [`Corked`], for tonic's `Endpoint::connect_with_connector`. It does no
//! TLS and no name resolution beyond the system resolver's.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::Corked;

/// Boxed error, as tonic's connector bound takes it.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects `http://` URIs with `TCP_NODELAY` and wraps each connection in
/// [`Corked`].
#[derive(Clone, Debug)]
pub struct CorkedConnector {
    http: HttpConnector,
    coalesce: bool,
}

impl CorkedConnector {
    /// A connector whose connections coalesce writes when `coalesce` is
    /// true, and write straight through otherwise.
    pub fn new(coalesce: bool) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        CorkedConnector { http, coalesce }
    }
}

impl tower::Service<http::Uri> for CorkedConnector {
    type Response = TokioIo<Corked<TcpStream>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let connect = self.http.call(uri);
        let coalesce = self.coalesce;
        Box::pin(async move {
            let tcp = connect.await?.into_inner();
            Ok(TokioIo::new(Corked::new(tcp, coalesce)))
        })
    }
}
