//! The stable error codes JS sees, and the mapping from each crate's error.

use laps_core::ErrorKind;
use napi_derive::napi;

/// The stable `code` of every error winlaps throws (`err.code`).
///
/// Exported as a string enum so the `.d.ts` lists every code; the values are
/// part of the public API and never change meaning. The errors carry the code as text: the
/// core's [`ErrorKind::code`] for a kind, one of the finer live-key codes for the live-key errors.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Malformed input: a blob, file or value that does not parse.
    #[napi(value = "LAPS_FORMAT")]
    Format,
    /// Wrong key, bad authentication tag or failed key unwrap (deliberately one code).
    #[napi(value = "LAPS_DECRYPT_FAILED")]
    DecryptFailed,
    /// No root key or group key envelope in the store covers the blob.
    #[napi(value = "LAPS_KEY_NOT_FOUND")]
    KeyNotFound,
    /// A valid but unsupported algorithm, protector or format version.
    #[napi(value = "LAPS_UNSUPPORTED")]
    Unsupported,
    /// A policy input that Windows treats as a hard failure.
    #[napi(value = "LAPS_POLICY")]
    Policy,
    /// An argument out of range or of the wrong shape.
    #[napi(value = "LAPS_INVALID_ARG")]
    InvalidArg,
    /// A winlaps bug (a caught Rust panic). Never expected.
    #[napi(value = "LAPS_INTERNAL")]
    Internal,
    /// Live keys: the domain controller could not be reached (refused, no route, bad name).
    #[napi(value = "LAPS_UNREACHABLE")]
    Unreachable,
    /// Live keys: a network step (connect, read, write, KDC exchange) timed out.
    #[napi(value = "LAPS_TIMEOUT")]
    Timeout,
    /// Live keys: the connection broke or another socket error.
    #[napi(value = "LAPS_NETWORK")]
    Network,
    /// Live keys: the endpoint mapper has no MS-GKDI (`ISD_KEY`) endpoint, as on Samba.
    #[napi(value = "LAPS_NO_GKDI_ENDPOINT")]
    NoGkdiEndpoint,
    /// Live keys: the server refused the DCE/RPC bind (bind_nak).
    #[napi(value = "LAPS_BIND_REJECTED")]
    BindRejected,
    /// Live keys: authentication failed (wrong password, unknown user, no ticket).
    #[napi(value = "LAPS_AUTH_FAILED")]
    AuthFailed,
    /// Live keys: GetKey refused the caller the key of the value's SID (E_ACCESSDENIED).
    #[napi(value = "LAPS_ACCESS_DENIED")]
    AccessDenied,
    /// Live keys: the server answered with a DCE/RPC fault (the status is in the message).
    #[napi(value = "LAPS_RPC_FAULT")]
    RpcFault,
    /// Live keys: GetKey failed with another HRESULT.
    #[napi(value = "LAPS_GETKEY_FAILED")]
    GetKeyFailed,
    /// Live keys: the server's bytes were malformed or out of order.
    #[napi(value = "LAPS_PROTOCOL")]
    Protocol,
    /// The object asked for does not exist (e.g. no LAPS attributes on the computer).
    #[napi(value = "LAPS_NOT_FOUND")]
    NotFound,
    /// Randomness could not be obtained (the OS source failed, `randomness` ran out).
    #[napi(value = "LAPS_RANDOMNESS")]
    Randomness,
}

/// A JS error carrying one of the [`ErrorCode`] codes.
pub(crate) type JsError = napi::Error<&'static str>;
/// The result type of every export (named `Result` so `#[napi]` recognises it).
pub(crate) type Result<T> = std::result::Result<T, JsError>;

/// An error with `code` and a message (which must never contain a secret).
fn laps_error(code: &'static str, message: impl Into<String>) -> JsError {
    napi::Error::new(code, message.into())
}

/// An argument error.
pub(crate) fn invalid_arg(message: impl Into<String>) -> JsError {
    kind_error(ErrorKind::InvalidArgument, message)
}

/// A winlaps bug (`LAPS_INTERNAL`).
pub(crate) fn internal(message: impl Into<String>) -> JsError {
    kind_error(ErrorKind::Internal, message)
}

/// An error of the core's `kind` (the message must never contain a secret).
pub(crate) fn kind_error(kind: ErrorKind, message: impl Into<String>) -> JsError {
    laps_error(kind.code(), message)
}

/// The crates' error enums: each has a core [`ErrorKind`], and a `Display` that never holds a
/// secret.
pub(crate) trait CrateError: std::fmt::Display {
    /// The error's kind in the core's taxonomy.
    fn kind(&self) -> ErrorKind;
}

macro_rules! crate_errors {
    ($($t:ty),* $(,)?) => {$(
        impl CrateError for $t {
            fn kind(&self) -> ErrorKind {
                <$t>::kind(self)
            }
        }
    )*};
}

crate_errors!(
    laps_core::Error,
    laps_core::UnknownName,
    laps_policy::Error,
    laps_crypto::Error,
    laps_directory::Error,
);

/// Maps a crate error to the code of its kind.
pub(crate) fn coded(e: impl CrateError) -> JsError {
    kind_error(e.kind(), e.to_string())
}

/// Maps a laps-client (live keys) error to its stable code. Its messages name hosts, ports,
/// steps and statuses, never credentials.
pub(crate) fn client_error(e: &laps_client::Error) -> JsError {
    use laps_client::ErrorDetail as K;
    let code = match e.detail() {
        K::Unreachable => "LAPS_UNREACHABLE",
        K::NoGkdiEndpoint => "LAPS_NO_GKDI_ENDPOINT",
        K::BindRejected => "LAPS_BIND_REJECTED",
        K::Fault => "LAPS_RPC_FAULT",
        K::GetKey => "LAPS_GETKEY_FAILED",
        K::Protocol => "LAPS_PROTOCOL",
        // The rest by the core kind: a value that does not parse by its crypto error's.
        _ => e.kind().code(),
    };
    laps_error(code, e.to_string())
}
