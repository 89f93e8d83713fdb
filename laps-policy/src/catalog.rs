//! The catalogue of every LAPS setting: written once, as data.
//!
//! It drives validation (ranges, allowed values, minimum OS builds), the
//! precedence test ("does this root hold any LAPS setting?"), name lookups
//! and the `explain` output. Sources: the LAPS CSP reference and DDF, the
//! in-box `LAPS.admx`/`.adml`, the 2025 policy-settings article and the legacy
//! `AdmPwd.admx` (see the crate README).

use serde::{Serialize, Serializer};

/// Windows build of Windows 10 1809 / Server 2019, the oldest build that got
/// Windows LAPS (with the April 2023 cumulative update, revision 4244).
pub const BUILD_LAPS_MIN: u32 = 17763;
/// Windows build of Windows 11 23H2 (10.0.22631), the first build on which the legacy
/// Microsoft LAPS MSI cannot be installed ("Installation of the legacy Microsoft LAPS MSI
/// package is blocked on newer OS versions", Windows LAPS overview: deprecated "as of Windows
/// 11 23 H2 and later").
pub const BUILD_LEGACY_MSI_BLOCKED: u32 = 22631;

/// The builds that have Windows LAPS, from the LAPS CSP reference's "Applicable OS" rows:
/// `(first build, last build, first update revision)`. A build outside every row never got
/// Windows LAPS (1903/1909 = 18362/18363 were out of service in April 2023; Insider builds
/// before 25145 did not have it). Rows cover a servicing branch: 19041–19045 (Windows 10
/// 2004–22H2) share their update revisions, as do 22621 and 22631 (Windows 11 22H2/23H2, an
/// enablement package on the same updates); everything from 25145 on has it.
pub const LAPS_BUILDS: [(u32, u32, u32); 6] = [
    (17763, 17763, 4244),
    (19041, 19045, 2784),
    (20348, 20348, 1663),
    (22000, 22000, 1754),
    (22621, 22631, 1480),
    (25145, u32::MAX, 0),
];

/// Whether a build has Windows LAPS, per [`LAPS_BUILDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LapsAvailability {
    /// The build and its update revision are in the CSP's table.
    Available,
    /// The build is in the table but its update revision (UBR) is unknown: the April 2023
    /// update (or later) is assumed to be installed.
    AssumedPatched {
        /// The revision the build needs.
        min_ubr: u32,
    },
    /// The build's branch has Windows LAPS, but this update revision predates it.
    NeedsUpdate {
        /// The revision the build needs.
        min_ubr: u32,
    },
    /// The build never got Windows LAPS.
    NotAvailable,
}

impl LapsAvailability {
    /// True unless the build is known to lack Windows LAPS.
    pub const fn has_laps(self) -> bool {
        matches!(
            self,
            LapsAvailability::Available | LapsAvailability::AssumedPatched { .. }
        )
    }
}

/// Looks `build` (and its update revision `ubr`, when known) up in [`LAPS_BUILDS`].
///
/// ```
/// use laps_policy::catalog::{laps_availability, LapsAvailability};
/// assert_eq!(laps_availability(17763, Some(4244)), LapsAvailability::Available);
/// assert_eq!(laps_availability(17763, Some(100)), LapsAvailability::NeedsUpdate { min_ubr: 4244 });
/// assert_eq!(laps_availability(19045, None), LapsAvailability::AssumedPatched { min_ubr: 2784 });
/// assert_eq!(laps_availability(18363, Some(9999)), LapsAvailability::NotAvailable);
/// assert_eq!(laps_availability(26100, None), LapsAvailability::Available);
/// ```
pub fn laps_availability(build: u32, ubr: Option<u32>) -> LapsAvailability {
    let Some(&(_, _, min_ubr)) = LAPS_BUILDS
        .iter()
        .find(|(first, last, _)| (*first..=*last).contains(&build))
    else {
        return LapsAvailability::NotAvailable;
    };
    match ubr {
        _ if min_ubr == 0 => LapsAvailability::Available,
        None => LapsAvailability::AssumedPatched { min_ubr },
        Some(u) if u >= min_ubr => LapsAvailability::Available,
        Some(_) => LapsAvailability::NeedsUpdate { min_ubr },
    }
}

/// Windows build of Windows 11 24H2 / Server 2025 (10.0.26100): complexity
/// 5–8, PassphraseLength, post-authentication action 11, automatic account
/// management and image-rollback detection.
pub const BUILD_24H2: u32 = 26100;

pub use crate::root::Family;

