//! Figures as SVG text, drawn with plotters from [`Stats`] and the study's palette.
//!
//! Every figure is a pure function of its inputs: no randomness without the study's
//! seed, fixed sizes, and fonts named by family (the vendored fonts that Typst uses
//! when it embeds the SVG). Numbers are printed through [`crate::numfmt`]. Groups
//! smaller than the suppression threshold are never drawn as a bar, segment, cell or
//! colour: they are a marked gap, `<N`, a blank or neutral grey.
//!
//! The figures, by file stem (`<column>` is a dimension's column, `<wave>` a wave id):
//!
//! - `profile`: the organisational profile, one 100% bar per dimension;
//! - `distribution-<column>`: organisations per category;
//! - `ties-by-<column>`: mean ties per organisation per category and wave;
//! - `cross-ratio-by-<column>`: mean share of ties across categories, per wave;
//! - `network-<wave>`: the network map, in one layout for all waves;
//! - `mixing-<column>-<wave>`: ties between categories, for the primary and the
//!   vertical dimension;
//! - `codes`: how often each qualitative code was applied.
//!
//! The deck has its own variants, drawn for projection ([`Style::Projection`]): the
//! same text sizes on smaller canvases, so that placed on a slide every label, value
//! and legend reads at 16 pt or more. Their stems start with [`SLIDE_PREFIX`]:
//! `slide-network-<wave>`, `slide-ties-by-<column>` (primary dimension) and
//! `slide-cross-ratio-by-<column>` (primary and vertical dimensions), `slide-themes-<kind>` (sources per theme of each
//! kind of code present) and `slide-profile-<i>` (the profile, two dimensions a slide).

mod bars;
mod draw;
mod groupmap;
mod hbars;
mod heatmap;
mod network;
mod profile;
#[cfg(test)]
mod tests;

use crate::disclosure::combos;
use crate::model::Study;
use crate::numfmt;
use crate::publication::Public;
use crate::stats::{DimensionStats, Stats, rng};
use crate::study::{CodeKind, NetworkMapMode};

pub use bars::{BarChart, BarGroup, Scale};
pub use draw::{DrawError, Rgb};
pub use groupmap::GroupMap;
pub use hbars::{HBar, HBarChart};
pub use heatmap::Heatmap;
pub use network::{NetworkMap, Shape};
pub use profile::Profile;

/// The sans-serif family used in figures (vendored in `report/fonts`).
pub const FONT: &str = "Inter";

/// The stem prefix of the projection variants.
pub const SLIDE_PREFIX: &str = "slide-";

/// How a figure is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// For the printed brief: wide canvases, dense text.
    Print,
    /// For projection on a slide: the same text sizes on smaller canvases (the deck
    /// places a chart 480 pt wide and a full-width figure 750 pt wide, so 18-pixel text
    /// reads at 16 pt or more; `tests/e2e` checks the placement).
    Projection,
}

impl Style {
    /// The stem of figure `stem` in this style.
    pub fn name(self, stem: &str) -> String {
        match self {
            Style::Print => stem.to_owned(),
            Style::Projection => format!("{SLIDE_PREFIX}{stem}"),
        }
    }

    /// The canvas of a bar chart.
    fn chart(self) -> (u32, u32) {
        match self {
            Style::Print => (bars::WIDTH, bars::HEIGHT),
            Style::Projection => (540, 330),
        }
    }

    /// The canvas of a network map.
    fn map(self) -> (u32, u32) {
        match self {
            Style::Print => (network::WIDTH, network::HEIGHT),
            Style::Projection => (820, 250),
        }
    }

    /// The width of a full-width figure (the codes, the profile) and its least height.
    fn wide(self) -> (u32, u32) {
        match self {
            Style::Print => (profile::WIDTH, profile::MIN_HEIGHT),
            Style::Projection => (820, 0),
        }
    }
}

/// Dimensions per slide of the projected profile.
pub const PROFILE_ROWS_PER_SLIDE: usize = 2;

/// A rendered figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// File stem, for example `ties-by-population`.
    pub name: String,
    /// Alternative text for screen readers, built from the data.
    pub alt: String,
    /// The SVG document.
    pub svg: String,
}

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// The drawing backend failed.
    #[error("could not draw figure {figure}: {source}")]
    Draw {
        /// Which figure.
        figure: String,
        /// The backend's error.
        #[source]
        source: DrawError,
    },
    /// The statistics passed in are not those of the study (for example a cached
    /// `stats.json` of another study).
    #[error("could not draw figure {figure}: the statistics do not match the study: {what}")]
    Mismatch {
        /// Which figure.
        figure: String,
        /// What does not match.
        what: String,
    },
}

fn mismatch(figure: &str, what: impl Into<String>) -> FigureError {
    FigureError::Mismatch {
        figure: figure.to_owned(),
        what: what.into(),
    }
}

/// Draws every figure of the documents, in the order they are discussed.
pub fn render_all(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
) -> Result<Vec<Figure>, FigureError> {
    render_all_with_layout(study, stats, public, &NetworkLayout::compute(study))
}

