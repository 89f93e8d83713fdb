//! `LapsCredential`: the decrypted credential, whose password prints nowhere.

use crate::time::to_date;
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::BigInt;
use napi_derive::napi;

/// A managed account's credential: what every decryption ends with.
///
/// The password is held in native memory (zeroized when the object is
/// collected) and read only through the explicit `password` getter:
/// `console.log(cred)`, `JSON.stringify(cred)` and `String(cred)` never show it.
#[napi]
pub struct LapsCredential {
    inner: laps_crypto::LapsCredential,
}

#[napi]
impl LapsCredential {
    /// The managed account name (`n`).
    #[napi(getter)]
    pub fn account(&self) -> String {
        self.inner.account.clone()
    }

    /// The clear-text password (`p`). Reading it is the one explicit step.
    #[napi(getter)]
    pub fn password(&self) -> String {
        self.inner.password.expose().to_owned()
    }

    /// When the password was set (`t`), as a `Date` (millisecond precision).
    #[napi(getter)]
    pub fn update_time(&self) -> DateTime<Utc> {
        to_date(self.inner.update_time)
    }

    /// When the password was set, as exact FILETIME ticks (100 ns since 1601).
    #[napi(getter)]
    pub fn update_filetime(&self) -> BigInt {
        BigInt::from(self.inner.update_time.ticks())
    }

    /// The JSON form without the password: `{ account, updateTime, password: '<redacted>' }`.
    #[napi(
        js_name = "toJSON",
        ts_return_type = "{ account: string, updateTime: string, password: '<redacted>' }"
    )]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "account": self.inner.account,
            "updateTime": self.inner.update_time.to_rfc3339(),
            "password": "<redacted>",
        })
    }

    /// `LapsCredential(account=…, updateTime=…, password=<redacted>)`.
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!(
            "LapsCredential(account={}, updateTime={}, password=<redacted>)",
            self.inner.account,
            self.inner.update_time.to_rfc3339()
        )
    }
}

impl From<laps_crypto::LapsCredential> for LapsCredential {
    fn from(inner: laps_crypto::LapsCredential) -> Self {
        LapsCredential { inner }
    }
}
