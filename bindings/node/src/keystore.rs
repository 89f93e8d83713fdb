//! `KeyStore`: root keys and Group Key Envelopes in, credentials and plaintexts out,
//! one value at a time or many in parallel (also off the main thread).

use crate::args::{arg, options};
use crate::credential::LapsCredential;
use crate::error::{coded, invalid_arg, JsError, Result};
use crate::guard::{caught, guarded, settle, Caught};
use laps_crypto::{Guid, RootKey, RootKeyAttributes};
use napi::bindgen_prelude::{AsyncTask, Buffer, Either, Uint8Array};
use napi::{Env, Task, Unknown};
use napi_derive::napi;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The `msKds-ProvRootKey` attribute values of a KDS root key. Only the id
/// and the key data are required; the rest default as Windows does (version 1,
/// SP800_108_CTR_HMAC with SHA-512, DH over the RFC 5114 2.3 group, 512/2048-bit keys).
#[napi(object)]
pub struct RootKeyInput {
    /// `cn`: the root key GUID, e.g. `'7dc8f7a1-…'`.
    pub root_key_id: String,
    /// `msKds-RootKeyData` (64 bytes on Windows): the secret.
    pub root_key_data: Uint8Array,
    /// `msKds-Version` (1).
    pub version: Option<u32>,
    /// `msKds-KDFAlgorithmID` (`'SP800_108_CTR_HMAC'`).
    pub kdf_algorithm: Option<String>,
    /// `msKds-KDFParam` (names the hash; SHA-512 when absent).
    pub kdf_parameters: Option<Uint8Array>,
    /// `msKds-SecretAgreementAlgorithmID`: `'DH'`, `'ECDH_P256'` or `'ECDH_P384'`.
    pub secret_agreement_algorithm: Option<String>,
    /// `msKds-SecretAgreementParam` (a DHPM blob for DH; empty for ECDH).
    pub secret_agreement_parameters: Option<Uint8Array>,
    /// `msKds-PrivateKeyLength` in bits.
    pub private_key_length: Option<u32>,
    /// `msKds-PublicKeyLength` in bits.
    pub public_key_length: Option<u32>,
}

impl RootKeyInput {
    pub(crate) fn to_root_key(&self) -> Result<RootKey> {
        let id: Guid = self.root_key_id.parse().map_err(coded)?;
        RootKey::from_attributes(RootKeyAttributes {
            id,
            version: self.version,
            root_key_data: Zeroizing::new(self.root_key_data.to_vec()),
            kdf_algorithm: self.kdf_algorithm.clone(),
            kdf_parameters: self.kdf_parameters.as_ref().map(|b| b.to_vec()),
            secret_agreement_algorithm: self.secret_agreement_algorithm.clone(),
            secret_agreement_parameters: self
                .secret_agreement_parameters
                .as_ref()
                .map(|b| b.to_vec()),
            private_key_length: self.private_key_length,
            public_key_length: self.public_key_length,
        })
        .map_err(coded)
    }
}

/// One result of a batch: the credential, or an `Error` with its `code`.
type BatchItem = Either<LapsCredential, JsError>;

fn batch_items(results: Vec<laps_crypto::Result<laps_crypto::LapsCredential>>) -> Vec<BatchItem> {
    results
        .into_iter()
        .map(|r| match r {
            Ok(c) => Either::A(c.into()),
            Err(e) => Either::B(coded(e)),
        })
        .collect()
}

/// Copies a JS array of byte arrays (validated) into owned buffers.
pub(crate) fn values_of(name: &str, values: Unknown<'_>) -> Result<Vec<Vec<u8>>> {
    let list: Vec<Uint8Array> = arg(name, values)
        .map_err(|_| invalid_arg(format!("{name} must be an array of Uint8Array / Buffer")))?;
    Ok(list.iter().map(|v| v.to_vec()).collect())
}

/// `decryptManyAsync`: the batch on a libuv worker thread (itself fanning out
/// over the rayon pool), so the event loop never blocks.
pub struct DecryptManyTask {
    store: Arc<laps_crypto::KeyStore>,
    values: Vec<Vec<u8>>,
}

impl Task for DecryptManyTask {
    type Output = Caught<Vec<laps_crypto::Result<laps_crypto::LapsCredential>>>;
    type JsValue = Vec<BatchItem>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let values = std::mem::take(&mut self.values);
        Ok(caught(|| self.store.decrypt_many(&values)))
    }

    /// A caught panic (a winlaps bug) rejects the promise with `LAPS_INTERNAL`.
    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        settle(&env, output.map(|results| Ok(batch_items(results))))
    }
}

