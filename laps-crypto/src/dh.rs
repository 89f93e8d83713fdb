//! Finite-field Diffie-Hellman over the group carried in the blob (`y^x mod p`).
//!
//! **What is computed.** Always `y^x mod p` with the *full* private exponent `x` (512 bits for
//! the Windows default), for every `y` with `1 < y < p − 1`. This is what Windows computes: CNG's
//! DH blobs (`BCRYPT_DH_PARAMETER_HEADER`, `BCRYPT_DH_KEY_BLOB`) carry only `p` and `g`, so the
//! group has no `q` to test subgroup membership with, and SymCrypt's
//! `SymCryptDhSecretAgreement` raises the peer value to the whole private key (its source
//! comment records the decision not to validate `Y` further, for compatibility). See the crate
//! README ("Audit findings and fixes") for the sources and what stays UNCERTAIN.
//!
//! Why not the half-length exponent `x mod q`: `y^(x mod q)` equals `y^x` only for `y` in the
//! order-`q` subgroup. `p − 1` also has small factors (2, 7, 13, 2549, 142031), and elements of
//! those orders pass the range check; with `x mod q` such a forged value could decrypt where
//! Windows fails, and "decrypted / failed" would reveal `(x mod q) mod ord(y)`, bits of the key
//! every honest value of that SID and period uses. A fallback to `y^x` after a failed unwrap
//! would make the time depend on the secret.
//!
//! **Arithmetic.** The exponentiation is [`crate::montgomery`]: constant-time Montgomery
//! arithmetic with fixed 5-bit windows for 512-bit exponents, faster than crypto-bigint 0.5's
//! `DynResidue::pow` on this workload (BENCHMARKS.md), and tested against it. With the
//! `openssl` feature it is OpenSSL's constant-time exponentiation instead (`openssl_bn.rs`),
//! tested against this one; both give the same bytes for every input.
//!
//! **Constant time.** Neither the exponent's value nor the base's affects the sequence of
//! operations or memory accesses; only the exponent *length* in bytes is visible in timing, and
//! that is public (the root key's `PrivateKeyLength`). The Montgomery parameters of the RFC 5114
//! prime are computed once per process. OpenSSL's code (feature `openssl`) shows the length in
//! 64-bit words after leading zero words instead: the same, unless the top 64 bits of the key
//! are zero (see `openssl_bn.rs`).

use crate::cng::{left_pad, DhGroup};
use crate::montgomery::Montgomery;
use crate::{Error, Result};
#[cfg(test)]
use crypto_bigint::{Limb, Uint, Word};
use std::sync::OnceLock;
use zeroize::Zeroizing;

#[cfg(test)]
const WORD_BYTES: usize = Limb::BYTES;

/// Big-endian bytes (at most `L` words) to a `Uint<L>`.
#[cfg(test)]
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
#[cfg(test)]
fn uint_to_be<const L: usize>(u: &Uint<L>, len: usize) -> Zeroizing<Vec<u8>> {
    let mut full = Zeroizing::new(Vec::with_capacity(L * WORD_BYTES));
    for w in u.as_words().iter().rev() {
        full.extend_from_slice(&w.to_be_bytes());
    }
    Zeroizing::new(left_pad(&full, len))
}

/// The RFC 5114 §2.3 group with its precomputed Montgomery parameters.
struct Rfc5114 {
    group: DhGroup,
    params: Option<Montgomery<32>>,
}

fn rfc5114() -> &'static Rfc5114 {
    static CELL: OnceLock<Rfc5114> = OnceLock::new();
    CELL.get_or_init(|| {
        let group = DhGroup::rfc5114_2048();
        Rfc5114 {
            params: Montgomery::new(group.p()),
            group,
        }
    })
}

/// True when `group` is the RFC 5114 §2.3 group (the Windows default).
pub(crate) fn is_rfc5114(group: &DhGroup) -> bool {
    group == &rfc5114().group
}

