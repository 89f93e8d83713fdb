//! Writing: the LDAP modification of one rotation, as a Windows LAPS client makes it.

use crate::entry::{attr, ComputerEntry};
use crate::error::{Error, Result};
use crate::read::{newest_first, Source};
use laps_core::{FileTime, Password};
use laps_crypto::rand_core::{CryptoRng, RngCore};
use laps_crypto::{encrypt, GroupKeyEnvelope, Guid, LapsCredential, Sid};
use laps_policy::{EffectivePolicy, Mode};
use zeroize::Zeroizing;

/// The key a backup encrypts with: a group key envelope for `target_sid` (a GetKey answer, or
/// [`GroupKeyEnvelope::from_root_key`] at the backup time).
#[derive(Clone, Copy, Debug)]
pub struct Encryption<'a> {
    /// The envelope (public-key or seed).
    pub key: &'a GroupKeyEnvelope,
    /// The SID of the policy's `ADPasswordEncryptionPrincipal` (Domain Admins by default).
    pub target_sid: &'a Sid,
}

/// Everything one backup needs.
#[derive(Clone, Copy, Debug)]
pub struct BackupInput<'a> {
    /// The resolved policy of the device (laps-policy).
    pub policy: &'a EffectivePolicy,
    /// The managed account's name (the JSON `n`).
    pub account: &'a str,
    /// The new password.
    pub password: &'a Password,
    /// The rotation time (JSON `t`, header timestamp, start of the new expiration).
    pub now: FileTime,
    /// The object's current LAPS values (for the history).
    pub previous: &'a ComputerEntry,
    /// Encryption key and principal; required when the policy encrypts, ignored otherwise.
    pub encryption: Option<Encryption<'a>>,
    /// An expiration other than now + PasswordAgeDays. Refused beyond that while
    /// PasswordExpirationProtectionEnabled is on.
    pub expiration: Option<FileTime>,
    /// Whether the directory's schema has `msLAPS-CurrentPasswordVersion` (Windows Server
    /// 2025). When it has, Windows writes a new random GUID with every Windows LAPS update;
    /// when it lacks it, Windows logs event 10108 and writes everything else.
    pub schema_has_password_version: bool,
}

/// One attribute of the modification: replace its values (no values: delete the attribute).
/// Values are zeroized on drop (the clear-text ones are secrets).
#[derive(Clone)]
pub struct AttributeChange {
    /// The LDAP attribute name.
    pub attribute: &'static str,
    /// The new values (empty: remove the attribute).
    pub values: Vec<Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for AttributeChange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "replace {} ({} values, <redacted>)",
            self.attribute,
            self.values.len()
        )
    }
}

/// The modification for one backup and what it means.
#[derive(Clone, Debug)]
pub struct BackupPlan {
    /// The changes, to apply in **one** LDAP modify (all replace operations).
    pub changes: Vec<AttributeChange>,
    /// Which source the new password is written to.
    pub source: Source,
    /// The update time written.
    pub update_time: FileTime,
    /// The expiration written.
    pub expiration: FileTime,
    /// The principal the value is encrypted to (SID), when encrypted.
    pub encrypted_to: Option<String>,
    /// History values kept after this backup.
    pub history_kept: usize,
    /// Older values dropped from the history by this backup.
    pub history_dropped: usize,
    /// Attributes removed because the new value supersedes them (e.g. a clear-text
    /// `msLAPS-Password` left from before encryption was turned on).
    pub removed: Vec<&'static str>,
    /// The new `msLAPS-CurrentPasswordVersion`, when written.
    pub password_version: Option<Guid>,
    /// True when a Windows LAPS update was planned without `msLAPS-CurrentPasswordVersion`
    /// because the schema lacks it (Windows' warning event 10108).
    pub schema_lacks_password_version: bool,
}

