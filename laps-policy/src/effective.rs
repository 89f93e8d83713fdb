//! The output of resolution: [`EffectivePolicy`], with its source, mode and managed account.

use crate::catalog::{self, Family, SettingId};
use crate::device::Device;
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::provenance::{SettingResolution, SettingValue};
use crate::root::Root;
use crate::settings::Settings;
use laps_core::{Complexity, PasswordSpec};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which root the policy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The CSP root.
    Csp,
    /// The GPO root.
    Gpo,
    /// The local-config root.
    Local,
    /// The legacy AdmPwd root.
    Legacy,
    /// No root holds any LAPS setting.
    None,
}

impl Source {
    /// The root, if any.
    pub const fn root(self) -> Option<Root> {
        match self {
            Source::Csp => Some(Root::Csp),
            Source::Gpo => Some(Root::Gpo),
            Source::Local => Some(Root::Local),
            Source::Legacy => Some(Root::Legacy),
            Source::None => None,
        }
    }

    /// Every source's [`as_str`](Source::as_str) name, highest precedence first.
    pub const NAMES: [&'static str; 5] = ["csp", "gpo", "local", "legacy", "none"];

    /// Lower-case name: `csp`, `gpo`, `local`, `legacy`, `none`.
    pub const fn as_str(self) -> &'static str {
        match self.root() {
            Some(root) => root.name(),
            None => "none",
        }
    }
}

impl std::str::FromStr for Source {
    type Err = laps_core::UnknownName;

    /// Parses a lower-case [`as_str`](Source::as_str) name.
    ///
    /// ```
    /// use laps_policy::Source;
    /// for (s, name) in [Source::Csp, Source::Gpo, Source::Local, Source::Legacy, Source::None]
    ///     .into_iter()
    ///     .zip(Source::NAMES)
    /// {
    ///     assert_eq!(s.as_str(), name);
    ///     assert_eq!(name.parse(), Ok(s));
    /// }
    /// let e = "intune".parse::<Source>().unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "unknown policy source \"intune\" (expected csp, gpo, local, legacy or none)"
    /// );
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Source::None),
            _ => Root::from_name(s)
                .map(Source::from)
                .ok_or_else(|| laps_core::UnknownName::new("policy source", s, &Source::NAMES)),
        }
    }
}

impl From<Root> for Source {
    fn from(r: Root) -> Self {
        match r {
            Root::Csp => Source::Csp,
            Root::Gpo => Source::Gpo,
            Root::Local => Source::Local,
            Root::Legacy => Source::Legacy,
        }
    }
}

/// What Windows LAPS does with the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// No policy, or BackupDirectory 0 (event 10024): nothing is managed.
    Disabled,
    /// Backs up to Microsoft Entra ID.
    Entra,
    /// Backs up to Active Directory.
    #[serde(rename = "ad")]
    ActiveDirectory,
    /// Domain controller backing up its DSRM account to Active Directory.
    #[serde(rename = "ad_dsrm")]
    ActiveDirectoryDsrm,
    /// Windows LAPS enforcing a legacy Microsoft LAPS policy (clear text in `ms-Mcs-AdmPwd`).
    LegacyEmulation,
    /// A policy exists but this device cannot act on it (see [`EffectivePolicy::blocker`]).
    Unmanaged,
}

crate::names::named!(Mode, "mode", {
    Disabled => "disabled",
    Entra => "entra",
    ActiveDirectory => "ad",
    ActiveDirectoryDsrm => "ad_dsrm",
    LegacyEmulation => "legacy_emulation",
    Unmanaged => "unmanaged",
});

impl Mode {
    /// True for the modes in which a password is managed (possibly blocked by an error).
    pub const fn is_managed(self) -> bool {
        matches!(
            self,
            Mode::Entra | Mode::ActiveDirectory | Mode::ActiveDirectoryDsrm | Mode::LegacyEmulation
        )
    }

    /// True when the password goes to Active Directory.
    pub const fn is_active_directory(self) -> bool {
        matches!(
            self,
            Mode::ActiveDirectory | Mode::ActiveDirectoryDsrm | Mode::LegacyEmulation
        )
    }
}

