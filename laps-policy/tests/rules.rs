//! One named test per resolution rule (docs/policy-rules.md, and the README's Policy section),
//! including the UNCERTAIN points, each pinned to the
//! choice documented in the README.

mod common;
use common::*;
use laps_policy::*;

fn dev(join: JoinState) -> Device {
    Device {
        join,
        ..Device::default()
    }
}

fn old_build() -> Device {
    Device {
        os_build: 22631,
        ..Device::default()
    }
}

fn has(p: &EffectivePolicy, code: DiagnosticCode) -> Option<&Diagnostic> {
    p.diagnostics_with(code).next()
}

fn na_reason(p: &EffectivePolicy, name: &str) -> Option<NotApplicableReason> {
    match &p.provenance(name).unwrap().provenance {
        Provenance::NotApplicable { reason, .. } => Some(*reason),
        _ => None,
    }
}

// ---- Precedence: four roots, first non-empty wins, no merging (§0.1, §2.2) ----

#[test]
fn first_root_holding_any_setting_is_the_only_source() {
    for (i, root) in Root::ALL.iter().enumerate() {
        let mut s = Snapshot::new();
        for lower in &Root::ALL[i..] {
            let name = if *lower == Root::Legacy {
                "AdmPwdEnabled"
            } else {
                "BackupDirectory"
            };
            s.root_mut(*lower).set(name, dw(1));
        }
        let p = resolve_default(&s);
        assert_eq!(p.source, Source::from(*root));
        assert_eq!(p.roots[i].status, RootStatus::Source);
        for r in &p.roots[i + 1..] {
            assert_eq!(r.status, RootStatus::Ignored);
        }
    }
}

#[test]
fn settings_missing_from_the_source_root_take_defaults_never_lower_roots() {
    let mut s = gpo(&[("BackupDirectory", dw(2)), ("PasswordLength", dw(30))]);
    s.csp.set("BackupDirectory", dw(2));
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Csp);
    assert_eq!(p.password_length(), 14);
    let r = p.provenance("PasswordLength").unwrap();
    assert_eq!(r.provenance, Provenance::Default);
    assert_eq!(r.shadowed[0].root, Root::Gpo);
    assert_eq!(r.shadowed[0].raw, dw(30));
}

#[test]
fn a_single_stray_csp_value_silences_a_complete_gpo() {
    let mut s = snapshot_from_pols(&["tests/data/gpo-ad-encrypted.pol"]);
    s.csp.set("PasswordAgeDays", dw(30));
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Csp);
    assert_eq!(
        p.mode,
        Mode::Disabled,
        "BackupDirectory defaults to 0 in the CSP root"
    );
    assert_eq!(p.roots[1].status, RootStatus::Ignored);
    let d = has(&p, DiagnosticCode::RootIgnored).unwrap();
    assert_eq!(d.root, Some(Root::Gpo));
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(
        has(&p, DiagnosticCode::BackupDisabled).unwrap().event_id,
        Some(10024)
    );
}

#[test]
fn no_root_with_settings_means_disabled_with_event_10024() {
    let p = resolve_default(&Snapshot::new());
    assert_eq!((p.source, p.mode), (Source::None, Mode::Disabled));
    assert_eq!(
        has(&p, DiagnosticCode::NoPolicy).unwrap().event_id,
        Some(events::POLICY_DISABLED)
    );
    assert!(p.settings.iter().all(|r| !r.is_applicable()));
    assert_eq!(p.managed_account(), ManagedAccount::None);
}

#[test]
fn unknown_value_names_do_not_make_a_root_configured_and_are_reported_as_ignored() {
    // UNCERTAIN (spec §2.2 step 3): only known names are probed.
    let mut s = gpo(&[("BackupDirectory", dw(2))]);
    s.csp.set("SomethingElse", dw(1));
    s.csp.set("ResetPassword", dw(1)); // a CSP action is not a registry setting
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Gpo);
    assert_eq!(p.roots[0].status, RootStatus::Empty);
    assert_eq!(p.roots[0].unknown, vec!["SomethingElse", "ResetPassword"]);
    assert_eq!(
        p.diagnostics_with(DiagnosticCode::UnknownValueIgnored)
            .count(),
        2
    );
    assert!(p
        .root_verdict(Root::Csp)
        .contains("only SomethingElse, ResetPassword"));
}

#[test]
fn known_name_with_the_wrong_type_makes_the_root_configured_and_falls_back_to_default() {
    // UNCERTAIN (spec §3.1 last row, §9.1): the value is found, then rejected.
    let mut s = gpo(&[("BackupDirectory", dw(2))]);
    s.csp.set("PasswordAgeDays", sz("30"));
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Csp);
    let r = p.provenance("PasswordAgeDays").unwrap();
    assert_eq!(r.value, SettingValue::Number(30));
    assert!(matches!(
        &r.provenance,
        Provenance::NotApplicable { from, .. } if matches!(**from, Provenance::FellBack { reason: InvalidReason::WrongType, .. })
    ));
}

#[test]
fn registry_value_names_match_case_insensitively() {
    let p = resolve_default(&gpo(&[
        ("backupdirectory", dw(2)),
        ("PASSWORDLENGTH", dw(22)),
    ]));
    assert_eq!(p.mode, Mode::ActiveDirectory);
    assert_eq!(p.password_length(), 22);
}

#[test]
fn the_gpo_root_is_policies_laps_not_policies_microsoft_windows_laps() {
    let mut pol = RegistryPol::new();
    pol.set(
        r"Software\Policies\Microsoft Windows\LAPS",
        "BackupDirectory",
        dw(2),
    );
    let mut s = Snapshot::new();
    let ignored = pol.apply_to(&mut s);
    assert_eq!(
        ignored,
        vec![r"Software\Policies\Microsoft Windows\LAPS".to_owned()]
    );
    assert_eq!(resolve_default(&s).mode, Mode::Disabled);
    assert_eq!(
        Root::Gpo.key_path(),
        r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS"
    );
}

