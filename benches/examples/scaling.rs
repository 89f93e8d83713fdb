//! Thread scaling of `decrypt_many` against the machine's own: alternates 1- and 2-thread runs
//! over the DH bench fleet (fresh store each run) and prints the medians and their ratio. Run
//! it next to `openssl speed -multi 2 ffdh2048` to tell a scaling problem from a busy machine.
//!
//! ```sh
//! cargo run --release -p winlaps-benches --example scaling -- 1000 5
//! ```

use std::time::Instant;
use winlaps_benches::{Fleet, KeyPath};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let n = args.next().flatten().unwrap_or(1000);
    let runs = args.next().flatten().unwrap_or(5);
    let fleet = Fleet::generate(KeyPath::Dh, n);
    let pools: Vec<_> = [1, 2]
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .expect("a thread pool")
        })
        .collect();
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (pool, out) in pools.iter().zip(times.iter_mut()) {
            let store = fleet.key_store();
            let t = Instant::now();
            let ok = pool
                .install(|| store.decrypt_many(&fleet.values))
                .iter()
                .all(Result::is_ok);
            out.push(t.elapsed().as_secs_f64());
            assert!(ok, "every fleet value decrypts");
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (one, two) = (median(&mut times[0]), median(&mut times[1]));
    println!(
        "decrypt_many {n} DH values: 1 thread {:.1} ms, 2 threads {:.1} ms, speed-up {:.2}x",
        one * 1e3,
        two * 1e3,
        one / two
    );
}
