//! The Rust crates answer every case of `tests/parity/cases.json` (at the repository root) as
//! the file says; the Python and Node
//! bindings (and the CLI) run the same file, so the four agree.
//!
//! Run with `WINLAPS_PARITY_PRINT=1` to print what Rust answers for every case.

use laps_core::{entropy, ErrorKind, Generator, LocalPasswordPolicy, PasswordSpec};
use laps_policy::{resolve, Device, ParsedPolicy, RegFile, RegistryPol, Root, RootInput, Snapshot};
use serde_json::{json, Map, Value};

fn cases() -> Value {
    let text = include_str!("../../tests/parity/cases.json");
    serde_json::from_str(text).expect("cases.json is JSON")
}

fn error(kind: ErrorKind) -> Value {
    json!({ "error": kind.as_str() })
}

fn num(args: &Value, name: &str, default: u64) -> u64 {
    args.get(name).and_then(Value::as_u64).unwrap_or(default)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The spec from `complexity`/`length`/`words`, each defaulting as Windows does.
fn spec(args: &Value) -> Result<PasswordSpec, laps_core::Error> {
    let get = |name: &str| {
        args.get(name)
            .and_then(Value::as_u64)
            .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
    };
    PasswordSpec::with_defaults(get("complexity"), get("length"), get("words"))
}

/// The device's own password policy from `minimum_length` / `complexity_required`.
fn device_policy(args: &Value) -> LocalPasswordPolicy {
    LocalPasswordPolicy {
        minimum_length: u32::try_from(num(args, "minimum_length", 0)).unwrap_or(u32::MAX),
        complexity_required: args["complexity_required"].as_bool().unwrap_or(false),
    }
}

fn generate(args: &Value) -> Value {
    let spec = match spec(args) {
        Ok(s) => s,
        Err(e) => return error(e.kind()),
    };
    let n = match laps_core::check_batch(num(args, "n", 1)) {
        Ok(n) => n,
        Err(e) => return error(e.kind()),
    };
    let seed: [u8; 32] = hex::decode(args["seed"].as_str().expect("seed"))
        .expect("seed hex")
        .try_into()
        .expect("32-byte seed");
    let joined = match Generator::from_seed_insecure(seed).generate_joined_accepted(
        &spec,
        &device_policy(args),
        n,
        b'\n',
    ) {
        Ok(j) => j,
        Err(e) => return error(e.kind()),
    };
    let passwords: Vec<&str> = (joined.split(|&b| b == b'\n'))
        .map(|p| std::str::from_utf8(p).expect("ASCII"))
        .collect();
    json!({ "passwords": passwords })
}

fn entropy_case(args: &Value) -> Value {
    match spec(args) {
        Ok(s) => {
            let e = entropy::bits_accepted(&s, &device_policy(args));
            json!({ "naive": round2(e.naive), "exact": round2(e.exact) })
        }
        Err(e) => error(e.kind()),
    }
}

/// Non-empty roots as `{root: {name: value}}`, DWORDs as numbers and strings as strings.
fn roots(snapshot: &Snapshot) -> Value {
    let mut out = Map::new();
    for root in Root::ALL {
        let values = snapshot.root(root);
        if values.iter().next().is_none() {
            continue;
        }
        let v: Value = serde_json::to_value(values).expect("root values serialize");
        out.insert(root.as_str().to_owned(), v);
    }
    Value::Object(out)
}

fn parse_pol(args: &Value) -> Value {
    let bytes = hex::decode(args["hex"].as_str().expect("hex")).expect("hex");
    match ParsedPolicy::from_registry_pol(&bytes) {
        Ok(parsed) => json!({ "roots": roots(&parsed.snapshot) }),
        Err(e) => error(e.kind()),
    }
}

/// Writes `values` as a Registry.pol or regedit file (`root` left out: the core's default for
/// that file), then reads the file back.
fn write_case(args: &Value) -> Value {
    let loaded = Snapshot::from_json(&json!({ "local": args["values"] }).to_string());
    let values = loaded.expect("values").local;
    let root = match args["root"].as_str().map(str::parse::<Root>) {
        None => None,
        Some(Ok(root)) => Some(root),
        Some(Err(e)) => return error(e.kind()),
    };
    let parsed = match args["format"].as_str().expect("format") {
        "pol" => RegistryPol::from_root(root.unwrap_or(RegistryPol::DEFAULT_ROOT), &values)
            .and_then(|pol| ParsedPolicy::from_registry_pol(&pol.to_bytes())),
        _ => RegFile::from_root(root.unwrap_or(RegFile::DEFAULT_ROOT), &values)
            .and_then(|reg| ParsedPolicy::from_reg(reg.to_text().as_bytes())),
    };
    match parsed {
        Ok(parsed) => json!({ "roots": roots(&parsed.snapshot) }),
        Err(e) => error(e.kind()),
    }
}

fn resolve_case(args: &Value) -> Value {
    let mut input = args.clone();
    let device = input
        .as_object_mut()
        .and_then(|o| o.remove("device"))
        .unwrap_or(json!({}));
    let snapshot = Snapshot::from_json(&input.to_string()).expect("snapshot");
    let device = match Device::from_json(&device.to_string()) {
        Ok(device) => device,
        Err(e) => return error(e.kind()),
    };
    summary(&resolve(&snapshot, &device))
}

/// Resolves Registry.pol files given as GPO input (`pol`, hex) and regedit files given as
/// local input (`reg`, text), each list in order.
fn resolve_files(args: &Value) -> Value {
    let list = |name: &str| args[name].as_array().cloned().unwrap_or_default();
    let parse = |v: &Value, pol: bool| {
        let text = v.as_str().expect("a file");
        if pol {
            ParsedPolicy::from_registry_pol(&hex::decode(text).expect("hex"))
        } else {
            ParsedPolicy::from_reg(text.as_bytes())
        }
    };
    let pols: Result<Vec<_>, _> = list("pol").iter().map(|v| parse(v, true)).collect();
    let regs: Result<Vec<_>, _> = list("reg").iter().map(|v| parse(v, false)).collect();
    let (pols, regs) = match (pols, regs) {
        (Ok(p), Ok(r)) => (p, r),
        (Err(e), _) | (_, Err(e)) => return error(e.kind()),
    };
    let snapshot = Snapshot::from_inputs([
        (Root::Gpo, RootInput::Files(pols.iter().collect())),
        (Root::Local, RootInput::Files(regs.iter().collect())),
    ]);
    let device = Device::from_json(&args["device"].to_string()).expect("device");
    summary(&resolve(&snapshot, &device))
}

/// The fields of a resolved policy the `resolve` cases compare.
fn summary(p: &laps_policy::EffectivePolicy) -> Value {
    json!({
        "source": p.source.as_str(),
        "mode": p.mode.as_str(),
        "password_complexity": p.password_complexity().get(),
        "password_length": p.password_length(),
        "passphrase_length": p.passphrase_length(),
        "password_age_days": p.password_age_days(),
        "backup_directory": p.settings.number(laps_policy::SettingId::BackupDirectory),
    })
}

/// One setting's resolution in the core's flat form (`SettingResolution::form`).
fn provenance(args: &Value) -> Value {
    let mut input = args.clone();
    let setting = input
        .as_object_mut()
        .and_then(|o| o.remove("setting"))
        .expect("setting");
    let snapshot = Snapshot::from_json(&input.to_string()).expect("snapshot");
    let p = resolve(&snapshot, &Device::default());
    match p.provenance(setting.as_str().expect("setting name")) {
        Ok(r) => serde_json::to_value(r.form(|v| v.plain(None))).expect("serde form"),
        Err(e) => error(e.kind()),
    }
}

fn parse_blob(args: &Value) -> Value {
    let bytes = hex::decode(args["hex"].as_str().expect("hex")).expect("hex");
    match laps_crypto::parse_blob(&bytes) {
        Ok(info) => json!({
            "root_key_id": info.key.map(|k| k.root_key_id.to_string()),
            "target_sid": info.target_sid,
        }),
        Err(e) => error(e.kind()),
    }
}

/// The core's form of a parsed value or blob, without the header times (see the table's
/// `about`).
fn inspect(args: &Value) -> Value {
    let bytes = hex::decode(args["hex"].as_str().expect("hex")).expect("hex");
    let form = if args["blob"] == json!(true) {
        laps_crypto::parse_blob(&bytes).map(serde_json::to_value)
    } else {
        laps_crypto::parse_encrypted_attribute(&bytes).map(serde_json::to_value)
    };
    match form {
        Ok(form) => without(
            form.expect("serde form"),
            &["update_time", "update_filetime"],
        ),
        Err(e) => error(e.kind()),
    }
}

/// `form` without the top-level `keys`.
fn without(mut form: Value, keys: &[&str]) -> Value {
    if let Some(o) = form.as_object_mut() {
        keys.iter().for_each(|k| drop(o.remove(*k)));
    }
    form
}

fn reset_password_status(args: &Value) -> Value {
    let status = match &args["value"] {
        Value::String(text) => match text.parse::<laps_policy::ResetPasswordStatus>() {
            Ok(s) => s,
            Err(e) => return error(e.kind()),
        },
        v => match laps_policy::ResetPasswordStatus::from_number(
            v.as_i64().expect("an integer HRESULT").into(),
        ) {
            Ok(s) => s,
            Err(e) => return error(e.kind()),
        },
    };
    json!({ "status": status.as_str(), "hresult": status.hresult() })
}

fn is_valid_password(args: &Value) -> Value {
    let complexity = u32::try_from(num(args, "complexity", 0)).unwrap_or(u32::MAX);
    match laps_core::Complexity::new(complexity) {
        Ok(c) => json!({
            "valid": laps_core::charset::is_valid_password(c, args["password"].as_str().expect("password"))
        }),
        Err(e) => error(e.kind()),
    }
}

/// Where the `decrypt_live` cases send GetKey: nothing listens on its endpoint-mapper port.
const UNREACHABLE_DC: &str = "127.0.0.1";

fn decrypt_live(args: &Value) -> Value {
    let store = laps_crypto::KeyStore::new();
    if let Some(key) = args.get("root_key") {
        store.add_root_key(laps_crypto::RootKey::from_json(&key.to_string()).expect("root key"));
    }
    let value = hex::decode(args["hex"].as_str().expect("hex")).expect("hex");
    let creds = laps_client::Credentials::new("PARITY\\u", "p".into()).expect("credentials");
    let opts = laps_client::ConnectOptions {
        epm_port: 1,
        timeouts: laps_client::Timeouts::per_io(std::time::Duration::from_secs(2)),
        ..Default::default()
    };
    let connect = || laps_client::GkdiClient::connect(UNREACHABLE_DC, &creds, &opts);
    match laps_client::decrypt_many(&store, &[value], connect) {
        Ok(live) => match &live.results[0] {
            Ok(c) => json!({ "account": c.account, "password": c.password.expose() }),
            Err(e) => error(e.kind()),
        },
        Err(e) => error(e.kind()),
    }
}

/// The attribute map of a `read_computer` case: text values as given, `hex` ones decoded.
fn attributes(args: &Value) -> Vec<(String, Vec<Vec<u8>>)> {
    let mut out = Vec::new();
    for (key, decode) in [("attributes", false), ("hex_attributes", true)] {
        for (name, values) in args[key].as_object().into_iter().flatten() {
            let values = (values.as_array().expect("values").iter())
                .map(|v| v.as_str().expect("text"))
                .map(|v| {
                    if decode {
                        hex::decode(v).expect("hex")
                    } else {
                        v.as_bytes().to_vec()
                    }
                })
                .collect();
            out.push((name.clone(), values));
        }
    }
    out
}

fn read_computer(args: &Value) -> Value {
    let store = laps_crypto::KeyStore::new();
    if let Some(key) = args.get("root_key") {
        store.add_root_key(laps_crypto::RootKey::from_json(&key.to_string()).expect("root key"));
    }
    let dn = args["dn"].as_str().expect("dn");
    let options = laps_directory::ReadOptions {
        include_history: args["include_history"].as_bool().unwrap_or(false),
        ..Default::default()
    };
    let read = laps_directory::ComputerEntry::from_attributes(dn, attributes(args))
        .and_then(|entry| laps_directory::read_computer(&entry, &store, &options));
    match read {
        // Times in whole Unix seconds, what every binding's time type holds exactly.
        Ok(records) => json!({ "records": records
            .iter()
            .map(|r| r.form(true, |t| t.unix_seconds()))
            .collect::<Vec<_>>() }),
        Err(e) => error(e.kind()),
    }
}

fn run(case: &Value) -> Value {
    let args = &case["args"];
    match case["op"].as_str().expect("op") {
        "generate" => generate(args),
        "entropy" => entropy_case(args),
        "parse_registry_pol" => parse_pol(args),
        "write" => write_case(args),
        "resolve" => resolve_case(args),
        "resolve_files" => resolve_files(args),
        "parse_blob" => parse_blob(args),
        "inspect" => inspect(args),
        "provenance" => provenance(args),
        "reset_password_status" => reset_password_status(args),
        "is_valid_password" => is_valid_password(args),
        "decrypt_live" => decrypt_live(args),
        "read_computer" => read_computer(args),
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn rust_answers_every_case_as_the_table_says() {
    let cases = cases();
    let list = cases["cases"].as_array().expect("cases");
    assert!(list.len() >= 15, "the table has {} cases", list.len());
    let print = std::env::var_os("WINLAPS_PARITY_PRINT").is_some();
    let mut failures = Vec::new();
    for case in list {
        let got = run(case);
        if print {
            println!("{}: {got}", case["name"]);
        }
        if got != case["expect"] {
            failures.push(format!(
                "{}: expected {}, got {got}",
                case["name"], case["expect"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_kind_table_matches_error_kind() {
    let cases = cases();
    let kinds = cases["kinds"].as_object().expect("kinds");
    assert_eq!(kinds.len(), ErrorKind::ALL.len());
    for kind in ErrorKind::ALL {
        let row = &kinds[kind.as_str()];
        assert_eq!(row["node"], kind.code(), "{kind}");
        assert!(row["python"].as_str().is_some_and(|c| c.ends_with("Error")));
        assert_eq!(kind.as_str().parse(), Ok(kind));
    }
    // Every kind a case expects is in the table.
    for case in cases["cases"].as_array().expect("cases") {
        if let Some(k) = case["expect"].get("error") {
            let k = k.as_str().expect("kind name");
            assert!(kinds.contains_key(k), "{}: unknown kind {k}", case["name"]);
        }
    }
}
