//! Connection options, TLS configuration and binds.

use crate::error::{guarded, ldap_error, Error, Result};
use laps_core::Password;
use ldap3::{LdapConn, LdapConnSettings};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Kerberos when built with the `kerberos` feature and no password is given (over `ldap://`
    /// with a sealed SASL layer, or over LDAPS), else simple over LDAPS.
    Negotiate,
    /// SASL GSSAPI with the caller's Kerberos tickets (`kinit`); feature `kerberos`.
    Kerberos,
    /// NTLM (SASL GSS-SPNEGO with NTLMSSP, no signing or sealing): LDAPS only, `DOMAIN\\user`
    /// or `user@domain` and a password.
    Ntlm,
    /// Simple bind (UPN `user@realm`, `DOMAIN\user` or DN + password); LDAPS only.
    Simple,
}

impl Auth {
    /// The name used on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Auth::Negotiate => "negotiate",
            Auth::Kerberos => "kerberos",
            Auth::Ntlm => "ntlm",
            Auth::Simple => "simple",
        }
    }
}

/// Where and how to connect.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// The DC's host name (must match its certificate with LDAPS; Kerberos needs it for the SPN).
    pub host: String,
    /// Port; default 389, or 636 with LDAPS.
    pub port: Option<u16>,
    /// Use LDAPS (TLS from the first byte). The server certificate is always verified.
    pub ldaps: bool,
    /// PEM file with the CA certificate(s) to verify the server against; default: the system's
    /// trust store.
    pub ca_file: Option<PathBuf>,
    /// Authentication method.
    pub auth: Auth,
    /// User name (simple: UPN, `DOMAIN\user` or DN; NTLM: `DOMAIN\user` or `user@domain`);
    /// unused for Kerberos, which takes the ticket cache's principal.
    pub user: Option<String>,
    /// The password (simple and NTLM).
    pub password: Option<Password>,
    /// Timeout of the connection and of every operation.
    pub timeout: Duration,
}

