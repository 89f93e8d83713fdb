//! `winlaps get` / `winlaps backup` against a real Samba AD DC (scripts/samba-dc).
//!
//! Needs `WINLAPS_SAMBA_ENV=DIR/env` from `scripts/samba-dc start DIR`; without it every test
//! skips with one line, except under `CI=true`, where they fail. Values are also written and
//! checked by independent tools: `ldapmodify` / `ldapsearch` (ldap-utils) and dpapi-ng 0.2.0 with
//! ldap3 in Python (`tests/helpers/dpapi_ng_laps.py`; interpreter from `WINLAPS_PYTHON`, else
//! the repository's `.venv`, else `python3`).

mod helpers;

use base64::Engine as _;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The fixture's variables, or `None` (after printing why) when the tests must skip.
fn fixture(test: &str) -> Option<BTreeMap<String, String>> {
    let Some(path) = std::env::var_os("WINLAPS_SAMBA_ENV") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: WINLAPS_SAMBA_ENV is not set under CI=true (scripts/samba-dc start DIR)"
        );
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            eprintln!("skipping the Samba directory tests: WINLAPS_SAMBA_ENV not set (see scripts/samba-dc)")
        });
        return None;
    };
    let text = std::fs::read_to_string(&path).expect("WINLAPS_SAMBA_ENV file");
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('\'').to_owned()))
            .collect(),
    )
}

struct Dc {
    env: BTreeMap<String, String>,
}

impl Dc {
    fn var(&self, k: &str) -> &str {
        self.env
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{k} missing from the env file"))
    }

    fn admin_upn(&self) -> String {
        format!(
            "{}@{}",
            self.var("SAMBA_ADMIN_USER"),
            self.var("SAMBA_REALM")
        )
    }

    fn computer_dn(&self, name: &str) -> String {
        format!("CN={name},CN=Computers,{}", self.var("SAMBA_BASE_DN"))
    }

