//! History attributes are decrypted value by value, each with its own result: a value for an old
//! principal or a retired root key never breaks the current password or the other values.

mod common;

use common::{root_key, store_for, unhex, vectors};
use laps_crypto::{Error, KeyStore};

#[test]
fn history_vectors_decrypt_value_by_value() {
    for v in vectors("laps_history.json") {
        let id = v["id"].as_str().unwrap();
        let values: Vec<Vec<u8>> = v["input_values_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(unhex)
            .collect();
        let expected = v["expected"]["values"].as_array().unwrap();
        assert_eq!(values.len(), expected.len());
        let results = store_for(&v).decrypt_many(&values);
        for ((r, e), value) in results.iter().zip(expected).zip(&values) {
            let c = r.as_ref().unwrap_or_else(|err| panic!("{id}: {err}"));
            assert_eq!(
                c.password.expose(),
                e["laps_json"]["p"].as_str().unwrap(),
                "{id}"
            );
            assert_eq!(c.account, e["laps_json"]["n"].as_str().unwrap(), "{id}");
            assert_eq!(
                c.update_time.ticks(),
                e["laps_header"]["update_filetime"].as_u64().unwrap(),
                "{id}"
            );
            let info = laps_crypto::parse_encrypted_attribute(value).unwrap();
            let k = info.blob.key.unwrap();
            assert_eq!(
                (k.l0, k.l1, k.l2),
                (
                    e["key_identifier"]["l0"].as_i64().unwrap() as i32,
                    e["key_identifier"]["l1"].as_i64().unwrap() as i32,
                    e["key_identifier"]["l2"].as_i64().unwrap() as i32
                )
            );
        }
    }
}

#[test]
fn a_value_for_a_retired_root_key_or_an_old_principal_fails_alone() {
    let hist = &vectors("laps_history.json")[1]; // rk-sha512-dh
    let mut values: Vec<Vec<u8>> = hist["input_values_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    let n_good = values.len();
    let attrs = vectors("laps_attribute.json");
    // A value under another root key that is not in the store (a "retired" root key).
    let retired = attrs
        .iter()
        .find(|v| v["key_source"]["name"] == "rk-sha256-p256")
        .unwrap();
    values.insert(1, unhex(&retired["input_hex"]));
    // A value under the same root key but for another principal, with that SID's seeds replaced by
    // garbage: flip the protector SID so the security descriptor (and so every seed) differs.
    let same_root = attrs
        .iter()
        .find(|v| {
            v["key_source"]["name"] == "rk-sha512-dh" && v["id"].as_str().unwrap().contains("priv")
        })
        .unwrap();
    let mut other_principal = unhex(&same_root["input_hex"]);
    let sid_text = same_root["expected"]["protection_descriptor"]
        .as_str()
        .unwrap()
        .strip_prefix("SID=")
        .unwrap();
    let pos = other_principal
        .windows(sid_text.len())
        .position(|w| w == sid_text.as_bytes())
        .unwrap();
    let last = pos + sid_text.len() - 2; // "...-2601" → "...-2611": same length, another principal
    other_principal[last] = if other_principal[last] == b'1' {
        b'2'
    } else {
        b'1'
    };
    values.push(other_principal);
    // Garbage.
    values.push(vec![0u8; 7]);

    let store = KeyStore::new();
    store.add_root_key(root_key(&hist["key_source"]));
    let results = store.decrypt_many(&values);
    assert_eq!(results.len(), n_good + 3);
    assert!(
        matches!(results[1], Err(Error::UnknownRootKey { .. })),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(results[n_good + 1], Err(Error::DecryptionFailed)),
        "{:?}",
        results[n_good + 1]
    );
    assert!(matches!(results[n_good + 2], Err(Error::Malformed { .. })));
    let good: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
    assert_eq!(
        good.len(),
        n_good,
        "every real history value still decrypts"
    );
}

#[test]
fn decrypt_many_is_deterministic_and_in_order() {
    let v = &vectors("laps_history.json")[0];
    let values: Vec<Vec<u8>> = v["input_values_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    let store = store_for(v);
    let serial: Vec<_> = values.iter().map(|x| store.decrypt_attribute(x)).collect();
    let mut many = values.clone();
    many.extend(values.iter().rev().cloned());
    let parallel = store.decrypt_many(&many);
    assert_eq!(&parallel[..values.len()], &serial[..]);
    let rev: Vec<_> = serial.iter().rev().cloned().collect();
    assert_eq!(&parallel[values.len()..], &rev[..]);
}
