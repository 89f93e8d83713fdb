//! `winlaps kds serve`: the lab key distribution server (laps-client), for testing portals,
//! scripts and clients without a domain controller. A lab tool, not a production KDS.

use crate::CliResult;
use laps_client::{Account, AccountTable, KdsConfig, KdsServer, KerberosService, Keytab};
use laps_crypto::RootKey;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `winlaps kds` subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum KdsCommand {
    /// Serve MS-GKDI GetKey (endpoint mapper + ISD_KEY, NTLM and with --keytab Kerberos,
    /// sealed) from KDS root keys until killed. Prints one line "listening on ..." when ready.
    /// Lab use only.
    Serve(ServeArgs),
}

/// `winlaps kds serve` options.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// KDS root key as JSON (as for `winlaps decrypt --root-key`). May be given several times;
    /// the last one is the current key.
    #[arg(long = "root-key", value_name = "FILE.json", required = true)]
    root_keys: Vec<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    listen: IpAddr,
    /// Endpoint mapper port (clients such as dpapi-ng always use 135; 0: any free port).
    #[arg(long, default_value_t = 135)]
    epm_port: u16,
    /// ISD_KEY port, reported by the endpoint mapper (0: any free port).
    #[arg(long, default_value_t = 49700)]
    port: u16,
    /// An account: NAME:SID[,SID...] maps a Kerberos caller (user@REALM, REALM matching
    /// DOMAIN) whose ticket has no PAC to SIDs; NAME:PASSWORD:SID[,SID...] also lets it sign in
    /// with NTLM (deprecated here: the password is visible in the process list; put NTLM
    /// accounts in --account-file). NAME is user or DOMAIN\user.
    #[arg(long = "account", value_name = "NAME:SID[,SID...]")]
    accounts: Vec<String>,
    /// A file of accounts, one NAME:PASSWORD:SID[,SID...] (NTLM) or NAME:SID[,SID...] per line
    /// (# starts a comment).
    #[arg(long, value_name = "FILE")]
    account_file: Option<PathBuf>,
    /// Accept Kerberos (auth_type 16, and inside SPNEGO) with this keytab of the KDS's service
    /// account (e.g. from `samba-tool domain exportkeytab`; AES keys needed). The caller's user
    /// and group SIDs come from the ticket's PAC.
    #[arg(long, value_name = "FILE")]
    keytab: Option<PathBuf>,
    /// The service principal clients ask tickets for, e.g. host/kds.winlaps.test (default: the
    /// keytab's first principal).
    #[arg(long, value_name = "SERVICE/HOST", requires = "keytab")]
    spn: Option<String>,
    /// Domain DNS name written into the key envelopes.
    #[arg(long, default_value = "contoso.com")]
    domain: String,
    /// Forest DNS name; default: the domain.
    #[arg(long)]
    forest: Option<String>,
    /// Connections served at once.
    #[arg(long, default_value_t = 64)]
    max_connections: usize,
    /// Seconds a connection may stay silent before it is closed.
    #[arg(long, default_value_t = 30)]
    idle_timeout: u64,
    /// Print a line "getkey calls: N" whenever the number of GetKey calls answered changes
    /// (checked every 20 ms), so tests and benches can count a client's calls.
    #[arg(long)]
    stats: bool,
}

pub(crate) fn run(command: KdsCommand) -> CliResult {
    match command {
        KdsCommand::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> CliResult {
    let mut root_keys = Vec::new();
    for path in &args.root_keys {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        root_keys.push(RootKey::from_json(&text)?);
    }
    let mut lines: Vec<String> = args.accounts.clone();
    if let Some(path) = &args.account_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        lines.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    if lines.is_empty() && args.keytab.is_none() {
        return Err("give at least one --account, --account-file or --keytab".into());
    }
    let accounts: Vec<Account> = lines
        .iter()
        .map(|l| Account::parse(l))
        .collect::<Result<_, _>>()?;
    let inline_passwords = args
        .accounts
        .iter()
        .filter_map(|l| Account::parse(l).ok())
        .filter(Account::has_password)
        .count();
    if inline_passwords > 0 {
        eprintln!(
            "warning: {inline_passwords} --account value(s) carry a password, visible in the \
             process list; use --account-file for NTLM accounts"
        );
    }
    let accounts = AccountTable::new(accounts)?;
    let kerberos = match &args.keytab {
        Some(path) => Some(KerberosService::new(
            Keytab::read(path)?,
            args.spn.as_deref(),
        )?),
        None => None,
    };
    let kerberos_line = kerberos
        .as_ref()
        .map(|k| format!(", Kerberos for {}", k.spn()))
        .unwrap_or_default();
    let config = KdsConfig {
        listen: args.listen,
        epm_port: args.epm_port,
        port: args.port,
        forest: args.forest.clone().unwrap_or_else(|| args.domain.clone()),
        domain: args.domain,
        max_connections: args.max_connections,
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
        kerberos,
        ..KdsConfig::default()
    };
    let server = KdsServer::bind(config, root_keys, accounts)?;
    outln!(
        "listening on {} (endpoint mapper) and {} (ISD_KEY), {} account(s), {} root key(s){}",
        server.epm_addr(),
        server.gkdi_addr(),
        lines.len(),
        args.root_keys.len(),
        kerberos_line
    )?;
    if !args.stats {
        server.serve();
        return Ok(());
    }
    let handle = server.spawn();
    let mut reported = 0;
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let calls = handle.get_key_calls();
        if calls != reported {
            reported = calls;
            outln!("getkey calls: {calls}")?;
        }
    }
}
