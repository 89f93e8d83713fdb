//! `resolvePolicy`, the `EffectivePolicy` class and the policy-file parsers (laps-policy).

use crate::args::{arg, options, whole};
use crate::error::{invalid_arg, laps_error, ErrorCode, Result};
use crate::guard::guarded;
use crate::regvalue::{snapshot_from_js, to_js, JsRegValue};
use laps_policy::{Device, JoinState, Mode, Root, SettingValue, Snapshot, Source};
use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{Either3, Function, Object};
use napi::{Env, Unknown};
use napi_derive::napi;

/// How the device is joined.
#[napi(string_enum)]
pub enum Join {
    /// Microsoft Entra joined only.
    #[napi(value = "entra")]
    Entra,
    /// Active Directory joined only.
    #[napi(value = "ad")]
    Ad,
    /// Hybrid joined (the default).
    #[napi(value = "hybrid")]
    Hybrid,
    /// Workplace-joined, registered or not joined: LAPS cannot back up anywhere.
    #[napi(value = "none")]
    None,
}

/// The device a policy is resolved for. Everything is optional; the defaults
/// are a hybrid-joined Windows 11 24H2 (build 26100) member, not a domain
/// controller, legacy client extension not installed, domain at 2016 functional level,
/// normal boot.
#[napi(object)]
pub struct DeviceOptions {
    /// Join state (default `'hybrid'`).
    pub join: Option<Join>,
    /// The device is a domain controller (default false).
    pub domain_controller: Option<bool>,
    /// Windows build number, e.g. 19045, 22631, 26100 (default 26100).
    pub os_build: Option<f64>,
    /// Update build revision, e.g. 4244 for 17763.4244 (default unknown: the April 2023
    /// update that brought Windows LAPS is assumed).
    pub os_ubr: Option<f64>,
    /// The legacy Microsoft LAPS client-side extension is installed (default false).
    pub legacy_cse_installed: Option<bool>,
    /// The domain functional level is 2016 or higher (default true).
    pub dfl_2016: Option<bool>,
    /// The legacy LAPS schema (`ms-Mcs-AdmPwd`) is in the forest (default true).
    pub legacy_schema_present: Option<bool>,
    /// Safe mode, Directory Services Restore Mode or another non-normal boot (default false):
    /// Windows LAPS does nothing this boot, even if the password has expired.
    pub safe_mode: Option<bool>,
    /// The managed account's password policy, when known: resolution then predicts event
    /// 10027 (a diagnostic, and a blocker when no generated password can pass).
    pub password_policy: Option<crate::generate::LocalPasswordPolicyOptions>,
    /// The tenant's "Enable Microsoft Entra LAPS" switch is on (default true; off: Entra
    /// backups fail with event 10059).
    pub entra_tenant_laps_enabled: Option<bool>,
    /// The device is enabled in Entra ID (default true; disabled: Entra backups fail, 10059).
    pub entra_device_enabled: Option<bool>,
}

impl DeviceOptions {
    fn to_device(&self) -> Result<Device> {
        let d = Device::default();
        Ok(Device {
            join: match self.join {
                None => d.join,
                Some(Join::Entra) => JoinState::Entra,
                Some(Join::Ad) => JoinState::Ad,
                Some(Join::Hybrid) => JoinState::Hybrid,
                Some(Join::None) => JoinState::None,
            },
            domain_controller: self.domain_controller.unwrap_or(d.domain_controller),
            os_build: match self.os_build {
                None => d.os_build,
                Some(b) => whole("device.osBuild", b, u32::MAX)?,
            },
            os_ubr: self
                .os_ubr
                .map(|u| whole("device.osUbr", u, u32::MAX))
                .transpose()?,
            legacy_cse_installed: self.legacy_cse_installed.unwrap_or(d.legacy_cse_installed),
            dfl_2016: self.dfl_2016.unwrap_or(d.dfl_2016),
            legacy_schema_present: self
                .legacy_schema_present
                .unwrap_or(d.legacy_schema_present),
            safe_mode: self.safe_mode.unwrap_or(d.safe_mode),
            password_policy: self
                .password_policy
                .as_ref()
                .map(|p| p.to_policy("device.passwordPolicy"))
                .transpose()?,
            entra_tenant_laps_enabled: self
                .entra_tenant_laps_enabled
                .unwrap_or(d.entra_tenant_laps_enabled),
            entra_device_enabled: self.entra_device_enabled.unwrap_or(d.entra_device_enabled),
        })
    }
}

