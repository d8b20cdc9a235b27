//! The output folder of a build and every name in it. Each file a build writes is an
//! [`OutPath`]: a relative, `/`-separated path of normal components only, so no name
//! (figure names come from the study's ids) can point outside the folder. Every write
//! goes through [`OutDir::write`], which also refuses a folder that resolves outside
//! the output folder (a symbolic link).

use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use pipeline::Document;
use pipeline::document::{self, FIGURES_DIR};
use pipeline::manifest::sha256_hex;

use crate::fsio;

/// The full input manifest, in the output folder and at the repository root.
pub const INPUTS_MANIFEST: &str = "inputs.sha256";
/// The lock of a build, in the output folder and at the repository root.
pub const LOCK: &str = "report.lock";
/// The full statistics (kept with the author).
pub const STATS_JSON: &str = "stats.json";
/// The public statistics: what the documents show, and what the brief attaches.
pub const PUBLIC_STATS_JSON: &str = "stats.public.json";
/// The cached network statistics (full-precision JSON).
pub const NETWORK_CACHE: &str = ".cache/network.json";
/// The figures' alternative texts by name, written by the figures stage.
pub const FIGURE_INDEX: &str = "figures/index.json";
/// The stage cache.
pub const RECORD: &str = ".stages.json";
/// The file locked while a build writes into the folder.
pub const BUILD_LOCK: &str = ".build-lock";
/// The shared Typst library, copied next to the sources.
pub const LIBRARY: &str = "lib.typ";
/// The sub-folders a build writes into (besides the folder itself).
const SUBFOLDERS: [&str; 2] = [FIGURES_DIR, ".cache"];

/// Why a path may not be used inside the output folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to write {path:?} into the output folder: {why}")]
pub struct UnsafePath {
    /// The path asked for.
    pub path: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// A checked path inside the output folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutPath(String);

impl OutPath {
    /// Checks `rel`: not empty, `/`-separated, and every part a normal name (no `..`,
    /// `.`, empty part, root, drive, backslash or NUL).
    pub fn new(rel: &str) -> Result<OutPath, UnsafePath> {
        let refuse = |why| UnsafePath {
            path: rel.to_owned(),
            why,
        };
        if rel.is_empty() {
            return Err(refuse("the path is empty"));
        }
        if rel.contains(['\\', '\0']) {
            return Err(refuse("it holds a backslash or a NUL character"));
        }
        if Path::new(rel).is_absolute() || rel.starts_with('/') {
            return Err(refuse("it is absolute"));
        }
        for part in rel.split('/') {
            match part {
                "" => return Err(refuse("it has an empty part")),
                "." | ".." => return Err(refuse("it has a `.` or `..` part")),
                _ => {}
            }
        }
        if !Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(refuse("it is not a plain relative path"));
        }
        Ok(OutPath(rel.to_owned()))
    }

    /// A name this module spells itself (checked in the tests).
    fn known(rel: &str) -> OutPath {
        OutPath(rel.to_owned())
    }

    /// `stats.json`.
    pub fn stats_json() -> OutPath {
        OutPath::known(STATS_JSON)
    }

    /// `stats.public.json`.
    pub fn public_stats() -> OutPath {
        OutPath::known(PUBLIC_STATS_JSON)
    }

    /// `.cache/network.json`.
    pub fn network_cache() -> OutPath {
        OutPath::known(NETWORK_CACHE)
    }

    /// `figures/index.json`.
    pub fn figure_index() -> OutPath {
        OutPath::known(FIGURE_INDEX)
    }

    /// `figures/<name>.svg`; refused when `name` would leave the figures folder.
    pub fn figure(name: &str) -> Result<OutPath, UnsafePath> {
        let path = OutPath::new(&document::figure_file(name))?;
        if name.contains('/') {
            return Err(UnsafePath {
                path: path.0,
                why: "a figure name holds a `/`",
            });
        }
        Ok(path)
    }

    /// `<stem>.typ`.
    pub fn source(doc: &Document) -> OutPath {
        OutPath::known(&format!("{}.typ", doc.stem))
    }

    /// `<stem>.pdf`.
    pub fn pdf(doc: &Document) -> OutPath {
        OutPath::known(&format!("{}.pdf", doc.stem))
    }

