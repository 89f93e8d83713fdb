//! Policy: `Device`, `resolve_policy`, `EffectivePolicy`, the three file parsers and
//! `decide_rotation`, over laps-policy.

use crate::convert::{
    filetime_from_py, filetime_to_py, json_to_py, opt_filetime_to_py, py_to_json,
    reg_value_from_py, reg_value_to_py, text_or_bytes,
};
use crate::errors::{guard, Error, Kind};
use laps_policy::{
    decide_rotation as rust_decide_rotation, Device, DirectoryState, EffectivePolicy, LocalState,
    ParsedPolicy, RegFile, RegistryPol, Root, RootValues, RotationDecision, SettingId,
    SettingResolution, Snapshot, SyncMl,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use serde::Serialize;

/// The snake_case serde name of a unit enum value (the enums without `as_str`).
fn snake<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// `"csp"`, `"gpo"`, `"local"` or `"legacy"`.
fn root_from_name(name: &str) -> PyResult<Root> {
    Root::from_name(name).ok_or_else(|| {
        invalid(format!(
            "root must be \"csp\", \"gpo\", \"local\" or \"legacy\", not {name:?}"
        ))
    })
}

fn invalid(message: String) -> PyErr {
    Error::new(Kind::InvalidArgument, message).into()
}

// --- Device -------------------------------------------------------------------------------

/// The device a policy is resolved for. Defaults: a hybrid-joined, up-to-date (24H2,
/// build 26100) member that is not a domain controller, without the legacy LAPS client
/// extension, in a domain at 2016 functional level with the legacy schema present.
#[pyclass(frozen, eq, module = "winlaps", name = "Device")]
#[derive(Clone, PartialEq)]
pub(crate) struct PyDevice {
    pub(crate) inner: Device,
}

#[pymethods]
impl PyDevice {
    #[new]
    #[pyo3(signature = (*, join = None, domain_controller = None, os_build = None,
        os_ubr = None, legacy_cse_installed = None, dfl_2016 = None, legacy_schema_present = None,
        safe_mode = None, password_policy = None, entra_tenant_laps_enabled = None,
        entra_device_enabled = None))]
    #[allow(clippy::too_many_arguments)] // one keyword argument per `Device` field
    fn new(
        join: Option<&str>,
        domain_controller: Option<bool>,
        os_build: Option<u32>,
        os_ubr: Option<u32>,
        legacy_cse_installed: Option<bool>,
        dfl_2016: Option<bool>,
        legacy_schema_present: Option<bool>,
        safe_mode: Option<bool>,
        password_policy: Option<&Bound<'_, PyAny>>,
        entra_tenant_laps_enabled: Option<bool>,
        entra_device_enabled: Option<bool>,
    ) -> PyResult<Self> {
        // Every fact left out is laps-policy's default device's.
        let d = Device::default();
        let join = match join {
            None => d.join,
            Some(j) => j.parse().map_err(|_| {
                invalid(format!(
                    "join must be \"entra\", \"ad\", \"hybrid\" or \"none\", not {j:?}"
                ))
            })?,
        };
        Ok(PyDevice {
            inner: Device {
                join,
                domain_controller: domain_controller.unwrap_or(d.domain_controller),
                os_build: os_build.unwrap_or(d.os_build),
                os_ubr: os_ubr.or(d.os_ubr),
                legacy_cse_installed: legacy_cse_installed.unwrap_or(d.legacy_cse_installed),
                dfl_2016: dfl_2016.unwrap_or(d.dfl_2016),
                legacy_schema_present: legacy_schema_present.unwrap_or(d.legacy_schema_present),
                safe_mode: safe_mode.unwrap_or(d.safe_mode),
                password_policy: password_policy_from_py(password_policy)?.or(d.password_policy),
                entra_tenant_laps_enabled: entra_tenant_laps_enabled
                    .unwrap_or(d.entra_tenant_laps_enabled),
                entra_device_enabled: entra_device_enabled.unwrap_or(d.entra_device_enabled),
            },
        })
    }

    /// `"entra"`, `"ad"`, `"hybrid"` or `"none"`.
    #[getter]
    fn join(&self) -> &'static str {
        self.inner.join.as_str()
    }
    /// The device is a domain controller.
    #[getter]
    fn domain_controller(&self) -> bool {
        self.inner.domain_controller
    }
    /// Windows build number (e.g. 19045, 22631, 26100).
    #[getter]
    fn os_build(&self) -> u32 {
        self.inner.os_build
    }
    /// The update build revision (e.g. 4244 for 17763.4244), or `None` when unknown (the
    /// April 2023 update that brought Windows LAPS is then assumed).
    #[getter]
    fn os_ubr(&self) -> Option<u32> {
        self.inner.os_ubr
    }
    /// The legacy Microsoft LAPS client-side extension is installed.
    #[getter]
    fn legacy_cse_installed(&self) -> bool {
        self.inner.legacy_cse_installed
    }
    /// The domain is at Windows Server 2016 functional level or higher.
    #[getter]
    fn dfl_2016(&self) -> bool {
        self.inner.dfl_2016
    }
    /// The legacy LAPS schema (`ms-Mcs-AdmPwd`) is in the forest.
    #[getter]
    fn legacy_schema_present(&self) -> bool {
        self.inner.legacy_schema_present
    }
    /// Safe mode, Directory Services Restore Mode or another non-normal boot: Windows LAPS
    /// does nothing this boot, even if the password has expired.
    #[getter]
    fn safe_mode(&self) -> bool {
        self.inner.safe_mode
    }
    /// The managed account's password policy as a dict (`minimum_length`,
    /// `complexity_required`), or `None` when unknown (not checked).
    #[getter]
    fn password_policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(self.inner.password_policy)
            .map_err(|e| invalid(format!("password policy: {e}")))?;
        json_to_py(py, &value)
    }
    /// The tenant's "Enable Microsoft Entra LAPS" switch is on (else Entra backups fail, 10059).
    #[getter]
    fn entra_tenant_laps_enabled(&self) -> bool {
        self.inner.entra_tenant_laps_enabled
    }
    /// The device is enabled in Entra ID (else Entra backups fail, 10059).
    #[getter]
    fn entra_device_enabled(&self) -> bool {
        self.inner.entra_device_enabled
    }

    fn __repr__(&self) -> String {
        let d = &self.inner;
        format!(
            "Device(join='{}', domain_controller={}, os_build={}, os_ubr={}, legacy_cse_installed={}, dfl_2016={}, legacy_schema_present={}, safe_mode={}, password_policy={}, entra_tenant_laps_enabled={}, entra_device_enabled={})",
            d.join.as_str(),
            py_bool(d.domain_controller),
            d.os_build,
            d.os_ubr.map_or_else(|| "None".to_owned(), |u| u.to_string()),
            py_bool(d.legacy_cse_installed),
            py_bool(d.dfl_2016),
            py_bool(d.legacy_schema_present),
            py_bool(d.safe_mode),
            d.password_policy.map_or("None".to_owned(), |p| format!(
                "{{'minimum_length': {}, 'complexity_required': {}}}",
                p.minimum_length,
                py_bool(p.complexity_required)
            )),
            py_bool(d.entra_tenant_laps_enabled),
            py_bool(d.entra_device_enabled),
        )
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// `Device(password_policy=...)`: `None` or a dict with `minimum_length` and/or
/// `complexity_required`.
fn password_policy_from_py(
    v: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<laps_core::LocalPasswordPolicy>> {
    match v.filter(|v| !v.is_none()) {
        None => Ok(None),
        Some(v) if v.is_instance_of::<PyDict>() => serde_json::from_value(py_to_json(v)?)
            .map(Some)
            .map_err(|e| invalid(format!("invalid password_policy: {e}"))),
        Some(_) => Err(pyo3::exceptions::PyTypeError::new_err(
            "password_policy must be a dict or None",
        )),
    }
}

fn device_from_py(v: Option<&Bound<'_, PyAny>>) -> PyResult<Device> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(Device::default());
    };
    if let Ok(d) = v.cast::<PyDevice>() {
        return Ok(d.get().inner.clone());
    }
    if v.is_instance_of::<PyDict>() {
        return serde_json::from_value(py_to_json(v)?)
            .map_err(|e| invalid(format!("invalid device: {e}")));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "device must be a Device, a dict or None",
    ))
}

