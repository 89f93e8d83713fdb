//! `KeyStore`, `LapsCredential`, `encryptAttribute` / `encryptBlob` and
//! `parseEncryptedAttribute` (laps-crypto).

use crate::args::{arg, options};
use crate::error::{invalid_arg, laps_error, ErrorCode, JsError, Result};
use crate::guard::guarded;
use crate::time::{from_date, to_date};
use chrono::{DateTime, Utc};
use laps_core::{FileTime, Password};
use laps_crypto::{GroupKeyEnvelope, Guid, KeyIndex, RootKey, RootKeyAttributes, Sid};
use napi::bindgen_prelude::{AsyncTask, BigInt, Buffer, Either, Uint8Array};
use napi::{Env, Task, Unknown};
use napi_derive::napi;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The most values one `decryptMany` call takes.
pub const MAX_BATCH: usize = 10_000_000;

/// Maps a laps-crypto error to its stable code. The crate's messages never hold secrets.
pub(crate) fn crypto_error(e: laps_crypto::Error) -> JsError {
    use laps_crypto::Error as E;
    let code = match e {
        E::Malformed { .. } => ErrorCode::Format,
        E::UnsupportedProtector(_) | E::UnsupportedAlgorithm(_) => ErrorCode::Unsupported,
        E::UnknownRootKey { .. } | E::KeyNotCovered { .. } => ErrorCode::KeyNotFound,
        E::DecryptionFailed => ErrorCode::DecryptFailed,
        E::InvalidKey(_) | E::InvalidInput(_) => ErrorCode::InvalidArg,
        _ => ErrorCode::Internal,
    };
    laps_error(code, e.to_string())
}

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
    fn to_root_key(&self) -> Result<RootKey> {
        let id: Guid = self
            .root_key_id
            .parse()
            .map_err(|_| invalid_arg(format!("rootKeyId {:?} is not a GUID", self.root_key_id)))?;
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
        .map_err(crypto_error)
    }
}

/// A managed account's credential: what every decryption ends with.
///
/// The password is held in native memory (zeroized when the object is
/// collected) and read only through the explicit `password` getter:
/// `console.log(cred)`, `JSON.stringify(cred)` and `String(cred)` never show it.
#[napi]
pub struct LapsCredential {
    inner: laps_crypto::LapsCredential,
}

#[napi]
impl LapsCredential {
    /// The managed account name (`n`).
    #[napi(getter)]
    pub fn account(&self) -> String {
        self.inner.account.clone()
    }

    /// The clear-text password (`p`). Reading it is the one explicit step.
    #[napi(getter)]
    pub fn password(&self) -> String {
        self.inner.password.expose().to_owned()
    }

    /// When the password was set (`t`), as a `Date` (millisecond precision).
    #[napi(getter)]
    pub fn update_time(&self) -> DateTime<Utc> {
        to_date(self.inner.update_time)
    }

    /// When the password was set, as exact FILETIME ticks (100 ns since 1601).
    #[napi(getter)]
    pub fn update_filetime(&self) -> BigInt {
        BigInt::from(self.inner.update_time.ticks())
    }

    /// The JSON form without the password: `{ account, updateTime, password: '<redacted>' }`.
    #[napi(
        js_name = "toJSON",
        ts_return_type = "{ account: string, updateTime: string, password: '<redacted>' }"
    )]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "account": self.inner.account,
            "updateTime": self.inner.update_time.to_rfc3339(),
            "password": "<redacted>",
        })
    }

    /// `LapsCredential(account=…, updateTime=…, password=<redacted>)`.
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!(
            "LapsCredential(account={}, updateTime={}, password=<redacted>)",
            self.inner.account,
            self.inner.update_time.to_rfc3339()
        )
    }
}

impl From<laps_crypto::LapsCredential> for LapsCredential {
    fn from(inner: laps_crypto::LapsCredential) -> Self {
        LapsCredential { inner }
    }
}

/// One result of a batch: the credential, or an `Error` with its `code`.
type BatchItem = Either<LapsCredential, JsError>;

fn batch_items(results: Vec<laps_crypto::Result<laps_crypto::LapsCredential>>) -> Vec<BatchItem> {
    results
        .into_iter()
        .map(|r| match r {
            Ok(c) => Either::A(c.into()),
            Err(e) => Either::B(crypto_error(e)),
        })
        .collect()
}