#[test]
fn a_disabled_gpo_policy_deletes_its_values_so_an_emptied_root_falls_through() {
    let s = snapshot_from_pols(&[
        "tests/data/legacy-admpwd.pol",
        "tests/data/gpo-ad-encrypted.pol",
        "tests/data/gpo-disabled-policies.pol",
    ]);
    // The disabled policies deleted BackupDirectory, Password Settings, the name and
    // post-auth; the boolean policies of the first GPO are still there.
    assert!(s.gpo.get("BackupDirectory").is_none());
    assert!(s.gpo.get("ADPasswordEncryptionEnabled").is_some());
    let only_deletes = snapshot_from_pols(&[
        "tests/data/legacy-admpwd.pol",
        "tests/data/gpo-dropdown-disabled.pol",
        "tests/data/gpo-disabled-policies.pol",
    ]);
    assert!(only_deletes.gpo.is_empty());
    let p = resolve_default(&only_deletes);
    assert_eq!(
        p.source,
        Source::Legacy,
        "the emptied GPO root falls through"
    );
    assert_eq!(p.mode, Mode::LegacyEmulation);
}

#[test]
fn disabled_boolean_gpo_policies_write_zero_and_keep_the_gpo_root_configured() {
    let mut pol = RegistryPol::new();
    pol.set(GPO_KEY, "ADPasswordEncryptionEnabled", dw(0)); // "Enable password encryption": Disabled
    let mut s = snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]);
    pol.apply_to(&mut s);
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Gpo);
    assert_eq!(p.mode, Mode::Disabled);
    assert_eq!(p.roots[3].status, RootStatus::Ignored);
}

#[test]
fn local_config_backup_directory_0_stops_legacy_emulation() {
    let mut s = snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]);
    assert_eq!(resolve_default(&s).mode, Mode::LegacyEmulation);
    s.local.set("BackupDirectory", dw(0));
    let p = resolve_default(&s);
    assert_eq!((p.source, p.mode), (Source::Local, Mode::Disabled));
    assert!(p
        .root_verdict(Root::Legacy)
        .contains("legacy emulation needs the CSP, GPO and local roots all empty"));
}

#[test]
fn later_gpos_overwrite_earlier_ones_and_del_records_delete() {
    let mut low = RegistryPol::new();
    low.set(GPO_KEY, "BackupDirectory", dw(2))
        .set(GPO_KEY, "PasswordLength", dw(20))
        .set(GPO_KEY, "PasswordAgeDays", dw(10));
    let mut high = RegistryPol::new();
    high.set(GPO_KEY, "PasswordLength", dw(30))
        .delete_value(GPO_KEY, "PasswordAgeDays");
    let mut s = Snapshot::new();
    low.apply_to(&mut s);
    high.apply_to(&mut s);
    let p = resolve_default(&s);
    assert_eq!(p.password_length(), 30);
    assert_eq!(p.password_age_days(), 30);
    assert_eq!(
        p.provenance("PasswordAgeDays").unwrap().provenance,
        Provenance::Default
    );
}

#[test]
fn delvals_clears_every_value_of_the_key() {
    let mut pol = RegistryPol::new();
    pol.set(GPO_KEY, "BackupDirectory", dw(2))
        .delete_all_values(GPO_KEY)
        .set(GPO_KEY, "PasswordLength", dw(9));
    let mut s = Snapshot::new();
    pol.apply_to(&mut s);
    assert_eq!(s.gpo.len(), 1);
    assert_eq!(resolve_default(&s).mode, Mode::Disabled);
}

// ---- BackupDirectory and join state (§0.3, §1.2, §3.2) ----

#[test]
fn backup_directory_0_disables_every_other_setting() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(0)),
        ("PasswordLength", dw(20)),
    ]));
    assert_eq!(p.mode, Mode::Disabled);
    assert!(p.settings[1..].iter().all(|r| !r.is_applicable()));
    assert_eq!(
        na_reason(&p, "PasswordLength"),
        Some(NotApplicableReason::LapsDisabled)
    );
    assert_eq!(
        p.password_length(),
        20,
        "the value is still resolved, only without effect"
    );
}

#[test]
fn backup_directory_left_on_disabled_inside_an_enabled_policy_disables_laps() {
    let p = resolve_default(&snapshot_from_pols(&[
        "tests/data/gpo-dropdown-disabled.pol",
    ]));
    assert_eq!((p.source, p.mode), (Source::Gpo, Mode::Disabled));
    let d = has(&p, DiagnosticCode::BackupDisabled).unwrap();
    assert_eq!(d.event_id, Some(10024));
    assert!(p
        .explain()
        .starts_with("LAPS is disabled: BackupDirectory is 0 in the GPO root"));
}

#[test]
fn entra_backup_on_a_device_not_joined_to_entra_is_unmanaged() {
    let p = resolve(&gpo(&[("BackupDirectory", dw(1))]), &dev(JoinState::Ad));
    assert_eq!(p.mode, Mode::Unmanaged);
    assert_eq!(p.blocker, Some(DiagnosticCode::DirectoryNotJoined));
}

#[test]
fn ad_backup_on_a_device_not_joined_to_ad_is_unmanaged() {
    let p = resolve(&gpo(&[("BackupDirectory", dw(2))]), &dev(JoinState::Entra));
    assert_eq!(p.mode, Mode::Unmanaged);
    assert_eq!(p.blocker, Some(DiagnosticCode::DirectoryNotJoined));
    assert_eq!(
        na_reason(&p, "PasswordLength"),
        Some(NotApplicableReason::Unmanaged)
    );
}

#[test]
fn workplace_joined_devices_are_never_managed() {
    for bd in [1, 2] {
        let p = resolve(&gpo(&[("BackupDirectory", dw(bd))]), &dev(JoinState::None));
        assert_eq!(p.mode, Mode::Unmanaged);
    }
}

#[test]
fn hybrid_devices_use_whichever_directory_the_policy_names() {
    assert_eq!(
        resolve_default(&gpo(&[("BackupDirectory", dw(1))])).mode,
        Mode::Entra
    );
    assert_eq!(
        resolve_default(&gpo(&[("BackupDirectory", dw(2))])).mode,
        Mode::ActiveDirectory
    );
}

