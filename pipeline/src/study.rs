//! The study's configuration, `study.toml`: everything about the documents that is not
//! a row of data (titles, authors, waves, dimensions of difference, codebook).
//!
//! Nothing about categories is hard-coded anywhere else: the dimensions, their
//! categories and colours, and the codebook all come from here.

use serde::{Deserialize, Serialize};

use crate::diag::Problem;

/// The file name of the configuration inside a study folder.
pub const STUDY_FILE: &str = "study.toml";

/// The layout version of `study.toml` this code reads.
pub const SCHEMA: u32 = 1;

/// The parsed `study.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyConfig {
    /// Layout version of this file; must equal [`SCHEMA`].
    pub schema: u32,
    /// Document title.
    pub title: String,
    /// Document subtitle.
    pub subtitle: String,
    /// Short title for slide footers and running heads.
    pub short_title: String,
    /// The study's own version, printed with the provenance.
    pub version: String,
    /// PDF keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Creation date (`YYYY-MM-DD`), the documents' timestamp.
    pub created: String,
    /// Whether the data are synthetic; if so every output says so.
    pub synthetic: bool,
    /// Groups smaller than this are suppressed in tables and figures.
    #[serde(default = "default_threshold")]
    pub suppression_threshold: u32,
    /// How directed reports become undirected ties.
    pub tie_rule: TieRule,
    /// Number of label permutations for the E-I test.
    #[serde(default = "default_permutations")]
    pub permutations: u32,
    /// Seed for every random choice made from this study (permutations, layouts).
    pub seed: u64,
    /// Authors in order.
    pub authors: Vec<Author>,
    /// Where the results were presented.
    pub event: Event,
    /// Survey waves in chronological order.
    pub waves: Vec<Wave>,
    /// The `column` of the primary dimension (the key population).
    pub primary_dimension: String,
    /// The `column` of the dimension that places organisations between global and
    /// local (vertical collaboration), if the study has one.
    #[serde(default)]
    pub vertical_dimension: Option<String>,
    /// The dimensions of difference.
    pub dimensions: Vec<Dimension>,
    /// The qualitative codebook.
    pub codebook: Vec<Code>,
    /// The conceptual grid shown in the documents: organisations counted by two
    /// dimensions. Optional.
    #[serde(default)]
    pub grid: Option<GridSpec>,
    /// Methods facts that are not rows.
    pub methods: Methods,
    /// The brief of the study's previous version, a path inside the study folder
    /// (`previous/brief.pdf`), hashed like every input. When set, the documents say
    /// what changed since it. Optional.
    #[serde(default)]
    pub previous_brief: Option<String>,
}

fn default_threshold() -> u32 {
    3
}

fn default_permutations() -> u32 {
    1000
}

/// How directed survey reports become undirected ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TieRule {
    /// A tie exists when either organisation named the other.
    Union,
    /// A tie exists only when both named each other.
    Reciprocated,
}

/// An author and their affiliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Author {
    /// Full name.
    pub name: String,
    /// Institution.
    pub affiliation: String,
}

/// The event at which the study is presented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Event name.
    pub name: String,
    /// Venue and city.
    pub place: String,
    /// Date, `YYYY-MM-DD`.
    pub date: String,
}

/// One survey wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wave {
    /// Identifier used in `raw/ties.csv`.
    pub id: String,
    /// Display label.
    pub label: String,
    /// Year the wave refers to.
    pub year: i32,
}

/// A dimension of difference between organisations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Column of `raw/organisations.csv` holding each organisation's category.
    pub column: String,
    /// Display label.
    pub label: String,
    /// Categories in display order.
    pub categories: Vec<Category>,
}

impl Dimension {
    /// The position of category `id` in display order.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == id)
    }
}

/// A category of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Identifier used in the data.
    pub id: String,
    /// Display label.
    pub label: String,
    /// Colour as `#RRGGBB`.
    pub colour: String,
}

/// A code of the qualitative codebook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// Identifier used in `raw/excerpts.csv`.
    pub id: String,
    /// Display label.
    pub label: String,
    /// What kind of theme the code marks.
    pub kind: CodeKind,
}

/// The kinds of qualitative code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    /// A challenge of collaborating.
    Challenge,
    /// A benefit of collaborating.
    Benefit,
    /// A participant's recommendation.
    Recommendation,
}

/// Which two dimensions the conceptual grid crosses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// The dimension whose categories are the rows.
    pub rows: String,
    /// The dimension whose categories are the columns.
    pub columns: String,
}

/// Methods facts that are not rows of data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Methods {
    /// Countries visited in the field.
    pub field_visit_countries: Vec<String>,
    /// Meetings observed by the researchers.
    pub observed_meetings: Vec<String>,
}

