//! The one error type of laps-rpc.

use crate::auth::AuthError;

/// Errors from parsing, building and driving DCE/RPC, EPM and GetKey.
///
/// Hostile or broken input always gives one of these, never a panic; byte offsets count from
/// the start of the buffer given to the failing function (for PDUs: from the first byte of the
/// common header). Messages never contain secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended before the structure did.
    #[error("truncated {structure} at byte {offset}: {needed} more bytes needed")]
    Truncated {
        /// Which structure was being read.
        structure: &'static str,
        /// Offset where more bytes were needed.
        offset: usize,
        /// How many more bytes were needed.
        needed: usize,
    },
    /// The input does not have the expected structure.
    #[error("malformed {structure} at byte {offset}: {reason}")]
    Malformed {
        /// Which structure was being read.
        structure: &'static str,
        /// Byte offset of the problem.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A fragment's `frag_length` or a reassembled message exceeds the configured bound.
    #[error("{what} of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// `"fragment"` or `"message"`.
        what: &'static str,
        /// The announced or accumulated size.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The peer sent a PDU that is not valid in the current state.
    #[error("unexpected {got} PDU while waiting for {expected}")]
    UnexpectedPdu {
        /// What the state machine waited for.
        expected: &'static str,
        /// The PDU type name received.
        got: &'static str,
    },
    /// The server rejected the bind (bind_nak) with this `provider_reject_reason`
    /// ([MS-RPCE] 2.2.2.5).
    #[error("bind rejected by the server (bind_nak reason {reason})")]
    BindNak {
        /// `provider_reject_reason`.
        reason: u16,
    },
    /// The server accepted the bind but none of the proposed presentation contexts
    /// (interface + transfer syntax).
    #[error("the server accepted no presentation context (result {result}, reason {reason})")]
    ContextRejected {
        /// `p_cont_def_result_t` of the first context.
        result: u16,
        /// `p_provider_reason_t`.
        reason: u16,
    },
    /// The peer answered with a fault PDU.
    #[error("RPC fault 0x{status:08x} ({})", crate::status::name(*status))]
    Fault {
        /// The fault status (e.g. `0x1c010002` nca_s_op_rng_error, `0x5` access denied).
        status: u32,
    },
    /// Authentication (context establishment, signature or seal) failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The server refused the caller's credentials: an authenticated association got an
    /// access-denied or security-package fault before any call was answered. A server says
    /// so on an `alter_context` leg of the bind (SPNEGO, Kerberos) or, since NTLM's `auth3`
    /// gets no answer, on the first request.
    #[error(
        "authentication failed: the server refused the credentials (fault 0x{status:08x}, {})",
        crate::status::name(*status)
    )]
    CredentialsRefused {
        /// `nca_s_fault_access_denied` (5) or `nca_s_fault_sec_pkg_error` (0x721).
        status: u32,
    },
    /// The endpoint mapper has no endpoint for the interface (`EPT_S_NOT_REGISTERED`
    /// 0x16c9a0d6 or no tower). Samba's AD DC, which serves no GKDI, answers this way.
    #[error(
        "the endpoint mapper has no endpoint for interface {interface} (status 0x{status:08x}){}",
        gkdi_hint(interface)
    )]
    EndpointNotFound {
        /// The interface UUID asked for.
        interface: String,
        /// The ept_map status (0 when the answer simply held no tower).
        status: u32,
    },
    /// GetKey returned E_ACCESSDENIED (0x80070005): the caller is not granted the key of the
    /// target security descriptor.
    #[error("access denied: the caller may not read keys for {target}")]
    AccessDenied {
        /// The SID (or SIDs) of the target security descriptor, e.g. `S-1-5-21-…-512`.
        target: String,
    },
    /// GetKey returned another failing HRESULT.
    #[error("GetKey failed with HRESULT 0x{hresult:08x} ({})", crate::status::name(*hresult))]
    GetKey {
        /// The HRESULT.
        hresult: u32,
    },
    /// Key material from laps-crypto could not be used (e.g. a Group Key Envelope that does
    /// not parse).
    #[error(transparent)]
    Crypto(#[from] laps_crypto::Error),
    /// A caller-supplied argument is invalid (a configuration value, an over-long SD, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// The state machine was used out of order (e.g. `receive` after the exchange finished or
    /// failed).
    #[error("state machine misuse: {0}")]
    InvalidState(&'static str),
}

/// What a missing GKDI endpoint means for the caller, appended to [`Error::EndpointNotFound`].
fn gkdi_hint(interface: &str) -> &'static str {
    let gkdi = crate::gkdi::GKDI_INTERFACE.uuid.to_string();
    if interface.eq_ignore_ascii_case(&gkdi) {
        ": the server serves no MS-GKDI GetKey endpoint (Samba AD DCs do not implement GetKey; \
         use a Windows DC, or read the KDS root keys over LDAP)"
    } else {
        ""
    }
}

/// This crate's finer classification of [`Error`], within its [`kind`](Error::kind): which
/// step of the DCE/RPC exchange failed, for callers that report an unreachable GKDI endpoint,
/// a rejected bind or a fault differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorDetail {
    /// Bytes from the peer are malformed, truncated, too large or out of order.
    Protocol,
    /// The server refused the bind or every presentation context.
    BindRejected,
    /// A fault PDU.
    Fault,
    /// Authentication or message protection failed.
    Auth,
    /// The endpoint mapper has no endpoint for the interface.
    EndpointNotFound,
    /// GetKey access denied.
    AccessDenied,
    /// GetKey failed with another HRESULT.
    GetKey,
    /// Key material could not be used.
    Crypto,
    /// API misuse or a bad argument.
    Usage,
}

impl Error {
    /// The finer classification of this error (the DCE/RPC step that failed);
    /// [`kind`](Self::kind) is the one every winlaps crate and binding shares.
    pub fn detail(&self) -> ErrorDetail {
        match self {
            Error::Truncated { .. }
            | Error::Malformed { .. }
            | Error::TooLarge { .. }
            | Error::UnexpectedPdu { .. } => ErrorDetail::Protocol,
            Error::BindNak { .. } | Error::ContextRejected { .. } => ErrorDetail::BindRejected,
            Error::Fault { .. } => ErrorDetail::Fault,
            Error::Auth(_) | Error::CredentialsRefused { .. } => ErrorDetail::Auth,
            Error::EndpointNotFound { .. } => ErrorDetail::EndpointNotFound,
            Error::AccessDenied { .. } => ErrorDetail::AccessDenied,
            Error::GetKey { .. } => ErrorDetail::GetKey,
            Error::Crypto(_) => ErrorDetail::Crypto,
            Error::InvalidArgument(_) | Error::InvalidState(_) => ErrorDetail::Usage,
        }
    }

    /// The kind of failure in the taxonomy every winlaps crate and binding shares
    /// ([`detail`](Self::detail) is this crate's finer classification).
    ///
    /// ```
    /// use laps_rpc::{Error, ErrorDetail, ErrorKind};
    /// let e = Error::GetKey { hresult: 0x8009_0303 };
    /// assert_eq!(e.kind(), ErrorKind::Network);
    /// assert_eq!(e.detail(), ErrorDetail::GetKey);
    /// ```
    pub fn kind(&self) -> laps_core::ErrorKind {
        use laps_core::ErrorKind as K;
        match self {
            Error::Auth(_) | Error::CredentialsRefused { .. } => K::Authentication,
            Error::AccessDenied { .. } => K::AccessDenied,
            Error::Crypto(e) => e.kind(),
            Error::InvalidArgument(_) | Error::InvalidState(_) => K::InvalidArgument,
            _ => K::Network,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
