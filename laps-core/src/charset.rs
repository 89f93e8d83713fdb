//! The exact Windows LAPS character classes for PasswordComplexity 1–5.

use crate::Complexity;

/// Large letters (modes 1–4).
pub const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Small letters (modes 2–4).
pub const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
/// Numbers (modes 3–4).
pub const DIGITS: &str = "0123456789";
/// Mode 4 special characters, exactly as Microsoft publishes them (18).
pub const SPECIAL: &str = ",.-+;!#&@{}[]$/()%";
/// Mode 5 large letters: no `I`, `O`, `Q` (23).
pub const READABLE_UPPER: &str = "ABCDEFGHJKLMNPRSTUVWXYZ";
/// Mode 5 small letters: no `l`, `o` (24).
pub const READABLE_LOWER: &str = "abcdefghijkmnpqrstuvwxyz";
/// Mode 5 numbers: no `0`, `1` (8).
pub const READABLE_DIGITS: &str = "23456789";
/// Mode 5 special characters: the published string `!#%+@:=?*` (9). The
/// prose list of removals on Microsoft's page disagrees about `-`, `$` and
/// `/`; the string is confirmed by the entropy table (64-character union).
pub const READABLE_SPECIAL: &str = "!#%+@:=?*";

/// The character classes of a complexity (empty for the passphrase modes 6–8).
///
/// ```
/// use laps_core::{charset, Complexity};
/// let classes = charset::classes(Complexity::DEFAULT);
/// assert_eq!(classes.iter().map(|c| c.len()).collect::<Vec<_>>(), [26, 26, 10, 18]);
/// assert_eq!(charset::union_size(Complexity::READABLE), 64);
/// ```
pub fn classes(complexity: Complexity) -> &'static [&'static str] {
    match complexity.get() {
        1 => &[UPPER],
        2 => &[UPPER, LOWER],
        3 => &[UPPER, LOWER, DIGITS],
        4 => &[UPPER, LOWER, DIGITS, SPECIAL],
        5 => &[
            READABLE_UPPER,
            READABLE_LOWER,
            READABLE_DIGITS,
            READABLE_SPECIAL,
        ],
        _ => &[],
    }
}

/// Size of the union of the classes (26, 52, 62, 80, 64; 0 for passphrases).
pub fn union_size(complexity: Complexity) -> usize {
    classes(complexity).iter().map(|c| c.len()).sum()
}

/// Whether `s` uses only the alphabet of `complexity` (1–5) and contains every class.
///
/// ```
/// use laps_core::{charset, Complexity};
/// assert!(charset::is_valid_password(Complexity::DEFAULT, "aB3$aaaa"));
/// assert!(!charset::is_valid_password(Complexity::DEFAULT, "aB3aaaaa"));
/// assert!(!charset::is_valid_password(Complexity::READABLE, "aB3!aaaO")); // no 'O' in mode 5
/// ```
pub fn is_valid_password(complexity: Complexity, s: &str) -> bool {
    let classes = classes(complexity);
    if classes.is_empty() {
        return false;
    }
    let mut seen = 0u32;
    for ch in s.chars() {
        match classes.iter().position(|c| c.contains(ch)) {
            Some(i) => seen |= 1 << i,
            None => return false,
        }
    }
    seen == (1u32 << classes.len()) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_sizes_match_the_spec() {
        let sizes: Vec<Vec<usize>> = Complexity::ALL[..5]
            .iter()
            .map(|&c| classes(c).iter().map(|s| s.len()).collect())
            .collect();
        assert_eq!(
            sizes,
            vec![
                vec![26],
                vec![26, 26],
                vec![26, 26, 10],
                vec![26, 26, 10, 18],
                vec![23, 24, 8, 9]
            ]
        );
        let unions: Vec<_> = Complexity::ALL.iter().map(|&c| union_size(c)).collect();
        assert_eq!(unions, [26, 52, 62, 80, 64, 0, 0, 0]);
    }

    #[test]
    fn classes_are_disjoint_ascii_and_unique() {
        for c in &Complexity::ALL[..5] {
            let all: String = classes(*c).concat();
            let mut b: Vec<u8> = all.bytes().collect();
            assert!(b.iter().all(|x| x.is_ascii_graphic()));
            b.sort_unstable();
            b.dedup();
            assert_eq!(
                b.len(),
                all.len(),
                "mode {} has a repeated character",
                c.get()
            );
        }
    }

    #[test]
    fn mode5_is_mode4_minus_lookalikes() {
        let without = |set: &str, drop: &str| {
            set.chars()
                .filter(|c| !drop.contains(*c))
                .collect::<String>()
        };
        assert_eq!(without(UPPER, "IOQ"), READABLE_UPPER);
        assert_eq!(without(LOWER, "lo"), READABLE_LOWER);
        assert_eq!(without(DIGITS, "01"), READABLE_DIGITS);
        let mut kept = without(SPECIAL, ",.&{}[]();-$/");
        kept.push_str(":=?*");
        let mut a: Vec<char> = kept.chars().collect();
        let mut b: Vec<char> = READABLE_SPECIAL.chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }

    #[test]
    fn validity_check() {
        assert!(is_valid_password(Complexity::UPPER, "ABCDEFGH"));
        assert!(!is_valid_password(Complexity::UPPER, "ABCDEFGh"));
        assert!(is_valid_password(Complexity::READABLE, "aB3!aaaa"));
        assert!(!is_valid_password(Complexity::READABLE, "aB3!aaal"));
        assert!(!is_valid_password(Complexity::PASSPHRASE_LONG, "Abc"));
    }
}
