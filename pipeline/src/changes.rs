//! What changed between two editions of a study's evidence ([`Evidence`]): whether they
//! were built from the same inputs, which input files were added, removed or changed,
//! which tools changed, and every statistic whose value or verdict moved, old → new,
//! grouped as the brief groups them.
//!
//! The comparison knows the statistics only as JSON trees, so it works on any two
//! versions of `stats.json`, public or full: it walks both trees, matches list items
//! by their `id` (or `column`, `wave`, `kind`, `from`→`to`) and reports every leaf that
//! differs. A value that either side hides (`null`, or an object with a `suppressed`
//! key) is never printed: the comparison sees only what each document published. An
//! object with a string `verdict` is a finding; when its verdict differs the change
//! gets a sentence.
//!
//! `cargo xtask diff` prints a [`Changes`], and the brief's changes page is filled from
//! the same value, so the two list exactly the same things.

use serde::Serialize;
use serde_json::{Map, Value};

use std::collections::BTreeMap;

use crate::evidence::Evidence;
use crate::manifest::Entry;
use crate::numfmt;
use crate::study::running_text;

/// The layout version of [`Changes`] as printed by `cargo xtask diff --format json`.
pub const CHANGES_SCHEMA: u32 = 1;

/// The numbers of the brief's summary, in its order, as path patterns with how each
/// prints and its label: `[*]` matches any list item (a wave, or a change between two
/// waves), named in the label by `{*}` in words ("at the survey", "before the
/// programme → at the survey"), and `[P]` the primary dimension, named by `{P}`
/// (its running-text label). The changes page, the slide and `cargo xtask diff` show
/// these when they moved. The `findings.` patterns name the verdict-bearing statistics
/// of `stats.json` schema 3, so each row shows the verdict it supports.
pub const HEADLINE: &[(&str, Kind, &str)] = &[
    ("survey.response_rate", Kind::Share, "Survey response rate"),
    ("waves[*].ties", Kind::Count, "Collaboration ties, {*}"),
    (
        "findings.changes[*].ties.change",
        Kind::CountChange,
        "Change in collaboration ties, {*}",
    ),
    (
        "waves[*].network.mean_degree",
        Kind::Decimal,
        "Ties per organisation, {*}",
    ),
    (
        "findings.changes[*].mean_degree.change",
        Kind::DecimalChange,
        "Change in ties per organisation, {*}",
    ),
    (
        "findings.mixing[*].dimensions[P].cross_share",
        Kind::Share,
        "Share of ties crossing categories of {P}, {*}",
    ),
    (
        "findings.changes[*].dimensions[P].cross_share.change",
        Kind::ShareChange,
        "Change in the share of ties crossing categories of {P}, {*}",
    ),
    ("changes[*].new_ties", Kind::Count, "New ties, {*}"),
    (
        "findings.changes[*].dimensions[P].new_ties.cross_share",
        Kind::Share,
        "Share of new ties crossing categories of {P}, {*}",
    ),
    (
        "findings.mixing[*].dimensions[P].ei_index",
        Kind::Index,
        "E-I index by {P}, {*}",
    ),
];

/// How a headline number prints, through [`numfmt`] like the rest of the brief: at a
/// fixed precision, with more decimals only when two different values would
/// otherwise read alike ([`numfmt::distinct_pair_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A count, whole: `242`.
    Count,
    /// A mean, one decimal: `5.3`.
    Decimal,
    /// An index from −1 to 1, signed, two decimals: `+0.22`.
    Index,
    /// A share, as a whole percentage: `61%`.
    Share,
    /// The change of a count, signed and whole: `+102`.
    CountChange,
    /// The change of a mean, signed, one decimal: `+2.2`.
    DecimalChange,
    /// The change of a share in percentage points, signed and whole: `+30 points`.
    ShareChange,
}

impl Kind {
    /// The decimals this kind prints with when one is enough to tell values apart.
    fn decimals(self) -> usize {
        match self {
            Kind::Count | Kind::Share | Kind::CountChange | Kind::ShareChange => 0,
            Kind::Decimal | Kind::DecimalChange => 1,
            Kind::Index => 2,
        }
    }

    /// `x` printed as this kind with `decimals` digits after the point.
    fn format(self, x: f64, decimals: usize) -> String {
        match self {
            Kind::Count | Kind::Decimal => numfmt::fixed(x, decimals),
            Kind::Index | Kind::CountChange | Kind::DecimalChange => numfmt::signed(x, decimals),
            Kind::Share => format!("{}%", numfmt::fixed(x * 100.0, decimals)),
            Kind::ShareChange => {
                let n = numfmt::signed(x * 100.0, decimals);
                let unit = if n.trim_start_matches(['+', numfmt::MINUS]) == "1" {
                    "point"
                } else {
                    "points"
                };
                format!("{n} {unit}")
            }
        }
    }

    /// The old and new side as printed: numbers as this kind (both with the decimals
    /// it takes to tell them apart), anything else as the generic text.
    fn texts(self, old: &Shown, new: &Shown) -> (String, String) {
        let number = |s: &Shown| match s {
            Shown::Value {
                value: Value::Number(n),
            } => n.as_f64(),
            _ => None,
        };
        match (number(old), number(new)) {
            (Some(a), Some(b)) => {
                numfmt::distinct_pair_with(a, b, self.decimals(), |x, d| self.format(x, d))
            }
            (Some(a), None) => (self.format(a, self.decimals()), new.text()),
            (None, Some(b)) => (old.text(), self.format(b, self.decimals())),
            (None, None) => (old.text(), new.text()),
        }
    }
}

/// Everything that differs between two editions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    /// [`CHANGES_SCHEMA`].
    pub schema: u32,
    /// The older edition.
    pub old: Edition,
    /// The newer edition.
    pub new: Edition,
    /// Both were built from exactly the same inputs (every manifest entry equal).
    pub same_inputs: bool,
    /// Nothing below differs: same inputs, same tools, same statistics.
    pub same_evidence: bool,
    /// The input of the new edition that is the old brief itself (its previous
    /// brief), if any; it is left out of `inputs`.
    pub previous_brief: Option<String>,
    /// Input files added, removed and changed.
    pub inputs: InputChanges,
    /// The tools both sides record, by name.
    pub tools_compared: Vec<String>,
    /// Tools whose version or digest differs.
    pub tools: Vec<ToolChange>,
    /// Findings whose verdict differs, with a sentence each.
    pub verdicts: Vec<VerdictFlip>,
    /// The moved statistics that the summary puts first ([`HEADLINE`]), in group order.
    pub headline: Vec<Headline>,
    /// Every moved statistic, grouped.
    pub groups: Vec<Group>,
    /// The number of moved statistics over all groups.
    pub moved: usize,
}

