//! The client against in-process mock TextService servers on 127.0.0.1:0:
//! error decoding, retries, round-robin, an endpoint going away and coming
//! back, deadlines, metadata, streaming, health. No fixed ports, no sleeps.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use textstance_proto::Encoded;

use textstance_client::{
    CallOptions, Client, ClientBuilder, ClientError, HealthStatus, RetryPolicy, pb,
};

/// A mock that answers with its own name, so tests see who served a call.
#[derive(Clone)]
struct Mock {
    name: &'static str,
    calls: Arc<AtomicU64>,
    /// Answer this many calls with UNAVAILABLE first.
    unavailable_first: Arc<AtomicU32>,
    /// Break every stream with UNAVAILABLE after this many responses (0: never).
    break_streams_after: Arc<AtomicU32>,
}

impl Mock {
    fn new(name: &'static str) -> Mock {
        Mock {
            name,
            calls: Arc::new(AtomicU64::new(0)),
            unavailable_first: Arc::new(AtomicU32::new(0)),
            break_streams_after: Arc::new(AtomicU32::new(0)),
        }
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    fn result(&self, id: &str, text: String) -> pb::AnalysisResult {
        pb::AnalysisResult {
            id: id.to_owned(),
            text: Some(text),
            ..Default::default()
        }
    }
}

fn doc_id(d: &Option<pb::Document>) -> String {
    d.as_ref().map(|d| d.id.clone()).unwrap_or_default()
}

type ResponseStream =
    Pin<Box<dyn Stream<Item = Result<Encoded<pb::StreamAnalyzeTextResponse>, Status>> + Send>>;

#[tonic::async_trait]
impl pb::text_service_server::TextService for Mock {
    async fn normalize_text(
        &self,
        request: Request<pb::NormalizeTextRequest>,
    ) -> Result<Response<pb::NormalizeTextResponse>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let id = doc_id(&request.get_ref().document);
        Ok(Response::new(pb::NormalizeTextResponse {
            result: Some(pb::NormalizeResult {
                id,
                text: self.name.to_owned(),
                ..Default::default()
            }),
        }))
    }