/// [`render_all`] with the network layout computed beforehand (it needs only the
/// study, so a caller may compute it while the statistics run).
pub fn render_all_with_layout(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
    layout: &NetworkLayout,
) -> Result<Vec<Figure>, FigureError> {
    let config = &study.config;
    let dims = 0..config.dimensions.len();
    let mut figures = vec![profile(study, public)?];
    for k in dims.clone() {
        figures.push(distribution(study, public, k)?);
    }
    for k in dims.clone() {
        figures.push(ties_by_dimension(study, stats, public, k, Style::Print)?);
    }
    for k in dims {
        figures.push(cross_ratio_by_dimension(
            study,
            stats,
            public,
            k,
            Style::Print,
        )?);
    }
    let (print_maps, slide_maps) = network_maps(study, stats, public, layout)?;
    figures.extend(print_maps);
    let mut mixing_dims = vec![config.primary.get()];
    if let Some(v) = config.vertical.filter(|&v| v != config.primary) {
        mixing_dims.push(v.get());
    }
    for &k in &mixing_dims {
        for w in 0..config.waves.len() {
            figures.push(mixing(study, stats, public, k, w)?);
        }
    }
    figures.push(codes(study, stats)?);
    figures.extend(projection(study, stats, public, slide_maps)?);
    Ok(figures)
}

/// The network maps of every wave as `network_map` in `study.toml` asks: for print and
/// for projection. What each organisation is drawn as is decided once for all of them.
fn network_maps(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
    layout: &NetworkLayout,
) -> Result<(Vec<Figure>, Vec<Figure>), FigureError> {
    let waves = 0..study.config.waves.len();
    let both = |draw: &dyn Fn(usize, Style) -> Result<Figure, FigureError>| {
        let all = |style| {
            waves
                .clone()
                .map(|w| draw(w, style))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok((all(Style::Print)?, all(Style::Projection)?))
    };
    match study.config.network_map {
        NetworkMapMode::Organisations => {
            let marks = map_marks(study, public);
            both(&|w, style| network_map(study, stats, (layout, &marks), w, style))
        }
        NetworkMapMode::Groups => both(&|w, style| group_map(study, public, w, style)),
        NetworkMapMode::Off => Ok((Vec::new(), Vec::new())),
    }
}

/// The deck's figures, drawn for projection.
fn projection(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
    maps: Vec<Figure>,
) -> Result<Vec<Figure>, FigureError> {
    let config = &study.config;
    let style = Style::Projection;
    let mut out = maps;
    // The primary dimension gets both charts (collaboration, then crossing); the
    // vertical one only the crossing chart its slide is about.
    let primary = config.primary.get();
    out.push(ties_by_dimension(study, stats, public, primary, style)?);
    out.push(cross_ratio_by_dimension(
        study, stats, public, primary, style,
    )?);
    if let Some(v) = config.vertical.filter(|&v| v != config.primary) {
        out.push(cross_ratio_by_dimension(
            study,
            stats,
            public,
            v.get(),
            style,
        )?);
    }
    for kind in [
        CodeKind::Challenge,
        CodeKind::Benefit,
        CodeKind::Recommendation,
    ] {
        if config.codebook.iter().any(|c| c.kind == kind) {
            out.push(themes(study, kind, style)?);
        }
    }
    out.extend(profile_slides(study, public)?);
    Ok(out)
}

/// The suppression threshold.
fn threshold(study: &Study) -> u32 {
    study.config.suppression_threshold
}

/// Which categories of dimension `k` the public statistics hide (small ones, zero
/// included, and those hidden to protect them; see [`crate::publication`]).
pub fn hidden(study: &Study, public: Public<'_>, k: usize) -> Vec<bool> {
    (0..study.config.dimensions[k].categories.len())
        .map(|c| public.hidden(k, c))
        .collect()
}

/// Organisations per category of dimension `k`, in display order (never printed:
/// figures print the protected counts of [`Public::size`]).
pub fn category_counts(study: &Study, k: usize) -> Vec<usize> {
    let mut counts = vec![0; study.config.dimensions[k].categories.len()];
    for org in &study.orgs {
        counts[org.categories[k]] += 1;
    }
    counts
}

/// `s` with its first letter in lower case, for use inside a sentence.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The note written in a hidden group's place.
fn not_shown(study: &Study) -> String {
    format!(
        "not shown: a group under {} or hidden to protect one",
        threshold(study)
    )
}

/// How a hidden group's size reads in an alternative text.
fn hidden_size_words(study: &Study, shown: &str) -> String {
    if shown.starts_with('<') {
        format!("fewer than {}", threshold(study))
    } else {
        "not shown, to protect a small group".to_owned()
    }
}

/// The statistics of dimension `k` in wave `w` (both in the order of `study.toml`),
/// checked to be those of that dimension.
fn dim_stats<'a>(
    study: &Study,
    stats: &'a Stats,
    k: usize,
    w: usize,
    figure: &str,
) -> Result<&'a DimensionStats, FigureError> {
    let dim = &study.config.dimensions[k];
    stats
        .waves
        .get(w)
        .and_then(|wave| wave.dimensions.get(k))
        .filter(|d| d.column == dim.column && d.categories.len() == dim.categories.len())
        .ok_or_else(|| {
            mismatch(
                figure,
                format!("no statistics for dimension {:?} in wave {w}", dim.column),
            )
        })
}

