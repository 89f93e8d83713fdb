//! The LAPS attributes of one computer object, as an LDAP search returns them.

use crate::error::{Error, Result};
use laps_crypto::Guid;
use zeroize::Zeroizing;

/// LDAP names of the attributes Windows LAPS and legacy Microsoft LAPS use.
pub mod attr {
    /// `msLAPS-PasswordExpirationTime`: FILETIME of the next rotation (decimal Integer8).
    pub const PASSWORD_EXPIRATION_TIME: &str = "msLAPS-PasswordExpirationTime";
    /// `msLAPS-Password`: clear-text JSON `{"n","t","p"}`.
    pub const PASSWORD: &str = "msLAPS-Password";
    /// `msLAPS-EncryptedPassword`: 16-byte header + DPAPI-NG blob.
    pub const ENCRYPTED_PASSWORD: &str = "msLAPS-EncryptedPassword";
    /// `msLAPS-EncryptedPasswordHistory` (multi-valued).
    pub const ENCRYPTED_PASSWORD_HISTORY: &str = "msLAPS-EncryptedPasswordHistory";
    /// `msLAPS-EncryptedDSRMPassword` (domain controllers).
    pub const ENCRYPTED_DSRM_PASSWORD: &str = "msLAPS-EncryptedDSRMPassword";
    /// `msLAPS-EncryptedDSRMPasswordHistory` (multi-valued).
    pub const ENCRYPTED_DSRM_PASSWORD_HISTORY: &str = "msLAPS-EncryptedDSRMPasswordHistory";
    /// Legacy Microsoft LAPS `ms-Mcs-AdmPwd`: the bare password.
    pub const LEGACY_PASSWORD: &str = "ms-Mcs-AdmPwd";
    /// Legacy `ms-Mcs-AdmPwdExpirationTime`.
    pub const LEGACY_EXPIRATION_TIME: &str = "ms-Mcs-AdmPwdExpirationTime";
    /// `msLAPS-CurrentPasswordVersion` (Windows Server 2025 schema): a random 16-byte GUID
    /// written with every update, which the device keeps too (`State\LastPasswordVersion`) to
    /// detect an image rollback.
    pub const CURRENT_PASSWORD_VERSION: &str = "msLAPS-CurrentPasswordVersion";

    /// Every LAPS attribute, for the attribute list of a search (a server whose schema lacks
    /// one simply returns no value for it).
    pub const ALL: [&str; 9] = [
        CURRENT_PASSWORD_VERSION,
        PASSWORD_EXPIRATION_TIME,
        PASSWORD,
        ENCRYPTED_PASSWORD,
        ENCRYPTED_PASSWORD_HISTORY,
        ENCRYPTED_DSRM_PASSWORD,
        ENCRYPTED_DSRM_PASSWORD_HISTORY,
        LEGACY_PASSWORD,
        LEGACY_EXPIRATION_TIME,
    ];
}

/// The LAPS attribute values of one computer object (raw LDAP values).
///
/// Clear-text values are zeroized on drop; `Debug` prints only which attributes are present.
#[derive(Clone, Default)]
pub struct ComputerEntry {
    /// The computer's name (`cn`, or `sAMAccountName` without the trailing `$`).
    pub computer_name: String,
    /// The object's distinguished name.
    pub distinguished_name: String,
    /// `msLAPS-EncryptedPassword`.
    pub encrypted_password: Option<Vec<u8>>,
    /// `msLAPS-EncryptedPasswordHistory`, in the order the server returned them.
    pub encrypted_password_history: Vec<Vec<u8>>,
    /// `msLAPS-EncryptedDSRMPassword`.
    pub encrypted_dsrm_password: Option<Vec<u8>>,
    /// `msLAPS-EncryptedDSRMPasswordHistory`.
    pub encrypted_dsrm_password_history: Vec<Vec<u8>>,
    /// `msLAPS-Password` (clear-text JSON).
    pub password: Option<Zeroizing<Vec<u8>>>,
    /// `msLAPS-PasswordExpirationTime` (decimal FILETIME as sent over LDAP).
    pub password_expiration_time: Option<String>,
    /// `ms-Mcs-AdmPwd`.
    pub legacy_password: Option<Zeroizing<Vec<u8>>>,
    /// `ms-Mcs-AdmPwdExpirationTime`.
    pub legacy_expiration_time: Option<String>,
    /// `msLAPS-CurrentPasswordVersion`: the GUID of the last update (Windows Server 2025
    /// schema; absent on older schemas and from older clients).
    pub current_password_version: Option<Guid>,
}

impl core::fmt::Debug for ComputerEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ComputerEntry")
            .field("computer_name", &self.computer_name)
            .field("distinguished_name", &self.distinguished_name)
            .field("encrypted_password", &self.encrypted_password.is_some())
            .field("history", &self.encrypted_password_history.len())
            .field("dsrm", &self.encrypted_dsrm_password.is_some())
            .field("password", &self.password.is_some())
            .field("legacy_password", &self.legacy_password.is_some())
            .field("current_password_version", &self.current_password_version)
            .finish_non_exhaustive()
    }
}

impl ComputerEntry {
    /// An entry with a name and DN and no LAPS values.
    pub fn new(computer_name: impl Into<String>, distinguished_name: impl Into<String>) -> Self {
        ComputerEntry {
            computer_name: computer_name.into(),
            distinguished_name: distinguished_name.into(),
            ..Default::default()
        }
    }

