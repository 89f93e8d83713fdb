//! Resolution, exactly as Windows LAPS does it: pick the source root, validate
//! every setting (falling back to defaults), apply the join state, domain
//! controller and legacy-emulation rules, and record why.

use crate::catalog::{
    self, Allowed, DefaultValue, Family, SettingId, SettingInfo, ValueKind, BUILD_LAPS_MIN,
};
use crate::device::Device;
use crate::effective::{
    Diagnostic, DiagnosticCode, EffectivePolicy, InvalidReason, Mode, NotApplicableReason,
    Provenance, RootReport, RootStatus, SettingResolution, SettingValue, Severity, Shadowed,
    Source,
};
use crate::events;
use crate::snapshot::{Root, Snapshot};
use crate::value::RegValue;
use std::cmp::Reverse;

/// Number of Windows LAPS policy settings.
const N: usize = 18;

/// The Windows LAPS setting a legacy setting stands for; `None` for the CSP actions.
pub(crate) fn windows_laps_counterpart(id: SettingId) -> Option<SettingId> {
    Some(match id {
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

/// One known value found in a root.
#[derive(Clone, Copy)]
struct Found<'a> {
    root: Root,
    info: &'static SettingInfo,
    name: &'a str,
    raw: &'a RegValue,
}

/// What one root holds, indexed by Windows LAPS setting.
struct Scan<'a> {
    root: Root,
    known: [Option<Found<'a>>; N],
    count: usize,
    unknown: Vec<&'a str>,
    too_new: Vec<(&'a str, &'static SettingInfo)>,
}

fn scan<'a>(snapshot: &'a Snapshot, root: Root, build: u32) -> Scan<'a> {
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
            Some(info) if info.min_build <= build => {
                if let Some(idx) = windows_laps_counterpart(info.id).map(|id| id as usize) {
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

/// The default of a setting as a value.
fn default_value(info: &SettingInfo) -> SettingValue {
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
fn validate(info: &SettingInfo, raw: &RegValue, build: u32) -> Result<SettingValue, InvalidReason> {
    match info.kind {
        ValueKind::Dword | ValueKind::Bool => {
            let v = raw.as_dword().ok_or(InvalidReason::WrongType)?;
            if !info.allowed.allows_number(v) {
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

/// Result of the offline syntax check of `ADPasswordEncryptionPrincipal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalCheck {
    /// A SID string, `DOMAIN\name` or `name@domain`.
    Qualified,
    /// A bare name (event 10034).
    IsolatedName,
    /// Cannot be a principal (event 10035).
    Unmappable,
}

/// Offline check of an encryption principal. Names cannot be looked up
/// here, so only the shape is judged: a SID string, `DOMAIN\name` or
/// `name@domain` passes; a bare name is 10034; anything else is 10035.
pub(crate) fn check_principal(p: &str) -> PrincipalCheck {
    const BAD: &[char] = &[
        '"', '/', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>',
    ];
    let clean =
        |s: &str| !s.trim().is_empty() && !s.contains(BAD) && !s.chars().any(char::is_control);
    let p = p.trim();
    let sid_body = p
        .get(..2)
        .filter(|h| h.eq_ignore_ascii_case("S-"))
        .and_then(|_| p.get(2..))
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    if let Some(body) = sid_body {
        let parts: Vec<&str> = body.split('-').collect();
        let numeric = parts
            .iter()
            .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()));
        return if numeric && parts.len() >= 3 && parts[0] == "1" {
            PrincipalCheck::Qualified
        } else {
            PrincipalCheck::Unmappable
        };
    }
    if let Some((domain, name)) = p.split_once('\\') {
        return if clean(domain) && clean(name) && !name.contains('\\') {
            PrincipalCheck::Qualified
        } else {
            PrincipalCheck::Unmappable
        };
    }
    if let Some((name, domain)) = p.rsplit_once('@') {
        return if clean(name) && clean(domain) && !name.contains('@') {
            PrincipalCheck::Qualified
        } else {
            PrincipalCheck::Unmappable
        };
    }
    if clean(p) {
        PrincipalCheck::IsolatedName
    } else {
        PrincipalCheck::Unmappable
    }
}

/// Collects settings and diagnostics while resolving.
struct Builder<'a> {
    device: &'a Device,
    build: u32,
    settings: Vec<SettingResolution>,
    diagnostics: Vec<Diagnostic>,
    blocker: Option<DiagnosticCode>,
}

impl Builder<'_> {
    fn diag(
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
    fn block(
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

    fn get(&self, id: SettingId) -> &SettingResolution {
        &self.settings[id as usize]
    }

    fn number(&self, id: SettingId) -> u32 {
        self.get(id).value.as_number().unwrap_or(0)
    }

    fn flag(&self, id: SettingId) -> bool {
        self.get(id).value.as_bool().unwrap_or(false)
    }

    fn applicable_flag(&self, id: SettingId) -> bool {
        self.get(id).is_applicable() && self.flag(id)
    }

    /// Marks a setting as without effect (keeping the first reason).
    fn not_applicable(&mut self, id: SettingId, reason: NotApplicableReason) {
        let r = &mut self.settings[id as usize];
        if r.provenance.is_applicable() {
            let from = std::mem::replace(&mut r.provenance, Provenance::Default);
            r.provenance = Provenance::NotApplicable {
                reason,
                from: Box::new(from),
            };
        }
    }

    fn not_applicable_all_but_backup_directory(&mut self, reason: NotApplicableReason) {
        for info in &catalog::windows_laps()[1..] {
            self.not_applicable(info.id, reason);
        }
    }

    /// Fills one setting from the source root (or its default).
    fn take(
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
            Some(f) => match validate(f.info, f.raw, self.build) {
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
        _ => format!(
            "{} = {} is invalid ({reason}); the default {default} is used instead (not clamped)",
            f.name, f.raw
        ),
    }
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
    let os_too_old = device.os_build < BUILD_LAPS_MIN;
    // An OS without Windows LAPS still has its roots read, to say what was there.
    let build = device.os_build.max(BUILD_LAPS_MIN);
    let scans: Vec<Scan<'_>> = Root::ALL
        .iter()
        .map(|&r| scan(snapshot, r, build))
        .collect();
    let source_idx = scans.iter().position(|s| s.count > 0);
    let source = source_idx.map_or(Source::None, |i| Source::from(Root::ALL[i]));

    let mut b = Builder {
        device,
        build,
        settings: Vec::with_capacity(N),
        diagnostics: Vec::new(),
        blocker: None,
    };

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
                Some(src) if src.root == Root::Legacy => resolve_legacy(&mut b, src),
                Some(src) => resolve_windows_laps(&mut b, src, lower),
                None => Mode::Disabled,
            }
        }
    };

    let mode = if os_too_old {
        b.blocker = None;
        b.block(
            DiagnosticCode::OsTooOld,
            None,
            None,
            format!(
                "build {} predates Windows LAPS (it needs build {BUILD_LAPS_MIN} with the April 2023 update or later)",
                device.os_build
            ),
        );
        if mode != Mode::Disabled {
            b.not_applicable_all_but_backup_directory(NotApplicableReason::Unmanaged);
            b.not_applicable(SettingId::BackupDirectory, NotApplicableReason::Unmanaged);
        }
        Mode::Unmanaged
    } else {
        mode
    };

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

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(crate) fn list_short(names: &[&str]) -> String {
    match names {
        [] => "nothing".into(),
        [one] => (*one).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

fn fill_defaults(b: &mut Builder<'_>) {
    for info in catalog::windows_laps() {
        b.take(info, None, Vec::new());
    }
}

fn resolve_windows_laps(b: &mut Builder<'_>, src: &Scan<'_>, lower: &[Scan<'_>]) -> Mode {
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
        Mode::Entra => (
            events::POLICY_ENTRA,
            "backing up to Microsoft Entra ID (event 10010)",
        ),
        Mode::ActiveDirectoryDsrm => (
            events::POLICY_AD,
            "backing up the DSRM password to Active Directory (event 10009)",
        ),
        _ => (
            events::POLICY_AD,
            "backing up to Active Directory (event 10009)",
        ),
    };
    b.diag(
        Severity::Info,
        DiagnosticCode::PolicyInEffect,
        Some(event),
        None,
        Some(src.root),
        format!("policy from the {} root: {words}", src.root),
    );
    mode
}

fn join_words(join: crate::device::JoinState) -> &'static str {
    match join {
        crate::device::JoinState::Entra => "Entra joined only",
        crate::device::JoinState::Ad => "AD joined only",
        crate::device::JoinState::Hybrid => "hybrid joined",
        crate::device::JoinState::None => "not joined to a directory (workplace joined or none)",
    }
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
        let r = &mut b.settings[S::AdPasswordEncryptionPrincipal as usize];
        if r.provenance.is_applicable() {
            r.value = SettingValue::None;
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
                "password encryption is on but the domain is below the 2016 functional level: nothing is backed up (not even in clear text)".into(),
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
                        format!("ADPasswordEncryptionPrincipal {p:?} is an isolated name; use DOMAIN\\name, name@domain or a SID. Nothing is backed up (no fallback to Domain Admins)"),
                    ),
                    PrincipalCheck::Unmappable => b.block(
                        DiagnosticCode::PrincipalUnmappable,
                        Some(events::PRINCIPAL_UNMAPPABLE),
                        Some(S::AdPasswordEncryptionPrincipal),
                        format!("ADPasswordEncryptionPrincipal {p:?} cannot be mapped to a principal. Nothing is backed up (no fallback to Domain Admins)"),
                    ),
                }
            }
        }
    }
}

/// Entra backup: PasswordAgeDays 1–6 is raised to 7 with warning 10058
/// (UNCERTAIN: only a support-wiki source says so; the general rule would give 30).
fn entra_minimum_age(b: &mut Builder<'_>) {
    let r = &mut b.settings[SettingId::PasswordAgeDays as usize];
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

fn resolve_legacy(b: &mut Builder<'_>, src: &Scan<'_>) -> Mode {
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
                    .find(|l| windows_laps_counterpart(l.id) == Some(info.id));
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
    } else if device.legacy_cse_installed {
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
            "legacy LAPS emulation: clear-text password in ms-Mcs-AdmPwd (event 10009)".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_shapes() {
        use PrincipalCheck::*;
        for (p, want) in [
            ("S-1-5-21-1-2-3-512", Qualified),
            ("s-1-5-32-544", Qualified),
            ("CONTOSO\\LAPSAdmins", Qualified),
            ("LAPSAdmins@contoso.com", Qualified),
            ("LAPSAdmins", IsolatedName),
            ("Domain Admins", IsolatedName),
            ("S-1-5-", Unmappable),
            ("S-1-x-2", Unmappable),
            ("\\name", Unmappable),
            ("DOM\\", Unmappable),
            ("a\\b\\c", Unmappable),
            ("@contoso.com", Unmappable),
            ("bad|name", Unmappable),
            ("   ", Unmappable),
        ] {
            assert_eq!(check_principal(p), want, "{p}");
        }
    }

    #[test]
    fn legacy_ids_map_to_their_windows_laps_counterpart() {
        for l in catalog::legacy() {
            let c = windows_laps_counterpart(l.id).unwrap();
            assert_eq!(c.info().family, Family::WindowsLaps);
        }
        assert_eq!(windows_laps_counterpart(SettingId::ResetPassword), None);
    }
}
