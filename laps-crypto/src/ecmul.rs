//! The ECDH scalar multiplication `x(k·P)` for P-256 and P-384, in Jacobian coordinates over the
//! curves' own field arithmetic (`p256`/`p384` `FieldElement`, constant-time, fiat-crypto).
//!
//! **Why hand-written.** `p256`/`p384` 0.13 multiply with complete projective formulas
//! (Renes–Costello–Batina), which cost about 13 field multiplications per doubling; a 4-bit
//! window multiplication is ~80 % doublings. The Jacobian doubling for `a = −3` (dbl-2001-b,
//! 3M + 5S) and addition (add-2007-bl, 11M + 5S) do the same job with fewer multiplications
//! (the timings are in BENCHMARKS.md), and they are safe *here* because the inputs
//! are restricted (the callers check both, through the `p256`/`p384` constructors):
//!
//! * `P` is a validated point of the prime-order group (on the curve, not the identity;
//!   cofactor 1), `k` a scalar in `[1, n − 1]`;
//! * the accumulator is the identity only before the first non-zero digit, tracked by a flag and
//!   resolved with constant-time selects, never fed to the formulas as a value that matters;
//! * otherwise the accumulator is `m·P` with `16 ≤ m < n` (a prefix of `k` times 16) and the
//!   table entry `d·P` with `1 ≤ d ≤ 15`: `m ≡ d` is impossible (`m ≥ 16`), and `m ≡ −d`, i.e.
//!   `m = n − d`, would make `k ≥ m + d = n`. So the addition never meets `P = ±Q`; the table
//!   (`2P` by doubling, then `iP = (i−1)P + P`) never does either.
//!
//! The result is checked against `p256`/`p384`'s own `diffie_hellman` in the tests, on random and
//! edge scalars (1, 2, 15, 16, 17, n − 1, …).
//!
//! **Constant time.** Fixed 4-bit windows, every window 4 doublings and 1 addition; the table
//! entry is selected by scanning all 15; the identity flag and zero digits act through
//! `ConditionallySelectable`. Only the (public) scalar length shapes the sequence.

use p256::elliptic_curve::ff::PrimeField;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// A point `(X/Z², Y/Z³)`.
#[derive(Clone, Copy)]
struct Jacobian<F> {
    x: F,
    y: F,
    z: F,
}

impl<F: PrimeField + ConditionallySelectable> ConditionallySelectable for Jacobian<F> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Jacobian {
            x: F::conditional_select(&a.x, &b.x, choice),
            y: F::conditional_select(&a.y, &b.y, choice),
            z: F::conditional_select(&a.z, &b.z, choice),
        }
    }
}

impl<F: PrimeField + ConditionallySelectable + Zeroize> Jacobian<F> {
    /// `2·self` for a curve with `a = −3` (dbl-2001-b): 3M + 5S.
    fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x * gamma;
        let t = (self.x - delta) * (self.x + delta);
        let alpha = t.double() + t;
        let beta4 = beta.double().double();
        let x = alpha.square() - beta4.double();
        let z = (self.y + self.z).square() - gamma - delta;
        let y = alpha * (beta4 - x) - gamma.square().double().double().double();
        Jacobian { x, y, z }
    }

    /// `self + other` (add-2007-bl): 11M + 5S. Wrong for `self = ±other` or the identity, which
    /// the callers rule out (see the module docs).
    fn add(&self, other: &Self) -> Self {
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x * z2z2;
        let u2 = other.x * z1z1;
        let s1 = self.y * other.z * z2z2;
        let s2 = other.y * self.z * z1z1;
        let h = u2 - u1;
        let i = h.double().square();
        let j = h * i;
        let r = (s2 - s1).double();
        let v = u1 * i;
        let x = r.square() - j - v.double();
        let y = r * (v - x) - (s1 * j).double();
        let z = ((self.z + other.z).square() - z1z1 - z2z2) * h;
        Jacobian { x, y, z }
    }

    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

