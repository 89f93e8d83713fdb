//! Hostile and broken peers: truncated fragments, oversized frag_length, bind_nak, faults,
//! wrong signatures, out-of-order PDUs and random bytes give typed errors, never a panic.

mod common;

use common::{ToyAcceptors, ToyContext};
use laps_core::FileTime;
use laps_crypto::{sample, Sid};
use laps_rpc::access::SecurityDescriptor;
use laps_rpc::auth::{AuthLevel, AuthType};
use laps_rpc::client::{ClientConfig, ClientConnection, GkdiClient, Step};
use laps_rpc::epm::{EptMapRequest, EptMapResponse, Tower, EPM_INTERFACE};
use laps_rpc::gkdi::{GetKeyRequest, GetKeyResponse, GKDI_INTERFACE};
use laps_rpc::keys::KeyService;
use laps_rpc::ndr::TransferSyntax;
use laps_rpc::pdu::{flags, Body, Fault, Header, PacketType, Pdu};
use laps_rpc::server::{Endpoint, Responder, ResponderConfig, ServerConnection};
use laps_rpc::status;
use laps_rpc::verification::VerificationTrailer;
use laps_rpc::{Error, ErrorDetail};
use proptest::prelude::*;
use std::sync::{Arc, Mutex};

fn now() -> FileTime {
    FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap()
}

fn responder(config: ResponderConfig, corrupt: Arc<Mutex<bool>>) -> Responder {
    let group: Sid = sample::SID.parse().unwrap();
    Responder::new(
        config,
        KeyService::new(vec![sample::root_key()], sample::DOMAIN, sample::DOMAIN),
        Arc::new(ToyAcceptors {
            accounts: vec![("helpdesk".into(), b"pw".to_vec())],
            corrupt,
        }),
        Arc::new(move |_: &str| Some(vec![group.clone()])),
    )
}

fn fault_pdu(call_id: u32, status: u32) -> Vec<u8> {
    Pdu {
        header: Header {
            packet_type: PacketType::Fault,
            flags: flags::FIRST_FRAG | flags::LAST_FRAG,
            frag_len: 0,
            auth_len: 0,
            call_id,
        },
        body: Body::Fault(Fault {
            alloc_hint: 0,
            context_id: 0,
            cancel_count: 0,
            status,
        }),
        auth: None,
    }
    .to_bytes()
}

/// A GetKey client bound (NTLM-shaped, sealed) to a fresh responder connection.
fn bound(level: AuthLevel, min: AuthLevel) -> (GkdiClient, ServerConnection, Arc<Mutex<bool>>) {
    let corrupt = Arc::new(Mutex::new(false));
    let r = responder(
        ResponderConfig {
            min_auth_level: min,
            ..Default::default()
        },
        corrupt.clone(),
    );
    let mut server = r.connection(Endpoint::Gkdi);
    let mut c = GkdiClient::new(
        Box::new(ToyContext::client(AuthType::Ntlm, "helpdesk", "pw")),
        ClientConfig {
            auth_level: level,
            ..Default::default()
        },
    );
    let bind = c.start().unwrap();
    let ack = server.receive(&bind, now()).unwrap();
    let Step::Ready(auth3) = c.receive(&ack).unwrap() else {
        panic!()
    };
    assert!(server.receive(&auth3, now()).unwrap().is_empty());
    (c, server, corrupt)
}

fn request() -> GetKeyRequest {
    GetKeyRequest::for_sid(&sample::SID.parse().unwrap(), None, -1, -1, -1)
}

#[test]
fn truncated_fragments_wait_for_more_bytes() {
    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    c.start().unwrap();
    let whole = fault_pdu(1, 5);
    for n in 0..whole.len() {
        let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
        c.start().unwrap();
        assert_eq!(c.receive(&whole[..n]).unwrap(), Step::NeedMore);
    }
}