#[test]
fn backup_directory_out_of_range_falls_back_to_0() {
    let p = resolve_default(&gpo(&[("BackupDirectory", dw(3))]));
    assert_eq!(p.mode, Mode::Disabled);
    assert!(matches!(
        p.settings[0].provenance,
        Provenance::FellBack {
            reason: InvalidReason::OutOfRange,
            ..
        }
    ));
}

// ---- Invalid values fall back to defaults (§0.4, §3.1) ----

#[test]
fn out_of_range_values_fall_back_to_their_default_not_clamped() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordLength", dw(65)),
        ("PasswordAgeDays", dw(366)),
        ("ADEncryptedPasswordHistorySize", dw(13)),
        ("PostAuthenticationResetDelay", dw(25)),
    ]));
    assert_eq!(p.password_length(), 14, "not 64");
    assert_eq!(p.password_age_days(), 30, "not 365");
    assert_eq!(p.ad_encrypted_password_history_size(), 0, "not 12");
    assert_eq!(p.post_authentication_reset_delay(), 24);
    assert_eq!(p.diagnostics_with(DiagnosticCode::InvalidValue).count(), 4);
    let d = p
        .diagnostics_with(DiagnosticCode::InvalidValue)
        .next()
        .unwrap();
    assert!(d.message.contains("PasswordAgeDays = 366"), "{}", d.message);
}

#[test]
fn complexity_6_on_a_pre_24h2_build_becomes_4() {
    let p = resolve(
        &gpo(&[("BackupDirectory", dw(2)), ("PasswordComplexity", dw(6))]),
        &old_build(),
    );
    assert_eq!(p.password_complexity().get(), 4);
    assert!(matches!(
        p.provenance("PasswordComplexity").unwrap().provenance,
        Provenance::FellBack {
            reason: InvalidReason::ValueNeedsNewerBuild { min_build: 26100 },
            ..
        }
    ));
    assert!(has(&p, DiagnosticCode::InvalidValue)
        .unwrap()
        .message
        .contains("needs build 26100"));
}

#[test]
fn complexity_5_to_8_are_accepted_from_24h2() {
    for c in 5..=8 {
        let p = resolve_default(&gpo(&[
            ("BackupDirectory", dw(2)),
            ("PasswordComplexity", dw(c)),
        ]));
        assert_eq!(p.password_complexity().get(), c);
    }
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordComplexity", dw(9)),
    ]));
    assert_eq!(p.password_complexity().get(), 4);
}

#[test]
fn post_authentication_action_11_on_a_pre_24h2_build_becomes_3() {
    let s = gpo(&[
        ("BackupDirectory", dw(2)),
        ("PostAuthenticationActions", dw(11)),
    ]);
    assert_eq!(
        resolve(&s, &old_build())
            .post_authentication_actions()
            .bits(),
        3
    );
    assert_eq!(resolve_default(&s).post_authentication_actions().bits(), 11);
}

#[test]
fn post_authentication_actions_outside_the_enumeration_fall_back_to_3() {
    for bad in [2, 4, 7, 15] {
        let p = resolve_default(&gpo(&[
            ("BackupDirectory", dw(2)),
            ("PostAuthenticationActions", dw(bad)),
        ]));
        assert_eq!(p.post_authentication_actions().bits(), 3, "{bad}");
    }
}

#[test]
fn post_authentication_action_0_is_accepted_from_the_gpo_and_local_roots() {
    // The ADMX lists 0 ("take no actions"); the local root follows the same registry
    // semantics. The CSP root allows 1, 3, 5 and 11 only (tests/csp_fidelity.rs).
    for root in [Root::Gpo, Root::Local] {
        let mut s = Snapshot::new();
        s.root_mut(root).set("BackupDirectory", dw(2));
        s.root_mut(root).set("PostAuthenticationActions", dw(0));
        let p = resolve_default(&s);
        assert!(p.post_authentication_actions().is_empty(), "{root}");
        let t = post_authentication_timeline(&p, laps_core::FileTime::from_ticks(0));
        assert_eq!(t.off, Some(PostAuthOff::NoActions));
    }
}

#[test]
fn wrong_registry_type_falls_back_to_default() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordLength", sz("20")),
        ("PasswordAgeDays", RegValue::Qword(10)),
        ("AdministratorAccountName", dw(5)),
    ]));
    assert_eq!(p.password_length(), 14);
    assert_eq!(p.password_age_days(), 30);
    assert_eq!(p.managed_account(), ManagedAccount::BuiltInAdministrator);
}

#[test]
fn boolean_settings_accept_only_0_and_1() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionEnabled", dw(2)),
    ]));
    assert!(
        p.ad_password_encryption_enabled(),
        "2 is invalid: default (on)"
    );
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionEnabled", dw(0)),
    ]));
    assert!(!p.encrypts());
}

#[test]
fn settings_new_in_24h2_are_unknown_to_older_builds() {
    let s = snapshot_from_pols(&["tests/data/gpo-24h2-features.pol"]);
    let p = resolve(&s, &old_build());
    assert_eq!(p.mode, Mode::ActiveDirectory);
    assert_eq!(p.password_complexity().get(), 4);
    assert_eq!(p.post_authentication_actions().bits(), 3);
    assert_eq!(p.managed_account(), ManagedAccount::BuiltInAdministrator);
    assert_eq!(
        na_reason(&p, "AutomaticAccountManagementEnabled"),
        Some(NotApplicableReason::SettingNeedsNewerBuild)
    );
    assert_eq!(
        na_reason(&p, "PassphraseLength"),
        Some(NotApplicableReason::SettingNeedsNewerBuild)
    );
    let unknown: Vec<_> = p
        .diagnostics_with(DiagnosticCode::UnknownValueIgnored)
        .collect();
    assert_eq!(unknown.len(), 6, "PassphraseLength and 5 AAM values");
    // A root holding only settings the build does not know is empty for it.
    let only_new = gpo(&[("AutomaticAccountManagementEnabled", dw(1))]);
    assert_eq!(resolve(&only_new, &old_build()).source, Source::None);
    assert_eq!(resolve_default(&only_new).source, Source::Gpo);
}

