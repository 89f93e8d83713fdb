//! Live keys: MS-GKDI GetKey from a domain controller (or the lab KDS) through laps-client,
//! on a libuv worker thread so the event loop never blocks.
//!
//! `KeyStore.fetchFromDc(values, options)` fills a store with the keys a batch needs (one
//! GetKey call per (SID, root key, L0) group, laps-client's [`fetch_keys`]);
//! `decryptMany(values, options)` decrypts with the keys `options.keyStore` already has and
//! fetches only the missing ones (laps-client's `decrypt_many`); `fetchGroupKeyEnvelope(sid,
//! options)` fetches the current key an encryptor needs. A connection-level failure
//! (unreachable, timeout, no GKDI endpoint, authentication) rejects the promise with its
//! `LAPS_*` code; a failure of one group (access denied, a GetKey fault) is reported for that
//! group's values.

use crate::args::arg;
use crate::credential::LapsCredential;
use crate::error::{client_error, coded, invalid_arg, JsError, Result};
use crate::guard::{caught, guarded, settle, Caught};
use crate::keystore::{values_of, KeyStore};
use laps_client::{fetch_keys, AuthProtocol, ConnectOptions, Credentials, DnsOptions, GkdiClient};
use laps_crypto::Sid;
use napi::bindgen_prelude::{
    AsyncTask, Buffer, ClassInstance, Either, FromNapiValue, Object, ToNapiValue, TypeName,
};
use napi::{Env, Task, Unknown, ValueType};
use napi_derive::napi;
use std::sync::Arc;
use std::time::Duration;

/// A user name and password for a domain controller. The password stays in native memory
/// (zeroized when the object is collected) and never prints: `console.log`, `util.inspect`,
/// `JSON.stringify` and `String()` show only the user name.
#[napi]
pub struct DcCredentials {
    inner: Credentials,
}

#[napi]
impl DcCredentials {
    /// Credentials for `user` (`DOMAIN\user` or `user@REALM`) with `password`.
    #[napi(constructor, ts_args_type = "user: string, password: string")]
    pub fn new(user: Unknown<'_>, password: Unknown<'_>) -> Result<Self> {
        guarded(|| {
            let user: String = arg("user", user)?;
            let password: String = arg("password", password)?;
            Ok(DcCredentials {
                inner: Credentials::new(&user, password).map_err(|e| client_error(&e))?,
            })
        })
    }

    /// The user name as given.
    #[napi(getter)]
    pub fn user(&self) -> String {
        self.inner.user().to_owned()
    }

    /// The JSON form without the password: `{ user, password: '<redacted>' }`.
    #[napi(
        js_name = "toJSON",
        ts_return_type = "{ user: string, password: '<redacted>' }"
    )]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "user": self.inner.user(), "password": "<redacted>" })
    }

    /// `DcCredentials(user=…, password=<redacted>)`.
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!(
            "DcCredentials(user={}, password=<redacted>)",
            self.inner.user()
        )
    }
}

/// Where and how to reach the domain controller: the parsed `DcOptions` object.
pub struct DcSettings {
    dc: String,
    creds: Credentials,
    opts: ConnectOptions,
    blob: bool,
}

/// Reads an optional property, a wrong type being an argument error naming it.
fn property<T: FromNapiValue>(obj: &Object<'_>, name: &str) -> Result<Option<T>> {
    let value: Option<Unknown<'_>> = obj
        .get(name)
        .map_err(|e| invalid_arg(format!("options.{name}: {}", e.reason)))?;
    match value {
        None => Ok(None),
        Some(v) if matches!(v.get_type(), Ok(ValueType::Undefined | ValueType::Null)) => Ok(None),
        Some(v) => arg(&format!("options.{name}"), v).map(Some),
    }
}

/// A port number option.
fn port(obj: &Object<'_>, name: &str) -> Result<Option<u16>> {
    match property::<f64>(obj, name)? {
        None => Ok(None),
        Some(p) if p.fract() == 0.0 && (1.0..=65535.0).contains(&p) => Ok(Some(p as u16)),
        Some(p) => Err(invalid_arg(format!(
            "options.{name} must be a port number from 1 to 65535, got {p}"
        ))),
    }
}

