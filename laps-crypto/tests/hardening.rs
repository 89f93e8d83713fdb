//! Hardening: hostile input never panics, hangs or over-allocates; errors carry a kind
//! and a byte offset; secrets never print; every byte format round-trips (proptest); and the
//! regression inputs found by the fuzzers (`tests/data/regressions/`) stay fixed.
//!
//! The counting allocator below is the only `unsafe` in this test crate: it records the largest
//! single allocation made by the current thread, so the tests can prove that hostile length
//! fields are checked against the input before anything is allocated. The library itself is
//! `#![forbid(unsafe_code)]`.
#![allow(unsafe_code)]

mod common;

use common::{store_for, unhex, vectors};
use laps_core::{FileTime, Password};
use laps_crypto::hazmat::cms::DpapiNgBlob;
use laps_crypto::hazmat::cng::{
    kdf_parameters_blob, parse_kdf_parameters, DhGroup, PublicKeyBlob, SecretAgreement,
};
use laps_crypto::key_identifier::KeyInfo;
use laps_crypto::{
    encrypt, parse_blob, parse_encrypted_attribute, sample, Error, GroupKeyEnvelope, Guid, KdfHash,
    KeyIdentifier, KeyIndex, KeyStore, LapsCredential, LapsHeader, Sid,
};
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::mpsc;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Allocation tracking

struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|m| m.set(m.get().max(size)));
}

// SAFETY: every method forwards to the system allocator unchanged; `note` only touches a
// const-initialised thread-local `Cell` (no allocation, no reentrancy).
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and returns its result with the largest single allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|m| m.set(0));
    let r = f();
    (r, LARGEST.with(Cell::get))
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn regression(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/data/regressions/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn malformed_offset(e: &Error) -> Option<usize> {
    match e {
        Error::Malformed { offset, .. } => Some(*offset),
        _ => None,
    }
}

/// Asserts that an error on `input` is typed and, when malformed, points inside the input.
fn assert_clean_error(e: &Error, input_len: usize, what: &str) {
    if let Some(offset) = malformed_offset(e) {
        assert!(
            offset <= input_len,
            "{what}: offset {offset} beyond {input_len} bytes ({e})"
        );
    }
    assert!(!e.to_string().is_empty());
}

/// Runs `f` on another thread and fails (instead of hanging the suite) if it does not finish.
fn within_a_minute<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} did not finish: hang or deadlock"))
}

/// Every attribute value and every blob of the copied vectors: `(id, bytes, is_attribute)`.
fn all_inputs() -> Vec<(String, Vec<u8>, bool)> {
    let mut out = Vec::new();
    for f in [
        "laps_attribute.json",
        "ncrypt_blob.json",
        "decrypt_real.json",
        "gke_decrypt.json",
        "negative.json",
    ] {
        for v in vectors(f) {
            let id = v["id"].as_str().unwrap().to_owned();
            match v["input_kind"].as_str().unwrap() {
                "laps_attribute" => out.push((id, unhex(&v["input_hex"]), true)),
                "dpapi_ng_blob" => out.push((id, unhex(&v["input_hex"]), false)),
                _ => {}
            }
        }
    }
    for v in common::load("parse_only.json")["vectors"]
        .as_array()
        .unwrap()
    {
        out.push((
            v["id"].as_str().unwrap().to_owned(),
            unhex(&v["blob_hex"]),
            false,
        ));
    }
    out
}

/// The private-key-path LAPS vector with a root key (cheap to decrypt, so it can be mutated a lot).
fn private_path_vector() -> Value {
    vectors("laps_attribute.json")
        .into_iter()
        .find(|v| v["expected"]["path"] == "private_key" && v["key_source"]["kind"] == "root_key")
        .expect("a private-key-path vector")
}

/// Byte offset of the KeyIdentifier inside an attribute value.
fn key_identifier_offset(value: &[u8]) -> usize {
    let (_, blob) = LapsHeader::split(value).unwrap();
    let parsed = DpapiNgBlob::parse(blob, 16).unwrap();
    let (recipient, _) = parsed.sid_recipients().next().unwrap();
    recipient.key_identifier_offset
}

// ---------------------------------------------------------------------------------------------
// Regressions found by the fuzzers

