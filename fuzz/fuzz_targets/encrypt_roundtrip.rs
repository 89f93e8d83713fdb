//! encrypt → decrypt must return the input, for every key configuration of the test vectors,
//! both paths (public-key GKE as the LAPS client gets, seed GKE), any SID, any time, any
//! credential and any generic plaintext. The RNG is ChaCha20 seeded from the input.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use laps_core::{FileTime, Password};
use laps_crypto::{
    encrypt, parse_encrypted_attribute, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, Sid,
};
use libfuzzer_sys::fuzz_target;
use rand_chacha::rand_core::SeedableRng;

#[derive(Debug, Arbitrary)]
struct Input {
    key: u8,
    public_key: bool,
    /// Decrypt with a seed envelope instead of the root key.
    via_envelope: bool,
    ticks: u64,
    authority: u8,
    sub_authorities: Vec<u32>,
    account: String,
    password: String,
    /// `Some` = generic DPAPI-NG blob of these bytes instead of a LAPS credential.
    blob: Option<Vec<u8>>,
    rng_seed: [u8; 32],
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let keys = winlaps_fuzz::root_keys();
    let root = &keys[input.key as usize % keys.len()];
    let subs = &input.sub_authorities[..input.sub_authorities.len().min(15)];
    let sid = Sid::new(u64::from(input.authority), subs).expect("in range");
    let now = FileTime::from_ticks(input.ticks);
    let index = KeyIndex::from_filetime(now);
    let gke = GroupKeyEnvelope::from_root_key(
        root,
        &sid,
        index,
        "contoso.com",
        "contoso.com",
        input.public_key,
    )
    .expect("every valid index gives an envelope");
    let store = KeyStore::new();
    if input.via_envelope {
        let seed =
            GroupKeyEnvelope::from_root_key(root, &sid, index, "contoso.com", "contoso.com", false)
                .expect("seed envelope");
        store.add_group_key_envelope(seed);
    } else {
        store.add_root_key(root.clone());
    }
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(input.rng_seed);
    match &input.blob {
        Some(plaintext) => {
            let blob =
                encrypt::encrypt_blob(&gke, &sid, plaintext, &mut rng).expect("encrypt_blob");
            let back = store
                .decrypt_blob(&blob)
                .expect("decrypt_blob of our own blob");
            assert_eq!(back.as_bytes(), &plaintext[..]);
        }
        None => {
            let cred = LapsCredential::new(
                input.account.clone(),
                Password::from(input.password.as_str()),
                now,
            );
            let value = encrypt::encrypt_credential(&gke, &sid, &cred, &mut rng)
                .expect("encrypt_credential");
            let info = parse_encrypted_attribute(&value).expect("our own value parses");
            assert_eq!(info.update_time.ticks(), input.ticks);
            assert_eq!(
                info.blob.target_sid.as_deref(),
                Some(sid.to_string().as_str())
            );
            let key = info.blob.key.expect("key identifier");
            assert_eq!((key.l0, key.l1, key.l2), (index.l0, index.l1, index.l2));
            let back = store
                .decrypt_attribute(&value)
                .expect("decrypt_attribute of our own value");
            assert_eq!(back, cred);
        }
    }
});
