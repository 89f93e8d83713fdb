//! The GKDI KeyIdentifier ("KDSK" in the CMS `keyIdentifier`): parse, and for every accepted
//! input, `to_bytes(parse(x)) == x` (the format has exactly one encoding of each value).
#![no_main]

use laps_crypto::KeyIdentifier;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    let Ok(ki) = KeyIdentifier::parse(b) else {
        return;
    };
    assert!(
        ki.index.is_valid(),
        "accepted an out-of-range index: {:?}",
        ki.index
    );
    assert_eq!(
        ki.to_bytes(),
        b,
        "KeyIdentifier does not re-encode to its input"
    );
    assert_eq!(KeyIdentifier::parse(&ki.to_bytes()).as_ref(), Ok(&ki));
});
