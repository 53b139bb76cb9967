//! Server configuration in two stages: raw flags and `TEXTSTANCE_*`
//! variables ([`Flags`] plus an environment lookup) are validated once into a
//! typed [`Config`]. Every limit the server enforces lives here.
//!
//! A flag wins over its variable, which wins over the default. Tests build a
//! [`Config`] directly or pass a map as the environment; nothing here reads
//! the process environment except [`Config::from_process`].
//!
//! ```
//! use std::collections::HashMap;
//! use textstance_server::config::Config;
//!
//! let env = HashMap::from([("TEXTSTANCE_MAX_BATCH_SIZE".to_owned(), "8".to_owned())]);
//! let config = Config::from_args(["textstance-server", "--listen", "127.0.0.1:0"], |k| {
//!     env.get(k).cloned()
//! })
//! .unwrap();
//! assert_eq!(config.max_batch_size, 8);
//! ```

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Why a configuration was refused. The message names the flag, the
/// variable and the offending value, on one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value could not be parsed or is out of range.
    #[error("invalid {flag} (env {env}) value {value:?}: {reason}")]
    Invalid {
        /// The flag, e.g. `--max-batch-size`.
        flag: &'static str,
        /// The variable, e.g. `TEXTSTANCE_MAX_BATCH_SIZE`.
        env: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two settings contradict each other.
    #[error("inconsistent configuration: {0}")]
    Inconsistent(String),
    /// The command line itself is malformed (unknown flag, missing value).
    #[error("{0}")]
    Usage(String),
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Validated server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// gRPC listen address.
    pub listen: SocketAddr,
    /// Prometheus metrics listen address; no metrics endpoint when `None`.
    pub metrics_listen: Option<SocketAddr>,
    /// Directory of `*.lex` files; the embedded lexicons when `None`.
    pub lexicon_dir: Option<PathBuf>,
    /// How often the lexicon directory is checked for changes.
    pub lexicon_poll_interval: Duration,
    /// Largest gRPC message accepted or sent, in bytes.
    pub max_message_bytes: usize,
    /// Largest document (text or raw bytes), in bytes.
    pub max_document_bytes: usize,
    /// Most requests in one BatchAnalyzeTexts call.
    pub max_batch_size: usize,
    /// Most TextService calls in flight in the process; more are shed.
    pub max_concurrency: usize,
    /// Time budget of one request (of one item, in a stream).
    pub request_timeout: Duration,
    /// Responses a stream may have computed but not yet sent.
    pub stream_buffer: usize,
    /// Documents larger than this are processed on the blocking pool.
    pub blocking_threshold_bytes: usize,
    /// Time between reporting NOT_SERVING and refusing new calls.
    pub drain_delay: Duration,
    /// Time calls in flight get to finish once draining starts.
    pub shutdown_grace: Duration,
    /// Coalesce each connection's writes (see `textstance-wire`).
    pub write_coalescing: bool,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter directives, e.g. `info` or `textstance_server=debug`.
    pub log_level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            metrics_listen: None,
            lexicon_dir: None,
            lexicon_poll_interval: Duration::from_secs(2),
            max_message_bytes: 16 << 20,
            max_document_bytes: 4 << 20,
            max_batch_size: 256,
            max_concurrency: 1024,
            request_timeout: Duration::from_secs(10),
            stream_buffer: 16,
            blocking_threshold_bytes: 64 << 10,
            drain_delay: Duration::ZERO,
            shutdown_grace: Duration::from_secs(20),
            write_coalescing: true,
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
        }
    }
}

