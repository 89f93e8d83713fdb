//! Connection-oriented DCE/RPC PDUs (C706 chapter 12, [MS-RPCE] 2.2.2): the common header,
//! the bodies of bind, bind_ack, bind_nak, alter_context, alter_context_resp, auth3, request,
//! response and fault, and the `sec_trailer` ([MS-RPCE] 2.2.2.11).
//!
//! [`Pdu::parse`] reads exactly one fragment (as [`crate::framing::Framer`] cuts them from a
//! byte stream); [`Pdu::to_bytes`] writes one, computing `frag_length` and `auth_length`.
//! Only the little-endian, ASCII, IEEE data representation (`10 00 00 00`) is accepted, the
//! one every Windows, Samba and impacket peer sends.

use crate::error::{Error, Result};
use laps_crypto::Guid;

/// Length of the common header.
pub const HEADER_LEN: usize = 16;
/// Length of the `sec_trailer` without its `auth_value`.
pub const SEC_TRAILER_LEN: usize = 8;
/// Length of the request header fields after the common header (no object UUID).
pub const REQUEST_HEADER_LEN: usize = 8;
/// Length of the response header fields after the common header.
pub const RESPONSE_HEADER_LEN: usize = 8;
/// The data representation label: little-endian integers, ASCII, IEEE floats.
pub const DATA_REP: [u8; 4] = [0x10, 0, 0, 0];

/// `pfc_flags` bits (C706 12.6.3.1, [MS-RPCE] 2.2.2.3).
pub mod flags {
    /// First fragment of a call.
    pub const FIRST_FRAG: u8 = 0x01;
    /// Last fragment of a call.
    pub const LAST_FRAG: u8 = 0x02;
    /// In bind / alter_context / their answers: header signing is supported
    /// (`PFC_SUPPORT_HEADER_SIGN`, [MS-RPCE] 2.2.2.3); elsewhere `PFC_PENDING_CANCEL`.
    pub const SUPPORT_HEADER_SIGN: u8 = 0x04;
    /// Concurrent multiplexing.
    pub const CONC_MPX: u8 = 0x10;
    /// Fault: the call did not execute.
    pub const DID_NOT_EXECUTE: u8 = 0x20;
    /// `maybe` semantics.
    pub const MAYBE: u8 = 0x40;
    /// Request: an object UUID follows the request header.
    pub const OBJECT_UUID: u8 = 0x80;
}

/// PDU types of the connection-oriented protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PacketType {
    /// 0: request.
    Request,
    /// 2: response.
    Response,
    /// 3: fault.
    Fault,
    /// 11: bind.
    Bind,
    /// 12: bind_ack.
    BindAck,
    /// 13: bind_nak.
    BindNak,
    /// 14: alter_context.
    AlterContext,
    /// 15: alter_context_resp.
    AlterContextResp,
    /// 16: auth3.
    Auth3,
    /// 17: shutdown.
    Shutdown,
    /// 18: co_cancel.
    CoCancel,
    /// 19: orphaned.
    Orphaned,
}

impl PacketType {
    /// The `PTYPE` wire value.
    pub const fn code(self) -> u8 {
        match self {
            PacketType::Request => 0,
            PacketType::Response => 2,
            PacketType::Fault => 3,
            PacketType::Bind => 11,
            PacketType::BindAck => 12,
            PacketType::BindNak => 13,
            PacketType::AlterContext => 14,
            PacketType::AlterContextResp => 15,
            PacketType::Auth3 => 16,
            PacketType::Shutdown => 17,
            PacketType::CoCancel => 18,
            PacketType::Orphaned => 19,
        }
    }

    /// The packet type of a wire value, if it is a connection-oriented one.
    pub const fn from_code(c: u8) -> Option<Self> {
        Some(match c {
            0 => PacketType::Request,
            2 => PacketType::Response,
            3 => PacketType::Fault,
            11 => PacketType::Bind,
            12 => PacketType::BindAck,
            13 => PacketType::BindNak,
            14 => PacketType::AlterContext,
            15 => PacketType::AlterContextResp,
            16 => PacketType::Auth3,
            17 => PacketType::Shutdown,
            18 => PacketType::CoCancel,
            19 => PacketType::Orphaned,
            _ => return None,
        })
    }

