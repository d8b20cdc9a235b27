//! Display-ready views of a study for the templates, with disclosure control applied.
//!
//! The templates see the statistics (`stats`), the configuration (`study`) and these
//! views. Everything that decides what may be shown lives here, in tested Rust, not
//! in template logic: counts below the suppression threshold become `"<N"`, only
//! consented excerpts are included (the others never reach a template), and no
//! organisation id appears anywhere.

use serde::Serialize;

use crate::disclosure;
use crate::model::{Level, SourceKind, Study};
use crate::study::{CodeKind, DimIndex, Dimension};

/// Everything the templates need beyond `study` and `stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Views {
    /// Index of the primary dimension in `study.dimensions` and `stats...dimensions`.
    pub primary_index: usize,
    /// Index of the vertical dimension, if declared.
    pub vertical_index: Option<usize>,
    /// Every dimension with its categories' sizes, in declaration order.
    pub dimensions: Vec<DimensionView>,
    /// The conceptual grid (primary dimension by the grid's column dimension), if the
    /// study declares one.
    pub grid: Option<Grid>,
    /// Consented excerpts chosen for quotation, by code kind.
    pub quotes: Quotes,
    /// The codes of each kind with their frequencies, most frequent first.
    pub themes: Themes,
    /// Wave labels, in order.
    pub waves: Vec<String>,
}

/// One dimension with display counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionView {
    /// Column name.
    pub column: String,
    /// Display label.
    pub label: String,
    /// Categories in display order.
    pub categories: Vec<CategoryView>,
}

/// One category with its size, suppressed when small.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryView {
    /// Id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Colour.
    pub colour: String,
    /// Number of organisations, or `"<N"` when below the threshold.
    pub n: String,
    /// Whether statistics of this category are suppressed.
    pub suppressed: bool,
}

/// A cross-tabulation of organisations by two dimensions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grid {
    /// Row dimension label.
    pub rows_label: String,
    /// Column dimension label.
    pub columns_label: String,
    /// Column category labels.
    pub columns: Vec<String>,
    /// Rows: label and one display count per column.
    pub rows: Vec<GridRow>,
}

/// One row of a [`Grid`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridRow {
    /// Row category label.
    pub label: String,
    /// Display counts: a number, `"<N"` for small non-zero cells, `"–"` for none.
    pub cells: Vec<String>,
}

/// Quotable excerpts by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quotes {
    /// Excerpts coded with a challenge.
    pub challenge: Vec<Quote>,
    /// Excerpts coded with a benefit.
    pub benefit: Vec<Quote>,
    /// Excerpts coded with a recommendation.
    pub recommendation: Vec<Quote>,
}

/// One consented excerpt with a non-identifying attribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// The words.
    pub text: String,
    /// For example "interview, local level, sex workers".
    pub attribution: String,
    /// Labels of its codes.
    pub codes: Vec<String>,
}

/// Codes with frequencies, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Themes {
    /// Challenges.
    pub challenge: Vec<Theme>,
    /// Benefits.
    pub benefit: Vec<Theme>,
    /// Recommendations.
    pub recommendation: Vec<Theme>,
}

/// A code and how many excerpts carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Theme {
    /// Code id.
    pub id: String,
    /// Code label.
    pub label: String,
    /// Excerpts coded with it.
    pub excerpts: usize,
    /// Distinct sources (interviews or focus groups) that raised it.
    pub sources: usize,
}

/// How many quotes of each kind the documents may print.
pub const QUOTES_PER_KIND: usize = 4;
/// Longest excerpt (in characters) chosen for a quote, so slides stay readable.
pub const QUOTE_MAX_CHARS: usize = 320;

/// Builds the views of `study`.
pub fn build(study: &Study) -> Views {
    let cfg = &study.config;
    let threshold = cfg.suppression_threshold as usize;
    let dimensions = cfg
        .dimensions
        .iter()
        .enumerate()
        .map(|(k, d)| dimension_view(study, k, d, threshold))
        .collect();
    let grid = cfg
        .grid
        .map(|g| grid(study, g.rows.get(), g.columns.get(), threshold));
    Views {
        primary_index: cfg.primary.get(),
        vertical_index: cfg.vertical.map(DimIndex::get),
        dimensions,
        grid,
        quotes: {
            // Each excerpt is quoted at most once across the kinds.
            let mut used = Vec::new();
            Quotes {
                challenge: quotes(study, CodeKind::Challenge, &mut used),
                benefit: quotes(study, CodeKind::Benefit, &mut used),
                recommendation: quotes(study, CodeKind::Recommendation, &mut used),
            }
        },
        themes: Themes {
            challenge: themes(study, CodeKind::Challenge),
            benefit: themes(study, CodeKind::Benefit),
            recommendation: themes(study, CodeKind::Recommendation),
        },
        waves: cfg.waves.iter().map(|w| w.label.clone()).collect(),
    }
}

/// A count for display: `"<N"` when `1 <= n < threshold`.
pub fn display_count(n: usize, threshold: usize) -> String {
    if n > 0 && n < threshold {
        format!("<{threshold}")
    } else {
        n.to_string()
    }
}

