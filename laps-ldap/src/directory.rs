//! [`Directory`]: a bound connection and the LAPS operations on it.

use crate::connect::{connect_and_bind, ConnectOptions};
use crate::error::{guarded, ldap_error, Error, Result};
use laps_core::FileTime;
use laps_crypto::{Guid, RootKey, RootKeyAttributes};
use laps_directory::{attr, sid_from_bytes, AttributeChange, ComputerEntry};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{ldap_escape, LdapConn, Mod, Scope, SearchEntry};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;
use zeroize::Zeroizing;

/// Default page size of paged searches.
const PAGE_SIZE: i32 = 500;
/// Identities looked up per search (one OR filter).
const NAMES_PER_SEARCH: usize = 100;

/// Attributes read from a computer object.
fn computer_attributes() -> Vec<&'static str> {
    let mut v = vec!["cn", "sAMAccountName", "dNSHostName"];
    v.extend(attr::ALL);
    v
}

/// The naming contexts of the directory (from the RootDSE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamingContexts {
    /// `defaultNamingContext`, e.g. `DC=contoso,DC=com`.
    pub default: String,
    /// `configurationNamingContext`.
    pub configuration: String,
    /// `rootDomainNamingContext` (the forest root).
    pub root_domain: String,
}

impl NamingContexts {
    /// The domain's DNS name from its DN (`DC=contoso,DC=com` → `contoso.com`).
    pub fn domain_dns_name(&self) -> String {
        dn_to_dns(&self.default)
    }

    /// The forest's DNS name.
    pub fn forest_dns_name(&self) -> String {
        dn_to_dns(&self.root_domain)
    }
}

