//! KeyStore behaviour: source selection, caching, thread safety, GKE coverage.

mod common;

use common::{root_key, unhex, vectors};
use laps_core::{FileTime, Password};
use laps_crypto::{
    encrypt, Error, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, RootKey, Sid,
};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn sample() -> (RootKey, Sid) {
    (
        laps_crypto::sample::root_key(),
        laps_crypto::sample::SID.parse().unwrap(),
    )
}

#[test]
fn key_store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<KeyStore>();
    check::<LapsCredential>();
    check::<Error>();
}

#[test]
fn the_seed_walk_is_cached_and_reused() {
    let (root, sid) = sample();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let t0 = FileTime::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
    // 20 values, 10 hours apart: consecutive L2 indices in (mostly) one L1.
    let values: Vec<Vec<u8>> = (0..20)
        .map(|i| {
            let t = t0.add_seconds(i * 36_000);
            let gke = GroupKeyEnvelope::from_root_key(
                &root,
                &sid,
                KeyIndex::from_filetime(t),
                "c.com",
                "c.com",
                false,
            )
            .unwrap();
            let cred = LapsCredential::new(
                "Administrator",
                Password::from(format!("pw{i}").as_str()),
                t,
            );
            encrypt::encrypt_credential(&gke, &sid, &cred, &mut rng).unwrap()
        })
        .collect();
    let store = KeyStore::new();
    store.add_root_key(root);
    assert_eq!(store.cached_seed_count(), 0);
    for (i, v) in values.iter().enumerate() {
        assert_eq!(
            store.decrypt_attribute(v).unwrap().password.expose(),
            format!("pw{i}")
        );
    }
    let after_first_pass = store.cached_seed_count();
    // At most: L0 + a few L1 seeds + 32 L2 seeds per touched L1 — not one walk per value.
    assert!(
        after_first_pass > 0 && after_first_pass <= 1 + 32 + 2 * 32,
        "{after_first_pass}"
    );
    for v in &values {
        store.decrypt_attribute(v).unwrap();
    }
    assert_eq!(
        store.cached_seed_count(),
        after_first_pass,
        "a warm store derives nothing new"
    );
}

