//! Loading a study: `study.toml` and the three raw CSV files, checked as a whole.
//!
//! [`load`] either returns a [`Study`] whose every id, category, wave and code is
//! known to be consistent, or every problem it found (see [`crate::diag`]). Each table
//! is read once, by the strict scanner in [`crate::csvtext`], which keeps every
//! field's line and column for the messages; the checks below turn its fields
//! straight into the typed values of the model.

use std::collections::{BTreeMap, BTreeSet};

use crate::csvtext::{self, Scanned};
use crate::diag::{Problem, Problems};
use crate::lookup::Lookup;
use crate::model::{Excerpt, Level, Org, Report, SourceKind, Study};
use crate::study::{STUDY_FILE, StudyConfig};

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

/// The columns of `raw/ties.csv`: required, then optional.
const TIE_COLUMNS: [&str; 3] = ["wave", "reporter", "partner"];
const TIE_OPTIONAL: [&str; 1] = ["kind"];
/// The columns of `raw/excerpts.csv`.
const EXCERPT_COLUMNS: [&str; 9] = [
    "excerpt_id",
    "source_id",
    "source_kind",
    "level",
    "country",
    "population",
    "codes",
    "consent",
    "text",
];

/// Loads and checks a whole study, reporting all problems at once.
pub fn load(files: StudyFiles<'_>) -> Result<Loaded, Problems> {
    let config_text =
        csvtext::decode(STUDY_FILE, files.config).map_err(|p| Problems::new(vec![p]))?;
    let config = StudyConfig::parse(config_text).map_err(Problems::new)?;

    let mut problems = Vec::new();
    let org_cols = org_columns(&config);
    let orgs_t = Table::read(
        ORGANISATIONS,
        files.organisations,
        &org_cols,
        &[],
        &mut problems,
    );
    let ties_t = Table::read(TIES, files.ties, &TIE_COLUMNS, &TIE_OPTIONAL, &mut problems);
    let exc_t = Table::read(
        EXCERPTS,
        files.excerpts,
        &EXCERPT_COLUMNS,
        &[],
        &mut problems,
    );

    let (orgs, lines): (Vec<Org>, Vec<usize>) = orgs_t
        .as_ref()
        .map(|t| organisations(&config, t, &mut problems))
        .unwrap_or_default()
        .into_iter()
        .unzip();
    // Without a readable organisations table every id would look unknown; check the
    // ties' own columns only.
    let reports = {
        let index = Lookup::first_of(orgs.iter().map(|o| o.id.as_str()));
        ties_t
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
            .unwrap_or_default()
    };
    let excerpts = exc_t
        .as_ref()
        .map(|t| excerpt_rows(&config, t, &mut problems))
        .unwrap_or_default();

    if !problems.is_empty() {
        return Err(Problems::new(problems));
    }
    let warnings = silent_respondents(&config, &orgs, &lines, &reports);
    Ok(Loaded {
        study: Study::new(config, orgs, reports, excerpts),
        warnings,
    })
}

