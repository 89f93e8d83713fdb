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

use laps_core::ErrorKind;
use std::fmt;

/// Exit code of a command-line usage error (clap's own).
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code of `decrypt` when some value failed (every result is still printed).
pub(crate) const EXIT_PARTIAL: u8 = 3;

/// A stable error code: the core's [`ErrorKind`] (the code Node's binding throws for the same
/// failure, `err.code`), or `LAPS_IO` for the CLI's own file and terminal I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// A failure the core classifies.
    Kind(ErrorKind),
    /// A file or terminal operation of the CLI failed.
    Io,
}

impl Code {
    /// Malformed input: a blob, file or value that does not parse.
    pub(crate) const FORMAT: Code = Code::Kind(ErrorKind::Format);
    /// Wrong key, bad authentication tag or failed key unwrap.
    pub(crate) const DECRYPT_FAILED: Code = Code::Kind(ErrorKind::Decryption);
    /// An argument out of range or of the wrong shape.
    pub(crate) const INVALID_ARG: Code = Code::Kind(ErrorKind::InvalidArgument);

    /// The code as scripts see it (`LAPS_FORMAT`, ...).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Code::Kind(k) => k.code(),
            Code::Io => "LAPS_IO",
        }
    }

    /// The code spelled `name`, if it is one.
    pub(crate) fn named(name: &str) -> Option<Code> {
        ErrorKind::ALL
            .into_iter()
            .map(Code::Kind)
            .chain([Code::Io])
            .find(|c| c.as_str() == name)
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

/// The code of a laps-crypto error.
pub(crate) fn crypto_code(e: &laps_crypto::Error) -> Code {
    Code::Kind(e.kind())
}

/// The code of any error a command returns: its crate's [`ErrorKind`] where it has one (the
/// one mapping every front end shares), else `LAPS_IO` for file I/O and `LAPS_INVALID_ARG`
/// for the CLI's own argument checks.
pub(crate) fn code_of(e: &(dyn std::error::Error + 'static)) -> Code {
    if let Some(c) = e.downcast_ref::<CodedError>() {
        return c.code;
    }
    macro_rules! kind_of {
        ($($t:ty),* $(,)?) => {
            $(if let Some(e) = e.downcast_ref::<$t>() {
                return Code::Kind(e.kind());
            })*
        };
    }
    kind_of!(
        laps_core::Error,
        laps_crypto::Error,
        laps_policy::Error,
        laps_directory::Error,
        laps_client::Error,
        laps_ldap::Error,
    );
    if e.downcast_ref::<serde_json::Error>().is_some() {
        return Code::FORMAT;
    }
    if e.downcast_ref::<std::io::Error>().is_some() {
        return Code::Io;
    }
    // Plain messages are the CLI's own argument checks.
    Code::INVALID_ARG
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
        assert_eq!(code_of(e.as_ref()), Code::INVALID_ARG);
        let e = std::io::Error::other("x");
        assert_eq!(code_of(&e), Code::Io);
        let line = json_line(Code::FORMAT, "malformed \"x\"");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["error"]["code"], "LAPS_FORMAT");
        assert_eq!(v["error"]["message"], "malformed \"x\"");
    }
}