#[test]
fn all_24h2_features_apply_on_24h2() {
    let p = resolve_default(&snapshot_from_pols(&["tests/data/gpo-24h2-features.pol"]));
    assert_eq!(
        p.password_spec(),
        laps_core::PasswordSpec::new(6, 14, 5).unwrap()
    );
    assert_eq!(p.post_authentication_actions().bits(), 11);
    assert!(matches!(
        p.managed_account(),
        ManagedAccount::Automatic {
            target: AccountTarget::BuiltInAdministrator,
            ..
        }
    ));
}

#[test]
fn an_isolated_encryption_principal_is_a_hard_failure_event_10034() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionPrincipal", sz("LAPSAdmins")),
    ]));
    assert_eq!(p.mode, Mode::ActiveDirectory);
    assert_eq!(p.blocker, Some(DiagnosticCode::PrincipalIsolatedName));
    assert_eq!(
        has(&p, DiagnosticCode::PrincipalIsolatedName)
            .unwrap()
            .event_id,
        Some(10034)
    );
    assert_eq!(
        p.ad_password_encryption_principal(),
        Some("LAPSAdmins"),
        "no fallback to Domain Admins"
    );
    assert!(p.explain().contains("BLOCKED"));
}

#[test]
fn an_unmappable_encryption_principal_is_a_hard_failure_event_10035() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionPrincipal", sz("S-1-5-x")),
    ]));
    assert_eq!(p.blocker, Some(DiagnosticCode::PrincipalUnmappable));
    assert_eq!(
        has(&p, DiagnosticCode::PrincipalUnmappable)
            .unwrap()
            .event_id,
        Some(10035)
    );
}

#[test]
fn the_encryption_principal_is_not_checked_when_encryption_is_off() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionEnabled", dw(0)),
        ("ADPasswordEncryptionPrincipal", sz("LAPSAdmins")),
    ]));
    assert_eq!(p.blocker, None);
    assert_eq!(
        na_reason(&p, "ADPasswordEncryptionPrincipal"),
        Some(NotApplicableReason::EncryptionOff)
    );
}

#[test]
fn encryption_below_dfl_2016_means_no_backup_event_10006() {
    let d = Device {
        dfl_2016: false,
        ..Device::default()
    };
    let p = resolve(&gpo(&[("BackupDirectory", dw(2))]), &d);
    assert_eq!(p.blocker, Some(DiagnosticCode::EncryptionNeedsDfl2016));
    assert_eq!(
        has(&p, DiagnosticCode::EncryptionNeedsDfl2016)
            .unwrap()
            .event_id,
        Some(10006)
    );
    let clear = resolve(
        &gpo(&[
            ("BackupDirectory", dw(2)),
            ("ADPasswordEncryptionEnabled", dw(0)),
        ]),
        &d,
    );
    assert_eq!(
        clear.blocker, None,
        "clear-text backup does not need 2016 DFL"
    );
}

#[test]
fn entra_password_age_below_7_is_raised_to_7_with_event_10058() {
    // UNCERTAIN (spec §3.1): support wiki only; the general rule would give 30.
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(1)),
        ("PasswordAgeDays", dw(3)),
    ]));
    assert_eq!(p.password_age_days(), 7);
    assert!(matches!(
        p.provenance("PasswordAgeDays").unwrap().provenance,
        Provenance::RaisedToEntraMinimum { .. }
    ));
    assert_eq!(
        has(&p, DiagnosticCode::EntraMinimumAge).unwrap().event_id,
        Some(10058)
    );
    let ad = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordAgeDays", dw(1)),
    ]));
    assert_eq!(ad.password_age_days(), 1, "AD allows 1-365");
}

#[test]
fn password_age_0_falls_back_to_30_for_both_directories() {
    for bd in [1, 2] {
        let p = resolve_default(&gpo(&[
            ("BackupDirectory", dw(bd)),
            ("PasswordAgeDays", dw(0)),
        ]));
        assert_eq!(p.password_age_days(), 30);
    }
}

#[test]
fn an_empty_administrator_account_name_means_the_built_in_administrator() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("AdministratorAccountName", sz("")),
    ]));
    assert_eq!(p.managed_account(), ManagedAccount::BuiltInAdministrator);
    assert_eq!(
        p.value("administrator_account_name"),
        Some(&SettingValue::None)
    );
}

#[test]
fn an_empty_encryption_principal_means_domain_admins() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionPrincipal", sz("")),
    ]));
    assert_eq!(p.blocker, None);
    assert_eq!(p.encryption_target().as_deref(), Some("Domain Admins"));
}

#[test]
fn an_automatic_account_name_over_20_characters_falls_back_to_wlapsadmin() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("AutomaticAccountManagementEnabled", dw(1)),
        (
            "AutomaticAccountManagementNameOrPrefix",
            sz("ThisNameIsLongerThan20"),
        ),
    ]));
    assert!(
        matches!(p.managed_account(), ManagedAccount::Automatic { ref name_or_prefix, .. } if name_or_prefix == "WLapsAdmin")
    );
}

#[test]
fn an_operating_system_before_windows_laps_is_unmanaged() {
    let d = Device {
        os_build: 14393,
        ..Device::default()
    };
    let p = resolve(&gpo(&[("BackupDirectory", dw(2))]), &d);
    assert_eq!(p.mode, Mode::Unmanaged);
    assert_eq!(p.blocker, Some(DiagnosticCode::OsTooOld));
    assert_eq!(
        p.source,
        Source::Gpo,
        "the roots are still read and reported"
    );
}

