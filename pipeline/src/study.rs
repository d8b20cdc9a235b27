//! The study's configuration, `study.toml`: everything about the documents that is not
//! a row of data (titles, authors, waves, dimensions of difference, codebook).
//!
//! Nothing about categories is hard-coded anywhere else: the dimensions, their
//! categories and colours, and the codebook all come from here.
//!
//! The file is read in three steps. The TOML is parsed into a spanned document and
//! every key no table accepts is reported and removed ([`keys`]); serde reads the rest
//! into the wire format ([`raw`], every checked value with its span, enum-valued keys
//! as strings); [`StudyConfig::parse`] then checks it as a whole, reporting every
//! problem at the value that causes it, unknown keys included, and returns the validated
//! [`StudyConfig`]. In the validated form every reference is resolved: the primary and
//! vertical dimensions and the grid are [`DimIndex`]es, dates are [`Date`]s and colours
//! [`Colour`]s, so no later code looks a name up or needs a fallback.

mod keys;
pub mod narrative;
mod raw;
mod recover;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize, Serializer};
use toml::Spanned;
use toml::de::DeTable;

use crate::diag::Problem;
pub use narrative::{Authored, Finding, Narrative, Question, Requirement};
use raw::{RawAuthored, RawCategory, RawCode, RawConfig, RawDimension, RawNarrative, RawWave};

/// The file name of the configuration inside a study folder.
pub const STUDY_FILE: &str = "study.toml";

/// The layout version of `study.toml` this code reads.
pub const SCHEMA: u32 = 1;

/// `suppression_threshold` when `study.toml` does not set it.
pub const DEFAULT_THRESHOLD: u32 = 3;

/// `permutations` when `study.toml` does not set it.
pub const DEFAULT_PERMUTATIONS: u32 = 1000;

/// Columns of `raw/organisations.csv` that a dimension may not use.
pub const RESERVED_COLUMNS: [&str; 4] = ["org_id", "country", "surveyed", "responded"];

/// The pattern of every identifier that becomes part of a name (wave ids, dimension
/// columns, category ids, code ids), as documented in `data/README.md`.
pub const IDENTIFIER_PATTERN: &str = "[A-Za-z0-9][A-Za-z0-9_-]*";

/// Whether `s` matches [`IDENTIFIER_PATTERN`]: an ASCII letter or digit, then ASCII
/// letters, digits, `_` and `-`. Such a name cannot hold a path separator, a dot,
/// white space or anything Typst or a shell would read as syntax.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The validated `study.toml`.
///
/// It serialises (for the templates, as `study`) to exactly the keys of the file:
/// resolved references are written back as the names they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyConfig {
    /// Document title.
    pub title: String,
    /// Document subtitle.
    pub subtitle: String,
    /// Short title for slide footers and running heads.
    pub short_title: String,
    /// The study's own version, printed with the provenance.
    pub version: String,
    /// PDF keywords.
    pub keywords: Vec<String>,
    /// Creation date, the documents' timestamp.
    pub created: Date,
    /// Whether the data are synthetic; if so every output says so.
    pub synthetic: bool,
    /// Groups smaller than this are suppressed in tables and figures (at least 1).
    pub suppression_threshold: u32,
    /// How directed reports become undirected ties.
    pub tie_rule: TieRule,
    /// Number of label permutations for the E-I test.
    pub permutations: u32,
    /// Seed for every random choice made from this study (permutations, layouts).
    pub seed: u64,
    /// Authors in order.
    pub authors: Vec<Author>,
    /// Where the results were presented.
    pub event: Event,
    /// Survey waves in chronological order (at least one; ids unique ignoring case).
    pub waves: Vec<Wave>,
    /// The primary dimension (the key population).
    pub primary: DimIndex,
    /// The dimension that places organisations between global and local (vertical
    /// collaboration), if the study has one.
    pub vertical: Option<DimIndex>,
    /// The dimensions of difference (at least one; columns unique ignoring case).
    pub dimensions: Vec<Dimension>,
    /// The qualitative codebook (ids unique).
    pub codebook: Vec<Code>,
    /// The conceptual grid shown in the documents, if declared.
    pub grid: Option<Grid>,
    /// Methods facts that are not rows.
    pub methods: Methods,
    /// The brief of the study's previous version, a path inside the study folder
    /// (`previous/brief.pdf`), hashed like every input. When set, the documents say
    /// what changed since it.
    pub previous_brief: Option<String>,
    /// Whether the brief also carries the full statistics (small groups included) as
    /// an attachment, besides the public ones. Off unless the authors ask for it; the
    /// brief then says so on its provenance page.
    pub attach_full_statistics: bool,
    /// What the network maps draw.
    pub network_map: NetworkMapMode,
    /// The authors' own words (`[narrative]`), empty when the file has none.
    pub narrative: Narrative,
}

