//! Ties within and across the categories of a dimension: mixing matrix, E-I indices,
//! cross-category ratios, Newman's attribute assortativity and the permutation test of
//! the E-I index (labels permuted within response strata, both tails, closed-form
//! null mean).
//!
//! The functions take plain tie lists and a category index per node, so they can be
//! checked on hand-made graphs. Counts are integers; each ratio is one division of
//! exact integers, except the mean cross-category ratio, which sums per-node shares in
//! node order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::ops::Range;

use crate::stats::design::{self, Strata};
use crate::stats::graph::ratio_i128;
use crate::stats::rng;

/// Ties between categories: `counts[i][j]` (= `counts[j][i]`) is the number of ties
/// between a node of category `i` and one of category `j`; the diagonal counts ties
/// inside a category, each once. The entries on and above the diagonal sum to the
/// number of ties.
///
/// (networkx's `attribute_mixing_matrix` counts each undirected tie in both
/// directions, so its diagonal is twice this one; [`attribute_assortativity`] accounts
/// for that.)
pub fn mixing_matrix(ties: &[(u32, u32)], labels: &[u32], categories: usize) -> Vec<Vec<u64>> {
    let mut m = vec![vec![0u64; categories]; categories];
    for &(a, b) in ties {
        let (i, j) = (labels[a as usize] as usize, labels[b as usize] as usize);
        m[i][j] += 1;
        if i != j {
            m[j][i] += 1;
        }
    }
    m
}

/// Ties inside categories (the trace of the mixing matrix).
pub fn internal(mixing: &[Vec<u64>]) -> u64 {
    mixing.iter().enumerate().map(|(i, row)| row[i]).sum()
}

/// Ties across categories (the entries above the diagonal).
pub fn external(mixing: &[Vec<u64>]) -> u64 {
    mixing
        .iter()
        .enumerate()
        .map(|(i, row)| row[i + 1..].iter().sum::<u64>())
        .sum()
}

/// Krackhardt & Stern's E-I index `(E - I) / (E + I)`; `None` when `E + I = 0`.
pub fn ei_index(external: u64, internal: u64) -> Option<f64> {
    let total = i128::from(external) + i128::from(internal);
    (total > 0).then(|| ratio_i128(i128::from(external) - i128::from(internal), total))
}

/// The E-I index of category `c` over its members' ties: each member's ties are
/// internal or external as seen from that member, so a tie between two members is
/// counted from both ends: `(E_c - 2 I_c) / (E_c + 2 I_c)`, with `I_c` the ties inside
/// the category and `E_c` the ties leaving it. The network's E-I index is the mean of
/// the category indices weighted by `E_c + 2 I_c` (the sum of the members' degrees).
pub fn group_ei_index(mixing: &[Vec<u64>], c: usize) -> Option<f64> {
    let inside = mixing[c][c];
    let leaving: u64 = mixing[c]
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != c)
        .map(|(_, &x)| x)
        .sum();
    ei_index(leaving, 2 * inside)
}

/// Newman's (2003) assortativity coefficient for a categorical attribute,
/// `r = (sum_i e_ii - sum_i a_i^2) / (1 - sum_i a_i^2)`, where `e` is the mixing matrix
/// with each tie counted in both directions, normalised to sum 1, and `a_i` its row
/// sums. With `m` ties, `I_i` ties inside category `i` and `vol_i` the sum of its
/// members' degrees, `e_ii = I_i / m` and `a_i = vol_i / 2m`, so
/// `r = (4m sum I_i - sum vol_i^2) / (4m^2 - sum vol_i^2)`, evaluated in exact
/// integers. `None` without ties, or when all tie ends lie in one category (0/0).
pub fn attribute_assortativity(mixing: &[Vec<u64>]) -> Option<f64> {
    let m = i128::from(internal(mixing) + external(mixing));
    let trace = i128::from(internal(mixing));
    let sum_vol_sq: i128 = mixing
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let vol = row.iter().map(|&x| i128::from(x)).sum::<i128>() + i128::from(row[i]);
            vol * vol
        })
        .sum();
    let num = 4 * m * trace - sum_vol_sq;
    let den = 4 * m * m - sum_vol_sq;
    (m > 0 && den != 0).then(|| ratio_i128(num, den))
}

