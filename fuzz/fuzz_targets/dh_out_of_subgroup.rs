//! DH public values outside the order-q subgroup of RFC 5114 §2.3. An honest
//! public-key value is re-keyed to a forged ephemeral value `y` — of order 2, 7, 13, 2549 or
//! 142031, of order 2q, a cofactor element `h^q`, or arbitrary bytes below p — with the content
//! key wrapped under `y^e` for `e` = the full private key `x` (what Windows computes), `x mod q`
//! (the audited shortcut), or `x` plus an offset. Invariant: the store decrypts exactly when the
//! wrap used Windows' shared secret, i.e. when `y^e == y^x` (checked against crypto-bigint's
//! `DynResidue::pow`, not our own exponentiation); otherwise `DecryptionFailed`, and a `y` outside
//! `1 < y < p − 1` is `InvalidKey`. By root key and by seed envelope.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, NonZero, U2048, U256, U512};
use laps_core::{FileTime, Password};
use laps_crypto::hazmat::cms::DpapiNgBlob;
use laps_crypto::hazmat::cng::{DhGroup, PublicKeyBlob, SecretAgreement, RFC5114_Q};
use laps_crypto::hazmat::content::{public_kek, wrap_cek};
use laps_crypto::hazmat::{agreement, seed};
use laps_crypto::key_identifier::KeyInfo;
use laps_crypto::{
    encrypt, Error, GroupKeyEnvelope, KeyIdentifier, KeyIndex, KeyStore, LapsCredential, RootKey,
    Sid,
};
use libfuzzer_sys::fuzz_target;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// The prime factors of (p − 1)/q below 2^18.
const SMALL_ORDERS: [u64; 5] = [2, 7, 13, 2549, 142_031];

#[derive(Debug, Arbitrary)]
struct Input {
    /// 0..=4: order SMALL_ORDERS[kind]; 5: order 2q; 6: h^q; else: bytes below p.
    kind: u8,
    /// Material for the element (a base, an exponent or the raw bytes' RNG seed).
    h: [u8; 32],
    /// 0: wrap under y^x; 1: under y^(x mod q); else: under y^(x + wrap).
    wrap: u8,
    via_envelope: bool,
    key: u8,
    l2: u8,
    rng_seed: u64,
}

fn p() -> U2048 {
    U2048::from_be_slice(DhGroup::rfc5114_2048().p())
}

/// `base^exponent mod p` by crypto-bigint (the reference, independent of laps-crypto's).
fn pow(base: &U2048, exponent: &[u8]) -> U2048 {
    let mut e = [0u8; 256];
    e[256 - exponent.len()..].copy_from_slice(exponent);
    let params = DynResidueParams::new(&p());
    DynResidue::new(base, params)
        .pow_bounded_exp(&U2048::from_be_slice(&e), exponent.len() * 8)
        .retrieve()
}

/// The forged element, or `None` when it degenerates to 1 (nothing to test).
fn element(kind: u8, h: &[u8; 32]) -> Option<U2048> {
    let p = p();
    let mut h_wide = [0u8; 256];
    h_wide[224..].copy_from_slice(h);
    let base = U2048::from_be_slice(&h_wide).wrapping_add(&U2048::from_u64(2));
    let q = q().to_be_bytes();
    let y = match kind {
        0..=4 => {
            let r = U2048::from_u64(SMALL_ORDERS[kind as usize]);
            let e = p.wrapping_sub(&U2048::ONE).wrapping_div(&r);
            pow(&base, &e.to_be_bytes())
        }
        5 => {
            let g = U2048::from_be_slice(DhGroup::rfc5114_2048().g());
            p.wrapping_sub(&pow(&g, h))
        }
        6 => pow(&base, &q),
        _ => {
            let mut bytes = [0u8; 256];
            rand_chacha::ChaCha20Rng::from_seed(*h).fill_bytes(&mut bytes);
            bytes[0] &= 0x7f; // below p (p starts with 0x87)
            U2048::from_be_slice(&bytes)
        }
    };
    (y != U2048::ONE).then_some(y)
}

fn q() -> U256 {
    U256::from_be_hex(RFC5114_Q)
}

fn x_mod_q(x: &[u8]) -> Vec<u8> {
    let q = NonZero::new(q().resize::<{ U512::LIMBS }>()).expect("q > 0");
    U512::from_be_slice(x).rem(&q).to_be_bytes().to_vec()
}

