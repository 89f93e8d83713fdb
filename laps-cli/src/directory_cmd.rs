//! `winlaps get` (Get-LapsADPassword over LDAP) and `winlaps backup` (a LAPS client's directory
//! write), on laps-directory (decisions) and laps-ldap (I/O).

use crate::CliResult;
use laps_core::{FileTime, Password};
use laps_crypto::rand_core::OsRng;
use laps_crypto::{GroupKeyEnvelope, KeyIndex, KeyStore, RootKey, Sid};
use laps_directory::{
    attr, plan_backup, read_computers, required_keys, BackupInput, ComputerEntry, Encryption,
    PasswordRecord, ReadOptions,
};
use laps_ldap::{Auth, ConnectOptions, Directory, DirectoryRootKey};
use laps_policy::{resolve, Device, RegistryPol, Snapshot};
use std::collections::BTreeSet;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::time::Duration;

/// Environment variable holding the bind password.
const PASSWORD_ENV: &str = "WINLAPS_PASSWORD";

/// Authentication method on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum AuthArg {
    /// Kerberos if built in and no --user is given, else simple (LDAPS).
    Negotiate,
    /// SASL GSSAPI with the Kerberos ticket cache (kinit); needs the `kerberos` build feature.
    Kerberos,
    /// NTLM (SASL GSS-SPNEGO, NTLMSSP) over LDAPS: --user DOMAIN\\user or user@domain.
    Ntlm,
    /// Simple bind over LDAPS.
    Simple,
}

/// How to reach and bind to the domain controller.
#[derive(clap::Args)]
pub(crate) struct ConnectArgs {
    /// Domain controller host name (must match its TLS certificate with --ldaps).
    #[arg(long)]
    dc: String,
    /// LDAP port (default 389, or 636 with --ldaps).
    #[arg(long)]
    port: Option<u16>,
    /// Bind user: UPN (user@realm), DOMAIN\user or DN. The password comes from WINLAPS_PASSWORD
    /// or a prompt, never from a flag.
    #[arg(long)]
    user: Option<String>,
    /// Authentication method.
    #[arg(long, value_enum, default_value = "negotiate")]
    auth: AuthArg,
    /// Use LDAPS (port 636); the server certificate is always verified.
    #[arg(long)]
    ldaps: bool,
    /// PEM file with the CA to verify the DC's certificate against (default: system store).
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Timeout of the connection and of each LDAP operation, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

impl ConnectArgs {
    fn options(&self) -> CliResult<ConnectOptions> {
        let auth = match self.auth {
            AuthArg::Negotiate => Auth::Negotiate,
            AuthArg::Kerberos => Auth::Kerberos,
            AuthArg::Ntlm => Auth::Ntlm,
            AuthArg::Simple => Auth::Simple,
        };
        let mut o = ConnectOptions::new(&self.dc);
        o.port = self.port;
        o.ldaps = self.ldaps;
        o.ca_file = self.ca.clone();
        o.auth = auth;
        o.user = self.user.clone();
        o.timeout = Duration::from_secs(self.timeout.max(1));
        if !matches!(auth, Auth::Kerberos) && self.user.is_some() {
            o.password = Some(bind_password(self.user.as_deref().unwrap_or_default())?);
        }
        Ok(o)
    }
}

/// GetKey (MS-GKDI over DCE/RPC, laps-client): the key source for accounts that may not read
/// the KDS root keys.
#[derive(clap::Args)]
pub(crate) struct GetKeyArgs {
    /// GetKey server: HOST (its endpoint mapper on port 135) or HOST:PORT (the ISD_KEY port,
    /// no endpoint mapper); default: the --dc host. Samba DCs do not serve GetKey.
    #[arg(long, value_name = "HOST[:PORT]")]
    kds: Option<String>,
    /// Authentication for GetKey (the --user account and password).
    #[arg(long, value_enum, default_value = "negotiate")]
    kds_auth: crate::live_keys::DcAuth,
}

impl GetKeyArgs {
    /// Connects to the GetKey server as the directory connection's user (`ldap`: its
    /// options: the DC, the user, the password, the timeout).
    fn connect(&self, ldap: &ConnectOptions) -> CliResult<laps_client::GkdiClient> {
        let (dc, timeout) = (ldap.host.as_str(), ldap.timeout);
        let (Some(user), Some(password)) = (ldap.user.as_deref(), ldap.password.as_ref()) else {
            return Err("GetKey needs --user and a password".into());
        };
        let target = self.kds.as_deref().unwrap_or(dc);
        let (host, port) = match target.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                (h, Some(p.parse::<u16>()?))
            }
            _ => (target, None),
        };
        let creds = laps_client::Credentials::new(user, password.expose().to_owned())?;
        let opts = laps_client::ConnectOptions {
            protocol: self.kds_auth.into(),
            auth: laps_client::ClientAuthOptions {
                kdc: (self.kds.is_some()).then(|| dc.to_owned()),
                ..Default::default()
            },
            port,
            ..Default::default()
        }
        .with_io_timeout(timeout)?;
        Ok(laps_client::GkdiClient::connect(host, &creds, &opts)?)
    }
}

