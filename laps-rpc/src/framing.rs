//! Cutting a TCP byte stream into fragments, protecting and unprotecting fragments with the
//! security context, splitting a call's stub into fragments and reassembling them, each with
//! a bound.

use crate::auth::{AuthLevel, SecurityContext};
use crate::error::{Error, Result};
use crate::pdu::{self, flags, Header, PacketType, HEADER_LEN, SEC_TRAILER_LEN};

/// Default largest fragment (what Windows and dpapi-ng announce).
pub const DEFAULT_MAX_FRAG: u16 = 5840;
/// Default bound on a reassembled call's stub data.
pub const DEFAULT_MAX_MESSAGE: usize = 1 << 20;
/// Auth padding aligns the stub to this many bytes (Samba `DCERPC_AUTH_PAD_ALIGNMENT`).
pub const AUTH_PAD_ALIGNMENT: usize = 16;

/// Accumulates bytes from a stream and yields whole fragments.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    max_frag: usize,
}

impl Framer {
    /// A framer accepting fragments of at most `max_frag` bytes.
    pub fn new(max_frag: usize) -> Self {
        Framer {
            buf: Vec::new(),
            max_frag,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered that do not form a whole fragment yet.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole fragment, `None` if more bytes are needed; [`Error::TooLarge`] when the
    /// header announces a fragment over the bound (checked before waiting for its bytes).
    pub fn next_fragment(&mut self) -> Result<Option<Vec<u8>>> {
        if self.buf.len() < HEADER_LEN {
            return Ok(None);
        }
        let h = Header::parse(&self.buf[..HEADER_LEN])?;
        let len = h.frag_len as usize;
        if len > self.max_frag {
            return Err(Error::TooLarge {
                what: "fragment",
                len,
                max: self.max_frag,
            });
        }
        if self.buf.len() < len {
            return Ok(None);
        }
        let rest = self.buf.split_off(len);
        Ok(Some(core::mem::replace(&mut self.buf, rest)))
    }
}

/// An established (or establishing) security context with its negotiated parameters.
pub(crate) struct Security {
    pub(crate) ctx: Box<dyn SecurityContext>,
    pub(crate) level: AuthLevel,
    pub(crate) header_signing: bool,
    pub(crate) context_id: u32,
    pub(crate) complete: bool,
}

impl Security {
    pub(crate) fn protects(&self) -> bool {
        self.level >= AuthLevel::PktIntegrity
    }

    fn trailer(&self, pad_len: u8, auth_value: Vec<u8>) -> pdu::SecTrailer {
        pdu::SecTrailer {
            auth_type: self.ctx.auth_type().code(),
            auth_level: self.level.code(),
            pad_len,
            context_id: self.context_id,
            auth_value,
        }
    }

    /// A bind/alter_context/auth3 style trailer carrying a token.
    pub(crate) fn token_trailer(&self, token: Vec<u8>) -> pdu::SecTrailer {
        self.trailer(0, token)
    }
}

/// Builds one request/response fragment: `prefix` (the 8 or 24 bytes after the common
/// header), `stub`, and, when `sec` protects PDUs, auth padding, sec_trailer and the seal or
/// signature.
pub(crate) fn build_fragment(
    packet_type: PacketType,
    pfc: u8,
    call_id: u32,
    prefix: &[u8],
    stub: &[u8],
    sec: Option<&mut Security>,
) -> Result<Vec<u8>> {
    let sec = sec.filter(|s| s.protects());
    let Some(sec) = sec else {
        let len = HEADER_LEN + prefix.len() + stub.len();
        let mut out = Vec::with_capacity(len);
        Header {
            packet_type,
            flags: pfc,
            frag_len: len as u16,
            auth_len: 0,
            call_id,
        }
        .write(&mut out);
        out.extend_from_slice(prefix);
        out.extend_from_slice(stub);
        return Ok(out);
    };
    let pad = (AUTH_PAD_ALIGNMENT - stub.len() % AUTH_PAD_ALIGNMENT) % AUTH_PAD_ALIGNMENT;
    let sig_len = sec.ctx.signature_len();
    let data_start = HEADER_LEN + prefix.len();
    let data_end = data_start + stub.len() + pad;
    let total = data_end + SEC_TRAILER_LEN + sig_len;
    if total > u16::MAX as usize || sig_len > u16::MAX as usize {
        return Err(Error::InvalidArgument("fragment too large"));
    }
    let mut out = Vec::with_capacity(total);
    Header {
        packet_type,
        flags: pfc,
        frag_len: total as u16,
        auth_len: sig_len as u16,
        call_id,
    }
    .write(&mut out);
    out.extend_from_slice(prefix);
    out.extend_from_slice(stub);
    out.resize(data_end, 0);
    sec.trailer(pad as u8, Vec::new()).write_fixed(&mut out);
    let hs = sec.header_signing;
    let value = if sec.level == AuthLevel::PktPrivacy {
        sec.ctx.seal(&mut out, data_start..data_end, hs)?
    } else {
        sec.ctx.sign(&out, data_start..data_end, hs)?
    };
    if value.len() != sig_len {
        return Err(Error::Auth(crate::auth::AuthError::Other(
            "signature length differs from signature_len()".into(),
        )));
    }
    out.extend_from_slice(&value);
    Ok(out)
}

/// Checks and strips the protection of a received request/response fragment; returns the
/// stub data (auth padding removed). `prefix_len`: bytes between the common header and the
/// stub.
pub(crate) fn open_fragment(
    frag: &mut [u8],
    header: &Header,
    prefix_len: usize,
    sec: Option<&mut Security>,
) -> Result<Vec<u8>> {
    let (body_end, trailer) = pdu::split_auth(frag, header)?;
    let data_start = HEADER_LEN + prefix_len;
    if data_start > body_end {
        return Err(Error::Truncated {
            structure: header.packet_type.name(),
            offset: body_end,
            needed: data_start - body_end,
        });
    }
    let sec = sec.filter(|s| s.protects());
    let Some(sec) = sec else {
        if trailer.is_some() {
            return Err(Error::Malformed {
                structure: "sec_trailer",
                offset: body_end,
                reason: "a protected PDU on an unprotected connection",
            });
        }
        return Ok(frag[data_start..body_end].to_vec());
    };
    let Some(t) = trailer else {
        return Err(Error::Malformed {
            structure: "sec_trailer",
            offset: body_end,
            reason: "missing on a protected connection",
        });
    };
    if t.auth_type != sec.ctx.auth_type().code() || t.auth_level != sec.level.code() {
        return Err(Error::Malformed {
            structure: "sec_trailer",
            offset: body_end,
            reason: "auth_type or auth_level differs from the bind",
        });
    }
    let pad = t.pad_len as usize;
    if pad > body_end - data_start {
        return Err(Error::Malformed {
            structure: "sec_trailer",
            offset: body_end + 2,
            reason: "auth_pad_length longer than the stub data",
        });
    }
    let hs = sec.header_signing;
    let auth_at = body_end + SEC_TRAILER_LEN;
    let (pdu_part, auth_value) = frag.split_at_mut(auth_at);
    if sec.level == AuthLevel::PktPrivacy {
        sec.ctx
            .unseal(pdu_part, data_start..body_end, hs, auth_value)?;
    } else {
        sec.ctx
            .verify(pdu_part, data_start..body_end, hs, auth_value)?;
    }
    Ok(frag[data_start..body_end - pad].to_vec())
}

/// Largest stub chunk per fragment for a fragment bound of `max_frag`.
pub(crate) fn chunk_len(max_frag: usize, prefix_len: usize, sec: Option<&Security>) -> usize {
    let overhead = HEADER_LEN
        + prefix_len
        + sec.filter(|s| s.protects()).map_or(0, |s| {
            SEC_TRAILER_LEN + s.ctx.signature_len() + AUTH_PAD_ALIGNMENT
        });
    let n = max_frag.saturating_sub(overhead);
    (n / AUTH_PAD_ALIGNMENT * AUTH_PAD_ALIGNMENT).max(AUTH_PAD_ALIGNMENT)
}

/// Splits a call's stub into protected fragments: `prefix_for(alloc_hint)` gives the bytes
/// after the common header for each fragment.
pub(crate) fn build_call(
    packet_type: PacketType,
    call_id: u32,
    max_frag: usize,
    stub: &[u8],
    prefix_for: impl Fn(u32) -> Vec<u8>,
    mut sec: Option<&mut Security>,
) -> Result<Vec<u8>> {
    let prefix_len = prefix_for(0).len();
    let chunk = chunk_len(max_frag, prefix_len, sec.as_deref());
    let mut out = Vec::new();
    let mut off = 0;
    loop {
        let end = (off + chunk).min(stub.len());
        let mut pfc = 0;
        if off == 0 {
            pfc |= flags::FIRST_FRAG;
        }
        if end == stub.len() {
            pfc |= flags::LAST_FRAG;
        }
        let prefix = prefix_for((stub.len() - off) as u32);
        out.extend(build_fragment(
            packet_type,
            pfc,
            call_id,
            &prefix,
            &stub[off..end],
            sec.as_deref_mut(),
        )?);
        off = end;
        if off >= stub.len() {
            break;
        }
    }
    Ok(out)
}

/// Reassembles a call's stub from fragments, bounded.
#[derive(Debug)]
pub(crate) struct Reassembly {
    pub(crate) call_id: u32,
    pub(crate) stub: Vec<u8>,
    max: usize,
}

impl Reassembly {
    pub(crate) fn new(call_id: u32, max: usize) -> Self {
        Reassembly {
            call_id,
            stub: Vec::new(),
            max,
        }
    }

    pub(crate) fn add(&mut self, part: &[u8]) -> Result<()> {
        let len = self.stub.len() + part.len();
        if len > self.max {
            return Err(Error::TooLarge {
                what: "message",
                len,
                max: self.max,
            });
        }
        self.stub.extend_from_slice(part);
        Ok(())
    }
}
