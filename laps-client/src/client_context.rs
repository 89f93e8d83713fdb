//! The client side of a security context: NTLM, Kerberos or SPNEGO from the `sspi` crate,
//! behind laps-rpc's [`SecurityContext`] trait.

use std::fmt;
use std::time::Duration;

use laps_rpc::auth::{AuthError, AuthStep, AuthType, SecurityContext};
use sspi::credssp::SspiContext;
use sspi::ntlm::NtlmConfig;
use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialsBuffers, DataRepresentation,
    KerberosConfig, Negotiate, NegotiateConfig, NegotiatedProtocol, Ntlm, Secret, SecurityBuffer,
    SecurityStatus, Sspi, SspiImpl, Username,
};

use crate::credentials::{AuthProtocol, Credentials};
use crate::error::{Error, Result};
use crate::kdc::KdcClient;
use crate::protect::{auth_error, unexpected_status, Coverage};

/// Options of a client security context.
#[derive(Debug, Clone)]
pub struct ClientAuthOptions {
    /// The KDC for Kerberos and Negotiate, as `host` or `host:port` (port 88 by default).
    /// `None`: the server being called (an AD domain controller is its domain's KDC).
    pub kdc: Option<String>,
    /// The service principal's service class; the SPN is `{service}/{server host}`
    /// (`host`, as dpapi-ng and Windows use for GetKey).
    pub service: String,
    /// The host part of the SPN, when it is not the name the server is reached by (a lab KDS
    /// on an address whose name has no SPN, for example). `None`: the server host.
    pub spn_host: Option<String>,
    /// The workstation name sent in NTLM and Kerberos messages.
    pub workstation: String,
    /// Timeout of each KDC connect, write and read.
    pub kdc_timeout: Duration,
}

impl Default for ClientAuthOptions {
    fn default() -> Self {
        Self {
            kdc: None,
            service: "host".into(),
            spn_host: None,
            workstation: "WINLAPS".into(),
            kdc_timeout: Duration::from_secs(10),
        }
    }
}

/// A client security context (NTLM, Kerberos or SPNEGO) for one RPC connection.
///
/// Context requirements are those of Windows RPC clients: mutual authentication, integrity,
/// confidentiality and DCE style (three-leg Kerberos: AP-REQ, AP-REP, AP-REP).
pub struct ClientContext {
    ctx: SspiContext,
    auth_type: AuthType,
    creds: Option<CredentialsBuffers>,
    target_name: String,
    kdc: KdcClient,
    complete: bool,
    sig_len: usize,
    coverage: Coverage,
}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("auth_type", &self.auth_type)
            .field("target_name", &self.target_name)
            .field("complete", &self.complete)
            .finish_non_exhaustive()
    }
}

fn kdc_url(opts: &ClientAuthOptions, server_host: &str) -> String {
    let kdc = opts.kdc.as_deref().unwrap_or(server_host);
    if kdc.contains("://") {
        kdc.to_owned()
    } else if kdc
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        format!("tcp://{kdc}")
    } else {
        format!("tcp://{kdc}:88")
    }
}

