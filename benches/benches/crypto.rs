//! The laps-crypto performance table, one line per goal, on the shared reproducible
//! fleet (`winlaps_benches::Fleet`: one root key in the given configuration, one Domain Admins
//! SID, update times spread over 60 days):
//!
//! | bench id                          | goal on one core                         |
//! |-----------------------------------|------------------------------------------|
//! | `crypto/dh2048_public_per_blob`   | ≤ 0.5 ms (10× dpapi-ng 0.2.0); the sound path (full 512-bit exponent, Windows' `y^x`) costs one 512-bit modexp, see BENCHMARKS.md |
//! | `crypto/private_fleet_warm`       | ≤ 15 µs, warm KeyStore (≥ 20× dpapi-ng)   |
//! | `crypto/ecdh_p256_per_blob`       | ≤ 0.15 ms                                |
//! | `crypto/ecdh_p384_per_blob`       | ≤ 0.45 ms                                |
//! | `crypto_many/dh2048_1000/{1,2}t`  | 2 threads ≥ 1.8× 1 thread                |
//!
//! `benches/compare_dpapi_ng.py` prints these medians beside dpapi-ng's on the same values.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use winlaps_benches::{scaled, Fleet, KeyPath};

fn per_blob(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto");
    g.throughput(Throughput::Elements(1));
    for (id, path) in [
        ("dh2048_public_per_blob", KeyPath::Dh),
        ("private_fleet_warm", KeyPath::Private),
        ("ecdh_p256_per_blob", KeyPath::P256),
        ("ecdh_p384_per_blob", KeyPath::P384),
    ] {
        let fleet = Fleet::cached(path, scaled(1000, 4));
        // Warm: every seed and group key of the fleet is cached, as in a long audit; each blob
        // still pays its own key agreement (public paths) and its KEK, unwrap and GCM.
        let store = fleet.warm_key_store();
        let mut i = 0;
        g.bench_function(id, |b| {
            b.iter(|| {
                i = (i + 1) % fleet.values.len();
                store
                    .decrypt_attribute(black_box(&fleet.values[i]))
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn many(c: &mut Criterion) {
    let mut g = c.benchmark_group("crypto_many");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    let n = scaled(1000, 8);
    let fleet = Fleet::cached(KeyPath::Dh, n);
    let store = fleet.warm_key_store();
    g.throughput(Throughput::Elements(n as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(
            BenchmarkId::new(format!("dh2048_{n}"), format!("{threads}t")),
            |b| b.iter(|| pool.install(|| store.decrypt_many(black_box(&fleet.values)))),
        );
    }
    g.finish();
}

criterion_group!(benches, per_blob, many);
criterion_main!(benches);
