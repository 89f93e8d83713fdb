//! I/O around [laps-rpc](laps_rpc): MS-GKDI `GetKey` from a domain controller over
//! authenticated DCE/RPC on TCP, and a lab key distribution server.
//!
//! * Security contexts for laps-rpc's [`SecurityContext`](laps_rpc::auth::SecurityContext)
//!   trait from the `sspi` crate: [`ClientContext`] (NTLM, Kerberos, SPNEGO) and the lab
//!   server's [`NtlmAcceptor`].
//! * Every network step (connect, write, read, KDC exchange) has a timeout.
#![forbid(unsafe_code)]

mod accounts;
mod batch;
mod client;
mod client_context;
mod credentials;
mod error;
mod kdc;
mod ntlm_server;
mod protect;
mod transport;

pub use accounts::{Account, AccountTable, IMPLICIT_SIDS};
pub use batch::{fetch_keys, key_group, FetchReport, KeyGroup};
pub use client::{lookup_port, ConnectOptions, GkdiClient, RpcConnection};
pub use client_context::{ClientAuthOptions, ClientContext};
pub use credentials::{AuthProtocol, Credentials};
pub use error::{Error, ErrorKind, Result, Step};
pub use ntlm_server::{NtlmAcceptor, NtlmAcceptorFactory};
pub use transport::Timeouts;
