//! Throughput of `normalize` (MB/s), each input measured beside baselines
//! in the same run: a plain copy of the input (`to_owned`) and a full UTF-8
//! decoding scan (`chars().count()`), so results read as ratios.
//!
//! Inputs: pure ASCII prose (the fast path), the clean English+Russian
//! corpus, and the corpus with 15% damaged documents, all from
//! `textstance-corpus` (deterministic).
//!
//! Run: `cargo bench -p textstance-engine --bench repair`.
//!
//! Measured 28 Nov on the shared 2-core machine, two runs (normalize
//! `default` / `ftfy`; before the speed work in brackets, run back to back):
//! pure ASCII 4.4–4.6 / 4.6–5.2 GB/s (3.0–3.2 / 2.6–3.3), clean
//! English+Russian 1.48–1.51 / 1.09–1.20 GB/s (1.12 / 0.86–0.96), 15%
//! damaged 507–517 / 521–540 MB/s (318–391 / 389–395); the copy baseline
//! ran at 44–62 GB/s. Details in `src/repair/README.md`.
//!
//! Second session (branch `normfast`, one run, machine shared): normalize
//! `default` / `ftfy`: pure ASCII 5.2 / 4.7 GB/s, clean English+Russian
//! 1.95 / 1.43 GB/s, 15% damaged 510 / 679 MB/s; copy baseline 53–64 GB/s,
//! `chars().count()` 33–34 GB/s in the same run.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use textstance_engine::{Input, NormalizeOptions, Profile, normalize};

const SIZE: usize = 4_000_000;

fn inputs() -> Vec<(&'static str, String)> {
    let clean = textstance_corpus::generate(&textstance_corpus::Options::clean(SIZE));
    let damaged = textstance_corpus::generate(&textstance_corpus::Options::with_size(SIZE));
    let english_ascii: String = clean
        .iter()
        .filter(|d| d.lang == "en")
        .flat_map(|d| d.text.chars().filter(char::is_ascii).chain(['\n']))
        .collect();
    vec![
        ("ascii", english_ascii),
        ("clean-en-ru", textstance_corpus::joined(&clean)),
        ("damaged-15pct", textstance_corpus::joined(&damaged)),
    ]
}

fn bench(c: &mut Criterion) {
    let default = NormalizeOptions::for_profile(Profile::Default);
    let ftfy = NormalizeOptions::for_profile(Profile::Ftfy);
    for (name, text) in inputs() {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::BytesDecimal(text.len() as u64));
        g.sample_size(20);
        g.bench_function("baseline-copy", |b| {
            b.iter(|| black_box(black_box(text.as_str()).to_owned()))
        });
        g.bench_function("baseline-char-count", |b| {
            b.iter(|| black_box(black_box(text.as_str()).chars().count()))
        });
        g.bench_function("normalize-default", |b| {
            b.iter(|| {
                let n = normalize(Input::Text(black_box(&text)), &default).expect("text");
                black_box(n.edits.len())
            })
        });
        g.bench_function("normalize-ftfy", |b| {
            b.iter(|| {
                let n = normalize(Input::Text(black_box(&text)), &ftfy).expect("text");
                black_box(n.edits.len())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