fn dimension_view(study: &Study, k: usize, d: &Dimension, threshold: usize) -> DimensionView {
    let counts: Vec<usize> = (0..d.categories.len())
        .map(|i| study.orgs.iter().filter(|o| o.categories[k] == i).count())
        .collect();
    let hide = disclosure::hidden(&counts, threshold);
    let categories = d
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| CategoryView {
            id: c.id.clone(),
            label: c.label.clone(),
            colour: c.colour.as_str().to_owned(),
            n: shown_count(counts[i], hide[i], threshold),
            suppressed: hide[i],
        })
        .collect();
    DimensionView {
        column: d.column.clone(),
        label: d.label.clone(),
        categories,
    }
}

/// A count as printed: the number; `"<N"` for a small group; `"n/s"` (not shown) for a
/// group hidden only so that a small one cannot be worked out by subtraction.
fn shown_count(n: usize, hidden: bool, threshold: usize) -> String {
    if !hidden {
        n.to_string()
    } else if n < threshold {
        display_count(n, threshold)
    } else {
        "n/s".to_owned()
    }
}

fn grid(study: &Study, rows: usize, cols: usize, threshold: usize) -> Grid {
    let (rd, cd) = (
        &study.config.dimensions[rows],
        &study.config.dimensions[cols],
    );
    let counts: Vec<Vec<usize>> = (0..rd.categories.len())
        .map(|r| {
            (0..cd.categories.len())
                .map(|c| {
                    study
                        .orgs
                        .iter()
                        .filter(|o| o.categories[rows] == r && o.categories[cols] == c)
                        .count()
                })
                .collect()
        })
        .collect();
    let hide = disclosure::hidden_cells(&counts, threshold);
    let rows_out = rd
        .categories
        .iter()
        .enumerate()
        .map(|(r, rc)| GridRow {
            label: rc.label.clone(),
            cells: counts[r]
                .iter()
                .zip(&hide[r])
                .map(|(&n, &h)| {
                    if n == 0 {
                        "–".to_owned()
                    } else {
                        shown_count(n, h, threshold)
                    }
                })
                .collect(),
        })
        .collect();
    Grid {
        rows_label: rd.label.clone(),
        columns_label: cd.label.clone(),
        columns: cd.categories.iter().map(|c| c.label.clone()).collect(),
        rows: rows_out,
    }
}

fn kind_matches(study: &Study, codes: &[usize], kind: CodeKind) -> bool {
    codes.iter().any(|&c| study.config.codebook[c].kind == kind)
}

/// Consented excerpts of `kind` that fit on a slide, in id order, at most one per
/// source so no single voice dominates and none already quoted (`used` holds the
/// ids quoted so far). Excerpts coded only with codes of `kind` come first.
fn quotes<'a>(study: &'a Study, kind: CodeKind, used: &mut Vec<&'a str>) -> Vec<Quote> {
    let primary = study.config.primary();
    let pure = |codes: &[usize]| codes.iter().all(|&c| study.config.codebook[c].kind == kind);
    let mut candidates: Vec<&crate::model::Excerpt> = study
        .excerpts
        .iter()
        .filter(|e| {
            e.consent
                && e.text.chars().count() <= QUOTE_MAX_CHARS
                && kind_matches(study, &e.codes, kind)
                && !used.contains(&e.id.as_str())
        })
        .collect();
    // Stable: id order within each group.
    candidates.sort_by_key(|e| !pure(&e.codes));
    let mut used_sources: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for e in candidates {
        if out.len() == QUOTES_PER_KIND {
            break;
        }
        if used_sources.contains(&e.source_id.as_str()) {
            continue;
        }
        used_sources.push(&e.source_id);
        used.push(&e.id);
        let source = match e.source_kind {
            SourceKind::Interview => "interview",
            SourceKind::FocusGroup => "focus group",
        };
        let level = match e.level {
            Level::Local => "local level",
            Level::National => "national level",
            Level::Global => "global level",
        };
        let population = &primary.categories[e.population].label;
        out.push(Quote {
            text: e.text.clone(),
            attribution: format!("{source}, {level}, {}", population.to_lowercase()),
            codes: e
                .codes
                .iter()
                .map(|&c| study.config.codebook[c].label.clone())
                .collect(),
        });
    }
    out
}

fn themes(study: &Study, kind: CodeKind) -> Vec<Theme> {
    let mut out: Vec<Theme> = study
        .config
        .codebook
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == kind)
        .map(|(i, c)| {
            let carrying: Vec<_> = study
                .excerpts
                .iter()
                .filter(|e| e.codes.contains(&i))
                .collect();
            let mut sources: Vec<&str> = carrying.iter().map(|e| e.source_id.as_str()).collect();
            sources.sort_unstable();
            sources.dedup();
            Theme {
                id: c.id.clone(),
                label: c.label.clone(),
                excerpts: carrying.len(),
                sources: sources.len(),
            }
        })
        .collect();
    // Most frequent first; codebook order breaks ties (the sort is stable).
    out.sort_by_key(|t| std::cmp::Reverse(t.excerpts));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_counts_say_why() {
        assert_eq!(shown_count(2, true, 3), "<3");
        assert_eq!(shown_count(8, true, 3), "n/s");
        assert_eq!(shown_count(8, false, 3), "8");
    }

    #[test]
    fn small_counts_are_suppressed() {
        assert_eq!(display_count(0, 3), "0");
        assert_eq!(display_count(2, 3), "<3");
        assert_eq!(display_count(3, 3), "3");
    }
}
