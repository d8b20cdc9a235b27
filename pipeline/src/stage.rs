//! The pure function behind each stage of a build. [`crate::derive`] composes them in
//! one call; `xtask`'s staged build calls the same functions one stage at a time,
//! caching each result on disk, so the two cannot drift apart.
//!
//! Stages, in order: [`network`] (the expensive network statistics), [`statistics`]
//! (the rest, completing `stats.json`), [`network_layout`] and [`figures`], then one
//! [`source`] per [`Document`].

use std::collections::BTreeMap;

use crate::changes::{self, Changes};
use crate::document::{BRIEF, Document};
use crate::evidence::{self, Evidence};
use crate::figures::{self, Figure, NetworkLayout};
use crate::model::Study;
use crate::publication::{self, Public};
use crate::render::TemplateSource;
use crate::stats::{self, NetworkPart, Stats};
use crate::{DeriveError, Provenance};

/// The network statistics of `study` (survey, every wave's network battery, the
/// changes between waves), on up to `threads` threads.
pub fn network(study: &Study, threads: usize) -> Result<NetworkPart, DeriveError> {
    Ok(stats::network(study, threads)?)
}

/// All statistics, full and public.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The full statistics (`stats.json`).
    pub stats: Stats,
    /// The public statistics (`stats.public.json`), from [`publication::publish`].
    pub public: serde_json::Value,
}

/// All statistics: the network part completed with the methods counts and the
/// qualitative statistics, and their public form (the disclosure engine on up to
/// `threads` threads).
pub fn statistics(
    study: &Study,
    network: NetworkPart,
    threads: usize,
) -> Result<Computed, DeriveError> {
    let top_brokers = network.top_brokers.clone();
    let stats = stats::assemble(study, network);
    let public = publication::publish(study, &stats, &top_brokers, threads)?;
    Ok(Computed { stats, public })
}

/// The layout of the network maps (needs only the study, so it may run beside the
/// statistics).
pub fn network_layout(study: &Study) -> NetworkLayout {
    NetworkLayout::compute(study)
}

/// Every figure of the study, showing only what `public` (the public statistics)
/// shows.
pub fn figures(
    study: &Study,
    stats: &Stats,
    public: &serde_json::Value,
    layout: &NetworkLayout,
) -> Result<Vec<Figure>, DeriveError> {
    Ok(figures::render_all_with_layout(
        study,
        stats,
        Public(public),
        layout,
    )?)
}

/// The filled Typst source of `doc`. The statistics come in as the public JSON (as
/// written to `stats.public.json`), the figures as their index (name to alternative text), and what
/// changed since the previous brief as computed by [`changes`].
pub fn source(
    doc: &Document,
    templates: &[TemplateSource],
    study: &Study,
    stats: &serde_json::Value,
    figures: &BTreeMap<String, String>,
    provenance: &Provenance,
    changes: Option<&Changes>,
) -> Result<String, DeriveError> {
    Ok(crate::fill_document(
        templates, doc.stem, study, stats, figures, provenance, changes,
    )?)
}

/// What changed since the study's previous brief (`previous_brief` in `study.toml`,
/// whose bytes are `previous`), or `None` when the study names none.
///
/// The new side is this build's evidence exactly as its brief will carry it (the
/// statistics it attaches, its input manifest, the study version, date and Typst
/// version of its metadata), so `cargo xtask diff previous/brief.pdf brief.pdf` finds
/// exactly the same changes.
pub fn changes(
    study: &Study,
    previous: Option<&[u8]>,
    stats: &serde_json::Value,
    provenance: &Provenance,
) -> Result<Option<Changes>, DeriveError> {
    let Some(path) = &study.config.previous_brief else {
        return Ok(None);
    };
    let bytes = previous.ok_or_else(|| {
        DeriveError::PreviousBrief(format!(
            "study.toml: previous_brief {path:?} names no file of the study folder; expected the previous version's brief.pdf there"
        ))
    })?;
    let old = evidence::from_pdf(bytes)
        .map_err(|e| DeriveError::PreviousBrief(format!("{path} (previous_brief): {e}")))?;
    let new = build_evidence(study, stats, provenance);
    Ok(Some(changes::compare(&old, &new)))
}

/// The evidence this build's brief carries.
pub fn build_evidence(
    study: &Study,
    stats: &serde_json::Value,
    provenance: &Provenance,
) -> Evidence {
    let inputs = provenance
        .documents
        .iter()
        .find(|d| d.stem == BRIEF.stem)
        .map(|d| d.inputs.clone())
        .unwrap_or_default();
    Evidence {
        version: Some(study.config.version.clone()),
        created: Some(study.config.created.to_string()),
        tools: BTreeMap::from([("typst".to_owned(), provenance.typst_version.clone())]),
        inputs: evidence::sorted(inputs),
        stats: stats.clone(),
        file_digest: None,
    }
}
