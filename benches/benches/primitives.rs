//! The building blocks of a decryption, each alone: attribute parse, the seed-key walk, the KEK
//! of every path, AES key unwrap, AES-GCM, and the physical limit (one bare 2048-bit modexp in
//! laps-crypto's bignum, and in crypto-bigint for reference).
//! `compare.py` divides the full-path times of `decrypt.rs` by these.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use laps_crypto::hazmat::cng::{PublicKeyBlob, SecretAgreement};
use laps_crypto::hazmat::content::{
    gcm_decrypt, gcm_encrypt, private_kek, public_kek, unwrap_cek, wrap_cek,
};
use laps_crypto::hazmat::{agreement, seed};
use laps_crypto::sid::target_security_descriptor;
use laps_crypto::{parse_encrypted_attribute, KdfHash, KeyIndex, KeyStore};
use winlaps_benches::limits::{CryptoBigintModexp, DhModexp};
use winlaps_benches::{scaled, Fleet, KeyPath};

/// An index in the middle of an L0 period: 16 L1 steps and 16 L2 steps from the top.
const MID: KeyIndex = KeyIndex {
    l0: 361,
    l1: 15,
    l2: 15,
};

fn limits(c: &mut Criterion) {
    let mut g = c.benchmark_group("modexp_2048");
    g.throughput(Throughput::Elements(1));
    for bits in [512, 256] {
        let m = DhModexp::rfc5114(bits);
        g.bench_function(format!("exp{bits}"), |b| b.iter(|| black_box(m.run())));
    }
    let m = CryptoBigintModexp::rfc5114(512);
    g.bench_function("crypto_bigint_exp512", |b| b.iter(|| black_box(m.run())));
    g.finish();
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse_attribute");
    g.throughput(Throughput::Elements(1));
    for path in KeyPath::ALL {
        let fleet = Fleet::cached(path, scaled(64, 2));
        let mut i = 0;
        g.bench_function(path.label(), |b| {
            b.iter(|| {
                i = (i + 1) % fleet.values.len();
                parse_encrypted_attribute(black_box(&fleet.values[i])).unwrap()
            })
        });
    }
    g.finish();
}

fn seed_walk(c: &mut Criterion) {
    let fleet = Fleet::cached(KeyPath::Private, scaled(64, 2));
    let (h, id, data) = (fleet.root.kdf_hash(), fleet.root.id(), fleet.root.data());
    let sd = target_security_descriptor(&fleet.sid);
    let mut g = c.benchmark_group("seed_walk");
    // Cold: L0 → L1(31) → L1(15) → L2(15, 31) → L2(15, 15), 34 SP 800-108 derivations.
    g.bench_function("cold_chain_mid_index", |b| {
        b.iter(|| seed::seed_chain(h, black_box(data), id, &sd, black_box(MID)))
    });
    // One step of the tree: what a warm cache pays at most per new L2 key.
    let l2 = seed::seed_chain(h, data, id, &sd, MID).l2;
    g.bench_function("one_step", |b| {
        b.iter(|| {
            seed::derive(
                h,
                black_box(l2.as_bytes()),
                id,
                MID.l0,
                MID.l1,
                MID.l2 - 1,
                &[],
            )
        })
    });
    // Through the store: the fleet's keys, cold (fresh store) and cached.
    g.throughput(Throughput::Elements(fleet.values.len() as u64));
    g.bench_function("store_fleet_cold", |b| {
        b.iter_batched(
            || fleet.key_store(),
            |store: KeyStore| {
                for v in &fleet.values {
                    store.decrypt_attribute(v).unwrap();
                }
                store
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// The private key of the group key at [`MID`] and an encryptor's ephemeral public key.
fn dh_like_inputs(path: KeyPath) -> (Vec<u8>, PublicKeyBlob, SecretAgreement) {
    let fleet = Fleet::cached(path, 1);
    let root = &fleet.root;
    let chain = seed::seed_chain(
        root.kdf_hash(),
        root.data(),
        root.id(),
        &target_security_descriptor(&fleet.sid),
        MID,
    );
    let alg = root.secret_agreement();
    let x = seed::group_private_key(root.kdf_hash(), &chain.l2, alg, root.private_key_bits());
    // The ephemeral key: any in-range scalar (the last byte of a KDF output, made odd, works).
    let mut r = seed::group_private_key(root.kdf_hash(), &chain.l1, alg, root.private_key_bits());
    r[0] &= 0x7f;
    let peer = agreement::public_key(alg, root.dh_group(), &r).unwrap();
    (x.to_vec(), peer, alg)
}

fn kek(c: &mut Criterion) {
    let mut g = c.benchmark_group("kek");
    g.throughput(Throughput::Elements(1));
    let fleet = Fleet::cached(KeyPath::Private, 1);
    let l2 = seed::seed_chain(
        KdfHash::Sha512,
        fleet.root.data(),
        fleet.root.id(),
        &target_security_descriptor(&fleet.sid),
        MID,
    )
    .l2;
    let nonce = [0x42u8; 32];
    g.bench_function("private", |b| {
        b.iter(|| private_kek(KdfHash::Sha512, black_box(&l2), black_box(&nonce)))
    });
    for path in [KeyPath::Dh, KeyPath::P256, KeyPath::P384] {
        let (x, peer, alg) = dh_like_inputs(path);
        let kek_of = |x: &[u8]| {
            let z = agreement::shared_secret(x, &peer).unwrap();
            public_kek(KdfHash::Sha512, &agreement::concat_kdf_output(alg, &z))
        };
        // DH: the full 512-bit private exponent, as the store computes it for every peer value
        // (the `x mod q` shortcut is only right inside the order-q subgroup).
        g.bench_function(path.label(), |b| b.iter(|| kek_of(black_box(&x))));
    }
    g.finish();
}

fn content(c: &mut Criterion) {
    let mut g = c.benchmark_group("content");
    g.throughput(Throughput::Elements(1));
    let (kek, cek) = ([7u8; 32], [9u8; 32]);
    let wrapped = wrap_cek(&kek, &cek).unwrap();
    g.bench_function("aes_kw_unwrap", |b| {
        b.iter(|| unwrap_cek(black_box(&kek), black_box(&wrapped)).unwrap())
    });
    // The Windows LAPS plaintext: UTF-16LE JSON, about 130 characters.
    let plaintext = vec![0x41u8; 262];
    let nonce = [3u8; 12];
    let ct = gcm_encrypt(&cek, &nonce, &plaintext).unwrap();
    g.bench_function("gcm_decrypt_262B", |b| {
        b.iter(|| gcm_decrypt(black_box(&cek), &nonce, black_box(&ct)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, limits, parse, seed_walk, kek, content);
criterion_main!(benches);
