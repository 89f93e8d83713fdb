//! Fetching the keys for a batch of encrypted values with as few GetKey calls as possible.
//!
//! One call per (target SID, root key, L0) serves all values of that group: the call asks for
//! the group's highest (L1, L2), and every lower key of the same L0 derives locally from the
//! answer (laps-rpc's planner, [`laps_rpc::batch`], says why).

use std::sync::Arc;

use laps_crypto::{KeyIndex, KeyStore};

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

/// A planning error in this crate's terms: a value that does not parse is a crypto error, one
/// without a single SID a usage error.
fn planning_error(e: laps_rpc::Error) -> Error {
    match e {
        laps_rpc::Error::Crypto(c) => Error::Crypto(c),
        laps_rpc::Error::InvalidArgument(m) => Error::InvalidArgument(m.into()),
        other => Error::Rpc(other),
    }
}

/// Fetches, through `client`, the keys that `values` need and adds them to `store` (bound
/// to their SID): one GetKey call per distinct [`KeyGroup`], in a stable order.
///
/// A failing call (access denied, ...) is reported for every value of its group, and so is
/// an answer holding only the public key (the server's way of saying the caller may encrypt
/// to the SID but not decrypt), as [`ErrorDetail::AccessDenied`](crate::ErrorDetail). The
/// connection is used on for the other groups. An error that breaks the connection stops the
/// batch and is reported for every value not fetched yet.
pub fn fetch_keys<V: AsRef<[u8]>>(
    client: &mut GkdiClient,
    store: &KeyStore,
    values: &[V],
    blob: bool,
) -> FetchReport {
    let mut report = FetchReport {
        calls: 0,
        errors: vec![None; values.len()],
    };
    let plan = laps_rpc::batch::plan(values, blob);
    for (i, e) in plan.errors {
        report.errors[i] = Some(Arc::new(planning_error(e)));
    }
    let mut broken: Option<Arc<Error>> = None;
    for call in plan.calls {
        let group = &call.group;
        let outcome = match &broken {
            Some(e) => Err(e.clone()),
            None => {
                report.calls += 1;
                client
                    .get_key_for(&call.request())
                    .and_then(|gke| {
                        // A server that may not give the caller the seed keys answers with
                        // the public key (enough to encrypt, not to decrypt).
                        if gke.is_public_key() {
                            return Err(laps_rpc::Error::AccessDenied {
                                target: group.sid.to_string(),
                            }
                            .into());
                        }
                        store.add_envelope_for_sid(gke, &group.sid);
                        Ok(())
                    })
                    .map_err(|e| {
                        let e = Arc::new(e);
                        if !call_scoped(&e) {
                            broken = Some(e.clone());
                        }
                        e
                    })
            }
        };
        if let Err(e) = outcome {
            for i in call.members {
                report.errors[i] = Some(e.clone());
            }
        }
    }
    report
}

/// Errors after which the connection is still usable: those of one call.
fn call_scoped(e: &Error) -> bool {
    use crate::ErrorDetail as K;
    matches!(
        e.detail(),
        K::AccessDenied | K::GetKey | K::Fault | K::Crypto
    )
}
