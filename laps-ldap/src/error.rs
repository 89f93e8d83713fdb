//! The one error type of laps-ldap.

/// Errors from talking to the directory. Messages never contain passwords or key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The TCP/TLS connection could not be made (refused, DNS, TLS handshake, certificate).
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The LDAP URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// An operation did not complete within the timeout.
    #[error("{operation} timed out after {seconds} s")]
    Timeout {
        /// The operation (`connect`, `bind`, `search`, `modify`, ...).
        operation: &'static str,
        /// The timeout in seconds.
        seconds: u64,
    },
    /// The CA file cannot be read or holds no certificate.
    #[error("CA file {path}: {reason}")]
    CaFile {
        /// The path given.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// The server rejected the credentials (LDAP result 49 and friends).
    #[error("bind as {user} failed: {message} (LDAP result {code})")]
    Bind {
        /// The user name given.
        user: String,
        /// LDAP result code.
        code: u32,
        /// The server's diagnostic message.
        message: String,
    },
    /// This authentication method cannot be used as asked (not built in, or it would send a
    /// password in the clear).
    #[error("authentication {method}: {reason}")]
    AuthUnavailable {
        /// `simple`, `ntlm`, `kerberos`, `negotiate`.
        method: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// An LDAP operation failed.
    #[error("{operation} failed: {message} (LDAP result {code})")]
    Ldap {
        /// The operation.
        operation: &'static str,
        /// LDAP result code.
        code: u32,
        /// The server's diagnostic message.
        message: String,
    },
    /// Another client-side LDAP error (I/O, protocol).
    #[error("{operation}: {reason}")]
    Protocol {
        /// The operation.
        operation: &'static str,
        /// What failed.
        reason: String,
    },
    /// No computer object matches this identity.
    #[error("computer {0:?} not found")]
    ComputerNotFound(String),
    /// Several computer objects match this identity.
    #[error("computer {identity:?} is ambiguous ({count} objects)")]
    AmbiguousComputer {
        /// The identity given.
        identity: String,
        /// How many objects matched.
        count: usize,
    },
    /// A principal name could not be resolved to a SID.
    #[error("principal {0:?} not found")]
    PrincipalNotFound(String),
    /// The KDS root keys cannot be read with this account (not a Domain Admin, or none exist).
    #[error("KDS root keys not readable: {0}")]
    RootKeysUnreadable(String),
    /// A value from the directory is unusable (laps-directory).
    #[error(transparent)]
    Directory(#[from] laps_directory::Error),
    /// A root key from the directory is unusable (laps-crypto).
    #[error("root key {id}: {source}")]
    RootKey {
        /// The root key's `cn`.
        id: String,
        /// Why.
        source: laps_crypto::Error,
    },
}

impl Error {
    /// The kind of failure in the taxonomy every winlaps crate and binding shares.
    pub fn kind(&self) -> laps_core::ErrorKind {
        use laps_core::ErrorKind as K;
        match self {
            Error::Connect { .. } | Error::Protocol { .. } => K::Network,
            Error::Timeout { .. } => K::Timeout,
            Error::CaFile { .. } | Error::AmbiguousComputer { .. } => K::InvalidArgument,
            Error::Bind { .. } => K::Authentication,
            Error::AuthUnavailable { .. } => K::Unsupported,
            // LDAP insufficientAccessRights (50).
            Error::Ldap { code: 50, .. } | Error::RootKeysUnreadable(_) => K::AccessDenied,
            Error::Ldap { .. } => K::Network,
            Error::ComputerNotFound(_) | Error::PrincipalNotFound(_) => K::NotFound,
            Error::Directory(e) => e.kind(),
            Error::RootKey { source, .. } => source.kind(),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Maps an ldap3 error of `operation` to [`Error`].
pub(crate) fn ldap_error(operation: &'static str, timeout: u64, e: ldap3::LdapError) -> Error {
    match e {
        ldap3::LdapError::Timeout { .. } => Error::Timeout {
            operation,
            seconds: timeout,
        },
        ldap3::LdapError::LdapResult { result } => Error::Ldap {
            operation,
            code: result.rc,
            message: result.text,
        },
        other => Error::Protocol {
            operation,
            reason: other.to_string(),
        },
    }
}

/// Runs one ldap3 call so that a panic inside it becomes [`Error::Protocol`].
///
/// ldap3 parses server messages with `expect`s: a malformed bind or extended response panics on
/// the calling thread (a malformed message inside its connection task ends that task, which the
/// caller then sees as a closed connection). The connection is not used again after this error:
/// [`crate::Directory`] refuses further operations.
pub(crate) fn guarded<T>(operation: &'static str, call: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_or_else(|_| {
        Err(Error::Protocol {
            operation,
            reason: "malformed message from the server".into(),
        })
    })
}
