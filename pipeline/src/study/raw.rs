//! The wire format of `study.toml`: what serde reads, with the source span of every
//! value a later check may complain about.
//!
//! Nothing outside [`crate::study`] sees these types. [`super::StudyConfig::parse`]
//! checks them and turns them into the validated configuration, whose references are
//! indices; a problem found on the way is reported at the span kept here, so a message
//! points at the value that is wrong, not at the first line that has the same key.
//!
//! Enum-valued keys (`tie_rule`, `network_map`, a code's `kind`) are read as spanned
//! strings and turned into their enums by the checks, so a bad value is reported with
//! the other problems instead of stopping serde. Unknown keys are removed before serde
//! runs ([`super::keys`]); `deny_unknown_fields` stays as a backstop.

use serde::Deserialize;
use toml::Spanned;

use super::{Author, CodeKind, Methods};

/// `study.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub schema: Spanned<u32>,
    pub title: String,
    pub subtitle: String,
    pub short_title: String,
    pub version: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub created: Spanned<String>,
    pub synthetic: bool,
    pub suppression_threshold: Option<Spanned<u32>>,
    pub tie_rule: Spanned<String>,
    pub permutations: Option<u32>,
    pub seed: u64,
    pub authors: Vec<Author>,
    pub event: RawEvent,
    pub waves: Spanned<Vec<RawWave>>,
    pub primary_dimension: Spanned<String>,
    pub vertical_dimension: Option<Spanned<String>>,
    pub dimensions: Spanned<Vec<RawDimension>>,
    pub codebook: Vec<RawCode>,
    pub grid: Option<RawGrid>,
    pub methods: Methods,
    pub previous_brief: Option<Spanned<String>>,
    #[serde(default)]
    pub attach_full_statistics: bool,
    pub network_map: Option<Spanned<String>>,
    pub narrative: Option<RawNarrative>,
}

/// `[event]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvent {
    pub name: String,
    pub place: String,
    pub date: Spanned<String>,
}

/// One `[[waves]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWave {
    pub id: Spanned<String>,
    pub label: String,
    pub text_label: Option<Spanned<String>>,
    pub year: i32,
}

/// One `[[dimensions]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDimension {
    pub column: Spanned<String>,
    pub label: String,
    pub text_label: Option<Spanned<String>>,
    pub categories: Spanned<Vec<RawCategory>>,
}

/// One `[[dimensions.categories]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCategory {
    pub id: Spanned<String>,
    pub label: String,
    pub text_label: Option<Spanned<String>>,
    pub colour: Spanned<String>,
}

/// One `[[codebook]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCode {
    pub id: Spanned<String>,
    pub label: String,
    pub text_label: Option<Spanned<String>>,
    pub kind: Spanned<String>,
}

/// `[grid]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGrid {
    pub rows: Spanned<String>,
    pub columns: Spanned<String>,
}

/// `[narrative]`: the authors' own words.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNarrative {
    pub alliance: Option<String>,
    pub tagline: Option<String>,
    #[serde(default)]
    pub background: Vec<String>,
    #[serde(default)]
    pub questions: Vec<RawQuestion>,
    pub profile: Option<String>,
    #[serde(default)]
    pub conclusions: Vec<RawAuthored>,
    #[serde(default)]
    pub recommendations: Vec<RawAuthored>,
    #[serde(default)]
    pub limitations: Vec<String>,
    #[serde(default)]
    pub discussion: Vec<String>,
    pub discussion_question: Option<String>,
}

/// One `[[narrative.questions]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuestion {
    pub title: String,
    pub text: String,
}

/// One `[[narrative.conclusions]]` or `[[narrative.recommendations]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthored {
    pub text: String,
    pub requires: Option<Spanned<String>>,
}

/// `[event]` with its checked date.
pub(super) fn event(e: RawEvent, date: super::Date) -> super::Event {
    super::Event {
        name: e.name,
        place: e.place,
        date,
    }
}

/// A checked wave.
pub(super) fn wave(w: RawWave) -> super::Wave {
    super::Wave {
        text_label: super::text_label(&w.label, w.text_label.as_ref()),
        id: w.id.into_inner(),
        label: w.label,
        year: w.year,
    }
}

/// A checked code, of its checked `kind`.
pub(super) fn code(c: RawCode, kind: CodeKind) -> super::Code {
    super::Code {
        text_label: super::text_label(&c.label, c.text_label.as_ref()),
        id: c.id.into_inner(),
        label: c.label,
        kind,
    }
}