impl StudyConfig {
    /// Parses and checks `study.toml`, reporting every problem found.
    pub fn parse(text: &str) -> Result<StudyConfig, Vec<Problem>> {
        let config: StudyConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            let message = e.message().trim_end().to_owned();
            vec![Problem::at(STUDY_FILE, line, column, message)]
        })?;
        let problems = config.check(text);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// The primary dimension (the key population).
    pub fn primary(&self) -> &Dimension {
        self.dimension(&self.primary_dimension)
            .unwrap_or(&self.dimensions[0])
    }

    /// The vertical dimension (global / national / local), if declared.
    pub fn vertical(&self) -> Option<&Dimension> {
        self.vertical_dimension
            .as_deref()
            .and_then(|v| self.dimension(v))
    }

    /// The dimension stored in `column`.
    pub fn dimension(&self, column: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.column == column)
    }

    /// The timestamp of `created` as seconds since the Unix epoch (midnight UTC).
    pub fn created_epoch(&self) -> i64 {
        parse_date(&self.created).map_or(0, |(y, m, d)| days_from_civil(y, m, d) * 86_400)
    }

    fn check(&self, text: &str) -> Vec<Problem> {
        let mut out = Vec::new();
        // Semantic problems are located at the line where their key is written.
        let mut at = |key: &str, message: String| {
            let (line, column) = find_key(text, key);
            out.push(Problem::at(STUDY_FILE, line, column, message));
        };
        if self.schema != SCHEMA {
            at(
                "schema",
                format!(
                    "schema = {} is not supported; expected {SCHEMA}",
                    self.schema
                ),
            );
        }
        for (key, date) in [("created", &self.created), ("date", &self.event.date)] {
            if parse_date(date).is_none() {
                at(key, format!("{date:?} is not a date; expected YYYY-MM-DD"));
            }
        }
        if self.suppression_threshold == 0 {
            at(
                "suppression_threshold",
                "suppression_threshold must be at least 1".into(),
            );
        }
        if self.waves.is_empty() {
            at(
                "waves",
                "no [[waves]] declared; expected at least one".into(),
            );
        }
        if let Some(dup) = first_duplicate(self.waves.iter().map(|w| w.id.as_str())) {
            at("waves", format!("wave id {dup:?} is declared twice"));
        }
        if self.dimensions.is_empty() {
            at(
                "dimensions",
                "no [[dimensions]] declared; expected at least one".into(),
            );
        }
        if let Some(dup) = first_duplicate(self.dimensions.iter().map(|d| d.column.as_str())) {
            at(
                "dimensions",
                format!("dimension column {dup:?} is declared twice"),
            );
        }
        for d in &self.dimensions {
            if matches!(
                d.column.as_str(),
                "org_id" | "country" | "surveyed" | "responded"
            ) {
                at(
                    "column",
                    format!("dimension column {:?} is a reserved column name", d.column),
                );
            }
            if d.categories.is_empty() {
                at(
                    "column",
                    format!("dimension {:?} has no categories", d.column),
                );
            }
            if let Some(dup) = first_duplicate(d.categories.iter().map(|c| c.id.as_str())) {
                at(
                    "id",
                    format!(
                        "category {dup:?} of dimension {:?} is declared twice",
                        d.column
                    ),
                );
            }
            for c in &d.categories {
                if !is_hex_colour(&c.colour) {
                    at(
                        "colour",
                        format!(
                            "colour {:?} of category {:?} is not a colour; expected #RRGGBB",
                            c.colour, c.id
                        ),
                    );
                }
            }
        }
        if self.dimension(&self.primary_dimension).is_none() {
            let known: Vec<&str> = self.dimensions.iter().map(|d| d.column.as_str()).collect();
            at(
                "primary_dimension",
                format!(
                    "primary_dimension {:?} is not a declared dimension; expected one of: {}",
                    self.primary_dimension,
                    known.join(", ")
                ),
            );
        }
        if let Some(g) = &self.grid {
            for col in [&g.rows, &g.columns] {
                if self.dimension(col).is_none() {
                    at(
                        "grid",
                        format!("grid dimension {col:?} is not a declared dimension"),
                    );
                }
            }
        }
        if let Some(v) = &self.vertical_dimension
            && self.dimension(v).is_none()
        {
            at(
                "vertical_dimension",
                format!("vertical_dimension {v:?} is not a declared dimension"),
            );
        }
        if let Some(dup) = first_duplicate(self.codebook.iter().map(|c| c.id.as_str())) {
            at("codebook", format!("code {dup:?} is declared twice"));
        }
        if let Some(p) = &self.previous_brief
            && !is_inside(p)
        {
            at(
                "previous_brief",
                format!(
                    "previous_brief {p:?} is not a path inside the study folder; expected a relative path of plain names such as \"previous/brief.pdf\""
                ),
            );
        }
        out
    }
}

fn first_duplicate<'a>(ids: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::BTreeSet::new();
    ids.into_iter().find(|id| !seen.insert(*id))
}

/// Whether `path` names a file inside the study folder: relative, `/`-separated plain
/// names, none of them empty, `.` or `..`, and no backslash or drive colon.
pub fn is_inside(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', ':'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Parses `YYYY-MM-DD` into its parts, checking the ranges.
pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let mut parts = s.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    let valid = s.len() == 10 && (1..=12).contains(&m) && (1..=31).contains(&d) && y >= 1970;
    valid.then_some((y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The position of the first line that assigns `key` (or opens table `[[key]]`).
fn find_key(text: &str, key: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let bare = t.trim_start_matches('[').trim_end_matches(']');
        let assigns = t
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if assigns || bare == key || bare.ends_with(&format!(".{key}")) {
            return (i + 1, line.len() - t.len() + 1);
        }
    }
    (1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_of_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        // `date -u -d 2017-01-17 +%s` prints 1484611200.
        assert_eq!(days_from_civil(2017, 1, 17) * 86_400, 1_484_611_200);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = StudyConfig::parse("schema = 1\ntitle = \n").expect_err("a syntax error");
        let msg = err[0].to_string();
        assert!(msg.starts_with("study.toml:2:"), "{msg}");
    }

    #[test]
    fn previous_brief_must_stay_inside_the_study_folder() {
        for ok in ["previous/brief.pdf", "brief-1.0.pdf"] {
            assert!(is_inside(ok), "{ok}");
        }
        for bad in [
            "../brief.pdf",
            "/tmp/brief.pdf",
            "previous/../../x.pdf",
            "a//b.pdf",
            "./b.pdf",
            "C:\\b.pdf",
            "",
        ] {
            assert!(!is_inside(bad), "{bad}");
        }
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé\nx", 6), (2, 3));
    }
}
