//! Batch planning: values grouped by (SID, root key, L0), one GetKey per group asking for the
//! group's highest (L1, L2), unplannable values reported by index.

use laps_core::FileTime;
use laps_crypto::{sample, GroupKeyEnvelope, KeyIndex, Sid};
use laps_rpc::batch::{key_group, plan};
use laps_rpc::ErrorDetail;
use rand_core::SeedableRng;

fn blob(sid: &Sid, l0: i32, l1: i32, l2: i32, seed: u64) -> Vec<u8> {
    let gke = GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        sid,
        KeyIndex { l0, l1, l2 },
        sample::DOMAIN,
        sample::DOMAIN,
        false,
    )
    .unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    laps_crypto::encrypt_blob(&gke, sid, b"value", &mut rng).unwrap()
}

#[test]
fn plan_makes_one_call_per_sid_root_key_l0_group_asking_the_highest_l1_l2() {
    let a: Sid = sample::SID.parse().unwrap();
    let b: Sid = "S-1-5-21-1-2-3-1105".parse().unwrap();
    let values = vec![
        blob(&a, 363, 9, 3, 1),
        blob(&a, 363, 9, 16, 2),
        blob(&a, 363, 10, 0, 3),
        blob(&b, 363, 9, 5, 4),
        b"not a blob".to_vec(),
        blob(&a, 363, 9, 7, 5),
        blob(&a, 364, 0, 2, 6),
    ];
    let p = plan(&values, true);
    assert_eq!(p.calls.len(), 3);
    let first = p
        .calls
        .iter()
        .find(|c| c.group.sid == a && c.group.l0 == 363)
        .unwrap();
    assert_eq!((first.l1, first.l2), (10, 0));
    assert_eq!(first.members, vec![0, 1, 2, 5]);
    let request = first.request();
    assert_eq!((request.l0, request.l1, request.l2), (363, 10, 0));
    assert_eq!(request.root_key_id, Some(first.group.root_key_id));
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].0, 4);
    assert_eq!(p.errors[0].1.detail(), ErrorDetail::Crypto);
    let served: usize = p.calls.iter().map(|c| c.members.len()).sum();
    assert_eq!(served, 6);
}

/// The plan is minimal only if the envelope of each call decrypts every member: older L2s of
/// the same L1 and older L1s of the same L0, whether the asked L2 is 31 or not.
#[test]
fn the_envelope_of_each_planned_call_decrypts_all_its_members() {
    let sid: Sid = sample::SID.parse().unwrap();
    for top in [(17, 4), (17, 31), (0, 9)] {
        let mut values = vec![blob(&sid, 363, top.0, top.1, 100)];
        for (n, l1) in (0..top.0).step_by(4).enumerate() {
            for l2 in [0, 13, 31] {
                values.push(blob(&sid, 363, l1, l2, n as u64 * 32 + l2 as u64));
            }
        }
        for l2 in 0..top.1 {
            values.push(blob(&sid, 363, top.0, l2, 1000 + l2 as u64));
        }
        let p = plan(&values, true);
        assert_eq!(p.calls.len(), 1, "{top:?}");
        let call = &p.calls[0];
        assert_eq!((call.l1, call.l2), top);
        let r = call.request();
        let gke = GroupKeyEnvelope::from_root_key(
            &sample::root_key(),
            &sid,
            KeyIndex {
                l0: r.l0,
                l1: r.l1,
                l2: r.l2,
            },
            sample::DOMAIN,
            sample::DOMAIN,
            false,
        )
        .unwrap();
        // Only what a GetKey answer carries: the envelope's wire form, no root key.
        let store = laps_crypto::KeyStore::new();
        store
            .add_envelope_bytes_for_sid(&gke.to_bytes(), &sid)
            .unwrap();
        for (i, v) in values.iter().enumerate() {
            let out = store.decrypt_blob(v);
            assert!(out.is_ok(), "{top:?}: value {i}: {:?}", out.err());
        }
    }
}

#[test]
fn key_group_reads_attribute_values_and_blobs_alike() {
    let sid: Sid = sample::SID.parse().unwrap();
    let b = blob(&sid, 363, 9, 16, 9);
    let (g, index) = key_group(&b, true).unwrap();
    assert_eq!((&g.sid, g.l0), (&sid, 363));
    assert_eq!((index.l0, index.l1, index.l2), (363, 9, 16));
    let value = laps_crypto::encrypt_attribute(
        &GroupKeyEnvelope::from_root_key(
            &sample::root_key(),
            &sid,
            KeyIndex {
                l0: 363,
                l1: 9,
                l2: 16,
            },
            sample::DOMAIN,
            sample::DOMAIN,
            false,
        )
        .unwrap(),
        &sid,
        FileTime::from_ticks(0x01dbccc8e4925c5d),
        b"{}",
        &mut rand_chacha::ChaCha20Rng::seed_from_u64(1),
    )
    .unwrap();
    assert_eq!(key_group(&value, false).unwrap(), (g, index));
    // A bare blob read as an attribute value (or the reverse) does not parse.
    assert!(key_group(&b, false).is_err());
}
