//! Uncertainty of the headline changes between two waves, resampling what the survey
//! sampled: respondents. A bootstrap over respondents gives 95 % percentile intervals
//! (Efron & Tibshirani 1993, ch. 13), a respondent-level permutation of the wave labels
//! gives the p-values of "increased" and "decreased", and [`holm`] adjusts a family of
//! p-values (Holm 1979).
//!
//! Totals are counted in half-ties: the ties, and per headline dimension the ties
//! across categories and the tie ends in each category. Statistics are ratios of these
//! integer totals with fixed organisation counts (all organisations, the members of a
//! category) as divisors.
//!
//! * **Bootstrap replicate `i`**: `R` respondents drawn with replacement (stream `i` of
//!   the `respondent-bootstrap` generator). Every tie of a wave is split between the
//!   reports that make it (named by one side: wholly that respondent's; by both: half
//!   each), and a respondent drawn `w` times brings `w` times its part of both waves,
//!   so both waves are rebuilt from the same resampled respondents.
//! * **Permutation `j`**: each respondent's two waves of reports are swapped with
//!   probability 1/2 (bit `r mod 32` of the `r / 32`-th 32-bit output of stream `j` of
//!   the `wave-label-permutations` generator), and both waves are rebuilt from the
//!   swapped reports under the tie rule. A pair that only one side ever named moves
//!   with that side; a pair both sides named at some time is re-evaluated from its
//!   four reports.
//!
//! The p-values compare each permuted change with the observed one in exact integer
//! arithmetic, so they depend on no rounding and on no thread count. See
//! `STATISTICS.md`, "Change between waves".

use rand_chacha::rand_core::RngCore;
use serde::{Deserialize, Serialize};

use crate::model::Study;
use crate::stats::design;
use crate::stats::graph::ratio_i128;
use crate::stats::rng;
use crate::study::{StudyConfig, TieRule};

/// The role of a dimension in the documents' claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The key population (`primary_dimension`): its question is homophily.
    Primary,
    /// The local-to-global dimension (`vertical_dimension`): its question is crossing.
    Vertical,
    /// Any other dimension (reported in the homophily table only).
    Other,
}

/// The dimensions the documents make claims about, by index into
/// `config.dimensions`: the primary, then the vertical one if declared and different.
pub fn headline_dimensions(config: &StudyConfig) -> Vec<(usize, Role)> {
    let primary = config.primary.get();
    let mut out = vec![(primary, Role::Primary)];
    if let Some(v) = config.vertical.map(|v| v.get())
        && v != primary
    {
        out.push((v, Role::Vertical));
    }
    out
}

/// The role of dimension `k` of `config`.
pub fn role_of(config: &StudyConfig, k: usize) -> Role {
    headline_dimensions(config)
        .into_iter()
        .find(|&(i, _)| i == k)
        .map_or(Role::Other, |(_, r)| r)
}

/// A change between two waves with its interval and tests.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The statistic in the earlier wave.
    pub from: Option<f64>,
    /// The statistic in the later wave.
    pub to: Option<f64>,
    /// `to - from`; `None` when either is undefined.
    pub change: Option<f64>,
    /// Lower end of the 95 % bootstrap percentile interval of the change; `None` when
    /// the change is undefined in the data or in any replicate.
    pub ci_low: Option<f64>,
    /// Upper end of that interval.
    pub ci_high: Option<f64>,
    /// Wave-label permutations whose change is at least the observed one.
    pub at_least: u32,
    /// Wave-label permutations whose change is at most the observed one.
    pub at_most: u32,
    /// One-sided p-value of "increased", `(at_least + 1) / (permutations + 1)`.
    pub p_increase: Option<f64>,
    /// One-sided p-value of "decreased", `(at_most + 1) / (permutations + 1)`.
    pub p_decrease: Option<f64>,
    /// Two-sided p-value, `min(1, 2 min(p_increase, p_decrease))`.
    pub p_two_sided: Option<f64>,
}

/// The inference on one headline dimension's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionInference {
    /// The dimension's column.
    pub column: String,
    /// Its role.
    pub role: Role,
    /// Share of ties across categories.
    pub cross_share: Change,
    /// The E-I index (`2 cross_share - 1`, so its test is the same).
    pub ei_index: Change,
    /// Mean ties per member, per category in display order.
    pub categories: Vec<CategoryInference>,
}

/// The inference on one category's mean ties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryInference {
    /// Category id.
    pub id: String,
    /// Mean ties per member (`null` values for an empty category).
    pub mean_ties: Change,
}

