//! The side-effecting edge of the pipeline: files, processes, the terminal.
//!
//! `pipeline` computes; this crate reads the study and templates from disk, runs the
//! pinned Typst CLI, and writes every output atomically. Nothing here computes a
//! statistic.

pub mod flags;
pub mod fsio;
pub mod layout;
pub mod report;
pub mod typst;

use std::process::ExitCode;

use crate::flags::{Cli, Command};

/// Runs one subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let layout = layout::Layout::from_manifest_dir();
    match cli.command {
        Command::Report(args) => {
            report::report(&layout, &args.study)?;
        }
        Command::Stats(args) => {
            report::stats_only(&layout, &args)?;
        }
        Command::Typst => {
            let t = typst::Typst::ensure()?;
            println!("{} ({})", t.path().display(), t.version());
        }
    }
    Ok(ExitCode::SUCCESS)
}
