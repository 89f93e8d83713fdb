//! Reading: the attribute values of a computer object → Get-LapsADPassword's records.

use crate::entry::ComputerEntry;
use crate::error::{Error, Result};
use laps_core::{FileTime, Password};
use laps_crypto::cleartext::{parse_expiration_time, parse_legacy_password};
use laps_crypto::{parse_encrypted_attribute, KeyStore, LapsCredential};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Where a password record comes from (Get-LapsADPassword's `Source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// `msLAPS-EncryptedPassword`.
    EncryptedPassword,
    /// One value of `msLAPS-EncryptedPasswordHistory`.
    EncryptedPasswordHistory,
    /// `msLAPS-EncryptedDSRMPassword`.
    EncryptedDsrmPassword,
    /// One value of `msLAPS-EncryptedDSRMPasswordHistory`.
    EncryptedDsrmPasswordHistory,
    /// `msLAPS-Password` (clear text).
    CleartextPassword,
    /// Legacy `ms-Mcs-AdmPwd`.
    LegacyLapsCleartextPassword,
}

impl Source {
    /// The name Windows prints (`EncryptedPassword`, `EncryptedDSRMPassword`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::EncryptedPassword => "EncryptedPassword",
            Source::EncryptedPasswordHistory => "EncryptedPasswordHistory",
            Source::EncryptedDsrmPassword => "EncryptedDSRMPassword",
            Source::EncryptedDsrmPasswordHistory => "EncryptedDSRMPasswordHistory",
            Source::CleartextPassword => "CleartextPassword",
            Source::LegacyLapsCleartextPassword => "LegacyLapsCleartextPassword",
        }
    }

    /// True for the encrypted sources.
    pub const fn is_encrypted(self) -> bool {
        matches!(
            self,
            Source::EncryptedPassword
                | Source::EncryptedPasswordHistory
                | Source::EncryptedDsrmPassword
                | Source::EncryptedDsrmPasswordHistory
        )
    }
}

/// The outcome of decrypting one value (Get-LapsADPassword's `DecryptionStatus`, with the
/// failure split by cause).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecryptionStatus {
    /// A clear-text source: nothing to decrypt.
    NotApplicable,
    /// Decrypted.
    Success,
    /// The caller is not the principal the value is encrypted to (not in its group, or the DC
    /// refused GetKey for it).
    Unauthorized,
    /// No key for the value: its root key is not known, or the key source does not cover its
    /// (L0, L1, L2) index.
    KeyNotFound,
    /// A key was found but decryption failed (wrong key, corrupted value).
    DecryptionFailed,
    /// The value does not have the LAPS structure (header, CMS, JSON).
    Malformed,
    /// A protector or algorithm this implementation does not open (`AND`, `SDDL=`, ...).
    Unsupported,
}

impl DecryptionStatus {
    /// The name printed in the output (`Success`, `Unauthorized`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            DecryptionStatus::NotApplicable => "NotApplicable",
            DecryptionStatus::Success => "Success",
            DecryptionStatus::Unauthorized => "Unauthorized",
            DecryptionStatus::KeyNotFound => "KeyNotFound",
            DecryptionStatus::DecryptionFailed => "DecryptionFailed",
            DecryptionStatus::Malformed => "Malformed",
            DecryptionStatus::Unsupported => "Unsupported",
        }
    }

    /// The status for a laps-crypto decryption error.
    pub fn from_crypto_error(e: &laps_crypto::Error) -> Self {
        use laps_crypto::Error as E;
        match e {
            E::UnknownRootKey { .. } | E::KeyNotCovered { .. } => DecryptionStatus::KeyNotFound,
            E::Malformed { .. } => DecryptionStatus::Malformed,
            E::UnsupportedProtector(_) | E::UnsupportedAlgorithm(_) => {
                DecryptionStatus::Unsupported
            }
            _ => DecryptionStatus::DecryptionFailed,
        }
    }
}

/// One password value of one computer, as Get-LapsADPassword reports it.
///
/// `password` is zeroized on drop and redacted in `Debug`.
#[derive(Clone, Debug)]
pub struct PasswordRecord {
    /// `ComputerName`.
    pub computer_name: String,
    /// `DistinguishedName`.
    pub distinguished_name: String,
    /// `Account` (from the decrypted or clear-text JSON; `None` for legacy values and failures).
    pub account: Option<String>,
    /// `Password`, when it could be read.
    pub password: Option<Password>,
    /// `PasswordUpdateTime` (the JSON `t`, else the encrypted value's header).
    pub password_update_time: Option<FileTime>,
    /// `ExpirationTimestamp` (current values only; history values have none).
    pub expiration_timestamp: Option<FileTime>,
    /// `Source`.
    pub source: Source,
    /// `DecryptionStatus`.
    pub decryption_status: DecryptionStatus,
    /// `AuthorizedDecryptor`: the principal's name when known, else its SID or the protection
    /// descriptor; `None` for clear-text sources and unparseable values.
    pub authorized_decryptor: Option<String>,
    /// The target SID of an encrypted value (what GetKey and group membership are checked for).
    pub target_sid: Option<String>,
    /// Why the value could not be read (never contains secrets).
    pub detail: Option<String>,
}

