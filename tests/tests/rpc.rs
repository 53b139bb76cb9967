//! Every TextService RPC over real gRPC, checked against the embedded
//! engine (the oracle), plus offsets, encodings, compression and request ids.
//! Stories, features, raw bytes, batch and stream go through the typed
//! `textstance-client` (`TestServer::typed_client`); the rest, which read
//! response metadata or drive the generated API directly, keep the generated
//! `TextServiceClient`.

use textstance_engine::{self as engine, AnalyzeOptions, Features, Input, Lexicons};
use textstance_proto::pb;
use textstance_server::convert;
use textstance_tests::{
    EXAMPLES, TestServer, analyze_request, data, data_text, raw_doc, slice, text_doc,
};
use tokio_stream::StreamExt;
use tonic::codec::CompressionEncoding;

/// What the server should answer for AnalyzeText on `doc`, computed in
/// process with the embedded engine and converted the same way.
fn oracle(doc: &pb::Document, unit: pb::OffsetUnit, features: Features) -> pb::AnalysisResult {
    let lexicons = Lexicons::embedded().expect("embedded lexicons");
    let d = convert::document(Some(doc), "document", usize::MAX).expect("valid doc");
    let opts = AnalyzeOptions {
        features,
        normalize: Default::default(),
        language: d.language,
    };
    let a = engine::analyze(d.input, &opts, &lexicons).expect("engine accepts it");
    let u = convert::offset_unit(unit as i32, "offset_unit").expect("known unit");
    convert::analysis_result(convert::analysis(&a, &d, u), d.id, lexicons.version())
}

#[tokio::test]
async fn analyze_matches_the_embedded_engine_on_every_example() {
    let server = TestServer::start_default().await;
    let mut client = server.client().await;
    for name in EXAMPLES {
        for unit in [
            pb::OffsetUnit::Utf8,
            pb::OffsetUnit::Utf16,
            pb::OffsetUnit::CodePoint,
        ] {
            let doc = text_doc(name, &data_text(name));
            let mut req = analyze_request(doc.clone());
            req.offset_unit = unit as i32;
            let got = client
                .analyze_text(req)
                .await
                .unwrap_or_else(|s| panic!("{name}: {s}"))
                .into_inner()
                .result
                .expect("result");
            assert_eq!(got, oracle(&doc, unit, Features::ALL), "{name} {unit:?}");
            assert_eq!(got.id, name);
            assert_eq!(got.offset_unit, unit as i32);
            assert!(!got.sentences.is_empty(), "{name}: no sentences");
            assert!(
                !got.lexicon_version
                    .expect("version")
                    .content_hash
                    .is_empty(),
                "{name}: lexicon hash"
            );
        }
    }
}

#[tokio::test]
async fn stories_have_cues_and_damage_is_repaired() {
    let server = TestServer::start_default().await;
    let client = server.typed_client().await;
    for (name, lang) in [("en_story.txt", "en"), ("ru_story.txt", "ru")] {
        let r = client
            .analyze_text(analyze_request(text_doc(name, &data_text(name))))
            .await
            .expect("ok")
            .result
            .expect("result");
        let l = r.language.expect("language");
        assert_eq!((l.code.as_str(), l.detected), (lang, true));
        let hedges = r
            .cues
            .iter()
            .filter(|c| c.category == pb::CueCategory::Hedge as i32)
            .count();
        let pessimism = r
            .cues
            .iter()
            .filter(|c| c.category == pb::CueCategory::Pessimism as i32)
            .count();
        assert!(hedges >= 2 && pessimism >= 1, "{name}: {:?}", r.cues);
        assert!(r.document_scores.expect("scores").hedge > 0.0);
    }
    // The mojibake paragraph comes back as the original Russian.
    let r = client
        .normalize_text(pb::NormalizeTextRequest {
            document: Some(text_doc("moji", &data_text("ru_mojibake_cp1252.txt"))),
            ..Default::default()
        })
        .await
        .expect("ok")
        .result
        .expect("result");
    assert!(r.changed);
    assert_eq!(r.text, data_text("ru_mojibake_cp1252.clean.txt"));
    assert!(
        r.edits
            .iter()
            .all(|e| e.kind == pb::EditKind::Mojibake as i32),
        "{:?}",
        r.edits
    );
}

