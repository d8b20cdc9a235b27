//! The command line: the subcommands, assembled from the flags each command module
//! owns (so this module depends on the commands, never the other way round).

use clap::{Parser, Subcommand};

use crate::bench::{BenchArgs, BenchOneArgs};
use crate::build::StudyArgs;
use crate::diff::DiffArgs;
use crate::report::ReportArgs;
use crate::synth::SynthArgs;
use crate::verify::VerifyArgs;

/// Regenerate the study's technical brief and slide deck from raw data.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the study, derive statistics and figures, and compile brief.pdf and deck.pdf.
    Report(ReportArgs),
    /// List each stage of a report build as up to date or stale, and why (runs nothing).
    Status(StudyArgs),
    /// Validate a study and write only its stats.json.
    Stats(StudyArgs),
    /// Print where the pinned Typst is (installing it when missing).
    Typst,
    /// Check that the committed inputs give exactly the outputs in report.lock.
    /// Exit code 0: all match; 1: something differs; 2: could not run.
    Verify(VerifyArgs),
    /// Say what changed between two editions: each a brief PDF, a report.lock or a study folder.
    /// Exit code 0: same evidence; 1: differences; 2: could not compare.
    Diff(DiffArgs),
    /// Generate the synthetic study from data/synth.toml (or check the committed one).
    Synth(SynthArgs),
    /// Measure the stages of the shipped study and how the pipeline scales (see BENCHMARKS.md).
    Bench(BenchArgs),
    /// Measure one size of the scaling table in this process (used by `bench`).
    #[command(hide = true)]
    BenchOne(BenchOneArgs),
}
