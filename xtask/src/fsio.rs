//! File-system input and output: reading every input of a build once (the study, the
//! templates, the Typst library and the fonts), hashing those same bytes, and writing
//! outputs atomically.
//!
//! Symbolic links among the inputs are followed, consistently: a linked file (or a
//! file in a linked folder) is read, hashed and keyed by the bytes it points to, under
//! its own path in the study or `report/` folder.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use pipeline::diag::{Problem, Problems};
use pipeline::load::{EXCERPTS, ORGANISATIONS, StudyFiles, TIES};
use pipeline::manifest::{Entry, sha256_hex};
use pipeline::render::TemplateSource;
use pipeline::study::STUDY_FILE;
use walkdir::WalkDir;

/// The logical prefix of the study's files in the input manifest.
pub const DATA_PREFIX: &str = "data";
/// The logical prefix of the templates, the Typst library and the fonts.
pub const REPORT_PREFIX: &str = "report";

/// Every input of a build, read once: the bytes the build uses are the bytes it hashes.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The study folder they were read from (for messages).
    study_dir: PathBuf,
    /// `(logical path, bytes)`, sorted by path: `data/<file>` for the study (wherever
    /// its folder is) and `report/<file>` for the templates, library and fonts.
    files: Vec<(String, Vec<u8>)>,
}

impl Inputs {
    /// Reads every input under `study_dir` and `report_dir`. Documentation (`*.md`)
    /// and licence texts (`*.txt`) shape nothing and are not inputs; hidden files are
    /// skipped.
    pub fn read(study_dir: &Path, report_dir: &Path) -> Result<Inputs> {
        if !study_dir.is_dir() {
            bail!(
                "no study folder {}: expected a folder holding {STUDY_FILE} and raw/",
                study_dir.display()
            );
        }
        let mut files = Vec::new();
        for (prefix, dir) in [(DATA_PREFIX, study_dir), (REPORT_PREFIX, report_dir)] {
            for path in sorted_files(dir, usize::MAX)? {
                if path.extension().is_some_and(|e| e == "md" || e == "txt") {
                    continue;
                }
                let rel = relative(&path, dir)?;
                let bytes =
                    fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                files.push((format!("{prefix}/{rel}"), bytes));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Inputs {
            study_dir: study_dir.to_path_buf(),
            files,
        })
    }

    /// Every input, sorted by logical path.
    pub fn files(&self) -> &[(String, Vec<u8>)] {
        &self.files
    }

    /// The bytes of the input at logical path `path`.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()
            .map(|i| self.files[i].1.as_slice())
    }

    /// The study's four files; every missing one is reported, all at once.
    pub fn study(&self) -> Result<StudyFiles<'_>, Problems> {
        let mut problems = Vec::new();
        let mut get = |rel: &str| {
            self.get(&format!("{DATA_PREFIX}/{rel}"))
                .unwrap_or_else(|| {
                    problems.push(Problem::file(
                        rel,
                        format!("is missing; expected it in {}", self.study_dir.display()),
                    ));
                    &[]
                })
        };
        let files = StudyFiles {
            config: get(STUDY_FILE),
            organisations: get(ORGANISATIONS),
            ties: get(TIES),
            excerpts: get(EXCERPTS),
        };
        if problems.is_empty() {
            Ok(files)
        } else {
            Err(Problems::new(problems))
        }
    }

    /// The templates (`report/*.j2`), in name order.
    pub fn templates(&self) -> Result<Vec<TemplateSource>> {
        let mut out = Vec::new();
        for (path, bytes) in &self.files {
            let Some(name) = path.strip_prefix(&format!("{REPORT_PREFIX}/")) else {
                continue;
            };
            if name.ends_with(".j2") && !name.contains('/') {
                let source = String::from_utf8(bytes.clone())
                    .with_context(|| format!("template {path} is not UTF-8"))?;
                out.push(TemplateSource {
                    name: name.to_owned(),
                    source,
                });
            }
        }
        Ok(out)
    }

    /// The bytes of `report/<name>`.
    pub fn report_file(&self, name: &str) -> Result<&[u8]> {
        let path = format!("{REPORT_PREFIX}/{name}");
        self.get(&path)
            .with_context(|| format!("{path} is missing"))
    }

    /// The digests of every input, as manifest entries.
    pub fn entries(&self) -> Vec<Entry> {
        entries(&self.files)
    }
}

/// Every file under `dir` (to `depth` levels), sorted by path, hidden files skipped,
/// symbolic links followed.
pub fn sorted_files(dir: &Path, depth: usize) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in WalkDir::new(dir)
        .max_depth(depth)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| listing_error(dir, e))?;
        let hidden = entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type().is_file() && !hidden {
            out.push(entry.into_path());
        }
    }
    Ok(out)
}

