//! The 16-byte header of `msLAPS-EncryptedPassword`, `…History`, `msLAPS-EncryptedDSRMPassword`
//! and `…DSRMPasswordHistory` values, and the read-only inspection of a value.

use crate::cms::{DpapiNgBlob, Recipient};
use crate::error::{malformed, Result};
use crate::key_identifier::{KeyIdentifier, KeyInfo};
use crate::{Guid, KeyPath};
use laps_core::FileTime;

/// Length of the header before the DPAPI-NG blob.
pub const HEADER_LEN: usize = 16;
const S: &str = "LAPS attribute header";

/// The header: `PasswordUpdateTimestamp` (FILETIME, **high dword first**), `EncryptedPasswordSize`
/// (bytes after the header), `Reserved` (0).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LapsHeader {
    /// When the password was set.
    pub update_time: FileTime,
    /// Length of the DPAPI-NG blob (CMS + detached ciphertext).
    pub encrypted_size: u32,
    /// Reserved, 0.
    pub reserved: u32,
}

impl LapsHeader {
    /// Splits an attribute value into header and blob.
    ///
    /// Strict: at least 16 bytes, `size ≤ len − 16`, `Reserved == 0`. Bytes after `16 + size` are
    /// ignored (UNCERTAIN, no sample: the spec recommends tolerating them).
    pub fn split(value: &[u8]) -> Result<(LapsHeader, &[u8])> {
        let head: &[u8; HEADER_LEN] = value
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(malformed(S, value.len(), "shorter than 16 bytes"))?;
        let u = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let header = LapsHeader {
            update_time: FileTime::from_parts(u(0), u(4)),
            encrypted_size: u(8),
            reserved: u(12),
        };
        if header.reserved != 0 {
            return Err(malformed(S, 12, "Reserved is not 0"));
        }
        let size = header.encrypted_size as usize;
        if size > value.len() - HEADER_LEN {
            return Err(malformed(S, 8, "EncryptedPasswordSize exceeds the value"));
        }
        Ok((header, &value[HEADER_LEN..HEADER_LEN + size]))
    }

    /// The 16 header bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..4].copy_from_slice(&self.update_time.high().to_le_bytes());
        h[4..8].copy_from_slice(&self.update_time.low().to_le_bytes());
        h[8..12].copy_from_slice(&self.encrypted_size.to_le_bytes());
        h[12..16].copy_from_slice(&self.reserved.to_le_bytes());
        h
    }
}

/// Everything a caller needs to know before decrypting an attribute value (no keys needed):
/// serializable to JSON, the header's fields then the blob's, in one flat object (the update
/// time twice: `update_time` in RFC 3339, `update_filetime` in ticks).
#[derive(Clone, Debug)]
pub struct EncryptedAttributeInfo {
    /// Header timestamp.
    pub update_time: FileTime,
    /// Header `EncryptedPasswordSize`.
    pub encrypted_size: u32,
    /// Header `Reserved`.
    pub reserved: u32,
    /// The DPAPI-NG blob.
    pub blob: BlobInfo,
}

/// The parsed structure of a DPAPI-NG blob.
#[derive(Clone, Debug)]
pub struct BlobInfo {
    /// The protection descriptor, e.g. `SID=S-1-5-21-…-512`.
    pub protection_descriptor: String,
    /// The target SID when the blob has a single-SID recipient (what GetKey needs).
    pub target_sid: Option<String>,
    /// The key of the first SID recipient: root key id, L0/L1/L2, path, domain, forest.
    pub key: Option<KeyIdentifierInfo>,
    /// Every recipient.
    pub recipients: Vec<RecipientInfo>,
    /// Ciphertext after the CMS (LAPS) or inside it.
    pub content_detached: bool,
    /// Length of `ciphertext ‖ tag`.
    pub ciphertext_len: usize,
    /// The GCM nonce (public; hex in the JSON form, as `gcm_nonce_hex`).
    pub gcm_nonce: [u8; crate::cms::GCM_NONCE_LEN],
}

impl BlobInfo {
    /// The number of fields [`fields`](Self::fields) writes.
    const FIELDS: usize = 7;

