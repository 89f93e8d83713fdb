//! regedit exports (`.reg`): `Windows Registry Editor Version 5.00` (UTF-16LE
//! with a BOM, as regedit writes it, or UTF-8) and `REGEDIT4` (ANSI).

use crate::snapshot::{RegOp, Snapshot};
use crate::text::decode;
use crate::value::{reg_type, RegValue};
use crate::Error;
use std::fmt::Write;

/// The header of a `.reg` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RegFileVersion {
    /// `Windows Registry Editor Version 5.00`: Unicode (`hex(2)`/`hex(7)` data is UTF-16LE).
    #[default]
    V5,
    /// `REGEDIT4`: ANSI (`hex(2)`/`hex(7)` data is single-byte).
    Regedit4,
}

const HEADER_V5: &str = "Windows Registry Editor Version 5.00";
const HEADER_V4: &str = "REGEDIT4";

/// One operation with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegFileEntry {
    /// 1-based line (0 for entries built in memory).
    pub line: usize,
    /// The operation.
    pub op: RegOp,
}

/// A parsed `.reg` file.
///
/// ```
/// use laps_policy::{RegFile, RegOp, RegValue};
/// let reg = RegFile::parse(b"Windows Registry Editor Version 5.00\r\n\r\n\
///     [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Policies\\LAPS]\r\n\
///     \"BackupDirectory\"=dword:00000002\r\n\"AdministratorAccountName\"=\"LapsAdmin\"\r\n")?;
/// assert_eq!(reg.entries.len(), 2);
/// assert!(matches!(&reg.entries[0].op, RegOp::Set { value: RegValue::Dword(2), .. }));
/// # Ok::<(), laps_policy::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegFile {
    /// The header.
    pub version: RegFileVersion,
    /// The operations, in file order.
    pub entries: Vec<RegFileEntry>,
}

/// Parses a `.reg` file. See [`RegFile::parse`].
pub fn parse_reg(bytes: &[u8]) -> Result<RegFile, Error> {
    RegFile::parse(bytes)
}

fn err(line: usize, reason: impl Into<String>) -> Error {
    Error::Reg {
        line,
        reason: reason.into(),
    }
}

/// Reads a `"..."` string with `\\` and `\"` escapes from the start of `s`;
/// returns it and the rest after the closing quote.
fn quoted(s: &str, line: usize) -> Result<(String, &str), Error> {
    let body = s
        .strip_prefix('"')
        .ok_or_else(|| err(line, "expected '\"'"))?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, body.get(i + 1..).unwrap_or_default())),
            '\\' => match chars.next() {
                Some((_, e)) => out.push(e),
                None => break,
            },
            _ => out.push(c),
        }
    }
    Err(err(line, "unterminated string"))
}

fn hex_bytes(s: &str, line: usize) -> Result<Vec<u8>, Error> {
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let cleaned = cleaned.trim_end_matches(',');
    if cleaned.is_empty() {
        return Ok(Vec::new());
    }
    cleaned
        .split(',')
        .map(|b| {
            if b.is_empty() || b.len() > 2 {
                return None;
            }
            u8::from_str_radix(b, 16).ok()
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| err(line, "invalid hex byte list"))
}

/// Parses the data after `=`.
fn data(s: &str, version: RegFileVersion, line: usize) -> Result<Option<RegValue>, Error> {
    let s = s.trim();
    if s == "-" {
        return Ok(None);
    }
    if s.starts_with('"') {
        let (text, rest) = quoted(s, line)?;
        if !rest.trim().is_empty() {
            return Err(err(line, "text after the closing quote"));
        }
        return Ok(Some(RegValue::Sz(text)));
    }
    let (kind, body) = s
        .split_once(':')
        .ok_or_else(|| err(line, format!("unknown value syntax {s:?}")))?;
    let kind = kind.trim().to_ascii_lowercase();
    let number = |digits: &str, max: usize| {
        let d = digits.trim();
        if d.is_empty() || d.len() > max || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err(line, format!("{kind}: expected 1-{max} hex digits")));
        }
        u64::from_str_radix(d, 16).map_err(|_| err(line, "bad hex number"))
    };
    Ok(Some(match kind.as_str() {
        "dword" => RegValue::Dword(u32::try_from(number(body, 8)?).unwrap_or(u32::MAX)),
        // Not regedit syntax (it writes hex(b):), accepted for hand-written files.
        "qword" => RegValue::Qword(number(body, 16)?),
        "hex" => RegValue::Binary(hex_bytes(body, line)?),
        _ => {
            let code = kind
                .strip_prefix("hex(")
                .and_then(|k| k.strip_suffix(')'))
                .and_then(|k| u32::from_str_radix(k, 16).ok())
                .ok_or_else(|| err(line, format!("unknown value type {kind:?}")))?;
            let bytes = hex_bytes(body, line)?;
            match (version, code) {
                // REGEDIT4 string data is single-byte ANSI.
                (RegFileVersion::Regedit4, reg_type::EXPAND_SZ | reg_type::MULTI_SZ) => {
                    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
                    if code == reg_type::EXPAND_SZ {
                        RegValue::ExpandSz(text.split('\0').next().unwrap_or_default().to_owned())
                    } else {
                        let mut items: Vec<String> = text.split('\0').map(str::to_owned).collect();
                        while items.last().is_some_and(String::is_empty) {
                            items.pop();
                        }
                        RegValue::MultiSz(items)
                    }
                }
                _ => RegValue::from_bytes(code, &bytes),
            }
        }
    }))
}

