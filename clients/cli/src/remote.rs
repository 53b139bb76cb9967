//! Server mode: every command through textstance-client, with the same
//! output model as embedded mode.
//!
//! Whole documents use the command's own RPC (NormalizeText, SegmentText,
//! TagText, AnalyzeText). `--jsonl` pipelines the lines through one
//! StreamAnalyzeText call with at most `--in-flight` documents awaiting
//! their response (or, with `--batch-size N`, BatchAnalyzeTexts calls of N
//! documents), so memory stays constant on any input size.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use textstance_client::{Client, ClientError, pb};

use crate::DocOptions;
use crate::input::{self, Id, Parsed, Sources};
use crate::model::{self, ErrorOut, PbParts, Stage};
use crate::printer::Printer;

fn profile(p: textstance_engine::Profile) -> pb::Profile {
    match p {
        textstance_engine::Profile::Default => pb::Profile::Default,
        textstance_engine::Profile::Ftfy => pb::Profile::Ftfy,
    }
}

fn normalize_options(opts: &DocOptions) -> pb::NormalizeOptions {
    pb::NormalizeOptions {
        profile: profile(opts.profile) as i32,
        ..Default::default()
    }
}

fn features(stage: Stage) -> pb::Features {
    let f = stage.features();
    pb::Features {
        normalize: f.normalize,
        segment: f.segment,
        tag: f.tag,
    }
}

fn document(
    id: String,
    content: pb::document::Content,
    charset: Option<&str>,
    lang: Option<&str>,
) -> pb::Document {
    pb::Document {
        content: Some(content),
        charset_label: charset.unwrap_or_default().to_owned(),
        language_code: lang.unwrap_or_default().to_owned(),
        id,
    }
}

fn analyze_request(opts: &DocOptions, document: pb::Document) -> pb::AnalyzeTextRequest {
    pb::AnalyzeTextRequest {
        document: Some(document),
        features: Some(features(opts.stage)),
        normalize_options: Some(normalize_options(opts)),
        offset_unit: opts.unit.pb() as i32,
    }
}

/// A transport failure aborts the run (exit 69); a status fails one document.
fn per_doc(e: ClientError) -> Result<ErrorOut, ClientError> {
    if e.is_transport() {
        Err(e)
    } else {
        Ok(ErrorOut::from_client(&e))
    }
}

fn missing() -> ClientError {
    ClientError::Protocol("response without a result".to_owned())
}

/// Whole documents. Returns false if any failed.
pub(crate) async fn run_docs(
    client: &Client,
    opts: &DocOptions,
    sources: &Sources,
    printer: &mut Printer<impl Write>,
) -> anyhow::Result<bool> {
    let mut ok = true;
    for path in sources.paths() {
        let bytes = input::read_all(path)?;
        let id = Id::string(&path.to_string_lossy());
        let api_id = path.to_string_lossy().into_owned();
        let (content, text) = match (&opts.charset, String::from_utf8(bytes)) {
            (None, Ok(t)) => (pb::document::Content::Text(t.clone()), Some(t)),
            (_, Ok(t)) => (pb::document::Content::RawContent(t.into_bytes()), None),
            (_, Err(e)) => (pb::document::Content::RawContent(e.into_bytes()), None),
        };
        let doc = document(
            api_id,
            content,
            opts.charset.as_deref(),
            opts.lang.as_deref(),
        );
        let unit = opts.unit.pb() as i32;
        let printed = match opts.stage {
            Stage::Normalize => {
                let req = pb::NormalizeTextRequest {
                    document: Some(doc),
                    options: Some(normalize_options(opts)),
                    offset_unit: unit,
                };
                match client.normalize_text(req).await {
                    Ok(r) => {
                        let res = r.result.ok_or_else(missing)?;
                        print(
                            printer,
                            opts,
                            &id,
                            text.as_deref(),
                            PbParts::normalize(&res),
                        )
                    }
                    Err(e) => Err(per_doc(e)?),
                }
            }
            Stage::Segment => {
                let req = pb::SegmentTextRequest {
                    document: Some(doc),
                    offset_unit: unit,
                };
                match client.segment_text(req).await {
                    Ok(r) => print(printer, opts, &id, text.as_deref(), PbParts::segment(&r)),
                    Err(e) => Err(per_doc(e)?),
                }
            }
            Stage::Tag => {
                let req = pb::TagTextRequest {
                    document: Some(doc),
                    offset_unit: unit,
                };
                match client.tag_text(req).await {
                    Ok(r) => print(printer, opts, &id, text.as_deref(), PbParts::tag(&r)),
                    Err(e) => Err(per_doc(e)?),
                }
            }
            Stage::Analyze => match client.analyze_text(analyze_request(opts, doc)).await {
                Ok(r) => {
                    let res = r.result.ok_or_else(missing)?;
                    print(printer, opts, &id, text.as_deref(), PbParts::analysis(&res))
                }
                Err(e) => Err(per_doc(e)?),
            },
        };
        if let Err(e) = printed {
            ok = false;
            printer.error(&id, e)?;
        }
    }
    Ok(ok)
}