#[test]
fn a_safe_mode_or_dsrm_boot_blocks_windows_laps_but_keeps_the_policy_for_the_next_boot() {
    let s = gpo(&[("BackupDirectory", dw(2)), ("PasswordAgeDays", dw(10))]);
    let safe = Device {
        safe_mode: true,
        ..Device::default()
    };
    let p = resolve(&s, &safe);
    assert_eq!(
        p.mode,
        Mode::ActiveDirectory,
        "the policy itself is unchanged"
    );
    assert_eq!(p.password_age_days(), 10);
    assert_eq!(p.blocker, Some(DiagnosticCode::SafeModeBoot));
    let d = has(&p, DiagnosticCode::SafeModeBoot).unwrap();
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("normal boot"), "{}", d.message);
    assert!(p.explain().contains("safe mode"), "{}", p.explain());
    assert!(
        p.explain().contains("booted in safe mode"),
        "{}",
        p.explain()
    );
    // Nothing to block when there is no policy, or when the OS has no Windows LAPS at all.
    let none = resolve(&Snapshot::new(), &safe);
    assert_eq!(none.mode, Mode::Disabled);
    assert!(has(&none, DiagnosticCode::SafeModeBoot).is_none());
    let old = Device {
        os_build: 14393,
        ..safe.clone()
    };
    let old = resolve(&s, &old);
    assert_eq!(old.blocker, Some(DiagnosticCode::OsTooOld));
    assert!(has(&old, DiagnosticCode::SafeModeBoot).is_none());
    // A normal boot of the same device is managed.
    assert_eq!(resolve(&s, &Device::default()).blocker, None);
    assert_eq!(Device::from_json(r#"{"safe_mode": true}"#).unwrap(), safe);
}

#[test]
fn entra_backup_fails_when_the_tenant_switch_is_off_or_the_device_disabled_event_10059() {
    let mut s = Snapshot::new();
    s.csp.set("BackupDirectory", dw(1));
    let entra = |tenant: bool, enabled: bool| Device {
        join: JoinState::Entra,
        entra_tenant_laps_enabled: tenant,
        entra_device_enabled: enabled,
        ..Device::default()
    };
    let p = resolve(&s, &entra(false, true));
    assert_eq!(p.mode, Mode::Entra);
    assert_eq!(p.blocker, Some(DiagnosticCode::EntraLapsNotEnabledInTenant));
    let d = has(&p, DiagnosticCode::EntraLapsNotEnabledInTenant).unwrap();
    assert_eq!(
        (d.severity, d.event_id),
        (Severity::Error, Some(events::ENTRA_HTTP_ERROR))
    );
    assert!(d.message.contains("Device settings"), "{}", d.message);
    assert!(p.explain().contains("Entra LAPS off in the tenant"));
    let p = resolve(&s, &entra(true, false));
    assert_eq!(p.blocker, Some(DiagnosticCode::EntraDeviceDisabled));
    assert!(p.explain().contains("disabled in Entra ID"));
    assert_eq!(resolve(&s, &entra(true, true)).blocker, None);
    // Only Entra backups go through the service: AD backup ignores both facts.
    let ad = Device {
        entra_tenant_laps_enabled: false,
        entra_device_enabled: false,
        ..Device::default()
    };
    assert_eq!(
        resolve(&gpo(&[("BackupDirectory", dw(2))]), &ad).blocker,
        None
    );
    let json = r#"{"join": "entra", "entra_tenant_laps_enabled": false}"#;
    assert_eq!(Device::from_json(json).unwrap(), entra(false, true));
}

fn with_password_policy(minimum_length: u32, complexity_required: bool) -> Device {
    Device {
        password_policy: Some(laps_core::LocalPasswordPolicy {
            minimum_length,
            complexity_required,
        }),
        ..Device::default()
    }
}

#[test]
fn a_device_password_policy_that_rejects_every_password_blocks_rotation_event_10027() {
    // Mode 2 (letters only) against "must meet complexity requirements".
    let s = gpo(&[("BackupDirectory", dw(2)), ("PasswordComplexity", dw(2))]);
    let p = resolve(&s, &with_password_policy(0, true));
    assert_eq!(p.mode, Mode::ActiveDirectory);
    assert_eq!(p.blocker, Some(DiagnosticCode::PasswordPolicyConflict));
    let d = has(&p, DiagnosticCode::PasswordPolicyConflict).unwrap();
    assert_eq!(
        (d.severity, d.event_id, d.setting),
        (
            Severity::Error,
            Some(events::PASSWORD_POLICY_CONFLICT),
            Some(SettingId::PasswordComplexity)
        )
    );
    assert!(
        d.message.contains("rejects every generated password")
            && d.message.contains("every rotation fails with event 10027"),
        "{}",
        d.message
    );
    // Too short: 12 characters against a minimum of 14 points at PasswordLength.
    let s = gpo(&[("BackupDirectory", dw(2)), ("PasswordLength", dw(12))]);
    let p = resolve(&s, &with_password_policy(14, false));
    let d = has(&p, DiagnosticCode::PasswordPolicyConflict).unwrap();
    assert_eq!(d.setting, Some(SettingId::PasswordLength));
    assert_eq!(p.blocker, Some(DiagnosticCode::PasswordPolicyConflict));
    // The Windows default (mode 4, 14 characters) meets the strictest classic policy.
    let p = resolve(
        &gpo(&[("BackupDirectory", dw(2))]),
        &with_password_policy(14, true),
    );
    assert!(has(&p, DiagnosticCode::PasswordPolicyConflict).is_none());
    assert_eq!(p.blocker, None);
}

#[test]
fn passphrases_under_a_complexity_policy_are_a_warning_with_the_share_accepted() {
    let s = gpo(&[("BackupDirectory", dw(2)), ("PasswordComplexity", dw(6))]);
    let p = resolve(&s, &with_password_policy(0, true));
    assert_eq!(
        p.blocker, None,
        "some passphrases (with a hyphenated word) pass"
    );
    let d = has(&p, DiagnosticCode::PasswordPolicyConflict).unwrap();
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.event_id, Some(10027));
    assert!(
        d.message
            .contains("accepts only 0.31 % of generated passwords (rejected: 99.69 % of passwords with fewer than 3"),
        "{}",
        d.message
    );
    assert!(p.explain().contains("10027"));
    assert!(p
        .explain()
        .contains("password policy: minimum length 0, complexity required"));
}

