//! `winlaps`: Windows LAPS passwords, policy and encrypted attributes from the command line.
#![forbid(unsafe_code)]

/// `println!` that returns an `io::Result` instead of panicking when stdout is closed
/// (`winlaps ... | head`); `main` turns a broken pipe into a quiet exit.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}

mod crypto_cmd;
mod demo;
mod directory_cmd;
mod errors;
mod generate;
mod kds_cmd;
mod live_keys;
mod policy_cmd;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// Result type of every command: errors are printed by `main` and exit non-zero.
pub(crate) type CliResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Windows LAPS, re-implemented: passwords, policy, encrypted attributes.
#[derive(Parser)]
#[command(name = "winlaps", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate passwords exactly as Windows LAPS does (PasswordComplexity 1-8).
    Generate(generate::GenerateArgs),
    /// Walk through policy -> password -> encrypted attribute -> decrypt -> rotation on sample data.
    Demo,
    /// Resolve and explain the effective Windows LAPS policy from GPO/CSP/.reg inputs.
    Policy {
        #[command(subcommand)]
        command: policy_cmd::PolicyCommand,
    },
    #[command(flatten)]
    Crypto(crypto_cmd::CryptoCommand),
    /// Read LAPS passwords from Active Directory over LDAP (like Get-LapsADPassword).
    Get(directory_cmd::GetArgs),
    /// Back a new password up to Active Directory as a Windows LAPS client does (password on stdin).
    Backup(directory_cmd::BackupArgs),
    /// Find a domain controller of a domain by DNS SRV (_ldap._tcp.dc._msdcs.DOMAIN) and print
    /// its host name: `--dc "$(winlaps lookup-dc contoso.com)"`.
    LookupDc(live_keys::LookupDcArgs),
    /// The lab key distribution server (MS-GKDI GetKey without a domain controller).
    Kds {
        #[command(subcommand)]
        command: kds_cmd::KdsCommand,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the winlaps(1) man page (roff) on stdout: `winlaps man > winlaps.1`.
    Man,
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let json = errors::json_mode(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            let message = e.kind().to_string();
            let detail = e.to_string();
            let first = detail
                .lines()
                .next()
                .unwrap_or(&message)
                .trim_start_matches("error: ");
            eprintln!("{}", errors::json_line(errors::Code::INVALID_ARG, first));
            return ExitCode::from(errors::EXIT_USAGE);
        }
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Generate(args) => generate::run(&args),
        Command::Demo => demo::run(),
        Command::Policy { command } => policy_cmd::run(command),
        Command::Crypto(command) => crypto_cmd::run(command),
        Command::Get(args) => directory_cmd::run_get(&args),
        Command::Backup(args) => directory_cmd::run_backup(&args),
        Command::LookupDc(args) => live_keys::lookup_dc(&args),
        Command::Kds { command } => kds_cmd::run(command),
        Command::Completions { shell } => completions(shell),
        Command::Man => man_page(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
                eprintln!(
                    "{}",
                    errors::json_line(errors::code_of(e.as_ref()), &e.to_string())
                );
            } else {
                eprintln!("winlaps: error: {e}");
            }
            ExitCode::from(errors::exit_of(e.as_ref()))
        }
    }
}

/// `winlaps completions SHELL`.
fn completions(shell: clap_complete::Shell) -> CliResult {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "winlaps", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(())
}

/// `winlaps man`: the top-level page, with every subcommand listed.
fn man_page() -> CliResult {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(())
}

/// True when the reader of our stdout went away (e.g. `| head`): not an error worth reporting.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