/// Prints one response; a response that does not fit its text becomes the
/// document's error.
fn print(
    printer: &mut Printer<impl Write>,
    opts: &DocOptions,
    id: &RawValue,
    request_text: Option<&str>,
    parts: PbParts<'_>,
) -> Result<(), ErrorOut> {
    let base = parts.text.or(request_text).unwrap_or("");
    match model::from_pb(opts.stage, opts.edits, id, request_text, parts, opts.unit) {
        Ok(out) => printer
            .doc(&out, base)
            .map_err(|e| ErrorOut::bad_line(format!("cannot write output: {e}"))),
        Err(e) => Err(ErrorOut {
            code: "INTERNAL".to_owned(),
            message: e.to_string(),
            reason: None,
            field_violations: Vec::new(),
        }),
    }
}

/// One input line, owned, on its way to the server.
enum Item {
    Doc {
        id: Box<RawValue>,
        text: String,
        lang: Option<String>,
    },
    Bad {
        id: Box<RawValue>,
        message: String,
    },
}

/// What awaits a response, in input order.
enum Pending {
    Sent { id: Box<RawValue>, text: String },
    Bad { id: Box<RawValue>, message: String },
}

/// Reads lines on a blocking thread into a bounded channel.
fn spawn_reader(
    sources: Sources,
    capacity: usize,
) -> (
    mpsc::Receiver<Item>,
    std::thread::JoinHandle<anyhow::Result<()>>,
) {
    let (tx, rx) = mpsc::channel(capacity);
    let handle = std::thread::spawn(move || {
        input::for_each_line(&sources, |line, n| {
            let item = match input::parse_line(line, n) {
                None => return Ok(()),
                Some(Parsed::Bad { id, message }) => Item::Bad {
                    id: id.boxed(),
                    message,
                },
                Some(Parsed::Doc { id, text, lang, .. }) => Item::Doc {
                    id: id.boxed(),
                    text: text.into_owned(),
                    lang: lang.map(|l| l.into_owned()),
                },
            };
            // The receiver is gone when the run failed; stop reading.
            if tx.blocking_send(item).is_err() {
                anyhow::bail!("output side stopped");
            }
            Ok(())
        })
    });
    (rx, handle)
}

fn print_result(
    printer: &mut Printer<impl Write>,
    opts: &DocOptions,
    id: &RawValue,
    text: &str,
    resp: &pb::StreamAnalyzeTextResponse,
) -> std::io::Result<bool> {
    use pb::stream_analyze_text_response::Outcome;
    let printed = match &resp.outcome {
        Some(Outcome::Result(r)) => print(printer, opts, id, Some(text), PbParts::analysis(r)),
        Some(Outcome::Error(e)) => Err(ErrorOut::from_item(e)),
        None => Err(ErrorOut {
            code: "INTERNAL".to_owned(),
            message: "stream response without an outcome".to_owned(),
            reason: None,
            field_violations: Vec::new(),
        }),
    };
    match printed {
        Ok(()) => Ok(true),
        Err(e) => {
            printer.error(id, e)?;
            Ok(false)
        }
    }
}