/// The root the effective policy came from.
#[napi(string_enum)]
pub enum PolicySource {
    /// The CSP root (Intune / MDM).
    #[napi(value = "csp")]
    Csp,
    /// The GPO root.
    #[napi(value = "gpo")]
    Gpo,
    /// The local-config root.
    #[napi(value = "local")]
    Local,
    /// The legacy Microsoft LAPS (AdmPwd) root.
    #[napi(value = "legacy")]
    Legacy,
    /// No root holds any LAPS setting.
    #[napi(value = "none")]
    None,
}

/// What LAPS does on the device.
#[napi(string_enum)]
pub enum PolicyMode {
    /// BackupDirectory 0: nothing is managed.
    #[napi(value = "disabled")]
    Disabled,
    /// Backed up to Microsoft Entra ID.
    #[napi(value = "entra")]
    Entra,
    /// Backed up to Active Directory.
    #[napi(value = "ad")]
    Ad,
    /// A domain controller backing up its DSRM password to AD.
    #[napi(value = "ad_dsrm")]
    AdDsrm,
    /// Windows LAPS emulating legacy Microsoft LAPS.
    #[napi(value = "legacy_emulation")]
    LegacyEmulation,
    /// A policy exists but the device cannot use the chosen directory.
    #[napi(value = "unmanaged")]
    Unmanaged,
}

/// One finding of the resolver.
#[napi(object)]
pub struct PolicyDiagnostic {
    /// `'info'`, `'warning'` or `'error'`.
    pub severity: String,
    /// Stable snake_case code, e.g. `'root_ignored'`, `'invalid_value'`.
    pub code: String,
    /// The matching Windows LAPS event ID, where Windows logs one.
    pub event_id: Option<u32>,
    /// The registry name of the setting concerned.
    pub setting: Option<String>,
    /// The root concerned (`'csp'`, `'gpo'`, `'local'`, `'legacy'`).
    pub root: Option<String>,
    /// What happened, for a person.
    pub message: String,
}

/// A value of a lower-priority root that the winning root silenced.
#[napi(object)]
pub struct ShadowedValue {
    /// The root that held it.
    pub root: String,
    /// Its registry name.
    pub name: String,
    /// Its value.
    #[napi(ts_type = "RegistryValueOut")]
    pub raw: JsRegValue,
}

