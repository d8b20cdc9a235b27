//! The documents say what their study's data show, in words that fit the study.
//!
//! - The shipped study, where collaboration and crossing grew, and a study generated
//!   from `pipeline/tests/fixtures/declining/synth.toml`, where both fell, give titles
//!   and sentences with the opposite verdicts; the authors' conclusions that need
//!   crossing to have grown are printed for the first and replaced by what the data
//!   show for the second.
//! - A minimal study of another alliance (one wave, one dimension, no vertical
//!   dimension, no grid, one interview, no focus group, a codebook with a challenge
//!   only, no `[narrative]`) builds both PDFs, and their words fit it.
//! - The deck's figures read at 16 pt or more on the slide.

use std::fs;
use std::path::Path;

use pipeline::numfmt;
use pipeline::study::StudyConfig;
use pipeline::synth::{self, Params, Size};

use crate::numbers::squash;
use crate::support;

/// The text of both PDFs of an output folder, whitespace squashed, with the words
/// hyphenated across lines joined again.
fn texts(outcome: &xtask::build::Outcome) -> (String, String) {
    let read = |i: usize| squash(&support::pdf_text(&outcome.pdfs[i])).replace("\u{AD} ", "");
    (read(0), read(1))
}

fn says(doc: &str, text: &str, phrase: &str) {
    assert!(text.contains(phrase), "the {doc} does not say {phrase:?}");
}

fn never_says(doc: &str, text: &str, phrase: &str) {
    assert!(!text.contains(phrase), "the {doc} says {phrase:?}");
}

/// The authors' conclusions of the shipped study.toml that need crossing to have
/// increased (their `requires`), and one that needs nothing.
const NEEDS_CROSSING: &str = "that worked in practice";
const NEEDS_REFERRALS: &str = "most visible in referrals";
const UNCONDITIONAL: &str = "belonging to one movement";

#[test]
fn the_shipped_study_reads_as_growth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    let stats = support::stats(dir.path());
    let ties = &stats["findings"]["changes"][0]["ties"];
    assert_eq!(ties["verdict"], "increased", "the shipped study's premise");
    let (brief, deck) = texts(&outcome);
    let n = |v: &serde_json::Value| numfmt::fixed(v.as_f64().expect("a number"), 0);
    says("brief", &brief, "Collaboration increased.");
    says(
        "brief",
        &brief,
        "Ties across categories of population served increased.",
    );
    says(
        "brief",
        &brief,
        "New ties stayed within categories more than chance would have them.",
    );
    says("brief", &brief, "The authors conclude:");
    says("brief", &brief, NEEDS_CROSSING);
    says("brief", &brief, NEEDS_REFERRALS);
    says("brief", &brief, UNCONDITIONAL);
    never_says("brief", &brief, "not printed");
    // Running text: lower case but for acronyms and the proper noun text_label keeps.
    says(
        "brief",
        &brief,
        "people who use drugs, LGBT people, sex workers and multiple key populations",
    );
    says(
        "brief",
        &brief,
        "local partner, Dutch alliance member and global network",
    );
    says("brief", &brief, "45 interviews and 2 focus groups");
    says(
        "deck",
        &deck,
        &format!(
            "Collaboration increased: {} → {} ties",
            n(&ties["from"]),
            n(&ties["to"])
        ),
    );
    says("deck", &deck, "Ties across population served: increased");
    says(
        "deck",
        &deck,
        "Ties across organisation type: no clear change",
    );
    says("deck", &deck, NEEDS_CROSSING);
    // The sentences the issue quotes are gone.
    for doc in [&brief, &deck] {
        never_says("documents", doc, "organisations of and for");
        never_says("documents", doc, "across organisation types too");
        never_says("documents", doc, "made service delivery work better");
    }
}

