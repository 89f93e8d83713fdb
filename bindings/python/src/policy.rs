//! Policy: `Device`, `resolve_policy`, `EffectivePolicy`, the three file parsers and
//! `decide_rotation`, over laps-policy. Results go to Python as serde forms
//! ([`record`]); the dataclasses they become are in `python/winlaps/_types.py`.

use crate::convert::{
    filetime_from_py, from_plain, from_py, record, reg_value_from_py, text_or_bytes, time_or_now,
    to_py, Deferred,
};
use crate::errors::{guard, Error, Kind};
use laps_policy::{
    decide_rotation as rust_decide_rotation, Device, Diagnostic, DirectoryState, EffectivePolicy,
    LocalState, ParsedPolicy, PlainValue, RegFile, RegValue, RegistryPol, Root, RootInput,
    RootValues, SettingResolution, Snapshot, SyncMl,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use serde::Serialize;

/// `"csp"`, `"gpo"`, `"local"` or `"legacy"`.
fn root_from_name(name: &str) -> PyResult<Root> {
    Ok(name.parse::<Root>().map_err(Error::from)?)
}

fn invalid(message: String) -> PyErr {
    Error::new(Kind::InvalidArgument, message).into()
}

/// `Device(...)`: the facts given (a dict without the `None`s) completed with laps-policy's
/// defaults and validated, as the device's serde form.
#[pyfunction]
pub(crate) fn _device<'py>(facts: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyAny>> {
    let device: Device = from_plain(facts.as_any()).map_err(|e| match facts.repr() {
        Ok(facts) => invalid(format!("invalid device {facts}: {e}")),
        Err(_) => invalid(format!("invalid device: {e}")),
    })?;
    to_py(facts.py(), &device)
}

/// `resolve_policy(device=...)`: a `Device`, a dict of the serde form, or `None`; and whether
/// the result needs the device converted (for a dict: a `Device` stands for itself, and
/// `winlaps._types` fills in the default one for `None`).
fn device_from_py(v: Option<&Bound<'_, PyAny>>) -> PyResult<(Device, bool)> {
    match v.filter(|v| !v.is_none()) {
        None => Ok((Device::default(), false)),
        Some(d) if d.is_instance_of::<PyDict>() => Ok((from_py("device", Some(d))?, true)),
        Some(d) if d.is_instance(&d.py().import("winlaps._types")?.getattr("Device")?)? => {
            Ok((from_plain(&d.getattr("__dict__")?).map_err(invalid)?, false))
        }
        Some(_) => Err(PyTypeError::new_err(
            "device must be a Device, a dict or None",
        )),
    }
}

// --- parsed policy files ------------------------------------------------------------------

/// The parsed file a `ParsedPolicy` stands for, handed back to `resolve_policy`.
#[pyclass(frozen, module = "winlaps._winlaps", name = "_ParsedPolicy")]
pub(crate) struct PyParsedHandle {
    inner: ParsedPolicy,
}

/// A registry value in its Python form (`int`, `str`, `list[str]`, `bytes`, or
/// `{"type", "data"}` that `winlaps._types` makes a `RawRegistryValue`): a QWORD up to
/// 2**32 - 1 is a raw value, as an `int` that small would read back as a DWORD.
fn python_value(v: &RegValue) -> PlainValue<'_> {
    v.plain(None)
}

/// A parsed file as Python sees it (`ParsedPolicy`): the core's form, registry values in
/// their Python forms.
fn parsed(py: Python<'_>, inner: ParsedPolicy) -> PyResult<Bound<'_, PyAny>> {
    let data = to_py(py, &inner.form(python_value))?;
    data.set_item("_native", PyParsedHandle { inner })?;
    record(py, "ParsedPolicy", data)
}

/// Parses a Registry.pol file (`...\Machine\Registry.pol` of a GPO).
#[pyfunction]
pub(crate) fn parse_registry_pol<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    parsed(
        py,
        guard(|| ParsedPolicy::from_registry_pol(data).map_err(Error::from))?,
    )
}

/// Parses a SyncML message (`str`, or `bytes` in UTF-8 / UTF-16 with a BOM).
#[pyfunction]
pub(crate) fn parse_syncml<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = text_or_bytes(data)?;
    parsed(
        py,
        guard(|| ParsedPolicy::from_syncml(&bytes).map_err(Error::from))?,
    )
}

/// Parses a `.reg` file (`str`, or `bytes` in UTF-16LE with a BOM as regedit writes it, or UTF-8).
#[pyfunction]
pub(crate) fn parse_reg<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = text_or_bytes(data)?;
    parsed(
        py,
        guard(|| ParsedPolicy::from_reg(&bytes).map_err(Error::from))?,
    )
}

