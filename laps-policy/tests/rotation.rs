//! Rotation decisions (the AD update factors, Entra's local expiry) and the
//! post-authentication timeline (spec §4).

mod common;
use common::*;
use laps_core::FileTime;
use laps_policy::*;
use RotationReason as R;

fn t0() -> FileTime {
    FileTime::parse_rfc3339("2025-03-01T10:00:00Z").unwrap()
}

fn ad_policy() -> EffectivePolicy {
    resolve_default(&gpo(&[("BackupDirectory", dw(2))]))
}

/// A device that rotated at t0 under `policy`, with the directory in step.
fn in_step(policy: &EffectivePolicy) -> (LocalState, DirectoryState) {
    let local = LocalState::after_rotation(
        policy,
        t0(),
        Some("{0F1E2D3C-0000-0000-0000-000000000001}".into()),
    );
    let dir = DirectoryState {
        password_expiration_time: Some(t0().add_days(policy.password_age_days())),
        encrypted_password_present: true,
        current_password_version: Some("0f1e2d3c-0000-0000-0000-000000000001".into()),
    };
    (local, dir)
}

#[test]
fn no_factor_set_means_no_update_event_10016() {
    let p = ad_policy();
    let (l, d) = in_step(&p);
    let r = decide_rotation(&p, &l, &d, t0().add_days(5));
    assert!(!r.rotate);
    assert!(r.reasons.is_empty());
    assert_eq!(r.event_ids, vec![events::NO_UPDATE_NEEDED]);
    assert_eq!(r.next_expiration(), Some(t0().add_days(30)));
    assert_eq!(r.new_expiration, None);
}

#[test]
fn an_expired_password_rotates_with_bit_0x1_and_a_new_expiry_of_now_plus_age() {
    let p = ad_policy();
    let (l, d) = in_step(&p);
    let now = t0().add_days(30);
    let r = decide_rotation(&p, &l, &d, now);
    assert_eq!(r.reasons, vec![R::Expired]);
    assert_eq!(r.reason_mask, 0x1);
    assert_eq!(r.event_ids, vec![events::UPDATE_NEEDED]);
    assert_eq!(r.new_expiration, Some(now.add_days(30)));
}

#[test]
fn a_missing_expiration_attribute_rotates() {
    let p = ad_policy();
    let (l, mut d) = in_step(&p);
    d.password_expiration_time = None;
    assert_eq!(
        decide_rotation(&p, &l, &d, t0()).reasons,
        vec![R::ExpirationMissing]
    );
}

#[test]
fn a_policy_source_change_rotates() {
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.policy_source = Some(Source::Csp);
    let r = decide_rotation(&p, &l, &d, t0().add_days(1));
    assert_eq!(r.reasons, vec![R::PolicySourceChanged]);
    assert_eq!(r.reason_mask, 0x2);
}

#[test]
fn a_managed_account_change_rotates() {
    let named = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("AdministratorAccountName", sz("LapsAdmin")),
    ]));
    let (mut l, d) = in_step(&named);
    assert!(!decide_rotation(&named, &l, &d, t0()).rotate);
    l.last_account_name = Some("OtherAdmin".into());
    assert_eq!(
        decide_rotation(&named, &l, &d, t0()).reasons,
        vec![R::ManagedAccountChanged]
    );
    // Back to the built-in account: the last RID is not 500.
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.last_account_rid = Some(1001);
    assert_eq!(
        decide_rotation(&p, &l, &d, t0()).reasons,
        vec![R::ManagedAccountChanged]
    );
}

#[test]
fn a_randomized_automatic_account_keeps_its_prefix_across_rotations() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("AutomaticAccountManagementEnabled", dw(1)),
        ("AutomaticAccountManagementRandomizeName", dw(1)),
        ("AutomaticAccountManagementNameOrPrefix", sz("Adm")),
    ]));
    let (mut l, d) = in_step(&p);
    l.last_account_name = Some("Adm123456".into());
    assert!(!decide_rotation(&p, &l, &d, t0()).rotate);
    l.last_account_name = Some("Other1".into());
    assert!(decide_rotation(&p, &l, &d, t0())
        .reasons
        .contains(&R::ManagedAccountChanged));
}

