//! `parseRegistryPol`, `parseSyncml`, `parseReg`: policy files into laps-policy's
//! `ParsedPolicy`, the same shape for every format.

use crate::args::{arg, text_or_bytes};
use crate::error::{coded, internal, Result};
use crate::guard::guarded;
use crate::plain::to_js;
use crate::regvalue::{js_value, PARSED};
use laps_policy::ParsedPolicy;
use napi::bindgen_prelude::{External, FromNapiValue, JsObjectValue, Object};
use napi::{Env, JsValue, Property, PropertyAttributes, Unknown};
use napi_derive::napi;

/// A parsed file as the JS `ParsedPolicy` object: the core's form, registry values in their
/// JS forms, and the file itself in a hidden property that `resolvePolicy` applies.
fn parsed_to_js(env: &Env, parsed: ParsedPolicy) -> Result<Unknown<'_>> {
    let mut obj = Object::from_unknown(to_js(env, &parsed.form(js_value))?)
        .map_err(|e| internal(e.reason))?;
    let file = External::new(parsed)
        .into_js_external(env)
        .map_err(|e| internal(e.reason))?;
    let hidden = Property::new()
        .with_utf8_name(PARSED)
        .map_err(|e| internal(e.reason))?
        .with_value(&file)
        .with_property_attributes(PropertyAttributes::Default);
    obj.define_properties(&[hidden])
        .map_err(|e| internal(e.reason))?;
    Ok(obj.to_unknown())
}

/// Parses a Registry.pol file (PReg version 1) into the policy roots its keys
/// land in, ready for `resolvePolicy({ ...parseRegistryPol(buf), device })`.
/// `**del.` / `**delvals.` entries are applied in order; keys outside LAPS are
/// listed in `ignoredKeys`.
#[napi(ts_args_type = "data: Uint8Array", ts_return_type = "ParsedPolicy")]
pub fn parse_registry_pol<'env>(env: &'env Env, data: Unknown<'_>) -> Result<Unknown<'env>> {
    guarded(|| {
        let bytes: &[u8] = arg("data", data)?;
        let parsed = ParsedPolicy::from_registry_pol(bytes).map_err(coded)?;
        parsed_to_js(env, parsed)
    })
}

/// Parses a SyncML message as Intune sends it (Add / Replace / Delete of
/// `./Device/Vendor/MSFT/LAPS/Policies/*`, formats int, bool and chr) into the
/// CSP root. Bytes may be UTF-8 or UTF-16 with a byte-order mark. Targets
/// outside the LAPS CSP are listed in `ignoredKeys`; `resetPasswordRequested`
/// says whether the message runs the `ResetPassword` action.
///
/// `commands` lists every command with the result the device's LAPS CSP gives it (the OMA DM
/// status: 200 ran, 404 no such node, 405 verb not allowed on the node, 415 wrong format, 400
/// bad or disallowed value, 215/216 not run or rolled back in a failed Atomic; none for targets
/// outside the LAPS CSP). Only status 200 changes the registry.
#[napi(
    ts_args_type = "syncml: string | Uint8Array",
    ts_return_type = "ParsedPolicy"
)]
pub fn parse_syncml<'env>(env: &'env Env, syncml: Unknown<'_>) -> Result<Unknown<'env>> {
    guarded(|| {
        let bytes = text_or_bytes("syncml", syncml)?;
        let parsed = ParsedPolicy::from_syncml(&bytes).map_err(coded)?;
        parsed_to_js(env, parsed)
    })
}

/// Parses a regedit export (`Windows Registry Editor Version 5.00` in UTF-16LE
/// with a BOM or UTF-8, or `REGEDIT4`) into the policy roots its keys land in.
/// Deletions (`"name"=-`, `[-key]`) are applied in order; other keys are listed
/// in `ignoredKeys`.
#[napi(
    ts_args_type = "reg: string | Uint8Array",
    ts_return_type = "ParsedPolicy"
)]
pub fn parse_reg<'env>(env: &'env Env, reg: Unknown<'_>) -> Result<Unknown<'env>> {
    guarded(|| {
        let bytes = text_or_bytes("reg", reg)?;
        let parsed = ParsedPolicy::from_reg(&bytes).map_err(coded)?;
        parsed_to_js(env, parsed)
    })
}