    async fn segment_text(
        &self,
        _request: Request<pb::SegmentTextRequest>,
    ) -> Result<Response<pb::SegmentTextResponse>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(Status::unimplemented("mock"))
    }

    async fn tag_text(
        &self,
        _request: Request<pb::TagTextRequest>,
    ) -> Result<Response<pb::TagTextResponse>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(Status::unimplemented("mock"))
    }

    async fn analyze_text(
        &self,
        request: Request<pb::AnalyzeTextRequest>,
    ) -> Result<Response<Encoded<pb::AnalyzeTextResponse>>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self
            .unavailable_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(Status::unavailable("mock is draining"));
        }
        let rid = request
            .metadata()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let id = doc_id(&request.get_ref().document);
        match id.as_str() {
            "bad-charset" => {
                let mut details = ErrorDetails::with_error_info(
                    "UNKNOWN_CHARSET",
                    "textstance.v1",
                    HashMap::new(),
                );
                details.add_bad_request_violation(
                    "document.charset_label",
                    "\"klingon\" is not a WHATWG label",
                );
                Err(Status::with_error_details(
                    Code::InvalidArgument,
                    "unknown charset label",
                    details,
                ))
            }
            "hang" => std::future::pending().await,
            "echo-rid" => Ok(Response::new(Encoded::new(&pb::AnalyzeTextResponse {
                result: Some(self.result(&id, rid)),
            }))),
            _ => Ok(Response::new(Encoded::new(&pb::AnalyzeTextResponse {
                result: Some(self.result(&id, self.name.to_owned())),
            }))),
        }
    }

    async fn batch_analyze_texts(
        &self,
        request: Request<pb::BatchAnalyzeTextsRequest>,
    ) -> Result<Response<Encoded<pb::BatchAnalyzeTextsResponse>>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let responses = request
            .into_inner()
            .requests
            .iter()
            .map(|r| pb::AnalyzeTextResponse {
                result: Some(self.result(&doc_id(&r.document), self.name.to_owned())),
            })
            .collect();
        Ok(Response::new(Encoded::new(
            &pb::BatchAnalyzeTextsResponse { responses },
        )))
    }

    type StreamAnalyzeTextStream = ResponseStream;

    async fn stream_analyze_text(
        &self,
        request: Request<tonic::Streaming<pb::StreamAnalyzeTextRequest>>,
    ) -> Result<Response<Self::StreamAnalyzeTextStream>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let name = self.name;
        let mut seq = 0u64;
        let out = request.into_inner().map(move |item| {
            let item = item?;
            let id = item
                .request
                .as_ref()
                .map(|r| doc_id(&r.document))
                .unwrap_or_default();
            let outcome = if id == "bad" {
                pb::stream_analyze_text_response::Outcome::Error(pb::ItemError {
                    code: Code::InvalidArgument as i32,
                    message: "empty document".into(),
                    reason: "EMPTY_DOCUMENT".into(),
                    field_violations: vec![pb::FieldViolation {
                        field: "request.document.content".into(),
                        description: "empty".into(),
                    }],
                })
            } else {
                pb::stream_analyze_text_response::Outcome::Result(pb::AnalysisResult {
                    id: id.clone(),
                    text: Some(name.to_owned()),
                    ..Default::default()
                })
            };
            let resp = pb::StreamAnalyzeTextResponse {
                id,
                sequence: seq,
                outcome: Some(outcome),
            };
            seq += 1;
            Ok(Encoded::new(&resp))
        });
        let limit = self.break_streams_after.load(Ordering::SeqCst) as usize;
        if limit == 0 {
            return Ok(Response::new(Box::pin(out)));
        }
        let broken = out
            .take(limit)
            .chain(tokio_stream::once(Err(Status::unavailable(
                "replica draining",
            ))));
        Ok(Response::new(Box::pin(broken)))
    }

    async fn list_lexicons(
        &self,
        _request: Request<pb::ListLexiconsRequest>,
    ) -> Result<Response<pb::ListLexiconsResponse>, Status> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Response::new(pb::ListLexiconsResponse {
            lexicon_version: Some(pb::LexiconVersion {
                version: self.name.to_owned(),
                content_hash: "00".into(),
            }),
            lexicons: vec![],
        }))
    }
}

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Graceful shutdown, as a drained replica does; waits until it is gone.
    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.task.await.expect("server task");
    }
}

async fn serve(mock: Mock, addr: SocketAddr) -> Running {
    let listener = TcpListener::bind(addr).await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (tx, rx) = oneshot::channel();
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_serving::<pb::text_service_server::TextServiceServer<Mock>>()
        .await;
    let task = tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(health)
            .add_service(pb::text_service_server::TextServiceServer::new(mock))
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
    });
    Running {
        addr,
        stop: Some(tx),
        task,
    }
}

async fn start(mock: &Mock) -> Running {
    serve(mock.clone(), "127.0.0.1:0".parse().expect("addr")).await
}