/// Computes the modification for one rotation. Pure: time, key and randomness come in.
///
/// * **Active Directory, encryption on**: `msLAPS-EncryptedPassword` = the new encrypted value;
///   the previous one moves into `msLAPS-EncryptedPasswordHistory`, which keeps the
///   `ADEncryptedPasswordHistorySize` newest values (by header timestamp: AD keeps no value
///   order); `msLAPS-PasswordExpirationTime` = now + PasswordAgeDays; a leftover clear-text
///   `msLAPS-Password` is removed.
/// * **Encryption off**: `msLAPS-Password` = `{"n","t","p"}` and the expiration. There is no
///   clear-text history; a leftover `msLAPS-EncryptedPassword` (and its history) is removed,
///   since readers prefer it and would report a stale password.
/// * **Domain controller (DSRM mode)**: `msLAPS-EncryptedDSRMPassword` and its history, always
///   encrypted.
/// * **Legacy emulation**: `ms-Mcs-AdmPwd` and `ms-Mcs-AdmPwdExpirationTime`.
/// * **Password version** (not in legacy emulation): with `schema_has_password_version`, a new
///   random GUID in `msLAPS-CurrentPasswordVersion`; without, the plan says the schema lacks it
///   (`schema_lacks_password_version`, Windows' event 10108) and writes everything else.
///
/// Refuses what Windows refuses: a policy that does not back up to AD
/// ([`Error::NotActiveDirectory`]), a blocked policy ([`Error::PolicyBlocked`]: encryption with a
/// domain below 2016 DFL, DSRM without encryption, an invalid principal, ...), encryption
/// without a key ([`Error::NoEncryptionKey`]), a key for another principal than a SID-valued
/// `ADPasswordEncryptionPrincipal` ([`Error::WrongEncryptionTarget`]), an expiration beyond
/// PasswordAgeDays with PasswordExpirationProtectionEnabled ([`Error::ExpirationBeyondPolicy`]),
/// an empty account or password ([`Error::InvalidInput`]).
pub fn plan_backup<R: RngCore + CryptoRng>(
    input: &BackupInput<'_>,
    rng: &mut R,
) -> Result<BackupPlan> {
    let policy = input.policy;
    if let Some(code) = policy.blocker {
        return Err(Error::PolicyBlocked(code));
    }
    if !matches!(
        policy.mode,
        Mode::ActiveDirectory | Mode::ActiveDirectoryDsrm | Mode::LegacyEmulation
    ) {
        return Err(Error::NotActiveDirectory(policy.mode.as_str()));
    }
    if input.account.is_empty() {
        return Err(Error::InvalidInput("empty account name"));
    }
    if input.password.is_empty() {
        return Err(Error::InvalidInput("empty password"));
    }
    let maximum = input.now.add_days(policy.password_age_days());
    let expiration = match input.expiration {
        Some(t) if t > maximum && policy.password_expiration_protection_enabled() => {
            return Err(Error::ExpirationBeyondPolicy {
                requested: t.to_rfc3339(),
                maximum: maximum.to_rfc3339(),
            })
        }
        Some(t) => t,
        None => maximum,
    };
    let credential = LapsCredential::new(input.account, input.password.clone(), input.now);
    let expiration_value = || vec![Zeroizing::new(expiration.to_decimal().into_bytes())];
    let prev = input.previous;

    let mut plan = BackupPlan {
        changes: Vec::new(),
        source: Source::CleartextPassword,
        update_time: input.now,
        expiration,
        encrypted_to: None,
        history_kept: 0,
        history_dropped: 0,
        removed: Vec::new(),
        password_version: None,
        schema_lacks_password_version: false,
    };

    match policy.mode {
        Mode::LegacyEmulation => {
            plan.source = Source::LegacyLapsCleartextPassword;
            plan.changes.push(change(
                attr::LEGACY_PASSWORD,
                vec![Zeroizing::new(input.password.expose().as_bytes().to_vec())],
            ));
            plan.changes
                .push(change(attr::LEGACY_EXPIRATION_TIME, expiration_value()));
        }
        Mode::ActiveDirectory if !policy.encrypts() => {
            plan.source = Source::CleartextPassword;
            let json = credential.to_json();
            plan.changes.push(change(
                attr::PASSWORD,
                vec![Zeroizing::new(json.as_bytes().to_vec())],
            ));
            plan.changes
                .push(change(attr::PASSWORD_EXPIRATION_TIME, expiration_value()));
            if prev.encrypted_password.is_some() {
                plan.removed.push(attr::ENCRYPTED_PASSWORD);
                plan.changes.push(change(attr::ENCRYPTED_PASSWORD, vec![]));
            }
            if !prev.encrypted_password_history.is_empty() {
                plan.removed.push(attr::ENCRYPTED_PASSWORD_HISTORY);
                plan.history_dropped = prev.encrypted_password_history.len();
                plan.changes
                    .push(change(attr::ENCRYPTED_PASSWORD_HISTORY, vec![]));
            }
        }
        _ => {
            let dsrm = policy.mode == Mode::ActiveDirectoryDsrm;
            let principal = policy
                .encryption_target()
                .unwrap_or_else(|| "Domain Admins".to_owned());
            let enc = input.encryption.ok_or_else(|| Error::NoEncryptionKey {
                principal: principal.clone(),
            })?;
            if principal.starts_with("S-1-") && principal != enc.target_sid.to_string() && !dsrm {
                return Err(Error::WrongEncryptionTarget(principal));
            }
            let value = encrypt::encrypt_credential(enc.key, enc.target_sid, &credential, rng)?;
            let (current_attr, history_attr, current, history) = if dsrm {
                (
                    attr::ENCRYPTED_DSRM_PASSWORD,
                    attr::ENCRYPTED_DSRM_PASSWORD_HISTORY,
                    &prev.encrypted_dsrm_password,
                    &prev.encrypted_dsrm_password_history,
                )
            } else {
                (
                    attr::ENCRYPTED_PASSWORD,
                    attr::ENCRYPTED_PASSWORD_HISTORY,
                    &prev.encrypted_password,
                    &prev.encrypted_password_history,
                )
            };
            plan.source = if dsrm {
                Source::EncryptedDsrmPassword
            } else {
                Source::EncryptedPassword
            };
            plan.encrypted_to = Some(enc.target_sid.to_string());
            plan.changes
                .push(change(current_attr, vec![Zeroizing::new(value)]));
            // The new history: the previous current value and the old history, newest first,
            // cut to ADEncryptedPasswordHistorySize.
            let size = policy.ad_encrypted_password_history_size() as usize;
            let mut candidates: Vec<Vec<u8>> = current.iter().cloned().collect();
            candidates.extend(history.iter().cloned());
            let ordered = newest_first(&candidates);
            let kept: Vec<Zeroizing<Vec<u8>>> = ordered
                .iter()
                .take(size)
                .map(|v| Zeroizing::new((*v).clone()))
                .collect();
            plan.history_kept = kept.len();
            plan.history_dropped = history.len() + usize::from(current.is_some()) - kept.len();
            if !kept.is_empty() || !history.is_empty() {
                plan.changes.push(change(history_attr, kept));
            }
            plan.changes
                .push(change(attr::PASSWORD_EXPIRATION_TIME, expiration_value()));
            if !dsrm && prev.password.is_some() {
                plan.removed.push(attr::PASSWORD);
                plan.changes.push(change(attr::PASSWORD, vec![]));
            }
        }
    }
    // Image rollback detection: Windows LAPS (not legacy emulation, whose schema predates it)
    // stamps every update with a fresh random GUID, which the device remembers.
    if policy.mode != Mode::LegacyEmulation {
        if input.schema_has_password_version {
            let mut bytes = [0u8; 16];
            rng.fill_bytes(&mut bytes);
            // A version 4 (random) GUID: Data3's high nibble 4, the variant bits 10.
            bytes[7] = (bytes[7] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            let version = Guid::from_bytes_le(bytes);
            plan.changes.push(change(
                attr::CURRENT_PASSWORD_VERSION,
                vec![Zeroizing::new(bytes.to_vec())],
            ));
            plan.password_version = Some(version);
        } else {
            plan.schema_lacks_password_version = true;
        }
    }
    Ok(plan)
}

fn change(attribute: &'static str, values: Vec<Zeroizing<Vec<u8>>>) -> AttributeChange {
    AttributeChange { attribute, values }
}
