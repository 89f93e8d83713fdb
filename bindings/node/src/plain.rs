//! Plain JS data ↔ the crates' serde forms: the one converter each way, so the core's types,
//! validation and defaults serve JS unchanged.
//!
//! JS field names are camelCase and the serde forms' snake_case (`dfl2016` ↔ `dfl_2016`; map
//! keys, such as registry value names, are kept); a FILETIME is a `Date` (going out: every
//! [`FileTime`], truncated to the millisecond); an absent field is a `null` or `undefined`
//! one going in, and `None` going out. Going out, bytes are a `Buffer` and an integer above
//! 2^32 - 1 (or any in a [`BIGINT`] newtype) a `bigint`.

use crate::error::{internal, invalid_arg, Result};
use crate::time::{from_date, to_date};
use chrono::{DateTime, Utc};
use laps_core::FileTime;
use laps_policy::MAX_DEPTH;
use napi::bindgen_prelude::{
    Array, BigInt, Buffer, FromNapiValue, JsObjectValue, Null, Object, ToNapiValue,
};
use napi::{Env, JsValue, Unknown, ValueType};
use serde::de::DeserializeOwned;
use serde::{ser, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Largest integer a JS `number` holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Argument `what` (an object, `undefined` or `null`) as the core type `T`; `T::default()`
/// when absent. Every failure is `LAPS_INVALID_ARG`, naming the field. Not for secrets: the
/// intermediate JSON is not wiped.
pub(crate) fn from_js<T: DeserializeOwned + Default>(what: &str, value: Unknown<'_>) -> Result<T> {
    match to_plain(&Path::Root(what), value, 0)? {
        Value::Null => Ok(T::default()),
        json @ Value::Object(_) => {
            laps_policy::from_plain(json).map_err(|e| invalid_arg(refused(what, e)))
        }
        _ => Err(invalid_arg(format!("{what} must be an object"))),
    }
}

/// `value`'s serde form as plain JS data (camelCase field names, `Date`s for FILETIMEs, a
/// `bigint` for an integer above 2^32 - 1 or marked by [`BIGINT`], a `Buffer` for bytes),
/// written straight into JS values.
pub(crate) fn to_js<'env>(
    env: &'env Env,
    value: &(impl Serialize + ?Sized),
) -> Result<Unknown<'env>> {
    value
        .serialize(Out {
            env,
            number: Number::Plain,
        })
        .map_err(|e| internal(e.reason))
}

/// A newtype struct of this name holding a `u64` becomes a `bigint` whatever its size (a
/// registry QWORD stays one).
pub(crate) const BIGINT: &str = "$winlaps::bigint";

/// The serde serializer into JS values.
#[derive(Clone, Copy)]
struct Out<'env> {
    env: &'env Env,
    /// How the next integer is written: by the newtype it sits in.
    number: Number,
}

/// How an integer is written.
#[derive(Clone, Copy)]
enum Number {
    /// A `number`, or a `bigint` above 2^32 - 1.
    Plain,
    /// A `Date`: the integer is a [`FileTime`]'s ticks.
    Time,
    /// A `bigint` whatever its size: it sits in a [`BIGINT`] newtype.
    Big,
}

type Written<'env> = napi::Result<Unknown<'env>>;

impl<'env> Out<'env> {
    fn value(self, v: impl ToNapiValue) -> Written<'env> {
        v.into_unknown(self.env)
    }
}

impl<'env> ser::Serializer for Out<'env> {
    type Ok = Unknown<'env>;
    type Error = napi::Error;
    type SerializeSeq = Items<'env>;
    type SerializeTuple = Items<'env>;
    type SerializeTupleStruct = Items<'env>;
    type SerializeTupleVariant = ser::Impossible<Unknown<'env>, napi::Error>;
    type SerializeMap = Fields<'env>;
    type SerializeStruct = Fields<'env>;
    type SerializeStructVariant = Fields<'env>;