// --- parsed policy files ------------------------------------------------------------------

/// One root's values as a dict of value name → value.
fn root_values_to_py<'py>(py: Python<'py>, values: &RootValues) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (n, v) in values.iter() {
        d.set_item(n, reg_value_to_py(py, v)?)?;
    }
    Ok(d)
}

/// A parsed policy file (Registry.pol, SyncML or `.reg`), the same shape whatever the format:
/// the values it leaves in each LAPS key, the keys it addresses outside them, its registry
/// operations and, for SyncML, the commands and whether it asks for a password reset.
#[pyclass(frozen, module = "winlaps", name = "ParsedPolicy")]
pub(crate) struct PyParsedPolicy {
    inner: ParsedPolicy,
}

#[pymethods]
impl PyParsedPolicy {
    /// The values the file leaves in the CSP root (`HKLM\Software\Microsoft\Policies\LAPS`).
    #[getter]
    fn csp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        root_values_to_py(py, &self.inner.snapshot.csp)
    }
    /// The values the file leaves in the GPO root.
    #[getter]
    fn gpo<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        root_values_to_py(py, &self.inner.snapshot.gpo)
    }
    /// The values the file leaves in the local-configuration root.
    #[getter]
    fn local<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        root_values_to_py(py, &self.inner.snapshot.local)
    }
    /// The values the file leaves in the legacy (AdmPwd) root.
    #[getter]
    fn legacy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        root_values_to_py(py, &self.inner.snapshot.legacy)
    }
    /// The values the file leaves in `LAPS\State` (what `local_state_from_registry` reads).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        root_values_to_py(py, &self.inner.snapshot.state)
    }
    /// Keys outside every LAPS key (SyncML: targets outside the LAPS CSP), ignored.
    #[getter]
    fn ignored_keys(&self) -> Vec<String> {
        self.inner.ignored_keys.clone()
    }
    /// The registry operations, in file order: dicts with `op` (`set`, `set_if_absent`,
    /// `delete_value`, `delete_all_values`, `delete_key`), `key`, `name` and `value`.
    #[getter]
    fn operations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .inner
            .operations
            .iter()
            .map(|op| {
                let d = PyDict::new(py);
                d.set_item("op", op.as_str())?;
                d.set_item("key", op.key())?;
                d.set_item("name", op.name())?;
                match op.value() {
                    Some(v) => d.set_item("value", reg_value_to_py(py, v)?)?,
                    None => d.set_item("value", py.None())?,
                }
                Ok(d)
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
    /// SyncML: the message runs `Actions/ResetPassword` (always `False` for other formats).
    #[getter]
    fn reset_password_requested(&self) -> bool {
        self.inner.reset_password_requested
    }
    /// SyncML: every command with the result the device's LAPS CSP gives it, in document order
    /// (empty for other formats): dicts with `verb`, `target`, `cmd_id`, `line`, `status` (the
    /// OMA DM status code: 200 ran, 404 no such node, 405 verb not allowed on the node, 415
    /// wrong format, 400 bad or disallowed value, 215/216 not run or rolled back in a failed
    /// Atomic; `None` for targets outside the LAPS CSP) and `reason`. Only status 200 changes
    /// the registry.
    #[getter]
    fn commands<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for c in &self.inner.commands {
            let d = PyDict::new(py);
            d.set_item("verb", c.verb.as_str())?;
            d.set_item("target", &c.target)?;
            d.set_item("cmd_id", c.cmd_id.as_deref())?;
            d.set_item("line", c.line)?;
            d.set_item("status", c.status.as_ref().map(|s| s.code))?;
            d.set_item("reason", c.status.as_ref().map(|s| s.reason.as_str()))?;
            list.append(d)?;
        }
        Ok(list)
    }
    fn __repr__(&self) -> String {
        format!(
            "ParsedPolicy(<{} operations, {} ignored keys>)",
            self.inner.operations.len(),
            self.inner.ignored_keys.len()
        )
    }
}

