//! Known-answer tests: PDUs, verification trailers, EPM towers and GetKey stubs from
//! dpapi-ng's test suite (see tests/data/README.md), parsed and re-encoded byte for byte.

use laps_crypto::Guid;
use laps_rpc::auth::{AuthLevel, AuthType};
use laps_rpc::epm::{EptMapRequest, EptMapResponse, Tower, EPM_INTERFACE};
use laps_rpc::gkdi::{GetKeyRequest, GetKeyResponse, GKDI_INTERFACE};
use laps_rpc::ndr::{TransferSyntax, NDR64_SYNTAX, NDR_SYNTAX};
use laps_rpc::pdu::{self, flags, result, Body, Header, PacketType, Pdu, SecTrailer};
use laps_rpc::verification::{Command, VerificationTrailer};
use laps_rpc::Error;

const VECTORS: &str = include_str!("data/dpapi-ng-vectors.txt");

fn v(name: &str) -> Vec<u8> {
    VECTORS
        .lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(n, _)| *n == name)
        .map(|(_, h)| hex::decode(h).unwrap())
        .unwrap_or_else(|| panic!("no vector {name}"))
}

fn guid(s: &str) -> Guid {
    s.parse().unwrap()
}

fn roundtrip(name: &str) -> Pdu {
    let bytes = v(name);
    let p = Pdu::parse(&bytes).unwrap();
    assert_eq!(p.to_bytes(), bytes, "{name} re-encodes byte for byte");
    p
}

#[test]
fn common_header_vector() {
    let h = Header::parse(&v("test_pdu::test_pdu_header_unpack")).unwrap();
    assert_eq!(h.packet_type, PacketType::Bind);
    assert_eq!(h.flags, flags::FIRST_FRAG | flags::LAST_FRAG);
    assert_eq!((h.frag_len, h.auth_len, h.call_id), (160, 0, 1));
    let mut out = Vec::new();
    h.write(&mut out);
    assert_eq!(out, v("test_pdu::test_pdu_header_pack"));
}

#[test]
fn sec_trailer_vector() {
    let t = SecTrailer::parse(&v("test_pdu::test_sec_trailer_unpack")).unwrap();
    assert_eq!(t.auth_type, AuthType::Spnego.code());
    assert_eq!(t.auth_level, AuthLevel::PktPrivacy.code());
    assert_eq!((t.pad_len, t.context_id), (8, 1));
    assert_eq!(t.auth_value, [1]);
}

#[test]
fn bind_with_three_contexts_ndr_ndr64_and_feature_negotiation() {
    let p = roundtrip("test_bind::test_bind_unpack");
    let Body::Bind(b) = &p.body else { panic!() };
    assert_eq!(
        (b.max_xmit_frag, b.max_recv_frag, b.assoc_group),
        (5840, 5840, 0)
    );
    assert_eq!(b.contexts.len(), 3);
    assert!(b
        .contexts
        .iter()
        .all(|c| c.abstract_syntax == EPM_INTERFACE));
    assert_eq!(b.contexts[0].transfer_syntaxes, [NDR_SYNTAX]);
    assert_eq!(b.contexts[1].transfer_syntaxes, [NDR64_SYNTAX]);
    assert_eq!(
        pdu::bind_time_features(&b.contexts[2].transfer_syntaxes[0]),
        Some(0)
    );
    assert_eq!(v("test_bind::test_bind_pack"), p.to_bytes());
}

#[test]
fn bind_with_spnego_token_and_header_signing() {
    let p = roundtrip("test_bind::test_bind_unpack_sec_trailer");
    assert_eq!(
        p.header.flags & flags::SUPPORT_HEADER_SIGN,
        flags::SUPPORT_HEADER_SIGN
    );
    let Body::Bind(b) = &p.body else { panic!() };
    assert_eq!(
        b.contexts[0].abstract_syntax.uuid,
        guid("e3514235-4b06-11d1-ab04-00c04fc2dcd2")
    );
    assert_eq!(
        pdu::bind_time_features(&b.contexts[2].transfer_syntaxes[0]),
        Some(pdu::FEATURE_SECURITY_CONTEXT_MULTIPLEXING | pdu::FEATURE_KEEP_CONNECTION_ON_ORPHAN)
    );
    assert_eq!(
        b.contexts[2].transfer_syntaxes[0],
        pdu::bind_time_feature_syntax(3)
    );
    let t = p.auth.unwrap();
    assert_eq!((t.auth_type, t.auth_level), (9, 6));
    assert_eq!(t.auth_value, [0x60, 0x82, 0x07, 0x3c]);
}

