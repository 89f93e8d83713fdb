//! The one error type of laps-crypto.

use crate::Guid;
use laps_core::ErrorKind;

/// Errors from parsing, decrypting and encrypting LAPS / DPAPI-NG data.
///
/// * A wrong key, a failed AES key unwrap and a bad GCM tag all give the one opaque
///   [`Error::DecryptionFailed`], so that the error reveals nothing about which check failed.
/// * Malformed input gives [`Error::Malformed`] with the byte offset (from the start of the value
///   passed in) where the problem was found.
/// * Messages never contain secret material (keys, seeds, plaintexts, passwords).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input does not have the expected structure.
    #[error("malformed {structure} at byte {offset}: {reason}")]
    Malformed {
        /// Which structure was being read (e.g. `"KeyIdentifier"`).
        structure: &'static str,
        /// Byte offset of the problem, from the start of the input given to the function.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// The blob is protected by something other than a single `SID=` protector
    /// (`AND`, `SDDL=`, `LOCAL=`, `CERTIFICATE=`, ...). The full descriptor is included.
    #[error("unsupported protector: {0}")]
    UnsupportedProtector(String),
    /// An algorithm, key size or parameter that this crate does not implement.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// No root key and no group key envelope with this root key id was added to the key store.
    #[error("no key for root key {root_key_id}")]
    UnknownRootKey {
        /// The root key id named by the blob.
        root_key_id: Guid,
    },
    /// Group key envelopes for this root key exist, but none can derive the blob's key
    /// (a GKE only serves its own L0 and older L1/L2 indices, and only a seed GKE can decrypt).
    #[error("key ({l0}, {l1}, {l2}) of root key {root_key_id} is not covered by the group key envelopes")]
    KeyNotCovered {
        /// Root key id.
        root_key_id: Guid,
        /// L0 index.
        l0: i32,
        /// L1 index.
        l1: i32,
        /// L2 index.
        l2: i32,
    },
    /// Wrong key, failed AES key unwrap or failed GCM tag check (deliberately opaque).
    #[error("decryption failed")]
    DecryptionFailed,
    /// Key material given by the caller is unusable (e.g. a root key that is not 64 bytes, a public
    /// key that is not on its curve, a derived private key out of range).
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// A caller-supplied value is invalid (e.g. a SID string, a GUID string, JSON key file).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The random number generator failed.
    #[error("the random number generator failed")]
    Rng,
}

impl Error {
    /// The kind of failure, shared by every winlaps crate and binding.
    ///
    /// ```
    /// use laps_crypto::{Error, ErrorKind};
    /// assert_eq!(Error::DecryptionFailed.kind(), ErrorKind::Decryption);
    /// assert_eq!(Error::InvalidKey("too short").kind(), ErrorKind::InvalidArgument);
    /// ```
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Error::Malformed { .. } => ErrorKind::Format,
            Error::UnsupportedProtector(_) | Error::UnsupportedAlgorithm(_) => {
                ErrorKind::Unsupported
            }
            Error::UnknownRootKey { .. } | Error::KeyNotCovered { .. } => ErrorKind::KeyNotFound,
            Error::DecryptionFailed => ErrorKind::Decryption,
            Error::InvalidKey(_) | Error::InvalidInput(_) => ErrorKind::InvalidArgument,
            Error::Rng => ErrorKind::Randomness,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Shorthand for [`Error::Malformed`].
pub(crate) const fn malformed(
    structure: &'static str,
    offset: usize,
    reason: &'static str,
) -> Error {
    Error::Malformed {
        structure,
        offset,
        reason,
    }
}
