//! The plan of a build: what each [`Stage`] reads, as digests computed from the inputs
//! and the output folder, and the lock that records what a build produced. Shared by
//! the build (which runs stale stages), `status` (which only reports) and `verify`.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use pipeline::document::Reads;
use pipeline::load::{EXCERPTS, ORGANISATIONS, TIES};
use pipeline::lock::{LOCK_SCHEMA, Lock};
use pipeline::manifest::{self, sha256_hex};
use pipeline::study::STUDY_FILE;
use pipeline::{DOCUMENTS, Document};

use crate::fsio::{self, DATA_PREFIX, Inputs};
use crate::layout::Layout;
use crate::outdir::{INPUTS_MANIFEST, OutDir, OutPath};
use crate::stages::{Digests, Stage};
use crate::typst::TYPST_VERSION;

/// The lock's name for the digest of the data-only manifest.
pub const DATA_DIGEST: &str = "data";

/// Everything about a build that can be known from the inputs alone: their digests,
/// the manifests, the provenance, and each stage's input digests.
pub struct Plan {
    /// Digests of every input by logical path (`data/...`, `report/...`).
    pub inputs: Digests,
    /// The full input manifest.
    pub manifest_text: String,
    /// Digest of the code.
    pub code: String,
    /// Per-document manifests and the data digest.
    pub provenance: pipeline::Provenance,
    /// The documents' creation time (seconds since the epoch, from `study.toml`).
    pub timestamp: i64,
}

impl Plan {
    /// Hashes the inputs of a build (the bytes already read), with the documents'
    /// creation time.
    pub fn new(layout: &Layout, inputs: &Inputs, timestamp: i64) -> Result<Plan> {
        let entries = inputs.entries();
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
            timestamp,
        })
    }

    /// Writes `inputs.sha256` and the per-document manifests into `out`.
    pub fn write_manifests(&self, out: &OutDir) -> Result<()> {
        out.write(&OutPath::inputs_manifest(), self.manifest_text.as_bytes())?;
        for doc in &self.provenance.documents {
            out.write(
                &OutPath::new(&doc.manifest_name)?,
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
                let key = format!("{DATA_PREFIX}/{f}");
                let digest = self.inputs.get(&key).cloned().unwrap_or_default();
                (key, digest)
            })
            .collect()
    }

    /// What `stage` reads now, as digests: inputs, upstream outputs in `out`, the code.
    pub fn inputs_of(&self, stage: Stage, out: &OutDir) -> Result<Digests> {
        let upstream = |d: &mut Digests, p: OutPath| {
            let digest = out.digest(&p);
            d.insert(p.to_string(), digest);
        };
        Ok(match stage {
            // Network statistics read the configuration, the organisations and the ties.
            Stage::Network => self.with_code(self.data(&[STUDY_FILE, ORGANISATIONS, TIES])),
            // The full statistics add the excerpts to the network part.
            Stage::Statistics => {
                let mut d = self.with_code(self.data(&[STUDY_FILE, ORGANISATIONS, EXCERPTS]));
                upstream(&mut d, OutPath::network_cache());
                d
            }
            // Figures read the statistics, the configuration and the network.
            Stage::Figures => {
                let mut d = self.with_code(self.data(&[STUDY_FILE, ORGANISATIONS, TIES]));
                upstream(&mut d, OutPath::stats_json());
                upstream(&mut d, OutPath::public_stats());
                d
            }
            Stage::Source(doc) => self.source_inputs(doc, out)?,
            Stage::Pdf(doc) => self.pdf_inputs(doc, out),
        })
    }

    /// A filled source reads what its document reads: the statistics, the figure
    /// index and the manifest of its inputs (the data, its template, the Typst library
    /// and the fonts).
    fn source_inputs(&self, doc: &Document, out: &OutDir) -> Result<Digests> {
        let mut d = self.with_code(Digests::new());
        if doc.reads(Reads::Statistics) {
            let p = OutPath::public_stats();
            d.insert(p.to_string(), out.digest(&p));
        }
        if doc.reads(Reads::Figures) {
            let p = OutPath::figure_index();
            d.insert(p.to_string(), out.digest(&p));
        }
        let inputs = self.document_inputs(doc)?;
        d.insert(inputs.manifest_name.clone(), inputs.digest.clone());
        Ok(d)
    }

    /// The manifest of `doc`'s inputs.
    pub fn document_inputs(&self, doc: &Document) -> Result<&pipeline::DocumentInputs> {
        self.provenance
            .documents
            .iter()
            .find(|d| d.stem == doc.stem)
            .with_context(|| format!("no input manifest for document {}", doc.stem))
    }

    /// A PDF depends on every file Typst read for it last time (its `--deps` list),
    /// the fonts, the Typst version and the timestamp.
    fn pdf_inputs(&self, doc: &Document, out: &OutDir) -> Digests {
        let mut d = Digests::new();
        d.insert("typst".into(), TYPST_VERSION.into());
        d.insert("timestamp".into(), self.timestamp.to_string());
        for (path, digest) in self
            .inputs
            .iter()
            .filter(|(p, _)| doc.reads_input(p) && p.starts_with("report/fonts/"))
        {
            d.insert(path.clone(), digest.clone());
        }
        let deps_file = OutPath::deps(doc);
        let deps = out
            .read(&deps_file)
            .ok()
            .and_then(|b| serde_json::from_slice::<TypstDeps>(&b).ok());
        match deps {
            Some(deps) => {
                for file in deps.inputs {
                    // Typst lists paths inside its root; anything else is never equal
                    // to a recorded digest, so the PDF stays stale.
                    let digest = OutPath::new(&file).map_or_else(
                        |_| "outside the output folder".to_owned(),
                        |p| out.digest(&p),
                    );
                    d.insert(file, digest);
                }
            }
            None => {
                let source = OutPath::source(doc);
                d.insert(source.to_string(), out.digest(&source));
                d.insert(deps_file.to_string(), "missing".into());
            }
        }
        d
    }

    /// The lock of what is now in `out`.
    pub fn lock(&self, out: &OutDir) -> Result<Lock> {
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
        for stats in [OutPath::stats_json(), OutPath::public_stats()] {
            lock.derived.insert(stats.to_string(), out.digest(&stats));
        }
        let index: BTreeMap<String, String> =
            serde_json::from_slice(&out.read(&OutPath::figure_index())?)
                .context("reading the figure index")?;
        for name in index.keys() {
            let figure = OutPath::figure(name)?;
            lock.derived.insert(figure.to_string(), out.digest(&figure));
        }
        for doc in &DOCUMENTS {
            let source = OutPath::source(doc);
            lock.derived.insert(source.to_string(), out.digest(&source));
            let pdf = OutPath::pdf(doc);
            lock.outputs.insert(pdf.to_string(), out.digest(&pdf));
        }
        Ok(lock)
    }
}

