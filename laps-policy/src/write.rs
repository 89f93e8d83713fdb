//! Policy files from settings: the inverse of the parsers, for tools that deploy Windows LAPS
//! (a Registry.pol for a GPO, the SyncML an MDM sends, a `.reg` file for the local root).
//!
//! Every writer checks each value name against the settings of the root it writes
//! (case-insensitively, as the registry compares names, and written in the catalogue's
//! spelling): an unknown name is [`Error::UnknownSetting`], because Windows would silently
//! ignore it. Values are written as given; out-of-range values are the resolver's business
//! (they fall back to defaults on the device, and [`crate::resolve`] says so), except in SyncML,
//! where the device's CSP refuses the command itself: the SyncML writer refuses what the CSP
//! would ([`Error::UnwritableValue`]).

use crate::catalog::find;
use crate::{Error, RegFile, RegFileEntry, RegFileVersion, RegOp, RegValue, RegistryPol, Root};
use crate::{RootValues, SyncMl};

/// The values of `values` with the catalogue spelling of their names, in order.
fn settings(root: Root, values: &RootValues) -> Result<Vec<(&'static str, &RegValue)>, Error> {
    values
        .iter()
        .map(|(name, value)| {
            find(root.family(), name)
                .map(|info| (info.name, value))
                .ok_or_else(|| Error::UnknownSetting {
                    root,
                    name: name.to_owned(),
                })
        })
        .collect()
}

impl RegistryPol {
    /// The root a Registry.pol is written for when the caller names none: a GPO's.
    pub const DEFAULT_ROOT: Root = Root::Gpo;

    /// A Registry.pol setting `values` under `root`'s key: the machine policy file of a GPO
    /// (`root` is [`Root::Gpo`], or [`Root::Legacy`] for legacy Microsoft LAPS).
    ///
    /// ```
    /// use laps_policy::{RegistryPol, RegValue, Root, RootValues, Snapshot};
    /// let values = RootValues::new()
    ///     .with("backupdirectory", RegValue::Dword(2))
    ///     .with("PasswordAgeDays", RegValue::Dword(14));
    /// let pol = RegistryPol::from_root(Root::Gpo, &values)?;
    /// let mut snap = Snapshot::new();
    /// RegistryPol::parse(&pol.to_bytes())?.apply_to(&mut snap);
    /// assert_eq!(snap.gpo, values);
    /// assert!(RegistryPol::from_root(Root::Gpo, &RootValues::new().with("PasswordAge", RegValue::Dword(1))).is_err());
    /// # Ok::<(), laps_policy::Error>(())
    /// ```
    pub fn from_root(root: Root, values: &RootValues) -> Result<Self, Error> {
        let mut pol = RegistryPol::new();
        for (name, value) in settings(root, values)? {
            pol.set(root.key_path(), name, value.clone());
        }
        Ok(pol)
    }
}

impl SyncMl {
    /// The SyncML an MDM sends to set `values` in the LAPS CSP (one `Replace` per setting, in
    /// order), plus an `Exec` of `Actions/ResetPassword` when `reset_password` is set. Each
    /// value must be one the device's CSP takes (`Error::UnwritableValue` otherwise): a node
    /// the CSP has (not the GPO-only `ADBackupDSRMPassword`), a DWORD for `int`/`bool` nodes
    /// or a string for `chr` nodes, within the node's allowed values.
    ///
    /// ```
    /// use laps_policy::{RegValue, RootValues, Snapshot, SyncMl};
    /// let values = RootValues::new().with("BackupDirectory", RegValue::Dword(1));
    /// let xml = SyncMl::from_csp_values(&values, true)?.to_xml();
    /// let back = SyncMl::parse_str(&xml)?;
    /// assert!(back.reset_password_requested());
    /// let mut snap = Snapshot::new();
    /// back.apply_to(&mut snap);
    /// assert_eq!(snap.csp, values);
    /// # Ok::<(), laps_policy::Error>(())
    /// ```
    pub fn from_csp_values(values: &RootValues, reset_password: bool) -> Result<Self, Error> {
        let mut message = SyncMl::new();
        for (name, value) in settings(Root::Csp, values)? {
            message.replace(name, value.clone())?;
        }
        if reset_password {
            message.exec_reset_password();
        }
        Ok(message)
    }
}

impl RegFile {
    /// The root a regedit file is written for when the caller names none: the local
    /// configuration (`LAPS\Config`), the root no GPO or MDM writes.
    pub const DEFAULT_ROOT: Root = Root::Local;

