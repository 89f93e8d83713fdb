//! The JSON/TOML policy snapshot and device documents. Byte 0 selects the parser:
//! 0 = snapshot JSON, 1 = snapshot TOML, 2 = device JSON, 3 = device TOML.
//! Accepted snapshots survive `from_json(to_json(s)) == s`.
#![no_main]

use laps_policy::{resolve, Device, Error, Snapshot};
use libfuzzer_sys::fuzz_target;

fn check_error(e: Error) {
    match e {
        Error::Json { line, column, .. } => assert!(line >= 1 || column == 0),
        Error::Toml { .. } => {}
        other => panic!("unexpected error kind: {other:?}"),
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
