//! Password and passphrase generation exactly as Windows LAPS specifies it.
//!
//! Modes 1–5: each character is drawn uniformly from the union of the mode's
//! classes with an unbiased (rejection-sampled) index; a password missing any
//! class is discarded and redrawn whole. The output is therefore uniform over
//! all valid passwords. Modes 6–8: `words` independent uniform draws (with
//! replacement) from the mode's EFF list, first letter upper-cased, joined
//! with no separator.

use crate::{
    charset, check_local_policy, Complexity, Error, LocalPasswordPolicy, Password, PasswordSpec,
};
use laps_wordlist::Wordlist;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use zeroize::{Zeroize, Zeroizing};

/// The largest batch the CLI and the bindings generate in one call (ten million), so a
/// typo cannot exhaust memory. [`Generator::generate_batch`] itself takes any size.
pub const MAX_BATCH: usize = 10_000_000;

/// Checks the size of one batch request against [`MAX_BATCH`] (every binding's `n`).
///
/// ```
/// use laps_core::{check_batch, ErrorKind, MAX_BATCH};
/// assert_eq!(check_batch(3), Ok(3));
/// assert_eq!(check_batch(MAX_BATCH as u64 + 1).unwrap_err().kind(), ErrorKind::InvalidArgument);
/// ```
pub fn check_batch(n: u64) -> Result<usize, Error> {
    match usize::try_from(n) {
        Ok(n) if n <= MAX_BATCH => Ok(n),
        _ => Err(Error::BatchTooLarge(n)),
    }
}

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

    /// [`from_seed_insecure`](Generator::from_seed_insecure) of a seed of any length, as a
    /// caller's bytes come: [`Error::SeedLength`] (kind `InvalidArgument`) unless it is 32
    /// bytes. **Not for production**, as that one.
    ///
    /// ```
    /// use laps_core::{ErrorKind, Generator};
    /// assert!(Generator::from_seed_slice_insecure(&[7; 32]).is_ok());
    /// let e = Generator::from_seed_slice_insecure(&[7; 31]).unwrap_err();
    /// assert_eq!((e.kind(), e.to_string()), (ErrorKind::InvalidArgument, "a seed must be 32 bytes, got 31".into()));
    /// ```
    pub fn from_seed_slice_insecure(seed: &[u8]) -> Result<Self, Error> {
        let mut seed: [u8; 32] = seed.try_into().map_err(|_| Error::SeedLength(seed.len()))?;
        let g = Self::from_seed_insecure(seed);
        seed.zeroize();
        Ok(g)
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
        // Sized for the longest possible password: never reallocated, so no copy of
        // the password is left behind in freed memory.
        let c = spec.complexity();
        let out = match c.wordlist() {
            Some(list) => {
                let mut out = String::with_capacity(spec.max_len());
                self.passphrase_into(list, spec.passphrase_words(), &mut out);
                out
            }
            None => {
                let mut bytes = Vec::with_capacity(spec.max_len());
                self.chars_into(
                    Alphabet::for_complexity(c),
                    spec.length() as usize,
                    &mut bytes,
                );
                String::from_utf8(bytes).unwrap_or_else(|e| {
                    // Unreachable: the class tables are ASCII.
                    e.into_bytes().zeroize();
                    String::new()
                })
            }
        };
        Password::new(out)
    }

    /// `n` passwords from the same generator (no re-seeding between them).
    pub fn generate_batch(&mut self, spec: &PasswordSpec, n: usize) -> Vec<Password> {
        (0..n).map(|_| self.generate(spec)).collect()
    }

    /// The passwords of [`generate_batch`](Self::generate_batch) (the same ones, for the
    /// same generator state) written into one buffer, each but the last followed by
    /// `separator`: the bulk form, with no allocation per password.
    ///
    /// The buffer is wiped when dropped, and whenever it has to grow (passphrases can
    /// outgrow the first estimate) the old one is wiped before it is freed.
    ///
    /// ```
    /// use laps_core::{Generator, PasswordSpec};
    /// let spec = PasswordSpec::default();
    /// let joined = Generator::from_seed_insecure([1; 32]).generate_joined(&spec, 3, b'\n');
    /// let batch = Generator::from_seed_insecure([1; 32]).generate_batch(&spec, 3);
    /// let lines: Vec<&[u8]> = joined.split(|&b| b == b'\n').collect();
    /// assert_eq!(lines, batch.iter().map(|p| p.as_bytes()).collect::<Vec<_>>());
    /// ```
    pub fn generate_joined(
        &mut self,
        spec: &PasswordSpec,
        n: usize,
        separator: u8,
    ) -> Zeroizing<Vec<u8>> {
        let max = spec.max_len();
        // Exact for 1–5; for passphrases a word count times the list's mean word length.
        let typical = match spec.complexity().wordlist() {
            Some(list) => {
                spec.passphrase_words() as usize * list.as_text().len().div_ceil(list.len())
            }
            None => max,
        };
        // Reserved up front for at most MAX_BATCH passwords; a larger batch grows as it goes.
        let first = n.min(MAX_BATCH).saturating_mul(typical + 1);
        let mut out = Zeroizing::new(Vec::with_capacity(first));
        for i in 0..n {
            reserve_wiping(&mut out, max + 1);
            if i > 0 {
                out.push(separator);
            }
            self.write(spec, &mut out);
        }
        out
    }

    /// `n` passwords of `spec` that the device's own password `policy` accepts, joined as
    /// [`generate_joined`](Self::generate_joined) joins them: a rejected draw is wiped and
    /// drawn again, so the output is uniform over the accepted passwords. When the policy
    /// accepts every password of the spec (the default policy does), these are exactly
    /// `generate_joined`'s passwords.
    ///
    /// Windows LAPS itself never redraws: a rejected password fails the rotation with event
    /// 10027, which [`check_local_policy`] predicts. This is for tools that set passwords on
    /// such a device.
    ///
    /// # Errors
    /// [`Error::PolicyUnsatisfiable`] when the policy accepts fewer than
    /// [`MIN_ACCEPTANCE`](crate::MIN_ACCEPTANCE) of the spec's passwords (e.g.
    /// complexity 1 or 2 against the complexity rule), or, with a probability below 1e-9 per
    /// password, when a password's draws run out.
    ///
    /// ```
    /// use laps_core::{Generator, LocalPasswordPolicy, PasswordSpec};
    /// let complex = LocalPasswordPolicy { minimum_length: 0, complexity_required: true };
    /// // Passphrases of 3 words: only those with a hyphenated word have 3 categories.
    /// let spec = PasswordSpec::new(6, 14, 3)?;
    /// let joined = Generator::new()?.generate_joined_accepted(&spec, &complex, 2, b'\n')?;
    /// for p in joined.split(|&b| b == b'\n') {
    ///     assert!(complex.accepts(std::str::from_utf8(p).unwrap()));
    /// }
    /// // Complexity 2 (lower case only) never has 3 categories.
    /// let spec = PasswordSpec::new(2, 14, 6)?;
    /// let err = Generator::new()?.generate_joined_accepted(&spec, &complex, 1, b'\n');
    /// assert!(matches!(err, Err(laps_core::Error::PolicyUnsatisfiable { .. })));
    /// # Ok::<(), laps_core::Error>(())
    /// ```
    pub fn generate_joined_accepted(
        &mut self,
        spec: &PasswordSpec,
        policy: &LocalPasswordPolicy,
        n: usize,
        separator: u8,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        // The default policy accepts every password: no need to weigh the spec against it.
        if *policy == LocalPasswordPolicy::default() {
            return Ok(self.generate_joined(spec, n, separator));
        }
        let fit = check_local_policy(spec, policy);
        let draws = fit.draws(spec, policy)?;
        if fit.always_accepted() {
            return Ok(self.generate_joined(spec, n, separator));
        }
        let max = spec.max_len();
        let mut out = Zeroizing::new(Vec::new());
        for i in 0..n {
            reserve_wiping(&mut out, max + 1);
            if i > 0 {
                out.push(separator);
            }
            let start = out.len();
            let mut left = draws;
            loop {
                self.write(spec, &mut out);
                // Generated passwords are ASCII (the EFF words too).
                if core::str::from_utf8(&out[start..]).is_ok_and(|p| policy.accepts(p)) {
                    break;
                }
                out[start..].zeroize();
                out.truncate(start);
                left -= 1;
                if left == 0 {
                    return Err(fit.unsatisfiable(spec, policy));
                }
            }
        }
        Ok(out)
    }

    /// One password of `spec` that the device's own password `policy` accepts: the first of
    /// [`generate_joined_accepted`](Self::generate_joined_accepted).
    ///
    /// # Errors
    /// As [`generate_joined_accepted`](Self::generate_joined_accepted).
    pub fn generate_accepted(
        &mut self,
        spec: &PasswordSpec,
        policy: &LocalPasswordPolicy,
    ) -> Result<Password, Error> {
        let mut joined = self.generate_joined_accepted(spec, policy, 1, b'\n')?;
        let bytes = core::mem::take(&mut *joined);
        Ok(Password::new(String::from_utf8(bytes).unwrap_or_else(
            |e| {
                // Unreachable: generated passwords are ASCII.
                e.into_bytes().zeroize();
                String::new()
            },
        )))
    }

    /// Appends one password for `spec` to `out`, which has room for `spec.max_len()` more bytes.
    fn write(&mut self, spec: &PasswordSpec, out: &mut Vec<u8>) {
        let c = spec.complexity();
        match c.wordlist() {
            Some(list) => self.passphrase_into(list, spec.passphrase_words(), out),
            None => self.chars_into(Alphabet::for_complexity(c), spec.length() as usize, out),
        }
    }

    fn chars_into(&mut self, a: &Alphabet, len: usize, out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + len, 0);
        let dst = &mut out[start..];
        loop {
            let mut seen = 0u8;
            let mut k = 0;
            while k < len {
                if self.pos == BUF {
                    self.rng.fill_bytes(&mut self.buf);
                    self.pos = 0;
                }
                // The byte tables are `below_256(alphabet size)` plus the alphabet lookup,
                // precomputed: the same bytes give the same characters. A rejected byte
                // writes a 0 that the next accepted one overwrites, so the loop has no
                // unpredictable branch (a quarter of the bytes are rejected in mode 4).
                let mut used = 0;
                for &b in &self.buf[self.pos..] {
                    used += 1;
                    let class = a.class_of_byte[usize::from(b)];
                    dst[k] = a.char_of_byte[usize::from(b)];
                    seen |= class;
                    k += usize::from(class != 0);
                    if k == len {
                        break;
                    }
                }
                self.pos += used;
            }
            // A password missing a class is redrawn whole, over the same bytes.
            if seen == a.all_classes {
                break;
            }
        }
    }

    fn passphrase_into(&mut self, list: &Wordlist, words: u32, out: &mut impl WordSink) {
        for _ in 0..words {
            let word = list.get(self.below_65536(list.len() as u32));
            out.push_capitalised(word.unwrap_or_default());
        }
    }
}

