//! Event 10027: the device's own password policy against the resolved password settings.

use super::builder::Builder;
use crate::catalog::SettingId;
use crate::{events, DiagnosticCode, Severity};
use laps_core::{check_local_policy, LocalPasswordPolicy, PolicyProblem};

/// Predicts event 10027 from the device's password policy and the resolved password settings.
pub(super) fn check(b: &mut Builder<'_>, local: &LocalPasswordPolicy) {
    let spec = b.settings.password_spec();
    let complexity = spec.complexity();
    let length_id = if complexity.is_passphrase() {
        SettingId::PassphraseLength
    } else {
        SettingId::PasswordLength
    };
    let fit = check_local_policy(&spec, local);
    if fit.always_accepted() {
        return;
    }
    let only_length = fit
        .problems
        .iter()
        .all(|p| matches!(p, PolicyProblem::TooShort { .. }));
    let setting = if only_length {
        length_id
    } else {
        SettingId::PasswordComplexity
    };
    let problems = fit.problems_text();
    let settings = format!(
        "PasswordComplexity {} ({}), {} {}",
        complexity.get(),
        complexity.description(),
        length_id.name(),
        b.number(length_id)
    );
    if fit.never_accepted() {
        b.block(
            DiagnosticCode::PasswordPolicyConflict,
            Some(events::PASSWORD_POLICY_CONFLICT),
            Some(setting),
            format!("with {settings}, the device's password policy ({local}) rejects every generated password ({problems}): every rotation fails with event 10027, because Windows LAPS does not lengthen or change a password to fit"),
        );
    } else {
        b.diag(
            Severity::Warning,
            DiagnosticCode::PasswordPolicyConflict,
            Some(events::PASSWORD_POLICY_CONFLICT),
            Some(setting),
            None,
            format!(
                "with {settings}, the device's password policy ({local}) accepts only {:.2} % of generated passwords (rejected: {problems}); a rotation that draws a rejected password fails with event 10027 (whether Windows LAPS then retries is not documented)",
                fit.acceptance * 100.0
            ),
        );
    }
}
