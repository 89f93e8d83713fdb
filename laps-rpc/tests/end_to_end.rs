//! The client state machines against the responder, in memory, with the test-only toy
//! security context (tests/common): EPM lookup, binds over NDR and NDR64, NTLM-, Kerberos- and
//! SPNEGO-shaped handshakes, sealing and signing with and without header signing,
//! fragmentation, GetKey for members and non-members, and decryption with the fetched keys.

mod common;

use common::{ToyAcceptors, ToyContext};
use laps_core::FileTime;
use laps_crypto::{sample, GroupKeyEnvelope, KeyIndex, KeyStore, Sid};
use laps_rpc::auth::{AuthLevel, AuthType};
use laps_rpc::client::{ClientConfig, EpmLookup, GkdiClient, Step};
use laps_rpc::gkdi::{GetKeyRequest, GKDI_INTERFACE};
use laps_rpc::keys::KeyService;
use laps_rpc::ndr::TransferSyntax;
use laps_rpc::server::{Endpoint, Responder, ResponderConfig, ServerConnection};
use laps_rpc::{Error, ErrorDetail};
use rand_core::SeedableRng;
use std::sync::{Arc, Mutex};

const MEMBER_SID: &str = "S-1-5-21-3112951519-3615558888-3888674396-1105";

fn now() -> FileTime {
    FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap()
}

fn group() -> Sid {
    sample::SID.parse().unwrap()
}

fn responder_with(config: ResponderConfig, corrupt: Arc<Mutex<bool>>) -> Responder {
    let accounts = vec![
        ("helpdesk".to_string(), b"hunter2".to_vec()),
        ("laps-client".to_string(), b"pc-secret".to_vec()),
    ];
    let group = group();
    Responder::new(
        config,
        KeyService::new(vec![sample::root_key()], sample::DOMAIN, sample::DOMAIN),
        Arc::new(ToyAcceptors { accounts, corrupt }),
        Arc::new(move |name: &str| match name {
            "TOY\\helpdesk" => Some(vec![MEMBER_SID.parse().unwrap(), group.clone()]),
            "TOY\\laps-client" => Some(vec!["S-1-5-21-3112951519-3615558888-3888674396-2001"
                .parse()
                .unwrap()]),
            _ => None,
        }),
    )
}

fn responder() -> Responder {
    responder_with(ResponderConfig::default(), Arc::new(Mutex::new(false)))
}

/// Delivers `bytes` to the server in `chunk`-sized pieces; returns what it answers.
fn to_server(server: &mut ServerConnection, bytes: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        out.extend(server.receive(piece, now()).unwrap());
    }
    out
}

