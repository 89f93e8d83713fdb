//! `read_computer`: Get-LapsADPassword's records from the attribute values of one computer
//! object (laps-directory), whatever LDAP library read them (ldap3: `entry_raw_attributes`).

use crate::convert::{filetime_to_py, text_or_bytes};
use crate::crypto::PyKeyStore;
use crate::errors::guard;
use laps_directory::{ComputerEntry, ReadOptions};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString};
use std::collections::{BTreeMap, BTreeSet};

/// The values of one attribute: one `bytes`/`str`, or a sequence of them.
fn values(v: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    if v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyString>() {
        return Ok(vec![text_or_bytes(v)?]);
    }
    v.try_iter()?.map(|x| text_or_bytes(&x?)).collect()
}

/// Reads one computer: one dict per value with Windows' field names (`ComputerName`,
/// `DistinguishedName`, `Account`, `Password`, `PasswordUpdateTime`, `ExpirationTimestamp`,
/// `Source`, `DecryptionStatus`, `AuthorizedDecryptor`, plus `TargetSid` and `Detail`).
#[pyfunction]
#[pyo3(signature = (distinguished_name, attributes, keys, *, include_history = false, caller_sids = None, principal_names = None))]
pub(crate) fn read_computer<'py>(
    py: Python<'py>,
    distinguished_name: &str,
    attributes: &Bound<'py, PyMapping>,
    keys: &Bound<'py, PyKeyStore>,
    include_history: bool,
    caller_sids: Option<BTreeSet<String>>,
    principal_names: Option<BTreeMap<String, String>>,
) -> PyResult<Bound<'py, PyList>> {
    let mut pairs: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for item in attributes.items()?.iter() {
        let (name, value): (String, Bound<'py, PyAny>) = item.extract()?;
        pairs.push((name, values(&value)?));
    }
    let options = ReadOptions {
        include_history,
        caller_sids,
        denied_sids: BTreeSet::new(),
        principal_names: principal_names.unwrap_or_default(),
    };
    let store = &keys.get().inner;
    let records = py.detach(|| {
        guard(|| {
            let entry = ComputerEntry::from_attributes(distinguished_name, pairs)?;
            Ok(laps_directory::read_computer(&entry, store, &options)?)
        })
    })?;
    let out = PyList::empty(py);
    for r in records {
        let d = PyDict::new(py);
        d.set_item("ComputerName", &r.computer_name)?;
        d.set_item("DistinguishedName", &r.distinguished_name)?;
        d.set_item("Account", &r.account)?;
        d.set_item("Password", r.password.as_ref().map(|p| p.expose()))?;
        d.set_item(
            "PasswordUpdateTime",
            filetime_to_py(py, r.password_update_time)?,
        )?;
        d.set_item(
            "ExpirationTimestamp",
            filetime_to_py(py, r.expiration_timestamp)?,
        )?;
        d.set_item("Source", r.source.as_str())?;
        d.set_item("DecryptionStatus", r.decryption_status.as_str())?;
        d.set_item("AuthorizedDecryptor", &r.authorized_decryptor)?;
        d.set_item("TargetSid", &r.target_sid)?;
        d.set_item("Detail", &r.detail)?;
        out.append(d)?;
    }
    Ok(out)
}
