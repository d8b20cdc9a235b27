//! Calibration of the E-I permutation test under the survey's design.
//!
//! Each replicate generates a small study with NO homophily: 150 organisations, each in
//! category A or B with probability 1/2; an organisation of A responds with
//! probability 0.8, one of B with 0.1; every respondent names every other organisation
//! with probability 0.03, whatever the categories. Ties follow the `union` rule, so a
//! tie between two non-respondents is never seen. Labels are independent of the ties
//! given who responded, so the null hypothesis holds.
//!
//! Over 400 seeded replicates, the test that permutes labels within response strata
//! rejects at alpha = 0.05 (p <= 0.05, 99 permutations) as often as a valid test
//! should: the count lies in the central 99 % binomial band of Binomial(400, 0.05),
//! 10 to 32 rejections (band from scipy 1.17.1:
//! `binom.ppf(0.005, 400, 0.05) = 10`, `binom.isf(0.005, 400, 0.05) = 32`).
//!
//! The control: the pre-schema-3 test, which shuffles labels over all organisations,
//! rejects the true null far more often on the same replicates. Most observed ties
//! join a respondent (mostly A) to a non-respondent (mostly B), because ties between
//! two non-respondents are never seen; against labels shuffled over everybody these
//! look like heterophily. On this generator it rejected 37 (within), 61 (across) and
//! 58 (two-sided) times of 400 where the within-stratum test rejected 21, 16 and 18:
//! the test asserts that the whole shuffle's two-sided count lies above the band.
//! (With other parameters the false signal is homophily instead; either way the
//! all-organisation shuffle is not a valid test under unequal response.)
//!
//! Also checked while choosing the generator: with 60 organisations (naming chance
//! 0.06) the within-stratum test rejected 8 to 12 times of 400, conservative as a
//! permutation test of a discrete count is with few ties, never anti-conservative.
//!
//! Small networks, few permutations and one thread keep this fast in debug builds.

use pipeline::stats::design::{self, Strata};
use pipeline::stats::homophily::ei_permutation_test;
use pipeline::stats::rng;
use pipeline::study::TieRule;

const REPLICATES: u64 = 400;
const ORGS: u32 = 150;
const PERMUTATIONS: u32 = 99;
const ALPHA: f64 = 0.05;
/// The central 99 % band of Binomial(400, 0.05) (scipy, see above).
const BAND: std::ops::RangeInclusive<usize> = 10..=32;

struct Replicate {
    ties: Vec<(u32, u32)>,
    labels: Vec<u32>,
    responded: Vec<bool>,
}

/// A draw from the no-homophily generator, from stream `i` of a fixed seed.
fn replicate(i: u64) -> Replicate {
    let mut g = rng::generator(rng::derive_seed(2010, "calibration", "", ""), i);
    let labels: Vec<u32> = (0..ORGS).map(|_| rng::below(&mut g, 2)).collect();
    // Response: 80 % in category 0, 10 % in category 1 (draws out of 1000).
    let responded: Vec<bool> = labels
        .iter()
        .map(|&l| rng::below(&mut g, 1000) < if l == 0 { 800 } else { 100 })
        .collect();
    let mut reports = Vec::new();
    for r in (0..ORGS).filter(|&r| responded[r as usize]) {
        for p in (0..ORGS).filter(|&p| p != r) {
            if rng::below(&mut g, 1000) < 30 {
                reports.push((r, p));
            }
        }
    }
    reports.sort_unstable();
    Replicate {
        ties: design::ties_under(
            &design::reported_ties(&reports, TieRule::Union),
            TieRule::Union,
        ),
        labels,
        responded,
    }
}

struct Rejections {
    within: usize,
    across: usize,
    two_sided: usize,
}

fn rejections(strata: impl Fn(&Replicate) -> Strata) -> Rejections {
    let mut out = Rejections {
        within: 0,
        across: 0,
        two_sided: 0,
    };
    for i in 0..REPLICATES {
        let r = replicate(i);
        let seed = rng::derive_seed(i, "calibration-permutations", "", "");
        let t = ei_permutation_test(&r.ties, &r.labels, &strata(&r), PERMUTATIONS, seed, 1);
        let reject = |p: Option<f64>| usize::from(p.is_some_and(|p| p <= ALPHA));
        out.within += reject(t.p_within);
        out.across += reject(t.p_across);
        out.two_sided += reject(t.p_two_sided);
    }
    out
}

#[test]
fn the_within_stratum_test_is_calibrated_and_the_whole_shuffle_is_not() {
    let stratified = rejections(|r| Strata::by_response(&r.responded));
    for (tail, count) in [
        ("within", stratified.within),
        ("across", stratified.across),
        ("two-sided", stratified.two_sided),
    ] {
        assert!(
            BAND.contains(&count),
            "within-stratum test, {tail} tail: {count} rejections of {REPLICATES} at alpha {ALPHA}; expected {BAND:?}"
        );
    }
    let whole = rejections(|r| Strata::whole(r.labels.len()));
    assert!(
        whole.two_sided > *BAND.end(),
        "the all-organisation shuffle rejected {} of {REPLICATES} (two-sided); expected it above {BAND:?}",
        whole.two_sided
    );
    eprintln!(
        "rejections of {REPLICATES}: within-stratum {} / {} / {} (within / across / two-sided); all-organisation shuffle {} / {} / {}",
        stratified.within,
        stratified.across,
        stratified.two_sided,
        whole.within,
        whole.across,
        whole.two_sided
    );
}
