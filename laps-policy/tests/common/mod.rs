//! Shared helpers: Registry.pol files written the way the LAPS ADMX makes the
//! Group Policy engine write them, and the sample-file registry.
#![allow(dead_code, unreachable_pub)]

use laps_policy::{
    resolve, Device, EffectivePolicy, RegFile, RegFileVersion, RegOp, RegValue, RegistryPol, Root,
    Snapshot, SyncMl,
};
use std::path::PathBuf;

pub mod gen;

pub const GPO_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS";
pub const CSP_KEY: &str = r"Software\Microsoft\Policies\LAPS";
pub const LOCAL_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\LAPS\Config";
pub const LEGACY_KEY: &str = r"Software\Policies\Microsoft Services\AdmPwd";

/// One GPO, written policy by policy with the LAPS.admx value names.
pub struct Gpo(pub RegistryPol);

impl Gpo {
    pub fn new() -> Self {
        Gpo(RegistryPol::new())
    }
    fn dword(&mut self, name: &str, v: u32) -> &mut Self {
        self.0.set(GPO_KEY, name, RegValue::Dword(v));
        self
    }
    fn sz(&mut self, name: &str, v: &str) -> &mut Self {
        self.0.set(GPO_KEY, name, RegValue::Sz(v.into()));
        self
    }
    fn del(&mut self, name: &str) -> &mut Self {
        self.0.delete_value(GPO_KEY, name);
        self
    }
    /// "Configure password backup directory": Enabled with the dropdown value.
    pub fn backup_directory(&mut self, v: u32) -> &mut Self {
        self.dword("BackupDirectory", v)
    }
    pub fn backup_directory_disabled(&mut self) -> &mut Self {
        self.del("BackupDirectory")
    }
    /// "Password Settings": one policy writes all four values.
    pub fn password_settings(
        &mut self,
        complexity: u32,
        length: u32,
        age: u32,
        words: u32,
    ) -> &mut Self {
        self.dword("PasswordComplexity", complexity)
            .dword("PasswordLength", length)
            .dword("PasswordAgeDays", age)
            .dword("PassphraseLength", words)
    }
    pub fn password_settings_disabled(&mut self) -> &mut Self {
        self.del("PasswordComplexity")
            .del("PasswordLength")
            .del("PasswordAgeDays")
            .del("PassphraseLength")
    }
    pub fn admin_name(&mut self, name: &str) -> &mut Self {
        self.sz("AdministratorAccountName", name)
    }
    pub fn admin_name_disabled(&mut self) -> &mut Self {
        self.del("AdministratorAccountName")
    }
    /// Boolean policies write their disabledValue 0 when Disabled.
    pub fn expiration_protection(&mut self, on: bool) -> &mut Self {
        self.dword("PasswordExpirationProtectionEnabled", u32::from(on))
    }
    pub fn encryption(&mut self, on: bool) -> &mut Self {
        self.dword("ADPasswordEncryptionEnabled", u32::from(on))
    }
    pub fn principal(&mut self, p: &str) -> &mut Self {
        self.sz("ADPasswordEncryptionPrincipal", p)
    }
    pub fn history(&mut self, n: u32) -> &mut Self {
        self.dword("ADEncryptedPasswordHistorySize", n)
    }
    pub fn dsrm(&mut self, on: bool) -> &mut Self {
        self.dword("ADBackupDSRMPassword", u32::from(on))
    }
    pub fn post_auth(&mut self, hours: u32, actions: u32) -> &mut Self {
        self.dword("PostAuthenticationResetDelay", hours)
            .dword("PostAuthenticationActions", actions)
    }
    pub fn post_auth_disabled(&mut self) -> &mut Self {
        self.del("PostAuthenticationResetDelay")
            .del("PostAuthenticationActions")
    }
    pub fn automatic_account(
        &mut self,
        target: u32,
        name: &str,
        enable: bool,
        randomize: bool,
    ) -> &mut Self {
        self.dword("AutomaticAccountManagementEnabled", 1)
            .dword("AutomaticAccountManagementTarget", target)
            .sz("AutomaticAccountManagementNameOrPrefix", name)
            .dword("AutomaticAccountManagementEnableAccount", u32::from(enable))
            .dword(
                "AutomaticAccountManagementRandomizeName",
                u32::from(randomize),
            )
    }
    pub fn bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }
}

pub fn legacy_pol() -> RegistryPol {
    let mut p = RegistryPol::new();
    p.set(LEGACY_KEY, "AdmPwdEnabled", RegValue::Dword(1))
        .set(
            LEGACY_KEY,
            "AdminAccountName",
            RegValue::Sz("LegacyAdmin".into()),
        )
        .set(LEGACY_KEY, "PasswordComplexity", RegValue::Dword(4))
        .set(LEGACY_KEY, "PasswordLength", RegValue::Dword(12))
        .set(LEGACY_KEY, "PasswordAgeDays", RegValue::Dword(30));
    p
}

