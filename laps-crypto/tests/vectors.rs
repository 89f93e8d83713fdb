//! Every positive vector (20 made by Windows, the generated ones): decrypts to its expected
//! plaintext / JSON / header / key identifier, matches every intermediate, and re-encrypts byte
//! for byte where `encrypt_inputs` are given.

mod common;

use common::{positive_vectors, replay, root_key, store_for, unhex, vectors};
use laps_core::FileTime;
use laps_crypto::hazmat::cms::{DpapiNgBlob, Recipient};
use laps_crypto::hazmat::cng::PublicKeyBlob;
use laps_crypto::hazmat::{agreement, content, seed};
use laps_crypto::key_identifier::KeyInfo;
use laps_crypto::{
    encrypt, parse_blob, parse_encrypted_attribute, sid::target_security_descriptor, BlobInfo,
    GroupKeyEnvelope, KdfHash, KeyIdentifier, KeyIndex, LapsCredential, LapsHeader, Sid,
};
use serde_json::Value;

/// The DPAPI-NG blob of a vector input (header stripped for attributes) and its offset.
fn blob_of(v: &Value) -> (Vec<u8>, usize) {
    let input = unhex(&v["input_hex"]);
    match v["input_kind"].as_str().unwrap() {
        "laps_attribute" => {
            let (_, blob) = LapsHeader::split(&input).unwrap();
            (blob.to_vec(), 16)
        }
        _ => (input, 0),
    }
}

fn the_kek_recipient(blob: &DpapiNgBlob) -> (&laps_crypto::hazmat::cms::KekRecipient, Sid) {
    let mut it = blob.sid_recipients();
    let r = it.next().expect("one SID recipient");
    assert!(it.next().is_none());
    assert_eq!(blob.recipients.len(), 1);
    assert!(matches!(blob.recipients[0], Recipient::Kek(_)));
    r
}

#[test]
fn every_positive_vector_decrypts_to_its_expected_plaintext() {
    let mut n = 0;
    for (file, v) in positive_vectors() {
        let id = v["id"].as_str().unwrap();
        let store = store_for(&v);
        let (blob, _) = blob_of(&v);
        let pt = store
            .decrypt_blob(&blob)
            .unwrap_or_else(|e| panic!("{file} {id}: {e}"));
        assert_eq!(
            hex::encode(pt.as_bytes()),
            v["expected"]["plaintext_hex"].as_str().unwrap(),
            "{id}"
        );
        n += 1;
    }
    assert_eq!(n, 20 + 56 + 11 + 4);
}

#[test]
fn laps_payloads_decode_to_the_expected_json_fields() {
    let mut n = 0;
    for (_, v) in positive_vectors() {
        let e = &v["expected"];
        if e["laps_json"].is_null() {
            continue;
        }
        let id = v["id"].as_str().unwrap();
        let store = store_for(&v);
        let cred = if v["input_kind"] == "laps_attribute" {
            store.decrypt_attribute(&unhex(&v["input_hex"]))
        } else {
            LapsCredential::from_plaintext(
                store
                    .decrypt_blob(&unhex(&v["input_hex"]))
                    .unwrap()
                    .as_bytes(),
            )
        }
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        let j = &e["laps_json"];
        assert_eq!(cred.account, j["n"].as_str().unwrap(), "{id}");
        assert_eq!(cred.password.expose(), j["p"].as_str().unwrap(), "{id}");
        assert_eq!(cred.update_time.to_hex(), j["t"].as_str().unwrap(), "{id}");
        // Windows' exact JSON form is what we write, whenever the vector uses it (no \u escapes).
        let text = j["json_text"].as_str().unwrap();
        if !text.contains("\\u") && j["utf16_trailing_nul"] == true {
            assert_eq!(
                hex::encode(cred.to_plaintext()),
                e["plaintext_hex"].as_str().unwrap(),
                "{id}"
            );
            assert_eq!(&*cred.to_json(), text, "{id}");
        }
        n += 1;
    }
    assert!(n >= 60, "{n}");
}

