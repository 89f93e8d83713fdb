//! [`Password`]: a generated secret that zeroizes on drop and never prints itself.

use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A password or passphrase.
///
/// * zeroized on drop;
/// * `Debug` prints `Password(<redacted, N chars>)`;
/// * no `Display`: read it explicitly with [`Password::expose`] / [`Password::as_str`];
/// * equality is constant-time in the contents.
///
/// ```
/// use laps_core::Password;
/// let p = Password::from("Secret-1");
/// assert_eq!(format!("{p:?}"), "Password(<redacted, 8 chars>)");
/// assert_eq!(p.expose(), "Secret-1");
/// ```
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct Password(String);

impl Password {
    /// Wraps an existing string (taking ownership so it is zeroized later).
    pub fn new(s: String) -> Self {
        Password(s)
    }

    /// The clear text. The name says what it does.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Same as [`Password::expose`].
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Length in characters.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password(s.to_owned())
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password(s)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Password(<redacted, {} chars>)", self.len())
    }
}

impl ConstantTimeEq for Password {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_bytes().ct_eq(other.0.as_bytes())
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Password {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let p = Password::from("hunter2hunter2");
        let d = format!("{p:?} {:#?}", p);
        assert!(!d.contains("hunter"), "{d}");
        assert!(d.contains("14 chars"));
    }

    #[test]
    fn constant_time_equality() {
        assert_eq!(Password::from("abc"), Password::from("abc"));
        assert_ne!(Password::from("abc"), Password::from("abd"));
        assert_ne!(Password::from("abc"), Password::from("abcd"));
    }

    #[test]
    fn zeroize_clears() {
        let mut p = Password::from("abcdef");
        p.zeroize();
        assert!(p.is_empty());
    }
}