#[test]
fn an_encryption_target_change_rotates() {
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.last_encryption_target = Some("CONTOSO\\Old".into());
    assert_eq!(
        decide_rotation(&p, &l, &d, t0()).reasons,
        vec![R::EncryptionTargetChanged]
    );
}

#[test]
fn encryption_on_with_the_encrypted_attribute_missing_rotates() {
    let p = ad_policy();
    let (l, mut d) = in_step(&p);
    d.encrypted_password_present = false;
    assert_eq!(
        decide_rotation(&p, &l, &d, t0()).reasons,
        vec![R::EncryptedPasswordMissing]
    );
    let clear = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionEnabled", dw(0)),
    ]));
    let (l, mut d) = in_step(&clear);
    d.encrypted_password_present = false;
    assert!(!decide_rotation(&clear, &l, &d, t0()).rotate);
}

#[test]
fn missing_or_inconsistent_local_state_rotates_with_bit_0x10() {
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.last_password_update = None;
    assert_eq!(
        decide_rotation(&p, &l, &d, t0()).reasons,
        vec![R::LocalStateInconsistent]
    );
    l.last_password_update = Some(t0().add_days(2)); // set in the future
    let r = decide_rotation(&p, &l, &d, t0());
    assert_eq!(
        (r.reasons.clone(), r.reason_mask),
        (vec![R::LocalStateInconsistent], 0x10)
    );
}

#[test]
fn an_expiry_beyond_policy_rotates_when_expiration_protection_is_on() {
    let p = ad_policy();
    let (l, mut d) = in_step(&p);
    // 30 days plus one hour away: rounded up to 31 days > 30.
    d.password_expiration_time = Some(t0().add_days(30).add_seconds(3600));
    assert_eq!(
        decide_rotation(&p, &l, &d, t0()).reasons,
        vec![R::ExpirationBeyondPolicy]
    );
    // Exactly 30 days away is within policy (strict >, UNCERTAIN operator).
    d.password_expiration_time = Some(t0().add_days(30));
    assert!(!decide_rotation(&p, &l, &d, t0()).rotate);
    assert_eq!(days_to_change(t0(), t0().add_days(29).add_seconds(1)), 30);
}

#[test]
fn an_expiry_beyond_policy_is_kept_when_expiration_protection_is_off() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordExpirationProtectionEnabled", dw(0)),
    ]));
    let (l, mut d) = in_step(&p);
    d.password_expiration_time = Some(t0().add_days(90));
    assert!(!decide_rotation(&p, &l, &d, t0()).rotate);
}

#[test]
fn lowering_password_age_days_rotates_at_once_only_with_protection_on() {
    // Windows' "remaining days" model (spec §4.3), not BaseALT's "last update + age".
    let long = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordAgeDays", dw(60)),
    ]));
    let (l, d) = in_step(&long);
    let short = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordAgeDays", dw(10)),
    ]));
    let at = t0().add_days(20);
    assert_eq!(
        decide_rotation(&short, &l, &d, at).reasons,
        vec![R::ExpirationBeyondPolicy]
    );
    let at = t0().add_days(55); // 5 days left, within 10: no rotation yet
    assert!(!decide_rotation(&short, &l, &d, at).rotate);
}

#[test]
fn a_password_version_mismatch_rotates_on_24h2_with_bit_0x4000() {
    let p = ad_policy();
    let (l, mut d) = in_step(&p);
    d.current_password_version = Some("11111111-2222-3333-4444-555555555555".into());
    let r = decide_rotation(&p, &l, &d, t0());
    assert_eq!(
        (r.reasons, r.reason_mask),
        (vec![R::PasswordVersionMismatch], 0x4000)
    );
    let old = resolve(
        &gpo(&[("BackupDirectory", dw(2))]),
        &Device {
            os_build: 22631,
            ..Device::default()
        },
    );
    assert!(
        !decide_rotation(&old, &l, &d, t0()).rotate,
        "no rollback detection before 24H2"
    );
    // Schema without the attribute (10108): no mismatch.
    d.current_password_version = None;
    assert!(!decide_rotation(&p, &l, &d, t0()).rotate);
}