/// Per node, the ties to nodes of another category and the degree.
pub fn external_ties_per_node(ties: &[(u32, u32)], labels: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let n = labels.len();
    let (mut ext, mut deg) = (vec![0u32; n], vec![0u32; n]);
    for &(a, b) in ties {
        let (a, b) = (a as usize, b as usize);
        deg[a] += 1;
        deg[b] += 1;
        if labels[a] != labels[b] {
            ext[a] += 1;
            ext[b] += 1;
        }
    }
    (ext, deg)
}

/// The mean cross-category ratio of a set of nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossRatio {
    /// Mean over the nodes with at least one tie of `external ties / ties`; `None` if
    /// no node has a tie.
    pub mean: Option<f64>,
    /// Nodes averaged.
    pub included: usize,
    /// Nodes left out for having no tie.
    pub excluded: usize,
}

/// The mean cross-category ratio of the nodes `members` (in the given order).
pub fn cross_ratio(members: impl Iterator<Item = usize>, ext: &[u32], deg: &[u32]) -> CrossRatio {
    let (mut sum, mut included, mut excluded) = (0.0f64, 0usize, 0usize);
    for v in members {
        if deg[v] == 0 {
            excluded += 1;
        } else {
            sum += f64::from(ext[v]) / f64::from(deg[v]);
            included += 1;
        }
    }
    CrossRatio {
        mean: (included > 0).then(|| sum / included as f64),
        included,
        excluded,
    }
}

/// The outcome of the permutation test of the E-I index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermutationTest {
    /// Label permutations drawn.
    pub permutations: u32,
    /// Ties inside categories as observed.
    pub observed_internal: u64,
    /// Ties inside categories expected under the permutations (closed form,
    /// [`design::expected_internal`]); `None` without ties.
    pub expected_internal: Option<f64>,
    /// The E-I index expected under the permutations, `1 - 2 E[I] / m` (closed form);
    /// `None` without ties.
    pub null_mean: Option<f64>,
    /// The mean E-I index over the permutations drawn (the Monte Carlo estimate of
    /// `null_mean`); `None` without ties or permutations.
    pub permutation_mean: Option<f64>,
    /// Permutations with at least as many ties inside categories as observed.
    pub at_least: u32,
    /// Permutations with at most as many ties inside categories as observed.
    pub at_most: u32,
    /// One-sided p-value for homophily (more ties within categories than chance),
    /// `(at_least + 1) / (permutations + 1)`; `None` without ties or permutations.
    pub p_within: Option<f64>,
    /// One-sided p-value for heterophily (more ties across categories than chance),
    /// `(at_most + 1) / (permutations + 1)`; `None` without ties or permutations.
    pub p_across: Option<f64>,
    /// Two-sided p-value, `min(1, 2 min(p_within, p_across))`.
    pub p_two_sided: Option<f64>,
}

/// Permutations handed to a thread at a time when the labels do not fit a byte. (When
/// they do, a block is as many as fit into one word per node: 64 one-bit lanes for two
/// categories down to eight one-byte lanes, see [`count_fields`].)
const PERMUTATION_BLOCK: usize = 16;

