//! Names of the unit enums: one table per enum gives its values, its `as_str` names and its
//! `FromStr`, so the three cannot disagree. The names are the serde names (JSON, the CLI and
//! the bindings use them); [`tests`] checks that for every enum declared with [`named!`].

/// Declares, for a unit enum, `ALL` (every value in declaration order), `as_str` (its name)
/// and `FromStr` (the inverse, failing with a [`laps_core::UnknownName`] that says `$what`).
macro_rules! named {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// The snake_case name, as in JSON, the CLI and the bindings; [`FromStr`] reads it
            /// back.
            ///
            /// ```
            #[doc = concat!("use laps_policy::", stringify!($ty), ";")]
            #[doc = concat!("for v in ", stringify!($ty), "::ALL {")]
            #[doc = concat!("    assert_eq!(v.as_str().parse::<", stringify!($ty), ">(), Ok(v));")]
            /// }
            #[doc = concat!("assert!(\"no such name\".parse::<", stringify!($ty), ">().is_err());")]
            /// ```
            ///
            /// [`FromStr`]: std::str::FromStr
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = laps_core::UnknownName;

            /// Parses an [`as_str`](Self::as_str) name.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| laps_core::UnknownName::new($what, s, &[$($name),+]))
            }
        }
    };
}

pub(crate) use named;

#[cfg(test)]
mod tests {
    use crate::{DiagnosticCode, JoinState, Mode, PostAuthOff, RotationReason, Severity};
    use serde::Serialize;
    use std::fmt::Debug;
    use std::str::FromStr;

    /// Every name is the serde name and parses back; an unknown name is an error.
    fn check<T>(all: &[T], as_str: fn(T) -> &'static str)
    where
        T: Copy + Serialize + FromStr + PartialEq + Debug,
        T::Err: Debug,
    {
        for &v in all {
            assert_eq!(serde_json::to_value(v).unwrap(), as_str(v), "{v:?}");
            assert_eq!(as_str(v).parse::<T>().unwrap(), v);
        }
        assert!("no such name".parse::<T>().is_err());
    }

    #[test]
    fn names_are_the_serde_names_and_parse_back() {
        check(&Severity::ALL, Severity::as_str);
        check(&DiagnosticCode::ALL, DiagnosticCode::as_str);
        check(&JoinState::ALL, JoinState::as_str);
        check(&Mode::ALL, Mode::as_str);
        check(&RotationReason::ALL, RotationReason::as_str);
        check(&PostAuthOff::ALL, PostAuthOff::as_str);
    }
}