/// `BackupDirectory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BackupDirectory {
    /// 0: disabled.
    Disabled,
    /// 1: Microsoft Entra ID.
    Entra,
    /// 2: Active Directory.
    #[serde(rename = "ad")]
    ActiveDirectory,
}

impl BackupDirectory {
    /// From the raw value (0, 1, 2).
    pub const fn from_u32(v: u32) -> Option<Self> {
        match v {
            0 => Some(BackupDirectory::Disabled),
            1 => Some(BackupDirectory::Entra),
            2 => Some(BackupDirectory::ActiveDirectory),
            _ => None,
        }
    }
}

/// `AutomaticAccountManagementTarget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AccountTarget {
    /// 0: rename and manage the built-in administrator.
    BuiltInAdministrator,
    /// 1: create and manage a new account (the default).
    NewAccount,
}

/// The account Windows LAPS manages under the effective policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ManagedAccount {
    /// Nothing is managed.
    None,
    /// The built-in administrator, found by RID 500 whatever its name.
    BuiltInAdministrator,
    /// A named account that must already exist (event 10013 otherwise).
    Named {
        /// Account name.
        name: String,
    },
    /// Automatic account management (24H2).
    Automatic {
        /// Built-in (renamed) or new account.
        target: AccountTarget,
        /// Name, or prefix when randomized.
        name_or_prefix: String,
        /// Account left enabled.
        enabled: bool,
        /// Name re-randomized at every rotation.
        randomize_name: bool,
    },
    /// The DSRM administrator of a domain controller (RID 500 of the DSRM SAM).
    DsrmAdministrator,
}

impl fmt::Display for ManagedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagedAccount::None => f.write_str("none"),
            ManagedAccount::BuiltInAdministrator => {
                f.write_str("built-in administrator (RID 500, whatever its name)")
            }
            ManagedAccount::Named { name } => write!(f, "{name:?} (must already exist)"),
            ManagedAccount::Automatic {
                target,
                name_or_prefix,
                enabled,
                randomize_name,
            } => {
                let what = match target {
                    AccountTarget::BuiltInAdministrator => "built-in administrator renamed to",
                    AccountTarget::NewAccount => "new account",
                };
                let name = if *randomize_name {
                    format!("{name_or_prefix:?} + random digits")
                } else {
                    format!("{name_or_prefix:?}")
                };
                let state = if *enabled { "enabled" } else { "disabled" };
                write!(f, "automatic: {what} {name}, {state}")
            }
            ManagedAccount::DsrmAdministrator => f.write_str("DSRM administrator (RID 500)"),
        }
    }
}

/// What happened to one root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RootStatus {
    /// The source of the policy.
    Source,
    /// Holds LAPS settings but a higher root won.
    Ignored,
    /// Holds no LAPS setting (possibly unknown values only).
    Empty,
}

/// Per-root summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootReport {
    /// The root.
    pub root: Root,
    /// Its key path.
    pub key: &'static str,
    /// What happened to it.
    pub status: RootStatus,
    /// LAPS settings it holds (registry names).
    pub settings: Vec<&'static str>,
    /// Other value names it holds (ignored).
    pub unknown: Vec<String>,
}

/// The effective Windows LAPS policy of one device, with the full trace.
///
/// Build it with [`resolve`](crate::resolve). Every one of the 18 Windows LAPS
/// settings is present, in catalogue order, with its provenance.
///
/// ```
/// use laps_policy::{resolve, Device, Mode, RegValue, Snapshot, Source};
/// let mut snap = Snapshot::new();
/// snap.gpo.set("BackupDirectory", RegValue::Dword(2));
/// snap.gpo.set("PasswordLength", RegValue::Dword(20));
/// snap.csp.set("PasswordComplexity", RegValue::Dword(3)); // a stray CSP value
/// let p = resolve(&snap, &Device::default());
/// assert_eq!(p.source, Source::Csp);
/// assert_eq!(p.mode, Mode::Disabled); // BackupDirectory defaults to 0 in the CSP root
/// assert_eq!(p.password_length(), 14); // the GPO's 20 is ignored
/// assert!(p.explain().contains("GPO root is ignored"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectivePolicy {
    /// The root the policy came from.
    pub source: Source,
    /// What LAPS does.
    pub mode: Mode,
    /// Why nothing is managed or backed up, when that is the case.
    pub blocker: Option<DiagnosticCode>,
    /// The device the policy was resolved for.
    pub device: Device,
    /// The 18 Windows LAPS settings, in catalogue order.
    pub settings: Settings,
    /// What each root held and what happened to it.
    pub roots: Vec<RootReport>,
    /// Findings, most important first.
    pub diagnostics: Vec<Diagnostic>,
}

