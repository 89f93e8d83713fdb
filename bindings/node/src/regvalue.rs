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
use laps_policy::{PlainValue, RegValue, Root, RootValues, Snapshot};
use napi::bindgen_prelude::{BigInt, Buffer, Object};
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

/// The four policy roots of a snapshot, from the `csp`, `gpo`, `local` and
/// `legacy` fields of a JS object.
pub(crate) fn snapshot_from_js(obj: &Object<'_>) -> Result<Snapshot> {
    let mut snap = Snapshot::new();
    for root in Root::ALL {
        let name = root.name();
        let field: Option<Unknown<'_>> = obj
            .get(name)
            .map_err(|e| invalid_arg(format!("{name}: {}", e.reason)))?;
        *snap.root_mut(root) = root_from_js(name, field)?;
    }
    Ok(snap)
}