    /// Writes the blob's fields into a struct being serialized (its own, or an attribute
    /// value's, which holds them flat after the header's).
    fn fields<S: serde::ser::SerializeStruct>(
        &self,
        s: &mut S,
    ) -> core::result::Result<(), S::Error> {
        let BlobInfo {
            protection_descriptor,
            target_sid,
            key,
            recipients,
            content_detached,
            ciphertext_len,
            gcm_nonce,
        } = self;
        s.serialize_field("protection_descriptor", protection_descriptor)?;
        s.serialize_field("target_sid", target_sid)?;
        s.serialize_field("key", key)?;
        s.serialize_field("recipients", recipients)?;
        s.serialize_field("content_detached", content_detached)?;
        s.serialize_field("ciphertext_len", ciphertext_len)?;
        s.serialize_field("gcm_nonce_hex", &hex::encode(gcm_nonce))
    }
}

// Written out rather than derived with `#[serde(flatten)]`, which would make the attribute
// value's form a map: a serializer could no longer tell its field names from data keys.
impl serde::Serialize for BlobInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("BlobInfo", Self::FIELDS)?;
        self.fields(&mut st)?;
        st.end()
    }
}

impl serde::Serialize for EncryptedAttributeInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let EncryptedAttributeInfo {
            update_time,
            encrypted_size,
            reserved,
            blob,
        } = self;
        let mut st = s.serialize_struct("EncryptedAttributeInfo", 4 + BlobInfo::FIELDS)?;
        st.serialize_field("update_time", &update_time.to_rfc3339())?;
        st.serialize_field("update_filetime", &update_time.ticks())?;
        st.serialize_field("encrypted_size", encrypted_size)?;
        st.serialize_field("reserved", reserved)?;
        blob.fields(&mut st)?;
        st.end()
    }
}

/// Displays and serializes an enum as its `as_str()` name (the JSON forms keep the names).
macro_rules! named_enum {
    ($t:ty) => {
        impl core::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// The kind of a CMS recipient (a DPAPI-NG protector).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecipientKind {
    /// `KEKRecipientInfo`: a `SID=` (or other single-principal) protector with a GKDI key.
    Kek,
    /// An `AND` of protectors (an `OtherRecipientInfo`).
    And,
    /// A certificate protector.
    Certificate,
    /// Any other recipient type.
    Other,
}

impl RecipientKind {
    /// `kek`, `and`, `certificate` or `other`.
    ///
    /// ```
    /// assert_eq!(laps_crypto::RecipientKind::Kek.as_str(), "kek");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            RecipientKind::Kek => "kek",
            RecipientKind::And => "and",
            RecipientKind::Certificate => "certificate",
            RecipientKind::Other => "other",
        }
    }
}

/// What a KeyIdentifier's key info holds: the sender's ephemeral public key (public-key path)
/// or a KDF context nonce (private-key path).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyInfoKind {
    /// A `DHPB` (BCRYPT_DH_PUBLIC_BLOB): finite-field DH 2048.
    Dhpb,
    /// An `ECK1` (BCRYPT_ECDH_PUBLIC_P256 magic): ECDH P-256.
    Eck1,
    /// An `ECK3` (BCRYPT_ECDH_PUBLIC_P384 magic): ECDH P-384.
    Eck3,
    /// A KDF context nonce (private-key path).
    KdfContextNonce,
}

impl KeyInfoKind {
    /// `DHPB`, `ECK1`, `ECK3` or `kdf_context_nonce`.
    ///
    /// ```
    /// assert_eq!(laps_crypto::KeyInfoKind::Dhpb.as_str(), "DHPB");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyInfoKind::Dhpb => "DHPB",
            KeyInfoKind::Eck1 => "ECK1",
            KeyInfoKind::Eck3 => "ECK3",
            KeyInfoKind::KdfContextNonce => "kdf_context_nonce",
        }
    }
}

named_enum!(RecipientKind);
named_enum!(KeyInfoKind);
named_enum!(KeyPath);

/// One recipient, for display.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecipientInfo {
    /// What kind of protector it is.
    pub kind: RecipientKind,
    /// Its descriptor.
    pub descriptor: String,
    /// Its KeyIdentifier, when it has a GKDI one.
    pub key: Option<KeyIdentifierInfo>,
}

/// A KeyIdentifier, for display and for callers that run GetKey themselves.
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct KeyIdentifierInfo {
    /// Structure version.
    pub version: u32,
    /// Flags (3 = public-key path, 2 = private-key path).
    pub flags: u32,
    /// Root key id.
    pub root_key_id: Guid,
    /// L0 index.
    pub l0: i32,
    /// L1 index.
    pub l1: i32,
    /// L2 index.
    pub l2: i32,
    /// The public-key path (group public key; every real LAPS blob) or the private-key path.
    pub path: KeyPath,
    /// What the key info holds.
    pub key_info_kind: KeyInfoKind,
    /// Length of `key_info`.
    pub key_info_len: usize,
    /// Domain DNS name.
    pub domain_name: String,
    /// Forest DNS name.
    pub forest_name: String,
}

