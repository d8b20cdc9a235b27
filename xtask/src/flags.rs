//! Command-line flags, one struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// Generate the synthetic study from data/synth.toml (or check the committed one).
    Synth(SynthArgs),
    /// Measure the stages of the shipped study and how the pipeline scales (see BENCHMARKS.md).
    Bench(crate::bench::BenchArgs),
    /// Measure one size of the scaling table in this process (used by `bench`).
    #[command(hide = true)]
    BenchOne(crate::bench::BenchOneArgs),
}

/// Where a study is and where its outputs go.
#[derive(Debug, Args, Clone)]
pub struct StudyArgs {
    /// The study folder (holding study.toml and raw/); default: the shipped study in data/.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The output folder; default: target/report for the shipped study.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Flags of `report`.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// A study folder (holding study.toml and raw/); repeat the flag to build several
    /// studies in parallel, each into `<out>/<folder name>/`. Default: data/.
    #[arg(long, value_name = "DIR")]
    pub data: Vec<PathBuf>,
    /// The output folder; default: target/report.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Flags of `synth`.
#[derive(Debug, Args, Clone)]
pub struct SynthArgs {
    /// The generator's parameters; default: data/synth.toml.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// The study whose dimensions, waves and codebook are followed; default: data/study.toml.
    #[arg(long, value_name = "FILE")]
    pub study: Option<PathBuf>,
    /// Where to write: a folder named `raw` receives the three CSV files; any other
    /// folder becomes a complete study (study.toml and raw/). Default: data/raw.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Compare the generated files with those on disk instead of writing them; exit 1
    /// naming each file that differs.
    #[arg(long)]
    pub check: bool,
    /// Scaled study: this many organisations (surveyed and responding in proportion).
    #[arg(long, value_name = "N")]
    pub orgs: Option<usize>,
    /// Scaled study: this many tie reports over all waves.
    #[arg(long, value_name = "M")]
    pub ties: Option<usize>,
}

/// Flags of `verify`.
#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// Only check the inputs against inputs.sha256 and report.lock (no build).
    #[arg(long)]
    pub inputs: bool,
    /// Instead of rebuilding, say whether this PDF is one report.lock records.
    #[arg(value_name = "PDF")]
    pub pdf: Option<PathBuf>,
}
