//! The group key envelopes of a [`crate::KeyStore`]: indexed by (root key, L0), optionally bound
//! to the target SID they were issued for, de-duplicated, and bounded.
//!
//! A seed envelope carries no SID, but its seeds belong to one target security descriptor
//! (`L1seed(L0, 31)` mixes it in). A store may therefore hold several envelopes that cover the
//! same (root key, L0, L1, L2), one per SID (GetKey answers for principals that differ per OU).
//! Lookup returns, in a fixed order, the covering envelopes bound to the blob's SID and then the
//! unbound ones, at most [`MAX_CANDIDATES`]; the caller tries each until one unwraps.

use crate::gke::GroupKeyEnvelope;
use crate::key_identifier::KeyIndex;
use crate::Guid;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Up to 68 bytes of binary SID, as a fixed-size hash key (no allocation per lookup).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SidKey {
    len: u8,
    bytes: [u8; 68],
}

impl SidKey {
    pub(crate) fn new(sid: &crate::Sid) -> Self {
        let b = sid.to_bytes();
        let mut bytes = [0u8; 68];
        let len = b.len().min(68);
        bytes[..len].copy_from_slice(&b[..len]);
        SidKey {
            len: len as u8,
            bytes,
        }
    }
}

/// Covering envelopes tried per recipient at most (bound ones first, then unbound ones).
pub(crate) const MAX_CANDIDATES: usize = 8;

/// Seed envelopes kept at most; adding one more drops the oldest.
pub(crate) const MAX_ENVELOPES: usize = 4096;

/// One stored seed envelope.
#[derive(Clone)]
pub(crate) struct Entry {
    /// Stable identity (cache keys use it; never reused).
    pub(crate) id: u64,
    pub(crate) gke: Arc<GroupKeyEnvelope>,
    /// The target SID the envelope was issued for, when known.
    pub(crate) sid: Option<SidKey>,
}

/// What an [`Envelopes::add`] changed.
#[derive(Default)]
pub(crate) struct Added {
    /// Entries dropped (superseded or evicted): their cached seeds should go too.
    pub(crate) removed: Vec<u64>,
}

/// Seed envelopes by (root key, L0), plus the root keys named by any envelope (public-key
/// envelopes included, to tell "unknown root key" from "not covered").
#[derive(Default)]
pub(crate) struct Envelopes {
    buckets: HashMap<(Guid, i32), Vec<Entry>>,
    known_roots: HashSet<Guid>,
    next_id: u64,
    count: usize,
}

impl Envelopes {
    /// Number of stored seed envelopes.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// True when any envelope (seed or public key) named this root key.
    pub(crate) fn knows_root(&self, root: Guid) -> bool {
        self.known_roots.contains(&root)
    }

    /// Adds an envelope, optionally bound to its target SID.
    ///
    /// De-duplication: an envelope whose seeds another stored envelope already derives (same
    /// root key, L0 and target SID, equal or older index) is not stored again — at most a missing
    /// SID binding is added to the stored one; a stored envelope that the new one derives is
    /// replaced. "Derives" is checked by deriving the older envelope's L2 seed from the newer one
    /// and comparing (constant time), so it holds whatever the bindings say.
    pub(crate) fn add(&mut self, gke: GroupKeyEnvelope, sid: Option<SidKey>) -> Added {
        let mut added = Added::default();
        self.known_roots.insert(gke.root_key_id);
        if gke.is_public_key() {
            return added;
        }
        let key = (gke.root_key_id, gke.index.l0);
        let bucket = self.buckets.entry(key).or_default();
        for e in bucket.iter_mut() {
            if implies(&e.gke, &gke) {
                if e.sid.is_none() {
                    e.sid = sid;
                }
                return added;
            }
        }
        let mut sid = sid;
        bucket.retain(|e| {
            if implies(&gke, &e.gke) {
                sid = sid.or(e.sid);
                added.removed.push(e.id);
                false
            } else {
                true
            }
        });
        self.count -= added.removed.len();
        let id = self.next_id;
        self.next_id += 1;
        bucket.push(Entry {
            id,
            gke: Arc::new(gke),
            sid,
        });
        self.count += 1;
        if self.count > MAX_ENVELOPES {
            added.removed.extend(self.evict_oldest());
        }
        added
    }

    /// Drops the entry with the smallest id.
    fn evict_oldest(&mut self) -> Option<u64> {
        let (&key, pos, id) = self
            .buckets
            .iter()
            .flat_map(|(k, v)| v.iter().enumerate().map(move |(i, e)| (k, i, e.id)))
            .min_by_key(|&(_, _, id)| id)?;
        let bucket = self.buckets.get_mut(&key)?;
        bucket.remove(pos);
        if bucket.is_empty() {
            self.buckets.remove(&key);
        }
        self.count -= 1;
        Some(id)
    }

    /// Binds an unbound entry to a SID (after it opened a blob for that SID).
    pub(crate) fn bind(&mut self, root: Guid, l0: i32, id: u64, sid: SidKey) {
        if let Some(e) = self
            .buckets
            .get_mut(&(root, l0))
            .and_then(|b| b.iter_mut().find(|e| e.id == id))
        {
            e.sid.get_or_insert(sid);
        }
    }

    /// The envelopes that cover `index` of `root` and may belong to `sid`: those bound to `sid`,
    /// then the unbound ones, each group in insertion order, at most [`MAX_CANDIDATES`]. The
    /// second value is true when some envelope covers the index (bound to another SID or not).
    pub(crate) fn candidates(
        &self,
        root: Guid,
        index: KeyIndex,
        sid: &SidKey,
    ) -> (Vec<Entry>, bool) {
        let Some(bucket) = self.buckets.get(&(root, index.l0)) else {
            return (Vec::new(), false);
        };
        let covering = || bucket.iter().filter(|e| e.gke.covers(root, index));
        let bound = covering().filter(|e| e.sid.as_ref() == Some(sid));
        let unbound = covering().filter(|e| e.sid.is_none());
        let out: Vec<Entry> = bound.chain(unbound).take(MAX_CANDIDATES).cloned().collect();
        let any = !out.is_empty() || covering().next().is_some();
        (out, any)
    }
}

/// True when `a` derives every key `b` holds: same root key and L0, `a` covers every index `b`
/// covers, and the L2 seed `a` derives at `b`'s index equals `b`'s own (so both belong to the
/// same target SID).
fn implies(a: &GroupKeyEnvelope, b: &GroupKeyEnvelope) -> bool {
    let root = b.root_key_id;
    if a.root_key_id != root || a.index.l0 != b.index.l0 || !a.covers(root, b.index) {
        return false;
    }
    // Coverage is downward closed in L2 within an L1, so whole L1s are probed at L2 = 31.
    let whole_l1s_covered = (0..=31).all(|l1| {
        let probe = KeyIndex {
            l0: b.index.l0,
            l1,
            l2: 31,
        };
        !b.covers(root, probe) || a.covers(root, probe)
    });
    whole_l1s_covered
        && match (a.l2_seed(b.index), b.l2_seed(b.index)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
}
