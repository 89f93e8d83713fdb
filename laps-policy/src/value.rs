//! Typed registry values, as stored under the LAPS policy keys.

use core::fmt;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Registry value type codes (`REG_*`), as used in Registry.pol and `.reg` files.
pub mod reg_type {
    /// `REG_NONE`.
    pub const NONE: u32 = 0;
    /// `REG_SZ`: UTF-16LE string with a terminating NUL.
    pub const SZ: u32 = 1;
    /// `REG_EXPAND_SZ`: like `REG_SZ`, with `%VAR%` references.
    pub const EXPAND_SZ: u32 = 2;
    /// `REG_BINARY`.
    pub const BINARY: u32 = 3;
    /// `REG_DWORD`: 4 bytes little-endian.
    pub const DWORD: u32 = 4;
    /// `REG_DWORD_BIG_ENDIAN`.
    pub const DWORD_BIG_ENDIAN: u32 = 5;
    /// `REG_MULTI_SZ`: NUL-separated strings ending in an empty string.
    pub const MULTI_SZ: u32 = 7;
    /// `REG_QWORD`: 8 bytes little-endian.
    pub const QWORD: u32 = 11;
}

/// One registry value with its type.
///
/// Data that does not match its declared type (a `REG_DWORD` of 3 bytes, an
/// odd-length `REG_SZ`) and the rare types LAPS never uses are kept as
/// [`RegValue::Other`], byte for byte, so files round-trip and the resolver can
/// report them as invalid rather than fail.
///
/// In JSON and TOML a value is written naturally: a number is a DWORD (a QWORD
/// above `u32::MAX`), a string is an SZ, a list of strings is a MULTI_SZ, a
/// boolean is a DWORD 0/1. Other types use a one-key table:
/// `{"qword": 5}`, `{"expand_sz": "%SystemRoot%"}`, `{"binary": "00ff"}`,
/// `{"type": 5, "hex": "0000001e"}`.
///
/// ```
/// use laps_policy::RegValue;
/// let v: RegValue = serde_json::from_str("30").unwrap();
/// assert_eq!(v, RegValue::Dword(30));
/// assert_eq!(RegValue::Sz("Admin".into()).to_bytes(), b"A\0d\0m\0i\0n\0\0\0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RegValue {
    /// `REG_DWORD`.
    Dword(u32),
    /// `REG_QWORD`.
    Qword(u64),
    /// `REG_SZ`.
    Sz(String),
    /// `REG_EXPAND_SZ` (never expanded here).
    ExpandSz(String),
    /// `REG_MULTI_SZ`.
    MultiSz(Vec<String>),
    /// `REG_BINARY`.
    Binary(Vec<u8>),
    /// Any other type code, or data malformed for its declared type.
    Other {
        /// The `REG_*` type code.
        kind: u32,
        /// The raw data bytes.
        data: Vec<u8>,
    },
}

impl RegValue {
    /// The registry type a script's whole number takes: `REG_DWORD` up to `0xFFFFFFFF`,
    /// `REG_QWORD` above (the one rule both bindings follow).
    ///
    /// ```
    /// use laps_policy::RegValue;
    /// assert_eq!(RegValue::from_integer(20), RegValue::Dword(20));
    /// assert_eq!(RegValue::from_integer(1 << 32), RegValue::Qword(1 << 32));
    /// ```
    pub fn from_integer(v: u64) -> RegValue {
        match u32::try_from(v) {
            Ok(d) => RegValue::Dword(d),
            Err(_) => RegValue::Qword(v),
        }
    }

    /// The `REG_*` type code.
    pub fn reg_type(&self) -> u32 {
        match self {
            RegValue::Dword(_) => reg_type::DWORD,
            RegValue::Qword(_) => reg_type::QWORD,
            RegValue::Sz(_) => reg_type::SZ,
            RegValue::ExpandSz(_) => reg_type::EXPAND_SZ,
            RegValue::MultiSz(_) => reg_type::MULTI_SZ,
            RegValue::Binary(_) => reg_type::BINARY,
            RegValue::Other { kind, .. } => *kind,
        }
    }

