//! What the survey could observe, as data the tests can respect: who responded, the
//! directed reports of a wave, the ties they make under either tie rule, who reported
//! each tie, the response strata of the label permutations and the closed-form
//! expectation of ties inside categories under those permutations.
//!
//! The design: `n` organisations, some of them respondents. In each wave a respondent
//! names partners (directed reports); undirected ties follow the tie rule (`union`:
//! either side named the other; `reciprocated`: both did). A tie between two
//! non-respondents can never be observed, so when response rates differ between
//! categories the labels of respondents and non-respondents are not exchangeable.
//! Permuting labels *within* response strata (respondents among respondents,
//! non-respondents among non-respondents) keeps the null hypothesis of "no homophily"
//! consistent with how the network was seen. See `STATISTICS.md`, "Homophily".

use std::ops::Range;

use crate::model::Study;
use crate::stats::graph::ratio_i128;
use crate::study::TieRule;

/// Whether each organisation (by index) answered the survey in `wave`.
///
/// The study records one `responded` flag for all waves, so `wave` is not used yet;
/// every caller goes through here so that a per-wave flag changes one function.
pub fn respondents(study: &Study, _wave: usize) -> Vec<bool> {
    study.orgs.iter().map(|o| o.responded).collect()
}

/// The directed reports `(reporter, partner)` of `wave`, sorted and without repeats.
pub fn reports(study: &Study, wave: usize) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = study
        .reports
        .iter()
        .filter(|r| r.wave == wave && r.reporter != r.partner)
        .map(|r| (r.reporter, r.partner))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A tie and who reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportedTie {
    /// The lower organisation index.
    pub a: u32,
    /// The higher organisation index.
    pub b: u32,
    /// `a` named `b`.
    pub a_named: bool,
    /// `b` named `a`.
    pub b_named: bool,
}

impl ReportedTie {
    /// How many of the two ends named the other (1 or 2).
    pub fn reporters(&self) -> u32 {
        u32::from(self.a_named) + u32::from(self.b_named)
    }
}

/// The undirected ties made by sorted directed `reports` under `rule`, each with the
/// reports that make it, sorted by `(a, b)`.
///
/// Whether `x` named `y` is looked up in `x`'s own run of the sorted reports (found
/// through an offset per reporter), not in the whole list: at 1,000,000 reports a
/// search of the whole list missed the cache at every step and this function, called
/// a dozen times per study, took seconds.
pub fn reported_ties(reports: &[(u32, u32)], rule: TieRule) -> Vec<ReportedTie> {
    let rows = reporter_rows(reports);
    let named = |x: u32, y: u32| {
        let x = x as usize;
        let run = rows.get(x).zip(rows.get(x + 1));
        run.is_some_and(|(&from, &to)| {
            reports[from..to]
                .binary_search_by_key(&y, |&(_, p)| p)
                .is_ok()
        })
    };
    let mut out: Vec<ReportedTie> = reports
        .iter()
        .filter_map(|&(r, p)| {
            let (a, b) = (r.min(p), r.max(p));
            let t = ReportedTie {
                a,
                b,
                a_named: named(a, b),
                b_named: named(b, a),
            };
            // Each pair is produced once: from its lower reporter when both named.
            let first = if t.a_named && t.b_named { r == a } else { true };
            let kept = match rule {
                TieRule::Union => true,
                TieRule::Reciprocated => t.a_named && t.b_named,
            };
            (first && kept).then_some(t)
        })
        .collect();
    out.sort_unstable_by_key(|t| (t.a, t.b));
    out
}

/// Where each reporter's run of the sorted `reports` starts: the reports of `x` are
/// `reports[rows[x]..rows[x + 1]]`, for every `x` up to the largest reporter.
fn reporter_rows(reports: &[(u32, u32)]) -> Vec<usize> {
    let last = reports.last().map_or(0, |&(r, _)| r as usize + 1);
    let mut rows = vec![0usize; last + 1];
    for &(r, _) in reports {
        rows[r as usize + 1] += 1;
    }
    for x in 1..rows.len() {
        rows[x] += rows[x - 1];
    }
    rows
}

