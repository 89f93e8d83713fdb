//! Reading rules: Get-LapsADPassword's records from a computer's attribute values.

mod common;

use common::{encrypted, encrypted_to, keys, t};
use laps_crypto::KeyStore;
use laps_directory::{
    attr, read_computer, read_computers, required_keys, sid_from_bytes, ComputerEntry,
    DecryptionStatus, Error, ErrorKind, ReadOptions, Source,
};
use std::collections::BTreeSet;

fn entry() -> ComputerEntry {
    ComputerEntry::new("PC01", "CN=PC01,CN=Computers,DC=contoso,DC=com")
}

fn history() -> ReadOptions {
    ReadOptions {
        include_history: true,
        ..Default::default()
    }
}

#[test]
fn the_newest_source_wins_encrypted_then_cleartext_then_legacy() {
    let mut e = entry();
    e.legacy_password = Some(b"Legacy1!".to_vec().into());
    e.legacy_expiration_time = Some("134100000000000000".into());
    let r = read_computer(&e, &keys(), &ReadOptions::default()).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].source, Source::LegacyLapsCleartextPassword);
    assert_eq!(r[0].password.as_ref().unwrap().expose(), "Legacy1!");
    assert_eq!(r[0].account, None);
    assert_eq!(
        r[0].expiration_timestamp.unwrap().to_rfc3339(),
        "2025-12-12T08:00:00Z"
    );

    e.password = Some(br#"{"n":"Adm","t":"1dc5f0a1b2c3d4e","p":"Clear1!"}"#.to_vec().into());
    e.password_expiration_time = Some("134100000000000001".into());
    let r = read_computer(&e, &keys(), &ReadOptions::default()).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].source, Source::CleartextPassword);
    assert_eq!(r[0].decryption_status, DecryptionStatus::NotApplicable);
    assert_eq!(r[0].account.as_deref(), Some("Adm"));
    assert_eq!(r[0].authorized_decryptor, None);

    e.encrypted_password = Some(encrypted("Encrypted1!", t("2026-11-20T10:00:00Z")));
    let r = read_computer(&e, &keys(), &ReadOptions::default()).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].source, Source::EncryptedPassword);
    assert_eq!(r[0].decryption_status, DecryptionStatus::Success);
    assert_eq!(r[0].password.as_ref().unwrap().expose(), "Encrypted1!");
    assert_eq!(r[0].password_update_time, Some(t("2026-11-20T10:00:00Z")));
    assert_eq!(
        r[0].expiration_timestamp.unwrap().ticks(),
        134100000000000001
    );
    assert_eq!(r[0].target_sid.as_deref(), Some(laps_crypto::sample::SID));
}

#[test]
fn history_is_reported_newest_first_whatever_the_server_order() {
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Now", t("2026-11-20T00:00:00Z")));
    e.encrypted_password_history = vec![
        encrypted("Oldest", t("2026-09-01T00:00:00Z")),
        encrypted("Newer", t("2026-11-01T00:00:00Z")),
        encrypted("Older", t("2026-10-01T00:00:00Z")),
    ];
    let r = read_computer(&e, &keys(), &history()).unwrap();
    let got: Vec<(Source, &str)> = r
        .iter()
        .map(|x| (x.source, x.password.as_ref().unwrap().expose()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Source::EncryptedPassword, "Now"),
            (Source::EncryptedPasswordHistory, "Newer"),
            (Source::EncryptedPasswordHistory, "Older"),
            (Source::EncryptedPasswordHistory, "Oldest"),
        ]
    );
    assert!(r[1..].iter().all(|x| x.expiration_timestamp.is_none()));
}

#[test]
fn history_only_when_asked() {
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Now", t("2026-11-20T00:00:00Z")));
    e.encrypted_password_history = vec![encrypted("Old", t("2026-10-01T00:00:00Z"))];
    assert_eq!(
        read_computer(&e, &keys(), &ReadOptions::default())
            .unwrap()
            .len(),
        1
    );
    assert_eq!(read_computer(&e, &keys(), &history()).unwrap().len(), 2);
}

#[test]
fn one_failing_history_value_never_aborts_the_read() {
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Now", t("2026-11-20T00:00:00Z")));
    let mut corrupt = encrypted("Corrupt", t("2026-11-10T00:00:00Z"));
    let n = corrupt.len();
    corrupt[n - 3] ^= 0x40; // inside the GCM ciphertext/tag
    let mut truncated = encrypted("Short", t("2026-11-05T00:00:00Z"));
    truncated.truncate(40);
    e.encrypted_password_history = vec![
        corrupt,
        truncated,
        encrypted("Fine", t("2026-11-01T00:00:00Z")),
        b"not a LAPS value".to_vec(),
    ];
    let r = read_computer(&e, &keys(), &history()).unwrap();
    let statuses: Vec<DecryptionStatus> = r.iter().map(|x| x.decryption_status).collect();
    assert_eq!(
        statuses,
        vec![
            DecryptionStatus::Success,
            DecryptionStatus::DecryptionFailed,
            DecryptionStatus::Malformed,
            DecryptionStatus::Success,
            DecryptionStatus::Malformed,
        ]
    );
    assert_eq!(r[3].password.as_ref().unwrap().expose(), "Fine");
    assert!(r[1].password.is_none() && r[1].detail.is_some());
    // The truncated value still carries its header time; the garbage one does not.
    assert_eq!(r[2].password_update_time, Some(t("2026-11-05T00:00:00Z")));
    assert_eq!(r[4].password_update_time, None);
}

