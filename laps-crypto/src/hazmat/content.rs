//! The KEKs, the RFC 3394 key wrap of the CEK, and AES-256-GCM of the content.

use crate::cms::{GCM_NONCE_LEN, GCM_TAG_LEN, WRAPPED_KEY_LEN};
use crate::kdf::{sp800_108, KdfHash, KDS_PUBLIC_KEY, KDS_SERVICE_LABEL};
use crate::seed::SeedKey;
use crate::{Error, Result};
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit};
use zeroize::Zeroizing;

/// A 256-bit key (KEK or CEK), zeroized on drop.
pub type Key256 = Zeroizing<[u8; 32]>;

fn key256(v: &[u8]) -> Key256 {
    let mut k = Zeroizing::new([0u8; 32]);
    k.copy_from_slice(&v[..32]);
    k
}

/// Private-key path: `KEK = KDF(L2seed, "KDS service", key_info nonce, 32)`.
pub fn private_kek(hash: KdfHash, l2_seed: &SeedKey, nonce: &[u8]) -> Key256 {
    key256(&sp800_108(
        hash,
        l2_seed.as_bytes(),
        KDS_SERVICE_LABEL,
        nonce,
        32,
    ))
}

/// Public-key path: `KEK = KDF(S, "KDS service", "KDS public key\0", 32)` where `S` is the
/// concatenation-KDF output.
pub fn public_kek(hash: KdfHash, concat_output: &[u8]) -> Key256 {
    key256(&sp800_108(
        hash,
        concat_output,
        KDS_SERVICE_LABEL,
        KDS_PUBLIC_KEY,
        32,
    ))
}

/// The AES-256 key-wrap cipher for a KEK, keyed from the caller's buffer (no copy of the key on
/// the stack); its round keys are wiped on drop (`aes` is built with `zeroize`).
fn kek_cipher(kek: &[u8; 32]) -> Result<aes_kw::KekAes256> {
    aes_kw::KekAes256::try_from(&kek[..]).map_err(|_| Error::InvalidKey("AES key wrap key"))
}

/// RFC 3394 unwrap of the 40-byte `encryptedKey`; any failure is [`Error::DecryptionFailed`].
pub fn unwrap_cek(kek: &[u8; 32], wrapped: &[u8]) -> Result<Key256> {
    if wrapped.len() != WRAPPED_KEY_LEN {
        return Err(Error::DecryptionFailed);
    }
    let mut cek = Zeroizing::new([0u8; 32]);
    kek_cipher(kek)?
        .unwrap(wrapped, &mut cek[..])
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(cek)
}

/// RFC 3394 wrap of a 32-byte CEK.
pub fn wrap_cek(kek: &[u8; 32], cek: &[u8; 32]) -> Result<[u8; WRAPPED_KEY_LEN]> {
    let mut out = [0u8; WRAPPED_KEY_LEN];
    kek_cipher(kek)?
        .wrap(cek, &mut out)
        .map_err(|_| Error::InvalidKey("AES key wrap failed"))?;
    Ok(out)
}

/// AES-256-GCM decryption of `ciphertext ‖ tag` (no AAD); a bad tag is [`Error::DecryptionFailed`].
pub fn gcm_decrypt(
    cek: &[u8; 32],
    nonce: &[u8; GCM_NONCE_LEN],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    if ciphertext.len() < GCM_TAG_LEN {
        return Err(Error::DecryptionFailed);
    }
    let cipher = Aes256Gcm::new(cek.into());
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    cipher
        .decrypt_in_place(nonce.into(), &[], &mut *buf)
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(buf)
}

/// AES-256-GCM encryption; returns `ciphertext ‖ tag`.
pub fn gcm_encrypt(
    cek: &[u8; 32],
    nonce: &[u8; GCM_NONCE_LEN],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let cipher = Aes256Gcm::new(cek.into());
    // Room for the tag up front: the buffer holds the plaintext until it is encrypted in place.
    let mut buf = Vec::with_capacity(plaintext.len() + GCM_TAG_LEN);
    buf.extend_from_slice(plaintext);
    cipher
        .encrypt_in_place(nonce.into(), &[], &mut buf)
        .map_err(|_| Error::InvalidInput("content too long for AES-GCM".into()))?;
    Ok(buf)
}
