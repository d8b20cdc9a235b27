//! Figures that draw several attributes of one organisation at once, such as the
//! network map (colour = population, shape = organisation type, fill = responded).
//!
//! Every organisation drawn shows a *combination* of marks. A combination that fewer
//! than `threshold` organisations share singles them out even when every attribute on
//! its own is common: with real data, "the only Dutch alliance member serving people
//! who use drugs" is one known organisation, and the map then shows whether it
//! answered and all its ties. [`plan`] decides what such a figure may draw so that
//! every combination it shows, including the neutral mark, has no member or at least
//! `threshold`:
//!
//! * an attribute may be dropped from the figure altogether (for every organisation);
//! * of the attributes drawn, each rare combination is merged into one neutral mark
//!   (grey, plain symbol, no fill: none of the drawn attributes shown); when the
//!   neutral mark itself would have fewer than `threshold` members, the smallest
//!   other combinations join it until it has enough.
//!
//! Among all choices of attributes to drop, [`plan`] keeps the one that shows the
//! most facts (one fact per organisation and attribute drawn truthfully), then the one
//! with fewer neutral organisations, then the one that keeps the earlier attributes.
//! The figure's legend should say which combinations are merged and which attributes
//! are not drawn.

use std::collections::BTreeMap;

/// What a figure may draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Per attribute: whether the figure draws it.
    pub drawn: Vec<bool>,
    /// Per organisation: whether it is drawn with the neutral mark.
    pub neutral: Vec<bool>,
    /// The combinations drawn as themselves, with their members, in order; the values
    /// of attributes not drawn are `None`.
    pub shown: Vec<(Vec<Option<usize>>, usize)>,
    /// The combinations merged into the neutral mark, with their members, in order.
    pub merged: Vec<(Vec<Option<usize>>, usize)>,
}

impl Plan {
    /// Organisations drawn with the neutral mark.
    pub fn neutral_count(&self) -> usize {
        self.neutral.iter().filter(|&&n| n).count()
    }

    /// Facts shown: organisations not neutral times attributes drawn.
    pub fn facts(&self) -> usize {
        let drawn = self.drawn.iter().filter(|&&d| d).count();
        (self.neutral.len() - self.neutral_count()) * drawn
    }
}

/// The combinations of `tuples` (one per organisation, one value per attribute) with
/// at least one and fewer than `threshold` members, in order.
pub fn rare(tuples: &[Vec<usize>], threshold: usize) -> Vec<(Vec<usize>, usize)> {
    let mut counts: BTreeMap<&[usize], usize> = BTreeMap::new();
    for t in tuples {
        *counts.entry(t.as_slice()).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|&(_, n)| n < threshold)
        .map(|(t, n)| (t.to_vec(), n))
        .collect()
}

/// The plan for drawing `tuples` (one per organisation, each with `attributes`
/// values) so that no shown combination has fewer than `threshold` members.
pub fn plan(tuples: &[Vec<usize>], attributes: usize, threshold: usize) -> Plan {
    let mut best: Option<Plan> = None;
    // Subsets of attributes to draw, from all (mask 0: nothing dropped) upward; at
    // most a handful of attributes, so all 2^attributes subsets are tried.
    for dropped in 0u32..(1u32 << attributes.min(16)) {
        let drawn: Vec<bool> = (0..attributes).map(|a| dropped & (1 << a) == 0).collect();
        let candidate = plan_drawing(tuples, &drawn, threshold);
        let better = match &best {
            None => true,
            Some(b) => {
                (
                    candidate.facts(),
                    std::cmp::Reverse(candidate.neutral_count()),
                ) > (b.facts(), std::cmp::Reverse(b.neutral_count()))
            }
        };
        if better {
            best = Some(candidate);
        }
    }
    best.unwrap_or_else(|| plan_drawing(tuples, &[], threshold))
}