fn x_plus(x: &[u8], offset: u8) -> Vec<u8> {
    let sum = U512::from_be_slice(x).wrapping_add(&U512::from_u8(offset));
    sum.to_be_bytes().to_vec()
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let rfc5114 = DhGroup::rfc5114_2048();
    let dh_keys: Vec<&RootKey> = winlaps_fuzz::root_keys()
        .iter()
        .filter(|k| k.secret_agreement() == SecretAgreement::Dh && k.dh_group() == Some(&rfc5114))
        .collect();
    let root = dh_keys[input.key as usize % dh_keys.len()];
    let Some(y) = element(input.kind, &input.h) else {
        return;
    };
    let sid: Sid = "S-1-5-21-1004336348-1177238915-682003330-512"
        .parse()
        .expect("SID");
    let now = FileTime::from_ticks(0x1dc5e0c8a2b4000);
    let at = KeyIndex {
        l2: i32::from(input.l2 % 32),
        ..KeyIndex::from_filetime(now)
    };
    let gke = |public| {
        GroupKeyEnvelope::from_root_key(root, &sid, at, "contoso.com", "contoso.com", public)
            .expect("envelope")
    };
    // The honest value and its CEK (the first 32 bytes the encryptor draws).
    let credential = LapsCredential::new("Administrator", Password::from("Fuzz#1"), now);
    let rng = rand_chacha::ChaCha20Rng::seed_from_u64(input.rng_seed);
    let mut cek = [0u8; 32];
    rng.clone().fill_bytes(&mut cek);
    let honest = encrypt::encrypt_credential(&gke(true), &sid, &credential, &mut rng.clone())
        .expect("encrypt");
    let blob = DpapiNgBlob::parse(&honest[16..], 16).expect("own value parses");
    let (recipient, _) = blob.sid_recipients().next().expect("one recipient");
    let ki = KeyIdentifier::parse(&recipient.key_identifier).expect("KeyIdentifier");
    let KeyInfo::PublicKey(PublicKeyBlob::Dh { y: honest_y, .. }) = &ki.key_info else {
        panic!("a DH root key gives a DH value");
    };

    // The forger's shared secret and the one Windows computes.
    let l2 = gke(false).l2_seed(at).expect("own index");
    let x = seed::group_private_key(
        root.kdf_hash(),
        &l2,
        SecretAgreement::Dh,
        root.private_key_bits(),
    );
    let exponent = match input.wrap {
        0 => x.to_vec(),
        1 => x_mod_q(&x),
        n => x_plus(&x, n),
    };
    let (z_forged, z_windows) = (pow(&y, &exponent), pow(&y, &x));
    let z_bytes = z_forged.to_be_bytes();
    let kek = public_kek(
        root.kdf_hash(),
        &agreement::concat_kdf_output(SecretAgreement::Dh, &z_bytes),
    );
    let wrapped = wrap_cek(&kek, &cek).expect("wrap");

    // Splice: the ephemeral key and the wrapped key have fixed lengths.
    let mut forged = honest.clone();
    let replace = |v: &mut Vec<u8>, old: &[u8], new: &[u8]| {
        let at = v
            .windows(old.len())
            .position(|w| w == old)
            .expect("present");
        v[at..at + new.len()].copy_from_slice(new);
    };
    replace(&mut forged, honest_y, &y.to_be_bytes());
    replace(&mut forged, &recipient.encrypted_key, &wrapped);

    let store = KeyStore::new();
    if input.via_envelope {
        store.add_group_key_envelope(gke(false));
    } else {
        store.add_root_key(root.clone());
    }
    let in_range = y > U2048::ONE && y < p().wrapping_sub(&U2048::ONE);
    match store.decrypt_attribute(&forged) {
        Ok(c) => {
            assert!(in_range, "y out of range accepted");
            assert_eq!(
                z_forged, z_windows,
                "decrypted under a secret Windows does not compute"
            );
            assert_eq!(c, credential);
        }
        Err(Error::InvalidKey(_)) => assert!(!in_range, "in-range y refused as InvalidKey"),
        Err(Error::DecryptionFailed) => {
            assert!(in_range);
            assert_ne!(z_forged, z_windows, "Windows' secret refused");
        }
        Err(e) => panic!("unexpected error {e:?}"),
    }
});
