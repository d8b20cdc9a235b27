//! Loading a study: `study.toml` and the three raw CSV files, checked as a whole.
//!
//! [`load`] either returns a [`Study`] whose every id, category, wave and code is
//! known to be consistent, or every problem it found (see [`crate::diag`]). The tables
//! are read by polars ([`crate::table`]); the positions in messages come from the
//! strict scanner in [`crate::csvtext`], which also rejects malformed CSV.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;

use crate::csvtext::{self, Scanned};
use crate::diag::{Problem, Problems};
use crate::model::{Excerpt, Level, Org, Report, SourceKind, Study};
use crate::study::{STUDY_FILE, StudyConfig};
use crate::table;

/// Path of the organisations table inside a study folder.
pub const ORGANISATIONS: &str = "raw/organisations.csv";
/// Path of the tie reports inside a study folder.
pub const TIES: &str = "raw/ties.csv";
/// Path of the coded excerpts inside a study folder.
pub const EXCERPTS: &str = "raw/excerpts.csv";

/// The raw bytes of a study's files.
#[derive(Debug, Clone, Copy)]
pub struct StudyFiles<'a> {
    /// `study.toml`.
    pub config: &'a [u8],
    /// `raw/organisations.csv`.
    pub organisations: &'a [u8],
    /// `raw/ties.csv`.
    pub ties: &'a [u8],
    /// `raw/excerpts.csv`.
    pub excerpts: &'a [u8],
}

/// A study that passed every check, and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The study.
    pub study: Study,
    /// Problems that do not stop the build (for example a respondent without ties).
    pub warnings: Vec<Problem>,
}

/// Loads and checks a whole study, reporting all problems at once.
pub fn load(files: StudyFiles<'_>) -> Result<Loaded, Problems> {
    let config_text =
        csvtext::decode(STUDY_FILE, files.config).map_err(|p| Problems::new(vec![p]))?;
    let config = StudyConfig::parse(config_text).map_err(Problems::new)?;

    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let orgs_t = Table::read(
        ORGANISATIONS,
        files.organisations,
        &org_columns(&config),
        &[],
        &mut problems,
    );
    let ties_t = Table::read(
        TIES,
        files.ties,
        &["wave", "reporter", "partner"],
        &["kind"],
        &mut problems,
    );
    let exc_t = Table::read(
        EXCERPTS,
        files.excerpts,
        &[
            "excerpt_id",
            "source_id",
            "source_kind",
            "level",
            "country",
            "population",
            "codes",
            "consent",
            "text",
        ],
        &[],
        &mut problems,
    );

    let orgs = orgs_t
        .as_ref()
        .map(|t| organisations(&config, t, &mut problems))
        .unwrap_or_default();
    // A repeated org_id keeps its first row (the repeat is reported above), so ties are
    // checked against the row the author wrote first.
    let mut index: BTreeMap<&str, u32> = BTreeMap::new();
    for (i, o) in orgs.iter().enumerate() {
        index.entry(o.id.as_str()).or_insert(i as u32);
    }
    // Without a readable organisations table every id would look unknown; check the
    // ties' own columns only.
    let reports = ties_t
        .as_ref()
        .map(|t| {
            tie_reports(
                &config,
                t,
                &orgs,
                orgs_t.as_ref().map(|_| &index),
                &mut problems,
            )
        })
        .unwrap_or_default();
    let excerpts = exc_t
        .as_ref()
        .map(|t| excerpt_rows(&config, t, &mut problems))
        .unwrap_or_default();

    if problems.is_empty() {
        // A respondent that named nobody in a wave is legal but worth a look.
        let reported: std::collections::BTreeSet<(usize, u32)> =
            reports.iter().map(|r| (r.wave, r.reporter)).collect();
        for (w, wave) in config.waves.iter().enumerate() {
            for (i, org) in orgs.iter().enumerate() {
                if org.responded && !reported.contains(&(w, i as u32)) {
                    warnings.push(Problem::at(
                        ORGANISATIONS,
                        org.line,
                        1,
                        format!(
                            "warning: respondent {} reported no ties in wave {:?}",
                            org.id, wave.id
                        ),
                    ));
                }
            }
        }
        warnings.sort();
        let mut orgs = orgs;
        orgs.iter_mut().for_each(|o| o.line = 0);
        Ok(Loaded {
            study: Study::new(config, orgs, reports, excerpts),
            warnings,
        })
    } else {
        Err(Problems::new(problems))
    }
}