/// Command-line flags as given, before validation. Each flag falls back to
/// its `TEXTSTANCE_*` variable, then to the default shown.
#[derive(Debug, Default, Parser)]
#[command(
    name = "textstance-server",
    version,
    about = "gRPC server of textstance: repairs, segments and stance-tags news text."
)]
pub struct Flags {
    /// gRPC listen address [env TEXTSTANCE_LISTEN; default 127.0.0.1:50051]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Prometheus metrics address; off when unset [env TEXTSTANCE_METRICS_LISTEN]
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
    /// Directory of *.lex lexicon files; embedded defaults when unset [env TEXTSTANCE_LEXICON_DIR]
    #[arg(long, value_name = "DIR")]
    pub lexicon_dir: Option<String>,
    /// How often to check the lexicon directory [env TEXTSTANCE_LEXICON_POLL_INTERVAL; default 2s]
    #[arg(long, value_name = "DURATION")]
    pub lexicon_poll_interval: Option<String>,
    /// Largest gRPC message [env TEXTSTANCE_MAX_MESSAGE_BYTES; default 16MiB]
    #[arg(long, value_name = "SIZE")]
    pub max_message_bytes: Option<String>,
    /// Largest document [env TEXTSTANCE_MAX_DOCUMENT_BYTES; default 4MiB]
    #[arg(long, value_name = "SIZE")]
    pub max_document_bytes: Option<String>,
    /// Most requests per batch [env TEXTSTANCE_MAX_BATCH_SIZE; default 256]
    #[arg(long, value_name = "N")]
    pub max_batch_size: Option<String>,
    /// Most calls in flight, process-wide; more are shed [env TEXTSTANCE_MAX_CONCURRENCY; default 1024]
    #[arg(long, value_name = "N")]
    pub max_concurrency: Option<String>,
    /// Time budget per request [env TEXTSTANCE_REQUEST_TIMEOUT; default 10s]
    #[arg(long, value_name = "DURATION")]
    pub request_timeout: Option<String>,
    /// Responses buffered per stream [env TEXTSTANCE_STREAM_BUFFER; default 16]
    #[arg(long, value_name = "N")]
    pub stream_buffer: Option<String>,
    /// Documents above this run on the blocking pool [env TEXTSTANCE_BLOCKING_THRESHOLD_BYTES; default 64KiB]
    #[arg(long, value_name = "SIZE")]
    pub blocking_threshold_bytes: Option<String>,
    /// NOT_SERVING to stop-accepting delay [env TEXTSTANCE_DRAIN_DELAY; default 0s]
    #[arg(long, value_name = "DURATION")]
    pub drain_delay: Option<String>,
    /// Time calls in flight get to finish [env TEXTSTANCE_SHUTDOWN_GRACE; default 20s]
    #[arg(long, value_name = "DURATION")]
    pub shutdown_grace: Option<String>,
    /// Coalesce each connection's writes: on or off [env TEXTSTANCE_WRITE_COALESCING; default on]
    #[arg(long, value_name = "ON|OFF")]
    pub write_coalescing: Option<String>,
    /// Log format: text or json [env TEXTSTANCE_LOG_FORMAT; default text]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or textstance_server=debug [env TEXTSTANCE_LOG_LEVEL; default info]
    #[arg(long, value_name = "FILTER")]
    pub log_level: Option<String>,
}

/// One setting's names, for messages and lookups.
struct Setting {
    flag: &'static str,
    env: &'static str,
}

macro_rules! setting {
    ($flag:literal, $env:literal) => {
        Setting {
            flag: $flag,
            env: $env,
        }
    };
}

const LISTEN: Setting = setting!("--listen", "TEXTSTANCE_LISTEN");
const METRICS_LISTEN: Setting = setting!("--metrics-listen", "TEXTSTANCE_METRICS_LISTEN");
const LEXICON_DIR: Setting = setting!("--lexicon-dir", "TEXTSTANCE_LEXICON_DIR");
const LEXICON_POLL: Setting = setting!(
    "--lexicon-poll-interval",
    "TEXTSTANCE_LEXICON_POLL_INTERVAL"
);
const MAX_MESSAGE: Setting = setting!("--max-message-bytes", "TEXTSTANCE_MAX_MESSAGE_BYTES");
const MAX_DOCUMENT: Setting = setting!("--max-document-bytes", "TEXTSTANCE_MAX_DOCUMENT_BYTES");
const MAX_BATCH: Setting = setting!("--max-batch-size", "TEXTSTANCE_MAX_BATCH_SIZE");
const MAX_CONCURRENCY: Setting = setting!("--max-concurrency", "TEXTSTANCE_MAX_CONCURRENCY");
const REQUEST_TIMEOUT: Setting = setting!("--request-timeout", "TEXTSTANCE_REQUEST_TIMEOUT");
const STREAM_BUFFER: Setting = setting!("--stream-buffer", "TEXTSTANCE_STREAM_BUFFER");
const BLOCKING_THRESHOLD: Setting = setting!(
    "--blocking-threshold-bytes",
    "TEXTSTANCE_BLOCKING_THRESHOLD_BYTES"
);
const DRAIN_DELAY: Setting = setting!("--drain-delay", "TEXTSTANCE_DRAIN_DELAY");
const SHUTDOWN_GRACE: Setting = setting!("--shutdown-grace", "TEXTSTANCE_SHUTDOWN_GRACE");
const LOG_FORMAT: Setting = setting!("--log-format", "TEXTSTANCE_LOG_FORMAT");
const WRITE_COALESCING: Setting = setting!("--write-coalescing", "TEXTSTANCE_WRITE_COALESCING");
const LOG_LEVEL: Setting = setting!("--log-level", "TEXTSTANCE_LOG_LEVEL");

