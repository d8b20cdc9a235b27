//! Architecture invariants checked as tests: the pure crate does no I/O and reads no
//! clock or environment, and every source file says what it is for.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .expect("listable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_pipeline_crate_does_no_io_and_reads_no_clock() {
    let mut files = Vec::new();
    rust_files(&support::layout().root.join("pipeline/src"), &mut files);
    assert!(!files.is_empty());
    let banned = [
        "std::fs",
        "std::process",
        "std::env",
        "SystemTime",
        "Instant::now",
        "std::net",
        "HashMap",
        "HashSet",
    ];
    for f in &files {
        let text = fs::read_to_string(f).expect("readable");
        // Comments may name what the code avoids.
        let code: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        for b in banned {
            assert!(
                !code.iter().any(|l| l.contains(b)),
                "{} uses {b}; pipeline/ must stay pure and ordered",
                f.display()
            );
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let root = support::layout().root;
    let mut files = Vec::new();
    for dir in ["pipeline/src", "pipeline/tests", "xtask/src", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    for f in &files {
        let text = fs::read_to_string(f).expect("readable");
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! line saying what it does",
            f.display()
        );
    }
}
