//! Shared fixtures for the winlaps criterion benches: a reproducible fleet of
//! `msLAPS-EncryptedPassword` values ([`Fleet`]), the bare-bignum limit ([`limits`]) and the
//! smoke-run switch ([`smoke_run`]).
//!
//! Everything is derived from [`SEED`], so every run (and `compare.py`, through the `fleet`
//! example) sees byte-identical inputs.
//!
//! ```
//! use winlaps_benches::{Fleet, KeyPath};
//! let fleet = Fleet::generate(KeyPath::Private, 4);
//! let store = fleet.key_store();
//! assert!(fleet.values.iter().all(|v| store.decrypt_attribute(v).is_ok()));
//! ```
#![forbid(unsafe_code)]

mod fleet;
pub mod limits;
mod live_fleet;

pub use fleet::{Fleet, KeyPath, FLEET_DAYS, NOW_RFC3339, SEED};
pub use live_fleet::{LiveFleet, LIVE_L1_PERIODS, LIVE_ROOT_KEYS, LIVE_SID};

/// True when the bench binary runs as a smoke test (`cargo bench -- --test`): benches then use
/// small fixtures so the whole suite checks in seconds.
pub fn smoke_run() -> bool {
    std::env::args().any(|a| a == "--test")
}

/// `full` normally, `smoke` under `cargo bench -- --test`.
pub fn scaled(full: usize, smoke: usize) -> usize {
    if smoke_run() {
        smoke
    } else {
        full
    }
}
