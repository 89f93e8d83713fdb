//! `decideRotation`, `postAuthenticationTimeline`, the device state they read
//! (`localStateFromRegistry`, `localStateAfterRotation`) and `resetPasswordStatus`: pure
//! decisions over a resolved policy.

use crate::args::{arg, text_or_number};
use crate::error::{coded, Result};
use crate::guard::guarded;
use crate::plain::{from_js, to_js};
use crate::policy::EffectivePolicy;
use crate::regvalue::root_from_js;
use crate::time::{date_or_now, from_date};
use chrono::{DateTime, Utc};
use laps_policy::{DirectoryState, LocalState, ResetPasswordStatus};
use napi::bindgen_prelude::ClassInstance;
use napi::{Env, Unknown};
use napi_derive::napi;

/// The instant `now` (a `Date`; `undefined` is the current time).
fn now_of(now: Unknown<'_>) -> Result<laps_core::FileTime> {
    let now: Option<DateTime<Utc>> = arg("now", now)?;
    date_or_now("now", now.as_ref())
}

/// Decides whether the password must rotate now: the AD update factors
/// (expired, source / account / encryption target changed, encrypted attribute
/// missing, local state inconsistent, expiry beyond policy, version mismatch,
/// DSRM mode changed, manual reset), or in Entra mode the local expiry only.
#[napi(
    ts_args_type = "policy: EffectivePolicy, local?: LocalStateInput | null, directory?: DirectoryStateInput | null, now?: Date | null",
    ts_return_type = "RotationDecision"
)]
pub fn decide_rotation<'env>(
    env: &'env Env,
    policy: Unknown<'_>,
    local: Unknown<'_>,
    directory: Unknown<'_>,
    now: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let policy: ClassInstance<'_, EffectivePolicy> = arg("policy", policy)?;
        let local: LocalState = from_js("local", local)?;
        let directory: DirectoryState = from_js("directory", directory)?;
        let d = laps_policy::decide_rotation(&policy.inner, &local, &directory, now_of(now)?);
        to_js(env, &d)
    })
}

/// What follows a logon with the managed account at `logon`: the deadline and
/// the post-authentication actions (a grace period of 0 turns them off).
#[napi(
    ts_args_type = "policy: EffectivePolicy, logon: Date",
    ts_return_type = "PostAuthTimeline"
)]
pub fn post_authentication_timeline<'env>(
    env: &'env Env,
    policy: Unknown<'_>,
    logon: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let policy: ClassInstance<'_, EffectivePolicy> = arg("policy", policy)?;
        let logon: DateTime<Utc> = arg("logon", logon)?;
        let logon = from_date("logon", &logon)?;
        to_js(
            env,
            &laps_policy::post_authentication_timeline(&policy.inner, logon),
        )
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
#[napi(
    ts_args_type = "values: Record<string, RegistryValue>",
    ts_return_type = "LocalStateInput"
)]
pub fn local_state_from_registry<'env>(
    env: &'env Env,
    values: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let values = root_from_js("values", Some(values))?;
        to_js(env, &LocalState::from_registry(&values))
    })
}

/// The `local` state a successful rotation at `now` (default: the current time) under
/// `policy` leaves behind, as `decideRotation` takes it.
#[napi(
    ts_args_type = "policy: EffectivePolicy, now?: Date | null, passwordVersion?: string | null",
    ts_return_type = "LocalStateInput"
)]
pub fn local_state_after_rotation<'env>(
    env: &'env Env,
    policy: Unknown<'_>,
    now: Unknown<'_>,
    password_version: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let policy: ClassInstance<'_, EffectivePolicy> = arg("policy", policy)?;
        let password_version: Option<String> = arg("passwordVersion", password_version)?;
        let state = LocalState::after_rotation(&policy.inner, now_of(now)?, password_version);
        to_js(env, &state)
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

/// Decodes the LAPS CSP `Actions/ResetPasswordStatus`: an HRESULT as a number or `bigint`
/// (signed or unsigned), or the CSP's text (decimal, or `0x` hex). Both spellings of E_PENDING
/// (`0x8000000A` and the documentation's `0x8000000`) are pending.
///
/// ```js
/// resetPasswordStatus('0x8000000A')   // { status: 'pending', hresult: 2147483658 }
/// resetPasswordStatus(0)              // { status: 'succeeded', hresult: 0 }
/// ```
#[napi(ts_args_type = "value: number | bigint | string")]
pub fn reset_password_status(value: Unknown<'_>) -> Result<ResetStatus> {
    guarded(|| {
        let text = text_or_number("value", value)?;
        let status = text.parse::<ResetPasswordStatus>().map_err(coded)?;
        Ok(ResetStatus {
            status: status.as_str().to_owned(),
            hresult: status.hresult(),
        })
    })
}
