//! `PasswordComplexity` and the full password specification.

use crate::Error;
use laps_wordlist::Wordlist;

/// Windows LAPS `PasswordComplexity` (1–8).
///
/// ```
/// use laps_core::Complexity;
/// let c = Complexity::new(6).unwrap();
/// assert!(c.is_passphrase());
/// assert_eq!(c.wordlist().unwrap().name(), "eff_large");
/// assert!(Complexity::new(9).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "u32", into = "u32"))]
pub struct Complexity(u8);

impl Complexity {
    /// 1: large letters.
    pub const UPPER: Complexity = Complexity(1);
    /// 2: large + small letters.
    pub const LETTERS: Complexity = Complexity(2);
    /// 3: large + small letters + numbers.
    pub const ALNUM: Complexity = Complexity(3);
    /// 4: large + small letters + numbers + specials (the Windows default).
    pub const DEFAULT: Complexity = Complexity(4);
    /// 5: improved readability.
    pub const READABLE: Complexity = Complexity(5);
    /// 6: passphrase, long words (EFF large list).
    pub const PASSPHRASE_LONG: Complexity = Complexity(6);
    /// 7: passphrase, short words (EFF short list 1).
    pub const PASSPHRASE_SHORT: Complexity = Complexity(7);
    /// 8: passphrase, short words with unique prefixes (EFF short list 2.0).
    pub const PASSPHRASE_PREFIX: Complexity = Complexity(8);

    /// Every complexity, 1 to 8.
    pub const ALL: [Complexity; 8] = [
        Complexity(1),
        Complexity(2),
        Complexity(3),
        Complexity(4),
        Complexity(5),
        Complexity(6),
        Complexity(7),
        Complexity(8),
    ];

    /// Validates a raw value; 1–8 only.
    pub fn new(value: u32) -> Result<Self, Error> {
        match value {
            1..=8 => Ok(Complexity(value as u8)),
            _ => Err(Error::ComplexityOutOfRange(value)),
        }
    }

    /// The raw PasswordComplexity value.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }

    /// True for 6–8.
    pub const fn is_passphrase(self) -> bool {
        self.0 >= 6
    }

    /// The word list for 6/7/8, `None` for 1–5.
    pub fn wordlist(self) -> Option<&'static Wordlist> {
        Wordlist::for_complexity(self.get())
    }

    /// The first Windows build that understands this value (5–8 need 24H2 / Server 2025, build 26100).
    pub const fn min_os_build(self) -> u32 {
        if self.0 >= 5 {
            26100
        } else {
            0
        }
    }

    /// The policy text Windows shows for this value.
    pub const fn description(self) -> &'static str {
        match self.0 {
            1 => "Large letters",
            2 => "Large letters + small letters",
            3 => "Large letters + small letters + numbers",
            4 => "Large letters + small letters + numbers + special characters",
            5 => "Large letters + small letters + numbers + special characters (improved readability)",
            6 => "Passphrase (long words)",
            7 => "Passphrase (short words)",
            _ => "Passphrase (short words with unique prefixes)",
        }
    }
}

impl Default for Complexity {
    fn default() -> Self {
        Complexity::DEFAULT
    }
}

impl TryFrom<u32> for Complexity {
    type Error = Error;
    fn try_from(v: u32) -> Result<Self, Error> {
        Complexity::new(v)
    }
}

impl From<Complexity> for u32 {
    fn from(c: Complexity) -> u32 {
        c.get()
    }
}

/// What to generate: complexity, character length (modes 1–5) and word count (modes 6–8).
///
/// Both lengths are always carried (as in the Windows policy); the one that does
/// not apply to the complexity is ignored.
///
/// ```
/// use laps_core::{Complexity, PasswordSpec};
/// let spec = PasswordSpec::new(4, 14, 6).unwrap();
/// assert_eq!(spec, PasswordSpec::default());
/// assert!(PasswordSpec::new(4, 7, 6).is_err());
/// assert!(PasswordSpec::new(6, 14, 11).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PasswordSpec {
    complexity: Complexity,
    length: u32,
    passphrase_words: u32,
}

impl PasswordSpec {
    /// Minimum PasswordLength.
    pub const MIN_LENGTH: u32 = 8;
    /// Maximum PasswordLength.
    pub const MAX_LENGTH: u32 = 64;
    /// Default PasswordLength.
    pub const DEFAULT_LENGTH: u32 = 14;
    /// Minimum PassphraseLength.
    pub const MIN_WORDS: u32 = 3;
    /// Maximum PassphraseLength.
    pub const MAX_WORDS: u32 = 10;
    /// Default PassphraseLength.
    pub const DEFAULT_WORDS: u32 = 6;

