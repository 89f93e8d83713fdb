//! The laps-crypto audit: out-of-subgroup DH values, envelope choice by SID, cost
//! bounds and stale seeds. Each test names the finding it pins.

use crypto_bigint::{Encoding, NonZero, U2048, U512};
use laps_core::{FileTime, Password};
use laps_crypto::hazmat::cms::DpapiNgBlob;
use laps_crypto::hazmat::cng::{DhGroup, PublicKeyBlob, SecretAgreement, RFC5114_Q};
use laps_crypto::hazmat::content::{public_kek, unwrap_cek, wrap_cek};
use laps_crypto::hazmat::{agreement, seed};
use laps_crypto::key_identifier::KeyInfo;
use laps_crypto::{
    encrypt, Error, GroupKeyEnvelope, KdfHash, KeyIdentifier, KeyIndex, KeyStore, LapsCredential,
    RootKey, Sid, MAX_SID_RECIPIENTS,
};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::sync::{Arc, Barrier};

const ROOT_ID: &str = "5a9fdd4c-8dba-4b6a-a4c4-5b6d3f0c0e11";
const SID_A: &str = "S-1-5-21-1004336348-1177238915-682003330-512";
const SID_B: &str = "S-1-5-21-1004336348-1177238915-682003330-1601";

fn root(data: u8) -> RootKey {
    RootKey::new(ROOT_ID.parse().unwrap(), &[data; 64]).unwrap()
}

fn sid(s: &str) -> Sid {
    s.parse().unwrap()
}

fn index(l2: i32) -> KeyIndex {
    KeyIndex {
        l0: 362,
        l1: 20,
        l2,
    }
}

fn credential() -> LapsCredential {
    LapsCredential::new(
        "Administrator",
        Password::from("q7#Lm2!vX"),
        FileTime::from_ticks(0x1dc5e0c8a2b4000),
    )
}

fn envelope(root: &RootKey, sid: &Sid, at: KeyIndex, public: bool) -> GroupKeyEnvelope {
    GroupKeyEnvelope::from_root_key(root, sid, at, "contoso.com", "contoso.com", public).unwrap()
}

/// A value encrypted to `sid` at `at`, and the CEK the encryption drew (the first 32 bytes of
/// the RNG stream, see `encrypt.rs`).
fn encrypt_with_cek(
    root: &RootKey,
    sid: &Sid,
    at: KeyIndex,
    public: bool,
    seed: u64,
) -> (Vec<u8>, [u8; 32]) {
    let rng = ChaCha20Rng::seed_from_u64(seed);
    let mut cek = [0u8; 32];
    rng.clone().fill_bytes(&mut cek);
    let value = encrypt::encrypt_credential(
        &envelope(root, sid, at, public),
        sid,
        &credential(),
        &mut rng.clone(),
    )
    .unwrap();
    (value, cek)
}

fn encrypt_to(root: &RootKey, sid: &Sid, at: KeyIndex, public: bool) -> Vec<u8> {
    encrypt_with_cek(root, sid, at, public, 7).0
}

/// The one KEK recipient's KeyIdentifier and wrapped key.
fn recipient(value: &[u8]) -> (KeyIdentifier, Vec<u8>) {
    let blob = DpapiNgBlob::parse(&value[16..], 16).unwrap();
    let (k, _) = blob.sid_recipients().next().unwrap();
    (
        KeyIdentifier::parse(&k.key_identifier).unwrap(),
        k.encrypted_key.clone(),
    )
}

fn ephemeral_y(value: &[u8]) -> Vec<u8> {
    match recipient(value).0.key_info {
        KeyInfo::PublicKey(PublicKeyBlob::Dh { y, .. }) => y,
        other => panic!("not a DH value: {other:?}"),
    }
}

/// Replaces the one occurrence of `old` in `v` by `new` (same length).
fn replace_once(v: &mut [u8], old: &[u8], new: &[u8]) {
    let at: Vec<usize> = v
        .windows(old.len())
        .enumerate()
        .filter(|(_, w)| *w == old)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "the bytes to replace must occur once");
    v[at[0]..at[0] + new.len()].copy_from_slice(new);
}