#[test]
fn frag_length_over_the_bound_is_rejected_before_buffering() {
    let mut c = ClientConnection::new(
        EPM_INTERFACE,
        ClientConfig {
            max_frag: 1024,
            ..Default::default()
        },
        None,
    );
    c.start().unwrap();
    let mut h = fault_pdu(1, 0);
    h[8..10].copy_from_slice(&4000u16.to_le_bytes());
    let err = c.receive(&h[..16]).unwrap_err();
    assert_eq!(
        err,
        Error::TooLarge {
            what: "fragment",
            len: 4000,
            max: 1024
        }
    );
    assert_eq!(err.detail(), ErrorDetail::Protocol);
    assert!(matches!(c.receive(&[]), Err(Error::InvalidState(_))));

    let r = responder(
        ResponderConfig {
            max_frag: 1024,
            ..Default::default()
        },
        Default::default(),
    );
    let mut s = r.connection(Endpoint::Epm);
    assert!(matches!(
        s.receive(&h[..16], now()),
        Err(Error::TooLarge { len: 4000, .. })
    ));
    assert!(s.is_closed());
}

#[test]
fn bind_nak_and_faults_are_typed() {
    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    c.start().unwrap();
    let nak = Pdu {
        header: Header {
            packet_type: PacketType::BindNak,
            flags: 3,
            frag_len: 0,
            auth_len: 0,
            call_id: 1,
        },
        body: Body::BindNak {
            reason: 4,
            versions: vec![(5, 0)],
        },
        auth: None,
    }
    .to_bytes();
    assert_eq!(c.receive(&nak).unwrap_err(), Error::BindNak { reason: 4 });

    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    c.start().unwrap();
    let err = c
        .receive(&fault_pdu(1, status::NCA_S_PROTO_ERROR))
        .unwrap_err();
    assert_eq!(
        err,
        Error::Fault {
            status: status::NCA_S_PROTO_ERROR
        }
    );
    assert!(err.to_string().contains("nca_s_proto_error"));
    assert_eq!(err.detail(), ErrorDetail::Fault);
}

#[test]
fn fault_on_a_call_leaves_the_connection_usable() {
    let (mut c, mut server, _) = bound(AuthLevel::PktPrivacy, AuthLevel::PktPrivacy);
    c.get_key(&request()).unwrap();
    let err = c
        .receive(&fault_pdu(3, status::NCA_S_OP_RNG_ERROR))
        .unwrap_err();
    assert!(matches!(err, Error::Fault { .. }));
    assert!(c.is_ready());
    let _ = &mut server;
}

#[test]
fn a_tampered_sealed_response_fails_the_signature_check() {
    let (mut c, mut server, _) = bound(AuthLevel::PktPrivacy, AuthLevel::PktPrivacy);
    let req = c.get_key(&request()).unwrap();
    let mut answer = server.receive(&req, now()).unwrap();
    answer[40] ^= 0x01;
    let err = c.receive(&answer).unwrap_err();
    assert!(
        matches!(err, Error::Auth(laps_rpc::auth::AuthError::BadSignature)),
        "{err:?}"
    );
    assert_eq!(err.detail(), ErrorDetail::Auth);
    assert!(!c.is_ready());
}

#[test]
fn a_server_with_wrong_signatures_is_detected() {
    let (mut c, mut server, corrupt) = bound(AuthLevel::PktIntegrity, AuthLevel::PktIntegrity);
    *corrupt.lock().unwrap() = true;
    let req = c.get_key(&request()).unwrap();
    let answer = server.receive(&req, now()).unwrap();
    assert!(matches!(
        c.receive(&answer),
        Err(Error::Auth(laps_rpc::auth::AuthError::BadSignature))
    ));
}

#[test]
fn a_tampered_request_gets_a_security_fault_and_the_connection_closes() {
    let (mut c, mut server, _) = bound(AuthLevel::PktPrivacy, AuthLevel::PktPrivacy);
    // One answered call first: a fault on the first one means refused credentials.
    let req = c.get_key(&request()).unwrap();
    let answer = server.receive(&req, now()).unwrap();
    assert!(matches!(c.receive(&answer), Ok(Step::Done(Ok(_)))));
    let mut req = c.get_key(&request()).unwrap();
    // Header signing covers the header: changing the opnum breaks the signature.
    req[22] ^= 0x01;
    let answer = server.receive(&req, now()).unwrap();
    let p = Pdu::parse(&answer).unwrap();
    assert!(matches!(
        p.body,
        Body::Fault(Fault {
            status: status::NCA_S_FAULT_SEC_PKG_ERROR,
            ..
        })
    ));
    assert!(server.is_closed());
    assert!(matches!(
        c.receive(&answer),
        Err(Error::Fault {
            status: status::NCA_S_FAULT_SEC_PKG_ERROR
        })
    ));
}

