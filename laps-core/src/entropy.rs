//! Entropy of a password specification.

use crate::{charset, check_local_policy, LocalPasswordPolicy, PasswordSpec};

/// Entropy in bits of what [`crate::Generator`] produces for a spec.
///
/// ```
/// use laps_core::{entropy, PasswordSpec};
/// let e = entropy::bits(&PasswordSpec::default());
/// assert_eq!(e.naive.round(), 89.0);   // Microsoft's published figure
/// assert_eq!((e.exact * 100.0).round() / 100.0, 88.21);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Entropy {
    /// `length × log2(|union|)` (or `words × log2(|list|)`): the figure Microsoft publishes.
    pub naive: f64,
    /// log2 of the number of outputs the generator can produce, all equally likely:
    /// for modes 1–5 the strings over the union that contain every class.
    pub exact: f64,
}

/// Computes both entropy figures for `spec`.
pub fn bits(spec: &PasswordSpec) -> Entropy {
    let c = spec.complexity();
    if let Some(list) = c.wordlist() {
        let b = f64::from(spec.passphrase_words()) * (list.len() as f64).log2();
        return Entropy { naive: b, exact: b };
    }
    let classes = charset::classes(c);
    let u = charset::union_size(c) as f64;
    let len = spec.length() as i32;
    let naive = f64::from(len) * u.log2();
    // Inclusion–exclusion over the missing classes, as a fraction of u^len so
    // nothing overflows: P(all classes present) = Σ_S (-1)^|S| ((u - |∪S|)/u)^len.
    let k = classes.len();
    let mut p = 0.0;
    for mask in 0u32..(1 << k) {
        let missing: usize = (0..k)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| classes[i].len())
            .sum();
        let term = ((u - missing as f64) / u).powi(len);
        p += if mask.count_ones() % 2 == 0 {
            term
        } else {
            -term
        };
    }
    Entropy {
        naive,
        exact: naive + p.log2(),
    }
}

/// Both figures for the passwords of `spec` that the device's own `policy` accepts, as
/// [`Generator::generate_joined_accepted`](crate::Generator::generate_joined_accepted) draws
/// them: redrawing keeps the output uniform over the accepted passwords, whose number is the
/// spec's times the acceptance, so both figures drop by log2 of it (not at all when every
/// password is accepted; to minus infinity when none is).
///
/// ```
/// use laps_core::{entropy, LocalPasswordPolicy, PasswordSpec};
/// let spec = PasswordSpec::new(6, 14, 3)?;
/// let complex = LocalPasswordPolicy { minimum_length: 0, complexity_required: true };
/// assert!(entropy::bits_accepted(&spec, &complex).exact < entropy::bits(&spec).exact);
/// let any = LocalPasswordPolicy::default();
/// assert_eq!(entropy::bits_accepted(&spec, &any), entropy::bits(&spec));
/// # Ok::<(), laps_core::Error>(())
/// ```
pub fn bits_accepted(spec: &PasswordSpec, policy: &LocalPasswordPolicy) -> Entropy {
    let e = bits(spec);
    if *policy == LocalPasswordPolicy::default() {
        return e;
    }
    let fit = check_local_policy(spec, policy);
    if fit.always_accepted() {
        return e;
    }
    let drop = fit.acceptance.log2();
    Entropy {
        naive: e.naive + drop,
        exact: e.exact + drop,
    }
}

/// Probability that one uniform draw over the union misses some class (the redraw rate).
///
/// ```
/// use laps_core::{entropy, PasswordSpec};
/// let r = entropy::rejection_rate(&PasswordSpec::new(4, 14, 6).unwrap());
/// assert!((r - 0.188).abs() < 0.001);
/// ```
pub fn rejection_rate(spec: &PasswordSpec) -> f64 {
    if spec.complexity().is_passphrase() {
        return 0.0;
    }
    let e = bits(spec);
    1.0 - (e.exact - e.naive).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(c: u32, l: u32, w: u32) -> PasswordSpec {
        PasswordSpec::new(c, l, w).unwrap()
    }

    #[test]
    fn microsoft_published_table_rounds_exactly() {
        let rows: [(u32, [f64; 5]); 5] = [
            (8, [38., 46., 48., 51., 48.]),
            (14, [66., 80., 83., 89., 84.]),
            (20, [94., 114., 119., 126., 120.]),
            (40, [188., 228., 238., 253., 240.]),
            (60, [282., 342., 357., 379., 360.]),
        ];
        for (len, want) in rows {
            for (m, w) in want.iter().enumerate() {
                assert_eq!(
                    bits(&spec(m as u32 + 1, len, 6)).naive.round(),
                    *w,
                    "mode {} len {len}",
                    m + 1
                );
            }
        }
        for (words, want) in [
            (3, [39., 31., 31.]),
            (6, [78., 62., 62.]),
            (10, [129., 103., 103.]),
        ] {
            for (i, w) in want.iter().enumerate() {
                assert_eq!(bits(&spec(i as u32 + 6, 14, words)).naive.round(), *w);
            }
        }
    }

    #[test]
    fn exact_values_match_the_spec_table() {
        let r2 = |x: f64| (x * 100.0).round() / 100.0;
        // (mode, len, naive, exact): the table in the README (Passwords section).
        let cases = [
            (1, 8, 37.60, 37.60),
            (2, 8, 45.60, 45.59),
            (3, 8, 47.63, 47.18),
            (4, 8, 50.58, 49.55),
            (5, 8, 48.00, 46.70),
            (1, 14, 65.81, 65.81),
            (2, 14, 79.81, 79.81),
            (3, 14, 83.36, 83.23),
            (4, 14, 88.51, 88.21),
            (5, 14, 84.00, 83.56),
            (3, 20, 119.08, 119.04),
            (4, 20, 126.44, 126.32),
            (5, 20, 120.00, 119.82),
            (4, 64, 404.60, 404.60),
            (5, 64, 384.00, 384.00),
        ];
        for (m, l, naive, exact) in cases {
            let e = bits(&spec(m, l, 6));
            assert_eq!(
                (r2(e.naive), r2(e.exact)),
                (naive, exact),
                "mode {m} len {l}"
            );
        }
        for (w, e6, e7) in [(3, 38.77, 31.02), (6, 77.55, 62.04), (10, 129.25, 103.40)] {
            assert_eq!(r2(bits(&spec(6, 14, w)).exact), e6);
            assert_eq!(r2(bits(&spec(7, 14, w)).exact), e7);
            assert_eq!(r2(bits(&spec(8, 14, w)).exact), e7);
        }
    }

    #[test]
    fn rejection_rates_match_the_spec() {
        let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
        assert_eq!(r3(rejection_rate(&spec(3, 8, 6))), 0.269);
        assert_eq!(r3(rejection_rate(&spec(4, 8, 6))), 0.508);
        assert_eq!(r3(rejection_rate(&spec(5, 8, 6))), 0.593);
        assert_eq!(r3(rejection_rate(&spec(4, 14, 6))), 0.188);
        assert_eq!(r3(rejection_rate(&spec(5, 14, 6))), 0.264);
        assert_eq!(rejection_rate(&spec(1, 14, 6)), 0.0);
    }
}
