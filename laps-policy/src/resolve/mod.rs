//! Resolution, exactly as Windows LAPS does it: pick the source root, validate
//! every setting (falling back to defaults), apply the join state, domain
//! controller and legacy-emulation rules, and record why.

mod builder;
mod legacy;
mod password_policy;
mod principal;
mod windows;

use crate::catalog::{
    self, Family, LapsAvailability, SettingId, SettingInfo, BUILD_LAPS_MIN,
    BUILD_LEGACY_MSI_BLOCKED,
};
use crate::device::Device;
use crate::events;
use crate::root::Root;
use crate::snapshot::Snapshot;
use crate::value::RegValue;
use crate::wording::{list_short, plural};
use crate::{
    DiagnosticCode, EffectivePolicy, Mode, NotApplicableReason, RootReport, RootStatus, Severity,
    Source,
};
use builder::Builder;
use std::cmp::Reverse;

/// Number of Windows LAPS policy settings.
pub(super) const N: usize = 18;

/// One known value found in a root.
#[derive(Clone, Copy)]
pub(super) struct Found<'a> {
    pub(super) root: Root,
    pub(super) info: &'static SettingInfo,
    pub(super) name: &'a str,
    pub(super) raw: &'a RegValue,
}

/// What one root holds, indexed by Windows LAPS setting.
pub(super) struct Scan<'a> {
    pub(super) root: Root,
    pub(super) known: [Option<Found<'a>>; N],
    pub(super) count: usize,
    pub(super) unknown: Vec<&'a str>,
    pub(super) too_new: Vec<(&'a str, &'static SettingInfo)>,
}

/// Which settings the device's build knows: the node's row in the CSP table
/// ([`SettingInfo::known_to`]); on a build without Windows LAPS, the roots are still read as
/// the first Windows LAPS release would read them, to say what they hold. On a build with
/// Windows LAPS (so at least 17763) `known_to` is exactly `min_build <= build`, which is what
/// this computes without a table lookup per value (`known_settings_follow_the_csp_table`).
fn knows(device: &Device, info: &SettingInfo) -> bool {
    info.min_build <= device.os_build.max(BUILD_LAPS_MIN)
}

fn scan<'a>(snapshot: &'a Snapshot, root: Root, device: &Device) -> Scan<'a> {
    let mut out = Scan {
        root,
        known: [None; N],
        count: 0,
        unknown: Vec::new(),
        too_new: Vec::new(),
    };
    let family = root.family();
    let candidates = match family {
        Family::Legacy => catalog::legacy(),
        _ => catalog::windows_laps(),
    };
    for (name, raw) in snapshot.root(root).iter() {
        let info = candidates
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name));
        match info {
            // Only settings this build knows are probed (the trace's LoadSettingOrDefault).
            Some(info) if knows(device, info) => {
                if let Some(idx) = info.id.windows_laps_counterpart().map(|id| id as usize) {
                    if let Some(slot) = out.known.get_mut(idx) {
                        *slot = Some(Found {
                            root,
                            info,
                            name,
                            raw,
                        });
                        out.count += 1;
                    }
                }
            }
            Some(info) => out.too_new.push((name, info)),
            None => out.unknown.push(name),
        }
    }
    out
}

