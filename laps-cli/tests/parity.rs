//! The CLI's run of the shared parity table (`tests/parity/cases.json` at the repository root;
//! the Rust, Python and Node runners read the same file): the same inputs give the same error
//! kinds (as `--json` error codes), the same entropy, the same parsed Registry.pol roots, the
//! same files written (`policy write`, read back) and the same resolved policy.
//!
//! `winlaps generate` has no seed option (seeded generation is for tests, never for real
//! passwords), so its cases compare the error kinds and the shape of what is printed: the count,
//! the length, the complexity, and passwords that match the mode. Outside the workspace (the
//! packaged `.crate`) the table is not there and the test says so and passes.

mod helpers;

use helpers::{temp_file, winlaps, winlaps_as};
use serde_json::{json, Map, Value};
use std::ffi::OsStr;
use std::fmt::Debug;
use std::path::PathBuf;
use std::process::Output;

fn table() -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/parity/cases.json");
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).expect("cases.json is JSON"))
}

/// Runs `winlaps args` and returns its JSON output, or `{"error": kind}` from the `--json`
/// error line (the code mapped back through the table's kinds).
fn run<S: AsRef<OsStr> + Debug>(args: &[S], kinds: &Map<String, Value>) -> Value {
    answer(args, winlaps(args), kinds)
}

