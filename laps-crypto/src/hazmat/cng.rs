//! CNG key and parameter blobs used by GKDI: KDF parameters, `DHPM` (FFC DH parameters),
//! `DHPB` (FFC DH public key) and `ECK1`/`ECK3` (ECDH public keys). Integers are little-endian,
//! big numbers big-endian, exactly as BCrypt writes them.

use crate::error::{malformed, Error, Result};
use crate::kdf::KdfHash;
use crate::wire::{read_u32, utf16z, utf16z_to_string};

/// The secret-agreement algorithm of a root key (`msKds-SecretAgreementAlgorithmID`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum SecretAgreement {
    /// Finite-field Diffie-Hellman (the Windows default, RFC 5114 §2.3 2048-bit group).
    #[serde(rename = "DH")]
    Dh,
    /// ECDH on NIST P-256.
    #[serde(rename = "ECDH_P256")]
    EcdhP256,
    /// ECDH on NIST P-384.
    #[serde(rename = "ECDH_P384")]
    EcdhP384,
}

impl SecretAgreement {
    /// The Windows name (`"DH"`, `"ECDH_P256"`, `"ECDH_P384"`).
    pub const fn name(self) -> &'static str {
        match self {
            SecretAgreement::Dh => "DH",
            SecretAgreement::EcdhP256 => "ECDH_P256",
            SecretAgreement::EcdhP384 => "ECDH_P384",
        }
    }

    /// Parses a Windows name. `ECDH_P521` is unsupported (never seen from Windows, and its
    /// private-key reduction rule is unknown).
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "DH" => Ok(SecretAgreement::Dh),
            "ECDH_P256" => Ok(SecretAgreement::EcdhP256),
            "ECDH_P384" => Ok(SecretAgreement::EcdhP384),
            _ => Err(Error::UnsupportedAlgorithm(format!(
                "secret agreement {name:?}"
            ))),
        }
    }

    /// Windows default `msKds-PrivateKeyLength` in bits (512 for DH, the curve size for ECDH).
    pub const fn default_private_key_bits(self) -> u32 {
        match self {
            SecretAgreement::Dh => 512,
            SecretAgreement::EcdhP256 => 256,
            SecretAgreement::EcdhP384 => 384,
        }
    }

    /// Windows default `msKds-PublicKeyLength` in bits.
    pub const fn default_public_key_bits(self) -> u32 {
        match self {
            SecretAgreement::Dh => 2048,
            SecretAgreement::EcdhP256 => 256,
            SecretAgreement::EcdhP384 => 384,
        }
    }
}

/// The KDF parameters blob naming the hash: `0, 1, cbName, 0, name (UTF-16LE + NUL)`.
pub fn kdf_parameters_blob(hash: KdfHash) -> Vec<u8> {
    let name = utf16z(hash.name());
    let mut v = Vec::with_capacity(16 + name.len());
    for x in [0u32, 1, name.len() as u32, 0] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.extend_from_slice(&name);
    v
}

/// Parses a KDF parameters blob (`msKds-KDFParam`) into its hash.
pub fn parse_kdf_parameters(b: &[u8]) -> Result<KdfHash> {
    parse_kdf_parameters_at(b, 0)
}

pub(crate) fn parse_kdf_parameters_at(b: &[u8], base: usize) -> Result<KdfHash> {
    const S: &str = "KDF parameters";
    let (z0, one, cb, z1) = (
        read_u32(b, 0, S, base)?,
        read_u32(b, 4, S, base)?,
        read_u32(b, 8, S, base)?,
        read_u32(b, 12, S, base)?,
    );
    if z0 != 0 || one != 1 || z1 != 0 {
        return Err(malformed(S, base, "unexpected header values"));
    }
    if cb as usize != b.len() - 16 {
        return Err(malformed(
            S,
            base + 8,
            "name length does not match the blob",
        ));
    }
    let name = utf16z_to_string(&b[16..], S, base + 16)?;
    KdfHash::from_name(&name)
}

/// An FFC Diffie-Hellman group: prime `p` and generator `g`, big-endian, both `k` bytes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DhGroup {
    p: Vec<u8>,
    g: Vec<u8>,
}

impl core::fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self == &DhGroup::rfc5114_2048() {
            f.write_str("DhGroup(RFC 5114 2.3, 2048 bits)")
        } else {
            write!(f, "DhGroup({} bits)", self.p.len() * 8)
        }
    }
}

