//! Shared helpers: encrypted values made with the published sample root key.

#![allow(dead_code)]

use laps_core::{FileTime, Password};
use laps_crypto::{encrypt, sample, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, Sid};
use rand_chacha::rand_core::SeedableRng;

/// A fixed time for the tests.
pub(crate) fn t(rfc3339: &str) -> FileTime {
    FileTime::parse_rfc3339(rfc3339).unwrap()
}

/// The sample SID (a Domain Admins SID).
pub(crate) fn sid() -> Sid {
    sample::SID.parse().unwrap()
}

/// A deterministic RNG.
pub(crate) fn rng() -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(7)
}

/// The public-key envelope a LAPS client gets at `now` for `sid`.
pub(crate) fn envelope(sid: &Sid, now: FileTime) -> GroupKeyEnvelope {
    GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        sid,
        KeyIndex::from_filetime(now),
        "contoso.com",
        "contoso.com",
        true,
    )
    .unwrap()
}

/// An msLAPS-EncryptedPassword value for `password` set at `when`, encrypted to `sid`.
pub(crate) fn encrypted_to(sid: &Sid, password: &str, when: FileTime) -> Vec<u8> {
    let cred = LapsCredential::new("Administrator", Password::from(password), when);
    encrypt::encrypt_credential(&envelope(sid, when), sid, &cred, &mut rng()).unwrap()
}

/// An msLAPS-EncryptedPassword value encrypted to the sample SID.
pub(crate) fn encrypted(password: &str, when: FileTime) -> Vec<u8> {
    encrypted_to(&sid(), password, when)
}

/// A key store with the sample root key.
pub(crate) fn keys() -> KeyStore {
    let k = KeyStore::new();
    k.add_root_key(sample::root_key());
    k
}
