//! Constant-time Montgomery arithmetic for the DH modulus, written for speed on the one
//! operation that dominates LAPS decryption: a 2048-bit modular exponentiation.
//!
//! Why not crypto-bigint's `DynResidue::pow` directly: measured on this workload it spends about
//! twice as long per Montgomery multiplication (it forms the full double-width product and then
//! reduces, and squares with the general multiplication), and uses 4-bit windows. This module
//! keeps the same constant-time discipline and is checked against crypto-bigint in the tests
//! (`dh.rs`) and against the Windows vectors:
//!
//! * CIOS multiplication (multiply and reduce interleaved) and a dedicated squaring that computes
//!   each cross product once;
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
fn mac(acc: Limb, a: Limb, b: Limb, carry: Limb) -> (Limb, Limb) {
    let t = u128::from(acc) + u128::from(a) * u128::from(b) + u128::from(carry);
    (t as Limb, (t >> 64) as Limb)
}

#[inline(always)]
fn adc(a: Limb, b: Limb, carry: Limb) -> (Limb, Limb) {
    let t = u128::from(a) + u128::from(b) + u128::from(carry);
    (t as Limb, (t >> 64) as Limb)
}

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

    /// `a·b·R⁻¹ mod p` (CIOS). Inputs `< p`, output `< p`.
    #[inline]
    fn mul(&self, a: &[Limb; N], b: &[Limb; N]) -> [Limb; N] {
        let mut t = [0 as Limb; N];
        let mut t_hi: Limb = 0;
        for &bi in b.iter() {
            // t += a·bᵢ
            let mut c = 0;
            for j in 0..N {
                (t[j], c) = mac(t[j], a[j], bi, c);
            }
            let (s, c1) = adc(t_hi, c, 0);
            // t = (t + m·p) / 2⁶⁴
            let m = t[0].wrapping_mul(self.n0);
            let (_, mut c) = mac(t[0], m, self.p[0], 0);
            for j in 1..N {
                (t[j - 1], c) = mac(t[j], m, self.p[j], c);
            }
            let (s2, c2) = adc(s, c, 0);
            t[N - 1] = s2;
            t_hi = c1 + c2;
        }
        self.reduce_once(t, t_hi)
    }

    /// `a²·R⁻¹ mod p`: the double-width square (each cross product once), then a Montgomery
    /// reduction.
    #[inline]
    fn square(&self, a: &[Limb; N]) -> [Limb; N] {
        // Double-width product as two halves: lo = limbs 0..N, hi = limbs N..2N.
        let mut lo = [0 as Limb; N];
        let mut hi = [0 as Limb; N];
        // Cross products a[i]·a[j] for i < j, row by row; row i ends at position i + N, which no
        // earlier row has reached, so its final carry is simply stored there.
        for i in 0..N {
            let mut c = 0;
            for j in i + 1..N - i {
                (lo[i + j], c) = mac(lo[i + j], a[i], a[j], c);
            }
            for j in (N - i).max(i + 1)..N {
                (hi[i + j - N], c) = mac(hi[i + j - N], a[i], a[j], c);
            }
            hi[i] = c;
        }
        // Double them.
        let mut top = 0;
        for limb in lo.iter_mut().chain(hi.iter_mut()) {
            let next = *limb >> 63;
            *limb = (*limb << 1) | top;
            top = next;
        }
        // Add the squares a[i]² at positions 2i, 2i + 1.
        let mut c = 0;
        for i in 0..N / 2 {
            let sq = u128::from(a[i]) * u128::from(a[i]);
            (lo[2 * i], c) = adc(lo[2 * i], sq as Limb, c);
            (lo[2 * i + 1], c) = adc(lo[2 * i + 1], (sq >> 64) as Limb, c);
        }
        for i in N / 2..N {
            let sq = u128::from(a[i]) * u128::from(a[i]);
            (hi[2 * i - N], c) = adc(hi[2 * i - N], sq as Limb, c);
            (hi[2 * i + 1 - N], c) = adc(hi[2 * i + 1 - N], (sq >> 64) as Limb, c);
        }
        self.redc(lo, hi)
    }

    /// Montgomery reduction of the double-width value `hi‖lo` (< p·R) to `< p`.
    #[inline]
    fn redc(&self, mut lo: [Limb; N], mut hi: [Limb; N]) -> [Limb; N] {
        // Row i clears limb i; its carry out of limb i + N is deferred to limb i + N + 1, which
        // row i + 1 reaches last (no data-dependent carry propagation).
        let mut deferred: Limb = 0;
        for i in 0..N {
            let m = lo[i].wrapping_mul(self.n0);
            let mut c = 0;
            for j in 0..N - i {
                (lo[i + j], c) = mac(lo[i + j], m, self.p[j], c);
            }
            for j in N - i..N {
                (hi[i + j - N], c) = mac(hi[i + j - N], m, self.p[j], c);
            }
            (hi[i], deferred) = adc(hi[i], c, deferred);
        }
        self.reduce_once(hi, deferred)
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
