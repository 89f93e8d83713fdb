//! Conversions between Python objects and the crates' value types: registry values,
//! JSON-shaped data, FILETIMEs and GUIDs.

use crate::errors::{Error, Kind};
use laps_core::FileTime;
use laps_policy::RegValue;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

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

/// The Python form of a registry value, the inverse of [`reg_value_from_py`]: every value
/// converts back to the same type and data. What an `int`, `str`, `bytes` or `list[str]` would
/// turn into another type (REG_EXPAND_SZ, a QWORD below 2**32, other type codes) comes out as
/// a `RawRegistryValue`.
pub(crate) fn reg_value_to_py<'py>(py: Python<'py>, v: &RegValue) -> PyResult<Bound<'py, PyAny>> {
    match v {
        RegValue::Dword(d) => d.into_bound_py_any(py),
        RegValue::Qword(q) if RegValue::from_integer(*q) == *v => q.into_bound_py_any(py),
        RegValue::Sz(s) => s.into_bound_py_any(py),
        RegValue::MultiSz(l) => l.into_bound_py_any(py),
        RegValue::Binary(b) => Ok(PyBytes::new(py, b).into_any()),
        other => PyRawRegistryValue {
            kind: other.reg_type(),
            data: other.to_bytes(),
        }
        .into_bound_py_any(py),
    }
}

/// JSON data (from the crates' serde forms) as plain Python objects.
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    v: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    match v {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_bound_py_any(py)
            } else if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)
            }
        }
        Value::String(s) => s.into_bound_py_any(py),
        Value::Array(a) => {
            let items = a
                .iter()
                .map(|x| json_to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, items)?.into_any())
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            Ok(d.into_any())
        }
    }
}

/// Plain Python data (dict / list / str / int / float / bool / None, `datetime` as a
/// FILETIME tick count) as JSON, to feed the crates' serde forms.
pub(crate) fn py_to_json(v: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = v.cast::<PyInt>() {
        if let Ok(u) = i.extract::<u64>() {
            return Ok(u.into());
        }
        return Ok(i.extract::<i64>()?.into());
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut m = serde_json::Map::new();
        for (k, x) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("dictionary keys must be str"))?;
            m.insert(key, py_to_json(&x)?);
        }
        return Ok(Value::Object(m));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        return v
            .try_iter()?
            .map(|x| py_to_json(&x?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if is_datetime(v)? {
        return Ok(filetime_from_py(v)?.ticks().into());
    }
    Err(PyTypeError::new_err(format!(
        "unsupported value of type {}",
        v.get_type().name()?
    )))
}

/// `datetime.datetime(1601, 1, 1, tzinfo=timezone.utc)`, the FILETIME epoch.
fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    EPOCH
        .get_or_try_init(py, || {
            let dt = py.import("datetime")?;
            let utc = dt.getattr("timezone")?.getattr("utc")?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("tzinfo", utc)?;
            Ok::<_, PyErr>(
                dt.getattr("datetime")?
                    .call((1601, 1, 1), Some(&kwargs))?
                    .unbind(),
            )
        })
        .map(|e| e.bind(py))
}

fn is_datetime(v: &Bound<'_, PyAny>) -> PyResult<bool> {
    let class = v.py().import("datetime")?.getattr("datetime")?;
    v.is_instance(&class)
}

/// An aware `datetime` (any time zone) as a FILETIME, exact to the microsecond.
/// An `int` is taken as a raw FILETIME tick count. A naive `datetime` is an error: LAPS
/// times are UTC and guessing the zone would silently shift them.
pub(crate) fn filetime_from_py(v: &Bound<'_, PyAny>) -> PyResult<FileTime> {
    let py = v.py();
    if let Ok(i) = v.cast::<PyInt>() {
        return i.extract::<u64>().map(FileTime::from_ticks).map_err(|_| {
            Error::new(Kind::InvalidArgument, "a FILETIME must be in 0 .. 2**64-1").into()
        });
    }
    if !is_datetime(v)? {
        return Err(PyTypeError::new_err(
            "a time must be an aware datetime or an int FILETIME",
        ));
    }
    if v.call_method0("utcoffset")?.is_none() {
        return Err(Error::new(
            Kind::InvalidArgument,
            "a naive datetime has no time zone; pass an aware one (e.g. tzinfo=timezone.utc)",
        )
        .into());
    }
    let delta = v.call_method1("__sub__", (epoch(py)?,))?;
    let days: i64 = delta.getattr("days")?.extract()?;
    let seconds: i64 = delta.getattr("seconds")?.extract()?;
    let micros: i64 = delta.getattr("microseconds")?.extract()?;
    let ticks = i128::from(days) * 864_000_000_000
        + i128::from(seconds) * 10_000_000
        + i128::from(micros) * 10;
    u64::try_from(ticks)
        .map(FileTime::from_ticks)
        .map_err(|_| Error::new(Kind::InvalidArgument, "the time is before 1601-01-01").into())
}

/// A FILETIME as an aware UTC `datetime` (sub-microsecond ticks are truncated). FILETIMEs past
/// year 9999 (which `datetime` cannot hold) raise `OverflowError`.
pub(crate) fn filetime_to_py(py: Python<'_>, t: FileTime) -> PyResult<Bound<'_, PyAny>> {
    let td = py.import("datetime")?.getattr("timedelta")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("microseconds", t.ticks() / 10)?;
    let delta = td.call((), Some(&kwargs))?;
    epoch(py)?.call_method1("__add__", (delta,))
}

/// `Option<FileTime>` to `datetime | None`.
pub(crate) fn opt_filetime_to_py(
    py: Python<'_>,
    t: Option<FileTime>,
) -> PyResult<Bound<'_, PyAny>> {
    match t {
        Some(t) => filetime_to_py(py, t),
        None => Ok(py.None().into_bound(py)),
    }
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
