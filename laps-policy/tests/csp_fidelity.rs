//! Fidelity to the LAPS CSP reference and the Windows LAPS overview: what the
//! device's CSP accepts, which builds have Windows LAPS, and the documented departures.
//! One named test per finding; the README's decision table points here.

mod common;
use common::*;
use laps_policy::*;

/// One SyncML message with `commands` (each `(verb, node under ./Device/Vendor/MSFT/LAPS/,
/// format, data)`).
fn message(commands: &[(&str, &str, Option<&str>, Option<&str>)]) -> String {
    let mut body = String::new();
    for (i, (verb, node, format, data)) in commands.iter().enumerate() {
        let meta = format.map_or(String::new(), |f| {
            format!("<Meta><Format xmlns=\"syncml:metinf\">{f}</Format></Meta>")
        });
        let data = data.map_or(String::new(), |d| format!("<Data>{d}</Data>"));
        body.push_str(&format!(
            "<{verb}><CmdID>{}</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/{node}</LocURI></Target>{meta}{data}</Item></{verb}>\n",
            i + 1
        ));
    }
    format!("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody>\n{body}<Final/></SyncBody></SyncML>")
}

fn status(m: &SyncMl, i: usize) -> u16 {
    m.commands[i].status.as_ref().map_or(0, |s| s.code)
}

fn applied(m: &SyncMl, snap: &mut Snapshot) {
    m.apply_to(snap);
}

// ---- 1. Nodes the CSP does not have ----

#[test]
fn a_csp_command_on_a_node_the_csp_lacks_is_404_and_never_creates_a_root() {
    let m = SyncMl::parse_str(&message(&[(
        "Replace",
        "Policies/ADBackupDSRMPassword",
        Some("int"),
        Some("1"),
    )]))
    .unwrap();
    assert_eq!(status(&m, 0), CommandStatus::NOT_FOUND);
    assert!(m.commands[0]
        .status
        .as_ref()
        .unwrap()
        .reason
        .contains("Group Policy"));
    // A working GPO keeps winning: the CSP root stays empty.
    let mut s = gpo(&[("BackupDirectory", dw(2)), ("PasswordLength", dw(20))]);
    applied(&m, &mut s);
    assert!(s.csp.is_empty());
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Gpo);
    assert_eq!(p.password_length(), 20);
    // Unknown names and unknown actions too.
    let m = SyncMl::parse_str(&message(&[
        ("Add", "Policies/PasswordAge", Some("int"), Some("5")),
        ("Exec", "Actions/Rotate", None, None),
    ]))
    .unwrap();
    assert_eq!((status(&m, 0), status(&m, 1)), (404, 404));
}

#[test]
fn the_syncml_writer_refuses_nodes_the_csp_lacks() {
    let values = RootValues::new().with("ADBackupDSRMPassword", dw(1));
    assert!(matches!(
        SyncMl::from_csp_values(&values, false),
        Err(Error::UnwritableValue { .. })
    ));
    assert!(matches!(
        SyncMl::new().add("ADBackupDSRMPassword", dw(1)),
        Err(Error::UnwritableValue { .. })
    ));
}

// ---- 2. Commands the CSP refuses (access types) ----

#[test]
fn delete_of_the_policies_node_is_405_and_the_values_stay() {
    let m = SyncMl::parse_str(&message(&[("Delete", "Policies", None, None)])).unwrap();
    assert_eq!(status(&m, 0), CommandStatus::COMMAND_NOT_ALLOWED);
    let mut s = Snapshot::new();
    s.csp.set("BackupDirectory", dw(2));
    applied(&m, &mut s);
    assert_eq!(s.csp.get("BackupDirectory"), Some(&dw(2)));
}

