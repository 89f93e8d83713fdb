//! The lab server's [`AcceptorFactory`]: which acceptor serves each `auth_type`.

use std::sync::Arc;

use laps_rpc::auth::{AcceptorFactory, AuthType, SecurityContext};

use crate::accounts::AccountTable;
use crate::kerberos_server::{KerberosAcceptor, KerberosService};
use crate::ntlm_server::NtlmAcceptor;
use crate::spnego_server::SpnegoAcceptor;

/// Creates, per connection, an [`NtlmAcceptor`] for `auth_type` 10, a [`SpnegoAcceptor`] for 9
/// (Kerberos inside when a [`KerberosService`] is configured and the client offers it first,
/// NTLM otherwise) and a [`KerberosAcceptor`] for 16 (only with a [`KerberosService`]).
#[derive(Debug, Clone)]
pub struct LabAcceptorFactory {
    accounts: Arc<AccountTable>,
    kerberos: Option<Arc<KerberosService>>,
}

impl LabAcceptorFactory {
    /// A factory for acceptors of `accounts` and, if given, tickets to `kerberos`' service.
    pub fn new(accounts: Arc<AccountTable>, kerberos: Option<Arc<KerberosService>>) -> Self {
        Self { accounts, kerberos }
    }
}

impl AcceptorFactory for LabAcceptorFactory {
    fn new_context(&self, auth_type: AuthType) -> Option<Box<dyn SecurityContext>> {
        match auth_type {
            AuthType::Ntlm => Some(Box::new(NtlmAcceptor::new(self.accounts.clone()))),
            AuthType::Spnego => Some(Box::new(SpnegoAcceptor::with_kerberos(
                self.accounts.clone(),
                self.kerberos.clone(),
            ))),
            AuthType::Kerberos => self
                .kerberos
                .clone()
                .map(|k| Box::new(KerberosAcceptor::new(k)) as Box<dyn SecurityContext>),
            _ => None,
        }
    }
}