/// `--jsonl` over StreamAnalyzeText (or BatchAnalyzeTexts). Returns false if
/// any line failed.
pub(crate) async fn run_jsonl(
    client: &Client,
    opts: &DocOptions,
    sources: &Sources,
    printer: &mut Printer<impl Write>,
) -> anyhow::Result<bool> {
    let (rx, reader) = spawn_reader(sources.clone(), opts.in_flight);
    let result = match opts.batch_size {
        Some(n) => run_batches(client, opts, rx, n, printer).await,
        None => run_stream(client, opts, rx, printer).await,
    };
    // A reader error (unreadable file) matters only if the run itself went well.
    let read = reader
        .join()
        .map_err(|_| anyhow::anyhow!("input reader panicked"))?;
    let ok = result?;
    read?;
    Ok(ok)
}

async fn run_stream(
    client: &Client,
    opts: &DocOptions,
    rx: mpsc::Receiver<Item>,
    printer: &mut Printer<impl Write>,
) -> anyhow::Result<bool> {
    let pending: Arc<Mutex<VecDeque<Pending>>> = Arc::default();
    let queue = pending.clone();
    let req_opts = opts.clone();
    let mut seq = 0u64;
    let requests = ReceiverStream::new(rx).filter_map(move |item| {
        let mut q = queue.lock().unwrap_or_else(|p| p.into_inner());
        match item {
            Item::Bad { id, message } => {
                q.push_back(Pending::Bad { id, message });
                None
            }
            Item::Doc { id, text, lang } => {
                let doc = document(
                    seq.to_string(),
                    pb::document::Content::Text(text.clone()),
                    None,
                    lang.as_deref().or(req_opts.lang.as_deref()),
                );
                seq += 1;
                q.push_back(Pending::Sent { id, text });
                Some(analyze_request(&req_opts, doc))
            }
        }
    });
    let mut ok = true;
    let mut stream = client.analyze_stream(requests).await?;
    let pop = || {
        pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    };
    while let Some(resp) = stream.next().await {
        let resp = resp?;
        loop {
            match pop() {
                Some(Pending::Bad { id, message }) => {
                    ok = false;
                    printer.error(&id, ErrorOut::bad_line(message))?;
                }
                Some(Pending::Sent { id, text }) => {
                    ok &= print_result(printer, opts, &id, &text, &resp)?;
                    break;
                }
                None => {
                    return Err(ClientError::Protocol("more responses than requests".into()).into());
                }
            }
        }
    }
    while let Some(p) = pop() {
        match p {
            Pending::Bad { id, message } => {
                ok = false;
                printer.error(&id, ErrorOut::bad_line(message))?;
            }
            Pending::Sent { .. } => {
                return Err(ClientError::Protocol("a request got no response".into()).into());
            }
        }
    }
    Ok(ok)
}