/// Joins `\`-continued lines; yields (first line number, logical line).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let (start, mut acc) = match pending.take() {
            Some((start, acc)) => (start, acc + line.trim_start()),
            None => (i + 1, line.to_owned()),
        };
        let trimmed_len = acc.trim_end().len();
        acc.truncate(trimmed_len);
        // A value line ending in '\' continues on the next line.
        if acc.ends_with('\\') && !acc.starts_with('[') && acc.contains('=') {
            acc.pop();
            pending = Some((start, acc));
        } else {
            out.push((start, acc));
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

impl RegFile {
    /// Parses a `.reg` file from bytes (UTF-16LE with BOM, UTF-8, or ANSI for
    /// REGEDIT4). Errors carry the line number.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        Self::parse_str(&decode(bytes, ".reg", true)?)
    }

    /// Parses a `.reg` file from text.
    pub fn parse_str(text: &str) -> Result<Self, Error> {
        let lines = logical_lines(text);
        let mut iter = lines.iter().filter(|(_, l)| !l.trim().is_empty());
        let version = match iter.next() {
            Some((_, h)) if h.trim() == HEADER_V5 => RegFileVersion::V5,
            Some((_, h)) if h.trim() == HEADER_V4 => RegFileVersion::Regedit4,
            Some((n, h)) => return Err(err(*n, format!("not a .reg header: {:?}", h.trim()))),
            None => return Err(err(1, "empty file")),
        };
        let mut entries = Vec::new();
        let mut key: Option<String> = None;
        for (n, l) in iter {
            let (n, l) = (*n, l.trim());
            if l.starts_with(';') {
                continue;
            }
            if let Some(inner) = l.strip_prefix('[') {
                let inner = inner
                    .strip_suffix(']')
                    .ok_or_else(|| err(n, "key line without ']'"))?;
                if let Some(deleted) = inner.strip_prefix('-') {
                    entries.push(RegFileEntry {
                        line: n,
                        op: RegOp::DeleteKey {
                            key: deleted.to_owned(),
                        },
                    });
                    key = None;
                } else {
                    key = Some(inner.to_owned());
                }
                continue;
            }
            let current = key
                .clone()
                .ok_or_else(|| err(n, "value outside a [key] section"))?;
            let (name, rest) = if let Some(rest) = l.strip_prefix('@') {
                (String::new(), rest)
            } else {
                quoted(l, n)?
            };
            let rest = rest
                .trim_start()
                .strip_prefix('=')
                .ok_or_else(|| err(n, "expected '=' after the value name"))?;
            let op = match data(rest, version, n)? {
                Some(value) => RegOp::Set {
                    key: current,
                    name,
                    value,
                },
                None => RegOp::DeleteValue { key: current, name },
            };
            entries.push(RegFileEntry { line: n, op });
        }
        Ok(RegFile { version, entries })
    }

    /// The operations, in file order.
    pub fn ops(&self) -> Vec<RegOp> {
        self.entries.iter().map(|e| e.op.clone()).collect()
    }

    /// Applies the file to `snapshot`; returns the keys outside every LAPS key.
    pub fn apply_to(&self, snapshot: &mut Snapshot) -> Vec<String> {
        snapshot.apply_all(self.entries.iter().map(|e| &e.op))
    }

    /// Appends an operation.
    pub fn push(&mut self, op: RegOp) -> &mut Self {
        self.entries.push(RegFileEntry { line: 0, op });
        self
    }

    /// The file as text (CRLF line ends, regedit's 80-column hex wrapping).
    /// Keys without a hive, and keys under an HKLM alias that
    /// [`Snapshot::apply`](crate::Snapshot::apply) understands (`HKLM\`,
    /// `MACHINE\`, ...), get `HKEY_LOCAL_MACHINE\`; other hives are kept.
    /// `DeleteAllValues` has no `.reg` syntax and is written as a key deletion
    /// followed by the key.
    pub fn to_text(&self) -> String {
        let header = match self.version {
            RegFileVersion::V5 => HEADER_V5,
            RegFileVersion::Regedit4 => HEADER_V4,
        };
        let mut out = format!("{header}\r\n");
        let mut current: Option<String> = None;
        let full = |k: &str| match crate::snapshot::machine_relative(k) {
            Some(rest) => format!("HKEY_LOCAL_MACHINE\\{rest}"),
            None => k.to_owned(),
        };
        for e in &self.entries {
            let (key, line) = match &e.op {
                RegOp::DeleteKey { key } => {
                    let _ = write!(out, "\r\n[-{}]\r\n", full(key));
                    current = None;
                    continue;
                }
                RegOp::DeleteAllValues { key } => {
                    let _ = write!(out, "\r\n[-{}]\r\n", full(key));
                    current = None;
                    (key, None)
                }
                RegOp::Set { key, name, value } | RegOp::SetIfAbsent { key, name, value } => (
                    key,
                    Some(format!(
                        "{}={}",
                        name_text(name),
                        self.value_text(name, value)
                    )),
                ),
                RegOp::DeleteValue { key, name } => (key, Some(format!("{}=-", name_text(name)))),
            };
            // Compare keys as written: two spellings of one key (`MACHINE\…`, `HKLM\…`) share a
            // section, as they will when the output is read back.
            let written = full(key);
            if current.as_deref() != Some(written.as_str()) {
                let _ = write!(out, "\r\n[{written}]\r\n");
                current = Some(written);
            }
            if let Some(line) = line {
                out.push_str(&line);
                out.push_str("\r\n");
            }
        }
        out
    }

    /// The file as bytes: UTF-16LE with a BOM for version 5 (as regedit
    /// exports), single-byte for REGEDIT4.
    pub fn to_bytes(&self) -> Vec<u8> {
        let text = self.to_text();
        match self.version {
            RegFileVersion::V5 => {
                let mut out = vec![0xFF, 0xFE];
                crate::value::push_utf16(&mut out, &text);
                out
            }
            RegFileVersion::Regedit4 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
        }
    }

    fn value_text(&self, name: &str, v: &RegValue) -> String {
        match v {
            RegValue::Dword(d) => format!("dword:{d:08x}"),
            // Quoted strings cannot hold line breaks: those go out as hex(1).
            RegValue::Sz(s) if !s.contains(char::is_control) => format!("\"{}\"", escape(s)),
            RegValue::Binary(b) => hex_list("hex:", name, b),
            other => {
                let bytes = match (self.version, other) {
                    (RegFileVersion::Regedit4, RegValue::ExpandSz(s)) => {
                        let mut b: Vec<u8> = s
                            .chars()
                            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                            .collect();
                        b.push(0);
                        b
                    }
                    (RegFileVersion::Regedit4, RegValue::MultiSz(items)) => {
                        let mut b = Vec::new();
                        for s in items {
                            b.extend(
                                s.chars()
                                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')),
                            );
                            b.push(0);
                        }
                        b.push(0);
                        b
                    }
                    _ => other.to_bytes(),
                };
                hex_list(&format!("hex({:x}):", other.reg_type()), name, &bytes)
            }
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn name_text(name: &str) -> String {
    if name.is_empty() {
        "@".into()
    } else {
        format!("\"{}\"", escape(name))
    }
}

/// `prefix` + comma-separated bytes, wrapped like regedit at 80 columns
/// (continuation lines end with `\` and start with two spaces).
fn hex_list(prefix: &str, name: &str, bytes: &[u8]) -> String {
    let mut out = prefix.to_owned();
    let mut col = name_text(name).len() + 1 + prefix.len();
    for (i, b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        let piece = if last {
            format!("{b:02x}")
        } else {
            format!("{b:02x},")
        };
        if col + piece.len() > 77 && !last {
            out.push_str("\\\r\n  ");
            col = 2;
        }
        out.push_str(&piece);
        col += piece.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_line_numbers() {
        assert!(matches!(
            RegFile::parse_str("hello"),
            Err(Error::Reg { line: 1, .. })
        ));
        assert!(matches!(
            RegFile::parse_str(""),
            Err(Error::Reg { line: 1, .. })
        ));
        let e = RegFile::parse_str("REGEDIT4\n\n\"A\"=dword:1\n").unwrap_err();
        assert!(matches!(e, Error::Reg { line: 3, .. }), "{e:?}");
        let e = RegFile::parse_str("REGEDIT4\n[HKLM\\X]\n\"A\"=dword:123456789\n").unwrap_err();
        assert!(matches!(e, Error::Reg { line: 3, .. }));
        let e = RegFile::parse_str("REGEDIT4\n[HKLM\\X]\n\"A\"=hex:zz\n").unwrap_err();
        assert!(matches!(e, Error::Reg { line: 3, .. }));
        let e = RegFile::parse_str("REGEDIT4\n[HKLM\\X]\n\"A=1\n").unwrap_err();
        assert!(matches!(e, Error::Reg { line: 3, .. }));
        let e = RegFile::parse_str("REGEDIT4\n[HKLM\\X\n").unwrap_err();
        assert!(matches!(e, Error::Reg { line: 2, .. }));
        let e = RegFile::parse_str("REGEDIT4\n[HKLM\\X]\n\"A\"=foo:1\n").unwrap_err();
        assert!(matches!(e, Error::Reg { line: 3, .. }));
    }

    #[test]
    fn continuation_lines_join() {
        let r = RegFile::parse_str(
            "REGEDIT4\r\n[HKLM\\X]\r\n\"A\"=hex:01,02,\\\r\n  03\r\n\"B\"=dword:1\r\n",
        )
        .unwrap();
        assert_eq!(r.entries.len(), 2);
        assert!(
            matches!(&r.entries[0].op, RegOp::Set { value: RegValue::Binary(b), .. } if b == &[1, 2, 3])
        );
        assert_eq!(r.entries[1].line, 5);
    }
}
