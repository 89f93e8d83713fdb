//! Crypto: `RootKey`, `KeyStore`, `LapsCredential`, `parse_encrypted_attribute`, encryption and
//! the clear-text formats, over laps-crypto.

use crate::convert::{
    filetime_from_py, filetime_to_py, record, text_or_bytes, time_or_now, to_py, Deferred,
};
use crate::errors::{guard, Error};
use laps_core::{FileTime, Password};
use laps_crypto::cleartext::{self, GraphPassword};
use laps_crypto::{
    with_randomness, EncryptedAttributeInfo, Encryptor, GroupKeyEnvelope, Guid, KeySource,
    KeyStore, LapsCredential, RootKey, RootKeyAttributes, Sid,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};
use serde::Serialize;
use std::borrow::Cow;
use zeroize::Zeroizing;

// --- GUIDs ----------------------------------------------------------------------------------

/// A `str` (`xxxxxxxx-xxxx-...`, braces allowed) or a `uuid.UUID`.
fn guid_from_py(v: &Bound<'_, PyAny>) -> PyResult<Guid> {
    let text: String = record(v.py(), "_guid_text", v.clone())?.extract()?;
    Ok(text.parse::<Guid>().map_err(Error::from)?)
}

fn guid_to_py(py: Python<'_>, g: Guid) -> PyResult<Bound<'_, PyAny>> {
    record(py, "_guid", to_py(py, &g)?)
}

// --- RootKey --------------------------------------------------------------------------------

/// A KDS root key (an `msKds-ProvRootKey` object). The key data is held in Rust and zeroized
/// when the object is freed; `repr` never shows it.
///
/// `None` for an attribute means laps-crypto's Windows default: SHA-512 KDF parameters, the
/// RFC 5114 2.3 DH group, and the key lengths of the secret-agreement algorithm (512/2048 bits
/// for DH, the curve's for ECDH).
#[pyclass(frozen, module = "winlaps", name = "RootKey")]
pub(crate) struct PyRootKey {
    inner: RootKey,
}

#[pymethods]
impl PyRootKey {
    #[new]
    #[pyo3(signature = (root_key_id, root_key_data, *, version = None,
        kdf_algorithm = None, kdf_parameters = None,
        secret_agreement_algorithm = None, secret_agreement_parameters = None,
        private_key_length = None, public_key_length = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        root_key_id: &Bound<'_, PyAny>,
        root_key_data: &[u8],
        version: Option<u32>,
        kdf_algorithm: Option<String>,
        kdf_parameters: Option<Vec<u8>>,
        secret_agreement_algorithm: Option<String>,
        secret_agreement_parameters: Option<Vec<u8>>,
        private_key_length: Option<u32>,
        public_key_length: Option<u32>,
    ) -> PyResult<Self> {
        // Every attribute left out takes laps-crypto's Windows default (the key lengths: the
        // secret-agreement algorithm's own).
        let attributes = RootKeyAttributes {
            id: guid_from_py(root_key_id)?,
            version,
            root_key_data: Zeroizing::new(root_key_data.to_vec()),
            kdf_algorithm,
            kdf_parameters,
            secret_agreement_algorithm,
            secret_agreement_parameters,
            private_key_length,
            public_key_length,
        };
        let inner = guard(|| RootKey::from_attributes(attributes).map_err(Error::from))?;
        Ok(PyRootKey { inner })
    }

    /// From the JSON form used by the test vectors and the CLI (`root_key_id`,
    /// `root_key_data_hex`, optional `kdf_parameters_hex`, `secret_agreement_algorithm`, ...).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner = guard(|| RootKey::from_json(text).map_err(Error::from))?;
        Ok(PyRootKey { inner })
    }

    /// The root key id (`cn`).
    #[getter]
    fn root_key_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guid_to_py(py, self.inner.id())
    }
    /// The KDF hash from `msKds-KDFParam`: `"SHA1"`, `"SHA256"`, `"SHA384"` or `"SHA512"`.
    #[getter]
    fn kdf_hash(&self) -> &'static str {
        self.inner.kdf_hash().name()
    }
    /// `"DH"`, `"ECDH_P256"` or `"ECDH_P384"`.
    #[getter]
    fn secret_agreement_algorithm(&self) -> &'static str {
        self.inner.secret_agreement().name()
    }
    /// `msKds-PrivateKeyLength` in bits.
    #[getter]
    fn private_key_length(&self) -> u32 {
        self.inner.private_key_bits()
    }
    /// `msKds-PublicKeyLength` in bits.
    #[getter]
    fn public_key_length(&self) -> u32 {
        self.inner.public_key_bits()
    }
    fn __repr__(&self) -> String {
        format!(
            "RootKey(root_key_id='{}', kdf_hash='{}', secret_agreement_algorithm='{}', root_key_data=<redacted>)",
            self.inner.id(),
            self.inner.kdf_hash().name(),
            self.inner.secret_agreement().name()
        )
    }
}

