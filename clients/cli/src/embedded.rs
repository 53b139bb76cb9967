//! Embedded mode: the engine runs in this process, with the built-in
//! lexicons or `--lexicon-dir DIR` (every `*.lex` file in it).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

use anyhow::Context as _;
use textstance_engine::{self as engine, AnalyzeOptions, Input, LexiconSource, Lexicons};

use crate::DocOptions;
use crate::input::{self, Id, Parsed, Sources};
use crate::model::{self, ErrorOut, InputRef};
use crate::printer::{Format, Printer};

/// Reads every `*.lex` file under `dir` (subdirectories too, hidden entries
/// skipped, as the server does), named by their path below `dir`, sorted.
pub(crate) fn read_lexicon_dir(dir: &Path) -> anyhow::Result<Vec<LexiconSource>> {
    let mut sources = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = pending.pop() {
        let entries = std::fs::read_dir(&d)
            .with_context(|| format!("cannot read lexicon dir {}", d.display()))?;
        for entry in entries {
            let entry =
                entry.with_context(|| format!("cannot read lexicon dir {}", d.display()))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() && depth < 3 {
                pending.push((path, depth + 1));
            } else if path.extension().is_some_and(|e| e == "lex") && path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let name = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                sources.push(LexiconSource { name, text });
            }
        }
    }
    if sources.is_empty() {
        anyhow::bail!("no *.lex files in {}", dir.display());
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sources)
}

/// The lexicons of embedded mode, loaded only for a stage that tags
/// (normalize and segment never compile them).
pub(crate) fn lexicons_for(
    stage: crate::model::Stage,
    dir: Option<&Path>,
) -> anyhow::Result<Option<Lexicons>> {
    stage.has_tags().then(|| load_lexicons(dir)).transpose()
}

/// The lexicons of embedded mode.
pub(crate) fn load_lexicons(dir: Option<&Path>) -> anyhow::Result<Lexicons> {
    match dir {
        Some(d) => {
            let sources = read_lexicon_dir(d)?;
            Lexicons::compile(sources).map_err(|e| anyhow::anyhow!("lexicon error: {e}"))
        }
        None => Lexicons::embedded().map_err(|e| anyhow::anyhow!("built-in lexicons: {e}")),
    }
}

/// Runs the engine for one document. Normalize skips language detection,
/// which its output does not report.
fn process<'i>(
    opts: &DocOptions,
    input: Input<'i>,
    lang: Option<&str>,
    lexicons: Option<&Lexicons>,
) -> Result<engine::Analysis<'i>, engine::EngineError> {
    if opts.stage == crate::model::Stage::Normalize {
        let n = engine::normalize(input, &engine::NormalizeOptions::for_profile(opts.profile))?;
        return Ok(engine::Analysis {
            text: n.text,
            edits: n.edits,
            encoding: n.encoding,
            language: engine::Language {
                lang: engine::Lang::Other,
                code: String::new(),
                detected: false,
            },
            sentences: Vec::new(),
            tagged: None,
        });
    }
    match lexicons {
        Some(l) => engine::analyze(input, &options(opts, lang), l),
        None => engine::analyze_untagged(input, &options(opts, lang)),
    }
}

fn options<'a>(opts: &DocOptions, lang: Option<&'a str>) -> AnalyzeOptions<'a> {
    AnalyzeOptions {
        features: opts.stage.features(),
        normalize: engine::NormalizeOptions::for_profile(opts.profile),
        language: lang,
    }
}

/// Processes whole documents (files or stdin). Returns false if any failed.
pub(crate) fn run_docs(
    opts: &DocOptions,
    lexicons: Option<&Lexicons>,
    sources: &Sources,
    printer: &mut Printer<impl Write>,
) -> anyhow::Result<bool> {
    let mut ok = true;
    for path in sources.paths() {
        let bytes = input::read_all(path)?;
        let id = Id::string(&path.to_string_lossy());
        let text = match (&opts.charset, std::str::from_utf8(&bytes)) {
            (None, Ok(t)) => Some(t),
            _ => None,
        };
        let (input, input_ref) = match text {
            Some(t) => (Input::Text(t), InputRef::Text(t)),
            None => (
                Input::Bytes {
                    bytes: &bytes,
                    charset_label: opts.charset.as_deref(),
                },
                InputRef::Bytes,
            ),
        };
        let lang = opts.lang.as_deref();
        match process(opts, input, lang, lexicons) {
            Ok(a) => {
                let out = model::from_engine(
                    opts.stage, opts.edits, &id, input_ref, &a, lexicons, opts.unit,
                );
                printer.doc(&out, &a.text)?;
            }
            Err(e) => {
                ok = false;
                printer.error(&id, ErrorOut::from_engine(&e))?;
            }
        }
    }
    Ok(ok)
}

