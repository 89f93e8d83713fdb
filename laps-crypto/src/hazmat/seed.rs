//! Seed keys and the GKDI seed-key tree ([MS-GKDI] 3.1.4.1.2):
//!
//! ```text
//! L0seed            = KDF(RootKeyData,       ctx(L0, −1, −1))
//! L1seed(L0, 31)    = KDF(L0seed,            ctx(L0, 31, −1) ‖ SD)   ← the only step that uses SD
//! L1seed(L0, n<31)  = KDF(L1seed(L0, n+1),   ctx(L0, n, −1))
//! L2seed(L0, a, 31) = KDF(L1seed(L0, a),     ctx(L0, a, 31))
//! L2seed(L0, a, m)  = KDF(L2seed(L0, a, m+1), ctx(L0, a, m))
//! ```
//!
//! Keys only derive downwards (older indices), which is why a group key envelope serves older
//! blobs. Every function here takes its inputs explicitly; caching lives in [`crate::KeyStore`].

use crate::kdf::{sp800_108, KdfHash, KDS_SERVICE_LABEL};
use crate::wire::utf16z;
use crate::{cng::SecretAgreement, Guid, KeyIndex};
use core::fmt;
use zeroize::Zeroizing;

/// Length of every seed key.
pub const SEED_LEN: usize = 64;

/// A 64-byte GKDI seed key (L0, L1 or L2). Zeroized on drop, never printed, compared in
/// constant time.
#[derive(Clone)]
pub struct SeedKey(Zeroizing<[u8; SEED_LEN]>);

impl PartialEq for SeedKey {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}

impl Eq for SeedKey {}

impl SeedKey {
    /// Wraps 64 bytes (e.g. the L1/L2 key of a group key envelope).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; SEED_LEN] = bytes.try_into().ok()?;
        Some(SeedKey(Zeroizing::new(arr)))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8; SEED_LEN] {
        &self.0
    }
}

impl fmt::Debug for SeedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeedKey(<redacted>)")
    }
}

/// The 28-byte KDF context `rootKeyId ‖ L0 ‖ L1 ‖ L2` (int32 little-endian; −1 = `ffffffff`).
pub fn context(root_key_id: Guid, l0: i32, l1: i32, l2: i32) -> [u8; 28] {
    let mut c = [0u8; 28];
    c[..16].copy_from_slice(root_key_id.as_bytes_le());
    c[16..20].copy_from_slice(&l0.to_le_bytes());
    c[20..24].copy_from_slice(&l1.to_le_bytes());
    c[24..28].copy_from_slice(&l2.to_le_bytes());
    c
}

/// One step of the tree: `KDF(hash, parent, "KDS service", ctx(l0, l1, l2) ‖ suffix, 64)`.
pub fn derive(
    hash: KdfHash,
    parent: &[u8],
    root_key_id: Guid,
    l0: i32,
    l1: i32,
    l2: i32,
    suffix: &[u8],
) -> SeedKey {
    let ctx = context(root_key_id, l0, l1, l2);
    let out = if suffix.is_empty() {
        sp800_108(hash, parent, KDS_SERVICE_LABEL, &ctx, SEED_LEN)
    } else {
        let mut c = Vec::with_capacity(ctx.len() + suffix.len());
        c.extend_from_slice(&ctx);
        c.extend_from_slice(suffix);
        sp800_108(hash, parent, KDS_SERVICE_LABEL, &c, SEED_LEN)
    };
    let mut arr = Zeroizing::new([0u8; SEED_LEN]);
    arr.copy_from_slice(&out);
    SeedKey(arr)
}

/// `L0seed = KDF(RootKeyData, ctx(L0, −1, −1))`.
pub fn l0_seed(hash: KdfHash, root_key_data: &[u8], root_key_id: Guid, l0: i32) -> SeedKey {
    derive(hash, root_key_data, root_key_id, l0, -1, -1, &[])
}

