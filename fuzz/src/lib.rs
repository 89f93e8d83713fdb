//! Shared pieces of the winlaps fuzz targets: the fixed key material the decryption targets use
//! (copied from the crates' test vectors by `make_seeds.py`), and the structure-aware inputs
//! built with `arbitrary`.
#![forbid(unsafe_code)]

use arbitrary::{Arbitrary, Unstructured};
use laps_core::FileTime;
use laps_crypto::{GroupKeyEnvelope, KeyStore, RootKey};
use laps_policy::{Device, JoinState, RegValue, Root, RootValues, Snapshot};
use std::sync::OnceLock;

const ROOT_KEYS_JSON: &str = include_str!("../data/root_keys.json");
const ENVELOPES_JSON: &str = include_str!("../data/envelopes.json");

/// The root keys of every test vector (8 generated configurations + the Windows-made ones).
pub fn root_keys() -> &'static [RootKey] {
    static CELL: OnceLock<Vec<RootKey>> = OnceLock::new();
    CELL.get_or_init(|| {
        let list: Vec<serde_json::Value> =
            serde_json::from_str(ROOT_KEYS_JSON).expect("data/root_keys.json");
        list.iter()
            .map(|k| RootKey::from_json(&k.to_string()).expect("valid root key"))
            .collect()
    })
}

/// The seed group key envelopes of the GKE test vectors.
pub fn envelopes() -> &'static [GroupKeyEnvelope] {
    static CELL: OnceLock<Vec<GroupKeyEnvelope>> = OnceLock::new();
    CELL.get_or_init(|| {
        let list: Vec<String> = serde_json::from_str(ENVELOPES_JSON).expect("data/envelopes.json");
        list.iter()
            .map(|h| GroupKeyEnvelope::parse(&unhex(h)).expect("valid envelope"))
            .collect()
    })
}

/// A fresh key store (fresh so that every run is reproducible from its input alone):
/// all root keys, or (`envelopes_only`) all envelopes and no root key.
pub fn store(envelopes_only: bool) -> KeyStore {
    let store = KeyStore::new();
    if envelopes_only {
        for g in envelopes() {
            store.add_group_key_envelope(g.clone());
        }
    } else {
        for k in root_keys() {
            store.add_root_key(k.clone());
        }
    }
    store
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Value names the catalogue does not hold: snake_case spellings (which the resolver does not
/// read from a registry root) and `LAPS\State` values.
const EXTRA_NAMES: &[&str] = &[
    "backup_directory",
    "password_length",
    "LastPasswordUpdateTime",
    "PolicySource",
    "AzurePasswordExpiryTime",
    "LastAccountRidUpdated",
    "PostAuthResetDeadline",
];

/// A known value name: every setting of `laps_policy::catalog::CATALOG`, or an extra one.
fn known_name(u: &mut Unstructured<'_>) -> arbitrary::Result<&'static str> {
    let n = laps_policy::catalog::CATALOG.len();
    let i = u.int_in_range(0..=n + EXTRA_NAMES.len() - 1)?;
    Ok(match laps_policy::catalog::CATALOG.get(i) {
        Some(s) => s.name,
        None => EXTRA_NAMES[i - n],
    })
}

/// A registry value name: usually a known one (any case), sometimes arbitrary text.
#[derive(Debug, Clone)]
pub struct ValueName(pub String);

impl<'a> Arbitrary<'a> for ValueName {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ValueName(match u.int_in_range(0..=7u8)? {
            0 => String::arbitrary(u)?,
            1 => known_name(u)?.to_ascii_lowercase(),
            _ => known_name(u)?.to_owned(),
        }))
    }
}

/// A registry value, biased to the small numbers and strings policies use.
#[derive(Debug, Clone)]
pub struct Value(pub RegValue);

impl<'a> Arbitrary<'a> for Value {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Value(match u.int_in_range(0..=9u8)? {
            0..=3 => RegValue::Dword(u.int_in_range(0..=40)?),
            4 => RegValue::Dword(u32::arbitrary(u)?),
            5 => RegValue::Qword(u64::arbitrary(u)?),
            6 => RegValue::Sz(String::arbitrary(u)?),
            7 => RegValue::ExpandSz(String::arbitrary(u)?),
            8 => RegValue::MultiSz(Vec::arbitrary(u)?),
            _ => match u.int_in_range(0..=2u8)? {
                0 => RegValue::Binary(Vec::arbitrary(u)?),
                _ => RegValue::Other {
                    kind: u32::arbitrary(u)?,
                    data: Vec::arbitrary(u)?,
                },
            },
        }))
    }
}

