//! Property test: encrypt then decrypt, over random root keys, algorithms, hashes, indices,
//! principals, paths and content.

use laps_core::{FileTime, Password};
use laps_crypto::{
    encrypt, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, RootKey, RootKeyAttributes, Sid,
};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zeroize::Zeroizing;

fn root_key(data: Vec<u8>, hash: usize, alg: usize) -> RootKey {
    let hashes = ["SHA1", "SHA256", "SHA384", "SHA512"];
    let algs = ["DH", "ECDH_P256", "ECDH_P384"];
    RootKey::from_attributes(RootKeyAttributes {
        id: laps_crypto::Guid::from_bytes_le(data[..16].try_into().unwrap()),
        root_key_data: Zeroizing::new(data),
        kdf_parameters: Some(laps_crypto::hazmat::cng::kdf_parameters_blob(
            laps_crypto::KdfHash::from_name(hashes[hash]).unwrap(),
        )),
        secret_agreement_algorithm: Some(algs[alg].into()),
        ..Default::default()
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn encrypt_then_decrypt(
        data in proptest::collection::vec(any::<u8>(), 64),
        hash in 0usize..4,
        alg in 0usize..3,
        public in any::<bool>(),
        l0 in 300i32..400, l1 in 0i32..32, l2 in 0i32..32,
        rids in proptest::collection::vec(any::<u32>(), 1..6),
        account in "[A-Za-z0-9 ._\\-é]{1,20}",
        password in "\\PC{1,64}",
        ticks in 1u64..(1u64 << 60),
        seed in any::<u64>(),
    ) {
        let root = root_key(data, hash, alg);
        let sid = Sid::new(5, &rids).unwrap();
        let index = KeyIndex { l0, l1, l2 };
        let gke = GroupKeyEnvelope::from_root_key(&root, &sid, index, "contoso.com", "contoso.com", public).unwrap();
        let cred = LapsCredential::new(account, Password::from(password.as_str()), FileTime::from_ticks(ticks));
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let value = encrypt::encrypt_credential(&gke, &sid, &cred, &mut rng).unwrap();

        let info = laps_crypto::parse_encrypted_attribute(&value).unwrap();
        let k = info.blob.key.as_ref().unwrap();
        prop_assert_eq!((k.l0, k.l1, k.l2), (l0, l1, l2));
        prop_assert_eq!(k.path.as_str(), if public { "public_key" } else { "private_key" });
        prop_assert_eq!(info.update_time.ticks(), ticks);

        let store = KeyStore::new();
        store.add_root_key(root.clone());
        prop_assert_eq!(store.decrypt_attribute(&value).unwrap(), cred.clone());

        // A generic blob round-trips too, and a seed GKE for the same index decrypts both.
        let blob = encrypt::encrypt_blob(&gke, &sid, password.as_bytes(), &mut rng).unwrap();
        let seed_gke = GroupKeyEnvelope::from_root_key(&root, &sid, index, "contoso.com", "contoso.com", false).unwrap();
        let store = KeyStore::new();
        store.add_group_key_envelope(seed_gke);
        let pt = store.decrypt_blob(&blob).unwrap();
        prop_assert_eq!(pt.as_bytes(), password.as_bytes());
        prop_assert_eq!(store.decrypt_attribute(&value).unwrap(), cred);
    }
}
