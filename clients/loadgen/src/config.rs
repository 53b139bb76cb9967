//! Run settings: a ghz JSON config merged with ghz-named command-line flags,
//! validated into [`Settings`].
//!
//! Two stages, as in the house style: [`Flags`] (raw clap flags) plus the raw
//! JSON object of a config file go through [`Settings::resolve`], which applies
//! ghz's defaults, lets every flag that was given override its config key, and
//! checks the combination. Keys ghz knows but this tool does not implement, and
//! keys nobody knows, become warnings (the caller prints them on stderr); they
//! never change the run. This module does no network I/O; it reads the config,
//! data and metadata files it is pointed at.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use serde_json::{Map, Value};

use crate::duration::parse_go_duration;

/// ghz's default request count when neither `total` nor `duration` is set.
pub const DEFAULT_TOTAL: u64 = 200;
/// ghz's default number of concurrent workers.
pub const DEFAULT_CONCURRENCY: usize = 50;
/// ghz's default per-call timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// ghz's default connection timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Command-line flags, named as ghz names them. Every flag that is given
/// overrides the config file's key of the same name.
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "textstance-loadgen",
    version,
    about = "Load generator for gRPC services: reads ghz configs, prints ghz reports.",
    args_override_self = true
)]
pub struct Flags {
    /// Path to a ghz JSON config file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The .proto file to compile (with protox) instead of server reflection.
    #[arg(long)]
    pub proto: Option<PathBuf>,
    /// Comma-separated proto import paths.
    #[arg(short = 'i', long = "import-paths", value_delimiter = ',')]
    pub import_paths: Option<Vec<PathBuf>>,
    /// Fully-qualified method: `package.Service/Method` or `package.Service.Method`.
    #[arg(long)]
    pub call: Option<String>,
    /// Use plaintext (the only transport this tool supports).
    #[arg(long)]
    pub insecure: bool,
    /// Requests per second for the const load schedule; 0 means no limit.
    #[arg(short = 'r', long)]
    pub rps: Option<u64>,
    /// Load schedule: const, step or line.
    #[arg(long = "load-schedule")]
    pub load_schedule: Option<String>,
    /// Start RPS of the step and line schedules.
    #[arg(long = "load-start")]
    pub load_start: Option<u64>,
    /// RPS change per step (step) or per second (line); may be negative.
    #[arg(long = "load-step", allow_hyphen_values = true)]
    pub load_step: Option<i64>,
    /// End RPS of the step and line schedules; 0 means none.
    #[arg(long = "load-end")]
    pub load_end: Option<u64>,
    /// Duration of one step of the step schedule (e.g. `5s`).
    #[arg(long = "load-step-duration")]
    pub load_step_duration: Option<String>,
    /// How long the step or line schedule keeps changing the rate.
    #[arg(long = "load-max-duration")]
    pub load_max_duration: Option<String>,
    /// Number of concurrent workers.
    #[arg(short = 'c', long)]
    pub concurrency: Option<usize>,
    /// Number of connections; workers are spread evenly over them.
    #[arg(long)]
    pub connections: Option<usize>,
    /// Number of requests to run; ignored when a duration is given.
    #[arg(short = 'n', long)]
    pub total: Option<u64>,
    /// Timeout of each call (e.g. `20s`); 0 means none.
    #[arg(short = 't', long)]
    pub timeout: Option<String>,
    /// How long to send requests (e.g. `10s`); overrides total.
    #[arg(short = 'z', long)]
    pub duration: Option<String>,
    /// Maximum run time when running a total.
    #[arg(short = 'x', long = "max-duration")]
    pub max_duration: Option<String>,
    /// Call data as JSON (object or array); `@` reads stdin.
    #[arg(short = 'd', long)]
    pub data: Option<String>,
    /// File holding the call data as JSON.
    #[arg(short = 'D', long = "data-file")]
    pub data_file: Option<PathBuf>,
    /// Request metadata as a JSON object of strings.
    #[arg(short = 'm', long)]
    pub metadata: Option<String>,
    /// File holding the request metadata as JSON.
    #[arg(short = 'M', long = "metadata-file")]
    pub metadata_file: Option<PathBuf>,
    /// Metadata for the reflection requests, as a JSON object of strings.
    #[arg(long = "reflect-metadata")]
    pub reflect_metadata: Option<String>,
    /// Timeout of the initial connection (e.g. `10s`).
    #[arg(long = "connect-timeout")]
    pub connect_timeout: Option<String>,
    /// Output format: summary, json or pretty.
    #[arg(short = 'O', long)]
    pub format: Option<String>,
    /// Output file; stdout when absent.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Name of the run, copied into the report.
    #[arg(long)]
    pub name: Option<String>,
    /// Leave the first N calls out of the report.
    #[arg(long = "skipFirst")]
    pub skip_first: Option<u64>,
    /// Host and port to test, e.g. `127.0.0.1:50051`.
    pub host: Option<String>,
}