/// The DH group private key `x` (512 bits) of `sid` at `at`.
fn group_private_key(root: &RootKey, sid: &Sid, at: KeyIndex) -> Vec<u8> {
    let l2 = envelope(root, sid, at, false).l2_seed(at).unwrap();
    seed::group_private_key(KdfHash::Sha512, &l2, SecretAgreement::Dh, 512).to_vec()
}

fn x_mod_q(x: &[u8]) -> Vec<u8> {
    let q = U512::from_be_slice(&[vec![0u8; 32], hex::decode(RFC5114_Q).unwrap()].concat());
    let r = U512::from_be_slice(x).rem(&NonZero::new(q).unwrap());
    r.to_be_bytes()[32..].to_vec()
}

fn dh(y: &[u8], exponent: &[u8]) -> laps_crypto::Result<Vec<u8>> {
    let peer = PublicKeyBlob::Dh {
        group: DhGroup::rfc5114_2048(),
        y: y.to_vec(),
    };
    agreement::shared_secret(exponent, &peer).map(|z| z.to_vec())
}

fn kek_from_z(z: &[u8]) -> [u8; 32] {
    *public_kek(
        KdfHash::Sha512,
        &agreement::concat_kdf_output(SecretAgreement::Dh, z),
    )
}

/// `3^((p−1)/r) mod p`: an element of order `r` for a prime `r` dividing `(p−1)/q`.
fn element_of_order(r: u64) -> Vec<u8> {
    let g = DhGroup::rfc5114_2048();
    let p = U2048::from_be_slice(g.p());
    let e = p
        .wrapping_sub(&U2048::ONE)
        .wrapping_div(&U2048::from_u64(r));
    let mut three = vec![0u8; 256];
    three[255] = 3;
    let y = dh(&three, &e.to_be_bytes()).unwrap();
    assert!(y[..255].iter().any(|&b| b != 0) || y[255] != 1, "order 1");
    y
}

/// `p − g`: order 2q (g has odd prime order q).
fn element_of_order_2q() -> Vec<u8> {
    let g = DhGroup::rfc5114_2048();
    let p = U2048::from_be_slice(g.p());
    p.wrapping_sub(&U2048::from_be_slice(g.g()))
        .to_be_bytes()
        .to_vec()
}

/// `p − 1`: order 2.
fn element_of_order_2() -> Vec<u8> {
    let g = DhGroup::rfc5114_2048();
    U2048::from_be_slice(g.p())
        .wrapping_sub(&U2048::ONE)
        .to_be_bytes()
        .to_vec()
}

/// An honest public-key value with its ephemeral key replaced by `y` and its CEK wrapped under
/// the KEK of `z` (what a writer of the attribute can store).
fn forged(honest: &[u8], cek: &[u8; 32], y: &[u8], z: &[u8]) -> Vec<u8> {
    let mut v = honest.to_vec();
    let (_, wrapped) = recipient(honest);
    replace_once(&mut v, &ephemeral_y(honest), y);
    replace_once(&mut v, &wrapped, &wrap_cek(&kek_from_z(z), cek).unwrap());
    v
}

fn stores(root_key: &RootKey, s: &Sid, at: KeyIndex) -> [KeyStore; 2] {
    let by_root = KeyStore::new();
    by_root.add_root_key(root_key.clone());
    let by_envelope = KeyStore::new();
    by_envelope.add_group_key_envelope(envelope(root_key, s, at, false));
    [by_root, by_envelope]
}

