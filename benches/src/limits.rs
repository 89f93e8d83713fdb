//! The physical limit of the DH path: one 2048-bit modular exponentiation in the bignum
//! laps-crypto uses (crypto-bigint 0.5, `DynResidue::pow_bounded_exp`, 4-bit fixed windows,
//! constant time), with the operands a real decryption sees.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, U2048};
use laps_crypto::cng::DhGroup;

/// A ready-to-run `y^x mod p` on the RFC 5114 §2.3 group (Montgomery parameters precomputed,
/// as laps-crypto caches them).
pub struct Modexp {
    params: DynResidueParams<32>,
    base: U2048,
    exponent: U2048,
    bits: usize,
}

impl Modexp {
    /// `g^x mod p` with a pseudo-random `bits`-bit exponent (top bit set). 512 bits is the
    /// Windows `msKds-PrivateKeyLength`; 256 bits is that exponent reduced mod the subgroup
    /// order `q`, which laps-crypto uses on the fast path.
    pub fn rfc5114(bits: usize) -> Self {
        let group = DhGroup::rfc5114_2048();
        let p = U2048::from_be_slice(group.p());
        let base = U2048::from_be_slice(group.g());
        let mut e = [0u8; 256];
        let len = bits.div_ceil(8).min(256);
        for (i, b) in e[256 - len..].iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(151).wrapping_add(89);
        }
        e[256 - len] |= 0x80;
        Modexp {
            params: DynResidueParams::new(&p),
            base,
            exponent: U2048::from_be_slice(&e),
            bits,
        }
    }

    /// Runs the exponentiation (conversion into and out of Montgomery form included) and
    /// returns the big-endian result.
    pub fn run(&self) -> [u8; 256] {
        let r = DynResidue::new(&self.base, self.params).pow_bounded_exp(&self.exponent, self.bits);
        r.retrieve().to_be_bytes()
    }
}

/// Order of the RFC 5114 §2.3 subgroup (public, from the RFC).
const RFC5114_Q_HEX: &str = "8cf83642a709a097b447997640129da299b1a47d1eb3750ba308b0fe64f5fbd3";

/// `x mod q` for a DH private key of at most 512 bits, big-endian, 32 bytes: the exponent
/// laps-crypto's fast path raises an honest peer's public value to.
pub fn reduce_mod_q(x: &[u8]) -> Vec<u8> {
    use crypto_bigint::{U256, U512};
    let mut wide = [0u8; 64];
    let len = x.len().min(64);
    wide[64 - len..].copy_from_slice(&x[x.len() - len..]);
    let q = U256::from_be_hex(RFC5114_Q_HEX);
    let (r, _) = U512::from_be_slice(&wide).const_rem(&q.resize());
    r.resize::<{ U256::LIMBS }>().to_be_bytes().to_vec()
}
