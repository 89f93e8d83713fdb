//! `winlaps policy resolve | explain | settings | write`, and the policy sections of `winlaps demo`.

use crate::errors::{Code, CodedError};
use crate::CliResult;
use laps_core::{FileTime, PasswordSpec};
use laps_policy::{
    decide_rotation, post_authentication_timeline, resolve, samples, Device, DirectoryState,
    EffectivePolicy, LocalState, ParsedPolicy, RegFile, RegValue, RegistryPol, Root, RootInput,
    Severity, Snapshot, SyncMl,
};
use std::path::{Path, PathBuf};

/// `winlaps policy ...` subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum PolicyCommand {
    /// Resolve the effective policy: a table of every setting, or JSON with --json.
    Resolve(PolicyArgs),
    /// Explain the effective policy: which root won and why, and where every value came from.
    Explain(PolicyArgs),
    /// List every LAPS setting Windows knows: names, defaults, allowed values, builds.
    Settings {
        /// Print the full catalogue as JSON (CSP node, GPO name, dependencies, ...).
        #[arg(long)]
        json: bool,
    },
    /// Write a policy file from settings to stdout: a Registry.pol (binary), the SyncML an
    /// MDM sends, or a .reg file. Names are checked against the root's settings.
    Write(WriteArgs),
}

/// The arguments of `winlaps policy write`.
#[derive(clap::Args)]
pub(crate) struct WriteArgs {
    /// `pol` (a GPO's Registry.pol), `syncml` (LAPS CSP) or `reg` (regedit version 5).
    #[arg(long, value_parser = ["pol", "syncml", "reg"])]
    format: String,
    /// The root whose key is written: gpo (default for pol), local (default for reg), csp,
    /// legacy. SyncML always writes the CSP.
    #[arg(long, value_parser = ["csp", "gpo", "local", "legacy"])]
    root: Option<String>,
    /// SyncML only: also run Actions/ResetPassword.
    #[arg(long)]
    reset_password: bool,
    /// Errors as JSON (`{"error": {"code", "message"}}` on stderr).
    #[arg(long)]
    json: bool,
    /// Settings as NAME=VALUE, e.g. BackupDirectory=2 PasswordAgeDays=14
    /// ADPasswordEncryptionPrincipal='CONTOSO\LAPS Readers' (numbers for DWORD settings).
    #[arg(value_name = "NAME=VALUE", required = true)]
    settings: Vec<String>,
}

/// The inputs of `resolve` and `explain`. Files are applied in this order:
/// snapshots, .reg, Registry.pol, SyncML; each lands in the root its keys name.
#[derive(clap::Args)]
pub(crate) struct PolicyArgs {
    /// Registry.pol of a GPO (repeat for several GPOs, lowest precedence first).
    #[arg(long = "gpo", value_name = "FILE.pol")]
    gpo: Vec<PathBuf>,
    /// SyncML sent by Intune or another MDM (LAPS CSP).
    #[arg(long = "csp", value_name = "FILE.syncml")]
    csp: Vec<PathBuf>,
    /// regedit export (.reg), version 5 (UTF-16) or REGEDIT4.
    #[arg(long = "reg", value_name = "FILE.reg")]
    reg: Vec<PathBuf>,
    /// Snapshot of the roots as JSON or TOML (by extension): {"csp": {...}, "gpo": {...}, ...}.
    #[arg(long = "snapshot", value_name = "FILE.json|FILE.toml")]
    snapshot: Vec<PathBuf>,
    /// Device context: inline JSON, or a .json/.toml file. Default: hybrid joined, build 26100.
    #[arg(long, value_name = "JSON|FILE")]
    device: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn read(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| CodedError::new(Code::Io, format!("{}: {e}", path.display())).into())
}

fn read_text(path: &Path) -> CliResult<String> {
    String::from_utf8(read(path)?)
        .map_err(|e| CodedError::new(Code::FORMAT, format!("{}: {e}", path.display())).into())
}

fn is_toml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// Wraps a parse error with the file it came from, keeping its code.
fn in_file<T>(path: &Path, r: Result<T, laps_policy::Error>) -> CliResult<T> {
    r.map_err(|e| CodedError::new(Code::Kind(e.kind()), format!("{}: {e}", path.display())).into())
}

