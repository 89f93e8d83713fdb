//! Registry.pol (PReg version 1): reader and writer.
//!
//! Layout: `PReg` + DWORD 1, then records back to back until the end:
//! `[key;value;type;size;data]`, where brackets, semicolons, key and value are
//! UTF-16LE (key and value NUL-terminated) and type and size are little-endian
//! DWORDs. A value name may be a directive (`**del.Name`, `**delvals.`, ...).

use crate::snapshot::RegOp;
use crate::value::{push_utf16, utf16_string_raw, RegValue};
use crate::Error;

const SIGNATURE: &[u8; 4] = b"PReg";
const VERSION: u32 = 1;

/// One Registry.pol record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolEntry {
    /// Key path under the hive (no `HKLM\` prefix for machine policy).
    pub key: String,
    /// Value name, possibly a directive such as `**del.PasswordLength`.
    pub value: String,
    /// Type and data; `None` for a record that only creates the key.
    pub data: Option<RegValue>,
    /// Byte offset of the record's `[` (0 for entries built in memory).
    pub offset: usize,
}

/// A parsed Registry.pol file, records in file order.
///
/// ```
/// use laps_policy::{RegValue, RegistryPol};
/// let mut pol = RegistryPol::new();
/// pol.set(r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS", "BackupDirectory", RegValue::Dword(2));
/// pol.delete_value(r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS", "PasswordLength");
/// let bytes = pol.to_bytes();
/// assert_eq!(&bytes[..4], b"PReg");
/// let back = RegistryPol::parse(&bytes)?;
/// assert_eq!(back.entries[1].value, "**del.PasswordLength");
/// # Ok::<(), laps_policy::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryPol {
    /// The records.
    pub entries: Vec<PolEntry>,
}

/// Parses a Registry.pol file. See [`RegistryPol::parse`].
pub fn parse_registry_pol(bytes: &[u8]) -> Result<RegistryPol, Error> {
    RegistryPol::parse(bytes)
}

/// A little cursor over the file with offset-carrying errors.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, expected: &'static str) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end.and_then(|e| self.bytes.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(Error::PolTruncated {
                offset: self.pos,
                expected,
            }),
        }
    }

    fn u32(&mut self, expected: &'static str) -> Result<u32, Error> {
        let b = self.take(4, expected)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads one UTF-16LE code unit and returns it with its offset.
    fn unit(&mut self, expected: &'static str) -> Result<(u16, usize), Error> {
        let at = self.pos;
        let b = self.take(2, expected)?;
        Ok((u16::from_le_bytes([b[0], b[1]]), at))
    }

    fn expect(&mut self, c: char) -> Result<(), Error> {
        let (u, at) = self.unit("a delimiter")?;
        if u32::from(u) == c as u32 {
            Ok(())
        } else {
            Err(Error::PolDelimiter {
                offset: at,
                expected: c,
            })
        }
    }

    /// A NUL-terminated UTF-16LE string (the NUL is consumed).
    fn string(&mut self, expected: &'static str) -> Result<String, Error> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let len = rest
            .chunks_exact(2)
            .position(|c| c == [0, 0])
            .ok_or(Error::PolTruncated {
                offset: self.bytes.len(),
                expected,
            })?;
        let raw = self.take(len * 2, expected)?;
        self.pos += 2;
        // Even length by construction, so decoding cannot fail.
        Ok(utf16_string_raw(raw).unwrap_or_default())
    }

    /// After a string: `;` (more follows) or `]` (record ends).
    fn separator(&mut self) -> Result<bool, Error> {
        let (u, at) = self.unit("';' or ']'")?;
        match u {
            0x3B => Ok(true),
            0x5D => Ok(false),
            _ => Err(Error::PolDelimiter {
                offset: at,
                expected: ';',
            }),
        }
    }
}