/// The `timeoutMs` option (the core checks its range).
fn timeout(obj: &Object<'_>) -> Result<Option<Duration>> {
    let Some(ms) = property::<f64>(obj, "timeoutMs")? else {
        return Ok(None);
    };
    Duration::try_from_secs_f64(ms / 1000.0)
        .map(Some)
        .map_err(|_| {
            invalid_arg(format!(
                "options.timeoutMs must be a number of milliseconds, got {ms}"
            ))
        })
}

fn dc_settings(options: Unknown<'_>) -> Result<DcSettings> {
    if !matches!(options.get_type(), Ok(ValueType::Object)) {
        return Err(invalid_arg(
            "options must be an object with at least dc and credentials (or user and password)",
        ));
    }
    let obj = Object::from_unknown(options).map_err(|e| invalid_arg(e.reason))?;
    let dc: String =
        property(&obj, "dc")?.ok_or_else(|| invalid_arg("options.dc (the DC host) is required"))?;
    if dc.is_empty() {
        return Err(invalid_arg("options.dc is empty"));
    }
    let creds = match property::<Unknown<'_>>(&obj, "credentials")? {
        Some(c) => {
            let c: ClassInstance<'_, DcCredentials> = arg("options.credentials", c)
                .map_err(|_| invalid_arg("options.credentials must be a DcCredentials"))?;
            c.inner.clone()
        }
        None => {
            let user: String = property(&obj, "user")?
                .ok_or_else(|| invalid_arg("options.credentials or options.user is required"))?;
            let password: String = property(&obj, "password")?
                .ok_or_else(|| invalid_arg("options.password is required with options.user"))?;
            Credentials::new(&user, password).map_err(|e| client_error(&e))?
        }
    };
    let defaults = ConnectOptions::default();
    let mut opts = ConnectOptions {
        protocol: match property::<String>(&obj, "auth")? {
            Some(a) => AuthProtocol::parse(&a).map_err(|e| client_error(&e))?,
            None => defaults.protocol,
        },
        epm_port: port(&obj, "epmPort")?.unwrap_or(defaults.epm_port),
        port: port(&obj, "port")?,
        ..defaults
    };
    opts.auth.kdc = property(&obj, "kdc")?;
    if let Some(io) = timeout(&obj)? {
        opts = opts.with_io_timeout(io).map_err(|e| client_error(&e))?;
    }
    Ok(DcSettings {
        dc,
        creds,
        opts,
        blob: property(&obj, "blob")?.unwrap_or(false),
    })
}

/// What the worker thread did: the call's result, or why the network could not be used at
/// all (the promise rejects with its `LAPS_*` code).
type Outcome<T> = Caught<laps_client::Result<T>>;

/// Opens a connection to the DC (blocking network I/O; on the worker thread).
type Connect<'a> = &'a dyn Fn() -> laps_client::Result<GkdiClient>;

/// The blocking network work of a task.
type Work<T> = Box<dyn FnOnce() -> laps_client::Result<T> + Send>;

/// Blocking network work on a libuv worker thread (`work`), its result made JS data on the
/// event loop (`finish`): the one task behind `decryptMany`, `fetchFromDc`,
/// `fetchGroupKeyEnvelope` and `lookupDc`.
pub struct NetTask<T, J> {
    /// `None` once run.
    work: Option<Work<T>>,
    finish: fn(T) -> J,
}

/// The promise of `work`, resolving to `finish` of its result.
fn net_task<T, J>(
    work: impl FnOnce() -> laps_client::Result<T> + Send + 'static,
    finish: fn(T) -> J,
) -> AsyncTask<NetTask<T, J>>
where
    NetTask<T, J>: Task,
{
    AsyncTask::new(NetTask {
        work: Some(Box::new(work)),
        finish,
    })
}

