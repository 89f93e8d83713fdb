//! The one error type of laps-core.

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
    /// The operating system random source failed.
    #[error("the OS random number generator failed")]
    Rng,
}
