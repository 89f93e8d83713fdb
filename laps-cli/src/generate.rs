//! `winlaps generate`.

use crate::CliResult;
use laps_core::{
    check_local_policy, entropy, Generator, LocalPasswordPolicy, PasswordSpec, MAX_BATCH,
};
use serde::Serialize;

/// Arguments of `winlaps generate`.
#[derive(clap::Args)]
pub(crate) struct GenerateArgs {
    /// PasswordComplexity 1-8 (1-5 characters, 6-8 EFF passphrases).
    #[arg(short, long, default_value_t = 4)]
    complexity: u32,
    /// PasswordLength 8-64 (used by complexity 1-5).
    #[arg(short, long, default_value_t = PasswordSpec::DEFAULT_LENGTH)]
    length: u32,
    /// PassphraseLength 3-10 words (used by complexity 6-8).
    #[arg(short, long, default_value_t = PasswordSpec::DEFAULT_WORDS)]
    words: u32,
    /// How many passwords.
    #[arg(short = 'n', long, default_value_t = 1)]
    count: usize,
    /// Print a JSON array of {password, complexity, length, entropy_bits}.
    #[arg(long)]
    json: bool,
    /// The device's "Minimum password length": check the spec against it first (event 10027).
    #[arg(long, value_name = "N")]
    min_length: Option<u32>,
    /// The device's "Password must meet complexity requirements" is on: check the spec first.
    #[arg(long)]
    require_complexity: bool,
}

#[derive(Serialize)]
struct Generated<'a> {
    password: &'a str,
    complexity: u32,
    /// Characters in this password.
    length: usize,
    /// Exact entropy of the generator for this spec (Microsoft's naive figure is `entropy_bits_naive`).
    entropy_bits: f64,
    entropy_bits_naive: f64,
}

pub(crate) fn run(args: &GenerateArgs) -> CliResult {
    let spec = PasswordSpec::new(args.complexity, args.length, args.words)?;
    if args.count > MAX_BATCH {
        return Err(format!("--count {} is above the limit of {MAX_BATCH}", args.count).into());
    }
    check_device_policy(args, &spec)?;
    let e = entropy::bits(&spec);
    let mut g = Generator::new()?;
    if args.json {
        let passwords = g.generate_batch(&spec, args.count);
        let items: Vec<_> = passwords
            .iter()
            .map(|p| Generated {
                password: p.expose(),
                complexity: spec.complexity().get(),
                length: p.len(),
                entropy_bits: round2(e.exact),
                entropy_bits_naive: round2(e.naive),
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&items)?)?;
    } else {
        // One buffer (wiped on drop), one write: no copy per password.
        use std::io::Write;
        let joined = g.generate_joined(&spec, args.count, b'\n');
        let mut out = std::io::stdout().lock();
        if args.count > 0 {
            out.write_all(&joined)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    Ok(())
}

/// With `--min-length` / `--require-complexity`: refuses a spec the device's password policy
/// rejects every time (Windows LAPS would fail every rotation with event 10027) and warns on
/// stderr when it rejects some passwords.
fn check_device_policy(args: &GenerateArgs, spec: &PasswordSpec) -> CliResult {
    if args.min_length.is_none() && !args.require_complexity {
        return Ok(());
    }
    let policy = LocalPasswordPolicy {
        minimum_length: args.min_length.unwrap_or(0),
        complexity_required: args.require_complexity,
    };
    let fit = check_local_policy(spec, &policy);
    let problems = fit
        .problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if fit.never_accepted() {
        return Err(format!(
            "the device's password policy rejects {problems}: Windows LAPS would fail every rotation (event 10027)"
        )
        .into());
    }
    if !fit.always_accepted() {
        eprintln!(
            "winlaps: warning: the device's password policy rejects {problems}: only {:.2} % of these passwords would be accepted (event 10027 for the others)",
            fit.acceptance * 100.0
        );
    }
    Ok(())
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
