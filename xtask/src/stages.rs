//! The stages of a build and their cache: each stage is keyed by the digests of its
//! inputs, as DVC and targets do, so a run recomputes only what is stale and can say
//! why.
//!
//! The record lives in the output folder as `.stages.json`: for each stage, the
//! digest of every input it read (files, upstream results, tool versions) and of
//! every output it wrote. A stage is up to date when its inputs have the recorded
//! digests and its outputs are still on disk with theirs. The record is a cache, not
//! evidence: `verify` rebuilds without it, and a missing or unreadable record just
//! means everything is stale.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use pipeline::{DOCUMENTS, Document};
use serde::{Deserialize, Serialize};

use crate::outdir::{OutDir, OutPath, STATS_JSON};

/// A stage of a build, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The network statistics (`.cache/network.json`): survey, networks, changes.
    Network,
    /// All statistics (`stats.json`).
    Statistics,
    /// The figures (`figures/*.svg` and their index).
    Figures,
    /// A document's filled Typst source (`<stem>.typ`).
    Source(&'static Document),
    /// A document's PDF, compiled by Typst.
    Pdf(&'static Document),
}

impl Stage {
    /// Every stage, upstream first, each document's source before its PDF.
    pub fn all() -> Vec<Stage> {
        let mut stages = vec![Stage::Network, Stage::Statistics, Stage::Figures];
        for doc in &DOCUMENTS {
            stages.push(Stage::Source(doc));
            stages.push(Stage::Pdf(doc));
        }
        stages
    }

    /// Its name, as `status` prints it and the record keys it.
    pub fn name(&self) -> String {
        match self {
            Stage::Network => "network statistics".to_owned(),
            Stage::Statistics => STATS_JSON.to_owned(),
            Stage::Figures => "figures".to_owned(),
            Stage::Source(doc) => OutPath::source(doc).to_string(),
            Stage::Pdf(doc) => OutPath::pdf(doc).to_string(),
        }
    }

    /// The stages whose outputs it reads.
    pub fn upstream(&self) -> Vec<Stage> {
        match self {
            Stage::Network => Vec::new(),
            Stage::Statistics => vec![Stage::Network],
            Stage::Figures => vec![Stage::Statistics],
            Stage::Source(_) => vec![Stage::Statistics, Stage::Figures],
            Stage::Pdf(doc) => vec![Stage::Source(doc)],
        }
    }
}

/// Digests by name (a path, or a tool such as `typst`).
pub type Digests = BTreeMap<String, String>;

/// What was recorded for one stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    /// Inputs and their digests.
    pub inputs: Digests,
    /// Outputs (paths in the output folder) and their digests.
    pub outputs: Digests,
}

/// The record of every stage, by stage name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Layout version of the record.
    pub schema: u32,
    /// Stages by name.
    pub stages: BTreeMap<String, StageRecord>,
}

/// Whether a stage must run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Inputs and outputs are as recorded.
    UpToDate,
    /// It must run; the reason names the first input or output that differs.
    Stale(String),
}

impl Freshness {
    /// True when the stage must run.
    pub fn is_stale(&self) -> bool {
        matches!(self, Freshness::Stale(_))
    }
}

impl Record {
    /// Reads the record of `out`; an absent or unreadable record is empty.
    pub fn read(out: &OutDir) -> Record {
        out.read(&OutPath::record())
            .ok()
            .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
            .filter(|r| r.schema == 1)
            .unwrap_or_default()
    }

    /// Writes the record into `out`.
    pub fn write(&self, out: &OutDir) -> Result<()> {
        let mut text =
            serde_json::to_string_pretty(self).context("serialising the stage record")?;
        text.push('\n');
        out.write(&OutPath::record(), text.as_bytes())
    }

    /// Compares `stage`'s current inputs with the record and checks that its recorded
    /// outputs are still in `out`.
    pub fn freshness(&self, out: &OutDir, stage: Stage, inputs: &Digests) -> Freshness {
        self.freshness_of(out, &stage.name(), inputs)
    }

