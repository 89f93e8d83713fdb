//! The rotation decision: a pure function of the effective policy, the
//! device's `LAPS\State`, the directory's attributes and the time.

use crate::catalog::BUILD_24H2;
use crate::events;
use crate::snapshot::RootValues;
use crate::value::RegValue;
use crate::{AccountTarget, DiagnosticCode, EffectivePolicy, ManagedAccount, Mode, Source};
use laps_core::FileTime;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// RID of the built-in administrator (and of the DSRM administrator).
pub const BUILTIN_ADMINISTRATOR_RID: u32 = 500;

const TICKS_PER_DAY: u64 = 86_400 * 10_000_000;

/// The device's `HKLM\...\LAPS\State` as far as rotation needs it.
/// Missing values are `None` (a first run has none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalState {
    /// `PolicySource` of the last successful update.
    pub policy_source: Option<Source>,
    /// `LastPasswordUpdateTime`.
    pub last_password_update: Option<FileTime>,
    /// `AzurePasswordExpiryTime`: the Entra-mode expiry, kept only here.
    pub azure_password_expiry: Option<FileTime>,
    /// `LastAccountRidUpdated`.
    pub last_account_rid: Option<u32>,
    /// Name of the account last managed (registry name UNCERTAIN; from traces).
    pub last_account_name: Option<String>,
    /// Principal the last password was encrypted to (registry name UNCERTAIN; from traces).
    pub last_encryption_target: Option<String>,
    /// `DSRMMode` of the last update.
    pub dsrm_mode: Option<bool>,
    /// `LastPasswordVersion` (GUID text, 24H2).
    pub last_password_version: Option<String>,
    /// A rotation was requested (`Reset-LapsPassword` or CSP `Actions/ResetPassword`).
    pub reset_requested: bool,
    /// `PostAuthResetDeadline`: a pending post-authentication deadline.
    pub post_auth_reset_deadline: Option<FileTime>,
}

fn qword(v: Option<&RegValue>) -> Option<FileTime> {
    match v? {
        RegValue::Qword(q) => Some(FileTime::from_ticks(*q)),
        RegValue::Binary(b) => <[u8; 8]>::try_from(b.as_slice())
            .ok()
            .map(|a| FileTime::from_ticks(u64::from_le_bytes(a))),
        _ => None,
    }
}

impl LocalState {
    /// Reads the documented `LAPS\State` values (`PolicySource`,
    /// `LastPasswordUpdateTime`, `AzurePasswordExpiryTime`,
    /// `LastAccountRidUpdated`, `DSRMMode`, `LastPasswordVersion`,
    /// `PostAuthResetDeadline`) from a snapshot's `state` key.
    pub fn from_registry(state: &RootValues) -> Self {
        let dword = |n: &str| state.get(n).and_then(RegValue::as_dword);
        LocalState {
            policy_source: dword("PolicySource").and_then(|c| match c {
                1 => Some(Source::Csp),
                2 => Some(Source::Gpo),
                3 => Some(Source::Local),
                4 => Some(Source::Legacy),
                _ => None,
            }),
            last_password_update: qword(state.get("LastPasswordUpdateTime")),
            azure_password_expiry: qword(state.get("AzurePasswordExpiryTime")),
            last_account_rid: dword("LastAccountRidUpdated"),
            last_account_name: None,
            last_encryption_target: None,
            dsrm_mode: dword("DSRMMode").map(|d| d != 0),
            last_password_version: state
                .get("LastPasswordVersion")
                .and_then(RegValue::as_str)
                .map(str::to_owned),
            reset_requested: false,
            post_auth_reset_deadline: qword(state.get("PostAuthResetDeadline")),
        }
    }

    /// The state a successful rotation at `now` under `policy` leaves behind.
    pub fn after_rotation(
        policy: &EffectivePolicy,
        now: FileTime,
        password_version: Option<String>,
    ) -> Self {
        let (rid, name) = match policy.managed_account() {
            ManagedAccount::BuiltInAdministrator | ManagedAccount::DsrmAdministrator => {
                (Some(BUILTIN_ADMINISTRATOR_RID), None)
            }
            ManagedAccount::Named { name } => (None, Some(name)),
            ManagedAccount::Automatic {
                target: AccountTarget::BuiltInAdministrator,
                ..
            } => (Some(BUILTIN_ADMINISTRATOR_RID), None),
            ManagedAccount::Automatic { name_or_prefix, .. } => (None, Some(name_or_prefix)),
            ManagedAccount::None => (None, None),
        };
        LocalState {
            policy_source: Some(policy.source),
            last_password_update: Some(now),
            azure_password_expiry: (policy.mode == Mode::Entra)
                .then(|| now.add_days(policy.password_age_days())),
            last_account_rid: rid,
            last_account_name: name,
            last_encryption_target: policy.encryption_target(),
            dsrm_mode: Some(policy.mode == Mode::ActiveDirectoryDsrm),
            last_password_version: password_version,
            reset_requested: false,
            post_auth_reset_deadline: None,
        }
    }
}

