//! Resolving the parameters: `synth.toml` and the study's shape become a [`Plan`] of
//! named, checked numbers, with every category, wave and code looked up once. Every
//! problem found is reported, each at the `line:column` of the key it concerns.
//!
//! Nothing is drawn here; [`super::draw`] draws from the plan.

use std::collections::BTreeMap;

use super::params::{KeyPositions, Params, TextPools, Weights};
use super::shape::{CODE_KINDS, StudyShape};
use super::{LEVELS, PARAMS_FILE, Size, SynthError};
use crate::diag::Problem;

/// Everything the generator draws from, checked against the study.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Seed of every random stream.
    pub seed: u64,
    /// The study the data must fit.
    pub shape: StudyShape,
    /// How many organisations, and their ids.
    pub orgs: OrgPlan,
    /// How each dimension is drawn, in the shape's order.
    pub dimensions: Vec<DimensionPlan>,
    /// How countries are drawn.
    pub countries: CountryPlan,
    /// Multipliers of the chance to respond.
    pub response: FactorTable,
    /// Multipliers of how often an organisation names and is named.
    pub prominence: FactorTable,
    /// Tie parameters per wave, in the shape's order.
    pub waves: Vec<WavePlan>,
    /// Total tie reports over all waves, for scaled studies.
    pub tie_total: Option<usize>,
    /// How excerpts are drawn and written.
    pub excerpts: ExcerptPlan,
    /// Where each parameter was written, for problems found while drawing.
    pub positions: KeyPositions,
}

/// Organisation counts.
#[derive(Debug, Clone)]
pub(crate) struct OrgPlan {
    /// Organisations listed.
    pub total: usize,
    /// Of which surveyed.
    pub surveyed: usize,
    /// Of which responded.
    pub responded: usize,
    /// Id prefix (`ORG-`).
    pub id_prefix: String,
}

/// How one dimension's categories are drawn.
#[derive(Debug, Clone)]
pub(crate) struct DimensionPlan {
    /// Base weight per category.
    pub base: Vec<f64>,
    /// Whether `base` gives exact shares (largest remainder) instead of chances.
    pub exact: bool,
    /// Factors given the category of an earlier dimension.
    pub given: Vec<Condition>,
}

/// Factors on a dimension's categories given an earlier dimension's category.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    /// Index of the earlier dimension.
    pub on: usize,
    /// `factors[its category][this category]`.
    pub factors: Vec<Vec<f64>>,
}

/// How countries are drawn.
#[derive(Debug, Clone)]
pub(crate) struct CountryPlan {
    /// Every country named, sorted.
    pub names: Vec<String>,
    /// The dimension whose category chooses the row of weights, if any.
    pub by: Option<usize>,
    /// Weights over `names`: one row per category of `by`, or a single row.
    pub rows: Vec<Vec<f64>>,
}

/// Multipliers per dimension and category (`rows[dimension][category]`), all > 0.
#[derive(Debug, Clone)]
pub(crate) struct FactorTable {
    /// `rows[dimension][category]`.
    pub rows: Vec<Vec<f64>>,
}

impl FactorTable {
    /// The product of organisation `i`'s factors over all dimensions, where
    /// `cats[d][i]` is its category in dimension `d`.
    pub fn of(&self, cats: &[Vec<usize>], i: usize) -> f64 {
        self.rows
            .iter()
            .zip(cats)
            .map(|(row, col)| row[col[i]])
            .product()
    }
}

/// One wave's tie parameters.
#[derive(Debug, Clone)]
pub(crate) struct WavePlan {
    /// The wave id.
    pub id: String,
    /// Mean partners named per respondent.
    pub mean_degree: f64,
    /// Chance a partner is drawn from the reporter's primary category.
    pub same_primary: f64,
    /// Chance a partner is drawn from the reporter's country.
    pub same_country: f64,
    /// The key that set `mean_degree`, for messages.
    pub degree_key: String,
}

/// A weighted choice among names.
#[derive(Debug, Clone)]
pub(crate) struct NamedWeights {
    /// The names.
    pub names: Vec<String>,
    /// Their weights.
    pub weights: Vec<f64>,
}