#[test]
fn the_password_policy_is_not_checked_when_unknown_or_nothing_is_managed() {
    let s = gpo(&[("BackupDirectory", dw(2)), ("PasswordComplexity", dw(1))]);
    assert!(has(&resolve_default(&s), DiagnosticCode::PasswordPolicyConflict).is_none());
    let off = resolve(
        &gpo(&[("BackupDirectory", dw(0)), ("PasswordComplexity", dw(1))]),
        &with_password_policy(0, true),
    );
    assert!(has(&off, DiagnosticCode::PasswordPolicyConflict).is_none());
    let json = r#"{"password_policy": {"minimum_length": 14, "complexity_required": true}}"#;
    assert_eq!(
        Device::from_json(json).unwrap(),
        with_password_policy(14, true)
    );
    assert!(Device::from_json(r#"{"password_policy": {"minimum": 14}}"#).is_err());
}

// ---- Dependencies between settings (§1.1, §1.2, §3.2) ----

#[test]
fn password_length_applies_only_to_complexity_1_to_5() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordComplexity", dw(7)),
        ("PasswordLength", dw(30)),
    ]));
    assert_eq!(
        na_reason(&p, "PasswordLength"),
        Some(NotApplicableReason::PassphraseComplexity)
    );
    assert!(p.is_applicable(SettingId::PassphraseLength));
}

#[test]
fn passphrase_length_applies_only_to_complexity_6_to_8() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordComplexity", dw(5)),
        ("PassphraseLength", dw(9)),
    ]));
    assert_eq!(
        na_reason(&p, "PassphraseLength"),
        Some(NotApplicableReason::CharacterComplexity)
    );
    assert_eq!(p.password_spec().passphrase_words(), 9);
    assert!(p.is_applicable(SettingId::PasswordLength));
}

#[test]
fn encryption_principal_and_history_apply_only_with_encryption_on() {
    let on = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADEncryptedPasswordHistorySize", dw(4)),
    ]));
    assert!(on.is_applicable(SettingId::AdEncryptedPasswordHistorySize));
    let off = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionEnabled", dw(0)),
        ("ADEncryptedPasswordHistorySize", dw(4)),
    ]));
    assert_eq!(
        na_reason(&off, "ADEncryptedPasswordHistorySize"),
        Some(NotApplicableReason::EncryptionOff)
    );
    assert_eq!(
        na_reason(&off, "ADPasswordEncryptionPrincipal"),
        Some(NotApplicableReason::EncryptionOff)
    );
    assert_eq!(off.encryption_target(), None);
}

#[test]
fn ad_only_settings_are_ignored_for_entra() {
    let s = gpo(&[
        ("BackupDirectory", dw(1)),
        ("ADPasswordEncryptionEnabled", dw(1)),
        ("ADEncryptedPasswordHistorySize", dw(5)),
        ("PasswordExpirationProtectionEnabled", dw(1)),
    ]);
    let p = resolve_default(&s);
    for name in [
        "PasswordExpirationProtectionEnabled",
        "ADPasswordEncryptionEnabled",
        "ADPasswordEncryptionPrincipal",
        "ADEncryptedPasswordHistorySize",
        "ADBackupDSRMPassword",
    ] {
        assert_eq!(
            na_reason(&p, name),
            Some(NotApplicableReason::ActiveDirectoryOnly),
            "{name}"
        );
    }
    assert!(!p.encrypts());
}

#[test]
fn automatic_account_management_overrides_administrator_account_name() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("AdministratorAccountName", sz("LapsAdmin")),
        ("AutomaticAccountManagementEnabled", dw(1)),
    ]));
    assert_eq!(
        na_reason(&p, "AdministratorAccountName"),
        Some(NotApplicableReason::AutomaticAccountManagementOverrides)
    );
    assert_eq!(
        p.managed_account(),
        ManagedAccount::Automatic {
            target: AccountTarget::NewAccount,
            name_or_prefix: "WLapsAdmin".into(),
            enabled: false,
            randomize_name: false
        },
        "runtime defaults: target 1 (new account), WLapsAdmin, disabled, fixed name"
    );
}

#[test]
fn automatic_account_elements_have_no_effect_while_the_feature_is_off() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("AutomaticAccountManagementTarget", dw(0)),
    ]));
    assert_eq!(
        na_reason(&p, "AutomaticAccountManagementTarget"),
        Some(NotApplicableReason::AutomaticAccountManagementOff)
    );
    assert_eq!(p.managed_account(), ManagedAccount::BuiltInAdministrator);
}

#[test]
fn a_grace_period_of_0_turns_post_authentication_actions_off() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PostAuthenticationResetDelay", dw(0)),
    ]));
    assert_eq!(
        na_reason(&p, "PostAuthenticationActions"),
        Some(NotApplicableReason::GracePeriodZero)
    );
}

#[test]
fn defaults_are_those_of_the_catalogue() {
    let p = resolve_default(&gpo(&[("BackupDirectory", dw(2))]));
    assert_eq!(p.password_spec(), laps_core::PasswordSpec::default());
    assert_eq!(p.password_age_days(), 30);
    assert!(p.password_expiration_protection_enabled());
    assert!(p.encrypts());
    assert_eq!(p.encryption_target().as_deref(), Some("Domain Admins"));
    assert_eq!(p.ad_encrypted_password_history_size(), 0);
    assert!(!p.ad_backup_dsrm_password());
    assert_eq!(p.post_authentication_reset_delay(), 24);
    assert_eq!(p.post_authentication_actions().bits(), 3);
    assert_eq!(p.managed_account(), ManagedAccount::BuiltInAdministrator);
    for r in &p.settings[1..] {
        let info = r.setting.info();
        assert!(
            matches!(
                r.provenance,
                Provenance::Default | Provenance::NotApplicable { .. }
            ),
            "{}",
            info.name
        );
    }
}

// ---- Domain controllers and DSRM (§3.3) ----

