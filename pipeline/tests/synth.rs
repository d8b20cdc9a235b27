//! The synthetic-study generator: distinct excerpt texts (in the shipped data and at
//! other sizes), parameter problems located at `synth.toml:line:column`, independent
//! random streams, the shipped study's design, and a declining study.
//!
//! The generated CSV files are read back here with a small CSV reader of this file
//! and tie counts are recomputed from the raw reports (union rule), independently of
//! the pipeline's loader and model.

use std::collections::{BTreeMap, BTreeSet};

use pipeline::study::StudyConfig;
use pipeline::synth::{self, Generated, Params, Size};

const STUDY: &str = include_str!("../../data/study.toml");
const SYNTH: &str = include_str!("../../data/synth.toml");
const DECLINING: &str = include_str!("fixtures/declining/synth.toml");
const SHIPPED_EXCERPTS: &str = include_str!("../../data/raw/excerpts.csv");
const SHIPPED_ORGS: &str = include_str!("../../data/raw/organisations.csv");
const SHIPPED_TIES: &str = include_str!("../../data/raw/ties.csv");

fn config() -> StudyConfig {
    StudyConfig::parse(STUDY).expect("data/study.toml parses")
}

fn generate(params_text: &str) -> Result<Generated, synth::SynthError> {
    let params = Params::parse(params_text).expect("the parameters parse");
    synth::generate(&params, &config(), Size::default())
}

/// The records of a CSV text as maps from column name to value (RFC 4180 quoting).
fn records(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the CSV ends without a newline"
    );
    let header = rows.remove(0);
    rows.into_iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "a record as wide as the header");
            header.iter().cloned().zip(r).collect()
        })
        .collect()
}

/// Per wave (in file order): undirected ties under the union rule, and how many of
/// them join organisations of different populations.
fn headline(orgs_csv: &str, ties_csv: &str) -> Vec<(String, usize, usize)> {
    let population: BTreeMap<String, String> = records(orgs_csv)
        .into_iter()
        .map(|r| (r["org_id"].clone(), r["population"].clone()))
        .collect();
    let mut waves: Vec<(String, BTreeSet<(String, String)>)> = Vec::new();
    for r in records(ties_csv) {
        let (a, b) = (r["reporter"].clone(), r["partner"].clone());
        let pair = if a < b { (a, b) } else { (b, a) };
        match waves.iter_mut().find(|(w, _)| *w == r["wave"]) {
            Some((_, set)) => {
                set.insert(pair);
            }
            None => waves.push((r["wave"].clone(), BTreeSet::from([pair]))),
        }
    }
    waves
        .into_iter()
        .map(|(w, set)| {
            let cross = set
                .iter()
                .filter(|(a, b)| population[a] != population[b])
                .count();
            (w, set.len(), cross)
        })
        .collect()
}

fn assert_texts_distinct(excerpts_csv: &str, what: &str) -> usize {
    let rows = records(excerpts_csv);
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &rows {
        if let Some(first) = seen.insert(&r["text"], &r["excerpt_id"]) {
            panic!(
                "{what}: excerpts {first} and {} have the same text: {}",
                r["excerpt_id"], r["text"]
            );
        }
    }
    rows.len()
}

/// The 1-based line of the first line at or after line `after` that starts with `start`.
fn line_of(text: &str, start: &str, after: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(after.saturating_sub(1))
        .find(|(_, l)| l.trim_start().starts_with(start))
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("no line starts with {start:?}"))
}

#[test]
fn every_shipped_excerpt_has_its_own_text() {
    assert_eq!(assert_texts_distinct(SHIPPED_EXCERPTS, "data/raw"), 127);
}

#[test]
fn the_shipped_study_follows_the_design() {
    let orgs = records(SHIPPED_ORGS);
    assert_eq!(orgs.len(), 92);
    assert!(orgs.iter().all(|o| o["surveyed"] == "true"));
    assert_eq!(orgs.iter().filter(|o| o["responded"] == "true").count(), 62);

    let excerpts = records(SHIPPED_EXCERPTS);
    let sources: BTreeMap<&str, &str> = excerpts
        .iter()
        .map(|e| (e["source_id"].as_str(), e["consent"].as_str()))
        .collect();
    let interviews = sources.keys().filter(|s| s.starts_with("INT-")).count();
    let groups = sources.keys().filter(|s| s.starts_with("FG-")).count();
    assert_eq!((interviews, groups, excerpts.len()), (45, 2, 127));
    // round(47 * 0.8) = 38 sources consented.
    assert_eq!(sources.values().filter(|c| **c == "true").count(), 38);

    let waves = headline(SHIPPED_ORGS, SHIPPED_TIES);
    let [(w0, t0, c0), (w1, t1, c1)] = &waves[..] else {
        panic!("two waves expected: {waves:?}");
    };
    assert_eq!((w0.as_str(), w1.as_str()), ("before", "survey"));
    assert!(
        *t1 as f64 > 1.7 * *t0 as f64 && (*t1 as f64) < 2.3 * *t0 as f64,
        "ties should roughly double: {waves:?}"
    );
    let (s0, s1) = (*c0 as f64 / *t0 as f64, *c1 as f64 / *t1 as f64);
    assert!(s1 > s0 + 0.15, "crossing should grow clearly: {s0} -> {s1}");
}

