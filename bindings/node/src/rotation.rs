//! `decideRotation`, `postAuthenticationTimeline`, the device state they read
//! (`localStateFromRegistry`, `localStateAfterRotation`) and `resetPasswordStatus`: pure
//! decisions over a resolved policy.

use crate::args::{arg, options};
use crate::error::{invalid_arg, kind_error, policy_error, Result};
use crate::guard::guarded;
use crate::policy::EffectivePolicy;
use crate::regvalue::root_from_js;
use crate::time::{from_date, opt_from_date, to_date};
use chrono::{DateTime, Utc};
use laps_policy::{DirectoryState, LocalState, ResetPasswordStatus, Source};
use napi::bindgen_prelude::{ClassInstance, Either};
use napi::Unknown;
use napi_derive::napi;

/// The device's `LAPS\State` as far as rotation needs it; everything is
/// optional (a first run has nothing).
#[napi(object)]
pub struct LocalStateInput {
    /// Policy source of the last successful update.
    #[napi(ts_type = "'csp' | 'gpo' | 'local' | 'legacy' | 'none'")]
    pub policy_source: Option<String>,
    /// `LastPasswordUpdateTime`.
    pub last_password_update: Option<DateTime<Utc>>,
    /// `AzurePasswordExpiryTime` (the Entra-mode expiry, kept only on the device).
    pub azure_password_expiry: Option<DateTime<Utc>>,
    /// `LastAccountRidUpdated`.
    pub last_account_rid: Option<u32>,
    /// Name of the account last managed.
    pub last_account_name: Option<String>,
    /// Principal the last password was encrypted to.
    pub last_encryption_target: Option<String>,
    /// `DSRMMode` of the last update.
    pub dsrm_mode: Option<bool>,
    /// `LastPasswordVersion` (GUID text, 24H2).
    pub last_password_version: Option<String>,
    /// A rotation was requested (`Reset-LapsPassword` or the CSP `ResetPassword` action).
    pub reset_requested: Option<bool>,
    /// `PostAuthResetDeadline`: a pending post-authentication deadline.
    pub post_auth_reset_deadline: Option<DateTime<Utc>>,
}

/// The computer object's LAPS attributes (AD modes only).
#[napi(object)]
pub struct DirectoryStateInput {
    /// `msLAPS-PasswordExpirationTime`.
    pub password_expiration_time: Option<DateTime<Utc>>,
    /// `msLAPS-EncryptedPassword` (or the DSRM one) is present.
    pub encrypted_password_present: Option<bool>,
    /// `msLAPS-CurrentPasswordVersion` (GUID text, 24H2 schema).
    pub current_password_version: Option<String>,
}

/// The verdict of one policy-processing cycle.
#[napi(object)]
pub struct RotationDecision {
    /// Rotate now.
    pub rotate: bool,
    /// Every update factor that is set, e.g. `'expired'`, `'policy_source_changed'`.
    pub reasons: Vec<String>,
    /// Why nothing can happen (a diagnostic code), when the policy is blocked or unmanaged.
    pub blocked: Option<String>,
    /// The expiry currently in force.
    pub current_expiration: Option<DateTime<Utc>>,
    /// The expiry a rotation now writes (now + PasswordAgeDays).
    pub new_expiration: Option<DateTime<Utc>>,
    /// The new expiry after a rotation, else the current one.
    pub next_expiration: Option<DateTime<Utc>>,
    /// Known bits of the event-10015 reason mask.
    pub reason_mask: u32,
    /// The Windows LAPS events the cycle logs.
    pub event_ids: Vec<u32>,
}

/// One step after a managed-account logon.
#[napi(object)]
pub struct PostAuthStep {
    /// When it happens.
    pub at: DateTime<Utc>,
    /// What happens.
    pub what: String,
    /// The matching Windows LAPS event, if any.
    pub event_id: Option<u32>,
}

/// What follows a logon with the managed account.
#[napi(object)]
pub struct PostAuthTimeline {
    /// The logon time.
    pub logon: DateTime<Utc>,
    /// When the actions run (`null` when they are off).
    pub deadline: Option<DateTime<Utc>>,
    /// The action bit mask (1 reset, 2 sign out, 4 reboot, 8 terminate processes).
    pub actions: u32,
    /// The actions by name.
    pub action_names: Vec<String>,
    /// Grace period in hours.
    pub grace_hours: u32,
    /// Why there is no deadline (`'grace_period_zero'`, `'dsrm_mode'`, …).
    pub off: Option<String>,
    /// The steps, in time order.
    pub steps: Vec<PostAuthStep>,
}