/// Tests whether ties stay inside categories more (or less) than chance: the category
/// labels are shuffled within each stratum of `strata` `permutations` times
/// (Fisher-Yates per stratum, in stratum order, permutation `i` drawn from stream `i`
/// of the ChaCha8 generator seeded by `seed`), and the ties inside categories counted
/// on the same ties each time. With [`Strata::whole`] this is the shuffle over all
/// organisations; with [`Strata::by_response`] labels move only among respondents and
/// only among non-respondents, which is the null the survey design supports.
///
/// Since the number of ties is fixed, the E-I index is `1 - 2 I / m`, so both tails
/// compare integers and the result does not depend on the number of threads.
pub fn ei_permutation_test(
    ties: &[(u32, u32)],
    labels: &[u32],
    strata: &Strata,
    permutations: u32,
    seed: [u8; 32],
    threads: usize,
) -> PermutationTest {
    let observed = count_internal(ties, labels);
    let expected = design::expected_internal(ties, labels, strata);
    let m = ties.len() as f64;
    let mut test = PermutationTest {
        permutations,
        observed_internal: observed,
        expected_internal: expected,
        null_mean: expected.map(|i| 1.0 - 2.0 * i / m),
        permutation_mean: None,
        at_least: 0,
        at_most: 0,
        p_within: None,
        p_across: None,
        p_two_sided: None,
    };
    if ties.is_empty() || permutations == 0 {
        return test;
    }
    // Renumber the nodes so that each stratum is one run of positions; the engine
    // then shuffles each run in place.
    let layout = strata.layout();
    let at = |v: u32| layout.position[v as usize];
    let moved: Vec<(u32, u32)> = ties.iter().map(|&(a, b)| (at(a), at(b))).collect();
    let mut placed = vec![0u32; labels.len()];
    for (v, &l) in labels.iter().enumerate() {
        placed[layout.position[v] as usize] = l;
    }
    let segments = &layout.segments;
    let widest = placed.iter().copied().max().unwrap_or(0);
    let internal_counts = match lane_bits(widest) {
        Some(bits) => {
            let small: Vec<u8> = placed.iter().map(|&l| l as u8).collect();
            permuted_internal_packed(&moved, &small, segments, bits, permutations, seed, threads)
        }
        None => permuted_internal(&moved, &placed, segments, permutations, seed, threads),
    };
    let at_least = internal_counts.iter().filter(|&&i| i >= observed).count() as u32;
    let at_most = internal_counts.iter().filter(|&&i| i <= observed).count() as u32;
    let total: u128 = internal_counts.iter().map(|&i| u128::from(i)).sum();
    // Mean E-I = (P m - 2 sum I) / (P m).
    let pm = i128::from(permutations) * ties.len() as i128;
    let p = |k: u32| ratio_i128(i128::from(k) + 1, i128::from(permutations) + 1);
    let (within, across) = (p(at_least), p(at_most));
    test.permutation_mean = Some(ratio_i128(pm - 2 * total as i128, pm));
    test.at_least = at_least;
    test.at_most = at_most;
    test.p_within = Some(within);
    test.p_across = Some(across);
    test.p_two_sided = Some(two_sided(within, across));
    test
}

/// The two-sided p-value of two one-sided permutation p-values: twice the smaller,
/// at most 1.
pub fn two_sided(p_low: f64, p_high: f64) -> f64 {
    (2.0 * p_low.min(p_high)).min(1.0)
}

/// Shuffles `labels` within each of `segments` in order, from one generator: the
/// draws of the stratified permutation, identical to one whole shuffle when there is
/// one segment covering everything.
fn shuffle_segments<T: Copy>(
    rng: &mut impl rand_chacha::rand_core::RngCore,
    labels: &mut [T],
    segments: &[Range<usize>],
) {
    for s in segments {
        rng::shuffle_copied(rng, &mut labels[s.clone()]);
    }
}

fn count_internal<L: Copy + Eq>(ties: &[(u32, u32)], labels: &[L]) -> u64 {
    ties.iter()
        .filter(|&&(a, b)| labels[a as usize] == labels[b as usize])
        .count() as u64
}

/// The narrowest lane, in bits (1, 2, 4 or 8), that holds every label up to
/// `widest`; `None` when a label does not fit a byte.
fn lane_bits(widest: u32) -> Option<u32> {
    [1, 2, 4, 8].into_iter().find(|&bits| widest < 1 << bits)
}

