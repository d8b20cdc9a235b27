//! Command-line flags, one struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Regenerate the study's technical brief and slide deck from raw data.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
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
    /// Validate a study and write only its stats.json.
    Stats(StudyArgs),
    /// Print where the pinned Typst is (installing it when missing).
    Typst,
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
    /// Which study and output folder.
    #[command(flatten)]
    pub study: StudyArgs,
}