impl From<&KeyIdentifier> for KeyIdentifierInfo {
    fn from(k: &KeyIdentifier) -> Self {
        let (kind, len) = match &k.key_info {
            KeyInfo::Nonce(n) => (KeyInfoKind::KdfContextNonce, n.len()),
            KeyInfo::PublicKey(pk) => (pk.kind(), pk.to_bytes().len()),
        };
        KeyIdentifierInfo {
            version: k.version,
            flags: k.flags,
            root_key_id: k.root_key_id,
            l0: k.index.l0,
            l1: k.index.l1,
            l2: k.index.l2,
            path: if k.is_public_key() {
                KeyPath::Public
            } else {
                KeyPath::Private
            },
            key_info_kind: kind,
            key_info_len: len,
            domain_name: k.domain_name.clone(),
            forest_name: k.forest_name.clone(),
        }
    }
}

/// Parses an encrypted attribute value (header + DPAPI-NG blob) without any key.
///
/// Strict about the header and the CMS; the KeyIdentifier of each SID recipient is parsed
/// strictly too (index ranges included). Unsupported protectors still parse (the descriptor says
/// what they are), since there is nothing to decrypt here.
///
/// ```
/// # use laps_crypto::{encrypt, sample, GroupKeyEnvelope, KeyIndex, LapsCredential};
/// # use laps_core::{FileTime, Password};
/// # let now = FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
/// # let sid = sample::SID.parse()?;
/// # let gke = GroupKeyEnvelope::from_root_key(&sample::root_key(), &sid, KeyIndex::from_filetime(now), "contoso.com", "contoso.com", true)?;
/// # let value = encrypt::encrypt_credential(&gke, &sid, &LapsCredential::new("Administrator", Password::from("pw"), now), &mut rand_core::OsRng)?;
/// let info = laps_crypto::parse_encrypted_attribute(&value)?;
/// let key = info.blob.key.as_ref().unwrap();
/// println!("{} needs root key {} ({}, {}, {})", info.update_time, key.root_key_id, key.l0, key.l1, key.l2);
/// # Ok::<(), laps_crypto::Error>(())
/// ```
pub fn parse_encrypted_attribute(value: &[u8]) -> Result<EncryptedAttributeInfo> {
    let (header, blob) = LapsHeader::split(value)?;
    Ok(EncryptedAttributeInfo {
        update_time: header.update_time,
        encrypted_size: header.encrypted_size,
        reserved: header.reserved,
        blob: inspect(&DpapiNgBlob::parse(blob, HEADER_LEN)?)?,
    })
}

/// Parses a DPAPI-NG blob (e.g. `NCryptProtectSecret` output) without any key.
pub fn parse_blob(blob: &[u8]) -> Result<BlobInfo> {
    inspect(&DpapiNgBlob::parse(blob, 0)?)
}

fn inspect(blob: &DpapiNgBlob) -> Result<BlobInfo> {
    let mut first_sid_key = None;
    let mut target_sid = None;
    for (rec, sid) in blob.sid_recipients() {
        let ki = KeyIdentifier::parse_at(&rec.key_identifier, rec.key_identifier_offset)?;
        if first_sid_key.is_none() {
            first_sid_key = Some(KeyIdentifierInfo::from(&ki));
            target_sid = Some(sid.to_string());
        }
    }
    Ok(BlobInfo {
        protection_descriptor: blob.protection_descriptor(),
        target_sid,
        key: first_sid_key,
        recipients: blob.recipients.iter().map(recipient_info).collect(),
        content_detached: blob.content_detached,
        ciphertext_len: blob.ciphertext.len(),
        gcm_nonce: blob.nonce,
    })
}

fn recipient_info(r: &Recipient) -> RecipientInfo {
    let (kind, key) = match r {
        Recipient::Kek(k) => (
            RecipientKind::Kek,
            KeyIdentifier::parse_at(&k.key_identifier, k.key_identifier_offset)
                .ok()
                .map(|ki| KeyIdentifierInfo::from(&ki)),
        ),
        Recipient::And(_) => (RecipientKind::And, None),
        Recipient::Certificate(_) => (RecipientKind::Certificate, None),
        Recipient::Other(_) => (RecipientKind::Other, None),
    };
    RecipientInfo {
        kind,
        descriptor: r.descriptor(),
        key,
    }
}