/// A clear message for a file that cannot be listed, naming it.
fn listing_error(dir: &Path, e: walkdir::Error) -> anyhow::Error {
    let path = e.path().map(Path::to_path_buf);
    match (path, e.loop_ancestor()) {
        (Some(p), Some(ancestor)) => anyhow::anyhow!(
            "{} is a symbolic link to {}, which contains it (a loop); expected links to files or other folders",
            p.display(),
            ancestor.display()
        ),
        (Some(p), None) if p.is_symlink() && !p.exists() => anyhow::anyhow!(
            "{} is a symbolic link to something that does not exist; expected it to point to a file",
            p.display()
        ),
        _ => anyhow::Error::new(e).context(format!("listing {}", dir.display())),
    }
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

/// Digests of files, as manifest entries.
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

/// A new, uniquely named temporary file beside `path` (`.<name>.<random>.tmp`), in a
/// folder that must exist. It is deleted when dropped unless persisted; a killed run
/// leaves it behind, and [`is_temporary`] recognises it so the next run removes it.
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().context("output path has no folder")?;
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{}.", file_name(path));
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // The mode an ordinary `File::create` gives (before the umask), not 0600:
        // outputs are meant to be read by others.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))
}

/// Whether a file name is one of the atomic writer's temporary files, of this version
/// (`.<name>.<random>.tmp`) or an older one (`.<name>.tmp<pid>[.<ext>]`).
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        && name.split('.').skip(2).any(|part| {
            part.strip_prefix("tmp")
                .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// Writes `bytes` to `path` through a uniquely named temporary file in the same folder
/// and a rename, so a reader (or a killed run) sees either the old file or the new
/// one, never half; the temporary file is removed when anything fails. An identical
/// existing file is left alone. The folder is created when missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let dir = path.parent().context("output path has no folder")?;
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing {}", tmp.path().display()))?;
    // No fsync: the rename already makes a killed run harmless, and every output can
    // be rebuilt bit for bit, so durability across a power cut is not worth a disk
    // flush per file (it was most of a cold run's own time).
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("moving {} into place", path.display()))?;
    Ok(())
}

/// The file name of `path` as text.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_recognised() {
        for t in [".brief.tmp1234.pdf", ".x.tmp7", ".a.svg.Q1w2E3.tmp"] {
            assert!(is_temporary(t), "{t}");
        }
        for f in [
            ".stages.json",
            "x.tmp",
            ".tmp",
            "brief.pdf",
            ".brief.deps.json",
        ] {
            assert!(!is_temporary(f), "{f}");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let t = temp_beside(&dir.path().join("brief.pdf")).expect("temp file");
        assert!(is_temporary(&file_name(t.path())), "{}", t.path().display());
    }

    #[test]
    fn an_atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/out.txt");
        write_atomic(&path, b"one").expect("writes");
        write_atomic(&path, b"two").expect("replaces");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        let names: Vec<String> = fs::read_dir(dir.path().join("sub"))
            .expect("list")
            .map(|e| file_name(&e.expect("entry").path()))
            .collect();
        assert_eq!(names, ["out.txt"]);
        // A failed write (the target is a folder) removes its temporary file.
        fs::create_dir_all(dir.path().join("sub/folder/inner")).expect("mkdir");
        assert!(write_atomic(&dir.path().join("sub/folder"), b"x").is_err());
        let mut names: Vec<String> = fs::read_dir(dir.path().join("sub"))
            .expect("list")
            .map(|e| file_name(&e.expect("entry").path()))
            .collect();
        names.sort();
        assert_eq!(names, ["folder", "out.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_inputs_are_read_and_hashed_through_the_link() {
        let study = tempfile::tempdir().expect("temp dir");
        let report = tempfile::tempdir().expect("temp dir");
        let elsewhere = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(study.path().join("raw")).expect("mkdir");
        fs::write(elsewhere.path().join("ties.csv"), b"linked").expect("write");
        std::os::unix::fs::symlink(
            elsewhere.path().join("ties.csv"),
            study.path().join("raw/ties.csv"),
        )
        .expect("link");
        fs::write(report.path().join("a.typ.j2"), b"t").expect("write");
        let inputs = Inputs::read(study.path(), report.path()).expect("reads");
        assert_eq!(inputs.get("data/raw/ties.csv"), Some(&b"linked"[..]));
        let entry = inputs
            .entries()
            .into_iter()
            .find(|e| e.path == "data/raw/ties.csv")
            .expect("hashed");
        assert_eq!(entry.sha256, sha256_hex(b"linked"));
        let missing = inputs.study().expect_err("three files are missing");
        assert_eq!(missing.to_string().matches("is missing").count(), 3);

        std::os::unix::fs::symlink("/nonexistent/x.csv", study.path().join("raw/excerpts.csv"))
            .expect("link");
        let err = Inputs::read(study.path(), report.path()).expect_err("a broken link");
        assert_eq!(
            format!("{err:#}"),
            format!(
                "{} is a symbolic link to something that does not exist; expected it to point to a file",
                study.path().join("raw/excerpts.csv").display()
            )
        );
        fs::remove_file(study.path().join("raw/excerpts.csv")).expect("rm");
        std::os::unix::fs::symlink("..", study.path().join("raw/loop")).expect("link");
        let err = Inputs::read(study.path(), report.path()).expect_err("a loop");
        assert!(format!("{err:#}").contains("(a loop)"), "{err:#}");
    }
}
