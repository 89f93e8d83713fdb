//! Kerberos end to end: the lab KDS holds the keytab the Samba DC exported for its service
//! account (`host/kds.winlaps.test`, AES); winlaps' client gets tickets from Samba's KDC and
//! calls GetKey with Kerberos (`auth_type` 16) and SPNEGO (9, Kerberos inside). The caller's
//! SIDs come from the ticket's PAC: the lab KDS is given no account for the callers, so a
//! member of "LAPS Readers" decrypts values protected to that group only through the PAC's
//! group SIDs, and a user outside the group is denied (MS-GKDI 3.1.4.1).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use laps_client::{
    fetch_keys, key_group, Account, AccountTable, AuthProtocol, ClientAuthOptions, ClientContext,
    ConnectOptions, Credentials, ErrorDetail, GkdiClient, KdsConfig, KdsHandle, KdsServer,
    KerberosAcceptor, KerberosService, Keytab, Timeouts,
};
use laps_core::{FileTime, Password};
use laps_crypto::rand_core::OsRng;
use laps_crypto::{encrypt, sample, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, Sid};
use laps_rpc::auth::{AuthError, SecurityContext};

mod common;
use common::{dc, Dc};

fn hours_ago(h: i64) -> FileTime {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    FileTime::from_unix_seconds(d.as_secs() as i64 - h * 3600).unwrap()
}

fn start(dc: &Dc, accounts: Vec<Account>) -> KdsHandle {
    let keytab = Keytab::read(dc.get("SAMBA_KEYTAB").as_ref()).unwrap();
    let service = KerberosService::new(keytab, Some(dc.get("SAMBA_SERVICE_SPN")))
        .unwrap_or_else(|e| panic!("{e}"));
    let config = KdsConfig {
        epm_port: 0,
        port: 0,
        idle_timeout: Duration::from_secs(10),
        kerberos: Some(service),
        ..KdsConfig::default()
    };
    KdsServer::bind(
        config,
        vec![sample::root_key()],
        AccountTable::new(accounts).unwrap(),
    )
    .unwrap()
    .spawn()
}

fn options(dc: &Dc, kds: &KdsHandle, protocol: AuthProtocol) -> ConnectOptions {
    let spn = dc.get("SAMBA_SERVICE_SPN");
    ConnectOptions {
        protocol,
        auth: ClientAuthOptions {
            spn_host: spn.split_once('/').map(|(_, h)| h.to_owned()),
            ..dc.auth_options()
        },
        epm_port: kds.epm_addr().port(),
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            io: Duration::from_secs(10),
            exchange: Duration::from_secs(20),
        },
        ..ConnectOptions::default()
    }
}

fn user(dc: &Dc, name: &str, password: &str) -> Credentials {
    Credentials::new(
        &format!("{}@{}", dc.get(name), dc.get("SAMBA_REALM")),
        dc.get(password).to_owned(),
    )
    .unwrap()
}

/// Values protected to `sid` at the given times, with their passwords.
fn values(sid: &Sid, hours: &[i64]) -> Vec<(Vec<u8>, String)> {
    hours
        .iter()
        .map(|&h| {
            let t = hours_ago(h);
            let gke = GroupKeyEnvelope::from_root_key(
                &sample::root_key(),
                sid,
                KeyIndex::from_filetime(t),
                sample::DOMAIN,
                sample::DOMAIN,
                true,
            )
            .unwrap();
            let pw = format!("Kerb-{h}-word");
            let cred = LapsCredential::new("Administrator", Password::from(pw.as_str()), t);
            (
                encrypt::encrypt_credential(&gke, sid, &cred, &mut OsRng).unwrap(),
                pw,
            )
        })
        .collect()
}

fn member_decrypts(protocol: AuthProtocol) {
    let Some(dc) = dc() else { return };
    let kds = start(&dc, Vec::new());
    let group: Sid = dc.get("SAMBA_HELPDESK_GROUP_SID").parse().unwrap();
    let vals = values(&group, &[1, 2, 30, 400, 900]);
    let raw: Vec<&[u8]> = vals.iter().map(|(v, _)| v.as_slice()).collect();
    let groups: std::collections::BTreeSet<_> =
        raw.iter().map(|v| key_group(v, false).unwrap().0).collect();
    let helpdesk = user(&dc, "SAMBA_HELPDESK_USER", "SAMBA_HELPDESK_PASSWORD");
    let mut client = GkdiClient::connect("127.0.0.1", &helpdesk, &options(&dc, &kds, protocol))
        .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
    let store = KeyStore::new();
    let report = fetch_keys(|| Ok(&mut client), &store, &raw, false).unwrap();
    assert!(
        report.errors.iter().all(Option::is_none),
        "{protocol:?}: {:?}",
        report.errors
    );
    assert_eq!(report.calls, groups.len());
    assert_eq!(kds.get_key_calls(), groups.len() as u64);
    for (r, (_, pw)) in store.decrypt_many(&raw).iter().zip(&vals) {
        assert_eq!(r.as_ref().unwrap().password.expose(), pw);
    }
    kds.stop();
}

