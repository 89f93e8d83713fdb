//! Writing rules: the LDAP modification of one rotation.

mod common;

use common::{encrypted, envelope, keys, rng, sid, t};
use laps_core::Password;
use laps_directory::{
    attr, plan_backup, read_computer, BackupInput, BackupPlan, ComputerEntry, Encryption, Error,
    ErrorKind, ReadOptions, Source,
};
use laps_policy::{resolve, Device, DiagnosticCode, EffectivePolicy, RegValue, Snapshot};

fn policy(settings: &[(&str, u32)], device: Device) -> EffectivePolicy {
    let mut s = Snapshot::new();
    for (name, v) in settings {
        s.gpo.set(*name, RegValue::Dword(*v));
    }
    resolve(&s, &device)
}

fn encrypting(history: u32) -> EffectivePolicy {
    policy(
        &[
            ("BackupDirectory", 2),
            ("ADPasswordEncryptionEnabled", 1),
            ("ADEncryptedPasswordHistorySize", history),
            ("PasswordAgeDays", 30),
        ],
        Device::default(),
    )
}

fn entry() -> ComputerEntry {
    ComputerEntry::new("PC01", "CN=PC01,CN=Computers,DC=contoso,DC=com")
}

fn run(
    policy: &EffectivePolicy,
    previous: &ComputerEntry,
    password: &str,
    now: &str,
) -> Result<BackupPlan, Error> {
    let now = t(now);
    let key = envelope(&sid(), now);
    let target = sid();
    plan_backup(
        &BackupInput {
            policy,
            account: "Administrator",
            password: &Password::from(password),
            now,
            previous,
            encryption: Some(Encryption {
                key: &key,
                target_sid: &target,
            }),
            expiration: None,
            schema_has_password_version: false,
        },
        &mut rng(),
    )
}

/// Applies a plan to an entry the way an LDAP server applies replace operations.
fn apply(previous: &ComputerEntry, plan: &BackupPlan) -> ComputerEntry {
    let mut attrs: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let mut e = previous.clone();
    for c in &plan.changes {
        let values: Vec<Vec<u8>> = c.values.iter().map(|v| v.to_vec()).collect();
        match c.attribute {
            a if a == attr::ENCRYPTED_PASSWORD => e.encrypted_password = values.into_iter().next(),
            a if a == attr::ENCRYPTED_PASSWORD_HISTORY => e.encrypted_password_history = values,
            a if a == attr::ENCRYPTED_DSRM_PASSWORD => {
                e.encrypted_dsrm_password = values.into_iter().next()
            }
            a if a == attr::ENCRYPTED_DSRM_PASSWORD_HISTORY => {
                e.encrypted_dsrm_password_history = values
            }
            a if a == attr::PASSWORD => e.password = values.into_iter().next().map(Into::into),
            a if a == attr::PASSWORD_EXPIRATION_TIME => {
                e.password_expiration_time = values
                    .into_iter()
                    .next()
                    .map(|v| String::from_utf8(v).unwrap())
            }
            a if a == attr::LEGACY_PASSWORD => {
                e.legacy_password = values.into_iter().next().map(Into::into)
            }
            a if a == attr::LEGACY_EXPIRATION_TIME => {
                e.legacy_expiration_time = values
                    .into_iter()
                    .next()
                    .map(|v| String::from_utf8(v).unwrap())
            }
            a if a == attr::CURRENT_PASSWORD_VERSION => {
                e.current_password_version = values
                    .into_iter()
                    .next()
                    .map(|v| laps_crypto::Guid::from_bytes_le(v.try_into().unwrap()))
            }
            other => attrs.push((other.to_owned(), values)),
        }
    }
    assert!(attrs.is_empty(), "unexpected attributes {attrs:?}");
    e
}

fn passwords(e: &ComputerEntry) -> Vec<(Source, String)> {
    let options = ReadOptions {
        include_history: true,
        ..Default::default()
    };
    read_computer(e, &keys(), &options)
        .unwrap()
        .into_iter()
        .map(|r| (r.source, r.password.unwrap().expose().to_owned()))
        .collect()
}