    /// A lower-case name, for errors.
    pub const fn name(self) -> &'static str {
        match self {
            PacketType::Request => "request",
            PacketType::Response => "response",
            PacketType::Fault => "fault",
            PacketType::Bind => "bind",
            PacketType::BindAck => "bind_ack",
            PacketType::BindNak => "bind_nak",
            PacketType::AlterContext => "alter_context",
            PacketType::AlterContextResp => "alter_context_resp",
            PacketType::Auth3 => "auth3",
            PacketType::Shutdown => "shutdown",
            PacketType::CoCancel => "co_cancel",
            PacketType::Orphaned => "orphaned",
        }
    }
}

/// The 16-byte common header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// PDU type.
    pub packet_type: PacketType,
    /// `pfc_flags` (see [`flags`]).
    pub flags: u8,
    /// Total length of this fragment.
    pub frag_len: u16,
    /// Length of the `auth_value` (0 without a `sec_trailer`).
    pub auth_len: u16,
    /// Call identifier.
    pub call_id: u32,
}

impl Header {
    /// Reads the common header of `buf` (which must hold at least [`HEADER_LEN`] bytes).
    pub fn parse(buf: &[u8]) -> Result<Self> {
        if buf.len() < HEADER_LEN {
            return Err(Error::Truncated {
                structure: "PDU header",
                offset: buf.len(),
                needed: HEADER_LEN - buf.len(),
            });
        }
        if buf[0] != 5 || buf[1] != 0 {
            return Err(Error::Malformed {
                structure: "PDU header",
                offset: 0,
                reason: "not DCE/RPC connection-oriented version 5.0",
            });
        }
        let packet_type = PacketType::from_code(buf[2]).ok_or(Error::Malformed {
            structure: "PDU header",
            offset: 2,
            reason: "unknown packet type",
        })?;
        if buf[4] != DATA_REP[0] {
            return Err(Error::Malformed {
                structure: "PDU header",
                offset: 4,
                reason: "only the little-endian ASCII data representation is supported",
            });
        }
        let frag_len = u16::from_le_bytes([buf[8], buf[9]]);
        let auth_len = u16::from_le_bytes([buf[10], buf[11]]);
        if (frag_len as usize) < HEADER_LEN {
            return Err(Error::Malformed {
                structure: "PDU header",
                offset: 8,
                reason: "frag_length smaller than the header",
            });
        }
        if auth_len != 0 && (auth_len as usize) + SEC_TRAILER_LEN + HEADER_LEN > frag_len as usize {
            return Err(Error::Malformed {
                structure: "PDU header",
                offset: 10,
                reason: "auth_length does not fit in the fragment",
            });
        }
        Ok(Header {
            packet_type,
            flags: buf[3],
            frag_len,
            auth_len,
            call_id: u32::from_le_bytes([buf[12], buf[13], buf[14], buf[15]]),
        })
    }

    /// Writes the header.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[5, 0, self.packet_type.code(), self.flags]);
        out.extend_from_slice(&DATA_REP);
        out.extend_from_slice(&self.frag_len.to_le_bytes());
        out.extend_from_slice(&self.auth_len.to_le_bytes());
        out.extend_from_slice(&self.call_id.to_le_bytes());
    }
}

/// An interface or transfer syntax identifier: UUID and version (major, minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SyntaxId {
    /// The UUID.
    pub uuid: Guid,
    /// Major version.
    pub version: u16,
    /// Minor version.
    pub minor: u16,
}

impl SyntaxId {
    /// A syntax identifier.
    pub const fn new(uuid: Guid, version: u16, minor: u16) -> Self {
        SyntaxId {
            uuid,
            version,
            minor,
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.uuid.as_bytes_le());
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.minor.to_le_bytes());
    }

    fn read(r: &mut Cursor<'_>) -> Result<Self> {
        let g = r.guid()?;
        let version = r.u16()?;
        let minor = r.u16()?;
        Ok(SyntaxId::new(g, version, minor))
    }
}

/// The bind-time feature negotiation "transfer syntax" prefix `6cb71c2c-9812-4540-`
/// ([MS-RPCE] 3.3.1.5.3): the first two bytes of the last eight carry the feature bitmask.
pub const BIND_TIME_FEATURE_PREFIX: [u8; 8] = [0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45];
/// Bind-time feature: security context multiplexing supported.
pub const FEATURE_SECURITY_CONTEXT_MULTIPLEXING: u16 = 0x1;
/// Bind-time feature: keep the connection on orphan.
pub const FEATURE_KEEP_CONNECTION_ON_ORPHAN: u16 = 0x2;

