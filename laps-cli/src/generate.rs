//! `winlaps generate`.

use crate::errors::{Code, CodedError};
use crate::CliResult;
use laps_core::{
    check_local_policy, entropy, Generator, LocalPasswordPolicy, Password, PasswordSpec, MAX_BATCH,
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
    /// The device's "Minimum password length": only print passwords the device accepts
    /// (redrawn until it would; an error when the spec can never satisfy it, event 10027).
    #[arg(long, value_name = "N")]
    min_length: Option<u32>,
    /// The device's "Password must meet complexity requirements" is on: only print passwords
    /// with 3 of the 5 character categories (redrawn until the device would accept them; an
    /// error when the mode can never satisfy it, e.g. complexity 1 or 2).
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
    let device = device_policy(args, &spec)?;
    let mut e = entropy::bits(&spec);
    let mut g = Generator::new()?;
    if let Some((policy, acceptance)) = device {
        // Redrawing keeps the output uniform over the accepted passwords: their number is
        // the spec's times the acceptance, so the entropy drops by log2 of it.
        e.exact += acceptance.log2();
        e.naive += acceptance.log2();
        let passwords = (0..args.count)
            .map(|_| draw_accepted(&mut g, &spec, &policy, acceptance))
            .collect::<CliResult<Vec<_>>>()?;
        return print(args, &spec, e, &passwords);
    }
    if args.json {
        let passwords = g.generate_batch(&spec, args.count);
        print(args, &spec, e, &passwords)
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
        Ok(())
    }
}

/// Prints `passwords` as lines or, with `--json`, as the JSON array.
fn print(
    args: &GenerateArgs,
    spec: &PasswordSpec,
    e: entropy::Entropy,
    passwords: &[Password],
) -> CliResult {
    if args.json {
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
        for p in passwords {
            outln!("{}", p.expose())?;
        }
    }
    Ok(())
}

/// Draws until `policy` accepts the password. The bound makes a failure after it vanishingly
/// unlikely (below 1e-9) for any acceptance `device_policy` lets through.
fn draw_accepted(
    g: &mut Generator,
    spec: &PasswordSpec,
    policy: &LocalPasswordPolicy,
    acceptance: f64,
) -> CliResult<Password> {
    let bound = ((1e-9f64).ln() / (1.0 - acceptance).ln()).ceil().max(1.0) as u64;
    for _ in 0..bound {
        let p = g.generate(spec);
        if policy.accepts(p.expose()) {
            return Ok(p);
        }
    }
    Err(format!("no acceptable password in {bound} draws").into())
}

/// The smallest acceptance worth redrawing for: about a million draws per password.
const MIN_ACCEPTANCE: f64 = 1e-6;

/// With `--min-length` / `--require-complexity`: the device's policy and the share of the
/// spec's passwords it accepts, when that share is below 1 (the caller redraws). A spec the
/// device rejects every time (Windows LAPS would fail every rotation with event 10027), or
/// so nearly every time that redrawing is hopeless, is an error naming the rule.
fn device_policy(
    args: &GenerateArgs,
    spec: &PasswordSpec,
) -> CliResult<Option<(LocalPasswordPolicy, f64)>> {
    if args.min_length.is_none() && !args.require_complexity {
        return Ok(None);
    }
    let policy = LocalPasswordPolicy {
        minimum_length: args.min_length.unwrap_or(0),
        complexity_required: args.require_complexity,
    };
    let fit = check_local_policy(spec, &policy);
    if fit.always_accepted() {
        return Ok(None);
    }
    let problems = fit.problems_text();
    if fit.acceptance < MIN_ACCEPTANCE {
        return Err(CodedError::new(
            Code::POLICY,
            format!(
                "the device's password policy ({policy}) rejects {problems}: complexity {} cannot satisfy it and Windows LAPS would fail every rotation (event 10027); choose complexity 3-5 or a longer spec",
                spec.complexity().get()
            ),
        )
        .into());
    }
    eprintln!(
        "winlaps: note: the device's password policy ({policy}) rejects {problems}; printing only accepted passwords ({:.2} % of draws; Windows LAPS itself fails such a rotation with event 10027)",
        fit.acceptance * 100.0
    );
    Ok(Some((policy, fit.acceptance)))
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
