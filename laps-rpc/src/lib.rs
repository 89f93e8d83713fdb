//! Sans-IO connection-oriented DCE/RPC ([MS-RPCE], C706) with just what Windows LAPS key
//! retrieval needs: the endpoint mapper's `ept_map` and [MS-GKDI] `GetKey`, for a client and a
//! responder (a lab key distribution service).
//!
//! **No I/O.** The state machines take the bytes received and return the bytes to send; time,
//! keys and authentication ([`auth::SecurityContext`]) are arguments. The I/O crate
//! (laps-client) drives them from TCP sockets with timeouts and implements NTLM/Kerberos.
//!
//! # Driving the state machine
//!
//! ```no_run
//! # fn tcp_send(_: &[u8]) {} fn tcp_read() -> Vec<u8> { vec![] }
//! # fn sspi_context() -> Box<dyn laps_rpc::auth::SecurityContext> { unimplemented!() }
//! use laps_rpc::client::{ClientConfig, EpmLookup, GkdiClient, Step};
//! use laps_rpc::gkdi::{GetKeyRequest, GKDI_INTERFACE};
//!
//! // 1. Port 135: find ISD_KEY's port.
//! let mut epm = EpmLookup::new(GKDI_INTERFACE, ClientConfig::default());
//! tcp_send(&epm.start()?);
//! let port = loop {
//!     match epm.receive(&tcp_read())? {
//!         Step::Send(bytes) => tcp_send(&bytes),
//!         Step::Done(port) => break port,
//!         _ => {}
//!     }
//! };
//! // 2. Connect to `port`, bind with authentication, call GetKey.
//! let mut gkdi = GkdiClient::new(sspi_context(), ClientConfig::default());
//! tcp_send(&gkdi.start()?);
//! loop {
//!     match gkdi.receive(&tcp_read())? {
//!         Step::Send(bytes) => tcp_send(&bytes),
//!         Step::Ready(bytes) => { tcp_send(&bytes); break }
//!         _ => {}
//!     }
//! }
//! let sid = "S-1-5-21-1-2-3-512".parse()?;
//! tcp_send(&gkdi.get_key(&GetKeyRequest::for_sid(&sid, None, -1, -1, -1))?);
//! let envelope = loop {
//!     if let Step::Done(outcome) = gkdi.receive(&tcp_read())? { break outcome? }
//! };
//! let gke = laps_crypto::GroupKeyEnvelope::parse(&envelope)?;
//! # let _ = (port, gke);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod access;
pub mod auth;
pub mod batch;
pub mod client;
pub mod epm;
mod error;
pub mod framing;
pub mod gkdi;
pub mod keys;
pub mod ndr;
pub mod pac;
pub mod pdu;
pub mod server;
pub mod status;
pub mod timeouts;
pub mod verification;

pub use error::{Error, ErrorDetail, Result};
pub use laps_core::ErrorKind;
