//! The key side of the responder: [MS-GKDI] 3.1.4.1 GetKey processing over a set of root keys,
//! with the [MS-DTYP] access check deciding between the seed-key and the public-key envelope.

use crate::access::{SecurityDescriptor, GKDI_ACCESS_DECRYPT, GKDI_ACCESS_ENCRYPT};
use crate::gkdi::{GetKeyRequest, GetKeyResponse};
use crate::status;
use laps_core::FileTime;
use laps_crypto::{GroupKeyEnvelope, KeyIndex, RootKey, Sid};

/// `S-1-1-0` (Everyone) and `S-1-5-11` (Authenticated Users): in every authenticated token.
fn implicit_sids() -> [Sid; 2] {
    [
        Sid::new(1, &[0]).expect("constant SID"),
        Sid::new(5, &[11]).expect("constant SID"),
    ]
}

/// Root keys and domain names a responder serves GetKey from.
#[derive(Clone)]
pub struct KeyService {
    root_keys: Vec<RootKey>,
    domain_name: String,
    forest_name: String,
}

impl core::fmt::Debug for KeyService {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyService")
            .field("root_keys", &self.root_keys.len())
            .field("domain_name", &self.domain_name)
            .finish()
    }
}

impl KeyService {
    /// A service over `root_keys`; the last one is the current root key (used when a request
    /// names none).
    pub fn new(root_keys: Vec<RootKey>, domain_name: &str, forest_name: &str) -> Self {
        KeyService {
            root_keys,
            domain_name: domain_name.to_owned(),
            forest_name: forest_name.to_owned(),
        }
    }

