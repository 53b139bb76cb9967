//! `grpc.health.v1.Health` with the names load balancers and Kubernetes
//! probes ask for.
//!
//! | name | SERVING while | NOT_SERVING |
//! |---|---|---|
//! | `""` (whole server) | accepting calls | from the shutdown signal on |
//! | `textstance.v1.TextService` | accepting calls | from the shutdown signal on |
//! | `readiness` | accepting calls | from the shutdown signal on |
//! | `liveness` | the process runs | never: a draining pod is alive, and a failing liveness probe would kill it mid-drain |
//!
//! Any other name answers NOT_FOUND (`Check`) or SERVICE_UNKNOWN (`Watch`),
//! as the protocol says. `Check` reads an atomic, no lock. `Watch` streams
//! end when the server stops accepting calls, so a watcher cannot hold a
//! connection open through the drain.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;
use tokio_stream::{Stream, wrappers::WatchStream};
use tonic::{Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// The name Kubernetes liveness probes use.
pub const LIVENESS: &str = "liveness";
/// The name Kubernetes readiness probes use.
pub const READINESS: &str = "readiness";
/// The TextService's full name.
pub const TEXT_SERVICE: &str = "textstance.v1.TextService";

/// Every name this server answers for.
pub const NAMES: [&str; 4] = ["", TEXT_SERVICE, READINESS, LIVENESS];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    ready: bool,
    live: bool,
    closed: bool,
}

/// The server's health, shared by the health service and the shutdown
/// sequence.
#[derive(Debug)]
pub struct HealthState {
    ready: AtomicBool,
    live: AtomicBool,
    tx: watch::Sender<Snapshot>,
}

impl Default for HealthState {
    fn default() -> Self {
        HealthState {
            ready: AtomicBool::new(true),
            live: AtomicBool::new(true),
            tx: watch::channel(Snapshot {
                ready: true,
                live: true,
                closed: false,
            })
            .0,
        }
    }
}

impl HealthState {
    /// Serving on every name.
    pub fn new() -> HealthState {
        HealthState::default()
    }

    /// The status of `name`, or `None` for an unknown name.
    pub fn status(&self, name: &str) -> Option<ServingStatus> {
        let up = match name {
            LIVENESS => self.live.load(Ordering::Acquire),
            "" | TEXT_SERVICE | READINESS => self.ready.load(Ordering::Acquire),
            _ => return None,
        };
        Some(if up {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        })
    }

    /// Reports NOT_SERVING on every name but `liveness`.
    pub fn set_not_ready(&self) {
        self.ready.store(false, Ordering::Release);
        self.tx.send_modify(|s| s.ready = false);
    }

    /// Ends every `Watch` stream (the server stops accepting calls).
    pub fn close_watches(&self) {
        self.tx.send_modify(|s| s.closed = true);
    }

    /// The process is stopping: `liveness` goes NOT_SERVING too.
    pub fn set_dead(&self) {
        self.live.store(false, Ordering::Release);
        self.tx.send_modify(|s| {
            s.live = false;
            s.closed = true;
        });
    }

    fn snapshot_status(s: &Snapshot, name: &str) -> ServingStatus {
        let up = if name == LIVENESS { s.live } else { s.ready };
        if up {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        }
    }
}

/// The gRPC service over a [`HealthState`].
#[derive(Debug, Clone)]
pub struct HealthService {
    state: Arc<HealthState>,
}

/// A stream of health updates.
pub type WatchResponses = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

fn response(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status as i32,
    }
}

#[tonic::async_trait]
impl Health for HealthService {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        match self.state.status(&request.get_ref().service) {
            Some(s) => Ok(Response::new(response(s))),
            None => Err(Status::not_found("unknown service name")),
        }
    }

    type WatchStream = WatchResponses;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let name = request.into_inner().service;
        if self.state.status(&name).is_none() {
            let once = tokio_stream::once(Ok(response(ServingStatus::ServiceUnknown)));
            return Ok(Response::new(Box::pin(once)));
        }
        let stream = Watcher {
            inner: WatchStream::new(self.state.tx.subscribe()),
            name,
            last: None,
            done: false,
        };
        Ok(Response::new(Box::pin(stream)))
    }
}

/// A `Watch` stream: one response per change of the name's status; the
/// last status is sent before the stream ends, so a watcher always sees
/// NOT_SERVING before the drain closes its stream.
struct Watcher {
    inner: WatchStream<Snapshot>,
    name: String,
    last: Option<ServingStatus>,
    done: bool,
}

impl Stream for Watcher {
    type Item = Result<HealthCheckResponse, Status>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(s)) => {
                    this.done = s.closed;
                    let status = HealthState::snapshot_status(&s, &this.name);
                    if this.last != Some(status) {
                        this.last = Some(status);
                        return Poll::Ready(Some(Ok(response(status))));
                    }
                }
            }
        }
    }
}

/// The tonic server of the health service.
pub fn service(state: Arc<HealthState>) -> HealthServer<HealthService> {
    HealthServer::new(HealthService { state })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_drain() {
        let h = HealthState::new();
        for name in NAMES {
            assert_eq!(h.status(name), Some(ServingStatus::Serving), "{name:?}");
        }
        assert_eq!(h.status("nope"), None);
        h.set_not_ready();
        for name in ["", TEXT_SERVICE, READINESS] {
            assert_eq!(h.status(name), Some(ServingStatus::NotServing), "{name:?}");
        }
        assert_eq!(h.status(LIVENESS), Some(ServingStatus::Serving));
        h.set_dead();
        assert_eq!(h.status(LIVENESS), Some(ServingStatus::NotServing));
    }
}
