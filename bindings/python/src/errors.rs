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
use pyo3::exceptions::{
    PyConnectionError, PyException, PyLookupError, PyNotImplementedError, PyPermissionError,
    PyTimeoutError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Which exception class an error maps to; the discriminant is the class's row in [`TREE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `WinlapsError` itself (e.g. the OS random source failed, an internal error).
    Base = 0,
    /// `FormatError`.
    Format = 1,
    /// `PolicyError`.
    Policy = 2,
    /// `DecryptionError`.
    Decryption = 3,
    /// `KeyNotFoundError`.
    KeyNotFound = 4,
    /// `UnsupportedError`.
    Unsupported = 5,
    /// `InvalidArgumentError`.
    InvalidArgument = 6,
    /// `NotFoundError`.
    NotFound = 7,
    /// `RpcError` (e.g. the state machine used out of order). `DcUnreachableError` (row 9) and
    /// `RpcTimeoutError` are raised by the Python transport (`winlaps._gkdi`), which owns the
    /// sockets.
    Rpc = 8,
    /// `RpcTimeoutError`.
    Timeout = 10,
    /// `NoGkdiEndpointError`.
    NoGkdiEndpoint = 11,
    /// `BindRejectedError`.
    BindRejected = 12,
    /// `AuthenticationError`.
    Authentication = 13,
    /// `AccessDeniedError`.
    AccessDenied = 14,
    /// `RpcFaultError`.
    RpcFault = 15,
    /// `RpcProtocolError`.
    RpcProtocol = 16,
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

/// A builtin exception an exception class also derives from.
#[derive(Clone, Copy)]
enum Builtin {
    Value,
    Lookup,
    NotImplemented,
    Connection,
    Timeout,
    Permission,
}

impl Builtin {
    fn get(self, py: Python<'_>) -> Bound<'_, PyType> {
        match self {
            Builtin::Value => py.get_type::<PyValueError>(),
            Builtin::Lookup => py.get_type::<PyLookupError>(),
            Builtin::NotImplemented => py.get_type::<PyNotImplementedError>(),
            Builtin::Connection => py.get_type::<PyConnectionError>(),
            Builtin::Timeout => py.get_type::<PyTimeoutError>(),
            Builtin::Permission => py.get_type::<PyPermissionError>(),
        }
    }
}

/// One exception class: its name, its winlaps parent (a row of [`TREE`]; `None` is
/// `Exception`), the builtin it also derives from, and its docstring.
struct ClassSpec {
    name: &'static str,
    parent: Option<usize>,
    builtin: Option<Builtin>,
    doc: &'static str,
}

const fn class(
    name: &'static str,
    parent: Option<usize>,
    builtin: Option<Builtin>,
    doc: &'static str,
) -> ClassSpec {
    ClassSpec {
        name,
        parent,
        builtin,
        doc,
    }
}

/// The exception hierarchy (the module docs draw it), parents before children; the rows are
/// the [`Kind`] discriminants.
const TREE: [ClassSpec; 17] = [
    class("WinlapsError", None, None, "Base class of every error winlaps raises. Messages never contain secrets."),
    class("FormatError", Some(0), Some(Builtin::Value), "The input bytes or text are malformed; the message says where (byte offset or line)."),
    class("PolicyError", Some(0), Some(Builtin::Value), "A value a policy writer refuses (an unknown setting, a value the format cannot carry) or a policy that forbids the operation."),
    class("DecryptionError", Some(0), None, "Decryption failed: wrong key, failed AES key unwrap or bad GCM tag (deliberately opaque)."),
    class("KeyNotFoundError", Some(0), None, "No root key or group key envelope in the key store can derive the key the blob names."),
    class("UnsupportedError", Some(0), Some(Builtin::NotImplemented), "A protector, algorithm or operation winlaps does not implement."),
    class("InvalidArgumentError", Some(0), Some(Builtin::Value), "An argument out of its documented range or of the wrong shape (e.g. complexity 9, a key of the wrong size)."),
    class("NotFoundError", Some(0), Some(Builtin::Lookup), "The object asked for does not exist or holds no LAPS password."),
    class("RpcError", Some(0), None, "Fetching keys from a domain controller (MS-GKDI GetKey over DCE/RPC) failed."),
    class("DcUnreachableError", Some(8), Some(Builtin::Connection), "The domain controller could not be reached (DNS, connect or a closed connection)."),
    class("RpcTimeoutError", Some(9), Some(Builtin::Timeout), "A network step (connect, send, receive) exceeded its timeout."),
    class("NoGkdiEndpointError", Some(8), None, "The endpoint mapper has no MS-GKDI (ISD_KEY) endpoint: the server is no key distribution service (Samba's AD DC serves no GKDI)."),
    class("BindRejectedError", Some(8), None, "The server rejected the bind (bind_nak) or every presentation context."),
    class("AuthenticationError", Some(8), Some(Builtin::Permission), "The server refused the credentials, or a message signature did not verify."),
    class("AccessDeniedError", Some(8), Some(Builtin::Permission), "GetKey answered access denied: the caller may not read the keys of the SID named."),
    class("RpcFaultError", Some(8), None, "The server answered with an RPC fault or a failing GetKey HRESULT (in the message)."),
    class("RpcProtocolError", Some(8), None, "The peer sent malformed, truncated, oversized or unexpected DCE/RPC data."),
];

/// The exception classes of one interpreter, in [`TREE`] order.
pub(crate) struct Classes(Vec<Py<PyType>>);

impl Classes {
    fn get(&self, kind: Kind) -> &Py<PyType> {
        &self.0[kind as usize]
    }

    /// `(name, class)` pairs in declaration order, for module registration.
    pub(crate) fn all(&self) -> impl Iterator<Item = (&'static str, &Py<PyType>)> {
        TREE.iter().map(|spec| spec.name).zip(&self.0)
    }
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// The exception classes, created on first use.
pub(crate) fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let mut made: Vec<Py<PyType>> = Vec::with_capacity(TREE.len());
        for spec in &TREE {
            let parent = match spec.parent {
                Some(row) => made[row].bind(py).clone(),
                None => py.get_type::<PyException>(),
            };
            let mut bases = vec![parent];
            bases.extend(spec.builtin.map(|b| b.get(py)));
            made.push(new_class(py, spec.name, &bases, spec.doc)?);
        }
        Ok(Classes(made))
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
