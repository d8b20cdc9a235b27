//! The `cargo xtask` command line, built inside the test package so the end-to-end
//! tests can run it as a real process (`CARGO_BIN_EXE_xtask-under-test`).

fn main() -> std::process::ExitCode {
    xtask::main_entry()
}