#[tokio::test]
async fn normalize_segment_tag_and_list_lexicons() {
    let server = TestServer::start_default().await;
    let mut client = server.client().await;
    let lexicons = Lexicons::embedded().expect("embedded lexicons");

    // NormalizeText on every example: the edits, in code points, replay the
    // input into the output exactly, and their originals are input text.
    for name in EXAMPLES {
        let input = data_text(name);
        let unit = pb::OffsetUnit::CodePoint;
        let r = client
            .normalize_text(pb::NormalizeTextRequest {
                document: Some(text_doc(name, &input)),
                offset_unit: unit as i32,
                ..Default::default()
            })
            .await
            .expect("ok")
            .into_inner()
            .result
            .expect("result");
        let n = engine::normalize(Input::Text(&input), &Default::default()).expect("engine");
        assert_eq!(r.text, n.text, "{name}");
        assert_eq!(r.edits.len(), n.edits.len(), "{name}");
        assert_eq!(r.changed, r.text != input, "{name}");
        let chars_in: Vec<char> = input.chars().collect();
        let chars_out: Vec<char> = r.text.chars().collect();
        let mut rebuilt = String::new();
        let mut at = 0;
        for e in &r.edits {
            let (i, o) = (e.input_span.expect("span"), e.output_span.expect("span"));
            assert_eq!(slice(&input, &i, unit), e.original, "{name}");
            rebuilt.extend(&chars_in[at..i.begin as usize]);
            rebuilt.extend(&chars_out[o.begin as usize..o.end as usize]);
            at = i.end as usize;
        }
        rebuilt.extend(&chars_in[at..]);
        assert_eq!(rebuilt, r.text, "{name}: edits replay");
        assert_eq!(
            r.encoding.expect("encoding").evidence,
            pb::EncodingEvidence::Text as i32
        );
    }

    // SegmentText: sentences equal the engine's, text absent for text input.
    let story = data_text("en_story.txt");
    let r = client
        .segment_text(pb::SegmentTextRequest {
            document: Some(text_doc("s", &story)),
            ..Default::default()
        })
        .await
        .expect("ok")
        .into_inner();
    let want = engine::segment::segment(&story, engine::Lang::En);
    let got: Vec<(u64, u64)> = r
        .sentences
        .iter()
        .map(|s| {
            let sp = s.span.expect("span");
            (sp.begin, sp.end)
        })
        .collect();
    let want: Vec<(u64, u64)> = want
        .iter()
        .map(|s| (s.span.start as u64, s.span.end as u64))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r.text, None);
    assert_eq!(r.id, "s");

    // SegmentText on raw bytes decodes but does not repair.
    let damaged = data("naive_damaged.txt");
    let r = client
        .segment_text(pb::SegmentTextRequest {
            document: Some(raw_doc("raw", &damaged, "")),
            ..Default::default()
        })
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(r.text.as_deref(), std::str::from_utf8(&damaged).ok());

    // TagText: cues equal the engine's on the text as given.
    let ru = data_text("ru_story.txt");
    let r = client
        .tag_text(pb::TagTextRequest {
            document: Some(text_doc("t", &ru)),
            offset_unit: pb::OffsetUnit::Utf16 as i32,
        })
        .await
        .expect("ok")
        .into_inner();
    let want = oracle(
        &text_doc("t", &ru),
        pb::OffsetUnit::Utf16,
        Features {
            normalize: false,
            segment: true,
            tag: true,
        },
    );
    assert_eq!(r.cues, want.cues);
    assert_eq!(r.sentences, want.sentences);
    assert_eq!(r.lexicon_version, want.lexicon_version);
    for c in &r.cues {
        assert_eq!(
            slice(&ru, c.span.as_ref().expect("span"), pb::OffsetUnit::Utf16),
            c.text
        );
    }

    // ListLexicons: the embedded set.
    let r = client
        .list_lexicons(pb::ListLexiconsRequest {})
        .await
        .expect("ok")
        .into_inner();
    assert_eq!(
        r.lexicon_version.expect("version").content_hash,
        lexicons.version().content_hash
    );
    let names: Vec<&str> = r.lexicons.iter().map(|l| l.name.as_str()).collect();
    assert!(names.contains(&"en") && names.contains(&"ru"), "{names:?}");
    assert!(r.lexicons.iter().all(|l| !l.categories.is_empty()));
}

