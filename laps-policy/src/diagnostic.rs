//! Findings of resolution, with the Windows LAPS event IDs where they exist.

use crate::catalog::SettingId;
use crate::root::Root;
use serde::Serialize;
use std::fmt;

/// Severity of a diagnostic, as the matching Windows LAPS event's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Info,
    /// Something is probably not what the admin meant.
    Warning,
    /// The password will not be managed or backed up.
    Error,
}

/// Stable diagnostic codes (snake_case in JSON and in the bindings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosticCode {
    /// The effective policy, as events 10021/10022/10023 print it.
    PolicyInEffect,
    /// No root holds any LAPS setting (10024).
    NoPolicy,
    /// BackupDirectory is 0 in the source root (10024).
    BackupDisabled,
    /// A lower root holds settings but another root won.
    RootIgnored,
    /// A value name that is not a LAPS setting (or unknown to this build).
    UnknownValueIgnored,
    /// A value was rejected and the default used.
    InvalidValue,
    /// PasswordAgeDays below 7 raised for Entra (10058).
    EntraMinimumAge,
    /// The build predates Windows LAPS.
    OsTooOld,
    /// The join state cannot use the chosen directory.
    DirectoryNotJoined,
    /// Entra backup asked for on a domain controller.
    EntraOnDomainController,
    /// A domain controller with a policy but no DSRM backup (10008).
    DsrmNotConfigured,
    /// DSRM backup needs encryption on.
    DsrmNeedsEncryption,
    /// Encryption on, domain below 2016 functional level (10006).
    EncryptionNeedsDfl2016,
    /// Encryption principal is an isolated name (10034).
    PrincipalIsolatedName,
    /// Encryption principal cannot be mapped (10035).
    PrincipalUnmappable,
    /// Legacy LAPS client extension installed: Windows LAPS stands aside (10033).
    LegacyCseInstalled,
    /// Legacy policy on a domain controller: always ignored.
    LegacyIgnoredOnDomainController,
    /// Legacy root present but AdmPwdEnabled is not 1.
    LegacyNotEnabled,
    /// Legacy emulation without the legacy schema (10012).
    LegacySchemaMissing,
    /// Safe mode, DSRM or another non-normal boot: Windows LAPS does nothing this boot.
    SafeModeBoot,
    /// The device's password policy rejects every (error) or some (warning) of the
    /// passwords the policy generates (10027).
    PasswordPolicyConflict,
    /// Entra backup with the tenant's Entra LAPS switch off (10059, 10028).
    EntraLapsNotEnabledInTenant,
    /// Entra backup from a device disabled (or deleted) in Entra ID (10059, 10028).
    EntraDeviceDisabled,
    /// The build is in the CSP's table but its update revision is unknown: the April 2023
    /// update is assumed.
    PatchLevelAssumed,
    /// `legacy_cse_installed` on a build where the legacy MSI cannot be installed (Windows 11
    /// 23H2 and later): the fact is ignored.
    LegacyCseNotInstallable,
    /// PasswordComplexity 1–3: supported only for backward compatibility.
    LowComplexity,
}

crate::names::named!(Severity, "severity", {
    Info => "info",
    Warning => "warning",
    Error => "error",
});

crate::names::named!(DiagnosticCode, "diagnostic code", {
    PolicyInEffect => "policy_in_effect",
    NoPolicy => "no_policy",
    BackupDisabled => "backup_disabled",
    RootIgnored => "root_ignored",
    UnknownValueIgnored => "unknown_value_ignored",
    InvalidValue => "invalid_value",
    EntraMinimumAge => "entra_minimum_age",
    OsTooOld => "os_too_old",
    DirectoryNotJoined => "directory_not_joined",
    EntraOnDomainController => "entra_on_domain_controller",
    DsrmNotConfigured => "dsrm_not_configured",
    DsrmNeedsEncryption => "dsrm_needs_encryption",
    EncryptionNeedsDfl2016 => "encryption_needs_dfl2016",
    PrincipalIsolatedName => "principal_isolated_name",
    PrincipalUnmappable => "principal_unmappable",
    LegacyCseInstalled => "legacy_cse_installed",
    LegacyIgnoredOnDomainController => "legacy_ignored_on_domain_controller",
    LegacyNotEnabled => "legacy_not_enabled",
    LegacySchemaMissing => "legacy_schema_missing",
    SafeModeBoot => "safe_mode_boot",
    PasswordPolicyConflict => "password_policy_conflict",
    EntraLapsNotEnabledInTenant => "entra_laps_not_enabled_in_tenant",
    EntraDeviceDisabled => "entra_device_disabled",
    PatchLevelAssumed => "patch_level_assumed",
    LegacyCseNotInstallable => "legacy_cse_not_installable",
    LowComplexity => "low_complexity",
});

/// One finding, with the Windows LAPS event ID where one exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Level.
    pub severity: Severity,
    /// Stable code.
    pub code: DiagnosticCode,
    /// Matching Windows LAPS event, if any.
    pub event_id: Option<u32>,
    /// The setting concerned, if any.
    pub setting: Option<SettingId>,
    /// The root concerned, if any.
    pub root: Option<Root>,
    /// Human message.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = self.severity.as_str();
        match self.event_id {
            Some(id) => write!(f, "{level} [event {id}]: {}", self.message),
            None => write!(f, "{level}: {}", self.message),
        }
    }
}
