//! `writeRegistryPol`, `writeSyncml`, `writeReg`: policy files from settings, for tools that
//! deploy Windows LAPS. Each checks the names against the root's settings (an unknown name
//! throws `LAPS_POLICY`) and writes them in the catalogue's spelling.

use crate::args::options;
use crate::error::{coded, invalid_arg, Result};
use crate::guard::guarded;
use crate::regvalue::root_from_js;
use laps_policy::{RegFile, RegistryPol, Root, SyncMl};
use napi::bindgen_prelude::Buffer;
use napi::Unknown;
use napi_derive::napi;

/// Options of `writeRegistryPol` and `writeReg`.
#[napi(object)]
pub struct WriteOptions {
    /// The root whose key the file writes: `'gpo'` (default for Registry.pol), `'local'`
    /// (default for `.reg`), `'csp'` or `'legacy'`.
    #[napi(ts_type = "'csp' | 'gpo' | 'local' | 'legacy'")]
    pub root: Option<String>,
}

/// Options of `writeSyncml`.
#[napi(object)]
pub struct SyncmlWriteOptions {
    /// Also run `Actions/ResetPassword` (default false).
    pub reset_password: Option<bool>,
}

/// The `values` argument: an object of setting name → value (`null` is refused: writing an
/// empty file by accident would deploy nothing).
fn values_of(values: Unknown<'_>) -> Result<laps_policy::RootValues> {
    match values.get_type() {
        Ok(napi::ValueType::Object) => root_from_js("values", Some(values)),
        _ => Err(invalid_arg(
            "values must be an object of setting name -> value",
        )),
    }
}

/// The root named in `opts`, or `default`.
fn root_of(opts: Unknown<'_>, default: Root) -> Result<Root> {
    let opts: Option<WriteOptions> = options("opts", opts)?;
    match opts.and_then(|o| o.root) {
        None => Ok(default),
        Some(name) => name.parse().map_err(coded),
    }
}

/// A GPO's Registry.pol setting `values` (setting name → value, the forms `resolvePolicy`
/// takes) under the root's key (`'gpo'` by default, `'legacy'` for legacy LAPS).
#[napi(ts_args_type = "values: RegistryValues, opts?: WriteOptions | undefined | null")]
pub fn write_registry_pol(values: Unknown<'_>, opts: Unknown<'_>) -> Result<Buffer> {
    guarded(|| {
        let root = root_of(opts, RegistryPol::DEFAULT_ROOT)?;
        let values = values_of(values)?;
        let pol = RegistryPol::from_root(root, &values).map_err(coded)?;
        Ok(Buffer::from(pol.to_bytes()))
    })
}

/// The SyncML an MDM sends to set `values` in the LAPS CSP (one `Replace` per setting), plus
/// an `Exec` of `Actions/ResetPassword` with `{ resetPassword: true }`.
#[napi(ts_args_type = "values: RegistryValues, opts?: SyncmlWriteOptions | undefined | null")]
pub fn write_syncml(values: Unknown<'_>, opts: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let opts: Option<SyncmlWriteOptions> = options("opts", opts)?;
        let reset = opts.and_then(|o| o.reset_password).unwrap_or(false);
        let values = values_of(values)?;
        let message = SyncMl::from_csp_values(&values, reset).map_err(coded)?;
        Ok(message.to_xml())
    })
}

/// A regedit file (version 5 text) setting `values` under the root's key (`'local'` by
/// default: `LAPS\Config`, the root no GPO or MDM writes).
#[napi(ts_args_type = "values: RegistryValues, opts?: WriteOptions | undefined | null")]
pub fn write_reg(values: Unknown<'_>, opts: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let root = root_of(opts, RegFile::DEFAULT_ROOT)?;
        let values = values_of(values)?;
        let file = RegFile::from_root(root, &values).map_err(coded)?;
        Ok(file.to_text())
    })
}
