//! winlaps core: Windows LAPS password generation (PasswordComplexity 1–8),
//! the shared types every winlaps crate uses, and FILETIME conversions.
//!
//! No I/O: randomness comes from an injected RNG (or OS entropy through the
//! default constructor), time comes in as a [`FileTime`].
//!
//! ```
//! use laps_core::{entropy, Generator, PasswordSpec};
//! let spec = PasswordSpec::new(5, 20, 6)?;
//! let mut g = Generator::new()?;
//! let pw = g.generate(&spec);
//! assert_eq!(pw.len(), 20);
//! assert!(laps_core::charset::is_valid_password(spec.complexity(), pw.expose()));
//! println!("{:.1} bits", entropy::bits(&spec).exact);
//! # Ok::<(), laps_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod charset;
pub mod entropy;
mod error;
pub mod filetime;
mod generator;
mod kind;
mod local_policy;
mod password;
mod spec;

pub use error::Error;
pub use filetime::FileTime;
#[cfg(feature = "os-rng")]
pub use generator::generate;
pub use generator::{check_batch, split_passphrase, Generator, MAX_BATCH};
pub use kind::{ErrorKind, UnknownName};
pub use local_policy::{
    check_local_policy, LocalPasswordPolicy, PolicyFit, PolicyProblem, MIN_ACCEPTANCE,
};
pub use password::Password;
pub use spec::{Complexity, PasswordSpec};

/// Re-exported so callers can name the RNG traits without another dependency.
pub use rand_core;
/// Re-exported for constant-time comparisons of secrets.
pub use subtle;
/// Re-exported so dependent crates share one zeroize.
pub use zeroize;