/// Where passphrase words are written: the `String` of one [`Password`] (no UTF-8
/// check needed, the words are `str`s), or a batch buffer.
trait WordSink {
    /// Appends a lower-case ASCII word with its first letter upper-cased.
    fn push_capitalised(&mut self, word: &str);
}

impl WordSink for String {
    fn push_capitalised(&mut self, word: &str) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            self.push(first.to_ascii_uppercase());
            self.push_str(chars.as_str());
        }
    }
}

impl WordSink for Vec<u8> {
    fn push_capitalised(&mut self, word: &str) {
        if let Some((first, rest)) = word.as_bytes().split_first() {
            self.push(first.to_ascii_uppercase());
            self.extend_from_slice(rest);
        }
    }
}

/// Makes room for `extra` more bytes in a secret buffer without leaving a copy behind:
/// a larger buffer is allocated, filled, and the old one wiped before it is freed
/// (`Vec`'s own growth would free the old allocation unwiped).
#[inline]
fn reserve_wiping(buf: &mut Zeroizing<Vec<u8>>, extra: usize) {
    if buf.capacity() - buf.len() >= extra {
        return;
    }
    let mut grown = Vec::with_capacity(buf.capacity().saturating_mul(2).max(buf.len() + extra));
    grown.extend_from_slice(buf);
    // The old vector lands in a `Zeroizing` and is wiped as it drops.
    let _old = Zeroizing::new(core::mem::replace(&mut **buf, grown));
}

