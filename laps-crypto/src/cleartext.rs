//! The clear-text LAPS formats: legacy `ms-Mcs-AdmPwd`, expiration times, and Microsoft Graph
//! `deviceLocalCredentials` `passwordBase64`. (Clear-text `msLAPS-Password` is
//! [`crate::LapsCredential::from_json`].)

use crate::error::{malformed, Result};
use crate::wire::utf16le_to_string;
use base64::Engine as _;
use laps_core::{FileTime, Password};
use zeroize::Zeroizing;

/// Legacy `ms-Mcs-AdmPwd`: the bare password as an LDAP string (UTF-8), no JSON, no account.
pub fn parse_legacy_password(value: &[u8]) -> Result<Password> {
    let s = core::str::from_utf8(value)
        .map_err(|e| malformed("ms-Mcs-AdmPwd", e.valid_up_to(), "not UTF-8"))?;
    Ok(Password::from(s))
}

/// `msLAPS-PasswordExpirationTime` / `ms-Mcs-AdmPwdExpirationTime`: an Integer8 sent over LDAP as
/// decimal ASCII. `0` (never set / expire now) gives `None`.
///
/// ```
/// let t = laps_crypto::cleartext::parse_expiration_time("133928369137884253")?.unwrap();
/// assert_eq!(t.to_rfc3339(), "2025-05-27T16:28:33.7884253Z");
/// assert_eq!(laps_crypto::cleartext::parse_expiration_time("0")?, None);
/// # Ok::<(), laps_crypto::Error>(())
/// ```
pub fn parse_expiration_time(value: &str) -> Result<Option<FileTime>> {
    let t = FileTime::from_decimal(value.trim()).ok_or(malformed(
        "expiration time",
        0,
        "not a decimal FILETIME",
    ))?;
    Ok((t.ticks() != 0).then_some(t))
}

/// How a Graph `passwordBase64` was decoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GraphPasswordEncoding {
    /// UTF-16LE, as in Microsoft's documented example.
    Utf16Le,
    /// UTF-8, as some deployed scripts assume.
    Utf8,
}

impl GraphPasswordEncoding {
    /// The encoding's name as Python's codecs spell it: `"utf-16le"` or `"utf-8"`.
    ///
    /// ```
    /// use laps_crypto::cleartext::{decode_graph_password, GraphPasswordEncoding};
    /// assert_eq!(GraphPasswordEncoding::Utf16Le.as_str(), "utf-16le");
    /// assert_eq!(decode_graph_password("UGFzc3dvcmQh")?.encoding.as_str(), "utf-8");
    /// # Ok::<(), laps_crypto::Error>(())
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            GraphPasswordEncoding::Utf16Le => "utf-16le",
            GraphPasswordEncoding::Utf8 => "utf-8",
        }
    }
}

/// A decoded Graph `passwordBase64`, with the raw bytes kept for callers that know better.
#[derive(Clone, Debug)]
pub struct GraphPassword {
    /// The decoded password.
    pub password: Password,
    /// The encoding that was detected.
    pub encoding: GraphPasswordEncoding,
    /// The raw base64-decoded bytes (zeroized on drop).
    pub raw: Zeroizing<Vec<u8>>,
}

/// Decodes `deviceLocalCredentialInfo.credentials[].passwordBase64`.
///
/// UNCERTAIN: Microsoft's example is UTF-16LE without a NUL, some scripts
/// use UTF-8. Our rule: if the bytes contain a zero byte, have even length and are valid UTF-16LE,
/// they are UTF-16LE (a password never contains U+0000, so a zero byte means 16-bit units);
/// otherwise UTF-8. The raw bytes are exposed as well.
///
/// ```
/// let p = laps_crypto::cleartext::decode_graph_password("UQBRAEAAZAA4AGYAOABnAFkA")?;
/// assert_eq!(p.password.expose(), "QQ@d8f8gY");
/// # Ok::<(), laps_crypto::Error>(())
/// ```
pub fn decode_graph_password(password_base64: &str) -> Result<GraphPassword> {
    let raw = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(password_base64.trim())
            .map_err(|_| malformed("passwordBase64", 0, "not base64"))?,
    );
    if raw.contains(&0) && raw.len() % 2 == 0 {
        if let Ok(s) = utf16le_to_string(&raw) {
            return Ok(GraphPassword {
                password: Password::from(s.as_str()),
                encoding: GraphPasswordEncoding::Utf16Le,
                raw,
            });
        }
    }
    let s = core::str::from_utf8(&raw)
        .map_err(|_| malformed("passwordBase64", 0, "neither UTF-16LE nor UTF-8"))?;
    Ok(GraphPassword {
        password: Password::from(s),
        encoding: GraphPasswordEncoding::Utf8,
        raw: raw.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_utf8_fallback() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("pässwörd");
        let p = decode_graph_password(&b64).unwrap();
        assert_eq!(p.encoding, GraphPasswordEncoding::Utf8);
        assert_eq!(p.password.expose(), "pässwörd");
        assert!(decode_graph_password("!!").is_err());
    }

    #[test]
    fn legacy_and_expiration() {
        assert_eq!(
            parse_legacy_password(b"Secret1!").unwrap().expose(),
            "Secret1!"
        );
        assert!(parse_legacy_password(&[0xff]).is_err());
        assert!(parse_expiration_time("-1").is_err());
        assert!(parse_expiration_time("abc").is_err());
    }
}
