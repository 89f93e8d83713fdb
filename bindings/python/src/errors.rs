//! The exception hierarchy and the one mapping from Rust errors to it.
//!
//! ```text
//! WinlapsError(Exception)
//! ├── FormatError(WinlapsError, ValueError)      malformed input bytes or text
//! ├── PolicyError(WinlapsError, ValueError)      a value a policy writer or reader refuses
//! ├── InvalidArgumentError(WinlapsError, ValueError)  an argument out of range or of the wrong shape
//! ├── NotFoundError(WinlapsError, LookupError)   the object asked for does not exist
//! ├── DecryptionError(WinlapsError)              wrong key, bad tag, failed unwrap (opaque)
//! ├── KeyNotFoundError(WinlapsError)             no root key / group key envelope for the blob
//! ├── UnsupportedError(WinlapsError, NotImplementedError)
//! └── RpcError(WinlapsError)                     fetching keys from a domain controller failed
//!     ├── DcUnreachableError(RpcError, ConnectionError)   connect / DNS failed
//!     │   └── RpcTimeoutError(DcUnreachableError, TimeoutError)  a network step timed out
//!     ├── NoGkdiEndpointError(RpcError)          the endpoint mapper has no ISD_KEY (Samba)
//!     ├── BindRejectedError(RpcError)            bind_nak or no presentation context accepted
//!     ├── AuthenticationError(RpcError, PermissionError)  credentials refused, bad signature
//!     ├── AccessDeniedError(RpcError, PermissionError)    GetKey E_ACCESSDENIED (names the SID)
//!     ├── RpcFaultError(RpcError)                a fault PDU or a failing GetKey HRESULT
//!     └── RpcProtocolError(RpcError)             malformed or unexpected bytes from the peer
//! ```
//!
//! Every Rust error reaches Python through [`Kind::of`], the one mapping from the core's
//! [`ErrorKind`]; laps-rpc errors pick the finer `RpcError` subclasses.
//!
//! The classes are built once per interpreter with `type(name, bases, dict)`, because an
//! exception with two bases cannot come from `create_exception!`. Messages come from the Rust
//! crates' `Display`, which never contains secrets.

use laps_core::ErrorKind;
use pyo3::exceptions::{PyException, PyNotImplementedError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Which exception class an error maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `WinlapsError` itself (e.g. the OS random source failed, an internal error).
    Base,
    /// `FormatError`.
    Format,
    /// `PolicyError`.
    Policy,
    /// `DecryptionError`.
    Decryption,
    /// `KeyNotFoundError`.
    KeyNotFound,
    /// `UnsupportedError`.
    Unsupported,
    /// `InvalidArgumentError`.
    InvalidArgument,
    /// `NotFoundError`.
    NotFound,
    /// `RpcTimeoutError`.
    Timeout,
    /// `RpcError` (e.g. the state machine used out of order). `DcUnreachableError` and
    /// `RpcTimeoutError` are raised by the Python transport (`winlaps._gkdi`), which owns the
    /// sockets.
    Rpc,
    /// `NoGkdiEndpointError`.
    NoGkdiEndpoint,
    /// `BindRejectedError`.
    BindRejected,
    /// `AuthenticationError`.
    Authentication,
    /// `AccessDeniedError`.
    AccessDenied,
    /// `RpcFaultError`.
    RpcFault,
    /// `RpcProtocolError`.
    RpcProtocol,
}

/// An error on its way to Python: the class and a message without secrets.
///
/// Plain Rust data, so it can be built without the GIL (inside `Python::detach`) and
/// sent between threads (`decrypt_many`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    kind: Kind,
    message: String,
}

impl Error {
    /// An error of `kind` with `message` (which must not contain secrets).
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// Converts to the Python exception instance (for `decrypt_many`'s result list).
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match classes(py) {
            Ok(c) => PyErr::from_type(c.get(self.kind).bind(py).clone(), self.message),
            Err(e) => e,
        }
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        Python::attach(|py| e.into_pyerr(py))
    }
}

impl Kind {
    /// The one mapping from the core's error taxonomy to the exception classes.
    pub(crate) const fn of(kind: ErrorKind) -> Kind {
        match kind {
            ErrorKind::Format => Kind::Format,
            ErrorKind::Policy => Kind::Policy,
            ErrorKind::Decryption => Kind::Decryption,
            ErrorKind::KeyNotFound => Kind::KeyNotFound,
            ErrorKind::Unsupported => Kind::Unsupported,
            ErrorKind::InvalidArgument => Kind::InvalidArgument,
            ErrorKind::NotFound => Kind::NotFound,
            ErrorKind::Network => Kind::Rpc,
            ErrorKind::Timeout => Kind::Timeout,
            ErrorKind::Authentication => Kind::Authentication,
            ErrorKind::AccessDenied => Kind::AccessDenied,
            _ => Kind::Base,
        }
    }
}