/// Copies a JS array of byte arrays (validated) into owned buffers.
fn values_of(name: &str, values: Unknown<'_>) -> Result<Vec<Vec<u8>>> {
    let list: Vec<Uint8Array> = arg(name, values)
        .map_err(|_| invalid_arg(format!("{name} must be an array of Uint8Array / Buffer")))?;
    if list.len() > MAX_BATCH {
        return Err(invalid_arg(format!(
            "{name} holds more than {MAX_BATCH} values"
        )));
    }
    Ok(list.iter().map(|v| v.to_vec()).collect())
}

/// `decryptManyAsync`: the batch on a libuv worker thread (itself fanning out
/// over the rayon pool), so the event loop never blocks.
pub struct DecryptManyTask {
    store: Arc<laps_crypto::KeyStore>,
    values: Vec<Vec<u8>>,
}

/// What the worker thread hands back: the per-value results, or a caught panic.
pub enum DecryptManyOutcome {
    /// One result per value.
    Done(Vec<laps_crypto::Result<laps_crypto::LapsCredential>>),
    /// The native code panicked (a winlaps bug): every value reports `LAPS_INTERNAL`.
    Panicked(usize),
}

impl Task for DecryptManyTask {
    type Output = DecryptManyOutcome;
    type JsValue = Vec<BatchItem>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let values = std::mem::take(&mut self.values);
        let n = values.len();
        let store = &self.store;
        Ok(
            catch_unwind(AssertUnwindSafe(|| store.decrypt_many(&values)))
                .map_or(DecryptManyOutcome::Panicked(n), DecryptManyOutcome::Done),
        )
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(match output {
            DecryptManyOutcome::Done(results) => batch_items(results),
            DecryptManyOutcome::Panicked(n) => (0..n)
                .map(|_| {
                    Either::B(laps_error(
                        ErrorCode::Internal,
                        "internal error: the native code panicked (this is a winlaps bug)",
                    ))
                })
                .collect(),
        })
    }
}