/// Every setting the catalogue knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SettingId {
    /// `BackupDirectory`: 0 disabled, 1 Entra, 2 AD.
    BackupDirectory,
    /// `AdministratorAccountName`.
    AdministratorAccountName,
    /// `PasswordAgeDays`.
    PasswordAgeDays,
    /// `PasswordLength`.
    PasswordLength,
    /// `PassphraseLength` (24H2).
    PassphraseLength,
    /// `PasswordComplexity`.
    PasswordComplexity,
    /// `PasswordExpirationProtectionEnabled`.
    PasswordExpirationProtectionEnabled,
    /// `ADPasswordEncryptionEnabled`.
    AdPasswordEncryptionEnabled,
    /// `ADPasswordEncryptionPrincipal`.
    AdPasswordEncryptionPrincipal,
    /// `ADEncryptedPasswordHistorySize`.
    AdEncryptedPasswordHistorySize,
    /// `ADBackupDSRMPassword` (GPO only, no CSP node).
    AdBackupDsrmPassword,
    /// `PostAuthenticationResetDelay` (hours).
    PostAuthenticationResetDelay,
    /// `PostAuthenticationActions` (bit mask).
    PostAuthenticationActions,
    /// `AutomaticAccountManagementEnabled` (24H2).
    AutomaticAccountManagementEnabled,
    /// `AutomaticAccountManagementTarget` (24H2).
    AutomaticAccountManagementTarget,
    /// `AutomaticAccountManagementNameOrPrefix` (24H2).
    AutomaticAccountManagementNameOrPrefix,
    /// `AutomaticAccountManagementEnableAccount` (24H2).
    AutomaticAccountManagementEnableAccount,
    /// `AutomaticAccountManagementRandomizeName` (24H2).
    AutomaticAccountManagementRandomizeName,
    /// CSP action `ResetPassword` (Exec).
    ResetPassword,
    /// CSP action `ResetPasswordStatus` (Get, an HRESULT).
    ResetPasswordStatus,
    /// Legacy `AdmPwdEnabled`.
    LegacyAdmPwdEnabled,
    /// Legacy `AdminAccountName`.
    LegacyAdminAccountName,
    /// Legacy `PasswordComplexity` (1–4).
    LegacyPasswordComplexity,
    /// Legacy `PasswordLength`.
    LegacyPasswordLength,
    /// Legacy `PasswordAgeDays`.
    LegacyPasswordAgeDays,
    /// Legacy `PwdExpirationProtectionEnabled`.
    LegacyPwdExpirationProtectionEnabled,
}

impl SettingId {
    /// The catalogue entry.
    pub fn info(self) -> &'static SettingInfo {
        // CATALOG is in declaration order of SettingId (checked by a test).
        &CATALOG[self as usize]
    }

    /// The registry value name (= CSP node name for Windows LAPS settings).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The snake_case name used by the bindings and JSON output.
    pub fn snake_name(self) -> &'static str {
        self.info().snake_name
    }

    /// The Windows LAPS setting this one stands for: itself for a Windows LAPS setting, the
    /// setting a legacy one maps to (legacy `AdminAccountName` gives
    /// `AdministratorAccountName`), `None` for the CSP actions.
    ///
    /// ```
    /// use laps_policy::SettingId;
    /// assert_eq!(
    ///     SettingId::LegacyAdmPwdEnabled.windows_laps_counterpart(),
    ///     Some(SettingId::BackupDirectory)
    /// );
    /// assert_eq!(SettingId::ResetPassword.windows_laps_counterpart(), None);
    /// ```
    pub const fn windows_laps_counterpart(self) -> Option<SettingId> {
        Some(match self {
            SettingId::ResetPassword | SettingId::ResetPasswordStatus => return None,
            SettingId::LegacyAdmPwdEnabled => SettingId::BackupDirectory,
            SettingId::LegacyAdminAccountName => SettingId::AdministratorAccountName,
            SettingId::LegacyPasswordComplexity => SettingId::PasswordComplexity,
            SettingId::LegacyPasswordLength => SettingId::PasswordLength,
            SettingId::LegacyPasswordAgeDays => SettingId::PasswordAgeDays,
            SettingId::LegacyPwdExpirationProtectionEnabled => {
                SettingId::PasswordExpirationProtectionEnabled
            }
            other => other,
        })
    }
}

impl Serialize for SettingId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// How a setting's value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// `REG_DWORD` / CSP `int`.
    Dword,
    /// `REG_DWORD` 0/1 / CSP `bool`.
    Bool,
    /// `REG_SZ` / CSP `chr`.
    Text,
    /// A CSP action: no stored value.
    Action,
}

