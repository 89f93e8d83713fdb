//! Finding a domain controller by DNS SRV ([MS-ADTS] 6.3.6.1): laps-directory's
//! [`locator`](laps_directory::locator) names the query and picks the DC; this module asks the
//! name servers, over UDP, and over TCP when the answer is truncated (RFC 7766).
//!
//! DNS messages are encoded and decoded by `hickory-proto` (the field's DNS crate, without its
//! async runtime); the system's name servers come from `/etc/resolv.conf` (`resolv-conf`).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use laps_directory::locator::{dc_srv_name, pick_dc, SrvRecord};

use crate::error::{Error, Result, Step};
use crate::transport::Timeouts;

/// The file the system's name servers are read from.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// Largest DNS message (a TCP answer's 2-byte length prefix allows no more).
const MAX_MESSAGE: usize = 65_535;

/// How [`lookup_dc`] asks DNS.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DnsOptions {
    /// Name servers to ask, in order (the next one when a server fails or times out); empty:
    /// those of `/etc/resolv.conf`, on port 53.
    pub nameservers: Vec<SocketAddr>,
    /// Each send and each wait for an answer.
    pub timeout: Duration,
}

impl Default for DnsOptions {
    /// The system's name servers and the default network timeout.
    fn default() -> Self {
        DnsOptions {
            nameservers: Vec::new(),
            timeout: Timeouts::default().io,
        }
    }
}

impl DnsOptions {
    /// These options asking `nameservers` (in order) instead of the system's.
    pub fn with_nameservers(mut self, nameservers: Vec<SocketAddr>) -> Self {
        self.nameservers = nameservers;
        self
    }

