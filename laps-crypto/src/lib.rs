//! Windows LAPS encrypted attributes and DPAPI-NG, in pure Rust: parse, decrypt and encrypt
//! `msLAPS-EncryptedPassword` (and its history and DSRM siblings) and generic
//! `NCryptProtectSecret` blobs, byte-exact with Windows. (The optional `openssl` feature runs
//! the 2048-bit DH exponentiation in the system OpenSSL instead, 1.6× faster on x86-64.)
//!
//! **No I/O.** You bring the attribute bytes and the key material — a KDS root key
//! (`msKds-ProvRootKey`) or a Group Key Envelope (a [MS-GKDI] GetKey answer); randomness for
//! encryption comes from an injected RNG. [`parse_encrypted_attribute`] tells you, without any
//! key, what to fetch: root key id, L0/L1/L2, target SID, domain and forest.
//!
//! ```
//! use laps_crypto::{parse_encrypted_attribute, sample, KeyStore};
//! # use laps_crypto::{encrypt, GroupKeyEnvelope, KeyIndex, LapsCredential};
//! # use laps_core::{FileTime, Password};
//! # let now = FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
//! # let sid = sample::SID.parse()?;
//! # let gke = GroupKeyEnvelope::from_root_key(&sample::root_key(), &sid, KeyIndex::from_filetime(now), "contoso.com", "contoso.com", true)?;
//! # let value = encrypt::encrypt_credential(&gke, &sid, &LapsCredential::new("Administrator", Password::from("Z,E2q68}"), now), &mut rand_core::OsRng)?;
//! // `value`: the bytes of an msLAPS-EncryptedPassword attribute read over LDAP.
//! let info = parse_encrypted_attribute(&value)?;
//! assert_eq!(info.blob.target_sid.as_deref(), Some(sample::SID));
//!
//! let store = KeyStore::new();
//! store.add_root_key(sample::root_key());
//! let credential = store.decrypt_attribute(&value)?;
//! assert_eq!(credential.account, "Administrator");
//! assert_eq!(credential.password.expose(), "Z,E2q68}");
//! # Ok::<(), laps_crypto::Error>(())
//! ```
//!
//! Layers, bottom up: [`hazmat::kdf`] (SP 800-108, concat KDF) → [`hazmat::seed`] (the GKDI
//! seed-key tree) → [`hazmat::agreement`] (DH / ECDH) → [`hazmat::content`] (KEK, key wrap,
//! GCM) → [`hazmat::cms`], [`key_identifier`], [`gke`], [`hazmat::cng`] (the byte formats) →
//! [`KeyStore`] (selection + caching) and [`encrypt`]. The building blocks a caller should not
//! need are under [`hazmat`], as RustCrypto and rustls keep theirs.
#![forbid(unsafe_code)]

mod attribute;
mod cache;
pub mod cleartext;
mod credential;
mod der;
mod dh;
mod ecmul;
pub mod encrypt;
mod encryptor;
mod envelopes;
mod error;
pub mod gke;
mod guid;
pub mod hazmat;
pub mod key_identifier;
mod keystore;
mod montgomery;
#[cfg(feature = "openssl")]
mod openssl_bn;
mod prf;
mod replay;
mod root_key;
#[cfg(feature = "test-util")]
pub mod sample;
pub mod sid;
#[cfg(test)]
mod test_rng;
mod wire;

// The layers under `hazmat`, by their short paths inside the crate.
use hazmat::{agreement, cms, cng, content, kdf, seed};

pub use attribute::{
    parse_blob, parse_encrypted_attribute, BlobInfo, EncryptedAttributeInfo, KeyIdentifierInfo,
    KeyInfoKind, LapsHeader, RecipientInfo, RecipientKind, HEADER_LEN,
};
pub use cng::SecretAgreement;
pub use credential::LapsCredential;
pub use encrypt::{encrypt_attribute, encrypt_blob, encrypt_credential};
pub use encryptor::{with_randomness, Encryptor, KeyPath, KeySource};
pub use error::{Error, Result};
pub use gke::{EnvelopeInfo, GroupKeyEnvelope};
pub use guid::Guid;
pub use kdf::KdfHash;
pub use key_identifier::{KeyIdentifier, KeyIndex};
pub use keystore::{KeyStore, Plaintext, MAX_KEY_ATTEMPTS, MAX_SID_RECIPIENTS};
pub use laps_core::ErrorKind;
#[cfg(feature = "test-util")]
pub use replay::RecordedRandomness;
pub use root_key::{RootKey, RootKeyAttributes};
pub use sid::Sid;

/// Re-exported so callers can name the RNG traits (and, with the default `os-rng` feature,
/// `rand_core::OsRng`) without another dependency.
pub use rand_core;
