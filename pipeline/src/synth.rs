//! A seeded generator of synthetic studies: from the parameters in `synth.toml` and a
//! parsed `study.toml` to the three raw CSV files, byte for byte the same on every run.
//!
//! The generator follows the study's design (see `data/README.md`): a fixed number of
//! surveyed and responding organisations with a category in every declared dimension
//! and a country; directed tie reports in every declared wave, made only by
//! respondents, with homophily by the primary dimension and by country; and coded
//! interview and focus-group excerpts. Nothing about the categories is written here:
//! dimensions, categories, waves and codes all come from the [`StudyConfig`], and the
//! weights that shape them come from `synth.toml`, keyed by dimension column and
//! category id. A dimension the parameters do not mention is drawn uniformly.
//!
//! Determinism: the only source of randomness is a [`ChaCha8Rng`] seeded from the
//! parameters; random numbers are turned into choices with integer arithmetic and the
//! four exact floating-point operations only (no logarithms or powers, whose last bit
//! may differ between platforms); every map is a `BTreeMap`; every output is written
//! in a fixed order. Like the rest of this crate it does no I/O.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::Deserialize;

use crate::load::org_columns;
use crate::study::{StudyConfig, line_column};

/// The conventional file name of the parameters (`data/synth.toml`).
pub const PARAMS_FILE: &str = "synth.toml";

/// The levels an excerpt's participant can work at, as written in `raw/excerpts.csv`.
const LEVELS: [&str; 3] = ["local", "national", "global"];

/// Weights or multipliers keyed by a category id (or a country, level or code).
pub type Weights = BTreeMap<String, f64>;

/// The parsed `synth.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Seed of the random number generator.
    pub seed: u64,
    /// How many organisations, and who responds.
    pub organisations: OrgParams,
    /// Category weights per dimension, keyed by the dimension's column.
    #[serde(default)]
    pub dimensions: BTreeMap<String, DimensionParams>,
    /// Countries of the organisations.
    pub countries: CountryParams,
    /// Tie reports.
    pub ties: TieParams,
    /// Coded excerpts.
    pub excerpts: ExcerptParams,
}

/// Organisation counts and the chance to respond.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgParams {
    /// Organisations the survey was sent to.
    pub surveyed: usize,
    /// Surveyed organisations that answered.
    pub responded: usize,
    /// Organisations listed (and nameable as partners) but not surveyed.
    #[serde(default)]
    pub listed_only: usize,
    /// Prefix of the pseudonymous ids, followed by a zero-padded number.
    #[serde(default = "default_org_prefix")]
    pub id_prefix: String,
    /// Multipliers of the chance to respond: dimension column -> category -> factor.
    #[serde(default)]
    pub response: BTreeMap<String, Weights>,
}

fn default_org_prefix() -> String {
    "ORG-".to_owned()
}

/// How the categories of one dimension are drawn.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionParams {
    /// Base weight per category id; a category not listed weighs 1.
    #[serde(default)]
    pub weights: Weights,
    /// If true, the weights are shares of exact counts (largest remainder), not chances.
    #[serde(default)]
    pub exact: bool,
    /// Correlations: earlier dimension column -> its category -> this category -> factor.
    #[serde(default)]
    pub given: BTreeMap<String, BTreeMap<String, Weights>>,
}

/// How countries are drawn.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryParams {
    /// The dimension whose category selects the country weights (optional).
    #[serde(default)]
    pub by: Option<String>,
    /// Country weights for categories without their own.
    #[serde(default)]
    pub default: Weights,
    /// Country weights per category of `by`.
    #[serde(default)]
    pub weights: BTreeMap<String, Weights>,
}

/// How tie reports are drawn.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TieParams {
    /// Mean number of partners a respondent names in a wave.
    pub mean_degree: f64,
    /// Chance that a partner is drawn from the reporter's primary category.
    pub same_primary: f64,
    /// Chance that a partner is drawn from the reporter's country.
    pub same_country: f64,
    /// Multipliers of how often an organisation names others and is named:
    /// dimension column -> category -> factor.
    #[serde(default)]
    pub prominence: BTreeMap<String, Weights>,
    /// Per-wave overrides of the three numbers above, keyed by wave id.
    #[serde(default)]
    pub waves: BTreeMap<String, WaveParams>,
}