impl Error {
    /// An error of the core's `kind` with `message` (which must not contain secrets).
    pub(crate) fn of(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::new(Kind::of(kind), message)
    }
}

/// Every crate error with a core [`ErrorKind`] converts the same way.
macro_rules! from_kind {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::of(e.kind(), e.to_string())
            }
        }
    )*};
}

from_kind! {
    laps_core::Error,
    laps_policy::Error,
    laps_crypto::Error,
    laps_directory::Error,
}

/// Runs `f`, turning a Rust panic into `WinlapsError("internal error: ...")` so that no
/// `PanicException` (a `BaseException`) ever reaches Python. The crates promise not to
/// panic; this is the belt to those braces on every path that reads untrusted input.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::new(
            Kind::Base,
            "internal error (a bug in winlaps; please report it with the input's shape, not its secrets)",
        ))
    })
}

/// The exception classes of one interpreter.
pub(crate) struct Classes {
    base: Py<PyType>,
    format: Py<PyType>,
    policy: Py<PyType>,
    decryption: Py<PyType>,
    key_not_found: Py<PyType>,
    unsupported: Py<PyType>,
    invalid_argument: Py<PyType>,
    not_found: Py<PyType>,
    rpc: RpcClasses,
}

/// The `RpcError` family.
struct RpcClasses {
    rpc: Py<PyType>,
    unreachable: Py<PyType>,
    timeout: Py<PyType>,
    no_endpoint: Py<PyType>,
    bind_rejected: Py<PyType>,
    authentication: Py<PyType>,
    access_denied: Py<PyType>,
    fault: Py<PyType>,
    protocol: Py<PyType>,
}

impl Classes {
    fn get(&self, kind: Kind) -> &Py<PyType> {
        match kind {
            Kind::Base => &self.base,
            Kind::Format => &self.format,
            Kind::Policy => &self.policy,
            Kind::Decryption => &self.decryption,
            Kind::KeyNotFound => &self.key_not_found,
            Kind::Unsupported => &self.unsupported,
            Kind::InvalidArgument => &self.invalid_argument,
            Kind::NotFound => &self.not_found,
            Kind::Timeout => &self.rpc.timeout,
            Kind::Rpc => &self.rpc.rpc,
            Kind::NoGkdiEndpoint => &self.rpc.no_endpoint,
            Kind::BindRejected => &self.rpc.bind_rejected,
            Kind::Authentication => &self.rpc.authentication,
            Kind::AccessDenied => &self.rpc.access_denied,
            Kind::RpcFault => &self.rpc.fault,
            Kind::RpcProtocol => &self.rpc.protocol,
        }
    }

    /// `(name, class)` pairs in declaration order, for module registration.
    pub(crate) fn all<'a, 'py>(
        &'a self,
        py: Python<'py>,
    ) -> Vec<(&'static str, &'a Bound<'py, PyType>)> {
        vec![
            ("WinlapsError", self.base.bind(py)),
            ("FormatError", self.format.bind(py)),
            ("PolicyError", self.policy.bind(py)),
            ("DecryptionError", self.decryption.bind(py)),
            ("KeyNotFoundError", self.key_not_found.bind(py)),
            ("UnsupportedError", self.unsupported.bind(py)),
            ("InvalidArgumentError", self.invalid_argument.bind(py)),
            ("NotFoundError", self.not_found.bind(py)),
            ("RpcError", self.rpc.rpc.bind(py)),
            ("DcUnreachableError", self.rpc.unreachable.bind(py)),
            ("RpcTimeoutError", self.rpc.timeout.bind(py)),
            ("NoGkdiEndpointError", self.rpc.no_endpoint.bind(py)),
            ("BindRejectedError", self.rpc.bind_rejected.bind(py)),
            ("AuthenticationError", self.rpc.authentication.bind(py)),
            ("AccessDeniedError", self.rpc.access_denied.bind(py)),
            ("RpcFaultError", self.rpc.fault.bind(py)),
            ("RpcProtocolError", self.rpc.protocol.bind(py)),
        ]
    }
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// The exception classes, created on first use.
pub(crate) fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let base = new_class(
            py,
            "WinlapsError",
            &[py.get_type::<PyException>()],
            "Base class of every error winlaps raises. Messages never contain secrets.",
        )?;
        let sub = |name: &str, extra: Option<Bound<'_, PyType>>, doc: &str| {
            let mut bases = vec![base.bind(py).clone()];
            bases.extend(extra);
            new_class(py, name, &bases, doc)
        };
        Ok(Classes {
            format: sub(
                "FormatError",
                Some(py.get_type::<PyValueError>()),
                "The input bytes or text are malformed; the message says where (byte offset or line).",
            )?,
            policy: sub(
                "PolicyError",
                Some(py.get_type::<PyValueError>()),
                "A value a policy writer refuses (an unknown setting, a value the format cannot carry) or a policy that forbids the operation.",
            )?,
            invalid_argument: sub(
                "InvalidArgumentError",
                Some(py.get_type::<PyValueError>()),
                "An argument out of its documented range or of the wrong shape (e.g. complexity 9, a key of the wrong size).",
            )?,
            not_found: sub(
                "NotFoundError",
                Some(py.get_type::<pyo3::exceptions::PyLookupError>()),
                "The object asked for does not exist or holds no LAPS password.",
            )?,
            decryption: sub(
                "DecryptionError",
                None,
                "Decryption failed: wrong key, failed AES key unwrap or bad GCM tag (deliberately opaque).",
            )?,
            key_not_found: sub(
                "KeyNotFoundError",
                None,
                "No root key or group key envelope in the key store can derive the key the blob names.",
            )?,
            unsupported: sub(
                "UnsupportedError",
                Some(py.get_type::<PyNotImplementedError>()),
                "A protector, algorithm or operation winlaps does not implement.",
            )?,
            rpc: rpc_classes(py, &base)?,
            base,
        })
    })
}

