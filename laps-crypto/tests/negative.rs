//! Every negative vector fails with the expected typed error; hostile inputs never hang or panic.

mod common;

use common::{store_for, unhex, vectors};
use laps_crypto::{parse_encrypted_attribute, Error, KeyStore};

fn class_matches(class: &str, e: &Error) -> bool {
    match class {
        "authentication_failed" | "key_unwrap_failed" => matches!(e, Error::DecryptionFailed),
        "malformed" => matches!(e, Error::Malformed { .. }),
        "unsupported_algorithm" => matches!(e, Error::UnsupportedAlgorithm(_)),
        "root_key_not_found" => matches!(e, Error::UnknownRootKey { .. }),
        _ => false,
    }
}

#[test]
fn every_negative_vector_fails_with_its_error_class() {
    let vs = vectors("negative.json");
    assert_eq!(vs.len(), 9);
    for v in vs {
        let id = v["id"].as_str().unwrap();
        let class = v["expected"]["error_class"].as_str().unwrap();
        let store = store_for(&v);
        let input = unhex(&v["input_hex"]);
        let e = store.decrypt_attribute(&input).expect_err(id);
        assert!(
            class_matches(class, &e),
            "{id}: expected {class}, got {e:?}"
        );
        // The same input through decrypt_many.
        let r = store.decrypt_many(&[input.as_slice()]);
        assert_eq!(r[0].as_ref().unwrap_err(), &e, "{id}");
    }
}

#[test]
fn out_of_range_indices_are_rejected_by_the_parser_without_keys() {
    for v in vectors("negative.json") {
        let id = v["id"].as_str().unwrap();
        if id == "neg-l1-out-of-range" || id == "neg-l2-negative" {
            let e = parse_encrypted_attribute(&unhex(&v["input_hex"])).unwrap_err();
            let Error::Malformed {
                structure, offset, ..
            } = e
            else {
                panic!("{e:?}")
            };
            assert_eq!(structure, "KeyIdentifier");
            assert!(offset > 16, "offset {offset} points into the blob");
        }
    }
}

#[test]
fn malformed_errors_carry_offsets_inside_the_input() {
    for v in vectors("negative.json") {
        let input = unhex(&v["input_hex"]);
        if let Err(Error::Malformed { offset, .. }) = KeyStore::new().decrypt_attribute(&input) {
            assert!(
                offset <= input.len(),
                "{}: offset {offset} > {}",
                v["id"],
                input.len()
            );
        }
    }
}

#[test]
fn errors_never_contain_secrets() {
    let v = &vectors("negative.json")[0];
    let e = store_for(v)
        .decrypt_attribute(&unhex(&v["input_hex"]))
        .unwrap_err();
    assert_eq!(e.to_string(), "decryption failed");
}

#[test]
fn every_truncation_and_single_byte_flip_of_a_real_value_errors_cleanly() {
    // A real Windows value (DSInternals). Every prefix must fail without panicking; every
    // flipped byte must either fail or (in unauthenticated header slack) decrypt to the same value.
    let v = vectors("decrypt_real.json")
        .into_iter()
        .find(|v| v["id"] == "win-laps-dsinternals-1")
        .unwrap();
    let store = store_for(&v);
    let good = unhex(&v["input_hex"]);
    let expected = store.decrypt_attribute(&good).unwrap();
    for len in 0..good.len() {
        assert!(
            store.decrypt_attribute(&good[..len]).is_err(),
            "prefix {len}"
        );
    }
    // Flip one bit in each byte of the CMS structure and the tail (the DH key_info is skipped:
    // each flip there costs two 2048-bit exponentiations).
    for i in (0..good.len()).filter(|i| !(120..890).contains(i)) {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        if let Ok(c) = store.decrypt_attribute(&bad) {
            assert_eq!(c, expected, "byte {i} changed the result");
        }
    }
}