/// Generates the declining study into `dir` (study.toml from `data/`).
fn declining_study(dir: &Path) {
    let root = support::layout().root;
    let study = fs::read_to_string(root.join("data/study.toml")).expect("study.toml");
    let params_text = fs::read_to_string(root.join("pipeline/tests/fixtures/declining/synth.toml"))
        .expect("declining fixture");
    let params = Params::parse(&params_text).expect("the fixture parses");
    let config = StudyConfig::parse(&study).expect("study.toml parses");
    let g = synth::generate(&params, &config, Size::default()).expect("generates");
    fs::create_dir_all(dir.join("raw")).expect("mkdir");
    fs::write(dir.join("study.toml"), study).expect("write");
    fs::write(dir.join("raw/organisations.csv"), g.organisations).expect("write");
    fs::write(dir.join("raw/ties.csv"), g.ties).expect("write");
    fs::write(dir.join("raw/excerpts.csv"), g.excerpts).expect("write");
}

#[test]
fn a_declining_study_reads_as_decline() {
    let study = tempfile::tempdir().expect("temp dir");
    declining_study(study.path());
    let out = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(study.path().to_path_buf()), out.path());
    let stats = support::stats(out.path());
    assert_eq!(
        stats["findings"]["changes"][0]["ties"]["verdict"], "decreased",
        "the fixture's premise"
    );
    let (brief, deck) = texts(&outcome);
    says("brief", &brief, "Collaboration decreased.");
    says(
        "brief",
        &brief,
        "Ties across categories of population served decreased.",
    );
    says("deck", &deck, "Collaboration decreased:");
    says("deck", &deck, "Ties across population served: decreased");
    for (doc, text) in [("brief", &brief), ("deck", &deck)] {
        never_says(doc, text, "Collaboration increased");
        never_says(doc, text, NEEDS_CROSSING);
        never_says(doc, text, NEEDS_REFERRALS);
        says(doc, text, UNCONDITIONAL);
        says(
            doc,
            text,
            "Some conclusions of the authors are not printed: they rest on the share of ties across categories of population served having increased, and the data show otherwise: the share decreased",
        );
    }
}

/// A study of another alliance, as small as the documents allow.
const MINIMAL_TOML: &str = r##"schema = 1
title = "Harm reduction partners in one city"
subtitle = "A pilot network study"
short_title = "Harm reduction pilot"
version = "0.1.0"
created = "2021-03-01"
synthetic = true
tie_rule = "union"
permutations = 200
seed = 11
primary_dimension = "service"

[[authors]]
name = "A. Author"
affiliation = "A university"

[event]
name = "A seminar"
place = "A city"
date = "2021-03-02"

[[waves]]
id = "pilot"
label = "In the pilot year"
year = 2020

[[dimensions]]
column = "service"
label = "Main service"
[[dimensions.categories]]
id = "nsp"
label = "Needle and syringe programme"
colour = "#E69F00"
[[dimensions.categories]]
id = "ost"
label = "Opioid substitution therapy"
colour = "#56B4E9"
[[dimensions.categories]]
id = "hiv"
label = "HIV testing"
colour = "#009E73"

[[codebook]]
id = "waiting"
label = "Waiting lists"
kind = "challenge"

[methods]
field_visit_countries = []
observed_meetings = []
"##;

/// Writes the minimal study: twelve organisations, four of each service, nine of them
/// respondents, a ring of ties and a few across, one interview excerpt.
fn minimal_study(dir: &Path) {
    fs::create_dir_all(dir.join("raw")).expect("mkdir");
    fs::write(dir.join("study.toml"), MINIMAL_TOML).expect("write");
    let services = ["nsp", "ost", "hiv"];
    let mut orgs = String::from("org_id,country,service,surveyed,responded\n");
    for i in 0..12 {
        let responded = i < 9;
        orgs.push_str(&format!(
            "P{i:02},Utopia,{},true,{responded}\n",
            services[i % 3]
        ));
    }
    fs::write(dir.join("raw/organisations.csv"), orgs).expect("write");
    let mut ties = String::from("wave,reporter,partner\n");
    for i in 0..9 {
        ties.push_str(&format!("pilot,P{i:02},P{:02}\n", (i + 1) % 12));
        ties.push_str(&format!("pilot,P{i:02},P{:02}\n", (i + 3) % 12));
    }
    fs::write(dir.join("raw/ties.csv"), ties).expect("write");
    fs::write(
        dir.join("raw/excerpts.csv"),
        "excerpt_id,source_id,source_kind,level,country,population,codes,consent,text\n\
         E1,INT-1,interview,local,Utopia,nsp,waiting,true,\"People wait weeks before anyone calls them back.\"\n",
    )
    .expect("write");
}

