//! The four LAPS policy roots and the catalogue families their values belong to.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which product and store a setting belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Windows LAPS policy value (CSP, GPO and local-config roots).
    WindowsLaps,
    /// LAPS CSP action node (`./Device/Vendor/MSFT/LAPS/Actions/*`), not a registry value.
    CspAction,
    /// Legacy Microsoft LAPS (AdmPwd) policy value.
    Legacy,
}

/// One of the four policy roots, in precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    /// `HKLM\Software\Microsoft\Policies\LAPS`, written by the LAPS CSP (Intune / MDM).
    Csp,
    /// `HKLM\Software\Microsoft\Windows\CurrentVersion\Policies\LAPS`, written by Group Policy.
    Gpo,
    /// `HKLM\Software\Microsoft\Windows\CurrentVersion\LAPS\Config`, written by hand only.
    Local,
    /// `HKLM\Software\Policies\Microsoft Services\AdmPwd`, the legacy Microsoft LAPS policy.
    Legacy,
}

impl Root {
    /// All roots, highest precedence first.
    pub const ALL: [Root; 4] = [Root::Csp, Root::Gpo, Root::Local, Root::Legacy];

    /// The [`name`](Self::name)s of [`ALL`](Self::ALL), in the same order.
    pub const NAMES: [&'static str; 4] = ["csp", "gpo", "local", "legacy"];

    /// The lower-case name used in JSON and by the bindings: `csp`, `gpo`, `local`, `legacy`.
    pub const fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The root of a lower-case [`name`](Self::name).
    ///
    /// ```
    /// use laps_policy::Root;
    /// assert_eq!(Root::from_name("local"), Some(Root::Local));
    /// assert_eq!(Root::from_name("hklm"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Root> {
        Root::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Same as [`name`](Self::name).
    pub const fn as_str(self) -> &'static str {
        self.name()
    }

    /// The key path under HKLM (no hive prefix, as in Registry.pol).
    pub const fn key_path(self) -> &'static str {
        match self {
            Root::Csp => r"Software\Microsoft\Policies\LAPS",
            Root::Gpo => r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS",
            Root::Local => r"Software\Microsoft\Windows\CurrentVersion\LAPS\Config",
            Root::Legacy => r"Software\Policies\Microsoft Services\AdmPwd",
        }
    }

    /// Short label, as LAPS event 10021–10023 print the policy source.
    pub const fn label(self) -> &'static str {
        match self {
            Root::Csp => "CSP",
            Root::Gpo => "GPO",
            Root::Local => "Local",
            Root::Legacy => "Legacy LAPS",
        }
    }

    /// The `LAPS\State\PolicySource` code (1 CSP, 2 GPO, 3 Local, 4 LegacyLAPS).
    pub const fn policy_source_code(self) -> u32 {
        self as u32 + 1
    }

    /// The catalogue family whose values this root holds.
    pub const fn family(self) -> Family {
        match self {
            Root::Legacy => Family::Legacy,
            _ => Family::WindowsLaps,
        }
    }
}

impl std::str::FromStr for Root {
    type Err = laps_core::UnknownName;

    /// Parses a lower-case [`name`](Root::name).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Root::from_name(s).ok_or_else(|| laps_core::UnknownName::new("root", s, &Root::NAMES))
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
