//! `parseEncryptedAttribute`, `parseBlob` and `parseGroupKeyEnvelope`: what a value or a
//! GetKey answer says before any key is involved, in the core's form (the CLI's `inspect`
//! JSON, camel-cased).

use crate::args::arg;
use crate::error::{coded, internal, Result};
use crate::guard::guarded;
use crate::plain::to_js;
use crate::time::to_date;
use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object};
use napi::{Env, JsValue, Unknown};
use napi_derive::napi;

/// Reads an `msLAPS-EncryptedPassword` (or history / DSRM) value without any
/// key: the update time, the root key id and L0/L1/L2 to fetch, the path,
/// the target SID, the domain and the forest.
#[napi(
    ts_args_type = "value: Uint8Array",
    ts_return_type = "EncryptedAttributeInfo"
)]
pub fn parse_encrypted_attribute<'env>(
    env: &'env Env,
    value: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let bytes: &[u8] = arg("value", value)?;
        let info = laps_crypto::parse_encrypted_attribute(bytes).map_err(coded)?;
        let mut out = Object::from_unknown(to_js(env, &info)?).map_err(|e| internal(e.reason))?;
        // A `Date`, as every FILETIME JS sees (the core's form has the RFC 3339 text).
        let time = to_date(info.update_time);
        (out.set_named_property("updateTime", time)).map_err(|e| internal(e.reason))?;
        Ok(out.to_unknown())
    })
}

/// Reads a generic DPAPI-NG blob without any key (what to fetch before `decryptBlob`).
#[napi(ts_args_type = "blob: Uint8Array", ts_return_type = "BlobInfo")]
pub fn parse_blob<'env>(env: &'env Env, blob: Unknown<'_>) -> Result<Unknown<'env>> {
    guarded(|| {
        let bytes: &[u8] = arg("blob", blob)?;
        to_js(env, &laps_crypto::parse_blob(bytes).map_err(coded)?)
    })
}

/// Reads a Group Key Envelope (`GetKey`'s answer, or `makeGroupKeyEnvelope`'s output): which
/// root key and L0/L1/L2 it is for, its kind and its names. No key material is returned.
#[napi(
    ts_args_type = "data: Uint8Array",
    ts_return_type = "GroupKeyEnvelopeInfo"
)]
pub fn parse_group_key_envelope<'env>(env: &'env Env, data: Unknown<'_>) -> Result<Unknown<'env>> {
    guarded(|| {
        let bytes: &[u8] = arg("data", data)?;
        let info = (laps_crypto::GroupKeyEnvelope::parse(bytes).map_err(coded)?).info();
        to_js(env, &info)
    })
}