impl PasswordRecord {
    /// The record as plain data with Get-LapsADPassword's field names (`ComputerName`,
    /// `DistinguishedName`, `Account`, `Password`, `PasswordUpdateTime`, `ExpirationTimestamp`,
    /// `Source`, `DecryptionStatus`, `AuthorizedDecryptor`, `TargetSid`, `Detail`), the one
    /// shape JSON and the bindings give: the password only when `with_password`, each time
    /// written by `time`.
    ///
    /// ```
    /// # use laps_directory::{read_computer, ComputerEntry, ReadOptions};
    /// # use laps_core::FileTime;
    /// # let mut e = ComputerEntry::new("PC01", "CN=PC01,DC=contoso,DC=com");
    /// # e.password = Some(br#"{"n":"Administrator","t":"1d9e2b5c5a1e5c0","p":"S3cret!"}"#.to_vec().into());
    /// # let records = read_computer(&e, &laps_crypto::KeyStore::new(), &ReadOptions::default())?;
    /// let form = serde_json::to_value(records[0].form(false, FileTime::ticks)).unwrap();
    /// assert_eq!(form["Source"], "CleartextPassword");
    /// assert_eq!(form["Password"], serde_json::Value::Null);
    /// assert!(form["PasswordUpdateTime"].is_u64());
    /// # Ok::<(), laps_directory::Error>(())
    /// ```
    pub fn form<T>(&self, with_password: bool, time: fn(FileTime) -> T) -> RecordForm<'_, T> {
        RecordForm {
            computer_name: &self.computer_name,
            distinguished_name: &self.distinguished_name,
            account: self.account.as_deref(),
            password: (self.password.as_ref())
                .filter(|_| with_password)
                .map(Password::expose),
            password_update_time: self.password_update_time.map(time),
            expiration_timestamp: self.expiration_timestamp.map(time),
            source: self.source.as_str(),
            decryption_status: self.decryption_status.as_str(),
            authorized_decryptor: self.authorized_decryptor.as_deref(),
            target_sid: self.target_sid.as_deref(),
            detail: self.detail.as_deref(),
        }
    }

    /// The record as JSON ([`form`](Self::form)): the password only when `with_password`,
    /// times in RFC 3339 UTC, absent values `null`.
    pub fn to_json(&self, with_password: bool) -> Value {
        // Text, numbers and `null` only: serializing cannot fail.
        serde_json::to_value(self.form(with_password, FileTime::to_rfc3339)).unwrap_or_default()
    }
}

/// A [`PasswordRecord`] as plain data ([`PasswordRecord::form`]): serialize it. It may hold
/// the password, so it has no `Debug`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecordForm<'a, T> {
    computer_name: &'a str,
    distinguished_name: &'a str,
    account: Option<&'a str>,
    password: Option<&'a str>,
    password_update_time: Option<T>,
    expiration_timestamp: Option<T>,
    source: &'static str,
    decryption_status: &'static str,
    authorized_decryptor: Option<&'a str>,
    target_sid: Option<&'a str>,
    detail: Option<&'a str>,
}

/// Who is reading, and how to name principals.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Report every history value too (Get-LapsADPassword `-IncludeHistory`).
    pub include_history: bool,
    /// The caller's SIDs (its own and its groups', e.g. `tokenGroups`). When set, a value
    /// encrypted to a SID outside this set is `Unauthorized` without being decrypted, as the DC's
    /// GetKey access check would decide, even when a root key could open it. `None`: not checked.
    pub caller_sids: Option<BTreeSet<String>>,
    /// Target SIDs for which the key source refused the key (GetKey access denied):
    /// `Unauthorized`.
    pub denied_sids: BTreeSet<String>,
    /// SID → display name (e.g. `CONTOSO\Domain Admins`) for `AuthorizedDecryptor`.
    pub principal_names: BTreeMap<String, String>,
}

