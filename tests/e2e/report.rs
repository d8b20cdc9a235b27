//! `cargo xtask report` on the shipped study: both PDFs, their content, their bytes.

use std::fs;
use std::path::Path;

use crate::support;

#[test]
fn shipped_study_builds_both_pdfs_with_the_response_rate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    assert_eq!(outcome.pdfs.len(), 2);
    assert_eq!(
        outcome.typst_warnings,
        Vec::<String>::new(),
        "Typst compiles both documents without warnings"
    );
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
    // Every file of the two output folders, the hidden build records included (Typst's
    // list of what it read once named its random temporary output).
    let files = |root: &Path| -> Vec<(String, Vec<u8>)> {
        walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.expect("readable output folder"))
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                (rel, fs::read(e.path()).expect("readable output"))
            })
            .collect()
    };
    let (x, y) = (files(a.path()), files(b.path()));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&x), names(&y), "the two runs wrote different files");
    for name in [
        ".brief.deps.json",
        "stats.json",
        "brief.pdf",
        "deck.pdf",
        "report.lock",
    ] {
        assert!(
            names(&x).iter().any(|n| n == name),
            "{name} was not written"
        );
    }
    for ((name, x), (_, y)) in x.iter().zip(&y) {
        assert!(x == y, "{name} differs between two runs");
    }
}

#[test]
fn a_study_with_other_dimensions_runs_through_the_whole_pipeline() {
    let fixture = support::layout()
        .root
        .join("pipeline/tests/fixtures/other-dimensions");
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(fixture.clone()), dir.path());
    let config = fs::read_to_string(fixture.join("study.toml")).expect("fixture config");
    let config = pipeline::study::StudyConfig::parse(&config).expect("fixture config parses");
    let brief = support::pdf_text(&outcome.pdfs[0]);
    for d in &config.dimensions {
        assert!(
            brief.contains(&d.label),
            "the brief does not show dimension {:?}",
            d.label
        );
    }
    let deck = support::pdf_text(&outcome.pdfs[1]);
    assert!(
        deck.contains(&config.primary().categories[0].label),
        "the deck shows the primary categories"
    );
}

#[test]
fn bad_input_reports_every_problem_and_leaves_earlier_outputs_untouched() {
    let study = tempfile::tempdir().expect("temp dir");
    let data = support::layout().data();
    fs::create_dir_all(study.path().join("raw")).expect("mkdir");
    for f in [
        "study.toml",
        "raw/organisations.csv",
        "raw/ties.csv",
        "raw/excerpts.csv",
    ] {
        fs::copy(data.join(f), study.path().join(f)).expect("copy");
    }
    let out = tempfile::tempdir().expect("temp dir");
    let first = support::build(Some(study.path().to_path_buf()), out.path()).lock;
    let snapshot = |names: &[&str]| -> Vec<Vec<u8>> {
        names
            .iter()
            .map(|n| fs::read(out.path().join(n)).expect("output"))
            .collect()
    };
    let names = [
        "stats.json",
        "brief.typ",
        "deck.typ",
        "brief.pdf",
        "deck.pdf",
        "report.lock",
    ];
    let before = snapshot(&names);

    // Two problems on two lines: an undeclared wave and an unknown organisation.
    let orgs = fs::read_to_string(study.path().join("raw/organisations.csv")).expect("orgs");
    let respondent = orgs
        .lines()
        .find(|l| l.ends_with(",true,true"))
        .and_then(|l| l.split(',').next())
        .expect("a respondent")
        .to_owned();
    let ties = study.path().join("raw/ties.csv");
    let mut text = fs::read_to_string(&ties).expect("ties");
    text.push_str(&format!(
        "later,{respondent},ORG-002\nsurvey,{respondent},NOPE-9\n"
    ));
    fs::write(&ties, text).expect("write");
    let lines = fs::read_to_string(&ties).expect("ties").lines().count();
    let run = support::xtask_command()
        .args(["report", "--data"])
        .arg(study.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2), "bad input exits with 2");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("the study has 2 problems"), "{stderr}");
    assert!(
        stderr.contains(&format!("raw/ties.csv:{}:1: wave \"later\" is not declared in study.toml; expected one of: before, survey", lines - 1)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("raw/ties.csv:{lines}:")) && stderr.contains("\"NOPE-9\""),
        "{stderr}"
    );
    assert_eq!(
        snapshot(&names),
        before,
        "a failed run changed an earlier output"
    );
    assert_eq!(first.outputs.len(), 2);
}

#[test]
fn several_studies_build_in_parallel_each_into_its_own_folder() {
    let layout = support::layout();
    let out = tempfile::tempdir().expect("temp dir");
    let run = support::xtask_command()
        .arg("report")
        .arg("--data")
        .arg(layout.data())
        .arg("--data")
        .arg(layout.root.join("pipeline/tests/fixtures/other-dimensions"))
        .arg("--out")
        .arg(out.path())
        .env("CI", "true")
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(
        log.contains("[1/2] built") && log.contains("[2/2] built"),
        "plain progress lines: {log}"
    );
    for study in ["data", "other-dimensions"] {
        for doc in ["brief.pdf", "deck.pdf", "report.lock"] {
            assert!(
                out.path().join(study).join(doc).is_file(),
                "{study}/{doc} missing"
            );
        }
    }
}

#[test]
fn the_staged_build_equals_the_one_call_pure_derivation() {
    let layout = support::layout();
    let dir = tempfile::tempdir().expect("temp dir");
    support::build(None, dir.path());
    let inputs = xtask::fsio::Inputs::read(&layout.data(), &layout.report()).expect("inputs");
    let provenance = pipeline::Provenance::new(
        env!("CARGO_PKG_VERSION"),
        xtask::typst::TYPST_VERSION,
        &inputs.entries(),
    );
    let templates = inputs.templates().expect("templates");
    let files = inputs.study().expect("the study's files");
    let derived = pipeline::derive(files, None, &templates, &provenance, 2).expect("derives");
    let read = |name: &str| fs::read_to_string(dir.path().join(name)).expect("written");
    assert_eq!(derived.stats_json, read("stats.json"));
    for (stem, text) in &derived.sources {
        assert!(
            *text == read(&format!("{stem}.typ")),
            "{stem}.typ differs between the staged build and derive"
        );
    }
    for fig in &derived.figures {
        assert!(
            fig.svg == read(&format!("figures/{}.svg", fig.name)),
            "{} differs",
            fig.name
        );
    }
}