#[test]
fn every_command_and_node_pair_follows_the_csp_access_types() {
    use SyncMlVerb::*;
    // (node, the verbs its "Access Type" row lists), from the CSP reference.
    let policy = [Add, Delete, Get, Replace];
    let table: Vec<(&str, &[SyncMlVerb])> = vec![
        ("Policies", &[Get]),
        ("Actions", &[Get]),
        ("Actions/ResetPassword", &[Exec]),
        ("Actions/ResetPasswordStatus", &[Get]),
        ("Policies/BackupDirectory", &policy),
        ("Policies/PasswordAgeDays", &policy),
        ("Policies/AdministratorAccountName", &policy),
        ("Policies/AutomaticAccountManagementRandomizeName", &policy),
    ];
    let data = |node: &str| match node {
        "Policies/AdministratorAccountName" => ("chr", "Adm"),
        "Policies/AutomaticAccountManagementRandomizeName" => ("bool", "True"),
        "Policies/PasswordAgeDays" => ("int", "30"),
        _ => ("int", "1"),
    };
    for (node, allowed) in &table {
        for verb in [Add, Delete, Get, Replace, Exec] {
            let (f, d) = data(node);
            let with_value = matches!(verb, Add | Replace);
            let text = message(&[(
                verb.as_str(),
                node,
                with_value.then_some(f),
                with_value.then_some(d),
            )]);
            let m = SyncMl::parse_str(&text).unwrap();
            let want = if allowed.contains(&verb) { 200 } else { 405 };
            assert_eq!(status(&m, 0), want, "{} {node}", verb.as_str());
        }
    }
    // Every policy node of the catalogue is Add, Delete, Get, Replace.
    for info in catalog::windows_laps() {
        let node = CspNode::Policy(info.name.into());
        match info.csp_node {
            Some(_) => assert_eq!(node.access(), Some(&policy[..]), "{}", info.name),
            None => assert_eq!(node.access(), None, "{}", info.name),
        }
    }
}

#[test]
fn exec_of_reset_password_counts_only_when_the_csp_runs_it() {
    let ok = SyncMl::parse_str(&message(&[(
        "Exec",
        "Actions/ResetPassword",
        Some("null"),
        None,
    )]))
    .unwrap();
    assert!(ok.reset_password_requested());
    let refused = SyncMl::parse_str(&message(&[(
        "Exec",
        "Actions/ResetPasswordStatus",
        None,
        None,
    )]))
    .unwrap();
    assert_eq!(status(&refused, 0), 405);
    assert!(!refused.reset_password_requested());
}

// ---- 3. Format and range on the way in; one bad command hides nothing ----

#[test]
fn a_format_that_is_not_the_nodes_is_415_and_not_stored() {
    let m = SyncMl::parse_str(&message(&[
        (
            "Replace",
            "Policies/PasswordLength",
            Some("chr"),
            Some("20"),
        ),
        (
            "Replace",
            "Policies/AdministratorAccountName",
            Some("int"),
            Some("5"),
        ),
        (
            "Replace",
            "Policies/ADPasswordEncryptionEnabled",
            Some("int"),
            Some("1"),
        ),
    ]))
    .unwrap();
    for i in 0..3 {
        assert_eq!(
            status(&m, i),
            CommandStatus::UNSUPPORTED_FORMAT,
            "command {i}"
        );
    }
    let mut s = gpo(&[("BackupDirectory", dw(2))]);
    applied(&m, &mut s);
    assert!(s.csp.is_empty(), "the CSP root must not win over the GPO");
    assert_eq!(resolve_default(&s).source, Source::Gpo);
}

#[test]
fn an_int_outside_the_nodes_allowed_values_is_400_and_not_stored() {
    let m = SyncMl::parse_str(&message(&[
        (
            "Replace",
            "Policies/PasswordLength",
            Some("int"),
            Some("65"),
        ),
        (
            "Replace",
            "Policies/BackupDirectory",
            Some("int"),
            Some("3"),
        ),
        (
            "Replace",
            "Policies/ADEncryptedPasswordHistorySize",
            Some("int"),
            Some("13"),
        ),
        (
            "Replace",
            "Policies/PasswordComplexity",
            Some("int"),
            Some("0"),
        ),
    ]))
    .unwrap();
    for i in 0..4 {
        assert_eq!(status(&m, i), CommandStatus::BAD_REQUEST, "command {i}");
    }
    let mut s = gpo(&[("BackupDirectory", dw(2))]);
    applied(&m, &mut s);
    assert!(s.csp.is_empty());
}