/// The computer object's LAPS attributes (AD modes only; Entra is never polled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectoryState {
    /// `msLAPS-PasswordExpirationTime` (`ms-Mcs-AdmPwdExpirationTime` in legacy emulation).
    pub password_expiration_time: Option<FileTime>,
    /// `msLAPS-EncryptedPassword` (or `msLAPS-EncryptedDSRMPassword`) is present.
    pub encrypted_password_present: bool,
    /// `msLAPS-CurrentPasswordVersion` (GUID text), if the 24H2 schema has it.
    pub current_password_version: Option<String>,
}

/// Why a rotation is needed: the AD update factors (and their Entra subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RotationReason {
    /// The password has expired (now ≥ expiry).
    Expired,
    /// No expiry recorded (the directory attribute, or `AzurePasswordExpiryTime`, is missing).
    ExpirationMissing,
    /// The policy source differs from the last update's.
    PolicySourceChanged,
    /// The managed account differs from the last one.
    ManagedAccountChanged,
    /// The encryption principal differs from the last one.
    EncryptionTargetChanged,
    /// Encryption is on but the encrypted attribute is missing.
    EncryptedPasswordMissing,
    /// `LAPS\State` is missing or inconsistent.
    LocalStateInconsistent,
    /// The expiry is further out than PasswordAgeDays with expiration protection on.
    ExpirationBeyondPolicy,
    /// `msLAPS-CurrentPasswordVersion` ≠ `LastPasswordVersion` (image rollback, 24H2).
    PasswordVersionMismatch,
    /// DSRM mode changed since the last update.
    DsrmModeChanged,
    /// An administrator asked for a rotation (event 10014).
    ManualReset,
    /// A post-authentication deadline passed (event 10051).
    PostAuthentication,
}

crate::names::named!(RotationReason, "rotation reason", {
    Expired => "expired",
    ExpirationMissing => "expiration_missing",
    PolicySourceChanged => "policy_source_changed",
    ManagedAccountChanged => "managed_account_changed",
    EncryptionTargetChanged => "encryption_target_changed",
    EncryptedPasswordMissing => "encrypted_password_missing",
    LocalStateInconsistent => "local_state_inconsistent",
    ExpirationBeyondPolicy => "expiration_beyond_policy",
    PasswordVersionMismatch => "password_version_mismatch",
    DsrmModeChanged => "dsrm_mode_changed",
    ManualReset => "manual_reset",
    PostAuthentication => "post_authentication",
});

impl RotationReason {
    /// The bit in the event-10015 reason mask, where samples establish it
    /// (0x1, 0x2, 0x4, 0x10, 0x4000; the others are UNCERTAIN).
    pub const fn event_bit(self) -> Option<u32> {
        match self {
            RotationReason::Expired => Some(0x1),
            RotationReason::PolicySourceChanged => Some(0x2),
            RotationReason::ManagedAccountChanged => Some(0x4),
            RotationReason::LocalStateInconsistent => Some(0x10),
            RotationReason::PasswordVersionMismatch => Some(0x4000),
            _ => None,
        }
    }
}

impl std::fmt::Display for RotationReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RotationReason::Expired => "password expired",
            RotationReason::ExpirationMissing => "no expiration time recorded",
            RotationReason::PolicySourceChanged => "policy source changed",
            RotationReason::ManagedAccountChanged => "managed account changed",
            RotationReason::EncryptionTargetChanged => "encryption target changed",
            RotationReason::EncryptedPasswordMissing => "encrypted password attribute missing",
            RotationReason::LocalStateInconsistent => "local state missing or inconsistent",
            RotationReason::ExpirationBeyondPolicy => "expiration beyond PasswordAgeDays",
            RotationReason::PasswordVersionMismatch => "password version mismatch (image rollback)",
            RotationReason::DsrmModeChanged => "DSRM mode changed",
            RotationReason::ManualReset => "administrator requested a reset",
            RotationReason::PostAuthentication => "post-authentication deadline passed",
        })
    }
}