/// A configuration problem: the run does not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config, data or metadata file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file or flag did not hold valid JSON.
    #[error("{what} is not valid JSON: {source}")]
    Json {
        /// Which input.
        what: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A key or flag has a value of the wrong type or out of range.
    #[error("invalid {key}: {reason}")]
    Invalid {
        /// The config key (ghz's name).
        key: &'static str,
        /// What is wrong, with the offending value.
        reason: String,
    },
    /// A required setting is missing.
    #[error("missing {0}")]
    Missing(&'static str),
}

/// How the run picks the pace of calls.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadSpec {
    /// Closed loop: each worker sends its next call when the previous ends.
    Unlimited,
    /// A constant rate, in requests per second.
    Const {
        /// Requests per second.
        rps: f64,
    },
    /// A rate that changes by `step` every `step_duration`.
    Step {
        /// First rate.
        start: f64,
        /// Change per step; may be negative.
        step: f64,
        /// The rate stops changing here (`None`: no end).
        end: Option<f64>,
        /// Length of one step.
        step_duration: Duration,
        /// The rate stops changing after this long (`None`: no limit).
        max_duration: Option<Duration>,
    },
    /// A rate that changes by `slope` requests per second every second.
    Line {
        /// First rate.
        start: f64,
        /// Change per second; may be negative.
        slope: f64,
        /// The rate stops changing here (`None`: no end).
        end: Option<f64>,
        /// The rate stops changing after this long (`None`: no limit).
        max_duration: Option<Duration>,
    },
}

/// Output format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ghz's human summary.
    Summary,
    /// ghz's JSON report on one line.
    Json,
    /// ghz's JSON report, indented.
    Pretty,
}

/// When the run stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this many calls, or after `max_duration`, whichever comes first.
    Total {
        /// Number of calls.
        total: u64,
        /// Time limit.
        max_duration: Option<Duration>,
    },
    /// After this long; calls in flight at the end are finished and counted.
    Duration(Duration),
}

/// Validated settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Fully-qualified service name, e.g. `textstance.v1.TextService`.
    pub service: String,
    /// Method name, e.g. `AnalyzeText`.
    pub method: String,
    /// Target, `host:port`.
    pub host: String,
    /// Proto file to compile; server reflection when `None`.
    pub proto: Option<PathBuf>,
    /// Import paths for `proto`.
    pub import_paths: Vec<PathBuf>,
    /// Call data: an object, or an array of objects.
    pub data: Value,
    /// Request metadata.
    pub metadata: BTreeMap<String, String>,
    /// Metadata of the reflection requests.
    pub reflect_metadata: BTreeMap<String, String>,
    /// Number of workers.
    pub concurrency: usize,
    /// Number of connections.
    pub connections: usize,
    /// When to stop.
    pub stop: Stop,
    /// Pace of calls.
    pub load: LoadSpec,
    /// Per-call timeout; `None` is no timeout.
    pub timeout: Option<Duration>,
    /// Timeout of the initial connection.
    pub connect_timeout: Duration,
    /// Plaintext connection.
    pub insecure: bool,
    /// Report format.
    pub format: Format,
    /// Report file; stdout when `None`.
    pub output: Option<PathBuf>,
    /// Name of the run.
    pub name: Option<String>,
    /// Calls left out of the report at the start.
    pub skip_first: u64,
    /// The raw load-schedule values, echoed in the report's options.
    pub echo: OptionsEcho,
}

