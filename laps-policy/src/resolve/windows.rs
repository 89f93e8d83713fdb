//! Windows LAPS roots (CSP, GPO, local): directory and join state, domain
//! controllers and DSRM, the dependency rules and the hard failures.

use super::builder::Builder;
use super::principal::{check_principal, PrincipalCheck};
use super::Scan;
use crate::catalog::{self, SettingId};
use crate::events;
use crate::wording::{join_words, list_short};
use crate::{
    DiagnosticCode, Mode, NotApplicableReason, Provenance, SettingValue, Severity, Shadowed,
};

pub(super) fn resolve_windows_laps(
    b: &mut Builder<'_>,
    src: &Scan<'_>,
    lower: &[Scan<'_>],
) -> Mode {
    for (idx, info) in catalog::windows_laps().iter().enumerate() {
        let shadowed = lower
            .iter()
            .filter_map(|s| {
                s.known.get(idx).copied().flatten().map(|f| Shadowed {
                    root: s.root,
                    name: f.name.to_owned(),
                    raw: f.raw.clone(),
                })
            })
            .collect();
        b.take(info, src.known.get(idx).copied().flatten(), shadowed);
    }

    let device = b.device;
    let join = device.effective_join();
    let directory = b.number(SettingId::BackupDirectory);
    let mode = match directory {
        1 if device.domain_controller => {
            b.block(
                DiagnosticCode::EntraOnDomainController,
                Some(events::NOT_SUPPORTED_ON_DOMAIN_CONTROLLER),
                Some(SettingId::BackupDirectory),
                "BackupDirectory 1 (Entra) on a domain controller: DSRM passwords can only go to Active Directory".into(),
            );
            Mode::Unmanaged
        }
        1 if !join.can_use_entra() => {
            b.block(
                DiagnosticCode::DirectoryNotJoined,
                None,
                Some(SettingId::BackupDirectory),
                format!(
                    "BackupDirectory 1 (Entra) but the device is {}: the password is not managed",
                    join_words(join)
                ),
            );
            Mode::Unmanaged
        }
        1 => Mode::Entra,
        2 if !join.can_use_ad() => {
            b.block(
                DiagnosticCode::DirectoryNotJoined,
                None,
                Some(SettingId::BackupDirectory),
                format!(
                    "BackupDirectory 2 (Active Directory) but the device is {}: the password is not managed",
                    join_words(join)
                ),
            );
            Mode::Unmanaged
        }
        2 if device.domain_controller => dsrm_mode(b),
        2 => Mode::ActiveDirectory,
        _ => {
            let why = if src.known[SettingId::BackupDirectory as usize].is_some() {
                format!("BackupDirectory is 0 in the {} root", src.root)
            } else {
                format!(
                    "the {} root holds {} but no valid BackupDirectory, which defaults to 0",
                    src.root,
                    list_short(
                        &src.known
                            .iter()
                            .flatten()
                            .map(|f| f.name)
                            .collect::<Vec<_>>()
                    )
                )
            };
            b.diag(
                Severity::Warning,
                DiagnosticCode::BackupDisabled,
                Some(events::POLICY_DISABLED),
                Some(SettingId::BackupDirectory),
                Some(src.root),
                format!("LAPS is disabled: {why}"),
            );
            Mode::Disabled
        }
    };

    match mode {
        Mode::Disabled => {
            b.not_applicable_all_but_backup_directory(NotApplicableReason::LapsDisabled);
            return mode;
        }
        Mode::Unmanaged => {
            b.not_applicable_all_but_backup_directory(NotApplicableReason::Unmanaged);
            return mode;
        }
        _ => {}
    }

    apply_dependencies(b, mode);

    let (event, words) = match mode {
        Mode::Entra => (events::POLICY_ENTRA, "backing up to Microsoft Entra ID"),
        Mode::ActiveDirectoryDsrm => (
            events::POLICY_AD,
            "backing up the DSRM password to Active Directory",
        ),
        _ => (events::POLICY_AD, "backing up to Active Directory"),
    };
    b.diag(
        Severity::Info,
        DiagnosticCode::PolicyInEffect,
        Some(event),
        None,
        Some(src.root),
        format!(
            "policy from the {} root: {words} (event {event} lists this policy)",
            src.root
        ),
    );
    mode
}

/// BackupDirectory 2 on a domain controller: DSRM mode, if its preconditions hold.
fn dsrm_mode(b: &mut Builder<'_>) -> Mode {
    if !b.flag(SettingId::AdBackupDsrmPassword) {
        b.block(
            DiagnosticCode::DsrmNotConfigured,
            Some(events::NOT_SUPPORTED_ON_DOMAIN_CONTROLLER),
            Some(SettingId::AdBackupDsrmPassword),
            "domain controller with a Windows LAPS policy but ADBackupDSRMPassword is not 1: nothing is managed".into(),
        );
        return Mode::Unmanaged;
    }
    if !b.flag(SettingId::AdPasswordEncryptionEnabled) {
        b.block(
            DiagnosticCode::DsrmNeedsEncryption,
            None,
            Some(SettingId::AdPasswordEncryptionEnabled),
            "DSRM password backup needs ADPasswordEncryptionEnabled = 1: nothing is managed".into(),
        );
        return Mode::Unmanaged;
    }
    Mode::ActiveDirectoryDsrm
}

/// The dependency rules between settings, for a managed Windows LAPS mode.
fn apply_dependencies(b: &mut Builder<'_>, mode: Mode) {
    use NotApplicableReason as R;
    use SettingId as S;
    let dsrm = mode == Mode::ActiveDirectoryDsrm;

    // Directory applicability.
    match mode {
        Mode::Entra => {
            for s in [
                S::PasswordExpirationProtectionEnabled,
                S::AdPasswordEncryptionEnabled,
                S::AdPasswordEncryptionPrincipal,
                S::AdEncryptedPasswordHistorySize,
                S::AdBackupDsrmPassword,
            ] {
                b.not_applicable(s, R::ActiveDirectoryOnly);
            }
            entra_minimum_age(b);
        }
        _ => {
            if !b.applicable_flag(S::AdPasswordEncryptionEnabled) {
                b.not_applicable(S::AdPasswordEncryptionPrincipal, R::EncryptionOff);
                b.not_applicable(S::AdEncryptedPasswordHistorySize, R::EncryptionOff);
            }
            if !b.device.domain_controller {
                b.not_applicable(S::AdBackupDsrmPassword, R::DomainControllersOnly);
            }
        }
    }

    // Character length or word count, never both.
    if b.number(S::PasswordComplexity) >= 6 {
        b.not_applicable(S::PasswordLength, R::PassphraseComplexity);
    } else {
        b.not_applicable(S::PassphraseLength, R::CharacterComplexity);
    }

    // Domain controllers: the DSRM account, Domain Admins, no post-auth, no AAM.
    if dsrm {
        b.not_applicable(S::AdministratorAccountName, R::DsrmManagesBuiltInAccount);
        if let Some(r) = b.settings.get_mut(S::AdPasswordEncryptionPrincipal) {
            if r.provenance.is_applicable() {
                r.value = SettingValue::None;
            }
        }
        b.not_applicable(
            S::AdPasswordEncryptionPrincipal,
            R::DsrmEncryptsToDomainAdmins,
        );
        for s in [
            S::PostAuthenticationResetDelay,
            S::PostAuthenticationActions,
            S::AutomaticAccountManagementEnabled,
        ] {
            b.not_applicable(s, R::NotOnDomainController);
        }
    }

    // Automatic account management overrides AdministratorAccountName.
    if b.applicable_flag(S::AutomaticAccountManagementEnabled) {
        b.not_applicable(
            S::AdministratorAccountName,
            R::AutomaticAccountManagementOverrides,
        );
    } else {
        for s in [
            S::AutomaticAccountManagementTarget,
            S::AutomaticAccountManagementNameOrPrefix,
            S::AutomaticAccountManagementEnableAccount,
            S::AutomaticAccountManagementRandomizeName,
        ] {
            b.not_applicable(s, R::AutomaticAccountManagementOff);
        }
    }

    if b.get(S::PostAuthenticationResetDelay).is_applicable()
        && b.number(S::PostAuthenticationResetDelay) == 0
    {
        b.not_applicable(S::PostAuthenticationActions, R::GracePeriodZero);
    }

    // The named exceptions to "invalid means default": hard failures.
    if mode.is_active_directory() && b.applicable_flag(S::AdPasswordEncryptionEnabled) {
        if !b.device.dfl_2016 {
            b.block(
                DiagnosticCode::EncryptionNeedsDfl2016,
                Some(events::ENCRYPTION_NEEDS_DFL_2016),
                Some(S::AdPasswordEncryptionEnabled),
                format!("password encryption is on but the domain is below the 2016 functional level: nothing is backed up, not even in clear text. {}", crate::departures::DFL_BELOW_2016),
            );
        }
        if b.get(S::AdPasswordEncryptionPrincipal).is_applicable() {
            if let Some(p) = b
                .get(S::AdPasswordEncryptionPrincipal)
                .value
                .as_text()
                .map(str::to_owned)
            {
                match check_principal(&p) {
                    PrincipalCheck::Qualified => {}
                    PrincipalCheck::IsolatedName => b.block(
                        DiagnosticCode::PrincipalIsolatedName,
                        Some(events::PRINCIPAL_ISOLATED_NAME),
                        Some(S::AdPasswordEncryptionPrincipal),
                        format!("ADPasswordEncryptionPrincipal {p:?} is an isolated name; use DOMAIN\\name, name@domain or a SID. {}", crate::departures::PRINCIPAL_NO_FALLBACK.replace("{event}", "10034")),
                    ),
                    PrincipalCheck::Unmappable => b.block(
                        DiagnosticCode::PrincipalUnmappable,
                        Some(events::PRINCIPAL_UNMAPPABLE),
                        Some(S::AdPasswordEncryptionPrincipal),
                        format!("ADPasswordEncryptionPrincipal {p:?} cannot be mapped to a principal. {}", crate::departures::PRINCIPAL_NO_FALLBACK.replace("{event}", "10035")),
                    ),
                }
            }
        }
    }
}

/// Entra backup: PasswordAgeDays 1–6 is raised to 7 with warning 10058
/// (UNCERTAIN: only a support-wiki source says so; the general rule would give 30).
fn entra_minimum_age(b: &mut Builder<'_>) {
    let Some(r) = b.settings.get_mut(SettingId::PasswordAgeDays) else {
        return;
    };
    let Provenance::Configured { root, raw } = &r.provenance else {
        return;
    };
    let days = r.value.as_number().unwrap_or(30);
    if days >= 7 {
        return;
    }
    let (root, raw) = (*root, raw.clone());
    r.value = SettingValue::Number(7);
    r.provenance = Provenance::RaisedToEntraMinimum { root, raw };
    b.diag(
        Severity::Warning,
        DiagnosticCode::EntraMinimumAge,
        Some(events::ENTRA_MINIMUM_AGE),
        Some(SettingId::PasswordAgeDays),
        Some(root),
        format!("PasswordAgeDays {days} is below the Entra minimum: 7 is used"),
    );
}
