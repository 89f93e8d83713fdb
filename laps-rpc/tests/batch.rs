//! Batch planning: values grouped by (SID, root key, L0), one GetKey per group asking for the
//! group's highest (L1, L2), unplannable values reported by index.

use laps_core::FileTime;
use laps_crypto::{sample, GroupKeyEnvelope, KeyIndex, Sid};
use laps_rpc::batch::{key_group, plan, store_envelope, KeyFetch};
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

/// A value without a SID recipient cannot be asked for: the planner gives the error that
/// decrypting it gives, so a binding reports the same kind on both paths.
#[test]
fn key_group_of_a_value_without_a_sid_recipient_is_the_decryption_error() {
    let sid: Sid = sample::SID.parse().unwrap();
    let mut b = blob(&sid, 363, 9, 16, 10);
    let at = b.windows(3).position(|w| w == b"SID").unwrap();
    b[at..at + 3].copy_from_slice(b"SIX");
    let e = key_group(&b, true).unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Crypto);
    assert_eq!(e.kind(), laps_core::ErrorKind::Unsupported);
    let store = laps_crypto::KeyStore::new();
    let decrypting = store.decrypt_blob(&b).unwrap_err();
    assert_eq!(
        e.to_string(),
        laps_rpc::Error::Crypto(decrypting).to_string()
    );
}

/// The envelope a server answers `call` with (`public`: the public-key form).
fn envelope(call: &laps_rpc::batch::PlannedCall, public: bool) -> Vec<u8> {
    GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        &call.group.sid,
        KeyIndex {
            l0: call.group.l0,
            l1: call.l1,
            l2: call.l2,
        },
        sample::DOMAIN,
        sample::DOMAIN,
        public,
    )
    .unwrap()
    .to_bytes()
}

