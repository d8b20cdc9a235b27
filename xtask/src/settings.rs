//! The environment variables that tune a run, read in one place: the thread count
//! (`BTG_THREADS`), an explicit Typst (`BTG_TYPST`) and the tool cache
//! (`BTG_CACHE_DIR`). None of them changes an output's bytes.

use std::path::PathBuf;

/// Variable that sets how many threads the statistics may use (default: the machine's
/// available parallelism). Outputs do not depend on it; tests vary it to check that.
pub const THREADS_VAR: &str = "BTG_THREADS";

/// Variable naming the Typst binary to use, instead of looking it up.
pub const TYPST_VAR: &str = "BTG_TYPST";

/// Variable naming the per-user tool cache (where Typst is installed).
pub const CACHE_VAR: &str = "BTG_CACHE_DIR";

/// How many threads the pipeline may use: `BTG_THREADS` when set to a positive number,
/// else the machine's available parallelism. The pipeline never reads this itself.
pub fn threads() -> usize {
    std::env::var(THREADS_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(machine_threads)
}

/// The machine's available parallelism (at least 1).
pub fn machine_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `BTG_TYPST`, when set and not empty.
pub fn typst_override() -> Option<PathBuf> {
    std::env::var_os(TYPST_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `BTG_CACHE_DIR`, when set and not empty.
pub fn cache_override() -> Option<PathBuf> {
    std::env::var_os(CACHE_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
