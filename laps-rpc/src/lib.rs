//! Sans-IO connection-oriented DCE/RPC ([MS-RPCE], [C706]) with just what Windows LAPS key
//! retrieval needs: the endpoint mapper's `ept_map` and [MS-GKDI] `GetKey`, for a client and a
//! responder (a lab key distribution service).
//!
//! **No I/O.** The state machines take the bytes received and return the bytes to send; time,
//! keys and authentication ([`auth::SecurityContext`]) are arguments. The I/O crate
//! (laps-client) drives them from TCP sockets with timeouts and implements NTLM/Kerberos.
#![forbid(unsafe_code)]

pub mod auth;
mod error;
pub mod status;

pub use error::{Error, ErrorKind, Result};
