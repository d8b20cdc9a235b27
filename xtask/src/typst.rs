//! The pinned Typst CLI: finding it, installing it once per machine, and running it
//! with a controlled environment. This is the only module that spawns Typst.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::settings::{self, CACHE_VAR, TYPST_VAR};

/// The Typst version the documents are built with. Another version may lay pages out
/// differently, so it is refused rather than used.
pub const TYPST_VERSION: &str = "0.15.1";

/// Variables passed through from the caller's environment to Typst. Everything else
/// is cleared, so nothing in a reviewer's shell (`TYPST_*`, `SOURCE_DATE_EPOCH`, a
/// locale) can change the output. Windows needs `SystemRoot` to start a process.
const ENV_ALLOW_LIST: &[&str] = &["SystemRoot"];

/// A Typst binary whose version was checked.
#[derive(Debug, Clone)]
pub struct Typst {
    path: PathBuf,
    version: String,
    /// What the file system said about the binary when its version was read.
    identity: Option<Identity>,
}

/// The size, modification time, inode and status-change time of a file: replacing or
/// rewriting the binary (a reinstall, a copy, `cargo install`) changes at least one of
/// them, so an unchanged identity means the version read earlier still holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64, i64, i64),
}

impl Identity {
    fn of(path: &Path) -> Option<Identity> {
        let m = std::fs::metadata(path).ok()?;
        Some(Identity {
            len: m.len(),
            modified: m.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
            },
        })
    }
}

/// How a document is compiled.
#[derive(Debug, Clone)]
pub struct CompileJob<'a> {
    /// The folder Typst may read from (`--root`); the input and output live in it.
    pub root: &'a Path,
    /// Input file name inside `root`.
    pub input: &'a str,
    /// Output file name inside `root`.
    pub output: &'a str,
    /// Folder of vendored fonts.
    pub fonts: &'a Path,
    /// The documents' creation time, seconds since the epoch, from `study.toml`.
    pub timestamp: i64,
    /// PDF standards to enforce, for example `a-3a,ua-1`.
    pub standards: &'a str,
    /// File name inside `root` for Typst's list of the files it read (`--deps`).
    pub deps: &'a str,
}

impl Typst {
    /// Finds the pinned Typst, in this order: the binary `BTG_TYPST` names (an error
    /// when it is not the pinned version); `typst` on the caller's `PATH`, resolved as
    /// a shell would and used when it reports the pinned version; the per-user cache;
    /// else installs it into the cache with `cargo install`, saying so first.
    pub fn ensure() -> Result<Typst> {
        if let Some(path) = settings::typst_override() {
            let Some(t) = Typst::probe(&path) else {
                bail!(
                    "{TYPST_VAR}={} does not run, or does not answer `--version` like Typst\n\
                     hint: point {TYPST_VAR} at a Typst {TYPST_VERSION} binary, or unset it",
                    path.display()
                );
            };
            if t.version != TYPST_VERSION {
                bail!(
                    "{TYPST_VAR}={} reports typst {}, but this project is pinned to {TYPST_VERSION}\n\
                     hint: point {TYPST_VAR} at a Typst {TYPST_VERSION} binary, or unset it",
                    path.display(),
                    t.version
                );
            }
            return Ok(t);
        }
        if let Some(path) = find_on_path("typst", std::env::var_os("PATH").as_deref()) {
            match Typst::probe(&path) {
                Some(t) if t.version == TYPST_VERSION => return Ok(t),
                Some(t) => eprintln!(
                    "note: ignoring {} (typst {}); this project is pinned to {TYPST_VERSION}",
                    path.display(),
                    t.version
                ),
                None => eprintln!(
                    "note: ignoring {}: it does not answer `--version` like Typst",
                    path.display()
                ),
            }
        }
        let root = cache_root()?.join(format!("typst-{TYPST_VERSION}"));
        let bin = root
            .join("bin")
            .join(if cfg!(windows) { "typst.exe" } else { "typst" });
        if let Some(t) = Typst::probe(&bin) {
            return t.checked();
        }
        install(&root, &bin)?;
        match Typst::probe(&bin) {
            Some(t) => t.checked(),
            None => bail!("cargo install finished but {} does not run", bin.display()),
        }
    }

    /// The binary's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The version it reported.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Refuses a binary whose version is not the pinned one.
    pub fn checked(self) -> Result<Typst> {
        if self.version != TYPST_VERSION {
            bail!(
                "{} reports typst {}, but this project is pinned to {TYPST_VERSION}\n\
                 hint: delete {} and rerun to reinstall",
                self.path.display(),
                self.version,
                self.path.display()
            );
        }
        Ok(self)
    }