/// Intervals and tests of the headline changes from one wave to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeInference {
    /// Respondents: the units resampled and permuted.
    pub respondents: usize,
    /// Bootstrap replicates.
    pub replicates: u32,
    /// Wave-label permutations.
    pub permutations: u32,
    /// Number of ties.
    pub ties: Change,
    /// Mean ties per organisation, `2 m / n` (the same test as `ties`).
    pub mean_degree: Change,
    /// The headline dimensions: primary, then vertical.
    pub dimensions: Vec<DimensionInference>,
}

/// How a statistic is formed from a wave's totals (in half-ties).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    /// `totals[index] / divisor`; undefined when `divisor = 0`.
    Scaled { index: usize, divisor: u64 },
    /// `totals[num] / totals[den]`, or the E-I index `2 totals[num] / totals[den] - 1`
    /// when `ei`; undefined when `totals[den] = 0`.
    Ratio { num: usize, den: usize, ei: bool },
}

impl Stat {
    fn value(self, t: &[i64]) -> Option<f64> {
        match self {
            Stat::Scaled { index, divisor } => {
                (divisor > 0).then(|| ratio_i128(i128::from(t[index]), i128::from(divisor)))
            }
            Stat::Ratio { num, den, ei } => {
                let (x, y) = (i128::from(t[num]), i128::from(t[den]));
                (y > 0).then(|| ratio_i128(if ei { 2 * x - y } else { x }, y))
            }
        }
    }

    /// The change from totals `a` to `b` as an exact fraction `(num, den)`, `den > 0`,
    /// proportional to the change by a positive factor fixed by the statistic.
    fn exact_change(self, a: &[i64], b: &[i64]) -> Option<(i128, i128)> {
        match self {
            Stat::Scaled { index, divisor } => {
                (divisor > 0).then(|| (i128::from(b[index]) - i128::from(a[index]), 1))
            }
            Stat::Ratio { num, den, .. } => {
                let (an, ad) = (i128::from(a[num]), i128::from(a[den]));
                let (bn, bd) = (i128::from(b[num]), i128::from(b[den]));
                (ad > 0 && bd > 0).then(|| (bn * ad - an * bd, ad * bd))
            }
        }
    }

    fn change(self, a: &[i64], b: &[i64]) -> Option<f64> {
        Some(self.value(b)? - self.value(a)?)
    }
}

/// A pair of organisations that both sides named at some time (in either wave): whether
/// it is a tie in a wave after some respondents' waves are swapped depends on both
/// ends, so each permutation re-evaluates it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Coupled {
    /// Unit index of the lower organisation.
    a: usize,
    /// Unit index of the higher organisation.
    b: usize,
    /// `a` named `b` in the earlier wave, in the later wave; `b` named `a` in the
    /// earlier wave, in the later wave.
    named: [bool; 4],
    /// The totals a tie of this pair adds 2 to (ties, across, tie ends per category).
    adds: Vec<usize>,
}

/// Each respondent's part of a wave pair's totals, and the statistics formed from
/// them: the data of [`change_inference`], exposed so that tests can recompute any
/// replicate by hand. Totals are counted in half-ties: ties, then per dimension the
/// ties across categories and the tie ends in each category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shares {
    /// The respondents' organisation indices, ascending.
    pub units: Vec<u32>,
    /// Totals per wave.
    width: usize,
    /// `split[r * 2 width + j]`: respondent `r`'s share of total `j` in the earlier
    /// wave, and at `width + j` in the later wave (a tie split equally among the
    /// reports that make it; the bootstrap).
    split: Vec<i64>,
    /// The totals of both waves (`2 width`) of the pairs that one side alone ever
    /// named (they move with that side when its waves are swapped; the permutations).
    solo_totals: Vec<i64>,
    /// `solo_moves[r * width + j]`: what swapping respondent `r` moves into the earlier
    /// wave's total `j` (and out of the later's): its later minus its earlier part.
    solo_moves: Vec<i64>,
    /// The pairs both sides named at some time.
    coupled: Vec<Coupled>,
    /// The tie rule.
    rule: TieRule,
    stats: Vec<Stat>,
}

/// A directed report `(reporter, partner)`.
pub type Report = (u32, u32);

/// One headline dimension as [`Shares::new`] needs it.
pub struct Dimension<'a> {
    /// Category index of each organisation.
    pub labels: &'a [u32],
    /// Members of each category.
    pub sizes: &'a [usize],
}