impl Config {
    /// Parses the process's arguments and environment.
    pub fn from_process() -> Result<Config, ConfigError> {
        Config::from_args(std::env::args_os(), |k| std::env::var(k).ok())
    }

    /// Parses `args` (the first is the program name) with `env` as the
    /// environment.
    pub fn from_args<I, T>(
        args: I,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let flags = Flags::try_parse_from(args).map_err(|e| ConfigError::Usage(e.to_string()))?;
        Config::from_flags(flags, env)
    }

    /// Validates parsed flags with `env` as the fallback for unset flags.
    pub fn from_flags(
        flags: Flags,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let d = Config::default();
        let pick = |flag: Option<String>, s: &Setting| -> Option<String> {
            flag.or_else(|| env(s.env)).filter(|v| !v.trim().is_empty())
        };
        let listen = parse_or(pick(flags.listen, &LISTEN), &LISTEN, d.listen, parse_addr)?;
        let metrics_listen = pick(flags.metrics_listen, &METRICS_LISTEN)
            .map(|v| parse_with(&v, &METRICS_LISTEN, parse_addr))
            .transpose()?;
        let lexicon_dir = pick(flags.lexicon_dir, &LEXICON_DIR)
            .map(|v| {
                let p = PathBuf::from(v.trim());
                if p.is_dir() {
                    Ok(p)
                } else {
                    Err(invalid(&LEXICON_DIR, &v, "not a readable directory"))
                }
            })
            .transpose()?;
        let lexicon_poll_interval = parse_or(
            pick(flags.lexicon_poll_interval, &LEXICON_POLL),
            &LEXICON_POLL,
            d.lexicon_poll_interval,
            parse_positive_duration,
        )?;
        let max_message_bytes = parse_or(
            pick(flags.max_message_bytes, &MAX_MESSAGE),
            &MAX_MESSAGE,
            d.max_message_bytes,
            parse_positive_size,
        )?;
        let max_document_bytes = parse_or(
            pick(flags.max_document_bytes, &MAX_DOCUMENT),
            &MAX_DOCUMENT,
            d.max_document_bytes,
            parse_positive_size,
        )?;
        let max_batch_size = parse_or(
            pick(flags.max_batch_size, &MAX_BATCH),
            &MAX_BATCH,
            d.max_batch_size,
            parse_positive_count,
        )?;
        let max_concurrency = parse_or(
            pick(flags.max_concurrency, &MAX_CONCURRENCY),
            &MAX_CONCURRENCY,
            d.max_concurrency,
            parse_positive_count,
        )?;
        let request_timeout = parse_or(
            pick(flags.request_timeout, &REQUEST_TIMEOUT),
            &REQUEST_TIMEOUT,
            d.request_timeout,
            parse_positive_duration,
        )?;
        let stream_buffer = parse_or(
            pick(flags.stream_buffer, &STREAM_BUFFER),
            &STREAM_BUFFER,
            d.stream_buffer,
            parse_positive_count,
        )?;
        let blocking_threshold_bytes = parse_or(
            pick(flags.blocking_threshold_bytes, &BLOCKING_THRESHOLD),
            &BLOCKING_THRESHOLD,
            d.blocking_threshold_bytes,
            parse_size,
        )?;
        let drain_delay = parse_or(
            pick(flags.drain_delay, &DRAIN_DELAY),
            &DRAIN_DELAY,
            d.drain_delay,
            parse_duration,
        )?;
        let shutdown_grace = parse_or(
            pick(flags.shutdown_grace, &SHUTDOWN_GRACE),
            &SHUTDOWN_GRACE,
            d.shutdown_grace,
            parse_duration,
        )?;
        let write_coalescing = parse_or(
            pick(flags.write_coalescing, &WRITE_COALESCING),
            &WRITE_COALESCING,
            d.write_coalescing,
            |v| match v.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "1" => Ok(true),
                "off" | "false" | "0" => Ok(false),
                _ => Err("expected on or off".to_owned()),
            },
        )?;
        let log_format = parse_or(
            pick(flags.log_format, &LOG_FORMAT),
            &LOG_FORMAT,
            d.log_format,
            |v| match v.trim().to_ascii_lowercase().as_str() {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                _ => Err("expected text or json".to_owned()),
            },
        )?;
        let log_level = parse_or(
            pick(flags.log_level, &LOG_LEVEL),
            &LOG_LEVEL,
            d.log_level,
            |v| {
                tracing_subscriber::EnvFilter::try_new(v.trim())
                    .map(|_| v.trim().to_owned())
                    .map_err(|e| e.to_string())
            },
        )?;
        let config = Config {
            listen,
            metrics_listen,
            lexicon_dir,
            lexicon_poll_interval,
            max_message_bytes,
            max_document_bytes,
            max_batch_size,
            max_concurrency,
            request_timeout,
            stream_buffer,
            blocking_threshold_bytes,
            drain_delay,
            shutdown_grace,
            write_coalescing,
            log_format,
            log_level,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the relations between settings. [`Config::from_flags`] calls
    /// it; call it yourself on a hand-built `Config`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_document_bytes > self.max_message_bytes {
            return Err(ConfigError::Inconsistent(format!(
                "--max-document-bytes ({}) exceeds --max-message-bytes ({})",
                self.max_document_bytes, self.max_message_bytes
            )));
        }
        if self.max_message_bytes > u32::MAX as usize {
            return Err(ConfigError::Inconsistent(
                "--max-message-bytes must be below 4GiB".to_owned(),
            ));
        }
        for (name, v) in [
            ("--max-batch-size", self.max_batch_size),
            ("--max-concurrency", self.max_concurrency),
            ("--stream-buffer", self.stream_buffer),
            ("--max-document-bytes", self.max_document_bytes),
        ] {
            if v == 0 {
                return Err(ConfigError::Inconsistent(format!(
                    "{name} must be at least 1"
                )));
            }
        }
        if self.drain_delay >= self.shutdown_grace {
            return Err(ConfigError::Inconsistent(format!(
                "--drain-delay ({:?}) must be shorter than --shutdown-grace ({:?}), which counts from the signal",
                self.drain_delay, self.shutdown_grace
            )));
        }
        if self.request_timeout.is_zero() || self.lexicon_poll_interval.is_zero() {
            return Err(ConfigError::Inconsistent(
                "--request-timeout and --lexicon-poll-interval must be positive".to_owned(),
            ));
        }
        Ok(())
    }
}

