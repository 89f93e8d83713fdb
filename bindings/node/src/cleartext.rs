//! The clear-text LAPS formats: `msLAPS-Password` JSON, legacy `ms-Mcs-AdmPwd`,
//! expiration times and Microsoft Graph `passwordBase64`.

use crate::args::{arg, text_or_bytes, text_or_number};
use crate::credential::LapsCredential;
use crate::error::{coded, Result};
use crate::guard::guarded;
use crate::time::to_date;
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::Buffer;
use napi::Unknown;
use napi_derive::napi;
use zeroize::Zeroizing;

/// Reads a clear-text `msLAPS-Password` JSON `{"n","t","p"}` (tolerant: any
/// field order, escaped or not, `t` in either case), as text or as the attribute's UTF-8 bytes.
#[napi(ts_args_type = "json: string | Uint8Array")]
pub fn parse_laps_password_json(json: Unknown<'_>) -> Result<LapsCredential> {
    guarded(|| {
        let json = Zeroizing::new(text_or_bytes("json", json)?);
        laps_crypto::LapsCredential::from_json_bytes(&json)
            .map(LapsCredential::from)
            .map_err(coded)
    })
}

/// Reads a legacy `ms-Mcs-AdmPwd` value (the bare password, UTF-8).
#[napi(ts_args_type = "value: Uint8Array | string")]
pub fn parse_legacy_password(value: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let bytes = Zeroizing::new(text_or_bytes("value", value)?);
        let p = laps_crypto::cleartext::parse_legacy_password(&bytes).map_err(coded)?;
        Ok(p.expose().to_owned())
    })
}

/// Reads `msLAPS-PasswordExpirationTime` / `ms-Mcs-AdmPwdExpirationTime`: the decimal
/// FILETIME as LDAP gives it (`string` or `Uint8Array`), or as a `bigint` or `number`; `0`
/// gives `null`.
#[napi(ts_args_type = "value: string | Uint8Array | bigint | number")]
pub fn parse_expiration_time(value: Unknown<'_>) -> Result<Option<DateTime<Utc>>> {
    guarded(|| {
        let text = text_or_number("value", value)?;
        Ok(laps_crypto::cleartext::parse_expiration_time(&text)
            .map_err(coded)?
            .map(to_date))
    })
}

/// A decoded Microsoft Graph `passwordBase64`: the password, the encoding detected and the
/// raw bytes, for callers that know the encoding better. Held in native memory (zeroized
/// when collected); `console.log`, `JSON.stringify` and `String()` never show the password.
#[napi]
pub struct GraphPassword {
    inner: laps_crypto::cleartext::GraphPassword,
}

#[napi]
impl GraphPassword {
    /// The password. Reading it is the one explicit step.
    #[napi(getter)]
    pub fn password(&self) -> String {
        self.inner.password.expose().to_owned()
    }

    /// `'utf-16le'` (Microsoft's documented example) or `'utf-8'` (what some scripts assume).
    #[napi(getter, ts_return_type = "'utf-16le' | 'utf-8'")]
    pub fn encoding(&self) -> &'static str {
        self.inner.encoding.as_str()
    }

    /// The base64-decoded bytes (a copy the caller can wipe).
    #[napi(getter)]
    pub fn raw(&self) -> Buffer {
        Buffer::from(self.inner.raw.as_slice())
    }

    /// The JSON form without the password: `{ encoding, password: '<redacted>' }`.
    #[napi(
        js_name = "toJSON",
        ts_return_type = "{ encoding: 'utf-16le' | 'utf-8', password: '<redacted>' }"
    )]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "encoding": self.encoding(), "password": "<redacted>" })
    }

    /// `GraphPassword(password=<redacted>, encoding=…)`.
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!(
            "GraphPassword(password=<redacted>, encoding={})",
            self.encoding()
        )
    }
}

/// Decodes Microsoft Graph `deviceLocalCredentials[].passwordBase64`.
///
/// UNCERTAIN upstream: Microsoft's example is UTF-16LE, some scripts use
/// UTF-8; bytes with a zero byte, of even length and valid as UTF-16LE are
/// read as UTF-16LE, anything else as UTF-8 (the laps-crypto rule).
#[napi(ts_args_type = "passwordBase64: string")]
pub fn decode_graph_password(password_base64: Unknown<'_>) -> Result<GraphPassword> {
    guarded(|| {
        let s: String = arg("passwordBase64", password_base64)?;
        let inner = laps_crypto::cleartext::decode_graph_password(&s).map_err(coded)?;
        Ok(GraphPassword { inner })
    })
}
