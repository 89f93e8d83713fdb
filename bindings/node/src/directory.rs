//! `readComputer`: Get-LapsADPassword's records from the attribute values of one computer
//! object (laps-directory), whatever LDAP client read them (ldapts: `searchEntries` with
//! `explicitBufferAttributes` for the binary ones).

use crate::error::{coded, Result};
use crate::guard::guarded;
use crate::keystore::KeyStore;
use crate::time::to_date;
use chrono::{DateTime, Utc};
use laps_directory::{ComputerEntry, ReadOptions};
use napi::bindgen_prelude::{Either, Uint8Array};
use napi_derive::napi;
use std::collections::HashMap;

/// Options of `readComputer`.
#[napi(object)]
pub struct ReadComputerOptions {
    /// Report every history value too (`-IncludeHistory`).
    pub include_history: Option<bool>,
    /// The caller's SIDs (its own and `tokenGroups`): values encrypted to another SID are
    /// `Unauthorized`, as the DC's GetKey would decide. Absent: not checked.
    pub caller_sids: Option<Vec<String>>,
    /// SID → display name (`'CONTOSO\\Domain Admins'`) for `AuthorizedDecryptor`.
    pub principal_names: Option<HashMap<String, String>>,
}

/// One value, as Get-LapsADPassword reports it (Windows' field names).
#[napi(object)]
pub struct PasswordRecord {
    /// The computer's name.
    #[napi(js_name = "ComputerName")]
    pub computer_name: String,
    /// The object's DN.
    #[napi(js_name = "DistinguishedName")]
    pub distinguished_name: String,
    /// The managed account, when known.
    #[napi(js_name = "Account")]
    pub account: Option<String>,
    /// The password, when it could be read.
    #[napi(js_name = "Password")]
    pub password: Option<String>,
    /// When it was set (millisecond precision).
    #[napi(js_name = "PasswordUpdateTime")]
    pub password_update_time: Option<DateTime<Utc>>,
    /// When it expires (current values only).
    #[napi(js_name = "ExpirationTimestamp")]
    pub expiration_timestamp: Option<DateTime<Utc>>,
    /// `EncryptedPassword`, `EncryptedPasswordHistory`, `EncryptedDSRMPassword`,
    /// `EncryptedDSRMPasswordHistory`, `CleartextPassword` or `LegacyLapsCleartextPassword`.
    #[napi(js_name = "Source")]
    pub source: String,
    /// `Success`, `NotApplicable`, `Unauthorized`, `KeyNotFound`, `DecryptionFailed`,
    /// `Malformed` or `Unsupported`.
    #[napi(js_name = "DecryptionStatus")]
    pub decryption_status: String,
    /// The principal the value is encrypted to (name when given, else SID).
    #[napi(js_name = "AuthorizedDecryptor")]
    pub authorized_decryptor: Option<String>,
    /// The target SID of an encrypted value.
    #[napi(js_name = "TargetSid")]
    pub target_sid: Option<String>,
    /// Why the value could not be read (never a secret).
    #[napi(js_name = "Detail")]
    pub detail: Option<String>,
}

/// Reads one computer: one record per value, newest source first (history newest first by
/// update time with `includeHistory`). `attributes` maps each LDAP attribute name to its
/// values (bytes or strings). An object without LAPS attributes throws `LAPS_INVALID_ARG`.
#[napi]
pub fn read_computer(
    distinguished_name: String,
    attributes: HashMap<String, Vec<Either<Uint8Array, String>>>,
    keys: &KeyStore,
    options: Option<ReadComputerOptions>,
) -> Result<Vec<PasswordRecord>> {
    let options = options.unwrap_or(ReadComputerOptions {
        include_history: None,
        caller_sids: None,
        principal_names: None,
    });
    let read_options = ReadOptions {
        include_history: options.include_history.unwrap_or(false),
        caller_sids: options.caller_sids.map(|v| v.into_iter().collect()),
        denied_sids: Default::default(),
        principal_names: options
            .principal_names
            .map(|m| m.into_iter().collect())
            .unwrap_or_default(),
    };
    let pairs: Vec<(String, Vec<Vec<u8>>)> = attributes
        .into_iter()
        .map(|(name, values)| {
            let values = values
                .into_iter()
                .map(|v| match v {
                    Either::A(bytes) => bytes.to_vec(),
                    Either::B(text) => text.into_bytes(),
                })
                .collect();
            (name, values)
        })
        .collect();
    let records = guarded(|| {
        let entry = ComputerEntry::from_attributes(&distinguished_name, pairs).map_err(coded)?;
        laps_directory::read_computer(&entry, keys.store(), &read_options).map_err(coded)
    })?;
    Ok(records
        .into_iter()
        .map(|r| PasswordRecord {
            password: r.password.as_ref().map(|p| p.expose().to_owned()),
            password_update_time: r.password_update_time.map(to_date),
            expiration_timestamp: r.expiration_timestamp.map(to_date),
            source: r.source.as_str().to_owned(),
            decryption_status: r.decryption_status.as_str().to_owned(),
            computer_name: r.computer_name,
            distinguished_name: r.distinguished_name,
            account: r.account,
            authorized_decryptor: r.authorized_decryptor,
            target_sid: r.target_sid,
            detail: r.detail,
        })
        .collect())
}
