//! Conversions between Python objects and the crates' value types: registry values, the
//! crates' serde forms (one generic converter each way) and FILETIMEs.

use crate::errors::{Error, Kind};
use laps_core::FileTime;
use laps_policy::{RegValue, MAX_DEPTH};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyModule, PyString, PyTuple, PyType};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A registry value of an explicit type: `type` is the `REG_*` code, `data` the raw bytes as
/// the registry stores them (strings in UTF-16LE with their NUL). What the other Python forms
/// cannot say: REG_EXPAND_SZ, a QWORD below 2**32, other type codes, malformed data.
#[pyclass(frozen, eq, hash, module = "winlaps", name = "RawRegistryValue")]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyRawRegistryValue {
    /// The `REG_*` type code (1 SZ, 2 EXPAND_SZ, 3 BINARY, 4 DWORD, 7 MULTI_SZ, 11 QWORD, ...).
    #[pyo3(get, name = "type")]
    kind: u32,
    /// The raw data bytes.
    #[pyo3(get)]
    data: Vec<u8>,
}

#[pymethods]
impl PyRawRegistryValue {
    #[new]
    fn new(r#type: u32, data: Vec<u8>) -> Self {
        PyRawRegistryValue { kind: r#type, data }
    }

    fn __repr__(&self) -> String {
        format!(
            "RawRegistryValue(type={}, data=<{} bytes>)",
            self.kind,
            self.data.len()
        )
    }
}

/// An integer argument that must fit Rust's `T`: a Python `int` outside `T`'s range is
/// `InvalidArgumentError` (pyo3 alone raises `OverflowError`, which is no `WinlapsError`); any
/// other type stays pyo3's `TypeError`.
pub(crate) struct Int<T>(pub(crate) T);

macro_rules! int_args {
    ($($t:ty),*) => {$(
        impl<'a, 'py> FromPyObject<'a, 'py> for Int<$t> {
            type Error = PyErr;
            fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                match obj.extract::<$t>() {
                    Ok(v) => Ok(Int(v)),
                    Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(obj.py()) => {
                        Err(Error::new(
                            Kind::InvalidArgument,
                            format!("an integer from 0 to {} was expected, got {}", <$t>::MAX, obj.str()?),
                        )
                        .into())
                    }
                    Err(e) => Err(e),
                }
            }
        }
    )*};
}

int_args!(u32, u64);

/// A registry value as Python sees it: `int` (DWORD, or QWORD above 2**32-1), `str` (REG_SZ),
/// `bytes` (REG_BINARY), `list[str]` (REG_MULTI_SZ), or a `RawRegistryValue` of any type.
pub(crate) fn reg_value_from_py(name: &str, v: &Bound<'_, PyAny>) -> PyResult<RegValue> {
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(RegValue::Dword(u32::from(b.is_true())));
    }
    if let Ok(i) = v.cast::<PyInt>() {
        if let Ok(v) = i.extract::<u64>() {
            return Ok(RegValue::from_integer(v));
        }
        return Err(Error::new(
            Kind::InvalidArgument,
            format!("registry value {name:?} must be in 0 .. 2**64-1 (DWORD or QWORD)"),
        )
        .into());
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(RegValue::Sz(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(RegValue::Binary(b.as_bytes().to_vec()));
    }
    if let Ok(raw) = v.cast::<PyRawRegistryValue>() {
        let raw = raw.get();
        return Ok(RegValue::from_bytes(raw.kind, &raw.data));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        return Ok(RegValue::MultiSz(v.extract::<Vec<String>>().map_err(
            |_| {
                PyTypeError::new_err(format!(
                    "registry value {name:?}: a list must hold only str (REG_MULTI_SZ)"
                ))
            },
        )?));
    }
    Err(PyTypeError::new_err(format!(
        "registry value {name:?} must be int, str, bytes, list[str] or RawRegistryValue, not {}",
        v.get_type().name()?
    )))
}

/// `value`'s serde form as plain Python data (dict / list / str / int / float / bool / None,
/// `bytes` for byte strings): the one converter from Rust results to Python.
pub(crate) fn to_py<'py>(
    py: Python<'py>,
    value: &(impl Serialize + ?Sized),
) -> PyResult<Bound<'py, PyAny>> {
    pythonize::pythonize(py, value)
        .map_err(|e| Error::new(Kind::Base, format!("internal error: {e}")).into())
}

