//! The public statistics: what a PDF may carry as its `stats.json` attachment.
//!
//! The full statistics hold every group's numbers at full precision, small groups
//! included; a reader with the attachment could undo every suppression in the
//! documents. [`public`] turns them into the public ones:
//!
//! * a group hidden in the count tables (its size small, or hidden as a complement)
//!   is hidden in every statistic of that group, in every wave: `n`, tie sums, means,
//!   standard deviations, internal and external ties, E-I index, cross-category
//!   ratios, mean betweenness and closeness, top brokers, its mixing-matrix row and
//!   column, and its change between waves;
//! * the tie sums are linked (each group's `ties_sum` is twice its internal ties plus
//!   its external ties, the mixing matrix adds up to the wave's ties, the diagonal to
//!   the dimension's internal ties), so per wave and dimension they go through the
//!   engine as one problem over the mixing matrix, and the tie statistics of further
//!   groups are hidden where the published totals would give a hidden group's away;
//! * the other additive group statistics (cross-ratio sums and counts, betweenness
//!   and closeness sums) have published totals too: they are hidden for the same
//!   groups, and for more until at least two groups are hidden and each statistic's
//!   hidden total is positive (a hidden total of zero pins every hidden group at zero);
//! * the dimension's attribute assortativity is hidden when any group is: it squares
//!   the groups' tie totals, so with the other numbers it can give them back;
//! * top brokers per category come from the count tables when they were protected
//!   there ([`Decisions::brokers`]); otherwise every category's count is hidden in a
//!   dimension with a hidden group (the wave's total stays).
//!
//! A hidden value becomes `null`, and the object that held it gets a `withheld` object
//! naming each hidden key with the reason. A top-level `disclosure` object records the
//! threshold. Network-level statistics (totals over all organisations) are kept.

use serde_json::{Map, Value, json};

use super::engine::{Cell, DisclosureError, Kind, Mark, Problem};

/// The count tables' decisions that the public statistics follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decisions<'a> {
    /// The suppression threshold.
    pub threshold: u64,
    /// Per dimension (in `stats.json` order), per category: the mark of its size.
    pub sizes: &'a [Vec<Mark>],
    /// Per wave, per dimension, per category: the mark of the category's top-broker
    /// count, when the count tables protected top brokers by every dimension.
    pub brokers: Option<&'a [Vec<Vec<Mark>>]>,
}

/// Why a value is withheld.
fn small(k: u64) -> String {
    format!("group of fewer than {k} organisations")
}
const COMPLEMENT: &str = "group hidden so that a small group cannot be worked out";
const SUM: &str = "hidden so that a hidden group's statistic cannot be worked out from the totals";
const NONLINEAR: &str =
    "hidden because the dimension has a hidden group whose tie total it would reveal";

/// Group statistics that are sums over members with a published total: the key of
/// the mean (or count) and how to turn it into the sum.
const ADDITIVE: [&str; 4] = [
    "cross_ratio",
    "cross_ratio_orgs",
    "mean_betweenness",
    "mean_closeness",
];