/// Settings echoed into the JSON report's `options`, as ghz names them.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct OptionsEcho {
    /// `package.Service.Method`.
    pub call: String,
    /// Target.
    pub host: String,
    /// Proto file.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub proto: String,
    /// Import paths.
    #[serde(rename = "import-paths", skip_serializing_if = "Vec::is_empty")]
    pub import_paths: Vec<String>,
    /// Plaintext.
    pub insecure: bool,
    /// Const-schedule RPS.
    #[serde(skip_serializing_if = "is_zero")]
    pub rps: u64,
    /// Load schedule name.
    #[serde(rename = "load-schedule")]
    pub load_schedule: String,
    /// Load start.
    #[serde(rename = "load-start")]
    pub load_start: u64,
    /// Load end.
    #[serde(rename = "load-end")]
    pub load_end: u64,
    /// Load step.
    #[serde(rename = "load-step")]
    pub load_step: i64,
    /// Step duration in nanoseconds.
    #[serde(rename = "load-step-duration")]
    pub load_step_duration: u64,
    /// Max load duration in nanoseconds.
    #[serde(rename = "load-max-duration")]
    pub load_max_duration: u64,
    /// Workers.
    pub concurrency: usize,
    /// Total calls (0 with a duration).
    #[serde(skip_serializing_if = "is_zero")]
    pub total: u64,
    /// Connections.
    pub connections: usize,
    /// Run duration in nanoseconds.
    #[serde(skip_serializing_if = "is_zero")]
    pub duration: u64,
    /// Per-call timeout in nanoseconds.
    #[serde(skip_serializing_if = "is_zero")]
    pub timeout: u64,
    /// Dial timeout in nanoseconds.
    #[serde(rename = "dial-timeout")]
    pub dial_timeout: u64,
    /// Call data.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub data: Value,
    /// Metadata.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Name of the run.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Skipped calls.
    #[serde(rename = "skipFirst", skip_serializing_if = "is_zero")]
    pub skip_first: u64,
}

fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Config keys this tool implements.
const SUPPORTED_KEYS: &[&str] = &[
    "proto",
    "import-paths",
    "call",
    "host",
    "insecure",
    "rps",
    "load-schedule",
    "load-start",
    "load-step",
    "load-end",
    "load-step-duration",
    "load-max-duration",
    "concurrency",
    "connections",
    "total",
    "timeout",
    "duration",
    "max-duration",
    "data",
    "data-file",
    "metadata",
    "metadata-file",
    "reflect-metadata",
    "connect-timeout",
    "format",
    "output",
    "name",
    "skipFirst",
];

/// Config keys ghz knows and this tool ignores (with a warning).
const GHZ_ONLY_KEYS: &[&str] = &[
    "protoset",
    "cacert",
    "cert",
    "key",
    "skipTLS",
    "cname",
    "authority",
    "async",
    "concurrency-schedule",
    "concurrency-start",
    "concurrency-end",
    "concurrency-step",
    "concurrency-step-duration",
    "concurrency-max-duration",
    "duration-stop",
    "binary-file",
    "stream-interval",
    "stream-call-duration",
    "stream-call-count",
    "stream-dynamic-messages",
    "keepalive",
    "cpus",
    "tags",
    "debug",
    "enable-compression",
    "lb-strategy",
    "count-errors",
    "qps",
];

/// Reads a config file into its raw JSON object.
pub fn read_config_file(path: &Path) -> Result<Map<String, Value>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    match serde_json::from_str(&text).map_err(|source| ConfigError::Json {
        what: path.display().to_string(),
        source,
    })? {
        Value::Object(map) => Ok(map),
        _ => Err(ConfigError::Invalid {
            key: "config",
            reason: format!("{} must hold a JSON object", path.display()),
        }),
    }
}

/// Typed access to the raw config object.
struct Raw<'a> {
    map: &'a Map<String, Value>,
}

