//! Checks that the embedded lists are EFF's, byte for byte, with the published properties.

use laps_wordlist::{Wordlist, EFF_LARGE, EFF_SHORT_1, EFF_SHORT_2};
use sha2::{Digest, Sha256};

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Rebuilds EFF's published file (`DDDDD<TAB>word<LF>`, base-6 dice digits 1–6).
fn eff_original(list: &Wordlist, digits: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, w) in list.iter().enumerate() {
        let mut dice = vec![0u8; digits as usize];
        let mut n = i;
        for d in dice.iter_mut().rev() {
            *d = b'1' + (n % 6) as u8;
            n /= 6;
        }
        out.extend_from_slice(&dice);
        out.push(b'\t');
        out.extend_from_slice(w.as_bytes());
        out.push(b'\n');
    }
    out
}

#[test]
fn counts() {
    assert_eq!(EFF_LARGE.len(), 7776);
    assert_eq!(EFF_SHORT_1.len(), 1296);
    assert_eq!(EFF_SHORT_2.len(), 1296);
    assert_eq!(EFF_LARGE.iter().len(), 7776);
}

#[test]
fn sha256_of_the_files_as_published_by_eff() {
    let cases = [
        (
            &EFF_LARGE,
            5,
            "addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e",
            "6d557f0693958fb5e650b68b5bee585eb82cf4da32965505c789e924743bc522",
        ),
        (
            &EFF_SHORT_1,
            4,
            "8f5ca830b8bffb6fe39c9736c024a00a6a6411adb3f83a9be8bfeeb6e067ae69",
            "36ecca49e4fa20ca84b176c32f2e9c82f98f446585190e75f9879a95c08247bf",
        ),
        (
            &EFF_SHORT_2,
            4,
            "22b45c52e0bd0bbf03aa522240b111eb4c7c0c1d86c4e518e1be2a7eb2a625e4",
            "7aa57a4d3ecf6581729992bad9575bacdebf7c28378af2aec6a50f11aec326f5",
        ),
    ];
    for (list, digits, original, words) in cases {
        assert_eq!(
            hex(&Sha256::digest(eff_original(list, digits))),
            original,
            "{}",
            list.name()
        );
        assert_eq!(
            hex(&Sha256::digest(list.as_text())),
            words,
            "{}",
            list.name()
        );
    }
}

#[test]
fn words_are_unique_sorted_and_ascii() {
    for list in Wordlist::all() {
        let words: Vec<_> = list.iter().collect();
        assert!(
            words.windows(2).all(|w| w[0] < w[1]),
            "{} sorted and unique",
            list.name()
        );
        for w in &words {
            assert!(
                !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{w}"
            );
        }
    }
}

#[test]
fn hyphenated_words_present() {
    for w in ["drop-down", "felt-tip", "t-shirt", "yo-yo"] {
        assert!(EFF_LARGE.contains(w), "{w}");
    }
    assert!(EFF_SHORT_1.contains("yo-yo"));
    assert!(EFF_SHORT_2.contains("yo-yo"));
}

#[test]
fn lists_are_prefix_free() {
    for list in Wordlist::all() {
        let words: Vec<_> = list.iter().collect();
        // Sorted, so a prefix of a word always sits right before a word it prefixes.
        for pair in words.windows(2) {
            assert!(
                !pair[1].starts_with(pair[0]),
                "{}: {} prefixes {}",
                list.name(),
                pair[0],
                pair[1]
            );
        }
    }
}

#[test]
fn short_list_2_has_unique_three_letter_prefixes() {
    let mut prefixes: Vec<_> = EFF_SHORT_2.iter().map(|w| &w[..3]).collect();
    prefixes.sort_unstable();
    prefixes.dedup();
    assert_eq!(prefixes.len(), 1296);
    // Short list 1 does not have the property (264 prefixes are shared).
    let mut p1: Vec<_> = EFF_SHORT_1.iter().map(|w| &w[..3.min(w.len())]).collect();
    p1.sort_unstable();
    p1.dedup();
    assert!(p1.len() < 1296);
}

#[test]
fn position_and_get_agree() {
    for list in Wordlist::all() {
        for (i, w) in list.iter().enumerate() {
            assert_eq!(list.position(w), Some(i));
        }
        assert_eq!(list.get(list.len()), None);
        assert_eq!(list.position("zzzzzzzzzzz"), None);
        assert_eq!(list.position(""), None);
    }
}

#[test]
fn complexity_mapping() {
    assert_eq!(Wordlist::for_complexity(6).unwrap().name(), "eff_large");
    assert_eq!(Wordlist::for_complexity(7).unwrap().name(), "eff_short_1");
    assert_eq!(Wordlist::for_complexity(8).unwrap().name(), "eff_short_2_0");
    assert!(Wordlist::for_complexity(5).is_none());
}

#[test]
fn longest_is_the_longest_word() {
    for list in Wordlist::all() {
        let max = list.iter().map(str::len).max().unwrap();
        assert_eq!(list.longest(), max, "{}", list.name());
    }
}

#[test]
fn the_library_forbids_unsafe_code() {
    assert!(include_str!("../src/lib.rs").contains("#![forbid(unsafe_code)]"));
}