    /// Builds an entry from `(attribute name, values)` pairs as an LDAP search returns them
    /// (names compared case-insensitively, unknown attributes ignored). The computer name comes
    /// from `cn`, else `sAMAccountName` without its `$`, else the DN's first RDN.
    ///
    /// Single-valued attributes with several values are rejected ([`Error::BadAttribute`]);
    /// expiration times must be UTF-8.
    ///
    /// ```
    /// use laps_directory::ComputerEntry;
    /// let e = ComputerEntry::from_attributes(
    ///     "CN=PC01,CN=Computers,DC=contoso,DC=com",
    ///     [("sAMAccountName", vec![b"PC01$".to_vec()]), ("ms-Mcs-AdmPwd", vec![b"S3cret!".to_vec()])],
    /// )?;
    /// assert_eq!(e.computer_name, "PC01");
    /// assert!(e.legacy_password.is_some());
    /// # Ok::<(), laps_directory::Error>(())
    /// ```
    pub fn from_attributes<N, I>(distinguished_name: &str, attributes: I) -> Result<Self>
    where
        N: AsRef<str>,
        I: IntoIterator<Item = (N, Vec<Vec<u8>>)>,
    {
        let mut e = ComputerEntry::new("", distinguished_name);
        let mut cn = None;
        let mut sam = None;
        for (name, mut values) in attributes {
            let name = name.as_ref();
            let is = |a: &str| name.eq_ignore_ascii_case(a);
            if is("cn") {
                cn = single("cn", values)?
                    .map(|v| utf8_owned("cn", v))
                    .transpose()?;
            } else if is("sAMAccountName") {
                sam = single("sAMAccountName", values)?
                    .map(|v| utf8_owned("sAMAccountName", v))
                    .transpose()?;
            } else if is(attr::ENCRYPTED_PASSWORD) {
                e.encrypted_password = single(attr::ENCRYPTED_PASSWORD, values)?;
            } else if is(attr::ENCRYPTED_PASSWORD_HISTORY) {
                e.encrypted_password_history = values;
            } else if is(attr::ENCRYPTED_DSRM_PASSWORD) {
                e.encrypted_dsrm_password = single(attr::ENCRYPTED_DSRM_PASSWORD, values)?;
            } else if is(attr::ENCRYPTED_DSRM_PASSWORD_HISTORY) {
                e.encrypted_dsrm_password_history = values;
            } else if is(attr::PASSWORD) {
                e.password = single_secret(attr::PASSWORD, &mut values)?;
            } else if is(attr::LEGACY_PASSWORD) {
                e.legacy_password = single_secret(attr::LEGACY_PASSWORD, &mut values)?;
            } else if is(attr::PASSWORD_EXPIRATION_TIME) {
                e.password_expiration_time = single(attr::PASSWORD_EXPIRATION_TIME, values)?
                    .map(|v| {
                        String::from_utf8(v).map_err(|_| Error::BadAttribute {
                            attribute: attr::PASSWORD_EXPIRATION_TIME,
                            reason: "not UTF-8",
                        })
                    })
                    .transpose()?;
            } else if is(attr::CURRENT_PASSWORD_VERSION) {
                e.current_password_version = single(attr::CURRENT_PASSWORD_VERSION, values)?
                    .map(|v| {
                        <[u8; 16]>::try_from(v.as_slice())
                            .map(Guid::from_bytes_le)
                            .map_err(|_| Error::BadAttribute {
                                attribute: attr::CURRENT_PASSWORD_VERSION,
                                reason: "not a 16-byte GUID",
                            })
                    })
                    .transpose()?;
            } else if is(attr::LEGACY_EXPIRATION_TIME) {
                e.legacy_expiration_time = single(attr::LEGACY_EXPIRATION_TIME, values)?
                    .map(|v| {
                        String::from_utf8(v).map_err(|_| Error::BadAttribute {
                            attribute: attr::LEGACY_EXPIRATION_TIME,
                            reason: "not UTF-8",
                        })
                    })
                    .transpose()?;
            }
        }
        e.computer_name = cn
            .or_else(|| sam.map(|s| s.strip_suffix('$').map(str::to_owned).unwrap_or(s)))
            .unwrap_or_else(|| first_rdn_value(distinguished_name).to_owned());
        Ok(e)
    }

    /// True when the object carries at least one LAPS password attribute.
    pub fn has_laps_password(&self) -> bool {
        self.encrypted_password.is_some()
            || !self.encrypted_password_history.is_empty()
            || self.encrypted_dsrm_password.is_some()
            || !self.encrypted_dsrm_password_history.is_empty()
            || self.password.is_some()
            || self.legacy_password.is_some()
    }
}

/// The value of the first RDN of a DN (`PC01` for `CN=PC01,OU=x,...`), or the DN itself.
fn first_rdn_value(dn: &str) -> &str {
    let first = dn.split(',').next().unwrap_or(dn);
    first.split_once('=').map_or(first, |(_, v)| v.trim())
}

fn single(attribute: &'static str, values: Vec<Vec<u8>>) -> Result<Option<Vec<u8>>> {
    if values.len() > 1 {
        return Err(Error::BadAttribute {
            attribute,
            reason: "single-valued attribute has several values",
        });
    }
    Ok(values.into_iter().next())
}

fn single_secret(
    attribute: &'static str,
    values: &mut Vec<Vec<u8>>,
) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let taken: Vec<Zeroizing<Vec<u8>>> = values.drain(..).map(Zeroizing::new).collect();
    if taken.len() > 1 {
        return Err(Error::BadAttribute {
            attribute,
            reason: "single-valued attribute has several values",
        });
    }
    Ok(taken.into_iter().next())
}

fn utf8_owned(attribute: &'static str, v: Vec<u8>) -> Result<String> {
    String::from_utf8(v).map_err(|_| Error::BadAttribute {
        attribute,
        reason: "not UTF-8",
    })
}
