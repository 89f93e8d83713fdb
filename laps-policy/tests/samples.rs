//! Real-world inputs: Microsoft's LAPS CSP SyncML examples, Registry.pol files
//! written with the LAPS.admx value names, regedit exports; and the check that
//! every committed sample is exactly what the writers produce.

mod common;
use common::*;
use laps_policy::samples::{DEMO_CSP_SYNCML, DEMO_GPO_POL};
use laps_policy::*;

#[test]
fn committed_samples_are_exactly_what_the_writers_produce() {
    let regenerate = std::env::var_os("LAPS_POLICY_REGENERATE_SAMPLES").is_some();
    for (path, bytes) in samples() {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        if regenerate {
            std::fs::write(&full, &bytes).unwrap();
        }
        assert!(data(path) == bytes, "{path} differs from the writer output");
    }
    assert!(DEMO_GPO_POL == demo_gpo().to_bytes().as_slice());
    assert_eq!(DEMO_CSP_SYNCML, demo_csp().to_xml());
}

#[test]
fn microsoft_entra_syncml_example_backs_up_to_entra() {
    let doc = SyncMl::parse(&data("tests/data/ms-csp-entra.syncml")).unwrap();
    assert_eq!(doc.commands.len(), 7);
    assert!(doc.commands.iter().all(|c| c.verb == SyncMlVerb::Add));
    let lines: Vec<u32> = doc.commands.iter().map(|c| c.line).collect();
    assert_eq!(lines, vec![3, 16, 29, 42, 55, 68, 81]);
    let mut s = Snapshot::new();
    assert!(doc.apply_to(&mut s).is_empty());
    let entra = Device {
        join: JoinState::Entra,
        ..Device::default()
    };
    let p = resolve(&s, &entra);
    assert_eq!(p.source, Source::Csp);
    assert_eq!(p.mode, Mode::Entra);
    assert_eq!(p.password_age_days(), 7);
    assert_eq!(
        p.password_spec(),
        laps_core::PasswordSpec::new(4, 32, 6).unwrap()
    );
    assert_eq!(
        p.managed_account(),
        ManagedAccount::Named {
            name: "ContosoLocalLapsAdmin".into()
        }
    );
    assert_eq!(p.post_authentication_reset_delay(), 8);
    assert_eq!(p.post_authentication_actions().bits(), 3);
    assert!(p.blocker.is_none());
    assert_eq!(p.diagnostics[0].event_id, Some(events::POLICY_ENTRA));
}

#[test]
fn microsoft_hybrid_syncml_example_backs_up_to_ad_encrypted_with_history_6() {
    let doc = SyncMl::parse(&data("tests/data/ms-csp-hybrid-ad.syncml")).unwrap();
    assert_eq!(doc.commands.len(), 11);
    let mut s = Snapshot::new();
    doc.apply_to(&mut s);
    let p = resolve(&s, &Device::default());
    assert_eq!(p.mode, Mode::ActiveDirectory);
    assert!(p.encrypts());
    assert_eq!(
        p.encryption_target().as_deref(),
        Some("LAPSAdmins@contoso.com")
    );
    assert_eq!(p.ad_encrypted_password_history_size(), 6);
    assert!(p.password_expiration_protection_enabled());
    assert_eq!(p.password_age_days(), 20);
    assert_eq!(
        p.password_spec(),
        laps_core::PasswordSpec::new(3, 14, 6).unwrap()
    );
    assert_eq!(p.post_authentication_reset_delay(), 4);
    assert_eq!(
        p.post_authentication_actions(),
        PostAuthActions::from_bits(5)
    );
    assert!(p.blocker.is_none(), "{}", p.explain());
}

#[test]
fn gpo_written_with_the_admx_value_names_resolves_every_setting_as_configured() {
    let s = snapshot_from_pols(&["tests/data/gpo-ad-encrypted.pol"]);
    assert_eq!(s.gpo.len(), 12);
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Gpo);
    assert_eq!(p.mode, Mode::ActiveDirectory);
    assert_eq!(p.password_length(), 20);
    assert_eq!(
        p.ad_password_encryption_principal(),
        Some("CONTOSO\\LAPS Admins")
    );
    assert_eq!(p.ad_encrypted_password_history_size(), 6);
    for name in [
        "BackupDirectory",
        "PasswordLength",
        "ADPasswordEncryptionPrincipal",
        "PostAuthenticationActions",
    ] {
        assert!(matches!(
            p.provenance(name).unwrap().provenance,
            Provenance::Configured {
                root: Root::Gpo,
                ..
            }
        ));
    }
    // PassphraseLength is written by the same policy but unused with complexity 4.
    assert!(!p.provenance("PassphraseLength").unwrap().is_applicable());
}

