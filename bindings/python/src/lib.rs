//! `winlaps._winlaps`: the native module behind the `winlaps` Python package.
//!
//! Thin pyo3 wrappers over laps-core, laps-policy and laps-crypto. The public Python
//! API is re-exported by `python/winlaps/__init__.py` with an explicit `__all__`; the
//! native types are in the hand-owned `python/winlaps/_winlaps.pyi`, checked by `mypy.stubtest`.
//!
//! Rules every wrapper follows:
//! * results without secrets or native state go to Python as the crates' serde forms
//!   (`convert::to_py`) and become the dataclasses of `python/winlaps/_types.py`;
//!   dicts from Python become core types through their serde forms (`convert::from_py`);
//! * native classes remain only for secrets (zeroized, redacted `__repr__`) and for state
//!   handed back to Rust (`KeyStore`, the GKDI session, the policy handles);
//! * errors become the classes of `python/winlaps/_errors.py` (`errors.rs` maps them), with
//!   the crates' secret-free messages;
//! * work over untrusted input runs under `errors::guard`, so no panic reaches Python.
#![forbid(unsafe_code)]

mod convert;
mod crypto;
mod directory;
mod errors;
mod generate;
mod live;
mod policy;
mod rpc_auth;

use pyo3::prelude::*;

/// The module initialiser.
#[pymodule]
fn _winlaps(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(generate::generate_password, m)?)?;
    m.add_function(wrap_pyfunction!(generate::generate_passwords, m)?)?;
    m.add_function(wrap_pyfunction!(generate::generate_passwords_buffer, m)?)?;
    m.add_function(wrap_pyfunction!(generate::entropy_bits, m)?)?;
    m.add_function(wrap_pyfunction!(generate::entropy_both, m)?)?;
    m.add_function(wrap_pyfunction!(generate::is_valid_password, m)?)?;
    m.add_function(wrap_pyfunction!(generate::split_passphrase, m)?)?;
    m.add_function(wrap_pyfunction!(generate::check_local_password_policy, m)?)?;

    m.add_class::<policy::PyPolicyHandle>()?;
    m.add_class::<policy::PyParsedHandle>()?;
    m.add_class::<convert::PyRawRegistryValue>()?;
    m.add_class::<convert::Deferred>()?;
    m.add_function(wrap_pyfunction!(policy::_device, m)?)?;
    m.add_function(wrap_pyfunction!(policy::resolve_policy, m)?)?;
    m.add_function(wrap_pyfunction!(policy::parse_registry_pol, m)?)?;
    m.add_function(wrap_pyfunction!(policy::parse_syncml, m)?)?;
    m.add_function(wrap_pyfunction!(policy::parse_reg, m)?)?;
    m.add_function(wrap_pyfunction!(policy::setting_catalog, m)?)?;
    m.add_function(wrap_pyfunction!(policy::write_registry_pol, m)?)?;
    m.add_function(wrap_pyfunction!(policy::write_syncml, m)?)?;
    m.add_function(wrap_pyfunction!(policy::write_reg, m)?)?;
    m.add_function(wrap_pyfunction!(policy::decide_rotation, m)?)?;
    m.add_function(wrap_pyfunction!(policy::local_state_after_rotation, m)?)?;
    m.add_function(wrap_pyfunction!(policy::local_state_from_registry, m)?)?;
    m.add_function(wrap_pyfunction!(policy::post_authentication_timeline, m)?)?;
    m.add_function(wrap_pyfunction!(policy::reset_password_status, m)?)?;

    m.add_class::<crypto::PyRootKey>()?;
    m.add_class::<crypto::PyKeyStore>()?;
    m.add_class::<crypto::PyLapsCredential>()?;
    m.add_class::<crypto::PyGraphPassword>()?;
    m.add_function(wrap_pyfunction!(crypto::parse_encrypted_attribute, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::parse_blob, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::encrypt_attribute, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::encrypt_blob, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::parse_laps_password_json, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::parse_legacy_password, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::parse_expiration_time, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::decode_graph_password, m)?)?;
    m.add_function(wrap_pyfunction!(directory::read_computer, m)?)?;
    m.add_function(wrap_pyfunction!(directory::_dc_srv_name, m)?)?;
    m.add_function(wrap_pyfunction!(directory::_pick_dc, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::parse_group_key_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(crypto::make_group_key_envelope, m)?)?;
    live::register(m)?;
    Ok(())
}
