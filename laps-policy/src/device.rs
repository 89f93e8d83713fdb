//! The device context resolution depends on.

use crate::catalog::{laps_availability, LapsAvailability, BUILD_24H2};
use laps_core::LocalPasswordPolicy;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

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
}

crate::names::named!(JoinState, "join state", {
    Entra => "entra",
    Ad => "ad",
    Hybrid => "hybrid",
    None => "none",
});

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
#[serde(try_from = "DeviceForm")]
pub struct Device {
    /// Join state. A domain controller is always treated as AD joined.
    pub join: JoinState,
    /// The device is a domain controller (DSRM mode only; no legacy emulation).
    pub domain_controller: bool,
    /// Windows build number (the third part of 10.0.x.y), e.g. 19045, 22631, 26100.
    /// Only the builds in the LAPS CSP's table have Windows LAPS
    /// ([`catalog::LAPS_BUILDS`](crate::catalog::LAPS_BUILDS)), each from an update revision on
    /// (see [`os_ubr`](Self::os_ubr)). In JSON and TOML, `"os_build": "19045.2784"` (or
    /// `"10.0.19045.2784"`) sets both numbers.
    pub os_build: u32,
    /// The update build revision (UBR, the fourth part of 10.0.x.y, registry
    /// `CurrentVersion\UBR`), e.g. 4244 for 17763.4244. `None`: unknown, and the April 2023
    /// update that brought Windows LAPS is assumed (a diagnostic says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_ubr: Option<u32>,
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
            os_ubr: None,
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
    /// Whether this build (and update revision) has Windows LAPS, per the CSP's table.
    pub fn laps_availability(&self) -> LapsAvailability {
        laps_availability(self.os_build, self.os_ubr)
    }

    /// The build as `major.ubr` (`"17763.4244"`), or the major alone when the UBR is unknown.
    pub fn build_text(&self) -> String {
        match self.os_ubr {
            Some(u) => format!("{}.{u}", self.os_build),
            None => self.os_build.to_string(),
        }
    }

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

/// The serialized form of [`Device`]: the same fields, with `os_build` as a number or as a
/// `"major.ubr"` / `"10.0.major.ubr"` string.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct DeviceForm {
    join: JoinState,
    domain_controller: bool,
    os_build: BuildForm,
    os_ubr: Option<u32>,
    legacy_cse_installed: bool,
    dfl_2016: bool,
    legacy_schema_present: bool,
    safe_mode: bool,
    password_policy: Option<LocalPasswordPolicy>,
    entra_tenant_laps_enabled: bool,
    entra_device_enabled: bool,
}

impl Default for DeviceForm {
    fn default() -> Self {
        let d = Device::default();
        DeviceForm {
            join: d.join,
            domain_controller: d.domain_controller,
            os_build: BuildForm(d.os_build, None),
            os_ubr: d.os_ubr,
            legacy_cse_installed: d.legacy_cse_installed,
            dfl_2016: d.dfl_2016,
            legacy_schema_present: d.legacy_schema_present,
            safe_mode: d.safe_mode,
            password_policy: d.password_policy,
            entra_tenant_laps_enabled: d.entra_tenant_laps_enabled,
            entra_device_enabled: d.entra_device_enabled,
        }
    }
}

impl TryFrom<DeviceForm> for Device {
    type Error = String;

    fn try_from(f: DeviceForm) -> Result<Self, String> {
        let BuildForm(os_build, ubr_in_build) = f.os_build;
        let os_ubr = match (ubr_in_build, f.os_ubr) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!(
                    "os_build says update revision {a} but os_ubr says {b}"
                ))
            }
            (a, b) => a.or(b),
        };
        Ok(Device {
            join: f.join,
            domain_controller: f.domain_controller,
            os_build,
            os_ubr,
            legacy_cse_installed: f.legacy_cse_installed,
            dfl_2016: f.dfl_2016,
            legacy_schema_present: f.legacy_schema_present,
            safe_mode: f.safe_mode,
            password_policy: f.password_policy,
            entra_tenant_laps_enabled: f.entra_tenant_laps_enabled,
            entra_device_enabled: f.entra_device_enabled,
        })
    }
}

/// A build number with an optional update revision.
struct BuildForm(u32, Option<u32>);

/// Parses `"19045"`, `"19045.2784"` or `"10.0.19045.2784"`.
fn parse_build(text: &str) -> Option<BuildForm> {
    let parts: Vec<&str> = text.trim().split('.').collect();
    let parts = match parts.as_slice() {
        ["10", "0", rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    let number = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match parts {
        [b] => Some(BuildForm(number(b)?, None)),
        [b, u] => Some(BuildForm(number(b)?, Some(number(u)?))),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for BuildForm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = BuildForm;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a build number (19045) or a string \"19045.2784\" / \"10.0.19045.2784\"",
                )
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<BuildForm, E> {
                u32::try_from(v)
                    .map(|b| BuildForm(b, None))
                    .map_err(|_| E::custom(format!("build {v} is out of range")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<BuildForm, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("build {v} is negative")))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<BuildForm, E> {
                Err(E::custom(format!(
                    "build {v} is a decimal number, which loses the revision's trailing zeros (17763.100 would read as 17763.1): write it as a string, \"17763.100\""
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BuildForm, E> {
                parse_build(v).ok_or_else(|| {
                    E::custom(format!(
                        "{v:?} is not a build: write \"19045\", \"19045.2784\" or \"10.0.19045.2784\""
                    ))
                })
            }
        }
        d.deserialize_any(V)
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