impl EffectivePolicy {
    /// The resolution of one Windows LAPS setting. A legacy setting gives its
    /// Windows LAPS counterpart (legacy `AdminAccountName` gives
    /// `AdministratorAccountName`); the CSP actions give `None`.
    pub fn setting(&self, id: SettingId) -> Option<&SettingResolution> {
        self.settings.get(id)
    }

    /// The resolution of a setting by registry name (any case) or snake_case name; a name
    /// that is no Windows LAPS setting is an [`UnknownName`](laps_core::UnknownName) (kind
    /// `InvalidArgument`).
    ///
    /// ```
    /// # use laps_policy::{resolve, Device, Snapshot};
    /// let policy = resolve(&Snapshot::default(), &Device::default());
    /// assert_eq!(policy.provenance("password_length")?.setting.name(), "PasswordLength");
    /// let e = policy.provenance("PasswordLenght").unwrap_err();
    /// assert_eq!(e.to_string(), "unknown Windows LAPS setting \"PasswordLenght\"");
    /// # Ok::<(), laps_core::UnknownName>(())
    /// ```
    pub fn provenance(&self, name: &str) -> Result<&SettingResolution, laps_core::UnknownName> {
        catalog::find(Family::WindowsLaps, name)
            .and_then(|info| self.setting(info.id))
            .ok_or_else(|| laps_core::UnknownName::new("Windows LAPS setting", name, &[]))
    }

    /// The value of a setting by registry name or snake_case name.
    pub fn value(&self, name: &str) -> Option<&SettingValue> {
        self.provenance(name).ok().map(|r| &r.value)
    }

    /// True when the setting is in effect under this policy.
    pub fn is_applicable(&self, id: SettingId) -> bool {
        self.settings.is_applicable(id)
    }

    fn number(&self, id: SettingId) -> u32 {
        self.settings.number(id)
    }

    fn flag(&self, id: SettingId) -> bool {
        self.settings.flag(id)
    }

    fn text(&self, id: SettingId) -> Option<&str> {
        self.settings.text(id)
    }

    /// `BackupDirectory`.
    pub fn backup_directory(&self) -> BackupDirectory {
        BackupDirectory::from_u32(self.number(SettingId::BackupDirectory))
            .unwrap_or(BackupDirectory::Disabled)
    }

    /// `AdministratorAccountName`; `None` is the built-in administrator.
    pub fn administrator_account_name(&self) -> Option<&str> {
        self.text(SettingId::AdministratorAccountName)
    }

    /// `PasswordAgeDays`.
    pub fn password_age_days(&self) -> u32 {
        self.number(SettingId::PasswordAgeDays)
    }

    /// `PasswordComplexity`.
    pub fn password_complexity(&self) -> Complexity {
        Complexity::new(self.number(SettingId::PasswordComplexity)).unwrap_or_default()
    }

    /// `PasswordLength`.
    pub fn password_length(&self) -> u32 {
        self.number(SettingId::PasswordLength)
    }

    /// `PassphraseLength`.
    pub fn passphrase_length(&self) -> u32 {
        self.number(SettingId::PassphraseLength)
    }

    /// The password specification to generate with.
    pub fn password_spec(&self) -> PasswordSpec {
        self.settings.password_spec()
    }

    /// `PasswordExpirationProtectionEnabled`.
    pub fn password_expiration_protection_enabled(&self) -> bool {
        self.flag(SettingId::PasswordExpirationProtectionEnabled)
    }

