//! The one error type of laps-directory.

use laps_policy::DiagnosticCode;

/// Errors from reading a computer's LAPS attributes or planning a backup.
///
/// Messages never contain passwords or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The computer object carries none of the LAPS attributes (or the caller may not read them:
    /// the attributes are confidential, so a reader without the right sees them as absent).
    #[error("{dn}: no LAPS password attributes (absent, or not readable by this account)")]
    NoLapsAttributes {
        /// The object's distinguished name.
        dn: String,
    },
    /// An attribute value cannot be used (not UTF-8, not a number, a bad binary SID, ...).
    #[error("attribute {attribute}: {reason}")]
    BadAttribute {
        /// The LDAP attribute name.
        attribute: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// The policy does not back passwords up to Active Directory (disabled, Entra, unmanaged).
    #[error("the policy does not back up to Active Directory (mode {0})")]
    NotActiveDirectory(&'static str),
    /// The policy resolves but Windows would not back up under it (for example encryption on with
    /// a domain below the 2016 functional level, event 10006).
    #[error("Windows LAPS would not back up under this policy: {0:?}")]
    PolicyBlocked(DiagnosticCode),
    /// The policy encrypts but no encryption key (group key envelope or root key) was given.
    #[error("the policy encrypts to {principal} but no encryption key was given")]
    NoEncryptionKey {
        /// The principal the policy encrypts to.
        principal: String,
    },
    /// The given key was issued for another target SID than the one requested.
    #[error("the encryption key is for another principal than {0}")]
    WrongEncryptionTarget(String),
    /// A requested expiration lies beyond now + PasswordAgeDays while
    /// PasswordExpirationProtectionEnabled is on (Windows would rotate such a password at once).
    #[error("expiration {requested} is beyond the policy's maximum {maximum} (PasswordExpirationProtectionEnabled)")]
    ExpirationBeyondPolicy {
        /// The requested expiration, RFC 3339.
        requested: String,
        /// now + PasswordAgeDays, RFC 3339.
        maximum: String,
    },
    /// A caller-supplied value is invalid (empty account name, empty password, ...).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// Encryption failed (laps-crypto).
    #[error("encryption failed: {0}")]
    Crypto(#[from] laps_crypto::Error),
}

impl Error {
    /// The kind of failure in the taxonomy every winlaps crate and binding shares.
    pub fn kind(&self) -> laps_core::ErrorKind {
        use laps_core::ErrorKind as K;
        match self {
            Error::NoLapsAttributes { .. } => K::NotFound,
            Error::BadAttribute { .. } => K::Format,
            Error::NotActiveDirectory(_)
            | Error::PolicyBlocked(_)
            | Error::WrongEncryptionTarget(_)
            | Error::ExpirationBeyondPolicy { .. } => K::Policy,
            Error::NoEncryptionKey { .. } => K::KeyNotFound,
            Error::InvalidInput(_) => K::InvalidArgument,
            Error::Crypto(e) => e.kind(),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
