//! `lookup_dc` against Samba's internal DNS server (the DC's `_msdcs` SRV records), and
//! against name servers that misbehave: silent, lying about the id, truncating, refusing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use laps_client::{lookup_dc, DnsOptions, Error, ErrorDetail, ErrorKind, Step};

mod common;
use common::dc;

fn options(server: SocketAddr, timeout_ms: u64) -> DnsOptions {
    DnsOptions::default()
        .with_nameservers(vec![server])
        .with_timeout(Duration::from_millis(timeout_ms))
        .unwrap()
}

#[test]
fn samba_dns_names_the_dc_of_the_domain() {
    let Some(dc) = dc() else { return };
    let server = SocketAddr::new(dc.get("SAMBA_DC_IP").parse().unwrap(), 53);
    let realm = dc.get("SAMBA_REALM").to_ascii_lowercase();
    for domain in [
        realm.clone(),
        format!("{realm}."),
        realm.to_ascii_uppercase(),
    ] {
        let host = lookup_dc(&domain, &options(server, 5000)).unwrap();
        assert!(host.eq_ignore_ascii_case(dc.host()), "{domain}: {host}");
    }
}

#[test]
fn samba_dns_says_a_domain_it_does_not_hold_has_no_dc() {
    let Some(dc) = dc() else { return };
    let server = SocketAddr::new(dc.get("SAMBA_DC_IP").parse().unwrap(), 53);
    let realm = dc.get("SAMBA_REALM").to_ascii_lowercase();
    let e = lookup_dc(&format!("nosuch.{realm}"), &options(server, 5000)).unwrap_err();
    assert!(matches!(e, Error::NoDomainController { .. }), "{e}");
    assert_eq!(
        (e.detail(), e.kind()),
        (ErrorDetail::Unreachable, ErrorKind::Network)
    );
    assert!(
        e.to_string().contains("_ldap._tcp.dc._msdcs.nosuch."),
        "{e}"
    );
}

#[test]
fn a_bad_domain_name_is_an_argument_error_before_any_query() {
    for bad in ["", "a..b", &"x".repeat(64)] {
        let e = lookup_dc(bad, &DnsOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad:?}: {e}");
    }
}

#[test]
fn a_timeout_outside_the_network_range_is_refused() {
    let e = DnsOptions::default()
        .with_timeout(Duration::ZERO)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
}

/// A name server on loopback that answers each query with `reply(query)` (`None`: silence).
fn server(reply: impl Fn(&[u8]) -> Vec<Vec<u8>> + Send + 'static) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            for datagram in reply(&buf[..n]) {
                let _ = socket.send_to(&datagram, from);
            }
        }
    });
    addr
}

/// The header of an answer to `query` with `flags` (QR set by the caller) and `ancount`,
/// followed by the query's question.
fn answer_head(query: &[u8], flags: u16, ancount: u16) -> Vec<u8> {
    let mut out = query[..2].to_vec();
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&[0, 1]);
    out.extend_from_slice(&ancount.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&query[12..]);
    out
}

/// An SRV answer record for the question (a pointer to offset 12) naming `target`.
fn srv_record(priority: u16, weight: u16, target: &str) -> Vec<u8> {
    let mut rdata = Vec::new();
    rdata.extend_from_slice(&priority.to_be_bytes());
    rdata.extend_from_slice(&weight.to_be_bytes());
    rdata.extend_from_slice(&389u16.to_be_bytes());
    for label in target.split('.').filter(|l| !l.is_empty()) {
        rdata.push(label.len() as u8);
        rdata.extend_from_slice(label.as_bytes());
    }
    rdata.push(0);
    let mut out = vec![0xc0, 12, 0, 33, 0, 1, 0, 0, 2, 88];
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(&rdata);
    out
}

#[test]
fn the_best_record_of_a_hand_made_answer_wins() {
    let addr = server(|q| {
        let mut a = answer_head(q, 0x8180, 3);
        a.extend(srv_record(10, 0, "backup.example.test"));
        a.extend(srv_record(0, 10, "light.example.test"));
        a.extend(srv_record(0, 90, "heavy.example.test"));
        vec![a]
    });
    let host = lookup_dc("example.test", &options(addr, 2000)).unwrap();
    assert_eq!(host, "heavy.example.test");
}

#[test]
fn datagrams_with_another_id_or_not_dns_are_ignored_until_the_answer() {
    let addr = server(|q| {
        let mut wrong_id = answer_head(q, 0x8180, 1);
        wrong_id[0] ^= 0xff;
        wrong_id.extend(srv_record(0, 0, "spoofed.example.test"));
        let mut good = answer_head(q, 0x8180, 1);
        good.extend(srv_record(0, 0, "dc1.example.test"));
        vec![b"not dns".to_vec(), wrong_id, good]
    });
    let host = lookup_dc("example.test", &options(addr, 2000)).unwrap();
    assert_eq!(host, "dc1.example.test");
}

#[test]
fn a_silent_server_times_out_in_time() {
    let addr = server(|_| Vec::new());
    let started = Instant::now();
    let e = lookup_dc("example.test", &options(addr, 300)).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            e,
            Error::Timeout {
                step: Step::Dns,
                millis: 300,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[test]
fn a_refusing_server_is_passed_over_for_the_next() {
    let refusing = server(|q| vec![answer_head(q, 0x8185, 0)]);
    let good = server(|q| {
        let mut a = answer_head(q, 0x8180, 1);
        a.extend(srv_record(0, 0, "dc2.example.test."));
        vec![a]
    });
    let opts = DnsOptions::default()
        .with_nameservers(vec![refusing, good])
        .with_timeout(Duration::from_secs(2))
        .unwrap();
    assert_eq!(
        lookup_dc("example.test", &opts).unwrap(),
        "dc2.example.test"
    );
    let only_refusing = options(refusing, 2000);
    let e = lookup_dc("example.test", &only_refusing).unwrap_err();
    assert!(e.to_string().contains("Refused"), "{e}");
}

#[test]
fn an_answer_without_a_usable_target_names_no_dc() {
    let addr = server(|q| {
        let mut a = answer_head(q, 0x8180, 1);
        a.extend(srv_record(0, 0, "."));
        vec![a]
    });
    let e = lookup_dc("example.test", &options(addr, 2000)).unwrap_err();
    assert!(matches!(e, Error::NoDomainController { .. }), "{e}");
}

#[test]
fn a_truncated_answer_is_asked_again_over_tcp() {
    let addr = server(|q| vec![answer_head(q, 0x8380, 0)]);
    // The same port over TCP: the whole answer, after its 2-byte length (RFC 1035 4.2.2).
    let listener = TcpListener::bind(addr).unwrap();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).unwrap();
        let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut q).unwrap();
        let mut a = answer_head(&q, 0x8180, 1);
        a.extend(srv_record(0, 0, "big.example.test"));
        stream.write_all(&(a.len() as u16).to_be_bytes()).unwrap();
        stream.write_all(&a).unwrap();
    });
    assert_eq!(
        lookup_dc("example.test", &options(addr, 2000)).unwrap(),
        "big.example.test"
    );
}