/// Resolves the effective policy of one device, as Windows LAPS would.
///
/// Never fails and never panics: bad values fall back to defaults and are
/// reported in [`EffectivePolicy::diagnostics`].
///
/// ```
/// use laps_policy::{resolve, Device, JoinState, Mode, RegValue, Snapshot};
/// let mut s = Snapshot::new();
/// s.gpo.set("BackupDirectory", RegValue::Dword(1));
/// s.gpo.set("PasswordComplexity", RegValue::Dword(6));
/// let old = Device { join: JoinState::Entra, os_build: 22631, ..Device::default() };
/// let p = resolve(&s, &old);
/// assert_eq!(p.mode, Mode::Entra);
/// assert_eq!(p.password_complexity().get(), 4); // 6 needs 24H2: default, not clamped
/// ```
pub fn resolve(snapshot: &Snapshot, device: &Device) -> EffectivePolicy {
    let availability = device.laps_availability();
    let os_too_old = !availability.has_laps();
    // An OS without Windows LAPS still has its roots read, to say what was there.
    let build = device.os_build.max(BUILD_LAPS_MIN);
    let scans: Vec<Scan<'_>> = Root::ALL
        .iter()
        .map(|&r| scan(snapshot, r, device))
        .collect();
    let source_idx = scans.iter().position(|s| s.count > 0);
    let source = source_idx.map_or(Source::None, |i| Source::from(Root::ALL[i]));

    let mut b = Builder::new(device, build);

    for s in &scans {
        for name in &s.unknown {
            b.diag(
                Severity::Info,
                DiagnosticCode::UnknownValueIgnored,
                None,
                None,
                Some(s.root),
                format!(
                    "{} root: value {name:?} is not a LAPS setting and is ignored",
                    s.root
                ),
            );
        }
        for (name, info) in &s.too_new {
            b.diag(
                Severity::Warning,
                DiagnosticCode::UnknownValueIgnored,
                None,
                Some(info.id),
                Some(s.root),
                format!(
                    "{} root: {name} is unknown to build {build} (it needs {}) and is ignored",
                    s.root, info.min_build
                ),
            );
        }
    }

    let mode = match source_idx {
        None => {
            fill_defaults(&mut b);
            b.not_applicable_all_but_backup_directory(NotApplicableReason::LapsDisabled);
            b.not_applicable(
                SettingId::BackupDirectory,
                NotApplicableReason::LapsDisabled,
            );
            b.diag(
                Severity::Info,
                DiagnosticCode::NoPolicy,
                Some(events::POLICY_DISABLED),
                None,
                None,
                "no policy root holds any LAPS setting: LAPS is disabled".into(),
            );
            Mode::Disabled
        }
        Some(i) => {
            let (source_scan, lower) = scans[i..]
                .split_first()
                .map_or((None, &[][..]), |(a, b)| (Some(a), b));
            match source_scan {
                Some(src) if src.root == Root::Legacy => legacy::resolve_legacy(&mut b, src),
                Some(src) => windows::resolve_windows_laps(&mut b, src, lower),
                None => Mode::Disabled,
            }
        }
    };

    if let LapsAvailability::AssumedPatched { min_ubr } = availability {
        b.diag(
            Severity::Info,
            DiagnosticCode::PatchLevelAssumed,
            None,
            None,
            None,
            format!(
                "build {0} without an update revision: Windows LAPS needs {0}.{min_ubr} (the April 2023 update) or later, which is assumed; give the build as \"{0}.<UBR>\" to check it",
                device.os_build
            ),
        );
    }
    if device.legacy_cse_installed && device.os_build >= BUILD_LEGACY_MSI_BLOCKED {
        b.diag(
            Severity::Warning,
            DiagnosticCode::LegacyCseNotInstallable,
            None,
            None,
            Some(Root::Legacy),
            format!(
                "the device says the legacy Microsoft LAPS client extension is installed, but build {} cannot have it: the Windows LAPS overview says \"Installation of the legacy Microsoft LAPS MSI package is blocked on newer OS versions\" (Windows 11 23H2, build {BUILD_LEGACY_MSI_BLOCKED}, and later). The fact is ignored: the legacy CSE does not take the legacy root here",
                device.os_build
            ),
        );
    }

    let mode = if os_too_old {
        b.blocker = None;
        let why = match availability {
            LapsAvailability::NeedsUpdate { min_ubr } => format!(
                "build {} predates Windows LAPS: build {} has it from update revision {min_ubr} (the April 2023 update) on, per the LAPS CSP reference",
                device.build_text(),
                device.os_build
            ),
            _ => format!(
                "build {} never got Windows LAPS: the LAPS CSP reference lists {}",
                device.build_text(),
                laps_build_list()
            ),
        };
        b.block(DiagnosticCode::OsTooOld, None, None, why);
        if mode != Mode::Disabled {
            b.not_applicable_all_but_backup_directory(NotApplicableReason::Unmanaged);
            b.not_applicable(SettingId::BackupDirectory, NotApplicableReason::Unmanaged);
        }
        Mode::Unmanaged
    } else {
        mode
    };
    if device.safe_mode && mode.is_managed() {
        b.block(
            DiagnosticCode::SafeModeBoot,
            None,
            None,
            "the device is in safe mode or another non-normal boot (such as Directory Services Restore Mode): Windows LAPS does nothing until a normal boot, even if the password has expired; the settings below apply then".into(),
        );
    }
    if mode == Mode::Entra {
        if !device.entra_tenant_laps_enabled {
            b.block(
                DiagnosticCode::EntraLapsNotEnabledInTenant,
                Some(events::ENTRA_HTTP_ERROR),
                Some(SettingId::BackupDirectory),
                "the tenant's \"Enable Microsoft Entra Local Administrator Password Solution (LAPS)\" switch is off: every backup to Entra ID fails with HTTP 400/403 (event 10059, then 10028) until an admin turns it on under Entra ID > Devices > Device settings".into(),
            );
        }
        if !device.entra_device_enabled {
            b.block(
                DiagnosticCode::EntraDeviceDisabled,
                Some(events::ENTRA_HTTP_ERROR),
                Some(SettingId::BackupDirectory),
                "the device is disabled (or deleted) in Entra ID: the backup to Entra ID fails (event 10059, then 10028)".into(),
            );
        }
    }
    if mode.is_managed() {
        let complexity = b.get(SettingId::PasswordComplexity);
        let level = complexity.value.as_number().unwrap_or(4);
        if complexity.is_applicable() && (1..=3).contains(&level) {
            b.diag(
                Severity::Warning,
                DiagnosticCode::LowComplexity,
                None,
                Some(SettingId::PasswordComplexity),
                match &complexity.provenance {
                    crate::Provenance::Configured { root, .. } => Some(*root),
                    _ => None,
                },
                format!(
                    "PasswordComplexity {level} is supported only for backward compatibility: the LAPS CSP reference says \"Windows supports the lower password complexity settings (1, 2, and 3) only for backwards compatibility with older versions of LAPS. Microsoft recommends that this setting always be configured to 4.\" Use 4 or higher"
                ),
            );
        }
    }
    if let Some(local) = device
        .password_policy
        .as_ref()
        .filter(|_| mode.is_managed())
    {
        password_policy::check(&mut b, local);
    }

    // Roots below the source that hold settings are ignored: say so, loudly.
    let mut roots = Vec::with_capacity(4);
    for (i, s) in scans.iter().enumerate() {
        let status = match source_idx {
            Some(src) if src == i => RootStatus::Source,
            Some(src) if i > src && s.count > 0 => RootStatus::Ignored,
            _ => RootStatus::Empty,
        };
        let settings: Vec<&'static str> = s.known.iter().flatten().map(|f| f.info.name).collect();
        if status == RootStatus::Ignored {
            let winner = source.root().unwrap_or(Root::Csp);
            let winner_settings: Vec<&str> =
                scans.get(source_idx.unwrap_or(0)).map_or(Vec::new(), |w| {
                    w.known.iter().flatten().map(|f| f.name).collect()
                });
            b.diag(
                Severity::Warning,
                DiagnosticCode::RootIgnored,
                None,
                None,
                Some(s.root),
                format!(
                    "{} root holds {} ({}) but is ignored: the {winner} root holds {} and Windows LAPS uses only the first root with any setting, without merging",
                    s.root,
                    plural(settings.len(), "setting"),
                    settings.join(", "),
                    list_short(&winner_settings),
                ),
            );
        }
        roots.push(RootReport {
            root: s.root,
            key: s.root.key_path(),
            status,
            settings,
            unknown: s.unknown.iter().map(|n| (*n).to_owned()).collect(),
        });
    }

    let mut diagnostics = b.diagnostics;
    diagnostics.sort_by_key(|d| Reverse(d.severity));
    EffectivePolicy {
        source,
        mode,
        blocker: b.blocker,
        device: device.clone(),
        settings: b.settings,
        roots,
        diagnostics,
    }
}