/// The bind-time feature negotiation syntax offering `features`.
pub fn bind_time_feature_syntax(features: u16) -> SyntaxId {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&BIND_TIME_FEATURE_PREFIX);
    b[8..10].copy_from_slice(&features.to_le_bytes());
    SyntaxId::new(Guid::from_bytes_le(b), 1, 0)
}

/// The feature bitmask if `id` is a bind-time feature negotiation syntax.
pub fn bind_time_features(id: &SyntaxId) -> Option<u16> {
    let b = id.uuid.as_bytes_le();
    (b[..8] == BIND_TIME_FEATURE_PREFIX && b[10..] == [0; 6])
        .then(|| u16::from_le_bytes([b[8], b[9]]))
}

/// One presentation context proposed in a bind or alter_context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextElement {
    /// Presentation context id.
    pub context_id: u16,
    /// The interface.
    pub abstract_syntax: SyntaxId,
    /// Transfer syntaxes offered for it.
    pub transfer_syntaxes: Vec<SyntaxId>,
}

/// `p_cont_def_result_t` values.
pub mod result {
    /// The context is accepted.
    pub const ACCEPTANCE: u16 = 0;
    /// Rejected by the user.
    pub const USER_REJECTION: u16 = 1;
    /// Rejected by the provider (reason in `reason`).
    pub const PROVIDER_REJECTION: u16 = 2;
    /// Bind-time feature negotiation acknowledged; `reason` holds the accepted features.
    pub const NEGOTIATE_ACK: u16 = 3;
    /// Provider reason: abstract syntax not supported.
    pub const REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED: u16 = 1;
    /// Provider reason: proposed transfer syntaxes not supported.
    pub const REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED: u16 = 2;
}

/// The result for one presentation context in a bind_ack or alter_context_resp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextResult {
    /// See [`result`].
    pub result: u16,
    /// Provider reason (or accepted features for NEGOTIATE_ACK).
    pub reason: u16,
    /// The accepted transfer syntax (zero when not accepted).
    pub transfer_syntax: SyntaxId,
}

/// bind and alter_context bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Largest fragment the sender transmits.
    pub max_xmit_frag: u16,
    /// Largest fragment the sender accepts.
    pub max_recv_frag: u16,
    /// Association group (0: new).
    pub assoc_group: u32,
    /// Proposed contexts.
    pub contexts: Vec<ContextElement>,
}

/// bind_ack and alter_context_resp bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAck {
    /// Largest fragment the server transmits.
    pub max_xmit_frag: u16,
    /// Largest fragment the server accepts.
    pub max_recv_frag: u16,
    /// Association group id.
    pub assoc_group: u32,
    /// Secondary address (the port as a string, without the NUL; empty in alter_context_resp).
    pub sec_addr: String,
    /// One result per proposed context, in order.
    pub results: Vec<ContextResult>,
}

/// A fault body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Allocation hint.
    pub alloc_hint: u32,
    /// Presentation context id.
    pub context_id: u16,
    /// Cancel count.
    pub cancel_count: u8,
    /// The status code (see [`crate::status`]).
    pub status: u32,
}

/// The per-PDU body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Body {
    /// bind.
    Bind(Bind),
    /// alter_context.
    AlterContext(Bind),
    /// bind_ack.
    BindAck(BindAck),
    /// alter_context_resp.
    AlterContextResp(BindAck),
    /// bind_nak: the reject reason and the protocol versions the server supports.
    BindNak {
        /// `provider_reject_reason`.
        reason: u16,
        /// Supported (major, minor) versions.
        versions: Vec<(u8, u8)>,
    },
    /// auth3 (only the token in the sec_trailer matters).
    Auth3,
    /// request.
    Request {
        /// Allocation hint (total stub length of the call, or 0).
        alloc_hint: u32,
        /// Presentation context id.
        context_id: u16,
        /// Operation number.
        opnum: u16,
        /// Object UUID (with [`flags::OBJECT_UUID`]).
        object: Option<Guid>,
        /// Stub data of this fragment (auth padding removed).
        stub: Vec<u8>,
    },
    /// response.
    Response {
        /// Allocation hint.
        alloc_hint: u32,
        /// Presentation context id.
        context_id: u16,
        /// Cancel count.
        cancel_count: u8,
        /// Stub data of this fragment (auth padding removed).
        stub: Vec<u8>,
    },
    /// fault.
    Fault(Fault),
    /// shutdown, co_cancel, orphaned: no body this crate uses.
    Other,
}