/// The version and date of one edition, when its source records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edition {
    /// The study version.
    pub version: Option<String>,
    /// The documents' date, `YYYY-MM-DD`.
    pub created: Option<String>,
}

/// Input files that differ, by manifest path, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputChanges {
    /// Only in the new edition.
    pub added: Vec<String>,
    /// Only in the old edition.
    pub removed: Vec<String>,
    /// In both, with different contents.
    pub changed: Vec<String>,
}

/// A tool whose version (or the code, whose digest) differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolChange {
    /// `typst`, `pipeline` or `code`.
    pub name: String,
    /// The old edition's.
    pub old: String,
    /// The new edition's.
    pub new: String,
}

/// A finding whose verdict differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictFlip {
    /// Where the finding is in the statistics.
    pub path: String,
    /// The finding in words ("Change in collaboration ties, before the programme → at
    /// the survey").
    pub label: String,
    /// The old verdict.
    pub old: String,
    /// The new verdict.
    pub new: String,
    /// The flip in one sentence.
    pub sentence: String,
}

/// The moved statistics of one part of the brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Stable id: `survey`, `methods`, `network:<wave>`, `homophily:<dimension>`,
    /// `changes:<from>-><to>`, `qualitative`, `findings`, `sensitivity`, `tables`,
    /// `other:<key>` (a top-level key of the statistics that none of these holds).
    pub id: String,
    /// Its title in words on the terminal and in documents ("Ties and homophily by
    /// population served"): wave and dimension labels from the statistics, ids where
    /// neither side labels them.
    pub title: String,
    /// The title as it reads inside a sentence.
    pub text: String,
    /// The moved statistics, in the order of the statistics.
    pub statistics: Vec<Moved>,
}

/// A moved headline statistic with its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// What it is, in words ("Collaboration ties, at the survey").
    pub label: String,
    /// How its values print.
    pub kind: Kind,
    /// The statistic, its `old_text` and `new_text` printed as `kind`.
    #[serde(flatten)]
    pub moved: Moved,
}

/// One statistic that moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moved {
    /// Its path in the statistics, e.g. `waves[survey].network.mean_degree`.
    pub path: String,
    /// The old value.
    pub old: Shown,
    /// The new value.
    pub new: Shown,
    /// The old value as printed.
    pub old_text: String,
    /// The new value as printed.
    pub new_text: String,
    /// The verdicts of the finding the statistic belongs to, old and new, if any.
    pub verdict: Option<(String, String)>,
}

/// A value as one side published it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Shown {
    /// A published value (a number, string or boolean).
    Value {
        /// The value.
        value: Value,
    },
    /// `null`: not published (undefined, or suppressed without a reason given).
    NotShown,
    /// Suppressed, with the reason when the statistics give one.
    Suppressed {
        /// Why.
        reason: Option<String>,
    },
    /// The statistic does not exist on this side.
    Absent,
}

impl Shown {
    fn of(v: Option<&Value>) -> Shown {
        match v {
            None => Shown::Absent,
            Some(Value::Null) => Shown::NotShown,
            Some(v) if is_marker(v) => Shown::Suppressed {
                reason: marker_reason(v),
            },
            Some(v) => Shown::Value { value: v.clone() },
        }
    }

    /// Whether this side publishes nothing here.
    fn hidden(&self) -> bool {
        matches!(self, Shown::NotShown | Shown::Suppressed { .. })
    }

    fn text(&self) -> String {
        match self {
            Shown::Value { value } => value_text(value),
            Shown::NotShown => "not shown".into(),
            Shown::Suppressed { .. } => "suppressed".into(),
            Shown::Absent => "absent".into(),
        }
    }
}

/// Compares two editions.
pub fn compare(old: &Evidence, new: &Evidence) -> Changes {
    let previous_brief = old.file_digest.as_ref().and_then(|d| {
        new.inputs
            .iter()
            .find(|e| &e.sha256 == d)
            .map(|e| e.path.clone())
    });
    let inputs = input_changes(&old.inputs, &new.inputs, previous_brief.as_deref());
    let tools_compared: Vec<String> = old
        .tools
        .keys()
        .filter(|k| new.tools.contains_key(*k))
        .cloned()
        .collect();
    let tools: Vec<ToolChange> = tools_compared
        .iter()
        .filter_map(|k| {
            let (a, b) = (&old.tools[k], &new.tools[k]);
            (a != b).then(|| ToolChange {
                name: k.clone(),
                old: a.clone(),
                new: b.clone(),
            })
        })
        .collect();
    let primary = primary_dimension(&new.stats).or_else(|| primary_dimension(&old.stats));
    let names = Names::new([&new.stats, &old.stats]);
    let mut walker = Walker::default();
    walker.walk(&mut Vec::new(), Some(&old.stats), Some(&new.stats), None);
    let groups = group(walker.moved, &names);
    let mut headline: Vec<(usize, Headline)> = groups
        .iter()
        .flat_map(|g| &g.statistics)
        .filter_map(|m| {
            let (rank, kind, label) = headline_row(&m.path, primary.as_deref(), &names)?;
            let mut moved = m.clone();
            (moved.old_text, moved.new_text) = kind.texts(&m.old, &m.new);
            Some((rank, Headline { label, kind, moved }))
        })
        .collect();
    // In the order of [`HEADLINE`]; a stable sort keeps waves in order.
    headline.sort_by_key(|(rank, _)| *rank);
    let headline: Vec<Headline> = headline.into_iter().map(|(_, h)| h).collect();
    let verdicts: Vec<VerdictFlip> = walker
        .flips
        .into_iter()
        .map(|(path, old, new)| {
            let label = finding_label(&parse_path(&path), &names).unwrap_or_else(|| path.clone());
            let (o, n) = (verdict_words(&old), verdict_words(&new));
            VerdictFlip {
                sentence: format!("{label}: the verdict changed from “{o}” to “{n}”."),
                path,
                label,
                old: o,
                new: n,
            }
        })
        .collect();
    let moved = groups.iter().map(|g| g.statistics.len()).sum();
    let same_inputs = old.inputs == new.inputs;
    Changes {
        schema: CHANGES_SCHEMA,
        old: edition(old),
        new: edition(new),
        same_inputs,
        same_evidence: same_inputs && tools.is_empty() && moved == 0 && verdicts.is_empty(),
        previous_brief,
        inputs,
        tools_compared,
        tools,
        verdicts,
        headline,
        groups,
        moved,
    }
}

