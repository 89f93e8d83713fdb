//! NTLM binds over LDAPS: SASL `GSS-SPNEGO` carrying NTLMSSP tokens from `sspi`.
//!
//! ldap3 has no generic SASL bind (its NTLM feature needs an sspi that does not build here), so
//! this module makes the TLS connection itself (rustls, the server verified), runs the two-step
//! bind on it, and then hands the bound session to ldap3 as an `ldapi:///` connection over a
//! Unix socket pair whose other end two relay threads join to the TLS stream. The NTLM exchange
//! negotiates neither signing nor sealing (TLS protects the session; AD and Samba refuse a SASL
//! security layer inside TLS) and carries the `tls-server-end-point` channel binding.

use crate::connect::ConnectOptions;
use crate::error::{Error, Result};
use laps_core::Password;
use ldap3::{LdapConn, LdapConnSettings, StdStream};
use rustls::pki_types::ServerName;
use sha2::Digest;
use sspi::{
    AuthIdentity, AuthIdentityBuffers, BufferType, ClientRequestFlags, CredentialUse,
    DataRepresentation, Ntlm, Secret, SecurityBuffer, SecurityStatus, Sspi, SspiImpl, Username,
};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, PoisonError};

/// LDAP result code `saslBindInProgress`.
const SASL_BIND_IN_PROGRESS: u32 = 14;
/// The largest bind response accepted (a CHALLENGE is a few hundred bytes).
const MAX_RESPONSE: usize = 64 * 1024;

/// Connects to `options`' DC over TLS, binds with NTLM as `user`, and returns ldap3's handle
/// on the bound session.
pub(crate) fn bind(
    options: &ConnectOptions,
    tls: Arc<rustls::ClientConfig>,
    user: &str,
    password: &Password,
) -> Result<LdapConn> {
    let url = options.url();
    let secs = options.timeout.as_secs();
    let connect_error = |reason: String| Error::Connect {
        url: url.clone(),
        reason,
    };
    let port = options.port.unwrap_or(636);
    let addrs: Vec<_> = (options.host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| connect_error(e.to_string()))?
        .collect();
    let mut last = None;
    let mut tcp = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, options.timeout) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let tcp = match (tcp, last) {
        (Some(s), _) => s,
        (None, Some(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            return Err(Error::Timeout {
                operation: "connect",
                seconds: secs,
            })
        }
        (None, e) => {
            return Err(connect_error(
                e.map_or("no address".into(), |e| e.to_string()),
            ))
        }
    };
    let io = |operation: &'static str| {
        move |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Error::Timeout {
                operation,
                seconds: secs,
            },
            _ => Error::Protocol {
                operation,
                reason: e.to_string(),
            },
        }
    };
    tcp.set_read_timeout(Some(options.timeout))
        .and_then(|()| tcp.set_write_timeout(Some(options.timeout)))
        .map_err(io("connect"))?;
    let name = ServerName::try_from(options.host.clone())
        .map_err(|e| connect_error(format!("server name: {e}")))?;
    let conn =
        rustls::ClientConnection::new(tls, name).map_err(|e| connect_error(e.to_string()))?;
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Error::Timeout {
                    operation: "connect",
                    seconds: secs,
                },
                _ => connect_error(e.to_string()),
            })?;
    }
    let binding = stream
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| channel_binding(c.as_ref()));

    // The exchange: NEGOTIATE -> CHALLENGE (saslBindInProgress) -> AUTHENTICATE -> success.
    let bind_failed = |code: u32, message: String| Error::Bind {
        user: user.to_owned(),
        code,
        message,
    };
    let mut ntlm = Ntlm::new();
    let username = Username::parse(user).map_err(|_| Error::AuthUnavailable {
        method: "ntlm",
        reason: "the user must be DOMAIN\\user or user@domain",
    })?;
    let identity = AuthIdentity {
        username,
        password: Secret::from(password.expose().to_owned()),
    };
    let sspi_error = |e: sspi::Error| bind_failed(49, format!("NTLM: {e}"));
    let mut creds = ntlm
        .acquire_credentials_handle()
        .with_credential_use(CredentialUse::Outbound)
        .with_auth_data(&identity)
        .execute(&mut ntlm)
        .map_err(sspi_error)?
        .credentials_handle;
    let negotiate = step(&mut ntlm, &mut creds, &[]).map_err(sspi_error)?;
    write_message(&mut stream, &bind_request(1, &negotiate)).map_err(io("bind"))?;
    let first = read_bind_response(&mut stream, 1).map_err(|e| match e {
        ReadError::Io(e) => io("bind")(e),
        ReadError::Malformed(reason) => Error::Protocol {
            operation: "bind",
            reason: reason.into(),
        },
    })?;
    if first.code != SASL_BIND_IN_PROGRESS {
        return Err(bind_failed(first.code, first.message));
    }
    let challenge = first.sasl_credentials.ok_or_else(|| Error::Protocol {
        operation: "bind",
        reason: "no NTLM challenge in the bind response".into(),
    })?;
    if let Some(binding) = &binding {
        ntlm.set_channel_bindings(binding);
    }
    let authenticate = step(&mut ntlm, &mut creds, &challenge).map_err(sspi_error)?;
    write_message(&mut stream, &bind_request(2, &authenticate)).map_err(io("bind"))?;
    let done = read_bind_response(&mut stream, 2).map_err(|e| match e {
        ReadError::Io(e) => io("bind")(e),
        ReadError::Malformed(reason) => Error::Protocol {
            operation: "bind",
            reason: reason.into(),
        },
    })?;
    if done.code != 0 {
        return Err(bind_failed(done.code, done.message));
    }

    // Hand the bound session to ldap3.
    let (ours, theirs) = UnixStream::pair().map_err(io("connect"))?;
    relay(stream, ours).map_err(io("connect"))?;
    let settings = LdapConnSettings::new()
        .set_conn_timeout(options.timeout)
        .set_std_stream(StdStream::Unix(theirs));
    LdapConn::with_settings(settings, "ldapi:///").map_err(|e| Error::Connect {
        url,
        reason: e.to_string(),
    })
}

