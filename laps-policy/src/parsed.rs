//! One parsed policy file, whatever its format: what the bindings and the CLI return for
//! Registry.pol, SyncML and `.reg` alike.

use crate::{Error, RegOp, RegValue, Root, RootValues, Snapshot, SyncMlCommand};
use serde::Serialize;

/// A parsed policy file (Registry.pol, SyncML or `.reg`): the values it leaves in each LAPS
/// key, the keys it addresses outside them, and its registry operations in order.
///
/// ```
/// use laps_policy::{ParsedPolicy, RegValue};
/// let reg = "Windows Registry Editor Version 5.00\r\n\r\n\
///     [HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS]\r\n\
///     \"BackupDirectory\"=dword:00000002\r\n\r\n\
///     [HKEY_LOCAL_MACHINE\\Software\\Other]\r\n\"X\"=dword:00000001\r\n";
/// let parsed = ParsedPolicy::from_reg(reg.as_bytes())?;
/// assert_eq!(parsed.snapshot.gpo.get("BackupDirectory"), Some(&RegValue::Dword(2)));
/// assert_eq!(parsed.ignored_keys, ["HKEY_LOCAL_MACHINE\\Software\\Other"]);
/// assert!(!parsed.reset_password_requested && parsed.commands.is_empty());
/// # Ok::<(), laps_policy::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ParsedPolicy {
    /// The values the file leaves in each LAPS key (and `LAPS\State`), applied to an empty
    /// registry: each value lands in the root its key names.
    pub snapshot: Snapshot,
    /// The keys outside every LAPS key (for SyncML: the targets outside the LAPS CSP), which
    /// are ignored; each once, in file order.
    pub ignored_keys: Vec<String>,
    /// The registry operations, in file order: what applying the file over other files does,
    /// deletions included ([`apply_to`](Self::apply_to)).
    pub operations: Vec<RegOp>,
    /// SyncML: the message runs `Actions/ResetPassword` (an admin-requested rotation). Always
    /// false for the other formats.
    pub reset_password_requested: bool,
    /// SyncML: every command with the status the device's LAPS CSP gives it, in document
    /// order. Empty for the other formats.
    pub commands: Vec<SyncMlCommand>,
}

impl ParsedPolicy {
    /// Parses a Registry.pol (PReg) file, as [`parse_registry_pol`](crate::parse_registry_pol).
    pub fn from_registry_pol(bytes: &[u8]) -> Result<Self, Error> {
        let pol = crate::parse_registry_pol(bytes)?;
        Ok(ParsedPolicy::from_operations(pol.ops()))
    }

    /// Parses a SyncML message for the LAPS CSP, as [`parse_syncml`](crate::parse_syncml).
    pub fn from_syncml(bytes: &[u8]) -> Result<Self, Error> {
        let doc = crate::parse_syncml(bytes)?;
        let mut parsed = ParsedPolicy::default();
        parsed.ignored_keys = doc.apply_to(&mut parsed.snapshot);
        parsed.operations = doc.ops();
        parsed.reset_password_requested = doc.reset_password_requested();
        parsed.commands = doc.commands;
        Ok(parsed)
    }

    /// Parses a regedit export, as [`parse_reg`](crate::parse_reg).
    pub fn from_reg(bytes: &[u8]) -> Result<Self, Error> {
        let file = crate::parse_reg(bytes)?;
        Ok(ParsedPolicy::from_operations(file.ops()))
    }

    /// The file whose operations are `operations`, applied to an empty registry.
    fn from_operations(operations: Vec<RegOp>) -> Self {
        let mut snapshot = Snapshot::new();
        let ignored_keys = snapshot.apply_all(&operations);
        ParsedPolicy {
            snapshot,
            ignored_keys,
            operations,
            ..ParsedPolicy::default()
        }
    }

    /// Performs the file's operations on `snapshot`, as applying it after the files already
    /// there does (several GPOs, lowest precedence first).
    pub fn apply_to(&self, snapshot: &mut Snapshot) {
        snapshot.apply_all(&self.operations);
    }

    /// SyncML: the commands the device's LAPS CSP refuses (any status but 200), in document
    /// order; none for the other formats.
    pub fn rejected(&self) -> impl Iterator<Item = &SyncMlCommand> {
        crate::syncml::rejected(&self.commands)
    }
}

/// What a caller gives one root when a policy is resolved: the root's values, or parsed files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RootInput<'a> {
    /// Value name → value, set into the root.
    Values(RootValues),
    /// Parsed files, applied in order (several GPOs: the lowest precedence first). Their
    /// operations land in the keys they name, whichever root they were given for.
    Files(Vec<&'a ParsedPolicy>),
}

