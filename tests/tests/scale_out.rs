//! Scale-out across server processes: three real `textstance-replica`
//! processes (the server binary, see `src/bin/textstance-replica.rs`) on
//! 127.0.0.1, 127.0.0.2 and 127.0.0.3, one port, driven through the
//! balancing client (`ipv4:` target). In the middle of the run the second
//! replica gets SIGTERM, drains, exits and is started again on the same
//! address and port while the calls go on.
//!
//! Passes when no call fails at the client, every replica served at least
//! 20% of the calls (counted from its Prometheus metrics, the first life of
//! the restarted replica included), the server-side OK counts add up to the
//! client's successes (no call answered twice), and the drained replica
//! finished what it had in flight: a stream held open across the drain still
//! gets its answer, every AnalyzeText call it started ended OK or was refused
//! with UNAVAILABLE, it exits 0 and logs no warning.
//!
//! Waiting is on observable state (health `readiness`, a refused listener,
//! the `textstance_calls_in_flight` gauge, process exit), polled in bounded
//! loops with short pauses: the replicas are external processes, so there is
//! nothing to await directly. Children are killed on every exit path,
//! panics included (`Replicas` kills them on drop).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use textstance_client::{ClientBuilder, pb};
use textstance_proto::pb::text_service_client::TextServiceClient;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{Notify, mpsc};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// The server binary, built by this package.
const REPLICA_BIN: &str = env!("CARGO_BIN_EXE_textstance-replica");
/// The replicas' addresses; all listen on one port.
const HOSTS: [Ipv4Addr; 3] = [
    Ipv4Addr::new(127, 0, 0, 1),
    Ipv4Addr::new(127, 0, 0, 2),
    Ipv4Addr::new(127, 0, 0, 3),
];
/// Which replica is drained and restarted.
const DRAINED: usize = 1;
/// Concurrent callers.
const WORKERS: usize = 8;
/// Calls answered before the SIGTERM.
const BEFORE: u64 = 1_500;
/// Calls issued after the restarted replica is ready again.
const AFTER: u64 = 3_000;
/// The smallest share of all calls each replica must serve.
const MIN_SHARE: f64 = 0.20;
/// Bound of every wait on a replica (start, drain, exit).
const WAIT: Duration = Duration::from_secs(20);
/// Pause between two polls of an external process's state.
const POLL: Duration = Duration::from_millis(10);

/// A port that can be bound on every one of [`HOSTS`] right now (bound and
/// released; the replicas bind it a moment later).
fn port_free_on_all_hosts() -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind((HOSTS[0], 0)).expect("bind 127.0.0.1:0");
        let port = first.local_addr().expect("local addr").port();
        let rest: Result<Vec<TcpListener>, _> = HOSTS[1..]
            .iter()
            .map(|h| TcpListener::bind((*h, port)))
            .collect();
        if rest.is_ok() {
            return port;
        }
    }
    panic!("no port free on all of {HOSTS:?} after 50 tries");
}

/// One replica: its addresses, the running process and the logs of each life.
struct Replica {
    host: Ipv4Addr,
    port: u16,
    metrics_port: u16,
    child: Option<Child>,
    logs: Vec<PathBuf>,
}

impl Replica {
    fn grpc_addr(&self) -> SocketAddr {
        SocketAddr::from((self.host, self.port))
    }

    fn metrics_addr(&self) -> SocketAddr {
        SocketAddr::from((self.host, self.metrics_port))
    }