    /// [`Record::freshness`] by stage name.
    pub fn freshness_of(&self, out: &OutDir, name: &str, inputs: &Digests) -> Freshness {
        let Some(rec) = self.stages.get(name) else {
            return Freshness::Stale("never built here".into());
        };
        if let Some(reason) = first_difference(&rec.inputs, inputs) {
            return Freshness::Stale(reason);
        }
        for (path, digest) in &rec.outputs {
            let Ok(p) = OutPath::new(path) else {
                return Freshness::Stale(format!("the record names an unsafe path {path:?}"));
            };
            match out.digest(&p) {
                d if &d == digest => {}
                d if d == "missing" => return Freshness::Stale(format!("{path} is missing")),
                _ => return Freshness::Stale(format!("{path} was modified")),
            }
        }
        Freshness::UpToDate
    }

    /// Records that `stage` ran with `inputs` and wrote `outputs`.
    pub fn set(&mut self, stage: Stage, inputs: Digests, outputs: Digests) {
        self.set_named(&stage.name(), inputs, outputs);
    }

    /// [`Record::set`] by stage name.
    pub fn set_named(&mut self, name: &str, inputs: Digests, outputs: Digests) {
        self.schema = 1;
        self.stages
            .insert(name.to_owned(), StageRecord { inputs, outputs });
    }

    /// The recorded outputs of `stage`.
    pub fn outputs(&self, stage: Stage) -> Option<&Digests> {
        self.stages.get(&stage.name()).map(|r| &r.outputs)
    }
}

/// The first input whose digest differs between `recorded` and `current`, as a
/// sentence; `None` when they are equal.
pub fn first_difference(recorded: &Digests, current: &Digests) -> Option<String> {
    for (k, v) in current {
        match recorded.get(k) {
            None => return Some(format!("{k} is a new input")),
            Some(old) if old != v => return Some(format!("{k} changed")),
            Some(_) => {}
        }
    }
    recorded
        .keys()
        .find(|k| !current.contains_key(*k))
        .map(|k| format!("{k} is no longer an input"))
}

#[cfg(test)]
mod tests {
    use pipeline::manifest::sha256_hex;

    use super::*;

    fn d(pairs: &[(&str, &str)]) -> Digests {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn differences_are_named() {
        let old = d(&[("a", "1"), ("b", "2")]);
        assert_eq!(first_difference(&old, &old), None);
        assert_eq!(
            first_difference(&old, &d(&[("a", "1"), ("b", "3")])).as_deref(),
            Some("b changed")
        );
        assert_eq!(
            first_difference(&old, &d(&[("a", "1")])).as_deref(),
            Some("b is no longer an input")
        );
        assert_eq!(
            first_difference(&old, &d(&[("a", "1"), ("b", "2"), ("c", "0")])).as_deref(),
            Some("c is a new input")
        );
    }

    #[test]
    fn outputs_are_checked_on_disk() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = OutDir::new(dir.path());
        let mut rec = Record::default();
        std::fs::write(dir.path().join("x"), b"hello").expect("write");
        rec.set_named("s", d(&[("in", "1")]), d(&[("x", &sha256_hex(b"hello"))]));
        assert_eq!(
            rec.freshness_of(&out, "s", &d(&[("in", "1")])),
            Freshness::UpToDate
        );
        std::fs::write(dir.path().join("x"), b"hellO").expect("write");
        assert_eq!(
            rec.freshness_of(&out, "s", &d(&[("in", "1")])),
            Freshness::Stale("x was modified".into())
        );
        std::fs::remove_file(dir.path().join("x")).expect("rm");
        assert_eq!(
            rec.freshness_of(&out, "s", &d(&[("in", "1")])),
            Freshness::Stale("x is missing".into())
        );
        assert_eq!(
            rec.freshness(&out, Stage::Figures, &d(&[])),
            Freshness::Stale("never built here".into())
        );
        rec.set_named("u", d(&[]), d(&[("../x", "0")]));
        assert!(rec.freshness_of(&out, "u", &d(&[])).is_stale());
    }

    #[test]
    fn stages_are_named_and_ordered() {
        let names: Vec<String> = Stage::all().iter().map(Stage::name).collect();
        assert_eq!(
            names,
            [
                "network statistics",
                "stats.json",
                "figures",
                "brief.typ",
                "brief.pdf",
                "deck.typ",
                "deck.pdf"
            ]
        );
        for (i, stage) in Stage::all().iter().enumerate() {
            for up in stage.upstream() {
                let j = Stage::all().iter().position(|s| *s == up).expect("a stage");
                assert!(j < i, "{} runs before {}", up.name(), stage.name());
            }
        }
    }
}
