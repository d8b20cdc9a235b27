//! Every path of the repository, derived from its root, which is found when the
//! program runs (never compiled in): a binary built in one checkout and run in another
//! works on the one it is run in.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The repository's folders.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The repository root.
    pub root: PathBuf,
}

impl Layout {
    /// The repository this program runs in: the workspace around `CARGO_MANIFEST_DIR`
    /// (which `cargo run` and `cargo test` set to the package being run), else the
    /// workspace around the current directory. A workspace root is a folder holding
    /// `Cargo.toml`, `xtask/Cargo.toml` and `data/`.
    pub fn find() -> Result<Layout> {
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        let cwd = std::env::current_dir().ok();
        for start in manifest.iter().chain(cwd.iter()) {
            if let Some(root) = workspace_root(start) {
                return Ok(Layout { root });
            }
        }
        bail!(
            "cannot find the repository: run `cargo xtask` inside a checkout (a folder with \
             Cargo.toml, xtask/ and data/), or set CARGO_MANIFEST_DIR to its xtask/ folder{}",
            cwd.map(|c| format!(" (current directory: {})", c.display()))
                .unwrap_or_default()
        )
    }

    /// A layout rooted at `root` (for tests).
    pub fn at(root: impl Into<PathBuf>) -> Layout {
        Layout { root: root.into() }
    }

    /// The shipped study.
    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Templates and the shared Typst library.
    pub fn report(&self) -> PathBuf {
        self.root.join("report")
    }

    /// Vendored fonts.
    pub fn fonts(&self) -> PathBuf {
        self.report().join("fonts")
    }

    /// Committed copies of the shipped study's figures.
    pub fn figures(&self) -> PathBuf {
        self.root.join(pipeline::document::FIGURES_DIR)
    }

    /// The default build folder of the shipped study (ignored by git).
    pub fn build(&self) -> PathBuf {
        self.root.join("target").join("report")
    }

    /// The committed input manifest of the shipped study.
    pub fn inputs_manifest(&self) -> PathBuf {
        self.root.join(crate::outdir::INPUTS_MANIFEST)
    }

    /// The committed lock of the shipped study's build.
    pub fn lock(&self) -> PathBuf {
        self.root.join(crate::outdir::LOCK)
    }

    /// The scratch folder `verify` rebuilds into.
    pub fn scratch(&self) -> PathBuf {
        self.root.join("target").join("verify")
    }

    /// The scratch folders of `bench`.
    pub fn bench_scratch(&self) -> PathBuf {
        self.root.join("target").join("bench")
    }
}

/// The nearest folder at or above `start` that is this project's workspace root.
pub fn workspace_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| {
            dir.join("Cargo.toml").is_file()
                && dir.join("xtask").join("Cargo.toml").is_file()
                && dir.join("data").is_dir()
        })
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_found_from_any_folder_inside_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for d in ["xtask/src", "data/raw"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        for f in ["Cargo.toml", "xtask/Cargo.toml"] {
            std::fs::write(root.join(f), "").expect("write");
        }
        assert_eq!(
            workspace_root(&root.join("data/raw")),
            Some(root.to_path_buf())
        );
        assert_eq!(
            workspace_root(&root.join("xtask")),
            Some(root.to_path_buf())
        );
        assert_eq!(workspace_root(root), Some(root.to_path_buf()));
        std::fs::remove_dir_all(root.join("data")).expect("rm");
        assert_eq!(workspace_root(&root.join("xtask")), None);
    }
}
