//! `cargo xtask`: the project's command line (see `xtask::main_entry`).

fn main() -> std::process::ExitCode {
    xtask::main_entry()
}
