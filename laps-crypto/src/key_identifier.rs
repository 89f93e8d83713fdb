//! The GKDI KeyIdentifier carried in the CMS `KEKIdentifier.keyIdentifier` ("KDSK").

use crate::cng::PublicKeyBlob;
use crate::error::{malformed, Result};
use crate::wire::{read_u32, utf16z, utf16z_to_string, KdsKeyHeader};
use crate::Guid;

const S: &str = "KeyIdentifier";
/// Length of the fixed part of a KeyIdentifier.
const FIXED_LEN: usize = 52;
/// Upper bound on names and key blobs (bytes), so hostile lengths are refused before allocation.
const MAX_FIELD: usize = 16 * 1024;

/// Flag bit 0: `key_info` is the encryptor's public key (public-key path).
pub const FLAG_PUBLIC_KEY: u32 = 0x1;

/// The L0/L1/L2 indices of a GKDI key. L1 and L2 are 0..=31; L0 counts 10 240-hour periods.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize)]
pub struct KeyIndex {
    /// L0 index.
    pub l0: i32,
    /// L1 index (0..=31).
    pub l1: i32,
    /// L2 index (0..=31).
    pub l2: i32,
}

impl KeyIndex {
    /// Checks the ranges every GKDI index must satisfy (L0 ≥ 0, 0 ≤ L1, L2 ≤ 31).
    pub const fn is_valid(self) -> bool {
        self.l0 >= 0 && self.l1 >= 0 && self.l1 <= 31 && self.l2 >= 0 && self.l2 <= 31
    }

    /// The key for a FILETIME ([MS-GKDI] 3.1.4.1.x): L2 ticks every 10 h, L1 every 320 h,
    /// L0 every 10 240 h.
    ///
    /// ```
    /// use laps_core::FileTime;
    /// use laps_crypto::KeyIndex;
    /// let k = KeyIndex::from_filetime(FileTime::from_ticks(0x01dbccc8e4925c5d));
    /// assert_eq!((k.l0, k.l1, k.l2), (363, 9, 16));
    /// ```
    pub fn from_filetime(t: laps_core::FileTime) -> Self {
        const I: u64 = 36_000_000_000 * 10; // 10 hours in 100 ns ticks
        let t = t.ticks();
        KeyIndex {
            l0: (t / (1024 * I)) as i32,
            l1: ((t % (1024 * I)) / (32 * I)) as i32,
            l2: ((t % (32 * I)) / I) as i32,
        }
    }
}

/// What `key_info` holds.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum KeyInfo {
    /// Private-key path: 32 random bytes used as the KDF context of the KEK.
    Nonce(Vec<u8>),
    /// Public-key path: the encryptor's ephemeral public key.
    PublicKey(PublicKeyBlob),
}

/// A parsed KeyIdentifier.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyIdentifier {
    /// Structure version (1).
    pub version: u32,
    /// Flags; bit 0 = public-key path. Windows writes 3 (public) or 2 (private).
    pub flags: u32,
    /// The root key and L0/L1/L2 indices.
    pub root_key_id: Guid,
    /// The key indices.
    pub index: KeyIndex,
    /// The nonce or ephemeral public key.
    pub key_info: KeyInfo,
    /// DNS domain name of the DC that answered GetKey.
    pub domain_name: String,
    /// DNS forest name.
    pub forest_name: String,
}

impl KeyIdentifier {
    /// True for the public-key path (flags bit 0).
    pub fn is_public_key(&self) -> bool {
        self.flags & FLAG_PUBLIC_KEY != 0
    }

    /// Parses a KeyIdentifier; `base` is the offset of `b` in the caller's input (for errors).
    pub fn parse(b: &[u8]) -> Result<Self> {
        Self::parse_at(b, 0)
    }

    pub(crate) fn parse_at(b: &[u8], base: usize) -> Result<Self> {
        if b.len() < FIXED_LEN {
            return Err(malformed(S, base, "shorter than 52 bytes"));
        }
        let KdsKeyHeader {
            flags,
            index,
            root_key_id,
        } = KdsKeyHeader::parse(b, S, base)?;
        let version = 1;
        if index.l0 < 0 {
            return Err(malformed(S, base + 12, "L0 index is negative"));
        }
        if !(0..=31).contains(&index.l1) {
            return Err(malformed(S, base + 16, "L1 index out of range 0..=31"));
        }
        if !(0..=31).contains(&index.l2) {
            return Err(malformed(S, base + 20, "L2 index out of range 0..=31"));
        }
        let lens = [
            read_u32(b, 40, S, base)? as usize,
            read_u32(b, 44, S, base)? as usize,
            read_u32(b, 48, S, base)? as usize,
        ];
        if lens.iter().any(|&l| l > MAX_FIELD) || FIXED_LEN + lens.iter().sum::<usize>() != b.len()
        {
            return Err(malformed(
                S,
                base + 40,
                "field lengths do not match the structure size",
            ));
        }
        let (ki, rest) = b[FIXED_LEN..].split_at(lens[0]);
        let (domain, forest) = rest.split_at(lens[1]);
        let ki_at = base + FIXED_LEN;
        let key_info = if flags & FLAG_PUBLIC_KEY != 0 {
            KeyInfo::PublicKey(PublicKeyBlob::parse_at(ki, ki_at)?)
        } else {
            if ki.len() != 32 {
                return Err(malformed(
                    S,
                    ki_at,
                    "private-key path needs a 32-byte nonce",
                ));
            }
            KeyInfo::Nonce(ki.to_vec())
        };
        let domain_name = utf16z_to_string(domain, S, ki_at + lens[0])?;
        let forest_name = utf16z_to_string(forest, S, ki_at + lens[0] + lens[1])?;
        Ok(KeyIdentifier {
            version,
            flags,
            root_key_id,
            index,
            key_info,
            domain_name,
            forest_name,
        })
    }

    /// Serializes (the inverse of [`KeyIdentifier::parse`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let ki = match &self.key_info {
            KeyInfo::Nonce(n) => n.clone(),
            KeyInfo::PublicKey(pk) => pk.to_bytes(),
        };
        let domain = utf16z(&self.domain_name);
        let forest = utf16z(&self.forest_name);
        let mut v = Vec::with_capacity(FIXED_LEN + ki.len() + domain.len() + forest.len());
        KdsKeyHeader {
            flags: self.flags,
            index: self.index,
            root_key_id: self.root_key_id,
        }
        .write(&mut v);
        for l in [ki.len(), domain.len(), forest.len()] {
            v.extend_from_slice(&(l as u32).to_le_bytes());
        }
        v.extend_from_slice(&ki);
        v.extend_from_slice(&domain);
        v.extend_from_slice(&forest);
        v
    }
}
