//! The lab server's Kerberos acceptor (`auth_type` 16): sspi's Kerberos server, keyed from a
//! keytab, with the caller's token SIDs read from the ticket's PAC.
//!
//! sspi 0.23's server checks the AP-REQ (ticket decryption, authenticator, clock skew, replay
//! cache), answers with the AP-REP and, DCE style, checks the client's closing AP-REP; it does
//! not expose the ticket's authorization data, so [`pac`](crate::pac) decrypts the ticket once
//! more to read the PAC. A ticket without a PAC falls back to the account table (the
//! `user@REALM` name mapped to configured SIDs).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use laps_crypto::Sid;
use laps_rpc::auth::{AuthError, AuthStep, AuthType, SecurityContext};
use picky_krb::messages::ApReq;
use sspi::{
    BufferType, CredentialsBuffers, DataRepresentation, Kerberos, KerberosConfig,
    KerberosServerConfig, Secret, SecurityBuffer, SecurityStatus, ServerRequestFlags, Sspi,
    SspiImpl,
};

use crate::accounts::with_implicit_sids;
use crate::error::{Error, Result};
use crate::keytab::Keytab;
use crate::pac::{ticket_client, TicketClient};
use crate::protect::{auth_error, unexpected_status, Coverage};

/// The Kerberos identity of the lab KDS: the keytab of its service account and the service
/// principal clients ask tickets for.
#[derive(Debug, Clone)]
pub struct KerberosService {
    keytab: Keytab,
    spn: Vec<String>,
    max_skew: Duration,
}

impl KerberosService {
    /// The service `spn` (e.g. `host/kds.winlaps.test`, without realm) with keys from
    /// `keytab`. `None`: the first principal of the keytab. The keytab must hold an AES key
    /// (encryption type 17 or 18) for it: sspi's Kerberos has no RC4.
    pub fn new(keytab: Keytab, spn: Option<&str>) -> Result<Self> {
        let spn: Vec<String> = match spn {
            Some(s) => s
                .split('@')
                .next()
                .unwrap_or(s)
                .split('/')
                .map(str::to_owned)
                .collect(),
            None => keytab
                .entries()
                .first()
                .map(|e| e.components().to_vec())
                .ok_or_else(|| Error::InvalidArgument("keytab: no keys".into()))?,
        };
        let names: Vec<&str> = spn.iter().map(String::as_str).collect();
        if ![17, 18]
            .iter()
            .any(|&t| keytab.find(&names, t, None).is_some())
        {
            let have: Vec<String> = keytab
                .entries()
                .iter()
                .map(|e| format!("{} (enctype {})", e.principal(), e.enctype()))
                .collect();
            return Err(Error::InvalidArgument(format!(
                "keytab: no AES key for {} (it holds: {}); export one with \
                 msDS-SupportedEncryptionTypes=24 on the service account",
                spn.join("/"),
                have.join(", ")
            )));
        }
        Ok(Self {
            keytab,
            spn,
            max_skew: Duration::from_secs(300),
        })
    }

    /// The service principal name, `service/host`.
    pub fn spn(&self) -> String {
        self.spn.join("/")
    }

    /// Reads the ticket of an AP-REQ (unframed DER): decrypts it with the keytab and returns
    /// the configuration of the sspi server that checks the rest (keyed for the ticket's
    /// service principal and encryption type), with the client and its PAC.
    pub(crate) fn accept_ticket(
        &self,
        ap_req_bytes: &[u8],
    ) -> std::result::Result<(KerberosServerConfig, TicketClient), AuthError> {
        let ap_req: ApReq = picky_asn1_der::from_bytes(ap_req_bytes)
            .map_err(|_| AuthError::InvalidToken("not a Kerberos AP-REQ".into()))?;
        let (client, key, sname) = ticket_client(&self.keytab, &ap_req)?;
        let names: Vec<&str> = sname.iter().map(String::as_str).collect();
        let server_properties = sspi::kerberos::ServerProperties::new(
            &names,
            None,
            self.max_skew,
            Some(Secret::new(key.key().to_vec())),
        )
        .map_err(|e| auth_error(&e))?;
        let config = KerberosServerConfig {
            kerberos_config: KerberosConfig {
                kdc_resolution: sspi::KdcResolution::KdcUrl(None),
                client_computer_name: "WINLAPS-KDS".into(),
            },
            server_properties,
        };
        Ok((config, client))
    }
}