#[test]
fn a_dsrm_mode_change_rotates() {
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.dsrm_mode = Some(true);
    assert_eq!(
        decide_rotation(&p, &l, &d, t0()).reasons,
        vec![R::DsrmModeChanged]
    );
}

#[test]
fn an_admin_request_always_rotates_with_event_10014() {
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.reset_requested = true;
    let r = decide_rotation(&p, &l, &d, t0().add_days(1));
    assert!(r.rotate);
    assert_eq!(r.reasons, vec![R::ManualReset]);
    assert_eq!(r.event_ids, vec![events::ADMIN_REQUESTED_UPDATE]);
}

#[test]
fn a_passed_post_authentication_deadline_rotates_with_event_10051() {
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.post_auth_reset_deadline = Some(t0().add_days(1));
    assert!(!decide_rotation(&p, &l, &d, t0()).rotate);
    let r = decide_rotation(&p, &l, &d, t0().add_days(1));
    assert_eq!(r.reasons, vec![R::PostAuthentication]);
    assert_eq!(r.event_ids, vec![events::POST_AUTH_UPDATE]);
}

#[test]
fn first_onboarding_sets_the_documented_factors() {
    let p = ad_policy();
    let r = decide_rotation(&p, &LocalState::default(), &DirectoryState::default(), t0());
    assert!(r.rotate);
    assert_eq!(
        r.reasons,
        vec![
            R::ExpirationMissing,
            R::PolicySourceChanged,
            R::ManagedAccountChanged,
            R::EncryptionTargetChanged,
            R::EncryptedPasswordMissing,
            R::LocalStateInconsistent
        ]
    );
}

#[test]
fn expired_plus_authority_plus_local_state_gives_mask_0x13() {
    let p = ad_policy();
    let (mut l, d) = in_step(&p);
    l.policy_source = Some(Source::Legacy);
    l.last_password_update = None;
    assert_eq!(
        decide_rotation(&p, &l, &d, t0().add_days(31)).reason_mask,
        0x13
    );
}

#[test]
fn entra_mode_uses_its_local_expiry_only() {
    let p = resolve_default(&gpo(&[("BackupDirectory", dw(1))]));
    let (l, _) = in_step(&p);
    assert_eq!(l.azure_password_expiry, Some(t0().add_days(30)));
    // Whatever the directory says (an expiry changed in Entra), nothing changes.
    let cloud = DirectoryState {
        password_expiration_time: Some(t0()),
        encrypted_password_present: false,
        current_password_version: Some("x".into()),
    };
    assert!(!decide_rotation(&p, &l, &cloud, t0().add_days(29)).rotate);
    let r = decide_rotation(&p, &l, &cloud, t0().add_days(30));
    assert_eq!(r.reasons, vec![R::Expired]);
    let mut missing = l.clone();
    missing.azure_password_expiry = None;
    assert_eq!(
        decide_rotation(&p, &missing, &cloud, t0()).reasons,
        vec![R::ExpirationMissing]
    );
}

#[test]
fn legacy_emulation_rotates_on_the_legacy_expiry_without_protection_by_default() {
    let p = resolve_default(&snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]));
    let (l, mut d) = in_step(&p);
    d.password_expiration_time = Some(t0().add_days(300));
    assert!(
        !decide_rotation(&p, &l, &d, t0()).rotate,
        "PwdExpirationProtectionEnabled defaults to 0"
    );
    d.password_expiration_time = Some(t0());
    assert_eq!(decide_rotation(&p, &l, &d, t0()).reasons, vec![R::Expired]);
}

