//! The clear-text LAPS formats: `msLAPS-Password` JSON, legacy `ms-Mcs-AdmPwd`,
//! expiration times and Microsoft Graph `passwordBase64`.

use crate::args::arg;
use crate::credential::LapsCredential;
use crate::error::{coded, Result};
use crate::guard::guarded;
use crate::time::to_date;
use chrono::{DateTime, Utc};
use napi::Unknown;
use napi_derive::napi;
use zeroize::Zeroizing;

/// Reads a clear-text `msLAPS-Password` JSON `{"n","t","p"}` (tolerant: any
/// field order, escaped or not, `t` in either case).
#[napi(ts_args_type = "json: string")]
pub fn parse_laps_password_json(json: Unknown<'_>) -> Result<LapsCredential> {
    guarded(|| {
        let json = Zeroizing::new(arg::<String>("json", json)?);
        laps_crypto::LapsCredential::from_json(&json)
            .map(LapsCredential::from)
            .map_err(coded)
    })
}

/// Reads a legacy `ms-Mcs-AdmPwd` value (the bare password, UTF-8).
#[napi(ts_args_type = "value: Uint8Array | string")]
pub fn parse_legacy_password(value: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let bytes = match value.get_type() {
            Ok(napi::ValueType::String) => {
                Zeroizing::new(arg::<String>("value", value)?.into_bytes())
            }
            _ => Zeroizing::new(arg::<&[u8]>("value", value)?.to_vec()),
        };
        let p = laps_crypto::cleartext::parse_legacy_password(&bytes).map_err(coded)?;
        Ok(p.expose().to_owned())
    })
}

/// Reads `msLAPS-PasswordExpirationTime` / `ms-Mcs-AdmPwdExpirationTime` (a
/// decimal FILETIME string); `"0"` gives `null`.
#[napi(ts_args_type = "value: string")]
pub fn parse_expiration_time(value: Unknown<'_>) -> Result<Option<DateTime<Utc>>> {
    guarded(|| {
        let s: String = arg("value", value)?;
        Ok(laps_crypto::cleartext::parse_expiration_time(&s)
            .map_err(coded)?
            .map(to_date))
    })
}

/// Decodes Microsoft Graph `deviceLocalCredentials[].passwordBase64`.
///
/// UNCERTAIN upstream: Microsoft's example is UTF-16LE, some scripts use
/// UTF-8; bytes with a zero byte, of even length and valid as UTF-16LE are
/// read as UTF-16LE, anything else as UTF-8 (the laps-crypto rule).
#[napi(ts_args_type = "passwordBase64: string")]
pub fn decode_graph_password(password_base64: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let s: String = arg("passwordBase64", password_base64)?;
        let g = laps_crypto::cleartext::decode_graph_password(&s).map_err(coded)?;
        Ok(g.password.expose().to_owned())
    })
}