/// Internal tie counts of each permutation, in permutation order, for labels that fit
/// `bits` (1, 2, 4 or 8) bits: `64 / bits` permutations share one pass over the ties,
/// each in its own lane of a word per node (see [`count_fields`]). The ties are read
/// once per block, so the fewer categories a dimension has, the less each permutation
/// costs.
fn permuted_internal_packed(
    ties: &[(u32, u32)],
    labels: &[u8],
    segments: &[Range<usize>],
    bits: u32,
    permutations: u32,
    seed: [u8; 32],
    threads: usize,
) -> Vec<u64> {
    let lanes = (64 / bits) as usize;
    in_blocks(permutations, lanes, threads, |range| {
        // Each permutation is added to its lane while its labels are still in cache;
        // the words (8 bytes a node) and one labelling stay in the second level.
        let mut packed = vec![0u64; labels.len()];
        let mut shuffled = labels.to_vec();
        for (lane, i) in range.clone().enumerate() {
            shuffled.copy_from_slice(labels);
            shuffle_segments(&mut rng::generator(seed, i as u64), &mut shuffled, segments);
            // Below 64 (`lane < 64 / bits`), so the wrapping shift is the plain one;
            // computed once per lane, the loop has no overflow check and vectorises.
            let shift = bits * lane as u32;
            for (w, &x) in packed.iter_mut().zip(&shuffled) {
                *w |= u64::from(x).wrapping_shl(shift);
            }
        }
        let counts = match bits {
            1 => count_fields::<1>(ties, &packed),
            2 => count_fields::<2>(ties, &packed),
            4 => count_fields::<4>(ties, &packed),
            _ => count_fields::<8>(ties, &packed),
        };
        counts[..range.len()].to_vec()
    })
}

/// Internal tie counts of each permutation, in permutation order, for any labels.
fn permuted_internal(
    ties: &[(u32, u32)],
    labels: &[u32],
    segments: &[Range<usize>],
    permutations: u32,
    seed: [u8; 32],
    threads: usize,
) -> Vec<u64> {
    in_blocks(permutations, PERMUTATION_BLOCK, threads, |range| {
        let mut shuffled = labels.to_vec();
        range
            .map(|i| {
                shuffled.copy_from_slice(labels);
                shuffle_segments(&mut rng::generator(seed, i as u64), &mut shuffled, segments);
                count_internal(ties, &shuffled)
            })
            .collect()
    })
}

/// For `64 / BITS` labellings packed `BITS` bits each into a word per node (lane
/// `l` in bits `l * BITS ..`), the ties whose two ends carry the same label, per
/// labelling. A field of `t = x ^ y` is zero exactly when the labels agree. With
/// `LOW` the bits of each field below its top bit, `!(((t & LOW) + LOW) | t | LOW)`
/// sets the top bit of each zero field and clears everything else (the sum of a
/// field's low bits and `LOW` carries into its top bit exactly when a low bit is set,
/// and never out of the field); for one-bit fields `LOW` is 0 and this is `!t`.
/// Shifted down to the field's lowest bit, the flags of the `8 / BITS` fields of each
/// byte are added into the bytes of as many counters, emptied every 255 ties before a
/// byte can overflow. Lane `8 / BITS * byte + k` is byte `byte` of counter `k`.
fn count_fields<const BITS: u32>(ties: &[(u32, u32)], packed: &[u64]) -> [u64; 64] {
    const BYTE_ONES: u64 = 0x0101_0101_0101_0101;
    let per_byte = (8 / BITS) as usize;
    let top = (0..64 / BITS).fold(0u64, |m, f| m | 1 << (f * BITS + BITS - 1));
    let low = !top;
    let mut counts = [0u64; 64];
    for block in ties.chunks(255) {
        let mut acc = [0u64; 8];
        for &(a, b) in block {
            let t = packed[a as usize] ^ packed[b as usize];
            // No byte of the sums passes 255 within a block, so the wrapping additions
            // are exact (and skip the overflow checks of the build users run).
            let zero = !(((t & low).wrapping_add(low)) | t | low) >> (BITS - 1);
            for (k, a) in acc.iter_mut().enumerate().take(per_byte) {
                *a = a.wrapping_add((zero >> (k as u32 * BITS)) & BYTE_ONES);
            }
        }
        for (k, a) in acc.iter().enumerate().take(per_byte) {
            for byte in 0..8 {
                counts[per_byte * byte + k] += (a >> (8 * byte)) & 0xff;
            }
        }
    }
    counts
}

