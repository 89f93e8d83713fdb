//! Rendering an [`EffectivePolicy`] for people (`explain`) and scripts (`to_json`).

use crate::effective::{EffectivePolicy, ManagedAccount, Mode, RootStatus, Source};
use crate::error::Error;
use crate::provenance::{Provenance, SettingResolution};
use crate::root::Root;
use crate::settings::Values;
use crate::wording::{list_short, plural};
use serde::Serialize;
use std::fmt::Write;

/// The outcome in one line.
pub(crate) fn headline(p: &EffectivePolicy) -> String {
    let from = match p.source.root() {
        Some(r) => format!(" (source: {r} root)"),
        None => String::new(),
    };
    let blocked = match p.blocker {
        Some(_) => p
            .diagnostics
            .iter()
            .find(|d| Some(d.code) == p.blocker)
            .map(|d| format!(" BLOCKED: {}", d.message))
            .unwrap_or_default(),
        None => String::new(),
    };
    let what = match p.mode {
        Mode::Disabled => match p.source {
            Source::None => "LAPS is disabled: no root holds any LAPS setting".to_owned(),
            Source::Legacy => {
                "LAPS is disabled: the legacy root is present but AdmPwdEnabled is not 1".to_owned()
            }
            _ => {
                let src = p.source.root().map_or("", Root::label);
                match p.settings.first().map(|r| &r.provenance) {
                    Some(Provenance::Configured { .. }) => {
                        format!("LAPS is disabled: BackupDirectory is 0 in the {src} root")
                    }
                    _ => {
                        let names = p
                            .roots
                            .iter()
                            .find(|r| r.status == RootStatus::Source)
                            .map(|r| list_short(&r.settings))
                            .unwrap_or_default();
                        format!("LAPS is disabled: the {src} root wins (it holds {names}) but has no valid BackupDirectory, which defaults to 0")
                    }
                }
            }
        },
        Mode::Entra => "Windows LAPS backs up to Microsoft Entra ID".to_owned(),
        Mode::ActiveDirectory if p.encrypts() => {
            "Windows LAPS backs up to Active Directory, encrypted".to_owned()
        }
        Mode::ActiveDirectory => {
            "Windows LAPS backs up to Active Directory, in clear text".to_owned()
        }
        Mode::ActiveDirectoryDsrm => {
            "Windows LAPS backs up the DSRM password to Active Directory, encrypted".to_owned()
        }
        Mode::LegacyEmulation => {
            "Windows LAPS emulates legacy Microsoft LAPS (clear text in ms-Mcs-AdmPwd)".to_owned()
        }
        Mode::Unmanaged => "the password is not managed".to_owned(),
    };
    format!("{what}{from}.{blocked}")
}

/// One line on what happened to `root` and why.
pub(crate) fn root_verdict(p: &EffectivePolicy, root: Root) -> String {
    let Some(report) = p.roots.iter().find(|r| r.root == root) else {
        return format!("{root} root: not examined");
    };
    let winner = p.source.root();
    let winner_settings = p
        .roots
        .iter()
        .find(|r| r.status == RootStatus::Source)
        .map(|r| list_short(&r.settings))
        .unwrap_or_default();
    match report.status {
        RootStatus::Source => {
            let higher: Vec<&str> = Root::ALL
                .iter()
                .take_while(|r| **r != root)
                .map(|r| r.label())
                .collect();
            let why = match higher.as_slice() {
                [] => "it has the highest precedence".to_owned(),
                [one] => format!("the {one} root above it holds no LAPS setting"),
                [init @ .., last] => format!(
                    "the {} and {last} roots above it hold no LAPS setting",
                    init.join(", ")
                ),
            };
            format!(
                "{root} root is the source: it holds {} ({}) and {why}.",
                plural(report.settings.len(), "setting"),
                list_short(&report.settings)
            )
        }
        RootStatus::Ignored => format!(
            "{root} root is ignored: the {} root holds {winner_settings}, and Windows LAPS uses only the first root with any LAPS setting, without merging{}.",
            winner.map_or("higher", Root::label),
            if root == Root::Legacy {
                " (legacy emulation needs the CSP, GPO and local roots all empty)"
            } else {
                ""
            }
        ),
        RootStatus::Empty if report.unknown.is_empty() => format!("{root} root holds no LAPS setting."),
        RootStatus::Empty => format!(
            "{root} root holds no LAPS setting (only {}, which {} ignored).",
            report.unknown.join(", "),
            if report.unknown.len() == 1 { "is" } else { "are" }
        ),
    }
}

