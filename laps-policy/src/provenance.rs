//! Where each setting's value came from: values, provenance, rejection and
//! not-applicable reasons, shadowed values of ignored roots.

use crate::catalog::SettingId;
use crate::root::Root;
use crate::value::RegValue;
use serde::Serialize;
use std::fmt;

/// A resolved setting value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum SettingValue {
    /// A number.
    Number(u32),
    /// A boolean.
    Bool(bool),
    /// A text.
    Text(String),
    /// The text settings' special default: the built-in administrator
    /// (AdministratorAccountName) or Domain Admins (ADPasswordEncryptionPrincipal).
    /// `null` in JSON, `None` in Python.
    None,
}

impl SettingValue {
    /// The number, if this is one.
    pub fn as_number(&self) -> Option<u32> {
        match self {
            SettingValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            SettingValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text, if this is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SettingValue::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingValue::Number(n) => write!(f, "{n}"),
            SettingValue::Bool(b) => f.write_str(if *b { "1 (on)" } else { "0 (off)" }),
            SettingValue::Text(s) => write!(f, "{s:?}"),
            SettingValue::None => f.write_str("(none)"),
        }
    }
}

/// Why a configured value was rejected (the setting then takes its default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InvalidReason {
    /// Wrong registry type (e.g. `REG_SZ "30"` for a DWORD).
    WrongType,
    /// Outside the allowed range or enumeration.
    OutOfRange,
    /// Allowed, but only from a newer build (e.g. complexity 6 before 24H2).
    ValueNeedsNewerBuild {
        /// First build that accepts the value.
        min_build: u32,
    },
    /// Text longer than allowed.
    TooLong {
        /// Maximum characters.
        max_chars: u32,
    },
    /// Empty text where a name is needed.
    Empty,
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidReason::WrongType => f.write_str("wrong registry type"),
            InvalidReason::OutOfRange => f.write_str("not an allowed value"),
            InvalidReason::ValueNeedsNewerBuild { min_build } => {
                write!(f, "needs build {min_build} or later")
            }
            InvalidReason::TooLong { max_chars } => write!(f, "longer than {max_chars} characters"),
            InvalidReason::Empty => f.write_str("empty"),
        }
    }
}

/// Why a setting has no effect under the effective policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotApplicableReason {
    /// LAPS is disabled (no policy, or BackupDirectory 0).
    LapsDisabled,
    /// The device cannot act on the policy (see the blocker).
    Unmanaged,
    /// The setting is newer than the device's build, which does not know it.
    SettingNeedsNewerBuild,
    /// PasswordLength with a passphrase complexity (6–8).
    PassphraseComplexity,
    /// PassphraseLength with a character complexity (1–5).
    CharacterComplexity,
    /// An AD-only setting while backing up to Entra.
    ActiveDirectoryOnly,
    /// Needs ADPasswordEncryptionEnabled.
    EncryptionOff,
    /// An automatic-account-management element while that feature is off.
    AutomaticAccountManagementOff,
    /// AdministratorAccountName while automatic account management is on.
    AutomaticAccountManagementOverrides,
    /// DSRM mode always manages the DSRM administrator (RID 500).
    DsrmManagesBuiltInAccount,
    /// DSRM mode always encrypts to Domain Admins.
    DsrmEncryptsToDomainAdmins,
    /// Not available on domain controllers.
    NotOnDomainController,
    /// ADBackupDSRMPassword on a device that is not a domain controller.
    DomainControllersOnly,
    /// A grace period of 0 turns the post-authentication actions off.
    GracePeriodZero,
    /// Legacy emulation uses only the legacy settings.
    NotInLegacyEmulation,
}