/// The columns `raw/organisations.csv` must have for `config`.
pub fn org_columns(config: &StudyConfig) -> Vec<&str> {
    let mut cols = vec!["org_id", "country"];
    cols.extend(config.dimensions.iter().map(|d| d.column.as_str()));
    cols.extend(["surveyed", "responded"]);
    cols
}

/// A raw table: the polars frame with its values and the scan with their positions.
struct Table {
    file: &'static str,
    frame: DataFrame,
    scan: Scanned,
}

impl Table {
    fn read(
        file: &'static str,
        bytes: &[u8],
        required: &[&str],
        optional: &[&str],
        problems: &mut Vec<Problem>,
    ) -> Option<Table> {
        let before = problems.len();
        let scan = csvtext::scan(file, bytes, problems)?;
        let names: Vec<&str> = scan.header.iter().map(|c| c.text.as_str()).collect();
        let expected = || {
            let mut all: Vec<&str> = required.to_vec();
            all.extend(optional.iter().copied());
            all.join(", ")
        };
        for cell in &scan.header {
            if !required.contains(&cell.text.as_str()) && !optional.contains(&cell.text.as_str()) {
                problems.push(Problem::at(
                    file,
                    cell.line,
                    cell.column,
                    format!(
                        "unknown column {:?}; expected the columns {}",
                        cell.text,
                        expected()
                    ),
                ));
            } else if names.iter().filter(|n| **n == cell.text).count() > 1 {
                problems.push(Problem::at(
                    file,
                    cell.line,
                    cell.column,
                    format!("column {:?} appears twice", cell.text),
                ));
            }
        }
        for col in required {
            if !names.contains(col) {
                problems.push(Problem::at(
                    file,
                    1,
                    1,
                    format!(
                        "missing column {col:?}; expected the columns {}",
                        expected()
                    ),
                ));
            }
        }
        if scan.records.is_empty() {
            problems.push(Problem::file(
                file,
                "the file has a header but no rows; expected at least one row",
            ));
        }
        if problems.len() > before {
            return None;
        }
        // polars reads the scanner's records re-written as plain quoted CSV, so both
        // agree on what a field is (whitespace before a quote, names with spaces
        // around them, blank lines and lone CRs would otherwise differ).
        let frame = match table::read_frame(normalised(&scan).as_bytes()) {
            Ok(f) if f.height() == scan.records.len() => f,
            Ok(f) => {
                problems.push(Problem::file(
                    file,
                    format!(
                        "polars read {} rows but the file has {}; check quoting and line ends",
                        f.height(),
                        scan.records.len()
                    ),
                ));
                return None;
            }
            Err(e) => {
                problems.push(Problem::file(
                    file,
                    format!("could not be read as CSV: {e}"),
                ));
                return None;
            }
        };
        Some(Table { file, frame, scan })
    }

    fn rows(&self) -> std::ops::Range<usize> {
        0..self.frame.height()
    }

    fn get(&self, col: &str, row: usize) -> &str {
        table::cell(&self.frame, col, row)
    }

    fn line(&self, row: usize) -> usize {
        self.scan.records[row].line
    }

    /// Reports a problem at the cell of column `col` in `row`.
    fn problem(&self, col: &str, row: usize, message: String) -> Problem {
        let idx = self.scan.header.iter().position(|h| h.text == col);
        let cell = idx.and_then(|i| self.scan.records[row].cells.get(i));
        match cell {
            Some(c) => Problem::at(self.file, c.line, c.column, message),
            None => Problem::at(self.file, self.line(row), 1, message),
        }
    }

