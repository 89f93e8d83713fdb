//! `encryptAttribute` and `encryptBlob`: what the LAPS client (or `NCryptProtectSecret`)
//! writes; `makeGroupKeyEnvelope`: what a domain controller answers GetKey with.

use crate::args::options;
use crate::error::{coded, invalid_arg, Result};
use crate::guard::guarded;
use crate::keystore::RootKeyInput;
use crate::time::{from_date, now};
use chrono::{DateTime, Utc};
use laps_core::{FileTime, Password};
use laps_crypto::{with_randomness, Encryptor, GroupKeyEnvelope, KeySource, Sid};
use napi::bindgen_prelude::{BigInt, Buffer, Either, Uint8Array};
use napi::Unknown;
use napi_derive::napi;
use zeroize::Zeroizing;

/// What to encrypt and with which key.
#[napi(object)]
pub struct EncryptOptions {
    /// The target principal's SID (`SID=` protector), e.g. Domain Admins `'S-1-5-21-…-512'`,
    /// or the one-SID protection descriptor `'SID=S-1-5-21-…-512'`.
    pub sid: String,
    /// Key source 1: a Group Key Envelope (what GetKey returns to the LAPS client).
    pub group_key_envelope: Option<Uint8Array>,
    /// Key source 2: a KDS root key; the envelope is derived at the key index of `updateTime`.
    pub root_key: Option<RootKeyInput>,
    /// With `rootKey`: derive a public-key envelope (the path every LAPS client uses; the
    /// default) or, with `false`, a seed envelope (private-key path).
    pub public_key: Option<bool>,
    /// With `rootKey`: the DNS domain name written into the key identifier (required: there
    /// is no default domain).
    pub domain: Option<String>,
    /// With `rootKey`: the DNS forest name (default: the domain).
    pub forest: Option<String>,
    /// `encryptAttribute`: the managed account (`n`) of the credential (required with
    /// `password`, unless `plaintext` is given).
    pub account: Option<String>,
    /// `encryptAttribute`: the password (`p`) of the credential (required with `account`).
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

impl EncryptOptions {
    fn update_time(&self) -> Result<FileTime> {
        match &self.update_time {
            None => now(),
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
        Sid::from_protection_descriptor(&self.sid).map_err(coded)
    }

    /// The one encryption setup: key source, SID, domain, forest and key path, defaulted
    /// by the core (no default domain; the public-key path).
    fn encryptor(&self) -> Result<Encryptor> {
        let source = match (&self.group_key_envelope, &self.root_key) {
            (Some(gke), None) => KeySource::Envelope(GroupKeyEnvelope::parse(gke).map_err(coded)?),
            (None, Some(root)) => KeySource::RootKey(root.to_root_key()?),
            _ => {
                return Err(invalid_arg(
                    "give exactly one of groupKeyEnvelope and rootKey",
                ))
            }
        };
        let (domain, forest) = (self.domain.as_deref(), self.forest.as_deref());
        Ok(Encryptor::new(source, self.sid()?).options(self.public_key, domain, forest))
    }

    /// The caller's recorded randomness, if any.
    fn randomness(&self) -> Option<&[u8]> {
        self.randomness.as_ref().map(|r| r.as_ref())
    }
}

fn encrypt_options(opts: Unknown<'_>) -> Result<EncryptOptions> {
    options("opts", opts)?.ok_or_else(|| invalid_arg("opts is required"))
}

/// Encrypts a LAPS credential (or raw `plaintext`) into an
/// `msLAPS-EncryptedPassword` value exactly as Windows writes it: the 16-byte
/// header, the DPAPI-NG CMS for `SID=<sid>`, then the AES-256-GCM ciphertext.
/// The credential becomes Windows' compact JSON `{"n","t","p"}` in UTF-16LE + NUL.
/// The same bytes serve for history and DSRM values.
#[napi(
    ts_args_type = "opts: EncryptOptions & ({ account: string, password: string } | { plaintext: Uint8Array })"
)]
pub fn encrypt_attribute(opts: Unknown<'_>) -> Result<Buffer> {
    guarded(|| {
        let o = encrypt_options(opts)?;
        let enc = o.encryptor()?;
        let t = o.update_time()?;
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
        let value = with_randomness(o.randomness(), |rng| {
            enc.encrypt_attribute(t, &plaintext, rng)
        })
        .map_err(coded)?;
        Ok(Buffer::from(value))
    })
}

/// Encrypts `plaintext` into a generic DPAPI-NG blob (`NCryptProtectSecret`
/// layout: the ciphertext inside the CMS) for `SID=<sid>`.
#[napi(ts_args_type = "opts: EncryptOptions & { plaintext: Uint8Array }")]
pub fn encrypt_blob(opts: Unknown<'_>) -> Result<Buffer> {
    guarded(|| {
        let o = encrypt_options(opts)?;
        let enc = o.encryptor()?;
        let plaintext = o
            .plaintext
            .as_ref()
            .ok_or_else(|| invalid_arg("encryptBlob needs plaintext"))?;
        let t = o.update_time()?;
        let blob = with_randomness(o.randomness(), |rng| enc.encrypt_blob(t, plaintext, rng))
            .map_err(coded)?;
        Ok(Buffer::from(blob))
    })
}

/// The Group Key Envelope a domain controller would answer GetKey with for `sid`, from
/// `rootKey`, at the key index of `updateTime` (default now): a public-key envelope (what the
/// LAPS client gets) or, with `publicKey: false`, a seed envelope (what members of the
/// protecting group get). For tests and offline tooling that plays the DC.
#[napi(ts_args_type = "opts: EncryptOptions & { rootKey: RootKeyInput, domain: string }")]
pub fn make_group_key_envelope(opts: Unknown<'_>) -> Result<Buffer> {
    guarded(|| {
        let o = encrypt_options(opts)?;
        if o.root_key.is_none() {
            return Err(invalid_arg("makeGroupKeyEnvelope needs rootKey"));
        }
        let gke = o.encryptor()?.envelope(o.update_time()?).map_err(coded)?;
        Ok(Buffer::from(gke.to_bytes()))
    })
}
