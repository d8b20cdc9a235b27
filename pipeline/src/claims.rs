//! The findings the documents state, picked out of the statistics by name, and the
//! authors' sentences that rest on them.
//!
//! Templates read the headline findings from here (`claims` in their context) instead
//! of indexing `stats.findings` themselves: the headline change is the one between the
//! last two waves, the mixing findings are those of the last wave, and the primary and
//! vertical dimensions are found by their role. Each finding is the object of
//! `stats.json`'s `findings`, verdict and evidence together, or `null` when the study
//! cannot have it (one wave, no vertical dimension).
//!
//! An authored conclusion or recommendation (`[narrative]` in `study.toml`) with
//! `requires` is shown only when every finding it names has the verdict it needs; when
//! not, [`AuthoredView::unmet`] says which finding failed, so the documents can say
//! what the data show instead. Everything here reads the statistics as JSON (the
//! statistics the documents are filled from, public or not), never the study's rows.

use serde::Serialize;
use serde_json::Value;

use crate::study::{Authored, CodeKind, Finding, StudyConfig};

/// The headline findings and the authored sentences, for the templates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claims {
    /// The waves of the headline change (`from`, `to` ids), `null` with one wave.
    pub change: Option<Value>,
    /// The number of ties, last two waves.
    pub ties_change: Value,
    /// Mean ties per organisation (the same test as `ties_change`).
    pub mean_degree_change: Value,
    /// The primary dimension's findings of the headline change (`cross_share`,
    /// `ei_index`, `new_ties`, `categories`).
    pub primary_change: Value,
    /// The vertical dimension's.
    pub vertical_change: Value,
    /// Share of ties across categories of the primary dimension.
    pub crossing_change: Value,
    /// The same for the vertical dimension.
    pub vertical_crossing_change: Value,
    /// Whether the new ties crossed the primary dimension more than chance.
    pub new_ties_mixing: Value,
    /// The same for the vertical dimension.
    pub vertical_new_ties_mixing: Value,
    /// The last wave's homophily finding of the primary dimension.
    pub mixing: Value,
    /// The same for the vertical dimension.
    pub vertical_mixing: Value,
    /// Per wave, the homophily findings of the primary dimension.
    pub mixing_by_wave: Vec<Value>,
    /// Per wave, those of the vertical dimension.
    pub vertical_mixing_by_wave: Vec<Value>,
    /// The most-cited challenge (`findings.themes`).
    pub top_challenge: Value,
    /// The most-cited benefit.
    pub top_benefit: Value,
    /// The most-cited recommendation.
    pub top_recommendation: Value,
    /// The authors' conclusions, each with whether it may be shown.
    pub conclusions: Vec<AuthoredView>,
    /// The authors' recommendations, likewise.
    pub recommendations: Vec<AuthoredView>,
    /// The conclusions not shown, and the distinct findings that kept them out.
    pub unsupported_conclusions: Unsupported,
    /// The recommendations not shown, likewise.
    pub unsupported_recommendations: Unsupported,
}

/// Authored sentences the data do not support, summed up: how many, and each failed
/// condition once (in the order first met).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Unsupported {
    /// Sentences not shown.
    pub count: usize,
    /// Their unmet conditions, each finding and required verdict once.
    pub unmet: Vec<Unmet>,
}

fn unsupported(items: &[AuthoredView]) -> Unsupported {
    let mut out = Unsupported::default();
    for a in items.iter().filter(|a| !a.shown) {
        out.count += 1;
        for u in &a.unmet {
            if !out.unmet.contains(u) {
                out.unmet.push(u.clone());
            }
        }
    }
    out
}

/// An authored sentence and whether the findings it rests on hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthoredView {
    /// The authors' words.
    pub text: String,
    /// Whether every condition of its `requires` holds (true without `requires`).
    pub shown: bool,
    /// The conditions that do not hold.
    pub unmet: Vec<Unmet>,
}

/// A condition of `requires` that the data do not meet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmet {
    /// The finding's name (`ties_change`, `top_benefit`, ...), a key of [`Claims`].
    pub finding: String,
    /// The verdict (or code id) the sentence needs.
    pub needs: String,
    /// The verdict the data give (for a theme, the code id when one theme alone is
    /// the most cited, else the theme verdict); `null` when the statistics do not say.
    pub verdict: Option<String>,
}

fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

fn last(v: &Value) -> &Value {
    v.as_array().and_then(|a| a.last()).unwrap_or(&Value::Null)
}

