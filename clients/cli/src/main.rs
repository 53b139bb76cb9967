//! `textstance`: analyze, normalize, segment and tag text, with the engine
//! embedded in the process or through a textstance server (`--server`).
//!
//! Both modes build the same output model (`model::Output`) and print it the
//! same way: a terminal view, `--json`, or `--jsonl` batch mode (one
//! `{"id","text"}` object per input line, one result per output line).
//! Exit codes: 0 ok, 1 processing error, 2 usage, 69 server unavailable.
//! See `clients/cli/README.md` for the shapes.

mod embedded;
mod fastjson;
mod input;
mod lexicons;
mod model;
mod printer;
mod remote;
mod render;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use textstance_client::{Client, ClientBuilder, ClientError, Compression};

use input::Sources;
use model::{Offsets, Stage};
use printer::{Format, Printer};

/// Exit code: processing error.
const EXIT_FAILURE: u8 = 1;
/// Exit code: usage error (as clap uses).
const EXIT_USAGE: u8 = 2;
/// Exit code: server unavailable (EX_UNAVAILABLE).
const EXIT_UNAVAILABLE: u8 = 69;

#[derive(Debug, Parser)]
#[command(
    name = "textstance",
    version,
    about = "Repair, segment and stance-tag news text, embedded or via a textstance server."
)]
struct Cli {
    /// Server target: http://host:port, host:port, dns:///host:port or
    /// ipv4:addr:port,addr:port. Without it the engine runs in-process.
    #[arg(long, global = true, env = "TEXTSTANCE_SERVER", value_name = "TARGET")]
    server: Option<String>,

    /// Load lexicons from every *.lex file in DIR (embedded tag/analyze).
    #[arg(
        long,
        global = true,
        env = "TEXTSTANCE_LEXICON_DIR",
        value_name = "DIR"
    )]
    lexicon_dir: Option<PathBuf>,

    /// Unit of every printed span.
    #[arg(long, global = true, value_enum, default_value_t = Offsets::Utf8)]
    offsets: Offsets,

    /// normalize, analyze: leave the list of edits out of the output (the
    /// text is repaired all the same); for callers that want only the text,
    /// as ftfy's fix_text returns it.
    #[arg(long, global = true)]
    no_edits: bool,

    /// Print one JSON document.
    #[arg(long, global = true, conflicts_with = "jsonl")]
    json: bool,

    /// Batch mode: one {"id","text"[,"lang"]} object per input line, one
    /// result object per output line.
    #[arg(long, global = true)]
    jsonl: bool,

    /// Repair profile (normalize, analyze).
    #[arg(long, global = true, value_enum, default_value_t = ProfileArg::Default)]
    profile: ProfileArg,

    /// Language code (en, ru, ...); detected when absent. A "lang" key of a
    /// --jsonl line wins over it.
    #[arg(long, global = true, value_name = "CODE")]
    lang: Option<String>,

    /// WHATWG charset label of input files (they are decoded, not read as UTF-8).
    #[arg(long, global = true, value_name = "LABEL")]
    charset: Option<String>,

    /// ANSI colors in the terminal view.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,

    /// Server mode: deadline of each call, in seconds.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30.0)]
    timeout: f64,

    /// Server mode: compress requests.
    #[arg(long, global = true, value_enum)]
    compression: Option<CompressionArg>,

    /// Server mode with --jsonl: documents in flight on the stream.
    #[arg(long, global = true, value_name = "N", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=65536))]
    in_flight: u32,

    /// Server mode with --jsonl: use BatchAnalyzeTexts with N documents per
    /// call instead of the stream.
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=100000))]
    batch_size: Option<u32>,

    /// Embedded mode with --jsonl: worker threads (0: one per CPU, at most
    /// 8). Output order is the input order whatever the number.
    #[arg(long, global = true, value_name = "N", default_value_t = 0)]
    threads: usize,

    #[command(subcommand)]
    command: Command,
}