/// How excerpts are drawn and composed.
#[derive(Debug, Clone)]
pub(crate) struct ExcerptPlan {
    /// Interviews.
    pub interviews: usize,
    /// Focus groups.
    pub focus_groups: usize,
    /// Fewest excerpts per source.
    pub min_per_source: usize,
    /// Most excerpts per source.
    pub max_per_source: usize,
    /// Exact number of excerpts, if set.
    pub total: Option<usize>,
    /// Share of sources consenting.
    pub consent: f64,
    /// Chance of a second code.
    pub second_code: f64,
    /// Chance of a lead-in.
    pub opening: f64,
    /// Longest text in characters, if limited.
    pub max_chars: Option<usize>,
    /// Weights of [`LEVELS`].
    pub levels: Vec<f64>,
    /// Weights of the primary dimension's categories.
    pub populations: Vec<f64>,
    /// Weights of the codes.
    pub codes: Vec<f64>,
    /// Countries per level, in [`LEVELS`] order.
    pub countries: Vec<NamedWeights>,
    /// Lead-ins per kind, in [`CODE_KINDS`] order.
    pub openings: Vec<Vec<String>>,
    /// Text pools per code, in codebook order; `None` when `synth.toml` gives none.
    pub texts: Vec<Option<TextPools>>,
}

/// Problems found while resolving, each located at a key of `synth.toml`.
pub(crate) struct Issues<'a> {
    positions: &'a KeyPositions,
    found: Vec<Problem>,
}

