//! Windows LAPS in Active Directory, without I/O.
//!
//! * **Reading** ([`read_computer`]): the LAPS attribute values of one computer object plus a
//!   [`laps_crypto::KeyStore`] become Get-LapsADPassword's records — ComputerName,
//!   DistinguishedName, Account, Password, PasswordUpdateTime, ExpirationTimestamp, Source,
//!   DecryptionStatus, AuthorizedDecryptor — one per value; one failing value never fails the
//!   read. [`required_keys`] lists the root keys and the minimal GetKey requests a set of
//!   computers needs.
//! * **Writing** ([`plan_backup`]): the resolved policy (laps-policy), the new password, the
//!   time, the previous values and the key give the one LDAP modification of a rotation.
//!
//! * **Finding a DC** ([`locator`]): the DNS SRV name of a domain's DCs and the rule that
//!   picks one from the answer.
//!
//! The LDAP client that fetches and applies these lives in `laps-ldap`; the DNS query is
//! laps-client's.
#![forbid(unsafe_code)]

mod backup;
pub mod entry;
mod error;
mod keys;
pub mod locator;
mod read;
mod sid;

pub use backup::{plan_backup, AttributeChange, BackupInput, BackupPlan, Encryption};
pub use entry::{attr, ComputerEntry};
pub use error::{Error, Result};
pub use keys::{required_keys, KeyNeeds, KeyRequest};
pub use laps_core::ErrorKind;
pub use read::{
    read_computer, read_computers, DecryptionStatus, PasswordRecord, ReadOptions, RecordForm,
    Source,
};
pub use sid::sid_from_bytes;