#[test]
fn entra_gpo_with_automatic_account_management_and_zero_grace_period() {
    let s = snapshot_from_pols(&["tests/data/gpo-entra-passphrase.pol"]);
    let p = resolve(
        &s,
        &Device {
            join: JoinState::Entra,
            ..Device::default()
        },
    );
    assert_eq!(p.mode, Mode::Entra);
    assert_eq!(p.password_spec().passphrase_words(), 5);
    assert!(p.password_spec().complexity().is_passphrase());
    assert_eq!(
        p.managed_account(),
        ManagedAccount::Automatic {
            target: AccountTarget::NewAccount,
            name_or_prefix: "WLapsAdmin".into(),
            enabled: true,
            randomize_name: true
        }
    );
    let t = post_authentication_timeline(&p, laps_core::FileTime::from_ticks(0));
    assert_eq!(t.off, Some(PostAuthOff::GracePeriodZero));
}

#[test]
fn regedit_v5_export_is_utf16_with_a_bom_and_a_stray_csp_value_wins() {
    let bytes = data("tests/data/csp-leftover.reg");
    assert_eq!(&bytes[..2], &[0xFF, 0xFE]);
    let reg = RegFile::parse(&bytes).unwrap();
    assert!(v5(&reg));
    let mut s = Snapshot::new();
    assert!(reg.apply_to(&mut s).is_empty());
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Csp);
    assert_eq!(p.mode, Mode::Disabled);
    assert!(p
        .root_verdict(Root::Gpo)
        .starts_with("GPO root is ignored: the CSP root holds PasswordAgeDays"));
}

#[test]
fn hand_written_regedit4_file_with_every_value_form() {
    let text = "REGEDIT4\r\n\r\n; legacy LAPS, exported on an old box\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft Services\\AdmPwd]\r\n\
        \"AdmPwdEnabled\"=dword:00000001\r\n\
        \"AdminAccountName\"=\"Old\\\\Admin \\\"x\\\"\"\r\n\
        \"PasswordLength\"=hex(4):10,00,00,00\r\n\
        \"Notes\"=hex(7):61,00,62,00,00\r\n\
        \"Path\"=hex(2):25,41,25,00\r\n\
        \"Big\"=qword:10\r\n\
        \"Blob\"=hex:de,ad,\\\r\n  be,ef\r\n\
        @=\"default\"\r\n\
        \r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\LAPS]\r\n";
    let reg = RegFile::parse(text.as_bytes()).unwrap();
    assert_eq!(reg.version, RegFileVersion::Regedit4);
    let mut s = Snapshot::new();
    s.local.set("BackupDirectory", RegValue::Dword(0));
    reg.apply_to(&mut s);
    assert!(s.local.is_empty(), "[-...\\LAPS] deletes the Config key");
    assert_eq!(
        s.legacy.get("AdminAccountName"),
        Some(&RegValue::Sz("Old\\Admin \"x\"".into()))
    );
    assert_eq!(s.legacy.get("PasswordLength"), Some(&RegValue::Dword(16)));
    assert_eq!(
        s.legacy.get("Notes"),
        Some(&RegValue::MultiSz(vec!["a".into(), "b".into()]))
    );
    assert_eq!(
        s.legacy.get("Path"),
        Some(&RegValue::ExpandSz("%A%".into()))
    );
    assert_eq!(s.legacy.get("Big"), Some(&RegValue::Qword(16)));
    assert_eq!(
        s.legacy.get("Blob"),
        Some(&RegValue::Binary(vec![0xde, 0xad, 0xbe, 0xef]))
    );
    assert_eq!(s.legacy.get(""), Some(&RegValue::Sz("default".into())));
    let p = resolve_default(&s);
    assert_eq!(p.mode, Mode::LegacyEmulation);
    assert_eq!(p.password_length(), 16);
    assert_eq!(p.roots[3].unknown, vec!["Notes", "Path", "Big", "Blob", ""]);
}
