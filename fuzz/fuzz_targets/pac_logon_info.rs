//! laps-rpc's PAC reader (what the lab KDS reads a Kerberos caller's SIDs from): the
//! `PAC_INFO_BUFFER` table and the NDR `KERB_VALIDATION_INFO`. Accepted input gives distinct
//! SIDs, the first (the user) in the logon domain.
#![no_main]

use laps_rpc::pac::logon_info_sids;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    let Ok(sids) = logon_info_sids(b) else {
        return;
    };
    assert!(!sids.is_empty(), "an accepted PAC names at least the user");
    for (i, s) in sids.iter().enumerate() {
        assert!(!sids[..i].contains(s), "duplicate SID {s}");
        assert_eq!(s.to_string().parse::<laps_crypto::Sid>().as_ref(), Ok(s));
    }
});
