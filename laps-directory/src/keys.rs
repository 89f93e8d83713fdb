//! Which keys a set of computers needs, so that the I/O layer fetches the minimal set.

use crate::entry::ComputerEntry;
use crate::read::newest_first;
use laps_crypto::{parse_encrypted_attribute, Guid};
use std::collections::{BTreeMap, BTreeSet};

/// One GetKey request: a seed group key envelope for (`root_key_id`, `target_sid`, `l0`) at
/// (`l1`, `l2`) serves every value of that root key, SID and L0 with an older or equal
/// (L1, L2), so one request per (root key, SID, L0) suffices.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyRequest {
    /// The root key id.
    pub root_key_id: Guid,
    /// The protection's SID (GetKey is asked for its security descriptor).
    pub target_sid: String,
    /// L0 index.
    pub l0: i32,
    /// The newest L1 index needed under this L0.
    pub l1: i32,
    /// The newest L2 index needed under that L1.
    pub l2: i32,
    /// Domain DNS name from the key identifier (where to ask).
    pub domain_name: String,
    /// Forest DNS name from the key identifier.
    pub forest_name: String,
}

/// What a set of computers needs to be decrypted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyNeeds {
    /// Root key ids (the `cn` of the `msKds-ProvRootKey` objects to read).
    pub root_key_ids: BTreeSet<Guid>,
    /// The minimal GetKey requests (for callers that cannot read the root keys).
    pub requests: Vec<KeyRequest>,
    /// Every target SID, for naming the authorized decryptors and checking membership.
    pub target_sids: BTreeSet<String>,
}

/// A GetKey request's identity: (root key id, target SID, L0).
type Slot = (Guid, String, i32);
/// The newest (L1, L2) seen for a slot, with the domain and forest names.
type Newest = ((i32, i32), String, String);

/// Lists the keys needed to decrypt the encrypted values of `entries` (history too when
/// `include_history`). Values that do not parse are skipped (they will be reported `Malformed`
/// by the reader and need no key).
///
/// ```
/// let needs = laps_directory::required_keys(&[], true);
/// assert!(needs.requests.is_empty());
/// ```
pub fn required_keys(entries: &[ComputerEntry], include_history: bool) -> KeyNeeds {
    let mut newest: BTreeMap<Slot, Newest> = BTreeMap::new();
    let mut needs = KeyNeeds::default();
    for e in entries {
        let mut values: Vec<&Vec<u8>> = Vec::new();
        values.extend(e.encrypted_password.iter());
        values.extend(e.encrypted_dsrm_password.iter());
        if include_history {
            values.extend(newest_first(&e.encrypted_password_history));
            values.extend(newest_first(&e.encrypted_dsrm_password_history));
        }
        for v in values {
            let Ok(info) = parse_encrypted_attribute(v) else {
                continue;
            };
            for rec in &info.blob.recipients {
                let (Some(key), Some(sid)) = (&rec.key, rec.descriptor.strip_prefix("SID=")) else {
                    continue;
                };
                if sid.contains(' ') {
                    continue;
                }
                needs.root_key_ids.insert(key.root_key_id);
                needs.target_sids.insert(sid.to_owned());
                let slot = newest
                    .entry((key.root_key_id, sid.to_owned(), key.l0))
                    .or_insert((
                        (key.l1, key.l2),
                        key.domain_name.clone(),
                        key.forest_name.clone(),
                    ));
                if (key.l1, key.l2) > slot.0 {
                    slot.0 = (key.l1, key.l2);
                }
            }
        }
    }
    needs.requests = newest
        .into_iter()
        .map(
            |((root_key_id, target_sid, l0), ((l1, l2), domain_name, forest_name))| KeyRequest {
                root_key_id,
                target_sid,
                l0,
                l1,
                l2,
                domain_name,
                forest_name,
            },
        )
        .collect();
    needs
}