impl Changes {
    /// The comparison as `cargo xtask diff` prints it, in this order: whether both
    /// were built from the same inputs; input files added, removed and changed; tool
    /// and code changes; every moved statistic, grouped; flipped verdicts; the
    /// conclusion. `old` and `new` name the two sides.
    pub fn render_text(&self, old: &str, new: &str) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(format!("old: {old} ({})", self.old.describe()));
        line(format!("new: {new} ({})", self.new.describe()));
        if self.same_inputs {
            line("inputs: the same (every input file is identical)".into());
        } else {
            line("inputs: different".into());
        }
        for (word, list) in [
            ("changed", &self.inputs.changed),
            ("added", &self.inputs.added),
            ("removed", &self.inputs.removed),
        ] {
            for path in list {
                line(format!("  {word:<8} {path}"));
            }
        }
        if let Some(p) = &self.previous_brief {
            line(format!("  new keeps old as its previous brief: {p}"));
        }
        if self.tools.is_empty() {
            let compared = if self.tools_compared.is_empty() {
                "none recorded on both sides".to_owned()
            } else {
                self.tools_compared.join(", ")
            };
            line(format!("tools: no change (compared: {compared})"));
        } else {
            line("tools: changed".into());
            for t in &self.tools {
                line(format!("  {:<8} {} → {}", t.name, t.old, t.new));
            }
        }
        line(format!("statistics: {} moved", self.moved));
        for g in &self.groups {
            line(format!("  {} ({})", g.title, g.statistics.len()));
            for m in &g.statistics {
                line(format!("    {}: {} → {}", m.path, m.old_text, m.new_text));
            }
        }
        // The rows of the changes page's table, in its words and formats.
        line(format!("headline numbers: {} moved", self.headline.len()));
        for h in &self.headline {
            let (old, new) = h.texts();
            line(format!("  {}: {old} → {new}", h.label));
        }
        line(format!("verdicts: {} changed", self.verdicts.len()));
        for v in &self.verdicts {
            line(format!("  {}", v.sentence));
        }
        if self.same_evidence {
            line("old and new carry the same evidence".into());
        } else {
            line("old and new differ".into());
        }
        out
    }
}

impl Headline {
    /// The old and new value as the changes page prints them: each value with the
    /// verdict of its side in brackets when the statistic belongs to a finding.
    pub fn texts(&self) -> (String, String) {
        let m = &self.moved;
        match &m.verdict {
            Some((o, n)) => (
                format!("{} ({o})", m.old_text),
                format!("{} ({n})", m.new_text),
            ),
            None => (m.old_text.clone(), m.new_text.clone()),
        }
    }
}

impl Edition {
    /// `study version 1.0.0, 2017-01-17`, or what is known of it.
    pub fn describe(&self) -> String {
        let version = self.version.as_ref().map_or_else(
            || "study version unknown".to_owned(),
            |v| format!("study version {v}"),
        );
        match &self.created {
            Some(d) => format!("{version}, {d}"),
            None => version,
        }
    }
}

fn edition(e: &Evidence) -> Edition {
    Edition {
        version: e.version.clone(),
        created: e.created.clone(),
    }
}

fn input_changes(old: &[Entry], new: &[Entry], previous: Option<&str>) -> InputChanges {
    let find = |list: &[Entry], path: &str| list.iter().find(|e| e.path == path).cloned();
    let mut out = InputChanges::default();
    for e in old {
        if Some(e.path.as_str()) == previous {
            continue;
        }
        match find(new, &e.path) {
            None => out.removed.push(e.path.clone()),
            Some(n) if n.sha256 != e.sha256 => out.changed.push(e.path.clone()),
            Some(_) => {}
        }
    }
    for e in new {
        if Some(e.path.as_str()) != previous && find(old, &e.path).is_none() {
            out.added.push(e.path.clone());
        }
    }
    for list in [&mut out.added, &mut out.removed, &mut out.changed] {
        list.sort();
    }
    out
}

/// The primary dimension's column: the dimension whose categories are those of
/// `qualitative.by_population` (by definition the primary dimension's), else the
/// first dimension of the first wave.
pub fn primary_dimension(stats: &Value) -> Option<String> {
    let ids = |list: Option<&Value>| -> Vec<String> {
        list.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("id").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let dims = stats
        .get("waves")?
        .as_array()?
        .first()?
        .get("dimensions")?
        .as_array()?;
    let population = ids(stats.pointer("/qualitative/by_population"));
    let column = |d: &Value| d.get("column").and_then(Value::as_str).map(str::to_owned);
    dims.iter()
        .find(|d| !population.is_empty() && ids(d.get("categories")) == population)
        .or_else(|| dims.first())
        .and_then(column)
}

/// One step of a path in the statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// An object key.
    Key(String),
    /// A list item, by identity or index.
    Item(String),
}

fn render_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Item(i) => {
                s.push('[');
                s.push_str(i);
                s.push(']');
            }
        }
    }
    s
}

/// Splits a rendered path back into steps (keys hold no `.` or `[`).
fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(at) = rest.find('[') {
            out.push(Seg::Key(rest[..at].to_owned()));
            rest = &rest[at..];
            while let Some(end) = rest.find(']') {
                out.push(Seg::Item(rest[1..end].to_owned()));
                rest = &rest[end + 1..];
            }
        } else {
            out.push(Seg::Key(rest.to_owned()));
        }
    }
    out
}

/// The position in [`HEADLINE`], the kind and the label in words of `path`, if it
/// is a headline statistic.
fn headline_row(path: &str, primary: Option<&str>, names: &Names) -> Option<(usize, Kind, String)> {
    let segs = parse_path(path);
    HEADLINE
        .iter()
        .enumerate()
        .find_map(|(rank, (pattern, kind, label))| {
            let pat = parse_path(pattern);
            let mut star = None;
            let matches = pat.len() == segs.len()
                && pat.iter().zip(&segs).all(|(p, s)| match (p, s) {
                    (Seg::Item(p), Seg::Item(s)) if p == "*" => {
                        star.get_or_insert_with(|| s.clone());
                        true
                    }
                    (Seg::Item(p), Seg::Item(s)) if p == "P" => Some(s.as_str()) == primary,
                    (a, b) => a == b,
                });
            matches.then(|| {
                let label = label
                    .replace(
                        "{*}",
                        &star.as_deref().map_or_else(String::new, |s| names.item(s)),
                    )
                    .replace(
                        "{P}",
                        &primary.map_or_else(String::new, |p| names.dimension(p)),
                    );
                (rank, *kind, label)
            })
        })
}