#[test]
fn get_key_below_pkt_privacy_is_refused() {
    let (mut c, mut server, _) = bound(AuthLevel::PktIntegrity, AuthLevel::PktPrivacy);
    let req = c.get_key(&request()).unwrap();
    let answer = server.receive(&req, now()).unwrap();
    let err = c.receive(&answer).unwrap_err();
    assert_eq!(
        err,
        Error::CredentialsRefused {
            status: status::NCA_S_FAULT_ACCESS_DENIED
        }
    );
    assert_eq!(err.kind(), laps_rpc::ErrorKind::Authentication);
}

#[test]
fn an_access_fault_before_any_answer_is_a_refusal_of_the_credentials_after_one_a_fault() {
    for status in [
        status::NCA_S_FAULT_ACCESS_DENIED,
        status::NCA_S_FAULT_SEC_PKG_ERROR,
    ] {
        // NTLM's auth3 gets no answer: the first request is where a server refuses.
        let (mut c, _, _) = bound(AuthLevel::PktPrivacy, AuthLevel::PktPrivacy);
        c.get_key(&request()).unwrap();
        let err = c.receive(&fault_pdu(3, status)).unwrap_err();
        assert_eq!(err, Error::CredentialsRefused { status });
        assert_eq!(err.detail(), ErrorDetail::Auth);
        assert!(err.to_string().contains("refused the credentials"), "{err}");
        assert!(!c.is_ready());

        // Once a call was answered the credentials were accepted: a fault ends one call.
        let (mut c, mut server, _) = bound(AuthLevel::PktPrivacy, AuthLevel::PktPrivacy);
        let req = c.get_key(&request()).unwrap();
        let answer = server.receive(&req, now()).unwrap();
        assert!(matches!(c.receive(&answer), Ok(Step::Done(Ok(_)))));
        c.get_key(&request()).unwrap();
        assert_eq!(
            c.receive(&fault_pdu(4, status)).unwrap_err(),
            Error::Fault { status }
        );
        assert!(c.is_ready());
    }
    // Unauthenticated (the endpoint mapper), there are no credentials to refuse.
    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    c.start().unwrap();
    assert_eq!(
        c.receive(&fault_pdu(1, status::NCA_S_FAULT_ACCESS_DENIED))
            .unwrap_err(),
        Error::Fault {
            status: status::NCA_S_FAULT_ACCESS_DENIED
        }
    );
}

#[test]
fn unknown_opnum_is_nca_s_op_rng_error() {
    let r = responder(Default::default(), Default::default());
    let mut s = r.connection(Endpoint::Epm);
    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    let ack = s.receive(&c.start().unwrap(), now()).unwrap();
    assert!(matches!(c.receive(&ack).unwrap(), Step::Ready(_)));
    let call = c.call(7, &[0; 8]).unwrap();
    assert_eq!(
        c.receive(&s.receive(&call, now()).unwrap()).unwrap_err(),
        Error::Fault {
            status: status::NCA_S_OP_RNG_ERROR
        }
    );
    // A request whose stub does not decode is a stub-data fault.
    let call = c.call(3, &[1, 2, 3]).unwrap();
    assert_eq!(
        c.receive(&s.receive(&call, now()).unwrap()).unwrap_err(),
        Error::Fault {
            status: status::NCA_S_FAULT_NDR
        }
    );
}

#[test]
fn the_wrong_interface_or_syntax_is_rejected_per_context() {
    let r = responder(Default::default(), Default::default());
    let mut s = r.connection(Endpoint::Epm);
    let mut c = ClientConnection::new(GKDI_INTERFACE, ClientConfig::default(), None);
    let ack = s.receive(&c.start().unwrap(), now()).unwrap();
    assert!(matches!(
        c.receive(&ack),
        Err(Error::ContextRejected {
            result: 2,
            reason: 1
        })
    ));
}

