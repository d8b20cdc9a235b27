//! The validated study in memory: organisations, directed tie reports, excerpts.
//!
//! Organisations are stored sorted by `org_id` and referred to by their index, so
//! every iteration below is in a fixed order. Every reference is an index that the
//! loader ([`crate::load`]) checked: categories, waves, codes and organisations.

use crate::study::{StudyConfig, TieRule};

/// A partner organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Pseudonymous id.
    pub id: String,
    /// Country of operation.
    pub country: String,
    /// Category index for each dimension, in the order of `config.dimensions`; each
    /// is below its dimension's number of categories.
    pub categories: Vec<usize>,
    /// Whether the survey was sent to it.
    pub surveyed: bool,
    /// Whether it answered.
    pub responded: bool,
}

/// One directed report: in `wave`, `reporter` named `partner`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Report {
    /// Index into `config.waves`.
    pub wave: usize,
    /// Index of the reporting organisation.
    pub reporter: u32,
    /// Index of the organisation named.
    pub partner: u32,
    /// Optional kind of collaboration.
    pub kind: Option<String>,
}

/// Interview or focus group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    /// A one-to-one interview.
    Interview,
    /// A focus group discussion.
    FocusGroup,
}

/// The level at which a participant works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// A local partner.
    Local,
    /// A national organisation.
    National,
    /// A global network or alliance member.
    Global,
}

impl Level {
    /// All levels in display order.
    pub const ALL: [Level; 3] = [Level::Local, Level::National, Level::Global];

    /// The position in [`Level::ALL`].
    pub fn index(self) -> usize {
        match self {
            Level::Local => 0,
            Level::National => 1,
            Level::Global => 2,
        }
    }

    /// The id used in the data.
    pub fn id(self) -> &'static str {
        match self {
            Level::Local => "local",
            Level::National => "national",
            Level::Global => "global",
        }
    }
}

/// A coded excerpt of an interview or focus group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// Excerpt id.
    pub id: String,
    /// The interview or focus group it comes from.
    pub source_id: String,
    /// Interview or focus group.
    pub source_kind: SourceKind,
    /// Participant's level.
    pub level: Level,
    /// Participant's country.
    pub country: String,
    /// Index into the primary dimension's categories.
    pub population: usize,
    /// Indices into the codebook, sorted.
    pub codes: Vec<usize>,
    /// Whether the participant agreed to be quoted.
    pub consent: bool,
    /// The excerpt's words.
    pub text: String,
}

/// A whole validated study.
#[derive(Debug, Clone)]
pub struct Study {
    /// `study.toml`.
    pub config: StudyConfig,
    /// Organisations sorted by id.
    pub orgs: Vec<Org>,
    /// Directed reports, sorted.
    pub reports: Vec<Report>,
    /// Excerpts sorted by id.
    pub excerpts: Vec<Excerpt>,
}

impl Study {
    /// Assembles a study from validated parts.
    pub fn new(
        config: StudyConfig,
        orgs: Vec<Org>,
        reports: Vec<Report>,
        excerpts: Vec<Excerpt>,
    ) -> Study {
        Study {
            config,
            orgs,
            reports,
            excerpts,
        }
    }

    /// Index of the primary dimension in `config.dimensions`.
    pub fn primary_index(&self) -> usize {
        self.config.primary.get()
    }

    /// Each organisation's category index in dimension `k`, in organisation order.
    pub fn labels(&self, k: usize) -> Vec<u32> {
        self.orgs.iter().map(|o| o.categories[k] as u32).collect()
    }

    /// The undirected ties of `wave` under the study's tie rule, as sorted `(a, b)`
    /// pairs with `a < b`.
    ///
    /// A pair is tied under `union` when either side named the other, and under
    /// `reciprocated` when both did. Ties between two non-respondents cannot exist,
    /// since only respondents report; a tie to a non-respondent exists only under
    /// `union`.
    ///
    /// Sorted vectors rather than ordered sets: the same pairs in the same order, at a
    /// fraction of the cost for a million reports.
    pub fn ties(&self, wave: usize) -> Vec<(u32, u32)> {
        let mut directed: Vec<(u32, u32)> = self
            .reports
            .iter()
            .filter(|r| r.wave == wave)
            .map(|r| (r.reporter, r.partner))
            .collect();
        directed.sort_unstable();
        directed.dedup();
        let mut out: Vec<(u32, u32)> = directed
            .iter()
            .filter(|&&(a, b)| match self.config.tie_rule {
                TieRule::Union => true,
                TieRule::Reciprocated => directed.binary_search(&(b, a)).is_ok(),
            })
            .map(|&(a, b)| (a.min(b), a.max(b)))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The number of distinct sources (interviews, focus groups) with at least one
    /// excerpt coded `code` (an index into the codebook): how "raised by the most
    /// sources" counts, wherever it is counted.
    pub fn sources_raising(&self, code: usize) -> usize {
        let mut sources: Vec<&str> = self
            .excerpts
            .iter()
            .filter(|e| e.codes.contains(&code))
            .map(|e| e.source_id.as_str())
            .collect();
        sources.sort_unstable();
        sources.dedup();
        sources.len()
    }
}
