//! The claims the documents make, each decided here, once, by a rule written as code
//! beside a one-line statement of it: whether collaboration increased, whether ties
//! stayed within or crossed categories more than chance, which theme the most sources
//! raised. Templates print a verdict and its evidence; they never compare numbers.
//!
//! The tests behind the verdicts form one family ([`family`]) whose p-values are
//! adjusted together by Holm's (1979) method; the verdicts use the adjusted values.
//! Everything here is a pure function of the statistics and the study.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Study;
use crate::stats::inference::{Change, Role, holm, role_of};
use crate::stats::{ChangeStats, EiTest, WaveStats};
use crate::study::CodeKind;

/// The level of every test behind a verdict (after Holm's adjustment).
pub const ALPHA: f64 = 0.05;

/// The coverage of every interval behind a verdict.
pub const CONFIDENCE: f64 = 0.95;

/// The rule of [`change_verdict`].
pub const CHANGE_RULE: &str = "a change is an increase (a decrease) when its bootstrap interval lies wholly above (below) zero and its Holm-adjusted two-sided permutation p-value is below alpha; otherwise there is no clear change";

/// The rule of [`mixing_verdict`].
pub const MIXING_RULE: &str = "ties are more within (more across) categories than chance when the Holm-adjusted two-sided p-value of the within-stratum permutation test is below alpha and the observed ties inside categories are above (below) their expectation; otherwise they are as chance would have them";

/// The rule of [`theme_verdict`].
pub const THEME_RULE: &str = "the most-cited theme of a kind is the one raised by the most distinct sources (each interview or focus group is one source), not by the most excerpts; themes raised by equally many sources are reported together as tied";

/// The statement of the family adjusted by Holm's method.
pub const FAMILY_STATEMENT: &str = "the family is every test a verdict rests on: the E-I test of every dimension in every wave, and for each change between waves the tests of the number of ties, and for the primary and vertical dimensions of the share of ties across categories, of the new ties' crossing and of each category's mean ties";

/// Did a statistic change between waves?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeVerdict {
    /// It increased.
    Increased,
    /// The data do not show a clear change either way.
    NoClearChange,
    /// It decreased.
    Decreased,
}

/// Did ties stay within categories, or cross them, more than chance?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MixingVerdict {
    /// More ties inside categories than labels permuted within strata give.
    MoreWithinThanChance,
    /// As chance would have them.
    AsChance,
    /// More ties across categories than chance.
    MoreAcrossThanChance,
}

/// Is there one most-cited theme?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeVerdict {
    /// One theme was raised by more sources than any other.
    Single,
    /// Several themes share the largest number of sources.
    Tied,
    /// No theme of this kind was raised by any source.
    NoSources,
}

/// Which tail of the homophily test answers a dimension's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// Do ties stay within categories (the primary dimension)?
    Within,
    /// Do ties cross categories (the vertical dimension)?
    Across,
    /// No one-sided question (other dimensions): the two-sided test.
    Either,
}

/// A rule and its statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// What the rule decides: `change`, `mixing` or `theme`.
    pub id: String,
    /// The rule in words.
    pub statement: String,
}

/// One test of the family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyTest {
    /// Its id (referred to by the findings' `test`).
    pub id: String,
    /// Raw two-sided p-value.
    pub p: f64,
    /// Holm-adjusted p-value.
    pub p_adjusted: f64,
}

/// The family of tests adjusted together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Family {
    /// The adjustment, `holm`.
    pub method: String,
    /// Number of tests.
    pub size: usize,
    /// What the family is, in words.
    pub statement: String,
    /// The tests in family order.
    pub tests: Vec<FamilyTest>,
}

/// A homophily claim: ties within or across categories, against chance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixingFinding {
    /// The dimension's column.
    pub column: String,
    /// Its role.
    pub role: Role,
    /// The tail that answers the dimension's question.
    pub question: Question,
    /// Ties tested.
    pub ties: usize,
    /// Observed share of those ties across categories.
    pub cross_share: Option<f64>,
    /// That share expected under labels permuted within response strata.
    pub expected_cross_share: Option<f64>,
    /// Observed E-I index.
    pub ei_index: Option<f64>,
    /// Expected E-I index (closed form).
    pub null_mean: Option<f64>,
    /// One-sided p-value for more within.
    pub p_within: Option<f64>,
    /// One-sided p-value for more across.
    pub p_across: Option<f64>,
    /// The p-value of the question's tail (two-sided for `either`).
    pub p_question: Option<f64>,
    /// Two-sided p-value.
    pub p_two_sided: Option<f64>,
    /// Holm-adjusted two-sided p-value; `None` when the test is undefined.
    pub p_adjusted: Option<f64>,
    /// The test's id in the family.
    pub test: String,
    /// The verdict.
    pub verdict: MixingVerdict,
}