// --- LapsCredential -------------------------------------------------------------------------

/// A managed account's credential: what every LAPS decryption ends with.
///
/// `repr` redacts the password. `.password` is a Python `str`, which cannot be wiped; use
/// `password_bytes()` for a `bytearray` you can overwrite when done.
#[pyclass(frozen, eq, module = "winlaps", name = "LapsCredential")]
#[derive(PartialEq)]
pub(crate) struct PyLapsCredential {
    inner: LapsCredential,
}

#[pymethods]
impl PyLapsCredential {
    #[new]
    fn new(
        account: String,
        password: &Bound<'_, PyString>,
        update_time: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let update_time = filetime_from_py(update_time)?;
        let password = Password::new(password.to_cow()?.into_owned());
        Ok(PyLapsCredential {
            inner: LapsCredential::new(account, password, update_time),
        })
    }
    /// `n`: the managed account name.
    #[getter]
    fn account(&self) -> &str {
        &self.inner.account
    }
    /// `p`: the password.
    #[getter]
    fn password(&self) -> &str {
        self.inner.password.expose()
    }
    /// The password as UTF-8 in a fresh `bytearray` (which the caller can wipe).
    fn password_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyByteArray> {
        PyByteArray::new(py, self.inner.password.as_bytes())
    }
    /// `t`: when the password was set, an aware UTC `datetime` (microsecond precision).
    #[getter]
    fn update_time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        filetime_to_py(py, Some(self.inner.update_time))
    }
    /// `t` as raw FILETIME ticks (100 ns since 1601), exact.
    #[getter]
    fn update_filetime(&self) -> u64 {
        self.inner.update_time.ticks()
    }
    /// The JSON `{"n","t","p"}` exactly as Windows writes it (contains the password).
    fn to_json(&self) -> String {
        self.inner.to_json().to_string()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        // The account in Python's own quoting (it is not secret).
        let account = PyString::new(py, &self.inner.account).repr()?;
        Ok(format!(
            "LapsCredential(account={account}, password=<redacted>, update_time='{}')",
            self.inner.update_time.to_rfc3339()
        ))
    }
}

fn credential(py: Python<'_>, c: LapsCredential) -> PyResult<Py<PyLapsCredential>> {
    Py::new(py, PyLapsCredential { inner: c })
}

/// A decryption error as the exception instance (not raised) that a batch result lists.
pub(crate) fn exception(py: Python<'_>, e: laps_crypto::Error) -> Py<PyAny> {
    Error::from(e).into_pyerr(py).into_value(py).into_any()
}