#[test]
fn kerberos_member_decrypts_with_pac_group_sids() {
    member_decrypts(AuthProtocol::Kerberos);
}

#[test]
fn spnego_kerberos_member_decrypts_with_pac_group_sids() {
    member_decrypts(AuthProtocol::Negotiate);
}

#[test]
fn kerberos_non_member_is_denied_and_gets_the_public_key() {
    let Some(dc) = dc() else { return };
    // The account line maps plainuser to the group SID, but the ticket's PAC wins: the lab KDS
    // uses the name mapping only for tickets without a PAC.
    let group_sid = dc.get("SAMBA_HELPDESK_GROUP_SID");
    let mapping = Account::parse(&format!(
        "{}\\{}:{group_sid}",
        dc.get("SAMBA_DOMAIN"),
        dc.get("SAMBA_PLAIN_USER")
    ))
    .unwrap();
    let kds = start(&dc, vec![mapping]);
    let group: Sid = group_sid.parse().unwrap();
    let vals = values(&group, &[3, 500]);
    let raw: Vec<&[u8]> = vals.iter().map(|(v, _)| v.as_slice()).collect();
    let plain = user(&dc, "SAMBA_PLAIN_USER", "SAMBA_PLAIN_PASSWORD");
    for protocol in [AuthProtocol::Kerberos, AuthProtocol::Negotiate] {
        let opts = options(&dc, &kds, protocol);
        let mut client = GkdiClient::connect("127.0.0.1", &plain, &opts).unwrap();
        let store = KeyStore::new();
        let report = fetch_keys(|| Ok(&mut client), &store, &raw, false).unwrap();
        for e in &report.errors {
            let e = e.as_ref().expect("every value is denied");
            assert_eq!(e.detail(), ErrorDetail::AccessDenied, "{protocol:?}: {e}");
        }
        let current = client.get_key(&group, None, -1, -1, -1).unwrap();
        assert!(current.is_public_key(), "{protocol:?}: public key only");
    }
    kds.stop();
}

#[test]
fn kerberos_wrong_password_fails_at_the_kdc() {
    let Some(dc) = dc() else { return };
    let kds = start(&dc, Vec::new());
    let creds = Credentials::new(
        &format!(
            "{}@{}",
            dc.get("SAMBA_HELPDESK_USER"),
            dc.get("SAMBA_REALM")
        ),
        "not-the-password".into(),
    )
    .unwrap();
    let err = GkdiClient::connect(
        "127.0.0.1",
        &creds,
        &options(&dc, &kds, AuthProtocol::Kerberos),
    )
    .unwrap_err();
    assert_eq!(err.detail(), ErrorDetail::AuthFailed, "{err}");
    kds.stop();
}

#[test]
fn keytab_without_aes_is_refused_with_a_clear_error() {
    // A keytab with only an RC4 key (enctype 23) for host/kds.winlaps.test, as
    // `samba-tool domain exportkeytab` writes without msDS-SupportedEncryptionTypes.
    let mut kt = vec![5u8, 2];
    let mut rec = Vec::new();
    rec.extend(2u16.to_be_bytes());
    for s in ["WINLAPS.TEST", "host", "kds.winlaps.test"] {
        rec.extend((s.len() as u16).to_be_bytes());
        rec.extend(s.as_bytes());
    }
    rec.extend(1u32.to_be_bytes()); // KRB5_NT_PRINCIPAL
    rec.extend(0u32.to_be_bytes()); // timestamp
    rec.push(2); // kvno
    rec.extend(23u16.to_be_bytes());
    rec.extend(16u16.to_be_bytes());
    rec.extend([7u8; 16]);
    kt.extend((rec.len() as i32).to_be_bytes());
    kt.extend(&rec);
    let keytab = Keytab::parse(&kt).unwrap();
    assert_eq!(
        keytab.entries()[0].principal(),
        "host/kds.winlaps.test@WINLAPS.TEST"
    );
    assert_eq!(keytab.entries()[0].enctype(), 23);
    assert!(!format!("{keytab:?}").contains("7, 7"), "keys are redacted");
    let err = KerberosService::new(keytab, Some("host/kds.winlaps.test")).unwrap_err();
    assert_eq!(err.detail(), ErrorDetail::Usage);
    assert!(err.to_string().contains("no AES key"), "{err}");
    for bad in [&b""[..], &[5, 2, 0, 0, 0, 40, 0][..], &[1, 2, 3][..]] {
        assert_eq!(Keytab::parse(bad).unwrap_err().detail(), ErrorDetail::Usage);
    }
    // Every truncation, and every single-byte change of a length field, is a typed error or a
    // keytab; never a panic or an allocation the size of a forged length.
    for n in 0..kt.len() {
        if let Err(e) = Keytab::parse(&kt[..n]) {
            assert_eq!(e.detail(), ErrorDetail::Usage, "cut at {n}: {e}");
        }
    }
    for at in 0..kt.len() {
        for v in [0u8, 0x7f, 0x80, 0xff] {
            let mut m = kt.clone();
            m[at] = v;
            if let Err(e) = Keytab::parse(&m) {
                assert_eq!(e.detail(), ErrorDetail::Usage, "byte {at} = {v:#x}: {e}");
            }
        }
    }
}

