//! `synth.toml` as written: the serde types of the generator's parameters, and where
//! each key sits in the file, so that every later problem with a value can be
//! reported at its `line:column`.
//!
//! Nothing here is checked against the study; [`super::resolve`] does that.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::{PARAMS_FILE, SynthError};
use crate::diag::Problem;
use crate::study::line_column;

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
    /// Where each key was written (filled by [`Params::parse`]).
    #[serde(skip)]
    pub(crate) positions: KeyPositions,
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
    /// The exact number of excerpts over all sources, if set: every source gives
    /// `min_per_source`, and the rest are spread at random over the sources' spare
    /// places up to `max_per_source`. If not set, each source's count is uniform
    /// between the two bounds.
    #[serde(default)]
    pub total: Option<usize>,
    /// Share of the sources whose participants consented to be quoted (rounded to
    /// a whole number of sources, chosen at random).
    pub consent: f64,
    /// Chance that an excerpt carries a second code.
    pub second_code: f64,
    /// Chance that an excerpt's text starts with a lead-in from `openings`.
    #[serde(default)]
    pub opening: f64,
    /// Longest text, in characters, if set: every core statement must fit within
    /// it, and a detail or a lead-in is added only where it still fits.
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// Weight per level (`local`, `national`, `global`).
    #[serde(default)]
    pub level: Weights,
    /// Weight per category of the primary dimension.
    #[serde(default)]
    pub population: Weights,
    /// Weight per code of the codebook: the excerpts' first codes are split in
    /// these proportions exactly (largest remainder).
    #[serde(default)]
    pub codes: Weights,
    /// Country weights per level.
    pub countries: BTreeMap<String, Weights>,
    /// Lead-ins per kind of code (`challenge`, `benefit`, `recommendation`).
    #[serde(default)]
    pub openings: BTreeMap<String, Vec<String>>,
    /// The pieces excerpt texts are composed of, per code.
    #[serde(default)]
    pub texts: BTreeMap<String, TextPools>,
}

/// The pools one code's excerpt texts are composed from: every excerpt whose first
/// code this is takes one core statement and, where one fits, one concrete detail;
/// each piece is used at most once.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextPools {
    /// Core statements on the code's theme (at least one per excerpt the code leads).
    pub cores: Vec<String>,
    /// Concrete details or examples that can follow any core statement.
    pub details: Vec<String>,
}

impl Params {
    /// Parses `synth.toml`, locating syntax and type errors at their line and column,
    /// and remembers where each key was written for later messages.
    pub fn parse(text: &str) -> Result<Params, SynthError> {
        let mut params: Params = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
            SynthError::one(Problem::at(
                PARAMS_FILE,
                line,
                column,
                e.message().trim_end(),
            ))
        })?;
        params.positions = KeyPositions::of(text);
        Ok(params)
    }
}

/// The `line:column` of every key of a TOML document, by dotted path
/// (`dimensions.population.weights.pud`); array items are `path[index]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyPositions(BTreeMap<String, (usize, usize)>);

/// Where keys were written is not part of the parameters' value: two files with the
/// same values are equal parameters however they are laid out.
impl PartialEq for KeyPositions {
    fn eq(&self, _: &KeyPositions) -> bool {
        true
    }
}

impl KeyPositions {
    /// The positions of the keys of `text` (empty when it does not parse).
    pub(crate) fn of(text: &str) -> KeyPositions {
        let mut out = KeyPositions::default();
        if let Ok(root) = DeTable::parse(text) {
            out.walk_table(text, "", root.get_ref());
        }
        out
    }

    fn walk_table(&mut self, text: &str, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table.iter() {
            let path = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            self.0
                .entry(path.clone())
                .or_insert_with(|| line_column(text, key.span().start));
            self.walk_value(text, &path, value.get_ref());
        }
    }

    fn walk_value(&mut self, text: &str, path: &str, value: &DeValue<'_>) {
        if let Some(table) = value.as_table() {
            self.walk_table(text, path, table);
        } else if let Some(items) = value.as_array() {
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                self.0
                    .entry(item_path.clone())
                    .or_insert_with(|| line_column(text, item.span().start));
                self.walk_value(text, &item_path, item.get_ref());
            }
        }
    }

    /// Where `path` was written, or the nearest enclosing key that was; `1:1` when
    /// none was (a value left at its default).
    pub(crate) fn locate(&self, path: &str) -> (usize, usize) {
        let mut p = path;
        loop {
            if let Some(&pos) = self.0.get(p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(cut) => p = &p[..cut],
                None => return (1, 1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_located_by_path() {
        let text = "seed = 1\n[a.b]\nc = { d = 2, \"e f\" = 3 }\nlist = [\"x\",\n  \"y\"]\n";
        let pos = KeyPositions::of(text);
        assert_eq!(pos.locate("seed"), (1, 1));
        assert_eq!(pos.locate("a.b.c"), (3, 1));
        assert_eq!(pos.locate("a.b.c.d"), (3, 7));
        assert_eq!(pos.locate("a.b.c.e f"), (3, 14));
        assert_eq!(pos.locate("a.b.list[1]"), (5, 3));
        // A key never written falls back to the nearest written one.
        assert_eq!(pos.locate("a.b.c.zzz"), (3, 1));
        assert_eq!(pos.locate("nowhere.at.all"), (1, 1));
    }
}
