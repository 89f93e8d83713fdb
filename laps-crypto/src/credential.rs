//! The LAPS password JSON `{"n","t","p"}`: clear-text `msLAPS-Password` and the plaintext inside
//! the encrypted attributes (UTF-16LE plus one NUL).

use crate::error::{malformed, Result};
use crate::wire::utf16le_to_string;
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

/// The fields as read by serde. `p` stays raw JSON text (borrowed from the input): serde_json
/// unescapes strings through an internal scratch buffer that it frees unwiped, so the password is
/// unescaped here instead, into a zeroizing buffer sized once.
#[derive(serde::Deserialize)]
struct Raw<'a> {
    n: String,
    t: String,
    #[serde(borrow)]
    p: &'a serde_json::value::RawValue,
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

    /// [`from_json`](LapsCredential::from_json) of the attribute's bytes as LDAP gives them
    /// (UTF-8); bytes that are not UTF-8 are [`Error::Malformed`](crate::Error::Malformed) at
    /// the first bad byte.
    ///
    /// ```
    /// use laps_crypto::LapsCredential;
    /// let c = LapsCredential::from_json_bytes(br#"{"n":"Administrator","t":"1d8161b41c41cde","p":"x"}"#)?;
    /// assert_eq!(c.account, "Administrator");
    /// let e = LapsCredential::from_json_bytes(b"{\"n\":\"\xff\"}").unwrap_err();
    /// assert_eq!(e.to_string(), "malformed LAPS password JSON at byte 6: not UTF-8");
    /// # Ok::<(), laps_crypto::Error>(())
    /// ```
    pub fn from_json_bytes(json: &[u8]) -> Result<Self> {
        let text =
            core::str::from_utf8(json).map_err(|e| malformed(S, e.valid_up_to(), "not UTF-8"))?;
        Self::from_json(text)
    }

    /// Reads the JSON tolerantly: any valid JSON object with string fields `n`, `t` (a hex
    /// FILETIME of 1 to 16 digits, either case, leading zeros allowed) and `p`, in any order,
    /// escaped or not; other fields are ignored. The password is unescaped into one buffer
    /// reserved up front, so no copy of it is left in freed memory.
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
        let password = Password::new(unescape_json_string(p.get()).ok_or(malformed(
            S,
            0,
            "fields n, t and p must be strings",
        ))?);
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
    /// `/` and non-ASCII are written as is: UNCERTAIN, no Windows sample shows either; our choice).
    pub fn to_json(&self) -> Zeroizing<String> {
        let t = self.update_time.to_hex();
        // Exact length, so the buffer holding the password is never reallocated.
        let len = r#"{"n":,"t":"","p":}"#.len()
            + json_string_len(&self.account)
            + t.len()
            + json_string_len(self.password.expose());
        let mut out = Zeroizing::new(String::with_capacity(len));
        out.push_str("{\"n\":");
        push_json_string(&mut out, &self.account);
        out.push_str(",\"t\":\"");
        out.push_str(&t);
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

/// The JSON text of a string: `"`, escaped content, `"`.
fn json_string_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum::<usize>()
}

/// The value of a JSON string literal (quotes included, escapes already validated by the
/// parser), or `None` if `raw` is not a string or has an unpaired surrogate escape. The result
/// never needs more bytes than the literal, so it is built in one reservation.
fn unescape_json_string(raw: &str) -> Option<String> {
    let body = raw.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    let hex4 = |chars: &mut core::str::Chars<'_>| -> Option<u32> {
        (0..4).try_fold(0u32, |acc, _| Some(acc * 16 + chars.next()?.to_digit(16)?))
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{08}',
            'f' => '\u{0c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = hex4(&mut chars)?;
                if (0xd800..0xdc00).contains(&hi) {
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let lo = hex4(&mut chars)?;
                    if !(0xdc00..0xe000).contains(&lo) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))?
                } else {
                    char::from_u32(hi)?
                }
            }
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
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

    /// The writer reserves the exact length: many escaped characters (more than the audited code's
    /// 10 bytes of slack) never reallocate the buffer holding the password.
    #[test]
    fn to_json_reserves_the_exact_length() {
        for p in [
            "",
            "plain",
            "\"\\\n\r\t\u{8}\u{c}\u{1}\u{1f}".repeat(8).as_str(),
            "é€𝄞\"/",
        ] {
            let c = LapsCredential::new(
                "Admin\"istrator",
                Password::from(p),
                FileTime::from_ticks(1),
            );
            let json = c.to_json();
            assert_eq!(json.capacity(), json.len(), "{p:?}");
            assert_eq!(LapsCredential::from_json(&json).unwrap(), c);
        }
    }

    /// The password is unescaped by our own reader (serde_json's scratch buffer is freed
    /// unwiped): every JSON escape, surrogate pairs, and refusals of what is not a string.
    #[test]
    fn password_escapes_are_decoded_exactly() {
        let p = |json_p: &str| {
            LapsCredential::from_json(&format!(r#"{{"n":"a","t":"1","p":{json_p}}}"#))
                .map(|c| c.password.expose().to_owned())
        };
        assert_eq!(
            p(r#""a\"\\\/\b\f\n\r\t\u0041\u00e9""#).unwrap(),
            "a\"\\/\u{8}\u{c}\n\r\tAé"
        );
        assert_eq!(p(r#""\ud834\udd1e\u20AC""#).unwrap(), "𝄞€");
        assert_eq!(p(r#""𝄞 raw""#).unwrap(), "𝄞 raw");
        for bad in [
            "7",
            "null",
            r#"["x"]"#,
            r#""\ud834""#,
            r#""\udd1e""#,
            r#""\ud834\u0041""#,
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }

    /// `t` is a hex FILETIME of 1 to 16 digits (leading zeros count), as documented.
    #[test]
    fn update_time_is_one_to_sixteen_hex_digits() {
        let t = |t: &str| LapsCredential::from_json(&format!(r#"{{"n":"a","t":"{t}","p":"x"}}"#));
        assert_eq!(
            t("01D8161B41C41CDE").unwrap().update_time.ticks(),
            0x1d8161b41c41cde
        );
        assert_eq!(t("f").unwrap().update_time.ticks(), 15);
        assert!(t("001d8161b41c41cde").is_err());
        assert!(t("").is_err());
    }

    #[test]
    fn utf16_is_strict() {
        assert!(LapsCredential::from_plaintext(&[0x7b]).is_err());
        assert!(utf16le_to_string(&[0x00, 0xd8, 0x41, 0x00]).is_err());
    }
}
