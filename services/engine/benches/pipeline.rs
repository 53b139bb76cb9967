//! Whole-pipeline throughput (MB/s): `analyze` with every stage (decode,
//! repair, segment, tag) over the 10 MB English and Russian corpus with 15%
//! of documents damaged, one document per call as a server sees them. The
//! baseline, measured in the same run on the same documents, is a copy of
//! each document (`to_owned`), so results read as ratios.
//!
//! Each runs twice: `pipeline-10mb-15pct-damaged` on wall time and
//! `pipeline-cpu` on the thread's CPU time ("MB/s per core", robust to other
//! jobs on the machine; see `common/cpu_time.rs`).
//!
//! Run: `cargo bench -p textstance-engine --bench pipeline`.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::measurement::Measurement;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use textstance_engine::{AnalyzeOptions, Input, Lexicons, analyze};

#[path = "common/cpu_time.rs"]
mod cpu_time;

const SIZE: usize = 10_000_000;

fn bench<M: Measurement>(c: &mut Criterion<M>, group: &str) {
    let docs = textstance_corpus::generate(&textstance_corpus::Options::with_size(SIZE));
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let lexicons = Lexicons::embedded().expect("embedded lexicons compile");
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::BytesDecimal(bytes as u64));
    g.sample_size(10);
    g.bench_function("baseline-copy", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(black_box(d.text.as_str()).to_owned());
            }
        })
    });
    g.bench_function("analyze-all-stages", |b| {
        b.iter(|| {
            let mut cues = 0;
            for d in &docs {
                let options = AnalyzeOptions {
                    language: Some(d.lang),
                    ..AnalyzeOptions::default()
                };
                let a = analyze(Input::Text(black_box(&d.text)), &options, &lexicons)
                    .expect("corpus documents are valid");
                cues += a.tagged.map_or(0, |t| t.cues.len());
            }
            black_box(cues)
        })
    });
    g.finish();
}

fn wall(c: &mut Criterion) {
    bench(c, "pipeline-10mb-15pct-damaged");
}

fn cpu(c: &mut Criterion<cpu_time::ThreadCpuTime>) {
    bench(c, "pipeline-cpu");
}

criterion_group!(wall_time, wall);
criterion_group! {
    name = cpu_time_group;
    config = Criterion::default().with_measurement(cpu_time::ThreadCpuTime);
    targets = cpu
}
criterion_main!(wall_time, cpu_time_group);
