//! Shared helpers for the vector tests: loading the copied vector files, building key sources,
//! and a replay RNG that returns recorded randomness.
#![allow(dead_code, unreachable_pub)]

use laps_crypto::{GroupKeyEnvelope, KeyStore, RootKey};
use serde_json::Value;

/// Loads `tests/data/<name>`.
pub fn load(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// The `vectors` array of a file.
pub fn vectors(name: &str) -> Vec<Value> {
    load(name)["vectors"].as_array().unwrap().clone()
}

pub fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(
        v.as_str()
            .unwrap_or_else(|| panic!("not a hex string: {v}")),
    )
    .unwrap()
}

pub fn root_key(ks: &Value) -> RootKey {
    RootKey::from_json(&ks.to_string()).unwrap()
}

/// A store holding the vector's key source.
pub fn store_for(v: &Value) -> KeyStore {
    let store = KeyStore::new();
    let ks = &v["key_source"];
    match ks["kind"].as_str().unwrap() {
        "root_key" => store.add_root_key(root_key(ks)),
        "group_key_envelope" => {
            store.add_group_key_envelope(GroupKeyEnvelope::parse(&unhex(&ks["gke_hex"])).unwrap())
        }
        other => panic!("unknown key source {other}"),
    }
    store
}

/// The recorded randomness of a vector, in the order the encryptor consumes it.
pub fn replay(parts: &[&[u8]]) -> laps_crypto::RecordedRandomness {
    laps_crypto::RecordedRandomness::new(parts.concat())
}

/// Every positive single-value vector from every file, with its file name.
pub fn positive_vectors() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for f in [
        "decrypt_real.json",
        "laps_attribute.json",
        "ncrypt_blob.json",
        "gke_decrypt.json",
    ] {
        for v in vectors(f) {
            out.push((f.to_string(), v));
        }
    }
    out
}
