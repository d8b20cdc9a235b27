//! The statistics of a study, computed from the validated model into [`Stats`], the
//! value serialised as `stats.json`.
//!
//! Counts may come from polars group aggregates; every floating-point value is formed
//! in plain Rust from integers or from slices in a fixed order, so `stats.json` is the
//! same bytes on every run, machine and thread count. Definitions are in
//! `STATISTICS.md`.

mod groups;
mod survey;

use serde::Serialize;

use crate::model::Study;

pub use groups::{CategoryStats, DimensionStats};
pub use survey::Survey;

/// The layout version of `stats.json`; bump it when a key changes meaning or moves.
pub const STATS_SCHEMA: u32 = 1;

/// Everything the documents show, derived from a study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Layout version, [`STATS_SCHEMA`].
    pub schema: u32,
    /// Whether the study's data are synthetic.
    pub synthetic: bool,
    /// Survey counts.
    pub survey: Survey,
    /// Per wave, in the order of `study.toml`.
    pub waves: Vec<WaveStats>,
}

/// The statistics of one wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaveStats {
    /// Wave id.
    pub id: String,
    /// Wave label.
    pub label: String,
    /// Number of undirected ties after the tie rule.
    pub ties: usize,
    /// Per dimension, in the order of `study.toml`.
    pub dimensions: Vec<DimensionStats>,
}

/// Computes all statistics of `study`.
pub fn compute(study: &Study) -> Result<Stats, polars::error::PolarsError> {
    let survey = survey::survey(study)?;
    let mut waves = Vec::new();
    for (w, wave) in study.config.waves.iter().enumerate() {
        let ties = study.ties(w);
        let degree = degrees(study.orgs.len(), &ties);
        let dimensions = groups::by_dimension(study, &degree)?;
        waves.push(WaveStats {
            id: wave.id.clone(),
            label: wave.label.clone(),
            ties: ties.len(),
            dimensions,
        });
    }
    Ok(Stats {
        schema: STATS_SCHEMA,
        synthetic: study.config.synthetic,
        survey,
        waves,
    })
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