/// RFC 5114 §2.3 prime (2048-bit MODP group with a 256-bit prime-order subgroup).
const RFC5114_P: &str = "87a8e61db4b6663cffbbd19c651959998ceef608660dd0f25d2ceed4435e3b00e00df8f1d61957d4faf7df4561b2aa3016c3d91134096faa3bf4296d830e9a7c209e0c6497517abd5a8a9d306bcf67ed91f9e6725b4758c022e0b1ef4275bf7b6c5bfc11d45f9088b941f54eb1e59bb8bc39a0bf12307f5c4fdb70c581b23f76b63acae1caa6b7902d52526735488a0ef13c6d9a51bfa4ab3ad8347796524d8ef6a167b5a41825d967e144e5140564251ccacb83e6b486f6b3ca3f7971506026c0b857f689962856ded4010abd0be621c3a3960a54e710c375f26375d7014103a4b54330c198af126116d2276e11715f693877fad7ef09cadb094ae91e1a1597";
/// RFC 5114 §2.3 generator.
const RFC5114_G: &str = "3fb32c9b73134d0b2e77506660edbd484ca7b18f21ef205407f4793a1a0ba12510dbc15077be463fff4fed4aac0bb555be3a6c1b0c6b47b1bc3773bf7e8c6f62901228f8c28cbb18a55ae31341000a650196f931c77a57f2ddf463e5e9ec144b777de62aaab8a8628ac376d282d6ed3864e67982428ebc831d14348f6f2f9193b5045af2767164e1dfc967c1fb3f2e55a4bd1bffe83b9c80d052b985d182ea0adb2a3b7313d3fe14c8484b1e052588b9b7d2bbd2df016199ecd06e1557cd0915b3353bbb64e0ec377fd028370df92b52c7891428cdc67eb6184b523d1db246c32f63078490f00ef8d647d148d47954515e2327cfef98c582664b4c0f6cc41659";
/// Order `q` of the RFC 5114 §2.3 subgroup generated by `g` (256 bits, big-endian hex). Honest
/// public values lie in this subgroup; `p − 1` also has the small factors 2, 7, 13, 2549 and 142031.
pub const RFC5114_Q: &str = "8cf83642a709a097b447997640129da299b1a47d1eb3750ba308b0fe64f5fbd3";

impl DhGroup {
    /// The Windows default group: RFC 5114 §2.3.
    pub fn rfc5114_2048() -> Self {
        DhGroup {
            p: hex::decode(RFC5114_P).unwrap_or_default(),
            g: hex::decode(RFC5114_G).unwrap_or_default(),
        }
    }

    /// From big-endian `p` and `g`; `g` is left-padded to the length of `p`.
    pub fn new(p: &[u8], g: &[u8]) -> Result<Self> {
        if p.is_empty() || g.len() > p.len() || p.len() > 1024 {
            return Err(Error::InvalidKey("DH parameters: bad lengths"));
        }
        let mut gp = vec![0u8; p.len() - g.len()];
        gp.extend_from_slice(g);
        Ok(DhGroup {
            p: p.to_vec(),
            g: gp,
        })
    }

    /// Key size in bytes (`k`).
    pub fn key_len(&self) -> usize {
        self.p.len()
    }

    /// The prime, big-endian.
    pub fn p(&self) -> &[u8] {
        &self.p
    }

    /// The generator, big-endian, `k` bytes.
    pub fn g(&self) -> &[u8] {
        &self.g
    }

    /// The `DHPM` blob (`msKds-SecretAgreementParam`): `cbLength, "DHPM", k, p, g`.
    pub fn to_dhpm(&self) -> Vec<u8> {
        let k = self.p.len();
        let mut v = Vec::with_capacity(12 + 2 * k);
        v.extend_from_slice(&((12 + 2 * k) as u32).to_le_bytes());
        v.extend_from_slice(b"DHPM");
        v.extend_from_slice(&(k as u32).to_le_bytes());
        v.extend_from_slice(&self.p);
        v.extend_from_slice(&self.g);
        v
    }

    /// Parses a `DHPM` blob.
    pub fn from_dhpm(b: &[u8]) -> Result<Self> {
        Self::from_dhpm_at(b, 0)
    }

    pub(crate) fn from_dhpm_at(b: &[u8], base: usize) -> Result<Self> {
        const S: &str = "DHPM parameters";
        let cb = read_u32(b, 0, S, base)? as usize;
        if b.get(4..8) != Some(b"DHPM") {
            return Err(malformed(S, base + 4, "bad magic"));
        }
        let k = read_u32(b, 8, S, base)? as usize;
        if k == 0 || k > 1024 || cb != b.len() || b.len() != 12 + 2 * k {
            return Err(malformed(S, base, "lengths do not match"));
        }
        Ok(DhGroup {
            p: b[12..12 + k].to_vec(),
            g: b[12 + k..12 + 2 * k].to_vec(),
        })
    }
}

/// A public key in a KeyIdentifier (the encryptor's ephemeral key) or a public-key GKE
/// (the group public key).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PublicKeyBlob {
    /// `DHPB`: the group and `y`, big-endian, `k` bytes each.
    Dh {
        /// The group carried in the blob.
        group: DhGroup,
        /// The public value.
        y: Vec<u8>,
    },
    /// `ECK1` (P-256) / `ECK3` (P-384): affine X and Y, big-endian.
    Ec {
        /// The curve.
        curve: SecretAgreement,
        /// Affine X.
        x: Vec<u8>,
        /// Affine Y.
        y: Vec<u8>,
    },
}

