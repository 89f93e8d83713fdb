//! `resolve` over arbitrary snapshots and devices (structure-aware, with `arbitrary`):
//! deterministic, independent of the order values were written in, respects root precedence,
//! and everything downstream (explain, JSON, rotation decision, post-auth timeline) is total.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use laps_policy::{
    decide_rotation, post_authentication_timeline, resolve, DirectoryState, LocalState, Provenance,
    Root, RootStatus, Source,
};
use libfuzzer_sys::fuzz_target;
use winlaps_fuzz::{filetime, FuzzDevice, FuzzSnapshot};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(fs), Ok(fd)) = (
        FuzzSnapshot::arbitrary(&mut u),
        FuzzDevice::arbitrary(&mut u),
    ) else {
        return;
    };
    let (Ok(now), Ok(expiry), Ok(present)) =
        (filetime(&mut u), filetime(&mut u), bool::arbitrary(&mut u))
    else {
        return;
    };
    let snapshot = fs.build();
    let device = fd.build();
    let policy = resolve(&snapshot, &device);

    // Deterministic, and the order values were written in does not matter.
    assert_eq!(resolve(&snapshot, &device), policy);
    let reordered = fs.build_reordered();
    assert_eq!(reordered, snapshot);
    let p2 = resolve(&reordered, &device);
    assert_eq!(
        (p2.source, p2.mode, p2.blocker),
        (policy.source, policy.mode, policy.blocker)
    );
    for (a, b) in p2.settings.iter().zip(&policy.settings) {
        assert_eq!(
            (a.setting, &a.value, &a.provenance),
            (b.setting, &b.value, &b.provenance)
        );
    }

    // Root precedence: the source is the first root that holds a setting; every configured
    // value comes from it; shadowed values come from lower roots only.
    assert_eq!(policy.settings.len(), 18);
    match policy
        .roots
        .iter()
        .position(|r| r.status == RootStatus::Source)
    {
        None => assert_eq!(policy.source, Source::None),
        Some(i) => {
            assert_eq!(policy.source, Source::from(Root::ALL[i]));
            assert!(policy.roots[..i].iter().all(|r| r.settings.is_empty()));
            for s in &policy.settings {
                if let Provenance::Configured { root, .. } | Provenance::FellBack { root, .. } =
                    &s.provenance
                {
                    assert_eq!(*root, Root::ALL[i]);
                }
                assert!(s.shadowed.iter().all(|sh| sh.root > Root::ALL[i]));
            }
        }
    }

    // Everything downstream is total.
    let _ = policy.explain();
    let _ = policy.to_json();
    let _ = policy.password_spec();
    let _ = policy.managed_account();
    let local = LocalState::from_registry(&snapshot.state);
    let directory = DirectoryState {
        password_expiration_time: Some(expiry),
        encrypted_password_present: present,
        current_password_version: None,
    };
    let d = decide_rotation(&policy, &local, &directory, now);
    assert_eq!(decide_rotation(&policy, &local, &directory, now), d);
    let _ = post_authentication_timeline(&policy, now);
});