/// The public statistics of `stats` (the full `stats.json` as a value).
pub fn public(stats: &Value, decisions: &Decisions) -> Result<Value, DisclosureError> {
    let k = decisions.threshold;
    let mut out = stats.clone();
    let waves = out
        .get_mut("waves")
        .and_then(Value::as_array_mut)
        .ok_or(DisclosureError::Inconsistent)?;
    // Per wave, dimension and category: whether its tie sum is withheld.
    let mut ties_hidden: Vec<Vec<Vec<bool>>> = Vec::new();
    for (w, wave) in waves.iter_mut().enumerate() {
        let wave_ties = wave.get("ties").and_then(Value::as_u64).unwrap_or(0);
        let dims = wave
            .get_mut("dimensions")
            .and_then(Value::as_array_mut)
            .ok_or(DisclosureError::Inconsistent)?;
        let mut per_dim = Vec::new();
        for (d, dim) in dims.iter_mut().enumerate() {
            let sizes = decisions
                .sizes
                .get(d)
                .ok_or(DisclosureError::Inconsistent)?;
            let brokers = decisions.brokers.map(|b| b.get(w).and_then(|x| x.get(d)));
            let brokers = match brokers {
                Some(None) => return Err(DisclosureError::Inconsistent),
                Some(Some(m)) => Some(m.as_slice()),
                None => None,
            };
            per_dim.push(dimension(dim, sizes, brokers, wave_ties, k)?);
        }
        ties_hidden.push(per_dim);
    }
    if let Some(changes) = out.get_mut("changes").and_then(Value::as_array_mut) {
        for (i, change) in changes.iter_mut().enumerate() {
            let dims = change
                .get_mut("dimensions")
                .and_then(Value::as_array_mut)
                .ok_or(DisclosureError::Inconsistent)?;
            for (d, dim) in dims.iter_mut().enumerate() {
                let cats = dim
                    .get_mut("categories")
                    .and_then(Value::as_array_mut)
                    .ok_or(DisclosureError::Inconsistent)?;
                for (c, cat) in cats.iter_mut().enumerate() {
                    let hidden = |w: usize| {
                        ties_hidden
                            .get(w)
                            .and_then(|x| x.get(d))
                            .and_then(|x| x.get(c))
                            .copied()
                            .unwrap_or(true)
                    };
                    if hidden(i) || hidden(i + 1) {
                        let reason = match decisions.sizes[d].get(c) {
                            Some(Mark::Small) => small(k),
                            Some(m) if m.hidden() => COMPLEMENT.to_owned(),
                            _ => SUM.to_owned(),
                        };
                        withhold(cat, "mean_ties_change", &reason);
                    }
                }
            }
        }
    }
    if let Some(o) = out.as_object_mut() {
        o.insert(
            "disclosure".into(),
            json!({ "public": true, "threshold": k }),
        );
    }
    Ok(out)
}

/// Sets `obj[key]` to `null` and records why under `obj.withheld[key]` (the one way a
/// value is withheld, here and in [`crate::publication`]).
pub(crate) fn withhold(obj: &mut Value, key: &str, reason: &str) {
    let Some(o) = obj.as_object_mut() else {
        return;
    };
    if !o.contains_key(key) {
        return;
    }
    o.insert(key.to_owned(), Value::Null);
    let w = o
        .entry("withheld")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(w) = w.as_object_mut() {
        w.insert(key.to_owned(), Value::String(reason.to_owned()));
    }
}