fn rpc_classes(py: Python<'_>, base: &Py<PyType>) -> PyResult<RpcClasses> {
    let rpc = new_class(
        py,
        "RpcError",
        &[base.bind(py).clone()],
        "Fetching keys from a domain controller (MS-GKDI GetKey over DCE/RPC) failed.",
    )?;
    let sub = |name: &str, extra: Option<Bound<'_, PyType>>, doc: &str| {
        let mut bases = vec![rpc.bind(py).clone()];
        bases.extend(extra);
        new_class(py, name, &bases, doc)
    };
    let unreachable = sub(
        "DcUnreachableError",
        Some(py.get_type::<pyo3::exceptions::PyConnectionError>()),
        "The domain controller could not be reached (DNS, connect or a closed connection).",
    )?;
    let timeout = new_class(
        py,
        "RpcTimeoutError",
        &[
            unreachable.bind(py).clone(),
            py.get_type::<pyo3::exceptions::PyTimeoutError>(),
        ],
        "A network step (connect, send, receive) exceeded its timeout.",
    )?;
    let permission = || Some(py.get_type::<pyo3::exceptions::PyPermissionError>());
    Ok(RpcClasses {
        timeout,
        unreachable,
        no_endpoint: sub(
            "NoGkdiEndpointError",
            None,
            "The endpoint mapper has no MS-GKDI (ISD_KEY) endpoint: the server is no key \
             distribution service (Samba's AD DC serves no GKDI).",
        )?,
        bind_rejected: sub(
            "BindRejectedError",
            None,
            "The server rejected the bind (bind_nak) or every presentation context.",
        )?,
        authentication: sub(
            "AuthenticationError",
            permission(),
            "The server refused the credentials, or a message signature did not verify.",
        )?,
        access_denied: sub(
            "AccessDeniedError",
            permission(),
            "GetKey answered access denied: the caller may not read the keys of the SID named.",
        )?,
        fault: sub(
            "RpcFaultError",
            None,
            "The server answered with an RPC fault or a failing GetKey HRESULT (in the message).",
        )?,
        protocol: sub(
            "RpcProtocolError",
            None,
            "The peer sent malformed, truncated, oversized or unexpected DCE/RPC data.",
        )?,
        rpc,
    })
}

/// The one mapping of laps-rpc errors to Python classes.
impl From<laps_rpc::Error> for Error {
    fn from(e: laps_rpc::Error) -> Self {
        use laps_rpc::ErrorDetail as K;
        let kind = match e.detail() {
            K::Protocol => Kind::RpcProtocol,
            K::BindRejected => Kind::BindRejected,
            K::Fault | K::GetKey => Kind::RpcFault,
            K::Auth => Kind::Authentication,
            K::EndpointNotFound => Kind::NoGkdiEndpoint,
            K::AccessDenied => Kind::AccessDenied,
            K::Crypto => Kind::Format,
            _ => Kind::Rpc,
        };
        let message = match &e {
            laps_rpc::Error::EndpointNotFound { .. } => format!(
                "{e}: no MS-GKDI GetKey endpoint on this server (it is not a Windows key \
                 distribution service; Samba's AD DC serves no GKDI)"
            ),
            _ => e.to_string(),
        };
        Error::new(kind, message)
    }
}

fn new_class(
    py: Python<'_>,
    name: &str,
    bases: &[Bound<'_, PyType>],
    doc: &str,
) -> PyResult<Py<PyType>> {
    let dict = PyDict::new(py);
    dict.set_item("__module__", "winlaps")?;
    dict.set_item("__doc__", doc)?;
    let bases = PyTuple::new(py, bases)?;
    let class = py.get_type::<PyType>().call1((name, bases, dict))?;
    Ok(class.cast_into::<PyType>()?.unbind())
}