/// One NTLM step: the token to send for `input` (empty for the first).
fn step(
    ntlm: &mut Ntlm,
    creds: &mut Option<AuthIdentityBuffers>,
    input: &[u8],
) -> core::result::Result<Vec<u8>, sspi::Error> {
    let mut input = [SecurityBuffer::new(input.to_vec(), BufferType::Token)];
    let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut builder = ntlm
        .initialize_security_context()
        .with_credentials_handle(creds)
        .with_context_requirements(ClientRequestFlags::ALLOCATE_MEMORY)
        .with_target_data_representation(DataRepresentation::Native)
        .with_input(&mut input)
        .with_output(&mut output);
    let result = ntlm
        .initialize_security_context_impl(&mut builder)?
        .resolve_to_result()?;
    if matches!(
        result.status,
        SecurityStatus::CompleteNeeded | SecurityStatus::CompleteAndContinue
    ) {
        ntlm.complete_auth_token(&mut output)?;
    }
    Ok(std::mem::take(&mut output[0].buffer))
}

/// `tls-server-end-point` (RFC 5929): the hash of the server certificate with its signature's
/// hash function (SHA-256 for SHA-1/MD5/SHA-256 signatures).
fn channel_binding(cert: &[u8]) -> Vec<u8> {
    // The signature algorithm OIDs (DER content bytes) whose hash is SHA-384 or SHA-512.
    const SHA384: [&[u8]; 2] = [
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
    ];
    const SHA512: [&[u8]; 2] = [
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d],
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
    ];
    let has = |oids: [&[u8]; 2]| {
        oids.iter()
            .any(|oid| cert.windows(oid.len()).any(|w| w == *oid))
    };
    let mut out = b"tls-server-end-point:".to_vec();
    if has(SHA512) {
        out.extend(sha2::Sha512::digest(cert));
    } else if has(SHA384) {
        out.extend(sha2::Sha384::digest(cert));
    } else {
        out.extend(sha2::Sha256::digest(cert));
    }
    out
}

/// A DER length.
fn der_len(n: usize, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend(&bytes[skip..]);
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(content.len(), &mut out);
    out.extend(content);
    out
}

