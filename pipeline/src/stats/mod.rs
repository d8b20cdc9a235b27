//! The statistics of a study, computed from the validated model into [`Stats`], the
//! value serialised as `stats.json`.
//!
//! The table work is polars' ([`groups`]: ties joined to the organisations'
//! categories, group-bys for per-category degree sums and the crossing counts; the
//! survey counts); it yields integers only. Every floating-point value is formed in
//! plain Rust from integers or from slices in a fixed order, so `stats.json` is the
//! same bytes on every run, machine and thread count. Definitions, references and the
//! full key layout are in `STATISTICS.md` at the repository root.
//!
//! The study is validated before it gets here ([`crate::load`]): every category,
//! wave and code index is in range, so nothing is checked a second time.
//!
//! The submodules work on plain tie lists and category labels, so each measure can be
//! tested without a study: [`graph`] (network structure), [`centrality`] (brokers),
//! [`homophily`] (mixing, E-I, assortativity, permutation test), [`groups`] (the
//! polars tables: degree by category and the mixing counts), [`qualitative`],
//! [`survey`] and [`rng`] (seeded draws). The survey's design (who could report which
//! tie) is in [`design`]; intervals and tests of the changes between waves in
//! [`inference`]; the tie-rule and non-response views in [`sensitivity`]. The verdicts
//! drawn from all of these are in [`crate::findings`].

pub mod centrality;
pub mod design;
pub mod graph;
pub mod groups;
pub mod homophily;
pub mod inference;
pub mod qualitative;
pub mod rng;
pub mod sensitivity;
mod survey;

use polars::prelude::PolarsError;
use serde::{Deserialize, Serialize};

use crate::findings::Findings;
use crate::model::{SourceKind, Study};
use crate::stats::design::Strata;
use crate::stats::graph::{Components, Graph, GraphError, NetworkStats};
use crate::stats::groups::{OrgFrame, Sums};
use crate::stats::homophily::PermutationTest;
use crate::stats::inference::ChangeInference;
use crate::stats::sensitivity::Sensitivity;

pub use qualitative::Qualitative;
pub use survey::Survey;

/// The layout version of `stats.json`; bump it when a key changes meaning or moves.
///
/// 1: `survey`, `waves[].dimensions[].categories[]` degree statistics.
/// 2: adds `methods`, `waves[].network`, `waves[].brokers`, the homophily keys of
///    `waves[].dimensions[]` and their categories, `changes` and `qualitative`.
/// 3: the E-I test permutes labels within response strata and reports both tails
///    (`ei_test.p_value` and `as_extreme` give way to `p_within`, `p_across`,
///    `p_two_sided`, `at_least`, `at_most`; `null_mean` is the closed form); adds
///    `cross_share` and `expected_cross_share` per dimension, the new ties' baseline and
///    test, `changes[].inference`, `sensitivity` and `findings`.
pub const STATS_SCHEMA: u32 = 3;

/// How many of the highest-betweenness organisations count as top brokers.
pub const TOP_BROKERS: usize = 5;

/// Everything the documents show, derived from a study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Layout version, [`STATS_SCHEMA`].
    pub schema: u32,
    /// Whether the study's data are synthetic.
    pub synthetic: bool,
    /// Survey counts.
    pub survey: Survey,
    /// Counts for the methods section, all derived from the data.
    pub methods: Methods,
    /// Per wave, in the order of `study.toml`.
    pub waves: Vec<WaveStats>,
    /// Between consecutive waves: `changes[i]` compares `waves[i]` and `waves[i + 1]`.
    pub changes: Vec<ChangeStats>,
    /// The qualitative material.
    pub qualitative: Qualitative,
    /// The headline numbers under both tie rules and on respondents only.
    pub sensitivity: Sensitivity,
    /// Every claim of the documents with its evidence and verdict.
    pub findings: Findings,
}

