//! `.reg` files (REGEDIT4 / version 5, UTF-8 or UTF-16LE): parse; the writer's output is
//! canonical: it parses, has the same effect on a snapshot, and is a fixed point of
//! parse ∘ write (the writer adds `HKEY_LOCAL_MACHINE\` to keys without a hive, so the first
//! rewrite may change key spelling but never meaning).
#![no_main]

use laps_policy::{parse_reg, resolve, Device, Error, RegFile, Snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let reg = match parse_reg(bytes) {
        Ok(r) => r,
        Err(Error::Reg { .. }) => return,
        Err(Error::Encoding { offset, .. }) => {
            assert!(offset <= bytes.len());
            return;
        }
        Err(other) => panic!("unexpected .reg error kind: {other:?}"),
    };
    let text = reg.to_text();
    let again = RegFile::parse_str(&text)
        .unwrap_or_else(|e| panic!("writer output does not parse: {e}\n{text}"));
    let (mut snap, mut snap_again) = (Snapshot::new(), Snapshot::new());
    reg.apply_to(&mut snap);
    again.apply_to(&mut snap_again);
    assert_eq!(snap_again, snap, "the rewritten file has another effect");
    let text2 = again.to_text();
    assert_eq!(text2, text, "parse ∘ write is not a fixed point");
    let _ = RegFile::parse(&reg.to_bytes()).expect("the writer's bytes parse");
    let _ = resolve(&snap, &Device::default()).explain();
});