/// What the network maps of the documents draw (`network_map` in `study.toml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMapMode {
    /// Every organisation, with rare combinations of marks merged (the default).
    #[default]
    Organisations,
    /// The categories of the primary dimension as nodes and the published tie counts
    /// between them as edges.
    Groups,
    /// No network map.
    Off,
}

/// A dimension of a [`StudyConfig`], by its position in `dimensions`.
///
/// Only [`StudyConfig::parse`] makes one, after checking that it names a declared
/// dimension, so indexing `dimensions` with it cannot fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DimIndex(usize);

impl DimIndex {
    /// The position in `dimensions`.
    pub fn get(self) -> usize {
        self.0
    }
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Event name.
    pub name: String,
    /// Venue and city.
    pub place: String,
    /// Date.
    pub date: Date,
}

/// One survey wave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wave {
    /// Identifier used in `raw/ties.csv` and in figure names ([`IDENTIFIER_PATTERN`]).
    pub id: String,
    /// Display label.
    pub label: String,
    /// The label as it reads inside a sentence ([`running_text`] unless given).
    pub text_label: String,
    /// Year the wave refers to.
    pub year: i32,
}

/// A dimension of difference between organisations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    /// Column of `raw/organisations.csv` holding each organisation's category, also
    /// used in figure names ([`IDENTIFIER_PATTERN`]).
    pub column: String,
    /// Display label.
    pub label: String,
    /// The label as it reads inside a sentence ([`running_text`] unless given).
    pub text_label: String,
    /// Categories in display order (at least one; ids unique).
    pub categories: Vec<Category>,
}

impl Dimension {
    /// The position of category `id` in display order (for reading data and
    /// parameters that name categories).
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == id)
    }
}

/// A category of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    /// Identifier used in the data ([`IDENTIFIER_PATTERN`]).
    pub id: String,
    /// Display label.
    pub label: String,
    /// The label as it reads inside a sentence ([`running_text`] unless given).
    pub text_label: String,
    /// Colour.
    pub colour: Colour,
}

/// A code of the qualitative codebook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Code {
    /// Identifier used in `raw/excerpts.csv` ([`IDENTIFIER_PATTERN`]).
    pub id: String,
    /// Display label.
    pub label: String,
    /// The label as it reads inside a sentence ([`running_text`] unless given).
    pub text_label: String,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// The dimension whose categories are the rows.
    pub rows: DimIndex,
    /// The dimension whose categories are the columns.
    pub columns: DimIndex,
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

/// A calendar date from 1970 on, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a [`Date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD` with digits.
    Format,
    /// A month outside 1 to 12, or a day the month does not have.
    NoSuchDay,
    /// Before 1970-01-01 (the PDF timestamp counts from there).
    Before1970,
}

