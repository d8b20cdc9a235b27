//! `cargo xtask diff` and the changes page: two briefs of the shipped study and of a
//! copy with edited ties name `raw/ties.csv` and the moved statistics; identical
//! briefs carry the same evidence; damaged, foreign and attachment-less PDFs are
//! refused with one line; and a study that names its previous brief builds a page
//! listing exactly what the diff lists, byte-identically across runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support;

/// Collapses runs of whitespace so text broken across lines still matches.
fn diff(args: &[&Path]) -> Output {
    support::xtask_command()
        .arg("diff")
        .args(args)
        .output()
        .expect("diff runs")
}

fn json_diff(old: &Path, new: &Path) -> serde_json::Value {
    let out = support::xtask_command()
        .args(["diff", "--format", "json"])
        .arg(old)
        .arg(new)
        .output()
        .expect("diff runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("diff --format json prints JSON")
}

/// A copy of the shipped study whose `survey` wave lost every seventh tie report.
fn edited_study(dir: &Path) {
    let data = support::layout().data();
    fs::create_dir_all(dir.join("raw")).expect("mkdir");
    for f in [
        "study.toml",
        "synth.toml",
        "raw/organisations.csv",
        "raw/excerpts.csv",
    ] {
        fs::copy(data.join(f), dir.join(f)).expect("copy");
    }
    let ties = fs::read_to_string(data.join("raw/ties.csv")).expect("ties");
    let kept: Vec<&str> = ties
        .lines()
        .enumerate()
        .filter(|(i, l)| !(l.starts_with("survey,") && i % 7 == 0))
        .map(|(_, l)| l)
        .collect();
    assert!(
        kept.len() < ties.lines().count(),
        "some reports were dropped"
    );
    fs::write(dir.join("raw/ties.csv"), kept.join("\n") + "\n").expect("write ties");
}

fn tie_count(out: &Path, wave: usize) -> u64 {
    support::stats(out)["waves"][wave]["ties"]
        .as_u64()
        .expect("ties")
}

#[test]
fn diff_names_edited_ties_and_the_moved_statistics_and_same_briefs_agree() {
    let a = tempfile::tempdir().expect("temp dir");
    let b = tempfile::tempdir().expect("temp dir");
    let study = tempfile::tempdir().expect("temp dir");
    edited_study(study.path());
    let old = support::build(None, a.path()).pdfs[0].clone();
    let new = support::build(Some(study.path().to_path_buf()), b.path()).pdfs[0].clone();

    let out = diff(&[&old, &new]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("inputs: different\n  changed  data/raw/ties.csv\n"),
        "{text}"
    );
    assert!(
        text.contains("tools: no change (compared: typst)"),
        "{text}"
    );
    let moved = format!(
        "    waves[survey].ties: {} → {}\n",
        tie_count(a.path(), 1),
        tie_count(b.path(), 1)
    );
    assert!(text.contains(&moved), "{moved:?} not in\n{text}");
    // Groups and headline rows in words: the wave's label, not its id.
    assert!(text.contains("  Network, at the survey ("), "{text}");
    assert!(
        text.contains("  Ties and homophily by population served ("),
        "{text}"
    );
    let headline = format!(
        "  Collaboration ties, at the survey: {} → {}\n",
        tie_count(a.path(), 1),
        tie_count(b.path(), 1)
    );
    assert!(text.contains(&headline), "{headline:?} not in\n{text}");
    assert!(text.ends_with("old and new differ\n"), "{text}");
    // The order the brief asks for: inputs, files, tools, statistics.
    let at = |s: &str| text.find(s).unwrap_or(usize::MAX);
    assert!(at("inputs:") < at("changed  data/raw/ties.csv"));
    assert!(at("changed  data/raw/ties.csv") < at("tools:"));
    assert!(at("tools:") < at("statistics:"));

    let same = diff(&[&old, &old]);
    let text = String::from_utf8_lossy(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{text}");
    assert!(
        text.contains("inputs: the same")
            && text.ends_with("old and new carry the same evidence\n"),
        "{text}"
    );

    // A build folder's lock, and the study folder itself, read as the brief does.
    let lock = diff(&[&a.path().join("report.lock"), &old]);
    assert_eq!(
        lock.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&lock.stdout),
        String::from_utf8_lossy(&lock.stderr)
    );
    let folder = diff(&[&a.path().join("report.lock"), study.path()]);
    let text = String::from_utf8_lossy(&folder.stdout);
    assert_eq!(folder.status.code(), Some(1), "{text}");
    assert!(
        text.contains("changed  data/raw/ties.csv")
            && text.contains("tools: no change (compared: code, pipeline, typst)"),
        "{text}"
    );
    assert!(text.contains(&moved), "{text}");
}

/// Runs `diff BAD GOOD` and returns its one-line error.
fn refused(bad: &Path, good: &Path) -> String {
    let out = diff(&[bad, good]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{}: {err}", bad.display());
    assert!(out.stdout.is_empty(), "nothing printed on stdout");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let prefix = format!("error: {}: ", bad.display());
    assert!(err.starts_with(&prefix), "{err}");
    err
}

#[test]
fn damaged_foreign_and_attachment_less_pdfs_cannot_be_compared() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    let (brief, deck) = (&outcome.pdfs[0], &outcome.pdfs[1]);
    let bytes = fs::read(brief).expect("brief");
    let put = |name: &str, b: &[u8]| -> PathBuf {
        let p = dir.path().join(name);
        fs::write(&p, b).expect("write");
        p
    };

    let truncated = put("truncated.pdf", &bytes[..bytes.len() / 2]);
    assert!(refused(&truncated, brief).contains("not a readable PDF"));
    let text = put("notes.pdf", b"minutes of the meeting\n");
    assert!(refused(&text, brief).contains("not a readable PDF"));

    assert!(
        refused(deck, brief)
            .contains("a PDF made by this project but without its stats.public.json attachment")
    );
    let stripped = dir.path().join("stripped.pdf");
    support::without_attachment(brief, "stats.public.json", &stripped);
    assert!(refused(&stripped, brief).contains("without its stats.public.json attachment"));

    // The same PDF without the document information that names this project.
    let foreign = dir.path().join("foreign.pdf");
    support::without_document_info(brief, &foreign);
    assert!(refused(&foreign, brief).contains("a PDF this project did not make"));

    assert!(refused(&dir.path().join("missing.pdf"), brief).contains("cannot be read"));
}

/// The shipped study edited, as version 1.1.0 that keeps `previous` as its previous
/// brief.
fn next_version(dir: &Path, previous: &Path) {
    edited_study(dir);
    fs::create_dir_all(dir.join("previous")).expect("mkdir");
    fs::copy(previous, dir.join("previous/brief.pdf")).expect("copy the previous brief");
    let toml = fs::read_to_string(dir.join("study.toml")).expect("study.toml");
    let toml = toml
        .replacen("version = \"1.0.0\"", "version = \"1.1.0\"", 1)
        .replacen(
            "created = \"2017-01-17\"",
            "created = \"2017-03-01\"\nprevious_brief = \"previous/brief.pdf\"",
            1,
        );
    fs::write(dir.join("study.toml"), toml).expect("write study.toml");
}

#[test]
fn the_changes_page_lists_exactly_what_the_diff_lists() {
    let first = tempfile::tempdir().expect("temp dir");
    let previous = support::build(None, first.path()).pdfs[0].clone();
    let study = tempfile::tempdir().expect("temp dir");
    next_version(study.path(), &previous);
    let (one, two) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let built = support::build(Some(study.path().to_path_buf()), one.path());
    support::build(Some(study.path().to_path_buf()), two.path());
    for doc in ["brief.pdf", "deck.pdf"] {
        assert!(
            fs::read(one.path().join(doc)).expect("built")
                == fs::read(two.path().join(doc)).expect("built"),
            "{doc} differs between two runs"
        );
    }

    let changes = json_diff(&study.path().join("previous/brief.pdf"), &built.pdfs[0]);
    let brief = support::squash(&support::pdf_text(&built.pdfs[0]));
    let page = &brief[brief
        .find("What changed since version 1.0.0 (2017-01-17) This brief")
        .expect("the changes page, titled by the previous version and date")..];
    let page = &page[..page
        .find("Background")
        .expect("the page ends before Background")];

    assert_eq!(changes["previous_brief"], "data/previous/brief.pdf");
    assert!(
        page.contains("kept with the study as data/previous/brief.pdf"),
        "{page}"
    );
    let listed = |key: &str| -> Vec<String> {
        changes["inputs"][key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|p| p.as_str().expect("a path").to_owned())
            .collect()
    };
    assert_eq!(listed("changed"), ["data/raw/ties.csv", "data/study.toml"]);
    assert!(listed("added").is_empty() && listed("removed").is_empty());
    assert_eq!(page.matches("• changed: ").count(), 2, "{page}");
    for path in listed("changed") {
        assert!(
            page.contains(&format!("• changed: {path}")),
            "{path}: {page}"
        );
    }
    assert!(
        page.contains("Tools. No change (typst compared)."),
        "{page}"
    );

    let moved = changes["moved"].as_u64().expect("a count");
    let mut counts = Vec::new();
    for g in changes["groups"].as_array().expect("groups") {
        let text = g["text"].as_str().expect("the title in running text");
        counts.push(format!(
            "{text} ({})",
            g["statistics"].as_array().expect("list").len()
        ));
    }
    // The groups in words, "other" split into what it holds.
    for words in [
        "network, at the survey (",
        "ties and homophily by population served (",
        "ties and homophily by organisation type (",
        "change between waves, before the programme → at the survey (",
        "sensitivity checks (",
    ] {
        assert!(
            counts.iter().any(|c| c.starts_with(words)),
            "{words:?} not in {counts:?}"
        );
    }
    let statistics = format!("{moved} statistics moved: {}.", counts.join("; "));
    assert!(page.contains(&statistics), "{statistics:?} not in {page}");

    let headline = changes["headline"].as_array().expect("headline");
    let (old_stats, new_stats) = (support::stats(first.path()), support::stats(one.path()));
    let count = |stats: &serde_json::Value, pointer: &str| {
        stats
            .pointer(pointer)
            .and_then(|v| v.as_f64())
            .expect(pointer)
    };
    let ties = |stats: &serde_json::Value| count(stats, "/waves/1/ties");
    let change = |stats: &serde_json::Value| ties(stats) - count(stats, "/waves/0/ties");
    let share = |stats: &serde_json::Value| {
        count(stats, "/findings/changes/0/dimensions/0/cross_share/change")
    };
    // The summary's numbers, in its order, in words and in its formats: counts whole,
    // a change of a count signed, a share as a percentage, a change of a share in
    // signed percentage points, each with the verdict of its side.
    let rows: Vec<(String, String, String)> = headline
        .iter()
        .map(|h| {
            let s = |k: &str| h[k].as_str().expect("text").to_owned();
            // A statistic that belongs to a finding shows each side's verdict beside it.
            let verdict = |i: usize| {
                h["verdict"]
                    .get(i)
                    .and_then(|v| v.as_str())
                    .map_or(String::new(), |v| format!(" ({v})"))
            };
            (
                s("label"),
                format!("{}{}", s("old_text"), verdict(0)),
                format!("{}{}", s("new_text"), verdict(1)),
            )
        })
        .collect();
    let labels: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Collaboration ties, at the survey",
            "Change in collaboration ties, before the programme → at the survey",
            "Ties per organisation, at the survey",
            "Change in ties per organisation, before the programme → at the survey",
            "Share of ties crossing categories of population served, at the survey",
            "Change in the share of ties crossing categories of population served, before the programme → at the survey",
            "New ties, before the programme → at the survey",
            "Share of new ties crossing categories of population served, before the programme → at the survey",
            "E-I index by population served, at the survey",
        ],
        "the headline rows of the summary, in its order"
    );
    let row = |label: &str, old: String, new: String| (label.to_owned(), old, new);
    let points = |x: f64| format!("+{:.0} points (increased)", x * 100.0);
    for expected in [
        row(
            labels[0],
            format!("{}", ties(&old_stats)),
            format!("{}", ties(&new_stats)),
        ),
        row(
            labels[1],
            format!("+{} (increased)", change(&old_stats)),
            format!("+{} (increased)", change(&new_stats)),
        ),
        row(
            labels[5],
            points(share(&old_stats)),
            points(share(&new_stats)),
        ),
    ] {
        assert!(rows.contains(&expected), "{expected:?} not in {rows:?}");
    }
    assert!(
        rows[4].1.ends_with("% (more within than chance)"),
        "{rows:?}"
    );
    // `cargo xtask diff` prints the same rows in the same words and formats.
    let text = String::from_utf8_lossy(
        &diff(&[&study.path().join("previous/brief.pdf"), &built.pdfs[0]]).stdout,
    )
    .into_owned();
    let mut lines = vec![format!("headline numbers: {} moved", rows.len())];
    lines.extend(rows.iter().map(|(l, o, n)| format!("  {l}: {o} → {n}")));
    assert!(
        text.contains(&(lines.join("\n") + "\n")),
        "{lines:?} not in\n{text}"
    );
    // No internal id reaches the page.
    for id in ["->", "org_type", "waves[", "findings."] {
        assert!(!page.contains(id), "{id:?} on the page: {page}");
    }
    let rows: Vec<(String, String)> = rows
        .into_iter()
        .map(|(label, old, new)| (label, format!("{old} {new}")))
        .collect();
    // Each row, whole and in the diff's order.
    let mut at = 0;
    for (label, values) in &rows {
        let row = format!("{label} {values}");
        let found = page[at..]
            .find(&row)
            .unwrap_or_else(|| panic!("row {row:?} missing or out of order: {page}"));
        at += found + row.len();
    }
    assert_eq!(changes["verdicts"].as_array().map(Vec::len), Some(0));
    assert!(page.contains("Verdicts. No verdict changed."), "{page}");

    let deck = support::squash(&support::pdf_text(&built.pdfs[1]));
    assert!(deck.contains("What changed since version 1.0.0 (2017-01-17)"));
    for (label, values) in &rows {
        assert!(
            deck.contains(&format!("{label} {values}")),
            "the slide's table lacks {label:?} {values:?}: {deck}"
        );
    }
    assert!(
        deck.contains(&format!("{moved} statistics moved")),
        "{deck}"
    );
}

#[test]
fn without_a_previous_brief_no_page_and_a_missing_one_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    let brief = support::pdf_text(&outcome.pdfs[0]);
    assert!(!brief.contains("What changed since"));

    let study = tempfile::tempdir().expect("temp dir");
    next_version(study.path(), &outcome.pdfs[0]);
    fs::remove_file(study.path().join("previous/brief.pdf")).expect("remove");
    let target = xtask::build::Target {
        data: study.path().to_path_buf(),
        out: tempfile::tempdir().expect("temp dir").path().join("out"),
        publish: false,
        fresh: false,
    };
    let err =
        xtask::build::build(&support::layout(), &target).expect_err("a missing previous brief");
    assert_eq!(
        format!("{err:#}"),
        "study.toml: previous_brief \"previous/brief.pdf\" names no file of the study folder; expected the previous version's brief.pdf there"
    );
}