fn device(arg: Option<&str>) -> CliResult<Device> {
    let Some(arg) = arg else {
        return Ok(Device::default());
    };
    if arg.trim_start().starts_with('{') {
        return Ok(Device::from_json(arg).map_err(|e| format!("--device: {e}"))?);
    }
    let path = Path::new(arg);
    let text = read_text(path)?;
    if is_toml(path) {
        in_file(path, Device::from_toml(&text))
    } else {
        in_file(path, Device::from_json(&text))
    }
}

/// What the inputs hold besides the snapshot: keys outside LAPS, and the SyncML commands the
/// device's LAPS CSP refuses (one line each, with its OMA DM status).
#[derive(Default)]
struct Inputs {
    ignored: Vec<String>,
    refused: Vec<String>,
}

/// A policy file format's parser.
type Parser = fn(&[u8]) -> Result<ParsedPolicy, laps_policy::Error>;

/// Builds the snapshot from every input; returns it with the ignored keys and refused commands.
/// Each file is input for the root its format serves (`--reg` the local configuration, `--gpo`
/// a GPO, `--csp` the CSP), after the values snapshots give that root; the core loads the roots
/// lowest precedence first ([`Snapshot::from_inputs`]), as both bindings do.
fn snapshot(args: &PolicyArgs) -> CliResult<(Snapshot, Inputs)> {
    let mut parts = Vec::new();
    for path in &args.snapshot {
        let text = read_text(path)?;
        parts.push(if is_toml(path) {
            in_file(path, Snapshot::from_toml(&text))?
        } else {
            in_file(path, Snapshot::from_json(&text))?
        });
    }
    let mut files = Vec::new();
    let mut inputs = Inputs::default();
    let formats: [(&Vec<PathBuf>, Root, Parser); 3] = [
        (&args.reg, Root::Local, ParsedPolicy::from_reg),
        (&args.gpo, Root::Gpo, ParsedPolicy::from_registry_pol),
        (&args.csp, Root::Csp, ParsedPolicy::from_syncml),
    ];
    for (paths, root, parse) in formats {
        for path in paths {
            let file = in_file(path, parse(&read(path)?))?;
            inputs.ignored.extend(file.ignored_keys.iter().cloned());
            inputs.refused.extend(refused(path, &file));
            files.push((root, file));
        }
    }
    let values = (parts.iter())
        .flat_map(|part| Root::ALL.map(|root| (root, RootInput::Values(part.root(root).clone()))));
    let files = (files.iter()).map(|(root, file)| (*root, RootInput::Files(vec![file])));
    let mut snap = Snapshot::from_inputs(values.chain(files));
    for (name, value) in parts.iter().flat_map(|part| part.state.iter()) {
        snap.state.set(name, value.clone());
    }
    Ok((snap, inputs))
}

/// The SyncML commands of `file` the device's LAPS CSP refuses, one line each.
fn refused<'a>(path: &'a Path, file: &'a ParsedPolicy) -> impl Iterator<Item = String> + 'a {
    file.rejected().map(move |c| {
        let status = c
            .status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        format!(
            "{}:{}: {} {}: {status}",
            path.display(),
            c.line,
            c.verb.as_str(),
            c.target
        )
    })
}

