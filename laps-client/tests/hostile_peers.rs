//! The client against peers that misbehave: every case ends with a typed error within its
//! timeout, never a hang or a panic.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use laps_client::{
    lookup_port, AuthProtocol, ConnectOptions, Credentials, Error, ErrorDetail, GkdiClient, Step,
    Timeouts,
};
use laps_rpc::client::ClientConfig;
use laps_rpc::gkdi::GKDI_INTERFACE;
use laps_rpc::pdu::{flags, Body, Fault, Header, PacketType, Pdu};

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        io: Duration::from_millis(400),
        exchange: Duration::from_millis(1500),
    }
}

/// A one-connection server on 127.0.0.1 that reads the client's first PDU (up to 4 KiB)
/// and then runs `behave`.
fn peer(behave: impl FnOnce(&mut TcpStream) + Send + 'static) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        behave(&mut s);
        // Keep the socket open a little so the client sees the behaviour, not a close.
        std::thread::sleep(Duration::from_millis(300));
    });
    (port, t)
}

fn connect(port: u16) -> (Result<GkdiClient, Error>, Duration) {
    let creds = Credentials::new("user", "pw".into()).unwrap();
    let opts = ConnectOptions {
        protocol: AuthProtocol::Ntlm,
        port: Some(port),
        timeouts: timeouts(),
        ..ConnectOptions::default()
    };
    let t = Instant::now();
    let r = GkdiClient::connect("127.0.0.1", &creds, &opts);
    (r, t.elapsed())
}

fn pdu(packet_type: PacketType, body: Body) -> Vec<u8> {
    Pdu {
        header: Header {
            packet_type,
            flags: flags::FIRST_FRAG | flags::LAST_FRAG,
            frag_len: 0,
            auth_len: 0,
            call_id: 1,
        },
        body,
        auth: None,
    }
    .to_bytes()
}

#[test]
fn a_server_that_stalls_times_out() {
    let (port, t) = peer(|_| std::thread::sleep(Duration::from_secs(3)));
    let (r, took) = connect(port);
    let e = r.unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Timeout, "{e}");
    assert_eq!(e.kind(), laps_client::ErrorKind::Timeout);
    assert!(
        matches!(
            e,
            Error::Timeout {
                step: Step::Read,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    t.join().unwrap();
}

#[test]
fn a_server_that_trickles_bytes_hits_the_exchange_budget() {
    let (port, t) = peer(|s| {
        // A valid-looking header announcing 200 bytes, then one byte every 300 ms: each read
        // is within the 400 ms read timeout, the exchange is not.
        let mut head = pdu(PacketType::BindAck, Body::Auth3);
        head.truncate(16);
        head[8] = 200;
        head[9] = 0;
        for b in head.iter().chain([0u8; 20].iter()) {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    });
    let (r, took) = connect(port);
    let e = r.unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Timeout, "{e}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
    t.join().unwrap();
}

#[test]
fn a_truncated_fragment_then_close_is_a_closed_connection() {
    let (port, t) = peer(|s| {
        let mut head = pdu(PacketType::BindAck, Body::Auth3);
        head.truncate(16);
        head[8] = 100;
        head[9] = 0;
        s.write_all(&head[..12]).unwrap();
        let _ = s.shutdown(std::net::Shutdown::Both);
    });
    let (r, _) = connect(port);
    let e = r.unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Io, "{e}");
    assert!(matches!(e, Error::ConnectionClosed { .. }), "{e:?}");
    t.join().unwrap();
}

#[test]
fn a_frag_len_over_the_bound_is_a_protocol_error() {
    let (port, t) = peer(|s| {
        let mut head = pdu(PacketType::BindAck, Body::Auth3);
        head.truncate(16);
        head[8] = 0xff;
        head[9] = 0xff;
        let _ = s.write_all(&head);
    });
    let (r, took) = connect(port);
    let e = r.unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Protocol, "{e}");
    assert!(
        took < Duration::from_secs(1),
        "rejected from the header alone: {took:?}"
    );
    t.join().unwrap();
}

#[test]
fn a_fault_pdu_gives_its_status() {
    let (port, t) = peer(|s| {
        let fault = pdu(
            PacketType::Fault,
            Body::Fault(Fault {
                alloc_hint: 0,
                context_id: 0,
                cancel_count: 0,
                status: 0x1c01_0003,
            }),
        );
        s.write_all(&fault).unwrap();
    });
    let (r, _) = connect(port);
    let e = r.unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Fault, "{e}");
    assert!(e.to_string().contains("0x1c010003"), "{e}");
    t.join().unwrap();
}

#[test]
fn a_bind_nak_is_bind_rejected() {
    let (port, t) = peer(|s| {
        let nak = pdu(
            PacketType::BindNak,
            Body::BindNak {
                reason: 8,
                versions: vec![(5, 0)],
            },
        );
        s.write_all(&nak).unwrap();
    });
    let (r, _) = connect(port);
    let e = r.unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::BindRejected, "{e}");
    t.join().unwrap();
}

#[test]
fn garbage_is_a_protocol_error() {
    let (port, t) = peer(|s| {
        s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap();
    });
    let (r, _) = connect(port);
    assert_eq!(r.unwrap_err().detail(), ErrorDetail::Protocol);
    t.join().unwrap();
}

#[test]
fn the_endpoint_mapper_stalling_times_out() {
    let (port, t) = peer(|_| std::thread::sleep(Duration::from_secs(3)));
    let start = Instant::now();
    let e = lookup_port(
        "127.0.0.1",
        port,
        GKDI_INTERFACE,
        &ClientConfig::default(),
        timeouts(),
    )
    .unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Timeout, "{e}");
    assert!(start.elapsed() < Duration::from_secs(2));
    t.join().unwrap();
}

#[test]
fn a_closed_port_is_unreachable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (r, _) = connect(port);
    let e = r.unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Unreachable, "{e}");
    assert_eq!(e.kind(), laps_client::ErrorKind::Network);
}

#[test]
fn an_unresolvable_name_is_unreachable() {
    let e = lookup_port(
        "no-such-host.invalid",
        135,
        GKDI_INTERFACE,
        &ClientConfig::default(),
        timeouts(),
    )
    .unwrap_err();
    assert_eq!(e.detail(), ErrorDetail::Unreachable, "{e}");
}
