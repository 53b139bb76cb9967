//! The bad-input matrix: every case with its exact code, reason and field
//! violation, over real gRPC. Also deadlines, load shedding and a stream
//! with a bad item in the middle.

use std::time::Duration;

use textstance_proto::pb;
use textstance_proto::pb::text_service_client::TextServiceClient;
use textstance_tests::{
    TestServer, analyze_request, data_text, details, open_stream, raw_doc, test_config, text_doc,
};
use tokio_stream::StreamExt;
use tonic::Code;

struct Case {
    name: &'static str,
    request: pb::AnalyzeTextRequest,
    code: Code,
    reason: &'static str,
    field: &'static str,
}

fn strict(mut r: pb::AnalyzeTextRequest) -> pb::AnalyzeTextRequest {
    r.normalize_options = Some(pb::NormalizeOptions {
        strict_decoding: true,
        ..Default::default()
    });
    r
}

fn cases(max_doc: usize) -> Vec<Case> {
    vec![
        Case {
            name: "unknown charset label",
            request: analyze_request(raw_doc("a", b"hello", "klingon-8")),
            code: Code::InvalidArgument,
            reason: "UNKNOWN_CHARSET",
            field: "document.charset_label",
        },
        Case {
            name: "empty text",
            request: analyze_request(text_doc("a", "")),
            code: Code::InvalidArgument,
            reason: "EMPTY_DOCUMENT",
            field: "document.content",
        },
        Case {
            name: "empty raw content",
            request: analyze_request(raw_doc("a", b"", "")),
            code: Code::InvalidArgument,
            reason: "EMPTY_DOCUMENT",
            field: "document.content",
        },
        Case {
            name: "document without content",
            request: analyze_request(pb::Document::default()),
            code: Code::InvalidArgument,
            reason: "EMPTY_DOCUMENT",
            field: "document.content",
        },
        Case {
            name: "missing document",
            request: pb::AnalyzeTextRequest::default(),
            code: Code::InvalidArgument,
            reason: "EMPTY_DOCUMENT",
            field: "document",
        },
        Case {
            name: "text over the document limit",
            request: analyze_request(text_doc("a", &"x".repeat(max_doc + 1))),
            code: Code::InvalidArgument,
            reason: "DOCUMENT_TOO_LARGE",
            field: "document.text",
        },
        Case {
            name: "raw content over the document limit",
            request: analyze_request(raw_doc("a", &vec![b'x'; max_doc + 1], "")),
            code: Code::InvalidArgument,
            reason: "DOCUMENT_TOO_LARGE",
            field: "document.raw_content",
        },
        Case {
            name: "strict decoding of invalid UTF-8 declared as UTF-8",
            request: strict(analyze_request(raw_doc("a", b"ok \xC3\x28 bad", "utf-8"))),
            code: Code::InvalidArgument,
            reason: "INVALID_BYTES",
            field: "document.raw_content",
        },
        Case {
            name: "unknown offset unit",
            request: pb::AnalyzeTextRequest {
                offset_unit: 42,
                ..analyze_request(text_doc("a", "Fine."))
            },
            code: Code::InvalidArgument,
            reason: "UNKNOWN_ENUM_VALUE",
            field: "offset_unit",
        },
        Case {
            name: "unknown profile",
            request: pb::AnalyzeTextRequest {
                normalize_options: Some(pb::NormalizeOptions {
                    profile: 9,
                    ..Default::default()
                }),
                ..analyze_request(text_doc("a", "Fine."))
            },
            code: Code::InvalidArgument,
            reason: "UNKNOWN_ENUM_VALUE",
            field: "normalize_options.profile",
        },
    ]
}

const MAX_DOC: usize = 1000;

fn small_limits() -> textstance_server::config::Config {
    textstance_server::config::Config {
        max_document_bytes: MAX_DOC,
        max_batch_size: 4,
        ..test_config()
    }
}

