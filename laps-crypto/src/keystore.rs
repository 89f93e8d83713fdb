//! [`KeyStore`]: root keys and group key envelopes, a thread-safe cache of derived seed keys and
//! group private keys, and decryption.

use crate::attribute::{LapsHeader, HEADER_LEN};
use crate::cms::{DpapiNgBlob, KekRecipient};
use crate::cng::{DhGroup, PublicKeyBlob, SecretAgreement};
use crate::content::{gcm_decrypt, private_kek, public_kek, unwrap_cek, Key256};
use crate::gke::GroupKeyEnvelope;
use crate::kdf::KdfHash;
use crate::key_identifier::{KeyIdentifier, KeyIndex, KeyInfo};
use crate::seed::{self, SeedKey};
use crate::sid::target_security_descriptor;
use crate::{agreement, dh, Error, Guid, LapsCredential, Result, RootKey, Sid};
use core::fmt;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

/// Cached seeds beyond this count are dropped (all at once) before new ones are added.
const MAX_CACHED_SEEDS: usize = 1 << 16;

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

/// Up to 68 bytes of binary SID, as a fixed-size hash key (no allocation per lookup).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct SidKey {
    len: u8,
    bytes: [u8; 68],
}

impl SidKey {
    fn new(sid: &Sid) -> Self {
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

/// Where a cached seed comes from: a root key with a target SID, or one added envelope.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Origin {
    Root(Guid, SidKey),
    Envelope(usize),
}

/// A node of the seed tree: L0 seed (l1 = l2 = −1), L1 seed (l2 = −1) or L2 seed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct SeedId {
    origin: Origin,
    l0: i32,
    l1: i32,
    l2: i32,
}

/// The group private key of one L2 key, and (RFC 5114 DH) its exponent reduced mod q.
struct GroupSecret {
    full: Zeroizing<Vec<u8>>,
    reduced: Option<Zeroizing<Vec<u8>>>,
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
/// * The key source is selected by the blob's root key GUID: a root key if one was added, else a
///   seed envelope with that GUID and L0 that covers the blob's (L1, L2).
/// * L0/L1/L2 seeds and group private keys are cached per (root key, target SID, L0, L1, L2), so a
///   domain dump pays each derivation once; cached secrets are zeroized when dropped.
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
#[derive(Default)]
pub struct KeyStore {
    root_keys: RwLock<HashMap<Guid, Arc<RootKey>>>,
    envelopes: RwLock<Vec<Arc<GroupKeyEnvelope>>>,
    seeds: RwLock<HashMap<SeedId, SeedKey>>,
    group_secrets: RwLock<HashMap<SeedId, Arc<GroupSecret>>>,
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

impl KeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a root key; its cached derivations are dropped.
    pub fn add_root_key(&self, key: RootKey) {
        let id = key.id();
        write(&self.root_keys).insert(id, Arc::new(key));
        write(&self.seeds).retain(|k, _| !matches!(k.origin, Origin::Root(g, _) if g == id));
        write(&self.group_secrets)
            .retain(|k, _| !matches!(k.origin, Origin::Root(g, _) if g == id));
    }

    /// Adds a group key envelope (a GetKey answer). Only seed envelopes can decrypt.
    pub fn add_group_key_envelope(&self, gke: GroupKeyEnvelope) {
        write(&self.envelopes).push(Arc::new(gke));
    }