impl Raw<'_> {
    fn str(&self, key: &'static str) -> Result<Option<String>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(invalid(key, format!("expected a string, got {other}"))),
        }
    }

    fn uint(&self, key: &'static str) -> Result<Option<u64>, ConfigError> {
        self.number(key, Value::as_u64, "a non-negative integer")
    }

    fn int(&self, key: &'static str) -> Result<Option<i64>, ConfigError> {
        self.number(key, Value::as_i64, "an integer")
    }

    /// A number `get` accepts, or an error naming `what` was expected.
    fn number<T>(
        &self,
        key: &'static str,
        get: fn(&Value) -> Option<T>,
        what: &str,
    ) -> Result<Option<T>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => get(v)
                .map(Some)
                .ok_or_else(|| invalid(key, format!("expected {what}, got {v}"))),
        }
    }

    fn bool(&self, key: &'static str) -> Result<Option<bool>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(invalid(key, format!("expected true or false, got {other}"))),
        }
    }

    /// A duration is a Go duration string, or a number of nanoseconds.
    fn duration_text(&self, key: &'static str) -> Result<Option<String>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(0) => Ok(Some("0".to_owned())),
                Some(ns) => Ok(Some(format!("{ns}ns"))),
                None => Err(invalid(key, format!("expected a duration, got {n}"))),
            },
            Some(other) => Err(invalid(key, format!("expected a duration, got {other}"))),
        }
    }

    fn string_map(
        &self,
        key: &'static str,
    ) -> Result<Option<BTreeMap<String, String>>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => string_map(key, v).map(Some),
        }
    }

    fn paths(&self, key: &'static str) -> Result<Option<Vec<PathBuf>>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(PathBuf::from(s)),
                    other => Err(invalid(key, format!("expected strings, got {other}"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::String(s)) => Ok(Some(s.split(',').map(PathBuf::from).collect())),
            Some(other) => Err(invalid(
                key,
                format!("expected a list of paths, got {other}"),
            )),
        }
    }
}

fn invalid(key: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { key, reason }
}

fn string_map(key: &'static str, v: &Value) -> Result<BTreeMap<String, String>, ConfigError> {
    let Value::Object(obj) = v else {
        return Err(invalid(
            key,
            format!("expected an object of strings, got {v}"),
        ));
    };
    obj.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            other => Err(invalid(
                key,
                format!("value of {k:?} must be a string, got {other}"),
            )),
        })
        .collect()
}

fn parse_json(what: &str, text: &str) -> Result<Value, ConfigError> {
    serde_json::from_str(text).map_err(|source| ConfigError::Json {
        what: what.to_owned(),
        source,
    })
}

fn duration(key: &'static str, text: Option<String>) -> Result<Option<Duration>, ConfigError> {
    text.map(|t| parse_go_duration(&t).map_err(|e| invalid(key, e.to_string())))
        .transpose()
}

/// Finds a file named in a config: as given (relative to the working
/// directory) first, then relative to the config file's directory.
fn locate(path: &Path, config_dir: Option<&Path>) -> PathBuf {
    if path.is_absolute() || path.exists() {
        return path.to_owned();
    }
    match config_dir {
        Some(dir) if dir.join(path).exists() => dir.join(path),
        _ => path.to_owned(),
    }
}

fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Splits `package.Service/Method` or `package.Service.Method`.
pub fn split_call(call: &str) -> Option<(String, String)> {
    let call = call.trim().trim_start_matches('/');
    let (service, method) = match call.rsplit_once('/') {
        Some(parts) => parts,
        None => call.rsplit_once('.')?,
    };
    if service.is_empty() || method.is_empty() || method.contains('.') {
        return None;
    }
    Some((service.to_owned(), method.to_owned()))
}

fn check_data(data: &Value) -> Result<(), ConfigError> {
    match data {
        Value::Object(_) => Ok(()),
        Value::Array(items) if items.is_empty() => Err(invalid(
            "data",
            "the data array must not be empty".to_owned(),
        )),
        Value::Array(items) if items.iter().all(Value::is_object) => Ok(()),
        Value::Array(_) => Err(invalid(
            "data",
            "every element of the data array must be an object".to_owned(),
        )),
        other => Err(invalid(
            "data",
            format!("expected an object or an array of objects, got {other}"),
        )),
    }
}

