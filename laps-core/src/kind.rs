//! The one error taxonomy of winlaps: every crate's error enum maps each variant to an
//! [`ErrorKind`] with `kind()`, and each binding turns an `ErrorKind` into its own error
//! type in exactly one place (Python exception classes, Node `LAPS_*` codes).

use core::fmt;
use core::str::FromStr;

/// What kind of failure an error is, the same in every crate and every binding.
///
/// ```
/// use laps_core::{Error, ErrorKind};
/// assert_eq!(Error::LengthOutOfRange(7).kind(), ErrorKind::InvalidArgument);
/// assert_eq!(ErrorKind::InvalidArgument.as_str(), "invalid_argument");
/// assert_eq!("format".parse(), Ok(ErrorKind::Format));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bytes or text that do not parse: a truncated blob, bad UTF-16, bad JSON or XML, a
    /// malformed Registry.pol, SyncML or `.reg` file.
    Format,
    /// A value a policy writer or reader refuses: an unknown setting, a value the target
    /// format cannot carry.
    Policy,
    /// Authenticated decryption failed: wrong key, tampered data.
    Decryption,
    /// The key that would decrypt the data is not available (not in the store, not
    /// derivable from what was given).
    KeyNotFound,
    /// Valid input that this implementation does not handle (an algorithm, a version, a
    /// protocol feature).
    Unsupported,
    /// An argument out of its documented range or of the wrong shape (a length of 7, an
    /// unknown name, a key of the wrong size).
    InvalidArgument,
    /// A network, protocol or peer failure: an unreachable host, a broken connection,
    /// malformed bytes from the peer, a fault or an error status returned by a server.
    Network,
    /// A network step did not finish in time.
    Timeout,
    /// The peer refused the credentials (wrong password, unknown user, no ticket, bad
    /// signature).
    Authentication,
    /// The caller is authenticated but may not read the object (GetKey `E_ACCESSDENIED`, an
    /// LDAP insufficient-access result).
    AccessDenied,
    /// The object asked for does not exist (a computer, a principal, the LAPS attributes).
    NotFound,
    /// Randomness could not be obtained (the OS source failed, recorded randomness ran out).
    Randomness,
    /// A bug or a state that should be impossible; report it.
    Internal,
}

impl ErrorKind {
    /// The message of an [`Internal`](ErrorKind::Internal) error that a binding raises when
    /// native code panicked: one text in every language. The panic's own message is never
    /// used (it could quote a value being processed).
    pub const PANIC_MESSAGE: &'static str = "internal error: the native code panicked (a winlaps bug; please report it with the input's shape, not its secrets)";

    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::Format,
        ErrorKind::Policy,
        ErrorKind::Decryption,
        ErrorKind::KeyNotFound,
        ErrorKind::Unsupported,
        ErrorKind::InvalidArgument,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Authentication,
        ErrorKind::AccessDenied,
        ErrorKind::NotFound,
        ErrorKind::Randomness,
        ErrorKind::Internal,
    ];

    /// Every kind's [`as_str`](ErrorKind::as_str) name, in declaration order.
    pub const NAMES: [&'static str; 13] = {
        let mut names = [""; 13];
        let mut i = 0;
        while i < names.len() {
            names[i] = ErrorKind::ALL[i].as_str();
            i += 1;
        }
        names
    };

    /// snake_case name: `format`, `policy`, `decryption`, `key_not_found`, `unsupported`,
    /// `invalid_argument`, `network`, `timeout`, `authentication`, `access_denied`, `not_found`,
    /// `randomness`, `internal`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Format => "format",
            ErrorKind::Policy => "policy",
            ErrorKind::Decryption => "decryption",
            ErrorKind::KeyNotFound => "key_not_found",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Authentication => "authentication",
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Randomness => "randomness",
            ErrorKind::Internal => "internal",
        }
    }

    /// The Node binding's `err.code` (`LAPS_INVALID_ARG`, `LAPS_DECRYPT_FAILED`, ...), stable
    /// public names.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::Format => "LAPS_FORMAT",
            ErrorKind::Policy => "LAPS_POLICY",
            ErrorKind::Decryption => "LAPS_DECRYPT_FAILED",
            ErrorKind::KeyNotFound => "LAPS_KEY_NOT_FOUND",
            ErrorKind::Unsupported => "LAPS_UNSUPPORTED",
            ErrorKind::InvalidArgument => "LAPS_INVALID_ARG",
            ErrorKind::Network => "LAPS_NETWORK",
            ErrorKind::Timeout => "LAPS_TIMEOUT",
            ErrorKind::Authentication => "LAPS_AUTH_FAILED",
            ErrorKind::AccessDenied => "LAPS_ACCESS_DENIED",
            ErrorKind::NotFound => "LAPS_NOT_FOUND",
            ErrorKind::Randomness => "LAPS_RANDOMNESS",
            ErrorKind::Internal => "LAPS_INTERNAL",
        }
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.name)?;
        if let [first @ .., last] = self.known {
            f.write_str(" (expected ")?;
            for (i, name) in first.iter().enumerate() {
                let then = if i + 1 == first.len() { " or " } else { ", " };
                write!(f, "{name}{then}")?;
            }
            write!(f, "{last})")?;
        }
        Ok(())
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorKind {
    type Err = UnknownName;

    /// Parses an [`as_str`](ErrorKind::as_str) name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName::new("error kind", s, &ErrorKind::NAMES))
    }
}

/// A name that does not parse as one of a typed name's values (the error of every `FromStr`
/// of a named enum in winlaps). Its kind is [`ErrorKind::InvalidArgument`].
///
/// ```
/// use laps_core::{ErrorKind, UnknownName};
/// let e = "nope".parse::<ErrorKind>().unwrap_err();
/// assert!(e.to_string().starts_with("unknown error kind \"nope\" (expected format, policy,"));
/// assert_eq!(e.kind(), ErrorKind::InvalidArgument);
/// let e = UnknownName::new("root", "hklm", &["csp", "gpo", "local", "legacy"]);
/// assert_eq!(e.to_string(), "unknown root \"hklm\" (expected csp, gpo, local or legacy)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownName {
    /// What was being named (`root`, `severity`, ...).
    pub what: &'static str,
    /// The name given (truncated to 64 characters).
    pub name: String,
    /// The names that would have parsed, named in the message; empty: not listed.
    pub known: &'static [&'static str],
}

impl UnknownName {
    /// An unknown `name` for a `what`, whose names are `known` (empty: not listed).
    pub fn new(what: &'static str, name: &str, known: &'static [&'static str]) -> Self {
        UnknownName {
            what,
            name: name.chars().take(64).collect(),
            known,
        }
    }

    /// Always [`ErrorKind::InvalidArgument`].
    pub const fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidArgument
    }
}