fn threads(n: usize) -> usize {
    if n > 0 {
        n
    } else {
        std::thread::available_parallelism().map_or(1, |p| p.get().min(8))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProfileArg {
    /// Safe for news: repairs damage, keeps typographic quotes.
    Default,
    /// ftfy 6 fix_text choices.
    Ftfy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CompressionArg {
    Gzip,
    Zstd,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Normalize, segment and tag; spans index the normalized text.
    Analyze(DocArgs),
    /// Decode and repair; list every edit.
    Normalize(DocArgs),
    /// Split into sentences (the text as given, no repair).
    Segment(DocArgs),
    /// Find hedge, pessimism and booster cues (the text as given, no repair).
    Tag(DocArgs),
    /// List the lexicons in service; `check DIR`, `explain TEXT`.
    Lexicons {
        #[command(subcommand)]
        action: Option<LexiconsAction>,
    },
    /// grpc.health.v1 check of every server endpoint (needs --server).
    Health {
        /// Service name; empty for the whole server.
        #[arg(default_value = "")]
        service: String,
    },
}

#[derive(Debug, clap::Args)]
struct DocArgs {
    /// Input files; stdin when none or `-`.
    files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum LexiconsAction {
    /// List the lexicons (the default).
    List,
    /// Validate the *.lex files of DIR (always local).
    Check {
        /// Directory of *.lex files.
        dir: PathBuf,
    },
    /// Show which entries match TEXT (always local; spans in UTF-8 bytes).
    Explain {
        /// The text.
        text: String,
    },
}

/// Options shared by the document commands.
#[derive(Debug, Clone)]
pub(crate) struct DocOptions {
    pub(crate) stage: Stage,
    /// Print the edits (normalize, analyze).
    pub(crate) edits: bool,
    pub(crate) unit: Offsets,
    pub(crate) profile: textstance_engine::Profile,
    pub(crate) lang: Option<String>,
    pub(crate) charset: Option<String>,
    pub(crate) in_flight: usize,
    pub(crate) batch_size: Option<usize>,
}

/// An error with its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Exit {
    code: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    Exit {
        code: EXIT_USAGE,
        message: message.into(),
    }
    .into()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_FAILURE),
        Err(e) => {
            if let Some(io) = e.downcast_ref::<io::Error>()
                && io.kind() == io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            let code = if let Some(x) = e.downcast_ref::<Exit>() {
                x.code
            } else if e
                .downcast_ref::<ClientError>()
                .is_some_and(ClientError::is_transport)
            {
                EXIT_UNAVAILABLE
            } else {
                EXIT_FAILURE
            };
            eprintln!("textstance: {e:#}");
            ExitCode::from(code)
        }
    }
}

fn format(cli: &Cli) -> Format {
    if cli.jsonl {
        Format::Jsonl
    } else if cli.json {
        Format::Json
    } else {
        let color = match cli.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Format::View { color }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

async fn connect(cli: &Cli, target: &str) -> anyhow::Result<Client> {
    if !(cli.timeout.is_finite() && cli.timeout > 0.0) {
        return Err(usage(format!(
            "--timeout must be positive, got {}",
            cli.timeout
        )));
    }
    let mut b = ClientBuilder::new(target)
        .request_timeout(Duration::from_secs_f64(cli.timeout))
        .stream_window(cli.in_flight as usize);
    if let Some(c) = cli.compression {
        b = b.compression(match c {
            CompressionArg::Gzip => Compression::Gzip,
            CompressionArg::Zstd => Compression::Zstd,
        });
    }
    match b.connect().await {
        Ok(c) => Ok(c),
        Err(e @ ClientError::InvalidTarget { .. }) => Err(usage(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

fn run(cli: Cli) -> anyhow::Result<bool> {
    let stdout = io::stdout();
    let out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let fmt = format(&cli);
    let stage = match &cli.command {
        Command::Analyze(_) => Some(Stage::Analyze),
        Command::Normalize(_) => Some(Stage::Normalize),
        Command::Segment(_) => Some(Stage::Segment),
        Command::Tag(_) => Some(Stage::Tag),
        _ => None,
    };
    if cli.server.is_some() && cli.lexicon_dir.is_some() && stage.is_some() {
        eprintln!("textstance: note: --lexicon-dir is ignored with --server");
    }
    match (&cli.command, stage) {
        (
            Command::Analyze(a) | Command::Normalize(a) | Command::Segment(a) | Command::Tag(a),
            Some(stage),
        ) => {
            let opts = DocOptions {
                stage,
                edits: !cli.no_edits,
                unit: cli.offsets,
                profile: match cli.profile {
                    ProfileArg::Default => textstance_engine::Profile::Default,
                    ProfileArg::Ftfy => textstance_engine::Profile::Ftfy,
                },
                lang: cli.lang.clone(),
                charset: cli.charset.clone(),
                in_flight: cli.in_flight as usize,
                batch_size: cli.batch_size.map(|n| n as usize),
            };
            if cli.jsonl && cli.charset.is_some() {
                return Err(usage(
                    "--charset does not apply to --jsonl (lines are JSON text)",
                ));
            }
            let sources = Sources::new(&a.files);
            let several = sources.paths().len() > 1;
            let mut printer = Printer::new(fmt, out, cli.offsets, several);
            let ok = match &cli.server {
                None => {
                    let lex = embedded::lexicons_for(opts.stage, cli.lexicon_dir.as_deref())?;
                    let lex = lex.as_ref();
                    if cli.jsonl {
                        embedded::run_jsonl(
                            &opts,
                            lex,
                            &sources,
                            &mut printer,
                            threads(cli.threads),
                        )?
                    } else {
                        embedded::run_docs(&opts, lex, &sources, &mut printer)?
                    }
                }
                Some(target) => runtime()?.block_on(async {
                    let client = connect(&cli, target).await?;
                    if cli.jsonl {
                        remote::run_jsonl(&client, &opts, &sources, &mut printer).await
                    } else {
                        remote::run_docs(&client, &opts, &sources, &mut printer).await
                    }
                })?,
            };
            printer.finish()?;
            Ok(ok)
        }
        (Command::Lexicons { action }, _) => run_lexicons(&cli, action.as_ref(), fmt, out),
        (Command::Health { service }, _) => {
            let Some(target) = &cli.server else {
                return Err(usage("health needs --server (or TEXTSTANCE_SERVER)"));
            };
            let mut out = out;
            let ok = runtime()?.block_on(async {
                let client = connect(&cli, target).await?;
                let results = remote::health(&client, service).await;
                let all_transport = results
                    .iter()
                    .all(|(_, r)| r.as_ref().is_err_and(ClientError::is_transport));
                if matches!(fmt, Format::View { .. }) {
                    for (ep, r) in &results {
                        match r {
                            Ok(s) => writeln!(out, "{ep}  {s}")?,
                            Err(e) => writeln!(out, "{ep}  error: {e}")?,
                        }
                    }
                } else {
                    let v: Vec<serde_json::Value> = results
                        .iter()
                        .map(|(ep, r)| match r {
                            Ok(s) => serde_json::json!({"endpoint": ep, "status": s}),
                            Err(e) => serde_json::json!({"endpoint": ep, "error": e.to_string()}),
                        })
                        .collect();
                    serde_json::to_writer_pretty(&mut out, &v)?;
                    writeln!(out)?;
                }
                out.flush()?;
                let ok = results
                    .iter()
                    .all(|(_, r)| r.as_deref().is_ok_and(|s| s == "SERVING"));
                if all_transport && let Some((_, Err(e))) = results.into_iter().next() {
                    return Err(anyhow::Error::from(e));
                }
                Ok::<bool, anyhow::Error>(ok)
            })?;
            Ok(ok)
        }
        _ => Err(usage("unknown command")),
    }
}

fn run_lexicons(
    cli: &Cli,
    action: Option<&LexiconsAction>,
    fmt: Format,
    out: impl Write,
) -> anyhow::Result<bool> {
    let mut printer = Printer::new(
        if fmt == Format::Jsonl {
            Format::Json
        } else {
            fmt
        },
        out,
        Offsets::Utf8,
        false,
    );
    let view = matches!(fmt, Format::View { .. });
    let ok = match action {
        None | Some(LexiconsAction::List) => {
            let listed = match &cli.server {
                None => {
                    let lex = embedded::load_lexicons(cli.lexicon_dir.as_deref())?;
                    lexicons::LexiconsOut::from_engine(&lex)
                }
                Some(target) => runtime()?.block_on(async {
                    let client = connect(cli, target).await?;
                    let r = client
                        .list_lexicons(textstance_client::pb::ListLexiconsRequest {})
                        .await?;
                    Ok::<_, anyhow::Error>(lexicons::LexiconsOut::from_pb(&r))
                })?,
            };
            if view {
                listed.render(printer.writer())?;
            } else {
                printer.value(&listed)?;
            }
            true
        }
        Some(LexiconsAction::Check { dir }) => {
            let checked = lexicons::check(dir)?;
            if view {
                checked.render(printer.writer())?;
            } else {
                printer.value(&checked)?;
            }
            checked.ok
        }
        Some(LexiconsAction::Explain { text }) => {
            let lex = embedded::load_lexicons(cli.lexicon_dir.as_deref())?;
            let explained = lexicons::explain(&lex, text, cli.lang.as_deref());
            if view {
                explained.render(printer.writer())?;
            } else {
                printer.value(&explained)?;
            }
            true
        }
    };
    printer.finish()?;
    Ok(ok)
}