#[test]
fn encrypted_rotations_keep_the_newest_history_size_values() {
    let policy = encrypting(2);
    let mut e = entry();
    let times = [
        "2026-11-01T00:00:00Z",
        "2026-11-02T00:00:00Z",
        "2026-11-03T00:00:00Z",
        "2026-11-04T00:00:00Z",
    ];
    for (i, now) in times.iter().enumerate() {
        let plan = run(&policy, &e, &format!("Pw-{i}"), now).unwrap();
        assert_eq!(plan.source, Source::EncryptedPassword);
        assert_eq!(plan.history_kept, i.min(2));
        assert_eq!(plan.history_dropped, i.saturating_sub(2));
        assert_eq!(plan.expiration, t(now).add_days(30));
        assert_eq!(plan.encrypted_to.as_deref(), Some(laps_crypto::sample::SID));
        e = apply(&e, &plan);
    }
    assert_eq!(
        passwords(&e),
        vec![
            (Source::EncryptedPassword, "Pw-3".to_owned()),
            (Source::EncryptedPasswordHistory, "Pw-2".to_owned()),
            (Source::EncryptedPasswordHistory, "Pw-1".to_owned()),
        ]
    );
    assert_eq!(
        e.password_expiration_time.as_deref(),
        Some(t(times[3]).add_days(30).to_decimal().as_str())
    );
}

#[test]
fn history_size_zero_keeps_no_history() {
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Old", t("2026-11-01T00:00:00Z")));
    e.encrypted_password_history = vec![encrypted("Older", t("2026-10-01T00:00:00Z"))];
    let plan = run(&encrypting(0), &e, "New", "2026-11-02T00:00:00Z").unwrap();
    assert_eq!((plan.history_kept, plan.history_dropped), (0, 2));
    let e = apply(&e, &plan);
    assert!(e.encrypted_password_history.is_empty());
}

#[test]
fn encryption_off_writes_cleartext_json_and_removes_stale_encrypted_values() {
    let policy = policy(
        &[
            ("BackupDirectory", 2),
            ("ADPasswordEncryptionEnabled", 0),
            ("ADEncryptedPasswordHistorySize", 5),
        ],
        Device::default(),
    );
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Old", t("2026-11-01T00:00:00Z")));
    e.encrypted_password_history = vec![encrypted("Older", t("2026-10-01T00:00:00Z"))];
    let plan = run(&policy, &e, "Clear-1!", "2026-11-02T00:00:00Z").unwrap();
    assert_eq!(plan.source, Source::CleartextPassword);
    assert_eq!(plan.encrypted_to, None);
    assert_eq!(
        plan.removed,
        vec![attr::ENCRYPTED_PASSWORD, attr::ENCRYPTED_PASSWORD_HISTORY]
    );
    let e = apply(&e, &plan);
    assert_eq!(
        passwords(&e),
        vec![(Source::CleartextPassword, "Clear-1!".to_owned())]
    );
    let json = String::from_utf8(e.password.as_ref().unwrap().to_vec()).unwrap();
    assert_eq!(
        json,
        format!(
            "{{\"n\":\"Administrator\",\"t\":\"{}\",\"p\":\"Clear-1!\"}}",
            t("2026-11-02T00:00:00Z").to_hex()
        )
    );
}

