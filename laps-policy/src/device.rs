//! The device context resolution depends on.

use crate::catalog::BUILD_24H2;
use laps_core::LocalPasswordPolicy;
use serde::{Deserialize, Serialize};

/// How the device is joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinState {
    /// Microsoft Entra joined only: can back up to Entra.
    #[serde(alias = "aad", alias = "azure_ad")]
    Entra,
    /// Active Directory joined only: can back up to AD.
    #[serde(alias = "active_directory", alias = "domain")]
    Ad,
    /// Hybrid joined (Entra + AD): either directory, one at a time.
    #[default]
    Hybrid,
    /// Workplace-joined / Entra registered / not joined: LAPS cannot back up anywhere.
    #[serde(alias = "workplace", alias = "registered")]
    None,
}

impl JoinState {
    /// True when the device can back up to Microsoft Entra ID.
    pub const fn can_use_entra(self) -> bool {
        matches!(self, JoinState::Entra | JoinState::Hybrid)
    }

    /// True when the device can back up to Active Directory.
    pub const fn can_use_ad(self) -> bool {
        matches!(self, JoinState::Ad | JoinState::Hybrid)
    }

    /// Lower-case name (`entra`, `ad`, `hybrid`, `none`).
    pub const fn as_str(self) -> &'static str {
        match self {
            JoinState::Entra => "entra",
            JoinState::Ad => "ad",
            JoinState::Hybrid => "hybrid",
            JoinState::None => "none",
        }
    }
}

/// Everything about the device that changes the effective policy.
///
/// Defaults: hybrid joined, Windows 11 24H2 (build 26100), not a domain
/// controller, legacy LAPS client extension not installed, domain at 2016
/// functional level, legacy LAPS schema present, normal boot (not safe mode), password
/// policy unknown (not checked), Entra LAPS enabled in the tenant and the device enabled.
///
/// ```
/// use laps_policy::{Device, JoinState};
/// let d = Device::from_json(r#"{"join": "entra", "os_build": 22631}"#)?;
/// assert_eq!(d.join, JoinState::Entra);
/// assert!(!d.domain_controller && d.dfl_2016);
/// # Ok::<(), laps_policy::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Device {
    /// Join state. A domain controller is always treated as AD joined.
    pub join: JoinState,
    /// The device is a domain controller (DSRM mode only; no legacy emulation).
    pub domain_controller: bool,
    /// Windows build number (the third part of 10.0.x.y), e.g. 19045, 22631, 26100.
    /// Builds before 17763 have no Windows LAPS at all; it also needs the
    /// April 2023 cumulative update, which the build number alone cannot show.
    pub os_build: u32,
    /// The legacy Microsoft LAPS client-side extension is installed: its
    /// `GPExtensions\{D76B9641-3288-4f75-942D-087DE603E3EA}\DllName` names a file that exists.
    pub legacy_cse_installed: bool,
    /// The domain is at Windows Server 2016 functional level or higher
    /// (needed for encrypted passwords and DSRM backup).
    pub dfl_2016: bool,
    /// The legacy LAPS schema (`ms-Mcs-AdmPwd`) is in the forest (`Update-AdmPwdADSchema`);
    /// legacy emulation logs 10012 without it.
    pub legacy_schema_present: bool,
    /// The device is running in safe mode, Directory Services Restore Mode or another
    /// non-normal boot. Windows LAPS does nothing then, not even when the password has
    /// expired; the policy still resolves, for the next normal boot.
    pub safe_mode: bool,
    /// The managed account's password policy (local `secpol.msc`, or the domain's), when
    /// known. Resolution then predicts event 10027: a policy that rejects every generated
    /// password blocks rotation; one that rejects some of them is a warning.
    pub password_policy: Option<LocalPasswordPolicy>,
    /// The tenant has "Enable Microsoft Entra Local Administrator Password Solution (LAPS)"
    /// switched on (Entra ID → Devices → Device settings). Off: every Entra backup fails with
    /// HTTP 400/403 (events 10059, 10028).
    pub entra_tenant_laps_enabled: bool,
    /// The device object is enabled in Microsoft Entra ID (disabled or deleted: the backup
    /// fails, events 10059, 10028).
    pub entra_device_enabled: bool,
}

impl Default for Device {
    fn default() -> Self {
        Device {
            join: JoinState::Hybrid,
            domain_controller: false,
            os_build: BUILD_24H2,
            legacy_cse_installed: false,
            dfl_2016: true,
            legacy_schema_present: true,
            safe_mode: false,
            password_policy: None,
            entra_tenant_laps_enabled: true,
            entra_device_enabled: true,
        }
    }
}

impl Device {
    /// The effective join state (a domain controller is AD joined).
    pub fn effective_join(&self) -> JoinState {
        if self.domain_controller {
            JoinState::Ad
        } else {
            self.join
        }
    }

    /// Parses the JSON form; missing fields take their defaults.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        Ok(serde_json::from_str(text)?)
    }

    /// Parses the TOML form; missing fields take their defaults.
    pub fn from_toml(text: &str) -> Result<Self, crate::Error> {
        Ok(toml::from_str(text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_defaults_are_a_hybrid_24h2_member_at_2016_dfl() {
        let d = Device::default();
        assert_eq!(d.join, JoinState::Hybrid);
        assert_eq!(d.os_build, 26100);
        assert!(!d.domain_controller && !d.legacy_cse_installed && d.dfl_2016);
        assert_eq!(Device::from_json("{}").unwrap(), d);
        assert_eq!(Device::from_toml("").unwrap(), d);
    }

    #[test]
    fn device_rejects_unknown_fields_and_join_states() {
        assert!(Device::from_json(r#"{"joined": "ad"}"#).is_err());
        assert!(Device::from_json(r#"{"join": "moon"}"#).is_err());
        assert_eq!(
            Device::from_toml("join = \"workplace\"").unwrap().join,
            JoinState::None
        );
    }
}