#[test]
fn texts_stay_distinct_at_other_sizes() {
    let sizes = [
        // A small study: 8 interviews and 1 focus group, uniform counts per source.
        (
            "interviews = 45\nfocus_groups = 2",
            "interviews = 8\nfocus_groups = 1",
            "total = 127",
            "",
        ),
        // More sources than shipped, each giving one or two excerpts.
        (
            "interviews = 45\nfocus_groups = 2",
            "interviews = 70\nfocus_groups = 5",
            "total = 127",
            "total = 110",
        ),
        // The shipped sources with no total: between 1 and 4 excerpts each.
        ("interviews = 45", "interviews = 45", "total = 127", ""),
    ];
    for (from, to, total_from, total_to) in sizes {
        let text = SYNTH
            .replacen(from, to, 1)
            .replacen(total_from, total_to, 1);
        let text = if to.contains("70") {
            text.replacen("max_per_source = 4", "max_per_source = 2", 1)
        } else {
            text
        };
        let g = generate(&text).unwrap_or_else(|e| panic!("{to}: {e}"));
        let n = assert_texts_distinct(&g.excerpts, to);
        assert_eq!(n, g.summary.excerpts);
        assert!(n > 0);
    }
}

#[test]
fn pools_too_small_for_the_excerpts_are_named_by_code() {
    // 47 sources with 4 excerpts each: 188 excerpts; silos leads 1.5/11.7 of them
    // (largest remainder: 24), but only 20 silos core statements are written; every
    // code is short (the others by 2 to 4), and each is named on its own line.
    let text = SYNTH.replacen("total = 127", "total = 188", 1);
    let err = generate(&text).expect_err("the pools are too small");
    let message = err.to_string();
    let table = line_of(&text, "[excerpts.texts.silos]", 1);
    let cores = line_of(&text, "cores = [", table);
    let expected = format!(
        "synth.toml:{cores}:1: excerpts.texts.silos.cores: 24 excerpts have \"silos\" as their first code but only 20 core statements are written for it; expected at least 24 (write more, or ask for fewer excerpts)"
    );
    assert!(
        message.lines().any(|l| l == expected),
        "expected the line\n{expected}\nin\n{message}"
    );
    // Every short pool is listed, each on its own line, sorted by position.
    assert_eq!(message.lines().count(), 10, "{message}");
    assert!(message.lines().all(|l| l.starts_with("synth.toml:")));
}

#[test]
fn parameter_problems_are_located_at_their_line_and_column() {
    // A syntax error.
    let err = Params::parse("seed = 1\n[organisations\n").expect_err("bad TOML");
    assert!(err.to_string().starts_with("synth.toml:2:"), "{err}");

    // An unknown key (serde), at the key.
    let text = SYNTH.replacen("opening = 0.5", "openning = 0.5", 1);
    let line = line_of(&text, "openning", 1);
    let err = Params::parse(&text).expect_err("unknown key");
    assert!(
        err.to_string()
            .starts_with(&format!("synth.toml:{line}:1: unknown field `openning`")),
        "{err}"
    );

    // Three problems at once, each at the key it concerns.
    let text = SYNTH
        .replacen("weights = { pud = 3,", "weights = { msm = 1, pud = 3,", 1)
        .replacen("same_primary = 0.35", "same_primary = 1.35", 1)
        .replacen("consent = 0.8", "consent = -0.1", 1);
    let err = generate(&text).expect_err("three problems");
    let population = line_of(&text, "weights = { msm", 1);
    let survey = line_of(&text, "same_primary = 1.35", 1);
    let consent = line_of(&text, "consent = -0.1", 1);
    assert_eq!(
        err.to_string(),
        [
            format!(
                "synth.toml:{population}:13: dimensions.population.weights: \"msm\" is not a category of population in study.toml; expected one of: pud, lgbt, sw, multi"
            ),
            format!(
                "synth.toml:{survey}:1: ties.waves.survey.same_primary is 1.35; expected a chance between 0 and 1"
            ),
            format!(
                "synth.toml:{consent}:1: excerpts.consent is -0.1; expected a chance between 0 and 1"
            ),
        ]
        .join("\n")
    );
    assert_eq!(err.problems.len(), 3);

    // A text piece written twice, even under two codes, is found at its second place.
    let text = SYNTH.replacen(
        "\"Our outreach teams walked the same streets but never compared notes.\",",
        "\"Our outreach teams walked the same streets but never compared notes.\",\n  \"Meeting the others made us see that we were all fighting the same system.\",",
        1,
    );
    let err = generate(&text).expect_err("a repeated piece");
    let again = line_of(
        &text,
        "\"Meeting the others",
        line_of(&text, "[excerpts.texts.silos]", 1),
    );
    assert_eq!(
        err.to_string(),
        format!(
            "synth.toml:{again}:3: excerpts.texts.silos.cores[20]: the same text as excerpts.texts.movement.cores[1]; expected every core statement and detail to be written once"
        )
    );
}

