//! Writes the live-key fleet for `compare_live.py`: root keys, values and the
//! number of (root key, L0) groups.
//!
//! ```sh
//! cargo run --release -p winlaps-benches --example live_fleet -- dh2048 1000 DIR
//! ```

use std::path::Path;
use std::process::ExitCode;
use winlaps_benches::{KeyPath, LiveFleet};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(n), Some(out)) = (
        args.first().and_then(|p| KeyPath::from_label(p)),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: live_fleet <private|dh2048|p256|p384> <count> <out-dir>");
        return ExitCode::from(2);
    };
    let fleet = LiveFleet::generate(path, n);
    if let Err(e) = fleet.write_to(Path::new(out)) {
        eprintln!("live_fleet: cannot write {out}: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "{} values, {} root keys, {} (root key, L0) groups in {out}",
        fleet.values.len(),
        fleet.root_keys.len(),
        fleet.groups
    );
    ExitCode::SUCCESS
}