/// Parses a Registry.pol file (`...\Machine\Registry.pol` of a GPO).
#[pyfunction]
pub(crate) fn parse_registry_pol(data: &[u8]) -> PyResult<PyParsedPolicy> {
    let inner = guard(|| ParsedPolicy::from_registry_pol(data).map_err(Error::from))?;
    Ok(PyParsedPolicy { inner })
}

/// Parses a SyncML message (`str`, or `bytes` in UTF-8 / UTF-16 with a BOM).
#[pyfunction]
pub(crate) fn parse_syncml(data: &Bound<'_, PyAny>) -> PyResult<PyParsedPolicy> {
    let bytes = text_or_bytes(data)?;
    let inner = guard(|| ParsedPolicy::from_syncml(&bytes).map_err(Error::from))?;
    Ok(PyParsedPolicy { inner })
}

/// Parses a `.reg` file (`str`, or `bytes` in UTF-16LE with a BOM as regedit writes it, or UTF-8).
#[pyfunction]
pub(crate) fn parse_reg(data: &Bound<'_, PyAny>) -> PyResult<PyParsedPolicy> {
    let bytes = text_or_bytes(data)?;
    let inner = guard(|| ParsedPolicy::from_reg(&bytes).map_err(Error::from))?;
    Ok(PyParsedPolicy { inner })
}