fn setting_line(out: &mut String, r: &SettingResolution) {
    let mut prov = r.provenance.describe();
    if !r.shadowed.is_empty() {
        let s: Vec<String> = r
            .shadowed
            .iter()
            .map(|s| format!("{} {}={}", s.root, s.name, s.raw))
            .collect();
        let _ = write!(prov, "; ignored: {}", s.join(", "));
    }
    let marker = if r.is_applicable() { ' ' } else { '-' };
    let _ = writeln!(
        out,
        " {marker} {:<40} {:<14} {prov}",
        r.setting.name(),
        r.value.to_string()
    );
}

/// The full human explanation.
pub(crate) fn explain(p: &EffectivePolicy) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(p));
    let d = &p.device;
    let mut facts = vec![format!("{} joined", d.join.as_str())];
    if d.domain_controller {
        facts.push("domain controller".into());
    }
    facts.push(format!("build {}", d.build_text()));
    facts.push(format!(
        "domain {} 2016 functional level",
        if d.dfl_2016 { "at or above" } else { "below" }
    ));
    if d.legacy_cse_installed {
        facts.push("legacy LAPS CSE installed".into());
    }
    if d.safe_mode {
        facts.push("booted in safe mode".into());
    }
    if let Some(pp) = d.password_policy {
        facts.push(format!("password policy: {pp}"));
    }
    if !d.entra_tenant_laps_enabled {
        facts.push("Entra LAPS off in the tenant".into());
    }
    if !d.entra_device_enabled {
        facts.push("disabled in Entra ID".into());
    }
    let _ = writeln!(out, "Device: {}", facts.join(", "));
    if p.mode.is_managed() {
        let spec = p.password_spec();
        let length = if spec.complexity().is_passphrase() {
            format!("{} words", spec.passphrase_words())
        } else {
            format!("{} characters", spec.length())
        };
        let _ = writeln!(
            out,
            "Account: {}\nPassword: complexity {} ({}), {length}, rotated every {} days",
            p.managed_account(),
            spec.complexity().get(),
            spec.complexity().description(),
            p.password_age_days(),
        );
        if let Some(target) = p.encryption_target() {
            let _ = writeln!(out, "Encrypted to: {target}");
        }
    }
    let _ = writeln!(
        out,
        "\nRoots (first root with any LAPS setting wins; no merging):"
    );
    for r in Root::ALL {
        let _ = writeln!(out, "  {}", root_verdict(p, r));
    }
    let _ = writeln!(out, "\nSettings ('-' = no effect):");
    for r in &p.settings {
        setting_line(&mut out, r);
    }
    if !p.diagnostics.is_empty() {
        let _ = writeln!(out, "\nDiagnostics:");
        for d in &p.diagnostics {
            let _ = writeln!(out, "  {d}");
        }
    }
    out
}

#[derive(Serialize)]
struct JsonForm<'a> {
    headline: String,
    #[serde(flatten)]
    policy: &'a EffectivePolicy,
    values: Values<'a>,
    managed_account: ManagedAccount,
    encryption_target: Option<String>,
}

impl EffectivePolicy {
    /// One line on what happened to `root` and why, e.g. why a GPO is ignored.
    pub fn root_verdict(&self, root: Root) -> String {
        root_verdict(self, root)
    }

    /// A human explanation: the outcome, each root's fate, every setting with
    /// its provenance, and the diagnostics.
    pub fn explain(&self) -> String {
        explain(self)
    }

    /// The JSON form (what `to_dict` in the bindings returns), with a `headline`, a
    /// `values` table of snake_case name -> value, the managed account and the encryption
    /// target added for convenience.
    ///
    /// ```
    /// use laps_policy::{resolve, Device, Snapshot};
    /// let json = resolve(&Snapshot::new(), &Device::default()).to_json()?;
    /// assert!(json.contains("\"mode\": \"disabled\""));
    /// # Ok::<(), laps_policy::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<String, Error> {
        let form = JsonForm {
            headline: headline(self),
            policy: self,
            values: self.settings.values(),
            managed_account: self.managed_account(),
            encryption_target: self.encryption_target(),
        };
        Ok(serde_json::to_string_pretty(&form)?)
    }
}
