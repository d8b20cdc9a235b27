//! `cargo xtask`: the project's command line. Parses arguments, dispatches to the
//! library, and maps the outcome to an exit code (0 ok, 1 verification mismatch,
//! 2 could not run).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = xtask::flags::Cli::parse();
    match xtask::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
