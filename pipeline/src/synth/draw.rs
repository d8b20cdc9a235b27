//! Drawing organisations and tie reports from a resolved [`Plan`].
//!
//! Every random choice goes through [`crate::stats::rng`], on ChaCha8 streams seeded
//! from `synth.toml`'s `seed` and the purpose of the draw (one stream for the
//! organisations, one per wave for its tie reports), so changing one wave's
//! parameters leaves the organisations and the other waves' reports as they were.

use rand_chacha::ChaCha8Rng;

use super::SynthError;
use super::resolve::{DimensionPlan, Plan, WavePlan, located};
use crate::stats::rng;

/// The ChaCha8 stream of one purpose of the generator (see [`rng::derive_seed`]).
pub(crate) fn stream(plan: &Plan, purpose: &str, part: &str) -> ChaCha8Rng {
    rng::generator(rng::derive_seed(plan.seed, purpose, part, ""), 0)
}

/// The drawn organisations, in id order.
#[derive(Debug, Clone)]
pub(crate) struct Orgs {
    /// `cats[d][i]`: category of organisation `i` in dimension `d`.
    pub cats: Vec<Vec<usize>>,
    /// Index into the plan's country names.
    pub country: Vec<usize>,
    /// Whether the survey was sent to it.
    pub surveyed: Vec<bool>,
    /// Whether it answered.
    pub responded: Vec<bool>,
}

impl Orgs {
    /// The respondents' indices, ascending.
    pub fn respondents(&self) -> Vec<u32> {
        (0..self.responded.len())
            .filter(|&i| self.responded[i])
            .map(|i| i as u32)
            .collect()
    }
}

/// Draws every organisation's categories, country, and survey status.
pub(crate) fn organisations(plan: &Plan) -> Orgs {
    let mut draws = stream(plan, "synth-organisations", "");
    let n = plan.orgs.total;
    let mut cats: Vec<Vec<usize>> = Vec::with_capacity(plan.dimensions.len());
    for dim in &plan.dimensions {
        let column = draw_dimension(dim, &cats, n, &mut draws);
        cats.push(column);
    }
    let country = (0..n)
        .map(|i| {
            let row = plan.countries.by.map_or(0, |b| cats[b][i]);
            rng::weighted(&mut draws, &plan.countries.rows[row])
        })
        .collect();

    // Who is listed only (the first in a shuffled order), then who of the surveyed
    // responds, with chances weighted by the response factors.
    let mut order: Vec<usize> = (0..n).collect();
    rng::shuffle(&mut draws, &mut order);
    let mut surveyed = vec![true; n];
    for &i in &order[..n - plan.orgs.surveyed.min(n)] {
        surveyed[i] = false;
    }
    let weights: Vec<f64> = (0..n).map(|i| plan.response.of(&cats, i)).collect();
    let pool: Vec<usize> = (0..n).filter(|&i| surveyed[i]).collect();
    let mut responded = vec![false; n];
    for i in rng::weighted_sample(&mut draws, &pool, &weights, plan.orgs.responded) {
        responded[i] = true;
    }
    Orgs {
        cats,
        country,
        surveyed,
        responded,
    }
}

/// One dimension's category for each of `n` organisations: exact shares in a
/// shuffled order, or a weighted draw per organisation with the factors given the
/// categories already drawn (`earlier[d][i]`).
fn draw_dimension(
    dim: &DimensionPlan,
    earlier: &[Vec<usize>],
    n: usize,
    draws: &mut ChaCha8Rng,
) -> Vec<usize> {
    if dim.exact {
        let mut column: Vec<usize> = largest_remainder(&dim.base, n)
            .iter()
            .enumerate()
            .flat_map(|(k, &c)| std::iter::repeat_n(k, c))
            .collect();
        rng::shuffle(draws, &mut column);
        return column;
    }
    let mut w = dim.base.clone();
    (0..n)
        .map(|i| {
            w.copy_from_slice(&dim.base);
            for cond in &dim.given {
                for (x, f) in w.iter_mut().zip(&cond.factors[earlier[cond.on][i]]) {
                    *x *= f;
                }
            }
            if w.iter().all(|x| *x <= 0.0) {
                w.copy_from_slice(&dim.base);
            }
            rng::weighted(draws, &w)
        })
        .collect()
}

