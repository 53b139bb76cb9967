//! `textstance-loadgen --config FILE [--format summary|json] [ghz flags] [host]`.
//!
//! Glue only: parse flags, read the config, run, print. Exit codes: 0 done
//! (even with failed calls, as ghz), 64 usage, 78 config, 69 target
//! unavailable, 70 other failures, 73 cannot write the output.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser as _;
use textstance_loadgen::config::{ConfigError, Flags, Settings, read_config_file};
use textstance_loadgen::{RunError, render, run};

fn main() -> ExitCode {
    let flags = Flags::parse();
    let (config, dir) = match &flags.config {
        Some(path) => match read_config_file(path) {
            Ok(map) => (map, path.parent().map(Path::to_path_buf)),
            Err(e) => return fail(78, &e),
        },
        None => (Default::default(), None),
    };
    let (settings, warnings) = match Settings::resolve(&config, dir.as_deref(), &flags) {
        Ok(ok) => ok,
        Err(e @ (ConfigError::Missing(_) | ConfigError::Invalid { .. })) => return fail(64, &e),
        Err(e) => return fail(78, &e),
    };
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(70, &e),
    };
    let report = match runtime.block_on(run(&settings, &mut |w| eprintln!("warning: {w}"))) {
        Ok(report) => report,
        Err(e @ RunError::Connect(_)) => return fail(69, &e),
        Err(e @ RunError::Config(_)) => return fail(78, &e),
        Err(e) => return fail(70, &e),
    };
    let text = render(&report, settings.format);
    match &settings.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return fail(73, &e);
            }
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

fn fail(code: u8, e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("textstance-loadgen: {e}");
    ExitCode::from(code)
}
