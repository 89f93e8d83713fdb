//! laps-ldap against a real Samba AD DC (scripts/samba-dc). Needs `WINLAPS_SAMBA_ENV=DIR/env`;
//! without it the tests skip with one line (they fail under `CI=true`).

use laps_core::Password;
use laps_directory::{attr, AttributeChange};
use laps_ldap::{Auth, ConnectOptions, Directory, Error};
use std::collections::BTreeMap;
use std::time::Duration;
use zeroize::Zeroizing;

fn fixture() -> Option<BTreeMap<String, String>> {
    let Some(path) = std::env::var_os("WINLAPS_SAMBA_ENV") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "WINLAPS_SAMBA_ENV is not set under CI=true (scripts/samba-dc start DIR)"
        );
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            eprintln!("skipping the laps-ldap Samba tests: WINLAPS_SAMBA_ENV not set (see scripts/samba-dc)")
        });
        return None;
    };
    let text = std::fs::read_to_string(path).unwrap();
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('\'').to_owned()))
            .collect(),
    )
}

fn options(env: &BTreeMap<String, String>, user: &str, password: &str) -> ConnectOptions {
    let mut o = ConnectOptions::new(&env["SAMBA_DC_HOST"]);
    o.ldaps = true;
    o.ca_file = Some(env["SAMBA_CA_FILE"].clone().into());
    o.auth = Auth::Simple;
    o.user = Some(format!("{user}@{}", env["SAMBA_REALM"]));
    o.password = Some(Password::from(password));
    o.timeout = Duration::from_secs(20);
    o
}

fn admin(env: &BTreeMap<String, String>) -> Directory {
    Directory::connect(&options(
        env,
        &env["SAMBA_ADMIN_USER"],
        &env["SAMBA_ADMIN_PASSWORD"],
    ))
    .unwrap()
}

#[test]
fn reads_sambas_root_key_with_its_256_bit_private_key_length() {
    let Some(env) = fixture() else { return };
    let mut dir = admin(&env);
    assert_eq!(
        dir.naming_contexts().domain_dns_name(),
        env["SAMBA_REALM"].to_lowercase()
    );
    let keys = dir.read_root_keys().unwrap();
    let k = keys
        .iter()
        .find(|k| k.key.id().to_string() == env["SAMBA_ROOT_KEY_ID"])
        .expect("the fixture's root key");
    assert_eq!(k.key.private_key_bits(), 256);
    assert_eq!(k.key.public_key_bits(), 2048);
    assert_eq!(k.key.secret_agreement().name(), "DH");
    assert!(k.use_start_time.is_some() && k.create_time.is_some());
}

#[test]
fn a_user_who_may_not_read_root_keys_gets_a_typed_error() {
    let Some(env) = fixture() else { return };
    let mut dir = Directory::connect(&options(
        &env,
        &env["SAMBA_HELPDESK_USER"],
        &env["SAMBA_HELPDESK_PASSWORD"],
    ))
    .unwrap();
    let e = dir.read_root_keys().unwrap_err();
    assert!(matches!(e, Error::RootKeysUnreadable(_)), "{e}");
}

#[test]
fn finds_computers_by_name_dn_and_dollar_name_with_paged_searches() {
    let Some(env) = fixture() else { return };
    let mut dir = admin(&env);
    dir.set_page_size(1);
    let dn = format!("CN=PC02,CN=Computers,{}", env["SAMBA_BASE_DN"]);
    let ids: Vec<String> = ["PC01", "PC02$", dn.as_str(), "NOPE", "pc03"]
        .map(str::to_owned)
        .to_vec();
    let found = dir.find_computers(&ids, None).unwrap();
    assert_eq!(found[0].as_ref().unwrap().computer_name, "PC01");
    assert_eq!(found[1].as_ref().unwrap().computer_name, "PC02");
    assert_eq!(found[2].as_ref().unwrap().distinguished_name, dn);
    assert!(matches!(
        found[3].as_ref().unwrap_err(),
        Error::ComputerNotFound(_)
    ));
    assert_eq!(found[4].as_ref().unwrap().computer_name, "PC03");
    // A filter over many objects, one per page.
    let all = dir.search_computers(None, Some("(cn=PC0*)")).unwrap();
    let mut names: Vec<String> = all.into_iter().map(|e| e.computer_name).collect();
    names.sort();
    assert_eq!(names, ["PC01", "PC02", "PC03"]);
}