/// The partners each respondent named in one wave.
#[derive(Debug, Clone)]
pub(crate) struct WaveReports {
    /// The wave id.
    pub wave: String,
    /// `named[k]`: partners of the `k`-th respondent, ascending.
    pub named: Vec<Vec<u32>>,
    /// Reports placed (the sum of the lists' lengths).
    pub placed: usize,
}

/// Partner candidates: all organisations, and those of each primary category, each
/// country, and each (primary category, country) cell.
struct Buckets {
    all: Vec<u32>,
    by_primary: Vec<Vec<u32>>,
    by_country: Vec<Vec<u32>>,
    by_cell: Vec<Vec<u32>>,
    n_country: usize,
}

impl Buckets {
    fn new(primary: &[usize], n_primary: usize, country: &[usize], n_country: usize) -> Buckets {
        let mut b = Buckets {
            all: (0..primary.len() as u32).collect(),
            by_primary: vec![Vec::new(); n_primary],
            by_country: vec![Vec::new(); n_country],
            by_cell: vec![Vec::new(); n_primary * n_country],
            n_country,
        };
        for (i, (&p, &c)) in primary.iter().zip(country).enumerate() {
            b.by_primary[p].push(i as u32);
            b.by_country[c].push(i as u32);
            b.by_cell[p * n_country + c].push(i as u32);
        }
        b
    }

    /// The candidates for a reporter of primary category `p` in country `c`; a
    /// bucket with fewer than two members falls back to everyone.
    fn pick(&self, same_primary: bool, same_country: bool, p: usize, c: usize) -> &[u32] {
        let bucket = match (same_primary, same_country) {
            (true, true) => &self.by_cell[p * self.n_country + c],
            (true, false) => &self.by_primary[p],
            (false, true) => &self.by_country[c],
            (false, false) => &self.all,
        };
        if bucket.len() < 2 { &self.all } else { bucket }
    }
}

/// What a wave's draw reads: the organisations, their buckets and prominence.
struct Field<'a> {
    orgs: &'a Orgs,
    primary: &'a [usize],
    respondents: &'a [u32],
    buckets: Buckets,
    /// Each organisation's prominence, divided by the largest.
    prominence: Vec<f64>,
    /// Each respondent's prominence, divided by the largest among respondents.
    reporting: Vec<f64>,
}

/// Draws every wave's tie reports.
pub(crate) fn ties(plan: &Plan, orgs: &Orgs) -> Result<Vec<WaveReports>, SynthError> {
    let n = plan.orgs.total;
    let respondents = orgs.respondents();
    let r = respondents.len();
    let targets: Vec<usize> = match plan.tie_total {
        Some(m) => largest_remainder(
            &plan.waves.iter().map(|w| w.mean_degree).collect::<Vec<_>>(),
            m,
        ),
        None => plan
            .waves
            .iter()
            .map(|w| (r as f64 * w.mean_degree).round() as usize)
            .collect(),
    };
    let most = r * (n - 1);
    for (wave, &t) in plan.waves.iter().zip(&targets) {
        if t > most {
            return Err(SynthError::one(located(
                &plan.positions,
                &wave.degree_key,
                format!(
                    "{}: {t} tie reports in wave {:?} are more than the {most} possible between {r} respondents and {n} organisations",
                    wave.degree_key, wave.id
                ),
            )));
        }
    }
    let primary = &orgs.cats[plan.shape.primary];
    let prominence: Vec<f64> = (0..n).map(|i| plan.prominence.of(&orgs.cats, i)).collect();
    let top = prominence.iter().copied().fold(0.0_f64, f64::max);
    let top_reporter = respondents
        .iter()
        .map(|&i| prominence[i as usize])
        .fold(0.0_f64, f64::max);
    let field = Field {
        orgs,
        primary,
        respondents: &respondents,
        buckets: Buckets::new(
            primary,
            plan.shape.dimensions[plan.shape.primary].categories.len(),
            &orgs.country,
            plan.countries.names.len(),
        ),
        reporting: respondents
            .iter()
            .map(|&i| prominence[i as usize] / top_reporter)
            .collect(),
        prominence: prominence.iter().map(|p| p / top).collect(),
    };
    plan.waves
        .iter()
        .zip(targets)
        .map(|(wave, target)| draw_wave(plan, &field, wave, target))
        .collect()
}

