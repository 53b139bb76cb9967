//! Throughput of `segment::segment` on synthetic news copy (English and
//! Russian, built here) and on the project corpus (`textstance-corpus`,
//! clean, 40% Russian), with two baselines measured in the same run on the
//! same text:
//! a plain scan counting '.' bytes (the floor of any byte-level segmenter)
//! and UAX #29 sentence bounds from `unicode-segmentation`.
//!
//! Run: `cargo bench -p textstance-engine --bench segment`. Criterion prints
//! MB/s for each; the ratio to the baselines is what to compare across
//! machines.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use textstance_engine::Lang;
use textstance_engine::segment::segment_into;
use unicode_segmentation::UnicodeSegmentation;

const EN: &[&str] = &[
    "Gen. Pavel Orlov told reporters on Monday that the U.S. State Department would review the plan.",
    "\"We are ready for dialogue, but not at any price,\" Mr. Ward said.",
    "\"The talks were useful. Nobody expected a breakthrough,\" the diplomat said.",
    "Brent crude rose 1.4% to $82.35 a barrel by 3 p.m. Moscow time.",
    "The agreement was signed on Jan. 9 in Vienna and takes effect on Feb. 1.",
    "Shares of Westbridge Systems Inc. fell 2.3% after the company cut its outlook.",
    "The measure, known as Resolution No. 2712, passed by 52 votes to 17.",
    "Growth slowed to 2.4% in the third quarter, according to the U.N. statistics office.",
    "Details were published at https://www.example.org/news/2024/113.html on Tuesday.",
    "Questions can be sent to press.office7@example-news.com before Friday.",
    "The plan has three stages: 1. a ceasefire, 2. an exchange of prisoners, and 3. talks.",
    "The index gained 1.2% (its biggest rise since March) and closed at 5,412.87 points.",
    "Inflation is cooling in the U.S. Demand for credit rose in Europe.",
    "Asked whether a deal was close, Dr. Helen Novak replied: \"It is too early.\"",
    "Talks dragged on for days... Finally, a deal was announced.",
    "Will the ceasefire hold?",
    "The report was written by J. R. Whitfield and M. Tanaka.",
];
const RU: &[&str] = &[
    "В 2023 г. объем торговли вырос на 12%, сообщил министр.",
    "«Мы готовы к диалогу», — сказал проф. Семенов.",
    "«Когда начнутся поставки?» — спросил журналист.",
    "Бюджет проекта составит 5 млрд руб. Средства выделит правительство.",
    "Форум пройдет в г. Казани на ул. Баумана, т.е. в центре города.",
    "Указ подписал В. В. Петров, он вступит в силу 15.03.2024.",
    "Курс доллара вырос до 92,45 руб. Евро подешевел.",
    "Переговоры шли долго… Наконец стороны подписали соглашение.",
    "На складе хранятся зерно, сахар, масло и т.д.",
];
const HEAD_EN: &[&str] = &[
    "Talks on energy supplies stall",
    "Inflation slows for third month",
];
const HEAD_RU: &[&str] = &["Переговоры зашли в тупик", "Инфляция замедлилась"];

/// Deterministic synthetic wire copy of about `bytes` bytes.
fn corpus(bytes: usize, ru: bool) -> String {
    let (sents, heads, dateline) = if ru {
        (RU, HEAD_RU, "МОСКВА, 9 января. /ТАСС/. ")
    } else {
        (EN, HEAD_EN, "GENEVA, January 9. /TASS/. ")
    };
    let mut state: u64 = 20240109;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    let mut s = String::with_capacity(bytes + 1024);
    while s.len() < bytes {
        s.push_str(heads[next(heads.len())]);
        s.push_str("\n\n");
        s.push_str(dateline);
        for _ in 0..3 + next(4) {
            for _ in 0..2 + next(3) {
                s.push_str(sents[next(sents.len())]);
                s.push(' ');
            }
            s.push_str("\n\n");
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    for (name, lang, text) in [
        ("en", Lang::En, corpus(4 << 20, false)),
        ("ru", Lang::Ru, corpus(4 << 20, true)),
    ] {
        let mut g = c.benchmark_group(format!("segment_{name}"));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.sample_size(20);
        g.bench_function("baseline_count_periods", |b| {
            b.iter(|| black_box(&text).bytes().filter(|&c| c == b'.').count())
        });
        g.bench_function("baseline_uax29", |b| {
            b.iter(|| black_box(&text).split_sentence_bounds().count())
        });
        let mut out = Vec::new();
        g.bench_function("textstance", |b| {
            b.iter(|| {
                segment_into(black_box(&text), lang, &mut out);
                out.len()
            })
        });
        g.finish();
    }

    let docs = textstance_corpus::generate(&textstance_corpus::Options::clean(4 << 20));
    let docs: Vec<(Lang, String)> = docs
        .into_iter()
        .map(|d| (Lang::from_code(d.lang), d.text))
        .collect();
    let bytes: usize = docs.iter().map(|(_, t)| t.len()).sum();
    let mut g = c.benchmark_group("segment_corpus");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20);
    g.bench_function("baseline_count_periods", |b| {
        b.iter(|| {
            docs.iter()
                .map(|(_, t)| black_box(t).bytes().filter(|&c| c == b'.').count())
                .sum::<usize>()
        })
    });
    g.bench_function("baseline_uax29", |b| {
        b.iter(|| {
            docs.iter()
                .map(|(_, t)| black_box(t).split_sentence_bounds().count())
                .sum::<usize>()
        })
    });
    let mut out = Vec::new();
    g.bench_function("textstance", |b| {
        b.iter(|| {
            let mut n = 0;
            for (lang, t) in &docs {
                segment_into(black_box(t), *lang, &mut out);
                n += out.len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