/// Counts for the methods section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Methods {
    /// Organisations listed.
    pub organisations: usize,
    /// Distinct countries of the organisations.
    pub countries: usize,
    /// Those countries, sorted.
    pub country_names: Vec<String>,
    /// Distinct interviews among the excerpts' sources.
    pub interviews: usize,
    /// Distinct focus groups among the excerpts' sources.
    pub focus_groups: usize,
    /// Distinct countries of the participants quoted in excerpts.
    pub participant_countries: usize,
    /// Coded excerpts.
    pub excerpts: usize,
    /// Countries visited in the field (from `study.toml`).
    pub field_visit_countries: usize,
    /// Meetings observed (from `study.toml`).
    pub observed_meetings: usize,
    /// Survey waves.
    pub waves: usize,
    /// Dimensions of difference.
    pub dimensions: usize,
    /// Codes in the codebook.
    pub codes: usize,
}

/// The statistics of one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveStats {
    /// Wave id.
    pub id: String,
    /// Wave label.
    pub label: String,
    /// Number of undirected ties after the tie rule.
    pub ties: usize,
    /// Whole-network statistics.
    pub network: NetworkStats,
    /// Betweenness and closeness summaries.
    pub brokers: BrokerStats,
    /// Per dimension, in the order of `study.toml`.
    pub dimensions: Vec<DimensionStats>,
}

/// Summaries of the brokerage measures of one wave (no organisation is named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerStats {
    /// `exact` or `sampled` (above 20,000 organisations).
    pub method: String,
    /// Breadth-first search sources used: every organisation, or the pivots.
    pub sources: usize,
    /// How many top brokers are asked for, [`TOP_BROKERS`].
    pub top_k: usize,
    /// How many were found: organisations with positive betweenness, at most `top_k`.
    pub top_brokers: usize,
    /// Normalised betweenness over all organisations.
    pub betweenness: Summary,
    /// Freeman's betweenness centralisation.
    pub betweenness_centralisation: Option<f64>,
    /// Closeness (Wasserman-Faust scaled) over all organisations.
    pub closeness: Summary,
}

/// Mean and maximum of a measure over organisations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Mean; `None` for no organisations.
    pub mean: Option<f64>,
    /// Maximum; `None` for no organisations.
    pub max: Option<f64>,
}

/// One dimension's statistics in one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionStats {
    /// The dimension's column.
    pub column: String,
    /// The dimension's display label (`label` in `study.toml`).
    pub label: String,
    /// The label as it reads inside a sentence (`text_label` in `study.toml`, or the
    /// label's running-text form).
    pub text_label: String,
    /// Categories in display order (including those with no members).
    pub categories: Vec<CategoryStats>,
    /// Ties between categories `i` and `j` (display order), symmetric; the diagonal
    /// counts ties inside a category once.
    pub mixing: Vec<Vec<u64>>,
    /// Ties inside a category.
    pub internal_ties: u64,
    /// Ties across categories.
    pub external_ties: u64,
    /// Krackhardt & Stern's E-I index of all ties.
    pub ei_index: Option<f64>,
    /// Newman's categorical assortativity coefficient.
    pub assortativity: Option<f64>,
    /// Mean over the organisations with a tie of their share of ties to other
    /// categories (a mean of per-organisation ratios, not the share of ties).
    pub cross_ratio: Option<f64>,
    /// Share of the ties that cross categories, `external / (internal + external)`.
    pub cross_share: Option<f64>,
    /// That share expected when labels are permuted within response strata.
    pub expected_cross_share: Option<f64>,
    /// Permutation test of the E-I index.
    pub ei_test: EiTest,
    /// Organisations among the top brokers (the `top_brokers` of the categories sum to it).
    pub top_brokers: usize,
}

/// The permutation test of a dimension's E-I index, labels permuted within response
/// strata (see [`homophily::ei_permutation_test`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EiTest {
    /// Label permutations drawn.
    pub permutations: u32,
    /// Ties inside categories as observed.
    pub observed_internal: u64,
    /// Ties inside categories expected under the permutations (closed form).
    pub expected_internal: Option<f64>,
    /// The E-I index expected under the permutations (closed form).
    pub null_mean: Option<f64>,
    /// The mean E-I index over the permutations drawn (Monte Carlo).
    pub permutation_mean: Option<f64>,
    /// Permutations with at least as many ties inside categories as observed.
    pub at_least: u32,
    /// Permutations with at most as many ties inside categories as observed.
    pub at_most: u32,
    /// One-sided p-value for more ties within categories than chance.
    pub p_within: Option<f64>,
    /// One-sided p-value for more ties across categories than chance.
    pub p_across: Option<f64>,
    /// Two-sided p-value.
    pub p_two_sided: Option<f64>,
}