#[test]
fn bind_ack_results_rejection_acceptance_negotiate_ack() {
    for name in [
        "test_bind::test_bind_ack_unpack",
        "test_bind::test_bind_ack_unpack_sec_trailer",
    ] {
        let p = roundtrip(name);
        let Body::BindAck(a) = p.body else { panic!() };
        assert_eq!(a.results.len(), 3);
        assert_eq!(a.results[0].result, result::PROVIDER_REJECTION);
        assert_eq!(
            a.results[0].reason,
            result::REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED
        );
        assert_eq!(a.results[1].result, result::ACCEPTANCE);
        assert_eq!(a.results[1].transfer_syntax, NDR64_SYNTAX);
        assert_eq!(
            (a.results[2].result, a.results[2].reason),
            (result::NEGOTIATE_ACK, 3)
        );
    }
    let p = Pdu::parse(&v("test_bind::test_bind_ack_unpack_sec_trailer")).unwrap();
    let Body::BindAck(a) = p.body else { panic!() };
    assert_eq!((a.sec_addr.as_str(), a.assoc_group), ("49667", 4036));
}

#[test]
fn bind_nak_vector() {
    let p = roundtrip("test_bind::test_bind_nak_unpack");
    assert_eq!(
        p.body,
        Body::BindNak {
            reason: 0,
            versions: vec![(5, 0)]
        }
    );
}

#[test]
fn alter_context_and_response_vectors() {
    let p = roundtrip("test_bind::test_alter_context_unpack");
    assert!(matches!(p.body, Body::AlterContext(ref b) if b.contexts.len() == 1));
    // The vector leaves two non-zero bytes in the padding after the empty secondary address;
    // we write zeros there.
    let mut bytes = v("test_bind::test_alter_context_resp_unpack");
    let p = Pdu::parse(&bytes).unwrap();
    bytes[26..28].copy_from_slice(&[0, 0]);
    assert_eq!(p.to_bytes(), bytes);
    let Body::AlterContextResp(a) = p.body else {
        panic!()
    };
    assert_eq!(a.sec_addr, "");
    assert_eq!(a.results[0].transfer_syntax, NDR64_SYNTAX);
    assert_eq!(p.auth.unwrap().auth_value, [0xa1, 0x27, 0x30, 0x25]);
}

#[test]
fn fault_vector_carries_nca_s_unk_if() {
    let p = roundtrip("test_pdu::test_fault_unpack");
    assert_eq!(
        p.header.flags & flags::DID_NOT_EXECUTE,
        flags::DID_NOT_EXECUTE
    );
    let Body::Fault(f) = p.body else { panic!() };
    assert_eq!(f.status, laps_rpc::status::NCA_S_UNK_IF);
}

#[test]
fn request_and_response_vectors() {
    let p = roundtrip("test_request::test_request_unpack");
    assert!(matches!(
        p.body,
        Body::Request {
            opnum: 3,
            context_id: 1,
            alloc_hint: 144,
            object: None,
            ..
        }
    ));
    let p = roundtrip("test_request::test_request_unpack_with_obj");
    assert!(
        matches!(p.body, Body::Request { object: Some(g), .. } if g == Guid::from_bytes_le([0xff; 16]))
    );
    roundtrip("test_request::test_response_unpack");
    let p = roundtrip("test_request::test_response_unpack_sec_trailer");
    let Body::Response { stub, .. } = p.body else {
        panic!()
    };
    assert_eq!(stub, [0x9d, 0x08, 0xd7, 0x07]);
}

#[test]
fn request_vector_with_inconsistent_frag_length_is_truncated() {
    let bytes = v("test_request::test_request_unpack_sec_trailer");
    assert_eq!(bytes.len(), 52);
    assert!(matches!(
        Pdu::parse(&bytes),
        Err(Error::Truncated {
            structure: "PDU",
            needed: 4,
            ..
        })
    ));
}

