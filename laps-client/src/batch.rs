//! Fetching the keys for a batch of encrypted values with as few GetKey calls as possible.
//!
//! One call per (target SID, root key, L0) serves all values of that group: the call asks for
//! the group's highest (L1, L2), and every lower key of the same L0 derives locally from the
//! answer (laps-rpc's planner, [`laps_rpc::batch`], says why).

use std::borrow::BorrowMut;
use std::sync::Arc;

use laps_crypto::{KeyIndex, KeyStore, LapsCredential, Plaintext};
use laps_rpc::batch::{Decryption, PlannedCall};

use crate::client::GkdiClient;
use crate::error::{Error, Result};

/// The key a group of values needs (laps-rpc's planner, shared with the Python binding).
pub use laps_rpc::batch::KeyGroup;

/// What [`fetch_keys`] did.
#[derive(Debug, Default)]
pub struct FetchReport {
    /// GetKey calls made (one per distinct [`KeyGroup`]).
    pub calls: usize,
    /// Per input value: why its key could not be fetched (unparsable value, no `SID=`
    /// protector, or the GetKey error of its group, e.g. access denied), `None` when the
    /// store now has its key.
    pub errors: Vec<Option<Arc<Error>>>,
}

/// The key group of one value (`blob`: a bare DPAPI-NG blob instead of an attribute value)
/// and its key index ([`laps_rpc::batch::key_group`]).
pub fn key_group(value: &[u8], blob: bool) -> Result<(KeyGroup, KeyIndex)> {
    laps_rpc::batch::key_group(value, blob).map_err(planning_error)
}

/// A planning or envelope error in this crate's terms: a value or envelope that does not parse
/// is a crypto error, one without a single SID a usage error.
fn planning_error(e: laps_rpc::Error) -> Error {
    match e {
        laps_rpc::Error::Crypto(c) => Error::Crypto(c),
        laps_rpc::Error::InvalidArgument(m) => Error::InvalidArgument(m.into()),
        other => Error::Rpc(other),
    }
}

/// Fetches the keys that `values` need and adds them to `store` (bound to their SID): one
/// GetKey call per distinct [`KeyGroup`], in a stable order, by the rules of laps-rpc's
/// [`KeyFetch`](laps_rpc::batch::KeyFetch), which every transport shares. The calls go
/// through the client `connect` gives (a new [`GkdiClient`], or `&mut` one to reuse), asked
/// for only when there is a call to make.
///
/// A failing call (access denied, ...) is reported for every value of its group, and so is
/// an answer holding only the public key (the server's way of saying the caller may encrypt
/// to the SID but not decrypt), as [`ErrorDetail::AccessDenied`](crate::ErrorDetail). The
/// connection is used on for the other groups. An error that breaks the connection stops the
/// batch and is reported for every value not fetched yet; on the first call (refused
/// credentials: NTLM learns of them only there; a connection dropped at once) it is the
/// returned error, as the server could not be used at all.
///
/// ```no_run
/// # let (creds, opts) = (laps_client::Credentials::new("CONTOSO\\helpdesk", "…".into())?, Default::default());
/// use laps_client::{fetch_keys, GkdiClient};
/// let store = laps_crypto::KeyStore::new();
/// let values: Vec<Vec<u8>> = vec![/* msLAPS-EncryptedPassword values */];
/// let mut dc = GkdiClient::connect("dc1.contoso.com", &creds, &opts)?;
/// let report = fetch_keys(|| Ok(&mut dc), &store, &values, false)?;
/// println!("{} GetKey calls, {} calls on this connection", report.calls, dc.calls());
/// # Ok::<(), laps_client::Error>(())
/// ```
pub fn fetch_keys<V: AsRef<[u8]>, C: BorrowMut<GkdiClient>>(
    connect: impl FnOnce() -> Result<C>,
    store: &KeyStore,
    values: &[V],
    blob: bool,
) -> Result<FetchReport> {
    let mut fetch = laps_rpc::batch::KeyFetch::new(values, blob, planning_error);
    if fetch.next_call().is_none() {
        return Ok(report(fetch));
    }
    let mut client = connect()?;
    let client = client.borrow_mut();
    while let Some(request) = fetch.next_call().map(PlannedCall::request) {
        match client.get_key_raw(&request) {
            Ok(envelope) => fetch.answer(store, &envelope, planning_error),
            Err(e) => fetch.fail(e, client.is_ready())?,
        }
    }
    Ok(report(fetch))
}

/// The report of a finished [`KeyFetch`](laps_rpc::batch::KeyFetch): each distinct error
/// shared by the values it concerns.
fn report(fetch: laps_rpc::batch::KeyFetch<Error>) -> FetchReport {
    let report = fetch.finish();
    let errors: Vec<Arc<Error>> = report.errors.into_iter().map(Arc::new).collect();
    FetchReport {
        calls: report.calls,
        errors: (report.of_value.iter())
            .map(|i| i.map(|i| Arc::clone(&errors[i])))
            .collect(),
    }
}

/// What [`decrypt_many`] and [`decrypt_blobs`] did.
#[derive(Debug)]
pub struct LiveDecryption<T> {
    /// GetKey calls made (0 when the store held every key).
    pub calls: usize,
    /// Per input value, in order: what it decrypted to, or why not. A value whose key could
    /// not be fetched carries the reason (access denied for its SID, ...), not "key not
    /// found".
    pub results: Vec<Result<T, Arc<Error>>>,
}

/// Decrypts `msLAPS-EncryptedPassword` values with the keys `store` holds, first fetching
/// the keys it lacks through the client `connect` opens ([`fetch_keys`]; `connect` runs only
/// when a key is missing). The fetched keys stay in `store`.
///
/// Fails as a whole only when the server cannot be used at all (`connect` fails, or the
/// first call breaks the connection, e.g. refused credentials); everything else is reported
/// per value.
pub fn decrypt_many<V: AsRef<[u8]> + Sync>(
    store: &KeyStore,
    values: &[V],
    connect: impl FnOnce() -> Result<GkdiClient>,
) -> Result<LiveDecryption<LapsCredential>> {
    decrypt_live(store, values, false, |s, v| s.decrypt_many(v), connect)
}

/// [`decrypt_many`] for bare DPAPI-NG blobs.
pub fn decrypt_blobs<V: AsRef<[u8]> + Sync>(
    store: &KeyStore,
    values: &[V],
    connect: impl FnOnce() -> Result<GkdiClient>,
) -> Result<LiveDecryption<Plaintext>> {
    decrypt_live(
        store,
        values,
        true,
        |s, v| v.iter().map(|b| s.decrypt_blob(b)).collect(),
        connect,
    )
}

/// Decrypts with what `store` has, fetches the keys of the values that lacked one, decrypts
/// those again.
fn decrypt_live<V: AsRef<[u8]> + Sync, T>(
    store: &KeyStore,
    values: &[V],
    blob: bool,
    decrypt: impl Fn(&KeyStore, &[&[u8]]) -> Vec<laps_crypto::Result<T>>,
    connect: impl FnOnce() -> Result<GkdiClient>,
) -> Result<LiveDecryption<T>> {
    let values: Vec<&[u8]> = values.iter().map(AsRef::as_ref).collect();
    let pass = Decryption::new(decrypt(store, &values));
    let wanted: Vec<&[u8]> = pass.missing().iter().map(|&i| values[i]).collect();
    let report = fetch_keys(connect, store, &wanted, blob)?;
    let again = decrypt(store, &wanted);
    let results = pass.finish(again, report.errors, |e| Arc::new(Error::Crypto(e)));
    Ok(LiveDecryption {
        calls: report.calls,
        results,
    })
}
