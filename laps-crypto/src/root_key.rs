//! KDS root keys (`msKds-ProvRootKey`), with the Windows defaults for omitted attributes.

use crate::cng::{kdf_parameters_blob, parse_kdf_parameters, DhGroup, SecretAgreement};
use crate::kdf::KdfHash;
use crate::{Error, Guid, Result};
use core::fmt;
use zeroize::Zeroizing;

/// The only KDF Windows defines (`msKds-KDFAlgorithmID`).
pub(crate) const KDF_ALGORITHM: &str = "SP800_108_CTR_HMAC";

/// The attribute values of an `msKds-ProvRootKey` object, as read from AD. Everything but the id
/// and the key data may be omitted (`None`): Windows defaults are used (version 1,
/// SP800_108_CTR_HMAC with SHA-512, DH on the RFC 5114 §2.3 group, 512/2048-bit key lengths).
#[derive(Clone, Default)]
pub struct RootKeyAttributes {
    /// `cn`: the root key id.
    pub id: Guid,
    /// `msKds-Version` (1).
    pub version: Option<u32>,
    /// `msKds-RootKeyData` (64 random bytes): the secret.
    pub root_key_data: Zeroizing<Vec<u8>>,
    /// `msKds-KDFAlgorithmID`.
    pub kdf_algorithm: Option<String>,
    /// `msKds-KDFParam`.
    pub kdf_parameters: Option<Vec<u8>>,
    /// `msKds-SecretAgreementAlgorithmID`.
    pub secret_agreement_algorithm: Option<String>,
    /// `msKds-SecretAgreementParam` (a DHPM blob for DH; empty for ECDH).
    pub secret_agreement_parameters: Option<Vec<u8>>,
    /// `msKds-PrivateKeyLength`, bits.
    pub private_key_length: Option<u32>,
    /// `msKds-PublicKeyLength`, bits.
    pub public_key_length: Option<u32>,
}