impl Shares {
    /// The parts of `units` (organisation indices, ascending; every reporter must be
    /// one) in the ties that the sorted directed reports `earlier` and `later` make
    /// under `rule`, over `n` organisations, for the dimensions `dims`.
    ///
    /// Statistic order: ties, mean degree; then per dimension: cross share, E-I, and
    /// the mean ties of each category.
    // Long because the three kinds of tie (split by wave, reported by one side alone,
    // coupled across waves) fill one set of row buffers; each kind is one block.
    pub fn new(
        n: usize,
        units: Vec<u32>,
        (earlier, later): (&[Report], &[Report]),
        rule: TieRule,
        dims: &[Dimension<'_>],
    ) -> Shares {
        let (stats, width) = layout(n, dims);
        // The totals a tie between `a` and `b` counts in.
        // Written into a buffer reused across ties (a million ties at the largest
        // sizes: one allocation each was a third of this function's time).
        let adds_into = |out: &mut Vec<usize>, a: u32, b: u32| {
            out.clear();
            out.push(0);
            let mut at = 1;
            for d in dims {
                let (la, lb) = (d.labels[a as usize], d.labels[b as usize]);
                if la != lb {
                    out.push(at);
                }
                out.push(at + 1 + la as usize);
                out.push(at + 1 + lb as usize);
                at += 1 + d.sizes.len();
            }
        };
        let adds = |a: u32, b: u32| {
            let mut out = Vec::new();
            adds_into(&mut out, a, b);
            out
        };
        let mut add = Vec::new();
        let mut unit_of = vec![usize::MAX; n];
        for (i, &u) in units.iter().enumerate() {
            unit_of[u as usize] = i;
        }
        let rows = units.len() * width;
        let mut split = vec![0i64; 2 * rows];
        for (wave, reports) in [earlier, later].into_iter().enumerate() {
            for t in design::reported_ties(reports, rule) {
                let each = if t.reporters() == 2 { 1 } else { 2 };
                adds_into(&mut add, t.a, t.b);
                for (end, named) in [(t.a, t.a_named), (t.b, t.b_named)] {
                    let u = unit_of[end as usize];
                    if named && u != usize::MAX {
                        let row = u * 2 * width + wave * width;
                        add.iter().for_each(|&j| split[row + j] += each);
                    }
                }
            }
        }
        let (mut solo_earlier, mut solo_later) = (vec![0i64; rows], vec![0i64; rows]);
        let mut coupled = Vec::new();
        for (a, b, named) in pair_reports(earlier, later) {
            let (ua, ub) = (unit_of[a as usize], unit_of[b as usize]);
            let a_named = named[0] || named[1];
            let b_named = named[2] || named[3];
            if a_named && b_named {
                coupled.push(Coupled {
                    a: ua,
                    b: ub,
                    named,
                    adds: adds(a, b),
                });
            } else if rule == TieRule::Union {
                // One side alone ever named the other: a tie of that side's waves.
                let (u, first, second) = if a_named {
                    (ua, named[0], named[1])
                } else {
                    (ub, named[2], named[3])
                };
                if u == usize::MAX {
                    continue;
                }
                for (present, solo) in [(first, &mut solo_earlier), (second, &mut solo_later)] {
                    if present {
                        adds_into(&mut add, a, b);
                        add.iter().for_each(|&j| solo[u * width + j] += 2);
                    }
                }
            }
        }
        let mut solo_totals = vec![0i64; 2 * width];
        for r in 0..units.len() {
            for j in 0..width {
                solo_totals[j] += solo_earlier[r * width + j];
                solo_totals[width + j] += solo_later[r * width + j];
            }
        }
        let solo_moves = solo_later
            .iter()
            .zip(&solo_earlier)
            .map(|(l, e)| l - e)
            .collect();
        Shares {
            split,
            solo_totals,
            solo_moves,
            coupled,
            rule,
            units,
            width,
            stats,
        }
    }

    /// The totals of both waves over the respondents listed in `draws` (indices into
    /// `units`, repeats allowed), each bringing its split share: a bootstrap
    /// replicate. Every respondent once gives the observed totals.
    pub fn totals(&self, draws: impl Iterator<Item = usize>) -> (Vec<i64>, Vec<i64>) {
        let mut times = vec![0u32; self.units.len()];
        draws.for_each(|r| times[r] += 1);
        let mut out = self.totals_block(&times, 1);
        out.pop().unwrap_or_default()
    }

    /// The totals of `block` bootstrap replicates at once: `times[b * R + r]` is how
    /// often replicate `b` drew respondent `r` (`R` respondents). One pass through the
    /// respondents' rows serves the whole block, so the rows (the largest array here)
    /// are read once per block instead of once per replicate. Integer sums, so the
    /// totals are those of one replicate at a time.
    ///
    /// A respondent is drawn once, twice or three times far more often than more, so
    /// its row is added to one of three running sums per replicate by that count
    /// (additions, which vectorise where 64-bit multiplications do not), and only
    /// rarer counts are multiplied; the sums are weighted by their counts at the end.
    fn totals_block(&self, times: &[u32], block: usize) -> Vec<(Vec<i64>, Vec<i64>)> {
        const BY_COUNT: usize = 3;
        let units = self.units.len();
        let w = 2 * self.width;
        // Per replicate: the rows drawn once, twice, three times, then the weighted
        // sum of the rows drawn more often. Every total is at most four times the
        // reports times the draws (far below 2^63), so the wrapping additions are
        // exact; unlike checked ones (the build users run checks overflow) they
        // vectorise.
        let mut sums = vec![0i64; block * (BY_COUNT + 1) * w];
        for (r, row) in self.split.chunks_exact(w).enumerate() {
            for (b, sum) in sums.chunks_exact_mut((BY_COUNT + 1) * w).enumerate() {
                match times[b * units + r] {
                    0 => {}
                    k @ 1..=3 => {
                        let at = (k as usize - 1) * w;
                        sum[at..at + w]
                            .iter_mut()
                            .zip(row)
                            .for_each(|(x, y)| *x = x.wrapping_add(*y));
                    }
                    k => {
                        let k = i64::from(k);
                        sum[BY_COUNT * w..]
                            .iter_mut()
                            .zip(row)
                            .for_each(|(x, y)| *x += k * y);
                    }
                }
            }
        }
        sums.chunks_exact((BY_COUNT + 1) * w)
            .map(|s| {
                let total: Vec<i64> = (0..w)
                    .map(|j| s[j] + 2 * s[w + j] + 3 * s[2 * w + j] + s[3 * w + j])
                    .collect();
                (total[..self.width].to_vec(), total[self.width..].to_vec())
            })
            .collect()
    }

    /// The statistics of totals `t`, in the order of [`Shares::new`].
    pub fn values(&self, t: &[i64]) -> Vec<Option<f64>> {
        self.stats.iter().map(|s| s.value(t)).collect()
    }

    /// The changes of every statistic from totals `a` to `b`.
    pub fn changes(&self, a: &[i64], b: &[i64]) -> Vec<Option<f64>> {
        self.stats.iter().map(|s| s.change(a, b)).collect()
    }

    /// The totals of the two waves rebuilt after swapping the two waves' reports of
    /// the respondents flagged in `swap` (a permutation). No swap gives the observed
    /// totals.
    pub fn swapped(&self, swap: &[bool]) -> (Vec<i64>, Vec<i64>) {
        let mut out = self.swapped_block(&[swap]);
        out.pop().unwrap_or_default()
    }

    /// [`Shares::swapped`] for several permutations at once: one pass through the
    /// respondents' moves serves them all (integer sums, so each permutation's totals
    /// are those it has alone).
    fn swapped_block(&self, swaps: &[&[bool]]) -> Vec<(Vec<i64>, Vec<i64>)> {
        let w = self.width;
        let mut moved = vec![0i64; swaps.len() * w];
        for (r, row) in self.solo_moves.chunks_exact(w).enumerate() {
            for (m, swap) in moved.chunks_exact_mut(w).zip(swaps) {
                if swap.get(r).copied().unwrap_or(false) {
                    // Exact for the same reason as in `totals_block`; vectorises.
                    m.iter_mut()
                        .zip(row)
                        .for_each(|(x, y)| *x = x.wrapping_add(*y));
                }
            }
        }
        swaps
            .iter()
            .zip(moved.chunks_exact(w))
            .map(|(swap, moved)| self.rebuilt(swap, moved))
            .collect()
    }

    /// The totals after the swaps `swap`, given what they move out of the solo pairs'
    /// later wave into the earlier (`moved`): the solo totals moved, and every coupled
    /// pair re-evaluated under the tie rule.
    fn rebuilt(&self, swap: &[bool], moved: &[i64]) -> (Vec<i64>, Vec<i64>) {
        let w = self.width;
        let (mut a, mut b) = (
            self.solo_totals[..w].to_vec(),
            self.solo_totals[w..].to_vec(),
        );
        for j in 0..w {
            a[j] += moved[j];
            b[j] -= moved[j];
        }
        for p in &self.coupled {
            let flip = |unit: usize| swap.get(unit).copied().unwrap_or(false);
            let (sa, sb) = (flip(p.a), flip(p.b));
            // Who named whom in each wave after the swaps.
            let a_in = |wave: usize| p.named[wave ^ usize::from(sa)];
            let b_in = |wave: usize| p.named[2 + (wave ^ usize::from(sb))];
            for (wave, totals) in [(0, &mut a), (1, &mut b)] {
                let tie = match self.rule {
                    TieRule::Union => a_in(wave) || b_in(wave),
                    TieRule::Reciprocated => a_in(wave) && b_in(wave),
                };
                if tie {
                    p.adds.iter().for_each(|&j| totals[j] += 2);
                }
            }
        }
        (a, b)
    }
}

/// The statistics of [`Shares::new`] and the number of totals per wave.
fn layout(n: usize, dims: &[Dimension<'_>]) -> (Vec<Stat>, usize) {
    let mut stats = vec![
        Stat::Scaled {
            index: 0,
            divisor: 2,
        },
        Stat::Scaled {
            index: 0,
            divisor: n as u64,
        },
    ];
    let mut width = 1;
    for d in dims {
        let cross = width;
        stats.push(Stat::Ratio {
            num: cross,
            den: 0,
            ei: false,
        });
        stats.push(Stat::Ratio {
            num: cross,
            den: 0,
            ei: true,
        });
        for (c, &size) in d.sizes.iter().enumerate() {
            stats.push(Stat::Scaled {
                index: cross + 1 + c,
                divisor: 2 * size as u64,
            });
        }
        width += 1 + d.sizes.len();
    }
    (stats, width)
}

/// Every pair named in either of the sorted directed report lists, as `(a, b, named)`
/// with `a < b` and `named` = [`a` named `b` earlier, later; `b` named `a` earlier,
/// later], sorted by pair.
fn pair_reports(earlier: &[Report], later: &[Report]) -> Vec<(u32, u32, [bool; 4])> {
    let mut all: Vec<(u32, u32, usize)> = Vec::with_capacity(earlier.len() + later.len());
    for (wave, reports) in [earlier, later].into_iter().enumerate() {
        for &(r, p) in reports {
            let slot = if r < p { wave } else { 2 + wave };
            all.push((r.min(p), r.max(p), slot));
        }
    }
    all.sort_unstable();
    let mut out: Vec<(u32, u32, [bool; 4])> = Vec::new();
    for (a, b, slot) in all {
        match out.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2[slot] = true,
            _ => {
                let mut named = [false; 4];
                named[slot] = true;
                out.push((a, b, named));
            }
        }
    }
    out
}

/// The percentile interval of `values` at 95 %: the `floor(0.025 (B + 1))`-th and the
/// `ceil(0.975 (B + 1))`-th smallest of the `B` values (ranks from 1, kept within
/// `1..=B`); `None` if any value is undefined or there are none.
pub fn percentile_interval(values: &[Option<f64>]) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().collect::<Option<Vec<f64>>>()?;
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let b = v.len();
    let low = ((b + 1) * 25 / 1000).clamp(1, b);
    let high = ((b + 1) * 975).div_ceil(1000).clamp(1, b);
    Some((v[low - 1], v[high - 1]))
}