/// A random snapshot: up to a few values in each of the four roots and the state key.
#[derive(Debug, Clone, Arbitrary)]
pub struct FuzzSnapshot {
    /// `(root index 0..=4, name, value)`; index 4 is the `LAPS\State` key.
    pub values: Vec<(u8, ValueName, Value)>,
}

impl FuzzSnapshot {
    /// Builds the snapshot, inserting the values in the given order.
    pub fn build(&self) -> Snapshot {
        self.build_in(self.values.iter())
    }

    /// Builds the snapshot from the values in reverse order (the last write of a name per root
    /// still wins, so the result must equal [`FuzzSnapshot::build`]'s).
    pub fn build_reordered(&self) -> Snapshot {
        // Keep only the last write per (root, name, case-insensitive) so order cannot matter.
        let mut kept: Vec<&(u8, ValueName, Value)> = Vec::new();
        for v in self.values.iter().rev() {
            if !kept
                .iter()
                .any(|k| k.0 % 5 == v.0 % 5 && k.1 .0.eq_ignore_ascii_case(&v.1 .0))
            {
                kept.push(v);
            }
        }
        self.build_in(kept.into_iter())
    }

    fn build_in<'a>(&self, values: impl Iterator<Item = &'a (u8, ValueName, Value)>) -> Snapshot {
        let mut s = Snapshot::new();
        for (root, name, value) in values {
            let target: &mut RootValues = match root % 5 {
                4 => &mut s.state,
                r => s.root_mut(Root::ALL[r as usize]),
            };
            target.set(name.0.clone(), value.0.clone());
        }
        s
    }
}

/// A random device.
#[derive(Debug, Clone, Arbitrary)]
pub struct FuzzDevice {
    join: u8,
    domain_controller: bool,
    os_build: u32,
    legacy_cse_installed: bool,
    dfl_2016: bool,
    legacy_schema_present: bool,
}

impl FuzzDevice {
    /// The device.
    pub fn build(&self) -> Device {
        let builds = [
            17762, 17763, 19044, 19045, 22000, 22621, 22631, 26100, 26200,
        ];
        Device {
            join: [
                JoinState::Entra,
                JoinState::Ad,
                JoinState::Hybrid,
                JoinState::None,
            ][(self.join % 4) as usize],
            domain_controller: self.domain_controller,
            os_build: if self.join & 0x80 != 0 {
                self.os_build
            } else {
                builds[(self.os_build % builds.len() as u32) as usize]
            },
            os_ubr: None,
            legacy_cse_installed: self.legacy_cse_installed,
            dfl_2016: self.dfl_2016,
            legacy_schema_present: self.legacy_schema_present,
            // A spare bit of `join`, so the seeds recorded before this field keep their meaning.
            safe_mode: self.join & 0x40 != 0,
            password_policy: (self.join & 0x20 != 0).then(|| laps_core::LocalPasswordPolicy {
                minimum_length: (self.os_build >> 16) % 130,
                complexity_required: self.join & 0x10 != 0,
            }),
            entra_tenant_laps_enabled: self.join & 0x08 == 0,
            entra_device_enabled: self.join & 0x04 == 0,
        }
    }
}

/// A FILETIME near the present (or, rarely, anywhere in u64).
pub fn filetime(u: &mut Unstructured<'_>) -> arbitrary::Result<FileTime> {
    Ok(if bool::arbitrary(u)? {
        FileTime::from_ticks(u64::arbitrary(u)?)
    } else {
        FileTime::from_ticks(133_000_000_000_000_000 + u64::from(u32::arbitrary(u)?) * 10_000_000)
    })
}
