//! Per-PDU protection through SSPI `EncryptMessage` / `DecryptMessage`, shared by the client
//! contexts and the lab server's acceptor.
//!
//! A PDU is handed to sspi as three `Data` buffers in wire order: the bytes before the stub
//! (common header and request/response header), the stub data with its auth padding, and
//! the `sec_trailer`; plus a `Token` buffer for the `auth_value`. The header and trailer
//! buffers carry `SECBUFFER_READONLY_WITH_CHECKSUM` when header signing was negotiated and
//! `SECBUFFER_READONLY` otherwise ([MS-RPCE] 3.3.1.5.2.2).
//!
//! What the signature covers differs by mechanism ([`Coverage`]): NTLM's MAC covers the whole
//! PDU whatever the flags (Windows, and Samba's `ntlmssp_seal_packet(data, whole_pdu)`);
//! Kerberos (RFC 4121 wrap tokens, Samba `gssapi_seal_packet`) covers header and trailer only
//! with header signing. sspi 0.23's Kerberos checksums every `Data` buffer it is given,
//! read-only or not, so without header signing the header and trailer buffers are left out
//! of the call altogether (found against Samba 4.22: with them, Samba rejects the PDU with
//! `nca_s_fault_sec_pkg_error`).

use std::ops::Range;

use laps_rpc::auth::AuthError;
use sspi::{EncryptionFlags, SecurityBufferFlags, SecurityBufferRef, Sspi};

/// Maps an sspi error to the contract's error without echoing tokens.
pub(crate) fn auth_error(e: &sspi::Error) -> AuthError {
    use sspi::ErrorKind as K;
    let text = format!("{:?}: {}", e.error_type, e.description);
    match e.error_type {
        K::MessageAltered | K::DecryptFailure | K::OutOfSequence => AuthError::BadSignature,
        K::InvalidToken => AuthError::InvalidToken(text),
        K::LogonDenied
        | K::NoCredentials
        | K::UnknownCredentials
        | K::WrongPrincipalName
        | K::TimeSkew
        | K::KdcUnknownEType
        | K::NoAuthenticatingAuthority
        | K::NoKerbKey
        | K::IncompleteCredentials
        | K::TargetUnknown
        | K::MutualAuthFailed
        | K::NoTgtReply => AuthError::Rejected(text),
        _ => AuthError::Other(text),
    }
}

/// A security status no step of context establishment expects.
pub(crate) fn unexpected_status(status: sspi::SecurityStatus) -> AuthError {
    AuthError::Other(format!("unexpected security status {status:?}"))
}

fn check_range(len: usize, data: &Range<usize>) -> Result<(), AuthError> {
    if data.start > data.end || data.end > len {
        return Err(AuthError::Other(format!(
            "data range {}..{} outside a PDU of {len} bytes",
            data.start, data.end
        )));
    }
    Ok(())
}

/// What a mechanism's signature covers besides the stub data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    /// NTLM: the whole PDU, with or without header signing.
    WholePdu,
    /// Kerberos: header and `sec_trailer` only with header signing.
    HeaderSigningOnly,
}

impl Coverage {
    /// Whether the header and trailer buffers are handed to sspi.
    fn includes_header(self, header_signing: bool) -> bool {
        header_signing || self == Coverage::WholePdu
    }
}

fn readonly_flag(header_signing: bool) -> SecurityBufferFlags {
    if header_signing {
        SecurityBufferFlags::SECBUFFER_READONLY_WITH_CHECKSUM
    } else {
        SecurityBufferFlags::SECBUFFER_READONLY
    }
}

/// Encrypts `pdu[data]` in place; returns the `auth_value` of `sig_len` bytes.
pub(crate) fn seal(
    ctx: &mut impl Sspi,
    coverage: Coverage,
    sig_len: usize,
    pdu: &mut [u8],
    data: Range<usize>,
    header_signing: bool,
) -> Result<Vec<u8>, AuthError> {
    check_range(pdu.len(), &data)?;
    let flag = readonly_flag(header_signing);
    let (head, rest) = pdu.split_at_mut(data.start);
    let (body, tail) = rest.split_at_mut(data.end - data.start);
    let mut token = vec![0u8; sig_len];
    let mut message = vec![
        SecurityBufferRef::data_buf(body),
        SecurityBufferRef::token_buf(&mut token),
    ];
    if coverage.includes_header(header_signing) {
        message.insert(0, SecurityBufferRef::data_buf(head).with_flags(flag));
        message.insert(2, SecurityBufferRef::data_buf(tail).with_flags(flag));
    }
    ctx.encrypt_message(EncryptionFlags::empty(), &mut message)
        .map_err(|e| auth_error(&e))?;
    let written = message[message.len() - 1].data().len();
    if written != sig_len {
        return Err(AuthError::Other(format!(
            "the security provider wrote a {written}-byte auth_value, {sig_len} expected"
        )));
    }
    Ok(token)
}

