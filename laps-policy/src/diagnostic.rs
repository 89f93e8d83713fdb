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

impl Severity {
    /// Every value, in declaration order.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];

    /// The snake_case name (as in JSON and the bindings).
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = laps_core::UnknownName;

    /// Parses an [`as_str`](Severity::as_str) name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| laps_core::UnknownName::new("severity", s))
    }
}

impl DiagnosticCode {
    /// Every value, in declaration order.
    pub const ALL: [DiagnosticCode; 26] = [
        DiagnosticCode::PolicyInEffect,
        DiagnosticCode::NoPolicy,
        DiagnosticCode::BackupDisabled,
        DiagnosticCode::RootIgnored,
        DiagnosticCode::UnknownValueIgnored,
        DiagnosticCode::InvalidValue,
        DiagnosticCode::EntraMinimumAge,
        DiagnosticCode::OsTooOld,
        DiagnosticCode::DirectoryNotJoined,
        DiagnosticCode::EntraOnDomainController,
        DiagnosticCode::DsrmNotConfigured,
        DiagnosticCode::DsrmNeedsEncryption,
        DiagnosticCode::EncryptionNeedsDfl2016,
        DiagnosticCode::PrincipalIsolatedName,
        DiagnosticCode::PrincipalUnmappable,
        DiagnosticCode::LegacyCseInstalled,
        DiagnosticCode::LegacyIgnoredOnDomainController,
        DiagnosticCode::LegacyNotEnabled,
        DiagnosticCode::LegacySchemaMissing,
        DiagnosticCode::SafeModeBoot,
        DiagnosticCode::PasswordPolicyConflict,
        DiagnosticCode::EntraLapsNotEnabledInTenant,
        DiagnosticCode::EntraDeviceDisabled,
        DiagnosticCode::PatchLevelAssumed,
        DiagnosticCode::LegacyCseNotInstallable,
        DiagnosticCode::LowComplexity,
    ];

    /// The snake_case name (as in JSON and the bindings).
    pub const fn as_str(self) -> &'static str {
        match self {
            DiagnosticCode::PolicyInEffect => "policy_in_effect",
            DiagnosticCode::NoPolicy => "no_policy",
            DiagnosticCode::BackupDisabled => "backup_disabled",
            DiagnosticCode::RootIgnored => "root_ignored",
            DiagnosticCode::UnknownValueIgnored => "unknown_value_ignored",
            DiagnosticCode::InvalidValue => "invalid_value",
            DiagnosticCode::EntraMinimumAge => "entra_minimum_age",
            DiagnosticCode::OsTooOld => "os_too_old",
            DiagnosticCode::DirectoryNotJoined => "directory_not_joined",
            DiagnosticCode::EntraOnDomainController => "entra_on_domain_controller",
            DiagnosticCode::DsrmNotConfigured => "dsrm_not_configured",
            DiagnosticCode::DsrmNeedsEncryption => "dsrm_needs_encryption",
            DiagnosticCode::EncryptionNeedsDfl2016 => "encryption_needs_dfl2016",
            DiagnosticCode::PrincipalIsolatedName => "principal_isolated_name",
            DiagnosticCode::PrincipalUnmappable => "principal_unmappable",
            DiagnosticCode::LegacyCseInstalled => "legacy_cse_installed",
            DiagnosticCode::LegacyIgnoredOnDomainController => {
                "legacy_ignored_on_domain_controller"
            }
            DiagnosticCode::LegacyNotEnabled => "legacy_not_enabled",
            DiagnosticCode::LegacySchemaMissing => "legacy_schema_missing",
            DiagnosticCode::SafeModeBoot => "safe_mode_boot",
            DiagnosticCode::PasswordPolicyConflict => "password_policy_conflict",
            DiagnosticCode::EntraLapsNotEnabledInTenant => "entra_laps_not_enabled_in_tenant",
            DiagnosticCode::EntraDeviceDisabled => "entra_device_disabled",
            DiagnosticCode::PatchLevelAssumed => "patch_level_assumed",
            DiagnosticCode::LegacyCseNotInstallable => "legacy_cse_not_installable",
            DiagnosticCode::LowComplexity => "low_complexity",
        }
    }
}

impl std::str::FromStr for DiagnosticCode {
    type Err = laps_core::UnknownName;

    /// Parses an [`as_str`](DiagnosticCode::as_str) name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DiagnosticCode::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| laps_core::UnknownName::new("diagnostic code", s))
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names_and_parse_back() {
        for c in DiagnosticCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(c.as_str().parse(), Ok(c));
        }
        for s in Severity::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        assert!("nope".parse::<DiagnosticCode>().is_err());
    }
}
