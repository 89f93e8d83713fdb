//! [`LiveFleet`]: a domain's LAPS values for the live-key benches: N values over
//! [`LIVE_ROOT_KEYS`] KDS root keys and [`LIVE_L1_PERIODS`] L1 key periods, in dump order (by
//! computer, not by key), so fetching their keys from a DC takes one GetKey per distinct
//! (root key, L0) group.

use laps_core::{FileTime, Generator, Password, PasswordSpec};
use laps_crypto::{
    encrypt, GroupKeyEnvelope, KeyIndex, LapsCredential, RootKey, RootKeyAttributes, Sid,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use zeroize::Zeroizing;

use crate::{KeyPath, NOW_RFC3339, SEED};

/// KDS root keys the fleet's values are spread over.
pub const LIVE_ROOT_KEYS: usize = 3;
/// L1 periods (320 hours each) the fleet's update times are spread over.
pub const LIVE_L1_PERIODS: usize = 40;
/// The SID every value is protected to (the LAPS default, Domain Admins).
pub const LIVE_SID: &str = "S-1-5-21-3112951519-3615558888-3888674396-512";

/// 10 hours (one L2 key) in FILETIME ticks.
const L2_TICKS: u64 = 360_000_000_000;
/// One L1 period: 32 L2 keys.
const L1_TICKS: u64 = 32 * L2_TICKS;
const DOMAIN: &str = "contoso.com";

/// N values over [`LIVE_ROOT_KEYS`] root keys and [`LIVE_L1_PERIODS`] L1 periods, made
/// reproducibly from [`SEED`].
pub struct LiveFleet {
    /// The key path of every value.
    pub path: KeyPath,
    /// The root keys (the lab KDS serves them).
    pub root_keys: Vec<RootKey>,
    /// The target SID.
    pub sid: Sid,
    /// The `msLAPS-EncryptedPassword` values, in dump order.
    pub values: Vec<Vec<u8>>,
    /// The distinct (root key, L0) groups: the GetKey calls a minimal client makes.
    pub groups: usize,
}

impl LiveFleet {
    /// Builds `n` values (in parallel). Value `i` goes to group `i mod (root keys x periods)`
    /// before a seeded shuffle, so every group is used once `n` reaches 120; its time is a
    /// random L2 of its L1 period. The periods are the 40 whole L1 periods before the one
    /// holding [`NOW_RFC3339`], so no key is in the future.
    pub fn generate(path: KeyPath, n: usize) -> LiveFleet {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ 0x11FE ^ path as u64);
        let agreement = match path {
            KeyPath::P256 => Some("ECDH_P256".to_owned()),
            KeyPath::P384 => Some("ECDH_P384".to_owned()),
            KeyPath::Private | KeyPath::Dh => None,
        };
        let root_keys: Vec<RootKey> = (0..LIVE_ROOT_KEYS)
            .map(|_| {
                let mut id = [0u8; 16];
                rng.fill_bytes(&mut id);
                let mut data = Zeroizing::new(vec![0u8; 64]);
                rng.fill_bytes(&mut data);
                RootKey::from_attributes(RootKeyAttributes {
                    id: laps_crypto::Guid::from_bytes_le(id),
                    root_key_data: data,
                    secret_agreement_algorithm: agreement.clone(),
                    ..Default::default()
                })
                .expect("a valid fixture root key")
            })
            .collect();
        let sid: Sid = LIVE_SID.parse().expect("a valid fixture SID");
        let now = FileTime::parse_rfc3339(NOW_RFC3339)
            .expect("a valid fixture time")
            .ticks();
        let current_l1_start = now - now % L1_TICKS;

        let group_count = LIVE_ROOT_KEYS * LIVE_L1_PERIODS;
        let mut assignment: Vec<usize> = (0..n).map(|i| i % group_count).collect();
        for i in (1..assignment.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            assignment.swap(i, j);
        }
        let slots: Vec<(usize, FileTime)> = assignment
            .iter()
            .map(|&g| {
                let (key, period) = (g % LIVE_ROOT_KEYS, g / LIVE_ROOT_KEYS);
                let start = current_l1_start - (period as u64 + 1) * L1_TICKS;
                (key, FileTime::from_ticks(start + rng.next_u64() % L1_TICKS))
            })
            .collect();

        let indices: BTreeSet<(usize, KeyIndex)> = slots
            .iter()
            .map(|&(k, t)| (k, KeyIndex::from_filetime(t)))
            .collect();
        let groups = indices
            .iter()
            .map(|(k, i)| (*k, i.l0))
            .collect::<BTreeSet<_>>()
            .len();
        let envelopes: BTreeMap<(usize, KeyIndex), GroupKeyEnvelope> = indices
            .into_iter()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(k, index)| {
                let gke = GroupKeyEnvelope::from_root_key(
                    &root_keys[k],
                    &sid,
                    index,
                    DOMAIN,
                    DOMAIN,
                    path != KeyPath::Private,
                )
                .expect("an envelope for a valid index");
                ((k, index), gke)
            })
            .collect();

        let spec = PasswordSpec::new(4, 14, 6).expect("the default spec");
        let values = slots
            .par_iter()
            .enumerate()
            .map(|(i, &(k, t))| {
                let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ 0x11FE ^ path as u64);
                rng.set_stream(i as u64 + 1);
                let mut seed = [0u8; 32];
                rng.fill_bytes(&mut seed);
                let password: Password = Generator::from_seed_insecure(seed).generate(&spec);
                let cred = LapsCredential::new(format!("admin{i}"), password, t);
                let gke = &envelopes[&(k, KeyIndex::from_filetime(t))];
                encrypt::encrypt_credential(gke, &sid, &cred, &mut rng)
                    .expect("encryption of a fixture value")
            })
            .collect();
        LiveFleet {
            path,
            root_keys,
            sid,
            values,
            groups,
        }
    }

    /// Writes the fleet for the side-by-side script: `rk-N.json` (one root key each, the
    /// `winlaps kds serve --root-key` form), `values.txt` (one hex value per line) and
    /// `fleet.json` (`path`, `count`, `groups`, `sid`, `root_keys`).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        for (i, key) in self.root_keys.iter().enumerate() {
            let name = format!("rk-{i}.json");
            std::fs::write(dir.join(&name), key.to_json().as_bytes())?;
            files.push(name);
        }
        let mut lines = String::with_capacity(self.values.len() * 2200);
        for v in &self.values {
            lines.push_str(&hex::encode(v));
            lines.push('\n');
        }
        std::fs::write(dir.join("values.txt"), lines)?;
        let meta = serde_json::json!({
            "path": self.path.label(),
            "seed": SEED,
            "count": self.values.len(),
            "groups": self.groups,
            "root_keys": files,
            "l1_periods": LIVE_L1_PERIODS,
            "sid": LIVE_SID,
        });
        std::fs::write(dir.join("fleet.json"), meta.to_string())
    }
}
