//! Component known-answer tests: SP 800-108, the L0 seed, the seed chain, the Windows BCrypt key
//! agreement + concatenation KDF outputs, and the raw structures.

mod common;

use common::{load, unhex};
use laps_crypto::hazmat::cng::{
    kdf_parameters_blob, parse_kdf_parameters, DhGroup, PublicKeyBlob, SecretAgreement,
};
use laps_crypto::hazmat::kdf::{concat_kdf_other_info, sp800_108, KdfHash};
use laps_crypto::hazmat::{agreement, seed};
use laps_crypto::{GroupKeyEnvelope, Guid, KeyIndex};

#[test]
fn sp800_108_counter_mode_kats() {
    let c = load("components.json");
    let vs = c["sp800_108_ctr_hmac"]["vectors"].as_array().unwrap();
    assert!(vs.len() >= 4);
    for v in vs {
        let h = KdfHash::from_name(v["hash"].as_str().unwrap()).unwrap();
        let out = sp800_108(
            h,
            &unhex(&v["key_hex"]),
            &unhex(&v["label_hex"]),
            &unhex(&v["context_hex"]),
            v["out_len"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            hex::encode(&*out),
            v["expected_hex"].as_str().unwrap(),
            "{}",
            v["hash"]
        );
    }
}

#[test]
fn l0_seed_kat() {
    let c = load("components.json");
    for v in c["l0_seed"]["vectors"].as_array().unwrap() {
        let id: Guid = v["root_key_id"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            hex::encode(id.to_bytes_le()),
            v["root_key_id_bytes_le_hex"].as_str().unwrap()
        );
        let l0 = v["l0"].as_i64().unwrap() as i32;
        assert_eq!(
            hex::encode(seed::context(id, l0, -1, -1)),
            v["context_hex"].as_str().unwrap()
        );
        let k = seed::l0_seed(
            KdfHash::from_name(v["kdf_hash"].as_str().unwrap()).unwrap(),
            &unhex(&v["root_key_data_hex"]),
            id,
            l0,
        );
        assert_eq!(
            hex::encode(k.as_bytes()),
            v["expected_l0_seed_hex"].as_str().unwrap()
        );
    }
}

#[test]
fn seed_chain_rows() {
    let c = &load("components.json")["seed_chain"];
    let h = KdfHash::from_name(c["kdf_hash"].as_str().unwrap()).unwrap();
    let id: Guid = c["root_key_id"].as_str().unwrap().parse().unwrap();
    let l0 = c["l0"].as_i64().unwrap() as i32;
    let sd = unhex(&c["target_sd_hex"]);
    let data = unhex(&c["root_key_data_hex"]);
    let l0_seed = seed::l0_seed(h, &data, id, l0);
    assert_eq!(
        hex::encode(l0_seed.as_bytes()),
        c["l0_seed_hex"].as_str().unwrap()
    );
    let l1_31 = seed::l1_seed_at_31(h, &l0_seed, id, l0, &sd);
    assert_eq!(
        hex::encode(l1_31.as_bytes()),
        c["l1_seed_at_31_hex"].as_str().unwrap()
    );
    let chain = seed::seed_chain(h, &data, id, &sd, KeyIndex { l0, l1: 0, l2: 0 });
    assert_eq!(
        hex::encode(chain.l2.as_bytes()),
        c["l2_seed_361_0_0_hex"].as_str().unwrap()
    );
    let rows = c["rows"].as_array().unwrap();
    assert!(rows.len() >= 8);
    for row in rows {
        let l1 = row["l1"].as_i64().unwrap() as i32;
        let l1_seed = seed::walk_l1(h, &l1_31, id, l0, 31, l1);
        if let Some(x) = row["l1_seed_hex"].as_str() {
            assert_eq!(hex::encode(l1_seed.as_bytes()), x, "L1 {l1}");
        }
        let l2_31 = seed::l2_seed_at_31(h, &l1_seed, id, l0, l1);
        if let Some(x) = row["l2_seed_at_31_hex"].as_str() {
            assert_eq!(hex::encode(l2_31.as_bytes()), x, "L2 31 of L1 {l1}");
        }
        if let Some(x) = row["l2_seed_hex"].as_str() {
            let l2 = row["l2"].as_i64().unwrap() as i32;
            assert_eq!(
                hex::encode(seed::walk_l2(h, &l2_31, id, l0, l1, 31, l2).as_bytes()),
                x,
                "({l1}, {l2})"
            );
        }
    }
}

#[test]
fn windows_bcrypt_key_agreement_and_concat_kdf() {
    let c = load("components.json");
    for v in c["key_agreement_concat_kdf"]["vectors"].as_array().unwrap() {
        let alg =
            SecretAgreement::from_name(v["secret_agreement_algorithm"].as_str().unwrap()).unwrap();
        let peer = PublicKeyBlob::parse(&unhex(&v["peer_public_key_blob_hex"])).unwrap();
        let z = agreement::shared_secret(&unhex(&v["private_key_hex"]), &peer).unwrap();
        assert_eq!(
            hex::encode(&*z),
            v["expected_shared_secret_hex"].as_str().unwrap(),
            "{alg:?}"
        );
        assert_eq!(
            hex::encode(concat_kdf_other_info()),
            v["concat_other_info_hex"].as_str().unwrap()
        );
        let s = agreement::concat_kdf_output(alg, &z);
        assert_eq!(
            hex::encode(&*s),
            v["expected_concat_kdf_output_hex"].as_str().unwrap(),
            "{alg:?}"
        );
        if alg == SecretAgreement::Dh {
            assert_eq!(
                DhGroup::from_dhpm(&unhex(&v["secret_agreement_parameters_hex"])).unwrap(),
                DhGroup::rfc5114_2048()
            );
        }
    }
}

#[test]
fn raw_structures_round_trip() {
    let s = &load("components.json")["structures"];
    let kdf = unhex(&s["kdf_parameters_sha512_hex"]);
    assert_eq!(parse_kdf_parameters(&kdf).unwrap(), KdfHash::Sha512);
    assert_eq!(kdf_parameters_blob(KdfHash::Sha512), kdf);
    let dhpm = unhex(&s["ffc_dh_parameters_hex"]);
    assert_eq!(
        DhGroup::rfc5114_2048().to_dhpm(),
        dhpm,
        "Windows default group = RFC 5114 2.3"
    );
    for key in ["ffc_dh_key_hex", "ecdh_p256_key_hex"] {
        let b = unhex(&s[key]);
        assert_eq!(PublicKeyBlob::parse(&b).unwrap().to_bytes(), b, "{key}");
    }
    let PublicKeyBlob::Ec { x, .. } =
        PublicKeyBlob::parse(&unhex(&s["ecdh_p256_key_hex"])).unwrap()
    else {
        panic!()
    };
    // x as a decimal integer, checked through u128 halves would be clumsy: compare the leading digits via f64.
    let x_f64 = x.iter().fold(0f64, |acc, &b| acc * 256.0 + f64::from(b));
    let expected: f64 = s["ecdh_p256_key_xy"]["x"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((x_f64 / expected - 1.0).abs() < 1e-12);
    let gke_bytes = unhex(&s["group_key_envelope_hex"]);
    let gke = GroupKeyEnvelope::parse(&gke_bytes).unwrap();
    let f = &s["group_key_envelope_fields"];
    assert_eq!(
        gke.root_key_id.to_string(),
        f["root_key_id"].as_str().unwrap()
    );
    assert_eq!(gke.domain_name, f["domain_name"].as_str().unwrap());
    assert_eq!(gke.forest_name, f["forest_name"].as_str().unwrap());
    assert_eq!(
        gke.private_key_bits as u64,
        f["private_key_length"].as_u64().unwrap()
    );
    assert_eq!(
        gke.public_key_bits as u64,
        f["public_key_length"].as_u64().unwrap()
    );
    assert_eq!(
        gke.secret_agreement.name(),
        f["secret_agreement_algorithm"].as_str().unwrap()
    );
    assert_eq!((gke.index.l0, gke.index.l1, gke.index.l2), (361, 17, 8));
    assert_eq!(gke.to_bytes(), gke_bytes);
}