impl<'a> Issues<'a> {
    pub(crate) fn new(positions: &'a KeyPositions) -> Issues<'a> {
        Issues {
            positions,
            found: Vec::new(),
        }
    }

    /// Records `message`, located at key `at` (a dotted path).
    pub(crate) fn add(&mut self, at: &str, message: impl Into<String>) {
        self.found.push(located(self.positions, at, message));
    }

    fn finish<T>(self, value: T) -> Result<T, SynthError> {
        if self.found.is_empty() {
            Ok(value)
        } else {
            Err(SynthError::new(self.found))
        }
    }
}

/// A problem at key `at` of `synth.toml`.
pub(crate) fn located(positions: &KeyPositions, at: &str, message: impl Into<String>) -> Problem {
    let (line, column) = positions.locate(at);
    Problem::at(PARAMS_FILE, line, column, message)
}

/// Checks `params` against `shape` and resolves them into a [`Plan`], reporting every
/// problem at once.
pub(crate) fn resolve(params: &Params, shape: &StudyShape, size: Size) -> Result<Plan, SynthError> {
    let mut issues = Issues::new(&params.positions);
    let orgs = org_plan(params, size, &mut issues);
    let dimensions = dimension_plans(params, shape, &mut issues);
    let countries = country_plan(params, shape, &mut issues);
    let response = factor_table(
        shape,
        &params.organisations.response,
        "organisations.response",
        &mut issues,
    );
    let prominence = factor_table(
        shape,
        &params.ties.prominence,
        "ties.prominence",
        &mut issues,
    );
    let waves = wave_plans(params, shape, &mut issues);
    let excerpts = excerpt_plan(params, shape, &mut issues);
    let plan = Plan {
        seed: params.seed,
        shape: shape.clone(),
        orgs,
        dimensions,
        countries,
        response,
        prominence,
        waves,
        tie_total: size.ties,
        excerpts,
        positions: params.positions.clone(),
    };
    issues.finish(plan)
}

fn org_plan(params: &Params, size: Size, issues: &mut Issues<'_>) -> OrgPlan {
    let o = &params.organisations;
    if o.responded > o.surveyed {
        issues.add(
            "organisations.responded",
            format!(
                "organisations.responded = {} is more than organisations.surveyed = {}; expected at most {}",
                o.responded, o.surveyed, o.surveyed
            ),
        );
    }
    let base_total = o.surveyed + o.listed_only;
    let (total, surveyed, responded) = match size.orgs {
        None => (base_total, o.surveyed, o.responded.min(o.surveyed)),
        Some(n) => {
            let surveyed = scale(n, o.surveyed, base_total);
            (n, surveyed, scale(surveyed, o.responded, o.surveyed))
        }
    };
    if total < 2 || responded == 0 {
        issues.add(
            "organisations",
            format!(
                "the study would have {total} organisations and {responded} respondents; expected at least 2 and 1"
            ),
        );
    }
    if total > u32::MAX as usize {
        issues.add(
            "organisations",
            format!(
                "{total} organisations are too many; expected at most {}",
                u32::MAX
            ),
        );
    }
    OrgPlan {
        total,
        surveyed,
        responded,
        id_prefix: o.id_prefix.clone(),
    }
}

fn dimension_plans(
    params: &Params,
    shape: &StudyShape,
    issues: &mut Issues<'_>,
) -> Vec<DimensionPlan> {
    for column in params.dimensions.keys() {
        if shape.dimension(column).is_none() {
            issues.add(
                &format!("dimensions.{column}"),
                format!(
                    "[dimensions.{column}]: {column:?} is not a dimension of study.toml; expected one of: {}",
                    shape.columns()
                ),
            );
        }
    }
    (0..shape.dimensions.len())
        .map(|di| dimension_plan(params, shape, di, issues))
        .collect()
}

fn dimension_plan(
    params: &Params,
    shape: &StudyShape,
    di: usize,
    issues: &mut Issues<'_>,
) -> DimensionPlan {
    let dim = &shape.dimensions[di];
    let p = params
        .dimensions
        .get(&dim.column)
        .cloned()
        .unwrap_or_default();
    let key = format!("dimensions.{}", dim.column);
    let base = category_weights(shape, di, &p.weights, &format!("{key}.weights"), issues);
    let mut given = Vec::new();
    for (col, by_cat) in &p.given {
        let at = format!("{key}.given.{col}");
        let Some(on) = shape.dimension(col) else {
            issues.add(
                &at,
                format!(
                    "{at}: {col:?} is not a dimension of study.toml; expected one of: {}",
                    shape.columns()
                ),
            );
            continue;
        };
        if on >= di {
            issues.add(
                &at,
                format!(
                    "{at}: {col:?} is drawn after {:?}; expected a dimension listed earlier in study.toml",
                    dim.column
                ),
            );
            continue;
        }
        if p.exact {
            issues.add(
                &at,
                format!("{key}: an exact dimension cannot have `given` factors"),
            );
        }
        let cond = &shape.dimensions[on];
        let mut factors = vec![vec![1.0; dim.categories.len()]; cond.categories.len()];
        for (cat, w) in by_cat {
            match cond.index_of(cat) {
                Some(k) => {
                    factors[k] = category_weights(shape, di, w, &format!("{at}.{cat}"), issues);
                }
                None => unknown_category(shape, on, &at, cat, issues),
            }
        }
        given.push(Condition { on, factors });
    }
    DimensionPlan {
        base,
        exact: p.exact,
        given,
    }
}

/// Per-category weights of dimension `di` from `given` (a category not listed
/// weighs 1); an unknown category or a bad weight is a problem at `key`.
fn category_weights(
    shape: &StudyShape,
    di: usize,
    given: &Weights,
    key: &str,
    issues: &mut Issues<'_>,
) -> Vec<f64> {
    let dim = &shape.dimensions[di];
    for cat in given.keys() {
        if dim.index_of(cat).is_none() {
            unknown_category(shape, di, key, cat, issues);
        }
    }
    let w: Vec<f64> = dim
        .categories
        .iter()
        .map(|c| given.get(c).copied().unwrap_or(1.0))
        .collect();
    check_weights(&w, key, issues);
    w
}

fn unknown_category(shape: &StudyShape, di: usize, key: &str, cat: &str, issues: &mut Issues<'_>) {
    let dim = &shape.dimensions[di];
    issues.add(
        &format!("{key}.{cat}"),
        format!(
            "{key}: {cat:?} is not a category of {} in study.toml; expected one of: {}",
            dim.column,
            dim.categories.join(", ")
        ),
    );
}

/// Weights must be finite, at least 0, and not all 0.
fn check_weights(w: &[f64], key: &str, issues: &mut Issues<'_>) -> bool {
    if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
        issues.add(key, format!("{key}: weights must be numbers of at least 0"));
        return false;
    }
    if !w.iter().any(|x| *x > 0.0) {
        issues.add(key, format!("{key}: expected at least one weight above 0"));
        return false;
    }
    true
}