#[test]
fn one_unparsable_int_is_a_400_for_that_command_only() {
    let m = SyncMl::parse_str(&message(&[
        ("Add", "Policies/BackupDirectory", Some("int"), Some("2")),
        ("Add", "Policies/PasswordLength", Some("int"), Some("-3")),
        ("Add", "Policies/PasswordAgeDays", None, Some("maybe")),
        ("Add", "Policies/PasswordComplexity", Some("int"), Some("5")),
    ]))
    .expect("a bad value is a command status, not a parse error");
    assert_eq!(
        (0..4).map(|i| status(&m, i)).collect::<Vec<_>>(),
        vec![200, 400, 400, 200]
    );
    assert_eq!(m.rejected().count(), 2);
    let mut s = Snapshot::new();
    applied(&m, &mut s);
    assert_eq!(s.csp.get("BackupDirectory"), Some(&dw(2)));
    assert_eq!(s.csp.get("PasswordComplexity"), Some(&dw(5)));
    assert_eq!(s.csp.get("PasswordLength"), None);
    // The message still writes back to what it was (the same statuses on reparse).
    let again = SyncMl::parse_str(&m.to_xml()).unwrap();
    assert_eq!(again.ops(), m.ops());
    assert_eq!(again.rejected().count(), 2);
    // The parsed-file form lists the same refused commands.
    let parsed = laps_policy::ParsedPolicy::from_syncml(m.to_xml().as_bytes()).unwrap();
    let targets = |it: &mut dyn Iterator<Item = &laps_policy::SyncMlCommand>| {
        it.map(|c| c.target.clone()).collect::<Vec<_>>()
    };
    assert_eq!(targets(&mut parsed.rejected()), targets(&mut m.rejected()));
}

#[test]
fn a_failed_command_in_an_atomic_rolls_back_the_whole_atomic() {
    let text = r#"<SyncML><SyncBody>
<Atomic><CmdID>1</CmdID>
  <Replace><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target><Data>2</Data></Item></Replace>
  <Replace><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Data>99</Data></Item></Replace>
  <Replace><CmdID>4</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays</LocURI></Target><Data>10</Data></Item></Replace>
</Atomic>
<Replace><CmdID>5</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordComplexity</LocURI></Target><Data>4</Data></Item></Replace>
</SyncBody></SyncML>"#;
    let m = SyncMl::parse_str(text).unwrap();
    assert_eq!(
        (0..4).map(|i| status(&m, i)).collect::<Vec<_>>(),
        vec![
            CommandStatus::ATOMIC_ROLLED_BACK,
            CommandStatus::BAD_REQUEST,
            CommandStatus::NOT_EXECUTED,
            CommandStatus::OK
        ]
    );
    let mut s = Snapshot::new();
    applied(&m, &mut s);
    assert_eq!(s.csp.len(), 1);
    assert_eq!(s.csp.get("PasswordComplexity"), Some(&dw(4)));
    let again = SyncMl::parse_str(&m.to_xml()).unwrap();
    assert_eq!(
        again
            .commands
            .iter()
            .map(|c| c.status.clone())
            .collect::<Vec<_>>(),
        m.commands
            .iter()
            .map(|c| c.status.clone())
            .collect::<Vec<_>>()
    );
}

// ---- 4. PostAuthenticationActions = 0 ----

#[test]
fn post_authentication_actions_0_falls_back_to_3_in_the_csp_root() {
    let mut s = Snapshot::new();
    s.csp.set("BackupDirectory", dw(2));
    s.csp.set("PostAuthenticationActions", dw(0));
    let p = resolve_default(&s);
    assert_eq!(p.post_authentication_actions().bits(), 3);
    assert!(matches!(
        p.provenance("PostAuthenticationActions")
            .unwrap()
            .provenance,
        Provenance::FellBack {
            reason: InvalidReason::OutOfRange,
            ..
        }
    ));
    assert!(p.explain().contains("the CSP root allows 1, 3, 5, 11"));
    // The same value through SyncML never reaches the registry (400).
    let m = SyncMl::parse_str(&message(&[(
        "Replace",
        "Policies/PostAuthenticationActions",
        Some("int"),
        Some("0"),
    )]))
    .unwrap();
    assert_eq!(status(&m, 0), 400);
}

// ---- 5. OS builds as major.ubr, gated by the CSP's table ----

fn build(os_build: u32, os_ubr: Option<u32>) -> Device {
    Device {
        os_build,
        os_ubr,
        join: JoinState::Ad,
        ..Device::default()
    }
}