/// Runs `block` over the permutation indices `0..permutations` in blocks of `size`
/// on up to `threads` threads and returns the counts in permutation order. Each count
/// depends only on its permutation index, so the result does not depend on which
/// thread ran which block.
fn in_blocks(
    permutations: u32,
    size: usize,
    threads: usize,
    block: impl Fn(std::ops::Range<usize>) -> Vec<u64> + Sync,
) -> Vec<u64> {
    let p = permutations as usize;
    let out = Mutex::new(vec![0u64; p]);
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let start = next.fetch_add(size, Ordering::Relaxed);
            if start >= p {
                break;
            }
            let end = (start + size).min(p);
            let counts = block(start..end);
            if let Ok(mut o) = out.lock() {
                o[start..end].copy_from_slice(&counts);
            }
        }
    };
    let threads = threads.clamp(1, p.div_ceil(size));
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    out.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two categories: 0 = {0, 1, 2}, 1 = {3, 4}; ties 0-1, 1-2, 0-2 (inside 0), 3-4
    /// (inside 1), 2-3 (across).
    fn example() -> (Vec<(u32, u32)>, Vec<u32>) {
        (
            vec![(0, 1), (0, 2), (1, 2), (2, 3), (3, 4)],
            vec![0, 0, 0, 1, 1],
        )
    }

    #[test]
    fn mixing_and_ei_by_hand() {
        let (ties, labels) = example();
        let m = mixing_matrix(&ties, &labels, 3);
        assert_eq!(m, vec![vec![3, 1, 0], vec![1, 1, 0], vec![0, 0, 0]]);
        assert_eq!((internal(&m), external(&m)), (4, 1));
        // (1 - 4) / 5.
        assert_eq!(ei_index(external(&m), internal(&m)), Some(-0.6));
        // Category 0: members' ties 2+2+3 = 7 ends, 1 leaving: (1 - 6) / 7.
        assert_eq!(group_ei_index(&m, 0), Some(-5.0 / 7.0));
        // Category 1: 3 ends, 1 leaving: (1 - 2) / 3.
        assert_eq!(group_ei_index(&m, 1), Some(-1.0 / 3.0));
        // Empty category 2: undefined.
        assert_eq!(group_ei_index(&m, 2), None);
        // Weighted by ends, the group indices give the network's: (7(-5/7) + 3(-1/3)) / 10.
        assert!(((-5.0 - 1.0) / 10.0 - -0.6f64).abs() < 1e-15);
    }

    #[test]
    fn assortativity_by_hand() {
        let (ties, labels) = example();
        let m = mixing_matrix(&ties, &labels, 2);
        // m = 5, trace 4, vol = (7, 3): (4*5*4 - 58) / (100 - 58) = 22/42.
        assert_eq!(attribute_assortativity(&m), Some(22.0 / 42.0));
        // All in one category: E-I is -1, assortativity 0/0.
        let one = mixing_matrix(&ties, &[0; 5], 1);
        assert_eq!(ei_index(external(&one), internal(&one)), Some(-1.0));
        assert_eq!(attribute_assortativity(&one), None);
        // Perfectly disassortative: a bipartite tie set.
        let bip = mixing_matrix(&[(0, 1), (2, 3)], &[0, 1, 0, 1], 2);
        assert_eq!(attribute_assortativity(&bip), Some(-1.0));
        assert_eq!(ei_index(external(&bip), internal(&bip)), Some(1.0));
        // No ties.
        let none = mixing_matrix(&[], &[0, 1], 2);
        assert_eq!(
            (ei_index(0, 0), attribute_assortativity(&none)),
            (None, None)
        );
    }

    #[test]
    fn cross_ratios() {
        let (ties, mut labels) = example();
        labels.push(1); // node 5, no ties
        let (ext, deg) = external_ties_per_node(&ties, &labels);
        assert_eq!(ext, vec![0, 0, 1, 1, 0, 0]);
        let c1 = cross_ratio([3, 4, 5].into_iter(), &ext, &deg);
        // Node 3: 1 of 2 ties across; node 4: 0 of 1; node 5 excluded.
        assert_eq!(
            c1,
            CrossRatio {
                mean: Some(0.25),
                included: 2,
                excluded: 1
            }
        );
        let empty = cross_ratio(std::iter::empty(), &ext, &deg);
        assert_eq!(
            empty,
            CrossRatio {
                mean: None,
                included: 0,
                excluded: 0
            }
        );
    }

    #[test]
    fn permutation_test_is_repeatable_and_thread_independent() {
        // Two cliques of 5 joined by one tie: strong homophily.
        let mut ties = Vec::new();
        for base in [0u32, 5] {
            for a in 0..5 {
                for b in a + 1..5 {
                    ties.push((base + a, base + b));
                }
            }
        }
        ties.push((4, 5));
        let labels: Vec<u32> = (0..10).map(|v| u32::from(v >= 5)).collect();
        let seed = rng::derive_seed(1, "test", "c", "w");
        let whole = Strata::whole(10);
        let one = ei_permutation_test(&ties, &labels, &whole, 999, seed, 1);
        let many = ei_permutation_test(&ties, &labels, &whole, 999, seed, 3);
        assert_eq!(one, many);
        assert!(one.p_within.is_some_and(|p| p < 0.01), "{one:?}");
        assert_eq!(one.p_across, Some(1.0));
        assert_eq!(one.p_two_sided, one.p_within.map(|p| 2.0 * p));
        // Without homophily, random labels give E-I 1 - 2 (2 C(5,2)) / C(10,2) = 1/9
        // exactly (closed form), and near it on average over the permutations.
        assert!(
            one.null_mean.is_some_and(|m| (m - 1.0 / 9.0).abs() < 1e-15),
            "{one:?}"
        );
        assert!(
            one.permutation_mean
                .is_some_and(|m| (m - 1.0 / 9.0).abs() < 0.05),
            "{one:?}"
        );
        // The same labelling in two-, four- and eight-bit lanes (labels 3, 15, 200)
        // and as words: same counts.
        for high in [3, 15, 200] {
            let relabelled: Vec<u32> = labels.iter().map(|&l| l * high).collect();
            let test = ei_permutation_test(&ties, &relabelled, &whole, 999, seed, 2);
            assert_eq!(test, one, "labels 0 and {high}");
        }
        let wide: Vec<u32> = labels.iter().map(|&l| l * 300).collect();
        let wide_test = ei_permutation_test(&ties, &wide, &whole, 999, seed, 2);
        assert_eq!(
            (
                wide_test.at_least,
                wide_test.at_most,
                wide_test.permutation_mean
            ),
            (one.at_least, one.at_most, one.permutation_mean)
        );
        // Strata change the draws, never the thread independence.
        let strata = Strata::by_response(&[
            true, true, false, true, false, true, true, false, true, true,
        ]);
        assert_eq!(
            ei_permutation_test(&ties, &labels, &strata, 999, seed, 1),
            ei_permutation_test(&ties, &labels, &strata, 999, seed, 3)
        );
    }

    /// Within-stratum permutations never move a label across strata: with every
    /// respondent in category 0 and every non-respondent in category 1, each
    /// permutation is the observed labelling.
    #[test]
    fn stratified_permutations_keep_labels_in_their_stratum() {
        let ties = vec![(0, 1), (0, 2), (1, 3), (2, 3), (0, 4)];
        let labels = vec![0, 0, 1, 1, 1];
        let strata = Strata::by_response(&[true, true, false, false, false]);
        let t = ei_permutation_test(&ties, &labels, &strata, 40, [5; 32], 1);
        assert_eq!((t.observed_internal, t.at_least, t.at_most), (2, 40, 40));
        assert_eq!(t.expected_internal, Some(2.0));
        // Every permutation gives E-I = 1 - 2 * 2/5 = 0.2, the closed form.
        for m in [t.permutation_mean, t.null_mean] {
            assert!(m.is_some_and(|m| (m - 0.2).abs() < 1e-15), "{t:?}");
        }
        assert_eq!(
            (t.p_within, t.p_across, t.p_two_sided),
            (Some(1.0), Some(1.0), Some(1.0))
        );
    }

    /// The Monte Carlo mean of the stratified permutations agrees with the closed form
    /// within four standard errors on a random graph.
    #[test]
    fn closed_form_null_agrees_with_the_permutation_mean() {
        let mut r = rng::generator([9; 32], 0);
        let n = 80u32;
        let responded: Vec<bool> = (0..n).map(|_| rng::below(&mut r, 3) > 0).collect();
        let labels: Vec<u32> = (0..n).map(|_| rng::below(&mut r, 3)).collect();
        let mut ties: Vec<(u32, u32)> = (0..400)
            .map(|_| (rng::below(&mut r, n), rng::below(&mut r, n)))
            .filter(|&(a, b)| a != b && (responded[a as usize] || responded[b as usize]))
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        ties.sort_unstable();
        ties.dedup();
        let strata = Strata::by_response(&responded);
        let p = 4000u32;
        let t = ei_permutation_test(&ties, &labels, &strata, p, [4; 32], 2);
        let (closed, mc) = (
            t.null_mean.expect("ties"),
            t.permutation_mean.expect("ties"),
        );
        // The E-I index lies in [-1, 1]; its permutation SD here is about 0.05.
        let se = 0.06 / f64::from(p).sqrt();
        assert!(
            (closed - mc).abs() < 4.0 * se,
            "closed {closed}, Monte Carlo {mc}"
        );
    }

    #[test]
    fn packed_fields_count_like_the_plain_loop() {
        let mut r = rng::generator([5; 32], 0);
        let n = 300u32;
        // More than 255 ties, so the byte counters are emptied on the way.
        let ties: Vec<(u32, u32)> = (0..2000)
            .map(|_| (rng::below(&mut r, n), rng::below(&mut r, n)))
            .collect();
        for bits in [1u32, 2, 4, 8] {
            // One labelling per lane, from one label (every tie internal) to all
            // 2^bits, cycling through the label counts.
            let lanes = 64 / bits;
            let labellings: Vec<Vec<u8>> = (0..lanes)
                .map(|lane| {
                    let k = 1 + lane % (1 << bits);
                    (0..n).map(|_| rng::below(&mut r, k) as u8).collect()
                })
                .collect();
            let mut packed = vec![0u64; n as usize];
            for (lane, l) in labellings.iter().enumerate() {
                for (w, &x) in packed.iter_mut().zip(l) {
                    *w |= u64::from(x) << (bits as usize * lane);
                }
            }
            let counts = match bits {
                1 => count_fields::<1>(&ties, &packed),
                2 => count_fields::<2>(&ties, &packed),
                4 => count_fields::<4>(&ties, &packed),
                _ => count_fields::<8>(&ties, &packed),
            };
            for (lane, l) in labellings.iter().enumerate() {
                assert_eq!(
                    counts[lane],
                    count_internal(&ties, l),
                    "{bits} bits, lane {lane}"
                );
            }
            assert_eq!(counts[0], 2000, "{bits} bits");
            assert!(counts[lanes as usize..].iter().all(|&c| c == 0));
        }
        assert_eq!(
            [0, 1, 2, 3, 4, 15, 16, 255, 256].map(lane_bits),
            [
                Some(1),
                Some(1),
                Some(2),
                Some(2),
                Some(4),
                Some(4),
                Some(8),
                Some(8),
                None
            ]
        );
    }

    #[test]
    fn permutation_test_edge_cases() {
        let seed = [0; 32];
        let t = ei_permutation_test(&[], &[0, 1], &Strata::whole(2), 100, seed, 1);
        assert_eq!((t.null_mean, t.p_within, t.p_two_sided), (None, None, None));
        let t = ei_permutation_test(&[(0, 1)], &[0, 1], &Strata::whole(2), 0, seed, 1);
        // The closed form needs no permutation.
        assert_eq!(
            (t.null_mean, t.p_within, t.permutation_mean),
            (Some(1.0), None, None)
        );
        // One category: every permutation ties the observed value, p = 1 both ways.
        let t = ei_permutation_test(
            &[(0, 1), (1, 2)],
            &[0, 0, 0],
            &Strata::whole(3),
            50,
            seed,
            1,
        );
        assert_eq!(
            (t.null_mean, t.at_least, t.at_most, t.p_within, t.p_across),
            (Some(-1.0), 50, 50, Some(1.0), Some(1.0))
        );
    }
}
