//! Live keys: laps-rpc's sans-IO client state machines (endpoint-mapper lookup, authenticated
//! `ISD_KEY` bind, GetKey) and batch drivers (`_KeyFetch`, `_LiveDecryption`), exposed to `winlaps._gkdi`, which
//! owns the sockets (blocking or asyncio) and the pyspnego security context.
//!
//! Every `receive` returns `(kind, payload)`:
//! * `("more", None)`: read more bytes and call `receive` again;
//! * `("send", bytes)`: send them, then read;
//! * `("ready", bytes)`: the bind is done; send the bytes if not empty (an NTLM auth3);
//! * `("done", result)`: the call finished: the port (`_EpmLookup`) or the Group Key
//!   Envelope bytes (`_GkdiSession`).
//!
//! Errors are raised as the `RpcError` family (errors.rs). After a GetKey error of one call
//! (access denied, a failing HRESULT, a fault) the session stays usable (`is_ready`).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use laps_crypto::{GroupKeyEnvelope, LapsCredential};
use laps_rpc::batch::{store_envelope, Decryption, KeyFetch};
use laps_rpc::client::{ClientConfig, ClientConnection, EpmLookup, GkdiClient, Step};
use laps_rpc::gkdi::{GetKeyRequest, GKDI_INTERFACE};
use laps_rpc::ndr::TransferSyntax;
use laps_rpc::pdu::SyntaxId;
use laps_rpc::timeouts::Timeouts;
use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::crypto::{exception, outcomes, parse_sid, PyKeyStore};
use crate::errors::{guard, Error, Kind};
use crate::rpc_auth::{auth_type, PyContext};

type Outcome<'py> = (&'static str, Bound<'py, PyAny>);

fn locked<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, Error> {
    m.try_lock().map_err(|_| {
        Error::new(
            Kind::Rpc,
            "the RPC session is in use by another thread (or failed during a previous call)",
        )
    })
}

fn step_out<'py, T>(
    py: Python<'py>,
    step: Step<T>,
    done: impl FnOnce(T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Outcome<'py>> {
    Ok(match step {
        Step::NeedMore => ("more", py.None().into_bound(py)),
        Step::Send(b) => ("send", PyBytes::new(py, &b).into_any()),
        Step::Ready(b) => ("ready", PyBytes::new(py, &b).into_any()),
        Step::Done(v) => ("done", done(v)?),
        _ => {
            return Err(Error::new(Kind::Rpc, "unknown state machine step").into());
        }
    })
}

/// The endpoint-mapper lookup of the `ISD_KEY` port (unauthenticated, port 135).
#[pyclass(frozen, module = "winlaps._winlaps", name = "_EpmLookup")]
pub(crate) struct PyEpmLookup {
    inner: Mutex<EpmLookup>,
}

/// A client configuration: laps-rpc's defaults, optionally NDR only and without header
/// signing (what the Samba tests vary).
fn config(ndr_only: bool, header_signing: bool) -> ClientConfig {
    let mut c = ClientConfig {
        header_signing,
        ..ClientConfig::default()
    };
    if ndr_only {
        c.transfer_syntaxes = vec![TransferSyntax::Ndr];
    }
    c
}

fn syntax(interface: Option<&str>, version: u16) -> Result<SyntaxId, Error> {
    match interface {
        None => Ok(GKDI_INTERFACE),
        Some(u) => Ok(SyntaxId::new(u.parse().map_err(Error::from)?, version, 0)),
    }
}

#[pymethods]
impl PyEpmLookup {
    /// A lookup of `interface` (a UUID string; default `ISD_KEY`) version `version`.
    #[new]
    #[pyo3(signature = (interface = None, version = 1, *, ndr_only = false))]
    fn new(interface: Option<&str>, version: u16, ndr_only: bool) -> PyResult<Self> {
        Ok(PyEpmLookup {
            inner: Mutex::new(EpmLookup::new(
                syntax(interface, version)?,
                config(ndr_only, true),
            )),
        })
    }

    /// The bind PDU to send first.
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = guard(|| Ok(locked(&self.inner)?.start()?))?;
        Ok(PyBytes::new(py, &b))
    }

    /// Feeds received bytes; ends with `("done", port)`.
    fn receive<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Outcome<'py>> {
        let step = guard(|| Ok(locked(&self.inner)?.receive(data)?))?;
        step_out(py, step, |port| Ok(port.into_pyobject(py)?.into_any()))
    }
}

/// An authenticated, sealed `ISD_KEY` association making GetKey calls one at a time.
#[pyclass(frozen, module = "winlaps._winlaps", name = "_GkdiSession")]
pub(crate) struct PyGkdiSession {
    inner: Mutex<GkdiClient>,
}