/// The catalogue of every LAPS setting, as dicts: the 18 Windows LAPS policy values, the 2 CSP
/// actions and the 6 legacy AdmPwd values, each with its registry and CSP names, GPO display
/// name, kind, default, allowed values, the build that introduced it, which directory honours
/// it, its dependencies and a one-line description.
#[pyfunction]
pub(crate) fn setting_catalog(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let value = serde_json::to_value(&laps_policy::catalog::CATALOG[..])
        .map_err(|e| Error::new(Kind::Base, format!("setting catalogue: {e}")))?;
    json_to_py(py, &value)
}

// --- resolve ------------------------------------------------------------------------------

/// Fills `root` of `snap` from one `resolve_policy` argument: a dict of value name → value,
/// a parsed file (its operations land in the keys they name), or a list of parsed files
/// applied in order (several GPOs, lowest precedence first).
fn load_root(snap: &mut Snapshot, root: Root, v: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(());
    };
    if let Ok(d) = v.cast::<PyDict>() {
        for (name, value) in root_values_from_py(d)?.iter() {
            snap.root_mut(root).set(name, value.clone());
        }
        return Ok(());
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        for item in v.try_iter()? {
            apply_parsed(snap, root, &item?)?;
        }
        return Ok(());
    }
    apply_parsed(snap, root, v)
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
/// `resolve_policy` takes) under the `root`'s key (`"gpo"`, or `"legacy"` for legacy LAPS).
/// Names are checked against the root's settings (`PolicyError` for an unknown one) and
/// written in their catalogue spelling.
#[pyfunction]
#[pyo3(signature = (values, *, root = "gpo"))]
pub(crate) fn write_registry_pol<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyDict>,
    root: &str,
) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let (root, values) = (root_from_name(root)?, root_values_from_py(values)?);
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
#[pyo3(signature = (values, *, root = "local"))]
pub(crate) fn write_reg(values: &Bound<'_, PyDict>, root: &str) -> PyResult<String> {
    let (root, values) = (root_from_name(root)?, root_values_from_py(values)?);
    let file = guard(|| RegFile::from_root(root, &values).map_err(Error::from))?;
    Ok(file.to_text())
}

fn apply_parsed(snap: &mut Snapshot, root: Root, v: &Bound<'_, PyAny>) -> PyResult<()> {
    let parsed = v.cast::<PyParsedPolicy>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "the {} root must be a dict, a ParsedPolicy or a list of ParsedPolicy",
            root.name()
        ))
    })?;
    parsed.get().inner.apply_to(snap);
    Ok(())
}

/// The effective Windows LAPS policy of a device from its four policy roots.
#[pyfunction]
#[pyo3(signature = (*, csp = None, gpo = None, local = None, legacy = None, device = None))]
pub(crate) fn resolve_policy(
    csp: Option<&Bound<'_, PyAny>>,
    gpo: Option<&Bound<'_, PyAny>>,
    local: Option<&Bound<'_, PyAny>>,
    legacy: Option<&Bound<'_, PyAny>>,
    device: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyEffectivePolicy> {
    let mut snap = Snapshot::new();
    // Lowest precedence first, so a parsed file that spans keys cannot undo a higher root's dict.
    load_root(&mut snap, Root::Legacy, legacy)?;
    load_root(&mut snap, Root::Local, local)?;
    load_root(&mut snap, Root::Gpo, gpo)?;
    load_root(&mut snap, Root::Csp, csp)?;
    let device = device_from_py(device)?;
    let inner = guard(|| Ok(laps_policy::resolve(&snap, &device)))?;
    Ok(PyEffectivePolicy { inner })
}

// --- EffectivePolicy ----------------------------------------------------------------------

/// The effective Windows LAPS policy of one device, with the full trace.
#[pyclass(frozen, module = "winlaps", name = "EffectivePolicy")]
pub(crate) struct PyEffectivePolicy {
    pub(crate) inner: EffectivePolicy,
}

impl PyEffectivePolicy {
    fn value<'py>(&self, py: Python<'py>, id: SettingId) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.setting(id) {
            Some(r) => setting_value_to_py(py, &r.value),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

fn setting_value_to_py<'py>(
    py: Python<'py>,
    v: &laps_policy::SettingValue,
) -> PyResult<Bound<'py, PyAny>> {
    use laps_policy::SettingValue as V;
    use pyo3::IntoPyObjectExt;
    match v {
        V::Number(n) => n.into_bound_py_any(py),
        V::Bool(b) => b.into_bound_py_any(py),
        V::Text(s) => s.into_bound_py_any(py),
        _ => Ok(py.None().into_bound(py)),
    }
}

