//! `[narrative]` in `study.toml`: the authors' own words (the alliance, its background,
//! the research questions, their conclusions and recommendations, the discussion), and
//! the findings an authored sentence depends on.
//!
//! The documents print these words as the authors' interpretation. A conclusion or
//! recommendation that rests on a finding names it with `requires`, for example
//! `requires = "ties_change:increased"`; it is printed only when the finding's verdict
//! is the one named (several conditions are joined by ` and `). Which finding each name
//! means, and the verdicts it can have, are listed once, in [`Finding`].

use serde::{Serialize, Serializer};

use super::CodeKind;

/// The verdicts of a change between waves (as `stats.json` writes them).
pub const CHANGE_VERDICTS: [&str; 3] = ["increased", "no_clear_change", "decreased"];

/// The verdicts of a homophily test (as `stats.json` writes them).
pub const MIXING_VERDICTS: [&str; 3] = [
    "more_within_than_chance",
    "as_chance",
    "more_across_than_chance",
];

/// A finding an authored sentence may depend on. The changes are those between the
/// last two waves; the mixing findings those of the last wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// The number of ties (`findings.changes[last].ties`).
    TiesChange,
    /// The share of ties across categories of the primary dimension
    /// (`findings.changes[last].dimensions[primary].cross_share`).
    CrossingChange,
    /// The same for the vertical dimension.
    VerticalCrossingChange,
    /// Whether the new ties crossed the primary dimension's categories more or less than
    /// chance (`findings.changes[last].dimensions[primary].new_ties`).
    NewTiesMixing,
    /// Whether the last wave's ties stayed within the primary dimension's categories
    /// (`findings.mixing[last].dimensions[primary]`).
    Mixing,
    /// The same for the vertical dimension.
    VerticalMixing,
    /// The theme of a kind raised by the most sources (`findings.themes[kind]`); its
    /// "verdict" is a code id, which holds when that code alone is the most cited.
    TopTheme(CodeKind),
}

impl Finding {
    /// Every finding, in the order messages list them.
    pub const ALL: [Finding; 9] = [
        Finding::TiesChange,
        Finding::CrossingChange,
        Finding::VerticalCrossingChange,
        Finding::NewTiesMixing,
        Finding::Mixing,
        Finding::VerticalMixing,
        Finding::TopTheme(CodeKind::Challenge),
        Finding::TopTheme(CodeKind::Benefit),
        Finding::TopTheme(CodeKind::Recommendation),
    ];

    /// The name written in `requires`.
    pub fn name(self) -> &'static str {
        match self {
            Finding::TiesChange => "ties_change",
            Finding::CrossingChange => "crossing_change",
            Finding::VerticalCrossingChange => "vertical_crossing_change",
            Finding::NewTiesMixing => "new_ties_mixing",
            Finding::Mixing => "mixing",
            Finding::VerticalMixing => "vertical_mixing",
            Finding::TopTheme(CodeKind::Challenge) => "top_challenge",
            Finding::TopTheme(CodeKind::Benefit) => "top_benefit",
            Finding::TopTheme(CodeKind::Recommendation) => "top_recommendation",
        }
    }

    /// The finding named `name`.
    pub fn by_name(name: &str) -> Option<Finding> {
        Finding::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the finding compares two waves (and so needs at least two).
    pub fn needs_two_waves(self) -> bool {
        matches!(
            self,
            Finding::TiesChange
                | Finding::CrossingChange
                | Finding::VerticalCrossingChange
                | Finding::NewTiesMixing
        )
    }

    /// Whether the finding is about the vertical dimension.
    pub fn needs_vertical(self) -> bool {
        matches!(
            self,
            Finding::VerticalCrossingChange | Finding::VerticalMixing
        )
    }

    /// The verdicts it can have, or `None` for a theme (a code id of its kind).
    pub fn verdicts(self) -> Option<&'static [&'static str]> {
        match self {
            Finding::TiesChange | Finding::CrossingChange | Finding::VerticalCrossingChange => {
                Some(&CHANGE_VERDICTS)
            }
            Finding::NewTiesMixing | Finding::Mixing | Finding::VerticalMixing => {
                Some(&MIXING_VERDICTS)
            }
            Finding::TopTheme(_) => None,
        }
    }
}

/// One condition of `requires`: a finding and the verdict it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The finding.
    pub finding: Finding,
    /// Its required verdict (for a theme, the code id that must be the most cited).
    pub verdict: String,
}

impl Serialize for Requirement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}:{}", self.finding.name(), self.verdict))
    }
}

/// A research question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    /// Its short title, for example "Horizontal collaboration".
    pub title: String,
    /// The question in full.
    pub text: String,
}

/// An authored conclusion or recommendation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authored {
    /// The authors' sentence.
    pub text: String,
    /// The findings it rests on; empty when it names none.
    pub requires: Vec<Requirement>,
}

impl Serialize for Authored {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            text: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            requires: Option<String>,
        }
        let requires = (!self.requires.is_empty()).then(|| {
            let parts: Vec<String> = self
                .requires
                .iter()
                .map(|r| format!("{}:{}", r.finding.name(), r.verdict))
                .collect();
            parts.join(REQUIRES_SEPARATOR)
        });
        Wire {
            text: &self.text,
            requires,
        }
        .serialize(s)
    }
}

/// What joins several conditions in one `requires`.
pub const REQUIRES_SEPARATOR: &str = " and ";

