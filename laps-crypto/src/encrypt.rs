//! Encryption: what the LAPS client (or `NCryptProtectSecret`) does with a group key envelope.
//!
//! Randomness comes from the caller's RNG and is drawn in this order (so a recorded stream
//! reproduces a blob byte for byte): the 32-byte CEK, the 12-byte GCM nonce, then either the
//! ephemeral private key (⌈PrivateKeyLength/8⌉ bytes; redrawn if out of range for ECDH) or the
//! 32-byte KDF context nonce of the private-key path.

use crate::agreement;
use crate::attribute::LapsHeader;
use crate::cms::{write_blob, GCM_NONCE_LEN};
use crate::content::{gcm_encrypt, private_kek, public_kek, wrap_cek};
use crate::gke::{GkeL2, GroupKeyEnvelope};
use crate::key_identifier::{KeyIdentifier, KeyInfo};
use crate::{Error, LapsCredential, Result, Sid};
use laps_core::FileTime;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// Maximum redraws of an out-of-range ECDH ephemeral scalar (probability ≈ 2⁻³² each).
const MAX_REDRAWS: usize = 16;

/// Encrypts a generic DPAPI-NG blob (`NCryptProtectSecret` layout: ciphertext inside the CMS)
/// for `SID=<sid>`.
pub fn encrypt_blob<R: RngCore + CryptoRng>(
    key: &GroupKeyEnvelope,
    sid: &Sid,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>> {
    let sealed = seal(key, plaintext, rng)?;
    Ok(write_blob(
        &sealed.key_identifier,
        sid,
        &sealed.wrapped,
        &sealed.nonce,
        Some(&sealed.ciphertext),
    ))
}

/// Encrypts an attribute value (`msLAPS-EncryptedPassword`, a history value, or a DSRM value):
/// header (update time, size, 0) + CMS without content + `ciphertext ‖ tag`.
/// `plaintext` is used as given (see [`encrypt_credential`] for the Windows JSON).
pub fn encrypt_attribute<R: RngCore + CryptoRng>(
    key: &GroupKeyEnvelope,
    sid: &Sid,
    update_time: FileTime,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>> {
    let sealed = seal(key, plaintext, rng)?;
    let cms = write_blob(
        &sealed.key_identifier,
        sid,
        &sealed.wrapped,
        &sealed.nonce,
        None,
    );
    let size = cms.len() + sealed.ciphertext.len();
    let header = LapsHeader {
        update_time,
        encrypted_size: u32::try_from(size)
            .map_err(|_| Error::InvalidInput("plaintext too long".into()))?,
        reserved: 0,
    };
    let mut out = Vec::with_capacity(16 + size);
    out.extend_from_slice(&header.to_bytes());
    out.extend_from_slice(&cms);
    out.extend_from_slice(&sealed.ciphertext);
    Ok(out)
}

/// Encrypts a credential exactly as Windows LAPS: UTF-16LE compact JSON + NUL, header time =
/// the credential's update time.
pub fn encrypt_credential<R: RngCore + CryptoRng>(
    key: &GroupKeyEnvelope,
    sid: &Sid,
    credential: &LapsCredential,
    rng: &mut R,
) -> Result<Vec<u8>> {
    encrypt_attribute(
        key,
        sid,
        credential.update_time,
        &credential.to_plaintext(),
        rng,
    )
}

struct Sealed {
    key_identifier: Vec<u8>,
    wrapped: [u8; 40],
    nonce: [u8; GCM_NONCE_LEN],
    ciphertext: Vec<u8>,
}

fn fill<R: RngCore>(rng: &mut R, buf: &mut [u8]) -> Result<()> {
    rng.try_fill_bytes(buf).map_err(|_| Error::Rng)
}

fn seal<R: RngCore + CryptoRng>(
    key: &GroupKeyEnvelope,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Sealed> {
    let mut cek = Zeroizing::new([0u8; 32]);
    fill(rng, &mut cek[..])?;
    let mut nonce = [0u8; GCM_NONCE_LEN];
    fill(rng, &mut nonce)?;
    let (key_info, kek) = match &key.l2 {
        Some(GkeL2::PublicKey(group_public)) => {
            let len = (key.private_key_bits as usize).div_ceil(8);
            let mut ephemeral = Zeroizing::new(vec![0u8; len]);
            let mut public = None;
            for _ in 0..MAX_REDRAWS {
                fill(rng, &mut ephemeral)?;
                match agreement::public_key(key.secret_agreement, key.dh_group.as_ref(), &ephemeral)
                {
                    Ok(pk) => {
                        public = Some(pk);
                        break;
                    }
                    Err(Error::InvalidKey(_)) if key.dh_group.is_none() => continue,
                    Err(e) => return Err(e),
                }
            }
            let public = public.ok_or(Error::Rng)?;
            let z = agreement::shared_secret(&ephemeral, group_public)?;
            let kek = public_kek(
                key.kdf_hash,
                &agreement::concat_kdf_output(key.secret_agreement, &z),
            );
            (KeyInfo::PublicKey(public), kek)
        }
        Some(GkeL2::Seed(_)) | None => {
            let l2 = key.l2_seed(key.index).ok_or(Error::InvalidKey(
                "the group key envelope holds no key for its own index",
            ))?;
            let mut context = vec![0u8; 32];
            fill(rng, &mut context)?;
            let kek = private_kek(key.kdf_hash, &l2, &context);
            (KeyInfo::Nonce(context), kek)
        }
    };
    let key_identifier = KeyIdentifier {
        version: 1,
        flags: key.flags,
        root_key_id: key.root_key_id,
        index: key.index,
        key_info,
        domain_name: key.domain_name.clone(),
        forest_name: key.forest_name.clone(),
    }
    .to_bytes();
    Ok(Sealed {
        key_identifier,
        wrapped: wrap_cek(&kek, &cek)?,
        nonce,
        ciphertext: gcm_encrypt(&cek, &nonce, plaintext)?,
    })
}
