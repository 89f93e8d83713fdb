//! Client credentials: a user name and a password, zeroized on drop and never printed.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// How the client authenticates the RPC connection (the `--auth` choice of the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AuthProtocol {
    /// SPNEGO (`auth_type` 9): Kerberos when a KDC is configured, NTLM otherwise.
    #[default]
    Negotiate,
    /// Kerberos (`auth_type` 16), tickets from the KDC.
    Kerberos,
    /// NTLM (`auth_type` 10).
    Ntlm,
}

impl AuthProtocol {
    /// Parses `negotiate`, `kerberos` or `ntlm` (ASCII case-insensitive), as dpapi-ng's
    /// `auth_protocol` argument.
    ///
    /// ```
    /// use laps_client::AuthProtocol;
    /// assert_eq!(AuthProtocol::parse("NTLM").unwrap(), AuthProtocol::Ntlm);
    /// assert!(AuthProtocol::parse("basic").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "negotiate" => Ok(AuthProtocol::Negotiate),
            "kerberos" => Ok(AuthProtocol::Kerberos),
            "ntlm" => Ok(AuthProtocol::Ntlm),
            _ => Err(Error::InvalidArgument(format!(
                "unknown auth protocol {s:?} (expected negotiate, kerberos or ntlm)"
            ))),
        }
    }

    /// The lowercase name.
    pub const fn name(self) -> &'static str {
        match self {
            AuthProtocol::Negotiate => "negotiate",
            AuthProtocol::Kerberos => "kerberos",
            AuthProtocol::Ntlm => "ntlm",
        }
    }
}

/// A user name (`user`, `DOMAIN\user` or `user@REALM`) and its password.
///
/// The password is wiped from memory when the value is dropped and `Debug` shows only the
/// user name.
#[derive(Clone)]
pub struct Credentials {
    user: String,
    password: Zeroizing<String>,
}

impl Credentials {
    /// Credentials for `user` with `password`. The user name must not be empty.
    ///
    /// ```
    /// let c = laps_client::Credentials::new("CONTOSO\\helpdesk", "secret".to_owned()).unwrap();
    /// assert!(!format!("{c:?}").contains("secret"));
    /// ```
    pub fn new(user: &str, password: String) -> Result<Self> {
        let password = Zeroizing::new(password);
        if user.is_empty() {
            return Err(Error::InvalidArgument("the user name is empty".into()));
        }
        Ok(Self {
            user: user.to_owned(),
            password,
        })
    }

    /// The user name as given.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub(crate) fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}