/// A bar chart of one statistic per category of dimension `k`, one bar per wave. A
/// value the public statistics withhold (`key` of the category) is not drawn; a
/// hidden group is a marked gap.
fn per_wave_chart(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
    (k, key): (usize, &str),
    name: &str,
    value: impl Fn(&crate::stats::CategoryStats) -> Option<f64>,
) -> Result<BarChart, FigureError> {
    let dim = &study.config.dimensions[k];
    let waves = (0..study.config.waves.len())
        .map(|w| dim_stats(study, stats, k, w, name))
        .collect::<Result<Vec<_>, _>>()?;
    let hide = hidden(study, public, k);
    let groups = dim
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let values: Vec<Option<f64>> = waves
                .iter()
                .enumerate()
                .map(|(w, d)| {
                    (!public.withheld(w, k, i, key))
                        .then(|| value(&d.categories[i]))
                        .flatten()
                })
                .collect();
            let withheld = (0..waves.len()).any(|w| public.withheld(w, k, i, key));
            BarGroup {
                label: c.label.clone(),
                colour: Rgb::of(&c.colour),
                suppressed: hide[i] || withheld,
                values,
            }
        })
        .collect();
    Ok(BarChart {
        y_label: String::new(),
        series: study.config.waves.iter().map(|w| w.label.clone()).collect(),
        groups,
        scale: Scale::Number { decimals: 1 },
        suppressed_note: not_shown(study),
    })
}

/// Alt-text sentences listing each group's values per wave.
fn describe_groups(chart: &BarChart, study: &Study, format: impl Fn(f64) -> String) -> String {
    let mut parts = Vec::new();
    for g in &chart.groups {
        if g.suppressed {
            parts.push(format!("{}: {}", g.label, not_shown(study)));
            continue;
        }
        let vals: Vec<String> = chart
            .series
            .iter()
            .zip(&g.values)
            .map(|(s, v)| match v {
                Some(v) if v.is_finite() => format!("{} {}", lower_first(s), format(*v)),
                _ => format!("{} no value", lower_first(s)),
            })
            .collect();
        parts.push(format!("{}: {}", g.label, vals.join(", ")));
    }
    parts.join("; ")
}

fn draw_error(name: &str) -> impl Fn(DrawError) -> FigureError + '_ {
    move |source| FigureError::Draw {
        figure: name.to_owned(),
        source,
    }
}

/// Mean ties per organisation per category of dimension `k`, one bar per wave (the
/// seed's Fig 3 for the population served, Fig 4 for organisation type).
pub fn ties_by_dimension(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
    k: usize,
    style: Style,
) -> Result<Figure, FigureError> {
    let dim = &study.config.dimensions[k];
    let name = style.name(&format!("ties-by-{}", dim.column));
    let mut chart = per_wave_chart(study, stats, public, (k, "mean_ties"), &name, |c| {
        c.mean_ties
    })?;
    chart.y_label = "Mean ties per organisation".into();
    let (w, h) = style.chart();
    let svg = chart.to_svg_sized(w, h).map_err(draw_error(&name))?;
    let alt = format!(
        "Bar chart of the mean number of ties per organisation by {}, one bar per survey wave. {}.",
        lower_first(&dim.label),
        describe_groups(&chart, study, |v| numfmt::fixed(v, 1))
    );
    Ok(Figure { name, alt, svg })
}

/// Mean cross-category ratio per category of dimension `k`, one bar per wave (the
/// seed's Fig 5 for the population served).
pub fn cross_ratio_by_dimension(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
    k: usize,
    style: Style,
) -> Result<Figure, FigureError> {
    let dim = &study.config.dimensions[k];
    let name = style.name(&format!("cross-ratio-by-{}", dim.column));
    let mut chart = per_wave_chart(study, stats, public, (k, "cross_ratio"), &name, |c| {
        c.cross_ratio
    })?;
    chart.y_label = "Share of ties to other categories".into();
    chart.scale = Scale::Percent;
    let (w, h) = style.chart();
    let svg = chart.to_svg_sized(w, h).map_err(draw_error(&name))?;
    let alt = format!(
        "Bar chart of the average share of each organisation's ties that link it to another category of {} (organisations with at least one tie), one bar per survey wave. {}.",
        lower_first(&dim.label),
        describe_groups(&chart, study, numfmt::percent)
    );
    Ok(Figure { name, alt, svg })
}