/// The element of list `v` whose `role` is `role`.
fn by_role<'a>(v: &'a Value, role: &str) -> &'a Value {
    v.as_array()
        .and_then(|a| a.iter().find(|d| get(d, "role").as_str() == Some(role)))
        .unwrap_or(&Value::Null)
}

/// The headline findings of `stats` (a `stats.json`, full or public) for `config`.
pub fn claims(config: &StudyConfig, stats: &Value) -> Claims {
    let findings = get(stats, "findings");
    let change = last(get(findings, "changes"));
    let dims = get(change, "dimensions");
    let (primary, vertical) = (by_role(dims, "primary"), by_role(dims, "vertical"));
    let mixing_of = |k: Option<usize>| -> Vec<Value> {
        let waves = get(findings, "mixing")
            .as_array()
            .cloned()
            .unwrap_or_default();
        waves
            .iter()
            .map(|w| {
                k.and_then(|k| get(w, "dimensions").get(k))
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .collect()
    };
    let p = config.primary.get();
    let v = config.vertical.map(|d| d.get());
    let mixing_by_wave = mixing_of(Some(p));
    let vertical_mixing_by_wave = if v.is_some() {
        mixing_of(v)
    } else {
        Vec::new()
    };
    let theme = |kind: &str| -> Value {
        get(findings, "themes")
            .as_array()
            .and_then(|a| a.iter().find(|t| get(t, "kind").as_str() == Some(kind)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut out = Claims {
        change: (!change.is_null())
            .then(|| serde_json::json!({ "from": get(change, "from"), "to": get(change, "to") })),
        ties_change: get(change, "ties").clone(),
        mean_degree_change: get(change, "mean_degree").clone(),
        primary_change: primary.clone(),
        vertical_change: vertical.clone(),
        crossing_change: get(primary, "cross_share").clone(),
        vertical_crossing_change: get(vertical, "cross_share").clone(),
        new_ties_mixing: get(primary, "new_ties").clone(),
        vertical_new_ties_mixing: get(vertical, "new_ties").clone(),
        mixing: mixing_by_wave.last().cloned().unwrap_or(Value::Null),
        vertical_mixing: vertical_mixing_by_wave
            .last()
            .cloned()
            .unwrap_or(Value::Null),
        mixing_by_wave,
        vertical_mixing_by_wave,
        top_challenge: theme("challenge"),
        top_benefit: theme("benefit"),
        top_recommendation: theme("recommendation"),
        conclusions: Vec::new(),
        recommendations: Vec::new(),
        unsupported_conclusions: Unsupported::default(),
        unsupported_recommendations: Unsupported::default(),
    };
    let narrative = &config.narrative;
    out.conclusions = narrative
        .conclusions
        .iter()
        .map(|a| authored(a, &out))
        .collect();
    out.recommendations = narrative
        .recommendations
        .iter()
        .map(|a| authored(a, &out))
        .collect();
    out.unsupported_conclusions = unsupported(&out.conclusions);
    out.unsupported_recommendations = unsupported(&out.recommendations);
    out
}

impl Claims {
    /// The finding object `f` stands for.
    fn finding(&self, f: Finding) -> &Value {
        match f {
            Finding::TiesChange => &self.ties_change,
            Finding::CrossingChange => &self.crossing_change,
            Finding::VerticalCrossingChange => &self.vertical_crossing_change,
            Finding::NewTiesMixing => &self.new_ties_mixing,
            Finding::Mixing => &self.mixing,
            Finding::VerticalMixing => &self.vertical_mixing,
            Finding::TopTheme(CodeKind::Challenge) => &self.top_challenge,
            Finding::TopTheme(CodeKind::Benefit) => &self.top_benefit,
            Finding::TopTheme(CodeKind::Recommendation) => &self.top_recommendation,
        }
    }

    /// The verdict of `f` as `requires` compares it: the verdict string, or for a
    /// theme the code id when it alone is the most cited (else its theme verdict).
    pub fn verdict(&self, f: Finding) -> Option<String> {
        let v = self.finding(f);
        let verdict = get(v, "verdict").as_str()?;
        match f {
            Finding::TopTheme(_) if verdict == "single" => get(v, "top")
                .as_array()
                .and_then(|t| t.first())
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => Some(verdict.to_owned()),
        }
    }
}

/// Whether `a`'s conditions hold, and which do not.
fn authored(a: &Authored, claims: &Claims) -> AuthoredView {
    let unmet: Vec<Unmet> = a
        .requires
        .iter()
        .filter_map(|r| {
            let verdict = claims.verdict(r.finding);
            (verdict.as_deref() != Some(r.verdict.as_str())).then(|| Unmet {
                finding: r.finding.name().to_owned(),
                needs: r.verdict.clone(),
                verdict,
            })
        })
        .collect();
    AuthoredView {
        text: a.text.clone(),
        shown: unmet.is_empty(),
        unmet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONFIG: &str = r##"
schema = 1
title = "t"
subtitle = "s"
short_title = "t"
version = "1"
created = "2017-01-17"
synthetic = true
tie_rule = "union"
seed = 7
primary_dimension = "population"
[[authors]]
name = "A"
affiliation = "B"
[event]
name = "E"
place = "P"
date = "2017-01-17"
[[waves]]
id = "a"
label = "A"
year = 2010
[[waves]]
id = "b"
label = "B"
year = 2016
[[dimensions]]
column = "population"
label = "Population served"
[[dimensions.categories]]
id = "pud"
label = "People who use drugs"
colour = "#E69F00"
[[codebook]]
id = "referrals"
label = "Referrals"
kind = "benefit"
[[codebook]]
id = "movement"
label = "Movement"
kind = "benefit"
[methods]
field_visit_countries = []
observed_meetings = []
[narrative]
[[narrative.conclusions]]
text = "It grew."
requires = "ties_change:increased"
[[narrative.conclusions]]
text = "Referrals first."
requires = "ties_change:increased and top_benefit:referrals"
[[narrative.conclusions]]
text = "Plain."
"##;

    fn stats(ties: &str, top: &[&str], theme: &str) -> Value {
        json!({
            "findings": {
                "changes": [{
                    "from": "a", "to": "b",
                    "ties": { "verdict": ties },
                    "mean_degree": { "verdict": ties },
                    "dimensions": [{ "role": "primary", "cross_share": { "verdict": "increased" },
                                     "new_ties": { "verdict": "as_chance" } }]
                }],
                "mixing": [{ "dimensions": [{ "verdict": "as_chance" }] },
                           { "dimensions": [{ "verdict": "more_within_than_chance" }] }],
                "themes": [{ "kind": "benefit", "top": top, "verdict": theme }]
            }
        })
    }

    #[test]
    fn authored_sentences_follow_the_verdicts() {
        let config = StudyConfig::parse(CONFIG).expect("parses");
        let c = claims(&config, &stats("increased", &["referrals"], "single"));
        let shown: Vec<bool> = c.conclusions.iter().map(|a| a.shown).collect();
        assert_eq!(shown, [true, true, true]);
        assert_eq!(c.mixing, json!({ "verdict": "more_within_than_chance" }));
        assert!(c.vertical_mixing.is_null() && c.vertical_crossing_change.is_null());

        let c = claims(
            &config,
            &stats("no_clear_change", &["referrals", "movement"], "tied"),
        );
        let shown: Vec<bool> = c.conclusions.iter().map(|a| a.shown).collect();
        assert_eq!(shown, [false, false, true]);
        // Two sentences left out, for two distinct reasons (ties_change counted once).
        assert_eq!(c.unsupported_conclusions.count, 2);
        let reasons: Vec<&str> = c
            .unsupported_conclusions
            .unmet
            .iter()
            .map(|u| u.finding.as_str())
            .collect();
        assert_eq!(reasons, ["ties_change", "top_benefit"]);
        assert_eq!(
            c.conclusions[1].unmet,
            [
                Unmet {
                    finding: "ties_change".into(),
                    needs: "increased".into(),
                    verdict: Some("no_clear_change".into()),
                },
                Unmet {
                    finding: "top_benefit".into(),
                    needs: "referrals".into(),
                    verdict: Some("tied".into()),
                },
            ]
        );
    }

    #[test]
    fn a_study_of_one_wave_has_no_change() {
        let config = StudyConfig::parse(CONFIG).expect("parses");
        let c = claims(
            &config,
            &json!({ "findings": { "changes": [], "mixing": [], "themes": [] } }),
        );
        assert_eq!(c.change, None);
        assert!(c.ties_change.is_null() && c.mixing.is_null() && c.top_benefit.is_null());
        assert!(!c.conclusions[0].shown);
        assert_eq!(c.conclusions[0].unmet[0].verdict, None);
    }
}