/// The Kerberos OID 1.2.840.113554.1.2.2 and its Microsoft variant 1.2.840.48018.1.2.2, DER
/// contents.
const KRB5_OIDS: [&[u8]; 2] = [
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02],
    &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02],
];

fn der_len(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.first()?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for &x in b.get(1..1 + n)? {
        len = (len << 8) | usize::from(x);
    }
    Some((len, 1 + n))
}

/// The AP-REQ inside a GSS-API initial context token (RFC 2743 3.1: `0x60`, the Kerberos OID,
/// token id `01 00`), or the input itself when it is not framed (DCE style).
pub(crate) fn unframe_ap_req(token: &[u8]) -> Option<&[u8]> {
    if token.first() != Some(&0x60) {
        return Some(token);
    }
    let (_, n) = der_len(&token[1..])?;
    let rest = token.get(1 + n..)?;
    if rest.first() != Some(&0x06) {
        return None;
    }
    let (oid_len, m) = der_len(&rest[1..])?;
    let oid = rest.get(1 + m..1 + m + oid_len)?;
    if !KRB5_OIDS.contains(&oid) {
        return None;
    }
    let rest = rest.get(1 + m + oid_len..)?;
    match rest.get(..2)? {
        [1, 0] => rest.get(2..),
        _ => None,
    }
}

/// A server-side Kerberos context for one connection of the lab server.
pub struct KerberosAcceptor {
    service: Arc<KerberosService>,
    ctx: Option<Kerberos>,
    client: Option<TicketClient>,
    complete: bool,
    failed: bool,
    sig_len: usize,
}

impl fmt::Debug for KerberosAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KerberosAcceptor")
            .field("spn", &self.service.spn())
            .field("complete", &self.complete)
            .field("client", &self.client.as_ref().map(|c| &c.name))
            .finish_non_exhaustive()
    }
}

/// One `AcceptSecurityContext` call of a Kerberos or Negotiate server with `flags`: the status
/// and the output token.
pub(crate) fn accept_token<S>(
    ctx: &mut S,
    input: Vec<u8>,
    flags: ServerRequestFlags,
) -> std::result::Result<(SecurityStatus, Vec<u8>), AuthError>
where
    S: Sspi + SspiImpl<CredentialsHandle = Option<CredentialsBuffers>>,
{
    let mut input = [SecurityBuffer::new(input, BufferType::Token)];
    let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut handle: Option<CredentialsBuffers> = None;
    let builder = ctx
        .accept_security_context()
        .with_credentials_handle(&mut handle)
        .with_context_requirements(flags)
        .with_target_data_representation(DataRepresentation::Native)
        .with_input(&mut input)
        .with_output(&mut output);
    let result = ctx
        .accept_security_context_impl(builder)
        .map_err(|e| auth_error(&e))?
        .resolve_to_result()
        .map_err(|e| auth_error(&e))?;
    Ok((result.status, std::mem::take(&mut output[0].buffer)))
}

impl KerberosAcceptor {
    /// An acceptor for tickets to `service`.
    pub fn new(service: Arc<KerberosService>) -> Self {
        Self {
            service,
            ctx: None,
            client: None,
            complete: false,
            failed: false,
            sig_len: 0,
        }
    }