/// Organisations per category of dimension `k`, as the protected count table prints
/// them.
pub fn distribution(study: &Study, public: Public<'_>, k: usize) -> Result<Figure, FigureError> {
    let dim = &study.config.dimensions[k];
    let name = format!("distribution-{}", dim.column);
    let sizes: Vec<(Option<u64>, String)> = (0..dim.categories.len())
        .map(|c| public.size(k, c))
        .collect();
    let chart = BarChart {
        y_label: "Organisations".into(),
        series: vec!["Organisations".into()],
        groups: dim
            .categories
            .iter()
            .zip(&sizes)
            .map(|(c, (n, _))| BarGroup {
                label: c.label.clone(),
                colour: Rgb::of(&c.colour),
                suppressed: n.is_none(),
                values: vec![n.map(|n| n as f64)],
            })
            .collect(),
        scale: Scale::Number { decimals: 0 },
        suppressed_note: not_shown(study),
    };
    let svg = chart.to_svg().map_err(draw_error(&name))?;
    let parts: Vec<String> = dim
        .categories
        .iter()
        .zip(&sizes)
        .map(|(c, (n, shown))| match n {
            Some(n) => format!("{}: {n}", c.label),
            None => format!("{}: {}", c.label, hidden_size_words(study, shown)),
        })
        .collect();
    let alt = format!(
        "Bar chart of the number of partner organisations by {}. {}.",
        lower_first(&dim.label),
        parts.join("; ")
    );
    Ok(Figure { name, alt, svg })
}

/// The organisational profile: one 100% bar per dimension over its categories, with
/// the protected counts.
pub fn profile(study: &Study, public: Public<'_>) -> Result<Figure, FigureError> {
    let all: Vec<usize> = (0..study.config.dimensions.len()).collect();
    profile_of(study, public, &all, "profile", Style::Print)
}

/// The profile for projection, [`PROFILE_ROWS_PER_SLIDE`] dimensions a figure:
/// `slide-profile-1`, `slide-profile-2`, ...
pub fn profile_slides(study: &Study, public: Public<'_>) -> Result<Vec<Figure>, FigureError> {
    let all: Vec<usize> = (0..study.config.dimensions.len()).collect();
    all.chunks(PROFILE_ROWS_PER_SLIDE)
        .enumerate()
        .map(|(i, dims)| {
            let stem = format!("profile-{}", i + 1);
            profile_of(study, public, dims, &stem, Style::Projection)
        })
        .collect()
}

/// The profile of dimensions `dims`, named `stem` in `style`.
fn profile_of(
    study: &Study,
    public: Public<'_>,
    dims: &[usize],
    stem: &str,
    style: Style,
) -> Result<Figure, FigureError> {
    let name = &style.name(stem);
    let rows: Vec<profile::Row> = dims
        .iter()
        .map(|&k| (k, &study.config.dimensions[k]))
        .map(|(k, dim)| profile::Row {
            label: dim.label.clone(),
            segments: dim
                .categories
                .iter()
                .enumerate()
                .map(|(c, cat)| {
                    let (n, shown) = public.size(k, c);
                    profile::Segment {
                        label: cat.label.clone(),
                        colour: Rgb::of(&cat.colour),
                        count: n.map_or(0, |n| n as usize),
                        suppressed: n.is_none(),
                        shown,
                    }
                })
                .collect(),
        })
        .collect();
    let fig = Profile {
        rows,
        threshold: threshold(study),
    };
    let (w, min_h) = style.wide();
    let svg = fig.to_svg_sized(w, min_h).map_err(draw_error(name))?;
    let rows: Vec<String> = fig
        .rows
        .iter()
        .map(|r| {
            let segs: Vec<String> = r
                .segments
                .iter()
                .map(|s| format!("{} {}", s.label, s.count_text()))
                .collect();
            format!("{}: {}", r.label, segs.join(", "))
        })
        .collect();
    let alt = format!(
        "Organisational profile of the {} partner organisations: one stacked bar per dimension of difference showing how the organisations divide over its categories. {}.",
        study.orgs.len(),
        rows.join("; ")
    );
    Ok(Figure {
        name: name.clone(),
        alt,
        svg,
    })
}

/// The themes of one kind of code by the number of distinct sources (interviews and
/// focus groups) that raised each, most first: what the verdict "raised by the most
/// sources" is read from.
pub fn themes(study: &Study, kind: CodeKind, style: Style) -> Result<Figure, FigureError> {
    let (label, colour) = kind_key(kind);
    let name = style.name(&format!("themes-{}", label.to_lowercase()));
    let mut bars: Vec<HBar> = study
        .config
        .codebook
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == kind)
        .map(|(i, c)| HBar {
            label: c.label.clone(),
            key: 0,
            value: study.sources_raising(i) as u64,
        })
        .collect();
    // Most sources first; codebook order breaks ties (the sort is stable).
    bars.sort_by_key(|b| std::cmp::Reverse(b.value));
    let has = |k: crate::model::SourceKind| study.excerpts.iter().any(|e| e.source_kind == k);
    let sources = match (
        has(crate::model::SourceKind::Interview),
        has(crate::model::SourceKind::FocusGroup),
    ) {
        (true, false) => "Sources (interviews)",
        (false, true) => "Sources (focus groups)",
        _ => "Sources (interviews and focus groups)",
    };
    let chart = HBarChart {
        x_label: sources.into(),
        keys: vec![(label.to_owned(), colour)],
        bars,
    };
    let (w, min_h) = style.wide();
    let svg = chart.to_svg_sized(w, min_h).map_err(draw_error(&name))?;
    let items: Vec<String> = chart
        .bars
        .iter()
        .map(|b| format!("{} {}", b.label, b.value))
        .collect();
    let alt = format!(
        "Horizontal bar chart of the {}s by the number of distinct interviews and focus groups that raised each, most first: {}.",
        label.to_lowercase(),
        items.join("; ")
    );
    Ok(Figure { name, alt, svg })
}

