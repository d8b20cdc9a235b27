//! Figure tests on a small hand-made study with one category below the suppression
//! threshold in each drawn dimension, on a large generated network, and on the
//! shipped study.

use super::*;
use crate::model::{Excerpt, Level, Org, Report, SourceKind};
use crate::study::StudyConfig;

/// The colour of the `tiny` population (two organisations): it must never be drawn.
const TINY_COLOUR: &str = "#123456";
/// The colour of the `rare` organisation type (one organisation).
const RARE_COLOUR: &str = "#654321";

fn config(permutations: u32) -> StudyConfig {
    let text = format!(
        r##"
schema = 1
title = "t"
subtitle = "s"
short_title = "t"
version = "1"
created = "2017-01-17"
synthetic = true
suppression_threshold = 3
tie_rule = "union"
permutations = {permutations}
seed = 7
primary_dimension = "population"
vertical_dimension = "org_type"

[[authors]]
name = "A"
affiliation = "B"

[event]
name = "E"
place = "P"
date = "2017-01-17"

[[waves]]
id = "before"
label = "Before the programme"
year = 2011

[[waves]]
id = "after"
label = "At the survey"
year = 2016

[[dimensions]]
column = "population"
label = "Population served"
[[dimensions.categories]]
id = "pud"
label = "People who use drugs"
colour = "#E69F00"
[[dimensions.categories]]
id = "lgbt"
label = "LGBT people"
colour = "#56B4E9"
[[dimensions.categories]]
id = "sw"
label = "Sex workers"
colour = "#009E73"
[[dimensions.categories]]
id = "tiny"
label = "A very small group with a rather long label"
colour = "{TINY_COLOUR}"

[[dimensions]]
column = "org_type"
label = "Organisation type"
[[dimensions.categories]]
id = "local"
label = "Local partner"
colour = "#0072B2"
[[dimensions.categories]]
id = "global"
label = "Global network"
colour = "#D55E00"
[[dimensions.categories]]
id = "rare"
label = "Rare type"
colour = "{RARE_COLOUR}"

[[codebook]]
id = "silos"
label = "Working in silos"
kind = "challenge"

[[codebook]]
id = "movement"
label = "Belonging to a movement"
kind = "benefit"

[[codebook]]
id = "early_roles"
label = "Explore roles and hats at the start of a collaboration"
kind = "recommendation"

[methods]
field_visit_countries = ["X"]
observed_meetings = []
"##
    );
    StudyConfig::parse(&text).expect("test config parses")
}

fn org(i: usize, population: usize, org_type: usize) -> Org {
    Org {
        id: format!("ORG-{i:06}"),
        country: if i.is_multiple_of(2) {
            "X".into()
        } else {
            "Y".into()
        },
        categories: vec![population, org_type],
        surveyed: true,
        responded: i % 4 != 3,
    }
}

fn report(wave: usize, reporter: u32, partner: u32) -> Report {
    Report {
        wave,
        reporter,
        partner,
        kind: None,
    }
}

fn excerpt(i: usize, codes: Vec<usize>) -> Excerpt {
    Excerpt {
        id: format!("EX-{i:03}"),
        source_id: format!("INT-{:02}", i / 2),
        source_kind: SourceKind::Interview,
        level: Level::Local,
        country: "X".into(),
        population: i % 3,
        codes,
        consent: true,
        text: "words".into(),
    }
}

/// 26 organisations: populations 0-2 with eight each, `tiny` with two (orgs 24, 25);
/// org types local and global, and one `rare` (org 23). Ties in a ring plus chords,
/// more in the second wave.
fn study() -> Study {
    let orgs: Vec<Org> = (0..26)
        .map(|i| {
            let population = if i >= 24 { 3 } else { i % 3 };
            let org_type = if i == 23 {
                2
            } else if i % 5 == 0 {
                1
            } else {
                0
            };
            org(i, population, org_type)
        })
        .collect();
    let mut reports = Vec::new();
    for i in 0..26u32 {
        reports.push(report(0, i, (i + 1) % 26));
        reports.push(report(1, i, (i + 1) % 26));
        reports.push(report(1, i, (i + 3) % 26));
        if i.is_multiple_of(2) {
            reports.push(report(1, i, (i + 7) % 26));
        }
    }
    reports.sort();
    let excerpts = vec![
        excerpt(0, vec![0]),
        excerpt(1, vec![0, 1]),
        excerpt(2, vec![1]),
        excerpt(3, vec![0]),
    ];
    Study::new(config(19), orgs, reports, excerpts)
}