/// The plan when the figure draws exactly the attributes in `drawn`.
fn plan_drawing(tuples: &[Vec<usize>], drawn: &[bool], threshold: usize) -> Plan {
    let project = |t: &[usize]| -> Vec<Option<usize>> {
        drawn
            .iter()
            .enumerate()
            .map(|(a, &d)| if d { t.get(a).copied() } else { None })
            .collect()
    };
    let keys: Vec<Vec<Option<usize>>> = tuples.iter().map(|t| project(t)).collect();
    let mut counts: BTreeMap<&[Option<usize>], usize> = BTreeMap::new();
    for k in &keys {
        *counts.entry(k.as_slice()).or_default() += 1;
    }
    let mut merged: Vec<(Vec<Option<usize>>, usize)> = counts
        .iter()
        .filter(|&(_, &n)| n < threshold)
        .map(|(k, &n)| (k.to_vec(), n))
        .collect();
    let mut shown: Vec<(Vec<Option<usize>>, usize)> = counts
        .iter()
        .filter(|&(_, &n)| n >= threshold)
        .map(|(k, &n)| (k.to_vec(), n))
        .collect();
    let mut in_neutral: usize = merged.iter().map(|(_, n)| n).sum();
    // A neutral mark with too few members is itself rare: the smallest shown
    // combinations join it (the first in order on ties).
    while in_neutral > 0 && in_neutral < threshold && !shown.is_empty() {
        let smallest = (0..shown.len())
            .min_by_key(|&i| (shown[i].1, i))
            .unwrap_or(0);
        let (k, n) = shown.remove(smallest);
        in_neutral += n;
        merged.push((k, n));
    }
    merged.sort();
    let neutral = keys
        .iter()
        .map(|k| merged.iter().any(|(m, _)| m == k))
        .collect();
    Plan {
        drawn: drawn.to_vec(),
        neutral,
        shown,
        merged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Organisations from `(tuple, how many)` groups.
    fn orgs(groups: &[(&[usize], usize)]) -> Vec<Vec<usize>> {
        groups
            .iter()
            .flat_map(|(t, n)| std::iter::repeat_n(t.to_vec(), *n))
            .collect()
    }

    #[test]
    fn the_shipped_map_merges_ten_organisations_into_the_neutral_mark() {
        // (population, organisation type, responded) of the shipped synthetic study.
        let tuples = orgs(&[
            (&[0, 0, 1], 17),
            (&[1, 0, 1], 15),
            (&[2, 0, 1], 11),
            (&[2, 0, 0], 10),
            (&[1, 0, 0], 9),
            (&[3, 0, 1], 8),
            (&[0, 0, 0], 6),
            (&[1, 1, 1], 3),
            (&[3, 0, 0], 3),
            (&[2, 2, 1], 2),
            (&[3, 2, 1], 2),
            (&[0, 1, 1], 1),
            (&[2, 1, 1], 1),
            (&[1, 2, 1], 1),
            (&[1, 2, 0], 1),
            (&[2, 2, 0], 1),
            (&[0, 2, 1], 1),
        ]);
        assert_eq!(rare(&tuples, 3).len(), 8);
        let p = plan(&tuples, 3, 3);
        assert_eq!(p.drawn, [true, true, true]);
        assert_eq!(p.neutral_count(), 10);
        assert_eq!(p.facts(), 82 * 3);
        assert!(p.shown.iter().all(|(_, n)| *n >= 3));
        // Every global network is merged: the map shows no global-network shape.
        assert!(
            p.shown.iter().all(|(k, _)| k[1] != Some(2)),
            "{:?}",
            p.shown
        );
    }

    #[test]
    fn a_neutral_mark_with_too_few_members_takes_the_smallest_combinations() {
        // One rare organisation: the neutral mark would single it out, so the
        // smallest other combination (3 members) joins it.
        let tuples = orgs(&[(&[0, 0], 20), (&[0, 1], 3), (&[1, 0], 10), (&[1, 1], 1)]);
        let p = plan(&tuples, 2, 3);
        assert_eq!(p.neutral_count(), 4);
        assert_eq!(
            p.merged,
            [(vec![Some(0), Some(1)], 3), (vec![Some(1), Some(1)], 1)]
        );
    }

    #[test]
    fn dropping_an_attribute_wins_when_it_shows_more() {
        // The second attribute splits everyone into pairs: drawing it would make
        // every organisation neutral, so it is dropped.
        let tuples: Vec<Vec<usize>> = (0..12).map(|i| vec![i % 2, i / 2]).collect();
        let p = plan(&tuples, 2, 3);
        assert_eq!(p.drawn, [true, false]);
        assert_eq!(p.neutral_count(), 0);
        assert_eq!(
            p.shown,
            [(vec![Some(0), None], 6), (vec![Some(1), None], 6)]
        );
    }

    #[test]
    fn nothing_changes_when_every_combination_is_common() {
        let tuples = orgs(&[(&[0, 1], 3), (&[1, 0], 4)]);
        let p = plan(&tuples, 2, 3);
        assert_eq!((p.drawn.clone(), p.neutral_count()), (vec![true, true], 0));
        assert!(rare(&tuples, 3).is_empty());
    }
}