/// A warning for each respondent that named nobody in a wave: legal, but often a
/// data-entry slip. `lines[i]` is the line of `orgs[i]` in the raw file.
fn silent_respondents(
    config: &StudyConfig,
    orgs: &[Org],
    lines: &[usize],
    reports: &[Report],
) -> Vec<Problem> {
    let reported: BTreeSet<(usize, u32)> = reports.iter().map(|r| (r.wave, r.reporter)).collect();
    let mut warnings = Vec::new();
    for (w, wave) in config.waves.iter().enumerate() {
        for (i, (org, &line)) in orgs.iter().zip(lines).enumerate() {
            if org.responded && !reported.contains(&(w, i as u32)) {
                warnings.push(Problem::at(
                    ORGANISATIONS,
                    line,
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
    warnings
}

/// The columns `raw/organisations.csv` must have for `config`.
pub fn org_columns(config: &StudyConfig) -> Vec<&str> {
    let mut cols = vec!["org_id", "country"];
    cols.extend(config.dimensions.iter().map(|d| d.column.as_str()));
    cols.extend(["surveyed", "responded"]);
    cols
}

/// A column of a [`Table`]: its position in the `required` then `optional` names the
/// table was read with.
#[derive(Debug, Clone, Copy)]
struct Col(usize);

/// A raw table as the scanner read it, with each expected column's position.
struct Table<'n> {
    file: &'static str,
    scan: Scanned<'n>,
    /// For each expected column, its position in the header (`None` for an optional
    /// column the file does not have; every required column is present).
    positions: Vec<Option<usize>>,
    names: Vec<&'n str>,
}

impl<'n> Table<'n> {
    /// Scans `bytes` and checks the header: every required column present, no
    /// unknown or repeated one, at least one row. Problems go to `problems`; the
    /// table is returned only when there are none.
    fn read(
        file: &'static str,
        bytes: &'n [u8],
        required: &[&'n str],
        optional: &[&'n str],
        problems: &mut Vec<Problem>,
    ) -> Option<Table<'n>> {
        let before = problems.len();
        let scan = csvtext::scan(file, bytes, problems)?;
        let names: Vec<&str> = required.iter().chain(optional).copied().collect();
        let expected = || names.join(", ");
        let header: Vec<&str> = scan.header.iter().map(|c| c.text.as_ref()).collect();
        for cell in &scan.header {
            if !names.contains(&cell.text.as_ref()) {
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
            } else if header.iter().filter(|n| **n == cell.text).count() > 1 {
                problems.push(Problem::at(
                    file,
                    cell.line,
                    cell.column,
                    format!("column {:?} appears twice", cell.text),
                ));
            }
        }
        for col in required {
            if !header.contains(col) {
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
        let positions = names
            .iter()
            .map(|n| header.iter().position(|h| h == n))
            .collect();
        Some(Table {
            file,
            scan,
            positions,
            names,
        })
    }

    fn rows(&self) -> std::ops::Range<usize> {
        0..self.scan.records.len()
    }

    fn cell(&self, col: Col, row: usize) -> Option<&csvtext::Cell<'n>> {
        let p = self.positions[col.0]?;
        self.scan.records[row].cells.get(p)
    }

    /// The trimmed text of a cell; empty for an optional column the file lacks.
    fn get(&self, col: Col, row: usize) -> &str {
        self.cell(col, row).map_or("", |c| c.text.as_ref())
    }

    fn line(&self, row: usize) -> usize {
        self.scan.records[row].line
    }

    /// A problem at the cell of column `col` in `row`.
    fn problem(&self, col: Col, row: usize, message: String) -> Problem {
        match self.cell(col, row) {
            Some(c) => Problem::at(self.file, c.line, c.column, message),
            None => Problem::at(self.file, self.line(row), 1, message),
        }
    }

    fn non_empty(&self, col: Col, row: usize, problems: &mut Vec<Problem>) -> Option<&str> {
        let v = self.get(col, row);
        if v.is_empty() {
            let name = self.names[col.0];
            problems.push(self.problem(col, row, format!("{name} is empty; expected a value")));
            None
        } else {
            Some(v)
        }
    }

    fn boolean(&self, col: Col, row: usize, problems: &mut Vec<Problem>) -> bool {
        let v = self.get(col, row);
        match parse_bool(v) {
            Some(b) => b,
            None => {
                let name = self.names[col.0];
                problems.push(self.problem(
                    col,
                    row,
                    format!(
                        "{name} is {v:?}; expected true or false (yes/no and 1/0 are accepted too)"
                    ),
                ));
                false
            }
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// Checks the organisations; each is returned with its line in the file, sorted by id.
fn organisations(
    config: &StudyConfig,
    t: &Table,
    problems: &mut Vec<Problem>,
) -> Vec<(Org, usize)> {
    // The columns as `org_columns` lists them.
    let (org_id, country) = (Col(0), Col(1));
    let dims = config.dimensions.len();
    let (surveyed_col, responded_col) = (Col(2 + dims), Col(3 + dims));
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut orgs = Vec::with_capacity(t.scan.records.len());
    for row in t.rows() {
        let id = t.non_empty(org_id, row, problems);
        if let Some(id) = id
            && let Some(first) = seen.insert(id, t.line(row))
        {
            problems.push(t.problem(
                org_id,
                row,
                format!(
                    "org_id {id:?} is already used on line {first}; expected each organisation once"
                ),
            ));
        }
        let country = t.non_empty(country, row, problems).unwrap_or_default();
        let mut categories = Vec::with_capacity(dims);
        for (k, d) in config.dimensions.iter().enumerate() {
            let col = Col(2 + k);
            let v = t.get(col, row);
            match d.index_of(v) {
                Some(i) => categories.push(i),
                None => {
                    let allowed: Vec<&str> = d.categories.iter().map(|c| c.id.as_str()).collect();
                    problems.push(t.problem(
                        col,
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
        let surveyed = t.boolean(surveyed_col, row, problems);
        let responded = t.boolean(responded_col, row, problems);
        if responded && !surveyed {
            problems.push(t.problem(responded_col, row, "responded is true but surveyed is false; expected only surveyed organisations to respond".into()));
        }
        let org = Org {
            id: id.unwrap_or_default().to_owned(),
            country: country.to_owned(),
            categories,
            surveyed,
            responded,
        };
        orgs.push((org, t.line(row)));
    }
    // Stable, so of two rows with one id the first stays first.
    orgs.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    orgs
}

/// Checks the tie reports and returns them sorted. Longer than most functions here: one
/// pass with a check per column, then the repeats found by sorting the reports' keys
/// and their problems merged back into row order.
fn tie_reports(
    config: &StudyConfig,
    t: &Table,
    orgs: &[Org],
    index: Option<&Lookup<'_>>,
    problems: &mut Vec<Problem>,
) -> Vec<Report> {
    // The columns as `TIE_COLUMNS` and `TIE_OPTIONAL` list them.
    let (wave_col, reporter_col, partner_col, kind_col) = (Col(0), Col(1), Col(2), Col(3));
    let waves: Vec<&str> = config.waves.iter().map(|w| w.id.as_str()).collect();
    // Each resolved report's key, row, and where in `problems` a repeat of it would
    // be reported (after the row's other problems): repeats are found by sorting the
    // keys after the pass (a million tie reports: a map insert per row cost more).
    let mut keyed: Vec<(usize, u32, u32, usize, usize)> = Vec::with_capacity(t.rows().len());
    // The reporter column usually repeats its previous row's id: looked up once.
    let mut last_reporter: Option<(&str, Option<u32>)> = None;
    for row in t.rows() {
        let wave = t.get(wave_col, row);
        let w = waves.iter().position(|x| *x == wave);
        if w.is_none() {
            problems.push(t.problem(
                wave_col,
                row,
                format!(
                    "wave {wave:?} is not declared in study.toml; expected one of: {}",
                    waves.join(", ")
                ),
            ));
        }
        let mut lookup = |col: Col| {
            let index = index?;
            let v = t.get(col, row);
            let found = index.get(v);
            if found.is_none() {
                let name = t.names[col.0];
                problems.push(t.problem(col, row, format!(
                    "{name} {v:?} is not an org_id of {ORGANISATIONS}; expected a listed organisation"
                )));
            }
            found
        };
        let reporter_id = t.get(reporter_col, row);
        let reporter = match last_reporter {
            Some((id, found)) if id == reporter_id && found.is_some() => found,
            _ => {
                let found = lookup(reporter_col);
                last_reporter = Some((reporter_id, found));
                found
            }
        };
        let partner = lookup(partner_col);
        if let Some(r) = reporter
            && !orgs[r as usize].responded
        {
            problems.push(t.problem(reporter_col, row, format!(
                "reporter {:?} did not respond to the survey; expected only respondents to report ties",
                orgs[r as usize].id
            )));
        }
        if reporter.is_some() && reporter == partner {
            problems.push(t.problem(
                partner_col,
                row,
                "an organisation names itself; expected a different partner".into(),
            ));
        }
        if let (Some(w), Some(r), Some(p)) = (w, reporter, partner) {
            keyed.push((w, r, p, row, problems.len()));
        }
    }
    // In key order, rows in row order within a key: every entry after the first of
    // its key repeats the one before it (the message names that row's line).
    keyed.sort_unstable();
    let mut repeats: Vec<(usize, usize, Problem)> = Vec::new();
    let mut out = Vec::with_capacity(keyed.len());
    for (i, &(w, r, p, row, at)) in keyed.iter().enumerate() {
        match i.checked_sub(1).map(|j| keyed[j]) {
            Some((pw, pr, pp, prev, _)) if (pw, pr, pp) == (w, r, p) => {
                let first = t.line(prev);
                repeats.push((at, row, t.problem(partner_col, row, format!(
                    "this tie repeats the one on line {first}; expected each reported tie once per wave"
                ))));
            }
            _ if r != p => {
                let kind = t.get(kind_col, row);
                out.push(Report {
                    wave: w,
                    reporter: r,
                    partner: p,
                    kind: (!kind.is_empty()).then(|| kind.to_owned()),
                });
            }
            _ => {}
        }
    }
    if !repeats.is_empty() {
        // Back into row order, each after the problems its row had before.
        repeats.sort_by_key(|&(at, row, _)| (at, row));
        let mut merged = Vec::with_capacity(problems.len() + repeats.len());
        let mut rest = std::mem::take(problems).into_iter().enumerate().peekable();
        for (at, _, problem) in repeats {
            while let Some((_, earlier)) = rest.next_if(|&(i, _)| i < at) {
                merged.push(earlier);
            }
            merged.push(problem);
        }
        merged.extend(rest.map(|(_, p)| p));
        *problems = merged;
    }
    out.sort();
    out
}

/// Checks the excerpts, sorted by id.
///
/// One pass over the rows with a check per column; longer than most functions here
/// because each of the nine columns has its own rule and message.
fn excerpt_rows(config: &StudyConfig, t: &Table, problems: &mut Vec<Problem>) -> Vec<Excerpt> {
    // The columns as `EXCERPT_COLUMNS` lists them.
    let [
        excerpt_id,
        source_id_col,
        source_kind_col,
        level_col,
        country,
        population_col,
        codes_col,
        consent,
        text_col,
    ] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(Col);
    let primary = config.primary();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(t.scan.records.len());
    for row in t.rows() {
        let id = t.non_empty(excerpt_id, row, problems).unwrap_or_default();
        if !id.is_empty()
            && let Some(first) = seen.insert(id, t.line(row))
        {
            problems.push(t.problem(
                excerpt_id,
                row,
                format!(
                    "excerpt_id {id:?} is already used on line {first}; expected each excerpt once"
                ),
            ));
        }
        let source_id = t
            .non_empty(source_id_col, row, problems)
            .unwrap_or_default();
        let source_kind = match t.get(source_kind_col, row) {
            "interview" => SourceKind::Interview,
            "focus_group" => SourceKind::FocusGroup,
            other => {
                problems.push(t.problem(
                    source_kind_col,
                    row,
                    format!(
                        "source_kind {other:?} is not known; expected interview or focus_group"
                    ),
                ));
                SourceKind::Interview
            }
        };
        let level = match t.get(level_col, row) {
            "local" => Level::Local,
            "national" => Level::National,
            "global" => Level::Global,
            other => {
                problems.push(t.problem(
                    level_col,
                    row,
                    format!("level {other:?} is not known; expected local, national or global"),
                ));
                Level::Local
            }
        };
        let population = t.get(population_col, row);
        let pop = primary.index_of(population);
        if pop.is_none() {
            let allowed: Vec<&str> = primary.categories.iter().map(|c| c.id.as_str()).collect();
            problems.push(t.problem(
                population_col,
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
            .get(codes_col, row)
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
                        codes_col,
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
        let consent = t.boolean(consent, row, problems);
        let text = t.non_empty(text_col, row, problems).unwrap_or_default();
        out.push(Excerpt {
            id: id.to_owned(),
            source_id: source_id.to_owned(),
            source_kind,
            level,
            country: t.get(country, row).to_owned(),
            population: pop.unwrap_or(0),
            codes,
            consent,
            text: text.to_owned(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
