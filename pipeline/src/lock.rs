//! `report.lock`: the recorded state of a build, layer by layer, and the comparison
//! that `cargo xtask verify` makes against it.
//!
//! The layers are ordered: **tools** (pipeline version, Typst version, digest of the
//! code), **inputs** (digest of the input manifest), **derived** (`stats.json`,
//! figures, filled Typst sources) and **outputs** (the PDFs). A difference in an
//! earlier layer explains differences below it; a difference in derived or outputs
//! with identical tools and inputs is a determinism fault.
//!
//! The file is TOML written by hand in a fixed order (sorted keys, one value per
//! line), so it diffs cleanly and parses with any TOML reader.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

/// The layout version of `report.lock`.
pub const LOCK_SCHEMA: u32 = 1;

/// The recorded state of one build.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// Layout version, [`LOCK_SCHEMA`].
    pub schema: u32,
    /// Tool versions and the digest of the code.
    pub tools: BTreeMap<String, String>,
    /// Digest of the input manifest, by its file name.
    pub inputs: BTreeMap<String, String>,
    /// Digests of intermediates, by path in the output folder.
    pub derived: BTreeMap<String, String>,
    /// Digests of the PDFs, by path in the output folder.
    pub outputs: BTreeMap<String, String>,
}

/// The layers of a lock, in order of causation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    /// Tool versions and code.
    Tools,
    /// The input manifest.
    Inputs,
    /// Intermediates.
    Derived,
    /// PDFs.
    Outputs,
}

impl Layer {
    /// The layer's name as written in the lock.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Tools => "tools",
            Layer::Inputs => "inputs",
            Layer::Derived => "derived",
            Layer::Outputs => "outputs",
        }
    }
}

/// How one recorded artefact compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Same digest.
    Ok,
    /// Both have it, digests differ.
    Differs,
    /// The lock records it but the build did not produce it.
    Missing,
    /// The build produced it but the lock does not record it.
    Unrecorded,
}

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Which layer.
    pub layer: Layer,
    /// The artefact's name.
    pub name: String,
    /// How it compares.
    pub status: Status,
}

/// The overall verdict of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything matches.
    Match,
    /// The tools (code, pipeline or Typst version) changed since the lock was written.
    ToolsChanged,
    /// The inputs changed since the lock was written.
    InputsChanged,
    /// Same tools and inputs, different results: the build is not deterministic.
    DeterminismFault,
}

impl Lock {
    /// Parses a lock file.
    pub fn parse(text: &str) -> Result<Lock, toml::de::Error> {
        toml::from_str(text)
    }

    /// Renders the lock in its fixed layout.
    pub fn render(&self) -> String {
        let mut s = String::from(
            "# report.lock: what `cargo xtask report` built and from what.\n\
             # Checked by `cargo xtask verify`; rewritten by `cargo xtask report`. Do not edit.\n",
        );
        let _ = writeln!(s, "schema = {}", self.schema);
        for layer in [Layer::Tools, Layer::Inputs, Layer::Derived, Layer::Outputs] {
            let _ = writeln!(s, "\n[{}]", layer.name());
            for (k, v) in self.layer(layer) {
                let _ = writeln!(s, "{} = {}", quote(k), quote(v));
            }
        }
        s
    }

    /// The entries of one layer.
    pub fn layer(&self, layer: Layer) -> &BTreeMap<String, String> {
        match layer {
            Layer::Tools => &self.tools,
            Layer::Inputs => &self.inputs,
            Layer::Derived => &self.derived,
            Layer::Outputs => &self.outputs,
        }
    }

    /// Every artefact of both locks, compared, in layer then name order.
    pub fn compare(expected: &Lock, actual: &Lock) -> Vec<Comparison> {
        let mut out = Vec::new();
        for layer in [Layer::Tools, Layer::Inputs, Layer::Derived, Layer::Outputs] {
            let (e, a) = (expected.layer(layer), actual.layer(layer));
            let mut names: Vec<&String> = e.keys().chain(a.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let status = match (e.get(name), a.get(name)) {
                    (Some(x), Some(y)) if x == y => Status::Ok,
                    (Some(_), Some(_)) => Status::Differs,
                    (Some(_), None) => Status::Missing,
                    _ => Status::Unrecorded,
                };
                out.push(Comparison {
                    layer,
                    name: name.clone(),
                    status,
                });
            }
        }
        out
    }

    /// The verdict: the earliest layer that differs explains the rest.
    pub fn verdict(comparisons: &[Comparison]) -> Verdict {
        let bad = |layer: Layer| {
            comparisons
                .iter()
                .any(|c| c.layer == layer && c.status != Status::Ok)
        };
        if bad(Layer::Tools) {
            Verdict::ToolsChanged
        } else if bad(Layer::Inputs) {
            Verdict::InputsChanged
        } else if bad(Layer::Derived) || bad(Layer::Outputs) {
            Verdict::DeterminismFault
        } else {
            Verdict::Match
        }
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> Lock {
        let mut l = Lock {
            schema: LOCK_SCHEMA,
            ..Lock::default()
        };
        l.tools.insert("typst".into(), "0.15.1".into());
        l.inputs.insert("inputs.sha256".into(), "aa".into());
        l.derived.insert("stats.json".into(), "bb".into());
        l.outputs.insert("brief.pdf".into(), "cc".into());
        l
    }

    #[test]
    fn render_parse_round_trip() {
        let l = lock();
        let text = l.render();
        assert_eq!(Lock::parse(&text).expect("parses"), l);
        assert!(text.contains("\n[outputs]\n\"brief.pdf\" = \"cc\"\n"));
    }

    #[test]
    fn verdict_names_the_earliest_layer() {
        let l = lock();
        assert_eq!(Lock::verdict(&Lock::compare(&l, &l)), Verdict::Match);
        let mut out = l.clone();
        out.outputs.insert("brief.pdf".into(), "xx".into());
        assert_eq!(
            Lock::verdict(&Lock::compare(&l, &out)),
            Verdict::DeterminismFault
        );
        let mut inp = out.clone();
        inp.inputs.insert("inputs.sha256".into(), "yy".into());
        assert_eq!(
            Lock::verdict(&Lock::compare(&l, &inp)),
            Verdict::InputsChanged
        );
        let mut missing = l.clone();
        missing.derived.clear();
        let cmp = Lock::compare(&l, &missing);
        assert!(
            cmp.iter()
                .any(|c| c.name == "stats.json" && c.status == Status::Missing)
        );
    }
}