impl PublicKeyBlob {
    /// The blob magic (`DHPB`, `ECK1`, `ECK3`) as a [`KeyInfoKind`](crate::KeyInfoKind).
    pub fn kind(&self) -> crate::KeyInfoKind {
        match self {
            PublicKeyBlob::Dh { .. } => crate::KeyInfoKind::Dhpb,
            PublicKeyBlob::Ec {
                curve: SecretAgreement::EcdhP384,
                ..
            } => crate::KeyInfoKind::Eck3,
            PublicKeyBlob::Ec { .. } => crate::KeyInfoKind::Eck1,
        }
    }

    /// The key agreement this key belongs to.
    pub fn algorithm(&self) -> SecretAgreement {
        match self {
            PublicKeyBlob::Dh { .. } => SecretAgreement::Dh,
            PublicKeyBlob::Ec { curve, .. } => *curve,
        }
    }

    /// Serializes to the CNG blob.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            PublicKeyBlob::Dh { group, y } => {
                let k = group.key_len();
                let mut v = Vec::with_capacity(8 + 3 * k);
                v.extend_from_slice(b"DHPB");
                v.extend_from_slice(&(k as u32).to_le_bytes());
                v.extend_from_slice(group.p());
                v.extend_from_slice(group.g());
                v.extend_from_slice(&left_pad(y, k));
                v
            }
            PublicKeyBlob::Ec { curve, x, y } => {
                let k = curve_len(*curve);
                let mut v = Vec::with_capacity(8 + 2 * k);
                v.extend_from_slice(if *curve == SecretAgreement::EcdhP384 {
                    b"ECK3"
                } else {
                    b"ECK1"
                });
                v.extend_from_slice(&(k as u32).to_le_bytes());
                v.extend_from_slice(&left_pad(x, k));
                v.extend_from_slice(&left_pad(y, k));
                v
            }
        }
    }

    /// Parses a `DHPB`, `ECK1` or `ECK3` blob.
    pub fn parse(b: &[u8]) -> Result<Self> {
        Self::parse_at(b, 0)
    }

    pub(crate) fn parse_at(b: &[u8], base: usize) -> Result<Self> {
        const S: &str = "public key blob";
        let magic = b.get(0..4).ok_or(malformed(S, base, "truncated"))?;
        let k = read_u32(b, 4, S, base)? as usize;
        match magic {
            b"DHPB" => {
                if k == 0 || k > 1024 || b.len() != 8 + 3 * k {
                    return Err(malformed(S, base + 4, "DHPB lengths do not match"));
                }
                Ok(PublicKeyBlob::Dh {
                    group: DhGroup {
                        p: b[8..8 + k].to_vec(),
                        g: b[8 + k..8 + 2 * k].to_vec(),
                    },
                    y: b[8 + 2 * k..].to_vec(),
                })
            }
            b"ECK1" | b"ECK3" => {
                let curve = if magic == b"ECK1" {
                    SecretAgreement::EcdhP256
                } else {
                    SecretAgreement::EcdhP384
                };
                if k != curve_len(curve) || b.len() != 8 + 2 * k {
                    return Err(malformed(S, base + 4, "ECK lengths do not match"));
                }
                Ok(PublicKeyBlob::Ec {
                    curve,
                    x: b[8..8 + k].to_vec(),
                    y: b[8 + k..].to_vec(),
                })
            }
            b"ECK5" => Err(Error::UnsupportedAlgorithm("ECDH_P521".into())),
            _ => Err(malformed(S, base, "unknown public key magic")),
        }
    }
}

/// Field size in bytes of an ECDH curve.
pub(crate) const fn curve_len(curve: SecretAgreement) -> usize {
    match curve {
        SecretAgreement::EcdhP384 => 48,
        _ => 32,
    }
}

/// Left-pads big-endian `b` with zeros to `len` bytes (or keeps its last `len` bytes).
pub(crate) fn left_pad(b: &[u8], len: usize) -> Vec<u8> {
    if b.len() >= len {
        return b[b.len() - len..].to_vec();
    }
    let mut v = vec![0u8; len - b.len()];
    v.extend_from_slice(b);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_parameters_sha512_blob_is_the_windows_bytes() {
        assert_eq!(
            hex::encode(kdf_parameters_blob(KdfHash::Sha512)),
            "00000000010000000e000000000000005300480041003500310032000000"
        );
        for h in [
            KdfHash::Sha1,
            KdfHash::Sha256,
            KdfHash::Sha384,
            KdfHash::Sha512,
        ] {
            assert_eq!(parse_kdf_parameters(&kdf_parameters_blob(h)).unwrap(), h);
        }
        assert!(parse_kdf_parameters(&[0; 10]).is_err());
    }

    #[test]
    fn dhpm_round_trip_and_p521_is_unsupported() {
        let g = DhGroup::rfc5114_2048();
        assert_eq!(g.to_dhpm().len(), 524);
        assert_eq!(DhGroup::from_dhpm(&g.to_dhpm()).unwrap(), g);
        let mut eck5 = b"ECK5".to_vec();
        eck5.extend_from_slice(&66u32.to_le_bytes());
        eck5.extend_from_slice(&[0; 132]);
        assert!(matches!(
            PublicKeyBlob::parse(&eck5),
            Err(Error::UnsupportedAlgorithm(_))
        ));
    }
}
