//! `read_computer`: Get-LapsADPassword's records from the attribute values of one computer
//! object (laps-directory), whatever LDAP library read them (ldap3: `entry_raw_attributes`).

use crate::convert::{record, text_or_bytes, to_py};
use crate::crypto::PyKeyStore;
use crate::errors::{guard, Error};
use laps_core::FileTime;
use laps_directory::locator::{dc_srv_name, pick_dc, SrvRecord};
use laps_directory::{ComputerEntry, ReadOptions};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyMapping, PyString};
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
) -> PyResult<Bound<'py, PyAny>> {
    let mut pairs: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for item in attributes.items()?.iter() {
        let (name, value): (String, Bound<'py, PyAny>) = item.extract()?;
        pairs.push((name, values(&value)?));
    }
    let options = ReadOptions {
        include_history,
        caller_sids,
        principal_names: principal_names.unwrap_or_default(),
        ..ReadOptions::default()
    };
    let store = &keys.get().inner;
    let records = py.detach(|| {
        guard(|| {
            let entry = ComputerEntry::from_attributes(distinguished_name, pairs)?;
            Ok(laps_directory::read_computer(&entry, store, &options)?)
        })
    })?;
    // The core's form, times as ticks that `winlaps._types` turns into `datetime`s.
    let forms: Vec<_> = (records.iter())
        .map(|r| r.form(true, FileTime::ticks))
        .collect();
    record(py, "_password_records", to_py(py, &forms)?)
}

/// The DNS SRV name of `domain`'s domain controllers (`_ldap._tcp.dc._msdcs.<domain>`);
/// `InvalidArgumentError` for a name DNS cannot carry.
#[pyfunction]
pub(crate) fn _dc_srv_name(domain: &str) -> PyResult<String> {
    Ok(dc_srv_name(domain).map_err(Error::from)?)
}

/// The host the core's rule picks from SRV records `(priority, weight, port, target)`;
/// `None` when none names a host.
#[pyfunction]
pub(crate) fn _pick_dc(records: Vec<(u16, u16, u16, String)>) -> Option<String> {
    let records: Vec<SrvRecord> = (records.into_iter())
        .map(|(priority, weight, port, target)| SrvRecord {
            priority,
            weight,
            port,
            target,
        })
        .collect();
    pick_dc(&records).map(str::to_owned)
}
