//! Integration tests: the load generator against an in-process server.
//!
//! The test server implements `textstance.v1.TextService` with trivial
//! answers and counts what it receives; NormalizeText fails for documents
//! whose id is `fail`, TagText never answers (for timeouts). It also serves
//! tonic-health and, per test, reflection v1, v1alpha or none. Port 0, no
//! sleeps; the only waits are the load schedules and timeouts under test.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Parser as _;
use serde_json::{Map, Value, json};
use textstance_loadgen::config::{Flags, Settings};
use textstance_loadgen::report::Report;
use textstance_proto::pb::text_service_server::{TextService, TextServiceServer};
use textstance_proto::{Encoded, pb};
use tokio::sync::oneshot;
use tokio_stream::{Stream, StreamExt as _};
use tonic::{Request, Response, Status, Streaming};

#[derive(Default)]
struct Counters {
    analyze: AtomicU64,
    normalize: AtomicU64,
    batch_docs: AtomicU64,
    stream_messages: AtomicU64,
    metadata_seen: AtomicU64,
    request_ids: std::sync::Mutex<Vec<String>>,
}

struct Fake {
    counters: Arc<Counters>,
}

type ResponseStream =
    Pin<Box<dyn Stream<Item = Result<Encoded<pb::StreamAnalyzeTextResponse>, Status>> + Send>>;

#[tonic::async_trait]
impl TextService for Fake {
    async fn normalize_text(
        &self,
        request: Request<pb::NormalizeTextRequest>,
    ) -> Result<Response<pb::NormalizeTextResponse>, Status> {
        self.counters.normalize.fetch_add(1, Ordering::Relaxed);
        let id = request
            .into_inner()
            .document
            .map(|d| d.id)
            .unwrap_or_default();
        if id == "fail" {
            return Err(Status::invalid_argument("document fail is refused"));
        }
        Ok(Response::new(pb::NormalizeTextResponse::default()))
    }

    async fn segment_text(
        &self,
        _request: Request<pb::SegmentTextRequest>,
    ) -> Result<Response<pb::SegmentTextResponse>, Status> {
        Ok(Response::new(pb::SegmentTextResponse::default()))
    }

    async fn tag_text(
        &self,
        _request: Request<pb::TagTextRequest>,
    ) -> Result<Response<pb::TagTextResponse>, Status> {
        std::future::pending::<()>().await;
        Err(Status::internal("unreachable"))
    }