#[test]
fn a_value_without_a_key_is_key_not_found() {
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Now", t("2026-11-20T00:00:00Z")));
    let r = read_computer(&e, &KeyStore::new(), &ReadOptions::default()).unwrap();
    assert_eq!(r[0].decryption_status, DecryptionStatus::KeyNotFound);
    assert!(r[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("no key for root key"));
    assert_eq!(r[0].password_update_time, Some(t("2026-11-20T00:00:00Z")));
}

#[test]
fn a_caller_outside_the_protecting_group_is_unauthorized_for_that_value_only() {
    let other: laps_crypto::Sid = "S-1-5-21-3112951519-3615558888-3888674396-1105"
        .parse()
        .unwrap();
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Mine", t("2026-11-20T00:00:00Z")));
    e.encrypted_password_history = vec![encrypted_to(&other, "Theirs", t("2026-11-01T00:00:00Z"))];
    let mut options = history();
    options.caller_sids = Some(BTreeSet::from([laps_crypto::sample::SID.to_owned()]));
    options
        .principal_names
        .insert(other.to_string(), "CONTOSO\\LAPS Readers".into());
    let r = read_computer(&e, &keys(), &options).unwrap();
    assert_eq!(r[0].decryption_status, DecryptionStatus::Success);
    assert_eq!(r[1].decryption_status, DecryptionStatus::Unauthorized);
    assert!(r[1].password.is_none());
    assert_eq!(
        r[1].authorized_decryptor.as_deref(),
        Some("CONTOSO\\LAPS Readers")
    );
    assert_eq!(
        r[0].authorized_decryptor.as_deref(),
        Some(laps_crypto::sample::SID)
    );
}

#[test]
fn a_sid_the_key_source_refused_is_unauthorized() {
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Mine", t("2026-11-20T00:00:00Z")));
    let mut options = ReadOptions::default();
    options
        .denied_sids
        .insert(laps_crypto::sample::SID.to_owned());
    let r = read_computer(&e, &keys(), &options).unwrap();
    assert_eq!(r[0].decryption_status, DecryptionStatus::Unauthorized);
}

#[test]
fn dsrm_values_are_reported_with_their_own_source() {
    let mut e = entry();
    e.encrypted_dsrm_password = Some(encrypted("Dsrm", t("2026-11-20T00:00:00Z")));
    e.encrypted_dsrm_password_history = vec![encrypted("DsrmOld", t("2026-11-01T00:00:00Z"))];
    let r = read_computer(&e, &keys(), &history()).unwrap();
    assert_eq!(r[0].source, Source::EncryptedDsrmPassword);
    assert_eq!(r[1].source, Source::EncryptedDsrmPasswordHistory);
    assert_eq!(r[0].source.as_str(), "EncryptedDSRMPassword");
}

#[test]
fn an_object_without_laps_attributes_is_a_typed_error() {
    let err = read_computer(&entry(), &keys(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NoLapsAttributes { .. }));
    assert_eq!(err.kind(), ErrorKind::NotFound);
    // History alone, not asked for: nothing to report either.
    let mut e = entry();
    e.encrypted_password_history = vec![encrypted("Old", t("2026-10-01T00:00:00Z"))];
    assert!(read_computer(&e, &keys(), &ReadOptions::default()).is_err());
}

#[test]
fn malformed_cleartext_is_a_status_not_an_error() {
    let mut e = entry();
    e.password = Some(b"{not json secretpw".to_vec().into());
    let r = read_computer(&e, &keys(), &ReadOptions::default()).unwrap();
    assert_eq!(r[0].decryption_status, DecryptionStatus::Malformed);
    assert!(!r[0].detail.as_deref().unwrap().contains("secretpw"));
}

#[test]
fn json_records_use_windows_field_names_and_hide_the_password_on_request() {
    let mut e = entry();
    e.encrypted_password = Some(encrypted("Secret-1!", t("2026-11-20T00:00:00Z")));
    let r = read_computer(&e, &keys(), &ReadOptions::default()).unwrap();
    let with = r[0].to_json(true);
    assert_eq!(with["Password"], "Secret-1!");
    assert_eq!(with["Source"], "EncryptedPassword");
    assert_eq!(with["DecryptionStatus"], "Success");
    assert_eq!(with["PasswordUpdateTime"], "2026-11-20T00:00:00Z");
    let without = r[0].to_json(false);
    assert!(without["Password"].is_null());
    assert!(!format!("{:?}", r[0]).contains("Secret-1!"));
}

#[test]
fn many_computers_read_independently() {
    let mut good = entry();
    good.encrypted_password = Some(encrypted("A", t("2026-11-20T00:00:00Z")));
    let empty = ComputerEntry::new("PC02", "CN=PC02,DC=x");
    let results = read_computers(&[good, empty], &keys(), &ReadOptions::default());
    assert!(results[0].is_ok());
    assert!(results[1].is_err());
}

#[test]
fn attributes_are_matched_case_insensitively_and_single_values_enforced() {
    let e = ComputerEntry::from_attributes(
        "CN=PC07,OU=Lab,DC=contoso,DC=com",
        [
            (
                "MSLAPS-PASSWORD",
                vec![br#"{"n":"a","t":"1","p":"b"}"#.to_vec()],
            ),
            ("mslaps-passwordexpirationtime", vec![b"0".to_vec()]),
            ("description", vec![b"ignored".to_vec()]),
        ],
    )
    .unwrap();
    assert_eq!(e.computer_name, "PC07"); // from the DN when neither cn nor sAMAccountName
    assert!(e.password.is_some());
    // An expiration of 0 means "not set".
    let r = read_computer(&e, &keys(), &ReadOptions::default()).unwrap();
    assert_eq!(r[0].expiration_timestamp, None);
    assert!(!format!("{e:?}").contains("\"p\""));

    let err = ComputerEntry::from_attributes(
        "CN=X,DC=y",
        [("msLAPS-EncryptedPassword", vec![vec![1], vec![2]])],
    )
    .unwrap_err();
    assert!(matches!(err, Error::BadAttribute { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::Format);
}

#[test]
fn required_keys_asks_once_per_root_key_sid_and_l0_for_the_newest_index() {
    let mut a = entry();
    a.encrypted_password = Some(encrypted("1", t("2026-11-20T00:00:00Z")));
    a.encrypted_password_history = vec![encrypted("2", t("2026-11-02T00:00:00Z"))];
    let mut b = ComputerEntry::new("PC02", "CN=PC02,DC=x");
    b.encrypted_password = Some(encrypted("3", t("2026-11-10T00:00:00Z")));
    b.encrypted_password_history = vec![b"garbage".to_vec()];
    let needs = required_keys(&[a.clone(), b.clone()], true);
    assert_eq!(needs.root_key_ids.len(), 1);
    assert_eq!(needs.target_sids.len(), 1);
    // One request per distinct L0 (an L0 period is 1024 × 10 hours), at the newest (L1, L2).
    let idx = |s: &str| laps_crypto::KeyIndex::from_filetime(t(s));
    let times = [
        "2026-11-20T00:00:00Z",
        "2026-11-02T00:00:00Z",
        "2026-11-10T00:00:00Z",
    ];
    let l0s: BTreeSet<i32> = times.iter().map(|s| idx(s).l0).collect();
    assert_eq!(needs.requests.len(), l0s.len());
    for r in &needs.requests {
        let newest = times
            .iter()
            .map(|s| idx(s))
            .filter(|i| i.l0 == r.l0)
            .map(|i| (i.l1, i.l2))
            .max()
            .unwrap();
        assert_eq!((r.l1, r.l2), newest);
        assert_eq!(r.target_sid, laps_crypto::sample::SID);
        assert_eq!(r.domain_name, "contoso.com");
    }
    // Without history only the current values count.
    let current_only = required_keys(&[a, b], false);
    assert!(current_only.requests.len() <= needs.requests.len());
}

#[test]
fn binary_sids_parse_strictly() {
    let admins = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
    assert_eq!(sid_from_bytes(&admins).unwrap().to_string(), "S-1-5-32-544");
    assert!(sid_from_bytes(&admins[..15]).is_err());
    assert!(sid_from_bytes(&[2, 0, 0, 0, 0, 0, 0, 5]).is_err());
    assert!(sid_from_bytes(&[]).is_err());
}

#[test]
fn the_password_version_is_read_as_a_guid_in_windows_byte_order() {
    let bytes: Vec<u8> = (1..=16).collect();
    let e = ComputerEntry::from_attributes(
        "CN=PC01,DC=x",
        [("mslaps-currentpasswordversion", vec![bytes])],
    )
    .unwrap();
    assert_eq!(
        e.current_password_version.unwrap().to_string(),
        "04030201-0605-0807-090a-0b0c0d0e0f10"
    );
    // It is no password attribute: an object with only a version has nothing to read.
    assert!(!e.has_laps_password());
    for bad in [vec![vec![0u8; 15]], vec![vec![0u8; 16], vec![1u8; 16]]] {
        let err =
            ComputerEntry::from_attributes("CN=PC01,DC=x", [(attr::CURRENT_PASSWORD_VERSION, bad)])
                .unwrap_err();
        assert!(matches!(err, Error::BadAttribute { .. }), "{err}");
        assert_eq!(err.kind(), ErrorKind::Format);
    }
}