#[test]
fn unknown_auth_type_is_bind_nak_8() {
    let r = responder(Default::default(), Default::default());
    let mut s = r.connection(Endpoint::Gkdi);
    let mut c = GkdiClient::new(
        Box::new(ToyContext::client(AuthType::Ntlm, "helpdesk", "pw")),
        ClientConfig::default(),
    );
    let mut bind = c.start().unwrap();
    let at = bind.len() - 8 - u16::from_le_bytes([bind[10], bind[11]]) as usize;
    bind[at] = 0x44; // auth_type 68 (Netlogon): not served
    let nak = s.receive(&bind, now()).unwrap();
    assert!(s.is_closed());
    assert_eq!(c.receive(&nak).unwrap_err(), Error::BindNak { reason: 8 });
}

#[test]
fn requests_before_bind_and_pdus_out_of_order_are_errors() {
    let r = responder(Default::default(), Default::default());
    let mut s = r.connection(Endpoint::Epm);
    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    c.start().unwrap();
    let mut other = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    let bind = other.start().unwrap();
    // A bind sent to a client is unexpected.
    assert!(matches!(
        c.receive(&bind),
        Err(Error::UnexpectedPdu { got: "bind", .. })
    ));
    // A request before any bind.
    let mut req = fault_pdu(1, 0);
    req[2] = PacketType::Request.code();
    assert!(s.receive(&req, now()).is_err());
    assert!(s.is_closed());
    assert!(matches!(c.call(0, &[]), Err(Error::InvalidState(_))));
}

#[test]
fn header_violations_are_malformed_with_offsets() {
    let good = fault_pdu(1, 0);
    let cases: [(usize, u8, usize); 4] = [(0, 4, 0), (2, 99, 2), (4, 0x00, 4), (8, 8, 8)];
    for (at, value, offset) in cases {
        let mut b = good.clone();
        b[at] = value;
        match Pdu::parse(&b) {
            Err(Error::Malformed { offset: o, .. }) => assert_eq!(o, offset),
            other => panic!("{other:?}"),
        }
    }
    let mut b = good.clone();
    b[10] = 30; // auth_len beyond the fragment
    assert!(matches!(
        Pdu::parse(&b),
        Err(Error::Malformed { offset: 10, .. })
    ));
}

#[test]
fn a_reassembled_message_over_the_bound_is_too_large() {
    let r = responder(
        ResponderConfig {
            max_message: 64,
            ..Default::default()
        },
        Default::default(),
    );
    let mut s = r.connection(Endpoint::Epm);
    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    let ack = s.receive(&c.start().unwrap(), now()).unwrap();
    c.receive(&ack).unwrap();
    let call = c.call(3, &[0; 200]).unwrap();
    assert!(matches!(
        s.receive(&call, now()),
        Err(Error::TooLarge {
            what: "message",
            ..
        })
    ));
}

#[test]
fn access_check_follows_ace_order_and_deny_aces() {
    let group: Sid = sample::SID.parse().unwrap();
    let user: Sid = "S-1-5-21-1-2-3-1105".parse().unwrap();
    let world: Sid = "S-1-1-0".parse().unwrap();
    let sd =
        SecurityDescriptor::parse(&laps_crypto::sid::target_security_descriptor(&group)).unwrap();
    assert_eq!(
        sd.owner.as_ref().map(|s| s.to_string()).as_deref(),
        Some("S-1-5-18")
    );
    assert!(sd.access_check(&[group.clone(), world.clone()], 0x1));
    assert!(sd.access_check(std::slice::from_ref(&group), 0x3));
    assert!(!sd.access_check(&[user.clone(), world.clone()], 0x1));
    assert!(sd.access_check(&[user.clone(), world.clone()], 0x2));
    assert!(!sd.access_check(std::slice::from_ref(&user), 0x2));
    assert_eq!(sd.principals(0x1), std::slice::from_ref(&group));
    // A deny ACE placed first wins over the allow.
    let mut denied = sd.clone();
    denied.dacl.as_mut().unwrap().insert(
        0,
        laps_rpc::access::Ace {
            allow: false,
            flags: 0,
            mask: 0x1,
            sid: user.clone(),
        },
    );
    assert!(!denied.access_check(&[user.clone(), group.clone()], 0x1));
    assert!(denied.access_check(&[user, group], 0x2));
    // No DACL grants everything.
    let none = SecurityDescriptor {
        owner: None,
        group: None,
        dacl: None,
    };
    assert!(none.access_check(&[], 0x3));
}