impl Snapshot {
    /// The snapshot of each root's input. The roots are loaded lowest precedence first
    /// (legacy, local, GPO, CSP), whatever order they are given in, so a file that spans keys
    /// cannot undo the values a higher root was given.
    ///
    /// ```
    /// use laps_policy::{ParsedPolicy, RegValue, Root, RootInput, RootValues, Snapshot};
    /// let reg = "Windows Registry Editor Version 5.00\r\n\r\n\
    ///     [HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Policies\\LAPS]\r\n\
    ///     \"BackupDirectory\"=dword:00000001\r\n";
    /// let file = ParsedPolicy::from_reg(reg.as_bytes())?;
    /// let csp = RootValues::new().with("BackupDirectory", RegValue::Dword(2));
    /// // The file names the CSP key too, but it is loaded as GPO input, before the CSP's values.
    /// let snap = Snapshot::from_inputs([
    ///     (Root::Csp, RootInput::Values(csp)),
    ///     (Root::Gpo, RootInput::Files(vec![&file])),
    /// ]);
    /// assert_eq!(snap.csp.get("BackupDirectory"), Some(&RegValue::Dword(2)));
    /// # Ok::<(), laps_policy::Error>(())
    /// ```
    pub fn from_inputs<'a>(inputs: impl IntoIterator<Item = (Root, RootInput<'a>)>) -> Snapshot {
        let mut inputs: Vec<(Root, RootInput<'a>)> = inputs.into_iter().collect();
        // Root::ALL is highest precedence first; a stable sort keeps a root's inputs in order.
        let rank = |root: &Root| Root::ALL.iter().position(|r| r == root);
        inputs.sort_by_key(|(root, _)| std::cmp::Reverse(rank(root)));
        let mut snapshot = Snapshot::new();
        for (root, input) in inputs {
            match input {
                RootInput::Values(values) => {
                    for (name, value) in values.iter() {
                        snapshot.root_mut(root).set(name, value.clone());
                    }
                }
                RootInput::Files(files) => files.iter().for_each(|f| f.apply_to(&mut snapshot)),
            }
        }
        snapshot
    }
}

impl ParsedPolicy {
    /// The file as plain data, each registry value written by `value` (a binding writes them
    /// in its language's types): `csp`, `gpo`, `local`, `legacy`, `state` (value name →
    /// value), `ignored_keys`, `operations` (`op`, `key`, `name`, `value`),
    /// `reset_password_requested` and `commands` (`verb`, `target`, `cmd_id`, `line`,
    /// `status` (the OMA DM code), `reason`).
    ///
    /// ```
    /// use laps_policy::{ParsedPolicy, RegValue};
    /// let parsed = ParsedPolicy::from_reg(
    ///     b"REGEDIT4\r\n[HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft Services\\AdmPwd]\r\n\"AdmPwdEnabled\"=dword:00000001\r\n",
    /// )?;
    /// let form = serde_json::to_value(parsed.form(|v: &RegValue| v))?;
    /// assert_eq!(form["legacy"]["AdmPwdEnabled"], 1);
    /// assert_eq!(form["operations"][0]["op"], "set");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn form<'a, W: Serialize + 'a>(
        &'a self,
        value: fn(&'a RegValue) -> W,
    ) -> impl Serialize + 'a {
        let snap = &self.snapshot;
        let root = |values| Values { values, value };
        ParsedForm {
            csp: root(&snap.csp),
            gpo: root(&snap.gpo),
            local: root(&snap.local),
            legacy: root(&snap.legacy),
            state: root(&snap.state),
            ignored_keys: &self.ignored_keys,
            operations: (self.operations.iter())
                .map(|op| OpForm {
                    op: op.as_str(),
                    key: op.key(),
                    name: op.name(),
                    value: op.value().map(value),
                })
                .collect(),
            reset_password_requested: self.reset_password_requested,
            commands: (self.commands.iter())
                .map(|c| CommandForm {
                    verb: c.verb.as_str(),
                    target: &c.target,
                    cmd_id: c.cmd_id.as_deref(),
                    line: c.line,
                    status: c.status.as_ref().map(|s| s.code),
                    reason: c.status.as_ref().map(|s| s.reason.as_str()),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct ParsedForm<'a, W> {
    csp: Values<'a, W>,
    gpo: Values<'a, W>,
    local: Values<'a, W>,
    legacy: Values<'a, W>,
    state: Values<'a, W>,
    ignored_keys: &'a [String],
    operations: Vec<OpForm<'a, W>>,
    reset_password_requested: bool,
    commands: Vec<CommandForm<'a>>,
}

/// One root's values (value name → value as `value` writes it), in the root's order.
struct Values<'a, W> {
    values: &'a RootValues,
    value: fn(&'a RegValue) -> W,
}

impl<W: Serialize> Serialize for Values<'_, W> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.values.iter().map(|(n, v)| (n, (self.value)(v))))
    }
}

#[derive(Serialize)]
struct OpForm<'a, W> {
    op: &'static str,
    key: &'a str,
    name: Option<&'a str>,
    value: Option<W>,
}

