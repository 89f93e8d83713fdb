//! `winlaps demo`: the end-to-end walk-through on embedded sample data.

use crate::{crypto_cmd, generate::round2, policy_cmd, CliResult};
use laps_core::{
    check_local_policy, entropy, Complexity, FileTime, Generator, LocalPasswordPolicy, PasswordSpec,
};

/// The fixed "now" of the demo, so its output is reproducible apart from the random passwords.
const DEMO_NOW: &str = "2026-11-22T09:00:00Z";

pub(crate) fn run() -> CliResult {
    let now = FileTime::parse_rfc3339(DEMO_NOW).ok_or("bad demo time")?;
    outln!("winlaps demo: Windows LAPS on embedded sample data (now = {now})\n")?;

    outln!("== 1. Policy ==")?;
    let spec = policy_cmd::demo()?;

    outln!("\n== 2. Password generation (every PasswordComplexity, 14 chars / 6 words) ==")?;
    let mut g = Generator::new()?;
    outln!(
        "{:<4} {:<86} {:>8} {:>8}  sample",
        "mode",
        "PasswordComplexity",
        "naive",
        "exact"
    )?;
    for c in Complexity::ALL {
        let s = PasswordSpec::default().with_complexity(c);
        let e = entropy::bits(&s);
        let p = g.generate(&s);
        outln!(
            "{:<4} {:<86} {:>8.2} {:>8.2}  {}",
            c.get(),
            c.description(),
            e.naive,
            e.exact,
            p.expose()
        )?;
    }
    let password = g.generate(&spec);
    let e = entropy::bits(&spec);
    outln!(
        "\nWith the resolved policy (complexity {}, {}): {}  ({} bits)",
        spec.complexity().get(),
        if spec.complexity().is_passphrase() {
            format!("{} words", spec.passphrase_words())
        } else {
            format!("{} chars", spec.length())
        },
        password.expose(),
        round2(e.exact)
    )?;
    // The device's own password policy applies to the managed account (event 10027).
    let strict = LocalPasswordPolicy {
        minimum_length: 14,
        complexity_required: true,
    };
    for candidate in [spec, PasswordSpec::default()] {
        let fit = check_local_policy(&candidate, &strict);
        let verdict = if fit.always_accepted() {
            "every password is accepted".to_owned()
        } else {
            format!(
                "only {:.2} % are accepted, the others fail with event 10027",
                fit.acceptance * 100.0
            )
        };
        outln!(
            "Device password policy ({strict}) against PasswordComplexity {}: {verdict}",
            candidate.complexity().get()
        )?;
    }

    outln!("\n== 3. Encrypted attribute (msLAPS-EncryptedPassword) ==")?;
    crypto_cmd::demo(&password, "Administrator", now)?;

    outln!("\n== 4. Rotation decision ==")?;
    policy_cmd::demo_rotation(now, now.add_days(31))?;
    Ok(())
}