/// The text of every `<text>` element of an SVG, unescaped, joined line by line.
pub fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .filter_map(|t| {
            t.split_once(">\n")
                .and_then(|(_, rest)| rest.split_once("</text>"))
        })
        .map(|(text, _)| {
            text.trim_end_matches('\n')
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The full and public statistics of `study`, as the build computes them.
fn computed(study: &Study) -> crate::stage::Computed {
    let network = crate::stats::network(study, 2).expect("statistics");
    crate::stage::statistics(study, network, 2).expect("published")
}

fn render(study: &Study) -> Vec<Figure> {
    let c = computed(study);
    render_all(study, &c.stats, Public(&c.public)).expect("figures")
}

#[test]
fn every_figure_renders_with_the_expected_names() {
    let figures = render(&study());
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "profile",
            "distribution-population",
            "distribution-org_type",
            "ties-by-population",
            "ties-by-org_type",
            "cross-ratio-by-population",
            "cross-ratio-by-org_type",
            "network-before",
            "network-after",
            "mixing-population-before",
            "mixing-population-after",
            "mixing-org_type-before",
            "mixing-org_type-after",
            "codes",
            "slide-network-before",
            "slide-network-after",
            "slide-ties-by-population",
            "slide-cross-ratio-by-population",
            "slide-cross-ratio-by-org_type",
            "slide-themes-challenge",
            "slide-themes-benefit",
            "slide-themes-recommendation",
            "slide-profile-1",
        ]
    );
    for f in &figures {
        assert!(f.svg.starts_with("<svg"), "{}", f.name);
        assert!(f.svg.contains("font-family=\"Inter\""), "{}", f.name);
        assert!(
            f.alt.len() > 60 && f.alt.ends_with('.'),
            "{}: {}",
            f.name,
            f.alt
        );
    }
}

#[test]
fn figures_are_deterministic_and_finite() {
    let study = study();
    let a = render(&study);
    let b = render(&study);
    assert_eq!(a, b);
    for f in &a {
        for bad in ["NaN", ">inf", ">-inf", "\"inf", "\"-inf", "e-1", "e+1"] {
            assert!(!f.svg.contains(bad), "{} has {bad}", f.name);
        }
        for bad in ["NaN", " inf", "-inf"] {
            assert!(!f.alt.contains(bad), "{} alt has {bad}", f.name);
        }
    }
}

#[test]
fn text_is_at_least_eighteen_pixels() {
    for f in render(&study()) {
        for part in f.svg.split("font-size=\"").skip(1) {
            let size: f64 = part
                .split('"')
                .next()
                .and_then(|s| s.parse().ok())
                .expect("a size");
            assert!(size >= 18.0, "{}: font-size {size}", f.name);
        }
    }
}