/// Per-wave overrides of [`TieParams`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaveParams {
    /// Overrides [`TieParams::mean_degree`].
    pub mean_degree: Option<f64>,
    /// Overrides [`TieParams::same_primary`].
    pub same_primary: Option<f64>,
    /// Overrides [`TieParams::same_country`].
    pub same_country: Option<f64>,
}

/// How excerpts are drawn.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcerptParams {
    /// Number of interviews (`INT-01`, ...).
    pub interviews: usize,
    /// Number of focus groups (`FG-01`, ...).
    pub focus_groups: usize,
    /// Fewest excerpts per source.
    pub min_per_source: usize,
    /// Most excerpts per source.
    pub max_per_source: usize,
    /// Share of the sources whose participants consented to be quoted (rounded to
    /// a whole number of sources, chosen at random).
    pub consent: f64,
    /// Chance that an excerpt carries a second code.
    pub second_code: f64,
    /// Weight per level (`local`, `national`, `global`).
    #[serde(default)]
    pub level: Weights,
    /// Weight per category of the primary dimension.
    #[serde(default)]
    pub population: Weights,
    /// Weight per code of the codebook.
    #[serde(default)]
    pub codes: Weights,
    /// Country weights per level.
    pub countries: BTreeMap<String, Weights>,
    /// Excerpt texts per code; each text is used once before any repeats.
    #[serde(default)]
    pub texts: BTreeMap<String, Vec<String>>,
}

/// A size override for scaled (benchmark) studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Size {
    /// Total organisations; surveyed and responding counts keep their proportions.
    pub orgs: Option<usize>,
    /// Total tie reports over all waves, split in proportion to the mean degrees.
    pub ties: Option<usize>,
}

/// Why a study could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    /// `synth.toml` is not valid TOML or does not have the expected keys.
    #[error("{PARAMS_FILE}:{line}:{column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The parameters do not fit the study or each other.
    #[error("{PARAMS_FILE}: {0}")]
    Invalid(String),
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
    /// Per wave (in `study.toml` order): wave id and number of tie reports.
    pub reports: Vec<(String, usize)>,
    /// Interviews.
    pub interviews: usize,
    /// Focus groups.
    pub focus_groups: usize,
    /// Excerpts.
    pub excerpts: usize,
    /// Excerpts whose participants consented to be quoted.
    pub consented: usize,
}

impl Params {
    /// Parses `synth.toml`, locating syntax errors at their line and column.
    pub fn parse(text: &str) -> Result<Params, SynthError> {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
            SynthError::Syntax {
                line,
                column,
                message: e.message().trim_end().to_owned(),
            }
        })
    }
}

/// Generates the three raw files of a study described by `config`.
pub fn generate(
    params: &Params,
    config: &StudyConfig,
    size: Size,
) -> Result<Generated, SynthError> {
    let plan = Plan::new(params, config, size)?;
    let mut dice = Dice(ChaCha8Rng::seed_from_u64(params.seed));
    let orgs = plan.organisations(&mut dice)?;
    let (ties, reports) = plan.ties(&orgs, &mut dice)?;
    let (excerpts, exc) = plan.excerpts(&mut dice)?;
    let summary = Summary {
        orgs: plan.total,
        surveyed: plan.surveyed,
        responded: plan.responded,
        reports,
        interviews: params.excerpts.interviews,
        focus_groups: params.excerpts.focus_groups,
        excerpts: exc.0,
        consented: exc.1,
    };
    Ok(Generated {
        organisations: plan.organisations_csv(&orgs),
        ties,
        excerpts,
        summary,
    })
}

fn invalid(message: impl Into<String>) -> SynthError {
    SynthError::Invalid(message.into())
}

/// The random number generator with the few choices the generator needs, each made
/// from raw 64-bit outputs with exact arithmetic.
struct Dice(ChaCha8Rng);

impl Dice {
    /// A uniform integer in `0..n` (`n > 0`), without modulo bias.
    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - (u64::MAX - n + 1) % n;
        loop {
            let x = self.0.next_u64();
            if x <= zone {
                return (x % n) as usize;
            }
        }
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with probability proportional to `weights` (sum > 0).
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.unit() * total;
        let mut last = 0;
        for (i, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                if u < w {
                    return i;
                }
                u -= w;
                last = i;
            }
        }
        last
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A dimension's parameters resolved against the study's categories.
struct DimPlan {
    base: Vec<f64>,
    exact: bool,
    /// (index of an earlier dimension, factors[its category][this category]).
    given: Vec<(usize, Vec<Vec<f64>>)>,
}

