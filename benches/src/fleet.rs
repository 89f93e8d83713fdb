//! [`Fleet`]: N LAPS attribute values under one root key, as a domain dump returns them.

use laps_core::{FileTime, Generator, Password, PasswordSpec};
use laps_crypto::{
    encrypt, GroupKeyEnvelope, Guid, KeyIndex, KeyStore, LapsCredential, RootKey,
    RootKeyAttributes, Sid,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use zeroize::Zeroizing;

/// The fixed seed every fixture is derived from.
pub const SEED: u64 = 0x5EED_1A95_2026;
/// The dump's "now": update times lie in the [`FLEET_DAYS`] days before it.
pub const NOW_RFC3339: &str = "2026-11-22T09:00:00Z";
/// Update times are spread uniformly over this many days, so L1/L2 vary as in a real domain
/// (an L2 key lasts 10 h: about 145 distinct keys over 60 days).
pub const FLEET_DAYS: u64 = 60;

const TICKS_PER_DAY: u64 = 864_000_000_000;
const SID: &str = "S-1-5-21-3112951519-3615558888-3888674396-512";
const DOMAIN: &str = "contoso.com";

/// Fleets built so far in this process, by path and size.
type FleetCache = Mutex<BTreeMap<(KeyPath, usize), Arc<Fleet>>>;

/// Which key path (and secret agreement) the fleet's values use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum KeyPath {
    /// Private-key (seed) path, the Windows default root key (SHA-512, DH).
    Private,
    /// Public-key path, DH on the RFC 5114 2048-bit group (what every LAPS client writes with a
    /// default root key).
    Dh,
    /// Public-key path, ECDH P-256.
    P256,
    /// Public-key path, ECDH P-384.
    P384,
}

impl KeyPath {
    /// Every path.
    pub const ALL: [KeyPath; 4] = [KeyPath::Private, KeyPath::Dh, KeyPath::P256, KeyPath::P384];

    /// A short label for bench ids and file names.
    pub const fn label(self) -> &'static str {
        match self {
            KeyPath::Private => "private",
            KeyPath::Dh => "dh2048",
            KeyPath::P256 => "p256",
            KeyPath::P384 => "p384",
        }
    }

    /// Parses [`KeyPath::label`].
    pub fn from_label(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.label() == s)
    }

    const fn public_key(self) -> bool {
        !matches!(self, KeyPath::Private)
    }

    const fn agreement(self) -> Option<&'static str> {
        match self {
            KeyPath::P256 => Some("ECDH_P256"),
            KeyPath::P384 => Some("ECDH_P384"),
            KeyPath::Private | KeyPath::Dh => None,
        }
    }
}

/// N attribute values under one root key, made reproducibly from [`SEED`]: value `i` depends
/// only on the seed, the path and `i` (so a smaller fleet is a prefix of a larger one, whatever
/// the thread count used to build it).
pub struct Fleet {
    /// The key path of every value.
    pub path: KeyPath,
    /// The KDS root key id (also needed by peers that take id and data separately).
    pub root_key_id: Guid,
    /// `msKds-RootKeyData`.
    pub root_key_data: Zeroizing<Vec<u8>>,
    /// The root key.
    pub root: RootKey,
    /// The target SID (Domain Admins).
    pub sid: Sid,
    /// The `msLAPS-EncryptedPassword` values.
    pub values: Vec<Vec<u8>>,
    /// The number of distinct (L0, L1, L2) keys among the values.
    pub distinct_keys: usize,
}

impl Fleet {
    /// Builds a fleet of `n` values (in parallel on the rayon pool).
    pub fn generate(path: KeyPath, n: usize) -> Fleet {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ path as u64);
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        let mut data = Zeroizing::new(vec![0u8; 64]);
        rng.fill_bytes(&mut data);
        let root_key_id = Guid::from_bytes_le(id);
        let root = RootKey::from_attributes(RootKeyAttributes {
            id: root_key_id,
            root_key_data: data.clone(),
            secret_agreement_algorithm: path.agreement().map(str::to_owned),
            ..Default::default()
        })
        .expect("a valid fixture root key");
        let sid: Sid = SID.parse().expect("a valid fixture SID");
        let now = FileTime::parse_rfc3339(NOW_RFC3339).expect("a valid fixture time");

        // Update times first (one cheap pass), then one envelope per distinct key index.
        let times: Vec<FileTime> = (0..n)
            .map(|_| {
                FileTime::from_ticks(now.ticks() - rng.next_u64() % (FLEET_DAYS * TICKS_PER_DAY))
            })
            .collect();
        let indices: BTreeMap<KeyIndex, ()> = times
            .iter()
            .map(|&t| (KeyIndex::from_filetime(t), ()))
            .collect();
        let envelopes: BTreeMap<KeyIndex, GroupKeyEnvelope> = indices
            .into_keys()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|k| {
                let gke = GroupKeyEnvelope::from_root_key(
                    &root,
                    &sid,
                    k,
                    DOMAIN,
                    DOMAIN,
                    path.public_key(),
                )
                .expect("an envelope for a valid index");
                (k, gke)
            })
            .collect();

        let spec = PasswordSpec::new(4, 14, 6).expect("the default spec");
        let values = times
            .par_iter()
            .enumerate()
            .map(|(i, &t)| {
                let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ path as u64);
                rng.set_stream(i as u64 + 1);
                let mut seed = [0u8; 32];
                rng.fill_bytes(&mut seed);
                let password: Password = Generator::from_seed_insecure(seed).generate(&spec);
                let cred = LapsCredential::new("Administrator", password, t);
                let gke = &envelopes[&KeyIndex::from_filetime(t)];
                encrypt::encrypt_credential(gke, &sid, &cred, &mut rng)
                    .expect("encryption of a fixture value")
            })
            .collect();
        Fleet {
            path,
            root_key_id,
            root_key_data: data,
            root,
            sid,
            values,
            distinct_keys: envelopes.len(),
        }
    }

    /// The fleet of `n` values on `path`, built once per process (a larger cached fleet is
    /// reused: its prefix is the smaller fleet).
    pub fn cached(path: KeyPath, n: usize) -> Arc<Fleet> {
        static CACHE: OnceLock<FleetCache> = OnceLock::new();
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            cache
                .entry((path, n))
                .or_insert_with(|| Arc::new(Fleet::generate(path, n))),
        )
    }

    /// A fresh store holding the fleet's root key (nothing cached).
    pub fn key_store(&self) -> KeyStore {
        let store = KeyStore::new();
        store.add_root_key(self.root.clone());
        store
    }

    /// A store that has decrypted every value once (seeds and group keys cached).
    pub fn warm_key_store(&self) -> KeyStore {
        let store = self.key_store();
        for v in &self.values {
            store
                .decrypt_attribute(v)
                .expect("a fixture value decrypts");
        }
        store
    }

    /// The fleet as JSON (`root_key_id`, `root_key_data_hex`, `sid`, `path`, `values_hex`), the
    /// form `compare.py` reads. The root key is a published bench key.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "path": self.path.label(),
            "seed": SEED,
            "now": NOW_RFC3339,
            "days": FLEET_DAYS,
            "distinct_keys": self.distinct_keys,
            "root_key_id": self.root_key_id.to_string(),
            "root_key_data_hex": hex::encode(&self.root_key_data[..]),
            "sid": SID,
            "values_hex": self.values.iter().map(hex::encode).collect::<Vec<_>>(),
        })
        .to_string()
    }
}