impl Settings {
    /// Merges a raw config object (may be empty) with flags; flags win.
    /// `config_dir` is the config file's directory, for relative file paths.
    /// Returns the settings and the warnings to print.
    pub fn resolve(
        config: &Map<String, Value>,
        config_dir: Option<&Path>,
        flags: &Flags,
    ) -> Result<(Settings, Vec<String>), ConfigError> {
        let mut warnings = Vec::new();
        for key in config.keys() {
            if GHZ_ONLY_KEYS.contains(&key.as_str()) {
                warnings.push(format!(
                    "config key {key:?} is not supported by textstance-loadgen; ignored"
                ));
            } else if !SUPPORTED_KEYS.contains(&key.as_str()) {
                warnings.push(format!("unknown config key {key:?}; ignored"));
            }
        }
        let raw = Raw { map: config };

        let call = flags
            .call
            .clone()
            .or(raw.str("call")?)
            .ok_or(ConfigError::Missing("call"))?;
        let (service, method) = split_call(&call).ok_or_else(|| {
            invalid(
                "call",
                format!("{call:?} is not of the form package.Service/Method"),
            )
        })?;
        let host = flags
            .host
            .clone()
            .or(raw.str("host")?)
            .ok_or(ConfigError::Missing("host"))?;
        let insecure = flags.insecure || raw.bool("insecure")?.unwrap_or(false);
        if !insecure {
            return Err(invalid(
                "insecure",
                "TLS is not supported; set \"insecure\": true or pass --insecure for plaintext"
                    .to_owned(),
            ));
        }

        let proto = match (&flags.proto, raw.str("proto")?) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => Some(locate(Path::new(&p), config_dir)),
            (None, None) => None,
        };
        let import_paths = match (&flags.import_paths, raw.paths("import-paths")?) {
            (Some(p), _) => p.clone(),
            (None, Some(p)) => p.iter().map(|p| locate(p, config_dir)).collect(),
            (None, None) => Vec::new(),
        };

