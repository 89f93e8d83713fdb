//! Planning the GetKey calls for a batch of encrypted values: one call per key group.
//!
//! A group key envelope holds the L2 seed of the index asked for and the L1 seed below it
//! ([MS-GKDI] 2.2.4: `L1(L0, L1 - 1)`, or `L1(L0, L1)` when L2 is 31). From these every lower
//! L2 of the same L1 and every lower L1 of the same L0 derive locally ([MS-GKDI] 3.1.4.1.2;
//! laps-crypto's `GroupKeyEnvelope::l2_seed`), as Windows' own client does with a cached key
//! "newer than the requested group key identifier but [with] the same L0 index" ([MS-GKDI]
//! 3.2.4.1, 3.2.4.3). So one call per (target SID, root key, L0)
//! serves all values of that group: the call asks for the group's highest (L1, L2). The SID is
//! part of the group because the server answers per target security descriptor (a helpdesk
//! may read one group's values and not another's), and the seed keys are derived with the
//! security descriptor; L0 is, because L0 seeds derive only from the root key.
//!
//! Every transport (laps-client in Rust, the Python binding) plans its batches here.

use std::collections::BTreeMap;

use laps_crypto::{parse_blob, parse_encrypted_attribute, Guid, KeyIndex, Sid};

use crate::error::{Error, Result};
use crate::gkdi::GetKeyRequest;

/// The key a group of values needs: GetKey is asked for (`sid`, `root_key_id`, `l0`, the
/// group's highest (L1, L2)).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyGroup {
    /// The target SID of the values' `SID=` protector.
    pub sid: Sid,
    /// Root key id.
    pub root_key_id: Guid,
    /// L0 index.
    pub l0: i32,
}

/// The key group of one value and the value's key index (`blob`: a bare DPAPI-NG blob instead of an
/// `msLAPS-EncryptedPassword` value).
///
/// A value that does not parse gives [`Error::Crypto`]; one not protected to a single SID
/// (a descriptor GetKey cannot be asked for here) gives [`Error::InvalidArgument`].
pub fn key_group(value: &[u8], blob: bool) -> Result<(KeyGroup, KeyIndex)> {
    let info = if blob {
        parse_blob(value)?
    } else {
        parse_encrypted_attribute(value)?.blob
    };
    let (Some(sid), Some(key)) = (info.target_sid, info.key) else {
        return Err(Error::InvalidArgument(
            "the value is not protected to a single SID (no SID= protection descriptor)",
        ));
    };
    let sid: Sid = sid.parse().map_err(|_| {
        Error::InvalidArgument("the value's protection descriptor holds an invalid SID")
    })?;
    Ok((
        KeyGroup {
            sid,
            root_key_id: key.root_key_id,
            l0: key.l0,
        },
        KeyIndex {
            l0: key.l0,
            l1: key.l1,
            l2: key.l2,
        },
    ))
}

/// One planned GetKey call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCall {
    /// The group served.
    pub group: KeyGroup,
    /// The L1 index asked for: the highest among the group's values.
    pub l1: i32,
    /// The L2 index asked for: the highest among the group's values at L1 `l1`.
    pub l2: i32,
    /// Indices (into the input) of the values this call serves, ascending.
    pub members: Vec<usize>,
}

impl PlannedCall {
    /// The GetKey request of this call.
    pub fn request(&self) -> GetKeyRequest {
        GetKeyRequest::for_sid(
            &self.group.sid,
            Some(self.group.root_key_id),
            self.group.l0,
            self.l1,
            self.l2,
        )
    }
}

/// The calls a batch needs, and the values that need none because they cannot be planned.
#[derive(Debug, Default)]
pub struct Plan {
    /// One call per distinct [`KeyGroup`], in a stable (sorted) order.
    pub calls: Vec<PlannedCall>,
    /// `(index, error)` for each value whose group could not be determined.
    pub errors: Vec<(usize, Error)>,
}

/// Groups `values` by [`KeyGroup`]: the minimal set of GetKey calls that serves them all.
///
/// ```
/// let plan = laps_rpc::batch::plan::<&[u8]>(&[], true);
/// assert!(plan.calls.is_empty() && plan.errors.is_empty());
/// ```
pub fn plan<V: AsRef<[u8]>>(values: &[V], blob: bool) -> Plan {
    let mut groups: BTreeMap<KeyGroup, ((i32, i32), Vec<usize>)> = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match key_group(v.as_ref(), blob) {
            Ok((group, index)) => {
                let at = (index.l1, index.l2);
                let entry = groups.entry(group).or_insert((at, Vec::new()));
                entry.0 = entry.0.max(at);
                entry.1.push(i);
            }
            Err(e) => errors.push((i, e)),
        }
    }
    Plan {
        calls: groups
            .into_iter()
            .map(|(group, ((l1, l2), members))| PlannedCall {
                group,
                l1,
                l2,
                members,
            })
            .collect(),
        errors,
    }
}