/// The one layout of the network maps: which organisations are drawn (all, or a
/// seeded sample of large networks) and where.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkLayout {
    /// Organisation indices drawn, ascending.
    pub nodes: Vec<u32>,
    /// Position of each drawn organisation in layout units.
    pub positions: Vec<(f64, f64)>,
    /// For each organisation, its index in `nodes`.
    pub index: Vec<Option<u32>>,
    /// Whether `nodes` is a sample.
    pub sampled: bool,
    /// Each wave's ties among the drawn organisations, as indices into `nodes`, sorted.
    pub ties: Vec<Vec<(u32, u32)>>,
}

impl NetworkLayout {
    /// The layout of the union of every wave's ties, seeded from the study seed and
    /// the FNV-1a hash of the wave ids.
    pub fn compute(study: &Study) -> NetworkLayout {
        let n = study.orgs.len();
        let waves: Vec<&str> = study.config.waves.iter().map(|w| w.id.as_str()).collect();
        let key = waves.join("+");
        let sampled = n > network::SAMPLE_ABOVE;
        let nodes: Vec<u32> = if sampled {
            let seed = rng::derive_seed(study.config.seed, "network-sample", "", &key);
            rng::sample(&mut rng::generator(seed, 0), n, network::SAMPLE_SIZE)
        } else {
            (0..n as u32).collect()
        };
        let mut index = vec![None; n];
        for (i, &v) in nodes.iter().enumerate() {
            index[v as usize] = Some(i as u32);
        }
        let ties: Vec<Vec<(u32, u32)>> = (0..study.config.waves.len())
            .map(|w| local_ties(study, &index, w))
            .collect();
        let mut union: Vec<(u32, u32)> = ties.concat();
        union.sort_unstable();
        union.dedup();
        let seed = rng::derive_seed(study.config.seed, "network-layout", "", &key);
        let positions = network::layout(nodes.len(), &union, seed, network::aspect());
        NetworkLayout {
            nodes,
            positions,
            index,
            sampled,
            ties,
        }
    }
}

/// Wave `w`'s ties among the drawn organisations, as indices into the layout's nodes
/// (sorted, as `Study::ties` is and the renumbering keeps the order of the nodes).
fn local_ties(study: &Study, index: &[Option<u32>], w: usize) -> Vec<(u32, u32)> {
    study
        .ties(w)
        .into_iter()
        .filter_map(|(a, b)| Some((index[a as usize]?, index[b as usize]?)))
        .collect()
}

/// What the network map draws for each organisation and in its legend, decided so that
/// no combination of the marks it draws (colour = primary dimension, shape = vertical
/// dimension, fill = responded) has fewer than `suppression_threshold` members
/// ([`crate::disclosure::combos`]). Categories that the count tables hide are drawn as
/// one neutral group before the plan is made, so that counting the dots of a colour
/// cannot give a hidden count back.
struct MapMarks {
    /// Per organisation: colour, shape and fill.
    marks: Vec<(Rgb, Shape, bool)>,
    /// The legend sections.
    legend: Vec<network::Legend>,
    /// Sentences for the alternative text and the notes.
    notes: Vec<String>,
}

/// The neutral mark: grey, plain, hollow.
const NEUTRAL_MARK: (Rgb, Shape, bool) = (Rgb::NEUTRAL, Shape::Circle, false);

/// The legend label of the organisations drawn with the neutral mark.
pub const OTHER: &str = "Merged: small groups and rare combinations";

