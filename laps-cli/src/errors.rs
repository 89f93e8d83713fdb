//! Exit codes and the stable error codes of `winlaps`.
//!
//! Every error has a `code` from the same set Node's binding throws (`err.code`), so a script
//! can branch on it whichever front end it uses. Under `--json` an error is printed on stderr
//! as one JSON line:
//! `{"error":{"code":"LAPS_FORMAT","message":"…"}}`.
//!
//! | exit | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | an error (the message, or the JSON error, says which) |
//! | 2 | a usage error: unknown flag, missing or conflicting argument |
//! | 3 | `decrypt`: at least one value failed; every result was still printed |

use std::fmt;

/// Exit code of a command-line usage error (clap's own).
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code of `decrypt` when some value failed (every result is still printed).
pub(crate) const EXIT_PARTIAL: u8 = 3;

/// The stable error codes (Node's `ErrorCode`, plus `LAPS_IO` for the CLI's own I/O).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// Malformed input: a blob, file or value that does not parse.
    Format,
    /// Wrong key, bad authentication tag or failed key unwrap.
    DecryptFailed,
    /// No root key or group key envelope covers the value.
    KeyNotFound,
    /// A valid but unsupported algorithm, protector or format version.
    Unsupported,
    /// A policy input that Windows treats as a hard failure.
    Policy,
    /// An argument out of range or of the wrong shape.
    InvalidArg,
    /// A file, network or directory operation failed (the CLI's own I/O; Node does its own).
    Io,
    /// A winlaps bug.
    Internal,
}

impl Code {
    /// The code as scripts see it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Code::Format => "LAPS_FORMAT",
            Code::DecryptFailed => "LAPS_DECRYPT_FAILED",
            Code::KeyNotFound => "LAPS_KEY_NOT_FOUND",
            Code::Unsupported => "LAPS_UNSUPPORTED",
            Code::Policy => "LAPS_POLICY",
            Code::InvalidArg => "LAPS_INVALID_ARG",
            Code::Io => "LAPS_IO",
            Code::Internal => "LAPS_INTERNAL",
        }
    }
}

/// An error that carries its own code (and exit code), for failures the CLI itself detects.
#[derive(Debug)]
pub(crate) struct CodedError {
    /// The stable code.
    pub(crate) code: Code,
    /// The process exit code.
    pub(crate) exit: u8,
    /// What went wrong (never a secret).
    pub(crate) message: String,
}

impl CodedError {
    /// An error with `code` that exits 1.
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Self {
        CodedError {
            code,
            exit: 1,
            message: message.into(),
        }
    }
}

impl fmt::Display for CodedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CodedError {}

/// The code of a laps-crypto error (the same mapping as Node's binding).
pub(crate) fn crypto_code(e: &laps_crypto::Error) -> Code {
    use laps_crypto::Error as E;
    match e {
        E::Malformed { .. } => Code::Format,
        E::UnsupportedProtector(_) | E::UnsupportedAlgorithm(_) => Code::Unsupported,
        E::UnknownRootKey { .. } | E::KeyNotCovered { .. } => Code::KeyNotFound,
        E::DecryptionFailed => Code::DecryptFailed,
        E::InvalidKey(_) | E::InvalidInput(_) => Code::InvalidArg,
        _ => Code::Internal,
    }
}

/// The code of any error a command returns.
pub(crate) fn code_of(e: &(dyn std::error::Error + 'static)) -> Code {
    if let Some(c) = e.downcast_ref::<CodedError>() {
        return c.code;
    }
    if let Some(e) = e.downcast_ref::<laps_crypto::Error>() {
        return crypto_code(e);
    }
    if let Some(e) = e.downcast_ref::<laps_core::Error>() {
        return match e {
            laps_core::Error::Rng => Code::Internal,
            _ => Code::InvalidArg,
        };
    }
    if let Some(e) = e.downcast_ref::<laps_policy::Error>() {
        use laps_policy::Error as E;
        return match e {
            E::PolTruncated { .. }
            | E::PolHeader { .. }
            | E::PolDelimiter { .. }
            | E::SyncMl { .. }
            | E::Reg { .. }
            | E::Encoding { .. }
            | E::Json { .. }
            | E::Toml { .. } => Code::Format,
            _ => Code::Policy,
        };
    }
    if e.downcast_ref::<serde_json::Error>().is_some() {
        return Code::Format;
    }
    if e.downcast_ref::<std::io::Error>().is_some()
        || e.downcast_ref::<laps_client::Error>().is_some()
        || e.downcast_ref::<laps_ldap::Error>().is_some()
    {
        return Code::Io;
    }
    // Plain messages are the CLI's own argument checks.
    Code::InvalidArg
}

/// The process exit code of an error.
pub(crate) fn exit_of(e: &(dyn std::error::Error + 'static)) -> u8 {
    e.downcast_ref::<CodedError>().map_or(1, |c| c.exit)
}

/// The one-line JSON form of an error.
pub(crate) fn json_line(code: Code, message: &str) -> String {
    serde_json::json!({"error": {"code": code.as_str(), "message": message}}).to_string()
}

/// True when errors should be printed as JSON: `--json` is among the arguments (before a
/// `--`). Every command that prints JSON takes `--json`.
pub(crate) fn json_mode(args: &[std::ffi::OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<std::ffi::OsString> {
        std::iter::once("winlaps")
            .chain(a.iter().copied())
            .map(Into::into)
            .collect()
    }

    #[test]
    fn json_mode_follows_the_flag() {
        assert!(json_mode(&args(&["generate", "--json"])));
        assert!(json_mode(&args(&["decrypt", "--json", "x"])));
        assert!(!json_mode(&args(&["decrypt", "x"])));
        assert!(!json_mode(&args(&["generate"])));
        assert!(!json_mode(&args(&["policy", "write", "--", "--json"])));
    }

    #[test]
    fn codes_match_the_node_binding() {
        let e = laps_crypto::Error::DecryptionFailed;
        assert_eq!(code_of(&e).as_str(), "LAPS_DECRYPT_FAILED");
        let e: Box<dyn std::error::Error> = "bad --time".into();
        assert_eq!(code_of(e.as_ref()), Code::InvalidArg);
        let e = std::io::Error::other("x");
        assert_eq!(code_of(&e), Code::Io);
        let line = json_line(Code::Format, "malformed \"x\"");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["error"]["code"], "LAPS_FORMAT");
        assert_eq!(v["error"]["message"], "malformed \"x\"");
    }
}