    /// These options asking the name servers written in `texts` (`IP` or `IP:PORT`, port 53
    /// by default; an IPv6 address with a port in brackets), in order.
    ///
    /// ```
    /// let opts = laps_client::DnsOptions::default().with_nameserver_texts(&["10.0.0.1", "[::1]:5353"]).unwrap();
    /// assert_eq!(opts.nameservers[0].to_string(), "10.0.0.1:53");
    /// assert!(laps_client::DnsOptions::default().with_nameserver_texts(&["dns.contoso.com"]).is_err());
    /// ```
    pub fn with_nameserver_texts(self, texts: &[impl AsRef<str>]) -> Result<Self> {
        let servers = (texts.iter())
            .map(|text| {
                let text = text.as_ref();
                (text.parse::<SocketAddr>())
                    .or_else(|_| text.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                    .map_err(|_| {
                        Error::InvalidArgument(format!(
                            "name server {text:?} is not an IP address or IP:PORT"
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(self.with_nameservers(servers))
    }

    /// These options with `timeout` for each step, checked as every network timeout is
    /// ([`Timeouts::checked`]: 1 ms ..= 1 hour).
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self> {
        self.timeout = Timeouts::checked(timeout)?.io;
        Ok(self)
    }
}

/// The host name of a domain controller of `domain`, from the SRV records
/// `_ldap._tcp.dc._msdcs.<domain>` (laps-directory's [`pick_dc`]: lowest priority, then
/// highest weight).
///
/// Errors: a name DNS cannot carry is [`Error::Directory`] (kind `InvalidArgument`); no name
/// server, a name that does not exist or an answer without a DC is
/// [`Error::NoDomainController`]; a server that never answers is [`Error::Timeout`] (after
/// trying the others); a malformed or mismatched answer is skipped like a silent server.
pub fn lookup_dc(domain: &str, opts: &DnsOptions) -> Result<String> {
    let srv = dc_srv_name(domain)?;
    let servers = if opts.nameservers.is_empty() {
        system_nameservers(&srv)?
    } else {
        opts.nameservers.clone()
    };
    // Fully qualified, as the names of an answer are (hickory compares the two forms unequal).
    let name =
        Name::from_ascii(format!("{srv}.")).map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let not_found = |reason: String| Error::NoDomainController {
        srv: srv.clone(),
        reason,
    };
    let mut last = not_found("no name server to ask".into());
    for server in servers {
        let answer = match ask(server, &name, opts.timeout) {
            Ok(answer) => answer,
            Err(e) => {
                last = e;
                continue;
            }
        };
        match answer.metadata.response_code {
            ResponseCode::NoError => {}
            ResponseCode::NXDomain => return Err(not_found(format!("{server}: no such name"))),
            code => {
                last = not_found(format!("{server} answered {code}"));
                continue;
            }
        }
        let records: Vec<SrvRecord> = (answer.answers.iter())
            .filter_map(|r| match &r.data {
                RData::SRV(s) if r.name == name => Some(SrvRecord {
                    priority: s.priority,
                    weight: s.weight,
                    port: s.port,
                    target: s.target.to_ascii(),
                }),
                _ => None,
            })
            .collect();
        return pick_dc(&records)
            .map(str::to_owned)
            .ok_or_else(|| not_found(format!("{server}: no SRV record names a host")));
    }
    Err(last)
}

/// The name servers of `/etc/resolv.conf`, on port 53 (`srv`: the name to be asked, for the
/// error).
fn system_nameservers(srv: &str) -> Result<Vec<SocketAddr>> {
    let unreadable = |reason: String| Error::NoDomainController {
        srv: srv.to_owned(),
        reason: format!("no name server: {RESOLV_CONF}: {reason}"),
    };
    let bytes = std::fs::read(RESOLV_CONF).map_err(|e| unreadable(e.to_string()))?;
    // Lines resolv-conf does not know are ignored, as the C library ignores them.
    let (config, _) = resolv_conf::Config::parse_with_errors(&bytes);
    let servers: Vec<SocketAddr> = (config.nameservers.into_iter())
        .map(|ip| SocketAddr::new(IpAddr::from(ip), 53))
        .collect();
    if servers.is_empty() {
        return Err(unreadable("no nameserver line".into()));
    }
    Ok(servers)
}

/// One question to one server: over UDP, then over TCP if the answer is truncated.
fn ask(server: SocketAddr, name: &Name, timeout: Duration) -> Result<Message> {
    let mut query = Message::query();
    query.metadata.recursion_desired = true;
    query.add_query(Query::query(name.clone(), RecordType::SRV));
    let bytes = query
        .to_vec()
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let answer = over_udp(server, &bytes, &query, timeout)?;
    if answer.metadata.truncation {
        return over_tcp(server, &bytes, &query, timeout);
    }
    Ok(answer)
}

/// `message` decoded if it answers `query` (same id, a response, the same question).
fn answer_to(message: &[u8], query: &Message) -> Option<Message> {
    let answer = Message::from_vec(message).ok()?;
    let matches = answer.metadata.id == query.metadata.id
        && answer.metadata.message_type == MessageType::Response
        && answer.queries == query.queries;
    matches.then_some(answer)
}

/// A socket error of a DNS exchange with `server`: a timeout after `timeout`, or the OS's
/// reason.
fn io_error(server: SocketAddr, e: std::io::Error, timeout: Duration) -> Error {
    let step = Step::Dns;
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Error::Timeout {
            step,
            addr: server.to_string(),
            millis: timeout.as_millis(),
        },
        _ => Error::Io {
            step,
            addr: server.to_string(),
            reason: e.to_string(),
        },
    }
}

/// The UDP exchange: datagrams that are not the answer (another id, another sender, not DNS)
/// are dropped until `timeout` has passed.
fn over_udp(
    server: SocketAddr,
    bytes: &[u8],
    query: &Message,
    timeout: Duration,
) -> Result<Message> {
    let local: IpAddr = match server {
        SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let io = |e| io_error(server, e, timeout);
    let socket = UdpSocket::bind((local, 0)).map_err(io)?;
    socket.set_write_timeout(Some(timeout)).map_err(io)?;
    socket.send_to(bytes, server).map_err(io)?;
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; MAX_MESSAGE];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io(std::io::ErrorKind::TimedOut.into()));
        }
        socket.set_read_timeout(Some(left)).map_err(io)?;
        let (n, from) = socket.recv_from(&mut buf).map_err(io)?;
        if from == server {
            if let Some(answer) = answer_to(&buf[..n], query) {
                return Ok(answer);
            }
        }
    }
}

/// The TCP exchange (RFC 1035 4.2.2: each message after its 2-byte big-endian length).
fn over_tcp(
    server: SocketAddr,
    bytes: &[u8],
    query: &Message,
    timeout: Duration,
) -> Result<Message> {
    let io = |e| io_error(server, e, timeout);
    let mut stream = TcpStream::connect_timeout(&server, timeout).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let len =
        u16::try_from(bytes.len()).map_err(|_| Error::InvalidArgument("query too long".into()))?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(bytes);
    stream.write_all(&framed).map_err(io)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).map_err(io)?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut answer).map_err(io)?;
    answer_to(&answer, query).ok_or_else(|| Error::Io {
        step: Step::Dns,
        addr: server.to_string(),
        reason: "the answer over TCP does not answer the query".into(),
    })
}
