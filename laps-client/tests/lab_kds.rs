//! winlaps' GetKey client against the lab KDS, in process on loopback: NTLM, batch key
//! fetching with the RPC count counted in the responder, access denied, the public-key path,
//! wrong passwords and the connection cap.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use laps_client::{
    decrypt_many, fetch_keys, key_group, Account, AccountTable, AuthProtocol, ConnectOptions,
    Credentials, ErrorDetail, ErrorKind, GkdiClient, KdsConfig, KdsHandle, KdsServer, Timeouts,
};
use laps_core::{FileTime, Password};
use laps_crypto::rand_core::OsRng;
use laps_crypto::{encrypt, sample, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, Sid};
use laps_rpc::client::ClientConfig;
use laps_rpc::ndr::TransferSyntax;

const OTHER_SID: &str = "S-1-5-21-3112951519-3615558888-3888674396-1200";

fn now() -> FileTime {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    FileTime::from_unix_nanos(d.as_nanos() as i128).unwrap()
}

fn hours_ago(h: i64) -> FileTime {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    FileTime::from_unix_seconds(d.as_secs() as i64 - h * 3600).unwrap()
}

fn start(max_connections: usize) -> KdsHandle {
    let accounts = AccountTable::new(vec![
        Account::parse(&format!(
            "CONTOSO\\helpdesk:Helpd3sk!:S-1-5-21-3112951519-3615558888-3888674396-1105,{}",
            sample::SID
        ))
        .unwrap(),
        Account::parse(&format!("plain:Pl41n!:{OTHER_SID}")).unwrap(),
    ])
    .unwrap();
    let config = KdsConfig {
        epm_port: 0,
        port: 0,
        max_connections,
        idle_timeout: Duration::from_secs(5),
        ..KdsConfig::default()
    };
    KdsServer::bind(config, vec![sample::root_key()], accounts)
        .unwrap()
        .spawn()
}

fn options(kds: &KdsHandle, syntax: TransferSyntax) -> ConnectOptions {
    ConnectOptions {
        protocol: AuthProtocol::Ntlm,
        epm_port: kds.epm_addr().port(),
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            io: Duration::from_secs(5),
            exchange: Duration::from_secs(10),
        },
        rpc: ClientConfig {
            transfer_syntaxes: vec![syntax],
            ..ClientConfig::default()
        },
        ..ConnectOptions::default()
    }
}

fn helpdesk() -> Credentials {
    Credentials::new("CONTOSO\\helpdesk", "Helpd3sk!".into()).unwrap()
}

/// `n` values for `sid` encrypted with the sample root key at the given times (public-key path,
/// as Windows LAPS writes them).
fn values(sid: &Sid, times: &[FileTime]) -> Vec<(Vec<u8>, String)> {
    times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let gke = GroupKeyEnvelope::from_root_key(
                &sample::root_key(),
                sid,
                KeyIndex::from_filetime(*t),
                sample::DOMAIN,
                sample::DOMAIN,
                true,
            )
            .unwrap();
            let pw = format!("Pa55-{i}-word");
            let cred = LapsCredential::new(format!("admin{i}"), Password::from(pw.as_str()), *t);
            (
                encrypt::encrypt_credential(&gke, sid, &cred, &mut OsRng).unwrap(),
                pw,
            )
        })
        .collect()
}

fn batch(syntax: TransferSyntax) {
    let kds = start(8);
    let sid: Sid = sample::SID.parse().unwrap();
    // 12 values over four L1 periods (about 14 days each), several L2s in each.
    let times: Vec<FileTime> = [1, 2, 13, 30, 300, 301, 340, 700, 710, 1000, 1001, 1002]
        .iter()
        .map(|h| hours_ago(*h))
        .collect();
    let vals = values(&sid, &times);
    let groups: std::collections::BTreeSet<_> = vals
        .iter()
        .map(|(v, _)| key_group(v, false).unwrap().0)
        .collect();

    let mut client = GkdiClient::connect("127.0.0.1", &helpdesk(), &options(&kds, syntax)).unwrap();
    assert_eq!(client.transfer_syntax(), Some(syntax));
    let store = KeyStore::new();
    let raw: Vec<&[u8]> = vals.iter().map(|(v, _)| v.as_slice()).collect();
    let report = fetch_keys(|| Ok(&mut client), &store, &raw, false).unwrap();
    assert!(
        report.errors.iter().all(Option::is_none),
        "{:?}",
        report.errors
    );
    assert_eq!(report.calls, groups.len());
    assert_eq!(
        kds.get_key_calls(),
        groups.len() as u64,
        "GetKey calls counted in the responder"
    );
    for (r, (_, pw)) in store.decrypt_many(&raw).iter().zip(&vals) {
        assert_eq!(r.as_ref().unwrap().password.expose(), pw);
    }
    kds.stop();
}