/// Finding 1: a public value outside the order-q subgroup must be raised to the full private
/// key, as Windows does (CNG has no q: the DH blobs carry only p and g). A value wrapped under
/// `y^(x mod q)` — what the audited shortcut computed — is refused; one wrapped under `y^x`
/// (Windows' result) decrypts. Elements of order 7, 13 and 2q; order 2 (y = p − 1) fails the
/// range check whichever way it is wrapped.
#[test]
fn out_of_subgroup_dh_values_are_raised_to_the_full_private_key() {
    let (root_key, s) = (root(0x31), sid(SID_A));
    let elements = [
        ("order 7", element_of_order(7)),
        ("order 13", element_of_order(13)),
        ("order 2q", element_of_order_2q()),
    ];
    // The first index whose private key tells the two exponents apart for every element (for
    // order r that is x ≢ x mod q (mod r)); a test where both wrappings agree would prove nothing.
    let (at, x) = (0..32)
        .map(|l2| (index(l2), group_private_key(&root_key, &s, index(l2))))
        .find(|(_, x)| {
            let xq = x_mod_q(x);
            elements
                .iter()
                .all(|(_, y)| dh(y, x).unwrap() != dh(y, &xq).unwrap())
        })
        .expect("an index where x and x mod q differ modulo 7, 13 and 2");
    let xq = x_mod_q(&x);
    let (honest, cek) = encrypt_with_cek(&root_key, &s, at, true, 11);
    for store in stores(&root_key, &s, at) {
        assert_eq!(store.decrypt_attribute(&honest).unwrap(), credential());
        for (what, y) in &elements {
            let shortcut = forged(&honest, &cek, y, &dh(y, &xq).unwrap());
            assert_eq!(
                store.decrypt_attribute(&shortcut).unwrap_err(),
                Error::DecryptionFailed,
                "{what} wrapped under y^(x mod q)"
            );
            let windows = forged(&honest, &cek, y, &dh(y, &x).unwrap());
            assert_eq!(
                store.decrypt_attribute(&windows).unwrap(),
                credential(),
                "{what} wrapped under y^x"
            );
        }
        let y = element_of_order_2();
        let mut minus_one = honest.clone();
        replace_once(&mut minus_one, &ephemeral_y(&honest), &y);
        assert!(matches!(
            store.decrypt_attribute(&minus_one),
            Err(Error::InvalidKey(_))
        ));
    }
}

/// The generator has order q: g^q = 1, and g^(q+1) = g.
#[test]
fn rfc5114_generator_to_the_q_is_one() {
    let g = DhGroup::rfc5114_2048();
    let q = hex::decode(RFC5114_Q).unwrap();
    let one = dh(g.g(), &q).unwrap();
    assert!(one[..255].iter().all(|&b| b == 0) && one[255] == 1);
    let q1 =
        (U512::from_be_slice(&[vec![0u8; 32], q].concat()).wrapping_add(&U512::ONE)).to_be_bytes();
    assert_eq!(dh(g.g(), &q1).unwrap(), g.g());
}

/// A shared secret with a leading zero byte is fed to the concatenation KDF left-padded to 256
/// bytes (as CNG does; impacket trimmed it and failed on such values). The test searches the
/// seeded encryptions for one whose `Z` starts with 00 and checks the value decrypts and that
/// the trimmed `Z` would give another KEK.
#[test]
fn dh_shared_secret_with_a_leading_zero_byte_is_left_padded() {
    let (root_key, s, at) = (root(0x52), sid(SID_A), index(3));
    let x = group_private_key(&root_key, &s, at);
    let (value, z) = (0..4000u64)
        .map(|seed| encrypt_with_cek(&root_key, &s, at, true, seed).0)
        .map(|v| {
            let z = dh(&ephemeral_y(&v), &x).unwrap();
            (v, z)
        })
        .find(|(_, z)| z[0] == 0)
        .expect("one of 4000 shared secrets starts with 00 (each does with probability 1/135)");
    assert_eq!(z.len(), 256);
    let [store, _] = stores(&root_key, &s, at);
    assert_eq!(store.decrypt_attribute(&value).unwrap(), credential());
    let (_, wrapped) = recipient(&value);
    assert!(unwrap_cek(&kek_from_z(&z), &wrapped).is_ok());
    let trimmed = &z[z.iter().position(|&b| b != 0).unwrap()..];
    assert!(unwrap_cek(&kek_from_z(trimmed), &wrapped).is_err());
}