/// A batch's results as Python's list: a `LapsCredential` or the exception for each value.
pub(crate) fn outcomes<'py>(
    py: Python<'py>,
    results: impl IntoIterator<Item = Result<LapsCredential, Py<PyAny>>>,
) -> PyResult<Bound<'py, PyList>> {
    let items = (results.into_iter())
        .map(|r| match r {
            Ok(c) => Ok(credential(py, c)?.into_any()),
            Err(e) => Ok(e),
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

// --- KeyStore -------------------------------------------------------------------------------

/// Root keys and group key envelopes, with a thread-safe cache of everything derived from them.
/// Decryption releases the GIL; one store can be shared by many threads.
#[pyclass(frozen, subclass, module = "winlaps", name = "KeyStore")]
pub(crate) struct PyKeyStore {
    pub(crate) inner: KeyStore,
}

#[pymethods]
impl PyKeyStore {
    #[new]
    fn new() -> Self {
        PyKeyStore {
            inner: KeyStore::new(),
        }
    }
    /// Adds (or replaces) a root key.
    fn add_root_key(&self, key: &Bound<'_, PyRootKey>) {
        self.inner.add_root_key(key.get().inner.clone());
    }
    /// Adds a group key envelope (the bytes of an [MS-GKDI] GetKey answer). Only seed envelopes
    /// (members of the protecting group get those) can decrypt.
    fn add_group_key_envelope(&self, data: &[u8]) -> PyResult<()> {
        Ok(guard(|| {
            self.inner
                .add_group_key_envelope_bytes(data)
                .map_err(Error::from)
        })?)
    }
    /// Decrypts one `msLAPS-EncryptedPassword` (or history / DSRM) value.
    fn decrypt_attribute(&self, py: Python<'_>, value: &[u8]) -> PyResult<Py<PyLapsCredential>> {
        let c = py.detach(|| guard(|| self.inner.decrypt_attribute(value).map_err(Error::from)))?;
        credential(py, c)
    }
    /// Decrypts a DPAPI-NG blob (`NCryptProtectSecret` output) to its plaintext bytes.
    fn decrypt_blob<'py>(&self, py: Python<'py>, blob: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let p = py.detach(|| guard(|| self.inner.decrypt_blob(blob).map_err(Error::from)))?;
        Ok(PyBytes::new(py, p.as_bytes()))
    }
    /// Decrypts many attribute values in parallel, without the GIL: one entry per input, in
    /// order, either a `LapsCredential` or the exception (not raised) for that value.
    fn decrypt_many<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        if values.is_instance_of::<PyBytes>() || values.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "decrypt_many takes a sequence of bytes values, not one value",
            ));
        }
        let items = values.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        // `bytes` are immutable, so they are borrowed while the GIL is released; anything else
        // (bytearray, memoryview) is copied first.
        let values = items
            .iter()
            .map(|v| match v.cast::<PyBytes>() {
                Ok(b) => Ok(Cow::Borrowed(b.as_bytes())),
                Err(_) => v.extract::<Vec<u8>>().map(Cow::Owned),
            })
            .collect::<PyResult<Vec<Cow<'_, [u8]>>>>()?;
        let results = py.detach(|| guard(|| Ok(self.inner.decrypt_many(&values))))?;
        let results = results.into_iter().map(|r| r.map_err(|e| exception(py, e)));
        outcomes(py, results)
    }
    /// Number of cached seed keys.
    #[getter]
    fn cached_seed_count(&self) -> usize {
        self.inner.cached_seed_count()
    }
    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }
}

// --- inspection -----------------------------------------------------------------------------

/// What Python sees of an encrypted value or DPAPI-NG blob (`EncryptedAttributeInfo`): the
/// header (`None` for a bare blob) and the key to fetch.
#[derive(Serialize)]
struct InfoView<'a> {
    update_time: Option<u64>,
    update_filetime: Option<u64>,
    encrypted_size: Option<u32>,
    protection_descriptor: &'a str,
    target_sid: Option<&'a str>,
    content_detached: bool,
    #[serde(flatten)]
    key: Option<&'a laps_crypto::KeyIdentifierInfo>,
}

/// The Python form of a parsed value (`header`: its LAPS header) or blob; `to_dict()` gives
/// `native`'s serde form, the CLI's `inspect` JSON.
fn info<T: Serialize + Send + Sync + 'static>(
    py: Python<'_>,
    header: Option<(FileTime, u32)>,
    native: T,
    blob: impl FnOnce(&T) -> &laps_crypto::BlobInfo,
) -> PyResult<Bound<'_, PyAny>> {
    let b = blob(&native);
    let data = to_py(
        py,
        &InfoView {
            update_time: header.map(|h| h.0.ticks()),
            update_filetime: header.map(|h| h.0.ticks()),
            encrypted_size: header.map(|h| h.1),
            protection_descriptor: &b.protection_descriptor,
            target_sid: b.target_sid.as_deref(),
            content_detached: b.content_detached,
            key: b.key.as_ref(),
        },
    )?;
    data.set_item("_native", Deferred::new(native))?;
    record(py, "EncryptedAttributeInfo", data)
}

/// Parses an `msLAPS-EncryptedPassword` value (header + DPAPI-NG blob) without any key.
#[pyfunction]
pub(crate) fn parse_encrypted_attribute<'py>(
    py: Python<'py>,
    value: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    let i: EncryptedAttributeInfo =
        guard(|| laps_crypto::parse_encrypted_attribute(value).map_err(Error::from))?;
    let header = (i.update_time, i.encrypted_size);
    info(py, Some(header), i, |i| &i.blob)
}