/// Checks `auth_value` and decrypts `pdu[data]` in place.
pub(crate) fn unseal(
    ctx: &mut impl Sspi,
    coverage: Coverage,
    pdu: &mut [u8],
    data: Range<usize>,
    header_signing: bool,
    auth_value: &[u8],
) -> Result<(), AuthError> {
    check_range(pdu.len(), &data)?;
    let flag = readonly_flag(header_signing);
    let (head, rest) = pdu.split_at_mut(data.start);
    let (body, tail) = rest.split_at_mut(data.end - data.start);
    let body_len = body.len();
    let mut token = auth_value.to_vec();
    let with_header = coverage.includes_header(header_signing);
    let mut message = vec![
        SecurityBufferRef::data_buf(body),
        SecurityBufferRef::token_buf(&mut token),
    ];
    if with_header {
        message.insert(0, SecurityBufferRef::data_buf(head).with_flags(flag));
        message.insert(2, SecurityBufferRef::data_buf(tail).with_flags(flag));
    }
    ctx.decrypt_message(&mut message)
        .map_err(|e| auth_error(&e))?;
    let body_at = usize::from(with_header);
    if message[body_at].data().len() != body_len {
        return Err(AuthError::BadSignature);
    }
    Ok(())
}

/// Signs `pdu` (sign-only `EncryptMessage`: every `Data` buffer read-only).
pub(crate) fn sign(
    ctx: &mut impl Sspi,
    coverage: Coverage,
    sig_len: usize,
    pdu: &[u8],
    data: Range<usize>,
    header_signing: bool,
) -> Result<Vec<u8>, AuthError> {
    check_range(pdu.len(), &data)?;
    let flag = readonly_flag(header_signing);
    let mut head = pdu[..data.start].to_vec();
    let mut body = pdu[data.clone()].to_vec();
    let mut tail = pdu[data.end..].to_vec();
    let mut token = vec![0u8; sig_len];
    let mut message = vec![
        SecurityBufferRef::data_buf(&mut body)
            .with_flags(SecurityBufferFlags::SECBUFFER_READONLY_WITH_CHECKSUM),
        SecurityBufferRef::token_buf(&mut token),
    ];
    if coverage.includes_header(header_signing) {
        message.insert(0, SecurityBufferRef::data_buf(&mut head).with_flags(flag));
        message.insert(2, SecurityBufferRef::data_buf(&mut tail).with_flags(flag));
    }
    ctx.encrypt_message(EncryptionFlags::empty(), &mut message)
        .map_err(|e| auth_error(&e))?;
    Ok(token)
}

/// Checks a sign-only `auth_value` over `pdu`.
pub(crate) fn verify(
    ctx: &mut impl Sspi,
    coverage: Coverage,
    pdu: &[u8],
    data: Range<usize>,
    header_signing: bool,
    auth_value: &[u8],
) -> Result<(), AuthError> {
    check_range(pdu.len(), &data)?;
    let flag = readonly_flag(header_signing);
    let mut head = pdu[..data.start].to_vec();
    let mut body = pdu[data.clone()].to_vec();
    let mut tail = pdu[data.end..].to_vec();
    let mut token = auth_value.to_vec();
    let mut message = vec![
        SecurityBufferRef::data_buf(&mut body)
            .with_flags(SecurityBufferFlags::SECBUFFER_READONLY_WITH_CHECKSUM),
        SecurityBufferRef::token_buf(&mut token),
    ];
    if coverage.includes_header(header_signing) {
        message.insert(0, SecurityBufferRef::data_buf(&mut head).with_flags(flag));
        message.insert(2, SecurityBufferRef::data_buf(&mut tail).with_flags(flag));
    }
    ctx.decrypt_message(&mut message)
        .map_err(|e| auth_error(&e))?;
    Ok(())
}

/// The four per-PDU methods of a [`SecurityContext`](laps_rpc::auth::SecurityContext)
/// implementation, written once for every context of this crate: each calls
/// `self.$protection()`, which returns the established sspi context with its [`Coverage`] and
/// signature length, or [`AuthError::NotEstablished`], and hands the PDU to the functions of
/// this module.
macro_rules! protected_by {
    ($protection:ident) => {
        fn seal(
            &mut self,
            pdu: &mut [u8],
            data: ::std::ops::Range<usize>,
            header_signing: bool,
        ) -> ::std::result::Result<Vec<u8>, ::laps_rpc::auth::AuthError> {
            let (ctx, coverage, sig_len) = self.$protection()?;
            $crate::protect::seal(ctx, coverage, sig_len, pdu, data, header_signing)
        }

        fn unseal(
            &mut self,
            pdu: &mut [u8],
            data: ::std::ops::Range<usize>,
            header_signing: bool,
            auth_value: &[u8],
        ) -> ::std::result::Result<(), ::laps_rpc::auth::AuthError> {
            let (ctx, coverage, _) = self.$protection()?;
            $crate::protect::unseal(ctx, coverage, pdu, data, header_signing, auth_value)
        }

        fn sign(
            &mut self,
            pdu: &[u8],
            data: ::std::ops::Range<usize>,
            header_signing: bool,
        ) -> ::std::result::Result<Vec<u8>, ::laps_rpc::auth::AuthError> {
            let (ctx, coverage, sig_len) = self.$protection()?;
            $crate::protect::sign(ctx, coverage, sig_len, pdu, data, header_signing)
        }

        fn verify(
            &mut self,
            pdu: &[u8],
            data: ::std::ops::Range<usize>,
            header_signing: bool,
            auth_value: &[u8],
        ) -> ::std::result::Result<(), ::laps_rpc::auth::AuthError> {
            let (ctx, coverage, _) = self.$protection()?;
            $crate::protect::verify(ctx, coverage, pdu, data, header_signing, auth_value)
        }
    };
}
pub(crate) use protected_by;