impl ClientContext {
    /// A context that authenticates `creds` to the server at `server_host` with `protocol`.
    ///
    /// For Kerberos the user name should be `user@REALM` (or `REALM\user`, the realm in the
    /// NetBIOS position); the SPN is `{opts.service}/{server_host}`, so `server_host` should be
    /// the server's DNS name as registered in the directory.
    pub fn new(
        protocol: AuthProtocol,
        creds: &Credentials,
        server_host: &str,
        opts: &ClientAuthOptions,
    ) -> Result<Self> {
        let username = Username::parse(creds.user())
            .map_err(|e| Error::InvalidArgument(format!("user name {:?}: {e}", creds.user())))?;
        let identity = AuthIdentity {
            username,
            password: Secret::from(creds.password().to_owned()),
        };
        let kerberos = || {
            KerberosConfig::new_with_kdc_url(&kdc_url(opts, server_host), opts.workstation.clone())
        };
        let mut ctx = match protocol {
            AuthProtocol::Ntlm => SspiContext::Ntlm(Ntlm::with_config(NtlmConfig {
                client_computer_name: Some(opts.workstation.clone()),
            })),
            AuthProtocol::Kerberos => SspiContext::Kerberos(
                sspi::Kerberos::new_client_from_config(kerberos()).map_err(|e| auth_error(&e))?,
            ),
            AuthProtocol::Negotiate => SspiContext::Negotiate(
                Negotiate::new_client(NegotiateConfig::new(
                    Box::new(kerberos()),
                    Some("kerberos,ntlm".into()),
                    opts.workstation.clone(),
                ))
                .map_err(|e| auth_error(&e))?,
            ),
        };
        let auth_data = sspi::Credentials::AuthIdentity(identity);
        let handle = ctx
            .acquire_credentials_handle()
            .with_credential_use(sspi::CredentialUse::Outbound)
            .with_auth_data(&auth_data)
            .execute(&mut ctx)
            .map_err(|e| auth_error(&e))?
            .credentials_handle;
        Ok(Self {
            ctx,
            auth_type: protocol.auth_type(),
            creds: handle,
            target_name: format!(
                "{}/{}",
                opts.service,
                opts.spn_host.as_deref().unwrap_or(server_host)
            ),
            kdc: KdcClient {
                timeout: opts.kdc_timeout,
            },
            complete: false,
            sig_len: 0,
            coverage: Coverage::WholePdu,
        })
    }

    fn finish(&mut self) -> std::result::Result<(), AuthError> {
        let sizes = self.ctx.query_context_sizes().map_err(|e| auth_error(&e))?;
        self.sig_len = sizes.security_trailer as usize;
        self.coverage = match &self.ctx {
            SspiContext::Ntlm(_) => Coverage::WholePdu,
            SspiContext::Negotiate(n)
                if matches!(n.negotiated_protocol(), NegotiatedProtocol::Ntlm(_)) =>
            {
                Coverage::WholePdu
            }
            _ => Coverage::HeaderSigningOnly,
        };
        self.complete = true;
        Ok(())
    }
}

impl ClientContext {
    fn protection(
        &mut self,
    ) -> std::result::Result<(&mut SspiContext, Coverage, usize), AuthError> {
        if self.complete {
            Ok((&mut self.ctx, self.coverage, self.sig_len))
        } else {
            Err(AuthError::NotEstablished)
        }
    }
}

impl SecurityContext for ClientContext {
    fn auth_type(&self) -> AuthType {
        self.auth_type
    }

    fn step(&mut self, input: &[u8]) -> std::result::Result<AuthStep, AuthError> {
        if self.complete {
            return Err(AuthError::Other(
                "the context is already established".into(),
            ));
        }
        let mut input = [SecurityBuffer::new(input.to_vec(), BufferType::Token)];
        let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let Self {
            ctx,
            creds,
            target_name,
            kdc,
            ..
        } = self;
        let mut builder = ctx
            .initialize_security_context()
            .with_credentials_handle(creds)
            .with_context_requirements(
                ClientRequestFlags::MUTUAL_AUTH
                    | ClientRequestFlags::INTEGRITY
                    | ClientRequestFlags::CONFIDENTIALITY
                    | ClientRequestFlags::USE_DCE_STYLE,
            )
            .with_target_data_representation(DataRepresentation::Native)
            .with_target_name(target_name)
            .with_input(&mut input)
            .with_output(&mut output);
        let result = ctx
            .initialize_security_context_impl(&mut builder)
            .map_err(|e| auth_error(&e))?
            .resolve_with_client(kdc)
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
            other => return Err(unexpected_status(other)),
        }
        Ok(AuthStep {
            token,
            complete: self.complete,
        })
    }

    fn signature_len(&self) -> usize {
        self.sig_len
    }

    crate::protect::protected_by!(protection);
}
