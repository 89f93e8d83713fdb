//! The lab server's SPNEGO acceptor (`auth_type` 9, what dpapi-ng and Samba's client use by
//! default): sspi's Negotiate server with Kerberos inside when the server has a keytab and the
//! client offers Kerberos first, NTLM inside otherwise (accounts from an [`AccountTable`]).
//!
//! NTLM: sspi picks the account by the user name in the NTLM AUTHENTICATE message and requires
//! the SPNEGO `mechListMIC`, which is keyed by the session key and so by the password: a wrong
//! password fails context establishment.
//!
//! Kerberos: the first token's AP-REQ is read before sspi sees it ([`KerberosService`]: the
//! ticket decrypted with the keytab, the PAC's SIDs kept for the access check), then handed to
//! sspi's Kerberos server without its GSS-API framing, DCE style (AP-REQ, AP-REP, AP-REP).

use std::fmt;
use std::sync::Arc;

use laps_crypto::Sid;
use laps_rpc::auth::{AuthError, AuthStep, AuthType, SecurityContext};
use picky_asn1::wrapper::{ExplicitContextTag2, OctetStringAsn1, Optional};
use picky_krb::gss_api::{ApplicationTag0, GssApiNegInit};
use sspi::ntlm::NtlmConfig;
use sspi::{
    AuthIdentity, Negotiate, NegotiateConfig, NegotiatedProtocol, Secret, SecurityStatus,
    ServerRequestFlags, Sspi, Username, UsernameParts,
};

use crate::accounts::{with_implicit_sids, AccountTable};
use crate::kerberos_server::{accept_token, unframe_ap_req, KerberosService};
use crate::pac::TicketClient;
use crate::protect::{auth_error, unexpected_status, Coverage};

/// The Kerberos mechanism OIDs (RFC 4121 and Microsoft's), as picky writes OIDs.
const KRB5_MECHS: [&str; 2] = ["1.2.840.113554.1.2.2", "1.2.840.48018.1.2.2"];

/// The names a client may give for `account`: `DOMAIN\user` and `user@DOMAIN` for an account
/// with a domain, `user` for one without.
fn identities(accounts: &AccountTable) -> Vec<AuthIdentity> {
    let mut out = Vec::new();
    for a in accounts.accounts() {
        let Some(pw) = a.password() else { continue };
        let password = || Secret::from(pw.to_owned());
        let names = match a.domain() {
            Some(d) => vec![
                Username::new_down_level_logon_name(a.user(), d),
                Username::new_upn(a.user(), d),
            ],
            None => vec![Username::new(a.user(), None)],
        };
        for username in names.into_iter().flatten() {
            out.push(AuthIdentity {
                username,
                password: password(),
            });
        }
    }
    out
}

/// A server-side SPNEGO context (Kerberos or NTLM inside) for one connection of the lab
/// server.
pub struct SpnegoAcceptor {
    ctx: Option<Negotiate>,
    accounts: Arc<AccountTable>,
    kerberos: Option<Arc<KerberosService>>,
    ticket: Option<TicketClient>,
    dce: bool,
    legs: u8,
    complete: bool,
    failed: bool,
    client_name: Option<String>,
    sig_len: usize,
    coverage: Coverage,
}

impl fmt::Debug for SpnegoAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpnegoAcceptor")
            .field("complete", &self.complete)
            .field("client_name", &self.client_name)
            .finish_non_exhaustive()
    }
}

/// The first SPNEGO token's Kerberos AP-REQ, when Kerberos is the client's first mechanism:
/// the token rewritten with the AP-REQ unframed (as sspi's DCE-style server reads it) and the
/// unframed AP-REQ.
fn kerberos_first(token: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut init: ApplicationTag0<GssApiNegInit> = picky_asn1_der::from_bytes(token).ok()?;
    let neg = &mut init.0.neg_token_init.0;
    let first = neg.mech_types.0.as_ref()?.0 .0.first()?;
    let oid: String = first.0.clone().into();
    if !KRB5_MECHS.contains(&oid.as_str()) {
        return None;
    }
    let mech_token = neg.mech_token.0.as_ref()?.0 .0.clone();
    let ap_req = unframe_ap_req(&mech_token)?.to_vec();
    neg.mech_token = Optional::from(Some(ExplicitContextTag2::from(OctetStringAsn1::from(
        ap_req.clone(),
    ))));
    Some((picky_asn1_der::to_vec(&init).ok()?, ap_req))
}