/// Keys and cached derivations for decrypting LAPS attributes and DPAPI-NG
/// blobs. Add KDS root keys and/or Group Key Envelopes, then decrypt; derived
/// seed keys are cached, so a domain dump pays each derivation once.
#[napi]
pub struct KeyStore {
    inner: Arc<laps_crypto::KeyStore>,
}

impl KeyStore {
    /// The Rust store (for `readComputer`).
    pub(crate) fn store(&self) -> &laps_crypto::KeyStore {
        &self.inner
    }

    /// The shared Rust store (for the live-key tasks, which outlive the call).
    pub(crate) fn shared(&self) -> Arc<laps_crypto::KeyStore> {
        Arc::clone(&self.inner)
    }
}

#[napi]
impl KeyStore {
    /// An empty store.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        KeyStore {
            inner: Arc::new(laps_crypto::KeyStore::new()),
        }
    }

    /// Adds (or replaces) a KDS root key from its `msKds-ProvRootKey` attributes.
    #[napi(ts_args_type = "rootKey: RootKeyInput")]
    pub fn add_root_key(&self, root_key: Unknown<'_>) -> Result<()> {
        guarded(|| {
            let input: RootKeyInput =
                options("rootKey", root_key)?.ok_or_else(|| invalid_arg("rootKey is required"))?;
            self.inner.add_root_key(input.to_root_key()?);
            Ok(())
        })
    }

    /// Adds a Group Key Envelope (an MS-GKDI GetKey answer). Only seed
    /// envelopes (what members of the target group get) can decrypt.
    #[napi(ts_args_type = "gke: Uint8Array")]
    pub fn add_group_key_envelope(&self, gke: Unknown<'_>) -> Result<()> {
        guarded(|| {
            let bytes: &[u8] = arg("gke", gke)?;
            self.inner
                .add_group_key_envelope_bytes(bytes)
                .map_err(coded)
        })
    }

    /// Decrypts one `msLAPS-EncryptedPassword` / `…History` / `…DSRMPassword` value.
    #[napi(ts_args_type = "value: Uint8Array")]
    pub fn decrypt_attribute(&self, value: Unknown<'_>) -> Result<LapsCredential> {
        guarded(|| {
            let bytes: &[u8] = arg("value", value)?;
            self.inner
                .decrypt_attribute(bytes)
                .map(LapsCredential::from)
                .map_err(coded)
        })
    }

    /// Decrypts a generic DPAPI-NG blob (`NCryptProtectSecret` output) to its plaintext bytes.
    #[napi(ts_args_type = "blob: Uint8Array")]
    pub fn decrypt_blob(&self, blob: Unknown<'_>) -> Result<Buffer> {
        guarded(|| {
            let bytes: &[u8] = arg("blob", blob)?;
            let plaintext = self.inner.decrypt_blob(bytes).map_err(coded)?;
            Ok(Buffer::from(plaintext.as_bytes()))
        })
    }

    /// Decrypts many attribute values in parallel: one result per input, in
    /// order, each a `LapsCredential` or an `Error` with its `code`; one bad
    /// value never fails the batch. Blocks the calling thread: on a server use
    /// `decryptManyAsync`.
    #[napi(
        ts_args_type = "values: Uint8Array[]",
        ts_return_type = "Array<LapsCredential | LapsError>"
    )]
    pub fn decrypt_many(&self, values: Unknown<'_>) -> Result<Vec<BatchItem>> {
        guarded(|| {
            let values = values_of("values", values)?;
            Ok(batch_items(self.inner.decrypt_many(&values)))
        })
    }

    /// `decryptMany` off the main thread: the values are copied, decrypted on
    /// a worker thread (in parallel), and the promise resolves to the results.
    #[napi(
        ts_args_type = "values: Uint8Array[]",
        ts_return_type = "Promise<Array<LapsCredential | LapsError>>"
    )]
    pub fn decrypt_many_async(&self, values: Unknown<'_>) -> Result<AsyncTask<DecryptManyTask>> {
        guarded(|| {
            Ok(AsyncTask::new(DecryptManyTask {
                store: Arc::clone(&self.inner),
                values: values_of("values", values)?,
            }))
        })
    }
}
