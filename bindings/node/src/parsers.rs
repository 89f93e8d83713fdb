//! `parseRegistryPol`, `parseSyncml`, `parseReg`: policy files into the four roots.

use crate::args::arg;
use crate::error::{invalid_arg, laps_error, policy_error, ErrorCode, Result};
use crate::guard::guarded;
use crate::regvalue::root_to_js;
use laps_policy::{Root, Snapshot};
use napi::bindgen_prelude::Object;
use napi::{Env, Unknown};
use napi_derive::napi;

/// The four roots of a parsed snapshot as a JS object, plus the keys that were ignored.
fn parsed_to_js<'env>(
    env: &'env Env,
    snap: &Snapshot,
    ignored: Vec<String>,
) -> Result<Object<'env>> {
    let build = || -> napi::Result<Object<'env>> {
        let mut obj = Object::new(env)?;
        for root in Root::ALL {
            obj.set(root.name(), root_to_js(env, snap.root(root))?)?;
        }
        obj.set("ignoredKeys", ignored)?;
        Ok(obj)
    };
    build().map_err(|e| laps_error(ErrorCode::Internal, e.reason))
}

/// The bytes of a `string | Uint8Array` argument (a string as UTF-8).
fn text_or_bytes(name: &str, value: Unknown<'_>) -> Result<Vec<u8>> {
    match value.get_type() {
        Ok(napi::ValueType::String) => Ok(arg::<String>(name, value)?.into_bytes()),
        _ => arg::<&[u8]>(name, value)
            .map(<[u8]>::to_vec)
            .map_err(|_| invalid_arg(format!("{name} must be a string or a Uint8Array"))),
    }
}

/// Parses a Registry.pol file (PReg version 1) into the policy roots its keys
/// land in, ready for `resolvePolicy({ ...parseRegistryPol(buf), device })`.
/// `**del.` / `**delvals.` entries are applied in order; keys outside LAPS are
/// listed in `ignoredKeys`.
#[napi(ts_args_type = "data: Uint8Array", ts_return_type = "ParsedPolicy")]
pub fn parse_registry_pol<'env>(env: &'env Env, data: Unknown<'_>) -> Result<Object<'env>> {
    guarded(|| {
        let bytes: &[u8] = arg("data", data)?;
        let pol = laps_policy::parse_registry_pol(bytes).map_err(policy_error)?;
        let mut snap = Snapshot::new();
        let ignored = pol.apply_to(&mut snap);
        parsed_to_js(env, &snap, ignored)
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
    ts_return_type = "ParsedPolicy & { resetPasswordRequested: boolean, commands: SyncmlCommandResult[] }"
)]
pub fn parse_syncml<'env>(env: &'env Env, syncml: Unknown<'_>) -> Result<Object<'env>> {
    guarded(|| {
        let bytes = text_or_bytes("syncml", syncml)?;
        let doc = laps_policy::parse_syncml(&bytes).map_err(policy_error)?;
        let mut snap = Snapshot::new();
        let ignored = doc.apply_to(&mut snap);
        let mut obj = parsed_to_js(env, &snap, ignored)?;
        let commands: Vec<SyncmlCommandResult> = doc
            .commands
            .iter()
            .map(|c| SyncmlCommandResult {
                verb: c.verb.as_str().to_owned(),
                target: c.target.clone(),
                cmd_id: c.cmd_id.clone(),
                line: c.line,
                status: c.status.as_ref().map(|s| u32::from(s.code)),
                reason: c.status.as_ref().map(|s| s.reason.clone()),
            })
            .collect();
        obj.set("resetPasswordRequested", doc.reset_password_requested())
            .and_then(|()| obj.set("commands", commands))
            .map_err(|e| laps_error(ErrorCode::Internal, e.reason))?;
        Ok(obj)
    })
}

/// One SyncML command and what the device's LAPS CSP answers it.
#[napi(object)]
pub struct SyncmlCommandResult {
    /// `Add`, `Replace`, `Delete`, `Exec` or `Get`.
    pub verb: String,
    /// The `LocURI`.
    pub target: String,
    /// The `CmdID`, if any.
    pub cmd_id: Option<String>,
    /// 1-based line of the command.
    pub line: u32,
    /// The OMA DM status code (none for targets outside the LAPS CSP).
    pub status: Option<u32>,
    /// Why, in words (empty for 200).
    pub reason: Option<String>,
}

/// Parses a regedit export (`Windows Registry Editor Version 5.00` in UTF-16LE
/// with a BOM or UTF-8, or `REGEDIT4`) into the policy roots its keys land in.
/// Deletions (`"name"=-`, `[-key]`) are applied in order; other keys are listed
/// in `ignoredKeys`.
#[napi(
    ts_args_type = "reg: string | Uint8Array",
    ts_return_type = "ParsedPolicy"
)]
pub fn parse_reg<'env>(env: &'env Env, reg: Unknown<'_>) -> Result<Object<'env>> {
    guarded(|| {
        let bytes = text_or_bytes("reg", reg)?;
        let file = laps_policy::parse_reg(&bytes).map_err(policy_error)?;
        let mut snap = Snapshot::new();
        let ignored = file.apply_to(&mut snap);
        parsed_to_js(env, &snap, ignored)
    })
}