fn invalid(s: &Setting, value: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        flag: s.flag,
        env: s.env,
        value: value.to_owned(),
        reason: reason.into(),
    }
}

fn parse_with<T>(
    value: &str,
    s: &Setting,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    parse(value).map_err(|reason| invalid(s, value, reason))
}

fn parse_or<T>(
    value: Option<String>,
    s: &Setting,
    default: T,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    match value {
        Some(v) => parse_with(&v, s, parse),
        None => Ok(default),
    }
}

fn parse_addr(v: &str) -> Result<SocketAddr, String> {
    v.trim()
        .parse()
        .map_err(|_| "expected IP:PORT, e.g. 127.0.0.1:50051".to_owned())
}

fn parse_positive_count(v: &str) -> Result<usize, String> {
    match v.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err("expected a whole number".to_owned()),
    }
}

fn parse_positive_size(v: &str) -> Result<usize, String> {
    match parse_size(v)? {
        0 => Err("must be at least 1 byte".to_owned()),
        n => Ok(n),
    }
}

fn parse_positive_duration(v: &str) -> Result<Duration, String> {
    let d = parse_duration(v)?;
    if d.is_zero() {
        return Err("must be positive".to_owned());
    }
    Ok(d)
}

/// Parses a byte size: a whole number with an optional unit `B`, `KiB`,
/// `MiB`, `GiB` (powers of 1024) or `KB`, `MB`, `GB` (powers of 1000);
/// units are case-insensitive.
pub fn parse_size(v: &str) -> Result<usize, String> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| "expected a size such as 65536, 64KiB or 16MiB".to_owned())?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    n.checked_mul(mult)
        .and_then(|b| usize::try_from(b).ok())
        .ok_or_else(|| "size too large".to_owned())
}

