//! The LAPS password JSON `{"n","t","p"}`: clear-text `msLAPS-Password` and the plaintext inside
//! the encrypted attributes (UTF-16LE plus one NUL).

use crate::error::{malformed, Result};
use laps_core::{FileTime, Password};
use zeroize::Zeroizing;

const S: &str = "LAPS password JSON";

/// A managed account's credential: what every LAPS decryption ends with.
///
/// `Debug` never shows the password; the password is zeroized on drop.
///
/// ```
/// use laps_core::{FileTime, Password};
/// use laps_crypto::LapsCredential;
/// let c = LapsCredential::from_json(r#"{"n":"Administrator","t":"1d8161b41c41cde","p":"A6a3#7%eb!5"}"#)?;
/// assert_eq!(c.account, "Administrator");
/// assert_eq!(c.update_time, FileTime::from_ticks(0x1d8161b41c41cde));
/// assert!(!format!("{c:?}").contains("A6a3"));
/// assert_eq!(&*c.to_json(), r#"{"n":"Administrator","t":"1d8161b41c41cde","p":"A6a3#7%eb!5"}"#);
/// # Ok::<(), laps_crypto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LapsCredential {
    /// `n`: the managed account name.
    pub account: String,
    /// `p`: the password (zeroized on drop, redacted in `Debug`).
    pub password: Password,
    /// `t`: when the password was set (UTC).
    pub update_time: FileTime,
}

#[derive(serde::Deserialize)]
struct Raw {
    n: String,
    t: String,
    p: String,
}

impl LapsCredential {
    /// A credential from its parts.
    pub fn new(account: impl Into<String>, password: Password, update_time: FileTime) -> Self {
        LapsCredential {
            account: account.into(),
            password,
            update_time,
        }
    }

    /// Reads the JSON tolerantly: any valid JSON object with string fields `n`, `t` (hex FILETIME
    /// of any length and case) and `p`, in any order, escaped or not; other fields are ignored.
    pub fn from_json(json: &str) -> Result<Self> {
        let raw: Raw = serde_json::from_str(json).map_err(|e| {
            let reason = match e.classify() {
                serde_json::error::Category::Data => "fields n, t and p must be strings",
                serde_json::error::Category::Eof => "unexpected end",
                _ => "not valid JSON",
            };
            // Column of a one-line JSON text; never the content itself.
            malformed(S, e.column().saturating_sub(1), reason)
        })?;
        let Raw { n, t, p } = raw;
        let password = Password::new(p);
        let update_time =
            FileTime::from_hex(&t).ok_or(malformed(S, 0, "t is not a hex FILETIME"))?;
        Ok(LapsCredential {
            account: n,
            password,
            update_time,
        })
    }

    /// Writes the JSON exactly as Windows: compact, keys `n`, `t`, `p` in that order, `t` as
    /// lower-case hex without leading zeros, minimal escaping (`"`, `\` and control characters;
    /// `/` and non-ASCII are written as is — crypto-formats.md §10.2, UNCERTAIN, our choice).
    pub fn to_json(&self) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(
            48 + self.account.len() + self.password.as_str().len(),
        ));
        out.push_str("{\"n\":");
        push_json_string(&mut out, &self.account);
        out.push_str(",\"t\":\"");
        out.push_str(&self.update_time.to_hex());
        out.push_str("\",\"p\":");
        push_json_string(&mut out, self.password.expose());
        out.push('}');
        out
    }

    /// Decodes the plaintext of an encrypted attribute: UTF-16LE, one optional trailing U+0000,
    /// then [`LapsCredential::from_json`]. Odd lengths and unpaired surrogates are rejected.
    pub fn from_plaintext(plaintext: &[u8]) -> Result<Self> {
        let text = utf16le_to_string(plaintext)?;
        let json = text.strip_suffix('\0').unwrap_or(&text);
        Self::from_json(json)
    }

    /// The plaintext Windows encrypts: UTF-16LE of [`LapsCredential::to_json`] plus a UTF-16 NUL.
    pub fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let json = self.to_json();
        let mut out = Zeroizing::new(Vec::with_capacity(2 * json.len() + 2));
        for u in json.encode_utf16().chain(core::iter::once(0)) {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }
}

/// Strict UTF-16LE decoding into a zeroizing string.
pub(crate) fn utf16le_to_string(b: &[u8]) -> Result<Zeroizing<String>> {
    if b.len() % 2 != 0 {
        return Err(malformed("UTF-16LE text", b.len() - 1, "odd length"));
    }
    let mut out = Zeroizing::new(String::with_capacity(b.len() / 2));
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    for (i, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(c) => out.push(c),
            Err(_) => return Err(malformed("UTF-16LE text", 2 * i, "unpaired surrogate")),
        }
    }
    Ok(out)
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                use core::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_read_tolerantly() {
        let c = LapsCredential::from_json(
            r#" { "p" : "a\"b\u0041" , "x": 1, "t":"1D9E2B5C5A1E5C0", "n":"Admin" } "#,
        )
        .unwrap();
        assert_eq!(c.password.expose(), "a\"bA");
        assert_eq!(c.account, "Admin");
        assert_eq!(c.update_time.ticks(), 0x1d9e2b5c5a1e5c0);
    }

    #[test]
    fn json_errors_never_echo_the_content() {
        for bad in [
            r#"{"n":"a","t":"zz","p":"secretpw"}"#,
            r#"{"n":"a","p":"secretpw"}"#,
            r#"{"n":"a","t":"1","p":7}"#,
            "secretpw",
        ] {
            let e = LapsCredential::from_json(bad).unwrap_err().to_string();
            assert!(!e.contains("secretpw"), "{e}");
        }
    }

    #[test]
    fn writer_escapes_minimally() {
        let c = LapsCredential::new(
            "a\"\\/é",
            Password::from("x\ny\u{1}"),
            FileTime::from_ticks(0xabc),
        );
        assert_eq!(
            &*c.to_json(),
            "{\"n\":\"a\\\"\\\\/é\",\"t\":\"abc\",\"p\":\"x\\ny\\u0001\"}"
        );
        assert_eq!(LapsCredential::from_json(&c.to_json()).unwrap(), c);
        let pt = c.to_plaintext();
        assert_eq!(&pt[pt.len() - 2..], &[0, 0]);
        assert_eq!(LapsCredential::from_plaintext(&pt).unwrap(), c);
    }

    #[test]
    fn utf16_is_strict() {
        assert!(LapsCredential::from_plaintext(&[0x7b]).is_err());
        assert!(utf16le_to_string(&[0x00, 0xd8, 0x41, 0x00]).is_err());
    }
}
