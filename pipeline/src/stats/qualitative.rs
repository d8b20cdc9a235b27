//! Counts of the qualitative material: excerpts and sources by kind, consent, code
//! frequencies overall, by population and by level, and code co-occurrence.
//!
//! Everything here is an integer count over the excerpts, listed in a fixed order
//! (codebook order, the primary dimension's display order, local/national/global).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Level, SourceKind, Study};
use crate::study::CodeKind;

/// The qualitative counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Qualitative {
    /// Coded excerpts.
    pub excerpts: usize,
    /// Excerpts whose participant agreed to be quoted.
    pub consented: usize,
    /// Interviews, then focus groups.
    pub sources: Vec<SourceCount>,
    /// Excerpts per category of the primary dimension, in display order.
    pub by_population: Vec<IdCount>,
    /// Excerpts per level: local, national, global.
    pub by_level: Vec<IdCount>,
    /// Per code, in codebook order.
    pub codes: Vec<CodeCount>,
    /// Excerpts carrying both of two codes.
    pub cooccurrence: Cooccurrence,
}

/// Sources and excerpts of one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceCount {
    /// `interview` or `focus_group`.
    pub kind: &'static str,
    /// Distinct `source_id`s of this kind.
    pub sources: usize,
    /// Excerpts from them.
    pub excerpts: usize,
}

/// A count of excerpts under an id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdCount {
    /// Category or level id.
    pub id: String,
    /// Excerpts.
    pub excerpts: usize,
}

/// How often a code was applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeCount {
    /// Code id.
    pub id: String,
    /// Challenge, benefit or recommendation.
    pub kind: CodeKind,
    /// Excerpts carrying the code.
    pub excerpts: usize,
    /// Of those, per category of the primary dimension.
    pub by_population: Vec<IdCount>,
    /// Of those, per level.
    pub by_level: Vec<IdCount>,
}

/// The code co-occurrence matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cooccurrence {
    /// Code ids, in codebook order (the rows and columns).
    pub codes: Vec<String>,
    /// `counts[i][j]`: excerpts carrying codes `i` and `j`; the diagonal is each
    /// code's frequency. Symmetric.
    pub counts: Vec<Vec<usize>>,
}

/// The id of a source kind in `raw/excerpts.csv`.
pub fn kind_id(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Interview => "interview",
        SourceKind::FocusGroup => "focus_group",
    }
}

/// Distinct sources of `kind`.
pub fn distinct_sources(study: &Study, kind: SourceKind) -> usize {
    study
        .excerpts
        .iter()
        .filter(|e| e.source_kind == kind)
        .map(|e| e.source_id.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

/// Counts the study's excerpts.
pub fn qualitative(study: &Study) -> Qualitative {
    let codebook = &study.config.codebook;
    let populations = &study.config.primary().categories;
    let k = codebook.len();

    let mut co = vec![vec![0usize; k]; k];
    let mut by_pop = vec![vec![0usize; populations.len()]; k];
    let mut by_lvl = vec![vec![0usize; Level::ALL.len()]; k];
    let mut pop_total = vec![0usize; populations.len()];
    let mut lvl_total = vec![0usize; Level::ALL.len()];
    // Populations and codes are indices the loader checked.
    for e in &study.excerpts {
        let lv = e.level.index();
        pop_total[e.population] += 1;
        lvl_total[lv] += 1;
        for &i in &e.codes {
            for &j in &e.codes {
                co[i][j] += 1;
            }
            by_pop[i][e.population] += 1;
            by_lvl[i][lv] += 1;
        }
    }
    let pop_counts = |counts: &[usize]| -> Vec<IdCount> {
        populations
            .iter()
            .zip(counts)
            .map(|(c, &n)| IdCount {
                id: c.id.clone(),
                excerpts: n,
            })
            .collect()
    };
    let lvl_counts = |counts: &[usize]| -> Vec<IdCount> {
        Level::ALL
            .iter()
            .zip(counts)
            .map(|(l, &n)| IdCount {
                id: l.id().to_owned(),
                excerpts: n,
            })
            .collect()
    };
    let codes = codebook
        .iter()
        .enumerate()
        .map(|(i, c)| CodeCount {
            id: c.id.clone(),
            kind: c.kind,
            excerpts: co[i][i],
            by_population: pop_counts(&by_pop[i]),
            by_level: lvl_counts(&by_lvl[i]),
        })
        .collect();
    let sources = [SourceKind::Interview, SourceKind::FocusGroup]
        .into_iter()
        .map(|kind| SourceCount {
            kind: kind_id(kind),
            sources: distinct_sources(study, kind),
            excerpts: study
                .excerpts
                .iter()
                .filter(|e| e.source_kind == kind)
                .count(),
        })
        .collect();
    Qualitative {
        excerpts: study.excerpts.len(),
        consented: study.excerpts.iter().filter(|e| e.consent).count(),
        sources,
        by_population: pop_counts(&pop_total),
        by_level: lvl_counts(&lvl_total),
        codes,
        cooccurrence: Cooccurrence {
            codes: codebook.iter().map(|c| c.id.clone()).collect(),
            counts: co,
        },
    }
}