impl From<PermutationTest> for EiTest {
    fn from(t: PermutationTest) -> EiTest {
        EiTest {
            permutations: t.permutations,
            observed_internal: t.observed_internal,
            expected_internal: t.expected_internal,
            null_mean: t.null_mean,
            permutation_mean: t.permutation_mean,
            at_least: t.at_least,
            at_most: t.at_most,
            p_within: t.p_within,
            p_across: t.p_across,
            p_two_sided: t.p_two_sided,
        }
    }
}

/// Statistics of one category in one wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryStats {
    /// Category id.
    pub id: String,
    /// Number of organisations.
    pub n: usize,
    /// Sum of their degrees.
    pub ties_sum: u64,
    /// Mean ties per organisation; `None` for an empty category.
    pub mean_ties: Option<f64>,
    /// Sample standard deviation of ties; `None` below two members.
    pub sd_ties: Option<f64>,
    /// Ties between two members.
    pub internal_ties: u64,
    /// Ties between a member and a non-member.
    pub external_ties: u64,
    /// E-I index over the members' ties (internal ties seen from both ends).
    pub ei_index: Option<f64>,
    /// Mean over members with a tie of their share of ties to other categories.
    pub cross_ratio: Option<f64>,
    /// Members averaged in `cross_ratio`.
    pub cross_ratio_orgs: usize,
    /// Members left out of `cross_ratio` for having no tie.
    pub cross_ratio_excluded: usize,
    /// Mean normalised betweenness of the members.
    pub mean_betweenness: Option<f64>,
    /// Mean closeness of the members.
    pub mean_closeness: Option<f64>,
    /// Members among the wave's top brokers.
    pub top_brokers: usize,
}

/// What changed between two consecutive waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeStats {
    /// The earlier wave's id.
    pub from: String,
    /// The later wave's id.
    pub to: String,
    /// Ties present in the later wave only.
    pub new_ties: usize,
    /// Ties present in the earlier wave only.
    pub lost_ties: usize,
    /// Ties present in both.
    pub kept_ties: usize,
    /// Per dimension, in the order of `study.toml`.
    pub dimensions: Vec<DimensionChange>,
    /// Intervals and tests of the headline changes.
    pub inference: ChangeInference,
}

/// The change of one dimension between two waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionChange {
    /// The dimension's column.
    pub column: String,
    /// New ties across categories.
    pub new_cross: usize,
    /// `new_cross / new_ties`; `None` without new ties.
    pub new_cross_share: Option<f64>,
    /// `new_cross_share` expected when labels are permuted within response strata of
    /// the later wave; `None` without new ties.
    pub new_cross_expected: Option<f64>,
    /// The permutation test of the new ties' E-I index (headline dimensions only).
    pub new_cross_test: Option<EiTest>,
    /// Per category, in display order.
    pub categories: Vec<CategoryChange>,
}

/// The change of one category between two waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryChange {
    /// Category id.
    pub id: String,
    /// Later mean ties minus earlier mean ties; `None` for an empty category.
    pub mean_ties_change: Option<f64>,
}

/// Why statistics could not be computed. Neither can happen for a study that
/// [`crate::load`] accepted; they are errors rather than panics so that a caller that
/// assembles a [`Study`] by hand learns what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// A wave's ties do not form a graph on the organisations.
    #[error("wave {wave:?}: {source}")]
    Graph {
        /// The wave's id.
        wave: String,
        /// What is wrong with its ties.
        #[source]
        source: GraphError,
    },
    /// A table operation of polars failed.
    #[error("a table operation failed: {0}")]
    Table(#[from] PolarsError),
}

/// What [`wave_stats`] computes for one wave.
struct WaveOutcome {
    /// The wave's statistics.
    stats: WaveStats,
    /// Per dimension, per category: the degree sums (for the changes).
    sums: Vec<Vec<Sums>>,
    /// The organisations counted among the top brokers, ascending.
    top_brokers: Vec<u32>,
}

