//! [`Encryptor`]: one builder for every way winlaps encrypts, so the CLI and both bindings
//! set up encryption the same way, with the same defaults.
//!
//! * The key source is a KDS root key (an envelope is derived for the time, as a domain
//!   controller answers GetKey) or a group key envelope as GetKey returned it.
//! * There is no default domain: deriving from a root key needs the caller's domain name
//!   (the forest defaults to it); without one the error says so.
//! * The one default path is the public-key path, the one every Windows LAPS client uses.
//! * Randomness is the caller's `&mut dyn CryptoRngCore`; [`with_randomness`] gives the
//!   operating system's, or replays recorded bytes (tests), with one error when they run out.

use crate::encrypt;
use crate::replay::RecordedRandomness;
use crate::{Error, GroupKeyEnvelope, KeyIndex, LapsCredential, Result};
use crate::{RootKey, Sid};
use laps_core::FileTime;
use rand_core::CryptoRngCore;

/// What keys the blob: where the group key envelope comes from.
#[derive(Clone)]
#[non_exhaustive]
pub enum KeySource {
    /// A KDS root key: the envelope for the blob's time is derived from it.
    RootKey(RootKey),
    /// A group key envelope (what GetKey returns), used as it is.
    Envelope(GroupKeyEnvelope),
}

impl core::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            KeySource::RootKey(_) => "KeySource::RootKey(<redacted>)",
            KeySource::Envelope(_) => "KeySource::Envelope(<redacted>)",
        })
    }
}

/// Which key path a blob derived from a root key uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum KeyPath {
    /// The group's public key and an ephemeral key agreement: what every Windows LAPS client
    /// writes (it receives only a public-key envelope). The default.
    #[default]
    Public,
    /// A key derived with a KDF context nonce: what a member of the protecting group writes.
    Private,
}

impl KeyPath {
    /// `public_key` or `private_key`.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyPath::Public => "public_key",
            KeyPath::Private => "private_key",
        }
    }
}

/// Encrypts LAPS attribute values and DPAPI-NG blobs for one `SID=` protector.
///
/// ```
/// use laps_crypto::{sample, Encryptor, KeyPath, KeySource, KeyStore, LapsCredential};
/// use laps_core::{FileTime, Password};
/// let now = FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
/// let sid = sample::SID.parse()?;
/// let enc = Encryptor::new(KeySource::RootKey(sample::root_key()), sid).domain("contoso.com");
/// let cred = LapsCredential::new("Administrator", Password::from("pw"), now);
/// let value = enc.encrypt_credential(&cred, &mut rand_core::OsRng)?;
///
/// let store = KeyStore::new();
/// store.add_root_key(sample::root_key());
/// assert_eq!(store.decrypt_attribute(&value)?.password.expose(), "pw");
///
/// // No default domain: deriving from a root key needs the caller's.
/// let bare = Encryptor::new(KeySource::RootKey(sample::root_key()), sample::SID.parse()?);
/// assert!(bare.encrypt_credential(&cred, &mut rand_core::OsRng).is_err());
/// # Ok::<(), laps_crypto::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Encryptor {
    source: KeySource,
    sid: Sid,
    domain: Option<String>,
    forest: Option<String>,
    path: KeyPath,
}

impl Encryptor {
    /// Encrypts to `sid` with keys from `source`, on the public-key path.
    pub fn new(source: KeySource, sid: Sid) -> Self {
        Encryptor {
            source,
            sid,
            domain: None,
            forest: None,
            path: KeyPath::default(),
        }
    }

    /// The DNS domain name written into the key identifier (needed with a root key; an
    /// empty name is the caller's choice and is written as given).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The DNS forest name (default: the domain).
    pub fn forest(mut self, forest: impl Into<String>) -> Self {
        self.forest = Some(forest.into());
        self
    }

    /// The key path of an envelope derived from a root key (default [`KeyPath::Public`]).
    pub fn path(mut self, path: KeyPath) -> Self {
        self.path = path;
        self
    }