/// One envelope (what one GetKey answer gives) serves every older key of its L0, and the walks
/// from it are cached like root-key walks: each L1 and L2 chain is derived once, whatever the
/// order the values come in.
#[test]
fn an_envelope_walk_is_cached_and_serves_every_older_key_of_its_l0() {
    let (root, sid) = sample();
    let top = KeyIndex {
        l0: 363,
        l1: 20,
        l2: 7,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    // Values at (L1, L2) below the top, in a scrambled order.
    let mut indices: Vec<(i32, i32)> = (0..=20)
        .flat_map(|l1| [0, 9, 30, 31].map(|l2| (l1, l2)))
        .filter(|&(l1, l2)| (l1, l2) <= (top.l1, top.l2))
        .collect();
    indices.sort_by_key(|&(l1, l2)| (l1 * 7 + l2 * 13) % 17);
    let values: Vec<Vec<u8>> = indices
        .iter()
        .map(|&(l1, l2)| {
            let index = KeyIndex { l0: 363, l1, l2 };
            let gke = GroupKeyEnvelope::from_root_key(&root, &sid, index, "c.com", "c.com", false)
                .unwrap();
            encrypt::encrypt_blob(&gke, &sid, format!("{l1}/{l2}").as_bytes(), &mut rng).unwrap()
        })
        .collect();
    let envelope =
        GroupKeyEnvelope::from_root_key(&root, &sid, top, "c.com", "c.com", false).unwrap();
    let store = KeyStore::new();
    store
        .add_envelope_bytes_for_sid(&envelope.to_bytes(), &sid)
        .unwrap();
    for (v, (l1, l2)) in values.iter().zip(&indices) {
        let pt = store.decrypt_blob(v).unwrap();
        assert_eq!(pt.as_bytes(), format!("{l1}/{l2}").as_bytes());
    }
    let after_first_pass = store.cached_seed_count();
    // At most the 20 L1 seeds below the top and 32 L2 seeds in each of the 21 L1s.
    assert!(
        after_first_pass > 0 && after_first_pass <= 20 + 21 * 32,
        "{after_first_pass}"
    );
    for v in &values {
        store.decrypt_blob(v).unwrap();
    }
    assert_eq!(store.cached_seed_count(), after_first_pass);
    // A newer key than the envelope's is not covered.
    let newer = KeyIndex {
        l0: 363,
        l1: 20,
        l2: 8,
    };
    let gke = GroupKeyEnvelope::from_root_key(&root, &sid, newer, "c.com", "c.com", false).unwrap();
    let blob = encrypt::encrypt_blob(&gke, &sid, b"x", &mut rng).unwrap();
    assert!(matches!(
        store.decrypt_blob(&blob),
        Err(Error::KeyNotCovered { l2: 8, .. })
    ));
}

#[test]
fn parallel_decryption_shares_one_store() {
    let (root, sid) = sample();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let t0 = FileTime::parse_rfc3339("2026-03-01T00:00:00Z").unwrap();
    let values: Vec<Vec<u8>> = (0..64)
        .map(|i| {
            let t = t0.add_seconds(i * 86_400);
            let gke = GroupKeyEnvelope::from_root_key(
                &root,
                &sid,
                KeyIndex::from_filetime(t),
                "c.com",
                "c.com",
                false,
            )
            .unwrap();
            encrypt::encrypt_credential(
                &gke,
                &sid,
                &LapsCredential::new("a", Password::from(format!("{i}").as_str()), t),
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let store = KeyStore::new();
    store.add_root_key(root);
    std::thread::scope(|s| {
        for chunk in values.chunks(16) {
            let store = &store;
            s.spawn(move || {
                for v in chunk {
                    store.decrypt_attribute(v).unwrap();
                }
            });
        }
    });
    let all = store.decrypt_many(&values);
    for (i, r) in all.iter().enumerate() {
        assert_eq!(r.as_ref().unwrap().password.expose(), i.to_string());
    }
}

#[test]
fn unknown_root_key_and_not_covered_are_distinct() {
    let v = vectors("gke_decrypt.json")
        .into_iter()
        .find(|v| v["id"] == "gen-gke-2")
        .unwrap();
    let value = unhex(&v["input_hex"]);
    assert!(matches!(
        KeyStore::new().decrypt_attribute(&value),
        Err(Error::UnknownRootKey { .. })
    ));
    // A GKE with the right root key id but an older index cannot serve a newer blob.
    let root = root_key(&v["root_key_for_crosscheck"]);
    let sid: Sid = v["expected"]["protection_descriptor"].as_str().unwrap()[4..]
        .parse()
        .unwrap();
    let old = GroupKeyEnvelope::from_root_key(
        &root,
        &sid,
        KeyIndex {
            l0: 365,
            l1: 1,
            l2: 0,
        },
        "c",
        "c",
        false,
    )
    .unwrap();
    let store = KeyStore::new();
    store.add_group_key_envelope(old);
    assert!(matches!(
        store.decrypt_attribute(&value),
        Err(Error::KeyNotCovered {
            l0: 365,
            l1: 5,
            l2: 9,
            ..
        })
    ));
    // A public-key GKE never decrypts.
    let public = GroupKeyEnvelope::from_root_key(
        &root,
        &sid,
        KeyIndex {
            l0: 365,
            l1: 31,
            l2: 31,
        },
        "c",
        "c",
        true,
    )
    .unwrap();
    let store = KeyStore::new();
    store.add_group_key_envelope(public);
    assert!(matches!(
        store.decrypt_attribute(&value),
        Err(Error::KeyNotCovered { .. })
    ));
    // The DC-style seed GKE for a later index does.
    let newer = GroupKeyEnvelope::from_root_key(
        &root,
        &sid,
        KeyIndex {
            l0: 365,
            l1: 17,
            l2: 31,
        },
        "c",
        "c",
        false,
    )
    .unwrap();
    let store = KeyStore::new();
    store
        .add_group_key_envelope_bytes(&newer.to_bytes())
        .unwrap();
    assert_eq!(
        store.decrypt_attribute(&value).unwrap().password.expose(),
        v["expected"]["laps_json"]["p"].as_str().unwrap()
    );
}

#[test]
fn a_root_key_with_windows_defaults_decrypts_real_windows_values() {
    // DSInternals supplies only msKds-RootKeyData; everything else defaults.
    for v in vectors("decrypt_real.json").into_iter().filter(|v| {
        v["id"]
            .as_str()
            .unwrap()
            .starts_with("win-laps-dsinternals")
    }) {
        let ks = &v["key_source"];
        let root = RootKey::new(
            ks["root_key_id"].as_str().unwrap().parse().unwrap(),
            &unhex(&ks["root_key_data_hex"]),
        )
        .unwrap();
        let store = KeyStore::new();
        store.add_root_key(root);
        let c = store.decrypt_attribute(&unhex(&v["input_hex"])).unwrap();
        assert_eq!(
            c.password.expose(),
            v["expected"]["laps_json"]["p"].as_str().unwrap()
        );
    }
}

#[test]
fn secrets_are_redacted_in_debug() {
    let (root, sid) = sample();
    let gke = GroupKeyEnvelope::from_root_key(
        &root,
        &sid,
        KeyIndex {
            l0: 365,
            l1: 3,
            l2: 4,
        },
        "c",
        "c",
        false,
    )
    .unwrap();
    let data_hex = hex::encode(root.data());
    let l2_hex = hex::encode(gke.l2_seed(gke.index).unwrap().as_bytes());
    let cred = LapsCredential::new(
        "Administrator",
        Password::from("hunter2-secret"),
        FileTime::from_ticks(1),
    );
    let printed = format!("{root:?} {gke:?} {cred:?} {:?} {:?}", gke.l1_key, gke.l2);
    for secret in [&data_hex[..16], &l2_hex[..16], "hunter2"] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
}

#[test]
fn root_key_json_defaults_and_validation() {
    let id = "93b65561-b7f7-bed4-bca2-a7428e3819fd";
    let minimal = format!(
        r#"{{"root_key_id":"{id}","root_key_data_hex":"{}"}}"#,
        "ab".repeat(64)
    );
    let k = RootKey::from_json(&minimal).unwrap();
    assert_eq!(k.kdf_hash(), laps_crypto::KdfHash::Sha512);
    assert_eq!(k.secret_agreement(), laps_crypto::SecretAgreement::Dh);
    assert_eq!((k.private_key_bits(), k.public_key_bits()), (512, 2048));
    assert_eq!(
        RootKey::from_json(&k.to_json()).unwrap().to_json(),
        k.to_json()
    );
    for bad in [
        format!(r#"{{"root_key_id":"{id}","root_key_data_hex":"zz"}}"#),
        r#"{"root_key_id":"nope","root_key_data_hex":"00"}"#.to_string(),
        format!(
            r#"{{"root_key_id":"{id}","root_key_data_hex":"00","secret_agreement_algorithm":"ECDH_P521"}}"#
        ),
        format!(r#"{{"root_key_id":"{id}","root_key_data_hex":"00","kdf_algorithm":"PBKDF2"}}"#),
        format!(
            r#"{{"root_key_id":"{id}","root_key_data_hex":"00","secret_agreement_algorithm":"ECDH_P256","private_key_length":512}}"#
        ),
    ] {
        assert!(RootKey::from_json(&bad).is_err(), "{bad}");
    }
}

/// A root key JSON error names the field, as a missing field or a value of the wrong type.
#[test]
fn root_key_json_errors_name_the_field() {
    let id = "93b65561-b7f7-bed4-bca2-a7428e3819fd";
    let cases = [
        (
            format!(r#"{{"root_key_id":"{id}"}}"#),
            "missing field root_key_data_hex",
        ),
        (
            format!(r#"{{"root_key_id":"{id}","root_key_data_hex":"00","version":"1"}}"#),
            "field version: expected u32",
        ),
        (
            format!("{{\n  \"root_key_id\": \"{id}\",\n  \"root_key_data_hex\": 5\n}}"),
            "field root_key_data_hex: expected a string",
        ),
    ];
    for (json, expected) in cases {
        let e = RootKey::from_json(&json).unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
    }
}
