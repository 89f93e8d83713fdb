//! [`Guid`]: root key identifiers, stored in Windows (mixed-endian) byte order.

use crate::{Error, Result};
use core::{fmt, str::FromStr};

/// A GUID as Windows stores it in binary structures (`uuid.bytes_le` order:
/// the first three fields little-endian).
///
/// ```
/// use laps_crypto::Guid;
/// let g: Guid = "a35d415a-6400-1708-fc8a-3d8f52b8b33d".parse()?;
/// assert_eq!(hex::encode(g.to_bytes_le()), "5a415da300640817fc8a3d8f52b8b33d");
/// assert_eq!(g.to_string(), "a35d415a-6400-1708-fc8a-3d8f52b8b33d");
/// # Ok::<(), laps_crypto::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid([u8; 16]);

impl Guid {
    /// From the 16 bytes in Windows order (as found in a KeyIdentifier or GKE).
    pub const fn from_bytes_le(bytes: [u8; 16]) -> Self {
        Guid(bytes)
    }

    /// The 16 bytes in Windows order.
    pub const fn to_bytes_le(self) -> [u8; 16] {
        self.0
    }

    /// The 16 bytes in Windows order, borrowed.
    pub const fn as_bytes_le(&self) -> &[u8; 16] {
        &self.0
    }
}

impl FromStr for Guid {
    type Err = Error;

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case, optional braces).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidInput(format!("not a GUID: {s:?}"));
        let t = s.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(t);
        let parts: Vec<&str> = t.split('-').collect();
        if parts.len() != 5
            || parts.iter().map(|p| p.len()).collect::<Vec<_>>() != [8, 4, 4, 4, 12]
            || !t.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
        {
            return Err(bad());
        }
        let hexs: String = parts.concat();
        let be = hex::decode(hexs).map_err(|_| bad())?;
        let mut out = [0u8; 16];
        // Data1 (4 bytes), Data2 (2), Data3 (2) little-endian; Data4 (8) as is.
        for (dst, src) in [
            (0usize, 3usize),
            (1, 2),
            (2, 1),
            (3, 0),
            (4, 5),
            (5, 4),
            (6, 7),
            (7, 6),
        ] {
            out[dst] = be[src];
        }
        out[8..].copy_from_slice(&be[8..]);
        Ok(Guid(out))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{}-{}",
            b[3],
            b[2],
            b[1],
            b[0],
            b[5],
            b[4],
            b[7],
            b[6],
            hex::encode(&b[8..10]),
            hex::encode(&b[10..16])
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

impl serde::Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Guid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_round_trip_and_byte_order() {
        let g: Guid = "{93B65561-B7F7-BED4-BCA2-A7428E3819FD}".parse().unwrap();
        assert_eq!(
            hex::encode(g.to_bytes_le()),
            "6155b693f7b7d4bebca2a7428e3819fd"
        );
        assert_eq!(g.to_string(), "93b65561-b7f7-bed4-bca2-a7428e3819fd");
        for bad in [
            "",
            "93b65561b7f7bed4bca2a7428e3819fd",
            "93b65561-b7f7-bed4-bca2-a7428e3819fg",
        ] {
            assert!(bad.parse::<Guid>().is_err(), "{bad}");
        }
    }
}
