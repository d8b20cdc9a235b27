//! Survey counts: organisations surveyed, responded, response rate.

use polars::prelude::*;
use serde::Serialize;

use crate::model::Study;

/// How many organisations were surveyed and answered.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Survey {
    /// Organisations listed in the study.
    pub organisations: usize,
    /// Organisations the survey was sent to.
    pub surveyed: usize,
    /// Organisations that answered.
    pub responded: usize,
    /// `responded / surveyed`; `None` when nobody was surveyed.
    pub response_rate: Option<f64>,
}

/// Counts the survey with polars over the organisations' flags.
pub fn survey(study: &Study) -> PolarsResult<Survey> {
    let df = df!(
        "surveyed" => study.orgs.iter().map(|o| o.surveyed).collect::<Vec<_>>(),
        "responded" => study.orgs.iter().map(|o| o.responded).collect::<Vec<_>>(),
    )?;
    let count = |name: &str| -> PolarsResult<usize> {
        Ok(df.column(name)?.bool()?.sum().unwrap_or(0) as usize)
    };
    let surveyed = count("surveyed")?;
    let responded = count("responded")?;
    Ok(Survey {
        organisations: df.height(),
        surveyed,
        responded,
        response_rate: (surveyed > 0).then(|| responded as f64 / surveyed as f64),
    })
}