#[test]
fn a_minimal_study_of_another_alliance_reads_correctly() {
    let study = tempfile::tempdir().expect("temp dir");
    minimal_study(study.path());
    let out = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(study.path().to_path_buf()), out.path());
    let (brief, deck) = texts(&outcome);
    says("brief", &brief, "mapped as a network and 1 interview.");
    says("brief", &brief, "1 semi-structured interview,");
    says(
        "brief",
        &brief,
        "yielding 1 coded excerpt (1 with consent to quote)",
    );
    says(
        "brief",
        &brief,
        "needle and syringe programme, opioid substitution therapy and HIV testing",
    );
    says("brief", &brief, "a single wave shows no change over time");
    says(
        "brief",
        &brief,
        "The only challenge coded was “waiting lists”, raised by 1 source",
    );
    says(
        "deck",
        &deck,
        "1 qualitative interview, with staff from 1 country",
    );
    for (doc, text) in [("brief", &brief), ("deck", &deck)] {
        for absent in [
            "0 focus groups",
            "focus groups,",
            "and 2 focus",
            "vertical",
            "Vertical",
            "organisations of and for",
            "1 interviews",
            "Bridging the Gaps",
            "Dutch",
            "benefit raised",
            "The authors conclude",
            "Research questions",
            "increased",
            "decreased",
            "Every change",
            "interval",
        ] {
            never_says(doc, text, absent);
        }
    }
    // The deck names no focus group at all (the brief's appendix states the theme
    // rule, which says what a source is in general).
    never_says("deck", &deck, "focus group");
    // No section for a vertical dimension, no themes of a kind the codebook lacks.
    never_says("brief", &brief, "Findings by organisation type");
    says("brief", &brief, "Findings by main service");
}

/// Each projection figure the deck places, with the width it is placed at in points.
fn placed_slide_figures(deck_source: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for part in deck_source.split("image(\"").skip(1) {
        let path = part.split('"').next().expect("a path").to_owned();
        let width = part
            .split_once("width: ")
            .and_then(|(_, w)| w.split("pt").next())
            .and_then(|w| w.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{path} is placed without a width in points"));
        out.push((path, width));
    }
    out
}

/// A figure's width in pixels and its smallest text, from its SVG.
fn svg_width_and_smallest_text(svg: &str) -> (f64, f64) {
    let width = svg
        .split("width=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("an svg width");
    let smallest = svg
        .split("font-size=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse::<f64>().ok())
        .fold(f64::INFINITY, f64::min);
    (width, smallest)
}

#[test]
fn the_decks_figures_read_from_the_back_of_the_room() {
    let dir = tempfile::tempdir().expect("temp dir");
    support::build(None, dir.path());
    let source = fs::read_to_string(dir.path().join("deck.typ")).expect("deck.typ");
    let placed = placed_slide_figures(&source);
    assert!(placed.len() >= 8, "{placed:?}");
    for (path, width_pt) in placed {
        assert!(
            path.starts_with("figures/slide-"),
            "the deck shows {path}, not a projection variant"
        );
        let svg = fs::read_to_string(dir.path().join(&path)).expect("svg");
        let (width_px, smallest_px) = svg_width_and_smallest_text(&svg);
        let smallest_pt = smallest_px * width_pt / width_px;
        assert!(
            smallest_pt >= 16.0,
            "{path}: its smallest text is {smallest_pt:.1} pt on the slide"
        );
    }
}
