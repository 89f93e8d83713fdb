//! [`Settings`]: the 18 resolved Windows LAPS settings, indexed by [`SettingId`].

use crate::catalog::SettingId;
use crate::provenance::{SettingResolution, SettingValue};
use laps_core::PasswordSpec;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::ops::Deref;

/// The 18 Windows LAPS settings of a resolved policy, in catalogue order, each with its
/// value and provenance.
///
/// It reads as a slice (`settings.iter()`, `settings[0]`, `settings.len()`); [`get`](Self::get)
/// and the typed readers take a [`SettingId`], legacy settings standing for their Windows
/// LAPS counterpart. It serializes as a map from snake_case name to resolution.
///
/// ```
/// use laps_policy::{resolve, Device, RegValue, SettingId, Snapshot};
/// let mut snap = Snapshot::new();
/// snap.gpo.set("BackupDirectory", RegValue::Dword(2));
/// snap.gpo.set("PasswordLength", RegValue::Dword(20));
/// let p = resolve(&snap, &Device::default());
/// assert_eq!(p.settings.number(SettingId::PasswordLength), 20);
/// assert_eq!(p.settings.number(SettingId::LegacyPasswordLength), 20);
/// assert_eq!(p.settings.password_spec().length(), 20);
/// assert_eq!(p.settings.len(), 18);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings(Vec<SettingResolution>);

impl Settings {
    /// Room for the 18 settings; resolution pushes them in catalogue order.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Settings(Vec::with_capacity(n))
    }

    /// Appends the next setting (in catalogue order).
    pub(crate) fn push(&mut self, r: SettingResolution) {
        self.0.push(r);
    }

    /// The resolution of a setting, mutable (resolution marks settings not applicable).
    pub(crate) fn get_mut(&mut self, id: SettingId) -> Option<&mut SettingResolution> {
        self.0.get_mut(id.windows_laps_counterpart()? as usize)
    }

    /// The resolution of one setting; a legacy setting gives its Windows LAPS counterpart,
    /// the CSP actions give `None`.
    pub fn get(&self, id: SettingId) -> Option<&SettingResolution> {
        // Settings are stored in catalogue order.
        self.0.get(id.windows_laps_counterpart()? as usize)
    }

    /// The value of a setting.
    pub fn value(&self, id: SettingId) -> Option<&SettingValue> {
        self.get(id).map(|r| &r.value)
    }

    /// A number (DWORD) setting's value; 0 for a setting that is not a number.
    pub fn number(&self, id: SettingId) -> u32 {
        self.value(id)
            .and_then(SettingValue::as_number)
            .unwrap_or(0)
    }

    /// A flag setting's value; `false` for a setting that is not a flag.
    pub fn flag(&self, id: SettingId) -> bool {
        self.value(id)
            .and_then(SettingValue::as_bool)
            .unwrap_or(false)
    }

    /// A text setting's value; `None` when unset or not a text setting.
    pub fn text(&self, id: SettingId) -> Option<&str> {
        self.value(id).and_then(SettingValue::as_text)
    }

    /// True when the setting is in effect.
    pub fn is_applicable(&self, id: SettingId) -> bool {
        self.get(id).is_some_and(SettingResolution::is_applicable)
    }

    /// The password specification of `PasswordComplexity`, `PasswordLength` and
    /// `PassphraseLength`; the default spec if they do not form one (resolved settings always
    /// do: every value has passed its range).
    pub fn password_spec(&self) -> PasswordSpec {
        PasswordSpec::new(
            self.number(SettingId::PasswordComplexity),
            self.number(SettingId::PasswordLength),
            self.number(SettingId::PassphraseLength),
        )
        .unwrap_or_default()
    }

    /// The values as a map from snake_case name to value (the `values` table of the JSON form).
    pub fn values(&self) -> Values<'_> {
        Values(&self.0)
    }
}

impl Deref for Settings {
    type Target = [SettingResolution];

    fn deref(&self) -> &[SettingResolution] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Settings {
    type Item = &'a SettingResolution;
    type IntoIter = std::slice::Iter<'a, SettingResolution>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Settings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for r in &self.0 {
            m.serialize_entry(r.setting.snake_name(), r)?;
        }
        m.end()
    }
}

/// Serializes settings as a map from snake_case name to value (see [`Settings::values`]).
#[derive(Debug, Clone, Copy)]
pub struct Values<'a>(&'a [SettingResolution]);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for r in self.0 {
            m.serialize_entry(r.setting.snake_name(), &r.value)?;
        }
        m.end()
    }
}