#[test]
fn batch_makes_one_get_key_per_group_ndr64() {
    batch(TransferSyntax::Ndr64);
}

#[test]
fn batch_makes_one_get_key_per_group_ndr() {
    batch(TransferSyntax::Ndr);
}

#[test]
fn decrypt_many_fetches_only_the_keys_the_store_lacks_and_says_why_a_key_is_missing() {
    let kds = start(8);
    let sid: Sid = sample::SID.parse().unwrap();
    let other: Sid = "S-1-5-21-1-2-3-1105".parse().unwrap();
    let mut vals = values(&sid, &[hours_ago(3), hours_ago(400)]);
    vals.extend(values(&other, &[hours_ago(5)]));
    let raw: Vec<&[u8]> = vals.iter().map(|(v, _)| v.as_slice()).collect();
    let opts = options(&kds, TransferSyntax::Ndr64);
    let store = KeyStore::new();
    let connects = std::cell::Cell::new(0);
    let connect = || {
        connects.set(connects.get() + 1);
        GkdiClient::connect("127.0.0.1", &helpdesk(), &opts)
    };

    let live = decrypt_many(&store, &raw, connect).unwrap();
    assert_eq!((live.calls, connects.get()), (2, 1));
    for (r, (_, pw)) in live.results.iter().zip(&vals).take(2) {
        assert_eq!(r.as_ref().unwrap().password.expose(), pw);
    }
    // The helpdesk may not read `other`'s keys: that value says so, not "key not found".
    let denied = live.results[2].as_ref().unwrap_err();
    assert_eq!(denied.detail(), ErrorDetail::AccessDenied, "{denied}");

    // Every key the helpdesk may read is in the store now: no connection, no call.
    let live = decrypt_many(&store, &raw[..2], connect).unwrap();
    assert_eq!((live.calls, connects.get()), (0, 1));
    assert!(live.results.iter().all(Result::is_ok));
    assert_eq!(kds.get_key_calls(), 2);

    // A value that does not parse is never a reason to connect.
    let live = decrypt_many(&store, &[b"\x00".as_slice()], || unreachable!()).unwrap();
    assert_eq!(
        live.results[0].as_ref().unwrap_err().kind(),
        ErrorKind::Format
    );
    kds.stop();
}

#[test]
fn caller_outside_the_group_gets_access_denied_per_value() {
    let kds = start(8);
    let sid: Sid = sample::SID.parse().unwrap();
    // Two key groups (two SIDs the caller is not in): two calls on one connection.
    let other: Sid = "S-1-5-21-1-2-3-1105".parse().unwrap();
    let mut vals = values(&sid, &[hours_ago(3)]);
    vals.extend(values(&other, &[hours_ago(500)]));
    let creds = Credentials::new("plain", "Pl41n!".into()).unwrap();
    let mut client =
        GkdiClient::connect("127.0.0.1", &creds, &options(&kds, TransferSyntax::Ndr64)).unwrap();
    let store = KeyStore::new();
    let raw: Vec<&[u8]> = vals.iter().map(|(v, _)| v.as_slice()).collect();
    let report = fetch_keys(|| Ok(&mut client), &store, &raw, false).unwrap();
    assert_eq!(
        report.calls, 2,
        "an access-denied call leaves the connection usable"
    );
    for e in &report.errors {
        let e = e.as_ref().expect("every value is denied");
        assert_eq!(e.detail(), ErrorDetail::AccessDenied, "{e}");
    }
    for (e, sid) in report.errors.iter().zip([&sid, &other]) {
        let e = e.as_ref().unwrap().to_string();
        assert!(e.contains(&sid.to_string()), "{e}");
    }
    kds.stop();
}