    fn serialize_bool(self, v: bool) -> Written<'env> {
        self.value(v)
    }
    fn serialize_i8(self, v: i8) -> Written<'env> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Written<'env> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Written<'env> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Written<'env> {
        match u64::try_from(v) {
            Ok(u) => self.serialize_u64(u),
            Err(_) => self.value(v as f64),
        }
    }
    fn serialize_u8(self, v: u8) -> Written<'env> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Written<'env> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Written<'env> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Written<'env> {
        match (self.number, u32::try_from(v)) {
            (Number::Time, _) => self.value(to_date(FileTime::from_ticks(v))),
            (Number::Plain, Ok(u)) => self.value(u),
            _ => self.value(BigInt::from(v)),
        }
    }
    fn serialize_f32(self, v: f32) -> Written<'env> {
        self.value(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Written<'env> {
        self.value(v)
    }
    fn serialize_char(self, v: char) -> Written<'env> {
        self.value(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Written<'env> {
        self.value(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Written<'env> {
        self.value(Buffer::from(v.to_vec()))
    }
    fn serialize_none(self) -> Written<'env> {
        self.value(Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Written<'env> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Written<'env> {
        self.value(Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Written<'env> {
        self.value(Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Written<'env> {
        self.value(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Written<'env> {
        let number = match name {
            FileTime::SERDE_NAME => Number::Time,
            BIGINT => Number::Big,
            _ => Number::Plain,
        };
        v.serialize(Out { number, ..self })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Written<'env> {
        let mut obj = Object::new(self.env)?;
        obj.set_named_property(variant, v.serialize(self)?)?;
        obj.into_unknown(self.env)
    }
    fn serialize_seq(self, len: Option<usize>) -> napi::Result<Items<'env>> {
        Ok(Items {
            out: self,
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> napi::Result<Items<'env>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> napi::Result<Items<'env>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> napi::Result<Self::SerializeTupleVariant> {
        Err(no_js_form(name))
    }
    fn serialize_map(self, _: Option<usize>) -> napi::Result<Fields<'env>> {
        Ok(Fields {
            out: self,
            obj: Object::new(self.env)?,
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> napi::Result<Fields<'env>> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> napi::Result<Fields<'env>> {
        Ok(Fields {
            variant: Some(variant),
            ..self.serialize_map(None)?
        })
    }
}

/// Tuple variants: none of the forms given to JS has one, so none has a JS spelling.
fn no_js_form(name: &str) -> napi::Error {
    napi::Error::from_reason(format!("{name}: tuple variants have no JS form"))
}

/// A JS array being written.
struct Items<'env> {
    out: Out<'env>,
    items: Vec<Unknown<'env>>,
}

impl<'env> Items<'env> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> napi::Result<()> {
        self.items.push(v.serialize(self.out)?);
        Ok(())
    }
    fn done(self) -> Written<'env> {
        Array::from_vec(self.out.env, self.items)?.into_unknown(self.out.env)
    }
}

/// The three serde sequence traits, all writing an array.
macro_rules! items {
    ($($trait:ident :: $method:ident),*) => {$(
        impl<'env> ser::$trait for Items<'env> {
            type Ok = Unknown<'env>;
            type Error = napi::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> napi::Result<()> {
                self.push(v)
            }
            fn end(self) -> Written<'env> {
                self.done()
            }
        }
    )*};
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

/// A JS object being written: struct fields are camel-cased, map keys kept as they are; a
/// `null` field is left out. A struct variant's object is wrapped in one named for the variant
/// (`{ range: { min, max } }`), as a newtype variant's value is, and unit variants are their
/// names: serde's external tagging.
struct Fields<'env> {
    out: Out<'env>,
    obj: Object<'env>,
    key: Option<String>,
    variant: Option<&'static str>,
}

impl<'env> Fields<'env> {
    fn set<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> napi::Result<()> {
        let value = v.serialize(Out {
            number: Number::Plain,
            ..self.out
        })?;
        if value.get_type()? != ValueType::Null {
            self.obj.set_named_property(key, value)?;
        }
        Ok(())
    }
    fn done(self) -> Written<'env> {
        let env = self.out.env;
        match self.variant {
            None => self.obj.into_unknown(env),
            Some(variant) => {
                let mut outer = Object::new(env)?;
                outer.set_named_property(variant, self.obj)?;
                outer.into_unknown(env)
            }
        }
    }
}

impl<'env> ser::SerializeMap for Fields<'env> {
    type Ok = Unknown<'env>;
    type Error = napi::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> napi::Result<()> {
        self.key = Some(match serde_json::to_value(key) {
            Ok(Value::String(k)) => k,
            Ok(Value::Number(n)) => n.to_string(),
            _ => return Err(napi::Error::from_reason("a map key that is not text")),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> napi::Result<()> {
        let key = self.key.take().unwrap_or_default();
        self.set(&key, v)
    }
    fn end(self) -> Written<'env> {
        self.done()
    }
}

/// The two serde struct traits, camel-casing the field names.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl<'env> ser::$trait for Fields<'env> {
            type Ok = Unknown<'env>;
            type Error = napi::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> napi::Result<()> {
                self.set(&camel(key), v)
            }
            fn end(self) -> Written<'env> {
                self.done()
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

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
        Some(f) if reason.contains(FileTime::SERDE_EXPECTING) => {
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