/// `fuzz/` `dpapi_ng_blob` and `encrypted_attribute`: an empty DER INTEGER (`02 00`) as the
/// EnvelopedData version indexed `v[0]` of an empty slice and panicked.
#[test]
fn regression_empty_der_integer_is_malformed_not_a_panic() {
    let found = regression("der-empty-integer.bin");
    // The same, hand-made: ContentInfo { envelopedData, [0] { SEQUENCE { INTEGER <empty> } } }.
    let tiny = hex::decode("301106092a864886f70d010703a00430020200").unwrap();
    for input in [&tiny[..], &found[..]] {
        let e = parse_blob(input).unwrap_err();
        assert_clean_error(&e, input.len(), "empty INTEGER");
        let mut attribute = LapsHeader {
            update_time: FileTime::from_ticks(0),
            encrypted_size: input.len() as u32,
            reserved: 0,
        }
        .to_bytes()
        .to_vec();
        attribute.extend_from_slice(input);
        assert!(parse_encrypted_attribute(&attribute).is_err());
    }
}

/// `fuzz/` `decrypt_attribute`: decrypting with a seed group key envelope held the seed-cache read
/// lock (a temporary in a `match` scrutinee) while inserting into the cache: a self-deadlock on
/// the first envelope-keyed value. The input is vector `gen-gke-4`.
#[test]
fn regression_envelope_decrypt_does_not_deadlock() {
    let value = regression("gke-seed-cache-deadlock.bin");
    let v = vectors("gke_decrypt.json")
        .into_iter()
        .find(|v| unhex(&v["input_hex"]) == value)
        .expect("the regression input is vector gen-gke-4");
    let expected = v["expected"]["laps_json"]["p"].as_str().unwrap().to_owned();
    let password = within_a_minute("decrypt with a seed envelope", move || {
        let store = store_for(&v);
        // Twice: the second call takes the cached seed.
        let first = store
            .decrypt_attribute(&value)
            .map(|c| c.password.expose().to_owned());
        let second = store
            .decrypt_attribute(&value)
            .map(|c| c.password.expose().to_owned());
        assert_eq!(first, second);
        first
    });
    assert_eq!(password.unwrap(), expected);
}

