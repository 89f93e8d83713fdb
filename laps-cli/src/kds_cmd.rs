//! `winlaps kds serve`: the lab key distribution server (laps-client), for testing portals,
//! scripts and clients without a domain controller. A lab tool, not a production KDS.

use crate::CliResult;
use laps_client::{Account, AccountTable, KdsConfig, KdsServer};
use laps_crypto::RootKey;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `winlaps kds` subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum KdsCommand {
    /// Serve MS-GKDI GetKey (endpoint mapper + ISD_KEY, NTLM, sealed) from KDS root keys until
    /// killed. Prints one line "listening on ..." when ready. Lab use only.
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
    /// An account that may authenticate (NTLM): NAME:PASSWORD:SID[,SID...], NAME being user or
    /// DOMAIN\user and the SIDs its user and group SIDs. Lab accounts only: the value is visible
    /// in the process list; prefer --account-file.
    #[arg(long = "account", value_name = "NAME:PASSWORD:SID[,SID...]")]
    accounts: Vec<String>,
    /// A file of accounts, one NAME:PASSWORD:SID[,SID...] per line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    account_file: Option<PathBuf>,
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
    if lines.is_empty() {
        return Err("give at least one --account or --account-file".into());
    }
    let accounts = AccountTable::new(
        lines
            .iter()
            .map(|l| Account::parse(l))
            .collect::<Result<_, _>>()?,
    )?;
    let config = KdsConfig {
        listen: args.listen,
        epm_port: args.epm_port,
        port: args.port,
        forest: args.forest.clone().unwrap_or_else(|| args.domain.clone()),
        domain: args.domain,
        max_connections: args.max_connections,
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
        ..KdsConfig::default()
    };
    let server = KdsServer::bind(config, root_keys, accounts)?;
    outln!(
        "listening on {} (endpoint mapper) and {} (ISD_KEY), {} account(s), {} root key(s)",
        server.epm_addr(),
        server.gkdi_addr(),
        lines.len(),
        args.root_keys.len()
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