#[test]
fn builds_outside_the_csp_table_have_no_windows_laps() {
    let s = gpo(&[("BackupDirectory", dw(2))]);
    for (b, ubr, managed) in [
        (18362, None, false),       // 1903, never updated
        (18363, Some(2274), false), // 1909
        (17763, Some(100), false),  // unpatched 1809 / Server 2019
        (17763, Some(4243), false),
        (17763, Some(4244), true),
        (19041, Some(2784), true),
        (19045, Some(2783), false),
        (20348, Some(1662), false),
        (20348, Some(1663), true),
        (22000, Some(1754), true),
        (22621, Some(1479), false),
        (22631, Some(2428), true),
        (25145, Some(1), true),
        (26100, None, true),
        (19045, None, true), // patch level assumed
    ] {
        let p = resolve(&s, &build(b, ubr));
        assert_eq!(
            p.mode.is_managed(),
            managed,
            "{b}.{ubr:?}:\n{}",
            p.explain()
        );
        if !managed {
            assert_eq!(p.blocker, Some(DiagnosticCode::OsTooOld), "{b}");
        }
    }
}

#[test]
fn a_build_without_ubr_says_the_patch_level_is_assumed() {
    let s = gpo(&[("BackupDirectory", dw(2))]);
    let p = resolve(&s, &build(19045, None));
    let d = p
        .diagnostics_with(DiagnosticCode::PatchLevelAssumed)
        .next()
        .unwrap();
    assert!(d.message.contains("19045.2784"), "{}", d.message);
    assert!(p.explain().contains("is assumed"));
    let p = resolve(&s, &build(19045, Some(5737)));
    assert!(p
        .diagnostics_with(DiagnosticCode::PatchLevelAssumed)
        .next()
        .is_none());
    // 25145 and later need no revision.
    let p = resolve(&s, &build(26100, None));
    assert!(p
        .diagnostics_with(DiagnosticCode::PatchLevelAssumed)
        .next()
        .is_none());
}

#[test]
fn the_build_reads_as_major_dot_ubr_or_an_integer() {
    let d = Device::from_json(r#"{"os_build": "17763.4244"}"#).unwrap();
    assert_eq!((d.os_build, d.os_ubr), (17763, Some(4244)));
    let d = Device::from_json(r#"{"os_build": "10.0.17763.100"}"#).unwrap();
    assert_eq!((d.os_build, d.os_ubr), (17763, Some(100)));
    let d = Device::from_json(r#"{"os_build": 19045, "os_ubr": 2784}"#).unwrap();
    assert_eq!((d.os_build, d.os_ubr), (19045, Some(2784)));
    let d = Device::from_toml("os_build = \"22631.4890\"").unwrap();
    assert_eq!((d.os_build, d.os_ubr), (22631, Some(4890)));
    assert_eq!(
        Device::from_json(r#"{"os_build": 19045}"#).unwrap().os_ubr,
        None
    );
    for bad in [
        r#"{"os_build": 17763.1}"#,
        r#"{"os_build": "17763.x"}"#,
        r#"{"os_build": "1.2.3"}"#,
        r#"{"os_build": -1}"#,
        r#"{"os_build": "17763.1", "os_ubr": 2}"#,
    ] {
        assert!(Device::from_json(bad).is_err(), "{bad}");
    }
    // Serialized back in the same shape.
    let d = Device::from_json(r#"{"os_build": "17763.4244"}"#).unwrap();
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(Device::from_json(&json).unwrap(), d);
    assert_eq!(d.build_text(), "17763.4244");
}

#[test]
fn node_minimum_builds_follow_the_same_table() {
    use catalog::SettingId as S;
    let first_release = S::PasswordLength.info();
    assert!(first_release.known_to(17763, Some(4244)));
    assert!(!first_release.known_to(17763, Some(4243)));
    assert!(!first_release.known_to(18363, None));
    assert!(first_release.known_to(22631, None));
    let passphrase = S::PassphraseLength.info();
    assert!(!passphrase.known_to(25398, None));
    assert!(passphrase.known_to(26100, None));
}

// ---- 6. Legacy Microsoft LAPS where its MSI cannot be installed ----

#[test]
fn the_legacy_cse_is_ignored_where_its_msi_cannot_be_installed() {
    let legacy = snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]);
    let on = |os_build| Device {
        join: JoinState::Ad,
        legacy_cse_installed: true,
        os_build,
        ..Device::default()
    };
    // 22H2: the CSE takes the legacy root (10033).
    let p = resolve(&legacy, &on(22621));
    assert_eq!(p.blocker, Some(DiagnosticCode::LegacyCseInstalled));
    // 23H2 and 24H2: it cannot be there; Windows LAPS emulates.
    for b in [22631, 26100] {
        let p = resolve(&legacy, &on(b));
        assert_eq!(p.mode, Mode::LegacyEmulation, "{b}");
        let d = p
            .diagnostics_with(DiagnosticCode::LegacyCseNotInstallable)
            .next()
            .unwrap();
        assert!(d.message.contains("blocked on newer OS versions"));
        assert!(p.explain().contains("cannot have it"));
    }
}

// ---- 7. Complexity 1-3 ----

#[test]
fn complexity_1_to_3_warns_that_it_is_for_backward_compatibility() {
    for c in 1..=3 {
        let p = resolve_default(&gpo(&[
            ("BackupDirectory", dw(2)),
            ("PasswordComplexity", dw(c)),
        ]));
        let d = p
            .diagnostics_with(DiagnosticCode::LowComplexity)
            .next()
            .unwrap();
        assert_eq!(d.severity, Severity::Warning);
        assert!(p.explain().contains("only for backwards compatibility"));
    }
    for c in 4..=8 {
        let p = resolve_default(&gpo(&[
            ("BackupDirectory", dw(2)),
            ("PasswordComplexity", dw(c)),
        ]));
        assert!(
            p.diagnostics_with(DiagnosticCode::LowComplexity)
                .next()
                .is_none(),
            "{c}"
        );
    }
    // No warning when LAPS is off.
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(0)),
        ("PasswordComplexity", dw(1)),
    ]));
    assert!(p
        .diagnostics_with(DiagnosticCode::LowComplexity)
        .next()
        .is_none());
}