/// A value whose serde form [`to_py`] makes each time `to_dict()` is called: a result type's
/// `_native`, so that form is built only when asked for.
#[pyclass(frozen, module = "winlaps._winlaps", name = "_Deferred")]
pub(crate) struct Deferred(Box<ToDict>);

type ToDict = dyn Fn(Python<'_>) -> PyResult<Py<PyAny>> + Send + Sync;

impl Deferred {
    pub(crate) fn new(value: impl Serialize + Send + Sync + 'static) -> Self {
        Deferred(Box::new(move |py| Ok(to_py(py, &value)?.unbind())))
    }
}

#[pymethods]
impl Deferred {
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        (self.0)(py)
    }
}

/// Python data from [`to_py`] handed to `winlaps._types.<name>`: a dataclass's `_from` or a
/// plain function, which turn FILETIMEs, GUIDs and raw registry values into their Python types.
pub(crate) fn record<'py>(
    py: Python<'py>,
    name: &str,
    data: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    static TYPES: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let types =
        TYPES.get_or_try_init(py, || Ok::<_, PyErr>(py.import("winlaps._types")?.unbind()))?;
    let target = types.bind(py).getattr(name)?;
    // A class is built by its `_from`; anything else is a conversion function.
    if target.is_instance_of::<PyType>() {
        target.call_method1(pyo3::intern!(py, "_from"), (data,))
    } else {
        target.call1((data,))
    }
}

/// Plain Python data (a dict of the serde form; `datetime`s at its top level as FILETIMEs) as
/// the core type `T`, so the core's validation and defaults apply. `None` is `T::default()`.
pub(crate) fn from_py<T: DeserializeOwned + Default>(
    what: &str,
    v: Option<&Bound<'_, PyAny>>,
) -> PyResult<T> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(T::default());
    };
    let d = v
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a dict or None")))?;
    let plain = record(v.py(), "_plain", d.clone().into_any())?;
    from_plain(&plain)
        .map_err(|e| Error::new(Kind::InvalidArgument, format!("invalid {what}: {e}")).into())
}

/// Plain Python data as `T`, through its JSON value so that every type is checked (pythonize
/// alone would read any object as a `bool` by its truth value). An error names the field
/// (`password_policy.minimum_length: invalid type: ...`).
pub(crate) fn from_plain<T: DeserializeOwned>(v: &Bound<'_, PyAny>) -> Result<T, String> {
    shallow(v, 0)?;
    let json: serde_json::Value = pythonize::depythonize(v).map_err(|e| e.to_string())?;
    laps_policy::from_plain(json).map_err(|e| e.to_string())
}

/// Refuses data nested more than [`MAX_DEPTH`] levels, or cyclic: `depythonize` would recurse
/// until the stack overflows.
fn shallow(v: &Bound<'_, PyAny>, depth: u32) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} levels deep"));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        d.values()
            .iter()
            .try_for_each(|item| shallow(&item, depth + 1))
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        (v.try_iter().map_err(|e| e.to_string())?)
            .try_for_each(|item| shallow(&item.map_err(|e| e.to_string())?, depth + 1))
    } else {
        Ok(())
    }
}

/// A time argument (an aware `datetime`, any time zone, or an `int` FILETIME) as a FILETIME,
/// exact to the microsecond (`winlaps._types._ticks`, which refuses a naive `datetime`: LAPS
/// times are UTC and guessing the zone would silently shift them).
pub(crate) fn filetime_from_py(v: &Bound<'_, PyAny>) -> PyResult<FileTime> {
    Ok(FileTime::from_ticks(
        record(v.py(), "_ticks", v.clone())?.extract()?,
    ))
}

/// A time argument, or the current time when it is `None` (exact to 100 ns).
pub(crate) fn time_or_now(time: Option<&Bound<'_, PyAny>>) -> PyResult<FileTime> {
    match time.filter(|t| !t.is_none()) {
        Some(t) => filetime_from_py(t),
        None => Ok(FileTime::try_from(std::time::SystemTime::now()).map_err(Error::from)?),
    }
}

/// A FILETIME as an aware UTC `datetime` (`winlaps._types._time`); `None` stays `None`.
pub(crate) fn filetime_to_py(py: Python<'_>, t: Option<FileTime>) -> PyResult<Bound<'_, PyAny>> {
    record(py, "_time", to_py(py, &t)?)
}

/// Text input given as `str` or `bytes` (bytes may be UTF-8 or UTF-16 with a BOM; the
/// parsers detect the encoding).
pub(crate) fn text_or_bytes(v: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err("expected str or bytes"))
}
