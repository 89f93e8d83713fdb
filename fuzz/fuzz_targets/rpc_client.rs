//! The client state machines (`EpmLookup`, `GkdiClient` with a null security context) fed
//! server bytes in pieces (byte 0: bit 0 = which client, bits 1-4 = piece length): typed
//! errors only, and a finished call's outcome is well-formed.
#![no_main]

#[path = "rpc_auth.rs"]
mod rpc_auth;

use laps_crypto::Sid;
use laps_rpc::auth::AuthType;
use laps_rpc::client::{ClientConfig, EpmLookup, GkdiClient, Step};
use laps_rpc::gkdi::{GetKeyRequest, GKDI_INTERFACE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    let Some((&sel, b)) = b.split_first() else {
        return;
    };
    let piece = 1 + ((sel >> 1) & 15) as usize * 8;
    if sel & 1 == 0 {
        let mut c = EpmLookup::new(GKDI_INTERFACE, ClientConfig::default());
        c.start().unwrap();
        for p in b.chunks(piece) {
            match c.receive(p) {
                Ok(Step::Done(_)) | Err(_) => return,
                Ok(_) => {}
            }
        }
    } else {
        let mut c = GkdiClient::new(
            Box::new(rpc_auth::NullContext(AuthType::Kerberos)),
            ClientConfig::default(),
        );
        c.start().unwrap();
        let sid: Sid = "S-1-5-21-1-2-3-512".parse().unwrap();
        for p in b.chunks(piece) {
            match c.receive(p) {
                Ok(Step::Ready(_)) => {
                    let _ = c.get_key(&GetKeyRequest::for_sid(&sid, None, -1, -1, -1));
                }
                Ok(Step::Done(Ok(env))) => assert!(env.len() <= 0x1_0000),
                Err(_) => return,
                Ok(_) => {}
            }
        }
    }
});