#[test]
fn small_groups_are_never_drawn() {
    let study = study();
    let c = computed(&study);
    let (stats, public) = (&c.stats, Public(&c.public));
    let figures = render_all(&study, stats, public).expect("figures");
    for f in &figures {
        assert!(
            !f.svg.contains(TINY_COLOUR),
            "{} draws the small population",
            f.name
        );
        assert!(
            !f.svg.contains(RARE_COLOUR),
            "{} draws the rare type",
            f.name
        );
    }
    let by_name = |n: &str| figures.iter().find(|f| f.name == n).expect("figure");

    // Bar charts: no bar and no number for the small group, only the note.
    let chart = per_wave_chart(&study, stats, public, (0, "mean_ties"), "t", |c| {
        c.mean_ties
    })
    .expect("chart");
    assert!(chart.groups[3].suppressed);
    assert!(chart.bars().iter().all(|&(g, _, _)| g != 3));
    // Secondary suppression: with the lone small group hidden, another population is
    // hidden too (which one the disclosure engine decides), so the small group's size
    // cannot be recovered from the total. The chart hides exactly what the public
    // statistics hide.
    let hidden: Vec<bool> = (0..4).map(|c| public.hidden(0, c)).collect();
    assert!(hidden.iter().filter(|&&h| h).count() >= 2, "{hidden:?}");
    for (c, &h) in hidden.iter().enumerate() {
        assert_eq!(chart.groups[c].suppressed, h, "population {c}");
    }
    let ties = by_name("ties-by-population");
    assert!(
        svg_texts(&ties.svg)
            .join(" ")
            .contains("not shown: a group under 3 or hidden to protect one")
    );
    assert!(
        ties.alt
            .contains("A very small group with a rather long label: not shown")
    );
    let dist = by_name("distribution-population");
    assert!(dist.alt.contains("long label: fewer than 3"));

    // Profile: `<3` instead of the count.
    let profile = by_name("profile");
    let texts = svg_texts(&profile.svg);
    assert!(
        texts
            .iter()
            .any(|t| t == "A very small group with a rather long label: <3"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "Rare type: <3"));
    assert!(
        !texts.iter().any(|t| t == "2" || t == "1"),
        "no segment count for a small group"
    );
    assert!(profile.alt.contains("long label <3") && profile.alt.contains("Rare type <3"));

    // Heat map: no cell in the small group's row or column.
    let ds = &stats.waves[1].dimensions[0];
    let map = Heatmap {
        labels: vec![String::new(); 4],
        suppressed: vec![false, false, false, true],
        marks: vec![String::new(), String::new(), String::new(), "<3".into()],
        withheld: Vec::new(),
        counts: ds.mixing.clone(),
        threshold: 3,
        unit: "Ties".into(),
    };
    assert_eq!(map.cells().len(), 9);
    assert!(map.cells().iter().all(|&(i, j, _)| i != 3 && j != 3));
    let mixing = by_name("mixing-population-after");
    assert!(
        svg_texts(&mixing.svg)
            .iter()
            .any(|t| t.starts_with("Blank: categories with fewer than 3"))
    );
    assert!(!mixing.alt.contains("within A very small"));

    // Network: the hidden groups are one grey mark and the legend says so.
    let net = by_name("network-after");
    assert!(
        svg_texts(&net.svg)
            .iter()
            .any(|t| t == OTHER_CATEGORIES || t == OTHER),
        "{:?}",
        svg_texts(&net.svg)
    );
    assert!(net.alt.contains(OTHER_CATEGORIES) || net.alt.contains(OTHER));
}

#[test]
fn a_study_without_organisations_renders() {
    let study = Study::new(config(5), Vec::new(), Vec::new(), Vec::new());
    // Fewer organisations than the threshold: even the total may not be published.
    let network = crate::stats::network(&study, 2).expect("statistics");
    let err = crate::stage::statistics(&study, network, 2).expect_err("nothing to publish");
    assert!(
        err.to_string()
            .contains("disclosure control cannot protect this study's count tables"),
        "{err}"
    );
    // The figures themselves still draw (everything hidden) without a NaN.
    let stats = crate::stats::compute(&study, 2).expect("statistics");
    let figures = render_all(&study, &stats, Public(&serde_json::Value::Null)).expect("figures");
    assert_eq!(figures.len(), 23);
    assert!(
        figures
            .iter()
            .all(|f| !f.svg.contains("NaN") && !f.alt.contains("NaN"))
    );
}

#[test]
fn network_layout_is_shared_by_the_waves_and_seeded() {
    let study = study();
    let a = NetworkLayout::compute(&study);
    assert_eq!(a, NetworkLayout::compute(&study));
    assert!(!a.sampled);
    assert_eq!(a.nodes.len(), 26);
    assert!(
        a.positions
            .iter()
            .all(|p| p.0.is_finite() && p.1.is_finite())
    );
    let mut other = study.clone();
    other.config.seed += 1;
    assert_ne!(a.positions, NetworkLayout::compute(&other).positions);
}

