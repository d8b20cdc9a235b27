//! Reviewers' checks: manifests, `verify`, tampering, identifying a PDF.

use std::fs;

use pipeline::lock::{Lock, Status};
use pipeline::manifest;
use xtask::layout::Layout;
use xtask::verify;

use crate::support;

fn lock_of(layout: &Layout) -> Lock {
    let text = fs::read_to_string(layout.lock()).expect("report.lock is committed");
    Lock::parse(&text).expect("report.lock parses")
}

#[test]
fn committed_inputs_match_the_manifest_and_the_lock() {
    let layout = support::layout();
    let lines = verify::check_inputs(&layout, &lock_of(&layout)).expect("checks run");
    let bad: Vec<_> = lines.iter().filter(|l| l.status != Status::Ok).collect();
    assert!(
        bad.is_empty(),
        "inputs.sha256 / report.lock are stale: {bad:?}\nhint: run `cargo xtask report` and commit the result"
    );
}

#[test]
fn cargo_xtask_verify_passes_on_the_repository() {
    let out = support::xtask_command()
        .arg("verify")
        .output()
        .expect("verify runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "verify failed:\n{stdout}\n{}\nhint: run `cargo xtask report` and commit report.lock, inputs.sha256 and figures/",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("verified"), "{stdout}");
}

#[test]
fn tampering_with_any_input_byte_is_detected_and_named() {
    let repo = support::scratch_repo();
    let layout = Layout::at(repo.path());
    let lock = lock_of(&layout);
    let text = fs::read_to_string(layout.inputs_manifest()).expect("manifest");
    let entries = manifest::parse(&text).expect("manifest parses");
    assert!(
        entries.len() >= 10,
        "the manifest lists the study, templates and fonts"
    );
    for e in &entries {
        let path = repo.path().join(&e.path);
        let original = support::tamper(&path);
        let lines = verify::check_inputs(&layout, &lock).expect("checks run");
        let named = lines
            .iter()
            .any(|l| l.name == e.path && l.status == Status::Differs);
        assert!(named, "a flipped byte in {} was not reported", e.path);
        fs::write(&path, original).expect("restore");
    }
    // And the manifest itself, against the lock.
    let original = support::tamper(&layout.inputs_manifest());
    let lines = verify::check_inputs(&layout, &lock).expect("checks run");
    assert!(
        lines
            .iter()
            .any(|l| l.name == "inputs.sha256" && l.status != Status::Ok)
    );
    fs::write(layout.inputs_manifest(), original).expect("restore");
}

#[test]
fn tampering_with_any_output_byte_is_detected_and_named() {
    let repo = support::scratch_repo();
    let layout = Layout::at(repo.path());
    let outcome = support::build_in(&layout, None, &layout.build());
    let lock = outcome.lock;
    let mut checked = 0;
    for (name, _) in lock.derived.iter().chain(lock.outputs.iter()) {
        let path = layout.build().join(name);
        let original = support::tamper(&path);
        let lines = verify::check_build_folder(&layout, &lock);
        let shown = format!("target/report/{name}");
        assert!(
            lines
                .iter()
                .any(|l| l.name == shown && l.status == Status::Differs),
            "a flipped byte in {shown} was not reported"
        );
        fs::write(&path, original).expect("restore");
        checked += 1;
    }
    assert!(
        checked >= 5,
        "stats.json, figures, two sources and two PDFs are recorded"
    );
    for (name, _) in lock
        .derived
        .iter()
        .filter(|(n, _)| n.starts_with("figures/"))
    {
        let path = layout.root.join(name);
        fs::write(
            &path,
            fs::read(layout.build().join(name)).expect("built figure"),
        )
        .expect("copy");
        let original = support::tamper(&path);
        let lines = verify::check_committed_figures(&layout, &lock);
        assert!(
            lines
                .iter()
                .any(|l| &l.name == name && l.status == Status::Differs),
            "{name}"
        );
        fs::write(&path, original).expect("restore");
    }
}

#[test]
fn a_pdf_is_identified_by_the_lock_and_by_its_metadata() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    let brief = dir.path().join("brief.pdf");
    assert!(verify::identify_pdf(&outcome.lock, &brief).expect("reads"));
    let bytes = fs::read(&brief).expect("pdf");
    let claimed = verify::claimed_digest(&bytes).expect("the PDF names its inputs");
    assert_eq!(
        Some(&claimed),
        outcome.lock.inputs.get("brief.inputs.sha256")
    );
    support::tamper(&brief);
    assert!(!verify::identify_pdf(&outcome.lock, &brief).expect("reads"));
}

#[test]
fn verify_exits_with_one_on_a_mismatch_and_zero_when_clean() {
    let repo = support::scratch_repo();
    let layout = Layout::at(repo.path());
    let only_inputs = xtask::verify::VerifyArgs {
        inputs: true,
        pdf: None,
    };
    let code = |layout: &Layout| {
        format!(
            "{:?}",
            verify::verify(layout, &only_inputs).expect("verify runs")
        )
    };
    assert_eq!(
        code(&layout),
        format!("{:?}", std::process::ExitCode::SUCCESS)
    );
    support::tamper(&layout.data().join("raw/ties.csv"));
    assert_eq!(
        code(&layout),
        format!("{:?}", std::process::ExitCode::from(1))
    );
    // No lock at all: verification cannot run, an error (exit code 2 at the CLI).
    fs::remove_file(layout.lock()).expect("lock exists");
    assert!(verify::verify(&layout, &only_inputs).is_err());
}
