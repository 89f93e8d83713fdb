//! Wording shared by the resolver and the explanations.

use crate::device::JoinState;

/// How the device is joined, in words.
pub(crate) fn join_words(join: JoinState) -> &'static str {
    match join {
        JoinState::Entra => "Entra joined only",
        JoinState::Ad => "AD joined only",
        JoinState::Hybrid => "hybrid joined",
        JoinState::None => "not joined to a directory (workplace joined or none)",
    }
}

/// `1 word`, `n words`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Up to two names, then a count: `A, B and 3 more`.
pub(crate) fn list_short(names: &[&str]) -> String {
    match names {
        [] => "nothing".into(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}
