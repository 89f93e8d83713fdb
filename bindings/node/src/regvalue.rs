//! Registry values between JS and [`RegValue`], and the four policy roots as
//! JS objects (`Record<string, RegistryValue>`).
//!
//! | JS                                   | registry                          |
//! |--------------------------------------|-----------------------------------|
//! | whole `number` ≤ 0xFFFFFFFF, boolean | `REG_DWORD` (true = 1)            |
//! | `bigint`, whole `number` above that  | `REG_QWORD`                       |
//! | `string`                             | `REG_SZ`                          |
//! | `string[]`                           | `REG_MULTI_SZ`                    |
//! | `Uint8Array` / `Buffer`              | `REG_BINARY`                      |
//! | `{ type, data }`                     | any `REG_*` type with its raw data (e.g. `REG_EXPAND_SZ`) |
//!
//! Going out, a QWORD is a `bigint` and `REG_EXPAND_SZ` and malformed data come
//! back as `{ type, data }`, so every value round-trips unchanged.

use crate::args::arg;
use crate::error::{invalid_arg, Result};
use laps_policy::{ParsedPolicy, PlainValue, RegValue, Root, RootInput, RootValues, Snapshot};
use napi::bindgen_prelude::{Array, BigInt, Buffer, External, FromNapiValue, Object};
use napi::{JsValue, Unknown, ValueType};
use napi_derive::napi;

/// A registry value of an explicit type: `type` is the `REG_*` code, `data` the
/// raw bytes exactly as the registry stores them (strings in UTF-16LE with NUL).
#[napi(object)]
pub struct RawRegistryValue {
    /// `REG_*` type code (1 SZ, 2 EXPAND_SZ, 3 BINARY, 4 DWORD, 7 MULTI_SZ, 11 QWORD, …).
    #[napi(js_name = "type")]
    pub kind: u32,
    /// The raw data bytes.
    pub data: Buffer,
}

/// Largest integer a JS `number` holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A registry value in its JS form for [`to_js`](crate::plain::to_js) (a QWORD is a `bigint`
/// whatever its size).
pub(crate) fn js_value(value: &RegValue) -> PlainValue<'_> {
    value.plain(Some(crate::plain::BIGINT))
}

/// A registry value from JS; `None` for `undefined` / `null` (the value is absent).
pub(crate) fn from_js(name: &str, value: Unknown<'_>) -> Result<Option<RegValue>> {
    let ty = value
        .get_type()
        .map_err(|e| invalid_arg(format!("{name}: {}", e.reason)))?;
    let v = match ty {
        ValueType::Undefined | ValueType::Null => return Ok(None),
        ValueType::Boolean => RegValue::Dword(u32::from(arg::<bool>(name, value)?)),
        ValueType::Number => {
            let n: f64 = arg(name, value)?;
            if n.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&n) {
                RegValue::from_integer(n as u64)
            } else {
                return Err(invalid_arg(format!(
                    "{name} must be a whole number from 0 to 2^53 - 1 (use a bigint for larger QWORDs), got {n}"
                )));
            }
        }
        ValueType::BigInt => {
            let b: BigInt = arg(name, value)?;
            match b.words.as_slice() {
                [] => RegValue::Qword(0),
                [w] if !b.sign_bit => RegValue::Qword(*w),
                _ => return Err(invalid_arg(format!("{name} must fit in an unsigned 64-bit QWORD"))),
            }
        }
        ValueType::String => RegValue::Sz(arg(name, value)?),
        ValueType::Object if is_true(value.is_array()) => RegValue::MultiSz(
            arg::<Vec<String>>(name, value)
                .map_err(|_| invalid_arg(format!("{name}: a REG_MULTI_SZ must be an array of strings")))?,
        ),
        ValueType::Object if is_true(value.is_typedarray()) => {
            RegValue::Binary(arg::<&[u8]>(name, value)?.to_vec())
        }
        ValueType::Object => {
            let raw: RawRegistryValue = arg(name, value)?;
            RegValue::from_bytes(raw.kind, &raw.data)
        }
        _ => {
            return Err(invalid_arg(format!(
                "{name} must be a number, bigint, boolean, string, string[], Uint8Array or {{ type, data }}"
            )))
        }
    };
    Ok(Some(v))
}