/// Reads one computer: Get-LapsADPassword's records, newest source first.
///
/// * The current password comes from the newest source present: `msLAPS-EncryptedPassword`, else
///   `msLAPS-Password`, else `ms-Mcs-AdmPwd`; `msLAPS-EncryptedDSRMPassword` (domain
///   controllers) is reported too when present.
/// * With `include_history`, every history value follows as its own record, newest first by the
///   value's header timestamp (AD returns multi-valued attributes in no defined order); values
///   whose header cannot be read come last, in server order.
/// * One failing value never fails the read: it gets its own [`DecryptionStatus`].
/// * [`Error::NoLapsAttributes`] when the object has none of the attributes.
///
/// ```
/// use laps_directory::{read_computer, ComputerEntry, DecryptionStatus, ReadOptions, Source};
/// let mut e = ComputerEntry::new("PC01", "CN=PC01,CN=Computers,DC=contoso,DC=com");
/// e.password = Some(br#"{"n":"Administrator","t":"1d9e2b5c5a1e5c0","p":"S3cret!"}"#.to_vec().into());
/// e.password_expiration_time = Some("133928369137884253".into());
/// let records = read_computer(&e, &laps_crypto::KeyStore::new(), &ReadOptions::default())?;
/// assert_eq!(records[0].source, Source::CleartextPassword);
/// assert_eq!(records[0].decryption_status, DecryptionStatus::NotApplicable);
/// assert_eq!(records[0].password.as_ref().unwrap().expose(), "S3cret!");
/// # Ok::<(), laps_directory::Error>(())
/// ```
pub fn read_computer(
    entry: &ComputerEntry,
    keys: &KeyStore,
    options: &ReadOptions,
) -> Result<Vec<PasswordRecord>> {
    if !entry.has_laps_password() {
        return Err(Error::NoLapsAttributes {
            dn: entry.distinguished_name.clone(),
        });
    }
    let expiration = entry
        .password_expiration_time
        .as_deref()
        .and_then(|t| parse_expiration_time(t).ok().flatten());
    let reader = Reader {
        entry,
        keys,
        options,
    };
    let mut out = Vec::new();
    if let Some(v) = &entry.encrypted_password {
        out.push(reader.encrypted(v, Source::EncryptedPassword, expiration));
    } else if let Some(v) = &entry.password {
        out.push(reader.cleartext(v, expiration));
    } else if let Some(v) = &entry.legacy_password {
        let legacy_expiration = entry
            .legacy_expiration_time
            .as_deref()
            .and_then(|t| parse_expiration_time(t).ok().flatten());
        out.push(reader.legacy(v, legacy_expiration));
    }
    if let Some(v) = &entry.encrypted_dsrm_password {
        out.push(reader.encrypted(v, Source::EncryptedDsrmPassword, expiration));
    }
    if options.include_history {
        for v in newest_first(&entry.encrypted_password_history) {
            out.push(reader.encrypted(v, Source::EncryptedPasswordHistory, None));
        }
        for v in newest_first(&entry.encrypted_dsrm_password_history) {
            out.push(reader.encrypted(v, Source::EncryptedDsrmPasswordHistory, None));
        }
    }
    if out.is_empty() {
        // Only history values exist and history was not asked for.
        return Err(Error::NoLapsAttributes {
            dn: entry.distinguished_name.clone(),
        });
    }
    Ok(out)
}

/// Reads many computers (one result per entry, in order), on the rayon pool with the default
/// `parallel` feature. One computer's error never affects the others.
pub fn read_computers(
    entries: &[ComputerEntry],
    keys: &KeyStore,
    options: &ReadOptions,
) -> Vec<Result<Vec<PasswordRecord>>> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        entries
            .par_iter()
            .map(|e| read_computer(e, keys, options))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        entries
            .iter()
            .map(|e| read_computer(e, keys, options))
            .collect()
    }
}

/// The update time in an encrypted value's header: the first 8 bytes (high dword first) of a
/// value of at least 16 bytes whose `Reserved` field is 0, even when the rest is truncated.
pub(crate) fn header_time(value: &[u8]) -> Option<FileTime> {
    let head = value.get(..laps_crypto::HEADER_LEN)?;
    let u = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    (u(12) == 0).then(|| FileTime::from_parts(u(0), u(4)))
}

/// History values sorted newest first by header timestamp; unreadable headers last, stable.
pub(crate) fn newest_first(values: &[Vec<u8>]) -> Vec<&Vec<u8>> {
    let mut v: Vec<(Option<FileTime>, &Vec<u8>)> =
        values.iter().map(|x| (header_time(x), x)).collect();
    // Some(t) sorts after None; reversed, the newest time comes first and None last.
    v.sort_by_key(|x| core::cmp::Reverse(x.0));
    v.into_iter().map(|(_, x)| x).collect()
}