#[pymethods]
impl PyGkdiSession {
    /// `auth`: the pyspnego adapter (see rpc_auth.rs); `protocol`: negotiate, ntlm or
    /// kerberos (the `auth_type` written in the PDUs).
    #[new]
    fn new(auth: Py<PyAny>, protocol: &str) -> PyResult<Self> {
        let t = auth_type(protocol)?;
        Ok(PyGkdiSession {
            inner: Mutex::new(GkdiClient::new(
                Box::new(PyContext::new(auth, t)),
                ClientConfig::default(),
            )),
        })
    }

    /// The bind PDU to send first (it carries the first authentication token).
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = guard(|| Ok(locked(&self.inner)?.start()?))?;
        Ok(PyBytes::new(py, &b))
    }

    /// The request PDU(s) of GetKey for a value protected to `sid` with key (`root_key_id`,
    /// `l0`, `l1`, `l2`); `None`/-1: the current key (what an encryptor asks for).
    #[pyo3(signature = (sid, root_key_id, l0, l1, l2))]
    fn get_key<'py>(
        &self,
        py: Python<'py>,
        sid: &str,
        root_key_id: Option<&str>,
        l0: i32,
        l1: i32,
        l2: i32,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let b = guard(|| {
            let sid = parse_sid(sid)?;
            let root = match root_key_id {
                Some(r) => Some(r.parse().map_err(Error::from)?),
                None => None,
            };
            let pdu =
                locked(&self.inner)?.get_key(&GetKeyRequest::for_sid(&sid, root, l0, l1, l2))?;
            Ok(pdu)
        })?;
        Ok(PyBytes::new(py, &b))
    }

    /// Feeds received bytes: the bind legs, then a call's answer ending in
    /// `("done", envelope_bytes)` or a raised error.
    fn receive<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Outcome<'py>> {
        let step = guard(|| match locked(&self.inner)?.receive(data)? {
            Step::Done(Err(e)) => Err(e.into()),
            step => Ok(step),
        })?;
        step_out(py, step, |outcome| match outcome {
            Ok(envelope) => Ok(PyBytes::new(py, &envelope).into_any()),
            // Done(Err) was turned into an error above.
            Err(e) => Err(Error::from(e).into()),
        })
    }

    /// True when a GetKey call can be made.
    #[getter]
    fn is_ready(&self) -> PyResult<bool> {
        Ok(locked(&self.inner)?.is_ready())
    }

    /// Whether header signing was negotiated.
    #[getter]
    fn header_signing(&self) -> PyResult<bool> {
        Ok(locked(&self.inner)?.connection().header_signing())
    }

    /// The negotiated transfer syntax (`"NDR64"` or `"NDR"`), `None` before the bind.
    #[getter]
    fn transfer_syntax(&self) -> PyResult<Option<String>> {
        Ok(locked(&self.inner)?
            .connection()
            .transfer_syntax()
            .map(|t| format!("{t:?}").to_uppercase()))
    }

    fn __repr__(&self) -> String {
        match self.inner.try_lock() {
            Ok(s) => format!("_GkdiSession(ready={})", s.is_ready()),
            Err(_) => "_GkdiSession(busy)".into(),
        }
    }
}

/// An association to any interface (authenticated or not) making raw calls: what the tests
/// use to make a sealed call to an interface a real server (Samba) serves.
#[pyclass(frozen, module = "winlaps._winlaps", name = "_RpcConnection")]
pub(crate) struct PyRpcConnection {
    inner: Mutex<ClientConnection>,
}

#[pymethods]
impl PyRpcConnection {
    /// A connection to `interface` version `version` (minor 0), authenticated through `auth`
    /// with `protocol` when `auth` is not `None`.
    #[new]
    #[pyo3(signature = (interface, version, auth = None, protocol = "negotiate", *,
        ndr_only = false, header_signing = true))]
    fn new(
        interface: &str,
        version: u16,
        auth: Option<Py<PyAny>>,
        protocol: &str,
        ndr_only: bool,
        header_signing: bool,
    ) -> PyResult<Self> {
        let ctx: Option<Box<dyn laps_rpc::auth::SecurityContext>> = match auth {
            Some(a) => Some(Box::new(PyContext::new(a, auth_type(protocol)?))),
            None => None,
        };
        Ok(PyRpcConnection {
            inner: Mutex::new(ClientConnection::new(
                syntax(Some(interface), version)?,
                config(ndr_only, header_signing),
                ctx,
            )),
        })
    }

    /// The bind PDU.
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = guard(|| Ok(locked(&self.inner)?.start()?))?;
        Ok(PyBytes::new(py, &b))
    }

    /// The request PDU(s) of a call of `opnum` with `stub`.
    fn call<'py>(&self, py: Python<'py>, opnum: u16, stub: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let b = guard(|| Ok(locked(&self.inner)?.call(opnum, stub)?))?;
        Ok(PyBytes::new(py, &b))
    }

    /// Feeds received bytes; a call ends with `("done", response_stub)`.
    fn receive<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Outcome<'py>> {
        let step = guard(|| Ok(locked(&self.inner)?.receive(data)?))?;
        step_out(py, step, |stub| Ok(PyBytes::new(py, &stub).into_any()))
    }

    /// Whether header signing was negotiated.
    #[getter]
    fn header_signing(&self) -> PyResult<bool> {
        Ok(locked(&self.inner)?.header_signing())
    }
}