/// The verdict of one policy-processing cycle. Its serde form adds `next_expiration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationDecision {
    /// Rotate now.
    pub rotate: bool,
    /// Every factor that is set, in a fixed order.
    pub reasons: Vec<RotationReason>,
    /// Why nothing can happen, when the policy is blocked or not managed.
    pub blocked: Option<DiagnosticCode>,
    /// The expiry currently in force.
    pub current_expiration: Option<FileTime>,
    /// The expiry a rotation now writes (now + PasswordAgeDays).
    pub new_expiration: Option<FileTime>,
    /// Known bits of the event-10015 reason mask.
    pub reason_mask: u32,
    /// The events the cycle logs (10014, 10015, 10016, 10051).
    pub event_ids: Vec<u32>,
    /// Where a rule that departs from the documentation's text decided the outcome: the
    /// sentence it departs from and the source followed (e.g. expiration protection).
    pub notes: Vec<String>,
}

impl RotationDecision {
    /// When the password expires next: the new expiry after a rotation, else the current one.
    pub fn next_expiration(&self) -> Option<FileTime> {
        self.new_expiration.or(self.current_expiration)
    }
}

/// The derived form plus `next_expiration`. The pattern names every field, so a field added
/// to the struct does not compile until it is serialized here too.
impl Serialize for RotationDecision {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let RotationDecision {
            rotate,
            reasons,
            blocked,
            current_expiration,
            new_expiration,
            reason_mask,
            event_ids,
            notes,
        } = self;
        let mut m = s.serialize_struct("RotationDecision", 9)?;
        m.serialize_field("rotate", rotate)?;
        m.serialize_field("reasons", reasons)?;
        m.serialize_field("blocked", blocked)?;
        m.serialize_field("current_expiration", current_expiration)?;
        m.serialize_field("new_expiration", new_expiration)?;
        m.serialize_field("next_expiration", &self.next_expiration())?;
        m.serialize_field("reason_mask", reason_mask)?;
        m.serialize_field("event_ids", event_ids)?;
        m.serialize_field("notes", notes)?;
        m.end()
    }
}

/// Whole days from `now` to `expiry`, rounded up (29.85 days gives 30), as
/// the trace's `lDaysToChange`; 0 when already past.
pub fn days_to_change(now: FileTime, expiry: FileTime) -> u64 {
    expiry
        .ticks()
        .saturating_sub(now.ticks())
        .div_ceil(TICKS_PER_DAY)
}

fn account_changed(policy: &EffectivePolicy, local: &LocalState) -> bool {
    let rid_is = |want: u32| local.last_account_rid.map(|r| r != want);
    let name_is = |want: &str| {
        local
            .last_account_name
            .as_deref()
            .map(|n| !n.eq_ignore_ascii_case(want))
    };
    let changed = match policy.managed_account() {
        ManagedAccount::None => Some(false),
        ManagedAccount::BuiltInAdministrator | ManagedAccount::DsrmAdministrator => {
            rid_is(BUILTIN_ADMINISTRATOR_RID)
        }
        ManagedAccount::Named { name } => name_is(&name),
        ManagedAccount::Automatic {
            target: AccountTarget::BuiltInAdministrator,
            ..
        } => rid_is(BUILTIN_ADMINISTRATOR_RID),
        ManagedAccount::Automatic {
            name_or_prefix,
            randomize_name: true,
            ..
        } => local.last_account_name.as_deref().map(|n| {
            !n.get(..name_or_prefix.len().min(n.len()))
                .is_some_and(|head| head.eq_ignore_ascii_case(&name_or_prefix))
        }),
        ManagedAccount::Automatic { name_or_prefix, .. } => name_is(&name_or_prefix),
    };
    // Nothing recorded about the last account: treat as changed (first run).
    changed.unwrap_or(local.last_account_rid.is_none() && local.last_account_name.is_none())
}

