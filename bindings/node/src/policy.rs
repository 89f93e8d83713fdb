//! `resolvePolicy`, the `EffectivePolicy` class and the policy-file parsers (laps-policy).

use crate::args::{arg, options};
use crate::error::{coded, internal, invalid_arg, Result};
use crate::guard::guarded;
use crate::plain::{from_js, to_js};
use crate::regvalue::{js_value, snapshot_from_js};
use laps_policy::{Device, Root, SettingValue, Snapshot};
use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{Either3, Function, Object};
use napi::{Env, Unknown};
use napi_derive::napi;

fn setting_value(v: &SettingValue) -> Option<Either3<u32, bool, String>> {
    match v {
        SettingValue::Number(n) => Some(Either3::A(*n)),
        SettingValue::Bool(b) => Some(Either3::B(*b)),
        SettingValue::Text(s) => Some(Either3::C(s.clone())),
        SettingValue::None => None,
    }
}

/// The effective Windows LAPS policy of one device, with the full trace.
///
/// Settings are getters in camelCase; `provenance(name)` says where each comes
/// from; `explain()` renders it all for a person; `toJSON()` is the JSON form
/// the CLI and the Python binding print.
#[napi]
pub struct EffectivePolicy {
    pub(crate) inner: laps_policy::EffectivePolicy,
}

#[napi]
impl EffectivePolicy {
    /// The root the policy came from.
    #[napi(getter, ts_return_type = "PolicySource")]
    pub fn source(&self) -> &'static str {
        self.inner.source.as_str()
    }

    /// What LAPS does.
    #[napi(getter, ts_return_type = "PolicyMode")]
    pub fn mode(&self) -> &'static str {
        self.inner.mode.as_str()
    }

    /// What to generate under this policy: pass it to `generatePassword`.
    #[napi(getter)]
    pub fn password_options(&self) -> crate::generate::PasswordOptions {
        let spec = self.inner.password_spec();
        crate::generate::PasswordOptions {
            complexity: Some(f64::from(spec.complexity().get())),
            length: Some(f64::from(spec.length())),
            words: Some(f64::from(spec.passphrase_words())),
            seed: None,
        }
    }

    /// The effective value of a setting by registry name (any case) or
    /// snake_case name (`null` for an unset text setting). An unknown name
    /// throws `LAPS_INVALID_ARG`.
    #[napi(
        ts_args_type = "name: string",
        ts_return_type = "number | boolean | string | null"
    )]
    pub fn value(&self, name: Unknown<'_>) -> Result<Option<Either3<u32, bool, String>>> {
        guarded(|| Ok(setting_value(&self.resolution(name)?.value)))
    }

    /// Where a setting's value comes from, by registry name (any case) or
    /// snake_case name. An unknown name throws `LAPS_INVALID_ARG`.
    #[napi(ts_args_type = "name: string", ts_return_type = "SettingProvenance")]
    pub fn provenance<'env>(&self, env: &'env Env, name: Unknown<'_>) -> Result<Unknown<'env>> {
        guarded(|| to_js(env, &self.resolution(name)?.form(js_value)))
    }

    /// The device the policy was resolved for, every fact filled in (the core's defaults for
    /// those not given).
    #[napi(getter, ts_return_type = "DeviceOptions")]
    pub fn device<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        to_js(env, &self.inner.device)
    }

    /// Every setting's resolution, in catalogue order (what `provenance(name)` gives for one).
    #[napi(getter, ts_return_type = "SettingProvenance[]")]
    pub fn settings<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let forms: Vec<_> = (self.inner.settings.iter())
            .map(|r| r.form(js_value))
            .collect();
        to_js(env, &forms)
    }

    /// Every finding, most important first, with its Windows LAPS event ID where one exists.
    #[napi(getter, ts_return_type = "PolicyDiagnostic[]")]
    pub fn diagnostics<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        to_js(env, &self.inner.diagnostics)
    }

    /// One line on what happened to a root and why (e.g. why a GPO is ignored).
    #[napi(ts_args_type = "root: 'csp' | 'gpo' | 'local' | 'legacy'")]
    pub fn root_verdict(&self, root: Unknown<'_>) -> Result<String> {
        guarded(|| {
            let name: String = arg("root", root)?;
            let root: Root = name.parse().map_err(coded)?;
            Ok(self.inner.root_verdict(root))
        })
    }

    /// A human explanation: the outcome, each root's fate, every setting with
    /// its provenance, and the diagnostics.
    #[napi]
    pub fn explain(&self) -> String {
        self.inner.explain()
    }

    /// The JSON form (the same document the CLI's `--json` and Python's
    /// `to_dict()` give, keys in the Rust crate's order), so `JSON.stringify(policy)` works.
    #[napi(js_name = "toJSON", ts_return_type = "Record<string, unknown>")]
    pub fn to_json<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let parse = || -> napi::Result<Unknown<'env>> {
            let json: Object<'_> = env.get_global()?.get_named_property("JSON")?;
            let parse: Function<'_, String, Unknown<'env>> = json.get_named_property("parse")?;
            let text = self
                .inner
                .to_json()
                .map_err(|e| napi::Error::from_reason(e.to_string()))?;
            parse.call(text)
        };
        parse().map_err(|e| internal(e.reason))
    }

    /// The resolution of the setting named by argument `name`.
    fn resolution(&self, name: Unknown<'_>) -> Result<&laps_policy::SettingResolution> {
        let name: String = arg("name", name)?;
        self.inner.provenance(&name).map_err(coded)
    }
}