/// A wave's ties and per-dimension sums, kept for the changes.
struct WaveData {
    ties: Vec<(u32, u32)>,
    sums: Vec<Vec<Sums>>,
}

/// Computes all statistics of `study`, using up to `threads` threads (the result does
/// not depend on the number).
pub fn compute(study: &Study, threads: usize) -> Result<Stats, StatsError> {
    Ok(assemble(study, network(study, threads)?))
}

/// The statistics that depend only on the configuration, the organisations and the
/// ties: the survey, every wave's network battery and the changes between waves.
/// This is the expensive part (permutation tests, betweenness); the build caches it
/// so that editing the qualitative data does not recompute it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkPart {
    /// Survey counts.
    pub survey: Survey,
    /// Per wave.
    pub waves: Vec<WaveStats>,
    /// Between consecutive waves.
    pub changes: Vec<ChangeStats>,
    /// The tie-rule and non-response views.
    pub sensitivity: Sensitivity,
    /// Per wave, the organisations counted among the top brokers (indices, ascending).
    /// Not part of `stats.json`: disclosure control needs them to protect the broker
    /// counts by category ([`crate::publication`]).
    pub top_brokers: Vec<Vec<u32>>,
}

/// Completes a [`NetworkPart`] with the methods counts and the qualitative
/// statistics (cheap, and the only parts that read the excerpts).
pub fn assemble(study: &Study, network: NetworkPart) -> Stats {
    let findings = crate::findings::findings(study, &network.waves, &network.changes);
    Stats {
        schema: STATS_SCHEMA,
        synthetic: study.config.synthetic,
        survey: network.survey,
        methods: methods(study),
        waves: network.waves,
        changes: network.changes,
        qualitative: qualitative::qualitative(study),
        sensitivity: network.sensitivity,
        findings,
    }
}

/// Computes the [`NetworkPart`] of `study` on up to `threads` threads.
pub fn network(study: &Study, threads: usize) -> Result<NetworkPart, StatsError> {
    let survey = survey::survey(study)?;
    let dims = &study.config.dimensions;
    let labels: Vec<Vec<u32>> = (0..dims.len()).map(|k| study.labels(k)).collect();
    let sizes = dims.iter().map(|d| d.categories.len()).collect();
    let frame = OrgFrame::new(study.orgs.len(), labels.clone(), sizes)?;
    let mut waves = Vec::new();
    let mut data = Vec::new();
    let mut top_brokers = Vec::new();
    for w in 0..study.config.waves.len() {
        let ties = study.ties(w);
        let WaveOutcome {
            stats,
            sums,
            top_brokers: top,
        } = wave_stats(study, (&labels, &frame), w, &ties, threads)?;
        top_brokers.push(top);
        waves.push(stats);
        data.push(WaveData { ties, sums });
    }
    let changes = data
        .windows(2)
        .enumerate()
        .map(|(i, d)| change(study, &labels, (i, &d[0]), (i + 1, &d[1]), threads))
        .collect();
    Ok(NetworkPart {
        survey,
        waves,
        changes,
        sensitivity: sensitivity::sensitivity(study, &labels),
        top_brokers,
    })
}

