//! The pure core of the report pipeline: from a study's bytes to statistics, figures
//! and filled Typst sources.
//!
//! This crate does no I/O: it never touches the file system, the environment, the
//! clock or other processes (the `xtask` crate does all of that). Every function is
//! a deterministic function of its arguments, and every collection that reaches an
//! output is iterated in a fixed order.
//!
//! The stages, in order: [`load`] checks the raw files into a [`model::Study`];
//! [`stats::compute`] derives [`stats::Stats`]; [`figures::render_all`] draws the
//! SVGs; [`render`] fills the templates. [`derive`] runs them all.

pub mod changes;
pub mod claims;
pub mod csvtext;
pub mod diag;
pub mod disclosure;
pub mod document;
pub mod evidence;
pub mod figures;
pub mod findings;
pub mod load;
pub mod lock;
pub mod lookup;
pub mod manifest;
pub mod model;
pub mod numfmt;
pub mod publication;
pub mod render;
pub mod stage;
pub mod stats;
pub mod study;
pub mod synth;
pub mod views;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::{Problem, Problems};
use crate::figures::Figure;
use crate::load::StudyFiles;
use crate::render::TemplateSource;
use crate::stats::Stats;

pub use document::{DOCUMENTS, Document};

/// Facts about the run that the documents print in their provenance section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The pipeline's version.
    pub pipeline_version: String,
    /// The Typst version that compiles the sources.
    pub typst_version: String,
    /// SHA-256 of the data-only manifest (the `data/` lines of `inputs.sha256`): the
    /// one digest that names the study's data.
    pub data_digest: String,
    /// Per document, the manifest of exactly the inputs that shape it.
    pub documents: Vec<DocumentInputs>,
}

/// The inputs of one document: the study's data, its template, the shared Typst
/// library and the fonts. Each PDF carries the digest of its own manifest, so editing
/// one document's template does not change the other document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentInputs {
    /// Output stem (`brief`, `deck`).
    pub stem: String,
    /// The manifest's file name in the output folder (`brief.inputs.sha256`).
    pub manifest_name: String,
    /// SHA-256 of the manifest's text.
    pub digest: String,
    /// The entries, sorted by path.
    pub inputs: Vec<manifest::Entry>,
}

impl Provenance {
    /// Splits the full input manifest into the data digest and one manifest per
    /// document of [`DOCUMENTS`].
    pub fn new(pipeline_version: &str, typst_version: &str, all: &[manifest::Entry]) -> Provenance {
        let data: Vec<manifest::Entry> = all
            .iter()
            .filter(|e| e.path.starts_with("data/"))
            .cloned()
            .collect();
        let documents = DOCUMENTS
            .iter()
            .map(|doc| {
                let inputs: Vec<manifest::Entry> = all
                    .iter()
                    .filter(|e| doc.reads_input(&e.path))
                    .cloned()
                    .collect();
                let text = manifest::render(&inputs);
                DocumentInputs {
                    stem: doc.stem.to_owned(),
                    manifest_name: doc.inputs_manifest(),
                    digest: manifest::sha256_hex(text.as_bytes()),
                    inputs,
                }
            })
            .collect();
        Provenance {
            pipeline_version: pipeline_version.to_owned(),
            typst_version: typst_version.to_owned(),
            data_digest: manifest::sha256_hex(manifest::render(&data).as_bytes()),
            documents,
        }
    }
}

/// Everything derived from a study, ready to be written and compiled.
#[derive(Debug, Clone)]
pub struct Derived {
    /// The statistics.
    pub stats: Stats,
    /// `stats.json`: pretty-printed, stable key order, ending in a newline.
    pub stats_json: String,
    /// `stats.public.json`, in the same form: what the documents may show.
    pub public_json: String,
    /// The figures.
    pub figures: Vec<Figure>,
    /// Filled Typst sources: `(stem, text)` for each of [`DOCUMENTS`].
    pub sources: Vec<(String, String)>,
    /// Non-fatal problems found while loading.
    pub warnings: Vec<Problem>,
}