/// 1600 organisations in one wave: a ring with chords.
fn large_study() -> Study {
    let mut config = config(5);
    config.waves.truncate(1);
    let n = network::SAMPLE_ABOVE + 100;
    let orgs: Vec<Org> = (0..n)
        .map(|i| org(i, i % 3, usize::from(i % 7 == 0)))
        .collect();
    let reports: Vec<Report> = (0..n as u32)
        .flat_map(|i| {
            [
                report(0, i, (i + 1) % n as u32),
                report(0, i, (i * 7 + 3) % n as u32),
            ]
        })
        .filter(|r| r.reporter != r.partner)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Study::new(config, orgs, reports, Vec::new())
}

#[test]
fn large_networks_are_sampled() {
    let study = large_study();
    let n = study.orgs.len();
    let layout = NetworkLayout::compute(&study);
    assert!(layout.sampled);
    assert_eq!(layout.nodes.len(), network::SAMPLE_SIZE);
    assert!(layout.nodes.windows(2).all(|w| w[0] < w[1]));
    let c = computed(&study);
    let marks = map_marks(&study, Public(&c.public));
    let fig = network_map(&study, &c.stats, (&layout, &marks), 0, Style::Print).expect("map");
    assert!(fig.alt.contains(&format!(
        "a random sample of {} of the {n}",
        network::SAMPLE_SIZE
    )));
    assert!(
        svg_texts(&fig.svg)
            .iter()
            .any(|t| t.starts_with("Random sample of 1500 of 1600"))
    );
    assert!(!fig.svg.contains("NaN"));
}

#[test]
fn shipped_study_renders() {
    let files = crate::load::StudyFiles {
        config: include_bytes!("../../../data/study.toml"),
        organisations: include_bytes!("../../../data/raw/organisations.csv"),
        ties: include_bytes!("../../../data/raw/ties.csv"),
        excerpts: include_bytes!("../../../data/raw/excerpts.csv"),
    };
    let loaded = crate::load::load(files).expect("the shipped study loads");
    let figures = render(&loaded.study);
    let dims = loaded.study.config.dimensions.len();
    let waves = loaded.study.config.waves.len();
    let config = &loaded.study.config;
    let mixing = 1 + usize::from(
        config
            .vertical()
            .is_some_and(|v| v.column != config.primary().column),
    );
    let kinds = 3;
    let profile_slides = dims.div_ceil(PROFILE_ROWS_PER_SLIDE);
    let projected = waves + 1 + mixing + kinds + profile_slides;
    assert_eq!(
        figures.len(),
        2 + 3 * dims + waves + mixing * waves + projected
    );
    assert!(figures.iter().all(|f| !f.svg.contains("NaN")));
}

/// The projection variants keep the text sizes of print on smaller canvases: every
/// label is at least 18 pixels, and the canvases are the ones the deck is laid out for
/// (`tests/e2e` checks that the deck places them so that 18 pixels read as 16 pt).
#[test]
fn projection_variants_keep_their_text_large() {
    let figures = render(&study());
    let slides: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.name.starts_with(SLIDE_PREFIX))
        .collect();
    assert_eq!(slides.len(), 9);
    for f in slides {
        let sizes: Vec<f64> = f
            .svg
            .split("font-size=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse().ok())
            .collect();
        assert!(!sizes.is_empty(), "{}", f.name);
        assert!(sizes.iter().all(|&px| px >= 18.0), "{}: {sizes:?}", f.name);
        let width = f
            .svg
            .split("width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next());
        let expected = if f.name.contains("-by-") {
            "540"
        } else {
            "820"
        };
        assert_eq!(width, Some(expected), "{}", f.name);
    }
    let map = figures
        .iter()
        .find(|f| f.name == "slide-network-after")
        .expect("a projected map");
    // The slide gives the numbers and explains the fill: the map draws neither.
    let texts = svg_texts(&map.svg);
    assert!(
        !texts
            .iter()
            .any(|t| t == "Survey" || t.contains("ties among")),
        "{texts:?}"
    );
}