/// The statistics of wave `w` from its undirected `ties`, given each dimension's
/// labels and the same as a polars frame.
///
/// Longer than most functions here: it gathers, per dimension and category, every
/// measure of the wave into one `stats.json` record, in the order of its keys.
fn wave_stats(
    study: &Study,
    (labels, frame): (&[Vec<u32>], &OrgFrame),
    w: usize,
    ties: &[(u32, u32)],
    threads: usize,
) -> Result<WaveOutcome, StatsError> {
    let config = &study.config;
    let wave = &config.waves[w];
    let n = study.orgs.len();
    let g = Graph::from_edges(n, ties).map_err(|source| StatsError::Graph {
        wave: wave.id.clone(),
        source,
    })?;
    let comps: Components = graph::components(&g);
    let network = graph::network_stats(&g, &comps);
    let cent = centrality::centrality(
        &g,
        &comps,
        rng::derive_seed(config.seed, "betweenness-pivots", "", &wave.id),
        threads,
    );
    let top = centrality::top_brokers(&cent.betweenness, TOP_BROKERS);
    let degree: Vec<u32> = (0..n).map(|v| g.degree(v) as u32).collect();
    let strata = Strata::by_response(&design::respondents(study, w));
    let tables = groups::wave_tables(frame, ties, &degree)?;

    let mut dimensions = Vec::new();
    let mut all_sums = Vec::new();
    for ((dim, lab), table) in config.dimensions.iter().zip(labels).zip(tables) {
        let k = dim.categories.len();
        let (sums, mixing) = (table.sums, table.mixing);
        let (ext, deg) = homophily::external_ties_per_node(ties, lab);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        for (v, &c) in lab.iter().enumerate() {
            members[c as usize].push(v);
        }
        let mut top_count = vec![0usize; k];
        top.iter()
            .for_each(|&v| top_count[lab[v as usize] as usize] += 1);
        let categories = dim
            .categories
            .iter()
            .enumerate()
            .map(|(c, cat)| {
                let s = sums[c];
                let cross = homophily::cross_ratio(members[c].iter().copied(), &ext, &deg);
                CategoryStats {
                    id: cat.id.clone(),
                    n: s.n,
                    ties_sum: s.sum,
                    mean_ties: groups::mean(s.n, s.sum),
                    sd_ties: groups::sample_sd(s.n, s.sum, s.sumsq),
                    internal_ties: mixing[c][c],
                    external_ties: mixing[c]
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != c)
                        .map(|(_, &x)| x)
                        .sum(),
                    ei_index: homophily::group_ei_index(&mixing, c),
                    cross_ratio: cross.mean,
                    cross_ratio_orgs: cross.included,
                    cross_ratio_excluded: cross.excluded,
                    mean_betweenness: mean_of(&cent.betweenness, &members[c]),
                    mean_closeness: mean_of(&cent.closeness, &members[c]),
                    top_brokers: top_count[c],
                }
            })
            .collect();
        let (internal, external) = (homophily::internal(&mixing), homophily::external(&mixing));
        let test = homophily::ei_permutation_test(
            ties,
            lab,
            &strata,
            config.permutations,
            rng::derive_seed(config.seed, "ei-permutations", &dim.column, &wave.id),
            threads,
        );
        dimensions.push(DimensionStats {
            column: dim.column.clone(),
            label: dim.label.clone(),
            text_label: dim.text_label.clone(),
            categories,
            internal_ties: internal,
            external_ties: external,
            ei_index: homophily::ei_index(external, internal),
            assortativity: homophily::attribute_assortativity(&mixing),
            cross_ratio: homophily::cross_ratio(0..n, &ext, &deg).mean,
            cross_share: sensitivity::cross_share(external, internal),
            expected_cross_share: test.expected_internal.map(|i| 1.0 - i / ties.len() as f64),
            ei_test: test.into(),
            top_brokers: top.len(),
            mixing,
        });
        all_sums.push(sums);
    }
    let brokers = BrokerStats {
        method: if cent.sampled() { "sampled" } else { "exact" }.to_owned(),
        sources: if cent.sampled() { cent.pivots.len() } else { n },
        top_k: TOP_BROKERS,
        top_brokers: top.len(),
        betweenness: summary(&cent.betweenness),
        betweenness_centralisation: centrality::centralisation(&cent.betweenness),
        closeness: summary(&cent.closeness),
    };
    let stats = WaveStats {
        id: wave.id.clone(),
        label: wave.label.clone(),
        ties: ties.len(),
        network,
        brokers,
        dimensions,
    };
    let mut top_brokers = top;
    top_brokers.sort_unstable();
    Ok(WaveOutcome {
        stats,
        sums: all_sums,
        top_brokers,
    })
}

/// Mean of `values` over `members`, summed in member order.
fn mean_of(values: &[f64], members: &[usize]) -> Option<f64> {
    (!members.is_empty())
        .then(|| members.iter().map(|&v| values[v]).sum::<f64>() / members.len() as f64)
}

fn summary(values: &[f64]) -> Summary {
    let all: Vec<usize> = (0..values.len()).collect();
    Summary {
        mean: mean_of(values, &all),
        max: values.iter().copied().reduce(f64::max),
    }
}

