//! A hostile LDAP server: malformed messages must come back as typed errors, never as a panic
//! in the caller or a hang. The fake server speaks LDAPS with a test CA in `tests/data` (simple
//! binds are refused without TLS) and answers the bind and the RootDSE search with bytes that
//! ldap3 parses with `expect`s.

use laps_core::Password;
use laps_ldap::{Auth, ConnectOptions, Directory, Error};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A successful BindResponse to message 1.
const BIND_OK: &[u8] = &[
    0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
];

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Serves one connection: TLS, then for each scripted answer one request read and the answer
/// written; then keeps the connection open until the client leaves (or 10 s).
fn serve(script: Vec<Vec<u8>>) -> u16 {
    let certs = CertificateDer::pem_file_iter(data("hostile-server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(data("hostile-server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut buf = [0u8; 4096];
        for answer in script {
            match tls.read(&mut buf) {
                Ok(n) if n > 0 => {}
                _ => return,
            }
            if tls.write_all(&answer).and_then(|()| tls.flush()).is_err() {
                return;
            }
        }
        while matches!(tls.read(&mut buf), Ok(n) if n > 0) {}
    });
    port
}

fn connect(port: u16) -> Result<Directory, Error> {
    let mut o = ConnectOptions::new("127.0.0.1");
    o.port = Some(port);
    o.ldaps = true;
    o.ca_file = Some(data("hostile-ca.pem"));
    o.auth = Auth::Simple;
    o.user = Some("user@example.test".into());
    o.password = Some(Password::from("hostile-test-secret"));
    o.timeout = Duration::from_secs(2);
    Directory::connect(&o)
}

/// Runs `script` against `Directory::connect` and returns the error and its text.
fn failure(script: &[&[u8]]) -> (Error, String) {
    let port = serve(script.iter().map(|a| a.to_vec()).collect());
    let started = Instant::now();
    let e = connect(port).expect_err("a hostile server must not yield a connection");
    assert!(started.elapsed() < Duration::from_secs(8), "{e}");
    assert!(!e.to_string().contains("hostile-test-secret"), "{e}");
    let text = e.to_string();
    (e, text)
}

#[test]
fn the_fixture_server_answers_a_well_formed_bind() {
    // The control: with a valid bind answer and a closed connection afterwards, the failure is
    // the RootDSE search, not TLS or the bind.
    let (e, text) = failure(&[BIND_OK]);
    assert!(matches!(e, Error::Timeout { .. }), "{text}");
    assert!(text.starts_with("search timed out"), "{text}");
}

#[test]
fn a_bind_response_without_a_result_code_is_a_protocol_error() {
    // ldap3 parses the bind result on the caller's thread: `expect("element")` panics.
    let (e, text) = failure(&[&[0x30, 0x05, 0x02, 0x01, 0x01, 0x61, 0x00]]);
    assert!(matches!(e, Error::Protocol { .. }), "{text}");
    assert!(text.contains("malformed message from the server"), "{text}");
}

#[test]
fn a_bind_response_with_a_non_utf8_message_is_an_error() {
    let (e, text) = failure(&[&[
        0x30, 0x0e, 0x02, 0x01, 0x01, 0x61, 0x09, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x02, 0xff,
        0xfe,
    ]]);
    assert!(matches!(e, Error::Protocol { .. }), "{text}");
}

#[test]
fn a_search_answered_by_an_unknown_operation_is_an_error() {
    // [APPLICATION 7] in answer to a search: ldap3's connection task panics
    // ("unrecognized op id"); the caller sees the connection end.
    let (e, text) = failure(&[BIND_OK, &[0x30, 0x05, 0x02, 0x01, 0x02, 0x67, 0x00]]);
    assert!(matches!(e, Error::Protocol { .. }), "{text}");
}

#[test]
fn a_message_without_an_operation_is_an_error() {
    // Only a message id: ldap3's decoder panics inside its connection task.
    let (e, text) = failure(&[BIND_OK, &[0x30, 0x03, 0x02, 0x01, 0x02]]);
    assert!(matches!(e, Error::Protocol { .. }), "{text}");
}

#[test]
fn a_malformed_search_entry_is_a_protocol_error() {
    // A SearchResultEntry with a DN and no attribute list: `SearchEntry::construct` panics.
    let (e, text) = failure(&[
        BIND_OK,
        &[0x30, 0x07, 0x02, 0x01, 0x02, 0x64, 0x02, 0x04, 0x00],
    ]);
    assert!(matches!(e, Error::Protocol { .. }), "{text}");
}