#[test]
fn encrypting_removes_a_leftover_cleartext_password() {
    let mut e = entry();
    e.password = Some(br#"{"n":"a","t":"1","p":"old"}"#.to_vec().into());
    let plan = run(&encrypting(1), &e, "New", "2026-11-02T00:00:00Z").unwrap();
    assert_eq!(plan.removed, vec![attr::PASSWORD]);
    let e = apply(&e, &plan);
    assert!(e.password.is_none());
    assert_eq!(
        passwords(&e),
        vec![(Source::EncryptedPassword, "New".to_owned())]
    );
}

#[test]
fn a_domain_controller_writes_the_dsrm_attributes() {
    let device = Device {
        domain_controller: true,
        ..Device::default()
    };
    let policy = policy(
        &[
            ("BackupDirectory", 2),
            ("ADBackupDSRMPassword", 1),
            ("ADEncryptedPasswordHistorySize", 1),
        ],
        device,
    );
    let mut e = entry();
    e.encrypted_dsrm_password = Some(encrypted("OldDsrm", t("2026-11-01T00:00:00Z")));
    let plan = run(&policy, &e, "Dsrm-1!", "2026-11-02T00:00:00Z").unwrap();
    assert_eq!(plan.source, Source::EncryptedDsrmPassword);
    let e = apply(&e, &plan);
    assert!(e.encrypted_password.is_none());
    assert_eq!(
        passwords(&e),
        vec![
            (Source::EncryptedDsrmPassword, "Dsrm-1!".to_owned()),
            (Source::EncryptedDsrmPasswordHistory, "OldDsrm".to_owned()),
        ]
    );
}

#[test]
fn legacy_emulation_writes_ms_mcs_admpwd() {
    let mut s = Snapshot::new();
    s.legacy.set("AdmPwdEnabled", RegValue::Dword(1));
    let policy = resolve(&s, &Device::default());
    let plan = run(&policy, &entry(), "Legacy-1!", "2026-11-02T00:00:00Z").unwrap();
    assert_eq!(plan.source, Source::LegacyLapsCleartextPassword);
    let e = apply(&entry(), &plan);
    assert_eq!(
        passwords(&e),
        vec![(Source::LegacyLapsCleartextPassword, "Legacy-1!".to_owned())]
    );
    assert!(e.legacy_expiration_time.is_some());
}

#[test]
fn refuses_encryption_below_dfl_2016() {
    let device = Device {
        dfl_2016: false,
        ..Device::default()
    };
    let policy = policy(
        &[("BackupDirectory", 2), ("ADPasswordEncryptionEnabled", 1)],
        device,
    );
    let err = run(&policy, &entry(), "x", "2026-11-02T00:00:00Z").unwrap_err();
    assert_eq!(
        err,
        Error::PolicyBlocked(DiagnosticCode::EncryptionNeedsDfl2016)
    );
    assert_eq!(err.kind(), ErrorKind::Policy);
}

#[test]
fn refuses_a_policy_that_does_not_back_up_to_active_directory() {
    for (settings, mode) in [
        (vec![("BackupDirectory", 1)], "entra"),
        (vec![("BackupDirectory", 0)], "disabled"),
    ] {
        let err = run(
            &policy(&settings, Device::default()),
            &entry(),
            "x",
            "2026-11-02T00:00:00Z",
        )
        .unwrap_err();
        assert_eq!(err, Error::NotActiveDirectory(mode));
    }
}

#[test]
fn refuses_encryption_without_a_key() {
    let policy = encrypting(0);
    let err = plan_backup(
        &BackupInput {
            policy: &policy,
            account: "Administrator",
            password: &Password::from("x"),
            now: t("2026-11-02T00:00:00Z"),
            previous: &entry(),
            encryption: None,
            expiration: None,
            schema_has_password_version: false,
        },
        &mut rng(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::NoEncryptionKey {
            principal: "Domain Admins".into()
        }
    );
}

#[test]
fn refuses_a_key_for_another_principal_than_a_sid_valued_principal() {
    let mut s = Snapshot::new();
    s.gpo.set("BackupDirectory", RegValue::Dword(2));
    s.gpo.set(
        "ADPasswordEncryptionPrincipal",
        RegValue::Sz("S-1-5-21-1-2-3-1105".into()),
    );
    let policy = resolve(&s, &Device::default());
    let err = run(&policy, &entry(), "x", "2026-11-02T00:00:00Z").unwrap_err();
    assert_eq!(
        err,
        Error::WrongEncryptionTarget("S-1-5-21-1-2-3-1105".into())
    );
}

#[test]
fn password_expiration_protection_caps_a_requested_expiration() {
    let now = t("2026-11-02T00:00:00Z");
    let key = envelope(&sid(), now);
    let target = sid();
    let far = now.add_days(90);
    for (protection, ok) in [(1, false), (0, true)] {
        let policy = policy(
            &[
                ("BackupDirectory", 2),
                ("PasswordAgeDays", 30),
                ("PasswordExpirationProtectionEnabled", protection),
            ],
            Device::default(),
        );
        let result = plan_backup(
            &BackupInput {
                policy: &policy,
                account: "Administrator",
                password: &Password::from("x"),
                now,
                previous: &entry(),
                encryption: Some(Encryption {
                    key: &key,
                    target_sid: &target,
                }),
                expiration: Some(far),
                schema_has_password_version: false,
            },
            &mut rng(),
        );
        match result {
            Ok(plan) => assert!(ok && plan.expiration == far),
            Err(e) => assert!(
                !ok && matches!(e, Error::ExpirationBeyondPolicy { .. }),
                "{e}"
            ),
        }
    }
}

#[test]
fn refuses_an_empty_account_or_password() {
    let policy = encrypting(0);
    assert_eq!(
        run(&policy, &entry(), "", "2026-11-02T00:00:00Z").unwrap_err(),
        Error::InvalidInput("empty password")
    );
}

#[test]
fn plans_never_print_values() {
    let plan = run(&encrypting(0), &entry(), "Visible?", "2026-11-02T00:00:00Z").unwrap();
    let policy = policy(
        &[("BackupDirectory", 2), ("ADPasswordEncryptionEnabled", 0)],
        Device::default(),
    );
    let clear = run(&policy, &entry(), "Visible?", "2026-11-02T00:00:00Z").unwrap();
    assert!(!format!("{plan:?}{clear:?}").contains("Visible?"));
}

/// One rotation with `schema_has_password_version` as given.
fn run_versioned(
    policy: &EffectivePolicy,
    previous: &ComputerEntry,
    now: &str,
    schema_has_password_version: bool,
    rng: &mut rand_chacha::ChaCha20Rng,
) -> BackupPlan {
    let now = t(now);
    let key = envelope(&sid(), now);
    let target = sid();
    plan_backup(
        &BackupInput {
            policy,
            account: "Administrator",
            password: &Password::from("Versioned-1!"),
            now,
            previous,
            encryption: Some(Encryption {
                key: &key,
                target_sid: &target,
            }),
            expiration: None,
            schema_has_password_version,
        },
        rng,
    )
    .unwrap()
}

#[test]
fn each_update_writes_a_new_random_password_version_when_the_schema_has_it() {
    let dc = Device {
        domain_controller: true,
        ..Device::default()
    };
    let policies = [
        encrypting(2),
        policy(
            &[("BackupDirectory", 2), ("ADPasswordEncryptionEnabled", 0)],
            Device::default(),
        ),
        policy(&[("BackupDirectory", 2), ("ADBackupDSRMPassword", 1)], dc),
    ];
    let mut rng = rng();
    for policy in &policies {
        let mut e = entry();
        let mut seen = Vec::new();
        for now in ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"] {
            let plan = run_versioned(policy, &e, now, true, &mut rng);
            assert!(!plan.schema_lacks_password_version);
            let version = plan.password_version.expect("a version");
            let change = plan
                .changes
                .iter()
                .find(|c| c.attribute == attr::CURRENT_PASSWORD_VERSION)
                .expect("msLAPS-CurrentPasswordVersion in the same modify");
            assert_eq!(change.values.len(), 1);
            let bytes = change.values[0].to_vec();
            assert_eq!(bytes, version.as_bytes_le().to_vec());
            // A random (version 4, RFC 4122 variant) GUID, in Windows byte order.
            assert_eq!(bytes[7] >> 4, 4, "{version}");
            assert_eq!(bytes[8] >> 6, 0b10, "{version}");
            assert_eq!(version.to_string().as_bytes()[14], b'4', "{version}");
            e = apply(&e, &plan);
            assert_eq!(e.current_password_version, Some(version));
            seen.push(version);
        }
        assert_ne!(seen[0], seen[1], "every update has its own version");
    }
}

#[test]
fn without_the_schema_attribute_the_update_goes_on_and_says_so() {
    let plan = run_versioned(
        &encrypting(1),
        &entry(),
        "2026-11-01T00:00:00Z",
        false,
        &mut rng(),
    );
    assert!(plan.schema_lacks_password_version);
    assert_eq!(plan.password_version, None);
    assert!(plan
        .changes
        .iter()
        .all(|c| c.attribute != attr::CURRENT_PASSWORD_VERSION));
    assert!(plan
        .changes
        .iter()
        .any(|c| c.attribute == attr::ENCRYPTED_PASSWORD));
}

#[test]
fn legacy_emulation_writes_no_password_version() {
    let mut s = Snapshot::new();
    s.legacy.set("AdmPwdEnabled", RegValue::Dword(1));
    let legacy = resolve(&s, &Device::default());
    for has in [true, false] {
        let plan = run_versioned(&legacy, &entry(), "2026-11-01T00:00:00Z", has, &mut rng());
        assert_eq!(plan.source, Source::LegacyLapsCleartextPassword);
        assert_eq!(plan.password_version, None);
        assert!(!plan.schema_lacks_password_version);
        assert!(plan
            .changes
            .iter()
            .all(|c| c.attribute != attr::CURRENT_PASSWORD_VERSION));
    }
}