#[test]
fn verification_trailer_pcontext_vector() {
    let bytes = v("test_verification::test_verification_trailer_unpack");
    let t = VerificationTrailer::parse(&bytes).unwrap();
    assert_eq!(
        t.commands,
        [Command::PContext {
            interface: GKDI_INTERFACE,
            transfer_syntax: NDR64_SYNTAX
        }]
    );
    assert_eq!(t.to_bytes(), bytes);
}

#[test]
fn verification_trailer_bitmask_header2_and_unknown_commands() {
    let t = VerificationTrailer::parse(&v(
        "test_verification::test_verification_trailer_unpack_multiple_commands",
    ))
    .unwrap();
    assert_eq!(t.commands[0], Command::Bitmask1(1));
    assert_eq!(t.commands.len(), 2);
    let mut with_sig = laps_rpc::verification::SIGNATURE.to_vec();
    with_sig.extend(v("test_verification::test_command_header2_unpack"));
    with_sig[8 + 1] |= 0x40; // mark it as the last command
    let t = VerificationTrailer::parse(&with_sig).unwrap();
    assert_eq!(
        t.commands,
        [Command::Header2 {
            packet_type: 0,
            call_id: 1,
            context_id: 2,
            opnum: 3
        }]
    );
    // The vector's unknown command 0x2000 is flagged SEC_VT_MUST_PROCESS_COMMAND: a receiver
    // that does not know it must reject the trailer ([MS-RPCE] 2.2.2.13).
    let mut unknown = laps_rpc::verification::SIGNATURE.to_vec();
    unknown.extend(v("test_verification::test_unknown_command_unpack"));
    assert!(matches!(
        VerificationTrailer::parse(&unknown),
        Err(Error::Malformed {
            reason: "unknown command marked must-process",
            ..
        })
    ));
    unknown[9] = 0x60; // without must-process, with command-end
    let t = VerificationTrailer::parse(&unknown).unwrap();
    assert!(matches!(t.commands[0], Command::Unknown(0x2000, ref b) if b == &[0, 1]));
    assert!(VerificationTrailer::parse(&[0]).is_err());
}

#[test]
fn ept_map_request_vector_ndr64() {
    let bytes = v("test_epm::test_ept_map_unpack");
    let r = EptMapRequest::decode(TransferSyntax::Ndr64, &bytes).unwrap();
    assert_eq!(r.max_towers, 4);
    assert_eq!(r.tower.interface(), Some(GKDI_INTERFACE));
    assert_eq!(r.tower.transfer_syntax(), Some(NDR_SYNTAX));
    assert_eq!(r.tower.tcp_port(), Some(135));
    assert_eq!(r, EptMapRequest::for_interface(&GKDI_INTERFACE));
    assert_eq!(r.encode(TransferSyntax::Ndr64), bytes);
    assert_eq!(
        EptMapRequest::for_interface(&GKDI_INTERFACE).encode(TransferSyntax::Ndr64),
        bytes
    );
}

#[test]
fn ept_map_request_vector_with_object_and_entry_handle() {
    let bytes = v("test_epm::test_ept_map_unpack_obj_and_entry_handle");
    let r = EptMapRequest::decode(TransferSyntax::Ndr64, &bytes).unwrap();
    assert_eq!(r.object, Some(guid("80900533-bc92-406f-bfbb-b2dcd4a726ee")));
    assert_eq!(
        r.entry_handle.uuid,
        guid("ea626250-272f-4ab2-88a7-8abe11403724")
    );
    assert_eq!(r.tower.floors.len(), 1);
    assert_eq!(
        r.tower.floors[0].protocol(),
        laps_rpc::epm::protocol::RPC_CO
    );
    assert_eq!(r.encode(TransferSyntax::Ndr64), bytes);
}

#[test]
fn ept_map_response_vector_three_towers() {
    let bytes = v("test_epm::test_ept_map_result_unpack");
    let r = EptMapResponse::decode(TransferSyntax::Ndr64, &bytes).unwrap();
    let ports: Vec<_> = r.towers.iter().map(|t| t.tcp_port().unwrap()).collect();
    assert_eq!(ports, [49672, 49670, 49667]);
    assert!(r.towers.iter().all(|t| t.floors.len() == 5));
    assert_eq!(r.port_for(&GKDI_INTERFACE).unwrap(), 49672);
    assert_eq!(r.encode(TransferSyntax::Ndr64, 4), bytes);
}

