//! HMAC and one-shot hashing over the raw SHA-1/SHA-2 compression functions, so that every
//! keyed state and every partial block is held in a zeroizing buffer.
//!
//! Why not the `hmac` crate: `Hmac<Sha512>` (digest 0.10) holds the inner and outer hash states
//! of the key — key-equivalent material — and has no `Zeroize`; neither do the hash cores, whose
//! block buffers keep the last partial block of the input (a DH shared secret, say). Here the
//! states are plain arrays in [`Zeroizing`] and only the public compression functions of `sha1`
//! and `sha2` (feature `compress`) are used. Checked against `hmac`/`sha2` in the tests.

use zeroize::{Zeroize, Zeroizing};

/// The largest block (SHA-384/512).
const MAX_BLOCK: usize = 128;

/// One SHA function: block size, state, initial value, compression and output.
pub(crate) trait Sha {
    /// Block size in bytes (64 or 128).
    const BLOCK: usize;
    /// Digest size in bytes.
    const OUT: usize;
    /// Size of the message-length field of the padding (8 or 16 bytes).
    const LEN_FIELD: usize;
    type State: Copy + Zeroize;
    const IV: Self::State;
    /// Compresses one `BLOCK`-byte block into the state.
    fn compress(state: &mut Self::State, block: &[u8]);
    /// The first `OUT` bytes of the big-endian state.
    fn output(state: &Self::State, out: &mut [u8]);
}

pub(crate) struct Sha1;
pub(crate) struct Sha256;
pub(crate) struct Sha384;
pub(crate) struct Sha512;

fn words_be<W: Copy, const N: usize>(
    state: &[W; N],
    bytes: fn(W) -> [u8; 8],
    width: usize,
    out: &mut [u8],
) {
    for (chunk, &w) in out.chunks_mut(width).zip(state.iter()) {
        chunk.copy_from_slice(&bytes(w)[8 - width..8 - width + chunk.len()]);
    }
}

fn u32_be(w: u32) -> [u8; 8] {
    u64::from(w).to_be_bytes()
}

impl Sha for Sha1 {
    const BLOCK: usize = 64;
    const OUT: usize = 20;
    const LEN_FIELD: usize = 8;
    type State = [u32; 5];
    const IV: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    fn compress(state: &mut [u32; 5], block: &[u8]) {
        sha1::compress(state, core::slice::from_ref(block.into()));
    }
    fn output(state: &[u32; 5], out: &mut [u8]) {
        words_be(state, u32_be, 4, out);
    }
}

impl Sha for Sha256 {
    const BLOCK: usize = 64;
    const OUT: usize = 32;
    const LEN_FIELD: usize = 8;
    type State = [u32; 8];
    const IV: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    fn compress(state: &mut [u32; 8], block: &[u8]) {
        sha2::compress256(state, core::slice::from_ref(block.into()));
    }
    fn output(state: &[u32; 8], out: &mut [u8]) {
        words_be(state, u32_be, 4, out);
    }
}

impl Sha for Sha384 {
    const BLOCK: usize = 128;
    const OUT: usize = 48;
    const LEN_FIELD: usize = 16;
    type State = [u64; 8];
    const IV: [u64; 8] = [
        0xcbbb_9d5d_c105_9ed8,
        0x629a_292a_367c_d507,
        0x9159_015a_3070_dd17,
        0x152f_ecd8_f70e_5939,
        0x6733_2667_ffc0_0b31,
        0x8eb4_4a87_6858_1511,
        0xdb0c_2e0d_64f9_8fa7,
        0x47b5_481d_befa_4fa4,
    ];
    fn compress(state: &mut [u64; 8], block: &[u8]) {
        sha2::compress512(state, core::slice::from_ref(block.into()));
    }
    fn output(state: &[u64; 8], out: &mut [u8]) {
        words_be(state, u64::to_be_bytes, 8, out);
    }
}

impl Sha for Sha512 {
    const BLOCK: usize = 128;
    const OUT: usize = 64;
    const LEN_FIELD: usize = 16;
    type State = [u64; 8];
    const IV: [u64; 8] = [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ];
    fn compress(state: &mut [u64; 8], block: &[u8]) {
        sha2::compress512(state, core::slice::from_ref(block.into()));
    }
    fn output(state: &[u64; 8], out: &mut [u8]) {
        words_be(state, u64::to_be_bytes, 8, out);
    }
}