/// Parses a bare DPAPI-NG blob (`NCryptProtectSecret` output) without any key.
#[pyfunction]
pub(crate) fn parse_blob<'py>(py: Python<'py>, blob: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let blob = guard(|| laps_crypto::parse_blob(blob).map_err(Error::from))?;
    info(py, None, blob, |b| b)
}

// --- encryption -----------------------------------------------------------------------------

/// The one encryption setup of every Python function: the key (a `RootKey`, or the bytes of
/// a group key envelope), the SID, domain, forest and key path, all defaulted by the core.
fn encryptor(
    key: &Bound<'_, PyAny>,
    sid: &str,
    public_key: Option<bool>,
    domain_name: Option<&str>,
    forest_name: Option<&str>,
) -> PyResult<Encryptor> {
    let source = if let Ok(root) = key.cast::<PyRootKey>() {
        KeySource::RootKey(root.get().inner.clone())
    } else if let Ok(b) = key.cast::<PyBytes>() {
        KeySource::Envelope(guard(|| Ok(GroupKeyEnvelope::parse(b.as_bytes())?))?)
    } else {
        return Err(PyTypeError::new_err(
            "key must be a RootKey or the bytes of a group key envelope",
        ));
    };
    Ok(Encryptor::new(source, parse_sid(sid)?).options(public_key, domain_name, forest_name))
}

/// A SID argument: the SID string, or a one-SID protection descriptor (`SID=<sid>`).
pub(crate) fn parse_sid(sid: &str) -> Result<Sid, Error> {
    Ok(Sid::from_protection_descriptor(sid)?)
}

/// An `msLAPS-EncryptedPassword` value, exactly as Windows LAPS writes it.
#[pyfunction]
#[pyo3(signature = (credential, *, key, sid, update_time = None, public_key = None,
    domain_name = None, forest_name = None, randomness = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn encrypt_attribute<'py>(
    py: Python<'py>,
    credential: &Bound<'py, PyAny>,
    key: &Bound<'py, PyAny>,
    sid: &str,
    update_time: Option<&Bound<'py, PyAny>>,
    public_key: Option<bool>,
    domain_name: Option<&str>,
    forest_name: Option<&str>,
    randomness: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    let (plaintext, default_time) = if let Ok(c) = credential.cast::<PyLapsCredential>() {
        let c = &c.get().inner;
        (c.to_plaintext(), Some(c.update_time))
    } else if let Ok(b) = credential.cast::<PyBytes>() {
        (Zeroizing::new(b.as_bytes().to_vec()), None)
    } else {
        return Err(PyTypeError::new_err(
            "credential must be a LapsCredential or the plaintext bytes",
        ));
    };
    let time = match (update_time, default_time) {
        (None, Some(t)) => t,
        (time, _) => time_or_now(time)?,
    };
    let enc = encryptor(key, sid, public_key, domain_name, forest_name)?;
    let out = py.detach(|| {
        guard(|| {
            Ok(with_randomness(randomness, |rng| {
                enc.encrypt_attribute(time, &plaintext, rng)
            })?)
        })
    })?;
    Ok(PyBytes::new(py, &out))
}

/// A DPAPI-NG blob as `NCryptProtectSecret` makes it (ciphertext inside the CMS).
#[pyfunction]
#[pyo3(signature = (data, *, key, sid, time = None, public_key = None,
    domain_name = None, forest_name = None, randomness = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn encrypt_blob<'py>(
    py: Python<'py>,
    data: &[u8],
    key: &Bound<'py, PyAny>,
    sid: &str,
    time: Option<&Bound<'py, PyAny>>,
    public_key: Option<bool>,
    domain_name: Option<&str>,
    forest_name: Option<&str>,
    randomness: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    let time = time_or_now(time)?;
    let enc = encryptor(key, sid, public_key, domain_name, forest_name)?;
    let out = py.detach(|| {
        guard(|| {
            Ok(with_randomness(randomness, |rng| {
                enc.encrypt_blob(time, data, rng)
            })?)
        })
    })?;
    Ok(PyBytes::new(py, &out))
}

// --- clear-text formats ---------------------------------------------------------------------

