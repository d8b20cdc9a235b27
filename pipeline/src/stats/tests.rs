//! Study-level tests of [`super::compute`]: edge cases (an empty wave, a single
//! organisation, an empty category, one category for all), repeatability, and an
//! ignored timing run on a large generated network.

use super::*;
use crate::model::{Org, Report};
use crate::study::StudyConfig;

/// A study config with two waves and two dimensions: `kind` (a, b, unused) and
/// `all` (one category for everybody).
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
tie_rule = "union"
permutations = {permutations}
seed = 42
primary_dimension = "kind"

[[authors]]
name = "A"
affiliation = "B"

[event]
name = "E"
place = "P"
date = "2017-01-17"

[[waves]]
id = "w1"
label = "Wave 1"
year = 2011

[[waves]]
id = "w2"
label = "Wave 2"
year = 2016

[[dimensions]]
column = "kind"
label = "Kind"
[[dimensions.categories]]
id = "a"
label = "A"
colour = "#000000"
[[dimensions.categories]]
id = "b"
label = "B"
colour = "#111111"
[[dimensions.categories]]
id = "unused"
label = "Unused"
colour = "#222222"

[[dimensions]]
column = "all"
label = "All"
[[dimensions.categories]]
id = "one"
label = "One"
colour = "#333333"

[[codebook]]
id = "c1"
label = "C1"
kind = "challenge"

[methods]
field_visit_countries = ["X"]
observed_meetings = []
"##
    );
    StudyConfig::parse(&text).expect("test config parses")
}