    fn non_empty<'a>(
        &'a self,
        col: &str,
        row: usize,
        problems: &mut Vec<Problem>,
    ) -> Option<&'a str> {
        let v = self.get(col, row);
        if v.is_empty() {
            problems.push(self.problem(col, row, format!("{col} is empty; expected a value")));
            None
        } else {
            Some(v)
        }
    }

    fn boolean(&self, col: &str, row: usize, problems: &mut Vec<Problem>) -> bool {
        match parse_bool(self.get(col, row)) {
            Some(b) => b,
            None => {
                problems.push(self.problem(
                    col,
                    row,
                    format!(
                        "{col} is {:?}; expected true or false (yes/no and 1/0 are accepted too)",
                        self.get(col, row)
                    ),
                ));
                false
            }
        }
    }
}

/// The scanned records as CSV with every field quoted and `\n` line ends.
fn normalised(scan: &Scanned) -> String {
    let mut out = String::with_capacity(scan.records.len() * 64);
    let line = |cells: &[csvtext::Cell], out: &mut String| {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            for ch in c.text.chars() {
                if ch == '"' {
                    out.push('"');
                }
                out.push(ch);
            }
            out.push('"');
        }
        out.push('\n');
    };
    line(&scan.header, &mut out);
    for r in &scan.records {
        line(&r.cells, &mut out);
    }
    out
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn organisations(config: &StudyConfig, t: &Table, problems: &mut Vec<Problem>) -> Vec<Org> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut orgs = Vec::new();
    for row in t.rows() {
        let id = t.non_empty("org_id", row, problems);
        if let Some(id) = id
            && let Some(first) = seen.insert(id, t.line(row))
        {
            problems.push(t.problem(
                "org_id",
                row,
                format!(
                    "org_id {id:?} is already used on line {first}; expected each organisation once"
                ),
            ));
        }
        let country = t.non_empty("country", row, problems).unwrap_or_default();
        let mut categories = Vec::with_capacity(config.dimensions.len());
        for d in &config.dimensions {
            let v = t.get(&d.column, row);
            match d.index_of(v) {
                Some(i) => categories.push(i),
                None => {
                    let allowed: Vec<&str> = d.categories.iter().map(|c| c.id.as_str()).collect();
                    problems.push(t.problem(
                        &d.column,
                        row,
                        format!(
                            "{v:?} is not a category of {}; expected one of: {}",
                            d.column,
                            allowed.join(", ")
                        ),
                    ));
                    categories.push(0);
                }
            }
        }
        let surveyed = t.boolean("surveyed", row, problems);
        let responded = t.boolean("responded", row, problems);
        if responded && !surveyed {
            problems.push(t.problem("responded", row, "responded is true but surveyed is false; expected only surveyed organisations to respond".into()));
        }
        orgs.push(Org {
            id: id.unwrap_or_default().to_owned(),
            country: country.to_owned(),
            categories,
            surveyed,
            responded,
            line: t.line(row),
        });
    }
    orgs.sort_by(|a, b| a.id.cmp(&b.id));
    orgs
}

