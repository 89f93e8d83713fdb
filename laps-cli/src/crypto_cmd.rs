//! `winlaps inspect | decrypt | encrypt` (issue 3 fills this in).

use crate::CliResult;
use laps_core::{FileTime, Password};

/// The crypto subcommands, flattened into the top level.
#[derive(clap::Subcommand)]
pub(crate) enum CryptoCommand {}

pub(crate) fn run(command: CryptoCommand) -> CliResult {
    match command {}
}

/// Demo section: encrypt `password` for `account` at `now` into an msLAPS-EncryptedPassword value and decrypt it back.
pub(crate) fn demo(_password: &Password, _account: &str, _now: FileTime) -> CliResult {
    println!("(laps-crypto is not implemented yet: encryption is skipped)");
    Ok(())
}