    async fn analyze_text(
        &self,
        request: Request<pb::AnalyzeTextRequest>,
    ) -> Result<Response<Encoded<pb::AnalyzeTextResponse>>, Status> {
        self.counters.analyze.fetch_add(1, Ordering::Relaxed);
        if request
            .metadata()
            .get("x-run")
            .and_then(|v| v.to_str().ok())
            == Some("loadgen-test")
        {
            self.counters.metadata_seen.fetch_add(1, Ordering::Relaxed);
        }
        let id = request
            .metadata()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok());
        if let (Some(id), Ok(mut ids)) = (id, self.counters.request_ids.lock()) {
            ids.push(id.to_owned());
        }
        Ok(Response::new(Encoded::default()))
    }

    async fn batch_analyze_texts(
        &self,
        request: Request<pb::BatchAnalyzeTextsRequest>,
    ) -> Result<Response<Encoded<pb::BatchAnalyzeTextsResponse>>, Status> {
        let n = request.into_inner().requests.len();
        self.counters
            .batch_docs
            .fetch_add(n as u64, Ordering::Relaxed);
        Ok(Response::new(Encoded::new(
            &pb::BatchAnalyzeTextsResponse {
                responses: vec![pb::AnalyzeTextResponse::default(); n],
            },
        )))
    }

    type StreamAnalyzeTextStream = ResponseStream;

    async fn stream_analyze_text(
        &self,
        request: Request<Streaming<pb::StreamAnalyzeTextRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let counters = Arc::clone(&self.counters);
        let mut sequence = 0u64;
        let out = request.into_inner().map(move |item| {
            let item = item?;
            counters.stream_messages.fetch_add(1, Ordering::Relaxed);
            let id = item
                .request
                .and_then(|r| r.document)
                .map(|d| d.id)
                .unwrap_or_default();
            sequence += 1;
            Ok(Encoded::new(&pb::StreamAnalyzeTextResponse {
                id,
                sequence: sequence - 1,
                outcome: None,
            }))
        });
        Ok(Response::new(Box::pin(out)))
    }

    async fn list_lexicons(
        &self,
        _request: Request<pb::ListLexiconsRequest>,
    ) -> Result<Response<pb::ListLexiconsResponse>, Status> {
        Ok(Response::new(pb::ListLexiconsResponse::default()))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Reflection {
    None,
    V1,
    V1Alpha,
}

struct TestServer {
    addr: SocketAddr,
    counters: Arc<Counters>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn start(reflection: Reflection) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let counters = Arc::new(Counters::default());
    let (_reporter, health) = tonic_health::server::health_reporter();
    let builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(textstance_proto::FILE_DESCRIPTOR_SET);
    let (v1, v1alpha) = match reflection {
        Reflection::None => (None, None),
        Reflection::V1 => (Some(builder.build_v1().expect("reflection v1")), None),
        Reflection::V1Alpha => (
            None,
            Some(builder.build_v1alpha().expect("reflection v1alpha")),
        ),
    };
    let router = tonic::transport::Server::builder()
        .add_service(TextServiceServer::new(Fake {
            counters: Arc::clone(&counters),
        }))
        .add_service(health)
        .add_optional_service(v1)
        .add_optional_service(v1alpha);
    let (tx, rx) = oneshot::channel::<()>();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(async move {
        let _ = router
            .serve_with_incoming_shutdown(incoming, async {
                let _ = rx.await;
            })
            .await;
    });
    TestServer {
        addr,
        counters,
        shutdown: Some(tx),
    }
}

fn settings(server: &TestServer, args: &[&str]) -> Settings {
    let addr = server.addr.to_string();
    let mut argv = vec!["textstance-loadgen", "--insecure"];
    argv.extend_from_slice(args);
    argv.push(&addr);
    let flags = Flags::try_parse_from(argv).expect("test flags parse");
    Settings::resolve(&Map::new(), None, &flags)
        .expect("valid test settings")
        .0
}

async fn run(settings: &Settings) -> (Report, Vec<String>) {
    let mut warnings = Vec::new();
    let report = textstance_loadgen::run(settings, &mut |w| warnings.push(w))
        .await
        .expect("run completes");
    (report, warnings)
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const ANALYZE: &str = "textstance.v1.TextService/AnalyzeText";
const DOC: &str =
    r#"{"document":{"text":"Officials said the talks may resume. Prices could fall.","id":"d1"}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_calls_are_counted_and_reach_the_server() {
    let server = start(Reflection::V1).await;
    let s = settings(
        &server,
        &[
            "--call",
            ANALYZE,
            "-d",
            DOC,
            "-n",
            "200",
            "-c",
            "10",
            "--connections",
            "3",
            "-m",
            r#"{"x-run":"loadgen-test"}"#,
        ],
    );
    let (report, warnings) = run(&s).await;
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(report.count, 200);
    assert_eq!(report.status_code_distribution.get("OK"), Some(&200));
    assert!(report.error_distribution.is_empty());
    assert_eq!(server.counters.analyze.load(Ordering::Relaxed), 200);
    assert_eq!(server.counters.metadata_seen.load(Ordering::Relaxed), 200);
    assert!(report.fastest > 0 && report.fastest <= report.average.max(report.fastest));
    assert!(report.slowest >= report.fastest);
    assert!(report.rps > 0.0);
    let lat: Vec<u64> = report
        .latency_distribution
        .iter()
        .map(|l| l.latency)
        .collect();
    assert_eq!(lat.len(), 7);
    assert!(lat.windows(2).all(|w| w[0] <= w[1]), "{lat:?}");
    // Every call carried the same encoded request.
    assert_eq!(report.request_bytes % 200, 0);
    assert!(report.request_bytes > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_templates_number_the_requests() {
    let server = start(Reflection::V1).await;
    let s = settings(
        &server,
        &[
            "--call",
            ANALYZE,
            "-d",
            DOC,
            "-n",
            "50",
            "-c",
            "5",
            "-m",
            r#"{"x-request-id":"ghz-{{.RequestNumber}}","x-run":"loadgen-test"}"#,
        ],
    );
    let (report, warnings) = run(&s).await;
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(report.count, 50);
    assert_eq!(server.counters.metadata_seen.load(Ordering::Relaxed), 50);
    let mut ids = server.counters.request_ids.lock().expect("ids").clone();
    ids.sort_by_key(|id| id.trim_start_matches("ghz-").parse::<u64>().unwrap_or(0));
    let want: Vec<String> = (1..=50).map(|n| format!("ghz-{n}")).collect();
    assert_eq!(ids, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_check_is_the_empty_baseline() {
    let server = start(Reflection::None).await;
    let s = settings(
        &server,
        &[
            "--call",
            "grpc.health.v1.Health/Check",
            "-n",
            "300",
            "-c",
            "20",
            "--connections",
            "4",
        ],
    );
    let (report, warnings) = run(&s).await;
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(report.count, 300);
    assert_eq!(report.status_code_distribution.get("OK"), Some(&300));
    // HealthCheckRequest{} encodes to zero bytes.
    assert_eq!(report.request_bytes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_stream_sends_the_data_array_as_messages() {
    let server = start(Reflection::V1).await;
    let data = json!([
        {"request": {"document": {"text": "One.", "id": "a"}}},
        {"request": {"document": {"text": "Two.", "id": "b"}}},
        {"request": {"document": {"text": "Three.", "id": "c"}}}
    ])
    .to_string();
    let s = settings(
        &server,
        &[
            "--call",
            "textstance.v1.TextService.StreamAnalyzeText",
            "-d",
            &data,
            "-n",
            "10",
            "-c",
            "2",
        ],
    );
    let (report, _) = run(&s).await;
    assert_eq!(report.count, 10);
    assert_eq!(report.status_code_distribution.get("OK"), Some(&10));
    assert_eq!(server.counters.stream_messages.load(Ordering::Relaxed), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_sends_every_document() {
    let server = start(Reflection::V1).await;
    let docs: Vec<Value> = (0..25)
        .map(|i| json!({"document": {"text": format!("Doc {i}."), "id": i.to_string()}}))
        .collect();
    let data = json!({ "requests": docs }).to_string();
    let s = settings(
        &server,
        &[
            "--call",
            "textstance.v1.TextService/BatchAnalyzeTexts",
            "-d",
            &data,
            "-n",
            "8",
            "-c",
            "4",
        ],
    );
    let (report, _) = run(&s).await;
    assert_eq!(report.status_code_distribution.get("OK"), Some(&8));
    assert_eq!(server.counters.batch_docs.load(Ordering::Relaxed), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_fill_the_status_and_error_distributions() {
    let server = start(Reflection::V1).await;
    // Unary calls take the array's elements round-robin: half of them fail.
    let data = json!([
        {"document": {"text": "fine", "id": "ok"}},
        {"document": {"text": "refused", "id": "fail"}}
    ])
    .to_string();
    let s = settings(
        &server,
        &[
            "--call",
            "textstance.v1.TextService/NormalizeText",
            "-d",
            &data,
            "-n",
            "100",
            "-c",
            "5",
        ],
    );
    let (report, _) = run(&s).await;
    assert_eq!(report.count, 100);
    assert_eq!(report.status_code_distribution.get("OK"), Some(&50));
    assert_eq!(
        report.status_code_distribution.get("InvalidArgument"),
        Some(&50)
    );
    assert_eq!(
        report
            .error_distribution
            .get("rpc error: code = InvalidArgument desc = document fail is refused"),
        Some(&50)
    );
    assert_eq!(server.counters.normalize.load(Ordering::Relaxed), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_reported_as_errors() {
    let server = start(Reflection::V1).await;
    let s = settings(
        &server,
        &[
            "--call",
            "textstance.v1.TextService/TagText",
            "-d",
            DOC,
            "-n",
            "4",
            "-c",
            "2",
            "-t",
            "100ms",
        ],
    );
    let (report, _) = run(&s).await;
    assert_eq!(report.count, 4);
    assert_eq!(report.status_code_distribution.get("OK"), None);
    // The client's deadline, or the server honouring grpc-timeout (tonic
    // answers CANCELLED), whichever is first.
    let timed_out = report
        .status_code_distribution
        .get("DeadlineExceeded")
        .copied()
        .unwrap_or(0)
        + report
            .status_code_distribution
            .get("Canceled")
            .copied()
            .unwrap_or(0);
    assert_eq!(timed_out, 4, "{:?}", report.status_code_distribution);
    assert!(
        report.average >= 100_000_000,
        "average {} ns",
        report.average
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proto_file_mode_compiles_the_schema() {
    let server = start(Reflection::None).await;
    let root = repo_root();
    let proto = root.join("proto/textstance/v1/text_service.proto");
    let include = root.join("proto");
    let s = settings(
        &server,
        &[
            "--proto",
            proto.to_str().expect("utf-8 path"),
            "-i",
            include.to_str().expect("utf-8 path"),
            "--call",
            ANALYZE,
            "-d",
            DOC,
            "-n",
            "20",
            "-c",
            "2",
        ],
    );
    let (report, warnings) = run(&s).await;
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(report.status_code_distribution.get("OK"), Some(&20));
    // The health baseline also works with a proto file that lacks it.
    let s = settings(
        &server,
        &[
            "--proto",
            proto.to_str().expect("utf-8 path"),
            "-i",
            include.to_str().expect("utf-8 path"),
            "--call",
            "grpc.health.v1.Health/Check",
            "-n",
            "5",
            "-c",
            "1",
        ],
    );
    assert_eq!(run(&s).await.0.status_code_distribution.get("OK"), Some(&5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_v1_v1alpha_and_fallback() {
    for (mode, expect_warning) in [
        (Reflection::V1, false),
        (Reflection::V1Alpha, false),
        (Reflection::None, true),
    ] {
        let server = start(mode).await;
        let s = settings(
            &server,
            &["--call", ANALYZE, "-d", DOC, "-n", "10", "-c", "2"],
        );
        let (report, warnings) = run(&s).await;
        assert_eq!(report.status_code_distribution.get("OK"), Some(&10));
        assert_eq!(!warnings.is_empty(), expect_warning, "{warnings:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_that_does_not_fit_the_schema_is_refused() {
    let server = start(Reflection::V1).await;
    let s = settings(
        &server,
        &[
            "--call",
            ANALYZE,
            "-d",
            r#"{"documnet":{}}"#,
            "-n",
            "1",
            "-c",
            "1",
        ],
    );
    let err = textstance_loadgen::run(&s, &mut |_| {})
        .await
        .expect_err("bad field");
    assert!(err.to_string().contains("documnet"), "{err}");
    let s = settings(
        &server,
        &[
            "--call",
            "textstance.v1.TextService/Nope",
            "-n",
            "1",
            "-c",
            "1",
        ],
    );
    assert!(textstance_loadgen::run(&s, &mut |_| {}).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rps_limit_paces_a_total() {
    let server = start(Reflection::V1).await;
    // 20 calls at 100 rps: call 19 is due at 190 ms, so the run cannot be faster.
    let s = settings(
        &server,
        &[
            "--call", ANALYZE, "-d", DOC, "-n", "20", "-c", "4", "--rps", "100",
        ],
    );
    let (report, _) = run(&s).await;
    assert_eq!(report.count, 20);
    assert!(report.total >= 190_000_000, "total {} ns", report.total);
    assert!(report.rps <= 106.0, "rps {}", report.rps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rps_limit_bounds_a_duration_run() {
    let server = start(Reflection::V1).await;
    // 300 ms at 50 rps: calls due at 0, 20, …, 280 ms — at most 15 start.
    let s = settings(
        &server,
        &[
            "--call", ANALYZE, "-d", DOC, "-z", "300ms", "-c", "4", "--rps", "50",
        ],
    );
    let (report, _) = run(&s).await;
    assert!((3..=15).contains(&report.count), "count {}", report.count);
    assert_eq!(
        server.counters.analyze.load(Ordering::Relaxed),
        report.count
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_schedule_paces_by_steps() {
    let server = start(Reflection::V1).await;
    // 50 rps for 100 ms (5 calls), 100 rps for 100 ms (10), then 150 rps:
    // call 29 is due at 200 + 14/150 s ≈ 293 ms.
    let s = settings(
        &server,
        &[
            "--call",
            ANALYZE,
            "-d",
            DOC,
            "-n",
            "30",
            "-c",
            "3",
            "--load-schedule",
            "step",
            "--load-start",
            "50",
            "--load-step",
            "50",
            "--load-end",
            "150",
            "--load-step-duration",
            "100ms",
        ],
    );
    let (report, _) = run(&s).await;
    assert_eq!(report.count, 30);
    assert!(report.total >= 290_000_000, "total {} ns", report.total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_duration_cuts_a_total_short() {
    let server = start(Reflection::V1).await;
    let s = settings(
        &server,
        &[
            "--call", ANALYZE, "-d", DOC, "-n", "1000", "-c", "2", "--rps", "20", "-x", "200ms",
        ],
    );
    let (report, _) = run(&s).await;
    assert!(report.count <= 4, "count {}", report.count);
    assert_eq!(
        report.end_reason,
        textstance_loadgen::report::EndReason::Timeout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv4_target_balances_over_every_endpoint() {
    let a = start(Reflection::V1).await;
    let b = start(Reflection::V1).await;
    let target = format!("ipv4:{},{}", a.addr, b.addr);
    let flags = Flags::try_parse_from([
        "textstance-loadgen",
        "--insecure",
        "--call",
        ANALYZE,
        "-d",
        DOC,
        "-n",
        "100",
        "-c",
        "4",
        "--connections",
        "2",
        &target,
    ])
    .expect("flags");
    let s = Settings::resolve(&Map::new(), None, &flags)
        .expect("settings")
        .0;
    let (report, _) = run(&s).await;
    assert_eq!(report.status_code_distribution.get("OK"), Some(&100));
    let (na, nb) = (
        a.counters.analyze.load(Ordering::Relaxed),
        b.counters.analyze.load(Ordering::Relaxed),
    );
    assert_eq!(na + nb, 100);
    // Round-robin per channel: each endpoint gets a real share.
    assert!(na >= 20 && nb >= 20, "{na} + {nb}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_target_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    drop(listener);
    let flags = Flags::try_parse_from([
        "textstance-loadgen",
        "--insecure",
        "--call",
        ANALYZE,
        "-n",
        "1",
        "-c",
        "1",
        "--connect-timeout",
        "2s",
        &addr,
    ])
    .expect("flags");
    let s = Settings::resolve(&Map::new(), None, &flags)
        .expect("settings")
        .0;
    let err = textstance_loadgen::run(&s, &mut |_| {})
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(err, textstance_loadgen::RunError::Connect(_)),
        "{err}"
    );
}

/// The binary: a ghz config file, a flag override, JSON output, warnings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_reads_a_ghz_config_and_writes_ghz_json() {
    let server = start(Reflection::V1).await;
    let dir = std::env::temp_dir().join(format!("loadgen-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("doc.json"), DOC).expect("data file");
    let config = json!({
        "call": ANALYZE,
        "host": server.addr.to_string(),
        "insecure": true,
        "total": 500,
        "concurrency": 5,
        "connections": 2,
        "data-file": "doc.json",
        "skipTLS": false,
        "mystery": 1
    });
    let config_path = dir.join("analyze.json");
    std::fs::write(&config_path, config.to_string()).expect("config file");
    let exe = env!("CARGO_BIN_EXE_textstance-loadgen");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args([
                "--config",
                config_path.to_str().expect("utf-8"),
                "--format",
                "json",
                "-n",
                "60",
            ])
            .current_dir("/")
            .output()
    })
    .await
    .expect("join")
    .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    assert!(stderr.contains("\"mystery\""), "stderr: {stderr}");
    assert!(stderr.contains("\"skipTLS\""), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    // The flag -n 60 overrode "total": 500.
    assert_eq!(report["count"], 60);
    for key in [
        "date",
        "options",
        "total",
        "average",
        "fastest",
        "slowest",
        "rps",
        "histogram",
        "latencyDistribution",
        "statusCodeDistribution",
        "errorDistribution",
    ] {
        assert!(report.get(key).is_some(), "missing {key} in {report}");
    }
    assert_eq!(report["statusCodeDistribution"]["OK"], 60);
    assert_eq!(report["options"]["total"], 60);
    assert_eq!(report["options"]["connections"], 2);
    assert_eq!(report["endReason"], "normal");
    let percentages: Vec<Value> = report["latencyDistribution"]
        .as_array()
        .expect("array")
        .iter()
        .map(|l| l["percentage"].clone())
        .collect();
    assert_eq!(
        percentages,
        vec![
            json!(10),
            json!(25),
            json!(50),
            json!(75),
            json!(90),
            json!(95),
            json!(99)
        ]
    );
    assert!(report["total"].as_u64().expect("ns") >= report["slowest"].as_u64().expect("ns"));
    assert!(report["date"].as_str().expect("date").ends_with('Z'));
    let _ = std::fs::remove_dir_all(&dir);
}