fn source_of(name: &str) -> Result<Source> {
    name.parse().map_err(|e: laps_core::UnknownName| {
        kind_error(
            e.kind(),
            format!("local.policySource: {e} (csp, gpo, local, legacy or none)"),
        )
    })
}

impl LocalStateInput {
    /// The JS form of a core [`LocalState`].
    fn from_state(s: LocalState) -> Self {
        LocalStateInput {
            policy_source: s.policy_source.map(|p| p.as_str().to_owned()),
            last_password_update: s.last_password_update.map(to_date),
            azure_password_expiry: s.azure_password_expiry.map(to_date),
            last_account_rid: s.last_account_rid,
            last_account_name: s.last_account_name,
            last_encryption_target: s.last_encryption_target,
            dsrm_mode: s.dsrm_mode,
            last_password_version: s.last_password_version,
            reset_requested: Some(s.reset_requested),
            post_auth_reset_deadline: s.post_auth_reset_deadline.map(to_date),
        }
    }

    fn to_state(&self) -> Result<LocalState> {
        Ok(LocalState {
            policy_source: self.policy_source.as_deref().map(source_of).transpose()?,
            last_password_update: opt_from_date(
                "local.lastPasswordUpdate",
                self.last_password_update.as_ref(),
            )?,
            azure_password_expiry: opt_from_date(
                "local.azurePasswordExpiry",
                self.azure_password_expiry.as_ref(),
            )?,
            last_account_rid: self.last_account_rid,
            last_account_name: self.last_account_name.clone(),
            last_encryption_target: self.last_encryption_target.clone(),
            dsrm_mode: self.dsrm_mode,
            last_password_version: self.last_password_version.clone(),
            reset_requested: self.reset_requested.unwrap_or(false),
            post_auth_reset_deadline: opt_from_date(
                "local.postAuthResetDeadline",
                self.post_auth_reset_deadline.as_ref(),
            )?,
        })
    }
}

impl DirectoryStateInput {
    fn to_state(&self) -> Result<DirectoryState> {
        Ok(DirectoryState {
            password_expiration_time: opt_from_date(
                "directory.passwordExpirationTime",
                self.password_expiration_time.as_ref(),
            )?,
            encrypted_password_present: self.encrypted_password_present.unwrap_or(false),
            current_password_version: self.current_password_version.clone(),
        })
    }
}

/// The instant `now` (a `Date`; `undefined` is the current time).
fn now_of(now: Unknown<'_>) -> Result<laps_core::FileTime> {
    let now: Option<DateTime<Utc>> = arg("now", now)?;
    from_date("now", &now.unwrap_or_else(Utc::now))
}

/// Decides whether the password must rotate now: the AD update factors
/// (expired, source / account / encryption target changed, encrypted attribute
/// missing, local state inconsistent, expiry beyond policy, version mismatch,
/// DSRM mode changed, manual reset), or in Entra mode the local expiry only.
#[napi(
    ts_args_type = "policy: EffectivePolicy, local?: LocalStateInput | null, directory?: DirectoryStateInput | null, now?: Date | null"
)]
pub fn decide_rotation(
    policy: Unknown<'_>,
    local: Unknown<'_>,
    directory: Unknown<'_>,
    now: Unknown<'_>,
) -> Result<RotationDecision> {
    guarded(|| {
        let policy: ClassInstance<'_, EffectivePolicy> = arg("policy", policy)?;
        let local = match options::<LocalStateInput>("local", local)? {
            Some(l) => l.to_state()?,
            None => LocalState::default(),
        };
        let directory = match options::<DirectoryStateInput>("directory", directory)? {
            Some(d) => d.to_state()?,
            None => DirectoryState::default(),
        };
        let d = laps_policy::decide_rotation(&policy.inner, &local, &directory, now_of(now)?);
        Ok(RotationDecision {
            rotate: d.rotate,
            reasons: d.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
            blocked: d.blocked.map(|b| b.as_str().to_owned()),
            current_expiration: d.current_expiration.map(to_date),
            new_expiration: d.new_expiration.map(to_date),
            next_expiration: d.next_expiration().map(to_date),
            reason_mask: d.reason_mask,
            event_ids: d.event_ids,
        })
    })
}