    /// Starts a new life of the process; stderr (JSON logs) goes to a file.
    fn spawn(&mut self, dir: &std::path::Path) {
        assert!(self.child.is_none(), "{} is already running", self.host);
        let log = dir.join(format!(
            "replica-{}-life-{}.log",
            self.host,
            self.logs.len() + 1
        ));
        let stderr = std::fs::File::create(&log).expect("create log file");
        let mut cmd = Command::new(REPLICA_BIN);
        // Settings come from flags only: no TEXTSTANCE_* of the caller's shell.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("TEXTSTANCE_") {
                cmd.env_remove(k);
            }
        }
        cmd.arg("--listen")
            .arg(self.grpc_addr().to_string())
            .arg("--metrics-listen")
            .arg(self.metrics_addr().to_string())
            .args(["--drain-delay", "300ms", "--shutdown-grace", "10s"])
            .args(["--log-format", "json"])
            // Lifecycle lines, not one line per call.
            .args(["--log-level", "info,textstance_server::telemetry=warn"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        self.child = Some(cmd.spawn().expect("spawn textstance-replica"));
        self.logs.push(log);
    }

    /// The log of the current (or last) life.
    fn log(&self) -> String {
        self.logs
            .last()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Panics with the log if the process has exited.
    fn assert_running(&mut self) {
        let child = self.child.as_mut().expect("replica started");
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "replica {} exited early ({status}); log:\n{}",
                self.host,
                self.log()
            );
        }
    }

    /// Waits until grpc.health.v1 says `readiness` is SERVING.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + WAIT;
        let endpoint = Endpoint::from_shared(format!("http://{}", self.grpc_addr()))
            .expect("valid url")
            .connect_timeout(Duration::from_millis(250))
            .timeout(Duration::from_millis(500));
        let mut last = String::from("no attempt");
        while Instant::now() < deadline {
            self.assert_running();
            match endpoint.connect().await {
                Ok(channel) => {
                    let req = HealthCheckRequest {
                        service: "readiness".into(),
                    };
                    match HealthClient::new(channel).check(req).await {
                        Ok(r) if r.get_ref().status == ServingStatus::Serving as i32 => return,
                        Ok(r) => last = format!("status {}", r.get_ref().status),
                        Err(s) => last = s.to_string(),
                    }
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(POLL).await;
        }
        panic!(
            "replica {} not ready within {WAIT:?}: {last}; log:\n{}",
            self.host,
            self.log()
        );
    }

    /// Sends SIGTERM through kill(1), or the shell's `kill` builtin where
    /// no kill binary is installed (slim images without procps).
    fn sigterm(&self) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = match Command::new("kill").args(["-TERM", &pid]).status() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Command::new("sh")
                .args(["-c", r#"kill -TERM "$1""#, "sh", &pid])
                .status(),
            other => other,
        }
        .expect("run kill");
        assert!(status.success(), "kill -TERM {pid}: {status}");
    }

    /// Waits for the process to exit and reaps it.
    async fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        let child = self.child.as_mut().expect("running");
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "replica {} still running {WAIT:?} after SIGTERM",
                self.host
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// True once a new TCP connection to the gRPC port is refused.
    async fn listener_closed(&self) -> bool {
        match tokio::net::TcpStream::connect(self.grpc_addr()).await {
            Ok(_) => false,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionRefused,
        }
    }
}

/// The replicas; kills every running one when dropped (panics included).
struct Replicas(Vec<Replica>);

