//! The stage cache: each stage of a build is keyed by the digests of its inputs, as
//! DVC and targets do, so a run recomputes only what is stale and can say why.
//!
//! The record lives in the output folder as `.stages.json`: for each stage, the
//! digest of every input it read (files, upstream results, tool versions) and of
//! every output it wrote. A stage is up to date when its inputs have the recorded
//! digests and its outputs are still on disk with theirs. The record is a cache, not
//! evidence: `verify` rebuilds without it, and a missing or unreadable record just
//! means everything is stale.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use pipeline::manifest::sha256_hex;
use serde::{Deserialize, Serialize};

use crate::fsio;

/// File name of the record in the output folder.
pub const RECORD: &str = ".stages.json";

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
    pub fn read(out: &Path) -> Record {
        fs::read(out.join(RECORD))
            .ok()
            .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
            .filter(|r| r.schema == 1)
            .unwrap_or_default()
    }

    /// Writes the record into `out`.
    pub fn write(&self, out: &Path) -> Result<()> {
        let mut text =
            serde_json::to_string_pretty(self).context("serialising the stage record")?;
        text.push('\n');
        fsio::write_atomic(&out.join(RECORD), text.as_bytes())
    }

    /// Compares stage `name`'s current inputs with the record and checks that its
    /// recorded outputs are still in `out`.
    pub fn freshness(&self, out: &Path, name: &str, inputs: &Digests) -> Freshness {
        let Some(rec) = self.stages.get(name) else {
            return Freshness::Stale("never built here".into());
        };
        if let Some(reason) = first_difference(&rec.inputs, inputs) {
            return Freshness::Stale(reason);
        }
        for (path, digest) in &rec.outputs {
            match fs::read(out.join(path)) {
                Ok(bytes) if &sha256_hex(&bytes) == digest => {}
                Ok(_) => return Freshness::Stale(format!("{path} was modified")),
                Err(_) => return Freshness::Stale(format!("{path} is missing")),
            }
        }
        Freshness::UpToDate
    }

    /// Records that stage `name` ran with `inputs` and wrote `outputs`.
    pub fn set(&mut self, name: &str, inputs: Digests, outputs: Digests) {
        self.schema = 1;
        self.stages
            .insert(name.to_owned(), StageRecord { inputs, outputs });
    }

    /// The recorded outputs of stage `name`.
    pub fn outputs(&self, name: &str) -> Option<&Digests> {
        self.stages.get(name).map(|r| &r.outputs)
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
        let mut rec = Record::default();
        std::fs::write(dir.path().join("x"), b"hello").expect("write");
        rec.set("s", d(&[("in", "1")]), d(&[("x", &sha256_hex(b"hello"))]));
        assert_eq!(
            rec.freshness(dir.path(), "s", &d(&[("in", "1")])),
            Freshness::UpToDate
        );
        std::fs::write(dir.path().join("x"), b"hellO").expect("write");
        assert_eq!(
            rec.freshness(dir.path(), "s", &d(&[("in", "1")])),
            Freshness::Stale("x was modified".into())
        );
        assert_eq!(
            rec.freshness(dir.path(), "t", &d(&[])),
            Freshness::Stale("never built here".into())
        );
    }
}
