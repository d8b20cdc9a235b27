//! The side-effecting edge of the pipeline: files, processes, the terminal.
//!
//! `pipeline` computes; this crate reads the study and templates from disk, runs the
//! pinned Typst CLI, and writes every output atomically. Nothing here computes a
//! statistic.

pub mod bench;
pub mod flags;
pub mod fsio;
pub mod layout;
pub mod plan;
pub mod progress;
pub mod report;
pub mod stages;
pub mod synth;
pub mod typst;
pub mod verify;

use std::process::ExitCode;

use crate::flags::{Cli, Command};

/// Variable that sets how many threads the statistics may use (default: the machine's
/// available parallelism). Outputs do not depend on it; tests vary it to check that.
pub const THREADS_VAR: &str = "BTG_THREADS";

/// How many threads the pipeline may use: `BTG_THREADS` when set to a positive number,
/// else the machine's available parallelism. The pipeline never reads this itself.
pub fn threads() -> usize {
    std::env::var(THREADS_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The whole command line: parses `std::env::args`, runs, prints any error with its
/// context chain, and returns the exit code (0 ok, 1 verification mismatch, 2 error).
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
    let layout = layout::Layout::from_manifest_dir();
    match cli.command {
        Command::Report(args) => report::report_many(&layout, &args)?,
        Command::Status(args) => {
            report::print_status(&report::status(&layout, &args)?);
        }
        Command::Stats(args) => {
            report::stats_only(&layout, &args)?;
        }
        Command::Synth(args) => return synth::synth(&layout, &args),
        Command::Bench(args) => return bench::bench(&layout, &args),
        Command::BenchOne(args) => return bench::bench_one(&layout, &args),
        Command::Verify(args) => return verify::verify(&layout, &args),
        Command::Typst => {
            let t = typst::Typst::ensure()?;
            println!("{} ({})", t.path().display(), t.version());
        }
    }
    Ok(ExitCode::SUCCESS)
}