/// `LDAPMessage { id, BindRequest { version 3, name "", sasl { "GSS-SPNEGO", token } } }`.
fn bind_request(id: u8, token: &[u8]) -> Vec<u8> {
    let sasl = tlv(0xa3, &[tlv(0x04, b"GSS-SPNEGO"), tlv(0x04, token)].concat());
    let bind = tlv(0x60, &[tlv(0x02, &[3]), tlv(0x04, b""), sasl].concat());
    tlv(0x30, &[tlv(0x02, &[id]), bind].concat())
}

fn write_message(stream: &mut impl Write, message: &[u8]) -> std::io::Result<()> {
    stream.write_all(message)?;
    stream.flush()
}

/// A BindResponse: result code, diagnostic message, `serverSaslCreds`.
#[derive(Debug)]
struct BindResponse {
    code: u32,
    message: String,
    sasl_credentials: Option<Vec<u8>>,
}

#[derive(Debug)]
enum ReadError {
    Io(std::io::Error),
    Malformed(&'static str),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads one LDAPMessage (at most [`MAX_RESPONSE`] bytes) and parses it as the BindResponse to
/// message `id`.
fn read_bind_response(
    stream: &mut impl Read,
    id: u8,
) -> core::result::Result<BindResponse, ReadError> {
    let mut head = [0u8; 2];
    stream.read_exact(&mut head)?;
    if head[0] != 0x30 {
        return Err(ReadError::Malformed("the response is no LDAPMessage"));
    }
    let len = match head[1] {
        n if n < 0x80 => usize::from(n),
        n if (0x81..=0x84).contains(&n) => {
            let mut bytes = [0u8; 4];
            let count = usize::from(n & 0x7f);
            stream.read_exact(&mut bytes[4 - count..])?;
            usize::try_from(u32::from_be_bytes(bytes)).unwrap_or(usize::MAX)
        }
        _ => return Err(ReadError::Malformed("bad length in the response")),
    };
    if len > MAX_RESPONSE {
        return Err(ReadError::Malformed("bind response too large"));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body)?;
    parse_bind_response(&body, id).ok_or(ReadError::Malformed("malformed bind response"))
}

/// One TLV of `input`: (tag, content, rest).
fn next_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn parse_bind_response(body: &[u8], id: u8) -> Option<BindResponse> {
    let (tag, msgid, rest) = next_tlv(body)?;
    if tag != 0x02 || msgid != [id] {
        return None;
    }
    let (tag, response, _) = next_tlv(rest)?;
    if tag != 0x61 {
        return None;
    }
    let (tag, code, rest) = next_tlv(response)?;
    if tag != 0x0a || code.is_empty() || code.len() > 4 {
        return None;
    }
    let code = code.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    let (tag, _matched, rest) = next_tlv(rest)?;
    if tag != 0x04 {
        return None;
    }
    let (tag, message, mut rest) = next_tlv(rest)?;
    if tag != 0x04 {
        return None;
    }
    let mut sasl_credentials = None;
    while let Some((tag, content, more)) = next_tlv(rest) {
        if tag == 0x87 {
            sasl_credentials = Some(content.to_vec());
        }
        rest = more;
    }
    Some(BindResponse {
        code,
        message: String::from_utf8_lossy(message).into_owned(),
        sasl_credentials,
    })
}

/// Joins `local` (ldap3's end is its peer) to the TLS stream: one thread moves what the server
/// sends to `local`, one what ldap3 writes to the server. Either side closing ends both.
fn relay(
    stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    local: UnixStream,
) -> std::io::Result<()> {
    let rustls::StreamOwned { conn, sock } = stream;
    // ldap3 applies its own timeouts; the relay waits as long as the session lives.
    sock.set_read_timeout(None)?;
    let tls = Arc::new(Mutex::new(conn));
    let (tcp_in, close_tcp, tcp_out) = (sock.try_clone()?, sock.try_clone()?, sock);
    let (local_in, close_local, local_out) = (local.try_clone()?, local.try_clone()?, local);

    let mut down = {
        let tls = Arc::clone(&tls);
        let (mut tcp, mut local) = (tcp_in, local_out);
        move || -> std::io::Result<()> {
            let mut buf = vec![0u8; 16 * 1024];
            let mut plain = vec![0u8; 16 * 1024];
            loop {
                let n = tcp.read(&mut buf)?;
                if n == 0 {
                    let _ = local.shutdown(Shutdown::Both);
                    return Ok(());
                }
                // Decrypt under the lock, write to ldap3 without it (ldap3 reads only while
                // one of its calls runs; the other direction must not wait for that).
                let mut out = Vec::new();
                let mut closed = false;
                {
                    let mut guard = tls.lock().unwrap_or_else(PoisonError::into_inner);
                    let mut rest = &buf[..n];
                    while !rest.is_empty() {
                        guard.read_tls(&mut rest)?;
                        guard
                            .process_new_packets()
                            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                    }
                    loop {
                        match guard.reader().read(&mut plain) {
                            Ok(0) => {
                                closed = true;
                                break;
                            }
                            Ok(m) => out.extend_from_slice(&plain[..m]),
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                    // Alerts or key updates to answer.
                    while guard.wants_write() {
                        guard.write_tls(&mut tcp)?;
                    }
                }
                local.write_all(&out)?;
                if closed {
                    let _ = local.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
    };
    let mut up = {
        let (mut tcp, mut local) = (tcp_out, local_in);
        move || -> std::io::Result<()> {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = local.read(&mut buf)?;
                let mut guard = tls.lock().unwrap_or_else(PoisonError::into_inner);
                if n == 0 {
                    guard.send_close_notify();
                } else {
                    guard.writer().write_all(&buf[..n])?;
                }
                while guard.wants_write() {
                    guard.write_tls(&mut tcp)?;
                }
                if n == 0 {
                    let _ = tcp.shutdown(Shutdown::Both);
                    return Ok(());
                }
            }
        }
    };
    // Whatever ends one direction (end of stream, an error, a TLS alert) closes both sockets,
    // so the other thread and ldap3 see the connection end instead of waiting.
    let closers = |tcp: &TcpStream, local: &UnixStream| -> std::io::Result<_> {
        let (tcp, local) = (tcp.try_clone()?, local.try_clone()?);
        Ok(move || {
            let _ = tcp.shutdown(Shutdown::Both);
            let _ = local.shutdown(Shutdown::Both);
        })
    };
    let close_down = closers(&close_tcp, &close_local)?;
    let close_up = closers(&close_tcp, &close_local)?;
    std::thread::Builder::new()
        .name("laps-ldap-tls-down".into())
        .spawn(move || {
            let _ = down();
            close_down();
        })?;
    std::thread::Builder::new()
        .name("laps-ldap-tls-up".into())
        .spawn(move || {
            let _ = up();
            close_up();
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_requests_are_sasl_gss_spnego() {
        let m = bind_request(1, &[0xaa, 0xbb]);
        assert_eq!(
            m,
            [
                0x30, 0x1c, 0x02, 0x01, 0x01, 0x60, 0x17, 0x02, 0x01, 0x03, 0x04, 0x00, 0xa3, 0x10,
                0x04, 0x0a, b'G', b'S', b'S', b'-', b'S', b'P', b'N', b'E', b'G', b'O', 0x04, 0x02,
                0xaa, 0xbb
            ]
        );
    }

    #[test]
    fn bind_responses_parse_or_are_refused() {
        // saslBindInProgress with serverSaslCreds.
        let ok = [
            0x30, 0x10, 0x02, 0x01, 0x01, 0x61, 0x0b, 0x0a, 0x01, 0x0e, 0x04, 0x00, 0x04, 0x00,
            0x87, 0x02, 0x01, 0x02,
        ];
        let r = read_bind_response(&mut &ok[..], 1).unwrap();
        assert_eq!(r.code, 14);
        assert_eq!(r.sasl_credentials, Some(vec![1, 2]));
        // Another message id, a truncated body, an endless length, no LDAPMessage.
        assert!(read_bind_response(&mut &ok[..], 2).is_err());
        assert!(read_bind_response(&mut &ok[..10], 1).is_err());
        assert!(read_bind_response(&mut &[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff][..], 1).is_err());
        assert!(read_bind_response(&mut &[0x04, 0x00][..], 1).is_err());
    }
}