impl Date {
    /// Parses `YYYY-MM-DD` (four, two and two digits) into a real calendar date.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        let digits = |r: Range<usize>| -> Option<u16> {
            b.get(r)?.iter().try_fold(0u16, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
            })
        };
        let shape = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
        let (Some(year), Some(month), Some(day), true) =
            (digits(0..4), digits(5..7), digits(8..10), shape)
        else {
            return Err(DateError::Format);
        };
        let (month, day) = (month as u8, day as u8);
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay);
        }
        if year < 1970 {
            return Err(DateError::Before1970);
        }
        Ok(Date { year, month, day })
    }

    /// Seconds since the Unix epoch at midnight UTC of this date.
    pub fn epoch_seconds(self) -> i64 {
        days_from_civil(i64::from(self.year), self.month.into(), self.day.into()) * 86_400
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A colour written `#RRGGBB`, kept as written (for the templates) and as its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colour {
    text: String,
    rgb: [u8; 3],
}

impl Colour {
    /// Parses `#RRGGBB` (hex digits in either case).
    pub fn parse(s: &str) -> Option<Colour> {
        let hex = s.strip_prefix('#').filter(|h| h.len() == 6)?;
        let byte = |i: usize| {
            hex.get(i..i + 2)
                .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        Some(Colour {
            text: s.to_owned(),
            rgb: [byte(0)?, byte(2)?, byte(4)?],
        })
    }

    /// The colour as written in `study.toml`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Red, green and blue.
    pub fn rgb(&self) -> [u8; 3] {
        self.rgb
    }
}

impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl StudyConfig {
    /// Parses and checks `study.toml`, reporting every problem found, each at the
    /// value that causes it.
    ///
    /// A TOML syntax error stops the reading (nothing after it can be trusted);
    /// everything else (unknown keys, missing keys, values of the wrong type, and the
    /// checks of [`Checker`]) is reported at once.
    pub fn parse(text: &str) -> Result<StudyConfig, Vec<Problem>> {
        let toml_error = |e: toml::de::Error| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            Problem::at(STUDY_FILE, line, column, e.message().trim_end())
        };
        let mut document = DeTable::parse(text).map_err(|e| vec![toml_error(e)])?;
        let unknown = keys::strip_unknown(document.get_mut(), keys::Table::Root);
        let mut checker = Checker {
            text,
            problems: Vec::new(),
        };
        for (span, message) in unknown {
            checker.at(span, message);
        }
        let (raw, errors) = recover::read(document, text.len());
        checker.problems.extend(errors.into_iter().map(toml_error));
        match raw {
            Some(raw) => checker.config(raw),
            None => Err(checker.problems),
        }
    }

    /// The primary dimension (the key population).
    pub fn primary(&self) -> &Dimension {
        &self.dimensions[self.primary.0]
    }

    /// The vertical dimension (global / national / local), if declared.
    pub fn vertical(&self) -> Option<&Dimension> {
        self.vertical.map(|v| &self.dimensions[v.0])
    }

    /// The dimension at `index`.
    pub fn dim(&self, index: DimIndex) -> &Dimension {
        &self.dimensions[index.0]
    }

    /// The dimension stored in `column`, for reading parameters that name dimensions
    /// (`synth.toml`); the study itself refers to dimensions by [`DimIndex`].
    pub fn dimension(&self, column: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.column == column)
    }

    /// The timestamp of `created` as seconds since the Unix epoch (midnight UTC).
    pub fn created_epoch(&self) -> i64 {
        self.created.epoch_seconds()
    }
}

/// The keys of `study.toml`, borrowed from a [`StudyConfig`]: what the templates see.
#[derive(Serialize)]
struct Wire<'a> {
    schema: u32,
    title: &'a str,
    subtitle: &'a str,
    short_title: &'a str,
    version: &'a str,
    keywords: &'a [String],
    created: Date,
    synthetic: bool,
    suppression_threshold: u32,
    tie_rule: TieRule,
    permutations: u32,
    seed: u64,
    authors: &'a [Author],
    event: &'a Event,
    waves: &'a [Wave],
    primary_dimension: &'a str,
    vertical_dimension: Option<&'a str>,
    dimensions: &'a [Dimension],
    codebook: &'a [Code],
    grid: Option<WireGrid<'a>>,
    methods: &'a Methods,
    previous_brief: Option<&'a str>,
    attach_full_statistics: bool,
    network_map: NetworkMapMode,
    narrative: &'a Narrative,
}

#[derive(Serialize)]
struct WireGrid<'a> {
    rows: &'a str,
    columns: &'a str,
}