#[tokio::test]
async fn features_choose_the_stages() {
    let server = TestServer::start_default().await;
    let client = server.typed_client().await;
    let doc = text_doc("n", &data_text("naive_damaged.txt"));
    let cases = [
        (
            Features {
                normalize: true,
                segment: false,
                tag: false,
            },
            false,
            false,
        ),
        (
            Features {
                normalize: false,
                segment: true,
                tag: false,
            },
            true,
            false,
        ),
        (
            Features {
                normalize: true,
                segment: true,
                tag: true,
            },
            true,
            true,
        ),
    ];
    for (f, sentences, cues) in cases {
        let mut req = analyze_request(doc.clone());
        req.features = Some(pb::Features {
            normalize: f.normalize,
            segment: f.segment,
            tag: f.tag,
        });
        let r = client
            .analyze_text(req)
            .await
            .expect("ok")
            .result
            .expect("result");
        assert_eq!(r, oracle(&doc, pb::OffsetUnit::Utf8, f), "{f:?}");
        assert_eq!(!r.sentences.is_empty(), sentences, "{f:?}");
        assert_eq!(r.document_scores.is_some(), cues, "{f:?}");
        // Normalization restores the diacritic only when it runs.
        assert_eq!(
            r.text.is_some(),
            f.normalize && !r.edits.is_empty(),
            "{f:?}"
        );
    }
}

#[tokio::test]
async fn offsets_in_every_unit_pick_out_the_same_text() {
    let server = TestServer::start_default().await;
    let mut client = server.client().await;
    let texts = [
        // emoji (astral: two UTF-16 units), a decomposed é (NFC changes it)
        "Talks 🤝 resumed in Gene\u{301}ve. A deal is probably near, 😬 though a stalemate cannot be ruled out.",
        // Cyrillic with ё and an emoji
        "Сделка 📉 сорвалась. Вероятно, стороны зашли в тупик, и оснований для оптимизма нет.",
        // combining marks that stay combining (no precomposed form)
        "Q\u{323}\u{307} marks aside, it seems the vote will probably fail.",
    ];
    for text in texts {
        let mut by_unit = Vec::new();
        for unit in [
            pb::OffsetUnit::Utf8,
            pb::OffsetUnit::Utf16,
            pb::OffsetUnit::CodePoint,
        ] {
            let mut req = analyze_request(text_doc("o", text));
            req.offset_unit = unit as i32;
            let r = client
                .analyze_text(req)
                .await
                .expect("ok")
                .into_inner()
                .result
                .expect("result");
            let indexed = r.text.clone().unwrap_or_else(|| text.to_owned());
            assert!(!r.cues.is_empty(), "{text}: no cues");
            let cue_texts: Vec<String> = r
                .cues
                .iter()
                .map(|c| {
                    let s = slice(&indexed, c.span.as_ref().expect("span"), unit);
                    assert_eq!(s, c.text, "{unit:?}");
                    s
                })
                .collect();
            let sentences: Vec<String> = r
                .sentences
                .iter()
                .map(|s| slice(&indexed, s.span.as_ref().expect("span"), unit))
                .collect();
            for e in &r.edits {
                assert_eq!(
                    slice(text, e.input_span.as_ref().expect("input span"), unit),
                    e.original,
                    "{unit:?}"
                );
                slice(&indexed, e.output_span.as_ref().expect("output span"), unit);
            }
            by_unit.push((cue_texts, sentences));
        }
        assert!(
            by_unit.windows(2).all(|w| w[0] == w[1]),
            "{text}: units disagree: {by_unit:?}"
        );
    }
}

