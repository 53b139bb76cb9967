//! Health, reflection, graceful shutdown and lexicon hot reload.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use textstance_proto::pb;
use textstance_server::Phase;
use textstance_server::lexicons::{ReloadError, ReloadOutcome};
use textstance_tests::{
    TestServer, analyze_request, data_text, open_stream, test_config, text_doc,
};
use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;

fn check(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.to_owned(),
    }
}

#[tokio::test]
async fn health_answers_every_registered_name() {
    let server = TestServer::start_default().await;
    let mut health = server.health().await;
    for name in ["", "textstance.v1.TextService", "liveness", "readiness"] {
        let r = health.check(check(name)).await.expect(name).into_inner();
        assert_eq!(r.status, ServingStatus::Serving as i32, "{name:?}");
    }
    let err = health.check(check("nope")).await.expect_err("unknown");
    assert_eq!(err.code(), Code::NotFound);
    let mut w = health
        .watch(check("nope"))
        .await
        .expect("watch opens")
        .into_inner();
    let first = w.next().await.expect("one item").expect("ok");
    assert_eq!(first.status, ServingStatus::ServiceUnknown as i32);
}

#[tokio::test]
async fn reflection_v1_and_v1alpha_list_services() {
    use tonic_reflection::pb::{v1, v1alpha};
    let server = TestServer::start_default().await;
    let want = [
        "textstance.v1.TextService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ];

    let mut c = v1::server_reflection_client::ServerReflectionClient::new(server.channel().await);
    let req = v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(v1::server_reflection_request::MessageRequest::ListServices(
            String::new(),
        )),
    };
    let mut resp = c
        .server_reflection_info(tokio_stream::iter([req]))
        .await
        .expect("v1 opens")
        .into_inner();
    let msg = resp.next().await.expect("answer").expect("ok");
    let Some(v1::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        msg.message_response
    else {
        panic!("unexpected v1 answer {msg:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for w in want {
        assert!(names.iter().any(|n| n == w), "v1 lacks {w}: {names:?}");
    }

    let mut c =
        v1alpha::server_reflection_client::ServerReflectionClient::new(server.channel().await);
    // v1alpha: list, then fetch the file of the error details so tools can
    // decode google.rpc.BadRequest.
    let reqs = [
        v1alpha::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
            ),
        },
        v1alpha::ServerReflectionRequest {
            host: String::new(),
            message_request: Some(
                v1alpha::server_reflection_request::MessageRequest::FileContainingSymbol(
                    "google.rpc.BadRequest".to_owned(),
                ),
            ),
        },
    ];
    let mut resp = c
        .server_reflection_info(tokio_stream::iter(reqs))
        .await
        .expect("v1alpha opens")
        .into_inner();
    let msg = resp.next().await.expect("answer").expect("ok");
    let Some(v1alpha::server_reflection_response::MessageResponse::ListServicesResponse(list)) =
        msg.message_response
    else {
        panic!("unexpected v1alpha answer {msg:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for w in &want[..2] {
        assert!(names.iter().any(|n| n == w), "v1alpha lacks {w}: {names:?}");
    }
    let msg = resp.next().await.expect("answer").expect("ok");
    assert!(
        matches!(
            msg.message_response,
            Some(v1alpha::server_reflection_response::MessageResponse::FileDescriptorResponse(ref f))
                if !f.file_descriptor_proto.is_empty()
        ),
        "google.rpc.BadRequest not resolvable: {msg:?}"
    );
}

#[tokio::test]
async fn graceful_shutdown_finishes_calls_in_flight() {
    let mut server = TestServer::start(textstance_server::config::Config {
        drain_delay: Duration::ZERO,
        shutdown_grace: Duration::from_secs(30),
        ..test_config()
    })
    .await;
    let mut client = server.client().await;
    let item = |id: &str| pb::StreamAnalyzeTextRequest {
        request: Some(analyze_request(text_doc(
            id,
            "The deal will probably hold.",
        ))),
    };

    // A call in flight: a stream with one answered item, still open.
    let (tx, mut out) = open_stream(&mut client, "one", "The deal will probably hold.").await;

    // A watcher sees SERVING, then NOT_SERVING when the drain starts.
    let mut health = server.health().await;
    let mut watch = health
        .watch(check("readiness"))
        .await
        .expect("watch")
        .into_inner();
    let first = watch.next().await.expect("first status").expect("ok");
    assert_eq!(first.status, ServingStatus::Serving as i32);

    let mut phase = server.handle.phase();
    server.shutdown();
    let next = watch.next().await.expect("a change").expect("ok");
    assert_eq!(next.status, ServingStatus::NotServing as i32);
    phase
        .wait_for(|p| *p >= Phase::Draining)
        .await
        .expect("phase");
    assert_eq!(
        server.handle.health().status("readiness"),
        Some(ServingStatus::NotServing)
    );
    assert_eq!(
        server.handle.health().status("liveness"),
        Some(ServingStatus::Serving),
        "a draining server is alive"
    );

    // New calls are refused.
    let mut late =
        textstance_proto::pb::text_service_client::TextServiceClient::new(server.lazy_channel());
    let status = late
        .analyze_text(analyze_request(text_doc("late", "Too late.")))
        .await
        .expect_err("refused while draining");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");

    // The call in flight goes on and completes normally.
    tx.send(item("two")).await.expect("send");
    assert_eq!(out.next().await.expect("item").expect("ok").id, "two");
    drop(tx);
    assert!(out.next().await.is_none(), "stream ends cleanly");

    server.stop().await.expect("clean stop");
    assert_eq!(*phase.borrow(), Phase::Stopped);
}

#[tokio::test]
async fn shutdown_is_cut_off_after_the_grace_period() {
    let mut server = TestServer::start(textstance_server::config::Config {
        shutdown_grace: Duration::from_millis(200),
        ..test_config()
    })
    .await;
    let mut client = server.client().await;
    // A stream the caller never closes.
    let (tx, _out) = open_stream(&mut client, "a", "Open.").await;
    server.shutdown();
    let phase = server.handle.phase();
    tokio::time::timeout(Duration::from_secs(20), server.stop())
        .await
        .expect("stops within the grace period")
        .expect("clean");
    assert_eq!(*phase.borrow(), Phase::Stopped);
    drop(tx);
}

// ---- lexicon reload ----

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory holding the engine's default lexicons with their
/// `@version` lines set to `version`.
fn lexicon_dir(version: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "textstance-lex-{}-{}",
        std::process::id(),
        DIRS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    write_lexicons(&dir, version);
    dir
}

fn engine_lexicons() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/engine/lexicons")
}