fn dc() -> Device {
    Device {
        domain_controller: true,
        join: JoinState::Ad,
        ..Device::default()
    }
}

#[test]
fn dsrm_mode_needs_backup_directory_2_dsrm_backup_and_encryption() {
    let p = resolve(&snapshot_from_pols(&["tests/data/gpo-dsrm.pol"]), &dc());
    assert_eq!(p.mode, Mode::ActiveDirectoryDsrm);
    assert_eq!(p.blocker, None);
    assert_eq!(p.managed_account(), ManagedAccount::DsrmAdministrator);
}

#[test]
fn a_domain_controller_without_dsrm_backup_is_unmanaged_event_10008() {
    let p = resolve(&gpo(&[("BackupDirectory", dw(2))]), &dc());
    assert_eq!(p.mode, Mode::Unmanaged);
    assert_eq!(p.blocker, Some(DiagnosticCode::DsrmNotConfigured));
    assert_eq!(
        has(&p, DiagnosticCode::DsrmNotConfigured).unwrap().event_id,
        Some(10008)
    );
}

#[test]
fn dsrm_with_encryption_off_is_unmanaged() {
    let p = resolve(
        &gpo(&[
            ("BackupDirectory", dw(2)),
            ("ADBackupDSRMPassword", dw(1)),
            ("ADPasswordEncryptionEnabled", dw(0)),
        ]),
        &dc(),
    );
    assert_eq!(p.blocker, Some(DiagnosticCode::DsrmNeedsEncryption));
}

#[test]
fn dsrm_always_encrypts_to_domain_admins_and_manages_the_dsrm_administrator() {
    let p = resolve(
        &gpo(&[
            ("BackupDirectory", dw(2)),
            ("ADBackupDSRMPassword", dw(1)),
            ("ADPasswordEncryptionPrincipal", sz("CONTOSO\\Helpdesk")),
            ("AdministratorAccountName", sz("Other")),
        ]),
        &dc(),
    );
    assert_eq!(p.encryption_target().as_deref(), Some("Domain Admins"));
    assert_eq!(p.ad_password_encryption_principal(), None);
    assert_eq!(
        na_reason(&p, "ADPasswordEncryptionPrincipal"),
        Some(NotApplicableReason::DsrmEncryptsToDomainAdmins)
    );
    assert_eq!(
        na_reason(&p, "AdministratorAccountName"),
        Some(NotApplicableReason::DsrmManagesBuiltInAccount)
    );
    // The configured principal is still visible in the provenance.
    assert_eq!(
        p.provenance("ADPasswordEncryptionPrincipal")
            .unwrap()
            .provenance
            .raw(),
        Some(&sz("CONTOSO\\Helpdesk"))
    );
}

#[test]
fn dsrm_honours_the_history_size_but_not_post_authentication_or_automatic_accounts() {
    let p = resolve(&snapshot_from_pols(&["tests/data/gpo-dsrm.pol"]), &dc());
    assert_eq!(p.ad_encrypted_password_history_size(), 12);
    assert!(p.is_applicable(SettingId::AdEncryptedPasswordHistorySize));
    for name in [
        "PostAuthenticationResetDelay",
        "PostAuthenticationActions",
        "AutomaticAccountManagementEnabled",
    ] {
        assert_eq!(
            na_reason(&p, name),
            Some(NotApplicableReason::NotOnDomainController),
            "{name}"
        );
    }
}

#[test]
fn dsrm_below_dfl_2016_is_blocked_event_10006() {
    let d = Device {
        dfl_2016: false,
        ..dc()
    };
    let p = resolve(&snapshot_from_pols(&["tests/data/gpo-dsrm.pol"]), &d);
    assert_eq!(p.mode, Mode::ActiveDirectoryDsrm);
    assert_eq!(p.blocker, Some(DiagnosticCode::EncryptionNeedsDfl2016));
}

#[test]
fn entra_backup_on_a_domain_controller_is_unmanaged() {
    let p = resolve(&gpo(&[("BackupDirectory", dw(1))]), &dc());
    assert_eq!(p.blocker, Some(DiagnosticCode::EntraOnDomainController));
}

#[test]
fn dsrm_backup_on_a_member_server_has_no_effect() {
    let p = resolve_default(&snapshot_from_pols(&["tests/data/gpo-dsrm.pol"]));
    assert_eq!(p.mode, Mode::ActiveDirectory);
    assert_eq!(
        na_reason(&p, "ADBackupDSRMPassword"),
        Some(NotApplicableReason::DomainControllersOnly)
    );
}

// ---- Legacy emulation (§1.4, §2.3) ----

#[test]
fn legacy_emulation_needs_every_windows_laps_root_empty() {
    let mut s = snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]);
    assert_eq!(resolve_default(&s).mode, Mode::LegacyEmulation);
    s.csp.set("PasswordLength", dw(20));
    let p = resolve_default(&s);
    assert_eq!(p.source, Source::Csp);
    assert_eq!(p.roots[3].status, RootStatus::Ignored);
}

#[test]
fn legacy_emulation_backs_up_to_ad_in_clear_text_with_the_legacy_values() {
    let p = resolve_default(&snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]));
    assert_eq!((p.source, p.mode), (Source::Legacy, Mode::LegacyEmulation));
    assert_eq!(p.backup_directory(), BackupDirectory::ActiveDirectory);
    assert!(!p.encrypts());
    assert_eq!(p.password_length(), 12);
    assert_eq!(
        p.managed_account(),
        ManagedAccount::Named {
            name: "LegacyAdmin".into()
        }
    );
    assert_eq!(
        has(&p, DiagnosticCode::PolicyInEffect).unwrap().event_id,
        Some(10023)
    );
    assert_eq!(p.settings[0].provenance, Provenance::LegacyEmulation);
}

#[test]
fn legacy_emulation_defaults_expiration_protection_off() {
    let p = resolve_default(&snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]));
    assert!(!p.password_expiration_protection_enabled());
    let mut s = snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]);
    s.legacy.set("PwdExpirationProtectionEnabled", dw(1));
    assert!(resolve_default(&s).password_expiration_protection_enabled());
}

