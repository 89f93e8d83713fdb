//! Argument conversion: JS values to Rust, every failure a `LAPS_INVALID_ARG`.
//!
//! Exports take their arguments as [`Unknown`] and convert them here, so a
//! value of the wrong JS type is reported with our stable code and the
//! argument's name rather than with napi's internal status names.

use crate::error::{invalid_arg, Result};
use napi::bindgen_prelude::FromNapiValue;
use napi::{Unknown, ValueType};

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