fn country_plan(params: &Params, shape: &StudyShape, issues: &mut Issues<'_>) -> CountryPlan {
    let c = &params.countries;
    let mut names: Vec<String> = c
        .default
        .keys()
        .chain(c.weights.values().flat_map(|w| w.keys()))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    let row = |w: &Weights, key: &str, issues: &mut Issues<'_>| -> Vec<f64> {
        let r: Vec<f64> = names
            .iter()
            .map(|n| w.get(n).copied().unwrap_or(0.0))
            .collect();
        check_weights(&r, key, issues);
        r
    };
    let (by, rows) = match &c.by {
        None => (None, vec![row(&c.default, "countries.default", issues)]),
        Some(col) => match shape.dimension(col) {
            None => {
                issues.add(
                    "countries.by",
                    format!("countries.by: {col:?} is not a dimension of study.toml; expected one of: {}", shape.columns()),
                );
                (None, vec![vec![1.0; names.len().max(1)]])
            }
            Some(bi) => {
                let dim = &shape.dimensions[bi];
                for cat in c.weights.keys() {
                    if dim.index_of(cat).is_none() {
                        unknown_category(shape, bi, "countries.weights", cat, issues);
                    }
                }
                let rows = dim
                    .categories
                    .iter()
                    .map(|cat| match c.weights.get(cat) {
                        Some(w) => row(w, &format!("countries.weights.{cat}"), issues),
                        None => row(&c.default, "countries.default", issues),
                    })
                    .collect();
                (Some(bi), rows)
            }
        },
    };
    CountryPlan { names, by, rows }
}

/// Multiplier tables (dimension column -> category -> factor) as `[dim][category]`.
fn factor_table(
    shape: &StudyShape,
    tables: &BTreeMap<String, Weights>,
    key: &str,
    issues: &mut Issues<'_>,
) -> FactorTable {
    for col in tables.keys() {
        if shape.dimension(col).is_none() {
            issues.add(
                &format!("{key}.{col}"),
                format!(
                    "{key}.{col}: {col:?} is not a dimension of study.toml; expected one of: {}",
                    shape.columns()
                ),
            );
        }
    }
    let rows = shape
        .dimensions
        .iter()
        .enumerate()
        .map(|(di, d)| match tables.get(&d.column) {
            Some(w) => {
                let at = format!("{key}.{}", d.column);
                let row = category_weights(shape, di, w, &at, issues);
                if row.iter().any(|x| *x <= 0.0) {
                    issues.add(&at, format!("{at}: factors must be above 0"));
                }
                row
            }
            None => vec![1.0; d.categories.len()],
        })
        .collect();
    FactorTable { rows }
}

