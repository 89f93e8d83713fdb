//! MIT keytab files (format versions 0x0501 and 0x0502), as `samba-tool domain exportkeytab`,
//! `ktutil` and `msktutil` write them: the long-term keys of a service principal, with which the
//! lab KDS decrypts the Kerberos tickets clients present.
//!
//! Layout (MIT `krb5/src/lib/krb5/keytab/kt_file.c`): a 2-byte version, then records, each a
//! signed 32-bit big-endian length (negative: a deleted record, skipped) followed by
//! `count(16) realm(16+bytes) components(16+bytes each) [name_type(32) in 0x0502]
//! timestamp(32) kvno(8) enctype(16) key(16+bytes) [kvno(32) when the record has room]`.
//! Version 0x0501 counts the realm among the components and has no name type.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Upper bound on the size of a keytab this parser reads (a service keytab is a few hundred
/// bytes).
pub const MAX_KEYTAB_LEN: usize = 1 << 20;

/// One key of a keytab.
#[derive(Clone)]
pub struct KeytabEntry {
    realm: String,
    components: Vec<String>,
    kvno: u32,
    enctype: i32,
    key: Zeroizing<Vec<u8>>,
}

impl KeytabEntry {
    /// The principal's realm, e.g. `WINLAPS.TEST`.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The principal's name components, e.g. `["host", "kds.winlaps.test"]`.
    pub fn components(&self) -> &[String] {
        &self.components
    }

    /// The principal as `a/b@REALM`.
    pub fn principal(&self) -> String {
        format!("{}@{}", self.components.join("/"), self.realm)
    }

    /// The key version number.
    pub fn kvno(&self) -> u32 {
        self.kvno
    }

    /// The encryption type (RFC 3961 numbers: 17 AES128-CTS-HMAC-SHA1-96, 18 AES256-..., 23
    /// RC4-HMAC).
    pub fn enctype(&self) -> i32 {
        self.enctype
    }

    /// The key itself: a secret (the service's long-term key), for Kerberos crypto only.
    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for KeytabEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeytabEntry")
            .field("principal", &self.principal())
            .field("kvno", &self.kvno)
            .field("enctype", &self.enctype)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The keys of a keytab file.
#[derive(Clone, Debug, Default)]
pub struct Keytab {
    entries: Vec<KeytabEntry>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| bad(format!("record truncated at byte {}", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Result<String> {
        let n = usize::from(self.u16()?);
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| bad("a name is not UTF-8".into()))
    }
    fn rest(&self) -> usize {
        self.bytes.len() - self.at
    }
}

fn bad(why: String) -> Error {
    Error::InvalidArgument(format!("keytab: {why}"))
}

fn entry(record: &[u8], v1: bool) -> Result<KeytabEntry> {
    let mut r = Reader {
        bytes: record,
        at: 0,
    };
    let mut count = usize::from(r.u16()?);
    if v1 {
        count = count.checked_sub(1).ok_or_else(|| bad("no realm".into()))?;
    }
    let realm = r.string()?;
    let components = (0..count).map(|_| r.string()).collect::<Result<Vec<_>>>()?;
    if !v1 {
        let _name_type = r.u32()?;
    }
    let _timestamp = r.u32()?;
    let mut kvno = u32::from(r.u8()?);
    let enctype = i32::from(r.u16()? as i16);
    let len = usize::from(r.u16()?);
    let key = Zeroizing::new(r.take(len)?.to_vec());
    if r.rest() >= 4 {
        let long = r.u32()?;
        if long != 0 {
            kvno = long;
        }
    }
    Ok(KeytabEntry {
        realm,
        components,
        kvno,
        enctype,
        key,
    })
}

impl Keytab {
    /// Parses a keytab file's bytes. Malformed input is an
    /// [`InvalidArgument`](crate::ErrorKind::InvalidArgument) error naming the problem.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_KEYTAB_LEN {
            return Err(bad(format!("larger than {MAX_KEYTAB_LEN} bytes")));
        }
        let v1 = match bytes.get(..2) {
            Some([5, 1]) => true,
            Some([5, 2]) => false,
            _ => {
                return Err(bad(
                    "not a keytab (version 0x0501 or 0x0502 expected)".into()
                ))
            }
        };
        let mut r = Reader { bytes, at: 2 };
        let mut entries = Vec::new();
        while r.rest() >= 4 {
            let len = r.u32()? as i32;
            let record = r.take(len.unsigned_abs() as usize)?;
            if len > 0 {
                entries.push(entry(record, v1)?);
            }
        }
        Ok(Self { entries })
    }

    /// Reads and parses a keytab file.
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let bytes = Zeroizing::new(
            std::fs::read(path).map_err(|e| bad(format!("{}: {e}", path.display())))?,
        );
        Self::parse(&bytes)
    }

    /// The keys.
    pub fn entries(&self) -> &[KeytabEntry] {
        &self.entries
    }

    /// The key of the principal named `components` (ASCII case-insensitive) for `enctype`:
    /// the entry with `kvno` if given and present, otherwise the highest kvno.
    pub fn find(
        &self,
        components: &[&str],
        enctype: i32,
        kvno: Option<u32>,
    ) -> Option<&KeytabEntry> {
        let candidates = self.entries.iter().filter(|e| {
            e.enctype == enctype
                && e.components.len() == components.len()
                && e.components
                    .iter()
                    .zip(components)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        });
        match kvno {
            Some(k) => candidates
                .clone()
                .find(|e| e.kvno == k)
                .or_else(|| candidates.max_by_key(|e| e.kvno)),
            None => candidates.max_by_key(|e| e.kvno),
        }
    }
}