/// The homophily claims of one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveMixing {
    /// Wave id.
    pub wave: String,
    /// Per dimension, in the order of `study.toml`.
    pub dimensions: Vec<MixingFinding>,
}

/// A change claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeFinding {
    /// The statistic in the earlier wave.
    pub from: Option<f64>,
    /// In the later wave.
    pub to: Option<f64>,
    /// The change.
    pub change: Option<f64>,
    /// The 95 % bootstrap interval of the change.
    pub ci_low: Option<f64>,
    /// Its upper end.
    pub ci_high: Option<f64>,
    /// One-sided permutation p-value of "increased".
    pub p_increase: Option<f64>,
    /// One-sided permutation p-value of "decreased".
    pub p_decrease: Option<f64>,
    /// Two-sided permutation p-value.
    pub p_two_sided: Option<f64>,
    /// Holm-adjusted two-sided p-value.
    pub p_adjusted: Option<f64>,
    /// The test's id in the family.
    pub test: String,
    /// The verdict.
    pub verdict: ChangeVerdict,
}

/// A category's change of mean ties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryFinding {
    /// Category id.
    pub id: String,
    /// Mean ties per member.
    pub mean_ties: ChangeFinding,
}

/// The change claims about one headline dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionFindings {
    /// The dimension's column.
    pub column: String,
    /// Its role.
    pub role: Role,
    /// Share of ties across categories.
    pub cross_share: ChangeFinding,
    /// The E-I index (the same test as `cross_share`).
    pub ei_index: ChangeFinding,
    /// Did the new ties cross more or less than chance?
    pub new_ties: MixingFinding,
    /// Per category, in display order.
    pub categories: Vec<CategoryFinding>,
}

/// The claims about one change between consecutive waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeFindings {
    /// The earlier wave's id.
    pub from: String,
    /// The later wave's id.
    pub to: String,
    /// Number of ties.
    pub ties: ChangeFinding,
    /// Mean ties per organisation (the same test as `ties`).
    pub mean_degree: ChangeFinding,
    /// The headline dimensions: primary, then vertical.
    pub dimensions: Vec<DimensionFindings>,
}

/// The most-cited themes of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeFinding {
    /// Challenge, benefit or recommendation.
    pub kind: CodeKind,
    /// Codes of this kind in the codebook.
    pub themes: usize,
    /// The ids of the most-cited themes, in codebook order.
    pub top: Vec<String>,
    /// The number of distinct sources that raised each of them.
    pub sources: usize,
    /// The verdict.
    pub verdict: ThemeVerdict,
}

/// Every claim of the documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    /// The level of the tests, [`ALPHA`].
    pub alpha: f64,
    /// The coverage of the intervals, [`CONFIDENCE`].
    pub confidence: f64,
    /// The rules, in words.
    pub rules: Vec<Rule>,
    /// The family of tests adjusted together.
    pub family: Family,
    /// Per wave: ties within or across categories.
    pub mixing: Vec<WaveMixing>,
    /// Per change between consecutive waves.
    pub changes: Vec<ChangeFindings>,
    /// Per kind of theme.
    pub themes: Vec<ThemeFinding>,
}

/// The verdict on a change: `Increased` when the interval lies above zero and the
/// adjusted p-value is below [`ALPHA`], `Decreased` when below zero likewise, else
/// `NoClearChange` ([`CHANGE_RULE`]).
pub fn change_verdict(
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    p_adjusted: Option<f64>,
) -> ChangeVerdict {
    let significant = p_adjusted.is_some_and(|p| p < ALPHA);
    match (ci_low, ci_high) {
        (Some(lo), Some(_)) if significant && lo > 0.0 => ChangeVerdict::Increased,
        (Some(_), Some(hi)) if significant && hi < 0.0 => ChangeVerdict::Decreased,
        _ => ChangeVerdict::NoClearChange,
    }
}

