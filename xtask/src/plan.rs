//! The plan of a build: what each stage reads, as digests computed from the inputs
//! and the output folder, and the lock that records what a build produced. Shared by
//! `report` (which runs stale stages), `status` (which only reports) and `verify`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use pipeline::load::{EXCERPTS, ORGANISATIONS, TIES};
use pipeline::lock::{LOCK_SCHEMA, Lock};
use pipeline::manifest::{self, sha256_hex};
use pipeline::study::STUDY_FILE;

use crate::fsio;
use crate::layout::Layout;
use crate::report::{DATA_DIGEST, INPUTS_MANIFEST, Target};
use crate::stages::Digests;
use crate::typst::TYPST_VERSION;

/// Stage names, as `status` prints them.
pub(crate) const NETWORK: &str = "network statistics";
pub(crate) const STATISTICS: &str = "stats.json";
/// The cached network statistics (full-precision JSON).
pub(crate) const NETWORK_JSON: &str = ".cache/network.json";
pub(crate) const FIGURES: &str = "figures";
pub(crate) const STATS_JSON: &str = "stats.json";
/// The figures' alternative texts by name, written by the figures stage.
pub(crate) const FIGURE_INDEX: &str = "figures/index.json";

/// Everything about a build that can be known from the inputs alone: their digests,
/// the manifests, the provenance, and each stage's input digests.
pub struct Plan {
    /// Digests of every input by logical path (`data/...`, `report/...`).
    pub(crate) inputs: Digests,
    /// The full input manifest.
    pub(crate) manifest_text: String,
    /// Digest of the code.
    pub(crate) code: String,
    /// Per-document manifests and the data digest.
    pub(crate) provenance: pipeline::Provenance,
}

impl Plan {
    /// Hashes the inputs of a build of `target`.
    pub fn new(layout: &Layout, target: &Target) -> Result<Plan> {
        let files = fsio::inputs(&target.data, &layout.report())?;
        let entries = fsio::entries(&files);
        let provenance =
            pipeline::Provenance::new(env!("CARGO_PKG_VERSION"), TYPST_VERSION, &entries);
        Ok(Plan {
            inputs: entries
                .iter()
                .map(|e| (e.path.clone(), e.sha256.clone()))
                .collect(),
            manifest_text: manifest::render(&entries),
            code: code_digest(layout)?,
            provenance,
        })
    }

    /// Writes `inputs.sha256` and the per-document manifests into `out`.
    pub(crate) fn write_manifests(&self, out: &Path) -> Result<()> {
        fsio::write_atomic(&out.join(INPUTS_MANIFEST), self.manifest_text.as_bytes())?;
        for doc in &self.provenance.documents {
            fsio::write_atomic(
                &out.join(&doc.manifest_name),
                manifest::render(&doc.inputs).as_bytes(),
            )?;
        }
        Ok(())
    }

    fn with_code(&self, mut d: Digests) -> Digests {
        d.insert("code".into(), self.code.clone());
        d
    }

    fn data(&self, files: &[&str]) -> Digests {
        files
            .iter()
            .map(|f| {
                let key = format!("data/{f}");
                let digest = self.inputs.get(&key).cloned().unwrap_or_default();
                (key, digest)
            })
            .collect()
    }

    /// Network statistics read the configuration, the organisations and the ties.
    pub fn network_inputs(&self) -> Digests {
        self.with_code(self.data(&[STUDY_FILE, ORGANISATIONS, TIES]))
    }

    /// The full statistics add the excerpts to the network part.
    pub fn statistics_inputs(&self, out: &Path) -> Digests {
        let mut d = self.with_code(self.data(&[STUDY_FILE, ORGANISATIONS, EXCERPTS]));
        d.insert(NETWORK_JSON.into(), file_digest(out, NETWORK_JSON));
        d
    }

    /// Figures read the statistics, the configuration and the network.
    pub fn figures_inputs(&self, out: &Path) -> Result<Digests> {
        let mut d = self.with_code(self.data(&[STUDY_FILE, ORGANISATIONS, TIES]));
        d.insert(STATS_JSON.into(), file_digest(out, STATS_JSON));
        Ok(d)
    }

    /// A filled source reads the statistics, the figure index and its document's
    /// inputs (the data, its template, the Typst library and the fonts).
    pub fn source_inputs(&self, out: &Path, stem: &str) -> Result<Digests> {
        let mut d = self.with_code(Digests::new());
        d.insert(STATS_JSON.into(), file_digest(out, STATS_JSON));
        d.insert(FIGURE_INDEX.into(), file_digest(out, FIGURE_INDEX));
        let doc = self
            .provenance
            .documents
            .iter()
            .find(|d| d.stem == stem)
            .context("unknown document")?;
        d.insert(doc.manifest_name.clone(), doc.digest.clone());
        Ok(d)
    }