    /// The type's name as regedit shows it (`REG_DWORD`, ...).
    pub fn type_name(&self) -> &'static str {
        match self.reg_type() {
            reg_type::NONE => "REG_NONE",
            reg_type::SZ => "REG_SZ",
            reg_type::EXPAND_SZ => "REG_EXPAND_SZ",
            reg_type::BINARY => "REG_BINARY",
            reg_type::DWORD => "REG_DWORD",
            reg_type::DWORD_BIG_ENDIAN => "REG_DWORD_BIG_ENDIAN",
            reg_type::MULTI_SZ => "REG_MULTI_SZ",
            reg_type::QWORD => "REG_QWORD",
            _ => "REG_(unknown)",
        }
    }

    /// Decodes registry data of type `kind`. Never fails: data that does not
    /// fit its type becomes [`RegValue::Other`].
    pub fn from_bytes(kind: u32, data: &[u8]) -> RegValue {
        let other = || RegValue::Other {
            kind,
            data: data.to_vec(),
        };
        match kind {
            reg_type::DWORD => match <[u8; 4]>::try_from(data) {
                Ok(b) => RegValue::Dword(u32::from_le_bytes(b)),
                Err(_) => other(),
            },
            reg_type::QWORD => match <[u8; 8]>::try_from(data) {
                Ok(b) => RegValue::Qword(u64::from_le_bytes(b)),
                Err(_) => other(),
            },
            reg_type::SZ | reg_type::EXPAND_SZ => match utf16_string(data) {
                Some(s) if kind == reg_type::SZ => RegValue::Sz(s),
                Some(s) => RegValue::ExpandSz(s),
                None => other(),
            },
            reg_type::MULTI_SZ => match utf16_string_raw(data) {
                Some(s) => RegValue::MultiSz(split_multi_sz(&s)),
                None => other(),
            },
            reg_type::BINARY => RegValue::Binary(data.to_vec()),
            _ => other(),
        }
    }

    /// The registry data bytes, exactly as Windows stores them (strings in
    /// UTF-16LE with their terminating NUL).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            RegValue::Dword(v) => v.to_le_bytes().to_vec(),
            RegValue::Qword(v) => v.to_le_bytes().to_vec(),
            RegValue::Sz(s) | RegValue::ExpandSz(s) => {
                let mut out = Vec::with_capacity(s.len() * 2 + 2);
                push_utf16(&mut out, s);
                out.extend_from_slice(&[0, 0]);
                out
            }
            RegValue::MultiSz(items) => {
                let mut out = Vec::new();
                for s in items {
                    push_utf16(&mut out, s);
                    out.extend_from_slice(&[0, 0]);
                }
                out.extend_from_slice(&[0, 0]);
                out
            }
            RegValue::Binary(b) | RegValue::Other { data: b, .. } => b.clone(),
        }
    }

    /// The value as a DWORD, if it is one.
    pub fn as_dword(&self) -> Option<u32> {
        match self {
            RegValue::Dword(v) => Some(*v),
            _ => None,
        }
    }

    /// The text of an SZ or EXPAND_SZ value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RegValue::Sz(s) | RegValue::ExpandSz(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for RegValue {
    /// Short human form for explanations: `6`, `"Admin"`, `6 (REG_QWORD)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegValue::Dword(v) => write!(f, "{v}"),
            RegValue::Qword(v) => write!(f, "{v} (REG_QWORD)"),
            RegValue::Sz(s) => write!(f, "{s:?}"),
            RegValue::ExpandSz(s) => write!(f, "{s:?} (REG_EXPAND_SZ)"),
            RegValue::MultiSz(v) => write!(f, "{v:?} (REG_MULTI_SZ)"),
            RegValue::Binary(b) => write!(f, "{} bytes (REG_BINARY)", b.len()),
            RegValue::Other { kind, data } => write!(f, "{} bytes of type {kind}", data.len()),
        }
    }
}