// Long because it decides, per attribute, what is drawn and writes the matching legend.
fn map_marks(study: &Study, public: Public<'_>) -> MapMarks {
    let config = &study.config;
    let kp = config.primary.get();
    let kv = config.vertical.map(|v| v.get()).filter(|&v| v != kp);
    // Attribute values, with every hidden category folded into one extra value.
    let fold = |k: usize, c: usize| {
        if public.hidden(k, c) {
            config.dimensions[k].categories.len()
        } else {
            c
        }
    };
    let tuples: Vec<Vec<usize>> = study
        .orgs
        .iter()
        .map(|o| {
            let mut t = vec![fold(kp, o.categories[kp])];
            if let Some(k) = kv {
                t.push(fold(k, o.categories[k]));
            }
            t.push(usize::from(o.responded));
            t
        })
        .collect();
    let attributes = tuples
        .first()
        .map_or(2 + usize::from(kv.is_some()), Vec::len);
    let plan = combos::plan(&tuples, attributes, threshold(study) as usize);
    let folded = |k: usize, v: usize| v >= config.dimensions[k].categories.len();
    let shape_of = |v: usize| Shape::of_category(v);
    let marks = tuples
        .iter()
        .zip(&plan.neutral)
        .map(|(t, &neutral)| {
            if neutral {
                return NEUTRAL_MARK;
            }
            let colour = if plan.drawn[0] && !folded(kp, t[0]) {
                Rgb::of(&config.dimensions[kp].categories[t[0]].colour)
            } else {
                Rgb::NEUTRAL
            };
            let shape = match kv {
                Some(k) if plan.drawn[1] && !folded(k, t[1]) => shape_of(t[1]),
                _ => Shape::Circle,
            };
            let filled = plan.drawn[attributes - 1] && t[attributes - 1] == 1;
            (colour, shape, filled)
        })
        .collect();
    // Legend: the values that some organisation is drawn with.
    let drawn_values = |a: usize| -> Vec<usize> {
        let mut v: Vec<usize> = plan
            .shown
            .iter()
            .filter_map(|(combo, _)| combo[a])
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let entry = |label: String, colour: Rgb, shape: Shape, filled: bool| network::LegendEntry {
        label,
        colour,
        shape,
        filled,
    };
    let mut legend = Vec::new();
    let mut notes = Vec::new();
    let primary = &config.dimensions[kp];
    if plan.drawn[0] {
        let entries = drawn_values(0)
            .into_iter()
            .map(|c| match primary.categories.get(c) {
                Some(cat) => entry(cat.label.clone(), Rgb::of(&cat.colour), Shape::Circle, true),
                None => entry(OTHER_CATEGORIES.into(), Rgb::NEUTRAL, Shape::Circle, true),
            })
            .collect();
        legend.push(network::Legend {
            heading: primary.label.clone(),
            entries,
        });
    } else {
        notes.push(format!("{} is not drawn", primary.label));
    }
    if let Some(k) = kv {
        let d = &config.dimensions[k];
        if plan.drawn[1] {
            let entries = drawn_values(1)
                .into_iter()
                .map(|c| match d.categories.get(c) {
                    Some(cat) => entry(cat.label.clone(), Rgb::MUTED, shape_of(c), true),
                    None => entry(OTHER_CATEGORIES.into(), Rgb::MUTED, Shape::Circle, true),
                })
                .collect();
            legend.push(network::Legend {
                heading: d.label.clone(),
                entries,
            });
        } else {
            notes.push(format!("{} is not drawn", d.label));
        }
    }
    if plan.drawn[attributes - 1] {
        legend.push(network::Legend {
            heading: SURVEY_HEADING.into(),
            entries: vec![
                entry("Responded (filled)".into(), Rgb::MUTED, Shape::Circle, true),
                entry(
                    "Did not respond (hollow)".into(),
                    Rgb::MUTED,
                    Shape::Circle,
                    false,
                ),
            ],
        });
    } else {
        notes.push("whether an organisation responded is not drawn".into());
    }
    if plan.neutral_count() > 0 {
        legend.push(network::Legend {
            heading: PROTECTED_HEADING.into(),
            entries: vec![entry(
                OTHER.into(),
                NEUTRAL_MARK.0,
                NEUTRAL_MARK.1,
                NEUTRAL_MARK.2,
            )],
        });
        notes.push(format!(
            "combinations of marks shared by fewer than {} organisations are drawn as one grey hollow mark",
            threshold(study)
        ));
    }
    MapMarks {
        marks,
        legend,
        notes,
    }
}

/// The heading of the network legend's section on the fill (responded or not).
const SURVEY_HEADING: &str = "Survey";

/// The heading of the network legend's section on merged marks.
const PROTECTED_HEADING: &str = "Protected";

/// The legend label of categories that the count tables hide.
pub const OTHER_CATEGORIES: &str = "Other (small groups)";

/// The network map of wave `w` in the shared layout.
fn network_map(
    study: &Study,
    stats: &Stats,
    (layout, plan): (&NetworkLayout, &MapMarks),
    w: usize,
    style: Style,
) -> Result<Figure, FigureError> {
    let config = &study.config;
    let wave = &config.waves[w];
    let name = style.name(&format!("network-{}", wave.id));
    let nodes: Vec<network::Node> = layout
        .nodes
        .iter()
        .zip(&layout.positions)
        .map(|(&v, &at)| {
            let (colour, shape, filled) = plan.marks[v as usize];
            network::Node {
                at,
                colour,
                shape,
                filled,
            }
        })
        .collect();
    let edges = layout.ties[w].clone();
    let total = study.orgs.len();
    let drawn = layout.nodes.len();
    let mut notes = Vec::new();
    if layout.sampled {
        notes.push(format!(
            "Random sample of {drawn} of {total} organisations and the {} ties among them",
            edges.len()
        ));
    } else if style == Style::Print {
        notes.push(format!("{} ties among {total} organisations", edges.len()));
    }
    let mut legend = plan.legend.clone();
    if style == Style::Projection {
        // On a slide the map needs the room: the slide's own text gives the numbers
        // and explains the fill, so neither is drawn here.
        // The merged mark explains itself and goes without a heading.
        legend.retain(|l| l.heading != SURVEY_HEADING);
        for l in &mut legend {
            if l.heading == PROTECTED_HEADING {
                l.heading.clear();
            }
        }
    }
    let map = NetworkMap {
        nodes,
        edges,
        legend,
        notes,
    };
    let (width, height) = style.map();
    let svg = map.to_svg_sized(width, height).map_err(draw_error(&name))?;
    let ties = stats
        .waves
        .get(w)
        .filter(|s| s.id == wave.id)
        .ok_or_else(|| mismatch(&name, format!("no statistics for wave {:?}", wave.id)))?
        .ties;
    let mut alt = format!("Network map {}: ", lower_first(&wave.label));
    if layout.sampled {
        alt.push_str(&format!(
            "a random sample of {drawn} of the {total} partner organisations, drawn with the {} ties among them (of {ties} ties in all). ",
            map.edges.len()
        ));
    } else {
        alt.push_str(&format!(
            "the {total} partner organisations and the {ties} ties between them. "
        ));
    }
    alt.push_str(&format!("Legend, {}. ", legend_words(&map.legend)));
    if !plan.notes.is_empty() {
        let mut n = and_list(&plan.notes);
        if let Some(first) = n.get(..1) {
            n = format!("{}{}", first.to_uppercase(), &n[1..]);
        }
        alt.push_str(&format!("{n}. "));
    }
    if config.waves.len() > 1 {
        alt.push_str("Every wave's map places the organisations in the same positions.");
    }
    let alt = alt.trim_end().to_owned();
    Ok(Figure { name, alt, svg })
}

/// A network legend in words, for an alternative text: "Heading: circle A and
/// triangle B; ...", a section without a heading as its entries alone.
fn legend_words(legend: &[network::Legend]) -> String {
    let sections: Vec<String> = legend
        .iter()
        .map(|l| {
            let names: Vec<String> = l
                .entries
                .iter()
                .map(|e| format!("{} {}", shape_name(e.shape), e.label))
                .collect();
            if l.heading.is_empty() {
                and_list(&names)
            } else {
                format!("{}: {}", l.heading, and_list(&names))
            }
        })
        .collect();
    sections.join("; ")
}

/// The group-level network map of wave `w` (`network_map = "groups"`): the primary
/// dimension's shown categories, and one "other" node for the hidden ones, with the
/// tie counts the public statistics publish between them.
pub fn group_map(
    study: &Study,
    public: Public<'_>,
    w: usize,
    style: Style,
) -> Result<Figure, FigureError> {
    let config = &study.config;
    let wave = &config.waves[w];
    let name = style.name(&format!("network-{}", wave.id));
    let k = config.primary.get();
    let dim = config.primary();
    let mixing = &public.0["waves"][w]["dimensions"][k]["mixing"];
    let shown: Vec<usize> = (0..dim.categories.len())
        .filter(|&c| !public.hidden(k, c))
        .collect();
    let mut nodes: Vec<groupmap::GroupNode> = shown
        .iter()
        .map(|&c| groupmap::GroupNode {
            label: dim.categories[c].label.clone(),
            colour: Rgb::of(&dim.categories[c].colour),
            size: format!("{} organisations", public.size(k, c).1),
            within: mixing[c][c].as_u64(),
        })
        .collect();
    if shown.len() < dim.categories.len() {
        nodes.push(groupmap::GroupNode {
            label: OTHER_CATEGORIES.into(),
            colour: Rgb::NEUTRAL,
            size: "size not shown".into(),
            within: None,
        });
    }
    let mut edges = Vec::new();
    for (a, &i) in shown.iter().enumerate() {
        for (b, &j) in shown.iter().enumerate().skip(a + 1) {
            if let Some(t) = mixing[i][j].as_u64() {
                edges.push((a, b, t));
            }
        }
    }
    let map = GroupMap {
        nodes,
        edges,
        note: format!(
            "Ties between organisations by {}; counts that would reveal a small group are not drawn",
            lower_first(&dim.label)
        ),
    };
    let (width, height) = style.map();
    let svg = map.to_svg_sized(width, height).map_err(draw_error(&name))?;
    let parts: Vec<String> = map
        .edges
        .iter()
        .map(|&(a, b, t)| format!("{} and {}: {t}", map.nodes[a].label, map.nodes[b].label))
        .collect();
    let alt = format!(
        "Group-level network map {}: the categories of {} as circles and the number of ties between them as lines. Ties between {}.",
        lower_first(&wave.label),
        lower_first(&dim.label),
        if parts.is_empty() {
            "no two shown categories are published".to_owned()
        } else {
            parts.join("; ")
        }
    );
    Ok(Figure { name, alt, svg })
}

fn shape_name(s: Shape) -> &'static str {
    match s {
        Shape::Circle => "circle:",
        Shape::Square => "square:",
        Shape::Triangle => "triangle:",
        Shape::Diamond => "diamond:",
        Shape::TriangleDown => "downward triangle:",
        Shape::Hexagon => "hexagon:",
        Shape::Plus => "plus sign:",
    }
}