/// The union alphabet of a character mode, indexed by random byte.
///
/// A byte `b` below the largest multiple of the alphabet size that fits in a byte
/// selects character `b % size` (so every character has the same number of bytes);
/// higher bytes are rejected and redrawn. The two tables hold that choice for all
/// 256 byte values, built at compile time: `char_of_byte[b]` is the character and
/// `class_of_byte[b]` its class bit, 0 for a rejected byte.
struct Alphabet {
    char_of_byte: [u8; 256],
    class_of_byte: [u8; 256],
    all_classes: u8,
}

impl Alphabet {
    /// Built at compile time from the class tables.
    const fn new(classes: &[&str]) -> Self {
        let mut chars = [0u8; 256];
        let mut class_bit = [0u8; 256];
        let mut len = 0;
        let mut all_classes = 0;
        let mut i = 0;
        while i < classes.len() {
            let class = classes[i].as_bytes();
            let mut j = 0;
            while j < class.len() {
                chars[len] = class[j];
                class_bit[len] = 1 << i;
                len += 1;
                j += 1;
            }
            all_classes |= 1 << i;
            i += 1;
        }
        let mut a = Alphabet {
            char_of_byte: [0; 256],
            class_of_byte: [0; 256],
            all_classes,
        };
        let limit = 256 - 256 % len;
        let mut b = 0;
        while b < limit {
            a.char_of_byte[b] = chars[b % len];
            a.class_of_byte[b] = class_bit[b % len];
            b += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_wiping_keeps_the_bytes_and_makes_room() {
        let mut buf = Zeroizing::new(Vec::with_capacity(4));
        buf.extend_from_slice(b"abc");
        reserve_wiping(&mut buf, 10);
        assert_eq!(buf.as_slice(), b"abc");
        assert!(buf.capacity() >= 13);
        let cap = buf.capacity();
        reserve_wiping(&mut buf, 1);
        assert_eq!(buf.capacity(), cap, "no growth when there is room");
    }

    #[test]
    fn byte_tables_are_the_modulo_draw() {
        use crate::charset::*;
        let unions = [
            [UPPER].concat(),
            [UPPER, LOWER].concat(),
            [UPPER, LOWER, DIGITS].concat(),
            [UPPER, LOWER, DIGITS, SPECIAL].concat(),
            [
                READABLE_UPPER,
                READABLE_LOWER,
                READABLE_DIGITS,
                READABLE_SPECIAL,
            ]
            .concat(),
        ];
        for (i, union) in unions.iter().enumerate() {
            let a = Alphabet::for_complexity(Complexity::new(i as u32 + 1).unwrap());
            let (chars, n) = (union.as_bytes(), union.len());
            for b in 0..256 {
                if b < 256 - 256 % n {
                    assert_eq!(a.char_of_byte[b], chars[b % n], "mode {} byte {b}", i + 1);
                    assert_ne!(a.class_of_byte[b], 0);
                } else {
                    assert_eq!(a.class_of_byte[b], 0, "mode {} byte {b} is rejected", i + 1);
                }
            }
        }
    }
}
