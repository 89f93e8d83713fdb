//! The NTLM client context and the lab server's acceptor, in process: handshake, then sealed
//! and signed PDUs in both directions, with and without header signing.

use std::sync::Arc;

use laps_client::{
    Account, AccountTable, AuthProtocol, ClientAuthOptions, ClientContext, Credentials,
    NtlmAcceptor,
};
use laps_rpc::auth::{AuthError, AuthType, SecurityContext, SidResolver};

const SID_USER: &str = "S-1-5-21-1-2-3-1105";
const SID_GROUP: &str = "S-1-5-21-1-2-3-512";

fn table() -> Arc<AccountTable> {
    Arc::new(
        AccountTable::new(vec![
            Account::parse(&format!(
                "CONTOSO\\helpdesk:Secr3t:pass:{SID_USER},{SID_GROUP}"
            ))
            .unwrap(),
            Account::parse("other:x:S-1-5-21-1-2-3-2000").unwrap(),
            Account::parse("CONTOSO\\mapped:S-1-5-21-1-2-3-2001").unwrap(),
        ])
        .unwrap(),
    )
}

fn client(user: &str, password: &str) -> ClientContext {
    let creds = Credentials::new(user, password.to_owned()).unwrap();
    ClientContext::new(
        AuthProtocol::Ntlm,
        &creds,
        "kds.contoso.test",
        &ClientAuthOptions::default(),
    )
    .unwrap()
}

/// Runs the three NTLM legs (bind, bind_ack, auth3) and returns the established pair.
fn handshake(user: &str, password: &str) -> Result<(ClientContext, NtlmAcceptor), AuthError> {
    let mut c = client(user, password);
    let mut s = NtlmAcceptor::new(table());
    let negotiate = c.step(&[])?;
    assert!(!negotiate.complete);
    let challenge = s.step(&negotiate.token)?;
    assert!(!challenge.complete);
    let authenticate = c.step(&challenge.token)?;
    assert!(
        authenticate.complete,
        "the client is done after AUTHENTICATE"
    );
    let done = s.step(&authenticate.token)?;
    assert!(
        done.complete && done.token.is_empty(),
        "auth3 gets no answer"
    );
    Ok((c, s))
}

/// A PDU-shaped buffer: 24 bytes of header, a stub, an 8-byte sec_trailer.
fn pdu(stub: &[u8]) -> (Vec<u8>, std::ops::Range<usize>) {
    let mut p: Vec<u8> = (0u8..24).collect();
    p.extend_from_slice(stub);
    p.extend_from_slice(&[0x0a, 0x06, 0, 0, 0, 0, 0, 0]);
    (p, 24..24 + stub.len())
}

#[test]
fn ntlm_handshake_names_the_configured_account() {
    let (c, s) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
    assert_eq!(c.auth_type(), AuthType::Ntlm);
    assert_eq!(s.client_name().as_deref(), Some("CONTOSO\\helpdesk"));
    assert_eq!(c.signature_len(), 16);
    assert_eq!(s.signature_len(), 16);
    let sids = table().sids("CONTOSO\\helpdesk").unwrap();
    let names: Vec<String> = sids.iter().map(ToString::to_string).collect();
    assert_eq!(names, [SID_USER, SID_GROUP, "S-1-1-0", "S-1-5-11"]);
}

#[test]
fn ntlm_account_without_domain_matches_any_domain() {
    let (_, s) = handshake("SOMEDOM\\other", "x").unwrap();
    assert_eq!(s.client_name().as_deref(), Some("other"));
}

#[test]
fn ntlm_upn_user_name_finds_the_domain_account() {
    let (_, s) = handshake("helpdesk@CONTOSO", "Secr3t:pass").unwrap();
    assert_eq!(s.client_name().as_deref(), Some("CONTOSO\\helpdesk"));
}

#[test]
fn ntlm_wrong_password_is_rejected_at_auth3() {
    let err = handshake("CONTOSO\\helpdesk", "wrong").unwrap_err();
    assert!(
        matches!(err, AuthError::Rejected(ref m) if m.contains("helpdesk") && !m.contains("wrong")),
        "{err:?}"
    );
}

#[test]
fn ntlm_unknown_user_is_rejected() {
    let err = handshake("CONTOSO\\nobody", "Secr3t:pass").unwrap_err();
    assert!(matches!(err, AuthError::Rejected(_)), "{err:?}");
}

#[test]
fn ntlm_wrong_domain_is_rejected() {
    let err = handshake("FABRIKAM\\helpdesk", "Secr3t:pass").unwrap_err();
    assert!(matches!(err, AuthError::Rejected(_)), "{err:?}");
}

