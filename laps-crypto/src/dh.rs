//! Finite-field Diffie-Hellman over the group carried in the blob (`y^x mod p`).
//!
//! **Arithmetic.** The exponentiation is [`crate::montgomery`]: constant-time Montgomery
//! arithmetic with fixed windows (4 bits for 256-bit exponents, 5 above), 1.56× faster than
//! crypto-bigint 0.5's `DynResidue::pow` on this workload (840 µs against 1.31 ms for a 512-bit
//! exponent; see BENCHMARKS.md and the module docs), and tested against it.
//! crypto-bigint is still used for `x mod q` (`const_rem`, variable-time only in the public `q`).
//!
//! **Constant time.** Neither the exponent's value nor the base's affects the sequence of
//! operations or memory accesses; only the exponent *length* in bits is visible in timing, and
//! that is public (256 or 512 bits).
//!
//! **Speed.** Windows' default group is RFC 5114 §2.3, whose generator has prime order `q`
//! (256 bits). Every honest encryptor's public value `y = g^r` lies in that subgroup, and then
//! `y^x = y^(x mod q)`: half the exponent, half the time. The caller (see `keystore.rs`) uses the
//! reduced exponent first and, if the key unwrap then fails, recomputes with the full exponent,
//! so the result equals Windows' `y^x mod p` for *every* input.
//! The Montgomery parameters of the RFC 5114 prime are computed once per process.

use crate::cng::{left_pad, DhGroup, RFC5114_Q};
use crate::montgomery::Montgomery;
use crate::{Error, Result};
use crypto_bigint::{Limb, Uint, Word, U512};
use std::sync::OnceLock;
use zeroize::Zeroizing;

const WORD_BYTES: usize = Limb::BYTES;

/// Big-endian bytes (at most `L` words) to a `Uint<L>`.
fn uint_from_be<const L: usize>(b: &[u8]) -> Option<Uint<L>> {
    if b.len() > L * WORD_BYTES {
        return None;
    }
    let mut words = [0 as Word; L];
    for (w, chunk) in words.iter_mut().zip(b.rchunks(WORD_BYTES)) {
        *w = chunk
            .iter()
            .fold(0 as Word, |acc, &x| (acc << 8) | Word::from(x));
    }
    Some(Uint::from_words(words))
}

/// A `Uint<L>` to big-endian bytes, left-padded/truncated to `len`.
fn uint_to_be<const L: usize>(u: &Uint<L>, len: usize) -> Zeroizing<Vec<u8>> {
    let mut full = Zeroizing::new(Vec::with_capacity(L * WORD_BYTES));
    for w in u.as_words().iter().rev() {
        full.extend_from_slice(&w.to_be_bytes());
    }
    Zeroizing::new(left_pad(&full, len))
}

/// The RFC 5114 §2.3 group with its precomputed Montgomery parameters and subgroup order.
struct Rfc5114 {
    group: DhGroup,
    params: Option<Montgomery<32>>,
    q: U512,
}

fn rfc5114() -> &'static Rfc5114 {
    static CELL: OnceLock<Rfc5114> = OnceLock::new();
    CELL.get_or_init(|| {
        let group = DhGroup::rfc5114_2048();
        let q = uint_from_be::<8>(&hex::decode(RFC5114_Q).unwrap_or_default()).unwrap_or_default();
        Rfc5114 {
            params: Montgomery::new(group.p()),
            group,
            q,
        }
    })
}

/// True when `group` is the RFC 5114 §2.3 group (the Windows default).
pub(crate) fn is_rfc5114(group: &DhGroup) -> bool {
    group == &rfc5114().group
}

/// `x mod q` for the RFC 5114 subgroup order, when `x` fits 512 bits; `None` otherwise.
pub(crate) fn reduce_exponent(group: &DhGroup, x: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if !is_rfc5114(group) {
        return None;
    }
    let x = Zeroizing::new(uint_from_be::<8>(x)?);
    let (r, _) = x.const_rem(&rfc5114().q);
    let r = Zeroizing::new(r);
    Some(uint_to_be::<8>(&r, 32))
}

/// `base^exponent mod p`, big-endian, left-padded to the key size `k` (as Windows feeds it to the
/// concatenation KDF). Checks `1 < base < p − 1`.
pub(crate) fn modexp(group: &DhGroup, base: &[u8], exponent: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if base.len() != group.key_len() || !in_open_range(base, group.p()) {
        return Err(Error::InvalidKey(
            "DH public value out of range (must be 1 < y < p-1)",
        ));
    }
    let out = match group.key_len() {
        128 => pow::<16>(group, base, exponent),
        192 => pow::<24>(group, base, exponent),
        256 if is_rfc5114(group) => rfc5114()
            .params
            .as_ref()
            .and_then(|m| m.pow(base, exponent)),
        256 => pow::<32>(group, base, exponent),
        384 => pow::<48>(group, base, exponent),
        512 => pow::<64>(group, base, exponent),
        k => {
            return Err(Error::UnsupportedAlgorithm(format!(
                "DH with a {}-bit prime",
                k * 8
            )))
        }
    };
    let out = out.ok_or(Error::InvalidKey("DH prime must be odd"))?;
    Ok(Zeroizing::new(left_pad(&out, group.key_len())))
}