/// The explanation's section on refused SyncML commands.
fn refused_section(refused: &[String]) -> String {
    if refused.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\nSyncML commands the device's LAPS CSP refuses (nothing written; OMA DM status):\n",
    );
    for line in refused {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn note_ignored(ignored: &[String]) {
    if !ignored.is_empty() {
        eprintln!(
            "note: {} key(s) outside the LAPS keys were ignored: {}",
            ignored.len(),
            ignored.join(", ")
        );
    }
}

pub(crate) fn run(command: PolicyCommand) -> CliResult {
    let (args, explain) = match &command {
        PolicyCommand::Resolve(a) => (a, false),
        PolicyCommand::Explain(a) => (a, true),
        PolicyCommand::Settings { json } => return print_catalog(*json),
        PolicyCommand::Write(w) => return write_file(w),
    };
    let device = device(args.device.as_deref())?;
    let (snap, inputs) = snapshot(args)?;
    note_ignored(&inputs.ignored);
    let policy = resolve(&snap, &device);
    if explain && !args.json {
        out!("{}{}", policy.explain(), refused_section(&inputs.refused))?;
        return Ok(());
    }
    for line in &inputs.refused {
        eprintln!("note: refused by the device's LAPS CSP (not applied): {line}");
    }
    if args.json {
        outln!("{}", policy.to_json()?)?;
    } else {
        print_table(&policy)?;
    }
    Ok(())
}

/// `winlaps policy write`: typed values from NAME=VALUE (DWORD and boolean settings take
/// numbers, text settings text), then the file on stdout.
fn write_file(args: &WriteArgs) -> CliResult {
    use laps_policy::catalog::{find, ValueKind};
    use std::io::{IsTerminal, Write};
    let root = match (args.format.as_str(), args.root.as_deref()) {
        ("syncml", _) => Root::Csp,
        (_, Some(name)) => name.parse()?,
        ("reg", None) => RegFile::DEFAULT_ROOT,
        (_, None) => RegistryPol::DEFAULT_ROOT,
    };
    let mut values = laps_policy::RootValues::new();
    for item in &args.settings {
        let (name, text) = item
            .split_once('=')
            .ok_or_else(|| format!("{item:?}: expected NAME=VALUE"))?;
        // A name the root does not have goes to the writer, whose error names it.
        let Some(info) = find(root.family(), name) else {
            values.set(name, RegValue::Sz(text.to_owned()));
            continue;
        };
        let value = match info.kind {
            ValueKind::Dword | ValueKind::Bool => RegValue::Dword(text.parse().map_err(|_| {
                format!("{}: {text:?} is not a number (a DWORD setting)", info.name)
            })?),
            ValueKind::Text => RegValue::Sz(text.to_owned()),
            ValueKind::Action => {
                return Err(format!("{} is an action, not a value", info.name).into())
            }
        };
        values.set(name, value);
    }
    let bytes = match args.format.as_str() {
        "pol" => {
            if std::io::stdout().is_terminal() {
                return Err("a Registry.pol is binary: redirect stdout to a file".into());
            }
            RegistryPol::from_root(root, &values)?.to_bytes()
        }
        "syncml" => SyncMl::from_csp_values(&values, args.reset_password)?
            .to_xml()
            .into_bytes(),
        _ => RegFile::from_root(root, &values)?.to_text().into_bytes(),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

/// `winlaps policy settings`: the catalogue as a table, or as JSON.
fn print_catalog(json: bool) -> CliResult {
    let catalog = &laps_policy::catalog::CATALOG;
    if json {
        outln!("{}", serde_json::to_string_pretty(&catalog[..])?)?;
        return Ok(());
    }
    outln!(
        "{:<40} {:<12} {:<22} {:<16} {:<6} DESCRIPTION",
        "SETTING",
        "FAMILY",
        "DEFAULT",
        "ALLOWED",
        "BUILD"
    )?;
    for s in catalog {
        let family = serde_json::to_value(s.family)?;
        outln!(
            "{:<40} {:<12} {:<22} {:<16} {:<6} {}",
            s.name,
            family.as_str().unwrap_or_default(),
            s.default.to_string(),
            s.allowed.to_string(),
            if s.min_build == 0 {
                "-".to_owned()
            } else {
                s.min_build.to_string()
            },
            s.description
        )?;
    }
    Ok(())
}

fn print_table(p: &EffectivePolicy) -> CliResult {
    let source = match p.source.root() {
        Some(r) => format!("{} root (HKLM\\{})", r.label(), r.key_path()),
        None => "none".to_owned(),
    };
    outln!("Source:  {source}")?;
    outln!("Mode:    {}", p.mode.as_str())?;
    if let Some(b) = p.diagnostics.iter().find(|d| Some(d.code) == p.blocker) {
        outln!("Blocked: {}", b.message)?;
    }
    outln!("Account: {}", p.managed_account())?;
    outln!()?;
    outln!(
        "{:<40} {:<22} {:<7} PROVENANCE",
        "SETTING",
        "VALUE",
        "APPLIES"
    )?;
    for r in &p.settings {
        outln!(
            "{:<40} {:<22} {:<7} {}",
            r.setting.name(),
            r.value.to_string(),
            if r.is_applicable() { "yes" } else { "no" },
            r.provenance.describe()
        )?;
    }
    let notable: Vec<_> = p
        .diagnostics
        .iter()
        .filter(|d| d.severity > Severity::Info)
        .collect();
    if !notable.is_empty() {
        outln!()?;
        for d in notable {
            outln!("{d}")?;
        }
    }
    Ok(())
}

/// The demo device's snapshot: the bundled GPO, then the bundled Intune SyncML.
fn demo_snapshot() -> CliResult<Snapshot> {
    let mut snap = Snapshot::new();
    RegistryPol::parse(samples::DEMO_GPO_POL)?.apply_to(&mut snap);
    SyncMl::parse_str(samples::DEMO_CSP_SYNCML)?.apply_to(&mut snap);
    Ok(snap)
}

/// Demo section: resolve the embedded sample policy, explain it and return the password spec it yields.
pub(crate) fn demo() -> CliResult<PasswordSpec> {
    let gpo = RegistryPol::parse(samples::DEMO_GPO_POL)?;
    let gpo_only = {
        let mut s = Snapshot::new();
        gpo.apply_to(&mut s);
        resolve(&s, &Device::default())
    };
    outln!(
        "GPO Registry.pol ({} bytes, {} values): {}",
        samples::DEMO_GPO_POL.len(),
        gpo.entries.len(),
        gpo_only.explain().lines().next().unwrap_or_default()
    )?;
    let csp = SyncMl::parse_str(samples::DEMO_CSP_SYNCML)?;
    let sets: Vec<String> = csp
        .commands
        .iter()
        .filter_map(|c| {
            Some(format!(
                "{}={}",
                c.target.rsplit('/').next()?,
                c.value.as_ref()?
            ))
        })
        .collect();
    outln!("Intune SyncML on the same device: {}", sets.join(", "))?;

    let policy = resolve(&demo_snapshot()?, &Device::default());
    outln!(
        "\nEffective policy: {}",
        policy.explain().lines().next().unwrap_or_default()
    )?;
    for root in [Root::Csp, Root::Gpo] {
        outln!("  {}", policy.root_verdict(root))?;
    }
    let spec = policy.password_spec();
    outln!(
        "  Account: {}; complexity {}, {} words, every {} days, encrypted to {}",
        policy.managed_account(),
        spec.complexity().get(),
        spec.passphrase_words(),
        policy.password_age_days(),
        policy
            .encryption_target()
            .unwrap_or_else(|| "nobody".into()),
    )?;
    let lost: Vec<String> = policy
        .settings
        .iter()
        .flat_map(|r| {
            r.shadowed
                .iter()
                .map(move |s| format!("{}={}", r.setting.name(), s.raw))
        })
        .collect();
    outln!("  Ignored GPO values: {}", lost.join(", "))?;

    // The classic trap, in one line: a single stray CSP value.
    let mut stray = Snapshot::new();
    gpo.apply_to(&mut stray);
    stray.csp.set("PasswordComplexity", RegValue::Dword(6));
    let stray = resolve(&stray, &Device::default());
    outln!(
        "\nHad Intune sent only PasswordComplexity: {}",
        stray.explain().lines().next().unwrap_or_default()
    )?;
    Ok(spec)
}

/// Demo section: the rotation decision for a device whose password was set at `set_at`, evaluated at `now`.
pub(crate) fn demo_rotation(set_at: FileTime, now: FileTime) -> CliResult {
    let policy = resolve(&demo_snapshot()?, &Device::default());
    let local = LocalState::after_rotation(&policy, set_at, None);
    let directory = DirectoryState {
        password_expiration_time: Some(set_at.add_days(policy.password_age_days())),
        encrypted_password_present: true,
        current_password_version: None,
    };
    outln!(
        "Password set {set_at}, expires {} (PasswordAgeDays {}); evaluated at {now}",
        set_at.add_days(policy.password_age_days()),
        policy.password_age_days()
    )?;
    let d = decide_rotation(&policy, &local, &directory, now);
    let reasons: Vec<String> = d
        .reasons
        .iter()
        .map(|r| match r.event_bit() {
            Some(bit) => format!("{r} [0x{bit:x}]"),
            None => r.to_string(),
        })
        .collect();
    let events: Vec<String> = d.event_ids.iter().map(u32::to_string).collect();
    outln!(
        "Rotate: {}{}; events {}",
        if d.rotate { "yes" } else { "no" },
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        },
        events.join(", ")
    )?;
    if let Some(next) = d.next_expiration() {
        outln!("Next expiry: {next}")?;
    }

    let logon = now.add_seconds(3600);
    let t = post_authentication_timeline(&policy, logon);
    match t.deadline {
        Some(deadline) => {
            outln!(
                "If the managed account signs in at {logon}: after {} h ({deadline}) -> {}",
                t.grace_hours,
                t.actions
            )?;
            for s in &t.steps {
                let event = s
                    .event_id
                    .map(|e| format!(" [event {e}]"))
                    .unwrap_or_default();
                outln!("  {}  {}{event}", s.at, s.what)?;
            }
        }
        None => outln!("Post-authentication actions: off ({:?})", t.off)?,
    }
    Ok(())
}
