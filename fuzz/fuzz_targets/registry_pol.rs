//! Registry.pol (`PReg` v1) from SYSVOL: parse; every accepted file re-encodes to a file that
//! parses to the same records; applying it to a snapshot and resolving never panics.
#![no_main]

use laps_policy::{parse_registry_pol, resolve, Device, Error, RegistryPol, Snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let pol = match parse_registry_pol(bytes) {
        Ok(pol) => pol,
        Err(e) => {
            let offset = match e {
                Error::PolTruncated { offset, .. }
                | Error::PolHeader { offset, .. }
                | Error::PolDelimiter { offset, .. } => offset,
                other => panic!("Registry.pol error without a byte offset: {other:?}"),
            };
            assert!(
                offset <= bytes.len(),
                "error offset {offset} beyond {} bytes",
                bytes.len()
            );
            return;
        }
    };
    for e in &pol.entries {
        assert!(e.offset < bytes.len());
    }
    let again = RegistryPol::parse(&pol.to_bytes()).expect("the writer's output parses");
    assert_eq!(again.entries.len(), pol.entries.len());
    for (a, b) in again.entries.iter().zip(&pol.entries) {
        assert_eq!((&a.key, &a.value, &a.data), (&b.key, &b.value, &b.data));
    }
    let mut snap = Snapshot::new();
    pol.apply_to(&mut snap);
    let _ = resolve(&snap, &Device::default()).explain();
});
