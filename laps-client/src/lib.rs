//! I/O around [laps-rpc](laps_rpc): MS-GKDI `GetKey` from a domain controller over
//! authenticated DCE/RPC on TCP, and a lab key distribution server.
//!
//! * Security contexts for laps-rpc's [`SecurityContext`](laps_rpc::auth::SecurityContext)
//!   trait from the `sspi` crate: [`ClientContext`] (NTLM, Kerberos, SPNEGO) and the lab
//!   server's [`NtlmAcceptor`], [`KerberosAcceptor`] (keytab, caller SIDs from the ticket's
//!   PAC) and [`SpnegoAcceptor`] (Kerberos or NTLM inside).
//! * [`GkdiClient`]: endpoint-mapper lookup, then authenticated, sealed GetKey calls;
//!   [`fetch_keys`] fills a [`KeyStore`](laps_crypto::KeyStore) for a batch of values with one
//!   call per (SID, root key, L0) group; [`decrypt_many`] / [`decrypt_blobs`] decrypt a batch
//!   with the keys a store has, fetching only the missing ones.
//! * [`lookup_dc`]: a domain controller of a domain, by DNS SRV.
//! * [`KdsServer`]: the lab key distribution server (NTLM accounts, a Kerberos keytab, root
//!   keys in memory).
//! * Every network step (connect, write, read, KDC exchange) has a timeout.
#![forbid(unsafe_code)]

mod acceptors;
mod accounts;
mod batch;
mod client;
mod client_context;
mod credentials;
mod dns;
mod error;
mod kdc;
mod kerberos_server;
mod keytab;
mod ntlm_server;
mod pac;
mod protect;
mod server;
mod spnego_server;
mod transport;

pub use acceptors::LabAcceptorFactory;
pub use accounts::{Account, AccountTable, IMPLICIT_SIDS};
pub use batch::{
    decrypt_blobs, decrypt_many, fetch_keys, key_group, FetchReport, KeyGroup, LiveDecryption,
};
pub use client::{lookup_port, ConnectOptions, GkdiClient, RpcConnection};
pub use client_context::{ClientAuthOptions, ClientContext};
pub use credentials::{AuthProtocol, Credentials};
pub use dns::{lookup_dc, DnsOptions};
pub use error::{Error, ErrorDetail, Result, Step};
pub use kerberos_server::{KerberosAcceptor, KerberosService};
pub use keytab::{Keytab, KeytabEntry, MAX_KEYTAB_LEN};
pub use laps_core::ErrorKind;
pub use laps_rpc::pac::logon_info_sids;
pub use ntlm_server::NtlmAcceptor;
pub use server::{KdsConfig, KdsHandle, KdsServer};
pub use spnego_server::SpnegoAcceptor;
pub use transport::Timeouts;