#[test]
fn ept_map_response_vector_no_towers_is_endpoint_not_found() {
    let bytes = v("test_epm::test_ept_map_result_unpack_handle");
    let r = EptMapResponse::decode(TransferSyntax::Ndr64, &bytes).unwrap();
    assert!(r.towers.is_empty());
    assert_eq!(
        r.entry_handle.uuid,
        guid("6bc353c9-11e9-47aa-b6fd-138d04da089d")
    );
    assert!(matches!(
        r.port_for(&GKDI_INTERFACE),
        Err(Error::EndpointNotFound { .. })
    ));
}

#[test]
fn unknown_floor_vector() {
    let mut tower = vec![1, 0];
    tower.extend(v("test_epm::test_unpack_unknown_floor"));
    let t = Tower::parse(&tower).unwrap();
    assert_eq!(t.floors[0].protocol(), 0xff);
    assert_eq!(
        (t.floors[0].lhs.as_slice(), t.floors[0].rhs.as_slice()),
        (&[0xff, 0][..], &[0][..])
    );
    assert_eq!(t.to_bytes(), tower);
}

#[test]
fn get_key_request_vectors_ndr64() {
    let bytes = v("test_gkdi::test_get_key_unpack");
    let (r, end) = GetKeyRequest::decode(TransferSyntax::Ndr64, &bytes).unwrap();
    assert_eq!(end, bytes.len());
    assert_eq!(r.target_sd, [1, 2, 3, 4]);
    assert_eq!(
        r.root_key_id,
        Some(guid("73294420-917f-416a-9ec3-86082afafb9e"))
    );
    assert_eq!((r.l0, r.l1, r.l2), (-1, 1, 31));
    assert_eq!(r.encode(TransferSyntax::Ndr64), bytes);

    let bytes = v("test_gkdi::test_get_key_unpack_no_root_key");
    let (r, _) = GetKeyRequest::decode(TransferSyntax::Ndr64, &bytes).unwrap();
    assert_eq!(r.root_key_id, None);
    assert_eq!(r.encode(TransferSyntax::Ndr64), bytes);
}

#[test]
fn get_key_failure_vector_is_a_typed_hresult() {
    let bytes = v("test_gkdi::test_get_key_unpack_response_fail");
    let r = GetKeyResponse::decode(TransferSyntax::Ndr64, &bytes).unwrap();
    assert_eq!(r, GetKeyResponse::Failed(0x8007_0057));
    assert_eq!(r.encode(TransferSyntax::Ndr64), bytes);
    assert!(matches!(
        r.into_result("S-1-5-21-1-512"),
        Err(Error::GetKey {
            hresult: 0x8007_0057
        })
    ));
    assert!(matches!(
        GetKeyResponse::Failed(0x8007_0005).into_result("S-1-5-21-1-512"),
        Err(Error::AccessDenied { ref target }) if target == "S-1-5-21-1-512"
    ));
}

#[test]
fn get_key_ndr_and_ndr64_layouts_differ_only_in_widths() {
    let r = GetKeyRequest {
        target_sd: vec![1, 2, 3, 4, 5],
        root_key_id: Some(guid("73294420-917f-416a-9ec3-86082afafb9e")),
        l0: 361,
        l1: 17,
        l2: 8,
    };
    let ndr = r.encode(TransferSyntax::Ndr);
    // cbTargetSD, conformance, 5 bytes + 3 pad, referent, GUID, L0 L1 L2
    assert_eq!(ndr.len(), 4 + 4 + 8 + 4 + 16 + 12);
    assert_eq!(
        GetKeyRequest::decode(TransferSyntax::Ndr, &ndr).unwrap().0,
        r
    );
    let resp = GetKeyResponse::Envelope(vec![9; 7]);
    for ts in [TransferSyntax::Ndr, TransferSyntax::Ndr64] {
        assert_eq!(GetKeyResponse::decode(ts, &resp.encode(ts)).unwrap(), resp);
    }
    assert_eq!(
        resp.encode(TransferSyntax::Ndr).len(),
        4 + 4 + 4 + 7 + 1 + 4
    );
    assert_eq!(
        resp.encode(TransferSyntax::Ndr64).len(),
        8 + 8 + 8 + 7 + 1 + 4
    );
}

