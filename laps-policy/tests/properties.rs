//! Properties: resolution never panics and respects precedence for any
//! snapshot; the parsers never panic on any bytes.

mod common;
use common::gen::{device, policy_value, setting_names};
use laps_policy::*;
use proptest::prelude::*;

fn root_values() -> impl Strategy<Value = RootValues> {
    proptest::collection::vec(
        (prop::sample::select(setting_names()), policy_value()),
        0..8,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn snapshot() -> impl Strategy<Value = Snapshot> {
    (root_values(), root_values(), root_values(), root_values()).prop_map(
        |(csp, gpo, local, legacy)| Snapshot {
            csp,
            gpo,
            local,
            legacy,
            state: RootValues::new(),
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn resolution_never_panics_and_is_complete(s in snapshot(), d in device()) {
        let p = resolve(&s, &d);
        prop_assert_eq!(p.settings.len(), 18);
        let _ = p.explain();
        prop_assert!(p.to_json().is_ok());
        let _ = p.password_spec();
        for r in Root::ALL {
            let _ = p.root_verdict(r);
        }
        let now = laps_core::FileTime::from_ticks(133_000_000_000_000_000);
        let _ = decide_rotation(&p, &LocalState::default(), &DirectoryState::default(), now);
        let _ = post_authentication_timeline(&p, now);
        // A blocked or unmanaged policy always says why.
        if p.mode == Mode::Unmanaged {
            prop_assert!(p.blocker.is_some());
        }
    }

    #[test]
    fn precedence_is_respected(s in snapshot(), d in device()) {
        let p = resolve(&s, &d);
        let src = p.roots.iter().position(|r| r.status == RootStatus::Source);
        match src {
            None => prop_assert_eq!(p.source, Source::None),
            Some(i) => {
                prop_assert_eq!(p.source, Source::from(Root::ALL[i]));
                // Every root above the source holds no setting this build knows.
                for r in &p.roots[..i] {
                    prop_assert!(r.settings.is_empty());
                }
                // Every configured value comes from the source root.
                for r in &p.settings {
                    if let Provenance::Configured { root, .. } | Provenance::FellBack { root, .. } = &r.provenance {
                        prop_assert_eq!(*root, Root::ALL[i]);
                    }
                    for sh in &r.shadowed {
                        prop_assert!(sh.root > Root::ALL[i]);
                    }
                }
            }
        }
        // Changing a lower root never changes the outcome.
        if let Some(i) = src {
            if i < 3 {
                let mut s2 = s.clone();
                s2.legacy = RootValues::new().with("AdmPwdEnabled", RegValue::Dword(1));
                if i < 2 {
                    s2.local = RootValues::new().with("PasswordLength", RegValue::Dword(33));
                }
                let p2 = resolve(&s2, &d);
                prop_assert_eq!(p.mode, p2.mode);
                prop_assert_eq!(p.password_spec(), p2.password_spec());
                prop_assert_eq!(p.managed_account(), p2.managed_account());
            }
        }
    }

    #[test]
    fn registry_pol_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut with_header = b"PReg\x01\0\0\0".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = RegistryPol::parse(&bytes);
        if let Ok(pol) = RegistryPol::parse(&with_header) {
            let _ = pol.apply_to(&mut Snapshot::new());
        }
    }

    #[test]
    fn registry_pol_parser_survives_structured_garbage(units in proptest::collection::vec(prop::sample::select(vec![0u16, 0x5B, 0x5D, 0x3B, 0x41, 0xD800, 4, 0xFFFF]), 0..128)) {
        let mut bytes = b"PReg\x01\0\0\0".to_vec();
        for u in units {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let _ = RegistryPol::parse(&bytes);
    }

    #[test]
    fn syncml_and_reg_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256), text in "\\PC{0,200}") {
        let _ = SyncMl::parse(&bytes);
        let _ = RegFile::parse(&bytes);
        let _ = SyncMl::parse_str(&text);
        let _ = RegFile::parse_str(&format!("REGEDIT4\n[HKLM\\{text}]\n{text}"));
        let _ = RegFile::parse_str(&format!("Windows Registry Editor Version 5.00\n[HKLM\\X]\n\"a\"={text}"));
        let _ = Snapshot::from_json(&text);
        let _ = Snapshot::from_toml(&text);
    }
}
