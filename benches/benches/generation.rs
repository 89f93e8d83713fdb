//! Password generation throughput (issue 2 goals: >= 10 M mode-4 passwords/s per core).
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use laps_core::{Generator, PasswordSpec};

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    for (label, spec) in [
        ("mode1_len14", PasswordSpec::new(1, 14, 6).unwrap()),
        ("mode2_len14", PasswordSpec::new(2, 14, 6).unwrap()),
        ("mode3_len14", PasswordSpec::new(3, 14, 6).unwrap()),
        ("mode4_len14", PasswordSpec::new(4, 14, 6).unwrap()),
        ("mode5_len14", PasswordSpec::new(5, 14, 6).unwrap()),
        ("mode6_words6", PasswordSpec::new(6, 14, 6).unwrap()),
        ("mode7_words6", PasswordSpec::new(7, 14, 6).unwrap()),
        ("mode8_words6", PasswordSpec::new(8, 14, 6).unwrap()),
    ] {
        let mut g = Generator::from_seed_insecure([42; 32]);
        group.throughput(Throughput::Elements(1));
        group.bench_function(BenchmarkId::new("single", label), |b| {
            b.iter(|| black_box(g.generate(black_box(&spec))))
        });
        if label == "mode4_len14" || label == "mode6_words6" {
            group.throughput(Throughput::Elements(1000));
            group.bench_function(BenchmarkId::new("batch1000", label), |b| {
                b.iter(|| black_box(g.generate_batch(black_box(&spec), 1000)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