/// `base^exponent mod p` with parameters computed for this call (groups other than RFC 5114).
fn pow<const N: usize>(
    group: &DhGroup,
    base: &[u8],
    exponent: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    Montgomery::<N>::new(group.p())?.pow(base, exponent)
}

/// `1 < v < p − 1` for equal-length big-endian numbers.
fn in_open_range(v: &[u8], p: &[u8]) -> bool {
    let one_or_less =
        v[..v.len().saturating_sub(1)].iter().all(|&b| b == 0) && v.last().is_none_or(|&b| b <= 1);
    // p − 1 for odd p is p with the low bit cleared.
    let mut pm1 = p.to_vec();
    if let Some(last) = pm1.last_mut() {
        *last &= 0xfe;
    }
    !one_or_less && v < &pm1[..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5114_generator_has_order_q() {
        let g = DhGroup::rfc5114_2048();
        let q = hex::decode(RFC5114_Q).unwrap();
        // g^q = 1 is checked through the public API: base must be in range, result is 1.
        let one = modexp(&g, g.g(), &q).unwrap();
        assert!(one[..255].iter().all(|&b| b == 0) && one[255] == 1);
    }

    #[test]
    fn reduced_exponent_gives_the_same_power_in_the_subgroup() {
        let g = DhGroup::rfc5114_2048();
        let x = [0xa5u8; 64];
        let r = reduce_exponent(&g, &x).unwrap();
        assert_eq!(
            *modexp(&g, g.g(), &x).unwrap(),
            *modexp(&g, g.g(), &r).unwrap()
        );
    }

    /// The Montgomery exponentiation agrees with crypto-bigint's `DynResidue::pow` (the
    /// reference) on pseudo-random operands, for the Windows group and for other sizes.
    #[test]
    fn montgomery_pow_matches_crypto_bigint() {
        use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
        let mut rng = crate::test_rng::TestRng::new(0x1234_5678_9abc_def0);
        let mut bytes = |n: usize| rng.bytes(n);
        let g = DhGroup::rfc5114_2048();
        for exp_len in [0usize, 1, 7, 32, 40, 41, 64, 256] {
            let mut base = bytes(256);
            base[0] &= 0x7f; // < p (p starts with 0x87)
            let exp = bytes(exp_len);
            let ours = modexp(&g, &base, &exp).unwrap();
            let params = DynResidueParams::new(&uint_from_be::<32>(g.p()).unwrap());
            let e = uint_from_be::<32>(&exp).unwrap();
            let reference = DynResidue::new(&uint_from_be::<32>(&base).unwrap(), params)
                .pow_bounded_exp(&e, exp_len * 8);
            assert_eq!(
                *ours,
                *uint_to_be::<32>(&reference.retrieve(), 256),
                "exp_len {exp_len}"
            );
        }
        // A 1024-bit odd modulus with the top bits clear, through the generic path.
        let mut p = bytes(128);
        p[0] = 0x3f;
        p[127] |= 1;
        let group = DhGroup::new(&p, &[2]).unwrap();
        let mut base = bytes(128);
        base[0] = 0x01;
        let exp = bytes(40);
        let ours = modexp(&group, &base, &exp).unwrap();
        let params = DynResidueParams::new(&uint_from_be::<16>(&p).unwrap());
        let reference = DynResidue::new(&uint_from_be::<16>(&base).unwrap(), params)
            .pow_bounded_exp(&uint_from_be::<16>(&exp).unwrap(), 320);
        assert_eq!(*ours, *uint_to_be::<16>(&reference.retrieve(), 128));
    }

    #[test]
    fn public_value_range_is_checked() {
        let g = DhGroup::rfc5114_2048();
        let mut one = vec![0u8; 256];
        one[255] = 1;
        assert!(modexp(&g, &one, &[3]).is_err());
        let mut pm1 = g.p().to_vec();
        pm1[255] -= 1;
        assert!(modexp(&g, &pm1, &[3]).is_err());
        assert!(modexp(&g, g.p(), &[3]).is_err());
        assert!(modexp(&g, &[2; 255], &[3]).is_err());
    }
}
