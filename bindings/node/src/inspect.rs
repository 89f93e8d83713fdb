//! `parseEncryptedAttribute`, `parseBlob` and `parseGroupKeyEnvelope`: what a value or a
//! GetKey answer says before any key is involved.

use crate::args::arg;
use crate::error::{crypto_error, Result};
use crate::guard::guarded;
use crate::plain::to_js;
use crate::time::to_date;
use chrono::{DateTime, Utc};
use laps_core::FileTime;
use napi::bindgen_prelude::{BigInt, Buffer};
use napi::{Env, Unknown};
use napi_derive::napi;

/// The GKDI key identifier of a blob: which root key and L0/L1/L2 to fetch.
#[napi(object)]
pub struct KeyIdentifierInfo {
    /// KeyIdentifier version (1).
    pub version: u32,
    /// Flags (bit 0: public-key path).
    pub flags: u32,
    /// The KDS root key GUID.
    pub root_key_id: String,
    /// L0 index.
    pub l0: i32,
    /// L1 index.
    pub l1: i32,
    /// L2 index.
    pub l2: i32,
    /// `'public_key'` (every LAPS client) or `'private_key'`.
    pub path: String,
    /// What the key info holds (`'DHPB'`, `'ECK1'`, `'ECK3'`, `'kdf_context_nonce'`).
    pub key_info_kind: String,
    /// Length of the key info in bytes.
    pub key_info_length: u32,
    /// DNS domain name.
    pub domain_name: String,
    /// DNS forest name.
    pub forest_name: String,
}

/// One recipient of the CMS.
#[napi(object)]
pub struct RecipientInfo {
    /// The recipient kind (e.g. `'kek'`).
    pub kind: String,
    /// Its protection descriptor.
    pub descriptor: String,
    /// Its key identifier, when it has one.
    pub key: Option<KeyIdentifierInfo>,
}

/// The DPAPI-NG blob inside an encrypted attribute.
#[napi(object)]
pub struct BlobInfo {
    /// The protection descriptor, e.g. `'SID=S-1-5-21-…-512'`.
    pub protection_descriptor: String,
    /// The target SID of a single `SID=` protector.
    pub target_sid: Option<String>,
    /// The key identifier: what to fetch before decrypting.
    pub key: Option<KeyIdentifierInfo>,
    /// Every recipient (several for an OR descriptor).
    pub recipients: Vec<RecipientInfo>,
    /// True when the ciphertext follows the CMS (LAPS) rather than sitting inside it.
    pub content_detached: bool,
    /// Ciphertext length in bytes (tag included).
    pub ciphertext_length: u32,
    /// The AES-GCM nonce.
    pub gcm_nonce: Buffer,
}

/// What an `msLAPS-EncryptedPassword` value says before any key is involved.
#[napi(object)]
pub struct EncryptedAttributeInfo {
    /// Header time: when the password was set (millisecond precision).
    pub update_time: DateTime<Utc>,
    /// Header time as exact FILETIME ticks.
    pub update_filetime: BigInt,
    /// Header size field: bytes after the header.
    pub encrypted_size: u32,
    /// Header reserved field (0).
    pub reserved: u32,
    /// The blob.
    pub blob: BlobInfo,
}

fn key_info(k: &laps_crypto::KeyIdentifierInfo) -> KeyIdentifierInfo {
    KeyIdentifierInfo {
        version: k.version,
        flags: k.flags,
        root_key_id: k.root_key_id.to_string(),
        l0: k.l0,
        l1: k.l1,
        l2: k.l2,
        path: k.path.as_str().to_owned(),
        key_info_kind: k.key_info_kind.as_str().to_owned(),
        key_info_length: u32::try_from(k.key_info_len).unwrap_or(u32::MAX),
        domain_name: k.domain_name.clone(),
        forest_name: k.forest_name.clone(),
    }
}

fn blob_info(b: &laps_crypto::BlobInfo) -> Result<BlobInfo> {
    Ok(BlobInfo {
        protection_descriptor: b.protection_descriptor.clone(),
        target_sid: b.target_sid.clone(),
        key: b.key.as_ref().map(key_info),
        recipients: b
            .recipients
            .iter()
            .map(|r| RecipientInfo {
                kind: r.kind.as_str().to_owned(),
                descriptor: r.descriptor.clone(),
                key: r.key.as_ref().map(key_info),
            })
            .collect(),
        content_detached: b.content_detached,
        ciphertext_length: u32::try_from(b.ciphertext_len).unwrap_or(u32::MAX),
        gcm_nonce: Buffer::from(b.gcm_nonce.to_vec()),
    })
}

/// Reads an `msLAPS-EncryptedPassword` (or history / DSRM) value without any
/// key: the update time, the root key id and L0/L1/L2 to fetch, the path,
/// the target SID, the domain and the forest.
#[napi(ts_args_type = "value: Uint8Array")]
pub fn parse_encrypted_attribute(value: Unknown<'_>) -> Result<EncryptedAttributeInfo> {
    guarded(|| {
        let bytes: &[u8] = arg("value", value)?;
        let info = laps_crypto::parse_encrypted_attribute(bytes).map_err(crypto_error)?;
        let t = FileTime::from_ticks(info.update_filetime);
        Ok(EncryptedAttributeInfo {
            update_time: to_date(t),
            update_filetime: BigInt::from(t.ticks()),
            encrypted_size: info.encrypted_size,
            reserved: info.reserved,
            blob: blob_info(&info.blob)?,
        })
    })
}

/// Reads a generic DPAPI-NG blob without any key (what to fetch before `decryptBlob`).
#[napi(ts_args_type = "blob: Uint8Array")]
pub fn parse_blob(blob: Unknown<'_>) -> Result<BlobInfo> {
    guarded(|| {
        let bytes: &[u8] = arg("blob", blob)?;
        blob_info(&laps_crypto::parse_blob(bytes).map_err(crypto_error)?)
    })
}

/// Reads a Group Key Envelope (`GetKey`'s answer, or `makeGroupKeyEnvelope`'s output): which
/// root key and L0/L1/L2 it is for, its kind and its names. No key material is returned.
#[napi(
    ts_args_type = "data: Uint8Array",
    ts_return_type = "GroupKeyEnvelopeInfo"
)]
pub fn parse_group_key_envelope<'env>(env: &'env Env, data: Unknown<'_>) -> Result<Unknown<'env>> {
    guarded(|| {
        let bytes: &[u8] = arg("data", data)?;
        let info = (laps_crypto::GroupKeyEnvelope::parse(bytes).map_err(crypto_error)?).info();
        to_js(env, &info)
    })
}
