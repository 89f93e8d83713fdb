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

/// Median milliseconds of `runs` calls of `f`, after one untimed warm-up call (thread pool,
/// page faults): up to the returned value, and including its drop (for the generators:
/// zeroizing and freeing the batch, the Rust counterpart of the GC work a Node loop pays).
/// `check` asserts on each result, untimed.
fn time_calls<T>(runs: usize, mut f: impl FnMut() -> T, check: impl Fn(&T)) -> (f64, f64) {
    let (mut returned, mut dropped) = (Vec::new(), Vec::new());
    for _ in 0..=runs {
        let t = Instant::now();
        let out = f();
        let call = t.elapsed();
        check(&out);
        let t = Instant::now();
        drop(out);
        returned.push(call.as_secs_f64() * 1e3);
        dropped.push((call + t.elapsed()).as_secs_f64() * 1e3);
    }
    (median(returned.split_off(1)), median(dropped.split_off(1)))
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

    // decrypt_many over every value, a fresh store each run (as the Node side does).
    let (decrypt, _) = time_calls(
        runs,
        || {
            let store = KeyStore::new();
            store.add_root_key(root.clone());
            store.decrypt_many(&values)
        },
        |results| assert!(results.iter().all(Result::is_ok), "every value decrypts"),
    );

    // 1,000,000 default passwords from one OS-seeded generator (the crate's batch call).
    // Opaque to the optimiser, as a spec read from policy at run time is (and as the
    // binding's is): a constant spec lets the compiler specialise the loop for length 14.
    let spec = std::hint::black_box(PasswordSpec::default());
    let generator = || Generator::new().expect("os rng");
    let (generate, generate_dropped) = time_calls(
        runs,
        || generator().generate_batch(&spec, 1_000_000),
        |out| assert_eq!(out.len(), 1_000_000),
    );
    // The same into one newline-separated buffer (the crate's bulk call).
    let (joined, joined_dropped) = time_calls(
        runs,
        || generator().generate_joined(&spec, 1_000_000, b'\n'),
        |out| assert_eq!(out.len(), 15 * 1_000_000 - 1),
    );

    println!(
        "{{\"decrypt_many_ms\": {:.3}, \"generate_passwords_ms\": {:.3}, \"generate_passwords_dropped_ms\": {:.3}, \"generate_joined_ms\": {:.3}, \"generate_joined_dropped_ms\": {:.3}, \"blobs\": {}, \"runs\": {runs}}}",
        decrypt, generate, generate_dropped, joined, joined_dropped,
        values.len()
    );
}
