//! `cargo xtask diff OLD NEW`: what changed between two editions of a study, for a
//! funder or reviewer who holds one brief and received another.
//!
//! Each side is a brief PDF (its attached statistics and input manifest are read), a
//! `report.lock` (with the build folder holding what it records), or a study folder
//! (its statistics derived on the fly, without Typst). The comparison itself is
//! `pipeline::changes::compare`; this module only reads the sides and prints.
//!
//! Exit codes: 0 the two carry the same evidence; 1 they differ; 2 they could not be
//! compared (the error names the file and says why in one line).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use pipeline::changes::{self, Changes};
use pipeline::evidence::{self, Evidence};
use pipeline::lock::Lock;
use pipeline::manifest::{self, sha256_hex};
use pipeline::study::STUDY_FILE;
use pipeline::{Provenance, stage};

use crate::fsio::Inputs;
use crate::layout::Layout;
use crate::plan;
use crate::settings;
use crate::typst::TYPST_VERSION;

/// The name of a build's lock file.
const LOCK_FILE: &str = "report.lock";

/// Flags of `diff`.
#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The edition you hold: a brief PDF, a report.lock, or a study folder.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The edition you received, in any of the same forms.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// `text` for people, `json` for scripts (the same content, stable keys).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How the comparison is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Lines for people.
    #[default]
    Text,
    /// `Changes` as JSON.
    Json,
}

/// Runs `diff`: prints the comparison and returns 0 (same evidence) or 1 (differs).
pub fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let changes = compare(&args.old, &args.new)?;
    let text = match args.format {
        Format::Text => changes.render_text(
            &args.old.display().to_string(),
            &args.new.display().to_string(),
        ),
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&changes)?),
    };
    // A reader that stops early (`| head`) is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(e).context("writing to standard output");
        }
        _ => {}
    }
    Ok(if changes.same_evidence {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads both sides and compares them.
pub fn compare(old: &Path, new: &Path) -> Result<Changes> {
    let old = read_side(old)?;
    let new = read_side(new)?;
    Ok(changes::compare(&old, &new))
}

/// The evidence of one side, whatever its form; errors name the path.
pub fn read_side(path: &Path) -> Result<Evidence> {
    let name = path.display().to_string();
    let meta = fs::metadata(path).with_context(|| {
        format!("{name}: cannot be read; expected a brief PDF, a report.lock or a study folder")
    })?;
    if meta.is_dir() {
        if path.join(STUDY_FILE).is_file() {
            return study_side(path).with_context(|| name.clone());
        }
        if path.join(LOCK_FILE).is_file() {
            return lock_side(&path.join(LOCK_FILE)).with_context(|| name.clone());
        }
        bail!(
            "{name}: a folder with neither {STUDY_FILE} nor {LOCK_FILE}; expected a brief PDF, a report.lock or a study folder"
        );
    }
    let bytes = fs::read(path).with_context(|| format!("{name}: cannot be read"))?;
    let is_lock = !bytes.starts_with(b"%PDF")
        && (path.extension().is_some_and(|e| e == "lock")
            || std::str::from_utf8(&bytes).is_ok_and(|t| Lock::parse(t).is_ok()));
    if is_lock {
        return lock_side(path).with_context(|| name.clone());
    }
    evidence::from_pdf(&bytes).with_context(|| name.clone())
}

/// A `report.lock` with the build folder that holds what it records: the lock's own
/// folder (a build folder such as `target/report/`), or `target/report/` beside the
/// repository's committed lock. The statistics and the brief's input manifest must be
/// the ones the lock records.
fn lock_side(lock_path: &Path) -> Result<Evidence> {
    let text = fs::read_to_string(lock_path).context("cannot be read")?;
    let lock = Lock::parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "not a report.lock ({}); expected a brief PDF, a report.lock or a study folder",
            e.message().trim()
        )
    })?;
    let dir = lock_path.parent().unwrap_or(Path::new("."));
    let recorded = |layer: &std::collections::BTreeMap<String, String>, key: &str| {
        layer.get(key).cloned().unwrap_or_default()
    };
    let stats_digest = recorded(&lock.derived, evidence::STATS_ATTACHMENT);
    let candidates = [dir.to_path_buf(), dir.join("target").join("report")];
    let Some(build) = candidates.iter().find(|d| {
        fs::read(d.join(evidence::STATS_ATTACHMENT)).is_ok_and(|b| sha256_hex(&b) == stats_digest)
    }) else {
        bail!(
            "no build folder holds the public statistics it records (looked in {}); run `cargo xtask report` to rebuild it, or compare the brief PDF instead",
            candidates
                .iter()
                .map(|c| c.display().to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        );
    };
    let stats_bytes = fs::read(build.join(evidence::STATS_ATTACHMENT))?;
    let stats = evidence::parse_stats(&stats_bytes).map_err(|why| {
        anyhow::anyhow!(
            "{}: {why}",
            build.join(evidence::STATS_ATTACHMENT).display()
        )
    })?;
    let manifest_name = "brief.inputs.sha256";
    let manifest_path = build.join(manifest_name);
    let manifest_text = fs::read_to_string(&manifest_path)
        .with_context(|| format!("{}: cannot be read", manifest_path.display()))?;
    if sha256_hex(manifest_text.as_bytes()) != recorded(&lock.inputs, manifest_name) {
        bail!(
            "{} is not the manifest the lock records; run `cargo xtask report` to rebuild the folder",
            manifest_path.display()
        );
    }
    let inputs = manifest::parse(&manifest_text)
        .with_context(|| format!("{}: not a sha256sum manifest", manifest_path.display()))?;
    // The study version and date are in the brief's metadata, when the brief there is
    // the one the lock records.
    let pdf_digest = lock.outputs.get("brief.pdf").cloned();
    let from_pdf = fs::read(build.join("brief.pdf"))
        .ok()
        .filter(|b| Some(sha256_hex(b)) == pdf_digest)
        .and_then(|b| evidence::from_pdf(&b).ok());
    Ok(Evidence {
        version: from_pdf.as_ref().and_then(|e| e.version.clone()),
        created: from_pdf.as_ref().and_then(|e| e.created.clone()),
        tools: lock.tools.clone(),
        inputs: evidence::sorted(inputs),
        stats,
        file_digest: pdf_digest,
    })
}

/// A study folder: validated and its statistics derived here (no Typst), with the
/// input manifest its brief would carry (the study's files and this checkout's
/// templates and fonts).
fn study_side(dir: &Path) -> Result<Evidence> {
    let layout = Layout::find()?;
    let inputs = Inputs::read(dir, &layout.report())?;
    let loaded = pipeline::load::load(inputs.study()?)?;
    let study = loaded.study;
    let threads = settings::threads();
    let computed = stage::statistics(&study, stage::network(&study, threads)?, threads)?;
    // What the brief attaches (the public statistics), read back as the PDF side
    // would read it.
    let value: serde_json::Value = serde_json::from_str(&pipeline::json_text(&computed.public)?)?;
    let provenance = Provenance::new(env!("CARGO_PKG_VERSION"), TYPST_VERSION, &inputs.entries());
    let mut evidence = stage::build_evidence(&study, &value, &provenance);
    evidence
        .tools
        .insert("pipeline".into(), env!("CARGO_PKG_VERSION").into());
    evidence
        .tools
        .insert("code".into(), plan::code_digest(&layout)?);
    Ok(evidence)
}