    /// `.<stem>.deps.json`: the files Typst read for the document.
    pub fn deps(doc: &Document) -> OutPath {
        OutPath::known(&format!(".{}.deps.json", doc.stem))
    }

    /// `<stem>.inputs.sha256`: the manifest of the document's inputs.
    pub fn doc_manifest(doc: &Document) -> OutPath {
        OutPath::known(&doc.inputs_manifest())
    }

    /// `inputs.sha256`.
    pub fn inputs_manifest() -> OutPath {
        OutPath::known(INPUTS_MANIFEST)
    }

    /// `report.lock`.
    pub fn lock() -> OutPath {
        OutPath::known(LOCK)
    }

    /// `.stages.json`.
    pub fn record() -> OutPath {
        OutPath::known(RECORD)
    }

    /// `lib.typ`.
    pub fn library() -> OutPath {
        OutPath::known(LIBRARY)
    }

    /// The path as text, `/`-separated.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name of a committed figure (`figures/x.svg` gives `x.svg`), if it is one.
    pub fn figure_file_name(&self) -> Option<&str> {
        self.0
            .strip_prefix(FIGURES_DIR)
            .and_then(|r| r.strip_prefix('/'))
            .filter(|n| n.ends_with(".svg"))
    }
}

impl fmt::Display for OutPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `root/rel` when `rel` is a safe relative path (see [`OutPath::new`]).
pub fn safe_join(root: &Path, rel: &str) -> Result<PathBuf, UnsafePath> {
    Ok(root.join(OutPath::new(rel)?.0))
}

/// An output folder.
#[derive(Debug, Clone)]
pub struct OutDir {
    root: PathBuf,
}

impl OutDir {
    /// The output folder at `root` (not created).
    pub fn new(root: impl Into<PathBuf>) -> OutDir {
        OutDir { root: root.into() }
    }