/// The verdict on a homophily test: significant after adjustment, in the direction of
/// the observed internal ties against their expectation ([`MIXING_RULE`]).
pub fn mixing_verdict(
    observed_internal: u64,
    expected_internal: Option<f64>,
    p_adjusted: Option<f64>,
) -> MixingVerdict {
    let significant = p_adjusted.is_some_and(|p| p < ALPHA);
    match expected_internal {
        Some(e) if significant && observed_internal as f64 > e => {
            MixingVerdict::MoreWithinThanChance
        }
        Some(e) if significant && (observed_internal as f64) < e => {
            MixingVerdict::MoreAcrossThanChance
        }
        _ => MixingVerdict::AsChance,
    }
}

/// The most-cited themes among `(id, sources)` in codebook order ([`THEME_RULE`]).
pub fn theme_verdict(themes: &[(String, usize)]) -> (Vec<String>, usize, ThemeVerdict) {
    let most = themes.iter().map(|t| t.1).max().unwrap_or(0);
    if most == 0 {
        return (Vec::new(), 0, ThemeVerdict::NoSources);
    }
    let top: Vec<String> = themes
        .iter()
        .filter(|t| t.1 == most)
        .map(|t| t.0.clone())
        .collect();
    let verdict = if top.len() == 1 {
        ThemeVerdict::Single
    } else {
        ThemeVerdict::Tied
    };
    (top, most, verdict)
}

/// The id of the E-I test of dimension `column` in wave `wave`.
fn mixing_id(wave: &str, column: &str) -> String {
    format!("mixing:{wave}:{column}")
}

fn change_id(pair: &str, what: &str) -> String {
    format!("change:{pair}:{what}")
}

/// The family of tests adjusted together, in order, with their raw two-sided
/// p-values: the one place that says which tests the documents' verdicts rest on
/// ([`FAMILY_STATEMENT`]). A test without a p-value (no ties, no permutations) is left
/// out.
pub fn family(waves: &[WaveStats], changes: &[ChangeStats]) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut add = |id: String, p: Option<f64>| {
        if let Some(p) = p {
            out.push((id, p));
        }
    };
    for w in waves {
        for d in &w.dimensions {
            add(mixing_id(&w.id, &d.column), d.ei_test.p_two_sided);
        }
    }
    for c in changes {
        let pair = format!("{}->{}", c.from, c.to);
        add(change_id(&pair, "ties"), c.inference.ties.p_two_sided);
        for d in &c.inference.dimensions {
            add(
                change_id(&pair, &format!("cross:{}", d.column)),
                d.cross_share.p_two_sided,
            );
            let new = c.dimensions.iter().find(|x| x.column == d.column);
            add(
                change_id(&pair, &format!("new-cross:{}", d.column)),
                new.and_then(|x| x.new_cross_test.as_ref())
                    .and_then(|t| t.p_two_sided),
            );
            for cat in &d.categories {
                add(
                    change_id(&pair, &format!("mean-ties:{}:{}", d.column, cat.id)),
                    cat.mean_ties.p_two_sided,
                );
            }
        }
    }
    out
}