/// The catalogue of every LAPS setting, as dicts: the 18 Windows LAPS policy values, the 2 CSP
/// actions and the 6 legacy AdmPwd values, each with its registry and CSP names, GPO display
/// name, kind, default, allowed values, the build that introduced it, which directory honours
/// it, its dependencies and a one-line description.
#[pyfunction]
pub(crate) fn setting_catalog(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &laps_policy::catalog::CATALOG[..])
}

// --- resolve ------------------------------------------------------------------------------

/// One `resolve_policy` argument: a dict of value name → value, or parsed files (one, or a
/// list: several GPOs, lowest precedence first), held until the core loads them.
enum Given<'py> {
    Values(RootValues),
    Files(Vec<Bound<'py, PyParsedHandle>>),
}

impl<'py> Given<'py> {
    fn of(root: Root, v: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(d) = v.cast::<PyDict>() {
            return Ok(Given::Values(root_values_from_py(d)?));
        }
        let items = if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            v.try_iter()?.collect::<PyResult<Vec<_>>>()?
        } else {
            vec![v.clone()]
        };
        let files = items.iter().map(|item| parsed_handle(root, item));
        Ok(Given::Files(files.collect::<PyResult<_>>()?))
    }

    /// The core's form, borrowing the parsed files.
    fn input(&self) -> RootInput<'_> {
        match self {
            Given::Values(values) => RootInput::Values(values.clone()),
            Given::Files(files) => RootInput::Files(files.iter().map(|f| &f.get().inner).collect()),
        }
    }
}

/// A dict of value name → value (the forms `resolve_policy` takes) as one root's values.
fn root_values_from_py(d: &Bound<'_, PyDict>) -> PyResult<RootValues> {
    let mut values = RootValues::new();
    for (k, x) in d.iter() {
        let name: String = k.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("registry value names must be str")
        })?;
        let value = reg_value_from_py(&name, &x)?;
        values.set(name, value);
    }
    Ok(values)
}

/// A GPO's Registry.pol setting `values` (a dict of setting name → value, as
/// `resolve_policy` takes) under the `root`'s key (default `"gpo"`; `"legacy"` for legacy
/// LAPS).
/// Names are checked against the root's settings (`PolicyError` for an unknown one) and
/// written in their catalogue spelling.
#[pyfunction]
#[pyo3(signature = (values, *, root = None))]
pub(crate) fn write_registry_pol<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyDict>,
    root: Option<&str>,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let root = root.map_or(Ok(RegistryPol::DEFAULT_ROOT), root_from_name)?;
    let values = root_values_from_py(values)?;
    let pol = guard(|| RegistryPol::from_root(root, &values).map_err(Error::from))?;
    Ok(pyo3::types::PyBytes::new(py, &pol.to_bytes()))
}

/// The SyncML an MDM sends to set `values` in the LAPS CSP (one `Replace` per setting), plus
/// an `Exec` of `Actions/ResetPassword` with `reset_password=True`.
#[pyfunction]
#[pyo3(signature = (values, *, reset_password = false))]
pub(crate) fn write_syncml(values: &Bound<'_, PyDict>, reset_password: bool) -> PyResult<String> {
    let values = root_values_from_py(values)?;
    let message = guard(|| SyncMl::from_csp_values(&values, reset_password).map_err(Error::from))?;
    Ok(message.to_xml())
}

/// A regedit file (version 5 text) setting `values` under the `root`'s key (default
/// `"local"`: `LAPS\Config`, the root no GPO or MDM writes).
#[pyfunction]
#[pyo3(signature = (values, *, root = None))]
pub(crate) fn write_reg(values: &Bound<'_, PyDict>, root: Option<&str>) -> PyResult<String> {
    let root = root.map_or(Ok(RegFile::DEFAULT_ROOT), root_from_name)?;
    let values = root_values_from_py(values)?;
    let file = guard(|| RegFile::from_root(root, &values).map_err(Error::from))?;
    Ok(file.to_text())
}

/// The native parsed file of a `ParsedPolicy` given for `root`.
fn parsed_handle<'py>(root: Root, v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyParsedHandle>> {
    let native = v.getattr("_native").ok();
    native
        .and_then(|n| n.cast_into::<PyParsedHandle>().ok())
        .ok_or_else(|| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "the {} root must be a dict, a ParsedPolicy or a list of ParsedPolicy",
                root.name()
            ))
        })
}

