//! [`KeyStore`]: root keys and group key envelopes, a thread-safe cache of derived seed keys and
//! group private keys, and decryption.

use crate::attribute::{LapsHeader, HEADER_LEN};
use crate::cache::BoundedCache;
use crate::cms::{DpapiNgBlob, KekRecipient};
use crate::cng::{DhGroup, PublicKeyBlob, SecretAgreement};
use crate::content::{gcm_decrypt, private_kek, public_kek, unwrap_cek, Key256};
use crate::envelopes::{Entry, Envelopes, SidKey};
use crate::gke::GroupKeyEnvelope;
use crate::kdf::KdfHash;
use crate::key_identifier::{KeyIdentifier, KeyIndex, KeyInfo};
use crate::seed::{self, SeedKey};
use crate::sid::target_security_descriptor;
use crate::{agreement, Error, Guid, LapsCredential, Result, RootKey, Sid};
use core::fmt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

/// Seeds (and, separately, group private keys) cached at most; the oldest are evicted first.
const MAX_CACHED_SEEDS: usize = 1 << 16;

/// `SID=` recipients of one blob that are tried at most. LAPS writes exactly one; a generic
/// `NCryptProtectSecret` descriptor `SID=A OR SID=B …` rarely names more than a few. A value with
/// more is refused with [`Error::UnsupportedProtector`] before any key is derived, so one hostile
/// value cannot buy more than this many seed walks and key agreements.
pub const MAX_SID_RECIPIENTS: usize = 8;

/// Key sources (root key or envelopes) tried per value at most, over all its recipients: each
/// try costs a seed walk and, on the public-key path, one exponentiation.
pub const MAX_KEY_ATTEMPTS: usize = 16;

/// A decrypted DPAPI-NG payload: zeroized on drop, redacted in `Debug`, compared in constant time
/// (for equal lengths).
#[derive(Clone)]
pub struct Plaintext(Zeroizing<Vec<u8>>);

impl PartialEq for Plaintext {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}

impl Eq for Plaintext {}

impl Plaintext {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext(<redacted, {} bytes>)", self.0.len())
    }
}

/// Where a cached seed comes from: a root key (with the epoch it was added in, so that a
/// replaced key's seeds can never serve its successor) and a target SID, or one stored envelope.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Origin {
    Root(Guid, u64, SidKey),
    Envelope(u64),
}

/// A node of the seed tree: L0 seed (l1 = l2 = −1), L1 seed (l2 = −1) or L2 seed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct SeedId {
    origin: Origin,
    l0: i32,
    l1: i32,
    l2: i32,
}

impl SeedId {
    fn l2(origin: Origin, index: KeyIndex) -> Self {
        SeedId {
            origin,
            l0: index.l0,
            l1: index.l1,
            l2: index.l2,
        }
    }
}

/// Most seeds one root-key walk derives: L0, L1(31), 31 more L1 seeds, L2(31), 31 more L2 seeds.
const MAX_WALK: usize = 65;

/// A root key with the epoch it was added in.
struct RootEntry {
    key: Arc<RootKey>,
    epoch: u64,
}

/// How to derive from the selected key source.
struct Params<'a> {
    hash: KdfHash,
    agreement: SecretAgreement,
    private_key_bits: u32,
    dh_group: Option<&'a DhGroup>,
}

/// Root keys and group key envelopes, with a cache of everything derived from them.
///
/// * The key source is selected by the blob's root key GUID: a root key if one was added, else
///   the seed envelopes with that GUID and L0 that cover the blob's (L1, L2) — first those bound
///   to the blob's target SID ([`KeyStore::add_envelope_for_sid`]), then unbound ones, each tried
///   until one unwraps the content key (at most [`MAX_KEY_ATTEMPTS`] per value). An unbound
///   envelope that opens a blob is bound to that blob's SID from then on.
/// * L0/L1/L2 seeds and group private keys are cached per (root key, target SID, L0, L1, L2), so a
///   domain dump pays each derivation once; cached secrets are boxed (a table resize moves no key
///   bytes), zeroized when dropped, and the oldest are evicted beyond 65 536 entries.
/// * DH agreements always use the full private exponent (what Windows computes for every public
///   value), so a decryption's time depends only on public data: the blob, the key lengths, and
///   which of the stored keys it needs.
/// * `Send + Sync`, every method takes `&self`: share one store across threads (or bindings).
///
/// ```
/// use laps_crypto::{encrypt, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, RootKey};
/// use laps_core::{FileTime, Password};
///
/// let root = RootKey::new("93b65561-b7f7-bed4-bca2-a7428e3819fd".parse()?, &[7; 64])?;
/// let sid = "S-1-5-21-1-2-3-512".parse()?;
/// let now = FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
/// // What the LAPS client does: get a public-key GKE, encrypt.
/// let gke = GroupKeyEnvelope::from_root_key(&root, &sid, KeyIndex::from_filetime(now), "contoso.com", "contoso.com", true)?;
/// let cred = LapsCredential::new("Administrator", Password::from("Z,E2q68}"), now);
/// let value = encrypt::encrypt_credential(&gke, &sid, &cred, &mut rand_core::OsRng)?;
///
/// let store = KeyStore::new();
/// store.add_root_key(root);
/// assert_eq!(store.decrypt_attribute(&value)?, cred);
/// # Ok::<(), laps_crypto::Error>(())
/// ```
pub struct KeyStore {
    root_keys: RwLock<HashMap<Guid, RootEntry>>,
    envelopes: RwLock<Envelopes>,
    seeds: RwLock<BoundedCache<SeedId, Box<SeedKey>>>,
    group_secrets: RwLock<BoundedCache<SeedId, Arc<Zeroizing<Vec<u8>>>>>,
    epoch: AtomicU64,
}