/// Where one setting's effective value comes from.
#[napi(object)]
pub struct SettingProvenance {
    /// Registry value name, e.g. `'PasswordLength'`.
    pub name: String,
    /// The effective value (`null` for an unset text setting).
    pub value: Option<Either3<u32, bool, String>>,
    /// False when the setting does not apply under this policy.
    pub applicable: bool,
    /// `'configured'`, `'default'`, `'fell_back'`, `'raised_to_entra_minimum'`,
    /// `'legacy_emulation'` or `'not_applicable'`.
    pub kind: String,
    /// Why it fell back or does not apply.
    pub reason: Option<String>,
    /// The root the raw value was read from.
    pub root: Option<String>,
    /// The raw registry value that was read, if any.
    #[napi(ts_type = "RegistryValueOut")]
    pub raw: Option<JsRegValue>,
    /// One line for a person, e.g. `default: GPO value 99 rejected (not an allowed value)`.
    pub description: String,
    /// Values of other roots that were ignored because this root won.
    pub shadowed: Vec<ShadowedValue>,
}

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
    #[napi(getter)]
    pub fn source(&self) -> PolicySource {
        match self.inner.source {
            Source::Csp => PolicySource::Csp,
            Source::Gpo => PolicySource::Gpo,
            Source::Local => PolicySource::Local,
            Source::Legacy => PolicySource::Legacy,
            Source::None => PolicySource::None,
        }
    }

    /// What LAPS does.
    #[napi(getter)]
    pub fn mode(&self) -> PolicyMode {
        match self.inner.mode {
            Mode::Disabled => PolicyMode::Disabled,
            Mode::Entra => PolicyMode::Entra,
            Mode::ActiveDirectory => PolicyMode::Ad,
            Mode::ActiveDirectoryDsrm => PolicyMode::AdDsrm,
            Mode::LegacyEmulation => PolicyMode::LegacyEmulation,
            // A mode a newer laps-policy adds reads as "not managed" until named here.
            _ => PolicyMode::Unmanaged,
        }
    }

    /// Why nothing is managed or backed up (a diagnostic code), when that is the case.
    #[napi(getter)]
    pub fn blocker(&self) -> Option<String> {
        self.inner.blocker.map(|c| c.as_str().to_owned())
    }

    /// `BackupDirectory`: 0 disabled, 1 Entra, 2 Active Directory.
    #[napi(getter)]
    pub fn backup_directory(&self) -> u32 {
        self.number("BackupDirectory")
    }

    /// `AdministratorAccountName`; `null` is the built-in administrator.
    #[napi(getter)]
    pub fn administrator_account_name(&self) -> Option<String> {
        self.inner.administrator_account_name().map(str::to_owned)
    }

    /// `PasswordAgeDays`.
    #[napi(getter)]
    pub fn password_age_days(&self) -> u32 {
        self.inner.password_age_days()
    }

    /// `PasswordLength` (used by complexities 1–5).
    #[napi(getter)]
    pub fn password_length(&self) -> u32 {
        self.inner.password_length()
    }

    /// `PassphraseLength` in words (used by complexities 6–8).
    #[napi(getter)]
    pub fn passphrase_length(&self) -> u32 {
        self.inner.passphrase_length()
    }

    /// `PasswordComplexity` (1–8).
    #[napi(getter)]
    pub fn password_complexity(&self) -> u32 {
        self.inner.password_complexity().get()
    }

    /// `PasswordExpirationProtectionEnabled`.
    #[napi(getter)]
    pub fn password_expiration_protection_enabled(&self) -> bool {
        self.inner.password_expiration_protection_enabled()
    }

    /// `ADPasswordEncryptionEnabled`.
    #[napi(getter)]
    pub fn ad_password_encryption_enabled(&self) -> bool {
        self.inner.ad_password_encryption_enabled()
    }

    /// `ADPasswordEncryptionPrincipal`; `null` is Domain Admins.
    #[napi(getter)]
    pub fn ad_password_encryption_principal(&self) -> Option<String> {
        self.inner
            .ad_password_encryption_principal()
            .map(str::to_owned)
    }

    /// `ADEncryptedPasswordHistorySize`.
    #[napi(getter)]
    pub fn ad_encrypted_password_history_size(&self) -> u32 {
        self.inner.ad_encrypted_password_history_size()
    }

    /// `ADBackupDSRMPassword`.
    #[napi(getter)]
    pub fn ad_backup_dsrm_password(&self) -> bool {
        self.inner.ad_backup_dsrm_password()
    }

    /// `PostAuthenticationResetDelay` in hours.
    #[napi(getter)]
    pub fn post_authentication_reset_delay(&self) -> u32 {
        self.inner.post_authentication_reset_delay()
    }

    /// `PostAuthenticationActions` bit mask (1 reset, 2 sign out, 4 reboot, 8 terminate processes).
    #[napi(getter)]
    pub fn post_authentication_actions(&self) -> u32 {
        self.number("PostAuthenticationActions")
    }

    /// `AutomaticAccountManagementEnabled`.
    #[napi(getter)]
    pub fn automatic_account_management_enabled(&self) -> bool {
        self.flag("AutomaticAccountManagementEnabled")
    }

    /// `AutomaticAccountManagementTarget`: 0 built-in administrator, 1 a new account.
    #[napi(getter)]
    pub fn automatic_account_management_target(&self) -> u32 {
        self.number("AutomaticAccountManagementTarget")
    }

    /// `AutomaticAccountManagementNameOrPrefix`.
    #[napi(getter)]
    pub fn automatic_account_management_name_or_prefix(&self) -> Option<String> {
        self.inner
            .value("AutomaticAccountManagementNameOrPrefix")
            .and_then(SettingValue::as_text)
            .map(str::to_owned)
    }

    /// `AutomaticAccountManagementEnableAccount`.
    #[napi(getter)]
    pub fn automatic_account_management_enable_account(&self) -> bool {
        self.flag("AutomaticAccountManagementEnableAccount")
    }

    /// `AutomaticAccountManagementRandomizeName`.
    #[napi(getter)]
    pub fn automatic_account_management_randomize_name(&self) -> bool {
        self.flag("AutomaticAccountManagementRandomizeName")
    }

    /// True when the password is encrypted in AD under this policy.
    #[napi(getter)]
    pub fn encrypts(&self) -> bool {
        self.inner.encrypts()
    }

    /// The principal passwords are encrypted to, when encrypting.
    #[napi(getter)]
    pub fn encryption_target(&self) -> Option<String> {
        self.inner.encryption_target()
    }

    /// The account that is managed, for a person (e.g. `built-in administrator (RID 500)`).
    #[napi(getter)]
    pub fn managed_account(&self) -> String {
        self.inner.managed_account().to_string()
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
    #[napi(ts_args_type = "name: string")]
    pub fn provenance(&self, name: Unknown<'_>) -> Result<SettingProvenance> {
        guarded(|| {
            let r = self.resolution(name)?;
            Ok(SettingProvenance {
                name: r.setting.name().to_owned(),
                value: setting_value(&r.value),
                applicable: r.is_applicable(),
                kind: r.provenance.kind().to_owned(),
                reason: r.provenance.reason(),
                root: r.provenance.origin_root().map(|r| r.as_str().to_owned()),
                raw: r.provenance.raw().map(to_js),
                description: r.provenance.describe(),
                shadowed: r
                    .shadowed
                    .iter()
                    .map(|s| ShadowedValue {
                        root: s.root.name().to_owned(),
                        name: s.name.clone(),
                        raw: to_js(&s.raw),
                    })
                    .collect(),
            })
        })
    }

    /// Every finding, most important first, with its Windows LAPS event ID where one exists.
    #[napi(getter)]
    pub fn diagnostics(&self) -> Vec<PolicyDiagnostic> {
        self.inner
            .diagnostics
            .iter()
            .map(|d| PolicyDiagnostic {
                severity: d.severity.as_str().to_owned(),
                code: d.code.as_str().to_owned(),
                event_id: d.event_id,
                setting: d.setting.map(|s| s.name().to_owned()),
                root: d.root.map(|r| r.name().to_owned()),
                message: d.message.clone(),
            })
            .collect()
    }

    /// One line on what happened to a root and why (e.g. why a GPO is ignored).
    #[napi(ts_args_type = "root: 'csp' | 'gpo' | 'local' | 'legacy'")]
    pub fn root_verdict(&self, root: Unknown<'_>) -> Result<String> {
        guarded(|| {
            let name: String = arg("root", root)?;
            let root = Root::from_name(&name).ok_or_else(|| {
                invalid_arg(format!(
                    "root must be csp, gpo, local or legacy, got {name:?}"
                ))
            })?;
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
        parse().map_err(|e| laps_error(ErrorCode::Internal, e.reason))
    }

    /// The resolution of the setting named by argument `name`.
    fn resolution(&self, name: Unknown<'_>) -> Result<&laps_policy::SettingResolution> {
        let name: String = arg("name", name)?;
        self.inner
            .provenance(&name)
            .ok_or_else(|| invalid_arg(format!("unknown setting name {name:?}")))
    }

    fn number(&self, name: &str) -> u32 {
        self.inner
            .value(name)
            .and_then(SettingValue::as_number)
            .unwrap_or(0)
    }

    fn flag(&self, name: &str) -> bool {
        self.inner
            .value(name)
            .and_then(SettingValue::as_bool)
            .unwrap_or(false)
    }
}

/// The device of `opts.device`.
fn device_of(obj: &Object<'_>) -> Result<Device> {
    let device: Option<Unknown<'_>> = obj
        .get("device")
        .map_err(|e| invalid_arg(format!("device: {}", e.reason)))?;
    match device {
        None => Ok(Device::default()),
        Some(d) => match options::<DeviceOptions>("device", d)? {
            None => Ok(Device::default()),
            Some(d) => d.to_device(),
        },
    }
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
            Some(obj) => (snapshot_from_js(&obj)?, device_of(&obj)?),
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
pub fn setting_catalog() -> Result<serde_json::Value> {
    guarded(|| {
        serde_json::to_value(&laps_policy::catalog::CATALOG[..])
            .map_err(|e| laps_error(ErrorCode::Internal, e.to_string()))
    })
}
