//! `textstance-loadgen`: a gRPC load generator that speaks ghz's language.
//!
//! It reads a ghz JSON config (and ghz's command-line flags, which override
//! it), calls any method of any service — unary or streaming — with the call
//! data encoded once into protobuf, and prints ghz's summary or JSON report.
//! CI uses it where ghz (a Go binary) cannot be installed.
//!
//! The pieces, in the order of a run:
//! - [`config`]: flags + config file → validated [`config::Settings`];
//! - [`connect`]: the connections, from `textstance-client` (balancing over
//!   `dns:///` and `ipv4:` targets); the one place to swap the transport;
//! - [`schema`]: descriptors from a `.proto` (protox) or server reflection,
//!   and the call data encoded with prost-reflect;
//! - [`schedule`]: the const, step and line load schedules;
//! - [`runner`]: the closed-loop workers, through a pass-through [`codec`];
//! - [`report`]: HDR-histogram statistics and ghz's output formats.
//!
//! What it won't do: TLS, ghz's call-data templates, per-call `details` in
//! the report, csv/html/influx output. See `README.md` for the full list.
//!
//! ```no_run
//! # async fn demo() -> Result<(), textstance_loadgen::RunError> {
//! use clap::Parser as _;
//! let flags = textstance_loadgen::config::Flags::parse_from([
//!     "textstance-loadgen", "--insecure", "--call", "grpc.health.v1.Health/Check",
//!     "-n", "1000", "-c", "50", "--connections", "4", "127.0.0.1:50051",
//! ]);
//! let (settings, _warnings) =
//!     textstance_loadgen::config::Settings::resolve(&Default::default(), None, &flags)?;
//! let report = textstance_loadgen::run(&settings, &mut |w| eprintln!("warning: {w}")).await?;
//! println!("{}", report.summary());
//! # Ok(()) }
//! ```

pub mod codec;
pub mod config;
pub mod connect;
pub mod duration;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod schema;
pub mod template;

use std::time::SystemTime;

use config::Settings;
use report::Report;

/// Why a run could not be made. A run that was made reports call failures in
/// its report instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The settings are invalid.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The target could not be reached.
    #[error(transparent)]
    Connect(#[from] connect::ConnectError),
    /// The schema or the call data could not be prepared.
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
    /// Reflection failed for a service that has no built-in descriptors.
    #[error("server reflection failed: {0}")]
    Reflection(String),
}

/// Connects, prepares the call, runs the load and builds the report.
/// Warnings (e.g. a fallback to built-in descriptors) go to `warn`.
pub async fn run(settings: &Settings, warn: &mut dyn FnMut(String)) -> Result<Report, RunError> {
    let channels = connect::make_channels(
        &settings.host,
        settings.connections,
        settings.connect_timeout,
    )
    .await?;
    let pool = match &settings.proto {
        Some(proto) => {
            let mut pool = schema::compile_proto(proto, &settings.import_paths)?;
            schema::add_health(&mut pool)?;
            pool
        }
        None if settings.service == "grpc.health.v1.Health" => schema::builtin_pool()?,
        None => {
            let md = schema::metadata_map(&settings.reflect_metadata)?;
            match schema::reflect_pool(channels[0].clone(), &md, &settings.service).await {
                Ok((mut pool, _version)) => {
                    schema::add_health(&mut pool)?;
                    pool
                }
                Err(status) if settings.service.starts_with("textstance.") => {
                    warn(format!(
                        "server reflection failed ({}: {}); using the built-in textstance.v1 descriptors",
                        report::code_name(status.code()),
                        status.message()
                    ));
                    schema::builtin_pool()?
                }
                Err(status) => {
                    return Err(RunError::Reflection(format!(
                        "{}: {}",
                        report::code_name(status.code()),
                        status.message()
                    )));
                }
            }
        }
    };
    let method = schema::find_method(&pool, &settings.service, &settings.method)?;
    let plan = schema::plan(&method, &settings.data)?;
    let metadata = template::MetadataPlan::build(&settings.metadata, &method, warn)?;
    let outcome = runner::run_load(&channels, plan, settings, metadata).await;
    Ok(Report::build(
        &outcome.recorder,
        outcome.total,
        outcome.end_reason,
        settings.echo.clone(),
        SystemTime::now(),
    ))
}

/// Renders the report in the settings' format.
pub fn render(report: &Report, format: config::Format) -> String {
    match format {
        config::Format::Summary => report.summary(),
        config::Format::Json => serde_json::to_string(report).unwrap_or_default() + "\n",
        config::Format::Pretty => serde_json::to_string_pretty(report).unwrap_or_default() + "\n",
    }
}
