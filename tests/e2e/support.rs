//! Helpers shared by the end-to-end tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::build::Target;
use xtask::layout::Layout;

/// The repository's layout.
pub fn layout() -> Layout {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    Layout::at(tests.parent().expect("tests/ is inside the repository"))
}

/// Builds study `data` (default: the shipped one) into `out`, publishing nothing.
pub fn build(data: Option<PathBuf>, out: &Path) -> xtask::build::Outcome {
    build_in(&layout(), data, out)
}

/// Builds with an explicit repository layout.
pub fn build_in(layout: &Layout, data: Option<PathBuf>, out: &Path) -> xtask::build::Outcome {
    let target = Target {
        data: data.unwrap_or_else(|| layout.data()),
        out: out.to_path_buf(),
        publish: false,
        fresh: false,
    };
    match xtask::build::build(layout, &target) {
        Ok(o) => o,
        Err(e) => panic!("report failed: {e:#}"),
    }
}

/// The command line as a real process.
pub fn xtask_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask-under-test"))
}

/// The text of a PDF, via `pdftotext -layout`.
pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The parsed `stats.json` of an output folder.
pub fn stats(out: &Path) -> serde_json::Value {
    let text = fs::read_to_string(out.join("stats.json")).expect("stats.json written");
    serde_json::from_str(&text).expect("stats.json parses")
}

/// A copy of everything `report` and `verify` read from the repository, in a fresh
/// temporary folder, so a test may damage it.
pub fn scratch_repo() -> tempfile::TempDir {
    let src = layout().root;
    let dst = tempfile::tempdir().expect("temp dir");
    for rel in [
        "data",
        "report",
        "figures",
        "inputs.sha256",
        "report.lock",
        "Cargo.lock",
        "Cargo.toml",
        "pipeline/Cargo.toml",
        "pipeline/src",
        "xtask/Cargo.toml",
        "xtask/src",
    ] {
        copy(&src.join(rel), &dst.path().join(rel));
    }
    dst
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).expect("mkdir");
        let mut entries: Vec<_> = fs::read_dir(from)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for e in entries {
            copy(&e, &to.join(e.file_name().expect("name")));
        }
    } else {
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::copy(from, to).unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
    }
}

/// Flips one byte in the middle of a file and returns the original bytes.
pub fn tamper(path: &Path) -> Vec<u8> {
    let original = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut bytes = original.clone();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    fs::write(path, &bytes).expect("write tampered");
    original
}