/// Handles one `--jsonl` input line; false when it failed.
fn handle_line(
    opts: &DocOptions,
    lexicons: Option<&Lexicons>,
    line: &[u8],
    n: u64,
    printer: &mut Printer<impl Write>,
) -> std::io::Result<bool> {
    match input::parse_line(line, n) {
        None => Ok(true),
        Some(Parsed::Bad { id, message }) => {
            printer.error(&id, ErrorOut::bad_line(message))?;
            Ok(false)
        }
        Some(Parsed::Doc {
            id,
            text,
            lang,
            text_json,
        }) => {
            let lang = lang.as_deref().or(opts.lang.as_deref());
            match process(opts, Input::Text(&text), lang, lexicons) {
                Ok(a) => {
                    let mut out = model::from_engine(
                        opts.stage,
                        opts.edits,
                        &id,
                        InputRef::Text(&text),
                        &a,
                        lexicons,
                        opts.unit,
                    );
                    if matches!(text, std::borrow::Cow::Borrowed(_)) {
                        // Read without escapes: no character of the input
                        // needs one (JSON strings hold no raw controls).
                        out.text_escapes_within = Some(&a.edits);
                    } else if let Some(raw) = text_json
                        && a.edits.is_empty()
                        && std::ptr::eq(a.text.as_ref(), text.as_ref())
                    {
                        // Unchanged text read with escapes as serde_json
                        // writes them: its JSON is the input's.
                        out.text_json = Some(raw);
                    }
                    printer.doc(&out, &a.text)?;
                    Ok(true)
                }
                Err(e) => {
                    printer.error(&id, ErrorOut::from_engine(&e))?;
                    Ok(false)
                }
            }
        }
    }
}

/// `--jsonl`: one result line per input line, in input order, constant
/// memory. With `threads > 1`, a reader thread cuts the input into chunks of
/// whole lines, workers process chunks, and this thread writes their output
/// in chunk order; at most `2 * threads` chunks wait on each side. Returns
/// false if any line failed.
pub(crate) fn run_jsonl(
    opts: &DocOptions,
    lexicons: Option<&Lexicons>,
    sources: &Sources,
    printer: &mut Printer<impl Write>,
    threads: usize,
) -> anyhow::Result<bool> {
    if threads <= 1 {
        let mut ok = true;
        input::for_each_line(sources, |line, n| {
            ok &= handle_line(opts, lexicons, line, n, printer)?;
            Ok(())
        })?;
        return Ok(ok);
    }
    const CHUNK_BYTES: usize = 1 << 19;
    struct Job {
        seq: u64,
        first_line: u64,
        bytes: Vec<u8>,
    }
    // Input and output buffers go back here once used, so a long run does
    // not map and fault in fresh megabytes for every chunk.
    let pool: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let pool = &pool;
    let take = move || {
        pool.lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default()
    };
    let give = move |mut v: Vec<u8>| {
        v.clear();
        let mut p = pool.lock().unwrap_or_else(|p| p.into_inner());
        if p.len() < threads * 8 {
            p.push(v);
        }
    };
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(threads * 2);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) =
            mpsc::sync_channel::<(u64, std::io::Result<(Vec<u8>, bool)>)>(threads * 2);
        let reader = scope.spawn(move || -> anyhow::Result<()> {
            let mut seq = 0;
            let mut first_line = 1;
            input::for_each_block(sources, CHUNK_BYTES, take, |bytes, lines| {
                let job = Job {
                    seq,
                    first_line,
                    bytes,
                };
                seq += 1;
                first_line += lines;
                if job_tx.send(job).is_err() {
                    anyhow::bail!("output side stopped");
                }
                Ok(())
            })
        });
        for _ in 0..threads {
            let job_rx = job_rx.clone();
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let job = {
                        let rx = job_rx.lock().unwrap_or_else(|p| p.into_inner());
                        rx.recv()
                    };
                    let Ok(job) = job else { return };
                    let mut out = Printer::new(Format::Jsonl, take(), opts.unit, false);
                    let mut result = Ok(true);
                    let lines = job.bytes.split_inclusive(|&b| b == b'\n');
                    for (n, line) in (job.first_line..).zip(lines) {
                        match handle_line(opts, lexicons, line, n, &mut out) {
                            Ok(ok) => {
                                if let Ok(all) = result.as_mut() {
                                    *all &= ok;
                                }
                            }
                            Err(e) => {
                                result = Err(e);
                                break;
                            }
                        }
                    }
                    give(job.bytes);
                    let result = result.map(|ok| (out.into_inner(), ok));
                    if done_tx.send((job.seq, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        drop(job_rx);
        let mut ok = true;
        let mut next = 0u64;
        let mut waiting: BTreeMap<u64, (Vec<u8>, bool)> = BTreeMap::new();
        for (seq, result) in done_rx {
            waiting.insert(seq, result?);
            while let Some((bytes, chunk_ok)) = waiting.remove(&next) {
                printer.writer().write_all(&bytes)?;
                give(bytes);
                ok &= chunk_ok;
                next += 1;
            }
        }
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("input reader panicked"))??;
        anyhow::ensure!(waiting.is_empty(), "a chunk of output went missing");
        Ok(ok)
    })
}
