//! Constant-time Montgomery arithmetic for the DH modulus, written for speed on the one
//! operation that dominates LAPS decryption: a 2048-bit modular exponentiation.
//!
//! Why not crypto-bigint's `DynResidue::pow` directly: this module is faster on this workload
//! (the figures are in BENCHMARKS.md). It keeps crypto-bigint's constant-time discipline and is
//! checked against it in the tests (`dh.rs`) and against the Windows vectors:
//!
//! * multiplication in product scanning ("FIPS"): each output word summed column by column in a
//!   three-word register accumulator ([`Acc::add_dot`]: over slices, two products per step into
//!   two accumulators, so no bounds checks and two carry chains in flight), no row stored;
//! * squaring (three quarters of the work) in the same columns, each cross product computed
//!   once and added doubled ([`Acc::add_cross_column`]): 1 552 word products against 2 048,
//!   and no row is stored (a row-wise squaring reads and writes memory at every product). The
//!   columns stay loops: fully unrolled, LLVM reassociates the 128-bit additions and checks
//!   each carry with compare-and-borrow sequences;
//! * fixed windows (4 bits for exponents up to 320 bits, such as P-256-sized or test exponents, 5 bits
//!   for longer ones such as the 512-bit DH private keys): every
//!   window does the same squarings and 1 multiplication whatever the exponent bits; the even
//!   table entries are squarings; the top window loads the accumulator (no multiplication by 1);
//! * the table entry is selected by scanning every entry with `subtle` selections (no
//!   secret-dependent index or branch);
//! * the final subtraction is selected with `subtle`, never branched on.
//!
//! Only the exponent's *length* (public: the root key's private key length) affects timing.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
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
    /// R mod p: 1 in Montgomery form.
    r1: [Limb; N],
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

    /// Adds `Σ x[i]·y[len−1−i]`: one column's products, `y` read backwards. Iterating the two
    /// slices (rather than indexing `y[k − i]`) lets the compiler drop the bounds checks and
    /// unroll the loop.
    #[inline(always)]
    fn add_dot(&mut self, x: &[Limb], y: &[Limb]) {
        let mut other = Acc::default();
        let mut xs = x.chunks_exact(2);
        let mut ys = y.rchunks_exact(2);
        for (xc, yc) in xs.by_ref().zip(ys.by_ref()) {
            self.add_mul(xc[0], yc[1]);
            other.add_mul(xc[1], yc[0]);
        }
        for (&xi, &yi) in xs.remainder().iter().zip(ys.remainder()) {
            self.add_mul(xi, yi);
        }
        self.add(&other);
    }

    /// Adds another accumulator of the same column.
    #[inline(always)]
    fn add(&mut self, other: &Acc) {
        let (s, o) = self.lo.overflowing_add(other.lo);
        self.lo = s;
        self.hi += other.hi + Limb::from(o);
    }

    /// Adds `2·Σ x[i]·y[len−1−i]`: a squaring column's cross products, each computed once.
    /// The doubled sum stays below 2¹³⁴ (at most 32 products), well inside the accumulator.
    #[inline(always)]
    fn add_cross_column(&mut self, x: &[Limb], y: &[Limb]) {
        let mut cross = Acc::default();
        cross.add_dot(x, y);
        self.add(&Acc {
            lo: cross.lo << 1,
            hi: (cross.hi << 1) | (cross.lo >> 127) as Limb,
        });
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

/// The widest window of the exponentiation (its table has `2^MAX_WINDOW` entries).
const MAX_WINDOW: usize = 5;

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
        let mut m = Montgomery {
            p,
            n0,
            r2: x,
            r1: [0; N],
        };
        m.r1 = m.retrieve(&m.r2);
        Some(m)
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
            acc.add_dot(&a[..k], &b[1..=k]);
            acc.add_dot(&m[..k], &p[1..=k]);
            acc.add_mul(a[k], b[0]);
            let mk = acc.low().wrapping_mul(self.n0);
            m[k] = mk;
            acc.add_mul(mk, p[0]);
            acc.shift();
        }
        for k in N..2 * N {
            acc.add_dot(&a[k + 1 - N..], &b[k + 1 - N..]);
            acc.add_dot(&m[k + 1 - N..], &p[k + 1 - N..]);
            out[k - N] = acc.shift();
        }
        let top = acc.low();
        m.zeroize();
        self.reduce_once(out, top)
    }

    /// `a²·R⁻¹ mod p`, in the same product-scanning form as [`Self::mul`], but each cross
    /// product `a[i]·a[j]` (i < j) of a column is computed once, into a separate accumulator
    /// that is then added doubled ([`Acc::add_cross_column`]), and the square term `a[k/2]²` once.
    /// 1 552 word products instead of 2 048, and no row stored in memory.
    #[inline]
    fn square(&self, a: &[Limb; N]) -> [Limb; N] {
        let p = &self.p;
        let mut m = [0 as Limb; N];
        let mut out = [0 as Limb; N];
        let mut acc = Acc::default();
        for k in 0..N {
            // Column k: a[i]·a[k−i] for i < k−i, i.e. i < ⌈k/2⌉, against a[k/2+1..=k].
            acc.add_cross_column(&a[..k.div_ceil(2)], &a[k / 2 + 1..=k]);
            if k % 2 == 0 {
                acc.add_mul(a[k / 2], a[k / 2]);
            }
            acc.add_dot(&m[..k], &p[1..=k]);
            let mk = acc.low().wrapping_mul(self.n0);
            m[k] = mk;
            acc.add_mul(mk, p[0]);
            acc.shift();
        }
        for k in N..2 * N {
            // Column k: i from k+1−N up to ⌈k/2⌉ (exclusive), against a[k/2+1..N].
            acc.add_cross_column(&a[k + 1 - N..k.div_ceil(2)], &a[k / 2 + 1..]);
            if k % 2 == 0 {
                acc.add_mul(a[k / 2], a[k / 2]);
            }
            acc.add_dot(&m[k + 1 - N..], &p[k + 1 - N..]);
            out[k - N] = acc.shift();
        }
        let top = acc.low();
        m.zeroize();
        self.reduce_once(out, top)
    }

    /// `(hi_bit·2^(64N) + t) mod p` for a value `< 2p`, without branching on it: the choice is a
    /// `subtle::Choice` (behind an optimization barrier) and each word is selected with
    /// `ConditionallySelectable`, as in `ecmul.rs`.
    #[inline]
    fn reduce_once(&self, t: [Limb; N], hi_bit: Limb) -> [Limb; N] {
        let (diff, borrow) = sub(&t, &self.p);
        // Keep `diff` when there was no borrow, or when the dropped top bit covers it.
        let keep_diff = Choice::from(((borrow ^ 1) | hi_bit) as u8 & 1);
        let mut out = t;
        for i in 0..N {
            out[i].conditional_assign(&diff[i], keep_diff);
        }
        out
    }

    /// `base^exp mod p`; `base < p` and `exp` big-endian. Constant time in the values of `base`
    /// and `exp`; the time depends only on `exp.len()`.
    pub(crate) fn pow(&self, base_be: &[u8], exp_be: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let base = from_be::<N>(base_be)?;
        let bits = exp_be.len() * 8;
        if bits == 0 {
            return Some(Zeroizing::new(to_be(&self.retrieve(&self.r1))));
        }
        // The window with the fewest operations (table + one multiplication per window): 4 bits
        // for 256-bit exponents (14 + 64 multiplications against 30 + 52 with 5
        // bits, and half the table to scan per window), 5 bits for the full 512-bit exponents
        // (14 + 128 against 30 + 103).
        Some(if bits <= 320 {
            self.pow_windowed::<4>(&base, exp_be)
        } else {
            self.pow_windowed::<MAX_WINDOW>(&base, exp_be)
        })
    }

    /// `base^exp` with fixed `WINDOW`-bit windows (`exp` non-empty, `WINDOW ≤ MAX_WINDOW`).
    #[inline(always)]
    fn pow_windowed<const WINDOW: usize>(
        &self,
        base: &[Limb; N],
        exp_be: &[u8],
    ) -> Zeroizing<Vec<u8>> {
        let bits = exp_be.len() * 8;
        // table[i] = x^i in Montgomery form, i < 2^WINDOW; even entries by squaring (cheaper).
        let mut storage = [[0 as Limb; N]; 1 << MAX_WINDOW];
        let table = &mut storage[..1 << WINDOW];
        table[0] = self.r1;
        table[1] = self.mul(base, &self.r2);
        for i in 2..table.len() {
            table[i] = if i % 2 == 0 {
                self.square(&table[i / 2])
            } else {
                self.mul(&table[i - 1], &table[1])
            };
        }
        let windows = bits.div_ceil(WINDOW);
        // The top window starts the accumulator (no multiplication by 1).
        let mut acc = select(table, window_bits(exp_be, (windows - 1) * WINDOW, WINDOW));
        for w in (0..windows - 1).rev() {
            for _ in 0..WINDOW {
                acc = self.square(&acc);
            }
            let entry = select(table, window_bits(exp_be, w * WINDOW, WINDOW));
            acc = self.mul(&acc, &entry);
        }
        let mut out = self.retrieve(&acc);
        let bytes = Zeroizing::new(to_be(&out));
        // The accumulator, the table and the result derive from the secret exponent.
        acc.zeroize();
        out.zeroize();
        storage.zeroize();
        bytes
    }

    /// Leaves Montgomery form: `a·R⁻¹ mod p`.
    fn retrieve(&self, a: &[Limb; N]) -> [Limb; N] {
        let mut one = [0 as Limb; N];
        one[0] = 1;
        self.mul(a, &one)
    }
}