fn seal_round_trip(header_signing: bool) {
    let (mut c, mut s) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
    for round in 0..3u8 {
        // client -> server
        let stub = vec![round; 40];
        let (mut p, data) = pdu(&stub);
        let auth = c.seal(&mut p, data.clone(), header_signing).unwrap();
        assert_eq!(auth.len(), c.signature_len());
        assert_ne!(&p[data.clone()], &stub[..], "the stub is encrypted");
        assert_eq!(&p[..24], &pdu(&stub).0[..24], "the header is left as is");
        s.unseal(&mut p, data.clone(), header_signing, &auth)
            .unwrap();
        assert_eq!(&p[data], &stub[..]);
        // server -> client
        let stub = vec![0xa0 | round; 24];
        let (mut p, data) = pdu(&stub);
        let auth = s.seal(&mut p, data.clone(), header_signing).unwrap();
        c.unseal(&mut p, data.clone(), header_signing, &auth)
            .unwrap();
        assert_eq!(&p[data], &stub[..]);
    }
}

#[test]
fn ntlm_seal_unseal_both_directions_with_header_signing() {
    seal_round_trip(true);
}

#[test]
fn ntlm_seal_unseal_both_directions_without_header_signing() {
    seal_round_trip(false);
}

/// NTLM's MAC covers the header and the sec_trailer even without header signing (Windows and
/// Samba sign the whole PDU), so a changed header byte fails the check either way.
#[test]
fn ntlm_seal_covers_the_header_with_and_without_header_signing() {
    for header_signing in [true, false] {
        let (mut c, mut s) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
        let (mut p, data) = pdu(b"stub data here");
        let auth = c.seal(&mut p, data.clone(), header_signing).unwrap();
        p[3] ^= 1;
        assert_eq!(
            s.unseal(&mut p, data, header_signing, &auth),
            Err(AuthError::BadSignature)
        );
    }
}

#[test]
fn ntlm_unseal_rejects_tampered_stub_and_signature() {
    let (mut c, mut s) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
    let (mut p, data) = pdu(b"0123456789abcdef");
    let auth = c.seal(&mut p, data.clone(), true).unwrap();
    p[data.start] ^= 0x80;
    assert_eq!(
        s.unseal(&mut p.clone(), data.clone(), true, &auth),
        Err(AuthError::BadSignature)
    );

    let (mut c, mut s) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
    let (mut p, data) = pdu(b"0123456789abcdef");
    let mut auth = c.seal(&mut p, data.clone(), true).unwrap();
    auth[5] ^= 1;
    assert_eq!(
        s.unseal(&mut p, data, true, &auth),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn ntlm_replayed_pdu_fails_the_sequence_check() {
    let (mut c, mut s) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
    let (mut p, data) = pdu(b"first");
    let auth = c.seal(&mut p, data.clone(), true).unwrap();
    let copy = p.clone();
    s.unseal(&mut p, data.clone(), true, &auth).unwrap();
    let mut replay = copy;
    assert!(s.unseal(&mut replay, data, true, &auth).is_err());
}

#[test]
fn ntlm_sign_verify_both_directions() {
    for header_signing in [true, false] {
        let (mut c, mut s) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
        let (p, data) = pdu(b"integrity only");
        let auth = c.sign(&p, data.clone(), header_signing).unwrap();
        assert_eq!(auth.len(), 16);
        s.verify(&p, data.clone(), header_signing, &auth).unwrap();
        let auth = s.sign(&p, data.clone(), header_signing).unwrap();
        let mut bad = p.clone();
        bad[data.start] ^= 1;
        assert_eq!(
            c.verify(&bad, data, header_signing, &auth),
            Err(AuthError::BadSignature)
        );
    }
}

#[test]
fn protection_before_completion_is_refused() {
    let mut c = client("CONTOSO\\helpdesk", "Secr3t:pass");
    let (mut p, data) = pdu(b"x");
    assert_eq!(
        c.seal(&mut p, data.clone(), true),
        Err(AuthError::NotEstablished)
    );
    let mut s = NtlmAcceptor::new(table());
    assert_eq!(
        s.unseal(&mut p, data, true, &[0; 16]),
        Err(AuthError::NotEstablished)
    );
}

#[test]
fn acceptor_rejects_garbage_tokens() {
    let mut s = NtlmAcceptor::new(table());
    assert!(s.step(b"not ntlm").is_err());
    let mut c = client("CONTOSO\\helpdesk", "Secr3t:pass");
    let mut s = NtlmAcceptor::new(table());
    let challenge = s.step(&c.step(&[]).unwrap().token).unwrap();
    let _ = challenge;
    let mut truncated = b"NTLMSSP\0\x03\0\0\0".to_vec();
    truncated.resize(64, 0xff);
    assert!(matches!(
        s.step(&truncated),
        Err(AuthError::InvalidToken(_))
    ));
}

#[test]
fn range_outside_the_pdu_is_an_error() {
    let (mut c, _) = handshake("CONTOSO\\helpdesk", "Secr3t:pass").unwrap();
    let (mut p, _) = pdu(b"abc");
    assert!(matches!(
        c.seal(&mut p, 10..100, true),
        Err(AuthError::Other(_))
    ));
}

#[test]
fn an_account_without_password_cannot_sign_in_with_ntlm() {
    for password in ["", "anything"] {
        let err = handshake("CONTOSO\\mapped", password).unwrap_err();
        assert!(
            matches!(&err, AuthError::Rejected(m) if m.contains("CONTOSO\\mapped")),
            "{err}"
        );
    }
}