/// Which backup directory a setting is honoured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    /// Entra and Active Directory.
    Both,
    /// Active Directory only (ignored when backing up to Entra).
    ActiveDirectory,
}

/// A setting's built-in default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultValue {
    /// A number.
    Number(u32),
    /// A boolean.
    Bool(bool),
    /// A text.
    Text(&'static str),
    /// The built-in administrator, found by RID 500 whatever its name.
    BuiltInAdministrator,
    /// The Domain Admins group of the device's domain.
    DomainAdmins,
    /// Actions have no default.
    None,
}

/// The values a setting accepts; anything else falls back to the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allowed {
    /// An inclusive range.
    Range {
        /// Smallest allowed value.
        min: u32,
        /// Largest allowed value.
        max: u32,
    },
    /// An enumeration.
    OneOf(&'static [u32]),
    /// 0 or 1.
    Bool,
    /// Text of at most `max_chars` characters (`None`: no limit is enforced).
    Text {
        /// Maximum length in characters.
        max_chars: Option<u32>,
    },
    /// A security principal: SID string, `DOMAIN\name` or `name@domain`.
    Principal,
    /// An action (nothing to validate).
    Action,
}

/// `30`, `on`, `"WLapsAdmin"`, `built-in administrator`, `Domain Admins`, `-`.
impl std::fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DefaultValue::Number(n) => write!(f, "{n}"),
            DefaultValue::Bool(b) => f.write_str(if *b { "on" } else { "off" }),
            DefaultValue::Text(t) => write!(f, "{t:?}"),
            DefaultValue::BuiltInAdministrator => f.write_str("built-in administrator"),
            DefaultValue::DomainAdmins => f.write_str("Domain Admins"),
            DefaultValue::None => f.write_str("-"),
        }
    }
}

/// `1-365`, `1, 3, 5, 11`, `0/1`, `text (max 20)`, `principal`, `action`.
impl std::fmt::Display for Allowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Allowed::Range { min, max } => write!(f, "{min}-{max}"),
            Allowed::OneOf(list) => {
                let items: Vec<String> = list.iter().map(u32::to_string).collect();
                f.write_str(&items.join(", "))
            }
            Allowed::Bool => f.write_str("0/1"),
            Allowed::Text { max_chars: Some(n) } => write!(f, "text (max {n})"),
            Allowed::Text { max_chars: None } => f.write_str("text"),
            Allowed::Principal => f.write_str("principal"),
            Allowed::Action => f.write_str("action"),
        }
    }
}

impl SettingInfo {
    /// The values this setting accepts in `root`. The LAPS CSP declares its own allowed values
    /// per node, which can be narrower than the ADMX's: `PostAuthenticationActions` is 1, 3, 5
    /// or 11 in the CSP, while the ADMX (GPO, and the local root that follows the same registry
    /// semantics) also offers 0, "take no actions".
    ///
    /// ```
    /// use laps_policy::{catalog::SettingId, Root};
    /// let paa = SettingId::PostAuthenticationActions.info();
    /// assert!(!paa.allowed_in(Root::Csp).allows_number(0));
    /// assert!(paa.allowed_in(Root::Gpo).allows_number(0));
    /// ```
    pub fn allowed_in(&self, root: crate::root::Root) -> Allowed {
        match (self.id, root) {
            (SettingId::PostAuthenticationActions, crate::root::Root::Csp) => {
                Allowed::OneOf(&[1, 3, 5, 11])
            }
            _ => self.allowed,
        }
    }

    /// True when a device of `build` knows this setting at all: the node's "Applicable OS"
    /// row in the CSP reference. Settings of the first Windows LAPS release follow
    /// [`LAPS_BUILDS`] (update revision included, when known); the 24H2 settings need build
    /// 26100.
    pub fn known_to(&self, build: u32, ubr: Option<u32>) -> bool {
        if self.min_build == BUILD_LAPS_MIN {
            laps_availability(build, ubr).has_laps()
        } else {
            build >= self.min_build
        }
    }
}

impl Allowed {
    /// True when the number `v` is allowed (build restrictions aside).
    pub fn allows_number(self, v: u32) -> bool {
        match self {
            Allowed::Range { min, max } => (min..=max).contains(&v),
            Allowed::OneOf(list) => list.contains(&v),
            Allowed::Bool => v <= 1,
            _ => false,
        }
    }
}