fn wave_plans(params: &Params, shape: &StudyShape, issues: &mut Issues<'_>) -> Vec<WavePlan> {
    let t = &params.ties;
    for id in t.waves.keys() {
        if !shape.waves.contains(id) {
            issues.add(
                &format!("ties.waves.{id}"),
                format!(
                    "[ties.waves.{id}]: {id:?} is not a wave of study.toml; expected one of: {}",
                    shape.waves.join(", ")
                ),
            );
        }
    }
    let mut waves = Vec::new();
    for id in &shape.waves {
        let o = t.waves.get(id).cloned().unwrap_or_default();
        // Each number is checked where it was written: the wave's table or [ties].
        let key_of = |name: &str, own: bool| {
            if own {
                format!("ties.waves.{id}.{name}")
            } else {
                format!("ties.{name}")
            }
        };
        let plan = WavePlan {
            id: id.clone(),
            mean_degree: o.mean_degree.unwrap_or(t.mean_degree),
            same_primary: o.same_primary.unwrap_or(t.same_primary),
            same_country: o.same_country.unwrap_or(t.same_country),
            degree_key: key_of("mean_degree", o.mean_degree.is_some()),
        };
        if !(plan.mean_degree >= 0.0 && plan.mean_degree.is_finite()) {
            issues.add(
                &plan.degree_key,
                format!(
                    "{}: the mean_degree of wave {id:?} is {}; expected a number of at least 0",
                    plan.degree_key, plan.mean_degree
                ),
            );
        }
        for (name, p, own) in [
            ("same_primary", plan.same_primary, o.same_primary.is_some()),
            ("same_country", plan.same_country, o.same_country.is_some()),
        ] {
            check_chance(&key_of(name, own), p, issues);
        }
        waves.push(plan);
    }
    waves
}

fn check_chance(key: &str, p: f64, issues: &mut Issues<'_>) {
    if !(0.0..=1.0).contains(&p) {
        issues.add(
            key,
            format!("{key} is {p}; expected a chance between 0 and 1"),
        );
    }
}

fn excerpt_plan(params: &Params, shape: &StudyShape, issues: &mut Issues<'_>) -> ExcerptPlan {
    let e = &params.excerpts;
    if e.min_per_source > e.max_per_source {
        issues.add(
            "excerpts.min_per_source",
            format!(
                "excerpts.min_per_source = {} is more than excerpts.max_per_source = {}",
                e.min_per_source, e.max_per_source
            ),
        );
    }
    if let Some(total) = e.total {
        let sources = e.interviews + e.focus_groups;
        let (low, high) = (sources * e.min_per_source, sources * e.max_per_source);
        if total < low || total > high {
            issues.add(
                "excerpts.total",
                format!(
                    "excerpts.total = {total} does not fit {sources} sources with {} to {} excerpts each; expected {low} to {high}",
                    e.min_per_source, e.max_per_source
                ),
            );
        }
    }
    check_chance("excerpts.consent", e.consent, issues);
    check_chance("excerpts.second_code", e.second_code, issues);
    check_chance("excerpts.opening", e.opening, issues);
    for (table, key) in e
        .level
        .keys()
        .map(|k| ("level", k))
        .chain(e.countries.keys().map(|k| ("countries", k)))
    {
        if !LEVELS.contains(&key.as_str()) {
            issues.add(
                &format!("excerpts.{table}.{key}"),
                format!(
                    "excerpts.{table}: level {key:?} is not known; expected one of: {}",
                    LEVELS.join(", ")
                ),
            );
        }
    }
    let levels: Vec<f64> = LEVELS
        .iter()
        .map(|l| e.level.get(*l).copied().unwrap_or(1.0))
        .collect();
    check_weights(&levels, "excerpts.level", issues);
    let populations = category_weights(
        shape,
        shape.primary,
        &e.population,
        "excerpts.population",
        issues,
    );
    let countries = LEVELS
        .iter()
        .map(|level| {
            let (w, key) = match e.countries.get(*level) {
                Some(w) => (w, format!("excerpts.countries.{level}")),
                None => (&params.countries.default, "countries.default".to_owned()),
            };
            let weights: Vec<f64> = w.values().copied().collect();
            check_weights(&weights, &key, issues);
            NamedWeights {
                names: w.keys().cloned().collect(),
                weights,
            }
        })
        .collect();
    let codes = code_weights(params, shape, issues);
    let (openings, texts) = text_pools(params, shape, issues);
    ExcerptPlan {
        interviews: e.interviews,
        focus_groups: e.focus_groups,
        min_per_source: e.min_per_source,
        max_per_source: e.max_per_source,
        total: e.total,
        consent: e.consent,
        second_code: e.second_code,
        opening: e.opening,
        max_chars: e.max_chars,
        levels,
        populations,
        codes,
        countries,
        openings,
        texts,
    }
}

