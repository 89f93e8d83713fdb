//! The CNG key and parameter blobs. Byte 0 selects the parser, the rest is the blob:
//! 0 = `DHPM` DH parameters, 1 = `DHPB`/`ECK1`/`ECK3` public key, 2 = KDF parameters.
//! Every accepted blob re-encodes to itself.
#![no_main]

use laps_crypto::hazmat::cng::{kdf_parameters_blob, parse_kdf_parameters, DhGroup, PublicKeyBlob};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, b)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            if let Ok(g) = DhGroup::from_dhpm(b) {
                assert_eq!(g.to_dhpm(), b);
                assert_eq!(g.p().len(), g.g().len());
            }
        }
        1 => {
            if let Ok(pk) = PublicKeyBlob::parse(b) {
                assert_eq!(pk.to_bytes(), b);
                let _ = (pk.kind(), pk.algorithm());
            }
        }
        _ => {
            if let Ok(h) = parse_kdf_parameters(b) {
                // The hash name is matched case-insensitively.
                assert!(kdf_parameters_blob(h).eq_ignore_ascii_case(b));
            }
        }
    }
});