fn tie_reports(
    config: &StudyConfig,
    t: &Table,
    orgs: &[Org],
    index: Option<&BTreeMap<&str, u32>>,
    problems: &mut Vec<Problem>,
) -> Vec<Report> {
    let waves: Vec<&str> = config.waves.iter().map(|w| w.id.as_str()).collect();
    let mut seen: BTreeMap<(usize, u32, u32), usize> = BTreeMap::new();
    let mut out = Vec::new();
    for row in t.rows() {
        let wave = t.get("wave", row);
        let w = waves.iter().position(|x| *x == wave);
        if w.is_none() {
            problems.push(t.problem(
                "wave",
                row,
                format!(
                    "wave {wave:?} is not declared in study.toml; expected one of: {}",
                    waves.join(", ")
                ),
            ));
        }
        let mut lookup = |col: &str| {
            let index = index?;
            let v = t.get(col, row);
            let found = index.get(v).copied();
            if found.is_none() {
                problems.push(t.problem(col, row, format!(
                    "{col} {v:?} is not an org_id of {ORGANISATIONS}; expected a listed organisation"
                )));
            }
            found
        };
        let reporter = lookup("reporter");
        let partner = lookup("partner");
        if let Some(r) = reporter
            && !orgs[r as usize].responded
        {
            problems.push(t.problem("reporter", row, format!(
                "reporter {:?} did not respond to the survey; expected only respondents to report ties",
                orgs[r as usize].id
            )));
        }
        if reporter.is_some() && reporter == partner {
            problems.push(t.problem(
                "partner",
                row,
                "an organisation names itself; expected a different partner".into(),
            ));
        }
        if let (Some(w), Some(r), Some(p)) = (w, reporter, partner) {
            if let Some(first) = seen.insert((w, r, p), t.line(row)) {
                problems.push(t.problem("partner", row, format!(
                    "this tie repeats the one on line {first}; expected each reported tie once per wave"
                )));
            } else if r != p {
                let kind = t.get("kind", row);
                out.push(Report {
                    wave: w,
                    reporter: r,
                    partner: p,
                    kind: (!kind.is_empty()).then(|| kind.to_owned()),
                });
            }
        }
    }
    out.sort();
    out
}

fn excerpt_rows(config: &StudyConfig, t: &Table, problems: &mut Vec<Problem>) -> Vec<Excerpt> {
    let primary = config.primary();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for row in t.rows() {
        let id = t.non_empty("excerpt_id", row, problems).unwrap_or_default();
        if !id.is_empty()
            && let Some(first) = seen.insert(id, t.line(row))
        {
            problems.push(t.problem(
                "excerpt_id",
                row,
                format!(
                    "excerpt_id {id:?} is already used on line {first}; expected each excerpt once"
                ),
            ));
        }
        let source_id = t.non_empty("source_id", row, problems).unwrap_or_default();
        let source_kind = match t.get("source_kind", row) {
            "interview" => SourceKind::Interview,
            "focus_group" => SourceKind::FocusGroup,
            other => {
                problems.push(t.problem(
                    "source_kind",
                    row,
                    format!(
                        "source_kind {other:?} is not known; expected interview or focus_group"
                    ),
                ));
                SourceKind::Interview
            }
        };
        let level = match t.get("level", row) {
            "local" => Level::Local,
            "national" => Level::National,
            "global" => Level::Global,
            other => {
                problems.push(t.problem(
                    "level",
                    row,
                    format!("level {other:?} is not known; expected local, national or global"),
                ));
                Level::Local
            }
        };
        let population = t.get("population", row);
        let pop = primary.index_of(population);
        if pop.is_none() {
            let allowed: Vec<&str> = primary.categories.iter().map(|c| c.id.as_str()).collect();
            problems.push(t.problem(
                "population",
                row,
                format!(
                    "{population:?} is not a category of {}; expected one of: {}",
                    primary.column,
                    allowed.join(", ")
                ),
            ));
        }
        let mut codes = Vec::new();
        for code in t
            .get("codes", row)
            .split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match config.codebook.iter().position(|c| c.id == code) {
                Some(i) if !codes.contains(&i) => codes.push(i),
                Some(_) => {}
                None => {
                    let allowed: Vec<&str> =
                        config.codebook.iter().map(|c| c.id.as_str()).collect();
                    problems.push(t.problem(
                        "codes",
                        row,
                        format!(
                            "code {code:?} is not in the codebook; expected one of: {}",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
        }
        codes.sort_unstable();
        let consent = t.boolean("consent", row, problems);
        let text = t.non_empty("text", row, problems).unwrap_or_default();
        out.push(Excerpt {
            id: id.to_owned(),
            source_id: source_id.to_owned(),
            source_kind,
            level,
            country: t.get("country", row).to_owned(),
            population: pop.unwrap_or(0),
            codes,
            consent,
            text: text.to_owned(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