impl fmt::Debug for RootKeyAttributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootKeyAttributes")
            .field("id", &self.id)
            .field("root_key_data", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A KDS root key, validated and ready to derive from.
///
/// ```
/// use laps_crypto::{Guid, RootKey};
/// let id: Guid = "93b65561-b7f7-bed4-bca2-a7428e3819fd".parse()?;
/// let key = RootKey::new(id, &[7u8; 64])?; // everything else: Windows defaults
/// assert_eq!(key.secret_agreement().name(), "DH");
/// assert!(!format!("{key:?}").contains("07"));
/// # Ok::<(), laps_crypto::Error>(())
/// ```
#[derive(Clone)]
pub struct RootKey {
    id: Guid,
    version: u32,
    data: Zeroizing<Vec<u8>>,
    kdf_hash: KdfHash,
    agreement: SecretAgreement,
    dh_group: Option<DhGroup>,
    private_key_bits: u32,
    public_key_bits: u32,
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootKey")
            .field("id", &self.id)
            .field("kdf_hash", &self.kdf_hash)
            .field("secret_agreement", &self.agreement)
            .field("data", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl RootKey {
    /// A root key with Windows defaults for everything but the id and `msKds-RootKeyData`.
    pub fn new(id: Guid, root_key_data: &[u8]) -> Result<Self> {
        Self::from_attributes(RootKeyAttributes {
            id,
            root_key_data: Zeroizing::new(root_key_data.to_vec()),
            ..Default::default()
        })
    }

    /// From the attribute values, validating them.
    pub fn from_attributes(a: RootKeyAttributes) -> Result<Self> {
        let version = a.version.unwrap_or(1);
        if version != 1 {
            return Err(Error::UnsupportedAlgorithm(format!(
                "root key version {version}"
            )));
        }
        if a.root_key_data.is_empty() || a.root_key_data.len() > 1024 {
            return Err(Error::InvalidKey(
                "msKds-RootKeyData must be 1..=1024 bytes (Windows: 64)",
            ));
        }
        if let Some(alg) = &a.kdf_algorithm {
            if alg != KDF_ALGORITHM {
                return Err(Error::UnsupportedAlgorithm(format!("KDF {alg:?}")));
            }
        }
        let kdf_hash = match a.kdf_parameters.as_deref() {
            None | Some([]) => KdfHash::Sha512,
            Some(p) => parse_kdf_parameters(p)?,
        };
        let agreement = match a.secret_agreement_algorithm.as_deref() {
            None | Some("") => SecretAgreement::Dh,
            Some(name) => SecretAgreement::from_name(name)?,
        };
        let params = a.secret_agreement_parameters.as_deref().unwrap_or(&[]);
        let dh_group = match agreement {
            SecretAgreement::Dh if params.is_empty() => Some(DhGroup::rfc5114_2048()),
            SecretAgreement::Dh => Some(DhGroup::from_dhpm(params)?),
            _ if params.is_empty() => None,
            _ => {
                return Err(Error::InvalidKey(
                    "ECDH root keys take no secret-agreement parameters",
                ))
            }
        };
        let private_key_bits = a
            .private_key_length
            .unwrap_or(agreement.default_private_key_bits());
        let public_key_bits = a
            .public_key_length
            .unwrap_or(agreement.default_public_key_bits());
        validate_lengths(
            agreement,
            dh_group.as_ref(),
            private_key_bits,
            public_key_bits,
        )?;
        Ok(RootKey {
            id: a.id,
            version,
            data: a.root_key_data,
            kdf_hash,
            agreement,
            dh_group,
            private_key_bits,
            public_key_bits,
        })
    }

    /// Parses the JSON form used by the vectors and the CLI (`--root-key FILE.json`):
    /// `{"root_key_id", "root_key_data_hex", "version"?, "kdf_algorithm"?, "kdf_parameters_hex"?,
    /// "secret_agreement_algorithm"?, "secret_agreement_parameters_hex"?, "private_key_length"?,
    /// "public_key_length"?}`; other fields are ignored.
    pub fn from_json(json: &str) -> Result<Self> {
        #[derive(serde::Deserialize)]
        struct J {
            root_key_id: Guid,
            root_key_data_hex: String,
            version: Option<u32>,
            kdf_algorithm: Option<String>,
            kdf_parameters_hex: Option<String>,
            secret_agreement_algorithm: Option<String>,
            secret_agreement_parameters_hex: Option<String>,
            private_key_length: Option<u32>,
            public_key_length: Option<u32>,
        }
        let mut j: J = serde_json::from_str(json).map_err(|e| json_error(json, &e))?;
        let unhex = |field: &str, s: &str| {
            hex::decode(s)
                .map_err(|_| Error::InvalidInput(format!("root key JSON: {field} is not hex")))
        };
        Self::from_attributes(RootKeyAttributes {
            id: j.root_key_id,
            version: j.version,
            root_key_data: {
                let data = unhex("root_key_data_hex", &j.root_key_data_hex);
                zeroize::Zeroize::zeroize(&mut j.root_key_data_hex);
                Zeroizing::new(data?)
            },
            kdf_algorithm: j.kdf_algorithm,
            kdf_parameters: j
                .kdf_parameters_hex
                .map(|h| unhex("kdf_parameters_hex", &h))
                .transpose()?,
            secret_agreement_algorithm: j.secret_agreement_algorithm,
            secret_agreement_parameters: j
                .secret_agreement_parameters_hex
                .map(|h| unhex("secret_agreement_parameters_hex", &h))
                .transpose()?,
            private_key_length: j.private_key_length,
            public_key_length: j.public_key_length,
        })
    }

    /// The JSON form accepted by [`RootKey::from_json`] (keys in alphabetical order). It contains
    /// the secret key data, so it is written into one buffer reserved up front (no reallocation
    /// leaves a copy in freed memory) and returned zeroizing.
    pub fn to_json(&self) -> Zeroizing<String> {
        /// The fields, borrowed; declared in the order they are written.
        #[derive(serde::Serialize)]
        struct Out<'a> {
            kdf_algorithm: &'a str,
            kdf_parameters_hex: String,
            private_key_length: u32,
            public_key_length: u32,
            root_key_data_hex: &'a str,
            root_key_id: Guid,
            secret_agreement_algorithm: &'a str,
            secret_agreement_parameters_hex: String,
            version: u32,
        }
        // `hex::encode` collects without a size hint (it would reallocate); written by hand.
        let mut data_hex = Zeroizing::new(String::with_capacity(2 * self.data.len()));
        for b in self.data.iter() {
            for nibble in [b >> 4, b & 0xf] {
                data_hex.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
            }
        }
        let out = Out {
            kdf_algorithm: KDF_ALGORITHM,
            kdf_parameters_hex: hex::encode(kdf_parameters_blob(self.kdf_hash)),
            private_key_length: self.private_key_bits,
            public_key_length: self.public_key_bits,
            root_key_data_hex: &data_hex,
            root_key_id: self.id,
            secret_agreement_algorithm: self.agreement.name(),
            secret_agreement_parameters_hex: self
                .dh_group
                .as_ref()
                .map(|g| hex::encode(g.to_dhpm()))
                .unwrap_or_default(),
            version: self.version,
        };
        // Field names, punctuation and numbers stay well under 512 bytes.
        let capacity = 512
            + data_hex.len()
            + out.kdf_parameters_hex.len()
            + out.secret_agreement_parameters_hex.len()
            + KDF_ALGORITHM.len();
        let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
        // Writing to a Vec cannot fail, and every field serializes.
        let _ = serde_json::to_writer(&mut *buf, &out);
        Zeroizing::new(String::from_utf8(core::mem::take(&mut *buf)).unwrap_or_default())
    }

    /// The root key id (`cn`).
    pub fn id(&self) -> Guid {
        self.id
    }

    /// `msKds-RootKeyData`.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The hash of the SP 800-108 KDF.
    pub fn kdf_hash(&self) -> KdfHash {
        self.kdf_hash
    }

    /// The secret-agreement algorithm.
    pub fn secret_agreement(&self) -> SecretAgreement {
        self.agreement
    }

    /// The DH group (DH root keys only).
    pub fn dh_group(&self) -> Option<&DhGroup> {
        self.dh_group.as_ref()
    }

    /// `msKds-PrivateKeyLength` in bits.
    pub fn private_key_bits(&self) -> u32 {
        self.private_key_bits
    }

    /// `msKds-PublicKeyLength` in bits.
    pub fn public_key_bits(&self) -> u32 {
        self.public_key_bits
    }
}

/// Checks that private/public key lengths fit the algorithm.
pub(crate) fn validate_lengths(
    agreement: SecretAgreement,
    group: Option<&DhGroup>,
    private_bits: u32,
    public_bits: u32,
) -> Result<()> {
    let ok = match agreement {
        SecretAgreement::Dh => {
            let k_bits = group.map_or(0, |g| g.key_len() * 8) as u32;
            private_bits % 8 == 0 && (160..=k_bits).contains(&private_bits) && public_bits == k_bits
        }
        curve => {
            private_bits == curve.default_private_key_bits()
                && public_bits == curve.default_public_key_bits()
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidKey(
            "private/public key lengths do not fit the secret-agreement algorithm",
        ))
    }
}

/// A root key JSON error that names the field and never quotes a value (the key data is
/// secret): `missing field root_key_data_hex`, `field version: expected u32`.
fn json_error(json: &str, e: &serde_json::Error) -> Error {
    let text = e.to_string();
    let at = format!("line {} column {}", e.line(), e.column());
    let reason = if let Some(rest) = text.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        format!("missing field {field}")
    } else if e.classify() == serde_json::error::Category::Data {
        let expected = text
            .split(", expected ")
            .nth(1)
            .and_then(|r| r.split(" at line ").next())
            .map(|x| format!(": expected {x}"))
            .unwrap_or_else(|| ": invalid value".to_owned());
        match field_before(json, e.line(), e.column()) {
            Some(field) => format!("field {field}{expected} ({at})"),
            None => format!("invalid value{expected} ({at})"),
        }
    } else {
        format!("{:?} error at {at}", e.classify()).to_lowercase()
    };
    Error::InvalidInput(format!("root key JSON: {reason}"))
}

/// The name of the object key whose value ends at (`line`, `column`) (1-based, as serde_json
/// reports them), read back from the text: the last `"name":` before that point.
fn field_before(json: &str, line: usize, column: usize) -> Option<&str> {
    let start: usize = json
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let end = json.len().min(start + column);
    let prefix = json.get(..end)?;
    let colon = prefix.rfind(':')?;
    let key = prefix[..colon].trim_end().strip_suffix('"')?;
    let name = &key[key.rfind('"')? + 1..];
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    valid.then_some(name)
}
