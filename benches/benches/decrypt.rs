//! Full paths over the reproducible fleet: `decrypt_attribute` per key path (warm and cold
//! store), `decrypt_many` over growing batches on 1 and 2 threads, and encryption.
//!
//! Goals: DH-path `decrypt_attribute` <= 0.5 ms per blob per core and within 1.3x of
//! the bare modexp (`primitives.rs`); private path, fleet average, warm store <= 15 us;
//! `decrypt_many` on 2 threads >= 1.8x its 1-thread throughput.
#![allow(missing_docs)]

use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput,
};
use laps_core::{FileTime, Password};
use laps_crypto::{encrypt, GroupKeyEnvelope, KeyIndex, LapsCredential};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::cell::OnceCell;
use std::time::Duration;
use winlaps_benches::{scaled, smoke_run, Fleet, KeyPath, NOW_RFC3339, SEED};

fn decrypt_attribute(c: &mut Criterion) {
    let mut g = c.benchmark_group("decrypt_attribute");
    g.throughput(Throughput::Elements(1));
    for path in KeyPath::ALL {
        // Fixtures are built on first use, so a filtered run builds only what it measures.
        let fleet = || Fleet::cached(path, scaled(1000, 4));
        let warm = OnceCell::new();
        let mut i = 0;
        // Warm store, cycling through the fleet: the per-blob cost of a long audit.
        g.bench_function(BenchmarkId::new("warm_fleet_average", path.label()), |b| {
            let (fleet, store) = warm.get_or_init(|| {
                let f = fleet();
                let s = f.warm_key_store();
                (f, s)
            });
            b.iter(|| {
                i = (i + 1) % fleet.values.len();
                store
                    .decrypt_attribute(black_box(&fleet.values[i]))
                    .unwrap()
            })
        });
        // Cold store: one value with nothing cached (the whole seed walk and group key).
        g.bench_function(BenchmarkId::new("cold_single", path.label()), |b| {
            let fleet = fleet();
            b.iter_batched(
                || fleet.key_store(),
                |store| {
                    store
                        .decrypt_attribute(black_box(&fleet.values[0]))
                        .unwrap()
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// `decrypt_many` with a fresh store per run (a one-shot domain dump), on a pool of `threads`.
fn decrypt_many(c: &mut Criterion) {
    let mut g = c.benchmark_group("decrypt_many");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    let sizes = if smoke_run() {
        vec![8, 32]
    } else {
        vec![10, 100, 1000, 10_000]
    };
    let largest = *sizes.iter().max().unwrap_or(&0);
    for path in [KeyPath::Dh, KeyPath::Private] {
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for &n in &sizes {
                if path == KeyPath::Private && n < 1000 && !smoke_run() {
                    continue;
                }
                g.throughput(Throughput::Elements(n as u64));
                let id = BenchmarkId::new(format!("{}_{threads}t", path.label()), n);
                g.bench_function(id, |b| {
                    // Built on first use only (the 10,000-value DH fleet takes seconds).
                    let fleet = Fleet::cached(path, largest);
                    let values = &fleet.values[..n];
                    b.iter_batched(
                        || fleet.key_store(),
                        |store| {
                            let out = pool.install(|| store.decrypt_many(black_box(values)));
                            assert!(out.iter().all(Result::is_ok));
                            out
                        },
                        BatchSize::PerIteration,
                    )
                });
            }
        }
    }
    g.finish();
}

fn encrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("encrypt_credential");
    g.throughput(Throughput::Elements(1));
    let now = FileTime::parse_rfc3339(NOW_RFC3339).unwrap();
    for path in KeyPath::ALL {
        let fleet = Fleet::cached(path, 1);
        let public = path != KeyPath::Private;
        let gke = GroupKeyEnvelope::from_root_key(
            &fleet.root,
            &fleet.sid,
            KeyIndex::from_filetime(now),
            "contoso.com",
            "contoso.com",
            public,
        )
        .unwrap();
        let cred = LapsCredential::new("Administrator", Password::from("Z,E2q68}tJ4w.k"), now);
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        g.bench_function(path.label(), |b| {
            b.iter(|| {
                encrypt::encrypt_credential(black_box(&gke), &fleet.sid, &cred, &mut rng).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, decrypt_attribute, decrypt_many, encrypt);
criterion_main!(benches);
