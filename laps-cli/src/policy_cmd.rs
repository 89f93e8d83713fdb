//! `winlaps policy resolve | explain` (issue 4 fills this in).

use crate::CliResult;
use laps_core::PasswordSpec;

/// `winlaps policy ...` subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum PolicyCommand {}

pub(crate) fn run(command: PolicyCommand) -> CliResult {
    match command {}
}

/// Demo section: resolve the embedded sample policy, explain it and return the password spec it yields.
pub(crate) fn demo() -> CliResult<PasswordSpec> {
    println!("Windows LAPS default policy: PasswordComplexity 4, PasswordLength 14, PassphraseLength 6, PasswordAgeDays 30");
    Ok(PasswordSpec::default())
}

/// Demo section: the rotation decision for a device whose password was set at `set_at`, evaluated at `now`.
pub(crate) fn demo_rotation(_set_at: laps_core::FileTime, _now: laps_core::FileTime) -> CliResult {
    println!("(laps-policy is not implemented yet: rotation decision is skipped)");
    Ok(())
}