/// `17763.4244, 19041.2784 (19041-19045), ...`, from [`catalog::LAPS_BUILDS`].
fn laps_build_list() -> String {
    catalog::LAPS_BUILDS
        .iter()
        .map(|&(first, last, ubr)| match (last, ubr) {
            (u32::MAX, _) => format!("{first} and later"),
            _ if first == last => format!("{first}.{ubr}"),
            _ => format!("{first}.{ubr} ({first}-{last})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn fill_defaults(b: &mut Builder<'_>) {
    for info in catalog::windows_laps() {
        b.take(info, None, Vec::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_settings_follow_the_csp_table() {
        for (first, last, ubr) in catalog::LAPS_BUILDS {
            for build in [first, last.min(first + 20), last.min(30000)] {
                for ubr in [None, Some(ubr), Some(ubr + 1)] {
                    let device = Device {
                        os_build: build,
                        os_ubr: ubr,
                        ..Device::default()
                    };
                    for info in catalog::windows_laps() {
                        assert_eq!(
                            knows(&device, info),
                            info.known_to(build, ubr),
                            "{} on {build}.{ubr:?}",
                            info.name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn legacy_ids_map_to_their_windows_laps_counterpart() {
        for l in catalog::legacy() {
            let c = l.id.windows_laps_counterpart().unwrap();
            assert_eq!(c.info().family, Family::WindowsLaps);
        }
        assert_eq!(SettingId::ResetPassword.windows_laps_counterpart(), None);
    }
}
