//! The lab server's SPNEGO acceptor (`auth_type` 9, what dpapi-ng and Samba's client use by
//! default): sspi's Negotiate server with NTLM inside, accounts from an [`AccountTable`].
//!
//! sspi picks the account by the user name in the NTLM AUTHENTICATE message and requires the
//! SPNEGO `mechListMIC`, which is keyed by the session key and so by the password: a wrong
//! password fails context establishment.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use laps_rpc::auth::{AuthError, AuthStep, AuthType, SecurityContext};
use sspi::ntlm::NtlmConfig;
use sspi::{
    AuthIdentity, BufferType, CredentialsBuffers, DataRepresentation, Negotiate, NegotiateConfig,
    Secret, SecurityBuffer, SecurityStatus, ServerRequestFlags, Sspi, SspiImpl, Username,
    UsernameParts,
};

use crate::accounts::AccountTable;
use crate::protect::{self, auth_error, Coverage};

/// NTLM's `auth_value` length (the only mechanism this acceptor negotiates).
const NTLM_SIGNATURE_LEN: usize = 16;

/// The names a client may give for `account`: `DOMAIN\user` and `user@DOMAIN` for an account
/// with a domain, `user` for one without.
fn identities(accounts: &AccountTable) -> Vec<AuthIdentity> {
    let mut out = Vec::new();
    for a in accounts.accounts() {
        let password = || Secret::from(a.password().to_owned());
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

/// A server-side SPNEGO (NTLM) context for one connection of the lab server.
pub struct SpnegoAcceptor {
    ctx: Negotiate,
    accounts: Arc<AccountTable>,
    complete: bool,
    failed: bool,
    client_name: Option<String>,
}

impl fmt::Debug for SpnegoAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpnegoAcceptor")
            .field("complete", &self.complete)
            .field("client_name", &self.client_name)
            .finish_non_exhaustive()
    }
}

impl SpnegoAcceptor {
    /// An acceptor that authenticates the accounts of `accounts` with NTLM inside SPNEGO.
    pub fn new(accounts: Arc<AccountTable>) -> Result<Self, AuthError> {
        let config = NegotiateConfig::new(
            Box::new(NtlmConfig::default()),
            Some("ntlm,!kerberos,!pku2u".into()),
            "WINLAPS-KDS".into(),
        );
        let ctx =
            Negotiate::new_server(config, identities(&accounts)).map_err(|e| auth_error(&e))?;
        Ok(Self {
            ctx,
            accounts,
            complete: false,
            failed: false,
            client_name: None,
        })
    }

    fn accept(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        let mut input = [SecurityBuffer::new(input.to_vec(), BufferType::Token)];
        let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut handle: Option<CredentialsBuffers> = None;
        let builder = self
            .ctx
            .accept_security_context()
            .with_credentials_handle(&mut handle)
            .with_context_requirements(ServerRequestFlags::empty())
            .with_target_data_representation(DataRepresentation::Native)
            .with_input(&mut input)
            .with_output(&mut output);
        let result = self
            .ctx
            .accept_security_context_impl(builder)
            .map_err(|e| auth_error(&e))?
            .resolve_to_result()
            .map_err(|e| auth_error(&e))?;
        let token = std::mem::take(&mut output[0].buffer);
        match result.status {
            SecurityStatus::Ok => self.finish()?,
            SecurityStatus::ContinueNeeded => {}
            SecurityStatus::CompleteNeeded | SecurityStatus::CompleteAndContinue => {
                self.ctx
                    .complete_auth_token(&mut [])
                    .map_err(|e| auth_error(&e))?;
                if result.status == SecurityStatus::CompleteNeeded {
                    self.finish()?;
                }
            }
            other => {
                return Err(AuthError::Other(format!(
                    "unexpected security status {other:?}"
                )))
            }
        }
        Ok(AuthStep {
            token,
            complete: self.complete,
        })
    }

    /// Records the authenticated account (by the user name the client gave).
    fn finish(&mut self) -> Result<(), AuthError> {
        let names = self.ctx.query_context_names().map_err(|e| auth_error(&e))?;
        let (user, domain) = match names.username.parts() {
            UsernameParts::UserPrincipalName(upn) => (upn.account_name(), upn.suffix()),
            UsernameParts::DownLevelLogonName(dl) => {
                (dl.account_name(), dl.netbios_domain().unwrap_or(""))
            }
        };
        let account = self.accounts.find(user, domain).ok_or_else(|| {
            AuthError::Rejected(format!("logon failure for {}", names.username.inner()))
        })?;
        self.client_name = Some(account.name());
        self.complete = true;
        Ok(())
    }

    fn established(&self) -> Result<(), AuthError> {
        if self.complete {
            Ok(())
        } else {
            Err(AuthError::NotEstablished)
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
        NTLM_SIGNATURE_LEN
    }

    fn seal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError> {
        self.established()?;
        protect::seal(
            &mut self.ctx,
            Coverage::WholePdu,
            NTLM_SIGNATURE_LEN,
            pdu,
            data,
            header_signing,
        )
    }

    fn unseal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        self.established()?;
        protect::unseal(
            &mut self.ctx,
            Coverage::WholePdu,
            pdu,
            data,
            header_signing,
            auth_value,
        )
    }

    fn sign(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError> {
        self.established()?;
        protect::sign(
            &mut self.ctx,
            Coverage::WholePdu,
            NTLM_SIGNATURE_LEN,
            pdu,
            data,
            header_signing,
        )
    }

    fn verify(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        self.established()?;
        protect::verify(
            &mut self.ctx,
            Coverage::WholePdu,
            pdu,
            data,
            header_signing,
            auth_value,
        )
    }

    fn client_name(&self) -> Option<String> {
        self.client_name.clone()
    }
}