fn check_key_identifier(id: &str, info: &BlobInfo, e: &Value) {
    let k = info.key.as_ref().unwrap();
    let x = &e["key_identifier"];
    assert_eq!(u64::from(k.version), x["version"].as_u64().unwrap(), "{id}");
    assert_eq!(u64::from(k.flags), x["flags"].as_u64().unwrap(), "{id}");
    assert_eq!(
        (k.l0, k.l1, k.l2),
        (
            x["l0"].as_i64().unwrap() as i32,
            x["l1"].as_i64().unwrap() as i32,
            x["l2"].as_i64().unwrap() as i32
        ),
        "{id}"
    );
    assert_eq!(
        k.root_key_id.to_string(),
        x["root_key_id"].as_str().unwrap(),
        "{id}"
    );
    assert_eq!(k.domain_name, x["domain_name"].as_str().unwrap(), "{id}");
    assert_eq!(k.forest_name, x["forest_name"].as_str().unwrap(), "{id}");
    assert_eq!(
        k.key_info_len as u64,
        x["key_info_len"].as_u64().unwrap(),
        "{id}"
    );
    if let Some(kind) = x["key_info_kind"].as_str() {
        assert_eq!(k.key_info_kind.as_str(), kind, "{id}");
    }
    assert_eq!(k.path.as_str(), e["path"].as_str().unwrap(), "{id}");
    assert_eq!(
        info.protection_descriptor,
        e["protection_descriptor"].as_str().unwrap(),
        "{id}"
    );
    assert_eq!(
        info.content_detached,
        e["content_detached"].as_bool().unwrap(),
        "{id}"
    );
}

#[test]
fn parse_reports_header_key_identifier_and_descriptor() {
    let mut n = 0;
    for (_, v) in positive_vectors() {
        let id = v["id"].as_str().unwrap();
        let e = &v["expected"];
        let input = unhex(&v["input_hex"]);
        if v["input_kind"] == "laps_attribute" {
            let info = parse_encrypted_attribute(&input).unwrap_or_else(|e| panic!("{id}: {e}"));
            if let Some(h) = e.get("laps_header") {
                assert_eq!(
                    info.update_time.ticks(),
                    h["update_filetime"].as_u64().unwrap(),
                    "{id}"
                );
                assert_eq!(
                    u64::from(info.encrypted_size),
                    h["encrypted_size"].as_u64().unwrap(),
                    "{id}"
                );
                assert_eq!(
                    u64::from(info.reserved),
                    h["reserved"].as_u64().unwrap(),
                    "{id}"
                );
                if let Some(first) = h["first_u32_le_hex"].as_str() {
                    // The header stores the FILETIME high dword first.
                    let t = info.update_time;
                    assert_eq!(hex::encode(t.high().to_le_bytes()), first);
                    assert_eq!(
                        hex::encode(t.low().to_le_bytes()),
                        h["second_u32_le_hex"].as_str().unwrap()
                    );
                }
            }
            if e.get("key_identifier").is_some() {
                check_key_identifier(id, &info.blob, e);
            }
        } else if e.get("key_identifier").is_some() {
            check_key_identifier(id, &parse_blob(&input).unwrap(), e);
        }
        n += 1;
    }
    assert_eq!(n, 91);
}

