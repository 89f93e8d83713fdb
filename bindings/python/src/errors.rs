//! The exception hierarchy and the one mapping from Rust errors to it.
//!
//! Every Rust error reaches Python through [`Kind::of`], the one mapping from the core's
//! [`ErrorKind`]; laps-rpc errors pick the finer `RpcError` subclasses.
//!
//! The classes are declared in `python/winlaps/_errors.py` (which draws the hierarchy).
//! Messages come from the Rust crates' `Display`, which never contains secrets.

use laps_core::ErrorKind;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Which exception class an error maps to: the variant is the class name without `Error`
/// (`Base` is `WinlapsError`, `Timeout` is `RpcTimeoutError`); the discriminant is the class's
/// row in [`NAMES`]. `DcUnreachableError` (row 9) is raised by the Python transport
/// (`winlaps._gkdi`), which owns the sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Base = 0,
    Format = 1,
    Policy = 2,
    Decryption = 3,
    KeyNotFound = 4,
    Unsupported = 5,
    InvalidArgument = 6,
    NotFound = 7,
    Rpc = 8,
    Timeout = 10,
    NoGkdiEndpoint = 11,
    BindRejected = 12,
    Authentication = 13,
    AccessDenied = 14,
    RpcFault = 15,
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
            Ok(c) => PyErr::from_type(c[self.kind as usize].bind(py).clone(), self.message),
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
    laps_core::UnknownName,
    laps_policy::Error,
    laps_crypto::Error,
    laps_directory::Error,
}

/// Runs `f`, turning a Rust panic into `WinlapsError("internal error: ...")` so that no
/// `PanicException` (a `BaseException`) ever reaches Python. The crates promise not to
/// panic; this is the belt to those braces on every path that reads untrusted input.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(Error::new(Kind::Base, ErrorKind::PANIC_MESSAGE)))
}

/// The class names, in [`Kind`] discriminant order.
pub(crate) const NAMES: [&str; 17] = [
    "WinlapsError",
    "FormatError",
    "PolicyError",
    "DecryptionError",
    "KeyNotFoundError",
    "UnsupportedError",
    "InvalidArgumentError",
    "NotFoundError",
    "RpcError",
    "DcUnreachableError",
    "RpcTimeoutError",
    "NoGkdiEndpointError",
    "BindRejectedError",
    "AuthenticationError",
    "AccessDeniedError",
    "RpcFaultError",
    "RpcProtocolError",
];

static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

/// The exception classes (from `winlaps._errors`), in [`NAMES`] order.
pub(crate) fn classes(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    CLASSES.get_or_try_init(py, || {
        let module = py.import("winlaps._errors")?;
        (NAMES.iter())
            .map(|name| Ok(module.getattr(*name)?.cast_into::<PyType>()?.unbind()))
            .collect()
    })
}

/// The one mapping of laps-rpc errors to Python classes: the `RpcError` subclass of the
/// finer [`laps_rpc::ErrorDetail`] where there is one, else the class of the error's core
/// [`ErrorKind`] (a value that does not parse: its crypto error's; a usage error:
/// `InvalidArgumentError`).
impl From<laps_rpc::Error> for Error {
    fn from(e: laps_rpc::Error) -> Self {
        use laps_rpc::ErrorDetail as K;
        let kind = match e.detail() {
            K::Protocol => Kind::RpcProtocol,
            K::BindRejected => Kind::BindRejected,
            K::Fault | K::GetKey => Kind::RpcFault,
            K::Auth => Kind::Authentication,
            K::EndpointNotFound => Kind::NoGkdiEndpoint,
            _ => Kind::of(e.kind()),
        };
        Error::new(kind, e.to_string())
    }
}