    /// Parses and adds a group key envelope.
    pub fn add_group_key_envelope_bytes(&self, gke: &[u8]) -> Result<()> {
        self.add_group_key_envelope(GroupKeyEnvelope::parse(gke)?);
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

    fn decrypt_parsed(&self, blob: &DpapiNgBlob) -> Result<Plaintext> {
        let mut first_error = None;
        // An OR descriptor gives several SID recipients: try each.
        for (recipient, sid) in blob.sid_recipients() {
            let attempt = self
                .open_recipient(recipient, &sid)
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

    /// Finds the key, derives the KEK and unwraps the CEK of one SID recipient.
    fn open_recipient(&self, recipient: &KekRecipient, sid: &Sid) -> Result<Key256> {
        let ki =
            KeyIdentifier::parse_at(&recipient.key_identifier, recipient.key_identifier_offset)?;
        let (origin, l2, source) = self.l2_seed_for(&ki, sid)?;
        let params = source.params();
        match &ki.key_info {
            KeyInfo::Nonce(nonce) => unwrap_cek(
                &private_kek(params.hash, &l2, nonce),
                &recipient.encrypted_key,
            ),
            KeyInfo::PublicKey(peer) => {
                check_peer(peer, &params)?;
                let id = SeedId {
                    origin,
                    l0: ki.index.l0,
                    l1: ki.index.l1,
                    l2: ki.index.l2,
                };
                let secret = self.group_secret(id, &l2, &params);
                let kek_with = |x: &[u8]| -> Result<Key256> {
                    let z = agreement::shared_secret(x, peer)?;
                    Ok(public_kek(
                        params.hash,
                        &agreement::concat_kdf_output(params.agreement, &z),
                    ))
                };
                // Fast path: y^(x mod q), equal to y^x for every y in the order-q subgroup.
                if let Some(reduced) = &secret.reduced {
                    let kek = kek_with(reduced)?;
                    if let Ok(cek) = unwrap_cek(&kek, &recipient.encrypted_key) {
                        return Ok(cek);
                    }
                }
                let kek = kek_with(&secret.full)?;
                unwrap_cek(&kek, &recipient.encrypted_key)
            }
        }
    }

    /// The group private key of one L2 key (cached).
    fn group_secret(&self, id: SeedId, l2: &SeedKey, params: &Params<'_>) -> Arc<GroupSecret> {
        if let Some(s) = read(&self.group_secrets).get(&id) {
            return Arc::clone(s);
        }
        let full =
            seed::group_private_key(params.hash, l2, params.agreement, params.private_key_bits);
        let reduced = params.dh_group.and_then(|g| dh::reduce_exponent(g, &full));
        let secret = Arc::new(GroupSecret { full, reduced });
        let mut map = write(&self.group_secrets);
        if map.len() >= MAX_CACHED_SEEDS {
            map.clear();
        }
        map.insert(id, Arc::clone(&secret));
        secret
    }

    /// Selects the key source for a KeyIdentifier and returns the L2 seed.
    fn l2_seed_for(&self, ki: &KeyIdentifier, sid: &Sid) -> Result<(Origin, SeedKey, Source)> {
        let id = ki.root_key_id;
        if let Some(root) = read(&self.root_keys).get(&id).cloned() {
            let origin = Origin::Root(id, SidKey::new(sid));
            let l2 = self.walk_root(&root, sid, origin, ki.index);
            return Ok((origin, l2, Source::Root(root)));
        }
        let envelopes = read(&self.envelopes);
        let mut known = false;
        for (i, gke) in envelopes.iter().enumerate() {
            known |= gke.root_key_id == id;
            if gke.covers(id, ki.index) {
                let origin = Origin::Envelope(i);
                let sid_free = SeedId {
                    origin,
                    l0: ki.index.l0,
                    l1: ki.index.l1,
                    l2: ki.index.l2,
                };
                // Bind the lookup first: a guard in the `match` scrutinee would live through the
                // arms and deadlock `insert_seeds`.
                let cached = read(&self.seeds).get(&sid_free).cloned();
                let l2 = match cached {
                    Some(k) => k,
                    None => {
                        let k = gke.l2_seed(ki.index).ok_or(Error::DecryptionFailed)?;
                        self.insert_seeds(vec![(sid_free, k.clone())]);
                        k
                    }
                };
                return Ok((origin, l2, Source::Envelope(Arc::clone(gke))));
            }
        }
        if known {
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

    /// `L2seed(index)` from a root key, reusing the nearest cached ancestor and caching every
    /// seed derived on the way.
    fn walk_root(&self, root: &RootKey, sid: &Sid, origin: Origin, index: KeyIndex) -> SeedKey {
        let (h, id, l0) = (root.kdf_hash(), root.id(), index.l0);
        let node = |l1: i32, l2: i32| SeedId { origin, l0, l1, l2 };
        let mut derived = Vec::new();
        // 1. Nearest cached L2 seed at or above the target in the same L1.
        let (l2_start, from) = {
            let seeds = read(&self.seeds);
            let hit =
                (index.l2..=31).find_map(|m| seeds.get(&node(index.l1, m)).map(|k| (k.clone(), m)));
            match hit {
                Some(h) => h,
                None => {
                    // 2. Nearest cached L1 seed at or above the target L1, else L1(31) from L0.
                    let l1_hit = (index.l1..=31)
                        .find_map(|n| seeds.get(&node(n, -1)).map(|k| (k.clone(), n)));
                    drop(seeds);
                    let (l1_start, n) = match l1_hit {
                        Some(h) => h,
                        None => {
                            let l0_seed = match read(&self.seeds).get(&node(-1, -1)).cloned() {
                                Some(k) => k,
                                None => {
                                    let k = seed::l0_seed(h, root.data(), id, l0);
                                    derived.push((node(-1, -1), k.clone()));
                                    k
                                }
                            };
                            let sd = target_security_descriptor(sid);
                            let k = seed::l1_seed_at_31(h, &l0_seed, id, l0, &sd);
                            derived.push((node(31, -1), k.clone()));
                            (k, 31)
                        }
                    };
                    let mut l1_seed = l1_start;
                    for m in (index.l1..n).rev() {
                        l1_seed = seed::derive(h, l1_seed.as_bytes(), id, l0, m, -1, &[]);
                        derived.push((node(m, -1), l1_seed.clone()));
                    }
                    let k = seed::l2_seed_at_31(h, &l1_seed, id, l0, index.l1);
                    derived.push((node(index.l1, 31), k.clone()));
                    (k, 31)
                }
            }
        };
        let mut l2 = l2_start;
        for m in (index.l2..from).rev() {
            l2 = seed::derive(h, l2.as_bytes(), id, l0, index.l1, m, &[]);
            derived.push((node(index.l1, m), l2.clone()));
        }
        if !derived.is_empty() {
            self.insert_seeds(derived);
        }
        l2
    }

    fn insert_seeds(&self, seeds: Vec<(SeedId, SeedKey)>) {
        let mut map = write(&self.seeds);
        if map.len() + seeds.len() > MAX_CACHED_SEEDS {
            map.clear();
        }
        map.extend(seeds);
    }
}

/// The key source a blob was matched to.
enum Source {
    Root(Arc<RootKey>),
    Envelope(Arc<GroupKeyEnvelope>),
}

impl Source {
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