/// The undirected ties `(a, b)`, `a < b`, under `rule`, from the ties `union` that
/// [`reported_ties`] found under [`TieRule::Union`]: the same pairs in the same order
/// as `reported_ties(reports, rule)` (a reciprocated tie is a union tie that both ends
/// named), so one pass over the reports serves both rules. Sorted, as [`Study::ties`]
/// gives them for the study's own rule.
pub fn ties_under(union: &[ReportedTie], rule: TieRule) -> Vec<(u32, u32)> {
    union
        .iter()
        .filter(|t| rule == TieRule::Union || (t.a_named && t.b_named))
        .map(|t| (t.a, t.b))
        .collect()
}

/// How often respondent pairs agree that they worked together.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reciprocity {
    /// Pairs of two respondents in which at least one named the other.
    pub named_pairs: usize,
    /// Those pairs in which both named the other.
    pub mutual_pairs: usize,
    /// `mutual_pairs / named_pairs`; `None` when no respondent pair was named.
    pub rate: Option<f64>,
}

/// The reciprocity among the organisations flagged in `responded`, from the ties
/// `union` that [`reported_ties`] found under [`TieRule::Union`].
pub fn reciprocity(union: &[ReportedTie], responded: &[bool]) -> Reciprocity {
    let both = |t: &&ReportedTie| responded[t.a as usize] && responded[t.b as usize];
    let named = union.iter().filter(both).count();
    let mutual = union
        .iter()
        .filter(both)
        .filter(|t| t.a_named && t.b_named)
        .count();
    Reciprocity {
        named_pairs: named,
        mutual_pairs: mutual,
        rate: (named > 0).then(|| ratio_i128(mutual as i128, named as i128)),
    }
}

/// A partition of the nodes into strata within which labels are permuted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strata {
    /// The stratum of each node, `0..count`.
    of: Vec<u8>,
    /// Number of strata.
    count: usize,
}

/// The nodes of a [`Strata`] reordered so that every stratum is one contiguous run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The new position of each node.
    pub position: Vec<u32>,
    /// The positions of each stratum, in stratum order.
    pub segments: Vec<Range<usize>>,
}

impl Strata {
    /// One stratum holding every node: labels are shuffled over all organisations
    /// (the test before schema 3, which ignores the design).
    pub fn whole(n: usize) -> Strata {
        Strata {
            of: vec![0; n],
            count: 1,
        }
    }

