//! `readComputer`: Get-LapsADPassword's records from the attribute values of one computer
//! object (laps-directory), whatever LDAP client read them (ldapts: `searchEntries` with
//! `explicitBufferAttributes` for the binary ones).

use crate::args::{self, arg};
use crate::error::{coded, Result};
use crate::guard::guarded;
use crate::keystore::KeyStore;
use crate::plain::to_js;
use laps_directory::{ComputerEntry, ReadOptions};
use napi::bindgen_prelude::{ClassInstance, Either, Uint8Array};
use napi::{Env, Unknown};
use napi_derive::napi;
use std::collections::HashMap;

/// Options of `readComputer`.
#[napi(object)]
#[derive(Default)]
pub struct ReadComputerOptions {
    /// Report every history value too (`-IncludeHistory`).
    pub include_history: Option<bool>,
    /// The caller's SIDs (its own and `tokenGroups`): values encrypted to another SID are
    /// `Unauthorized`, as the DC's GetKey would decide. Absent: not checked.
    pub caller_sids: Option<Vec<String>>,
    /// SID → display name (`'CONTOSO\\Domain Admins'`) for `AuthorizedDecryptor`.
    pub principal_names: Option<HashMap<String, String>>,
}

/// An attribute's values as LDAP clients give them: bytes or strings (as UTF-8).
type AttributeValues = HashMap<String, Vec<Either<Uint8Array, String>>>;

/// Reads one computer: one record per value, newest source first (history newest first by
/// update time with `includeHistory`). `attributes` maps each LDAP attribute name to its
/// values (bytes or strings). An object without LAPS attributes throws `LAPS_NOT_FOUND`.
#[napi(
    ts_args_type = "distinguishedName: string, attributes: Record<string, Array<Uint8Array | string>>, keys: KeyStore, options?: ReadComputerOptions | undefined | null",
    ts_return_type = "PasswordRecord[]"
)]
pub fn read_computer<'env>(
    env: &'env Env,
    distinguished_name: Unknown<'_>,
    attributes: Unknown<'_>,
    keys: Unknown<'_>,
    options: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let dn: String = arg("distinguishedName", distinguished_name)?;
        let attributes: AttributeValues = arg("attributes", attributes)?;
        let keys: ClassInstance<'_, KeyStore> = arg("keys", keys)?;
        let o: ReadComputerOptions = args::options("options", options)?.unwrap_or_default();
        let read_options = ReadOptions {
            include_history: o.include_history.unwrap_or_default(),
            caller_sids: o.caller_sids.map(|v| v.into_iter().collect()),
            principal_names: o.principal_names.unwrap_or_default().into_iter().collect(),
            ..ReadOptions::default()
        };
        let pairs = attributes.into_iter().map(|(name, values)| {
            let bytes = |v: Either<Uint8Array, String>| match v {
                Either::A(bytes) => bytes.to_vec(),
                Either::B(text) => text.into_bytes(),
            };
            (name, values.into_iter().map(bytes).collect())
        });
        let entry = ComputerEntry::from_attributes(&dn, pairs).map_err(coded)?;
        let records =
            laps_directory::read_computer(&entry, keys.store(), &read_options).map_err(coded)?;
        // The core's form: Windows' field names, every FILETIME a `Date`.
        let forms: Vec<_> = (records.iter()).map(|r| r.form(true, |t| t)).collect();
        to_js(env, &forms)
    })
}