fn dn_to_dns(dn: &str) -> String {
    dn.split(',')
        .filter_map(|rdn| {
            let (k, v) = rdn.split_once('=')?;
            k.trim().eq_ignore_ascii_case("DC").then(|| v.trim())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A KDS root key read from the Configuration partition, with its validity start.
#[derive(Clone, Debug)]
pub struct DirectoryRootKey {
    /// The key.
    pub key: RootKey,
    /// `msKds-UseStartTime`: when it may first be used to encrypt.
    pub use_start_time: Option<FileTime>,
    /// `msKds-CreateTime`.
    pub create_time: Option<FileTime>,
}

/// A bound LDAP connection to a domain controller.
///
/// Every operation runs with the timeout of the [`ConnectOptions`]; searches of many objects are
/// paged.
pub struct Directory {
    conn: LdapConn,
    timeout: Duration,
    contexts: NamingContexts,
    /// Page size of paged searches.
    page_size: i32,
    /// The NetBIOS domain name, once the server said it (`u:DOMAIN\\user` from Who am I).
    netbios_domain: Option<String>,
    /// Set when ldap3 failed on a malformed server message: the connection is not used again.
    broken: bool,
}

impl core::fmt::Debug for Directory {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Directory")
            .field("contexts", &self.contexts)
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// Connects, binds and reads the RootDSE.
    pub fn connect(options: &ConnectOptions) -> Result<Self> {
        let conn = connect_and_bind(options)?;
        let mut dir = Directory {
            conn,
            timeout: options.timeout,
            contexts: NamingContexts {
                default: String::new(),
                configuration: String::new(),
                root_domain: String::new(),
            },
            page_size: PAGE_SIZE,
            netbios_domain: None,
            broken: false,
        };
        let rootdse = dir.search_all(
            "",
            Scope::Base,
            "(objectClass=*)",
            &[
                "defaultNamingContext",
                "configurationNamingContext",
                "rootDomainNamingContext",
            ],
            false,
        )?;
        let first = |e: &SearchEntry, a: &str| {
            e.attrs
                .get(a)
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default()
        };
        if let Some(e) = rootdse.first() {
            dir.contexts = NamingContexts {
                default: first(e, "defaultNamingContext"),
                configuration: first(e, "configurationNamingContext"),
                root_domain: first(e, "rootDomainNamingContext"),
            };
        }
        if dir.contexts.default.is_empty() {
            return Err(Error::Protocol {
                operation: "RootDSE",
                reason: "no defaultNamingContext".into(),
            });
        }
        Ok(dir)
    }

    /// The naming contexts.
    pub fn naming_contexts(&self) -> &NamingContexts {
        &self.contexts
    }

    /// Sets the page size of paged searches (default 500; at least 1).
    pub fn set_page_size(&mut self, size: u32) {
        self.page_size = i32::try_from(size.max(1)).unwrap_or(i32::MAX);
    }

    fn secs(&self) -> u64 {
        self.timeout.as_secs()
    }

    /// Runs one operation on the connection through [`guarded`]: a malformed server message
    /// is a protocol error, after which the connection is refused.
    fn call<T>(
        &mut self,
        operation: &'static str,
        f: impl FnOnce(&mut LdapConn, Duration) -> Result<T>,
    ) -> Result<T> {
        if self.broken {
            return Err(Error::Protocol {
                operation,
                reason: "the connection was abandoned after a malformed server message".into(),
            });
        }
        let timeout = self.timeout;
        let conn = &mut self.conn;
        let result = guarded(operation, || f(conn, timeout));
        if matches!(result, Err(Error::Protocol { .. })) {
            self.broken = true;
        }
        result
    }

    /// A search returning every entry (paged when `paged`).
    fn search_all(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        paged: bool,
    ) -> Result<Vec<SearchEntry>> {
        let secs = self.secs();
        let attrs: Vec<String> = attrs.iter().map(|s| (*s).to_owned()).collect();
        let page_size = self.page_size;
        let (out, result) = self.call("search", |conn, timeout| {
            let mut adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> =
                vec![Box::new(EntriesOnly::new())];
            if paged {
                adapters.push(Box::new(PagedResults::new(page_size)));
            }
            let mut stream = conn
                .with_timeout(timeout)
                .streaming_search_with(adapters, base, scope, filter, attrs)
                .map_err(|e| ldap_error("search", secs, e))?;
            let mut out = Vec::new();
            while let Some(entry) = stream.next().map_err(|e| ldap_error("search", secs, e))? {
                // `construct` panics on a malformed entry; `call` turns that into an error.
                out.push(SearchEntry::construct(entry));
            }
            Ok((out, stream.result()))
        })?;
        match result.rc {
            0 => Ok(out),
            // noSuchObject: the base does not exist (or is not visible): no entries.
            32 => Ok(Vec::new()),
            code => Err(Error::Ldap {
                operation: "search",
                code,
                message: result.text,
            }),
        }
    }

    /// Finds computers by identity: a DN (`CN=PC01,...`), a DNS host name (`pc01.contoso.com`),
    /// or a name (`PC01` or `PC01$`, matched against `sAMAccountName`). One result per identity,
    /// in order: [`Error::ComputerNotFound`] / [`Error::AmbiguousComputer`] for that identity
    /// only. Names are looked up 100 per search.
    pub fn find_computers(
        &mut self,
        identities: &[String],
        base: Option<&str>,
    ) -> Result<Vec<Result<ComputerEntry>>> {
        let base = base.unwrap_or(&self.contexts.default).to_owned();
        let attrs = computer_attributes();
        let mut found: BTreeMap<usize, Vec<SearchEntry>> = BTreeMap::new();
        let mut by_name: Vec<(usize, String, &'static str)> = Vec::new();
        for (i, id) in identities.iter().enumerate() {
            if id.contains('=') {
                let entries =
                    self.search_all(id, Scope::Base, "(objectClass=computer)", &attrs, false)?;
                found.insert(i, entries);
            } else if id.contains('.') {
                by_name.push((i, id.clone(), "dNSHostName"));
            } else {
                let sam = format!("{}$", id.trim_end_matches('$'));
                by_name.push((i, sam, "sAMAccountName"));
            }
        }
        for chunk in by_name.chunks(NAMES_PER_SEARCH) {
            let terms: String = chunk
                .iter()
                .map(|(_, v, a)| format!("({a}={})", ldap_escape(v.as_str())))
                .collect();
            let filter = format!("(&(objectClass=computer)(|{terms}))");
            let entries = self.search_all(&base, Scope::Subtree, &filter, &attrs, true)?;
            for (i, value, attribute) in chunk {
                let matching: Vec<SearchEntry> = entries
                    .iter()
                    .filter(|e| {
                        e.attrs
                            .get(*attribute)
                            .is_some_and(|vs| vs.iter().any(|v| v.eq_ignore_ascii_case(value)))
                    })
                    .cloned()
                    .collect();
                found.insert(*i, matching);
            }
        }
        Ok(identities
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let entries = found.remove(&i).unwrap_or_default();
                match entries.len() {
                    0 => Err(Error::ComputerNotFound(id.clone())),
                    1 => entries
                        .into_iter()
                        .next()
                        .map(to_computer_entry)
                        .unwrap_or_else(|| Err(Error::ComputerNotFound(id.clone()))),
                    count => Err(Error::AmbiguousComputer {
                        identity: id.clone(),
                        count,
                    }),
                }
            })
            .collect())
    }

    /// Every computer under `base` (default: the domain) matching the LDAP `filter` (ANDed with
    /// `(objectClass=computer)`), with a paged search.
    pub fn search_computers(
        &mut self,
        base: Option<&str>,
        filter: Option<&str>,
    ) -> Result<Vec<ComputerEntry>> {
        let base = base.unwrap_or(&self.contexts.default).to_owned();
        let filter = format!("(&(objectClass=computer){})", filter.unwrap_or(""));
        let attrs = computer_attributes();
        self.search_all(&base, Scope::Subtree, &filter, &attrs, true)?
            .into_iter()
            .map(to_computer_entry)
            .collect()
    }

    /// Reads the KDS root keys (`msKds-ProvRootKey` under `CN=Master Root Keys,CN=Group Key
    /// Distribution Service,CN=Services,<configuration>`). [`Error::RootKeysUnreadable`] when
    /// none is visible or `msKds-RootKeyData` is withheld (only Domain/Enterprise Admins and DCs
    /// may read it).
    pub fn read_root_keys(&mut self) -> Result<Vec<DirectoryRootKey>> {
        let base = format!(
            "CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,{}",
            self.contexts.configuration
        );
        let entries = self.search_all(
            &base,
            Scope::OneLevel,
            "(objectClass=msKds-ProvRootKey)",
            &[
                "cn",
                "msKds-Version",
                "msKds-RootKeyData",
                "msKds-KDFAlgorithmID",
                "msKds-KDFParam",
                "msKds-SecretAgreementAlgorithmID",
                "msKds-SecretAgreementParam",
                "msKds-PrivateKeyLength",
                "msKds-PublicKeyLength",
                "msKds-UseStartTime",
                "msKds-CreateTime",
            ],
            false,
        )?;
        if entries.is_empty() {
            return Err(Error::RootKeysUnreadable(
                "no msKds-ProvRootKey object is visible to this account".into(),
            ));
        }
        let mut keys = Vec::new();
        for e in entries {
            let values = all_values(e);
            let text = |a: &str| {
                values
                    .get(&a.to_ascii_lowercase())
                    .and_then(|v| v.first())
                    .and_then(|v| String::from_utf8(v.clone()).ok())
            };
            let number = |a: &str| text(a).and_then(|t| t.trim().parse::<u32>().ok());
            let time = |a: &str| text(a).and_then(|t| FileTime::from_decimal(t.trim()));
            let binary = |a: &str| {
                values
                    .get(&a.to_ascii_lowercase())
                    .and_then(|v| v.first())
                    .cloned()
            };
            let id_text = text("cn").unwrap_or_default();
            let Some(data) = binary("msKds-RootKeyData") else {
                return Err(Error::RootKeysUnreadable(format!(
                    "msKds-RootKeyData of {id_text} is not readable by this account"
                )));
            };
            let id: Guid = id_text.parse().map_err(|source| Error::RootKey {
                id: id_text.clone(),
                source,
            })?;
            let key = RootKey::from_attributes(RootKeyAttributes {
                id,
                version: number("msKds-Version"),
                root_key_data: Zeroizing::new(data),
                kdf_algorithm: text("msKds-KDFAlgorithmID"),
                kdf_parameters: binary("msKds-KDFParam"),
                secret_agreement_algorithm: text("msKds-SecretAgreementAlgorithmID"),
                secret_agreement_parameters: binary("msKds-SecretAgreementParam"),
                private_key_length: number("msKds-PrivateKeyLength"),
                public_key_length: number("msKds-PublicKeyLength"),
            })
            .map_err(|source| Error::RootKey {
                id: id_text.clone(),
                source,
            })?;
            keys.push(DirectoryRootKey {
                key,
                use_start_time: time("msKds-UseStartTime"),
                create_time: time("msKds-CreateTime"),
            });
        }
        Ok(keys)
    }

    /// The bound account's DN and SIDs: its `objectSid` and its `tokenGroups` (every group,
    /// nested ones included), plus Everyone and Authenticated Users.
    pub fn caller_sids(&mut self) -> Result<(String, BTreeSet<String>)> {
        let secs = self.secs();
        let (who, _) = self.call("whoami", |conn, timeout| {
            conn.with_timeout(timeout)
                .extended(ldap3::exop::WhoAmI)
                .map_err(|e| ldap_error("whoami", secs, e))?
                .success()
                .map_err(|e| ldap_error("whoami", secs, e))
        })?;
        let authzid = String::from_utf8(who.val.unwrap_or_default()).unwrap_or_default();
        let dn = if let Some(dn) = authzid.strip_prefix("dn:") {
            dn.to_owned()
        } else if let Some(user) = authzid.strip_prefix("u:") {
            if let Some((domain, _)) = user.split_once('\\') {
                self.netbios_domain = Some(domain.to_owned());
            }
            let name = user.rsplit('\\').next().unwrap_or(user);
            let name = name.split('@').next().unwrap_or(name);
            let base = self.contexts.default.clone();
            let filter = format!("(sAMAccountName={})", ldap_escape(name));
            self.search_all(
                &base,
                Scope::Subtree,
                &filter,
                &["distinguishedName"],
                false,
            )?
            .into_iter()
            .next()
            .map(|e| e.dn)
            .ok_or_else(|| Error::PrincipalNotFound(user.to_owned()))?
        } else {
            return Err(Error::Protocol {
                operation: "whoami",
                reason: "the server did not say who the bound account is".into(),
            });
        };
        let entries = self.search_all(
            &dn,
            Scope::Base,
            "(objectClass=*)",
            &["objectSid", "tokenGroups"],
            false,
        )?;
        let mut sids = BTreeSet::from(["S-1-1-0".to_owned(), "S-1-5-11".to_owned()]);
        for e in entries {
            for (name, values) in all_values(e) {
                if name == "objectsid" || name == "tokengroups" {
                    for v in values {
                        sids.insert(sid_from_bytes(&v)?.to_string());
                    }
                }
            }
        }
        Ok((dn, sids))
    }

    /// The name of each SID that names an object in the domain, as Windows prints it:
    /// `DOMAIN\\sAMAccountName` once [`Directory::caller_sids`] has learnt the NetBIOS domain
    /// name, else `sAMAccountName` (SIDs that name nothing are left out).
    pub fn principal_names(&mut self, sids: &BTreeSet<String>) -> Result<BTreeMap<String, String>> {
        let base = self.contexts.default.clone();
        let mut names = BTreeMap::new();
        for sid in sids {
            if !sid.starts_with("S-1-") || !sid[4..].chars().all(|c| c.is_ascii_digit() || c == '-')
            {
                continue;
            }
            let filter = format!("(objectSid={sid})");
            if let Some(e) = self
                .search_all(&base, Scope::Subtree, &filter, &["sAMAccountName"], false)?
                .into_iter()
                .next()
            {
                if let Some(n) = e.attrs.get("sAMAccountName").and_then(|v| v.first()) {
                    let name = match &self.netbios_domain {
                        Some(d) => format!("{d}\\{n}"),
                        None => n.clone(),
                    };
                    names.insert(sid.clone(), name);
                }
            }
        }
        Ok(names)
    }

    /// Resolves an `ADPasswordEncryptionPrincipal` value to a SID: a SID string as is, else
    /// `name`, `DOMAIN\name` or `name@domain` by `sAMAccountName`.
    pub fn resolve_principal(&mut self, principal: &str) -> Result<String> {
        if principal.starts_with("S-1-") {
            return Ok(principal.to_owned());
        }
        let name = principal.rsplit('\\').next().unwrap_or(principal);
        let name = name.split('@').next().unwrap_or(name);
        let base = self.contexts.default.clone();
        let filter = format!("(sAMAccountName={})", ldap_escape(name));
        let entry = self
            .search_all(&base, Scope::Subtree, &filter, &["objectSid"], false)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::PrincipalNotFound(principal.to_owned()))?;
        let values = all_values(entry);
        let sid = values
            .get("objectsid")
            .and_then(|v| v.first())
            .ok_or_else(|| Error::PrincipalNotFound(principal.to_owned()))?;
        Ok(sid_from_bytes(sid)?.to_string())
    }

    /// Applies the changes of a backup to `dn` in **one** modify request (all replace
    /// operations): the directory applies all of them or none.
    pub fn apply(&mut self, dn: &str, changes: &[AttributeChange]) -> Result<()> {
        let secs = self.secs();
        let mods: Vec<Mod<Vec<u8>>> = changes
            .iter()
            .map(|c| {
                Mod::Replace(
                    c.attribute.as_bytes().to_vec(),
                    c.values.iter().map(|v| v.to_vec()).collect::<HashSet<_>>(),
                )
            })
            .collect();
        self.call("modify", |conn, timeout| {
            conn.with_timeout(timeout)
                .modify(dn, mods)
                .map_err(|e| ldap_error("modify", secs, e))?
                .success()
                .map_err(|e| ldap_error("modify", secs, e))
        })?;
        Ok(())
    }

    /// Whether the object `dn` may hold `attribute`: its `allowedAttributes` (constructed from
    /// the schema: the attribute is defined and the object's classes may contain it) names it.
    /// For example `msLAPS-CurrentPasswordVersion`, which only the Windows Server 2025 schema
    /// has.
    pub fn may_contain(&mut self, dn: &str, attribute: &str) -> Result<bool> {
        let entries = self.search_all(
            dn,
            Scope::Base,
            "(objectClass=*)",
            &["allowedAttributes"],
            false,
        )?;
        Ok(entries.iter().any(|e| {
            e.attrs.iter().any(|(k, vs)| {
                k.eq_ignore_ascii_case("allowedAttributes")
                    && vs.iter().any(|v| v.eq_ignore_ascii_case(attribute))
            })
        }))
    }

    /// Re-reads one computer by DN (e.g. after a backup).
    pub fn read_computer(&mut self, dn: &str) -> Result<ComputerEntry> {
        let attrs = computer_attributes();
        self.search_all(dn, Scope::Base, "(objectClass=computer)", &attrs, false)?
            .into_iter()
            .next()
            .map(to_computer_entry)
            .unwrap_or_else(|| Err(Error::ComputerNotFound(dn.to_owned())))
    }

    /// Closes the connection (unbind).
    pub fn close(mut self) {
        let _ = self.call("unbind", |conn, _| Ok(conn.unbind()));
    }
}

/// Every attribute of an entry as raw values, keyed by lower-case name.
fn all_values(e: SearchEntry) -> BTreeMap<String, Vec<Vec<u8>>> {
    let mut out: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for (k, vs) in e.attrs {
        out.entry(k.to_ascii_lowercase())
            .or_default()
            .extend(vs.into_iter().map(String::into_bytes));
    }
    for (k, vs) in e.bin_attrs {
        out.entry(k.to_ascii_lowercase()).or_default().extend(vs);
    }
    out
}

fn to_computer_entry(e: SearchEntry) -> Result<ComputerEntry> {
    let dn = e.dn.clone();
    Ok(ComputerEntry::from_attributes(&dn, all_values(e))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_come_from_the_dc_components() {
        assert_eq!(dn_to_dns("DC=winlaps,DC=test"), "winlaps.test");
        assert_eq!(dn_to_dns("OU=x, dc=a ,DC=b"), "a.b");
        assert_eq!(dn_to_dns(""), "");
    }

    #[test]
    fn entries_keep_text_and_binary_values_under_lower_case_names() {
        let e = SearchEntry {
            dn: "CN=PC01,DC=x".into(),
            attrs: [("sAMAccountName".to_owned(), vec!["PC01$".to_owned()])].into(),
            bin_attrs: [("msLAPS-EncryptedPassword".to_owned(), vec![vec![0xff, 0]])].into(),
        };
        let c = to_computer_entry(e).unwrap();
        assert_eq!(c.computer_name, "PC01");
        assert_eq!(c.encrypted_password, Some(vec![0xff, 0]));
    }
}
