//! Plain JS data ↔ the crates' serde forms: the one converter each way, so the core's types,
//! validation and defaults serve JS unchanged.
//!
//! JS keys are camelCase and the serde forms' snake_case (`dfl2016` ↔ `dfl_2016`); a FILETIME
//! is a `Date` (going out: the fields named in [`TIMES`], truncated to the millisecond); an
//! absent field is a `null` or `undefined` one going in, and `None` going out.

use crate::error::{internal, invalid_arg, Result};
use crate::time::{from_date, to_date};
use chrono::{DateTime, Utc};
use laps_core::FileTime;
use laps_policy::MAX_DEPTH;
use napi::bindgen_prelude::{
    Array, BigInt, FromNapiValue, JsObjectValue, Null, Object, ToNapiValue,
};
use napi::{Env, JsValue, Unknown, ValueType};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

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
/// when absent. Every failure is `LAPS_INVALID_ARG`, naming the field. Not for secrets: the
/// intermediate JSON is not wiped.
pub(crate) fn from_js<T: DeserializeOwned + Default>(what: &str, value: Unknown<'_>) -> Result<T> {
    Ok(from_js_opt(what, value)?.unwrap_or_default())
}

/// Argument `what` as the core type `T`, `None` when `undefined` or `null`.
pub(crate) fn from_js_opt<T: DeserializeOwned>(
    what: &str,
    value: Unknown<'_>,
) -> Result<Option<T>> {
    match to_plain(&Path::Root(what), value, 0)? {
        Value::Null => Ok(None),
        json @ Value::Object(_) => laps_policy::from_plain(json)
            .map(Some)
            .map_err(|e| invalid_arg(refused(what, e))),
        _ => Err(invalid_arg(format!("{what} must be an object"))),
    }
}

/// `value`'s serde form as plain JS data (camelCase keys, `Date`s for FILETIMEs, a `bigint`
/// for an integer above 2^32 - 1).
pub(crate) fn to_js<'env>(env: &'env Env, value: &impl Serialize) -> Result<Unknown<'env>> {
    let json = serde_json::to_value(value).map_err(|e| internal(e.to_string()))?;
    build(env, &json, false).map_err(|e| internal(e.reason))
}

fn build<'env>(env: &'env Env, v: &Value, time: bool) -> napi::Result<Unknown<'env>> {
    match v {
        Value::Null => Null.into_unknown(env),
        Value::Bool(b) => b.into_unknown(env),
        Value::String(s) => s.as_str().into_unknown(env),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(t), _) if time => to_date(FileTime::from_ticks(t)).into_unknown(env),
            (Some(u), _) => match u32::try_from(u) {
                Ok(u) => u.into_unknown(env),
                Err(_) => BigInt::from(u).into_unknown(env),
            },
            (None, Some(f)) => f.into_unknown(env),
            (None, None) => Null.into_unknown(env),
        },
        Value::Array(items) => {
            let items = items.iter().map(|item| build(env, item, time));
            Array::from_vec(env, items.collect::<napi::Result<Vec<_>>>()?)?.into_unknown(env)
        }
        Value::Object(fields) => {
            let mut out = Object::new(env)?;
            for (key, item) in fields.iter().filter(|(_, item)| !item.is_null()) {
                out.set_named_property(&camel(key), build(env, item, TIMES.contains(&&**key))?)?;
            }
            out.into_unknown(env)
        }
    }
}

/// Where a value sits in an argument (`local.lastPasswordUpdate`, `values[2]`), for error
/// messages; written out only when one is raised.
enum Path<'a> {
    Root(&'a str),
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, u32),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Field(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// `v` as `T`, a wrong JS type being an argument error naming `path`.
fn convert<T: FromNapiValue>(path: &Path<'_>, v: Unknown<'_>) -> Result<T> {
    T::from_unknown(v).map_err(|e| invalid_arg(format!("{path}: {}", e.reason)))
}

/// A JS value as JSON data: `Date` → FILETIME ticks, whole number → integer, `bigint` → u64,
/// object keys → snake_case, `null` / `undefined` fields dropped.
fn to_plain(path: &Path<'_>, v: Unknown<'_>, depth: u32) -> Result<Value> {
    let bad = |e: napi::Error| invalid_arg(format!("{path}: {}", e.reason));
    if depth > MAX_DEPTH {
        return Err(invalid_arg(format!(
            "{path} is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    Ok(match v.get_type().map_err(bad)? {
        ValueType::Undefined | ValueType::Null => Value::Null,
        ValueType::Boolean => Value::Bool(convert(path, v)?),
        ValueType::String => Value::String(convert(path, v)?),
        ValueType::Number => {
            let n: f64 = convert(path, v)?;
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
            let b: BigInt = convert(path, v)?;
            match b.words.as_slice() {
                [] => Value::from(0u64),
                [w] if !b.sign_bit => Value::from(*w),
                _ => return Err(invalid_arg(format!("{path} must fit in 64 unsigned bits"))),
            }
        }
        ValueType::Object if v.is_date().map_err(bad)? => {
            let d: DateTime<Utc> = convert(path, v)?;
            Value::from(from_date(path, &d)?.ticks())
        }
        ValueType::Object if v.is_array().map_err(bad)? => {
            let items: Array<'_> = convert(path, v)?;
            let item = |i| {
                let item: Option<Unknown<'_>> = items.get(i).map_err(bad)?;
                item.map_or(Ok(Value::Null), |item| {
                    to_plain(&Path::Index(path, i), item, depth + 1)
                })
            };
            Value::Array((0..items.len()).map(item).collect::<Result<_>>()?)
        }
        ValueType::Object => {
            let obj: Object<'_> = convert(path, v)?;
            let mut out = Map::new();
            for key in Object::keys(&obj).map_err(bad)? {
                let field = Path::Field(path, &key);
                let item: Unknown<'_> =
                    convert(&field, obj.get_named_property(&key).map_err(bad)?)?;
                match to_plain(&field, item, depth + 1)? {
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
                "{path}: a {other} is not accepted here"
            )))
        }
    })
}

/// Why the core type refused argument `what`, with the field in JS's spelling:
/// `device.passwordPolicy.minimumLength: invalid type: ...`.
fn refused(what: &str, e: laps_policy::Error) -> String {
    let laps_policy::Error::Plain { field, reason } = e else {
        return format!("{what}: {e}");
    };
    let reason = js_names(&reason);
    match field {
        None => format!("{what}: {reason}"),
        Some(f) if TIMES.contains(&f.rsplit('.').next().unwrap_or_default()) => {
            format!("{what}.{} must be a Date", camel(&f))
        }
        Some(f) => format!("{what}.{}: {reason}", camel(&f)),
    }
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