/// The effective Windows LAPS policy of a device from its four policy roots.
#[pyfunction]
#[pyo3(signature = (*, csp = None, gpo = None, local = None, legacy = None, device = None))]
pub(crate) fn resolve_policy<'py>(
    py: Python<'py>,
    csp: Option<&Bound<'py, PyAny>>,
    gpo: Option<&Bound<'py, PyAny>>,
    local: Option<&Bound<'py, PyAny>>,
    legacy: Option<&Bound<'py, PyAny>>,
    device: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let roots = [
        (Root::Csp, csp),
        (Root::Gpo, gpo),
        (Root::Local, local),
        (Root::Legacy, legacy),
    ];
    let given = (roots.into_iter())
        .filter_map(|(root, v)| Some((root, v.filter(|v| !v.is_none())?)))
        .map(|(root, v)| Ok((root, Given::of(root, v)?)))
        .collect::<PyResult<Vec<_>>>()?;
    let snap = Snapshot::from_inputs(given.iter().map(|(root, g)| (*root, g.input())));
    let (resolved_for, convert_device) = device_from_py(device)?;
    let inner = guard(|| Ok(laps_policy::resolve(&snap, &resolved_for)))?;
    let p = &inner;
    let view = PolicyView {
        source: p.source.as_str(),
        mode: p.mode.as_str(),
        blocker: p.blocker.map(|c| c.as_str()),
        device: convert_device.then_some(&p.device),
        managed_account: p.managed_account().to_string(),
        encrypts: p.encrypts(),
        encryption_target: p.encryption_target(),
        password_options: {
            let spec = p.password_spec();
            PasswordOptions {
                complexity: spec.complexity().get(),
                length: spec.length(),
                words: spec.passphrase_words(),
            }
        },
    };
    let data = to_py(py, &view)?;
    for r in &inner.settings {
        data.set_item(r.setting.snake_name(), to_py(py, &r.value)?)?;
    }
    if !convert_device {
        data.set_item("device", device)?;
    }
    data.set_item("_native", PyPolicyHandle { inner })?;
    record(py, "EffectivePolicy", data)
}

// --- EffectivePolicy ----------------------------------------------------------------------

/// The resolved policy an `EffectivePolicy` stands for, handed back to `decide_rotation` and
/// the other functions that take a policy.
#[pyclass(frozen, module = "winlaps._winlaps", name = "_EffectivePolicy")]
pub(crate) struct PyPolicyHandle {
    inner: EffectivePolicy,
}

#[pymethods]
impl PyPolicyHandle {
    /// How one setting was resolved, by snake_case or registry name (any case).
    fn provenance<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let r = self.inner.provenance(name).map_err(Error::from)?;
        setting(py, r)
    }
    /// Every setting's resolution (`EffectivePolicy.settings`, on first access).
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.inner.settings.iter().map(|r| setting(py, r)).collect()
    }
    /// The findings (`EffectivePolicy.diagnostics`, on first access).
    fn diagnostics<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let diagnostic = |d: &Diagnostic| {
            let data = to_py(py, d)?;
            data.set_item("_str", d.to_string())?;
            record(py, "Diagnostic", data)
        };
        self.inner.diagnostics.iter().map(diagnostic).collect()
    }
    /// One line on what happened to `root` and why.
    fn root_verdict(&self, root: &str) -> PyResult<String> {
        Ok(self.inner.root_verdict(root_from_name(root)?))
    }
    /// A human explanation.
    fn explain(&self) -> String {
        self.inner.explain()
    }
    /// The JSON form as text.
    fn to_json(&self) -> Result<String, Error> {
        self.inner.to_json().map_err(Error::from)
    }
}

/// What Python sees of a resolved policy (`EffectivePolicy`) at once, with one key per setting
/// value (snake_case name) added; the trace comes on demand ([`PyPolicyHandle::settings`],
/// `diagnostics`).
#[derive(Serialize)]
struct PolicyView<'a> {
    source: &'static str,
    mode: &'static str,
    blocker: Option<&'static str>,
    device: Option<&'a Device>,
    managed_account: String,
    encrypts: bool,
    encryption_target: Option<String>,
    password_options: PasswordOptions,
}

/// What to generate under a policy, as `generate_password`'s keyword arguments.
#[derive(serde::Serialize)]
struct PasswordOptions {
    complexity: u32,
    length: u32,
    words: u32,
}

/// A `SettingResolution` (the core's form of `r`); its `to_dict()` is the JSON form.
fn setting<'py>(py: Python<'py>, r: &SettingResolution) -> PyResult<Bound<'py, PyAny>> {
    let data = to_py(py, &r.form(python_value))?;
    data.set_item("_native", Deferred::new(r.clone()))?;
    record(py, "SettingResolution", data)
}

// --- rotation -----------------------------------------------------------------------------

