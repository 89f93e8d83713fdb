//! `readComputer`: Get-LapsADPassword's records from the attribute values of one computer
//! object (laps-directory), whatever LDAP client read them (ldapts: `searchEntries` with
//! `explicitBufferAttributes` for the binary ones).

use crate::error::{coded, Result};
use crate::guard::guarded;
use crate::keystore::KeyStore;
use crate::plain::to_js;
use laps_directory::{ComputerEntry, ReadOptions};
use napi::bindgen_prelude::{Either, Uint8Array};
use napi::{Env, Unknown};
use napi_derive::napi;
use std::collections::HashMap;

/// Options of `readComputer`.
#[napi(object)]
pub struct ReadComputerOptions {
    /// Report every history value too (`-IncludeHistory`).
    pub include_history: Option<bool>,
    /// The caller's SIDs (its own and `tokenGroups`): values encrypted to another SID are
    /// `Unauthorized`, as the DC's GetKey would decide. Absent: not checked.
    pub caller_sids: Option<Vec<String>>,
    /// SID → display name (`'CONTOSO\\Domain Admins'`) for `AuthorizedDecryptor`.
    pub principal_names: Option<HashMap<String, String>>,
}

/// Reads one computer: one record per value, newest source first (history newest first by
/// update time with `includeHistory`). `attributes` maps each LDAP attribute name to its
/// values (bytes or strings). An object without LAPS attributes throws `LAPS_NOT_FOUND`.
#[napi(ts_return_type = "PasswordRecord[]")]
pub fn read_computer<'env>(
    env: &'env Env,
    distinguished_name: String,
    attributes: HashMap<String, Vec<Either<Uint8Array, String>>>,
    keys: &KeyStore,
    options: Option<ReadComputerOptions>,
) -> Result<Unknown<'env>> {
    let options = options.unwrap_or(ReadComputerOptions {
        include_history: None,
        caller_sids: None,
        principal_names: None,
    });
    let read_options = ReadOptions {
        include_history: options.include_history.unwrap_or(false),
        caller_sids: options.caller_sids.map(|v| v.into_iter().collect()),
        denied_sids: Default::default(),
        principal_names: options
            .principal_names
            .map(|m| m.into_iter().collect())
            .unwrap_or_default(),
    };
    let pairs: Vec<(String, Vec<Vec<u8>>)> = attributes
        .into_iter()
        .map(|(name, values)| {
            let values = values
                .into_iter()
                .map(|v| match v {
                    Either::A(bytes) => bytes.to_vec(),
                    Either::B(text) => text.into_bytes(),
                })
                .collect();
            (name, values)
        })
        .collect();
    let records = guarded(|| {
        let entry = ComputerEntry::from_attributes(&distinguished_name, pairs).map_err(coded)?;
        laps_directory::read_computer(&entry, keys.store(), &read_options).map_err(coded)
    })?;
    // The core's form: Windows' field names, every FILETIME a `Date`.
    let forms: Vec<_> = (records.iter()).map(|r| r.form(true, |t| t)).collect();
    to_js(env, &forms)
}
