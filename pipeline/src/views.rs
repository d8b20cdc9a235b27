//! Display-ready views of a study for the templates, with disclosure control applied.
//!
//! The templates see the public statistics (`stats`), the configuration (`study`) and
//! these views. Everything that decides what may be shown lives in tested Rust, not in
//! template logic: counts come from the protected count tables of
//! [`crate::publication`] (`<N` for a small group, zero included; `n/s` for a group
//! hidden to protect one), only consented excerpts are included (the others never
//! reach a template), attributions fit enough sources, and no organisation id appears
//! anywhere.

use serde::Serialize;

use crate::model::{Level, SourceKind, Study};
use crate::publication::Public;
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
    /// The top brokers by category as printed: `brokers[wave][dimension][category]`.
    pub brokers: Vec<Vec<Vec<String>>>,
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
    /// For example "interview, local level, sex workers"; when fewer sources than the
    /// threshold share that description, a coarser one that says what it withholds,
    /// such as "interview, global level (population withheld)".
    pub attribution: String,
    /// Whether the attribution was coarsened.
    pub coarsened: bool,
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
pub fn build(study: &Study, public: Public<'_>) -> Views {
    let cfg = &study.config;
    let dimensions = cfg
        .dimensions
        .iter()
        .enumerate()
        .map(|(k, d)| dimension_view(public, k, d))
        .collect();
    let grid = cfg
        .grid
        .map(|g| grid(study, public, g.rows.get(), g.columns.get()));
    Views {
        primary_index: cfg.primary.get(),
        vertical_index: cfg.vertical.map(DimIndex::get),
        dimensions,
        grid,
        quotes: {
            // Each source is quoted at most once across the kinds, so at most once in
            // each document.
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
        brokers: brokers(study, public),
    }
}

fn dimension_view(public: Public<'_>, k: usize, d: &Dimension) -> DimensionView {
    let categories = d
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| CategoryView {
            id: c.id.clone(),
            label: c.label.clone(),
            colour: c.colour.as_str().to_owned(),
            n: public.size(k, i).1,
            suppressed: public.hidden(k, i),
        })
        .collect();
    DimensionView {
        column: d.column.clone(),
        label: d.label.clone(),
        categories,
    }
}

