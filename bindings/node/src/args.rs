//! Argument conversion: JS values to Rust, every failure a `LAPS_INVALID_ARG`.
//!
//! Exports take their arguments as [`Unknown`] and convert them here, so a
//! value of the wrong JS type is reported with our stable code and the
//! argument's name rather than with napi's internal status names.

use crate::error::{invalid_arg, Result};
use napi::bindgen_prelude::FromNapiValue;
use napi::{JsValue, Unknown, ValueType};

/// Converts argument `name` to `T` (an `Option<T>` accepts `undefined` and `null`).
pub(crate) fn arg<T: FromNapiValue>(name: &str, value: Unknown<'_>) -> Result<T> {
    T::from_unknown(value).map_err(|e| invalid_arg(format!("{name}: {}", e.reason)))
}

/// Converts an optional options-object argument: `undefined`/`null` give `None`,
/// anything that is not an object is rejected (napi alone would read a number
/// as an object without fields).
pub(crate) fn options<T: FromNapiValue>(name: &str, value: Unknown<'_>) -> Result<Option<T>> {
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => Ok(None),
        Ok(ValueType::Object) => arg(name, value).map(Some),
        _ => Err(invalid_arg(format!("{name} must be an object"))),
    }
}

/// A JS number that must be an integer in `0..=max`.
pub(crate) fn whole(name: &str, value: f64, max: u32) -> Result<u32> {
    if value.fract() != 0.0 || !(0.0..=f64::from(max)).contains(&value) {
        return Err(invalid_arg(format!(
            "{name} must be an integer from 0 to {max}, got {value}"
        )));
    }
    Ok(value as u32)
}

/// The bytes of a `string | Uint8Array` argument (a string as UTF-8).
pub(crate) fn text_or_bytes(name: &str, value: Unknown<'_>) -> Result<Vec<u8>> {
    match value.get_type() {
        Ok(ValueType::String) => Ok(arg::<String>(name, value)?.into_bytes()),
        _ => arg::<&[u8]>(name, value)
            .map(<[u8]>::to_vec)
            .map_err(|_| invalid_arg(format!("{name} must be a string or a Uint8Array"))),
    }
}

/// The text of a `string | Uint8Array | number | bigint` argument: a number or `bigint` as JS
/// itself prints it (`String(n)`), for the core parsers that read integers of any width as
/// decimal text; else [`text_or_bytes`] as UTF-8 (lossy).
pub(crate) fn text_or_number(name: &str, value: Unknown<'_>) -> Result<String> {
    match value.get_type() {
        Ok(ValueType::Number | ValueType::BigInt) => (value.coerce_to_string())
            .and_then(|s| s.into_utf8()?.into_owned())
            .map_err(|e| invalid_arg(format!("{name}: {}", e.reason))),
        _ => Ok(String::from_utf8_lossy(&text_or_bytes(name, value)?).into_owned()),
    }
}