#[test]
fn an_unplaceable_wave_is_located_at_its_mean_degree() {
    let text = SYNTH.replacen("mean_degree = 5.0", "mean_degree = 95.0", 1);
    let line = line_of(&text, "mean_degree = 95.0", 1);
    let err = generate(&text).expect_err("too many reports");
    assert_eq!(
        err.to_string(),
        format!(
            "synth.toml:{line}:1: ties.waves.survey.mean_degree: 5890 tie reports in wave \"survey\" are more than the 5642 possible between 62 respondents and 92 organisations"
        )
    );
}

#[test]
fn each_part_of_the_study_has_its_own_random_stream() {
    let shipped = generate(SYNTH).expect("generates");
    // Other excerpt parameters leave the organisations and ties as they were.
    let g =
        generate(&SYNTH.replacen("second_code = 0.3", "second_code = 0.6", 1)).expect("generates");
    assert_eq!(g.organisations, shipped.organisations);
    assert_eq!(g.ties, shipped.ties);
    assert_ne!(g.excerpts, shipped.excerpts);
    // Other parameters for one wave leave the other wave's reports as they were.
    let g = generate(&SYNTH.replacen("same_primary = 0.35", "same_primary = 0.5", 1))
        .expect("generates");
    let before = |csv: &str| -> Vec<String> {
        csv.lines()
            .filter(|l| l.starts_with("before,"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(before(&g.ties), before(&shipped.ties));
    assert_ne!(g.ties, shipped.ties);
    assert_eq!(g.excerpts, shipped.excerpts);
}

#[test]
fn the_declining_fixture_differs_from_the_shipped_parameters_only_in_its_waves() {
    let mut shipped = Params::parse(SYNTH).expect("parses");
    let declining = Params::parse(DECLINING).expect("parses");
    assert_ne!(shipped.ties.waves, declining.ties.waves);
    shipped.ties.waves = declining.ties.waves.clone();
    assert_eq!(shipped, declining);
}

#[test]
fn a_declining_study_has_fewer_ties_and_less_crossing() {
    let g = generate(DECLINING).expect("the declining fixture generates");
    let waves = headline(&g.organisations, &g.ties);
    let [(_, t0, c0), (_, t1, c1)] = &waves[..] else {
        panic!("two waves expected: {waves:?}");
    };
    assert!(
        (*t1 as f64) < 0.7 * *t0 as f64,
        "ties should fall clearly: {waves:?}"
    );
    let (s0, s1) = (*c0 as f64 / *t0 as f64, *c1 as f64 / *t1 as f64);
    assert!(s1 < s0 - 0.15, "crossing should fall clearly: {s0} -> {s1}");
    assert_texts_distinct(&g.excerpts, "the declining study");
}

#[test]
fn texts_stay_within_max_chars_and_long_cores_are_located() {
    // The shipped texts fit the limit (170 characters: two lines of a slide).
    let rows = records(SHIPPED_EXCERPTS);
    assert!(rows.iter().all(|r| r["text"].chars().count() <= 170));
    // Most excerpts have room for a concrete detail after their core statement.
    let two_or_more = rows
        .iter()
        .filter(|r| r["text"].matches(". ").count() >= 1)
        .count();
    assert!(
        two_or_more * 4 > rows.len() * 3,
        "{two_or_more} of {}",
        rows.len()
    );

    // A lower limit than some core statements: each is named at its own line, and
    // that line holds a piece of the length the message gives.
    let text = SYNTH.replacen("max_chars = 170", "max_chars = 80", 1);
    let err = generate(&text).expect_err("long core statements");
    assert!(!err.problems.is_empty());
    let lines: Vec<&str> = text.lines().collect();
    for p in &err.problems {
        let (line, column) = (p.line.expect("a line"), p.column.expect("a column"));
        assert_eq!(column, 3, "{p}");
        let piece = lines[line - 1]
            .trim()
            .trim_end_matches(',')
            .trim_matches('"');
        let n = piece.chars().count();
        assert!(n > 80, "{p}");
        assert!(
            p.message.ends_with(&format!(
                "this core statement has {n} characters; expected at most excerpts.max_chars = 80"
            )) && p.message.starts_with("excerpts.texts."),
            "{p}"
        );
    }
}
