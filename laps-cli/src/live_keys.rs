//! `--dc HOST` for `winlaps decrypt` and `winlaps encrypt`: keys fetched live from a domain
//! controller (or the lab KDS) with MS-GKDI GetKey over sealed DCE/RPC (laps-client).

use crate::CliResult;
use laps_client::{
    AuthProtocol, ClientAuthOptions, ConnectOptions, Credentials, DnsOptions, GkdiClient,
    LiveDecryption,
};
use laps_crypto::{GroupKeyEnvelope, Sid};
use std::sync::Arc;
use std::time::Duration;

/// Environment variable holding the password of `--user`.
const PASSWORD_ENV: &str = "WINLAPS_PASSWORD";

/// Authentication mechanism for GetKey (`--dc`, `get --kds-auth`).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum DcAuth {
    /// SPNEGO: Kerberos, falling back to NTLM.
    Negotiate,
    /// Kerberos (tickets from the KDC, by default the DC itself); give the user as user@REALM.
    Kerberos,
    /// NTLM.
    Ntlm,
}

impl From<DcAuth> for AuthProtocol {
    fn from(auth: DcAuth) -> Self {
        match auth {
            DcAuth::Negotiate => AuthProtocol::Negotiate,
            DcAuth::Kerberos => AuthProtocol::Kerberos,
            DcAuth::Ntlm => AuthProtocol::Ntlm,
        }
    }
}

/// How to reach the domain controller given with `--dc`.
#[derive(clap::Args, Debug)]
pub(crate) struct DcArgs {
    /// The account asking for keys: DOMAIN\user or user@REALM. Its password comes from
    /// WINLAPS_PASSWORD or a prompt, never from a flag.
    #[arg(long, requires = "dc")]
    user: Option<String>,
    /// Authentication for --dc.
    #[arg(long, value_enum, default_value = "negotiate", requires = "dc")]
    auth: DcAuth,
    /// The endpoint mapper's port on --dc.
    #[arg(long, default_value_t = 135, requires = "dc")]
    epm_port: u16,
    /// Skip the endpoint mapper and call GetKey on this port.
    #[arg(long, requires = "dc")]
    dc_port: Option<u16>,
    /// Kerberos KDC (host or host:port); default: the --dc host.
    #[arg(long, requires = "dc")]
    kdc: Option<String>,
    /// Timeout in seconds of each network read or write (connects: at most 5 s; a whole
    /// exchange: three times this).
    #[arg(long, default_value_t = 10, requires = "dc")]
    timeout: u64,
}

impl DcArgs {
    /// What `--dc` connects with: `--user`'s credentials (the password from WINLAPS_PASSWORD
    /// or a prompt) and the connection options.
    fn settings(&self) -> CliResult<(Credentials, ConnectOptions)> {
        let user = self
            .user
            .as_deref()
            .ok_or("--dc needs --user (DOMAIN\\user or user@REALM)")?;
        let password = match std::env::var(PASSWORD_ENV) {
            Ok(p) => p,
            Err(_) => {
                rpassword::prompt_password(format!("Password for {user}: ")).map_err(|e| {
                    format!("no password: set {PASSWORD_ENV} or run on a terminal ({e})")
                })?
            }
        };
        let opts = ConnectOptions {
            protocol: self.auth.into(),
            auth: ClientAuthOptions {
                kdc: self.kdc.clone(),
                ..ClientAuthOptions::default()
            },
            epm_port: self.epm_port,
            port: self.dc_port,
            ..ConnectOptions::default()
        }
        .with_io_timeout(Duration::from_secs(self.timeout))?;
        Ok((Credentials::new(user, password)?, opts))
    }
}

/// Decrypts `values` with the keys `store` has, fetching the missing ones from `dc` (one
/// GetKey per SID/root key/L0 group; the call count goes to stderr): `decrypt` is
/// [`laps_client::decrypt_many`] or [`laps_client::decrypt_blobs`].
pub(crate) fn decrypt<T>(
    dc: &str,
    args: &DcArgs,
    decrypt: impl FnOnce(
        &dyn Fn() -> laps_client::Result<GkdiClient>,
    ) -> laps_client::Result<LiveDecryption<T>>,
) -> CliResult<Vec<Result<T, Arc<laps_client::Error>>>> {
    let (creds, opts) = args.settings()?;
    let live = decrypt(&|| GkdiClient::connect(dc, &creds, &opts))?;
    if live.calls > 0 {
        eprintln!("winlaps: {} GetKey call(s) to {dc}", live.calls);
    }
    Ok(live.results)
}

/// `winlaps lookup-dc`.
#[derive(clap::Args, Debug)]
pub(crate) struct LookupDcArgs {
    /// The DNS domain name (e.g. contoso.com).
    domain: String,
    /// A name server to ask (IP or IP:PORT; port 53 by default), in order. May be given
    /// several times; default: those of /etc/resolv.conf.
    #[arg(long, value_name = "ADDR")]
    dns_server: Vec<String>,
    /// Timeout in seconds of each DNS query.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Errors as JSON (`{"error": {"code", "message"}}` on stderr).
    #[arg(long)]
    json: bool,
}

/// `winlaps lookup-dc DOMAIN`: the DC laps-client's DNS SRV lookup picks.
pub(crate) fn lookup_dc(args: &LookupDcArgs) -> CliResult {
    let opts = DnsOptions::default()
        .with_nameserver_texts(&args.dns_server)?
        .with_timeout(Duration::from_secs(args.timeout))?;
    outln!("{}", laps_client::lookup_dc(&args.domain, &opts)?)?;
    Ok(())
}

/// The current key's envelope for `sid` (the public key for an account that may not decrypt),
/// as a Windows LAPS client gets it before encrypting.
pub(crate) fn current_envelope(dc: &str, args: &DcArgs, sid: &Sid) -> CliResult<GroupKeyEnvelope> {
    let (creds, opts) = args.settings()?;
    Ok(GkdiClient::connect(dc, &creds, &opts)?.current_key(sid)?)
}
