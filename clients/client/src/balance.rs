//! Client-side balancing: round-robin over per-endpoint channels with
//! passive health tracking, and DNS re-resolution.
//!
//! Each endpoint (one socket address, or one `host:port` for single targets)
//! owns a lazily connecting tonic [`Channel`], which reconnects by itself on
//! the next call after its connection dropped. [`BalancedChannel`] is a
//! `tower::Service` over the set: each call goes to the next endpoint in
//! rotation that is not ejected. An endpoint is ejected when a call to it
//! fails in transport or returns `UNAVAILABLE` (a draining server): for
//! `ejection_base * 2^(n-1)` after its n-th consecutive failure, capped at
//! `ejection_max`. When the ejection ends, the endpoint is tried again with a
//! real call; one success makes it healthy. If every endpoint is ejected,
//! the one whose ejection ends first is used anyway (a call is never refused
//! without trying).
//!
//! We chose this over `Channel::balance_channel` because tower's p2c picks the
//! least loaded of two endpoints, and a dead endpoint that fails fast has no
//! load, so it attracts retries; it also hides which endpoint failed.
//!
//! For `dns:` targets a background task re-resolves the name every
//! `resolve_interval` and soon after any transport failure (at most once per
//! `min_resolve_interval`), keeping the state of endpoints that remain.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::task::{Context, Poll};
#[cfg(test)]
use std::time::Duration;
use std::time::Instant;

use textstance_wire::CorkedConnector;
use tokio::sync::Notify;
use tonic::body::Body;
use tonic::transport::{Channel, Endpoint};
use tower::ServiceExt;

use crate::ClientError;
use crate::builder::Settings;

/// A transport failure at one endpoint; tonic's `Status::from_error` finds
/// the cause (e.g. a connect error) through [`std::error::Error::source`].
#[derive(Debug)]
pub struct EndpointError {
    endpoint: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl EndpointError {
    pub(crate) fn new(endpoint: String, source: Box<dyn std::error::Error + Send + Sync>) -> Self {
        EndpointError { endpoint, source }
    }

    /// The endpoint the call was sent to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl std::fmt::Display for EndpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "endpoint {}: {}", self.endpoint, self.source)
    }
}

impl std::error::Error for EndpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// A snapshot of one endpoint's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStats {
    /// `ip:port` (or `host:port` for a single target).
    pub address: String,
    /// False while ejected.
    pub healthy: bool,
    /// Calls sent to it.
    pub calls: u64,
    /// Calls that failed in transport or with `UNAVAILABLE`.
    pub failures: u64,
}

#[derive(Debug, Default)]
struct Health {
    consecutive_failures: u32,
    ejected_until: Option<Instant>,
}

#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) address: String,
    pub(crate) channel: Channel,
    health: Mutex<Health>,
    calls: AtomicU64,
    failures: AtomicU64,
}

impl Slot {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn available_at(&self, now: Instant) -> Result<(), Instant> {
        match self.health().ejected_until {
            Some(t) if t > now => Err(t),
            _ => Ok(()),
        }
    }
}

/// The shared endpoint set behind every clone of a client.
#[derive(Debug)]
pub(crate) struct Pool {
    slots: RwLock<Arc<Vec<Arc<Slot>>>>,
    next: AtomicUsize,
    settings: Arc<Settings>,
    /// Wakes the resolver (dns targets only).
    resolve_now: Option<Arc<Notify>>,
    /// Signalled after every endpoint-set update.
    updated: Notify,
}

impl Pool {
    pub(crate) fn new(settings: Arc<Settings>, dynamic: bool) -> Pool {
        Pool {
            slots: RwLock::new(Arc::new(Vec::new())),
            next: AtomicUsize::new(0),
            settings,
            resolve_now: dynamic.then(|| Arc::new(Notify::new())),
            updated: Notify::new(),
        }
    }