/// The `sec_trailer` and `auth_value`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecTrailer {
    /// `auth_type` (see [`crate::auth::AuthType`]).
    pub auth_type: u8,
    /// `auth_level` (see [`crate::auth::AuthLevel`]).
    pub auth_level: u8,
    /// Auth padding length before the trailer.
    pub pad_len: u8,
    /// Security context id.
    pub context_id: u32,
    /// The token or signature.
    pub auth_value: Vec<u8>,
}

impl core::fmt::Debug for SecTrailer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecTrailer")
            .field("auth_type", &self.auth_type)
            .field("auth_level", &self.auth_level)
            .field("pad_len", &self.pad_len)
            .field("context_id", &self.context_id)
            .field("auth_value_len", &self.auth_value.len())
            .finish()
    }
}

impl SecTrailer {
    /// Writes the 8 fixed bytes (without `auth_value`).
    pub fn write_fixed(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.auth_type, self.auth_level, self.pad_len, 0]);
        out.extend_from_slice(&self.context_id.to_le_bytes());
    }

    /// Reads a `sec_trailer` followed by its `auth_value` (the rest of `buf`).
    pub fn parse(buf: &[u8]) -> Result<Self> {
        if buf.len() < SEC_TRAILER_LEN {
            return Err(Error::Truncated {
                structure: "sec_trailer",
                offset: buf.len(),
                needed: SEC_TRAILER_LEN - buf.len(),
            });
        }
        Ok(SecTrailer {
            auth_type: buf[0],
            auth_level: buf[1],
            pad_len: buf[2],
            context_id: u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]),
            auth_value: buf[SEC_TRAILER_LEN..].to_vec(),
        })
    }
}

/// One PDU (fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// The common header (`frag_len` and `auth_len` are recomputed by [`Pdu::to_bytes`]).
    pub header: Header,
    /// The body.
    pub body: Body,
    /// The `sec_trailer`, if any.
    pub auth: Option<SecTrailer>,
}

/// A bounds-checked little-endian reader over one fragment; offsets are from the PDU start.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], pos: usize, what: &'static str) -> Self {
        Cursor { buf, pos, what }
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.pos.checked_add(n).filter(|&e| e <= self.buf.len()) {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(Error::Truncated {
                structure: self.what,
                offset: self.pos,
                needed: self.pos + n - self.buf.len(),
            }),
        }
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn guid(&mut self) -> Result<Guid> {
        let mut g = [0u8; 16];
        g.copy_from_slice(self.take(16)?);
        Ok(Guid::from_bytes_le(g))
    }
    pub(crate) fn align(&mut self, n: usize) -> Result<()> {
        let pad = (n - self.pos % n) % n;
        self.take(pad).map(|_| ())
    }
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos.min(self.buf.len())..]
    }
}

fn parse_bind(c: &mut Cursor<'_>) -> Result<Bind> {
    let max_xmit_frag = c.u16()?;
    let max_recv_frag = c.u16()?;
    let assoc_group = c.u32()?;
    let n = c.u8()?;
    c.take(3)?;
    let mut contexts = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let context_id = c.u16()?;
        let nt = c.u8()?;
        c.u8()?;
        let abstract_syntax = SyntaxId::read(c)?;
        let mut transfer_syntaxes = Vec::with_capacity(nt as usize);
        for _ in 0..nt {
            transfer_syntaxes.push(SyntaxId::read(c)?);
        }
        contexts.push(ContextElement {
            context_id,
            abstract_syntax,
            transfer_syntaxes,
        });
    }
    Ok(Bind {
        max_xmit_frag,
        max_recv_frag,
        assoc_group,
        contexts,
    })
}