impl RegistryPol {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses Registry.pol bytes. Errors carry the byte offset; malformed
    /// value data (a 3-byte DWORD) is kept as [`RegValue::Other`] rather than
    /// rejected. Never panics, and never allocates more than the input size.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader { bytes, pos: 0 };
        let sig = r.take(4, "the PReg signature")?;
        if sig != SIGNATURE {
            return Err(Error::PolHeader {
                offset: 0,
                reason: "signature is not 'PReg'",
            });
        }
        if r.u32("the version")? != VERSION {
            return Err(Error::PolHeader {
                offset: 4,
                reason: "version is not 1",
            });
        }
        let mut entries = Vec::new();
        while r.pos < bytes.len() {
            let offset = r.pos;
            r.expect('[')?;
            let key = r.string("a NUL-terminated key")?;
            if !r.separator()? {
                entries.push(PolEntry {
                    key,
                    value: String::new(),
                    data: None,
                    offset,
                });
                continue;
            }
            let value = r.string("a NUL-terminated value name")?;
            if !r.separator()? {
                entries.push(PolEntry {
                    key,
                    value,
                    data: None,
                    offset,
                });
                continue;
            }
            let kind = r.u32("the value type")?;
            r.expect(';')?;
            let size = r.u32("the data size")?;
            r.expect(';')?;
            let size = usize::try_from(size).map_err(|_| Error::PolTruncated {
                offset: r.pos,
                expected: "the value data",
            })?;
            let data = r.take(size, "the value data")?;
            r.expect(']')?;
            entries.push(PolEntry {
                key,
                value,
                data: Some(RegValue::from_bytes(kind, data)),
                offset,
            });
        }
        Ok(RegistryPol { entries })
    }

    /// Serialises the file exactly as Windows writes it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.entries.len() * 128);
        out.extend_from_slice(SIGNATURE);
        out.extend_from_slice(&VERSION.to_le_bytes());
        let unit = |out: &mut Vec<u8>, c: char| out.extend_from_slice(&(c as u16).to_le_bytes());
        for e in &self.entries {
            unit(&mut out, '[');
            push_utf16(&mut out, &e.key);
            unit(&mut out, '\0');
            if e.value.is_empty() && e.data.is_none() {
                unit(&mut out, ']');
                continue;
            }
            unit(&mut out, ';');
            push_utf16(&mut out, &e.value);
            unit(&mut out, '\0');
            if let Some(v) = &e.data {
                let data = v.to_bytes();
                unit(&mut out, ';');
                out.extend_from_slice(&v.reg_type().to_le_bytes());
                unit(&mut out, ';');
                // Registry data sizes are DWORDs; no LAPS value comes near 4 GiB.
                out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
                unit(&mut out, ';');
                out.extend_from_slice(&data);
            }
            unit(&mut out, ']');
        }
        out
    }

    fn push(&mut self, key: &str, value: String, data: Option<RegValue>) -> &mut Self {
        self.entries.push(PolEntry {
            key: key.to_owned(),
            value,
            data,
            offset: 0,
        });
        self
    }

    /// Appends a record setting `key\name` (what an Enabled policy writes).
    pub fn set(&mut self, key: &str, name: &str, value: RegValue) -> &mut Self {
        self.push(key, name.to_owned(), Some(value))
    }

    /// Appends `**del.name` (what a Disabled policy writes for an element without a disabledValue).
    pub fn delete_value(&mut self, key: &str, name: &str) -> &mut Self {
        // Windows writes the directive with a one-space SZ as data.
        self.push(key, format!("**del.{name}"), Some(RegValue::Sz(" ".into())))
    }

    /// Appends `**delvals.` (delete every value of `key`).
    pub fn delete_all_values(&mut self, key: &str) -> &mut Self {
        self.push(key, "**delvals.".to_owned(), Some(RegValue::Sz(" ".into())))
    }

    /// Applies the records to `snapshot` (each lands in the root its key names);
    /// returns the keys outside every LAPS key, which are ignored.
    pub fn apply_to(&self, snapshot: &mut crate::Snapshot) -> Vec<String> {
        snapshot.apply_all(&self.ops())
    }

    /// The registry operations the records stand for, directives interpreted
    /// (`**del.`, `**delvals.`, `**DeleteValues`, `**DeleteKeys`, `**soft.`;
    /// `**SecureKey` and key-only records change no value).
    pub fn ops(&self) -> Vec<RegOp> {
        let mut ops = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            entry_ops(e, &mut ops);
        }
        ops
    }
}

