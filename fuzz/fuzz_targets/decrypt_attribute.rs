//! `KeyStore::decrypt_attribute` / `decrypt_blob` with a fixed key store holding the keys of every
//! test vector, so that mutations of the (valid, seeded) values get past parsing into the key
//! derivation, the key agreement, the key unwrap and GCM.
//!
//! Byte 0: bit 0 = key store (0: every root key; 1: the seed group key envelopes only),
//! bit 1 = input kind (0: attribute value with header; 1: bare DPAPI-NG blob). The rest is the input.
#![no_main]

use laps_crypto::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let store = winlaps_fuzz::store(mode & 1 != 0);
    let result = if mode & 2 == 0 {
        store.decrypt_attribute(input).map(|c| c.password.len())
    } else {
        store.decrypt_blob(input).map(|p| p.as_bytes().len())
    };
    match result {
        Ok(len) => assert!(len <= input.len()),
        Err(Error::Malformed { offset, .. }) => {
            assert!(offset <= input.len(), "offset {offset} beyond the input")
        }
        Err(_) => {}
    }
});