/// One wave's tie parameters, resolved.
struct WavePlan {
    id: String,
    mean_degree: f64,
    same_primary: f64,
    same_country: f64,
}

/// Everything the generator needs, checked against the study.
struct Plan<'a> {
    params: &'a Params,
    config: &'a StudyConfig,
    total: usize,
    surveyed: usize,
    responded: usize,
    ties_total: Option<usize>,
    dims: Vec<DimPlan>,
    primary: usize,
    countries: Vec<String>,
    /// Country weights (over `countries`) per category of `by`, or one row for all.
    country_by: Option<usize>,
    country_weights: Vec<Vec<f64>>,
    response: Vec<Vec<f64>>,
    prominence: Vec<Vec<f64>>,
    waves: Vec<WavePlan>,
}

/// The drawn organisations, in id order.
struct Orgs {
    /// `cats[d][i]`: category of organisation `i` in dimension `d`.
    cats: Vec<Vec<usize>>,
    country: Vec<usize>,
    surveyed: Vec<bool>,
    responded: Vec<bool>,
}

impl<'a> Plan<'a> {
    fn new(
        params: &'a Params,
        config: &'a StudyConfig,
        size: Size,
    ) -> Result<Plan<'a>, SynthError> {
        let o = &params.organisations;
        if o.responded > o.surveyed {
            return Err(invalid(format!(
                "organisations.responded = {} is more than organisations.surveyed = {}",
                o.responded, o.surveyed
            )));
        }
        let base_total = o.surveyed + o.listed_only;
        let (total, surveyed, responded) = match size.orgs {
            None => (base_total, o.surveyed, o.responded),
            Some(n) => {
                let surveyed = scale(n, o.surveyed, base_total);
                (n, surveyed, scale(surveyed, o.responded, o.surveyed))
            }
        };
        if total < 2 || responded == 0 {
            return Err(invalid(format!(
                "the study would have {total} organisations and {responded} respondents; expected at least 2 and 1"
            )));
        }
        if total > u32::MAX as usize {
            return Err(invalid(format!(
                "{total} organisations are too many; expected at most {}",
                u32::MAX
            )));
        }