/// Decides every claim from the statistics of `waves` and `changes` and the study's
/// excerpts.
pub fn findings(study: &Study, waves: &[WaveStats], changes: &[ChangeStats]) -> Findings {
    let config = &study.config;
    let members = family(waves, changes);
    let raw: Vec<f64> = members.iter().map(|m| m.1).collect();
    let tests: Vec<FamilyTest> = members
        .iter()
        .zip(holm(&raw))
        .map(|((id, p), a)| FamilyTest {
            id: id.clone(),
            p: *p,
            p_adjusted: a,
        })
        .collect();
    let adjusted: BTreeMap<&str, f64> = tests
        .iter()
        .map(|t| (t.id.as_str(), t.p_adjusted))
        .collect();
    let adj = |id: &str| adjusted.get(id).copied();

    let mixing = waves
        .iter()
        .map(|w| WaveMixing {
            wave: w.id.clone(),
            dimensions: w
                .dimensions
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    let id = mixing_id(&w.id, &d.column);
                    let p = adj(&id);
                    mixing_finding(
                        &d.column,
                        role_of(config, k),
                        w.ties,
                        &d.ei_test,
                        d.ei_index,
                        id,
                        p,
                    )
                })
                .collect(),
        })
        .collect();

    let changes = changes.iter().map(|c| change_findings(c, &adj)).collect();

    Findings {
        alpha: ALPHA,
        confidence: CONFIDENCE,
        rules: [
            ("change", CHANGE_RULE),
            ("mixing", MIXING_RULE),
            ("theme", THEME_RULE),
        ]
        .iter()
        .map(|(id, s)| Rule {
            id: (*id).to_owned(),
            statement: (*s).to_owned(),
        })
        .collect(),
        family: Family {
            method: "holm".to_owned(),
            size: tests.len(),
            statement: FAMILY_STATEMENT.to_owned(),
            tests,
        },
        mixing,
        changes,
        themes: themes(study),
    }
}