fn u(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// One wave's dimension; returns which categories' tie sums are withheld.
// Long because it walks one dimension's keys in order; each step is commented.
fn dimension(
    dim: &mut Value,
    sizes: &[Mark],
    brokers: Option<&[Mark]>,
    wave_ties: u64,
    k: u64,
) -> Result<Vec<bool>, DisclosureError> {
    let cats: Vec<Value> = dim
        .get("categories")
        .and_then(Value::as_array)
        .cloned()
        .ok_or(DisclosureError::Inconsistent)?;
    let kk = cats.len();
    if sizes.len() != kk {
        return Err(DisclosureError::Inconsistent);
    }
    let hidden: Vec<bool> = sizes.iter().map(|m| m.hidden()).collect();
    let group_reason = |c: usize| match sizes[c] {
        Mark::Small => small(k),
        _ => COMPLEMENT.to_owned(),
    };
    let n: Vec<u64> = cats.iter().map(|c| u(c, "n")).collect();
    if !hidden.iter().any(|&h| h) {
        return Ok(vec![false; kk]);
    }
    // 1. The tie sums, through the engine over the mixing matrix.
    let mixing: Vec<Vec<u64>> = dim
        .get("mixing")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    r.as_array()
                        .map(|x| x.iter().map(|v| v.as_u64().unwrap_or(0)).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let tie_marks = tie_problem(&mixing, &n, &hidden, wave_ties, k)?;
    let TieMarks {
        mixing: mixing_hidden,
        ties_sum: sum_hidden,
        external: external_hidden,
    } = tie_marks;
    // 2. The other additive statistics: the groups withheld, topped up.
    let mut extra: Vec<bool> = (0..kk).map(|c| hidden[c] || sum_hidden[c]).collect();
    top_up(&cats, &n, &mut extra);
    // 3. Write the categories.
    let out_cats = dim
        .get_mut("categories")
        .and_then(Value::as_array_mut)
        .ok_or(DisclosureError::Inconsistent)?;
    for (c, cat) in out_cats.iter_mut().enumerate() {
        let reason = if hidden[c] {
            group_reason(c)
        } else {
            SUM.to_owned()
        };
        if hidden[c] {
            for key in ["n", "sd_ties"] {
                withhold(cat, key, &reason);
            }
        }
        if sum_hidden[c] {
            withhold(cat, "ties_sum", &reason);
            withhold(cat, "mean_ties", &reason);
        }
        if mixing_hidden[c][c] {
            withhold(cat, "internal_ties", &reason);
        }
        if external_hidden[c] {
            withhold(cat, "external_ties", &reason);
        }
        if mixing_hidden[c][c] || external_hidden[c] {
            withhold(cat, "ei_index", &reason);
        }
        if extra[c] {
            for key in ADDITIVE.iter().chain(&["cross_ratio_excluded"]) {
                withhold(cat, key, &reason);
            }
        }
        let broker_hidden = match brokers {
            Some(m) => m.get(c).is_none_or(|m| m.hidden()),
            None => true,
        };
        if broker_hidden {
            withhold(cat, "top_brokers", &reason);
        }
    }
    // 4. The mixing matrix and the assortativity.
    if let Some(rows) = dim.get_mut("mixing").and_then(Value::as_array_mut) {
        for (i, row) in rows.iter_mut().enumerate() {
            if let Some(row) = row.as_array_mut() {
                for (j, v) in row.iter_mut().enumerate() {
                    if mixing_hidden[i.min(j)][i.max(j)] {
                        *v = Value::Null;
                    }
                }
            }
        }
    }
    if mixing_hidden.iter().flatten().any(|&h| h) {
        let o = dim.as_object_mut().ok_or(DisclosureError::Inconsistent)?;
        let w = o
            .entry("withheld")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(w) = w.as_object_mut() {
            w.insert(
                "mixing".into(),
                Value::String(
                    "cells of hidden groups, and cells that would give them away, are null".into(),
                ),
            );
        }
    }
    withhold(dim, "assortativity", NONLINEAR);
    Ok(sum_hidden)
}

/// Which tie statistics of one wave and dimension are withheld.
struct TieMarks {
    /// `[i][j]` for `i <= j`.
    mixing: Vec<Vec<bool>>,
    ties_sum: Vec<bool>,
    external: Vec<bool>,
}

/// The linked tie sums as one engine problem: atoms are the mixing matrix's cells on
/// and above the diagonal; cells are those, each group's tie sum and external ties,
/// and the wave's ties and internal ties (fixed: printed elsewhere). Cells touching a
/// hidden group are forced hidden. When even hiding every group's tie statistics
/// cannot protect them (a wave without ties), all of them are withheld.
// The matrix is symmetric and indexed both ways, so indices read more plainly.
#[allow(clippy::needless_range_loop)]
fn tie_problem(
    mixing: &[Vec<u64>],
    n: &[u64],
    hidden: &[bool],
    wave_ties: u64,
    k: u64,
) -> Result<TieMarks, DisclosureError> {
    let kk = n.len();
    let get = |i: usize, j: usize| mixing.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
    let mut p = Problem::new(k);
    let mut atom = vec![vec![usize::MAX; kk]; kk];
    for i in 0..kk {
        for j in i..kk {
            atom[i][j] = p.atom(get(i, j));
            atom[j][i] = atom[i][j];
        }
    }
    let group = |members: u64| Kind::Group { members };
    let mut mix_cell = vec![vec![usize::MAX; kk]; kk];
    for i in 0..kk {
        for j in i..kk {
            mix_cell[i][j] = p.cell(Cell {
                name: format!("mixing {i} {j}"),
                terms: vec![(atom[i][j], 1)],
                kind: group(n[i].min(n[j])),
                fixed: false,
                forced: hidden[i] || hidden[j],
            });
        }
    }
    let mut sum_cell = Vec::new();
    let mut ext_cell = Vec::new();
    for c in 0..kk {
        let mut terms = vec![(atom[c][c], 2)];
        let ext: Vec<(usize, u64)> = (0..kk)
            .filter(|&j| j != c)
            .map(|j| (atom[c][j], 1))
            .collect();
        terms.extend(ext.iter().copied());
        sum_cell.push(p.cell(Cell {
            name: format!("ties_sum {c}"),
            terms,
            kind: group(n[c]),
            fixed: false,
            forced: hidden[c],
        }));
        ext_cell.push(p.cell(Cell {
            name: format!("external_ties {c}"),
            terms: ext,
            kind: group(n[c]),
            fixed: false,
            forced: hidden[c],
        }));
    }
    let total: u64 = n.iter().sum();
    let all: Vec<(usize, u64)> = (0..kk)
        .flat_map(|i| (i..kk).map(move |j| (i, j)))
        .map(|(i, j)| (atom[i][j], 1))
        .collect();
    p.cell(Cell {
        name: "ties".into(),
        terms: all,
        kind: group(total),
        fixed: true,
        forced: false,
    });
    p.cell(Cell {
        name: "internal_ties".into(),
        terms: (0..kk).map(|c| (atom[c][c], 1)).collect(),
        kind: group(total),
        fixed: true,
        forced: false,
    });
    debug_assert!(
        wave_ties == p.value(p.cells.len() - 2) || mixing.is_empty(),
        "the mixing matrix adds up to the wave's ties"
    );
    let marks = match p.protect() {
        Ok(out) => out.marks,
        Err(DisclosureError::Unprotectable { .. } | DisclosureError::SmallFixedCell { .. }) => {
            vec![Mark::Complement; p.cells.len()]
        }
        Err(e) => return Err(e),
    };
    let h = |i: usize| marks[i].hidden();
    Ok(TieMarks {
        mixing: (0..kk)
            .map(|i| (0..kk).map(|j| j >= i && h(mix_cell[i][j])).collect())
            .collect(),
        ties_sum: sum_cell.iter().map(|&i| h(i)).collect(),
        external: ext_cell.iter().map(|&i| h(i)).collect(),
    })
}

/// Adds groups to `withheld` (cheapest first: fewest members, then order) until at
/// least two are withheld and each additive statistic's withheld total is positive
/// wherever its total over all groups is.
fn top_up(cats: &[Value], n: &[u64], withheld: &mut [bool]) {
    let sum = |key: &str, c: usize| -> f64 {
        let v = cats[c].get(key).and_then(Value::as_f64).unwrap_or(0.0);
        match key {
            "cross_ratio" => {
                v * cats[c]
                    .get("cross_ratio_orgs")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
            }
            "mean_betweenness" | "mean_closeness" => v * n[c] as f64,
            _ => v,
        }
    };
    let needs_more = |w: &[bool]| {
        let count = w.iter().filter(|&&x| x).count();
        count == 1
            || (count > 0
                && ADDITIVE.iter().any(|key| {
                    let hidden: f64 = (0..w.len()).filter(|&c| w[c]).map(|c| sum(key, c)).sum();
                    let all: f64 = (0..w.len()).map(|c| sum(key, c)).sum();
                    hidden <= 0.0 && all > 0.0
                }))
    };
    while needs_more(withheld) {
        let next = (0..withheld.len())
            .filter(|&c| !withheld[c])
            .min_by_key(|&c| (n[c], c));
        match next {
            Some(c) => withheld[c] = true,
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: &str, n: u64, ties_sum: u64, internal: u64, external: u64) -> Value {
        json!({
            "id": id, "n": n, "ties_sum": ties_sum,
            "mean_ties": ties_sum as f64 / n as f64, "sd_ties": 1.0,
            "internal_ties": internal, "external_ties": external, "ei_index": 0.1,
            "cross_ratio": 0.5, "cross_ratio_orgs": n, "cross_ratio_excluded": 0,
            "mean_betweenness": 0.01, "mean_closeness": 0.3, "top_brokers": 1
        })
    }

    /// One wave, one dimension of sizes 40, 2 and 50 with the mixing matrix below.
    fn stats() -> Value {
        let mixing = [[30u64, 3, 20], [3, 0, 1], [20, 1, 40]];
        json!({
            "schema": 2,
            "waves": [{
                "id": "w", "ties": 94,
                "dimensions": [{
                    "column": "population",
                    "categories": [
                        category("a", 40, 83, 30, 23),
                        category("b", 2, 4, 0, 4),
                        category("c", 50, 101, 40, 21),
                    ],
                    "mixing": mixing,
                    "internal_ties": 70, "external_ties": 24,
                    "ei_index": -0.49, "assortativity": 0.3, "cross_ratio": 0.5,
                    "top_brokers": 3
                }]
            }],
            "changes": []
        })
    }

    #[test]
    fn a_hidden_group_is_hidden_in_every_statistic_and_its_ties_cannot_be_worked_out() {
        // The count tables hid the small group b and, as its complement, a.
        let sizes = vec![vec![Mark::Complement, Mark::Small, Mark::Shown(50)]];
        let out = public(
            &stats(),
            &Decisions {
                threshold: 3,
                sizes: &sizes,
                brokers: None,
            },
        )
        .expect("protectable");
        let dim = &out["waves"][0]["dimensions"][0];
        let b = &dim["categories"][1];
        for key in [
            "n",
            "ties_sum",
            "mean_ties",
            "sd_ties",
            "internal_ties",
            "external_ties",
            "ei_index",
            "cross_ratio",
            "mean_betweenness",
            "top_brokers",
        ] {
            assert_eq!(b[key], Value::Null, "{key}");
        }
        assert_eq!(
            b["withheld"]["n"],
            json!("group of fewer than 3 organisations")
        );
        // The ties between a and b (3) would follow from the totals (94 ties, 70
        // internal) and c's external ties (21): so those and c's internal ties are
        // withheld too. c's tie sum (101 = 2 × internal + external) stays: with both
        // parts hidden, the ties between a and b can be anything from 0 to 24.
        assert_eq!(dim["mixing"][0][1], Value::Null);
        assert_eq!(dim["mixing"][2][2], Value::Null);
        assert_eq!(dim["categories"][2]["external_ties"], Value::Null);
        assert_eq!(dim["categories"][2]["internal_ties"], Value::Null);
        assert_eq!(
            dim["categories"][2]["withheld"]["external_ties"],
            json!(SUM)
        );
        assert_eq!(dim["categories"][2]["ties_sum"], json!(101));
        assert_eq!(dim["categories"][2]["n"], json!(50));
        assert_eq!(dim["assortativity"], Value::Null);
        assert_eq!(dim["internal_ties"], json!(70));
        assert_eq!(out["disclosure"]["threshold"], json!(3));
    }

    #[test]
    fn nothing_changes_without_a_hidden_group() {
        let sizes = vec![vec![Mark::Shown(40), Mark::Shown(2), Mark::Shown(50)]];
        let out = public(
            &stats(),
            &Decisions {
                threshold: 3,
                sizes: &sizes,
                brokers: None,
            },
        )
        .expect("protectable");
        let mut expected = stats();
        expected["disclosure"] = json!({"public": true, "threshold": 3});
        assert_eq!(out, expected);
    }

    #[test]
    fn a_lone_withheld_group_takes_another_with_it_for_the_additive_statistics() {
        let cats = vec![
            category("a", 40, 83, 30, 23),
            category("b", 2, 4, 0, 4),
            category("c", 50, 101, 40, 21),
        ];
        let mut w = vec![false, true, false];
        top_up(&cats, &[40, 2, 50], &mut w);
        assert_eq!(w, [true, true, false]);
    }
}
