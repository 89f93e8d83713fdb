//! The one error type of laps-policy.
//!
//! Only malformed *input files* (and unknown names given to a writer) are errors. Bad policy
//! *values* never are:
//! Windows falls back to defaults and so does the resolver, reporting a
//! [`Diagnostic`](crate::Diagnostic) instead.

use laps_core::ErrorKind;

/// Errors from the laps-policy parsers.
///
/// Every variant says where the problem is: a byte offset for binary
/// Registry.pol input, a line (and column) for text input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Registry.pol: the input ends before the structure it announced.
    #[error("Registry.pol truncated at byte {offset}: expected {expected}")]
    PolTruncated {
        /// Byte offset where more input was needed.
        offset: usize,
        /// What the parser was reading.
        expected: &'static str,
    },
    /// Registry.pol: the 8-byte header is not `PReg` + version 1.
    #[error("Registry.pol header invalid at byte {offset}: {reason}")]
    PolHeader {
        /// Byte offset of the bad field (0 for the signature, 4 for the version).
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// Registry.pol: a delimiter (`[`, `;`, `]`) is missing.
    #[error("Registry.pol malformed at byte {offset}: expected '{expected}'")]
    PolDelimiter {
        /// Byte offset of the unexpected code unit.
        offset: usize,
        /// The delimiter that should be there.
        expected: char,
    },
    /// SyncML: not well-formed XML, or not the SyncML shape.
    #[error("SyncML invalid at line {line}, column {column}: {reason}")]
    SyncMl {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong.
        reason: String,
    },
    /// `.reg`: unknown header, bad line or bad value syntax.
    #[error(".reg file invalid at line {line}: {reason}")]
    Reg {
        /// 1-based line (0 when the problem is the encoding of the whole file).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A text input is neither UTF-8 nor UTF-16 with a byte-order mark.
    #[error("{format} input is not valid text at byte {offset}")]
    Encoding {
        /// Which format was being decoded.
        format: &'static str,
        /// Byte offset of the first undecodable byte.
        offset: usize,
    },
    /// JSON snapshot or device document that is not well-formed JSON.
    #[error("JSON invalid at line {line}, column {column}: {reason}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// A well-formed JSON document whose content the type refuses: an unknown field, a
    /// value of the wrong type or out of range (the same error a binding gives for the same
    /// argument).
    #[error("JSON value refused at line {line}, column {column}: {reason}")]
    JsonValue {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// Plain data (a binding's argument) refused by the form it should be: an unknown or
    /// missing field, a value of the wrong type or out of range.
    #[error("{}{reason}", field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
    Plain {
        /// The field, in the form's spelling (`password_policy.minimum_length`); `None` when
        /// the value itself is refused.
        field: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// TOML snapshot or device document invalid.
    #[error("TOML invalid at byte {offset}: {reason}")]
    Toml {
        /// Byte offset of the error (0 when unknown).
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// A policy file writer was given a value name that is not a setting of the root it
    /// writes (a typo would otherwise deploy a value Windows ignores).
    #[error("{name:?} is not a setting of the {root} root")]
    UnknownSetting {
        /// The root being written.
        root: crate::root::Root,
        /// The name given.
        name: String,
    },
    /// A policy file writer was given a value its format cannot carry (the LAPS CSP has only
    /// `int` (a DWORD), `bool` and `chr` (a string) values), or a SyncML command the device's
    /// LAPS CSP would refuse (a node it lacks, another format than the node's, a value outside
    /// the node's allowed values).
    #[error("{name}: {reason}")]
    UnwritableValue {
        /// The setting.
        name: String,
        /// Why the format cannot hold it.
        reason: &'static str,
    },
    /// The text of the CSP's `Actions/ResetPasswordStatus` is not an HRESULT (decimal, signed or
    /// not, or `0x` hex).
    #[error("not an HRESULT: {text:?}")]
    Hresult {
        /// The text, cut to its first 64 characters.
        text: String,
    },
    /// A number given as an HRESULT does not fit in 32 bits, signed or unsigned.
    #[error("an HRESULT must fit in 32 bits (signed or unsigned), got {value}")]
    HresultRange {
        /// The number, in decimal (a caller's integer may be wider than any Rust one).
        value: String,
    },
}

impl Error {
    /// The kind of failure: input that does not parse is [`ErrorKind::Format`]; a value a
    /// policy writer refuses is [`ErrorKind::Policy`].
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Error::PolTruncated { .. }
            | Error::PolHeader { .. }
            | Error::PolDelimiter { .. }
            | Error::SyncMl { .. }
            | Error::Reg { .. }
            | Error::Encoding { .. }
            | Error::Json { .. }
            | Error::Toml { .. }
            | Error::Hresult { .. } => ErrorKind::Format,
            Error::UnknownSetting { .. } | Error::UnwritableValue { .. } => ErrorKind::Policy,
            Error::JsonValue { .. } | Error::Plain { .. } | Error::HresultRange { .. } => {
                ErrorKind::InvalidArgument
            }
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        let (line, column, reason) = (e.line(), e.column(), e.to_string());
        if e.is_data() {
            Error::JsonValue {
                line,
                column,
                reason,
            }
        } else {
            Error::Json {
                line,
                column,
                reason,
            }
        }
    }
}

impl From<toml::de::Error> for Error {
    fn from(e: toml::de::Error) -> Self {
        Error::Toml {
            offset: e.span().map_or(0, |s| s.start),
            reason: e.message().to_owned(),
        }
    }
}
