//! The responder (`ServerConnection` for the EPM and ISD_KEY endpoints, null security context,
//! the vector root keys) fed client bytes (byte 0: bit 0 = endpoint): never a panic; every
//! output is a sequence of whole, parseable PDUs; once closed it stays closed.
#![no_main]

#[path = "rpc_auth.rs"]
mod rpc_auth;

use laps_core::FileTime;
use laps_rpc::keys::KeyService;
use laps_rpc::pdu::Pdu;
use laps_rpc::server::{Endpoint, Responder, ResponderConfig};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn responder() -> &'static Responder {
    static R: OnceLock<Responder> = OnceLock::new();
    R.get_or_init(|| {
        Responder::new(
            ResponderConfig::default(),
            KeyService::new(
                winlaps_fuzz::root_keys().iter().take(2).cloned().collect(),
                "contoso.com",
                "contoso.com",
            ),
            Arc::new(rpc_auth::NullAcceptors),
            Arc::new(|_: &str| Some(vec!["S-1-5-21-1-2-3-512".parse().unwrap()])),
        )
    })
}

fuzz_target!(|b: &[u8]| {
    let Some((&sel, b)) = b.split_first() else {
        return;
    };
    let ep = if sel & 1 == 0 {
        Endpoint::Epm
    } else {
        Endpoint::Gkdi
    };
    let now = FileTime::from_ticks(0x01dbccc8e4925c5d);
    let mut s = responder().connection(ep);
    for p in b.chunks(1 + (sel >> 1) as usize) {
        match s.receive(p, now) {
            Ok(out) => {
                let mut rest = &out[..];
                while !rest.is_empty() {
                    let pdu = Pdu::parse(rest).expect("responder output parses");
                    rest = &rest[pdu.header.frag_len as usize..];
                }
                if s.is_closed() {
                    assert!(s.receive(&[], now).is_err());
                    return;
                }
            }
            Err(_) => {
                assert!(s.is_closed());
                return;
            }
        }
    }
});