#[pymethods]
impl PyEffectivePolicy {
    /// The root the policy came from: `"csp"`, `"gpo"`, `"local"`, `"legacy"` or `"none"`.
    #[getter]
    fn source(&self) -> &'static str {
        self.inner.source.as_str()
    }
    /// What LAPS does: `"disabled"`, `"entra"`, `"ad"`, `"ad_dsrm"`, `"legacy_emulation"` or
    /// `"unmanaged"`.
    #[getter]
    fn mode(&self) -> &'static str {
        self.inner.mode.as_str()
    }
    /// Why nothing is managed or backed up (a diagnostic code), or `None`.
    #[getter]
    fn blocker(&self) -> Option<String> {
        self.inner.blocker.map(|c| c.as_str().to_owned())
    }
    /// The device the policy was resolved for.
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice {
            inner: self.inner.device.clone(),
        }
    }
    /// The account LAPS manages, in words (e.g. `built-in administrator (RID 500, ...)`).
    #[getter]
    fn managed_account(&self) -> String {
        self.inner.managed_account().to_string()
    }
    /// The principal passwords are encrypted to, when they are encrypted; else `None`.
    #[getter]
    fn encryption_target(&self) -> Option<String> {
        self.inner.encryption_target()
    }

    // One attribute per setting, in catalogue order. `None` for the text settings means the
    // Windows default (the built-in administrator / Domain Admins).

    /// `BackupDirectory`: 0 disabled, 1 Entra, 2 AD.
    #[getter]
    fn backup_directory<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::BackupDirectory)
    }
    /// `AdministratorAccountName`; `None` is the built-in administrator.
    #[getter]
    fn administrator_account_name<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AdministratorAccountName)
    }
    /// `PasswordAgeDays`.
    #[getter]
    fn password_age_days<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::PasswordAgeDays)
    }
    /// `PasswordLength`.
    #[getter]
    fn password_length<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::PasswordLength)
    }
    /// `PassphraseLength` (words).
    #[getter]
    fn passphrase_length<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::PassphraseLength)
    }
    /// `PasswordComplexity` (1-8).
    #[getter]
    fn password_complexity<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::PasswordComplexity)
    }
    /// `PasswordExpirationProtectionEnabled`.
    #[getter]
    fn password_expiration_protection_enabled<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::PasswordExpirationProtectionEnabled)
    }
    /// `ADPasswordEncryptionEnabled`.
    #[getter]
    fn ad_password_encryption_enabled<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AdPasswordEncryptionEnabled)
    }
    /// `ADPasswordEncryptionPrincipal`; `None` is Domain Admins.
    #[getter]
    fn ad_password_encryption_principal<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AdPasswordEncryptionPrincipal)
    }
    /// `ADEncryptedPasswordHistorySize`.
    #[getter]
    fn ad_encrypted_password_history_size<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AdEncryptedPasswordHistorySize)
    }
    /// `ADBackupDSRMPassword`.
    #[getter]
    fn ad_backup_dsrm_password<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AdBackupDsrmPassword)
    }
    /// `PostAuthenticationResetDelay` (hours).
    #[getter]
    fn post_authentication_reset_delay<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::PostAuthenticationResetDelay)
    }
    /// `PostAuthenticationActions` (bit mask: 1 reset, 2 sign out, 4 reboot, 8 terminate).
    #[getter]
    fn post_authentication_actions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::PostAuthenticationActions)
    }
    /// `AutomaticAccountManagementEnabled`.
    #[getter]
    fn automatic_account_management_enabled<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AutomaticAccountManagementEnabled)
    }
    /// `AutomaticAccountManagementTarget`: 0 built-in administrator, 1 new account.
    #[getter]
    fn automatic_account_management_target<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AutomaticAccountManagementTarget)
    }
    /// `AutomaticAccountManagementNameOrPrefix`.
    #[getter]
    fn automatic_account_management_name_or_prefix<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AutomaticAccountManagementNameOrPrefix)
    }
    /// `AutomaticAccountManagementEnableAccount`.
    #[getter]
    fn automatic_account_management_enable_account<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AutomaticAccountManagementEnableAccount)
    }
    /// `AutomaticAccountManagementRandomizeName`.
    #[getter]
    fn automatic_account_management_randomize_name<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.value(py, SettingId::AutomaticAccountManagementRandomizeName)
    }

    /// How one setting was resolved, by snake_case or registry name (any case).
    fn provenance(&self, name: &str) -> PyResult<PySettingResolution> {
        self.inner
            .provenance(name)
            .map(|r| PySettingResolution { inner: r.clone() })
            .ok_or_else(|| invalid(format!("{name:?} is not a Windows LAPS setting")))
    }
    /// Every setting's resolution, in catalogue order.
    #[getter]
    fn settings(&self) -> Vec<PySettingResolution> {
        self.inner
            .settings
            .iter()
            .map(|r| PySettingResolution { inner: r.clone() })
            .collect()
    }
    /// Findings, most important first.
    #[getter]
    fn diagnostics(&self) -> Vec<PyDiagnostic> {
        self.inner
            .diagnostics
            .iter()
            .map(|d| PyDiagnostic { inner: d.clone() })
            .collect()
    }
    /// A human explanation: the outcome, each root's fate, every setting with its provenance,
    /// and the diagnostics.
    fn explain(&self) -> String {
        self.inner.explain()
    }
    /// The JSON form as plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v: serde_json::Value = serde_json::from_str(&self.to_json()?)
            .map_err(|e| Error::new(Kind::Base, format!("internal error: {e}")))?;
        json_to_py(py, &v)
    }
    /// The JSON form as text.
    fn to_json(&self) -> Result<String, Error> {
        self.inner.to_json().map_err(Error::from)
    }
    fn __repr__(&self) -> String {
        format!(
            "EffectivePolicy(source='{}', mode='{}')",
            self.inner.source.as_str(),
            self.inner.mode.as_str()
        )
    }
}