/// One DER TLV at the start of `b`: (tag, content, total length).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], usize)> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 {
            return None;
        }
        let mut len = 0usize;
        for &x in b.get(2..2 + n)? {
            len = (len << 8) | usize::from(x);
        }
        (len, 2 + n)
    };
    Some((tag, b.get(hdr..hdr + len)?, hdr + len))
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else if len <= 0xffff {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    } else {
        out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// A client's `negTokenResp` without `negState` (as Samba sends its second and third SPNEGO
/// tokens; RFC 4178 4.2.2 makes the field optional) rewritten with `negState`
/// accept-incomplete. sspi 0.23 (picky-krb's `NegTokenTarg`) decodes a `negTokenResp` whose
/// `negState` and `supportedMech` are both absent with the `responseToken`'s OCTET STRING
/// header left on the token, and then rejects it ("Read NTLM signature is invalid", or an
/// AP-REP that does not parse). `None`: the token has `negState` or is not a `negTokenResp`.
fn with_neg_state(token: &[u8]) -> Option<Vec<u8>> {
    let (0xa1, outer, _) = tlv(token)? else {
        return None;
    };
    let (0x30, mut fields, _) = tlv(outer)? else {
        return None;
    };
    let mut out = der(0xa0, &[0x0a, 0x01, 0x01]);
    while !fields.is_empty() {
        let (tag, _, len) = tlv(fields)?;
        if tag == 0xa0 {
            return None;
        }
        out.extend_from_slice(&fields[..len]);
        fields = &fields[len..];
    }
    Some(der(0xa1, &der(0x30, &out)))
}

impl SpnegoAcceptor {
    /// An acceptor that authenticates the accounts of `accounts` with NTLM inside SPNEGO.
    pub fn new(accounts: Arc<AccountTable>) -> Result<Self, AuthError> {
        Ok(Self::with_kerberos(accounts, None))
    }

    /// An acceptor that also takes Kerberos tickets for `kerberos`' service.
    pub fn with_kerberos(
        accounts: Arc<AccountTable>,
        kerberos: Option<Arc<KerberosService>>,
    ) -> Self {
        Self {
            ctx: None,
            accounts,
            kerberos,
            ticket: None,
            dce: false,
            legs: 0,
            complete: false,
            failed: false,
            client_name: None,
            sig_len: 0,
            coverage: Coverage::WholePdu,
        }
    }

    /// Creates the Negotiate server for the first token; returns the token to give it.
    fn start(&mut self, input: &[u8]) -> Result<Vec<u8>, AuthError> {
        let kerberos = match (&self.kerberos, kerberos_first(input)) {
            (Some(service), Some((token, ap_req))) => {
                let (config, client) = service.accept_ticket(&ap_req)?;
                self.ticket = Some(client);
                Some((config, token))
            }
            _ => None,
        };
        let (config, token) = match kerberos {
            Some((config, token)) => {
                self.dce = true;
                (
                    NegotiateConfig::new(
                        Box::new(config),
                        Some("kerberos,ntlm,!pku2u".into()),
                        "WINLAPS-KDS".into(),
                    ),
                    token,
                )
            }
            None => (
                NegotiateConfig::new(
                    Box::new(NtlmConfig::default()),
                    Some("ntlm,!kerberos,!pku2u".into()),
                    "WINLAPS-KDS".into(),
                ),
                input.to_vec(),
            ),
        };
        let mut identities = identities(&self.accounts);
        if let Some(ticket) = &self.ticket {
            // sspi's Negotiate server looks the client's name up among its identities before it
            // checks a mechListMIC, even though a Kerberos MIC is keyed by the session key, not
            // by a password: the ticket's client (named as sspi names it: the first cname
            // component @ the realm in lower case) goes in with a throw-away secret.
            let (user, realm) = ticket.name.rsplit_once('@').unwrap_or((&ticket.name, ""));
            let user = user.split('/').next().unwrap_or(user);
            if let Ok(username) = Username::new_upn(user, &realm.to_ascii_lowercase()) {
                identities.push(AuthIdentity {
                    username,
                    password: Secret::from(String::new()),
                });
            }
        }
        self.ctx = Some(Negotiate::new_server(config, identities).map_err(|e| auth_error(&e))?);
        Ok(token)
    }

    fn accept(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        let token = match self.ctx {
            None => self.start(input)?,
            Some(_) => with_neg_state(input).unwrap_or_else(|| input.to_vec()),
        };
        let ctx = self.ctx.as_mut().ok_or(AuthError::NotEstablished)?;
        let flags = if self.dce {
            ServerRequestFlags::USE_DCE_STYLE
        } else {
            ServerRequestFlags::empty()
        };
        let (status, token) = accept_token(ctx, token, flags)?;
        self.legs += 1;
        match status {
            SecurityStatus::Ok => self.finish()?,
            // DCE-style Kerberos is complete once sspi has checked the client's closing AP-REP
            // (the second token). sspi then still asks for a mechListMIC, which RFC 4178 5
            // makes optional when Kerberos is the client's first choice (the only case this
            // acceptor takes Kerberos) and which clients that already completed do not send;
            // its own MIC goes back in this last token.
            SecurityStatus::ContinueNeeded if self.dce && self.legs == 2 => self.finish()?,
            SecurityStatus::ContinueNeeded => {}
            SecurityStatus::CompleteNeeded | SecurityStatus::CompleteAndContinue => {
                ctx.complete_auth_token(&mut [])
                    .map_err(|e| auth_error(&e))?;
                if status == SecurityStatus::CompleteNeeded {
                    self.finish()?;
                }
            }
            other => return Err(unexpected_status(other)),
        }
        Ok(AuthStep {
            token,
            complete: self.complete,
        })
    }

    /// Records the authenticated client: the ticket's client for Kerberos, the account of the
    /// user name the client gave for NTLM.
    fn finish(&mut self) -> Result<(), AuthError> {
        let ctx = self.ctx.as_mut().ok_or(AuthError::NotEstablished)?;
        let kerberos = matches!(ctx.negotiated_protocol(), NegotiatedProtocol::Kerberos(_));
        self.sig_len = ctx
            .query_context_sizes()
            .map_err(|e| auth_error(&e))?
            .security_trailer as usize;
        if kerberos {
            let ticket = self
                .ticket
                .as_ref()
                .ok_or_else(|| AuthError::Other("Kerberos without a ticket".into()))?;
            self.coverage = Coverage::HeaderSigningOnly;
            self.client_name = Some(ticket.name.clone());
        } else {
            self.ticket = None;
            let names = ctx.query_context_names().map_err(|e| auth_error(&e))?;
            let (user, domain) = match names.username.parts() {
                UsernameParts::UserPrincipalName(upn) => (upn.account_name(), upn.suffix()),
                UsernameParts::DownLevelLogonName(dl) => {
                    (dl.account_name(), dl.netbios_domain().unwrap_or(""))
                }
            };
            let account = self.accounts.find(user, domain).ok_or_else(|| {
                AuthError::Rejected(format!("logon failure for {}", names.username.inner()))
            })?;
            self.coverage = Coverage::WholePdu;
            self.client_name = Some(account.name());
        }
        self.complete = true;
        Ok(())
    }

    fn protection(&mut self) -> Result<(&mut Negotiate, Coverage, usize), AuthError> {
        match (&mut self.ctx, self.complete) {
            (Some(ctx), true) => Ok((ctx, self.coverage, self.sig_len)),
            _ => Err(AuthError::NotEstablished),
        }
    }
}

impl SecurityContext for SpnegoAcceptor {
    fn auth_type(&self) -> AuthType {
        AuthType::Spnego
    }

    fn step(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        if self.complete || self.failed {
            return Err(AuthError::Other("SPNEGO exchange already finished".into()));
        }
        self.accept(input).inspect_err(|_| self.failed = true)
    }

    fn signature_len(&self) -> usize {
        self.sig_len
    }

    crate::protect::protected_by!(protection);

    fn client_name(&self) -> Option<String> {
        self.client_name.clone()
    }

    fn client_sids(&self) -> Option<Vec<Sid>> {
        self.ticket
            .as_ref()
            .filter(|_| self.complete)
            .and_then(|t| t.sids.clone())
            .map(with_implicit_sids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picky_krb::gss_api::NegTokenTarg1;

    /// Samba 4.22's second SPNEGO token to the lab KDS (Kerberos, DCE style): a
    /// `negTokenResp` with only `responseToken` (the closing AP-REP) and `mechListMIC`.
    const SAMBA_NEG_TOKEN_RESP: &str = "a18185308182a260045e6f5c305aa003020105a10302010fa24e304ca0\
        03020112a245044301640cbf593d9100bdd561a7f6ddf729ccd1b723fb072a961d16f4b219ff5826664d0b620f\
        1eeff726408cfa7ea67d6b0655581a77b6a796a8463d1b364b153cf9a0cba31e041c040404ffffffffff000000\
        00335171d51eaefa24590f613979a86b18";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// `negState`, `responseToken` and `mechListMIC` as picky-krb decodes them.
    type Fields = (Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>);

    fn fields(token: &[u8]) -> Fields {
        let t: NegTokenTarg1 = picky_asn1_der::from_bytes(token).unwrap();
        let t = t.0;
        (
            t.neg_result.0.map(|r| r.0 .0),
            t.response_token.0.map(|r| r.0 .0),
            t.mech_list_mic.0.map(|r| r.0 .0),
        )
    }

    #[test]
    fn a_neg_token_resp_without_neg_state_gets_one_and_its_tokens_intact() {
        let samba = unhex(SAMBA_NEG_TOKEN_RESP);
        // As sspi 0.23 reads Samba's token: the AP-REP with its OCTET STRING header still on.
        assert_eq!(fields(&samba).1.unwrap()[0], 0x04);
        let fixed = with_neg_state(&samba).expect("rewritten");
        let (state, token, mic) = fields(&fixed);
        assert_eq!(state.unwrap(), [0x0a, 0x01, 0x01], "accept-incomplete");
        let token = token.unwrap();
        assert_eq!(token[0], 0x6f, "the AP-REP itself");
        assert_eq!(token.len(), 0x5e);
        assert_eq!(mic.unwrap().len(), 0x1c);
        // A token that has negState is left alone, and so is anything else.
        assert_eq!(with_neg_state(&fixed), None);
        assert_eq!(with_neg_state(b"NTLMSSP\0"), None);
        assert_eq!(with_neg_state(&samba[..samba.len() - 3]), None);
        assert_eq!(with_neg_state(&[]), None);
    }
}