/// The bind password: `WINLAPS_PASSWORD`, else a prompt on the terminal.
fn bind_password(user: &str) -> CliResult<Password> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(Password::new(p));
    }
    let p = rpassword::prompt_password(format!("Password for {user}: "))
        .map_err(|e| format!("no password: set {PASSWORD_ENV} or run on a terminal ({e})"))?;
    Ok(Password::new(p))
}

/// `winlaps get`.
#[derive(clap::Args)]
pub(crate) struct GetArgs {
    /// Computers: name (PC01 or PC01$), DNS host name or DN. Optional with --filter or --base.
    computers: Vec<String>,
    #[command(flatten)]
    connect: ConnectArgs,
    /// Search base (an OU to read every computer in it, or where to look names up).
    #[arg(long, value_name = "DN")]
    base: Option<String>,
    /// LDAP filter selecting computers (ANDed with objectClass=computer), e.g. "(cn=PC*)".
    #[arg(long, value_name = "FILTER")]
    filter: Option<String>,
    /// Report every history value too.
    #[arg(long)]
    history: bool,
    /// One JSON object per value (one per line), Windows' field names.
    #[arg(long)]
    json: bool,
    /// KDS root key JSON file(s) for offline decryption (see laps-crypto's README).
    #[arg(long, value_name = "FILE")]
    root_key: Vec<PathBuf>,
    #[command(flatten)]
    getkey: GetKeyArgs,
}

/// Runs `winlaps get`.
pub(crate) fn run_get(args: &GetArgs) -> CliResult {
    if args.computers.is_empty() && args.filter.is_none() && args.base.is_none() {
        return Err("name at least one computer, or give --filter or --base".into());
    }
    let connect = args.connect.options()?;
    let mut dir = Directory::connect(&connect)?;
    let mut entries: Vec<ComputerEntry> = Vec::new();
    let mut failures = 0usize;
    if args.computers.is_empty() {
        entries = dir.search_computers(args.base.as_deref(), args.filter.as_deref())?;
    } else {
        for (id, found) in args
            .computers
            .iter()
            .zip(dir.find_computers(&args.computers, args.base.as_deref())?)
        {
            match found {
                Ok(e) => entries.push(e),
                Err(e) => {
                    failures += 1;
                    eprintln!("winlaps: {id}: {e}");
                }
            }
        }
    }
    let needs = required_keys(&entries, args.history);
    let keys = KeyStore::new();
    for path in &args.root_key {
        keys.add_root_key(RootKey::from_json(&std::fs::read_to_string(path)?)?);
    }
    let (_, caller_sids) = dir.caller_sids()?;
    let mut denied_sids = BTreeSet::new();
    if !needs.root_key_ids.is_empty() {
        // Key sources in order: the directory's root keys, GetKey, --root-key files.
        match dir.read_root_keys() {
            Ok(found) => {
                for k in found {
                    keys.add_root_key(k.key);
                }
            }
            Err(why) => {
                let values = encrypted_values(&entries, args.history, &caller_sids);
                eprintln!(
                    "winlaps: {why}; asking GetKey for {} value(s)",
                    values.len()
                );
                let fetched = args.getkey.connect(&connect).and_then(|client| {
                    Ok(laps_client::fetch_keys(
                        || Ok(client),
                        &keys,
                        &values,
                        false,
                    )?)
                });
                match fetched {
                    Ok(report) => {
                        eprintln!("winlaps: {} GetKey call(s)", report.calls);
                        for (value, error) in values.iter().zip(report.errors) {
                            let Some(error) = error else { continue };
                            if error.kind() == laps_client::ErrorKind::AccessDenied {
                                if let Ok((group, _)) = laps_client::key_group(value, false) {
                                    denied_sids.insert(group.sid.to_string());
                                }
                            } else {
                                eprintln!("winlaps: GetKey: {error}");
                            }
                        }
                    }
                    Err(e) if args.root_key.is_empty() => eprintln!(
                        "winlaps: no key source for encrypted values: GetKey failed ({e}); \
                         give --root-key FILE (the values report KeyNotFound)"
                    ),
                    Err(e) => eprintln!("winlaps: GetKey failed ({e}); using --root-key"),
                }
            }
        }
    }
    let options = ReadOptions {
        include_history: args.history,
        caller_sids: Some(caller_sids),
        denied_sids,
        principal_names: dir.principal_names(&needs.target_sids)?,
    };
    dir.close();

    // Decryption (one DH modexp per encrypted value) on every core; results keep their order.
    let mut records: Vec<PasswordRecord> = Vec::new();
    for (e, read) in entries
        .iter()
        .zip(read_computers(&entries, &keys, &options))
    {
        match read {
            Ok(r) => records.extend(r),
            Err(err) => {
                failures += 1;
                eprintln!("winlaps: {}: {err}", e.computer_name);
            }
        }
    }
    if args.json {
        for r in &records {
            outln!("{}", r.to_json(true))?;
        }
    } else {
        print_table(&records)?;
    }
    if failures > 0 && records.is_empty() {
        return Err(format!("{failures} computer(s) could not be read").into());
    }
    if failures > 0 {
        return Err(format!("{failures} computer(s) could not be read (see above)").into());
    }
    Ok(())
}

