//! The one error type of laps-core.

use crate::ErrorKind;

/// Errors from laps-core.
///
/// Out-of-range values are rejected here; the Windows "fall back to the
/// default" behaviour belongs to `laps-policy`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// PasswordComplexity outside 1–8.
    #[error("password complexity {0} is out of range (1-8)")]
    ComplexityOutOfRange(u32),
    /// PasswordLength outside 8–64.
    #[error("password length {0} is out of range (8-64)")]
    LengthOutOfRange(u32),
    /// PassphraseLength outside 3–10.
    #[error("passphrase length {0} words is out of range (3-10)")]
    WordsOutOfRange(u32),
    /// More passwords asked for in one call than [`MAX_BATCH`](crate::MAX_BATCH).
    #[error("{0} passwords is more than the batch limit of {max}", max = crate::MAX_BATCH)]
    BatchTooLarge(u64),
    /// A time outside what a FILETIME holds (1601 to 30828).
    #[error("the time is outside the FILETIME range (1601-01-01 to 30828)")]
    TimeOutOfRange,
    /// A generator seed that is not 32 bytes long (the length given).
    #[error("a seed must be 32 bytes, got {0}")]
    SeedLength(usize),
    /// The device's own password policy accepts (almost) none of the passwords the spec
    /// generates, so redrawing cannot help: Windows LAPS fails every rotation (event 10027).
    #[error("the device's password policy ({policy}) rejects {problems}: complexity {complexity} cannot satisfy it and Windows LAPS would fail every rotation (event 10027); choose complexity 3-5 or a longer spec")]
    PolicyUnsatisfiable {
        /// The device's policy.
        policy: crate::LocalPasswordPolicy,
        /// The spec's PasswordComplexity.
        complexity: u32,
        /// What the policy rejects ([`PolicyFit::problems_text`](crate::PolicyFit::problems_text)).
        problems: String,
    },
    /// The operating system random source failed.
    #[error("the OS random number generator failed")]
    Rng,
}

impl Error {
    /// The kind of failure: out-of-range values are [`ErrorKind::InvalidArgument`], a device
    /// policy no password satisfies is [`ErrorKind::Policy`], a failed random source is
    /// [`ErrorKind::Randomness`].
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Error::ComplexityOutOfRange(_)
            | Error::LengthOutOfRange(_)
            | Error::WordsOutOfRange(_)
            | Error::BatchTooLarge(_)
            | Error::TimeOutOfRange
            | Error::SeedLength(_) => ErrorKind::InvalidArgument,
            Error::PolicyUnsatisfiable { .. } => ErrorKind::Policy,
            Error::Rng => ErrorKind::Randomness,
        }
    }
}
