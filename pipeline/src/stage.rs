//! The pure function behind each stage of a build. [`crate::derive`] composes them in
//! one call; `xtask`'s staged build calls the same functions one stage at a time,
//! caching each result on disk, so the two cannot drift apart.
//!
//! Stages, in order: [`network`] (the expensive network statistics), [`statistics`]
//! (the rest, completing `stats.json`), [`network_layout`] and [`figures`], then one
//! [`source`] per [`Document`].

use std::collections::BTreeMap;

use crate::document::Document;
use crate::figures::{self, Figure, NetworkLayout};
use crate::model::Study;
use crate::render::TemplateSource;
use crate::stats::{self, NetworkPart, Stats};
use crate::{DeriveError, Provenance};

/// The network statistics of `study` (survey, every wave's network battery, the
/// changes between waves), on up to `threads` threads.
pub fn network(study: &Study, threads: usize) -> Result<NetworkPart, DeriveError> {
    Ok(stats::network(study, threads)?)
}

/// All statistics: the network part completed with the methods counts and the
/// qualitative statistics.
pub fn statistics(study: &Study, network: NetworkPart) -> Stats {
    stats::assemble(study, network)
}

/// The layout of the network maps (needs only the study, so it may run beside the
/// statistics).
pub fn network_layout(study: &Study) -> NetworkLayout {
    NetworkLayout::compute(study)
}

/// Every figure of the study.
pub fn figures(
    study: &Study,
    stats: &Stats,
    layout: &NetworkLayout,
) -> Result<Vec<Figure>, DeriveError> {
    Ok(figures::render_all_with_layout(study, stats, layout)?)
}

/// The filled Typst source of `doc`. The statistics come in as JSON (as written to
/// `stats.json`) and the figures as their index (name to alternative text).
pub fn source(
    doc: &Document,
    templates: &[TemplateSource],
    study: &Study,
    stats: &serde_json::Value,
    figures: &BTreeMap<String, String>,
    provenance: &Provenance,
) -> Result<String, DeriveError> {
    crate::fill_document(templates, doc.stem, study, stats, figures, provenance)
}
