//! laps-rpc's [`SecurityContext`] backed by a Python object (winlaps' pyspnego adapter), so
//! that the DCE/RPC protocol stays in Rust while NTLM/Kerberos come from pyspnego.
//!
//! The Python object answers, under the GIL:
//!
//! | method | returns |
//! |---|---|
//! | `step(token: bytes)` | `(token_to_send: bytes, complete: bool)` |
//! | `signature_len()` | `int`, the `auth_value` length of `seal` / `sign` |
//! | `seal(header, data, trailer, header_signing)` | `(encrypted_data, auth_value)` |
//! | `unseal(header, data, trailer, auth_value, header_signing)` | `decrypted_data` |
//! | `sign(header, data, trailer, header_signing)` | `auth_value` |
//! | `verify(header, data, trailer, auth_value, header_signing)` | `None` (raises if bad) |
//!
//! `header` is the PDU before the stub (common and request/response header), `data` the stub
//! with its auth padding and `trailer` the 8-byte `sec_trailer`, the split of laps-rpc's
//! `auth` module: with header signing the header and trailer are checksummed ("sign only"),
//! without it they are read-only buffers.
//!
//! An exception from the object becomes an [`AuthError`] carrying the exception's class name
//! and message (pyspnego's messages hold no secrets; the adapter never puts one in an error).

use std::ops::Range;

use laps_rpc::auth::{AuthError, AuthStep, AuthType, SecurityContext};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A security context whose operations are methods of a Python object.
pub(crate) struct PyContext {
    obj: Py<PyAny>,
    auth_type: AuthType,
}

impl PyContext {
    /// Wraps `obj` (see the module docs) authenticating with `auth_type`.
    pub(crate) fn new(obj: Py<PyAny>, auth_type: AuthType) -> Self {
        PyContext { obj, auth_type }
    }
}

/// The `auth_type` of a dpapi-ng `auth_protocol` name (laps-rpc's names and message).
pub(crate) fn auth_type(protocol: &str) -> Result<AuthType, crate::errors::Error> {
    Ok(protocol.parse::<AuthType>()?)
}

/// A dpapi-ng `auth_protocol` name, checked and in its lowercase spelling: what
/// `winlaps._gkdi` checks before any network step.
#[pyfunction]
pub(crate) fn _auth_protocol(protocol: &str) -> PyResult<&'static str> {
    Ok(auth_type(protocol)?.name())
}

/// An exception as a secret-free description: its class and (bounded) message.
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let name = e
        .get_type(py)
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "Exception".into());
    let mut text = e.value(py).to_string();
    if text.len() > 300 {
        let mut cut = 300;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    format!("{name}: {text}")
}

/// A PDU cut into the bytes before `data`, `data` and the bytes after it.
type Parts<'py> = (
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
);

fn split<'py>(py: Python<'py>, pdu: &[u8], data: &Range<usize>) -> Result<Parts<'py>, AuthError> {
    if data.start > data.end || data.end > pdu.len() {
        return Err(AuthError::Other(format!(
            "data range {}..{} outside a PDU of {} bytes",
            data.start,
            data.end,
            pdu.len()
        )));
    }
    Ok((
        PyBytes::new(py, &pdu[..data.start]),
        PyBytes::new(py, &pdu[data.clone()]),
        PyBytes::new(py, &pdu[data.end..]),
    ))
}

fn replace_data(pdu: &mut [u8], data: Range<usize>, new: &[u8]) -> Result<(), AuthError> {
    if new.len() != data.end - data.start {
        return Err(AuthError::Other(format!(
            "the security provider returned {} bytes of data for {}",
            new.len(),
            data.end - data.start
        )));
    }
    pdu[data].copy_from_slice(new);
    Ok(())
}

impl SecurityContext for PyContext {
    fn auth_type(&self) -> AuthType {
        self.auth_type
    }

    fn step(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        Python::attach(|py| {
            let out = self
                .obj
                .call_method1(py, "step", (PyBytes::new(py, input),))
                .map_err(|e| AuthError::Rejected(describe(py, &e)))?;
            let (token, complete): (Vec<u8>, bool) = out
                .extract(py)
                .map_err(|e| AuthError::Other(describe(py, &e)))?;
            Ok(AuthStep { token, complete })
        })
    }

    fn signature_len(&self) -> usize {
        // The trait has no error path here: 0 makes `seal`/`sign` fail their length check.
        Python::attach(|py| {
            self.obj
                .call_method0(py, "signature_len")
                .and_then(|v| v.extract::<usize>(py))
                .unwrap_or(0)
        })
    }

    fn seal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError> {
        Python::attach(|py| {
            let (h, d, t) = split(py, pdu, &data)?;
            let out = self
                .obj
                .call_method1(py, "seal", (h, d, t, header_signing))
                .map_err(|e| AuthError::Other(describe(py, &e)))?;
            let (sealed, auth_value): (Vec<u8>, Vec<u8>) = out
                .extract(py)
                .map_err(|e| AuthError::Other(describe(py, &e)))?;
            replace_data(pdu, data, &sealed)?;
            Ok(auth_value)
        })
    }

    fn unseal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        Python::attach(|py| {
            let (h, d, t) = split(py, pdu, &data)?;
            let out = self
                .obj
                .call_method1(
                    py,
                    "unseal",
                    (h, d, t, PyBytes::new(py, auth_value), header_signing),
                )
                .map_err(|_| AuthError::BadSignature)?;
            let plain: Vec<u8> = out.extract(py).map_err(|_| AuthError::BadSignature)?;
            replace_data(pdu, data, &plain)
        })
    }

    fn sign(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError> {
        Python::attach(|py| {
            let (h, d, t) = split(py, pdu, &data)?;
            self.obj
                .call_method1(py, "sign", (h, d, t, header_signing))
                .and_then(|v| v.extract::<Vec<u8>>(py))
                .map_err(|e| AuthError::Other(describe(py, &e)))
        })
    }

    fn verify(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        Python::attach(|py| {
            let (h, d, t) = split(py, pdu, &data)?;
            self.obj
                .call_method1(
                    py,
                    "verify",
                    (h, d, t, PyBytes::new(py, auth_value), header_signing),
                )
                .map(|_| ())
                .map_err(|_| AuthError::BadSignature)
        })
    }
}