/// `base^exponent mod p`, big-endian, left-padded to the key size `k` (as Windows feeds it to the
/// concatenation KDF). Checks `1 < base < p − 1`.
pub(crate) fn modexp(group: &DhGroup, base: &[u8], exponent: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if base.len() != group.key_len() || !in_open_range(base, group.p()) {
        return Err(Error::InvalidKey(
            "DH public value out of range (must be 1 < y < p-1)",
        ));
    }
    if !matches!(group.key_len(), 128 | 192 | 256 | 384 | 512) {
        return Err(Error::UnsupportedAlgorithm(format!(
            "DH with a {}-bit prime",
            group.key_len() * 8
        )));
    }
    #[cfg(feature = "openssl")]
    if let Some(out) = crate::openssl_bn::pow(group.p(), base, exponent, group.key_len()) {
        return Ok(out);
    }
    let out =
        portable_pow(group, base, exponent).ok_or(Error::InvalidKey("DH prime must be odd"))?;
    Ok(Zeroizing::new(left_pad(&out, group.key_len())))
}

/// `base^exponent mod p` in this crate's Montgomery arithmetic (any supported key size); `None`
/// for an even modulus.
fn portable_pow(group: &DhGroup, base: &[u8], exponent: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    match group.key_len() {
        128 => pow::<16>(group, base, exponent),
        192 => pow::<24>(group, base, exponent),
        256 if is_rfc5114(group) => rfc5114()
            .params
            .as_ref()
            .and_then(|m| m.pow(base, exponent)),
        256 => pow::<32>(group, base, exponent),
        384 => pow::<48>(group, base, exponent),
        512 => pow::<64>(group, base, exponent),
        _ => None,
    }
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
        let q = hex::decode(crate::cng::RFC5114_Q).unwrap();
        // g^q = 1 is checked through the public API: base must be in range, result is 1.
        let one = modexp(&g, g.g(), &q).unwrap();
        assert!(one[..255].iter().all(|&b| b == 0) && one[255] == 1);
    }

    /// p − 1 = q · 2 · 7 · 13 · 2549 · 142031 · c: elements of those small orders pass the range
    /// check, so the exponent must be the full one (an element of order 7 raised to `x mod q`
    /// differs from Windows' `y^x` unless `x ≡ x mod q (mod 7)`).
    #[test]
    fn rfc5114_p_minus_1_has_small_factors_besides_q() {
        use crypto_bigint::{NonZero, U2048};
        let g = DhGroup::rfc5114_2048();
        let p = uint_from_be::<32>(g.p()).unwrap();
        let q = uint_from_be::<32>(&hex::decode(crate::cng::RFC5114_Q).unwrap()).unwrap();
        let pm1 = p.wrapping_sub(&U2048::ONE);
        let (cofactor, rem) = pm1.div_rem(&NonZero::new(q).unwrap());
        assert_eq!(rem, U2048::ZERO);
        for r in [2u64, 7, 13, 2549, 142_031] {
            let r = NonZero::new(U2048::from_u64(r)).unwrap();
            assert_eq!(cofactor.rem(&r), U2048::ZERO);
        }
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

    /// OpenSSL's exponentiation and the portable one agree, for every supported size and for
    /// exponents of every length a root key allows (and empty, and longer than the modulus).
    #[cfg(feature = "openssl")]
    #[test]
    fn openssl_matches_portable() {
        let mut rng = crate::test_rng::TestRng::new(0x0bad_cafe_f00d_beef);
        let mut groups = vec![DhGroup::rfc5114_2048()];
        for len in [128usize, 192, 256, 384, 512] {
            let mut p = rng.bytes(len);
            p[0] |= 0x80;
            p[len - 1] |= 1;
            groups.push(DhGroup::new(&p, &[2]).unwrap());
        }
        for group in &groups {
            let k = group.key_len();
            for exp_len in [0usize, 1, 20, 32, 64, 65, k + 8] {
                let mut base = rng.bytes(k);
                base[0] &= 0x7f;
                base[k - 1] |= 2;
                let exp = rng.bytes(exp_len);
                let ours = portable_pow(group, &base, &exp).unwrap();
                let theirs = crate::openssl_bn::pow(group.p(), &base, &exp, k).unwrap();
                assert_eq!(*theirs, left_pad(&ours, k), "k {k}, exp_len {exp_len}");
            }
        }
        // An even modulus is left to the portable code, which refuses it.
        let mut even = vec![0xffu8; 256];
        even[255] = 0xfe;
        assert!(crate::openssl_bn::pow(&even, &[3], &[5], 256).is_none());
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