/// The promise of `work` against the DC of `settings` (a connection opened on demand).
fn dc_task<T, J>(
    s: DcSettings,
    work: impl FnOnce(Connect<'_>) -> laps_client::Result<T> + Send + 'static,
    finish: fn(T) -> J,
) -> AsyncTask<NetTask<T, J>>
where
    NetTask<T, J>: Task,
{
    net_task(
        move || work(&|| GkdiClient::connect(&s.dc, &s.creds, &s.opts)),
        finish,
    )
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for NetTask<T, J> {
    type Output = Outcome<T>;
    type JsValue = J;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let Some(work) = self.work.take() else {
            // napi runs `compute` once per task; this is unreachable.
            return Err(napi::Error::from_reason("a network task ran twice"));
        };
        Ok(caught(work))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        let finish = self.finish;
        settle(
            &env,
            output.map(|r| r.map(finish).map_err(|e| client_error(&e))),
        )
    }
}

/// What `fetchFromDc` resolves to.
#[napi(object, object_from_js = false)]
pub struct FetchReport {
    /// GetKey calls made: one per distinct (SID, root key, L0) group.
    pub calls: u32,
    /// Per value, in order: `null` when the store now holds its key, else why not (an
    /// unparsable value, `LAPS_ACCESS_DENIED` for its group, ...).
    #[napi(ts_type = "Array<LapsError | null>")]
    pub errors: Vec<Option<JsError>>,
}

impl From<laps_client::FetchReport> for FetchReport {
    fn from(report: laps_client::FetchReport) -> Self {
        FetchReport {
            calls: u32::try_from(report.calls).unwrap_or(u32::MAX),
            errors: (report.errors.into_iter())
                .map(|e| e.map(|e| client_error(&e)))
                .collect(),
        }
    }
}

/// Finds a domain controller of `domain` by DNS SRV (`_ldap._tcp.dc._msdcs.<domain>`: the
/// lowest priority, then the highest weight), on a worker thread; resolves to its host name.
/// `options.nameservers` (`'IP'` or `'IP:PORT'`, asked in order) replaces the system's
/// (`/etc/resolv.conf`). Rejects with `LAPS_UNREACHABLE` when DNS names no DC, `LAPS_TIMEOUT`
/// when no server answers, `LAPS_INVALID_ARG` for a name DNS cannot carry.
#[napi(
    ts_args_type = "domain: string, options?: DnsOptions",
    ts_return_type = "Promise<string>"
)]
pub fn lookup_dc(
    domain: Unknown<'_>,
    options: Unknown<'_>,
) -> Result<AsyncTask<NetTask<String, String>>> {
    guarded(|| {
        let domain: String = arg("domain", domain)?;
        let mut opts = DnsOptions::default();
        if let Some(obj) = crate::args::options::<Object<'_>>("options", options)? {
            let servers: Vec<String> = property(&obj, "nameservers")?.unwrap_or_default();
            opts = (opts.with_nameserver_texts(&servers)).map_err(|e| client_error(&e))?;
            if let Some(io) = timeout(&obj)? {
                opts = opts.with_timeout(io).map_err(|e| client_error(&e))?;
            }
        }
        Ok(net_task(
            move || laps_client::lookup_dc(&domain, &opts),
            |host| host,
        ))
    })
}

/// Each value's credential or error, in order.
type LiveResults = Vec<Either<LapsCredential, JsError>>;

fn live_results(live: laps_client::LiveDecryption<laps_crypto::LapsCredential>) -> LiveResults {
    (live.results.into_iter())
        .map(|r| match r {
            Ok(c) => Either::A(c.into()),
            Err(e) => Either::B(client_error(&e)),
        })
        .collect()
}