/// What changed from wave `wa` to wave `wb`: tie turnover, the new ties' crossing
/// with its baseline and test, per-category mean ties, and the intervals and tests of
/// the headline changes.
fn change(
    study: &Study,
    labels: &[Vec<u32>],
    (wa, a): (usize, &WaveData),
    (wb, b): (usize, &WaveData),
    threads: usize,
) -> ChangeStats {
    let config = &study.config;
    let (from, to) = (&config.waves[wa].id, &config.waves[wb].id);
    let (new, lost, kept) = diff(&a.ties, &b.ties);
    let strata = Strata::by_response(&design::respondents(study, wb));
    let pair = format!("{from}->{to}");
    let dimensions = study
        .config
        .dimensions
        .iter()
        .enumerate()
        .map(|(k, dim)| {
            let lab = &labels[k];
            let new_cross = new
                .iter()
                .filter(|&&(x, y)| lab[x as usize] != lab[y as usize])
                .count();
            let categories = dim
                .categories
                .iter()
                .enumerate()
                .map(|(c, cat)| {
                    let (sa, sb) = (a.sums[k][c], b.sums[k][c]);
                    let delta = i128::from(sb.sum) - i128::from(sa.sum);
                    CategoryChange {
                        id: cat.id.clone(),
                        mean_ties_change: (sb.n > 0)
                            .then(|| graph::ratio_i128(delta, sb.n as i128)),
                    }
                })
                .collect();
            let headline = inference::role_of(config, k) != inference::Role::Other;
            DimensionChange {
                column: dim.column.clone(),
                new_cross,
                new_cross_share: (!new.is_empty())
                    .then(|| graph::ratio_i128(new_cross as i128, new.len() as i128)),
                new_cross_expected: design::expected_cross_share(&new, lab, &strata),
                new_cross_test: headline.then(|| {
                    homophily::ei_permutation_test(
                        &new,
                        lab,
                        &strata,
                        config.permutations,
                        rng::derive_seed(config.seed, "new-tie-permutations", &dim.column, &pair),
                        threads,
                    )
                    .into()
                }),
                categories,
            }
        })
        .collect();
    ChangeStats {
        from: from.to_owned(),
        to: to.to_owned(),
        new_ties: new.len(),
        lost_ties: lost,
        kept_ties: kept,
        dimensions,
        inference: inference::change_inference(
            study,
            labels,
            (wa, wb),
            config.permutations,
            threads,
        ),
    }
}

/// Ties only in `b` (listed), and the numbers only in `a` and in both; both sorted.
fn diff(a: &[(u32, u32)], b: &[(u32, u32)]) -> (Vec<(u32, u32)>, usize, usize) {
    let (mut i, mut j) = (0, 0);
    let (mut new, mut lost, mut kept) = (Vec::new(), 0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                kept += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                lost += 1;
                i += 1;
            }
            (Some(_), None) => {
                lost += 1;
                i += 1;
            }
            (_, Some(y)) => {
                new.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    (new, lost, kept)
}

fn methods(study: &Study) -> Methods {
    let country_names: Vec<String> = study
        .orgs
        .iter()
        .map(|o| o.country.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let participant_countries = study
        .excerpts
        .iter()
        .map(|e| e.country.as_str())
        .filter(|c| !c.is_empty())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    Methods {
        organisations: study.orgs.len(),
        countries: country_names.len(),
        country_names,
        interviews: qualitative::distinct_sources(study, SourceKind::Interview),
        focus_groups: qualitative::distinct_sources(study, SourceKind::FocusGroup),
        participant_countries,
        excerpts: study.excerpts.len(),
        field_visit_countries: study.config.methods.field_visit_countries.len(),
        observed_meetings: study.config.methods.observed_meetings.len(),
        waves: study.config.waves.len(),
        dimensions: study.config.dimensions.len(),
        codes: study.config.codebook.len(),
    }
}

/// Degree of each of `n` organisations in an undirected tie list.
pub fn degrees(n: usize, ties: &[(u32, u32)]) -> Vec<u32> {
    let mut d = vec![0u32; n];
    for &(a, b) in ties {
        d[a as usize] += 1;
        d[b as usize] += 1;
    }
    d
}

#[cfg(test)]
mod tests;