impl Serialize for StudyConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let column = |d: DimIndex| self.dimensions[d.0].column.as_str();
        Wire {
            schema: SCHEMA,
            title: &self.title,
            subtitle: &self.subtitle,
            short_title: &self.short_title,
            version: &self.version,
            keywords: &self.keywords,
            created: self.created,
            synthetic: self.synthetic,
            suppression_threshold: self.suppression_threshold,
            tie_rule: self.tie_rule,
            permutations: self.permutations,
            seed: self.seed,
            authors: &self.authors,
            event: &self.event,
            waves: &self.waves,
            primary_dimension: column(self.primary),
            vertical_dimension: self.vertical.map(column),
            dimensions: &self.dimensions,
            codebook: &self.codebook,
            grid: self.grid.map(|g| WireGrid {
                rows: column(g.rows),
                columns: column(g.columns),
            }),
            methods: &self.methods,
            previous_brief: self.previous_brief.as_deref(),
            attach_full_statistics: self.attach_full_statistics,
            network_map: self.network_map,
            narrative: &self.narrative,
        }
        .serialize(s)
    }
}

/// Checks a [`RawConfig`], collecting every problem at the span of its value.
struct Checker<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    /// Reports `message` at the start of `span`, unless the span is a placeholder's
    /// (past the end of the text, see [`recover`]): a value put in for a missing or
    /// mistyped one, whose problem is already reported.
    fn at(&mut self, span: Range<usize>, message: String) {
        if span.start > self.text.len() {
            return;
        }
        let (line, column) = line_column(self.text, span.start);
        self.problems
            .push(Problem::at(STUDY_FILE, line, column, message));
    }

    fn line(&self, span: &Range<usize>) -> usize {
        line_column(self.text, span.start).0
    }

    /// The whole check; the configuration when nothing is wrong.
    fn config(mut self, raw: RawConfig) -> Result<StudyConfig, Vec<Problem>> {
        if *raw.schema.get_ref() != SCHEMA {
            let message = format!(
                "schema = {} is not supported; expected {SCHEMA}",
                raw.schema.get_ref()
            );
            self.at(raw.schema.span(), message);
        }
        let created = self.date("created", &raw.created);
        let event_date = self.date("event.date", &raw.event.date);
        let threshold = raw
            .suppression_threshold
            .as_ref()
            .map_or(DEFAULT_THRESHOLD, |t| *t.get_ref());
        if let Some(t) = raw
            .suppression_threshold
            .as_ref()
            .filter(|t| *t.get_ref() == 0)
        {
            self.at(t.span(), "suppression_threshold must be at least 1".into());
        }
        let modes = self.modes(&raw);
        self.waves(&raw.waves);
        let dimensions = self.dimensions(&raw.dimensions);
        let kinds = self.codebook(&raw.codebook);
        let narrative = self.narrative(
            raw.narrative.unwrap_or_default(),
            raw.waves.get_ref().len(),
            raw.vertical_dimension.is_some(),
            &raw.codebook,
            &kinds,
        );
        let primary = self.dimension_ref("primary_dimension", &raw.primary_dimension, &dimensions);
        let vertical = raw
            .vertical_dimension
            .as_ref()
            .map(|v| self.dimension_ref("vertical_dimension", v, &dimensions));
        let grid = raw.grid.as_ref().map(|g| {
            let rows = self.dimension_ref("grid.rows", &g.rows, &dimensions);
            let columns = self.dimension_ref("grid.columns", &g.columns, &dimensions);
            rows.zip(columns)
                .map(|(rows, columns)| Grid { rows, columns })
        });
        if let Some(p) = raw
            .previous_brief
            .as_ref()
            .filter(|p| !is_inside(p.get_ref()))
        {
            let message = format!(
                "previous_brief {:?} is not a path inside the study folder; expected a relative path of plain names such as \"previous/brief.pdf\"",
                p.get_ref()
            );
            self.at(p.span(), message);
        }
        // With the primary dimension alone, unique wave ids give unique names.
        if let (Some(p), Some(v)) = (primary, vertical) {
            self.figure_names(&raw.waves, &dimensions, p, v);
        }
        let kinds: Option<Vec<CodeKind>> = kinds.into_iter().collect();
        let (Some(created), Some(event_date), Some(primary), Some((tie_rule, network_map))) =
            (created, event_date, primary, modes)
        else {
            return Err(self.problems);
        };
        let (Some(kinds), true) = (kinds, self.problems.is_empty()) else {
            return Err(self.problems);
        };
        Ok(StudyConfig {
            title: raw.title,
            subtitle: raw.subtitle,
            short_title: raw.short_title,
            version: raw.version,
            keywords: raw.keywords,
            created,
            synthetic: raw.synthetic,
            suppression_threshold: threshold,
            tie_rule,
            permutations: raw.permutations.unwrap_or(DEFAULT_PERMUTATIONS),
            seed: raw.seed,
            authors: raw.authors,
            event: raw::event(raw.event, event_date),
            waves: raw.waves.into_inner().into_iter().map(raw::wave).collect(),
            primary,
            vertical: vertical.flatten(),
            dimensions,
            codebook: raw
                .codebook
                .into_iter()
                .zip(kinds)
                .map(|(c, k)| raw::code(c, k))
                .collect(),
            grid: grid.flatten(),
            methods: raw.methods,
            previous_brief: raw.previous_brief.map(Spanned::into_inner),
            attach_full_statistics: raw.attach_full_statistics,
            network_map,
            narrative,
        })
    }

    /// The top-level enum-valued keys, `tie_rule` and `network_map`, each checked.
    fn modes(&mut self, raw: &RawConfig) -> Option<(TieRule, NetworkMapMode)> {
        let tie_rule = self.choice::<TieRule>("tie_rule", &raw.tie_rule, "");
        let network_map = match &raw.network_map {
            Some(m) => self.choice::<NetworkMapMode>("network_map", m, ""),
            None => Some(NetworkMapMode::default()),
        };
        tie_rule.zip(network_map)
    }

    /// Reports an empty `text_label` (a label that would vanish from a sentence).
    fn text_label(&mut self, label: Option<&Spanned<String>>) {
        if let Some(t) = label.filter(|t| t.get_ref().trim().is_empty()) {
            self.at(
                t.span(),
                "text_label is empty; expected the label as it reads inside a sentence, or no text_label".into(),
            );
        }
    }

    /// Checks `[narrative]`: every `requires` names a finding the study can have and a
    /// verdict (or code id) of it.
    fn narrative(
        &mut self,
        raw: RawNarrative,
        waves: usize,
        vertical: bool,
        codebook: &[RawCode],
        kinds: &[Option<CodeKind>],
    ) -> Narrative {
        // A code whose kind is not known is left out (its kind is reported).
        let codes: Vec<(CodeKind, String)> = codebook
            .iter()
            .zip(kinds)
            .filter_map(|(c, k)| Some(((*k)?, c.id.get_ref().clone())))
            .collect();
        let ctx = narrative::Context {
            waves,
            vertical,
            codes: &codes,
        };
        let mut authored = |items: Vec<RawAuthored>| -> Vec<Authored> {
            items
                .into_iter()
                .map(|a| Authored {
                    requires: a
                        .requires
                        .as_ref()
                        .map(|r| self.requires(r, &ctx))
                        .unwrap_or_default(),
                    text: a.text,
                })
                .collect()
        };
        let conclusions = authored(raw.conclusions);
        let recommendations = authored(raw.recommendations);
        Narrative {
            alliance: raw.alliance,
            tagline: raw.tagline,
            background: raw.background,
            questions: raw
                .questions
                .into_iter()
                .map(|q| Question {
                    title: q.title,
                    text: q.text,
                })
                .collect(),
            profile: raw.profile,
            conclusions,
            recommendations,
            limitations: raw.limitations,
            discussion: raw.discussion,
            discussion_question: raw.discussion_question,
        }
    }

    /// The conditions of one `requires`, each reported where it is written.
    fn requires(
        &mut self,
        value: &Spanned<String>,
        ctx: &narrative::Context<'_>,
    ) -> Vec<Requirement> {
        let text = value.get_ref();
        // The conditions' offsets inside the value, when it is written as a plain
        // string (no escapes), so a message can point at the condition itself.
        let span = value.span();
        let plain = self.text.get(span.clone()).is_some_and(|src| {
            src.len() == text.len() + 2 && src.get(1..src.len() - 1) == Some(text.as_str())
        });
        let mut out = Vec::new();
        let mut offset = 0;
        for part in text.split(narrative::REQUIRES_SEPARATOR) {
            let lead = part.len() - part.trim_start().len();
            let at = if plain {
                span.start + 1 + offset + lead..span.end
            } else {
                span.clone()
            };
            match narrative::requirement(part.trim(), ctx) {
                Ok(r) => out.push(r),
                Err(e) => self.at(at, e.message(part.trim())),
            }
            offset += part.len() + narrative::REQUIRES_SEPARATOR.len();
        }
        out
    }

    fn date(&mut self, key: &str, value: &Spanned<String>) -> Option<Date> {
        let text = value.get_ref();
        let why = match Date::parse(text) {
            Ok(d) => return Some(d),
            Err(DateError::Format) => "is not a date".to_owned(),
            Err(DateError::NoSuchDay) => "is not a day of the calendar".to_owned(),
            Err(DateError::Before1970) => "is before 1970".to_owned(),
        };
        self.at(
            value.span(),
            format!("{key} {text:?} {why}; expected a real date from 1970 on, as YYYY-MM-DD"),
        );
        None
    }

    /// Reports `value` at its span unless it matches [`IDENTIFIER_PATTERN`].
    fn identifier(&mut self, what: &str, value: &Spanned<String>) {
        if !is_identifier(value.get_ref()) {
            self.at(
                value.span(),
                format!(
                    "{what} {:?} is not an identifier; expected letters, digits, '_' and '-', starting with a letter or digit ({IDENTIFIER_PATTERN})",
                    value.get_ref()
                ),
            );
        }
    }

    /// Reports each id of `ids` that repeats an earlier one: exactly, or (when
    /// `fold_case`, for ids that name files) ignoring letter case.
    fn unique<'s>(
        &mut self,
        what: &str,
        ids: impl Iterator<Item = &'s Spanned<String>>,
        fold_case: bool,
        expected: &str,
    ) {
        let mut seen: BTreeMap<String, &Spanned<String>> = BTreeMap::new();
        for id in ids {
            let key = if fold_case {
                id.get_ref().to_ascii_lowercase()
            } else {
                id.get_ref().clone()
            };
            match seen.get(&key) {
                None => {
                    seen.insert(key, id);
                }
                Some(first) => {
                    let line = self.line(&first.span());
                    let message = if first.get_ref() == id.get_ref() {
                        format!(
                            "{what} {:?} is already declared on line {line}; expected {expected}",
                            id.get_ref()
                        )
                    } else {
                        format!(
                            "{what} {:?} differs from {:?} on line {line} only in letter case; expected {expected}, also ignoring case (they name files)",
                            id.get_ref(),
                            first.get_ref()
                        )
                    };
                    self.at(id.span(), message);
                }
            }
        }
    }

    fn waves(&mut self, waves: &Spanned<Vec<RawWave>>) {
        if waves.get_ref().is_empty() {
            self.at(
                waves.span(),
                "no [[waves]] declared; expected at least one".into(),
            );
        }
        for w in waves.get_ref() {
            self.identifier("wave id", &w.id);
            self.text_label(w.text_label.as_ref());
        }
        let ids = waves.get_ref().iter().map(|w| &w.id);
        self.unique("wave id", ids, true, "each wave id once");
    }

    /// Checks the dimensions and converts each.
    fn dimensions(&mut self, dims: &Spanned<Vec<RawDimension>>) -> Vec<Dimension> {
        if dims.get_ref().is_empty() {
            self.at(
                dims.span(),
                "no [[dimensions]] declared; expected at least one".into(),
            );
        }
        let columns = dims.get_ref().iter().map(|d| &d.column);
        self.unique("dimension column", columns, true, "each column once");
        let mut out = Vec::new();
        for d in dims.get_ref() {
            let column = d.column.get_ref();
            self.identifier("dimension column", &d.column);
            self.text_label(d.text_label.as_ref());
            if RESERVED_COLUMNS.contains(&column.as_str()) {
                self.at(
                    d.column.span(),
                    format!(
                        "dimension column {column:?} is a reserved column name; expected a name other than {}",
                        RESERVED_COLUMNS.join(", ")
                    ),
                );
            }
            if d.categories.get_ref().is_empty() {
                self.at(
                    d.categories.span(),
                    format!("dimension {column:?} has no categories; expected at least one"),
                );
            }
            let ids = d.categories.get_ref().iter().map(|c| &c.id);
            let expected = format!("each category of {column} once");
            self.unique(&format!("category of {column}"), ids, false, &expected);
            let categories = d
                .categories
                .get_ref()
                .iter()
                .filter_map(|c| self.category(c))
                .collect();
            out.push(Dimension {
                column: column.clone(),
                label: d.label.clone(),
                text_label: text_label(&d.label, d.text_label.as_ref()),
                categories,
            });
        }
        out
    }

    fn category(&mut self, c: &RawCategory) -> Option<Category> {
        self.identifier("category id", &c.id);
        self.text_label(c.text_label.as_ref());
        let colour = Colour::parse(c.colour.get_ref());
        if colour.is_none() {
            self.at(
                c.colour.span(),
                format!(
                    "colour {:?} of category {:?} is not a colour; expected #RRGGBB",
                    c.colour.get_ref(),
                    c.id.get_ref()
                ),
            );
        }
        Some(Category {
            id: c.id.get_ref().clone(),
            label: c.label.clone(),
            text_label: text_label(&c.label, c.text_label.as_ref()),
            colour: colour?,
        })
    }

    /// Checks the codebook; the kind of each code, `None` where it is not one.
    fn codebook(&mut self, codes: &[RawCode]) -> Vec<Option<CodeKind>> {
        let mut kinds = Vec::new();
        for c in codes {
            self.identifier("code id", &c.id);
            self.text_label(c.text_label.as_ref());
            let of = format!(" of code {:?}", c.id.get_ref());
            kinds.push(self.choice::<CodeKind>("kind", &c.kind, &of));
        }
        let ids = codes.iter().map(|c| &c.id);
        self.unique("code", ids, false, "each code id once");
        kinds
    }

    /// Reads `value` (of `key`, `of` saying whose when the key repeats) as a variant
    /// of the enum `T` by its serde name, reporting it at its span with the allowed
    /// names when it is none of them.
    fn choice<T: serde::de::DeserializeOwned>(
        &mut self,
        key: &str,
        value: &Spanned<String>,
        of: &str,
    ) -> Option<T> {
        let text = value.get_ref().as_str();
        let read: Result<T, serde::de::value::Error> =
            T::deserialize(serde::de::value::StrDeserializer::new(text));
        if read.is_err() {
            let allowed: Vec<String> = keys::variants_of::<T>()
                .iter()
                .map(|v| format!("`{v}`"))
                .collect();
            self.at(
                value.span(),
                format!(
                    "{key} {text:?}{of} is not a known value; expected one of {}",
                    allowed.join(", ")
                ),
            );
        }
        read.ok()
    }

    /// Resolves a reference to a dimension by its column.
    fn dimension_ref(
        &mut self,
        key: &str,
        column: &Spanned<String>,
        dims: &[Dimension],
    ) -> Option<DimIndex> {
        let found = dims.iter().position(|d| d.column == *column.get_ref());
        // Without any dimension, "no [[dimensions]] declared" says it all.
        if found.is_none() && !dims.is_empty() {
            let known: Vec<&str> = dims.iter().map(|d| d.column.as_str()).collect();
            self.at(
                column.span(),
                format!(
                    "{key} {:?} is not a declared dimension; expected one of: {}",
                    column.get_ref(),
                    known.join(", ")
                ),
            );
        }
        found.map(DimIndex)
    }

    /// The heat maps of ties are named `mixing-<column>-<wave>` for the primary and
    /// the vertical dimension (see [`crate::figures`]); with `-` allowed in both ids,
    /// two pairs could give one file name. Reports the later wave of such a pair.
    fn figure_names(
        &mut self,
        waves: &Spanned<Vec<RawWave>>,
        dims: &[Dimension],
        primary: DimIndex,
        vertical: Option<DimIndex>,
    ) {
        let mut columns = vec![&dims[primary.0].column];
        if let Some(v) = vertical.filter(|&v| v != primary) {
            columns.push(&dims[v.0].column);
        }
        let mut seen: BTreeMap<String, (&str, &str)> = BTreeMap::new();
        for w in waves.get_ref() {
            for &c in &columns {
                let name = format!("mixing-{c}-{}", w.id.get_ref()).to_ascii_lowercase();
                match seen.get(&name) {
                    Some(&(c0, w0)) if c0 != c.as_str() => {
                        let message = format!(
                            "wave id {:?} with dimension column {c:?} names the figure {name:?}, as wave {w0:?} with column {c0:?} does; expected wave ids and columns that give every figure its own file name",
                            w.id.get_ref()
                        );
                        self.at(w.id.span(), message);
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(name, (c.as_str(), w.id.get_ref().as_str()));
                    }
                }
            }
        }
    }
}