#[tokio::test]
async fn raw_bytes_are_decoded_by_label_or_detection() {
    let server = TestServer::start_default().await;
    let client = server.typed_client().await;
    let cp1251 = data("ru_story.windows-1251.bin");
    let clean = data_text("ru_story.txt");

    // Declared label.
    let r = client
        .analyze_text(analyze_request(raw_doc("d", &cp1251, "windows-1251")))
        .await
        .expect("ok")
        .result
        .expect("result");
    let enc = r.encoding.expect("encoding");
    assert_eq!(
        (enc.name.as_str(), enc.evidence),
        ("windows-1251", pb::EncodingEvidence::Declared as i32)
    );
    assert_eq!(r.text.as_deref(), Some(clean.as_str()));

    // No label, invalid UTF-8: detected, not refused.
    let doc = raw_doc("x", &cp1251, "");
    let r = client
        .analyze_text(analyze_request(doc.clone()))
        .await
        .expect("detection, not an error")
        .result
        .expect("result");
    let enc = r.encoding.clone().expect("encoding");
    assert_eq!(enc.evidence, pb::EncodingEvidence::Detected as i32);
    assert_eq!(enc.name, "windows-1251");
    assert_eq!(r, oracle(&doc, pb::OffsetUnit::Utf8, Features::ALL));

    // Mostly UTF-8 with a stray invalid byte and no label: still an answer,
    // with the encoding and its evidence stated and every edit's input span
    // inside the raw bytes.
    let mut bytes = data("en_story.txt");
    bytes.insert(40, 0xFF);
    let doc = raw_doc("y", &bytes, "");
    let r = client
        .analyze_text(analyze_request(doc.clone()))
        .await
        .expect("ok")
        .result
        .expect("result");
    assert_eq!(
        r.encoding.clone().expect("encoding").evidence,
        pb::EncodingEvidence::Detected as i32
    );
    assert!(!r.edits.is_empty());
    assert!(
        r.edits
            .iter()
            .all(|e| e.input_span.expect("span").end <= bytes.len() as u64)
    );
    assert_eq!(r, oracle(&doc, pb::OffsetUnit::Utf8, Features::ALL));

    // Valid UTF-8 with a replacement edit when declared UTF-8 and lenient.
    let r = client
        .analyze_text(analyze_request(raw_doc(
            "z",
            b"Talks \xFF failed.",
            "utf-8",
        )))
        .await
        .expect("ok")
        .result
        .expect("result");
    let enc = r.encoding.expect("encoding");
    assert_eq!(
        (enc.evidence, enc.replaced_sequences),
        (pb::EncodingEvidence::Declared as i32, 1)
    );
    let e = &r.edits[0];
    assert_eq!(e.kind, pb::EditKind::DecodeError as i32);
    assert_eq!(e.input_span, Some(pb::Span { begin: 6, end: 7 }));
}

#[tokio::test]
async fn batch_and_stream_answer_in_order() {
    let server = TestServer::start_default().await;
    let client = server.typed_client().await;
    let docs: Vec<pb::Document> = EXAMPLES
        .iter()
        .map(|n| text_doc(n, &data_text(n)))
        .collect();

    let r = client
        .batch_analyze_texts(pb::BatchAnalyzeTextsRequest {
            requests: docs.iter().cloned().map(analyze_request).collect(),
        })
        .await
        .expect("ok");
    assert_eq!(r.responses.len(), docs.len());
    for (resp, doc) in r.responses.iter().zip(&docs) {
        assert_eq!(
            resp.result.as_ref().expect("result"),
            &oracle(doc, pb::OffsetUnit::Utf8, Features::ALL)
        );
    }

    let requests: Vec<pb::AnalyzeTextRequest> = docs
        .iter()
        .cycle()
        .take(40)
        .cloned()
        .map(analyze_request)
        .collect();
    let mut out = client.analyze_iter(requests).await.expect("stream opens");
    let mut n = 0u64;
    while let Some(item) = out.next().await {
        let item = item.expect("ok item");
        let doc = &docs[(n as usize) % docs.len()];
        assert_eq!(item.sequence, n);
        assert_eq!(item.id, doc.id);
        match item.outcome.expect("outcome") {
            pb::stream_analyze_text_response::Outcome::Result(r) => {
                assert_eq!(r, oracle(doc, pb::OffsetUnit::Utf8, Features::ALL));
            }
            pb::stream_analyze_text_response::Outcome::Error(e) => panic!("{e:?}"),
        }
        n += 1;
    }
    assert_eq!(n, 40);
}