#[tokio::test]
async fn bad_input_matrix_unary() {
    let server = TestServer::start(small_limits()).await;
    let mut client = server.client().await;
    for case in cases(MAX_DOC) {
        let status = client
            .analyze_text(case.request)
            .await
            .expect_err(case.name);
        let (reason, fields) = details(&status);
        assert_eq!(status.code(), case.code, "{}: {status:?}", case.name);
        assert_eq!(reason, case.reason, "{}", case.name);
        assert_eq!(fields, vec![case.field.to_owned()], "{}", case.name);
        assert!(!status.message().is_empty(), "{}", case.name);
    }
    // The same mapping through the other unary RPCs.
    let status = client
        .normalize_text(pb::NormalizeTextRequest {
            document: Some(raw_doc("n", b"x", "no-such-charset")),
            ..Default::default()
        })
        .await
        .expect_err("unknown charset");
    assert_eq!(
        (status.code(), details(&status)),
        (
            Code::InvalidArgument,
            (
                "UNKNOWN_CHARSET".to_owned(),
                vec!["document.charset_label".to_owned()]
            )
        )
    );
    let status = client
        .segment_text(pb::SegmentTextRequest::default())
        .await
        .expect_err("missing document");
    assert_eq!(details(&status).1, vec!["document".to_owned()]);
    let status = client
        .tag_text(pb::TagTextRequest {
            document: Some(text_doc("t", &"y".repeat(MAX_DOC + 1))),
            ..Default::default()
        })
        .await
        .expect_err("too large");
    assert_eq!(details(&status).0, "DOCUMENT_TOO_LARGE");
}

#[tokio::test]
async fn batch_validates_atomically() {
    let server = TestServer::start(small_limits()).await;
    let mut client = server.client().await;
    let good = || analyze_request(text_doc("g", "The talks will probably resume."));

    // Over the batch limit.
    let status = client
        .batch_analyze_texts(pb::BatchAnalyzeTextsRequest {
            requests: (0..5).map(|_| good()).collect(),
        })
        .await
        .expect_err("5 > 4");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        details(&status),
        ("BATCH_TOO_LARGE".to_owned(), vec!["requests".to_owned()])
    );

    // One bad item among good ones fails the whole batch, naming the item.
    for case in cases(MAX_DOC) {
        let status = client
            .batch_analyze_texts(pb::BatchAnalyzeTextsRequest {
                requests: vec![good(), good(), good(), case.request],
            })
            .await
            .expect_err(case.name);
        assert_eq!(status.code(), case.code, "{}", case.name);
        assert_eq!(
            details(&status),
            (
                case.reason.to_owned(),
                vec![format!("requests[3].{}", case.field)]
            ),
            "{}",
            case.name
        );
    }
}

#[tokio::test]
async fn stream_item_errors_do_not_end_the_stream() {
    let server = TestServer::start(small_limits()).await;
    let mut client = server.client().await;
    let good = |id: &str| pb::StreamAnalyzeTextRequest {
        request: Some(analyze_request(text_doc(id, "A deal is probably near."))),
    };
    let mut items = vec![good("first"), good("second")];
    let bad: Vec<(String, Case)> = cases(MAX_DOC)
        .into_iter()
        .enumerate()
        .map(|(i, c)| (format!("bad{i}"), c))
        .collect();
    for (id, case) in &bad {
        let mut r = case.request.clone();
        if let Some(d) = r.document.as_mut() {
            d.id = id.clone();
        }
        items.push(pb::StreamAnalyzeTextRequest { request: Some(r) });
    }
    items.push(good("last"));
    items.push(pb::StreamAnalyzeTextRequest { request: None });
    let total = items.len();

    let mut out = client
        .stream_analyze_text(tokio_stream::iter(items))
        .await
        .expect("stream opens")
        .into_inner();
    let mut seen = Vec::new();
    while let Some(item) = out.next().await {
        seen.push(item.expect("the stream itself stays OK"));
    }
    assert_eq!(seen.len(), total);
    for (i, item) in seen.iter().enumerate() {
        assert_eq!(item.sequence, i as u64);
    }
    let ok = |i: usize| {
        matches!(
            seen[i].outcome,
            Some(pb::stream_analyze_text_response::Outcome::Result(_))
        )
    };
    assert!(ok(0) && ok(1) && ok(total - 2));
    assert_eq!(seen[total - 2].id, "last");
    for (k, (id, case)) in bad.iter().enumerate() {
        let item = &seen[2 + k];
        let Some(pb::stream_analyze_text_response::Outcome::Error(e)) = &item.outcome else {
            panic!("{}: expected an item error, got {item:?}", case.name);
        };
        assert_eq!(e.code, case.code as i32, "{}", case.name);
        assert_eq!(e.reason, case.reason, "{}", case.name);
        let fields: Vec<&str> = e
            .field_violations
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert_eq!(
            fields,
            vec![format!("request.{}", case.field)],
            "{}",
            case.name
        );
        if case.field != "document" {
            assert_eq!(&item.id, id, "{}", case.name);
        }
    }
    let Some(pb::stream_analyze_text_response::Outcome::Error(e)) = &seen[total - 1].outcome else {
        panic!("an item without a request is an error");
    };
    assert_eq!(e.field_violations[0].field, "request");
}

