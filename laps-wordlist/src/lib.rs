//! The three EFF passphrase word lists Windows LAPS draws from for
//! PasswordComplexity 6 (long words), 7 (short words) and 8 (short words with
//! unique three-letter prefixes).
//!
//! The lists are embedded at compile time from `data/*.words.txt` (EFF's files
//! with the dice column removed; see `NOTICE` for the CC BY 3.0 US
//! attribution). They are EFF's unmodified lists: Microsoft says it made
//! "slight modifications" and quotes 1276 words for the short lists, but its
//! modified copy is not public, so code takes counts from [`Wordlist::len`]
//! rather than hard-coding 1296.
//!
//! ```
//! use laps_wordlist::{Wordlist, EFF_LARGE, EFF_SHORT_1, EFF_SHORT_2};
//! assert_eq!(EFF_LARGE.len(), 7776);
//! assert_eq!(EFF_SHORT_1.len(), 1296);
//! assert_eq!(EFF_SHORT_2.get(0), Some("aardvark"));
//! assert_eq!(EFF_LARGE.position("abacus"), Some(0));
//! assert_eq!(Wordlist::for_complexity(8).unwrap().name(), "eff_short_2_0");
//! ```
#![no_std]
#![forbid(unsafe_code)]
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// One embedded word list: lower-case ASCII words, sorted, unique and prefix-free.
#[derive(Debug)]
pub struct Wordlist {
    name: &'static str,
    text: &'static str,
    /// Byte offset of the start of each word in `text` (plus one final end offset).
    offsets: &'static [u32],
    /// Length in bytes of the longest word.
    longest: usize,
}

macro_rules! wordlist {
    ($name:literal, $file:literal, $n:literal) => {{
        const TEXT: &str = include_str!(concat!("../data/", $file));
        const OFFSETS: [u32; $n + 1] = offsets::<{ $n + 1 }>(TEXT);
        Wordlist {
            name: $name,
            text: TEXT,
            offsets: &OFFSETS,
            longest: longest(&OFFSETS),
        }
    }};
}

/// Computes word start offsets at compile time (the build fails if the count is wrong).
const fn offsets<const N: usize>(text: &str) -> [u32; N] {
    let bytes = text.as_bytes();
    let mut out = [0u32; N];
    let mut i = 0;
    let mut k = 1;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            assert!(k < N, "word list has more lines than declared");
            out[k] = (i + 1) as u32;
            k += 1;
        }
        i += 1;
    }
    assert!(k == N, "word list has fewer lines than declared");
    out
}

/// The longest gap between consecutive word offsets, minus the newline.
const fn longest(offsets: &[u32]) -> usize {
    let mut max = 0;
    let mut i = 1;
    while i < offsets.len() {
        let len = (offsets[i] - offsets[i - 1] - 1) as usize;
        if len > max {
            max = len;
        }
        i += 1;
    }
    max
}

/// EFF large word list (7776 words), PasswordComplexity 6.
pub static EFF_LARGE: Wordlist = wordlist!("eff_large", "eff_large_wordlist.words.txt", 7776);
/// EFF short word list 1 (1296 words), PasswordComplexity 7.
pub static EFF_SHORT_1: Wordlist = wordlist!("eff_short_1", "eff_short_wordlist_1.words.txt", 1296);
/// EFF short word list 2.0 (1296 words, unique 3-letter prefixes), PasswordComplexity 8.
pub static EFF_SHORT_2: Wordlist =
    wordlist!("eff_short_2_0", "eff_short_wordlist_2_0.words.txt", 1296);

impl Wordlist {
    /// The list for a PasswordComplexity value: 6, 7 or 8; `None` otherwise.
    pub fn for_complexity(complexity: u32) -> Option<&'static Wordlist> {
        match complexity {
            6 => Some(&EFF_LARGE),
            7 => Some(&EFF_SHORT_1),
            8 => Some(&EFF_SHORT_2),
            _ => None,
        }
    }

    /// All three lists.
    pub fn all() -> [&'static Wordlist; 3] {
        [&EFF_LARGE, &EFF_SHORT_1, &EFF_SHORT_2]
    }

    /// A short stable name (`eff_large`, `eff_short_1`, `eff_short_2_0`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Length in bytes of the longest word (an upper bound for buffers).
    ///
    /// ```
    /// assert_eq!(laps_wordlist::EFF_LARGE.longest(), 9);
    /// ```
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Always false (every list has words); present for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The word at index `i` (0-based; equals the dice number read in base 6).
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'static str> {
        let start = *self.offsets.get(i)? as usize;
        let end = *self.offsets.get(i + 1)? as usize - 1;
        self.text.get(start..end)
    }

    /// Iterates over the words in list order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        (0..self.len()).map(move |i| self.get(i).unwrap_or_default())
    }

    /// Index of `word` (binary search; the lists are sorted), `None` if absent.
    pub fn position(&self, word: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0usize, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid)?.cmp(word) {
                core::cmp::Ordering::Equal => return Some(mid),
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    /// Whether `word` is in the list.
    pub fn contains(&self, word: &str) -> bool {
        self.position(word).is_some()
    }

    /// The raw embedded text (one word per line, LF, final LF).
    pub fn as_text(&self) -> &'static str {
        self.text
    }
}