    /// The settings a caller may leave out, as the bindings take them: `public_key`
    /// (`Some(false)` is the private-key path), `domain` and `forest`. `None` keeps the default.
    ///
    /// ```
    /// use laps_crypto::{sample, Encryptor, KeySource};
    /// let now = laps_core::FileTime::parse_rfc3339("2026-11-22T09:00:00Z").unwrap();
    /// let e = Encryptor::new(KeySource::RootKey(sample::root_key()), sample::SID.parse()?);
    /// let gke = e.options(Some(false), Some("contoso.com"), None).envelope(now)?;
    /// assert!(!gke.is_public_key());
    /// assert_eq!(gke.info().forest_name, "contoso.com");
    /// # Ok::<(), laps_crypto::Error>(())
    /// ```
    pub fn options(
        self,
        public_key: Option<bool>,
        domain: Option<&str>,
        forest: Option<&str>,
    ) -> Self {
        let mut e = self;
        if public_key == Some(false) {
            e.path = KeyPath::Private;
        }
        e.domain = domain.map(str::to_owned).or(e.domain);
        e.forest = forest.map(str::to_owned).or(e.forest);
        e
    }

    /// The target SID.
    pub fn sid(&self) -> &Sid {
        &self.sid
    }

    /// The group key envelope that keys a blob written at `time`.
    pub fn envelope(&self, time: FileTime) -> Result<GroupKeyEnvelope> {
        match &self.source {
            KeySource::Envelope(gke) => Ok(gke.clone()),
            KeySource::RootKey(root) => {
                let domain = self.domain.as_deref().ok_or_else(|| {
                    Error::InvalidInput(
                        "a domain name is needed to derive a group key envelope from a root key"
                            .into(),
                    )
                })?;
                GroupKeyEnvelope::from_root_key(
                    root,
                    &self.sid,
                    KeyIndex::from_filetime(time),
                    domain,
                    self.forest.as_deref().unwrap_or(domain),
                    self.path == KeyPath::Public,
                )
            }
        }
    }

    /// An `msLAPS-EncryptedPassword` (or history / DSRM) value of `plaintext` as given.
    pub fn encrypt_attribute(
        &self,
        update_time: FileTime,
        plaintext: &[u8],
        mut rng: &mut dyn CryptoRngCore,
    ) -> Result<Vec<u8>> {
        let gke = self.envelope(update_time)?;
        encrypt::encrypt_attribute(&gke, &self.sid, update_time, plaintext, &mut rng)
    }

    /// A credential exactly as Windows LAPS writes it (UTF-16LE JSON + NUL, header time =
    /// the credential's update time).
    pub fn encrypt_credential(
        &self,
        credential: &LapsCredential,
        mut rng: &mut dyn CryptoRngCore,
    ) -> Result<Vec<u8>> {
        let gke = self.envelope(credential.update_time)?;
        encrypt::encrypt_credential(&gke, &self.sid, credential, &mut rng)
    }

    /// A DPAPI-NG blob as `NCryptProtectSecret` makes it, keyed for `time`.
    pub fn encrypt_blob(
        &self,
        time: FileTime,
        plaintext: &[u8],
        mut rng: &mut dyn CryptoRngCore,
    ) -> Result<Vec<u8>> {
        let gke = self.envelope(time)?;
        encrypt::encrypt_blob(&gke, &self.sid, plaintext, &mut rng)
    }
}

/// Runs `f` with the randomness every binding and the CLI use: the replayed `recorded`
/// bytes (tests: reproduces a recorded value byte for byte; running out is
/// [`Error::Rng`], kind `Randomness`), or else the operating system's random source.
///
/// ```
/// use laps_crypto::{with_randomness, Error, ErrorKind};
/// let n = with_randomness(Some(&[1, 2, 3, 4]), |rng| Ok(rng.next_u32()))?;
/// assert_eq!(n, u32::from_le_bytes([1, 2, 3, 4]));
/// let e = with_randomness(Some(&[1]), |rng| Ok(rng.next_u32())).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::Randomness);
/// # Ok::<(), Error>(())
/// ```
pub fn with_randomness<T>(
    recorded: Option<&[u8]>,
    f: impl FnOnce(&mut dyn CryptoRngCore) -> Result<T>,
) -> Result<T> {
    match recorded {
        Some(bytes) => {
            let mut rng = RecordedRandomness::new(bytes);
            let out = f(&mut rng);
            if rng.ran_out() {
                return Err(Error::Rng);
            }
            out
        }
        #[cfg(feature = "os-rng")]
        None => f(&mut rand_core::OsRng),
        #[cfg(not(feature = "os-rng"))]
        None => Err(Error::Rng),
    }
}