    /// A PDF depends on every file Typst read for it last time (its `--deps` list),
    /// the fonts, the Typst version and the timestamp.
    pub fn pdf_inputs(&self, out: &Path, stem: &str, timestamp: i64) -> Digests {
        let mut d = Digests::new();
        d.insert("typst".into(), TYPST_VERSION.into());
        d.insert("timestamp".into(), timestamp.to_string());
        for (path, digest) in self
            .inputs
            .iter()
            .filter(|(p, _)| p.starts_with("report/fonts/"))
        {
            d.insert(path.clone(), digest.clone());
        }
        let deps = fs::read(out.join(format!(".{stem}.deps.json")))
            .ok()
            .and_then(|b| serde_json::from_slice::<TypstDeps>(&b).ok());
        match deps {
            Some(deps) => {
                for file in deps.inputs {
                    d.insert(file.clone(), file_digest(out, &file));
                }
            }
            None => {
                d.insert(
                    format!("{stem}.typ"),
                    file_digest(out, &format!("{stem}.typ")),
                );
                d.insert(format!(".{stem}.deps.json"), "missing".into());
            }
        }
        d
    }

    /// The lock of what is now in `out`.
    pub(crate) fn lock(&self, out: &Path) -> Result<Lock> {
        let mut lock = Lock {
            schema: LOCK_SCHEMA,
            ..Lock::default()
        };
        lock.tools
            .insert("pipeline".into(), env!("CARGO_PKG_VERSION").into());
        lock.tools.insert("typst".into(), TYPST_VERSION.into());
        lock.tools.insert("code".into(), self.code.clone());
        lock.inputs.insert(
            INPUTS_MANIFEST.into(),
            sha256_hex(self.manifest_text.as_bytes()),
        );
        lock.inputs
            .insert(DATA_DIGEST.into(), self.provenance.data_digest.clone());
        for doc in &self.provenance.documents {
            lock.inputs
                .insert(doc.manifest_name.clone(), doc.digest.clone());
        }
        lock.derived
            .insert(STATS_JSON.into(), file_digest(out, STATS_JSON));
        let index: BTreeMap<String, String> =
            serde_json::from_slice(&fs::read(out.join(FIGURE_INDEX))?)?;
        for name in index.keys() {
            let rel = format!("figures/{name}.svg");
            lock.derived.insert(rel.clone(), file_digest(out, &rel));
        }
        for (_, stem) in pipeline::DOCUMENTS {
            let source = format!("{stem}.typ");
            lock.derived
                .insert(source.clone(), file_digest(out, &source));
            let pdf = format!("{stem}.pdf");
            lock.outputs.insert(pdf.clone(), file_digest(out, &pdf));
        }
        Ok(lock)
    }
}

/// The part of Typst's `--deps` JSON that names the files it read.
#[derive(serde::Deserialize)]
struct TypstDeps {
    inputs: Vec<String>,
}

/// The digest of `out/rel`, or `"missing"`.
pub(crate) fn file_digest(out: &Path, rel: &str) -> String {
    fs::read(out.join(rel)).map_or_else(|_| "missing".to_owned(), |b| sha256_hex(&b))
}

/// Digests of files written into `out`.
pub(crate) fn digests_of(out: &Path, rels: &[String]) -> Result<Digests> {
    rels.iter()
        .map(|r| {
            let bytes = fs::read(out.join(r))
                .with_context(|| format!("reading {}", out.join(r).display()))?;
            Ok((r.clone(), sha256_hex(&bytes)))
        })
        .collect()
}

/// The digest of the code that shapes the outputs: `Cargo.lock`, the manifests and
/// the sources of `pipeline` and `xtask`, as a `sha256sum` manifest's own digest.
pub fn code_digest(layout: &Layout) -> Result<String> {
    let mut files = Vec::new();
    for rel in [
        "Cargo.lock",
        "Cargo.toml",
        "pipeline/Cargo.toml",
        "xtask/Cargo.toml",
    ] {
        let bytes = fs::read(layout.root.join(rel)).with_context(|| format!("reading {rel}"))?;
        files.push((rel.to_owned(), bytes));
    }
    for crate_dir in ["pipeline/src", "xtask/src"] {
        let dir = layout.root.join(crate_dir);
        for path in fsio::sorted_files(&dir, usize::MAX)? {
            let rel = fsio::relative(&path, &dir)?;
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.push((format!("{crate_dir}/{rel}"), bytes));
        }
    }
    Ok(sha256_hex(
        manifest::render(&fsio::entries(&files)).as_bytes(),
    ))
}
