//! Batch planning: values grouped by (SID, root key, L0, L1), one GetKey per group asking for
//! the group's highest L2, unplannable values reported by index.

use laps_core::FileTime;
use laps_crypto::{sample, GroupKeyEnvelope, KeyIndex, Sid};
use laps_rpc::batch::{key_group, plan};
use laps_rpc::ErrorKind;
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
fn plan_makes_one_call_per_sid_root_key_l0_l1_group_asking_the_highest_l2() {
    let a: Sid = sample::SID.parse().unwrap();
    let b: Sid = "S-1-5-21-1-2-3-1105".parse().unwrap();
    let values = vec![
        blob(&a, 363, 9, 3, 1),
        blob(&a, 363, 9, 16, 2),
        blob(&a, 363, 10, 0, 3),
        blob(&b, 363, 9, 5, 4),
        b"not a blob".to_vec(),
        blob(&a, 363, 9, 7, 5),
    ];
    let p = plan(&values, true);
    assert_eq!(p.calls.len(), 3);
    let first = p
        .calls
        .iter()
        .find(|c| c.group.sid == a && c.group.l1 == 9)
        .unwrap();
    assert_eq!(first.l2, 16);
    assert_eq!(first.members, vec![0, 1, 5]);
    assert_eq!(first.request().l2, 16);
    assert_eq!(first.request().root_key_id, Some(first.group.root_key_id));
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].0, 4);
    assert_eq!(p.errors[0].1.kind(), ErrorKind::Crypto);
    let served: usize = p.calls.iter().map(|c| c.members.len()).sum();
    assert_eq!(served, 5);
}

#[test]
fn key_group_reads_attribute_values_and_blobs_alike() {
    let sid: Sid = sample::SID.parse().unwrap();
    let b = blob(&sid, 363, 9, 16, 9);
    let (g, l2) = key_group(&b, true).unwrap();
    assert_eq!((&g.sid, g.l0, g.l1, l2), (&sid, 363, 9, 16));
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
    assert_eq!(key_group(&value, false).unwrap(), (g, 16));
    // A bare blob read as an attribute value (or the reverse) does not parse.
    assert!(key_group(&b, false).is_err());
}