/// A document that takes the engine far longer than a millisecond.
fn slow_document() -> pb::Document {
    let story = data_text("en_story.txt");
    let mut text = String::new();
    while text.len() + story.len() < 3 << 20 {
        text.push_str(&story);
    }
    text_doc("slow", &text)
}

#[tokio::test]
async fn time_budget_gives_deadline_exceeded() {
    let server = TestServer::start(textstance_server::config::Config {
        request_timeout: Duration::from_millis(1),
        ..test_config()
    })
    .await;
    let mut client = server.client().await;
    let status = client
        .analyze_text(analyze_request(slow_document()))
        .await
        .expect_err("over budget");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(details(&status).0, "TIME_BUDGET_EXCEEDED");
}

/// The caller's `grpc-timeout`, sent through a bare HTTP/2 client: tonic's
/// own client would give up first with its own status, hiding the server's.
#[tokio::test]
async fn caller_deadline_gives_deadline_exceeded() {
    let server = TestServer::start_default().await;
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build_http::<tonic::body::Body>();
    let origin: http::Uri = server.url().parse().expect("uri");
    let mut client =
        TextServiceClient::with_origin(http, origin).max_encoding_message_size(64 << 20);
    let mut req = tonic::Request::new(analyze_request(slow_document()));
    req.metadata_mut()
        .insert("grpc-timeout", "5m".parse().expect("ascii"));
    let status = client.analyze_text(req).await.expect_err("deadline");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(details(&status).0, "CALLER_DEADLINE");

    // A generous deadline changes nothing.
    let mut req = tonic::Request::new(analyze_request(text_doc("q", "Quick.")));
    req.metadata_mut()
        .insert("grpc-timeout", "30S".parse().expect("ascii"));
    client.analyze_text(req).await.expect("in time");
}

#[tokio::test]
async fn load_is_shed_with_resource_exhausted_but_probes_pass() {
    let server = TestServer::start(textstance_server::config::Config {
        max_concurrency: 1,
        ..test_config()
    })
    .await;
    let mut client = server.client().await;
    // An open stream holds the only slot for its whole life.
    let (tx, mut out) = open_stream(&mut client, "s", "It may rain.").await;
    assert_eq!(server.handle.in_flight(), 1);

    let mut other = server.client().await;
    let status = other
        .analyze_text(analyze_request(text_doc("x", "Shed me.")))
        .await
        .expect_err("shed");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(details(&status).0, "OVERLOADED");
    // Health checks are never shed.
    let mut health = server.health().await;
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health is not shed");

    // The stream still works and, once closed, frees its slot.
    tx.send(pb::StreamAnalyzeTextRequest {
        request: Some(analyze_request(text_doc("s2", "Still here."))),
    })
    .await
    .expect("send");
    out.next().await.expect("an item").expect("ok");
    drop(tx);
    assert!(out.next().await.is_none());
}

#[tokio::test]
async fn oversized_message_is_refused_by_the_transport() {
    let server = TestServer::start(textstance_server::config::Config {
        max_message_bytes: 4096,
        max_document_bytes: 1024,
        ..test_config()
    })
    .await;
    let mut client = server.client().await;
    let status = client
        .analyze_text(analyze_request(text_doc("big", &"z".repeat(10_000))))
        .await
        .expect_err("over max message size");
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
}