/// Appends `s` as UTF-16LE code units (no terminator).
pub(crate) fn push_utf16(out: &mut Vec<u8>, s: &str) {
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

/// Decodes UTF-16LE bytes (even length) into a string, stopping at the first NUL.
/// Unpaired surrogates become U+FFFD. `None` for an odd length.
pub(crate) fn utf16_string(data: &[u8]) -> Option<String> {
    let mut s = utf16_string_raw(data)?;
    if let Some(nul) = s.find('\0') {
        s.truncate(nul);
    }
    Some(s)
}

/// Decodes all UTF-16LE code units, NULs included. `None` for an odd length.
pub(crate) fn utf16_string_raw(data: &[u8]) -> Option<String> {
    if data.len() % 2 != 0 {
        return None;
    }
    let units = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    // Fast path: pure ASCII, as almost every policy string is.
    if data.chunks_exact(2).all(|c| c[1] == 0 && c[0] < 0x80) {
        let ascii: Vec<u8> = data.iter().step_by(2).copied().collect();
        return String::from_utf8(ascii).ok();
    }
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// Splits decoded MULTI_SZ text at NULs, dropping the terminating empty strings.
fn split_multi_sz(s: &str) -> Vec<String> {
    let mut items: Vec<String> = s.split('\0').map(str::to_owned).collect();
    while items.last().is_some_and(String::is_empty) {
        items.pop();
    }
    items
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

pub(crate) fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b',' | b' ' | b':'))
        .collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|p| {
            let hi = char::from(p[0]).to_digit(16)?;
            let lo = char::from(p[1]).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

/// A registry value as a binding's plain data: [`RegValue::plain`].
#[derive(Debug, Clone, Copy)]
pub struct PlainValue<'a> {
    value: &'a RegValue,
    qword: Option<&'static str>,
}

impl RegValue {
    /// This value as a binding's plain data: a DWORD is a number, an SZ a string, a
    /// MULTI_SZ a list of strings, a BINARY bytes, and any other type (REG_EXPAND_SZ, data
    /// that does not match its type) `{"type": code, "data": raw bytes}`, so that every value
    /// reads back unchanged. A QWORD is a newtype struct named `qword` around its `u64` when
    /// given (a binding whose language has a big-integer type writes that name as one), else
    /// a number above `u32::MAX` (which reads back as a QWORD) and `{type, data}` below.
    ///
    /// ```
    /// use laps_policy::RegValue;
    /// let plain = |v: &RegValue| serde_json::to_value(v.plain(None)).unwrap();
    /// assert_eq!(plain(&RegValue::Dword(30)), 30);
    /// assert_eq!(plain(&RegValue::Qword(1 << 40)), 1u64 << 40);
    /// assert_eq!(plain(&RegValue::Qword(5))["type"], 11);
    /// assert_eq!(plain(&RegValue::ExpandSz("%TEMP%".into()))["type"], 2);
    /// ```
    pub fn plain(&self, qword: Option<&'static str>) -> PlainValue<'_> {
        PlainValue { value: self, qword }
    }
}

impl Serialize for PlainValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// Raw bytes, written as bytes (a `Vec<u8>` would be a list of numbers).
        struct Bytes<'a>(&'a [u8]);
        impl Serialize for Bytes<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        match (self.value, self.qword) {
            (RegValue::Dword(d), _) => s.serialize_u32(*d),
            (RegValue::Qword(q), Some(name)) => s.serialize_newtype_struct(name, q),
            (RegValue::Qword(q), None) if *q > u64::from(u32::MAX) => s.serialize_u64(*q),
            (RegValue::Sz(t), _) => s.serialize_str(t),
            (RegValue::MultiSz(l), _) => l.serialize(s),
            (RegValue::Binary(b), _) => s.serialize_bytes(b),
            (other, _) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", &other.reg_type())?;
                m.serialize_entry("data", &Bytes(&other.to_bytes()))?;
                m.end()
            }
        }
    }
}

impl Serialize for RegValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RegValue::Dword(v) => s.serialize_u32(*v),
            RegValue::Sz(v) => s.serialize_str(v),
            RegValue::MultiSz(v) => v.serialize(s),
            RegValue::Qword(v) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("qword", v)?;
                m.end()
            }
            RegValue::ExpandSz(v) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("expand_sz", v)?;
                m.end()
            }
            RegValue::Binary(v) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("binary", &to_hex(v))?;
                m.end()
            }
            RegValue::Other { kind, data } => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("type", kind)?;
                m.serialize_entry("hex", &to_hex(data))?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for RegValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RegValueVisitor)
    }
}

struct RegValueVisitor;