    /// A regedit file (version 5) setting `values` under `root`'s key, e.g. the local
    /// configuration root `LAPS\Config` that no GPO or MDM writes.
    ///
    /// ```
    /// use laps_policy::{RegFile, RegValue, Root, RootValues};
    /// let values = RootValues::new().with("BackupDirectory", RegValue::Dword(0));
    /// let text = RegFile::from_root(Root::Local, &values)?.to_text();
    /// assert!(text.contains("[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\LAPS\\Config]"));
    /// assert!(text.contains("\"BackupDirectory\"=dword:00000000"));
    /// # Ok::<(), laps_policy::Error>(())
    /// ```
    pub fn from_root(root: Root, values: &RootValues) -> Result<Self, Error> {
        let entries = settings(root, values)?
            .into_iter()
            .map(|(name, value)| RegFileEntry {
                line: 0,
                op: RegOp::Set {
                    key: root.key_path().to_owned(),
                    name: name.to_owned(),
                    value: value.clone(),
                },
            })
            .collect();
        Ok(RegFile {
            version: RegFileVersion::V5,
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Snapshot;

    fn every_type() -> RootValues {
        RootValues::new()
            .with("BackupDirectory", RegValue::Dword(2))
            .with(
                "ADPasswordEncryptionPrincipal",
                RegValue::Sz("CONTOSO\\LAPS Readers".into()),
            )
            .with("PasswordComplexity", RegValue::Dword(6))
            .with(
                "automaticaccountmanagementnameorprefix",
                RegValue::Sz("Ops".into()),
            )
    }

    /// Each writer's output, read back by its parser, lands exactly the values in the root.
    #[test]
    fn every_writer_round_trips_through_its_parser() {
        let values = every_type();
        for root in [Root::Gpo, Root::Local, Root::Csp] {
            let mut from_pol = Snapshot::new();
            let pol = RegistryPol::from_root(root, &values).unwrap();
            RegistryPol::parse(&pol.to_bytes())
                .unwrap()
                .apply_to(&mut from_pol);
            assert_eq!(*from_pol.root_mut(root), values, "{root}");
            let mut from_reg = Snapshot::new();
            let reg = RegFile::from_root(root, &values).unwrap();
            RegFile::parse(&reg.to_bytes())
                .unwrap()
                .apply_to(&mut from_reg);
            assert_eq!(*from_reg.root_mut(root), values, "{root}");
        }
        let mut from_syncml = Snapshot::new();
        let xml = SyncMl::from_csp_values(&values, false).unwrap().to_xml();
        let back = SyncMl::parse_str(&xml).unwrap();
        assert!(!back.reset_password_requested());
        back.apply_to(&mut from_syncml);
        assert_eq!(from_syncml.csp, values);
    }

    #[test]
    fn names_are_checked_against_the_root_and_written_in_catalogue_spelling() {
        let values = RootValues::new().with("passwordlength", RegValue::Dword(20));
        let text = RegFile::from_root(Root::Gpo, &values).unwrap().to_text();
        assert!(text.contains("\"PasswordLength\"=dword:00000014"), "{text}");
        // A Windows LAPS name is not a legacy setting, and the reverse.
        let windows_only = RootValues::new().with("BackupDirectory", RegValue::Dword(2));
        assert_eq!(
            RegistryPol::from_root(Root::Legacy, &windows_only).unwrap_err(),
            Error::UnknownSetting {
                root: Root::Legacy,
                name: "BackupDirectory".into()
            }
        );
        let legacy_only = RootValues::new().with("AdmPwdEnabled", RegValue::Dword(1));
        assert!(SyncMl::from_csp_values(&legacy_only, false).is_err());
        assert!(RegistryPol::from_root(Root::Legacy, &legacy_only).is_ok());
        let err = RegFile::from_root(
            Root::Local,
            &RootValues::new().with("Nope", RegValue::Dword(1)),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"Nope\" is not a setting of the Local root"
        );
    }

    /// Found by the `policy_snapshot` fuzz target: a QWORD in the CSP root was written as an
    /// `int` the SyncML parser (rightly) refuses, and a CR in a string came back as LF. The CSP
    /// has no QWORD, binary or multi-string values and XML no control characters, so the
    /// SyncML writer refuses them (and writes CR as `&#13;`); Registry.pol and .reg carry every
    /// type.
    #[test]
    fn regression_syncml_writer_refuses_values_the_csp_cannot_carry() {
        for value in [
            RegValue::Qword(133_928_369_137_884_253),
            RegValue::MultiSz(vec!["a".into()]),
            RegValue::Binary(vec![1]),
        ] {
            let values = RootValues::new().with("AdministratorAccountName", value);
            assert!(matches!(
                SyncMl::from_csp_values(&values, false),
                Err(Error::UnwritableValue { .. })
            ));
            assert!(RegistryPol::from_root(Root::Csp, &values).is_ok());
        }
        // XML cannot hold most control characters at all; a CR survives only as `&#13;`.
        let bell =
            RootValues::new().with("AdministratorAccountName", RegValue::Sz("a\u{7}".into()));
        assert!(matches!(
            SyncMl::from_csp_values(&bell, false),
            Err(Error::UnwritableValue { .. })
        ));
        let cr =
            RootValues::new().with("AdministratorAccountName", RegValue::Sz("a\rb\n\tc".into()));
        let xml = SyncMl::from_csp_values(&cr, false).unwrap().to_xml();
        let mut snap = crate::Snapshot::new();
        SyncMl::parse_str(&xml).unwrap().apply_to(&mut snap);
        assert_eq!(snap.csp, cr, "{xml}");
    }

    #[test]
    fn syncml_builders_refuse_what_the_xml_cannot_carry() {
        let mut m = SyncMl::new();
        for bad in [
            RegValue::Qword(1 << 40),
            RegValue::MultiSz(vec!["a".into()]),
            RegValue::Sz("a\u{1b}b".into()),
        ] {
            assert!(matches!(
                m.add("PasswordAgeDays", bad.clone()),
                Err(Error::UnwritableValue { .. })
            ));
            assert!(m.replace("PasswordAgeDays", bad).is_err());
        }
        assert!(m.to_xml().contains("<SyncBody>") && !m.to_xml().contains("<Add>"));
        m.add("AdministratorAccountName", RegValue::Sz("a\tb".into()))
            .unwrap();
        assert!(SyncMl::parse_str(&m.to_xml()).is_ok());
    }
}