    /// `ADPasswordEncryptionEnabled`.
    pub fn ad_password_encryption_enabled(&self) -> bool {
        self.flag(SettingId::AdPasswordEncryptionEnabled)
    }

    /// `ADPasswordEncryptionPrincipal`; `None` is Domain Admins.
    pub fn ad_password_encryption_principal(&self) -> Option<&str> {
        self.text(SettingId::AdPasswordEncryptionPrincipal)
    }

    /// `ADEncryptedPasswordHistorySize`.
    pub fn ad_encrypted_password_history_size(&self) -> u32 {
        self.number(SettingId::AdEncryptedPasswordHistorySize)
    }

    /// `ADBackupDSRMPassword`.
    pub fn ad_backup_dsrm_password(&self) -> bool {
        self.flag(SettingId::AdBackupDsrmPassword)
    }

    /// `PostAuthenticationResetDelay` in hours.
    pub fn post_authentication_reset_delay(&self) -> u32 {
        self.number(SettingId::PostAuthenticationResetDelay)
    }

    /// `AutomaticAccountManagementEnabled`.
    pub fn automatic_account_management_enabled(&self) -> bool {
        self.flag(SettingId::AutomaticAccountManagementEnabled)
    }

    /// `AutomaticAccountManagementTarget`.
    pub fn automatic_account_management_target(&self) -> AccountTarget {
        match self.number(SettingId::AutomaticAccountManagementTarget) {
            0 => AccountTarget::BuiltInAdministrator,
            _ => AccountTarget::NewAccount,
        }
    }

    /// `AutomaticAccountManagementNameOrPrefix` (`WLapsAdmin` by default).
    pub fn automatic_account_management_name_or_prefix(&self) -> &str {
        self.text(SettingId::AutomaticAccountManagementNameOrPrefix)
            .unwrap_or("WLapsAdmin")
    }

    /// `AutomaticAccountManagementEnableAccount`.
    pub fn automatic_account_management_enable_account(&self) -> bool {
        self.flag(SettingId::AutomaticAccountManagementEnableAccount)
    }

    /// `AutomaticAccountManagementRandomizeName`.
    pub fn automatic_account_management_randomize_name(&self) -> bool {
        self.flag(SettingId::AutomaticAccountManagementRandomizeName)
    }

    /// True when the password is encrypted in AD under this policy.
    pub fn encrypts(&self) -> bool {
        self.mode.is_active_directory()
            && self.is_applicable(SettingId::AdPasswordEncryptionEnabled)
            && self.ad_password_encryption_enabled()
    }

    /// The principal passwords are encrypted to, when encrypting
    /// (`Domain Admins` for the default and in DSRM mode).
    pub fn encryption_target(&self) -> Option<String> {
        if !self.encrypts() {
            return None;
        }
        match self.ad_password_encryption_principal() {
            Some(p) if self.is_applicable(SettingId::AdPasswordEncryptionPrincipal) => {
                Some(p.to_owned())
            }
            _ => Some("Domain Admins".to_owned()),
        }
    }

    /// The account that is managed.
    pub fn managed_account(&self) -> ManagedAccount {
        match self.mode {
            Mode::Disabled | Mode::Unmanaged => return ManagedAccount::None,
            Mode::ActiveDirectoryDsrm => return ManagedAccount::DsrmAdministrator,
            _ => {}
        }
        if self.is_applicable(SettingId::AutomaticAccountManagementEnabled)
            && self.automatic_account_management_enabled()
        {
            return ManagedAccount::Automatic {
                target: self.automatic_account_management_target(),
                name_or_prefix: self
                    .automatic_account_management_name_or_prefix()
                    .to_owned(),
                enabled: self.automatic_account_management_enable_account(),
                randomize_name: self.automatic_account_management_randomize_name(),
            };
        }
        match self.administrator_account_name() {
            Some(name) => ManagedAccount::Named {
                name: name.to_owned(),
            },
            None => ManagedAccount::BuiltInAdministrator,
        }
    }

    /// The diagnostics of a given code.
    pub fn diagnostics_with(&self, code: DiagnosticCode) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(move |d| d.code == code)
    }
}