/// The [`EffectivePolicy`] behind a Python `EffectivePolicy`.
fn native(policy: &Bound<'_, PyAny>) -> PyResult<Py<PyPolicyHandle>> {
    (policy.getattr("_native").ok())
        .and_then(|n| n.cast_into::<PyPolicyHandle>().ok())
        .map(Bound::unbind)
        .ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("policy must be an EffectivePolicy"))
}

/// Whether the password must rotate now. `local` is the device's `LAPS\State` (dict with
/// `policy_source`, `last_password_update`, `azure_password_expiry`, `last_account_rid`,
/// `last_account_name`, `last_encryption_target`, `dsrm_mode`, `last_password_version`,
/// `reset_requested`, `post_auth_reset_deadline`); `directory` the computer object's
/// attributes (`password_expiration_time`, `encrypted_password_present`,
/// `current_password_version`). Times are aware `datetime`s or FILETIME ints; `now`
/// defaults to the current time.
#[pyfunction]
#[pyo3(signature = (policy, *, now = None, local = None, directory = None))]
pub(crate) fn decide_rotation<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyAny>,
    now: Option<&Bound<'py, PyAny>>,
    local: Option<&Bound<'py, PyAny>>,
    directory: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let policy = native(policy)?;
    let now = time_or_now(now)?;
    let local: LocalState = from_py("local", local)?;
    let directory: DirectoryState = from_py("directory", directory)?;
    let policy = &policy.get().inner;
    let d = guard(|| Ok(rust_decide_rotation(policy, &local, &directory, now)))?;
    let data = to_py(py, &d)?;
    data.set_item("_native", Deferred::new(d))?;
    record(py, "RotationDecision", data)
}

/// The `local` state a successful rotation at `now` (default: the current time) under
/// `policy` leaves behind, as the dict `decide_rotation` takes (times as aware UTC
/// `datetime`s).
#[pyfunction]
#[pyo3(signature = (policy, *, now = None, password_version = None))]
pub(crate) fn local_state_after_rotation<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyAny>,
    now: Option<&Bound<'py, PyAny>>,
    password_version: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let policy = native(policy)?;
    let now = time_or_now(now)?;
    let state = LocalState::after_rotation(&policy.get().inner, now, password_version);
    record(py, "_local_state", to_py(py, &state)?)
}

/// The `local` dict `decide_rotation` takes, read from the values of the device's
/// `HKLM\Software\Microsoft\Windows\CurrentVersion\LAPS\State` key (value name → value, as in a
/// policy root: `PolicySource`, `LastPasswordUpdateTime`, `AzurePasswordExpiryTime`, ...);
/// times as aware UTC `datetime`s.
#[pyfunction]
pub(crate) fn local_state_from_registry<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let values = root_values_from_py(values)?;
    let state = guard(|| Ok(LocalState::from_registry(&values)))?;
    record(py, "_local_state", to_py(py, &state)?)
}

/// What follows a logon with the managed account at `logon`: a dict with `logon`, `deadline`
/// (aware datetimes; `None` when the actions are off), `actions` (bit mask), `action_names`,
/// `grace_hours`, `off` (why there is no deadline, or `None`) and `steps` (`at`, `what`,
/// `event_id`).
#[pyfunction]
#[pyo3(signature = (policy, *, logon))]
pub(crate) fn post_authentication_timeline<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyAny>,
    logon: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let policy = native(policy)?;
    let logon = filetime_from_py(logon)?;
    let policy = &policy.get().inner;
    let t = guard(|| Ok(laps_policy::post_authentication_timeline(policy, logon)))?;
    record(py, "_timeline", to_py(py, &t)?)
}

/// Decodes the LAPS CSP `Actions/ResetPasswordStatus` (an HRESULT as `int`, or the CSP's text:
/// signed or unsigned decimal, or `0x` hex) to a `ResetStatus` `(status, hresult)`, `status`
/// being `"succeeded"`, `"pending"` or `"failed"`. Both spellings of E_PENDING (`0x8000000A`
/// and the documentation's `0x8000000`) are pending.
#[pyfunction]
pub(crate) fn reset_password_status<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // An int goes over as its decimal text, which the core reads at any width. A bool is an
    // int to Python but no HRESULT.
    let wrong_type = || pyo3::exceptions::PyTypeError::new_err("expected int or str");
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(wrong_type());
    }
    let text = match value.cast::<pyo3::types::PyInt>() {
        Ok(i) => i.str()?.to_string(),
        Err(_) => value.extract().map_err(|_| wrong_type())?,
    };
    let status = text
        .parse::<laps_policy::ResetPasswordStatus>()
        .map_err(Error::from)?;
    let py = value.py();
    record(
        py,
        "_reset_status",
        (status.as_str(), status.hresult())
            .into_pyobject(py)?
            .into_any(),
    )
}