/// The sample files under tests/data (and the demo files under data/), each
/// with the writer call that produces it.
pub fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let mut reg = RegFile::default();
    reg.push(RegOp::Set {
        key: format!("HKEY_LOCAL_MACHINE\\{CSP_KEY}"),
        name: "PasswordAgeDays".into(),
        value: RegValue::Dword(30),
    })
    .push(RegOp::Set {
        key: format!("HKEY_LOCAL_MACHINE\\{GPO_KEY}"),
        name: "BackupDirectory".into(),
        value: RegValue::Dword(2),
    })
    .push(RegOp::Set {
        key: format!("HKEY_LOCAL_MACHINE\\{GPO_KEY}"),
        name: "PasswordLength".into(),
        value: RegValue::Dword(24),
    });
    vec![
        (
            "tests/data/gpo-ad-encrypted.pol",
            Gpo::new()
                .backup_directory(2)
                .password_settings(4, 20, 30, 6)
                .admin_name("LapsAdmin")
                .expiration_protection(true)
                .encryption(true)
                .principal("CONTOSO\\LAPS Admins")
                .history(6)
                .post_auth(8, 3)
                .bytes(),
        ),
        (
            "tests/data/gpo-entra-passphrase.pol",
            Gpo::new()
                .backup_directory(1)
                .password_settings(6, 14, 7, 5)
                .automatic_account(1, "WLapsAdmin", true, true)
                .post_auth(0, 3)
                .bytes(),
        ),
        (
            "tests/data/gpo-disabled-policies.pol",
            Gpo::new()
                .backup_directory_disabled()
                .password_settings_disabled()
                .admin_name_disabled()
                .post_auth_disabled()
                .bytes(),
        ),
        (
            "tests/data/gpo-dropdown-disabled.pol",
            Gpo::new()
                .backup_directory(0)
                .password_settings(4, 16, 30, 6)
                .bytes(),
        ),
        (
            "tests/data/gpo-dsrm.pol",
            Gpo::new()
                .backup_directory(2)
                .password_settings(5, 24, 60, 6)
                .encryption(true)
                .history(12)
                .dsrm(true)
                .post_auth(4, 5)
                .bytes(),
        ),
        (
            "tests/data/gpo-24h2-features.pol",
            Gpo::new()
                .backup_directory(2)
                .password_settings(6, 14, 30, 5)
                .post_auth(4, 11)
                .automatic_account(0, "LapsBuiltIn", false, false)
                .bytes(),
        ),
        ("tests/data/legacy-admpwd.pol", legacy_pol().to_bytes()),
        ("tests/data/csp-leftover.reg", reg.to_bytes()),
        ("data/demo-gpo.pol", demo_gpo().to_bytes()),
        ("data/demo-csp.syncml", demo_csp().to_xml().into_bytes()),
    ]
}

pub fn demo_gpo() -> RegistryPol {
    Gpo::new()
        .backup_directory(2)
        .password_settings(5, 20, 30, 6)
        .expiration_protection(true)
        .encryption(true)
        .history(3)
        .0
        .clone()
}

pub fn demo_csp() -> SyncMl {
    let mut s = SyncMl::new();
    s.replace("BackupDirectory", RegValue::Dword(2))
        .and_then(|s| s.replace("PasswordComplexity", RegValue::Dword(6)))
        .expect("DWORDs are writable");
    s
}

pub fn data(path: &str) -> Vec<u8> {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), path].iter().collect();
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn snapshot_from_pols(files: &[&str]) -> Snapshot {
    let mut s = Snapshot::new();
    for f in files {
        let pol = RegistryPol::parse(&data(f)).unwrap();
        pol.apply_to(&mut s);
    }
    s
}

pub fn snap(root: Root, values: &[(&str, RegValue)]) -> Snapshot {
    let mut s = Snapshot::new();
    for (n, v) in values {
        s.root_mut(root).set(*n, v.clone());
    }
    s
}

pub fn dw(v: u32) -> RegValue {
    RegValue::Dword(v)
}

pub fn sz(v: &str) -> RegValue {
    RegValue::Sz(v.into())
}

pub fn gpo(values: &[(&str, RegValue)]) -> Snapshot {
    snap(Root::Gpo, values)
}

pub fn resolve_default(s: &Snapshot) -> EffectivePolicy {
    resolve(s, &Device::default())
}

pub fn v5(reg: &RegFile) -> bool {
    reg.version == RegFileVersion::V5
}