/// Places `target` reports in one wave: first one partner for every respondent
/// while the budget lasts, then further partners for respondents drawn by
/// prominence.
fn draw_wave(
    plan: &Plan,
    field: &Field<'_>,
    wave: &WavePlan,
    target: usize,
) -> Result<WaveReports, SynthError> {
    let mut draws = stream(plan, "synth-ties", &wave.id);
    let r = field.respondents.len();
    let mut named: Vec<Vec<u32>> = vec![Vec::new(); r];
    let mut placed = 0;
    for (k, mine) in named.iter_mut().enumerate() {
        if placed < target && name_partner(field, wave, k, mine, &mut draws) {
            placed += 1;
        }
    }
    let mut misses = 0usize;
    while placed < target {
        let k = rng::index(&mut draws, r);
        if !rng::bernoulli(&mut draws, field.reporting[k]) {
            continue;
        }
        if name_partner(field, wave, k, &mut named[k], &mut draws) {
            placed += 1;
        } else {
            misses += 1;
            if misses > 1000 + 10 * target {
                return Err(SynthError::one(located(
                    &plan.positions,
                    &wave.degree_key,
                    format!(
                        "{}: could not place {target} tie reports in wave {:?}; expected a lower mean_degree",
                        wave.degree_key, wave.id
                    ),
                )));
            }
        }
    }
    for partners in &mut named {
        partners.sort_unstable();
    }
    Ok(WaveReports {
        wave: wave.id.clone(),
        named,
        placed,
    })
}

/// Adds one new partner to respondent `k`'s list `mine`; false when 64 attempts
/// found none. The first 32 attempts follow the wave's homophily chances, later
/// ones draw from everyone; the first 48 accept a candidate with a chance equal to
/// its relative prominence, later ones always.
fn name_partner(
    field: &Field<'_>,
    wave: &WavePlan,
    k: usize,
    mine: &mut Vec<u32>,
    draws: &mut ChaCha8Rng,
) -> bool {
    let me = field.respondents[k];
    let (p, c) = (field.primary[me as usize], field.orgs.country[me as usize]);
    for attempt in 0..64 {
        let (sp, sc) = if attempt < 32 {
            (
                rng::bernoulli(draws, wave.same_primary),
                rng::bernoulli(draws, wave.same_country),
            )
        } else {
            (false, false)
        };
        let bucket = field.buckets.pick(sp, sc, p, c);
        let cand = bucket[rng::index(draws, bucket.len())];
        if cand == me || mine.contains(&cand) {
            continue;
        }
        if attempt < 48 && !rng::bernoulli(draws, field.prominence[cand as usize]) {
            continue;
        }
        mine.push(cand);
        return true;
    }
    false
}

/// Splits `n` into integer parts proportional to `weights` (largest remainder; ties
/// go to the earlier part). Exact integer arithmetic on weights scaled to millionths.
pub(crate) fn largest_remainder(weights: &[f64], n: usize) -> Vec<usize> {
    let w: Vec<u128> = weights
        .iter()
        .map(|x| (x * 1_000_000.0).round().max(0.0) as u128)
        .collect();
    let sum: u128 = w.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let n128 = n as u128;
    let mut parts: Vec<usize> = w.iter().map(|x| (x * n128 / sum) as usize).collect();
    let mut rest: Vec<(u128, usize)> = w
        .iter()
        .enumerate()
        .map(|(i, x)| (x * n128 % sum, i))
        .collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let short = n - parts.iter().sum::<usize>();
    for &(_, i) in rest.iter().take(short) {
        parts[i] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_is_exact() {
        assert_eq!(largest_remainder(&[79.0, 5.0, 8.0], 92), vec![79, 5, 8]);
        assert_eq!(largest_remainder(&[1.0, 1.0, 1.0], 10), vec![4, 3, 3]);
        assert_eq!(
            largest_remainder(&[79.0, 5.0, 8.0], 100_000)
                .iter()
                .sum::<usize>(),
            100_000
        );
    }
}
