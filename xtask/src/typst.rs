//! The pinned Typst CLI: finding it, installing it once per machine, and running it
//! with a controlled environment. This is the only module that spawns Typst.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

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
    /// Finds the pinned Typst: on the `PATH` if it reports exactly the pinned version,
    /// else in the per-user cache, else installs it there with `cargo install`.
    pub fn ensure() -> Result<Typst> {
        if let Some(t) = Typst::probe(Path::new("typst")) {
            if t.version == TYPST_VERSION {
                return Ok(t);
            }
            eprintln!(
                "note: ignoring typst {} on PATH; this project is pinned to {TYPST_VERSION}",
                t.version
            );
        }
        let root = cache_root()?.join(format!("typst-{TYPST_VERSION}"));
        let bin = root
            .join("bin")
            .join(if cfg!(windows) { "typst.exe" } else { "typst" });
        if let Some(t) = Typst::probe(&bin) {
            return t.checked();
        }
        eprintln!(
            "Typst {TYPST_VERSION} is not installed; installing it once into {} with cargo \
             (this compiles Typst from source and takes about 15 minutes on 2 cores)...",
            root.display()
        );
        install(&root)?;
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
        })
    }

    /// Compiles one document, returning Typst's warnings (empty when clean).
    pub fn compile(&self, job: &CompileJob<'_>) -> Result<Vec<String>> {
        // Check the version before every use: the binary could have been replaced.
        let current = Typst::probe(&self.path)
            .with_context(|| format!("{} no longer runs", self.path.display()))?;
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

/// The per-user cache folder for tools: `$BTG_CACHE_DIR`, else `$XDG_CACHE_HOME` or
/// `~/.cache` (Unix), or `%LOCALAPPDATA%` (Windows), plus `btg-pipeline`.
pub fn cache_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("BTG_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .context("cannot find a cache folder: set BTG_CACHE_DIR or HOME")?;
    Ok(base.join("btg-pipeline"))
}

fn install(root: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
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
        .context("running cargo install typst-cli")?;
    if !status.success() {
        bail!("cargo install typst-cli {TYPST_VERSION} failed ({status})");
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
}