#[derive(Serialize)]
struct CommandForm<'a> {
    verb: &'static str,
    target: &'a str,
    cmd_id: Option<&'a str>,
    line: u32,
    status: Option<u16>,
    reason: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RegValue;

    /// A GPO's Registry.pol of `values`.
    fn gpo_file(values: &[(&str, RegValue)]) -> ParsedPolicy {
        let values: RootValues = values.iter().cloned().collect();
        let pol = crate::RegistryPol::from_root(Root::Gpo, &values).unwrap();
        ParsedPolicy::from_registry_pol(&pol.to_bytes()).unwrap()
    }

    #[test]
    fn several_files_for_one_root_apply_in_order_the_last_winning() {
        let a = gpo_file(&[
            ("BackupDirectory", RegValue::Dword(2)),
            ("PasswordLength", RegValue::Dword(20)),
        ]);
        let b = gpo_file(&[("PasswordLength", RegValue::Dword(24))]);
        let snap = Snapshot::from_inputs([(Root::Gpo, RootInput::Files(vec![&a, &b]))]);
        assert_eq!(snap.gpo.get("BackupDirectory"), Some(&RegValue::Dword(2)));
        assert_eq!(snap.gpo.get("PasswordLength"), Some(&RegValue::Dword(24)));
    }

    #[test]
    fn roots_load_lowest_precedence_first_whatever_the_order_given() {
        let file = gpo_file(&[("PasswordLength", RegValue::Dword(20))]);
        let gpo = RootValues::new().with("PasswordLength", RegValue::Dword(30));
        // The file lands in the GPO key; given as legacy input it loads before the GPO values.
        let snap = Snapshot::from_inputs([
            (Root::Gpo, RootInput::Values(gpo)),
            (Root::Legacy, RootInput::Files(vec![&file])),
        ]);
        assert_eq!(snap.gpo.get("PasswordLength"), Some(&RegValue::Dword(30)));
    }

    #[test]
    fn values_given_for_a_root_merge_into_it() {
        let snap = Snapshot::from_inputs([
            (
                Root::Local,
                RootInput::Values(RootValues::new().with("PasswordAgeDays", RegValue::Dword(7))),
            ),
            (
                Root::Local,
                RootInput::Values(RootValues::new().with("PasswordLength", RegValue::Dword(16))),
            ),
        ]);
        assert_eq!(snap.local.iter().count(), 2);
    }

    #[test]
    fn every_format_gives_the_same_values() {
        let pol = ParsedPolicy::from_registry_pol(
            &crate::RegistryPol::from_root(
                crate::Root::Csp,
                &[("BackupDirectory", RegValue::Dword(1))]
                    .into_iter()
                    .collect(),
            )
            .unwrap()
            .to_bytes(),
        )
        .unwrap();
        let syncml = ParsedPolicy::from_syncml(
            crate::SyncMl::from_csp_values(
                &[("BackupDirectory", RegValue::Dword(1))]
                    .into_iter()
                    .collect(),
                true,
            )
            .unwrap()
            .to_xml()
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(pol.snapshot, syncml.snapshot);
        assert_eq!(
            pol.snapshot.csp.get("BackupDirectory"),
            Some(&RegValue::Dword(1))
        );
        assert!(syncml.reset_password_requested && !pol.reset_password_requested);
        assert_eq!(syncml.commands.len(), 2);
        assert!(pol.commands.is_empty() && pol.ignored_keys.is_empty());
    }

    /// The input the Python and Node tests parse too (`test_parsed_policy_is_one_shape`,
    /// `every parser returns the one ParsedPolicy shape`), with the same expectations.
    #[test]
    fn syncml_carries_its_commands_ignored_targets_and_reset() {
        let text = "<SyncML><SyncBody>\n\
<Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target><Data>1</Data></Item></Replace>\n\
<Exec><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Actions/ResetPassword</LocURI></Target></Item></Exec>\n\
<Replace><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Other</LocURI></Target><Data>1</Data></Item></Replace>\n\
</SyncBody></SyncML>";
        let p = ParsedPolicy::from_syncml(text.as_bytes()).unwrap();
        assert_eq!(
            p.snapshot.csp.get("BackupDirectory"),
            Some(&RegValue::Dword(1))
        );
        assert_eq!(p.ignored_keys, ["./Device/Vendor/MSFT/Policy/Config/Other"]);
        assert!(p.reset_password_requested);
        let statuses: Vec<_> = p
            .commands
            .iter()
            .map(|c| c.status.as_ref().map(|s| s.code))
            .collect();
        assert_eq!(statuses, [Some(200), Some(200), None]);
        assert_eq!(p.operations.len(), 1);
        assert_eq!(p.operations[0].as_str(), "set");
        assert_eq!(p.operations[0].key(), crate::Root::Csp.key_path());
        assert_eq!(p.operations[0].name(), Some("BackupDirectory"));
    }

    #[test]
    fn a_later_file_deletes_what_an_earlier_one_set() {
        let set = ParsedPolicy::from_operations(vec![RegOp::Set {
            key: crate::Root::Gpo.key_path().to_owned(),
            name: "PasswordLength".into(),
            value: RegValue::Dword(20),
        }]);
        let clear = ParsedPolicy::from_operations(vec![RegOp::DeleteAllValues {
            key: crate::Root::Gpo.key_path().to_owned(),
        }]);
        let mut snap = Snapshot::new();
        set.apply_to(&mut snap);
        assert_eq!(snap.gpo.get("PasswordLength"), Some(&RegValue::Dword(20)));
        clear.apply_to(&mut snap);
        assert!(snap.gpo.is_empty());
    }
}