#[test]
fn caller_sids_and_principals_come_from_the_directory() {
    let Some(env) = fixture() else { return };
    let mut dir = Directory::connect(&options(
        &env,
        &env["SAMBA_HELPDESK_USER"],
        &env["SAMBA_HELPDESK_PASSWORD"],
    ))
    .unwrap();
    let (dn, sids) = dir.caller_sids().unwrap();
    assert!(dn.starts_with("CN=helpdesk,"), "{dn}");
    assert!(sids.contains(&env["SAMBA_HELPDESK_GROUP_SID"]));
    assert!(!sids.contains(&format!("{}-512", env["SAMBA_DOMAIN_SID"])));
    assert_eq!(
        dir.resolve_principal("Domain Admins").unwrap(),
        format!("{}-512", env["SAMBA_DOMAIN_SID"])
    );
    let group = format!("{}\\{}", env["SAMBA_DOMAIN"], env["SAMBA_HELPDESK_GROUP"]);
    assert_eq!(
        dir.resolve_principal(&group).unwrap(),
        env["SAMBA_HELPDESK_GROUP_SID"]
    );
    assert!(matches!(
        dir.resolve_principal("no such group").unwrap_err(),
        Error::PrincipalNotFound(_)
    ));
    let names = dir
        .principal_names(&[env["SAMBA_HELPDESK_GROUP_SID"].clone()].into())
        .unwrap();
    assert_eq!(names[&env["SAMBA_HELPDESK_GROUP_SID"]], group);
}

#[test]
fn a_modify_that_fails_writes_nothing() {
    let Some(env) = fixture() else { return };
    let mut dir = admin(&env);
    let dn = format!("CN=PC01,CN=Computers,{}", env["SAMBA_BASE_DN"]);
    let before = dir.read_computer(&dn).unwrap();
    let changes = [
        AttributeChange {
            attribute: attr::LEGACY_PASSWORD,
            values: vec![Zeroizing::new(b"Half-Written-Pa55!".to_vec())],
        },
        AttributeChange {
            attribute: "msLAPS-NoSuchAttribute",
            values: vec![Zeroizing::new(b"x".to_vec())],
        },
    ];
    let e = dir.apply(&dn, &changes).unwrap_err();
    assert!(matches!(e, Error::Ldap { .. }), "{e}");
    let after = dir.read_computer(&dn).unwrap();
    assert_eq!(
        after.legacy_password.as_deref().map(|v| v.as_slice()),
        before.legacy_password.as_deref().map(|v| v.as_slice())
    );
}

#[test]
fn a_wrong_password_is_a_bind_error() {
    let Some(env) = fixture() else { return };
    let e = Directory::connect(&options(&env, &env["SAMBA_ADMIN_USER"], "not-the-password"))
        .unwrap_err();
    assert!(matches!(e, Error::Bind { .. }));
    assert!(!e.to_string().contains("not-the-password"));
}

#[test]
fn ntlm_binds_over_ldaps_as_domain_user_or_upn() {
    let Some(env) = fixture() else { return };
    for user in [
        format!("{}\\{}", env["SAMBA_DOMAIN"], env["SAMBA_HELPDESK_USER"]),
        format!(
            "{}@{}",
            env["SAMBA_HELPDESK_USER"],
            env["SAMBA_REALM"].to_lowercase()
        ),
    ] {
        let mut o = options(&env, "", &env["SAMBA_HELPDESK_PASSWORD"]);
        o.auth = Auth::Ntlm;
        o.user = Some(user.clone());
        let mut dir = Directory::connect(&o).unwrap_or_else(|e| panic!("{user}: {e}"));
        // The session is the helpdesk's: Who am I, its groups, a search.
        let (dn, sids) = dir.caller_sids().unwrap();
        assert!(dn.starts_with("CN=helpdesk,"), "{dn}");
        assert!(sids.contains(&env["SAMBA_HELPDESK_GROUP_SID"]), "{sids:?}");
        let found = dir.find_computers(&["PC01".into()], None).unwrap();
        assert!(found[0].is_ok());
        // Many requests through the relay, and a clean close.
        for _ in 0..20 {
            dir.find_computers(&["PC02".into()], None).unwrap();
        }
        dir.close();
    }
}

#[test]
fn ntlm_with_a_wrong_password_is_a_bind_error_and_needs_ldaps() {
    let Some(env) = fixture() else { return };
    let user = format!("{}\\{}", env["SAMBA_DOMAIN"], env["SAMBA_HELPDESK_USER"]);
    let mut o = options(&env, "", "not-the-password");
    o.auth = Auth::Ntlm;
    o.user = Some(user);
    let e = Directory::connect(&o).unwrap_err();
    assert!(matches!(e, Error::Bind { .. }), "{e}");
    assert!(e.to_string().contains("LDAP result 49"), "{e}");
    assert!(!e.to_string().contains("not-the-password"));
    o.ldaps = false;
    o.password = Some(Password::from(env["SAMBA_HELPDESK_PASSWORD"].as_str()));
    let e = Directory::connect(&o).unwrap_err();
    assert!(matches!(e, Error::AuthUnavailable { .. }), "{e}");
}