#[test]
fn current_key_is_the_public_key_for_others_and_the_seed_for_members() {
    let kds = start(8);
    let sid: Sid = sample::SID.parse().unwrap();
    let opts = options(&kds, TransferSyntax::Ndr64);

    let plain = Credentials::new("plain", "Pl41n!".into()).unwrap();
    let public = GkdiClient::connect("127.0.0.1", &plain, &opts)
        .unwrap()
        .get_key(&sid, None, -1, -1, -1)
        .unwrap();
    assert!(
        public.is_public_key(),
        "a non-member gets the public-key envelope"
    );

    // A value encrypted with the fetched public key decrypts with the root key.
    let t = now();
    let cred = LapsCredential::new("Administrator", Password::from("from-public-key"), t);
    let value = encrypt::encrypt_credential(&public, &sid, &cred, &mut OsRng).unwrap();
    let store = KeyStore::new();
    store.add_root_key(sample::root_key());
    assert_eq!(
        store.decrypt_attribute(&value).unwrap().password.expose(),
        "from-public-key"
    );

    let seed = GkdiClient::connect("127.0.0.1", &helpdesk(), &opts)
        .unwrap()
        .get_key(&sid, None, -1, -1, -1)
        .unwrap();
    assert!(!seed.is_public_key(), "a member gets the seed envelope");
    kds.stop();
}

#[test]
fn wrong_password_fails_with_a_typed_error() {
    let kds = start(8);
    let creds = Credentials::new("CONTOSO\\helpdesk", "wrong".into()).unwrap();
    let sid: Sid = sample::SID.parse().unwrap();
    let result = GkdiClient::connect("127.0.0.1", &creds, &options(&kds, TransferSyntax::Ndr64))
        .and_then(|mut c| c.get_key(&sid, None, -1, -1, -1));
    let err = result.unwrap_err();
    // auth3 has no answer: the lab KDS refuses the first request with an access-denied fault,
    // which the client reports as an authentication failure.
    assert_eq!(err.detail(), ErrorDetail::AuthFailed, "{err:?}");
    assert!(!err.to_string().contains("wrong"), "{err}");
    // In a batch the refusal fails the whole fetch, not each value.
    let opts = options(&kds, TransferSyntax::Ndr64);
    let vals = values(&sid, &[hours_ago(2)]);
    let err = decrypt_many(&KeyStore::new(), &[&vals[0].0], || {
        GkdiClient::connect("127.0.0.1", &creds, &opts)
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err:?}");
    assert_eq!(kds.get_key_calls(), 0);
    kds.stop();
}

#[test]
fn connections_over_the_cap_are_closed() {
    let kds = start(2);
    let a = TcpStream::connect(kds.gkdi_addr()).unwrap();
    let b = TcpStream::connect(kds.gkdi_addr()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while kds.active_connections() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(kds.active_connections(), 2);
    let mut c = TcpStream::connect(kds.gkdi_addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(
        c.read(&mut buf).unwrap_or(0),
        0,
        "the third connection is closed at once"
    );
    drop((a, b));
    kds.stop();
}

#[test]
fn idle_connections_are_closed_after_the_timeout() {
    let kds = start(4);
    let mut s = TcpStream::connect(kds.epm_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let t = std::time::Instant::now();
    let mut buf = [0u8; 8];
    assert_eq!(s.read(&mut buf).unwrap_or(0), 0);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "closed after the 5 s idle timeout"
    );
    kds.stop();
}

/// SPNEGO (`auth_type` 9, NTLM inside): what dpapi-ng and Samba's client use by default. Our
/// Negotiate client tries Kerberos first; with no KDC reachable it falls back to NTLM.
#[test]
fn spnego_with_ntlm_inside() {
    let kds = start(8);
    let sid: Sid = sample::SID.parse().unwrap();
    let vals = values(&sid, &[hours_ago(5)]);
    let mut opts = options(&kds, TransferSyntax::Ndr64);
    opts.protocol = AuthProtocol::Negotiate;
    opts.auth.kdc = Some("127.0.0.1:1".into());
    let mut client = GkdiClient::connect("127.0.0.1", &helpdesk(), &opts).unwrap();
    let store = KeyStore::new();
    let report = fetch_keys(|| Ok(&mut client), &store, &[&vals[0].0], false).unwrap();
    assert!(report.errors[0].is_none(), "{:?}", report.errors);
    assert_eq!(
        store
            .decrypt_attribute(&vals[0].0)
            .unwrap()
            .password
            .expose(),
        vals[0].1
    );

    let creds = Credentials::new("CONTOSO\\helpdesk", "wrong".into()).unwrap();
    let err = GkdiClient::connect("127.0.0.1", &creds, &opts)
        .and_then(|mut c| c.get_key(&sid, None, -1, -1, -1))
        .unwrap_err();
    assert_eq!(err.detail(), ErrorDetail::AuthFailed, "{err:?}");
    kds.stop();
}
