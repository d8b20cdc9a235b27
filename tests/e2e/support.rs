//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::flags::StudyArgs;
use xtask::layout::Layout;

/// The repository's layout.
pub fn layout() -> Layout {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    Layout::at(tests.parent().expect("tests/ is inside the repository"))
}

/// Builds study `data` (default: the shipped one) into `out`.
pub fn build(data: Option<PathBuf>, out: &Path) -> xtask::report::Outcome {
    let args = StudyArgs { data, out: Some(out.to_path_buf()) };
    match xtask::report::build(&layout(), &args) {
        Ok(o) => o,
        Err(e) => panic!("report failed: {e:#}"),
    }
}

/// The text of a PDF, via `pdftotext -layout`.
pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The parsed `stats.json` of an output folder.
pub fn stats(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("stats.json")).expect("stats.json written");
    serde_json::from_str(&text).expect("stats.json parses")
}
