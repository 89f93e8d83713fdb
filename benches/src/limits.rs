//! The physical limit of the DH path: one 2048-bit modular exponentiation `y^x mod p` on the
//! RFC 5114 §2.3 group, in the bignum laps-crypto uses ([`DhModexp`]: its own constant-time
//! Montgomery code, reached through the thinnest public entry point,
//! `agreement::shared_secret`) and, for reference, in crypto-bigint 0.5 ([`CryptoBigintModexp`]).

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, U2048};
use laps_crypto::hazmat::agreement;
use laps_crypto::hazmat::cng::{DhGroup, PublicKeyBlob};
use zeroize::Zeroizing;

/// A pseudo-random big-endian exponent of exactly `bits` bits (top bit set).
fn exponent(bits: usize) -> Vec<u8> {
    let len = bits.div_ceil(8).clamp(1, 256);
    let mut e: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(151).wrapping_add(89))
        .collect();
    e[0] |= 0x80;
    e
}

/// `y^x mod p` in laps-crypto's bignum: `agreement::shared_secret` with a DH peer key, i.e. the
/// range check on `y`, the exponentiation (Montgomery parameters cached per process) and the
/// conversion to `k` big-endian bytes — nothing else.
pub struct DhModexp {
    exponent: Zeroizing<Vec<u8>>,
    peer: PublicKeyBlob,
}

impl DhModexp {
    /// With a `bits`-bit exponent (512: the Windows `msKds-PrivateKeyLength`, what every DH
    /// decryption runs; 256: the size of the subgroup order `q`, the floor a sound
    /// subgroup-only shortcut could reach) and `y = g^e` for a fixed `e` (any base costs the
    /// same).
    pub fn rfc5114(bits: usize) -> Self {
        let group = DhGroup::rfc5114_2048();
        let peer = agreement::public_key(
            laps_crypto::SecretAgreement::Dh,
            Some(&group),
            &exponent(300),
        )
        .expect("g^e is a valid public key");
        DhModexp {
            exponent: Zeroizing::new(exponent(bits)),
            peer,
        }
    }

    /// Runs one exponentiation.
    pub fn run(&self) -> Zeroizing<Vec<u8>> {
        agreement::shared_secret(&self.exponent, &self.peer).expect("in-range operands")
    }
}

/// The same exponentiation in crypto-bigint 0.5 (`DynResidue::pow_bounded_exp`, 4-bit fixed
/// windows, constant time), Montgomery parameters precomputed: the generic-bignum reference.
pub struct CryptoBigintModexp {
    params: DynResidueParams<32>,
    base: U2048,
    exponent: U2048,
    bits: usize,
}

impl CryptoBigintModexp {
    /// `g^x mod p` with a `bits`-bit exponent.
    pub fn rfc5114(bits: usize) -> Self {
        let group = DhGroup::rfc5114_2048();
        let p = U2048::from_be_slice(group.p());
        let base = U2048::from_be_slice(group.g());
        let mut e = [0u8; 256];
        let x = exponent(bits);
        e[256 - x.len()..].copy_from_slice(&x);
        CryptoBigintModexp {
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
