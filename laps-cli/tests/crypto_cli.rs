//! `winlaps inspect | decrypt | encrypt` and the demo's encrypted-attribute section, run as the
//! built binary on the laps-crypto vectors.

mod helpers;

use helpers::{data, temp_file, winlaps, winlaps_with};
use serde_json::Value;

fn ok_json(args: &[&str]) -> Value {
    let out = winlaps(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn vector(file: &str, id: &str) -> Value {
    let path = data(file);
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap()
        .clone()
}

#[test]
fn inspect_a_real_windows_value_needs_no_key() {
    let v = vector("decrypt_real.json", "win-laps-dsinternals-1");
    let j = ok_json(&["inspect", v["input_hex"].as_str().unwrap()]);
    assert_eq!(j["kind"], "laps_attribute");
    assert_eq!(
        j["update_filetime"],
        v["expected"]["laps_header"]["update_filetime"]
    );
    assert_eq!(
        j["target_sid"],
        "S-1-5-21-232386557-3557100646-3566837131-512"
    );
    let k = &j["key"];
    assert_eq!(k["root_key_id"], "8b0100a4-2606-a328-6070-c5cad7cf5c0b");
    assert_eq!(
        (k["l0"].as_i64(), k["l1"].as_i64(), k["l2"].as_i64()),
        (Some(362), Some(11), Some(18))
    );
    assert_eq!(k["path"], "public_key");
    assert_eq!(k["key_info_kind"], "DHPB");
    assert_eq!(k["domain_name"], "contoso.com");
}

#[test]
fn inspect_reads_raw_files_and_bare_blobs() {
    let v = vector("ncrypt_blob.json", "gen-ncrypt-rk-sha1-p384-pub");
    let raw = hex::decode(v["input_hex"].as_str().unwrap()).unwrap();
    let path = temp_file("blob.bin", &raw);
    let j = ok_json(&["inspect", "--blob", &format!("@{}", path.display())]);
    assert_eq!(j["kind"], "dpapi_ng_blob");
    assert_eq!(j["content_detached"], false);
    assert_eq!(
        j["protection_descriptor"],
        v["expected"]["protection_descriptor"]
    );
    // Auto-detection finds the blob too.
    assert_eq!(
        ok_json(&["inspect", &format!("@{}", path.display())])["kind"],
        "dpapi_ng_blob"
    );
}

#[test]
fn inspect_rejects_garbage_with_a_message() {
    let out = winlaps(&["inspect", "00112233"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("malformed"), "{err}");
}

#[test]
fn decrypt_with_a_root_key_file() {
    let v = vector("decrypt_real.json", "win-laps-dsinternals-2");
    let key = temp_file("root-key-ds2.json", v["key_source"].to_string().as_bytes());
    let j = ok_json(&[
        "decrypt",
        "--root-key",
        key.to_str().unwrap(),
        v["input_hex"].as_str().unwrap(),
    ]);
    assert_eq!(j[0]["ok"], true);
    assert_eq!(j[0]["password"], v["expected"]["laps_json"]["p"]);
    assert_eq!(j[0]["account"], "Administrator");
}

#[test]
fn decrypt_with_a_group_key_envelope_file() {
    let v = vector("gke_decrypt.json", "gen-gke-5");
    let gke = temp_file(
        "gke5.hex",
        v["key_source"]["gke_hex"].as_str().unwrap().as_bytes(),
    );
    let b64 = base64_of(v["input_hex"].as_str().unwrap());
    let j = ok_json(&["decrypt", "--gke", gke.to_str().unwrap(), &b64]);
    assert_eq!(j[0]["password"], v["expected"]["laps_json"]["p"]);
}

#[test]
fn decrypt_history_reports_each_value() {
    let h = vector("laps_history.json", "gen-hist-2");
    let key = temp_file("root-key-hist.json", h["key_source"].to_string().as_bytes());
    let mut args = vec![
        "decrypt".to_string(),
        "--root-key".into(),
        key.to_str().unwrap().into(),
    ];
    for value in h["input_values_hex"].as_array().unwrap() {
        args.push(value.as_str().unwrap().into());
    }
    args.insert(
        4,
        vector("negative.json", "neg-gcm-tag")["input_hex"]
            .as_str()
            .unwrap()
            .into(),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    // One bad value: every result is printed, and the exit code says something failed.
    let out = winlaps(&refs);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains(&format!("1 of {} values failed", args.len() - 3)));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = j.as_array().unwrap();
    let expected = h["expected"]["values"].as_array().unwrap();
    assert_eq!(results.len(), expected.len() + 1);
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[1]["error"], "decryption failed");
    assert_eq!(results[1]["code"], "LAPS_DECRYPT_FAILED");
    let good: Vec<&Value> = results.iter().filter(|r| r["ok"] == true).collect();
    assert_eq!(good.len(), expected.len());
    for (r, e) in good.iter().zip(expected) {
        assert_eq!(r["password"], e["laps_json"]["p"]);
    }
}

#[test]
fn encrypt_then_decrypt_round_trips() {
    let root = vector("laps_attribute.json", "gen-laps-rk-sha512-p256-pub-1")["key_source"].clone();
    let key = temp_file("root-key-p256.json", root.to_string().as_bytes());
    let key = key.to_str().unwrap();
    for path_flag in [None, Some("--private-key-path")] {
        let mut args = vec![
            "encrypt",
            "--root-key",
            key,
            "--sid",
            "S-1-5-21-1-2-3-512",
            "--password",
            "Tr0ub4dor&3 é",
            "--account",
            "LocalAdmin",
            "--time",
            "2025-01-02T03:04:05Z",
            "--domain",
            "example.test",
        ];
        args.extend(path_flag);
        let out = winlaps(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let info = ok_json(&["inspect", &value]);
        assert_eq!(info["update_time"], "2025-01-02T03:04:05Z");
        assert_eq!(
            info["key"]["path"],
            if path_flag.is_some() {
                "private_key"
            } else {
                "public_key"
            }
        );
        let j = ok_json(&["decrypt", "--root-key", key, &value]);
        assert_eq!(j[0]["password"], "Tr0ub4dor&3 é");
        assert_eq!(j[0]["account"], "LocalAdmin");
        assert_eq!(j[0]["update_time"], "2025-01-02T03:04:05Z");
    }
}

#[test]
fn decrypt_fails_when_every_value_fails() {
    let v = vector("negative.json", "neg-unknown-root-key-id");
    let key = temp_file("root-key-neg.json", v["key_source"].to_string().as_bytes());
    let out = winlaps(&[
        "decrypt",
        "--root-key",
        key.to_str().unwrap(),
        v["input_hex"].as_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j[0]["code"], "LAPS_KEY_NOT_FOUND");
    assert!(j[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("no key for root key"));
}

#[test]
fn demo_encrypts_and_decrypts_with_the_sample_root_key() {
    let out = winlaps(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("msLAPS-EncryptedPassword ("), "{text}");
    assert!(
        text.contains("public_key path (DHPB ephemeral key)"),
        "{text}"
    );
    assert!(text.contains("password matches"), "{text}");
}

fn base64_of(hex_text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hex::decode(hex_text).unwrap())
}

#[test]
fn encrypt_reads_the_password_from_stdin_when_not_given() {
    let root = vector("laps_attribute.json", "gen-laps-rk-sha512-p256-pub-1")["key_source"].clone();
    let key = temp_file("root-key-stdin.json", root.to_string().as_bytes());
    let key = key.to_str().unwrap();
    let args = [
        "encrypt",
        "--root-key",
        key,
        "--sid",
        "S-1-5-21-1-2-3-512",
        "--domain",
        "example.test",
    ];
    for password_args in [&[][..], &["--password", "-"]] {
        let out = winlaps_with(
            &[&args[..], password_args].concat(),
            &[],
            Some("From-Stdin-9\r\n"),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let j = ok_json(&["decrypt", "--root-key", key, &value]);
        assert_eq!(j[0]["password"], "From-Stdin-9");
    }
    // An empty stdin is an error, not an empty password.
    let out = winlaps_with(&args, &[], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password on stdin"));
}

/// `encrypt --root-key` writes the domain it is told, or the one the root key JSON carries,
/// never a sample default; without either it refuses.
#[test]
fn encrypt_needs_a_domain_and_never_writes_the_sample_one() {
    let root = vector("laps_attribute.json", "gen-laps-rk-sha512-p256-pub-1")["key_source"].clone();
    let bare = temp_file("root-key-bare.json", root.to_string().as_bytes());
    let base = ["encrypt", "--sid", "S-1-5-21-1-2-3-512", "--password", "x"];
    let out = winlaps(&[&base[..], &["--root-key", bare.to_str().unwrap()]].concat());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("give --domain"), "{stderr}");
    assert!(out.stdout.is_empty());

    let mut with_domain = root.clone();
    with_domain["domain_name"] = "corp.example".into();
    with_domain["forest_name"] = "example".into();
    let key = temp_file("root-key-domain.json", with_domain.to_string().as_bytes());
    let key = key.to_str().unwrap();
    for (extra, domain, forest) in [
        (&[][..], "corp.example", "example"),
        (&["--domain", "other.test"][..], "other.test", "example"),
        (
            &["--domain", "a.test", "--forest", "b.test"][..],
            "a.test",
            "b.test",
        ),
    ] {
        let out = winlaps(&[&base[..], &["--root-key", key], extra].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let value = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let info = ok_json(&["inspect", &value]);
        assert_eq!(info["key"]["domain_name"], domain);
        assert_eq!(info["key"]["forest_name"], forest);
    }
}

/// Under `--json` every error is one JSON line on stderr with Node's stable code.
#[test]
fn json_errors_carry_the_node_error_codes() {
    let root_key = data("sample_root_key.json");
    let root_key = root_key.to_str().unwrap();
    let error = |args: &[&str], exit: i32| -> Value {
        let out = winlaps(args);
        assert_eq!(out.status.code(), Some(exit), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr.lines().last().unwrap_or_default();
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {stderr}"))["error"]
            .clone()
    };
    let e = error(&["inspect", "--json", &"00".repeat(40)], 1);
    assert_eq!(e["code"], "LAPS_FORMAT");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("not an encrypted attribute"));
    let e = error(
        &[
            "decrypt",
            "--json",
            "--root-key",
            "/nonexistent/k.json",
            "00",
        ],
        1,
    );
    assert_eq!(e["code"], "LAPS_IO");
    // A DC that refuses the connection (asked for the key of a value the store lacks): the
    // core's Network kind, Node's code.
    let lacking = vector("negative.json", "neg-unknown-root-key-id");
    let out = winlaps_with(
        &[
            "decrypt",
            "--json",
            "--dc",
            "127.0.0.1",
            "--dc-port",
            "9",
            "--user",
            "A\\b",
            "--auth",
            "ntlm",
            lacking["input_hex"].as_str().unwrap(),
        ],
        &[("WINLAPS_PASSWORD", "x")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let line: Value = serde_json::from_slice(&out.stderr).expect("a JSON error line");
    assert_eq!(line["error"]["code"], "LAPS_NETWORK", "{line}");
    let bad_key = temp_file(
        "root-key-missing.json",
        br#"{"root_key_id": "93b65561-b7f7-bed4-bca2-a7428e3819fd"}"#,
    );
    let e = error(
        &[
            "decrypt",
            "--json",
            "--root-key",
            bad_key.to_str().unwrap(),
            "00",
        ],
        1,
    );
    assert_eq!(e["code"], "LAPS_INVALID_ARG");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("missing field root_key_data_hex"));
    let v = vector("negative.json", "neg-gcm-tag");
    let e = error(
        &[
            "decrypt",
            "--json",
            "--root-key",
            root_key,
            v["input_hex"].as_str().unwrap(),
        ],
        3,
    );
    assert!(e["code"].as_str().unwrap().starts_with("LAPS_"), "{e}");
    let e = error(&["generate", "--json", "-c", "9"], 1);
    assert_eq!(e["code"], "LAPS_INVALID_ARG");
    let e = error(&["generate", "--json", "--no-such-flag"], 2);
    assert_eq!(e["code"], "LAPS_INVALID_ARG");
    assert!(
        e["message"].as_str().unwrap().contains("--no-such-flag"),
        "{e}"
    );
    // Without --json: the plain message.
    let out = winlaps(&["generate", "-c", "9"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("winlaps: error: "));
}

/// The copies in tests/data (so that the packaged crate's tests run) equal their sources
/// while the workspace is around; from the `.crate` there is nothing to compare.
#[test]
fn data_copies_match_their_sources() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if !root.join("laps-crypto/tests/data").is_dir() {
        eprintln!("skipping data_copies_match_their_sources: not inside the workspace");
        return;
    }
    for (copy, source) in helpers::DATA_SOURCES {
        let (copy, source) = (data(copy), root.join(source));
        let files = |p: &std::path::Path| -> Vec<(String, Vec<u8>)> {
            if p.is_dir() {
                let mut v: Vec<_> = std::fs::read_dir(p)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .map(|f| {
                        (
                            f.file_name().unwrap().to_string_lossy().into_owned(),
                            std::fs::read(f).unwrap(),
                        )
                    })
                    .collect();
                v.sort();
                v
            } else {
                vec![(String::new(), std::fs::read(p).unwrap())]
            }
        };
        assert!(
            files(&copy) == files(&source),
            "{} differs from {}",
            copy.display(),
            source.display()
        );
    }
}