/// The part of Typst's `--deps` JSON that names the files it read.
#[derive(serde::Deserialize)]
struct TypstDeps {
    inputs: Vec<String>,
}

/// Typst's `--deps` JSON for `pdf`, made reproducible: Typst names the temporary file
/// it wrote (a random name) as the output; the settled file names the PDF instead and
/// lists the inputs sorted, so two builds of the same inputs leave the same bytes.
pub fn settled_deps(typst_deps: &[u8], pdf: &OutPath) -> Result<Vec<u8>> {
    let mut deps: TypstDeps =
        serde_json::from_slice(typst_deps).context("reading Typst's list of the files it read")?;
    deps.inputs.sort();
    deps.inputs.dedup();
    let settled = serde_json::json!({ "inputs": deps.inputs, "outputs": [pdf.as_str()] });
    Ok(serde_json::to_vec(&settled)?)
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
        let bytes =
            std::fs::read(layout.root.join(rel)).with_context(|| format!("reading {rel}"))?;
        files.push((rel.to_owned(), bytes));
    }
    for crate_dir in ["pipeline/src", "xtask/src"] {
        let dir = layout.root.join(crate_dir);
        for path in fsio::sorted_files(&dir, usize::MAX)? {
            let rel = fsio::relative(&path, &dir)?;
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.push((format!("{crate_dir}/{rel}"), bytes));
        }
    }
    Ok(sha256_hex(
        manifest::render(&fsio::entries(&files)).as_bytes(),
    ))
}
