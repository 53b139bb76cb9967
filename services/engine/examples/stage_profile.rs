//! A driver for profilers: runs one stage over the bench corpus (the
//! deterministic ~10 MB English/Russian corpus of the criterion benches)
//! a given number of times, and nothing else, so `perf record` or
//! `valgrind --tool=callgrind --toggle-collect=...` see that stage alone.
//! Instruction counts from callgrind do not depend on other load on the
//! machine, unlike the benches' timings.
//!
//! Run: `cargo run --release -p textstance-engine --example stage_profile -- tag 3`
//! (stages: `tag`, `segment`, `normalize`, `analyze`).

use textstance_engine::tag::{Lexicons, tag};
use textstance_engine::{
    AnalyzeOptions, Input, Lang, NormalizeOptions, analyze, normalize, segment,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let stage = args.next().unwrap_or_else(|| "tag".to_owned());
    let times: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let docs = textstance_corpus::generate(&textstance_corpus::Options::with_size(10_000_000));
    let lexicons = match Lexicons::embedded() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("embedded lexicons: {e}");
            std::process::exit(1);
        }
    };
    let prepared: Vec<_> = docs
        .iter()
        .map(|d| {
            let lang = Lang::from_code(d.lang);
            (
                d.text.as_str(),
                d.lang,
                lang,
                segment::segment(&d.text, lang),
            )
        })
        .collect();
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let mut checksum = 0usize;
    for _ in 0..times {
        for (text, code, lang, sentences) in &prepared {
            checksum += match stage.as_str() {
                "tag" => tag(text, sentences, *lang, &lexicons)
                    .cues
                    .iter()
                    .map(|c| 1 + c.span.start * 3 + c.span.end * 7 + c.entry_id.len() * 11)
                    .sum(),
                "segment" => segment::segment(text, *lang).len(),
                "normalize" => normalize(Input::Text(text), &NormalizeOptions::default())
                    .map_or(0, |n| n.text.len()),
                "analyze" => {
                    let options = AnalyzeOptions {
                        language: Some(code),
                        ..AnalyzeOptions::default()
                    };
                    analyze(Input::Text(text), &options, &lexicons)
                        .map_or(0, |a| a.tagged.map_or(0, |t| t.cues.len()))
                }
                _ => {
                    eprintln!("unknown stage {stage:?}: tag, segment, normalize or analyze");
                    std::process::exit(2);
                }
            };
        }
    }
    println!("{stage}: {times} x {bytes} bytes, checksum {checksum}");
}
