//! Planning the GetKey calls for a batch of encrypted values: one call per key group.
//!
//! An L2 seed key derives every lower L2 of the same L1 locally ([MS-GKDI] 3.1.4.1.2), so one
//! call per (target SID, root key, L0, L1) serves all values of that group: the call asks for
//! the group's highest L2. The SID is part of the group because the server answers per target
//! security descriptor (a helpdesk may read one group's values and not another's), and the
//! seed keys themselves are derived with the security descriptor.
//!
//! Every transport (laps-client in Rust, the Python binding) plans its batches here.

use std::collections::BTreeMap;

use laps_crypto::{parse_blob, parse_encrypted_attribute, Guid, Sid};

use crate::error::{Error, Result};
use crate::gkdi::GetKeyRequest;

/// The key a group of values needs: GetKey is asked for (`sid`, `root_key_id`, `l0`, `l1`,
/// the group's highest L2).
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

/// The key group of one value and its L2 index (`blob`: a bare DPAPI-NG blob instead of an
/// `msLAPS-EncryptedPassword` value).
///
/// A value that does not parse gives [`Error::Crypto`]; one not protected to a single SID
/// (a descriptor GetKey cannot be asked for here) gives [`Error::InvalidArgument`].
pub fn key_group(value: &[u8], blob: bool) -> Result<(KeyGroup, i32)> {
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
            l1: key.l1,
        },
        key.l2,
    ))
}

/// One planned GetKey call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCall {
    /// The group served.
    pub group: KeyGroup,
    /// The highest L2 among the group's values (the one asked for).
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
            self.group.l1,
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
    let mut groups: BTreeMap<KeyGroup, (i32, Vec<usize>)> = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match key_group(v.as_ref(), blob) {
            Ok((group, l2)) => {
                let entry = groups.entry(group).or_insert((l2, Vec::new()));
                entry.0 = entry.0.max(l2);
                entry.1.push(i);
            }
            Err(e) => errors.push((i, e)),
        }
    }
    Plan {
        calls: groups
            .into_iter()
            .map(|(group, (l2, members))| PlannedCall { group, l2, members })
            .collect(),
        errors,
    }
}