impl Default for KeyStore {
    fn default() -> Self {
        KeyStore {
            root_keys: RwLock::default(),
            envelopes: RwLock::default(),
            seeds: RwLock::new(BoundedCache::new(MAX_CACHED_SEEDS)),
            group_secrets: RwLock::new(BoundedCache::new(MAX_CACHED_SEEDS)),
            epoch: AtomicU64::new(0),
        }
    }
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("root_keys", &read(&self.root_keys).len())
            .field("envelopes", &read(&self.envelopes).len())
            .field("cached_seeds", &read(&self.seeds).len())
            .finish()
    }
}

/// Poison-tolerant lock helpers: a panic elsewhere must not make the store unusable.
fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// A key source matched to one recipient.
enum Candidate {
    Root(Arc<RootKey>, u64),
    Envelope(Entry),
}

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a root key; its cached derivations are dropped. A decryption that is
    /// still using the replaced key when this returns cannot leave seeds the new key would use:
    /// cache entries carry the epoch of the key they came from.
    pub fn add_root_key(&self, key: RootKey) {
        let id = key.id();
        let epoch = self.epoch.fetch_add(1, Ordering::Relaxed) + 1;
        write(&self.root_keys).insert(
            id,
            RootEntry {
                key: Arc::new(key),
                epoch,
            },
        );
        let from_root = |k: &SeedId| matches!(k.origin, Origin::Root(g, _, _) if g == id);
        write(&self.seeds).retain(|k| !from_root(k));
        write(&self.group_secrets).retain(|k| !from_root(k));
    }

    /// Adds a group key envelope (a GetKey answer) whose target SID is not known. Only seed
    /// envelopes can decrypt. Envelopes are de-duplicated: one whose keys a stored envelope
    /// already derives (same root key, L0 and SID, older index) is not stored again, and a newer
    /// one replaces the older. At most 4096 seed envelopes are kept (the oldest go first).
    pub fn add_group_key_envelope(&self, gke: GroupKeyEnvelope) {
        self.add_envelope(gke, None);
    }

    /// Adds a group key envelope issued for `sid` (the GetKey client knows the SID it asked
    /// for: the target SID of the blob's `SID=` protector). Bound envelopes are tried before
    /// unbound ones, and only for blobs protected to that SID; envelopes of other SIDs that cover
    /// the same (root key, L0, L1, L2) do not get in the way.
    pub fn add_envelope_for_sid(&self, gke: GroupKeyEnvelope, sid: &Sid) {
        self.add_envelope(gke, Some(SidKey::new(sid)));
    }

    fn add_envelope(&self, gke: GroupKeyEnvelope, sid: Option<SidKey>) {
        let added = write(&self.envelopes).add(gke, sid);
        if !added.removed.is_empty() {
            let gone =
                |k: &SeedId| matches!(k.origin, Origin::Envelope(i) if added.removed.contains(&i));
            write(&self.seeds).retain(|k| !gone(k));
            write(&self.group_secrets).retain(|k| !gone(k));
        }
    }

    /// Parses and adds a group key envelope.
    pub fn add_group_key_envelope_bytes(&self, gke: &[u8]) -> Result<()> {
        self.add_group_key_envelope(GroupKeyEnvelope::parse(gke)?);
        Ok(())
    }

    /// Parses and adds a group key envelope issued for `sid` (see
    /// [`KeyStore::add_envelope_for_sid`]).
    pub fn add_envelope_bytes_for_sid(&self, gke: &[u8], sid: &Sid) -> Result<()> {
        self.add_envelope_for_sid(GroupKeyEnvelope::parse(gke)?, sid);
        Ok(())
    }

    /// Decrypts one `msLAPS-EncryptedPassword` / `…History` / `…DSRMPassword` value
    /// (16-byte header + DPAPI-NG blob with the ciphertext after the CMS).
    pub fn decrypt_attribute(&self, value: &[u8]) -> Result<LapsCredential> {
        let (_, blob) = LapsHeader::split(value)?;
        let blob = DpapiNgBlob::parse(blob, HEADER_LEN)?;
        LapsCredential::from_plaintext(self.decrypt_parsed(&blob)?.as_bytes())
    }

    /// Decrypts a DPAPI-NG blob (`NCryptProtectSecret` output, ciphertext inside or after the CMS).
    pub fn decrypt_blob(&self, blob: &[u8]) -> Result<Plaintext> {
        self.decrypt_parsed(&DpapiNgBlob::parse(blob, 0)?)
    }

    /// Decrypts many attribute values (a domain dump, or every value of a history attribute):
    /// one result per input, in order; one failing value never affects the others.
    /// Runs on the rayon pool with the default `parallel` feature.
    pub fn decrypt_many<V: AsRef<[u8]> + Sync>(&self, values: &[V]) -> Vec<Result<LapsCredential>> {
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            values
                .par_iter()
                .map(|v| self.decrypt_attribute(v.as_ref()))
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            values
                .iter()
                .map(|v| self.decrypt_attribute(v.as_ref()))
                .collect()
        }
    }

    /// Number of cached seed keys (for diagnostics and tests).
    pub fn cached_seed_count(&self) -> usize {
        read(&self.seeds).len()
    }

    /// Number of stored seed envelopes, after de-duplication (for diagnostics and tests).
    pub fn envelope_count(&self) -> usize {
        read(&self.envelopes).len()
    }

    fn decrypt_parsed(&self, blob: &DpapiNgBlob) -> Result<Plaintext> {
        let recipients = blob.sid_recipients().count();
        if recipients > MAX_SID_RECIPIENTS {
            return Err(Error::UnsupportedProtector(format!(
                "{recipients} SID recipients (at most {MAX_SID_RECIPIENTS} are tried)"
            )));
        }
        let mut budget = MAX_KEY_ATTEMPTS;
        let mut first_error = None;
        // An OR descriptor gives several SID recipients: try each.
        for (recipient, sid) in blob.sid_recipients() {
            let attempt = self
                .open_recipient(recipient, &sid, &mut budget)
                .and_then(|cek| gcm_decrypt(&cek, &blob.nonce, &blob.ciphertext));
            match attempt {
                Ok(pt) => return Ok(Plaintext(pt)),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error
            .unwrap_or_else(|| Error::UnsupportedProtector(blob.protection_descriptor())))
    }

    /// Finds the key sources for one SID recipient and tries each (in a fixed order) until one
    /// unwraps the CEK; `budget` bounds the tries over the whole value.
    fn open_recipient(
        &self,
        recipient: &KekRecipient,
        sid: &Sid,
        budget: &mut usize,
    ) -> Result<Key256> {
        let ki =
            KeyIdentifier::parse_at(&recipient.key_identifier, recipient.key_identifier_offset)?;
        let sid_key = SidKey::new(sid);
        for candidate in self.candidates(&ki, sid_key)? {
            if *budget == 0 {
                break;
            }
            *budget -= 1;
            let (origin, l2, source) = match &candidate {
                Candidate::Root(root, epoch) => {
                    let origin = Origin::Root(ki.root_key_id, *epoch, sid_key);
                    let Some(l2) = self.walk(Top::Root(root, sid), origin, ki.index) else {
                        continue;
                    };
                    (origin, l2, Source::Root(root))
                }
                Candidate::Envelope(e) => {
                    let origin = Origin::Envelope(e.id);
                    let Some(l2) = self.walk(Top::Envelope(&e.gke), origin, ki.index) else {
                        continue;
                    };
                    (origin, l2, Source::Envelope(&e.gke))
                }
            };
            let opened = self.unwrap_with(&ki, recipient, origin, &l2, &source.params());
            match (opened, &candidate) {
                (Ok(cek), Candidate::Envelope(e)) => {
                    if e.sid.is_none() {
                        write(&self.envelopes).bind(ki.root_key_id, ki.index.l0, e.id, sid_key);
                    }
                    return Ok(cek);
                }
                (Ok(cek), Candidate::Root(..)) => return Ok(cek),
                (Err(Error::DecryptionFailed), _) => continue,
                (Err(e), _) => return Err(e),
            }
        }
        Err(Error::DecryptionFailed)
    }

    /// The key sources for a KeyIdentifier: the root key if one was added, else the covering
    /// envelopes (bound to `sid` first). Errors when there is none.
    fn candidates(&self, ki: &KeyIdentifier, sid: SidKey) -> Result<Vec<Candidate>> {
        let id = ki.root_key_id;
        if let Some(root) = read(&self.root_keys).get(&id) {
            return Ok(vec![Candidate::Root(Arc::clone(&root.key), root.epoch)]);
        }
        let envelopes = read(&self.envelopes);
        let (found, any_covering) = envelopes.candidates(id, ki.index, &sid);
        if !found.is_empty() {
            return Ok(found.into_iter().map(Candidate::Envelope).collect());
        }
        if any_covering || envelopes.knows_root(id) {
            Err(Error::KeyNotCovered {
                root_key_id: id,
                l0: ki.index.l0,
                l1: ki.index.l1,
                l2: ki.index.l2,
            })
        } else {
            Err(Error::UnknownRootKey { root_key_id: id })
        }
    }

    /// Derives the KEK from an L2 seed and unwraps the CEK.
    fn unwrap_with(
        &self,
        ki: &KeyIdentifier,
        recipient: &KekRecipient,
        origin: Origin,
        l2: &SeedKey,
        params: &Params<'_>,
    ) -> Result<Key256> {
        match &ki.key_info {
            KeyInfo::Nonce(nonce) => unwrap_cek(
                &private_kek(params.hash, l2, nonce),
                &recipient.encrypted_key,
            ),
            KeyInfo::PublicKey(peer) => {
                check_peer(peer, params)?;
                let secret = self.group_secret(SeedId::l2(origin, ki.index), l2, params);
                // Always the full private key: `y^x` is what Windows computes for every `y`
                // the range check admits (see dh.rs), and the time does not depend on the key.
                let z = agreement::shared_secret(&secret, peer)?;
                let kek = public_kek(
                    params.hash,
                    &agreement::concat_kdf_output(params.agreement, &z),
                );
                unwrap_cek(&kek, &recipient.encrypted_key)
            }
        }
    }

    /// The group private key of one L2 key (cached).
    fn group_secret(
        &self,
        id: SeedId,
        l2: &SeedKey,
        params: &Params<'_>,
    ) -> Arc<Zeroizing<Vec<u8>>> {
        if let Some(s) = read(&self.group_secrets).get(&id) {
            return Arc::clone(s);
        }
        let secret = Arc::new(seed::group_private_key(
            params.hash,
            l2,
            params.agreement,
            params.private_key_bits,
        ));
        if self.origin_is_current(id.origin) {
            write(&self.group_secrets).insert(id, Arc::clone(&secret));
        }
        secret
    }

    /// `L2seed(index)` from a root key or an envelope, reusing the nearest cached ancestor and
    /// caching every seed derived on the way: a domain dump walks each L1 and L2 chain once.
    /// `None` when the envelope does not cover `index`.
    fn walk(&self, top: Top<'_>, origin: Origin, index: KeyIndex) -> Option<SeedKey> {
        let (h, id, l0) = (top.kdf_hash(), top.root_key_id(), index.l0);
        let node = |l1: i32, l2: i32| SeedId { origin, l0, l1, l2 };
        // Reserved up front: a reallocation would free a block holding seeds, unwiped.
        let mut derived: Vec<(SeedId, Box<SeedKey>)> = Vec::with_capacity(MAX_WALK);
        let mut keep = |n: SeedId, k: &SeedKey| derived.push((n, Box::new(k.clone())));
        let cached = |n: SeedId| read(&self.seeds).get(&n).map(|k| SeedKey::clone(k));
        // 1. The nearest cached L2 seed at or above the target in the same L1; 2. else the
        // nearest cached L1 seed at or above the target L1; 3. else the key source's own start.
        let start = match (index.l2..=31).find_map(|m| cached(node(index.l1, m)).map(|k| (k, m))) {
            Some((k, m)) => Start::L2(k, m),
            None => match (index.l1..=31).find_map(|n| cached(node(n, -1)).map(|k| (k, n))) {
                Some((k, n)) => Start::L1(k, n),
                None => match top {
                    Top::Root(root, sid) => {
                        let l0_seed = match cached(node(-1, -1)) {
                            Some(k) => k,
                            None => {
                                let k = seed::l0_seed(h, root.data(), id, l0);
                                keep(node(-1, -1), &k);
                                k
                            }
                        };
                        let sd = target_security_descriptor(sid);
                        let k = seed::l1_seed_at_31(h, &l0_seed, id, l0, &sd);
                        keep(node(31, -1), &k);
                        Start::L1(k, 31)
                    }
                    Top::Envelope(gke) => match gke.derivation_start(id, index)? {
                        (k, _, Some(m)) => Start::L2(k.clone(), m),
                        (k, n, None) => Start::L1(k.clone(), n),
                    },
                },
            },
        };
        let (mut l2, from) = match start {
            Start::L2(k, m) => (k, m),
            Start::L1(mut l1_seed, n) => {
                for m in (index.l1..n).rev() {
                    l1_seed = seed::derive(h, l1_seed.as_bytes(), id, l0, m, -1, &[]);
                    keep(node(m, -1), &l1_seed);
                }
                let k = seed::l2_seed_at_31(h, &l1_seed, id, l0, index.l1);
                keep(node(index.l1, 31), &k);
                (k, 31)
            }
        };
        for m in (index.l2..from).rev() {
            l2 = seed::derive(h, l2.as_bytes(), id, l0, index.l1, m, &[]);
            keep(node(index.l1, m), &l2);
        }
        if !derived.is_empty() {
            self.insert_seeds(derived);
        }
        Some(l2)
    }

    /// True unless `origin` is a root key that has been replaced since (its seeds would be
    /// unreachable garbage in the cache).
    fn origin_is_current(&self, origin: Origin) -> bool {
        match origin {
            Origin::Root(id, epoch, _) => {
                read(&self.root_keys).get(&id).map(|r| r.epoch) == Some(epoch)
            }
            Origin::Envelope(_) => true,
        }
    }

    fn insert_seeds(&self, seeds: Vec<(SeedId, Box<SeedKey>)>) {
        let Some(first) = seeds.first() else {
            return;
        };
        if !self.origin_is_current(first.0.origin) {
            return;
        }
        let mut map = write(&self.seeds);
        for (id, k) in seeds {
            map.insert(id, k);
        }
    }
}

