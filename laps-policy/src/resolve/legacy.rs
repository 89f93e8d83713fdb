//! Legacy Microsoft LAPS emulation: a legacy AdmPwd policy enforced by
//! Windows LAPS when every Windows LAPS root is empty.

use super::builder::{default_value, Builder};
use super::Scan;
use crate::catalog::{self, SettingId};
use crate::events;
use crate::root::Root;
use crate::wording::join_words;
use crate::{
    DiagnosticCode, Mode, NotApplicableReason, Provenance, SettingResolution, SettingValue,
    Severity,
};

pub(super) fn resolve_legacy(b: &mut Builder<'_>, src: &Scan<'_>) -> Mode {
    use SettingId as S;
    for (idx, info) in catalog::windows_laps().iter().enumerate() {
        let found = src.known.get(idx).copied().flatten();
        match info.id {
            // Mapped 1:1 from a legacy value (validated with the legacy ranges).
            S::AdministratorAccountName
            | S::PasswordComplexity
            | S::PasswordLength
            | S::PasswordAgeDays
            | S::PasswordExpirationProtectionEnabled => {
                let legacy = catalog::legacy()
                    .iter()
                    .find(|l| l.id.windows_laps_counterpart() == Some(info.id));
                match (found, legacy) {
                    (Some(_), _) => b.take(info, found, Vec::new()),
                    // Absent: the legacy default (expiration protection is off in emulation).
                    (None, Some(l)) => b.settings.push(SettingResolution {
                        setting: info.id,
                        value: default_value(l),
                        provenance: Provenance::Default,
                        shadowed: Vec::new(),
                    }),
                    (None, None) => b.take(info, None, Vec::new()),
                }
            }
            S::BackupDirectory => b.settings.push(SettingResolution {
                setting: info.id,
                value: SettingValue::Number(2),
                provenance: Provenance::LegacyEmulation,
                shadowed: Vec::new(),
            }),
            S::AdPasswordEncryptionEnabled => b.settings.push(SettingResolution {
                setting: info.id,
                value: SettingValue::Bool(false),
                provenance: Provenance::LegacyEmulation,
                shadowed: Vec::new(),
            }),
            _ => {
                b.take(info, None, Vec::new());
                b.not_applicable(info.id, NotApplicableReason::NotInLegacyEmulation);
            }
        }
    }
    // PasswordLength only matters for 1-4, always true here.
    b.not_applicable(
        S::PassphraseLength,
        NotApplicableReason::NotInLegacyEmulation,
    );

    let device = b.device;
    let enabled = src.known[S::BackupDirectory as usize].and_then(|f| f.raw.as_dword()) == Some(1);
    let mode = if device.domain_controller {
        b.block(
            DiagnosticCode::LegacyIgnoredOnDomainController,
            None,
            None,
            "a legacy LAPS policy is always ignored on domain controllers".into(),
        );
        Mode::Unmanaged
    } else if device.legacy_cse_installed && device.os_build < catalog::BUILD_LEGACY_MSI_BLOCKED {
        b.block(
            DiagnosticCode::LegacyCseInstalled,
            Some(events::LEGACY_CSE_INSTALLED),
            None,
            "legacy LAPS policy found but the legacy LAPS client extension is installed: Windows LAPS leaves the account to it".into(),
        );
        Mode::Unmanaged
    } else if !enabled {
        b.diag(
            Severity::Warning,
            DiagnosticCode::LegacyNotEnabled,
            Some(events::POLICY_DISABLED),
            Some(S::LegacyAdmPwdEnabled),
            Some(Root::Legacy),
            "the legacy root holds settings but AdmPwdEnabled is not 1: nothing is managed".into(),
        );
        Mode::Disabled
    } else if !device.effective_join().can_use_ad() {
        b.block(
            DiagnosticCode::DirectoryNotJoined,
            None,
            None,
            format!(
                "legacy emulation backs up to Active Directory but the device is {}",
                join_words(device.effective_join())
            ),
        );
        Mode::Unmanaged
    } else {
        if !device.legacy_schema_present {
            b.block(
                DiagnosticCode::LegacySchemaMissing,
                Some(events::SCHEMA_MISSING),
                None,
                "legacy emulation needs the legacy LAPS schema (Update-AdmPwdADSchema); nothing is backed up".into(),
            );
        }
        b.diag(
            Severity::Info,
            DiagnosticCode::PolicyInEffect,
            Some(events::POLICY_LEGACY),
            None,
            Some(Root::Legacy),
            "legacy LAPS emulation: clear-text password in ms-Mcs-AdmPwd (event 10023 lists this policy)".into(),
        );
        Mode::LegacyEmulation
    };
    match mode {
        Mode::LegacyEmulation => {}
        Mode::Disabled => {
            b.not_applicable_all_but_backup_directory(NotApplicableReason::LapsDisabled);
            b.not_applicable(S::BackupDirectory, NotApplicableReason::LapsDisabled);
        }
        _ => {
            b.not_applicable_all_but_backup_directory(NotApplicableReason::Unmanaged);
            b.not_applicable(S::BackupDirectory, NotApplicableReason::Unmanaged);
        }
    }
    mode
}
