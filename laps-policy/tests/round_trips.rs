//! Writers and readers agree: Registry.pol, SyncML and .reg files written by
//! this crate parse back to the same content, and the snapshot they produce
//! resolves the same way.

mod common;
use common::gen::value;
use common::*;
use laps_policy::*;
use proptest::prelude::*;

fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        GPO_KEY,
        CSP_KEY,
        LOCAL_KEY,
        LEGACY_KEY,
        r"Software\Other",
    ])
}

proptest! {
    #[test]
    fn registry_pol_round_trips(entries in proptest::collection::vec((key(), "[A-Za-z]{1,12}", value()), 0..20)) {
        let mut pol = RegistryPol::new();
        for (k, n, v) in &entries {
            pol.set(k, n, v.clone());
        }
        let bytes = pol.to_bytes();
        let back = RegistryPol::parse(&bytes).unwrap();
        prop_assert_eq!(back.entries.len(), entries.len());
        for (e, (k, n, v)) in back.entries.iter().zip(&entries) {
            prop_assert_eq!(&e.key, k);
            prop_assert_eq!(&e.value, n);
            prop_assert_eq!(e.data.as_ref(), Some(v));
        }
        prop_assert_eq!(back.to_bytes(), bytes);
    }

    #[test]
    fn reg_files_round_trip_in_both_versions(entries in proptest::collection::vec((key(), "[A-Za-z \"\\\\]{0,12}", value()), 0..12)) {
        for version in [RegFileVersion::V5, RegFileVersion::Regedit4] {
            let mut reg = RegFile { version, entries: Vec::new() };
            for (k, n, v) in &entries {
                let v = match (version, v) {
                    // REGEDIT4 is single-byte: keep strings Latin-1.
                    (RegFileVersion::Regedit4, RegValue::Sz(s)) => RegValue::Sz(s.replace('€', "e")),
                    _ => v.clone(),
                };
                reg.push(RegOp::Set { key: format!("HKEY_LOCAL_MACHINE\\{k}"), name: n.clone(), value: v });
            }
            let back = RegFile::parse(&reg.to_bytes()).unwrap();
            prop_assert_eq!(back.version, version);
            prop_assert_eq!(back.ops(), reg.ops());
        }
    }

    #[test]
    fn syncml_round_trips(values in proptest::collection::vec((0usize..18, any::<u32>(), "[ -~]{0,16}"), 0..12)) {
        let mut doc = SyncMl::new();
        for (i, n, text) in &values {
            let info = &catalog::windows_laps()[*i];
            let v = match info.kind {
                catalog::ValueKind::Text => RegValue::Sz(text.clone()),
                catalog::ValueKind::Bool => RegValue::Dword(n % 2),
                _ => RegValue::Dword(*n),
            };
            match doc.replace(info.name, v.clone()) {
                Ok(_) => {}
                // The writer refuses exactly what the device's CSP would reject.
                Err(Error::UnwritableValue { .. }) => {
                    let (format, data) = match (&v, info.kind) {
                        (RegValue::Sz(t), _) => ("chr", t.clone()),
                        (RegValue::Dword(d), catalog::ValueKind::Bool) => ("bool", d.to_string()),
                        (RegValue::Dword(d), _) => ("int", d.to_string()),
                        _ => unreachable!("only DWORDs and strings are generated"),
                    };
                    let xml = format!(
                        "<SyncML><SyncBody><Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/{}</LocURI></Target><Meta><Format>{format}</Format></Meta><Data>{data}</Data></Item></Replace></SyncBody></SyncML>",
                        info.name
                    );
                    let sent = SyncMl::parse_str(&xml).unwrap();
                    prop_assert!(!sent.commands[0].succeeded(), "{}", xml);
                }
                Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            }
        }
        doc.delete("PasswordLength");
        let back = SyncMl::parse(doc.to_xml().as_bytes()).unwrap();
        prop_assert_eq!(back.ops(), doc.ops());
    }
}

#[test]
fn microsoft_syncml_examples_survive_a_rewrite() {
    for f in [
        "tests/data/ms-csp-entra.syncml",
        "tests/data/ms-csp-hybrid-ad.syncml",
    ] {
        let doc = SyncMl::parse(&data(f)).unwrap();
        let again = SyncMl::parse_str(&doc.to_xml()).unwrap();
        assert_eq!(again.ops(), doc.ops(), "{f}");
        // Bool nodes are written back as bool.
        assert_eq!(
            doc.to_xml().contains("<Data>True</Data>"),
            f.contains("hybrid")
        );
    }
}