/// The heat map of ties between the categories of dimension `k` in wave `w`, with the
/// cells the public statistics withhold left blank.
pub fn mixing(
    study: &Study,
    stats: &Stats,
    public: Public<'_>,
    k: usize,
    w: usize,
) -> Result<Figure, FigureError> {
    let dim = &study.config.dimensions[k];
    let wave = &study.config.waves[w];
    let name = format!("mixing-{}-{}", dim.column, wave.id);
    let ds = dim_stats(study, stats, k, w, &name)?;
    let kk = dim.categories.len();
    if ds.mixing.len() != kk || ds.mixing.iter().any(|r| r.len() != kk) {
        return Err(mismatch(
            &name,
            "the mixing matrix does not match the categories",
        ));
    }
    let map = Heatmap {
        labels: dim.categories.iter().map(|c| c.label.clone()).collect(),
        suppressed: hidden(study, public, k),
        marks: (0..kk).map(|c| public.size(k, c).1).collect(),
        withheld: (0..kk)
            .map(|i| {
                (0..kk)
                    .map(|j| public.mixing_withheld(w, k, i, j))
                    .collect()
            })
            .collect(),
        counts: ds.mixing.clone(),
        threshold: study.config.suppression_threshold,
        unit: "Ties".into(),
    };
    let svg = map.to_svg().map_err(draw_error(&name))?;
    let label = |i: usize| dim.categories[i].label.clone();
    let mut parts = Vec::new();
    for (i, j, v) in map.cells().into_iter().filter(|&(i, j, _)| i <= j) {
        if i == j {
            parts.push(format!("within {}: {v}", label(i)));
        } else {
            parts.push(format!("between {} and {}: {v}", label(i), label(j)));
        }
    }
    let mut alt = format!(
        "Heat map of the ties between organisations by {} {}, with the same categories as rows and columns and each cell giving its number of ties. Ties {}.",
        lower_first(&dim.label),
        lower_first(&wave.label),
        parts.join("; ")
    );
    let hidden: Vec<String> = (0..kk).filter(|&i| map.suppressed[i]).map(label).collect();
    if !hidden.is_empty() {
        alt.push_str(&format!(
            " The rows and columns of {} are left blank ({}).",
            and_list(&hidden),
            not_shown(study)
        ));
    }
    let withheld = (0..kk).any(|i| (0..kk).any(|j| public.mixing_withheld(w, k, i, j)));
    if withheld {
        alt.push_str(" Cells that would give a hidden group's ties away are left blank too.");
    }
    Ok(Figure { name, alt, svg })
}