/// Hashes `parts` into `state`, which has already absorbed `absorbed` bytes (whole blocks), and
/// writes the digest to `out` (`H::OUT` bytes). The partial block is a zeroizing buffer.
fn finish<H: Sha>(state: &mut H::State, absorbed: usize, parts: &[&[u8]], out: &mut [u8]) {
    let mut block = Zeroizing::new([0u8; MAX_BLOCK]);
    let block_len = H::BLOCK;
    let mut filled = 0;
    let mut total = absorbed;
    for part in parts {
        total += part.len();
        let mut rest = *part;
        while !rest.is_empty() {
            let take = rest.len().min(block_len - filled);
            block[filled..filled + take].copy_from_slice(&rest[..take]);
            filled += take;
            rest = &rest[take..];
            if filled == block_len {
                H::compress(state, &block[..block_len]);
                filled = 0;
            }
        }
    }
    // Padding: 0x80, zeros, the message length in bits (big-endian).
    block[filled] = 0x80;
    block[filled + 1..block_len].fill(0);
    if filled + 1 > block_len - H::LEN_FIELD {
        H::compress(state, &block[..block_len]);
        block[..block_len].fill(0);
    }
    let bits = ((total as u128) * 8).to_be_bytes();
    block[block_len - H::LEN_FIELD..block_len].copy_from_slice(&bits[16 - H::LEN_FIELD..]);
    H::compress(state, &block[..block_len]);
    H::output(state, out);
}

/// `H(parts…)`, into a zeroizing buffer.
pub(crate) fn hash<H: Sha>(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut state = Zeroizing::new(H::IV);
    let mut out = Zeroizing::new(vec![0u8; H::OUT]);
    finish::<H>(&mut state, 0, parts, &mut out);
    out
}

/// An HMAC key schedule: the inner and outer states after the padded key block (zeroized on
/// drop).
pub(crate) struct HmacKey<H: Sha> {
    inner: Zeroizing<H::State>,
    outer: Zeroizing<H::State>,
}

impl<H: Sha> HmacKey<H> {
    /// Keys HMAC-H with `key` (hashed first when longer than a block, as RFC 2104 says).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut k0 = Zeroizing::new([0u8; MAX_BLOCK]);
        if key.len() > H::BLOCK {
            k0[..H::OUT].copy_from_slice(&hash::<H>(&[key]));
        } else {
            k0[..key.len()].copy_from_slice(key);
        }
        let mut pad = Zeroizing::new([0u8; MAX_BLOCK]);
        let mut keyed = |byte: u8| {
            for (p, k) in pad.iter_mut().zip(k0.iter()).take(H::BLOCK) {
                *p = k ^ byte;
            }
            let mut state = Zeroizing::new(H::IV);
            H::compress(&mut state, &pad[..H::BLOCK]);
            state
        };
        let inner = keyed(0x36);
        let outer = keyed(0x5c);
        HmacKey { inner, outer }
    }

    /// `HMAC(key, parts…)` into `out` (`H::OUT` bytes).
    pub(crate) fn mac(&self, parts: &[&[u8]], out: &mut [u8]) {
        let mut inner_digest = Zeroizing::new([0u8; 64]);
        let mut state = Zeroizing::new(*self.inner);
        finish::<H>(&mut state, H::BLOCK, parts, &mut inner_digest[..H::OUT]);
        *state = *self.outer;
        finish::<H>(&mut state, H::BLOCK, &[&inner_digest[..H::OUT]], out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Digest;

    macro_rules! reference_hmac {
        ($d:ty, $key:expr, $msg:expr) => {{
            let mut m = <Hmac<$d> as Mac>::new_from_slice($key).unwrap();
            m.update($msg);
            m.finalize().into_bytes().to_vec()
        }};
    }

    fn ours<H: Sha>(key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; H::OUT];
        // Split the message to exercise the block buffer across parts.
        let (a, b) = msg.split_at(msg.len() / 3);
        HmacKey::<H>::new(key).mac(&[a, b], &mut out);
        out
    }

    /// Every length around the block and padding boundaries, keys shorter and longer than a
    /// block, against the `hmac` and `sha2`/`sha1` crates.
    #[test]
    fn hmac_and_hash_match_the_rustcrypto_crates() {
        let mut rng = crate::test_rng::TestRng::new(0x5eed);
        for len in (0..300).chain([511, 512, 1000]) {
            let msg = rng.bytes(len);
            for key_len in [0usize, 20, 64, 65, 128, 129, 200] {
                let key = rng.bytes(key_len);
                assert_eq!(
                    ours::<Sha1>(&key, &msg),
                    reference_hmac!(sha1::Sha1, &key, &msg)
                );
                assert_eq!(
                    ours::<Sha256>(&key, &msg),
                    reference_hmac!(sha2::Sha256, &key, &msg)
                );
                assert_eq!(
                    ours::<Sha384>(&key, &msg),
                    reference_hmac!(sha2::Sha384, &key, &msg)
                );
                assert_eq!(
                    ours::<Sha512>(&key, &msg),
                    reference_hmac!(sha2::Sha512, &key, &msg)
                );
            }
            assert_eq!(
                *hash::<Sha256>(&[&msg]),
                sha2::Sha256::digest(&msg).to_vec()
            );
            assert_eq!(
                *hash::<Sha384>(&[&msg]),
                sha2::Sha384::digest(&msg).to_vec()
            );
            assert_eq!(
                *hash::<Sha512>(&[&msg]),
                sha2::Sha512::digest(&msg).to_vec()
            );
        }
    }
}