/// The affine x-coordinate of `k·P`, for an affine point `P = (x, y)` of the prime-order group
/// of a curve with `a = −3` and a big-endian scalar `1 ≤ k < n` (both checked by the caller).
/// `None` only if those preconditions were broken (the result would be the identity).
pub(crate) fn mul_x<F>(x: F, y: F, k_be: &[u8]) -> Option<F>
where
    F: PrimeField + ConditionallySelectable + Zeroize,
{
    let p = Jacobian { x, y, z: F::ONE };
    let mut table = [p; 16];
    table[2] = p.double();
    for i in 3..table.len() {
        table[i] = table[i - 1].add(&p);
    }
    let mut acc = p;
    let mut acc_is_identity = Choice::from(1);
    for (n, digit) in k_be.iter().flat_map(|&b| [b >> 4, b & 15]).enumerate() {
        if n > 0 {
            for _ in 0..4 {
                acc = acc.double();
            }
        }
        let mut entry = table[1];
        for (i, t) in table.iter().enumerate().skip(2) {
            entry.conditional_assign(t, (i as u8).ct_eq(&digit));
        }
        let digit_is_zero = digit.ct_eq(&0);
        let mut next = Jacobian::conditional_select(&acc.add(&entry), &acc, digit_is_zero);
        next.conditional_assign(&entry, acc_is_identity);
        acc = next;
        acc_is_identity &= digit_is_zero;
        entry.zeroize();
    }
    let z_inv = Option::<F>::from(acc.z.invert());
    let result = z_inv.map(|z_inv| acc.x * z_inv.square());
    acc.zeroize();
    table.iter_mut().for_each(Jacobian::zeroize);
    if bool::from(acc_is_identity) {
        return None;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::elliptic_curve::sec1::ToEncodedPoint;

    /// Scalars at the edges of the argument in the module docs, and pseudo-random ones.
    fn scalars(order_be: &[u8], count: usize) -> Vec<Vec<u8>> {
        let len = order_be.len();
        let small = |v: u8| {
            let mut s = vec![0u8; len];
            s[len - 1] = v;
            s
        };
        let below_n = |d: u8| {
            let mut s = order_be.to_vec();
            s[len - 1] -= d; // n ends in a byte > 0x20 for both curves
            s
        };
        let mut out: Vec<Vec<u8>> = [1, 2, 3, 15, 16, 17, 31, 255]
            .iter()
            .map(|&v| small(v))
            .collect();
        out.extend([1, 2, 15, 16, 17].iter().map(|&d| below_n(d)));
        let mut rng = crate::test_rng::TestRng::new(0x2545_f491_4f6c_dd1d);
        for _ in 0..count {
            let mut s = rng.bytes(len);
            s[0] &= 0x7f; // below n
            out.push(s);
        }
        out
    }

    macro_rules! agrees_with_the_crate {
        ($name:ident, $curve:ident, $order:expr) => {
            #[test]
            fn $name() {
                let n_be = hex::decode($order).unwrap();
                let peers = scalars(&n_be, 3);
                for (i, k) in scalars(&n_be, 24).iter().enumerate() {
                    let peer = $curve::SecretKey::from_slice(&peers[(i + 5) % peers.len()])
                        .unwrap()
                        .public_key();
                    let sk = $curve::SecretKey::from_slice(k).unwrap();
                    let point = peer.to_encoded_point(false);
                    let x = $curve::FieldElement::from_repr(*point.x().unwrap()).unwrap();
                    let y = $curve::FieldElement::from_repr(*point.y().unwrap()).unwrap();
                    let ours = mul_x(x, y, k).unwrap().to_repr();
                    let theirs =
                        $curve::ecdh::diffie_hellman(sk.to_nonzero_scalar(), peer.as_affine());
                    assert_eq!(&ours[..], &theirs.raw_secret_bytes()[..], "scalar #{i}");
                }
            }
        };
    }

    agrees_with_the_crate!(
        p256_agrees_with_the_crate_on_edge_and_random_scalars,
        p256,
        "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
    );
    agrees_with_the_crate!(
        p384_agrees_with_the_crate_on_edge_and_random_scalars,
        p384,
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"
    );

    #[test]
    fn zero_scalar_is_refused_not_the_identity() {
        let g = p256::AffinePoint::GENERATOR.to_encoded_point(false);
        let x = p256::FieldElement::from_repr(*g.x().unwrap()).unwrap();
        let y = p256::FieldElement::from_repr(*g.y().unwrap()).unwrap();
        assert!(mul_x(x, y, &[0u8; 32]).is_none());
    }
}
