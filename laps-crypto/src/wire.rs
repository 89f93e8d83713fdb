//! Bounds-checked little-endian and UTF-16 readers and writers for the binary structures of
//! MS-GKDI and LAPS, and the header that a Group Key Envelope and a KeyIdentifier share.
//! Every reader returns [`Error::Malformed`](crate::Error::Malformed) with the offset
//! `base + at`, never panics.

use crate::error::{malformed, Result};
use crate::key_identifier::KeyIndex;
use crate::Guid;
use zeroize::Zeroizing;

/// Reads a little-endian u32 at `at` (offsets in errors are `base + at`).
pub(crate) fn read_u32(b: &[u8], at: usize, structure: &'static str, base: usize) -> Result<u32> {
    b.get(at..at.saturating_add(4))
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(malformed(structure, base + at, "truncated"))
}

/// Decodes UTF-16LE that must end with one NUL (the NUL is removed).
pub(crate) fn utf16z_to_string(b: &[u8], structure: &'static str, base: usize) -> Result<String> {
    if b.len() < 2 || b.len() % 2 != 0 {
        return Err(malformed(structure, base, "bad UTF-16 string length"));
    }
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let (last, body) = units
        .split_last()
        .ok_or(malformed(structure, base, "empty string"))?;
    if *last != 0 || body.contains(&0) {
        return Err(malformed(
            structure,
            base,
            "UTF-16 string not NUL-terminated",
        ));
    }
    String::from_utf16(body).map_err(|_| malformed(structure, base, "invalid UTF-16"))
}

/// UTF-16LE of `s` followed by a UTF-16 NUL.
pub(crate) fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain(core::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// Strict UTF-16LE decoding (no NUL expected) into a zeroizing string.
pub(crate) fn utf16le_to_string(b: &[u8]) -> Result<Zeroizing<String>> {
    if b.len() % 2 != 0 {
        return Err(malformed("UTF-16LE text", b.len() - 1, "odd length"));
    }
    // One UTF-16 unit decodes to at most 3 UTF-8 bytes (a surrogate pair, 2 units, to 4): reserved
    // up front so the decrypted text is never reallocated (which would free a copy unwiped).
    let mut out = Zeroizing::new(String::with_capacity(3 * (b.len() / 2)));
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    for (i, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(c) => out.push(c),
            Err(_) => return Err(malformed("UTF-16LE text", 2 * i, "unpaired surrogate")),
        }
    }
    Ok(out)
}

/// `KDSK`, the magic of both structures.
pub(crate) const MAGIC: &[u8; 4] = b"KDSK";

/// The first 40 bytes of a Group Key Envelope and of a KeyIdentifier ([MS-GKDI] 2.2.4,
/// 2.2.5): version (1), `KDSK`, flags, the L0/L1/L2 indices and the root key id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KdsKeyHeader {
    /// Flags (bit 0: public-key path).
    pub(crate) flags: u32,
    /// L0/L1/L2, as read (each structure checks its own ranges).
    pub(crate) index: KeyIndex,
    /// Root key id.
    pub(crate) root_key_id: Guid,
}

impl KdsKeyHeader {
    /// Length of the header.
    pub(crate) const LEN: usize = 40;

    /// Reads the header at the start of `b` (offsets in errors are `base + at`): version 1 and
    /// the magic are checked.
    pub(crate) fn parse(b: &[u8], structure: &'static str, base: usize) -> Result<Self> {
        if read_u32(b, 0, structure, base)? != 1 {
            return Err(malformed(structure, base, "version is not 1"));
        }
        if b.get(4..8) != Some(&MAGIC[..]) {
            return Err(malformed(structure, base + 4, "magic is not KDSK"));
        }
        let flags = read_u32(b, 8, structure, base)?;
        let index = KeyIndex {
            l0: read_u32(b, 12, structure, base)? as i32,
            l1: read_u32(b, 16, structure, base)? as i32,
            l2: read_u32(b, 20, structure, base)? as i32,
        };
        let guid: [u8; 16] = b
            .get(24..40)
            .and_then(|g| g.try_into().ok())
            .ok_or(malformed(structure, base + 24, "truncated"))?;
        Ok(KdsKeyHeader {
            flags,
            index,
            root_key_id: Guid::from_bytes_le(guid),
        })
    }

    /// Appends the header (version 1).
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.flags.to_le_bytes());
        for x in [self.index.l0, self.index.l1, self.index.l2] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.extend_from_slice(self.root_key_id.as_bytes_le());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_bad_version_magic_and_truncation() {
        let h = KdsKeyHeader {
            flags: 3,
            index: KeyIndex {
                l0: 361,
                l1: 17,
                l2: 8,
            },
            root_key_id: Guid::from_bytes_le([7; 16]),
        };
        let mut b = Vec::new();
        h.write(&mut b);
        assert_eq!(b.len(), KdsKeyHeader::LEN);
        assert_eq!(KdsKeyHeader::parse(&b, "T", 0).unwrap(), h);
        for cut in 0..KdsKeyHeader::LEN {
            assert!(KdsKeyHeader::parse(&b[..cut], "T", 0).is_err(), "{cut}");
        }
        let mut bad = b.clone();
        bad[0] = 2;
        assert!(KdsKeyHeader::parse(&bad, "T", 0).is_err());
        let mut bad = b;
        bad[4] = b'X';
        assert!(KdsKeyHeader::parse(&bad, "T", 0).is_err());
    }

    #[test]
    fn utf16_readers_are_strict() {
        assert_eq!(utf16z_to_string(&utf16z("ab"), "T", 0).unwrap(), "ab");
        assert!(utf16z_to_string(b"a\0b", "T", 0).is_err());
        assert!(utf16z_to_string(&[0x61, 0, 0x62, 0], "T", 0).is_err());
        assert!(utf16le_to_string(&[0x00, 0xd8]).is_err());
        assert_eq!(
            read_u32(&[1, 0, 0], 0, "T", 5).unwrap_err().kind(),
            crate::ErrorKind::Format
        );
    }
}
