//! File-system input and output: reading a study and its templates, hashing every
//! input, and writing outputs atomically.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use pipeline::diag::{Problem, Problems};
use pipeline::load::{EXCERPTS, ORGANISATIONS, TIES};
use pipeline::manifest::{Entry, sha256_hex};
use pipeline::render::TemplateSource;
use pipeline::study::STUDY_FILE;
use walkdir::WalkDir;

/// The bytes of a study's four files.
#[derive(Debug, Clone)]
pub struct StudyBytes {
    /// `study.toml`.
    pub config: Vec<u8>,
    /// `raw/organisations.csv`.
    pub organisations: Vec<u8>,
    /// `raw/ties.csv`.
    pub ties: Vec<u8>,
    /// `raw/excerpts.csv`.
    pub excerpts: Vec<u8>,
}

impl StudyBytes {
    /// Borrows the bytes as the pipeline's input.
    pub fn files(&self) -> pipeline::load::StudyFiles<'_> {
        pipeline::load::StudyFiles {
            config: &self.config,
            organisations: &self.organisations,
            ties: &self.ties,
            excerpts: &self.excerpts,
        }
    }
}

/// Reads a study folder; every missing file is reported, all at once.
pub fn read_study(dir: &Path) -> Result<StudyBytes> {
    let mut problems = Vec::new();
    let mut read = |rel: &str| match fs::read(dir.join(rel)) {
        Ok(bytes) => bytes,
        Err(e) => {
            problems.push(Problem::file(
                rel,
                format!("cannot be read ({e}); expected it in {}", dir.display()),
            ));
            Vec::new()
        }
    };
    let bytes = StudyBytes {
        config: read(STUDY_FILE),
        organisations: read(ORGANISATIONS),
        ties: read(TIES),
        excerpts: read(EXCERPTS),
    };
    if problems.is_empty() {
        Ok(bytes)
    } else {
        Err(Problems::new(problems).into())
    }
}

/// Reads the templates (`report/*.j2`) in name order.
pub fn read_templates(report_dir: &Path) -> Result<Vec<TemplateSource>> {
    let mut out = Vec::new();
    for path in sorted_files(report_dir, 1)? {
        let name = file_name(&path);
        if name.ends_with(".j2") {
            let source = fs::read_to_string(&path)
                .with_context(|| format!("reading template {}", path.display()))?;
            out.push(TemplateSource { name, source });
        }
    }
    Ok(out)
}

/// Every file under `dir` (to `depth` levels), sorted by path, hidden files skipped.
pub fn sorted_files(dir: &Path, depth: usize) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in WalkDir::new(dir)
        .max_depth(depth)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let hidden = entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type().is_file() && !hidden {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// `path` relative to `dir`, `/`-separated.
pub fn relative(path: &Path, dir: &Path) -> Result<String> {
    let rel = path
        .strip_prefix(dir)
        .with_context(|| format!("{} is outside {}", path.display(), dir.display()))?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(parts.join("/"))
}

/// The inputs that shape the outputs, with their logical `/`-separated paths:
/// `data/<file>` for the study (wherever its folder is) and `report/<file>` for the
/// templates, the Typst library and the fonts. Documentation (`*.md`) and licence
/// texts (`*.txt`) beside them shape nothing and are not inputs.
pub fn inputs(study_dir: &Path, report_dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for (prefix, dir, depth) in [
        ("data", study_dir, usize::MAX),
        ("report", report_dir, usize::MAX),
    ] {
        for path in sorted_files(dir, depth)? {
            if path.extension().is_some_and(|e| e == "md" || e == "txt") {
                continue;
            }
            let rel = relative(&path, dir)?;
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            out.push((format!("{prefix}/{rel}"), bytes));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Digests of inputs, as manifest entries.
///
/// The files are hashed on two threads (the fonts dominate); the result keeps the
/// order of `files`.
pub fn entries(files: &[(String, Vec<u8>)]) -> Vec<Entry> {
    let hash = |part: &[(String, Vec<u8>)]| -> Vec<Entry> {
        part.iter()
            .map(|(path, bytes)| Entry {
                path: path.clone(),
                sha256: sha256_hex(bytes),
            })
            .collect()
    };
    // Split by bytes, not by count, so both threads get about half the work.
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mut acc = 0;
    let cut = files
        .iter()
        .position(|(_, b)| {
            acc += b.len();
            acc >= total / 2
        })
        .map_or(files.len(), |i| i + 1);
    let (a, b) = files.split_at(cut);
    std::thread::scope(|s| {
        let second = s.spawn(|| hash(b));
        let mut out = hash(a);
        out.extend(second.join().unwrap_or_else(|_| hash(b)));
        out
    })
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename,
/// so a reader (or a killed run) sees either the old file or the new one, never half.
/// An identical existing file is left alone.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let dir = path.parent().context("output path has no folder")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".{}.tmp{}", file_name(path), std::process::id()));
    let mut f = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", tmp.display()))?;
    // No fsync: the rename already makes a killed run harmless, and every output can
    // be rebuilt bit for bit, so durability across a power cut is not worth a disk
    // flush per file (it was most of a cold run's own time).
    drop(f);
    fs::rename(&tmp, path).with_context(|| format!("moving {} into place", path.display()))
}

/// The file name of `path` as text.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
