//! The Rust-crate side of `benches/compare_node.js`: the same workloads as the
//! Node benchmark, called on the crates directly, so the script can report the
//! binding's overhead. Prints one JSON line of median milliseconds.
//!
//! `cargo run --release -p winlaps-node --example baseline -- <runs> <blobs.json>`
//! where `blobs.json` is `{"root_key": {...}, "values_hex": [...]}` as the script writes it.

use laps_core::{Generator, PasswordSpec};
use laps_crypto::{KeyStore, RootKey};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let path = args.next().expect("usage: baseline <runs> <blobs.json>");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read blobs")).expect("json");
    let root = RootKey::from_json(&doc["root_key"].to_string()).expect("root key");
    let values: Vec<Vec<u8>> = doc["values_hex"]
        .as_array()
        .expect("values_hex")
        .iter()
        .map(|v| unhex(v.as_str().expect("hex string")))
        .collect();

    // decrypt_many over every value, a fresh store each run (as the Node side does);
    // the first, untimed run warms up the process (thread pool, page faults).
    let mut decrypt = Vec::new();
    for _ in 0..=runs {
        let t = Instant::now();
        let store = KeyStore::new();
        store.add_root_key(root.clone());
        let ok = store
            .decrypt_many(&values)
            .iter()
            .filter(|r| r.is_ok())
            .count();
        decrypt.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(ok, values.len(), "every value decrypts");
    }

    // 1,000,000 default passwords from one OS-seeded generator (the crate's batch call).
    // Opaque to the optimiser, as a spec read from policy at run time is (and as the
    // binding's is): a constant spec lets the compiler specialise the loop for length 14.
    let spec = std::hint::black_box(PasswordSpec::default());
    // Timed twice: up to the returned Vec, and including its drop (zeroizing and freeing
    // the million `Password`s), the Rust counterpart of the GC work a Node loop pays.
    let mut generate = Vec::new();
    let mut generate_dropped = Vec::new();
    for _ in 0..=runs {
        let t = Instant::now();
        let out = Generator::new()
            .expect("os rng")
            .generate_batch(&spec, 1_000_000);
        generate.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(out.len(), 1_000_000);
        drop(out);
        generate_dropped.push(t.elapsed().as_secs_f64() * 1e3);
    }

    // The same into one newline-separated buffer (the crate's bulk call).
    let mut joined = Vec::new();
    let mut joined_dropped = Vec::new();
    for _ in 0..=runs {
        let t = Instant::now();
        let out = Generator::new()
            .expect("os rng")
            .generate_joined(&spec, 1_000_000, b'\n');
        joined.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(out.len(), 15 * 1_000_000 - 1);
        drop(out);
        joined_dropped.push(t.elapsed().as_secs_f64() * 1e3);
    }

    println!(
        "{{\"decrypt_many_ms\": {:.3}, \"generate_passwords_ms\": {:.3}, \"generate_passwords_dropped_ms\": {:.3}, \"generate_joined_ms\": {:.3}, \"generate_joined_dropped_ms\": {:.3}, \"blobs\": {}, \"runs\": {runs}}}",
        median(decrypt.split_off(1)),
        median(generate.split_off(1)),
        median(generate_dropped.split_off(1)),
        median(joined.split_off(1)),
        median(joined_dropped.split_off(1)),
        values.len()
    );
}