    /// Creates the folder if needed.
    pub fn create(root: impl Into<PathBuf>) -> Result<OutDir> {
        let dir = OutDir::new(root);
        fs::create_dir_all(&dir.root)
            .with_context(|| format!("creating {}", dir.root.display()))?;
        Ok(dir)
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `p` is on disk.
    pub fn path(&self, p: &OutPath) -> PathBuf {
        self.root.join(&p.0)
    }

    /// Reads `p`.
    pub fn read(&self, p: &OutPath) -> Result<Vec<u8>> {
        let path = self.path(p);
        fs::read(&path).with_context(|| format!("reading {}", path.display()))
    }

    /// The SHA-256 of `p`, or `missing`.
    pub fn digest(&self, p: &OutPath) -> String {
        fs::read(self.path(p)).map_or_else(|_| "missing".to_owned(), |b| sha256_hex(&b))
    }

    /// The folder `p` will be written into, created, after checking that it resolves
    /// inside the output folder.
    pub fn prepare(&self, p: &OutPath) -> Result<PathBuf> {
        let path = self.path(p);
        let dir = path.parent().context("output path has no folder")?;
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let root = fs::canonicalize(&self.root)
            .with_context(|| format!("resolving {}", self.root.display()))?;
        let real = fs::canonicalize(dir).with_context(|| format!("resolving {}", dir.display()))?;
        if !real.starts_with(&root) {
            bail!(
                "refusing to write {p}: its folder {} resolves to {}, outside the output folder {}",
                dir.display(),
                real.display(),
                root.display()
            );
        }
        Ok(path)
    }

    /// Writes `bytes` to `p` atomically (see [`fsio::write_atomic`]).
    pub fn write(&self, p: &OutPath, bytes: &[u8]) -> Result<()> {
        let path = self.prepare(p)?;
        fsio::write_atomic(&path, bytes)
    }

    /// Removes what killed runs left behind: temporary files of the atomic writer in
    /// the folders a build writes into. Call it only while holding the build lock.
    /// Returns how many files were removed.
    pub fn remove_leftovers(&self) -> Result<usize> {
        let mut removed = 0;
        let dirs =
            std::iter::once(self.root.clone()).chain(SUBFOLDERS.iter().map(|s| self.root.join(s)));
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_file = entry.file_type().is_ok_and(|t| t.is_file());
                if is_file && fsio::is_temporary(&name) {
                    fs::remove_file(entry.path()).with_context(|| {
                        format!("removing the leftover {}", entry.path().display())
                    })?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_accepted() {
        for ok in [
            "stats.json",
            "figures/a.svg",
            ".cache/network.json",
            "a-b_c.d",
        ] {
            assert_eq!(OutPath::new(ok).map(|p| p.0), Ok(ok.to_owned()));
        }
        let why = |rel: &str| OutPath::new(rel).err().map(|e| e.why);
        assert_eq!(why(""), Some("the path is empty"));
        assert_eq!(why("/etc/passwd"), Some("it is absolute"));
        assert_eq!(why("../x"), Some("it has a `.` or `..` part"));
        assert_eq!(why("figures/../../x"), Some("it has a `.` or `..` part"));
        assert_eq!(why("./x"), Some("it has a `.` or `..` part"));
        assert_eq!(why("a//b"), Some("it has an empty part"));
        assert_eq!(why("a/"), Some("it has an empty part"));
        assert_eq!(
            why("a\\..\\b"),
            Some("it holds a backslash or a NUL character")
        );
        assert_eq!(why("a\0b"), Some("it holds a backslash or a NUL character"));
        let err = OutPath::figure("../../x").expect_err("escapes");
        assert_eq!(
            err.to_string(),
            "refusing to write \"figures/../../x.svg\" into the output folder: it has a `.` or `..` part"
        );
        assert!(OutPath::figure("a/b").is_err());
        assert_eq!(
            OutPath::figure("network-before").map(|p| p.0),
            Ok("figures/network-before.svg".to_owned())
        );
        assert!(safe_join(Path::new("/out"), "../x").is_err());
        assert_eq!(
            safe_join(Path::new("/out"), "figures/a.svg"),
            Ok(PathBuf::from("/out/figures/a.svg"))
        );
    }

    #[test]
    fn every_name_spelled_here_is_a_safe_path() {
        let mut names = vec![
            OutPath::stats_json(),
            OutPath::network_cache(),
            OutPath::figure_index(),
            OutPath::inputs_manifest(),
            OutPath::lock(),
            OutPath::record(),
            OutPath::library(),
            OutPath::known(BUILD_LOCK),
        ];
        for doc in &pipeline::DOCUMENTS {
            names.push(OutPath::source(doc));
            names.push(OutPath::pdf(doc));
            names.push(OutPath::deps(doc));
            names.push(OutPath::doc_manifest(doc));
        }
        for n in names {
            assert_eq!(OutPath::new(n.as_str()), Ok(n.clone()));
            assert!(!fsio::is_temporary(n.as_str()), "{n}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_linked_outside_is_refused() {
        let out = tempfile::tempdir().expect("temp dir");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        std::os::unix::fs::symlink(elsewhere.path(), out.path().join("figures")).expect("link");
        let dir = OutDir::new(out.path());
        let p = OutPath::figure("x").expect("safe name");
        let err = dir.write(&p, b"svg").expect_err("refused");
        assert!(
            format!("{err:#}").contains("outside the output folder"),
            "{err:#}"
        );
        assert!(!elsewhere.path().join("x.svg").exists());
        dir.write(&OutPath::stats_json(), b"{}")
            .expect("a plain write works");
        assert_eq!(dir.read(&OutPath::stats_json()).expect("read"), b"{}");
    }

    #[test]
    fn leftovers_of_killed_runs_are_removed_and_nothing_else() {
        let out = tempfile::tempdir().expect("temp dir");
        let dir = OutDir::new(out.path());
        fs::create_dir_all(out.path().join("figures")).expect("mkdir");
        let keep = [
            "brief.pdf",
            ".stages.json",
            ".brief.deps.json",
            "figures/a.svg",
        ];
        let drop = [
            ".brief.tmp1234.pdf",
            ".stats.json.tmp99",
            ".deck.pdf.AbC123.tmp",
            "figures/.a.svg.x1Y2z3.tmp",
        ];
        for f in keep.iter().chain(drop.iter()) {
            fs::write(out.path().join(f), b"x").expect("write");
        }
        assert_eq!(dir.remove_leftovers().expect("cleans"), drop.len());
        for f in keep {
            assert!(out.path().join(f).exists(), "{f} was removed");
        }
        for f in drop {
            assert!(!out.path().join(f).exists(), "{f} was kept");
        }
    }
}
