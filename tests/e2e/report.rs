//! `cargo xtask report` on the shipped study: both PDFs, their content, their bytes.

use std::fs;

use crate::support;

#[test]
fn shipped_study_builds_both_pdfs_with_the_response_rate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    assert_eq!(outcome.pdfs.len(), 2);
    for pdf in &outcome.pdfs {
        let bytes = fs::read(pdf).expect("pdf written");
        assert!(
            bytes.starts_with(b"%PDF-"),
            "{} is not a PDF",
            pdf.display()
        );
        assert!(
            String::from_utf8_lossy(&bytes).contains("Typst 0.15.1"),
            "creator is the pinned Typst"
        );
    }
    let stats = support::stats(dir.path());
    let rate = stats["survey"]["response_rate"]
        .as_f64()
        .expect("response rate");
    let shown = pipeline::numfmt::percent(rate);
    for pdf in &outcome.pdfs {
        let text = support::pdf_text(pdf);
        assert!(
            text.contains(&shown),
            "{} does not show the response rate {shown}",
            pdf.display()
        );
        assert!(
            text.contains("SYNTHETIC DATA"),
            "{} lacks the synthetic-data mark",
            pdf.display()
        );
    }
}

#[test]
fn two_runs_give_identical_bytes() {
    let a = tempfile::tempdir().expect("temp dir");
    let b = tempfile::tempdir().expect("temp dir");
    support::build(None, a.path());
    support::build(None, b.path());
    for name in [
        "stats.json",
        "brief.typ",
        "deck.typ",
        "brief.pdf",
        "deck.pdf",
    ] {
        let x = fs::read(a.path().join(name)).expect("first run wrote it");
        let y = fs::read(b.path().join(name)).expect("second run wrote it");
        assert!(x == y, "{name} differs between two runs");
    }
}