    /// Answers one GetKey for a caller whose token holds `caller_sids` (Everyone and
    /// Authenticated Users are added), at time `now`. Rules ([MS-GKDI] 3.1.4.1; choices marked
    /// UNCERTAIN in the README):
    /// * L0 ≥ -1, L1 and L2 in -1..=31, and -1 only as a suffix: (-1, -1, -1) the current key,
    ///   (L0, -1, -1) and (L0, L1, -1) a seed key of that period (answered as its L*(31) key, or
    ///   as the current key inside the current period); otherwise `E_INVALIDARG`;
    /// * a key later than the current one (from `now`) is `E_INVALIDARG`;
    /// * an unknown root key id, or no root key at all, is `ERROR_NOT_FOUND` (0x80070490);
    /// * a malformed target SD is `ERROR_INVALID_DATA` (0x8007000d);
    /// * the SD grants the caller 0x1: the seed envelope; else 0x2: the public-key envelope;
    ///   else `E_ACCESSDENIED`.
    pub fn get_key(
        &self,
        req: &GetKeyRequest,
        caller_sids: &[Sid],
        now: FileTime,
    ) -> GetKeyResponse {
        // Valid identifiers (as Samba's `Gkid` models them): (-1, -1, -1) the current key,
        // (L0, -1, -1) an L0 seed key, (L0, L1, -1) an L1 seed key, (L0, L1, L2) an L2 key.
        if req.l0 < -1
            || !(-1..=31).contains(&req.l1)
            || !(-1..=31).contains(&req.l2)
            || (req.l0 == -1 && req.l1 != -1)
            || (req.l1 == -1 && req.l2 != -1)
        {
            return GetKeyResponse::Failed(status::E_INVALIDARG);
        }
        let current = KeyIndex::from_filetime(now);
        let asked = (req.l0, req.l1, req.l2);
        let cur = (current.l0, current.l1, current.l2);
        // A key later than the current one does not exist yet.
        let future = match asked {
            (-1, _, _) => false,
            (l0, -1, _) => l0 > cur.0,
            (l0, l1, -1) => (l0, l1) > (cur.0, cur.1),
            full => full > cur,
        };
        if future {
            return GetKeyResponse::Failed(status::E_INVALIDARG);
        }
        // A seed key of a finished period is its L*(31) key; within the current period the
        // answer is the current key (an L1 seed of the current period would derive future
        // L2 keys).
        let index = match asked {
            (-1, _, _) => current,
            (l0, -1, _) if l0 == cur.0 => current,
            (l0, -1, _) => KeyIndex { l0, l1: 31, l2: 31 },
            (l0, l1, -1) if (l0, l1) == (cur.0, cur.1) => current,
            (l0, l1, -1) => KeyIndex { l0, l1, l2: 31 },
            (l0, l1, l2) => KeyIndex { l0, l1, l2 },
        };
        let root = match req.root_key_id {
            Some(id) => self.root_keys.iter().find(|k| k.id() == id),
            None => self.root_keys.last(),
        };
        let Some(root) = root else {
            return GetKeyResponse::Failed(status::E_NOT_FOUND);
        };
        let Ok(sd) = SecurityDescriptor::parse(&req.target_sd) else {
            return GetKeyResponse::Failed(status::E_INVALID_DATA);
        };
        let mut sids = caller_sids.to_vec();
        sids.extend(implicit_sids());
        let public_key = if sd.access_check(&sids, GKDI_ACCESS_DECRYPT) {
            false
        } else if sd.access_check(&sids, GKDI_ACCESS_ENCRYPT) {
            true
        } else {
            return GetKeyResponse::Failed(status::E_ACCESSDENIED);
        };
        match GroupKeyEnvelope::from_root_key_for_sd(
            root,
            &req.target_sd,
            index,
            &self.domain_name,
            &self.forest_name,
            public_key,
        ) {
            Ok(gke) => GetKeyResponse::Envelope(gke.to_bytes()),
            Err(_) => GetKeyResponse::Failed(status::NTE_NO_KEY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use laps_crypto::sample;

    #[test]
    fn envelope_for_the_windows_sd_equals_laps_crypto_from_root_key() {
        let root = sample::root_key();
        let sid: Sid = sample::SID.parse().unwrap();
        let sd = laps_crypto::sid::target_security_descriptor(&sid);
        for (l1, l2) in [(9, 16), (9, 31), (0, 5), (0, 31), (31, 31)] {
            let index = KeyIndex { l0: 363, l1, l2 };
            for public in [false, true] {
                let ours = GroupKeyEnvelope::from_root_key_for_sd(
                    &root, &sd, index, "a.test", "b.test", public,
                )
                .unwrap();
                let theirs =
                    GroupKeyEnvelope::from_root_key(&root, &sid, index, "a.test", "b.test", public)
                        .unwrap();
                assert_eq!(
                    ours.to_bytes(),
                    theirs.to_bytes(),
                    "{index:?} public={public}"
                );
            }
        }
    }

    #[test]
    fn current_key_and_root_key_selection() {
        let root = sample::root_key();
        let svc = KeyService::new(vec![root.clone()], "a.test", "a.test");
        let sid: Sid = sample::SID.parse().unwrap();
        let now = FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
        let req = GetKeyRequest::for_sid(&sid, None, -1, -1, -1);
        let GetKeyResponse::Envelope(b) = svc.get_key(&req, std::slice::from_ref(&sid), now) else {
            panic!("no envelope")
        };
        let gke = GroupKeyEnvelope::parse(&b).unwrap();
        assert_eq!(gke.index, KeyIndex::from_filetime(now));
        assert_eq!(gke.root_key_id, root.id());
        assert!(!gke.is_public_key());
        let empty = KeyService::new(vec![], "a.test", "a.test");
        assert_eq!(
            empty.get_key(&req, &[sid], now),
            GetKeyResponse::Failed(status::E_NOT_FOUND)
        );
    }

    #[test]
    fn seed_key_requests_map_to_their_period_end_or_the_current_key() {
        let root = sample::root_key();
        let svc = KeyService::new(vec![root.clone()], "a.test", "a.test");
        let sid: Sid = sample::SID.parse().unwrap();
        let now = FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
        let cur = KeyIndex::from_filetime(now);
        assert!(
            cur.l1 > 0,
            "the sample time is not at the start of an L0 period"
        );
        let cases = [
            (
                (cur.l0 - 1, -1, -1),
                KeyIndex {
                    l0: cur.l0 - 1,
                    l1: 31,
                    l2: 31,
                },
            ),
            ((cur.l0, -1, -1), cur),
            (
                (cur.l0, cur.l1 - 1, -1),
                KeyIndex {
                    l0: cur.l0,
                    l1: cur.l1 - 1,
                    l2: 31,
                },
            ),
            ((cur.l0, cur.l1, -1), cur),
        ];
        for ((l0, l1, l2), want) in cases {
            let req = GetKeyRequest::for_sid(&sid, Some(root.id()), l0, l1, l2);
            let GetKeyResponse::Envelope(b) = svc.get_key(&req, std::slice::from_ref(&sid), now)
            else {
                panic!("no envelope for {l0} {l1} {l2}")
            };
            let expected =
                GroupKeyEnvelope::from_root_key(&root, &sid, want, "a.test", "a.test", false)
                    .unwrap();
            assert_eq!(b, expected.to_bytes(), "({l0}, {l1}, {l2})");
        }
    }
}