/// The typed setting getters of [`EffectivePolicy`], one line each: `name -> type = |p| value`
/// with `p` the core policy.
macro_rules! getters {
    // The docs are written `#[doc = "..."]`: napi copies a doc literal's text as written, and
    // a `///` comment inside a macro's input becomes a raw literal, whose `r"` would land in
    // index.d.ts.
    ($($(#[doc = $doc:tt])* $name:ident -> $ty:ty = |$p:ident| $value:expr;)*) => {
        #[napi]
        impl EffectivePolicy {
            $(
                $(#[doc = $doc])*
                #[napi(getter)]
                pub fn $name(&self) -> $ty {
                    let $p = &self.inner;
                    $value
                }
            )*
        }
    };
}

/// A number setting's value.
fn number(p: &laps_policy::EffectivePolicy, name: &str) -> u32 {
    p.value(name).and_then(SettingValue::as_number).unwrap_or(0)
}

getters! {
    #[doc = " Why nothing is managed or backed up (a diagnostic code), when that is the case."]
    blocker -> Option<String> = |p| p.blocker.map(|c| c.as_str().to_owned());
    #[doc = " `BackupDirectory`: 0 disabled, 1 Entra, 2 Active Directory."]
    backup_directory -> u32 = |p| number(p, "BackupDirectory");
    #[doc = " `AdministratorAccountName`; `null` is the built-in administrator."]
    administrator_account_name -> Option<String> =
        |p| p.administrator_account_name().map(str::to_owned);
    #[doc = " `PasswordAgeDays`."]
    password_age_days -> u32 = |p| p.password_age_days();
    #[doc = " `PasswordLength` (used by complexities 1–5)."]
    password_length -> u32 = |p| p.password_length();
    #[doc = " `PassphraseLength` in words (used by complexities 6–8)."]
    passphrase_length -> u32 = |p| p.passphrase_length();
    #[doc = " `PasswordComplexity` (1–8)."]
    password_complexity -> u32 = |p| p.password_complexity().get();
    #[doc = " `PasswordExpirationProtectionEnabled`."]
    password_expiration_protection_enabled -> bool =
        |p| p.password_expiration_protection_enabled();
    #[doc = " `ADPasswordEncryptionEnabled`."]
    ad_password_encryption_enabled -> bool = |p| p.ad_password_encryption_enabled();
    #[doc = " `ADPasswordEncryptionPrincipal`; `null` is Domain Admins."]
    ad_password_encryption_principal -> Option<String> =
        |p| p.ad_password_encryption_principal().map(str::to_owned);
    #[doc = " `ADEncryptedPasswordHistorySize`."]
    ad_encrypted_password_history_size -> u32 = |p| p.ad_encrypted_password_history_size();
    #[doc = " `ADBackupDSRMPassword`."]
    ad_backup_dsrm_password -> bool = |p| p.ad_backup_dsrm_password();
    #[doc = " `PostAuthenticationResetDelay` in hours."]
    post_authentication_reset_delay -> u32 = |p| p.post_authentication_reset_delay();
    #[doc = " `PostAuthenticationActions` bit mask (1 reset, 2 sign out, 4 reboot, 8 terminate processes)."]
    post_authentication_actions -> u32 = |p| p.post_authentication_actions().bits();
    #[doc = " `AutomaticAccountManagementEnabled`."]
    automatic_account_management_enabled -> bool = |p| p.automatic_account_management_enabled();
    #[doc = " `AutomaticAccountManagementTarget`: 0 built-in administrator, 1 a new account."]
    automatic_account_management_target -> u32 = |p| number(p, "AutomaticAccountManagementTarget");
    #[doc = " `AutomaticAccountManagementNameOrPrefix`."]
    automatic_account_management_name_or_prefix -> Option<String> = |p| {
        let name = p.value("AutomaticAccountManagementNameOrPrefix");
        name.and_then(SettingValue::as_text).map(str::to_owned)
    };
    #[doc = " `AutomaticAccountManagementEnableAccount`."]
    automatic_account_management_enable_account -> bool =
        |p| p.automatic_account_management_enable_account();
    #[doc = " `AutomaticAccountManagementRandomizeName`."]
    automatic_account_management_randomize_name -> bool =
        |p| p.automatic_account_management_randomize_name();
    #[doc = " True when the password is encrypted in AD under this policy."]
    encrypts -> bool = |p| p.encrypts();
    #[doc = " The principal passwords are encrypted to, when encrypting."]
    encryption_target -> Option<String> = |p| p.encryption_target();
    #[doc = " The account that is managed, for a person (e.g. `built-in administrator (RID 500)`)."]
    managed_account -> String = |p| p.managed_account().to_string();
}

/// Resolves the effective policy exactly as Windows LAPS does: the first of
/// the CSP, GPO, local and legacy roots that holds any LAPS setting is the
/// only source; invalid values fall back to their defaults.
///
/// ```js
/// const p = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordComplexity: 5 }, device: { join: 'ad' } })
/// p.mode                      // 'ad'
/// p.provenance('PasswordLength').description
/// console.log(p.explain())
/// ```
#[napi(ts_args_type = "input?: PolicyInput | undefined | null")]
pub fn resolve_policy(input: Unknown<'_>) -> Result<EffectivePolicy> {
    guarded(|| {
        let (snapshot, device) = match options::<Object<'_>>("input", input)? {
            None => (Snapshot::new(), Device::default()),
            Some(obj) => {
                let device: Option<Unknown<'_>> = obj
                    .get("device")
                    .map_err(|e| invalid_arg(format!("device: {}", e.reason)))?;
                let device = device.map(|d| from_js("device", d)).transpose()?;
                (snapshot_from_js(&obj)?, device.unwrap_or_default())
            }
        };
        Ok(EffectivePolicy {
            inner: laps_policy::resolve(&snapshot, &device),
        })
    })
}

/// The catalogue of every LAPS setting: the 18 Windows LAPS policy values, the 2 CSP actions and
/// the 6 legacy AdmPwd values, each with its registry and CSP names, GPO display name, kind,
/// default, allowed values, the build that introduced it, which directory honours it, its
/// dependencies and a one-line description.
#[napi(ts_return_type = "SettingInfo[]")]
pub fn setting_catalog(env: &Env) -> Result<Unknown<'_>> {
    guarded(|| to_js(env, &laps_policy::catalog::CATALOG[..]))
}