/// A batch error as the exception instance `winlaps._gkdi` reports per value.
fn batch_error(py: Python<'_>, e: laps_rpc::Error) -> Py<PyAny> {
    Error::from(e).into_pyerr(py).into_value(py).into_any()
}

/// A GetKey call as `_GkdiSession.get_key` takes it: `(sid, root_key_id, l0, l1, l2)`.
type Request = (String, String, i32, i32, i32);

/// laps-rpc's [`KeyFetch`] for `winlaps._gkdi`, which makes the calls: the batch's next
/// request, what each answer or failure means for the values of its group, and when the
/// batch stops. The fetched keys go into `store`.
#[pyclass(frozen, module = "winlaps._winlaps", name = "_KeyFetch")]
pub(crate) struct PyKeyFetch {
    store: Py<PyKeyStore>,
    /// `None` once finished.
    inner: Mutex<Option<KeyFetch<Py<PyAny>>>>,
}

impl PyKeyFetch {
    /// `f` on the unfinished batch.
    fn with<R>(&self, f: impl FnOnce(&mut KeyFetch<Py<PyAny>>) -> R) -> PyResult<R> {
        let mut fetch = locked(&self.inner)?;
        let fetch = fetch.as_mut().ok_or_else(finished)?;
        Ok(f(fetch))
    }
}

fn finished() -> PyErr {
    Error::new(
        Kind::Base,
        "internal error: the key batch is already finished",
    )
    .into()
}

#[pymethods]
impl PyKeyFetch {
    /// The calls `values` need (`blob`: bare DPAPI-NG blobs), their keys going into `store`.
    #[new]
    #[pyo3(signature = (values, store, *, blob))]
    fn new(py: Python<'_>, values: Vec<Vec<u8>>, store: Py<PyKeyStore>, blob: bool) -> Self {
        let fetch = KeyFetch::new(&values, blob, |e| batch_error(py, e));
        PyKeyFetch {
            store,
            inner: Mutex::new(Some(fetch)),
        }
    }

    /// `(sid, root_key_id, l0, l1, l2)` of the next GetKey call, `None` when the batch is done.
    fn next_request(&self) -> PyResult<Option<Request>> {
        self.with(|fetch| {
            fetch.next_call().map(|c| {
                let g = &c.group;
                (
                    g.sid.to_string(),
                    g.root_key_id.to_string(),
                    g.l0,
                    c.l1,
                    c.l2,
                )
            })
        })
    }

    /// The envelope that answered the current call.
    fn answer(&self, py: Python<'_>, envelope: &[u8]) -> PyResult<()> {
        let store = &self.store.get().inner;
        self.with(|fetch| fetch.answer(store, envelope, |e| batch_error(py, e)))
    }

    /// The current call failed with `error`; `usable`: the session can still make calls.
    /// Raises `error` when it fails the batch as a whole (the first call, connection gone).
    fn fail(
        &self,
        py: Python<'_>,
        error: Bound<'_, PyBaseException>,
        usable: bool,
    ) -> PyResult<()> {
        self.with(|fetch| fetch.fail(error.unbind().into_any(), usable))?
            .map_err(|e| PyErr::from_value(e.into_bound(py)))
    }

    /// `(calls, errors)`: GetKey calls made and, per value, why its key could not be fetched
    /// (`None`: the store holds it). The batch can no longer be used.
    fn finish(&self, py: Python<'_>) -> PyResult<(usize, Vec<Option<Py<PyAny>>>)> {
        let report = locked(&self.inner)?.take().ok_or_else(finished)?.finish();
        let errors = (report.of_value.iter())
            .map(|i| i.map(|i| report.errors[i].clone_ref(py)))
            .collect();
        Ok((report.calls, errors))
    }
}

