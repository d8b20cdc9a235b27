//! A seeded generator of synthetic studies: from the parameters in `synth.toml` and a
//! parsed `study.toml` to the three raw CSV files, byte for byte the same on every run.
//!
//! The generator follows the study's design (see `data/README.md`): a fixed number of
//! surveyed and responding organisations with a category in every declared dimension
//! and a country; directed tie reports in every declared wave, made only by
//! respondents, with homophily by the primary dimension and by country; and coded
//! interview and focus-group excerpts whose texts are composed from pools of
//! sentences, so that no two are alike. Nothing about the categories is written
//! here: they come from the study, and the weights that shape them from
//! `synth.toml`, keyed by dimension column and category id.
//!
//! It runs in three steps, one module each:
//! 1. `resolve`: `synth.toml` (`params`) and the study's [`StudyShape`] (`shape`,
//!    the only reader of the study configuration) become a plan of named, checked
//!    values; every problem is reported at once, located at `synth.toml:line:column`.
//! 2. `draw` and `excerpts`: organisations, tie reports and excerpts are drawn from
//!    the plan.
//! 3. `write`: the three CSV files.
//!
//! Determinism: every random choice goes through [`crate::stats::rng`] (bounded
//! integers, shuffles, weighted choice, Bernoulli trials), on ChaCha8 streams seeded
//! from `seed` and the purpose of the draw, with integer arithmetic and exactly
//! rounded floating-point operations only; every map is a `BTreeMap`; every output is
//! written in a fixed order. Like the rest of this crate it does no I/O.

mod draw;
mod excerpts;
mod params;
mod resolve;
mod shape;
mod write;

pub use params::{
    CountryParams, DimensionParams, ExcerptParams, OrgParams, Params, TextPools, TieParams,
    WaveParams, Weights,
};
pub use shape::{CODE_KINDS, ShapeCode, ShapeDimension, StudyShape};
pub use write::csv_field;

use crate::diag::Problem;
use crate::study::StudyConfig;

/// The conventional file name of the parameters (`data/synth.toml`).
pub const PARAMS_FILE: &str = "synth.toml";

/// The levels an excerpt's participant can work at, as written in `raw/excerpts.csv`.
pub const LEVELS: [&str; 3] = ["local", "national", "global"];

/// A size override for scaled (benchmark) studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Size {
    /// Total organisations; surveyed and responding counts keep their proportions.
    pub orgs: Option<usize>,
    /// Total tie reports over all waves, split in proportion to the mean degrees.
    pub ties: Option<usize>,
}

/// Why a study could not be generated: every problem found, each at
/// `synth.toml:line:column` (one per line when displayed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", lines(.problems))]
pub struct SynthError {
    /// The problems, sorted by position.
    pub problems: Vec<Problem>,
}

impl SynthError {
    fn new(mut problems: Vec<Problem>) -> SynthError {
        problems.sort();
        problems.dedup();
        SynthError { problems }
    }

    fn one(problem: Problem) -> SynthError {
        SynthError {
            problems: vec![problem],
        }
    }
}

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The generated study: the three raw files and a summary of what is in them.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// `raw/organisations.csv`.
    pub organisations: String,
    /// `raw/ties.csv`.
    pub ties: String,
    /// `raw/excerpts.csv`.
    pub excerpts: String,
    /// Counts of what was generated.
    pub summary: Summary,
}

/// Counts of a generated study, for the command line to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Organisations listed.
    pub orgs: usize,
    /// Organisations surveyed.
    pub surveyed: usize,
    /// Organisations that responded.
    pub responded: usize,
    /// Tie reports per wave, in `study.toml` order.
    pub reports: Vec<WaveCount>,
    /// Interviews.
    pub interviews: usize,
    /// Focus groups.
    pub focus_groups: usize,
    /// Excerpts.
    pub excerpts: usize,
    /// Excerpts whose participants consented to be quoted.
    pub consented: usize,
}

/// The number of tie reports drawn in one wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveCount {
    /// The wave id.
    pub wave: String,
    /// Directed reports (reporter named partner).
    pub reports: usize,
}

/// Generates the three raw files of a study described by `config`.
pub fn generate(
    params: &Params,
    config: &StudyConfig,
    size: Size,
) -> Result<Generated, SynthError> {
    generate_shaped(params, &StudyShape::of(config), size)
}

/// Generates the three raw files of a study of the given shape.
pub fn generate_shaped(
    params: &Params,
    shape: &StudyShape,
    size: Size,
) -> Result<Generated, SynthError> {
    let plan = resolve::resolve(params, shape, size)?;
    let orgs = draw::organisations(&plan);
    let waves = draw::ties(&plan, &orgs)?;
    let (sources, excerpts) = excerpts::draw(&plan)?;
    let summary = Summary {
        orgs: plan.orgs.total,
        surveyed: plan.orgs.surveyed,
        responded: plan.orgs.responded,
        reports: waves
            .iter()
            .map(|w| WaveCount {
                wave: w.wave.clone(),
                reports: w.placed,
            })
            .collect(),
        interviews: plan.excerpts.interviews,
        focus_groups: plan.excerpts.focus_groups,
        excerpts: excerpts.len(),
        consented: excerpts
            .iter()
            .filter(|e| sources[e.source].consent)
            .count(),
    };
    Ok(Generated {
        organisations: write::organisations(&plan, &orgs),
        ties: write::ties(&plan, &orgs.respondents(), &waves),
        excerpts: write::excerpts(&plan, &sources, &excerpts),
        summary,
    })
}