/// Bits `[lsb_index, lsb_index + width)` of the big-endian exponent (positions past the top are 0).
#[inline]
fn window_bits(exp_be: &[u8], lsb_index: usize, width: usize) -> usize {
    let mut v = 0usize;
    for k in 0..width {
        let bit = lsb_index + k;
        let byte_from_end = bit / 8;
        if byte_from_end < exp_be.len() {
            let b = exp_be[exp_be.len() - 1 - byte_from_end];
            v |= usize::from((b >> (bit % 8)) & 1) << k;
        }
    }
    v
}

/// `table[index]`, reading every entry (no secret-dependent memory access); the match is a
/// `subtle` constant-time comparison and each word a `ConditionallySelectable` assignment.
#[inline]
fn select<const N: usize>(table: &[[Limb; N]], index: usize) -> [Limb; N] {
    let mut out = [0 as Limb; N];
    for (i, entry) in table.iter().enumerate() {
        let hit = (i as u64).ct_eq(&(index as u64));
        for k in 0..N {
            out[k].conditional_assign(&entry[k], hit);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    /// The RFC 5114 §2.3 prime, the modulus this module exists for.
    fn windows_group() -> Montgomery<32> {
        Montgomery::new(crate::cng::DhGroup::rfc5114_2048().p()).unwrap()
    }

    /// `square(a)` is `mul(a, a)` for the operands at the edges of the accumulator bounds
    /// (0, 1, p − 1, every word all ones below p) and for pseudo-random ones.
    #[test]
    fn squaring_equals_multiplying_by_itself() {
        let m = windows_group();
        let mut p_minus_1 = m.p;
        p_minus_1[0] -= 1;
        let mut ones_below_p = [Limb::MAX; 32];
        ones_below_p[31] = m.p[31] - 1;
        let mut one = [0 as Limb; 32];
        one[0] = 1;
        let mut operands = vec![[0; 32], one, p_minus_1, ones_below_p, m.r1, m.r2];
        let mut rng = TestRng::new(0x9e37_79b9_7f4a_7c15);
        for _ in 0..64 {
            let mut a = [0 as Limb; 32];
            a.iter_mut().for_each(|w| *w = rng.next_u64());
            a[31] %= m.p[31];
            operands.push(a);
        }
        for a in &operands {
            assert_eq!(m.square(a), m.mul(a, a), "a = {a:x?}");
        }
    }

    /// Even and zero moduli have no Montgomery form.
    #[test]
    fn even_or_zero_modulus_is_refused() {
        assert!(Montgomery::<2>::new(&[0u8; 16]).is_none());
        assert!(Montgomery::<2>::new(&[2u8; 16]).is_none());
        assert!(Montgomery::<2>::new(&[3u8; 17]).is_none());
    }
}
