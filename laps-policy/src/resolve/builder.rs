//! The resolution workspace: validates values against the catalogue and
//! records settings, provenance and diagnostics.

use super::{Found, N};
use crate::catalog::{self, Allowed, DefaultValue, SettingId, SettingInfo, ValueKind};
use crate::device::Device;
use crate::root::Root;
use crate::settings::Settings;
use crate::value::RegValue;
use crate::{
    Diagnostic, DiagnosticCode, InvalidReason, NotApplicableReason, Provenance, SettingResolution,
    SettingValue, Severity, Shadowed,
};

/// The default of a setting as a value.
pub(super) fn default_value(info: &SettingInfo) -> SettingValue {
    match info.default {
        DefaultValue::Number(n) => SettingValue::Number(n),
        DefaultValue::Bool(b) => SettingValue::Bool(b),
        DefaultValue::Text(t) => SettingValue::Text(t.to_owned()),
        DefaultValue::BuiltInAdministrator | DefaultValue::DomainAdmins | DefaultValue::None => {
            SettingValue::None
        }
    }
}

/// Validates a raw value against the catalogue. Wrong types are invalid
/// (UNCERTAIN in the spec; "invalid, so default" is the safe model).
fn validate(
    info: &SettingInfo,
    root: Root,
    raw: &RegValue,
    build: u32,
) -> Result<SettingValue, InvalidReason> {
    match info.kind {
        ValueKind::Dword | ValueKind::Bool => {
            let v = raw.as_dword().ok_or(InvalidReason::WrongType)?;
            if !info.allowed_in(root).allows_number(v) {
                return Err(InvalidReason::OutOfRange);
            }
            if let Some(new) = info.new_values {
                if new.values.contains(&v) && build < new.min_build {
                    return Err(InvalidReason::ValueNeedsNewerBuild {
                        min_build: new.min_build,
                    });
                }
            }
            Ok(match info.kind {
                ValueKind::Bool => SettingValue::Bool(v == 1),
                _ => SettingValue::Number(v),
            })
        }
        ValueKind::Text => {
            let s = raw.as_str().ok_or(InvalidReason::WrongType)?;
            if s.is_empty() {
                // Empty account name = built-in administrator; empty principal =
                // Domain Admins; an empty automatic-account name is rejected.
                return match info.default {
                    DefaultValue::Text(_) => Err(InvalidReason::Empty),
                    _ => Ok(SettingValue::None),
                };
            }
            if let Allowed::Text {
                max_chars: Some(max),
            } = info.allowed
            {
                if s.chars().count() > max as usize {
                    return Err(InvalidReason::TooLong { max_chars: max });
                }
            }
            Ok(SettingValue::Text(s.to_owned()))
        }
        ValueKind::Action => Err(InvalidReason::WrongType),
    }
}

/// Collects settings and diagnostics while resolving.
pub(super) struct Builder<'a> {
    pub(super) device: &'a Device,
    pub(super) build: u32,
    pub(super) settings: Settings,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) blocker: Option<DiagnosticCode>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(device: &'a Device, build: u32) -> Self {
        Builder {
            device,
            build,
            settings: Settings::with_capacity(N),
            diagnostics: Vec::new(),
            blocker: None,
        }
    }

    pub(super) fn diag(
        &mut self,
        severity: Severity,
        code: DiagnosticCode,
        event_id: Option<u32>,
        setting: Option<SettingId>,
        root: Option<Root>,
        message: String,
    ) {
        self.diagnostics.push(Diagnostic {
            severity,
            code,
            event_id,
            setting,
            root,
            message,
        });
    }

    /// Records an error that stops management or backup (the first one wins).
    pub(super) fn block(
        &mut self,
        code: DiagnosticCode,
        event_id: Option<u32>,
        setting: Option<SettingId>,
        message: String,
    ) {
        if self.blocker.is_none() {
            self.blocker = Some(code);
        }
        self.diag(Severity::Error, code, event_id, setting, None, message);
    }

    pub(super) fn get(&self, id: SettingId) -> &SettingResolution {
        &self.settings[id as usize]
    }

    pub(super) fn number(&self, id: SettingId) -> u32 {
        self.settings.number(id)
    }

    pub(super) fn flag(&self, id: SettingId) -> bool {
        self.settings.flag(id)
    }

    pub(super) fn applicable_flag(&self, id: SettingId) -> bool {
        self.settings.is_applicable(id) && self.flag(id)
    }

    /// Marks a setting as without effect (keeping the first reason).
    pub(super) fn not_applicable(&mut self, id: SettingId, reason: NotApplicableReason) {
        let Some(r) = self.settings.get_mut(id) else {
            return;
        };
        if r.provenance.is_applicable() {
            let from = std::mem::replace(&mut r.provenance, Provenance::Default);
            r.provenance = Provenance::NotApplicable {
                reason,
                from: Box::new(from),
            };
        }
    }

    pub(super) fn not_applicable_all_but_backup_directory(&mut self, reason: NotApplicableReason) {
        for info in &catalog::windows_laps()[1..] {
            self.not_applicable(info.id, reason);
        }
    }

    /// Fills one setting from the source root (or its default).
    pub(super) fn take(
        &mut self,
        laps: &'static SettingInfo,
        found: Option<Found<'_>>,
        shadowed: Vec<Shadowed>,
    ) {
        let (value, provenance) = match found {
            _ if laps.min_build > self.build => (
                default_value(laps),
                Provenance::NotApplicable {
                    reason: NotApplicableReason::SettingNeedsNewerBuild,
                    from: Box::new(Provenance::Default),
                },
            ),
            None => (default_value(laps), Provenance::Default),
            // Legacy values are validated against the legacy catalogue entry.
            Some(f) => match validate(f.info, f.root, f.raw, self.build) {
                Ok(v) => (
                    v,
                    Provenance::Configured {
                        root: f.root,
                        raw: f.raw.clone(),
                    },
                ),
                Err(reason) => {
                    let default = default_value(f.info);
                    self.diag(
                        Severity::Warning,
                        DiagnosticCode::InvalidValue,
                        None,
                        Some(laps.id),
                        Some(f.root),
                        invalid_message(f, reason, &default, self.build),
                    );
                    (
                        default,
                        Provenance::FellBack {
                            root: f.root,
                            raw: f.raw.clone(),
                            reason,
                        },
                    )
                }
            },
        };
        self.settings.push(SettingResolution {
            setting: laps.id,
            value,
            provenance,
            shadowed,
        });
    }
}

fn invalid_message(
    f: Found<'_>,
    reason: InvalidReason,
    default: &SettingValue,
    build: u32,
) -> String {
    match reason {
        InvalidReason::ValueNeedsNewerBuild { min_build } => format!(
            "{} {} needs build {min_build} or later; this device is build {build}, so the default {default} is used",
            f.name, f.raw
        ),
        InvalidReason::OutOfRange => format!(
            "{} = {} is invalid (the {} root allows {}); the default {default} is used instead (not clamped)",
            f.name,
            f.raw,
            f.root,
            f.info.allowed_in(f.root)
        ),
        _ => format!(
            "{} = {} is invalid ({reason}); the default {default} is used instead (not clamped)",
            f.name, f.raw
        ),
    }
}