/// The encrypted values GetKey is asked about: current values (and history with `history`)
/// whose target SID the caller holds (the others are `Unauthorized` without asking).
fn encrypted_values(
    entries: &[ComputerEntry],
    history: bool,
    caller_sids: &BTreeSet<String>,
) -> Vec<Vec<u8>> {
    let mut values = Vec::new();
    for e in entries {
        values.extend(e.encrypted_password.iter().cloned());
        values.extend(e.encrypted_dsrm_password.iter().cloned());
        if history {
            values.extend(e.encrypted_password_history.iter().cloned());
            values.extend(e.encrypted_dsrm_password_history.iter().cloned());
        }
    }
    values.retain(|v| {
        laps_client::key_group(v, false)
            .is_ok_and(|(g, _)| caller_sids.contains(&g.sid.to_string()))
    });
    values
}

fn print_table(records: &[PasswordRecord]) -> CliResult {
    let time = |t: Option<FileTime>| t.map_or_else(|| "-".to_owned(), FileTime::to_rfc3339);
    let rows: Vec<[String; 8]> = records
        .iter()
        .map(|r| {
            [
                r.computer_name.clone(),
                r.source.as_str().to_owned(),
                r.account.clone().unwrap_or_else(|| "-".into()),
                r.password
                    .as_ref()
                    .map_or_else(|| "-".into(), |p| p.expose().to_owned()),
                time(r.password_update_time),
                time(r.expiration_timestamp),
                r.decryption_status.as_str().to_owned(),
                r.authorized_decryptor.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = [
        "ComputerName",
        "Source",
        "Account",
        "Password",
        "PasswordUpdateTime",
        "ExpirationTimestamp",
        "DecryptionStatus",
        "AuthorizedDecryptor",
    ];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    outln!("{}", line(header.to_vec()))?;
    for row in &rows {
        outln!("{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// `winlaps backup`.
#[derive(clap::Args)]
pub(crate) struct BackupArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// The computer whose password is backed up (name, DNS host name or DN).
    #[arg(long)]
    computer: String,
    /// The managed account's name (written into the value).
    #[arg(long)]
    account: String,
    /// The device's Windows LAPS policy as a GPO Registry.pol file.
    #[arg(long, value_name = "FILE", conflicts_with = "policy_json")]
    policy_gpo: Option<PathBuf>,
    /// The device's policy as JSON (`{"gpo": {"BackupDirectory": 2, ...}}`, see laps-policy).
    #[arg(long, value_name = "FILE")]
    policy_json: Option<PathBuf>,
    /// The device facts as JSON (laps-policy `Device`: join state, DC, functional level, ...);
    /// default: a member of a 2016-level domain.
    #[arg(long, value_name = "FILE")]
    device_json: Option<PathBuf>,
    /// KDS root key JSON file to encrypt with when the directory's root keys are not readable.
    #[arg(long, value_name = "FILE")]
    root_key: Option<PathBuf>,
    /// Compute and show the modification without writing it.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    getkey: GetKeyArgs,
}

/// Runs `winlaps backup`: reads the new password from stdin, writes it in one modify.
pub(crate) fn run_backup(args: &BackupArgs) -> CliResult {
    let mut snapshot = Snapshot::new();
    match (&args.policy_gpo, &args.policy_json) {
        (Some(p), _) => {
            RegistryPol::parse(&std::fs::read(p)?)?.apply_to(&mut snapshot);
        }
        (None, Some(p)) => snapshot = Snapshot::from_json(&std::fs::read_to_string(p)?)?,
        (None, None) => {
            return Err("give the device's policy: --policy-gpo or --policy-json".into())
        }
    }
    let device = match &args.device_json {
        Some(p) => Device::from_json(&std::fs::read_to_string(p)?)?,
        None => Device::default(),
    };
    let policy = resolve(&snapshot, &device);
    let new_password = read_new_password()?;

    let connect = args.connect.options()?;
    let mut dir = Directory::connect(&connect)?;
    let entry = dir
        .find_computers(std::slice::from_ref(&args.computer), None)?
        .pop()
        .ok_or("no lookup result")??;
    let now = now()?;
    let contexts = dir.naming_contexts().clone();
    let mut envelope = None;
    let mut target_sid = None;
    if policy.encrypts() {
        let principal = policy
            .encryption_target()
            .unwrap_or_else(|| "Domain Admins".into());
        let sid: Sid = dir.resolve_principal(&principal)?.parse()?;
        // Key sources in order: the directory's newest usable root key, GetKey's public key
        // (what a Windows LAPS client uses), a --root-key file.
        let from_root = |root: &RootKey| {
            GroupKeyEnvelope::from_root_key(
                root,
                &sid,
                KeyIndex::from_filetime(now),
                &contexts.domain_dns_name(),
                &contexts.forest_dns_name(),
                true,
            )
        };
        envelope = Some(match dir.read_root_keys() {
            Ok(keys) => {
                from_root(&newest_usable(keys, now).ok_or("no KDS root key usable at this time")?)?
            }
            Err(why) => {
                eprintln!("winlaps: {why}; asking GetKey for the public key of {sid}");
                let fetched = args
                    .getkey
                    .connect(&connect)
                    .and_then(|mut c| Ok(c.current_key(&sid)?));
                match (fetched, &args.root_key) {
                    (Ok(gke), _) => gke,
                    (Err(e), Some(p)) => {
                        eprintln!("winlaps: GetKey failed ({e}); using --root-key");
                        from_root(&RootKey::from_json(&std::fs::read_to_string(p)?)?)?
                    }
                    (Err(e), None) => {
                        return Err(format!(
                            "no encryption key: {why}; GetKey failed ({e}); give --root-key FILE"
                        )
                        .into())
                    }
                }
            }
        });
        target_sid = Some(sid);
    }
    let encryption = match (&envelope, &target_sid) {
        (Some(key), Some(target_sid)) => Some(Encryption { key, target_sid }),
        _ => None,
    };
    let plan = plan_backup(
        &BackupInput {
            policy: &policy,
            account: &args.account,
            password: &new_password,
            now,
            previous: &entry,
            encryption,
            expiration: None,
            schema_has_password_version: dir
                .may_contain(&entry.distinguished_name, attr::CURRENT_PASSWORD_VERSION)?,
        },
        &mut OsRng,
    )?;
    if plan.schema_lacks_password_version {
        eprintln!(
            "winlaps: the schema lacks {} (Windows Server 2025; Windows logs event 10108): \
             written without it",
            attr::CURRENT_PASSWORD_VERSION
        );
    }
    if !args.dry_run {
        dir.apply(&entry.distinguished_name, &plan.changes)?;
    }
    dir.close();
    let verb = if args.dry_run { "would write" } else { "wrote" };
    outln!(
        "{verb} {} of {} ({}) in one modify:",
        plan.source.as_str(),
        entry.computer_name,
        entry.distinguished_name
    )?;
    for c in &plan.changes {
        let what = if c.values.is_empty() {
            "removed".to_owned()
        } else {
            format!("{} value(s)", c.values.len())
        };
        outln!("  {}: {what}", c.attribute)?;
    }
    outln!("  account: {}", args.account)?;
    outln!("  update time: {}", plan.update_time.to_rfc3339())?;
    outln!("  expiration: {}", plan.expiration.to_rfc3339())?;
    if let Some(version) = &plan.password_version {
        outln!("  password version: {version}")?;
    }
    if let Some(sid) = &plan.encrypted_to {
        outln!("  encrypted to: {sid}")?;
        outln!(
            "  history: {} kept, {} dropped",
            plan.history_kept,
            plan.history_dropped
        )?;
    }
    if !args.dry_run {
        outln!("Now set the local account's password (only after this write succeeded).")?;
    }
    Ok(())
}

/// The newest root key whose `msKds-UseStartTime` has passed.
fn newest_usable(keys: Vec<DirectoryRootKey>, now: FileTime) -> Option<RootKey> {
    keys.into_iter()
        .filter(|k| k.use_start_time.is_none_or(|t| t <= now))
        .max_by_key(|k| k.create_time.or(k.use_start_time))
        .map(|k| k.key)
}

fn now() -> CliResult<FileTime> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    FileTime::from_unix_nanos(since.as_nanos() as i128).ok_or_else(|| "clock out of range".into())
}

/// One line from stdin: the new password (the trailing newline removed).
fn read_new_password() -> CliResult<Password> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let trimmed_len = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(trimmed_len);
    if line.is_empty() {
        return Err("no password on stdin".into());
    }
    Ok(Password::new(line))
}