/// Clear-text `msLAPS-Password` (`{"n","t","p"}` JSON, `str` or UTF-8 `bytes`).
#[pyfunction]
pub(crate) fn parse_laps_password_json(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
) -> PyResult<Py<PyLapsCredential>> {
    let bytes = Zeroizing::new(text_or_bytes(value)?);
    let c = guard(|| Ok(LapsCredential::from_json_bytes(&bytes)?))?;
    credential(py, c)
}

/// Legacy `ms-Mcs-AdmPwd`: the bare password (`str` or UTF-8 `bytes`).
#[pyfunction]
pub(crate) fn parse_legacy_password(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let bytes = Zeroizing::new(text_or_bytes(value)?);
    let p = guard(|| Ok(cleartext::parse_legacy_password(&bytes)?))?;
    Ok(p.expose().to_owned())
}

/// `msLAPS-PasswordExpirationTime` / `ms-Mcs-AdmPwdExpirationTime` (decimal FILETIME as
/// `str`, `bytes` or `int`) as an aware UTC `datetime`; `None` for 0 (unset / expire now).
#[pyfunction]
pub(crate) fn parse_expiration_time<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let text = if let Ok(i) = value.cast::<pyo3::types::PyInt>() {
        i.to_string()
    } else {
        String::from_utf8_lossy(&text_or_bytes(value)?).into_owned()
    };
    let t = guard(|| Ok(cleartext::parse_expiration_time(&text)?))?;
    filetime_to_py(py, t)
}

/// A decoded Microsoft Graph `passwordBase64`: the password, the detected encoding and the
/// raw bytes. `repr` redacts the password.
#[pyclass(frozen, module = "winlaps", name = "GraphPassword")]
pub(crate) struct PyGraphPassword {
    inner: GraphPassword,
}

#[pymethods]
impl PyGraphPassword {
    /// The password.
    #[getter]
    fn password(&self) -> &str {
        self.inner.password.expose()
    }
    /// `"utf-16le"` (Microsoft's documented example) or `"utf-8"` (what some scripts assume).
    #[getter]
    fn encoding(&self) -> &'static str {
        self.inner.encoding.as_str()
    }
    /// The base64-decoded bytes, for callers that know the encoding better.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.raw)
    }
    fn __repr__(&self) -> String {
        format!(
            "GraphPassword(password=<redacted>, encoding='{}')",
            self.encoding()
        )
    }
}

/// Decodes `deviceLocalCredentialInfo.credentials[].passwordBase64` (Microsoft Graph).
#[pyfunction]
pub(crate) fn decode_graph_password(password_base64: &str) -> PyResult<PyGraphPassword> {
    let inner = guard(|| Ok(cleartext::decode_graph_password(password_base64)?))?;
    Ok(PyGraphPassword { inner })
}

// --- group key envelopes --------------------------------------------------------------------

/// What a group key envelope (a [MS-GKDI] GetKey answer) holds, without its secrets:
/// `root_key_id`, `l0`, `l1`, `l2`, `flags`, `public_key` (a public-key envelope, which cannot
/// decrypt), `kdf_hash`, `secret_agreement_algorithm`, `domain_name`, `forest_name`.
#[pyfunction]
pub(crate) fn parse_group_key_envelope<'py>(
    py: Python<'py>,
    data: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    let info = guard(|| Ok(GroupKeyEnvelope::parse(data)?.info()))?;
    record(py, "_group_key_envelope", to_py(py, &info)?)
}

/// The group key envelope a domain controller would answer GetKey with for `sid` at `time`
/// (default: now): a public-key envelope (what the LAPS client gets) or, with
/// `public_key=False`, a seed envelope (what members of the protecting group get). For tests
/// and offline tooling that plays the DC.
#[pyfunction]
#[pyo3(signature = (key, *, sid, time = None, public_key = None, domain_name = None,
    forest_name = None))]
pub(crate) fn make_group_key_envelope<'py>(
    py: Python<'py>,
    key: &Bound<'py, PyRootKey>,
    sid: &str,
    time: Option<&Bound<'py, PyAny>>,
    public_key: Option<bool>,
    domain_name: Option<&str>,
    forest_name: Option<&str>,
) -> PyResult<Bound<'py, PyBytes>> {
    let time = time_or_now(time)?;
    let enc = encryptor(key.as_any(), sid, public_key, domain_name, forest_name)?;
    let gke = guard(|| Ok(enc.envelope(time)?))?;
    Ok(PyBytes::new(py, &gke.to_bytes()))
}