/// What `run` reads from `out`, the output of `winlaps args`.
fn answer<S: Debug>(args: &[S], out: Output, kinds: &Map<String, Value>) -> Value {
    if out.status.success() {
        return serde_json::from_slice(&out.stdout).expect("JSON output");
    }
    // The `--json` error line is the last one (progress lines may come before it).
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let line: Value = serde_json::from_str(last).unwrap_or_else(|_| {
        panic!(
            "{args:?}: no JSON error: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let code = line["error"]["code"].as_str().expect("an error code");
    let kind = kinds
        .iter()
        .find(|(_, v)| v["node"] == code)
        .map_or_else(|| code.to_owned(), |(k, _)| k.clone());
    json!({ "error": kind })
}

/// `winlaps generate --json` with the case's spec arguments.
fn generate_json(args: &Value, kinds: &Map<String, Value>) -> Value {
    let mut a = vec!["generate".to_owned(), "--json".to_owned()];
    for (name, flag) in [
        ("complexity", "-c"),
        ("length", "-l"),
        ("words", "-w"),
        ("n", "-n"),
    ] {
        if let Some(v) = args.get(name) {
            a.extend([flag.to_owned(), v.to_string()]);
        }
    }
    if let Some(v) = args.get("minimum_length") {
        a.extend(["--min-length".to_owned(), v.to_string()]);
    }
    if args.get("complexity_required") == Some(&json!(true)) {
        a.push("--require-complexity".to_owned());
    }
    run(&a, kinds)
}

fn round2(x: &Value) -> Value {
    json!((x.as_f64().expect("a number") * 100.0).round() / 100.0)
}

fn generate(args: &Value, expect: &Value, kinds: &Map<String, Value>) -> Result<(), String> {
    let got = generate_json(args, kinds);
    if expect.get("error").is_some() {
        return (got == *expect).then_some(()).ok_or(format!("got {got}"));
    }
    let want = expect["passwords"].as_array().expect("passwords");
    let list = got.as_array().ok_or(format!("got {got}"))?;
    if list.len() != want.len() {
        return Err(format!("{} passwords, expected {}", list.len(), want.len()));
    }
    let complexity = args.get("complexity").and_then(Value::as_u64).unwrap_or(4);
    for (g, w) in list.iter().zip(want) {
        let (g, w) = (
            g["password"].as_str().unwrap_or(""),
            w.as_str().unwrap_or(""),
        );
        let same_shape = if complexity <= 5 {
            g.len() == w.len()
        } else {
            g.chars().next().is_some_and(char::is_uppercase)
        };
        if !same_shape || got[0]["complexity"] != json!(complexity) {
            return Err(format!("{g:?} is not shaped like {w:?}"));
        }
    }
    Ok(())
}

fn entropy(args: &Value, kinds: &Map<String, Value>) -> Value {
    let got = generate_json(args, kinds);
    match got.as_array() {
        Some(list) => json!({
            "exact": round2(&list[0]["entropy_bits"]),
            "naive": round2(&list[0]["entropy_bits_naive"]),
        }),
        None => got,
    }
}

/// `{root: {name: value}}` of the non-empty roots of a Registry.pol, from `policy resolve
/// --json`: the settings each root holds, with the raw values the resolver read.
fn parse_registry_pol(args: &Value, kinds: &Map<String, Value>) -> Value {
    let bytes = hex::decode(args["hex"].as_str().expect("hex")).expect("hex");
    roots_read(&bytes, "--gpo", kinds)
}

/// `winlaps policy write --format pol|reg [--root R] NAME=VALUE...`, the file then read back
/// as `parse_registry_pol` reads one.
fn write(args: &Value, kinds: &Map<String, Value>) -> Value {
    let format = args["format"].as_str().expect("format");
    let mut argv = vec![
        "policy".to_owned(),
        "write".into(),
        "--json".into(),
        "--format".into(),
        format.into(),
    ];
    if let Some(root) = args["root"].as_str() {
        argv.extend(["--root".to_owned(), root.to_owned()]);
    }
    for (name, value) in args["values"].as_object().expect("values") {
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        argv.push(format!("{name}={text}"));
    }
    let out = winlaps(&argv);
    if !out.status.success() {
        return answer(&argv, out, kinds);
    }
    roots_read(
        &out.stdout,
        if format == "pol" { "--gpo" } else { "--reg" },
        kinds,
    )
}

/// `{root: {name: value}}` of the non-empty roots of a policy file, from `policy resolve
/// --json FLAG FILE`: the settings each root holds, with the raw values the resolver read.
fn roots_read(file: &[u8], flag: &str, kinds: &Map<String, Value>) -> Value {
    let path = temp_file("parity.policy", file);
    let got = run(
        &["policy", "resolve", "--json", flag, &path.to_string_lossy()],
        kinds,
    );
    if got.get("error").is_some() {
        return got;
    }
    let mut roots = Map::new();
    for root in got["roots"].as_array().expect("roots") {
        let names = root["settings"].as_array().expect("settings");
        if names.is_empty() {
            continue;
        }
        let mut values = Map::new();
        for name in names {
            let name = name.as_str().expect("a setting name");
            let setting = got["settings"]
                .as_object()
                .expect("settings")
                .values()
                .find(|s| s["name"] == name)
                .expect("the setting");
            values.insert(name.to_owned(), setting["provenance"]["raw"].clone());
        }
        roots.insert(
            root["root"].as_str().expect("root").to_owned(),
            Value::Object(values),
        );
    }
    json!({ "roots": roots })
}

/// `winlaps policy resolve --json --gpo F... --reg F... --device D` of the case's files.
fn resolve_files(args: &Value, kinds: &Map<String, Value>) -> Value {
    let mut argv = vec!["policy".to_owned(), "resolve".into(), "--json".into()];
    let list = |name: &str| args[name].as_array().cloned().unwrap_or_default();
    for (i, h) in list("pol").iter().enumerate() {
        let bytes = hex::decode(h.as_str().expect("hex")).expect("hex");
        let path = temp_file(&format!("parity-{i}.pol"), &bytes);
        argv.extend(["--gpo".to_owned(), path.to_string_lossy().into_owned()]);
    }
    for (i, t) in list("reg").iter().enumerate() {
        let path = temp_file(
            &format!("parity-{i}.reg"),
            t.as_str().expect("text").as_bytes(),
        );
        argv.extend(["--reg".to_owned(), path.to_string_lossy().into_owned()]);
    }
    argv.extend(["--device".to_owned(), args["device"].to_string()]);
    summary(run(&argv, kinds))
}

/// The fields of `policy resolve --json` the `resolve` cases compare (or its error).
fn summary(got: Value) -> Value {
    if got.get("error").is_some() {
        return got;
    }
    let v = &got["values"];
    json!({
        "source": got["source"],
        "mode": got["mode"],
        "password_complexity": v["password_complexity"],
        "password_length": v["password_length"],
        "passphrase_length": v["passphrase_length"],
        "password_age_days": v["password_age_days"],
        "backup_directory": v["backup_directory"],
    })
}

fn resolve(args: &Value, kinds: &Map<String, Value>) -> Value {
    let mut snapshot = args.clone();
    let device = snapshot
        .as_object_mut()
        .and_then(|o| o.remove("device"))
        .unwrap_or(json!({}));
    let file = temp_file("parity-snapshot.json", snapshot.to_string().as_bytes());
    let got = run(
        &[
            "policy",
            "resolve",
            "--json",
            "--snapshot",
            &file.to_string_lossy(),
            "--device",
            &device.to_string(),
        ],
        kinds,
    );
    summary(got)
}

/// `winlaps inspect --json` (with `--blob` for a bare blob) of `args.hex`.
fn inspected(args: &Value, kinds: &Map<String, Value>) -> Value {
    let bytes = hex::decode(args["hex"].as_str().expect("hex")).expect("hex");
    let value = temp_file("parity-inspect.bin", &bytes);
    let mut a = vec!["inspect", "--json"];
    if args["blob"] == json!(true) {
        a.push("--blob");
    }
    let file = format!("@{}", value.display());
    a.push(&file);
    run(&a, kinds)
}

fn parse_blob(args: &Value, kinds: &Map<String, Value>) -> Value {
    let mut args = args.clone();
    args["blob"] = json!(true);
    let got = inspected(&args, kinds);
    if got.get("error").is_some() {
        return got;
    }
    json!({ "root_key_id": got["key"]["root_key_id"], "target_sid": got["target_sid"] })
}

/// The core's form as `inspect` prints it, without the header times and the CLI's own
/// `kind` and `length` fields.
fn inspect(args: &Value, kinds: &Map<String, Value>) -> Value {
    let mut got = inspected(args, kinds);
    if let Some(o) = got.as_object_mut().filter(|o| !o.contains_key("error")) {
        for k in ["update_time", "update_filetime", "kind", "length"] {
            o.remove(k);
        }
    }
    got
}

/// `winlaps decrypt --dc` with a DC nothing listens on (the endpoint mapper on 127.0.0.1:1).
fn decrypt_live(args: &Value, kinds: &Map<String, Value>) -> Value {
    let bytes = hex::decode(args["hex"].as_str().expect("hex")).expect("hex");
    let value = temp_file("parity-live.bin", &bytes);
    let mut a: Vec<String> = ["decrypt", "--json", "--dc", "127.0.0.1", "--epm-port", "1"]
        .map(str::to_owned)
        .into();
    a.extend(["--user", "PARITY\\u", "--timeout", "2"].map(str::to_owned));
    if let Some(key) = args.get("root_key") {
        let file = temp_file("parity-live-key.json", key.to_string().as_bytes());
        a.extend(["--root-key".to_owned(), file.to_string_lossy().into_owned()]);
    }
    a.push(format!("@{}", value.display()));
    let got = answer(&a, winlaps_as(&a, "p", None), kinds);
    match got.get(0) {
        Some(r) => json!({ "account": r["account"], "password": r["password"] }),
        None => got,
    }
}

#[test]
fn the_cli_answers_the_parity_table() {
    let Some(table) = table() else {
        eprintln!("parity table skipped: ../tests/parity/cases.json is not here (packaged crate)");
        return;
    };
    let kinds = table["kinds"].as_object().expect("kinds").clone();
    let mut failures = Vec::new();
    for case in table["cases"].as_array().expect("cases") {
        let (args, expect) = (&case["args"], &case["expect"]);
        let outcome = match case["op"].as_str().expect("op") {
            // No CLI command reads these (the CLI's policy JSON nests the provenance).
            "reset_password_status" | "is_valid_password" | "provenance" | "read_computer" => {
                continue
            }
            "generate" => generate(args, expect, &kinds),
            op => {
                let got = match op {
                    "entropy" => entropy(args, &kinds),
                    "parse_registry_pol" => parse_registry_pol(args, &kinds),
                    "write" => write(args, &kinds),
                    "resolve" => resolve(args, &kinds),
                    "resolve_files" => resolve_files(args, &kinds),
                    "parse_blob" => parse_blob(args, &kinds),
                    "inspect" => inspect(args, &kinds),
                    "decrypt_live" => decrypt_live(args, &kinds),
                    other => panic!("unknown op {other}"),
                };
                (got == *expect).then_some(()).ok_or(format!("got {got}"))
            }
        };
        if let Err(why) = outcome {
            failures.push(format!("{}: expected {expect}; {why}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