/// A keytab (version 0x0502) with one key for `components`@WINLAPS.TEST.
fn keytab_bytes(components: &[&str], enctype: u16, key: &[u8]) -> Vec<u8> {
    let mut rec = Vec::new();
    rec.extend((components.len() as u16).to_be_bytes());
    for s in std::iter::once(&"WINLAPS.TEST").chain(components) {
        rec.extend((s.len() as u16).to_be_bytes());
        rec.extend(s.as_bytes());
    }
    rec.extend(1u32.to_be_bytes());
    rec.extend(0u32.to_be_bytes());
    rec.push(2);
    rec.extend(enctype.to_be_bytes());
    rec.extend((key.len() as u16).to_be_bytes());
    rec.extend(key);
    let mut kt = vec![5u8, 2];
    kt.extend((rec.len() as i32).to_be_bytes());
    kt.extend(rec);
    kt
}

#[test]
fn kerberos_acceptor_rejects_mangled_and_foreign_tickets() {
    let Some(dc) = dc() else { return };
    let spn = dc.get("SAMBA_SERVICE_SPN");
    let helpdesk = user(&dc, "SAMBA_HELPDESK_USER", "SAMBA_HELPDESK_PASSWORD");
    // A real DCE-style AP-REQ for the service, from sspi's client and Samba's KDC.
    let (ap_req, mut client) = ap_req_of(&dc, &helpdesk);
    let keytab = Keytab::read(dc.get("SAMBA_KEYTAB").as_ref()).unwrap();
    let service = Arc::new(KerberosService::new(keytab, Some(spn)).unwrap());

    // Every truncation is a typed error.
    for n in (0..ap_req.len()).step_by(5) {
        let mut a = KerberosAcceptor::new(service.clone());
        assert!(a.step(&ap_req[..n]).is_err(), "AP-REQ cut at {n}");
        assert_eq!(a.client_name(), None);
    }
    // A flipped byte never panics, and in the last bytes (the authenticator's checksum) fails.
    for at in (0..ap_req.len())
        .step_by(11)
        .chain(ap_req.len() - 4..ap_req.len())
    {
        let mut mangled = ap_req.clone();
        mangled[at] ^= 0x40;
        let result = KerberosAcceptor::new(service.clone()).step(&mangled);
        if at >= ap_req.len() - 4 {
            assert!(result.is_err(), "flipped byte {at}");
        }
    }
    // A keytab with another key for the same SPN: the ticket does not decrypt.
    let components: Vec<&str> = spn.split('/').collect();
    let wrong = Keytab::parse(&keytab_bytes(&components, 18, &[9u8; 32])).unwrap();
    let wrong = Arc::new(KerberosService::new(wrong, Some(spn)).unwrap());
    let err = KerberosAcceptor::new(wrong).step(&ap_req).unwrap_err();
    assert!(
        matches!(&err, AuthError::Rejected(m) if m.contains("does not decrypt")),
        "{err}"
    );
    // A keytab for another service: no key for the ticket's SPN.
    let other = Keytab::parse(&keytab_bytes(
        &["host", "other.winlaps.test"],
        18,
        &[9u8; 32],
    ))
    .unwrap();
    let other = Arc::new(KerberosService::new(other, None).unwrap());
    let err = KerberosAcceptor::new(other).step(&ap_req).unwrap_err();
    assert!(
        matches!(&err, AuthError::Rejected(m) if m.contains("no keytab key")),
        "{err}"
    );
    // The genuine ticket is accepted (AP-REP back, DCE style: not complete until the
    // client's closing AP-REP) and is then not accepted twice by the same acceptor.
    let mut a = KerberosAcceptor::new(service);
    let step = a.step(&ap_req).unwrap();
    assert!(!step.complete && !step.token.is_empty());
    let step = a.step(&client.step(&step.token).unwrap().token).unwrap();
    assert!(step.complete);
    assert_eq!(a.client_name().as_deref(), Some(helpdesk.user()));
    let group: Sid = dc.get("SAMBA_HELPDESK_GROUP_SID").parse().unwrap();
    assert!(a.client_sids().unwrap().contains(&group));
    assert!(a.step(&ap_req).is_err());
}

