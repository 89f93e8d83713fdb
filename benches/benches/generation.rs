//! Password generation, modes 1–8, single, batch (one `Password` each) and joined (one
//! buffer) (goal: >= 10 M mode-4 passwords/s per core), and mode-4 throughput against
//! batch size (plotted in BENCHMARKS.md).
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use laps_core::{Generator, PasswordSpec};
use winlaps_benches::smoke_run;

const MODES: [(&str, u32); 8] = [
    ("mode1_len14", 1),
    ("mode2_len14", 2),
    ("mode3_len14", 3),
    ("mode4_len14", 4),
    ("mode5_len14", 5),
    ("mode6_words6", 6),
    ("mode7_words6", 7),
    ("mode8_words6", 8),
];

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    for (label, mode) in MODES {
        let spec = PasswordSpec::new(mode, 14, 6).unwrap();
        let mut g = Generator::from_seed_insecure([42; 32]);
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::new("single", label), |b| {
            b.iter(|| black_box(g.generate(black_box(&spec))))
        });
        group.throughput(Throughput::Elements(1000));
        group.bench_function(BenchmarkId::new("batch1000", label), |b| {
            b.iter(|| black_box(g.generate_batch(black_box(&spec), 1000)))
        });
        group.bench_function(BenchmarkId::new("joined1000", label), |b| {
            b.iter(|| black_box(g.generate_joined(black_box(&spec), 1000, b'\n')))
        });
    }
    group.finish();
}

fn batch_sizes(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate_batch_mode4");
    let spec = PasswordSpec::new(4, 14, 6).unwrap();
    let mut g = Generator::from_seed_insecure([7; 32]);
    let sizes: &[usize] = if smoke_run() {
        &[1, 10]
    } else {
        &[1, 10, 100, 1000, 10_000, 100_000]
    };
    for &n in sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| black_box(g.generate_batch(black_box(&spec), n)))
        });
    }
    group.finish();
}

criterion_group!(benches, generation, batch_sizes);
criterion_main!(benches);