/// The key source a blob was matched to.
enum Source<'a> {
    Root(&'a RootKey),
    Envelope(&'a GroupKeyEnvelope),
}

impl Source<'_> {
    fn params(&self) -> Params<'_> {
        match self {
            Source::Root(r) => Params {
                hash: r.kdf_hash(),
                agreement: r.secret_agreement(),
                private_key_bits: r.private_key_bits(),
                dh_group: r.dh_group(),
            },
            Source::Envelope(g) => Params {
                hash: g.kdf_hash,
                agreement: g.secret_agreement,
                private_key_bits: g.private_key_bits,
                dh_group: g.dh_group.as_ref(),
            },
        }
    }
}

/// Where a seed walk starts when the cache has no ancestor of the target.
#[derive(Clone, Copy)]
enum Top<'a> {
    /// A root key: the L0 seed, then `L1seed(L0, 31)` with the target's security descriptor.
    Root(&'a RootKey, &'a Sid),
    /// An envelope: its L2 seed, or its L1 seed ([`GroupKeyEnvelope::l2_seed`]'s rules).
    Envelope(&'a GroupKeyEnvelope),
}

impl Top<'_> {
    fn kdf_hash(self) -> KdfHash {
        match self {
            Top::Root(r, _) => r.kdf_hash(),
            Top::Envelope(g) => g.kdf_hash,
        }
    }

    fn root_key_id(self) -> Guid {
        match self {
            Top::Root(r, _) => r.id(),
            Top::Envelope(g) => g.root_key_id,
        }
    }
}

/// The first seed of a walk: an L2 seed `(seed, L2 index)` in the target's L1, or an L1 seed
/// `(seed, L1 index)` at or above the target's L1.
enum Start {
    L2(SeedKey, i32),
    L1(SeedKey, i32),
}

/// The blob's ephemeral key must use the key source's algorithm (and DH group).
fn check_peer(peer: &PublicKeyBlob, params: &Params<'_>) -> Result<()> {
    if peer.algorithm() != params.agreement {
        return Err(Error::UnsupportedAlgorithm(format!(
            "the blob uses {} but the root key uses {}",
            peer.algorithm().name(),
            params.agreement.name()
        )));
    }
    if let (PublicKeyBlob::Dh { group, .. }, Some(expected)) = (peer, params.dh_group) {
        if group != expected {
            return Err(Error::UnsupportedAlgorithm(
                "the blob's DH group differs from the root key's".into(),
            ));
        }
    }
    Ok(())
}