impl fmt::Display for NotApplicableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotApplicableReason::LapsDisabled => "LAPS is disabled",
            NotApplicableReason::Unmanaged => "the device cannot act on this policy",
            NotApplicableReason::SettingNeedsNewerBuild => {
                "this OS build does not know the setting"
            }
            NotApplicableReason::PassphraseComplexity => "complexity 6-8 uses PassphraseLength",
            NotApplicableReason::CharacterComplexity => "complexity 1-5 uses PasswordLength",
            NotApplicableReason::ActiveDirectoryOnly => "AD-only setting, backing up to Entra",
            NotApplicableReason::EncryptionOff => "password encryption is off",
            NotApplicableReason::AutomaticAccountManagementOff => {
                "automatic account management is off"
            }
            NotApplicableReason::AutomaticAccountManagementOverrides => {
                "automatic account management chooses the account"
            }
            NotApplicableReason::DsrmManagesBuiltInAccount => {
                "DSRM mode manages the DSRM administrator"
            }
            NotApplicableReason::DsrmEncryptsToDomainAdmins => {
                "DSRM mode always encrypts to Domain Admins"
            }
            NotApplicableReason::NotOnDomainController => "not used on domain controllers",
            NotApplicableReason::DomainControllersOnly => "domain controllers only",
            NotApplicableReason::GracePeriodZero => "grace period 0 turns the actions off",
            NotApplicableReason::NotInLegacyEmulation => "not part of legacy emulation",
        })
    }
}

/// Where a setting's effective value came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provenance {
    /// Set in the source root.
    Configured {
        /// The source root.
        root: Root,
        /// The raw registry value.
        raw: RegValue,
    },
    /// Not set in the source root: the built-in default.
    Default,
    /// Set, but invalid: the default is used instead (not clamped, not fatal).
    FellBack {
        /// The source root.
        root: Root,
        /// The rejected raw value.
        raw: RegValue,
        /// Why it was rejected.
        #[serde(flatten)]
        reason: InvalidReason,
    },
    /// Set, and raised to the Entra minimum age of 7 days (event 10058).
    RaisedToEntraMinimum {
        /// The source root.
        root: Root,
        /// The raw value.
        raw: RegValue,
    },
    /// Imposed by legacy emulation (backup to AD, clear text).
    LegacyEmulation,
    /// Resolved as above, but without effect.
    NotApplicable {
        /// Why.
        reason: NotApplicableReason,
        /// What the setting would otherwise have come from.
        from: Box<Provenance>,
    },
}

impl Provenance {
    /// The raw value of the source root, if it set this setting.
    pub fn raw(&self) -> Option<&RegValue> {
        match self {
            Provenance::Configured { raw, .. }
            | Provenance::FellBack { raw, .. }
            | Provenance::RaisedToEntraMinimum { raw, .. } => Some(raw),
            Provenance::NotApplicable { from, .. } => from.raw(),
            Provenance::Default | Provenance::LegacyEmulation => None,
        }
    }

    /// True when the setting is in effect.
    pub fn is_applicable(&self) -> bool {
        !matches!(self, Provenance::NotApplicable { .. })
    }

    /// The snake_case kind (the `kind` of the JSON form): `configured`, `default`,
    /// `fell_back`, `raised_to_entra_minimum`, `legacy_emulation` or `not_applicable`.
    pub const fn kind(&self) -> &'static str {
        match self {
            Provenance::Configured { .. } => "configured",
            Provenance::Default => "default",
            Provenance::FellBack { .. } => "fell_back",
            Provenance::RaisedToEntraMinimum { .. } => "raised_to_entra_minimum",
            Provenance::LegacyEmulation => "legacy_emulation",
            Provenance::NotApplicable { .. } => "not_applicable",
        }
    }

    /// What the value came from, looking through "not applicable".
    pub fn origin(&self) -> &Provenance {
        match self {
            Provenance::NotApplicable { from, .. } => from.origin(),
            other => other,
        }
    }

    /// Why the value was rejected or does not apply, in words; `None` otherwise.
    pub fn reason(&self) -> Option<String> {
        match self {
            Provenance::NotApplicable { reason, .. } => Some(reason.to_string()),
            Provenance::FellBack { reason, .. } => Some(reason.to_string()),
            _ => None,
        }
    }

    /// The root whose value was used or rejected (looking through "not applicable").
    pub fn origin_root(&self) -> Option<Root> {
        match self.origin() {
            Provenance::Configured { root, .. }
            | Provenance::FellBack { root, .. }
            | Provenance::RaisedToEntraMinimum { root, .. } => Some(*root),
            _ => None,
        }
    }

    /// Short words for tables: `configured (GPO)`, `default`, ...
    pub fn describe(&self) -> String {
        match self {
            Provenance::Configured { root, .. } => format!("configured ({root})"),
            Provenance::Default => "default".into(),
            Provenance::FellBack { root, raw, reason } => {
                format!("default: {root} value {raw} rejected ({reason})")
            }
            Provenance::RaisedToEntraMinimum { root, raw } => {
                format!("raised to the Entra minimum 7 ({root} value {raw}, event 10058)")
            }
            Provenance::LegacyEmulation => "fixed by legacy emulation".into(),
            Provenance::NotApplicable { reason, from } => {
                format!("not applicable: {reason} [{}]", from.describe())
            }
        }
    }
}