/// Copies the default lexicons flat into `dir` (`en/hedge.lex` becomes
/// `en-hedge.lex`, as in the Kubernetes ConfigMap), with `@version` set.
fn write_lexicons(dir: &Path, version: &str) {
    let mut files = Vec::new();
    for lang in ["en", "ru"] {
        for entry in std::fs::read_dir(engine_lexicons().join(lang)).expect("engine lexicon dir") {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "lex") {
                let file = path
                    .file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned();
                files.push((path, format!("{lang}-{file}")));
            }
        }
    }
    assert!(files.len() >= 2, "default lexicon files found: {files:?}");
    for (path, name) in files {
        let src = std::fs::read_to_string(&path).expect("engine lexicon");
        let text: String = src
            .lines()
            .map(|l| {
                if l.starts_with("@version") {
                    format!("@version {version}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        assert!(
            text.contains(&format!("@version {version}")),
            "{name} has @version"
        );
        // Write then rename, as editors and ConfigMap updates do.
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).expect("write lexicon");
        std::fs::rename(&tmp, dir.join(name)).expect("rename lexicon");
    }
}

async fn listed_version(server: &TestServer) -> String {
    let mut c = server.client().await;
    c.list_lexicons(pb::ListLexiconsRequest {})
        .await
        .expect("ok")
        .into_inner()
        .lexicon_version
        .expect("version")
        .version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_under_load_loses_no_request_and_broken_files_keep_the_old_set() {
    let dir = lexicon_dir("7.0.0-a");
    let server = TestServer::start(textstance_server::config::Config {
        lexicon_dir: Some(dir.clone()),
        lexicon_poll_interval: Duration::from_secs(3600),
        ..test_config()
    })
    .await;
    assert_eq!(listed_version(&server).await, "7.0.0-a");

    let story = data_text("en_story.txt");
    let (started_tx, mut started_rx) = tokio::sync::mpsc::channel::<()>(64);
    let mut workers = Vec::new();
    for w in 0..8 {
        let mut client = server.client().await;
        let story = story.clone();
        let started = started_tx.clone();
        workers.push(tokio::spawn(async move {
            let mut versions = Vec::new();
            for i in 0..40 {
                let r = client
                    .analyze_text(analyze_request(text_doc(&format!("{w}-{i}"), &story)))
                    .await
                    .unwrap_or_else(|s| panic!("call {w}-{i} failed during reload: {s}"))
                    .into_inner()
                    .result
                    .expect("result");
                assert!(!r.cues.is_empty());
                versions.push(r.lexicon_version.expect("version").version);
                if i == 2 {
                    let _ = started.send(()).await;
                }
            }
            versions
        }));
    }
    drop(started_tx);
    // Reload once every worker is mid-run.
    for _ in 0..8 {
        started_rx.recv().await.expect("worker started");
    }
    write_lexicons(&dir, "7.0.0-b");
    let outcome = server.handle.reload().await.expect("reload");
    assert!(
        matches!(outcome, ReloadOutcome::Swapped { ref version, .. } if version == "7.0.0-b"),
        "{outcome:?}"
    );
    let mut calls = 0;
    for w in workers {
        let versions = w.await.expect("worker");
        calls += versions.len();
        assert!(versions.iter().all(|v| v == "7.0.0-a" || v == "7.0.0-b"));
        // Versions only move forward within one worker.
        let first_b = versions.iter().position(|v| v == "7.0.0-b");
        if let Some(p) = first_b {
            assert!(versions[p..].iter().all(|v| v == "7.0.0-b"));
        }
    }
    assert_eq!(calls, 8 * 40);
    assert_eq!(listed_version(&server).await, "7.0.0-b");
    // Same files again: nothing to do.
    assert_eq!(
        server.handle.reload().await.expect("reload"),
        ReloadOutcome::Unchanged
    );

    // A broken file is refused with file:line, and the old set stays.
    let en = dir.join("en-hedge.lex");
    let mut text = std::fs::read_to_string(&en).expect("read");
    let broken_line = text.lines().count() + 1;
    text.push_str("this line is not a lexicon entry\n");
    std::fs::write(&en, text).expect("write");
    let err = server.handle.reload().await.expect_err("broken file");
    assert!(matches!(err, ReloadError::Compile(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("en-hedge.lex:{broken_line}:")),
        "message names file and line: {msg}"
    );
    assert_eq!(listed_version(&server).await, "7.0.0-b");
    let mut c = server.client().await;
    c.analyze_text(analyze_request(text_doc("after", &story)))
        .await
        .expect("still serving");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn changed_files_are_picked_up_by_the_poller() {
    let dir = lexicon_dir("8.0.0-a");
    let server = TestServer::start(textstance_server::config::Config {
        lexicon_dir: Some(dir.clone()),
        lexicon_poll_interval: Duration::from_millis(20),
        ..test_config()
    })
    .await;
    let mut updates = server.handle.lexicons().subscribe();
    assert_eq!(updates.borrow_and_update().version, "8.0.0-a");
    write_lexicons(&dir, "8.0.0-b");
    tokio::time::timeout(
        Duration::from_secs(30),
        updates.wait_for(|v| v.version == "8.0.0-b"),
    )
    .await
    .expect("poller notices the change")
    .expect("store alive");
    assert_eq!(listed_version(&server).await, "8.0.0-b");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn metrics_are_served_when_configured() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start(textstance_server::config::Config {
        metrics_listen: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        ..test_config()
    })
    .await;
    let mut client = server.client().await;
    client
        .analyze_text(analyze_request(text_doc("m", "It will probably rain.")))
        .await
        .expect("ok");
    // The address is published once the server has bound it.
    let mut phase = server.handle.phase();
    let addr = loop {
        if let Some(a) = server.handle.metrics_addr() {
            break a;
        }
        phase.changed().await.expect("server alive");
    };
    let mut sock = tokio::net::TcpStream::connect(addr).await.expect("connect");
    sock.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut body = String::new();
    sock.read_to_string(&mut body).await.expect("read");
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("grpc_server_handled_total"), "{body}");
}

#[tokio::test]
async fn calls_are_served_during_the_drain_delay() {
    let mut server = TestServer::start(textstance_server::config::Config {
        drain_delay: Duration::from_secs(2),
        shutdown_grace: Duration::from_secs(30),
        ..test_config()
    })
    .await;
    let mut client = server.client().await;
    let mut health = server.health().await;
    let mut phase = server.handle.phase();
    server.shutdown();
    phase
        .wait_for(|p| *p == Phase::NotServing)
        .await
        .expect("phase");
    // Load balancers see NOT_SERVING ...
    for name in ["", "textstance.v1.TextService", "readiness"] {
        let r = health.check(check(name)).await.expect(name).into_inner();
        assert_eq!(r.status, ServingStatus::NotServing as i32, "{name:?}");
    }
    let r = health.check(check("liveness")).await.expect("liveness");
    assert_eq!(r.into_inner().status, ServingStatus::Serving as i32);
    // ... while calls that still arrive are served.
    client
        .analyze_text(analyze_request(text_doc("d", "It will probably hold.")))
        .await
        .expect("served during the drain delay");
    phase
        .wait_for(|p| *p >= Phase::Draining)
        .await
        .expect("phase");
    server.stop().await.expect("clean stop");
}
