//! The Group Key Envelope: the answer of [MS-GKDI] GetKey (2.2.4), parsed, written, and derived
//! from a root key the way a DC builds it.
//!
//! What a GKE at (L0, a, b) holds ([MS-GKDI] 3.1.4.1):
//! * `b == 31`: the L1 key is `L1seed(L0, a)` and there is no L2 seed;
//! * `b < 31`: the L1 key is `L1seed(L0, a − 1)` (absent when `a == 0`) and the L2 key is
//!   `L2seed(L0, a, b)`;
//! * a public-key GKE (for non-members such as the LAPS client) has no L1 key and the group
//!   *public* key of (L0, a, b) as its L2 field.
//!
//! Envelopes that carry an L2 seed at `b == 31` (as some encryptors build them) are accepted: an L2
//! seed, when present, always serves (L0, a, ≤ b).
//!
//! So a seed GKE serves (L0, a, ≤ b) and (L0, < a, anything); nothing newer, nothing in another L0.

use crate::cng::{
    kdf_parameters_blob, parse_kdf_parameters_at, DhGroup, PublicKeyBlob, SecretAgreement,
};
use crate::error::{malformed, Error, Result};
use crate::kdf::KdfHash;
use crate::key_identifier::{KeyIndex, FLAG_PUBLIC_KEY};
use crate::root_key::{validate_lengths, RootKey, KDF_ALGORITHM};
use crate::seed::{self, SeedKey, SEED_LEN};
use crate::wire::{read_u32, utf16z, utf16z_to_string, KdsKeyHeader};
use crate::{agreement, sid::target_security_descriptor, Guid, Sid};
use core::fmt;

const S: &str = "GroupKeyEnvelope";
const FIXED_LEN: usize = 80;
const MAX_FIELD: usize = 16 * 1024;
/// GKE flag 0x2: the key may be used to encrypt (seen on every GetKey answer).
pub const FLAG_CAN_ENCRYPT: u32 = 0x2;

/// The L2 field of a GKE.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum GkeL2 {
    /// A seed GKE: `L2seed(L0, L1, L2)` (for members of the protecting group).
    Seed(SeedKey),
    /// A public-key GKE: the group public key (what a non-member, e.g. the LAPS client, gets).
    PublicKey(PublicKeyBlob),
}

/// A parsed Group Key Envelope. Secrets (the L1/L2 seeds) are zeroized on drop and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct GroupKeyEnvelope {
    /// Structure version (1).
    pub version: u32,
    /// Flags: 0x1 = the L2 field is a public key, 0x2 = usable for encryption.
    pub flags: u32,
    /// Root key id.
    pub root_key_id: Guid,
    /// The (L0, L1, L2) this envelope was issued for.
    pub index: KeyIndex,
    /// KDF hash (from the KDF parameters).
    pub kdf_hash: KdfHash,
    /// Secret-agreement algorithm.
    pub secret_agreement: SecretAgreement,
    /// DH group (DH only).
    pub dh_group: Option<DhGroup>,
    /// `PrivateKeyLength`, bits.
    pub private_key_bits: u32,
    /// `PublicKeyLength`, bits.
    pub public_key_bits: u32,
    /// Domain DNS name.
    pub domain_name: String,
    /// Forest DNS name.
    pub forest_name: String,
    /// The L1 key (see the module docs for which index it is).
    pub l1_key: Option<SeedKey>,
    /// The L2 field.
    pub l2: Option<GkeL2>,
}

impl fmt::Debug for GroupKeyEnvelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupKeyEnvelope")
            .field("flags", &self.flags)
            .field("root_key_id", &self.root_key_id)
            .field("index", &self.index)
            .field("secret_agreement", &self.secret_agreement)
            .field("public_key", &self.is_public_key())
            .finish_non_exhaustive()
    }
}

/// What a group key envelope says without its key material: which root key and index it is
/// for, its kind and its names (what `winlaps` shows of a GetKey answer).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct EnvelopeInfo {
    /// Root key id.
    pub root_key_id: Guid,
    /// L0 index.
    pub l0: i32,
    /// L1 index.
    pub l1: i32,
    /// L2 index.
    pub l2: i32,
    /// Flags (0x1: the L2 field is a public key).
    pub flags: u32,
    /// A public-key envelope (encrypt only: what a LAPS client gets), else a seed envelope.
    pub public_key: bool,
    /// KDF hash.
    pub kdf_hash: KdfHash,
    /// Secret-agreement algorithm.
    pub secret_agreement_algorithm: SecretAgreement,
    /// Domain DNS name.
    pub domain_name: String,
    /// Forest DNS name.
    pub forest_name: String,
}