fn is_true(r: napi::Result<bool>) -> bool {
    r.unwrap_or(false)
}

/// A root's values from a JS object (`undefined`/`null` is an empty root).
pub(crate) fn root_from_js(name: &str, value: Option<Unknown<'_>>) -> Result<RootValues> {
    let mut out = RootValues::new();
    let Some(value) = value else { return Ok(out) };
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => return Ok(out),
        Ok(ValueType::Object) => {}
        _ => {
            return Err(invalid_arg(format!(
                "{name} must be an object of value name -> value"
            )))
        }
    }
    let obj: Object<'_> = arg(name, value)?;
    let keys = Object::keys(&obj).map_err(|e| invalid_arg(format!("{name}: {}", e.reason)))?;
    for key in keys {
        let field = format!("{name}.{key}");
        let v: Option<Unknown<'_>> = obj
            .get(&key)
            .map_err(|e| invalid_arg(format!("{field}: {}", e.reason)))?;
        if let Some(v) = v {
            if let Some(v) = from_js(&field, v)? {
                out.set(key, v);
            }
        }
    }
    Ok(out)
}

/// The property of a `ParsedPolicy` object that holds the parsed file itself (not enumerable:
/// a spread or `JSON.stringify` leaves it out).
pub(crate) const PARSED: &str = "__winlapsParsed";

/// The parsed file behind `value`, if it is a `ParsedPolicy` object from `parseRegistryPol`,
/// `parseSyncml` or `parseReg`.
fn parsed_of(value: Unknown<'_>) -> Option<&'static ParsedPolicy> {
    let obj = Object::from_unknown(value).ok()?;
    let handle: Unknown<'_> = obj.get(PARSED).ok()??;
    <&External<ParsedPolicy>>::from_unknown(handle)
        .ok()
        .map(|e| &**e)
}

/// One root's input: an object of value name -> value, a `ParsedPolicy`, or an array of them
/// (several GPOs, lowest precedence first).
fn root_input(name: &str, value: Option<Unknown<'_>>) -> Result<RootInput<'static>> {
    let Some(value) = value else {
        return Ok(RootInput::Values(RootValues::new()));
    };
    if let Some(file) = parsed_of(value) {
        return Ok(RootInput::Files(vec![file]));
    }
    if !value.is_array().unwrap_or(false) {
        return Ok(RootInput::Values(root_from_js(name, Some(value))?));
    }
    let items: Array<'_> = arg(name, value)?;
    let file = |i: u32| {
        let item: Option<Unknown<'_>> = items.get(i).ok().flatten();
        item.and_then(parsed_of).ok_or_else(|| {
            invalid_arg(format!(
                "{name}[{i}] must be a ParsedPolicy (from parseRegistryPol, parseSyncml or parseReg)"
            ))
        })
    };
    Ok(RootInput::Files(
        (0..items.len()).map(file).collect::<Result<_>>()?,
    ))
}

/// The snapshot of the `csp`, `gpo`, `local` and `legacy` fields of a JS object: each the
/// root's values, a `ParsedPolicy` or an array of them, loaded by the core's rule.
pub(crate) fn snapshot_from_js(obj: &Object<'_>) -> Result<Snapshot> {
    let input = |root: Root| {
        let name = root.name();
        let field: Option<Unknown<'_>> = obj
            .get(name)
            .map_err(|e| invalid_arg(format!("{name}: {}", e.reason)))?;
        Ok((root, root_input(name, field)?))
    };
    let inputs = Root::ALL
        .map(input)
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(Snapshot::from_inputs(inputs))
}