/// Fetches from a domain controller the current Group Key Envelope of `sid` (a SID or
/// `SID=<sid>`): MS-GKDI GetKey as Windows LAPS asks before it encrypts (no root key, every
/// index -1), on a worker thread. Pass it as `groupKeyEnvelope` to `encryptAttribute` /
/// `encryptBlob`. Unless the caller may read `sid`'s keys it holds only the public key, which
/// is all encrypting needs. Rejects as `decryptMany` does when the DC cannot be used, and with
/// `LAPS_ACCESS_DENIED` when it refuses the key.
#[napi(
    ts_args_type = "sid: string, options: DcOptions",
    ts_return_type = "Promise<Buffer>"
)]
pub fn fetch_group_key_envelope(
    sid: Unknown<'_>,
    options: Unknown<'_>,
) -> Result<AsyncTask<NetTask<laps_crypto::GroupKeyEnvelope, Buffer>>> {
    guarded(|| {
        let sid: String = arg("sid", sid)?;
        let sid = Sid::from_protection_descriptor(&sid).map_err(coded)?;
        Ok(dc_task(
            dc_settings(options)?,
            move |connect| connect()?.current_key(&sid),
            |envelope| Buffer::from(envelope.to_bytes()),
        ))
    })
}

#[napi]
impl KeyStore {
    /// Fetches from a domain controller (MS-GKDI GetKey over sealed DCE/RPC) the keys that
    /// `values` need and adds them to this store: one call per (SID, root key, L0) group,
    /// on a worker thread. Rejects with `LAPS_UNREACHABLE`, `LAPS_TIMEOUT`,
    /// `LAPS_NO_GKDI_ENDPOINT`, `LAPS_AUTH_FAILED`, ... when the DC cannot be used at all.
    #[napi(
        ts_args_type = "values: Uint8Array[], options: DcOptions",
        ts_return_type = "Promise<FetchReport>"
    )]
    pub fn fetch_from_dc(
        &self,
        values: Unknown<'_>,
        options: Unknown<'_>,
    ) -> Result<AsyncTask<NetTask<laps_client::FetchReport, FetchReport>>> {
        guarded(|| {
            let (values, store) = (values_of("values", values)?, self.shared());
            let settings = dc_settings(options)?;
            let blob = settings.blob;
            Ok(dc_task(
                settings,
                move |connect| fetch_keys(connect, &store, &values, blob),
                FetchReport::from,
            ))
        })
    }
}

/// Decrypts `msLAPS-EncryptedPassword` (or history, DSRM) values with keys fetched live from
/// a domain controller: one GetKey call per (SID, root key, L0) group, then a parallel
/// decryption, all on worker threads. Resolves to one result per value, in order (a
/// `LapsCredential` or an `Error` with its `code`, e.g. `LAPS_ACCESS_DENIED`); rejects when
/// the DC cannot be used at all (`LAPS_UNREACHABLE`, `LAPS_TIMEOUT`, `LAPS_NO_GKDI_ENDPOINT`,
/// `LAPS_AUTH_FAILED`, ...). Pass `options.keyStore` to keep the keys for later calls.
#[napi(
    ts_args_type = "values: Uint8Array[], options: DcOptions & { keyStore?: KeyStore }",
    ts_return_type = "Promise<Array<LapsCredential | LapsError>>"
)]
pub fn decrypt_many(
    values: Unknown<'_>,
    options: Unknown<'_>,
) -> Result<AsyncTask<NetTask<laps_client::LiveDecryption<laps_crypto::LapsCredential>, LiveResults>>>
{
    guarded(|| {
        let store = match options.get_type() {
            Ok(ValueType::Object) => {
                let obj = Object::from_unknown(options).map_err(|e| invalid_arg(e.reason))?;
                match property::<Unknown<'_>>(&obj, "keyStore")? {
                    Some(k) => {
                        let k: ClassInstance<'_, KeyStore> = arg("options.keyStore", k)
                            .map_err(|_| invalid_arg("options.keyStore must be a KeyStore"))?;
                        k.shared()
                    }
                    None => Arc::new(laps_crypto::KeyStore::new()),
                }
            }
            _ => Arc::new(laps_crypto::KeyStore::new()),
        };
        let settings = dc_settings(options)?;
        if settings.blob {
            return Err(invalid_arg(
                "decryptMany takes LAPS attribute values; for DPAPI-NG blobs use \
                 KeyStore.fetchFromDc with blob: true, then decryptBlob",
            ));
        }
        let values = values_of("values", values)?;
        Ok(dc_task(
            settings,
            move |connect| laps_client::decrypt_many(&store, &values, connect),
            live_results,
        ))
    })
}