/// The words for the ids in paths, read from the statistics themselves (either side;
/// the new side's words first): each wave's `label` as it reads in a sentence, each
/// dimension's `text_label` (else its `label` in running text). An id that neither
/// side labels, as in a brief built before the statistics carried dimension labels,
/// stands for itself.
#[derive(Debug, Default)]
struct Names {
    /// Wave id → running-text label.
    waves: BTreeMap<String, String>,
    /// Dimension column → running-text label.
    dimensions: BTreeMap<String, String>,
}

impl Names {
    fn new(sides: [&Value; 2]) -> Names {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let list = |v: &Value, key: &str| -> Vec<Value> {
            v.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let mut names = Names::default();
        for stats in sides {
            for wave in list(stats, "waves") {
                if let (Some(id), Some(label)) = (text(&wave, "id"), text(&wave, "label")) {
                    names
                        .waves
                        .entry(id)
                        .or_insert_with(|| running_text(&label));
                }
                for dim in list(&wave, "dimensions") {
                    let words = text(&dim, "text_label")
                        .or_else(|| text(&dim, "label").map(|l| running_text(&l)));
                    if let (Some(column), Some(words)) = (text(&dim, "column"), words) {
                        names.dimensions.entry(column).or_insert(words);
                    }
                }
            }
        }
        names
    }

    /// A wave in words ("at the survey").
    fn wave(&self, id: &str) -> String {
        self.waves.get(id).cloned().unwrap_or_else(|| id.to_owned())
    }

    /// A dimension in words ("population served").
    fn dimension(&self, column: &str) -> String {
        self.dimensions
            .get(column)
            .cloned()
            .unwrap_or_else(|| column.to_owned())
    }

    /// A list item of `waves` or `changes` in words: a wave, or a change `from->to`
    /// as "before the programme → at the survey".
    fn item(&self, id: &str) -> String {
        match id.split_once("->") {
            Some((from, to)) => format!("{} → {}", self.wave(from), self.wave(to)),
            None => self.wave(id),
        }
    }
}

/// A finding of `stats.json`'s `findings` in words, for the sentence of a flipped
/// verdict; `None` for a path this does not know (the sentence then names the path).
fn finding_label(path: &[Seg], names: &Names) -> Option<String> {
    let words: Vec<&str> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) | Seg::Item(k) => k.as_str(),
        })
        .collect();
    Some(match words.as_slice() {
        ["findings", "changes", c, "ties"] => {
            format!("Change in collaboration ties, {}", names.item(c))
        }
        ["findings", "changes", c, "mean_degree"] => {
            format!("Change in ties per organisation, {}", names.item(c))
        }
        ["findings", "changes", c, "dimensions", d, "cross_share"] => format!(
            "Change in the share of ties crossing categories of {}, {}",
            names.dimension(d),
            names.item(c)
        ),
        ["findings", "changes", c, "dimensions", d, "ei_index"] => format!(
            "Change in the E-I index by {}, {}",
            names.dimension(d),
            names.item(c)
        ),
        ["findings", "changes", c, "dimensions", d, "new_ties"] => format!(
            "Mixing of new ties by {}, {}",
            names.dimension(d),
            names.item(c)
        ),
        [
            "findings",
            "changes",
            c,
            "dimensions",
            d,
            "categories",
            cat,
            "mean_ties",
        ] => format!(
            "Change in ties per organisation of category {cat} of {}, {}",
            names.dimension(d),
            names.item(c)
        ),
        ["findings", "mixing", w, "dimensions", d] => format!(
            "Mixing of ties by {}, {}",
            names.dimension(d),
            names.item(w)
        ),
        ["findings", "themes", kind] => format!("The {kind} raised by the most sources"),
        _ => return None,
    })
}

/// The key that makes an object a suppression marker.
const MARKER: &str = "suppressed";

/// A suppression marker: an object with a [`MARKER`] key.
fn is_marker(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key(MARKER))
}

/// An object (not a marker) or a list: something to walk into.
fn is_container(v: Option<&Value>) -> bool {
    v.is_some_and(|v| (v.is_object() && !is_marker(v)) || v.is_array())
}