/// Parses a duration: a number (decimals allowed) with a unit `ns`, `us`,
/// `ms`, `s`, `m` or `h`; a bare `0` is zero.
pub fn parse_duration(v: &str) -> Result<Duration, String> {
    let v = v.trim();
    if v == "0" {
        return Ok(Duration::ZERO);
    }
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| "missing unit (use ms, s, m or h), e.g. 10s".to_owned())?;
    let (num, unit) = v.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| "expected a duration such as 500ms, 10s or 2m".to_owned())?;
    let secs = match unit.trim() {
        "ns" => n / 1e9,
        "us" | "µs" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?} (use ns, us, ms, s, m, h)"
            ));
        }
    };
    Duration::try_from_secs_f64(secs).map_err(|_| "duration out of range".to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(args: &[&str], env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut argv = vec!["textstance-server"];
        argv.extend_from_slice(args);
        Config::from_args(argv, |k| env.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[], &[]).expect("defaults are valid");
        assert_eq!(c.listen.to_string(), "127.0.0.1:50051");
        assert_eq!(c.max_message_bytes, 16 << 20);
        assert_eq!(c.max_document_bytes, 4 << 20);
        assert_eq!(c.max_batch_size, 256);
        assert_eq!(c.request_timeout, Duration::from_secs(10));
        assert_eq!(c.stream_buffer, 16);
        assert_eq!(c.blocking_threshold_bytes, 64 << 10);
        assert_eq!(c.drain_delay, Duration::ZERO);
        assert_eq!(c.shutdown_grace, Duration::from_secs(20));
        assert_eq!(c.lexicon_poll_interval, Duration::from_secs(2));
        assert!(c.metrics_listen.is_none() && c.lexicon_dir.is_none());
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(c.write_coalescing);
    }

    #[test]
    fn flag_beats_env_beats_default() {
        let c = config(
            &["--max-batch-size", "3"],
            &[
                ("TEXTSTANCE_MAX_BATCH_SIZE", "9"),
                ("TEXTSTANCE_REQUEST_TIMEOUT", "250ms"),
                ("TEXTSTANCE_LOG_FORMAT", "JSON"),
                ("TEXTSTANCE_METRICS_LISTEN", "127.0.0.1:9100"),
                ("TEXTSTANCE_WRITE_COALESCING", "Off"),
            ],
        )
        .expect("valid");
        assert!(!c.write_coalescing);
        assert_eq!(c.max_batch_size, 3);
        assert_eq!(c.request_timeout, Duration::from_millis(250));
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9100));
    }

    #[test]
    fn bad_values_name_flag_env_and_value() {
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case<'_>] = &[
            (
                &["--listen", "nowhere"],
                &[],
                "--listen (env TEXTSTANCE_LISTEN) value \"nowhere\"",
            ),
            (
                &[],
                &[("TEXTSTANCE_MAX_BATCH_SIZE", "0")],
                "--max-batch-size",
            ),
            (
                &[],
                &[("TEXTSTANCE_MAX_CONCURRENCY", "-1")],
                "--max-concurrency",
            ),
            (&["--max-message-bytes", "12XB"], &[], "unknown size unit"),
            (&["--request-timeout", "10"], &[], "missing unit"),
            (&["--request-timeout", "0s"], &[], "must be positive"),
            (&["--log-format", "xml"], &[], "expected text or json"),
            (&["--write-coalescing", "maybe"], &[], "expected on or off"),
            (
                &["--lexicon-dir", "/definitely/not/here"],
                &[],
                "not a readable directory",
            ),
            (
                &[
                    "--max-document-bytes",
                    "32MiB",
                    "--max-message-bytes",
                    "16MiB",
                ],
                &[],
                "exceeds --max-message-bytes",
            ),
            (&["--no-such-flag"], &[], "--no-such-flag"),
        ];
        for (args, env, want) in cases {
            let err = config(args, env).expect_err("must be refused").to_string();
            assert!(err.contains(want), "{args:?} {env:?}: {err}");
            assert!(
                !err.trim_end().contains('\n') || err.contains("Usage"),
                "{err}"
            );
        }
    }

    #[test]
    fn sizes_and_durations() {
        let sizes = [
            ("65536", 65536),
            ("64KiB", 65536),
            ("16MiB", 16 << 20),
            ("2kb", 2000),
            ("1 GiB", 1 << 30),
        ];
        for (v, want) in sizes {
            assert_eq!(parse_size(v), Ok(want), "{v}");
        }
        let durations = [
            ("0", Duration::ZERO),
            ("500ms", Duration::from_millis(500)),
            ("1.5s", Duration::from_millis(1500)),
            ("2m", Duration::from_secs(120)),
            ("250us", Duration::from_micros(250)),
        ];
        for (v, want) in durations {
            assert_eq!(parse_duration(v), Ok(want), "{v}");
        }
        assert!(parse_size("-1").is_err());
        assert!(parse_duration("s").is_err());
    }
}