impl Drop for Replicas {
    fn drop(&mut self) {
        for r in &mut self.0 {
            if let Some(mut child) = r.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// What one scrape of a replica's metrics says about AnalyzeText.
#[derive(Debug, Clone, Default)]
struct Scrape {
    /// `grpc_server_started_total{grpc_method="AnalyzeText"}`.
    started: u64,
    /// `grpc_server_handled_total{grpc_method="AnalyzeText"}` by `grpc_code`.
    handled: BTreeMap<String, u64>,
    /// `textstance_calls_in_flight` (every TextService call, streams included).
    in_flight: i64,
}

impl Scrape {
    fn ok(&self) -> u64 {
        self.handled.get("OK").copied().unwrap_or(0)
    }

    fn handled_total(&self) -> u64 {
        self.handled.values().sum()
    }

    fn parse(text: &str) -> Scrape {
        let mut s = Scrape::default();
        let mut seen = (false, false);
        for line in text.lines() {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let value = value.trim();
            if series == "textstance_calls_in_flight" {
                s.in_flight = value.parse().expect("in-flight gauge is an integer");
                seen.1 = true;
                continue;
            }
            if !series.contains(r#"grpc_method="AnalyzeText""#) {
                continue;
            }
            if series.starts_with("grpc_server_started_total{") {
                s.started = value.parse().expect("counter is an integer");
                seen.0 = true;
            } else if series.starts_with("grpc_server_handled_total{") {
                let code = label(series, "grpc_code").expect("handled has grpc_code");
                s.handled.insert(
                    code.to_owned(),
                    value.parse().expect("counter is an integer"),
                );
            }
        }
        assert!(
            seen.0 && seen.1 && s.handled.contains_key("OK"),
            "scrape lacks the AnalyzeText or in-flight series:\n{text}"
        );
        s
    }
}

/// The value of label `name` in a series like `m{a="x",b="y"}`.
fn label<'a>(series: &'a str, name: &str) -> Option<&'a str> {
    let start = series.find(&format!("{name}=\""))? + name.len() + 2;
    let len = series[start..].find('"')?;
    Some(&series[start..start + len])
}

/// GETs `/metrics` over HTTP/1.1; `None` when the endpoint is not there.
async fn scrape(addr: SocketAddr) -> Option<Scrape> {
    let fetch = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: replica\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.ok()?;
        let text = String::from_utf8(buf).expect("metrics are UTF-8");
        let (head, body) = text.split_once("\r\n\r\n")?;
        assert!(head.starts_with("HTTP/1.1 200"), "metrics answered {head}");
        Some(Scrape::parse(body))
    };
    tokio::time::timeout(Duration::from_secs(5), fetch)
        .await
        .ok()
        .flatten()
}

async fn scrape_now(r: &Replica) -> Scrape {
    scrape(r.metrics_addr())
        .await
        .unwrap_or_else(|| panic!("scrape {} failed; log:\n{}", r.metrics_addr(), r.log()))
}

