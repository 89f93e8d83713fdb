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
//! Every transport (laps-client in Rust, the Python binding) plans its batches here and
//! drives them with [`KeyFetch`]: which call to make next, what an answer means for the
//! values of its group, and when the batch stops.

use std::collections::BTreeMap;

use laps_crypto::{
    parse_blob, parse_encrypted_attribute, GroupKeyEnvelope, Guid, KeyIndex, KeyStore, Sid,
};

use crate::error::{Error, Result};
use crate::gkdi::GetKeyRequest;
use laps_core::ErrorKind;

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
/// A value that does not parse gives [`Error::Crypto`], and so does one without a SID
/// recipient (a descriptor GetKey cannot be asked for): the
/// [`UnsupportedProtector`](laps_crypto::Error::UnsupportedProtector) error that decrypting
/// it gives.
pub fn key_group(value: &[u8], blob: bool) -> Result<(KeyGroup, KeyIndex)> {
    let info = if blob {
        parse_blob(value)?
    } else {
        parse_encrypted_attribute(value)?.blob
    };
    let (Some(sid), Some(key)) = (info.target_sid, info.key) else {
        return Err(Error::Crypto(laps_crypto::Error::UnsupportedProtector(
            info.protection_descriptor,
        )));
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

/// Adds a GetKey answer to `store`, bound to `sid`. A public-key envelope (the server's answer
/// to a caller who may encrypt to the SID but not decrypt) is [`Error::AccessDenied`] naming
/// the SID; one that does not parse is [`Error::Crypto`].
///
/// ```
/// use laps_crypto::{sample, GroupKeyEnvelope, KeyIndex, KeyStore};
/// let sid = sample::SID.parse()?;
/// let public = GroupKeyEnvelope::from_root_key(
///     &sample::root_key(), &sid, KeyIndex { l0: 361, l1: 0, l2: 0 }, "contoso.com", "contoso.com", true,
/// )?;
/// let err = laps_rpc::batch::store_envelope(&KeyStore::new(), &public.to_bytes(), &sid).unwrap_err();
/// assert_eq!(err.kind(), laps_rpc::ErrorKind::AccessDenied);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn store_envelope(store: &KeyStore, envelope: &[u8], sid: &Sid) -> Result<()> {
    let gke = GroupKeyEnvelope::parse(envelope)?;
    if gke.is_public_key() {
        return Err(Error::AccessDenied {
            target: sid.to_string(),
        });
    }
    store.add_envelope_for_sid(gke, sid);
    Ok(())
}

/// A batch's GetKey calls, driven without I/O: the transport asks for the
/// [`next_call`](Self::next_call), makes its request and reports the outcome with
/// [`answer`](Self::answer) or [`fail`](Self::fail), until there is no next call.
///
/// The rules every transport shares: one call per [`KeyGroup`] ([`plan`]); an answer's
/// envelope goes into the store bound to the group's SID ([`store_envelope`]); a failed call
/// is reported for every value of its group; a failure that leaves the connection usable
/// (access denied, a GetKey HRESULT, a fault) lets the batch go on, one that does not stops
/// it and is reported for every value not fetched yet, and on the first call it is the
/// batch's error (the server could not be used at all: refused credentials, a dropped
/// connection). `E` is the transport's error type; each distinct error is kept once and the
/// values refer to it ([`KeyFetchReport`]).
///
/// ```
/// use laps_rpc::batch::KeyFetch;
/// let values: [&[u8]; 1] = [b"not a value"];
/// let mut fetch = KeyFetch::new(&values, false, |e| e.to_string());
/// assert!(fetch.next_call().is_none()); // nothing to ask for
/// let report = fetch.finish();
/// assert_eq!(report.calls, 0);
/// assert!(report.error_of(0).is_some());
/// ```
#[derive(Debug)]
pub struct KeyFetch<E> {
    calls: Vec<PlannedCall>,
    /// The call the next outcome answers (and how many were made before it).
    next: usize,
    stopped: bool,
    errors: Vec<E>,
    of_value: Vec<Option<usize>>,
}

/// What a [`KeyFetch`] did.
#[derive(Debug)]
pub struct KeyFetchReport<E> {
    /// GetKey calls made.
    pub calls: usize,
    /// The distinct errors.
    pub errors: Vec<E>,
    /// Per input value: the index in `errors` of why its key could not be fetched, `None` when
    /// the store now holds its key.
    pub of_value: Vec<Option<usize>>,
}

impl<E> KeyFetchReport<E> {
    /// Why the key of value `i` could not be fetched (`None`: it was, or `i` is out of range).
    pub fn error_of(&self, i: usize) -> Option<&E> {
        self.errors.get(self.of_value.get(i).copied().flatten()?)
    }
}

impl<E> KeyFetch<E> {
    /// Plans the calls for `values` (`blob`: bare DPAPI-NG blobs); a value that cannot be
    /// planned (it does not parse, or is not protected to a single SID) gets `error(e)`.
    pub fn new<V: AsRef<[u8]>>(
        values: &[V],
        blob: bool,
        mut error: impl FnMut(Error) -> E,
    ) -> Self {
        let plan = plan(values, blob);
        let mut fetch = KeyFetch {
            calls: plan.calls,
            next: 0,
            stopped: false,
            errors: Vec::new(),
            of_value: vec![None; values.len()],
        };
        for (i, e) in plan.errors {
            fetch.record(error(e), &[i]);
        }
        fetch
    }

    /// The next call to make (its [`request`](PlannedCall::request) and group), `None` when
    /// the batch is done (or stopped).
    pub fn next_call(&self) -> Option<&PlannedCall> {
        self.calls.get(self.next).filter(|_| !self.stopped)
    }

    /// Takes the envelope that answered the current call into `store` ([`store_envelope`]);
    /// when it cannot be used, `error(e)` is reported for the call's values.
    pub fn answer(&mut self, store: &KeyStore, envelope: &[u8], error: impl FnOnce(Error) -> E) {
        let Some(call) = self.calls.get(self.next) else {
            return;
        };
        let members = call.members.clone();
        if let Err(e) = store_envelope(store, envelope, &call.group.sid) {
            self.record(error(e), &members);
        }
        self.next += 1;
    }

    /// Reports that the current call failed with `e`; `usable`: the connection can still
    /// make calls (the sans-IO client's `is_ready()`). A failure of the first call that
    /// leaves the connection unusable is returned: the batch failed as a whole.
    pub fn fail(&mut self, e: E, usable: bool) -> core::result::Result<(), E> {
        if !usable && self.next == 0 {
            self.stopped = true;
            return Err(e);
        }
        let Some(call) = self.calls.get(self.next) else {
            return Ok(());
        };
        let members = if usable {
            call.members.clone()
        } else {
            self.stopped = true;
            self.calls[self.next..]
                .iter()
                .flat_map(|c| c.members.iter().copied())
                .collect()
        };
        self.record(e, &members);
        self.next += 1;
        Ok(())
    }

    /// What the batch did.
    pub fn finish(self) -> KeyFetchReport<E> {
        KeyFetchReport {
            calls: self.next,
            errors: self.errors,
            of_value: self.of_value,
        }
    }

    fn record(&mut self, e: E, members: &[usize]) {
        self.errors.push(e);
        for &i in members {
            self.of_value[i] = Some(self.errors.len() - 1);
        }
    }
}

/// A batch decrypted once with the keys a store held, waiting for the keys its values lacked:
/// the rule every live decryption (laps-client's, the Python binding's asyncio one) shares.
///
/// The values whose key was not found ([`missing`](Self::missing)) are what a [`KeyFetch`]
/// fetches; once it is done they are decrypted again and [`finish`](Self::finish) merges the
/// two passes. A value whose key still cannot be found ends with the reason its fetch failed
/// (access denied for its SID, ...), which says more than "key not found".
///
/// ```
/// use laps_rpc::batch::Decryption;
/// let lacking = || laps_crypto::Error::UnknownRootKey { root_key_id: laps_crypto::Guid::default() };
/// let first: Vec<laps_crypto::Result<()>> = vec![Ok(()), Err(lacking())];
/// let pass = Decryption::new(first);
/// assert_eq!(pass.missing(), &[1]);
/// // The fetch was refused; decrypting again still lacks the key.
/// let results = pass.finish(vec![Err(lacking())], [Some("access denied")], |_| "other");
/// assert_eq!(results, vec![Ok(()), Err("access denied")]);
/// ```
#[derive(Debug)]
pub struct Decryption<T> {
    first: Vec<laps_crypto::Result<T>>,
    missing: Vec<usize>,
}

impl<T> Decryption<T> {
    /// `first`: what each value of the batch decrypted to with the store's keys alone.
    pub fn new(first: Vec<laps_crypto::Result<T>>) -> Self {
        let missing = (first.iter().enumerate())
            .filter(|(_, r)| matches!(r, Err(e) if e.kind() == ErrorKind::KeyNotFound))
            .map(|(i, _)| i)
            .collect();
        Decryption { first, missing }
    }

    /// The indices of the values whose key was not found, in order: fetch their keys, then
    /// decrypt them again.
    pub fn missing(&self) -> &[usize] {
        &self.missing
    }

    /// Every value's result: the first pass's, or, for each [`missing`](Self::missing) one,
    /// its result in `again` (the second pass, in the same order), unless that still lacks
    /// the key and `fetch_errors` (one per missing value, in order) says why. Other errors
    /// become `crypto(e)`. Entries of `again` or `fetch_errors` beyond the missing values are
    /// ignored; a missing value without one keeps its first error.
    pub fn finish<E>(
        self,
        again: Vec<laps_crypto::Result<T>>,
        fetch_errors: impl IntoIterator<Item = Option<E>>,
        mut crypto: impl FnMut(laps_crypto::Error) -> E,
    ) -> Vec<core::result::Result<T, E>> {
        let mut results: Vec<core::result::Result<T, E>> = (self.first.into_iter())
            .map(|r| r.map_err(&mut crypto))
            .collect();
        for ((&i, result), why) in (self.missing.iter()).zip(again).zip(fetch_errors) {
            results[i] = match (result, why) {
                (Err(e), Some(why)) if e.kind() == ErrorKind::KeyNotFound => Err(why),
                (result, _) => result.map_err(&mut crypto),
            };
        }
        results
    }
}