/// Values of a setting that only a newer build understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NewValues {
    /// The values.
    pub values: &'static [u32],
    /// First build that accepts them.
    pub min_build: u32,
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SettingInfo {
    /// The setting.
    #[serde(skip)]
    pub id: SettingId,
    /// Product / store.
    pub family: Family,
    /// Registry value name (= CSP node name for Windows LAPS settings).
    pub name: &'static str,
    /// snake_case name for bindings and JSON.
    pub snake_name: &'static str,
    /// Full CSP OMA-URI, if the setting has a CSP node.
    pub csp_node: Option<&'static str>,
    /// GPO display name (Computer Configuration > Administrative Templates > System > LAPS,
    /// or the legacy LAPS folder), with the element name where a policy has several.
    pub gpo_display_name: Option<&'static str>,
    /// ADMX policy id.
    pub admx_policy: Option<&'static str>,
    /// Storage kind.
    pub kind: ValueKind,
    /// Built-in default.
    pub default: DefaultValue,
    /// Accepted values.
    pub allowed: Allowed,
    /// Values that need a newer build.
    pub new_values: Option<NewValues>,
    /// First build that knows this setting at all.
    pub min_build: u32,
    /// Directory applicability.
    pub applies_to: Applicability,
    /// Dependencies and "ignored when" conditions, in words.
    pub depends_on: &'static str,
    /// What it does, in one line.
    pub description: &'static str,
}

/// Prefix of every LAPS CSP policy node.
pub const CSP_POLICIES: &str = "./Device/Vendor/MSFT/LAPS/Policies/";

macro_rules! csp {
    ($name:literal) => {
        Some(concat!("./Device/Vendor/MSFT/LAPS/Policies/", $name))
    };
}

const PASSWORD_SETTINGS: &str = "Password Settings";

