//! Parsing a `.env` import (issue 23): 1,000 lines, a 2 MiB file, and a
//! 2 MiB file whose first quote is never closed (once minutes of CPU).
//! Baseline in the same run: counting the lines of the same text.
//! `cargo bench --features ssr --bench dotenv`; figures in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use varvault::server::infra::dotenv::parse;

fn dotenv(c: &mut Criterion) {
    let line =
        |i: usize| format!("export KEY_{i}=\"value number {i} with \\\"quotes\\\"\" # note\n");
    let thousand: String = (0..1000).map(line).collect();
    let mut big = String::new();
    let mut i = 0;
    while big.len() < 2 * 1024 * 1024 {
        big.push_str(&line(i));
        i += 1;
    }
    let unclosed = format!("A=\"{}", "x\n".repeat(1024 * 1024));
    let mut group = c.benchmark_group(".env");
    group.sample_size(10);
    for (what, text) in [
        ("1,000 lines", &thousand),
        ("2 MiB", &big),
        ("2 MiB, a quote never closed", &unclosed),
    ] {
        group.bench_function(BenchmarkId::new("baseline: count lines", what), |b| {
            b.iter(|| black_box(text).lines().count())
        });
        group.bench_function(BenchmarkId::new("parse", what), |b| {
            b.iter(|| parse(black_box(text)).map(|e| e.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, dotenv);
criterion_main!(benches);