/// A small AnalyzeText request; `n` varies the text a little.
fn request(n: u64) -> pb::AnalyzeTextRequest {
    pb::AnalyzeTextRequest {
        document: Some(pb::Document {
            content: Some(pb::document::Content::Text(format!(
                "Call {n}: the talks will probably resume. There is little reason for optimism."
            ))),
            id: format!("c{n}"),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The next item of the held stream, within [`WAIT`].
async fn next_held(
    held: &mut tonic::Streaming<pb::StreamAnalyzeTextResponse>,
) -> Option<Result<pb::StreamAnalyzeTextResponse, tonic::Status>> {
    tokio::time::timeout(WAIT, held.next())
        .await
        .expect("the held stream answers within the wait bound")
}

/// Counters shared by the callers.
#[derive(Default)]
struct Run {
    /// Tickets taken (calls started).
    issued: AtomicU64,
    /// Calls answered OK.
    ok: AtomicU64,
    /// Calls that failed, with the first few errors.
    failed: AtomicU64,
    errors: Mutex<Vec<String>>,
    /// Calls are issued while `issued < limit`.
    limit: AtomicU64,
    /// Signalled when `ok` reaches [`BEFORE`].
    before_done: Notify,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_share_the_load_and_one_drains_and_restarts_without_failures() {
    let started = Instant::now();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "scale-out-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    ));
    std::fs::create_dir_all(&dir).expect("create log dir");
    // Shown only when the test fails; the directory is removed on success.
    println!("replica logs in {}", dir.display());

    let port = port_free_on_all_hosts();
    let metrics_port = loop {
        let p = port_free_on_all_hosts();
        if p != port {
            break p;
        }
    };
    let mut replicas = Replicas(
        HOSTS
            .iter()
            .map(|&host| Replica {
                host,
                port,
                metrics_port,
                child: None,
                logs: Vec::new(),
            })
            .collect(),
    );
    for r in &mut replicas.0 {
        r.spawn(&dir);
    }
    for r in &mut replicas.0 {
        r.wait_ready().await;
    }
    let ready_after = started.elapsed();

    // A stream held open on the replica that will be drained: a call in
    // flight for the whole drain.
    let drained_url = format!("http://{}", replicas.0[DRAINED].grpc_addr());
    let channel: Channel = Endpoint::from_shared(drained_url)
        .expect("valid url")
        .connect()
        .await
        .expect("connect to the replica to drain");
    let (held_tx, held_rx) = mpsc::channel::<pb::StreamAnalyzeTextRequest>(4);
    let mut held = TextServiceClient::new(channel)
        .stream_analyze_text(ReceiverStream::new(held_rx))
        .await
        .expect("stream opens")
        .into_inner();
    let held_item = |n: u64| pb::StreamAnalyzeTextRequest {
        request: Some(request(n)),
    };
    held_tx.send(held_item(1_000_001)).await.expect("send");
    let first = next_held(&mut held)
        .await
        .expect("a response")
        .expect("ok item");
    assert_eq!((first.sequence, first.id.as_str()), (0, "c1000001"));

    let target = format!(
        "ipv4:{}",
        HOSTS
            .iter()
            .map(|h| format!("{h}:{port}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let client = ClientBuilder::new(target)
        .request_timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect the balancing client");

    let run = Arc::new(Run {
        limit: AtomicU64::new(u64::MAX),
        ..Run::default()
    });
    let run_started = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (client, run) = (client.clone(), run.clone());
            tokio::spawn(async move {
                loop {
                    let n = run.issued.fetch_add(1, Ordering::SeqCst);
                    if n >= run.limit.load(Ordering::SeqCst) {
                        break;
                    }
                    match client.analyze_text(request(n)).await {
                        Ok(r) => {
                            let id = r.result.map(|r| r.id).unwrap_or_default();
                            if id != format!("c{n}") {
                                run.failed.fetch_add(1, Ordering::SeqCst);
                                let mut errors = run.errors.lock().expect("errors lock");
                                if errors.len() < 10 {
                                    errors.push(format!("call {n} answered for {id:?}"));
                                }
                            } else if run.ok.fetch_add(1, Ordering::SeqCst) + 1 == BEFORE {
                                run.before_done.notify_one();
                            }
                        }
                        Err(e) => {
                            run.failed.fetch_add(1, Ordering::SeqCst);
                            let mut errors = run.errors.lock().expect("errors lock");
                            if errors.len() < 10 {
                                errors.push(format!("call {n}: {e}"));
                            }
                        }
                    }
                }
            })
        })
        .collect();

    // Phase 1: all three serve.
    tokio::time::timeout(Duration::from_secs(60), run.before_done.notified())
        .await
        .expect("the first calls are answered");
    let drained = &mut replicas.0[DRAINED];
    let before_term = scrape_now(drained).await;
    assert!(before_term.ok() > 0, "the replica to drain served nothing");

    // Phase 2: drain. Scrape while it is still serving (the drain delay),
    // then once new connections are refused (new calls get UNAVAILABLE from
    // then on), until only the held stream is in flight.
    let term_at = Instant::now();
    drained.sigterm();
    let deadline = Instant::now() + WAIT;
    let mut during_delay = Vec::new();
    while !drained.listener_closed().await {
        assert!(
            Instant::now() < deadline,
            "listener still open after {WAIT:?}"
        );
        if let Some(s) = scrape(drained.metrics_addr()).await {
            during_delay.push(s);
        }
        tokio::time::sleep(POLL).await;
    }
    let listener_closed_after = term_at.elapsed();
    let first_life = loop {
        let s = scrape_now(drained).await;
        if s.in_flight == 1 {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "calls still in flight after {WAIT:?}: {s:?}"
        );
        tokio::time::sleep(POLL).await;
    };
    assert!(
        !during_delay.is_empty() && during_delay.iter().all(|s| s.ok() >= before_term.ok()),
        "no scrape during the drain delay, or counts went back: {during_delay:?}"
    );
    // Every AnalyzeText call this life started has finished, either OK or
    // refused because the replica was draining (the client retried those).
    assert_eq!(
        first_life.started,
        first_life.handled_total(),
        "started vs handled on the drained replica: {first_life:?}"
    );
    for (code, n) in &first_life.handled {
        assert!(
            *n == 0 || code == "OK" || code == "Unavailable",
            "drained replica ended {n} AnalyzeText calls with {code}: {first_life:?}"
        );
    }
    // The held stream still works through the drain, then ends cleanly.
    held_tx.send(held_item(1_000_002)).await.expect("send");
    let second = next_held(&mut held)
        .await
        .expect("a response")
        .expect("ok item");
    assert_eq!((second.sequence, second.id.as_str()), (1, "c1000002"));
    assert!(
        matches!(
            second.outcome,
            Some(pb::stream_analyze_text_response::Outcome::Result(_))
        ),
        "held stream item: {second:?}"
    );
    drop(held_tx);
    assert!(
        next_held(&mut held).await.is_none(),
        "the held stream ends with OK"
    );
    let status = drained.wait_exit().await;
    let exited_after = term_at.elapsed();
    let log = drained.log();
    assert_eq!(status.code(), Some(0), "exit status {status}; log:\n{log}");
    for line in log.lines() {
        assert!(
            line.starts_with('{') && line.ends_with('}'),
            "not a JSON log line: {line}"
        );
        assert!(
            !line.contains(r#""level":"WARN""#) && !line.contains(r#""level":"ERROR""#),
            "drained replica logged a warning: {line}"
        );
    }
    for message in [
        "SIGTERM received",
        "shutdown: refusing new calls, draining",
        "stopped",
    ] {
        assert!(
            log.contains(&format!(r#""message":"{message}""#)),
            "no {message:?} in the log:\n{log}"
        );
    }

    // Phase 3: the same address and port again, then enough calls for it
    // to earn its share back.
    drained.spawn(&dir);
    drained.wait_ready().await;
    let restarted_after = term_at.elapsed();
    let issued_at_restart = run.issued.load(Ordering::SeqCst);
    run.limit.store(issued_at_restart + AFTER, Ordering::SeqCst);
    for w in workers {
        w.await.expect("worker does not panic");
    }
    let run_took = run_started.elapsed();

    let ok = run.ok.load(Ordering::SeqCst);
    let failed = run.failed.load(Ordering::SeqCst);
    let errors = run.errors.lock().expect("errors lock").clone();
    assert_eq!(failed, 0, "calls failed at the client: {errors:#?}");

    let mut served = Vec::new();
    for (i, r) in replicas.0.iter_mut().enumerate() {
        r.assert_running();
        let now = scrape_now(r).await;
        assert_eq!(now.in_flight, 0, "{}: {now:?}", r.host);
        let count = if i == DRAINED {
            first_life.ok() + now.ok()
        } else {
            now.ok()
        };
        served.push((r.host, count, now));
    }
    let total: u64 = served.iter().map(|s| s.1).sum();
    let mut report = format!(
        "scale-out: {ok} calls in {:.2} s ({:.0}/s) with {WORKERS} workers; ready after {:.2} s; \
         SIGTERM → listener closed {:.2} s, exit {:.2} s, ready again {:.2} s; \
         {} calls issued before the restart was ready\n",
        run_took.as_secs_f64(),
        ok as f64 / run_took.as_secs_f64(),
        ready_after.as_secs_f64(),
        listener_closed_after.as_secs_f64(),
        exited_after.as_secs_f64(),
        restarted_after.as_secs_f64(),
        issued_at_restart,
    );
    for (host, count, now) in &served {
        let _ = writeln!(
            report,
            "  {host}: {count:>6} calls ({:>5.1}%), last life's AnalyzeText codes {:?}",
            100.0 * *count as f64 / total.max(1) as f64,
            now.handled
                .iter()
                .filter(|(_, n)| **n > 0)
                .collect::<BTreeMap<_, _>>()
        );
    }
    let _ = writeln!(
        report,
        "  {} first life: {} OK, {} refused while draining",
        HOSTS[DRAINED],
        first_life.ok(),
        first_life.handled.get("Unavailable").copied().unwrap_or(0)
    );
    println!("{report}");
    // Each OK answer the client got was counted once, by one replica.
    assert_eq!(
        total, ok,
        "server-side OK counts vs client successes\n{report}"
    );
    for (host, count, _) in &served {
        assert!(
            *count as f64 >= MIN_SHARE * total as f64,
            "{host} served less than {:.0}%\n{report}",
            MIN_SHARE * 100.0
        );
    }
    drop(replicas);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "scale-out test took {:.2} s",
        started.elapsed().as_secs_f64()
    );
}
