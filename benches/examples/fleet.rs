//! Writes the bench fleet as JSON, for the peer comparison (`compare.py`) to time the very
//! values the criterion benches decrypt.
//!
//! ```sh
//! cargo run --release -p winlaps-benches --example fleet -- dh2048 1000 fleet.json
//! ```

use std::process::ExitCode;
use winlaps_benches::{Fleet, KeyPath};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(n), Some(out)) = (
        args.first().and_then(|p| KeyPath::from_label(p)),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: fleet <private|dh2048|p256|p384> <count> <out.json>");
        return ExitCode::from(2);
    };
    let fleet = Fleet::generate(path, n);
    if let Err(e) = std::fs::write(out, fleet.to_json()) {
        eprintln!("fleet: cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