/// What follows a logon with the managed account at `logon`: the deadline and
/// the post-authentication actions (a grace period of 0 turns them off).
#[napi(ts_args_type = "policy: EffectivePolicy, logon: Date")]
pub fn post_authentication_timeline(
    policy: Unknown<'_>,
    logon: Unknown<'_>,
) -> Result<PostAuthTimeline> {
    guarded(|| {
        let policy: ClassInstance<'_, EffectivePolicy> = arg("policy", policy)?;
        let logon: DateTime<Utc> = arg("logon", logon)?;
        let t =
            laps_policy::post_authentication_timeline(&policy.inner, from_date("logon", &logon)?);
        Ok(PostAuthTimeline {
            logon: to_date(t.logon),
            deadline: t.deadline.map(to_date),
            actions: t.actions.bits(),
            action_names: t.actions.names().into_iter().map(str::to_owned).collect(),
            grace_hours: t.grace_hours,
            off: t.off.map(|o| o.as_str().to_owned()),
            steps: t
                .steps
                .iter()
                .map(|s| PostAuthStep {
                    at: to_date(s.at),
                    what: s.what.to_owned(),
                    event_id: s.event_id,
                })
                .collect(),
        })
    })
}

/// The `local` state `decideRotation` takes, read from the values of the device's
/// `HKLM\Software\Microsoft\Windows\CurrentVersion\LAPS\State` key (value name → value, as
/// in a policy root: `PolicySource`, `LastPasswordUpdateTime`, `AzurePasswordExpiryTime`, …).
///
/// ```js
/// localStateFromRegistry({ PolicySource: 2, LastPasswordUpdateTime: 133500000000000000n })
/// // { policySource: 'gpo', lastPasswordUpdate: 2024-01-17T21:20:00.000Z, resetRequested: false }
/// ```
#[napi(ts_args_type = "values: Record<string, RegistryValue>")]
pub fn local_state_from_registry(values: Unknown<'_>) -> Result<LocalStateInput> {
    guarded(|| {
        let values = root_from_js("values", Some(values))?;
        Ok(LocalStateInput::from_state(LocalState::from_registry(
            &values,
        )))
    })
}

/// The `local` state a successful rotation at `now` (default: the current time) under
/// `policy` leaves behind, as `decideRotation` takes it.
#[napi(
    ts_args_type = "policy: EffectivePolicy, now?: Date | null, passwordVersion?: string | null"
)]
pub fn local_state_after_rotation(
    policy: Unknown<'_>,
    now: Unknown<'_>,
    password_version: Unknown<'_>,
) -> Result<LocalStateInput> {
    guarded(|| {
        let policy: ClassInstance<'_, EffectivePolicy> = arg("policy", policy)?;
        let password_version: Option<String> = arg("passwordVersion", password_version)?;
        Ok(LocalStateInput::from_state(LocalState::after_rotation(
            &policy.inner,
            now_of(now)?,
            password_version,
        )))
    })
}

/// The decoded LAPS CSP `Actions/ResetPasswordStatus`.
#[napi(object)]
pub struct ResetStatus {
    /// What the HRESULT means.
    #[napi(ts_type = "'succeeded' | 'pending' | 'failed'")]
    pub status: String,
    /// The HRESULT as an unsigned 32-bit number (E_PENDING in its real spelling).
    pub hresult: u32,
}

/// Decodes the LAPS CSP `Actions/ResetPasswordStatus`: an HRESULT as a number (signed or
/// unsigned), or the CSP's text (decimal, or `0x` hex). Both spellings of E_PENDING
/// (`0x8000000A` and the documentation's `0x8000000`) are pending.
///
/// ```js
/// resetPasswordStatus('0x8000000A')   // { status: 'pending', hresult: 2147483658 }
/// resetPasswordStatus(0)              // { status: 'succeeded', hresult: 0 }
/// ```
#[napi(ts_args_type = "value: number | string")]
pub fn reset_password_status(value: Unknown<'_>) -> Result<ResetStatus> {
    guarded(|| {
        let status = match arg::<Either<f64, String>>("value", value)? {
            Either::A(n)
                if n.fract() == 0.0 && (f64::from(i32::MIN)..=f64::from(u32::MAX)).contains(&n) =>
            {
                ResetPasswordStatus::from_hresult(if n < 0.0 { n as i32 as u32 } else { n as u32 })
            }
            Either::A(n) => {
                return Err(invalid_arg(format!(
                    "value: an HRESULT must be a whole number that fits in 32 bits, got {n}"
                )))
            }
            Either::B(text) => text.parse().map_err(policy_error)?,
        };
        Ok(ResetStatus {
            status: status.as_str().to_owned(),
            hresult: status.hresult(),
        })
    })
}