        // Data: a flag (-d or -D) replaces both config keys.
        let data = if let Some(text) = &flags.data {
            if text == "@" {
                let mut buf = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf).map_err(
                    |source| ConfigError::Read {
                        path: PathBuf::from("<stdin>"),
                        source,
                    },
                )?;
                parse_json("stdin data", &buf)?
            } else {
                parse_json("--data", text)?
            }
        } else if let Some(path) = &flags.data_file {
            parse_json(&path.display().to_string(), &read_file(path)?)?
        } else if let Some(v) = config.get("data").filter(|v| !v.is_null()) {
            v.clone()
        } else if let Some(p) = raw.str("data-file")? {
            let path = locate(Path::new(&p), config_dir);
            parse_json(&path.display().to_string(), &read_file(&path)?)?
        } else {
            Value::Object(Map::new())
        };
        check_data(&data)?;
        if data.to_string().contains("{{") {
            warnings
                .push("call data templates ({{...}}) are not expanded; sent literally".to_owned());
        }

        let metadata = if let Some(text) = &flags.metadata {
            string_map("metadata", &parse_json("--metadata", text)?)?
        } else if let Some(path) = &flags.metadata_file {
            string_map(
                "metadata",
                &parse_json(&path.display().to_string(), &read_file(path)?)?,
            )?
        } else if let Some(m) = raw.string_map("metadata")? {
            m
        } else if let Some(p) = raw.str("metadata-file")? {
            let path = locate(Path::new(&p), config_dir);
            string_map(
                "metadata",
                &parse_json(&path.display().to_string(), &read_file(&path)?)?,
            )?
        } else {
            BTreeMap::new()
        };
        let reflect_metadata = match &flags.reflect_metadata {
            Some(text) => string_map("reflect-metadata", &parse_json("--reflect-metadata", text)?)?,
            None => raw.string_map("reflect-metadata")?.unwrap_or_default(),
        };

        let concurrency = match flags.concurrency {
            Some(c) => c,
            None => raw
                .uint("concurrency")?
                .map_or(DEFAULT_CONCURRENCY, |c| c as usize),
        };
        if concurrency == 0 {
            return Err(invalid("concurrency", "must be at least 1".to_owned()));
        }
        let connections = match flags.connections {
            Some(c) => c,
            None => raw.uint("connections")?.map_or(1, |c| c as usize),
        };
        if connections == 0 || connections > concurrency {
            return Err(invalid(
                "connections",
                format!("{connections} must be between 1 and the concurrency ({concurrency})"),
            ));
        }

        let run_duration = duration(
            "duration",
            flags.duration.clone().or(raw.duration_text("duration")?),
        )?
        .filter(|d| !d.is_zero());
        let total = flags.total.or(raw.uint("total")?);
        let max_duration = duration(
            "max-duration",
            flags
                .max_duration
                .clone()
                .or(raw.duration_text("max-duration")?),
        )?
        .filter(|d| !d.is_zero());
        let stop = match run_duration {
            Some(d) => Stop::Duration(d),
            None => {
                let total = total.unwrap_or(DEFAULT_TOTAL);
                if total == 0 {
                    return Err(invalid("total", "must be at least 1".to_owned()));
                }
                if (total as usize) < concurrency {
                    return Err(invalid(
                        "total",
                        format!("{total} cannot be less than the concurrency ({concurrency})"),
                    ));
                }
                Stop::Total {
                    total,
                    max_duration,
                }
            }
        };

        let timeout = duration(
            "timeout",
            flags.timeout.clone().or(raw.duration_text("timeout")?),
        )?
        .unwrap_or(DEFAULT_TIMEOUT);
        let timeout = (!timeout.is_zero()).then_some(timeout);
        let connect_timeout = duration(
            "connect-timeout",
            flags
                .connect_timeout
                .clone()
                .or(raw.duration_text("connect-timeout")?),
        )?
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT);

        let format_name = flags
            .format
            .clone()
            .or(raw.str("format")?)
            .unwrap_or_else(|| "summary".to_owned());
        let format = match format_name.as_str() {
            "summary" | "" => Format::Summary,
            "json" => Format::Json,
            "pretty" => Format::Pretty,
            other => {
                return Err(invalid(
                    "format",
                    format!("{other:?} is not one of summary, json, pretty"),
                ));
            }
        };

        // Load schedule.
        let schedule = flags
            .load_schedule
            .clone()
            .or(raw.str("load-schedule")?)
            .unwrap_or_else(|| "const".to_owned());
        let rps = flags.rps.or(raw.uint("rps")?).unwrap_or(0);
        let load_start = flags.load_start.or(raw.uint("load-start")?).unwrap_or(0);
        let load_step = flags.load_step.or(raw.int("load-step")?).unwrap_or(0);
        let load_end = flags.load_end.or(raw.uint("load-end")?).unwrap_or(0);
        let load_step_duration = duration(
            "load-step-duration",
            flags
                .load_step_duration
                .clone()
                .or(raw.duration_text("load-step-duration")?),
        )?
        .unwrap_or(Duration::ZERO);
        let load_max_duration = duration(
            "load-max-duration",
            flags
                .load_max_duration
                .clone()
                .or(raw.duration_text("load-max-duration")?),
        )?
        .unwrap_or(Duration::ZERO);
        let load = load_spec(
            &schedule,
            rps,
            load_start,
            load_step,
            load_end,
            load_step_duration,
            load_max_duration,
        )?;

        let output = flags
            .output
            .clone()
            .or(raw.str("output")?.map(PathBuf::from));
        let name = flags.name.clone().or(raw.str("name")?);
        let skip_first = flags.skip_first.or(raw.uint("skipFirst")?).unwrap_or(0);

        let echo = OptionsEcho {
            call: format!("{service}.{method}"),
            host: host.clone(),
            proto: proto
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            import_paths: import_paths
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            insecure,
            rps,
            load_schedule: schedule,
            load_start,
            load_end,
            load_step,
            load_step_duration: load_step_duration.as_nanos() as u64,
            load_max_duration: load_max_duration.as_nanos() as u64,
            concurrency,
            total: match stop {
                Stop::Total { total, .. } => total,
                Stop::Duration(_) => 0,
            },
            connections,
            duration: match stop {
                Stop::Duration(d) => d.as_nanos() as u64,
                Stop::Total { .. } => 0,
            },
            timeout: timeout.map_or(0, |t| t.as_nanos() as u64),
            dial_timeout: connect_timeout.as_nanos() as u64,
            data: data.clone(),
            metadata: metadata.clone(),
            name: name.clone().unwrap_or_default(),
            skip_first,
        };

        Ok((
            Settings {
                service,
                method,
                host,
                proto,
                import_paths,
                data,
                metadata,
                reflect_metadata,
                concurrency,
                connections,
                stop,
                load,
                timeout,
                connect_timeout,
                insecure,
                format,
                output,
                name,
                skip_first,
                echo,
            },
            warnings,
        ))
    }
}

