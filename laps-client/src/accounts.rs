//! The lab server's account table: `NAME:PASSWORD:SID[,SID...]` lines (NTLM and name mapping)
//! and `NAME:SID[,SID...]` lines (no password: a Kerberos caller's name mapped to SIDs when its
//! ticket carries no PAC).

use std::fmt;
use std::str::FromStr;

use laps_crypto::Sid;
use laps_rpc::auth::SidResolver;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// SIDs every authenticated token holds besides the account's own: Everyone (S-1-1-0) and
/// Authenticated Users (S-1-5-11) ([MS-DTYP] 2.4.2.4).
pub const IMPLICIT_SIDS: [&str; 2] = ["S-1-1-0", "S-1-5-11"];

/// One account of the lab server.
#[derive(Clone)]
pub struct Account {
    user: String,
    domain: Option<String>,
    password: Option<Zeroizing<String>>,
    sids: Vec<Sid>,
}

impl Account {
    /// Parses `NAME:PASSWORD:SID[,SID...]` or `NAME:SID[,SID...]`. `NAME` is `user` or
    /// `DOMAIN\user`; the password may contain `:` (the first `:` ends the name, the last
    /// starts the SIDs). An account without a password cannot sign in with NTLM; it maps a
    /// Kerberos client (`user@REALM`, REALM matching DOMAIN or its first label) to its SIDs
    /// when the ticket carries no PAC.
    ///
    /// ```
    /// let a: laps_client::Account = "CONTOSO\\helpdesk:P@ss:w0rd:S-1-5-21-1-2-3-1105,S-1-5-21-1-2-3-512"
    ///     .parse().unwrap();
    /// assert_eq!(a.name(), "CONTOSO\\helpdesk");
    /// assert_eq!(a.sids().len(), 2);
    /// assert!(!format!("{a:?}").contains("P@ss"));
    /// ```
    pub fn parse(line: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::InvalidArgument(format!(
                "account line: {why} (expected NAME:PASSWORD:SID[,SID...] or NAME:SID[,SID...])"
            ))
        };
        let (name, rest) = line.split_once(':').ok_or_else(|| bad("no ':'"))?;
        let (password, sids) = match rest.rsplit_once(':') {
            Some((p, s)) => (Some(p), s),
            None => (None, rest),
        };
        if name.is_empty() {
            return Err(bad("empty name"));
        }
        let (domain, user) = match name.split_once('\\') {
            Some((d, u)) => (Some(d.to_owned()), u.to_owned()),
            None => (None, name.to_owned()),
        };
        if user.is_empty() {
            return Err(bad("empty user name"));
        }
        let sids = sids
            .split(',')
            .map(|s| {
                Sid::from_str(s.trim())
                    .map_err(|_| Error::InvalidArgument(format!("account {name}: bad SID {s:?}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            user,
            domain,
            password: password.map(|p| Zeroizing::new(p.to_owned())),
            sids,
        })
    }

    /// `DOMAIN\user` or `user`, as configured: the name the lab server reports as
    /// [`client_name`](laps_rpc::auth::SecurityContext::client_name).
    pub fn name(&self) -> String {
        match &self.domain {
            Some(d) => format!("{d}\\{}", self.user),
            None => self.user.clone(),
        }
    }

    /// Whether the account has a password (can sign in with NTLM).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The account's own SIDs as configured (user and groups).
    pub fn sids(&self) -> &[Sid] {
        &self.sids
    }

    /// Whether the NTLM user and domain from an AUTHENTICATE message name this account
    /// (ASCII case-insensitive; an account without a domain matches any domain).
    pub(crate) fn matches(&self, user: &str, domain: &str) -> bool {
        self.user.eq_ignore_ascii_case(user)
            && self
                .domain
                .as_deref()
                .is_none_or(|d| d.eq_ignore_ascii_case(domain))
    }

    /// The NTLM password; `None` for a name-mapping-only account.
    pub(crate) fn password(&self) -> Option<&str> {
        self.password.as_deref().map(String::as_str)
    }

    /// Whether the Kerberos client `user@realm` is this account: the user name matches and the
    /// account has no domain, or its domain is the realm or the realm's first label (the
    /// NetBIOS name of an AD domain usually is), ASCII case-insensitive.
    fn matches_kerberos(&self, user: &str, realm: &str) -> bool {
        self.user.eq_ignore_ascii_case(user)
            && self.domain.as_deref().is_none_or(|d| {
                d.eq_ignore_ascii_case(realm)
                    || realm
                        .split('.')
                        .next()
                        .is_some_and(|l| d.eq_ignore_ascii_case(l))
            })
    }

    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    pub(crate) fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }
}

impl FromStr for Account {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name())
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "sids",
                &self
                    .sids
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The accounts a lab server accepts; also the [`SidResolver`] of its responder.
#[derive(Debug, Clone, Default)]
pub struct AccountTable {
    accounts: Vec<Account>,
}

impl AccountTable {
    /// A table of `accounts`. Names must be distinct (ASCII case-insensitive).
    pub fn new(accounts: Vec<Account>) -> Result<Self> {
        for (i, a) in accounts.iter().enumerate() {
            if accounts[..i]
                .iter()
                .any(|b| b.name().eq_ignore_ascii_case(&a.name()))
            {
                return Err(Error::InvalidArgument(format!(
                    "account {} given twice",
                    a.name()
                )));
            }
        }
        Ok(Self { accounts })
    }