#[test]
fn a_message_that_is_no_sequence_is_a_protocol_error() {
    // An OCTET STRING where an LDAPMessage SEQUENCE belongs.
    let (e, text) = failure(&[BIND_OK, &[0x04, 0x03, 0x61, 0x62, 0x63]]);
    assert!(matches!(e, Error::Protocol { .. }), "{text}");
}

#[test]
fn an_endless_length_times_out_without_allocating_it() {
    // A 2 GiB length, then silence: the search times out (the buffer grows only with data).
    let (e, text) = failure(&[BIND_OK, &[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02]]);
    assert!(matches!(e, Error::Timeout { .. }), "{text}");
}

/// One BER element with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend(content);
    out
}

#[test]
fn after_a_malformed_answer_the_connection_is_not_used_again() {
    // A well-formed RootDSE, then a Who am I answer without a result code (a panic on the
    // caller's thread in ldap3): a protocol error, and every later call is refused.
    let attribute = |name: &str, value: &str| {
        tlv(
            0x30,
            &[
                tlv(0x04, name.as_bytes()),
                tlv(0x31, &tlv(0x04, value.as_bytes())),
            ]
            .concat(),
        )
    };
    let attributes = [
        attribute("defaultNamingContext", "DC=example,DC=test"),
        attribute(
            "configurationNamingContext",
            "CN=Configuration,DC=example,DC=test",
        ),
        attribute("rootDomainNamingContext", "DC=example,DC=test"),
    ]
    .concat();
    let entry = tlv(
        0x30,
        &[
            tlv(0x02, &[2]),
            tlv(0x64, &[tlv(0x04, b""), tlv(0x30, &attributes)].concat()),
        ]
        .concat(),
    );
    let done = [
        0x30, 0x0c, 0x02, 0x01, 0x02, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
    ];
    let whoami = [0x30, 0x05, 0x02, 0x01, 0x03, 0x78, 0x00];
    let port = serve(vec![
        BIND_OK.to_vec(),
        [entry, done.to_vec()].concat(),
        whoami.to_vec(),
    ]);
    let mut dir = connect(port).expect("a well-formed bind and RootDSE");
    assert_eq!(dir.naming_contexts().default, "DC=example,DC=test");
    let e = dir.caller_sids().unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }), "{e}");
    let e = dir.find_computers(&["PC01".into()], None).unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }), "{e}");
    assert!(e.to_string().contains("abandoned"), "{e}");
}

#[test]
fn malformed_answers_to_an_ntlm_bind_are_typed_errors() {
    let ntlm = |script: &[&[u8]]| {
        let port = serve(script.iter().map(|a| a.to_vec()).collect());
        let mut o = ConnectOptions::new("127.0.0.1");
        o.port = Some(port);
        o.ldaps = true;
        o.ca_file = Some(data("hostile-ca.pem"));
        o.auth = Auth::Ntlm;
        o.user = Some("EXAMPLE\\user".into());
        o.password = Some(Password::from("hostile-test-secret"));
        o.timeout = Duration::from_secs(2);
        let e = Directory::connect(&o).expect_err("no connection from a hostile server");
        assert!(!e.to_string().contains("hostile-test-secret"), "{e}");
        e
    };
    // No result code; saslBindInProgress without a challenge; an endless length; garbage as
    // the challenge; silence.
    let e = ntlm(&[&[0x30, 0x05, 0x02, 0x01, 0x01, 0x61, 0x00]]);
    assert!(matches!(e, Error::Protocol { .. }), "{e}");
    let in_progress = [
        0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x0e, 0x04, 0x00, 0x04, 0x00,
    ];
    let e = ntlm(&[&in_progress]);
    assert!(e.to_string().contains("no NTLM challenge"), "{e}");
    let e = ntlm(&[&[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]]);
    assert!(matches!(e, Error::Protocol { .. }), "{e}");
    let garbage_challenge = [
        0x30, 0x10, 0x02, 0x01, 0x01, 0x61, 0x0b, 0x0a, 0x01, 0x0e, 0x04, 0x00, 0x04, 0x00, 0x87,
        0x02, 0x01, 0x02,
    ];
    let e = ntlm(&[&garbage_challenge]);
    assert!(matches!(e, Error::Bind { .. }), "{e}");
    let e = ntlm(&[]);
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
}
