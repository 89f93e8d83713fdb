//! The one error type of laps-client.

use std::fmt;

/// Which network step failed or timed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Opening the TCP connection.
    Connect,
    /// Sending a PDU.
    Write,
    /// Waiting for or reading a PDU.
    Read,
    /// Talking to the Kerberos KDC.
    Kdc,
    /// Asking a DNS server for a domain's DCs.
    Dns,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Connect => "connect",
            Step::Write => "write",
            Step::Read => "read",
            Step::Kdc => "KDC exchange",
            Step::Dns => "DNS query",
        })
    }
}

/// Errors of the GetKey client, the security contexts and the lab server.
///
/// Messages name hosts, ports, steps and statuses, never passwords, keys or tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The TCP connection could not be opened (refused, no route, name not resolved).
    #[error("{addr} is unreachable: {reason}")]
    Unreachable {
        /// `host:port` as given.
        addr: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A network step did not finish within its timeout.
    #[error("{step} to {addr} timed out after {millis} ms")]
    Timeout {
        /// The step that timed out.
        step: Step,
        /// `host:port`.
        addr: String,
        /// The timeout that expired.
        millis: u128,
    },
    /// DNS named no domain controller: no name server, no such domain, no SRV record.
    #[error("no domain controller found by DNS SRV {srv}: {reason}")]
    NoDomainController {
        /// The SRV name asked for (`_ldap._tcp.dc._msdcs.<domain>`).
        srv: String,
        /// Why none was found.
        reason: String,
    },
    /// The peer closed the connection before the exchange finished.
    #[error("{addr} closed the connection during {step}")]
    ConnectionClosed {
        /// The step during which the connection closed.
        step: Step,
        /// `host:port`.
        addr: String,
    },
    /// Another socket error.
    #[error("{step} with {addr} failed: {reason}")]
    Io {
        /// The step that failed.
        step: Step,
        /// `host:port`.
        addr: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A DCE/RPC, EPM or GetKey failure reported by laps-rpc (bind_nak, fault, access denied,
    /// no ISD_KEY endpoint, malformed PDUs, authentication).
    #[error(transparent)]
    Rpc(#[from] laps_rpc::Error),
    /// A security context could not be set up or advanced.
    #[error(transparent)]
    Auth(#[from] laps_rpc::auth::AuthError),
    /// Key material could not be used.
    #[error(transparent)]
    Crypto(#[from] laps_crypto::Error),
    /// A directory rule refused the input (a domain name DNS cannot carry).
    #[error(transparent)]
    Directory(#[from] laps_directory::Error),
    /// A caller-supplied value is invalid (account line, user name, option).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// This crate's finer classification of [`Error`], within its [`kind`](Error::kind): which
/// network or DCE/RPC step failed, for callers that report an unreachable server, a missing
/// GKDI endpoint or a rejected bind differently (the Node binding's finer `LAPS_*` codes, the
/// Python binding's `RpcError` subclasses, the CLI's hints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorDetail {
    /// The server could not be reached.
    Unreachable,
    /// A step timed out.
    Timeout,
    /// The connection broke or another socket error.
    Io,
    /// The endpoint mapper has no ISD_KEY (GKDI) endpoint, as on Samba.
    NoGkdiEndpoint,
    /// The server refused the bind (bind_nak) or every presentation context.
    BindRejected,
    /// Authentication failed (bad password, unknown user, no ticket, bad signature).
    AuthFailed,
    /// A fault PDU with a status.
    Fault,
    /// GetKey answered E_ACCESSDENIED.
    AccessDenied,
    /// GetKey failed with another HRESULT.
    GetKey,
    /// The peer's bytes were malformed or out of order.
    Protocol,
    /// Key material could not be used.
    Crypto,
    /// A bad argument or API misuse.
    Usage,
}

impl Error {
    /// The finer classification of this error (the step that failed);
    /// [`kind`](Self::kind) is the one every winlaps crate and binding shares.
    pub fn detail(&self) -> ErrorDetail {
        use laps_rpc::ErrorDetail as R;
        match self {
            Error::Unreachable { .. } | Error::NoDomainController { .. } => {
                ErrorDetail::Unreachable
            }
            Error::Timeout { .. } => ErrorDetail::Timeout,
            Error::ConnectionClosed { .. } | Error::Io { .. } => ErrorDetail::Io,
            Error::Rpc(e) => match e.detail() {
                R::EndpointNotFound => ErrorDetail::NoGkdiEndpoint,
                R::BindRejected => ErrorDetail::BindRejected,
                R::Auth => ErrorDetail::AuthFailed,
                R::Fault => ErrorDetail::Fault,
                R::AccessDenied => ErrorDetail::AccessDenied,
                R::GetKey => ErrorDetail::GetKey,
                R::Crypto => ErrorDetail::Crypto,
                R::Usage => ErrorDetail::Usage,
                _ => ErrorDetail::Protocol,
            },
            Error::Auth(_) => ErrorDetail::AuthFailed,
            Error::Crypto(_) => ErrorDetail::Crypto,
            Error::InvalidArgument(_) => ErrorDetail::Usage,
            Error::Directory(e) if e.kind() == laps_core::ErrorKind::InvalidArgument => {
                ErrorDetail::Usage
            }
            Error::Directory(_) => ErrorDetail::Protocol,
        }
    }

    /// The kind of failure in the taxonomy every winlaps crate and binding shares
    /// ([`detail`](Self::detail) is this crate's finer classification).
    pub fn kind(&self) -> laps_core::ErrorKind {
        use laps_core::ErrorKind as K;
        match self {
            Error::Timeout { .. } => K::Timeout,
            Error::Rpc(e) => e.kind(),
            Error::Auth(_) => K::Authentication,
            Error::Crypto(e) => e.kind(),
            Error::Directory(e) => e.kind(),
            Error::InvalidArgument(_) => K::InvalidArgument,
            _ => K::Network,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
