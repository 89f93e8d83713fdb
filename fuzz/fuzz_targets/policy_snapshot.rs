//! The JSON/TOML policy snapshot and device documents. Byte 0 selects the parser:
//! 0 = snapshot JSON, 1 = snapshot TOML, 2 = device JSON, 3 = device TOML.
//! Accepted snapshots survive `from_json(to_json(s)) == s`, and each root written by the policy
//! file writers (Registry.pol, SyncML for the CSP root, .reg) reads back to the same values, or
//! the writer refuses an unknown name.
#![no_main]

use laps_policy::catalog::find;
use laps_policy::{
    resolve, Device, Error, RegFile, RegistryPol, Root, RootValues, Snapshot, SyncMl,
};
use libfuzzer_sys::fuzz_target;

fn check_error(e: Error) {
    match e {
        Error::Json { line, column, .. } | Error::JsonValue { line, column, .. } => {
            assert!(line >= 1 || column == 0)
        }
        Error::Toml { .. } => {}
        other => panic!("unexpected error kind: {other:?}"),
    }
}

/// Writes `values` of `root` with every writer that can hold them and reads each file back: the
/// same values under their catalogue spelling (the writers accept snake_case names too; a name
/// given twice keeps its last value, as `RootValues::set` does).
fn check_writers(root: Root, given: &RootValues) {
    let mut canonical = RootValues::new();
    for (name, value) in given.iter() {
        match find(root.family(), name) {
            Some(info) => canonical.set(info.name, value.clone()),
            None => canonical.set(name, value.clone()),
        }
    }
    let values = &canonical;
    let back = |apply: &dyn Fn(&mut Snapshot)| {
        let mut snap = Snapshot::new();
        apply(&mut snap);
        snap.root_mut(root).clone()
    };
    match RegistryPol::from_root(root, given) {
        Ok(pol) => {
            let parsed = RegistryPol::parse(&pol.to_bytes()).expect("written Registry.pol parses");
            assert_eq!(
                &back(&|s| drop(parsed.apply_to(s))),
                values,
                "Registry.pol round trip"
            );
            let reg = RegFile::from_root(root, given).expect("same names as Registry.pol");
            let text = reg.to_text();
            let parsed = RegFile::parse_str(&text)
                .unwrap_or_else(|e| panic!("written .reg does not parse: {e}\n{text}"));
            assert_eq!(
                &back(&|s| drop(parsed.apply_to(s))),
                values,
                ".reg round trip\n{text}"
            );
            if root == Root::Csp {
                match SyncMl::from_csp_values(given, false) {
                    Ok(message) => {
                        let xml = message.to_xml();
                        let parsed = SyncMl::parse_str(&xml).unwrap_or_else(|e| {
                            panic!("written SyncML does not parse: {e}\n{xml}")
                        });
                        assert_eq!(
                            &back(&|s| drop(parsed.apply_to(s))),
                            values,
                            "SyncML round trip\n{xml}"
                        );
                    }
                    // Only DWORDs and strings fit the CSP.
                    Err(Error::UnwritableValue { .. }) => {}
                    Err(other) => panic!("unexpected SyncML writer error: {other:?}"),
                }
            }
        }
        Err(Error::UnknownSetting { root: r, .. }) => assert_eq!(r, root),
        Err(other) => panic!("unexpected writer error: {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, b)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(b) else {
        return;
    };
    match which % 4 {
        0 | 1 => {
            let parsed = if which % 4 == 0 {
                Snapshot::from_json(text)
            } else {
                Snapshot::from_toml(text)
            };
            match parsed {
                Ok(s) => {
                    let json = s.to_json();
                    let again = Snapshot::from_json(&json)
                        .unwrap_or_else(|e| panic!("to_json output does not parse: {e}\n{json}"));
                    assert_eq!(again, s);
                    let _ = resolve(&s, &Device::default());
                    let mut s = s;
                    for root in Root::ALL {
                        check_writers(root, &s.root_mut(root).clone());
                    }
                }
                Err(e) => check_error(e),
            }
        }
        _ => {
            let parsed = if which % 4 == 2 {
                Device::from_json(text)
            } else {
                Device::from_toml(text)
            };
            match parsed {
                Ok(d) => {
                    let _ = resolve(&Snapshot::new(), &d);
                }
                Err(e) => check_error(e),
            }
        }
    }
});