#[test]
fn every_intermediate_matches() {
    let mut checked = 0;
    for (_, v) in positive_vectors() {
        let Some(im) = v.get("intermediates") else {
            continue;
        };
        let id = v["id"].as_str().unwrap();
        let root = root_key(&v["key_source"]);
        let (blob_bytes, base) = blob_of(&v);
        let blob = DpapiNgBlob::parse(&blob_bytes, base).unwrap();
        let (rec, sid) = the_kek_recipient(&blob);
        let ki = KeyIdentifier::parse(&rec.key_identifier).unwrap();
        let hash = KdfHash::from_name(im["kdf_hash"].as_str().unwrap()).unwrap();
        assert_eq!(root.kdf_hash(), hash, "{id}");

        let sd = target_security_descriptor(&sid);
        assert_eq!(
            hex::encode(&sd),
            im["target_sd_hex"].as_str().unwrap(),
            "{id}: SD"
        );
        let chain = seed::seed_chain(hash, root.data(), root.id(), &sd, ki.index);
        for (name, got) in [
            ("l0_seed_hex", &chain.l0),
            ("l1_seed_at_31_hex", &chain.l1_at_31),
            ("l1_seed_hex", &chain.l1),
            ("l2_seed_hex", &chain.l2),
        ] {
            assert_eq!(
                hex::encode(got.as_bytes()),
                im[name].as_str().unwrap(),
                "{id}: {name}"
            );
        }
        let kek = match &ki.key_info {
            KeyInfo::Nonce(nonce) => content::private_kek(hash, &chain.l2, nonce),
            KeyInfo::PublicKey(peer) => {
                let x = seed::group_private_key(
                    hash,
                    &chain.l2,
                    root.secret_agreement(),
                    root.private_key_bits(),
                );
                assert_eq!(
                    hex::encode(&*x),
                    im["group_private_key_hex"].as_str().unwrap(),
                    "{id}: group key"
                );
                let z = agreement::shared_secret(&x, peer).unwrap();
                assert_eq!(
                    hex::encode(&*z),
                    im["shared_secret_hex"].as_str().unwrap(),
                    "{id}: Z"
                );
                let s = agreement::concat_kdf_output(root.secret_agreement(), &z);
                assert_eq!(
                    hex::encode(&*s),
                    im["concat_kdf_output_hex"].as_str().unwrap(),
                    "{id}: S"
                );
                let expected_hash =
                    if root.secret_agreement() == laps_crypto::SecretAgreement::EcdhP384 {
                        "SHA384"
                    } else {
                        "SHA256"
                    };
                assert_eq!(
                    im["concat_kdf_hash"].as_str().unwrap(),
                    expected_hash,
                    "{id}"
                );
                content::public_kek(hash, &s)
            }
        };
        assert_eq!(
            hex::encode(*kek),
            im["kek_hex"].as_str().unwrap(),
            "{id}: KEK"
        );
        let cek = content::unwrap_cek(&kek, &rec.encrypted_key).unwrap();
        assert_eq!(
            hex::encode(*cek),
            im["cek_hex"].as_str().unwrap(),
            "{id}: CEK"
        );
        if let Some(w) = im["wrapped_cek_hex"].as_str() {
            assert_eq!(hex::encode(&rec.encrypted_key), w, "{id}");
            assert_eq!(
                hex::encode(blob.nonce),
                im["gcm_nonce_hex"].as_str().unwrap(),
                "{id}"
            );
            assert_eq!(im["gcm_icv_len"].as_u64(), Some(16));
        }
        let pt = content::gcm_decrypt(&cek, &blob.nonce, &blob.ciphertext).unwrap();
        assert_eq!(
            hex::encode(&*pt),
            v["expected"]["plaintext_hex"].as_str().unwrap(),
            "{id}"
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        19 + 56 + 11,
        "every root-key vector has intermediates"
    );
}

#[test]
fn encrypt_inputs_reencrypt_byte_for_byte() {
    let mut n = 0;
    for (_, v) in positive_vectors() {
        let Some(ei) = v.get("encrypt_inputs") else {
            continue;
        };
        let id = v["id"].as_str().unwrap();
        let gke = GroupKeyEnvelope::parse(&unhex(&ei["group_key_envelope_hex"])).unwrap();
        let r = &ei["randomness"];
        let extra = r
            .get("ephemeral_private_key")
            .or(r.get("kdf_context_nonce"))
            .unwrap();
        let mut rng = replay(&[&unhex(&r["cek"]), &unhex(&r["gcm_nonce"]), &unhex(extra)]);
        let sid: Sid = ei["protection_descriptor"]
            .as_str()
            .unwrap()
            .strip_prefix("SID=")
            .unwrap()
            .parse()
            .unwrap();
        let plaintext = unhex(&ei["plaintext_hex"]);
        let out = match v["input_kind"].as_str().unwrap() {
            "laps_attribute" => {
                let t = FileTime::from_ticks(ei["update_filetime"].as_u64().unwrap());
                encrypt::encrypt_attribute(&gke, &sid, t, &plaintext, &mut rng).unwrap()
            }
            _ => encrypt::encrypt_blob(&gke, &sid, &plaintext, &mut rng).unwrap(),
        };
        assert_eq!(hex::encode(&out), v["input_hex"].as_str().unwrap(), "{id}");
        assert!(rng.is_exhausted(), "{id}: all recorded randomness used");
        n += 1;
    }
    assert_eq!(n, 56 + 11);
}

#[test]
fn group_key_envelopes_derived_from_the_root_key_match_the_recorded_ones() {
    let mut n = 0;
    for (_, v) in positive_vectors() {
        let Some(ei) = v.get("encrypt_inputs") else {
            continue;
        };
        let id = v["id"].as_str().unwrap();
        let recorded = GroupKeyEnvelope::parse(&unhex(&ei["group_key_envelope_hex"])).unwrap();
        let root = root_key(&v["key_source"]);
        let sid: Sid = ei["protection_descriptor"]
            .as_str()
            .unwrap()
            .strip_prefix("SID=")
            .unwrap()
            .parse()
            .unwrap();
        let derived = GroupKeyEnvelope::from_root_key(
            &root,
            &sid,
            recorded.index,
            &recorded.domain_name,
            &recorded.forest_name,
            recorded.is_public_key(),
        )
        .unwrap();
        if recorded.is_public_key() {
            // Public-key GKE: no L1 key, the group public key: identical bytes.
            assert_eq!(
                hex::encode(derived.to_bytes()),
                ei["group_key_envelope_hex"].as_str().unwrap(),
                "{id}"
            );
        } else {
            // Seed GKE: the recorded encryption GKEs carry only the L2 seed; a DC's answer (ours)
            // also carries the L1 key. Both must give the same L2 seed.
            let a = derived.l2_seed(recorded.index).unwrap();
            let b = recorded.l2_seed(recorded.index).unwrap();
            assert_eq!(a, b, "{id}");
        }
        if let Some(t) = ei["update_filetime"].as_u64() {
            assert_eq!(
                KeyIndex::from_filetime(FileTime::from_ticks(t)),
                recorded.index,
                "{id}: time rule"
            );
        }
        n += 1;
    }
    assert_eq!(n, 67);
}

#[test]
fn gke_vectors_name_the_envelope_fields() {
    for v in vectors("gke_decrypt.json") {
        let f = &v["key_source"]["gke_fields"];
        let gke = GroupKeyEnvelope::parse(&unhex(&v["key_source"]["gke_hex"])).unwrap();
        assert_eq!(u64::from(gke.flags), f["flags"].as_u64().unwrap());
        assert_eq!(gke.index.l0 as i64, f["l0"].as_i64().unwrap());
        assert_eq!(gke.index.l1 as i64, f["l1"].as_i64().unwrap());
        assert_eq!(gke.index.l2 as i64, f["l2"].as_i64().unwrap());
        assert_eq!(gke.l2.is_some(), f["has_l2_key"].as_bool().unwrap());
        assert_eq!(
            hex::encode(gke.to_bytes()),
            v["key_source"]["gke_hex"].as_str().unwrap()
        );
    }
}

#[test]
fn windows_gke_serves_an_older_blob() {
    // win-laps-dpapi-ng-gke: GKE (361, 17, 8) decrypts a blob keyed (361, 16, 3).
    let v = vectors("decrypt_real.json")
        .into_iter()
        .find(|v| v["id"] == "win-laps-dpapi-ng-gke")
        .unwrap();
    let gke = GroupKeyEnvelope::parse(&unhex(&v["key_source"]["gke_hex"])).unwrap();
    let p = &v["key_source"]["parsed"];
    assert_eq!(gke.domain_name, p["domain_name"].as_str().unwrap());
    assert_eq!(
        hex::encode(gke.l1_key.as_ref().unwrap().as_bytes()),
        p["l1_key_hex"].as_str().unwrap()
    );
    match &gke.l2 {
        Some(laps_crypto::gke::GkeL2::Seed(k)) => {
            assert_eq!(hex::encode(k.as_bytes()), p["l2_key_hex"].as_str().unwrap())
        }
        other => panic!("{other:?}"),
    }
    assert!(gke.covers(
        gke.root_key_id,
        KeyIndex {
            l0: 361,
            l1: 16,
            l2: 3
        }
    ));
    assert!(gke.covers(
        gke.root_key_id,
        KeyIndex {
            l0: 361,
            l1: 17,
            l2: 8
        }
    ));
    assert!(!gke.covers(
        gke.root_key_id,
        KeyIndex {
            l0: 361,
            l1: 17,
            l2: 9
        }
    ));
    assert!(!gke.covers(
        gke.root_key_id,
        KeyIndex {
            l0: 361,
            l1: 18,
            l2: 0
        }
    ));
    assert!(!gke.covers(
        gke.root_key_id,
        KeyIndex {
            l0: 360,
            l1: 0,
            l2: 0
        }
    ));
}

#[test]
fn dh_blobs_carry_the_root_keys_group() {
    for (_, v) in positive_vectors() {
        let (blob, base) = blob_of(&v);
        let blob = DpapiNgBlob::parse(&blob, base).unwrap();
        let (rec, _) = the_kek_recipient(&blob);
        if let KeyInfo::PublicKey(PublicKeyBlob::Dh { group, .. }) =
            KeyIdentifier::parse(&rec.key_identifier).unwrap().key_info
        {
            assert_eq!(group, laps_crypto::hazmat::cng::DhGroup::rfc5114_2048());
        }
    }
}