    fn snapshot(&self) -> Arc<Vec<Arc<Slot>>> {
        self.slots.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn slots(&self) -> Arc<Vec<Arc<Slot>>> {
        self.snapshot()
    }

    pub(crate) fn endpoint(&self, address: &str) -> Result<Endpoint, ClientError> {
        let s = &self.settings;
        let ep = Endpoint::from_shared(format!("http://{address}"))
            .map_err(|e| ClientError::InvalidTarget {
                target: address.to_owned(),
                reason: e.to_string(),
            })?
            .connect_timeout(s.connect_timeout);
        Ok(match s.keep_alive {
            Some(k) => ep
                .http2_keep_alive_interval(k)
                .keep_alive_timeout(k)
                .keep_alive_while_idle(false),
            None => ep,
        })
    }

    /// The connector for new connections: plain TCP with `TCP_NODELAY`,
    /// corked unless the settings turn write coalescing off.
    pub(crate) fn connector(&self) -> CorkedConnector {
        CorkedConnector::new(self.settings.write_coalescing)
    }

    /// A slot with a lazy channel (must run inside a Tokio runtime).
    pub(crate) fn lazy_slot(&self, address: String) -> Result<Slot, ClientError> {
        let channel = self
            .endpoint(&address)?
            .connect_with_connector_lazy(self.connector());
        Ok(Slot::new(address, channel))
    }

    /// Replaces the endpoint set by `addresses`, keeping the slots (and
    /// health) of addresses that stay.
    pub(crate) fn set_addresses(&self, addresses: &[String]) -> Result<(), ClientError> {
        let old = self.snapshot();
        let mut new = Vec::with_capacity(addresses.len());
        for a in addresses {
            match old.iter().find(|s| &s.address == a) {
                Some(s) => new.push(s.clone()),
                None => new.push(Arc::new(self.lazy_slot(a.clone())?)),
            }
        }
        self.install(new);
        Ok(())
    }

    pub(crate) fn install(&self, slots: Vec<Arc<Slot>>) {
        {
            let mut w = self.slots.write().unwrap_or_else(|p| p.into_inner());
            *w = Arc::new(slots);
        }
        self.updated.notify_waiters();
    }

    fn request_resolve(&self) {
        if let Some(n) = &self.resolve_now {
            n.notify_one();
        }
    }

    /// The next endpoint in rotation that is not ejected; if all are
    /// ejected, the one whose ejection ends first. Waits (up to the connect
    /// timeout) for a first resolution when the set is empty.
    pub(crate) async fn pick(&self) -> Result<Arc<Slot>, ClientError> {
        let wait_until = Instant::now() + self.settings.connect_timeout;
        loop {
            let updated = self.updated.notified();
            tokio::pin!(updated);
            updated.as_mut().enable();
            let slots = self.snapshot();
            if let Some(slot) = self.pick_from(&slots) {
                return Ok(slot);
            }
            self.request_resolve();
            let left = wait_until.saturating_duration_since(Instant::now());
            if self.resolve_now.is_none()
                || left.is_zero()
                || tokio::time::timeout(left, updated).await.is_err()
            {
                return Err(ClientError::Transport {
                    endpoint: None,
                    message: "no endpoint resolved for the target".to_owned(),
                });
            }
        }
    }

    fn pick_from(&self, slots: &[Arc<Slot>]) -> Option<Arc<Slot>> {
        let n = slots.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut soonest: Option<(Instant, &Arc<Slot>)> = None;
        for i in 0..n {
            let slot = &slots[(start + i) % n];
            match slot.available_at(now) {
                Ok(()) => return Some(slot.clone()),
                Err(t) => {
                    if soonest.is_none_or(|(s, _)| t < s) {
                        soonest = Some((t, slot));
                    }
                }
            }
        }
        soonest.map(|(_, s)| s.clone())
    }

    pub(crate) fn report_success(&self, slot: &Slot) {
        let mut h = slot.health();
        h.consecutive_failures = 0;
        h.ejected_until = None;
    }

    pub(crate) fn report_failure(&self, slot: &Slot) {
        slot.failures.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        {
            let mut h = slot.health();
            // Concurrent failures of one outage count once.
            if h.ejected_until.is_none_or(|t| t <= now) {
                h.consecutive_failures = h.consecutive_failures.saturating_add(1);
                let exp = 2u32.saturating_pow(h.consecutive_failures.saturating_sub(1).min(16));
                let d = self
                    .settings
                    .ejection_base
                    .saturating_mul(exp)
                    .min(self.settings.ejection_max);
                h.ejected_until = Some(now + d);
                tracing::debug!(endpoint = %slot.address, ejected_for = ?d, "endpoint ejected");
            }
        }
        self.request_resolve();
    }

    pub(crate) fn stats(&self) -> Vec<EndpointStats> {
        let now = Instant::now();
        self.snapshot()
            .iter()
            .map(|s| EndpointStats {
                address: s.address.clone(),
                healthy: s.available_at(now).is_ok(),
                calls: s.calls.load(Ordering::Relaxed),
                failures: s.failures.load(Ordering::Relaxed),
            })
            .collect()
    }
}

impl Slot {
    pub(crate) fn new(address: String, channel: Channel) -> Slot {
        Slot {
            address,
            channel,
            health: Mutex::new(Health::default()),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    pub(crate) fn eject_now(&self, pool: &Pool) {
        pool.report_failure(self);
        // Not a call failure, only a failed first connect.
        self.failures.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves `host_port` to every address it names, sorted and deduplicated.
pub(crate) async fn resolve(host_port: &str) -> Result<Vec<String>, ClientError> {
    let addrs = tokio::net::lookup_host(host_port)
        .await
        .map_err(|e| ClientError::Resolve {
            host: host_port.to_owned(),
            reason: e.to_string(),
        })?;
    let mut v: Vec<SocketAddr> = addrs.collect();
    v.sort();
    v.dedup();
    if v.is_empty() {
        return Err(ClientError::Resolve {
            host: host_port.to_owned(),
            reason: "no addresses".to_owned(),
        });
    }
    Ok(v.iter().map(SocketAddr::to_string).collect())
}

/// Runs until the pool is dropped: re-resolves `host_port` every
/// `resolve_interval`, or soon after a failure was reported.
pub(crate) fn spawn_resolver(pool: &Arc<Pool>, host_port: String, resolve_first: bool) {
    let Some(wake) = pool.resolve_now.clone() else {
        return;
    };
    let weak: Weak<Pool> = Arc::downgrade(pool);
    let interval = pool.settings.resolve_interval;
    let min_interval = pool.settings.min_resolve_interval;
    tokio::spawn(async move {
        let mut last: Option<Instant> = None;
        let mut first = resolve_first;
        loop {
            if !first {
                let _ = tokio::time::timeout(interval, wake.notified()).await;
            }
            first = false;
            if let Some(l) = last {
                let since = l.elapsed();
                if since < min_interval {
                    tokio::time::sleep(min_interval - since).await;
                }
            }
            last = Some(Instant::now());
            let Some(pool) = weak.upgrade() else { break };
            match resolve(&host_port).await {
                Ok(addrs) => {
                    if let Err(e) = pool.set_addresses(&addrs) {
                        tracing::warn!(target_name = %host_port, error = %e, "bad resolved address");
                    }
                }
                // Keep the old set: a resolver hiccup must not empty the pool.
                Err(e) => {
                    tracing::debug!(target_name = %host_port, error = %e, "re-resolve failed")
                }
            }
        }
    });
}

/// A clonable `tower::Service` that sends each gRPC call to the next healthy
/// endpoint. Use it with any tonic generated client
/// (`TextServiceClient::new(channel)`) or `tonic::client::Grpc` to send raw
/// calls through the same balancing as [`Client`](crate::Client). It does not
/// retry: retries need the request message, which only the typed client
/// keeps.
#[derive(Debug, Clone)]
pub struct BalancedChannel {
    pub(crate) pool: Arc<Pool>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower::Service<http::Request<Body>> for BalancedChannel {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is checked per endpoint inside the call.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let pool = self.pool.clone();
        Box::pin(async move {
            let slot = pool.pick().await.map_err(|e| -> BoxError { Box::new(e) })?;
            slot.calls.fetch_add(1, Ordering::Relaxed);
            match slot.channel.clone().oneshot(req).await {
                Ok(resp) => {
                    if grpc_status(&resp) == Some(tonic::Code::Unavailable) {
                        pool.report_failure(&slot);
                    } else {
                        pool.report_success(&slot);
                    }
                    Ok(resp)
                }
                Err(e) => {
                    // A deadline that passed is the caller's, not the endpoint's.
                    if !is_timeout(&e) {
                        pool.report_failure(&slot);
                    }
                    Err(Box::new(EndpointError::new(slot.address.clone(), Box::new(e))) as BoxError)
                }
            }
        })
    }
}

fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<tonic::TimeoutExpired>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The status of a trailers-only response (how servers send errors).
fn grpc_status(resp: &http::Response<Body>) -> Option<tonic::Code> {
    let v = resp.headers().get("grpc-status")?;
    let n: i32 = v.to_str().ok()?.parse().ok()?;
    Some(tonic::Code::from_i32(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Pool {
        Pool::new(Arc::new(Settings::default()), true)
    }

    fn addrs(p: &Pool) -> Vec<String> {
        p.slots().iter().map(|s| s.address.clone()).collect()
    }

    #[tokio::test]
    async fn re_resolution_keeps_the_state_of_endpoints_that_stay() {
        let p = pool();
        p.set_addresses(&["10.0.0.1:1".into(), "10.0.0.2:1".into()])
            .expect("set");
        let b = p.slots()[1].clone();
        p.report_failure(&b);
        p.set_addresses(&["10.0.0.2:1".into(), "10.0.0.3:1".into()])
            .expect("set");
        assert_eq!(addrs(&p), ["10.0.0.2:1", "10.0.0.3:1"]);
        assert!(Arc::ptr_eq(&p.slots()[0], &b), "the slot itself is kept");
        let stats = p.stats();
        assert!(!stats[0].healthy, "still ejected after re-resolution");
        assert!(stats[1].healthy);
    }

    #[tokio::test]
    async fn rotation_skips_ejected_endpoints_until_all_are() {
        let p = pool();
        p.set_addresses(&[
            "10.0.0.1:1".into(),
            "10.0.0.2:1".into(),
            "10.0.0.3:1".into(),
        ])
        .expect("set");
        let slots = p.slots();
        let pick = |p: &Pool| p.pick_from(&p.slots()).expect("some").address.clone();
        let seen: Vec<String> = (0..6).map(|_| pick(&p)).collect();
        assert_eq!(
            seen,
            [
                "10.0.0.1:1",
                "10.0.0.2:1",
                "10.0.0.3:1",
                "10.0.0.1:1",
                "10.0.0.2:1",
                "10.0.0.3:1"
            ]
        );
        p.report_failure(&slots[1]);
        for _ in 0..6 {
            assert_ne!(pick(&p), "10.0.0.2:1");
        }
        p.report_failure(&slots[0]);
        p.report_failure(&slots[2]);
        // All ejected: the one whose ejection ends first (the second, ejected
        // earliest) is used rather than refusing the call.
        assert_eq!(pick(&p), "10.0.0.2:1");
        p.report_success(&slots[0]);
        for _ in 0..3 {
            assert_eq!(pick(&p), "10.0.0.1:1");
        }
    }

    #[tokio::test]
    async fn ejection_grows_per_outage_not_per_failure() {
        let p = pool();
        p.set_addresses(&["10.0.0.1:1".into()]).expect("set");
        let s = p.slots()[0].clone();
        for _ in 0..5 {
            p.report_failure(&s);
        }
        assert_eq!(s.health().consecutive_failures, 1, "one outage");
        s.health().ejected_until = Some(Instant::now());
        p.report_failure(&s);
        assert_eq!(s.health().consecutive_failures, 2);
        let until = s.health().ejected_until.expect("ejected");
        let d = until.saturating_duration_since(Instant::now());
        assert!(
            d <= Duration::from_millis(500) && d > Duration::from_millis(250),
            "{d:?}"
        );
    }
}
