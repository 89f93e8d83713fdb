//! Fetching the keys for a batch of encrypted values with as few GetKey calls as possible.
//!
//! An L2 seed key derives every lower L2 of the same L1 locally ([MS-GKDI] 3.1.4.1.2), so
//! one call per (target SID, root key, L0, L1) serves all values of that group: the call asks
//! for the group's highest L2. The SID is part of the group because the server answers per
//! target security descriptor (a helpdesk may read one group's values and not another's).

use std::collections::BTreeMap;
use std::sync::Arc;

use laps_crypto::{parse_blob, parse_encrypted_attribute, Guid, KeyStore, Sid};

use crate::client::GkdiClient;
use crate::error::{Error, Result};

/// The key a group of values needs: GetKey is asked for (`sid`, `root_key_id`, `l0`, `l1`,
/// the highest `l2`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyGroup {
    /// The target SID of the values' `SID=` protector.
    pub sid: Sid,
    /// Root key id.
    pub root_key_id: Guid,
    /// L0 index.
    pub l0: i32,
    /// L1 index.
    pub l1: i32,
}

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

/// The key group of one value (`blob`: a bare DPAPI-NG blob instead of an attribute value).
pub fn key_group(value: &[u8], blob: bool) -> Result<(KeyGroup, i32)> {
    let info = if blob {
        parse_blob(value)?
    } else {
        parse_encrypted_attribute(value)?.blob
    };
    let (Some(sid), Some(key)) = (info.target_sid, info.key) else {
        return Err(Error::InvalidArgument(format!(
            "the value is not protected to a single SID ({})",
            info.protection_descriptor
        )));
    };
    let sid: Sid = sid
        .parse()
        .map_err(|_| Error::InvalidArgument(format!("bad target SID {sid:?}")))?;
    Ok((
        KeyGroup {
            sid,
            root_key_id: key.root_key_id,
            l0: key.l0,
            l1: key.l1,
        },
        key.l2,
    ))
}

/// Fetches, through `client`, the keys that `values` need and adds them to `store` (bound
/// to their SID): one GetKey call per distinct [`KeyGroup`], in a stable order.
///
/// A failing call (access denied, ...) is reported for every value of its group, and so is
/// an answer holding only the public key (the server's way of saying the caller may encrypt
/// to the SID but not decrypt), as [`ErrorKind::AccessDenied`](crate::ErrorKind). The
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
    let mut groups: BTreeMap<KeyGroup, (i32, Vec<usize>)> = BTreeMap::new();
    for (i, v) in values.iter().enumerate() {
        match key_group(v.as_ref(), blob) {
            Ok((group, l2)) => {
                let entry = groups.entry(group).or_insert((l2, Vec::new()));
                entry.0 = entry.0.max(l2);
                entry.1.push(i);
            }
            Err(e) => report.errors[i] = Some(Arc::new(e)),
        }
    }
    let mut broken: Option<Arc<Error>> = None;
    for (group, (l2, members)) in groups {
        let outcome = match &broken {
            Some(e) => Err(e.clone()),
            None => {
                report.calls += 1;
                client
                    .get_key(&group.sid, Some(group.root_key_id), group.l0, group.l1, l2)
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
            for i in members {
                report.errors[i] = Some(e.clone());
            }
        }
    }
    report
}

/// Errors after which the connection is still usable: those of one call.
fn call_scoped(e: &Error) -> bool {
    use crate::ErrorKind as K;
    matches!(e.kind(), K::AccessDenied | K::GetKey | K::Fault | K::Crypto)
}
