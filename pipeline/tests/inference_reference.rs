//! The design-based inference checked against an independent implementation:
//! `tests/fixtures/inference_reference.json`, made by the Python script beside it
//! (stored inside the JSON too, with the networkx, numpy and statsmodels versions).
//!
//! * the closed-form expectation of ties inside categories under within-stratum label
//!   permutations, against exact fractions computed tie by tie in Python (and there
//!   checked against a numpy Monte Carlo mean);
//! * the statistics of bootstrap replicates (respondents drawn with replacement) and
//!   of every pattern of swapped waves on a tiny two-wave survey, against Python's
//!   rebuild of each replicate from the reports;
//! * Holm's adjustment, against statsmodels' `multipletests(method="holm")`.
//!
//! Every value must agree to 1e-12.

use pipeline::stats::design::{self, Strata};
use pipeline::stats::homophily;
use pipeline::stats::inference::{self, Dimension, Shares};
use pipeline::study::TieRule;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/inference_reference.json");
const TOLERANCE: f64 = 1e-12;

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("the fixture is JSON")
}

fn pairs(v: &Value) -> Vec<(u32, u32)> {
    v.as_array()
        .expect("pairs")
        .iter()
        .map(|e| {
            (
                e[0].as_u64().expect("a") as u32,
                e[1].as_u64().expect("b") as u32,
            )
        })
        .collect()
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("numbers")
        .iter()
        .map(|x| x.as_u64().expect("a number") as u32)
        .collect()
}

fn close(what: &str, ours: Option<f64>, theirs: &Value) {
    match (ours, theirs.as_f64()) {
        (Some(x), Some(y)) => assert!(
            (x - y).abs() <= TOLERANCE,
            "{what}: ours {x}, reference {y}"
        ),
        (None, None) => {}
        (x, _) => panic!("{what}: ours {x:?}, reference {theirs}"),
    }
}

#[test]
fn closed_form_null_matches_the_reference() {
    let f = fixture();
    assert!(
        f["script"]
            .as_str()
            .is_some_and(|s| s.contains("def expected_internal"))
    );
    for case in f["null"].as_array().expect("null cases") {
        let name = case["name"].as_str().expect("name");
        let edges = pairs(&case["edges"]);
        let labels = u32s(&case["labels"]);
        let responded: Vec<bool> = case["responded"]
            .as_array()
            .expect("flags")
            .iter()
            .map(|b| b.as_bool().expect("a flag"))
            .collect();
        let strata = Strata::by_response(&responded);
        close(
            &format!("{name}: expected internal ties"),
            design::expected_internal(&edges, &labels, &strata),
            &case["expected_internal"],
        );
        close(
            &format!("{name}: expected E-I"),
            design::expected_ei(&edges, &labels, &strata),
            &case["expected_ei"],
        );
        close(
            &format!("{name}: expected cross share"),
            design::expected_cross_share(&edges, &labels, &strata),
            &case["expected_cross_share"],
        );
        // The test reports the same closed form as its null mean.
        let t = homophily::ei_permutation_test(&edges, &labels, &strata, 0, [0; 32], 1);
        close(
            &format!("{name}: test null mean"),
            t.null_mean,
            &case["expected_ei"],
        );
    }
}

fn tiny() -> Shares {
    let f = fixture();
    let s = &f["shares"];
    let n = s["organisations"].as_u64().expect("n") as usize;
    let labels = u32s(&s["labels"]);
    let mut sizes = vec![0usize; 3];
    labels.iter().for_each(|&l| sizes[l as usize] += 1);
    let mut earlier = pairs(&s["earlier"]);
    let mut later = pairs(&s["later"]);
    earlier.sort_unstable();
    later.sort_unstable();
    Shares::new(
        n,
        u32s(&s["respondents"]),
        (&earlier, &later),
        TieRule::Union,
        &[Dimension {
            labels: &labels,
            sizes: &sizes,
        }],
    )
}

fn all_close(what: &str, ours: &[Option<f64>], theirs: &Value) {
    let theirs = theirs.as_array().expect("values");
    assert_eq!(ours.len(), theirs.len(), "{what}: number of statistics");
    for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
        close(&format!("{what}, statistic {i}"), *o, t);
    }
}

#[test]
fn replicate_statistics_match_the_reference_rebuild() {
    let f = fixture();
    let s = &f["shares"];
    let shares = tiny();
    let units = shares.units.len();
    let (a, b) = shares.totals(0..units);
    all_close("observed earlier", &shares.values(&a), &s["observed"][0]);
    all_close("observed later", &shares.values(&b), &s["observed"][1]);
    for r in s["bootstrap"].as_array().expect("resamples") {
        let draws: Vec<usize> = u32s(&r["draws"]).into_iter().map(|d| d as usize).collect();
        let (x, y) = shares.totals(draws.iter().copied());
        all_close(
            &format!("bootstrap draws {draws:?}"),
            &shares.changes(&x, &y),
            &r["changes"],
        );
    }
    let mut differing = 0;
    for w in s["swaps"].as_array().expect("swaps") {
        let swap: Vec<bool> = w["swap"]
            .as_array()
            .expect("flags")
            .iter()
            .map(|b| b.as_bool().expect("a flag"))
            .collect();
        let (x, y) = shares.swapped(&swap);
        all_close(
            &format!("swap {swap:?}"),
            &shares.changes(&x, &y),
            &w["changes"],
        );
        differing += usize::from(w["changes"] != w["split_changes"]);
    }
    // The fixture exercises pairs both sides named: moving split parts would differ.
    assert!(differing > 0);
}

#[test]
fn holm_matches_statsmodels() {
    let f = fixture();
    let p: Vec<f64> = f["holm"]["p"]
        .as_array()
        .expect("p")
        .iter()
        .map(|x| x.as_f64().expect("p"))
        .collect();
    let ours = inference::holm(&p);
    let theirs = &f["holm"]["adjusted"];
    for (i, o) in ours.iter().enumerate() {
        close(&format!("holm {i}"), Some(*o), &theirs[i]);
    }
}