/// How one setting was resolved: its value, where it came from and whether it applies.
#[pyclass(frozen, module = "winlaps", name = "SettingResolution")]
pub(crate) struct PySettingResolution {
    inner: SettingResolution,
}

#[pymethods]
impl PySettingResolution {
    /// snake_case name, e.g. `password_length`.
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.setting.snake_name()
    }
    /// Registry value name, e.g. `PasswordLength`.
    #[getter]
    fn registry_name(&self) -> &'static str {
        self.inner.setting.name()
    }
    /// The resolved value.
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        setting_value_to_py(py, &self.inner.value)
    }
    /// `"configured"`, `"default"`, `"fell_back"`, `"raised_to_entra_minimum"`,
    /// `"legacy_emulation"` or `"not_applicable"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.provenance.kind()
    }
    /// The root whose value was used or rejected, if any.
    #[getter]
    fn root(&self) -> Option<&'static str> {
        self.inner.provenance.origin_root().map(Root::as_str)
    }
    /// The raw registry value of the source root, if it set this setting.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.provenance.raw() {
            Some(v) => reg_value_to_py(py, v),
            None => Ok(py.None().into_bound(py)),
        }
    }
    /// The setting is in effect under this policy.
    #[getter]
    fn applicable(&self) -> bool {
        self.inner.is_applicable()
    }
    /// Why the value was rejected or does not apply, in words; `None` otherwise.
    #[getter]
    fn reason(&self) -> Option<String> {
        self.inner.provenance.reason()
    }
    /// Short words, e.g. `configured (GPO)` or `default: GPO value 99 rejected (...)`.
    #[getter]
    fn description(&self) -> String {
        self.inner.provenance.describe()
    }
    /// Values of the same setting in lower-precedence roots, ignored: `(root, name, value)`.
    #[getter]
    fn shadowed<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.inner
            .shadowed
            .iter()
            .map(|s| {
                PyTuple::new(
                    py,
                    [
                        s.root.name().into_pyobject(py)?.into_any(),
                        s.name.as_str().into_pyobject(py)?.into_any(),
                        reg_value_to_py(py, &s.raw)?,
                    ],
                )
            })
            .collect()
    }
    /// The JSON form as plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(&self.inner)
            .map_err(|e| Error::new(Kind::Base, format!("internal error: {e}")))?;
        json_to_py(py, &v)
    }
    fn __repr__(&self) -> String {
        format!(
            "SettingResolution(name='{}', value={}, {})",
            self.inner.setting.snake_name(),
            self.inner.value,
            self.inner.provenance.describe()
        )
    }
}

/// One finding, with the Windows LAPS event ID where one exists.
#[pyclass(frozen, module = "winlaps", name = "Diagnostic")]
pub(crate) struct PyDiagnostic {
    inner: laps_policy::Diagnostic,
}