fn load_spec(
    schedule: &str,
    rps: u64,
    start: u64,
    step: i64,
    end: u64,
    step_duration: Duration,
    max_duration: Duration,
) -> Result<LoadSpec, ConfigError> {
    let end_opt = (end > 0).then_some(end as f64);
    let max_opt = (!max_duration.is_zero()).then_some(max_duration);
    match schedule {
        "const" | "" => Ok(if rps == 0 {
            LoadSpec::Unlimited
        } else {
            LoadSpec::Const { rps: rps as f64 }
        }),
        "step" | "line" => {
            if step == 0 {
                return Err(invalid(
                    "load-step",
                    format!("a {schedule} schedule needs a non-zero load-step"),
                ));
            }
            if step < 0 && end_opt.is_none() && max_opt.is_none() {
                return Err(invalid(
                    "load-end",
                    format!("a decreasing {schedule} schedule needs load-end or load-max-duration"),
                ));
            }
            if let Some(e) = end_opt
                && ((step > 0 && e < start as f64) || (step < 0 && e > start as f64))
            {
                return Err(invalid(
                    "load-end",
                    format!("{end} is not reachable from load-start {start} with load-step {step}"),
                ));
            }
            if step < 0 && end_opt.is_none() {
                // Only max-duration bounds the fall: the rate must stay above 0.
                let secs = max_duration.as_secs_f64();
                let changes = if schedule == "step" && !step_duration.is_zero() {
                    (secs / step_duration.as_secs_f64()).floor()
                } else {
                    secs
                };
                if start as f64 + step as f64 * changes <= 0.0 {
                    return Err(invalid(
                        "load-max-duration",
                        format!("the {schedule} schedule would fall to 0 rps before it ends"),
                    ));
                }
            }
            if schedule == "step" {
                if step_duration.is_zero() {
                    return Err(invalid(
                        "load-step-duration",
                        "a step schedule needs it".to_owned(),
                    ));
                }
                if start == 0 {
                    return Err(invalid(
                        "load-start",
                        "a step schedule must start above 0".to_owned(),
                    ));
                }
                Ok(LoadSpec::Step {
                    start: start as f64,
                    step: step as f64,
                    end: end_opt,
                    step_duration,
                    max_duration: max_opt,
                })
            } else {
                if start == 0 && step < 0 {
                    return Err(invalid(
                        "load-start",
                        "a decreasing line must start above 0".to_owned(),
                    ));
                }
                Ok(LoadSpec::Line {
                    start: start as f64,
                    slope: step as f64,
                    end: end_opt,
                    max_duration: max_opt,
                })
            }
        }
        other => Err(invalid(
            "load-schedule",
            format!("{other:?} is not one of const, step, line"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(config: Value, args: &[&str]) -> Result<(Settings, Vec<String>), ConfigError> {
        let Value::Object(map) = config else {
            panic!("test config must be an object")
        };
        let mut argv = vec!["textstance-loadgen"];
        argv.extend_from_slice(args);
        let flags = Flags::try_parse_from(argv).expect("test flags parse");
        Settings::resolve(&map, None, &flags)
    }

    fn base() -> Value {
        json!({"call": "textstance.v1.TextService/AnalyzeText", "host": "127.0.0.1:1", "insecure": true})
    }

    #[test]
    fn splits_calls() {
        let cases = [
            (
                "textstance.v1.TextService/AnalyzeText",
                Some(("textstance.v1.TextService", "AnalyzeText")),
            ),
            (
                "textstance.v1.TextService.AnalyzeText",
                Some(("textstance.v1.TextService", "AnalyzeText")),
            ),
            (
                "/grpc.health.v1.Health/Check",
                Some(("grpc.health.v1.Health", "Check")),
            ),
            ("Check", None),
            ("a.B/", None),
        ];
        for (call, want) in cases {
            let got = split_call(call);
            let want = want.map(|(s, m)| (s.to_owned(), m.to_owned()));
            assert_eq!(got, want, "call {call:?}");
        }
    }

    #[test]
    fn applies_ghz_defaults() {
        let (s, warnings) = resolve(base(), &[]).expect("valid");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(s.concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(s.connections, 1);
        assert_eq!(
            s.stop,
            Stop::Total {
                total: DEFAULT_TOTAL,
                max_duration: None
            }
        );
        assert_eq!(s.timeout, Some(DEFAULT_TIMEOUT));
        assert_eq!(s.load, LoadSpec::Unlimited);
        assert_eq!(s.format, Format::Summary);
        assert_eq!(s.data, json!({}));
    }

    #[test]
    fn flags_override_config_keys() {
        let mut config = base();
        config["concurrency"] = json!(10);
        config["total"] = json!(1000);
        config["rps"] = json!(100);
        config["timeout"] = json!("5s");
        config["data"] = json!({"document": {"text": "from config"}});
        let (s, _) = resolve(
            config,
            &[
                "-c",
                "4",
                "-n",
                "40",
                "--rps",
                "7",
                "-t",
                "250ms",
                "-d",
                r#"{"document":{"text":"x"}}"#,
                "-O",
                "json",
                "10.0.0.1:9",
            ],
        )
        .expect("valid");
        assert_eq!(s.concurrency, 4);
        assert_eq!(
            s.stop,
            Stop::Total {
                total: 40,
                max_duration: None
            }
        );
        assert_eq!(s.load, LoadSpec::Const { rps: 7.0 });
        assert_eq!(s.timeout, Some(Duration::from_millis(250)));
        assert_eq!(s.data, json!({"document": {"text": "x"}}));
        assert_eq!(s.format, Format::Json);
        assert_eq!(s.host, "10.0.0.1:9");
    }

    #[test]
    fn a_repeated_flag_takes_the_last_value() {
        let (s, _) = resolve(base(), &["-z", "10s", "-c", "3", "-z", "2s"]).expect("valid");
        assert_eq!(s.stop, Stop::Duration(Duration::from_secs(2)));
    }

    #[test]
    fn duration_replaces_total() {
        let mut config = base();
        config["total"] = json!(5);
        config["duration"] = json!("3s");
        let (s, _) = resolve(config, &[]).expect("valid");
        assert_eq!(s.stop, Stop::Duration(Duration::from_secs(3)));
    }

    #[test]
    fn warns_on_unknown_and_unsupported_keys() {
        let mut config = base();
        config["frobnicate"] = json!(1);
        config["cacert"] = json!("ca.pem");
        let (_, warnings) = resolve(config, &[]).expect("valid");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("frobnicate") && w.contains("unknown"))
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("cacert") && w.contains("not supported"))
        );
    }

    #[test]
    fn rejects_bad_settings() {
        let cases: Vec<(Value, Vec<&str>, &str)> = vec![
            (json!({"host": "h:1", "insecure": true}), vec![], "call"),
            (json!({"call": "a.B/C", "insecure": true}), vec![], "host"),
            (json!({"call": "a.B/C", "host": "h:1"}), vec![], "insecure"),
            (base(), vec!["-c", "0"], "concurrency"),
            (
                base(),
                vec!["-c", "2", "--connections", "3", "-n", "10"],
                "connections",
            ),
            (base(), vec!["-n", "10"], "total"),
            (base(), vec!["-d", "[]"], "data"),
            (base(), vec!["-d", "[1]"], "data"),
            (base(), vec!["-d", "\"text\""], "data"),
            (base(), vec!["-t", "soon"], "timeout"),
            (base(), vec!["-O", "html"], "format"),
            (base(), vec!["--load-schedule", "wave"], "load-schedule"),
            (
                base(),
                vec!["--load-schedule", "step", "--load-start", "10"],
                "load-step",
            ),
            (
                base(),
                vec![
                    "--load-schedule",
                    "step",
                    "--load-start",
                    "10",
                    "--load-step",
                    "5",
                ],
                "load-step-duration",
            ),
            (
                base(),
                vec![
                    "--load-schedule",
                    "line",
                    "--load-start",
                    "10",
                    "--load-step",
                    "-5",
                ],
                "load-end",
            ),
            (
                base(),
                vec![
                    "--load-schedule",
                    "line",
                    "--load-start",
                    "10",
                    "--load-step",
                    "5",
                    "--load-end",
                    "5",
                ],
                "load-end",
            ),
        ];
        for (config, args, key) in cases {
            let err = resolve(config, &args).expect_err(key);
            assert!(err.to_string().contains(key), "{args:?}: {err}");
        }
    }

    #[test]
    fn builds_load_schedules() {
        let (s, _) = resolve(
            base(),
            &[
                "--load-schedule",
                "step",
                "--load-start",
                "10",
                "--load-step",
                "10",
                "--load-end",
                "50",
                "--load-step-duration",
                "2s",
            ],
        )
        .expect("valid");
        assert_eq!(
            s.load,
            LoadSpec::Step {
                start: 10.0,
                step: 10.0,
                end: Some(50.0),
                step_duration: Duration::from_secs(2),
                max_duration: None
            }
        );
        let mut config = base();
        config["load-schedule"] = json!("line");
        config["load-start"] = json!(100);
        config["load-step"] = json!(-10);
        config["load-max-duration"] = json!("5s");
        let (s, _) = resolve(config, &[]).expect("valid");
        assert_eq!(
            s.load,
            LoadSpec::Line {
                start: 100.0,
                slope: -10.0,
                end: None,
                max_duration: Some(Duration::from_secs(5))
            }
        );
    }
}
