//! Client credentials: a user name and a password, zeroized on drop and never printed.

use std::fmt;

use laps_rpc::auth::AuthType;
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
    /// `auth_protocol` argument: laps-rpc's [`AuthType`] names.
    ///
    /// ```
    /// use laps_client::AuthProtocol;
    /// assert_eq!(AuthProtocol::parse("NTLM").unwrap(), AuthProtocol::Ntlm);
    /// assert!(AuthProtocol::parse("basic").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self> {
        let t = (s.parse::<AuthType>()).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        Ok([Self::Negotiate, Self::Kerberos, Self::Ntlm]
            .into_iter()
            .find(|p| p.auth_type() == t)
            .unwrap_or_default())
    }

    /// The RPC `auth_type` the mechanism writes in the PDUs.
    pub const fn auth_type(self) -> AuthType {
        match self {
            AuthProtocol::Negotiate => AuthType::Spnego,
            AuthProtocol::Kerberos => AuthType::Kerberos,
            AuthProtocol::Ntlm => AuthType::Ntlm,
        }
    }

    /// The lowercase name (laps-rpc's [`AuthType::name`]).
    pub const fn name(self) -> &'static str {
        self.auth_type().name()
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