/// How `label` reads inside a sentence: as written when its first word is an
/// acronym or a name the rule can see (it has a capital letter after its first
/// character, or a digit: "LGBT people", "HIV clinics", "McGill partners", "4G"),
/// otherwise with its first letter in lower case ("Sex workers" becomes "sex
/// workers", "At the survey" "at the survey"). Proper nouns the rule cannot see
/// ("Dutch alliance member") take an explicit `text_label` in `study.toml`.
pub fn running_text(label: &str) -> String {
    let first_word = label.split_whitespace().next().unwrap_or("");
    let keep = first_word
        .chars()
        .skip(1)
        .any(|c| c.is_uppercase() || c.is_ascii_digit())
        || first_word
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit());
    if keep {
        return label.to_owned();
    }
    let mut chars = label.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The running-text form of `label`: `given` when `study.toml` writes one, else
/// [`running_text`].
fn text_label(label: &str, given: Option<&Spanned<String>>) -> String {
    given.map_or_else(|| running_text(label), |t| t.get_ref().clone())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_of_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        // `date -u -d 2017-01-17 +%s` prints 1484611200.
        assert_eq!(days_from_civil(2017, 1, 17) * 86_400, 1_484_611_200);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        let d = Date::parse("2017-01-17").expect("a date");
        assert_eq!(d.epoch_seconds(), 1_484_611_200);
        assert_eq!(d.to_string(), "2017-01-17");
    }

    #[test]
    fn dates_must_exist_in_the_calendar() {
        assert_eq!(Date::parse("2017-02-31"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2019-02-29"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("1900-02-29"), Err(DateError::NoSuchDay));
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::parse("2020-02-29").is_ok());
        assert_eq!(Date::parse("2017-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2017-04-31"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2017-+1-17"), Err(DateError::Format));
        assert_eq!(Date::parse("17-01-2017"), Err(DateError::Format));
        assert_eq!(Date::parse("1969-12-31"), Err(DateError::Before1970));
    }

    #[test]
    fn identifiers_follow_the_documented_pattern() {
        for ok in ["a", "before", "ORG-1", "kp_led", "2016", "x-y_z"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "_a",
            "../x",
            "a b",
            "a.b",
            "a/b",
            "é",
            "a\u{2028}",
        ] {
            assert!(!is_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn colours_keep_their_text() {
        let c = Colour::parse("#e69F00").expect("a colour");
        assert_eq!((c.as_str(), c.rgb()), ("#e69F00", [0xE6, 0x9F, 0x00]));
        for bad in ["E69F00", "#E69F0", "#E69F0G", "#+1+2+3", "#E69F00 "] {
            assert_eq!(Colour::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = StudyConfig::parse("schema = 1\ntitle = \n").expect_err("a syntax error");
        let msg = err[0].to_string();
        assert!(msg.starts_with("study.toml:2:"), "{msg}");
    }

    #[test]
    fn running_text_lowers_the_first_letter_unless_it_starts_an_acronym() {
        assert_eq!(running_text("Sex workers"), "sex workers");
        assert_eq!(running_text("LGBT people"), "LGBT people");
        assert_eq!(running_text("HIV clinics"), "HIV clinics");
        assert_eq!(running_text("Key-population-led"), "key-population-led");
        assert_eq!(running_text("Before the programme"), "before the programme");
        assert_eq!(running_text("McGill partners"), "McGill partners");
        assert_eq!(running_text("4G networks"), "4G networks");
        assert_eq!(running_text("A"), "a");
        assert_eq!(running_text("Élan"), "élan");
        assert_eq!(running_text(""), "");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé\nx", 6), (2, 3));
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
}