/// The colour and legend label of a code kind (Okabe-Ito colours).
pub fn kind_key(kind: CodeKind) -> (&'static str, Rgb) {
    match kind {
        CodeKind::Challenge => ("Challenge", Rgb(0xD5, 0x5E, 0x00)),
        CodeKind::Benefit => ("Benefit", Rgb(0x00, 0x9E, 0x73)),
        CodeKind::Recommendation => ("Recommendation", Rgb(0x00, 0x72, 0xB2)),
    }
}

/// How often each qualitative code was applied, in codebook order.
pub fn codes(study: &Study, stats: &Stats) -> Result<Figure, FigureError> {
    let name = "codes";
    let codebook = &study.config.codebook;
    let counts = &stats.qualitative.codes;
    // The counts are in codebook order; pair each with its code.
    if counts.len() != codebook.len() || counts.iter().zip(codebook).any(|(n, c)| n.id != c.id) {
        return Err(mismatch(
            name,
            "the code counts are not those of the codebook",
        ));
    }
    let kinds = [
        CodeKind::Challenge,
        CodeKind::Benefit,
        CodeKind::Recommendation,
    ];
    let present: Vec<CodeKind> = kinds
        .into_iter()
        .filter(|k| codebook.iter().any(|c| c.kind == *k))
        .collect();
    // Each code's legend key: the position of its kind among the kinds present.
    let key_of = |kind: CodeKind| present.iter().take_while(|&&k| k != kind).count();
    let chart = HBarChart {
        x_label: "Coded excerpts".into(),
        keys: present
            .iter()
            .map(|&k| {
                let (l, c) = kind_key(k);
                (l.to_owned(), c)
            })
            .collect(),
        bars: counts
            .iter()
            .zip(codebook)
            .map(|(n, c)| HBar {
                label: c.label.clone(),
                key: key_of(c.kind),
                value: n.excerpts as u64,
            })
            .collect(),
    };
    let svg = chart.to_svg().map_err(draw_error(name))?;
    let mut parts = Vec::new();
    for &k in &present {
        let items: Vec<String> = counts
            .iter()
            .zip(codebook)
            .filter(|(_, c)| c.kind == k)
            .map(|(n, c)| format!("{} {}", c.label, n.excerpts))
            .collect();
        parts.push(format!("{}s: {}", kind_key(k).0, items.join(", ")));
    }
    let alt = format!(
        "Horizontal bar chart of how many of the {} coded interview and focus-group excerpts carry each code, in codebook order and coloured by kind. {}.",
        stats.qualitative.excerpts,
        parts.join(". ")
    );
    Ok(Figure {
        name: name.into(),
        alt,
        svg,
    })
}