#[tokio::test]
async fn gzip_and_zstd_calls() {
    let server = TestServer::start_default().await;
    let story = data_text("en_story.txt").repeat(20);
    for enc in [CompressionEncoding::Gzip, CompressionEncoding::Zstd] {
        let mut client = server
            .client()
            .await
            .send_compressed(enc)
            .accept_compressed(enc);
        let resp = client
            .analyze_text(analyze_request(text_doc("c", &story)))
            .await
            .unwrap_or_else(|s| panic!("{enc:?}: {s}"));
        let got = resp
            .metadata()
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let want = match enc {
            CompressionEncoding::Gzip => "gzip",
            _ => "zstd",
        };
        assert_eq!(
            got.as_deref(),
            Some(want),
            "response compressed with {want}"
        );
        assert_eq!(
            resp.into_inner().result.expect("result"),
            oracle(&text_doc("c", &story), pb::OffsetUnit::Utf8, Features::ALL)
        );
    }
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let server = TestServer::start_default().await;
    let mut client = server.client().await;
    let mut req = tonic::Request::new(pb::ListLexiconsRequest {});
    req.metadata_mut()
        .insert("x-request-id", "test-42".parse().expect("ascii"));
    let resp = client.list_lexicons(req).await.expect("ok");
    assert_eq!(
        resp.metadata().get("x-request-id").expect("echoed"),
        "test-42"
    );

    let a = client
        .list_lexicons(pb::ListLexiconsRequest {})
        .await
        .expect("ok");
    let b = client
        .list_lexicons(pb::ListLexiconsRequest {})
        .await
        .expect("ok");
    let id = |r: &tonic::Response<pb::ListLexiconsResponse>| {
        r.metadata()
            .get("x-request-id")
            .expect("generated")
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    assert_ne!(id(&a), id(&b));
    // Errors carry it too.
    let err = client
        .analyze_text(analyze_request(text_doc("e", "")))
        .await
        .expect_err("empty");
    assert!(err.metadata().get("x-request-id").is_some());
}

/// Write coalescing on and off, on either side: many concurrent AnalyzeText
/// calls (documents from 40 bytes to 200 KB, so DATA frames from below h2's
/// 256-byte chaining threshold to above `textstance_wire::CAP`) all return
/// what the engine computes, and a batch does too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_coalescing_combination_returns_engine_results() {
    let story = data_text("en_story.txt");
    let docs: Vec<pb::Document> = [40, 300, 1500, 20_000, 200_000]
        .iter()
        .map(|&n| {
            let mut t = story.repeat(n / story.len() + 1);
            let mut end = n.min(t.len());
            while !t.is_char_boundary(end) {
                end -= 1;
            }
            t.truncate(end);
            text_doc(&format!("len{n}"), &t)
        })
        .collect();
    let expected: Vec<pb::AnalysisResult> = docs
        .iter()
        .map(|d| oracle(d, pb::OffsetUnit::Utf8, Features::ALL))
        .collect();
    for server_on in [true, false] {
        let server = TestServer::start(textstance_server::config::Config {
            write_coalescing: server_on,
            ..textstance_tests::test_config()
        })
        .await;
        for client_on in [true, false] {
            let client = textstance_client::ClientBuilder::new(server.url())
                .max_message_size(64 << 20)
                .write_coalescing(client_on)
                .connect()
                .await
                .expect("connects");
            let calls = (0..40).map(|i| {
                let client = client.clone();
                let doc = docs[i % docs.len()].clone();
                tokio::spawn(async move { (i, client.analyze_text(analyze_request(doc)).await) })
            });
            for call in calls {
                let (i, got) = call.await.expect("call task");
                let got = got
                    .unwrap_or_else(|e| panic!("server {server_on} client {client_on}: {e}"))
                    .result
                    .expect("result");
                assert_eq!(
                    got,
                    expected[i % docs.len()],
                    "server {server_on} client {client_on} doc {i}"
                );
            }
            let batch = client
                .batch_analyze_texts(pb::BatchAnalyzeTextsRequest {
                    requests: docs.iter().cloned().map(analyze_request).collect(),
                })
                .await
                .expect("batch");
            let got: Vec<_> = batch.responses.into_iter().map(|r| r.result).collect();
            let want: Vec<_> = expected.iter().cloned().map(Some).collect();
            assert_eq!(got, want, "batch: server {server_on} client {client_on}");
        }
        server.stop().await.expect("clean stop");
    }
}