impl<'de> Visitor<'de> for RegValueVisitor {
    type Value = RegValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a registry value: number, string, list of strings, or {\"qword\"|\"expand_sz\"|\"binary\"|\"dword\"|\"sz\"|\"multi_sz\": ...}")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RegValue, E> {
        Ok(RegValue::Dword(u32::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RegValue, E> {
        Ok(match u32::try_from(v) {
            Ok(d) => RegValue::Dword(d),
            Err(_) => RegValue::Qword(v),
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RegValue, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Err(E::custom(format!(
                "registry value {v} is negative; DWORD and QWORD are unsigned"
            ))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RegValue, E> {
        Ok(RegValue::Sz(v.to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RegValue, A::Error> {
        let mut items = Vec::new();
        while let Some(s) = seq.next_element::<String>()? {
            items.push(s);
        }
        Ok(RegValue::MultiSz(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RegValue, A::Error> {
        let mut out = None;
        let mut other_kind: Option<u32> = None;
        let mut other_hex: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            let value = match key.as_str() {
                "dword" => RegValue::Dword(map.next_value()?),
                "qword" => RegValue::Qword(map.next_value()?),
                "sz" => RegValue::Sz(map.next_value()?),
                "expand_sz" => RegValue::ExpandSz(map.next_value()?),
                "multi_sz" => RegValue::MultiSz(map.next_value()?),
                "binary" => {
                    let hex: String = map.next_value()?;
                    RegValue::Binary(
                        from_hex(&hex).ok_or_else(|| de::Error::custom("binary: invalid hex"))?,
                    )
                }
                "type" => {
                    other_kind = Some(map.next_value()?);
                    continue;
                }
                "hex" => {
                    other_hex = Some(map.next_value()?);
                    continue;
                }
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &[
                            "dword",
                            "qword",
                            "sz",
                            "expand_sz",
                            "multi_sz",
                            "binary",
                            "type",
                            "hex",
                        ],
                    ))
                }
            };
            if out.replace(value).is_some() {
                return Err(de::Error::custom(
                    "a registry value has exactly one type key",
                ));
            }
        }
        match (out, other_kind, other_hex) {
            (Some(v), None, None) => Ok(v),
            (None, Some(kind), hex) => {
                let data = from_hex(hex.as_deref().unwrap_or(""))
                    .ok_or_else(|| de::Error::custom("hex: invalid hex"))?;
                Ok(RegValue::from_bytes(kind, &data))
            }
            _ => Err(de::Error::custom(
                "a registry value table needs one of dword/qword/sz/expand_sz/multi_sz/binary, or type + hex",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_every_type() {
        for v in [
            RegValue::Dword(0x1234_5678),
            RegValue::Qword(u64::MAX),
            RegValue::Sz("Ünïcode admin".into()),
            RegValue::ExpandSz("%SystemRoot%".into()),
            RegValue::MultiSz(vec!["a".into(), "bc".into()]),
            RegValue::Binary(vec![0, 1, 2]),
        ] {
            assert_eq!(RegValue::from_bytes(v.reg_type(), &v.to_bytes()), v);
        }
    }

    #[test]
    fn malformed_data_is_kept_as_other() {
        assert_eq!(
            RegValue::from_bytes(reg_type::DWORD, &[1, 2, 3]),
            RegValue::Other {
                kind: 4,
                data: vec![1, 2, 3]
            }
        );
        assert!(matches!(
            RegValue::from_bytes(reg_type::SZ, &[0x41]),
            RegValue::Other { kind: 1, .. }
        ));
    }

    #[test]
    fn json_forms() {
        let cases = [
            ("7", RegValue::Dword(7)),
            ("4294967296", RegValue::Qword(1 << 32)),
            ("true", RegValue::Dword(1)),
            ("\"x\"", RegValue::Sz("x".into())),
            (
                "[\"a\",\"b\"]",
                RegValue::MultiSz(vec!["a".into(), "b".into()]),
            ),
            ("{\"qword\":5}", RegValue::Qword(5)),
            ("{\"expand_sz\":\"%A%\"}", RegValue::ExpandSz("%A%".into())),
            ("{\"binary\":\"00ff\"}", RegValue::Binary(vec![0, 255])),
            (
                "{\"type\":5,\"hex\":\"0000001e\"}",
                RegValue::Other {
                    kind: 5,
                    data: vec![0, 0, 0, 0x1e],
                },
            ),
        ];
        for (json, v) in cases {
            assert_eq!(serde_json::from_str::<RegValue>(json).unwrap(), v, "{json}");
            let back = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::from_str::<RegValue>(&back).unwrap(), v);
        }
        assert!(serde_json::from_str::<RegValue>("-1").is_err());
        assert!(serde_json::from_str::<RegValue>("{\"dword\":1,\"sz\":\"a\"}").is_err());
    }
}