struct Reader<'a> {
    entry: &'a ComputerEntry,
    keys: &'a KeyStore,
    options: &'a ReadOptions,
}

impl Reader<'_> {
    fn record(&self, source: Source, status: DecryptionStatus) -> PasswordRecord {
        PasswordRecord {
            computer_name: self.entry.computer_name.clone(),
            distinguished_name: self.entry.distinguished_name.clone(),
            account: None,
            password: None,
            password_update_time: None,
            expiration_timestamp: None,
            source,
            decryption_status: status,
            authorized_decryptor: None,
            target_sid: None,
            detail: None,
        }
    }

    fn name_of(&self, sid: &str) -> String {
        self.options
            .principal_names
            .get(sid)
            .cloned()
            .unwrap_or_else(|| sid.to_owned())
    }

    fn encrypted(
        &self,
        value: &[u8],
        source: Source,
        expiration: Option<FileTime>,
    ) -> PasswordRecord {
        let mut r = self.record(source, DecryptionStatus::Malformed);
        r.expiration_timestamp = expiration;
        let info = match parse_encrypted_attribute(value) {
            Ok(info) => info,
            Err(e) => {
                r.decryption_status = DecryptionStatus::from_crypto_error(&e);
                r.password_update_time = header_time(value);
                r.detail = Some(e.to_string());
                return r;
            }
        };
        r.password_update_time = Some(info.update_time);
        // Every SID the value is protected to (one, or several for `SID=A OR SID=B`).
        let sids: Vec<String> = info
            .blob
            .recipients
            .iter()
            .filter_map(|rec| rec.descriptor.strip_prefix("SID=").map(str::to_owned))
            .filter(|s| !s.contains(' '))
            .collect();
        r.target_sid = info.blob.target_sid.clone();
        r.authorized_decryptor = Some(match sids.as_slice() {
            [one] => self.name_of(one),
            [] => info.blob.protection_descriptor.clone(),
            many => many
                .iter()
                .map(|s| self.name_of(s))
                .collect::<Vec<_>>()
                .join(" OR "),
        });
        if !sids.is_empty() {
            let refused = |s: &String| {
                self.options.denied_sids.contains(s)
                    || self
                        .options
                        .caller_sids
                        .as_ref()
                        .is_some_and(|mine| !mine.contains(s))
            };
            if sids.iter().all(refused) {
                r.decryption_status = DecryptionStatus::Unauthorized;
                r.detail = Some(format!(
                    "the caller is not {}",
                    r.authorized_decryptor.as_deref().unwrap_or_default()
                ));
                return r;
            }
        }
        match self.keys.decrypt_attribute(value) {
            Ok(cred) => self.fill(&mut r, cred, DecryptionStatus::Success),
            Err(e) => {
                r.decryption_status = DecryptionStatus::from_crypto_error(&e);
                r.detail = Some(e.to_string());
            }
        }
        r
    }

    fn fill(&self, r: &mut PasswordRecord, cred: LapsCredential, status: DecryptionStatus) {
        r.account = Some(cred.account.clone());
        r.password_update_time = Some(cred.update_time);
        r.password = Some(cred.password.clone());
        r.decryption_status = status;
    }

    fn cleartext(&self, value: &[u8], expiration: Option<FileTime>) -> PasswordRecord {
        let mut r = self.record(Source::CleartextPassword, DecryptionStatus::NotApplicable);
        r.expiration_timestamp = expiration;
        let parsed = core::str::from_utf8(value)
            .map_err(|_| "msLAPS-Password is not UTF-8".to_owned())
            .and_then(|s| LapsCredential::from_json(s).map_err(|e| e.to_string()));
        match parsed {
            Ok(cred) => self.fill(&mut r, cred, DecryptionStatus::NotApplicable),
            Err(detail) => {
                r.decryption_status = DecryptionStatus::Malformed;
                r.detail = Some(detail);
            }
        }
        r
    }

    fn legacy(&self, value: &[u8], expiration: Option<FileTime>) -> PasswordRecord {
        let mut r = self.record(
            Source::LegacyLapsCleartextPassword,
            DecryptionStatus::NotApplicable,
        );
        r.expiration_timestamp = expiration;
        match parse_legacy_password(value) {
            Ok(p) => r.password = Some(p),
            Err(e) => {
                r.decryption_status = DecryptionStatus::Malformed;
                r.detail = Some(e.to_string());
            }
        }
        r
    }
}
