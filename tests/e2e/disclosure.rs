//! Disclosure control end to end: what a brief carries when the study has a small
//! group (issue 12). The engine and an independent attack are tested in
//! `pipeline/tests/disclosure.rs`; here the built PDF is read back.

use std::fs;
use std::path::Path;

use crate::support;

/// A copy of the shipped study in which only two organisations serve several key
/// populations: a group below the threshold of 3.
fn study_with_a_small_group() -> tempfile::TempDir {
    let data = support::layout().data();
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join("raw")).expect("mkdir");
    for f in ["study.toml", "raw/ties.csv", "raw/excerpts.csv"] {
        fs::copy(data.join(f), dir.path().join(f)).expect("copy");
    }
    let orgs = fs::read_to_string(data.join("raw/organisations.csv")).expect("organisations");
    let mut kept = 0;
    let rewritten: Vec<String> = orgs
        .lines()
        .map(|line| {
            if line.contains(",multi,") {
                kept += 1;
                if kept > 2 {
                    return line.replacen(",multi,", ",pud,", 1);
                }
            }
            line.to_owned()
        })
        .collect();
    assert!(
        kept > 2,
        "the shipped study has organisations serving several populations"
    );
    fs::write(
        dir.path().join("raw/organisations.csv"),
        rewritten.join("\n") + "\n",
    )
    .expect("write organisations");
    dir
}

#[test]
fn the_brief_attaches_only_public_statistics_with_the_small_group_withheld() {
    let study = study_with_a_small_group();
    let out = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(study.path().to_path_buf()), out.path());
    let brief = &outcome.pdfs[0];
    assert_eq!(
        support::attachments(brief),
        ["brief.inputs.sha256", "stats.public.json"],
        "the full statistics stay with the author"
    );
    let public: serde_json::Value =
        serde_json::from_slice(&support::attachment(brief, "stats.public.json")).expect("JSON");
    let full = support::stats(out.path());
    let population = |v: &serde_json::Value, w: usize| v["waves"][w]["dimensions"][0].clone();
    for w in 0..2 {
        let multi = &population(&public, w)["categories"][3];
        assert_eq!(multi["id"], "multi");
        assert_eq!(population(&full, w)["categories"][3]["n"], 2);
        // Every statistic of the small group is withheld, with its reason.
        for key in [
            "n",
            "ties_sum",
            "mean_ties",
            "sd_ties",
            "internal_ties",
            "external_ties",
            "ei_index",
            "cross_ratio",
            "mean_betweenness",
            "mean_closeness",
        ] {
            assert!(multi[key].is_null(), "wave {w}: {key} = {}", multi[key]);
            assert!(
                multi["withheld"][key].is_string(),
                "wave {w}: no reason for {key}"
            );
        }
        // Its row of the mixing matrix is withheld, and so is the assortativity.
        let mixing = &population(&public, w)["mixing"];
        assert!(
            mixing[3]
                .as_array()
                .expect("row")
                .iter()
                .all(|v| v.is_null()),
            "{mixing}"
        );
        assert!(population(&public, w)["assortativity"].is_null());
        // A second group is hidden so that the small one cannot be worked out from
        // the total.
        let hidden = population(&public, w)["categories"]
            .as_array()
            .expect("categories")
            .iter()
            .filter(|c| c["n"].is_null())
            .count();
        assert!(hidden >= 2, "only {hidden} group hidden in wave {w}");
    }
    // The change of the small group between the waves is withheld too.
    for c in public["findings"]["changes"][0]["dimensions"]
        .as_array()
        .expect("dimensions")
    {
        if c["column"] == "population" {
            let multi = &c["categories"][3];
            assert_eq!(multi["id"], "multi");
            assert!(multi["mean_ties"].is_null(), "{multi}");
        }
    }
    assert_eq!(
        public["tables"]["dimensions"][0]["categories"][3]["shown"],
        "<3"
    );
    // The documents print the protected count.
    let deck = support::pdf_text(&outcome.pdfs[1]);
    assert!(deck.contains("<3"), "the deck does not print <3");
}

#[test]
fn the_full_statistics_are_attached_only_when_the_authors_ask_and_the_brief_says_so() {
    let study = study_with_a_small_group();
    let toml = study.path().join("study.toml");
    let text = fs::read_to_string(&toml).expect("study.toml");
    fs::write(
        &toml,
        text.replacen(
            "synthetic = true",
            "synthetic = true\nattach_full_statistics = true",
            1,
        ),
    )
    .expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(study.path().to_path_buf()), out.path());
    let brief = &outcome.pdfs[0];
    assert_eq!(
        support::attachments(brief),
        ["brief.inputs.sha256", "stats.json", "stats.public.json"]
    );
    let text = support::squash(&support::pdf_text(brief));
    assert!(
        text.contains(
            "request, the full statistics (stats.json, small groups included) are attached"
        ),
        "the provenance page does not say the full statistics are attached"
    );
}

/// Builds `study` with `network_map = "<mode>"` into a fresh folder.
fn build_with_map(study: &Path, mode: &str) -> (tempfile::TempDir, xtask::build::Outcome) {
    let toml = study.join("study.toml");
    let text = fs::read_to_string(&toml).expect("study.toml");
    let text = match text.find("\nnetwork_map = ") {
        Some(_) => text
            .lines()
            .map(|l| {
                if l.starts_with("network_map = ") {
                    format!("network_map = \"{mode}\"")
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        None => text.replacen(
            "synthetic = true",
            &format!("synthetic = true\nnetwork_map = \"{mode}\""),
            1,
        ),
    };
    fs::write(&toml, text).expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(study.to_path_buf()), out.path());
    (out, outcome)
}

#[test]
fn a_study_can_draw_group_level_maps_or_none() {
    let study = study_with_a_small_group();
    let (out, _) = build_with_map(study.path(), "groups");
    let index: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&fs::read(out.path().join("figures/index.json")).expect("index"))
            .expect("JSON");
    let alt = &index["network-survey"];
    assert!(alt.starts_with("Group-level network map"), "{alt}");
    // The small group is one "other" node whose ties are not drawn.
    assert!(!alt.contains("Multiple key populations and"), "{alt}");
    let svg = fs::read_to_string(out.path().join("figures/network-survey.svg")).expect("svg");
    assert!(svg.contains("Other (small groups)"));
    // The deck shows the group map's projection variant, whose text reads at slide size.
    let source = fs::read_to_string(out.path().join("deck.typ")).expect("deck.typ");
    assert!(source.contains("image(\"figures/slide-network-survey.svg\", width: 750pt"));
    let slide = fs::read_to_string(out.path().join("figures/slide-network-survey.svg"))
        .expect("the projected group map");
    assert!(slide.contains("width=\"820\""), "{slide}");
    assert!(
        slide
            .split("font-size=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse::<f64>().ok())
            .all(|px| px >= 18.0)
    );

    let (out, outcome) = build_with_map(study.path(), "off");
    assert!(!out.path().join("figures/network-survey.svg").exists());
    let source = fs::read_to_string(out.path().join("deck.typ")).expect("deck.typ");
    assert!(!source.contains("slide-network"), "{source}");
    let deck = support::pdf_text(&outcome.pdfs[1]);
    assert!(deck.contains("ties among"), "{deck}");
}