    /// Runs `path --version` and parses `typst X.Y.Z (...)`; `None` when it does not
    /// run or does not answer like Typst.
    pub fn probe(path: &Path) -> Option<Typst> {
        let identity = Identity::of(path);
        let out = Command::new(path)
            .arg("--version")
            .env_clear()
            .stdin(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = parse_version(&text)?;
        Some(Typst {
            path: path.to_path_buf(),
            version,
            identity,
        })
    }

    /// Compiles one document, returning Typst's warnings (empty when clean).
    pub fn compile(&self, job: &CompileJob<'_>) -> Result<Vec<String>> {
        // Check the version before every use: the binary could have been replaced.
        // Asking it (`--version`, a process) is needed only when the file changed since
        // it was last asked; otherwise its answer is the one already checked.
        let unchanged = self.identity.is_some() && Identity::of(&self.path) == self.identity;
        let current = if unchanged {
            self.clone()
        } else {
            Typst::probe(&self.path)
                .with_context(|| format!("{} no longer runs", self.path.display()))?
        };
        let current = current.checked()?;
        let mut cmd = Command::new(&current.path);
        cmd.env_clear();
        for key in ENV_ALLOW_LIST {
            if let Some(v) = std::env::var_os(key) {
                cmd.env(key, v);
            }
        }
        cmd.current_dir(job.root)
            .arg("compile")
            .arg("--root")
            .arg(".")
            .arg("--font-path")
            .arg(job.fonts)
            .arg("--ignore-system-fonts")
            .arg("--ignore-embedded-fonts")
            .arg("--creation-timestamp")
            .arg(job.timestamp.to_string())
            .arg("--diagnostic-format")
            .arg("short")
            .arg("--jobs")
            .arg("1");
        // The output is a temporary name without a `.pdf` extension.
        cmd.arg("--format").arg("pdf");
        cmd.arg("--deps").arg(job.deps);
        if !job.standards.is_empty() {
            cmd.arg("--pdf-standard").arg(job.standards);
        }
        cmd.arg(job.input).arg(job.output).stdin(Stdio::null());
        let out = cmd
            .output()
            .with_context(|| format!("running {}", current.path.display()))?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            bail!(
                "typst could not compile {} ({}):\n{}\n{stderr}{}",
                job.input,
                out.status,
                "-".repeat(60),
                "-".repeat(60)
            );
        }
        Ok(stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect())
    }
}

/// Parses the version out of `typst --version` output.
pub fn parse_version(text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    (words.next()? == "typst").then_some(())?;
    let v = words.next()?;
    v.chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        .then(|| v.to_owned())
}

/// The first executable file called `name` in the folders of `path` (a `PATH`
/// value), as an absolute path: what a shell would run. Empty entries are skipped.
pub fn find_on_path(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let file = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_owned()
    };
    std::env::split_paths(path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&file))
        .find(|candidate| is_executable(candidate))
        .and_then(|found| std::path::absolute(found).ok())
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The per-user cache folder for tools: `$BTG_CACHE_DIR`, else `$XDG_CACHE_HOME` or
/// `~/.cache` (Unix), or `%LOCALAPPDATA%` (Windows), plus `btg-pipeline`.
pub fn cache_root() -> Result<PathBuf> {
    if let Some(dir) = settings::cache_override() {
        return Ok(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .with_context(|| format!("cannot find a cache folder: set {CACHE_VAR} or HOME"))?;
    Ok(base.join("btg-pipeline"))
}

/// What to do when Typst cannot be installed here.
fn instead(root: &Path, bin: &Path, why: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "Typst {TYPST_VERSION} is needed to compile the PDFs and could not be installed: {why}\n\
         Do one of these, then rerun:\n\
         \x20 - on a machine with network access and Rust: \
         cargo install typst-cli --version {TYPST_VERSION} --locked --root {}\n\
         \x20 - put a Typst {TYPST_VERSION} binary (a release download of Typst) on your PATH, \
         or copy it to {}\n\
         \x20 - or name it explicitly: {TYPST_VAR}=/path/to/typst",
        root.display(),
        bin.display()
    )
}

/// Installs the pinned Typst into `root` with `cargo install`, announcing it first;
/// when cargo is missing or the install fails, says what to do instead.
fn install(root: &Path, bin: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let runs = Command::new(&cargo)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !runs {
        return Err(instead(
            root,
            bin,
            &format!("cargo ({}) does not run", Path::new(&cargo).display()),
        ));
    }
    eprintln!(
        "Typst {TYPST_VERSION} is not installed; installing it once into {} with cargo \
         (this compiles Typst from source and takes about 15 minutes on 2 cores; cargo's \
         progress follows)...",
        root.display()
    );
    let status = Command::new(&cargo)
        .args([
            "install",
            "typst-cli",
            "--version",
            TYPST_VERSION,
            "--locked",
            "--root",
        ])
        .arg(root)
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("running {} install typst-cli", Path::new(&cargo).display()))?;
    if !status.success() {
        return Err(instead(
            root,
            bin,
            &format!(
                "`cargo install typst-cli --version {TYPST_VERSION}` failed ({status}); \
                 its messages are above (no network?)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_typst_version_lines() {
        assert_eq!(
            parse_version("typst 0.15.1 (8ace67d9)\n").as_deref(),
            Some("0.15.1")
        );
        assert_eq!(parse_version("typst 0.13.0\n").as_deref(), Some("0.13.0"));
        assert_eq!(parse_version("something else 0.15.1"), None);
        assert_eq!(parse_version(""), None);
    }

    #[cfg(unix)]
    #[test]
    fn typst_is_found_on_the_path_like_a_shell_would() {
        use std::os::unix::fs::PermissionsExt;
        let a = tempfile::tempdir().expect("temp dir");
        let b = tempfile::tempdir().expect("temp dir");
        // Not executable in `a`, executable in `b`: the shell runs `b`'s.
        std::fs::write(a.path().join("typst"), "#!/bin/sh\n").expect("write");
        std::fs::write(b.path().join("typst"), "#!/bin/sh\n").expect("write");
        std::fs::set_permissions(
            b.path().join("typst"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
        let path = std::env::join_paths([
            "",
            a.path().to_str().expect("utf-8"),
            b.path().to_str().expect("utf-8"),
        ])
        .expect("joins");
        assert_eq!(
            find_on_path("typst", Some(&path)),
            Some(b.path().join("typst"))
        );
        assert_eq!(find_on_path("typst", Some(a.path().as_os_str())), None);
        assert_eq!(find_on_path("typst", None), None);
    }
}
