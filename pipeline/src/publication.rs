//! The one disclosure layer over the whole publication: from the full statistics to
//! the public statistics, which are everything the brief, the deck, their figures and
//! their attachments may show.
//!
//! [`publish`] assembles every count table the documents print (each dimension's
//! category sizes with the total, the conceptual grid, the top brokers of every wave by
//! every dimension), protects them together with [`disclosure::counts::protect`]
//! (primary suppression, then secondary suppression across the linked tables until no
//! hidden count is determined by the published ones), and carries those decisions into
//! every other statistic with [`disclosure::public`]. It then withholds what the
//! documents never print but a reader could combine (per-group change inference, the
//! qualitative breakdowns by participants' population and level, the list of
//! countries), and adds a `tables` section with each protected count as printed.
//!
//! Templates and figures read only this value (or, for the figures, the full
//! statistics masked by it): what is `null` here is never drawn or printed.

use serde_json::{Value, json};

use crate::disclosure::counts::{self, Brokers, CountMarks, CountTables};
use crate::disclosure::engine::{DisclosureError, Mark};
use crate::disclosure::public::{self, Decisions, withhold};
use crate::model::Study;
use crate::stats::Stats;

/// Why the statistics could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The count tables cannot be protected (for example three groups of two beside a
    /// printed total of six): merge small categories in `study.toml`.
    #[error(
        "disclosure control cannot protect this study's count tables ({0}); merge the small categories of a dimension in study.toml, or reconsider suppression_threshold"
    )]
    Unprotectable(#[source] DisclosureError),
    /// The statistics could not be turned into JSON.
    #[error("could not serialise the statistics: {0}")]
    Json(#[from] serde_json::Error),
}

/// Why a value of a hidden group's change is withheld.
const GROUP_CHANGE: &str = "the change of a group whose statistics are withheld";
/// Why the qualitative breakdowns are withheld.
const BREAKDOWN: &str = "breakdowns of the excerpts by participants' population or level are not printed in the documents; they stay with the author";
/// Why the list of countries is withheld.
const COUNTRIES: &str = "the countries are counted in the documents, not listed";

/// The public statistics of `study`: the full statistics `stats` with every value the
/// documents may not show set to `null` (and its reason under a `withheld` key), plus
/// the protected count tables under `tables`. `top_brokers` lists, per wave, the
/// organisations counted as top brokers (`NetworkPart::top_brokers`). The disclosure
/// engine runs on up to `threads` threads; the result does not depend on it.
pub fn publish(
    study: &Study,
    stats: &Stats,
    top_brokers: &[Vec<u32>],
    threads: usize,
) -> Result<Value, PublishError> {
    let threshold = u64::from(study.config.suppression_threshold);
    let dims = study.config.dimensions.len();
    let orgs: Vec<Vec<usize>> = study.orgs.iter().map(|o| o.categories.clone()).collect();
    let brokers = top_brokers
        .iter()
        .map(|top| {
            let mut flags = vec![false; orgs.len()];
            for &v in top {
                flags[v as usize] = true;
            }
            Brokers {
                dimensions: (0..dims).collect(),
                flags,
            }
        })
        .collect();
    let tables = CountTables {
        threshold,
        categories: study
            .config
            .dimensions
            .iter()
            .map(|d| d.categories.len())
            .collect(),
        orgs: &orgs,
        grid: study.config.grid.map(|g| (g.rows.get(), g.columns.get())),
        brokers,
        threads,
    };
    let marks = counts::protect(&tables).map_err(PublishError::Unprotectable)?;
    let broker_marks: Vec<Vec<Vec<Mark>>> =
        marks.brokers.iter().map(|b| b.categories.clone()).collect();
    let full = serde_json::to_value(stats)?;
    let decisions = Decisions {
        threshold,
        sizes: &marks.dimensions,
        brokers: Some(&broker_marks),
    };
    let mut out = public::public(&full, &decisions).map_err(PublishError::Unprotectable)?;
    withhold_group_changes(&mut out, study, &marks);
    withhold_breakdowns(&mut out);
    if let Some(o) = out.as_object_mut() {
        o.insert("tables".into(), tables_json(study, &marks, threshold));
    }
    Ok(out)
}

/// Whether category `c` of the dimension with column `column` is hidden.
fn hidden(study: &Study, marks: &CountMarks, column: &str, id: &str) -> bool {
    study
        .config
        .dimensions
        .iter()
        .position(|d| d.column == column)
        .and_then(|k| {
            let c = study.config.dimensions[k]
                .categories
                .iter()
                .position(|c| c.id == id)?;
            marks.dimensions[k].get(c).map(|m| m.hidden())
        })
        .unwrap_or(true)
}

/// The change inference and the findings of a hidden group (its mean ties in both
/// waves, the change, its interval, tests and verdict) are withheld with the group;
/// so is its entry in the family of adjusted tests.
fn withhold_group_changes(out: &mut Value, study: &Study, marks: &CountMarks) {
    let hidden_group = |column: &str, id: &str| hidden(study, marks, column, id);
    if let Some(changes) = out.get_mut("changes").and_then(Value::as_array_mut) {
        for change in changes {
            if let Some(dims) = change
                .get_mut("inference")
                .and_then(|i| i.get_mut("dimensions"))
            {
                withhold_hidden_categories(dims, &hidden_group);
            }
        }
    }
    if let Some(changes) = out
        .get_mut("findings")
        .and_then(|f| f.get_mut("changes"))
        .and_then(Value::as_array_mut)
    {
        for change in changes {
            if let Some(dims) = change.get_mut("dimensions") {
                withhold_hidden_categories(dims, &hidden_group);
            }
        }
    }
    // The family lists each test by id; a hidden group's test ends in `:<column>:<id>`.
    let Some(tests) = out
        .get_mut("findings")
        .and_then(|f| f.get_mut("family"))
        .and_then(|f| f.get_mut("tests"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for test in tests {
        let id = test
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let group = id
            .strip_prefix("change:")
            .and_then(|rest| rest.split_once(":mean-ties:"))
            .and_then(|(_, group)| group.split_once(':'));
        if let Some((column, cat)) = group
            && hidden_group(column, cat)
        {
            withhold(test, "p", GROUP_CHANGE);
            withhold(test, "p_adjusted", GROUP_CHANGE);
        }
    }
}

/// In a list of dimensions (each with `column` and `categories`), withholds the
/// `mean_ties` change of every hidden category.
fn withhold_hidden_categories(dims: &mut Value, hidden_group: &impl Fn(&str, &str) -> bool) {
    let Some(dims) = dims.as_array_mut() else {
        return;
    };
    for dim in dims {
        let column = dim
            .get("column")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(cats) = dim.get_mut("categories").and_then(Value::as_array_mut) else {
            continue;
        };
        for cat in cats {
            let id = cat
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if hidden_group(&column, &id) {
                withhold(cat, "mean_ties", GROUP_CHANGE);
            }
        }
    }
}

/// The breakdowns the documents never print: excerpts by participants' population and
/// level (overall and per code), and the names of the organisations' countries.
fn withhold_breakdowns(out: &mut Value) {
    if let Some(q) = out.get_mut("qualitative") {
        withhold(q, "by_population", BREAKDOWN);
        withhold(q, "by_level", BREAKDOWN);
        if let Some(codes) = q.get_mut("codes").and_then(Value::as_array_mut) {
            for code in codes {
                withhold(code, "by_population", BREAKDOWN);
                withhold(code, "by_level", BREAKDOWN);
            }
        }
    }
    if let Some(m) = out.get_mut("methods") {
        withhold(m, "country_names", COUNTRIES);
    }
}

/// One protected count: its value when shown (`null` otherwise) and how it is printed.
fn count_json(mark: Mark, threshold: u64) -> Value {
    json!({
        "n": mark.value(),
        "shown": counts::display(mark, threshold),
        "hidden": mark.hidden(),
        "small": mark == Mark::Small,
    })
}

/// The protected count tables as printed.
fn tables_json(study: &Study, marks: &CountMarks, threshold: u64) -> Value {
    let config = &study.config;
    let dimensions: Vec<Value> = config
        .dimensions
        .iter()
        .zip(&marks.dimensions)
        .map(|(d, m)| {
            json!({
                "column": d.column,
                "categories": d.categories.iter().zip(m).map(|(c, &mark)| {
                    let mut v = count_json(mark, threshold);
                    v["id"] = json!(c.id);
                    v
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let grid = config.grid.zip(marks.grid.as_ref()).map(|(g, cells)| {
        json!({
            "rows": config.dim(g.rows).column,
            "columns": config.dim(g.columns).column,
            "cells": cells.iter().map(|row| {
                row.iter().map(|&m| count_json(m, threshold)).collect::<Vec<_>>()
            }).collect::<Vec<_>>(),
        })
    });
    let brokers: Vec<Value> = config
        .waves
        .iter()
        .zip(&marks.brokers)
        .map(|(w, b)| {
            json!({
                "wave": w.id,
                "total": count_json(b.total, threshold),
                "dimensions": config.dimensions.iter().zip(&b.categories).map(|(d, m)| json!({
                    "column": d.column,
                    "categories": d.categories.iter().zip(m).map(|(c, &mark)| {
                        let mut v = count_json(mark, threshold);
                        v["id"] = json!(c.id);
                        v
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "threshold": threshold,
        "organisations": marks.total,
        "dimensions": dimensions,
        "grid": grid,
        "brokers": brokers,
    })
}

/// What figures and views need of the public statistics, read from them.
#[derive(Debug, Clone, Copy)]
pub struct Public<'a>(pub &'a Value);

impl Public<'_> {
    /// The protected size of category `c` of dimension `k`: `(value when shown, text)`.
    pub fn size(&self, k: usize, c: usize) -> (Option<u64>, String) {
        let v = &self.0["tables"]["dimensions"][k]["categories"][c];
        (
            v["n"].as_u64(),
            v["shown"].as_str().unwrap_or("n/s").to_owned(),
        )
    }

    /// Whether category `c` of dimension `k` is hidden (its size is not printed).
    pub fn hidden(&self, k: usize, c: usize) -> bool {
        self.0["tables"]["dimensions"][k]["categories"][c]["hidden"]
            .as_bool()
            .unwrap_or(true)
    }

    /// Whether any category of dimension `k` is hidden.
    pub fn any_hidden(&self, k: usize, categories: usize) -> bool {
        (0..categories).any(|c| self.hidden(k, c))
    }

    /// Whether `key` of category `c` of dimension `k` in wave `w` is withheld (null).
    pub fn withheld(&self, w: usize, k: usize, c: usize, key: &str) -> bool {
        self.0["waves"][w]["dimensions"][k]["categories"][c][key].is_null()
    }

    /// Whether mixing cell `(i, j)` of dimension `k` in wave `w` is withheld.
    pub fn mixing_withheld(&self, w: usize, k: usize, i: usize, j: usize) -> bool {
        self.0["waves"][w]["dimensions"][k]["mixing"][i][j].is_null()
    }

    /// The protected grid cell `(r, c)`: `(value when shown, text)`.
    pub fn grid(&self, r: usize, c: usize) -> Option<(Option<u64>, String)> {
        let v = self.0["tables"]["grid"]["cells"].get(r)?.get(c)?;
        Some((v["n"].as_u64(), v["shown"].as_str()?.to_owned()))
    }

    /// The protected top-broker count of category `c` of dimension `k` in wave `w`.
    pub fn brokers(&self, w: usize, k: usize, c: usize) -> (Option<u64>, String) {
        let v = &self.0["tables"]["brokers"][w]["dimensions"][k]["categories"][c];
        (
            v["n"].as_u64(),
            v["shown"].as_str().unwrap_or("n/s").to_owned(),
        )
    }
}