#[test]
fn an_installed_legacy_client_extension_defers_with_event_10033() {
    let d = Device {
        legacy_cse_installed: true,
        // The legacy MSI installs up to Windows 11 22H2 (blocked from 23H2 on).
        os_build: 22621,
        ..Device::default()
    };
    let p = resolve(&snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]), &d);
    assert_eq!(p.mode, Mode::Unmanaged);
    assert_eq!(
        has(&p, DiagnosticCode::LegacyCseInstalled)
            .unwrap()
            .event_id,
        Some(10033)
    );
    // With a Windows LAPS policy the CSE does not matter.
    let p = resolve(&gpo(&[("BackupDirectory", dw(2))]), &d);
    assert_eq!(p.mode, Mode::ActiveDirectory);
}

#[test]
fn a_legacy_policy_is_always_ignored_on_domain_controllers() {
    let p = resolve(
        &snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]),
        &dc(),
    );
    assert_eq!(
        p.blocker,
        Some(DiagnosticCode::LegacyIgnoredOnDomainController)
    );
}

#[test]
fn legacy_emulation_requires_adm_pwd_enabled_1() {
    // UNCERTAIN (spec §2.3 last row).
    let mut s = snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]);
    s.legacy.set("AdmPwdEnabled", dw(0));
    let p = resolve_default(&s);
    assert_eq!((p.source, p.mode), (Source::Legacy, Mode::Disabled));
    assert!(has(&p, DiagnosticCode::LegacyNotEnabled).is_some());
}

#[test]
fn legacy_emulation_without_the_legacy_schema_is_blocked_event_10012() {
    let d = Device {
        legacy_schema_present: false,
        ..Device::default()
    };
    let p = resolve(&snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]), &d);
    assert_eq!(p.mode, Mode::LegacyEmulation);
    assert_eq!(
        has(&p, DiagnosticCode::LegacySchemaMissing)
            .unwrap()
            .event_id,
        Some(10012)
    );
}

#[test]
fn legacy_emulation_needs_an_ad_joined_device() {
    let p = resolve(
        &snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]),
        &dev(JoinState::Entra),
    );
    assert_eq!(p.blocker, Some(DiagnosticCode::DirectoryNotJoined));
}

#[test]
fn legacy_complexity_above_4_falls_back_to_4() {
    let mut s = snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]);
    s.legacy.set("PasswordComplexity", dw(5));
    assert_eq!(resolve_default(&s).password_complexity().get(), 4);
}

#[test]
fn legacy_emulation_keeps_windows_laps_only_features_off() {
    // UNCERTAIN (spec §1.4): post-authentication actions are not run in emulation.
    let p = resolve_default(&snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]));
    for name in [
        "PostAuthenticationActions",
        "ADEncryptedPasswordHistorySize",
        "ADBackupDSRMPassword",
        "AutomaticAccountManagementEnabled",
        "PassphraseLength",
    ] {
        assert_eq!(
            na_reason(&p, name),
            Some(NotApplicableReason::NotInLegacyEmulation),
            "{name}"
        );
    }
    let t = post_authentication_timeline(&p, laps_core::FileTime::from_ticks(0));
    assert_eq!(t.off, Some(PostAuthOff::LegacyEmulation));
}

// ---- Explanation ----

#[test]
fn explain_answers_why_the_gpo_is_ignored_in_one_line() {
    let mut s = snapshot_from_pols(&["tests/data/gpo-ad-encrypted.pol"]);
    s.csp.set("PasswordComplexity", dw(3));
    let p = resolve_default(&s);
    let line = p.root_verdict(Root::Gpo);
    assert_eq!(
        line,
        "GPO root is ignored: the CSP root holds PasswordComplexity, and Windows LAPS uses only the first root with any LAPS setting, without merging."
    );
    let text = p.explain();
    assert!(text.contains(&line));
    assert!(text
        .lines()
        .next()
        .unwrap()
        .contains("the CSP root wins (it holds PasswordComplexity)"));
    assert!(text.contains("ignored: GPO PasswordLength=20"), "{text}");
}

#[test]
fn every_setting_is_reported_with_provenance_in_catalogue_order() {
    let p = resolve_default(&snapshot_from_pols(&["tests/data/gpo-ad-encrypted.pol"]));
    assert_eq!(p.settings.len(), 18);
    for (r, info) in p.settings.iter().zip(catalog::windows_laps()) {
        assert_eq!(r.setting, info.id);
        assert!(p.provenance(info.name).is_ok() && p.provenance(info.snake_name).is_ok());
    }
    let json: serde_json::Value = serde_json::from_str(&p.to_json().unwrap()).unwrap();
    assert_eq!(json["source"], "gpo");
    assert_eq!(json["mode"], "ad");
    assert_eq!(json["values"]["password_length"], 20);
    assert_eq!(
        json["settings"]["password_length"]["provenance"]["kind"],
        "configured"
    );
    assert_eq!(
        json["settings"]["password_length"]["provenance"]["root"],
        "gpo"
    );
    assert_eq!(json["managed_account"]["kind"], "named");
}

/// The policy-in-effect sentence names the event it carries (10021/10022/10023), no other.
#[test]
fn the_policy_in_effect_sentence_names_its_own_event() {
    let cases = [
        (gpo(&[("BackupDirectory", dw(2))]), 10021),
        (gpo(&[("BackupDirectory", dw(1))]), 10022),
        (snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]), 10023),
    ];
    for (s, event) in cases {
        let p = resolve(
            &s,
            &Device {
                join: JoinState::Hybrid,
                ..Device::default()
            },
        );
        let d = has(&p, DiagnosticCode::PolicyInEffect).unwrap();
        assert_eq!(d.event_id, Some(event), "{}", d.message);
        assert!(
            d.message.contains(&format!("event {event}")),
            "{}",
            d.message
        );
        assert_eq!(d.message.matches("event 1").count(), 1, "{}", d.message);
    }
}
