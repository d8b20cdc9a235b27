//! Every path the pipeline uses, derived once from the repository root, so nothing
//! depends on the current directory.

use std::path::{Path, PathBuf};

/// The repository's folders.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The repository root.
    pub root: PathBuf,
}

impl Layout {
    /// The layout of the repository this binary was built from.
    pub fn from_manifest_dir() -> Layout {
        let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
        Layout {
            root: xtask.parent().unwrap_or(xtask).to_path_buf(),
        }
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
        self.root.join("report").join("fonts")
    }

    /// Committed copies of the shipped study's figures.
    pub fn figures(&self) -> PathBuf {
        self.root.join("figures")
    }

    /// The default build folder of the shipped study (ignored by git).
    pub fn build(&self) -> PathBuf {
        self.root.join("target").join("report")
    }

    /// The committed input manifest of the shipped study.
    pub fn inputs_manifest(&self) -> PathBuf {
        self.root.join("inputs.sha256")
    }

    /// The committed lock of the shipped study's build.
    pub fn lock(&self) -> PathBuf {
        self.root.join("report.lock")
    }

    /// The scratch folder `verify` rebuilds into.
    pub fn scratch(&self) -> PathBuf {
        self.root.join("target").join("verify")
    }
}
