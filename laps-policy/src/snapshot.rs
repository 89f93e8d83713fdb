//! The input of resolution: the four LAPS policy roots as registry values.

use crate::root::Root;
use crate::value::RegValue;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// `HKLM\Software\Microsoft\Windows\CurrentVersion\LAPS\State`: LAPS runtime
/// state, not policy (see [`LocalState::from_registry`](crate::LocalState::from_registry)).
pub const STATE_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\LAPS\State";

/// The values of one registry key: names are case-insensitive, as in the
/// registry, and keep their first spelling and insertion order. Equality
/// ignores order and name case, as the registry does.
///
/// ```
/// use laps_policy::{RegValue, RootValues};
/// let mut gpo = RootValues::new();
/// gpo.set("BackupDirectory", RegValue::Dword(2));
/// gpo.set("backupdirectory", RegValue::Dword(1));
/// assert_eq!(gpo.len(), 1);
/// assert_eq!(gpo.get("BACKUPDIRECTORY"), Some(&RegValue::Dword(1)));
/// ```
#[derive(Debug, Clone, Default)]
pub struct RootValues {
    values: Vec<(String, RegValue)>,
}

impl PartialEq for RootValues {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(n, v)| other.get(n) == Some(v))
    }
}

impl Eq for RootValues {}

impl RootValues {
    /// An empty key.
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.values
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Sets a value, replacing any value of the same name (any case).
    pub fn set(&mut self, name: impl Into<String>, value: RegValue) {
        let name = name.into();
        match self.position(&name) {
            Some(i) => self.values[i].1 = value,
            None => self.values.push((name, value)),
        }
    }

    /// Builder form of [`set`](Self::set).
    pub fn with(mut self, name: impl Into<String>, value: RegValue) -> Self {
        self.set(name, value);
        self
    }

    /// The value called `name` (any case).
    pub fn get(&self, name: &str) -> Option<&RegValue> {
        self.position(name).map(|i| &self.values[i].1)
    }

    /// Removes and returns the value called `name` (any case).
    pub fn remove(&mut self, name: &str) -> Option<RegValue> {
        self.position(name).map(|i| self.values.remove(i).1)
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        self.values.clear();
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the key holds no value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RegValue)> {
        self.values.iter().map(|(n, v)| (n.as_str(), v))
    }
}

impl<N: Into<String>> FromIterator<(N, RegValue)> for RootValues {
    fn from_iter<I: IntoIterator<Item = (N, RegValue)>>(iter: I) -> Self {
        let mut out = RootValues::new();
        for (n, v) in iter {
            out.set(n, v);
        }
        out
    }
}