/// A value of the same setting in a lower-precedence root, ignored because
/// another root won.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Shadowed {
    /// The ignored root.
    pub root: Root,
    /// Its value name (differs from the setting's for legacy values).
    pub name: String,
    /// Its raw value.
    pub raw: RegValue,
}

/// One resolved setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingResolution {
    /// The setting.
    #[serde(rename = "name")]
    pub setting: SettingId,
    /// The value it resolved to (see `provenance` for whether it applies).
    pub value: SettingValue,
    /// Where the value came from.
    pub provenance: Provenance,
    /// Values in lower-precedence roots, ignored because the source root won.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shadowed: Vec<Shadowed>,
}

impl SettingResolution {
    /// True when the setting is in effect.
    pub fn is_applicable(&self) -> bool {
        self.provenance.is_applicable()
    }

    /// The resolution as the bindings give it, flat: `name` (the registry name, as in the
    /// catalogue and the JSON form) and `snake_name`, `value`, `applicable`, the provenance's
    /// `kind`, `root`, `raw`, `reason` and `description`, and `shadowed` (`root`, `name`,
    /// `raw`). Each registry value is written by `value` (e.g. [`RegValue::plain`]).
    ///
    /// ```
    /// use laps_policy::{resolve, Device, RegValue, Snapshot};
    /// let mut snap = Snapshot::new();
    /// snap.gpo.set("BackupDirectory", RegValue::Dword(2));
    /// snap.local.set("PasswordLength", RegValue::Dword(20));
    /// let policy = resolve(&snap, &Device::default());
    /// let form = serde_json::to_value(policy.provenance("PasswordLength").unwrap().form(|v| v))?;
    /// assert_eq!(form["name"], "PasswordLength");
    /// assert_eq!(form["snake_name"], "password_length");
    /// assert_eq!(form["kind"], "default");
    /// assert_eq!(form["shadowed"][0]["root"], "local");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn form<'a, W: Serialize + 'a>(
        &'a self,
        value: fn(&'a RegValue) -> W,
    ) -> impl Serialize + 'a {
        let p = &self.provenance;
        ResolutionForm {
            name: self.setting.name(),
            snake_name: self.setting.snake_name(),
            value: &self.value,
            applicable: self.is_applicable(),
            kind: p.kind(),
            root: p.origin_root().map(Root::name),
            raw: p.raw().map(value),
            reason: p.reason(),
            description: p.describe(),
            shadowed: (self.shadowed.iter())
                .map(|s| ShadowedForm {
                    root: s.root.name(),
                    name: &s.name,
                    raw: value(&s.raw),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct ResolutionForm<'a, W> {
    name: &'static str,
    snake_name: &'static str,
    value: &'a SettingValue,
    applicable: bool,
    kind: &'static str,
    root: Option<&'static str>,
    raw: Option<W>,
    reason: Option<String>,
    description: String,
    shadowed: Vec<ShadowedForm<'a, W>>,
}

#[derive(Serialize)]
struct ShadowedForm<'a, W> {
    root: &'static str,
    name: &'a str,
    raw: W,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_kind_is_the_json_kind() {
        let configured = Provenance::Configured {
            root: Root::Gpo,
            raw: RegValue::Dword(2),
        };
        let cases = [
            configured.clone(),
            Provenance::Default,
            Provenance::LegacyEmulation,
            Provenance::NotApplicable {
                reason: NotApplicableReason::GracePeriodZero,
                from: Box::new(configured),
            },
        ];
        for p in &cases {
            assert_eq!(serde_json::to_value(p).unwrap()["kind"], p.kind());
        }
        assert_eq!(cases[3].origin_root(), Some(Root::Gpo));
        assert_eq!(cases[1].origin_root(), None);
    }
}
