//! `winlaps generate` and `winlaps demo` end to end.

use std::process::Command;

fn winlaps(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_winlaps"))
        .args(args)
        .output()
        .expect("run winlaps")
}

#[test]
fn generate_prints_one_password_per_line() {
    let out = winlaps(&[
        "generate",
        "--complexity",
        "5",
        "--length",
        "20",
        "--count",
        "7",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    for l in lines {
        assert_eq!(l.len(), 20);
        assert!(
            laps_core::charset::is_valid_password(laps_core::Complexity::READABLE, l),
            "{l}"
        );
    }
}

#[test]
fn generate_json_has_password_complexity_length_and_entropy() {
    let out = winlaps(&["generate", "-c", "6", "-w", "4", "-n", "2", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 2);
    for it in items {
        let pw = it["password"].as_str().unwrap();
        assert_eq!(laps_core::split_passphrase(pw).len(), 4);
        assert_eq!(it["complexity"], 6);
        assert_eq!(it["length"].as_u64().unwrap() as usize, pw.len());
        assert_eq!(it["entropy_bits"], 51.7);
    }
}

#[test]
fn generate_rejects_out_of_range_arguments() {
    for args in [
        &["generate", "-c", "0"][..],
        &["generate", "-c", "9"],
        &["generate", "-l", "7"],
        &["generate", "-l", "65"],
        &["generate", "-c", "6", "-w", "2"],
        &["generate", "-c", "6", "-w", "11"],
        &["generate", "-c", "abc"],
    ] {
        let out = winlaps(args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    let err = String::from_utf8(winlaps(&["generate", "-c", "9"]).stderr).unwrap();
    assert!(err.contains("complexity 9 is out of range (1-8)"), "{err}");
}

#[test]
fn demo_runs_end_to_end() {
    let out = winlaps(&["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for section in [
        "== 1. Policy ==",
        "== 2. Password generation",
        "== 3. Encrypted attribute",
        "== 4. Rotation decision",
    ] {
        assert!(text.contains(section), "missing {section}");
    }
    for bits in ["88.51", "88.21", "77.55", "62.04"] {
        assert!(text.contains(bits), "entropy {bits} missing");
    }
    // The resolved passphrase policy against "must meet complexity requirements" (10027).
    assert!(
        text.contains("PasswordComplexity 6: only 0.31 % are accepted"),
        "{text}"
    );
    assert!(
        text.contains("PasswordComplexity 4: every password is accepted"),
        "{text}"
    );
}

#[test]
fn closed_stdout_is_a_quiet_exit_not_a_panic() {
    use std::process::Stdio;
    for args in [&["generate", "-n", "200000"][..], &["demo"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_winlaps"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away, as with `| head -0`
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
    }
}

#[test]
fn generate_checks_the_device_password_policy_first_event_10027() {
    // Mode 2 can never meet "must meet complexity requirements": refused, nothing printed.
    let out = winlaps(&["generate", "-c", "2", "--require-complexity"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("event 10027") && err.contains("3 of the 5"),
        "{err}"
    );
    // Too short for the minimum: refused too.
    let out = winlaps(&["generate", "-l", "12", "--min-length", "14"]);
    assert!(!out.status.success());
    // Passphrases pass only with a hyphenated word: generated, with a warning and the share.
    let out = winlaps(&["generate", "-c", "6", "--require-complexity"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning") && err.contains("0.31 %"), "{err}");
    // The Windows default meets the strictest classic policy: no warning.
    let out = winlaps(&["generate", "--min-length", "14", "--require-complexity"]);
    assert!(out.status.success() && out.stderr.is_empty());
}