    /// Connection flags for winlaps: simple bind over LDAPS, verified against the fixture's CA.
    fn connect_args(&self, user: &str) -> Vec<String> {
        [
            "--dc",
            self.var("SAMBA_DC_HOST"),
            "--ldaps",
            "--ca",
            self.var("SAMBA_CA_FILE"),
            "--auth",
            "simple",
            "--user",
            user,
            "--timeout",
            "20",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// `winlaps get ... --json` as the administrator: one JSON record per line.
    fn get_json(&self, computers: &[&str], extra: &[&str]) -> (Vec<Value>, Output) {
        let mut args = vec!["get".to_owned()];
        args.extend(computers.iter().map(|s| s.to_string()));
        args.extend(self.connect_args(&self.admin_upn()));
        args.push("--json".into());
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = helpers::winlaps_as(&args, self.var("SAMBA_ADMIN_PASSWORD"), None);
        let records = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON record per line"))
            .collect();
        (records, out)
    }

    fn ldap_tool(&self, tool: &str, args: &[&str], stdin: &str) -> String {
        let mut child = Command::new(tool)
            .env("LDAPTLS_CACERT", self.var("SAMBA_CA_FILE"))
            .args(["-H", &format!("ldaps://{}", self.var("SAMBA_DC_HOST"))])
            .args([
                "-D",
                &self.admin_upn(),
                "-w",
                self.var("SAMBA_ADMIN_PASSWORD"),
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{tool}: {e} (ldap-utils installed?)"));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Plain `ldapmodify` (not winlaps) applying an LDIF change record.
    fn ldapmodify(&self, ldif: &str) {
        self.ldap_tool("ldapmodify", &[], ldif);
    }

    /// A fresh computer object for one test (deleted first if a previous run left it).
    fn fresh_computer(&self, name: &str) -> String {
        let dn = self.computer_dn(name);
        let _ = Command::new("ldapdelete")
            .env("LDAPTLS_CACERT", self.var("SAMBA_CA_FILE"))
            .args(["-H", &format!("ldaps://{}", self.var("SAMBA_DC_HOST"))])
            .args([
                "-D",
                &self.admin_upn(),
                "-w",
                self.var("SAMBA_ADMIN_PASSWORD"),
                &dn,
            ])
            .output();
        self.ldap_tool(
            "ldapadd",
            &[],
            &format!(
                "dn: {dn}\nobjectClass: computer\nsAMAccountName: {name}$\nuserAccountControl: 4096\n\n"
            ),
        );
        dn
    }

    /// Every raw value of `attribute` on `dn` (ldapsearch), base64-decoded.
    fn raw_values(&self, dn: &str, attribute: &str) -> Vec<Vec<u8>> {
        let out = self.ldap_tool(
            "ldapsearch",
            &[
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-b",
                dn,
                "-s",
                "base",
                "(objectClass=*)",
                attribute,
            ],
            "",
        );
        let b64 = base64::engine::general_purpose::STANDARD;
        out.lines()
            .filter_map(|l| {
                let (name, rest) = l.split_once(':')?;
                if !name.eq_ignore_ascii_case(attribute) {
                    return None;
                }
                Some(match rest.strip_prefix(": ") {
                    Some(encoded) => b64.decode(encoded.trim()).unwrap(),
                    None => rest.trim_start().as_bytes().to_vec(),
                })
            })
            .collect()
    }

    /// The Python helper (ldap3 + dpapi-ng), or `None` (after printing why) when not available.
    fn python(&self, test: &str) -> Option<PathBuf> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = std::env::var_os("WINLAPS_PYTHON")
            .map(PathBuf::from)
            .or_else(|| Some(repo.join(".venv/bin/python")).filter(|p| p.exists()))
            .unwrap_or_else(|| "python3".into());
        let ok = Command::new(&python)
            .args(["-c", "import dpapi_ng, ldap3"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{test}: dpapi-ng and ldap3 are not importable by {python:?} under CI=true"
            );
            eprintln!("skipping {test}: dpapi-ng/ldap3 not importable by {python:?}");
            return None;
        }
        Some(python)
    }

    fn helper(&self, python: &PathBuf, args: &[&str], stdin: &str) -> String {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/helpers/dpapi_ng_laps.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(args)
            .env(
                "WINLAPS_SAMBA_ENV",
                std::env::var_os("WINLAPS_SAMBA_ENV").unwrap(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "helper: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn domain_admins(&self) -> String {
        format!("{}-512", self.var("SAMBA_DOMAIN_SID"))
    }
}

fn dc(test: &str) -> Option<Dc> {
    fixture(test).map(|env| Dc { env })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn policy_file(name: &str, json: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("winlaps-{}-{name}.json", std::process::id()));
    std::fs::write(&p, json).unwrap();
    p
}

#[test]
fn get_reads_cleartext_and_legacy_values_written_by_ldapmodify() {
    let Some(dc) = dc("get_reads_cleartext_and_legacy_values_written_by_ldapmodify") else {
        return;
    };
    let clear = dc.fresh_computer("TCLEAR");
    let legacy = dc.fresh_computer("TLEGACY");
    dc.ldapmodify(&format!(
        "dn: {clear}\nchangetype: modify\nreplace: msLAPS-Password\n\
         msLAPS-Password: {{\"n\":\"LocalAdm\",\"t\":\"1dc5f0a1b2c3d4e\",\"p\":\"Clear-Text-Pa55!\"}}\n-\n\
         replace: msLAPS-PasswordExpirationTime\nmsLAPS-PasswordExpirationTime: 134100000000000000\n-\n\n\
         dn: {legacy}\nchangetype: modify\nreplace: ms-Mcs-AdmPwd\nms-Mcs-AdmPwd: Legacy-Pa55!\n-\n\
         replace: ms-Mcs-AdmPwdExpirationTime\nms-Mcs-AdmPwdExpirationTime: 134100000000000000\n-\n"
    ));
    let (records, out) = dc.get_json(&["TCLEAR", "TLEGACY$"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records.len(), 2);
    let r = &records[0];
    assert_eq!(r["ComputerName"], "TCLEAR");
    assert_eq!(r["DistinguishedName"], clear.as_str());
    assert_eq!(r["Source"], "CleartextPassword");
    assert_eq!(r["Account"], "LocalAdm");
    assert_eq!(r["Password"], "Clear-Text-Pa55!");
    assert_eq!(r["DecryptionStatus"], "NotApplicable");
    assert_eq!(r["PasswordUpdateTime"], "2025-11-26T19:23:12.4468046Z");
    assert_eq!(r["ExpirationTimestamp"], "2025-12-12T08:00:00Z");
    let r = &records[1];
    assert_eq!(r["Source"], "LegacyLapsCleartextPassword");
    assert_eq!(r["Password"], "Legacy-Pa55!");
    assert_eq!(r["ExpirationTimestamp"], "2025-12-12T08:00:00Z");
}

#[test]
fn get_decrypts_a_dpapi_ng_value_made_offline_with_the_directorys_root_key() {
    let test = "get_decrypts_a_dpapi_ng_value_made_offline_with_the_directorys_root_key";
    let Some(dc) = dc(test) else { return };
    let Some(python) = dc.python(test) else {
        return;
    };
    let dn = dc.fresh_computer("TDPAPI");
    let value = dc.helper(
        &python,
        &["encrypt", &dc.domain_admins(), "Administrator"],
        "Dpapi-Ng-Pa55!\n",
    );
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: msLAPS-EncryptedPassword\nmsLAPS-EncryptedPassword:: {}\n-\n",
        value.trim()
    ));
    let (records, out) = dc.get_json(&["TDPAPI"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Source"], "EncryptedPassword");
    assert_eq!(records[0]["DecryptionStatus"], "Success");
    assert_eq!(records[0]["Password"], "Dpapi-Ng-Pa55!");
    assert_eq!(records[0]["Account"], "Administrator");
    assert_eq!(records[0]["TargetSid"], dc.domain_admins().as_str());
    assert_eq!(
        records[0]["AuthorizedDecryptor"],
        format!("{}\\Domain Admins", dc.var("SAMBA_DOMAIN"))
    );
}

#[test]
fn backup_then_history_three_rotations_size_two_checked_by_dpapi_ng_and_ldapsearch() {
    let test = "backup_then_history_three_rotations_size_two_checked_by_dpapi_ng_and_ldapsearch";
    let Some(dc) = dc(test) else { return };
    let dn = dc.fresh_computer("THIST");
    let policy = policy_file(
        "hist",
        r#"{"gpo": {"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 1, "ADEncryptedPasswordHistorySize": 2, "PasswordAgeDays": 30}}"#,
    );
    let passwords = [
        "Rotation-1-Pa55!",
        "Rotation-2-Pa55!",
        "Rotation-3-Pa55!",
        "Rotation-4-Pa55!",
    ];
    for (i, pw) in passwords.iter().enumerate() {
        let mut args = vec!["backup".to_owned()];
        args.extend(dc.connect_args(&dc.admin_upn()));
        args.extend(
            [
                "--computer",
                "THIST",
                "--account",
                "Administrator",
                "--policy-json",
            ]
            .map(str::to_owned),
        );
        args.push(policy.display().to_string());
        let out = helpers::winlaps_as(
            &args,
            dc.var("SAMBA_ADMIN_PASSWORD"),
            Some(&format!("{pw}\n")),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            report.contains("wrote EncryptedPassword of THIST"),
            "{report}"
        );
        assert!(
            report.contains(&format!("history: {} kept", i.min(2))),
            "{report}"
        );
        assert!(
            report.contains(&format!("encrypted to: {}", dc.domain_admins())),
            "{report}"
        );

        // Read back after the first three rotations: the issue's "3 rotations, size 2".
        if i == 2 || i == 3 {
            let (records, out) = dc.get_json(&["THIST"], &["--history"]);
            assert!(out.status.success(), "{}", stderr(&out));
            let got: Vec<(&str, &str)> = records
                .iter()
                .map(|r| {
                    (
                        r["Source"].as_str().unwrap(),
                        r["Password"].as_str().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                got,
                vec![
                    ("EncryptedPassword", passwords[i]),
                    ("EncryptedPasswordHistory", passwords[i - 1]),
                    ("EncryptedPasswordHistory", passwords[i - 2]),
                ]
            );
            assert!(records.iter().all(|r| r["DecryptionStatus"] == "Success"));
        }
    }
    // Independent checks of what winlaps wrote: ldapsearch of the raw attributes...
    let current = dc.raw_values(&dn, "msLAPS-EncryptedPassword");
    let history = dc.raw_values(&dn, "msLAPS-EncryptedPasswordHistory");
    let expiration = dc.raw_values(&dn, "msLAPS-PasswordExpirationTime");
    assert_eq!((current.len(), history.len(), expiration.len()), (1, 2, 1));
    assert!(dc.raw_values(&dn, "msLAPS-Password").is_empty());
    let header_time = |v: &[u8]| {
        (u64::from(u32::from_le_bytes(v[0..4].try_into().unwrap())) << 32)
            | u64::from(u32::from_le_bytes(v[4..8].try_into().unwrap()))
    };
    let expires: u64 = String::from_utf8(expiration[0].clone())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires - header_time(&current[0]), 30 * 86_400 * 10_000_000);
    // ... and dpapi-ng decrypting every value offline with the directory's root key.
    let test_py = "backup (dpapi-ng part)";
    let Some(python) = dc.python(test_py) else {
        return;
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let lines: String = current
        .iter()
        .chain(&history)
        .map(|v| b64.encode(v) + "\n")
        .collect();
    let decrypted: Vec<Value> = dc
        .helper(&python, &["decrypt"], &lines)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(decrypted.len(), 3);
    assert!(decrypted
        .iter()
        .all(|d| d["ok"] == true && d["n"] == "Administrator"));
    assert_eq!(decrypted[0]["p"], passwords[3]);
    let mut older: Vec<&str> = decrypted[1..]
        .iter()
        .map(|d| d["p"].as_str().unwrap())
        .collect();
    older.sort_unstable();
    assert_eq!(older, vec![passwords[1], passwords[2]]);
}

#[test]
fn cleartext_backup_writes_the_json_and_removes_a_stale_encrypted_value() {
    let Some(dc) = dc("cleartext_backup_writes_the_json_and_removes_a_stale_encrypted_value")
    else {
        return;
    };
    let dn = dc.fresh_computer("TPLAIN");
    let encrypted = policy_file(
        "enc",
        r#"{"gpo": {"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 1}}"#,
    );
    let clear = policy_file(
        "clear",
        r#"{"gpo": {"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 0, "PasswordAgeDays": 7}}"#,
    );
    for (policy, pw) in [(&encrypted, "First-Pa55!"), (&clear, "Second-Pa55!")] {
        let mut args = vec!["backup".to_owned()];
        args.extend(dc.connect_args(&dc.admin_upn()));
        args.extend(["--computer", "TPLAIN", "--account", "Adm"].map(str::to_owned));
        args.extend(["--policy-json".to_owned(), policy.display().to_string()]);
        let out = helpers::winlaps_as(
            &args,
            dc.var("SAMBA_ADMIN_PASSWORD"),
            Some(&format!("{pw}\n")),
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert!(dc.raw_values(&dn, "msLAPS-EncryptedPassword").is_empty());
    let json = dc.raw_values(&dn, "msLAPS-Password");
    let doc: Value = serde_json::from_slice(&json[0]).unwrap();
    assert_eq!(
        (doc["n"].as_str(), doc["p"].as_str()),
        (Some("Adm"), Some("Second-Pa55!"))
    );
    let (records, _) = dc.get_json(&["TPLAIN"], &[]);
    assert_eq!(records[0]["Source"], "CleartextPassword");
    assert_eq!(records[0]["Password"], "Second-Pa55!");
}

#[test]
fn a_value_for_a_group_the_caller_is_not_in_is_unauthorized_alone() {
    let test = "a_value_for_a_group_the_caller_is_not_in_is_unauthorized_alone";
    let Some(dc) = dc(test) else { return };
    let Some(python) = dc.python(test) else {
        return;
    };
    let dn = dc.fresh_computer("TGROUP");
    // The current value is for Domain Admins (the caller is one); a history value is for
    // "LAPS Readers", which the administrator is not a member of.
    let mine = dc.helper(
        &python,
        &["encrypt", &dc.domain_admins(), "Administrator"],
        "Mine-Pa55!\n",
    );
    let theirs = dc.helper(
        &python,
        &[
            "encrypt",
            dc.var("SAMBA_HELPDESK_GROUP_SID"),
            "Administrator",
        ],
        "Theirs-Pa55!\n",
    );
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: msLAPS-EncryptedPassword\nmsLAPS-EncryptedPassword:: {}\n-\n\
         replace: msLAPS-EncryptedPasswordHistory\nmsLAPS-EncryptedPasswordHistory:: {}\n-\n",
        mine.trim(),
        theirs.trim()
    ));
    let (records, out) = dc.get_json(&["TGROUP"], &["--history"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["DecryptionStatus"], "Success");
    assert_eq!(records[0]["Password"], "Mine-Pa55!");
    assert_eq!(records[1]["Source"], "EncryptedPasswordHistory");
    assert_eq!(records[1]["DecryptionStatus"], "Unauthorized");
    assert_eq!(records[1]["Password"], Value::Null);
    // Windows names the principal as DOMAIN\name (Get-LapsADPassword's AuthorizedDecryptor).
    assert_eq!(
        records[1]["AuthorizedDecryptor"],
        format!(
            "{}\\{}",
            dc.var("SAMBA_DOMAIN"),
            dc.var("SAMBA_HELPDESK_GROUP")
        )
    );
}

#[test]
fn failures_are_clear_and_per_computer() {
    let Some(dc) = dc("failures_are_clear_and_per_computer") else {
        return;
    };
    dc.fresh_computer("TEMPTY");
    // Unknown computer and a computer without LAPS attributes: one line each, non-zero exit.
    let (records, out) = dc.get_json(&["TEMPTY", "NO-SUCH-PC"], &[]);
    assert!(records.is_empty());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("NO-SUCH-PC: computer \"NO-SUCH-PC\" not found"),
        "{err}"
    );
    assert!(err.contains("TEMPTY: CN=TEMPTY,CN=Computers"), "{err}");
    assert!(err.contains("no LAPS password attributes"), "{err}");

    // Wrong password: the bind fails with the server's result code, nothing else happens.
    let mut args = vec!["get".to_owned(), "TEMPTY".to_owned()];
    args.extend(dc.connect_args(&dc.admin_upn()));
    let out = helpers::winlaps_as(&args, "wrong-password", None);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("bind as Administrator@") && err.contains("LDAP result 49"),
        "{err}"
    );
    assert!(!err.contains("wrong-password"), "{err}");

    // Simple bind without LDAPS is refused before the password leaves the machine.
    let mut args = vec!["get".to_owned(), "TEMPTY".to_owned()];
    args.extend(
        dc.connect_args(&dc.admin_upn())
            .into_iter()
            .filter(|a| a != "--ldaps"),
    );
    let out = helpers::winlaps_as(&args, dc.var("SAMBA_ADMIN_PASSWORD"), None);
    assert!(stderr(&out).contains("needs --ldaps"), "{}", stderr(&out));

    // LDAPS is verified: the system trust store does not know the fixture's CA.
    let args: Vec<String> = [
        "get",
        "TEMPTY",
        "--dc",
        dc.var("SAMBA_DC_HOST"),
        "--ldaps",
        "--auth",
        "simple",
        "--user",
        &dc.admin_upn(),
    ]
    .map(str::to_owned)
    .to_vec();
    let out = helpers::winlaps_as(&args, dc.var("SAMBA_ADMIN_PASSWORD"), None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot connect"), "{}", stderr(&out));

    // Backups that fail write nothing: a wrong bind password, an unknown computer.
    let policy = policy_file(
        "failures",
        r#"{"gpo": {"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 0}}"#,
    );
    for (computer, password, expected) in [
        ("TEMPTY", "wrong-password", "LDAP result 49"),
        ("NO-SUCH-PC", dc.var("SAMBA_ADMIN_PASSWORD"), "not found"),
    ] {
        let mut args = vec!["backup".to_owned()];
        args.extend(dc.connect_args(&dc.admin_upn()));
        args.extend(
            [
                "--computer",
                computer,
                "--account",
                "Administrator",
                "--policy-json",
            ]
            .map(str::to_owned),
        );
        args.push(policy.display().to_string());
        let out = helpers::winlaps_as(&args, password, Some("Never-Written-1!\n"));
        assert!(!out.status.success());
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(!String::from_utf8_lossy(&out.stdout).contains("wrote"));
    }
    let dn = dc.computer_dn("TEMPTY");
    for attribute in ["msLAPS-Password", "msLAPS-PasswordExpirationTime"] {
        assert!(dc.raw_values(&dn, attribute).is_empty(), "{attribute}");
    }
}

#[test]
fn an_unreachable_dc_times_out() {
    let Some(dc) = dc("an_unreachable_dc_times_out") else {
        return;
    };
    // A listener that accepts and never answers: the TLS handshake / bind must time out.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let started = std::time::Instant::now();
    let args: Vec<String> = [
        "get",
        "PC01",
        "--dc",
        "127.0.0.1",
        "--port",
        &port,
        "--ldaps",
        "--ca",
        dc.var("SAMBA_CA_FILE"),
        "--auth",
        "simple",
        "--user",
        "x@y",
        "--timeout",
        "2",
    ]
    .map(str::to_owned)
    .to_vec();
    let out = helpers::winlaps_as(&args, "irrelevant", None);
    drop(listener);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("timed out after 2 s"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(15));

    // Nothing listening at all: refused at once, a connect error naming the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a.parse::<u16>().is_ok() && a.len() > 2 {
                port.clone()
            } else {
                a.clone()
            }
        })
        .collect();
    let out = helpers::winlaps_as(&args, "irrelevant", None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!("cannot connect to ldaps://127.0.0.1:{port}")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_reader_who_may_not_read_root_keys_is_told_why() {
    let Some(dc) = dc("a_reader_who_may_not_read_root_keys_is_told_why") else {
        return;
    };
    let user = format!(
        "{}@{}",
        dc.var("SAMBA_HELPDESK_USER"),
        dc.var("SAMBA_REALM")
    );
    let mut args = vec!["get".to_owned(), "PC01".to_owned()];
    args.extend(dc.connect_args(&user));
    let out = helpers::winlaps_as(&args, dc.var("SAMBA_HELPDESK_PASSWORD"), None);
    // The LAPS attributes are confidential: without a grant the helpdesk sees none.
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not readable by this account"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn get_falls_back_to_getkey_when_the_root_keys_are_unreadable() {
    let test = "get_falls_back_to_getkey_when_the_root_keys_are_unreadable";
    let Some(dc) = dc(test) else { return };
    let Some(python) = dc.python(test) else {
        return;
    };
    let dn = dc.fresh_computer("TKDS");
    let readers = dc.var("SAMBA_HELPDESK_GROUP_SID");
    let current = dc.helper(
        &python,
        &["encrypt", readers, "Administrator"],
        "Readers-Pa55!\n",
    );
    let old = dc.helper(
        &python,
        &["encrypt", &dc.domain_admins(), "Administrator"],
        "Admins-Pa55!\n",
    );
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: msLAPS-EncryptedPassword\nmsLAPS-EncryptedPassword:: {}\n-\n\
         replace: msLAPS-EncryptedPasswordHistory\nmsLAPS-EncryptedPasswordHistory:: {}\n-\n",
        current.trim(),
        old.trim()
    ));
    // What Set-LapsADReadPasswordPermission does: the readers may read the confidential
    // attributes of this computer.
    let granted = Command::new("samba-tool")
        .args(["dsacl", "set", &format!("--objectdn={dn}")])
        .arg(format!("--sddl=(A;;RPCR;;;{readers})"))
        .args(["-H", &format!("ldap://{}", dc.var("SAMBA_DC_HOST"))])
        .arg(format!(
            "-U{}%{}",
            dc.var("SAMBA_ADMIN_USER"),
            dc.var("SAMBA_ADMIN_PASSWORD")
        ))
        .output()
        .expect("samba-tool");
    assert!(granted.status.success(), "{}", stderr(&granted));

    // Samba serves no GetKey: a lab KDS (laps-client) with the directory's root key and the
    // helpdesk account stands in for a Windows DC.
    let mut admin = laps_ldap::Directory::connect(&{
        let mut o = laps_ldap::ConnectOptions::new(dc.var("SAMBA_DC_HOST"));
        o.ldaps = true;
        o.ca_file = Some(dc.var("SAMBA_CA_FILE").into());
        o.auth = laps_ldap::Auth::Simple;
        o.user = Some(dc.admin_upn());
        o.password = Some(laps_core::Password::from(dc.var("SAMBA_ADMIN_PASSWORD")));
        o
    })
    .unwrap();
    let roots = admin
        .read_root_keys()
        .unwrap()
        .into_iter()
        .map(|k| k.key)
        .collect();
    let domain = dc.var("SAMBA_DOMAIN");
    let helpdesk = format!("{domain}\\{}", dc.var("SAMBA_HELPDESK_USER"));
    let account: laps_client::Account =
        format!("{helpdesk}:{}:{readers}", dc.var("SAMBA_HELPDESK_PASSWORD"))
            .parse()
            .unwrap();
    let config = laps_client::KdsConfig {
        epm_port: 0,
        port: 0,
        domain: dc.var("SAMBA_REALM").to_lowercase(),
        forest: dc.var("SAMBA_REALM").to_lowercase(),
        ..Default::default()
    };
    let kds = laps_client::KdsServer::bind(
        config,
        roots,
        laps_client::AccountTable::new(vec![account]).unwrap(),
    )
    .unwrap()
    .spawn();
    let kds_at = format!("127.0.0.1:{}", kds.gkdi_addr().port());

    let run = |extra: &[&str]| {
        let mut args = vec![
            "get".to_owned(),
            "TKDS".into(),
            "--history".into(),
            "--json".into(),
        ];
        args.extend(dc.connect_args(&helpdesk));
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = helpers::winlaps_as(&args, dc.var("SAMBA_HELPDESK_PASSWORD"), None);
        let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (records, out)
    };
    let (records, out) = run(&["--kds", &kds_at, "--kds-auth", "ntlm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("KDS root keys not readable") && err.contains("asking GetKey"),
        "{err}"
    );
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["DecryptionStatus"], "Success");
    assert_eq!(records[0]["Password"], "Readers-Pa55!");
    // The old value is for Domain Admins, which the helpdesk is not: Unauthorized alone, and
    // GetKey is not even asked for it.
    assert_eq!(records[1]["DecryptionStatus"], "Unauthorized");
    assert_eq!(kds.get_key_calls(), 1);
    kds.stop();

    // Against the DC itself (Samba has no GetKey endpoint): the reason is given and the
    // values report KeyNotFound.
    let (records, out) = run(&["--kds-auth", "ntlm"]);
    let err = stderr(&out);
    assert!(
        err.contains("no key source for encrypted values: GetKey failed")
            && err.contains("serves no MS-GKDI GetKey endpoint")
            && err.contains("Samba AD DCs do not implement GetKey"),
        "{err}"
    );
    assert!(!err.contains(dc.var("SAMBA_HELPDESK_PASSWORD")), "{err}");
    assert_eq!(records[0]["DecryptionStatus"], "KeyNotFound");
    assert_eq!(records[1]["DecryptionStatus"], "Unauthorized");
}

#[test]
fn backup_without_root_keys_encrypts_to_getkeys_public_key() {
    let test = "backup_without_root_keys_encrypts_to_getkeys_public_key";
    let Some(dc) = dc(test) else { return };
    let dn = dc.fresh_computer("TPUB");
    // The account backing up may write the computer's LAPS attributes (on Windows: the
    // computer itself, by Set-LapsADComputerSelfPermission); it is no Domain Admin.
    let granted = Command::new("samba-tool")
        .args(["dsacl", "set", &format!("--objectdn={dn}")])
        .arg(format!(
            "--sddl=(A;;RPWPCR;;;{})",
            dc.var("SAMBA_HELPDESK_GROUP_SID")
        ))
        .args(["-H", &format!("ldap://{}", dc.var("SAMBA_DC_HOST"))])
        .arg(format!(
            "-U{}%{}",
            dc.var("SAMBA_ADMIN_USER"),
            dc.var("SAMBA_ADMIN_PASSWORD")
        ))
        .output()
        .expect("samba-tool");
    assert!(granted.status.success(), "{}", stderr(&granted));
    let mut admin = laps_ldap::Directory::connect(&{
        let mut o = laps_ldap::ConnectOptions::new(dc.var("SAMBA_DC_HOST"));
        o.ldaps = true;
        o.ca_file = Some(dc.var("SAMBA_CA_FILE").into());
        o.auth = laps_ldap::Auth::Simple;
        o.user = Some(dc.admin_upn());
        o.password = Some(laps_core::Password::from(dc.var("SAMBA_ADMIN_PASSWORD")));
        o
    })
    .unwrap();
    let roots = admin
        .read_root_keys()
        .unwrap()
        .into_iter()
        .map(|k| k.key)
        .collect();
    let helpdesk = format!(
        "{}\\{}",
        dc.var("SAMBA_DOMAIN"),
        dc.var("SAMBA_HELPDESK_USER")
    );
    let account: laps_client::Account = format!(
        "{helpdesk}:{}:{}",
        dc.var("SAMBA_HELPDESK_PASSWORD"),
        dc.var("SAMBA_HELPDESK_GROUP_SID")
    )
    .parse()
    .unwrap();
    let realm = dc.var("SAMBA_REALM").to_lowercase();
    let kds = laps_client::KdsServer::bind(
        laps_client::KdsConfig {
            epm_port: 0,
            port: 0,
            domain: realm.clone(),
            forest: realm,
            ..Default::default()
        },
        roots,
        laps_client::AccountTable::new(vec![account]).unwrap(),
    )
    .unwrap()
    .spawn();
    let policy = policy_file(
        "pub",
        r#"{"gpo": {"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 1}}"#,
    );
    let mut args = vec!["backup".to_owned()];
    args.extend(dc.connect_args(&helpdesk));
    args.extend(
        [
            "--computer",
            "TPUB",
            "--account",
            "Administrator",
            "--kds-auth",
            "ntlm",
        ]
        .map(str::to_owned),
    );
    args.extend([
        "--kds".to_owned(),
        format!("127.0.0.1:{}", kds.gkdi_addr().port()),
    ]);
    args.extend(["--policy-json".to_owned(), policy.display().to_string()]);
    let out = helpers::winlaps_as(
        &args,
        dc.var("SAMBA_HELPDESK_PASSWORD"),
        Some("Public-Key-Pa55!\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("asking GetKey for the public key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(kds.get_key_calls(), 1);
    kds.stop();
    // A Domain Admin reads it back with the directory's root key.
    let (records, out) = dc.get_json(&["TPUB"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records[0]["Password"], "Public-Key-Pa55!");
    assert_eq!(records[0]["TargetSid"], dc.domain_admins().as_str());
}

/// Kerberos (SASL GSSAPI through the system's libgssapi_krb5): only with
/// `--features kerberos` (needs libkrb5-dev and libclang-dev to build).
#[cfg(feature = "kerberos")]
#[test]
fn kerberos_binds_with_tickets_from_sambas_kdc_sealed_or_over_ldaps() {
    let Some(dc) = dc("kerberos_binds_with_tickets_from_sambas_kdc_sealed_or_over_ldaps") else {
        return;
    };
    let dn = dc.fresh_computer("TKRB");
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: msLAPS-Password\n\
         msLAPS-Password: {{\"n\":\"Adm\",\"t\":\"1dc5f0a1b2c3d4e\",\"p\":\"Kerberos-Pa55!\"}}\n-\n"
    ));
    let cache = std::env::temp_dir().join(format!("winlaps-krb5cc-{}", std::process::id()));
    let ccname = format!("FILE:{}", cache.display());
    let mut kinit = Command::new("kinit")
        .arg(dc.admin_upn())
        .env("KRB5_CONFIG", dc.var("KRB5_CONFIG"))
        .env("KRB5CCNAME", &ccname)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("kinit (krb5-user)");
    writeln!(
        kinit.stdin.take().unwrap(),
        "{}",
        dc.var("SAMBA_ADMIN_PASSWORD")
    )
    .unwrap();
    assert!(kinit.wait().unwrap().success());
    for extra in [vec![], vec!["--ldaps", "--ca", dc.var("SAMBA_CA_FILE")]] {
        let out = Command::new(env!("CARGO_BIN_EXE_winlaps"))
            .args([
                "get",
                "TKRB",
                "--json",
                "--auth",
                "kerberos",
                "--dc",
                dc.var("SAMBA_DC_HOST"),
            ])
            .args(&extra)
            .env("KRB5_CONFIG", dc.var("KRB5_CONFIG"))
            .env("KRB5CCNAME", &ccname)
            .env_remove("WINLAPS_PASSWORD")
            .output()
            .unwrap();
        assert!(out.status.success(), "{extra:?}: {}", stderr(&out));
        let record: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(record["Password"], "Kerberos-Pa55!");
    }
    let _ = std::fs::remove_file(&cache);
}

#[test]
fn many_computers_by_base_and_filter_with_paged_searches() {
    let Some(dc) = dc("many_computers_by_base_and_filter_with_paged_searches") else {
        return;
    };
    let ou = format!("OU=TMany,{}", dc.var("SAMBA_BASE_DN"));
    let _ = Command::new("ldapdelete")
        .env("LDAPTLS_CACERT", dc.var("SAMBA_CA_FILE"))
        .args(["-H", &format!("ldaps://{}", dc.var("SAMBA_DC_HOST"))])
        .args([
            "-D",
            &dc.admin_upn(),
            "-w",
            dc.var("SAMBA_ADMIN_PASSWORD"),
            "-r",
            &ou,
        ])
        .output();
    let mut ldif = format!("dn: {ou}\nobjectClass: organizationalUnit\n\n");
    for i in 1..=3 {
        ldif.push_str(&format!(
            "dn: CN=TMANY{i},{ou}\nobjectClass: computer\nsAMAccountName: TMANY{i}$\n\
             userAccountControl: 4096\n\
             msLAPS-Password: {{\"n\":\"Adm\",\"t\":\"1dc5f0a1b2c3d4e\",\"p\":\"Many-{i}!\"}}\n\n"
        ));
    }
    dc.ldap_tool("ldapadd", &[], &ldif);
    let (records, out) = dc.get_json(&[], &["--base", &ou]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut got: Vec<&str> = records
        .iter()
        .map(|r| r["Password"].as_str().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, ["Many-1!", "Many-2!", "Many-3!"]);
    let (records, out) = dc.get_json(&[], &["--filter", "(cn=TMANY2)"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["ComputerName"], "TMANY2");
}

/// Whether the DC's schema has `msLAPS-CurrentPasswordVersion` (ldapsearch).
fn schema_has_password_version(dc: &Dc) -> bool {
    let out = dc.ldap_tool(
        "ldapsearch",
        &[
            "-LLL",
            "-b",
            &format!("CN=Schema,{}", dc.var("SAMBA_CONFIG_DN")),
            "-s",
            "one",
            "(lDAPDisplayName=msLAPS-CurrentPasswordVersion)",
            "cn",
        ],
        "",
    );
    out.contains("dn: ")
}

/// What Update-LapsADSchema does on a Windows Server 2025 forest: scripts/samba/
/// laps-schema-2025.ldif over LDAP, one part per ldapmodify run (`-c`: a concurrent or
/// earlier run may have added a part already).
fn add_password_version_to_schema(dc: &Dc) {
    let ldif = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/samba/laps-schema-2025.ldif"),
    )
    .unwrap()
    .replace(
        "@SCHEMA@",
        &format!("CN=Schema,{}", dc.var("SAMBA_CONFIG_DN")),
    );
    for (i, part) in ldif.split("\n# --- ").enumerate() {
        let part = if i == 0 {
            part.to_owned()
        } else {
            format!("# {part}")
        };
        let mut child = Command::new("ldapmodify")
            .env("LDAPTLS_CACERT", dc.var("SAMBA_CA_FILE"))
            .args(["-c", "-H", &format!("ldaps://{}", dc.var("SAMBA_DC_HOST"))])
            .args(["-D", &dc.admin_upn(), "-w", dc.var("SAMBA_ADMIN_PASSWORD")])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(part.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || err.contains("exists"),
            "schema update: {err}"
        );
    }
    assert!(schema_has_password_version(dc));
    let allowed = dc.ldap_tool(
        "ldapsearch",
        &[
            "-LLL",
            "-b",
            &dc.computer_dn("PC01"),
            "-s",
            "base",
            "(objectClass=*)",
            "allowedAttributes",
        ],
        "",
    );
    assert!(
        allowed.contains("allowedAttributes: msLAPS-CurrentPasswordVersion"),
        "{allowed}"
    );
}

#[test]
fn backup_stamps_a_password_version_and_says_when_the_schema_lacks_it() {
    let Some(dc) = dc("backup_stamps_a_password_version_and_says_when_the_schema_lacks_it") else {
        return;
    };
    let dn = dc.fresh_computer("TVER");
    let policy = policy_file(
        "version",
        r#"{"gpo": {"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 0}}"#,
    );
    let backup = |pw: &str| {
        let mut args = vec!["backup".to_owned()];
        args.extend(dc.connect_args(&dc.admin_upn()));
        args.extend(
            [
                "--computer",
                "TVER",
                "--account",
                "Administrator",
                "--policy-json",
            ]
            .map(str::to_owned),
        );
        args.push(policy.display().to_string());
        let out = helpers::winlaps_as(
            &args,
            dc.var("SAMBA_ADMIN_PASSWORD"),
            Some(&format!("{pw}\n")),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    if !schema_has_password_version(&dc) {
        // A pre-2025 schema (the fixture's): the backup goes on and says what Windows' event
        // 10108 says.
        let out = backup("Before-2025-Pa55!");
        let err = stderr(&out);
        assert!(
            err.contains("the schema lacks msLAPS-CurrentPasswordVersion") && err.contains("10108"),
            "{err}"
        );
        assert_eq!(dc.raw_values(&dn, "msLAPS-Password").len(), 1);
        add_password_version_to_schema(&dc);
    }
    // The 2025 schema: every backup writes a new random GUID in the same modify.
    let mut versions = Vec::new();
    for pw in ["Version-1-Pa55!", "Version-2-Pa55!"] {
        let out = backup(pw);
        assert!(!stderr(&out).contains("schema lacks"), "{}", stderr(&out));
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        let printed = report
            .lines()
            .find_map(|l| l.trim().strip_prefix("password version: "))
            .unwrap_or_else(|| panic!("no password version in {report}"))
            .to_owned();
        let raw = dc.raw_values(&dn, "msLAPS-CurrentPasswordVersion");
        assert_eq!(raw.len(), 1);
        let bytes: [u8; 16] = raw[0].clone().try_into().expect("16 bytes");
        assert_eq!(
            laps_crypto::Guid::from_bytes_le(bytes).to_string(),
            printed,
            "ldapsearch sees the GUID the report printed (Windows byte order)"
        );
        versions.push(printed);
    }
    assert_ne!(versions[0], versions[1]);
    // Reading is unaffected by the new attribute.
    let (records, out) = dc.get_json(&["TVER"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records[0]["Password"], "Version-2-Pa55!");
}

#[test]
fn get_binds_with_ntlm_over_ldaps() {
    let Some(dc) = dc("get_binds_with_ntlm_over_ldaps") else {
        return;
    };
    let dn = dc.fresh_computer("TNTLM");
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: ms-Mcs-AdmPwd\nms-Mcs-AdmPwd: Ntlm-Legacy-1!\n-\n"
    ));
    let user = format!("{}\\{}", dc.var("SAMBA_DOMAIN"), dc.var("SAMBA_ADMIN_USER"));
    let ntlm_args = |user: &str| -> Vec<String> {
        let mut args = vec!["get".to_owned(), "TNTLM".into(), "--json".into()];
        args.extend(dc.connect_args(user).into_iter().map(|a| {
            if a == "simple" {
                "ntlm".to_owned()
            } else {
                a
            }
        }));
        args
    };
    let out = helpers::winlaps_as(&ntlm_args(&user), dc.var("SAMBA_ADMIN_PASSWORD"), None);
    assert!(out.status.success(), "{}", stderr(&out));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["Source"], "LegacyLapsCleartextPassword");
    assert_eq!(record["Password"], "Ntlm-Legacy-1!");

    let out = helpers::winlaps_as(&ntlm_args(&user), "not-the-password", None);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("LDAP result 49"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
}

#[test]
fn lookup_dc_names_the_samba_dc_from_its_dns_srv_records() {
    let Some(dc) = dc("lookup_dc_names_the_samba_dc_from_its_dns_srv_records") else {
        return;
    };
    let (ip, domain) = (dc.var("SAMBA_DC_IP"), dc.var("SAMBA_REALM").to_lowercase());
    let out = helpers::winlaps(&["lookup-dc", &domain, "--dns-server", ip]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let host = String::from_utf8_lossy(&out.stdout);
    assert!(
        host.trim().eq_ignore_ascii_case(dc.var("SAMBA_DC_HOST")),
        "{host}"
    );

    let missing = format!("nosuch.{domain}");
    let out = helpers::winlaps(&["lookup-dc", &missing, "--dns-server", ip, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "LAPS_NETWORK", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no such name"),
        "{err}"
    );
}