fn marker_reason(v: &Value) -> Option<String> {
    let m = v.as_object()?;
    m.get("reason")
        .or_else(|| m.get(MARKER))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The verdict of a finding: a string `verdict` of an object.
fn verdict_of(v: Option<&Value>) -> Option<&str> {
    v?.as_object()?.get("verdict")?.as_str()
}

/// A verdict in words: `no_clear_change` reads "no clear change".
pub fn verdict_words(v: &str) -> String {
    v.replace('_', " ")
}

/// The identity of a list item, if it has one.
fn identity(v: &Value) -> Option<String> {
    let m = v.as_object()?;
    for key in ["id", "column", "wave", "kind"] {
        if let Some(s) = m.get(key).and_then(Value::as_str) {
            return Some(s.to_owned());
        }
    }
    match (
        m.get("from").and_then(Value::as_str),
        m.get("to").and_then(Value::as_str),
    ) {
        (Some(a), Some(b)) => Some(format!("{a}->{b}")),
        _ => None,
    }
}

/// The identities of a list's items, if every item has a distinct one.
fn identities(list: &[Value]) -> Option<Vec<String>> {
    let ids: Option<Vec<String>> = list.iter().map(identity).collect();
    let ids = ids?;
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    (sorted.len() == ids.len()).then_some(ids)
}

/// Collects moved leaves and flipped verdicts.
#[derive(Default)]
struct Walker {
    moved: Vec<Moved>,
    /// Each flipped verdict: the finding's path, the old and the new verdict.
    flips: Vec<(String, String, String)>,
}

/// The verdicts of the finding being walked, old and new.
type FindingCtx<'a> = Option<(Option<&'a str>, Option<&'a str>)>;

impl Walker {
    fn walk<'a>(
        &mut self,
        path: &mut Vec<Seg>,
        old: Option<&'a Value>,
        new: Option<&'a Value>,
        finding: FindingCtx<'a>,
    ) {
        let finding = match (verdict_of(old), verdict_of(new)) {
            (None, None) => finding,
            (o, n) => {
                if let (Some(o), Some(n)) = (o, n)
                    && o != n
                {
                    self.flip(path, o, n);
                }
                Some((o, n))
            }
        };
        match (old, new) {
            (Some(Value::Object(a)), Some(Value::Object(b)))
                if !a.contains_key(MARKER) && !b.contains_key(MARKER) =>
            {
                self.objects(path, a, b, finding);
            }
            (Some(Value::Array(a)), Some(Value::Array(b))) => self.arrays(path, a, b, finding),
            _ if is_container(old) && is_container(new) => {
                // An object on one side and a list on the other: nothing matches.
                self.one_sided(path, old, &Shown::Absent, false, finding);
                self.one_sided(path, new, &Shown::Absent, true, finding);
            }
            _ if is_container(old) => self.against_leaf(path, old, new, false, finding),
            _ if is_container(new) => self.against_leaf(path, new, old, true, finding),
            _ => {
                let (o, n) = (Shown::of(old), Shown::of(new));
                if !same(&o, &n) {
                    self.leaf(path, o, n, finding);
                }
            }
        }
    }

    /// A subtree on one side against a leaf (or nothing) on the other: each leaf of
    /// the subtree moved from (or to) what the other side shows, which is hidden for a
    /// suppression marker and absent otherwise; a published leaf on the other side
    /// moved from (or to) nothing.
    fn against_leaf<'a>(
        &mut self,
        path: &mut Vec<Seg>,
        tree: Option<&'a Value>,
        leaf: Option<&'a Value>,
        tree_is_new: bool,
        finding: FindingCtx<'a>,
    ) {
        let shown = Shown::of(leaf);
        let other = if shown.hidden() {
            shown.clone()
        } else {
            Shown::Absent
        };
        self.one_sided(path, tree, &other, tree_is_new, finding);
        if matches!(shown, Shown::Value { .. }) {
            let (o, n) = if tree_is_new {
                (shown, Shown::Absent)
            } else {
                (Shown::Absent, shown)
            };
            self.leaf(path, o, n, finding);
        }
    }

    fn objects<'a>(
        &mut self,
        path: &mut Vec<Seg>,
        a: &'a Map<String, Value>,
        b: &'a Map<String, Value>,
        finding: FindingCtx<'a>,
    ) {
        let mut keys: Vec<&String> = a.keys().collect();
        keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
        for k in keys {
            path.push(Seg::Key(k.clone()));
            self.walk(path, a.get(k), b.get(k), finding);
            path.pop();
        }
    }

    fn arrays<'a>(
        &mut self,
        path: &mut Vec<Seg>,
        a: &'a [Value],
        b: &'a [Value],
        finding: FindingCtx<'a>,
    ) {
        if let (Some(ia), Some(ib)) = (identities(a), identities(b)) {
            let mut order: Vec<&String> = ia.iter().collect();
            order.extend(ib.iter().filter(|i| !ia.contains(*i)));
            for id in order {
                let pos = |ids: &[String], id: &str| ids.iter().position(|x| x == id);
                path.push(Seg::Item(id.clone()));
                self.walk(
                    path,
                    pos(&ia, id).map(|i| &a[i]),
                    pos(&ib, id).map(|i| &b[i]),
                    finding,
                );
                path.pop();
            }
        } else {
            for i in 0..a.len().max(b.len()) {
                path.push(Seg::Item(i.to_string()));
                self.walk(path, a.get(i), b.get(i), finding);
                path.pop();
            }
        }
    }

    /// Every leaf of `tree`, against `other` on the other side.
    fn one_sided<'a>(
        &mut self,
        path: &mut Vec<Seg>,
        tree: Option<&'a Value>,
        other: &Shown,
        tree_is_new: bool,
        finding: FindingCtx<'a>,
    ) {
        match tree {
            Some(Value::Object(m)) if !m.contains_key(MARKER) => {
                for (k, v) in m {
                    path.push(Seg::Key(k.clone()));
                    self.one_sided(path, Some(v), other, tree_is_new, finding);
                    path.pop();
                }
            }
            Some(Value::Array(list)) => {
                let ids = identities(list);
                for (i, v) in list.iter().enumerate() {
                    let seg = ids
                        .as_ref()
                        .map_or_else(|| i.to_string(), |ids| ids[i].clone());
                    path.push(Seg::Item(seg));
                    self.one_sided(path, Some(v), other, tree_is_new, finding);
                    path.pop();
                }
            }
            _ => {
                let here = Shown::of(tree);
                let (o, n) = if tree_is_new {
                    (other.clone(), here)
                } else {
                    (here, other.clone())
                };
                if !same(&o, &n) {
                    self.leaf(path, o, n, finding);
                }
            }
        }
    }

    fn leaf(&mut self, path: &[Seg], old: Shown, new: Shown, finding: FindingCtx<'_>) {
        let (old_text, new_text) = match (&old, &new) {
            (Shown::Value { value: a }, Shown::Value { value: b }) => pair_text(a, b),
            _ => (old.text(), new.text()),
        };
        let verdict = finding.map(|(o, n)| {
            let word = |v: Option<&str>| v.map_or_else(|| "absent".to_owned(), verdict_words);
            (word(o), word(n))
        });
        self.moved.push(Moved {
            path: render_path(path),
            old,
            new,
            old_text,
            new_text,
            verdict,
        });
    }

    fn flip(&mut self, path: &[Seg], old: &str, new: &str) {
        self.flips
            .push((render_path(path), old.to_owned(), new.to_owned()));
    }
}

