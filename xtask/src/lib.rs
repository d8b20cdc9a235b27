//! The side-effecting edge of the pipeline: files, processes, the terminal.
//!
//! `pipeline` computes; this crate reads the study and templates from disk, runs the
//! pinned Typst CLI, and writes every output atomically. Nothing here computes a
//! statistic.

pub mod bench;
pub mod build;
pub mod diff;
pub mod flags;
pub mod fsio;
pub mod layout;
pub mod outdir;
pub mod plan;
pub mod progress;
pub mod report;
pub mod runner;
pub mod settings;
pub mod stages;
pub mod stats;
pub mod status;
pub mod synth;
pub mod typst;
pub mod verify;

use std::process::ExitCode;

use crate::flags::{Cli, Command};

pub use crate::settings::{THREADS_VAR, threads};

/// The whole command line: parses `std::env::args`, runs, prints any error with its
/// context chain, and returns the exit code (0 ok, 1 verification mismatch or
/// differences found, 2 error).
pub fn main_entry() -> ExitCode {
    use clap::Parser;
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs one subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Typst = cli.command {
        // Needs no repository.
        let t = typst::Typst::ensure()?;
        println!("{} ({})", t.path().display(), t.version());
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Diff(args) = &cli.command {
        // Two PDFs need no repository; a study folder finds it itself.
        return diff::diff(args);
    }
    let layout = layout::Layout::find()?;
    match cli.command {
        Command::Report(args) => report::report_many(&layout, &args)?,
        Command::Status(args) => {
            status::print_status(&status::status(&layout, &args)?);
        }
        Command::Stats(args) => {
            stats::stats_only(&layout, &args)?;
        }
        Command::Synth(args) => return synth::synth(&layout, &args),
        Command::Bench(args) => return bench::bench(&layout, &args),
        Command::BenchOne(args) => return bench::bench_one(&layout, &args),
        Command::Verify(args) => return verify::verify(&layout, &args),
        Command::Typst | Command::Diff(_) => {}
    }
    Ok(ExitCode::SUCCESS)
}
