//! Hardening of the `winlaps` binary: hostile files and arguments to every subcommand
//! that reads input end in a clean `winlaps: error: …` and exit code 1, never a panic (exit 101)
//! or an abort; error messages never echo the password given on the command line.

use std::sync::atomic::{AtomicUsize, Ordering};

mod helpers;

use helpers::{data, winlaps};

/// Runs `winlaps args` and requires a clean failure: exit code 1 and one error line.
fn fails_cleanly(args: &[&str]) -> String {
    let out = winlaps(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(stderr.starts_with("winlaps: error: "), "{args:?}: {stderr}");
    stderr
}

/// Runs `winlaps args`: success or a clean failure, never a panic or a signal.
fn never_panics(args: &[&str]) {
    let out = winlaps(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{args:?}: {:?} {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
}

/// Writes `bytes` to a fresh temporary file with `ext` and returns its path.
fn temp(ext: &str, bytes: &[u8]) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "winlaps-hardening-{}-{}.{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// A few kilobytes of deterministic garbage of every flavour.
fn garbage() -> Vec<Vec<u8>> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    };
    vec![
        Vec::new(),
        vec![0],
        random(17),
        random(3000),
        b"PReg\x01\0\0\0[\0".to_vec(),
        [&[0xff, 0xfe][..], &random(101)].concat(),
        "<SyncML><SyncBody>".repeat(3).into_bytes(),
        "\u{feff}Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\x]\r\n\"a\"=hex:zz"
            .as_bytes()
            .to_vec(),
    ]
}

#[test]
fn inspect_and_decrypt_refuse_hostile_values() {
    let root_key = data("sample_root_key.json");
    let root_key = root_key.to_str().unwrap();
    let regressions = data("regressions");
    let mut values: Vec<Vec<u8>> = garbage();
    for entry in std::fs::read_dir(regressions).unwrap() {
        values.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for v in &values {
        let file = format!("@{}", temp("bin", v));
        for blob in [false, true] {
            let mut args = vec!["inspect", file.as_str()];
            let mut dargs = vec!["decrypt", "--root-key", root_key, file.as_str()];
            if blob {
                args.push("--blob");
                dargs.push("--blob");
            }
            never_panics(&args);
            never_panics(&dargs);
        }
    }
    for bad in ["zz", "0x", "", "@/nonexistent/winlaps", "====", "AAAA"] {
        fails_cleanly(&["inspect", bad]);
    }
}

#[test]
fn hostile_key_files_are_refused() {
    let value = "00".repeat(40);
    for v in garbage() {
        let f = temp("json", &v);
        fails_cleanly(&["decrypt", "--root-key", &f, &value]);
        fails_cleanly(&["decrypt", "--gke", &f, &value]);
        fails_cleanly(&[
            "encrypt",
            "--gke",
            &f,
            "--sid",
            "S-1-5-18",
            "--password",
            "x",
        ]);
    }
    let huge = temp(
        "json",
        format!(
            "{{\"root_key_id\": {}0{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        )
        .as_bytes(),
    );
    fails_cleanly(&["decrypt", "--root-key", &huge, &value]);
}

#[test]
fn encrypt_refuses_bad_arguments_without_echoing_the_password() {
    let root_key = data("sample_root_key.json");
    let root_key = root_key.to_str().unwrap();
    let password = "Pw-Canary-7f3a9c!";
    for (flag, bad) in [
        ("--sid", "S-1-5-21-x"),
        ("--sid", "S-1-99999999999999999999"),
        ("--sid", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"),
        ("--time", "9223372036854775807-01-01T00:00:00Z"),
        ("--time", "-9223372036854775808-02-01T00:00:00Z"),
        ("--time", "2024-02-30T00:00:00Z"),
        ("--time", "yesterday"),
    ] {
        // `--flag=value`, so that a value starting with `-` is not taken for a flag.
        let bad = format!("{flag}={bad}");
        let sid = if flag == "--sid" {
            bad.as_str()
        } else {
            "--sid=S-1-5-18"
        };
        let mut args = vec![
            "encrypt",
            "--root-key",
            root_key,
            "--password",
            password,
            sid,
        ];
        if flag != "--sid" {
            args.push(&bad);
        }
        let stderr = fails_cleanly(&args);
        assert!(
            !stderr.contains(password) && !stderr.contains("7f3a9c"),
            "{stderr}"
        );
    }
}

#[test]
fn policy_commands_refuse_hostile_files() {
    let deep_syncml = format!(
        "<SyncML><SyncBody>{}{}</SyncBody></SyncML>",
        "<Atomic>".repeat(100_000),
        "</Atomic>".repeat(100_000)
    );
    let deep_json = format!(
        "{{\"gpo\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let mut inputs: Vec<(&str, &str, Vec<u8>)> = vec![
        ("--csp", "syncml", deep_syncml.into_bytes()),
        ("--snapshot", "json", deep_json.into_bytes()),
        (
            "--snapshot",
            "toml",
            format!(
                "[gpo]\na = {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
            .into_bytes(),
        ),
    ];
    for g in garbage() {
        for (flag, ext) in [
            ("--gpo", "pol"),
            ("--csp", "syncml"),
            ("--reg", "reg"),
            ("--snapshot", "json"),
            ("--snapshot", "toml"),
            ("--device", "json"),
        ] {
            inputs.push((flag, ext, g.clone()));
        }
    }
    for (flag, ext, bytes) in inputs {
        let f = temp(ext, &bytes);
        for cmd in ["resolve", "explain"] {
            never_panics(&["policy", cmd, flag, &f]);
        }
    }
    for device in ["{", "{\"join\": 7}", "{\"os_build\": -1}", "[]", "null"] {
        fails_cleanly(&["policy", "resolve", "--device", device]);
    }
}

#[test]
fn lookup_dc_refuses_bad_domains_and_servers_before_any_query() {
    let e = fails_cleanly(&["lookup-dc", ""]);
    assert!(e.contains("no domain"), "{e}");
    let e = fails_cleanly(&["lookup-dc", "a..b"]);
    assert!(e.contains("empty label"), "{e}");
    let e = fails_cleanly(&[
        "lookup-dc",
        "contoso.com",
        "--dns-server",
        "dns.contoso.com",
    ]);
    assert!(e.contains("not an IP address or IP:PORT"), "{e}");
    let e = fails_cleanly(&["lookup-dc", "contoso.com", "--timeout", "0"]);
    assert!(e.contains("timeout"), "{e}");
}