/// Keys and cached derivations for decrypting LAPS attributes and DPAPI-NG
/// blobs. Add KDS root keys and/or Group Key Envelopes, then decrypt; derived
/// seed keys are cached, so a domain dump pays each derivation once.
#[napi]
pub struct KeyStore {
    inner: Arc<laps_crypto::KeyStore>,
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
                .map_err(crypto_error)
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
                .map_err(crypto_error)
        })
    }

    /// Decrypts a generic DPAPI-NG blob (`NCryptProtectSecret` output) to its plaintext bytes.
    #[napi(ts_args_type = "blob: Uint8Array")]
    pub fn decrypt_blob(&self, blob: Unknown<'_>) -> Result<Buffer> {
        guarded(|| {
            let bytes: &[u8] = arg("blob", blob)?;
            let plaintext = self.inner.decrypt_blob(bytes).map_err(crypto_error)?;
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

/// What to encrypt and with which key.
#[napi(object)]
pub struct EncryptOptions {
    /// The target principal's SID (`SID=` protector), e.g. Domain Admins `'S-1-5-21-…-512'`.
    pub sid: String,
    /// Key source 1: a Group Key Envelope (what GetKey returns to the LAPS client).
    pub group_key_envelope: Option<Uint8Array>,
    /// Key source 2: a KDS root key; the envelope is derived at the key index of `updateTime`.
    pub root_key: Option<RootKeyInput>,
    /// With `rootKey`: derive a public-key envelope (the path every LAPS client uses; default
    /// true) or a seed envelope (private-key path).
    pub public_key: Option<bool>,
    /// With `rootKey`: the DNS domain name written into the key identifier (default `'contoso.com'`).
    pub domain: Option<String>,
    /// With `rootKey`: the DNS forest name (default: the domain).
    pub forest: Option<String>,
    /// `encryptAttribute`: the managed account (`n`) of the credential.
    pub account: Option<String>,
    /// `encryptAttribute`: the password (`p`) of the credential.
    pub password: Option<String>,
    /// Raw plaintext instead of a credential (`encryptBlob` always takes this).
    pub plaintext: Option<Uint8Array>,
    /// When the password was set: the header time and `t` (default now). A `bigint` is exact
    /// FILETIME ticks.
    pub update_time: Option<Either<DateTime<Utc>, BigInt>>,
    /// **Tests only**: the random bytes to use instead of the OS random source, consumed in
    /// order (CEK, GCM nonce, then the ephemeral key or KDF nonce), to reproduce a recorded
    /// value byte for byte. Running out is an error.
    pub randomness: Option<Uint8Array>,
}

/// An RNG that replays recorded bytes (for reproducing vectors). It claims
/// `CryptoRng` only so the encryptor accepts it; it is reachable solely
/// through the documented test-only `randomness` option.
struct Replay {
    bytes: Zeroizing<Vec<u8>>,
    pos: usize,
}

impl rand_core::RngCore for Replay {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // Running out zero-fills; `try_fill_bytes` (what the encryptor calls) reports it instead.
        if self.try_fill_bytes(dest).is_err() {
            dest.fill(0);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        let end = self
            .pos
            .checked_add(dest.len())
            .filter(|&e| e <= self.bytes.len());
        match end.and_then(|e| self.bytes.get(self.pos..e)) {
            Some(src) => {
                dest.copy_from_slice(src);
                self.pos += dest.len();
                Ok(())
            }
            None => Err(rand_core::Error::from(
                core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START)
                    .unwrap_or(core::num::NonZeroU32::MIN),
            )),
        }
    }
}

impl rand_core::CryptoRng for Replay {}

impl EncryptOptions {
    fn update_time(&self) -> Result<FileTime> {
        match &self.update_time {
            None => from_date("updateTime", &Utc::now()),
            Some(Either::A(d)) => from_date("updateTime", d),
            Some(Either::B(b)) => match (b.sign_bit, b.words.as_slice()) {
                (false, [w]) => Ok(FileTime::from_ticks(*w)),
                (_, []) => Ok(FileTime::from_ticks(0)),
                _ => Err(invalid_arg(
                    "updateTime must be a non-negative 64-bit FILETIME",
                )),
            },
        }
    }

    fn sid(&self) -> Result<Sid> {
        self.sid
            .parse()
            .map_err(|_| invalid_arg(format!("sid {:?} is not a SID (S-1-…)", self.sid)))
    }

    /// The envelope to encrypt with: the given one, or one derived from the root key at `t`.
    fn envelope(&self, sid: &Sid, t: FileTime) -> Result<GroupKeyEnvelope> {
        match (&self.group_key_envelope, &self.root_key) {
            (Some(gke), None) => GroupKeyEnvelope::parse(gke).map_err(crypto_error),
            (None, Some(root)) => {
                let domain = self.domain.as_deref().unwrap_or("contoso.com");
                GroupKeyEnvelope::from_root_key(
                    &root.to_root_key()?,
                    sid,
                    KeyIndex::from_filetime(t),
                    domain,
                    self.forest.as_deref().unwrap_or(domain),
                    self.public_key.unwrap_or(true),
                )
                .map_err(crypto_error)
            }
            _ => Err(invalid_arg(
                "give exactly one of groupKeyEnvelope and rootKey",
            )),
        }
    }

    /// Runs `f` with the RNG the options ask for.
    fn with_rng<T>(&self, f: impl FnOnce(&mut dyn RngBox) -> laps_crypto::Result<T>) -> Result<T> {
        match &self.randomness {
            None => f(&mut rand_core::OsRng).map_err(crypto_error),
            Some(bytes) => {
                let mut rng = Replay {
                    bytes: Zeroizing::new(bytes.to_vec()),
                    pos: 0,
                };
                f(&mut rng).map_err(|e| match e {
                    laps_crypto::Error::Rng => invalid_arg("randomness ran out"),
                    e => crypto_error(e),
                })
            }
        }
    }
}

/// An object-safe cryptographic RNG.
trait RngBox: rand_core::RngCore + rand_core::CryptoRng {}
impl<T: rand_core::RngCore + rand_core::CryptoRng> RngBox for T {}

fn encrypt_options(opts: Unknown<'_>) -> Result<EncryptOptions> {
    options("opts", opts)?.ok_or_else(|| invalid_arg("opts is required"))
}

/// Encrypts a LAPS credential (or raw `plaintext`) into an
/// `msLAPS-EncryptedPassword` value exactly as Windows writes it: the 16-byte
/// header, the DPAPI-NG CMS for `SID=<sid>`, then the AES-256-GCM ciphertext.
/// The credential becomes Windows' compact JSON `{"n","t","p"}` in UTF-16LE + NUL.
/// The same bytes serve for history and DSRM values.
#[napi(ts_args_type = "opts: EncryptOptions")]
pub fn encrypt_attribute(opts: Unknown<'_>) -> Result<Buffer> {
    guarded(|| {
        let o = encrypt_options(opts)?;
        let sid = o.sid()?;
        let t = o.update_time()?;
        let gke = o.envelope(&sid, t)?;
        let plaintext = match (&o.plaintext, &o.account, &o.password) {
            (Some(p), None, None) => Zeroizing::new(p.to_vec()),
            (None, Some(account), Some(password)) => laps_crypto::LapsCredential::new(
                account.clone(),
                Password::from(password.as_str()),
                t,
            )
            .to_plaintext(),
            _ => {
                return Err(invalid_arg(
                    "give either account and password, or plaintext",
                ))
            }
        };
        let value = o.with_rng(|rng| {
            laps_crypto::encrypt_attribute(&gke, &sid, t, &plaintext, &mut &mut *rng)
        })?;
        Ok(Buffer::from(value))
    })
}

/// Encrypts `plaintext` into a generic DPAPI-NG blob (`NCryptProtectSecret`
/// layout: the ciphertext inside the CMS) for `SID=<sid>`.
#[napi(ts_args_type = "opts: EncryptOptions & { plaintext: Uint8Array }")]
pub fn encrypt_blob(opts: Unknown<'_>) -> Result<Buffer> {
    guarded(|| {
        let o = encrypt_options(opts)?;
        let sid = o.sid()?;
        let plaintext = o
            .plaintext
            .as_ref()
            .ok_or_else(|| invalid_arg("encryptBlob needs plaintext"))?;
        let gke = o.envelope(&sid, o.update_time()?)?;
        let blob =
            o.with_rng(|rng| laps_crypto::encrypt_blob(&gke, &sid, plaintext, &mut &mut *rng))?;
        Ok(Buffer::from(blob))
    })
}

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
        path: k.path.to_owned(),
        key_info_kind: k.key_info_kind.to_owned(),
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
                kind: r.kind.to_owned(),
                descriptor: r.descriptor.clone(),
                key: r.key.as_ref().map(key_info),
            })
            .collect(),
        content_detached: b.content_detached,
        ciphertext_length: u32::try_from(b.ciphertext_len).unwrap_or(u32::MAX),
        gcm_nonce: Buffer::from(
            hex_decode(&b.gcm_nonce_hex)
                .ok_or_else(|| laps_error(ErrorCode::Internal, "bad nonce hex"))?,
        ),
    })
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
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

