//! The DH exponentiation in the system OpenSSL (feature `openssl`): `BN_mod_exp` with the
//! exponent flagged `BN_FLG_CONSTTIME`, which OpenSSL routes to `BN_mod_exp_mont_consttime`
//! (fixed windows, scattered table, MULX/ADX assembly on x86-64).
//!
//! Why: the 2048-bit modexp is nearly all of a DH decryption, and OpenSSL's runs 1.6× faster
//! than the portable Rust in [`crate::montgomery`] on x86-64 (BENCHMARKS.md). Rust matches it
//! only with `unsafe` assembly, which this crate forbids; the `openssl` crate's safe API is all
//! this module uses.
//!
//! Secrets: the exponent, the result and the context's temporaries are secure BIGNUMs
//! (`BN_secure_new`, `BN_CTX_secure_new`), which OpenSSL clears when it frees them (it cleanses
//! its window table itself); the result is copied into a [`Zeroizing`] buffer. Timing: the constant-time code processes every word of the exponent
//! (`top · 64` bits), so what it reveals is the exponent's length in 64-bit words after leading
//! zero words, i.e. the public `PrivateKeyLength` except when the top 64 bits are all zero
//! (probability 2⁻⁶⁴ per key).

use openssl::bn::{BigNum, BigNumContext};
use zeroize::Zeroizing;

/// `base^exp mod p` for big-endian `p` (odd), `base` and `exp`, as `len` big-endian bytes.
/// `None` for an even modulus (OpenSSL's constant-time code needs an odd one) or when OpenSSL
/// fails (an allocation): the caller then computes it in Rust.
pub(crate) fn pow(p: &[u8], base: &[u8], exp: &[u8], len: usize) -> Option<Zeroizing<Vec<u8>>> {
    if p.last().is_none_or(|&b| b & 1 == 0) {
        return None;
    }
    let modulus = BigNum::from_slice(p).ok()?;
    let base = BigNum::from_slice(base).ok()?;
    let mut exponent = BigNum::new_secure().ok()?;
    exponent.copy_from_slice(exp).ok()?;
    exponent.set_const_time();
    let mut ctx = BigNumContext::new_secure().ok()?;
    let mut out = BigNum::new_secure().ok()?;
    out.mod_exp(&base, &exponent, &modulus, &mut ctx).ok()?;
    out.to_vec_padded(i32::try_from(len).ok()?)
        .ok()
        .map(Zeroizing::new)
}