/// `fuzz/` `group_key_envelope`: an ECDH envelope with non-empty secret-agreement parameters was
/// accepted and the parameters silently dropped (so it did not re-encode to itself), while a root
/// key with the same parameters is refused. ECDH envelopes carry none (every vector: 0 bytes).
#[test]
fn regression_ecdh_envelope_with_parameters_is_malformed() {
    let found = regression("gke-ecdh-with-parameters.bin");
    let e = GroupKeyEnvelope::parse(&found).unwrap_err();
    assert_eq!(malformed_offset(&e), Some(0xa8), "{e}");
    // Every envelope that parses re-encodes to itself, ECDH ones included.
    for g in vectors("laps_attribute.json")
        .iter()
        .filter_map(|v| v["encrypt_inputs"]["group_key_envelope_hex"].as_str())
    {
        let bytes = hex::decode(g).unwrap();
        assert_eq!(GroupKeyEnvelope::parse(&bytes).unwrap().to_bytes(), bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// No panic, bounded work, typed errors with offsets

#[test]
fn every_prefix_of_every_vector_fails_cleanly() {
    let store = KeyStore::new();
    store.add_root_key(sample::root_key());
    for (id, input, is_attribute) in all_inputs() {
        for len in 0..input.len() {
            let prefix = &input[..len];
            let r = if is_attribute {
                parse_encrypted_attribute(prefix).map(|_| ())
            } else {
                parse_blob(prefix).map(|_| ())
            };
            if let Err(e) = r {
                assert_clean_error(&e, len, &id);
            }
            // A strict prefix of an attribute never passes the header size check.
            if is_attribute {
                let e = store.decrypt_attribute(prefix).unwrap_err();
                assert_clean_error(&e, len, &id);
            }
        }
    }
}

#[test]
fn every_single_bit_flip_fails_or_yields_the_original_credential() {
    let v = private_path_vector();
    let value = unhex(&v["input_hex"]);
    let store = store_for(&v);
    let original = store.decrypt_attribute(&value).unwrap();
    for i in 0..value.len() {
        for bit in [0x01u8, 0x80] {
            let mut m = value.clone();
            m[i] ^= bit;
            match store.decrypt_attribute(&m) {
                // GCM authenticates the credential; only unauthenticated bytes (header time,
                // domain and forest names) may change without an error.
                Ok(c) => assert_eq!(c, original, "byte {i} bit {bit:#x} changed the plaintext"),
                Err(e) => assert_clean_error(&e, m.len(), &format!("byte {i} bit {bit:#x}")),
            }
        }
    }
}

/// Inputs whose length fields claim ~4 GiB: each is refused with a typed error at the field,
/// and nothing close to the claimed size is ever allocated.
#[test]
fn hostile_length_fields_are_checked_before_allocation() {
    fn u32le(v: u32) -> [u8; 4] {
        v.to_le_bytes()
    }
    let bound = |input_len: usize| 4 * input_len + 4096;

    // LAPS header: EncryptedPasswordSize far beyond the value.
    let mut header = vec![0u8; 24];
    header[8..12].copy_from_slice(&u32le(0xffff_fff0));
    let (r, largest) = largest_allocation(|| parse_encrypted_attribute(&header));
    assert_eq!(malformed_offset(&r.unwrap_err()), Some(8));
    assert!(largest <= bound(header.len()), "{largest} bytes allocated");

    // DER: a 4-byte length of 0x7fffffff.
    let der = [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x00];
    let (r, largest) = largest_allocation(|| parse_blob(&der));
    assert_eq!(malformed_offset(&r.unwrap_err()), Some(0));
    assert!(largest <= bound(der.len()));

    // KeyIdentifier: cbKeyInfo / cbDomainName / cbForestName = 0xffffffff.
    for field in [40usize, 44, 48] {
        let mut ki = vec![0u8; 60];
        ki[0..4].copy_from_slice(&u32le(1));
        ki[4..8].copy_from_slice(b"KDSK");
        ki[field..field + 4].copy_from_slice(&u32le(u32::MAX));
        let (r, largest) = largest_allocation(|| KeyIdentifier::parse(&ki));
        assert_eq!(
            malformed_offset(&r.unwrap_err()),
            Some(40),
            "field at {field}"
        );
        assert!(largest <= bound(ki.len()));
    }

    // Group Key Envelope: each of the eight variable-field lengths = 0xffffffff.
    for field in [40usize, 44, 48, 52, 64, 68, 72, 76] {
        let mut gke = vec![0u8; 96];
        gke[0..4].copy_from_slice(&u32le(1));
        gke[4..8].copy_from_slice(b"KDSK");
        gke[field..field + 4].copy_from_slice(&u32le(u32::MAX));
        let (r, largest) = largest_allocation(|| GroupKeyEnvelope::parse(&gke));
        assert_eq!(
            malformed_offset(&r.unwrap_err()),
            Some(40),
            "field at {field}"
        );
        assert!(largest <= bound(gke.len()));
    }

    // CNG blobs: k = 0x40000000.
    let mut dhpm = u32le(12).to_vec();
    dhpm.extend_from_slice(b"DHPM");
    dhpm.extend_from_slice(&u32le(0x4000_0000));
    let (r, largest) = largest_allocation(|| DhGroup::from_dhpm(&dhpm));
    assert!(malformed_offset(&r.unwrap_err()).is_some());
    assert!(largest <= bound(dhpm.len()));
    for magic in [b"DHPB", b"ECK1", b"ECK3"] {
        let mut pk = magic.to_vec();
        pk.extend_from_slice(&u32le(0x4000_0000));
        let (r, largest) = largest_allocation(|| PublicKeyBlob::parse(&pk));
        assert_eq!(malformed_offset(&r.unwrap_err()), Some(4));
        assert!(largest <= bound(pk.len()));
    }

    // Inside a real attribute: the error offset is the absolute offset of the field.
    let v = private_path_vector();
    let mut value = unhex(&v["input_hex"]);
    let at = key_identifier_offset(&value);
    value[at + 40..at + 44].copy_from_slice(&u32le(u32::MAX));
    let store = store_for(&v);
    let (r, largest) = largest_allocation(|| store.decrypt_attribute(&value));
    assert_eq!(malformed_offset(&r.unwrap_err()), Some(at + 40));
    assert!(largest <= bound(value.len()));
}

/// L1/L2 outside 0..=31 (dpapi-ng loops forever on them) and negative L0 are rejected at the
/// field, before any seed is derived.
#[test]
fn out_of_range_indices_are_rejected_before_any_derivation() {
    let v = private_path_vector();
    let value = unhex(&v["input_hex"]);
    let at = key_identifier_offset(&value);
    for (field, bad) in [
        (12usize, -1i32),
        (16, 32),
        (16, -1),
        (16, i32::MAX),
        (20, 32),
        (20, -1),
        (20, i32::MIN),
    ] {
        let mut m = value.clone();
        m[at + field..at + field + 4].copy_from_slice(&bad.to_le_bytes());
        let store = store_for(&v);
        let e = store.decrypt_attribute(&m).unwrap_err();
        assert_eq!(malformed_offset(&e), Some(at + field), "{field}: {e}");
        assert_eq!(
            store.cached_seed_count(),
            0,
            "a seed was derived for index {bad} at {field}"
        );
        assert!(parse_encrypted_attribute(&m).is_err());
    }
    let mut gke = GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        &sample::SID.parse().unwrap(),
        KeyIndex {
            l0: 361,
            l1: 17,
            l2: 8,
        },
        sample::DOMAIN,
        sample::DOMAIN,
        false,
    )
    .unwrap()
    .to_bytes();
    gke[16..20].copy_from_slice(&32u32.to_le_bytes());
    assert!(malformed_offset(&GroupKeyEnvelope::parse(&gke).unwrap_err()).is_some());
    assert!(GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        &sample::SID.parse().unwrap(),
        KeyIndex {
            l0: 361,
            l1: 32,
            l2: 0
        },
        sample::DOMAIN,
        sample::DOMAIN,
        false,
    )
    .is_err());
}

// ---------------------------------------------------------------------------------------------
// Secret hygiene

const CANARY: &str = "Pw-Canary-7f3a9c!";

fn seed_envelope() -> (GroupKeyEnvelope, Sid, FileTime) {
    let sid: Sid = sample::SID.parse().unwrap();
    let now = FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
    let gke = GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        &sid,
        KeyIndex::from_filetime(now),
        sample::DOMAIN,
        sample::DOMAIN,
        false,
    )
    .unwrap();
    (gke, sid, now)
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Every textual form a leaked canary could take.
fn leaks(text: &str) -> bool {
    let hex_utf8 = hex::encode(CANARY);
    let hex_utf16 = hex::encode(utf16le(CANARY));
    text.contains(CANARY)
        || text.contains(&hex_utf8)
        || text.contains(&hex_utf16)
        || text.contains("7f3a9c")
}

#[test]
fn no_debug_or_error_message_prints_a_password() {
    let (gke, sid, now) = seed_envelope();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
    let cred = LapsCredential::new("Administrator", Password::from(CANARY), now);
    let value = encrypt::encrypt_credential(&gke, &sid, &cred, &mut rng).unwrap();
    let store = KeyStore::new();
    store.add_root_key(sample::root_key());
    let back = store.decrypt_attribute(&value).unwrap();
    assert_eq!(back.password.expose(), CANARY);
    let blob = encrypt::encrypt_blob(&gke, &sid, CANARY.as_bytes(), &mut rng).unwrap();
    let plaintext = store.decrypt_blob(&blob).unwrap();
    for shown in [
        format!("{back:?}"),
        format!("{back:#?}"),
        format!("{:?}", back.password),
        format!("{plaintext:?}"),
        format!("{store:?}"),
        format!("{gke:?}"),
        format!("{:?}", sample::root_key()),
    ] {
        assert!(!leaks(&shown), "{shown}");
    }
    // Decrypted plaintexts that are not a valid credential: the error never quotes them.
    let t = now.to_hex();
    for bad in [
        format!(r#"{{"n":"a","t":"zz","p":"{CANARY}"}}"#),
        format!(r#"{{"n":"a","t":"{t}","p":"{CANARY}""#),
        format!(r#"{{"n":"a","t":"{t}","p":["{CANARY}"]}}"#),
        format!(r#"{{"n":7,"t":"{t}","p":"{CANARY}"}}"#),
        format!(r#""{CANARY}""#),
        CANARY.to_owned(),
    ] {
        let mut pt = utf16le(&bad);
        pt.extend_from_slice(&[0, 0]);
        let value = encrypt::encrypt_attribute(&gke, &sid, now, &pt, &mut rng).unwrap();
        let e = store.decrypt_attribute(&value).unwrap_err();
        assert!(!leaks(&format!("{e} {e:?}")), "{e:?}");
        let e = LapsCredential::from_json(&bad).unwrap_err();
        assert!(!leaks(&format!("{e} {e:?}")), "{e:?}");
    }
    // Odd-length and unpaired-surrogate plaintexts.
    for pt in [
        [utf16le(CANARY), vec![0x41]].concat(),
        [utf16le(CANARY), vec![0x00, 0xd8]].concat(),
    ] {
        let value = encrypt::encrypt_attribute(&gke, &sid, now, &pt, &mut rng).unwrap();
        let e = store.decrypt_attribute(&value).unwrap_err();
        assert!(!leaks(&format!("{e} {e:?}")), "{e:?}");
    }
}

#[test]
fn root_key_errors_never_echo_key_material() {
    let data = hex::encode(CANARY);
    for bad in [
        format!(r#"{{"root_key_id": "not-a-guid", "root_key_data_hex": "{data}"}}"#),
        format!(
            r#"{{"root_key_id": "93b65561-b7f7-bed4-bca2-a7428e3819fd", "root_key_data_hex": "{data}zz"}}"#
        ),
        format!(
            r#"{{"root_key_id": "93b65561-b7f7-bed4-bca2-a7428e3819fd", "root_key_data_hex": "{data}", "version": 2}}"#
        ),
        format!(r#"{{"root_key_data_hex": "{data}""#),
    ] {
        let e = laps_crypto::RootKey::from_json(&bad).unwrap_err();
        assert!(!leaks(&format!("{e} {e:?}")), "{e:?}");
    }
}

/// Secret-bearing values handed to callers are zeroized when dropped (checked by type).
#[test]
fn secret_values_are_zeroize_on_drop_types() {
    fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
    let (gke, sid, now) = seed_envelope();
    let cred = LapsCredential::new("Administrator", Password::from(CANARY), now);
    zeroized_on_drop(&cred.password);
    zeroized_on_drop(&cred.to_json());
    zeroized_on_drop(&cred.to_plaintext());
    zeroized_on_drop(&laps_crypto::hazmat::kdf::sp800_108(
        KdfHash::Sha512,
        &[1; 64],
        b"label",
        b"context",
        32,
    ));
    zeroized_on_drop(&laps_crypto::hazmat::content::private_kek(
        KdfHash::Sha512,
        &gke.l2_seed(gke.index).unwrap(),
        &[0; 32],
    ));
    let graph = laps_crypto::cleartext::decode_graph_password("UQBRAEAAZAA4AGYAOABnAFkA").unwrap();
    zeroized_on_drop(&graph.password);
    zeroized_on_drop(&graph.raw);
    let _ = sid;
}

#[test]
fn the_library_forbids_unsafe_code() {
    assert!(include_str!("../src/lib.rs").contains("#![forbid(unsafe_code)]"));
}

// ---------------------------------------------------------------------------------------------
// Round trips of every byte format (encode ∘ decode = id; decode ∘ encode = id on canonical input)

/// Every KeyIdentifier in the vectors is canonical: it re-encodes to its own bytes.
#[test]
fn vector_key_identifiers_re_encode_byte_for_byte() {
    let mut n = 0;
    for (id, input, is_attribute) in all_inputs() {
        let blob = if is_attribute {
            input.get(16..).unwrap_or(&[])
        } else {
            &input[..]
        };
        let Ok(parsed) = DpapiNgBlob::parse(blob, 0) else {
            continue;
        };
        for (recipient, _) in parsed.sid_recipients() {
            if let Ok(ki) = KeyIdentifier::parse(&recipient.key_identifier) {
                assert_eq!(ki.to_bytes(), recipient.key_identifier, "{id}");
                n += 1;
            }
        }
    }
    assert!(n > 50, "only {n} key identifiers");
}

fn name() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,24}"
}

fn index() -> impl Strategy<Value = KeyIndex> {
    (0..i32::MAX, 0..=31i32, 0..=31i32).prop_map(|(l0, l1, l2)| KeyIndex { l0, l1, l2 })
}

fn public_key() -> impl Strategy<Value = PublicKeyBlob> {
    prop_oneof![
        (1usize..48).prop_flat_map(|k| {
            (
                proptest::collection::vec(any::<u8>(), k),
                proptest::collection::vec(any::<u8>(), k),
                proptest::collection::vec(any::<u8>(), k),
            )
                .prop_map(|(p, g, y)| PublicKeyBlob::Dh {
                    group: DhGroup::new(&p, &g).unwrap(),
                    y,
                })
        }),
        (
            any::<bool>(),
            proptest::collection::vec(any::<u8>(), 48),
            proptest::collection::vec(any::<u8>(), 48)
        )
            .prop_map(|(p384, x, y)| {
                let k = if p384 { 48 } else { 32 };
                PublicKeyBlob::Ec {
                    curve: if p384 {
                        SecretAgreement::EcdhP384
                    } else {
                        SecretAgreement::EcdhP256
                    },
                    x: x[..k].to_vec(),
                    y: y[..k].to_vec(),
                }
            }),
    ]
}

fn key_identifier() -> impl Strategy<Value = KeyIdentifier> {
    (
        any::<u32>(),
        index(),
        any::<[u8; 16]>(),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 32).prop_map(KeyInfo::Nonce),
            public_key().prop_map(KeyInfo::PublicKey),
        ],
        name(),
        name(),
    )
        .prop_map(|(flags, index, guid, key_info, domain_name, forest_name)| {
            let public = matches!(key_info, KeyInfo::PublicKey(_));
            KeyIdentifier {
                version: 1,
                flags: (flags & !1) | u32::from(public),
                root_key_id: Guid::from_bytes_le(guid),
                index,
                key_info,
                domain_name,
                forest_name,
            }
        })
}

proptest! {
    #[test]
    fn key_identifiers_round_trip(ki in key_identifier()) {
        let bytes = ki.to_bytes();
        let back = KeyIdentifier::parse(&bytes).unwrap();
        prop_assert_eq!(&back, &ki);
        prop_assert_eq!(back.to_bytes(), bytes);
    }

    #[test]
    fn key_identifier_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        if let Err(e) = KeyIdentifier::parse(&bytes) {
            assert_clean_error(&e, bytes.len(), "KeyIdentifier");
        }
    }

    #[test]
    fn public_key_blobs_round_trip(pk in public_key()) {
        let bytes = pk.to_bytes();
        prop_assert_eq!(PublicKeyBlob::parse(&bytes).unwrap(), pk);
    }

    #[test]
    fn dh_parameters_round_trip(k in 1usize..64, seed in any::<u64>()) {
        let bytes: Vec<u8> = (0..2 * k).map(|i| (seed >> (i % 8 * 8)) as u8 ^ i as u8).collect();
        let g = DhGroup::new(&bytes[..k], &bytes[k..]).unwrap();
        let dhpm = g.to_dhpm();
        let back = DhGroup::from_dhpm(&dhpm).unwrap();
        prop_assert_eq!(back.to_dhpm(), dhpm);
        prop_assert_eq!(back, g);
    }

    #[test]
    fn kdf_parameters_round_trip(h in prop::sample::select(vec![KdfHash::Sha1, KdfHash::Sha256, KdfHash::Sha384, KdfHash::Sha512])) {
        prop_assert_eq!(parse_kdf_parameters(&kdf_parameters_blob(h)).unwrap(), h);
    }

    #[test]
    fn cng_blob_parsers_never_panic(which in 0u8..3, bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        let r = match which {
            0 => DhGroup::from_dhpm(&bytes).map(|_| ()),
            1 => PublicKeyBlob::parse(&bytes).map(|_| ()),
            _ => parse_kdf_parameters(&bytes).map(|_| ()),
        };
        if let Err(e) = r {
            assert_clean_error(&e, bytes.len(), "CNG blob");
        }
    }

    #[test]
    fn laps_headers_round_trip(ticks in any::<u64>(), body in proptest::collection::vec(any::<u8>(), 0..64), extra in 0usize..8) {
        let h = LapsHeader { update_time: FileTime::from_ticks(ticks), encrypted_size: body.len() as u32, reserved: 0 };
        let mut value = h.to_bytes().to_vec();
        value.extend_from_slice(&body);
        value.extend(std::iter::repeat_n(0xee, extra)); // trailing bytes are tolerated
        let (back, blob) = LapsHeader::split(&value).unwrap();
        prop_assert_eq!(back, h);
        prop_assert_eq!(blob, &body[..]);
    }

    #[test]
    fn credentials_round_trip_through_json_and_plaintext(account in "\\PC{0,20}", password in "\\PC{0,40}", ticks in any::<u64>()) {
        let c = LapsCredential::new(account, Password::from(password.as_str()), FileTime::from_ticks(ticks));
        prop_assert_eq!(LapsCredential::from_json(&c.to_json()).unwrap(), c.clone());
        let pt = c.to_plaintext();
        prop_assert_eq!(&pt[pt.len() - 2..], &[0u8, 0][..]);
        prop_assert_eq!(LapsCredential::from_plaintext(&pt).unwrap(), c);
    }

    /// Readers accept any valid JSON: key order, escapes and extra fields do not matter.
    #[test]
    fn credential_reader_is_tolerant(account in "\\PC{0,12}", password in "\\PC{0,24}", ticks in any::<u64>(), order in 0usize..6) {
        let n = serde_json::to_string(&account).unwrap();
        let p = serde_json::to_string(&password).unwrap().replace('a', "\\u0061");
        let t = format!("\"{:X}\"", ticks);
        let fields = [format!("\"n\":{n}"), format!("\"p\":{p}"), format!("\"t\":{t}")];
        let perm = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]][order];
        let json = format!("{{ {}, {}, \"x\": [1], {} }}", fields[perm[0]], fields[perm[1]], fields[perm[2]]);
        let c = LapsCredential::from_json(&json).unwrap();
        prop_assert_eq!(c.account, account);
        prop_assert_eq!(c.password.expose(), password.as_str());
        prop_assert_eq!(c.update_time.ticks(), ticks);
    }

    #[test]
    fn sids_and_guids_round_trip(authority in 0u64..(1 << 48), subs in proptest::collection::vec(any::<u32>(), 0..=15), guid in any::<[u8; 16]>()) {
        let sid = Sid::new(authority, &subs).unwrap();
        prop_assert_eq!(sid.to_string().parse::<Sid>().unwrap(), sid);
        let g = Guid::from_bytes_le(guid);
        prop_assert_eq!(g.to_string().parse::<Guid>().unwrap(), g);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Group key envelopes of every vector root-key configuration re-encode byte for byte.
    #[test]
    fn group_key_envelopes_round_trip(key in 0usize..8, index in index(), public in any::<bool>(), domain in "[a-z.]{1,20}") {
        let roots = common::load("laps_attribute.json")["root_keys"].as_object().unwrap().values().cloned().collect::<Vec<_>>();
        let root = common::root_key(&roots[key % roots.len()]);
        // The public-key envelope needs a DH/ECDH public key: keep those to the ECDH roots (fast in debug builds).
        let public = public && root.secret_agreement() != SecretAgreement::Dh;
        let sid: Sid = sample::SID.parse().unwrap();
        let gke = GroupKeyEnvelope::from_root_key(&root, &sid, index, &domain, &domain, public).unwrap();
        let bytes = gke.to_bytes();
        let back = GroupKeyEnvelope::parse(&bytes).unwrap();
        prop_assert_eq!(back.to_bytes(), bytes);
        prop_assert_eq!(back, gke);
    }

    /// encrypt → decrypt is the identity on the seed path (fast), for any SID, time and content.
    #[test]
    fn encrypt_then_decrypt_is_the_identity(
        subs in proptest::collection::vec(any::<u32>(), 1..=15),
        ticks in 0u64..(1 << 62),
        account in "\\PC{0,16}",
        password in "\\PC{1,32}",
        blob in proptest::collection::vec(any::<u8>(), 0..200),
        seed in any::<[u8; 32]>(),
    ) {
        let sid = Sid::new(5, &subs).unwrap();
        let now = FileTime::from_ticks(ticks);
        let root = sample::root_key();
        let gke = GroupKeyEnvelope::from_root_key(&root, &sid, KeyIndex::from_filetime(now), "contoso.com", "contoso.com", false).unwrap();
        let store = KeyStore::new();
        store.add_root_key(root);
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        let cred = LapsCredential::new(account, Password::from(password.as_str()), now);
        let value = encrypt::encrypt_credential(&gke, &sid, &cred, &mut rng).unwrap();
        prop_assert_eq!(store.decrypt_attribute(&value).unwrap(), cred);
        let b = encrypt::encrypt_blob(&gke, &sid, &blob, &mut rng).unwrap();
        let back = store.decrypt_blob(&b).unwrap();
        prop_assert_eq!(back.as_bytes(), &blob[..]);
    }
}