/// `s` starts with `prefix`, ASCII case-insensitively; returns the rest.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|h| h.eq_ignore_ascii_case(prefix))
        .and_then(|_| s.get(prefix.len()..))
}

fn entry_ops(e: &PolEntry, ops: &mut Vec<RegOp>) {
    let key = || e.key.clone();
    let list = || {
        e.data
            .as_ref()
            .and_then(RegValue::as_str)
            .map(|s| {
                s.split(';')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let v = e.value.as_str();
    if let Some(name) = strip_prefix_ci(v, "**del.") {
        ops.push(RegOp::DeleteValue {
            key: key(),
            name: name.to_owned(),
        });
    } else if strip_prefix_ci(v, "**delvals").is_some() {
        ops.push(RegOp::DeleteAllValues { key: key() });
    } else if strip_prefix_ci(v, "**DeleteValues").is_some() {
        for name in list() {
            ops.push(RegOp::DeleteValue { key: key(), name });
        }
    } else if strip_prefix_ci(v, "**DeleteKeys").is_some() {
        for sub in list() {
            ops.push(RegOp::DeleteKey {
                key: format!("{}\\{sub}", e.key),
            });
        }
    } else if let Some(name) = strip_prefix_ci(v, "**soft.") {
        if let Some(value) = &e.data {
            ops.push(RegOp::SetIfAbsent {
                key: key(),
                name: name.to_owned(),
                value: value.clone(),
            });
        }
    } else if v.starts_with("**") {
        // **SecureKey and other directives change no value.
    } else if let Some(value) = &e.data {
        ops.push(RegOp::Set {
            key: key(),
            name: v.to_owned(),
            value: value.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_errors_carry_offsets() {
        assert_eq!(
            RegistryPol::parse(b"PRe"),
            Err(Error::PolTruncated {
                offset: 0,
                expected: "the PReg signature"
            })
        );
        assert!(matches!(
            RegistryPol::parse(b"PREG\x01\0\0\0"),
            Err(Error::PolHeader { offset: 0, .. })
        ));
        assert!(matches!(
            RegistryPol::parse(b"PReg\x02\0\0\0"),
            Err(Error::PolHeader { offset: 4, .. })
        ));
        assert_eq!(
            RegistryPol::parse(b"PReg\x01\0\0\0"),
            Ok(RegistryPol::new())
        );
    }

    #[test]
    fn record_errors_carry_offsets() {
        let mut pol = RegistryPol::new();
        pol.set("K", "V", RegValue::Dword(1));
        let good = pol.to_bytes();
        // Missing '[' at the first record.
        let mut bad = good.clone();
        bad[8] = b'(';
        assert_eq!(
            RegistryPol::parse(&bad),
            Err(Error::PolDelimiter {
                offset: 8,
                expected: '['
            })
        );
        // Every truncation is an error, never a panic.
        for cut in 9..good.len() {
            assert!(RegistryPol::parse(&good[..cut]).is_err(), "cut {cut}");
        }
        // A size larger than the file.
        let size_at = good.len() - 2 - 4 - 2 - 4;
        let mut huge = good.clone();
        huge[size_at..size_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            RegistryPol::parse(&huge),
            Err(Error::PolTruncated {
                expected: "the value data",
                ..
            })
        ));
    }

    #[test]
    fn key_only_records_round_trip() {
        let mut pol = RegistryPol::new();
        pol.push("Software\\X", String::new(), None);
        pol.push("Software\\X", "Name".into(), None);
        let back = RegistryPol::parse(&pol.to_bytes()).unwrap();
        assert_eq!(back.entries.len(), 2);
        assert_eq!(back.entries[0].data, None);
        assert_eq!(back.entries[1].value, "Name");
        assert!(back.ops().is_empty());
    }
}