/// Finding 2: seed envelopes for two SIDs that cover the same (root key, L0, L1, L2). The audited
/// store used the first covering envelope whatever its SID, so [A, B] failed on a value for B.
/// Both orders, both paths, unbound and bound.
#[test]
fn the_envelope_for_the_blobs_sid_is_used_whatever_the_order() {
    let (root_key, a, b, at) = (root(0x63), sid(SID_A), sid(SID_B), index(9));
    let env_a = envelope(&root_key, &a, at, false);
    let env_b = envelope(&root_key, &b, at, false);
    for public in [false, true] {
        let for_a = encrypt_to(&root_key, &a, at, public);
        let for_b = encrypt_to(&root_key, &b, at, public);
        for order in [[&env_a, &env_b], [&env_b, &env_a]] {
            let unbound = KeyStore::new();
            let bound = KeyStore::new();
            for e in order {
                unbound.add_group_key_envelope(e.clone());
                let owner = if *e == env_a { &a } else { &b };
                bound.add_envelope_for_sid(e.clone(), owner);
            }
            for store in [&unbound, &bound] {
                assert_eq!(store.envelope_count(), 2);
                assert_eq!(store.decrypt_attribute(&for_b).unwrap(), credential());
                assert_eq!(store.decrypt_attribute(&for_a).unwrap(), credential());
            }
        }
    }
    // An envelope bound to another SID is not tried: the key for B is missing.
    let only_a = KeyStore::new();
    only_a.add_envelope_for_sid(env_a.clone(), &a);
    assert!(matches!(
        only_a.decrypt_attribute(&encrypt_to(&root_key, &b, at, false)),
        Err(Error::KeyNotCovered { .. })
    ));
}

/// Envelopes are de-duplicated: the same envelope added again, or an older one of the same SID
/// (whose keys the stored one derives), is not stored twice; a newer one replaces the older.
#[test]
fn envelopes_are_deduplicated_and_newer_ones_replace_older_ones() {
    let (root_key, a, b) = (root(0x74), sid(SID_A), sid(SID_B));
    let store = KeyStore::new();
    for _ in 0..100 {
        store.add_group_key_envelope(envelope(&root_key, &a, index(5), false));
    }
    assert_eq!(store.envelope_count(), 1);
    store.add_group_key_envelope(envelope(&root_key, &a, index(2), false));
    assert_eq!(
        store.envelope_count(),
        1,
        "an older envelope of the same SID"
    );
    store.add_group_key_envelope(envelope(&root_key, &a, index(30), false));
    assert_eq!(
        store.envelope_count(),
        1,
        "a newer envelope replaces the older"
    );
    let old = encrypt_to(&root_key, &a, index(5), false);
    let new = encrypt_to(&root_key, &a, index(30), false);
    assert_eq!(store.decrypt_attribute(&old).unwrap(), credential());
    assert_eq!(store.decrypt_attribute(&new).unwrap(), credential());
    // Another SID's envelope at the same index is kept beside it.
    store.add_group_key_envelope(envelope(&root_key, &b, index(30), false));
    assert_eq!(store.envelope_count(), 2);
    // Public-key envelopes cannot decrypt and are not stored (their root key is known).
    store.add_group_key_envelope(envelope(&root_key, &a, index(31), true));
    assert_eq!(store.envelope_count(), 2);
}

/// Minimal DER writer for the recipient-count test.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = n.to_be_bytes();
        let skip = len.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (len.len() - skip) as u8);
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// `(tag, content, rest)` of the first TLV of `b`.
fn split_der(b: &[u8]) -> (u8, &[u8], &[u8]) {
    let (len, header) = if b[1] < 0x80 {
        (b[1] as usize, 2)
    } else {
        let n = (b[1] & 0x7f) as usize;
        (
            b[2..2 + n]
                .iter()
                .fold(0usize, |a, &x| (a << 8) | x as usize),
            2 + n,
        )
    };
    (b[0], &b[header..header + len], &b[header + len..])
}