/// The batch index a field path names (`requests[3].document...` -> 3).
fn batch_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("requests[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// The error of item `k` of a failed batch: the status with only the field
/// violations about that item.
fn item_error(e: &ClientError, k: usize) -> ErrorOut {
    let mut out = ErrorOut::from_client(e);
    out.field_violations = e
        .field_violations()
        .iter()
        .filter(|v| batch_index(&v.field) == Some(k))
        .map(|v| model::FieldOut {
            field: model::document_field(&v.field),
            description: v.description.clone(),
        })
        .collect();
    out
}

/// Sends the documents at `todo` (indexes into `chunk`) as batches. A batch
/// is validated atomically, so when the server names bad items
/// (`requests[i]...`), those get their error and the rest is sent again.
async fn batch_outcomes(
    client: &Client,
    opts: &DocOptions,
    chunk: &[Item],
) -> anyhow::Result<Vec<Option<Result<pb::AnalysisResult, ErrorOut>>>> {
    let mut outcomes: Vec<Option<Result<pb::AnalysisResult, ErrorOut>>> =
        (0..chunk.len()).map(|_| None).collect();
    let mut todo: Vec<usize> = chunk
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(item, Item::Doc { .. }))
        .map(|(i, _)| i)
        .collect();
    while !todo.is_empty() {
        let requests = todo
            .iter()
            .filter_map(|&i| match &chunk[i] {
                Item::Doc { text, lang, .. } => Some(analyze_request(
                    opts,
                    document(
                        i.to_string(),
                        pb::document::Content::Text(text.clone()),
                        None,
                        lang.as_deref().or(opts.lang.as_deref()),
                    ),
                )),
                Item::Bad { .. } => None,
            })
            .collect();
        match client
            .batch_analyze_texts(pb::BatchAnalyzeTextsRequest { requests })
            .await
        {
            Ok(r) => {
                if r.responses.len() != todo.len() {
                    return Err(ClientError::Protocol(format!(
                        "{} results for a batch of {}",
                        r.responses.len(),
                        todo.len()
                    ))
                    .into());
                }
                for (&i, resp) in todo.iter().zip(r.responses) {
                    outcomes[i] = Some(
                        resp.result
                            .ok_or_else(missing)
                            .map_err(|e| ErrorOut::from_client(&e)),
                    );
                }
                todo.clear();
            }
            Err(e) if e.is_transport() => return Err(e.into()),
            Err(e) => {
                let mut named: Vec<usize> = e
                    .field_violations()
                    .iter()
                    .filter_map(|v| batch_index(&v.field))
                    .filter(|&k| k < todo.len())
                    .collect();
                named.sort_unstable();
                named.dedup();
                if named.is_empty() {
                    for &i in &todo {
                        outcomes[i] = Some(Err(ErrorOut::from_client(&e)));
                    }
                    todo.clear();
                } else {
                    for &k in &named {
                        outcomes[todo[k]] = Some(Err(item_error(&e, k)));
                    }
                    let mut k = 0;
                    todo.retain(|_| {
                        let keep = named.binary_search(&k).is_err();
                        k += 1;
                        keep
                    });
                }
            }
        }
    }
    Ok(outcomes)
}

async fn run_batches(
    client: &Client,
    opts: &DocOptions,
    mut rx: mpsc::Receiver<Item>,
    size: usize,
    printer: &mut Printer<impl Write>,
) -> anyhow::Result<bool> {
    let mut ok = true;
    let mut chunk: Vec<Item> = Vec::with_capacity(size);
    loop {
        chunk.clear();
        let mut docs = 0;
        while docs < size {
            match rx.recv().await {
                Some(item) => {
                    if matches!(item, Item::Doc { .. }) {
                        docs += 1;
                    }
                    chunk.push(item);
                }
                None => break,
            }
        }
        if chunk.is_empty() {
            return Ok(ok);
        }
        let outcomes = batch_outcomes(client, opts, &chunk).await?;
        for (item, outcome) in chunk.iter().zip(outcomes) {
            match (item, outcome) {
                (Item::Bad { id, message }, _) => {
                    ok = false;
                    printer.error(id, ErrorOut::bad_line(message.clone()))?;
                }
                (Item::Doc { id, text, .. }, Some(Ok(r))) => {
                    if let Err(e) = print(printer, opts, id, Some(text), PbParts::analysis(&r)) {
                        ok = false;
                        printer.error(id, e)?;
                    }
                }
                (Item::Doc { id, .. }, Some(Err(e))) => {
                    ok = false;
                    printer.error(id, e)?;
                }
                (Item::Doc { .. }, None) => {
                    return Err(ClientError::Protocol("a batch item got no outcome".into()).into());
                }
            }
        }
        if docs < size {
            return Ok(ok);
        }
    }
}

/// `health`: grpc.health.v1 on every endpoint. Returns (endpoint, status
/// name or error) pairs.
pub(crate) async fn health(
    client: &Client,
    service: &str,
) -> Vec<(String, Result<String, ClientError>)> {
    client
        .health_check_each(service)
        .await
        .into_iter()
        .map(|(a, r)| (a, r.map(|s| s.as_str_name().to_owned())))
        .collect()
}