#[pymethods]
impl PyDiagnostic {
    /// `"info"`, `"warning"` or `"error"`.
    #[getter]
    fn severity(&self) -> &'static str {
        self.inner.severity.as_str()
    }
    /// Stable snake_case code, e.g. `"root_ignored"`.
    #[getter]
    fn code(&self) -> &'static str {
        self.inner.code.as_str()
    }
    /// The matching Windows LAPS event ID, if any.
    #[getter]
    fn event_id(&self) -> Option<u32> {
        self.inner.event_id
    }
    /// The setting concerned (snake_case), if any.
    #[getter]
    fn setting(&self) -> Option<&'static str> {
        self.inner.setting.map(SettingId::snake_name)
    }
    /// The root concerned, if any.
    #[getter]
    fn root(&self) -> Option<&'static str> {
        self.inner.root.map(Root::name)
    }
    /// The message.
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
    fn __repr__(&self) -> String {
        let event = self
            .inner
            .event_id
            .map_or_else(|| "None".to_owned(), |e| e.to_string());
        format!(
            "Diagnostic(severity='{}', code='{}', event_id={event})",
            snake(&self.inner.severity),
            self.inner.code.as_str(),
        )
    }
}

// --- rotation -----------------------------------------------------------------------------

/// The verdict of one policy-processing cycle.
#[pyclass(frozen, module = "winlaps", name = "RotationDecision")]
pub(crate) struct PyRotationDecision {
    inner: RotationDecision,
}

#[pymethods]
impl PyRotationDecision {
    /// Rotate now.
    #[getter]
    fn rotate(&self) -> bool {
        self.inner.rotate
    }
    /// Why (the update factors), e.g. `["expired"]`.
    #[getter]
    fn reasons(&self) -> Vec<String> {
        self.inner.reasons.iter().map(snake).collect()
    }
    /// Why rotation cannot happen (a diagnostic code), or `None`.
    #[getter]
    fn blocked(&self) -> Option<String> {
        self.inner.blocked.as_ref().map(snake)
    }
    /// The expiry in force before this cycle.
    #[getter]
    fn current_expiration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_filetime_to_py(py, self.inner.current_expiration)
    }
    /// The expiry after the rotation, when rotating.
    #[getter]
    fn new_expiration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_filetime_to_py(py, self.inner.new_expiration)
    }
    /// When the password expires next (new expiry if rotating, else the current one).
    #[getter]
    fn next_expiration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_filetime_to_py(py, self.inner.next_expiration())
    }
    /// Known bits of the event-10015 reason mask.
    #[getter]
    fn reason_mask(&self) -> u32 {
        self.inner.reason_mask
    }
    /// The events the cycle logs (10014, 10015, 10016, 10051).
    #[getter]
    fn event_ids(&self) -> Vec<u32> {
        self.inner.event_ids.clone()
    }
    /// The JSON form as plain Python data (times as FILETIME integers).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(&self.inner)
            .map_err(|e| Error::new(Kind::Base, format!("internal error: {e}")))?;
        json_to_py(py, &v)
    }
    fn __bool__(&self) -> bool {
        self.inner.rotate
    }
    fn __repr__(&self) -> String {
        format!(
            "RotationDecision(rotate={}, reasons=[{}])",
            py_bool(self.inner.rotate),
            self.reasons()
                .iter()
                .map(|r| format!("'{r}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Whether the password must rotate now. `local` is the device's `LAPS\State` (dict with
/// `policy_source`, `last_password_update`, `azure_password_expiry`, `last_account_rid`,
/// `last_account_name`, `last_encryption_target`, `dsrm_mode`, `last_password_version`,
/// `reset_requested`, `post_auth_reset_deadline`); `directory` the computer object's
/// attributes (`password_expiration_time`, `encrypted_password_present`,
/// `current_password_version`). Times are aware `datetime`s or FILETIME ints.
#[pyfunction]
#[pyo3(signature = (policy, *, now, local = None, directory = None))]
pub(crate) fn decide_rotation(
    policy: &Bound<'_, PyEffectivePolicy>,
    now: &Bound<'_, PyAny>,
    local: Option<&Bound<'_, PyAny>>,
    directory: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyRotationDecision> {
    let now = filetime_from_py(now)?;
    let local: LocalState = from_dict("local", local)?;
    let directory: DirectoryState = from_dict("directory", directory)?;
    let inner = guard(|| {
        Ok(rust_decide_rotation(
            &policy.get().inner,
            &local,
            &directory,
            now,
        ))
    })?;
    Ok(PyRotationDecision { inner })
}

/// The `local` state a successful rotation at `now` under `policy` leaves behind, as the
/// dict `decide_rotation` takes.
#[pyfunction]
#[pyo3(signature = (policy, *, now, password_version = None))]
pub(crate) fn local_state_after_rotation<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyEffectivePolicy>,
    now: &Bound<'py, PyAny>,
    password_version: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let now = filetime_from_py(now)?;
    let state = LocalState::after_rotation(&policy.get().inner, now, password_version);
    let v = serde_json::to_value(&state)
        .map_err(|e| Error::new(Kind::Base, format!("internal error: {e}")))?;
    json_to_py(py, &v)
}

fn from_dict<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    v: Option<&Bound<'_, PyAny>>,
) -> PyResult<T> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(T::default());
    };
    if !v.is_instance_of::<PyDict>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be a dict or None"
        )));
    }
    serde_json::from_value(py_to_json(v)?).map_err(|e| invalid(format!("invalid {what}: {e}")))
}