/// `L1seed(L0, 31) = KDF(L0seed, ctx(L0, 31, −1) ‖ SD)`.
pub fn l1_seed_at_31(
    hash: KdfHash,
    l0_seed: &SeedKey,
    root_key_id: Guid,
    l0: i32,
    security_descriptor: &[u8],
) -> SeedKey {
    derive(
        hash,
        l0_seed.as_bytes(),
        root_key_id,
        l0,
        31,
        -1,
        security_descriptor,
    )
}

/// Walks L1 down: from `L1seed(L0, from)` to `L1seed(L0, to)`, `to ≤ from`.
pub fn walk_l1(
    hash: KdfHash,
    start: &SeedKey,
    root_key_id: Guid,
    l0: i32,
    from: i32,
    to: i32,
) -> SeedKey {
    let mut k = start.clone();
    let mut n = from;
    while n > to {
        n -= 1;
        k = derive(hash, k.as_bytes(), root_key_id, l0, n, -1, &[]);
    }
    k
}

/// `L2seed(L0, a, 31) = KDF(L1seed(L0, a), ctx(L0, a, 31))`.
pub fn l2_seed_at_31(
    hash: KdfHash,
    l1_seed: &SeedKey,
    root_key_id: Guid,
    l0: i32,
    l1: i32,
) -> SeedKey {
    derive(hash, l1_seed.as_bytes(), root_key_id, l0, l1, 31, &[])
}

/// Walks L2 down: from `L2seed(L0, a, from)` to `L2seed(L0, a, to)`, `to ≤ from`.
pub fn walk_l2(
    hash: KdfHash,
    start: &SeedKey,
    root_key_id: Guid,
    l0: i32,
    l1: i32,
    from: i32,
    to: i32,
) -> SeedKey {
    let mut k = start.clone();
    let mut m = from;
    while m > to {
        m -= 1;
        k = derive(hash, k.as_bytes(), root_key_id, l0, l1, m, &[]);
    }
    k
}

/// Every seed on the path from a root key to one L2 key (what the vectors list as intermediates).
#[derive(Clone, Debug)]
pub struct SeedChain {
    /// `L0seed`.
    pub l0: SeedKey,
    /// `L1seed(L0, 31)`.
    pub l1_at_31: SeedKey,
    /// `L1seed(L0, L1)`.
    pub l1: SeedKey,
    /// `L2seed(L0, L1, L2)`.
    pub l2: SeedKey,
}

/// Derives the whole chain, uncached (the [`crate::KeyStore`] caches the same steps).
pub fn seed_chain(
    hash: KdfHash,
    root_key_data: &[u8],
    root_key_id: Guid,
    security_descriptor: &[u8],
    index: KeyIndex,
) -> SeedChain {
    let l0 = l0_seed(hash, root_key_data, root_key_id, index.l0);
    let l1_at_31 = l1_seed_at_31(hash, &l0, root_key_id, index.l0, security_descriptor);
    let l1 = walk_l1(hash, &l1_at_31, root_key_id, index.l0, 31, index.l1);
    let l2_31 = l2_seed_at_31(hash, &l1, root_key_id, index.l0, index.l1);
    let l2 = walk_l2(hash, &l2_31, root_key_id, index.l0, index.l1, 31, index.l2);
    SeedChain {
        l0,
        l1_at_31,
        l1,
        l2,
    }
}

/// The group private key: `KDF(L2seed, UTF-16LE(algorithm + "\0"), ⌈bits/8⌉)`, a big-endian
/// integer (64 bytes for DH, 32 for P-256, 48 for P-384).
pub fn group_private_key(
    hash: KdfHash,
    l2_seed: &SeedKey,
    algorithm: SecretAgreement,
    private_key_bits: u32,
) -> Zeroizing<Vec<u8>> {
    let len = (private_key_bits as usize).div_ceil(8);
    sp800_108(
        hash,
        l2_seed.as_bytes(),
        KDS_SERVICE_LABEL,
        &utf16z(algorithm.name()),
        len,
    )
}