#[test]
fn syncml_delete_atomic_exec_and_utf16_input() {
    let text = r#"<?xml version="1.0" encoding="utf-16"?>
<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr/><SyncBody>
  <Atomic><CmdID>1</CmdID>
    <Replace><CmdID>2</CmdID><Meta><Format xmlns="syncml:metinf">int</Format></Meta>
      <Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Data> 21 </Data></Item>
      <Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays</LocURI></Target><Data>9</Data></Item>
    </Replace>
    <Add><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/MSFT/LAPS/Policies/ADPasswordEncryptionEnabled</LocURI></Target><Data>false</Data></Item></Add>
    <Add><CmdID>4</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/AdministratorAccountName</LocURI></Target><Data><![CDATA[Adm&in]]></Data></Item></Add>
  </Atomic>
  <Delete><CmdID>5</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays</LocURI></Target></Item></Delete>
  <Exec><CmdID>6</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Actions/ResetPassword</LocURI></Target></Item></Exec>
  <Get><CmdID>7</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus</LocURI></Target></Item></Get>
  <Replace><CmdID>8</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Other</LocURI></Target><Data>1</Data></Item></Replace>
  <Final/>
</SyncBody></SyncML>"#;
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let doc = SyncMl::parse(&bytes).unwrap();
    assert_eq!(doc.commands.len(), 8);
    assert!(doc.reset_password_requested());
    let mut s = Snapshot::new();
    s.csp.set("PasswordAgeDays", dw(40));
    let ignored = doc.apply_to(&mut s);
    assert_eq!(
        ignored,
        vec!["./Device/Vendor/MSFT/Policy/Config/Other".to_owned()]
    );
    assert_eq!(s.csp.get("PasswordLength"), Some(&dw(21)));
    assert_eq!(
        s.csp.get("PasswordAgeDays"),
        None,
        "Delete returns it to not configured"
    );
    assert_eq!(
        s.csp.get("ADPasswordEncryptionEnabled"),
        Some(&dw(0)),
        "bool inferred from the catalogue"
    );
    assert_eq!(s.csp.get("AdministratorAccountName"), Some(&sz("Adm&in")));
    let mut clear = SyncMl::new();
    clear.exec_reset_password();
    let delete_all = SyncMl::parse_str(
        "<SyncML><SyncBody><Delete><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies</LocURI></Target></Item></Delete></SyncBody></SyncML>",
    )
    .unwrap();
    delete_all.apply_to(&mut s);
    assert_eq!(
        delete_all.commands[0].status.as_ref().map(|st| st.code),
        Some(CommandStatus::COMMAND_NOT_ALLOWED),
        "the Policies node is Get only"
    );
    assert_eq!(
        s.csp.get("PasswordLength"),
        Some(&dw(21)),
        "the values stay"
    );
    assert!(SyncMl::parse(clear.to_xml().as_bytes())
        .unwrap()
        .reset_password_requested());
}

#[test]
fn the_same_policy_through_three_formats_resolves_identically() {
    let values = [
        ("BackupDirectory", dw(2)),
        ("PasswordComplexity", dw(5)),
        ("PasswordLength", dw(18)),
        ("AdministratorAccountName", sz("Adm")),
    ];
    let mut pol = RegistryPol::new();
    let mut reg = RegFile::default();
    let mut sync = SyncMl::new();
    for (n, v) in &values {
        pol.set(CSP_KEY, n, v.clone());
        reg.push(RegOp::Set {
            key: CSP_KEY.into(),
            name: (*n).into(),
            value: v.clone(),
        });
        sync.add(n, v.clone()).unwrap();
    }
    let mut a = Snapshot::new();
    RegistryPol::parse(&pol.to_bytes())
        .unwrap()
        .apply_to(&mut a);
    let mut b = Snapshot::new();
    RegFile::parse(&reg.to_bytes()).unwrap().apply_to(&mut b);
    let mut c = Snapshot::new();
    SyncMl::parse(sync.to_xml().as_bytes())
        .unwrap()
        .apply_to(&mut c);
    assert_eq!(a, b);
    assert_eq!(b, c);
    let json = Snapshot::from_json(&a.to_json()).unwrap();
    assert_eq!(json, a);
    assert_eq!(resolve_default(&a), resolve_default(&c));
}