fn valid_pdus() -> Vec<Vec<u8>> {
    let r = responder(Default::default(), Default::default());
    let mut s = r.connection(Endpoint::Epm);
    let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
    let bind = c.start().unwrap();
    let ack = s.receive(&bind, now()).unwrap();
    c.receive(&ack).unwrap();
    let call = c
        .call(
            3,
            &EptMapRequest::for_interface(&GKDI_INTERFACE).encode(TransferSyntax::Ndr64),
        )
        .unwrap();
    let resp = s.receive(&call, now()).unwrap();
    vec![bind, ack, call, resp, fault_pdu(1, 5)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic_on_random_bytes(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Pdu::parse(&b);
        let _ = SecurityDescriptor::parse(&b);
        let _ = VerificationTrailer::parse(&b);
        let _ = Tower::parse(&b);
        for ts in [TransferSyntax::Ndr, TransferSyntax::Ndr64] {
            let _ = EptMapRequest::decode(ts, &b);
            let _ = EptMapResponse::decode(ts, &b);
            let _ = GetKeyRequest::decode(ts, &b);
            let _ = GetKeyResponse::decode(ts, &b);
        }
    }

    #[test]
    fn state_machines_never_panic_on_mutated_pdus(
        which in 0usize..5,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
    ) {
        let mut b = valid_pdus()[which].clone();
        for (i, x) in flips {
            let n = b.len();
            b[i % n] ^= x;
        }
        let _ = Pdu::parse(&b);
        let r = responder(Default::default(), Default::default());
        for ep in [Endpoint::Epm, Endpoint::Gkdi] {
            let mut s = r.connection(ep);
            let _ = s.receive(&b, now());
        }
        let mut c = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
        c.start().unwrap();
        let _ = c.receive(&b);
    }
}

/// Found by the rpc_ndr fuzz target: a NULL object pointer decoded to `None` while the
/// nil-UUID pointer decoded to `Some(nil)`, so a re-encoded request decoded differently.
#[test]
fn ept_map_request_null_object_pointer_round_trips() {
    let stub = hex::decode("000000000000000002000000000001004b000000000000004b000000050013000d605978b94f52df8b6d000000002085010000000001000000000000000000000000000000000000000000000002000000000001004b000000000000004b000000050013000d605978b94f52df8b6d0000000020850100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000017000000000000000000000000000004000000").unwrap();
    let r = EptMapRequest::decode(TransferSyntax::Ndr64, &stub).unwrap();
    assert_eq!(r.object, None);
    let again = r.encode(TransferSyntax::Ndr64);
    assert_eq!(
        EptMapRequest::decode(TransferSyntax::Ndr64, &again).unwrap(),
        r
    );
}

/// A Samba-style verification trailer (bitmask, pcontext, header2) is checked by the
/// responder: consistent → served; a header2 naming another opnum → nca_s_proto_error.
#[test]
fn verification_trailer_header2_is_checked() {
    use laps_rpc::verification::Command;
    for (opnum_in_trailer, ok) in [(0u16, true), (5, false)] {
        let r = responder(Default::default(), Default::default());
        let mut s = r.connection(Endpoint::Gkdi);
        let mut c = ClientConnection::new(
            GKDI_INTERFACE,
            ClientConfig {
                transfer_syntaxes: vec![TransferSyntax::Ndr],
                verification_trailer: false,
                ..Default::default()
            },
            Some(Box::new(ToyContext::client(
                AuthType::Ntlm,
                "helpdesk",
                "pw",
            ))),
        );
        let ack = s.receive(&c.start().unwrap(), now()).unwrap();
        let Step::Ready(auth3) = c.receive(&ack).unwrap() else {
            panic!()
        };
        s.receive(&auth3, now()).unwrap();
        let mut stub = request().encode(TransferSyntax::Ndr);
        while stub.len() % 4 != 0 {
            stub.push(0);
        }
        stub.extend(
            VerificationTrailer {
                commands: vec![
                    Command::Bitmask1(1),
                    Command::PContext {
                        interface: GKDI_INTERFACE,
                        transfer_syntax: TransferSyntax::Ndr.syntax_id(),
                    },
                    Command::Header2 {
                        packet_type: 0,
                        call_id: 3, // bind = 1, auth3 = 2, this request = 3
                        context_id: 0,
                        opnum: opnum_in_trailer,
                    },
                ],
            }
            .to_bytes(),
        );
        let call = c.call(0, &stub).unwrap();
        let outcome = c.receive(&s.receive(&call, now()).unwrap());
        if ok {
            let Ok(Step::Done(resp)) = outcome else {
                panic!("{outcome:?}")
            };
            assert!(matches!(
                GetKeyResponse::decode(TransferSyntax::Ndr, &resp).unwrap(),
                GetKeyResponse::Envelope(_)
            ));
        } else {
            assert_eq!(
                outcome.unwrap_err(),
                Error::Fault {
                    status: status::NCA_S_PROTO_ERROR
                }
            );
        }
    }
}

/// Refused credentials in auth3 (which gets no answer) are answered at the next request with
/// an access-denied fault, and the connection closes, at every authentication level; any other
/// PDU after the refusal (a second auth3, an alter_context retrying the handshake) is a
/// protocol error.
#[test]
fn refused_auth3_credentials_get_an_access_denied_fault_at_the_next_request() {
    for level in [
        AuthLevel::Connect,
        AuthLevel::PktIntegrity,
        AuthLevel::PktPrivacy,
    ] {
        let r = responder(
            ResponderConfig {
                min_auth_level: level,
                ..Default::default()
            },
            Default::default(),
        );
        let handshake = |server: &mut ServerConnection| {
            let mut c = GkdiClient::new(
                Box::new(ToyContext::client(AuthType::Ntlm, "helpdesk", "wrong")),
                ClientConfig {
                    auth_level: level,
                    ..Default::default()
                },
            );
            let ack = server.receive(&c.start().unwrap(), now()).unwrap();
            let Step::Ready(auth3) = c.receive(&ack).unwrap() else {
                panic!()
            };
            assert!(
                server.receive(&auth3, now()).unwrap().is_empty(),
                "{level:?}"
            );
            assert!(
                !server.is_closed(),
                "{level:?}: the refusal waits for the request"
            );
            (c, auth3)
        };

        let mut server = r.connection(Endpoint::Gkdi);
        let (mut c, _) = handshake(&mut server);
        let answer = server
            .receive(&c.get_key(&request()).unwrap(), now())
            .unwrap();
        assert_eq!(
            c.receive(&answer).unwrap_err(),
            Error::CredentialsRefused {
                status: status::NCA_S_FAULT_ACCESS_DENIED
            },
            "{level:?}"
        );
        assert!(server.is_closed(), "{level:?}");
        assert_eq!(server.client_name(), None);

        let mut server = r.connection(Endpoint::Gkdi);
        let (_, auth3) = handshake(&mut server);
        assert!(
            matches!(
                server.receive(&auth3, now()),
                Err(Error::UnexpectedPdu { got: "auth3", .. })
            ),
            "{level:?}"
        );
        assert!(server.is_closed());

        let mut server = r.connection(Endpoint::Gkdi);
        handshake(&mut server);
        let mut retry = GkdiClient::new(
            Box::new(ToyContext::client(AuthType::Ntlm, "helpdesk", "pw")),
            ClientConfig::default(),
        );
        let mut alter = retry.start().unwrap();
        alter[2] = 14; // a new handshake, as an alter_context
        assert!(
            matches!(
                server.receive(&alter, now()),
                Err(Error::UnexpectedPdu {
                    got: "alter_context",
                    ..
                })
            ),
            "{level:?}"
        );
    }
}