/// Whether two sides show the same thing: equal values, or nothing on either side
/// (two hidden values are never compared, so nothing about them is revealed).
fn same(a: &Shown, b: &Shown) -> bool {
    match (a, b) {
        (Shown::Value { value: x }, Shown::Value { value: y }) => same_value(x, y),
        (x, y) if x.hidden() && y.hidden() => true,
        (x, y) => x == y,
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (integer(x), integer(y)) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

/// A JSON integer, if the number is one.
fn integer(n: &serde_json::Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// A published value as printed: integers as integers, floats through
/// [`numfmt`], strings as they are.
fn value_text(v: &Value) -> String {
    match v {
        Value::Number(n) => integer(n).map_or_else(
            || numfmt::fixed(n.as_f64().unwrap_or(f64::NAN), 3),
            numfmt::integer,
        ),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Two published values as printed side by side: when either is a float, both with
/// just enough decimals to read differently.
fn pair_text(a: &Value, b: &Value) -> (String, String) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if integer(x).is_none() || integer(y).is_none() => {
            numfmt::distinct_pair(
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            )
        }
        _ => (value_text(a), value_text(b)),
    }
}

/// The group of a moved statistic: `(rank, id, title)`, the title in words.
fn group_of(path: &[Seg], names: &Names) -> (u8, String, String) {
    let item = |i: usize| match path.get(i) {
        Some(Seg::Item(s)) => Some(s.clone()),
        _ => None,
    };
    let key = |i: usize| match path.get(i) {
        Some(Seg::Key(s)) => Some(s.as_str()),
        _ => None,
    };
    match (key(0), item(1)) {
        (Some("survey"), _) => (0, "survey".into(), "Survey".into()),
        (Some("methods"), _) => (1, "methods".into(), "Methods".into()),
        (Some("waves"), Some(w)) => match (key(2), item(3)) {
            (Some("dimensions"), Some(d)) => (
                3,
                format!("homophily:{d}"),
                format!("Ties and homophily by {}", names.dimension(&d)),
            ),
            _ => (
                2,
                format!("network:{w}"),
                format!("Network, {}", names.wave(&w)),
            ),
        },
        (Some("changes"), Some(p)) => (
            4,
            format!("changes:{p}"),
            format!("Change between waves, {}", names.item(&p)),
        ),
        (Some("qualitative"), _) => (5, "qualitative".into(), "Qualitative material".into()),
        (Some("findings"), _) => (6, "findings".into(), "Findings and verdicts".into()),
        (Some("sensitivity"), _) => (7, "sensitivity".into(), "Sensitivity checks".into()),
        (Some("tables"), _) => (8, "tables".into(), "Counts shown in the tables".into()),
        (Some(k), _) => (9, format!("other:{k}"), format!("Other statistics: {k}")),
        (None, _) => (9, "other:".into(), "Other statistics".into()),
    }
}

/// Groups moved statistics: by rank, then in order of first appearance; inside a
/// group, in the order of the statistics.
fn group(moved: Vec<Moved>, names: &Names) -> Vec<Group> {
    let mut groups: Vec<(u8, Group)> = Vec::new();
    for m in moved {
        let (rank, id, title) = group_of(&parse_path(&m.path), names);
        match groups.iter_mut().find(|(_, g)| g.id == id) {
            Some((_, g)) => g.statistics.push(m),
            None => groups.push((
                rank,
                Group {
                    id,
                    text: running_text(&title),
                    title,
                    statistics: vec![m],
                },
            )),
        }
    }
    // A stable sort keeps the order of first appearance within a rank.
    groups.sort_by_key(|(rank, _)| *rank);
    groups.into_iter().map(|(_, g)| g).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn entry(path: &str, sha: char) -> Entry {
        Entry {
            path: path.into(),
            sha256: sha.to_string().repeat(64),
        }
    }

    fn evidence(stats: Value, inputs: Vec<Entry>) -> Evidence {
        Evidence {
            version: Some("1.0".into()),
            created: Some("2020-01-01".into()),
            tools: BTreeMap::from([("typst".to_owned(), "0.15.1".to_owned())]),
            inputs,
            stats,
            file_digest: None,
        }
    }

    fn stats(mean_degree: f64, pud_mean: Value) -> Value {
        json!({
            "schema": 2,
            "survey": {"response_rate": 0.5},
            "waves": [
                {"id": "before", "label": "Before the programme", "ties": 10,
                 "network": {"mean_degree": 1.0},
                 "dimensions": [
                    {"column": "org_type", "ei_index": 0.1,
                     "categories": [{"id": "local", "mean_ties": 1.0}]},
                    {"column": "population", "label": "Population served",
                     "text_label": "population served", "ei_index": -0.2,
                     "categories": [{"id": "pud", "mean_ties": pud_mean}, {"id": "sw", "mean_ties": 2.0}]}
                 ]},
                {"id": "survey", "label": "At the survey", "ties": 20,
                 "network": {"mean_degree": mean_degree}, "dimensions": []}
            ],
            "qualitative": {"by_population": [{"id": "pud"}, {"id": "sw"}]}
        })
    }

    #[test]
    fn identical_evidence_is_the_same() {
        let e = evidence(stats(2.0, json!(1.5)), vec![entry("data/a", 'a')]);
        let c = compare(&e, &e);
        assert!(c.same_inputs && c.same_evidence, "{c:?}");
        assert_eq!(c.moved, 0);
        assert!(c.groups.is_empty() && c.headline.is_empty() && c.verdicts.is_empty());
    }

    #[test]
    fn a_moved_statistic_is_grouped_printed_and_marked_headline() {
        let old = evidence(stats(2.0, json!(1.5)), vec![]);
        let new = evidence(stats(2.04, json!(1.75)), vec![]);
        let c = compare(&old, &new);
        assert!(c.same_inputs && !c.same_evidence);
        let groups: Vec<(&str, &str, &str)> = c
            .groups
            .iter()
            .map(|g| (g.id.as_str(), g.title.as_str(), g.text.as_str()))
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "network:survey",
                    "Network, at the survey",
                    "network, at the survey"
                ),
                (
                    "homophily:population",
                    "Ties and homophily by population served",
                    "ties and homophily by population served"
                )
            ]
        );
        let m = &c.groups[0].statistics[0];
        assert_eq!(m.path, "waves[survey].network.mean_degree");
        assert_eq!((m.old_text.as_str(), m.new_text.as_str()), ("2.00", "2.04"));
        assert_eq!(
            c.groups[1].statistics[0].path,
            "waves[before].dimensions[population].categories[pud].mean_ties"
        );
        assert_eq!(c.moved, 2);
        // The headline row keeps the path and prints as its kind: one decimal, more
        // when one would show "2.0 → 2.0".
        let headline: Vec<(&str, Kind, &str, &str, &str)> = c
            .headline
            .iter()
            .map(|h| {
                let m = &h.moved;
                (
                    h.label.as_str(),
                    h.kind,
                    m.path.as_str(),
                    m.old_text.as_str(),
                    m.new_text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            headline,
            [(
                "Ties per organisation, at the survey",
                Kind::Decimal,
                "waves[survey].network.mean_degree",
                "2.00",
                "2.04"
            )]
        );
    }

    /// Statistics with the summary's numbers: response rate, ties, the crossing of
    /// ties and new ties by the primary dimension `region` (labelled only on `labels`
    /// sides), with findings for the change and the mixing.
    fn summary_stats(k: f64, labels: bool) -> Value {
        let dim = |cross: f64, ei: f64| {
            let mut d = json!({"column": "region", "cross_share": cross, "ei_index": ei,
                               "categories": [{"id": "north"}, {"id": "south"}]});
            if labels {
                d["label"] = json!("Region of work");
                d["text_label"] = json!("region of work");
            }
            d
        };
        let change = |x: f64, verdict: &str| json!({"change": x, "verdict": verdict, "test": "t"});
        let mixing = |wave: &str, cross: f64, ei: f64| {
            json!({"wave": wave, "dimensions": [{"column": "region", "cross_share": cross,
                   "ei_index": ei, "verdict": "more_within_than_chance"}]})
        };
        json!({
            "survey": {"response_rate": 0.6739 * k},
            "waves": [
                {"id": "w1", "label": "In 2011", "ties": 140, "network": {"mean_degree": 3.0},
                 "dimensions": [dim(0.31, -0.37)]},
                {"id": "w2", "label": "In 2016", "ties": (242.0 * k).round() as u64,
                 "network": {"mean_degree": 5.26 * k}, "dimensions": [dim(0.61 * k, 0.22 * k)]}
            ],
            "changes": [{"from": "w1", "to": "w2", "new_ties": (209.0 * k).round() as u64,
                         "lost_ties": 107, "dimensions": []}],
            "findings": {
                "changes": [{"from": "w1", "to": "w2",
                    "ties": change(242.0 * k - 140.0, "increased"),
                    "mean_degree": change(5.26 * k - 3.0, "increased"),
                    "dimensions": [{"column": "region",
                        "cross_share": change(0.61 * k - 0.31, if k >= 1.0 { "increased" } else { "no_clear_change" }),
                        "ei_index": change(0.59 * k, "increased"),
                        "new_ties": {"cross_share": 0.6459 * k, "verdict": "more_within_than_chance"}}]}],
                "mixing": [mixing("w1", 0.31, -0.37), mixing("w2", 0.61 * k, 0.22 * k)]
            }
        })
    }

    // Long because it states every headline row, word for word, in the summary's order.
    #[test]
    fn the_headline_is_the_summary_in_its_order_words_and_formats() {
        let old = evidence(summary_stats(1.0, false), vec![]);
        let new = evidence(summary_stats(0.9, true), vec![]);
        let c = compare(&old, &new);
        let rows: Vec<(String, Kind, String, String)> = c
            .headline
            .iter()
            .map(|h| {
                let (o, n) = h.texts();
                (h.label.clone(), h.kind, o, n)
            })
            .collect();
        let row = |label: &str, kind: Kind, old: &str, new: &str| {
            (label.to_owned(), kind, old.to_owned(), new.to_owned())
        };
        let within = "more within than chance";
        assert_eq!(
            rows,
            [
                row("Survey response rate", Kind::Share, "67%", "61%"),
                row("Collaboration ties, in 2016", Kind::Count, "242", "218"),
                row(
                    "Change in collaboration ties, in 2011 → in 2016",
                    Kind::CountChange,
                    "+102 (increased)",
                    "+78 (increased)"
                ),
                row(
                    "Ties per organisation, in 2016",
                    Kind::Decimal,
                    "5.3",
                    "4.7"
                ),
                row(
                    "Change in ties per organisation, in 2011 → in 2016",
                    Kind::DecimalChange,
                    "+2.3 (increased)",
                    "+1.7 (increased)"
                ),
                row(
                    "Share of ties crossing categories of region of work, in 2016",
                    Kind::Share,
                    &format!("61% ({within})"),
                    &format!("55% ({within})")
                ),
                row(
                    "Change in the share of ties crossing categories of region of work, in 2011 → in 2016",
                    Kind::ShareChange,
                    "+30 points (increased)",
                    "+24 points (no clear change)"
                ),
                row("New ties, in 2011 → in 2016", Kind::Count, "209", "188"),
                row(
                    "Share of new ties crossing categories of region of work, in 2011 → in 2016",
                    Kind::Share,
                    &format!("65% ({within})"),
                    &format!("58% ({within})")
                ),
                row(
                    "E-I index by region of work, in 2016",
                    Kind::Index,
                    &format!("+0.22 ({within})"),
                    &format!("+0.20 ({within})")
                ),
            ]
        );
        // The flipped verdict in words, and the terminal prints the page's rows.
        assert_eq!(
            c.verdicts[0].sentence,
            "Change in the share of ties crossing categories of region of work, in 2011 → in 2016: the verdict changed from “increased” to “no clear change”."
        );
        let text = c.render_text("a.pdf", "b.pdf");
        assert!(
            text.contains(
                "headline numbers: 10 moved\n  Survey response rate: 67% → 61%\n  Collaboration ties, in 2016: 242 → 218\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("  Change in the share of ties crossing categories of region of work, in 2011 → in 2016: +30 points (increased) → +24 points (no clear change)\n"),
            "{text}"
        );
        // A value that two sides print alike at the kind's precision gets more
        // decimals; a negative change takes the typographic minus; one point is singular.
        let mut near = summary_stats(1.0, true);
        near["survey"]["response_rate"] = json!(0.6712);
        near["findings"]["changes"][0]["dimensions"][0]["cross_share"]["change"] = json!(-0.01);
        let c = compare(&old, &evidence(near, vec![]));
        let texts: Vec<(&str, &str, &str)> = c
            .headline
            .iter()
            .map(|h| {
                (
                    h.label.as_str(),
                    h.moved.old_text.as_str(),
                    h.moved.new_text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("Survey response rate", "67.4%", "67.1%"),
                (
                    "Change in the share of ties crossing categories of region of work, in 2011 → in 2016",
                    "+30 points",
                    "\u{2212}1 point"
                )
            ]
        );
    }

    #[test]
    fn an_id_that_neither_side_labels_stands_for_itself() {
        let old = evidence(summary_stats(1.0, false), vec![]);
        let new = evidence(summary_stats(0.9, false), vec![]);
        let c = compare(&old, &new);
        let last = c.headline.last().expect("rows");
        assert_eq!(last.label, "E-I index by region, in 2016");
        assert_eq!(
            c.groups
                .iter()
                .find(|g| g.id == "homophily:region")
                .map(|g| g.title.as_str()),
            Some("Ties and homophily by region")
        );
    }

    #[test]
    fn groups_outside_the_brief_sections_are_named() {
        let with = |x: u64| {
            json!({"sensitivity": {"rule": "union", "n": x}, "tables": {"threshold": x},
                   "extra": {"n": x}})
        };
        let c = compare(&evidence(with(1), vec![]), &evidence(with(2), vec![]));
        let groups: Vec<(&str, &str)> = c
            .groups
            .iter()
            .map(|g| (g.id.as_str(), g.text.as_str()))
            .collect();
        assert_eq!(
            groups,
            [
                ("sensitivity", "sensitivity checks"),
                ("tables", "counts shown in the tables"),
                ("other:extra", "other statistics: extra")
            ]
        );
    }

    #[test]
    fn hidden_values_are_never_printed_and_never_compared() {
        // Old suppressed pud's mean (null); new publishes it: the new value may show,
        // the old one cannot.
        let old = evidence(stats(2.0, Value::Null), vec![]);
        let new = evidence(stats(2.0, json!(1.75)), vec![]);
        let c = compare(&old, &new);
        let m = &c.groups[0].statistics[0];
        assert_eq!(m.old, Shown::NotShown);
        assert_eq!(
            (m.old_text.as_str(), m.new_text.as_str()),
            ("not shown", "1.750")
        );
        // Both hidden, whatever the markers say: nothing to report.
        let marker = json!({"suppressed": "fewer than 3 organisations"});
        let c = compare(
            &evidence(stats(2.0, Value::Null), vec![]),
            &evidence(stats(2.0, marker.clone()), vec![]),
        );
        assert!(c.same_evidence, "{c:?}");
        // A whole category suppressed by a marker on one side: each published leaf
        // of the other side is listed against "suppressed", and the reason is kept.
        let mut hidden = stats(2.0, json!(1.5));
        hidden["waves"][0]["dimensions"][1]["categories"][1] = marker;
        let c = compare(&evidence(hidden, vec![]), &old);
        let texts: Vec<(String, String, String)> = c.groups[0]
            .statistics
            .iter()
            .map(|m| (m.path.clone(), m.old_text.clone(), m.new_text.clone()))
            .collect();
        // A marker has no id, so the list is matched by position.
        let row = |p: &str, o: &str, n: &str| {
            (
                format!("waves[before].dimensions[population].categories{p}"),
                o.to_owned(),
                n.to_owned(),
            )
        };
        assert_eq!(
            texts,
            [
                row("[0].mean_ties", "1.500", "not shown"),
                row("[1].id", "suppressed", "sw"),
                row("[1].mean_ties", "suppressed", "2.000"),
            ]
        );
        assert_eq!(
            c.groups[0].statistics[1].old,
            Shown::Suppressed {
                reason: Some("fewer than 3 organisations".into())
            }
        );
    }

    #[test]
    fn a_flipped_verdict_gets_a_sentence_and_the_headline_its_verdicts() {
        let with = |change: f64, verdict: &str| {
            let mut s = stats(2.0, json!(1.5));
            s["findings"] = json!({"changes": [
                {"from": "before", "to": "survey",
                 "ties": {"change": change, "verdict": verdict, "test": "change:ties"}}
            ]});
            s
        };
        let old = evidence(with(10.0, "increased"), vec![]);
        let new = evidence(with(1.0, "no_clear_change"), vec![]);
        let c = compare(&old, &new);
        assert_eq!(c.verdicts.len(), 1);
        assert_eq!(
            c.verdicts[0].sentence,
            "Change in collaboration ties, before the programme → at the survey: the verdict changed from “increased” to “no clear change”."
        );
        assert_eq!(c.verdicts[0].path, "findings.changes[before->survey].ties");
        assert_eq!(
            c.headline[0].label,
            "Change in collaboration ties, before the programme → at the survey"
        );
        assert_eq!(
            (c.headline[0].kind, c.headline[0].texts()),
            (
                Kind::CountChange,
                (
                    "+10 (increased)".to_owned(),
                    "+1 (no clear change)".to_owned()
                )
            )
        );
        let h = &c.headline[0].moved;
        assert_eq!(h.path, "findings.changes[before->survey].ties.change");
        assert_eq!(
            h.verdict,
            Some(("increased".to_owned(), "no clear change".to_owned()))
        );
        assert_eq!(c.groups[0].id, "findings");
    }

    #[test]
    fn inputs_are_compared_by_path_and_the_previous_brief_is_named() {
        let mut old = evidence(
            stats(2.0, json!(1.5)),
            vec![entry("data/raw/ties.csv", 'a'), entry("data/old.csv", 'b')],
        );
        old.file_digest = Some("f".repeat(64));
        let new = evidence(
            stats(2.0, json!(1.5)),
            vec![
                entry("data/new.csv", 'c'),
                entry("data/previous/brief.pdf", 'f'),
                entry("data/raw/ties.csv", 'd'),
            ],
        );
        let c = compare(&old, &new);
        assert_eq!(c.previous_brief.as_deref(), Some("data/previous/brief.pdf"));
        assert_eq!(
            c.inputs,
            InputChanges {
                added: vec!["data/new.csv".into()],
                removed: vec!["data/old.csv".into()],
                changed: vec!["data/raw/ties.csv".into()],
            }
        );
        assert!(!c.same_inputs && !c.same_evidence);
    }

    #[test]
    fn lists_match_by_identity_and_tools_by_name() {
        let old = evidence(stats(2.0, json!(1.5)), vec![]);
        let mut reordered = stats(2.0, json!(1.5));
        let cats = reordered["waves"][0]["dimensions"][1]["categories"]
            .as_array_mut()
            .expect("a list");
        cats.reverse();
        let mut new = evidence(reordered, vec![]);
        new.tools.insert("typst".into(), "0.16.0".into());
        new.tools.insert("code".into(), "x".into());
        let c = compare(&old, &new);
        assert_eq!(c.moved, 0);
        assert_eq!(c.tools_compared, ["typst"]);
        assert_eq!(c.tools[0].new, "0.16.0");
        assert!(!c.same_evidence);
    }

    #[test]
    fn the_primary_dimension_is_the_one_the_excerpts_use() {
        assert_eq!(
            primary_dimension(&stats(1.0, json!(1))).as_deref(),
            Some("population")
        );
        assert_eq!(
            primary_dimension(&json!({"waves": [{"dimensions": [{"column": "a"}]}]})).as_deref(),
            Some("a")
        );
        assert_eq!(primary_dimension(&json!({"schema": 2})), None);
    }

    #[test]
    fn paths_round_trip() {
        for p in ["a", "a.b[c].d[0][1]", "changes[before->survey].new_ties"] {
            assert_eq!(render_path(&parse_path(p)), p);
        }
    }
}
