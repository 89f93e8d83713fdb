//! The Samba AD DC of the integration tests (scripts/samba-dc), found through WINLAPS_SAMBA_ENV
//! (the fixture's env file); without it a test says why in one line and passes, except under
//! CI=true, where a missing DC fails.
#![allow(dead_code)]

use std::collections::HashMap;

use laps_client::{ClientAuthOptions, Credentials};

/// The DC's variables (the env file's `KEY='value'` lines).
pub(crate) struct Dc {
    pub(crate) env: HashMap<String, String>,
}

impl Dc {
    pub(crate) fn get(&self, k: &str) -> &str {
        self.env
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{k} missing from the Samba env file"))
    }
    pub(crate) fn host(&self) -> &str {
        self.get("SAMBA_DC_HOST")
    }
    pub(crate) fn helpdesk(&self, upn: bool) -> Credentials {
        let user = if upn {
            format!(
                "{}@{}",
                self.get("SAMBA_HELPDESK_USER"),
                self.get("SAMBA_REALM")
            )
        } else {
            format!(
                "{}\\{}",
                self.get("SAMBA_DOMAIN"),
                self.get("SAMBA_HELPDESK_USER")
            )
        };
        Credentials::new(&user, self.get("SAMBA_HELPDESK_PASSWORD").to_owned()).unwrap()
    }
    pub(crate) fn auth_options(&self) -> ClientAuthOptions {
        ClientAuthOptions {
            kdc: Some(format!("{}:88", self.get("SAMBA_DC_IP"))),
            ..ClientAuthOptions::default()
        }
    }
}

/// The DC of WINLAPS_SAMBA_ENV, or `None` (after one line saying why) when it is unset.
pub(crate) fn dc() -> Option<Dc> {
    let Ok(path) = std::env::var("WINLAPS_SAMBA_ENV") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but WINLAPS_SAMBA_ENV is not set: the Samba DC tests must run"
        );
        eprintln!(
            "skipped: WINLAPS_SAMBA_ENV is not set (start a DC with scripts/samba-dc start DIR)"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let env = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_owned(),
                v.trim().trim_matches('\'').trim_matches('"').to_owned(),
            )
        })
        .collect();
    Some(Dc { env })
}
