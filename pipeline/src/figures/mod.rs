//! Figures as SVG text, drawn with plotters from [`Stats`] and the study's palette.
//!
//! Every figure is a pure function of its inputs: no randomness without the study's
//! seed, fixed sizes, and fonts named by family (the vendored fonts that Typst uses
//! when it embeds the SVG). Groups smaller than the suppression threshold are drawn
//! as a marked gap, never as a bar.

mod bars;

use crate::model::Study;
use crate::stats::Stats;

pub use bars::{BarChart, BarGroup};

/// The sans-serif family used in figures (vendored in `report/fonts`).
pub const FONT: &str = "Inter";

/// A rendered figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// File stem, for example `fig3-ties-by-population`.
    pub name: String,
    /// Alternative text for screen readers, built from the data.
    pub alt: String,
    /// The SVG document.
    pub svg: String,
}

/// Draws every figure of the documents.
pub fn render_all(study: &Study, stats: &Stats) -> Result<Vec<Figure>, FigureError> {
    let primary = study.primary_index();
    let mut figures = vec![ties_by_dimension(
        study,
        stats,
        primary,
        "fig3-ties-by-population",
    )?];
    if let Some(k) = study.config.dimensions.iter().position(|d| d.column == "org_type") {
        figures.push(ties_by_dimension(study, stats, k, "fig4-ties-by-org-type")?);
    }
    Ok(figures)
}

/// An error from the drawing backend.
#[derive(Debug, thiserror::Error)]
#[error("could not draw figure {figure}: {message}")]
pub struct FigureError {
    /// Which figure.
    pub figure: String,
    /// The backend's message.
    pub message: String,
}

/// Mean ties per category of dimension `k`, one bar per wave (the seed's Fig 3/4).
pub fn ties_by_dimension(study: &Study, stats: &Stats, k: usize, name: &str) -> Result<Figure, FigureError> {
    let dim = &study.config.dimensions[k];
    let threshold = study.config.suppression_threshold as usize;
    let groups = dim
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| BarGroup {
            label: c.label.clone(),
            colour: c.colour.clone(),
            values: stats
                .waves
                .iter()
                .map(|w| {
                    let cs = &w.dimensions[k].categories[i];
                    if cs.n < threshold { None } else { cs.mean_ties }
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    let series: Vec<String> = study.config.waves.iter().map(|w| w.label.clone()).collect();
    let chart = BarChart {
        y_label: "Mean ties per organisation".into(),
        series: series.clone(),
        groups: groups.clone(),
    };
    let svg = chart.to_svg().map_err(|message| FigureError { figure: name.into(), message })?;
    let mut alt = format!("Bar chart of the mean number of ties per organisation by {}", dim.label.to_lowercase());
    for g in &groups {
        let vals: Vec<String> = series
            .iter()
            .zip(&g.values)
            .map(|(s, v)| match v {
                Some(v) => format!("{} {}", s.to_lowercase(), crate::numfmt::fixed(*v, 1)),
                None => format!("{} suppressed", s.to_lowercase()),
            })
            .collect();
        alt.push_str(&format!("; {}: {}", g.label, vals.join(", ")));
    }
    alt.push('.');
    Ok(Figure { name: name.into(), alt, svg })
}