/// laps-rpc's [`Decryption`] for `winlaps._gkdi`: a batch decrypted with the store's keys
/// (without the GIL), the values whose key was missing (`missing_values`, which `_KeyFetch`
/// fetches), and the merge of the two passes (`finish`).
#[pyclass(frozen, module = "winlaps._winlaps", name = "_LiveDecryption")]
pub(crate) struct PyLiveDecryption {
    store: Py<PyKeyStore>,
    /// The values whose key was missing, in order.
    missing: Vec<Vec<u8>>,
    /// `None` once finished.
    pass: Mutex<Option<Decryption<LapsCredential>>>,
}

#[pymethods]
impl PyLiveDecryption {
    /// Decrypts `values` with what `store` holds.
    #[new]
    fn new(py: Python<'_>, store: Py<PyKeyStore>, values: Vec<Vec<u8>>) -> Self {
        let pass = py.detach(|| Decryption::new(store.get().inner.decrypt_many(&values)));
        let missing = pass.missing().iter().map(|&i| values[i].clone()).collect();
        PyLiveDecryption {
            store,
            missing,
            pass: Mutex::new(Some(pass)),
        }
    }

    /// The values whose key the store lacked.
    #[getter]
    fn missing_values<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.missing.iter().map(|v| PyBytes::new(py, v)).collect()
    }

    /// Decrypts the missing values again (without the GIL) and gives every value's result,
    /// a `LapsCredential` or the exception: for a value whose key is still missing, its entry
    /// in `fetch_errors` (one per missing value, `None` when its key was fetched).
    fn finish<'py>(
        &self,
        py: Python<'py>,
        fetch_errors: Vec<Option<Py<PyAny>>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let pass = locked(&self.pass)?.take().ok_or_else(finished)?;
        let again = py.detach(|| self.store.get().inner.decrypt_many(&self.missing));
        outcomes(py, pass.finish(again, fetch_errors, |e| exception(py, e)))
    }
}

/// Adds a fetched Group Key Envelope to `store`, bound to `sid` (laps-rpc's
/// `store_envelope`: a public-key envelope raises `AccessDeniedError` naming the SID).
#[pyfunction]
pub(crate) fn _store_envelope(
    store: &Bound<'_, PyKeyStore>,
    envelope: &[u8],
    sid: &str,
) -> PyResult<()> {
    Ok(guard(|| {
        Ok(store_envelope(
            &store.get().inner,
            envelope,
            &parse_sid(sid)?,
        )?)
    })?)
}

/// The SID of a one-SID protection descriptor (`SID=<sid>` or the bare SID), checked before
/// any network step: `UnsupportedError` for another descriptor.
#[pyfunction]
pub(crate) fn _protection_sid(descriptor: &str) -> PyResult<String> {
    Ok(parse_sid(descriptor)?.to_string())
}

/// Whether a Group Key Envelope holds only the public key (`True`) or seed keys.
#[pyfunction]
pub(crate) fn _envelope_is_public(envelope: &[u8]) -> PyResult<bool> {
    Ok(guard(|| {
        Ok(GroupKeyEnvelope::parse(envelope)
            .map_err(Error::from)?
            .is_public_key())
    })?)
}

/// `(connect, io, exchange)` in seconds for a caller's `timeout` (each read or write): the
/// timeouts every transport sets from it (laps-rpc's `Timeouts::checked`).
#[pyfunction]
pub(crate) fn _timeouts(timeout: f64) -> PyResult<(f64, f64, f64)> {
    let io = Duration::try_from_secs_f64(timeout).unwrap_or(Duration::ZERO);
    let t = Timeouts::checked(io).map_err(Error::from)?;
    Ok((
        t.connect.as_secs_f64(),
        t.io.as_secs_f64(),
        t.exchange.as_secs_f64(),
    ))
}

/// Registers the live-key classes and functions (used by `winlaps._gkdi`).
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEpmLookup>()?;
    m.add_class::<PyGkdiSession>()?;
    m.add_class::<PyRpcConnection>()?;
    m.add_class::<PyKeyFetch>()?;
    m.add_class::<PyLiveDecryption>()?;
    m.add_function(wrap_pyfunction!(_store_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(_envelope_is_public, m)?)?;
    m.add_function(wrap_pyfunction!(_protection_sid, m)?)?;
    m.add_function(wrap_pyfunction!(_timeouts, m)?)?;
    m.add_function(wrap_pyfunction!(crate::rpc_auth::_auth_protocol, m)?)?;
    Ok(())
}