    /// The account an NTLM AUTHENTICATE message's user and domain name: an exact
    /// `DOMAIN\user` entry first, then a `user` entry without domain. A user name in UPN
    /// form (`user@DOMAIN`, with an empty domain field, as pyspnego sends it) is split first.
    pub(crate) fn find(&self, user: &str, domain: &str) -> Option<&Account> {
        let (user, domain) = match user.split_once('@') {
            Some((u, d)) if domain.is_empty() => (u, d),
            _ => (user, domain),
        };
        self.accounts
            .iter()
            .find(|a| a.domain.is_some() && a.matches(user, domain))
            .or_else(|| {
                self.accounts
                    .iter()
                    .find(|a| a.domain.is_none() && a.matches(user, domain))
            })
    }

    /// The accounts.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }
}

impl SidResolver for AccountTable {
    /// The account's SIDs plus [`IMPLICIT_SIDS`]; `client_name` is an [`Account::name`], or
    /// a Kerberos client `user@REALM` (see [`Account::parse`]).
    fn sids(&self, client_name: &str) -> Option<Vec<Sid>> {
        let account = self
            .accounts
            .iter()
            .find(|a| a.name() == client_name)
            .or_else(|| {
                let (user, realm) = client_name.rsplit_once('@')?;
                self.accounts
                    .iter()
                    .find(|a| a.domain.is_some() && a.matches_kerberos(user, realm))
                    .or_else(|| {
                        self.accounts
                            .iter()
                            .find(|a| a.matches_kerberos(user, realm))
                    })
            })?;
        Some(with_implicit_sids(account.sids.clone()))
    }
}

/// `sids` plus the [`IMPLICIT_SIDS`] it lacks.
pub(crate) fn with_implicit_sids(mut sids: Vec<Sid>) -> Vec<Sid> {
    for s in IMPLICIT_SIDS {
        if let Ok(sid) = Sid::from_str(s) {
            if !sids.contains(&sid) {
                sids.push(sid);
            }
        }
    }
    sids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_without_password_maps_kerberos_names_to_sids() {
        let mapped =
            Account::parse("WINLAPS\\helpdesk:S-1-5-21-1-2-3-1104,S-1-5-21-1-2-3-1103").unwrap();
        assert!(!mapped.has_password());
        assert_eq!(mapped.password(), None);
        let bare = Account::parse("plain:S-1-5-21-1-2-3-1106").unwrap();
        let with_pw = Account::parse("LAB\\x:pa:ss:S-1-5-21-1-2-3-1107").unwrap();
        assert_eq!(with_pw.password(), Some("pa:ss"));
        let table = AccountTable::new(vec![mapped, bare, with_pw]).unwrap();
        let sids = table.sids("helpdesk@WINLAPS.TEST").unwrap();
        assert_eq!(
            sids.len(),
            4,
            "two configured SIDs + Everyone + Authenticated Users"
        );
        assert_eq!(
            table.sids("HELPDESK@winlaps.test"),
            Some(sids),
            "ASCII case-insensitive"
        );
        assert!(
            table.sids("helpdesk@CONTOSO.COM").is_none(),
            "another realm"
        );
        assert!(
            table.sids("plain@ANY.REALM").is_some(),
            "no domain: any realm"
        );
        assert!(table.sids("x@LAB").is_some());
        assert!(table.sids("nobody@WINLAPS.TEST").is_none());
        // Malformed lines stay errors.
        for bad in [
            "",
            "nosep",
            "u:not-a-sid",
            ":S-1-5-21-1-2-3-4",
            "D\\:S-1-5-21-1-2-3-4",
        ] {
            assert!(Account::parse(bad).is_err(), "{bad:?}");
        }
    }
}