#[test]
fn blocked_or_unmanaged_policies_never_rotate() {
    let bad = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("ADPasswordEncryptionPrincipal", sz("NoDomain")),
    ]));
    let r = decide_rotation(
        &bad,
        &LocalState::default(),
        &DirectoryState::default(),
        t0(),
    );
    assert!(!r.rotate);
    assert_eq!(r.blocked, Some(DiagnosticCode::PrincipalIsolatedName));
    assert!(!r.reasons.is_empty(), "the factors are still reported");
    let off = resolve_default(&Snapshot::new());
    let r = decide_rotation(
        &off,
        &LocalState::default(),
        &DirectoryState::default(),
        t0(),
    );
    assert!(!r.rotate && r.reasons.is_empty());
}

#[test]
fn local_state_reads_the_documented_state_values() {
    let mut st = RootValues::new();
    st.set("PolicySource", dw(2));
    st.set("LastPasswordUpdateTime", RegValue::Qword(t0().ticks()));
    st.set(
        "AzurePasswordExpiryTime",
        RegValue::Qword(t0().add_days(7).ticks()),
    );
    st.set("LastAccountRidUpdated", dw(500));
    st.set("DSRMMode", dw(0));
    st.set("LastPasswordVersion", sz("{abc}"));
    let l = LocalState::from_registry(&st);
    assert_eq!(l.policy_source, Some(Source::Gpo));
    assert_eq!(l.last_password_update, Some(t0()));
    assert_eq!(l.azure_password_expiry, Some(t0().add_days(7)));
    assert_eq!(l.last_account_rid, Some(500));
    assert_eq!(l.dsrm_mode, Some(false));
    assert_eq!(l.last_password_version.as_deref(), Some("{abc}"));
}

// ---- Post-authentication timeline (spec §4.5) ----

#[test]
fn the_post_authentication_deadline_is_logon_plus_the_grace_period() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PostAuthenticationResetDelay", dw(6)),
        ("PostAuthenticationActions", dw(3)),
    ]));
    let t = post_authentication_timeline(&p, t0());
    assert_eq!(t.deadline, Some(t0().add_seconds(6 * 3600)));
    assert_eq!(
        t.actions,
        PostAuthActions::RESET_PASSWORD.union(PostAuthActions::SIGN_OUT)
    );
    assert_eq!(
        t.steps.first().unwrap().event_id,
        Some(events::POST_AUTH_DETECTED)
    );
    let signed_out = t
        .steps
        .iter()
        .find(|s| s.what.starts_with("managed account signed out"))
        .unwrap();
    assert_eq!(
        signed_out.at,
        t0().add_seconds(6 * 3600 + 120),
        "fixed 2-minute warning"
    );
}

#[test]
fn post_authentication_action_bits_are_reset_sign_out_reboot_terminate() {
    assert_eq!(
        PostAuthActions::from_bits(1).names(),
        vec!["reset password"]
    );
    assert_eq!(
        PostAuthActions::from_bits(3).names(),
        vec!["reset password", "sign out"]
    );
    assert_eq!(
        PostAuthActions::from_bits(5).names(),
        vec!["reset password", "reboot"]
    );
    assert_eq!(
        PostAuthActions::from_bits(11).names(),
        vec!["reset password", "sign out", "terminate processes"]
    );
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PostAuthenticationActions", dw(5)),
    ]));
    let t = post_authentication_timeline(&p, t0());
    let reboot = t
        .steps
        .iter()
        .find(|s| s.what.starts_with("device reboots"))
        .unwrap();
    assert_eq!(
        reboot.at,
        t0().add_seconds(24 * 3600 + 60),
        "default 24 h, fixed 1-minute delay"
    );
}

#[test]
fn the_default_post_authentication_policy_is_24_hours_reset_and_sign_out() {
    let t = post_authentication_timeline(&ad_policy(), t0());
    assert_eq!((t.grace_hours, t.actions.bits()), (24, 3));
}

#[test]
fn no_post_authentication_deadline_in_dsrm_mode_or_when_disabled() {
    let dc = Device {
        domain_controller: true,
        ..Device::default()
    };
    let p = resolve(&snapshot_from_pols(&["tests/data/gpo-dsrm.pol"]), &dc);
    assert_eq!(
        post_authentication_timeline(&p, t0()).off,
        Some(PostAuthOff::DsrmMode)
    );
    let off = resolve_default(&Snapshot::new());
    let t = post_authentication_timeline(&off, t0());
    assert_eq!(
        (t.off, t.deadline, t.steps.len()),
        (Some(PostAuthOff::NotManaged), None, 0)
    );
}

