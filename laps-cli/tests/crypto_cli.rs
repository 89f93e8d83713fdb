//! `winlaps inspect | decrypt | encrypt` and the demo's encrypted-attribute section, run as the
//! built binary on the laps-crypto vectors.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn winlaps(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_winlaps"))
        .args(args)
        .output()
        .expect("run winlaps")
}

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
    let path = format!(
        "{}/../laps-crypto/tests/data/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap()
        .clone()
}

/// A file in a per-test temporary directory.
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("winlaps-crypto-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
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
    let j = ok_json(&refs);
    let results = j.as_array().unwrap();
    let expected = h["expected"]["values"].as_array().unwrap();
    assert_eq!(results.len(), expected.len() + 1);
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[1]["error"], "decryption failed");
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
    assert!(!out.status.success());
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
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
    use std::io::Write;
    use std::process::Stdio;
    let root = vector("laps_attribute.json", "gen-laps-rk-sha512-p256-pub-1")["key_source"].clone();
    let key = temp_file("root-key-stdin.json", root.to_string().as_bytes());
    let key = key.to_str().unwrap();
    for password_args in [&[][..], &["--password", "-"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_winlaps"))
            .args(["encrypt", "--root-key", key, "--sid", "S-1-5-21-1-2-3-512"])
            .args(password_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"From-Stdin-9\r\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
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
    let out = Command::new(env!("CARGO_BIN_EXE_winlaps"))
        .args(["encrypt", "--root-key", key, "--sid", "S-1-5-21-1-2-3-512"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password on stdin"));
}