fn doc(id: &str) -> pb::AnalyzeTextRequest {
    pb::AnalyzeTextRequest {
        document: Some(pb::Document {
            content: Some(pb::document::Content::Text("It may rain.".into())),
            id: id.to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

fn served_by(resp: &pb::AnalyzeTextResponse) -> String {
    resp.result
        .as_ref()
        .and_then(|r| r.text.clone())
        .unwrap_or_default()
}

fn ipv4(addrs: &[SocketAddr]) -> String {
    let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    format!("ipv4:{}", list.join(","))
}

#[tokio::test]
async fn decodes_error_details_and_does_not_retry_them() {
    let mock = Mock::new("a");
    let server = start(&mock).await;
    let client = ClientBuilder::new(format!("http://{}", server.addr))
        .retry_policy(fast_retries())
        .connect()
        .await
        .expect("connect");
    let err = client
        .analyze_text(doc("bad-charset"))
        .await
        .expect_err("must fail");
    assert!(!err.is_transport());
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(err.reason(), Some("UNKNOWN_CHARSET"));
    let fields: Vec<_> = err
        .field_violations()
        .iter()
        .map(|v| v.field.as_str())
        .collect();
    assert_eq!(fields, ["document.charset_label"]);
    assert_eq!(mock.calls(), 1, "INVALID_ARGUMENT is not retried");
    server.stop().await;
}

#[tokio::test]
async fn retries_unavailable_until_success() {
    let mock = Mock::new("a");
    mock.unavailable_first.store(2, Ordering::SeqCst);
    let server = start(&mock).await;
    let client = ClientBuilder::new(server.addr.to_string())
        .retry_policy(fast_retries())
        .ejection(Duration::from_millis(1), Duration::from_millis(2))
        .connect()
        .await
        .expect("connect");
    let resp = client.analyze_text(doc("x")).await.expect("retried");
    assert_eq!(served_by(&resp), "a");
    assert_eq!(mock.calls(), 3);
    server.stop().await;
}

#[tokio::test]
async fn no_retry_without_policy_or_budget() {
    let mock = Mock::new("a");
    let server = start(&mock).await;
    let cases = [
        ("no retries", RetryPolicy::none()),
        (
            "empty budget",
            RetryPolicy {
                budget_max_tokens: 0.0,
                ..fast_retries()
            },
        ),
        (
            "max attempts 2",
            RetryPolicy {
                max_attempts: 2,
                ..fast_retries()
            },
        ),
    ];
    for (name, policy) in cases {
        let want_calls = u64::from(policy.max_attempts.min(if policy.budget_max_tokens < 1.0 {
            1
        } else {
            u32::MAX
        }));
        mock.calls.store(0, Ordering::SeqCst);
        mock.unavailable_first.store(10, Ordering::SeqCst);
        let client = ClientBuilder::new(server.addr.to_string())
            .retry_policy(policy)
            .connect()
            .await
            .expect("connect");
        let err = client.analyze_text(doc("x")).await.expect_err(name);
        assert_eq!(err.code(), Code::Unavailable, "{name}");
        assert!(!err.is_transport(), "{name}: the server answered");
        assert_eq!(mock.calls(), want_calls, "{name}");
    }
    server.stop().await;
}

#[tokio::test]
async fn round_robin_across_three_servers() {
    let mocks = [Mock::new("a"), Mock::new("b"), Mock::new("c")];
    let mut servers = Vec::new();
    for m in &mocks {
        servers.push(start(m).await);
    }
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let client = ClientBuilder::new(ipv4(&addrs))
        .connect()
        .await
        .expect("connect");
    for i in 0..300 {
        client
            .analyze_text(doc(&i.to_string()))
            .await
            .expect("call");
    }
    for m in &mocks {
        assert_eq!(m.calls(), 100, "mock {}", m.name);
    }
    // The raw channel goes through the same rotation.
    let mut raw = client.raw();
    for _ in 0..3 {
        raw.list_lexicons(pb::ListLexiconsRequest {})
            .await
            .expect("raw call");
    }
    for m in &mocks {
        assert_eq!(m.calls(), 101, "mock {}", m.name);
    }
    let stats = client.endpoint_stats();
    assert_eq!(stats.len(), 3);
    assert!(
        stats
            .iter()
            .all(|s| s.healthy && s.calls == 101 && s.failures == 0)
    );
    for s in servers {
        s.stop().await;
    }
}

#[tokio::test]
async fn endpoint_goes_away_and_comes_back() {
    let mocks = [Mock::new("a"), Mock::new("b"), Mock::new("c")];
    let mut servers = Vec::new();
    for m in &mocks {
        servers.push(start(m).await);
    }
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let client = ClientBuilder::new(ipv4(&addrs))
        .retry_policy(fast_retries())
        .ejection(Duration::from_millis(20), Duration::from_millis(100))
        .connect()
        .await
        .expect("connect");
    for i in 0..30 {
        client
            .analyze_text(doc(&i.to_string()))
            .await
            .expect("before");
    }
    // b goes away.
    let b = servers.remove(1);
    let b_addr = b.addr;
    b.stop().await;
    let mut seen = HashMap::new();
    for i in 0..100 {
        let resp = client
            .analyze_text(doc(&i.to_string()))
            .await
            .expect("no call fails while b is gone");
        *seen.entry(served_by(&resp)).or_insert(0) += 1;
    }
    assert_eq!(seen.get("b"), None);
    assert_eq!(seen.values().sum::<i32>(), 100);
    // b comes back on the same address, as a fresh process would.
    let b2 = Mock::new("b2");
    let b2_server = serve(b2.clone(), b_addr).await;
    let back = tokio::time::timeout(Duration::from_secs(10), async {
        let mut n = 0;
        while b2.calls() == 0 {
            client
                .analyze_text(doc(&n.to_string()))
                .await
                .expect("no call fails while b comes back");
            n += 1;
        }
    })
    .await;
    assert!(back.is_ok(), "b never got traffic again");
    // Back in the rotation: an even share of the next calls.
    let before = b2.calls();
    for i in 0..90 {
        client
            .analyze_text(doc(&i.to_string()))
            .await
            .expect("after");
    }
    let share = b2.calls() - before;
    assert!(share >= 25, "b2 served {share} of 90");
    b2_server.stop().await;
    for s in servers {
        s.stop().await;
    }
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        l.local_addr().expect("addr")
    };
    let err = ClientBuilder::new(format!("http://{addr}"))
        .connect()
        .await
        .expect_err("nobody listens");
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(err.code(), Code::Unavailable);

    let client = ClientBuilder::new(format!("http://{addr}"))
        .retry_policy(fast_retries())
        .connect_lazy()
        .expect("lazy");
    let err = client.analyze_text(doc("x")).await.expect_err("refused");
    assert!(err.is_transport(), "{err:?}");
    assert_eq!(err.code(), Code::Unavailable);
    let stats = client.endpoint_stats();
    assert_eq!(stats[0].calls, 5, "every attempt was made");
    assert!(!stats[0].healthy);
}

#[tokio::test]
async fn per_call_deadline() {
    let mock = Mock::new("a");
    let server = start(&mock).await;
    let client = ClientBuilder::new(server.addr.to_string())
        .connect()
        .await
        .expect("connect");
    let err = client
        .analyze_text_with(
            doc("hang"),
            &CallOptions::with_timeout(Duration::from_millis(50)),
        )
        .await
        .expect_err("deadline");
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err:?}");
    server.stop().await;
}

#[tokio::test]
async fn request_id_metadata_reaches_the_server() {
    let mock = Mock::new("a");
    let server = start(&mock).await;
    let client = ClientBuilder::new(server.addr.to_string())
        .connect()
        .await
        .expect("connect");
    let opts = CallOptions::default().request_id("req-42");
    let resp = client
        .analyze_text_with(doc("echo-rid"), &opts)
        .await
        .expect("call");
    assert_eq!(served_by(&resp), "req-42");
    let bad = CallOptions::default().request_id("line\nbreak");
    let err = client
        .analyze_text_with(doc("echo-rid"), &bad)
        .await
        .expect_err("invalid metadata");
    assert!(
        matches!(err, ClientError::InvalidMetadata { .. }),
        "{err:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn stream_yields_in_order_with_item_errors() {
    let mock = Mock::new("a");
    let server = start(&mock).await;
    let client = ClientBuilder::new(server.addr.to_string())
        .stream_window(4)
        .connect()
        .await
        .expect("connect");
    let docs: Vec<_> = (0..500)
        .map(|i| {
            doc(&if i == 250 {
                "bad".to_owned()
            } else {
                i.to_string()
            })
        })
        .collect();
    let mut stream = client.analyze_iter(docs).await.expect("stream");
    let mut n = 0u64;
    while let Some(item) = stream.next().await {
        let item = item.expect("item");
        assert_eq!(item.sequence, n);
        match item.outcome {
            Some(pb::stream_analyze_text_response::Outcome::Result(r)) => {
                assert_eq!(r.id, n.to_string());
            }
            Some(pb::stream_analyze_text_response::Outcome::Error(e)) => {
                assert_eq!(n, 250);
                assert_eq!(e.reason, "EMPTY_DOCUMENT");
            }
            None => panic!("no outcome"),
        }
        n += 1;
    }
    assert_eq!(n, 500);
    server.stop().await;
}

#[tokio::test]
async fn broken_streams_resume_on_another_endpoint() {
    let mocks = [Mock::new("a"), Mock::new("b")];
    let mut servers = Vec::new();
    for m in &mocks {
        m.break_streams_after.store(7, Ordering::SeqCst);
        servers.push(start(m).await);
    }
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let client = ClientBuilder::new(ipv4(&addrs))
        .retry_policy(RetryPolicy {
            budget_max_tokens: 100.0,
            ..fast_retries()
        })
        .stream_window(5)
        .connect()
        .await
        .expect("connect");
    let docs: Vec<_> = (0..100).map(|i| doc(&i.to_string())).collect();
    let mut stream = client.analyze_iter(docs).await.expect("stream");
    let mut n = 0u64;
    let mut by = HashMap::new();
    while let Some(item) = stream.next().await {
        let item = item.expect("every document answered despite broken streams");
        assert_eq!(item.sequence, n);
        assert_eq!(item.id, n.to_string(), "in order");
        if let Some(pb::stream_analyze_text_response::Outcome::Result(r)) = item.outcome {
            *by.entry(r.text.unwrap_or_default()).or_insert(0) += 1;
        }
        n += 1;
    }
    assert_eq!(n, 100);
    assert!(by.len() == 2, "both replicas served: {by:?}");
    assert!(
        mocks.iter().all(|m| m.calls() >= 7),
        "many streams were opened"
    );

    // With retries off, the break reaches the caller after 7 answers.
    let client = ClientBuilder::new(ipv4(&addrs))
        .retry_policy(RetryPolicy::none())
        .connect()
        .await
        .expect("connect");
    let docs: Vec<_> = (0..100).map(|i| doc(&i.to_string())).collect();
    let mut stream = client.analyze_iter(docs).await.expect("stream");
    let mut ok = 0;
    let mut err = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(_) => ok += 1,
            Err(e) => err = Some(e),
        }
    }
    assert_eq!(ok, 7);
    assert_eq!(err.map(|e| e.code()), Some(Code::Unavailable));
    for s in servers {
        s.stop().await;
    }
}

#[tokio::test]
async fn health_and_unary_methods() {
    let mock = Mock::new("a");
    let server = start(&mock).await;
    let client = ClientBuilder::new(format!("dns:///localhost:{}", server.addr.port()))
        .retry_policy(fast_retries())
        .connect()
        .await
        .expect("connect");
    let lex = client
        .list_lexicons(pb::ListLexiconsRequest {})
        .await
        .expect("list");
    assert_eq!(lex.lexicon_version.map(|v| v.version).as_deref(), Some("a"));
    let batch = client
        .batch_analyze_texts(pb::BatchAnalyzeTextsRequest {
            requests: vec![doc("1"), doc("2")],
        })
        .await
        .expect("batch");
    assert_eq!(batch.responses.len(), 2);
    let norm = client
        .normalize_text(pb::NormalizeTextRequest::default())
        .await
        .expect("normalize");
    assert_eq!(norm.result.map(|r| r.text).as_deref(), Some("a"));
    let err = client
        .segment_text(pb::SegmentTextRequest::default())
        .await
        .expect_err("mock");
    assert_eq!(err.code(), Code::Unimplemented);

    let each = client.health_check_each("").await;
    assert!(
        each.iter()
            .any(|(_, r)| matches!(r, Ok(HealthStatus::Serving))),
        "{each:?}"
    );
    let status = client.health_check("textstance.v1.TextService").await;
    // localhost may also resolve to ::1, where nothing listens.
    if let Ok(s) = status {
        assert_eq!(s, HealthStatus::Serving);
    }
    let each = client.health_check_each("no.such.Service").await;
    for (_, r) in &each {
        if let Err(e) = r
            && !e.is_transport()
        {
            assert_eq!(e.code(), Code::NotFound);
        }
    }
    server.stop().await;
}

#[test]
fn client_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Client>();
    check::<textstance_client::BalancedChannel>();
    fn err<T: Send + Sync + std::error::Error + 'static>() {}
    err::<ClientError>();
}