/// The conceptual grid as the protected count tables print it: a number, `<k` for a
/// small cell (zero included) or `n/s` for a cell hidden to protect one.
fn grid(study: &Study, public: Public<'_>, rows: usize, cols: usize) -> Grid {
    let (rd, cd) = (
        &study.config.dimensions[rows],
        &study.config.dimensions[cols],
    );
    let rows_out = rd
        .categories
        .iter()
        .enumerate()
        .map(|(r, rc)| GridRow {
            label: rc.label.clone(),
            cells: (0..cd.categories.len())
                .map(|c| public.grid(r, c).map_or_else(|| "n/s".to_owned(), |g| g.1))
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

/// The top brokers of each wave by each dimension's categories, as printed.
fn brokers(study: &Study, public: Public<'_>) -> Vec<Vec<Vec<String>>> {
    (0..study.config.waves.len())
        .map(|w| {
            study
                .config
                .dimensions
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    (0..d.categories.len())
                        .map(|c| public.brokers(w, k, c).1)
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn kind_matches(study: &Study, codes: &[usize], kind: CodeKind) -> bool {
    codes.iter().any(|&c| study.config.codebook[c].kind == kind)
}

/// Consented excerpts of `kind` that fit on a slide, in id order, at most one per
/// source across all kinds (`used` holds the sources quoted so far), so no voice
/// dominates and no two quotes of one document can be linked to one person. Excerpts
/// coded only with codes of `kind` come first. Each quote's attribution is the most
/// precise one that at least `suppression_threshold` sources of the study share
/// ([`attribution`]); an excerpt whose source fits no such description is not quoted.
fn quotes<'a>(study: &'a Study, kind: CodeKind, used: &mut Vec<&'a str>) -> Vec<Quote> {
    let threshold = study.config.suppression_threshold as usize;
    let pure = |codes: &[usize]| codes.iter().all(|&c| study.config.codebook[c].kind == kind);
    let mut candidates: Vec<&crate::model::Excerpt> = study
        .excerpts
        .iter()
        .filter(|e| {
            e.consent
                && e.text.chars().count() <= QUOTE_MAX_CHARS
                && kind_matches(study, &e.codes, kind)
        })
        .collect();
    // Stable: id order within each group.
    candidates.sort_by_key(|e| !pure(&e.codes));
    let mut out = Vec::new();
    for e in candidates {
        if out.len() == QUOTES_PER_KIND {
            break;
        }
        if used.contains(&e.source_id.as_str()) {
            continue;
        }
        let Some((attribution, coarsened)) = attribution(study, e, threshold) else {
            continue;
        };
        used.push(&e.source_id);
        out.push(Quote {
            text: e.text.clone(),
            attribution,
            coarsened,
            codes: e
                .codes
                .iter()
                .map(|&c| study.config.codebook[c].label.clone())
                .collect(),
        });
    }
    out
}

/// How precisely a quote's source is described.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Detail {
    /// Kind, level and population.
    Full,
    /// Kind and level.
    Level,
    /// Kind only.
    Kind,
    /// Nothing: "a participant".
    Nothing,
}

/// The attribution of excerpt `e`: the most precise of kind-level-population,
/// kind-level, kind, and nothing, that at least `threshold` distinct sources of the
/// study share (consented or not: a reader cannot tell them apart), with whether it
/// was coarsened. `None` when the study has fewer than `threshold` sources at all.
fn attribution(
    study: &Study,
    e: &crate::model::Excerpt,
    threshold: usize,
) -> Option<(String, bool)> {
    let fits = |detail: Detail, other: &crate::model::Excerpt| {
        (detail >= Detail::Nothing || other.source_kind == e.source_kind)
            && (detail >= Detail::Kind || other.level == e.level)
            && (detail >= Detail::Level || other.population == e.population)
    };
    let sources = |detail: Detail| {
        let mut ids: Vec<&str> = study
            .excerpts
            .iter()
            .filter(|o| fits(detail, o))
            .map(|o| o.source_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let detail = [Detail::Full, Detail::Level, Detail::Kind, Detail::Nothing]
        .into_iter()
        .find(|&d| sources(d) >= threshold)?;
    let source = match e.source_kind {
        SourceKind::Interview => "interview",
        SourceKind::FocusGroup => "focus group",
    };
    let level = match e.level {
        Level::Local => "local level",
        Level::National => "national level",
        Level::Global => "global level",
    };
    let population = study
        .config
        .primary()
        .categories
        .get(e.population)
        .map_or(String::new(), |c| c.label.to_lowercase());
    let text = match detail {
        Detail::Full => format!("{source}, {level}, {population}"),
        Detail::Level => format!("{source}, {level} (population withheld)"),
        Detail::Kind => format!("{source} (level and population withheld)"),
        Detail::Nothing => "a participant (source withheld)".to_owned(),
    };
    Some((text, detail != Detail::Full))
}

fn themes(study: &Study, kind: CodeKind) -> Vec<Theme> {
    let mut out: Vec<Theme> = study
        .config
        .codebook
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == kind)
        .map(|(i, c)| Theme {
            id: c.id.clone(),
            label: c.label.clone(),
            excerpts: study
                .excerpts
                .iter()
                .filter(|e| e.codes.contains(&i))
                .count(),
            sources: study.sources_raising(i),
        })
        .collect();
    // Raised by the most sources first (the documents say "raised by most sources";
    // `findings.themes` decides the most-cited theme and reports ties), then by
    // excerpts; codebook order breaks the remaining ties (the sort is stable).
    out.sort_by_key(|t| std::cmp::Reverse((t.sources, t.excerpts)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A study with one population dimension (two categories), one code of each kind
    /// and the given excerpts (no organisations: quotes do not need them).
    fn study_with(excerpts: Vec<crate::model::Excerpt>) -> Study {
        let config = crate::study::StudyConfig::parse(
            r##"
schema = 1
title = "t"
subtitle = "s"
short_title = "t"
version = "1"
created = "2017-01-17"
synthetic = true
suppression_threshold = 3
tie_rule = "union"
seed = 7
primary_dimension = "population"

[[authors]]
name = "A"
affiliation = "B"

[event]
name = "E"
place = "P"
date = "2017-01-17"

[[waves]]
id = "w"
label = "W"
year = 2016

[[dimensions]]
column = "population"
label = "Population served"
[[dimensions.categories]]
id = "pud"
label = "People who use drugs"
colour = "#E69F00"
[[dimensions.categories]]
id = "sw"
label = "Sex workers"
colour = "#009E73"

[[codebook]]
id = "silos"
label = "Working in silos"
kind = "challenge"

[[codebook]]
id = "movement"
label = "Belonging to a movement"
kind = "benefit"

[[codebook]]
id = "early_roles"
label = "Explore roles early"
kind = "recommendation"

[methods]
field_visit_countries = []
observed_meetings = []
"##,
        )
        .expect("test config parses");
        Study::new(config, Vec::new(), Vec::new(), excerpts)
    }

    /// Excerpt `id` of `source`, with codes (0 challenge, 1 benefit, 2 recommendation).
    fn excerpt(
        id: &str,
        source: &str,
        kind: SourceKind,
        level: Level,
        population: usize,
        codes: &[usize],
    ) -> crate::model::Excerpt {
        crate::model::Excerpt {
            id: id.into(),
            source_id: source.into(),
            source_kind: kind,
            level,
            country: String::new(),
            population,
            codes: codes.to_vec(),
            consent: true,
            text: format!("Words of {id}."),
        }
    }

    #[test]
    fn an_attribution_shared_by_too_few_sources_is_coarsened() {
        use Level::{Global, Local};
        use SourceKind::{FocusGroup, Interview};
        let s = study_with(vec![
            // Three local interviews with people who use drugs: full attribution.
            excerpt("E01", "I1", Interview, Local, 0, &[0]),
            excerpt("E02", "I2", Interview, Local, 0, &[1]),
            excerpt("E03", "I3", Interview, Local, 0, &[2]),
            // One global interview with sex workers among three global interviews.
            excerpt("E04", "I4", Interview, Global, 1, &[0]),
            excerpt("E05", "I5", Interview, Global, 0, &[1]),
            excerpt("E06", "I6", Interview, Global, 0, &[2]),
            // One focus group, and one local interview with sex workers.
            excerpt("E07", "F1", FocusGroup, Local, 1, &[0]),
            excerpt("E08", "I7", Interview, Local, 1, &[0]),
        ]);
        let v = build(&s, Public(&serde_json::Value::Null));
        let said: Vec<(&str, &str, bool)> = v
            .quotes
            .challenge
            .iter()
            .map(|q| (q.text.as_str(), q.attribution.as_str(), q.coarsened))
            .collect();
        assert_eq!(
            said,
            [
                (
                    "Words of E01.",
                    "interview, local level, people who use drugs",
                    false
                ),
                (
                    "Words of E04.",
                    "interview, global level (population withheld)",
                    true
                ),
                ("Words of E07.", "a participant (source withheld)", true),
                (
                    "Words of E08.",
                    "interview, local level (population withheld)",
                    true
                ),
            ]
        );
    }

    #[test]
    fn a_source_is_quoted_once_across_all_kinds() {
        use Level::Local;
        use SourceKind::Interview;
        // Source I1 has an excerpt of every kind; I2 only a benefit.
        let mut excerpts = vec![
            excerpt("E01", "I1", Interview, Local, 0, &[0]),
            excerpt("E02", "I1", Interview, Local, 0, &[1]),
            excerpt("E03", "I1", Interview, Local, 0, &[2]),
            excerpt("E04", "I2", Interview, Local, 0, &[1]),
            excerpt("E05", "I3", Interview, Local, 0, &[0]),
        ];
        excerpts[4].consent = false;
        let v = build(&study_with(excerpts), Public(&serde_json::Value::Null));
        let texts = |q: &[Quote]| q.iter().map(|q| q.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(&v.quotes.challenge), ["Words of E01."]);
        assert_eq!(texts(&v.quotes.benefit), ["Words of E04."]);
        assert!(v.quotes.recommendation.is_empty());
    }

    #[test]
    fn a_study_with_too_few_sources_quotes_nobody() {
        use Level::Local;
        use SourceKind::Interview;
        let v = build(
            &study_with(vec![
                excerpt("E01", "I1", Interview, Local, 0, &[0]),
                excerpt("E02", "I2", Interview, Local, 0, &[0]),
            ]),
            Public(&serde_json::Value::Null),
        );
        assert!(v.quotes.challenge.is_empty());
    }
}
