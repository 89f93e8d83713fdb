//! The Kerberos KDC transport that sspi's generators call: KDC messages over TCP (RFC 4120
//! 7.2.2: a 4-byte big-endian length, then the message), with a timeout on every step.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use sspi::network_client::NetworkClient;
use sspi::{NetworkProtocol, NetworkRequest};

/// The largest KDC reply accepted (tickets with large PACs stay well below this).
const MAX_KDC_REPLY: usize = 1 << 20;

/// Talks to the KDC named in sspi's request (`tcp://host:port`; UDP and KDC proxies are not
/// used).
#[derive(Debug, Clone)]
pub(crate) struct KdcClient {
    pub(crate) timeout: Duration,
}

fn error(description: String) -> sspi::Error {
    sspi::Error::new(sspi::ErrorKind::NoAuthenticatingAuthority, description)
}

impl KdcClient {
    /// Sends one framed KDC request and returns the framed reply.
    fn exchange(&self, host: &str, port: u16, data: &[u8]) -> Result<Vec<u8>, String> {
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve KDC {host}: {e}"))?
            .collect();
        let mut last = format!("KDC {host}:{port} has no address");
        for addr in addrs {
            let mut stream = match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(s) => s,
                Err(e) => {
                    last = format!("KDC {addr} unreachable: {e}");
                    continue;
                }
            };
            stream
                .set_read_timeout(Some(self.timeout))
                .and_then(|()| stream.set_write_timeout(Some(self.timeout)))
                .map_err(|e| format!("KDC {addr}: {e}"))?;
            stream
                .write_all(data)
                .map_err(|e| format!("sending to KDC {addr}: {e}"))?;
            let mut prefix = [0u8; 4];
            stream
                .read_exact(&mut prefix)
                .map_err(|e| format!("reading from KDC {addr}: {e}"))?;
            let reply_len = u32::from_be_bytes(prefix) as usize;
            if reply_len > MAX_KDC_REPLY {
                return Err(format!(
                    "KDC {addr} announced a reply of {reply_len} bytes (limit {MAX_KDC_REPLY})"
                ));
            }
            let mut reply = vec![0u8; reply_len];
            stream
                .read_exact(&mut reply)
                .map_err(|e| format!("reading from KDC {addr}: {e}"))?;
            // sspi's KDC code parses the reply with its length prefix, as it arrived.
            let mut framed = prefix.to_vec();
            framed.extend_from_slice(&reply);
            return Ok(framed);
        }
        Err(last)
    }
}

impl NetworkClient for KdcClient {
    fn send(&self, request: &NetworkRequest) -> sspi::Result<Vec<u8>> {
        if request.protocol != NetworkProtocol::Tcp {
            return Err(error(format!(
                "KDC transport {:?} is not supported (use tcp://host:port)",
                request.protocol
            )));
        }
        let host = request
            .url
            .host_str()
            .ok_or_else(|| error("the KDC URL has no host".into()))?;
        let port = request.url.port().unwrap_or(88);
        // sspi hands over the request with its 4-byte length prefix and expects the reply
        // with its prefix too.
        self.exchange(host, port, &request.data).map_err(error)
    }
}