#[test]
fn key_fetch_applies_each_outcome_to_its_group_and_stops_when_the_connection_breaks() {
    let sids: Vec<Sid> = ["S-1-5-21-1-2-3-1101", "S-1-5-21-1-2-3-1102"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    // Four groups (two SIDs × two L0s), two values each, and one value that does not parse.
    let mut values = Vec::new();
    for (n, sid) in sids.iter().enumerate() {
        for l0 in [362, 363] {
            values.push(blob(sid, l0, 3, 1, n as u64));
            values.push(blob(sid, l0, 5, 2, n as u64 + 10));
        }
    }
    values.push(b"junk".to_vec());
    let store = laps_crypto::KeyStore::new();
    let mut fetch = KeyFetch::new(&values, true, |e| e.to_string());
    let mut answered = Vec::new();
    // Call 1: a seed envelope. Call 2: the public key only (access denied). Call 3: a fault
    // the connection survives. Call 4: the connection breaks.
    for step in 0..4 {
        let call = fetch.next_call().unwrap().clone();
        match step {
            0 | 1 => fetch.answer(&store, &envelope(&call, step == 1), |e| e.to_string()),
            2 => fetch.fail("fault".into(), true).unwrap(),
            _ => fetch.fail("broken".into(), false).unwrap(),
        }
        answered.push(call);
    }
    assert!(fetch.next_call().is_none());
    let report = fetch.finish();
    assert_eq!(report.calls, 4);
    for i in &answered[0].members {
        assert!(report.error_of(*i).is_none());
        assert!(store.decrypt_blob(&values[*i]).is_ok());
    }
    for i in &answered[1].members {
        let e = report.error_of(*i).unwrap();
        assert!(e.contains("access denied") && e.contains(&answered[1].group.sid.to_string()));
    }
    for i in &answered[2].members {
        assert_eq!(report.error_of(*i).unwrap(), "fault");
    }
    for i in &answered[3].members {
        assert_eq!(report.error_of(*i).unwrap(), "broken");
    }
    assert!(
        report.error_of(8).is_some(),
        "the value that does not parse"
    );
    // One error object per outcome, shared by the values it concerns.
    assert_eq!(report.errors.len(), 4);
}

#[test]
fn key_fetch_whose_first_call_breaks_the_connection_fails_as_a_whole() {
    let sid: Sid = sample::SID.parse().unwrap();
    let values = [blob(&sid, 362, 1, 1, 1), blob(&sid, 363, 1, 1, 2)];
    let mut fetch = KeyFetch::new(&values, true, |e| e.to_string());
    assert_eq!(
        fetch.fail("refused".to_owned(), false),
        Err("refused".to_owned())
    );
    assert!(fetch.next_call().is_none());

    // A call-scoped failure of the first call is that group's only.
    let mut fetch = KeyFetch::new(&values, true, |e| e.to_string());
    fetch.fail("denied".to_owned(), true).unwrap();
    assert!(fetch.next_call().is_some());
}

#[test]
fn store_envelope_refuses_a_public_key_envelope_naming_the_sid() {
    let sid: Sid = sample::SID.parse().unwrap();
    let values = [blob(&sid, 362, 1, 1, 1)];
    let call = &plan(&values, true).calls[0];
    let store = laps_crypto::KeyStore::new();
    let err = store_envelope(&store, &envelope(call, true), &sid).unwrap_err();
    assert_eq!(err.detail(), ErrorDetail::AccessDenied);
    assert!(err.to_string().contains(sample::SID));
    assert!(store.decrypt_blob(&values[0]).is_err());
    store_envelope(&store, &envelope(call, false), &sid).unwrap();
    assert!(store.decrypt_blob(&values[0]).is_ok());
    assert_eq!(
        store_envelope(&store, b"junk", &sid).unwrap_err().detail(),
        ErrorDetail::Crypto
    );
}

/// A live decryption's two passes: a value whose key is still missing after the fetch ends
/// with the fetch's reason; any other outcome is the value's own.
#[test]
fn decryption_merges_the_second_pass_and_reports_why_a_key_could_not_be_fetched() {
    use laps_core::ErrorKind;
    use laps_crypto::KeyStore;
    use laps_rpc::batch::Decryption;

    let a: Sid = sample::SID.parse().unwrap();
    let b: Sid = "S-1-5-21-1-2-3-1105".parse().unwrap();
    let values = [
        blob(&a, 363, 9, 3, 1),
        b"not a blob".to_vec(),
        blob(&b, 363, 9, 5, 2),
        blob(&a, 363, 9, 7, 3),
    ];
    let decrypt = |store: &KeyStore, values: &[&[u8]]| -> Vec<laps_crypto::Result<Vec<u8>>> {
        (values.iter())
            .map(|v| store.decrypt_blob(v).map(|p| p.as_bytes().to_vec()))
            .collect()
    };
    let all: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
    let store = KeyStore::new();
    let pass = Decryption::new(decrypt(&store, &all));
    assert_eq!(pass.missing(), &[0, 2, 3]);

    // The fetch: SID a's group answered (its seed envelope), SID b's refused.
    let gke = GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        &a,
        KeyIndex {
            l0: 363,
            l1: 9,
            l2: 7,
        },
        sample::DOMAIN,
        sample::DOMAIN,
        false,
    )
    .unwrap();
    store_envelope(&store, &gke.to_bytes(), &a).unwrap();
    let fetch_errors = [None, Some("access denied for b".to_owned()), None];
    let wanted: Vec<&[u8]> = pass.missing().iter().map(|&i| all[i]).collect();
    let results = pass.finish(decrypt(&store, &wanted), fetch_errors, |e| {
        format!("{:?}", e.kind())
    });

    assert_eq!(results[0].as_deref(), Ok(&b"value"[..]));
    assert_eq!(results[1], Err(format!("{:?}", ErrorKind::Format)));
    assert_eq!(results[2], Err("access denied for b".to_owned()));
    assert_eq!(results[3].as_deref(), Ok(&b"value"[..]));
}

/// A value whose key is missing and whose fetch says nothing (no call was made) keeps its
/// "key not found".
#[test]
fn decryption_without_a_fetch_keeps_key_not_found() {
    use laps_crypto::KeyStore;
    use laps_rpc::batch::Decryption;

    let a: Sid = sample::SID.parse().unwrap();
    let value = blob(&a, 363, 9, 3, 1);
    let store = KeyStore::new();
    let pass = Decryption::new(vec![store.decrypt_blob(&value).map(|_| ())]);
    let again = vec![store.decrypt_blob(&value).map(|_| ())];
    let results = pass.finish(again, [None::<laps_core::ErrorKind>], |e| e.kind());
    assert_eq!(results, vec![Err(laps_core::ErrorKind::KeyNotFound)]);
}
