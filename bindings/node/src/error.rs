//! The stable error codes JS sees, and the mapping from each crate's error.

use napi_derive::napi;

/// The stable `code` of every error winlaps throws (`err.code`).
///
/// Exported as a string enum so the `.d.ts` lists every code; the values are
/// part of the public API and never change meaning.
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
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        match self {
            ErrorCode::Format => "LAPS_FORMAT",
            ErrorCode::DecryptFailed => "LAPS_DECRYPT_FAILED",
            ErrorCode::KeyNotFound => "LAPS_KEY_NOT_FOUND",
            ErrorCode::Unsupported => "LAPS_UNSUPPORTED",
            ErrorCode::Policy => "LAPS_POLICY",
            ErrorCode::InvalidArg => "LAPS_INVALID_ARG",
            ErrorCode::Internal => "LAPS_INTERNAL",
        }
    }
}

/// A JS error carrying one of our codes.
pub(crate) type JsError = napi::Error<ErrorCode>;
/// The result type of every export (named `Result` so `#[napi]` recognises it).
pub(crate) type Result<T> = std::result::Result<T, JsError>;

/// An error with `code` and a message (which must never contain a secret).
pub(crate) fn laps_error(code: ErrorCode, message: impl Into<String>) -> JsError {
    napi::Error::new(code, message.into())
}

/// An argument error.
pub(crate) fn invalid_arg(message: impl Into<String>) -> JsError {
    laps_error(ErrorCode::InvalidArg, message)
}

/// Maps a laps-core error (its message holds no secret).
pub(crate) fn core_error(e: laps_core::Error) -> JsError {
    let code = match e {
        laps_core::Error::Rng => ErrorCode::Internal,
        _ => ErrorCode::InvalidArg,
    };
    laps_error(code, e.to_string())
}

/// Maps a laps-policy error: every parser error is malformed input.
pub(crate) fn policy_error(e: laps_policy::Error) -> JsError {
    use laps_policy::Error as E;
    let code = match e {
        E::PolTruncated { .. }
        | E::PolHeader { .. }
        | E::PolDelimiter { .. }
        | E::SyncMl { .. }
        | E::Reg { .. }
        | E::Encoding { .. }
        | E::Json { .. }
        | E::Toml { .. } => ErrorCode::Format,
        _ => ErrorCode::Policy,
    };
    laps_error(code, e.to_string())
}

/// Maps a laps-crypto error to its stable code. The crate's messages never hold secrets.
pub(crate) fn crypto_error(e: laps_crypto::Error) -> JsError {
    use laps_crypto::Error as E;
    let code = match e {
        E::Malformed { .. } => ErrorCode::Format,
        E::UnsupportedProtector(_) | E::UnsupportedAlgorithm(_) => ErrorCode::Unsupported,
        E::UnknownRootKey { .. } | E::KeyNotCovered { .. } => ErrorCode::KeyNotFound,
        E::DecryptionFailed => ErrorCode::DecryptFailed,
        E::InvalidKey(_) | E::InvalidInput(_) => ErrorCode::InvalidArg,
        _ => ErrorCode::Internal,
    };
    laps_error(code, e.to_string())
}