/// The claims about one change between waves; `adj` gives a family test's adjusted
/// p-value by id.
fn change_findings(c: &ChangeStats, adj: &impl Fn(&str) -> Option<f64>) -> ChangeFindings {
    let pair = format!("{}->{}", c.from, c.to);
    let ties_id = change_id(&pair, "ties");
    let dimensions = c
        .inference
        .dimensions
        .iter()
        .map(|d| {
            let cross_id = change_id(&pair, &format!("cross:{}", d.column));
            let new_id = change_id(&pair, &format!("new-cross:{}", d.column));
            let dc = c.dimensions.iter().find(|x| x.column == d.column);
            let new_test = dc
                .and_then(|x| x.new_cross_test.clone())
                .unwrap_or_else(empty_test);
            let new_ei = dc.and_then(|x| x.new_cross_share).map(|s| 2.0 * s - 1.0);
            DimensionFindings {
                column: d.column.clone(),
                role: d.role,
                cross_share: change_finding(&d.cross_share, &cross_id, adj(&cross_id)),
                ei_index: change_finding(&d.ei_index, &cross_id, adj(&cross_id)),
                new_ties: mixing_finding(
                    &d.column,
                    d.role,
                    c.new_ties,
                    &new_test,
                    new_ei,
                    new_id.clone(),
                    adj(&new_id),
                ),
                categories: d
                    .categories
                    .iter()
                    .map(|cat| {
                        let id = change_id(&pair, &format!("mean-ties:{}:{}", d.column, cat.id));
                        CategoryFinding {
                            id: cat.id.clone(),
                            mean_ties: change_finding(&cat.mean_ties, &id, adj(&id)),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    ChangeFindings {
        from: c.from.clone(),
        to: c.to.clone(),
        ties: change_finding(&c.inference.ties, &ties_id, adj(&ties_id)),
        mean_degree: change_finding(&c.inference.mean_degree, &ties_id, adj(&ties_id)),
        dimensions,
    }
}

fn mixing_finding(
    column: &str,
    role: Role,
    ties: usize,
    t: &EiTest,
    ei_index: Option<f64>,
    test: String,
    p_adjusted: Option<f64>,
) -> MixingFinding {
    let question = match role {
        Role::Primary => Question::Within,
        Role::Vertical => Question::Across,
        Role::Other => Question::Either,
    };
    let share = |internal: f64| (ties > 0).then(|| 1.0 - internal / ties as f64);
    MixingFinding {
        column: column.to_owned(),
        role,
        question,
        ties,
        cross_share: share(t.observed_internal as f64),
        expected_cross_share: t.expected_internal.and_then(share),
        ei_index,
        null_mean: t.null_mean,
        p_within: t.p_within,
        p_across: t.p_across,
        p_question: match question {
            Question::Within => t.p_within,
            Question::Across => t.p_across,
            Question::Either => t.p_two_sided,
        },
        p_two_sided: t.p_two_sided,
        p_adjusted,
        test,
        verdict: mixing_verdict(t.observed_internal, t.expected_internal, p_adjusted),
    }
}

fn change_finding(c: &Change, test: &str, p_adjusted: Option<f64>) -> ChangeFinding {
    ChangeFinding {
        from: c.from,
        to: c.to,
        change: c.change,
        ci_low: c.ci_low,
        ci_high: c.ci_high,
        p_increase: c.p_increase,
        p_decrease: c.p_decrease,
        p_two_sided: c.p_two_sided,
        p_adjusted,
        test: test.to_owned(),
        verdict: change_verdict(c.ci_low, c.ci_high, p_adjusted),
    }
}

fn empty_test() -> EiTest {
    EiTest {
        permutations: 0,
        observed_internal: 0,
        expected_internal: None,
        null_mean: None,
        permutation_mean: None,
        at_least: 0,
        at_most: 0,
        p_within: None,
        p_across: None,
        p_two_sided: None,
    }
}

/// Per kind of code, the themes raised by the most distinct sources.
fn themes(study: &Study) -> Vec<ThemeFinding> {
    [
        CodeKind::Challenge,
        CodeKind::Benefit,
        CodeKind::Recommendation,
    ]
    .into_iter()
    .map(|kind| {
        let counts: Vec<(String, usize)> = study
            .config
            .codebook
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == kind)
            .map(|(i, c)| (c.id.clone(), study.sources_raising(i)))
            .collect();
        let (top, sources, verdict) = theme_verdict(&counts);
        ThemeFinding {
            kind,
            themes: counts.len(),
            top,
            sources,
            verdict,
        }
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_rule() {
        use ChangeVerdict::*;
        assert_eq!(change_verdict(Some(0.1), Some(0.5), Some(0.01)), Increased);
        assert_eq!(
            change_verdict(Some(-0.5), Some(-0.1), Some(0.01)),
            Decreased
        );
        // The interval excludes zero but the adjusted p-value does not clear alpha.
        assert_eq!(
            change_verdict(Some(0.1), Some(0.5), Some(0.06)),
            NoClearChange
        );
        // Significant, but the interval covers zero.
        assert_eq!(
            change_verdict(Some(-0.1), Some(0.5), Some(0.001)),
            NoClearChange
        );
        // An interval touching zero does not lie above it.
        assert_eq!(
            change_verdict(Some(0.0), Some(0.5), Some(0.001)),
            NoClearChange
        );
        assert_eq!(change_verdict(None, None, Some(0.001)), NoClearChange);
        assert_eq!(change_verdict(Some(0.1), Some(0.5), None), NoClearChange);
    }

    #[test]
    fn mixing_rule() {
        use MixingVerdict::*;
        assert_eq!(
            mixing_verdict(30, Some(20.0), Some(0.001)),
            MoreWithinThanChance
        );
        assert_eq!(
            mixing_verdict(10, Some(20.0), Some(0.001)),
            MoreAcrossThanChance
        );
        assert_eq!(mixing_verdict(30, Some(20.0), Some(0.05)), AsChance);
        assert_eq!(mixing_verdict(20, Some(20.0), Some(0.001)), AsChance);
        assert_eq!(mixing_verdict(3, None, None), AsChance);
    }

    #[test]
    fn theme_rule_reports_ties_as_ties() {
        let t = |v: &[(&str, usize)]| -> Vec<(String, usize)> {
            v.iter().map(|&(a, b)| (a.to_owned(), b)).collect()
        };
        assert_eq!(
            theme_verdict(&t(&[("a", 3), ("b", 5), ("c", 5)])),
            (vec!["b".to_owned(), "c".to_owned()], 5, ThemeVerdict::Tied)
        );
        assert_eq!(
            theme_verdict(&t(&[("a", 3), ("b", 5), ("c", 4)])),
            (vec!["b".to_owned()], 5, ThemeVerdict::Single)
        );
        assert_eq!(
            theme_verdict(&t(&[("a", 0)])),
            (vec![], 0, ThemeVerdict::NoSources)
        );
        assert_eq!(theme_verdict(&[]), (vec![], 0, ThemeVerdict::NoSources));
    }

    /// The rule statements print as prose: no digits, so no number reaches a document
    /// except through the statistics.
    #[test]
    fn rule_statements_carry_no_numbers() {
        for s in [CHANGE_RULE, MIXING_RULE, THEME_RULE, FAMILY_STATEMENT] {
            assert!(!s.chars().any(|c| c.is_ascii_digit()), "{s}");
        }
    }
}
