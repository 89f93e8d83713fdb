//! `winlaps generate` and `winlaps demo` end to end.

use std::process::Command;

mod helpers;

use helpers::winlaps;

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
    // Passphrases pass only with a hyphenated word: redrawn until the device would accept
    // each one, with a note giving the share.
    let out = winlaps(&["generate", "-c", "6", "--require-complexity"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("note") && err.contains("0.31 %"), "{err}");
    // The Windows default meets the strictest classic policy: no warning.
    let out = winlaps(&["generate", "--min-length", "14", "--require-complexity"]);
    assert!(out.status.success() && out.stderr.is_empty());
}

/// `--require-complexity` with passphrases: every printed passphrase has a hyphenated word
/// (the third category) and the minimum length, as the device's policy demands; the JSON
/// entropy is that of the accepted set (lower by log2 of the share accepted).
#[test]
fn require_complexity_redraws_until_the_device_would_accept() {
    for mode in ["6", "7", "8"] {
        let out = winlaps(&[
            "generate",
            "-c",
            mode,
            "--min-length",
            "14",
            "--require-complexity",
            "-n",
            "20",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 20);
        for p in text.lines() {
            assert!(p.contains('-') && p.len() >= 14, "mode {mode}: {p:?}");
            assert!(p.chars().any(char::is_uppercase) && p.chars().any(char::is_lowercase));
        }
    }
    let out = winlaps(&["generate", "-c", "6", "--require-complexity", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bits = j[0]["entropy_bits"].as_f64().unwrap();
    // 6 words of 7776: 77.55 bits; about 0.31 % accepted: 8.3 bits fewer.
    assert!((bits - (77.55 + 0.0031f64.log2())).abs() < 0.05, "{bits}");
    // A mode that can never satisfy it: a clear error with Node's LAPS_POLICY under --json.
    let out = winlaps(&["generate", "-c", "1", "--require-complexity", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let e: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["error"]["code"], "LAPS_POLICY");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("complexity 1 cannot satisfy it"));
}

/// `winlaps completions SHELL` and `winlaps man` print what the shells and man(1) read.
#[test]
fn completions_and_man_page_are_generated() {
    for (shell, marker) in [
        ("bash", "_winlaps()"),
        ("zsh", "#compdef winlaps"),
        ("fish", "complete -c winlaps"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[winlaps]"),
    ] {
        let out = winlaps(&["completions", shell]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker), "{shell}");
        assert!(
            text.contains("decrypt") && text.contains("require-complexity"),
            "{shell}"
        );
    }
    let out = winlaps(&["man"]);
    assert!(out.status.success());
    let man = String::from_utf8(out.stdout).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH winlaps"),
        "{}",
        &man[..80]
    );
    assert!(man.contains("completions") && man.contains("decrypt"));
}
