//! Constant-time Montgomery arithmetic for the DH modulus, written for speed on the one
//! operation that dominates LAPS decryption: a 2048-bit modular exponentiation.
//!
//! Why not crypto-bigint's `DynResidue::pow` directly: on this workload it forms each full
//! double-width product and then reduces it in a second pass (its profile: 30 % in
//! `montgomery_reduction`, 14 % in `square_wide`), with 4-bit windows; this module is 18 % faster
//! in the same process (536 µs vs 655 µs for a 256-bit exponent, busy machine). This module
//! keeps the same constant-time discipline and is checked against crypto-bigint in the tests
//! (`dh.rs`) and against the Windows vectors:
//!
//! * product-scanning ("FIPS") Montgomery multiplication: each output word is summed column by
//!   column in a three-word register accumulator, `a·b` and `m·p` products interleaved, no
//!   intermediate row stored; the squaring computes each cross product once and doubles it;
//! * fixed 5-bit windows: every window does the same 5 squarings and 1 multiplication whatever
//!   the exponent bits;
//! * the table entry is selected by scanning every entry with masks (no secret-dependent index);
//! * the final subtraction is masked, never branched on.
//!
//! Only the exponent's *length* (public: 256 or 512 bits) affects timing.

use zeroize::{Zeroize, Zeroizing};

/// 64-bit limbs, little-endian.
type Limb = u64;

#[inline(always)]
fn sbb(a: Limb, b: Limb, borrow: Limb) -> (Limb, Limb) {
    let t = u128::from(a).wrapping_sub(u128::from(b) + u128::from(borrow));
    (t as Limb, ((t >> 64) as Limb) & 1)
}

/// Montgomery parameters for an odd modulus of `N` limbs.
#[derive(Clone)]
pub(crate) struct Montgomery<const N: usize> {
    p: [Limb; N],
    /// −p⁻¹ mod 2⁶⁴.
    n0: Limb,
    /// R² mod p, R = 2^(64·N).
    r2: [Limb; N],
}

/// A column accumulator: `lo` (128 bits) plus an overflow word.
#[derive(Default)]
struct Acc {
    lo: u128,
    hi: Limb,
}

impl Acc {
    #[inline(always)]
    fn add_mul(&mut self, a: Limb, b: Limb) {
        let (s, o) = self.lo.overflowing_add(u128::from(a) * u128::from(b));
        self.lo = s;
        self.hi += Limb::from(o);
    }

    /// Adds `2·other`.
    #[inline(always)]
    fn add_doubled(&mut self, other: &Acc) {
        let dbl_hi = (other.hi << 1) | (other.lo >> 127) as Limb;
        let (s, o) = self.lo.overflowing_add(other.lo << 1);
        self.lo = s;
        self.hi += dbl_hi + Limb::from(o);
    }

    #[inline(always)]
    fn low(&self) -> Limb {
        self.lo as Limb
    }

    /// Returns the low word and shifts the accumulator down one word.
    #[inline(always)]
    fn shift(&mut self) -> Limb {
        let w = self.lo as Limb;
        self.lo = (self.lo >> 64) | (u128::from(self.hi) << 64);
        self.hi = 0;
        w
    }
}

/// Window width of the exponentiation.
const WINDOW: usize = 5;