const INDEPENDENT: &str = include_str!("data/independent-ndr-vectors.txt");

fn iv(name: &str) -> Vec<u8> {
    INDEPENDENT
        .lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(n, _)| *n == name)
        .map(|(_, h)| hex::decode(h).unwrap())
        .unwrap_or_else(|| panic!("no vector {name}"))
}

#[test]
fn get_key_stubs_match_samba_marshalling_in_ndr_and_ndr64() {
    let sid: laps_crypto::Sid = "S-1-5-21-261666259-2767898532-3724640780-512"
        .parse()
        .unwrap();
    let root = guid("d778c271-9025-9a82-f6dc-b8960b8ad8c5");
    for (ts, name) in [
        (TransferSyntax::Ndr, "ndr"),
        (TransferSyntax::Ndr64, "ndr64"),
    ] {
        let req = GetKeyRequest::for_sid(&sid, Some(root), 361, 17, 8);
        let bytes = iv(&format!("samba::get_key_in_{name}"));
        assert_eq!(req.encode(ts), bytes, "{name}");
        assert_eq!(
            GetKeyRequest::decode(ts, &bytes).unwrap(),
            (req, bytes.len())
        );

        let req = GetKeyRequest::for_sid(&sid, None, -1, -1, -1);
        assert_eq!(
            req.encode(ts),
            iv(&format!("samba::get_key_in_null_root_{name}"))
        );

        let ok = GetKeyResponse::Envelope(vec![1, 2, 3, 4, 5]);
        let bytes = iv(&format!("samba::get_key_out_{name}"));
        assert_eq!(ok.encode(ts), bytes, "{name}");
        assert_eq!(GetKeyResponse::decode(ts, &bytes).unwrap(), ok);

        let denied = GetKeyResponse::Failed(0x8007_0005);
        let bytes = iv(&format!("samba::get_key_out_denied_{name}"));
        assert_eq!(denied.encode(ts), bytes, "{name}");
        assert_eq!(GetKeyResponse::decode(ts, &bytes).unwrap(), denied);
    }
}

#[test]
fn impacket_ept_map_request_decodes() {
    let r = EptMapRequest::decode(TransferSyntax::Ndr, &iv("impacket::ept_map_in_ndr")).unwrap();
    assert_eq!(r.object, None);
    assert_eq!(r.max_towers, 1);
    assert_eq!(r.tower.interface(), Some(GKDI_INTERFACE));
    assert_eq!(r.tower.transfer_syntax(), Some(NDR_SYNTAX));
    assert_eq!(r.tower.tcp_port(), Some(0));
    assert_eq!(r.tower.floors.len(), 5);
}

#[test]
fn samba_dc_ept_map_responses() {
    let bytes = iv("samba-dc::ept_map_out_ndr_netlogon");
    let r = EptMapResponse::decode(TransferSyntax::Ndr, &bytes).unwrap();
    let netlogon = laps_rpc::pdu::SyntaxId::new(guid("12345678-1234-abcd-ef00-01234567cffb"), 1, 0);
    assert_eq!(r.port_for(&netlogon).unwrap(), 49152);
    assert_eq!(r.towers[0].interface(), Some(netlogon));
    assert_eq!(r.encode(TransferSyntax::Ndr, 4), bytes);

    let bytes = iv("samba-dc::ept_map_out_ndr_isd_key");
    let r = EptMapResponse::decode(TransferSyntax::Ndr, &bytes).unwrap();
    assert_eq!(r.status, laps_rpc::status::EPT_S_NOT_REGISTERED);
    assert!(matches!(
        r.port_for(&GKDI_INTERFACE),
        Err(Error::EndpointNotFound {
            status: laps_rpc::status::EPT_S_NOT_REGISTERED,
            ..
        })
    ));
    assert_eq!(r.encode(TransferSyntax::Ndr, 4), bytes);
}
