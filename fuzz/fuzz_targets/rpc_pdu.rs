//! DCE/RPC PDU parser (`laps_rpc::pdu::Pdu::parse`) and the stream framer: for every accepted
//! PDU, re-encoding and parsing again gives the same PDU; the framer never yields a fragment
//! over its bound or other than the announced length.
#![no_main]

use laps_rpc::framing::Framer;
use laps_rpc::pdu::{Body, Pdu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    if let Ok(p) = Pdu::parse(b) {
        assert!(p.header.frag_len as usize <= b.len());
        // Protected request/response stubs keep their padding semantics only with the trailer,
        // and bind_nak/fault padding is not preserved byte for byte: compare parsed values.
        let bytes = p.to_bytes();
        if bytes.len() > u16::MAX as usize {
            return;
        }
        let again = Pdu::parse(&bytes).expect("re-encoded PDU parses");
        assert_eq!(again.header.packet_type, p.header.packet_type);
        assert_eq!(again.header.call_id, p.header.call_id);
        assert_eq!(again.auth, p.auth);
        match (&p.body, &again.body) {
            (Body::Request { stub: a, .. }, Body::Request { stub: b, .. })
            | (Body::Response { stub: a, .. }, Body::Response { stub: b, .. }) => assert_eq!(a, b),
            (a, b) => assert_eq!(a, b),
        }
    }
    let mut f = Framer::new(1024);
    for chunk in b.chunks(7) {
        f.push(chunk);
        loop {
            match f.next_fragment() {
                Ok(Some(frag)) => {
                    assert!(frag.len() <= 1024 && frag.len() >= 16);
                    assert_eq!(u16::from_le_bytes([frag[8], frag[9]]) as usize, frag.len());
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
});
