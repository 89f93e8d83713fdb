//! Plain JS data ↔ the crates' serde forms: the one converter each way, so the core's types,
//! validation and defaults serve JS unchanged.
//!
//! JS keys are camelCase and the serde forms' snake_case (`dfl2016` ↔ `dfl_2016`); a FILETIME
//! is a `Date` (going out: the fields named in [`TIMES`], truncated to the millisecond); an
//! absent field is a `null` or `undefined` one going in, and `None` going out.

use crate::args::arg;
use crate::error::{internal, invalid_arg, Result};
use crate::time::{from_date, to_date};
use chrono::{DateTime, Utc};
use laps_core::FileTime;
use napi::bindgen_prelude::{Array, BigInt, JsObjectValue, Object, ToNapiValue};
use napi::{Env, JsValue, Unknown, ValueType};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// The serde-form fields that hold FILETIMEs, which JS sees as `Date`s.
const TIMES: &[&str] = &[
    "last_password_update",
    "azure_password_expiry",
    "post_auth_reset_deadline",
    "current_expiration",
    "new_expiration",
    "next_expiration",
    "logon",
    "deadline",
    "at",
];

/// Largest integer a JS `number` holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Argument `what` (an object, `undefined` or `null`) as the core type `T`; `T::default()`
/// when absent. Every failure is `LAPS_INVALID_ARG`, naming the field.
pub(crate) fn from_js<T: DeserializeOwned + Default>(what: &str, value: Unknown<'_>) -> Result<T> {
    Ok(from_js_opt(what, value)?.unwrap_or_default())
}

/// Argument `what` as the core type `T`, `None` when `undefined` or `null`.
pub(crate) fn from_js_opt<T: DeserializeOwned>(
    what: &str,
    value: Unknown<'_>,
) -> Result<Option<T>> {
    match to_plain(what, value)? {
        Value::Null => Ok(None),
        json @ Value::Object(_) => serde_json::from_value(json)
            .map(Some)
            .map_err(|e| invalid_arg(format!("{what}: {}", js_names(&e.to_string())))),
        _ => Err(invalid_arg(format!("{what} must be an object"))),
    }
}

/// `value`'s serde form as plain JS data (camelCase keys, `Date`s for FILETIMEs, a `bigint`
/// for an integer above 2^32 - 1).
pub(crate) fn to_js<'env>(env: &'env Env, value: &impl Serialize) -> Result<Unknown<'env>> {
    let internal = |e: String| internal(e);
    let json = serde_json::to_value(value).map_err(|e| internal(e.to_string()))?;
    build(env, &json, false).map_err(|e| internal(e.reason))
}

fn build<'env>(env: &'env Env, v: &Value, time: bool) -> napi::Result<Unknown<'env>> {
    match v {
        Value::Number(n) if time => match n.as_u64() {
            Some(t) => to_date(FileTime::from_ticks(t)).into_unknown(env),
            None => env.to_js_value(n),
        },
        Value::Array(items) => {
            let mut out = Array::from_vec(env, Vec::<Value>::new())?;
            for item in items {
                out.insert(build(env, item, time)?)?;
            }
            out.into_unknown(env)
        }
        Value::Object(fields) => {
            let mut out = Object::new(env)?;
            for (key, item) in fields.iter().filter(|(_, item)| !item.is_null()) {
                out.set_named_property(&camel(key), build(env, item, TIMES.contains(&&**key))?)?;
            }
            out.into_unknown(env)
        }
        other => env.to_js_value(other),
    }
}

/// A JS value as JSON data: `Date` → FILETIME ticks, whole number → integer, `bigint` → u64,
/// object keys → snake_case, `null` / `undefined` fields dropped.
fn to_plain(what: &str, v: Unknown<'_>) -> Result<Value> {
    let bad = |e: napi::Error| invalid_arg(format!("{what}: {}", e.reason));
    Ok(match v.get_type().map_err(bad)? {
        ValueType::Undefined | ValueType::Null => Value::Null,
        ValueType::Boolean => Value::Bool(arg(what, v)?),
        ValueType::String => Value::String(arg(what, v)?),
        ValueType::Number => {
            let n: f64 = arg(what, v)?;
            if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
                if n < 0.0 {
                    Value::from(n as i64)
                } else {
                    Value::from(n as u64)
                }
            } else {
                Value::from(n)
            }
        }
        ValueType::BigInt => {
            let b: BigInt = arg(what, v)?;
            match b.words.as_slice() {
                [] => Value::from(0u64),
                [w] if !b.sign_bit => Value::from(*w),
                _ => return Err(invalid_arg(format!("{what} must fit in 64 unsigned bits"))),
            }
        }
        ValueType::Object if v.is_date().map_err(bad)? => {
            let d: DateTime<Utc> = arg(what, v)?;
            Value::from(from_date(what, &d)?.ticks())
        }
        ValueType::Object if v.is_array().map_err(bad)? => {
            let items: Array<'_> = arg(what, v)?;
            let item = |i| {
                let field = format!("{what}[{i}]");
                let item: Option<Unknown<'_>> = items.get(i).map_err(bad)?;
                item.map_or(Ok(Value::Null), |item| to_plain(&field, item))
            };
            Value::Array((0..items.len()).map(item).collect::<Result<_>>()?)
        }
        ValueType::Object => {
            let obj: Object<'_> = arg(what, v)?;
            let mut out = Map::new();
            for key in Object::keys(&obj).map_err(bad)? {
                let field = format!("{what}.{key}");
                let item: Unknown<'_> = arg(&field, obj.get_named_property(&key).map_err(bad)?)?;
                match to_plain(&field, item)? {
                    Value::Null => {}
                    item => {
                        out.insert(snake(&key), item);
                    }
                }
            }
            Value::Object(out)
        }
        other => {
            return Err(invalid_arg(format!(
                "{what}: a {other} is not accepted here"
            )))
        }
    })
}

/// A serde error naming fields in JS's spelling: `unknown field `os_biuld`, expected `os_build``
/// → `unknown field `osBiuld`, expected `osBuild``. Other messages name values, kept as is.
fn js_names(message: &str) -> String {
    if !(message.starts_with("unknown field") || message.starts_with("missing field")) {
        return message.to_owned();
    }
    let parts = message.split('`').enumerate();
    let parts: Vec<String> = parts
        .map(|(i, part)| {
            if i % 2 == 1 {
                camel(part)
            } else {
                part.to_owned()
            }
        })
        .collect();
    parts.join("`")
}

/// `last_password_update` → `lastPasswordUpdate`, `dfl_2016` → `dfl2016`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The inverse of [`camel`]: `lastPasswordUpdate` → `last_password_update`, `dfl2016` →
/// `dfl_2016`.
fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev: Option<char> = None;
    for c in key.chars() {
        let digit_after_letter =
            c.is_ascii_digit() && prev.is_some_and(|p| p.is_ascii_alphabetic());
        if c.is_ascii_uppercase() || digit_after_letter {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
        prev = Some(c);
    }
    out
}