fn unknown_code(shape: &StudyShape, at: &str, code: &str, issues: &mut Issues<'_>) {
    issues.add(
        at,
        format!(
            "excerpts: code {code:?} is not in the codebook of study.toml; expected one of: {}",
            shape
                .codes
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
}

fn code_weights(params: &Params, shape: &StudyShape, issues: &mut Issues<'_>) -> Vec<f64> {
    let e = &params.excerpts;
    for code in e.codes.keys() {
        if !shape.codes.iter().any(|c| &c.id == code) {
            unknown_code(shape, &format!("excerpts.codes.{code}"), code, issues);
        }
    }
    if shape.codes.is_empty() {
        if e.interviews + e.focus_groups > 0 {
            issues.add(
                "excerpts",
                "study.toml has an empty codebook, so excerpts cannot be coded",
            );
        }
        return Vec::new();
    }
    let codes: Vec<f64> = shape
        .codes
        .iter()
        .map(|c| e.codes.get(&c.id).copied().unwrap_or(1.0))
        .collect();
    check_weights(&codes, "excerpts.codes", issues);
    codes
}

/// The lead-ins per kind and the text pools per code; every piece must be non-blank
/// and used nowhere else, which makes every composed text distinct.
fn text_pools(
    params: &Params,
    shape: &StudyShape,
    issues: &mut Issues<'_>,
) -> (Vec<Vec<String>>, Vec<Option<TextPools>>) {
    let e = &params.excerpts;
    for kind in e.openings.keys() {
        if !CODE_KINDS.contains(&kind.as_str()) {
            issues.add(
                &format!("excerpts.openings.{kind}"),
                format!(
                    "excerpts.openings: {kind:?} is not a kind of code; expected one of: {}",
                    CODE_KINDS.join(", ")
                ),
            );
        }
    }
    for code in e.texts.keys() {
        if !shape.codes.iter().any(|c| &c.id == code) {
            unknown_code(shape, &format!("excerpts.texts.{code}"), code, issues);
        }
    }
    // Where each core statement or detail was first written, to find repeats.
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (code, pools) in &e.texts {
        for (part, list) in [("cores", &pools.cores), ("details", &pools.details)] {
            for (i, piece) in list.iter().enumerate() {
                let at = format!("excerpts.texts.{code}.{part}[{i}]");
                if piece.trim().is_empty() {
                    issues.add(
                        &at,
                        format!("{at}: a text piece is empty; expected a sentence"),
                    );
                } else if let Some(first) = seen.get(piece.trim()) {
                    issues.add(
                        &at,
                        format!("{at}: the same text as {first}; expected every core statement and detail to be written once"),
                    );
                } else {
                    seen.insert(piece.trim(), at);
                }
            }
        }
    }
    if let Some(limit) = e.max_chars {
        for (code, pools) in &e.texts {
            check_length(code, pools, limit, issues);
        }
    }
    let openings = CODE_KINDS
        .iter()
        .map(|k| e.openings.get(*k).cloned().unwrap_or_default())
        .collect();
    let texts = shape
        .codes
        .iter()
        .map(|c| e.texts.get(&c.id).cloned())
        .collect();
    (openings, texts)
}

/// Every core statement of `code` must fit in `limit` characters on its own.
fn check_length(code: &str, pools: &TextPools, limit: usize, issues: &mut Issues<'_>) {
    for (i, core) in pools.cores.iter().enumerate() {
        let n = core.trim().chars().count();
        if n > limit {
            let key = format!("excerpts.texts.{code}.cores[{i}]");
            issues.add(
                &key,
                format!("{key}: this core statement has {n} characters; expected at most excerpts.max_chars = {limit}"),
            );
        }
    }
}

/// `n * part / whole`, rounded half up, in integers.
pub(crate) fn scale(n: usize, part: usize, whole: usize) -> usize {
    if whole == 0 {
        return 0;
    }
    ((n as u128 * part as u128 * 2 + whole as u128) / (2 * whole as u128)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_rounds_half_up() {
        assert_eq!(scale(100_000, 62, 92), 67_391);
        assert_eq!(scale(3, 1, 2), 2);
    }
}