/// Why a study could not be derived: the error of each stage.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    /// The study's files have problems; every one is listed.
    #[error(transparent)]
    Invalid(#[from] Problems),
    /// The statistics could not be computed.
    #[error("statistics failed: {0}")]
    Stats(#[from] stats::StatsError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Figure(#[from] figures::FigureError),
    /// A document could not be filled.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The statistics could not be serialised.
    #[error("could not serialise statistics: {0}")]
    Json(#[from] serde_json::Error),
    /// The previous brief named in `study.toml` is missing or unreadable.
    #[error("{0}")]
    PreviousBrief(String),
    /// Disclosure control could not protect what the documents would publish.
    #[error(transparent)]
    Publish(#[from] publication::PublishError),
}

/// The stems of [`DOCUMENTS`], for messages.
fn document_stems() -> String {
    DOCUMENTS.map(|d| d.stem).join(", ")
}

/// Why a document's template could not be filled.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The stem names none of [`DOCUMENTS`].
    #[error("no document {stem:?}; expected one of: {}", document_stems())]
    UnknownDocument {
        /// The stem asked for.
        stem: String,
    },
    /// The provenance has no input manifest for the document.
    #[error("the provenance lists no inputs for document {0:?}")]
    NoInputs(String),
    /// minijinja could not build the environment, find the template or render it.
    /// (Not a `source`: its message already holds minijinja's, which a chain of causes
    /// would print a second time.)
    #[error("template error: {0}")]
    Template(minijinja::Error),
    /// The context could not be serialised.
    #[error("could not serialise the template context: {0}")]
    Context(#[from] serde_json::Error),
}

impl From<minijinja::Error> for RenderError {
    fn from(e: minijinja::Error) -> RenderError {
        RenderError::Template(e)
    }
}

/// A loaded study with its statistics, full and public.
#[derive(Debug, Clone)]
pub struct Statistics {
    /// The validated study.
    pub study: model::Study,
    /// The full statistics (`stats.json`, kept with the author).
    pub stats: Stats,
    /// The public statistics (`stats.public.json`): what the documents may show.
    pub public: serde_json::Value,
    /// Non-fatal problems found while loading.
    pub warnings: Vec<Problem>,
}

/// Loads and checks a study and computes its statistics, full and public (no figures
/// or documents), on up to `threads` threads.
pub fn statistics(files: StudyFiles<'_>, threads: usize) -> Result<Statistics, DeriveError> {
    let loaded = load::load(files)?;
    let network = stage::network(&loaded.study, threads)?;
    let computed = stage::statistics(&loaded.study, network, threads)?;
    Ok(Statistics {
        study: loaded.study,
        stats: computed.stats,
        public: computed.public,
        warnings: loaded.warnings,
    })
}

/// Serialises statistics as `stats.json`.
pub fn stats_json(stats: &Stats) -> Result<String, serde_json::Error> {
    json_text(stats)
}

/// Pretty-printed JSON ending in a newline: the form of `stats.json` and
/// `stats.public.json`.
pub fn json_text(value: &impl Serialize) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}

/// Runs every stage: load, statistics, figures, templates, on up to `threads` threads.
/// `previous_brief` holds the bytes of the file that `study.toml`'s `previous_brief`
/// names, if any.
pub fn derive(
    files: StudyFiles<'_>,
    previous_brief: Option<&[u8]>,
    templates: &[TemplateSource],
    provenance: &Provenance,
    threads: usize,
) -> Result<Derived, DeriveError> {
    let Statistics {
        study,
        stats,
        public,
        warnings,
    } = statistics(files, threads)?;
    let stats_json = stats_json(&stats)?;
    let public_json = json_text(&public)?;
    let figures = stage::figures(&study, &stats, &public, &stage::network_layout(&study))?;
    let index = figure_index(&figures);
    let changes = stage::changes(&study, previous_brief, &public, provenance)?;
    let mut sources = Vec::new();
    for doc in &DOCUMENTS {
        let text = stage::source(
            doc,
            templates,
            &study,
            &public,
            &index,
            provenance,
            changes.as_ref(),
        )?;
        sources.push((doc.stem.to_owned(), text));
    }
    Ok(Derived {
        stats,
        stats_json,
        public_json,
        figures,
        sources,
        warnings,
    })
}

/// The figures' alternative texts by name: what the templates need of the figures.
pub fn figure_index(figures: &[Figure]) -> BTreeMap<String, String> {
    figures
        .iter()
        .map(|f| (f.name.clone(), f.alt.clone()))
        .collect()
}

/// Fills the template of document `stem` (one of [`DOCUMENTS`]).
///
/// The statistics come in as JSON (as written to `stats.json`), so a cached
/// `stats.json` fills a template exactly as a fresh computation would. `changes`, when
/// the study names a previous brief, fills the changes page and slide.
pub fn fill_document(
    templates: &[TemplateSource],
    stem: &str,
    study: &model::Study,
    stats: &serde_json::Value,
    figures: &BTreeMap<String, String>,
    provenance: &Provenance,
    changes: Option<&changes::Changes>,
) -> Result<String, RenderError> {
    let context = document_context(stem, study, stats, figures, provenance, changes)?;
    render_document(templates, stem, &context)
}

/// Everything the template of document `stem` reads, as one JSON object: `study` (the
/// configuration), `stats`, `views`, `claims` (the headline findings and the authored
/// sentences they allow, from `stats`), `figures`, `provenance`, `doc` and `changes`.
pub fn document_context(
    stem: &str,
    study: &model::Study,
    stats: &serde_json::Value,
    figures: &BTreeMap<String, String>,
    provenance: &Provenance,
    changes: Option<&changes::Changes>,
) -> Result<serde_json::Value, RenderError> {
    let doc = provenance
        .documents
        .iter()
        .find(|d| d.stem == stem)
        .ok_or_else(|| RenderError::NoInputs(stem.to_owned()))?;
    let views = views::build(study, publication::Public(stats));
    let claims = claims::claims(&study.config, stats);
    Ok(serde_json::to_value(DocContext {
        study: &study.config,
        stats,
        views: &views,
        claims: &claims,
        figures: figures
            .iter()
            .map(|(name, alt)| {
                (
                    name.as_str(),
                    FigureRef {
                        path: document::figure_file(name),
                        alt,
                    },
                )
            })
            .collect(),
        provenance,
        doc,
        changes,
    })?)
}

/// Fills the template of document `stem` with `context` (from [`document_context`]).
pub fn render_document(
    templates: &[TemplateSource],
    stem: &str,
    context: &serde_json::Value,
) -> Result<String, RenderError> {
    let template = Document::by_stem(stem).map(|d| d.template).ok_or_else(|| {
        RenderError::UnknownDocument {
            stem: stem.to_owned(),
        }
    })?;
    let env = render::environment(templates)?;
    let context = minijinja::Value::from(minijinja::value::Serde(context));
    Ok(env.get_template(template)?.render(&context)?)
}

#[derive(Serialize)]
struct DocContext<'a> {
    study: &'a study::StudyConfig,
    stats: &'a serde_json::Value,
    views: &'a views::Views,
    claims: &'a claims::Claims,
    figures: BTreeMap<&'a str, FigureRef<'a>>,
    provenance: &'a Provenance,
    doc: &'a DocumentInputs,
    changes: Option<&'a changes::Changes>,
}

#[derive(Serialize)]
struct FigureRef<'a> {
    path: String,
    alt: &'a str,
}