/// A DCE-style AP-REQ for the service from sspi's client, and the client.
fn ap_req_of(dc: &Dc, creds: &Credentials) -> (Vec<u8>, ClientContext) {
    let host = dc.get("SAMBA_SERVICE_SPN").split_once('/').unwrap().1;
    let mut client =
        ClientContext::new(AuthProtocol::Kerberos, creds, host, &dc.auth_options()).unwrap();
    (client.step(&[]).unwrap().token, client)
}

#[test]
fn a_ticket_without_pac_falls_back_to_the_account_table() {
    use picky_asn1::wrapper::{ExplicitContextTag2, OctetStringAsn1, Optional};
    use picky_krb::constants::key_usages::TICKET_REP;
    use picky_krb::crypto::CipherSuite;
    use picky_krb::data_types::EncTicketPart;
    use picky_krb::messages::ApReq;

    let Some(dc) = dc() else { return };
    let helpdesk = user(&dc, "SAMBA_HELPDESK_USER", "SAMBA_HELPDESK_PASSWORD");
    let (ap_req, mut client) = ap_req_of(&dc, &helpdesk);
    let keytab = Keytab::read(dc.get("SAMBA_KEYTAB").as_ref()).unwrap();
    let spn = dc.get("SAMBA_SERVICE_SPN");

    // The service key holder re-issues the ticket without its authorization data (as a KDC
    // does for a service whose account says no PAC is needed): same session key, so the
    // client's authenticator and the rest of the exchange stay valid.
    let mut req: ApReq = picky_asn1_der::from_bytes(&ap_req).unwrap();
    let enc = &mut req.0.ticket.0 .0.enc_part.0;
    let etype = enc.etype.0 .0.clone();
    let cipher = CipherSuite::try_from(etype.as_slice()).unwrap().cipher();
    let names: Vec<&str> = spn.split('/').collect();
    let key = keytab
        .find(&names, i32::from(*etype.last().unwrap()), None)
        .unwrap()
        .key();
    let plain = cipher.decrypt(key, TICKET_REP, &enc.cipher.0 .0).unwrap();
    let mut part: EncTicketPart = picky_asn1_der::from_bytes(&plain).unwrap();
    assert!(
        part.0.authorization_data.0.is_some(),
        "Samba's ticket has a PAC"
    );
    part.0.authorization_data = Optional::from(None);
    let plain = picky_asn1_der::to_vec(&part).unwrap();
    enc.cipher = ExplicitContextTag2::from(OctetStringAsn1::from(
        cipher.encrypt(key, TICKET_REP, &plain).unwrap(),
    ));
    let no_pac = picky_asn1_der::to_vec(&req).unwrap();

    let service = Arc::new(KerberosService::new(keytab, Some(spn)).unwrap());
    let mut a = KerberosAcceptor::new(service);
    let ap_rep = a.step(&no_pac).unwrap();
    let done = a.step(&client.step(&ap_rep.token).unwrap().token).unwrap();
    assert!(done.complete);
    assert_eq!(a.client_sids(), None, "no PAC, no SIDs from the ticket");
    let name = a.client_name().unwrap();
    assert_eq!(name, helpdesk.user());

    // The responder then asks the account table: a NAME:SID line maps the Kerberos name.
    let group = dc.get("SAMBA_HELPDESK_GROUP_SID");
    let mapped = AccountTable::new(vec![Account::parse(&format!(
        "{}\\{}:{group}",
        dc.get("SAMBA_DOMAIN"),
        dc.get("SAMBA_HELPDESK_USER")
    ))
    .unwrap()])
    .unwrap();
    let sids = laps_rpc::auth::SidResolver::sids(&mapped, &name).unwrap();
    assert!(sids.contains(&group.parse().unwrap()));
    let empty = AccountTable::default();
    assert_eq!(laps_rpc::auth::SidResolver::sids(&empty, &name), None);
}