fn write_bind(b: &Bind, out: &mut Vec<u8>) {
    out.extend_from_slice(&b.max_xmit_frag.to_le_bytes());
    out.extend_from_slice(&b.max_recv_frag.to_le_bytes());
    out.extend_from_slice(&b.assoc_group.to_le_bytes());
    out.extend_from_slice(&[b.contexts.len() as u8, 0, 0, 0]);
    for c in &b.contexts {
        out.extend_from_slice(&c.context_id.to_le_bytes());
        out.extend_from_slice(&[c.transfer_syntaxes.len() as u8, 0]);
        c.abstract_syntax.write(out);
        for t in &c.transfer_syntaxes {
            t.write(out);
        }
    }
}

fn parse_bind_ack(c: &mut Cursor<'_>) -> Result<BindAck> {
    let max_xmit_frag = c.u16()?;
    let max_recv_frag = c.u16()?;
    let assoc_group = c.u32()?;
    let at = c.pos();
    let n = c.u16()? as usize;
    let raw = c.take(n)?;
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    let sec_addr = core::str::from_utf8(raw)
        .map_err(|_| Error::Malformed {
            structure: "bind_ack",
            offset: at,
            reason: "secondary address is not ASCII",
        })?
        .to_owned();
    c.align(4)?;
    let count = c.u8()?;
    c.take(3)?;
    let mut results = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let result = c.u16()?;
        let reason = c.u16()?;
        let transfer_syntax = SyntaxId::read(c)?;
        results.push(ContextResult {
            result,
            reason,
            transfer_syntax,
        });
    }
    Ok(BindAck {
        max_xmit_frag,
        max_recv_frag,
        assoc_group,
        sec_addr,
        results,
    })
}

