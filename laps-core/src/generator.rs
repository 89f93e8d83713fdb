//! Password and passphrase generation exactly as Windows LAPS specifies it.
//!
//! Modes 1–5: each character is drawn uniformly from the union of the mode's
//! classes with an unbiased (rejection-sampled) index; a password missing any
//! class is discarded and redrawn whole. The output is therefore uniform over
//! all valid passwords. Modes 6–8: `words` independent uniform draws (with
//! replacement) from the mode's EFF list, first letter upper-cased, joined
//! with no separator.

use crate::{charset, Complexity, Error, Password, PasswordSpec};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use zeroize::Zeroize;

/// Random bytes fetched from the RNG at a time.
const BUF: usize = 256;

/// A password generator over any cryptographic RNG.
///
/// ```
/// use laps_core::{Generator, PasswordSpec};
/// let mut g = Generator::new().unwrap(); // ChaCha20 seeded from the OS
/// let p = g.generate(&PasswordSpec::default());
/// assert_eq!(p.len(), 14);
/// ```
pub struct Generator<R: RngCore + CryptoRng = ChaCha20Rng> {
    rng: R,
    buf: [u8; BUF],
    pos: usize,
}

impl<R: RngCore + CryptoRng> core::fmt::Debug for Generator<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Generator { .. }")
    }
}

impl<R: RngCore + CryptoRng> Drop for Generator<R> {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

#[cfg(feature = "os-rng")]
impl Generator<ChaCha20Rng> {
    /// ChaCha20 seeded with 32 bytes of OS entropy (`getrandom`). Use this in production.
    pub fn new() -> Result<Self, Error> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|_| Error::Rng)?;
        let g = Self::with_rng(ChaCha20Rng::from_seed(seed));
        seed.zeroize();
        Ok(g)
    }
}

impl Generator<ChaCha20Rng> {
    /// ChaCha20 from a fixed seed: reproducible output for tests and benchmarks.
    ///
    /// **Not for production**: anyone who knows the seed knows every password.
    ///
    /// ```
    /// use laps_core::{Generator, PasswordSpec};
    /// let a = Generator::from_seed_insecure([7; 32]).generate(&PasswordSpec::default());
    /// let b = Generator::from_seed_insecure([7; 32]).generate(&PasswordSpec::default());
    /// assert_eq!(a, b);
    /// ```
    pub fn from_seed_insecure(seed: [u8; 32]) -> Self {
        Self::with_rng(ChaCha20Rng::from_seed(seed))
    }
}

impl<R: RngCore + CryptoRng> Generator<R> {
    /// Wraps any cryptographic RNG.
    pub fn with_rng(rng: R) -> Self {
        Generator {
            rng,
            buf: [0; BUF],
            pos: BUF,
        }
    }

