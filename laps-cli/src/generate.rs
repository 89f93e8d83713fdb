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
    let policy = LocalPasswordPolicy {
        minimum_length: args.min_length.unwrap_or(0),
        complexity_required: args.require_complexity,
    };
    let joined = Generator::new()?.generate_joined_accepted(&spec, &policy, args.count, b'\n')?;
    let fit = check_local_policy(&spec, &policy);
    if !fit.always_accepted() {
        eprintln!(
            "winlaps: note: the device's password policy ({policy}) rejects {}; printing only accepted passwords ({:.2} % of draws; Windows LAPS itself fails such a rotation with event 10027)",
            fit.problems_text(),
            fit.acceptance * 100.0
        );
    }
    if args.json {
        let e = entropy::bits_accepted(&spec, &policy);
        print_json(&spec, e, &joined)
    } else {
        // One buffer (wiped on drop), one write: no copy per password.
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        if args.count > 0 {
            out.write_all(&joined)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(())
    }
}

/// Prints the newline-separated `joined` passwords as the JSON array.
fn print_json(spec: &PasswordSpec, e: entropy::Entropy, joined: &[u8]) -> CliResult {
    let items: Vec<_> = (joined.split(|&b| b == b'\n'))
        .filter(|p| !p.is_empty())
        .map(|p| Generated {
            // Generated passwords are ASCII.
            password: std::str::from_utf8(p).unwrap_or_default(),
            complexity: spec.complexity().get(),
            length: p.len(),
            entropy_bits: round2(e.exact),
            entropy_bits_naive: round2(e.naive),
        })
        .collect();
    outln!("{}", serde_json::to_string_pretty(&items)?)?;
    Ok(())
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