fn write_bind_ack(b: &BindAck, out: &mut Vec<u8>) {
    out.extend_from_slice(&b.max_xmit_frag.to_le_bytes());
    out.extend_from_slice(&b.max_recv_frag.to_le_bytes());
    out.extend_from_slice(&b.assoc_group.to_le_bytes());
    if b.sec_addr.is_empty() {
        out.extend_from_slice(&0u16.to_le_bytes());
    } else {
        out.extend_from_slice(&((b.sec_addr.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(b.sec_addr.as_bytes());
        out.push(0);
    }
    while out.len() % 4 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&[b.results.len() as u8, 0, 0, 0]);
    for r in &b.results {
        out.extend_from_slice(&r.result.to_le_bytes());
        out.extend_from_slice(&r.reason.to_le_bytes());
        r.transfer_syntax.write(out);
    }
}

/// Where the body of a fragment ends and its `sec_trailer` begins.
pub(crate) fn split_auth(buf: &[u8], h: &Header) -> Result<(usize, Option<SecTrailer>)> {
    let frag = h.frag_len as usize;
    if h.auth_len == 0 {
        return Ok((frag, None));
    }
    let trailer_at = frag - h.auth_len as usize - SEC_TRAILER_LEN;
    let t = SecTrailer::parse(&buf[trailer_at..frag])?;
    Ok((trailer_at, Some(t)))
}

impl Pdu {
    /// Parses one fragment. `buf` must hold at least `frag_length` bytes; bytes after the
    /// fragment are ignored. Request and response stubs of protected PDUs are returned as they
    /// are on the wire (still sealed): the connection state machines unseal before parsing.
    pub fn parse(buf: &[u8]) -> Result<Self> {
        let header = Header::parse(buf)?;
        let frag = header.frag_len as usize;
        if buf.len() < frag {
            return Err(Error::Truncated {
                structure: "PDU",
                offset: buf.len(),
                needed: frag - buf.len(),
            });
        }
        let buf = &buf[..frag];
        let (body_end, auth) = split_auth(buf, &header)?;
        let pad = auth.as_ref().map_or(0, |a| a.pad_len as usize);
        let mut c = Cursor::new(&buf[..body_end], HEADER_LEN, header.packet_type.name());
        let stub_of = |c: &Cursor<'_>| -> Result<Vec<u8>> {
            let rest = c.rest();
            if pad > rest.len() {
                return Err(Error::Malformed {
                    structure: "sec_trailer",
                    offset: body_end,
                    reason: "auth_pad_length longer than the stub data",
                });
            }
            Ok(rest[..rest.len() - pad].to_vec())
        };
        let body = match header.packet_type {
            PacketType::Bind => Body::Bind(parse_bind(&mut c)?),
            PacketType::AlterContext => Body::AlterContext(parse_bind(&mut c)?),
            PacketType::BindAck => Body::BindAck(parse_bind_ack(&mut c)?),
            PacketType::AlterContextResp => Body::AlterContextResp(parse_bind_ack(&mut c)?),
            PacketType::BindNak => {
                let reason = c.u16()?;
                let mut versions = Vec::new();
                if let Ok(n) = c.u8() {
                    for _ in 0..n {
                        let major = c.u8()?;
                        let minor = c.u8()?;
                        versions.push((major, minor));
                    }
                }
                Body::BindNak { reason, versions }
            }
            PacketType::Auth3 => Body::Auth3,
            PacketType::Request => {
                let alloc_hint = c.u32()?;
                let context_id = c.u16()?;
                let opnum = c.u16()?;
                let object = if header.flags & flags::OBJECT_UUID != 0 {
                    Some(c.guid()?)
                } else {
                    None
                };
                Body::Request {
                    alloc_hint,
                    context_id,
                    opnum,
                    object,
                    stub: stub_of(&c)?,
                }
            }
            PacketType::Response => {
                let alloc_hint = c.u32()?;
                let context_id = c.u16()?;
                let cancel_count = c.u8()?;
                c.u8()?;
                Body::Response {
                    alloc_hint,
                    context_id,
                    cancel_count,
                    stub: stub_of(&c)?,
                }
            }
            PacketType::Fault => {
                let alloc_hint = c.u32()?;
                let context_id = c.u16()?;
                let cancel_count = c.u8()?;
                c.u8()?;
                let status = c.u32()?;
                Body::Fault(Fault {
                    alloc_hint,
                    context_id,
                    cancel_count,
                    status,
                })
            }
            PacketType::Shutdown | PacketType::CoCancel | PacketType::Orphaned => Body::Other,
        };
        Ok(Pdu { header, body, auth })
    }

    /// Serializes the PDU: the body, auth padding (`auth.pad_len` zero bytes after a request or
    /// response stub), the `sec_trailer` and `auth_value`; `frag_len` and `auth_len` are set
    /// from the result.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.header.write(&mut out);
        match &self.body {
            Body::Bind(b) | Body::AlterContext(b) => write_bind(b, &mut out),
            Body::BindAck(b) | Body::AlterContextResp(b) => write_bind_ack(b, &mut out),
            Body::BindNak { reason, versions } => {
                out.extend_from_slice(&reason.to_le_bytes());
                out.push(versions.len() as u8);
                for (a, b) in versions {
                    out.extend_from_slice(&[*a, *b]);
                }
                while out.len() % 4 != 0 {
                    out.push(0);
                }
            }
            Body::Auth3 => out.extend_from_slice(&[0; 4]),
            Body::Request {
                alloc_hint,
                context_id,
                opnum,
                object,
                stub,
            } => {
                out.extend_from_slice(&alloc_hint.to_le_bytes());
                out.extend_from_slice(&context_id.to_le_bytes());
                out.extend_from_slice(&opnum.to_le_bytes());
                if let Some(o) = object {
                    out.extend_from_slice(o.as_bytes_le());
                }
                out.extend_from_slice(stub);
            }
            Body::Response {
                alloc_hint,
                context_id,
                cancel_count,
                stub,
            } => {
                out.extend_from_slice(&alloc_hint.to_le_bytes());
                out.extend_from_slice(&context_id.to_le_bytes());
                out.extend_from_slice(&[*cancel_count, 0]);
                out.extend_from_slice(stub);
            }
            Body::Fault(f) => {
                out.extend_from_slice(&f.alloc_hint.to_le_bytes());
                out.extend_from_slice(&f.context_id.to_le_bytes());
                out.extend_from_slice(&[f.cancel_count, 0]);
                out.extend_from_slice(&f.status.to_le_bytes());
                out.extend_from_slice(&[0; 4]);
            }
            Body::Other => {}
        }
        if let Some(a) = &self.auth {
            if matches!(self.body, Body::Request { .. } | Body::Response { .. }) {
                out.extend(core::iter::repeat_n(0u8, a.pad_len as usize));
            }
            a.write_fixed(&mut out);
            out.extend_from_slice(&a.auth_value);
        }
        let frag_len = out.len() as u16;
        out[8..10].copy_from_slice(&frag_len.to_le_bytes());
        let auth_len = self.auth.as_ref().map_or(0, |a| a.auth_value.len() as u16);
        out[10..12].copy_from_slice(&auth_len.to_le_bytes());
        out
    }
}