// ---- 8. Microsoft's examples, verbatim ----

#[test]
fn microsoft_syncml_examples_are_verbatim_and_parse() {
    for (f, commands) in [
        ("tests/data/ms-csp-entra.syncml", 7),
        ("tests/data/ms-csp-hybrid-ad.syncml", 11),
    ] {
        let bytes = data(f);
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with("<SyncMl xmlns=\"SYNCML:SYNCML1.2\">\n<SyncBody>\n"));
        assert!(
            text.ends_with("</Add><Final/></SyncBody>\n</SyncMl>\n"),
            "{f}"
        );
        assert!(!text.contains("&lt;"), "{f}");
        let m = SyncMl::parse(&bytes).unwrap();
        assert_eq!(m.commands.len(), commands);
        assert!(m.commands.iter().all(SyncMlCommand::succeeded), "{f}");
    }
}

// ---- Deliberate departures: explain says them when they decide ----

#[test]
fn an_invalid_principal_blocks_and_explain_quotes_the_csp_fallback_sentence() {
    for (principal, event) in [("LAPSAdmins", 10034), ("bad|name", 10035)] {
        let p = resolve_default(&gpo(&[
            ("BackupDirectory", dw(2)),
            ("ADPasswordEncryptionPrincipal", sz(principal)),
        ]));
        assert!(p.blocker.is_some());
        let text = p.explain();
        assert!(
            text.contains("will fallback to using the Domain Admins group"),
            "{text}"
        );
        assert!(
            text.contains(&format!("Windows logs {event} and backs up nothing")),
            "{text}"
        );
    }
}

#[test]
fn encryption_below_dfl_2016_blocks_and_explain_quotes_the_csp_clear_text_sentence() {
    let d = Device {
        dfl_2016: false,
        ..Device::default()
    };
    let p = resolve(&gpo(&[("BackupDirectory", dw(2))]), &d);
    assert_eq!(p.blocker, Some(DiagnosticCode::EncryptionNeedsDfl2016));
    let text = p.explain();
    assert!(
        text.contains("will be stored as clear-text in Active Directory"),
        "{text}"
    );
    assert!(
        text.contains("Windows logs 10006 and updates nothing"),
        "{text}"
    );
}
