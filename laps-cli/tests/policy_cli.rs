//! `winlaps policy resolve | explain` and the policy sections of `winlaps demo`, end to end.

use laps_policy::{RegFile, RegOp, RegValue, RegistryPol, SyncMl};
use std::path::PathBuf;

const GPO_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS";

mod helpers;

use helpers::{data, temp_file, winlaps};

fn gpo_file(name: &str) -> PathBuf {
    let mut pol = RegistryPol::new();
    pol.set(GPO_KEY, "BackupDirectory", RegValue::Dword(2))
        .set(GPO_KEY, "PasswordComplexity", RegValue::Dword(5))
        .set(GPO_KEY, "PasswordLength", RegValue::Dword(20))
        .set(
            r"Software\Policies\Microsoft\Windows\Other",
            "X",
            RegValue::Dword(1),
        );
    temp_file(name, &pol.to_bytes())
}

fn ms_syncml() -> String {
    data("ms-csp-hybrid-ad.syncml")
        .to_string_lossy()
        .into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn policy_resolve_prints_a_table_of_every_setting() {
    let gpo = gpo_file("table.pol");
    let out = winlaps(&["policy", "resolve", "--gpo", gpo.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(text.contains("Source:  GPO root (HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS)"), "{text}");
    assert!(text.contains("Mode:    ad"));
    let row = text
        .lines()
        .find(|l| l.starts_with("PasswordLength "))
        .unwrap();
    assert!(
        row.contains("20") && row.contains("yes") && row.contains("configured (GPO)"),
        "{row}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("configured (GPO)") || l.contains("default"))
            .count(),
        18
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r"Software\Policies\Microsoft\Windows\Other"),
        "ignored keys are reported: {err}"
    );
}

#[test]
fn policy_resolve_json_is_machine_readable() {
    let gpo = gpo_file("json.pol");
    let out = winlaps(&[
        "policy",
        "resolve",
        "--gpo",
        gpo.to_str().unwrap(),
        "--csp",
        &ms_syncml(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["source"], "csp");
    assert_eq!(v["mode"], "ad");
    assert_eq!(v["values"]["ad_encrypted_password_history_size"], 6);
    assert_eq!(v["values"]["post_authentication_actions"], 5);
    assert_eq!(
        v["settings"]["password_length"]["shadowed"][0]["root"],
        "gpo"
    );
    assert_eq!(v["encryption_target"], "LAPSAdmins@contoso.com");
}

#[test]
fn policy_explain_says_in_one_line_why_the_gpo_is_ignored() {
    let gpo = gpo_file("explain.pol");
    let mut stray = SyncMl::new();
    stray
        .replace("PasswordAgeDays", RegValue::Dword(30))
        .unwrap();
    let csp = temp_file("stray.syncml", stray.to_xml().as_bytes());
    let out = winlaps(&[
        "policy",
        "explain",
        "--gpo",
        gpo.to_str().unwrap(),
        "--csp",
        csp.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(
        text.starts_with("LAPS is disabled: the CSP root wins (it holds PasswordAgeDays)"),
        "{text}"
    );
    assert!(text.contains("GPO root is ignored: the CSP root holds PasswordAgeDays, and Windows LAPS uses only the first root with any LAPS setting, without merging."));
    assert!(text.contains("[event 10024]"));
}

#[test]
fn policy_device_context_comes_inline_or_from_a_file() {
    let gpo = gpo_file("device.pol");
    let g = gpo.to_str().unwrap();
    let out = winlaps(&[
        "policy",
        "resolve",
        "--gpo",
        g,
        "--device",
        r#"{"join": "entra"}"#,
    ]);
    let text = stdout(&out);
    assert!(text.contains("Mode:    unmanaged"), "{text}");
    assert!(text.contains(
        "Blocked: BackupDirectory 2 (Active Directory) but the device is Entra joined only"
    ));
    let toml = temp_file("device.toml", b"join = \"ad\"\nos_build = 19045\n");
    let out = winlaps(&[
        "policy",
        "resolve",
        "--gpo",
        g,
        "--device",
        toml.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["values"]["password_complexity"], 4,
        "complexity 5 needs 24H2"
    );
    assert_eq!(v["device"]["os_build"], 19045);
}

#[test]
fn policy_reads_reg_exports_and_json_snapshots() {
    let mut reg = RegFile::default();
    reg.push(RegOp::Set {
        key: r"HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft Services\AdmPwd".into(),
        name: "AdmPwdEnabled".into(),
        value: RegValue::Dword(1),
    });
    let reg = temp_file("legacy.reg", &reg.to_bytes());
    let out = winlaps(&["policy", "resolve", "--reg", reg.to_str().unwrap()]);
    assert!(stdout(&out).contains("Mode:    legacy_emulation"));
    let snap = temp_file("snap.json", br#"{"local": {"BackupDirectory": 0}}"#);
    let out = winlaps(&[
        "policy",
        "explain",
        "--reg",
        reg.to_str().unwrap(),
        "--snapshot",
        snap.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert!(
        text.starts_with("LAPS is disabled: BackupDirectory is 0 in the Local root"),
        "{text}"
    );
}

#[test]
fn policy_errors_name_the_file_and_the_byte_offset() {
    let bad = temp_file("bad.pol", b"PReg\x01\0\0\0[\0");
    let out = winlaps(&["policy", "resolve", "--gpo", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.pol: Registry.pol truncated at byte 10"),
        "{err}"
    );
    let out = winlaps(&["policy", "resolve", "--gpo", "/nonexistent/x.pol"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.pol"));
    let out = winlaps(&["policy", "resolve", "--device", "{\"join\": \"moon\"}"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--device: JSON value refused at line 1"));
}

#[test]
fn demo_resolves_the_bundled_gpo_and_csp_and_decides_the_rotation() {
    let text = stdout(&winlaps(&["demo"]));
    assert!(
        text.contains(
            "GPO root is ignored: the CSP root holds BackupDirectory and PasswordComplexity"
        ),
        "{text}"
    );
    assert!(
        text.contains("With the resolved policy (complexity 6, 6 words)"),
        "{text}"
    );
    assert!(text.contains("Had Intune sent only PasswordComplexity: LAPS is disabled"));
    assert!(
        text.contains("Rotate: yes (password expired [0x1]); events 10015"),
        "{text}"
    );
    assert!(text.contains("after 24 h"));
}

#[test]
fn policy_settings_lists_the_catalogue_as_a_table_and_as_json() {
    let out = winlaps(&["policy", "settings"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1 + 26, "{text}");
    let complexity = text
        .lines()
        .find(|l| l.starts_with("PasswordComplexity ") && l.contains("windows_laps"))
        .unwrap();
    assert!(
        complexity.contains("1-8") && complexity.contains("17763"),
        "{complexity}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&winlaps(&["policy", "settings", "--json"]).stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 26);
    let age = items
        .iter()
        .find(|s| s["name"] == "PasswordAgeDays")
        .unwrap();
    assert_eq!(age["default"], serde_json::json!({"number": 30}));
    assert_eq!(
        age["allowed"],
        serde_json::json!({"range": {"min": 1, "max": 365}})
    );
    assert_eq!(
        age["csp_node"],
        "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays"
    );
}

#[test]
fn policy_write_produces_files_that_resolve_back() {
    let out = winlaps(&[
        "policy",
        "write",
        "--format",
        "pol",
        "backupdirectory=2",
        "PasswordAgeDays=14",
        "ADPasswordEncryptionPrincipal=CONTOSO\\LAPS Readers",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pol = temp_file("written.pol", &out.stdout);
    let json: serde_json::Value = serde_json::from_slice(
        &winlaps(&[
            "policy",
            "resolve",
            "--json",
            "--gpo",
            pol.to_str().unwrap(),
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(json["source"], "gpo");
    let syncml = winlaps(&[
        "policy",
        "write",
        "--format",
        "syncml",
        "--reset-password",
        "BackupDirectory=1",
    ]);
    let text = stdout(&syncml);
    assert!(text.contains("./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory"));
    assert!(text.contains("./Device/Vendor/MSFT/LAPS/Actions/ResetPassword"));
    let reg = stdout(&winlaps(&[
        "policy",
        "write",
        "--format",
        "reg",
        "BackupDirectory=0",
    ]));
    assert!(reg.contains("LAPS\\Config]") && reg.contains("\"BackupDirectory\"=dword:00000000"));
    // Typos and wrong types are refused, nothing written.
    for bad in [
        &["PasswordAge=1"][..],
        &["PasswordAgeDays=abc"],
        &["BackupDirectory"],
    ] {
        let mut args = vec!["policy", "write", "--format", "reg"];
        args.extend_from_slice(bad);
        let out = winlaps(&args);
        assert!(!out.status.success() && out.stdout.is_empty(), "{bad:?}");
    }
}

#[test]
fn policy_write_syncml_refuses_what_the_csp_would_refuse() {
    for bad in [
        "ADBackupDSRMPassword=1",      // GPO only: the CSP has no such node (404)
        "PostAuthenticationActions=0", // not in the CSP's allowed values (400)
        "PasswordLength=65",
    ] {
        let out = winlaps(&["policy", "write", "--format", "syncml", bad]);
        assert!(!out.status.success() && out.stdout.is_empty(), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("LAPS CSP")
                || String::from_utf8_lossy(&out.stderr).contains("allowed values"),
            "{bad}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The GPO writer still takes the DSRM setting.
    let out = winlaps(&[
        "policy",
        "write",
        "--format",
        "reg",
        "--root",
        "gpo",
        "ADBackupDSRMPassword=1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn policy_explain_lists_the_syncml_commands_the_device_refuses() {
    let gpo = gpo_file("refused.pol");
    let syncml = r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
<Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/ADBackupDSRMPassword</LocURI></Target><Data>1</Data></Item></Replace>
<Delete><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies</LocURI></Target></Item></Delete>
<Replace><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Meta><Format>chr</Format></Meta><Data>30</Data></Item></Replace>
<Final/></SyncBody></SyncML>"#;
    let csp = temp_file("refused.syncml", syncml.as_bytes());
    let args = [
        "policy",
        "explain",
        "--gpo",
        gpo.to_str().unwrap(),
        "--csp",
        csp.to_str().unwrap(),
    ];
    let text = stdout(&winlaps(&args));
    // Nothing reached the CSP root, so the GPO still decides.
    assert!(text.contains("(source: GPO root)"), "{text}");
    assert!(text.contains("refuses"), "{text}");
    assert!(
        text.contains(
            ":2: Replace ./Device/Vendor/MSFT/LAPS/Policies/ADBackupDSRMPassword: 404 Not Found"
        ),
        "{text}"
    );
    assert!(
        text.contains(":3: Delete ./Device/Vendor/MSFT/LAPS/Policies: 405 Command Not Allowed"),
        "{text}"
    );
    assert!(
        text.contains(":4: Replace ./Device/Vendor/MSFT/LAPS/Policies/PasswordLength: 415"),
        "{text}"
    );
    // resolve notes them on stderr.
    let mut args = args;
    args[1] = "resolve";
    let out = winlaps(&args);
    assert!(String::from_utf8_lossy(&out.stderr).contains("404 Not Found"));
}

#[test]
fn policy_device_build_takes_the_update_revision() {
    let gpo = gpo_file("ubr.pol");
    let out = winlaps(&[
        "policy",
        "explain",
        "--gpo",
        gpo.to_str().unwrap(),
        "--device",
        r#"{"join": "ad", "os_build": "17763.100"}"#,
    ]);
    let text = stdout(&out);
    assert!(text.contains("the password is not managed"), "{text}");
    assert!(
        text.contains("build 17763.100 predates Windows LAPS"),
        "{text}"
    );
    let out = winlaps(&[
        "policy",
        "explain",
        "--gpo",
        gpo.to_str().unwrap(),
        "--device",
        r#"{"join": "ad", "os_build": 19045}"#,
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("19045.2784") && text.contains("is assumed"),
        "{text}"
    );
}

#[test]
fn resolve_notes_each_syncml_command_the_csp_refuses_with_its_line_and_status() {
    let syncml = "<SyncML><SyncBody>\n\
        <Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target>\
        <Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>2</Data></Item></Add>\n\
        <Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target>\
        <Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>-3</Data></Item></Add>\n\
        <Final/></SyncBody></SyncML>\n";
    let file = temp_file("refused.xml", syncml.as_bytes());
    let out = winlaps(&[
        "policy",
        "resolve",
        "--json",
        "--csp",
        &file.to_string_lossy(),
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("note: refused"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(notes[0].ends_with(":3: Add ./Device/Vendor/MSFT/LAPS/Policies/PasswordLength: 400 Bad Request: Data \"-3\" is not an unsigned 32-bit decimal"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["values"]["backup_directory"], 2);
    assert_eq!(json["values"]["password_length"], 14);
}
