//! Embedded mode: the engine runs in this process, with the built-in
//! lexicons or `--lexicon-dir DIR` (every `*.lex` file in it).

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use textstance_engine::{self as engine, AnalyzeOptions, Input, LexiconSource, Lexicons};

use crate::DocOptions;
use crate::input::{self, Id, Parsed, Sources};
use crate::model::{self, ErrorOut, InputRef};
use crate::printer::Printer;

/// Reads every `*.lex` file of `dir`, sorted by name.
pub(crate) fn read_lexicon_dir(dir: &Path) -> anyhow::Result<Vec<LexiconSource>> {
    let mut sources = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read lexicon dir {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read lexicon dir {}", dir.display()))?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "lex") && path.is_file() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            sources.push(LexiconSource { name, text });
        }
    }
    if sources.is_empty() {
        anyhow::bail!("no *.lex files in {}", dir.display());
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sources)
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
    lexicons: &Lexicons,
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
        match engine::analyze(input, &options(opts, lang), lexicons) {
            Ok(a) => {
                let out = model::from_engine(opts.stage, &id, input_ref, &a, lexicons, opts.unit);
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

/// `--jsonl`: one result line per input line, in order, constant memory.
/// Returns false if any line failed.
pub(crate) fn run_jsonl(
    opts: &DocOptions,
    lexicons: &Lexicons,
    sources: &Sources,
    printer: &mut Printer<impl Write>,
) -> anyhow::Result<bool> {
    let mut ok = true;
    input::for_each_line(sources, |line, n| {
        match input::parse_line(line, n) {
            None => {}
            Some(Parsed::Bad { id, message }) => {
                ok = false;
                printer.error(&id, ErrorOut::bad_line(message))?;
            }
            Some(Parsed::Doc { id, text, lang }) => {
                let lang = lang.as_deref().or(opts.lang.as_deref());
                match engine::analyze(Input::Text(&text), &options(opts, lang), lexicons) {
                    Ok(a) => {
                        let out = model::from_engine(
                            opts.stage,
                            &id,
                            InputRef::Text(&text),
                            &a,
                            lexicons,
                            opts.unit,
                        );
                        printer.doc(&out, &a.text)?;
                    }
                    Err(e) => {
                        ok = false;
                        printer.error(&id, ErrorOut::from_engine(&e))?;
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(ok)
}