/// The full catalogue, in [`SettingId`] order.
pub static CATALOG: [SettingInfo; 26] = [
    SettingInfo {
        id: SettingId::BackupDirectory,
        family: Family::WindowsLaps,
        name: "BackupDirectory",
        snake_name: "backup_directory",
        csp_node: csp!("BackupDirectory"),
        gpo_display_name: Some("Configure password backup directory"),
        admx_policy: Some("LAPS_BackupDirectory"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(0),
        allowed: Allowed::OneOf(&[0, 1, 2]),
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "gates every other setting: 0 disables LAPS",
        description: "Where the password is backed up: 0 disabled, 1 Microsoft Entra ID, 2 Active Directory",
    },
    SettingInfo {
        id: SettingId::AdministratorAccountName,
        family: Family::WindowsLaps,
        name: "AdministratorAccountName",
        snake_name: "administrator_account_name",
        csp_node: csp!("AdministratorAccountName"),
        gpo_display_name: Some("Name of administrator account to manage"),
        admx_policy: Some("LAPS_AdminName"),
        kind: ValueKind::Text,
        default: DefaultValue::BuiltInAdministrator,
        allowed: Allowed::Text { max_chars: None },
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "ignored when automatic account management is enabled and in DSRM mode",
        description: "Local account to manage (must already exist); empty means the built-in administrator (RID 500)",
    },
    SettingInfo {
        id: SettingId::PasswordAgeDays,
        family: Family::WindowsLaps,
        name: "PasswordAgeDays",
        snake_name: "password_age_days",
        csp_node: csp!("PasswordAgeDays"),
        gpo_display_name: Some(PASSWORD_SETTINGS),
        admx_policy: Some("LAPS_PasswordSettings"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(30),
        allowed: Allowed::Range { min: 1, max: 365 },
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "minimum 7 when backing up to Entra",
        description: "Maximum password age in days",
    },
    SettingInfo {
        id: SettingId::PasswordLength,
        family: Family::WindowsLaps,
        name: "PasswordLength",
        snake_name: "password_length",
        csp_node: csp!("PasswordLength"),
        gpo_display_name: Some(PASSWORD_SETTINGS),
        admx_policy: Some("LAPS_PasswordSettings"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(14),
        allowed: Allowed::Range { min: 8, max: 64 },
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "used only when PasswordComplexity is 1-5",
        description: "Password length in characters",
    },
    SettingInfo {
        id: SettingId::PassphraseLength,
        family: Family::WindowsLaps,
        name: "PassphraseLength",
        snake_name: "passphrase_length",
        csp_node: csp!("PassphraseLength"),
        gpo_display_name: Some(PASSWORD_SETTINGS),
        admx_policy: Some("LAPS_PasswordSettings"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(6),
        allowed: Allowed::Range { min: 3, max: 10 },
        new_values: None,
        min_build: BUILD_24H2,
        applies_to: Applicability::Both,
        depends_on: "used only when PasswordComplexity is 6-8",
        description: "Passphrase length in words",
    },
    SettingInfo {
        id: SettingId::PasswordComplexity,
        family: Family::WindowsLaps,
        name: "PasswordComplexity",
        snake_name: "password_complexity",
        csp_node: csp!("PasswordComplexity"),
        gpo_display_name: Some(PASSWORD_SETTINGS),
        admx_policy: Some("LAPS_PasswordSettings"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(4),
        allowed: Allowed::Range { min: 1, max: 8 },
        new_values: Some(NewValues {
            values: &[5, 6, 7, 8],
            min_build: BUILD_24H2,
        }),
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "5-8 need Windows 11 24H2 / Server 2025",
        description: "Character sets (1-5) or passphrase word list (6-8)",
    },
    SettingInfo {
        id: SettingId::PasswordExpirationProtectionEnabled,
        family: Family::WindowsLaps,
        name: "PasswordExpirationProtectionEnabled",
        snake_name: "password_expiration_protection_enabled",
        csp_node: csp!("PasswordExpirationProtectionEnabled"),
        gpo_display_name: Some("Do not allow password expiration time longer than required by policy"),
        admx_policy: Some("LAPS_DontAllowPwdExpirationBehindPolicy"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(true),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "BackupDirectory=2; default is off in legacy emulation",
        description: "Rotate at once when the directory expiry is further out than PasswordAgeDays",
    },
    SettingInfo {
        id: SettingId::AdPasswordEncryptionEnabled,
        family: Family::WindowsLaps,
        name: "ADPasswordEncryptionEnabled",
        snake_name: "ad_password_encryption_enabled",
        csp_node: csp!("ADPasswordEncryptionEnabled"),
        gpo_display_name: Some("Enable password encryption"),
        admx_policy: Some("LAPS_ADPasswordEncryptionEnabled"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(true),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "BackupDirectory=2; needs the domain at 2016 functional level",
        description: "Encrypt the password in Active Directory (msLAPS-EncryptedPassword)",
    },
    SettingInfo {
        id: SettingId::AdPasswordEncryptionPrincipal,
        family: Family::WindowsLaps,
        name: "ADPasswordEncryptionPrincipal",
        snake_name: "ad_password_encryption_principal",
        csp_node: csp!("ADPasswordEncryptionPrincipal"),
        gpo_display_name: Some("Configure authorized password decryptors"),
        admx_policy: Some("LAPS_ADPasswordEncryptionPrincipal"),
        kind: ValueKind::Text,
        default: DefaultValue::DomainAdmins,
        allowed: Allowed::Principal,
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "used only with encryption on; ignored in DSRM mode (always Domain Admins)",
        description: "Who can decrypt: SID string, DOMAIN\\name or name@domain",
    },
    SettingInfo {
        id: SettingId::AdEncryptedPasswordHistorySize,
        family: Family::WindowsLaps,
        name: "ADEncryptedPasswordHistorySize",
        snake_name: "ad_encrypted_password_history_size",
        csp_node: csp!("ADEncryptedPasswordHistorySize"),
        gpo_display_name: Some("Configure size of encrypted password history"),
        admx_policy: Some("LAPS_ADEncryptedPasswordHistorySize"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(0),
        allowed: Allowed::Range { min: 0, max: 12 },
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "used only with encryption on",
        description: "How many older encrypted passwords Active Directory keeps",
    },
    SettingInfo {
        id: SettingId::AdBackupDsrmPassword,
        family: Family::WindowsLaps,
        name: "ADBackupDSRMPassword",
        snake_name: "ad_backup_dsrm_password",
        csp_node: None,
        gpo_display_name: Some("Enable password backup for DSRM accounts"),
        admx_policy: Some("LAPS_ADBackupDSRMPassword"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(false),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "domain controllers only; needs encryption on, 2016 DFL and a Server 2019+ DC",
        description: "Back up the DSRM administrator password of a domain controller",
    },
    SettingInfo {
        id: SettingId::PostAuthenticationResetDelay,
        family: Family::WindowsLaps,
        name: "PostAuthenticationResetDelay",
        snake_name: "post_authentication_reset_delay",
        csp_node: csp!("PostAuthenticationResetDelay"),
        gpo_display_name: Some("Post-authentication actions (grace period)"),
        admx_policy: Some("LAPS_PostAuthenticationActions"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(24),
        allowed: Allowed::Range { min: 0, max: 24 },
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "0 disables the post-authentication actions; not for DSRM",
        description: "Hours after a managed-account logon before the actions run",
    },
    SettingInfo {
        id: SettingId::PostAuthenticationActions,
        family: Family::WindowsLaps,
        name: "PostAuthenticationActions",
        snake_name: "post_authentication_actions",
        csp_node: csp!("PostAuthenticationActions"),
        gpo_display_name: Some("Post-authentication actions (actions)"),
        admx_policy: Some("LAPS_PostAuthenticationActions"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(3),
        allowed: Allowed::OneOf(&[0, 1, 3, 5, 11]),
        new_values: Some(NewValues {
            values: &[11],
            min_build: BUILD_24H2,
        }),
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "11 needs 24H2; 0 (no actions) from the GPO and local roots only: the CSP allows 1, 3, 5, 11; not for DSRM",
        description: "Bit mask: 0x1 reset password, 0x2 sign out, 0x4 reboot, 0x8 terminate processes",
    },
    SettingInfo {
        id: SettingId::AutomaticAccountManagementEnabled,
        family: Family::WindowsLaps,
        name: "AutomaticAccountManagementEnabled",
        snake_name: "automatic_account_management_enabled",
        csp_node: csp!("AutomaticAccountManagementEnabled"),
        gpo_display_name: Some("Configure automatic account management"),
        admx_policy: Some("LAPS_AutomaticAccountManagementPolicy"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(false),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: BUILD_24H2,
        applies_to: Applicability::Both,
        depends_on: "overrides AdministratorAccountName; not on domain controllers",
        description: "Let LAPS create or rename and then manage the account itself",
    },
    SettingInfo {
        id: SettingId::AutomaticAccountManagementTarget,
        family: Family::WindowsLaps,
        name: "AutomaticAccountManagementTarget",
        snake_name: "automatic_account_management_target",
        csp_node: csp!("AutomaticAccountManagementTarget"),
        gpo_display_name: Some("Configure automatic account management (target account)"),
        admx_policy: Some("LAPS_AutomaticAccountManagementPolicy"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(1),
        allowed: Allowed::OneOf(&[0, 1]),
        new_values: None,
        min_build: BUILD_24H2,
        applies_to: Applicability::Both,
        depends_on: "needs AutomaticAccountManagementEnabled",
        description: "0 manage the built-in administrator (renamed), 1 create a new account",
    },
    SettingInfo {
        id: SettingId::AutomaticAccountManagementNameOrPrefix,
        family: Family::WindowsLaps,
        name: "AutomaticAccountManagementNameOrPrefix",
        snake_name: "automatic_account_management_name_or_prefix",
        csp_node: csp!("AutomaticAccountManagementNameOrPrefix"),
        gpo_display_name: Some("Configure automatic account management (name or prefix)"),
        admx_policy: Some("LAPS_AutomaticAccountManagementPolicy"),
        kind: ValueKind::Text,
        default: DefaultValue::Text("WLapsAdmin"),
        allowed: Allowed::Text {
            max_chars: Some(20),
        },
        new_values: None,
        min_build: BUILD_24H2,
        applies_to: Applicability::Both,
        depends_on: "needs AutomaticAccountManagementEnabled",
        description: "Managed account name, or its prefix when the name is randomized",
    },
    SettingInfo {
        id: SettingId::AutomaticAccountManagementEnableAccount,
        family: Family::WindowsLaps,
        name: "AutomaticAccountManagementEnableAccount",
        snake_name: "automatic_account_management_enable_account",
        csp_node: csp!("AutomaticAccountManagementEnableAccount"),
        gpo_display_name: Some("Configure automatic account management (enable the account)"),
        admx_policy: Some("LAPS_AutomaticAccountManagementPolicy"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(false),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: BUILD_24H2,
        applies_to: Applicability::Both,
        depends_on: "needs AutomaticAccountManagementEnabled",
        description: "Keep the managed account enabled (default disabled)",
    },
    SettingInfo {
        id: SettingId::AutomaticAccountManagementRandomizeName,
        family: Family::WindowsLaps,
        name: "AutomaticAccountManagementRandomizeName",
        snake_name: "automatic_account_management_randomize_name",
        csp_node: csp!("AutomaticAccountManagementRandomizeName"),
        gpo_display_name: Some("Configure automatic account management (randomize the name)"),
        admx_policy: Some("LAPS_AutomaticAccountManagementPolicy"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(false),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: BUILD_24H2,
        applies_to: Applicability::Both,
        depends_on: "needs AutomaticAccountManagementEnabled",
        description: "Append random digits to the prefix, re-randomized at every rotation",
    },
    SettingInfo {
        id: SettingId::ResetPassword,
        family: Family::CspAction,
        name: "ResetPassword",
        snake_name: "reset_password",
        csp_node: Some("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword"),
        gpo_display_name: None,
        admx_policy: None,
        kind: ValueKind::Action,
        default: DefaultValue::None,
        allowed: Allowed::Action,
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "CSP Exec only",
        description: "Rotate the password now, whatever its expiry",
    },
    SettingInfo {
        id: SettingId::ResetPasswordStatus,
        family: Family::CspAction,
        name: "ResetPasswordStatus",
        snake_name: "reset_password_status",
        csp_node: Some("./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus"),
        gpo_display_name: None,
        admx_policy: None,
        kind: ValueKind::Action,
        default: DefaultValue::Number(0),
        allowed: Allowed::Action,
        new_values: None,
        min_build: BUILD_LAPS_MIN,
        applies_to: Applicability::Both,
        depends_on: "CSP Get only",
        description: "HRESULT of the last ResetPassword: S_OK done, E_PENDING running, else the error",
    },
    SettingInfo {
        id: SettingId::LegacyAdmPwdEnabled,
        family: Family::Legacy,
        name: "AdmPwdEnabled",
        snake_name: "adm_pwd_enabled",
        csp_node: None,
        gpo_display_name: Some("Enable local admin password management"),
        admx_policy: Some("POL_AdmPwd_Enabled"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(false),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: 0,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "1 is required for legacy emulation",
        description: "Legacy LAPS: manage the password (backup to AD, clear text)",
    },
    SettingInfo {
        id: SettingId::LegacyAdminAccountName,
        family: Family::Legacy,
        name: "AdminAccountName",
        snake_name: "admin_account_name",
        csp_node: None,
        gpo_display_name: Some("Name of administrator account to manage"),
        admx_policy: Some("POL_AdmPwd_AdminName"),
        kind: ValueKind::Text,
        default: DefaultValue::BuiltInAdministrator,
        allowed: Allowed::Text { max_chars: None },
        new_values: None,
        min_build: 0,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "as AdministratorAccountName",
        description: "Legacy LAPS: account to manage; empty means the built-in administrator",
    },
    SettingInfo {
        id: SettingId::LegacyPasswordComplexity,
        family: Family::Legacy,
        name: "PasswordComplexity",
        snake_name: "password_complexity",
        csp_node: None,
        gpo_display_name: Some(PASSWORD_SETTINGS),
        admx_policy: Some("POL_AdmPwd"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(4),
        allowed: Allowed::Range { min: 1, max: 4 },
        new_values: None,
        min_build: 0,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "legacy accepts 1-4 only",
        description: "Legacy LAPS: character sets",
    },
    SettingInfo {
        id: SettingId::LegacyPasswordLength,
        family: Family::Legacy,
        name: "PasswordLength",
        snake_name: "password_length",
        csp_node: None,
        gpo_display_name: Some(PASSWORD_SETTINGS),
        admx_policy: Some("POL_AdmPwd"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(14),
        allowed: Allowed::Range { min: 8, max: 64 },
        new_values: None,
        min_build: 0,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "range 8-64 assumed (legacy ADMX not retrieved)",
        description: "Legacy LAPS: password length",
    },
    SettingInfo {
        id: SettingId::LegacyPasswordAgeDays,
        family: Family::Legacy,
        name: "PasswordAgeDays",
        snake_name: "password_age_days",
        csp_node: None,
        gpo_display_name: Some(PASSWORD_SETTINGS),
        admx_policy: Some("POL_AdmPwd"),
        kind: ValueKind::Dword,
        default: DefaultValue::Number(30),
        allowed: Allowed::Range { min: 1, max: 365 },
        new_values: None,
        min_build: 0,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "range 1-365 assumed (legacy ADMX not retrieved)",
        description: "Legacy LAPS: maximum password age in days",
    },
    SettingInfo {
        id: SettingId::LegacyPwdExpirationProtectionEnabled,
        family: Family::Legacy,
        name: "PwdExpirationProtectionEnabled",
        snake_name: "pwd_expiration_protection_enabled",
        csp_node: None,
        gpo_display_name: Some("Do not allow password expiration time longer than required by policy"),
        admx_policy: Some("POL_AdmPwd_DontAllowPwdExpirationBehindPolicy"),
        kind: ValueKind::Bool,
        default: DefaultValue::Bool(false),
        allowed: Allowed::Bool,
        new_values: None,
        min_build: 0,
        applies_to: Applicability::ActiveDirectory,
        depends_on: "default off in emulation",
        description: "Legacy LAPS: expiration protection",
    },
];

/// The 18 Windows LAPS policy settings, in catalogue order.
pub fn windows_laps() -> &'static [SettingInfo] {
    &CATALOG[..18]
}

/// The 6 legacy AdmPwd settings, in catalogue order.
pub fn legacy() -> &'static [SettingInfo] {
    &CATALOG[20..]
}

/// Finds a setting of `family` by registry value name (case-insensitive, as
/// the registry is) or by snake_case name.
///
/// ```
/// use laps_policy::catalog::{find, Family, SettingId};
/// assert_eq!(find(Family::WindowsLaps, "passwordcomplexity").unwrap().id, SettingId::PasswordComplexity);
/// assert_eq!(find(Family::WindowsLaps, "ad_backup_dsrm_password").unwrap().name, "ADBackupDSRMPassword");
/// assert_eq!(find(Family::Legacy, "AdmPwdEnabled").unwrap().id, SettingId::LegacyAdmPwdEnabled);
/// ```
pub fn find(family: Family, name: &str) -> Option<&'static SettingInfo> {
    CATALOG
        .iter()
        .find(|s| s.family == family && (s.name.eq_ignore_ascii_case(name) || s.snake_name == name))
}

/// Splits a CSP OMA-URI into the LAPS node name, if it is under
/// `./Device/Vendor/MSFT/LAPS/Policies/` (or the `./Vendor/MSFT/...` short form).
///
/// ```
/// use laps_policy::catalog::csp_policy_node;
/// assert_eq!(csp_policy_node("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory"), Some("BackupDirectory"));
/// assert_eq!(csp_policy_node("./Device/Vendor/MSFT/Policy/Config/X"), None);
/// ```
pub fn csp_policy_node(uri: &str) -> Option<&str> {
    let rest = uri
        .strip_prefix(CSP_POLICIES)
        .or_else(|| uri.strip_prefix("./Vendor/MSFT/LAPS/Policies/"))?;
    Some(rest.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_allowed_values_print_as_the_catalogue_table_shows_them() {
        let shown = |id: SettingId| (id.info().default.to_string(), id.info().allowed.to_string());
        assert_eq!(
            shown(SettingId::PasswordAgeDays),
            ("30".into(), "1-365".into())
        );
        assert_eq!(
            shown(SettingId::PostAuthenticationActions),
            ("3".into(), "0, 1, 3, 5, 11".into())
        );
        assert_eq!(
            shown(SettingId::AdBackupDsrmPassword),
            ("off".into(), "0/1".into())
        );
        assert_eq!(
            shown(SettingId::AdPasswordEncryptionPrincipal),
            ("Domain Admins".into(), "principal".into())
        );
        assert_eq!(
            shown(SettingId::AutomaticAccountManagementNameOrPrefix),
            ("\"WLapsAdmin\"".into(), "text (max 20)".into())
        );
        assert_eq!(
            shown(SettingId::AdministratorAccountName).0,
            "built-in administrator"
        );
        assert_eq!(
            shown(SettingId::ResetPassword),
            ("-".into(), "action".into())
        );
    }

    #[test]
    fn catalog_is_in_setting_id_order() {
        for (i, s) in CATALOG.iter().enumerate() {
            assert_eq!(s.id as usize, i, "{}", s.name);
        }
    }

    #[test]
    fn catalog_has_18_windows_laps_settings_2_actions_6_legacy() {
        assert!(windows_laps()
            .iter()
            .all(|s| s.family == Family::WindowsLaps));
        assert_eq!(windows_laps().len(), 18);
        assert!(CATALOG[18..20]
            .iter()
            .all(|s| s.family == Family::CspAction));
        assert!(legacy().iter().all(|s| s.family == Family::Legacy));
        assert_eq!(legacy().len(), 6);
    }

    #[test]
    fn every_windows_laps_setting_but_dsrm_has_a_csp_node_named_like_its_value() {
        for s in windows_laps() {
            match s.id {
                SettingId::AdBackupDsrmPassword => assert!(s.csp_node.is_none()),
                _ => assert_eq!(csp_policy_node(s.csp_node.unwrap()), Some(s.name)),
            }
        }
    }
}