/// Decides whether the password must rotate now.
///
/// AD modes (and legacy emulation) evaluate the update factors against the
/// directory; Entra mode uses only its local expiry and never polls Entra.
/// The expiration-protection check follows Windows' "remaining days" model:
/// rotate when the days to the directory expiry, rounded up, exceed
/// PasswordAgeDays (strict `>`; the operator is UNCERTAIN).
///
/// ```
/// use laps_core::FileTime;
/// use laps_policy::{decide_rotation, resolve, Device, DirectoryState, LocalState, RegValue, RotationReason, Snapshot};
/// let mut s = Snapshot::new();
/// s.gpo.set("BackupDirectory", RegValue::Dword(2));
/// let policy = resolve(&s, &Device::default());
/// let set_at = FileTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap();
/// let local = LocalState::after_rotation(&policy, set_at, None);
/// let dir = DirectoryState {
///     password_expiration_time: Some(set_at.add_days(30)),
///     encrypted_password_present: true,
///     current_password_version: None,
/// };
/// let d = decide_rotation(&policy, &local, &dir, set_at.add_days(10));
/// assert!(!d.rotate);
/// let d = decide_rotation(&policy, &local, &dir, set_at.add_days(31));
/// assert_eq!(d.reasons, vec![RotationReason::Expired]);
/// assert_eq!(d.new_expiration, Some(set_at.add_days(61)));
/// ```
pub fn decide_rotation(
    policy: &EffectivePolicy,
    local: &LocalState,
    directory: &DirectoryState,
    now: FileTime,
) -> RotationDecision {
    let mut reasons = Vec::new();
    let blocked = match (policy.mode.is_managed(), policy.blocker) {
        (_, Some(b)) => Some(b),
        (false, None) => Some(DiagnosticCode::NoPolicy),
        (true, None) => None,
    };
    let entra = policy.mode == Mode::Entra;
    let current_expiration = if entra {
        local.azure_password_expiry
    } else {
        directory.password_expiration_time
    };

    if policy.mode.is_managed() {
        if local.reset_requested {
            reasons.push(RotationReason::ManualReset);
        }
        if local.post_auth_reset_deadline.is_some_and(|d| now >= d) {
            reasons.push(RotationReason::PostAuthentication);
        }
        match current_expiration {
            None => reasons.push(RotationReason::ExpirationMissing),
            Some(e) if now >= e => reasons.push(RotationReason::Expired),
            Some(_) => {}
        }
        if local.policy_source != Some(policy.source) {
            reasons.push(RotationReason::PolicySourceChanged);
        }
        if account_changed(policy, local) {
            reasons.push(RotationReason::ManagedAccountChanged);
        }
        if local.last_password_update.is_none_or(|t| t > now) {
            reasons.push(RotationReason::LocalStateInconsistent);
        }
    }
    if policy.mode.is_active_directory() {
        if let Some(target) = policy.encryption_target() {
            let same = local
                .last_encryption_target
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(&target));
            if !same {
                reasons.push(RotationReason::EncryptionTargetChanged);
            }
            if !directory.encrypted_password_present {
                reasons.push(RotationReason::EncryptedPasswordMissing);
            }
        }
        let protection = policy
            .is_applicable(crate::SettingId::PasswordExpirationProtectionEnabled)
            && policy.password_expiration_protection_enabled();
        if let (true, Some(e)) = (protection, current_expiration) {
            if now < e && days_to_change(now, e) > u64::from(policy.password_age_days()) {
                reasons.push(RotationReason::ExpirationBeyondPolicy);
            }
        }
        let rollback_detection =
            policy.mode != Mode::LegacyEmulation && policy.device.os_build >= BUILD_24H2;
        if let (true, Some(dir_version)) = (rollback_detection, &directory.current_password_version)
        {
            let same = local.last_password_version.as_deref().is_some_and(|v| {
                v.trim_matches(['{', '}'])
                    .eq_ignore_ascii_case(dir_version.trim_matches(['{', '}']))
            });
            if !same {
                reasons.push(RotationReason::PasswordVersionMismatch);
            }
        }
        let dsrm = policy.mode == Mode::ActiveDirectoryDsrm;
        if policy.mode != Mode::LegacyEmulation && local.dsrm_mode.is_some_and(|d| d != dsrm) {
            reasons.push(RotationReason::DsrmModeChanged);
        }
    }
    reasons.sort();
    reasons.dedup();

    let rotate = blocked.is_none() && !reasons.is_empty();
    let reason_mask = reasons
        .iter()
        .filter_map(|r| r.event_bit())
        .fold(0, |a, b| a | b);
    let mut event_ids = Vec::new();
    if blocked.is_none() {
        if reasons.contains(&RotationReason::ManualReset) {
            event_ids.push(events::ADMIN_REQUESTED_UPDATE);
        }
        if reasons.contains(&RotationReason::PostAuthentication) {
            event_ids.push(events::POST_AUTH_UPDATE);
        }
        if reasons.iter().any(|r| {
            !matches!(
                r,
                RotationReason::ManualReset | RotationReason::PostAuthentication
            )
        }) {
            event_ids.push(events::UPDATE_NEEDED);
        }
        if reasons.is_empty() {
            event_ids.push(events::NO_UPDATE_NEEDED);
        }
    }
    let notes = if reasons.contains(&RotationReason::ExpirationBeyondPolicy) {
        vec![crate::departures::EXPIRATION_PROTECTION_REMAINING_DAYS.to_owned()]
    } else {
        Vec::new()
    };
    RotationDecision {
        notes,
        rotate,
        reasons,
        blocked,
        current_expiration,
        new_expiration: rotate.then(|| now.add_days(policy.password_age_days())),
        reason_mask,
        event_ids,
    }
}