impl<const N: usize> Montgomery<N> {
    /// Parameters for odd `p` (big-endian bytes, at most `8·N`); `None` for an even or zero modulus.
    pub(crate) fn new(p_be: &[u8]) -> Option<Self> {
        let p = from_be::<N>(p_be)?;
        if p[0] & 1 == 0 || N % 2 != 0 {
            return None;
        }
        // n0 = −p⁻¹ mod 2⁶⁴ by Newton iteration (each step doubles the correct bits).
        let mut inv: Limb = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(p[0].wrapping_mul(inv)));
        }
        let n0 = inv.wrapping_neg();
        // R² mod p: start from 1 and double 2·64·N times modulo p (public data, runs once).
        let mut x = [0 as Limb; N];
        x[0] = 1;
        for _ in 0..2 * 64 * N {
            let mut carry = 0;
            for limb in x.iter_mut() {
                let top = *limb >> 63;
                *limb = (*limb << 1) | carry;
                carry = top;
            }
            // x < 2p here; subtract p if x ≥ p (carry set means x ≥ 2^(64N) > p).
            let (diff, borrow) = sub(&x, &p);
            if carry == 1 || borrow == 0 {
                x = diff;
            }
        }
        Some(Montgomery { p, n0, r2: x })
    }

    /// `a·b·R⁻¹ mod p` in product-scanning form (Montgomery "FIPS"): the output is built column
    /// by column in a three-word accumulator, interleaving `a·b` and `m·p` products, so no
    /// intermediate row is stored. Inputs `< p`, output `< p`.
    #[inline]
    fn mul(&self, a: &[Limb; N], b: &[Limb; N]) -> [Limb; N] {
        let p = &self.p;
        let mut m = [0 as Limb; N];
        let mut out = [0 as Limb; N];
        let mut acc = Acc::default();
        for k in 0..N {
            for i in 0..k {
                acc.add_mul(a[i], b[k - i]);
                acc.add_mul(m[i], p[k - i]);
            }
            acc.add_mul(a[k], b[0]);
            let mk = acc.low().wrapping_mul(self.n0);
            m[k] = mk;
            acc.add_mul(mk, p[0]);
            acc.shift();
        }
        for k in N..2 * N {
            for i in k + 1 - N..N {
                acc.add_mul(a[i], b[k - i]);
                acc.add_mul(m[i], p[k - i]);
            }
            out[k - N] = acc.shift();
        }
        let top = acc.low();
        m.zeroize();
        self.reduce_once(out, top)
    }

    /// `a²·R⁻¹ mod p`, product scanning: each cross product `a[i]·a[j]` (i < j) once, doubled
    /// per column, then the square term and the `m·p` products.
    #[inline]
    fn square(&self, a: &[Limb; N]) -> [Limb; N] {
        let p = &self.p;
        let mut m = [0 as Limb; N];
        let mut out = [0 as Limb; N];
        let mut acc = Acc::default();
        for k in 0..2 * N {
            let lo_i = (k + 1).saturating_sub(N);
            let mut cross = Acc::default();
            for i in lo_i..k.div_ceil(2) {
                cross.add_mul(a[i], a[k - i]);
            }
            acc.add_doubled(&cross);
            if k % 2 == 0 && k / 2 < N {
                acc.add_mul(a[k / 2], a[k / 2]);
            }
            for i in lo_i..k.min(N) {
                acc.add_mul(m[i], p[k - i]);
            }
            if k < N {
                let mk = acc.low().wrapping_mul(self.n0);
                m[k] = mk;
                acc.add_mul(mk, p[0]);
                acc.shift();
            } else {
                out[k - N] = acc.shift();
            }
        }
        let top = acc.low();
        m.zeroize();
        self.reduce_once(out, top)
    }

    /// `(hi_bit·2^(64N) + t) mod p` for a value `< 2p`, without branching on it.
    #[inline]
    fn reduce_once(&self, t: [Limb; N], hi_bit: Limb) -> [Limb; N] {
        let (diff, borrow) = sub(&t, &self.p);
        // Keep `diff` when there was no borrow, or when the dropped top bit covers it.
        let keep_diff = (borrow ^ 1) | hi_bit;
        let mask = keep_diff.wrapping_neg();
        let mut out = [0 as Limb; N];
        for i in 0..N {
            out[i] = (diff[i] & mask) | (t[i] & !mask);
        }
        out
    }

    /// `base^exp mod p`; `base < p` and `exp` big-endian. Constant time in the values of `base`
    /// and `exp`; the time depends only on `exp.len()`.
    pub(crate) fn pow(&self, base_be: &[u8], exp_be: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let base = from_be::<N>(base_be)?;
        let x = self.mul(&base, &self.r2);
        let mut one = [0 as Limb; N];
        one[0] = 1;
        let r1 = self.mul(&self.r2, &one); // R mod p = 1 in Montgomery form
                                           // table[i] = x^i (Montgomery form), i < 2^WINDOW.
        let mut table = [[0 as Limb; N]; 1 << WINDOW];
        table[0] = r1;
        table[1] = x;
        for i in 2..table.len() {
            table[i] = self.mul(&table[i - 1], &x);
        }
        let bits = exp_be.len() * 8;
        let windows = bits.div_ceil(WINDOW);
        let mut acc = r1;
        for w in (0..windows).rev() {
            if w + 1 != windows {
                for _ in 0..WINDOW {
                    acc = self.square(&acc);
                }
            }
            let digit = window_bits(exp_be, w * WINDOW);
            let entry = select(&table, digit);
            acc = self.mul(&acc, &entry);
        }
        let mut out = self.mul(&acc, &one);
        let bytes = Zeroizing::new(to_be(&out));
        // The accumulator and the result derive from the secret exponent.
        acc.zeroize();
        out.zeroize();
        table.zeroize();
        Some(bytes)
    }
}

/// Bits `[lsb_index, lsb_index + WINDOW)` of the big-endian exponent (positions past the top are 0).
#[inline]
fn window_bits(exp_be: &[u8], lsb_index: usize) -> usize {
    let mut v = 0usize;
    for k in 0..WINDOW {
        let bit = lsb_index + k;
        let byte_from_end = bit / 8;
        if byte_from_end < exp_be.len() {
            let b = exp_be[exp_be.len() - 1 - byte_from_end];
            v |= usize::from((b >> (bit % 8)) & 1) << k;
        }
    }
    v
}

/// `table[index]`, reading every entry (no secret-dependent memory access).
#[inline]
fn select<const N: usize>(table: &[[Limb; N]], index: usize) -> [Limb; N] {
    let mut out = [0 as Limb; N];
    for (i, entry) in table.iter().enumerate() {
        // mask = all ones when i == index, computed without a branch.
        let diff = (i ^ index) as Limb;
        let mask = ((diff | diff.wrapping_neg()) >> 63).wrapping_sub(1);
        for k in 0..N {
            out[k] |= entry[k] & mask;
        }
    }
    out
}

fn sub<const N: usize>(a: &[Limb; N], b: &[Limb; N]) -> ([Limb; N], Limb) {
    let mut out = [0 as Limb; N];
    let mut borrow = 0;
    for i in 0..N {
        (out[i], borrow) = sbb(a[i], b[i], borrow);
    }
    (out, borrow)
}

/// Big-endian bytes (at most `8·N`) to little-endian limbs.
fn from_be<const N: usize>(b: &[u8]) -> Option<[Limb; N]> {
    if b.len() > 8 * N {
        return None;
    }
    let mut out = [0 as Limb; N];
    for (limb, chunk) in out.iter_mut().zip(b.rchunks(8)) {
        *limb = chunk.iter().fold(0, |acc, &x| (acc << 8) | Limb::from(x));
    }
    Some(out)
}

/// Little-endian limbs to big-endian bytes (`8·N` bytes).
fn to_be<const N: usize>(x: &[Limb; N]) -> Vec<u8> {
    x.iter().rev().flat_map(|l| l.to_be_bytes()).collect()
}