    #[inline]
    fn byte(&mut self) -> u8 {
        if self.pos == BUF {
            self.rng.fill_bytes(&mut self.buf);
            self.pos = 0;
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        b
    }

    /// Unbiased uniform index in `0..n` for `1 <= n <= 256`: a byte below the largest
    /// multiple of `n` that fits is accepted, others are redrawn.
    #[inline]
    fn below_256(&mut self, n: u32) -> usize {
        debug_assert!((1..=256).contains(&n));
        let limit = 256 - 256 % n;
        loop {
            let b = u32::from(self.byte());
            if b < limit {
                return (b % n) as usize;
            }
        }
    }

    /// Unbiased uniform index in `0..n` for `1 <= n <= 65536` (two bytes, rejection).
    #[inline]
    fn below_65536(&mut self, n: u32) -> usize {
        debug_assert!((1..=65536).contains(&n));
        let limit = 65536 - 65536 % n;
        loop {
            let v = u32::from(self.byte()) << 8 | u32::from(self.byte());
            if v < limit {
                return (v % n) as usize;
            }
        }
    }

    /// An unbiased uniform index in `0..n` (`n` ≥ 1), for callers that build on the generator.
    pub fn uniform(&mut self, n: usize) -> usize {
        match n {
            0 | 1 => 0,
            2..=256 => self.below_256(n as u32),
            257..=65536 => self.below_65536(n as u32),
            _ => {
                let n = n as u64;
                let limit = u64::MAX - u64::MAX % n;
                loop {
                    let v = self.rng.next_u64();
                    if v < limit {
                        return (v % n) as usize;
                    }
                }
            }
        }
    }

    /// One password or passphrase for `spec`.
    pub fn generate(&mut self, spec: &PasswordSpec) -> Password {
        let c = spec.complexity();
        let mut out = String::new();
        if c.is_passphrase() {
            self.passphrase_into(c, spec.passphrase_words(), &mut out);
        } else {
            self.chars_into(
                Alphabet::for_complexity(c),
                spec.length() as usize,
                &mut out,
            );
        }
        Password::new(out)
    }

    /// `n` passwords from the same generator (no re-seeding between them).
    pub fn generate_batch(&mut self, spec: &PasswordSpec, n: usize) -> Vec<Password> {
        (0..n).map(|_| self.generate(spec)).collect()
    }

    fn chars_into(&mut self, a: &Alphabet, len: usize, out: &mut String) {
        let mut tmp = [0u8; PasswordSpec::MAX_LENGTH as usize];
        let tmp = &mut tmp[..len];
        let n = a.len;
        loop {
            let mut seen = 0u8;
            for slot in tmp.iter_mut() {
                let i = self.below_256(n);
                *slot = a.chars[i];
                seen |= a.class_bit[i];
            }
            if seen == a.all_classes {
                break;
            }
        }
        // Every byte comes from the ASCII class tables, so this never falls back.
        out.push_str(core::str::from_utf8(tmp).unwrap_or_default());
        tmp.zeroize();
    }

    fn passphrase_into(&mut self, c: Complexity, words: u32, out: &mut String) {
        let Some(list) = c.wordlist() else { return };
        out.reserve_exact(words as usize * 10);
        for _ in 0..words {
            let w = list
                .get(self.below_65536(list.len() as u32))
                .unwrap_or_default();
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
}

/// The union alphabet of a character mode with each character's class bit.
struct Alphabet {
    chars: [u8; 80],
    class_bit: [u8; 80],
    len: u32,
    all_classes: u8,
}

impl Alphabet {
    /// Built at compile time from the class tables.
    const fn new(classes: &[&str]) -> Self {
        let mut a = Alphabet {
            chars: [0; 80],
            class_bit: [0; 80],
            len: 0,
            all_classes: 0,
        };
        let mut i = 0;
        while i < classes.len() {
            let class = classes[i].as_bytes();
            let mut j = 0;
            while j < class.len() {
                a.chars[a.len as usize] = class[j];
                a.class_bit[a.len as usize] = 1 << i;
                a.len += 1;
                j += 1;
            }
            a.all_classes |= 1 << i;
            i += 1;
        }
        a
    }

    fn for_complexity(c: Complexity) -> &'static Alphabet {
        use charset::*;
        static ALPHABETS: [Alphabet; 5] = [
            Alphabet::new(&[UPPER]),
            Alphabet::new(&[UPPER, LOWER]),
            Alphabet::new(&[UPPER, LOWER, DIGITS]),
            Alphabet::new(&[UPPER, LOWER, DIGITS, SPECIAL]),
            Alphabet::new(&[
                READABLE_UPPER,
                READABLE_LOWER,
                READABLE_DIGITS,
                READABLE_SPECIAL,
            ]),
        ];
        &ALPHABETS[(c.get() as usize).clamp(1, 5) - 1]
    }
}

/// One password from a fresh OS-seeded generator.
///
/// ```
/// let p = laps_core::generate(&laps_core::PasswordSpec::new(6, 14, 4).unwrap()).unwrap();
/// assert!(p.expose().chars().filter(|c| c.is_ascii_uppercase()).count() >= 4);
/// ```
#[cfg(feature = "os-rng")]
pub fn generate(spec: &PasswordSpec) -> Result<Password, Error> {
    Ok(Generator::new()?.generate(spec))
}

/// Splits a passphrase back into its lower-case words at the capital letters.
///
/// ```
/// let words = laps_core::split_passphrase("SkiingProduceT-shirt");
/// assert_eq!(words, ["skiing", "produce", "t-shirt"]);
/// ```
pub fn split_passphrase(s: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for ch in s.chars() {
        if ch.is_ascii_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(ch.to_ascii_lowercase());
        }
    }
    words
}