impl Serialize for RootValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.values.len()))?;
        for (n, v) in &self.values {
            m.serialize_entry(n, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for RootValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RootValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of registry value name -> value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RootValues, A::Error> {
                let mut out = RootValues::new();
                while let Some((n, v)) = map.next_entry::<String, RegValue>()? {
                    out.set(n, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// One registry change, as Registry.pol, SyncML and `.reg` files express them.
/// All three parsers produce these; [`Snapshot::apply`] is the one place that
/// performs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegOp {
    /// Set `key\name` to `value`.
    Set {
        /// Key path (a hive prefix such as `HKEY_LOCAL_MACHINE\` is allowed).
        key: String,
        /// Value name.
        name: String,
        /// The value.
        value: RegValue,
    },
    /// Set `key\name` only if it does not exist (Registry.pol `**soft.`).
    SetIfAbsent {
        /// Key path.
        key: String,
        /// Value name.
        name: String,
        /// The value.
        value: RegValue,
    },
    /// Delete one value (Registry.pol `**del.`, `.reg` `"name"=-`, SyncML Delete).
    DeleteValue {
        /// Key path.
        key: String,
        /// Value name.
        name: String,
    },
    /// Delete every value of a key (Registry.pol `**delvals.`).
    DeleteAllValues {
        /// Key path.
        key: String,
    },
    /// Delete a key and its subkeys (`.reg` `[-key]`, Registry.pol `**DeleteKeys`).
    DeleteKey {
        /// Key path.
        key: String,
    },
}

impl RegOp {
    /// snake_case name of the operation: `set`, `set_if_absent`, `delete_value`,
    /// `delete_all_values` or `delete_key`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            RegOp::Set { .. } => "set",
            RegOp::SetIfAbsent { .. } => "set_if_absent",
            RegOp::DeleteValue { .. } => "delete_value",
            RegOp::DeleteAllValues { .. } => "delete_all_values",
            RegOp::DeleteKey { .. } => "delete_key",
        }
    }

    /// The key path the operation addresses.
    pub fn key(&self) -> &str {
        match self {
            RegOp::Set { key, .. }
            | RegOp::SetIfAbsent { key, .. }
            | RegOp::DeleteValue { key, .. }
            | RegOp::DeleteAllValues { key }
            | RegOp::DeleteKey { key } => key,
        }
    }

    /// The value name, for the operations on one value.
    pub fn name(&self) -> Option<&str> {
        match self {
            RegOp::Set { name, .. }
            | RegOp::SetIfAbsent { name, .. }
            | RegOp::DeleteValue { name, .. } => Some(name),
            RegOp::DeleteAllValues { .. } | RegOp::DeleteKey { .. } => None,
        }
    }

    /// The value written, for the operations that write one.
    pub fn value(&self) -> Option<&RegValue> {
        match self {
            RegOp::Set { value, .. } | RegOp::SetIfAbsent { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// Where a key path lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Root(Root),
    State,
}

/// Strips an HKLM hive prefix and surrounding backslashes. `None` for other hives.
pub(crate) fn machine_relative(key: &str) -> Option<&str> {
    let k = key.trim_matches('\\');
    let lower_starts = |p: &str| k.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    for prefix in [
        "HKEY_LOCAL_MACHINE\\",
        "HKLM\\",
        "HKLM:\\",
        "MACHINE\\",
        "Registry\\Machine\\",
    ] {
        if lower_starts(prefix) {
            return k
                .get(prefix.len()..)
                .map(|rest| rest.trim_start_matches('\\'));
        }
    }
    let hive_like = ["HKEY_", "HKCU", "HKU\\", "HKCR", "HKCC"];
    if hive_like.iter().any(|p| lower_starts(p)) {
        return None;
    }
    Some(k)
}

fn target_of(key: &str) -> Option<Target> {
    let k = machine_relative(key)?;
    if k.eq_ignore_ascii_case(STATE_KEY) {
        return Some(Target::State);
    }
    Root::ALL
        .into_iter()
        .find(|r| k.eq_ignore_ascii_case(r.key_path()))
        .map(Target::Root)
}

/// True when `ancestor` is `path` or one of its parent keys.
fn is_same_or_ancestor(ancestor: &str, path: &str) -> bool {
    let a = ancestor.len();
    path.get(..a)
        .is_some_and(|h| h.eq_ignore_ascii_case(ancestor))
        && matches!(path.as_bytes().get(a), None | Some(b'\\'))
}

/// A registry snapshot of the four LAPS policy roots (plus the LAPS runtime
/// state key, which is not policy).
///
/// Build it by hand, from Registry.pol / SyncML / `.reg` files through
/// [`apply`](Self::apply), or from JSON / TOML:
///
/// ```
/// use laps_policy::{RegValue, Root, Snapshot};
/// let snap = Snapshot::from_json(r#"{"gpo": {"BackupDirectory": 2, "PasswordLength": 20}}"#)?;
/// assert_eq!(snap.root(Root::Gpo).get("PasswordLength"), Some(&RegValue::Dword(20)));
/// # Ok::<(), laps_policy::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Snapshot {
    /// CSP root.
    #[serde(skip_serializing_if = "RootValues::is_empty")]
    pub csp: RootValues,
    /// GPO root.
    #[serde(skip_serializing_if = "RootValues::is_empty")]
    pub gpo: RootValues,
    /// Local-config root.
    #[serde(skip_serializing_if = "RootValues::is_empty")]
    pub local: RootValues,
    /// Legacy AdmPwd root.
    #[serde(skip_serializing_if = "RootValues::is_empty")]
    pub legacy: RootValues,
    /// `LAPS\State` runtime values (not policy; read by `LocalState::from_registry`).
    #[serde(skip_serializing_if = "RootValues::is_empty")]
    pub state: RootValues,
}

/// What [`Snapshot::apply`] did with one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It changed (or targeted) a LAPS root or the state key.
    Laps,
    /// Its key is outside every LAPS key: ignored.
    Ignored,
}

impl Snapshot {
    /// An empty snapshot (no policy anywhere).
    pub fn new() -> Self {
        Self::default()
    }

    /// The values of one root.
    pub fn root(&self, root: Root) -> &RootValues {
        match root {
            Root::Csp => &self.csp,
            Root::Gpo => &self.gpo,
            Root::Local => &self.local,
            Root::Legacy => &self.legacy,
        }
    }

    /// The values of one root, mutably.
    pub fn root_mut(&mut self, root: Root) -> &mut RootValues {
        match root {
            Root::Csp => &mut self.csp,
            Root::Gpo => &mut self.gpo,
            Root::Local => &mut self.local,
            Root::Legacy => &mut self.legacy,
        }
    }

    fn target_mut(&mut self, t: Target) -> &mut RootValues {
        match t {
            Target::Root(r) => self.root_mut(r),
            Target::State => &mut self.state,
        }
    }

    /// Performs one registry operation. Keys outside the LAPS keys are ignored
    /// (and reported as such); deleting a parent key clears every LAPS key under it.
    pub fn apply(&mut self, op: &RegOp) -> Applied {
        match op {
            RegOp::Set { key, name, value } => match target_of(key) {
                Some(t) => {
                    self.target_mut(t).set(name.clone(), value.clone());
                    Applied::Laps
                }
                None => Applied::Ignored,
            },
            RegOp::SetIfAbsent { key, name, value } => match target_of(key) {
                Some(t) => {
                    let values = self.target_mut(t);
                    if values.get(name).is_none() {
                        values.set(name.clone(), value.clone());
                    }
                    Applied::Laps
                }
                None => Applied::Ignored,
            },
            RegOp::DeleteValue { key, name } => match target_of(key) {
                Some(t) => {
                    self.target_mut(t).remove(name);
                    Applied::Laps
                }
                None => Applied::Ignored,
            },
            RegOp::DeleteAllValues { key } => match target_of(key) {
                Some(t) => {
                    self.target_mut(t).clear();
                    Applied::Laps
                }
                None => Applied::Ignored,
            },
            RegOp::DeleteKey { key } => {
                let Some(k) = machine_relative(key) else {
                    return Applied::Ignored;
                };
                let mut hit = Applied::Ignored;
                for root in Root::ALL {
                    if is_same_or_ancestor(k, root.key_path()) {
                        self.root_mut(root).clear();
                        hit = Applied::Laps;
                    }
                }
                if is_same_or_ancestor(k, STATE_KEY) {
                    self.state.clear();
                    hit = Applied::Laps;
                }
                hit
            }
        }
    }

    /// Performs operations in order; returns the distinct keys that were ignored.
    pub fn apply_all<'a>(&mut self, ops: impl IntoIterator<Item = &'a RegOp>) -> Vec<String> {
        let mut ignored: Vec<String> = Vec::new();
        for op in ops {
            if self.apply(op) == Applied::Ignored {
                let key = match op {
                    RegOp::Set { key, .. }
                    | RegOp::SetIfAbsent { key, .. }
                    | RegOp::DeleteValue { key, .. }
                    | RegOp::DeleteAllValues { key }
                    | RegOp::DeleteKey { key } => key,
                };
                if !ignored.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    ignored.push(key.clone());
                }
            }
        }
        ignored
    }

    /// Parses the JSON form: `{"csp": {...}, "gpo": {...}, "local": {...}, "legacy": {...}, "state": {...}}`,
    /// each a table of value name -> value (see [`RegValue`] for the value forms).
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        Ok(serde_json::from_str(text)?)
    }

    /// Parses the TOML form (same shape as JSON: `[gpo]` tables of values).
    pub fn from_toml(text: &str) -> Result<Self, crate::Error> {
        Ok(toml::from_str(text)?)
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(key: &str, name: &str, v: u32) -> RegOp {
        RegOp::Set {
            key: key.into(),
            name: name.into(),
            value: RegValue::Dword(v),
        }
    }

    #[test]
    fn keys_route_to_their_root_whatever_the_case_or_hive_prefix() {
        let mut s = Snapshot::new();
        s.apply(&set(r"SOFTWARE\Microsoft\Policies\LAPS", "A", 1));
        s.apply(&set(
            r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Policies\LAPS",
            "B",
            2,
        ));
        s.apply(&set(
            r"HKLM\software\microsoft\windows\currentversion\laps\config\",
            "C",
            3,
        ));
        s.apply(&set(r"Software\Policies\Microsoft Services\AdmPwd", "D", 4));
        s.apply(&set(STATE_KEY, "PolicySource", 2));
        assert_eq!(s.csp.get("a"), Some(&RegValue::Dword(1)));
        assert_eq!(s.gpo.get("b"), Some(&RegValue::Dword(2)));
        assert_eq!(s.local.get("c"), Some(&RegValue::Dword(3)));
        assert_eq!(s.legacy.get("d"), Some(&RegValue::Dword(4)));
        assert_eq!(s.state.len(), 1);
    }

    #[test]
    fn the_wrong_gpo_path_and_other_hives_are_ignored() {
        let mut s = Snapshot::new();
        let ignored = s.apply_all(&[
            set(
                r"Software\Policies\Microsoft Windows\LAPS",
                "BackupDirectory",
                2,
            ),
            set(
                r"HKEY_CURRENT_USER\Software\Microsoft\Policies\LAPS",
                "BackupDirectory",
                2,
            ),
            set(
                r"Software\Microsoft\Policies\LAPS\Sub",
                "BackupDirectory",
                2,
            ),
        ]);
        assert_eq!(ignored.len(), 3);
        assert_eq!(s, Snapshot::new());
    }

    #[test]
    fn deleting_a_parent_key_clears_every_laps_key_under_it() {
        let mut s = Snapshot::new();
        s.apply(&set(Root::Local.key_path(), "BackupDirectory", 0));
        s.apply(&set(STATE_KEY, "PolicySource", 3));
        s.apply(&set(Root::Gpo.key_path(), "BackupDirectory", 2));
        let hit = s.apply(&RegOp::DeleteKey {
            key: r"HKLM\Software\Microsoft\Windows\CurrentVersion\LAPS".into(),
        });
        assert_eq!(hit, Applied::Laps);
        assert!(s.local.is_empty() && s.state.is_empty());
        assert_eq!(s.gpo.len(), 1);
        // A sibling whose name merely starts the same is not a parent.
        assert_eq!(
            s.apply(&RegOp::DeleteKey {
                key: r"Software\Microsoft\Windows\CurrentVersion\Policies\LA".into()
            }),
            Applied::Ignored
        );
    }

    #[test]
    fn soft_set_keeps_an_existing_value() {
        let mut s = Snapshot::new();
        s.apply(&set(Root::Gpo.key_path(), "PasswordLength", 20));
        s.apply(&RegOp::SetIfAbsent {
            key: Root::Gpo.key_path().into(),
            name: "passwordlength".into(),
            value: RegValue::Dword(8),
        });
        assert_eq!(s.gpo.get("PasswordLength"), Some(&RegValue::Dword(20)));
    }

    #[test]
    fn json_and_toml_forms_agree() {
        let json = Snapshot::from_json(
            r#"{"csp": {"BackupDirectory": 1, "AdministratorAccountName": "Adm"}, "legacy": {"AdmPwdEnabled": 1}}"#,
        )
        .unwrap();
        let toml = Snapshot::from_toml(
            "[csp]\nBackupDirectory = 1\nAdministratorAccountName = \"Adm\"\n[legacy]\nAdmPwdEnabled = 1\n",
        )
        .unwrap();
        assert_eq!(json, toml);
        assert_eq!(Snapshot::from_json(&json.to_json()).unwrap(), json);
        assert!(matches!(
            Snapshot::from_json("{\"gpo\": {\"X\": -3}}"),
            Err(crate::Error::JsonValue { line: 1, .. })
        ));
        assert!(matches!(
            Snapshot::from_json("{\"gpo\": {"),
            Err(crate::Error::Json { line: 1, .. })
        ));
        assert!(matches!(
            Snapshot::from_toml("[gpo]\nX = "),
            Err(crate::Error::Toml { .. })
        ));
    }
}
