//! Times `analyze()` on one text file, the way the server's unary
//! AnalyzeText runs it (default options, embedded lexicons, language
//! detected), and prints the mean wall time per call. For comparing the
//! engine's share of a call with the server's CPU per call from
//! `clients/loadgen/bench.sh`.
//!
//! Run: `cargo run --release -p textstance-engine --example analyze_file --
//! clients/loadgen/bench/paragraph_en.txt 100000`

use std::time::Instant;

use textstance_engine::tag::Lexicons;
use textstance_engine::{AnalyzeOptions, Input, analyze};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: analyze_file FILE [CALLS]");
        std::process::exit(64);
    };
    let calls: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(66);
        }
    };
    let lexicons = match Lexicons::embedded() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("embedded lexicons: {e}");
            std::process::exit(1);
        }
    };
    let options = AnalyzeOptions::default();
    let mut cues = 0usize;
    let mut run = |n: u32| {
        for _ in 0..n {
            match analyze(Input::Text(&text), &options, &lexicons) {
                Ok(a) => cues += a.tagged.map_or(0, |t| t.cues.len()),
                Err(e) => {
                    eprintln!("{path}: {e}");
                    std::process::exit(1);
                }
            }
        }
    };
    run(calls / 10 + 1); // warm-up
    let start = Instant::now();
    run(calls);
    let per_call = start.elapsed() / calls.max(1);
    println!(
        "{path}: {} bytes, {:.2} µs per analyze() call over {calls} calls ({cues} cues in all)",
        text.len(),
        per_call.as_secs_f64() * 1e6
    );
}
