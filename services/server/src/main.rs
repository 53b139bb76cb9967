//! `textstance-server`: parses flags and `TEXTSTANCE_*` variables into a
//! [`Config`], installs logging, binds, and calls [`Server::serve`] until
//! SIGTERM or SIGINT. SIGHUP reloads the lexicon directory.
//!
//! Exit codes: 0 after a clean shutdown, 64 for a malformed command line,
//! 78 for a bad configuration (including lexicons that do not load), 71
//! when the listener cannot be bound, 1 when serving fails.

use std::process::ExitCode;

use clap::Parser;
use textstance_server::config::{Config, Flags};
use textstance_server::{ServeError, Server, telemetry};

const EX_USAGE: u8 = 64;
const EX_OSERR: u8 = 71;
const EX_CONFIG: u8 = 78;

fn main() -> ExitCode {
    let flags = match Flags::try_parse() {
        Ok(f) => f,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid arguments");
            eprintln!("textstance-server: {first} (see --help)");
            return ExitCode::from(EX_USAGE);
        }
    };
    let config = match Config::from_flags(flags, |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("textstance-server: {e}");
            return ExitCode::from(EX_CONFIG);
        }
    };
    if let Err(e) = telemetry::init(&config) {
        eprintln!("textstance-server: cannot install logging: {e}");
        return ExitCode::from(EX_CONFIG);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("textstance-server: cannot start runtime: {e}");
            return ExitCode::from(EX_OSERR);
        }
    };
    let code = runtime.block_on(serve(config));
    // Work abandoned at the grace cutoff (a blocking-pool analysis, a call
    // the caller never finished) must not hold the exit: dropping a runtime
    // would wait for it. The engine has no side effects to lose.
    runtime.shutdown_background();
    code
}

async fn serve(config: Config) -> ExitCode {
    let listen = config.listen;
    let server = match Server::new(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("textstance-server: {e}");
            return ExitCode::from(EX_CONFIG);
        }
    };
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("textstance-server: cannot listen on {listen}: {e}");
            return ExitCode::from(EX_OSERR);
        }
    };
    let handle = server.handle();
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading lexicons");
            // Failures are logged and counted by the store.
            let _ = handle.reload().await;
        }
    });
    match server.serve(listener, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ ServeError::MetricsBind { .. }) => {
            eprintln!("textstance-server: {e}");
            ExitCode::from(EX_OSERR)
        }
        Err(e) => {
            eprintln!("textstance-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = int.recv() => tracing::info!("SIGINT received"),
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