    /// Respondents (stratum 0) and non-respondents (stratum 1).
    pub fn by_response(responded: &[bool]) -> Strata {
        Strata {
            of: responded.iter().map(|&r| u8::from(!r)).collect(),
            count: 2,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.of.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.of.is_empty()
    }

    /// The stratum of node `v`.
    pub fn of(&self, v: usize) -> usize {
        usize::from(self.of[v])
    }

    /// Number of strata.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Positions that put the strata one after another, each keeping its nodes in
    /// index order. With one stratum every node keeps its index.
    pub fn layout(&self) -> Layout {
        let mut sizes = vec![0usize; self.count];
        for &s in &self.of {
            sizes[usize::from(s)] += 1;
        }
        let mut start = Vec::with_capacity(self.count);
        let mut segments = Vec::with_capacity(self.count);
        let mut at = 0;
        for &size in &sizes {
            start.push(at);
            segments.push(at..at + size);
            at += size;
        }
        let position = self
            .of
            .iter()
            .map(|&s| {
                let p = start[usize::from(s)];
                start[usize::from(s)] += 1;
                p as u32
            })
            .collect();
        Layout { position, segments }
    }
}

/// The expected number of ties inside categories when `labels` are permuted
/// uniformly within each stratum of `strata` (category counts kept per stratum) and
/// the ties stay fixed; `None` without ties.
///
/// For a tie between strata `s` and `t` the two ends' labels agree with probability
/// `sum_c n_sc n_tc / (N_s N_t)` when `s != t` (the two labels are independent draws),
/// and `sum_c n_sc (n_sc - 1) / (N_s (N_s - 1))` when `s = t` (two draws without
/// replacement from one stratum); `n_sc` counts the stratum's members of category `c`
/// and `N_s` its size. The expectation is the sum of these probabilities over the
/// ties: per pair of strata, the number of ties between them times one exact ratio of
/// integers, summed in stratum order.
pub fn expected_internal(ties: &[(u32, u32)], labels: &[u32], strata: &Strata) -> Option<f64> {
    if ties.is_empty() {
        return None;
    }
    let k = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let s = strata.count();
    let mut n = vec![vec![0i128; k]; s];
    for (v, &l) in labels.iter().enumerate() {
        n[strata.of(v)][l as usize] += 1;
    }
    let size: Vec<i128> = n.iter().map(|row| row.iter().sum()).collect();
    let mut between = vec![vec![0i128; s]; s];
    for &(a, b) in ties {
        let (x, y) = (strata.of(a as usize), strata.of(b as usize));
        between[x.min(y)][x.max(y)] += 1;
    }
    let mut total = 0.0;
    for x in 0..s {
        for y in x..s {
            let m = between[x][y];
            if m == 0 {
                continue;
            }
            let (num, den) = if x == y {
                let agree: i128 = n[x].iter().map(|&c| c * (c - 1)).sum();
                (agree, size[x] * (size[x] - 1))
            } else {
                let agree: i128 = n[x].iter().zip(&n[y]).map(|(&c, &d)| c * d).sum();
                (agree, size[x] * size[y])
            };
            total += ratio_i128(m * num, den);
        }
    }
    Some(total)
}

/// The share of `ties` expected to cross categories under the permutations of
/// [`expected_internal`]: `1 - E[I] / m`; `None` without ties.
pub fn expected_cross_share(ties: &[(u32, u32)], labels: &[u32], strata: &Strata) -> Option<f64> {
    expected_internal(ties, labels, strata).map(|i| 1.0 - i / ties.len() as f64)
}

/// The E-I index expected under the permutations of [`expected_internal`]:
/// `(m - 2 E[I]) / m`; `None` without ties.
pub fn expected_ei(ties: &[(u32, u32)], labels: &[u32], strata: &Strata) -> Option<f64> {
    expected_internal(ties, labels, strata).map(|i| 1.0 - 2.0 * i / ties.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looking_up_reports_by_reporter_matches_searching_the_whole_list() {
        // Random sorted reports with many mutual pairs and gaps in the reporters;
        // the reference is the search of the whole list this function used before.
        let mut r = crate::stats::rng::generator([5; 32], 0);
        for (n, m) in [(1u32, 3usize), (30, 200), (400, 3000)] {
            let mut reports: Vec<(u32, u32)> = (0..m)
                .map(|_| {
                    let a = crate::stats::rng::below(&mut r, n);
                    (a, crate::stats::rng::below(&mut r, n))
                })
                .filter(|&(a, _)| a % 7 != 3)
                .collect();
            let mirrored: Vec<(u32, u32)> =
                reports.iter().step_by(3).map(|&(a, b)| (b, a)).collect();
            reports.extend(mirrored.into_iter().filter(|&(a, _)| a % 7 != 3));
            reports.sort_unstable();
            reports.dedup();
            for rule in [TieRule::Union, TieRule::Reciprocated] {
                let named = |x: u32, y: u32| reports.binary_search(&(x, y)).is_ok();
                let mut expected: Vec<ReportedTie> = reports
                    .iter()
                    .filter_map(|&(r, p)| {
                        let (a, b) = (r.min(p), r.max(p));
                        let (a_named, b_named) = (named(a, b), named(b, a));
                        let first = !(a_named && b_named) || r == a;
                        let kept = rule == TieRule::Union || (a_named && b_named);
                        (first && kept).then_some(ReportedTie {
                            a,
                            b,
                            a_named,
                            b_named,
                        })
                    })
                    .collect();
                expected.sort_unstable_by_key(|t| (t.a, t.b));
                assert_eq!(reported_ties(&reports, rule), expected, "n = {n}");
                // Filtering the union's ties gives the rule's own ties, in order.
                let union = reported_ties(&reports, TieRule::Union);
                let pairs: Vec<(u32, u32)> = expected.iter().map(|t| (t.a, t.b)).collect();
                assert_eq!(ties_under(&union, rule), pairs, "n = {n}");
            }
        }
        assert_eq!(reported_ties(&[], TieRule::Union), Vec::new());
    }

    #[test]
    fn ties_under_both_rules_with_their_reporters() {
        // 0 -> 1 and 1 -> 0 (mutual), 2 -> 0, 1 -> 3.
        let reports = vec![(0, 1), (1, 0), (1, 3), (2, 0)];
        let union = reported_ties(&reports, TieRule::Union);
        assert_eq!(
            union,
            vec![
                ReportedTie {
                    a: 0,
                    b: 1,
                    a_named: true,
                    b_named: true
                },
                ReportedTie {
                    a: 0,
                    b: 2,
                    a_named: false,
                    b_named: true
                },
                ReportedTie {
                    a: 1,
                    b: 3,
                    a_named: true,
                    b_named: false
                },
            ]
        );
        assert_eq!(ties_under(&union, TieRule::Reciprocated), vec![(0, 1)]);
        let all = [true, true, true, false];
        assert_eq!(
            reciprocity(&union, &all),
            Reciprocity {
                named_pairs: 2,
                mutual_pairs: 1,
                rate: Some(0.5)
            }
        );
        assert_eq!(reciprocity(&[], &all).rate, None);
    }

    #[test]
    fn layout_makes_strata_contiguous_in_index_order() {
        let s = Strata::by_response(&[false, true, true, false, true]);
        let l = s.layout();
        assert_eq!(l.position, vec![3, 0, 1, 4, 2]);
        assert_eq!(l.segments, vec![0..3, 3..5]);
        let w = Strata::whole(3).layout();
        assert_eq!(w.position, vec![0, 1, 2]);
        assert_eq!(w.segments.len(), 1);
        assert_eq!(w.segments[0], 0..3);
    }

    /// Every distinct labelling of a small graph, permuting within strata, enumerated:
    /// the mean of the internal ties equals the closed form.
    #[test]
    fn closed_form_equals_the_enumerated_mean() {
        // Nodes 0-3 respond, 4-6 do not; labels 0,0,1,2 | 1,1,0.
        let labels = vec![0u32, 0, 1, 2, 1, 1, 0];
        let responded = [true, true, true, true, false, false, false];
        let ties = vec![(0, 1), (0, 4), (1, 2), (2, 3), (3, 5), (1, 6), (2, 6)];
        let strata = Strata::by_response(&responded);
        let closed = expected_internal(&ties, &labels, &strata).expect("ties");
        let mut sum = 0u64;
        let mut count = 0u64;
        for p in permutations(&[0, 1, 2, 3]) {
            for q in permutations(&[4, 5, 6]) {
                let mut l = labels.clone();
                for (i, &v) in p.iter().enumerate() {
                    l[i] = labels[v];
                }
                for (i, &v) in q.iter().enumerate() {
                    l[4 + i] = labels[v];
                }
                sum += ties
                    .iter()
                    .filter(|&&(a, b)| l[a as usize] == l[b as usize])
                    .count() as u64;
                count += 1;
            }
        }
        assert_eq!(count, 24 * 6);
        assert!((closed - sum as f64 / count as f64).abs() < 1e-12);
        // By hand: RR ties 0-1, 1-2, 2-3 agree with probability 2/12 (one pair of
        // equal labels among 4 * 3 ordered pairs); RN ties 0-4, 3-5, 1-6, 2-6 with
        // (2*1 + 1*2 + 0 + 0) / 12 = 4/12. E[I] = 3 * 2/12 + 4 * 4/12 = 22/12.
        assert!((closed - 22.0 / 12.0).abs() < 1e-12);
        assert_eq!(expected_internal(&[], &labels, &strata), None);
    }

    fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut out = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(i);
            for mut p in permutations(&rest) {
                p.insert(0, first);
                out.push(p);
            }
        }
        out
    }
}