/// The validated `[narrative]`; every part is optional and empty by default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Narrative {
    /// The alliance or programme studied, as named in running text.
    pub alliance: Option<String>,
    /// One line under the alliance's name on the deck.
    pub tagline: Option<String>,
    /// Paragraphs of the brief's background section.
    pub background: Vec<String>,
    /// The research questions.
    pub questions: Vec<Question>,
    /// The authors' reading of the organisational profile.
    pub profile: Option<String>,
    /// The authors' conclusions.
    pub conclusions: Vec<Authored>,
    /// The authors' recommendations.
    pub recommendations: Vec<Authored>,
    /// Limitations the authors add to those the documents derive from the data.
    pub limitations: Vec<String>,
    /// Paragraphs of the deck's discussion slide.
    pub discussion: Vec<String>,
    /// The question that closes the discussion.
    pub discussion_question: Option<String>,
}

/// Why a condition of `requires` is not one the study can have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirementError {
    /// Not `finding:verdict`.
    Shape,
    /// No such finding.
    UnknownFinding(String),
    /// Not a verdict of the finding; the allowed ones.
    UnknownVerdict(Finding, String, Vec<String>),
    /// A change between waves in a study of one wave.
    OneWave(Finding),
    /// A vertical finding in a study without a vertical dimension.
    NoVertical(Finding),
}

impl RequirementError {
    /// The message, about condition `text`.
    pub fn message(&self, text: &str) -> String {
        let names: Vec<&str> = Finding::ALL.iter().map(|f| f.name()).collect();
        match self {
            RequirementError::Shape => format!(
                "requires {text:?} is not a condition; expected finding:verdict, for example \"ties_change:increased\", several joined by \" and \""
            ),
            RequirementError::UnknownFinding(name) => format!(
                "requires names the finding {name:?}, which the documents do not have; expected one of: {}",
                names.join(", ")
            ),
            RequirementError::UnknownVerdict(f, v, allowed) => {
                let what = if f.verdicts().is_some() {
                    "a verdict"
                } else {
                    "a code id"
                };
                format!(
                    "requires {text:?}: {v:?} is not {what} of {}; expected one of: {}",
                    f.name(),
                    allowed.join(", ")
                )
            }
            RequirementError::OneWave(f) => format!(
                "requires {text:?}: {} compares the last two waves, but the study declares one wave; expected a finding of a single wave (mixing, top_challenge, ...) or a second [[waves]]",
                f.name()
            ),
            RequirementError::NoVertical(f) => format!(
                "requires {text:?}: {} is about the vertical dimension, but the study declares no vertical_dimension; expected a finding of the primary dimension or a vertical_dimension",
                f.name()
            ),
        }
    }
}

/// What a condition may refer to: the number of waves, whether there is a vertical
/// dimension, and the code ids of each kind.
pub struct Context<'a> {
    /// Number of waves.
    pub waves: usize,
    /// Whether a vertical dimension is declared.
    pub vertical: bool,
    /// `(kind, id)` of every code.
    pub codes: &'a [(CodeKind, String)],
}

/// Parses one condition `finding:verdict`.
pub fn requirement(text: &str, ctx: &Context<'_>) -> Result<Requirement, RequirementError> {
    let (name, verdict) = text
        .split_once(':')
        .map(|(a, b)| (a.trim(), b.trim()))
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or(RequirementError::Shape)?;
    let finding =
        Finding::by_name(name).ok_or_else(|| RequirementError::UnknownFinding(name.to_owned()))?;
    let allowed: Vec<String> = match (finding.verdicts(), finding) {
        (Some(v), _) => v.iter().map(|s| (*s).to_owned()).collect(),
        (None, Finding::TopTheme(kind)) => ctx
            .codes
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| id.clone())
            .collect(),
        (None, _) => Vec::new(),
    };
    if !allowed.iter().any(|a| a == verdict) {
        return Err(RequirementError::UnknownVerdict(
            finding,
            verdict.to_owned(),
            allowed,
        ));
    }
    if finding.needs_two_waves() && ctx.waves < 2 {
        return Err(RequirementError::OneWave(finding));
    }
    if finding.needs_vertical() && !ctx.vertical {
        return Err(RequirementError::NoVertical(finding));
    }
    Ok(Requirement {
        finding,
        verdict: verdict.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Finding::ALL {
            assert_eq!(Finding::by_name(f.name()), Some(f));
        }
        assert_eq!(Finding::by_name("ties"), None);
    }

    #[test]
    fn conditions_are_checked_against_the_study() {
        let codes = [(CodeKind::Benefit, "referrals".to_owned())];
        let ctx = Context {
            waves: 1,
            vertical: false,
            codes: &codes,
        };
        assert_eq!(
            requirement("top_benefit:referrals", &ctx),
            Ok(Requirement {
                finding: Finding::TopTheme(CodeKind::Benefit),
                verdict: "referrals".into()
            })
        );
        assert_eq!(
            requirement("mixing : as_chance", &ctx).map(|r| r.verdict),
            Ok("as_chance".into())
        );
        assert_eq!(
            requirement("ties_change:increased", &ctx),
            Err(RequirementError::OneWave(Finding::TiesChange))
        );
        assert_eq!(
            requirement("vertical_mixing:as_chance", &ctx),
            Err(RequirementError::NoVertical(Finding::VerticalMixing))
        );
        assert_eq!(requirement("increased", &ctx), Err(RequirementError::Shape));
    }
}
