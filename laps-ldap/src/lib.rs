//! Windows LAPS over LDAP, with [`ldap3`]: connect and bind to a domain controller, find
//! computers, read KDS root keys, read LAPS attributes and apply a backup in one modify.
//!
//! The decisions (which records, which modification) are made by the no-I/O `laps-directory`
//! crate; this crate only moves bytes. Every operation has a timeout; LDAPS always verifies the
//! server certificate (against a given CA file or the system trust store).
#![forbid(unsafe_code)]

mod connect;
mod directory;
mod error;
#[cfg(unix)]
mod ntlm;

pub use connect::{Auth, ConnectOptions};
pub use directory::{Directory, DirectoryRootKey, NamingContexts};
pub use error::{Error, Result};
pub use laps_core::ErrorKind;