        for column in params.dimensions.keys() {
            if config.dimension(column).is_none() {
                return Err(invalid(format!(
                    "[dimensions.{column}]: {column:?} is not a dimension of study.toml; expected one of: {}",
                    config
                        .dimensions
                        .iter()
                        .map(|d| d.column.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let mut dims = Vec::new();
        for (di, d) in config.dimensions.iter().enumerate() {
            let p = params
                .dimensions
                .get(&d.column)
                .cloned()
                .unwrap_or_default();
            let key = format!("dimensions.{}.weights", d.column);
            let base = category_weights(config, di, &p.weights, 1.0, &key)?;
            let mut given = Vec::new();
            for (col, by_cat) in &p.given {
                let Some(ci) = config.dimensions.iter().position(|x| &x.column == col) else {
                    return Err(invalid(format!(
                        "dimensions.{}.given.{col}: {col:?} is not a dimension of study.toml",
                        d.column
                    )));
                };
                if ci >= di {
                    return Err(invalid(format!(
                        "dimensions.{}.given.{col}: {col:?} is drawn after {:?}; expected a dimension listed earlier in study.toml",
                        d.column, d.column
                    )));
                }
                if p.exact {
                    return Err(invalid(format!(
                        "dimensions.{}: an exact dimension cannot have `given` factors",
                        d.column
                    )));
                }
                let cond = &config.dimensions[ci];
                let mut table = vec![vec![1.0; d.categories.len()]; cond.categories.len()];
                for (cat, factors) in by_cat {
                    let Some(k) = cond.index_of(cat) else {
                        return Err(unknown_category(
                            &format!("dimensions.{}.given.{col}", d.column),
                            cat,
                            config,
                            ci,
                        ));
                    };
                    let key = format!("dimensions.{}.given.{col}.{cat}", d.column);
                    table[k] = category_weights(config, di, factors, 1.0, &key)?;
                }
                given.push((ci, table));
            }
            dims.push(DimPlan {
                base,
                exact: p.exact,
                given,
            });
        }
        let primary = config.primary.get();

        // Countries: one sorted list, and a weight row per category of `by`.
        let c = &params.countries;
        let mut names: Vec<&String> = c
            .default
            .keys()
            .chain(c.weights.values().flat_map(|w| w.keys()))
            .collect();
        names.sort();
        names.dedup();
        let countries: Vec<String> = names.into_iter().cloned().collect();
        let row = |w: &Weights, key: &str| -> Result<Vec<f64>, SynthError> {
            let r: Vec<f64> = countries
                .iter()
                .map(|n| w.get(n).copied().unwrap_or(0.0))
                .collect();
            check_weights(&r, key)?;
            Ok(r)
        };
        let (country_by, country_weights) = match &c.by {
            None => (None, vec![row(&c.default, "countries.default")?]),
            Some(col) => {
                let Some(bi) = config.dimensions.iter().position(|d| &d.column == col) else {
                    return Err(invalid(format!(
                        "countries.by: {col:?} is not a dimension of study.toml"
                    )));
                };
                let dim = &config.dimensions[bi];
                for cat in c.weights.keys() {
                    if dim.index_of(cat).is_none() {
                        return Err(unknown_category("countries.weights", cat, config, bi));
                    }
                }
                let mut rows = Vec::new();
                for cat in &dim.categories {
                    match c.weights.get(&cat.id) {
                        Some(w) => rows.push(row(w, &format!("countries.weights.{}", cat.id))?),
                        None => rows.push(row(
                            &c.default,
                            &format!("countries.default (used for {:?})", cat.id),
                        )?),
                    }
                }
                (Some(bi), rows)
            }
        };

        let response = factor_tables(config, &o.response, "organisations.response")?;
        let prominence = factor_tables(config, &params.ties.prominence, "ties.prominence")?;

        let t = &params.ties;
        for id in t.waves.keys() {
            if !config.waves.iter().any(|w| &w.id == id) {
                return Err(invalid(format!(
                    "[ties.waves.{id}]: {id:?} is not a wave of study.toml; expected one of: {}",
                    config
                        .waves
                        .iter()
                        .map(|w| w.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let mut waves = Vec::new();
        for w in &config.waves {
            let o = t.waves.get(&w.id).cloned().unwrap_or_default();
            let plan = WavePlan {
                id: w.id.clone(),
                mean_degree: o.mean_degree.unwrap_or(t.mean_degree),
                same_primary: o.same_primary.unwrap_or(t.same_primary),
                same_country: o.same_country.unwrap_or(t.same_country),
            };
            if !(plan.mean_degree >= 0.0 && plan.mean_degree.is_finite()) {
                return Err(invalid(format!(
                    "the mean_degree of wave {:?} must be a number of at least 0",
                    w.id
                )));
            }
            for (name, p) in [
                ("same_primary", plan.same_primary),
                ("same_country", plan.same_country),
            ] {
                if !(0.0..=1.0).contains(&p) {
                    return Err(invalid(format!(
                        "{name} of wave {:?} is {p}; expected a chance between 0 and 1",
                        w.id
                    )));
                }
            }
            waves.push(plan);
        }

        let e = &params.excerpts;
        if e.min_per_source > e.max_per_source {
            return Err(invalid(
                "excerpts.min_per_source is more than excerpts.max_per_source",
            ));
        }
        for (name, p) in [
            ("excerpts.consent", e.consent),
            ("excerpts.second_code", e.second_code),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid(format!(
                    "{name} is {p}; expected a chance between 0 and 1"
                )));
            }
        }
        for key in e.level.keys().chain(e.countries.keys()) {
            if !LEVELS.contains(&key.as_str()) {
                return Err(invalid(format!(
                    "excerpts: level {key:?} is not known; expected one of: {}",
                    LEVELS.join(", ")
                )));
            }
        }
        for key in e.codes.keys().chain(e.texts.keys()) {
            if !config.codebook.iter().any(|c| &c.id == key) {
                return Err(invalid(format!(
                    "excerpts: code {key:?} is not in the codebook of study.toml; expected one of: {}",
                    config
                        .codebook
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        if config.codebook.is_empty() && e.interviews + e.focus_groups > 0 {
            return Err(invalid(
                "study.toml has an empty codebook, so excerpts cannot be coded",
            ));
        }
        Ok(Plan {
            params,
            config,
            total,
            surveyed,
            responded,
            ties_total: size.ties,
            dims,
            primary,
            countries,
            country_by,
            country_weights,
            response,
            prominence,
            waves,
        })
    }

    fn organisations(&self, dice: &mut Dice) -> Result<Orgs, SynthError> {
        let n = self.total;
        let mut cats: Vec<Vec<usize>> = Vec::with_capacity(self.dims.len());
        for dim in &self.dims {
            let column = if dim.exact {
                let counts = largest_remainder(&dim.base, n);
                let mut col: Vec<usize> = counts
                    .iter()
                    .enumerate()
                    .flat_map(|(k, &c)| std::iter::repeat_n(k, c))
                    .collect();
                dice.shuffle(&mut col);
                col
            } else {
                let mut w = dim.base.clone();
                (0..n)
                    .map(|i| {
                        w.copy_from_slice(&dim.base);
                        for (ci, table) in &dim.given {
                            for (x, f) in w.iter_mut().zip(&table[cats[*ci][i]]) {
                                *x *= f;
                            }
                        }
                        if w.iter().all(|x| *x <= 0.0) {
                            w.copy_from_slice(&dim.base);
                        }
                        dice.pick(&w)
                    })
                    .collect()
            };
            cats.push(column);
        }
        let country = (0..n)
            .map(|i| {
                let row = self.country_by.map_or(0, |b| cats[b][i]);
                dice.pick(&self.country_weights[row])
            })
            .collect();

        // Who is listed only, then who of the surveyed responds.
        let mut order: Vec<usize> = (0..n).collect();
        dice.shuffle(&mut order);
        let mut surveyed = vec![true; n];
        for &i in &order[..n - self.surveyed] {
            surveyed[i] = false;
        }
        let weights: Vec<f64> = (0..n).map(|i| factor(&self.response, &cats, i)).collect();
        let pool: Vec<usize> = (0..n).filter(|&i| surveyed[i]).collect();
        let mut responded = vec![false; n];
        for i in weighted_sample(&pool, &weights, self.responded, dice) {
            responded[i] = true;
        }
        Ok(Orgs {
            cats,
            country,
            surveyed,
            responded,
        })
    }

    fn org_id(&self, i: usize) -> String {
        let width = digits(self.total).max(3);
        format!("{}{:0width$}", self.params.organisations.id_prefix, i + 1)
    }

    fn organisations_csv(&self, orgs: &Orgs) -> String {
        let mut out = String::with_capacity(self.total * 80);
        out.push_str(&org_columns(self.config).join(","));
        out.push('\n');
        for i in 0..self.total {
            out.push_str(&self.org_id(i));
            out.push(',');
            out.push_str(&csv_field(&self.countries[orgs.country[i]]));
            for (d, dim) in self.config.dimensions.iter().enumerate() {
                out.push(',');
                out.push_str(&csv_field(&dim.categories[orgs.cats[d][i]].id));
            }
            let _ = writeln!(out, ",{},{}", orgs.surveyed[i], orgs.responded[i]);
        }
        out
    }

    /// Draws every wave's tie reports; returns `ties.csv` and the reports per wave.
    fn ties(
        &self,
        orgs: &Orgs,
        dice: &mut Dice,
    ) -> Result<(String, Vec<(String, usize)>), SynthError> {
        let n = self.total;
        let respondents: Vec<u32> = (0..n)
            .filter(|&i| orgs.responded[i])
            .map(|i| i as u32)
            .collect();
        let r = respondents.len();
        let targets: Vec<usize> = match self.ties_total {
            Some(m) => largest_remainder(
                &self.waves.iter().map(|w| w.mean_degree).collect::<Vec<_>>(),
                m,
            ),
            None => self
                .waves
                .iter()
                .map(|w| (r as f64 * w.mean_degree).round() as usize)
                .collect(),
        };
        let most = r * (n - 1);
        if let Some(t) = targets.iter().find(|&&t| t > most) {
            return Err(invalid(format!(
                "{t} tie reports in one wave are more than the {most} possible between {r} respondents and {n} organisations"
            )));
        }

        // Buckets of partner candidates: by primary category, by country, by both.
        let primary = &orgs.cats[self.primary];
        let n_primary = self.config.dimensions[self.primary].categories.len();
        let n_country = self.countries.len();
        let mut by_primary = vec![Vec::new(); n_primary];
        let mut by_country = vec![Vec::new(); n_country];
        let mut by_cell = vec![Vec::new(); n_primary * n_country];
        for (i, (&p, &c)) in primary.iter().zip(&orgs.country).enumerate() {
            by_primary[p].push(i as u32);
            by_country[c].push(i as u32);
            by_cell[p * n_country + c].push(i as u32);
        }
        let all: Vec<u32> = (0..n as u32).collect();
        let prominence: Vec<f64> = (0..n)
            .map(|i| factor(&self.prominence, &orgs.cats, i))
            .collect();
        let top = prominence.iter().copied().fold(0.0_f64, f64::max);
        let top_reporter = respondents
            .iter()
            .map(|&i| prominence[i as usize])
            .fold(0.0_f64, f64::max);

        let width = digits(n).max(3);
        let prefix = &self.params.organisations.id_prefix;
        let mut out = String::with_capacity(
            targets.iter().sum::<usize>() * (2 * (prefix.len() + width) + 12) + 32,
        );
        out.push_str("wave,reporter,partner\n");
        let mut counts = Vec::new();
        for (wave, &target) in self.waves.iter().zip(&targets) {
            let mut named: Vec<Vec<u32>> = vec![Vec::new(); r];
            let mut draw = |k: usize, dice: &mut Dice| -> bool {
                let me = respondents[k];
                let (p, c) = (primary[me as usize], orgs.country[me as usize]);
                for attempt in 0..64 {
                    let (sp, sc) = if attempt < 32 {
                        (
                            dice.chance(wave.same_primary),
                            dice.chance(wave.same_country),
                        )
                    } else {
                        (false, false)
                    };
                    let bucket = match (sp, sc) {
                        (true, true) => &by_cell[p * n_country + c],
                        (true, false) => &by_primary[p],
                        (false, true) => &by_country[c],
                        (false, false) => &all,
                    };
                    let bucket = if bucket.len() < 2 { &all } else { bucket };
                    let cand = bucket[dice.below(bucket.len())];
                    if cand == me || named[k].contains(&cand) {
                        continue;
                    }
                    if attempt < 48 && !dice.chance(prominence[cand as usize] / top) {
                        continue;
                    }
                    named[k].push(cand);
                    return true;
                }
                false
            };
            let mut placed = 0;
            // Everyone names at least one partner while the budget lasts.
            for k in 0..r {
                if placed < target && draw(k, dice) {
                    placed += 1;
                }
            }
            let mut misses = 0usize;
            while placed < target {
                let k = dice.below(r);
                if !dice.chance(prominence[respondents[k] as usize] / top_reporter) {
                    continue;
                }
                if draw(k, dice) {
                    placed += 1;
                } else {
                    misses += 1;
                    if misses > 1000 + 10 * target {
                        return Err(invalid(format!(
                            "could not place {target} tie reports in wave {:?}; lower its mean_degree",
                            wave.id
                        )));
                    }
                }
            }
            for (k, partners) in named.iter_mut().enumerate() {
                partners.sort_unstable();
                let reporter = self.org_id(respondents[k] as usize);
                for &p in partners.iter() {
                    let _ = writeln!(
                        out,
                        "{},{reporter},{prefix}{:0width$}",
                        csv_field(&wave.id),
                        p as usize + 1
                    );
                }
            }
            counts.push((wave.id.clone(), placed));
        }
        Ok((out, counts))
    }

    /// Draws the excerpts; returns `excerpts.csv` and (excerpts, consented).
    fn excerpts(&self, dice: &mut Dice) -> Result<(String, (usize, usize)), SynthError> {
        let e = &self.params.excerpts;
        let config = self.config;
        let levels: Vec<f64> = LEVELS
            .iter()
            .map(|l| e.level.get(*l).copied().unwrap_or(1.0))
            .collect();
        check_weights(&levels, "excerpts.level")?;
        let population = category_weights(
            config,
            self.primary,
            &e.population,
            1.0,
            "excerpts.population",
        )?;
        let codes: Vec<f64> = config
            .codebook
            .iter()
            .map(|c| e.codes.get(&c.id).copied().unwrap_or(1.0))
            .collect();
        check_weights(&codes, "excerpts.codes")?;
        // Per level, a country list and weights; a level without its own uses the
        // organisations' default countries.
        let mut countries: Vec<(Vec<&str>, Vec<f64>)> = Vec::new();
        for level in LEVELS {
            let w = e
                .countries
                .get(level)
                .unwrap_or(&self.params.countries.default);
            let names: Vec<&str> = w.keys().map(String::as_str).collect();
            let weights: Vec<f64> = w.values().copied().collect();
            check_weights(&weights, &format!("excerpts.countries.{level}"))?;
            countries.push((names, weights));
        }
        // Each code's texts in a shuffled order, used in turn.
        let mut texts: Vec<Vec<String>> = Vec::new();
        for code in &config.codebook {
            let mut pool = e
                .texts
                .get(&code.id)
                .filter(|t| !t.is_empty())
                .cloned()
                .unwrap_or_else(|| {
                    vec![format!(
                        "A participant talked about this theme: {}.",
                        code.label
                    )]
                });
            dice.shuffle(&mut pool);
            texts.push(pool);
        }
        let mut used = vec![0usize; texts.len()];

        let primary = &config.dimensions[self.primary];
        let sources = e.interviews + e.focus_groups;
        // An exact share of the sources consented, chosen at random.
        let mut consenting = vec![false; sources];
        let mut order: Vec<usize> = (0..sources).collect();
        dice.shuffle(&mut order);
        for &s in &order[..((sources as f64 * e.consent).round() as usize).min(sources)] {
            consenting[s] = true;
        }
        let per_source_max = e.max_per_source.max(1);
        let ex_width = digits(sources * per_source_max).max(3);
        let mut out = String::from(
            "excerpt_id,source_id,source_kind,level,country,population,codes,consent,text\n",
        );
        let (mut count, mut consented) = (0, 0);
        for (s, &consent) in consenting.iter().enumerate() {
            let (source, kind) = if s < e.interviews {
                (
                    format!("INT-{:0w$}", s + 1, w = digits(e.interviews).max(2)),
                    "interview",
                )
            } else {
                (
                    format!(
                        "FG-{:0w$}",
                        s - e.interviews + 1,
                        w = digits(e.focus_groups).max(2)
                    ),
                    "focus_group",
                )
            };
            let level = dice.pick(&levels);
            let (names, weights) = &countries[level];
            let country = names[dice.pick(weights)];
            let pop = &primary.categories[dice.pick(&population)].id;
            let n = e.min_per_source + dice.below(e.max_per_source - e.min_per_source + 1);
            for _ in 0..n {
                count += 1;
                consented += usize::from(consent);
                let first = dice.pick(&codes);
                let mut chosen = vec![first];
                if config.codebook.len() > 1 && dice.chance(e.second_code) {
                    let mut w = codes.clone();
                    w[first] = 0.0;
                    if w.iter().any(|x| *x > 0.0) {
                        chosen.push(dice.pick(&w));
                    }
                }
                chosen.sort_unstable();
                let ids: Vec<&str> = chosen
                    .iter()
                    .map(|&c| config.codebook[c].id.as_str())
                    .collect();
                let pool = &texts[first];
                let text = &pool[used[first] % pool.len()];
                used[first] += 1;
                let _ = writeln!(
                    out,
                    "EX-{count:0ex_width$},{source},{kind},{},{},{},{},{consent},{}",
                    LEVELS[level],
                    csv_field(country),
                    csv_field(pop),
                    csv_field(&ids.join(";")),
                    csv_field(text)
                );
            }
        }
        Ok((out, (count, consented)))
    }
}

/// Per-category weights of dimension `di` from `given` (missing ones get `missing`).
fn category_weights(
    config: &StudyConfig,
    di: usize,
    given: &Weights,
    missing: f64,
    key: &str,
) -> Result<Vec<f64>, SynthError> {
    let dim = &config.dimensions[di];
    for cat in given.keys() {
        if dim.index_of(cat).is_none() {
            return Err(unknown_category(key, cat, config, di));
        }
    }
    let w: Vec<f64> = dim
        .categories
        .iter()
        .map(|c| given.get(&c.id).copied().unwrap_or(missing))
        .collect();
    check_weights(&w, key)?;
    Ok(w)
}

fn unknown_category(key: &str, cat: &str, config: &StudyConfig, di: usize) -> SynthError {
    let dim = &config.dimensions[di];
    invalid(format!(
        "{key}: {cat:?} is not a category of {} in study.toml; expected one of: {}",
        dim.column,
        dim.categories
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn check_weights(w: &[f64], key: &str) -> Result<(), SynthError> {
    if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return Err(invalid(format!(
            "{key}: weights must be numbers of at least 0"
        )));
    }
    if !w.iter().any(|x| *x > 0.0) {
        return Err(invalid(format!(
            "{key}: expected at least one weight above 0"
        )));
    }
    Ok(())
}

/// Multiplier tables (dimension column -> category -> factor) as `[dim][category]`.
fn factor_tables(
    config: &StudyConfig,
    tables: &BTreeMap<String, Weights>,
    key: &str,
) -> Result<Vec<Vec<f64>>, SynthError> {
    for col in tables.keys() {
        if config.dimension(col).is_none() {
            return Err(invalid(format!(
                "{key}.{col}: {col:?} is not a dimension of study.toml"
            )));
        }
    }
    let mut out = Vec::new();
    for (di, d) in config.dimensions.iter().enumerate() {
        let row = match tables.get(&d.column) {
            Some(w) => {
                let row = category_weights(config, di, w, 1.0, &format!("{key}.{}", d.column))?;
                if row.iter().any(|x| *x <= 0.0) {
                    return Err(invalid(format!(
                        "{key}.{}: factors must be above 0",
                        d.column
                    )));
                }
                row
            }
            None => vec![1.0; d.categories.len()],
        };
        out.push(row);
    }
    Ok(out)
}

/// The product of an organisation's factors over all dimensions.
fn factor(tables: &[Vec<f64>], cats: &[Vec<usize>], i: usize) -> f64 {
    tables
        .iter()
        .zip(cats)
        .map(|(row, col)| row[col[i]])
        .product()
}

/// Draws `k` distinct items of `pool` with chances proportional to `weights[item]`,
/// one at a time without replacement. Items are grouped by weight so each draw costs
/// the number of distinct weights, not the pool size. Returns the items sorted.
fn weighted_sample(pool: &[usize], weights: &[f64], k: usize, dice: &mut Dice) -> Vec<usize> {
    let mut classes: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for &i in pool {
        classes.entry(weights[i].to_bits()).or_default().push(i);
    }
    let mut classes: Vec<(f64, Vec<usize>)> = classes
        .into_iter()
        .map(|(b, v)| (f64::from_bits(b), v))
        .collect();
    let mut out = Vec::with_capacity(k);
    for _ in 0..k.min(pool.len()) {
        let mass: Vec<f64> = classes.iter().map(|(w, v)| w * v.len() as f64).collect();
        let c = dice.pick(&mass);
        let members = &mut classes[c].1;
        let j = dice.below(members.len());
        out.push(members.swap_remove(j));
    }
    out.sort_unstable();
    out
}

/// Splits `n` into integer parts proportional to `weights` (largest remainder; ties
/// go to the earlier part). Exact integer arithmetic on weights scaled to millionths.
fn largest_remainder(weights: &[f64], n: usize) -> Vec<usize> {
    let w: Vec<u128> = weights
        .iter()
        .map(|x| (x * 1_000_000.0).round().max(0.0) as u128)
        .collect();
    let sum: u128 = w.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let n128 = n as u128;
    let mut parts: Vec<usize> = w.iter().map(|x| (x * n128 / sum) as usize).collect();
    let mut rest: Vec<(u128, usize)> = w
        .iter()
        .enumerate()
        .map(|(i, x)| (x * n128 % sum, i))
        .collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let short = n - parts.iter().sum::<usize>();
    for &(_, i) in rest.iter().take(short) {
        parts[i] += 1;
    }
    parts
}

/// `n * part / whole`, rounded half up, in integers.
fn scale(n: usize, part: usize, whole: usize) -> usize {
    if whole == 0 {
        return 0;
    }
    ((n as u128 * part as u128 * 2 + whole as u128) / (2 * whole as u128)) as usize
}

fn digits(n: usize) -> usize {
    n.max(1).ilog10() as usize + 1
}

/// A CSV field, quoted when it holds a comma, quote, line break or edge whitespace.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let needs = s.contains([',', '"', '\n', '\r'])
        || s.starts_with([' ', '\t'])
        || s.ends_with([' ', '\t']);
    if needs {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_is_exact() {
        assert_eq!(largest_remainder(&[79.0, 5.0, 8.0], 92), vec![79, 5, 8]);
        assert_eq!(largest_remainder(&[1.0, 1.0, 1.0], 10), vec![4, 3, 3]);
        assert_eq!(
            largest_remainder(&[79.0, 5.0, 8.0], 100_000)
                .iter()
                .sum::<usize>(),
            100_000
        );
    }

    #[test]
    fn scale_rounds_half_up() {
        assert_eq!(scale(100_000, 62, 92), 67_391);
        assert_eq!(scale(3, 1, 2), 2);
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a"), "a");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }

    #[test]
    fn below_stays_in_range() {
        let mut d = Dice(ChaCha8Rng::seed_from_u64(1));
        assert!((0..1000).all(|_| d.below(7) < 7));
        assert!((0..1000).all(|_| (0.0..1.0).contains(&d.unit())));
    }
}
