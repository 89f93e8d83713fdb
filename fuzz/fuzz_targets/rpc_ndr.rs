//! The NDR / NDR64 decoders of laps-rpc (byte 0: bit 0 = syntax, bits 1-3 = structure):
//! ept_map request and response, GetKey request and response, EPM tower, verification
//! trailer, security descriptor. Every accepted value re-encodes to something that decodes to
//! the same value.
#![no_main]

use laps_rpc::access::SecurityDescriptor;
use laps_rpc::epm::{EptMapRequest, EptMapResponse, Tower};
use laps_rpc::gkdi::{GetKeyRequest, GetKeyResponse};
use laps_rpc::ndr::TransferSyntax;
use laps_rpc::verification::VerificationTrailer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    let Some((&sel, b)) = b.split_first() else {
        return;
    };
    let ts = if sel & 1 == 0 {
        TransferSyntax::Ndr
    } else {
        TransferSyntax::Ndr64
    };
    match (sel >> 1) & 7 {
        0 => {
            if let Ok(r) = EptMapRequest::decode(ts, b) {
                assert_eq!(EptMapRequest::decode(ts, &r.encode(ts)).unwrap(), r);
            }
        }
        1 => {
            if let Ok(r) = EptMapResponse::decode(ts, b) {
                let n = r.towers.len() as u32;
                assert_eq!(EptMapResponse::decode(ts, &r.encode(ts, n)).unwrap(), r);
            }
        }
        2 => {
            if let Ok((r, end)) = GetKeyRequest::decode(ts, b) {
                assert!(end <= b.len());
                assert_eq!(GetKeyRequest::decode(ts, &r.encode(ts)).unwrap().0, r);
            }
        }
        3 => {
            if let Ok(r) = GetKeyResponse::decode(ts, b) {
                assert_eq!(GetKeyResponse::decode(ts, &r.encode(ts)).unwrap(), r);
            }
        }
        4 => {
            if let Ok(t) = Tower::parse(b) {
                assert_eq!(Tower::parse(&t.to_bytes()).unwrap(), t);
            }
        }
        5 => {
            if let Ok(t) = VerificationTrailer::parse(b) {
                assert_eq!(VerificationTrailer::parse(&t.to_bytes()).unwrap(), t);
            }
        }
        _ => {
            if let Ok(sd) = SecurityDescriptor::parse(b) {
                let _ = sd.access_check(&[], 0x3);
            }
        }
    }
});