impl ConnectOptions {
    /// Options for `host` with Negotiate auth, no LDAPS, a 30-second timeout.
    pub fn new(host: impl Into<String>) -> Self {
        ConnectOptions {
            host: host.into(),
            port: None,
            ldaps: false,
            ca_file: None,
            auth: Auth::Negotiate,
            user: None,
            password: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// The LDAP URL these options connect to.
    pub fn url(&self) -> String {
        let (scheme, default_port) = if self.ldaps {
            ("ldaps", 636)
        } else {
            ("ldap", 389)
        };
        format!(
            "{scheme}://{}:{}",
            self.host,
            self.port.unwrap_or(default_port)
        )
    }

    /// The method [`Auth::Negotiate`] picks with these options and this build.
    pub fn effective_auth(&self) -> Auth {
        match self.auth {
            Auth::Negotiate if cfg!(feature = "kerberos") && self.password.is_none() => {
                Auth::Kerberos
            }
            Auth::Negotiate if cfg!(feature = "kerberos") && !self.ldaps => Auth::Kerberos,
            Auth::Negotiate => Auth::Simple,
            other => other,
        }
    }
}

/// Reads the CA certificates of a PEM file into a rustls client configuration (ring provider,
/// full verification).
fn tls_config(path: &std::path::Path) -> Result<Arc<rustls::ClientConfig>> {
    let ca_error = |reason: String| Error::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| ca_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ca_error(e.to_string()))?;
    if certs.is_empty() {
        return Err(ca_error("no certificate in the file".into()));
    }
    for cert in certs {
        roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
    }
    verifying(roots).map_err(ca_error)
}

/// A rustls client configuration (ring provider, full verification) trusting `roots`.
fn verifying(
    roots: rustls::RootCertStore,
) -> std::result::Result<Arc<rustls::ClientConfig>, String> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A rustls client configuration trusting the system's certificate store (what ldap3 uses
/// without a CA file).
#[cfg(unix)]
fn system_tls_config() -> Result<Arc<rustls::ClientConfig>> {
    let ca_error = |reason: String| Error::CaFile {
        path: "(system trust store)".into(),
        reason,
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err(ca_error("no certificate found".into()));
    }
    verifying(roots).map_err(ca_error)
}

/// Opens the connection and binds.
pub(crate) fn connect_and_bind(options: &ConnectOptions) -> Result<LdapConn> {
    let auth = options.effective_auth();
    let secs = options.timeout.as_secs();
    if (auth == Auth::Simple || auth == Auth::Ntlm) && !options.ldaps {
        return Err(Error::AuthUnavailable {
            method: auth.as_str(),
            reason:
                "needs --ldaps (it would send the password or an unsealed session in the clear)",
        });
    }
    if auth == Auth::Ntlm {
        // SASL GSS-SPNEGO with NTLMSSP over our own TLS connection (ldap3 cannot carry it).
        let user = options.user.as_deref().unwrap_or_default();
        let password = match (user.is_empty(), options.password.as_ref()) {
            (false, Some(p)) => p,
            _ => {
                return Err(Error::AuthUnavailable {
                    method: "ntlm",
                    reason: "needs a user and a password",
                })
            }
        };
        return ntlm_bind(options, user, password);
    }
    let url = options.url();
    let mut settings = LdapConnSettings::new().set_conn_timeout(options.timeout);
    if let Some(ca) = &options.ca_file {
        settings = settings.set_config(tls_config(ca)?);
    }
    let mut conn = guarded("connect", || {
        LdapConn::with_settings(settings, &url).map_err(|e| match e {
            ldap3::LdapError::Timeout { .. } => Error::Timeout {
                operation: "connect",
                seconds: secs,
            },
            other => Error::Connect {
                url: url.clone(),
                reason: other.to_string(),
            },
        })
    })?;
    let user = options.user.clone().unwrap_or_default();
    let bind_failed = |e: ldap3::LdapError| match e {
        ldap3::LdapError::LdapResult { result } => Error::Bind {
            user: user.clone(),
            code: result.rc,
            message: result.text,
        },
        other => ldap_error("bind", secs, other),
    };
    let result = guarded("bind", || bind(&mut conn, options, auth, &user))?;
    result
        .map_err(bind_failed)?
        .success()
        .map_err(bind_failed)?;
    Ok(conn)
}

/// Sends the bind of `auth` (never Negotiate: `effective_auth` resolved it).
fn bind(
    conn: &mut LdapConn,
    options: &ConnectOptions,
    auth: Auth,
    user: &str,
) -> Result<ldap3::result::Result<ldap3::LdapResult>> {
    Ok(match auth {
        // `effective_auth` never gives Negotiate; it would mean simple.
        Auth::Simple | Auth::Negotiate => {
            let password = options.password.as_ref().ok_or(Error::AuthUnavailable {
                method: "simple",
                reason: "no password given",
            })?;
            if user.is_empty() {
                return Err(Error::AuthUnavailable {
                    method: "simple",
                    reason: "no user given",
                });
            }
            conn.with_timeout(options.timeout)
                .simple_bind(user, password.expose())
        }
        // NTLM binds were made by `crate::ntlm` before.
        Auth::Kerberos | Auth::Ntlm => kerberos_bind(conn, options)?,
    })
}

#[cfg(unix)]
fn ntlm_bind(options: &ConnectOptions, user: &str, password: &Password) -> Result<LdapConn> {
    let tls = match &options.ca_file {
        Some(ca) => tls_config(ca)?,
        None => system_tls_config()?,
    };
    guarded("bind", || crate::ntlm::bind(options, tls, user, password))
}

#[cfg(not(unix))]
fn ntlm_bind(_: &ConnectOptions, _: &str, _: &Password) -> Result<LdapConn> {
    Err(Error::AuthUnavailable {
        method: "ntlm",
        reason: "NTLM LDAP binds hand the session to ldap3 over a Unix socket pair: Unix only",
    })
}

#[cfg(feature = "kerberos")]
fn kerberos_bind(
    conn: &mut LdapConn,
    options: &ConnectOptions,
) -> Result<ldap3::result::Result<ldap3::LdapResult>> {
    Ok(conn
        .with_timeout(options.timeout)
        .sasl_gssapi_bind(&options.host))
}

#[cfg(not(feature = "kerberos"))]
fn kerberos_bind(
    _: &mut LdapConn,
    _: &ConnectOptions,
) -> Result<ldap3::result::Result<ldap3::LdapResult>> {
    Err(Error::AuthUnavailable {
        method: "kerberos",
        reason: "not built in (build laps-ldap with the `kerberos` feature)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_default_ports() {
        let mut o = ConnectOptions::new("dc1.contoso.com");
        assert_eq!(o.url(), "ldap://dc1.contoso.com:389");
        o.ldaps = true;
        assert_eq!(o.url(), "ldaps://dc1.contoso.com:636");
        o.port = Some(3269);
        assert_eq!(o.url(), "ldaps://dc1.contoso.com:3269");
    }

    #[test]
    fn passwords_never_travel_in_the_clear() {
        for auth in [Auth::Simple, Auth::Ntlm] {
            let mut o = ConnectOptions::new("127.0.0.1");
            o.auth = auth;
            o.user = Some("u".into());
            o.password = Some(Password::from("secret"));
            let e = connect_and_bind(&o).unwrap_err();
            assert!(matches!(e, Error::AuthUnavailable { .. }), "{e}");
            assert_eq!(e.kind(), laps_core::ErrorKind::Unsupported);
            assert!(!e.to_string().contains("secret"));
        }
    }

    #[test]
    fn negotiate_picks_what_this_build_has() {
        let mut o = ConnectOptions::new("h");
        o.password = Some(Password::from("p"));
        let picked = o.effective_auth();
        assert_ne!(picked, Auth::Negotiate);
        if !cfg!(feature = "kerberos") {
            assert_eq!(picked, Auth::Simple);
        }
    }

    #[test]
    fn a_bad_ca_file_is_a_typed_error() {
        let missing = std::path::Path::new("/nonexistent/ca.pem");
        assert!(matches!(
            tls_config(missing).unwrap_err(),
            Error::CaFile { .. }
        ));
        let empty =
            std::env::temp_dir().join(format!("laps-ldap-empty-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = tls_config(&empty).unwrap_err();
        let _ = std::fs::remove_file(&empty);
        assert!(e.to_string().contains("no certificate"), "{e}");
    }
}
