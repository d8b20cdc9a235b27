//! The one place the generator reads the study configuration: [`StudyShape::of`]
//! extracts what a synthetic study must follow (dimensions and their category ids,
//! the primary dimension, the waves, the codebook) into plain data. Everything else
//! in [`crate::synth`] works on the shape, so a change to the configuration's types
//! is an edit of this file only.

use crate::study::{CodeKind, StudyConfig};

/// What the generator needs to know about a study.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyShape {
    /// The dimensions of difference, in the order of `study.toml` (the order in
    /// which they are drawn, so a dimension can depend on an earlier one).
    pub dimensions: Vec<ShapeDimension>,
    /// Index into `dimensions` of the primary dimension (the key population).
    pub primary: usize,
    /// Wave ids in chronological order.
    pub waves: Vec<String>,
    /// The codebook, in its order.
    pub codes: Vec<ShapeCode>,
    /// The header of `raw/organisations.csv`, as the loader expects it.
    pub org_columns: Vec<String>,
}

/// A dimension: its column and its category ids in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeDimension {
    /// The column of `raw/organisations.csv`.
    pub column: String,
    /// Category ids.
    pub categories: Vec<String>,
}

impl ShapeDimension {
    /// The position of category `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|c| c == id)
    }
}

/// A code of the codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeCode {
    /// The id written in `raw/excerpts.csv`.
    pub id: String,
    /// Its label (used in placeholder texts when `synth.toml` gives none).
    pub label: String,
    /// Its kind as written in `study.toml` (`challenge`, `benefit`,
    /// `recommendation`), which selects the lead-ins of its excerpts.
    pub kind: &'static str,
}

/// The kinds of code, as [`ShapeCode::kind`] names them.
pub const CODE_KINDS: [&str; 3] = ["challenge", "benefit", "recommendation"];

impl StudyShape {
    /// The shape of a parsed (and checked) `study.toml`.
    pub fn of(config: &StudyConfig) -> StudyShape {
        let dimensions: Vec<ShapeDimension> = config
            .dimensions
            .iter()
            .map(|d| ShapeDimension {
                column: d.column.clone(),
                categories: d.categories.iter().map(|c| c.id.clone()).collect(),
            })
            .collect();
        let primary = config.primary.get();
        StudyShape {
            primary,
            waves: config.waves.iter().map(|w| w.id.clone()).collect(),
            codes: config
                .codebook
                .iter()
                .map(|c| ShapeCode {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    kind: match c.kind {
                        CodeKind::Challenge => CODE_KINDS[0],
                        CodeKind::Benefit => CODE_KINDS[1],
                        CodeKind::Recommendation => CODE_KINDS[2],
                    },
                })
                .collect(),
            org_columns: crate::load::org_columns(config)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            dimensions,
        }
    }

    /// The dimension stored in `column`, by index.
    pub fn dimension(&self, column: &str) -> Option<usize> {
        self.dimensions.iter().position(|d| d.column == column)
    }

    /// The dimensions' columns, for messages.
    pub fn columns(&self) -> String {
        self.dimensions
            .iter()
            .map(|d| d.column.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