/// The `local` dict `decide_rotation` takes, read from the values of the device's
/// `HKLM\Software\Microsoft\Windows\CurrentVersion\LAPS\State` key (value name → value, as in a
/// policy root: `PolicySource`, `LastPasswordUpdateTime`, `AzurePasswordExpiryTime`, ...).
#[pyfunction]
pub(crate) fn local_state_from_registry<'py>(
    py: Python<'py>,
    values: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut snap = Snapshot::new();
    for (k, x) in values.iter() {
        let name: String = k.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("registry value names must be str")
        })?;
        let value = reg_value_from_py(&name, &x)?;
        snap.state.set(name, value);
    }
    let state = guard(|| Ok(LocalState::from_registry(&snap.state)))?;
    let v = serde_json::to_value(&state)
        .map_err(|e| Error::new(Kind::Base, format!("internal error: {e}")))?;
    json_to_py(py, &v)
}

/// What follows a logon with the managed account at `logon`: a dict with `logon`, `deadline`
/// (aware datetimes; `None` when the actions are off), `actions` (bit mask), `action_names`,
/// `grace_hours`, `off` (why there is no deadline, or `None`) and `steps` (`at`, `what`,
/// `event_id`).
#[pyfunction]
#[pyo3(signature = (policy, *, logon))]
pub(crate) fn post_authentication_timeline<'py>(
    py: Python<'py>,
    policy: &Bound<'py, PyEffectivePolicy>,
    logon: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let logon = filetime_from_py(logon)?;
    let t = guard(|| {
        Ok(laps_policy::post_authentication_timeline(
            &policy.get().inner,
            logon,
        ))
    })?;
    let out = PyDict::new(py);
    out.set_item("logon", filetime_to_py(py, t.logon)?)?;
    out.set_item("deadline", opt_filetime_to_py(py, t.deadline)?)?;
    out.set_item("actions", t.actions.bits())?;
    out.set_item("action_names", t.actions.names())?;
    out.set_item("grace_hours", t.grace_hours)?;
    out.set_item("off", t.off.as_ref().map(snake))?;
    let steps = t
        .steps
        .iter()
        .map(|s| {
            let d = PyDict::new(py);
            d.set_item("at", filetime_to_py(py, s.at)?)?;
            d.set_item("what", s.what)?;
            d.set_item("event_id", s.event_id)?;
            Ok(d)
        })
        .collect::<PyResult<Vec<_>>>()?;
    out.set_item("steps", steps)?;
    Ok(out)
}

/// Decodes the LAPS CSP `Actions/ResetPasswordStatus` (an HRESULT as `int`, or the CSP's text:
/// signed or unsigned decimal, or `0x` hex) to `("succeeded" | "pending" | "failed", hresult)`.
/// Both spellings of E_PENDING (`0x8000000A` and the documentation's `0x8000000`) are pending.
#[pyfunction]
pub(crate) fn reset_password_status(value: &Bound<'_, PyAny>) -> PyResult<(&'static str, u32)> {
    use laps_policy::ResetPasswordStatus as S;
    let status = if let Ok(i) = value.cast::<pyo3::types::PyInt>() {
        let hr = i
            .extract::<u32>()
            .or_else(|_| i.extract::<i32>().map(|s| s as u32))
            .map_err(|_| invalid("an HRESULT must fit in 32 bits".into()))?;
        S::from_hresult(hr)
    } else {
        let text: String = value
            .extract()
            .map_err(|_| pyo3::exceptions::PyTypeError::new_err("expected int or str"))?;
        text.parse::<S>().map_err(Error::from)?
    };
    Ok((status.as_str(), status.hresult()))
}