fn org(i: usize, kind: usize) -> Org {
    Org {
        id: format!("ORG-{i:06}"),
        country: if i.is_multiple_of(2) {
            "X".into()
        } else {
            "Y".into()
        },
        categories: vec![kind, 0],
        surveyed: true,
        responded: true,
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

/// Orgs 0-2 are `a`, 3-4 `b`. Wave 1: triangle 0-1-2, 2-3, 3-4 (reported once or
/// both ways); wave 2: no reports at all.
fn small_study() -> Study {
    let orgs = vec![org(0, 0), org(1, 0), org(2, 0), org(3, 1), org(4, 1)];
    let reports = vec![
        report(0, 0, 1),
        report(0, 1, 0),
        report(0, 0, 2),
        report(0, 1, 2),
        report(0, 2, 3),
        report(0, 4, 3),
    ];
    Study::new(config(199), orgs, reports, Vec::new())
}

#[test]
fn small_study_by_hand() -> Result<(), StatsError> {
    let s = compute(&small_study(), 2)?;
    assert_eq!(s.schema, STATS_SCHEMA);
    let w = &s.waves[0];
    assert_eq!(
        (
            w.ties,
            w.network.ties,
            w.network.components,
            w.network.isolates
        ),
        (5, 5, 1, 0)
    );
    assert_eq!(w.network.density, Some(0.5));
    let kind = &w.dimensions[0];
    assert_eq!(
        kind.mixing,
        vec![vec![3, 1, 0], vec![1, 1, 0], vec![0, 0, 0]]
    );
    assert_eq!((kind.internal_ties, kind.external_ties), (4, 1));
    assert_eq!(kind.ei_index, Some(-0.6));
    let a = &kind.categories[0];
    assert_eq!(
        (a.n, a.ties_sum, a.internal_ties, a.external_ties),
        (3, 7, 3, 1)
    );
    assert_eq!(a.ei_index, Some(-5.0 / 7.0));
    // Org 2 has 1 of 3 ties across; orgs 0 and 1 none: (1/3) / 3.
    assert!(a.cross_ratio.is_some_and(|r| (r - 1.0 / 9.0).abs() < 1e-15));
    // Brokers: 2 and 3 lie on paths (betweenness 4/6 and 3/6); nobody else.
    assert_eq!(w.brokers.top_brokers, 2);
    assert_eq!((a.top_brokers, kind.categories[1].top_brokers), (1, 1));
    assert_eq!(s.methods.countries, 2);
    assert_eq!(s.methods.field_visit_countries, 1);
    Ok(())
}

#[test]
fn an_empty_wave_has_no_undefined_floats() -> Result<(), StatsError> {
    let s = compute(&small_study(), 2)?;
    let w = &s.waves[1];
    assert_eq!(
        (
            w.ties,
            w.network.components,
            w.network.isolates,
            w.network.largest_component
        ),
        (0, 5, 5, 1)
    );
    assert_eq!(w.network.density, Some(0.0));
    assert_eq!(w.network.mean_degree, Some(0.0));
    assert_eq!(w.network.transitivity, None);
    assert_eq!(w.network.average_clustering, Some(0.0));
    assert_eq!(w.network.degree_assortativity, None);
    assert_eq!(
        (w.brokers.top_brokers, w.brokers.betweenness.max),
        (0, Some(0.0))
    );
    assert_eq!(w.brokers.betweenness_centralisation, Some(0.0));
    for d in &w.dimensions {
        assert_eq!(
            (d.ei_index, d.assortativity, d.cross_ratio),
            (None, None, None)
        );
        assert_eq!((d.ei_test.null_mean, d.ei_test.p_two_sided), (None, None));
        for c in &d.categories {
            assert_eq!(
                (c.ei_index, c.cross_ratio, c.cross_ratio_orgs),
                (None, None, 0)
            );
            assert_eq!(c.cross_ratio_excluded, c.n);
        }
    }
    let ch = &s.changes[0];
    assert_eq!(
        (
            ch.from.as_str(),
            ch.to.as_str(),
            ch.new_ties,
            ch.lost_ties,
            ch.kept_ties
        ),
        ("w1", "w2", 0, 5, 0)
    );
    assert_eq!(ch.dimensions[0].new_cross_share, None);
    assert_eq!(
        ch.dimensions[0].categories[0].mean_ties_change,
        Some(-7.0 / 3.0)
    );
    assert_eq!(ch.dimensions[0].categories[2].mean_ties_change, None);
    Ok(())
}

#[test]
fn a_category_without_members() -> Result<(), StatsError> {
    let s = compute(&small_study(), 2)?;
    let c = &s.waves[0].dimensions[0].categories[2];
    assert_eq!(
        (c.id.as_str(), c.n, c.ties_sum, c.top_brokers),
        ("unused", 0, 0, 0)
    );
    assert_eq!(
        (c.mean_ties, c.sd_ties, c.ei_index, c.cross_ratio),
        (None, None, None, None)
    );
    assert_eq!((c.mean_betweenness, c.mean_closeness), (None, None));
    Ok(())
}

#[test]
fn everybody_in_one_category() -> Result<(), StatsError> {
    let s = compute(&small_study(), 2)?;
    let d = &s.waves[0].dimensions[1];
    assert_eq!(d.mixing, vec![vec![5]]);
    assert_eq!(
        (d.ei_index, d.assortativity, d.cross_ratio),
        (Some(-1.0), None, Some(0.0))
    );
    assert_eq!(
        (
            d.ei_test.null_mean,
            d.ei_test.at_least,
            d.ei_test.at_most,
            d.ei_test.p_two_sided
        ),
        (Some(-1.0), 199, 199, Some(1.0))
    );
    assert_eq!(d.categories[0].ei_index, Some(-1.0));
    Ok(())
}

#[test]
fn a_single_organisation() -> Result<(), StatsError> {
    let s = compute(
        &Study::new(config(10), vec![org(0, 1)], Vec::new(), Vec::new()),
        2,
    )?;
    let w = &s.waves[0];
    assert_eq!(
        (
            w.network.organisations,
            w.network.components,
            w.network.largest_component_share
        ),
        (1, 1, Some(1.0))
    );
    assert_eq!(
        (
            w.network.density,
            w.network.mean_degree,
            w.network.average_clustering
        ),
        // Density is 0/0 without a pair of organisations: null (networkx gives 0).
        (None, Some(0.0), Some(0.0))
    );
    assert_eq!(
        (
            w.brokers.betweenness.mean,
            w.brokers.closeness.max,
            w.brokers.betweenness_centralisation
        ),
        (Some(0.0), Some(0.0), None)
    );
    assert_eq!(w.dimensions[0].categories[1].sd_ties, None);
    assert_eq!(s.survey.response_rate, Some(1.0));
    Ok(())
}

#[test]
fn no_organisations_at_all() -> Result<(), StatsError> {
    let s = compute(
        &Study::new(config(10), Vec::new(), Vec::new(), Vec::new()),
        2,
    )?;
    let w = &s.waves[0];
    assert_eq!(
        (w.network.components, w.network.largest_component_share),
        (0, None)
    );
    assert_eq!(
        (w.brokers.betweenness.mean, w.brokers.closeness.max),
        (None, None)
    );
    assert_eq!(w.dimensions[0].categories[0].n, 0);
    Ok(())
}

#[test]
fn identical_json_run_to_run() -> Result<(), Box<dyn std::error::Error>> {
    let study = small_study();
    let a = crate::stats_json(&compute(&study, 1)?)?;
    let b = crate::stats_json(&compute(&study, 3)?)?;
    assert_eq!(a, b);
    for key in [
        "\"findings\"",
        "\"sensitivity\"",
        "\"inference\"",
        "\"network\"",
        "\"brokers\"",
        "\"mixing\"",
        "\"ei_test\"",
        "\"changes\"",
        "\"qualitative\"",
        "\"methods\"",
    ] {
        assert!(a.contains(key), "stats.json lacks {key}");
    }
    // (The key "inference" contains "inf"; a value would follow ": ".)
    assert!(!a.contains("NaN") && !a.contains(": inf") && !a.contains("Infinity"));
    Ok(())
}

#[test]
fn diff_of_sorted_tie_lists() {
    let a = [(0, 1), (0, 2), (1, 3)];
    let b = [(0, 2), (1, 2), (1, 3), (2, 3)];
    assert_eq!(diff(&a, &b), (vec![(1, 2), (2, 3)], 1, 2));
    assert_eq!(diff(&[], &a), (a.to_vec(), 0, 0));
    assert_eq!(diff(&a, &[]), (vec![], 3, 0));
}

/// 40 organisations, all respondents, alternating between `a` and `b`. Wave 1: each
/// names about four partners at random (about half across); wave 2: each names one
/// partner of its own kind. Collaboration fell, and crossing with it.
fn declining_study() -> Study {
    let n = 40u32;
    let orgs: Vec<Org> = (0..n as usize).map(|i| org(i, i % 2)).collect();
    let mut g = rng::generator([11; 32], 0);
    let mut reports = Vec::new();
    for r in 0..n {
        for p in 0..n {
            if p != r && rng::below(&mut g, 100) < 10 {
                reports.push(report(0, r, p));
            }
        }
        let same = (r + 2 + 2 * rng::below(&mut g, n / 2 - 1)) % n;
        reports.push(report(1, r, same));
    }
    reports.sort();
    Study::new(config(499), orgs, reports, Vec::new())
}

#[test]
fn findings_say_decreased_when_collaboration_fell() -> Result<(), StatsError> {
    use crate::findings::{ChangeVerdict, MixingVerdict};
    let s = compute(&declining_study(), 2)?;
    // Bootstrap, permutations and verdicts do not depend on the thread count.
    assert_eq!(s, compute(&declining_study(), 1)?);
    assert_eq!(s, compute(&declining_study(), 8)?);
    let f = &s.findings;
    let c = &f.changes[0];
    assert_eq!(c.ties.verdict, ChangeVerdict::Decreased, "{:?}", c.ties);
    assert_eq!(c.mean_degree.verdict, ChangeVerdict::Decreased);
    let kind = &c.dimensions[0];
    assert_eq!(
        kind.cross_share.verdict,
        ChangeVerdict::Decreased,
        "{:?}",
        kind.cross_share
    );
    assert_eq!(kind.ei_index.verdict, ChangeVerdict::Decreased);
    assert_eq!(kind.new_ties.verdict, MixingVerdict::MoreWithinThanChance);
    assert_eq!(
        f.mixing[1].dimensions[0].verdict,
        MixingVerdict::MoreWithinThanChance
    );
    // Wave 1 is random: as chance.
    assert_eq!(f.mixing[0].dimensions[0].verdict, MixingVerdict::AsChance);
    // The interval lies below zero and contains the observed change.
    let t = &c.ties;
    let (lo, hi, d) = (
        t.ci_low.unwrap_or(0.0),
        t.ci_high.unwrap_or(0.0),
        t.change.unwrap_or(0.0),
    );
    assert!(lo <= d && d <= hi && hi < 0.0, "{t:?}");
    // Family: 2 waves x 2 dimensions, then ties, crossing, new-tie crossing and the
    // two non-empty categories' mean ties (the empty one has no test).
    assert_eq!(f.family.size, 9);
    assert_eq!(f.family.tests.len(), 9);
    assert!(f.family.tests.iter().all(|t| t.p_adjusted >= t.p));
    Ok(())
}

/// The inference's observed values are the wave statistics themselves.
#[test]
fn inference_starts_from_the_wave_statistics() -> Result<(), StatsError> {
    let s = compute(&declining_study(), 1)?;
    let inf = &s.changes[0].inference;
    assert_eq!(inf.respondents, 40);
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-12,
        (x, y) => x == y,
    };
    for (w, at) in s.waves.iter().zip([0, 1]) {
        let pick = |c: &inference::Change| if at == 0 { c.from } else { c.to };
        assert!(close(pick(&inf.ties), Some(w.ties as f64)));
        assert!(close(pick(&inf.mean_degree), w.network.mean_degree));
        let d = &w.dimensions[0];
        assert!(close(pick(&inf.dimensions[0].cross_share), d.cross_share));
        assert!(close(pick(&inf.dimensions[0].ei_index), d.ei_index));
        for (ci, cs) in inf.dimensions[0].categories.iter().zip(&d.categories) {
            assert!(close(pick(&ci.mean_ties), cs.mean_ties), "{}", cs.id);
        }
        // The baseline is the closed-form null.
        assert!(close(
            d.expected_cross_share,
            d.ei_test.null_mean.map(|m| (1.0 + m) / 2.0)
        ));
    }
    // Sensitivity: the study's own rule over all organisations is the wave itself.
    for (w, sw) in s.waves.iter().zip(&s.sensitivity.waves) {
        let own = &sw.networks[0];
        assert_eq!((own.ties, own.organisations), (w.ties, 40));
        assert!(close(
            own.dimensions[0].cross_share,
            w.dimensions[0].cross_share
        ));
    }
    Ok(())
}

/// The sensitivity views and reciprocity of the small study, by hand.
#[test]
fn sensitivity_by_hand() -> Result<(), StatsError> {
    let mut study = small_study();
    // Org 4 did not respond: its report 4 -> 3 is dropped; 3 -> 4 stands in.
    study.orgs[4].responded = false;
    study.reports.retain(|r| r.reporter != 4);
    study.reports.push(report(0, 3, 4));
    study.reports.sort();
    let s = compute(&study, 2)?;
    let w = &s.sensitivity.waves[0];
    // Respondent pairs named: 0-1 (both ways), 0-2, 1-2, 2-3: one of four mutual.
    assert_eq!(
        (
            w.reciprocity.named_pairs,
            w.reciprocity.mutual_pairs,
            w.reciprocity.rate
        ),
        (4, 1, Some(0.25))
    );
    let views: Vec<(usize, usize)> = w
        .networks
        .iter()
        .map(|v| (v.organisations, v.ties))
        .collect();
    // union/all, reciprocated/all, union/respondents, reciprocated/respondents.
    assert_eq!(views, vec![(5, 5), (5, 1), (4, 4), (4, 1)]);
    assert_eq!(w.networks[2].mean_degree, Some(2.0));
    Ok(())
}

/// The most-cited theme counts sources, not excerpts, and reports equal counts as a
/// tie; the views list themes in the same order.
#[test]
fn most_cited_themes_count_sources_and_keep_ties() -> Result<(), StatsError> {
    use crate::findings::ThemeVerdict;
    use crate::model::{Excerpt, Level, SourceKind};
    use crate::study::{Code, CodeKind};
    let mut study = small_study();
    study.config.codebook = ["c1", "c2", "c3"]
        .iter()
        .map(|id| Code {
            id: (*id).to_owned(),
            label: id.to_uppercase(),
            text_label: id.to_uppercase(),
            kind: CodeKind::Challenge,
        })
        .collect();
    // c1: three excerpts of one source; c2: sources s1, s2; c3: sources s2, s3.
    let coded = [
        ("s1", 0),
        ("s1", 0),
        ("s1", 0),
        ("s1", 1),
        ("s2", 1),
        ("s2", 2),
        ("s3", 2),
    ];
    study.excerpts = coded
        .iter()
        .enumerate()
        .map(|(i, &(source, code))| Excerpt {
            id: format!("E{i}"),
            source_id: source.to_owned(),
            source_kind: SourceKind::Interview,
            level: Level::Local,
            country: "X".to_owned(),
            population: 0,
            codes: vec![code],
            consent: false,
            text: "t".to_owned(),
        })
        .collect();
    let s = compute(&study, 1)?;
    let challenge = &s.findings.themes[0];
    assert_eq!(
        (challenge.top.clone(), challenge.sources, challenge.verdict),
        (
            vec!["c2".to_owned(), "c3".to_owned()],
            2,
            ThemeVerdict::Tied
        )
    );
    assert_eq!(s.findings.themes[1].verdict, ThemeVerdict::NoSources);
    let views = crate::views::build(&study, crate::publication::Public(&serde_json::Value::Null));
    let order: Vec<&str> = views
        .themes
        .challenge
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(order, vec!["c2", "c3", "c1"]);
    Ok(())
}

#[test]
fn undirected_ties_under_both_rules() {
    // small_study's wave 1 by hand: 0-1 both ways, 0-2, 1-2, 2-3, 4-3 once each.
    let mut study = small_study();
    assert_eq!(study.ties(0), [(0, 1), (0, 2), (1, 2), (2, 3), (3, 4)]);
    assert_eq!(study.ties(1), []);
    study.config.tie_rule = crate::study::TieRule::Reciprocated;
    assert_eq!(study.ties(0), [(0, 1)]);
}