/// Holm's (1979) step-down adjustment: with the `F` p-values sorted ascending
/// (`p_(1) <= ... <= p_(F)`, equal values in input order), the adjusted
/// `p~_(i) = max_{j <= i} min(1, (F - j + 1) p_(j))`; returned in input order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let f = p.len();
    let mut order: Vec<usize> = (0..f).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let mut out = vec![0.0; f];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((f - rank) as f64 * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// Replicates (bootstrap or permutation) computed together, sharing one pass over
/// the respondents' rows.
const REPLICATE_BLOCK: usize = 8;

/// Runs `f` on the index ranges of blocks of [`REPLICATE_BLOCK`] replicates
/// (`0..count` in order) through [`replicate_map`] and concatenates the results, so
/// each replicate's result still depends only on its index.
fn in_blocks<T: Send>(
    count: usize,
    threads: usize,
    f: impl Fn(std::ops::Range<usize>) -> Vec<T> + Sync,
) -> Vec<T> {
    let blocks = count.div_ceil(REPLICATE_BLOCK);
    replicate_map(blocks, threads, |k| {
        f(k * REPLICATE_BLOCK..((k + 1) * REPLICATE_BLOCK).min(count))
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Runs `f(0..count)` on up to `threads` threads and returns the results in index
/// order. Each result depends only on its index, so the output does not depend on
/// the number of threads.
pub fn replicate_map<T: Send>(
    count: usize,
    threads: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let threads = threads.clamp(1, count.max(1));
    if threads == 1 {
        return (0..count).map(f).collect();
    }
    let chunk = count.div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(count))
                        .map(f)
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The swap flags of permutation `j` for `units` respondents: bit `r mod 32` of the
/// `r / 32`-th 32-bit output of stream `j`.
pub fn swap_flags(seed: [u8; 32], j: u64, units: usize) -> Vec<bool> {
    let mut g = rng::generator(seed, j);
    let mut out = Vec::with_capacity(units);
    while out.len() < units {
        let word = g.next_u32();
        for bit in 0..32 {
            if out.len() == units {
                break;
            }
            out.push(word >> bit & 1 == 1);
        }
    }
    out
}

/// Seeds and replicate counts of [`change_inference`].
#[derive(Debug, Clone, Copy)]
pub struct Resampling {
    /// Seed of the bootstrap draws.
    pub bootstrap_seed: [u8; 32],
    /// Seed of the wave-label permutations.
    pub permutation_seed: [u8; 32],
    /// Bootstrap replicates.
    pub replicates: u32,
    /// Permutations.
    pub permutations: u32,
}

/// The intervals and tests of the change from `shares`' earlier to its later wave.
/// Statistic order as in [`Shares::new`].
pub fn resample(shares: &Shares, how: Resampling, threads: usize) -> Vec<Change> {
    let r = shares.units.len();
    let (a, b) = shares.totals(0..r);
    let from = shares.values(&a);
    let to = shares.values(&b);
    let observed: Vec<Option<(i128, i128)>> = shares
        .stats
        .iter()
        .map(|s| s.exact_change(&a, &b))
        .collect();
    let stat_count = shares.stats.len();
    let boot: Vec<Vec<Option<f64>>> = in_blocks(how.replicates as usize, threads, |range| {
        if r == 0 {
            return vec![vec![None; stat_count]; range.len()];
        }
        let mut times = vec![0u32; range.len() * r];
        for (b, i) in range.clone().enumerate() {
            let mut g = rng::generator(how.bootstrap_seed, i as u64);
            let row = &mut times[b * r..(b + 1) * r];
            (0..r).for_each(|_| row[rng::below(&mut g, r as u32) as usize] += 1);
        }
        shares
            .totals_block(&times, range.len())
            .iter()
            .map(|(x, y)| shares.changes(x, y))
            .collect()
    });
    // Per permutation and statistic: (at least, at most) the observed change. A
    // permuted change that is undefined counts as both (conservative).
    let perm: Vec<Vec<(bool, bool)>> = in_blocks(how.permutations as usize, threads, |range| {
        let flags: Vec<Vec<bool>> = range
            .map(|j| swap_flags(how.permutation_seed, j as u64, r))
            .collect();
        let swaps: Vec<&[bool]> = flags.iter().map(Vec::as_slice).collect();
        shares
            .swapped_block(&swaps)
            .iter()
            .map(|(x, y)| {
                shares
                    .stats
                    .iter()
                    .zip(&observed)
                    .map(|(s, obs)| match (s.exact_change(x, y), obs) {
                        (Some((pn, pd)), Some((on, od))) => {
                            let (lhs, rhs) = (pn * od, on * pd);
                            (lhs >= rhs, lhs <= rhs)
                        }
                        _ => (true, true),
                    })
                    .collect()
            })
            .collect()
    });
    let p_of = |k: u32| ratio_i128(i128::from(k) + 1, i128::from(how.permutations) + 1);
    (0..shares.stats.len())
        .map(|s| {
            let column: Vec<Option<f64>> = boot.iter().map(|v| v[s]).collect();
            let interval = percentile_interval(&column);
            let at_least = perm.iter().filter(|v| v[s].0).count() as u32;
            let at_most = perm.iter().filter(|v| v[s].1).count() as u32;
            let testable = observed[s].is_some() && how.permutations > 0;
            let (inc, dec) = (p_of(at_least), p_of(at_most));
            Change {
                from: from[s],
                to: to[s],
                change: shares.stats[s].change(&a, &b),
                ci_low: interval.map(|i| i.0),
                ci_high: interval.map(|i| i.1),
                at_least: if testable { at_least } else { 0 },
                at_most: if testable { at_most } else { 0 },
                p_increase: testable.then_some(inc),
                p_decrease: testable.then_some(dec),
                p_two_sided: testable.then(|| (2.0 * inc.min(dec)).min(1.0)),
            }
        })
        .collect()
}

/// The intervals and tests of the headline changes from wave `from` to wave `to` of
/// `study` (`labels[k]`: dimension `k`'s category of each organisation), with
/// `permutations` bootstrap replicates and as many wave-label permutations.
pub fn change_inference(
    study: &Study,
    labels: &[Vec<u32>],
    (from, to): (usize, usize),
    permutations: u32,
    threads: usize,
) -> ChangeInference {
    let config = &study.config;
    let n = study.orgs.len();
    let earlier = design::reports(study, from);
    let later = design::reports(study, to);
    // The units: respondents of either wave, and (defensively) anyone who reported.
    let (ra, rb) = (
        design::respondents(study, from),
        design::respondents(study, to),
    );
    let mut is_unit: Vec<bool> = ra.iter().zip(&rb).map(|(&x, &y)| x || y).collect();
    for &(r, _) in earlier.iter().chain(&later) {
        is_unit[r as usize] = true;
    }
    let units: Vec<u32> = (0..n as u32).filter(|&v| is_unit[v as usize]).collect();
    let heads = headline_dimensions(config);
    let sizes: Vec<Vec<usize>> = heads
        .iter()
        .map(|&(k, _)| {
            let mut s = vec![0usize; config.dimensions[k].categories.len()];
            labels[k].iter().for_each(|&c| s[c as usize] += 1);
            s
        })
        .collect();
    let dims: Vec<Dimension<'_>> = heads
        .iter()
        .zip(&sizes)
        .map(|(&(k, _), s)| Dimension {
            labels: &labels[k],
            sizes: s,
        })
        .collect();
    let shares = Shares::new(n, units, (&earlier, &later), config.tie_rule, &dims);
    let pair = format!("{}->{}", config.waves[from].id, config.waves[to].id);
    let how = Resampling {
        bootstrap_seed: rng::derive_seed(config.seed, "respondent-bootstrap", "", &pair),
        permutation_seed: rng::derive_seed(config.seed, "wave-label-permutations", "", &pair),
        replicates: permutations,
        permutations,
    };
    let mut changes = resample(&shares, how, threads).into_iter();
    let mut next = || changes.next().unwrap_or_else(empty_change);
    let ties = next();
    let mean_degree = next();
    let dimensions = heads
        .iter()
        .map(|&(k, role)| {
            let dim = &config.dimensions[k];
            let cross_share = next();
            let ei_index = next();
            let categories = dim
                .categories
                .iter()
                .map(|c| CategoryInference {
                    id: c.id.clone(),
                    mean_ties: next(),
                })
                .collect();
            DimensionInference {
                column: dim.column.clone(),
                role,
                cross_share,
                ei_index,
                categories,
            }
        })
        .collect();
    ChangeInference {
        respondents: shares.units.len(),
        replicates: how.replicates,
        permutations: how.permutations,
        ties,
        mean_degree,
        dimensions,
    }
}

fn empty_change() -> Change {
    Change {
        from: None,
        to: None,
        change: None,
        ci_low: None,
        ci_high: None,
        at_least: 0,
        at_most: 0,
        p_increase: None,
        p_decrease: None,
        p_two_sided: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five organisations, 0-2 respondents; categories 0,0,1,1,0.
    /// Earlier: 0-1 named by both, 0-3 by 0. Later: 0-1 by 1, 1-2 by 2, 2-4 by 2, 1-3 by 1.
    fn example() -> Shares {
        let labels = [0u32, 0, 1, 1, 0];
        let sizes = [3usize, 2];
        let earlier = [(0, 1), (0, 3), (1, 0)];
        let later = [(1, 0), (1, 3), (2, 1), (2, 4)];
        Shares::new(
            5,
            vec![0, 1, 2],
            (&earlier, &later),
            TieRule::Union,
            &[Dimension {
                labels: &labels,
                sizes: &sizes,
            }],
        )
    }

    #[test]
    fn shares_add_up_to_the_observed_statistics() {
        let s = example();
        let (a, b) = s.totals(0..3);
        // Totals: [half-ties, half-ties across, tie ends in 0, tie ends in 1] (halves).
        assert_eq!(a, vec![4, 2, 6, 2]);
        assert_eq!(b, vec![8, 6, 10, 6]);
        // Earlier: 2 ties, 4/5 ties per organisation, 1 of 2 across, E-I 0,
        // category 0: 3 ends over 3 members, category 1: 1 end over 2.
        assert_eq!(
            s.values(&a),
            vec![
                Some(2.0),
                Some(0.8),
                Some(0.5),
                Some(0.0),
                Some(1.0),
                Some(0.5)
            ]
        );
        assert_eq!(
            s.values(&b),
            vec![
                Some(4.0),
                Some(1.6),
                Some(0.75),
                Some(0.5),
                Some(10.0 / 6.0),
                Some(1.5)
            ]
        );
        // Respondent 0 drawn three times: its earlier share is 0-1 half and 0-3 whole.
        let (x, y) = s.totals([0, 0, 0].into_iter());
        assert_eq!((&x, &y), (&vec![9, 6, 12, 6], &vec![0, 0, 0, 0]));
        assert_eq!(s.changes(&x, &y)[2], None);
        // No swap rebuilds the observed waves.
        assert_eq!(s.swapped(&[false; 3]), (a.clone(), b.clone()));
        // Swapping respondent 2 moves its later ties (1-2 and 2-4) into the earlier wave.
        let (x, y) = s.swapped(&[false, false, true]);
        assert_eq!((x, y), (vec![8, 6, 10, 6], vec![4, 2, 6, 2]));
        // Swapping respondent 0 moves 0-3 to the later wave; 0-1 stays in both, since
        // 1 named 0 in both waves. (Moving split shares instead would leave half of
        // 0-1 in the earlier wave and put one and a half in the later.)
        let (x, y) = s.swapped(&[true, false, false]);
        assert_eq!((x, y), (vec![2, 0, 4, 0], vec![10, 8, 12, 8]));
    }

    #[test]
    fn percentile_ranks() {
        let v: Vec<Option<f64>> = (1..=39).map(|i| Some(f64::from(i))).collect();
        // B = 39: ranks floor(1) = 1 and ceil(39) = 39.
        assert_eq!(percentile_interval(&v), Some((1.0, 39.0)));
        let v: Vec<Option<f64>> = (1..=1999).rev().map(|i| Some(f64::from(i))).collect();
        assert_eq!(percentile_interval(&v), Some((50.0, 1950.0)));
        assert_eq!(percentile_interval(&[Some(1.0), None]), None);
        assert_eq!(percentile_interval(&[]), None);
    }

    #[test]
    fn holm_by_hand() {
        // Sorted: .01 (x4 = .04), .02 (x3 = .06), .03 (x2 = .06), .04 (x1 = .04 -> .06).
        let adj = holm(&[0.03, 0.01, 0.04, 0.02]);
        let want = [0.06, 0.04, 0.06, 0.06];
        for (a, w) in adj.iter().zip(want) {
            assert!((a - w).abs() < 1e-15, "{adj:?}");
        }
        assert_eq!(holm(&[0.9, 0.5]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn resampling_is_repeatable_and_thread_independent() {
        let s = example();
        let how = Resampling {
            bootstrap_seed: [1; 32],
            permutation_seed: [2; 32],
            replicates: 199,
            permutations: 199,
        };
        let one = resample(&s, how, 1);
        assert_eq!(one, resample(&s, how, 3));
        assert_eq!(one[0].change, Some(2.0));
        assert!(
            one[0]
                .ci_low
                .is_some_and(|l| l <= one[0].ci_high.unwrap_or(f64::NAN))
        );
        let p = one[0].p_increase.expect("testable");
        assert!(p > 0.0 && p <= 1.0);
        assert_eq!(
            one[0].p_two_sided,
            Some((2.0 * p.min(one[0].p_decrease.unwrap_or(1.0))).min(1.0))
        );
    }

    #[test]
    fn a_block_of_replicates_gives_each_replicate_its_own_totals() {
        let s = example();
        let r = s.units.len();
        // Counts 1 to 3 are summed apart, 4 and more multiplied: both paths.
        let draws: [&[usize]; 5] = [
            &[0, 0, 0],
            &[1, 2, 2],
            &[2, 1, 0],
            &[1, 1, 1, 1, 0],
            &[2, 2, 2, 2, 2, 2, 0, 1, 1],
        ];
        let mut times = vec![0u32; draws.len() * r];
        for (b, d) in draws.iter().enumerate() {
            d.iter().for_each(|&x| times[b * r + x] += 1);
        }
        let block = s.totals_block(&times, draws.len());
        for (b, d) in draws.iter().enumerate() {
            assert_eq!(block[b], s.totals(d.iter().copied()), "replicate {b}");
        }
        let swaps = [
            [false, false, false],
            [true, false, true],
            [false, true, false],
            [true, true, true],
        ];
        let refs: Vec<&[bool]> = swaps.iter().map(|x| x.as_slice()).collect();
        let block = s.swapped_block(&refs);
        for (j, swap) in swaps.iter().enumerate() {
            assert_eq!(block[j], s.swapped(swap), "permutation {j}");
        }
        // The first permutation swaps nothing: the observed totals.
        assert_eq!(block[0], s.totals(0..r));
    }

    #[test]
    fn swap_flags_are_bits_of_the_stream() {
        let f = swap_flags([7; 32], 3, 40);
        let mut g = rng::generator([7; 32], 3);
        let (w0, w1) = (g.next_u32(), g.next_u32());
        for (r, &flag) in f.iter().enumerate() {
            let w = if r < 32 { w0 } else { w1 };
            assert_eq!(flag, w >> (r % 32) & 1 == 1);
        }
        assert_eq!(f.len(), 40);
    }

    #[test]
    fn replicate_map_keeps_index_order() {
        for threads in 1..5 {
            assert_eq!(
                replicate_map(10, threads, |i| i * i),
                (0..10).map(|i| i * i).collect::<Vec<_>>()
            );
        }
        assert!(replicate_map(0, 3, |i| i).is_empty());
    }
}