/// A value whose blob repeats its one SID recipient `n` times (`SID=A OR SID=A …`).
fn with_recipients(value: &[u8], n: usize) -> Vec<u8> {
    let (_, ci, trailing) = split_der(&value[16..]);
    let (_, oid, rest) = split_der(ci);
    let (_, explicit, _) = split_der(rest);
    let (_, env, _) = split_der(explicit);
    let (_, version, rest) = split_der(env);
    let (_, set, eci) = split_der(rest);
    let env = der(
        0x30,
        &[der(0x02, version), der(0x31, &set.repeat(n)), eci.to_vec()].concat(),
    );
    let blob = der(0x30, &[der(0x06, oid), der(0xa0, &env)].concat());
    let mut out = value[..16].to_vec();
    out.extend_from_slice(&blob);
    out.extend_from_slice(trailing);
    let size = (out.len() - 16) as u32;
    out[8..12].copy_from_slice(&size.to_le_bytes());
    out
}

/// Finding 3: one value cannot buy unbounded work with many `SID=` recipients.
#[test]
fn sid_recipients_per_value_are_capped() {
    let (root_key, a, at) = (root(0x85), sid(SID_A), index(4));
    let store = KeyStore::new();
    store.add_root_key(root_key.clone());
    let value = encrypt_to(&root_key, &a, at, false);
    let at_cap = with_recipients(&value, MAX_SID_RECIPIENTS);
    assert_eq!(store.decrypt_attribute(&at_cap).unwrap(), credential());
    let over = with_recipients(&value, MAX_SID_RECIPIENTS + 1);
    let before = store.cached_seed_count();
    assert!(matches!(
        store.decrypt_attribute(&over),
        Err(Error::UnsupportedProtector(d)) if d.contains("SID recipients")
    ));
    assert_eq!(store.cached_seed_count(), before, "nothing was derived");
    // A thousand recipients (the audit's 1 MiB value) fail just as fast.
    let huge = with_recipients(&value, 1000);
    let t = std::time::Instant::now();
    assert!(store.decrypt_attribute(&huge).is_err());
    assert!(t.elapsed() < std::time::Duration::from_millis(500));
}

/// Finding 4: a decryption that still holds the old root key while `add_root_key` replaces it
/// must not leave seeds that the new key would use. One thread decrypts values of the old key at
/// 32 L1 indices (32 cold seed walks, each inserting its seeds at the end) while the other
/// replaces the key part-way through; afterwards every value of the new key must decrypt. (The
/// store no longer holds the root-key lock during a walk, so this interleaving now happens;
/// cache keys carry the key's epoch, which is what keeps it harmless.)
#[test]
fn replacing_a_root_key_during_a_decryption_leaves_no_stale_seeds() {
    let (old, new, a) = (root(0x91), root(0x92), sid(SID_A));
    let at = |l1: i32| KeyIndex { l0: 362, l1, l2: 0 };
    let old_values: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..32)
            .map(|l1| encrypt_to(&old, &a, at(l1), false))
            .collect(),
    );
    let new_values: Vec<Vec<u8>> = (0..32)
        .map(|l1| encrypt_to(&new, &a, at(l1), false))
        .collect();
    let store = Arc::new(KeyStore::new());
    for round in 0..40u64 {
        store.add_root_key(old.clone());
        let barrier = Arc::new(Barrier::new(2));
        let decrypting = {
            let (store, barrier, values) = (
                Arc::clone(&store),
                Arc::clone(&barrier),
                Arc::clone(&old_values),
            );
            std::thread::spawn(move || {
                barrier.wait();
                for v in values.iter() {
                    // Old or new key, whichever it finds: the result does not matter here.
                    let _ = store.decrypt_attribute(v);
                }
            })
        };
        barrier.wait();
        // Part-way through the 32 walks (they take a millisecond or more in all).
        std::thread::sleep(std::time::Duration::from_micros(20 + (round * 37) % 1500));
        store.add_root_key(new.clone());
        decrypting.join().unwrap();
        for (l1, v) in new_values.iter().enumerate() {
            assert_eq!(
                store.decrypt_attribute(v).unwrap(),
                credential(),
                "round {round}, L1 {l1}"
            );
        }
    }
}