/// Reads a clear-text `msLAPS-Password` JSON `{"n","t","p"}` (tolerant: any
/// field order, escaped or not, `t` in either case).
#[napi(ts_args_type = "json: string")]
pub fn parse_laps_password_json(json: Unknown<'_>) -> Result<LapsCredential> {
    guarded(|| {
        let json = Zeroizing::new(arg::<String>("json", json)?);
        laps_crypto::LapsCredential::from_json(&json)
            .map(LapsCredential::from)
            .map_err(crypto_error)
    })
}

/// Reads a legacy `ms-Mcs-AdmPwd` value (the bare password, UTF-8).
#[napi(ts_args_type = "value: Uint8Array | string")]
pub fn parse_legacy_password(value: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let bytes = match value.get_type() {
            Ok(napi::ValueType::String) => {
                Zeroizing::new(arg::<String>("value", value)?.into_bytes())
            }
            _ => Zeroizing::new(arg::<&[u8]>("value", value)?.to_vec()),
        };
        let p = laps_crypto::cleartext::parse_legacy_password(&bytes).map_err(crypto_error)?;
        Ok(p.expose().to_owned())
    })
}

/// Reads `msLAPS-PasswordExpirationTime` / `ms-Mcs-AdmPwdExpirationTime` (a
/// decimal FILETIME string); `"0"` gives `null`.
#[napi(ts_args_type = "value: string")]
pub fn parse_expiration_time(value: Unknown<'_>) -> Result<Option<DateTime<Utc>>> {
    guarded(|| {
        let s: String = arg("value", value)?;
        Ok(laps_crypto::cleartext::parse_expiration_time(&s)
            .map_err(crypto_error)?
            .map(to_date))
    })
}

/// Decodes Microsoft Graph `deviceLocalCredentials[].passwordBase64`.
///
/// UNCERTAIN upstream: Microsoft's example is UTF-16LE, some scripts use
/// UTF-8; bytes with a zero byte, of even length and valid as UTF-16LE are
/// read as UTF-16LE, anything else as UTF-8 (the laps-crypto rule).
#[napi(ts_args_type = "passwordBase64: string")]
pub fn decode_graph_password(password_base64: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let s: String = arg("passwordBase64", password_base64)?;
        let g = laps_crypto::cleartext::decode_graph_password(&s).map_err(crypto_error)?;
        Ok(g.password.expose().to_owned())
    })
}
