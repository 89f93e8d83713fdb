//! Hardening: the text parsers of laps-core (FILETIME as RFC 3339, hex, decimal) and
//! the spec constructors never panic on any input; round trips hold; a password never shows in
//! `Debug` and is zeroized on drop.

use laps_core::{entropy, split_passphrase, Complexity, FileTime, Password, PasswordSpec};
use proptest::prelude::*;

/// Found while hardening: a year near `i64::MAX`/`i64::MIN` overflowed the civil-date arithmetic
/// (a panic in debug builds, a wrapped garbage date in release) instead of giving `None`.
#[test]
fn regression_rfc3339_with_an_extreme_year_is_none_not_a_panic() {
    for s in [
        "9223372036854775807-01-01T00:00:00Z",
        "9223372036854775807-12-31T23:59:59Z",
        "-9223372036854775808-01-01T00:00:00Z",
        "-9223372036854775808-03-01T00:00:00Z",
        "-1-01-01T00:00:00Z",
        "0-01-01T00:00:00Z",
        "1600-12-31T23:59:59Z",
        "60057-01-01T00:00:00Z",
    ] {
        assert_eq!(FileTime::parse_rfc3339(s), None, "{s}");
    }
    for y in [i64::MIN, i64::MIN + 1, -1, 0, 1600, 60_057, i64::MAX] {
        for m in [1, 2, 3, 12] {
            assert_eq!(FileTime::from_civil(y, m, 1, 0, 0, 0), None, "{y}-{m}");
        }
    }
    // The ends of the FILETIME range still parse.
    assert_eq!(
        FileTime::parse_rfc3339("1601-01-01T00:00:00Z"),
        Some(FileTime::from_ticks(0))
    );
    let last = FileTime::from_ticks(u64::MAX);
    assert_eq!(FileTime::parse_rfc3339(&last.to_rfc3339()), Some(last));
}

/// Found while hardening: `add_days(u32::MAX)` overflowed the day-to-tick multiplication (a panic
/// in debug builds, a wrapped and therefore *earlier* time in release) instead of saturating.
#[test]
fn regression_extreme_unix_times_and_additions_saturate_or_give_none() {
    assert_eq!(FileTime::from_unix_seconds(i64::MIN), None);
    assert_eq!(FileTime::from_unix_seconds(i64::MAX), None);
    assert_eq!(FileTime::from_unix_nanos(i128::MIN), None);
    assert_eq!(FileTime::from_unix_nanos(i128::MAX), None);
    let end = FileTime::from_ticks(u64::MAX);
    assert_eq!(end.add_days(u32::MAX), end);
    assert_eq!(end.add_seconds(u64::MAX), end);
    assert_eq!(FileTime::from_ticks(0).add_seconds(u64::MAX), end);
    let _ = (
        end.unix_seconds(),
        end.unix_nanos(),
        end.to_civil(),
        end.to_rfc3339(),
    );
}

#[test]
fn the_library_forbids_unsafe_code() {
    assert!(include_str!("../src/lib.rs").contains("#![forbid(unsafe_code)]"));
}

#[test]
fn passwords_are_zeroize_on_drop() {
    fn zeroized_on_drop<T: laps_core::zeroize::ZeroizeOnDrop>(_: &T) {}
    zeroized_on_drop(&Password::from("secret"));
}

proptest! {
    #[test]
    fn filetime_text_parsers_never_panic(s in "\\PC{0,40}") {
        let _ = FileTime::parse_rfc3339(&s);
        let _ = FileTime::from_hex(&s);
        let _ = FileTime::from_decimal(&s);
    }

    #[test]
    fn rfc3339_parser_never_panics_on_date_shaped_text(
        y in prop_oneof![any::<i64>().prop_map(|y| y.to_string()), "[0-9]{1,25}", "-[0-9]{1,25}"],
        rest in "(-[0-9]{1,3}){2}[T ][0-9]{1,3}(:[0-9]{1,3}){2}(\\.[0-9]{0,9})?(Z|\\+00:00)",
    ) {
        let _ = FileTime::parse_rfc3339(&format!("{y}{rest}"));
    }

    #[test]
    fn filetime_text_forms_round_trip(ticks in any::<u64>()) {
        let t = FileTime::from_ticks(ticks);
        prop_assert_eq!(FileTime::parse_rfc3339(&t.to_rfc3339()), Some(t));
        prop_assert_eq!(FileTime::from_hex(&t.to_hex()), Some(t));
        prop_assert_eq!(FileTime::from_hex(&t.to_hex().to_uppercase()), Some(t));
        prop_assert_eq!(FileTime::from_decimal(&t.to_decimal()), Some(t));
        prop_assert_eq!(FileTime::from_parts(t.high(), t.low()), t);
        let (y, mo, d, h, mi, s, _) = t.to_civil();
        prop_assert_eq!(FileTime::from_civil(y, mo, d, h, mi, s).map(|c| c.ticks() / 10_000_000), Some(ticks / 10_000_000));
    }

    #[test]
    fn unix_conversions_never_panic(secs in any::<i64>(), nanos in any::<i128>()) {
        if let Some(t) = FileTime::from_unix_seconds(secs) {
            prop_assert_eq!(t.unix_seconds(), secs);
        }
        if let Some(t) = FileTime::from_unix_nanos(nanos) {
            prop_assert_eq!(t.unix_nanos(), nanos.div_euclid(100) * 100);
        }
    }

    #[test]
    fn spec_constructors_validate_every_value(c in any::<u32>(), len in any::<u32>(), words in any::<u32>()) {
        let ok = (1..=8).contains(&c) && (8..=64).contains(&len) && (3..=10).contains(&words);
        match PasswordSpec::new(c, len, words) {
            Ok(spec) => {
                prop_assert!(ok);
                let e = entropy::bits(&spec);
                prop_assert!(e.exact.is_finite() && e.exact > 0.0);
            }
            Err(e) => {
                prop_assert!(!ok);
                prop_assert!(!e.to_string().is_empty());
            }
        }
        prop_assert_eq!(Complexity::new(c).is_ok(), (1..=8).contains(&c));
    }

    /// `Debug` of a password depends on its length only, never on its characters.
    #[test]
    fn password_debug_depends_on_the_length_only(s in "\\PC{0,40}") {
        let p = Password::from(s.as_str());
        let same_length = Password::from("x".repeat(s.chars().count()).as_str());
        prop_assert_eq!(format!("{p:?}"), format!("{same_length:?}"));
        prop_assert_eq!(format!("{p:#?}"), format!("{same_length:#?}"));
        prop_assert_eq!(p.expose(), s.as_str());
    }

    #[test]
    fn password_equality_is_content_equality(a in "\\PC{0,16}", b in "\\PC{0,16}") {
        prop_assert_eq!(Password::from(a.as_str()) == Password::from(b.as_str()), a == b);
    }

    #[test]
    fn split_passphrase_never_panics(s in "\\PC{0,60}") {
        let words = split_passphrase(&s);
        prop_assert_eq!(words.concat(), s.to_ascii_lowercase());
    }
}
