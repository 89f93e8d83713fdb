//! SyncML from the MDM channel (LAPS CSP): parse; every accepted message re-serializes to XML
//! that parses to the same commands; applying it and resolving never panics.
#![no_main]

use laps_policy::{parse_syncml, resolve, Device, Error, Snapshot, SyncMl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let msg = match parse_syncml(bytes) {
        Ok(m) => m,
        Err(Error::SyncMl { line, column, .. }) => {
            assert!(line >= 1 && column >= 1);
            return;
        }
        Err(Error::Encoding { offset, .. }) => {
            assert!(offset <= bytes.len());
            return;
        }
        Err(other) => panic!("unexpected SyncML error kind: {other:?}"),
    };
    let xml = msg.to_xml();
    let again = SyncMl::parse_str(&xml)
        .unwrap_or_else(|e| panic!("writer output does not parse: {e}\n{xml}"));
    assert_eq!(again.ops(), msg.ops());
    let mut snap = Snapshot::new();
    msg.apply_to(&mut snap);
    let _ = msg.reset_password_requested();
    let _ = resolve(&snap, &Device::default()).explain();
});