fn bind_gkdi(
    client: &mut GkdiClient,
    server: &mut ServerConnection,
    chunk: usize,
) -> Result<(), Error> {
    let mut to_send = client.start()?;
    loop {
        let answer = to_server(server, &to_send, chunk);
        if answer.is_empty() {
            return Err(Error::InvalidState("server sent nothing"));
        }
        let mut step = Step::NeedMore;
        for piece in answer.chunks(chunk.max(1)) {
            step = client.receive(piece)?;
            if !matches!(step, Step::NeedMore) {
                break;
            }
        }
        match step {
            Step::Send(b) => to_send = b,
            Step::Ready(b) => {
                if !b.is_empty() {
                    assert!(
                        to_server(server, &b, chunk).is_empty(),
                        "auth3 gets no answer"
                    );
                }
                return Ok(());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn get_key(
    client: &mut GkdiClient,
    server: &mut ServerConnection,
    req: &GetKeyRequest,
    chunk: usize,
) -> Result<Vec<u8>, Error> {
    let request = client.get_key(req)?;
    let answer = to_server(server, &request, chunk);
    for piece in answer.chunks(chunk.max(1)) {
        if let Step::Done(outcome) = client.receive(piece)? {
            return outcome;
        }
    }
    panic!("no answer")
}

fn client(kind: AuthType, user: &str, secret: &str, config: ClientConfig) -> GkdiClient {
    GkdiClient::new(Box::new(ToyContext::client(kind, user, secret)), config)
}

#[test]
fn epm_lookup_finds_the_isd_key_port_over_ndr64_and_ndr() {
    for syntaxes in [
        vec![TransferSyntax::Ndr64, TransferSyntax::Ndr],
        vec![TransferSyntax::Ndr],
    ] {
        let r = responder();
        let mut server = r.connection(Endpoint::Epm);
        let mut lookup = EpmLookup::new(
            GKDI_INTERFACE,
            ClientConfig {
                transfer_syntaxes: syntaxes,
                ..Default::default()
            },
        );
        let mut send = lookup.start().unwrap();
        let port = loop {
            let answer = to_server(&mut server, &send, 7);
            match lookup.receive(&answer).unwrap() {
                Step::Send(b) => send = b,
                Step::Done(port) => break port,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(port, 49700);
        assert_eq!(r.ept_map_calls(), 1);
    }
}

#[test]
fn epm_lookup_of_an_unregistered_interface_is_endpoint_not_found() {
    let r = responder();
    let mut server = r.connection(Endpoint::Epm);
    let other = laps_rpc::epm::EPM_INTERFACE;
    let mut lookup = EpmLookup::new(other, ClientConfig::default());
    let bind = lookup.start().unwrap();
    let Step::Send(call) = lookup
        .receive(&to_server(&mut server, &bind, 4096))
        .unwrap()
    else {
        panic!()
    };
    let err = lookup
        .receive(&to_server(&mut server, &call, 4096))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::EndpointNotFound {
            status: laps_rpc::status::EPT_S_NOT_REGISTERED,
            ..
        }
    ));
    assert_eq!(err.detail(), ErrorDetail::EndpointNotFound);
}

/// A member of the group gets the seed envelope, byte-identical to laps-crypto's, for every
/// auth shape, transfer syntax, header signing choice and protection level.
#[test]
fn member_gets_seed_keys_in_every_configuration() {
    let index = KeyIndex {
        l0: 363,
        l1: 9,
        l2: 16,
    };
    let expected = GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        &group(),
        index,
        sample::DOMAIN,
        sample::DOMAIN,
        false,
    )
    .unwrap()
    .to_bytes();
    let root_id = sample::root_key().id();
    for kind in [AuthType::Ntlm, AuthType::Kerberos, AuthType::Spnego] {
        for syntaxes in [vec![TransferSyntax::Ndr64], vec![TransferSyntax::Ndr]] {
            for header_signing in [true, false] {
                for level in [AuthLevel::PktPrivacy, AuthLevel::PktIntegrity] {
                    let r = responder_with(
                        ResponderConfig {
                            min_auth_level: AuthLevel::PktIntegrity,
                            ..Default::default()
                        },
                        Arc::new(Mutex::new(false)),
                    );
                    let mut server = r.connection(Endpoint::Gkdi);
                    let mut c = client(
                        kind,
                        "helpdesk",
                        "hunter2",
                        ClientConfig {
                            transfer_syntaxes: syntaxes.clone(),
                            header_signing,
                            auth_level: level,
                            ..Default::default()
                        },
                    );
                    bind_gkdi(&mut c, &mut server, 4096).unwrap();
                    assert_eq!(c.connection().header_signing(), header_signing);
                    assert_eq!(c.connection().transfer_syntax(), Some(syntaxes[0]));
                    assert_eq!(server.client_name().as_deref(), Some("TOY\\helpdesk"));
                    let req = GetKeyRequest::for_sid(&group(), Some(root_id), 363, 9, 16);
                    let got = get_key(&mut c, &mut server, &req, 4096).unwrap();
                    assert_eq!(
                        got, expected,
                        "{kind:?} {syntaxes:?} hs={header_signing} {level:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn non_member_gets_the_public_key_envelope_and_encrypts_for_the_member_to_decrypt() {
    let r = responder();
    let root_id = sample::root_key().id();
    // The LAPS client (not in the group) asks for the current key: public key only.
    let mut server = r.connection(Endpoint::Gkdi);
    let mut pc = client(
        AuthType::Ntlm,
        "laps-client",
        "pc-secret",
        ClientConfig::default(),
    );
    bind_gkdi(&mut pc, &mut server, 4096).unwrap();
    let public = get_key(
        &mut pc,
        &mut server,
        &GetKeyRequest::for_sid(&group(), None, -1, -1, -1),
        4096,
    )
    .unwrap();
    let public = GroupKeyEnvelope::parse(&public).unwrap();
    assert!(public.is_public_key());
    assert_eq!(public.index, KeyIndex::from_filetime(now()));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let blob = laps_crypto::encrypt_blob(&public, &group(), b"secret value", &mut rng).unwrap();

    // The helpdesk member fetches the seed envelope for that blob's key and decrypts.
    let mut server = r.connection(Endpoint::Gkdi);
    let mut hd = client(
        AuthType::Spnego,
        "helpdesk",
        "hunter2",
        ClientConfig::default(),
    );
    bind_gkdi(&mut hd, &mut server, 4096).unwrap();
    let i = public.index;
    let seeds = get_key(
        &mut hd,
        &mut server,
        &GetKeyRequest::for_sid(&group(), Some(root_id), i.l0, i.l1, i.l2),
        4096,
    )
    .unwrap();
    let store = KeyStore::new();
    store.add_group_key_envelope_bytes(&seeds).unwrap();
    assert_eq!(
        store.decrypt_blob(&blob).unwrap().as_bytes(),
        b"secret value"
    );
    assert_eq!(r.get_key_calls(), 2);
}

#[test]
fn access_denied_names_the_sid_and_leaves_the_connection_usable() {
    let r = responder();
    let mut server = r.connection(Endpoint::Gkdi);
    let mut c = client(
        AuthType::Ntlm,
        "laps-client",
        "pc-secret",
        ClientConfig::default(),
    );
    bind_gkdi(&mut c, &mut server, 4096).unwrap();
    // An SD without the World ACE: a non-member gets nothing.
    let sd = laps_crypto::sid::target_security_descriptor(&group());
    let mut only_group = sd.clone();
    // Drop the World ACE: ACL size and count, then the 20-byte ACE.
    let sid_len = group().to_bytes().len();
    let world_ace = 20 + 8 + 8 + sid_len;
    only_group.drain(world_ace..world_ace + 20);
    only_group[22..24].copy_from_slice(&((8 + 8 + sid_len) as u16).to_le_bytes());
    only_group[24..26].copy_from_slice(&1u16.to_le_bytes());
    let owner = (20 + 8 + 8 + sid_len) as u32;
    only_group[4..8].copy_from_slice(&owner.to_le_bytes());
    only_group[8..12].copy_from_slice(&(owner + 12).to_le_bytes());
    let req = GetKeyRequest {
        target_sd: only_group,
        root_key_id: None,
        l0: -1,
        l1: -1,
        l2: -1,
    };
    let err = get_key(&mut c, &mut server, &req, 4096).unwrap_err();
    assert!(
        matches!(&err, Error::AccessDenied { target } if target == sample::SID),
        "{err:?}"
    );
    assert!(err.to_string().contains(sample::SID));
    assert!(c.is_ready());
    // The same connection still serves the next call.
    let ok = get_key(
        &mut c,
        &mut server,
        &GetKeyRequest::for_sid(&group(), None, -1, -1, -1),
        4096,
    );
    assert!(ok.is_ok());
}

#[test]
fn future_keys_unknown_root_keys_and_bad_indices_are_typed_hresults() {
    let r = responder();
    let mut server = r.connection(Endpoint::Gkdi);
    let mut c = client(
        AuthType::Kerberos,
        "helpdesk",
        "hunter2",
        ClientConfig::default(),
    );
    bind_gkdi(&mut c, &mut server, 4096).unwrap();
    let cur = KeyIndex::from_filetime(now());
    let root = Some(sample::root_key().id());
    let cases = [
        (
            GetKeyRequest::for_sid(&group(), root, cur.l0 + 1, 0, 0),
            laps_rpc::status::E_INVALIDARG,
        ),
        (
            GetKeyRequest::for_sid(&group(), root, 363, -1, 9),
            laps_rpc::status::E_INVALIDARG,
        ),
        (
            GetKeyRequest::for_sid(&group(), root, -1, 2, 3),
            laps_rpc::status::E_INVALIDARG,
        ),
        (
            GetKeyRequest::for_sid(&group(), root, cur.l0, cur.l1 + 1, -1),
            laps_rpc::status::E_INVALIDARG,
        ),
        (
            GetKeyRequest::for_sid(&group(), root, 363, 32, 0),
            laps_rpc::status::E_INVALIDARG,
        ),
        (
            GetKeyRequest::for_sid(
                &group(),
                Some("11111111-2222-3333-4444-555555555555".parse().unwrap()),
                -1,
                -1,
                -1,
            ),
            laps_rpc::status::E_NOT_FOUND,
        ),
        (
            GetKeyRequest {
                target_sd: vec![1, 2, 3, 4],
                root_key_id: root,
                l0: -1,
                l1: -1,
                l2: -1,
            },
            laps_rpc::status::E_INVALID_DATA,
        ),
    ];
    for (req, hr) in cases {
        let err = get_key(&mut c, &mut server, &req, 4096).unwrap_err();
        assert_eq!(err, Error::GetKey { hresult: hr }, "{req:?}");
        assert_eq!(err.detail(), ErrorDetail::GetKey);
    }
}

#[test]
fn small_fragments_split_and_reassemble_both_directions() {
    let r = responder_with(
        ResponderConfig {
            max_frag: 256,
            ..Default::default()
        },
        Arc::new(Mutex::new(false)),
    );
    let mut server = r.connection(Endpoint::Gkdi);
    let mut c = client(
        AuthType::Ntlm,
        "helpdesk",
        "hunter2",
        ClientConfig {
            max_frag: 256,
            ..Default::default()
        },
    );
    bind_gkdi(&mut c, &mut server, 3).unwrap();
    let expected = GroupKeyEnvelope::from_root_key(
        &sample::root_key(),
        &group(),
        KeyIndex::from_filetime(now()),
        sample::DOMAIN,
        sample::DOMAIN,
        false,
    )
    .unwrap()
    .to_bytes();
    let req = GetKeyRequest::for_sid(&group(), None, -1, -1, -1);
    let request = c.get_key(&req).unwrap();
    assert!(request.len() > 256, "the request itself is fragmented");
    let answer = to_server(&mut server, &request, 5);
    assert!(answer.len() > expected.len() + 256);
    let mut got = None;
    for piece in answer.chunks(11) {
        if let Step::Done(o) = c.receive(piece).unwrap() {
            got = Some(o.unwrap());
        }
    }
    assert_eq!(got.unwrap(), expected);
}

#[test]
fn a_wrong_password_is_refused_at_bind() {
    let r = responder();
    let mut server = r.connection(Endpoint::Gkdi);
    let mut c = client(
        AuthType::Kerberos,
        "helpdesk",
        "wrong",
        ClientConfig::default(),
    );
    let err = bind_gkdi(&mut c, &mut server, 4096).unwrap_err();
    assert!(matches!(err, Error::BindNak { .. }), "{err:?}");
    assert_eq!(err.detail(), ErrorDetail::BindRejected);
    assert!(server.is_closed());
}