#[test]
fn an_expired_password_is_not_rotated_during_a_safe_mode_boot() {
    let s = gpo(&[("BackupDirectory", dw(2))]);
    let normal = resolve_default(&s);
    let (l, d) = in_step(&normal);
    let now = t0().add_days(45);
    assert!(decide_rotation(&normal, &l, &d, now).rotate);
    let safe = resolve(
        &s,
        &Device {
            safe_mode: true,
            ..Device::default()
        },
    );
    let r = decide_rotation(&safe, &l, &d, now);
    assert!(!r.rotate, "nothing is backed up even if expired");
    assert_eq!(r.blocked, Some(DiagnosticCode::SafeModeBoot));
}

#[test]
fn expiration_protection_uses_the_days_remaining_and_says_it_departs_from_the_csp_text() {
    // The CSP text speaks of "password age" (expiry minus last update); Windows compares the
    // days left to the directory expiry with PasswordAgeDays (trace evidence, spec §4.3).
    let long = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordAgeDays", dw(60)),
    ]));
    let (l, d) = in_step(&long);
    let short = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PasswordAgeDays", dw(30)),
    ]));
    // 10 days after the last update: the age is 10 (< 30) but 50 days remain (> 30).
    let r = decide_rotation(&short, &l, &d, t0().add_days(10));
    assert_eq!(r.reasons, vec![R::ExpirationBeyondPolicy]);
    assert_eq!(r.notes.len(), 1);
    assert!(r.notes[0].contains("\"that would result in a password age greater than\""));
    // No note when the rule does not decide.
    let (l, d) = in_step(&short);
    assert!(decide_rotation(&short, &l, &d, t0().add_days(31))
        .notes
        .is_empty());
}

#[test]
fn post_authentication_steps_say_the_reboot_and_sign_out_delays_depart_from_the_csp_text() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PostAuthenticationActions", dw(5)),
    ]));
    let t = post_authentication_timeline(&p, t0());
    let reboot = t
        .steps
        .iter()
        .find(|s| s.what.starts_with("device reboots"))
        .unwrap();
    assert_eq!(reboot.at, t0().add_seconds(24 * 3600 + 60));
    assert!(reboot.what.contains("\"will be immediately rebooted\""));
    let p = resolve_default(&gpo(&[("BackupDirectory", dw(2))]));
    let t = post_authentication_timeline(&p, t0());
    let out = t
        .steps
        .iter()
        .find(|s| s.what.starts_with("managed account signed out"))
        .unwrap();
    assert_eq!(out.at, t0().add_seconds(24 * 3600 + 120));
    assert!(out.what.contains("\"will be terminated\""));
}

#[test]
fn the_decision_serde_form_names_the_next_expiration() {
    let p = ad_policy();
    let (l, d) = in_step(&p);
    let now = t0().add_days(30);
    let json = serde_json::to_value(decide_rotation(&p, &l, &d, now)).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert!(
        keys.contains(&"next_expiration") && keys.contains(&"notes"),
        "{keys:?}"
    );
    assert_eq!(json["next_expiration"], now.add_days(30).ticks());
    let unchanged = decide_rotation(&p, &l, &d, t0().add_days(1));
    let json = serde_json::to_value(&unchanged).unwrap();
    assert_eq!(
        json["next_expiration"],
        unchanged.current_expiration.unwrap().ticks()
    );
}

#[test]
fn the_timeline_serde_form_names_the_actions() {
    let p = resolve_default(&gpo(&[
        ("BackupDirectory", dw(2)),
        ("PostAuthenticationActions", dw(11)),
    ]));
    let json = serde_json::to_value(post_authentication_timeline(&p, t0())).unwrap();
    assert_eq!(json["actions"], 11);
    assert_eq!(
        json["action_names"],
        serde_json::json!(["reset password", "sign out", "terminate processes"])
    );
}