impl GroupKeyEnvelope {
    /// True when the L2 field is the group public key (encrypt only).
    pub fn is_public_key(&self) -> bool {
        self.flags & FLAG_PUBLIC_KEY != 0
    }

    /// What this envelope says without its key material.
    ///
    /// ```
    /// use laps_crypto::{sample, GroupKeyEnvelope, KeyIndex};
    /// let index = KeyIndex { l0: 361, l1: 4, l2: 7 };
    /// let gke = GroupKeyEnvelope::from_root_key(
    ///     &sample::root_key(), &sample::SID.parse()?, index, "contoso.com", "contoso.com", true,
    /// )?;
    /// let info = gke.info();
    /// assert!(info.public_key);
    /// assert_eq!((info.l0, info.l1, info.l2), (361, 4, 7));
    /// assert_eq!(serde_json::to_value(&info)?["kdf_hash"], "SHA512");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn info(&self) -> EnvelopeInfo {
        EnvelopeInfo {
            root_key_id: self.root_key_id,
            l0: self.index.l0,
            l1: self.index.l1,
            l2: self.index.l2,
            flags: self.flags,
            public_key: self.is_public_key(),
            kdf_hash: self.kdf_hash,
            secret_agreement_algorithm: self.secret_agreement,
            domain_name: self.domain_name.clone(),
            forest_name: self.forest_name.clone(),
        }
    }

    /// Parses a GKE (the `pbbOut` of GetKey).
    ///
    /// ```
    /// # let bytes = laps_crypto::GroupKeyEnvelope::from_root_key(
    /// #     &laps_crypto::RootKey::new(Default::default(), &[1; 64])?, &"S-1-5-18".parse()?,
    /// #     laps_crypto::KeyIndex { l0: 361, l1: 17, l2: 8 }, "contoso.com", "contoso.com", false)?.to_bytes();
    /// let gke = laps_crypto::GroupKeyEnvelope::parse(&bytes)?;
    /// assert_eq!((gke.index.l0, gke.index.l1, gke.index.l2), (361, 17, 8));
    /// # Ok::<(), laps_crypto::Error>(())
    /// ```
    pub fn parse(b: &[u8]) -> Result<Self> {
        if b.len() < FIXED_LEN {
            return Err(malformed(S, 0, "shorter than 80 bytes"));
        }
        let KdsKeyHeader {
            flags,
            index,
            root_key_id,
        } = KdsKeyHeader::parse(b, S, 0)?;
        let version = 1;
        if !index.is_valid() {
            return Err(malformed(S, 12, "L0/L1/L2 index out of range"));
        }
        let mut n = [0u32; 10];
        for (i, v) in n.iter_mut().enumerate() {
            *v = read_u32(b, KdsKeyHeader::LEN + 4 * i, S, 0)?;
        }
        let [cb_kdf_alg, cb_kdf_params, cb_sa_alg, cb_sa_params, private_key_bits, public_key_bits, cb_l1, cb_l2, cb_domain, cb_forest] =
            n.map(|x| x as usize);
        let lens = [
            cb_kdf_alg,
            cb_kdf_params,
            cb_sa_alg,
            cb_sa_params,
            cb_domain,
            cb_forest,
            cb_l1,
            cb_l2,
        ];
        if lens.iter().any(|&l| l > MAX_FIELD) || FIXED_LEN + lens.iter().sum::<usize>() != b.len()
        {
            return Err(malformed(
                S,
                40,
                "field lengths do not match the structure size",
            ));
        }
        let mut at = FIXED_LEN;
        let mut take = |len: usize| {
            let start = at;
            at += len;
            (&b[start..at], start)
        };
        let (kdf_alg, o_kdf_alg) = take(cb_kdf_alg);
        let (kdf_params, o_kdf_params) = take(cb_kdf_params);
        let (sa_alg, o_sa_alg) = take(cb_sa_alg);
        let (sa_params, o_sa_params) = take(cb_sa_params);
        let (domain, o_domain) = take(cb_domain);
        let (forest, o_forest) = take(cb_forest);
        let (l1, o_l1) = take(cb_l1);
        let (l2, o_l2) = take(cb_l2);
        if utf16z_to_string(kdf_alg, S, o_kdf_alg)? != KDF_ALGORITHM {
            return Err(Error::UnsupportedAlgorithm("GKE KDF algorithm".into()));
        }
        let kdf_hash = parse_kdf_parameters_at(kdf_params, o_kdf_params)?;
        let secret_agreement = SecretAgreement::from_name(&utf16z_to_string(sa_alg, S, o_sa_alg)?)?;
        let dh_group = match secret_agreement {
            SecretAgreement::Dh => Some(DhGroup::from_dhpm_at(sa_params, o_sa_params)?),
            _ if sa_params.is_empty() => None,
            _ => {
                return Err(malformed(
                    S,
                    o_sa_params,
                    "ECDH takes no secret-agreement parameters",
                ))
            }
        };
        validate_lengths(
            secret_agreement,
            dh_group.as_ref(),
            private_key_bits as u32,
            public_key_bits as u32,
        )
        .map_err(|_| malformed(S, 56, "key lengths do not fit the algorithm"))?;
        let domain_name = utf16z_to_string(domain, S, o_domain)?;
        let forest_name = utf16z_to_string(forest, S, o_forest)?;
        let l1_key = match l1.len() {
            0 => None,
            SEED_LEN => SeedKey::from_bytes(l1),
            _ => return Err(malformed(S, o_l1, "L1 key is not 64 bytes")),
        };
        let l2 = if l2.is_empty() {
            None
        } else if flags & FLAG_PUBLIC_KEY != 0 {
            let pk = PublicKeyBlob::parse_at(l2, o_l2)?;
            if pk.algorithm() != secret_agreement {
                return Err(malformed(
                    S,
                    o_l2,
                    "public key does not match the secret-agreement algorithm",
                ));
            }
            Some(GkeL2::PublicKey(pk))
        } else if l2.len() == SEED_LEN {
            SeedKey::from_bytes(l2).map(GkeL2::Seed)
        } else {
            return Err(malformed(S, o_l2, "L2 key is not 64 bytes"));
        };
        Ok(GroupKeyEnvelope {
            version,
            flags,
            root_key_id,
            index,
            kdf_hash,
            secret_agreement,
            dh_group,
            private_key_bits: private_key_bits as u32,
            public_key_bits: public_key_bits as u32,
            domain_name,
            forest_name,
            l1_key,
            l2,
        })
    }

    /// Serializes (the inverse of [`GroupKeyEnvelope::parse`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let kdf_alg = utf16z(KDF_ALGORITHM);
        let kdf_params = kdf_parameters_blob(self.kdf_hash);
        let sa_alg = utf16z(self.secret_agreement.name());
        let sa_params = self
            .dh_group
            .as_ref()
            .map(DhGroup::to_dhpm)
            .unwrap_or_default();
        let domain = utf16z(&self.domain_name);
        let forest = utf16z(&self.forest_name);
        let l1 = self
            .l1_key
            .as_ref()
            .map(|k| k.as_bytes().to_vec())
            .unwrap_or_default();
        let l2 = match &self.l2 {
            None => Vec::new(),
            Some(GkeL2::Seed(k)) => k.as_bytes().to_vec(),
            Some(GkeL2::PublicKey(pk)) => pk.to_bytes(),
        };
        let mut v = Vec::with_capacity(FIXED_LEN + 1024);
        KdsKeyHeader {
            flags: self.flags,
            index: self.index,
            root_key_id: self.root_key_id,
        }
        .write(&mut v);
        for x in [
            kdf_alg.len() as u32,
            kdf_params.len() as u32,
            sa_alg.len() as u32,
            sa_params.len() as u32,
            self.private_key_bits,
            self.public_key_bits,
            l1.len() as u32,
            l2.len() as u32,
            domain.len() as u32,
            forest.len() as u32,
        ] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        for part in [
            &kdf_alg,
            &kdf_params,
            &sa_alg,
            &sa_params,
            &domain,
            &forest,
            &l1,
            &l2,
        ] {
            v.extend_from_slice(part);
        }
        // The seeds were copied into `v`, which the caller owns; wipe our temporaries.
        let (mut l1, mut l2) = (l1, l2);
        zeroize::Zeroize::zeroize(&mut l1);
        zeroize::Zeroize::zeroize(&mut l2);
        v
    }

    /// Builds the envelope a DC would return for `sid` at `index`: a seed GKE (flags 2, for
    /// members of the group; private-key path) or, with `public_key`, a public-key GKE (flags 3;
    /// what the LAPS client gets; public-key path).
    pub fn from_root_key(
        root: &RootKey,
        sid: &Sid,
        index: KeyIndex,
        domain_name: &str,
        forest_name: &str,
        public_key: bool,
    ) -> Result<Self> {
        Self::from_root_key_for_sd(
            root,
            &target_security_descriptor(sid),
            index,
            domain_name,
            forest_name,
            public_key,
        )
    }

    /// [`from_root_key`](Self::from_root_key) for any target security descriptor bytes (what a
    /// GetKey request carries), not only the one Windows builds from a SID.
    pub fn from_root_key_for_sd(
        root: &RootKey,
        target_sd: &[u8],
        index: KeyIndex,
        domain_name: &str,
        forest_name: &str,
        public_key: bool,
    ) -> Result<Self> {
        if !index.is_valid() {
            return Err(Error::InvalidInput(format!(
                "key index {index:?} out of range"
            )));
        }
        let hash = root.kdf_hash();
        let chain = seed::seed_chain(hash, root.data(), root.id(), target_sd, index);
        let l1_key = if public_key {
            None // a non-member gets no seeds
        } else if index.l2 == 31 {
            Some(chain.l1.clone())
        } else if index.l1 > 0 {
            Some(seed::walk_l1(
                hash,
                &chain.l1_at_31,
                root.id(),
                index.l0,
                31,
                index.l1 - 1,
            ))
        } else {
            None
        };
        let l2 = if public_key {
            let x = seed::group_private_key(
                hash,
                &chain.l2,
                root.secret_agreement(),
                root.private_key_bits(),
            );
            Some(GkeL2::PublicKey(agreement::public_key(
                root.secret_agreement(),
                root.dh_group(),
                &x,
            )?))
        } else if index.l2 == 31 {
            None
        } else {
            Some(GkeL2::Seed(chain.l2.clone()))
        };
        Ok(GroupKeyEnvelope {
            version: 1,
            flags: FLAG_CAN_ENCRYPT | if public_key { FLAG_PUBLIC_KEY } else { 0 },
            root_key_id: root.id(),
            index,
            kdf_hash: hash,
            secret_agreement: root.secret_agreement(),
            dh_group: root.dh_group().cloned(),
            private_key_bits: root.private_key_bits(),
            public_key_bits: root.public_key_bits(),
            domain_name: domain_name.to_owned(),
            forest_name: forest_name.to_owned(),
            l1_key,
            l2,
        })
    }

    /// True when this (seed) envelope can derive the L2 seed of `target`.
    pub fn covers(&self, root_key_id: Guid, target: KeyIndex) -> bool {
        self.derivation_start(root_key_id, target).is_some()
    }

    /// Where the walk to `target` starts: `(seed, l1 index of the seed, Some(l2) if it is an L2 seed)`.
    pub(crate) fn derivation_start(
        &self,
        root_key_id: Guid,
        target: KeyIndex,
    ) -> Option<(&SeedKey, i32, Option<i32>)> {
        if self.is_public_key()
            || root_key_id != self.root_key_id
            || target.l0 != self.index.l0
            || !target.is_valid()
        {
            return None;
        }
        let me = self.index;
        if target.l1 == me.l1 {
            if let Some(GkeL2::Seed(k)) = &self.l2 {
                if target.l2 <= me.l2 {
                    return Some((k, me.l1, Some(me.l2)));
                }
            }
            // At L2 = 31 the L1 key is L1seed(L0, L1) itself.
            return self
                .l1_key
                .as_ref()
                .filter(|_| me.l2 == 31)
                .map(|k| (k, me.l1, None));
        }
        let l1_of_key = if me.l2 == 31 { me.l1 } else { me.l1 - 1 };
        if target.l1 <= l1_of_key {
            return self.l1_key.as_ref().map(|k| (k, l1_of_key, None));
        }
        None
    }

    /// The L2 seed for `target`, derived from this envelope's seeds.
    pub fn l2_seed(&self, target: KeyIndex) -> Option<SeedKey> {
        let (start, l1, l2) = self.derivation_start(self.root_key_id, target)?;
        let (h, id, l0) = (self.kdf_hash, self.root_key_id, target.l0);
        Some(match l2 {
            Some(from) => seed::walk_l2(h, start, id, l0, l1, from, target.l2),
            None => {
                let l1_seed = seed::walk_l1(h, start, id, l0, l1, target.l1);
                let l2_31 = seed::l2_seed_at_31(h, &l1_seed, id, l0, target.l1);
                seed::walk_l2(h, &l2_31, id, l0, target.l1, 31, target.l2)
            }
        })
    }
}