    fn accept(&mut self, input: &[u8]) -> std::result::Result<AuthStep, AuthError> {
        let ctx = match &mut self.ctx {
            Some(ctx) => ctx,
            None => {
                let ap_req = unframe_ap_req(input).ok_or_else(|| {
                    AuthError::InvalidToken("not a Kerberos initial context token".into())
                })?;
                let (config, client) = self.service.accept_ticket(ap_req)?;
                let server = Kerberos::new_server_from_config(
                    config.kerberos_config,
                    config.server_properties,
                )
                .map_err(|e| auth_error(&e))?;
                self.client = Some(client);
                self.ctx.insert(server)
            }
        };
        let input = unframe_ap_req(input).unwrap_or(input);
        let (status, token) = accept_token(ctx, input.to_vec(), ServerRequestFlags::USE_DCE_STYLE)?;
        match status {
            SecurityStatus::Ok | SecurityStatus::CompleteNeeded => {
                let sizes = ctx.query_context_sizes().map_err(|e| auth_error(&e))?;
                self.sig_len = sizes.security_trailer as usize;
                self.complete = true;
            }
            SecurityStatus::ContinueNeeded => {}
            other => return Err(unexpected_status(other)),
        }
        Ok(AuthStep {
            token,
            complete: self.complete,
        })
    }

    fn protection(&mut self) -> std::result::Result<(&mut Kerberos, Coverage, usize), AuthError> {
        match (&mut self.ctx, self.complete) {
            (Some(ctx), true) => Ok((ctx, Coverage::HeaderSigningOnly, self.sig_len)),
            _ => Err(AuthError::NotEstablished),
        }
    }
}

impl SecurityContext for KerberosAcceptor {
    fn auth_type(&self) -> AuthType {
        AuthType::Kerberos
    }

    fn step(&mut self, input: &[u8]) -> std::result::Result<AuthStep, AuthError> {
        if self.complete || self.failed {
            return Err(AuthError::Other(
                "Kerberos exchange already finished".into(),
            ));
        }
        self.accept(input).inspect_err(|_| self.failed = true)
    }

    fn signature_len(&self) -> usize {
        self.sig_len
    }

    crate::protect::protected_by!(protection);

    fn client_name(&self) -> Option<String> {
        self.complete
            .then(|| self.client.as_ref().map(|c| c.name.clone()))
            .flatten()
    }

    fn client_sids(&self) -> Option<Vec<Sid>> {
        if !self.complete {
            return None;
        }
        self.client
            .as_ref()
            .and_then(|c| c.sids.clone())
            .map(with_implicit_sids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(oid: &[u8], token_id: [u8; 2], inner: &[u8]) -> Vec<u8> {
        let mut body = vec![0x06, oid.len() as u8];
        body.extend(oid);
        body.extend(token_id);
        body.extend(inner);
        let mut out = vec![0x60];
        if body.len() < 0x80 {
            out.push(body.len() as u8);
        } else {
            out.extend([0x82, (body.len() >> 8) as u8, body.len() as u8]);
        }
        out.extend(body);
        out
    }

    #[test]
    fn gss_framing_is_removed_from_kerberos_ap_reqs_only() {
        let ap_req = [0x6e, 0x03, 0x02, 0x01, 0x05];
        for oid in KRB5_OIDS {
            assert_eq!(
                unframe_ap_req(&framed(oid, [1, 0], &ap_req)),
                Some(&ap_req[..])
            );
        }
        let long = vec![0x6e; 300];
        assert_eq!(
            unframe_ap_req(&framed(KRB5_OIDS[0], [1, 0], &long)),
            Some(&long[..])
        );
        // DCE style: the AP-REQ comes unframed.
        assert_eq!(unframe_ap_req(&ap_req), Some(&ap_req[..]));
        // SPNEGO's OID, a TGT-REQ token id, truncation: not a Kerberos AP-REQ.
        let spnego = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
        assert_eq!(unframe_ap_req(&framed(&spnego, [1, 0], &ap_req)), None);
        assert_eq!(unframe_ap_req(&framed(KRB5_OIDS[0], [4, 0], &ap_req)), None);
        let f = framed(KRB5_OIDS[0], [1, 0], &ap_req);
        for n in 1..12 {
            assert_eq!(unframe_ap_req(&f[..n]), None, "cut at {n}");
        }
    }
}
