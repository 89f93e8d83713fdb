//! The Group Key Envelope (a [MS-GKDI] GetKey answer): parse, re-encode, and — for seed envelopes —
//! derive the L2 seed of a few indices it claims to cover (bounded: ≤ 63 KDF steps each).
#![no_main]

use laps_crypto::gke::GkeL2;
use laps_crypto::{GroupKeyEnvelope, KeyIndex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    let Ok(gke) = GroupKeyEnvelope::parse(b) else {
        return;
    };
    assert!(gke.index.is_valid());
    let again = gke.to_bytes();
    // The KDF hash name is matched case-insensitively, so re-encoding may change its case only.
    assert!(
        again.eq_ignore_ascii_case(b),
        "GKE does not re-encode to its input"
    );
    assert_eq!(GroupKeyEnvelope::parse(&again).as_ref(), Ok(&gke));
    let _ = format!("{gke:?}");
    if matches!(gke.l2, Some(GkeL2::Seed(_))) || gke.l1_key.is_some() {
        for (l1, l2) in [
            (gke.index.l1, gke.index.l2),
            (gke.index.l1, 0),
            (0, 31),
            (0, 0),
        ] {
            let target = KeyIndex {
                l0: gke.index.l0,
                l1,
                l2,
            };
            assert_eq!(
                gke.covers(gke.root_key_id, target),
                gke.l2_seed(target).is_some()
            );
        }
    }
});