    /// Validates all three values (both lengths are checked whatever the complexity).
    pub fn new(complexity: u32, length: u32, passphrase_words: u32) -> Result<Self, Error> {
        let complexity = Complexity::new(complexity)?;
        if !(Self::MIN_LENGTH..=Self::MAX_LENGTH).contains(&length) {
            return Err(Error::LengthOutOfRange(length));
        }
        if !(Self::MIN_WORDS..=Self::MAX_WORDS).contains(&passphrase_words) {
            return Err(Error::WordsOutOfRange(passphrase_words));
        }
        Ok(PasswordSpec {
            complexity,
            length,
            passphrase_words,
        })
    }

    /// The spec of whichever values are given, the Windows defaults (complexity 4, 14
    /// characters, 6 words) for the others: what every binding and the CLI call with their
    /// optional arguments, so no caller writes the defaults again.
    ///
    /// ```
    /// use laps_core::PasswordSpec;
    /// assert_eq!(PasswordSpec::with_defaults(None, None, None)?, PasswordSpec::default());
    /// assert_eq!(PasswordSpec::with_defaults(Some(6), None, Some(4))?.passphrase_words(), 4);
    /// assert!(PasswordSpec::with_defaults(Some(9), None, None).is_err());
    /// # Ok::<(), laps_core::Error>(())
    /// ```
    pub fn with_defaults(
        complexity: Option<u32>,
        length: Option<u32>,
        passphrase_words: Option<u32>,
    ) -> Result<Self, Error> {
        PasswordSpec::new(
            complexity.unwrap_or(Complexity::default().get()),
            length.unwrap_or(Self::DEFAULT_LENGTH),
            passphrase_words.unwrap_or(Self::DEFAULT_WORDS),
        )
    }

    /// Builder: replace the complexity, keeping the lengths.
    pub fn with_complexity(self, complexity: Complexity) -> Self {
        PasswordSpec { complexity, ..self }
    }

    /// The complexity.
    pub const fn complexity(&self) -> Complexity {
        self.complexity
    }

    /// PasswordLength (used by 1–5).
    pub const fn length(&self) -> u32 {
        self.length
    }

    /// PassphraseLength in words (used by 6–8).
    pub const fn passphrase_words(&self) -> u32 {
        self.passphrase_words
    }

    /// The most bytes a password of this spec can have: the length for 1–5, the word
    /// count times the list's longest word for 6–8. Passwords are ASCII, so this is
    /// also the most characters.
    ///
    /// ```
    /// use laps_core::PasswordSpec;
    /// assert_eq!(PasswordSpec::default().max_len(), 14);
    /// assert_eq!(PasswordSpec::new(6, 14, 5).unwrap().max_len(), 5 * 9);
    /// ```
    pub fn max_len(&self) -> usize {
        match self.complexity.wordlist() {
            Some(list) => self.passphrase_words as usize * list.longest(),
            None => self.length as usize,
        }
    }
}

impl Default for PasswordSpec {
    fn default() -> Self {
        PasswordSpec {
            complexity: Complexity::DEFAULT,
            length: Self::DEFAULT_LENGTH,
            passphrase_words: Self::DEFAULT_WORDS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complexity_bounds() {
        assert_eq!(Complexity::new(0), Err(Error::ComplexityOutOfRange(0)));
        assert_eq!(Complexity::new(9), Err(Error::ComplexityOutOfRange(9)));
        for v in 1..=8 {
            assert_eq!(Complexity::new(v).unwrap().get(), v);
        }
    }

    #[test]
    fn spec_bounds() {
        assert_eq!(PasswordSpec::new(4, 7, 6), Err(Error::LengthOutOfRange(7)));
        assert_eq!(
            PasswordSpec::new(4, 65, 6),
            Err(Error::LengthOutOfRange(65))
        );
        assert_eq!(PasswordSpec::new(6, 14, 2), Err(Error::WordsOutOfRange(2)));
        assert_eq!(
            PasswordSpec::new(6, 14, 11),
            Err(Error::WordsOutOfRange(11))
        );
        assert!(PasswordSpec::new(1, 8, 3).is_ok());
        assert!(PasswordSpec::new(8, 64, 10).is_ok());
    }
}
